//! What an extension's metadata must satisfy before a host registers anything from it: names
//! SQLite accepts, arities it accepts, no signature declared twice (SQLite compares names
//! without regard to ASCII case), ids unique per kind, table functions with at least one
//! column and distinct column and parameter names, virtual-table modules named apart from the
//! table functions (both are SQLite modules) with identifier shadow-table suffixes.
//!
//! The page applies the same rules in JavaScript (`browser/src/rules.js`: it checks an
//! extension before handing anything to the runtime). `rules/cases.json` holds the cases both
//! are tested against, message for message.

use std::collections::HashSet;
use std::fmt;

use crate::json_quoted;

/// The arities SQLite accepts for a function; -1 means any number of arguments.
pub const ARITIES: std::ops::RangeInclusive<i32> = -1..=127;

/// What kind of callable an id belongs to; ids are unique within a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Scalar,
    Aggregate,
    Collation,
    Table,
    /// A virtual-table module (`CREATE VIRTUAL TABLE t USING name(...)`).
    Module,
    /// The connection hooks an extension asks for.
    Hooks,
}

impl Kind {
    /// The word messages use: "scalar id 3 is used twice".
    pub fn word(self) -> &'static str {
        match self {
            Kind::Scalar => "scalar",
            Kind::Aggregate => "aggregate",
            Kind::Collation => "collation",
            Kind::Table => "table function",
            Kind::Module => "module",
            Kind::Hooks => "hook",
        }
    }

    /// What an extension that declares these must also export (the contract's interface,
    /// without its version), and how messages call what it declared.
    pub fn interface(self) -> (&'static str, &'static str) {
        match self {
            Kind::Scalar => ("sqlite:extension/scalar-function", "scalars"),
            Kind::Aggregate => ("sqlite:extension/aggregate-function", "aggregates"),
            Kind::Collation => ("sqlite:extension/collation", "collations"),
            Kind::Table => ("sqlite:extension/table-function", "table functions"),
            Kind::Module => ("sqlite:extension/virtual-table", "modules"),
            Kind::Hooks => ("sqlite:extension/hooks", "hooks"),
        }
    }
}

/// A scalar, aggregate or collation as an extension declares it (a collation's arity is 0).
#[derive(Debug, Clone, Copy)]
pub struct Function<'a> {
    pub kind: Kind,
    pub name: &'a str,
    pub arity: i32,
    pub id: u32,
}

/// A table function as an extension declares it.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    pub name: &'a str,
    pub id: u32,
    pub columns: &'a [String],
    pub parameters: &'a [String],
}

/// A virtual-table module as an extension declares it.
#[derive(Debug, Clone, Copy)]
pub struct Module<'a> {
    pub name: &'a str,
    pub id: u32,
    /// The suffixes of its tables' shadow tables.
    pub shadow_names: &'a [String],
}

/// Why an extension's metadata was refused, on its own or beside the extensions loaded
/// ([`conflicts`](crate::conflicts)); the message names the extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataError(pub(crate) String);

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MetadataError {}

/// A function as listings show it: `f(x, y)` from its arity, `f(...)` for any number of
/// arguments (the REPL's `.extensions`, `sqlink inspect`).
pub fn signature(name: &str, arity: i32) -> String {
    let params = match arity {
        -1 => String::from("..."),
        0 => String::new(),
        1 => String::from("x"),
        2 => String::from("x, y"),
        3 => String::from("x, y, z"),
        n => (1..=n).map(|i| format!("x{i}")).collect::<Vec<_>>().join(", "),
    };
    format!("{name}({params})")
}

/// An extension's functions as listings show them (the REPL's `.extensions`, `sqlink
/// inspect`): a line each, with its kind, signature and doc, the signatures padded to one
/// width. [`listing!`](crate::listing) fills one from the contract's `extension-info` in
/// any binding of it.
#[derive(Debug, Default)]
pub struct Listing<'a> {
    entries: Vec<(&'static str, String, &'a str)>,
}

impl<'a> Listing<'a> {
    pub fn scalar(&mut self, name: &str, arity: i32, doc: &'a str) {
        self.entries.push(("scalar", signature(name, arity), doc));
    }

    pub fn aggregate(&mut self, name: &str, arity: i32, window: bool, doc: &'a str) {
        self.entries.push((if window { "window" } else { "aggregate" }, signature(name, arity), doc));
    }

    pub fn collation(&mut self, name: &str, doc: &'a str) {
        self.entries.push(("collation", name.to_owned(), doc));
    }

    pub fn table(&mut self, name: &str, parameters: &[String], columns: &[String], doc: &'a str) {
        self.entries.push(("table", format!("{name}({}) -> ({})", parameters.join(", "), columns.join(", ")), doc));
    }

    /// The lines, each indented by two spaces and ending in a newline.
    pub fn lines(&self) -> String {
        let width = self.entries.iter().map(|e| e.1.chars().count()).max().unwrap_or(0);
        self.entries.iter().map(|(kind, sig, doc)| format!("  {kind:<9} {sig:<width$}  {doc}\n")).collect()
    }
}

/// The [`Listing`] of an extension's metadata, from the contract's
/// `extension-info` in whichever binding a host has of it (wit-bindgen's in the runtime,
/// wasmtime's natively: distinct types with the same fields).
#[macro_export]
macro_rules! listing {
    ($info:expr) => {{
        let info = $info;
        let mut listing = $crate::metadata::Listing::default();
        for f in &info.scalars {
            listing.scalar(&f.name, f.arity, &f.doc);
        }
        for f in &info.aggregates {
            listing.aggregate(&f.name, f.arity, f.window, &f.doc);
        }
        for c in &info.collations {
            listing.collation(&c.name, &c.doc);
        }
        for t in &info.table_functions {
            listing.table(&t.name, &t.parameters, &t.columns, &t.doc);
        }
        listing
    }};
}

/// A name SQLite takes unquoted: an ASCII letter or `_`, then letters, digits or `_`.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks extension `extension`'s declarations, in the order the messages assume: the
/// extension's own name, then each function, then each table function, then each module.
pub fn check(extension: &str, functions: &[Function<'_>], tables: &[Table<'_>], modules: &[Module<'_>]) -> Result<(), MetadataError> {
    let refuse = |message: String| Err(MetadataError(format!("{extension}: {message}")));
    if !is_identifier(extension) {
        return Err(MetadataError(format!("the extension's name {} is not a valid identifier", json_quoted(extension))));
    }
    let mut signatures = HashSet::new();
    let mut ids = HashSet::new();
    for &Function { kind, name, arity, id } in functions {
        if !is_identifier(name) {
            return refuse(format!("function name {} is not a valid identifier", json_quoted(name)));
        }
        if !ARITIES.contains(&arity) {
            return refuse(format!("{name} has arity {arity}, outside {ARITIES:?}"));
        }
        let signature = match kind {
            Kind::Collation => format!("collation {}", name.to_ascii_lowercase()),
            _ => format!("{}/{arity}", name.to_ascii_lowercase()),
        };
        if !signatures.insert(signature) {
            return refuse(format!("{name} is declared twice"));
        }
        if !ids.insert((kind, id)) {
            return refuse(format!("{} id {id} is used twice", kind.word()));
        }
    }
    for &Table { name, id, columns, parameters } in tables {
        if !is_identifier(name) {
            return refuse(format!("table function name {} is not a valid identifier", json_quoted(name)));
        }
        if !signatures.insert(format!("table {}", name.to_ascii_lowercase())) {
            return refuse(format!("table function {name} is declared twice"));
        }
        if !ids.insert((Kind::Table, id)) {
            return refuse(format!("table function id {id} is used twice"));
        }
        if columns.is_empty() {
            return refuse(format!("table function {name} has no columns"));
        }
        let mut names = HashSet::new();
        for column in columns.iter().chain(parameters) {
            if !is_identifier(column) {
                return refuse(format!("{name}: column or parameter {} is not a valid identifier", json_quoted(column)));
            }
            if !names.insert(column.to_ascii_lowercase()) {
                return refuse(format!("{name}: {column} names two columns or parameters"));
            }
        }
    }
    for &Module { name, id, shadow_names } in modules {
        if !is_identifier(name) {
            return refuse(format!("module name {} is not a valid identifier", json_quoted(name)));
        }
        // A table function is an eponymous module: the two share SQLite's module names.
        if !signatures.insert(format!("table {}", name.to_ascii_lowercase())) {
            return refuse(format!("module {name} is declared twice"));
        }
        if !ids.insert((Kind::Module, id)) {
            return refuse(format!("module id {id} is used twice"));
        }
        if let Some(shadow) = shadow_names.iter().find(|shadow| !is_identifier(shadow)) {
            return refuse(format!("{name}: shadow table suffix {} is not a valid identifier", json_quoted(shadow)));
        }
    }
    Ok(())
}

/// Checks that extension `extension` exports the interface of each kind it declares any of:
/// `kinds` holds (kind, declares any, exports its interface).
pub fn check_exports(extension: &str, kinds: &[(Kind, bool, bool)]) -> Result<(), MetadataError> {
    match kinds.iter().find(|(_, declared, exported)| *declared && !exported) {
        Some((kind, _, _)) => {
            let (interface, declared) = kind.interface();
            Err(MetadataError(format!("{extension} declares {declared} but does not export {interface}")))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_from_arity() {
        assert_eq!(signature("uuid", 0), "uuid()");
        assert_eq!(signature("md5", 1), "md5(x)");
        assert_eq!(signature("f", -1), "f(...)");
        assert_eq!(signature("g", 4), "g(x1, x2, x3, x4)");
    }

    #[test]
    fn a_listing_pads_the_signatures_to_the_widest() {
        let mut listing = Listing::default();
        listing.scalar("md5", 1, "a digest");
        listing.aggregate("total", 1, true, "a sum");
        listing.collation("nocase2", "");
        listing.table("series", &["start".into(), "stop".into()], &["value".into()], "numbers");
        assert_eq!(
            listing.lines(),
            "  scalar    md5(x)                          a digest\n\
             \x20 window    total(x)                        a sum\n\
             \x20 collation nocase2                         \n\
             \x20 table     series(start, stop) -> (value)  numbers\n"
        );
        assert_eq!(Listing::default().lines(), "");
    }
}
