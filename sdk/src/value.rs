//! Conversions between SQLite values and Rust types.
//!
//! An argument first becomes what SQLite gives a C function that asks for the parameter's
//! type ([`FromValue::convert`]: `sqlite3_value_text`, `_blob`, `_int64`, `_double`), so
//! `md5(123)` hashes `'123'` as every SQLite function would; `from_value` then reads it.
//! A function declared with `exact_types` skips the conversion and gets a type error instead.

use std::borrow::Cow;

use crate::convert;
use crate::error::Error;

/// One SQLite value. The same type crosses the component boundary, so conversions into
/// and out of it are the only copies made.
pub use crate::bindings::sqlite::extension::types::Value;

impl Value {
    /// The SQL name of this value's storage class, as `typeof()` spells it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Integer(_) => "integer",
            Value::Real(_) => "real",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// An argument whose SQL type does not fit the Rust parameter type.
#[derive(Debug, Clone, PartialEq)]
pub struct ArgError {
    /// What the parameter accepts, e.g. "text or blob".
    pub expected: &'static str,
    /// What it got, e.g. "integer".
    pub found: &'static str,
}

impl ArgError {
    pub fn new(expected: &'static str, value: &Value) -> Self {
        ArgError { expected, found: value.type_name() }
    }

    /// The SQL error for argument `position` (1-based) of `function`.
    pub fn into_error(self, function: &str, position: usize) -> Error {
        Error::with_code(crate::codes::MISMATCH, format!("{function}(): argument {position} must be {}, got {}", self.expected, self.found))
    }
}

/// A Rust type a SQL function can take as an argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a SQL function",
    label = "unsupported argument type",
    note = "supported: i64, i32, f64, bool, String, &str, Vec<u8>, &[u8], Value, and Option<T> of those (None for NULL); `&[Value]` alone takes any number of arguments"
)]
pub trait FromValue<'a>: Sized {
    /// The value as SQLite hands it to a C function asking for this type: itself when it
    /// already fits (no copy), else its conversion (a number's text, text's numeric prefix).
    fn convert(value: &Value) -> Cow<'_, Value> {
        Cow::Borrowed(value)
    }

    fn from_value(value: &'a Value) -> Result<Self, ArgError>;
}

/// `sqlite3_value_text`: a number becomes its text; a blob its bytes, when they are UTF-8
/// (a Rust `&str` cannot hold other bytes, so such a blob stays a type error).
fn convert_to_text(value: &Value) -> Cow<'_, Value> {
    match value {
        Value::Integer(i) => Cow::Owned(Value::Text(i.to_string())),
        Value::Real(r) => Cow::Owned(Value::Text(convert::real_to_text(*r))),
        Value::Blob(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Owned(Value::Text(text.to_owned())),
            Err(_) => Cow::Borrowed(value),
        },
        _ => Cow::Borrowed(value),
    }
}

/// `sqlite3_value_blob`: a number becomes the bytes of its text; text is read as its bytes.
fn convert_to_bytes(value: &Value) -> Cow<'_, Value> {
    match value {
        Value::Integer(_) | Value::Real(_) => convert_to_text(value),
        _ => Cow::Borrowed(value),
    }
}

/// `sqlite3_value_int64`: a real truncated toward zero (clamped), text and blobs by their
/// integer prefix (0 when there is none).
fn convert_to_integer(value: &Value) -> Cow<'_, Value> {
    match value {
        Value::Real(r) => Cow::Owned(Value::Integer(convert::real_to_integer(*r))),
        Value::Text(text) => Cow::Owned(Value::Integer(convert::integer_prefix(text.as_bytes()))),
        Value::Blob(bytes) => Cow::Owned(Value::Integer(convert::integer_prefix(bytes))),
        _ => Cow::Borrowed(value),
    }
}

/// `sqlite3_value_double`: text and blobs by their numeric prefix (0.0 when there is none).
fn convert_to_real(value: &Value) -> Cow<'_, Value> {
    match value {
        Value::Text(text) => Cow::Owned(Value::Real(convert::real_prefix(text.as_bytes()))),
        Value::Blob(bytes) => Cow::Owned(Value::Real(convert::real_prefix(bytes))),
        _ => Cow::Borrowed(value),
    }
}

/// A Rust type a SQL function can return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a SQL function",
    label = "unsupported return type",
    note = "supported: (), i64, i32, f64, bool, String, &str, Vec<u8>, &[u8], Value, Option<T> of those (None for NULL), and Result<T, E> where E: Into<sqlink_sdk::Error>"
)]
pub trait IntoValue {
    fn into_value(self) -> Value;
}

impl<'a> FromValue<'a> for &'a Value {
    fn from_value(value: &'a Value) -> Result<Self, ArgError> {
        Ok(value)
    }
}

impl<'a> FromValue<'a> for Value {
    fn from_value(value: &'a Value) -> Result<Self, ArgError> {
        Ok(value.clone())
    }
}

impl<'a> FromValue<'a> for i64 {
    fn convert(value: &Value) -> Cow<'_, Value> {
        convert_to_integer(value)
    }

    fn from_value(value: &'a Value) -> Result<Self, ArgError> {
        match value {
            Value::Integer(i) => Ok(*i),
            // SQLite itself treats 3.0 as the integer 3; anything else would lose data.
            Value::Real(r) if r.fract() == 0.0 && *r >= i64::MIN as f64 && *r < i64::MAX as f64 => Ok(*r as i64),
            other => Err(ArgError::new("an integer", other)),
        }
    }
}

impl<'a> FromValue<'a> for i32 {
    fn convert(value: &Value) -> Cow<'_, Value> {
        convert_to_integer(value)
    }

    fn from_value(value: &'a Value) -> Result<Self, ArgError> {
        let wide = i64::from_value(value).map_err(|e| ArgError { expected: "a 32-bit integer", ..e })?;
        i32::try_from(wide).map_err(|_| ArgError { expected: "a 32-bit integer", found: "an integer out of range" })
    }
}

impl<'a> FromValue<'a> for f64 {
    fn convert(value: &Value) -> Cow<'_, Value> {
        convert_to_real(value)
    }

    fn from_value(value: &'a Value) -> Result<Self, ArgError> {
        match value {
            Value::Real(r) => Ok(*r),
            Value::Integer(i) => Ok(*i as f64),
            other => Err(ArgError::new("a number", other)),
        }
    }
}

impl<'a> FromValue<'a> for bool {
    fn convert(value: &Value) -> Cow<'_, Value> {
        convert_to_integer(value)
    }

    fn from_value(value: &'a Value) -> Result<Self, ArgError> {
        match value {
            Value::Integer(i) => Ok(*i != 0),
            Value::Real(r) => Ok(*r != 0.0),
            other => Err(ArgError::new("a boolean (integer)", other)),
        }
    }
}

impl<'a> FromValue<'a> for &'a str {
    fn convert(value: &Value) -> Cow<'_, Value> {
        convert_to_text(value)
    }

    fn from_value(value: &'a Value) -> Result<Self, ArgError> {
        match value {
            Value::Text(s) => Ok(s),
            other => Err(ArgError::new("text", other)),
        }
    }
}

impl<'a> FromValue<'a> for String {
    fn convert(value: &Value) -> Cow<'_, Value> {
        convert_to_text(value)
    }

    fn from_value(value: &'a Value) -> Result<Self, ArgError> {
        <&str>::from_value(value).map(str::to_owned)
    }
}

/// Blobs, and text as its UTF-8 bytes (as SQLite's own blob functions accept text).
impl<'a> FromValue<'a> for &'a [u8] {
    fn convert(value: &Value) -> Cow<'_, Value> {
        convert_to_bytes(value)
    }

    fn from_value(value: &'a Value) -> Result<Self, ArgError> {
        match value {
            Value::Blob(b) => Ok(b),
            Value::Text(s) => Ok(s.as_bytes()),
            other => Err(ArgError::new("a blob or text", other)),
        }
    }
}

impl<'a> FromValue<'a> for Vec<u8> {
    fn convert(value: &Value) -> Cow<'_, Value> {
        convert_to_bytes(value)
    }

    fn from_value(value: &'a Value) -> Result<Self, ArgError> {
        <&[u8]>::from_value(value).map(<[u8]>::to_vec)
    }
}

/// NULL becomes `None`; anything else must convert to `T`.
impl<'a, T: FromValue<'a>> FromValue<'a> for Option<T> {
    fn convert(value: &Value) -> Cow<'_, Value> {
        T::convert(value)
    }

    fn from_value(value: &'a Value) -> Result<Self, ArgError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}

impl IntoValue for () {
    fn into_value(self) -> Value {
        Value::Null
    }
}

impl IntoValue for i64 {
    fn into_value(self) -> Value {
        Value::Integer(self)
    }
}

impl IntoValue for i32 {
    fn into_value(self) -> Value {
        Value::Integer(self.into())
    }
}

impl IntoValue for f64 {
    fn into_value(self) -> Value {
        Value::Real(self)
    }
}

impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::Integer(self.into())
    }
}

impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::Text(self)
    }
}

impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl IntoValue for Vec<u8> {
    fn into_value(self) -> Value {
        Value::Blob(self)
    }
}

impl IntoValue for &[u8] {
    fn into_value(self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl<const N: usize> IntoValue for [u8; N] {
    fn into_value(self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, IntoValue::into_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_accept_integral_reals_only() {
        assert_eq!(i64::from_value(&Value::Integer(i64::MIN)), Ok(i64::MIN));
        assert_eq!(i64::from_value(&Value::Real(3.0)), Ok(3));
        assert_eq!(i64::from_value(&Value::Real(3.5)), Err(ArgError { expected: "an integer", found: "real" }));
        assert!(i32::from_value(&Value::Integer(1 << 40)).is_err());
        assert_eq!(i32::from_value(&Value::Integer(-7)), Ok(-7));
    }

    #[test]
    fn text_and_blob_conversions() {
        let text = Value::Text("héllo".into());
        assert_eq!(<&str>::from_value(&text), Ok("héllo"));
        assert_eq!(<&[u8]>::from_value(&text), Ok("héllo".as_bytes()));
        let blob = Value::Blob(vec![0, 1, 2]);
        assert!(<&str>::from_value(&blob).is_err());
        assert_eq!(Vec::<u8>::from_value(&blob), Ok(vec![0, 1, 2]));
    }

    #[test]
    fn null_maps_to_none_and_back() {
        assert_eq!(Option::<i64>::from_value(&Value::Null), Ok(None));
        assert_eq!(Option::<i64>::from_value(&Value::Integer(5)), Ok(Some(5)));
        assert!(i64::from_value(&Value::Null).is_err());
        assert_eq!(None::<String>.into_value(), Value::Null);
        assert_eq!(Some(1.5).into_value(), Value::Real(1.5));
    }

    /// What the macros do: convert, then read.
    fn converted<'a, T: FromValue<'a>>(value: &Value, keep: &'a mut Option<Value>) -> Result<T, ArgError> {
        *keep = Some(T::convert(value).into_owned());
        T::from_value(keep.as_ref().expect("just set"))
    }

    #[test]
    fn numbers_convert_to_their_sqlite_text() {
        let mut keep = None;
        assert_eq!(converted::<&str>(&Value::Integer(123), &mut keep), Ok("123"));
        assert_eq!(converted::<String>(&Value::Real(1.5), &mut keep), Ok("1.5".to_owned()));
        assert_eq!(converted::<&str>(&Value::Real(1e100), &mut keep), Ok("1.0e+100"));
        assert_eq!(converted::<&[u8]>(&Value::Integer(-7), &mut keep), Ok(&b"-7"[..]));
        assert_eq!(converted::<&str>(&Value::Blob(b"hi".to_vec()), &mut keep), Ok("hi"));
        assert!(converted::<&str>(&Value::Blob(vec![0xff]), &mut keep).is_err(), "not UTF-8");
    }

    #[test]
    fn text_converts_to_its_numeric_prefix() {
        let mut keep = None;
        assert_eq!(converted::<i64>(&Value::Text(" 12abc".into()), &mut keep), Ok(12));
        assert_eq!(converted::<i64>(&Value::Text("abc".into()), &mut keep), Ok(0));
        assert_eq!(converted::<i64>(&Value::Real(-3.9), &mut keep), Ok(-3));
        assert_eq!(converted::<f64>(&Value::Text("-12.5e1x".into()), &mut keep), Ok(-125.0));
        assert_eq!(converted::<f64>(&Value::Blob(b"2.5".to_vec()), &mut keep), Ok(2.5));
        assert_eq!(converted::<bool>(&Value::Text("1".into()), &mut keep), Ok(true));
        assert_eq!(converted::<Option<i64>>(&Value::Null, &mut keep), Ok(None));
        assert_eq!(converted::<Option<i64>>(&Value::Text("5".into()), &mut keep), Ok(Some(5)));
    }

    #[test]
    fn values_that_fit_are_not_copied() {
        assert!(matches!(<&str>::convert(&Value::Text("x".into())), Cow::Borrowed(_)));
        assert!(matches!(<&[u8]>::convert(&Value::Blob(vec![1])), Cow::Borrowed(_)));
        assert!(matches!(i64::convert(&Value::Integer(1)), Cow::Borrowed(_)));
        assert!(matches!(f64::convert(&Value::Integer(1)), Cow::Borrowed(_)));
        assert!(matches!(<&Value>::convert(&Value::Integer(1)), Cow::Borrowed(_)));
    }

    #[test]
    fn argument_errors_name_function_and_position() {
        let err = ArgError::new("text", &Value::Integer(1)).into_error("upper2", 2);
        assert_eq!(err.code, crate::codes::MISMATCH);
        assert_eq!(err.message, "upper2(): argument 2 must be text, got integer");
    }
}
