//! The engine every extension of one host shares, with the epoch ticker that enforces
//! call deadlines, and the interrupt requests (Ctrl-C) of everything it runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use wasmtime::component::Component;
use wasmtime::{Config, Engine};

use crate::cache::ComponentCache;
use crate::connection::Watchdog;

/// How often the epoch advances; deadlines are counted in these ticks.
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// The engine every extension of one host shares, with the ticker that enforces
/// deadlines (the ticker stops when the engine is dropped); and the runtime's engine.
#[derive(Clone)]
pub struct ExtensionEngine {
    engine: Engine,
    /// The composed runtime's engine: the same settings without epoch interruption. The
    /// runtime has no deadline and SQLite asks for interrupts itself (its progress handler),
    /// so the check that epoch interruption compiles into every loop and function entry
    /// would only slow SQLite down (its bare scan by about a quarter; BENCHMARKS.md).
    runtime: Engine,
    cache: ComponentCache,
    interrupts: Interrupts,
    /// Interrupts native SQL an extension runs past its call's deadline.
    watchdog: Watchdog,
    clock: CoarseClock,
}

/// Wall-clock milliseconds since the engine started, as of the ticker's last tick: what a
/// call's deadline is counted in. Reading it is one atomic load, where `Instant::now` is a
/// clock read on every extension call (about a twelfth of a no-op call; BENCHMARKS.md); a
/// deadline is only ever checked at a tick anyway.
#[derive(Clone, Default)]
pub struct CoarseClock(Arc<AtomicU64>);

impl CoarseClock {
    pub fn now_ms(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, ms: u64) {
        self.0.store(ms, Ordering::Relaxed);
    }
}

/// Interrupt requests (Ctrl-C) not yet taken, shared by everything one engine runs: a
/// running extension call stops at the next epoch tick, and the runtime's SQLite asks
/// through its `interrupt` import.
#[derive(Clone, Default)]
pub struct Interrupts(Arc<AtomicUsize>);

impl Interrupts {
    /// Ask to interrupt; returns how many requests are now pending (sqlite3 gives up after
    /// the third press that nothing took).
    pub fn request(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub fn pending(&self) -> bool {
        self.0.load(Ordering::SeqCst) > 0
    }

    /// Clear the pending requests; whether there were any.
    pub fn take(&self) -> bool {
        self.0.swap(0, Ordering::SeqCst) > 0
    }
}

impl ExtensionEngine {
    pub fn new(cache: ComponentCache) -> Result<Self> {
        let config = |epochs: bool| {
            let mut config = Config::new();
            config.epoch_interruption(epochs);
            // For `perf`: name the compiled wasm functions in /tmp/perf-PID.map (BENCHMARKS.md).
            if std::env::var_os("SQLINK_PERF_MAP").is_some() {
                config.profiler(wasmtime::ProfilingStrategy::PerfMap);
            }
            config
        };
        let engine = Engine::new(&config(true))?;
        let runtime = Engine::new(&config(false))?;
        let weak = engine.weak();
        let watchdog = Watchdog::default();
        let ticked = watchdog.clone();
        let clock = CoarseClock::default();
        let ticking = clock.clone();
        let start = Instant::now();
        std::thread::Builder::new().name("sqlink-epoch".into()).spawn(move || {
            while let Some(engine) = weak.upgrade() {
                // Before the epoch moves, so that the check it triggers sees this tick's time.
                ticking.set(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX));
                engine.increment_epoch();
                drop(engine);
                ticked.tick();
                std::thread::sleep(TICK);
            }
        })?;
        Ok(ExtensionEngine { engine, runtime, cache, interrupts: Interrupts::default(), watchdog, clock })
    }

    /// The extensions' engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The composed runtime's engine.
    pub fn runtime_engine(&self) -> &Engine {
        &self.runtime
    }

    pub fn cache(&self) -> &ComponentCache {
        &self.cache
    }

    /// What stops native SQL an extension runs past its call's deadline.
    pub fn watchdog(&self) -> &Watchdog {
        &self.watchdog
    }

    /// The time extension calls' deadlines are counted in.
    pub fn clock(&self) -> &CoarseClock {
        &self.clock
    }

    /// The interrupt requests of everything this engine runs.
    pub fn interrupts(&self) -> &Interrupts {
        &self.interrupts
    }

    /// Compile (or load from the cache) an extension component.
    pub fn component(&self, bytes: &[u8]) -> Result<Component> {
        self.cache.load(&self.engine, bytes)
    }

    /// Compile (or load from the cache) the composed runtime.
    pub fn runtime_component(&self, bytes: &[u8]) -> Result<Component> {
        self.cache.load(&self.runtime, bytes)
    }
}
