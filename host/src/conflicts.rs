//! What may be loaded together on one connection (`sqlink_rules::conflicts`), for the
//! native hosts' metadata. Every host that loads extensions (the REPL's runtime, `embed`,
//! the loadable library) asks here; the page asks `rules.js`, tested against the same cases.

use anyhow::Result;

use crate::bindings::ExtensionInfo;
use crate::declarations::Declarations;

/// Refuse `new` if an extension of its name is loaded, or if it provides a function,
/// collation or table function that one of `loaded` provides.
pub fn check<'a>(new: &ExtensionInfo, loaded: impl IntoIterator<Item = &'a ExtensionInfo>) -> Result<()> {
    let loaded: Vec<Declarations<'_>> = loaded.into_iter().map(Declarations::of).collect();
    Ok(sqlink_rules::conflicts::check(&Declarations::of(new).declared(), loaded.iter().map(Declarations::declared))?)
}
