//! What may be loaded together on one connection: one extension of a name, and each SQL
//! function (name and arity), collation and table function from at most one extension. SQLite compares
//! these names without regard to ASCII case, and so do these checks. Every host that loads
//! extensions (the REPL's runtime, `embed`, the loadable library) asks here.

use anyhow::{Result, bail};

use crate::bindings::ExtensionInfo;

/// Refuse `new` if an extension of its name is loaded, or if it provides a function or
/// collation that one of `loaded` provides.
pub fn check<'a>(new: &ExtensionInfo, loaded: impl IntoIterator<Item = &'a ExtensionInfo>) -> Result<()> {
    let wanted = provided(new);
    for other in loaded {
        if other.name == new.name {
            bail!("{} is already loaded", new.name);
        }
        let taken = provided(other);
        if let Some((_, shown)) = wanted.iter().find(|(key, _)| taken.iter().any(|(k, _)| k == key)) {
            bail!("cannot load {}: {shown} is already provided by {}", new.name, other.name);
        }
    }
    Ok(())
}

/// Each SQL function name/arity pair and collation name: (key compared, name shown).
fn provided(info: &ExtensionInfo) -> Vec<(String, String)> {
    let sig = |name: &str, arity: i32| {
        let shown = if arity < 0 { String::from("...") } else { arity.to_string() };
        (format!("{}/{arity}", name.to_ascii_lowercase()), format!("{name}({shown})"))
    };
    info.scalars
        .iter()
        .map(|f| sig(&f.name, f.arity))
        .chain(info.aggregates.iter().map(|f| sig(&f.name, f.arity)))
        .chain(info.collations.iter().map(|c| (format!("collate {}", c.name.to_ascii_lowercase()), format!("collation {}", c.name))))
        .chain(
            info.table_functions.iter().map(|t| (format!("table {}", t.name.to_ascii_lowercase()), format!("table function {}", t.name))),
        )
        .collect()
}
