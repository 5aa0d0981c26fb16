//! Host-side bindings of the `sqlink:wasm/host` world: the runtime's imports
//! (`spi-loader`, `dispatch`, `file-locks`) and the extension exports share one `Value` type, so a
//! call's arguments pass from the runtime to an extension without conversion.

wasmtime::component::bindgen!({
    path: ["../wit/extension", "../wit/runtime"],
    world: "sqlink:wasm/host",
    additional_derives: [PartialEq],
    with: { "sqlink:wasm/file-locks.file-lock": crate::locks::DbLock },
});

pub use exports::sqlite::extension::{aggregate_function, collation, metadata, scalar_by_arity, scalar_function, table_function};
pub use sqlink::wasm::{dispatch, file_locks, interrupt, spi_loader};
pub use sqlite::extension::types::{Error, ExtensionInfo, FunctionFlags, TableFunctionInfo, Value};
