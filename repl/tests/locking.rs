//! One database file, many processes: `sqlink` takes SQLite's locks, so concurrent writers
//! (other `sqlink`s, or native SQLite through rusqlite) never lose a write that reported
//! success, readers see the last committed state, and a killed writer's hot journal is
//! rolled back by whoever opens the file next.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Run, Session, integrity, reported, sqlink_in, tags, test_extension};
use rusqlite::Connection;

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().canonicalize().unwrap().join("shared.db");
    (dir, db)
}

fn sqlink_on(db: &Path, stdin: &str) -> Run {
    sqlink_in(db.parent().unwrap(), &[db.to_str().unwrap()], stdin)
}

fn native(db: &Path) -> Connection {
    Connection::open(db).unwrap()
}

fn count(db: &Path) -> i64 {
    native(db).query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap()
}

fn create_table(db: &Path) {
    native(db).execute_batch("CREATE TABLE t(tag TEXT UNIQUE, pad BLOB)").unwrap();
}

fn error_lines(run: &Run) -> Vec<&str> {
    // The messages of "Parse error near line N: ..." and "Runtime error near line N: ...".
    run.stderr
        .lines()
        .filter(|l| l.starts_with("Parse error near line ") || l.starts_with("Runtime error near line "))
        .map(|l| l.split_once(": ").map_or(l, |(_, message)| message))
        .collect()
}

/// Each writer's script: autocommit inserts, each printing its tag when it succeeded; or
/// explicit transactions of ten, where only COMMIT reports success (an INSERT inside a
/// transaction is not durable until then): each COMMIT that succeeded prints the batch, and
/// the writer stops at its first error (`.bail on`), whose transaction dies with it.
fn script_in_mode(writer: usize, rows: usize, timeout_ms: u32, transactions: bool, journal_mode: &str) -> String {
    let mut sql = format!(".timeout {timeout_ms}\nPRAGMA journal_mode = {journal_mode};\n");
    if transactions {
        sql.push_str(".bail on\n");
    }
    for i in 0..rows {
        match (transactions, i % 10) {
            (false, _) => sql.push_str(&format!("INSERT INTO t(tag) VALUES ('w{writer}-{i}') RETURNING 'ok ' || tag;\n")),
            (true, first) => {
                if first == 0 {
                    sql.push_str("BEGIN IMMEDIATE;\n");
                }
                sql.push_str(&format!("INSERT INTO t(tag) VALUES ('w{writer}-{i}');\n"));
                if first == 9 {
                    sql.push_str(&format!("COMMIT;\nSELECT 'committed w{writer} {}';\n", i / 10));
                }
            }
        }
    }
    sql
}

fn run_writers(db: &Path, writers: usize, rows: usize, timeout_ms: u32) -> Vec<Run> {
    run_writers_in_mode(db, writers, rows, timeout_ms, "delete")
}

fn run_writers_in_mode(db: &Path, writers: usize, rows: usize, timeout_ms: u32, journal_mode: &str) -> Vec<Run> {
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let db = db.to_path_buf();
            // Odd writers group their inserts in explicit transactions.
            let script = script_in_mode(w, rows, timeout_ms, w % 2 == 1, journal_mode);
            std::thread::spawn(move || sqlink_on(&db, &script))
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

/// With a long busy timeout every write lands: no writer reported an error, the file holds
/// exactly the reported rows, all of them, and passes integrity_check. `context` names the run.
fn assert_every_write_landed(db: &Path, runs: &[Run], expected: usize, context: &str) -> BTreeSet<String> {
    for run in runs {
        assert_eq!(error_lines(run), Vec::<&str>::new(), "{context}: {}", run.stderr);
    }
    let found = tags(db);
    assert_eq!(reported(runs), found, "{context}");
    assert_eq!(found.len(), expected, "{context}");
    assert_eq!(integrity(db), "ok", "{context}");
    found
}

/// TRUNCATE and PERSIST keep the journal file between transactions (emptied, or with its
/// header zeroed): writers in several processes must still never see it as hot.
#[test]
fn truncate_and_persist_journals_work_across_processes() {
    for mode in ["truncate", "persist"] {
        let (_dir, db) = temp_db();
        create_table(&db);
        let (writers, rows) = (3, 60);
        let runs = run_writers_in_mode(&db, writers, rows, 60_000, mode);
        for run in &runs {
            assert!(run.stdout.starts_with(&format!("{mode}\n")), "{mode}: {}", run.stdout);
        }
        assert_every_write_landed(&db, &runs, writers * rows, mode);
    }
}

#[test]
fn concurrent_sqlink_writers_with_a_busy_timeout_all_succeed() {
    let (_dir, db) = temp_db();
    create_table(&db);
    let (writers, rows) = (4, 150);
    let runs = run_writers(&db, writers, rows, 60_000);
    let found = assert_every_write_landed(&db, &runs, writers * rows, "sqlink writers");
    println!("{writers} sqlink writers: {} rows written, {} found, 0 errors", writers * rows, found.len());
}

#[test]
fn without_a_busy_timeout_a_write_fails_loudly_or_lands() {
    let (_dir, db) = temp_db();
    create_table(&db);
    let (writers, rows) = (4, 150);
    let runs = run_writers(&db, writers, rows, 0);
    let errors: Vec<&str> = runs.iter().flat_map(error_lines).collect();
    for error in &errors {
        assert_eq!(*error, "database is locked (5)");
    }
    let found = tags(&db);
    // Every insert that reported success is in the file, and nothing else is.
    assert_eq!(reported(&runs), found);
    assert_eq!(integrity(&db), "ok");
    println!(
        "{writers} sqlink writers without a timeout: {} inserts, {} found, {} errors reported",
        writers * rows,
        found.len(),
        errors.len()
    );
}

#[test]
fn sqlink_and_native_writers_together_lose_nothing() {
    let (_dir, db) = temp_db();
    create_table(&db);
    let rows = 150;
    let native_writer = {
        let db = db.clone();
        std::thread::spawn(move || {
            let conn = native(&db);
            conn.busy_timeout(Duration::from_secs(60)).unwrap();
            for i in 0..rows {
                conn.execute("INSERT INTO t(tag) VALUES (?1)", [format!("native-{i}")]).unwrap();
            }
        })
    };
    let runs = run_writers(&db, 2, rows, 60_000);
    native_writer.join().unwrap();
    for run in &runs {
        assert_eq!(error_lines(run), Vec::<&str>::new(), "{}", run.stderr);
    }
    assert_eq!(count(&db), 3 * rows as i64);
    assert_eq!(integrity(&db), "ok");
}

#[test]
fn a_native_write_transaction_holds_off_sqlink_until_commit() {
    let (_dir, db) = temp_db();
    create_table(&db);
    let conn = native(&db);
    conn.execute_batch("BEGIN IMMEDIATE; INSERT INTO t(tag) VALUES ('native')").unwrap();

    let refused = sqlink_on(&db, "INSERT INTO t(tag) VALUES ('refused');");
    assert_eq!(refused.stderr.trim(), "Runtime error near line 1: database is locked (5)");
    assert_eq!(refused.code, 1);

    let waiting = {
        let db = db.clone();
        std::thread::spawn(move || sqlink_on(&db, ".timeout 30000\nINSERT INTO t(tag) VALUES ('waited');"))
    };
    std::thread::sleep(Duration::from_millis(700));
    assert!(!waiting.is_finished(), "sqlink wrote while the native transaction held RESERVED");
    conn.execute_batch("COMMIT").unwrap();
    let waited = waiting.join().unwrap();
    assert_eq!((waited.stderr.as_str(), waited.code), ("", 0));
    assert_eq!(tags(&db), BTreeSet::from(["native".to_owned(), "waited".to_owned()]));
}

#[test]
fn a_sqlink_write_transaction_holds_off_native_until_commit() {
    let (_dir, db) = temp_db();
    create_table(&db);
    let mut session = Session::start(&db);
    session.run_until("BEGIN IMMEDIATE; INSERT INTO t(tag) VALUES ('sqlink');", "in transaction");

    let conn = native(&db);
    let refused = conn.execute("INSERT INTO t(tag) VALUES ('refused')", []).unwrap_err();
    assert_eq!(refused.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy), "{refused}");
    // A reader meanwhile sees the last committed state.
    assert_eq!(count(&db), 0);

    let waiting = {
        let db = db.clone();
        std::thread::spawn(move || {
            let conn = native(&db);
            conn.busy_timeout(Duration::from_secs(30)).unwrap();
            conn.execute("INSERT INTO t(tag) VALUES ('waited')", []).unwrap();
        })
    };
    std::thread::sleep(Duration::from_millis(700));
    assert!(!waiting.is_finished(), "native SQLite wrote while sqlink held RESERVED");
    let run = session.finish("COMMIT;");
    assert_eq!((run.stderr.as_str(), run.code), ("", 0));
    waiting.join().unwrap();
    assert_eq!(tags(&db), BTreeSet::from(["sqlink".to_owned(), "waited".to_owned()]));
}

#[test]
fn a_sqlink_reader_sees_the_last_committed_state_during_a_write() {
    let (_dir, db) = temp_db();
    create_table(&db);
    native(&db).execute("INSERT INTO t(tag) VALUES ('committed')", []).unwrap();
    let mut writer = Session::start(&db);
    writer.run_until("BEGIN IMMEDIATE; INSERT INTO t(tag) VALUES ('pending');", "in transaction");

    let read = sqlink_on(&db, "SELECT group_concat(tag) FROM t;");
    assert_eq!((read.stdout.as_str(), read.stderr.as_str()), ("committed\n", ""));

    let run = writer.finish("COMMIT;");
    assert_eq!(run.stderr, "");
    let read = sqlink_on(&db, "SELECT group_concat(tag ORDER BY tag) FROM t;");
    assert_eq!(read.stdout, "committed,pending\n");
}

/// A SELECT of `n` rows tagged `prefix-1` .. `prefix-n`, each with a blob of `pad` bytes.
fn numbered(prefix: &str, n: usize, pad: usize) -> String {
    format!(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
         SELECT '{prefix}-' || i, zeroblob({pad}) FROM s"
    )
}

/// A writer killed mid-transaction, after its changes reached the database file (a tiny page
/// cache spills them), leaves a hot journal; `next` must roll it back on open.
fn killed_writer_is_rolled_back(next: impl FnOnce(&Path) -> (i64, String)) {
    let (_dir, db) = temp_db();
    create_table(&db);
    native(&db).execute_batch(&format!("INSERT INTO t(tag, pad) {}", numbered("committed", 50, 2000))).unwrap();
    let size_before = std::fs::metadata(&db).unwrap().len();

    let mut writer = Session::start(&db);
    writer.run_until(
        &format!(
            "PRAGMA cache_size = 5;
             BEGIN;
             INSERT INTO t(tag, pad) {};
             UPDATE t SET pad = zeroblob(3000) WHERE tag LIKE 'committed-%';",
            numbered("lost", 500, 2000)
        ),
        "in transaction",
    );
    let journal = PathBuf::from(format!("{}-journal", db.display()));
    assert!(journal.exists(), "the transaction should have a journal");
    assert!(std::fs::metadata(&db).unwrap().len() > size_before, "the cache should have spilled into the file");
    writer.kill();

    assert!(journal.exists(), "the killed writer's journal is hot");
    let (rows, integrity) = next(&db);
    assert_eq!((rows, integrity.as_str()), (50, "ok"));
    assert_eq!(count(&db), 50);
    let pads: i64 = native(&db).query_row("SELECT sum(length(pad)) FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(pads, 50 * 2000, "the committed rows are as committed");
}

#[test]
fn a_killed_sqlink_writer_is_rolled_back_by_the_next_sqlink() {
    killed_writer_is_rolled_back(|db| {
        let run = sqlink_on(db, "SELECT count(*) FROM t;\nPRAGMA integrity_check;");
        assert_eq!(run.stderr, "");
        let mut lines = run.stdout.lines();
        (lines.next().unwrap().parse().unwrap(), lines.next().unwrap().to_owned())
    });
}

#[test]
fn a_killed_sqlink_writer_is_rolled_back_by_native_sqlite() {
    killed_writer_is_rolled_back(|db| (count(db), integrity(db)));
}

#[test]
fn timeout_command_sets_the_busy_timeout() {
    let (_dir, db) = temp_db();
    let run = sqlink_on(&db, "PRAGMA busy_timeout;\n.timeout 1500\nPRAGMA busy_timeout;\n.timeout\nPRAGMA busy_timeout;");
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("0\n1500\n0\n", ""));
}

#[test]
fn a_busy_writer_waits_about_its_timeout_then_says_database_is_locked() {
    let (_dir, db) = temp_db();
    create_table(&db);
    let conn = native(&db);
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let run = sqlink_on(&db, ".timeout 300\nINSERT INTO t(tag) VALUES ('late');\nSELECT 'still here';");
    assert!(started.elapsed() >= Duration::from_millis(300), "the busy handler did not wait");
    assert_eq!(run.stderr.trim(), "Runtime error near line 2: database is locked (5)");
    assert_eq!(run.stdout, "still here\n");
    conn.execute_batch("COMMIT").unwrap();
    assert_eq!(count(&db), 0);
}

/// Closing any descriptor of a file drops a process's classic POSIX locks on it; the runtime's
/// locks must survive an extension (granted the directory) opening and closing the database.
#[test]
fn an_extension_reading_the_database_file_cannot_break_its_locks() {
    let (dir, db) = temp_db();
    create_table(&db);
    let hostile = test_extension("hostile");
    let granted = dir.path().canonicalize().unwrap();
    let mut session = Session::start_with(&db, &["--allow-dir", granted.to_str().unwrap()]);
    session.run_until(
        &format!(
            ".load {}\nBEGIN IMMEDIATE; INSERT INTO t(tag) VALUES ('sqlink');\nSELECT length(read_file('{}')) >= 0;",
            hostile.display(),
            db.display()
        ),
        "in transaction",
    );
    let refused = native(&db).execute("INSERT INTO t(tag) VALUES ('refused')", []).unwrap_err();
    assert_eq!(refused.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy), "{refused}");
    let run = session.finish("COMMIT;");
    assert!(run.stderr.contains("read_file("), "the extension did open the database: {}", run.stderr);
    assert_eq!(tags(&db), BTreeSet::from(["sqlink".to_owned()]));
}
