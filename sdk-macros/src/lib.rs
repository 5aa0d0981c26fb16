//! Attribute macros of `sqlink-sdk`. The code generation lives in [`codegen`], which works on
//! `proc_macro2` tokens so it can be unit-tested; these entry points only convert tokens.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod codegen;

/// Turn a plain Rust function into a SQL scalar function.
///
/// Options: `name = "sql_name"`, `deterministic`, `direct_only`, `innocuous`, and `strict`
/// (never called with a NULL argument: NULL in gives NULL out, so parameters need no
/// `Option`). The arity is the number of parameters; a single `&[Value]` parameter takes any
/// number.
/// The doc comment becomes the function's documentation in the extension's metadata.
#[proc_macro_attribute]
pub fn sqlite_scalar(attr: TokenStream, item: TokenStream) -> TokenStream {
    codegen::scalar(attr.into(), item.into()).into()
}

/// Turn an `impl` block of a `Default` state type into a SQL aggregate function.
///
/// The block defines `fn step(&mut self, args…)` and `fn finalize(self) -> T`; with
/// `fn value(&self) -> T` and `fn inverse(&mut self, args…)` as well it is a window
/// function, whose `finalize` may be left out: the final result is then `value`'s.
/// `step` and `inverse` return nothing, or `Result<(), E>` to fail the statement.
/// Options as for `sqlite_scalar` but `strict`; the default name is the type's name in
/// snake_case. The doc comment on the `impl` block becomes the function's documentation.
#[proc_macro_attribute]
pub fn sqlite_aggregate(attr: TokenStream, item: TokenStream) -> TokenStream {
    codegen::aggregate(attr.into(), item.into()).into()
}

/// Turn `fn(a: &str, b: &str) -> std::cmp::Ordering` into a SQL collating sequence.
///
/// Option: `name = "sql_name"`.
#[proc_macro_attribute]
pub fn sqlite_collation(attr: TokenStream, item: TokenStream) -> TokenStream {
    codegen::collation(attr.into(), item.into()).into()
}

/// Turn a function that returns rows into a SQL table function: `FROM name(args)`.
///
/// Options: `columns(a, b, …)` (required; the names of each row's values), `name = "…"`.
/// The parameters are the SQL arguments, each required, and owned (`String`, `Vec<u8>`,
/// `i64`, `f64`, `bool`, `Value`, `Option<…>` of those for NULL); the result is an iterator
/// (or a `Result` of one) whose items are tuples with one value per column, or `Result`s of
/// such tuples (an error ends the statement there). Rows are made as SQLite reads them.
#[proc_macro_attribute]
pub fn sqlite_table_function(attr: TokenStream, item: TokenStream) -> TokenStream {
    codegen::table_function(attr.into(), item.into()).into()
}

/// Export an extension: its name and the functions it provides. This is the only glue an
/// author writes; it implements every interface of the `sqlite:extension/extension` world.
///
/// Each key at most once; all but `name` may be left out.
///
/// ```
/// # use sqlink_sdk::{sqlite_aggregate, sqlite_collation, sqlite_scalar, sqlite_table_function};
/// # #[sqlite_scalar]
/// # fn md5(data: &[u8]) -> String { format!("{}", data.len()) }
/// # #[derive(Default)]
/// # struct Md5Agg(usize);
/// # #[sqlite_aggregate]
/// # impl Md5Agg {
/// #     fn step(&mut self, data: &[u8]) { self.0 += data.len() }
/// #     fn finalize(self) -> String { format!("{}", self.0) }
/// # }
/// # #[sqlite_collation]
/// # fn snake(a: &str, b: &str) -> std::cmp::Ordering { a.cmp(b) }
/// # #[sqlite_table_function(columns(word))]
/// # fn words(text: String) -> Vec<(String,)> { text.split(' ').map(|w| (w.to_owned(),)).collect() }
/// sqlink_sdk::export_extension! {
///     name: "md5",
///     version: "1.0.0",         // optional; defaults to the crate's version
///     scalars: [md5],           // functions marked #[sqlite_scalar]
///     aggregates: [Md5Agg],     // state types marked #[sqlite_aggregate]
///     collations: [snake],      // functions marked #[sqlite_collation]
///     table_functions: [words], // functions marked #[sqlite_table_function]
///     // modules: [MyTable],    // types implementing sqlink_sdk::VirtualTable
/// }
/// # fn main() {}
/// ```
#[proc_macro]
pub fn export_extension(input: TokenStream) -> TokenStream {
    codegen::export_extension(input.into()).into()
}
