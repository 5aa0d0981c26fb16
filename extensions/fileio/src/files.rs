//! What one call may reach: the directories granted to the extension, asked anew on every
//! call, and how a path the user wrote leads into them.
//!
//! The host preopens each granted directory at its own absolute path, so an absolute path
//! means what it means outside the sandbox. A call has no working directory of its own
//! (WASI's is `/`), so a relative path is taken from the first granted directory: with
//! `--allow-dir .` that is the directory sqlink was started in, as it is for sqlean.
//!
//! std asks WASI for the granted directories once per instance; the host notes that a call
//! looked for files without a grant only when the call itself asks, so every call asks.

use std::io;
use std::path::{Path, PathBuf};

use sqlink_sdk::Error;

/// WASI's errno (EPERM) for a path that leads out of its granted directory.
#[cfg(target_os = "wasi")]
const NOT_PERMITTED: i32 = 63;

/// The directories granted to this call (or, in a native build, no sandbox at all).
pub struct Files {
    #[cfg(target_os = "wasi")]
    grants: Vec<(wasip2::filesystem::types::Descriptor, PathBuf)>,
}

impl Files {
    /// Ask for the granted directories.
    #[cfg(target_os = "wasi")]
    pub fn open() -> Files {
        let grants = wasip2::filesystem::preopens::get_directories().into_iter().map(|(dir, name)| (dir, PathBuf::from(name))).collect();
        Files { grants }
    }

    /// Natively (the unit tests) every path is reachable, relative to the process's directory.
    #[cfg(not(target_os = "wasi"))]
    pub fn open() -> Files {
        Files {}
    }

    /// Where `path` leads: itself when absolute, else from the first granted directory.
    /// The empty path stays empty (no file has it), rather than naming that directory.
    pub fn resolve(&self, path: &str) -> PathBuf {
        let given = Path::new(path);
        if path.is_empty() || given.is_absolute() {
            return given.to_path_buf();
        }
        match self.base() {
            Some(base) => base.join(given),
            None => given.to_path_buf(),
        }
    }

    #[cfg(target_os = "wasi")]
    fn base(&self) -> Option<&Path> {
        self.grants.first().map(|(_, dir)| dir.as_path())
    }

    #[cfg(not(target_os = "wasi"))]
    fn base(&self) -> Option<&Path> {
        None
    }

    /// The granted directory `path` (resolved) lies in, the innermost if several, and the
    /// rest of the path below it; WASI matches a path to a grant the same way, by components.
    #[cfg(target_os = "wasi")]
    fn grant_of(&self, path: &Path) -> Option<(&wasip2::filesystem::types::Descriptor, PathBuf)> {
        self.grants
            .iter()
            .filter_map(|(dir, name)| path.strip_prefix(name).ok().map(|rest| (dir, name.components().count(), rest.to_path_buf())))
            .max_by_key(|(_, depth, _)| *depth)
            .map(|(dir, _, rest)| (dir, rest))
    }

    /// Whether the sandbox, rather than the file, is why an operation on `path` (resolved)
    /// failed: nothing is granted, the path is in no granted directory (WASI then says only
    /// "no such file"), or it leads out of one (through `..` or a symbolic link).
    #[cfg(target_os = "wasi")]
    pub fn refused(&self, path: &Path, error: &io::Error) -> bool {
        // No file has the empty name, in or out of the sandbox.
        let nameless = path.as_os_str().is_empty();
        self.grants.is_empty() || (!nameless && (self.grant_of(path).is_none() || error.raw_os_error() == Some(NOT_PERMITTED)))
    }

    #[cfg(not(target_os = "wasi"))]
    pub fn refused(&self, _path: &Path, _error: &io::Error) -> bool {
        false
    }

    /// The error for `function` failing to `doing` the file the user called `given`
    /// (`path` resolved): the system's words, or that the path is outside every granted
    /// directory. Without any grant the host adds which option grants one.
    pub fn error(&self, function: &str, doing: &str, given: &str, path: &Path, error: &io::Error) -> Error {
        match self.outside(path) {
            Some(dirs) => Error::new(format!("{function}(): cannot {doing} {given}: it is outside the granted directories ({dirs})")),
            None if self.escaped(error) => {
                Error::new(format!("{function}(): cannot {doing} {given}: {error}: a path may not lead out of a granted directory"))
            }
            None => Error::new(format!("{function}(): cannot {doing} {given}: {error}")),
        }
    }

    /// Whether `error` is WASI refusing a path that leaves its granted directory.
    #[cfg(target_os = "wasi")]
    fn escaped(&self, error: &io::Error) -> bool {
        !self.grants.is_empty() && error.raw_os_error() == Some(NOT_PERMITTED)
    }

    #[cfg(not(target_os = "wasi"))]
    fn escaped(&self, _error: &io::Error) -> bool {
        false
    }

    /// The granted directories, listed, when there are some and `path` is in none of them.
    #[cfg(target_os = "wasi")]
    fn outside(&self, path: &Path) -> Option<String> {
        if self.grants.is_empty() || path.as_os_str().is_empty() || self.grant_of(path).is_some() {
            return None;
        }
        Some(self.grants.iter().map(|(_, dir)| dir.display().to_string()).collect::<Vec<_>>().join(", "))
    }

    #[cfg(not(target_os = "wasi"))]
    fn outside(&self, _path: &Path) -> Option<String> {
        None
    }

    /// Make `link` (resolved) a symbolic link to `target`, which is stored as written. std
    /// has no stable call for it in WASI, so the link is made in its granted directory.
    #[cfg(target_os = "wasi")]
    pub fn symlink(&self, target: &str, link: &Path) -> io::Result<()> {
        let Some((dir, rest)) = self.grant_of(link) else {
            return Err(io::Error::new(io::ErrorKind::NotFound, "No such file or directory"));
        };
        let rest =
            rest.to_str().filter(|rest| !rest.is_empty()).ok_or_else(|| io::Error::new(io::ErrorKind::AlreadyExists, "File exists"))?;
        dir.symlink_at(target, rest).map_err(|code| {
            // "Operation not permitted, similar to `EPERM` in POSIX." -> its first words.
            let words = code.message().split(", similar to").next().unwrap_or(code.name());
            let words = match code {
                // WASI refuses absolute targets, which would point outside the sandbox.
                wasip2::filesystem::types::ErrorCode::NotPermitted if target.starts_with('/') => {
                    "Operation not permitted (WASI allows only relative link targets)"
                }
                _ => words.trim_end_matches('.'),
            };
            io::Error::other(words.to_owned())
        })
    }

    #[cfg(all(not(target_os = "wasi"), unix))]
    pub fn symlink(&self, target: &str, link: &Path) -> io::Result<()> {
        std::os::unix::fs::symlink(target, link)
    }

    #[cfg(all(not(target_os = "wasi"), not(unix)))]
    pub fn symlink(&self, _target: &str, _link: &Path) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "symbolic links are not supported here"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natively_paths_are_taken_as_written() {
        let files = Files::open();
        assert_eq!(files.resolve("a/b.txt"), PathBuf::from("a/b.txt"));
        assert_eq!(files.resolve("/x/y"), PathBuf::from("/x/y"));
        assert_eq!(files.resolve(""), PathBuf::from(""));
        let error = io::Error::new(io::ErrorKind::NotFound, "No such file or directory");
        assert!(!files.refused(Path::new("/x"), &error));
        assert_eq!(files.error("f", "read", "x", Path::new("x"), &error).message, "f(): cannot read x: No such file or directory");
    }
}
