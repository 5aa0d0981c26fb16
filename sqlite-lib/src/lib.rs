//! SQLite (the amalgamation bundled by `libsqlite3-sys`) as a wasm32-wasip2 component.
//!
//! Exports `sqlink:wasm/spi` (connections, statements, typed rows a page at a time) and
//! `sqlink:wasm/dispatch-bridge` (install extension functions whose calls go out through
//! the imported `sqlink:wasm/dispatch`), and `sqlink:wasm/extension-sql` (SQL an extension
//! runs on its calling connection, for the page).

// zlib's C library, linked for sqlar.c and zipfile.c (compiled by build.rs), which call it.
#[cfg(target_arch = "wasm32")]
use libz_sys as _;

mod bridge;
mod extension_sql;
mod requests;
mod shell_builtins;
mod spi;
mod vfs;

mod bindings {
    wit_bindgen::generate!({
        path: ["../wit/extension/0.5.0", "../wit/runtime"],
        world: "sqlink:wasm/sqlite-lib",
        // Import arguments borrow SQLite's own buffers: no copy per call.
        ownership: Borrowing { duplicate_if_necessary: true },
        generate_all,
    });
}

struct SqliteLib;

bindings::export!(SqliteLib with_types_in bindings);
