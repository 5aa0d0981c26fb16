//! `sqlink compose`: the runtime with extensions composed in, run by sqlink (`--runtime`) and
//! by a plain wasmtime embedding that links WASI and nothing of sqlink's.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

mod common;

use common::*;

/// The composed files, made once for the tests: md5, uuid and the hostile test extension,
/// needing only WASI; and md5 with the host kept for `.load`.
struct Composed {
    _dir: tempfile::TempDir,
    standalone: PathBuf,
    with_host: PathBuf,
}

fn composed() -> &'static Composed {
    static COMPOSED: OnceLock<Composed> = OnceLock::new();
    COMPOSED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let standalone = dir.path().join("app.wasm");
        let with_host = dir.path().join("app-host.wasm");
        let hostile = test_extension("hostile");
        let with = format!("md5,uuid,{}", hostile.display());
        let run = sqlink_in(dir.path(), &["compose", "--with", &with, "-o", &standalone.to_string_lossy()], "");
        assert_eq!(run.code, 0, "{}", run.stderr);
        let run = sqlink_in(dir.path(), &["compose", "--with", "md5", "--host", "-o", &with_host.to_string_lossy()], "");
        assert_eq!(run.code, 0, "{}", run.stderr);
        Composed { _dir: dir, standalone, with_host }
    })
}

struct Plain {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Plain {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// Run `component`'s REPL on `stdin` with only WASI linked: (stdout, stderr, whether
/// `wasi:cli/run` returned rather than trapped).
fn run_on_wasi_alone(component: &Path, stdin: &str) -> (String, String, Result<(), String>) {
    let engine = Engine::default();
    let component = Component::from_file(&engine, component).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let stdout = MemoryOutputPipe::new(1 << 20);
    let stderr = MemoryOutputPipe::new(1 << 20);
    let wasi = WasiCtxBuilder::new()
        .args(&["app"])
        .stdin(MemoryInputPipe::new(stdin.to_owned()))
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .build();
    let mut store = Store::new(&engine, Plain { wasi, table: ResourceTable::new() });
    let command = Command::instantiate(&mut store, &component, &linker).unwrap();
    let outcome = match command.wasi_cli_run().call_run(&mut store) {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("{e:?}")),
    };
    let text = |pipe: MemoryOutputPipe| String::from_utf8_lossy(&pipe.contents()).into_owned();
    (text(stdout), text(stderr), outcome)
}

#[test]
fn a_plain_wasi_embedding_runs_the_composed_repl() {
    let (stdout, stderr, outcome) = run_on_wasi_alone(
        &composed().standalone,
        "SELECT md5('abc');\nSELECT length(uuid()), md5_agg(x) FROM (SELECT 'a' AS x UNION ALL SELECT 'bc');\n.load snake\nSELECT sqlite_version() > '3';\n",
    );
    assert_eq!(outcome, Ok(()));
    assert_eq!(stdout, "900150983cd24fb0d6963f7d28e17f72\n36|900150983cd24fb0d6963f7d28e17f72\n1\n");
    assert!(stderr.contains("cannot load snake: this runtime runs without a sqlink host"), "{stderr}");
}

#[test]
fn sqlink_runs_a_composed_runtime_with_its_extensions_registered() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = composed().standalone.to_string_lossy().into_owned();
    let run = sqlink_in(dir.path(), &["--runtime", &runtime], "SELECT md5('abc');\n.extensions\n");
    assert_eq!(run.stderr, "");
    assert_eq!(run.code, 0);
    let mut lines = run.stdout.lines();
    assert_eq!(lines.next(), Some("900150983cd24fb0d6963f7d28e17f72"));
    for name in ["md5", "uuid", "hostile"] {
        assert!(run.stdout.contains(name), "{name} not listed:\n{}", run.stdout);
    }
    assert!(run.stdout.contains("composed"), "{}", run.stdout);
}

#[test]
fn with_the_host_kept_other_extensions_load_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = composed().with_host.to_string_lossy().into_owned();
    let run = sqlink_in(
        dir.path(),
        &["--runtime", &runtime],
        "SELECT md5('abc');\n.load snake\nSELECT to_snake_case('HelloWorld'), md5('a');\n.unload md5\nSELECT md5('x');\n.load md5\n",
    );
    assert_eq!(
        run.stdout,
        "900150983cd24fb0d6963f7d28e17f72\nhello_world|0cc175b9c0f1b6a831c399e269772661\n9dd4e461268c8034f5c8564e155c67a6\n"
    );
    assert_eq!(
        run.stderr,
        "Error: cannot unload md5: it is composed into the runtime\nError: md5 is composed into this runtime and already loaded\n"
    );
}

#[test]
fn compose_refuses_what_the_router_cannot_take() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.wasm").to_string_lossy().into_owned();
    let old = test_extension("rust-0.1.0").to_string_lossy().into_owned();
    let run = sqlink_in(dir.path(), &["compose", "--with", &old, "-o", &out], "");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("built against sqlite:extension@0.1.0; compose takes 0.5.0 extensions only"), "{}", run.stderr);
    let older = test_extension("rust-0.2.0").to_string_lossy().into_owned();
    let run = sqlink_in(dir.path(), &["compose", "--with", &format!("md5,{older}"), "-o", &out], "");
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.lines().filter(|l| !l.trim().is_empty()).count(),
        1,
        "one message for the one refused extension:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("built against sqlite:extension@0.2.0; compose takes 0.5.0 extensions only"), "{}", run.stderr);
    let connection = test_extension("connection").to_string_lossy().into_owned();
    let run = sqlink_in(dir.path(), &["compose", "--with", &connection, "-o", &out], "");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("which a composed runtime does not provide"), "{}", run.stderr);
    let run = sqlink_in(dir.path(), &["compose", "--with", "nosuch", "-o", &out], "");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no extension named \"nosuch\""), "{}", run.stderr);
    assert!(!Path::new(&out).exists());
}

/// A composed extension is part of the runtime: a trap in it cannot be caught inside the
/// composition, so it ends the run with the extension's panic message, after what ran before.
#[test]
fn a_trap_in_a_composed_extension_ends_the_run_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = composed().standalone.to_string_lossy().into_owned();
    let run = sqlink_in(dir.path(), &["--runtime", &runtime], "SELECT md5('a');\nSELECT panic_with('boom');\nSELECT 'after';\n");
    assert_eq!(run.stdout, "0cc175b9c0f1b6a831c399e269772661\n");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("boom"), "{}", run.stderr);
    assert!(run.stderr.contains("sqlink: the runtime failed"), "{}", run.stderr);
}

/// Virtual tables, one script: vsv's read-only table of inline text, and the test extension
/// `tables`' writable `memtable` (its plan, writes, a rolled-back transaction, a savepoint,
/// ALTER TABLE RENAME, DROP TABLE), then a bad argument.
const TABLES_SCRIPT: &str =
    "CREATE VIRTUAL TABLE temp.fruit USING vsv(data='1;apple,2;pear,3;fig', fsep=;, rsep=',', affinity=integer, columns=2);
SELECT c0 * 10, c1 FROM fruit WHERE c0 > 1;
CREATE VIRTUAL TABLE m USING memtable;
INSERT INTO m VALUES ('b', 2), ('a', 1), ('c', 3);
SELECT value FROM m WHERE key = 'b';
EXPLAIN QUERY PLAN SELECT value FROM m WHERE key = 'b';
SELECT key FROM m ORDER BY key;
UPDATE m SET value = value * 10 WHERE key = 'a';
DELETE FROM m WHERE key = 'c';
BEGIN; INSERT INTO m VALUES ('x', 0); ROLLBACK;
BEGIN; INSERT INTO m VALUES ('d', 4); SAVEPOINT s; UPDATE m SET value = 0; ROLLBACK TO s; RELEASE s; COMMIT;
SELECT m.key, m.value, fruit.c1 FROM m LEFT JOIN fruit ON fruit.c0 = m.value ORDER BY m.key;
ALTER TABLE m RENAME TO n;
SELECT key, value FROM n ORDER BY key;
DROP TABLE n;
CREATE VIRTUAL TABLE w USING memtable(x = 1);
SELECT count(*) FROM fruit;
";

/// What the script prints with vsv and `tables` loaded through the host (checked here too,
/// so that the runs compared with it cannot all fail alike).
const TABLES_OUTPUT: &str =
    "20|pear\n30|fig\n2\n2|0|33|SCAN m VIRTUAL TABLE INDEX 1:key=?\na\nb\nc\na|10|\nb|2|pear\nd|4|\na|10\nb|2\nd|4\n3\n";

/// Virtual tables of composed extensions answer as they do loaded through the host: in
/// `sqlink --runtime`, in a plain WASI embedding, and, with the host kept, a loaded
/// extension's tables pass through the router to the host.
#[test]
fn virtual_tables_of_composed_extensions_answer_as_loaded_ones() {
    let dir = tempfile::tempdir().unwrap();
    let tables = test_extension("tables").to_string_lossy().into_owned();
    let app = dir.path().join("tables.wasm").to_string_lossy().into_owned();
    let run = sqlink_in(dir.path(), &["compose", "--with", &format!("vsv,{tables}"), "-o", &app], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let loaded = format!(".load vsv\n.load {tables}\n{TABLES_SCRIPT}");
    // As many lines before the script, so that errors name the same line.
    let composed_in = format!("-- vsv is composed in\n-- and tables\n{TABLES_SCRIPT}");

    let reference = sqlink_in(dir.path(), &[], &loaded);
    assert_eq!(reference.stdout, TABLES_OUTPUT);
    assert_eq!(reference.stderr, "Runtime error near line 18: memtable takes no arguments, not x = 1\n");

    let in_runtime = sqlink_in(dir.path(), &["--runtime", &app], &composed_in);
    assert_eq!((in_runtime.stdout.as_str(), in_runtime.stderr.as_str()), (reference.stdout.as_str(), reference.stderr.as_str()));

    let (stdout, stderr, outcome) = run_on_wasi_alone(Path::new(&app), &composed_in);
    assert_eq!(outcome, Ok(()));
    assert_eq!((stdout.as_str(), stderr.as_str()), (reference.stdout.as_str(), reference.stderr.as_str()));

    let with_host = composed().with_host.to_string_lossy().into_owned();
    let through_host = sqlink_in(dir.path(), &["--runtime", &with_host], &loaded);
    assert_eq!((through_host.stdout.as_str(), through_host.stderr.as_str()), (reference.stdout.as_str(), reference.stderr.as_str()));
}
