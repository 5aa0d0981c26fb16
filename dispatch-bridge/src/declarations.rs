//! An extension's declarations as a whole: checked, then registered, or nothing at all.

use sqlink_rules::Namespace;

use crate::hooks::HookKinds;
use crate::module::ModuleShape;
use crate::{Bridge, Dispatcher, FunctionFlags, SqlError};

/// One thing an extension declares, as its metadata gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Declaration {
    Scalar {
        name: String,
        arity: i32,
        flags: FunctionFlags,
        id: u32,
    },
    /// With `window`, also xValue / xInverse (a window function).
    Aggregate {
        name: String,
        arity: i32,
        flags: FunctionFlags,
        id: u32,
        window: bool,
    },
    Collation {
        name: String,
        id: u32,
    },
    /// A table function: its result columns and (required) parameters.
    Table {
        name: String,
        id: u32,
        columns: Vec<String>,
        parameters: Vec<String>,
    },
    /// A virtual-table module.
    Module {
        name: String,
        id: u32,
        shape: ModuleShape,
    },
}

impl Declaration {
    pub fn name(&self) -> &str {
        match self {
            Declaration::Scalar { name, .. }
            | Declaration::Aggregate { name, .. }
            | Declaration::Collation { name, .. }
            | Declaration::Table { name, .. }
            | Declaration::Module { name, .. } => name,
        }
    }

    fn namespace(&self) -> Namespace {
        match self {
            Declaration::Scalar { .. } | Declaration::Aggregate { .. } => Namespace::Function,
            Declaration::Collation { .. } => Namespace::Collation,
            Declaration::Table { .. } | Declaration::Module { .. } => Namespace::Table,
        }
    }

    fn arity(&self) -> i32 {
        match self {
            Declaration::Scalar { arity, .. } | Declaration::Aggregate { arity, .. } => *arity,
            _ => 0,
        }
    }

    fn id(&self) -> u32 {
        match self {
            Declaration::Scalar { id, .. }
            | Declaration::Aggregate { id, .. }
            | Declaration::Collation { id, .. }
            | Declaration::Table { id, .. }
            | Declaration::Module { id, .. } => *id,
        }
    }
}

/// Everything one extension registers on a connection.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Declarations {
    pub items: Vec<Declaration>,
    /// The connection events it hears.
    pub hooks: HookKinds,
}

/// Whether an extension may replace what the connection has (SQLite's own, or the
/// program's), and how a user of this host asks for that, which a refusal names.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OverridePolicy {
    pub allowed: bool,
    /// Empty where this host has no way (the refusal then names none).
    pub how_to_allow: String,
}

impl<D: Dispatcher + Send + Sync + 'static> Bridge<D> {
    /// Register all of extension `ext`'s declarations, every host's one way to do it: each
    /// is checked first (names, arities, handles, and whether anything is left once what the
    /// connection has is kept), then each is installed on every connection; a failure on the
    /// way removes what was installed, so a refused extension leaves nothing behind (its
    /// policy included). Returns what it left to the connection, as shown (`upper()`), which
    /// `sqlink_rules::kept_note` words.
    pub fn register_extension(&mut self, ext: u32, declarations: &Declarations, policy: OverridePolicy) -> Result<Vec<String>, SqlError> {
        for declaration in &declarations.items {
            Self::check_declaration(ext, declaration.name(), declaration.arity(), declaration.id())?;
        }
        self.override_policy(ext, policy.allowed, &policy.how_to_allow);
        let registered = self.register_each(ext, declarations).and_then(|()| self.kept(ext));
        if registered.is_err() {
            self.unregister_extension(ext);
        }
        registered
    }

    fn register_each(&mut self, ext: u32, declarations: &Declarations) -> Result<(), SqlError> {
        self.read_builtins()?;
        // Refused when every name is the connection's: before installing any of them.
        let refusals: Vec<SqlError> = declarations
            .items
            .iter()
            .filter_map(|declaration| self.check_override(ext, declaration.namespace(), declaration.name()).err())
            .collect();
        if let Some(refusal) = refusals.first()
            && refusals.len() == declarations.items.len()
        {
            return Err(refusal.clone());
        }
        for declaration in &declarations.items {
            match declaration {
                Declaration::Scalar { name, arity, flags, id } => self.register_scalar(ext, name, *arity, *flags, *id)?,
                Declaration::Aggregate { name, arity, flags, id, window } => {
                    self.register_aggregate(ext, name, *arity, *flags, *id, *window)?
                }
                Declaration::Collation { name, id } => self.register_collation(ext, name, *id)?,
                Declaration::Table { name, id, columns, parameters } => self.register_table(ext, name, *id, columns, parameters)?,
                Declaration::Module { name, id, shape } => self.register_module(ext, name, *id, shape.clone())?,
            }
        }
        if declarations.hooks.any() {
            self.subscribe_hooks(ext, declarations.hooks)?;
        }
        Ok(())
    }
}
