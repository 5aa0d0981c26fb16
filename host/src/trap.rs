//! Why an extension call failed inside the extension (a trap, not a SQL error it returned):
//! too large a result, a panic, the time limit, the memory cap, or another trap.

use crate::bindings::Error;
use crate::extension::{MAX_RESULT_BYTES, SQLITE_ERROR, SQLITE_TOOBIG};
use crate::sandbox::Sandbox;

/// Why a call failed inside the extension (not a SQL error it returned itself).
pub(crate) fn trap_error(ext: &str, function: &str, trap: wasmtime::Error, stderr: &[u8], sandbox: &Sandbox) -> Error {
    let trap = &anyhow::Error::from(trap);
    if is_hostcall_fuel_exhausted(trap) {
        let message = format!("{ext}: {function}() returned more than {} MiB, the most an extension may return", MAX_RESULT_BYTES >> 20);
        return Error { code: SQLITE_TOOBIG, message };
    }
    let message = if let Some(panic) = panic_message(stderr) {
        format!("{ext}: {function}() panicked: {panic}")
    } else if matches!(trap.downcast_ref::<wasmtime::Trap>(), Some(wasmtime::Trap::Interrupt)) {
        format!("{ext}: {function}() was stopped after {:?} (time limit)", sandbox.call_timeout)
    } else if is_memory_limit(trap) {
        format!("{ext}: {function}() ran out of memory (limit {} MiB)", sandbox.memory_limit >> 20)
    } else {
        format!("{ext}: {function}() failed: {}", root_cause(trap))
    };
    Error { code: SQLITE_ERROR, message }
}

fn root_cause(error: &anyhow::Error) -> String {
    match error.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => trap.to_string(),
        None => error.root_cause().to_string(),
    }
}

fn is_memory_limit(trap: &anyhow::Error) -> bool {
    // Growth past the limiter's cap fails inside the guest allocator, which then aborts.
    let text = format!("{trap:?}");
    text.contains("memory allocation")
        || text.contains("growing memory")
        || text.contains("forcing a memory growth failure")
        || text.contains("out of memory")
}

fn is_hostcall_fuel_exhausted(trap: &anyhow::Error) -> bool {
    format!("{trap:?}").contains("fuel allocated for hostcalls has been exhausted")
}

/// The Rust panic message an extension printed before trapping, if any.
fn panic_message(stderr: &[u8]) -> Option<String> {
    sqlink_rules::panic::panic_message(&String::from_utf8_lossy(stderr))
}

pub(crate) fn root_message(error: &anyhow::Error) -> String {
    error.root_cause().to_string()
}
