//! Extension components inside a native SQLite, through rusqlite: every function an
//! extension declares becomes a SQLite function on the connection whose body calls the
//! component. Metadata, sandbox and error rules are those of the REPL.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use sqlink_host::cache::ComponentCache;
//! use sqlink_host::embed;
//! use sqlink_host::extension::{ExtensionEngine, Sandbox};
//!
//! let engine = ExtensionEngine::new(ComponentCache::from_env())?;
//! let conn = rusqlite::Connection::open_in_memory()?;
//! let bytes = std::fs::read("md5.wasm")?;
//! embed::load_extension(&conn, &engine, &bytes, Sandbox::default())?;
//! let digest: String = conn.query_row("SELECT md5('abc')", [], |row| row.get(0))?;
//! # Ok(()) }
//! ```

use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::{Context as _, Result};
use rusqlite::functions::{Aggregate, Context, FunctionFlags as SqlFlags, WindowAggregate};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::Connection;

use crate::bindings::{Error, ExtensionInfo, FunctionFlags, Value};
use crate::extension::{Extension, ExtensionEngine, Sandbox};

/// One extension instance, shared by every function it registered on a connection.
type Shared = Arc<Mutex<Extension>>;

/// Load an extension component and register its scalar, aggregate, window and collation
/// functions on `conn`. Returns the extension's metadata.
pub fn load_extension(conn: &Connection, engine: &ExtensionEngine, bytes: &[u8], sandbox: Sandbox) -> Result<ExtensionInfo> {
    let extension = Extension::load(engine, bytes, sandbox)?;
    let info = extension.info().clone();
    let shared: Shared = Arc::new(Mutex::new(extension));
    for f in &info.scalars {
        let (ext, id) = (shared.clone(), f.id);
        conn.create_scalar_function(f.name.as_str(), f.arity, flags(&f.flags), move |ctx| {
            let args = arguments(ctx);
            lock(&ext).call_scalar(id, &args).map(into_sql).map_err(sql_error)
        })
        .with_context(|| format!("registering {}", f.name))?;
    }
    // One counter per extension: aggregation contexts must be unique within its instance.
    let contexts = Arc::new(AtomicU64::new(1));
    for f in &info.aggregates {
        let aggregate = ExtensionAggregate { ext: shared.clone(), id: f.id, contexts: contexts.clone() };
        let registered = if f.window {
            conn.create_window_function(f.name.as_str(), f.arity, flags(&f.flags), aggregate)
        } else {
            conn.create_aggregate_function(f.name.as_str(), f.arity, flags(&f.flags), aggregate)
        };
        registered.with_context(|| format!("registering {}", f.name))?;
    }
    for c in &info.collations {
        let (ext, id) = (shared.clone(), c.id);
        // SQLite's collations cannot fail: a failed comparison counts as equal.
        conn.create_collation(c.name.as_str(), move |a, b| lock(&ext).collation_compare(id, a, b).cmp(&0))
            .with_context(|| format!("registering collation {}", c.name))?;
    }
    Ok(info)
}

/// Remove every function and collation `info` registered from `conn`.
pub fn unload_extension(conn: &Connection, info: &ExtensionInfo) -> Result<()> {
    for f in &info.scalars {
        conn.remove_function(f.name.as_str(), f.arity)?;
    }
    for f in &info.aggregates {
        conn.remove_function(f.name.as_str(), f.arity)?;
    }
    for c in &info.collations {
        // rusqlite has no remove_collation; SQLite removes one when given no compare function.
        let name = std::ffi::CString::new(c.name.as_str())?;
        let rc = unsafe {
            rusqlite::ffi::sqlite3_create_collation_v2(conn.handle(), name.as_ptr(), rusqlite::ffi::SQLITE_UTF8, std::ptr::null_mut(), None, None)
        };
        anyhow::ensure!(rc == rusqlite::ffi::SQLITE_OK, "removing collation {}: SQLite error {rc}", c.name);
    }
    Ok(())
}

/// A panic while holding the lock cannot leave the extension half-updated in a way that
/// matters: a trap already replaces the instance. So a poisoned lock is still usable.
fn lock(ext: &Shared) -> MutexGuard<'_, Extension> {
    ext.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn flags(f: &FunctionFlags) -> SqlFlags {
    let mut flags = SqlFlags::SQLITE_UTF8;
    if f.contains(FunctionFlags::DETERMINISTIC) {
        flags |= SqlFlags::SQLITE_DETERMINISTIC;
    }
    if f.contains(FunctionFlags::DIRECT_ONLY) {
        flags |= SqlFlags::SQLITE_DIRECTONLY;
    }
    if f.contains(FunctionFlags::INNOCUOUS) {
        flags |= SqlFlags::SQLITE_INNOCUOUS;
    }
    flags
}

fn arguments(ctx: &Context<'_>) -> Vec<Value> {
    (0..ctx.len())
        .map(|i| match ctx.get_raw(i) {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(r) => Value::Real(r),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        })
        .collect()
}

fn into_sql(value: Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Integer(i) => SqlValue::Integer(i),
        Value::Real(r) => SqlValue::Real(r),
        Value::Text(t) => SqlValue::Text(t),
        Value::Blob(b) => SqlValue::Blob(b),
    }
}

/// The extension's error as SQLite's. rusqlite sets the message after the code, and
/// SQLite's `sqlite3_result_error` resets the code, so statements fail with SQLITE_ERROR
/// and the extension's message.
fn sql_error(e: Error) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(e.code), Some(e.message))
}

struct ExtensionAggregate {
    ext: Shared,
    id: u32,
    contexts: Arc<AtomicU64>,
}

impl ExtensionAggregate {
    fn new_context(&self) -> u64 {
        self.contexts.fetch_add(1, AtomicOrdering::Relaxed)
    }
}

impl Aggregate<u64, SqlValue> for ExtensionAggregate {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<u64> {
        Ok(self.new_context())
    }

    fn step(&self, ctx: &mut Context<'_>, context: &mut u64) -> rusqlite::Result<()> {
        lock(&self.ext).aggregate_step(self.id, *context, &arguments(ctx)).map_err(sql_error)
    }

    /// Called once per aggregation, also one that saw no rows (then with a fresh context, so
    /// the extension gives its empty result) and one an error abandoned, which frees its state.
    fn finalize(&self, _: &mut Context<'_>, context: Option<u64>) -> rusqlite::Result<SqlValue> {
        let context = context.unwrap_or_else(|| self.new_context());
        lock(&self.ext).aggregate_finalize(self.id, context).map(into_sql).map_err(sql_error)
    }
}

impl WindowAggregate<u64, SqlValue> for ExtensionAggregate {
    fn value(&self, context: Option<&mut u64>) -> rusqlite::Result<SqlValue> {
        let context = match context {
            Some(context) => *context,
            None => self.new_context(),
        };
        lock(&self.ext).aggregate_value(self.id, context).map(into_sql).map_err(sql_error)
    }

    fn inverse(&self, ctx: &mut Context<'_>, context: &mut u64) -> rusqlite::Result<()> {
        lock(&self.ext).aggregate_inverse(self.id, *context, &arguments(ctx)).map_err(sql_error)
    }
}
