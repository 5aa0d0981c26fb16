//! sqlink's VFS: SQLite's files on WASI, with SQLite's locks taken through the host.
//!
//! WASI (0.2) gives files but no lock call, so a VFS over WASI alone lets two processes
//! interleave their journals and pages and lose writes that reported success. Here every
//! main database file gets a `file-locks` handle from the host, and xLock / xUnlock /
//! xCheckReservedLock go to it with SQLite's lock levels; the host maps them onto whatever
//! the platform has (natively the unix VFS's byte-range locks, so native SQLite processes
//! and sqlink exclude each other).
//!
//! WAL's shared memory (xShmMap, xShmLock, xShmBarrier, xShmUnmap) comes from the host's
//! `shared-memory` import, natively the `-shm` file that native SQLite maps. The runtime
//! cannot map host memory, so each region SQLite maps is a copy in this component's memory,
//! with a second copy (`seen`) of what it held at the last meeting with the host; at every
//! lock, unlock and barrier (and before each statement runs) the words SQLite changed since go
//! to the host and the words others changed come back (ARCHITECTURE.md, "WAL across
//! processes", says why SQLite sees what it would see in the mapping). A host without shared
//! memory (a page) gets I/O methods of version 1: SQLite then refuses WAL on a shared file
//! and uses it only in `locking_mode=EXCLUSIVE`, with the WAL index in its own memory.
//!
//! SQLite is built with SQLITE_OS_OTHER, so it calls [`sqlite3_os_init`] (defined here) to
//! find its default VFS.

use std::cell::RefCell;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libsqlite3_sys as ffi;

use crate::bindings::sqlink::wasm::file_locks::{FileLock, LockError, LockLevel};
use crate::bindings::sqlink::wasm::shared_memory::{self, Change, LockRequest, ShmError, WalIndex, Word};

static NAME: &CStr = c"sqlink";

/// Longest path SQLite hands us, as the unix VFS allows.
const MAX_PATHNAME: c_int = 512;

/// SQLite's default sector size, as the unix VFS reports it.
const SECTOR_SIZE: c_int = 4096;

/// Milliseconds from the Julian epoch to the Unix epoch (xCurrentTimeInt64's unit).
const UNIX_EPOCH_JULIAN_MS: i64 = 210_866_760_000_000;

/// What SQLite keeps for an open file: its `sqlite3_file` header, then ours.
#[repr(C)]
struct VfsFile {
    base: ffi::sqlite3_file,
    state: *mut FileState,
}

enum FileState {
    Disk(DiskFile),
    /// A file SQLite opened without a name: a temporary that no one else sees.
    Memory(Vec<u8>),
}

struct DiskFile {
    file: File,
    path: PathBuf,
    /// Present on main database files only: journals are never locked.
    lock: Option<FileLock>,
    level: c_int,
    delete_on_close: bool,
    /// A newly created journal's directory entry is synced with the first xSync, as the unix
    /// VFS does, so a crash cannot lose the journal that a later rollback needs.
    sync_dir: bool,
    /// The slot of this database's WAL index in [`WAL_INDEXES`], once SQLite maps it.
    wal_index: Option<usize>,
}

/// One region of a WAL index as SQLite sees it, in this component's memory.
struct RegionCopy {
    /// What SQLite reads and writes: handed out by xShmMap, freed with the region.
    copy: *mut [u64],
    /// What `copy` held at the last meeting with the host (the host keeps the same).
    seen: Box<[u64]>,
}

impl RegionCopy {
    /// A copy of a region's bytes (SQLite's regions are 32 KiB, a whole number of blocks).
    fn new(bytes: &[u8]) -> RegionCopy {
        let words: Box<[u64]> =
            bytes.chunks(8).map(|c| u64::from_le_bytes(std::array::from_fn(|i| c.get(i).copied().unwrap_or(0)))).collect();
        RegionCopy { copy: Box::into_raw(words.clone()), seen: words }
    }
}

impl Drop for RegionCopy {
    fn drop(&mut self) {
        // SAFETY: `copy` came from Box::into_raw in `new`; SQLite stops using the region when
        // it unmaps the index or closes the file, the only places a region is dropped.
        drop(unsafe { Box::from_raw(self.copy) });
    }
}

/// A connection's WAL index: the host's handle and the regions mapped so far.
struct WalIndexCopy {
    host: WalIndex,
    regions: Vec<RegionCopy>,
}

/// Words compared at once when looking for what SQLite changed in a region.
const BLOCK: usize = 8;

/// The blocks of `BLOCK` words where `copy` and `seen` differ. This runs at every lock and
/// barrier over every mapped region, so it is written for the compiler to vectorize.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
fn changed_blocks(copy: &[u64], seen: &[u64]) -> Vec<usize> {
    let mut changed = Vec::new();
    for (i, (a, b)) in copy.chunks_exact(BLOCK).zip(seen.chunks_exact(BLOCK)).enumerate() {
        let differs = a.iter().zip(b).fold(0, |d, (x, y)| d | (x ^ y));
        if differs != 0 {
            changed.push(i);
        }
    }
    changed
}

/// The bytes of `d` that are not zero, as a mask of 0xff bytes.
fn byte_mask(d: u32) -> u32 {
    (0..4).filter(|b| (d >> (8 * b)) & 0xff != 0).fold(0, |mask, b| mask | (0xff << (8 * b)))
}

impl WalIndexCopy {
    /// The words SQLite changed since the last meeting, each with the bytes it changed;
    /// they count as seen from now on.
    fn changes(&mut self) -> Vec<Change> {
        let mut changes = Vec::new();
        for (r, region) in self.regions.iter_mut().enumerate() {
            // SAFETY: `copy` is live (see RegionCopy) and SQLite is not running: the runtime is
            // single-threaded and this is called from a VFS method or between statements.
            let copy = unsafe { &*region.copy };
            for block in changed_blocks(copy, &region.seen) {
                let range = block * BLOCK..(block + 1) * BLOCK;
                for (i, (now, seen)) in copy[range.clone()].iter().zip(region.seen[range].iter_mut()).enumerate() {
                    let i = block * BLOCK + i;
                    if now == seen {
                        continue;
                    }
                    for half in 0..2 {
                        let differs = ((now ^ *seen) >> (32 * half)) as u32;
                        if differs != 0 {
                            let word = Word { region: r as u32, offset: (i * 8 + half * 4) as u32, value: (now >> (32 * half)) as u32 };
                            changes.push(Change { word, mask: byte_mask(differs) });
                        }
                    }
                    *seen = *now;
                }
            }
        }
        changes
    }

    /// Take in the words others changed.
    fn apply(&mut self, words: Vec<Word>) {
        for Word { region, offset, value } in words {
            let Some(region) = self.regions.get_mut(region as usize) else { continue };
            let (i, shift) = ((offset / 8) as usize, (offset % 8) * 8);
            let mask = 0xffff_ffff_u64 << shift;
            // SAFETY: as in `changes`.
            let copy = unsafe { &mut *region.copy };
            if let (Some(now), Some(seen)) = (copy.get_mut(i), region.seen.get_mut(i)) {
                *now = (*now & !mask) | (u64::from(value) << shift);
                *seen = *now;
            }
        }
    }

    /// Meet the host: publish, take or release `lock`, refresh.
    fn sync(&mut self, lock: Option<LockRequest>) -> Result<(), ShmError> {
        let changes = self.changes();
        let fresh = self.host.sync(&changes, lock)?;
        self.apply(fresh);
        Ok(())
    }
}

thread_local! {
    /// Every open WAL index, so all can be refreshed before a statement runs.
    static WAL_INDEXES: RefCell<Vec<Option<WalIndexCopy>>> = const { RefCell::new(Vec::new()) };
}

/// Run `f` on the WAL index in `slot`.
fn with_wal_index<T>(slot: usize, f: impl FnOnce(&mut WalIndexCopy) -> T) -> Option<T> {
    WAL_INDEXES.with(|indexes| indexes.borrow_mut().get_mut(slot).and_then(Option::as_mut).map(f))
}

fn take_wal_index(slot: usize) -> Option<WalIndexCopy> {
    WAL_INDEXES.with(|indexes| indexes.borrow_mut().get_mut(slot).and_then(Option::take))
}

/// Meet the host for every open WAL index: SQLite reads the first copy of the wal-index
/// header before its first barrier, so without this a read transaction would start from the
/// header as it was at the end of the last statement, see it differ from the second copy and
/// take the WRITE lock to read it again, which native SQLite does only when it races a
/// commit. Called between statements' steps, when SQLite is not running.
pub fn refresh_wal_indexes() {
    WAL_INDEXES.with(|indexes| {
        for index in indexes.borrow_mut().iter_mut().flatten() {
            let _ = index.sync(None);
        }
    });
}

/// Whether the host shares memory between processes (asked once).
fn shared_memory_available() -> bool {
    thread_local! {
        static AVAILABLE: bool = shared_memory::available();
    }
    AVAILABLE.with(|available| *available)
}

// wasi-libc's positional I/O; std's `FileExt` for WASI is still unstable.
unsafe extern "C" {
    fn pread(fd: c_int, buf: *mut c_void, count: usize, offset: i64) -> isize;
    fn pwrite(fd: c_int, buf: *const c_void, count: usize, offset: i64) -> isize;
}

/// Read into `buf` from `offset` until it is full or the file ends; how much was read.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        let at = i64::try_from(offset + done as u64).map_err(|_| ErrorKind::InvalidInput)?;
        let rest = &mut buf[done..];
        // SAFETY: `rest` is a live, writable buffer of `rest.len()` bytes, and the
        // descriptor belongs to `file`, which outlives the call.
        let n = unsafe { pread(file.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len(), at) };
        match n {
            0 => break,
            n if n < 0 => {
                let err = std::io::Error::last_os_error();
                if err.kind() != ErrorKind::Interrupted {
                    return Err(err);
                }
            }
            n => done += n as usize,
        }
    }
    Ok(done)
}

impl DiskFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        read_at(&self.file, buf, offset)
    }

    fn write_all_at(&self, buf: &[u8], offset: u64) -> std::io::Result<()> {
        let mut done = 0;
        while done < buf.len() {
            let at = i64::try_from(offset + done as u64).map_err(|_| ErrorKind::InvalidInput)?;
            let rest = &buf[done..];
            // SAFETY: `rest` is a live buffer of `rest.len()` bytes, and the descriptor
            // belongs to `self.file`, which outlives the call.
            let n = unsafe { pwrite(self.file.as_raw_fd(), rest.as_ptr().cast(), rest.len(), at) };
            match n {
                0 => return Err(ErrorKind::WriteZero.into()),
                n if n < 0 => {
                    let err = std::io::Error::last_os_error();
                    if err.kind() != ErrorKind::Interrupted {
                        return Err(err);
                    }
                }
                n => done += n as usize,
            }
        }
        Ok(())
    }
}

/// The first `N` bytes of the file at `path`, read as the VFS reads (positional reads, which
/// every host's filesystem has; a page's has no streams).
pub fn read_start<const N: usize>(path: &str) -> Option<[u8; N]> {
    let file = File::open(path).ok()?;
    let mut start = [0u8; N];
    (read_at(&file, &mut start, 0).ok()? == N).then_some(start)
}

/// The parent directory's entries made durable (after creating or deleting a file in it).
/// A directory that cannot be opened is skipped, as the unix VFS skips it.
fn sync_parent(path: &Path) -> Result<(), c_int> {
    let Some(dir) = path.parent() else { return Ok(()) };
    let Ok(dir) = File::open(dir) else { return Ok(()) };
    dir.sync_all().map_err(|_| ffi::SQLITE_IOERR_DIR_FSYNC)
}

fn level_of(level: c_int) -> LockLevel {
    match level {
        ffi::SQLITE_LOCK_SHARED => LockLevel::Shared,
        ffi::SQLITE_LOCK_RESERVED => LockLevel::Reserved,
        ffi::SQLITE_LOCK_PENDING => LockLevel::Pending,
        ffi::SQLITE_LOCK_EXCLUSIVE => LockLevel::Exclusive,
        _ => LockLevel::None,
    }
}

fn code_of(level: LockLevel) -> c_int {
    match level {
        LockLevel::None => ffi::SQLITE_LOCK_NONE,
        LockLevel::Shared => ffi::SQLITE_LOCK_SHARED,
        LockLevel::Reserved => ffi::SQLITE_LOCK_RESERVED,
        LockLevel::Pending => ffi::SQLITE_LOCK_PENDING,
        LockLevel::Exclusive => ffi::SQLITE_LOCK_EXCLUSIVE,
    }
}

/// The state behind SQLite's file handle.
///
/// # Safety
/// `file` must be a handle this VFS's xOpen filled in, not yet closed.
unsafe fn state<'a>(file: *mut ffi::sqlite3_file) -> &'a mut FileState {
    // SAFETY: xOpen stored a live Box in `state` before installing our methods, and only
    // xClose frees it; SQLite calls no method after xClose and none concurrently
    // (the runtime is single-threaded, SQLITE_THREADSAFE=0).
    unsafe { &mut *(*file.cast::<VfsFile>()).state }
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes each file it opened once; the Box came from xOpen.
    let state = unsafe { Box::from_raw((*file.cast::<VfsFile>()).state) };
    // SAFETY: as above; the handle no longer points at freed state.
    unsafe { (*file.cast::<VfsFile>()).state = std::ptr::null_mut() };
    if let FileState::Disk(disk) = *state {
        let DiskFile { file, path, lock, delete_on_close, wal_index, .. } = disk;
        // SQLite unmaps before closing; this is for a close it did not precede with that.
        drop(wal_index.and_then(take_wal_index));
        drop(file);
        // Dropping the lock handle releases whatever it held.
        drop(lock);
        if delete_on_close {
            let _ = std::fs::remove_file(path);
        }
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_read(file: *mut ffi::sqlite3_file, buf: *mut c_void, amount: c_int, offset: i64) -> c_int {
    let (Ok(len), Ok(offset)) = (usize::try_from(amount), u64::try_from(offset)) else { return ffi::SQLITE_IOERR_READ };
    // SAFETY: SQLite hands a writable buffer of `amount` bytes.
    let buf = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), len) };
    // SAFETY: called by SQLite on a file this VFS opened.
    let read = match unsafe { state(file) } {
        FileState::Disk(disk) => match disk.read_at(buf, offset) {
            Ok(n) => n,
            Err(_) => return ffi::SQLITE_IOERR_READ,
        },
        FileState::Memory(data) => {
            let start = usize::try_from(offset).unwrap_or(usize::MAX).min(data.len());
            let n = (data.len() - start).min(len);
            buf[..n].copy_from_slice(&data[start..start + n]);
            n
        }
    };
    if read < len {
        // SQLite requires the unread tail zeroed on a short read.
        buf[read..].fill(0);
        return ffi::SQLITE_IOERR_SHORT_READ;
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_write(file: *mut ffi::sqlite3_file, buf: *const c_void, amount: c_int, offset: i64) -> c_int {
    let (Ok(len), Ok(offset)) = (usize::try_from(amount), u64::try_from(offset)) else { return ffi::SQLITE_IOERR_WRITE };
    // SAFETY: SQLite hands a readable buffer of `amount` bytes.
    let buf = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) };
    // SAFETY: called by SQLite on a file this VFS opened.
    match unsafe { state(file) } {
        FileState::Disk(disk) => match disk.write_all_at(buf, offset) {
            Ok(()) => ffi::SQLITE_OK,
            Err(e) if e.kind() == ErrorKind::StorageFull => ffi::SQLITE_FULL,
            Err(_) => ffi::SQLITE_IOERR_WRITE,
        },
        FileState::Memory(data) => {
            let Ok(start) = usize::try_from(offset) else { return ffi::SQLITE_FULL };
            let end = start + len;
            if data.len() < end {
                data.resize(end, 0);
            }
            data[start..end].copy_from_slice(buf);
            ffi::SQLITE_OK
        }
    }
}

unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    let Ok(size) = u64::try_from(size) else { return ffi::SQLITE_IOERR_TRUNCATE };
    // SAFETY: called by SQLite on a file this VFS opened.
    match unsafe { state(file) } {
        FileState::Disk(disk) => match disk.file.set_len(size) {
            Ok(()) => ffi::SQLITE_OK,
            Err(_) => ffi::SQLITE_IOERR_TRUNCATE,
        },
        FileState::Memory(data) => {
            data.truncate(usize::try_from(size).unwrap_or(usize::MAX));
            ffi::SQLITE_OK
        }
    }
}

unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: called by SQLite on a file this VFS opened.
    let FileState::Disk(disk) = (unsafe { state(file) }) else { return ffi::SQLITE_OK };
    let synced = if flags & ffi::SQLITE_SYNC_DATAONLY != 0 { disk.file.sync_data() } else { disk.file.sync_all() };
    if synced.is_err() {
        return ffi::SQLITE_IOERR_FSYNC;
    }
    if std::mem::take(&mut disk.sync_dir)
        && let Err(code) = sync_parent(&disk.path)
    {
        return code;
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    // SAFETY: called by SQLite on a file this VFS opened.
    let len = match unsafe { state(file) } {
        FileState::Disk(disk) => match disk.file.metadata() {
            Ok(meta) => meta.len(),
            Err(_) => return ffi::SQLITE_IOERR_FSTAT,
        },
        FileState::Memory(data) => data.len() as u64,
    };
    // SAFETY: SQLite passes a valid out pointer.
    unsafe { *size = i64::try_from(len).unwrap_or(i64::MAX) };
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: called by SQLite on a file this VFS opened.
    let FileState::Disk(disk) = (unsafe { state(file) }) else { return ffi::SQLITE_OK };
    let Some(lock) = &disk.lock else { return ffi::SQLITE_OK };
    if disk.level >= level {
        return ffi::SQLITE_OK;
    }
    match lock.acquire(level_of(level)) {
        Ok(()) => {
            disk.level = level;
            ffi::SQLITE_OK
        }
        Err(LockError::Busy(held)) => {
            disk.level = code_of(held);
            ffi::SQLITE_BUSY
        }
        Err(LockError::Io(_)) => ffi::SQLITE_IOERR_LOCK,
    }
}

unsafe extern "C" fn x_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: called by SQLite on a file this VFS opened.
    let FileState::Disk(disk) = (unsafe { state(file) }) else { return ffi::SQLITE_OK };
    let Some(lock) = &disk.lock else { return ffi::SQLITE_OK };
    if disk.level <= level {
        return ffi::SQLITE_OK;
    }
    match lock.release(level_of(level)) {
        Ok(()) => {
            disk.level = level;
            ffi::SQLITE_OK
        }
        Err(_) => ffi::SQLITE_IOERR_UNLOCK,
    }
}

unsafe extern "C" fn x_check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: called by SQLite on a file this VFS opened.
    let reserved = match unsafe { state(file) } {
        FileState::Disk(DiskFile { lock: Some(lock), level, .. }) => {
            *level > ffi::SQLITE_LOCK_SHARED
                || match lock.reserved_by_any() {
                    Ok(reserved) => reserved,
                    Err(_) => return ffi::SQLITE_IOERR_CHECKRESERVEDLOCK,
                }
        }
        _ => false,
    };
    // SAFETY: SQLite passes a valid out pointer.
    unsafe { *out = c_int::from(reserved) };
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_file_control(_: *mut ffi::sqlite3_file, _op: c_int, _arg: *mut c_void) -> c_int {
    // SQLITE_OK would tell SQLite the VFS handled the verb (for SQLITE_FCNTL_PRAGMA: that
    // it answered the pragma itself, so the pragma would return nothing).
    ffi::SQLITE_NOTFOUND
}

unsafe extern "C" fn x_sector_size(_: *mut ffi::sqlite3_file) -> c_int {
    SECTOR_SIZE
}

unsafe extern "C" fn x_device_characteristics(_: *mut ffi::sqlite3_file) -> c_int {
    // As the unix VFS by default: a write never damages bytes outside its range.
    ffi::SQLITE_IOCAP_POWERSAFE_OVERWRITE
}

/// SQLite's flags for xShmLock.
const SHM_UNLOCK: c_int = 1;
const SHM_EXCLUSIVE: c_int = 8;

/// The database file behind a shared-memory call, if it is one on disk.
///
/// # Safety
/// As for [`state`].
unsafe fn disk<'a>(file: *mut ffi::sqlite3_file) -> Option<&'a mut DiskFile> {
    // SAFETY: per the contract.
    match unsafe { state(file) } {
        FileState::Disk(disk) => Some(disk),
        FileState::Memory(_) => None,
    }
}

unsafe extern "C" fn x_shm_map(file: *mut ffi::sqlite3_file, region: c_int, size: c_int, extend: c_int, out: *mut *mut c_void) -> c_int {
    // SAFETY: SQLite passes a valid out pointer; null until a region is handed out.
    unsafe { *out = std::ptr::null_mut() };
    // SAFETY: called by SQLite on a file this VFS opened.
    let Some(disk) = (unsafe { disk(file) }) else { return ffi::SQLITE_IOERR_SHMOPEN };
    let (Ok(region), Ok(size)) = (usize::try_from(region), u32::try_from(size)) else { return ffi::SQLITE_IOERR_SHMMAP };
    let slot = match disk.wal_index {
        Some(slot) => slot,
        None => {
            let Some(path) = disk.path.to_str() else { return ffi::SQLITE_IOERR_SHMOPEN };
            let host = match WalIndex::open(path) {
                Ok(host) => host,
                Err(ShmError::Busy) => return ffi::SQLITE_BUSY,
                Err(ShmError::Io(_)) => return ffi::SQLITE_IOERR_SHMOPEN,
            };
            let slot = WAL_INDEXES.with(|indexes| {
                let mut indexes = indexes.borrow_mut();
                let copy = Some(WalIndexCopy { host, regions: Vec::new() });
                match indexes.iter().position(Option::is_none) {
                    Some(free) => {
                        indexes[free] = copy;
                        free
                    }
                    None => {
                        indexes.push(copy);
                        indexes.len() - 1
                    }
                }
            });
            disk.wal_index = Some(slot);
            slot
        }
    };
    let mapped = with_wal_index(slot, |index| {
        while index.regions.len() <= region {
            match index.host.map(index.regions.len() as u32, size, extend != 0) {
                Ok(Some(bytes)) => index.regions.push(RegionCopy::new(&bytes)),
                // The file is shorter and SQLite did not ask to extend it: no region.
                Ok(None) => return Ok(std::ptr::null_mut()),
                Err(ShmError::Busy) => return Err(ffi::SQLITE_BUSY),
                Err(ShmError::Io(_)) => return Err(ffi::SQLITE_IOERR_SHMMAP),
            }
        }
        Ok(index.regions[region].copy.cast::<c_void>())
    });
    match mapped {
        Some(Ok(pointer)) => {
            // SAFETY: as above.
            unsafe { *out = pointer };
            ffi::SQLITE_OK
        }
        Some(Err(code)) => code,
        None => ffi::SQLITE_IOERR_SHMMAP,
    }
}

unsafe extern "C" fn x_shm_lock(file: *mut ffi::sqlite3_file, first: c_int, count: c_int, flags: c_int) -> c_int {
    // SAFETY: called by SQLite on a file this VFS opened.
    let Some(slot) = (unsafe { disk(file) }).and_then(|disk| disk.wal_index) else { return ffi::SQLITE_IOERR_SHMLOCK };
    let (Ok(first), Ok(count)) = (u32::try_from(first), u32::try_from(count)) else { return ffi::SQLITE_IOERR_SHMLOCK };
    let request = LockRequest { first, count, exclusive: flags & SHM_EXCLUSIVE != 0, release: flags & SHM_UNLOCK != 0 };
    match with_wal_index(slot, |index| index.sync(Some(request))) {
        Some(Ok(())) => ffi::SQLITE_OK,
        Some(Err(ShmError::Busy)) => ffi::SQLITE_BUSY,
        _ => ffi::SQLITE_IOERR_SHMLOCK,
    }
}

unsafe extern "C" fn x_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: called by SQLite on a file this VFS opened.
    if let Some(slot) = (unsafe { disk(file) }).and_then(|disk| disk.wal_index) {
        // A barrier has no way to fail; a host error here shows at the next lock.
        let _ = with_wal_index(slot, |index| index.sync(None));
    }
}

unsafe extern "C" fn x_shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    // SAFETY: called by SQLite on a file this VFS opened.
    let Some(disk) = (unsafe { disk(file) }) else { return ffi::SQLITE_OK };
    if let Some(mut index) = disk.wal_index.take().and_then(take_wal_index) {
        let changes = index.changes();
        index.host.close(&changes, delete != 0);
    }
    ffi::SQLITE_OK
}

/// The I/O methods with WAL's shared memory, for a host that has it.
static IO_METHODS_SHARED_MEMORY: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 2,
    xShmMap: Some(x_shm_map),
    xShmLock: Some(x_shm_lock),
    xShmBarrier: Some(x_shm_barrier),
    xShmUnmap: Some(x_shm_unmap),
    ..IO_METHODS
};

static IO_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 1,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

/// The path SQLite names, as a Rust string.
///
/// # Safety
/// `name` must be null or a NUL-terminated string.
unsafe fn path_of<'a>(name: *const c_char) -> Option<&'a str> {
    // SAFETY: per the contract above.
    (!name.is_null()).then(|| unsafe { CStr::from_ptr(name) }.to_str().ok()).flatten()
}

fn open_disk(path: &str, flags: c_int) -> Result<(DiskFile, c_int), c_int> {
    let read_write = flags & ffi::SQLITE_OPEN_READWRITE != 0;
    let create = flags & ffi::SQLITE_OPEN_CREATE != 0;
    let mut options = OpenOptions::new();
    options.read(true).write(read_write);
    if create && flags & ffi::SQLITE_OPEN_EXCLUSIVE != 0 {
        options.create_new(true);
    } else if create {
        options.create(true);
    }
    let mut out_flags = flags;
    let file = match options.open(path) {
        Ok(file) => file,
        // As the unix VFS: a file we may not write is opened read-only instead.
        Err(e) if read_write && e.kind() == ErrorKind::PermissionDenied => {
            out_flags = (flags & !ffi::SQLITE_OPEN_READWRITE & !ffi::SQLITE_OPEN_CREATE) | ffi::SQLITE_OPEN_READONLY;
            File::open(path).map_err(|_| ffi::SQLITE_CANTOPEN)?
        }
        Err(_) => return Err(ffi::SQLITE_CANTOPEN),
    };
    let lock = if flags & ffi::SQLITE_OPEN_MAIN_DB != 0 { Some(FileLock::open(path).map_err(|_| ffi::SQLITE_CANTOPEN)?) } else { None };
    let journal = ffi::SQLITE_OPEN_MAIN_JOURNAL | ffi::SQLITE_OPEN_SUPER_JOURNAL | ffi::SQLITE_OPEN_WAL;
    let disk = DiskFile {
        file,
        path: PathBuf::from(path),
        lock,
        level: ffi::SQLITE_LOCK_NONE,
        delete_on_close: flags & ffi::SQLITE_OPEN_DELETEONCLOSE != 0,
        sync_dir: create && flags & journal != 0,
        wal_index: None,
    };
    Ok((disk, out_flags))
}

unsafe extern "C" fn x_open(
    _: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let handle = file.cast::<VfsFile>();
    // SAFETY: SQLite hands `szOsFile` bytes for the handle; a null pMethods tells it there
    // is nothing to close if the open fails.
    unsafe {
        (*handle).base.pMethods = std::ptr::null();
        (*handle).state = std::ptr::null_mut();
    }
    // SAFETY: SQLite's file names are NUL-terminated (or null for a temporary).
    let (state, opened_flags, methods) = match unsafe { path_of(name) } {
        None if !name.is_null() => return ffi::SQLITE_CANTOPEN,
        None => (FileState::Memory(Vec::new()), flags, &IO_METHODS),
        Some(path) => match open_disk(path, flags) {
            Ok((disk, opened_flags)) => {
                let methods = if shared_memory_available() { &IO_METHODS_SHARED_MEMORY } else { &IO_METHODS };
                (FileState::Disk(disk), opened_flags, methods)
            }
            Err(code) => return code,
        },
    };
    // SAFETY: as above; the Box is freed by xClose.
    unsafe {
        (*handle).state = Box::into_raw(Box::new(state));
        (*handle).base.pMethods = methods;
        if !out_flags.is_null() {
            *out_flags = opened_flags;
        }
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_delete(_: *mut ffi::sqlite3_vfs, name: *const c_char, sync_dir: c_int) -> c_int {
    // SAFETY: SQLite passes a NUL-terminated path.
    let Some(path) = (unsafe { path_of(name) }) else { return ffi::SQLITE_IOERR_DELETE };
    match std::fs::remove_file(path) {
        Ok(()) if sync_dir != 0 => match sync_parent(Path::new(path)) {
            Ok(()) => ffi::SQLITE_OK,
            Err(code) => code,
        },
        Ok(()) => ffi::SQLITE_OK,
        Err(e) if e.kind() == ErrorKind::NotFound => ffi::SQLITE_IOERR_DELETE_NOENT,
        Err(_) => ffi::SQLITE_IOERR_DELETE,
    }
}

unsafe extern "C" fn x_access(_: *mut ffi::sqlite3_vfs, name: *const c_char, flags: c_int, out: *mut c_int) -> c_int {
    // SAFETY: SQLite passes a NUL-terminated path.
    let found = match unsafe { path_of(name) }.map(std::fs::metadata) {
        Some(Ok(meta)) => match flags {
            // As the unix VFS: an empty regular file does not count (an empty journal is
            // not a hot journal).
            ffi::SQLITE_ACCESS_EXISTS => !meta.is_file() || meta.len() > 0,
            ffi::SQLITE_ACCESS_READWRITE => !meta.permissions().readonly(),
            _ => true,
        },
        _ => false,
    };
    // SAFETY: SQLite passes a valid out pointer.
    unsafe { *out = c_int::from(found) };
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_full_pathname(_: *mut ffi::sqlite3_vfs, name: *const c_char, size: c_int, out: *mut c_char) -> c_int {
    // SAFETY: SQLite passes a NUL-terminated path.
    let Some(path) = (unsafe { path_of(name) }) else { return ffi::SQLITE_CANTOPEN };
    let full = if path.starts_with('/') {
        PathBuf::from(path)
    } else {
        // The host's working directory, set in sqlite3_os_init.
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")).join(path)
    };
    let full = full.to_string_lossy();
    let Ok(size) = usize::try_from(size) else { return ffi::SQLITE_CANTOPEN };
    if full.len() + 1 > size || full.contains('\0') {
        return ffi::SQLITE_CANTOPEN;
    }
    // SAFETY: `out` has room for `size` bytes, checked above to hold the path and its NUL.
    unsafe {
        std::ptr::copy_nonoverlapping(full.as_ptr(), out.cast::<u8>(), full.len());
        *out.add(full.len()) = 0;
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_dl_open(_: *mut ffi::sqlite3_vfs, _: *const c_char) -> *mut c_void {
    std::ptr::null_mut()
}

unsafe extern "C" fn x_dl_error(_: *mut ffi::sqlite3_vfs, size: c_int, out: *mut c_char) {
    let message = c"native extensions cannot be loaded in sqlink; use .load with a component";
    let Ok(size) = usize::try_from(size) else { return };
    if size == 0 {
        return;
    }
    let bytes = message.to_bytes();
    let n = bytes.len().min(size - 1);
    // SAFETY: `out` has room for `size` bytes; we write `n + 1 <= size`.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.cast::<u8>(), n);
        *out.add(n) = 0;
    }
}

unsafe extern "C" fn x_dl_close(_: *mut ffi::sqlite3_vfs, _: *mut c_void) {}

unsafe extern "C" fn x_randomness(_: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    let Ok(len) = usize::try_from(n) else { return 0 };
    if out.is_null() || len == 0 {
        return 0;
    }
    // SAFETY: SQLite hands a writable buffer of `n` bytes.
    let buf = unsafe { std::slice::from_raw_parts_mut(out.cast::<u8>(), len) };
    match getrandom::fill(buf) {
        Ok(()) => n,
        Err(_) => 0,
    }
}

unsafe extern "C" fn x_sleep(_: *mut ffi::sqlite3_vfs, micros: c_int) -> c_int {
    // The busy handler sleeps here between lock attempts.
    std::thread::sleep(Duration::from_micros(u64::try_from(micros).unwrap_or(0)));
    micros
}

fn now_julian_ms() -> i64 {
    let since_unix = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    UNIX_EPOCH_JULIAN_MS + i64::try_from(since_unix.as_millis()).unwrap_or(0)
}

unsafe extern "C" fn x_current_time(_: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    // SAFETY: SQLite passes a valid out pointer.
    unsafe { *out = now_julian_ms() as f64 / 86_400_000.0 };
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_current_time_int64(_: *mut ffi::sqlite3_vfs, out: *mut i64) -> c_int {
    // SAFETY: SQLite passes a valid out pointer.
    unsafe { *out = now_julian_ms() };
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_get_last_error(_: *mut ffi::sqlite3_vfs, _: c_int, _: *mut c_char) -> c_int {
    0
}

/// SQLite's hook for an OS layer it does not have built in: register ours as the default.
#[unsafe(no_mangle)]
pub extern "C" fn sqlite3_os_init() -> c_int {
    // WASI has no working directory; the host names its own in SQLINK_CWD, and wasi-libc
    // keeps it for this component, so relative paths (ATTACH 'other.db') mean what the
    // user means.
    if let Ok(cwd) = std::env::var("SQLINK_CWD") {
        let _ = std::env::set_current_dir(cwd);
    }
    // SQLite keeps the pointer for the life of the process, so the VFS is leaked once.
    let vfs = Box::leak(Box::new(ffi::sqlite3_vfs {
        iVersion: 2,
        szOsFile: std::mem::size_of::<VfsFile>() as c_int,
        mxPathname: MAX_PATHNAME,
        pNext: std::ptr::null_mut(),
        zName: NAME.as_ptr(),
        pAppData: std::ptr::null_mut(),
        xOpen: Some(x_open),
        xDelete: Some(x_delete),
        xAccess: Some(x_access),
        xFullPathname: Some(x_full_pathname),
        xDlOpen: Some(x_dl_open),
        xDlError: Some(x_dl_error),
        // Never called: xDlOpen hands out no handle to look symbols up in.
        xDlSym: None,
        xDlClose: Some(x_dl_close),
        xRandomness: Some(x_randomness),
        xSleep: Some(x_sleep),
        xCurrentTime: Some(x_current_time),
        xGetLastError: Some(x_get_last_error),
        xCurrentTimeInt64: Some(x_current_time_int64),
        xSetSystemCall: None,
        xGetSystemCall: None,
        xNextSystemCall: None,
    }));
    // SAFETY: `vfs` is fully initialised and lives forever; SQLite calls os_init once
    // from sqlite3_initialize, single-threaded.
    unsafe { ffi::sqlite3_vfs_register(vfs, 1) }
}

/// SQLite's shutdown hook for the OS layer: nothing to undo (the VFS stays registered).
#[unsafe(no_mangle)]
pub extern "C" fn sqlite3_os_end() -> c_int {
    ffi::SQLITE_OK
}
