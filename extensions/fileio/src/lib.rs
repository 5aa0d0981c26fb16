//! sqlean's `fileio`: read, write and list files from SQL, inside the sandbox. The extension
//! reaches only the directories granted to it (`--allow-dir DIR`, or `allow_dir`), at their
//! own absolute paths; a relative path starts from the first granted directory. Without a
//! grant every call that looks for a file fails, and the host's error names the grant.
//!
//! As in sqlean, a file that is missing or unreadable reads as NULL (and lists as no rows);
//! but a path the sandbox keeps out of reach is an error, so that a missing grant is never
//! mistaken for a missing file. WASI has no permission bits: a mode (`fileio_ls`) carries
//! the file type alone, and a `perm` argument other than sqlean's default is refused.

mod files;
mod ls;
mod scan;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use sqlink_sdk::{Error, codes, export_extension, sqlite_scalar, sqlite_table_function};

use files::Files;
use ls::Listing;
use scan::Lines;

/// The largest blob `fileio_read` returns: SQLite's default length limit.
const MAX_BLOB: u64 = 1_000_000_000;

/// `sqlite3_value_int`: sqlean reads these arguments as a C `int`, keeping the low 32 bits.
fn c_int(value: i64) -> i32 {
    value as i32
}

/// The file at `path` (`given` as the user wrote it) and its contents from byte `offset`, at
/// most `limit` bytes (0: no limit). NULL for a file that is missing or unreadable.
fn read(path: Option<&str>, offset: Option<i64>, limit: Option<i64>) -> Result<Option<Vec<u8>>, Error> {
    let Some(given) = path else { return Ok(None) };
    let offset = offset.map_or(0, c_int);
    if offset < 0 {
        return Err(Error::new("fileio_read(): offset must be >= 0"));
    }
    let limit = limit.map_or(0, c_int);
    if limit < 0 {
        return Err(Error::new("fileio_read(): limit must be >= 0"));
    }
    let files = Files::open();
    let path = files.resolve(given);
    let failed = |e: io::Error| files.error("fileio_read", "read", given, &path, &e);
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if files.refused(&path, &e) => return Err(failed(e)),
        Err(_) => return Ok(None),
    };
    let meta = file.metadata().map_err(failed)?;
    if meta.is_dir() {
        // sqlean fails too (it takes a directory's size for a file's).
        return Err(failed(io::Error::new(io::ErrorKind::IsADirectory, "Is a directory")));
    }
    let (offset, limit) = (u64::from(offset.unsigned_abs()), u64::from(limit.unsigned_abs()));
    if offset > meta.len() {
        return Ok(Some(Vec::new()));
    }
    let mut length = meta.len() - offset;
    if limit > 0 && limit < length {
        length = limit;
    }
    if length > MAX_BLOB {
        return Err(Error::with_code(codes::TOOBIG, format!("fileio_read(): {given} is too big ({length} bytes)")));
    }
    let mut contents = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    file.seek(SeekFrom::Start(offset)).and_then(|_| file.take(length).read_to_end(&mut contents)).map_err(failed)?;
    Ok(Some(contents))
}

/// The contents of file `path` as a blob; NULL if it is missing or unreadable.
#[sqlite_scalar(name = "fileio_read", direct_only)]
pub fn fileio_read(path: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
    read(path, None, None)
}

/// The contents of file `path` from byte `offset` (0 is the start).
#[sqlite_scalar(name = "fileio_read", direct_only)]
pub fn fileio_read_from(path: Option<&str>, offset: Option<i64>) -> Result<Option<Vec<u8>>, Error> {
    read(path, offset, None)
}

/// At most `limit` bytes (0: all) of file `path` from byte `offset`.
#[sqlite_scalar(name = "fileio_read", direct_only)]
pub fn fileio_read_part(path: Option<&str>, offset: Option<i64>, limit: Option<i64>) -> Result<Option<Vec<u8>>, Error> {
    read(path, offset, limit)
}

/// Open `path` with `open`; when its directory is missing, make it (and those above it)
/// first, as sqlean does.
fn with_parents<T>(path: &Path, open: impl Fn(&Path) -> io::Result<T>) -> io::Result<T> {
    match open(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent)?;
            }
            open(path)
        }
        other => other,
    }
}

/// The error for a permission-bits argument, which WASI cannot apply: it has no chmod, and
/// a file quietly left with other permissions than asked for could be readable by others.
fn no_chmod(function: &str, given: &str, perm: i32, default: i32) -> Error {
    Error::new(format!(
        "{function}(): cannot give {given} the permission bits {perm:o} (octal): WASI has no chmod; \
         leave perm out (or pass {default}) for the permissions the host gives new files"
    ))
}

/// `fileio_write` with its `arity` arguments (2 to 4): the number of bytes written; with
/// two arguments NULL on failure, with more an error, as sqlean.
fn write(arity: usize, path: Option<&str>, data: Option<&[u8]>, perm: Option<i64>, mtime: Option<i64>) -> Result<Option<i64>, Error> {
    let Some(given) = path else { return Ok(None) };
    const DEFAULT_PERM: i32 = 0o666;
    // sqlean: a NULL perm is 0, which changes nothing; a NULL mtime is 0, the epoch.
    let perm = perm.map_or(0, c_int);
    if arity >= 3 && perm != 0 && perm != DEFAULT_PERM {
        return Err(no_chmod("fileio_write", given, perm, DEFAULT_PERM));
    }
    let mtime = if arity == 4 { Some(mtime.unwrap_or(0)).filter(|secs| *secs >= 0) } else { None };
    let files = Files::open();
    let path = files.resolve(given);
    let data = data.unwrap_or_default();
    let written = with_parents(&path, |p| File::create(p)).and_then(|mut file| {
        file.write_all(data)?;
        if let Some(secs) = mtime {
            let time = UNIX_EPOCH
                .checked_add(Duration::from_secs(secs.unsigned_abs()))
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("mtime {secs} is out of range")))?;
            file.set_modified(time)?;
        }
        Ok(())
    });
    match written {
        Ok(()) => Ok(Some(i64::try_from(data.len()).unwrap_or(i64::MAX))),
        Err(e) if arity == 2 && !files.refused(&path, &e) => Ok(None),
        Err(e) => Err(files.error("fileio_write", "write", given, &path, &e)),
    }
}

/// Write `data` (a blob, or text as its bytes) to file `path`, replacing it; the number of
/// bytes written, or NULL if it could not be written. Missing directories are made.
#[sqlite_scalar(name = "fileio_write", direct_only)]
pub fn fileio_write(path: Option<&str>, data: Option<&[u8]>) -> Result<Option<i64>, Error> {
    write(2, path, data, None, None)
}

/// `fileio_write` with permission bits `perm` (decimal), which WASI cannot set: only 0 and
/// sqlean's default 438 (octal 666) are accepted.
#[sqlite_scalar(name = "fileio_write", direct_only)]
pub fn fileio_write_perm(path: Option<&str>, data: Option<&[u8]>, perm: Option<i64>) -> Result<Option<i64>, Error> {
    write(3, path, data, perm, None)
}

/// `fileio_write` that then sets the file's modification time to `mtime` (seconds since the
/// Unix epoch; a negative one leaves it).
#[sqlite_scalar(name = "fileio_write", direct_only)]
pub fn fileio_write_mtime(path: Option<&str>, data: Option<&[u8]>, perm: Option<i64>, mtime: Option<i64>) -> Result<Option<i64>, Error> {
    write(4, path, data, perm, mtime)
}

/// Append `text` to file `path` (made, with its directories, if missing); the number of
/// bytes appended. Like sqlean, the text ends at its first NUL character.
#[sqlite_scalar(direct_only)]
pub fn fileio_append(path: Option<&str>, text: Option<&[u8]>) -> Result<Option<i64>, Error> {
    let (Some(given), Some(text)) = (path, text) else { return Ok(None) };
    let text = text.split(|b| *b == 0).next().unwrap_or_default();
    let files = Files::open();
    let path = files.resolve(given);
    let mut file = with_parents(&path, |p| OpenOptions::new().append(true).create(true).open(p))
        .map_err(|e| files.error("fileio_append", "open", given, &path, &e))?;
    file.write_all(text).map_err(|e| files.error("fileio_append", "append to", given, &path, &e))?;
    Ok(Some(i64::try_from(text.len()).unwrap_or(i64::MAX)))
}

/// Make directory `path` (its parent must exist); nothing if it is one already.
fn mkdir(path: Option<&str>, perm: Option<i32>) -> Result<(), Error> {
    let Some(given) = path else { return Ok(()) };
    const DEFAULT_PERM: i32 = 0o777;
    if let Some(perm) = perm.filter(|perm| *perm != DEFAULT_PERM) {
        return Err(no_chmod("fileio_mkdir", given, perm, DEFAULT_PERM));
    }
    let files = Files::open();
    let path = files.resolve(given);
    match fs::create_dir(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        Err(e) => Err(files.error("fileio_mkdir", "create directory", given, &path, &e)),
    }
}

/// Make directory `path`; NULL. An existing directory is left as it is.
#[sqlite_scalar(name = "fileio_mkdir", direct_only)]
pub fn fileio_mkdir(path: Option<&str>) -> Result<(), Error> {
    mkdir(path, None)
}

/// `fileio_mkdir` with permission bits `perm` (decimal), which WASI cannot set: only
/// sqlean's default 511 (octal 777) is accepted.
#[sqlite_scalar(name = "fileio_mkdir", direct_only)]
pub fn fileio_mkdir_perm(path: Option<&str>, perm: Option<i64>) -> Result<(), Error> {
    // sqlean: a NULL perm is 0.
    mkdir(path, Some(perm.map_or(0, c_int)))
}

/// Make `dst` a symbolic link to `src` (stored as written, so a relative `src` is taken
/// from the link's directory); NULL.
#[sqlite_scalar(direct_only)]
pub fn fileio_symlink(src: Option<&str>, dst: Option<&str>) -> Result<(), Error> {
    let (Some(target), Some(given)) = (src, dst) else { return Ok(()) };
    let files = Files::open();
    let link = files.resolve(given);
    files.symlink(target, &link).map_err(|e| files.error("fileio_symlink", "create link", given, &link, &e))
}

/// `mode` (an `st_mode`, as `fileio_ls` gives) as `ls -l` writes it: the type (`d`
/// directory, `-` file, `l` link, `?` other) and the permission bits, e.g. `drwxr-xr-x`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn fileio_mode(mode: Option<i64>) -> String {
    let mode = mode.map_or(0, c_int);
    let mut text = String::with_capacity(10);
    text.push(match mode & 0o170000 {
        0o120000 => 'l',
        0o100000 => '-',
        0o040000 => 'd',
        _ => '?',
    });
    for shift in [6, 3, 0] {
        let bits = mode >> shift;
        text.push(if bits & 4 != 0 { 'r' } else { '-' });
        text.push(if bits & 2 != 0 { 'w' } else { '-' });
        text.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    text
}

/// `path` (a file, a link, or a directory with its children; with `dir` true, all its
/// descendants) as rows: name, mode (`st_mode`: here the type bits alone), mtime (seconds
/// since the epoch), size (bytes). A missing path has no rows.
#[sqlite_table_function(name = "fileio_ls", columns(name, mode, mtime, size))]
pub fn fileio_ls(path: Option<String>, dir: Option<i64>) -> Result<Listing, Error> {
    let Some(given) = path else { return Err(Error::new("fileio_ls(): the path must not be NULL")) };
    let recursive = dir.is_some_and(|dir| c_int(dir) != 0);
    let files = Files::open();
    let path = files.resolve(&given);
    match fs::symlink_metadata(&path) {
        Ok(meta) => Ok(Listing::new(path, given, Some(meta), recursive)),
        Err(e) if files.refused(&path, &e) => Err(files.error("fileio_ls", "list", &given, &path, &e)),
        Err(_) => Ok(Listing::new(path, given, None, recursive)),
    }
}

/// The lines of file `name`, one row each (`rowid` is the line number from 1), read as
/// they are asked for. A line ends at `\n` (a `\r` before it is dropped too).
#[sqlite_table_function(name = "fileio_scan", columns(value))]
pub fn fileio_scan(name: Option<String>) -> Result<Lines<File>, Error> {
    // sqlean reads a NULL name as the empty one, which no file has.
    let given = name.unwrap_or_default();
    let files = Files::open();
    let path = files.resolve(&given);
    let file = File::open(&path).map_err(|e| files.error("fileio_scan", "open", &given, &path, &e))?;
    if file.metadata().is_ok_and(|meta| meta.is_dir()) {
        let e = io::Error::new(io::ErrorKind::IsADirectory, "Is a directory");
        return Err(files.error("fileio_scan", "read", &given, &path, &e));
    }
    Ok(Lines::new(file, given))
}

export_extension! {
    name: "fileio",
    scalars: [
        fileio_read, fileio_read as "readfile",
        fileio_read_from, fileio_read_from as "readfile",
        fileio_read_part, fileio_read_part as "readfile",
        fileio_write, fileio_write as "writefile",
        fileio_write_perm, fileio_write_perm as "writefile",
        fileio_write_mtime, fileio_write_mtime as "writefile",
        fileio_append,
        fileio_mkdir, fileio_mkdir as "mkdir",
        fileio_mkdir_perm, fileio_mkdir_perm as "mkdir",
        fileio_symlink, fileio_symlink as "symlink",
        fileio_mode, fileio_mode as "lsmode",
    ],
    table_functions: [fileio_ls, fileio_ls as "lsdir", fileio_scan, fileio_scan as "scanfile"],
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A fresh directory for one test.
    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fileio-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn s(path: &Path) -> String {
        path.display().to_string()
    }

    #[test]
    fn modes_read_as_ls_writes_them() {
        assert_eq!(fileio_mode(Some(16877)), "drwxr-xr-x");
        assert_eq!(fileio_mode(Some(33206)), "-rw-rw-rw-");
        assert_eq!(fileio_mode(Some(41471)), "lrwxrwxrwx");
        assert_eq!(fileio_mode(Some(384)), "?rw-------");
        assert_eq!(fileio_mode(None), "?---------");
        assert_eq!(fileio_mode(Some((1 << 32) + 0o100644)), "-rw-r--r--", "a C int: the low 32 bits");
        assert_eq!(fileio_mode(Some(-1)), "?rwxrwxrwx");
    }

    #[test]
    fn reads_whole_files_and_parts() {
        let dir = scratch("read");
        let file = s(&dir.join("hello.txt"));
        assert_eq!(fileio_write(Some(&file), Some(b"hello world")).unwrap(), Some(11));
        assert_eq!(fileio_read(Some(&file)).unwrap().unwrap(), b"hello world");
        assert_eq!(fileio_read_from(Some(&file), Some(6)).unwrap().unwrap(), b"world");
        assert_eq!(fileio_read_from(Some(&file), Some(12)).unwrap().unwrap(), b"");
        assert_eq!(fileio_read_part(Some(&file), Some(0), Some(5)).unwrap().unwrap(), b"hello");
        assert_eq!(fileio_read_part(Some(&file), Some(6), Some(0)).unwrap().unwrap(), b"world");
        assert_eq!(fileio_read_part(Some(&file), Some(6), Some(1)).unwrap().unwrap(), b"w");
        assert_eq!(fileio_read_part(Some(&file), None, None).unwrap().unwrap(), b"hello world");
        assert_eq!(fileio_read_from(Some(&file), Some(-1)).unwrap_err().message, "fileio_read(): offset must be >= 0");
        assert_eq!(fileio_read_part(Some(&file), Some(0), Some(-1)).unwrap_err().message, "fileio_read(): limit must be >= 0");
        assert_eq!(fileio_read(Some(&s(&dir.join("missing")))).unwrap(), None);
        assert_eq!(fileio_read(None).unwrap(), None);
        assert!(fileio_read(Some(&s(&dir))).is_err(), "a directory");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writes_make_directories_and_set_times() {
        let dir = scratch("write");
        let file = s(&dir.join("a/b/c.txt"));
        assert_eq!(fileio_write_mtime(Some(&file), Some(b"xyz"), None, Some(86400)).unwrap(), Some(3));
        let meta = fs::metadata(&file).unwrap();
        assert_eq!(ls::mtime(&meta), 86400);
        assert_eq!(fileio_write(Some(&file), None).unwrap(), Some(0), "NULL data writes an empty file");
        assert_eq!(fs::read(&file).unwrap(), b"");
        assert_eq!(fileio_write(Some(&s(&dir)), Some(b"x")).unwrap(), None, "a directory: NULL with two arguments");
        assert!(fileio_write_perm(Some(&s(&dir)), Some(b"x"), Some(0)).is_err(), "an error with more");
        let error = fileio_write_perm(Some(&file), Some(b"x"), Some(436)).unwrap_err();
        assert!(error.message.contains("permission bits 664"), "{}", error.message);
        assert_eq!(fileio_write_perm(Some(&file), Some(b"x"), Some(438)).unwrap(), Some(1));
        assert_eq!(fileio_write(None, Some(b"x")).unwrap(), None);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn appends_up_to_a_nul() {
        let dir = scratch("append");
        let file = s(&dir.join("new/log.txt"));
        assert_eq!(fileio_append(Some(&file), Some(b"one\n")).unwrap(), Some(4));
        assert_eq!(fileio_append(Some(&file), Some(b"two\0three")).unwrap(), Some(3));
        assert_eq!(fileio_append(Some(&file), None).unwrap(), None);
        assert_eq!(fs::read(&file).unwrap(), b"one\ntwo");
        assert!(fileio_append(Some(&s(&dir)), Some(b"x")).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn makes_directories_and_links() {
        let dir = scratch("mkdir");
        let sub = s(&dir.join("sub"));
        fileio_mkdir(Some(&sub)).unwrap();
        fileio_mkdir(Some(&sub)).unwrap();
        fileio_mkdir_perm(Some(&sub), Some(511)).unwrap();
        assert!(fileio_mkdir_perm(Some(&sub), Some(493)).is_err());
        assert!(fileio_mkdir(Some(&s(&dir.join("no/parent")))).is_err());
        fs::write(dir.join("hello.txt"), "hi").unwrap();
        assert!(fileio_mkdir(Some(&s(&dir.join("hello.txt")))).is_err(), "a file is there");
        let link = s(&dir.join("hello.lnk"));
        fileio_symlink(Some("hello.txt"), Some(&link)).unwrap();
        assert_eq!(fileio_read(Some(&link)).unwrap().unwrap(), b"hi");
        assert!(fileio_symlink(Some("hello.txt"), Some(&link)).is_err(), "the link exists");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lists_and_scans() {
        let dir = scratch("ls");
        fs::write(dir.join("lines.txt"), "one\r\ntwo\nthree").unwrap();
        let rows: Vec<_> = fileio_ls(Some(s(&dir)), Some(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, format!("{}/lines.txt", s(&dir)));
        assert_eq!(fileio_ls(Some(s(&dir.join("missing"))), None).unwrap().count(), 0);
        assert!(fileio_ls(None, None).is_err());
        let lines: Vec<_> = fileio_scan(Some(s(&dir.join("lines.txt")))).unwrap().map(|r| r.unwrap().0).collect();
        assert_eq!(lines, ["one", "two", "three"].map(|l| sqlink_sdk::Value::Text(l.into())));
        assert!(fileio_scan(Some(s(&dir.join("missing")))).is_err());
        assert!(fileio_scan(None).is_err());
        assert!(fileio_scan(Some(s(&dir))).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
