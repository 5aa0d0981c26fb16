//! A field as a value, by the table's `affinity=`, as sqlean's vsv answers it. A text value
//! here must be UTF-8, so a field that is not is a blob (sqlean hands SQLite the bytes as
//! text); sqlean reads a field as a C string, so text ends at a NUL byte.

use sqlink_sdk::{Error, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affinity {
    None,
    Blob,
    Text,
    Integer,
    Real,
    Numeric,
}

impl Affinity {
    /// sqlean's reading: the value starts with a name, in any case.
    pub fn parse(value: &str) -> Option<Affinity> {
        let starts = |name: &str| value.len() >= name.len() && value.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes());
        [
            ("none", Affinity::None),
            ("blob", Affinity::Blob),
            ("text", Affinity::Text),
            ("integer", Affinity::Integer),
            ("real", Affinity::Real),
            ("numeric", Affinity::Numeric),
        ]
        .into_iter()
        .find(|(name, _)| starts(name))
        .map(|(_, affinity)| affinity)
    }
}

/// How a field reads as a number (sqlean's test): spaces around, a sign, digits with at most
/// one decimal separator, an exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Number {
    No,
    Integer,
    Real,
}

/// sqlean's test also turns the decimal separator it meets into a `.` in the field itself
/// (so a field read as text afterwards shows the `.`): where it did, if it did.
fn number_kind(text: &[u8], dsep: i32) -> (Number, Option<usize>) {
    let mut point = None;
    let kind = number_shape(text, dsep, &mut point);
    (kind, point)
}

fn number_shape(text: &[u8], dsep: i32, point: &mut Option<usize>) -> Number {
    let mut start = 0;
    let mut stop = text.len();
    while start < stop && text[start] == b' ' {
        start += 1;
    }
    while start < stop && text[stop - 1] == b' ' {
        stop -= 1;
    }
    if start == stop {
        return Number::No;
    }
    let at = |i: usize| if i < stop { Some(text[i]) } else { None };
    let digit = |i: usize| at(i).is_some_and(|b| b.is_ascii_digit());
    let mut i = start;
    if matches!(at(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut kind = 0;
    let mut has_digit = false;
    if digit(i) {
        has_digit = true;
        kind = 1;
    }
    while digit(i) {
        i += 1;
    }
    // sqlean compares the separator with a signed C char.
    if at(i).is_some_and(|b| i32::from(b as i8) == dsep) {
        kind = 2;
        *point = Some(i);
        i += 1;
    }
    if digit(i) {
        has_digit = true;
    }
    while digit(i) {
        i += 1;
    }
    if !has_digit {
        return Number::No;
    }
    if matches!(at(i), Some(b'e' | b'E')) {
        kind = 3;
        i += 1;
        if matches!(at(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digit(i) {
            kind = 2;
        }
    }
    while digit(i) {
        i += 1;
    }
    match kind {
        _ if i < stop => Number::No,
        1 => Number::Integer,
        2 => Number::Real,
        _ => Number::No,
    }
}

/// The digits of an integer field (`number_kind` said so), saturated as `strtoll` does.
fn integer(text: &[u8]) -> i64 {
    let text = text.trim_ascii();
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i128 = 0;
    for &d in digits {
        value = (value * 10 + i128::from(d - b'0')).min(i128::from(u64::MAX));
    }
    let value = if negative { -value } else { value };
    value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// A real field with `.` for the decimal separator, as `strtod` reads it.
fn real(text: &[u8], dsep: i32) -> f64 {
    let normal: String = text.trim_ascii().iter().map(|&b| if i32::from(b as i8) == dsep { '.' } else { char::from(b) }).collect();
    normal.parse().unwrap_or(0.0)
}

/// `numeric=` of a real field: an integer when the number has no fractional part and fits
/// in 64 bits (sqlean decides with a long double; here the decimal is read exactly).
fn numeric(text: &[u8], dsep: i32) -> Value {
    let text = text.trim_ascii();
    let (negative, rest) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let split = rest.iter().position(|&b| b == b'e' || b == b'E').unwrap_or(rest.len());
    let (mantissa, exponent) = rest.split_at(split);
    let exponent: i64 = if exponent.is_empty() {
        0
    } else {
        let digits = &exponent[1..];
        let (sign, digits) = match digits.first() {
            Some(b'-') => (-1, &digits[1..]),
            Some(b'+') => (1, &digits[1..]),
            _ => (1, digits),
        };
        sign * digits.iter().fold(0i64, |n, &d| n.saturating_mul(10).saturating_add(i64::from(d - b'0')))
    };
    let mut digits: Vec<u8> = Vec::new();
    let mut fraction = 0i64;
    let mut after_point = false;
    for &b in mantissa {
        if b.is_ascii_digit() {
            digits.push(b - b'0');
            if after_point {
                fraction += 1;
            }
        } else if i32::from(b as i8) == dsep {
            after_point = true;
        }
    }
    while digits.first() == Some(&0) {
        digits.remove(0);
    }
    let mut scale = exponent.saturating_sub(fraction);
    while scale < 0 && digits.last() == Some(&0) {
        digits.pop();
        scale += 1;
    }
    if digits.is_empty() {
        return Value::Integer(0);
    }
    if scale >= 0 && (digits.len() as i64).saturating_add(scale) <= 19 {
        let magnitude = digits.iter().fold(0i128, |n, &d| n * 10 + i128::from(d)) * 10i128.pow(scale as u32);
        let value = if negative { -magnitude } else { magnitude };
        if let Ok(value) = i64::try_from(value) {
            return Value::Integer(value);
        }
    }
    Value::Real(real(text, dsep))
}

/// The bytes up to the first NUL: the field as a C string.
fn c_string(field: &[u8]) -> &[u8] {
    field.iter().position(|&b| b == 0).map_or(field, |end| &field[..end])
}

/// Text when UTF-8, else a blob of the same bytes.
fn text(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) => Value::Text(text.to_owned()),
        Err(_) => Value::Blob(bytes.to_vec()),
    }
}

/// A field that is to be text: with `validatetext`, a blob unless it is UTF-8 throughout.
fn text_or_blob(field: &[u8], validate: bool) -> Value {
    if !validate {
        return text(c_string(field));
    }
    match std::str::from_utf8(field) {
        Ok(valid) if !valid.contains('\0') => Value::Text(valid.to_owned()),
        _ => Value::Blob(field.to_vec()),
    }
}

/// The decimal point of a field after the test made its separator one.
const POINT: i32 = b'.' as i32;

/// The value of one field.
pub fn value(field: &[u8], affinity: Affinity, validate: bool, dsep: i32) -> Result<Value, Error> {
    let number = || {
        let (kind, point) = number_kind(c_string(field), dsep);
        // The field as sqlean leaves it after the test.
        let field = match point {
            Some(at) if field[at] != b'.' => {
                let mut changed = field.to_vec();
                changed[at] = b'.';
                std::borrow::Cow::Owned(changed)
            }
            _ => std::borrow::Cow::Borrowed(field),
        };
        (kind, field)
    };
    Ok(match affinity {
        Affinity::None if validate => match std::str::from_utf8(field) {
            Ok(valid) if !valid.contains('\0') => Value::Text(valid.to_owned()),
            _ => return Err(Error::new("Invalid UTF8 Data")),
        },
        Affinity::None | Affinity::Text => text_or_blob(field, validate),
        Affinity::Blob => Value::Blob(field.to_vec()),
        Affinity::Integer => match number() {
            (Number::Integer, field) => Value::Integer(integer(c_string(&field))),
            (_, field) => text_or_blob(&field, validate),
        },
        Affinity::Real => match number() {
            (Number::Integer | Number::Real, field) => Value::Real(real(c_string(&field), POINT)),
            (Number::No, field) => text_or_blob(&field, validate),
        },
        Affinity::Numeric => match number() {
            (Number::Integer, field) => Value::Integer(integer(c_string(&field))),
            (Number::Real, field) => numeric(c_string(&field), POINT),
            (Number::No, field) => text_or_blob(&field, validate),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOT: i32 = b'.' as i32;

    #[test]
    fn numbers_read_as_sqlean_reads_them() {
        assert_eq!(number_kind(b" -12 ", DOT).0, Number::Integer);
        assert_eq!(number_kind(b"1.5e3", DOT), (Number::Real, Some(1)));
        assert_eq!(number_kind(b"1e", DOT).0, Number::No);
        assert_eq!(number_kind(b".", DOT).0, Number::No);
        assert_eq!(number_kind(b".5", DOT).0, Number::Real);
        assert_eq!(value(b"1,5x", Affinity::Integer, false, i32::from(b',')), Ok(Value::Text("1.5x".into())));
        assert_eq!(integer(b"99999999999999999999"), i64::MAX);
        assert_eq!(numeric(b"2.50e1", DOT), Value::Integer(25));
        assert_eq!(numeric(b"2.5", DOT), Value::Real(2.5));
        assert_eq!(numeric(b"1e30", DOT), Value::Real(1e30));
        assert_eq!(value(b"1,5", Affinity::Real, false, i32::from(b',')), Ok(Value::Real(1.5)));
        assert_eq!(value(b"a\0b", Affinity::Text, false, DOT), Ok(Value::Text("a".into())));
        assert_eq!(value(b"a\0b", Affinity::Text, true, DOT), Ok(Value::Blob(b"a\0b".to_vec())));
        assert!(value(b"\xff", Affinity::None, true, DOT).is_err());
    }
}
