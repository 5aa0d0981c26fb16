//! What an extension may register on a SQLite connection, as every sqlink host decides it:
//! the dispatch bridge inside the wasm runtime (the `sqlink` REPL and the browser) and
//! `embed` in native SQLite (Rust programs and the loadable library).
//!
//! An extension does not silently replace what the connection already had: SQLite's
//! built-in functions (`upper`, `json_extract`), collations (`NOCASE`) and table-valued
//! modules (`json_each`), or those of the program that opened it. A host may let the user
//! allow it per extension (the REPL's `.load NAME --override`); the loadable library
//! cannot, as SQLite refuses to replace a function while a statement runs, and
//! `sqlink_load()` always runs inside one. SQLite compares these names without regard to ASCII case, and
//! so does this; a function's name is taken whatever its arity, since one of another arity
//! would change what calls with that arity do.
//!
//! Without that permission, an extension that also has names of its own loads with those
//! and leaves the connection's names as they were: it *keeps* them ([`kept_note`] says
//! which), as sqlean's `unicode` brings `nupper()` and `unaccent()` beside its `upper()`.
//! An extension with nothing but names the connection has is refused ([`Predefined::refusal`]).
//!
//! Other rules every host shares live here too: the contract versions a host loads and which
//! one a component was built against ([`contract`]), an extension's metadata ([`metadata`]), what
//! may be loaded together ([`conflicts`]), a
//! trap's message ([`panic`]), how a collation of an extension gone compares ([`collation`]), a function's flags as SQLite's own bits ([`FunctionFlags`]),
//! how a table function's rows cross a page at a time ([`table`]), and the maps keyed by
//! handed-out numbers ([`ids`]).
#![forbid(unsafe_code)]

use std::collections::HashSet;

pub mod bundled;
pub mod collation;
pub mod conflicts;
pub mod contract;
mod flags;
pub mod ids;
mod json;
pub mod metadata;
pub mod panic;
mod records;
pub mod table;
pub mod withheld;

pub use flags::FunctionFlags;
pub use json::json_quoted;

/// SQL that lists what a connection has, as rows of (namespace, name): run it before
/// registering anything, and give each row to [`Predefined::insert`]. SQLite's
/// table-valued pragmas and its JSON table functions are eponymous tables its module list
/// leaves out, so they are named here.
pub const PREDEFINED_SQL: &str = "SELECT 'function', name FROM pragma_function_list \
     UNION SELECT 'collation', name FROM pragma_collation_list \
     UNION SELECT 'table', name FROM pragma_module_list \
     UNION SELECT 'table', 'pragma_' || name FROM pragma_pragma_list \
     UNION SELECT 'table', column1 FROM (VALUES ('json_each'), ('json_tree')) \
       WHERE EXISTS (SELECT 1 FROM pragma_function_list WHERE name = 'json')";

/// Where SQLite keeps a name an extension registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// Scalar, aggregate and window functions.
    Function,
    Collation,
    /// Table functions, which are eponymous virtual-table modules.
    Table,
}

impl Namespace {
    /// The namespace [`PREDEFINED_SQL`] calls `tag`.
    pub fn from_tag(tag: &str) -> Option<Namespace> {
        match tag {
            "function" => Some(Namespace::Function),
            "collation" => Some(Namespace::Collation),
            "table" => Some(Namespace::Table),
            _ => None,
        }
    }

    /// `name` as messages show it: `upper()`, `collation NOCASE`, `table function json_each`.
    pub fn shown(self, name: &str) -> String {
        match self {
            Namespace::Function => format!("{name}()"),
            Namespace::Collation => format!("collation {name}"),
            Namespace::Table => format!("table function {name}"),
        }
    }
}

/// What a connection had before any extension registered on it.
#[derive(Debug, Clone, Default)]
pub struct Predefined {
    names: HashSet<(Namespace, String)>,
}

impl Predefined {
    pub fn insert(&mut self, namespace: Namespace, name: &str) {
        self.names.insert((namespace, name.to_ascii_lowercase()));
    }

    pub fn contains(&self, namespace: Namespace, name: &str) -> bool {
        self.names.contains(&(namespace, name.to_ascii_lowercase()))
    }

    /// Why an extension may not register `name` (unless the host lets it override): None
    /// when the connection has no such name. `how_to_override` is the host's way, if any.
    pub fn refusal(&self, namespace: Namespace, name: &str, how_to_override: Option<&str>) -> Option<String> {
        self.contains(namespace, name).then(|| {
            let shown = namespace.shown(name);
            match how_to_override {
                Some(how) => format!("{shown} is already defined in this SQLite (built in, or by the program); {how} replaces it"),
                None => format!("{shown} is already defined in this SQLite (built in, or by the program)"),
            }
        })
    }
}

/// What a host says when extension `extension` loaded but left the connection's own `kept`
/// names (as [`Namespace::shown`] shows them) to the connection; `how_to_override` is the
/// host's way to replace them, if it has one.
pub fn kept_note(extension: &str, kept: &[String], how_to_override: Option<&str>) -> String {
    let listed = match kept {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let them = if kept.len() == 1 { "it" } else { "them" };
    match how_to_override {
        Some(how) => format!("{extension}: kept this SQLite's own {listed}; {how} replaces {them}"),
        None => format!("{extension}: kept this SQLite's own {listed}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_note_lists_what_stayed_and_how_to_replace_it() {
        let kept = ["upper()".to_owned(), "lower()".to_owned(), "collation NOCASE".to_owned()];
        assert_eq!(
            kept_note("unicode", &kept, Some("`.load unicode --override`")),
            "unicode: kept this SQLite's own upper(), lower() and collation NOCASE; `.load unicode --override` replaces them"
        );
        assert_eq!(kept_note("u", &kept[..1], None), "u: kept this SQLite's own upper()");
    }

    fn sqlite() -> Predefined {
        let mut predefined = Predefined::default();
        for (tag, name) in [("function", "upper"), ("collation", "NOCASE"), ("table", "json_each")] {
            predefined.insert(Namespace::from_tag(tag).unwrap(), name);
        }
        predefined
    }

    #[test]
    fn names_are_compared_without_regard_to_ascii_case_within_their_namespace() {
        let predefined = sqlite();
        assert!(predefined.contains(Namespace::Function, "UPPER"));
        assert!(predefined.contains(Namespace::Collation, "nocase"));
        assert!(predefined.contains(Namespace::Table, "JSON_EACH"));
        assert!(!predefined.contains(Namespace::Collation, "upper"), "a collation is not a function");
        assert!(!predefined.contains(Namespace::Function, "md5"));
    }

    #[test]
    fn a_refusal_names_what_is_taken_and_how_to_replace_it() {
        let predefined = sqlite();
        assert_eq!(
            predefined.refusal(Namespace::Function, "Upper", Some("`.load NAME --override`")).as_deref(),
            Some("Upper() is already defined in this SQLite (built in, or by the program); `.load NAME --override` replaces it")
        );
        assert_eq!(
            predefined.refusal(Namespace::Collation, "nocase", None).as_deref(),
            Some("collation nocase is already defined in this SQLite (built in, or by the program)")
        );
        assert_eq!(predefined.refusal(Namespace::Function, "md5", None), None);
        assert_eq!(Namespace::from_tag("view"), None);
    }
}
