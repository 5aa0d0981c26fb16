//! Running the `sqlink` binary as a user does, shared by the end-to-end tests.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// A compile cache shared by the tests, so the runtime is compiled once.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlink-test-cache")
}

/// A test extension from target/wasm/test, which `cargo xtask build` builds.
pub fn test_extension(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../target/wasm/test/{name}.wasm"));
    assert!(path.is_file(), "{} is missing: run `cargo xtask build`", path.display());
    path.canonicalize().unwrap()
}

/// Cargo as an extension's author runs it: with the toolchain that builds wasm, which xtask
/// names in SQLINK_WASM_TOOLCHAIN when these tests run under another (the host's crates may
/// need a newer Rust than the one with the wasm32-wasip2 target).
pub fn wasm_cargo() -> Command {
    match std::env::var("SQLINK_WASM_TOOLCHAIN") {
        Ok(toolchain) => {
            let mut command = Command::new("rustup");
            command.args(["run", &toolchain, "cargo"]);
            command
        }
        Err(_) => Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())),
    }
}

pub fn command(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sqlink"));
    cmd.args(args).current_dir(cwd).env("SQLINK_CACHE_DIR", cache_dir()).env_remove("SQLINK_PATH");
    cmd
}

/// `sqlink` on a pseudo-terminal (util-linux `script`): prompts and line editing on, and
/// Ctrl-C (byte 3 on its stdin) raises SIGINT. History goes to `dir/.sqlink_history`.
pub fn pty_command(dir: &Path) -> Command {
    // `script` runs the command through $SHELL. The shell must `exec` sqlink, or it is a
    // second process in the terminal's foreground group: a non-interactive dash dies of the
    // Ctrl-C that sqlink handles, and `script` reports that death (status 130).
    let exec = format!("exec '{}'", env!("CARGO_BIN_EXE_sqlink"));
    let mut script = Command::new("script");
    script
        .args(["-qefc", &exec, "/dev/null"])
        .current_dir(dir)
        .env("SHELL", "/bin/sh")
        .env("SQLINK_CACHE_DIR", cache_dir())
        .env("HOME", dir)
        .env("TERM", "dumb");
    script
}

pub fn finish(output: Output) -> Run {
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(-1),
    }
}

pub fn sqlink_in(cwd: &Path, args: &[&str], stdin: &str) -> Run {
    run_with_stdin(command(cwd, args), stdin)
}

/// No session in these tests takes long; one that hangs (a deadline that never fires)
/// fails the test instead of stalling the whole run.
const SESSION_LIMIT: Duration = Duration::from_secs(120);

pub fn run_with_stdin(mut command: Command, stdin: &str) -> Run {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the sqlink binary");
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_owned();
    let writer = std::thread::spawn(move || input.write_all(stdin.as_bytes()));
    let (sender, receiver) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || sender.send(child.wait_with_output()));
    let output = match receiver.recv_timeout(SESSION_LIMIT) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("sqlink did not finish within {SESSION_LIMIT:?}");
        }
    };
    let _ = writer.join();
    finish(output)
}

pub fn sqlink(stdin: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    sqlink_in(dir.path(), &[], stdin)
}

/// Output of a script that must succeed with nothing on stderr.
pub fn ok(stdin: &str) -> String {
    ok_noting(stdin, "")
}

/// What `.load stats` says: its `generate_series` alias leaves SQLite's (the shell's
/// built-in, which the runtime carries) in place.
pub const STATS_KEEPS: &str = "stats: kept this SQLite's own table function generate_series; `.load NAME --override` replaces it\n";

/// Output of a script that must succeed with only `notes` on stderr.
pub fn ok_noting(stdin: &str, notes: &str) -> String {
    let run = sqlink(stdin);
    assert_eq!(run.stderr, notes, "stderr for {stdin:?}");
    assert_eq!(run.code, 0);
    run.stdout
}

/// The tags of the statements that reported success in writers' output: each line
/// `ok TAG` (an autocommit INSERT ... RETURNING), and the ten rows `NAME-I` of each line
/// `committed NAME BATCH` (a transaction of ten whose COMMIT succeeded).
pub fn reported(runs: &[Run]) -> BTreeSet<String> {
    let mut tags = BTreeSet::new();
    for line in runs.iter().flat_map(|r| r.stdout.lines()) {
        if let Some(tag) = line.strip_prefix("ok ") {
            tags.insert(tag.to_owned());
        } else if let Some(batch) = line.strip_prefix("committed ") {
            let (name, batch) = batch.split_once(' ').unwrap();
            let batch: usize = batch.parse().unwrap();
            tags.extend((batch * 10..batch * 10 + 10).map(|i| format!("{name}-{i}")));
        }
    }
    tags
}

/// A `sqlink` session on a database fed line by line, for holding a transaction open across
/// steps.
pub struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    markers: usize,
}

impl Session {
    pub fn start(db: &Path) -> Session {
        Session::start_with(db, &[])
    }

    pub fn start_with(db: &Path, options: &[&str]) -> Session {
        let args: Vec<&str> = options.iter().copied().chain([db.to_str().unwrap()]).collect();
        let mut child =
            command(db.parent().unwrap(), &args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Session { child, stdin, stdout, markers: 0 }
    }

    /// Send `sql`, then a SELECT printing `marker`; the lines printed before it.
    pub fn run_until(&mut self, sql: &str, marker: &str) -> Vec<String> {
        writeln!(self.stdin, "{sql}\nSELECT '{marker}';").unwrap();
        self.stdin.flush().unwrap();
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            assert!(self.stdout.read_line(&mut line).unwrap() > 0, "sqlink ended before printing {marker}; printed {lines:?}");
            let line = line.trim_end().to_owned();
            if line == marker {
                return lines;
            }
            lines.push(line);
        }
    }

    /// Run `sql`; the lines it printed.
    pub fn run(&mut self, sql: &str) -> Vec<String> {
        self.markers += 1;
        let marker = format!("done {}", self.markers);
        self.run_until(sql, &marker)
    }

    /// Send `sql` without waiting for anything.
    pub fn send(&mut self, sql: &str) {
        writeln!(self.stdin, "{sql}").unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn finish(mut self, sql: &str) -> Run {
        self.send(sql);
        self.wait()
    }

    /// Close stdin and wait for the end: what it printed since the last marker.
    pub fn wait(mut self) -> Run {
        drop(self.stdin);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stdout, &mut rest).unwrap();
        let output = self.child.wait_with_output().unwrap();
        Run { stdout: rest, stderr: String::from_utf8_lossy(&output.stderr).into_owned(), code: output.status.code().unwrap_or(-1) }
    }

    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// The tags in table `t` of the database at `db`, read by native SQLite.
pub fn tags(db: &Path) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT tag FROM t").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

/// `PRAGMA integrity_check` of the database at `db` by native SQLite.
pub fn integrity(db: &Path) -> String {
    rusqlite::Connection::open(db).unwrap().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

/// Each row of `sql` as its values joined by `|` (NULL as `NULL`, a blob as its bytes).
pub fn rows(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let width = stmt.column_count();
    stmt.query_map([], |row| {
        Ok((0..width)
            .map(|i| match row.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Null => String::from("NULL"),
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                rusqlite::types::ValueRef::Real(r) => r.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Blob(b) => format!("{b:?}"),
            })
            .collect::<Vec<_>>()
            .join("|"))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// Test extension `name` loaded on `conn` through `embed`, with the default sandbox.
pub fn embedded(conn: &rusqlite::Connection, name: &str) -> sqlink_host::embed::Extensions {
    let engine = sqlink_host::extension::ExtensionEngine::new(sqlink_host::cache::ComponentCache::disabled()).unwrap();
    let mut extensions = sqlink_host::embed::Extensions::new(engine);
    let bytes = std::fs::read(test_extension(name)).unwrap();
    extensions.load(conn, &bytes, sqlink_host::extension::Sandbox::default(), &format!("{name}.wasm")).unwrap();
    extensions
}

/// The message of the error running `sql` on `conn` gives.
pub fn sql_error(conn: &rusqlite::Connection, sql: &str) -> String {
    conn.execute_batch(sql).unwrap_err().to_string()
}
