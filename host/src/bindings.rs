//! Host-side bindings of the `sqlink:wasm/host` world: the runtime's imports
//! (`spi-loader`, `dispatch`, `file-locks`) and the extension exports. An export takes its
//! arguments borrowed (`ValueParam`), so a call's text and blobs are lowered into the
//! extension from where the host holds them: the runtime's lifted `Value`s, or SQLite's own
//! memory in `embed` (see `extension::AsParam`).

wasmtime::component::bindgen!({
    path: ["../wit/extension", "../wit/runtime"],
    world: "sqlink:wasm/host",
    additional_derives: [PartialEq],
    ownership: Borrowing { duplicate_if_necessary: true },
    with: { "sqlink:wasm/file-locks.file-lock": crate::locks::DbLock },
});

pub use exports::sqlite::extension::{aggregate_function, collation, metadata, scalar_by_arity, scalar_function, table_function};
pub use sqlink::wasm::{dispatch, file_locks, interrupt, spi_loader};
pub use sqlite::extension::types::{Error, ExtensionInfo, FunctionFlags, TableFunctionInfo, ValueParam, ValueResult as Value};
