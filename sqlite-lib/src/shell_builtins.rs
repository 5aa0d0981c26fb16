//! The functions the sqlite3 shell builds into itself (`generate_series`, `sha3()`,
//! `decimal_add()`, the `uint` collation, ...), compiled from SQLite's sources by
//! `build.rs`, installed on every connection this SQLite opens.
//!
//! Installed as an auto-extension, so they are on every connection before anything can
//! register: the dispatch bridge's list of SQLite's own names (read on a connection of its
//! own) includes them, and an extension naming them is refused or kept as with `upper()`.

use std::ffi::{c_char, c_int};
use std::sync::Once;

use libsqlite3_sys as ffi;

unsafe extern "C" {
    /// Defined by `build.rs` (shell_builtins.c): calls each built-in's init function.
    fn sqlink_shell_builtins(db: *mut ffi::sqlite3, error: *mut *mut c_char, api: *const ffi::sqlite3_api_routines) -> c_int;
    /// SQLite's append VFS (appendvfs.c, compiled by `build.rs`): registers `apndvfs` over
    /// the default VFS. Takes no connection.
    fn sqlite3_appendvfs_init(db: *mut ffi::sqlite3, error: *mut *mut c_char, api: *const ffi::sqlite3_api_routines) -> c_int;
}

/// Have every connection opened from now on carry the shell's built-ins, and register the
/// append VFS. Call before the first connection is opened (a connection opened earlier
/// lacks them).
pub fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        // SAFETY: registering a function pointer that lives as long as the program.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(sqlink_shell_builtins)) };
        // Fails only when SQLite cannot allocate its list; the runtime still works without.
        debug_assert_eq!(rc, ffi::SQLITE_OK);
        // SAFETY: called once, with no connection (the init ignores it); it finds the default
        // VFS (ours, registered by sqlite3_os_init) and registers a shim over it. Without it
        // only the append options fail, naming the missing VFS.
        unsafe { sqlite3_appendvfs_init(std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null()) };
    });
}
