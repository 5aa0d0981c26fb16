//! What may be loaded together on one connection: one extension of a name, and each SQL
//! function (name and arity), collation, table function and virtual-table module from at
//! most one extension (table functions and modules share SQLite's module names).
//! SQLite compares these names without regard to ASCII case, and so does this. Every host
//! asks here before registering (the page through `browser/src/rules.js`, tested against
//! the same cases).

use crate::metadata::{Function, Kind, MetadataError, Module, Table};

/// An extension's declarations, as [`metadata::check`](crate::metadata::check) takes them.
#[derive(Debug, Clone, Copy)]
pub struct Declared<'a> {
    pub name: &'a str,
    pub functions: &'a [Function<'a>],
    pub tables: &'a [Table<'a>],
    pub modules: &'a [Module<'a>],
}

/// Refuse `new` if an extension of its name is loaded, or if it provides a function,
/// collation, table function or module that one of `loaded` provides (the first one found names
/// it and its owner).
pub fn check<'a>(new: &Declared<'_>, loaded: impl IntoIterator<Item = Declared<'a>>) -> Result<(), MetadataError> {
    let wanted = provided(new);
    for other in loaded {
        if other.name == new.name {
            return Err(MetadataError(format!("{} is already loaded", new.name)));
        }
        let taken = provided(&other);
        if let Some((_, shown)) = wanted.iter().find(|(key, _)| taken.iter().any(|(k, _)| k == key)) {
            return Err(MetadataError(format!("{shown} is already provided by {}", other.name)));
        }
    }
    Ok(())
}

/// Each function name and arity, collation, table function and module: (key compared, as shown).
fn provided(declared: &Declared<'_>) -> Vec<(String, String)> {
    let functions = declared.functions.iter().map(|f| {
        let name = f.name;
        match f.kind {
            Kind::Collation => (format!("collation {}", name.to_ascii_lowercase()), format!("collation {name}")),
            _ => {
                let shown = if f.arity < 0 { String::from("...") } else { f.arity.to_string() };
                (format!("{}/{}", name.to_ascii_lowercase(), f.arity), format!("{name}({shown})"))
            }
        }
    });
    let tables = declared.tables.iter().map(|t| (format!("table {}", t.name.to_ascii_lowercase()), format!("table function {}", t.name)));
    let modules = declared.modules.iter().map(|m| (format!("table {}", m.name.to_ascii_lowercase()), format!("module {}", m.name)));
    functions.chain(tables).chain(modules).collect()
}
