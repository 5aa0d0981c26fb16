//! Everything an extension author writes, in one crate: it must compile, and the functions
//! must stay callable as the plain Rust functions they were written as.

use std::cmp::Ordering;

use sqlink_sdk::{
    export_extension, sqlite_aggregate, sqlite_collation, sqlite_scalar, sqlite_table_function,
    AggregateFunction, Error, IntoValue, Value,
};

/// Fixed arity, borrowed and owned arguments.
#[sqlite_scalar(deterministic, innocuous)]
pub fn repeat_text(s: &str, times: i64) -> String {
    s.repeat(times.max(0) as usize)
}

/// NULL in, NULL out.
#[sqlite_scalar(name = "reverse_text", deterministic)]
pub fn reverse(s: Option<&str>) -> Option<String> {
    s.map(|s| s.chars().rev().collect())
}

/// Any number of arguments.
#[sqlite_scalar]
pub fn count_nulls(args: &[Value]) -> i64 {
    args.iter().filter(|v| v.is_null()).count() as i64
}

/// A fallible function: the error becomes the statement's error.
#[sqlite_scalar(direct_only)]
pub fn parse_int(s: &str) -> Result<i64, std::num::ParseIntError> {
    s.trim().parse()
}

/// A custom error type through `sqlink_sdk::Error`.
#[sqlite_scalar]
pub fn checked_div(a: i64, b: Option<i64>) -> Result<Option<i64>, Error> {
    match b {
        None => Ok(None),
        Some(0) => Err(Error::new("division by zero")),
        Some(b) => Ok(Some(a / b)),
    }
}

/// Bytes in, bytes out, and no return value.
#[sqlite_scalar]
pub fn blob_len(b: &[u8]) -> i64 {
    b.len() as i64
}

#[sqlite_scalar]
pub fn nothing(_ignored: Value) {}

#[derive(Default)]
pub struct RunningSum {
    total: f64,
    rows: i64,
}

/// A running sum, usable as a window function.
///
/// (The attribute sees only the `impl` block, so the SQL doc comes from here.)
#[sqlite_aggregate(deterministic)]
impl RunningSum {
    fn step(&mut self, x: Option<f64>) {
        if let Some(x) = x {
            self.total += x;
            self.rows += 1;
        }
    }

    fn inverse(&mut self, x: Option<f64>) {
        if let Some(x) = x {
            self.total -= x;
            self.rows -= 1;
        }
    }

    fn value(&self) -> Option<f64> {
        (self.rows > 0).then_some(self.total)
    }

    fn finalize(self) -> Option<f64> {
        self.value()
    }
}

#[derive(Default)]
pub struct StrictCount(i64);

/// A plain aggregate whose step can fail.
#[sqlite_aggregate(name = "strict_count")]
impl StrictCount {
    fn step(&mut self, x: &Value) -> Result<(), Error> {
        if x.is_null() {
            return Err(Error::new("strict_count(): NULL argument"));
        }
        self.0 += 1;
        Ok(())
    }

    fn finalize(self) -> i64 {
        self.0
    }
}

/// Case-insensitive ASCII ordering.
#[sqlite_collation(name = "nocase_ascii")]
pub fn nocase(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Return types the macro cannot see through: aliases, `impl Trait`, `Self`, borrows.
type SqlResult<T> = Result<T, Error>;

#[sqlite_scalar]
pub fn aliased(x: i64) -> SqlResult<i64> {
    x.checked_mul(2).ok_or_else(|| Error::new("overflow"))
}

#[sqlite_scalar]
pub fn read_nothing() -> std::io::Result<String> {
    Ok(String::new())
}

#[sqlite_scalar]
pub fn format_nothing() -> std::fmt::Result {
    Ok(())
}

#[sqlite_scalar]
pub fn opaque() -> impl IntoValue {
    7_i64
}

#[sqlite_scalar]
pub fn first_word<'a>(s: &'a str) -> &'a str {
    s.split_whitespace().next().unwrap_or("")
}

macro_rules! constant {
    ($name:ident -> $ty:ty = $value:expr) => {
        #[sqlite_scalar]
        pub fn $name() -> $ty {
            $value
        }
    };
}

constant!(pi -> Result<f64, Error> = Ok(std::f64::consts::PI));

/// A window function without `finalize`: `value` gives the final result too.
#[derive(Default)]
pub struct RowCount(i64);

#[sqlite_aggregate]
impl RowCount {
    fn step(&mut self, _row: &Value) {
        self.0 += 1;
    }

    fn inverse(&mut self, _row: &Value) {
        self.0 -= 1;
    }

    fn value(&self) -> i64 {
        self.0
    }
}

/// The longest text; its state is its own SQL value.
#[derive(Default, Clone)]
pub struct Longest(Option<String>);

impl IntoValue for Longest {
    fn into_value(self) -> Value {
        self.0.into_value()
    }
}

#[sqlite_aggregate]
impl Longest {
    fn step(&mut self, s: &str) -> Result<(), String> {
        if s.is_empty() {
            return Err("longest(): empty text".into());
        }
        if self.0.as_ref().is_none_or(|longest| s.len() > longest.len()) {
            self.0 = Some(s.to_owned());
        }
        Ok(())
    }

    fn finalize(self) -> Self {
        self
    }
}

mod more {
    use sqlink_sdk::sqlite_scalar;

    #[sqlite_scalar]
    pub fn answer() -> i64 {
        42
    }
}

/// Words of a text, lazily, with their positions.
#[sqlite_table_function(columns(word, position))]
pub fn words(text: Option<String>) -> impl Iterator<Item = (String, i64)> {
    let words: Vec<String> = text.unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    words.into_iter().zip(1..)
}

/// A table function that fails before any row, or on a row.
#[sqlite_table_function(name = "checked_range", columns(value), exact_types)]
pub fn range(stop: i64) -> Result<Vec<Result<(i64,), Error>>, Error> {
    if stop < 0 {
        return Err(Error::new("negative stop"));
    }
    Ok((0..=stop).map(|i| if i < 3 { Ok((i,)) } else { Err(Error::new("too far")) }).collect())
}

export_extension! {
    name: "full",
    version: "1.2.3",
    scalars: [
        repeat_text, reverse, count_nulls, parse_int, checked_div, blob_len, nothing, more::answer,
        aliased, read_nothing, format_nothing, opaque, first_word, pi, reverse as "backwards",
    ],
    aggregates: [RunningSum, RunningSum as "running_total", StrictCount, RowCount, Longest],
    collations: [nocase],
    table_functions: [words, range],
}

fn main() {
    assert_eq!(repeat_text("ab", 3), "ababab");
    assert_eq!(reverse(Some("abc")).as_deref(), Some("cba"));
    assert_eq!(reverse(None), None);
    assert_eq!(count_nulls(&[Value::Null, Value::Integer(1), Value::Null]), 2);
    assert_eq!(parse_int(" 17 "), Ok(17));
    assert!(parse_int("x").is_err());
    assert_eq!(checked_div(7, Some(2)).unwrap(), Some(3));
    assert_eq!(checked_div(7, Some(0)).unwrap_err().message, "division by zero");
    assert_eq!(blob_len(b"four"), 4);
    nothing(Value::Null);
    assert_eq!(more::answer(), 42);
    assert_eq!(nocase("ABC", "abd"), Ordering::Less);
    assert_eq!(aliased(4).unwrap(), 8);
    assert!(read_nothing().unwrap().is_empty());
    assert!(format_nothing().is_ok());
    assert_eq!(opaque().into_value(), Value::Integer(7));
    assert_eq!(first_word("hello world"), "hello");
    assert!(pi().unwrap() > 3.14);

    let mut sum = RunningSum::default();
    sum.step(Some(1.5));
    sum.step(None);
    sum.step(Some(2.0));
    sum.inverse(Some(1.5));
    assert_eq!(sum.value(), Some(2.0));
    assert_eq!(sum.finalize(), Some(2.0));

    let mut count = StrictCount::default();
    count.step(&Value::Integer(1)).unwrap();
    assert!(count.step(&Value::Null).is_err());
    assert_eq!(count.finalize(), 1);

    // What the macros generated: a definition per function, with the SQL-facing details.
    let def = RunningSum::DEF;
    assert_eq!((def.name, def.arity), ("running_sum", 1));
    assert!(def.flags.deterministic);
    assert!(def.value.is_some() && def.inverse.is_some());
    assert_eq!(def.doc, "A running sum, usable as a window function.");
    let def = StrictCount::DEF;
    assert_eq!((def.name, def.arity), ("strict_count", 1));
    assert!(def.value.is_none() && def.inverse.is_none());

    // The aggregate's generated entry points, driven the way the host drives them.
    let step = RunningSum::DEF.step;
    let finalize = RunningSum::DEF.finalize;
    step(1, &[Value::Real(1.0)]).unwrap();
    step(2, &[Value::Integer(10)]).unwrap();
    step(1, &[Value::Integer(2)]).unwrap();
    assert_eq!(finalize(1), Ok(Value::Real(3.0)));
    assert_eq!(finalize(2), Ok(Value::Real(10.0)));
    // Text reaches a number parameter as SQLite's sqlite3_value_double reads it.
    step(3, &[Value::Text("2.5 apples".into())]).unwrap();
    assert_eq!(finalize(3), Ok(Value::Real(2.5)));

    let def = RowCount::DEF;
    assert_eq!((def.name, def.arity), ("row_count", 1));
    assert!(def.value.is_some() && def.inverse.is_some());
    let (inverse, value) = (def.inverse.unwrap(), def.value.unwrap());
    for _ in 0..3 {
        (def.step)(1, &[Value::Null]).unwrap();
    }
    inverse(1, &[Value::Null]).unwrap();
    assert_eq!(value(1), Ok(Value::Integer(2)));
    assert_eq!((def.finalize)(1), Ok(Value::Integer(2)));
    assert_eq!((def.finalize)(2), Ok(Value::Integer(0)), "finalize with no rows is value of a fresh state");

    let step = Longest::DEF.step;
    step(1, &[Value::Text("ab".into())]).unwrap();
    step(1, &[Value::Text("abc".into())]).unwrap();
    assert_eq!(step(1, &[Value::Text(String::new())]).unwrap_err().message, "longest(): empty text");
    assert_eq!((Longest::DEF.finalize)(1), Ok(Value::Text("abc".into())));

    // Table functions: the generated open, and rows as the host pages them.
    let def = __sqlink_table_words;
    assert_eq!((def.name, def.columns, def.parameters), ("words", &["word", "position"][..], &["text"][..]));
    let rows: Vec<_> = (def.open)(&[Value::Text("a b".into())]).unwrap().collect();
    // A host passes an argument left out at the end as NULL: None for an `Option`.
    assert_eq!((def.open)(&[Value::Null]).unwrap().count(), 0);
    assert_eq!(rows, [Ok(vec![Value::Text("a".into()), Value::Integer(1)]), Ok(vec![Value::Text("b".into()), Value::Integer(2)])]);
    let def = __sqlink_table_range;
    assert_eq!(def.name, "checked_range");
    assert_eq!((def.open)(&[Value::Integer(-1)]).err().unwrap().message, "negative stop");
    // NULL (or an argument left out) for a parameter that is not an `Option` is missing.
    let missing = (def.open)(&[Value::Null]).err().unwrap();
    assert_eq!((missing.code, missing.message.as_str()), (sqlink_sdk::codes::ERROR, "checked_range(): missing argument stop (takes stop)"));
    let rows: Vec<_> = (def.open)(&[Value::Integer(5)]).unwrap().collect();
    assert_eq!(rows[3].as_ref().unwrap_err().message, "too far");
    // `exact_types`: no conversion, so text for an integer is an error.
    let err = (def.open)(&[Value::Text("x".into())]).err().unwrap();
    assert_eq!(err.message, "checked_range(): argument 1 must be an integer, got text");
}
