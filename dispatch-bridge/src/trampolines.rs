//! The `extern "C"` callbacks SQLite calls, and the conversions on each side of them.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use libsqlite3_sys as ffi;

use crate::{Dispatcher, SqlError, Value, ValueRef};

/// What each registered function carries as its `pApp`: where to send calls.
pub(crate) struct FunctionData<D> {
    pub ext: u32,
    pub id: u32,
    /// The SQL name, for errors that are the bridge's own.
    pub name: Box<str>,
    pub dispatcher: Rc<D>,
}

pub(crate) unsafe extern "C" fn destroy<D>(data: *mut c_void) {
    if !data.is_null() {
        drop(unsafe { Box::from_raw(data.cast::<FunctionData<D>>()) });
    }
}

unsafe fn data<'a, D>(ctx: *mut ffi::sqlite3_context) -> &'a FunctionData<D> {
    unsafe { &*ffi::sqlite3_user_data(ctx).cast::<FunctionData<D>>() }
}

/// Borrow SQLite's argument values; nothing is copied unless text is invalid UTF-8.
unsafe fn read_args<'a>(argc: c_int, argv: *mut *mut ffi::sqlite3_value) -> Vec<ValueRef<'a>> {
    let argc = usize::try_from(argc).unwrap_or(0);
    if argc == 0 || argv.is_null() {
        return Vec::new();
    }
    let values = unsafe { std::slice::from_raw_parts(argv, argc) };
    values.iter().map(|&v| unsafe { value_ref(v) }).collect()
}

unsafe fn bytes<'a>(ptr: *const c_void, len: c_int) -> &'a [u8] {
    match usize::try_from(len) {
        Ok(len) if len > 0 && !ptr.is_null() => unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) },
        _ => &[],
    }
}

pub(crate) unsafe fn value_ref<'a>(value: *mut ffi::sqlite3_value) -> ValueRef<'a> {
    unsafe {
        match ffi::sqlite3_value_type(value) {
            ffi::SQLITE_INTEGER => ValueRef::Integer(ffi::sqlite3_value_int64(value)),
            ffi::SQLITE_FLOAT => ValueRef::Real(ffi::sqlite3_value_double(value)),
            ffi::SQLITE_TEXT => {
                // Text first, then its length: the order SQLite documents.
                let ptr = ffi::sqlite3_value_text(value);
                let raw = bytes(ptr.cast(), ffi::sqlite3_value_bytes(value));
                ValueRef::Text(String::from_utf8_lossy(raw))
            }
            ffi::SQLITE_BLOB => {
                let ptr = ffi::sqlite3_value_blob(value);
                ValueRef::Blob(bytes(ptr, ffi::sqlite3_value_bytes(value)))
            }
            _ => ValueRef::Null,
        }
    }
}

pub(crate) unsafe fn set_result(ctx: *mut ffi::sqlite3_context, value: Value) {
    unsafe {
        match value {
            Value::Null => ffi::sqlite3_result_null(ctx),
            Value::Integer(i) => ffi::sqlite3_result_int64(ctx, i),
            Value::Real(r) => ffi::sqlite3_result_double(ctx, r),
            Value::Text(text) => ffi::sqlite3_result_text64(
                ctx,
                text.as_ptr().cast::<c_char>(),
                text.len() as u64,
                ffi::SQLITE_TRANSIENT(),
                ffi::SQLITE_UTF8 as u8,
            ),
            Value::Blob(blob) => {
                ffi::sqlite3_result_blob64(ctx, blob.as_ptr().cast::<c_void>(), blob.len() as u64, ffi::SQLITE_TRANSIENT())
            }
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

pub(crate) unsafe fn set_error(ctx: *mut ffi::sqlite3_context, error: &SqlError) {
    let message = &error.message;
    let len = c_int::try_from(message.len()).unwrap_or(c_int::MAX);
    unsafe {
        ffi::sqlite3_result_error(ctx, message.as_ptr().cast::<c_char>(), len);
        let code = error_code(error.code);
        if code != ffi::SQLITE_ERROR {
            // Keeps the message set above; changes only the code.
            ffi::sqlite3_result_error_code(ctx, code);
        }
    }
}

/// Run a trampoline body; a panic (only possible natively, and only from a broken
/// dispatcher) becomes a SQL error instead of unwinding into C.
unsafe fn guarded<D>(ctx: *mut ffi::sqlite3_context, body: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(body)).is_err() {
        let name = unsafe { &data::<D>(ctx).name };
        let error = SqlError::new(ffi::SQLITE_ERROR, format!("{name}(): the dispatcher panicked"));
        unsafe { set_error(ctx, &error) };
    }
}

unsafe fn finish(ctx: *mut ffi::sqlite3_context, result: Result<Value, SqlError>) {
    unsafe {
        match result {
            Ok(value) => set_result(ctx, value),
            Err(error) => set_error(ctx, &error),
        }
    }
}

pub(crate) unsafe extern "C" fn scalar<D: Dispatcher>(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
    unsafe {
        guarded::<D>(ctx, || {
            let data = data::<D>(ctx);
            let args = read_args(argc, argv);
            finish(ctx, data.dispatcher.scalar_call(data.ext, data.id, &args));
        })
    }
}

/// Never reused, so a context is unique for the life of the process.
static NEXT_CONTEXT: AtomicU64 = AtomicU64::new(1);

/// The number naming this aggregation, kept in SQLite's per-aggregation memory.
/// `None` when `create` is false and the aggregation never stepped, or on OOM.
unsafe fn aggregation(ctx: *mut ffi::sqlite3_context, create: bool) -> Option<u64> {
    let size = if create { std::mem::size_of::<u64>() as c_int } else { 0 };
    let slot = unsafe { ffi::sqlite3_aggregate_context(ctx, size) }.cast::<u64>();
    if slot.is_null() {
        return None;
    }
    // SQLite zeroes the memory on first allocation.
    unsafe {
        if *slot == 0 {
            *slot = NEXT_CONTEXT.fetch_add(1, Ordering::Relaxed);
        }
        Some(*slot)
    }
}

pub(crate) unsafe extern "C" fn step<D: Dispatcher>(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
    unsafe {
        guarded::<D>(ctx, || {
            let data = data::<D>(ctx);
            let Some(context) = aggregation(ctx, true) else {
                return ffi::sqlite3_result_error_nomem(ctx);
            };
            let args = read_args(argc, argv);
            if let Err(error) = data.dispatcher.aggregate_step(data.ext, data.id, context, &args) {
                set_error(ctx, &error);
            }
        })
    }
}

pub(crate) unsafe extern "C" fn inverse<D: Dispatcher>(ctx: *mut ffi::sqlite3_context, argc: c_int, argv: *mut *mut ffi::sqlite3_value) {
    unsafe {
        guarded::<D>(ctx, || {
            let data = data::<D>(ctx);
            let Some(context) = aggregation(ctx, true) else {
                return ffi::sqlite3_result_error_nomem(ctx);
            };
            let args = read_args(argc, argv);
            if let Err(error) = data.dispatcher.aggregate_inverse(data.ext, data.id, context, &args) {
                set_error(ctx, &error);
            }
        })
    }
}

pub(crate) unsafe extern "C" fn value<D: Dispatcher>(ctx: *mut ffi::sqlite3_context) {
    unsafe {
        guarded::<D>(ctx, || {
            let data = data::<D>(ctx);
            let Some(context) = aggregation(ctx, true) else {
                return ffi::sqlite3_result_error_nomem(ctx);
            };
            finish(ctx, data.dispatcher.aggregate_value(data.ext, data.id, context));
        })
    }
}

/// SQLite calls xFinal once per aggregation, also after an error and when no row was
/// stepped, so every state the extension created is released here.
pub(crate) unsafe extern "C" fn finalize<D: Dispatcher>(ctx: *mut ffi::sqlite3_context) {
    unsafe {
        guarded::<D>(ctx, || {
            let data = data::<D>(ctx);
            let context = aggregation(ctx, false).unwrap_or_else(|| NEXT_CONTEXT.fetch_add(1, Ordering::Relaxed));
            finish(ctx, data.dispatcher.aggregate_finalize(data.ext, data.id, context));
        })
    }
}

pub(crate) unsafe extern "C" fn compare<D: Dispatcher>(
    data: *mut c_void,
    len_a: c_int,
    a: *const c_void,
    len_b: c_int,
    b: *const c_void,
) -> c_int {
    let body = || {
        let data = unsafe { &*data.cast::<FunctionData<D>>() };
        let a = String::from_utf8_lossy(unsafe { bytes(a, len_a) });
        let b = String::from_utf8_lossy(unsafe { bytes(b, len_b) });
        data.dispatcher.collation_compare(data.ext, data.id, &a, &b).signum()
    };
    // A collation cannot report errors; a panic compares as equal.
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(0)
}

/// For messages about SQLite's own failures.
pub(crate) unsafe fn errmsg(db: *mut ffi::sqlite3) -> String {
    unsafe {
        let msg = ffi::sqlite3_errmsg(db);
        if msg.is_null() {
            return String::from("unknown error");
        }
        CStr::from_ptr(msg).to_string_lossy().into_owned()
    }
}
