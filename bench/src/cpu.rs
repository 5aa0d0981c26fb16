//! The time a piece of work takes, shared by the benchmarks' binaries.

use std::time::{Duration, Instant};

use anyhow::Result;

/// The time `work` takes: the CPU time of this thread where Linux tells it (on a shared
/// machine, time the scheduler gave other processes is not the work's), else wall time.
pub fn timed(work: impl FnOnce() -> Result<()>) -> Result<Duration> {
    let (started, cpu_started) = (Instant::now(), thread_cpu_time());
    work()?;
    Ok(match (cpu_started, thread_cpu_time()) {
        (Some(before), Some(after)) => after.saturating_sub(before),
        _ => started.elapsed(),
    })
}

/// How long this thread has run on a CPU (the first field of Linux's schedstat, in ns).
fn thread_cpu_time() -> Option<Duration> {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    schedstat.split_whitespace().next()?.parse().ok().map(Duration::from_nanos)
}
