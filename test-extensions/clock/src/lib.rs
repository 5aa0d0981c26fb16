//! An extension that reads the clock (the real time only with `--allow-clock`, else the
//! Unix epoch) and tries to sleep (never allowed: a blocked host call would escape the call
//! deadline).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlink_sdk::{export_extension, sqlite_scalar};

/// Milliseconds since the Unix epoch.
#[sqlite_scalar]
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Sleeps for `ms` milliseconds, then returns `ms`.
#[sqlite_scalar]
pub fn sleep_ms(ms: i64) -> i64 {
    std::thread::sleep(Duration::from_millis(ms.max(0) as u64));
    ms
}

export_extension! { name: "clock", scalars: [now_ms, sleep_ms] }
