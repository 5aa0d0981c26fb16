//! The connection's commit, rollback and update hooks, shared by every extension that asked
//! for them (in load order) and by the program's own hooks registered through the bridge.
//!
//! SQLite keeps one hook of each kind per connection and hands back only the previous hook's
//! data pointer, not its function, so a hook cannot be chained to one set before it. The
//! bridge therefore installs its hooks once per connection, when the first extension asks or
//! the program registers a hook through it ([`ProgramHooks`]), and calls the program's hooks
//! after the extensions'. A hook the program had set directly with SQLite before that is
//! replaced, which installing reports as an error; one set directly afterwards replaces the
//! bridge's, and the extensions then hear nothing.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard};

use libsqlite3_sys as ffi;

use crate::{Dispatcher, SqlError};

/// What a row change was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowChange {
    Insert,
    Update,
    Delete,
}

/// The events an extension asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HookKinds {
    pub commit: bool,
    pub rollback: bool,
    pub update: bool,
}

impl HookKinds {
    pub fn any(self) -> bool {
        self.commit || self.rollback || self.update
    }
}

type CommitHook = Box<dyn FnMut() -> bool + Send>;
type RollbackHook = Box<dyn FnMut() + Send>;
type UpdateHook = Box<dyn FnMut(RowChange, &str, &str, i64) + Send>;

/// The program's own hooks, called after the extensions' with the same meaning as SQLite's:
/// a commit hook answering true turns the commit into a rollback.
#[derive(Default)]
pub struct ProgramHooks {
    pub commit: Option<CommitHook>,
    pub rollback: Option<RollbackHook>,
    pub update: Option<UpdateHook>,
}

impl ProgramHooks {
    fn any(&self) -> bool {
        self.commit.is_some() || self.rollback.is_some() || self.update.is_some()
    }
}

/// Who hears a connection's events.
pub(crate) struct Listeners<D> {
    dispatcher: Arc<D>,
    /// Extensions in load order, with what each asked for.
    extensions: Mutex<Vec<(u32, HookKinds)>>,
    program: Mutex<ProgramHooks>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking hook leaves the list as it was.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<D: Dispatcher> Listeners<D> {
    pub(crate) fn new(dispatcher: Arc<D>) -> Self {
        Listeners { dispatcher, extensions: Mutex::new(Vec::new()), program: Mutex::new(ProgramHooks::default()) }
    }

    /// Whether anyone listens, so that the hooks are worth installing.
    pub(crate) fn wanted(&self) -> bool {
        lock(&self.extensions).iter().any(|(_, kinds)| kinds.any()) || lock(&self.program).any()
    }

    pub(crate) fn subscribe(&self, ext: u32, kinds: HookKinds) {
        let mut extensions = lock(&self.extensions);
        extensions.retain(|(e, _)| *e != ext);
        if kinds.any() {
            extensions.push((ext, kinds));
        }
    }

    pub(crate) fn unsubscribe(&self, ext: u32) {
        lock(&self.extensions).retain(|(e, _)| *e != ext);
    }

    pub(crate) fn set_program(&self, hooks: ProgramHooks) {
        *lock(&self.program) = hooks;
    }

    /// Who asks for `pick`'s kind, in load order. Copied, so an extension's hook may run
    /// while another loads or unloads.
    fn asking(&self, pick: impl Fn(HookKinds) -> bool) -> Vec<u32> {
        lock(&self.extensions).iter().filter(|(_, kinds)| pick(*kinds)).map(|(ext, _)| *ext).collect()
    }
}

/// A connection's events as the bridge's callbacks deliver them, whatever the dispatcher.
pub(crate) trait Fanout: Send + Sync {
    fn commit(&self) -> bool;
    fn rollback(&self);
    fn update(&self, change: RowChange, database: &str, table: &str, rowid: i64);
}

impl<D: Dispatcher + Send + Sync> Fanout for Listeners<D> {
    fn commit(&self) -> bool {
        // Every listener hears the commit, even after one has turned it into a rollback.
        let mut veto = false;
        for ext in self.asking(|k| k.commit) {
            veto |= self.dispatcher.hook_commit(ext);
        }
        if let Some(hook) = lock(&self.program).commit.as_mut() {
            veto |= hook();
        }
        veto
    }

    fn rollback(&self) {
        for ext in self.asking(|k| k.rollback) {
            self.dispatcher.hook_rollback(ext);
        }
        if let Some(hook) = lock(&self.program).rollback.as_mut() {
            hook();
        }
    }

    fn update(&self, change: RowChange, database: &str, table: &str, rowid: i64) {
        for ext in self.asking(|k| k.update) {
            self.dispatcher.hook_update(ext, change, database, table, rowid);
        }
        if let Some(hook) = lock(&self.program).update.as_mut() {
            hook(change, database, table, rowid);
        }
    }
}

/// What SQLite's hook data points to. It is never freed: SQLite may keep a hook installed
/// after the bridge is gone (the bridge cannot remove its hooks without also removing one the
/// program set since), so the bridge only empties it.
pub(crate) struct Slot(Mutex<Option<Arc<dyn Fanout>>>);

impl Slot {
    fn get(&self) -> Option<Arc<dyn Fanout>> {
        lock(&self.0).clone()
    }

    pub(crate) fn clear(&self) {
        *lock(&self.0) = None;
    }
}

/// Install the bridge's three hooks on `db`, delivering to `fanout`; the slot to empty when
/// the bridge lets go of `db`. An error when a hook the program set directly was replaced.
///
/// # Safety
/// `db` must be an open connection.
pub(crate) unsafe fn install(db: *mut ffi::sqlite3, fanout: Arc<dyn Fanout>) -> (&'static Slot, Result<(), SqlError>) {
    let slot: &'static Slot = Box::leak(Box::new(Slot(Mutex::new(Some(fanout)))));
    let data = std::ptr::from_ref(slot).cast_mut().cast::<c_void>();
    // SAFETY: `db` is open (the contract); `data` points to a Slot that lives for the rest of
    // the process, which the callbacks below expect.
    let previous = unsafe {
        [
            ffi::sqlite3_commit_hook(db, Some(on_commit), data),
            ffi::sqlite3_rollback_hook(db, Some(on_rollback), data),
            ffi::sqlite3_update_hook(db, Some(on_update), data),
        ]
    };
    let result = if previous.iter().any(|p| !p.is_null()) {
        Err(SqlError::new(
            ffi::SQLITE_ERROR,
            "the connection had a commit, rollback or update hook set directly with SQLite, which sqlink's hooks replaced (register the program's hooks through sqlink instead)",
        ))
    } else {
        Ok(())
    };
    (slot, result)
}

/// # Safety
/// `data` must be the `Slot` that `install` gave SQLite.
unsafe fn slot<'a>(data: *mut c_void) -> &'a Slot {
    // SAFETY: per the contract; slots are never freed.
    unsafe { &*data.cast::<Slot>() }
}

unsafe extern "C" fn on_commit(data: *mut c_void) -> c_int {
    // SAFETY: SQLite hands back the data `install` registered with this callback.
    let slot = unsafe { slot(data) };
    let veto = catch_unwind(AssertUnwindSafe(|| slot.get().is_some_and(|f| f.commit()))).unwrap_or(false);
    c_int::from(veto)
}

unsafe extern "C" fn on_rollback(data: *mut c_void) {
    // SAFETY: as in `on_commit`.
    let slot = unsafe { slot(data) };
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if let Some(f) = slot.get() {
            f.rollback();
        }
    }));
}

unsafe extern "C" fn on_update(data: *mut c_void, op: c_int, database: *const c_char, table: *const c_char, rowid: i64) {
    // SAFETY: as in `on_commit`.
    let slot = unsafe { slot(data) };
    let change = match op {
        ffi::SQLITE_INSERT => RowChange::Insert,
        ffi::SQLITE_DELETE => RowChange::Delete,
        _ => RowChange::Update,
    };
    // SAFETY: SQLite passes NUL-terminated names valid during the callback.
    let (database, table) = unsafe { (name(database), name(table)) };
    let _ = catch_unwind(AssertUnwindSafe(|| {
        if let Some(f) = slot.get() {
            f.update(change, &database, &table, rowid);
        }
    }));
}

/// # Safety
/// `ptr` must be null or a NUL-terminated string valid for the call.
unsafe fn name(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: per the contract.
    unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
}
