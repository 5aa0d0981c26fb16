//! Where a registration's calls go: one extension's function, or nowhere.
//!
//! SQLite refuses to replace or delete a function, collation or module while a statement of
//! the connection runs, and a host may unload an extension from inside one (libsqlink's
//! `SELECT sqlink_unload('md5')`). So every installed callback reads its target at each
//! call: unloading empties it (and removes the registration too when SQLite allows), loading
//! the same name again fills it. An empty target answers as SQLite does for a name it does
//! not know.

use std::sync::atomic::{AtomicU64, Ordering};

/// An extension's handle and a function's id in it, packed so that a call reads both in
/// one load; `EMPTY` when unloaded. The bridge refuses the one pair that packs to `EMPTY`
/// (see [`Target::representable`]).
#[derive(Debug)]
pub(crate) struct Target(AtomicU64);

const EMPTY: u64 = u64::MAX;

fn pack(ext: u32, id: u32) -> u64 {
    (u64::from(ext) << 32) | u64::from(id)
}

impl Target {
    /// Whether `ext` and `id` can be a target: all but handle and id both `u32::MAX`.
    pub fn representable(ext: u32, id: u32) -> bool {
        pack(ext, id) != EMPTY
    }

    pub fn new(ext: u32, id: u32) -> Self {
        Target(AtomicU64::new(pack(ext, id)))
    }

    /// The extension and function id, unless unloaded.
    pub fn get(&self) -> Option<(u32, u32)> {
        match self.0.load(Ordering::Acquire) {
            EMPTY => None,
            packed => Some(((packed >> 32) as u32, packed as u32)),
        }
    }

    pub fn set(&self, ext: u32, id: u32) {
        self.0.store(pack(ext, id), Ordering::Release);
    }

    pub fn clear(&self) {
        self.0.store(EMPTY, Ordering::Release);
    }

    pub fn ext(&self) -> Option<u32> {
        self.get().map(|(ext, _)| ext)
    }
}
