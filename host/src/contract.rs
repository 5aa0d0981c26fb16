//! The `sqlite:extension` contract as the native hosts call it, at whichever released version
//! a component was built against (`sqlink_rules::contract`).
//!
//! Between released versions `extension-info` differs (0.1.0 has no `table-functions`, 0.2.0
//! no `modules` and `hooks`), and later versions add interfaces; every interface they share is
//! the same, named with another version. So the host finds each
//! function by its name at the component's version, and calls it with the newest version's
//! Rust types: wasmtime checks a function's type by its shape (names of records and variants
//! are no part of it) when the instance is made, and the per-row calls then cost exactly what
//! bindgen's would, with no conversion. Only `describe`'s result is converted, once per load.
//!
//! 0.1.0 comes in two shapes: as first published (`wit/extension/0.1.0`), and as it was
//! changed in place before versions were frozen, with `table-functions` in its metadata and
//! the `scalar-by-arity` and `table-function` interfaces (the "interim" 0.1.0; every SDK
//! extension built between 26 November and 4 December 2026 has it). The shape of
//! `describe`'s result tells them apart, and both load.

use anyhow::{Result, anyhow};
use sqlink_rules::contract::{VERSIONS, export_name, interfaces};
use wasmtime::AsContextMut;
use wasmtime::component::types::{ComponentItem, Type};
use wasmtime::component::{Component, ComponentExportIndex, ComponentType, Func, Instance, Lift, TypedFunc};

use crate::bindings::exports::sqlite::extension::hooks::RowChange;
use crate::bindings::exports::sqlite::extension::virtual_table::{
    Change, DeclaredTable, IndexInfo, IndexPlan, RowResult, TransactionEvent,
};
use crate::bindings::sqlite::extension::types::{AggregateInfo, CollationInfo, HookKinds, ScalarInfo, TableFunctionInfo};
use crate::bindings::{Error, ExtensionInfo, Value, ValueParam};

/// Which contract a component was built against, and what of it it exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    /// The released version, e.g. "0.1.0".
    pub version: &'static str,
    /// The shape of its `extension-info`.
    pub metadata: MetadataShape,
    /// The contract's interfaces it exports, without package and version ("metadata",
    /// "scalar-function", ...), in the contract's order.
    pub exports: Vec<String>,
}

/// The shapes `extension-info` has had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataShape {
    /// 0.1.0 as first published: name, version, scalars, aggregates, collations.
    WithoutTableFunctions,
    /// With `table-functions`: 0.2.0 and the interim 0.1.0.
    WithTableFunctions,
    /// With `modules` and `hooks` as well: 0.3.0 and later.
    WithModules,
}

impl Contract {
    /// Built against 0.1.0 as it was changed in place (with table functions) before the
    /// contract's versions were frozen.
    pub fn is_interim(&self) -> bool {
        self.version == VERSIONS[0] && self.metadata == MetadataShape::WithTableFunctions
    }

    /// As users read it: "sqlite:extension@0.2.0", and for the interim 0.1.0
    /// "sqlite:extension@0.1.0 (interim, with table functions)".
    pub fn shown(&self) -> String {
        let name = format!("{}@{}", sqlink_rules::contract::PACKAGE, self.version);
        if self.is_interim() { format!("{name} (interim, with table functions)") } else { name }
    }
}

/// `extension-info` as 0.1.0 was first published: without table functions. Its other
/// records have the newest version's shape.
#[derive(ComponentType, Lift)]
#[component(record)]
pub(crate) struct ExtensionInfoWithoutTables {
    name: String,
    version: String,
    scalars: Vec<ScalarInfo>,
    aggregates: Vec<AggregateInfo>,
    collations: Vec<CollationInfo>,
}

impl From<ExtensionInfoWithoutTables> for ExtensionInfo {
    fn from(info: ExtensionInfoWithoutTables) -> Self {
        let ExtensionInfoWithoutTables { name, version, scalars, aggregates, collations } = info;
        ExtensionInfo {
            name,
            version,
            scalars,
            aggregates,
            collations,
            table_functions: Vec::new(),
            modules: Vec::new(),
            hooks: HookKinds::empty(),
        }
    }
}

/// `extension-info` of 0.2.0 and the interim 0.1.0: with table functions, without modules and
/// hooks.
#[derive(ComponentType, Lift)]
#[component(record)]
pub(crate) struct ExtensionInfoWithoutModules {
    name: String,
    version: String,
    scalars: Vec<ScalarInfo>,
    aggregates: Vec<AggregateInfo>,
    collations: Vec<CollationInfo>,
    #[component(name = "table-functions")]
    table_functions: Vec<TableFunctionInfo>,
}

impl From<ExtensionInfoWithoutModules> for ExtensionInfo {
    fn from(info: ExtensionInfoWithoutModules) -> Self {
        let ExtensionInfoWithoutModules { name, version, scalars, aggregates, collations, table_functions } = info;
        ExtensionInfo { name, version, scalars, aggregates, collations, table_functions, modules: Vec::new(), hooks: HookKinds::empty() }
    }
}

/// Each contract function's signature, in the newest version's Rust types: how it is found
/// and checked when an instance is made, and how it is called. A value of one of these types
/// exists only for a function wasmtime has checked to have that signature.
macro_rules! signatures {
    // The value a call returns, from the tuple wasmtime lifts: its one result, or nothing.
    (@first $result:ident $ret:ty) => { $result.0 };
    (@first $result:ident) => { () };
    // The type a call returns.
    (@type $ret:ty) => { $ret };
    (@type) => { () };
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)?;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub(crate) struct $name(Func);

        impl $name {
            /// The function at `index` in `instance`, if it has this signature.
            fn get(store: impl AsContextMut, instance: &Instance, index: &ComponentExportIndex) -> wasmtime::Result<Self> {
                Ok($name(*instance.get_typed_func::<($($ty,)*), ($($ret,)?)>(store, index)?.func()))
            }

            pub(crate) fn call(self, store: impl AsContextMut, $($arg: $ty),*) -> wasmtime::Result<signatures!(@type $($ret)?)> {
                // SAFETY: `get` made this value only after wasmtime checked the function's type
                // against exactly these parameter and result types (the lifetimes of borrowed
                // arguments aside, which no type check sees), as bindgen's generated calls do.
                let typed = unsafe { TypedFunc::<($($ty,)*), ($($ret,)?)>::new_unchecked(self.0) };
                #[allow(unused_variables)]
                let result = typed.call(store, ($($arg,)*))?;
                Ok(signatures!(@first result $($ret)?))
            }
        }
    )*};
}

type ValueResult = Result<Value, Error>;

signatures! {
    /// `metadata.describe` with modules and hooks (0.3.0).
    Describe() -> ExtensionInfo;
    /// `metadata.describe` with table functions (0.2.0, the interim 0.1.0).
    DescribeWithoutModules() -> ExtensionInfoWithoutModules;
    /// `metadata.describe` of 0.1.0 as first published.
    DescribeWithoutTables() -> ExtensionInfoWithoutTables;
    /// `scalar-function.call`, and `dynamic-function.call` (0.4.0).
    CallList(id: u32, args: &[ValueParam<'_>]) -> ValueResult;
    /// `hooks.on-commit` (0.3.0).
    OnCommit() -> bool;
    /// `hooks.on-rollback`.
    OnRollback();
    /// `hooks.on-update`.
    OnUpdate(change: RowChange, database: &str, table: &str, rowid: i64);
    /// `scalar-by-arity.call0` .. `call4`.
    Call0(id: u32) -> ValueResult;
    Call1(id: u32, a: ValueParam<'_>) -> ValueResult;
    Call2(id: u32, a: ValueParam<'_>, b: ValueParam<'_>) -> ValueResult;
    Call3(id: u32, a: ValueParam<'_>, b: ValueParam<'_>, c: ValueParam<'_>) -> ValueResult;
    Call4(id: u32, a: ValueParam<'_>, b: ValueParam<'_>, c: ValueParam<'_>, d: ValueParam<'_>) -> ValueResult;
    /// `aggregate-function.step` and `inverse`.
    Step(id: u32, context: u64, args: &[ValueParam<'_>]) -> Result<(), Error>;
    /// `aggregate-function.value` and `finalize`.
    Current(id: u32, context: u64) -> ValueResult;
    /// `collation.compare`.
    Compare(id: u32, a: &str, b: &str) -> i32;
    /// `table-function.open`.
    Open(id: u32, args: &[ValueParam<'_>]) -> Result<u64, Error>;
    /// `table-function.next`.
    Next(cursor: u64, max_rows: u32) -> Result<Vec<Vec<Value>>, Error>;
    /// `table-function.close`.
    Close(cursor: u64);
    /// `virtual-table.create` and `connect`.
    VtabConnect(module: u32, args: &[String]) -> Result<DeclaredTable, Error>;
    VtabBestIndex(table: u64, info: IndexInfo<'_>) -> Result<IndexPlan, Error>;
    VtabOpen(table: u64) -> Result<u64, Error>;
    VtabFilter(cursor: u64, index_number: i32, index_string: Option<&str>, args: &[ValueParam<'_>], max_rows: u32) -> Result<Vec<RowResult>, Error>;
    VtabNext(cursor: u64, max_rows: u32) -> Result<Vec<RowResult>, Error>;
    VtabClose(cursor: u64);
    VtabUpdate(table: u64, change: Change<'_>) -> Result<i64, Error>;
    VtabTransaction(table: u64, event: TransactionEvent) -> Result<(), Error>;
    VtabRename(table: u64, new_name: &str) -> Result<(), Error>;
    /// `virtual-table.disconnect`.
    VtabDisconnect(table: u64);
    /// `virtual-table.destroy`.
    VtabDestroy(table: u64) -> Result<(), Error>;
}

/// Where a component's contract functions are, found by name at its version before it is
/// instantiated.
pub(crate) struct Indices {
    contract: Contract,
    describe: ComponentExportIndex,
    call: ComponentExportIndex,
    /// `call0` .. `call4`, each when exported: the interim 0.1.0 had `call0` only from its
    /// last change on.
    by_arity: [Option<ComponentExportIndex>; 5],
    /// `step`, `value`, `inverse`, `finalize`.
    aggregate: Option<[ComponentExportIndex; 4]>,
    compare: Option<ComponentExportIndex>,
    /// `open`, `next`, `close`.
    table: Option<[ComponentExportIndex; 3]>,
    /// The functions of `virtual-table`, in the order of `VIRTUAL_TABLE`.
    vtab: Option<[ComponentExportIndex; 12]>,
    /// `on-commit`, `on-rollback`, `on-update`.
    hooks: Option<[ComponentExportIndex; 3]>,
    /// `dynamic-function.call` (0.4.0).
    dynamic: Option<ComponentExportIndex>,
}

/// A component's contract functions in one instance, each checked against its signature.
#[derive(Clone, Copy)]
pub(crate) struct Funcs {
    describe: DescribeFunc,
    pub call: CallList,
    pub by_arity: ByArity,
    pub aggregate: Option<Aggregate>,
    pub compare: Option<Compare>,
    pub table: Option<Table>,
    pub vtab: Option<VirtualTable>,
    pub hooks: Option<HookFuncs>,
    /// The calls of the functions it defines at run time.
    pub dynamic: Option<CallList>,
}

#[derive(Clone, Copy)]
pub(crate) struct VirtualTable {
    pub create: VtabConnect,
    pub connect: VtabConnect,
    pub best_index: VtabBestIndex,
    pub open: VtabOpen,
    pub filter: VtabFilter,
    pub next: VtabNext,
    pub close: VtabClose,
    pub update: VtabUpdate,
    pub transaction: VtabTransaction,
    pub rename: VtabRename,
    pub disconnect: VtabDisconnect,
    pub destroy: VtabDestroy,
}

#[derive(Clone, Copy)]
pub(crate) struct HookFuncs {
    pub commit: OnCommit,
    pub rollback: OnRollback,
    pub update: OnUpdate,
}

#[derive(Clone, Copy)]
enum DescribeFunc {
    WithModules(Describe),
    WithTables(DescribeWithoutModules),
    WithoutTables(DescribeWithoutTables),
}

/// The flat scalar calls a component exports.
#[derive(Clone, Copy, Default)]
pub(crate) struct ByArity {
    pub call0: Option<Call0>,
    pub call1: Option<Call1>,
    pub call2: Option<Call2>,
    pub call3: Option<Call3>,
    pub call4: Option<Call4>,
}

#[derive(Clone, Copy)]
pub(crate) struct Aggregate {
    pub step: Step,
    pub value: Current,
    pub inverse: Step,
    pub finalize: Current,
}

#[derive(Clone, Copy)]
pub(crate) struct Table {
    pub open: Open,
    pub next: Next,
    pub close: Close,
}

/// The interfaces a host calls, and their functions, in the order `Indices` keeps them.
const SCALAR_BY_ARITY: [&str; 5] = ["call0", "call1", "call2", "call3", "call4"];
const AGGREGATE: [&str; 4] = ["step", "value", "inverse", "finalize"];
const TABLE: [&str; 3] = ["open", "next", "close"];
const VIRTUAL_TABLE: [&str; 12] =
    ["create", "connect", "best-index", "open", "filter", "next", "close", "update", "transaction", "rename", "disconnect", "destroy"];
const HOOKS: [&str; 3] = ["on-commit", "on-rollback", "on-update"];

impl Indices {
    /// Find the contract functions of `component`, built against `version` (which
    /// `sqlink_rules::contract::version` read from `exports`, its export names). An interface
    /// counts as exported when it has all its functions (`scalar-by-arity`: each on its own).
    pub fn find(component: &Component, version: &'static str, exports: &[String]) -> Result<Indices> {
        let interface = |name: &str| component.get_export_index(None, &*export_name(name, version));
        let function = |instance: &ComponentExportIndex, name: &str| component.get_export_index(Some(instance), name);
        let all = |name: &str, functions: &[&str]| -> Option<Vec<ComponentExportIndex>> {
            let instance = interface(name)?;
            functions.iter().map(|f| function(&instance, f)).collect()
        };
        let missing = |name: &str| anyhow!("not a sqlite extension: it does not export sqlite:extension/{name}");
        let metadata = interface("metadata").ok_or_else(|| missing("metadata"))?;
        let (item, describe) = component
            .get_export(Some(&metadata), "describe")
            .ok_or_else(|| anyhow!("its {} has no describe function", export_name("metadata", version)))?;
        // 0.1.0 has either of the first two shapes (as first published, and as changed in
        // place); 0.2.0 has table functions, and every later version modules and hooks too.
        let metadata = match (metadata_shape(&item), version) {
            (Some(MetadataShape::WithModules), "0.1.0" | "0.2.0") => None,
            (Some(MetadataShape::WithoutTableFunctions), "0.1.0") => Some(MetadataShape::WithoutTableFunctions),
            (Some(MetadataShape::WithoutTableFunctions), _) => None,
            (Some(MetadataShape::WithTableFunctions), "0.1.0" | "0.2.0") => Some(MetadataShape::WithTableFunctions),
            (Some(MetadataShape::WithTableFunctions), _) => None,
            (shape, _) => shape,
        }
        .ok_or_else(|| anyhow!("its {} describe() does not return the metadata of that version", export_name("metadata", version)))?;
        let exports = interfaces(exports.iter().map(String::as_str), version).into_iter().map(str::to_owned).collect();
        let contract = Contract { version, metadata, exports };
        let call = all("scalar-function", &["call"]).and_then(|found| found.first().copied()).ok_or_else(|| missing("scalar-function"))?;
        let by_arity = match interface("scalar-by-arity") {
            Some(instance) => SCALAR_BY_ARITY.map(|name| function(&instance, name)),
            None => [None; 5],
        };
        Ok(Indices {
            contract,
            describe,
            call,
            by_arity,
            aggregate: all("aggregate-function", &AGGREGATE).and_then(|found| found.try_into().ok()),
            compare: all("collation", &["compare"]).and_then(|found| found.first().copied()),
            table: all("table-function", &TABLE).and_then(|found| found.try_into().ok()),
            vtab: all("virtual-table", &VIRTUAL_TABLE).and_then(|found| found.try_into().ok()),
            hooks: all("hooks", &HOOKS).and_then(|found| found.try_into().ok()),
            dynamic: all("dynamic-function", &["call"]).and_then(|found| found.first().copied()),
        })
    }

    pub fn contract(&self) -> &Contract {
        &self.contract
    }

    /// Which kinds of callables it can serve: (aggregates, collations, table functions).
    pub fn serves(&self) -> (bool, bool, bool) {
        (self.aggregate.is_some(), self.compare.is_some(), self.table.is_some())
    }

    /// The functions in `instance`, each checked against its signature: a component whose
    /// functions have other types than its version's is refused here, naming the interface.
    pub fn load(&self, mut store: impl AsContextMut, instance: &Instance) -> Result<Funcs> {
        let version = self.contract.version;
        let mismatch = |interface: &'static str| {
            move |e: wasmtime::Error| anyhow!("its {} is not that of the contract: {e}", export_name(interface, version))
        };
        let describe = match self.contract.metadata {
            MetadataShape::WithModules => {
                DescribeFunc::WithModules(Describe::get(&mut store, instance, &self.describe).map_err(mismatch("metadata"))?)
            }
            MetadataShape::WithTableFunctions => {
                DescribeFunc::WithTables(DescribeWithoutModules::get(&mut store, instance, &self.describe).map_err(mismatch("metadata"))?)
            }
            MetadataShape::WithoutTableFunctions => {
                DescribeFunc::WithoutTables(DescribeWithoutTables::get(&mut store, instance, &self.describe).map_err(mismatch("metadata"))?)
            }
        };
        let call = CallList::get(&mut store, instance, &self.call).map_err(mismatch("scalar-function"))?;
        let [call0, call1, call2, call3, call4] = &self.by_arity;
        let flat = mismatch("scalar-by-arity");
        let by_arity = ByArity {
            call0: call0.as_ref().map(|i| Call0::get(&mut store, instance, i)).transpose().map_err(flat)?,
            call1: call1.as_ref().map(|i| Call1::get(&mut store, instance, i)).transpose().map_err(flat)?,
            call2: call2.as_ref().map(|i| Call2::get(&mut store, instance, i)).transpose().map_err(flat)?,
            call3: call3.as_ref().map(|i| Call3::get(&mut store, instance, i)).transpose().map_err(flat)?,
            call4: call4.as_ref().map(|i| Call4::get(&mut store, instance, i)).transpose().map_err(flat)?,
        };
        let aggregate = match &self.aggregate {
            Some([step, value, inverse, finalize]) => {
                let wrong = mismatch("aggregate-function");
                Some(Aggregate {
                    step: Step::get(&mut store, instance, step).map_err(wrong)?,
                    value: Current::get(&mut store, instance, value).map_err(wrong)?,
                    inverse: Step::get(&mut store, instance, inverse).map_err(wrong)?,
                    finalize: Current::get(&mut store, instance, finalize).map_err(wrong)?,
                })
            }
            None => None,
        };
        let compare = match &self.compare {
            Some(compare) => Some(Compare::get(&mut store, instance, compare).map_err(mismatch("collation"))?),
            None => None,
        };
        let table = match &self.table {
            Some([open, next, close]) => {
                let wrong = mismatch("table-function");
                Some(Table {
                    open: Open::get(&mut store, instance, open).map_err(wrong)?,
                    next: Next::get(&mut store, instance, next).map_err(wrong)?,
                    close: Close::get(&mut store, instance, close).map_err(wrong)?,
                })
            }
            None => None,
        };
        let vtab = match &self.vtab {
            Some([create, connect, best_index, open, filter, next, close, update, transaction, rename, disconnect, destroy]) => {
                let wrong = mismatch("virtual-table");
                Some(VirtualTable {
                    create: VtabConnect::get(&mut store, instance, create).map_err(wrong)?,
                    connect: VtabConnect::get(&mut store, instance, connect).map_err(wrong)?,
                    best_index: VtabBestIndex::get(&mut store, instance, best_index).map_err(wrong)?,
                    open: VtabOpen::get(&mut store, instance, open).map_err(wrong)?,
                    filter: VtabFilter::get(&mut store, instance, filter).map_err(wrong)?,
                    next: VtabNext::get(&mut store, instance, next).map_err(wrong)?,
                    close: VtabClose::get(&mut store, instance, close).map_err(wrong)?,
                    update: VtabUpdate::get(&mut store, instance, update).map_err(wrong)?,
                    transaction: VtabTransaction::get(&mut store, instance, transaction).map_err(wrong)?,
                    rename: VtabRename::get(&mut store, instance, rename).map_err(wrong)?,
                    disconnect: VtabDisconnect::get(&mut store, instance, disconnect).map_err(wrong)?,
                    destroy: VtabDestroy::get(&mut store, instance, destroy).map_err(wrong)?,
                })
            }
            None => None,
        };
        let hooks = match &self.hooks {
            Some([commit, rollback, update]) => {
                let wrong = mismatch("hooks");
                Some(HookFuncs {
                    commit: OnCommit::get(&mut store, instance, commit).map_err(wrong)?,
                    rollback: OnRollback::get(&mut store, instance, rollback).map_err(wrong)?,
                    update: OnUpdate::get(&mut store, instance, update).map_err(wrong)?,
                })
            }
            None => None,
        };
        let dynamic = match &self.dynamic {
            Some(call) => Some(CallList::get(&mut store, instance, call).map_err(mismatch("dynamic-function"))?),
            None => None,
        };
        Ok(Funcs { describe, call, by_arity, aggregate, compare, table, vtab, hooks, dynamic })
    }
}

impl Funcs {
    /// Call `describe`; its result in the newest version's shape.
    pub fn describe(&self, store: impl AsContextMut) -> wasmtime::Result<ExtensionInfo> {
        match self.describe {
            DescribeFunc::WithModules(describe) => describe.call(store),
            DescribeFunc::WithTables(describe) => describe.call(store).map(ExtensionInfo::from),
            DescribeFunc::WithoutTables(describe) => describe.call(store).map(ExtensionInfo::from),
        }
    }
}

/// The shape of the `extension-info` that the `describe` function `item` returns, read from
/// its type: a record without `table-functions`, with them, or with `modules` and `hooks` as
/// well. None for anything else, which no version of the contract returns.
fn metadata_shape(item: &ComponentItem) -> Option<MetadataShape> {
    let ComponentItem::ComponentFunc(describe) = item else { return None };
    let mut results = describe.results();
    let (Some(Type::Record(info)), None) = (results.next(), results.next()) else { return None };
    let fields: Vec<&str> = info.fields().map(|field| field.name).collect();
    match fields.as_slice() {
        ["name", "version", "scalars", "aggregates", "collations"] => Some(MetadataShape::WithoutTableFunctions),
        ["name", "version", "scalars", "aggregates", "collations", "table-functions"] => Some(MetadataShape::WithTableFunctions),
        ["name", "version", "scalars", "aggregates", "collations", "table-functions", "modules", "hooks"] => {
            Some(MetadataShape::WithModules)
        }
        _ => None,
    }
}
