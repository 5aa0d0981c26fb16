//! The fixture of `sqlite:extension@0.3.0` (`wit/extension/0.3.0`): a Rust extension written
//! with wit-bindgen against the frozen WIT, exporting the smallest world of that version
//! (`scalar-extension`), whose `extension-info` has modules and hooks. Every host loads it
//! beside the fixtures of older versions and the SDK's extensions of newer ones
//! (repl/tests/contract_versions.rs, the Python and browser tests).
//!
//! `v030_concat(a, b, ...)`: its arguments' texts joined with `-`, NULL for none.

#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/extension/0.3.0",
        world: "sqlite:extension/scalar-extension@0.3.0",
    });
}

use bindings::exports::sqlite::extension::{metadata, scalar_function};
use bindings::sqlite::extension::types::{Error, ExtensionInfo, FunctionFlags, HookKinds, ScalarInfo, Value};

struct Fixture;

impl metadata::Guest for Fixture {
    fn describe() -> ExtensionInfo {
        ExtensionInfo {
            name: "rust030".into(),
            version: "0.3.0".into(),
            scalars: vec![ScalarInfo {
                id: 0,
                name: "v030_concat".into(),
                arity: -1,
                flags: FunctionFlags::DETERMINISTIC,
                doc: "Its arguments' texts joined with '-'.".into(),
            }],
            aggregates: Vec::new(),
            collations: Vec::new(),
            table_functions: Vec::new(),
            modules: Vec::new(),
            hooks: HookKinds::empty(),
        }
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

impl scalar_function::Guest for Fixture {
    fn call(_id: u32, args: Vec<Value>) -> Result<Value, Error> {
        if args.is_empty() {
            return Ok(Value::Null);
        }
        Ok(Value::Text(args.iter().map(text).collect::<Vec<_>>().join("-")))
    }
}

bindings::export!(Fixture with_types_in bindings);
