//! The runtime's `shared-memory` import: SQLite's WAL index (the database's `-shm` file) as
//! SQLite's unix VFS shares it between processes, so `sqlink` and native SQLite programs use
//! one WAL database together.
//!
//! The protocol is os_unix.c's: the file is `<database>-shm`, mapped shared in regions of the
//! size SQLite asks (32 KiB); the eight WAL locks are byte-range locks on bytes 120..127 and
//! the dead-man switch a lock on byte 128. Whoever opens the index while nobody holds the
//! dead-man switch takes it exclusively and truncates the file (to 3 bytes, as SQLite does),
//! then everyone holds it shared for as long as the index is open, so a file nobody uses is
//! never trusted. Locks are open-file-description locks, one descriptor per connection, as in
//! `locks`.
//!
//! The runtime keeps its own copy of each region. This side keeps, per region, the words the
//! runtime's copy holds (`seen`): a change the runtime sends is written into the mapping for
//! its changed bytes only (one atomic compare-and-swap per word, so bytes others wrote stay
//! and every 32-bit value appears whole), and a refresh sends back the words where the mapping
//! and `seen` differ.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering, fence};

use wasmtime::component::Resource;

use crate::bindings::shared_memory::{self, Change, LockRequest, ShmError, Word};
use crate::locks::{FileLocks, Kind, sys};

/// The first of SQLite's eight WAL locks in the `-shm` file, and the dead-man switch after them.
const LOCKS_FIRST: i64 = 120;
const LOCK_COUNT: u32 = 8;
const DEAD_MAN_SWITCH: i64 = LOCKS_FIRST + LOCK_COUNT as i64;

/// The size SQLite's unix VFS truncates a `-shm` file to when it is the first to open it.
const TRUNCATED_SIZE: u64 = 3;

/// The page size in which the file is grown, as the unix VFS grows it.
const GROW_PAGE: u64 = 4096;

/// One region of the `-shm` file, mapped shared.
struct Region {
    map: *mut libc::c_void,
    words: usize,
    /// What the runtime's copy of the region holds.
    seen: Vec<u32>,
}

impl Region {
    fn words(&self) -> &[AtomicU32] {
        // SAFETY: `map` is a live shared mapping of `words * 4` bytes, page-aligned, made in
        // `map` and unmapped only in `drop`; AtomicU32 has u32's size and alignment, and other
        // processes change these bytes concurrently, which is what atomics are for.
        unsafe { std::slice::from_raw_parts(self.map.cast::<AtomicU32>(), self.words) }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: `map` came from a successful mmap of exactly this length and nothing
        // refers to it after the region is dropped.
        unsafe { libc::munmap(self.map, self.words * 4) };
    }
}

/// One connection's WAL index.
pub struct WalIndex {
    file: File,
    path: PathBuf,
    regions: Vec<Region>,
}

// SAFETY: the raw mapping pointers are owned by the index alone (nothing else holds them), and
// shared memory may be used from any thread; the mapping is only touched through atomics.
unsafe impl Send for WalIndex {}
// SAFETY: as above: `&WalIndex` reads the mapping through atomics only.
unsafe impl Sync for WalIndex {}

fn io(context: &str, e: impl std::fmt::Display) -> ShmError {
    ShmError::Io(format!("{context}: {e}"))
}

fn failure(context: &str, failure: crate::locks::Failure) -> ShmError {
    match failure {
        crate::locks::Failure::Busy => ShmError::Busy,
        crate::locks::Failure::Io(e) => io(context, e),
    }
}

impl WalIndex {
    /// The index of the database at `db`: its `-shm` file, opened (created with the
    /// database's permissions and owner) and held by the dead-man switch.
    pub fn open(db: &Path) -> Result<WalIndex, ShmError> {
        let mut name = db.as_os_str().to_owned();
        name.push("-shm");
        let path = PathBuf::from(name);
        let meta = std::fs::metadata(db).map_err(|e| io(&db.display().to_string(), e))?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(meta.mode() & 0o777)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| io(&path.display().to_string(), e))?;
        // As the unix VFS: a -shm file created by root belongs to the database's owner.
        let _ = std::os::unix::fs::fchown(&file, Some(meta.uid()), Some(meta.gid()));
        let index = WalIndex { file, path, regions: Vec::new() };
        index.hold_dead_man_switch()?;
        Ok(index)
    }

    /// The dead-man switch, as os_unix.c takes it: nobody holds it, so nobody uses the file
    /// and its contents may be stale (a crash): take it exclusively and truncate. Someone
    /// holds it exclusively: they are initializing it, come back later (busy). Then hold it
    /// shared.
    fn hold_dead_man_switch(&self) -> Result<(), ShmError> {
        let context = self.path.display().to_string();
        match sys::held_elsewhere(&self.file, DEAD_MAN_SWITCH, 1).map_err(|f| failure(&context, f))? {
            None => {
                sys::set(&self.file, Kind::Write, DEAD_MAN_SWITCH, 1).map_err(|f| failure(&context, f))?;
                self.file.set_len(TRUNCATED_SIZE).map_err(|e| io(&context, e))?;
            }
            Some(Kind::Write) => return Err(ShmError::Busy),
            Some(_) => {}
        }
        sys::set(&self.file, Kind::Read, DEAD_MAN_SWITCH, 1).map_err(|f| failure(&context, f))
    }

    /// Map region `index` of `size` bytes (and every region before it), growing the file
    /// when `extend`; None when the file is too short and not grown. Returns its bytes.
    pub fn map(&mut self, index: u32, size: u32, extend: bool) -> Result<Option<Vec<u8>>, ShmError> {
        let context = self.path.display().to_string();
        let size = u64::from(size);
        if size == 0 || size % GROW_PAGE != 0 || self.regions.first().is_some_and(|r| r.words as u64 * 4 != size) {
            return Err(ShmError::Io(format!("{context}: regions of {size} bytes are not supported")));
        }
        let needed = (u64::from(index) + 1) * size;
        let len = self.file.metadata().map_err(|e| io(&context, e))?.len();
        if len < needed {
            if !extend {
                return Ok(None);
            }
            // As the unix VFS: one byte written at the end of each new page, so the file's
            // blocks exist (a mapping beyond them would fault).
            for page in len / GROW_PAGE..needed / GROW_PAGE {
                write_byte_at(&self.file, page * GROW_PAGE + GROW_PAGE - 1).map_err(|e| io(&context, e))?;
            }
        }
        while self.regions.len() <= index as usize {
            let offset = self.regions.len() as u64 * size;
            let offset = libc::off_t::try_from(offset).map_err(|e| io(&context, e))?;
            // SAFETY: a new shared mapping of the descriptor, which lives as long as the
            // index; the result is checked against MAP_FAILED before use.
            let map = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    size as usize,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    fd(&self.file),
                    offset,
                )
            };
            if map == libc::MAP_FAILED {
                return Err(io(&context, std::io::Error::last_os_error()));
            }
            let words = size as usize / 4;
            let mut region = Region { map, words, seen: vec![0; words] };
            fence(Ordering::SeqCst);
            let now: Vec<u32> = region.words().iter().map(|w| w.load(Ordering::Relaxed)).collect();
            region.seen = now;
            self.regions.push(region);
        }
        let region = &self.regions[index as usize];
        Ok(Some(region.seen.iter().flat_map(|w| w.to_le_bytes()).collect()))
    }

    /// Write the runtime's changed bytes into the mapping, each word in one atomic step that
    /// keeps the bytes it did not change.
    fn publish(&mut self, changes: &[Change]) -> Result<(), ShmError> {
        for change in changes {
            let Word { region, offset, value } = change.word;
            let slot = self
                .regions
                .get_mut(region as usize)
                .filter(|r| offset % 4 == 0 && (offset / 4) < r.words as u32)
                .ok_or_else(|| ShmError::Io(format!("{}: no word {offset} in region {region}", self.path.display())))?;
            let i = (offset / 4) as usize;
            let mask = change.mask;
            let _ = slot.words()[i].fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| Some((now & !mask) | (value & mask)));
            slot.seen[i] = value;
        }
        // What was written is visible before any lock is released or anything after is read.
        fence(Ordering::SeqCst);
        Ok(())
    }

    /// Every word of the mapped regions that differs from what the runtime has, now taken
    /// as what it has.
    fn refresh(&mut self) -> Vec<Word> {
        fence(Ordering::SeqCst);
        let mut fresh = Vec::new();
        for (r, region) in self.regions.iter_mut().enumerate() {
            // SAFETY: as in `Region::words`; borrowed apart from `seen`, which is not in the
            // mapping.
            let words = unsafe { std::slice::from_raw_parts(region.map.cast::<AtomicU32>(), region.words) };
            for (i, (word, seen)) in words.iter().zip(region.seen.iter_mut()).enumerate() {
                let value = word.load(Ordering::Relaxed);
                if value != *seen {
                    *seen = value;
                    fresh.push(Word { region: r as u32, offset: (i * 4) as u32, value });
                }
            }
        }
        fresh
    }

    fn lock(&self, request: LockRequest) -> Result<(), ShmError> {
        let LockRequest { first, count, exclusive, release } = request;
        if count == 0 || first.checked_add(count).is_none_or(|end| end > LOCK_COUNT) {
            return Err(ShmError::Io(format!("{}: no WAL locks {first}+{count}", self.path.display())));
        }
        let kind = match (release, exclusive) {
            (true, _) => Kind::Unlock,
            (false, true) => Kind::Write,
            (false, false) => Kind::Read,
        };
        sys::set(&self.file, kind, LOCKS_FIRST + i64::from(first), i64::from(count))
            .map_err(|f| failure(&self.path.display().to_string(), f))
    }

    /// Publish the last changes, unmap, and let go of every lock (the dead-man switch too);
    /// with `delete`, remove the file, as the unix VFS does when SQLite asks.
    fn close(&mut self, changes: &[Change], delete: bool) {
        let _ = self.publish(changes);
        self.regions.clear();
        if delete {
            let _ = std::fs::remove_file(&self.path);
        }
        // Length 0: every byte.
        let _ = sys::set(&self.file, Kind::Unlock, 0, 0);
    }

    /// SQLite's lock and barrier points: publish, lock, refresh.
    pub fn sync(&mut self, changes: &[Change], lock: Option<LockRequest>) -> Result<Vec<Word>, ShmError> {
        self.publish(changes)?;
        if let Some(request) = lock {
            self.lock(request)?;
        }
        Ok(self.refresh())
    }
}

#[cfg(unix)]
fn fd(file: &File) -> libc::c_int {
    std::os::fd::AsRawFd::as_raw_fd(file)
}

fn write_byte_at(file: &File, at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, &[0], at)
}

impl shared_memory::Host for FileLocks {
    fn available(&mut self) -> bool {
        cfg!(target_os = "linux")
    }
}

impl FileLocks {
    fn wal_index(&mut self, handle: &Resource<WalIndex>) -> Result<&mut WalIndex, ShmError> {
        self.table.get_mut(handle).map_err(|e| ShmError::Io(e.to_string()))
    }
}

impl shared_memory::HostWalIndex for FileLocks {
    fn open(&mut self, db_path: String) -> Result<Resource<WalIndex>, ShmError> {
        let host_path =
            self.confine(&db_path).ok_or_else(|| ShmError::Io(format!("{db_path} is outside the directories sqlink may use")))?;
        let index = WalIndex::open(&host_path)?;
        self.table.push(index).map_err(|e| ShmError::Io(e.to_string()))
    }

    fn map(&mut self, handle: Resource<WalIndex>, index: u32, size: u32, extend: bool) -> Result<Option<Vec<u8>>, ShmError> {
        self.wal_index(&handle)?.map(index, size, extend)
    }

    fn sync(&mut self, handle: Resource<WalIndex>, changes: Vec<Change>, lock: Option<LockRequest>) -> Result<Vec<Word>, ShmError> {
        self.wal_index(&handle)?.sync(&changes, lock)
    }

    fn close(&mut self, handle: Resource<WalIndex>, changes: Vec<Change>, delete: bool) {
        if let Ok(index) = self.wal_index(&handle) {
            index.close(&changes, delete);
        }
    }

    fn drop(&mut self, handle: Resource<WalIndex>) -> wasmtime::Result<()> {
        // Closing the descriptor drops its locks, the dead-man switch with them.
        self.table.delete(handle)?;
        Ok(())
    }
}
