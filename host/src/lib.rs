//! The sqlink engine library: what every native host links (the `sqlink` binary in
//! `repl/`, libsqlink in `loadable/`, Rust programs).
//!
//! - [`extension`]: load an extension component, read its metadata, call its functions in
//!   a sandbox (one instance per extension, reused for every row); beside it `engine` (the
//!   shared engines and the epoch ticker), `trap` (why a call failed), `values` (how
//!   arguments are lent to an export) and `declarations` (metadata as the rules take it).
//! - [`sandbox`]: what an extension may use, and [`sandbox::SandboxOption`], the one rule
//!   for the options each host's user gives.
//! - [`bindings`]: the host side of the composed runtime's imports, which the `sqlink`
//!   binary serves.
//! - [`locks`]: SQLite's file locks for the runtime's database files, as native SQLite
//!   takes them.
//! - [`contract`]: the `sqlite:extension` versions, each called as it was released.
//! - [`cache`]: compiled components cached on disk, so a second start is fast.
//! - [`embed`]: extensions in a native SQLite through rusqlite, for Rust applications.

pub mod bindings;
pub mod cache;
pub mod conflicts;
pub mod connection;
pub mod contract;
mod declarations;
pub mod embed;
mod engine;
pub mod extension;
pub mod inspect;
pub mod loader;
pub mod locks;
pub mod sandbox;
pub mod shm;
mod trap;
pub mod values;

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
