//! `fileio_ls(path, recursive)`: a path's own row, then (for a directory) a row per child,
//! and with `recursive` per descendant, each directory's rows right after its own.

use std::fs::{self, Metadata, ReadDir};
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use sqlink_sdk::Error;

/// One row: name, mode, mtime, size.
pub type Entry = (String, i64, i64, i64);

/// `st_mode`'s file type bits (`S_IFDIR` …). WASI tells a file's type but not its permission
/// bits (it has no chmod either), so a mode carries the type alone.
pub fn mode(meta: &Metadata) -> i64 {
    let kind = meta.file_type();
    if kind.is_symlink() {
        0o120000
    } else if kind.is_dir() {
        0o040000
    } else if kind.is_file() {
        0o100000
    } else {
        0
    }
}

/// `st_mtime`: whole seconds since the Unix epoch, rounded down (also before it).
pub fn mtime(meta: &Metadata) -> i64 {
    let Ok(modified) = meta.modified() else { return 0 };
    match modified.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let before = before.duration();
            let secs = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            if before.subsec_nanos() > 0 { -secs - 1 } else { -secs }
        }
    }
}

pub fn row(name: String, meta: &Metadata) -> Entry {
    (name, mode(meta), mtime(meta), i64::try_from(meta.len()).unwrap_or(i64::MAX))
}

/// A directory being listed, and the name its children's names start with.
struct Level {
    entries: ReadDir,
    name: String,
}

/// The rows after the first, read from the file system as SQLite asks for them.
pub struct Listing {
    first: Option<Entry>,
    /// A directory to list before going on (its path and its name), opened at the next row
    /// so that a failure to read it ends the listing there.
    descend: Option<(PathBuf, String)>,
    levels: Vec<Level>,
    recursive: bool,
    failed: bool,
}

impl Listing {
    /// The listing of `path` (resolved), named `name` as the user wrote it, whose lstat is
    /// `meta`; or no rows, for `None` (no such file).
    pub fn new(path: PathBuf, name: String, meta: Option<Metadata>, recursive: bool) -> Listing {
        let Some(meta) = meta else {
            return Listing { first: None, descend: None, levels: Vec::new(), recursive, failed: true };
        };
        // The path given is listed whatever `recursive` says; a link to a directory is not.
        let descend = meta.is_dir().then(|| (path, name.clone()));
        Listing { first: Some(row(name, &meta)), descend, levels: Vec::new(), recursive, failed: false }
    }

    fn fail(&mut self, message: String) -> Option<Result<Entry, Error>> {
        self.failed = true;
        Some(Err(Error::new(message)))
    }
}

impl Iterator for Listing {
    type Item = Result<Entry, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(first) = self.first.take() {
            return Some(Ok(first));
        }
        if self.failed {
            return None;
        }
        if let Some((path, name)) = self.descend.take() {
            match fs::read_dir(&path) {
                Ok(entries) => self.levels.push(Level { entries, name }),
                Err(e) => return self.fail(format!("fileio_ls(): cannot read directory {name}: {e}")),
            }
        }
        while let Some(level) = self.levels.last_mut() {
            let Some(entry) = level.entries.next() else {
                self.levels.pop();
                continue;
            };
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let message = format!("fileio_ls(): cannot read directory {}: {e}", level.name);
                    return self.fail(message);
                }
            };
            let name = format!("{}/{}", level.name, entry.file_name().to_string_lossy());
            let path = entry.path();
            // lstat, as sqlean: a link is listed as a link, and not followed.
            let meta = match fs::symlink_metadata(&path) {
                Ok(meta) => meta,
                Err(e) => return self.fail(format!("fileio_ls(): cannot stat file {name}: {e}")),
            };
            if self.recursive && meta.is_dir() {
                self.descend = Some((path, name.clone()));
            }
            return Some(Ok(row(name, &meta)));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_a_tree_depth_first() {
        let root = std::env::temp_dir().join(format!("fileio-ls-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("sub/deeper")).unwrap();
        fs::write(root.join("a.txt"), "abc").unwrap();
        fs::write(root.join("sub/b.txt"), "").unwrap();
        fs::write(root.join("sub/deeper/c.txt"), "c").unwrap();
        let name = root.display().to_string();
        let list = |recursive| {
            let meta = fs::symlink_metadata(&root).ok();
            let mut rows: Vec<_> = Listing::new(root.clone(), name.clone(), meta, recursive).map(|r| r.unwrap()).collect();
            let first = rows.remove(0);
            rows.sort();
            (first, rows)
        };
        let (first, children) = list(false);
        assert_eq!((first.0.as_str(), first.1), (name.as_str(), 0o040000));
        let names: Vec<_> = children.iter().map(|r| r.0.strip_prefix(&name).unwrap().to_owned()).collect();
        assert_eq!(names, ["/a.txt", "/sub"]);
        assert_eq!((children[0].1, children[0].3), (0o100000, 3));
        let (_, all) = list(true);
        let names: Vec<_> = all.iter().map(|r| r.0.strip_prefix(&name).unwrap().to_owned()).collect();
        assert_eq!(names, ["/a.txt", "/sub", "/sub/b.txt", "/sub/deeper", "/sub/deeper/c.txt"]);
        assert_eq!(Listing::new(root.join("missing"), "missing".into(), None, true).count(), 0);
        fs::remove_dir_all(&root).unwrap();
    }
}
