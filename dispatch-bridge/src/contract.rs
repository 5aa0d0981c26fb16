//! The bridge's types and the contract's, converted in one place.
//!
//! Each host has the contract's types as generated bindings of its own (wasmtime's natively,
//! wit-bindgen's inside the runtime), distinct Rust types with the same names and shapes, so
//! the conversions are macros that a host expands over its bindings' modules:
//! [`extension_calls!`](crate::extension_calls) where a host calls into the contract with the
//! bridge's values (embed and the runtime's `Extension`, sqlite-lib's `dispatch` import), and
//! [`host_calls!`](crate::host_calls) where calls arrive in the contract's owned types and go
//! on in the bridge's (the `sqlink` binary's `dispatch` host).
//!
//! One vocabulary on both sides: a `ValueParam` is a borrowed argument (the bridge's
//! [`ValueParam`](crate::ValueParam) borrows SQLite's memory, the contract's is what an
//! extension is lent), a `Value` an owned one (the bridge's [`Value`](crate::Value); the
//! contract's `ValueResult`, which the hosts' bindings name `Value`).

/// Conversions for calls from the bridge's types into a contract binding. `values`: the
/// module of `sqlite:extension/types`; `records`: the module with the virtual-table records
/// (`IndexInfo`, `IndexPlan`, `Change`, `RowResult`, `TransactionEvent`, ...) in their
/// borrowing shapes; `info`: the `extension-info` type.
#[macro_export]
macro_rules! extension_calls {
    ($vis:vis values: $($v:ident)::+; records: $($r:ident)::+; info: $($i:ident)::+;) => {
        /// An argument as the contract takes it: lent, not copied.
        $vis fn param<'a>(value: &'a $crate::ValueParam<'_>) -> $($v)::+::ValueParam<'a> {
            use $($v)::+::ValueParam;
            match value {
                $crate::ValueParam::Null => ValueParam::Null,
                $crate::ValueParam::Integer(i) => ValueParam::Integer(*i),
                $crate::ValueParam::Real(r) => ValueParam::Real(*r),
                $crate::ValueParam::Text(t) => ValueParam::Text(t),
                $crate::ValueParam::Blob(b) => ValueParam::Blob(b),
            }
        }

        /// The arguments of a call that takes them as a list.
        $vis fn params<'a>(args: &'a [$crate::ValueParam<'_>]) -> Vec<$($v)::+::ValueParam<'a>> {
            args.iter().map(param).collect()
        }

        /// An owned value lent to the contract (a planning-time value).
        $vis fn value_param(value: &$crate::Value) -> $($v)::+::ValueParam<'_> {
            use $($v)::+::ValueParam;
            match value {
                $crate::Value::Null => ValueParam::Null,
                $crate::Value::Integer(i) => ValueParam::Integer(*i),
                $crate::Value::Real(r) => ValueParam::Real(*r),
                $crate::Value::Text(t) => ValueParam::Text(t),
                $crate::Value::Blob(b) => ValueParam::Blob(b),
            }
        }

        /// A bridge value moved into the contract's owned value (an extension's SQL: a
        /// parameter on its way, a row on its way back).
        $vis fn owned(value: $crate::Value) -> $($v)::+::ValueResult {
            use $($v)::+::ValueResult;
            match value {
                $crate::Value::Null => ValueResult::Null,
                $crate::Value::Integer(i) => ValueResult::Integer(i),
                $crate::Value::Real(r) => ValueResult::Real(r),
                $crate::Value::Text(t) => ValueResult::Text(t),
                $crate::Value::Blob(b) => ValueResult::Blob(b),
            }
        }

        /// A result as the bridge takes it (moved, not copied).
        $vis fn result(value: $($v)::+::ValueResult) -> $crate::Value {
            use $($v)::+::ValueResult;
            match value {
                ValueResult::Null => $crate::Value::Null,
                ValueResult::Integer(i) => $crate::Value::Integer(i),
                ValueResult::Real(r) => $crate::Value::Real(r),
                ValueResult::Text(t) => $crate::Value::Text(t),
                ValueResult::Blob(b) => $crate::Value::Blob(b),
            }
        }

        $vis fn sql_error(error: $($v)::+::Error) -> $crate::SqlError {
            $crate::SqlError { code: error.code, message: error.message }
        }

        /// A bridge error as the contract's (an extension's SQL failed).
        $vis fn contract_error(error: $crate::SqlError) -> $($v)::+::Error {
            $($v)::+::Error { code: error.code, message: error.message }
        }

        /// A function's flags as the bridge takes them (set bits by `&` and `==`, which both
        /// generators' flags have).
        $vis fn flags(f: $($v)::+::FunctionFlags) -> $crate::FunctionFlags {
            use $($v)::+::FunctionFlags;
            $crate::FunctionFlags::from_bools(
                (f & FunctionFlags::DETERMINISTIC) == FunctionFlags::DETERMINISTIC,
                (f & FunctionFlags::DIRECT_ONLY) == FunctionFlags::DIRECT_ONLY,
                (f & FunctionFlags::INNOCUOUS) == FunctionFlags::INNOCUOUS,
            )
        }

        /// What an extension's metadata declares, as the bridge registers it.
        $vis fn declarations(info: &$($i)::+) -> $crate::Declarations {
            use $crate::Declaration;
            use $($v)::+::HookKinds;
            let hooks = |kind: HookKinds| (info.hooks & kind) == kind;
            let scalars = info.scalars.iter().map(|f| Declaration::Scalar { name: f.name.clone(), arity: f.arity, flags: flags(f.flags), id: f.id });
            let aggregates = info.aggregates.iter().map(|f| Declaration::Aggregate {
                name: f.name.clone(),
                arity: f.arity,
                flags: flags(f.flags),
                id: f.id,
                window: f.window,
            });
            let collations = info.collations.iter().map(|c| Declaration::Collation { name: c.name.clone(), id: c.id });
            let tables = info.table_functions.iter().map(|t| Declaration::Table {
                name: t.name.clone(),
                id: t.id,
                columns: t.columns.clone(),
                parameters: t.parameters.clone(),
            });
            let modules = info.modules.iter().map(|m| Declaration::Module {
                name: m.name.clone(),
                id: m.id,
                shape: $crate::ModuleShape { writable: m.writable, transactions: m.transactions, shadow_names: m.shadow_names.clone() },
            });
            $crate::Declarations {
                items: scalars.chain(aggregates).chain(collations).chain(tables).chain(modules).collect(),
                hooks: $crate::HookKinds {
                    commit: hooks(HookKinds::COMMIT),
                    rollback: hooks(HookKinds::ROLLBACK),
                    update: hooks(HookKinds::UPDATE),
                },
            }
        }

        /// What SQLite's planner asks, lent to `call` in the contract's shape.
        $vis fn with_index_info<R>(info: &$crate::IndexInfo, call: impl FnOnce($($r)::+::IndexInfo<'_>) -> R) -> R {
            use $($r)::+::{IndexConstraint, IndexInfo, IndexOrderBy};
            let constraints: Vec<IndexConstraint<'_>> = info
                .constraints
                .iter()
                .map(|c| IndexConstraint { column: c.column, op: c.op, usable: c.usable, rhs: c.rhs.as_ref().map(value_param) })
                .collect();
            let order_by: Vec<IndexOrderBy> = info.order_by.iter().map(|o| IndexOrderBy { column: o.column, desc: o.desc }).collect();
            call(IndexInfo { constraints: &constraints, order_by: &order_by, columns_used: info.columns_used })
        }

        $vis fn index_plan(plan: $($r)::+::IndexPlan) -> $crate::IndexPlan {
            $crate::copy_plan!(plan => $crate::IndexPlan, $crate::ConstraintUsage)
        }

        /// A virtual table's page of rows, as the bridge takes it.
        $vis fn rows(page: Vec<$($r)::+::RowResult>) -> Vec<$crate::Row> {
            page.into_iter().map(|row| $crate::Row { rowid: row.rowid, columns: row.columns.into_iter().map(result).collect() }).collect()
        }

        /// One write, lent to `call` in the contract's shape.
        $vis fn with_change<R>(change: &$crate::Change<'_>, call: impl FnOnce($($r)::+::Change<'_>) -> R) -> R {
            use $($r)::+::{Change, NewRow, RowParam, UpdatedRow};
            match change {
                $crate::Change::Delete(rowid) => call(Change::Delete(*rowid)),
                $crate::Change::Insert { rowid, columns } => {
                    let columns = params(columns);
                    call(Change::Insert(NewRow { rowid: *rowid, columns: &columns }))
                }
                $crate::Change::Update { old_rowid, rowid, columns } => {
                    let columns = params(columns);
                    call(Change::Update(UpdatedRow { old_rowid: *old_rowid, row: RowParam { rowid: *rowid, columns: &columns } }))
                }
            }
        }

        $vis fn transaction_event(event: $crate::TransactionEvent) -> $($r)::+::TransactionEvent {
            $crate::copy_transaction_event!(event, $crate::TransactionEvent => $($r)::+::TransactionEvent)
        }
    };
}

/// Conversions for calls that arrive in a contract binding's owned types (lifted by the
/// host) and go on in the bridge's. `values`, `records`: as for
/// [`extension_calls!`](crate::extension_calls), the records in their owned shapes.
#[macro_export]
macro_rules! host_calls {
    ($vis:vis values: $($v:ident)::+; records: $($r:ident)::+;) => {
        /// A lifted argument, lent as the bridge's.
        $vis fn value_ref(value: &$($v)::+::ValueResult) -> $crate::ValueParam<'_> {
            use $($v)::+::ValueResult;
            match value {
                ValueResult::Null => $crate::ValueParam::Null,
                ValueResult::Integer(i) => $crate::ValueParam::Integer(*i),
                ValueResult::Real(r) => $crate::ValueParam::Real(*r),
                ValueResult::Text(t) => $crate::ValueParam::Text(::std::borrow::Cow::Borrowed(t)),
                ValueResult::Blob(b) => $crate::ValueParam::Blob(b),
            }
        }

        $vis fn index_info(info: &$($r)::+::IndexInfo) -> $crate::IndexInfo {
            $crate::IndexInfo {
                constraints: info
                    .constraints
                    .iter()
                    .map(|c| $crate::IndexConstraint {
                        column: c.column,
                        op: c.op,
                        usable: c.usable,
                        rhs: c.rhs.as_ref().map(|rhs| $crate::Value::from(&value_ref(rhs))),
                    })
                    .collect(),
                order_by: info.order_by.iter().map(|o| $crate::IndexOrderBy { column: o.column, desc: o.desc }).collect(),
                columns_used: info.columns_used,
            }
        }

        $vis fn index_plan(plan: $crate::IndexPlan) -> $($r)::+::IndexPlan {
            $crate::copy_plan!(plan => $($r)::+::IndexPlan, $($r)::+::ConstraintUsage)
        }

        /// One write, its values lent as the bridge's.
        $vis fn change(change: &$($r)::+::Change) -> $crate::Change<'_> {
            use $($r)::+::Change;
            match change {
                Change::Delete(rowid) => $crate::Change::Delete(*rowid),
                Change::Insert(new) => $crate::Change::Insert { rowid: new.rowid, columns: new.columns.iter().map(value_ref).collect() },
                Change::Update(updated) => $crate::Change::Update {
                    old_rowid: updated.old_rowid,
                    rowid: updated.row.rowid,
                    columns: updated.row.columns.iter().map(value_ref).collect(),
                },
            }
        }

        $vis fn transaction_event(event: $($r)::+::TransactionEvent) -> $crate::TransactionEvent {
            $crate::copy_transaction_event!(event, $($r)::+::TransactionEvent => $crate::TransactionEvent)
        }
    };
}

/// A virtual-table write's conflict mode as a binding of the contract's
/// `connection.conflict-mode` has it (the host's `connection` import, sqlite-lib's
/// `extension-sql` export).
#[macro_export]
macro_rules! conflict_mode {
    ($mode:expr => $to:path) => {{
        type Target = $to;
        match $mode {
            $crate::ConflictMode::Rollback => Target::Rollback,
            $crate::ConflictMode::Abort => Target::Abort,
            $crate::ConflictMode::Fail => Target::Fail,
            $crate::ConflictMode::Ignore => Target::Ignore,
            $crate::ConflictMode::Replace => Target::Replace,
        }
    }};
}
