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

/// How long this thread has run on a CPU: Linux's per-thread CPU clock, which counts to the
/// nanosecond (`/proc/thread-self/schedstat`, read before, moves in scheduler ticks on some
/// kernels: 4 ms, a fifth of a microsecond per row of a 20,000-row round).
fn thread_cpu_time() -> Option<Duration> {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Some(Duration::new(u64::try_from(now.tv_sec).ok()?, u32::try_from(now.tv_nsec).ok()?))
}
