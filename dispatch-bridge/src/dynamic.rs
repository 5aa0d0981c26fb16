//! Functions an extension defines while SQLite calls it (contract 0.4.0's
//! `connection.create-function`), and the ON CONFLICT mode of a virtual table's write
//! (`connection.on-conflict`).
//!
//! A run-time function lives on the connection that was calling the extension when it was
//! defined, and goes with `delete`, with the extension's unload, or with the connection. It
//! never replaces what the connection has from elsewhere (SQLite's own functions, the
//! program's, any extension's declared ones or another extension's run-time ones): those are
//! read from the connection itself (`pragma_function_list`), so one rule covers them all.
//! Its calls go to [`Dispatcher::dynamic_call`] through the same [`Target`] the declared
//! functions use, so an unload (or a delete SQLite cannot carry out while a statement runs)
//! leaves it answering as a function SQLite does not know.
//!
//! A function whose body is SQL (0.5.0's `create-sql-function`, [`DefineFunctions::define_sql`])
//! follows the same rules, but its calls never reach the extension: the bridge runs the body
//! on the calling connection itself ([`sql_body`]), as the extension's SQL (its sandbox), so
//! such functions may call one another while a call of the extension is impossible (the
//! extension's instance is busy in the outer call, or not called at all).

use std::cell::Cell;
use std::ffi::{CString, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::thread::LocalKey;

use libsqlite3_sys as ffi;

use crate::sql::CallSql;
use crate::target::Target;
use crate::trampolines::{self, Args, Context, FunctionData};
use crate::{Dispatcher, FunctionFlags, SqlError, Value};

/// A virtual table's write's conflict mode, as `sqlite3_vtab_on_conflict` answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictMode {
    Rollback,
    Abort,
    Fail,
    Ignore,
    Replace,
}

thread_local! {
    /// How many xUpdate calls are running on this thread (SQL a write runs may write another
    /// virtual table): `sqlite3_vtab_on_conflict` is meaningful only inside one.
    static UPDATING: Cell<u32> = const { Cell::new(0) };
}

/// A call counted as running on this thread, in a thread-local depth, until dropped.
pub(crate) struct Running(&'static LocalKey<Cell<u32>>);

impl Running {
    /// Count one more call on `depth`.
    fn count(depth: &'static LocalKey<Cell<u32>>) -> Running {
        depth.with(|running| running.set(running.get() + 1));
        Running(depth)
    }

    /// Count one more call on `depth`, unless `limit` are running already.
    fn within(depth: &'static LocalKey<Cell<u32>>, limit: u32) -> Option<Running> {
        (depth.with(Cell::get) < limit).then(|| Running::count(depth))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.with(|running| running.set(running.get().saturating_sub(1)));
    }
}

/// Marks an xUpdate call as running until dropped.
pub(crate) fn updating() -> Running {
    Running::count(&UPDATING)
}

/// The conflict mode of the virtual-table write SQLite is applying on `db`; an error outside
/// such a write.
///
/// # Safety
/// `db` must be an open connection, the one the running extension call came from.
pub unsafe fn on_conflict(db: *mut ffi::sqlite3) -> Result<ConflictMode, SqlError> {
    if UPDATING.with(Cell::get) == 0 {
        return Err(SqlError::new(ffi::SQLITE_MISUSE, "the conflict mode is known only while a virtual table's update runs"));
    }
    // SAFETY: `db` is open (the contract), and an xUpdate of it is running on this thread:
    // SQLite sets the statement's mode before xUpdate and restores the outer one after.
    let mode = unsafe { ffi::sqlite3_vtab_on_conflict(db) };
    Ok(match mode {
        ffi::SQLITE_ROLLBACK => ConflictMode::Rollback,
        ffi::SQLITE_FAIL => ConflictMode::Fail,
        ffi::SQLITE_IGNORE => ConflictMode::Ignore,
        ffi::SQLITE_REPLACE => ConflictMode::Replace,
        _ => ConflictMode::Abort,
    })
}

/// How an extension's call defines and deletes run-time functions, whatever the dispatcher.
pub trait DefineFunctions: Send + Sync {
    /// Define `name` with `arity` arguments on `db` for extension `ext`; its calls come to
    /// `dynamic_call(ext, id, ..)`.
    ///
    /// # Safety
    /// `db` must be an open connection, the one whose call of `ext` is running.
    unsafe fn define(&self, db: *mut ffi::sqlite3, ext: u32, name: &str, arity: i32, flags: FunctionFlags, id: u32)
    -> Result<(), SqlError>;

    /// Define `name` with `arity` arguments on `db` for extension `ext`, whose calls run
    /// `body` (one SQL statement) on the calling connection with the arguments bound to its
    /// parameters in order, answering the first column of its first row (NULL for none): the
    /// contract's `create-sql-function`. The body must compile now.
    ///
    /// # Safety
    /// As for `define`.
    unsafe fn define_sql(
        &self,
        db: *mut ffi::sqlite3,
        ext: u32,
        name: &str,
        arity: i32,
        flags: FunctionFlags,
        body: &str,
    ) -> Result<(), SqlError>;

    /// Delete what `define` or `define_sql` made of `name` and `arity` on `db` for `ext`.
    ///
    /// # Safety
    /// As for `define`.
    unsafe fn delete(&self, db: *mut ffi::sqlite3, ext: u32, name: &str, arity: i32) -> Result<(), SqlError>;
}

/// One run-time function. `target` is empty once deleted while SQLite kept it (a statement
/// was running).
struct Defined {
    db: usize,
    ext: u32,
    name: String,
    arity: c_int,
    target: Arc<Target>,
    /// The body, for a function whose body is SQL.
    body: Option<Arc<SqlBody>>,
}

/// What SQLite keeps with a function whose body is SQL: the body may be replaced (a
/// redefinition while a statement runs, when SQLite refuses to replace the function).
struct SqlBody {
    name: Box<str>,
    /// Empty once deleted or unloaded: the function then answers as one SQLite does not know.
    target: Arc<Target>,
    sql: Mutex<String>,
}

/// How deep calls of functions whose body is SQL may nest on one thread (each level is a
/// statement running inside the one that called it, on the same stack): deeper, a call
/// fails, where the stack would otherwise run out (a function calling itself without end).
/// The contract promises at least 16.
pub const SQL_BODY_DEPTH: u32 = 24;

thread_local! {
    /// Calls of functions whose body is SQL running on this thread.
    static SQL_BODIES_RUNNING: Cell<u32> = const { Cell::new(0) };
}

/// The run-time functions of a bridge's extensions, on every connection.
pub struct RuntimeFunctions<D> {
    dispatcher: Arc<D>,
    defined: Mutex<Vec<Defined>>,
}

impl<D: Dispatcher + 'static> RuntimeFunctions<D> {
    pub(crate) fn new(dispatcher: Arc<D>) -> Self {
        RuntimeFunctions { dispatcher, defined: Mutex::new(Vec::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Defined>> {
        // A panic cannot leave the list half-changed: each change is one push, set or retain.
        self.defined.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every run-time function of `ext` answers as unknown, and is removed from the
    /// connections in `open` unless SQLite refuses while a statement runs.
    pub(crate) fn unregister_extension(&self, ext: u32, open: &[*mut ffi::sqlite3]) {
        self.lock().retain(|defined| {
            if defined.ext != ext {
                return true;
            }
            defined.target.clear();
            let db = defined.db as *mut ffi::sqlite3;
            // SAFETY: connections in `open` are open (the bridge's attached ones).
            !(open.contains(&db) && unsafe { remove(db, &defined.name, defined.arity) } == ffi::SQLITE_OK)
        });
    }

    /// Forget the run-time functions of `db`, which is closing (SQLite drops them itself);
    /// a call SQLite still makes of one answers as for an unknown function.
    pub(crate) fn forget_connection(&self, db: *mut ffi::sqlite3) {
        self.lock().retain(|defined| {
            if defined.db != db as usize {
                return true;
            }
            defined.target.clear();
            false
        });
    }

    /// # Safety
    /// `db` must be an open connection.
    unsafe fn install(&self, db: *mut ffi::sqlite3, name: &CString, arity: c_int, flags: FunctionFlags, target: &Arc<Target>) -> c_int {
        let data = Box::into_raw(Box::new(FunctionData {
            target: Arc::clone(target),
            name: name.to_string_lossy().into(),
            dispatcher: Arc::clone(&self.dispatcher),
        }))
        .cast::<c_void>();
        // SAFETY: `db` is open (the contract) and `name` NUL-terminated; `data` is a leaked
        // Box<FunctionData<D>> that SQLite hands to `dynamic::<D>` and frees through
        // `destroy::<D>` once, also when creating fails.
        unsafe {
            ffi::sqlite3_create_function_v2(
                db,
                name.as_ptr(),
                arity,
                ffi::SQLITE_UTF8 | flags.bits(),
                data,
                Some(dynamic::<D>),
                None,
                None,
                Some(trampolines::destroy::<D>),
            )
        }
    }
}

/// The rules every run-time function's name and arity follow: `name` as SQLite is to get it.
fn checked_name(name: &str, arity: i32, ext: u32, id: u32) -> Result<CString, SqlError> {
    let c_name = CString::new(name).map_err(|_| misuse(format!("function name {name:?} contains a NUL character")))?;
    if name.is_empty() {
        return Err(misuse(String::from("a function needs a name")));
    }
    if !sqlink_rules::metadata::ARITIES.contains(&arity) {
        return Err(misuse(format!("{name}: arity {arity} is outside {:?}", sqlink_rules::metadata::ARITIES)));
    }
    if !Target::representable(ext, id) {
        return Err(misuse(format!("{name}: extension handle and function id cannot both be {}", u32::MAX)));
    }
    Ok(c_name)
}

impl<D: Dispatcher> RuntimeFunctions<D> {
    /// Refuse `name` when another extension defined it on `db`, or when the connection has it
    /// from elsewhere (unless it is `ext`'s own run-time function).
    ///
    /// # Safety
    /// `db` must be an open connection.
    unsafe fn check_free(defined: &[Defined], db: *mut ffi::sqlite3, ext: u32, name: &str) -> Result<(), SqlError> {
        let same = |d: &&Defined| d.db == db as usize && d.name.eq_ignore_ascii_case(name);
        if let Some(other) = defined.iter().find(|d| same(d) && d.ext != ext) {
            return Err(SqlError::new(
                ffi::SQLITE_ERROR,
                format!("cannot define {name}(): another extension defined {}() on this connection", other.name),
            ));
        }
        // What the connection has of that name that is not this extension's run-time own.
        // SAFETY: `db` is open (the contract).
        if !defined.iter().any(|d| same(&d)) && unsafe { has_function(db, name) }? {
            return Err(SqlError::new(
                ffi::SQLITE_ERROR,
                format!("cannot define {name}(): the connection has a function of that name (SQLite's, the program's or an extension's)"),
            ));
        }
        Ok(())
    }
}

impl<D: Dispatcher + Send + Sync + 'static> DefineFunctions for RuntimeFunctions<D> {
    unsafe fn define(
        &self,
        db: *mut ffi::sqlite3,
        ext: u32,
        name: &str,
        arity: i32,
        flags: FunctionFlags,
        id: u32,
    ) -> Result<(), SqlError> {
        let c_name = checked_name(name, arity, ext, id)?;
        let mut defined = self.lock();
        // SAFETY: `db` is open (the contract).
        unsafe { Self::check_free(&defined, db, ext, name) }?;
        let same = |d: &Defined| d.db == db as usize && d.name.eq_ignore_ascii_case(name);
        let target = Arc::new(Target::new(ext, id));
        // SAFETY: `db` is open (the contract).
        let rc = unsafe { self.install(db, &c_name, arity, flags, &target) };
        if rc != ffi::SQLITE_OK {
            // A deleted one SQLite still holds (a statement was running): take it again.
            if let Some(kept) = defined.iter().find(|d| same(d) && d.arity == arity && d.body.is_none() && d.target.get().is_none()) {
                kept.target.set(ext, id);
                return Ok(());
            }
            // SAFETY: `db` is open (the contract).
            let why = unsafe { trampolines::errmsg(db) };
            return Err(SqlError::new(rc, format!("cannot define {name}(): {why}")));
        }
        // SQLite replaced any function of that name and arity.
        defined.retain(|d| !(same(d) && d.arity == arity));
        defined.push(Defined { db: db as usize, ext, name: name.to_owned(), arity, target, body: None });
        Ok(())
    }

    unsafe fn define_sql(
        &self,
        db: *mut ffi::sqlite3,
        ext: u32,
        name: &str,
        arity: i32,
        flags: FunctionFlags,
        body: &str,
    ) -> Result<(), SqlError> {
        let c_name = checked_name(name, arity, ext, 0)?;
        let same = |d: &Defined| d.db == db as usize && d.name.eq_ignore_ascii_case(name) && d.arity == arity;
        let replaced = {
            let mut defined = self.lock();
            // SAFETY: `db` is open (the contract).
            unsafe { Self::check_free(&defined, db, ext, name) }?;
            match defined.iter().find(|d| same(d) && d.ext == ext).and_then(|d| d.body.clone()) {
                // Its own body function of that name and arity, kept or live: the new body
                // replaces the old one in place (below, once it compiles), so a redefinition
                // works while a statement runs.
                Some(old) => Some(old),
                None => {
                    let target = Arc::new(Target::new(ext, 0));
                    let data = Arc::new(SqlBody { name: name.into(), target: Arc::clone(&target), sql: Mutex::new(body.to_owned()) });
                    // SAFETY: `db` is open (the contract) and `c_name` NUL-terminated; the data
                    // pointer is a leaked Arc<SqlBody> that SQLite hands to `sql_body` and
                    // releases through `forget_sql_body` once, also when creating fails.
                    let rc = unsafe {
                        ffi::sqlite3_create_function_v2(
                            db,
                            c_name.as_ptr(),
                            arity,
                            ffi::SQLITE_UTF8 | flags.bits(),
                            Arc::into_raw(Arc::clone(&data)).cast_mut().cast::<c_void>(),
                            Some(sql_body),
                            None,
                            None,
                            Some(forget_sql_body),
                        )
                    };
                    if rc != ffi::SQLITE_OK {
                        // SAFETY: `db` is open (the contract).
                        let why = unsafe { trampolines::errmsg(db) };
                        return Err(SqlError::new(rc, format!("cannot define {name}(): {why}")));
                    }
                    defined.retain(|d| !same(d));
                    defined.push(Defined { db: db as usize, ext, name: name.to_owned(), arity, target, body: Some(data) });
                    None
                }
            }
        };
        // The body compiles, as the extension's SQL (its sandbox), with the function defined
        // (so that it may call itself); outside the lock, as compiling may connect a virtual
        // table, which calls an extension.
        let compiled = {
            // SAFETY: `db` is open and is the connection whose call of `ext` is running (the
            // contract); the CallSql is dropped at the end of this block.
            let mut sql = unsafe { CallSql::new(db) };
            sql.prepare(body).map(|statement| sql.finalize(statement))
        };
        match (compiled, replaced) {
            (Ok(()), Some(old)) => {
                *old.sql.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = body.to_owned();
                old.target.set(ext, 0);
                Ok(())
            }
            (Ok(()), None) => Ok(()),
            // A redefinition that does not compile leaves the function as it was.
            (Err(error), Some(_)) => Err(SqlError::new(error.code, format!("cannot define {name}(): {}", error.message))),
            (Err(error), None) => {
                // SAFETY: `db` is open (the contract).
                let _ = unsafe { self.delete(db, ext, name, arity) };
                Err(SqlError::new(error.code, format!("cannot define {name}(): {}", error.message)))
            }
        }
    }

    unsafe fn delete(&self, db: *mut ffi::sqlite3, ext: u32, name: &str, arity: i32) -> Result<(), SqlError> {
        let mut defined = self.lock();
        let found = defined.iter().position(|d| {
            d.db == db as usize && d.ext == ext && d.arity == arity && d.name.eq_ignore_ascii_case(name) && d.target.get().is_some()
        });
        let Some(index) = found else {
            let arguments = if arity < 0 { String::from("any number of arguments") } else { format!("{arity} arguments") };
            return Err(SqlError::new(ffi::SQLITE_ERROR, format!("cannot delete {name}(): this extension defined none with {arguments}")));
        };
        defined[index].target.clear();
        // SAFETY: `db` is open (the contract).
        if unsafe { remove(db, &defined[index].name, arity) } == ffi::SQLITE_OK {
            defined.remove(index);
        }
        Ok(())
    }
}

/// Whether `db` has a function named `name` (any arity).
///
/// # Safety
/// `db` must be an open connection.
unsafe fn has_function(db: *mut ffi::sqlite3, name: &str) -> Result<bool, SqlError> {
    let sql = c"SELECT 1 FROM pragma_function_list WHERE name = ?1 COLLATE NOCASE";
    let mut stmt = std::ptr::null_mut();
    // SAFETY: `db` is open (the contract); `stmt` is finalized below whatever happens.
    let rc = unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) };
    if rc != ffi::SQLITE_OK {
        // SAFETY: `db` is open.
        return Err(SqlError::new(rc, format!("cannot list the connection's functions: {}", unsafe { trampolines::errmsg(db) })));
    }
    // SAFETY: `stmt` was prepared above; SQLITE_TRANSIENT copies the name before binding
    // returns; the statement is finalized and used no more.
    let rc = unsafe {
        ffi::sqlite3_bind_text64(stmt, 1, name.as_ptr().cast(), name.len() as u64, ffi::SQLITE_TRANSIENT(), ffi::SQLITE_UTF8 as u8);
        let rc = ffi::sqlite3_step(stmt);
        ffi::sqlite3_finalize(stmt);
        rc
    };
    match rc {
        ffi::SQLITE_ROW => Ok(true),
        ffi::SQLITE_DONE => Ok(false),
        // SAFETY: `db` is open.
        rc => Err(SqlError::new(rc, format!("cannot list the connection's functions: {}", unsafe { trampolines::errmsg(db) }))),
    }
}

/// Remove function `name` of `arity` from `db`; SQLITE_BUSY while a statement runs.
///
/// # Safety
/// `db` must be an open connection.
unsafe fn remove(db: *mut ffi::sqlite3, name: &str, arity: c_int) -> c_int {
    let Ok(name) = CString::new(name) else { return ffi::SQLITE_MISUSE };
    // SAFETY: `db` is open (the contract); null data and callbacks delete the function.
    unsafe { ffi::sqlite3_create_function_v2(db, name.as_ptr(), arity, ffi::SQLITE_UTF8, std::ptr::null_mut(), None, None, None, None) }
}

fn misuse(message: String) -> SqlError {
    SqlError::new(ffi::SQLITE_MISUSE, message)
}

/// xDestroy of a function whose body is SQL.
///
/// # Safety
/// `data` must be null or come from `Arc::into_raw(Arc<SqlBody>)`, released once here.
unsafe extern "C" fn forget_sql_body(data: *mut c_void) {
    if !data.is_null() {
        // SAFETY: per the contract.
        drop(unsafe { Arc::from_raw(data.cast_const().cast::<SqlBody>()) });
    }
}

/// xFunc of a function whose body is SQL: the body's first row's first column.
unsafe extern "C" fn sql_body(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
    // SAFETY: SQLite calls xFunc with the context of this call, whose user data is the live
    // Arc<SqlBody> `define_sql` registered (released only by `forget_sql_body`, after the last
    // call), and `argc` values valid until it returns.
    let (call, data, args, db) = unsafe {
        let data = &*ffi::sqlite3_user_data(ctx).cast::<SqlBody>();
        (Context::of_call(ctx), data, Args::new(argc, argv), ffi::sqlite3_context_db_handle(ctx))
    };
    let run = || -> Result<Value, SqlError> {
        if data.target.get().is_none() {
            return Err(SqlError::new(ffi::SQLITE_ERROR, format!("no such function: {}", data.name)));
        }
        let Some(_nested) = Running::within(&SQL_BODIES_RUNNING, SQL_BODY_DEPTH) else {
            let message = format!("{}(): functions whose body is SQL are nested more than {SQL_BODY_DEPTH} deep", data.name);
            return Err(SqlError::new(ffi::SQLITE_ERROR, message));
        };
        let body = data.sql.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        // SAFETY: `db` is the connection running this callback, open until it returns, and the
        // CallSql is dropped (finalizing what is left) before that.
        let mut sql = unsafe { CallSql::new(db) };
        let statement = sql.prepare(&body)?;
        for (index, value) in (1..).zip(args.read()) {
            sql.bind(statement, index, &Value::from(&value))?;
        }
        let row = sql.step(statement)?;
        sql.finalize(statement);
        Ok(row.and_then(|values| values.into_iter().next()).unwrap_or(Value::Null))
    };
    let result = catch_unwind(AssertUnwindSafe(run))
        .unwrap_or_else(|_| Err(SqlError::new(ffi::SQLITE_ERROR, format!("{}(): the bridge panicked", data.name))));
    call.finish(result);
}

/// xFunc of a run-time function.
unsafe extern "C" fn dynamic<D: Dispatcher>(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
    // SAFETY: SQLite calls xFunc with the context of this call of a function `install`
    // registered with a FunctionData<D>, and `argc` values valid until it returns.
    unsafe { trampolines::call_with::<D>(ctx, argc, argv, |dispatcher, ext, id, args| dispatcher.dynamic_call(ext, id, args)) }
}
