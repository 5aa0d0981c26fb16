//! Who may grant an extension what: the one rule for every grant libsqlink gives
//! (`SQLINK_AUTOLOAD`'s entries and `sqlink_load()`'s options).
//!
//! - The operator's environment bounds every grant: `SQLINK_GRANTABLE_DIRS` lists the only
//!   directories any of them may name ([`within_grantable`]).
//! - `SQLINK_AUTOLOAD`'s entries are the operator's: they grant anything within that bound.
//! - SQL's `sqlink_load()` grants more than the sandbox's defaults only while the program lets
//!   the connection's SQL load native extensions itself: SQLite's extension loading is on
//!   and `load_extension()` is authorized in SQL ([`program_lets_sql_load_extensions`]).
//!   SQL that may `load_extension()` any shared library gains nothing from a grant; SQL that
//!   may not gets none. Otherwise its options may only narrow the defaults (a lower
//!   `timeout_ms` or `memory_mib`), and anything more is one error saying how a program
//!   grants it. A program grants by enabling loading around its own `sqlink_load()`
//!   (Python's `sqlink.load` does), as SQLite's own `load_extension()` is off in SQL until
//!   the program turns it on; the sqlite3 shell turns it on for its user.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use rusqlite::{Connection, ffi};
use serde_json::{Map, Value as Json};
use sqlink_host::extension::{GrantNames, Sandbox};
use sqlink_host::sandbox::SandboxOption;

/// The sandbox's defaults, for an extension whose list (`extensions/bundled.txt`) grants the
/// clock if `clock`; errors name the options that grant more.
pub fn defaults(clock: bool) -> Sandbox {
    Sandbox {
        allow_clock: clock,
        grant_names: GrantNames { dir: "the allow_dir option", env: "the allow_env option", replace: None },
        ..Sandbox::default()
    }
}

/// The grants the REPL's flags give, from `{"allow_dir": ..., "allow_env": ...,
/// "allow_clock": ..., "timeout_ms": ..., "memory_mib": ...}` (`sqlink_load()`'s options, or
/// an autoload entry's grants) over `defaults`; errors begin with `context` and call each a
/// `noun`. There is no override of the connection's own functions: SQLite refuses to replace
/// one while a statement runs, and `sqlink_load()` runs inside one.
pub fn parse(options: &Map<String, Json>, defaults: Sandbox, context: &str, noun: &str) -> Result<Sandbox> {
    let mut sandbox = defaults;
    for (key, value) in options {
        let wrong = || anyhow::anyhow!("{context}{noun} {key} cannot be {value}");
        match key.as_str() {
            "allow_dir" => {
                let dirs: Vec<&str> = match value {
                    Json::String(dir) => vec![dir],
                    Json::Array(dirs) => dirs.iter().map(|d| d.as_str().ok_or_else(wrong)).collect::<Result<_>>()?,
                    _ => return Err(wrong()),
                };
                for dir in dirs {
                    sandbox.apply(SandboxOption::AllowDir(dir)).with_context(|| format!("{context}allow_dir {dir}"))?;
                }
            }
            "allow_env" => sandbox.apply(SandboxOption::AllowEnv(value.as_bool().ok_or_else(wrong)?))?,
            "allow_clock" => sandbox.apply(SandboxOption::AllowClock(value.as_bool().ok_or_else(wrong)?))?,
            // The range is the sandbox's rule; the message is this host's spelling of it.
            "timeout_ms" => {
                let ms = value.as_u64().ok_or_else(wrong)?;
                sandbox.apply(SandboxOption::Timeout(Duration::from_millis(ms))).map_err(|_| wrong())?;
            }
            "memory_mib" => sandbox.apply(SandboxOption::MemoryMib(value.as_u64().ok_or_else(wrong)?)).map_err(|_| wrong())?,
            _ => bail!("{context}unknown {noun} {key} (known: allow_dir, allow_env, allow_clock, timeout_ms, memory_mib)"),
        }
    }
    Ok(sandbox)
}

/// An error unless every directory `sandbox` grants lies in `grantable` (the operator's
/// `SQLINK_GRANTABLE_DIRS`, canonical; `None`: any).
pub fn within_grantable(sandbox: &Sandbox, grantable: Option<&[PathBuf]>, context: &str) -> Result<()> {
    let Some(grantable) = grantable else { return Ok(()) };
    for dir in &sandbox.allowed_dirs {
        if !grantable.iter().any(|allowed| dir.starts_with(allowed)) {
            let limit = match grantable {
                [] => String::from("SQLINK_GRANTABLE_DIRS is empty: no directory may be granted"),
                dirs => format!(
                    "SQLINK_GRANTABLE_DIRS lets extensions be granted only {}",
                    dirs.iter().map(|dir| dir.display().to_string()).collect::<Vec<_>>().join(", ")
                ),
            };
            bail!("{context}allow_dir {} is not allowed here: {limit}", dir.display());
        }
    }
    Ok(())
}

/// The sandbox `sqlink_load(target, options)` gets on `conn`: `sandbox` (its options, already
/// within the operator's bound) if it asks for nothing beyond `defaults` or the program lets
/// this connection's SQL load extensions; else the error naming how a program grants it.
pub fn from_sql(conn: &Connection, target: &str, sandbox: Sandbox, defaults: &Sandbox) -> Result<Sandbox> {
    let Some(wider) = beyond(&sandbox, defaults) else { return Ok(sandbox) };
    if program_lets_sql_load_extensions(conn) {
        return Ok(sandbox);
    }
    let option = wider.split(' ').next().unwrap_or(&wider);
    bail!(
        "sqlink_load(): SQL cannot grant {wider} on this connection, only narrow the sandbox; the program grants it: \
         in Python sqlink.load(conn, '{target}', {option}=...), in C by enabling extension loading around its sqlink_load() \
         (sqlite3_enable_load_extension), for every connection SQLINK_AUTOLOAD='{target}?{option}=...'"
    )
}

/// The first thing `sandbox` grants beyond `defaults`, as the options name it.
fn beyond(sandbox: &Sandbox, defaults: &Sandbox) -> Option<String> {
    if !sandbox.allowed_dirs.is_empty() {
        Some(String::from("allow_dir"))
    } else if sandbox.allow_env && !defaults.allow_env {
        Some(String::from("allow_env"))
    } else if sandbox.allow_clock && !defaults.allow_clock {
        Some(String::from("allow_clock"))
    } else if sandbox.call_timeout > defaults.call_timeout {
        Some(format!("timeout_ms above the default {}", defaults.call_timeout.as_millis()))
    } else if sandbox.memory_limit > defaults.memory_limit {
        Some(format!("memory_mib above the default {}", defaults.memory_limit >> 20))
    } else {
        None
    }
}

/// Whether SQL on `conn` could load a native extension itself: SQLite's extension loading is
/// on (`SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION`, which only the program sets) and
/// `load_extension()` is authorized in SQL (a flag of its own that no API reads, which
/// `sqlite3_enable_load_extension` sets; an authorizer may refuse the function too). So it
/// asks the function: given NULL it loads nothing, and refuses only when not authorized.
/// SQL cannot turn either on, and a view or trigger cannot call `sqlink_load()`.
fn program_lets_sql_load_extensions(conn: &Connection) -> bool {
    let mut on: std::os::raw::c_int = 0;
    // SAFETY: the handle is the open connection the function was called on; -1 only reads
    // the setting, into `on`, which outlives the call.
    let read = unsafe { ffi::sqlite3_db_config(conn.handle(), ffi::SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, -1, &mut on) };
    read == ffi::SQLITE_OK && on != 0 && conn.query_row("SELECT load_extension(NULL)", [], |_| Ok(())).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_less_than_the_defaults_is_not_a_grant() {
        let parsed = |options: Json, clock: bool| {
            let Json::Object(options) = options else { unreachable!("an object") };
            parse(&options, defaults(clock), "", "option").unwrap()
        };
        let narrower = parsed(serde_json::json!({"timeout_ms": 10, "memory_mib": 1, "allow_env": false, "allow_clock": false}), false);
        assert_eq!(beyond(&narrower, &defaults(false)), None);
        assert_eq!(beyond(&parsed(serde_json::json!({"allow_clock": true}), true), &defaults(true)), None, "the list granted the clock");
        let cases = [
            (serde_json::json!({"allow_dir": "."}), "allow_dir"),
            (serde_json::json!({"allow_env": true}), "allow_env"),
            (serde_json::json!({"allow_clock": true}), "allow_clock"),
            (serde_json::json!({"timeout_ms": 5001}), "timeout_ms above the default 5000"),
            (serde_json::json!({"memory_mib": 257}), "memory_mib above the default 256"),
        ];
        for (options, wider) in cases {
            assert_eq!(beyond(&parsed(options, false), &defaults(false)).as_deref(), Some(wider));
        }
    }
}
