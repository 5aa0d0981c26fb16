//! sqlink's VFS: SQLite's files on WASI, with SQLite's locks taken through the host.
//!
//! WASI (0.2) gives files but no lock call, so a VFS over WASI alone lets two processes
//! interleave their journals and pages and lose writes that reported success. Here every
//! main database file gets a `file-locks` handle from the host, and xLock / xUnlock /
//! xCheckReservedLock go to it with SQLite's lock levels; the host maps them onto whatever
//! the platform has (natively the unix VFS's byte-range locks, so native SQLite processes
//! and sqlink exclude each other).
//!
//! The I/O methods have version 1: no xShmMap, so SQLite refuses WAL on a shared file (it
//! keeps the old journal mode) and uses WAL only in `locking_mode=EXCLUSIVE`, where the
//! WAL index lives in the process's own memory.
//!
//! SQLite is built with SQLITE_OS_OTHER, so it calls [`sqlite3_os_init`] (defined here) to
//! find its default VFS.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libsqlite3_sys as ffi;

use crate::bindings::sqlink::wasm::file_locks::{FileLock, LockError, LockLevel};

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
}

// wasi-libc's positional I/O; std's `FileExt` for WASI is still unstable.
unsafe extern "C" {
    fn pread(fd: c_int, buf: *mut c_void, count: usize, offset: i64) -> isize;
    fn pwrite(fd: c_int, buf: *const c_void, count: usize, offset: i64) -> isize;
}

impl DiskFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            let at = i64::try_from(offset + done as u64).map_err(|_| ErrorKind::InvalidInput)?;
            let rest = &mut buf[done..];
            // SAFETY: `rest` is a live, writable buffer of `rest.len()` bytes, and the
            // descriptor belongs to `self.file`, which outlives the call.
            let n = unsafe { pread(self.file.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len(), at) };
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
        let DiskFile { file, path, lock, delete_on_close, .. } = disk;
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
    let (state, opened_flags) = match unsafe { path_of(name) } {
        None if !name.is_null() => return ffi::SQLITE_CANTOPEN,
        None => (FileState::Memory(Vec::new()), flags),
        Some(path) => match open_disk(path, flags) {
            Ok((disk, opened_flags)) => (FileState::Disk(disk), opened_flags),
            Err(code) => return code,
        },
    };
    // SAFETY: as above; the Box is freed by xClose.
    unsafe {
        (*handle).state = Box::into_raw(Box::new(state));
        (*handle).base.pMethods = &IO_METHODS;
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
