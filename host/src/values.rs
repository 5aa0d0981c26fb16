//! Value adapters: the host's values and SQLite's borrowed ones as an extension's export
//! takes its arguments.

use sqlink_dispatch_bridge::Value as BridgeValue;

use crate::bindings::{Value, ValueParam};

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

impl AsParam for sqlink_dispatch_bridge::ValueRef<'_> {
    fn param(&self) -> ValueParam<'_> {
        use sqlink_dispatch_bridge::ValueRef;
        match self {
            ValueRef::Null => ValueParam::Null,
            ValueRef::Integer(i) => ValueParam::Integer(*i),
            ValueRef::Real(r) => ValueParam::Real(*r),
            ValueRef::Text(t) => ValueParam::Text(t),
            ValueRef::Blob(b) => ValueParam::Blob(b),
        }
    }
}

/// The arguments of a call that passes them as a list.
pub(crate) fn params<A: AsParam>(args: &[A]) -> Vec<ValueParam<'_>> {
    args.iter().map(AsParam::param).collect()
}

/// A value of the bridge (a planning-time value, a row of an extension's SQL) as the host's
/// bindings carry it.
pub fn wit_value(value: &BridgeValue) -> Value {
    match value {
        BridgeValue::Null => Value::Null,
        BridgeValue::Integer(i) => Value::Integer(*i),
        BridgeValue::Real(r) => Value::Real(*r),
        BridgeValue::Text(t) => Value::Text(t.clone()),
        BridgeValue::Blob(b) => Value::Blob(b.clone()),
    }
}

/// A value of the host's bindings (a call's result, an extension's SQL parameter) as the
/// bridge takes it.
pub fn bridge_value(value: Value) -> BridgeValue {
    match value {
        Value::Null => BridgeValue::Null,
        Value::Integer(i) => BridgeValue::Integer(i),
        Value::Real(r) => BridgeValue::Real(r),
        Value::Text(t) => BridgeValue::Text(t),
        Value::Blob(b) => BridgeValue::Blob(b),
    }
}
