//! Time values as sqlean represents them: whole seconds since 0001-01-01 00:00:00 UTC plus
//! nanoseconds within the second; proleptic Gregorian calendar, no leap seconds.
//!
//! sqlean's C code (after Go's `time` package) lets integers wrap where they overflow and
//! truncates 64-bit results into `int`s; the arithmetic here wraps and truncates at the same
//! places, so out-of-range inputs give the same bytes as sqlean's, not a panic.

/// Nanoseconds per unit; a duration is an `i64` count of nanoseconds.
pub const NANOSECOND: i64 = 1;
pub const MICROSECOND: i64 = 1_000;
pub const MILLISECOND: i64 = 1_000_000;
pub const SECOND: i64 = 1_000_000_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;

const SECONDS_PER_MINUTE: i64 = 60;
const SECONDS_PER_HOUR: i64 = 3_600;
const SECONDS_PER_DAY: i64 = 86_400;
const SECONDS_PER_WEEK: i64 = 7 * SECONDS_PER_DAY;
const DAYS_PER_400_YEARS: u64 = 365 * 400 + 97;
const DAYS_PER_100_YEARS: u64 = 365 * 100 + 24;
const DAYS_PER_4_YEARS: u64 = 365 * 4 + 1;

/// Calendar arithmetic runs on unsigned "absolute" seconds counted from this year (1 mod
/// 400, so the 400-year cycles line up), which keeps every representable date positive.
const ABSOLUTE_ZERO_YEAR: i64 = -292_277_022_399;
/// Absolute seconds minus internal seconds (0001-01-01 is internal zero).
const INTERNAL_TO_ABSOLUTE: i64 = 9_223_371_966_579_724_800;
/// Internal seconds of the Unix epoch, 1970-01-01.
const UNIX_TO_INTERNAL: i64 = (1969 * 365 + 1969 / 4 - 1969 / 100 + 1969 / 400) * SECONDS_PER_DAY;

/// Days in a common year before each month begins (index 12: the whole year).
const DAYS_BEFORE: [i32; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

/// Weekday numbers, Sunday = 0.
const MONDAY: i32 = 1;
const THURSDAY: i32 = 4;

/// The size of a time blob: a version byte, 8 bytes of seconds, 4 of nanoseconds.
pub const BLOB_SIZE: usize = 13;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    /// Seconds since 0001-01-01 00:00:00 UTC.
    pub sec: i64,
    /// Nanoseconds within the second: 0..1e9 when made here, anything in a foreign blob.
    pub nsec: i32,
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// `(hi, lo)` with `lo` moved into `0..base` and the excess carried into `hi`.
fn norm(mut hi: i32, mut lo: i32, base: i32) -> (i32, i32) {
    if lo < 0 {
        let n = lo.wrapping_neg().wrapping_sub(1) / base + 1;
        hi = hi.wrapping_sub(n);
        lo = lo.wrapping_add(n.wrapping_mul(base));
    }
    if lo >= base {
        let n = lo / base;
        hi = hi.wrapping_add(n);
        lo -= n * base;
    }
    (hi, lo)
}

/// Days from the absolute zero year to January 1 of `year`.
fn days_to_year(year: i32) -> u64 {
    let mut y = (i64::from(year) - ABSOLUTE_ZERO_YEAR) as u64;
    let mut days = 0u64;
    for (cycle_years, cycle_days) in [(400, DAYS_PER_400_YEARS), (100, DAYS_PER_100_YEARS), (4, DAYS_PER_4_YEARS), (1, 365)] {
        let n = y / cycle_years;
        y -= cycle_years * n;
        days = days.wrapping_add(cycle_days.wrapping_mul(n));
    }
    days
}

impl Time {
    pub const ZERO: Time = Time { sec: 0, nsec: 0 };

    /// The time of a civil date and clock in the zone `offset_sec` east of UTC; every part
    /// may be out of its range and carries into the next larger one.
    #[allow(clippy::too_many_arguments)] // the calendar's own parts, as time_date() takes them
    pub fn date(year: i32, month: i32, day: i32, hour: i32, min: i32, sec: i32, nsec: i32, offset_sec: i32) -> Time {
        let (year, m0) = norm(year, month.wrapping_sub(1), 12);
        let month = m0 + 1;
        let (sec, nsec) = norm(sec, nsec, 1_000_000_000);
        let (min, sec) = norm(min, sec, 60);
        let (hour, min) = norm(hour, min, 60);
        let (day, hour) = norm(day, hour, 24);

        let mut days = days_to_year(year).wrapping_add(DAYS_BEFORE[(month - 1) as usize] as u64);
        if is_leap(year) && month >= 3 {
            days = days.wrapping_add(1);
        }
        days = days.wrapping_add(i64::from(day.wrapping_sub(1)) as u64);

        let clock = i64::from(hour) * SECONDS_PER_HOUR + i64::from(min) * SECONDS_PER_MINUTE + i64::from(sec);
        let abs = days.wrapping_mul(SECONDS_PER_DAY as u64).wrapping_add(clock as u64).wrapping_sub(i64::from(offset_sec) as u64);
        Time { sec: abs.wrapping_sub(INTERNAL_TO_ABSOLUTE as u64) as i64, nsec }
    }

    /// Unix time `sec` plus `nsec` nanoseconds (any value, carried into seconds).
    pub fn unix(mut sec: i64, mut nsec: i64) -> Time {
        if !(0..SECOND).contains(&nsec) {
            let n = nsec / SECOND;
            sec = sec.wrapping_add(n);
            nsec -= n * SECOND;
            if nsec < 0 {
                nsec += SECOND;
                sec = sec.wrapping_sub(1);
            }
        }
        Time { sec: sec.wrapping_add(UNIX_TO_INTERNAL), nsec: nsec as i32 }
    }

    pub fn unix_milli(msec: i64) -> Time {
        Time::unix(msec / 1000, (msec % 1000) * MILLISECOND)
    }

    pub fn unix_micro(usec: i64) -> Time {
        Time::unix(usec / 1_000_000, (usec % 1_000_000) * MICROSECOND)
    }

    pub fn unix_nano(nsec: i64) -> Time {
        Time::unix(0, nsec)
    }

    /// The current time; the Unix epoch where the sandbox withholds the clock.
    pub fn now() -> Time {
        let now = std::time::SystemTime::now();
        match now.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Time::unix(d.as_secs() as i64, i64::from(d.subsec_nanos())),
            // A clock set before 1970.
            Err(e) => Time::unix(0, 0).add(-(e.duration().as_nanos() as i64)),
        }
    }

    pub fn to_unix(self) -> i64 {
        self.sec.wrapping_sub(UNIX_TO_INTERNAL)
    }

    pub fn to_milli(self) -> i64 {
        self.to_unix().wrapping_mul(1000).wrapping_add(i64::from(self.nsec / 1_000_000))
    }

    pub fn to_micro(self) -> i64 {
        self.to_unix().wrapping_mul(1_000_000).wrapping_add(i64::from(self.nsec / 1000))
    }

    pub fn to_nano(self) -> i64 {
        self.to_unix().wrapping_mul(SECOND).wrapping_add(i64::from(self.nsec))
    }

    /// Seconds on the unsigned absolute scale the calendar functions work on.
    fn abs(self) -> u64 {
        self.sec.wrapping_add(INTERNAL_TO_ABSOLUTE) as u64
    }

    pub fn year(self) -> i32 {
        abs_date(self.abs()).0
    }

    /// Year, month (1-12) and day of the month.
    ///
    /// sqlean 0.28 reads March 1 of a leap year as February 29 (its port of Go's `switch`
    /// tests "after the leap day" before "the leap day" without an `else`); this reads it as
    /// March 1. Only the reading differs: the blobs of both are the same.
    pub fn ymd(self) -> (i32, i32, i32) {
        let (year, yday) = abs_date(self.abs());
        let mut day = yday;
        if is_leap(year) {
            const FEB_29: i32 = 31 + 29 - 1;
            if day == FEB_29 {
                return (year, 2, 29);
            }
            if day > FEB_29 {
                // Past the leap day: count as in a common year.
                day -= 1;
            }
        }
        // A month has at most 31 days, so day / 31 is the month or the one before it.
        let mut month = day / 31;
        let end = DAYS_BEFORE[(month + 1) as usize];
        let begin = if day >= end {
            month += 1;
            end
        } else {
            DAYS_BEFORE[month as usize]
        };
        (year, month + 1, day - begin + 1)
    }

    /// Hour, minute and second of the day.
    pub fn clock(self) -> (i32, i32, i32) {
        let sec = (self.abs() % SECONDS_PER_DAY as u64) as i32;
        (sec / 3600, sec % 3600 / 60, sec % 60)
    }

    /// Sunday = 0.
    pub fn weekday(self) -> i32 {
        abs_weekday(self.abs())
    }

    /// Day of the year, from 1.
    pub fn yearday(self) -> i32 {
        abs_date(self.abs()).1 + 1
    }

    /// ISO 8601 year and week: the week (Monday to Sunday) belongs to the year its
    /// Thursday is in.
    pub fn iso_week(self) -> (i32, i32) {
        let abs = self.abs();
        let mut to_thursday = THURSDAY - abs_weekday(abs);
        if to_thursday == 4 {
            // Sunday ends the week: its Thursday is three days back.
            to_thursday = -3;
        }
        let (year, yday) = abs_date(abs.wrapping_add((i64::from(to_thursday) * SECONDS_PER_DAY) as u64));
        (year, yday / 7 + 1)
    }

    pub fn before(self, u: Time) -> bool {
        self.sec < u.sec || (self.sec == u.sec && self.nsec < u.nsec)
    }

    pub fn after(self, u: Time) -> bool {
        self.sec > u.sec || (self.sec == u.sec && self.nsec > u.nsec)
    }

    pub fn compare(self, u: Time) -> i32 {
        if self.before(u) {
            -1
        } else if self.after(u) {
            1
        } else {
            0
        }
    }

    pub fn add(self, d: i64) -> Time {
        let mut dsec = d / SECOND;
        let mut nsec = i64::from(self.nsec) + d % SECOND;
        if nsec >= SECOND {
            dsec += 1;
            nsec -= SECOND;
        } else if nsec < 0 {
            dsec -= 1;
            nsec += SECOND;
        }
        Time { sec: self.sec.wrapping_add(dsec), nsec: nsec as i32 }
    }

    /// `self - u` in nanoseconds, saturated at the ends of i64.
    pub fn sub(self, u: Time) -> i64 {
        let d = self.sec.wrapping_sub(u.sec).wrapping_mul(SECOND).wrapping_add(i64::from(self.nsec.wrapping_sub(u.nsec)));
        if u.add(d) == self {
            d
        } else if self.before(u) {
            i64::MIN
        } else {
            i64::MAX
        }
    }

    pub fn add_date(self, years: i32, months: i32, days: i32) -> Time {
        let (year, month, day) = self.ymd();
        let (hour, min, sec) = self.clock();
        Time::date(year.wrapping_add(years), month.wrapping_add(months), day.wrapping_add(days), hour, min, sec, self.nsec, 0)
    }

    /// The remainder of the time since zero time divided by `d`; only whole seconds divide
    /// (0 otherwise).
    fn rem(self, d: i64) -> i64 {
        if d % SECOND != 0 {
            return 0;
        }
        let mut sec = self.sec;
        let mut nsec = i64::from(self.nsec);
        let negative = sec < 0;
        if negative {
            // Work on the magnitude, then reflect the remainder.
            sec = sec.wrapping_neg();
            nsec = -nsec;
            if nsec < 0 {
                nsec += SECOND;
                sec = sec.wrapping_sub(1);
            }
        }
        let mut r = (sec % (d / SECOND)).wrapping_mul(SECOND).wrapping_add(nsec);
        if negative && r != 0 {
            r = d.wrapping_sub(r);
        }
        r
    }

    /// Rounded down to a multiple of `d` since zero time; unchanged for `d <= 0`.
    pub fn truncate(self, d: i64) -> Time {
        if d <= 0 {
            return self;
        }
        self.add(self.rem(d).wrapping_neg())
    }

    /// Rounded to the nearest multiple of `d` since zero time, halves up; unchanged for
    /// `d <= 0`.
    pub fn round(self, d: i64) -> Time {
        if d <= 0 {
            return self;
        }
        let r = self.rem(d);
        // r + r < d, in unsigned arithmetic so it cannot overflow.
        if (r as u64).wrapping_add(r as u64) < d as u64 { self.add(r.wrapping_neg()) } else { self.add(d.wrapping_sub(r)) }
    }

    /// The time as seen `offset_sec` east of UTC (its calendar fields are local ones).
    fn local(self, offset_sec: i32) -> Time {
        if offset_sec == 0 { self } else { self.add(i64::from(offset_sec) * SECOND) }
    }

    /// ISO 8601, the most compact of `2006-01-02T15:04:05[.999999999](Z|+07:00)`.
    pub fn fmt_iso(self, offset_sec: i32) -> String {
        let t = self.local(offset_sec);
        let (year, month, day) = t.ymd();
        let (hour, min, sec) = t.clock();
        let mut out = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{min:02}:{sec:02}");
        if t.nsec != 0 {
            out.push_str(&format!(".{:09}", t.nsec));
        }
        if offset_sec == 0 {
            out.push('Z');
        } else {
            // An offset under an hour west still prints "+00": sqlean takes the sign from
            // the hours.
            out.push_str(&format!("{:+03}:{:02}", offset_sec / 3600, (offset_sec % 3600 / 60).abs()));
        }
        c_buffer(out)
    }

    pub fn fmt_datetime(self, offset_sec: i32) -> String {
        let t = self.local(offset_sec);
        let (year, month, day) = t.ymd();
        let (hour, min, sec) = t.clock();
        c_buffer(format!("{year:04}-{month:02}-{day:02} {hour:02}:{min:02}:{sec:02}"))
    }

    pub fn fmt_date(self, offset_sec: i32) -> String {
        let (year, month, day) = self.local(offset_sec).ymd();
        c_buffer(format!("{year:04}-{month:02}-{day:02}"))
    }

    pub fn fmt_time(self, offset_sec: i32) -> String {
        let (hour, min, sec) = self.local(offset_sec).clock();
        c_buffer(format!("{hour:02}:{min:02}:{sec:02}"))
    }

    /// A time blob; foreign blobs of another version read as zero time.
    pub fn from_blob(blob: &[u8; BLOB_SIZE]) -> Time {
        if blob[0] != 1 {
            return Time::ZERO;
        }
        let mut sec = [0u8; 8];
        sec.copy_from_slice(&blob[1..9]);
        let mut nsec = [0u8; 4];
        nsec.copy_from_slice(&blob[9..13]);
        Time { sec: i64::from_be_bytes(sec), nsec: i32::from_be_bytes(nsec) }
    }

    pub fn to_blob(self) -> [u8; BLOB_SIZE] {
        let mut blob = [0u8; BLOB_SIZE];
        blob[0] = 1;
        blob[1..9].copy_from_slice(&self.sec.to_be_bytes());
        blob[9..13].copy_from_slice(&self.nsec.to_be_bytes());
        blob
    }
}

/// sqlean formats into a 36-byte buffer: longer text (only for years of five digits and
/// more) is cut to 35 bytes. The text is ASCII, so any cut is on a character boundary.
fn c_buffer(mut text: String) -> String {
    text.truncate(35);
    text
}

/// Year and day of the year (from 0) of absolute seconds.
fn abs_date(abs: u64) -> (i32, i32) {
    let mut d = abs / SECONDS_PER_DAY as u64;

    let n = d / DAYS_PER_400_YEARS;
    let mut y = 400 * n;
    d -= DAYS_PER_400_YEARS * n;

    // The last day of a 400-year cycle (a leap year's) would count as a fourth century.
    let mut n = d / DAYS_PER_100_YEARS;
    n -= n >> 2;
    y += 100 * n;
    d -= DAYS_PER_100_YEARS * n;

    let n = d / DAYS_PER_4_YEARS;
    y += 4 * n;
    d -= DAYS_PER_4_YEARS * n;

    // Likewise the last day of a 4-year cycle would count as a fourth year.
    let mut n = d / 365;
    n -= n >> 2;
    y += n;
    d -= 365 * n;

    (y.wrapping_add(ABSOLUTE_ZERO_YEAR as u64) as i32, d as i32)
}

fn abs_weekday(abs: u64) -> i32 {
    // The absolute zero year began on a Monday.
    (abs.wrapping_add((i64::from(MONDAY) * SECONDS_PER_DAY) as u64) % SECONDS_PER_WEEK as u64 / SECONDS_PER_DAY as u64) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(t: Time) -> String {
        t.fmt_iso(0)
    }

    #[test]
    fn zero_time_and_epoch() {
        assert_eq!(Time::date(1, 1, 1, 0, 0, 0, 0, 0), Time::ZERO);
        assert_eq!(Time::unix(0, 0).sec, UNIX_TO_INTERNAL);
        assert_eq!(iso(Time::unix(0, 0)), "1970-01-01T00:00:00Z");
        assert_eq!(Time::date(2011, 11, 18, 0, 0, 0, 0, 0).to_blob(), [1, 0, 0, 0, 0x0E, 0xC6, 0x57, 0x97, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn dates_normalize() {
        assert_eq!(iso(Time::date(2011, 10, 32, 0, 0, 0, 0, 0)), "2011-11-01T00:00:00Z");
        assert_eq!(iso(Time::date(2012, 2, 29, 25, 0, 0, 0, 0)), "2012-03-01T01:00:00Z");
        assert_eq!(iso(Time::date(2011, 11, 18, 15, 56, 35, 0, 3 * 3600)), "2011-11-18T12:56:35Z");
        assert_eq!(iso(Time::date(2000, 0, 1, 0, 0, 0, -1, 0)), "1999-11-30T23:59:59.999999999Z");
    }

    #[test]
    fn fields() {
        let t = Time::date(2024, 8, 6, 21, 22, 15, 431_295_000, 0);
        assert_eq!(t.ymd(), (2024, 8, 6));
        assert_eq!(t.clock(), (21, 22, 15));
        assert_eq!((t.weekday(), t.yearday(), t.iso_week()), (2, 219, (2024, 32)));
        assert_eq!(Time::date(2021, 1, 1, 0, 0, 0, 0, 0).iso_week(), (2020, 53));
        assert_eq!(Time::date(2024, 2, 29, 0, 0, 0, 0, 0).ymd(), (2024, 2, 29));
        assert_eq!(Time::date(2024, 12, 31, 0, 0, 0, 0, 0).yearday(), 366);
    }

    #[test]
    fn arithmetic_and_rounding() {
        let t = Time::date(2011, 11, 18, 15, 56, 35, 666_777_888, 0);
        assert_eq!(t.sub(Time::date(2011, 11, 18, 15, 56, 35, 0, 0)), 666_777_888);
        assert_eq!(Time::date(9999, 1, 1, 0, 0, 0, 0, 0).sub(Time::ZERO), i64::MAX);
        assert_eq!(Time::ZERO.sub(Time::date(9999, 1, 1, 0, 0, 0, 0, 0)), i64::MIN);
        assert_eq!(iso(t.truncate(12 * HOUR)), "2011-11-18T12:00:00Z");
        assert_eq!(iso(t.round(30 * MINUTE)), "2011-11-18T16:00:00Z");
        assert_eq!(iso(t.round(SECOND)), "2011-11-18T15:56:36Z");
        assert_eq!(t.round(SECOND + 1), t, "only whole seconds divide");
        assert_eq!(iso(Time::date(2011, 1, 1, 0, 0, 0, 0, 0).add_date(-1, 2, 3)), "2010-03-04T00:00:00Z");
        assert_eq!(iso(Time::date(-5, 3, 1, 1, 2, 3, 5, 0).truncate(HOUR)), "-005-03-01T01:00:00Z");
    }

    #[test]
    fn formatting() {
        let t = Time::date(2011, 11, 18, 15, 56, 35, 666_777_888, 0);
        assert_eq!(t.fmt_iso(3 * 3600), "2011-11-18T18:56:35.666777888+03:00");
        assert_eq!(t.fmt_iso(-1800), "2011-11-18T15:26:35.666777888+00:30");
        assert_eq!(t.fmt_datetime(0), "2011-11-18 15:56:35");
        assert_eq!(t.fmt_date(12 * 3600), "2011-11-19");
        assert_eq!(t.fmt_time(3 * 3600), "18:56:35");
        assert_eq!(Time::date(123_456, 1, 1, 0, 0, 0, 1, 0).fmt_iso(-3600), "123455-12-31T23:00:00.000000001-01:");
    }
}
