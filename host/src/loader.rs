//! Finding an extension's bytes: a bundled name, a name on `SQLINK_PATH`, or a path.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::embedded;

/// Where an extension's bytes came from, for `.extensions`.
pub struct Found {
    pub bytes: Cow<'static, [u8]>,
    pub source: String,
    /// A bundled extension that needs the clock gets it without `--allow-clock`.
    pub grants_clock: bool,
}

/// The directories of `SQLINK_PATH` (':'-separated), searched for `NAME.wasm`.
pub fn search_path() -> Vec<PathBuf> {
    std::env::var_os("SQLINK_PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default()
}

fn looks_like_path(target: &str) -> bool {
    target.contains('/') || target.ends_with(".wasm")
}

pub fn find(target: &str, search_path: &[PathBuf]) -> Result<Found> {
    if !looks_like_path(target) {
        if let Some(bytes) = embedded::extension(target) {
            return Ok(Found {
                bytes: Cow::Borrowed(bytes),
                source: String::from("bundled"),
                grants_clock: embedded::grants_clock(target),
            });
        }
        for dir in search_path {
            let candidate = dir.join(format!("{target}.wasm"));
            if candidate.is_file() {
                return read(&candidate);
            }
        }
        bail!(
            "no extension named \"{target}\": bundled are {}, and SQLINK_PATH {}",
            embedded::names().collect::<Vec<_>>().join(", "),
            if search_path.is_empty() { "is not set".to_owned() } else { "has none".to_owned() }
        );
    }
    let path = Path::new(target);
    if !path.exists() {
        bail!("no such file: {target}");
    }
    read(path)
}

fn read(path: &Path) -> Result<Found> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Found { bytes: Cow::Owned(bytes), source: path.display().to_string(), grants_clock: false })
}
