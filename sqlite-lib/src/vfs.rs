//! The VFS SQLite uses on WASI.
//!
//! `libsqlite3-sys` supplies a small POSIX VFS for wasm32-wasi (no file locking: one
//! process owns the database, as in any single-user REPL). It has no randomness and
//! whole-second time, so `random()` would repeat across runs and `datetime('now')`
//! would be coarse. This wraps it with WASI's random source and wall clock.
//!
//! Its files also answer every xFileControl verb with SQLITE_OK, which tells SQLite the
//! VFS handled `PRAGMA` itself (SQLITE_FCNTL_PRAGMA), so every pragma on a file database
//! silently returned nothing. The wrapper's files answer SQLITE_NOTFOUND instead.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::{Once, OnceLock};

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

/// The base VFS's `xOpen`, and the base file methods with our `xFileControl`.
static BASE_OPEN: OnceLock<OpenFn> = OnceLock::new();
static FILE_METHODS: OnceLock<ffi::sqlite3_io_methods> = OnceLock::new();

type OpenFn =
    unsafe extern "C" fn(*mut ffi::sqlite3_vfs, ffi::sqlite3_filename, *mut ffi::sqlite3_file, c_int, *mut c_int) -> c_int;

unsafe extern "C" fn file_control(_: *mut ffi::sqlite3_file, _op: c_int, _arg: *mut c_void) -> c_int {
    ffi::SQLITE_NOTFOUND
}

unsafe extern "C" fn open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let Some(base_open) = BASE_OPEN.get() else { return ffi::SQLITE_CANTOPEN };
    let rc = unsafe { base_open(vfs, name, file, flags, out_flags) };
    if rc == ffi::SQLITE_OK && !file.is_null() && unsafe { !(*file).pMethods.is_null() } {
        let methods = FILE_METHODS.get_or_init(|| {
            let mut methods = unsafe { *(*file).pMethods };
            methods.xFileControl = Some(file_control);
            methods
        });
        unsafe { (*file).pMethods = methods };
    }
    rc
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
        if let Some(base_open) = vfs.xOpen {
            let _ = BASE_OPEN.set(base_open);
            vfs.xOpen = Some(open);
        }
        // SQLite keeps the pointer for the life of the process.
        ffi::sqlite3_vfs_register(Box::leak(Box::new(vfs)), 1);
    });
}
