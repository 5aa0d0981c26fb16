//! Which extension functions exist, and on which connections they are installed.

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_int, c_void};
use std::sync::Arc;

use libsqlite3_sys as ffi;
use sqlink_rules::{Namespace, PREDEFINED_SQL, Predefined};

use crate::dynamic::RuntimeFunctions;
use crate::hooks::{self, Fanout, HookKinds, Listeners, ProgramHooks, Slot};
use crate::module::{self, ModuleShape};
use crate::target::Target;
use crate::trampolines::{self, FunctionData};
use crate::vtab::ModuleData;
use crate::{Dispatcher, FunctionFlags, SqlError};

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Scalar,
    Aggregate,
    Window,
    Collation,
    /// A table function: its columns and parameters.
    Table(Vec<String>, Vec<String>),
    /// A virtual-table module.
    Module(ModuleShape),
}

impl Kind {
    fn namespace(&self) -> Namespace {
        match self {
            Kind::Collation => Namespace::Collation,
            Kind::Table(..) | Kind::Module(..) => Namespace::Table,
            Kind::Scalar | Kind::Aggregate | Kind::Window => Namespace::Function,
        }
    }
}

#[derive(Debug)]
struct Registration {
    name: CString,
    arity: c_int,
    flags: FunctionFlags,
    kind: Kind,
    /// Shared with the callbacks installed on every connection.
    target: Arc<Target>,
}

impl Registration {
    /// Whether SQLite keeps `self` where it would keep `name`: functions by name and arity,
    /// collations and modules by name, all without regard to ASCII case.
    fn holds(&self, namespace: Namespace, name: &CStr, arity: c_int) -> bool {
        self.kind.namespace() == namespace
            && self.name.as_bytes().eq_ignore_ascii_case(name.to_bytes())
            && (namespace != Namespace::Function || self.arity == arity)
    }
}

/// The set of extension functions and the connections they live on. Every registration
/// is installed on every attached connection, including connections attached later.
pub struct Bridge<D: Dispatcher + 'static> {
    dispatcher: Arc<D>,
    registrations: Vec<Registration>,
    connections: Vec<*mut ffi::sqlite3>,
    /// What extensions may not replace unless allowed: SQLite's own functions, collations
    /// and modules (read at the first registration), or what a connection had
    /// ([`read_predefined`](Self::read_predefined)).
    predefined: Option<Predefined>,
    /// Each extension's override policy (allowed, and how a user asks for it), and what
    /// each replaced (as shown).
    policies: HashMap<u32, (bool, String)>,
    overridden: HashMap<u32, Vec<String>>,
    /// What each extension left to the connection (it was not allowed to replace it), as
    /// shown, with the refusal it would have been.
    kept: HashMap<u32, Vec<(String, SqlError)>>,
    /// Who hears the connections' commit, rollback and update events.
    listeners: Arc<Listeners<D>>,
    /// The same, once hooks are wanted: then installed on every attached connection.
    fanout: Option<Arc<dyn Fanout>>,
    /// The connections the hooks are installed on, with the slot SQLite's hook data is.
    hooked: Vec<(*mut ffi::sqlite3, &'static Slot)>,
    /// The functions extensions define while they run.
    runtime: Arc<RuntimeFunctions<D>>,
}

// SAFETY: the raw handles are SQLite connections, which SQLite lets any thread use (as
// rusqlite's `Connection` is `Send`); the bridge uses them only in its `&mut self` methods,
// so from one thread at a time, and the callbacks it installs share only `D` (`Send + Sync`)
// and atomic targets.
unsafe impl<D: Dispatcher + Send + Sync + 'static> Send for Bridge<D> {}

impl<D: Dispatcher + Send + Sync + 'static> Bridge<D> {
    /// Where an extension's calls define and delete their run-time functions (contract 0.4.0).
    pub fn runtime_functions(&self) -> Arc<RuntimeFunctions<D>> {
        Arc::clone(&self.runtime)
    }
}

impl<D: Dispatcher + 'static> Bridge<D> {
    pub fn new(dispatcher: D) -> Self {
        let dispatcher = Arc::new(dispatcher);
        Bridge {
            listeners: Arc::new(Listeners::new(Arc::clone(&dispatcher))),
            fanout: None,
            hooked: Vec::new(),
            runtime: Arc::new(RuntimeFunctions::new(Arc::clone(&dispatcher))),
            dispatcher,
            registrations: Vec::new(),
            connections: Vec::new(),
            predefined: None,
            policies: HashMap::new(),
            overridden: HashMap::new(),
            kept: HashMap::new(),
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

    /// After registering extension `ext`'s declarations: what it left to the connection, as
    /// shown (`upper()`), since it was not allowed to replace those; or, when that was all it
    /// had, the refusal of the first (then unregister it). See `sqlink_rules`: an extension
    /// with names of its own loads with them and keeps the connection's.
    pub fn kept(&self, ext: u32) -> Result<Vec<String>, SqlError> {
        let kept = self.kept.get(&ext).map_or(&[][..], Vec::as_slice);
        let registered = self.registrations.iter().any(|r| r.target.ext() == Some(ext));
        match kept.first() {
            Some((_, refusal)) if !registered => Err(refusal.clone()),
            // Once per name, as SQLite compares names: like() of two arities is one thing kept.
            _ => Ok(kept.iter().fold(Vec::new(), |mut shown: Vec<String>, (name, _)| {
                if !shown.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                    shown.push(name.clone());
                }
                shown
            })),
        }
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
        for registration in &self.registrations {
            // SAFETY: `db` is open (this function's contract).
            unsafe { self.install(db, registration) }?;
        }
        self.connections.push(db);
        if self.fanout.is_some() {
            // SAFETY: `db` is open (this function's contract).
            unsafe { self.install_hooks(db) }?;
        }
        Ok(())
    }

    /// # Safety
    /// `db` must be an open connection.
    unsafe fn install_hooks(&mut self, db: *mut ffi::sqlite3) -> Result<(), SqlError> {
        let Some(fanout) = &self.fanout else { return Ok(()) };
        if self.hooked.iter().any(|(hooked, _)| *hooked == db) {
            return Ok(());
        }
        // SAFETY: `db` is open (the contract).
        let (slot, replaced) = unsafe { hooks::install(db, Arc::clone(fanout)) };
        self.hooked.push((db, slot));
        replaced
    }

    /// Install the hooks on every attached connection, if anyone listens.
    fn hook_connections(&mut self) -> Result<(), SqlError> {
        for db in self.connections.clone() {
            // SAFETY: attached connections are open until detached (attach's contract).
            unsafe { self.install_hooks(db) }?;
        }
        Ok(())
    }

    /// Forget `db` (it is about to be closed; SQLite drops its functions itself).
    pub fn detach(&mut self, db: *mut ffi::sqlite3) {
        self.connections.retain(|&c| c != db);
        // Its run-time functions go with it: a later connection at the same address has none.
        self.runtime.forget_connection(db);
        self.hooked.retain(|(hooked, slot)| {
            if *hooked == db {
                slot.clear();
            }
            *hooked != db
        });
    }

    /// Protect what `db` has now that this bridge did not register (SQLite's built-ins and
    /// the program's own functions) as it protects SQLite's own. For a host whose program
    /// registers functions of its own (embedding): call it before each load.
    ///
    /// # Safety
    /// `db` must be an open connection.
    pub unsafe fn read_predefined(&mut self, db: *mut ffi::sqlite3) -> Result<(), SqlError> {
        let mut ours = Predefined::default();
        for registration in &self.registrations {
            ours.insert(registration.kind.namespace(), &registration.name.to_string_lossy());
        }
        // SAFETY: `db` is open (the contract).
        self.predefined = Some(unsafe { predefined(db, |namespace, name| !ours.contains(namespace, name)) }?);
        Ok(())
    }

    /// Whether extension `ext` may register `name` in `namespace`: an error naming how to
    /// allow it if that replaces something of SQLite's own (or the program's) and `ext` is
    /// not allowed to; `Ok(true)` if it replaces something and may.
    pub fn check_override(&self, ext: u32, namespace: Namespace, name: &str) -> Result<bool, SqlError> {
        let (allowed, how_to_allow) = match self.policies.get(&ext) {
            // An empty way is none: the refusal names no way to allow it.
            Some((allowed, how)) => (*allowed, Some(how.as_str()).filter(|how| !how.is_empty())),
            None => (false, None),
        };
        match self.predefined.as_ref().and_then(|p| p.refusal(namespace, name, how_to_allow)) {
            Some(_) if allowed => Ok(true),
            Some(refusal) => Err(SqlError { code: ffi::SQLITE_ERROR, message: refusal }),
            None => Ok(false),
        }
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

    /// A virtual-table module `name` (`CREATE VIRTUAL TABLE t USING name(...)`), the
    /// extension's module `module_id`.
    pub fn register_module(&mut self, ext: u32, name: &str, module_id: u32, shape: ModuleShape) -> Result<(), SqlError> {
        self.register(ext, name, 0, FunctionFlags::empty(), module_id, Kind::Module(shape))
    }

    /// Remove everything extension `ext` registered, from every connection. What SQLite
    /// will not remove yet (a statement of the connection is running) stays installed but
    /// answers as an unknown name until an extension registers it again, or the next
    /// unregistering removes it.
    pub fn unregister_extension(&mut self, ext: u32) {
        self.listeners.unsubscribe(ext);
        self.runtime.unregister_extension(ext, &self.connections);
        self.policies.remove(&ext);
        self.overridden.remove(&ext);
        self.kept.remove(&ext);
        let connections = &self.connections;
        self.registrations.retain(|registration| {
            // Another extension's; what an earlier unload left behind is tried again.
            if registration.target.ext().is_some_and(|owner| owner != ext) {
                return true;
            }
            registration.target.clear();
            // Tried on every connection, not only up to the first refusal.
            // SAFETY: attached connections are open until detached (attach's contract).
            let refused = connections.iter().filter(|&&db| !unsafe { uninstall(db, registration) }).count();
            refused > 0
        });
    }

    /// What SQLite refuses of a registration, or what the bridge cannot carry, before
    /// anything is installed.
    pub(crate) fn check_declaration(ext: u32, name: &str, arity: i32, func_id: u32) -> Result<CString, SqlError> {
        let c_name = CString::new(name).map_err(|_| misuse(format!("function name {name:?} contains a NUL byte")))?;
        if !sqlink_rules::metadata::ARITIES.contains(&arity) {
            return Err(misuse(format!("{name}: arity {arity} is outside {:?}", sqlink_rules::metadata::ARITIES)));
        }
        if !Target::representable(ext, func_id) {
            return Err(misuse(format!("{name}: extension handle and function id cannot both be {}", u32::MAX)));
        }
        Ok(c_name)
    }

    /// What extensions may not replace: read when first needed, unless the host read the
    /// connection's own list already.
    pub(crate) fn read_builtins(&mut self) -> Result<(), SqlError> {
        if self.predefined.is_none() {
            self.predefined = Some(builtins()?);
        }
        Ok(())
    }

    fn register(&mut self, ext: u32, name: &str, arity: i32, flags: FunctionFlags, func_id: u32, kind: Kind) -> Result<(), SqlError> {
        let c_name = Self::check_declaration(ext, name, arity, func_id)?;
        self.read_builtins()?;
        let namespace = kind.namespace();
        // Not allowed to replace the connection's own: left to it, for `kept` to report.
        let replaces = match self.check_override(ext, namespace, name) {
            Ok(replaces) => replaces,
            Err(refusal) => {
                self.kept.entry(ext).or_default().push((namespace.shown(name), refusal));
                return Ok(());
            }
        };
        let record = |bridge: &mut Self| {
            if replaces {
                bridge.overridden.entry(ext).or_default().push(namespace.shown(name));
            }
        };
        // Left installed by an unload during a statement, with the same shape: taking the
        // new target needs nothing of SQLite, which would refuse the change until then.
        if let Some(vacant) = self
            .registrations
            .iter()
            .find(|r| r.holds(namespace, &c_name, arity) && r.kind == kind && r.flags == flags && r.target.get().is_none())
        {
            vacant.target.set(ext, func_id);
            record(self);
            return Ok(());
        }
        // SQLite would drop a module's table even while a statement reads it.
        if namespace == Namespace::Table
            && self.registrations.iter().any(|r| r.holds(namespace, &c_name, arity))
            // SAFETY: attached connections are open until detached (attach's contract).
            && self.connections.iter().any(|&db| unsafe { statement_running(db) })
        {
            return Err(SqlError::new(
                ffi::SQLITE_ERROR,
                format!(
                    "{} than before; unload and load it outside a statement, or use a new connection",
                    if matches!(kind, Kind::Module(..)) {
                        format!("module {name} has another shape")
                    } else {
                        format!("table function {name} has other columns or arguments")
                    }
                ),
            ));
        }
        let registration = Registration { name: c_name, arity, flags, kind, target: Arc::new(Target::new(ext, func_id)) };
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
        // SQLite replaced whatever it held under that name.
        self.registrations.retain(|r| !r.holds(namespace, &registration.name, arity));
        self.registrations.push(registration);
        record(self);
        Ok(())
    }

    /// # Safety
    /// `db` must be an open connection.
    unsafe fn install(&self, db: *mut ffi::sqlite3, registration: &Registration) -> Result<(), SqlError> {
        let name = registration.name.to_string_lossy();
        let target = Arc::clone(&registration.target);
        let dispatcher = Arc::clone(&self.dispatcher);
        match &registration.kind {
            Kind::Module(shape) => {
                let data = module::ModuleData::new(target, &name, shape, dispatcher);
                let pointer = data.module();
                // SAFETY: `db` is open (the contract); the module struct lives in `data`.
                return unsafe { create_module(db, registration, pointer, data) };
            }
            Kind::Table(columns, parameters) => {
                let data = ModuleData::new(target, &name, columns, parameters, dispatcher).map_err(misuse)?;
                let pointer = data.module();
                // SAFETY: as above.
                return unsafe { create_module(db, registration, pointer, data) };
            }
            _ => {}
        }
        let data = Box::into_raw(Box::new(FunctionData {
            target: Arc::clone(&registration.target),
            name: registration.name.to_string_lossy().into(),
            dispatcher: Arc::clone(&self.dispatcher),
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
                Kind::Table(..) | Kind::Module(..) => unreachable!("installed above"),
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

/// Install `module`, whose struct lives in `data`, on `db` under the registration's name;
/// SQLite owns `data` from here, and frees it when it drops the module (also when it fails).
///
/// # Safety
/// `db` must be an open connection and `module` point into `data`.
unsafe fn create_module<T>(
    db: *mut ffi::sqlite3,
    registration: &Registration,
    module: *const ffi::sqlite3_module,
    data: Box<T>,
) -> Result<(), SqlError> {
    // SAFETY: per the contract; `drop_boxed::<T>` frees exactly this Box<T>, once.
    let rc = unsafe {
        ffi::sqlite3_create_module_v2(db, registration.name.as_ptr(), module, Box::into_raw(data).cast::<c_void>(), Some(drop_boxed::<T>))
    };
    if rc == ffi::SQLITE_OK {
        return Ok(());
    }
    // SAFETY: `db` is open (the contract).
    let message = format!("cannot register {}: {}", registration.name.to_string_lossy(), unsafe { trampolines::errmsg(db) });
    Err(SqlError { code: rc, message })
}

/// A module's client data, handed back by SQLite once, when it drops the module.
unsafe extern "C" fn drop_boxed<T>(data: *mut c_void) {
    if !data.is_null() {
        // SAFETY: `data` is the Box<T> given to sqlite3_create_module_v2 (see create_module).
        drop(unsafe { Box::from_raw(data.cast::<T>()) });
    }
}

impl<D: Dispatcher + Send + Sync + 'static> Bridge<D> {
    /// Extension `ext` hears the events in `kinds` (after the extensions that asked before
    /// it). The bridge's hooks are installed on every connection from the first such call on;
    /// the error says that a hook the program had set directly with SQLite was replaced.
    pub fn subscribe_hooks(&mut self, ext: u32, kinds: HookKinds) -> Result<(), SqlError> {
        self.listeners.subscribe(ext, kinds);
        self.want_hooks()
    }

    /// The program's own hooks, called after the extensions'. Registered here, they compose
    /// with the extensions'; set directly with SQLite, they would replace the bridge's.
    pub fn set_program_hooks(&mut self, hooks: ProgramHooks) -> Result<(), SqlError> {
        self.listeners.set_program(hooks);
        self.want_hooks()
    }

    fn want_hooks(&mut self) -> Result<(), SqlError> {
        if self.fanout.is_none() && self.listeners.wanted() {
            self.fanout = Some(Arc::clone(&self.listeners) as Arc<dyn Fanout>);
        }
        self.hook_connections()
    }
}

impl<D: Dispatcher + 'static> Drop for Bridge<D> {
    /// SQLite may keep the hooks installed after the bridge is gone: they fall silent.
    fn drop(&mut self) {
        for (_, slot) in &self.hooked {
            slot.clear();
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
        unsafe { predefined(db, |_, _| true) }
    } else {
        Err(SqlError { code: rc, message: String::from("cannot open a connection to list SQLite's functions") })
    };
    // SAFETY: `db` came from sqlite3_open_v2 above and is used no more.
    unsafe { ffi::sqlite3_close(db) };
    listed
}

/// What `db` has (SQLite's built-ins and any functions the program added) that `keep`
/// keeps.
///
/// # Safety
/// `db` must be an open connection.
unsafe fn predefined(db: *mut ffi::sqlite3, keep: impl Fn(Namespace, &str) -> bool) -> Result<Predefined, SqlError> {
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
                let name = text(1);
                if let Some(namespace) = Namespace::from_tag(&text(0)).filter(|&namespace| keep(namespace, &name)) {
                    predefined.insert(namespace, &name);
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

/// Remove `registration` from `db` (SQLite then calls the old `pApp`'s destructor); false
/// if SQLite refused because a statement of `db` is running.
///
/// # Safety
/// `db` must be an open connection.
unsafe fn uninstall(db: *mut ffi::sqlite3, registration: &Registration) -> bool {
    let name = registration.name.as_ptr();
    // SAFETY: `db` is open (the contract) and `name` NUL-terminated; null data and
    // callbacks are SQLite's documented way to delete a function, collation or module.
    let rc = unsafe {
        match &registration.kind {
            Kind::Collation => ffi::sqlite3_create_collation_v2(db, name, ffi::SQLITE_UTF8, std::ptr::null_mut(), None, None),
            // A null module removes the module and its eponymous table, even one a running
            // statement reads: so not while one runs.
            Kind::Table(..) | Kind::Module(..) if statement_running(db) => ffi::SQLITE_BUSY,
            Kind::Table(..) | Kind::Module(..) => ffi::sqlite3_create_module_v2(db, name, std::ptr::null(), std::ptr::null_mut(), None),
            _ => ffi::sqlite3_create_function_v2(
                db,
                name,
                registration.arity,
                ffi::SQLITE_UTF8,
                std::ptr::null_mut(),
                None,
                None,
                None,
                None,
            ),
        }
    };
    rc == ffi::SQLITE_OK
}

/// Whether any statement of `db` is between its first step and its reset.
///
/// # Safety
/// `db` must be an open connection.
unsafe fn statement_running(db: *mut ffi::sqlite3) -> bool {
    // SAFETY: `db` is open (the contract); SQLite's own iterator returns its statements,
    // each valid during the walk.
    unsafe {
        let mut stmt = ffi::sqlite3_next_stmt(db, std::ptr::null_mut());
        while !stmt.is_null() {
            if ffi::sqlite3_stmt_busy(stmt) != 0 {
                return true;
            }
            stmt = ffi::sqlite3_next_stmt(db, stmt);
        }
    }
    false
}

fn misuse(message: String) -> SqlError {
    SqlError { code: ffi::SQLITE_MISUSE, message }
}
