//! SQLite's own conversions between numbers and text, as `sqlite3_value_text`,
//! `sqlite3_value_int64` and `sqlite3_value_double` make them, so an extension's parameters
//! see what a C extension's would.

/// A real as SQLite writes it as text (`printf("%!.15g")`): 15 significant digits, at least
/// one digit after the point (`1.0`), an exponent of at least two digits (`1.0e+100`).
pub fn real_to_text(r: f64) -> String {
    if r.is_infinite() {
        return String::from(if r > 0.0 { "Inf" } else { "-Inf" });
    }
    if r == 0.0 {
        // SQLite prints negative zero without its sign.
        return String::from("0.0");
    }
    // The exponent after rounding to 15 digits decides between the two forms, as %g does.
    let scientific = format!("{r:.14e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..15).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", with_point(mantissa), exponent.unsigned_abs())
    } else {
        let decimals = usize::try_from(14 - exponent).unwrap_or(0);
        with_point(&format!("{r:.decimals$}"))
    }
}

/// Trailing zeros after the point dropped, but one digit kept after it.
fn with_point(digits: &str) -> String {
    if !digits.contains('.') {
        return format!("{digits}.0");
    }
    let trimmed = digits.trim_end_matches('0');
    if trimmed.ends_with('.') { format!("{trimmed}0") } else { trimmed.to_owned() }
}

/// A real toward zero, clamped to the integer range (SQLite's `doubleToInt64`).
pub fn real_to_integer(r: f64) -> i64 {
    // `as` saturates at both ends and maps NaN (which SQLite never stores) to 0.
    r as i64
}

/// SQLite's whitespace for numbers in text: space, \t, \n, \v, \f, \r.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The integer that text (or a blob's bytes) starts with, after white space and a sign:
/// `" 12abc"` is 12, `"-3.9"` is -3, `"abc"` is 0, and one past the range is clamped
/// (`sqlite3Atoi64`, as `sqlite3_value_int64` reads text).
pub fn integer_prefix(bytes: &[u8]) -> i64 {
    let mut rest = bytes;
    while let [first, tail @ ..] = rest
        && is_space(*first)
    {
        rest = tail;
    }
    let negative = match rest.first() {
        Some(b'-') => {
            rest = &rest[1..];
            true
        }
        Some(b'+') => {
            rest = &rest[1..];
            false
        }
        _ => false,
    };
    // Accumulated as a negative number, whose range is one larger.
    let mut value: i64 = 0;
    for &byte in rest.iter().take_while(|b| b.is_ascii_digit()) {
        let digit = i64::from(byte - b'0');
        match value.checked_mul(10).and_then(|v| v.checked_sub(digit)) {
            Some(next) => value = next,
            None => return if negative { i64::MIN } else { i64::MAX },
        }
    }
    if negative { value } else { value.checked_neg().unwrap_or(i64::MAX) }
}

/// The real number that text (or a blob's bytes) starts with: digits with an optional
/// point and exponent after white space and a sign; 0.0 when there is none (`sqlite3AtoF`,
/// as `sqlite3_value_double` reads text).
pub fn real_prefix(bytes: &[u8]) -> f64 {
    let start = bytes.iter().position(|b| !is_space(*b)).unwrap_or(bytes.len());
    let text = &bytes[start..];
    let mut end = 0;
    if matches!(text.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let digits = |from: usize| text[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let whole = digits(end);
    end += whole;
    let mut fraction = 0;
    if text.get(end) == Some(&b'.') {
        fraction = digits(end + 1);
        end += 1 + fraction;
    }
    if whole + fraction == 0 {
        return 0.0;
    }
    if matches!(text.get(end), Some(b'e' | b'E')) {
        let mut at = end + 1;
        if matches!(text.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(at);
        if exponent > 0 {
            end = at + exponent;
        }
    }
    // Only ASCII digits, signs, a point and an exponent were taken, which Rust parses.
    std::str::from_utf8(&text[..end]).ok().and_then(|number| number.parse().ok()).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals_print_as_sqlite_prints_them() {
        // Each pair checked against `SELECT CAST(x AS TEXT)` in SQLite 3.40 and 3.50.
        for (value, text) in [
            (0.1 + 0.2, "0.3"),
            (1e100, "1.0e+100"),
            (1.0, "1.0"),
            (-0.0, "0.0"),
            (123_456_789.123_456_79, "123456789.123457"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1.0e+15"),
            (1e14, "100000000000000.0"),
            (123456789012345.6, "123456789012346.0"),
            (2.5e-5, "2.5e-05"),
            (1.0 / 3.0, "0.333333333333333"),
            (100.0, "100.0"),
            (1e-5, "1.0e-05"),
            (0.0001, "0.0001"),
            (1e23, "1.0e+23"),
            (f64::MAX, "1.79769313486232e+308"),
            (5e-324, "4.94065645841247e-324"),
            (12345678901234567890.0, "1.23456789012346e+19"),
            (-1.5, "-1.5"),
            (f64::INFINITY, "Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ] {
            assert_eq!(real_to_text(value), text, "{value:e}");
        }
    }

    #[test]
    fn integer_prefixes_as_sqlite_reads_them() {
        for (text, value) in [
            ("12abc", 12),
            (" 12", 12),
            (" -3.9e2x", -3),
            ("abc", 0),
            ("1e3", 1),
            ("0x10", 0),
            ("99999999999999999999", i64::MAX),
            ("-99999999999999999999", i64::MIN),
            ("-9223372036854775808", i64::MIN),
            ("9223372036854775807", i64::MAX),
            ("+5", 5),
            (".5", 0),
            ("  \t7", 7),
            ("\u{a0}7", 0),
            ("-", 0),
            ("", 0),
        ] {
            assert_eq!(integer_prefix(text.as_bytes()), value, "{text:?}");
        }
    }

    #[test]
    fn real_prefixes_as_sqlite_reads_them() {
        for (text, value) in [
            ("12abc", 12.0),
            (" -3.9e2x", -390.0),
            ("abc", 0.0),
            ("1e3", 1000.0),
            ("99999999999999999999", 1e20),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e", 1.0),
            ("1e+", 1.0),
            ("inf", 0.0),
            ("-", 0.0),
            ("1e400", f64::INFINITY),
        ] {
            assert_eq!(real_prefix(text.as_bytes()), value, "{text:?}");
        }
    }

    #[test]
    fn reals_truncate_toward_zero_and_clamp() {
        assert_eq!(real_to_integer(-3.9), -3);
        assert_eq!(real_to_integer(3.9), 3);
        assert_eq!(real_to_integer(1e300), i64::MAX);
        assert_eq!(real_to_integer(-1e300), i64::MIN);
    }
}
