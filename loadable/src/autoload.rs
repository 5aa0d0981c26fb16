//! What every connection gets without asking: the operator's list of components
//! (`SQLINK_AUTOLOAD`) with the grants of each, and the limits on what SQL may load.
//!
//! A replicated SQLite (a dqlite node, sqld) opens connections of its own (per client, per
//! request, after a failover), which no `sqlink_load()` typed by a user reaches; a query
//! that calls `md5()` must find it on whichever connection runs it. So libsqlink, on every
//! connection it is initialized on, loads the components the environment lists:
//!
//! ```text
//! SQLINK_AUTOLOAD='md5,uuid?timeout_ms=100,fileio?allow_dir=/srv/data,/opt/x.wasm?memory_mib=64'
//! SQLINK_AUTOLOAD=@/etc/sqlink/autoload      # the same list in a file (commas or lines, # comments)
//! SQLINK_GRANTABLE_DIRS=/srv/data            # the only directories any extension may be granted
//!                                            # (':'-separated; set but empty: none)
//! SQLINK_SQL_LOAD=off                        # sqlink_load() / sqlink_unload() refused in SQL
//! ```
//!
//! An entry is a bundled name, a name on `SQLINK_PATH` or a `.wasm` path, optionally followed
//! by `?` and its grants, `&`-separated, named as `sqlink_load()`'s options: `allow_dir=DIR`
//! (repeatable), `allow_env`, `allow_clock` (`=true`/`=false`, bare means true),
//! `timeout_ms=N`, `memory_mib=N`. The list is read, every file found and every grant
//! checked once per process, at the first connection; the components are compiled then,
//! once, and each connection instantiates its own (an instance per connection, as
//! `sqlink_load()` gives: connections run on any thread, and one extension's state never
//! crosses connections). A bad entry fails that first connection, and every later one, with
//! one message naming the entry.

use std::borrow::Cow;
use std::path::PathBuf;

use anyhow::{Context as _, Result, anyhow, bail};
use serde_json::{Map, Value as Json};
use sqlink_host::extension::Sandbox;
use sqlink_host::loader;

use crate::grants;

/// One component every connection loads.
pub struct Entry {
    /// As the list spells it, for messages.
    pub spelled: String,
    pub bytes: Cow<'static, [u8]>,
    /// Where it came from, as `sqlink_extensions()` shows it.
    pub source: String,
    pub sandbox: Sandbox,
}

/// The operator's configuration, read from the environment once per process.
pub struct Config {
    pub autoload: Vec<Entry>,
    /// The directories grants may name (`SQLINK_GRANTABLE_DIRS`), canonical; any if unset.
    pub grantable_dirs: Option<Vec<PathBuf>>,
    /// Whether SQL may call `sqlink_load()` and `sqlink_unload()` (`SQLINK_SQL_LOAD`).
    pub sql_load: bool,
}

impl Config {
    /// From this process's environment; the error is one line naming the variable and entry.
    pub fn from_env() -> Result<Config> {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        // Set but empty is a limit too: no directory may be granted.
        let grantable_dirs = std::env::var("SQLINK_GRANTABLE_DIRS").ok().map(|dirs| grantable(&dirs)).transpose()?;
        let sql_load = match var("SQLINK_SQL_LOAD").as_deref().map(str::trim) {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => bail!("SQLINK_SQL_LOAD is `{other}`: it takes `on` (the default) or `off`"),
        };
        let mut config = Config { autoload: Vec::new(), grantable_dirs, sql_load };
        if let Some(list) = var("SQLINK_AUTOLOAD") {
            let (list, origin) = match list.trim().strip_prefix('@') {
                Some(file) => {
                    let text = std::fs::read_to_string(file).with_context(|| format!("SQLINK_AUTOLOAD: cannot read {file}"))?;
                    (text, format!("SQLINK_AUTOLOAD ({file})"))
                }
                None => (list, String::from("SQLINK_AUTOLOAD")),
            };
            for spelled in entries(&list) {
                let entry = config.entry(spelled).with_context(|| format!("{origin}: entry `{spelled}`"))?;
                config.autoload.push(entry);
            }
        }
        Ok(config)
    }

    fn entry(&self, spelled: &str) -> Result<Entry> {
        let (target, grants) = match spelled.split_once('?') {
            Some((target, grants)) => (target.trim(), grants),
            None => (spelled, ""),
        };
        let options = query_options(grants)?;
        let found = loader::find(target, &loader::search_path())?;
        let mut sandbox = self.sandbox(&options, grants::defaults(found.grants_clock), "", "grant")?;
        sandbox.allow_clock |= found.grants_clock;
        let source = if found.source == "bundled" { String::from("bundled, SQLINK_AUTOLOAD") } else { found.source };
        Ok(Entry { spelled: spelled.to_owned(), bytes: found.bytes, source, sandbox })
    }

    /// The sandbox `options` grant over `defaults` (`sqlink_load()`'s JSON options, or an
    /// entry's grants), within what the operator allows; errors begin with `context` and call
    /// each a `noun`.
    pub fn sandbox(&self, options: &Map<String, Json>, defaults: Sandbox, context: &str, noun: &str) -> Result<Sandbox> {
        let sandbox = grants::parse(options, defaults, context, noun)?;
        grants::within_grantable(&sandbox, self.grantable_dirs.as_deref(), context)?;
        Ok(sandbox)
    }
}

/// The entries of a list: separated by commas or lines; blank ones and `#` comments skipped.
fn entries(list: &str) -> impl Iterator<Item = &str> {
    list.lines()
        .map(|line| line.split_once('#').map_or(line, |(before, _)| before))
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
}

/// `allow_dir=/a&allow_dir=/b&allow_clock&timeout_ms=100` as `sqlink_load()`'s JSON options,
/// so that one parser checks both (and names the same options in its errors).
fn query_options(grants: &str) -> Result<Map<String, Json>> {
    let mut options = Map::new();
    for grant in grants.split('&').map(str::trim).filter(|grant| !grant.is_empty()) {
        let (key, value) = match grant.split_once('=') {
            Some((key, value)) => (key.trim(), Some(value.trim())),
            None => (grant, None),
        };
        let value = match (key, value) {
            ("allow_dir", Some(dir)) => {
                let dirs = options.entry("allow_dir").or_insert_with(|| Json::Array(Vec::new()));
                if let Json::Array(dirs) = dirs {
                    dirs.push(Json::from(dir));
                }
                continue;
            }
            ("allow_env" | "allow_clock", None | Some("true")) => Json::Bool(true),
            ("allow_env" | "allow_clock", Some("false")) => Json::Bool(false),
            ("timeout_ms" | "memory_mib", Some(number)) => {
                number.parse::<u64>().map(Json::from).map_err(|_| anyhow!("grant {key} takes a whole number, not `{number}`"))?
            }
            (_, Some(other)) => Json::from(other),
            (_, None) => Json::Null,
        };
        if options.insert(key.to_owned(), value).is_some() {
            bail!("grant {key} is given twice");
        }
    }
    Ok(options)
}

/// `SQLINK_GRANTABLE_DIRS`: existing directories, canonical (so `..` cannot step out).
fn grantable(dirs: &str) -> Result<Vec<PathBuf>> {
    std::env::split_paths(dirs)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.canonicalize().with_context(|| format!("SQLINK_GRANTABLE_DIRS: {}", dir.display())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_splits_on_commas_and_lines_and_skips_comments() {
        let list = "md5, uuid?timeout_ms=100\n# a comment\n\n fileio?allow_dir=/tmp # trailing\n";
        assert_eq!(entries(list).collect::<Vec<_>>(), ["md5", "uuid?timeout_ms=100", "fileio?allow_dir=/tmp"]);
    }

    #[test]
    fn grants_read_as_sqlink_load_options() {
        let options = query_options("allow_dir=/a&allow_dir=/b&allow_clock&allow_env=false&timeout_ms=100").unwrap();
        assert_eq!(
            Json::Object(options),
            serde_json::json!({"allow_dir": ["/a", "/b"], "allow_clock": true, "allow_env": false, "timeout_ms": 100})
        );
        assert_eq!(query_options("timeout_ms=soon").unwrap_err().to_string(), "grant timeout_ms takes a whole number, not `soon`");
        assert_eq!(query_options("allow_env&allow_env").unwrap_err().to_string(), "grant allow_env is given twice");
    }
}
