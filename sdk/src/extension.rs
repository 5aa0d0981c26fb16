//! What an extension declares, and the dispatch from WIT calls to the author's functions.

use std::cell::RefCell;
use std::cmp::Ordering;

use sqlink_rules::ids::{IdMap, id_map};

use crate::bindings::sqlite::extension::types;
use crate::codes;
use crate::error::Error;
use crate::value::{IntoValue, Value};

/// Flags that reach `sqlite3_create_function_v2`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunctionFlags {
    pub deterministic: bool,
    pub direct_only: bool,
    pub innocuous: bool,
}

impl FunctionFlags {
    pub(crate) fn to_wit(self) -> types::FunctionFlags {
        let mut flags = types::FunctionFlags::empty();
        for (on, flag) in [
            (self.deterministic, types::FunctionFlags::DETERMINISTIC),
            (self.direct_only, types::FunctionFlags::DIRECT_ONLY),
            (self.innocuous, types::FunctionFlags::INNOCUOUS),
        ] {
            if on {
                flags = flags | flag;
            }
        }
        flags
    }
}

/// A scalar function, as `#[sqlite_scalar]` describes it.
#[derive(Debug, Clone, Copy)]
pub struct ScalarDef {
    pub name: &'static str,
    /// -1 for any number of arguments.
    pub arity: i32,
    pub flags: FunctionFlags,
    pub doc: &'static str,
    pub call: fn(&[Value]) -> Result<Value, Error>,
}

/// Adds a row's arguments to the state of aggregation `context` (`step`, and `inverse`
/// which takes them out again).
pub type AggregateUpdate = fn(u64, &[Value]) -> Result<(), Error>;

/// The result of aggregation `context`: so far (`value`), or at its end (`finalize`).
pub type AggregateResult = fn(u64) -> Result<Value, Error>;

/// An aggregate (or window) function, as `#[sqlite_aggregate]` describes it. Each function
/// works on the state of aggregation `context`.
#[derive(Debug, Clone, Copy)]
pub struct AggregateDef {
    pub name: &'static str,
    pub arity: i32,
    pub flags: FunctionFlags,
    pub doc: &'static str,
    pub step: AggregateUpdate,
    pub finalize: AggregateResult,
    /// Both present for a window function.
    pub value: Option<AggregateResult>,
    pub inverse: Option<AggregateUpdate>,
}

/// A collating sequence, as `#[sqlite_collation]` describes it.
#[derive(Debug, Clone, Copy)]
pub struct CollationDef {
    pub name: &'static str,
    pub doc: &'static str,
    pub compare: fn(&str, &str) -> Ordering,
}

/// Implemented by `#[sqlite_aggregate]` on the aggregate's state type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a SQL aggregate",
    label = "not an aggregate",
    note = "put `#[sqlite_aggregate]` on an `impl {Self}` block with `step(&mut self, …)` and `finalize(self)`"
)]
pub trait AggregateFunction {
    const DEF: AggregateDef;
}

/// Everything one extension exports; built by `export_extension!`.
#[derive(Debug)]
pub struct ExtensionDef {
    pub name: &'static str,
    pub version: &'static str,
    pub scalars: &'static [ScalarDef],
    pub aggregates: &'static [AggregateDef],
    pub collations: &'static [CollationDef],
    pub table_functions: &'static [crate::table::TableFunctionDef],
    pub modules: &'static [crate::vtab::ModuleDef],
    /// The connection events it hears (`HooksDef::NONE` for none).
    pub hooks: crate::HooksDef,
}

/// What a SQL function's Rust return type becomes: a value, or an error.
pub trait IntoSqlResult {
    fn into_sql_result(self) -> Result<Value, Error>;
}

impl<T: IntoValue> IntoSqlResult for T {
    fn into_sql_result(self) -> Result<Value, Error> {
        Ok(self.into_value())
    }
}

impl<T: IntoValue, E: Into<Error>> IntoSqlResult for Result<T, E> {
    fn into_sql_result(self) -> Result<Value, Error> {
        self.map(IntoValue::into_value).map_err(Into::into)
    }
}

/// What `step` / `inverse` return: nothing, or a possible error.
pub trait IntoStepResult {
    fn into_step_result(self) -> Result<(), Error>;
}

impl IntoStepResult for () {
    fn into_step_result(self) -> Result<(), Error> {
        Ok(())
    }
}

impl<E: Into<Error>> IntoStepResult for Result<(), E> {
    fn into_step_result(self) -> Result<(), Error> {
        self.map_err(Into::into)
    }
}

/// The live states of one aggregate, keyed by the host's aggregation context.
pub struct AggregateStates<T> {
    states: RefCell<IdMap<u64, T>>,
}

impl<T: Default> AggregateStates<T> {
    pub fn new() -> Self {
        AggregateStates { states: RefCell::new(id_map()) }
    }

    /// Run `f` on the state of `context`, creating it on first use.
    pub fn update<R>(&self, context: u64, f: impl FnOnce(&mut T) -> R) -> R {
        let mut states = self.states.borrow_mut();
        f(states.entry(context).or_default())
    }

    /// Run `f` on the state of `context` (a fresh one if nothing was stepped yet).
    pub fn inspect<R>(&self, context: u64, f: impl FnOnce(&T) -> R) -> R {
        let states = self.states.borrow();
        match states.get(&context) {
            Some(state) => f(state),
            None => f(&T::default()),
        }
    }

    /// Remove and return the state of `context`; finalize consumes it.
    pub fn take(&self, context: u64) -> T {
        self.states.borrow_mut().remove(&context).unwrap_or_default()
    }

    /// How many aggregations are alive (for tests of cleanup).
    pub fn live(&self) -> usize {
        self.states.borrow().len()
    }
}

impl<T: Default> Default for AggregateStates<T> {
    fn default() -> Self {
        Self::new()
    }
}

pub fn describe(ext: &ExtensionDef) -> types::ExtensionInfo {
    types::ExtensionInfo {
        name: ext.name.to_owned(),
        version: ext.version.to_owned(),
        scalars: ext
            .scalars
            .iter()
            .zip(0u32..)
            .map(|(def, id)| types::ScalarInfo {
                id,
                name: def.name.to_owned(),
                arity: def.arity,
                flags: def.flags.to_wit(),
                doc: def.doc.to_owned(),
            })
            .collect(),
        aggregates: ext
            .aggregates
            .iter()
            .zip(0u32..)
            .map(|(def, id)| types::AggregateInfo {
                id,
                name: def.name.to_owned(),
                arity: def.arity,
                flags: def.flags.to_wit(),
                window: def.value.is_some() && def.inverse.is_some(),
                doc: def.doc.to_owned(),
            })
            .collect(),
        collations: ext
            .collations
            .iter()
            .zip(0u32..)
            .map(|(def, id)| types::CollationInfo { id, name: def.name.to_owned(), doc: def.doc.to_owned() })
            .collect(),
        table_functions: ext
            .table_functions
            .iter()
            .zip(0u32..)
            .map(|(def, id)| types::TableFunctionInfo {
                id,
                name: def.name.to_owned(),
                columns: def.columns.iter().map(|c| (*c).to_owned()).collect(),
                parameters: def.parameters.iter().map(|p| (*p).to_owned()).collect(),
                doc: def.doc.to_owned(),
            })
            .collect(),
        modules: crate::vtab::describe_modules(ext),
        hooks: ext.hooks.events.to_wit(),
    }
}

fn unknown(kind: &str, id: u32) -> Error {
    Error::with_code(codes::MISUSE, format!("this extension has no {kind} with id {id}"))
}

fn check_arity(name: &str, arity: i32, args: &[Value]) -> Result<(), Error> {
    if arity >= 0 && args.len() != arity as usize {
        return Err(Error::with_code(codes::MISUSE, format!("{name}(): expected {arity} arguments, got {}", args.len())));
    }
    Ok(())
}

pub fn scalar_call(ext: &ExtensionDef, id: u32, args: &[Value]) -> Result<Value, Error> {
    let def = ext.scalars.get(id as usize).ok_or_else(|| unknown("scalar function", id))?;
    check_arity(def.name, def.arity, args)?;
    (def.call)(args)
}

fn aggregate(ext: &ExtensionDef, id: u32) -> Result<&AggregateDef, Error> {
    ext.aggregates.get(id as usize).ok_or_else(|| unknown("aggregate function", id))
}

pub fn aggregate_step(ext: &ExtensionDef, id: u32, context: u64, args: &[Value]) -> Result<(), Error> {
    let def = aggregate(ext, id)?;
    check_arity(def.name, def.arity, args)?;
    (def.step)(context, args)
}

pub fn aggregate_value(ext: &ExtensionDef, id: u32, context: u64) -> Result<Value, Error> {
    let def = aggregate(ext, id)?;
    let value = def.value.ok_or_else(|| Error::with_code(codes::MISUSE, format!("{}() is not a window function", def.name)))?;
    value(context)
}

pub fn aggregate_inverse(ext: &ExtensionDef, id: u32, context: u64, args: &[Value]) -> Result<(), Error> {
    let def = aggregate(ext, id)?;
    check_arity(def.name, def.arity, args)?;
    let inverse = def.inverse.ok_or_else(|| Error::with_code(codes::MISUSE, format!("{}() is not a window function", def.name)))?;
    inverse(context, args)
}

pub fn aggregate_finalize(ext: &ExtensionDef, id: u32, context: u64) -> Result<Value, Error> {
    let def = aggregate(ext, id)?;
    (def.finalize)(context)
}

/// Collations cannot fail in SQLite; an unknown id compares as equal.
pub fn collation_compare(ext: &ExtensionDef, id: u32, a: &str, b: &str) -> i32 {
    match ext.collations.get(id as usize) {
        Some(def) => match (def.compare)(a, b) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        },
        None => 0,
    }
}
