//! The `extern "C"` callbacks SQLite calls, and the conversions on each side of them.
//!
//! Every callback receives raw pointers that SQLite keeps valid only until the callback
//! returns. [`Call`], [`Context`] and [`Args`] take them once, in an `unsafe` constructor
//! whose contract is SQLite's calling convention, and give safe access for the rest of the
//! callback.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use libsqlite3_sys as ffi;

use crate::target::Target;
use crate::{Dispatcher, SqlError, Value, ValueParam};

/// What each registered function carries as its `pApp`: where to send calls.
pub(crate) struct FunctionData<D> {
    pub target: Arc<Target>,
    /// The SQL name, for errors that are the bridge's own.
    pub name: Box<str>,
    pub dispatcher: Arc<D>,
}

impl<D> FunctionData<D> {
    /// The extension and function to call, or SQLite's error for a function it does not
    /// know (the extension was unloaded during a statement).
    fn target(&self) -> Result<(u32, u32), SqlError> {
        self.target.get().ok_or_else(|| SqlError::new(ffi::SQLITE_ERROR, format!("no such function: {}", self.name)))
    }
}

/// One aggregation, in SQLite's per-aggregation memory (zeroed at first): the number naming
/// it, and the function that started it, which it keeps to its end even if the extension
/// is unloaded meanwhile.
#[repr(C)]
#[derive(Clone, Copy)]
struct Aggregation {
    context: u64,
    ext: u32,
    id: u32,
}

/// Why an aggregation could not be found or started.
enum NoAggregation {
    OutOfMemory,
    Unloaded(SqlError),
}

/// The `pApp` destructor of every function and collation `install` registers.
///
/// # Safety
/// `data` must be null or come from `Box::into_raw(Box<FunctionData<D>>)`, and not be used
/// after this call (SQLite calls the destructor once, when it drops the registration).
pub(crate) unsafe extern "C" fn destroy<D>(data: *mut c_void) {
    if !data.is_null() {
        // SAFETY: per the contract, `data` is a leaked Box<FunctionData<D>> freed only here.
        drop(unsafe { Box::from_raw(data.cast::<FunctionData<D>>()) });
    }
}

/// The `sqlite3_context` of the callback SQLite is running: SQLite keeps it valid, and lets
/// nothing else use it, until the callback returns. A `Context` is only made from that
/// pointer ([`Context::of_call`]) and never kept past the callback, so setting its result
/// is safe.
#[derive(Clone, Copy)]
pub(crate) struct Context(*mut ffi::sqlite3_context);

impl Context {
    /// # Safety
    /// `ctx` must be the context SQLite passed to the callback now running, and the
    /// `Context` must not be used after that callback returns.
    pub(crate) unsafe fn of_call(ctx: *mut ffi::sqlite3_context) -> Self {
        Context(ctx)
    }

    /// Borrowed: SQLite copies text and blobs itself, so a cell read from a page is not copied
    /// first.
    pub(crate) fn set_result(self, value: &Value) {
        // SAFETY: `self.0` is the live context of the running callback (the type's
        // invariant); SQLITE_TRANSIENT makes SQLite copy text and blobs before `value` drops.
        unsafe {
            match value {
                Value::Null => ffi::sqlite3_result_null(self.0),
                Value::Integer(i) => ffi::sqlite3_result_int64(self.0, *i),
                Value::Real(r) => ffi::sqlite3_result_double(self.0, *r),
                Value::Text(text) => ffi::sqlite3_result_text64(
                    self.0,
                    text.as_ptr().cast::<c_char>(),
                    text.len() as u64,
                    ffi::SQLITE_TRANSIENT(),
                    ffi::SQLITE_UTF8 as u8,
                ),
                Value::Blob(blob) => {
                    ffi::sqlite3_result_blob64(self.0, blob.as_ptr().cast::<c_void>(), blob.len() as u64, ffi::SQLITE_TRANSIENT())
                }
            }
        }
    }

    pub(crate) fn set_error(self, error: &SqlError) {
        let message = &error.message;
        let len = c_int::try_from(message.len()).unwrap_or(c_int::MAX);
        // SAFETY: `self.0` is the live context of the running callback (the type's
        // invariant); SQLite copies the message's `len` bytes before this returns.
        unsafe {
            ffi::sqlite3_result_error(self.0, message.as_ptr().cast::<c_char>(), len);
            let code = error_code(error.code);
            if code != ffi::SQLITE_ERROR {
                // Keeps the message set above; changes only the code.
                ffi::sqlite3_result_error_code(self.0, code);
            }
        }
    }

    fn set_nomem(self) {
        // SAFETY: `self.0` is the live context of the running callback (the type's invariant).
        unsafe { ffi::sqlite3_result_error_nomem(self.0) }
    }

    pub(crate) fn finish(self, result: Result<Value, SqlError>) {
        match result {
            Ok(value) => self.set_result(&value),
            Err(error) => self.set_error(&error),
        }
    }
}

/// One call of a registered function or aggregate: its context and its `pApp`.
struct Call<'a, D> {
    ctx: Context,
    data: &'a FunctionData<D>,
}

impl<'a, D> Call<'a, D> {
    /// # Safety
    /// `ctx` must be the context SQLite passed to the callback now running, of a function
    /// that `install` registered with a `FunctionData<D>` as its `pApp` (which lives until
    /// SQLite calls [`destroy`], after the last call); the `Call` must not outlive the callback.
    unsafe fn new(ctx: *mut ffi::sqlite3_context) -> Self {
        // SAFETY: per the contract, the user data is a live FunctionData<D> and `ctx` is
        // the running callback's context.
        unsafe { Call { ctx: Context::of_call(ctx), data: &*ffi::sqlite3_user_data(ctx).cast::<FunctionData<D>>() } }
    }

    /// Run a trampoline body; a panic (only possible natively, and only from a broken
    /// dispatcher) becomes a SQL error instead of unwinding into C.
    fn guarded(&self, body: impl FnOnce()) {
        if catch_unwind(AssertUnwindSafe(body)).is_err() {
            let error = SqlError::new(ffi::SQLITE_ERROR, format!("{}(): the dispatcher panicked", self.data.name));
            self.ctx.set_error(&error);
        }
    }

    /// This aggregation, started on first use; with `create` false, an aggregation that
    /// never stepped is started afresh but not kept (xFinal, or xValue before any row).
    ///
    /// # Safety
    /// The running callback must be an aggregate's (xStep, xInverse, xValue or xFinal):
    /// SQLite has aggregation memory for no other context.
    unsafe fn aggregation(&self, create: bool) -> Result<Aggregation, NoAggregation> {
        let start = || {
            let (ext, id) = self.data.target().map_err(NoAggregation::Unloaded)?;
            Ok(Aggregation { context: NEXT_CONTEXT.fetch_add(1, Ordering::Relaxed), ext, id })
        };
        let size = if create { std::mem::size_of::<Aggregation>() as c_int } else { 0 };
        // SAFETY: a live context of an aggregate's callback (the contract).
        let memory = unsafe { ffi::sqlite3_aggregate_context(self.ctx.0, size) }.cast::<Aggregation>();
        if memory.is_null() {
            return if create { Err(NoAggregation::OutOfMemory) } else { start() };
        }
        // SAFETY: non-null, the memory is this aggregation's own, of at least
        // size_of::<Aggregation>() bytes (allocated by the first call that asked with
        // `create`, aligned by sqlite3_malloc for any type), zeroed by SQLite at first,
        // and all-zero bits are a valid `Aggregation`.
        unsafe {
            if (*memory).context == 0 {
                *memory = start()?;
            }
            Ok(*memory)
        }
    }

    /// Run `body` with this aggregation, or report why there is none.
    ///
    /// # Safety
    /// As for [`aggregation`](Self::aggregation).
    unsafe fn with_aggregation(&self, create: bool, body: impl FnOnce(Aggregation)) {
        // SAFETY: the contract.
        match unsafe { self.aggregation(create) } {
            Ok(aggregation) => body(aggregation),
            Err(NoAggregation::OutOfMemory) => self.ctx.set_nomem(),
            Err(NoAggregation::Unloaded(error)) => self.ctx.set_error(&error),
        }
    }
}

/// The argument values of the callback SQLite is running.
pub(crate) struct Args<'a>(&'a [*mut ffi::sqlite3_value]);

impl<'a> Args<'a> {
    /// # Safety
    /// `argv` must be null or point to `argc` values that SQLite keeps valid and unchanged
    /// for `'a` (the callback now running), as it does for xFunc, xStep, xInverse and xFilter.
    pub(crate) unsafe fn new(argc: c_int, argv: *mut *mut ffi::sqlite3_value) -> Self {
        let argc = usize::try_from(argc).unwrap_or(0);
        if argc == 0 || argv.is_null() {
            return Args(&[]);
        }
        // SAFETY: per the contract, `argv` holds `argc` value pointers valid for `'a`.
        Args(unsafe { std::slice::from_raw_parts(argv, argc) })
    }

    /// Borrow SQLite's argument values; nothing is copied unless text is invalid UTF-8.
    pub(crate) fn read(&self) -> Vec<ValueParam<'a>> {
        // SAFETY: each pointer is a value SQLite keeps valid and unchanged for `'a` (the
        // contract of `new`).
        self.0.iter().map(|&v| unsafe { value_ref(v) }).collect()
    }

    /// `use_args` on the argument values: up to two on the stack (a call per row would
    /// otherwise allocate its argument list), more in a `Vec`.
    fn with<R>(&self, use_args: impl FnOnce(&[ValueParam<'a>]) -> R) -> R {
        match *self.0 {
            [] => use_args(&[]),
            // SAFETY: as in `read`.
            [a] => use_args(&[unsafe { value_ref(a) }]),
            // SAFETY: as in `read`, for each.
            [a, b] => use_args(&[unsafe { value_ref(a) }, unsafe { value_ref(b) }]),
            _ => use_args(&self.read()),
        }
    }
}

/// # Safety
/// `ptr` must be null or point to `len` bytes that stay valid and unchanged for `'a`.
unsafe fn bytes<'a>(ptr: *const c_void, len: c_int) -> &'a [u8] {
    match usize::try_from(len) {
        // SAFETY: per the contract; null and empty are handled apart.
        Ok(len) if len > 0 && !ptr.is_null() => unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) },
        _ => &[],
    }
}

/// # Safety
/// `value` must be a `sqlite3_value` that SQLite keeps valid and unchanged for `'a`.
pub(crate) unsafe fn value_ref<'a>(value: *mut ffi::sqlite3_value) -> ValueParam<'a> {
    // SAFETY: `value` is valid for `'a` (the contract); the text and blob pointers SQLite
    // returns stay valid as long as the value is neither changed nor freed, so for `'a`.
    unsafe {
        match ffi::sqlite3_value_type(value) {
            ffi::SQLITE_INTEGER => ValueParam::Integer(ffi::sqlite3_value_int64(value)),
            ffi::SQLITE_FLOAT => ValueParam::Real(ffi::sqlite3_value_double(value)),
            ffi::SQLITE_TEXT => {
                // Text first, then its length: the order SQLite documents.
                let ptr = ffi::sqlite3_value_text(value);
                let raw = bytes(ptr.cast(), ffi::sqlite3_value_bytes(value));
                ValueParam::Text(String::from_utf8_lossy(raw))
            }
            ffi::SQLITE_BLOB => {
                let ptr = ffi::sqlite3_value_blob(value);
                ValueParam::Blob(bytes(ptr, ffi::sqlite3_value_bytes(value)))
            }
            _ => ValueParam::Null,
        }
    }
}

/// A primary result code an error may carry; anything else (0, SQLITE_ROW, nonsense)
/// is reported as SQLITE_ERROR.
fn error_code(code: i32) -> c_int {
    match code & 0xff {
        1..=28 if code > 0 => code,
        _ => ffi::SQLITE_ERROR,
    }
}

// The contracts of the trampolines below are SQLite's calling conventions for the slots
// `install` puts them in; nothing else calls them.

pub(crate) unsafe extern "C" fn scalar<D: Dispatcher>(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
    // SAFETY: SQLite calls xFunc with the context of this call of a function that
    // `install` registered with a FunctionData<D>, and `argc` values valid until it returns.
    unsafe { call_with::<D>(ctx, argc, argv, D::scalar_call) }
}

/// The body of a scalar's xFunc: `send` takes the call to the extension (a declared scalar,
/// or a function defined at run time).
///
/// # Safety
/// As for [`Call::new`] and [`Args::new`], from a scalar's xFunc.
pub(crate) unsafe fn call_with<D: Dispatcher>(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
    send: impl FnOnce(&D, u32, u32, &[ValueParam<'_>]) -> Result<Value, SqlError>,
) {
    // SAFETY: the contract.
    let (call, args) = unsafe { (Call::<D>::new(ctx), Args::new(argc, argv)) };
    call.guarded(|| {
        let data = call.data;
        call.ctx.finish(data.target().and_then(|(ext, id)| args.with(|args| send(&data.dispatcher, ext, id, args))));
    })
}

/// Never reused, so a context is unique for the life of the process.
static NEXT_CONTEXT: AtomicU64 = AtomicU64::new(1);

/// A dispatcher's call for a row into an aggregation: `aggregate_step` or `aggregate_inverse`.
type Feed<D> = fn(&D, u32, u32, u64, &[ValueParam<'_>]) -> Result<(), SqlError>;

/// A row into an aggregation (xStep, xInverse): `send` gets its arguments and context.
///
/// # Safety
/// As for [`Call::new`] and [`Args::new`], from a callback of an aggregate.
unsafe fn feed<D: Dispatcher>(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value, send: Feed<D>) {
    // SAFETY: the contract.
    let (call, args) = unsafe { (Call::<D>::new(ctx), Args::new(argc, argv)) };
    call.guarded(|| {
        // SAFETY: the running callback is an aggregate's (the contract).
        unsafe {
            call.with_aggregation(true, |a| {
                if let Err(error) = args.with(|args| send(&call.data.dispatcher, a.ext, a.id, a.context, args)) {
                    call.ctx.set_error(&error);
                }
            })
        }
    })
}

pub(crate) unsafe extern "C" fn step<D: Dispatcher>(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
    // SAFETY: SQLite calls xStep with the context of this call of an aggregate that
    // `install` registered with a FunctionData<D>, and `argc` values valid until it returns.
    unsafe { feed::<D>(ctx, argc, argv, D::aggregate_step) }
}

pub(crate) unsafe extern "C" fn inverse<D: Dispatcher>(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
    // SAFETY: SQLite calls xInverse with the context of this call of a window function that
    // `install` registered with a FunctionData<D>, and `argc` values valid until it returns.
    unsafe { feed::<D>(ctx, argc, argv, D::aggregate_inverse) }
}

pub(crate) unsafe extern "C" fn value<D: Dispatcher>(ctx: *mut ffi::sqlite3_context) {
    // SAFETY: SQLite calls xValue with the context of this call of a window function that
    // `install` registered with a FunctionData<D>.
    let call = unsafe { Call::<D>::new(ctx) };
    call.guarded(|| {
        // SAFETY: xValue is an aggregate's callback.
        unsafe { call.with_aggregation(true, |a| call.ctx.finish(call.data.dispatcher.aggregate_value(a.ext, a.id, a.context))) }
    })
}

/// SQLite calls xFinal once per aggregation, also after an error and when no row was
/// stepped, so every state the extension created is released here.
pub(crate) unsafe extern "C" fn finalize<D: Dispatcher>(ctx: *mut ffi::sqlite3_context) {
    // SAFETY: SQLite calls xFinal with the context of this call of an aggregate that
    // `install` registered with a FunctionData<D>.
    let call = unsafe { Call::<D>::new(ctx) };
    call.guarded(|| {
        // SAFETY: xFinal is an aggregate's callback.
        unsafe { call.with_aggregation(false, |a| call.ctx.finish(call.data.dispatcher.aggregate_finalize(a.ext, a.id, a.context))) }
    })
}

pub(crate) unsafe extern "C" fn compare<D: Dispatcher>(
    data: *mut c_void,
    len_a: c_int,
    a: *const c_void,
    len_b: c_int,
    b: *const c_void,
) -> c_int {
    let body = || {
        // SAFETY: `data` is the FunctionData<D> `install` gave sqlite3_create_collation_v2,
        // alive until SQLite calls `destroy`; `a` and `b` are SQLite's strings of `len_a`
        // and `len_b` bytes, valid and unchanged during the comparison.
        let (data, a, b) = unsafe { (&*data.cast::<FunctionData<D>>(), bytes(a, len_a), bytes(b, len_b)) };
        // Once unloaded (and kept by SQLite while a statement ran), as SQLite's BINARY.
        let Some((ext, id)) = data.target.get() else { return sqlink_rules::collation::compare_unloaded(a, b) };
        let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
        data.dispatcher.collation_compare(ext, id, &a, &b).signum()
    };
    // A collation cannot report errors; a panic compares as equal.
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(0)
}

/// For messages about SQLite's own failures.
///
/// # Safety
/// `db` must be an open connection.
pub(crate) unsafe fn errmsg(db: *mut ffi::sqlite3) -> String {
    // SAFETY: `db` is open (the contract); the message is NUL-terminated and valid until
    // the next call on `db`, and is copied at once.
    unsafe {
        let msg = ffi::sqlite3_errmsg(db);
        if msg.is_null() {
            return String::from("unknown error");
        }
        CStr::from_ptr(msg).to_string_lossy().into_owned()
    }
}
