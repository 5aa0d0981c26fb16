//! The contract holds: a component built against any released `sqlite:extension` version
//! keeps loading (README, "Compatibility").
//!
//! - The fixtures of every version (`test-extensions/contract.json`: Rust with wit-bindgen
//!   from the frozen WIT, Python with componentize-py, JavaScript with componentize-js, and
//!   the interim 0.1.0) load beside the bundled md5 (the SDK's, of the newest version) in one
//!   REPL session and in one embedded connection, and answer the same queries as in the
//!   other hosts (the Python suite through libsqlink, the browser tests in the page).
//! - `.extensions`, embed and `sqlink inspect` say which version each was built against.
//! - A released WIT never changes: its content hash is recorded here, and every version
//!   under `wit/extension/` is one the hosts load.

mod common;

use std::path::{Path, PathBuf};

use common::{sqlink_in, test_extension};
use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlink_host::cache::ComponentCache;
use sqlink_host::embed::Extensions;
use sqlink_host::embedded;
use sqlink_host::extension::{Extension, ExtensionEngine, MetadataShape, Sandbox};

/// Each released version's WIT and the SHA-256 of its text, recorded when it was released.
/// A released version never changes: a change to its records, variants or signatures takes
/// a new version (a new folder, recorded here), which every host must then load too.
const RELEASED: &[(&str, &str)] = &[
    // As first published on 24 November 2026 (git 145f3c0), restored byte for byte.
    ("0.1.0", "d49ad84d6b4d4b7b208c8d099544a081aeb0c291364a033267597624d0430777"),
    ("0.2.0", "d8ab4ea89b4861cf37e935ad0e46b6cb497bdfd1dd6ae15f661f9f438ba77afb"),
    // Virtual tables with writes, hooks and the `connection` import (4 December 2026).
    ("0.3.0", "b0adc1175f83bc85912169bf33da8fc0e9c644cbf137eddd62c188e324090d6e"),
    // Functions defined at run time and a write's conflict mode on `connection`, and the
    // `dynamic-function` export (4 December 2026).
    ("0.4.0", "f70c58ca5a36b4baaf687c3237ccbe0859af942d64cbfdbc0f1082127276029a"),
    // Functions whose body is SQL, run by the host (`connection.create-sql-function`; 5
    // December 2026).
    ("0.5.0", "2f1877b90c512736837a9d12ec0ab7545e6dcc05c5735d9daf371c7df5c28567"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

fn cases() -> Value {
    let text = std::fs::read_to_string(root().join("test-extensions/contract.json")).unwrap();
    serde_json::from_str(&text).expect("test-extensions/contract.json is JSON")
}

fn text(value: &Value) -> &str {
    value.as_str().expect("a string")
}

fn list(value: &Value) -> &[Value] {
    value.as_array().expect("a list")
}

/// A fixture's file under target/wasm/test/ (`cargo xtask build` and `cargo xtask fixtures`).
fn fixture(case: &Value) -> PathBuf {
    let name = text(&case["file"]).trim_end_matches(".wasm");
    let path = root().join(format!("target/wasm/test/{name}.wasm"));
    assert!(path.is_file(), "{} is missing: run `cargo xtask build` and `cargo xtask fixtures`", path.display());
    test_extension(name)
}

/// A row as the REPL's list mode shows it.
fn shown(row: &[Value]) -> String {
    row.iter()
        .map(|value| match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("|")
}

#[test]
fn a_released_contract_never_changes() {
    for (version, recorded) in RELEASED {
        let path = root().join(format!("wit/extension/{version}/extension.wit"));
        let wit = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let hash: String = Sha256::digest(&wit).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hash,
            *recorded,
            "{} changed. A released version never changes: put the change into a new version's folder",
            path.display()
        );
        let package = format!("package sqlite:extension@{version};");
        assert!(String::from_utf8_lossy(&wit).lines().any(|line| line == package), "{} declares another version", path.display());
    }
}

#[test]
fn every_version_in_wit_is_released_and_loaded_by_the_hosts() {
    let mut folders: Vec<String> =
        std::fs::read_dir(root().join("wit/extension")).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    folders.sort();
    let recorded: Vec<&str> = RELEASED.iter().map(|(version, _)| *version).collect();
    assert_eq!(folders, recorded, "a version under wit/extension/ whose hash is not recorded here, or one missing");
    assert_eq!(sqlink_rules::contract::VERSIONS, recorded.as_slice(), "the hosts load every released version (sqlink_rules::contract)");
    // The runtime's own interfaces use the newest version's types.
    let runtime = std::fs::read_to_string(root().join("wit/runtime/runtime.wit")).unwrap();
    for (at, _) in runtime.match_indices("sqlite:extension/") {
        // `use sqlite:extension/types@V.{...}` or `export sqlite:extension/metadata@V;`.
        let name = runtime[at..].split([';', '{']).next().unwrap().trim_end_matches('.');
        assert!(name.ends_with(&format!("@{}", sqlink_rules::contract::NEWEST)), "wit/runtime names {name}, not the newest version");
    }
}

#[test]
fn every_version_loads_and_answers_in_one_repl_session() {
    let cases = cases();
    let dir = tempfile::tempdir().unwrap();
    let mut script = String::from(".load md5\n");
    for case in list(&cases["fixtures"]) {
        script += &format!(".load {}\n", fixture(case).display());
    }
    script += &format!("{}\n", text(&cases["setup"]));
    let mut expected = String::new();
    for query in list(&cases["queries"]) {
        script += &format!("{};\n", text(&query["sql"]));
        for row in list(&query["rows"]) {
            expected += &format!("{}\n", shown(list(row)));
        }
    }
    script += ".extensions\n";
    let run = sqlink_in(dir.path(), &[], &script);
    // The only thing on stderr: the large components (a language runtime inside) compiling
    // the first time.
    assert!(run.stderr.lines().all(|line| line.starts_with("compiling ")), "stderr: {}", run.stderr);
    assert!(run.stdout.starts_with(&expected), "stdout:\n{}\nexpected first:\n{expected}", run.stdout);
    let listing = &run.stdout[expected.len()..];
    let newest = sqlink_rules::contract::NEWEST;
    let md5 = format!(
        "md5 0.1.0 (bundled)\n  contract  sqlite:extension@{newest} (metadata, scalar-function, scalar-by-arity, aggregate-function, collation, table-function, virtual-table, hooks, dynamic-function)\n"
    );
    assert!(listing.starts_with(&md5), ".extensions:\n{listing}");
    for case in list(&cases["fixtures"]) {
        let exports: Vec<&str> = list(&case["exports"]).iter().map(text).collect();
        let entry = format!(
            "{} {} ({})\n  contract  sqlite:extension@{} ({})\n",
            text(&case["name"]),
            text(&case["version"]),
            fixture(case).display(),
            text(&case["contract"]),
            exports.join(", ")
        );
        assert!(listing.contains(&entry), ".extensions lacks\n{entry}in\n{listing}");
    }
}

fn engine() -> ExtensionEngine {
    ExtensionEngine::new(ComponentCache::at(common::cache_dir())).unwrap()
}

fn json(value: SqlValue) -> Value {
    match value {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => Value::from(i),
        SqlValue::Real(r) => Value::from(r),
        SqlValue::Text(t) => Value::from(t),
        SqlValue::Blob(b) => Value::from(b),
    }
}

#[test]
fn every_version_loads_and_answers_on_one_embedded_connection() {
    let cases = cases();
    let conn = Connection::open_in_memory().unwrap();
    let mut extensions = Extensions::new(engine());
    let md5 = embedded::extension("md5").expect("built by `cargo xtask build`");
    extensions.load(&conn, md5, embedded::sandbox("md5"), "bundled").unwrap();
    for case in list(&cases["fixtures"]) {
        let path = fixture(case);
        let bytes = std::fs::read(&path).unwrap();
        let info = extensions.load(&conn, &bytes, Sandbox::default(), &path.to_string_lossy()).unwrap();
        assert_eq!(info.name, text(&case["name"]));
    }
    conn.execute_batch(text(&cases["setup"])).unwrap();
    for query in list(&cases["queries"]) {
        let sql = text(&query["sql"]);
        let mut statement = conn.prepare(sql).unwrap();
        let columns = statement.column_count();
        let rows: Vec<Value> = statement
            .query_map([], |row| (0..columns).map(|i| row.get::<_, SqlValue>(i).map(json)).collect::<Result<Vec<_>, _>>())
            .unwrap()
            .map(|row| Value::from(row.unwrap()))
            .collect();
        assert_eq!(Value::from(rows), query["rows"], "{sql}");
    }
    // The same conflict rules for every version.
    let first = fixture(&list(&cases["fixtures"])[0]);
    let again = extensions.load(&conn, &std::fs::read(&first).unwrap(), Sandbox::default(), "again").err().unwrap();
    assert_eq!(again.to_string(), "rust010 is already loaded");
    let loaded = extensions.loaded();
    assert_eq!(loaded[0].contract.version, sqlink_rules::contract::NEWEST, "md5");
    for (case, loaded) in list(&cases["fixtures"]).iter().zip(&loaded[1..]) {
        assert_eq!(loaded.contract.version, text(&case["contract"]), "{}", loaded.info.name);
        assert_eq!(loaded.contract.exports, list(&case["exports"]).iter().map(text).collect::<Vec<_>>(), "{}", loaded.info.name);
    }
}

#[test]
fn the_shape_of_the_metadata_tells_the_two_0_1_0_apart() {
    let engine = engine();
    let load = |name: &str| Extension::load(&engine, &std::fs::read(test_extension(name)).unwrap(), Sandbox::default()).unwrap();
    let first = load("rust-0.1.0");
    assert_eq!(first.contract().metadata, MetadataShape::WithoutTableFunctions);
    assert_eq!(first.contract().shown(), "sqlite:extension@0.1.0");
    let interim = load("rust-0.1.0-interim");
    assert_eq!(interim.contract().metadata, MetadataShape::WithTableFunctions);
    assert_eq!(interim.contract().shown(), "sqlite:extension@0.1.0 (interim, with table functions)");
    let newest = load("rust-0.2.0");
    assert_eq!(newest.contract().shown(), "sqlite:extension@0.2.0");
}

/// `bytes` with every `@from` of the contract's names renamed `@to` (the same length, so the
/// component stays valid): what a component built against another version would export.
fn renamed(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let (from, to) = (format!("sqlite:extension/{{}}@{from}"), format!("sqlite:extension/{{}}@{to}"));
    let mut out = bytes.to_vec();
    for interface in ["types", "metadata", "scalar-function", "scalar-by-arity", "aggregate-function", "collation", "table-function"] {
        let (old, new) = (from.replace("{}", interface), to.replace("{}", interface));
        let mut at = 0;
        while let Some(found) = out[at..].windows(old.len()).position(|w| w == old.as_bytes()) {
            out[at + found..at + found + old.len()].copy_from_slice(new.as_bytes());
            at += found + old.len();
        }
    }
    out
}

#[test]
fn the_interim_0_1_0_without_call0_loads() {
    // For half an hour on 26 November 2026 (git 1db7c60) scalar-by-arity had call1 to call4
    // only: each flat call is used when present, and a list call otherwise.
    let bytes = std::fs::read(test_extension("rust-0.1.0-interim")).unwrap();
    let mut renamed = bytes.clone();
    let mut count = 0;
    let mut at = 0;
    while let Some(found) = renamed[at..].windows(5).position(|w| w == b"call0") {
        renamed[at + found..at + found + 5].copy_from_slice(b"callz");
        at += found + 5;
        count += 1;
    }
    assert!(count > 0, "the fixture exports call0");
    let conn = Connection::open_in_memory().unwrap();
    let mut extensions = Extensions::new(engine());
    extensions.load(&conn, &renamed, Sandbox::default(), "interim without call0").unwrap();
    let answers: (i64, i64) =
        conn.query_row("SELECT interim_twice(21), interim_twice(1, 2, 3, 4, 5)", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(answers, (42, 30));
}

#[test]
fn a_version_the_host_does_not_know_or_a_shape_its_version_never_had_is_refused() {
    let engine = engine();
    let newest = std::fs::read(test_extension("rust-0.2.0")).unwrap();
    let future = Extension::load(&engine, &renamed(&newest, "0.2.0", "0.9.0"), Sandbox::default()).err().unwrap();
    assert_eq!(
        future.to_string(),
        "it was built against sqlite:extension@0.9.0, which this host does not load (it loads sqlite:extension 0.1.0, 0.2.0, 0.3.0, 0.4.0, 0.5.0); a newer sqlink may"
    );
    // 0.2.0's metadata has table functions: the first 0.1.0's shape under its name is no
    // component built against 0.2.0.
    let first = std::fs::read(test_extension("rust-0.1.0")).unwrap();
    let wrong = Extension::load(&engine, &renamed(&first, "0.1.0", "0.2.0"), Sandbox::default()).err().unwrap();
    assert_eq!(wrong.to_string(), "its sqlite:extension/metadata@0.2.0 describe() does not return the metadata of that version");
}

#[test]
fn inspect_says_what_a_component_was_built_against_and_what_it_exports_and_imports() {
    let dir = tempfile::tempdir().unwrap();
    let path = test_extension("rust-0.1.0");
    let run = common::run_with_stdin(common::command(dir.path(), &["inspect", &path.to_string_lossy()]), "");
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let head = "contract  sqlite:extension@0.1.0\n\
                exports   sqlite:extension/metadata@0.1.0\n          sqlite:extension/scalar-function@0.1.0\n          \
                sqlite:extension/aggregate-function@0.1.0\n          sqlite:extension/collation@0.1.0\n\
                imports   sqlite:extension/types@0.1.0\n";
    assert!(run.stdout.starts_with(head), "{}", run.stdout);
    let tail = "extension rust010 0.1.0\n  scalar    v010_mul(x, y)  The product of two integers.\n  \
                window    v010_sum(x)     The sum of integers, also over a window.\n  \
                collation v010_reverse    Compares texts read backwards.\n";
    assert!(run.stdout.ends_with(tail), "{}", run.stdout);

    let interim = test_extension("rust-0.1.0-interim");
    let run = common::run_with_stdin(common::command(dir.path(), &["inspect", &interim.to_string_lossy()]), "");
    assert!(run.stdout.starts_with("contract  sqlite:extension@0.1.0 (interim, with table functions)\n"), "{}", run.stdout);

    let command = test_extension("command");
    let run = common::run_with_stdin(common::command(dir.path(), &["inspect", &command.to_string_lossy()]), "");
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with(
            "contract  none: not a sqlite extension: it does not export sqlite:extension/metadata\nexports   wasi:cli/run@0.2.0\n"
        ),
        "{}",
        run.stdout
    );
}
