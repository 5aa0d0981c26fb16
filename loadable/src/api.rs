//! The loading SQLite's API table, as rusqlite can take it.
//!
//! rusqlite's bindings describe SQLite 3.45.3's `sqlite3_api_routines` and refuse any older
//! SQLite, but Debian's `sqlite3` and Python are 3.40. SQLite only ever appends to that
//! table, so an older table is a prefix of the newer one. For an older SQLite, rusqlite gets
//! a full-size copy with the entries that SQLite lacks left empty: rusqlite then reports
//! "SQLite API not initialized" if one of them were called, and sqlink calls none of them
//! (they are `sqlite3_is_interrupted`, `sqlite3_stmt_explain` and the client-data calls).

use std::mem::{MaybeUninit, offset_of, size_of};
use std::os::raw::c_int;

use rusqlite::ffi::{self, sqlite3_api_routines};

/// The oldest SQLite this library loads into.
pub const OLDEST: c_int = 3_040_000;

/// The entries SQLite appended to the table after 3.40, each with the version that added
/// it (sqlite3ext.h's "Version 3.x and later" comments), up to rusqlite's 3.45.3.
const APPENDED: [(c_int, usize); 3] = [
    (3_041_000, offset_of!(sqlite3_api_routines, is_interrupted)),
    (3_043_000, offset_of!(sqlite3_api_routines, stmt_explain)),
    (3_044_000, offset_of!(sqlite3_api_routines, get_clientdata)),
];

/// What the copy answers for `sqlite3_libversion_number`: the version rusqlite's check
/// asks for. Nothing in sqlink asks the version through rusqlite.
extern "C" fn claimed_version() -> c_int {
    ffi::SQLITE_VERSION_NUMBER
}

/// A table rusqlite accepts, built from the loading SQLite's `api`; an error for a SQLite
/// older than [`OLDEST`].
///
/// # Safety
/// `api` must be the table SQLite passed to the extension's entry point.
pub unsafe fn for_rusqlite(api: *const sqlite3_api_routines) -> Result<Box<sqlite3_api_routines>, String> {
    // SAFETY: SQLite's table has had libversion_number since extensions exist.
    let version = match unsafe { (*api).libversion_number } {
        // SAFETY: SQLite's own function, taking no arguments.
        Some(libversion_number) => unsafe { libversion_number() },
        None => return Err(String::from("the loading SQLite gave no API table")),
    };
    if version < OLDEST {
        return Err(format!("libsqlink needs SQLite 3.40.0 or newer; this is {}", dotted(version)));
    }
    // How much of the table this SQLite has: up to the first entry added after it.
    let present = APPENDED.iter().find(|(added, _)| version < *added).map_or(size_of::<sqlite3_api_routines>(), |(_, offset)| *offset);
    // SAFETY: every field of the table is an `Option` of a function pointer, for which all
    // zero bits are `None`.
    let mut copy: Box<sqlite3_api_routines> = Box::new(unsafe { MaybeUninit::zeroed().assume_init() });
    // SAFETY: a SQLite of `version` has at least the first `present` bytes of the table
    // (the APPENDED versions say where its table ends), and the copy is a distinct,
    // full-size table.
    unsafe { std::ptr::copy_nonoverlapping(api.cast::<u8>(), (&mut *copy as *mut sqlite3_api_routines).cast::<u8>(), present) };
    if version < ffi::SQLITE_VERSION_NUMBER {
        copy.libversion_number = Some(claimed_version);
    }
    Ok(copy)
}

fn dotted(version: c_int) -> String {
    format!("{}.{}.{}", version / 1_000_000, version / 1000 % 1000, version % 1000)
}
