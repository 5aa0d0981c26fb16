//! The versions of the `sqlite:extension` contract, and which one a component was built
//! against.
//!
//! Versions are kept as WASI keeps its own: a released version never changes. A newer one
//! may add interfaces and functions; a change to a released record, variant or signature
//! takes a new version. Every host loads every version listed in [`VERSIONS`] (an older
//! component just has fewer capabilities), so a component keeps loading for as long as its
//! version is listed, which the README promises. The frozen WIT of each is in
//! `wit/extension/VERSION/`.
//!
//! A component's version is that of its `sqlite:extension/metadata` export, the one
//! interface every extension exports; the host then looks its other interfaces up at that
//! version. The page applies the same rule (`browser/src/rules.js`), tested against the same
//! cases (`rules/cases.json`).

use crate::metadata::MetadataError;

/// The contract's package, as component export names spell it.
pub const PACKAGE: &str = "sqlite:extension";

/// The released versions, oldest first. The last is the newest, which the SDK and
/// `sqlink new` target.
pub const VERSIONS: &[&str] = &["0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0"];

/// The newest released version.
pub const NEWEST: &str = VERSIONS[VERSIONS.len() - 1];

/// The interface every extension exports, by which its version is known.
const METADATA: &str = "sqlite:extension/metadata";

/// The contract version a component was built against, from its top-level export names:
/// the version of its `sqlite:extension/metadata` export (the newest known one, should it
/// export several). An error says it is no extension, or names the version this host does
/// not know.
pub fn version<'a>(exports: impl IntoIterator<Item = &'a str>) -> Result<&'static str, MetadataError> {
    let mut unknown = None;
    // The index in VERSIONS of the newest known version exported.
    let mut newest: Option<usize> = None;
    for name in exports {
        let Some(rest) = name.strip_prefix(METADATA) else { continue };
        let version = match rest.strip_prefix('@') {
            Some(version) => version,
            None if rest.is_empty() => "",
            None => continue,
        };
        match VERSIONS.iter().position(|v| *v == version) {
            Some(index) => newest = newest.max(Some(index)),
            None => unknown = unknown.or(Some(version)),
        }
    }
    match (newest, unknown) {
        (Some(index), _) => Ok(VERSIONS[index]),
        (None, Some(version)) => Err(MetadataError(format!(
            "it was built against {}, which this host does not load (it loads {PACKAGE} {}); a newer sqlink may",
            if version.is_empty() { format!("an unversioned {PACKAGE}") } else { format!("{PACKAGE}@{version}") },
            VERSIONS.join(", ")
        ))),
        (None, None) => Err(MetadataError(format!("not a sqlite extension: it does not export {METADATA}"))),
    }
}

/// The contract's interfaces, in the order listings show them (the newest version's).
pub const INTERFACES: &[&str] = &[
    "metadata",
    "scalar-function",
    "scalar-by-arity",
    "aggregate-function",
    "collation",
    "table-function",
    "virtual-table",
    "hooks",
    "dynamic-function",
];

/// The contract's interfaces of `version` among `exports`, as short names ("metadata",
/// "scalar-function"), in the order of [`INTERFACES`] (others after them, as exported).
pub fn interfaces<'a>(exports: impl IntoIterator<Item = &'a str>, version: &str) -> Vec<&'a str> {
    let mut found: Vec<&str> = exports
        .into_iter()
        .filter_map(|name| name.strip_prefix(PACKAGE)?.strip_prefix('/')?.strip_suffix(version)?.strip_suffix('@'))
        .collect();
    // A stable sort: the interfaces this host knows first, in their order.
    found.sort_by_key(|name| INTERFACES.iter().position(|known| known == name).unwrap_or(INTERFACES.len()));
    found
}

/// `interface` of the contract at `version`, as a component's export is named:
/// "sqlite:extension/scalar-function@0.2.0".
pub fn export_name(interface: &str, version: &str) -> String {
    format!("{PACKAGE}/{interface}@{version}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_is_the_last() {
        assert_eq!(NEWEST, "0.5.0");
        assert!(VERSIONS.windows(2).all(|pair| pair[0] < pair[1]), "oldest first");
    }

    #[test]
    fn interfaces_are_named_without_package_and_version() {
        let exports = ["sqlite:extension/metadata@0.1.0", "wasi:cli/run@0.2.0", "sqlite:extension/collation@0.1.0"];
        assert_eq!(interfaces(exports, "0.1.0"), ["metadata", "collation"]);
        let shuffled = ["sqlite:extension/later@0.2.0", "sqlite:extension/collation@0.2.0", "sqlite:extension/metadata@0.2.0"];
        assert_eq!(interfaces(shuffled, "0.2.0"), ["metadata", "collation", "later"]);
        assert_eq!(interfaces(exports, "0.2.0"), Vec::<&str>::new());
        assert_eq!(export_name("collation", "0.1.0"), "sqlite:extension/collation@0.1.0");
    }
}
