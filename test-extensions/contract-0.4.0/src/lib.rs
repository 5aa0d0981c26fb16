//! The fixture of `sqlite:extension@0.4.0` (`wit/extension/0.4.0`): a Rust extension written
//! with wit-bindgen against the frozen WIT, using what 0.4.0 added: it defines functions at
//! run time (`connection.create-function`), whose calls come to its `dynamic-function`
//! export. Every host loads it beside the fixtures of other versions and the SDK's extensions
//! of newer ones (repl/tests/contract_versions.rs, the Python and browser tests).
//!
//! `v040_define(name, factor)`: defines `name(x)`, `x` times `factor` (an integer from 0 to
//! 2^32 - 1, kept as the function's id, so the fixture keeps no state); answers `name`.

#[allow(unsafe_code)]
mod bindings {
    // The frozen WIT has no world of just these: the smallest one that imports `connection`
    // also exports every other interface.
    wit_bindgen::generate!({
        path: "../../wit/extension/0.4.0",
        inline: "
            package sqlink:contract-fixture;
            world dynamic {
                import sqlite:extension/connection@0.4.0;
                export sqlite:extension/metadata@0.4.0;
                export sqlite:extension/scalar-function@0.4.0;
                export sqlite:extension/dynamic-function@0.4.0;
            }
        ",
        world: "sqlink:contract-fixture/dynamic",
        generate_all,
    });
}

use bindings::exports::sqlite::extension::{dynamic_function, metadata, scalar_function};
use bindings::sqlite::extension::connection;
use bindings::sqlite::extension::types::{Error, ExtensionInfo, FunctionFlags, HookKinds, ScalarInfo, Value};

/// SQLite's SQLITE_MISMATCH, for arguments of the wrong type.
const MISMATCH: i32 = 20;

struct Fixture;

impl metadata::Guest for Fixture {
    fn describe() -> ExtensionInfo {
        ExtensionInfo {
            name: "rust040".into(),
            version: "0.4.0".into(),
            scalars: vec![ScalarInfo {
                id: 0,
                name: "v040_define".into(),
                arity: 2,
                // It changes the connection: neither deterministic nor innocuous.
                flags: FunctionFlags::empty(),
                doc: "Defines name(x), x times factor; answers name.".into(),
            }],
            aggregates: Vec::new(),
            collations: Vec::new(),
            table_functions: Vec::new(),
            modules: Vec::new(),
            hooks: HookKinds::empty(),
        }
    }
}

fn mismatch(message: &str) -> Error {
    Error { code: MISMATCH, message: message.into() }
}

impl scalar_function::Guest for Fixture {
    fn call(_id: u32, args: Vec<Value>) -> Result<Value, Error> {
        let (Some(Value::Text(name)), Some(Value::Integer(factor))) = (args.first(), args.get(1)) else {
            return Err(mismatch("v040_define(name, factor) takes a text and an integer"));
        };
        let id = u32::try_from(*factor).map_err(|_| mismatch("v040_define: the factor is from 0 to 4294967295"))?;
        connection::create_function(name, 1, FunctionFlags::DETERMINISTIC, id)?;
        Ok(Value::Text(name.clone()))
    }
}

impl dynamic_function::Guest for Fixture {
    fn call(id: u32, args: Vec<Value>) -> Result<Value, Error> {
        match args.first() {
            Some(Value::Integer(x)) => Ok(Value::Integer(x.wrapping_mul(i64::from(id)))),
            Some(Value::Null) => Ok(Value::Null),
            _ => Err(mismatch("a function v040_define defined takes an integer")),
        }
    }
}

bindings::export!(Fixture with_types_in bindings);
