//! `cargo run --release -p sqlink-bench --bin kv` (after `cargo xtask build`; not run in CI):
//! the `kv` example's insert and point-lookup rates beside a plain native table in the same
//! run and on the same connection (an in-memory database), minimum of several rounds.
//!
//! - insert: N single-row `INSERT INTO x VALUES (?, ?)` from one prepared statement inside
//!   one transaction, into a fresh table each round;
//! - point lookup: N `SELECT value FROM x WHERE key = ?` from one prepared statement, keys in
//!   a shuffled order.
//!
//! The native table is `n(key TEXT PRIMARY KEY, value)`. Times are this thread's CPU time (the
//! machine is shared), ns per row.
//!
//! `--profile-lookups N` only fills kv and runs N rounds of its lookups, for `perf record`.
#![forbid(unsafe_code)]

#[path = "../cpu.rs"]
mod cpu;

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rusqlite::Connection;
use sqlink_host::cache::ComponentCache;
use sqlink_host::embed::Extensions;
use sqlink_host::extension::{ExtensionEngine, Sandbox};

const ROWS: usize = 20_000;
const ROUNDS: usize = 7;

fn main() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().context("workspace root")?;
    let kv = root.join("target/wasm/test/kv.wasm");
    if !kv.is_file() {
        bail!("run `cargo xtask build` first (needs {})", kv.display());
    }
    let conn = Connection::open_in_memory()?;
    let mut extensions = Extensions::new(ExtensionEngine::new(ComponentCache::disabled())?);
    extensions.load(&conn, &std::fs::read(&kv)?, Sandbox::default(), "kv.wasm")?;

    let keys: Vec<String> = (0..ROWS).map(|i| format!("key-{:08}", (i * 7919) % ROWS)).collect();
    let mut lookups = keys.clone();
    // A fixed shuffle (no dependency): each key once, not in insertion order.
    let mut state = 12345u64;
    for i in (1..lookups.len()).rev() {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        lookups.swap(i, (state >> 33) as usize % (i + 1));
    }

    if let Some(rounds) = profile_rounds()? {
        conn.execute_batch("CREATE VIRTUAL TABLE x USING kv")?;
        insert_all(&conn, &keys)?;
        for _ in 0..rounds {
            look_up_all(&conn, &lookups)?;
        }
        return Ok(());
    }

    let tables = [("native", "CREATE TABLE x(key TEXT PRIMARY KEY, value)"), ("kv", "CREATE VIRTUAL TABLE x USING kv")];
    let mut inserts = [Vec::new(), Vec::new()];
    let mut reads = [Vec::new(), Vec::new()];
    for _ in 0..ROUNDS {
        // Interleaved, so both see the same machine.
        for (i, (_, create)) in tables.iter().enumerate() {
            conn.execute_batch(&format!("DROP TABLE IF EXISTS x; {create};"))?;
            inserts[i].push(insert_all(&conn, &keys)?);
            reads[i].push(look_up_all(&conn, &lookups)?);
        }
    }
    // Where a kv lookup's time goes: the same query of its shadow table, natively, from one
    // prepared statement (as the extension's `connection::execute` now runs it: the host
    // caches the statement) and prepared afresh for each lookup (as it ran before); the rest
    // is the crossings into the extension and back.
    let mut shadow = [Vec::new(), Vec::new()];
    for _ in 0..ROUNDS {
        shadow[0].push(look_up_shadow(&conn, &lookups, false)?);
        shadow[1].push(look_up_shadow(&conn, &lookups, true)?);
    }
    conn.execute_batch("DROP TABLE x")?;
    let per_row = |samples: &[Duration]| samples.iter().min().map_or(0.0, |d| d.as_nanos() as f64 / ROWS as f64);
    println!("kv beside a native table: {ROWS} rows, ns per row, minimum of {ROUNDS} rounds (thread CPU time)\n");
    println!("{:<14} {:>12} {:>12} {:>8}", "", "native", "kv", "ratio");
    for (name, samples) in [("insert", &inserts), ("point lookup", &reads)] {
        let (native, kv) = (per_row(&samples[0]), per_row(&samples[1]));
        println!("{name:<14} {native:>9.0} ns {kv:>9.0} ns {:>7.2}x", kv / native);
    }
    let (native, kv) = (per_row(&reads[0]), per_row(&reads[1]));
    let (cached, prepared) = (per_row(&shadow[0]), per_row(&shadow[1]));
    println!("\nA kv point lookup, step by step (ns):");
    println!("  the shadow table's query, natively, one prepared statement (as kv runs it) {cached:>7.0}");
    println!("  the same, prepared for each lookup (what the statement cache saves)   {prepared:>7.0}");
    println!("  the rest: xOpen / xFilter / xClose into the extension, the row back   {:>7.0}", kv - native - cached);
    println!("  (a native table's lookup: {native:.0})");
    Ok(())
}

/// N of `--profile-lookups N`.
fn profile_rounds() -> Result<Option<usize>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(None),
        [flag, rounds] if flag == "--profile-lookups" => Ok(Some(rounds.parse().context("--profile-lookups takes a number of rounds")?)),
        _ => bail!("usage: kv [--profile-lookups ROUNDS]"),
    }
}

fn look_up_shadow(conn: &Connection, keys: &[String], prepare_each: bool) -> Result<Duration> {
    const SQL: &str = "SELECT id, key, value FROM \"main\".\"x_data\" WHERE key = ?";
    cpu::timed(|| {
        let mut select = conn.prepare(SQL)?;
        for key in keys {
            if prepare_each {
                let mut fresh = conn.prepare(SQL)?;
                fresh.query_row([key], |row| row.get::<_, i64>(2))?;
            } else {
                select.query_row([key], |row| row.get::<_, i64>(2))?;
            }
        }
        Ok(())
    })
}

fn insert_all(conn: &Connection, keys: &[String]) -> Result<Duration> {
    cpu::timed(|| {
        conn.execute_batch("BEGIN")?;
        let mut insert = conn.prepare("INSERT INTO x VALUES (?, ?)")?;
        for (i, key) in keys.iter().enumerate() {
            insert.execute(rusqlite::params![key, i as i64])?;
        }
        drop(insert);
        conn.execute_batch("COMMIT")?;
        Ok(())
    })
}

fn look_up_all(conn: &Connection, keys: &[String]) -> Result<Duration> {
    cpu::timed(|| {
        let mut select = conn.prepare("SELECT value FROM x WHERE key = ?")?;
        let mut found = 0usize;
        for key in keys {
            let value: i64 = select.query_row([key], |row| row.get(0))?;
            found += usize::from(value >= 0);
        }
        anyhow::ensure!(found == keys.len(), "found {found} of {} keys", keys.len());
        Ok(())
    })
}
