//! Which extension functions exist, and on which connections they are installed.

use std::ffi::{c_int, c_void, CString};
use std::fmt;
use std::rc::Rc;

use libsqlite3_sys as ffi;

use crate::trampolines::{self, FunctionData};
use crate::vtab::{self, ModuleData};
use crate::{Dispatcher, FunctionFlags};

/// A registration SQLite refused, or one that could never work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeError {
    pub code: i32,
    pub message: String,
}

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BridgeError {}

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
    flags: c_int,
    kind: Kind,
}

/// The set of extension functions and the connections they live on. Every registration
/// is installed on every attached connection, including connections attached later.
pub struct Bridge<D: Dispatcher + 'static> {
    dispatcher: Rc<D>,
    registrations: Vec<Registration>,
    connections: Vec<*mut ffi::sqlite3>,
}

impl<D: Dispatcher + 'static> Bridge<D> {
    pub fn new(dispatcher: D) -> Self {
        Bridge { dispatcher: Rc::new(dispatcher), registrations: Vec::new(), connections: Vec::new() }
    }

    pub fn dispatcher(&self) -> &D {
        &self.dispatcher
    }

    /// Install every registration on `db` and keep it up to date from now on.
    ///
    /// # Safety
    /// `db` must be an open connection, and must be [`detach`](Self::detach)ed before it
    /// is closed.
    pub unsafe fn attach(&mut self, db: *mut ffi::sqlite3) -> Result<(), BridgeError> {
        for registration in &self.registrations {
            unsafe { self.install(db, registration) }?;
        }
        self.connections.push(db);
        Ok(())
    }

    /// Forget `db` (it is about to be closed; SQLite drops its functions itself).
    pub fn detach(&mut self, db: *mut ffi::sqlite3) {
        self.connections.retain(|&c| c != db);
    }

    pub fn register_scalar(&mut self, ext: u32, name: &str, arity: i32, flags: FunctionFlags, func_id: u32) -> Result<(), BridgeError> {
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
    ) -> Result<(), BridgeError> {
        let kind = if window { Kind::Window } else { Kind::Aggregate };
        self.register(ext, name, arity, flags, func_id, kind)
    }

    pub fn register_collation(&mut self, ext: u32, name: &str, func_id: u32) -> Result<(), BridgeError> {
        self.register(ext, name, 0, FunctionFlags::default(), func_id, Kind::Collation)
    }

    /// A table function `name` with these result columns and (required) parameters.
    pub fn register_table(&mut self, ext: u32, name: &str, func_id: u32, columns: &[String], parameters: &[String]) -> Result<(), BridgeError> {
        self.register(ext, name, 0, FunctionFlags::default(), func_id, Kind::Table(columns.to_vec(), parameters.to_vec()))
    }

    /// Remove everything extension `ext` registered, from every connection.
    pub fn unregister_extension(&mut self, ext: u32) {
        let (gone, kept) = std::mem::take(&mut self.registrations).into_iter().partition(|r| r.ext == ext);
        self.registrations = kept;
        for registration in gone {
            for &db in &self.connections {
                // Fails only while a statement using it runs; the REPL never unloads then.
                unsafe { uninstall(db, &registration) };
            }
        }
    }

    fn register(&mut self, ext: u32, name: &str, arity: i32, flags: FunctionFlags, func_id: u32, kind: Kind) -> Result<(), BridgeError> {
        let name = CString::new(name).map_err(|_| misuse(format!("function name {name:?} contains a NUL byte")))?;
        if !(-1..=127).contains(&arity) {
            return Err(misuse(format!("{}: arity {arity} is outside -1..=127", name.to_string_lossy())));
        }
        let registration = Registration { ext, name, func_id, arity, flags: sqlite_flags(flags), kind };
        for (index, &db) in self.connections.iter().enumerate() {
            if let Err(error) = unsafe { self.install(db, &registration) } {
                for &done in &self.connections[..index] {
                    unsafe { uninstall(done, &registration) };
                }
                return Err(error);
            }
        }
        self.registrations.push(registration);
        Ok(())
    }

    unsafe fn install(&self, db: *mut ffi::sqlite3, registration: &Registration) -> Result<(), BridgeError> {
        if let Kind::Table(columns, parameters) = &&registration.kind {
            let name = registration.name.to_string_lossy();
            let data = ModuleData::new(registration.ext, registration.func_id, &name, columns, parameters, Rc::clone(&self.dispatcher))
                .map_err(misuse)?;
            let module = data.module();
            // SAFETY: `db` is open (attach's contract); the module struct lives inside the
            // client data, which SQLite frees through destroy_module, also when it fails.
            let rc = unsafe {
                ffi::sqlite3_create_module_v2(db, registration.name.as_ptr(), module, Box::into_raw(data).cast::<c_void>(), Some(vtab::destroy_module::<D>))
            };
            if rc != ffi::SQLITE_OK {
                return Err(BridgeError { code: rc, message: format!("cannot register {name}: {}", unsafe { trampolines::errmsg(db) }) });
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
        let text_rep = ffi::SQLITE_UTF8 | registration.flags;
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
            Err(BridgeError {
                code: rc,
                message: format!(
                    "cannot register {}: {}",
                    registration.name.to_string_lossy(),
                    unsafe { trampolines::errmsg(db) }
                ),
            })
        }
    }
}

unsafe fn uninstall(db: *mut ffi::sqlite3, registration: &Registration) {
    let name = registration.name.as_ptr();
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

fn sqlite_flags(flags: FunctionFlags) -> c_int {
    let mut out = 0;
    if flags.deterministic {
        out |= ffi::SQLITE_DETERMINISTIC;
    }
    if flags.direct_only {
        out |= ffi::SQLITE_DIRECTONLY;
    }
    if flags.innocuous {
        out |= ffi::SQLITE_INNOCUOUS;
    }
    out
}

fn misuse(message: String) -> BridgeError {
    BridgeError { code: ffi::SQLITE_MISUSE, message }
}
