//! Virtual-table modules of an extension, `test-extensions/tables` (`memtable`, `spin`,
//! `badschema`), on every native host with the same cases: a native SQLite (`embed`, as
//! libsqlink uses it) and the REPL (SQLite in the runtime, calling out through `dispatch`).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use common::test_extension;
use rusqlite::Connection;
use sqlink_host::cache::ComponentCache;
use sqlink_host::embed::Extensions;
use sqlink_host::extension::{ExtensionEngine, Sandbox};

/// A host with `tables` loaded, as the cases drive it.
trait Host {
    /// Run `sql`'s statements, stopping at the first error: its message.
    fn exec(&mut self, sql: &str) -> Result<(), String>;
    /// The rows of a query, each row's values joined by `|`.
    fn rows(&mut self, sql: &str) -> Vec<String>;

    fn error(&mut self, sql: &str) -> String {
        self.exec(sql).expect_err(sql)
    }
}

/// The time limit of an extension call in these tests (`spin` plans forever).
const CALL_TIMEOUT: Duration = Duration::from_millis(500);

/// A native SQLite connection with the extension loaded through `embed`.
struct Embedded {
    conn: Connection,
    _extensions: Extensions,
}

impl Embedded {
    fn new() -> Embedded {
        let conn = Connection::open_in_memory().unwrap();
        let mut extensions = Extensions::new(ExtensionEngine::new(ComponentCache::disabled()).unwrap());
        let bytes = std::fs::read(test_extension("tables")).unwrap();
        let sandbox = Sandbox { call_timeout: CALL_TIMEOUT, ..Sandbox::default() };
        extensions.load(&conn, &bytes, sandbox, "tables.wasm").unwrap();
        Embedded { conn, _extensions: extensions }
    }
}

impl Host for Embedded {
    fn exec(&mut self, sql: &str) -> Result<(), String> {
        self.conn.execute_batch(sql).map_err(|e| e.to_string())
    }

    fn rows(&mut self, sql: &str) -> Vec<String> {
        common::rows(&self.conn, sql)
    }
}

/// The `sqlink` REPL on a script fed statement by statement, `.load`ing the extension by
/// path; its stdout and stderr on one pipe, so an error is read where it happened.
struct Repl {
    child: Child,
    stdin: ChildStdin,
    /// The lines it prints, read on a thread so that a session that stops answering fails the
    /// test instead of hanging it.
    output: Receiver<String>,
    markers: usize,
}

/// The longest a statement of these tests may take in the REPL.
const ANSWER_LIMIT: Duration = Duration::from_secs(60);

impl Repl {
    fn start() -> Repl {
        let dir = tempfile::tempdir().unwrap();
        let timeout = CALL_TIMEOUT.as_secs_f64().to_string();
        let (reader, writer) = std::io::pipe().unwrap();
        let mut child = common::command(dir.path(), &["--timeout", &timeout])
            .stdin(Stdio::piped())
            .stdout(writer.try_clone().unwrap())
            .stderr(writer)
            .spawn()
            .expect("the sqlink binary");
        let stdin = child.stdin.take().unwrap();
        let (sender, output) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines() {
                if line.is_err() || sender.send(line.unwrap_or_default()).is_err() {
                    return;
                }
            }
        });
        let mut repl = Repl { child, stdin, output, markers: 0 };
        let load = format!(".nullvalue NULL\n.load {}", test_extension("tables").display());
        assert_eq!(repl.lines(&load), Vec::<String>::new());
        repl
    }

    /// Send `sql` (its last statement ended, as a program's SQL text needs not be), then a
    /// SELECT of a marker: the lines printed before the marker.
    fn lines(&mut self, sql: &str) -> Vec<String> {
        self.markers += 1;
        let marker = format!("done {}", self.markers);
        let ended = sql.trim_end().ends_with(';') || sql.lines().last().is_some_and(|line| line.starts_with('.'));
        let end = if ended { "" } else { ";" };
        writeln!(self.stdin, "{sql}{end}\nSELECT '{marker}';").unwrap();
        self.stdin.flush().unwrap();
        let mut lines = Vec::new();
        loop {
            let line = match self.output.recv_timeout(ANSWER_LIMIT) {
                Ok(line) => line.trim_end().to_owned(),
                Err(e) => panic!("sqlink printed no {marker} ({e}); printed {lines:?}"),
            };
            if line == marker {
                return lines;
            }
            lines.push(line);
        }
    }
}

/// The message of a line the REPL prints for a failed statement ("Runtime error near line
/// 3: MESSAGE", as sqlite3 prints it for a script), or none for a row.
fn repl_error(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("Parse error").or_else(|| line.strip_prefix("Runtime error"))?;
    Some(rest.split_once(": ").map_or(rest, |(_, message)| message))
}

impl Host for Repl {
    fn exec(&mut self, sql: &str) -> Result<(), String> {
        let lines = self.lines(sql);
        match lines.iter().find_map(|line| repl_error(line)) {
            Some(message) => Err(message.to_owned()),
            None => {
                assert_eq!(lines, Vec::<String>::new(), "{sql}");
                Ok(())
            }
        }
    }

    fn rows(&mut self, sql: &str) -> Vec<String> {
        let lines = self.lines(sql);
        assert!(lines.iter().all(|line| repl_error(line).is_none()), "{sql}: {lines:?}");
        lines
    }
}

impl Drop for Repl {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Each case as a test on each host.
macro_rules! on_every_host {
    ($($case:ident),* $(,)?) => {
        mod embed {
            $(#[test] fn $case() { super::$case(&mut super::Embedded::new()) })*
        }
        mod repl {
            $(#[test] fn $case() { super::$case(&mut super::Repl::start()) })*
        }
    };
}

on_every_host!(
    writes_transactions_and_savepoints_reach_the_table,
    the_plan_the_extension_chose_is_the_plan_sqlite_runs,
    bad_input_gets_one_clear_error_and_the_session_goes_on,
);

fn writes_transactions_and_savepoints_reach_the_table(host: &mut dyn Host) {
    host.exec("CREATE VIRTUAL TABLE m USING memtable; INSERT INTO m VALUES ('b', 2), ('a', 1);").unwrap();
    assert_eq!(host.rows("SELECT rowid, key, value FROM m"), ["1|b|2", "2|a|1"]);
    host.exec("UPDATE m SET value = value * 10 WHERE key = 'a'; DELETE FROM m WHERE key = 'b';").unwrap();
    assert_eq!(host.rows("SELECT key, value FROM m"), ["a|10"]);

    // ROLLBACK undoes the writes of the transaction.
    host.exec("BEGIN; INSERT INTO m VALUES ('c', 3); DELETE FROM m WHERE key = 'a'; ROLLBACK;").unwrap();
    assert_eq!(host.rows("SELECT key, value FROM m"), ["a|10"]);

    // A savepoint rolled back undoes only what was written since it began.
    host.exec(
        "BEGIN; INSERT INTO m VALUES ('d', 4); SAVEPOINT s; INSERT INTO m VALUES ('e', 5); UPDATE m SET value = 0;
         ROLLBACK TO s; RELEASE s; COMMIT;",
    )
    .unwrap();
    assert_eq!(host.rows("SELECT key, value FROM m ORDER BY key"), ["a|10", "d|4"]);
}

fn the_plan_the_extension_chose_is_the_plan_sqlite_runs(host: &mut dyn Host) {
    host.exec("CREATE VIRTUAL TABLE m USING memtable; INSERT INTO m VALUES ('b', 2), ('a', 1), ('c', 3);").unwrap();
    let plan = host.rows("EXPLAIN QUERY PLAN SELECT value FROM m WHERE key = 'b'").join("\n");
    assert!(plan.contains("VIRTUAL TABLE INDEX 1:key=?"), "{plan}");
    assert_eq!(host.rows("SELECT value FROM m WHERE key = 'b'"), ["2"]);
    // The ORDER BY the extension consumed takes no sorting step, and the rows are in order.
    let plan = host.rows("EXPLAIN QUERY PLAN SELECT key FROM m ORDER BY key").join("\n");
    assert!(plan.contains("VIRTUAL TABLE INDEX 2:"), "{plan}");
    assert!(!plan.contains("USE TEMP B-TREE FOR ORDER BY"), "{plan}");
    assert_eq!(host.rows("SELECT key FROM m ORDER BY key"), ["a", "b", "c"]);
    // A descending order is not consumed: SQLite sorts.
    let plan = host.rows("EXPLAIN QUERY PLAN SELECT key FROM m ORDER BY key DESC").join("\n");
    assert!(plan.contains("USE TEMP B-TREE FOR ORDER BY"), "{plan}");
    assert_eq!(host.rows("SELECT key FROM m ORDER BY key DESC"), ["c", "b", "a"]);
}

fn bad_input_gets_one_clear_error_and_the_session_goes_on(host: &mut dyn Host) {
    assert_eq!(host.error("CREATE VIRTUAL TABLE w USING memtable(x = 1)"), "memtable takes no arguments, not x = 1");
    let rejected = host.error("CREATE VIRTUAL TABLE b USING badschema");
    assert!(rejected.starts_with("badschema: the schema it declared, \"CREATE TABLE x(a,\", is not one SQLite accepts"), "{rejected}");
    host.exec("CREATE VIRTUAL TABLE s USING spin").unwrap();
    assert_eq!(host.error("INSERT INTO s VALUES (1)"), "table s may not be modified");
    // Planning that never ends is stopped by the time limit.
    let stopped = host.error("SELECT * FROM s");
    assert!(stopped.contains("interrupted") || stopped.contains("time"), "{stopped}");
    // A trap in the middle of a write fails the statement; the session goes on.
    host.exec("CREATE VIRTUAL TABLE m USING memtable; INSERT INTO m VALUES ('a', 1);").unwrap();
    let trapped = host.error("INSERT INTO m VALUES ('x', 'trap')");
    assert!(trapped.contains("memtable was told to trap"), "{trapped}");
    host.exec("CREATE VIRTUAL TABLE m2 USING memtable; INSERT INTO m2 VALUES ('z', 26);").unwrap();
    assert_eq!(host.rows("SELECT key, value FROM m2"), ["z|26"]);
    assert_eq!(host.rows("SELECT 1 + 1"), ["2"]);
}
