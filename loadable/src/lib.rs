//! libsqlink: sqlink extension components in the SQLite people already have (the `sqlite3`
//! shell, Python's `sqlite3`, any program that loads extensions).
//!
//! `.load ./libsqlink` registers three SQL functions on the connection that loaded it:
//! `sqlink_load(name_or_path [, options])`, `sqlink_unload(name)` and
//! `sqlink_extensions()`. Loading and calling go through `sqlink_host::embed`, the layer
//! Rust programs use, with the REPL's sandbox, compile cache, bundled extensions and
//! conflict rules. Each connection has its own extensions and instances; they go when the
//! connection closes.
//!
//! The operator can have every connection load components without asking
//! (`SQLINK_AUTOLOAD`, with the grants of each) and limit what SQL may load: see
//! [`autoload`]. That is how a replicated SQLite's own connections (a dqlite leader's, an
//! sqld replica's) carry the functions their queries call.
//!
//! What `sqlink_load()`'s options may grant is [`grants`]'s rule: more than the sandbox's
//! defaults only while the program lets the connection's SQL load extensions itself.

use std::os::raw::{c_char, c_int};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use anyhow::{Context as _, Result, bail};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::{Connection, ffi};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};
use sqlink_host::cache::ComponentCache;
use sqlink_host::embed::Extensions;
use sqlink_host::extension::ExtensionEngine;
use sqlink_host::loader;

mod api;
pub mod autoload;
pub mod grants;

use autoload::Config;

/// SQLite's entry point for `.load .../libsqlink` and `load_extension('.../libsqlink')`.
///
/// # Safety
/// SQLite calls it with a live connection, an error-message slot and its API table, as its
/// extension loading documents; nothing else may call it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sqlite3_sqlink_init(
    db: *mut ffi::sqlite3,
    pz_err_msg: *mut *mut c_char,
    p_api: *mut ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: `p_api` is the table SQLite passed to this entry point.
    let mut api = match unsafe { api::for_rusqlite(p_api) } {
        Ok(api) => api,
        Err(message) => return refuse(pz_err_msg, p_api, &message),
    };
    // SAFETY: `db` and `pz_err_msg` are SQLite's own; `api` holds the loading SQLite's
    // functions (rusqlite copies them before this returns); `init` only registers
    // functions, as extension_init2 requires.
    unsafe { Connection::extension_init2(db, pz_err_msg, &mut *api, init) }
}

/// Fail the load with `message`, which SQLite shows ("Error: ..." in the shell).
fn refuse(pz_err_msg: *mut *mut c_char, p_api: *mut ffi::sqlite3_api_routines, message: &str) -> c_int {
    let text = std::ffi::CString::new(message).unwrap_or_default();
    // SAFETY: SQLite frees the message with sqlite3_free, so it comes from its
    // sqlite3_malloc (reached through its own table, as rusqlite is not set up yet);
    // `pz_err_msg` is SQLite's slot for it.
    unsafe {
        if let Some(malloc) = (*p_api).malloc {
            let bytes = text.as_bytes_with_nul();
            let buffer = malloc(bytes.len() as c_int).cast::<u8>();
            if !buffer.is_null() && !pz_err_msg.is_null() {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer, bytes.len());
                *pz_err_msg = buffer.cast::<c_char>();
            }
        }
    }
    ffi::SQLITE_ERROR
}

/// The operator's configuration ([`autoload`]), read once per process at the first
/// connection; its error fails that connection and every later one.
fn config() -> Result<&'static Config> {
    static CONFIG: OnceLock<Result<Config, String>> = OnceLock::new();
    CONFIG.get_or_init(|| Config::from_env().map_err(|e| format!("sqlink: {e:#}"))).as_ref().map_err(|e| anyhow::anyhow!("{e}"))
}

/// One wasmtime engine (and its deadline ticker) for every connection in the process; it
/// holds no state of any connection. The autoloaded components are compiled once, here.
fn engine() -> Result<&'static ExtensionEngine> {
    static ENGINE: OnceLock<Result<ExtensionEngine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let autoload = config().map(|config| config.autoload.as_slice()).unwrap_or_default();
            new_engine(autoload).map_err(|e| format!("{e:#}"))
        })
        .as_ref()
        .map_err(|e| anyhow::anyhow!("cannot start the extension engine: {e}"))
}

/// The engine, carrying the machine code of `autoload`'s components: each connection then
/// instantiates from memory, and nothing is compiled twice in a process, also without a
/// disk cache. The code is made (or read from the disk cache) by a first engine of the same
/// settings, whose code the second accepts; the first is then dropped with its ticker.
fn new_engine(autoload: &[autoload::Entry]) -> Result<ExtensionEngine> {
    if autoload.is_empty() {
        return ExtensionEngine::new(ComponentCache::from_env());
    }
    let compiling = ExtensionEngine::new(ComponentCache::from_env())?;
    // The layout `ComponentCache::with_built_in` reads (`cache::precompile`'s): the
    // SHA-256 of the component's bytes, the length of its code (u64, little endian), the code.
    let mut built_in = Vec::new();
    for entry in autoload {
        let component = compiling.component(&entry.bytes).with_context(|| format!("SQLINK_AUTOLOAD: compiling {}", entry.spelled))?;
        let code = component.serialize()?;
        built_in.extend_from_slice(&Sha256::digest(&entry.bytes));
        built_in.extend_from_slice(&(code.len() as u64).to_le_bytes());
        built_in.extend_from_slice(&code);
    }
    // Once per process, for its lifetime: the engine below reads it at every connection.
    let built_in: &'static [u8] = Box::leak(built_in.into_boxed_slice());
    ExtensionEngine::new(ComponentCache::from_env().with_built_in(built_in))
}

/// A connection's extensions: those it autoloaded and those SQL loaded.
type Loaded = Arc<Mutex<Option<Extensions>>>;

fn init(db: Connection) -> rusqlite::Result<bool> {
    let failed = |e: anyhow::Error| rusqlite::Error::UserFunctionError(format!("{e:#}").into());
    let config = config().map_err(failed)?;
    // The functions' closures own the connection's extensions: SQLite drops them, and with
    // them every instance, when the connection closes.
    let loaded: Loaded = Arc::new(Mutex::new(None));
    if !config.autoload.is_empty() {
        *lock(&loaded) = Some(load_listed(&db, config).map_err(failed)?);
    }
    let direct = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;
    for arity in [1, 2] {
        let loaded = loaded.clone();
        db.create_scalar_function("sqlink_load", arity, direct, move |ctx| {
            with_connection(ctx, &loaded, |conn, extensions| load(conn, extensions, ctx))
        })?;
    }
    let for_unload = loaded.clone();
    db.create_scalar_function("sqlink_unload", 1, direct, move |ctx| {
        with_connection(ctx, &for_unload, |conn, extensions| {
            refuse_sql_load("sqlink_unload")?;
            let name: String = ctx.get(0)?;
            extensions.unload(conn, &name)?;
            Ok(name)
        })
    })?;
    db.create_scalar_function("sqlink_extensions", 0, FunctionFlags::SQLITE_UTF8, move |_| {
        Ok(lock(&loaded).as_ref().map_or_else(|| String::from("[]"), listing))
    })?;
    Ok(false)
}

/// Load the operator's list into `conn`; on an error, unload what loaded, so a connection
/// that stays open (`.load` in a shell) keeps nothing of a refused configuration.
fn load_listed(conn: &Connection, config: &Config) -> Result<Extensions> {
    let mut extensions = Extensions::new(engine()?.clone());
    for entry in &config.autoload {
        if let Err(error) = extensions.load(conn, &entry.bytes, entry.sandbox.clone(), &entry.source) {
            let names: Vec<String> = extensions.loaded().iter().map(|l| l.info.name.clone()).collect();
            for name in names {
                // Unloading what this function just loaded cannot meet a conflict; an
                // error here would only hide the one that matters.
                let _ = extensions.unload(conn, &name);
            }
            return Err(error.context(format!("sqlink: SQLINK_AUTOLOAD: cannot load {}", entry.spelled)));
        }
    }
    Ok(extensions)
}

/// An error when the operator turned loading from SQL off (`SQLINK_SQL_LOAD=off`).
fn refuse_sql_load(function: &str) -> Result<()> {
    if !config()?.sql_load {
        bail!("{function}() is turned off here (SQLINK_SQL_LOAD=off): this process's connections load what SQLINK_AUTOLOAD lists");
    }
    Ok(())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Run `f` with the connection the function was called on and its extensions; its error
/// becomes the statement's error, in one line.
fn with_connection(
    ctx: &Context<'_>,
    loaded: &Loaded,
    f: impl FnOnce(&Connection, &mut Extensions) -> Result<String>,
) -> rusqlite::Result<String> {
    let result = (|| {
        // SAFETY: the context belongs to the call in progress, so its connection is open
        // for the whole call, and SQLite holds that connection's mutex while it runs.
        let conn = unsafe { ctx.get_connection() }?;
        let mut loaded = lock(loaded);
        let extensions = match &mut *loaded {
            Some(extensions) => extensions,
            empty => empty.insert(Extensions::new(engine()?.clone())),
        };
        f(&conn, extensions)
    })();
    result.map_err(|e| rusqlite::Error::UserFunctionError(format!("{e:#}").into()))
}

/// `sqlink_load(name_or_path [, options])`: the extension's name. What its options may grant
/// is [`grants`]'s rule.
fn load(conn: &Connection, extensions: &mut Extensions, ctx: &Context<'_>) -> Result<String> {
    refuse_sql_load("sqlink_load")?;
    let target: String = ctx.get(0).context("sqlink_load() takes an extension name or a .wasm path")?;
    let options = match ctx.len() {
        2 => {
            let options: Option<String> = ctx.get(1).context("sqlink_load(): options are JSON text")?;
            let options: Json = serde_json::from_str(options.as_deref().unwrap_or("{}")).context("sqlink_load(): options are not JSON")?;
            let Json::Object(options) = options else { bail!("sqlink_load(): options must be a JSON object") };
            options
        }
        _ => Map::new(),
    };
    let found = loader::find(&target, &loader::search_path())?;
    let defaults = grants::defaults(found.grants_clock);
    let asked = config()?.sandbox(&options, defaults.clone(), "sqlink_load(): ", "option")?;
    let mut sandbox = grants::from_sql(conn, &target, asked, &defaults)?;
    sandbox.allow_clock |= found.grants_clock;
    let info = extensions.load(conn, &found.bytes, sandbox, &found.source).with_context(|| format!("cannot load {target}"))?;
    Ok(info.name.clone())
}

/// `sqlink_extensions()`: what is loaded, as JSON text.
fn listing(extensions: &Extensions) -> String {
    let list: Vec<Json> = extensions
        .loaded()
        .iter()
        .map(|loaded| {
            let info = &loaded.info;
            let functions = info
                .scalars
                .iter()
                .map(|f| json!({"kind": "scalar", "name": f.name, "arity": f.arity, "doc": f.doc}))
                .chain(info.aggregates.iter().map(|f| {
                    json!({"kind": if f.window { "window" } else { "aggregate" }, "name": f.name, "arity": f.arity, "doc": f.doc})
                }))
                .chain(info.collations.iter().map(|c| json!({"kind": "collation", "name": c.name, "doc": c.doc})))
                .chain(info.table_functions.iter().map(|t| {
                    json!({"kind": "table", "name": t.name, "arity": t.parameters.len(), "parameters": t.parameters, "columns": t.columns, "doc": t.doc})
                }))
                .collect::<Vec<_>>();
            let contract = json!({"version": loaded.contract.version, "exports": loaded.contract.exports});
            json!({"name": info.name, "version": info.version, "source": loaded.source, "contract": contract, "functions": functions, "kept": loaded.kept})
        })
        .collect();
    Json::Array(list).to_string()
}
