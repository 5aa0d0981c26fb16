//! The rules adapter: an extension's metadata as the shared rules (`sqlink_rules`) take it.

use anyhow::Result;
use sqlink_rules::metadata::Kind;

use crate::bindings::ExtensionInfo;

/// Metadata a host can rely on: the rules every host applies (`sqlink_rules::metadata`).
pub(crate) fn validate(info: &ExtensionInfo) -> Result<()> {
    let declarations = Declarations::of(info);
    Ok(sqlink_rules::metadata::check(&info.name, &declarations.functions, &declarations.tables, &declarations.modules)?)
}

/// An extension's metadata as the shared rules take it (`sqlink_rules::metadata`).
pub(crate) struct Declarations<'a> {
    name: &'a str,
    functions: Vec<sqlink_rules::metadata::Function<'a>>,
    tables: Vec<sqlink_rules::metadata::Table<'a>>,
    modules: Vec<sqlink_rules::metadata::Module<'a>>,
}

impl<'a> Declarations<'a> {
    pub(crate) fn of(info: &'a ExtensionInfo) -> Self {
        use sqlink_rules::metadata::{Function, Module, Table};
        let functions = info
            .scalars
            .iter()
            .map(|f| Function { kind: Kind::Scalar, name: &f.name, arity: f.arity, id: f.id })
            .chain(info.aggregates.iter().map(|f| Function { kind: Kind::Aggregate, name: &f.name, arity: f.arity, id: f.id }))
            .chain(info.collations.iter().map(|f| Function { kind: Kind::Collation, name: &f.name, arity: 0, id: f.id }))
            .collect();
        let tables = info
            .table_functions
            .iter()
            .map(|t| Table { name: &t.name, id: t.id, columns: &t.columns, parameters: &t.parameters })
            .collect();
        let modules = info.modules.iter().map(|m| Module { name: &m.name, id: m.id, shadow_names: &m.shadow_names }).collect();
        Declarations { name: &info.name, functions, tables, modules }
    }

    pub(crate) fn declared(&self) -> sqlink_rules::conflicts::Declared<'_> {
        sqlink_rules::conflicts::Declared { name: self.name, functions: &self.functions, tables: &self.tables, modules: &self.modules }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::sqlite::extension::types::{CollationInfo, HookKinds};

    fn with_collations(names: &[&str]) -> ExtensionInfo {
        let collations =
            names.iter().zip(0..).map(|(name, id)| CollationInfo { id, name: (*name).to_owned(), doc: String::new() }).collect();
        ExtensionInfo {
            name: "x".into(),
            version: "1".into(),
            scalars: vec![],
            aggregates: vec![],
            collations,
            table_functions: vec![],
            modules: vec![],
            hooks: HookKinds::empty(),
        }
    }

    #[test]
    fn collations_differing_only_in_case_are_one_collation() {
        assert!(validate(&with_collations(&["snake", "kebab"])).is_ok());
        let err = validate(&with_collations(&["Snake", "snake"])).unwrap_err();
        assert_eq!(err.to_string(), "x: snake is declared twice");
    }
}
