//! Arguments as sqlean's C code sees them: `sqlite3_value_text` (numbers as SQLite prints
//! them, blobs as their bytes), `sqlite3_value_int` (only for integers, cut to 32 bits), and
//! results handed to `sqlite3_result_text` with a length of -1 (cut at the first NUL).

use std::borrow::Cow;

use sqlink_sdk::{Error, Value, codes};

/// SQLite's default SQLITE_MAX_LENGTH: no text value can be longer, so a longer result is
/// refused before it is built.
pub const MAX_LENGTH: usize = 1_000_000_000;

/// The bytes `sqlite3_value_text` gives for `value`, `None` for NULL.
pub fn text_of(value: &Value) -> Option<Cow<'_, [u8]>> {
    match value {
        Value::Null => None,
        Value::Integer(i) => Some(Cow::Owned(i.to_string().into_bytes())),
        Value::Real(r) => Some(Cow::Owned(format_real(*r).into_bytes())),
        Value::Text(s) => Some(Cow::Borrowed(s.as_bytes())),
        Value::Blob(b) => Some(Cow::Borrowed(b)),
    }
}

/// The text up to its first NUL: what C code reading a zero-terminated string sees.
pub fn until_nul(bytes: &[u8]) -> &[u8] {
    bytes.iter().position(|&b| b == 0).map_or(bytes, |end| &bytes[..end])
}

/// An integer argument: sqlean accepts only the INTEGER storage class (not '2', not 2.0)
/// and reads it with `sqlite3_value_int`, which keeps the low 32 bits.
pub fn int_arg(value: &Value, message: &str) -> Result<i32, Error> {
    match value {
        // Truncation is the point: 2^32 + 2 reads as 2, as in sqlean.
        Value::Integer(i) => Ok(*i as i32),
        _ => Err(Error::new(message)),
    }
}

/// A text result from bytes. sqlink's text is UTF-8, so an invalid sequence (only possible
/// from a blob's bytes) becomes U+FFFD, as the host does for text it passes in.
pub fn text_value(bytes: Vec<u8>) -> Value {
    match String::from_utf8(bytes) {
        Ok(s) => Value::Text(s),
        Err(e) => Value::Text(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// What `sqlite3_result_text(..., -1, ...)` keeps of `bytes`: everything before the first NUL.
pub fn c_text_value(mut bytes: Vec<u8>) -> Value {
    if let Some(end) = bytes.iter().position(|&b| b == 0) {
        bytes.truncate(end);
    }
    text_value(bytes)
}

/// The error SQLite raises for a value longer than it allows.
pub fn too_big() -> Error {
    Error::with_code(codes::TOOBIG, "string or blob too big")
}

/// A real as SQLite 3.50 renders it as text (`%!.15g`): 15 significant digits, trailing
/// zeros dropped but at least one digit after the point, exponent form below 1e-4 and from
/// 1e15 on.
pub fn format_real(r: f64) -> String {
    if r.is_infinite() {
        return if r < 0.0 { "-Inf".into() } else { "Inf".into() };
    }
    if r.is_nan() {
        // SQLite stores NaN as NULL, so no value carries one; "NaN" is its rendering anyway.
        return "NaN".into();
    }
    if r == 0.0 {
        // -0.0 too: SQLite takes the sign from `r < 0.0`.
        return "0.0".into();
    }
    let sign = if r < 0.0 { "-" } else { "" };
    // SQLite rounds a 19-digit expansion half-up on its 16th digit (so 100000000000000.5,
    // exactly halfway, rounds up); doing the same from Rust's exact 19 digits gives the same
    // digits.
    let sci = format!("{:.18e}", r.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let mut exp: i32 = exponent.parse().unwrap_or(0);
    let round_up = digits.get(15).is_some_and(|&d| d >= b'5');
    digits.truncate(15);
    if round_up {
        let mut at = digits.len();
        loop {
            if at == 0 {
                // 9.99…9 rounded up: one more digit in front.
                digits.insert(0, b'1');
                digits.pop();
                exp += 1;
                break;
            }
            at -= 1;
            if digits[at] == b'9' {
                digits[at] = b'0';
            } else {
                digits[at] += 1;
                break;
            }
        }
    }
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    let digits = String::from_utf8(digits).unwrap_or_default();
    if !(-4..15).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}.{rest}e{exp_sign}{:02}", exp.unsigned_abs());
    }
    if exp < 0 {
        let zeros = "0".repeat(exp.unsigned_abs() as usize - 1);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        let zeros = "0".repeat(int_len - digits.len());
        format!("{sign}{digits}{zeros}.0")
    } else {
        let (int_part, frac) = digits.split_at(int_len);
        format!("{sign}{int_part}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals_render_as_sqlite_does() {
        let cases = [
            (0.1, "0.1"),
            (1e100, "1.0e+100"),
            (1.0 / 3.0, "0.333333333333333"),
            (-0.0, "0.0"),
            (3.0, "3.0"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (1e15, "1.0e+15"),
            (123456789012345.0, "123456789012345.0"),
            (1e14, "100000000000000.0"),
            (123456789012345678.0, "1.23456789012346e+17"),
            (-1e-7, "-1.0e-07"),
            (0.0001, "0.0001"),
            (0.00012345, "0.00012345"),
            (1e23, "1.0e+23"),
            (f64::MAX, "1.79769313486232e+308"),
            (5e-324, "4.94065645841247e-324"),
            (0.30000000000000004, "0.3"),
            (f64::INFINITY, "Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (999999999999999.9, "1.0e+15"),
            (42.0, "42.0"),
            (-12.5, "-12.5"),
            (-116539.7599630435, "-116539.759963043"),
            (100000000000000.5, "100000000000001.0"),
        ];
        for (r, text) in cases {
            assert_eq!(format_real(r), text, "{r:e}");
        }
    }

    #[test]
    fn text_of_follows_sqlite3_value_text() {
        assert_eq!(text_of(&Value::Null), None);
        assert_eq!(text_of(&Value::Integer(-5)).as_deref(), Some(&b"-5"[..]));
        assert_eq!(text_of(&Value::Real(2.0)).as_deref(), Some(&b"2.0"[..]));
        assert_eq!(text_of(&Value::Blob(vec![0, 1])).as_deref(), Some(&[0u8, 1][..]));
        assert_eq!(until_nul(b"ab\0cd"), b"ab");
    }

    #[test]
    fn int_args_are_integers_cut_to_32_bits() {
        assert_eq!(int_arg(&Value::Integer((1 << 32) + 2), "x").ok(), Some(2));
        assert_eq!(int_arg(&Value::Integer(1 << 31), "x").ok(), Some(i32::MIN));
        assert!(int_arg(&Value::Real(2.0), "x").is_err());
        assert!(int_arg(&Value::Text("2".into()), "x").is_err());
        assert!(int_arg(&Value::Null, "x").is_err());
    }

    #[test]
    fn results_are_cut_at_nul_and_made_utf8() {
        assert_eq!(c_text_value(b"ab\0cd".to_vec()), Value::Text("ab".into()));
        assert_eq!(text_value(b"a\0b".to_vec()), Value::Text("a\0b".into()));
        assert_eq!(text_value(vec![b'a', 0xff]), Value::Text("a\u{fffd}".into()));
    }
}
