//! An extension that misbehaves in every way the sandbox must survive: panics, loops
//! forever, grows its memory, returns giant values, fails inside an aggregate, and probes
//! for the files and environment it was not granted.

use std::hint::black_box;

use sqlink_sdk::{Error, export_extension, sqlite_aggregate, sqlite_scalar};

/// Panics with `message`.
#[sqlite_scalar]
pub fn panic_with(message: &str) -> i64 {
    panic!("{message}");
}

/// Never returns.
#[sqlite_scalar]
pub fn spin_forever() -> i64 {
    let mut n: u64 = 0;
    loop {
        n = black_box(n.wrapping_add(1));
    }
}

/// Slow but finite: `rounds` rounds of busy work, then the count.
#[sqlite_scalar]
pub fn busy(rounds: i64) -> i64 {
    let mut acc: u64 = 0;
    for i in 0..rounds.max(0) as u64 {
        acc = black_box(acc.wrapping_mul(31).wrapping_add(i));
    }
    black_box(acc);
    rounds
}

/// Allocates and touches `mib` MiB, then returns how many bytes it holds.
#[sqlite_scalar]
pub fn grow(mib: i64) -> i64 {
    let bytes = vec![1u8; (mib.max(0) as usize) << 20];
    black_box(&bytes).len() as i64
}

/// A text of `len` copies of 'x'.
#[sqlite_scalar]
pub fn giant(len: i64) -> String {
    "x".repeat(len.max(0) as usize)
}

/// The environment variable `name`, or NULL when it is not visible.
#[sqlite_scalar]
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The environment variable `name`, or an error when it is not visible.
#[sqlite_scalar]
pub fn require_env(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| Error::new(format!("{name} is not set")))
}

/// The contents of the file at `path`.
#[sqlite_scalar]
pub fn read_file(path: &str) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::new(format!("read_file({path}): {e}")))
}

/// Counts its rows, then fails in finalize.
#[derive(Default)]
pub struct FailAtEnd {
    rows: i64,
}

/// Fails when the aggregation ends, after seeing every row.
#[sqlite_aggregate(name = "fail_at_end")]
impl FailAtEnd {
    pub fn step(&mut self, _x: Option<i64>) {
        self.rows += 1;
    }
    pub fn finalize(self) -> Result<i64, Error> {
        Err(Error::new(format!("fail_at_end(): gave up after {} rows", self.rows)))
    }
}

/// Sums its values, but panics on a negative one.
#[derive(Default)]
pub struct PanicOnNegative {
    sum: i64,
}

/// The sum of the values; panics on a negative value.
#[sqlite_aggregate(name = "panic_on_negative")]
impl PanicOnNegative {
    pub fn step(&mut self, x: i64) {
        assert!(x >= 0, "negative value {x}");
        self.sum += x;
    }
    pub fn finalize(self) -> i64 {
        self.sum
    }
}

export_extension! {
    name: "hostile",
    scalars: [panic_with, spin_forever, busy, grow, giant, env_var, require_env, read_file],
    aggregates: [FailAtEnd, PanicOnNegative],
}
