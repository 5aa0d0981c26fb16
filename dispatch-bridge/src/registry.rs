//! Which extension functions exist, and on which connections they are installed.

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_int, c_void};
use std::rc::Rc;

use libsqlite3_sys as ffi;
use sqlink_rules::{Namespace, PREDEFINED_SQL, Predefined};

use crate::trampolines::{self, FunctionData};
use crate::vtab::{self, ModuleData};
use crate::{Dispatcher, FunctionFlags, SqlError};

#[derive(Debug, Clone)]
enum Kind {
    Scalar,
    Aggregate,
    Window,
    Collation,
    /// A table function: its columns and parameters.
    Table(Vec<String>, Vec<String>),
}

#[derive(Debug, Clone)]
struct Registration {
    ext: u32,
    name: CString,
    func_id: u32,
    arity: c_int,
    flags: FunctionFlags,
    kind: Kind,
}

/// The set of extension functions and the connections they live on. Every registration
/// is installed on every attached connection, including connections attached later.
pub struct Bridge<D: Dispatcher + 'static> {
    dispatcher: Rc<D>,
    registrations: Vec<Registration>,
    connections: Vec<*mut ffi::sqlite3>,
    /// SQLite's own functions, collations and modules (read at the first attach): not
    /// replaced unless the extension was allowed to.
    predefined: Option<Predefined>,
    /// Each extension's override policy (allowed, and how a user asks for it), and what
    /// each replaced (as shown).
    policies: HashMap<u32, (bool, String)>,
    overridden: HashMap<u32, Vec<String>>,
}

impl<D: Dispatcher + 'static> Bridge<D> {
    pub fn new(dispatcher: D) -> Self {
        Bridge {
            dispatcher: Rc::new(dispatcher),
            registrations: Vec::new(),
            connections: Vec::new(),
            predefined: None,
            policies: HashMap::new(),
            overridden: HashMap::new(),
        }
    }

    /// Whether extension `ext` may replace SQLite's own functions, collations and table
    /// functions of the names it registers (refused by default), and how a user of this host
    /// asks for that (`.load NAME --override`), which a refusal names.
    pub fn override_policy(&mut self, ext: u32, allowed: bool, how_to_allow: &str) {
        self.policies.insert(ext, (allowed, how_to_allow.to_owned()));
    }

    /// What extension `ext` replaced of SQLite's own, as shown (`upper()`).
    pub fn overridden(&self, ext: u32) -> &[String] {
        self.overridden.get(&ext).map_or(&[], Vec::as_slice)
    }

    pub fn dispatcher(&self) -> &D {
        &self.dispatcher
    }

    /// Install every registration on `db` and keep it up to date from now on.
    ///
    /// # Safety
    /// `db` must be an open connection, and must be [`detach`](Self::detach)ed before it
    /// is closed.
    pub unsafe fn attach(&mut self, db: *mut ffi::sqlite3) -> Result<(), SqlError> {
        if self.predefined.is_none() {
            self.predefined = Some(builtins()?);
        }
        for registration in &self.registrations {
            // SAFETY: `db` is open (this function's contract).
            unsafe { self.install(db, registration) }?;
        }
        self.connections.push(db);
        Ok(())
    }

    /// Forget `db` (it is about to be closed; SQLite drops its functions itself).
    pub fn detach(&mut self, db: *mut ffi::sqlite3) {
        self.connections.retain(|&c| c != db);
    }

    pub fn register_scalar(&mut self, ext: u32, name: &str, arity: i32, flags: FunctionFlags, func_id: u32) -> Result<(), SqlError> {
        self.register(ext, name, arity, flags, func_id, Kind::Scalar)
    }

    /// With `window`, the aggregate also gets xValue / xInverse (a window function).
    pub fn register_aggregate(
        &mut self,
        ext: u32,
        name: &str,
        arity: i32,
        flags: FunctionFlags,
        func_id: u32,
        window: bool,
    ) -> Result<(), SqlError> {
        let kind = if window { Kind::Window } else { Kind::Aggregate };
        self.register(ext, name, arity, flags, func_id, kind)
    }

    pub fn register_collation(&mut self, ext: u32, name: &str, func_id: u32) -> Result<(), SqlError> {
        self.register(ext, name, 0, FunctionFlags::empty(), func_id, Kind::Collation)
    }

    /// A table function `name` with these result columns and (required) parameters.
    pub fn register_table(
        &mut self,
        ext: u32,
        name: &str,
        func_id: u32,
        columns: &[String],
        parameters: &[String],
    ) -> Result<(), SqlError> {
        self.register(ext, name, 0, FunctionFlags::empty(), func_id, Kind::Table(columns.to_vec(), parameters.to_vec()))
    }

    /// Remove everything extension `ext` registered, from every connection.
    pub fn unregister_extension(&mut self, ext: u32) {
        self.policies.remove(&ext);
        self.overridden.remove(&ext);
        let (gone, kept) = std::mem::take(&mut self.registrations).into_iter().partition(|r| r.ext == ext);
        self.registrations = kept;
        for registration in gone {
            for &db in &self.connections {
                // SAFETY: attached connections are open until detached (attach's contract).
                // Fails only while a statement using it runs; the REPL never unloads then.
                unsafe { uninstall(db, &registration) };
            }
        }
    }

    fn register(&mut self, ext: u32, name: &str, arity: i32, flags: FunctionFlags, func_id: u32, kind: Kind) -> Result<(), SqlError> {
        let name = CString::new(name).map_err(|_| misuse(format!("function name {name:?} contains a NUL byte")))?;
        if !(-1..=127).contains(&arity) {
            return Err(misuse(format!("{}: arity {arity} is outside -1..=127", name.to_string_lossy())));
        }
        let namespace = match kind {
            Kind::Collation => Namespace::Collation,
            Kind::Table(..) => Namespace::Table,
            Kind::Scalar | Kind::Aggregate | Kind::Window => Namespace::Function,
        };
        let shown = name.to_string_lossy().into_owned();
        let (allowed, how_to_allow) = match self.policies.get(&ext) {
            Some((allowed, how)) => (*allowed, Some(how.as_str())),
            None => (false, None),
        };
        let replaces = match self.predefined.as_ref().and_then(|p| p.refusal(namespace, &shown, how_to_allow)) {
            Some(_) if allowed => true,
            Some(refusal) => return Err(SqlError { code: ffi::SQLITE_ERROR, message: refusal }),
            None => false,
        };
        let registration = Registration { ext, name, func_id, arity, flags, kind };
        for (index, &db) in self.connections.iter().enumerate() {
            // SAFETY: attached connections are open until detached (attach's contract).
            if let Err(error) = unsafe { self.install(db, &registration) } {
                for &done in &self.connections[..index] {
                    // SAFETY: as above.
                    unsafe { uninstall(done, &registration) };
                }
                return Err(error);
            }
        }
        self.registrations.push(registration);
        if replaces {
            self.overridden.entry(ext).or_default().push(namespace.shown(&shown));
        }
        Ok(())
    }

    /// # Safety
    /// `db` must be an open connection.
    unsafe fn install(&self, db: *mut ffi::sqlite3, registration: &Registration) -> Result<(), SqlError> {
        if let Kind::Table(columns, parameters) = &&registration.kind {
            let name = registration.name.to_string_lossy();
            let data = ModuleData::new(registration.ext, registration.func_id, &name, columns, parameters, Rc::clone(&self.dispatcher))
                .map_err(misuse)?;
            let module = data.module();
            // SAFETY: `db` is open (attach's contract); the module struct lives inside the
            // client data, which SQLite frees through destroy_module, also when it fails.
            let rc = unsafe {
                ffi::sqlite3_create_module_v2(
                    db,
                    registration.name.as_ptr(),
                    module,
                    Box::into_raw(data).cast::<c_void>(),
                    Some(vtab::destroy_module::<D>),
                )
            };
            if rc != ffi::SQLITE_OK {
                // SAFETY: `db` is open (the contract).
                return Err(SqlError { code: rc, message: format!("cannot register {name}: {}", unsafe { trampolines::errmsg(db) }) });
            }
            return Ok(());
        }
        let data = Box::into_raw(Box::new(FunctionData {
            ext: registration.ext,
            id: registration.func_id,
            name: registration.name.to_string_lossy().into(),
            dispatcher: Rc::clone(&self.dispatcher),
        }))
        .cast::<c_void>();
        let name = registration.name.as_ptr();
        let text_rep = ffi::SQLITE_UTF8 | registration.flags.bits();
        // SAFETY: `db` is open (the contract) and `name` NUL-terminated; `data` is a leaked
        // Box<FunctionData<D>> that SQLite hands to these trampolines, all instantiated with
        // the same D, and frees through `destroy::<D>` once.
        let rc = unsafe {
            match &registration.kind {
                // On failure SQLite itself calls the destructor on `data`.
                Kind::Scalar => ffi::sqlite3_create_function_v2(
                    db,
                    name,
                    registration.arity,
                    text_rep,
                    data,
                    Some(trampolines::scalar::<D>),
                    None,
                    None,
                    Some(trampolines::destroy::<D>),
                ),
                Kind::Aggregate => ffi::sqlite3_create_function_v2(
                    db,
                    name,
                    registration.arity,
                    text_rep,
                    data,
                    None,
                    Some(trampolines::step::<D>),
                    Some(trampolines::finalize::<D>),
                    Some(trampolines::destroy::<D>),
                ),
                Kind::Window => ffi::sqlite3_create_window_function(
                    db,
                    name,
                    registration.arity,
                    text_rep,
                    data,
                    Some(trampolines::step::<D>),
                    Some(trampolines::finalize::<D>),
                    Some(trampolines::value::<D>),
                    Some(trampolines::inverse::<D>),
                    Some(trampolines::destroy::<D>),
                ),
                Kind::Collation => {
                    let rc = ffi::sqlite3_create_collation_v2(
                        db,
                        name,
                        ffi::SQLITE_UTF8,
                        data,
                        Some(trampolines::compare::<D>),
                        Some(trampolines::destroy::<D>),
                    );
                    // Unlike functions, a failed collation leaves `data` to the caller.
                    if rc != ffi::SQLITE_OK {
                        trampolines::destroy::<D>(data);
                    }
                    rc
                }
                Kind::Table(..) => unreachable!("installed above"),
            }
        };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(SqlError {
                code: rc,
                // SAFETY: `db` is open (the contract).
                message: format!("cannot register {}: {}", registration.name.to_string_lossy(), unsafe { trampolines::errmsg(db) }),
            })
        }
    }
}

/// SQLite's built-in functions, collations and modules, read on a connection of its own to
/// an in-memory database: asking the attached one would read its schema, which needs a lock
/// on its file that another connection may hold (or a hot journal may deny).
fn builtins() -> Result<Predefined, SqlError> {
    let mut db = std::ptr::null_mut();
    // SAFETY: the name is NUL-terminated; `db` receives a handle, closed below whatever
    // happens (SQLite allocates one even when opening fails).
    let rc = unsafe { ffi::sqlite3_open_v2(c":memory:".as_ptr(), &mut db, ffi::SQLITE_OPEN_READWRITE, std::ptr::null()) };
    let listed = if rc == ffi::SQLITE_OK {
        // SAFETY: `db` was just opened.
        unsafe { predefined(db) }
    } else {
        Err(SqlError { code: rc, message: String::from("cannot open a connection to list SQLite's functions") })
    };
    // SAFETY: `db` came from sqlite3_open_v2 above and is used no more.
    unsafe { ffi::sqlite3_close(db) };
    listed
}

/// What `db` has: SQLite's built-ins (and any functions the program added).
///
/// # Safety
/// `db` must be an open connection.
unsafe fn predefined(db: *mut ffi::sqlite3) -> Result<Predefined, SqlError> {
    let sql = CString::new(PREDEFINED_SQL).map_err(|_| misuse(String::from("NUL in the introspection query")))?;
    let mut stmt = std::ptr::null_mut();
    // SAFETY: `db` is open; `sql` is NUL-terminated; `stmt` receives the statement, which
    // is finalized below whatever happens.
    let rc = unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) };
    if rc != ffi::SQLITE_OK {
        // SAFETY: `db` is open (the contract).
        return Err(SqlError { code: rc, message: format!("cannot list SQLite's functions: {}", unsafe { trampolines::errmsg(db) }) });
    }
    let mut predefined = Predefined::default();
    let text = |column: c_int| {
        // SAFETY: `stmt` is on a row (text is called only after SQLITE_ROW) and `column` is
        // one of its two columns; the text is NUL-terminated, valid until the next step and
        // copied at once.
        unsafe {
            let text = ffi::sqlite3_column_text(stmt, column);
            if text.is_null() { String::new() } else { CStr::from_ptr(text.cast()).to_string_lossy().into_owned() }
        }
    };
    let rc = loop {
        // SAFETY: `stmt` was prepared above on the open `db`; it is stepped until it stops
        // returning rows, then finalized.
        match unsafe { ffi::sqlite3_step(stmt) } {
            ffi::SQLITE_ROW => {
                if let Some(namespace) = Namespace::from_tag(&text(0)) {
                    predefined.insert(namespace, &text(1));
                }
            }
            rc => break rc,
        }
    };
    // SAFETY: `stmt` was prepared above and is used no more.
    unsafe { ffi::sqlite3_finalize(stmt) };
    if rc != ffi::SQLITE_DONE {
        // SAFETY: `db` is open (the contract).
        return Err(SqlError { code: rc, message: format!("cannot list SQLite's functions: {}", unsafe { trampolines::errmsg(db) }) });
    }
    Ok(predefined)
}

/// Remove `registration` from `db` (SQLite then calls the old `pApp`'s destructor).
///
/// # Safety
/// `db` must be an open connection.
unsafe fn uninstall(db: *mut ffi::sqlite3, registration: &Registration) {
    let name = registration.name.as_ptr();
    // SAFETY: `db` is open (the contract) and `name` NUL-terminated; null data and
    // callbacks are SQLite's documented way to delete a function, collation or module.
    unsafe {
        match &registration.kind {
            Kind::Collation => {
                ffi::sqlite3_create_collation_v2(db, name, ffi::SQLITE_UTF8, std::ptr::null_mut(), None, None);
            }
            // A null module removes the module and its eponymous table.
            Kind::Table(..) => {
                ffi::sqlite3_create_module_v2(db, name, std::ptr::null(), std::ptr::null_mut(), None);
            }
            _ => {
                ffi::sqlite3_create_function_v2(
                    db,
                    name,
                    registration.arity,
                    ffi::SQLITE_UTF8,
                    std::ptr::null_mut(),
                    None,
                    None,
                    None,
                    None,
                );
            }
        }
    }
}

fn misuse(message: String) -> SqlError {
    SqlError { code: ffi::SQLITE_MISUSE, message }
}
