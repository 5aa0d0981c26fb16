//! Ctrl-C (SIGINT) interrupts the running statement, as in the sqlite3 shell: a batch stops
//! with the interrupt error and exit status 1; at a terminal the prompt comes back and the
//! session (its in-memory database) carries on.

mod common;

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{command, pty_command, test_extension};

/// A query that runs until something stops it.
const ENDLESS: &str = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c;";

/// A child whose stdout is collected as it comes, to wait for a line before acting.
struct Watched {
    child: Child,
    stdout: Arc<Mutex<String>>,
}

impl Watched {
    fn spawn(mut command: Command) -> Watched {
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stdout = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stdout.take().unwrap();
        let sink = stdout.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Watched { child, stdout }
    }

    fn write(&mut self, text: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    fn wait_for(&self, text: &str) {
        let started = Instant::now();
        while !self.stdout.lock().unwrap().contains(text) {
            assert!(started.elapsed() < Duration::from_secs(60), "no {text:?} in {:?}", self.stdout.lock().unwrap());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn sigint(&self) {
        let status = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Close stdin and wait: (stdout, stderr, exit code; None if a signal ended it).
    fn finish(mut self) -> (String, String, Option<i32>) {
        drop(self.child.stdin.take());
        let mut stderr = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        let status = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let stdout = self.stdout.lock().unwrap().clone();
        (stdout, stderr, status.code())
    }
}

fn hostile() -> String {
    test_extension("hostile").to_string_lossy().into_owned()
}

/// A batch on a pipe: SIGINT during `statement` gives the interrupt error, the lines after it
/// are not read, and sqlink exits with status 1 (not killed by the signal).
fn interrupt_batch(args: &[&str], setup: &str, statement: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut session = Watched::spawn(command(dir.path(), args));
    session.write(&format!("{setup}\nSELECT 'run' || 'ning';\n{statement}\nSELECT 'not' || ' read';\n"));
    session.wait_for("running\n");
    std::thread::sleep(Duration::from_millis(300));
    session.sigint();
    let (stdout, stderr, code) = session.finish();
    assert_eq!((stdout.as_str(), stderr.as_str(), code), ("running\n", "Runtime error near line 3: interrupted (9)\n", Some(1)));
}

#[test]
fn sigint_interrupts_a_batch_query_and_stops_reading() {
    interrupt_batch(&[], "CREATE TABLE t(x);", ENDLESS);
}

#[test]
fn sigint_interrupts_a_long_extension_call() {
    // The time limit is far away: the interrupt, not the limit, stops the call.
    interrupt_batch(&["--timeout", "600"], &format!(".load {}", hostile()), "SELECT spin_forever();");
}

#[test]
fn ctrl_c_at_a_terminal_gives_the_prompt_back_and_the_session_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = Watched::spawn(pty_command(dir.path()));
    session.write(&format!("CREATE TABLE t(x); INSERT INTO t VALUES (42);\nSELECT 'run' || 'ning';\n{ENDLESS}\n"));
    session.wait_for("running");
    std::thread::sleep(Duration::from_millis(500));
    session.write("\x03");
    session.wait_for("Runtime error: interrupted (9)");
    session.write("SELECT x * 2 FROM t;\nSELECT 'still' || ' here';\n.quit\n");
    let (stdout, _, code) = session.finish();
    assert!(stdout.contains("84"), "the in-memory database survived: {stdout:?}");
    assert!(stdout.contains("still here"), "{stdout:?}");
    assert_eq!(code, Some(0), "{stdout:?}");
}
