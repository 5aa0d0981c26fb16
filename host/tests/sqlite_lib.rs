//! sqlite-lib.wasm on its own, in a wasmtime harness whose `dispatch` is written here:
//! file databases through WASI preopens, typed rows, paging, and the dispatch bridge.

use std::collections::HashMap;
use std::path::Path;

use wasmtime::component::{Component, HasSelf, Linker, ResourceAny, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

mod lib_bindings {
    wasmtime::component::bindgen!({
        path: ["../wit/extension/0.5.0", "../wit/runtime"],
        world: "sqlink:wasm/sqlite-lib",
        additional_derives: [PartialEq],
    });
}

use lib_bindings::SqliteLib;
use lib_bindings::sqlink::wasm::dispatch;
use lib_bindings::sqlite::extension::types::{
    AggregateInfo, CollationInfo, Error, ExtensionInfo, FunctionFlags, HookKinds, ScalarInfo, TableFunctionInfo, Value,
};
use sqlink_host::bindings::{file_locks, shared_memory};
use sqlink_host::locks::FileLocks;

const EXT: u32 = 3;

#[derive(Default)]
struct Calls {
    /// context → running sum, for the `int_total` aggregate.
    sums: HashMap<u64, i64>,
    finalized: Vec<u64>,
    /// Open cursors of the `upto(n)` table function: cursor → (next, last).
    cursors: HashMap<u64, (i64, i64)>,
    opened: u64,
}

struct Harness {
    wasi: WasiCtx,
    table: ResourceTable,
    /// The native host's own `file-locks`, so files are locked as `sqlink` locks them.
    locks: FileLocks,
    calls: Calls,
}

impl WasiView for Harness {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl lib_bindings::sqlite::extension::types::Host for Harness {}

/// No one interrupts in this harness.
impl lib_bindings::sqlink::wasm::interrupt::Host for Harness {
    fn pending(&mut self) -> bool {
        false
    }

    fn take(&mut self) -> bool {
        false
    }
}

impl dispatch::Host for Harness {
    fn scalar_call(&mut self, ext: u32, id: u32, args: Vec<Value>) -> Result<Value, Error> {
        assert_eq!(ext, EXT);
        match id {
            // echo(x)
            0 => Ok(args.into_iter().next().unwrap_or(Value::Null)),
            // fail(): an error with its own code
            1 => Err(Error { code: 19, message: "constraint said no".into() }),
            // nargs(...)
            2 => Ok(Value::Integer(args.len() as i64)),
            _ => Err(Error { code: 1, message: format!("unknown id {id}") }),
        }
    }

    fn aggregate_step(&mut self, _: u32, _: u32, context: u64, args: Vec<Value>) -> Result<(), Error> {
        match args.first() {
            Some(Value::Integer(x)) => {
                *self.calls.sums.entry(context).or_default() += x;
                Ok(())
            }
            _ => Err(Error { code: 20, message: "int_total: integers only".into() }),
        }
    }

    fn aggregate_value(&mut self, _: u32, _: u32, context: u64) -> Result<Value, Error> {
        Ok(Value::Integer(self.calls.sums.get(&context).copied().unwrap_or(0)))
    }

    fn aggregate_inverse(&mut self, _: u32, _: u32, context: u64, args: Vec<Value>) -> Result<(), Error> {
        if let Some(Value::Integer(x)) = args.first() {
            *self.calls.sums.entry(context).or_default() -= x;
        }
        Ok(())
    }

    fn aggregate_finalize(&mut self, _: u32, _: u32, context: u64) -> Result<Value, Error> {
        self.calls.finalized.push(context);
        Ok(self.calls.sums.remove(&context).map_or(Value::Null, Value::Integer))
    }

    fn collation_compare(&mut self, _: u32, _: u32, a: String, b: String) -> i32 {
        // Case-insensitive, reversed.
        b.to_lowercase().cmp(&a.to_lowercase()) as i32
    }

    /// upto(n) → (i, text of i) for i in 1..=n.
    fn table_open(&mut self, _: u32, _: u32, args: Vec<Value>) -> Result<u64, Error> {
        let Some(Value::Integer(n)) = args.first() else { return Err(Error { code: 20, message: "upto: an integer".into() }) };
        self.calls.opened += 1;
        let cursor = self.calls.opened;
        self.calls.cursors.insert(cursor, (1, *n));
        Ok(cursor)
    }

    fn table_next(&mut self, _: u32, cursor: u64, max_rows: u32) -> Result<Vec<Vec<Value>>, Error> {
        let (next, last) = self.calls.cursors.get_mut(&cursor).ok_or_else(|| Error { code: 1, message: "no cursor".into() })?;
        let rows: Vec<Vec<Value>> =
            (*next..=*last).take(max_rows as usize).map(|i| vec![Value::Integer(i), Value::Text(i.to_string())]).collect();
        *next += rows.len() as i64;
        Ok(rows)
    }

    fn table_close(&mut self, _: u32, cursor: u64) {
        self.calls.cursors.remove(&cursor);
    }

    // No extension here subscribes to hooks.
    fn hook_commit(&mut self, _: u32) -> bool {
        unreachable!("no hooks were subscribed")
    }

    fn hook_rollback(&mut self, _: u32) {
        unreachable!("no hooks were subscribed")
    }

    fn hook_update(&mut self, _: u32, _: u8, _: String, _: String, _: i64) {
        unreachable!("no hooks were subscribed")
    }

    // No module is registered here (the REPL's tests cover them, `repl_virtual_tables.rs`).
    fn vtab_connect(&mut self, _: u32, _: u32, _: Vec<String>, _: bool) -> Result<dispatch::DeclaredTable, Error> {
        unreachable!("no modules were registered")
    }

    fn vtab_best_index(&mut self, _: u32, _: u64, _: dispatch::IndexInfo) -> Result<dispatch::IndexPlan, Error> {
        unreachable!("no modules were registered")
    }

    fn vtab_open(&mut self, _: u32, _: u64) -> Result<u64, Error> {
        unreachable!("no modules were registered")
    }

    fn vtab_filter(&mut self, _: u32, _: u64, _: dispatch::ScanStart) -> Result<Vec<dispatch::Row>, Error> {
        unreachable!("no modules were registered")
    }

    fn vtab_next(&mut self, _: u32, _: u64, _: u32) -> Result<Vec<dispatch::Row>, Error> {
        unreachable!("no modules were registered")
    }

    fn vtab_close(&mut self, _: u32, _: u64) {
        unreachable!("no modules were registered")
    }

    fn vtab_update(&mut self, _: u32, _: u64, _: dispatch::Change) -> Result<i64, Error> {
        unreachable!("no modules were registered")
    }

    fn vtab_transaction(&mut self, _: u32, _: u64, _: dispatch::TransactionEvent) -> Result<(), Error> {
        unreachable!("no modules were registered")
    }

    fn vtab_rename(&mut self, _: u32, _: u64, _: String) -> Result<(), Error> {
        unreachable!("no modules were registered")
    }

    fn vtab_disconnect(&mut self, _: u32, _: u64) {
        unreachable!("no modules were registered")
    }

    fn vtab_destroy(&mut self, _: u32, _: u64) -> Result<(), Error> {
        unreachable!("no modules were registered")
    }

    fn dynamic_call(&mut self, _: u32, _: u32, _: Vec<Value>) -> Result<Value, Error> {
        unreachable!("no extension here defines functions")
    }

    fn resume(&mut self, _: Option<dispatch::Reply>) -> Option<dispatch::Request> {
        unreachable!("no call here waits for a request")
    }
}

struct Lib {
    store: Store<Harness>,
    lib: SqliteLib,
}

type Rows = Vec<Vec<Value>>;

impl Lib {
    fn new(dir: Option<&Path>) -> Lib {
        let engine = Engine::default();
        let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasm/sqlite-lib.wasm"))
            .expect("target/wasm/sqlite-lib.wasm: run `cargo xtask build`");
        let component = Component::new(&engine, bytes).unwrap();
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
        lib_bindings::sqlite::extension::types::add_to_linker::<_, HasSelf<_>>(&mut linker, |h| h).unwrap();
        dispatch::add_to_linker::<_, HasSelf<_>>(&mut linker, |h| h).unwrap();
        lib_bindings::sqlink::wasm::interrupt::add_to_linker::<_, HasSelf<_>>(&mut linker, |h| h).unwrap();
        file_locks::add_to_linker::<_, HasSelf<FileLocks>>(&mut linker, |h: &mut Harness| &mut h.locks).unwrap();
        shared_memory::add_to_linker::<_, HasSelf<FileLocks>>(&mut linker, |h: &mut Harness| &mut h.locks).unwrap();
        let mut wasi = WasiCtxBuilder::new();
        if let Some(dir) = dir {
            wasi.preopened_dir(dir, dir.to_str().unwrap(), FsPerms::ReadWrite).unwrap();
        }
        let locks = FileLocks::new(dir.map(Path::to_path_buf).into_iter().collect());
        let harness = Harness { wasi: wasi.build(), table: ResourceTable::new(), locks, calls: Calls::default() };
        let mut store = Store::new(&engine, harness);
        let lib = SqliteLib::instantiate(&mut store, &component, &linker).unwrap();
        Lib { store, lib }
    }

    fn open(&mut self, path: &str) -> Result<ResourceAny, Error> {
        let spi = self.lib.sqlink_wasm_spi();
        spi.connection().call_open(&mut self.store, path).unwrap()
    }

    /// Run every statement of `sql`; each statement's column names and rows.
    fn exec_paged(&mut self, conn: ResourceAny, sql: &str, page: u32) -> Result<Vec<(Vec<String>, Rows, usize)>, Error> {
        let spi = self.lib.sqlink_wasm_spi();
        let mut results = Vec::new();
        let mut rest = sql.to_owned();
        while !rest.trim().is_empty() {
            let prepared = spi.connection().call_prepare(&mut self.store, conn, rest.as_bytes()).unwrap()?;
            if let Some(stmt) = prepared.statement {
                let columns = spi.statement().call_column_names(&mut self.store, stmt).unwrap();
                let mut rows = Vec::new();
                let mut pages = 0;
                let outcome = loop {
                    match spi.statement().call_fetch(&mut self.store, stmt, page).unwrap() {
                        Ok(p) => {
                            pages += 1;
                            assert!(p.rows.len() <= page as usize);
                            rows.extend(p.rows);
                            if p.done {
                                break Ok(());
                            }
                        }
                        Err(e) => break Err(e),
                    }
                };
                stmt.resource_drop(&mut self.store).unwrap();
                outcome?;
                results.push((columns, rows, pages));
            }
            rest = rest[prepared.tail as usize..].to_owned();
        }
        Ok(results)
    }

    fn exec(&mut self, conn: ResourceAny, sql: &str) -> Result<Vec<(Vec<String>, Rows)>, Error> {
        Ok(self.exec_paged(conn, sql, 100)?.into_iter().map(|(c, r, _)| (c, r)).collect())
    }

    fn one(&mut self, conn: ResourceAny, sql: &str) -> Result<Value, Error> {
        let mut results = self.exec(conn, sql)?;
        let (_, rows) = results.pop().expect("a statement");
        Ok(rows.into_iter().next().expect("a row").into_iter().next().expect("a column"))
    }

    fn register_test_functions(&mut self) {
        let det = FunctionFlags::DETERMINISTIC;
        let none = FunctionFlags::empty();
        let mut info = extension_info();
        info.scalars = vec![scalar("echo", 1, det, 0), scalar("fail", 0, none, 1), scalar("nargs", -1, none, 2)];
        info.aggregates = vec![aggregate("int_total", 1, det, 0, true)];
        info.collations = vec![CollationInfo { id: 0, name: "rev".into(), doc: String::new() }];
        info.table_functions = vec![TableFunctionInfo {
            id: 0,
            name: "upto".into(),
            columns: vec!["i".into(), "text".into()],
            parameters: vec!["n".into()],
            doc: String::new(),
        }];
        self.register(&info, false).unwrap();
    }

    /// `register-extension` of `info` as extension EXT; what it kept.
    fn register(&mut self, info: &ExtensionInfo, allow_override: bool) -> Result<Vec<String>, Error> {
        let bridge = self.lib.sqlink_wasm_dispatch_bridge();
        bridge.call_register_extension(&mut self.store, EXT, info, allow_override, "`.load NAME --override`").unwrap()
    }
}

/// Extension EXT's metadata, its lists filled by each test.
fn extension_info() -> ExtensionInfo {
    let (scalars, aggregates, collations, table_functions, modules) = (vec![], vec![], vec![], vec![], vec![]);
    ExtensionInfo {
        name: "test".into(),
        version: "0".into(),
        scalars,
        aggregates,
        collations,
        table_functions,
        modules,
        hooks: HookKinds::empty(),
    }
}

fn scalar(name: &str, arity: i32, flags: FunctionFlags, id: u32) -> ScalarInfo {
    ScalarInfo { id, name: name.into(), arity, flags, doc: String::new() }
}

fn aggregate(name: &str, arity: i32, flags: FunctionFlags, id: u32, window: bool) -> AggregateInfo {
    AggregateInfo { id, name: name.into(), arity, flags, window, doc: String::new() }
}

#[test]
fn file_database_survives_a_new_instance() {
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().canonicalize().unwrap();
    let db = dir_path.join("data.db");
    let db = db.to_str().unwrap();
    {
        let mut lib = Lib::new(Some(&dir_path));
        let conn = lib.open(db).unwrap();
        lib.exec(
            conn,
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL);
             BEGIN; INSERT INTO t(name, score) VALUES ('ada', 1.5), ('bob', NULL); COMMIT;
             BEGIN; INSERT INTO t(name) VALUES ('rolled back'); ROLLBACK;",
        )
        .unwrap();
        conn.resource_drop(&mut lib.store).unwrap();
    }
    assert!(Path::new(db).exists());
    assert!(!Path::new(&format!("{db}-journal")).exists(), "journal left behind");

    let mut lib = Lib::new(Some(&dir_path));
    let conn = lib.open(db).unwrap();
    let results = lib.exec(conn, "SELECT id, name, score FROM t ORDER BY id").unwrap();
    let (columns, rows) = &results[0];
    assert_eq!(columns, &["id", "name", "score"]);
    assert_eq!(
        rows,
        &vec![
            vec![Value::Integer(1), Value::Text("ada".into()), Value::Real(1.5)],
            vec![Value::Integer(2), Value::Text("bob".into()), Value::Null],
        ]
    );
}

#[test]
fn opening_outside_the_preopens_fails_cleanly() {
    let mut lib = Lib::new(None);
    let err = lib.open("/definitely/not/granted.db").unwrap_err();
    assert_eq!(err.code & 0xff, 14, "SQLITE_CANTOPEN: {}", err.message);
}

#[test]
fn statements_rows_and_pages() {
    let mut lib = Lib::new(None);
    let conn = lib.open(":memory:").unwrap();
    let results = lib
        .exec_paged(
            conn,
            "CREATE TABLE n(x); -- a comment
             WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 25) INSERT INTO n SELECT i FROM c;
             SELECT x, x * 0.5 AS half, 'r' || x AS label, x'00ff' AS b FROM n;",
            10,
        )
        .unwrap();
    assert_eq!(results.len(), 3);
    let (columns, rows, pages) = &results[2];
    assert_eq!(columns, &["x", "half", "label", "b"]);
    assert_eq!(rows.len(), 25);
    assert_eq!(*pages, 3, "25 rows in pages of 10");
    assert_eq!(rows[24], vec![Value::Integer(25), Value::Real(12.5), Value::Text("r25".into()), Value::Blob(vec![0, 255])]);

    lib.exec(conn, "DELETE FROM n WHERE x > 20").unwrap();
    let spi = lib.lib.sqlink_wasm_spi();
    assert_eq!(spi.connection().call_changes(&mut lib.store, conn).unwrap(), 5);
    assert!(spi.call_is_complete(&mut lib.store, b"SELECT 1;").unwrap());
    assert!(!spi.call_is_complete(&mut lib.store, b"SELECT 1").unwrap());
    assert!(spi.call_sqlite_version(&mut lib.store).unwrap().starts_with("3."));
}

#[test]
fn errors_carry_code_and_message() {
    let mut lib = Lib::new(None);
    let conn = lib.open(":memory:").unwrap();
    let err = lib.exec(conn, "SELEC 1").unwrap_err();
    assert_eq!(err.code, 1);
    assert_eq!(err.message, "near \"SELEC\": syntax error");
    lib.exec(conn, "CREATE TABLE u(x UNIQUE); INSERT INTO u VALUES (1)").unwrap();
    let err = lib.exec(conn, "INSERT INTO u VALUES (1)").unwrap_err();
    assert_eq!(err.code & 0xff, 19, "SQLITE_CONSTRAINT");
    assert!(err.message.contains("UNIQUE constraint failed"), "{}", err.message);
    // The connection keeps working.
    assert_eq!(lib.one(conn, "SELECT count(*) FROM u").unwrap(), Value::Integer(1));
}

/// SQLite's own names are kept unless the extension was allowed to replace them (an
/// extension with nothing else is refused); what it replaced is listed.
#[test]
fn the_bridge_replaces_sqlites_own_functions_only_when_allowed() {
    let mut lib = Lib::new(None);
    let conn = lib.open(":memory:").unwrap();
    let det = FunctionFlags::DETERMINISTIC;
    // Without permission each is left to SQLite (kept), and an extension with nothing else
    // is refused with the first refusal.
    let mut info = extension_info();
    info.aggregates = vec![aggregate("TOTAL", 1, det, 0, true)];
    info.collations = vec![CollationInfo { id: 0, name: "rtrim".into(), doc: String::new() }];
    info.table_functions =
        vec![TableFunctionInfo { id: 0, name: "json_each".into(), columns: vec!["v".into()], parameters: Vec::new(), doc: String::new() }];
    let err = lib.register(&info, false).unwrap_err();
    assert_eq!(err.message, "TOTAL() is already defined in this SQLite (built in, or by the program); `.load NAME --override` replaces it");
    assert_eq!(lib.one(conn, "SELECT total(2)").unwrap(), Value::Real(2.0), "SQLite's total() is untouched");
    // With a name of its own beside them, it loads with that one and keeps SQLite's; a name
    // kept at two arities is listed once.
    info.scalars = vec![scalar("own_total", 1, det, 1)];
    info.aggregates.push(aggregate("total", 2, det, 2, false));
    assert_eq!(lib.register(&info, false).unwrap(), ["TOTAL()", "collation rtrim", "table function json_each"]);
    assert_eq!(lib.one(conn, "SELECT total(2)").unwrap(), Value::Real(2.0), "SQLite's total() is still untouched");
    let bridge = lib.lib.sqlink_wasm_dispatch_bridge();
    bridge.call_unregister_extension(&mut lib.store, EXT).unwrap();

    let mut info = extension_info();
    info.aggregates = vec![aggregate("total", 1, det, 0, true)];
    assert_eq!(lib.register(&info, true).unwrap(), Vec::<String>::new());
    let bridge = lib.lib.sqlink_wasm_dispatch_bridge();
    assert_eq!(bridge.call_overridden(&mut lib.store, EXT).unwrap(), ["total()"]);
    assert_eq!(bridge.call_overridden(&mut lib.store, EXT + 1).unwrap(), Vec::<String>::new());
    assert_eq!(lib.one(conn, "SELECT total(2)").unwrap(), Value::Integer(2), "the host's total");
}

/// An extension the bridge cannot register in full is registered not at all: the
/// declarations before the bad one are not left behind.
#[test]
fn a_refused_extension_leaves_nothing_registered() {
    let mut lib = Lib::new(None);
    let conn = lib.open(":memory:").unwrap();
    let mut info = extension_info();
    info.scalars = vec![scalar("echo", 1, FunctionFlags::DETERMINISTIC, 0), scalar("too_many", 1000, FunctionFlags::empty(), 1)];
    let err = lib.register(&info, false).unwrap_err();
    assert!(err.message.contains("too_many: arity 1000"), "{}", err.message);
    let err = lib.one(conn, "SELECT echo(1)").unwrap_err();
    assert_eq!(err.message, "no such function: echo");
    // The handle is free for a correct registration.
    info.scalars.pop();
    lib.register(&info, false).unwrap();
    assert_eq!(lib.one(conn, "SELECT echo(41) + 1").unwrap(), Value::Integer(42));
}

#[test]
fn host_functions_through_the_bridge() {
    let mut lib = Lib::new(None);
    let before = lib.open(":memory:").unwrap();
    lib.register_test_functions();
    let after = lib.open(":memory:").unwrap();
    for conn in [before, after] {
        assert_eq!(lib.one(conn, "SELECT echo(41) + 1").unwrap(), Value::Integer(42));
        assert_eq!(lib.one(conn, "SELECT nargs(1, 2, 3)").unwrap(), Value::Integer(3));
    }

    let err = lib.one(before, "SELECT fail()").unwrap_err();
    assert_eq!(err.code & 0xff, 19, "the extension's code is kept");
    assert_eq!(err.message, "constraint said no");

    lib.exec(before, "CREATE TABLE g(k, v); INSERT INTO g VALUES ('a', 1), ('b', 2), ('a', 3), ('b', 4), ('c', 5)").unwrap();
    let results = lib.exec(before, "SELECT k, int_total(v) FROM g GROUP BY k ORDER BY k").unwrap();
    assert_eq!(
        results[0].1,
        vec![
            vec![Value::Text("a".into()), Value::Integer(4)],
            vec![Value::Text("b".into()), Value::Integer(6)],
            vec![Value::Text("c".into()), Value::Integer(5)],
        ]
    );
    let windowed = lib.exec(before, "SELECT int_total(v) OVER (ORDER BY v ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM g").unwrap();
    let sums: Vec<Value> = windowed[0].1.iter().map(|r| r[0].clone()).collect();
    assert_eq!(sums, [1, 3, 6, 9, 12].map(Value::Integer).to_vec());
    let err = lib.one(before, "SELECT int_total('x')").unwrap_err();
    assert_eq!(err.message, "int_total: integers only");
    assert!(lib.store.data().calls.sums.is_empty(), "every aggregation was finalized");

    let sorted = lib.exec(before, "SELECT k FROM g GROUP BY k ORDER BY k COLLATE rev").unwrap();
    let keys: Vec<Value> = sorted[0].1.iter().map(|r| r[0].clone()).collect();
    assert_eq!(keys, ["c", "b", "a"].map(|s| Value::Text(s.into())).to_vec());

    let rows = lib.exec(before, "SELECT count(*), sum(i), max(text) FROM upto(300)").unwrap();
    assert_eq!(rows[0].1, vec![vec![Value::Integer(300), Value::Integer(45150), Value::Text("99".into())]]);
    assert_eq!(lib.one(after, "SELECT text FROM upto(1000) LIMIT 1 OFFSET 2").unwrap(), Value::Text("3".into()));
    assert!(lib.store.data().calls.cursors.is_empty(), "every cursor was closed");

    lib.lib.sqlink_wasm_dispatch_bridge().call_unregister_extension(&mut lib.store, EXT).unwrap();
    let err = lib.one(after, "SELECT echo(1)").unwrap_err();
    assert_eq!(err.message, "no such function: echo");
    let err = lib.one(after, "SELECT 'a' < 'b' COLLATE rev").unwrap_err();
    assert_eq!(err.message, "no such collation sequence: rev");
    let err = lib.one(after, "SELECT * FROM upto(1)").unwrap_err();
    assert_eq!(err.message, "no such table: upto");
}

#[test]
fn values_cross_exactly() {
    let mut lib = Lib::new(None);
    let conn = lib.open(":memory:").unwrap();
    lib.register_test_functions();
    let cases = [
        ("9223372036854775807", Value::Integer(i64::MAX)),
        ("-9223372036854775808", Value::Integer(i64::MIN)),
        ("1e308 * 10", Value::Real(f64::INFINITY)),
        ("-1e308 * 10", Value::Real(f64::NEG_INFINITY)),
        ("5e-324", Value::Real(5e-324)),
        ("''", Value::Text(String::new())),
        ("'a' || char(0) || 'b'", Value::Text("a\0b".into())),
        ("'ünïcødé ✓'", Value::Text("ünïcødé ✓".into())),
        ("x''", Value::Blob(Vec::new())),
        ("NULL", Value::Null),
        // SQLite stores NaN as NULL.
        ("0.0 * (1e308 * 10)", Value::Null),
    ];
    for (sql, expected) in cases {
        assert_eq!(lib.one(conn, &format!("SELECT echo({sql})")).unwrap(), expected, "echo({sql})");
    }
    assert_eq!(lib.one(conn, "SELECT typeof(echo(x''))").unwrap(), Value::Text("blob".into()));
    let big = lib.one(conn, "SELECT echo(randomblob(3000000))").unwrap();
    assert!(matches!(big, Value::Blob(ref b) if b.len() == 3_000_000));
}

/// The composed runtime's imports are the host's to provide: `spi-loader`, `dispatch`,
/// `file-locks`, `shared-memory`, `interrupt`, WASI, and the extension contract's `types` (type definitions only, no
/// functions).
#[test]
fn the_composed_runtime_imports_only_loader_dispatch_locks_shared_memory_interrupt_and_wasi() {
    let engine = Engine::default();
    let bytes = sqlink_host::embedded::RUNTIME.expect("built by `cargo xtask build`");
    let component = Component::new(&engine, bytes).unwrap();
    let ty = component.component_type();
    let mut imports: Vec<String> = Vec::new();
    for (name, item) in ty.imports(&engine) {
        let unversioned = name.split('@').next().unwrap_or(name).to_owned();
        if unversioned.starts_with("wasi:") {
            continue;
        }
        if unversioned == "sqlite:extension/types" {
            let wasmtime::component::types::ComponentItem::ComponentInstance(instance) = item.ty else { panic!("{name}") };
            let functions = instance
                .exports(&engine)
                .filter(|(_, e)| matches!(e.ty, wasmtime::component::types::ComponentItem::ComponentFunc(_)))
                .count();
            assert_eq!(functions, 0, "{name} carries types only");
            continue;
        }
        imports.push(unversioned);
    }
    imports.sort();
    assert_eq!(
        imports,
        [
            "sqlink:wasm/cpu-time",
            "sqlink:wasm/dispatch",
            "sqlink:wasm/file-locks",
            "sqlink:wasm/interrupt",
            "sqlink:wasm/process",
            "sqlink:wasm/shared-memory",
            "sqlink:wasm/spi-loader"
        ]
    );
    let exports: Vec<&str> = ty.exports(&engine).map(|(name, _)| name).collect();
    assert!(exports.iter().any(|e| e.starts_with("wasi:cli/run@")), "{exports:?}");
    assert!(exports.iter().any(|e| e.starts_with("sqlink:wasm/dispatch-bridge@")), "{exports:?}");
}
