//! Running the `sqlink` binary as a user does, shared by the end-to-end tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// A compile cache shared by the tests, so the runtime is compiled once.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlink-test-cache")
}

pub fn command(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sqlink"));
    cmd.args(args).current_dir(cwd).env("SQLINK_CACHE_DIR", cache_dir()).env_remove("SQLINK_PATH");
    cmd
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

pub fn run_with_stdin(mut command: Command, stdin: &str) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sqlink binary");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    finish(child.wait_with_output().unwrap())
}

pub fn sqlink(stdin: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    sqlink_in(dir.path(), &[], stdin)
}

/// Output of a script that must succeed with nothing on stderr.
pub fn ok(stdin: &str) -> String {
    let run = sqlink(stdin);
    assert_eq!(run.stderr, "", "stderr for {stdin:?}");
    assert_eq!(run.code, 0);
    run.stdout
}

