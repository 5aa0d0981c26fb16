//! The native sqlink host.
//!
//! - [`extension`]: load an extension component, read its metadata, call its functions in
//!   a sandbox (one instance per extension, reused for every row).
//! - [`runtime`]: run the composed runtime (REPL + SQLite in wasm) and serve its
//!   `spi-loader` and `dispatch` imports.
//! - [`locks`]: SQLite's file locks for the runtime's database files, as native SQLite
//!   takes them.
//! - [`contract`]: the `sqlite:extension` versions, each called as it was released.
//! - [`cache`]: compiled components cached on disk, so a second start is fast.
//! - [`compose`]: the runtime and extensions composed into one component (`sqlink compose`).
//! - [`embed`]: extensions in a native SQLite through rusqlite, for Rust applications.

pub mod bindings;
pub mod cache;
pub mod compose;
pub mod conflicts;
pub mod connection;
pub mod contract;
pub mod embed;
pub mod extension;
pub mod inspect;
pub mod loader;
pub mod locks;
pub mod runtime;
pub mod sandbox;
pub mod scaffold;
pub mod shm;

/// The components built into this binary by `cargo xtask build`.
pub mod embedded {
    /// One extension built into this binary (extensions/bundled.txt).
    pub struct Bundled {
        pub name: &'static str,
        /// `None` when the binary was built before `cargo xtask build` made the component.
        pub bytes: Option<&'static [u8]>,
        /// Granted the clock without `--allow-clock` (uuid7() and time_now() read the
        /// time; these extensions are part of sqlink itself).
        pub grants_clock: bool,
    }

    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

    fn bundled(name: &str) -> Option<&'static Bundled> {
        BUNDLED.iter().find(|bundled| bundled.name == name)
    }

    /// The bundled extension `name`'s component, loadable by name.
    pub fn extension(name: &str) -> Option<&'static [u8]> {
        bundled(name)?.bytes
    }

    /// The bundled extensions' names, in the list's order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        BUNDLED.iter().map(|bundled| bundled.name)
    }

    /// Whether bundled extension `name` comes with the clock.
    pub fn grants_clock(name: &str) -> bool {
        bundled(name).is_some_and(|bundled| bundled.grants_clock)
    }

    /// The default sandbox with the grants bundled extension `name` comes with.
    pub fn sandbox(name: &str) -> crate::extension::Sandbox {
        crate::extension::Sandbox { allow_clock: grants_clock(name), ..Default::default() }
    }
}
pub mod terminal;
