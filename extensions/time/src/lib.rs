//! sqlean's `time` module: high-precision time as 13-byte blobs (a version byte, then
//! seconds since 0001-01-01 UTC and nanoseconds, big-endian), durations as integers of
//! nanoseconds. Names, arities, argument checks, errors and the byte layout are sqlean
//! 0.28's, so blobs move freely between the two.
//!
//! sqlean checks storage classes, not values: a time must be a blob of 13 bytes, a number an
//! integer, a field name text; anything else (NULL too) is an error. Parameters are hence
//! `&Value`. The only NULL result is `time_parse(NULL)`, where sqlean crashes.

mod parse;
mod timex;

use sqlink_sdk::{Error, Value, export_extension, sqlite_scalar};
use timex::{BLOB_SIZE, HOUR, MICROSECOND, MILLISECOND, MINUTE, NANOSECOND, SECOND, Time};

type Blob = [u8; BLOB_SIZE];

/// Which argument a check is about; sqlean's messages say so only when there are several.
#[derive(Clone, Copy)]
enum Arg {
    Only,
    First,
    Second,
    Third,
    Fourth,
}

impl Arg {
    fn error(self, what: &str) -> Error {
        Error::new(match self {
            Arg::Only if what.starts_with("should") => format!("parameter {what}"),
            Arg::Only => what.to_owned(),
            Arg::First => format!("1st parameter: {what}"),
            Arg::Second => format!("2nd parameter: {what}"),
            Arg::Third => format!("3rd parameter: {what}"),
            Arg::Fourth => format!("4th parameter: {what}"),
        })
    }
}

fn time_arg(value: &Value, arg: Arg) -> Result<Time, Error> {
    let Value::Blob(bytes) = value else { return Err(arg.error("should be a time blob")) };
    let blob: &Blob = bytes.as_slice().try_into().map_err(|_| arg.error("invalid time blob size"))?;
    Ok(Time::from_blob(blob))
}

/// An integer argument as `sqlite3_value_int64` reads it.
fn int64_arg(value: &Value, arg: Arg) -> Result<i64, Error> {
    match value {
        Value::Integer(i) => Ok(*i),
        _ => Err(arg.error("should be an integer")),
    }
}

/// An integer argument as `sqlite3_value_int` reads it: its low 32 bits.
fn int_arg(value: &Value, arg: Arg) -> Result<i32, Error> {
    int64_arg(value, arg).map(|i| i as i32)
}

/// A field name: text, up to its first NUL (where C's string ends).
fn field_arg(value: &Value, arg: Arg) -> Result<&str, Error> {
    match value {
        Value::Text(s) => Ok(s.split('\0').next().unwrap_or_default()),
        _ => Err(arg.error("should be a field name")),
    }
}

/// Constructors taking only integers (time_date, time_unix) check them all first.
fn all_integers<const N: usize>(args: [&Value; N]) -> Result<[i64; N], Error> {
    let mut out = [0; N];
    for (slot, value) in out.iter_mut().zip(args) {
        let Value::Integer(i) = value else { return Err(Error::new("all parameters should be integers")) };
        *slot = *i;
    }
    Ok(out)
}

// --- Constructors ---

/// The current time (UTC). Aliased as `now()`.
#[sqlite_scalar]
pub fn time_now() -> Blob {
    Time::now().to_blob()
}

/// `time_date(year, month, day[, hour, min, sec[, nsec[, offset_sec]]])`: the time of a
/// date and clock, every part normalized (October 32 is November 1); with `offset_sec`, the
/// clock is in that zone (seconds east of UTC). Integers only, read as 32-bit.
fn date(parts: &[i64]) -> Blob {
    let part = |i: usize| parts.get(i).map_or(0, |&p| p as i32);
    Time::date(part(0), part(1), part(2), part(3), part(4), part(5), part(6), part(7)).to_blob()
}

/// The time of a date: `time_date(year, month, day)`. Aliased as `make_date`.
#[sqlite_scalar(name = "time_date", deterministic, innocuous)]
pub fn time_date3(year: &Value, month: &Value, day: &Value) -> Result<Blob, Error> {
    Ok(date(&all_integers([year, month, day])?))
}

/// The time of a date and clock: `time_date(year, month, day, hour, min, sec)`. Aliased as
/// `make_timestamp`.
#[sqlite_scalar(name = "time_date", deterministic, innocuous)]
pub fn time_date6(year: &Value, month: &Value, day: &Value, hour: &Value, min: &Value, sec: &Value) -> Result<Blob, Error> {
    Ok(date(&all_integers([year, month, day, hour, min, sec])?))
}

/// `time_date(year, month, day, hour, min, sec, nsec)`.
#[sqlite_scalar(name = "time_date", deterministic, innocuous)]
pub fn time_date7(year: &Value, month: &Value, day: &Value, hour: &Value, min: &Value, sec: &Value, nsec: &Value) -> Result<Blob, Error> {
    Ok(date(&all_integers([year, month, day, hour, min, sec, nsec])?))
}

/// `time_date(year, month, day, hour, min, sec, nsec, offset_sec)`: the clock is in the zone
/// `offset_sec` east of UTC.
#[allow(clippy::too_many_arguments)] // the SQL function's own arity
#[sqlite_scalar(name = "time_date", deterministic, innocuous)]
pub fn time_date8(
    year: &Value,
    month: &Value,
    day: &Value,
    hour: &Value,
    min: &Value,
    sec: &Value,
    nsec: &Value,
    offset_sec: &Value,
) -> Result<Blob, Error> {
    Ok(date(&all_integers([year, month, day, hour, min, sec, nsec, offset_sec])?))
}

// --- Fields ---

fn get(t: &Value, f: fn(Time) -> i32) -> Result<i64, Error> {
    time_arg(t, Arg::Only).map(|t| i64::from(f(t)))
}

/// The year of `t`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get_year(t: &Value) -> Result<i64, Error> {
    get(t, Time::year)
}

/// The month of `t` (1-12).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get_month(t: &Value) -> Result<i64, Error> {
    get(t, |t| t.ymd().1)
}

/// The day of the month of `t` (1-31).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get_day(t: &Value) -> Result<i64, Error> {
    get(t, |t| t.ymd().2)
}

/// The hour of `t` (0-23).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get_hour(t: &Value) -> Result<i64, Error> {
    get(t, |t| t.clock().0)
}

/// The minute of `t` (0-59).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get_minute(t: &Value) -> Result<i64, Error> {
    get(t, |t| t.clock().1)
}

/// The second of `t` (0-59).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get_second(t: &Value) -> Result<i64, Error> {
    get(t, |t| t.clock().2)
}

/// The nanoseconds within the second of `t` (0-999999999).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get_nano(t: &Value) -> Result<i64, Error> {
    get(t, |t| t.nsec)
}

/// The day of the week of `t` (0-6, Sunday = 0).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get_weekday(t: &Value) -> Result<i64, Error> {
    get(t, Time::weekday)
}

/// The day of the year of `t` (1-366).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get_yearday(t: &Value) -> Result<i64, Error> {
    get(t, Time::yearday)
}

/// The ISO 8601 year of `t`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get_isoyear(t: &Value) -> Result<i64, Error> {
    get(t, |t| t.iso_week().0)
}

/// The ISO 8601 week of `t` (1-53).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get_isoweek(t: &Value) -> Result<i64, Error> {
    get(t, |t| t.iso_week().1)
}

/// A field of `t` by name, with sqlean's spellings: some names match exactly, some as
/// prefixes (`decade…`, `quarter…`, `month…`, `hour…`, `minute…`, `second…`, `milli…`,
/// `micro…`, `nano…`).
fn field(t: Time, name: &str) -> Result<Value, Error> {
    let int = |i: i32| Ok(Value::Integer(i64::from(i)));
    let nanos_as_seconds = f64::from(t.nsec) / 1e9;
    let is = |names: &[&str]| names.contains(&name);
    match name {
        "millennium" => int(t.year() / 1000),
        "century" => int(t.year() / 100),
        _ if name.starts_with("decade") => int(t.year() / 10),
        "year" | "years" => int(t.year()),
        _ if name.starts_with("quarter") => int((t.ymd().1 - 1) / 3 + 1),
        _ if name.starts_with("month") => int(t.ymd().1),
        "day" | "days" => int(t.ymd().2),
        _ if name.starts_with("hour") => int(t.clock().0),
        _ if name.starts_with("minute") => int(t.clock().1),
        _ if name.starts_with("second") => Ok(Value::Real(f64::from(t.clock().2) + nanos_as_seconds)),
        _ if name.starts_with("milli") => int(t.nsec / 1_000_000),
        _ if name.starts_with("micro") => int(t.nsec / 1000),
        _ if name.starts_with("nano") => int(t.nsec),
        "isoyear" => int(t.iso_week().0),
        _ if is(&["isoweek", "week"]) => int(t.iso_week().1),
        "isodow" => int(match t.weekday() {
            0 => 7,
            d => d,
        }),
        _ if is(&["yearday", "doy", "dayofyear"]) => int(t.yearday()),
        _ if is(&["weekday", "dow", "dayofweek"]) => int(t.weekday()),
        "epoch" => Ok(Value::Real(t.to_unix() as f64 + nanos_as_seconds)),
        _ => Err(Error::new("unknown field")),
    }
}

/// The field `name` of `t`: millennium, century, decade, year, quarter, month, day, hour,
/// minute, second (with its fraction), milli, micro, nano, isoyear, isoweek, isodow,
/// yearday, weekday, epoch (with its fraction).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_get(t: &Value, name: &Value) -> Result<Value, Error> {
    let t = time_arg(t, Arg::First)?;
    field(t, field_arg(name, Arg::Second)?)
}

/// Postgres-like `date_part(field, t)`: `time_get(t, field)`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn date_part(name: &Value, t: &Value) -> Result<Value, Error> {
    let name = field_arg(name, Arg::First)?;
    field(time_arg(t, Arg::Second)?, name)
}

// --- Unix time ---

/// The time `sec` seconds (plus `nsec` nanoseconds) after 1970-01-01 UTC.
#[sqlite_scalar(name = "time_unix", deterministic, innocuous)]
pub fn time_unix1(sec: &Value) -> Result<Blob, Error> {
    let [sec] = all_integers([sec])?;
    Ok(Time::unix(sec, 0).to_blob())
}

/// `time_unix(sec, nsec)`: the time `sec` seconds and `nsec` nanoseconds after 1970-01-01.
#[sqlite_scalar(name = "time_unix", deterministic, innocuous)]
pub fn time_unix2(sec: &Value, nsec: &Value) -> Result<Blob, Error> {
    let [sec, nsec] = all_integers([sec, nsec])?;
    Ok(Time::unix(sec, nsec).to_blob())
}

/// The time `msec` milliseconds after 1970-01-01 UTC.
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_milli(msec: &Value) -> Result<Blob, Error> {
    Ok(Time::unix_milli(int64_arg(msec, Arg::Only)?).to_blob())
}

/// The time `usec` microseconds after 1970-01-01 UTC.
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_micro(usec: &Value) -> Result<Blob, Error> {
    Ok(Time::unix_micro(int64_arg(usec, Arg::Only)?).to_blob())
}

/// The time `nsec` nanoseconds after 1970-01-01 UTC.
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_nano(nsec: &Value) -> Result<Blob, Error> {
    Ok(Time::unix_nano(int64_arg(nsec, Arg::Only)?).to_blob())
}

/// Seconds from 1970-01-01 UTC to `t`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_to_unix(t: &Value) -> Result<i64, Error> {
    time_arg(t, Arg::Only).map(Time::to_unix)
}

/// Milliseconds from 1970-01-01 UTC to `t` (wrapping past 292 million years, as sqlean's).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_to_milli(t: &Value) -> Result<i64, Error> {
    time_arg(t, Arg::Only).map(Time::to_milli)
}

/// Microseconds from 1970-01-01 UTC to `t` (wrapping outside years -290307 to 294246).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_to_micro(t: &Value) -> Result<i64, Error> {
    time_arg(t, Arg::Only).map(Time::to_micro)
}

/// Nanoseconds from 1970-01-01 UTC to `t` (wrapping outside years 1678 to 2262).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_to_nano(t: &Value) -> Result<i64, Error> {
    time_arg(t, Arg::Only).map(Time::to_nano)
}

// --- Comparison ---

fn compare(t: &Value, u: &Value, f: fn(Time, Time) -> bool) -> Result<bool, Error> {
    Ok(f(time_arg(t, Arg::First)?, time_arg(u, Arg::Second)?))
}

/// Whether `t` is after `u` (1 or 0).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_after(t: &Value, u: &Value) -> Result<bool, Error> {
    compare(t, u, Time::after)
}

/// Whether `t` is before `u` (1 or 0).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_before(t: &Value, u: &Value) -> Result<bool, Error> {
    compare(t, u, Time::before)
}

/// -1, 0 or 1 as `t` is before, the same as, or after `u`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_compare(t: &Value, u: &Value) -> Result<i64, Error> {
    Ok(i64::from(time_arg(t, Arg::First)?.compare(time_arg(u, Arg::Second)?)))
}

/// Whether `t` and `u` are the same instant (1 or 0).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_equal(t: &Value, u: &Value) -> Result<bool, Error> {
    compare(t, u, |t, u| t == u)
}

// --- Arithmetic ---

/// `t` plus the duration `d` (nanoseconds). Aliased as `date_add`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_add(t: &Value, d: &Value) -> Result<Blob, Error> {
    let t = time_arg(t, Arg::First)?;
    Ok(t.add(int64_arg(d, Arg::Second)?).to_blob())
}

/// `t` plus `years`, `months` and `days`, normalized as `time_date` does.
fn add_date(t: &Value, years: &Value, months: Option<&Value>, days: Option<&Value>) -> Result<Blob, Error> {
    let t = time_arg(t, Arg::First)?;
    let years = int_arg(years, Arg::Second)?;
    let months = months.map_or(Ok(0), |m| int_arg(m, Arg::Third))?;
    let days = days.map_or(Ok(0), |d| int_arg(d, Arg::Fourth))?;
    Ok(t.add_date(years, months, days).to_blob())
}

/// `t` plus `years` (a calendar date, normalized: Feb 29 plus a year is Mar 1).
#[sqlite_scalar(name = "time_add_date", deterministic, innocuous)]
pub fn time_add_date2(t: &Value, years: &Value) -> Result<Blob, Error> {
    add_date(t, years, None, None)
}

/// `time_add_date(t, years, months)`.
#[sqlite_scalar(name = "time_add_date", deterministic, innocuous)]
pub fn time_add_date3(t: &Value, years: &Value, months: &Value) -> Result<Blob, Error> {
    add_date(t, years, Some(months), None)
}

/// `time_add_date(t, years, months, days)`.
#[sqlite_scalar(name = "time_add_date", deterministic, innocuous)]
pub fn time_add_date4(t: &Value, years: &Value, months: &Value, days: &Value) -> Result<Blob, Error> {
    add_date(t, years, Some(months), Some(days))
}

/// `t - u` in nanoseconds, saturated at the ends of a 64-bit integer. Aliased as `age`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_sub(t: &Value, u: &Value) -> Result<i64, Error> {
    let t = time_arg(t, Arg::First)?;
    Ok(t.sub(time_arg(u, Arg::Second)?))
}

/// Nanoseconds from `t` to now.
#[sqlite_scalar]
pub fn time_since(t: &Value) -> Result<i64, Error> {
    let t = time_arg(t, Arg::Only)?;
    Ok(Time::now().sub(t))
}

/// Nanoseconds from now to `t`.
#[sqlite_scalar]
pub fn time_until(t: &Value) -> Result<i64, Error> {
    let t = time_arg(t, Arg::Only)?;
    Ok(t.sub(Time::now()))
}

// --- Rounding ---

/// `t` truncated to the field `name` (millennium, century, decade, year, quarter, month,
/// week, day, hour, minute, second, milli…, micro…).
fn trunc_field(t: Time, name: &str) -> Result<Blob, Error> {
    let jan1 = |year: i32| Time::date(year, 1, 1, 0, 0, 0, 0, 0);
    let (year, month, day) = t.ymd();
    let truncated = match name {
        "millennium" => jan1(year / 1000 * 1000),
        "century" => jan1(year / 100 * 100),
        "decade" => jan1(year / 10 * 10),
        "year" => jan1(year),
        "quarter" => Time::date(year, (month - 1) / 3 * 3 + 1, 1, 0, 0, 0, 0, 0),
        "month" => Time::date(year, month, 1, 0, 0, 0, 0, 0),
        // sqlean counts whole weeks from January 1 of the ISO year, which need not be a
        // Monday: the result is that weekday, not the week's Monday.
        "week" => {
            let (iso_year, week) = t.iso_week();
            jan1(iso_year).add_date(0, 0, (week - 1) * 7)
        }
        "day" => Time::date(year, month, day, 0, 0, 0, 0, 0),
        "hour" => t.truncate(HOUR),
        "minute" => t.truncate(MINUTE),
        "second" => t.truncate(SECOND),
        _ if name.starts_with("milli") => Time::unix(t.to_unix(), i64::from(t.nsec / 1_000_000 * 1_000_000)),
        _ if name.starts_with("micro") => Time::unix(t.to_unix(), i64::from(t.nsec / 1000 * 1000)),
        _ => return Err(Error::new("unknown field")),
    };
    Ok(truncated.to_blob())
}

/// `time_trunc(t, field)` truncates `t` to a field; `time_trunc(t, d)` rounds it down to a
/// multiple of the duration `d` (whole seconds only; `t` unchanged for `d <= 0`).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_trunc(t: &Value, unit: &Value) -> Result<Blob, Error> {
    let t = time_arg(t, Arg::First)?;
    match unit {
        Value::Integer(d) => Ok(t.truncate(*d).to_blob()),
        other => trunc_field(t, field_arg(other, Arg::Second)?),
    }
}

/// Postgres-like `date_trunc(field, t)`: `time_trunc(t, field)`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn date_trunc(name: &Value, t: &Value) -> Result<Blob, Error> {
    let name = field_arg(name, Arg::First)?;
    trunc_field(time_arg(t, Arg::Second)?, name)
}

/// `t` rounded to the nearest multiple of the duration `d`, halves up (whole seconds only;
/// `t` unchanged for `d <= 0`).
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_round(t: &Value, d: &Value) -> Result<Blob, Error> {
    let t = time_arg(t, Arg::First)?;
    Ok(t.round(int64_arg(d, Arg::Second)?).to_blob())
}

// --- Formatting ---

fn format(t: &Value, offset_sec: Option<&Value>, f: fn(Time, i32) -> String) -> Result<String, Error> {
    let t = time_arg(t, Arg::First)?;
    let offset_sec = offset_sec.map_or(Ok(0), |o| int_arg(o, Arg::Second))?;
    Ok(f(t, offset_sec))
}

/// `t` as ISO 8601, the most compact of `2006-01-02T15:04:05[.999999999]Z`.
#[sqlite_scalar(name = "time_fmt_iso", deterministic, innocuous)]
pub fn time_fmt_iso1(t: &Value) -> Result<String, Error> {
    format(t, None, Time::fmt_iso)
}

/// `t` as ISO 8601 in the zone `offset_sec` east of UTC (`…+03:00`).
#[sqlite_scalar(name = "time_fmt_iso", deterministic, innocuous)]
pub fn time_fmt_iso2(t: &Value, offset_sec: &Value) -> Result<String, Error> {
    format(t, Some(offset_sec), Time::fmt_iso)
}

/// `t` as `2006-01-02 15:04:05`.
#[sqlite_scalar(name = "time_fmt_datetime", deterministic, innocuous)]
pub fn time_fmt_datetime1(t: &Value) -> Result<String, Error> {
    format(t, None, Time::fmt_datetime)
}

/// `t` as `2006-01-02 15:04:05` in the zone `offset_sec` east of UTC.
#[sqlite_scalar(name = "time_fmt_datetime", deterministic, innocuous)]
pub fn time_fmt_datetime2(t: &Value, offset_sec: &Value) -> Result<String, Error> {
    format(t, Some(offset_sec), Time::fmt_datetime)
}

/// `t` as `2006-01-02`.
#[sqlite_scalar(name = "time_fmt_date", deterministic, innocuous)]
pub fn time_fmt_date1(t: &Value) -> Result<String, Error> {
    format(t, None, Time::fmt_date)
}

/// `t` as `2006-01-02` in the zone `offset_sec` east of UTC.
#[sqlite_scalar(name = "time_fmt_date", deterministic, innocuous)]
pub fn time_fmt_date2(t: &Value, offset_sec: &Value) -> Result<String, Error> {
    format(t, Some(offset_sec), Time::fmt_date)
}

/// `t` as `15:04:05`.
#[sqlite_scalar(name = "time_fmt_time", deterministic, innocuous)]
pub fn time_fmt_time1(t: &Value) -> Result<String, Error> {
    format(t, None, Time::fmt_time)
}

/// `t` as `15:04:05` in the zone `offset_sec` east of UTC.
#[sqlite_scalar(name = "time_fmt_time", deterministic, innocuous)]
pub fn time_fmt_time2(t: &Value, offset_sec: &Value) -> Result<String, Error> {
    format(t, Some(offset_sec), Time::fmt_time)
}

/// The time that `s` spells in one of sqlean's layouts (`2006-01-02T15:04:05.999999999+07:00`,
/// `…Z`, without nanoseconds, `2006-01-02 15:04:05`, `2006-01-02`, `15:04:05`); zero time
/// (0001-01-01) for anything else. NULL gives NULL.
#[sqlite_scalar(deterministic, innocuous)]
pub fn time_parse(s: &Value) -> Option<Blob> {
    let t = match s {
        Value::Null => return None,
        Value::Text(text) => parse::parse(text.as_bytes()),
        Value::Blob(bytes) => parse::parse(bytes),
        // A number's text never has a layout's separators right after its digits.
        Value::Integer(_) | Value::Real(_) => Time::ZERO,
    };
    Some(t.to_blob())
}

// --- Duration constants ---

/// 1 nanosecond.
#[sqlite_scalar(deterministic, innocuous)]
pub fn dur_ns() -> i64 {
    NANOSECOND
}

/// 1 microsecond in nanoseconds.
#[sqlite_scalar(deterministic, innocuous)]
pub fn dur_us() -> i64 {
    MICROSECOND
}

/// 1 millisecond in nanoseconds.
#[sqlite_scalar(deterministic, innocuous)]
pub fn dur_ms() -> i64 {
    MILLISECOND
}

/// 1 second in nanoseconds.
#[sqlite_scalar(deterministic, innocuous)]
pub fn dur_s() -> i64 {
    SECOND
}

/// 1 minute in nanoseconds.
#[sqlite_scalar(deterministic, innocuous)]
pub fn dur_m() -> i64 {
    MINUTE
}

/// 1 hour in nanoseconds.
#[sqlite_scalar(deterministic, innocuous)]
pub fn dur_h() -> i64 {
    HOUR
}

export_extension! {
    name: "time",
    scalars: [
        time_now, time_now as "now",
        time_date3, time_date3 as "make_date", time_date6, time_date6 as "make_timestamp", time_date7, time_date8,
        time_get_year, time_get_month, time_get_day, time_get_hour, time_get_minute, time_get_second, time_get_nano,
        time_get_weekday, time_get_yearday, time_get_isoyear, time_get_isoweek, time_get, date_part,
        time_unix1, time_unix1 as "to_timestamp", time_unix2, time_milli, time_micro, time_nano,
        time_to_unix, time_to_milli, time_to_micro, time_to_nano,
        time_after, time_before, time_compare, time_equal,
        time_add, time_add as "date_add", time_add_date2, time_add_date3, time_add_date4,
        time_sub, time_sub as "age", time_since, time_until,
        time_trunc, date_trunc, time_round,
        time_fmt_iso1, time_fmt_iso2, time_fmt_datetime1, time_fmt_datetime2, time_fmt_date1, time_fmt_date2,
        time_fmt_time1, time_fmt_time2, time_parse,
        dur_ns, dur_us, dur_ms, dur_s, dur_m, dur_h,
    ],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(t: Time) -> Value {
        Value::Blob(t.to_blob().to_vec())
    }

    #[test]
    fn arguments_are_checked_by_storage_class() {
        let err = time_get_year(&Value::Null).unwrap_err();
        assert_eq!(err.message, "parameter should be a time blob");
        assert_eq!(time_get_year(&Value::Blob(vec![1; 12])).unwrap_err().message, "invalid time blob size");
        assert_eq!(time_add(&blob(Time::ZERO), &Value::Real(1.0)).unwrap_err().message, "2nd parameter: should be an integer");
        let i = Value::Integer(1);
        assert_eq!(time_date3(&i, &i, &Value::Text("1".into())).unwrap_err().message, "all parameters should be integers");
        assert_eq!(time_add_date3(&blob(Time::ZERO), &i, &Value::Null).unwrap_err().message, "3rd parameter: should be an integer");
        assert_eq!(time_parse(&Value::Null), None);
    }

    #[test]
    fn documented_examples() {
        let t = blob(Time::date(2011, 11, 18, 15, 56, 35, 666_777_888, 0));
        let int = |i: i64| Value::Integer(i);
        assert_eq!(time_fmt_iso2(&t, &int(3 * 3600)).unwrap(), "2011-11-18T18:56:35.666777888+03:00");
        assert_eq!(time_get(&t, &Value::Text("second".into())).unwrap(), Value::Real(35.666777888));
        assert_eq!(time_get(&t, &Value::Text("quarterly\0".into())).unwrap(), Value::Integer(4));
        let week = Value::Blob(time_trunc(&t, &Value::Text("week".into())).unwrap().to_vec());
        assert_eq!(time_fmt_iso1(&week).unwrap(), "2011-11-12T00:00:00Z");
        let milli = Value::Blob(date_trunc(&Value::Text("millisecond".into()), &t).unwrap().to_vec());
        assert_eq!(time_fmt_iso1(&milli).unwrap(), "2011-11-18T15:56:35.666000000Z");
        assert_eq!(time_sub(&blob(Time::unix(1321631795, 5_000_000)), &blob(Time::unix(1321631795, 0))).unwrap(), 5_000_000);
    }
}
