//! Extension components inside a native SQLite, through rusqlite: every function an
//! extension declares becomes a SQLite function on the connection whose body calls the
//! component. Metadata, sandbox, conflict and error rules are those of the REPL. The
//! loadable library (`loadable/`) is this module behind SQL functions.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use sqlink_host::cache::ComponentCache;
//! use sqlink_host::embed::Extensions;
//! use sqlink_host::extension::{ExtensionEngine, Sandbox};
//!
//! let engine = ExtensionEngine::new(ComponentCache::from_env())?;
//! let conn = rusqlite::Connection::open_in_memory()?;
//! let mut extensions = Extensions::new(engine);
//! let bytes = std::fs::read("md5.wasm")?;
//! extensions.load(&conn, &bytes, Sandbox::default(), "md5.wasm")?;
//! let digest: String = conn.query_row("SELECT md5('abc')", [], |row| row.get(0))?;
//! # Ok(()) }
//! ```
//!
//! SQLite refuses to replace or delete a function while any statement of the connection
//! runs, and the loadable library loads and unloads from inside a statement
//! (`SELECT sqlink_unload('md5')`). So each function is registered once per connection and
//! calls through a slot: loading fills the slot, unloading empties it (and removes the
//! function too when no statement runs). An empty slot answers as SQLite does for a
//! function it does not know.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::{Context as _, Result, bail};
use rusqlite::Connection;
use rusqlite::functions::{Aggregate, Context, FunctionFlags as SqlFlags, WindowAggregate};
use rusqlite::types::{Value as SqlValue, ValueRef};

use sqlink_rules::{FunctionFlags, Namespace, PREDEFINED_SQL, Predefined};

use crate::bindings::{Error, ExtensionInfo, FunctionFlags as WitFlags, TableFunctionInfo, Value};
use crate::conflicts;
use crate::extension::{Extension, ExtensionEngine, SQLITE_ERROR, Sandbox};

/// One extension instance, shared by every function it registered on a connection.
type Shared = Arc<Mutex<Extension>>;

/// What a registered function calls now: an extension's function, or nothing (unloaded).
#[derive(Clone)]
struct Bound {
    ext: Shared,
    id: u32,
    /// Aggregation contexts must be unique within the instance: one counter per extension.
    contexts: Arc<AtomicU64>,
}

type Slot = Arc<Mutex<Option<Bound>>>;

/// How a name is registered with SQLite: functions of one name and arity replace each
/// other whatever their kind; collations have a namespace of their own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scalar,
    Aggregate,
    Window,
    Collation,
    /// A table function, as an eponymous virtual table (see [`table`]).
    Table,
}

impl Kind {
    fn namespace(self) -> Namespace {
        match self {
            Kind::Scalar | Kind::Aggregate | Kind::Window => Namespace::Function,
            Kind::Collation => Namespace::Collation,
            Kind::Table => Namespace::Table,
        }
    }
}

mod table;

struct Registration {
    kind: Kind,
    /// The name as registered (SQLite matches it without regard to ASCII case).
    name: String,
    arity: i32,
    slot: Slot,
}

/// An extension loaded on the connection.
pub struct Loaded {
    pub source: String,
    pub info: ExtensionInfo,
    /// What of the connection's own it replaced (loaded with `allow_override`), as shown.
    pub overridden: Vec<String>,
}

/// The extensions loaded on one connection. Use one per connection, with that connection.
pub struct Extensions {
    engine: ExtensionEngine,
    loaded: Vec<Loaded>,
    /// Keyed by namespace, lower-case name and (for functions) arity or (for table
    /// functions) shape: `f md5/1`, `c snake`, `t regexp_matches(text, pattern) -> (…)`.
    registered: HashMap<String, Registration>,
}

impl Extensions {
    pub fn new(engine: ExtensionEngine) -> Extensions {
        Extensions { engine, loaded: Vec::new(), registered: HashMap::new() }
    }

    /// What is loaded, in load order.
    pub fn loaded(&self) -> &[Loaded] {
        &self.loaded
    }

    /// Load an extension component and register its scalar, aggregate, window and collation
    /// functions on `conn`; `source` says where it came from. Refuses an extension already
    /// loaded, one whose functions another loaded extension provides, and, unless the
    /// sandbox allows override, one that names a function, collation or table function the
    /// connection had before (SQLite's own, or the program's).
    pub fn load(&mut self, conn: &Connection, bytes: &[u8], sandbox: Sandbox, source: &str) -> Result<&ExtensionInfo> {
        let (allow_override, how_to_override) = (sandbox.allow_override, sandbox.grant_names.replace);
        let extension = Extension::load(&self.engine, bytes, sandbox)?;
        let info = extension.info().clone();
        conflicts::check(&info, self.loaded.iter().map(|l| &l.info))?;
        let predefined = self.predefined(conn)?;
        let ext: Shared = Arc::new(Mutex::new(extension));
        let contexts = Arc::new(AtomicU64::new(1));
        let bound = |id| Bound { ext: ext.clone(), id, contexts: contexts.clone() };
        let mut wanted = Vec::new();
        for f in &info.scalars {
            wanted.push(Wanted {
                kind: Kind::Scalar,
                name: &f.name,
                arity: f.arity,
                flags: flags(&f.flags),
                bound: bound(f.id),
                table: None,
            });
        }
        for f in &info.aggregates {
            let kind = if f.window { Kind::Window } else { Kind::Aggregate };
            wanted.push(Wanted { kind, name: &f.name, arity: f.arity, flags: flags(&f.flags), bound: bound(f.id), table: None });
        }
        for c in &info.collations {
            wanted.push(Wanted {
                kind: Kind::Collation,
                name: &c.name,
                arity: -1,
                flags: FunctionFlags::empty(),
                bound: bound(c.id),
                table: None,
            });
        }
        for t in &info.table_functions {
            wanted.push(Wanted {
                kind: Kind::Table,
                name: &t.name,
                arity: -1,
                flags: FunctionFlags::empty(),
                bound: bound(t.id),
                table: Some(t),
            });
        }
        // Check before registering anything, so that a refused load leaves nothing behind.
        let mut overridden = Vec::new();
        for w in &wanted {
            if let Some(refusal) = predefined.refusal(w.kind.namespace(), w.name, how_to_override) {
                if !allow_override {
                    bail!(refusal);
                }
                overridden.push(w.kind.namespace().shown(w.name));
            }
        }
        for w in wanted.iter().filter(|w| w.kind == Kind::Table && !self.registered.contains_key(&w.key())) {
            if let Some(other) = self.registered.values().find(|r| r.replaced_by(w))
                && table::statement_running(conn)
            {
                bail!(
                    "cannot load {}: table function {} has other columns or arguments than before; unload and load it outside a statement, or use a new connection",
                    info.name,
                    other.name
                );
            }
        }
        for w in wanted {
            let key = w.key();
            match self.registered.get(&key) {
                Some(existing) if existing.kind == w.kind => *lock(&existing.slot) = Some(w.bound),
                _ => {
                    let slot: Slot = Arc::new(Mutex::new(Some(w.bound.clone())));
                    register(conn, &w, slot.clone())?;
                    self.registered.retain(|_, r| !r.replaced_by(&w));
                    self.registered.insert(key, Registration { kind: w.kind, name: w.name.to_owned(), arity: w.arity, slot });
                }
            }
        }
        self.loaded.push(Loaded { source: source.to_owned(), info, overridden });
        Ok(&self.loaded[self.loaded.len() - 1].info)
    }

    /// What `conn` has that sqlink did not register: SQLite's built-ins and the program's.
    fn predefined(&self, conn: &Connection) -> Result<Predefined> {
        let mut ours = Predefined::default();
        for registration in self.registered.values() {
            ours.insert(registration.kind.namespace(), &registration.name);
        }
        let mut predefined = Predefined::default();
        let mut stmt = conn.prepare(PREDEFINED_SQL).context("listing the connection's functions")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (tag, name): (String, String) = (row.get(0)?, row.get(1)?);
            if let Some(namespace) = Namespace::from_tag(&tag).filter(|&n| !ours.contains(n, &name)) {
                predefined.insert(namespace, &name);
            }
        }
        Ok(predefined)
    }

    /// Unload extension `name`: its functions and collations answer as unknown ones, and
    /// are removed from `conn` unless a statement is running.
    pub fn unload(&mut self, conn: &Connection, name: &str) -> Result<()> {
        let index = self.loaded.iter().position(|l| l.info.name == name).with_context(|| format!("{name} is not loaded"))?;
        // SQLite cannot bring back a function once replaced: removing the replacement would
        // leave no function of that name at all.
        let overridden = &self.loaded[index].overridden;
        if !overridden.is_empty() {
            bail!("cannot unload {name}: it replaced {}, which cannot be restored on an open connection", overridden.join(", "));
        }
        self.loaded.remove(index);
        self.registered.retain(|_, registration| {
            let mut slot = lock(&registration.slot);
            if slot.as_ref().is_some_and(|b| lock(&b.ext).name() != name) {
                return true;
            }
            *slot = None;
            drop(slot);
            !remove(conn, registration)
        });
        Ok(())
    }
}

/// One function, collation or table function an extension wants registered.
struct Wanted<'a> {
    kind: Kind,
    name: &'a str,
    arity: i32,
    flags: FunctionFlags,
    bound: Bound,
    table: Option<&'a TableFunctionInfo>,
}

impl Wanted<'_> {
    fn key(&self) -> String {
        let name = self.name.to_ascii_lowercase();
        match (self.kind, self.table) {
            (Kind::Collation, _) => format!("c {name}"),
            (Kind::Table, Some(t)) => format!("t {name}({}) -> ({})", t.parameters.join(", "), t.columns.join(", ")),
            _ => format!("f {name}/{}", self.arity),
        }
    }
}

impl Registration {
    /// A table function's module is replaced by one of the same name whatever its shape.
    fn replaced_by(&self, wanted: &Wanted<'_>) -> bool {
        self.kind == Kind::Table && wanted.kind == Kind::Table && self.name.eq_ignore_ascii_case(wanted.name)
    }
}

/// Register one function, collation or table function whose body calls through `slot`.
fn register(conn: &Connection, wanted: &Wanted<'_>, slot: Slot) -> Result<()> {
    let Wanted { kind, name, arity, flags, .. } = *wanted;
    // rusqlite hands SQLite its flags as they are, so the text encoding goes with them.
    let flags = SqlFlags::SQLITE_UTF8 | SqlFlags::from_bits_truncate(flags.bits());
    let registered = match kind {
        Kind::Scalar => conn.create_scalar_function(name, arity, flags, {
            let name = name.to_owned();
            move |ctx| {
                let bound = current(&slot, &name)?;
                let args = arguments(ctx);
                lock(&bound.ext).call_scalar(bound.id, &args).map(into_sql).map_err(sql_error)
            }
        }),
        Kind::Aggregate => conn.create_aggregate_function(name, arity, flags, ExtensionAggregate { name: name.to_owned(), slot }),
        Kind::Window => conn.create_window_function(name, arity, flags, ExtensionAggregate { name: name.to_owned(), slot }),
        // SQLite's collations cannot fail: a failed comparison counts as equal. Once the
        // extension is unloaded (and SQLite could not drop the collation yet), text
        // compares as with SQLite's default BINARY collation.
        Kind::Collation => conn.create_collation(name, move |a, b| match lock(&slot).clone() {
            Some(bound) => lock(&bound.ext).collation_compare(bound.id, a, b).cmp(&0),
            None => a.as_bytes().cmp(b.as_bytes()),
        }),
        Kind::Table => match wanted.table {
            Some(info) => table::register(conn, info, slot),
            None => return Err(anyhow::anyhow!("{name}: no table function metadata")),
        },
    };
    registered.with_context(|| format!("registering {name}"))
}

/// Remove a registration from SQLite; false if SQLite refused (a statement is running).
fn remove(conn: &Connection, registration: &Registration) -> bool {
    if registration.kind == Kind::Table {
        return table::remove(conn, &registration.name);
    }
    if registration.kind != Kind::Collation {
        return conn.remove_function(registration.name.as_str(), registration.arity).is_ok();
    }
    // rusqlite has no remove_collation; SQLite removes one when given no compare function.
    let Ok(name) = std::ffi::CString::new(registration.name.as_str()) else { return false };
    // SAFETY: the handle is the live connection `conn` borrows, `name` is a NUL-terminated
    // string that outlives the call, and null callbacks are SQLite's documented way to
    // delete a collation.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_create_collation_v2(
            conn.handle(),
            name.as_ptr(),
            rusqlite::ffi::SQLITE_UTF8,
            std::ptr::null_mut(),
            None,
            None,
        )
    };
    rc == rusqlite::ffi::SQLITE_OK
}

/// What function `name` calls now, or SQLite's own error for a function it does not know.
fn current(slot: &Slot, name: &str) -> rusqlite::Result<Bound> {
    let bound = lock(slot).clone();
    bound.ok_or_else(|| sql_error(Error { code: SQLITE_ERROR, message: format!("no such function: {name}") }))
}

/// A panic while holding the lock cannot leave the extension half-updated in a way that
/// matters: a trap already replaces the instance. So a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn flags(f: &WitFlags) -> FunctionFlags {
    FunctionFlags::from_bools(f.contains(WitFlags::DETERMINISTIC), f.contains(WitFlags::DIRECT_ONLY), f.contains(WitFlags::INNOCUOUS))
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
    name: String,
    slot: Slot,
}

/// One aggregation: the extension that started it and the context its state is kept by.
/// It stays with that instance even if the extension is unloaded meanwhile.
struct Started {
    bound: Bound,
    context: u64,
}

impl Bound {
    fn start(self) -> Started {
        let context = self.contexts.fetch_add(1, AtomicOrdering::Relaxed);
        Started { bound: self, context }
    }
}

impl Aggregate<Started, SqlValue> for ExtensionAggregate {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Started> {
        Ok(current(&self.slot, &self.name)?.start())
    }

    fn step(&self, ctx: &mut Context<'_>, started: &mut Started) -> rusqlite::Result<()> {
        let Started { bound, context } = started;
        lock(&bound.ext).aggregate_step(bound.id, *context, &arguments(ctx)).map_err(sql_error)
    }

    /// Called once per aggregation, also one that saw no rows (then with a fresh context, so
    /// the extension gives its empty result) and one an error abandoned, which frees its state.
    fn finalize(&self, _: &mut Context<'_>, started: Option<Started>) -> rusqlite::Result<SqlValue> {
        let Started { bound, context } = match started {
            Some(started) => started,
            None => current(&self.slot, &self.name)?.start(),
        };
        lock(&bound.ext).aggregate_finalize(bound.id, context).map(into_sql).map_err(sql_error)
    }
}

impl WindowAggregate<Started, SqlValue> for ExtensionAggregate {
    fn value(&self, started: Option<&mut Started>) -> rusqlite::Result<SqlValue> {
        let fresh;
        let Started { bound, context } = match started {
            Some(started) => &*started,
            None => {
                fresh = current(&self.slot, &self.name)?.start();
                &fresh
            }
        };
        lock(&bound.ext).aggregate_value(bound.id, *context).map(into_sql).map_err(sql_error)
    }

    fn inverse(&self, ctx: &mut Context<'_>, started: &mut Started) -> rusqlite::Result<()> {
        let Started { bound, context } = started;
        lock(&bound.ext).aggregate_inverse(bound.id, *context, &arguments(ctx)).map_err(sql_error)
    }
}
