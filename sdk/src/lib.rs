//! Write SQLite extensions in plain Rust; ship them as WebAssembly components.
//!
//! ```ignore
//! use sqlink_sdk::sqlite_scalar;
//!
//! /// Reverse a string. `strict`: NULL gives NULL without a call.
//! #[sqlite_scalar(deterministic, strict)]
//! fn reverse(s: &str) -> String {
//!     s.chars().rev().collect()
//! }
//!
//! sqlink_sdk::export_extension! {
//!     name: "strings",
//!     scalars: [reverse],
//! }
//! ```
//!
//! `cargo build --target wasm32-wasip2 --release` (with `crate-type = ["cdylib"]`) then gives
//! a component that `sqlink` loads with `.load path/to/strings.wasm`.
// Only the bindings wit-bindgen generates (the canonical ABI glue) use unsafe code.
#![deny(unsafe_code)]

mod error;
mod extension;
mod table;
mod value;

pub use error::Error;
pub use extension::{AggregateDef, AggregateFunction, CollationDef, ExtensionDef, FunctionFlags, ScalarDef};
pub use sqlink_sdk_macros::{export_extension, sqlite_aggregate, sqlite_collation, sqlite_scalar, sqlite_table_function};
pub use table::{IntoRow, IntoRowResult, Rows, TableFunctionDef, open_cursors};
pub use value::{ArgError, FromValue, IntoValue, Value};

/// The `wit-bindgen` bindings of the `sqlite:extension` world. Authors never need them;
/// they are public so that `export_extension!` can name them from another crate.
#[doc(hidden)]
#[allow(unsafe_code)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "sqlite:extension/extension",
        pub_export_macro: true,
        export_macro_name: "__export_extension_world",
        default_bindings_module: "::sqlink_sdk::bindings",
        generate_unused_types: true,
        additional_derives: [PartialEq],
    });
}

/// SQLite primary result codes an extension may raise.
pub mod codes {
    pub const ERROR: i32 = 1;
    pub const NOMEM: i32 = 7;
    pub const TOOBIG: i32 = 18;
    pub const CONSTRAINT: i32 = 19;
    pub const MISMATCH: i32 = 20;
    pub const MISUSE: i32 = 21;
    pub const RANGE: i32 = 25;
}

/// Support code for the macros. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::extension::{
        AggregateStates, IntoSqlResult, IntoStepResult, aggregate_finalize, aggregate_inverse, aggregate_step, aggregate_value,
        collation_compare, describe, scalar_call,
    };
    pub use crate::table::{rows, table_close, table_next, table_open};
    pub use wit_bindgen;
}
