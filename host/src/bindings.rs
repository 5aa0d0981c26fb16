//! Host-side bindings of the `sqlink:wasm/host` world: the runtime's imports
//! (`spi-loader`, `dispatch`, `file-locks`) and the types of the newest `sqlite:extension`.
//! An extension's export takes its arguments borrowed (`ValueParam`), so a call's text and
//! blobs are lowered into the extension from where the host holds them: the runtime's lifted
//! `Value`s, or SQLite's own memory in `embed` (see `extension::AsParam`). The extensions'
//! functions are not called through the generated export bindings, which name one version:
//! `contract` finds them at whichever version a component was built against.

wasmtime::component::bindgen!({
    path: ["../wit/extension/0.5.0", "../wit/runtime"],
    world: "sqlink:wasm/host",
    additional_derives: [PartialEq],
    ownership: Borrowing { duplicate_if_necessary: true },
    with: {
        "sqlink:wasm/file-locks.file-lock": crate::locks::DbLock,
        "sqlink:wasm/shared-memory.wal-index": crate::shm::WalIndex,
    },
});

pub use sqlink::wasm::{cpu_time, dispatch, file_locks, interrupt, process, shared_memory, spi_loader};
pub use sqlite::extension::types::{Error, ExtensionInfo, FunctionFlags, TableFunctionInfo, ValueParam, ValueResult as Value};
