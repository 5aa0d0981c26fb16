//! The VFS SQLite uses on WASI.
//!
//! `libsqlite3-sys` supplies a small POSIX VFS for wasm32-wasi (no file locking: one
//! process owns the database, as in any single-user REPL). It has no randomness and
//! whole-second time, so `random()` would repeat across runs and `datetime('now')`
//! would be coarse. This wraps it with WASI's random source and wall clock.

use std::ffi::{c_char, c_int, CStr};
use std::sync::Once;

use libsqlite3_sys as ffi;

static NAME: &CStr = c"sqlink-wasi";

unsafe extern "C" fn randomness(_: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    let Ok(len) = usize::try_from(n) else { return 0 };
    if out.is_null() || len == 0 {
        return 0;
    }
    let buf = unsafe { std::slice::from_raw_parts_mut(out.cast::<u8>(), len) };
    match getrandom::fill(buf) {
        Ok(()) => n,
        Err(_) => 0,
    }
}

unsafe extern "C" fn current_time(_: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    // Julian day number, as SQLite wants it.
    unsafe { *out = now / 86400.0 + 2440587.5 };
    ffi::SQLITE_OK
}

/// Register the wrapped VFS as the default, once.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| unsafe {
        ffi::sqlite3_initialize();
        let base = ffi::sqlite3_vfs_find(std::ptr::null());
        if base.is_null() {
            return;
        }
        let mut vfs = *base;
        vfs.zName = NAME.as_ptr();
        vfs.pNext = std::ptr::null_mut();
        vfs.xRandomness = Some(randomness);
        vfs.xCurrentTime = Some(current_time);
        // SQLite keeps the pointer for the life of the process.
        ffi::sqlite3_vfs_register(Box::leak(Box::new(vfs)), 1);
    });
}
