//! sqlean's `math` module: SQLite's math functions under `math_` names, for SQLite builds
//! without `SQLITE_ENABLE_MATH_FUNCTIONS`. Each behaves as SQLite's built-in of the same
//! name (<https://sqlite.org/lang_mathfunc.html>):
//!
//! - an argument counts if it is a number, or text that is wholly a number (white space
//!   around it allowed); otherwise the result is NULL (`math_sqrt('4x')`, blobs, NULL);
//! - a result that is not a number (`math_sqrt(-1)`, `math_acos(2)`) is NULL, and
//!   `math_ln(0)`, `math_log(-1)` are NULL too; infinities stay (`math_exp(1000)`);
//! - `math_ceil`, `math_floor` and `math_trunc` return integers unchanged;
//! - `math_round(x[, n])` and the second argument of `math_log(b, x)` read their argument as
//!   SQLite's `sqlite3_value_double`/`_int64` do: the numeric prefix of text (`'12abc'` is 12,
//!   `'abc'` is 0), as SQLite's own `round()` and `log()` do.

use sqlink_sdk::{Value, export_extension, sqlite_scalar};

/// A number as SQLite's `sqlite3_value_numeric_type` sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Int(i64),
    Real(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Real(r) => r,
        }
    }
}

/// SQLite's white space (`sqlite3Isspace`): space and \t \n \v \f \r.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The longest prefix of `text` that SQLite reads as a number:
/// `space* [+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?`.
struct Prefix<'a> {
    negative: bool,
    int_digits: &'a [u8],
    frac_digits: &'a [u8],
    /// The exponent's sign and digits, when the exponent has digits.
    exponent: Option<(bool, &'a [u8])>,
    /// Whether there was a mantissa at all; without one the value is 0.
    valid: bool,
    /// What follows the number.
    rest: &'a [u8],
}

fn digits(text: &[u8]) -> (&[u8], &[u8]) {
    let n = text.iter().take_while(|b| b.is_ascii_digit()).count();
    text.split_at(n)
}

fn scan(text: &[u8]) -> Prefix<'_> {
    let start = text.iter().take_while(|&&b| is_space(b)).count();
    let mut rest = &text[start..];
    let negative = rest.first() == Some(&b'-');
    if matches!(rest.first(), Some(b'-' | b'+')) {
        rest = &rest[1..];
    }
    let (int_digits, after) = digits(rest);
    rest = after;
    let mut frac_digits: &[u8] = &[];
    if let [b'.', after @ ..] = rest {
        let (frac, after) = digits(after);
        if !int_digits.is_empty() || !frac.is_empty() {
            frac_digits = frac;
            rest = after;
        }
    }
    let valid = !int_digits.is_empty() || !frac_digits.is_empty();
    let mut exponent = None;
    if valid && let [b'e' | b'E', after @ ..] = rest {
        let exp_negative = after.first() == Some(&b'-');
        let signed = if matches!(after.first(), Some(b'-' | b'+')) { &after[1..] } else { after };
        let (exp_digits, after) = digits(signed);
        if !exp_digits.is_empty() {
            exponent = Some((exp_negative, exp_digits));
            rest = after;
        }
    }
    Prefix { negative, int_digits, frac_digits, exponent, valid, rest }
}

impl Prefix<'_> {
    /// The value as a double, correctly rounded; 0 when there is no number.
    fn to_f64(&self) -> f64 {
        if !self.valid {
            return 0.0;
        }
        let mut text = String::with_capacity(self.int_digits.len() + self.frac_digits.len() + 16);
        text.push_str(if self.negative { "-0" } else { "0" });
        text.extend(self.int_digits.iter().map(|&b| b as char));
        text.push('.');
        text.extend(self.frac_digits.iter().map(|&b| b as char));
        if let Some((negative, exp)) = self.exponent {
            // Past 10^10000 SQLite's result is 0 or infinite anyway; a huge exponent would only
            // slow the parse down.
            let exp = std::str::from_utf8(exp).map_or(0, |e| e.parse::<u32>().unwrap_or(u32::MAX)).min(99_999);
            text.push_str(&format!("e{}{exp}", if negative { "-" } else { "" }));
        }
        // The text is digits, a point and an exponent, which always parses.
        text.parse().unwrap_or(0.0)
    }

    /// Whether the whole text is this number (white space may follow it).
    fn is_whole(&self) -> bool {
        self.valid && self.rest.iter().all(|&b| is_space(b))
    }
}

/// `sqlite3_value_numeric_type` and the value: integers and reals as they are, text that is
/// wholly a number as that number (an integer if it is written as one and fits in 64 bits),
/// anything else None.
fn numeric(value: &Value) -> Option<Num> {
    match value {
        Value::Integer(i) => Some(Num::Int(*i)),
        Value::Real(r) => Some(Num::Real(*r)),
        Value::Text(text) => {
            let prefix = scan(text.as_bytes());
            if !prefix.is_whole() {
                return None;
            }
            if prefix.frac_digits.is_empty() && prefix.exponent.is_none() && !text.contains('.') {
                let sign = if prefix.negative { "-" } else { "" };
                let digits = std::str::from_utf8(prefix.int_digits).unwrap_or("");
                if let Ok(i) = format!("{sign}{digits}").parse::<i64>() {
                    return Some(Num::Int(i));
                }
            }
            Some(Num::Real(prefix.to_f64()))
        }
        Value::Null | Value::Blob(_) => None,
    }
}

/// `sqlite3_value_double`: NULL is 0, text and blobs give their numeric prefix (or 0).
fn value_double(value: &Value) -> f64 {
    match value {
        Value::Null => 0.0,
        Value::Integer(i) => *i as f64,
        Value::Real(r) => *r,
        Value::Text(text) => scan(text.as_bytes()).to_f64(),
        Value::Blob(bytes) => scan(bytes).to_f64(),
    }
}

/// `sqlite3_value_int64`: reals truncated toward zero and clamped, text and blobs read as
/// `space* [+-]? digits` (clamped), anything else 0.
fn value_int64(value: &Value) -> i64 {
    let bytes = match value {
        Value::Null => return 0,
        Value::Integer(i) => return *i,
        // `as` truncates, clamps to the i64 range and maps NaN to 0, as SQLite does.
        Value::Real(r) => return *r as i64,
        Value::Text(text) => text.as_bytes(),
        Value::Blob(bytes) => bytes.as_slice(),
    };
    let prefix = scan(bytes);
    let magnitude = prefix.int_digits.iter().fold(0i128, |acc, &d| (acc * 10 + i128::from(d - b'0')).min(1 << 64));
    let signed = if prefix.negative { -magnitude } else { magnitude };
    signed.clamp(i64::MIN.into(), i64::MAX.into()) as i64
}

/// A double result: NaN is NULL, as `sqlite3_result_double` stores it.
fn real(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

/// One-argument functions on doubles: NULL unless the argument is numeric.
fn math1(x: &Value, f: fn(f64) -> f64) -> Option<f64> {
    real(f(numeric(x)?.as_f64()))
}

/// Two-argument functions on doubles: NULL unless both arguments are numeric.
fn math2(x: &Value, y: &Value, f: fn(f64, f64) -> f64) -> Option<f64> {
    let x = numeric(x)?.as_f64();
    let y = numeric(y)?.as_f64();
    real(f(x, y))
}

/// ceil, floor, trunc: integers are returned as they are, reals rounded to a real.
fn rounding(x: &Value, f: fn(f64) -> f64) -> Value {
    match numeric(x) {
        Some(Num::Int(i)) => Value::Integer(i),
        Some(Num::Real(r)) => real(f(r)).map_or(Value::Null, Value::Real),
        None => Value::Null,
    }
}

/// `x` rounded half away from zero to `n` (0..=30) decimal places, as SQLite's `round()`.
fn round_to(x: f64, n: u32) -> f64 {
    // Past 2^52 a double has no fractional part.
    if !(-4503599627370496.0..=4503599627370496.0).contains(&x) {
        return x;
    }
    if n == 0 {
        // SQLite adds a half and truncates, double rounding of the sum included.
        return (x + if x < 0.0 { -0.5 } else { 0.5 }) as i64 as f64;
    }
    if x == 0.0 {
        return 0.0;
    }
    // |x| = m * 2^e exactly; x * 10^n = m * 5^n * 2^(e+n), with m * 5^n < 2^53 * 5^30 < 2^123.
    let bits = x.abs().to_bits();
    let (biased, fraction) = ((bits >> 52) as i32, bits & ((1 << 52) - 1));
    let (m, e) = if biased == 0 { (fraction, -1074) } else { (fraction | (1 << 52), biased - 1075) };
    let shift = -(e + n as i32);
    if shift <= 0 {
        // x * 10^n is an integer: x has no more than n decimals.
        return x;
    }
    let scaled = u128::from(m) * 5u128.pow(n);
    let (whole, half_or_more) = if shift >= 124 {
        (0, false)
    } else {
        let shift = shift as u32;
        (scaled >> shift, (scaled >> (shift - 1)) & 1 == 1)
    };
    let rounded = whole + u128::from(half_or_more);
    let magnitude: f64 = format!("{rounded}e-{n}").parse().unwrap_or(0.0);
    if x < 0.0 { -magnitude } else { magnitude }
}

/// `x` rounded to the nearest integer, halves away from zero, as a real.
#[sqlite_scalar(name = "math_round", deterministic, innocuous)]
pub fn math_round(x: &Value) -> Option<f64> {
    if x.is_null() {
        return None;
    }
    real(round_to(value_double(x), 0))
}

/// `x` rounded to `n` decimal places (0 to 30), halves away from zero, as a real.
#[sqlite_scalar(name = "math_round", deterministic, innocuous)]
pub fn math_round_to(x: &Value, n: &Value) -> Option<f64> {
    if n.is_null() || x.is_null() {
        return None;
    }
    let n = value_int64(n).clamp(0, 30) as u32;
    real(round_to(value_double(x), n))
}

/// The smallest integer not below `x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_ceil(x: &Value) -> Value {
    rounding(x, libm::ceil)
}

/// The largest integer not above `x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_floor(x: &Value) -> Value {
    rounding(x, libm::floor)
}

/// `x` without its fractional part (rounded toward zero).
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_trunc(x: &Value) -> Value {
    rounding(x, libm::trunc)
}

/// The logarithm of a positive `x` with `f`; NULL for `x <= 0` or non-numbers.
fn log_with(x: &Value, f: fn(f64) -> f64) -> Option<f64> {
    let x = numeric(x)?.as_f64();
    if x <= 0.0 {
        return None;
    }
    real(f(x))
}

/// The natural logarithm of `x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_ln(x: &Value) -> Option<f64> {
    log_with(x, libm::log)
}

/// The base-10 logarithm of `x`.
#[sqlite_scalar(name = "math_log", deterministic, innocuous)]
pub fn math_log(x: &Value) -> Option<f64> {
    log_with(x, libm::log10)
}

/// The base-10 logarithm of `x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_log10(x: &Value) -> Option<f64> {
    log_with(x, libm::log10)
}

/// The base-2 logarithm of `x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_log2(x: &Value) -> Option<f64> {
    log_with(x, libm::log2)
}

/// The base-`b` logarithm of `x`: NULL unless `b` is a number above 1 and `x` is positive.
/// As in SQLite, `x` is read by its numeric prefix (`'8 apples'` is 8).
#[sqlite_scalar(name = "math_log", deterministic, innocuous)]
pub fn math_log_base(b: &Value, x: &Value) -> Option<f64> {
    let base = numeric(b)?.as_f64();
    if base <= 0.0 {
        return None;
    }
    let ln_base = libm::log(base);
    if ln_base <= 0.0 {
        return None;
    }
    let x = value_double(x);
    if x <= 0.0 {
        return None;
    }
    real(libm::log(x) / ln_base)
}

/// e to the power `x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_exp(x: &Value) -> Option<f64> {
    math1(x, libm::exp)
}

/// `x` to the power `y`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_pow(x: &Value, y: &Value) -> Option<f64> {
    math2(x, y, libm::pow)
}

/// The square root of `x`; NULL for negative `x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_sqrt(x: &Value) -> Option<f64> {
    math1(x, libm::sqrt)
}

/// The remainder of `x / y` with the sign of `x` (C's `fmod`), as a real; NULL for `y = 0`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_mod(x: &Value, y: &Value) -> Option<f64> {
    math2(x, y, libm::fmod)
}

/// The cosine of `x` radians.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_cos(x: &Value) -> Option<f64> {
    math1(x, libm::cos)
}

/// The sine of `x` radians.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_sin(x: &Value) -> Option<f64> {
    math1(x, libm::sin)
}

/// The tangent of `x` radians.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_tan(x: &Value) -> Option<f64> {
    math1(x, libm::tan)
}

/// The hyperbolic cosine of `x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_cosh(x: &Value) -> Option<f64> {
    math1(x, libm::cosh)
}

/// The hyperbolic sine of `x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_sinh(x: &Value) -> Option<f64> {
    math1(x, libm::sinh)
}

/// The hyperbolic tangent of `x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_tanh(x: &Value) -> Option<f64> {
    math1(x, libm::tanh)
}

/// The arccosine of `x`, in radians; NULL outside [-1, 1].
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_acos(x: &Value) -> Option<f64> {
    math1(x, libm::acos)
}

/// The arcsine of `x`, in radians; NULL outside [-1, 1].
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_asin(x: &Value) -> Option<f64> {
    math1(x, libm::asin)
}

/// The arctangent of `x`, in radians.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_atan(x: &Value) -> Option<f64> {
    math1(x, libm::atan)
}

/// The arctangent of `y / x` in radians, in the quadrant of the point (x, y).
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_atan2(y: &Value, x: &Value) -> Option<f64> {
    math2(y, x, libm::atan2)
}

/// The inverse hyperbolic cosine of `x`; NULL below 1.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_acosh(x: &Value) -> Option<f64> {
    // libm's acosh (musl's) skips the domain check: below -1 it returns a finite number.
    math1(x, |x| if x < 1.0 { f64::NAN } else { libm::acosh(x) })
}

/// The inverse hyperbolic sine of `x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_asinh(x: &Value) -> Option<f64> {
    math1(x, libm::asinh)
}

/// The inverse hyperbolic tangent of `x`; NULL outside [-1, 1].
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_atanh(x: &Value) -> Option<f64> {
    math1(x, libm::atanh)
}

/// `x` degrees in radians.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_radians(x: &Value) -> Option<f64> {
    math1(x, |x| x * (std::f64::consts::PI / 180.0))
}

/// `x` radians in degrees.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_degrees(x: &Value) -> Option<f64> {
    math1(x, |x| x * (180.0 / std::f64::consts::PI))
}

/// π.
#[sqlite_scalar(deterministic, innocuous)]
pub fn math_pi() -> f64 {
    std::f64::consts::PI
}

export_extension! {
    name: "math",
    scalars: [
        math_round, math_round_to, math_ceil, math_floor, math_trunc,
        math_ln, math_log, math_log10, math_log2, math_log_base,
        math_exp, math_pow, math_sqrt, math_mod,
        math_cos, math_sin, math_tan, math_cosh, math_sinh, math_tanh,
        math_acos, math_asin, math_atan, math_atan2, math_acosh, math_asinh, math_atanh,
        math_radians, math_degrees, math_pi,
    ],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    fn r(x: f64) -> Value {
        Value::Real(x)
    }

    #[test]
    fn text_is_numeric_only_when_wholly_a_number() {
        assert_eq!(numeric(&t(" 12 ")), Some(Num::Int(12)));
        assert_eq!(numeric(&t("\u{b}3\u{c}")), Some(Num::Int(3)));
        assert_eq!(numeric(&t("-9223372036854775808")), Some(Num::Int(i64::MIN)));
        assert_eq!(numeric(&t("9223372036854775808")), Some(Num::Real(9223372036854775808.0)));
        assert_eq!(numeric(&t("1e3")), Some(Num::Real(1000.0)));
        assert_eq!(numeric(&t("5.")), Some(Num::Real(5.0)));
        assert_eq!(numeric(&t("-.5")), Some(Num::Real(-0.5)));
        assert_eq!(numeric(&t("1e400")), Some(Num::Real(f64::INFINITY)));
        for bad in ["12abc", ".", "+", "1e", "1e+", "inf", "nan", "0x10", "12\0", ""] {
            assert_eq!(numeric(&t(bad)), None, "{bad:?}");
        }
        assert_eq!(numeric(&Value::Blob(b"4".to_vec())), None);
    }

    #[test]
    fn prefix_conversions() {
        assert_eq!(value_double(&t("12abc")), 12.0);
        assert_eq!(value_double(&t("1e")), 1.0);
        assert_eq!(value_double(&t("abc")), 0.0);
        assert_eq!(value_double(&t(" -2.5e1x")), -25.0);
        assert_eq!(value_int64(&t("1e3")), 1);
        assert_eq!(value_int64(&t(" 9223372036854775808")), i64::MAX);
        assert_eq!(value_int64(&t("-99999999999999999999")), i64::MIN);
        assert_eq!(value_int64(&r(-2.9)), -2);
    }

    #[test]
    fn rounding_is_half_away_from_zero_on_the_exact_value() {
        assert_eq!(round_to(0.125, 2), 0.13);
        assert_eq!(round_to(2.675, 2), 2.67);
        assert_eq!(round_to(-2.5, 0), -3.0);
        assert_eq!(round_to(0.49999999999999994, 0), 1.0);
        assert_eq!(round_to(42.123456789, 8), 42.12345679);
        assert_eq!(round_to(42.123456789, 0), 42.0);
        assert_eq!(round_to(1e-300, 30), 0.0);
        assert_eq!(round_to(1.5, 30), 1.5);
        assert_eq!(round_to(1e300, 2), 1e300);
        assert_eq!(math_round_to(&r(2.5), &t("12abc")), Some(2.5));
        assert_eq!(math_round_to(&r(2.5), &Value::Integer(-3)), Some(3.0));
        assert_eq!(math_round_to(&r(2.5), &Value::Null), None);
        assert_eq!(math_round(&t("abc")), Some(0.0));
    }

    #[test]
    fn domain_errors_are_null() {
        assert_eq!(math_sqrt(&Value::Integer(-1)), None);
        assert_eq!(math_ln(&Value::Integer(0)), None);
        assert_eq!(math_acos(&Value::Integer(2)), None);
        assert_eq!(math_acosh(&Value::Integer(-20085)), None);
        assert_eq!(math_acosh(&r(0.5)), None);
        assert_eq!(math_acosh(&Value::Integer(1)), Some(0.0));
        assert_eq!(math_atanh(&Value::Integer(-2)), None);
        assert_eq!(math_mod(&Value::Integer(5), &Value::Integer(0)), None);
        assert_eq!(math_pow(&Value::Integer(0), &Value::Integer(-1)), Some(f64::INFINITY));
        assert_eq!(math_exp(&Value::Integer(1000)), Some(f64::INFINITY));
        assert_eq!(math_log_base(&Value::Integer(1), &Value::Integer(8)), None);
        assert_eq!(math_log_base(&Value::Integer(2), &t("8 apples")), Some(3.0));
        assert_eq!(math_sqrt(&t("4x")), None);
    }

    #[test]
    fn rounding_functions_keep_integers() {
        assert_eq!(math_ceil(&Value::Integer(i64::MAX)), Value::Integer(i64::MAX));
        assert_eq!(math_ceil(&t(" 12 ")), Value::Integer(12));
        assert_eq!(math_ceil(&r(3.3)), r(4.0));
        assert_eq!(math_floor(&r(-3.9)), r(-4.0));
        assert_eq!(math_trunc(&r(-3.9)), r(-3.0));
        assert_eq!(math_trunc(&t("x")), Value::Null);
    }

    #[test]
    fn documented_examples() {
        assert_eq!(math_sqrt(&Value::Integer(9)), Some(3.0));
        assert_eq!(math_pow(&Value::Integer(2), &Value::Integer(10)), Some(1024.0));
        assert_eq!(math_log_base(&Value::Integer(3), &Value::Integer(9)).map(|x| round_to(x, 0)), Some(2.0));
        assert_eq!(math_degrees(&r(math_pi())).map(|x| round_to(x, 0)), Some(180.0));
    }
}
