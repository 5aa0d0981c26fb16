//! Values and the virtual-table records between the dispatch bridge's types and the
//! contract's, as this crate's bindings have them (written once, in
//! `sqlink_dispatch_bridge::contract`), and how arguments are lent to an export.

use crate::bindings::{Value, ValueParam};

// Calls into an extension's exports, from the bridge's types (embed).
sqlink_dispatch_bridge::extension_calls! {
    pub values: crate::bindings::sqlite::extension::types;
    records: crate::bindings::exports::sqlite::extension::virtual_table;
    info: crate::bindings::ExtensionInfo;
}

/// Calls that arrive through the runtime's `dispatch` import, into the bridge's types (the
/// `sqlink` binary's host).
pub mod dispatch {
    sqlink_dispatch_bridge::host_calls! {
        pub values: crate::bindings::sqlite::extension::types;
        records: crate::bindings::dispatch;
    }
}

/// An argument as an extension's export takes it: borrowed, so that text and blobs are
/// lowered into the extension straight from where the host holds them (SQLite's own memory
/// natively, the runtime's lifted values otherwise), without a copy of their own.
pub trait AsParam {
    fn param(&self) -> ValueParam<'_>;
}

impl AsParam for Value {
    fn param(&self) -> ValueParam<'_> {
        match self {
            Value::Null => ValueParam::Null,
            Value::Integer(i) => ValueParam::Integer(*i),
            Value::Real(r) => ValueParam::Real(*r),
            Value::Text(t) => ValueParam::Text(t),
            Value::Blob(b) => ValueParam::Blob(b),
        }
    }
}

impl AsParam for sqlink_dispatch_bridge::ValueParam<'_> {
    fn param(&self) -> ValueParam<'_> {
        param(self)
    }
}

/// The arguments of a call that passes them as a list.
pub(crate) fn as_params<A: AsParam>(args: &[A]) -> Vec<ValueParam<'_>> {
    args.iter().map(AsParam::param).collect()
}
