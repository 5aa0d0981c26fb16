//! The error an extension function raises; SQLite reports it as the statement's error.

use std::fmt;

/// A SQLite result code and a message. Return `Err(Error)` (or any `Result<T, E>` whose `E`
/// converts into it) from a SQL function to fail the statement with that message.
pub use crate::bindings::sqlite::extension::types::Error;

impl Error {
    /// An error with code SQLITE_ERROR.
    pub fn new(message: impl Into<String>) -> Self {
        Error::with_code(crate::codes::ERROR, message)
    }

    /// An error with a specific SQLite primary result code (see [`crate::codes`]).
    pub fn with_code(code: i32, message: impl Into<String>) -> Self {
        Error { code, message: message.into() }
    }

    /// An error whose message is `error`'s text, for error types without a `From` impl:
    /// `thing.map_err(Error::from_display)?`.
    pub fn from_display(error: impl fmt::Display) -> Self {
        Error::new(error.to_string())
    }
}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::new(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::new(message)
    }
}

macro_rules! from_std_errors {
    ($($ty:ty),* $(,)?) => {$(
        impl From<$ty> for Error {
            fn from(error: $ty) -> Self {
                Error::from_display(error)
            }
        }
    )*};
}

from_std_errors!(
    std::fmt::Error,
    std::io::Error,
    std::num::ParseIntError,
    std::num::ParseFloatError,
    std::str::Utf8Error,
    std::string::FromUtf8Error,
);
