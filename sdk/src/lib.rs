//! Write SQLite extensions in plain Rust; ship them as WebAssembly components.
//!
//! ```
//! use sqlink_sdk::{sqlite_aggregate, sqlite_scalar};
//!
//! /// Reverse a string. `strict`: NULL gives NULL without a call.
//! #[sqlite_scalar(deterministic, strict)]
//! fn reverse(s: &str) -> String {
//!     s.chars().rev().collect()
//! }
//!
//! #[derive(Default)]
//! struct Total(i64);
//!
//! /// The sum of the non-NULL values, also over a window's frame.
//! #[sqlite_aggregate(deterministic)]
//! impl Total {
//!     fn step(&mut self, x: Option<i64>) {
//!         self.0 += x.unwrap_or(0);
//!     }
//!     fn inverse(&mut self, x: Option<i64>) {
//!         self.0 -= x.unwrap_or(0);
//!     }
//!     // With no `finalize`, the final result is `value`'s.
//!     fn value(&self) -> i64 {
//!         self.0
//!     }
//! }
//!
//! sqlink_sdk::export_extension! {
//!     name: "strings",
//!     scalars: [reverse],
//!     aggregates: [Total],
//! }
//! # fn main() {
//!
//! // The functions stay plain Rust, and can be tested as such.
//! assert_eq!(reverse("abc"), "cba");
//! # use sqlink_sdk::{AggregateFunction, Value};
//! # let total = Total::DEF;
//! # assert_eq!((total.name, total.arity), ("total", 1));
//! # (total.step)(1, &[Value::Integer(2)]).unwrap();
//! # (total.step)(1, &[Value::Null]).unwrap();
//! # assert_eq!((total.finalize)(1), Ok(Value::Integer(2)));
//! # }
//! ```
//!
//! Arguments arrive as SQLite hands them to a C function asking for the parameter's type:
//! a `&str` given `123` receives `"123"`, a `&[u8]` given `1.5` the bytes of `"1.5"`, an
//! `i64` given `'12abc'` receives 12 and given `3.9` receives 3, an `f64` given `'2.5'`
//! receives 2.5. `#[sqlite_scalar(exact_types)]` (also on aggregates and table functions)
//! turns that off: an argument of another type is then an error. `export_extension!` can
//! export a function again under another name: `scalars: [crypto_md5, crypto_md5 as "md5"]`.
//!
//! Virtual tables (`CREATE VIRTUAL TABLE t USING module(args)`): a type implementing
//! [`VirtualTable`] (with a [`VirtualCursor`]) listed in `export_extension! { modules: [T] }`;
//! see the `vtab` items ([`Plan`], [`ModuleArgs`], [`Change`]).
//!
//! `cargo build --target wasm32-wasip2 --release` (with `crate-type = ["cdylib"]`) then gives
//! a component that `sqlink` loads with `.load path/to/strings.wasm`; `export_extension!`
//! exports the component's interfaces only there, so the same crate builds and tests on the
//! host.
// Only the bindings wit-bindgen generates (the canonical ABI glue) use unsafe code.
#![deny(unsafe_code)]

pub mod connection;
mod convert;
mod error;
mod extension;
mod hooks;
mod table;
mod value;
mod vtab;

pub use error::Error;
pub use extension::{AggregateDef, AggregateFunction, CollationDef, ExtensionDef, FunctionFlags, ScalarDef};
pub use hooks::{Events, Hooks, HooksDef, RowChange};
pub use sqlink_sdk_macros::{export_extension, sqlite_aggregate, sqlite_collation, sqlite_scalar, sqlite_table_function};
pub use table::{IntoRow, IntoRowResult, Rows, TableFunctionDef, open_cursors};
pub use value::{ArgError, FromValue, IntoValue, Value};
pub use vtab::{
    Change, Filter, IndexConstraint, IndexInfo, IndexOrderBy, ModuleArgs, ModuleDef, Plan, TableRow, TableRows, TransactionEvent,
    VirtualCursor, VirtualTable, module, op, unquote,
};

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
    pub use crate::connection::dynamic_call;
    pub use crate::extension::{
        AggregateStates, IntoSqlResult, IntoStepResult, aggregate_finalize, aggregate_inverse, aggregate_step, aggregate_value,
        collation_compare, describe, scalar_call,
    };
    pub use crate::table::{rows, table_close, table_next, table_open};
    pub use crate::vtab::{
        vtab_best_index, vtab_close, vtab_connect, vtab_create, vtab_destroy, vtab_disconnect, vtab_filter, vtab_next, vtab_open,
        vtab_rename, vtab_transaction, vtab_update,
    };
    pub use wit_bindgen;
}
