//! The `sqlink` binary end to end, as a user drives it: stdin scripts, a pty, files.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;

mod common;

use common::*;

#[test]
fn load_uuid_and_md5_as_in_the_readme() {
    let run = sqlink(".load uuid\nSELECT length(uuid());\n.load md5\nSELECT md5('abc');\n");
    assert_eq!(run.stdout, "36\n900150983cd24fb0d6963f7d28e17f72\n");
    assert_eq!(run.stderr, "");
    assert_eq!(run.code, 0);
}

/// `cargo xtask build` compiles the runtime and the bundled extensions into sqlink: a first
/// start on a machine with an empty cache, loading every bundled extension, compiles
/// nothing (a compiled component would be cached).
#[test]
fn a_first_start_with_an_empty_cache_compiles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut cmd = command(dir.path(), &[":memory:"]);
    cmd.env("SQLINK_CACHE_DIR", cache.path());
    let run = run_with_stdin(
        cmd,
        ".load uuid\n.load md5\n.load snake\n.load stats\n.load regexp\nSELECT md5('a'), median(1), 'ab' REGEXP 'b';\n",
    );
    assert_eq!(run.stderr, STATS_KEEPS);
    assert_eq!(run.stdout, "0cc175b9c0f1b6a831c399e269772661|1.0|1\n");
    let cached: Vec<_> = std::fs::read_dir(cache.path()).unwrap().collect();
    assert!(cached.is_empty(), "compiled and cached: {cached:?}");
}

#[test]
fn uuid_is_not_folded_into_one_value() {
    let out = ok(".load uuid
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
SELECT count(DISTINCT uuid()), count(DISTINCT uuid7()) FROM n;\n");
    assert_eq!(out, "100|100\n");
}

#[test]
fn snake_and_uuid_helpers() {
    let out = ok(".load snake\n.load uuid
SELECT to_snake_case('HelloWorld'), to_kebab_case('HelloWorld'), to_title_case('hello_world');
SELECT uuid_str(uuid_blob('{018F6D2A-7C2E-7B1A-9C3D-4E5F60718293}')), uuid7_timestamp_ms('018f6d2a-7c2e-7b1a-9c3d-4e5f60718293');
SELECT uuid_str('nonsense') IS NULL;\n");
    assert_eq!(out, "hello_world|hello-world|Hello World\n018f6d2a-7c2e-7b1a-9c3d-4e5f60718293|1715523451950\n1\n");
}

#[test]
fn regexp_gives_sql_its_regexp_operator() {
    let out = ok(".load regexp
CREATE TABLE t(x); INSERT INTO t VALUES ('abc123'), ('Grüße'), ('none'), (NULL);
SELECT x FROM t WHERE x REGEXP '\\d+$' OR x REGEXP '^\\w+e$' ORDER BY x;
SELECT regexp_substr('tel 555-1234', '\\d{3}-\\d{4}'), regexp_replace('2024-01-31', '(\\d+)-(\\d+)-(\\d+)', '$3.$2.$1');
SELECT regexp_capture('key=value', '(\\w+)=(\\w+)', 2), regexp_capture('key=value', '\\w+'), regexp_like(NULL, 'x') IS NULL;
");
    // As sqlean's: regexp_like of NULL text is 0.
    assert_eq!(out, "Grüße\nabc123\nnone\n555-1234|31.01.2024\nvalue|key|0\n");
    let run = sqlink(".load regexp\nSELECT 'x' REGEXP '(';\nSELECT 'still here';\n");
    assert_eq!(
        run.stderr,
        "Runtime error near line 2: regexp(): invalid regular expression '(': Opening parenthesis without closing parenthesis\n"
    );
    assert_eq!(run.stdout, "still here\n");
}

#[test]
fn a_file_database_persists_across_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let first = sqlink_in(
        dir.path(),
        &["my.db"],
        "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);\nINSERT INTO notes(body) VALUES ('first'), ('second');\n",
    );
    assert_eq!((first.stdout.as_str(), first.stderr.as_str(), first.code), ("", "", 0));
    assert!(dir.path().join("my.db").exists());
    let second = sqlink_in(
        dir.path(),
        &["my.db"],
        "SELECT id, body FROM notes ORDER BY id;\nPRAGMA integrity_check;\nSELECT count(*) FROM pragma_table_info('notes');\n",
    );
    assert_eq!(second.stdout, "1|first\n2|second\nok\n2\n", "pragmas answer on a file database too");
    // A database in another directory, named by an absolute path.
    let other = tempfile::tempdir().unwrap();
    let path = other.path().join("abs.db");
    let path = path.to_str().unwrap();
    sqlink_in(dir.path(), &[path], "CREATE TABLE t(x); INSERT INTO t VALUES (7);\n");
    assert_eq!(sqlink_in(dir.path(), &[path], "SELECT x FROM t;\n").stdout, "7\n");
}

#[test]
fn output_modes() {
    let setup = "CREATE TABLE t(n INTEGER, r REAL, s TEXT, z);
INSERT INTO t VALUES (1, 2.5, 'plain', NULL), (-7, 1e20, 'a,\"b\"', 'x');\n";
    let q = "SELECT * FROM t;\n";
    assert_eq!(ok(&format!("{setup}{q}")), "1|2.5|plain|\n-7|1.0e+20|a,\"b\"|x\n");
    assert_eq!(ok(&format!("{setup}.headers on\n{q}")), "n|r|s|z\n1|2.5|plain|\n-7|1.0e+20|a,\"b\"|x\n");
    assert_eq!(ok(&format!("{setup}.nullvalue NULL\n{q}")), "1|2.5|plain|NULL\n-7|1.0e+20|a,\"b\"|x\n");
    assert_eq!(ok(&format!("{setup}.mode csv\n.headers on\n{q}")), "n,r,s,z\r\n1,2.5,plain,\r\n-7,1.0e+20,\"a,\"\"b\"\"\",x\r\n");
    assert_eq!(
        ok(&format!("{setup}.mode json\n{q}")),
        "[{\"n\":1,\"r\":2.5,\"s\":\"plain\",\"z\":null},\n{\"n\":-7,\"r\":1.0e+20,\"s\":\"a,\\\"b\\\"\",\"z\":\"x\"}]\n"
    );
    // Control characters as sqlite3 -json writes them (checked against Debian's sqlite3).
    assert_eq!(
        ok(".mode json\nSELECT char(8) || char(12) || char(1) || char(9) || 'é\"\\' AS a;\n"),
        "[{\"a\":\"\\b\\f\\u0001\\té\\\"\\\\\"}]\n"
    );
    assert_eq!(
        ok(&format!("{setup}.mode line\n{q}")),
        "    n = 1\n    r = 2.5\n    s = plain\n    z = \n\n    n = -7\n    r = 1.0e+20\n    s = a,\"b\"\n    z = x\n"
    );
    assert_eq!(
        ok(&format!("{setup}.mode box\n{q}")),
        "┌────┬─────────┬───────┬───┐
│ n  │    r    │   s   │ z │
├────┼─────────┼───────┼───┤
│ 1  │ 2.5     │ plain │   │
│ -7 │ 1.0e+20 │ a,\"b\" │ x │
└────┴─────────┴───────┴───┘
"
    );
    assert_eq!(
        ok(&format!("{setup}.mode table\n{q}")),
        "+----+---------+-------+---+
| n  |    r    |   s   | z |
+----+---------+-------+---+
| 1  | 2.5     | plain |   |
| -7 | 1.0e+20 | a,\"b\" | x |
+----+---------+-------+---+
"
    );
}

#[test]
fn reals_print_as_sqlite_prints_them() {
    assert_eq!(
        ok("SELECT 1.0 / 3, 0.1 + 0.2, 100.0, 1e15, 2.0 / 3 * 1e10;\n"),
        "0.33333333333333332|0.30000000000000004|100.0|1000000000000000.0|6666666666.666666\n"
    );
}

#[test]
fn statements_span_lines_and_share_lines() {
    assert_eq!(ok("SELECT\n  1 +\n  2;\nSELECT 'a'; SELECT 'b';\n"), "3\na\nb\n");
}

#[test]
fn tables_schema_open_and_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("setup.sql"), "CREATE TABLE beta(x);\nCREATE VIEW alpha AS SELECT 1;\n.mode csv\n").unwrap();
    let run = sqlink_in(
        dir.path(),
        &[],
        ".read setup.sql\n.tables\n.schema beta\nSELECT 1, 2;\n.open other.db\n.tables\nCREATE TABLE gamma(y);\n.tables\n.tables g%\n",
    );
    assert_eq!(run.stderr, "");
    // As sqlite3: each name padded to the longest, the last one too.
    assert_eq!(run.stdout, "alpha  beta \nCREATE TABLE beta(x);\n1,2\r\ngamma\ngamma\n");
    assert!(dir.path().join("other.db").exists());
}

#[test]
fn timer_help_and_quit() {
    let out = ok(".timer on\nSELECT 1;\n.timer off\nSELECT 2;\n");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1");
    // The full format is shell_builtins.rs's timer test.
    assert!(lines[1].starts_with("Run Time: real ") && lines[1].contains(" user ") && lines[1].contains(" sys "), "{out}");
    assert_eq!(lines[2], "2");

    let help = ok(".help\n");
    for command in [
        ".load",
        ".unload",
        ".extensions",
        ".open",
        ".tables",
        ".schema",
        ".mode",
        ".headers",
        ".nullvalue",
        ".timer",
        ".read",
        ".help",
        ".quit",
    ] {
        assert!(help.contains(command), "{command} missing from .help");
    }
    assert_eq!(ok("SELECT 1;\n.quit\nSELECT 2;\n"), "1\n");
}

#[test]
fn extensions_and_unload() {
    let run = sqlink(".extensions\n.load md5\n.extensions\n.unload md5\nSELECT md5('x');\n.extensions\n");
    assert_eq!(
        run.stdout,
        "no extensions loaded; try .load uuid
md5 0.1.0 (bundled)
  contract  sqlite:extension@0.5.0 (metadata, scalar-function, scalar-by-arity, aggregate-function, collation, table-function, virtual-table, hooks, dynamic-function)
  scalar    md5(x)      The MD5 digest of text or a blob as 32 lowercase hex digits; NULL gives NULL.
  aggregate md5_agg(x)  The MD5 digest (lowercase hex) of the concatenation of the non-NULL text or blob values, in the order they are aggregated; NULL if there are none.
no extensions loaded; try .load uuid
"
    );
    assert_eq!(run.stderr, "Parse error near line 5: no such function: md5\n  SELECT md5('x');\n         ^--- error here\n");
}

#[test]
fn errors_are_one_line_and_the_session_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notwasm.wasm"), "hello").unwrap();
    let run = sqlink_in(
        dir.path(),
        &[],
        ".load nosuch\nSELECT 1;\n.load ./notwasm.wasm\nSELECT 2;\nSELEC 3;\nSELECT 4;\nSELECT nofunc(5);\nSELECT 6;\n.load md5\nSELECT md5(7);\n.load md5\n.bogus\nSELECT 8;\n",
    );
    // md5(7) hashes '7', as every SQLite function takes a number where it wants text.
    assert_eq!(run.stdout, "1\n2\n4\n6\n8f14e45fceea167a5a36dedd4bea2543\n8\n");
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        errors,
        [
            "Error: no extension named \"nosuch\": bundled are uuid, md5, snake, stats, regexp, crypto, text, unicode, fuzzy, math, time, ipaddr, fileio, vsv, define, and SQLINK_PATH is not set",
            &format!("Error: cannot load {}/notwasm.wasm: not a WebAssembly file", dir.path().display()),
            "Parse error near line 5: near \"SELEC\": syntax error",
            "  SELEC 3;",
            "  ^--- error here",
            "Parse error near line 7: no such function: nofunc",
            "  SELECT nofunc(5);",
            "         ^--- error here",
            "Error: cannot load md5: md5 is already loaded",
            "Error: unknown command or invalid arguments:  \"bogus\". Enter \".help\" for help",
        ]
    );
    assert_eq!(run.code, 1, "errors in a script give exit status 1, as sqlite3");
}

#[test]
fn bail_stops_at_the_first_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = sqlink_in(dir.path(), &["-bail"], "SELECT 1;\nSELECT nofunc();\nSELECT 2;\n");
    assert_eq!(run.stdout, "1\n");
    assert_eq!(run.stderr, "Parse error near line 2: no such function: nofunc\n  SELECT nofunc();\n         ^--- error here\n");
    assert_eq!(run.code, 1);
}

#[test]
fn sql_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = sqlink_in(dir.path(), &["-header", ":memory:", "SELECT 6 * 7 AS answer"], "");
    assert_eq!(run.stdout, "answer\n42\n");
}

#[test]
fn interactive_session_in_a_pty() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_with_stdin(pty_command(dir.path()), ".load md5\nSELECT md5('abc')\n;\n.quit\n");
    assert!(run.stdout.contains("sqlink> "), "prompt missing: {:?}", run.stdout);
    assert!(run.stdout.contains("   ...> "), "continuation prompt missing: {:?}", run.stdout);
    assert!(run.stdout.contains("900150983cd24fb0d6963f7d28e17f72"), "{:?}", run.stdout);
    assert!(run.stdout.contains("Enter \".help\""), "banner missing: {:?}", run.stdout);
    assert_eq!(run.code, 0, "{run:?}", run = run.stderr);
    let history = std::fs::read_to_string(dir.path().join(".sqlink_history")).unwrap_or_default();
    assert!(history.contains("SELECT md5('abc')"), "history: {history:?}");
}

#[test]
fn an_extension_built_outside_the_repo_loads_by_path_and_by_name() {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk").canonicalize().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("greet");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"greet\"\nversion = \"1.2.3\"\nedition = \"2024\"\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n\
             [dependencies]\nsqlink-sdk = {{ path = {:?} }}\n\n[workspace]\n",
            sdk.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        krate.join("src/lib.rs"),
        r#"use sqlink_sdk::{export_extension, sqlite_scalar};

/// Greet someone.
#[sqlite_scalar(deterministic)]
fn greet(name: &str) -> String {
    format!("hello, {name}")
}

export_extension! { name: "greet", scalars: [greet] }
"#,
    )
    .unwrap();
    // A target dir that outlives the test keeps reruns fast.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("external-extension");
    let status = wasm_cargo()
        .args(["build", "--release", "--target", "wasm32-wasip2", "--quiet"])
        .current_dir(&krate)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .unwrap();
    assert!(status.success());
    let wasm = target.join("wasm32-wasip2/release/greet.wasm");
    let wasm_str = wasm.to_str().unwrap();

    let run = sqlink_in(dir.path(), &[], &format!(".load {wasm_str}\nSELECT greet('world');\n.extensions\n"));
    assert_eq!(run.stderr, "");
    let contract = format!(
        "sqlite:extension@{} (metadata, scalar-function, scalar-by-arity, aggregate-function, collation, table-function, virtual-table, hooks, dynamic-function)",
        sqlink_rules::contract::NEWEST
    );
    assert_eq!(
        run.stdout,
        format!("hello, world\ngreet 1.2.3 ({wasm_str})\n  contract  {contract}\n  scalar    greet(x)  Greet someone.\n")
    );

    let lib = dir.path().join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::copy(&wasm, lib.join("greet.wasm")).unwrap();
    let mut cmd = command(dir.path(), &[]);
    cmd.env("SQLINK_PATH", &lib);
    let run = run_with_stdin(cmd, ".load greet\nSELECT greet('path');\n");
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("hello, path\n", ""));
}

/// An extension that is not built in is compiled at its first load and cached.
#[test]
fn a_second_start_uses_the_compile_cache() {
    let cache = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let script = format!(".load {}\nSELECT identity('x');\n", test_extension("identity").display());
    let run = |_: ()| {
        let mut cmd = command(work.path(), &[]);
        cmd.env("SQLINK_CACHE_DIR", cache.path());
        run_with_stdin(cmd, &script).stdout
    };
    assert_eq!(run(()), "x\n");
    let entries = std::fs::read_dir(cache.path()).unwrap().count();
    assert_eq!(entries, 1, "identity is cached");
    assert_eq!(run(()), "x\n");
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 1, "nothing recompiled");
}

/// A reader that stops early (`sqlink db .dump | head`) ends sqlink quietly, as SIGPIPE ends
/// sqlite3: no trap, no backtrace, status 1.
#[test]
fn a_reader_that_stops_early_ends_the_shell_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = command(dir.path(), &[":memory:", "SELECT value FROM generate_series(1, 1000000)"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 4];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"1\n2\n");
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!((String::from_utf8_lossy(&output.stderr).as_ref(), output.status.code()), ("", Some(1)));
}
