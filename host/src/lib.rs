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
//! - [`embed`]: extensions in a native SQLite through rusqlite, for Rust applications.

pub mod bindings;
pub mod cache;
pub mod conflicts;
pub mod contract;
pub mod embed;
pub mod extension;
pub mod inspect;
pub mod loader;
pub mod locks;
pub mod runtime;
pub mod sandbox;
pub mod scaffold;

/// The components built into this binary by `cargo xtask build`.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

    /// The bundled example extensions, loadable by name.
    pub fn extension(name: &str) -> Option<&'static [u8]> {
        match name {
            "uuid" => UUID,
            "md5" => MD5,
            "snake" => SNAKE,
            "stats" => STATS,
            "regexp" => REGEXP,
            _ => None,
        }
    }

    pub const EXTENSION_NAMES: &[&str] = &["uuid", "md5", "snake", "stats", "regexp"];

    /// Bundled extensions granted the clock without `--allow-clock`: uuid7() embeds the
    /// time, and these extensions are part of sqlink itself.
    pub const GRANTED_CLOCK: &[&str] = &["uuid"];

    /// The default sandbox with the grants bundled extension `name` comes with.
    pub fn sandbox(name: &str) -> crate::extension::Sandbox {
        crate::extension::Sandbox { allow_clock: GRANTED_CLOCK.contains(&name), ..Default::default() }
    }
}
pub mod terminal;
