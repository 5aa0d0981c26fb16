//! Hostile extensions (test-extensions/, built by `cargo xtask build`) through `sqlink`:
//! each misdeed gives one clear error, the next statement works, and a file database
//! written before and inside the same transaction is intact afterwards.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Run `misdeed` inside a transaction on a file database, with `args` for the host, and
/// return the session's stderr after checking that everything around it survived.
fn misbehave_in_a_transaction(args: &[&str], misdeed: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let hostile = test_extension("hostile");
    let mut argv = args.to_vec();
    argv.push("data.db");
    let script = format!(
        ".load {}
CREATE TABLE t(x);
INSERT INTO t VALUES ('before');
BEGIN;
INSERT INTO t VALUES ('in transaction');
{misdeed}
SELECT 'next: ' || busy(3);
INSERT INTO t VALUES ('after');
COMMIT;
",
        hostile.display()
    );
    let run = sqlink_in(dir.path(), &argv, &script);
    assert_eq!(run.stdout, "next: 3\n", "for {misdeed}; stderr: {}", run.stderr);
    assert_eq!(run.code, 1, "an error happened, so the exit code says so");

    let check = sqlink_in(dir.path(), &["data.db"], "SELECT group_concat(x, ',') FROM t;\nPRAGMA integrity_check;\n");
    assert_eq!(check.stdout, "before,in transaction,after\nok\n", "database after {misdeed}");
    assert_eq!(check.stderr, "");
    run.stderr
}

#[test]
fn a_panic_is_an_error_with_its_message() {
    let stderr = misbehave_in_a_transaction(&[], "INSERT INTO t VALUES (panic_with('it all went wrong'));");
    assert_eq!(stderr, "Runtime error near line 6: hostile: panic_with() panicked: it all went wrong\n");
}

#[test]
fn an_endless_loop_is_stopped_at_the_deadline() {
    let stderr = misbehave_in_a_transaction(&["--timeout", "0.5"], "INSERT INTO t SELECT spin_forever();");
    assert_eq!(stderr, "Runtime error near line 6: hostile: spin_forever() was stopped after 500ms (time limit)\n");
}

#[test]
fn memory_growth_stops_at_the_cap() {
    let stderr = misbehave_in_a_transaction(&["--memory", "64"], "SELECT grow(100);");
    assert_eq!(stderr, "Runtime error near line 6: hostile: grow() ran out of memory (limit 64 MiB)\n");
}

/// The REPL's `--memory` takes what libsqlink's `memory_mib` takes (one rule, the sandbox's):
/// 1 to 4096 MiB; anything else is one error before the session starts.
#[test]
fn memory_limits_outside_1_to_4096_mib_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for mib in ["0", "4097"] {
        let run = sqlink_in(dir.path(), &["--memory", mib], "SELECT 1;\n");
        assert_eq!(run.code, 1, "--memory {mib}: {}", run.stderr);
        assert_eq!(run.stdout, "", "--memory {mib}");
        assert_eq!(run.stderr, format!("sqlink: --memory: the memory limit must be 1 to 4096 MiB, not {mib}\n"));
    }
    let run = sqlink_in(dir.path(), &["--memory", "4096"], "SELECT 1;\n");
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("1\n", ""));
}

#[test]
fn memory_under_the_cap_is_fine() {
    let out = ok_with(&["--memory", "64"], &format!(".load {}\nSELECT grow(16);\n", test_extension("hostile").display()));
    assert_eq!(out, "16777216\n");
}

#[test]
fn a_giant_result_is_too_big_not_a_host_allocation() {
    let stderr = misbehave_in_a_transaction(&["--memory", "512"], "SELECT length(giant(200 * 1024 * 1024));");
    assert_eq!(stderr, "Runtime error near line 6: hostile: giant() returned more than 128 MiB, the most an extension may return (18)\n");
}

#[test]
fn a_slow_function_finishes_within_the_deadline() {
    let out = ok_with(&[], &format!(".load {}\nSELECT busy(20000000);\n", test_extension("hostile").display()));
    assert_eq!(out, "20000000\n");
}

#[test]
fn errors_in_aggregate_step_and_finalize() {
    let stderr = misbehave_in_a_transaction(
        &[],
        "SELECT fail_at_end(rowid) FROM t;\nSELECT panic_on_negative(x) FROM (SELECT 1 x UNION ALL SELECT -5 UNION ALL SELECT 2);",
    );
    assert_eq!(
        stderr,
        "Runtime error near line 6: fail_at_end(): gave up after 2 rows\nRuntime error near line 7: hostile: panic_on_negative() panicked: negative value -5\n"
    );
    // The aggregate's next run starts from a clean state.
    let out = ok_with(
        &[],
        &format!(".load {}\nSELECT panic_on_negative(x) FROM (SELECT 1 x UNION ALL SELECT 2);\n", test_extension("hostile").display()),
    );
    assert_eq!(out, "3\n");
}

/// Like `ok`, with host arguments.
fn ok_with(args: &[&str], stdin: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let run = sqlink_in(dir.path(), args, stdin);
    assert_eq!(run.stderr, "", "stderr for {stdin:?}");
    assert_eq!(run.code, 0);
    run.stdout
}

#[test]
fn loading_refuses_what_is_not_an_extension_or_asks_too_much() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("text.wasm"), "this is not wasm").unwrap();
    std::fs::write(dir.path().join("core.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let script = format!(
        ".load text.wasm
.load core.wasm
.load {command}
.load {network}
.load {clock}
.load {duplicate}
.load {hostile}
.extensions
",
        command = test_extension("command").display(),
        network = test_extension("network").display(),
        clock = test_extension("clock").display(),
        duplicate = test_extension("duplicate").display(),
        hostile = test_extension("hostile").display(),
    );
    let run = sqlink_in(dir.path(), &[], &script);
    let here = dir.path().canonicalize().unwrap();
    let expected = [
        format!("cannot load {}/text.wasm: not a WebAssembly file", here.display()),
        format!(
            "cannot load {}/core.wasm: a core WebAssembly module, not a component; build it for the wasm32-wasip2 target (or wrap it with `wasm-tools component new`)",
            here.display()
        ),
        format!(
            "cannot load {}: not a sqlite extension: it does not export sqlite:extension/metadata",
            test_extension("command").display()
        ),
        format!("cannot load {}: duplicate: twice is declared twice", test_extension("duplicate").display()),
    ];
    let expected: String = expected.iter().map(|line| format!("Error: {line}\n")).collect();
    assert_eq!(run.stderr, expected);
    // Importing sockets or clocks is no reason to refuse: those are denied when used.
    let loaded: Vec<&str> = run.stdout.lines().filter(|l| !l.starts_with(' ')).map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(loaded, ["network", "clock", "hostile"]);
}

#[test]
fn the_network_is_denied_when_used_with_what_was_tried() {
    let run = sqlink(&format!(".load {}\nSELECT connect('127.0.0.1:9');\nSELECT 'still here';\n", test_extension("network").display()));
    assert_eq!(run.stdout, "still here\n");
    assert_eq!(
        run.stderr,
        "Runtime error near line 2: network: connect() failed: it tried the network (wasi:sockets/tcp-create-socket#create-tcp-socket): extensions get no network access, and no flag grants it\n"
    );
}

#[test]
fn the_clock_is_granted_for_reading_never_for_sleeping() {
    let clock = test_extension("clock");
    // Without the grant the clock reads the Unix epoch: runtimes start, no time leaks.
    let out = sqlink(&format!(".load {}\nSELECT now_ms();\nSELECT sleep_ms(10);\n", clock.display()));
    assert_eq!(out.stdout, "0\n");
    assert_eq!(out.stderr, "Runtime error near line 3: clock: sleep_ms() failed: extensions may not sleep or wait on a clock\n");

    let dir = tempfile::tempdir().unwrap();
    let run = sqlink_in(
        dir.path(),
        &["--allow-clock"],
        &format!(".load {}\nSELECT now_ms() > 1700000000000;\nSELECT sleep_ms(10);\nSELECT 'still here';\n", clock.display()),
    );
    assert_eq!(run.stdout, "1\nstill here\n");
    assert_eq!(run.stderr, "Runtime error near line 3: clock: sleep_ms() failed: extensions may not sleep or wait on a clock\n");
}

#[test]
fn files_and_environment_are_denied_unless_granted() {
    let dir = tempfile::tempdir().unwrap();
    let granted = dir.path().canonicalize().unwrap().join("granted");
    std::fs::create_dir(&granted).unwrap();
    std::fs::write(granted.join("secret.txt"), "secret").unwrap();
    let script = format!(
        ".load {}\nSELECT require_env('SQLINK_TEST_SECRET');\nSELECT env_var('SQLINK_TEST_SECRET') IS NULL;\nSELECT read_file('{}');\n",
        test_extension("hostile").display(),
        granted.join("secret.txt").display()
    );

    let mut denied = command(dir.path(), &[]);
    denied.env("SQLINK_TEST_SECRET", "from the environment");
    let run = run_with_stdin(denied, &script);
    assert_eq!(run.stdout, "1\n");
    // A failing call that asked for what is withheld names the flag that grants it (a
    // runtime asks once: later calls of the same instance fail without the note).
    assert_eq!(
        run.stderr,
        format!(
            "Runtime error near line 2: SQLINK_TEST_SECRET is not set (it read the environment, which is empty without --allow-env)\n\
             Runtime error near line 4: read_file({}): No such file or directory (os error 44) (it looked for files, but no directory is granted: \
             --allow-dir DIR grants one)\n",
            granted.join("secret.txt").display()
        )
    );

    let granted_dir = granted.display().to_string();
    let mut allowed = command(dir.path(), &["--allow-env", "--allow-dir", &granted_dir]);
    allowed.env("SQLINK_TEST_SECRET", "from the environment");
    let script = script.replace("IS NULL", "");
    let run = run_with_stdin(allowed, &script);
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout, "from the environment\nfrom the environment\nsecret\n");
}

/// What is not an extension is refused from its imports and exports alone: nothing is
/// compiled (the compile cache stays empty), however large the component.
#[test]
fn a_component_that_is_no_extension_is_refused_before_compiling() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut cmd = command(dir.path(), &[]);
    cmd.env("SQLINK_CACHE_DIR", cache.path());
    let script = format!(".load {}\n", test_extension("command").display());
    let run = run_with_stdin(cmd, &script);
    assert!(run.stderr.contains("does not export sqlite:extension/metadata"), "{}", run.stderr);
    let compiled: Vec<_> = walk(cache.path());
    // Nothing was compiled: not the refused component, and not the runtime, whose machine
    // code is built into sqlink.
    assert!(compiled.is_empty(), "cache entries: {compiled:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A large component says it is compiling (seconds, the first time) instead of looking hung;
/// from the cache it loads silently.
#[test]
fn a_large_component_is_announced_while_it_compiles_once() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    // md5.wasm with a 3 MB custom section: the same extension, as large as a language runtime.
    let mut bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasm/md5.wasm")).unwrap();
    let name = b"padding";
    let payload = vec![0u8; 3_000_000];
    let mut section = vec![name.len() as u8];
    section.extend_from_slice(name);
    section.extend_from_slice(&payload);
    bytes.push(0); // custom section
    let mut len = section.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        bytes.push(if len == 0 { byte } else { byte | 0x80 });
        if len == 0 {
            break;
        }
    }
    bytes.extend_from_slice(&section);
    let big = dir.path().join("big.wasm");
    std::fs::write(&big, &bytes).unwrap();
    let session = |_| {
        let mut cmd = command(dir.path(), &[]);
        cmd.env("SQLINK_CACHE_DIR", cache.path());
        run_with_stdin(cmd, &format!(".load {}\nSELECT md5('abc');\n", big.display()))
    };
    let first = session(());
    assert_eq!(first.stdout, "900150983cd24fb0d6963f7d28e17f72\n");
    let megabytes = bytes.len() as f64 / 1e6;
    assert_eq!(first.stderr, format!("compiling {} ({megabytes:.1} MB), cached after this\n", big.display()));
    let second = session(());
    assert_eq!((second.stdout.as_str(), second.stderr.as_str()), ("900150983cd24fb0d6963f7d28e17f72\n", ""));
}

/// An extension may not replace SQLite's own functions or collations unless it is loaded
/// with --override; `.extensions` then says what it replaced, and it stays loaded (SQLite
/// cannot bring its own back on an open database).
#[test]
fn sqlites_own_functions_are_replaced_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let shadow = test_extension("shadow");
    let script = format!(
        ".load {0}\nSELECT upper('abc');\n.load {0} --override\nSELECT upper('abc'), 'B' < 'a' COLLATE nocase;\n.extensions\n\
         .unload shadow\nSELECT upper('x');\n.load md5 --overide\n",
        shadow.display()
    );
    let run = sqlink_in(dir.path(), &[], &script);
    assert_eq!(
        run.stdout,
        format!(
            "ABC\nshadowed abc|1\nshadow 0.1.0 ({})\n  replaces SQLite's upper(), collation nocase (loaded with --override)\n\
             \x20 contract  sqlite:extension@0.5.0 (metadata, scalar-function, scalar-by-arity, aggregate-function, collation, table-function, virtual-table, hooks, dynamic-function)\n\
             \x20 scalar    upper(x)  Not upper case at all: shows whose `upper` ran.\n\
             \x20 collation nocase    Orders by length, then bytes: shows whose `nocase` ran.\nshadowed x\n",
            shadow.display()
        )
    );
    assert_eq!(
        run.stderr,
        format!(
            "Error: cannot load {}: upper() is already defined in this SQLite (built in, or by the program); \
             `.load NAME --override` replaces it\nError: cannot unload shadow: it replaced SQLite's upper(), collation nocase, which cannot be \
             restored on an open database\nUsage: .load NAME|PATH ?--override?\n",
            shadow.display()
        )
    );
}
