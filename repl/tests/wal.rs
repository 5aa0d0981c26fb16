//! WAL databases shared by `sqlink` processes and native SQLite (Python's sqlite3 in its own
//! process, rusqlite in this one): the runtime's VFS keeps SQLite's WAL index in the same
//! `-shm` file with the same locks, so writers lose nothing, readers keep their snapshot,
//! checkpoints from either side are safe, and a killed or interrupted writer leaves the
//! database consistent.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Run, Session, integrity, reported, sqlink_in, tags};
use rusqlite::Connection;

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().canonicalize().unwrap().join("app.db");
    (dir, db)
}

fn native(db: &Path) -> Connection {
    let conn = Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(60)).unwrap();
    conn
}

/// A WAL database with table `t`, made by native SQLite.
fn wal_db() -> (tempfile::TempDir, PathBuf) {
    let (dir, db) = temp_db();
    let conn = native(&db);
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch("CREATE TABLE t(tag TEXT UNIQUE, pad BLOB)").unwrap();
    (dir, db)
}

fn sqlink_on(db: &Path, stdin: &str) -> Run {
    sqlink_in(db.parent().unwrap(), &[db.to_str().unwrap()], stdin)
}

fn error_lines(run: &Run) -> Vec<&str> {
    run.stderr.lines().filter(|l| l.starts_with("Error:")).collect()
}

/// Debian's Python (its own SQLite, 3.40), or whichever python3 is on the PATH.
fn python() -> Command {
    let debian = Path::new("/usr/bin/python3");
    Command::new(if debian.is_file() { debian.as_os_str() } else { "python3".as_ref() })
}

/// `rows` autocommit inserts from Python's sqlite3 with a busy timeout, each printing its tag
/// once it succeeded.
fn python_writer(db: &Path, name: &str, rows: usize) -> std::thread::JoinHandle<Run> {
    let script = format!(
        "import sqlite3, sys\n\
         conn = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)\n\
         for i in range({rows}):\n\
         \x20   conn.execute('INSERT INTO t(tag) VALUES (?)', ('{name}-%d' % i,))\n\
         \x20   print('ok {name}-%d' % i, flush=True)\n"
    );
    let db = db.to_path_buf();
    std::thread::spawn(move || {
        let output = python().arg("-c").arg(script).arg(&db).output().unwrap();
        common::finish(output)
    })
}

/// A `sqlink` writer's script: autocommit inserts that print their tag when they succeed, or
/// (`transactions`) batches of ten where each COMMIT that succeeded prints its batch.
fn sqlink_script(name: &str, rows: usize, transactions: bool) -> String {
    let mut sql = String::from(".timeout 60000\n.bail on\n");
    for i in 0..rows {
        if !transactions {
            sql.push_str(&format!("INSERT INTO t(tag) VALUES ('{name}-{i}') RETURNING 'ok ' || tag;\n"));
            continue;
        }
        if i % 10 == 0 {
            sql.push_str("BEGIN IMMEDIATE;\n");
        }
        sql.push_str(&format!("INSERT INTO t(tag) VALUES ('{name}-{i}');\n"));
        if i % 10 == 9 {
            sql.push_str(&format!("COMMIT;\nSELECT 'committed {name} {}';\n", i / 10));
        }
    }
    sql
}

fn sqlink_writer(db: &Path, name: &str, rows: usize, transactions: bool) -> std::thread::JoinHandle<Run> {
    let db = db.to_path_buf();
    let script = sqlink_script(name, rows, transactions);
    std::thread::spawn(move || sqlink_on(&db, &script))
}

#[test]
fn journal_mode_wal_on_a_file_database_is_shared_with_native_sqlite() {
    let (_dir, db) = temp_db();
    let run = sqlink_on(&db, "PRAGMA journal_mode=WAL;\nCREATE TABLE t(tag TEXT UNIQUE, pad BLOB);\nINSERT INTO t(tag) VALUES ('sqlink');");
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("wal\n", ""));
    assert_eq!(std::fs::read(&db).unwrap()[18..20], [2, 2], "the header says WAL");

    // Native SQLite keeps the database open with a commit still in the WAL; sqlink reads
    // it through the shared WAL index, writes beside it, and checkpoints it.
    let conn = native(&db);
    conn.execute_batch("PRAGMA wal_autocheckpoint=0; INSERT INTO t(tag) VALUES ('native')").unwrap();
    let run = sqlink_on(
        &db,
        "PRAGMA journal_mode;\nSELECT group_concat(tag, ',' ORDER BY tag) FROM t;\nINSERT INTO t(tag) VALUES ('sqlink-2');\nPRAGMA wal_checkpoint(TRUNCATE);",
    );
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("wal\nnative,sqlink\n0|0|0\n", ""));
    let seen: String = conn.query_row("SELECT group_concat(tag, ',' ORDER BY tag) FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(seen, "native,sqlink,sqlink-2", "the open native connection sees sqlink's commit");
    assert_eq!(std::fs::metadata(format!("{}-wal", db.display())).unwrap().len(), 0, "the checkpoint truncated the WAL");
    drop(conn);
    assert_eq!(integrity(&db), "ok");
}

#[test]
fn two_sqlink_writers_and_a_python_writer_lose_nothing_while_a_reader_keeps_its_snapshot() {
    let (_dir, db) = wal_db();
    native(&db).execute("INSERT INTO t(tag) VALUES ('before')", []).unwrap();
    let rows = 300;

    let mut reader = Session::start(&db);
    assert_eq!(reader.run("BEGIN;\nSELECT count(*) FROM t;"), ["1"]);
    let writers =
        [sqlink_writer(&db, "autocommit", rows, false), sqlink_writer(&db, "batches", rows, true), python_writer(&db, "python", rows)];
    // While they commit, the reader's transaction keeps seeing the one row it started with.
    let mut looks = 0;
    while !writers.iter().all(|w| w.is_finished()) {
        assert_eq!(reader.run("SELECT count(*) FROM t;"), ["1"]);
        looks += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    let runs: Vec<Run> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    for run in &runs {
        assert_eq!((error_lines(run), run.code), (Vec::<&str>::new(), 0), "{}", run.stderr);
    }
    assert!(looks > 3, "the reader looked only {looks} times");
    assert_eq!(reader.run("COMMIT;\nSELECT count(*) FROM t;"), [(1 + 3 * rows).to_string()]);
    reader.finish("");

    let mut expected = reported(&runs);
    assert_eq!(expected.len(), 3 * rows);
    expected.insert("before".to_owned());
    assert_eq!(tags(&db), expected);
    assert_eq!(integrity(&db), "ok");
}

#[test]
fn a_killed_sqlink_writer_leaves_the_others_going_and_the_database_consistent() {
    let (_dir, db) = wal_db();
    native(&db).execute_batch("INSERT INTO t(tag) VALUES ('committed')").unwrap();
    // A transaction larger than its page cache: its pages spill into the WAL uncommitted.
    let mut writer = Session::start(&db);
    writer.run(
        "PRAGMA cache_size = 5;\nBEGIN;\nINSERT INTO t(tag, pad) WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 400) SELECT 'lost-' || i, zeroblob(2000) FROM s;",
    );
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    assert!(std::fs::metadata(&wal).unwrap().len() > 100_000, "the uncommitted pages should be in the WAL");
    writer.kill();

    let runs = [sqlink_writer(&db, "after", 50, false), python_writer(&db, "python", 50)];
    let runs: Vec<Run> = runs.into_iter().map(|w| w.join().unwrap()).collect();
    for run in &runs {
        assert_eq!((error_lines(run), run.code), (Vec::<&str>::new(), 0), "{}", run.stderr);
    }
    let run = sqlink_on(&db, "SELECT count(*) FROM t WHERE tag LIKE 'lost-%';\nSELECT count(*) FROM t;\nPRAGMA integrity_check;");
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("0\n101\nok\n", ""));
    assert_eq!(integrity(&db), "ok");
}

#[test]
fn checkpoints_by_python_while_sqlink_reads_keep_its_snapshot_and_data() {
    let (_dir, db) = wal_db();
    native(&db)
        .execute_batch(
            "INSERT INTO t(tag, pad) WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200) SELECT 'old-' || i, randomblob(500) FROM s",
        )
        .unwrap();
    let mut reader = Session::start(&db);
    assert_eq!(reader.run("BEGIN;\nSELECT count(*), sum(length(pad)) FROM t;"), ["200|100000"]);
    // Where the first 'A' is in each random pad, summed: changes when the pads do.
    let fingerprint = "SELECT sum(instr(hex(pad), 'A')) FROM t;";
    let before = reader.run(fingerprint);

    // Python writes more, then checkpoints: only up to the reader's snapshot can be copied
    // back while it reads; after it finishes, everything.
    let script = "import sqlite3, sys\n\
         conn = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)\n\
         conn.execute(\"UPDATE t SET pad = zeroblob(700) WHERE tag LIKE 'old-1%'\")\n\
         conn.execute(\"INSERT INTO t(tag) VALUES ('new')\")\n\
         conn.execute('PRAGMA busy_timeout = 300')\n\
         print(*conn.execute('PRAGMA wal_checkpoint(PASSIVE)').fetchone())\n\
         print(*conn.execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchone())\n";
    let output = python().arg("-c").arg(script).arg(&db).output().unwrap();
    let run = common::finish(output);
    assert_eq!(run.stderr, "");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[1].starts_with("1 "), "a TRUNCATE checkpoint is busy while sqlink reads: {}", lines[1]);

    assert_eq!(reader.run("SELECT count(*), sum(length(pad)) FROM t;"), ["200|100000"]);
    assert_eq!(reader.run(fingerprint), before);
    assert_eq!(reader.run("COMMIT;\nSELECT count(*) FROM t;"), ["201"]);
    reader.finish("");

    let output = python().arg("-c").arg(script.replace("'new'", "'newer'")).arg(&db).output().unwrap();
    let run = common::finish(output);
    assert_eq!(run.stdout.lines().last(), Some("0 0 0"), "nobody reads: the TRUNCATE checkpoint completes");
    let run = sqlink_on(&db, "SELECT count(*), sum(length(pad) = 700) FROM t;\nPRAGMA integrity_check;");
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("202|111\nok\n", ""));
}

#[test]
fn ctrl_c_during_a_wal_write_leaves_the_database_as_before() {
    let (_dir, db) = wal_db();
    native(&db).execute("INSERT INTO t(tag) VALUES ('kept')", []).unwrap();
    let mut session = Session::start(&db);
    session.run_until("", "running");
    session.send(
        "INSERT INTO t(tag, pad) WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s) SELECT 'endless-' || i, zeroblob(100) FROM s;\nSELECT 'not read';",
    );
    std::thread::sleep(Duration::from_millis(500));
    let status = Command::new("kill").args(["-INT", &session.pid().to_string()]).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    let run = session.wait();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!((run.stdout.as_str(), run.stderr.as_str(), run.code), ("", "Runtime error near line 3: interrupted (9)\n", 1));

    assert_eq!(tags(&db), BTreeSet::from(["kept".to_owned()]));
    let run = sqlink_on(&db, "INSERT INTO t(tag) VALUES ('after');\nSELECT count(*) FROM t;\nPRAGMA integrity_check;");
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("2\nok\n", ""));
}

#[test]
fn autocheckpoint_in_sqlink_keeps_the_wal_small_beside_a_native_reader() {
    let (_dir, db) = wal_db();
    let conn = native(&db);
    // 300 commits of about a page each, with SQLite's default autocheckpoint of 1000 pages
    // lowered to 50: the WAL is restarted from its beginning many times.
    let mut sql = String::from("PRAGMA wal_autocheckpoint = 50;\n");
    for i in 0..300 {
        sql.push_str(&format!("INSERT INTO t(tag, pad) VALUES ('a-{i}', zeroblob(3000));\n"));
        if i % 60 == 0 {
            // Between commits, every one so far is there.
            sql.push_str("SELECT count(*) FROM t;\n");
        }
    }
    let run = sqlink_on(&db, &sql);
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), ["50", "1", "61", "121", "181", "241"]);
    let wal = std::fs::metadata(format!("{}-wal", db.display())).map(|m| m.len()).unwrap_or(0);
    assert!(wal < 400 * 4096, "the WAL grew to {wal} bytes");
    let n: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 300);
    assert_eq!(integrity(&db), "ok");
}
