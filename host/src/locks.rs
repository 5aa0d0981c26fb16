//! The runtime's `file-locks` import: SQLite's lock levels as the byte-range locks that
//! SQLite's own unix VFS takes, so `sqlink` and native SQLite programs (the `sqlite3` shell,
//! Python, rusqlite) on one database file exclude each other.
//!
//! The protocol is os_unix.c's: a SHARED lock is a read lock on the 510-byte shared range
//! (taken while briefly holding a read lock on the pending byte, so no new reader slips in
//! while a writer waits), RESERVED a write lock on the reserved byte, PENDING a write lock on
//! the pending byte, EXCLUSIVE a write lock on the whole shared range.
//!
//! On Linux the locks are open-file-description locks (`F_OFD_SETLK`) on a descriptor this
//! handle owns. They conflict with the classic POSIX locks native SQLite takes, but unlike
//! those they are not dropped when the process closes some other descriptor of the same file
//! (the runtime's own WASI descriptor, or an extension granted `--allow-dir` reading the
//! database), and two handles in one process exclude each other as two processes would, so
//! no process-wide table of inodes is needed. Other unix systems get classic POSIX locks,
//! with POSIX's caveat that closing any descriptor of the file releases them.

use std::fs::{File, OpenOptions};
use std::path::{Component, Path, PathBuf};

use wasmtime::component::{Resource, ResourceTable};

use crate::bindings::file_locks::{self, LockError, LockLevel};

/// Where SQLite's locks live in a database file (os_unix.c, identical in every SQLite).
const PENDING_BYTE: i64 = 0x4000_0000;
const RESERVED_BYTE: i64 = PENDING_BYTE + 1;
const SHARED_FIRST: i64 = PENDING_BYTE + 2;
const SHARED_SIZE: i64 = 510;

/// The locks of one connection on one database file.
pub struct DbLock {
    file: File,
    level: LockLevel,
}

/// What a failed lock call means to SQLite.
pub(crate) enum Failure {
    /// Someone else holds a conflicting lock.
    Busy,
    Io(std::io::Error),
}

fn rank(level: LockLevel) -> u8 {
    match level {
        LockLevel::None => 0,
        LockLevel::Shared => 1,
        LockLevel::Reserved => 2,
        LockLevel::Pending => 3,
        LockLevel::Exclusive => 4,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Read,
    Write,
    Unlock,
}

#[cfg(unix)]
pub(crate) mod sys {
    use std::os::fd::AsRawFd;

    use super::{Failure, Kind};

    #[cfg(target_os = "linux")]
    const SET: libc::c_int = libc::F_OFD_SETLK;
    #[cfg(target_os = "linux")]
    const GET: libc::c_int = libc::F_OFD_GETLK;
    #[cfg(not(target_os = "linux"))]
    const SET: libc::c_int = libc::F_SETLK;
    #[cfg(not(target_os = "linux"))]
    const GET: libc::c_int = libc::F_GETLK;

    fn flock(kind: Kind, start: i64, len: i64) -> libc::flock {
        // SAFETY: `flock` is a plain C struct for which all-zero bytes is a valid value
        // (and l_pid must be 0 for open-file-description locks).
        let mut lock: libc::flock = unsafe { std::mem::zeroed() };
        lock.l_type = match kind {
            Kind::Read => libc::F_RDLCK,
            Kind::Write => libc::F_WRLCK,
            Kind::Unlock => libc::F_UNLCK,
        } as _;
        lock.l_whence = libc::SEEK_SET as _;
        lock.l_start = start as _;
        lock.l_len = len as _;
        lock
    }

    /// Take, change or drop a lock on `len` bytes at `start` without waiting.
    pub fn set(file: &std::fs::File, kind: Kind, start: i64, len: i64) -> Result<(), Failure> {
        let lock = flock(kind, start, len);
        // SAFETY: the descriptor belongs to `file`, alive for the call, and `lock` is a
        // valid flock that fcntl only reads.
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), SET, &lock) };
        if rc == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EAGAIN | libc::EACCES | libc::EINTR) => Err(Failure::Busy),
            _ => Err(Failure::Io(err)),
        }
    }

    /// Whether some other handle holds a lock that would conflict with a write lock there.
    pub fn write_locked_elsewhere(file: &std::fs::File, start: i64, len: i64) -> Result<bool, Failure> {
        Ok(held_elsewhere(file, start, len)?.is_some())
    }

    /// The kind of lock some other handle holds there (one that would conflict with a
    /// write lock), if any.
    pub fn held_elsewhere(file: &std::fs::File, start: i64, len: i64) -> Result<Option<Kind>, Failure> {
        let mut lock = flock(Kind::Write, start, len);
        // SAFETY: as in `set`; F_GETLK writes the conflicting lock (if any) into `lock`.
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), GET, &mut lock) };
        if rc != 0 {
            return Err(Failure::Io(std::io::Error::last_os_error()));
        }
        Ok(match libc::c_int::from(lock.l_type) {
            libc::F_UNLCK => None,
            libc::F_RDLCK => Some(Kind::Read),
            _ => Some(Kind::Write),
        })
    }
}

#[cfg(not(unix))]
pub(crate) mod sys {
    use super::{Failure, Kind};

    fn unsupported() -> Failure {
        Failure::Io(std::io::Error::new(std::io::ErrorKind::Unsupported, "file locks are implemented for unix hosts only"))
    }

    pub fn set(_: &std::fs::File, _: Kind, _: i64, _: i64) -> Result<(), Failure> {
        Err(unsupported())
    }

    pub fn write_locked_elsewhere(_: &std::fs::File, _: i64, _: i64) -> Result<bool, Failure> {
        Err(unsupported())
    }

    pub fn held_elsewhere(_: &std::fs::File, _: i64, _: i64) -> Result<Option<Kind>, Failure> {
        Err(unsupported())
    }
}

impl DbLock {
    /// A handle on the database at `path`, holding no lock yet.
    pub fn open(path: &Path) -> std::io::Result<DbLock> {
        // Write locks need a descriptor open for writing; a read-only file can still be
        // shared-locked by a reader.
        let file = OpenOptions::new().read(true).write(true).open(path).or_else(|_| File::open(path))?;
        Ok(DbLock { file, level: LockLevel::None })
    }

    pub fn level(&self) -> LockLevel {
        self.level
    }

    fn set(&self, kind: Kind, start: i64, len: i64) -> Result<(), Failure> {
        sys::set(&self.file, kind, start, len)
    }

    /// Raise the lock to `level`, as os_unix.c's unixLock does. Never waits.
    pub fn acquire(&mut self, level: LockLevel) -> Result<(), LockError> {
        if rank(self.level) >= rank(level) {
            return Ok(());
        }
        let result = self.raise(level);
        result.map_err(|failure| match failure {
            Failure::Busy => LockError::Busy(self.level),
            Failure::Io(e) => LockError::Io(e.to_string()),
        })
    }

    fn raise(&mut self, level: LockLevel) -> Result<(), Failure> {
        match level {
            LockLevel::None => Ok(()),
            LockLevel::Shared => {
                // The pending byte, held for a moment, keeps new readers out while a writer
                // waits for the old ones to leave.
                self.set(Kind::Read, PENDING_BYTE, 1)?;
                let shared = self.set(Kind::Read, SHARED_FIRST, SHARED_SIZE);
                let released = self.set(Kind::Unlock, PENDING_BYTE, 1);
                shared?;
                released?;
                self.level = LockLevel::Shared;
                Ok(())
            }
            LockLevel::Reserved => {
                self.set(Kind::Write, RESERVED_BYTE, 1)?;
                self.level = LockLevel::Reserved;
                Ok(())
            }
            LockLevel::Pending | LockLevel::Exclusive => {
                if rank(self.level) < rank(LockLevel::Pending) {
                    self.set(Kind::Write, PENDING_BYTE, 1)?;
                    self.level = LockLevel::Pending;
                }
                if level == LockLevel::Exclusive {
                    // Fails while readers remain; PENDING stays held, so SQLite's retry
                    // only waits for them to finish.
                    self.set(Kind::Write, SHARED_FIRST, SHARED_SIZE)?;
                    self.level = LockLevel::Exclusive;
                }
                Ok(())
            }
        }
    }

    /// Lower the lock to `level` (SHARED or NONE), as os_unix.c's posixUnlock does.
    pub fn release(&mut self, level: LockLevel) -> Result<(), LockError> {
        if rank(self.level) <= rank(level) {
            return Ok(());
        }
        let io = |failure| match failure {
            Failure::Busy => LockError::Io(String::from("a lock could not be downgraded")),
            Failure::Io(e) => LockError::Io(e.to_string()),
        };
        if rank(self.level) > rank(LockLevel::Shared) {
            if level == LockLevel::Shared {
                // Turns the exclusive write lock back into a read lock in one step.
                self.set(Kind::Read, SHARED_FIRST, SHARED_SIZE).map_err(io)?;
            }
            // The pending and reserved bytes, together.
            self.set(Kind::Unlock, PENDING_BYTE, 2).map_err(io)?;
            self.level = LockLevel::Shared;
        }
        if level == LockLevel::None {
            // Length 0: to the end of the file and beyond, i.e. everything.
            self.set(Kind::Unlock, 0, 0).map_err(io)?;
            self.level = LockLevel::None;
        }
        Ok(())
    }

    /// Whether any handle (this one, or another in any process) holds RESERVED or more.
    pub fn reserved_by_any(&self) -> Result<bool, LockError> {
        if rank(self.level) > rank(LockLevel::Shared) {
            return Ok(true);
        }
        sys::write_locked_elsewhere(&self.file, RESERVED_BYTE, 1).map_err(|failure| match failure {
            Failure::Busy => LockError::Io(String::from("the reserved lock could not be checked")),
            Failure::Io(e) => LockError::Io(e.to_string()),
        })
    }
}

/// The `file-locks` import of one runtime: lock handles on files inside the directories
/// the runtime was given, and nowhere else.
pub struct FileLocks {
    pub(crate) table: ResourceTable,
    dirs: Vec<PathBuf>,
}

impl FileLocks {
    /// `dirs`: the runtime's preopened directories, each mounted at its own host path.
    pub fn new(dirs: Vec<PathBuf>) -> Self {
        FileLocks { table: ResourceTable::new(), dirs }
    }

    /// The host path of the runtime's `path`, if it lies inside one of its directories.
    pub(crate) fn confine(&self, path: &str) -> Option<PathBuf> {
        let path = Path::new(path);
        let plain = path.is_absolute() && path.components().all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
        (plain && self.dirs.iter().any(|dir| path.starts_with(dir))).then(|| path.to_path_buf())
    }

    fn lock(&mut self, handle: &Resource<DbLock>) -> Result<&mut DbLock, LockError> {
        self.table.get_mut(handle).map_err(|e| LockError::Io(e.to_string()))
    }
}

impl file_locks::Host for FileLocks {}

impl file_locks::HostFileLock for FileLocks {
    fn open(&mut self, path: String) -> Result<Resource<DbLock>, String> {
        let host_path = self.confine(&path).ok_or_else(|| format!("{path} is outside the directories sqlink may use"))?;
        let lock = DbLock::open(&host_path).map_err(|e| format!("{path}: {e}"))?;
        self.table.push(lock).map_err(|e| e.to_string())
    }

    fn acquire(&mut self, handle: Resource<DbLock>, level: LockLevel) -> Result<(), LockError> {
        self.lock(&handle)?.acquire(level)
    }

    fn release(&mut self, handle: Resource<DbLock>, level: LockLevel) -> Result<(), LockError> {
        self.lock(&handle)?.release(level)
    }

    fn reserved_by_any(&mut self, handle: Resource<DbLock>) -> Result<bool, LockError> {
        self.lock(&handle)?.reserved_by_any()
    }

    fn drop(&mut self, handle: Resource<DbLock>) -> wasmtime::Result<()> {
        // Closing the descriptor drops its locks (open-file-description locks die with it).
        self.table.delete(handle)?;
        Ok(())
    }
}
