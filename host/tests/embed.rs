//! Extension components inside a native SQLite (rusqlite) through `sqlink_host::embed`.

use rusqlite::{Connection, ErrorCode};
use sqlink_host::cache::ComponentCache;
use sqlink_host::embed::Extensions;
use sqlink_host::embedded;
use sqlink_host::extension::{ExtensionEngine, Sandbox};

fn extensions() -> Extensions {
    Extensions::new(ExtensionEngine::new(ComponentCache::disabled()).unwrap())
}

fn load(conn: &Connection, extensions: &mut Extensions, name: &str) {
    let bytes = embedded::extension(name).expect("built by `cargo xtask build`");
    extensions.load(conn, bytes, embedded::sandbox(name), "bundled").unwrap();
}

fn text(conn: &Connection, sql: &str) -> String {
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

#[test]
fn every_argument_count_arrives_alike_flat_or_as_a_list() {
    // Up to four arguments take the flat calls (`scalar-by-arity`), more the list: both
    // must hand the extension the same values.
    let (mut extensions, conn) = (extensions(), Connection::open_in_memory().unwrap());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasm/test/identity.wasm");
    let bytes = std::fs::read(&path).expect("built by `cargo xtask build`");
    extensions.load(&conn, &bytes, Sandbox::default(), "identity.wasm").unwrap();
    let values = ["1", "'two'", "NULL", "-0.5", "x'00ff'", "9223372036854775807", "''"];
    let shown = ["integer:1", "text:two", "null", "real:-0.5", "blob:00ff", "integer:9223372036854775807", "text:"];
    for count in 0..=values.len() {
        let sql = format!("SELECT arguments({})", values[..count].join(", "));
        assert_eq!(text(&conn, &sql), shown[..count].join("|"), "{sql}");
    }
    // Per row, as a scan calls it, with a text from the table.
    conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES ('a'), (2), (NULL)").unwrap();
    let rows = text(&conn, "SELECT group_concat(arguments(x) || ';' || arguments(x, x, x, x) || ';' || identity(x), ' ') FROM t");
    assert_eq!(rows, "text:a;text:a|text:a|text:a|text:a;a integer:2;integer:2|integer:2|integer:2|integer:2;2");
}

#[test]
fn scalars_and_aggregates_run_in_native_sqlite() {
    let (mut extensions, conn) = (extensions(), Connection::open_in_memory().unwrap());
    load(&conn, &mut extensions, "md5");
    load(&conn, &mut extensions, "uuid");
    assert_eq!(text(&conn, "SELECT md5('abc')"), "900150983cd24fb0d6963f7d28e17f72");
    assert_eq!(text(&conn, "SELECT md5_agg(x) FROM (SELECT 'a' x UNION ALL SELECT 'b')"), text(&conn, "SELECT md5('ab')"));
    let none: Option<String> = conn.query_row("SELECT md5_agg(x) FROM (SELECT 'a' x) WHERE 0", [], |r| r.get(0)).unwrap();
    assert_eq!(none, None, "an aggregate over no rows still finalizes");
    // uuid() is not deterministic, so SQLite must not fold it to one value.
    let distinct: i64 = conn
        .query_row(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT count(DISTINCT uuid()) FROM n",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(distinct, 50);
}

#[test]
fn groups_and_window_frames_keep_their_states_apart() {
    let (mut extensions, conn) = (extensions(), Connection::open_in_memory().unwrap());
    load(&conn, &mut extensions, "stats");
    conn.execute_batch("CREATE TABLE t(g, x); INSERT INTO t VALUES (1, 1), (1, 3), (2, 10), (2, 20), (2, 60), (3, 5);").unwrap();
    let mut stmt = conn.prepare("SELECT g, median(x), var_pop(x) FROM t GROUP BY g ORDER BY g").unwrap();
    let rows: Vec<(i64, f64, f64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    assert_eq!(rows, [(1, 2.0, 1.0), (2, 20.0, 466.6666666666667), (3, 5.0, 0.0)]);
    let mut stmt =
        conn.prepare("SELECT var_pop(x) OVER (ORDER BY rowid ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t ORDER BY rowid").unwrap();
    let frames: Vec<f64> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(frames, [0.0, 1.0, 12.25, 25.0, 400.0, 756.25]);
}

#[test]
fn collations_order_and_constrain() {
    let (mut extensions, conn) = (extensions(), Connection::open_in_memory().unwrap());
    load(&conn, &mut extensions, "snake");
    conn.execute_batch("CREATE TABLE names(n TEXT COLLATE snake UNIQUE); INSERT INTO names VALUES ('HelloWorld');").unwrap();
    let err = conn.execute("INSERT INTO names VALUES ('hello_world')", []).unwrap_err();
    assert_eq!(err.sqlite_error_code(), Some(ErrorCode::ConstraintViolation));
}

#[test]
fn errors_and_traps_are_sql_errors_and_the_connection_goes_on() {
    let (mut extensions, conn) = (extensions(), Connection::open_in_memory().unwrap());
    load(&conn, &mut extensions, "snake");
    let err = conn.query_row("SELECT to_snake_case(x'ff')", [], |r| r.get::<_, String>(0)).unwrap_err();
    let rusqlite::Error::SqliteFailure(_, Some(message)) = err else { panic!("{err:?}") };
    assert_eq!(message, "to_snake_case(): argument 1 must be text, got blob");

    let hostile = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/wasm/test/hostile.wasm")).unwrap();
    extensions.load(&conn, &hostile, Sandbox::default(), "hostile.wasm").unwrap();
    let err = conn.query_row("SELECT panic_with('oops')", [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert!(err.to_string().contains("hostile: panic_with() panicked: oops"), "{err}");
    let n: i64 = conn.query_row("SELECT busy(3)", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 3, "a fresh instance serves the next call");
}

#[test]
fn unload_removes_every_function_and_collation() {
    let (mut extensions, conn) = (extensions(), Connection::open_in_memory().unwrap());
    load(&conn, &mut extensions, "snake");
    assert_eq!(text(&conn, "SELECT to_snake_case('HelloWorld')"), "hello_world");
    extensions.unload(&conn, "snake").unwrap();
    let err = conn.query_row("SELECT to_snake_case('x')", [], |r| r.get::<_, String>(0)).unwrap_err();
    assert!(err.to_string().contains("no such function"), "{err}");
    let err = conn.query_row("SELECT 'a' = 'A' COLLATE snake", [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert!(err.to_string().contains("no such collation sequence"), "{err}");
}

/// An `Extensions` registers on one connection; loading into another would leave the
/// first one's functions behind, so it is refused.
#[test]
fn extensions_belong_to_the_connection_they_were_loaded_on() {
    let (mut extensions, first, second) = (extensions(), Connection::open_in_memory().unwrap(), Connection::open_in_memory().unwrap());
    load(&first, &mut extensions, "md5");
    let bytes = embedded::extension("snake").unwrap();
    let err = extensions.load(&second, bytes, embedded::sandbox("snake"), "bundled").unwrap_err();
    assert_eq!(err.to_string(), "these extensions were loaded on another connection; use one `Extensions` per connection");
    assert_eq!(extensions.unload(&second, "md5").unwrap_err().to_string(), err.to_string());
    assert_eq!(text(&first, "SELECT md5('abc')"), "900150983cd24fb0d6963f7d28e17f72", "the first connection is untouched");
}

/// A connection opened after the first closed, at the same address, is another connection:
/// it has none of the extensions' registrations (nor the sandbox's authorizer), so the
/// extensions refuse it instead of taking it for theirs.
#[test]
fn a_connection_reopened_at_a_closed_ones_address_is_not_taken_for_it() {
    let mut extensions = extensions();
    let first = Connection::open_in_memory().unwrap();
    load(&first, &mut extensions, "md5");
    // SAFETY: only the address is read.
    let address = unsafe { first.handle() } as usize;
    first.close().unwrap();
    // The allocator usually hands the freed block out again; keep the misses open so that it
    // must. Other tests allocate on their threads meanwhile, so it may not: then the last one
    // opened stands in, and the refusal must be the same (before the fix, the same address
    // was taken for the first connection, and any other got "loaded on another connection").
    let mut misses = Vec::new();
    let reopened = loop {
        let conn = Connection::open_in_memory().unwrap();
        // SAFETY: only the address is read.
        if unsafe { conn.handle() } as usize == address || misses.len() == 64 {
            break conn;
        }
        misses.push(conn);
    };
    let bytes = embedded::extension("snake").unwrap();
    let err = extensions.load(&reopened, bytes, embedded::sandbox("snake"), "bundled").unwrap_err();
    assert_eq!(err.to_string(), "the connection these extensions were loaded on has closed; use one `Extensions` per connection");
    assert_eq!(extensions.unload(&reopened, "md5").unwrap_err().to_string(), err.to_string());
    let known: i64 =
        reopened.query_row("SELECT count(*) FROM pragma_function_list WHERE name = 'to_snake_case'", [], |r| r.get(0)).unwrap();
    assert_eq!(known, 0, "nothing registered on the reopened connection");
    // A fresh `Extensions` serves it.
    let mut fresh = self::extensions();
    load(&reopened, &mut fresh, "md5");
    assert_eq!(text(&reopened, "SELECT md5('abc')"), "900150983cd24fb0d6963f7d28e17f72");
}

fn ints(conn: &Connection, sql: &str) -> Vec<i64> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn table_functions_stream_rows_into_native_sqlite() {
    let (mut extensions, conn) = (extensions(), Connection::open_in_memory().unwrap());
    load(&conn, &mut extensions, "regexp");
    let rows = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/wasm/test/rows.wasm")).unwrap();
    extensions.load(&conn, &rows, Sandbox::default(), "rows.wasm").unwrap();
    let mut stmt = conn.prepare(r"SELECT match, start, end FROM regexp_matches('a1 bb22', '\d+')").unwrap();
    let found: Vec<(String, i64, i64)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    assert_eq!(found, [("1".to_owned(), 2, 3), ("22".to_owned(), 6, 8)]);
    conn.execute_batch("CREATE TABLE t(n); INSERT INTO t VALUES (2), (3);").unwrap();
    assert_eq!(ints(&conn, "SELECT s.value FROM t, series(1, t.n) AS s ORDER BY t.n, s.value"), [1, 2, 1, 2, 3]);
    assert_eq!(ints(&conn, "SELECT value FROM series(1, 1000000) LIMIT 2"), [1, 2]);
    assert_eq!(ints(&conn, "SELECT open_cursors()"), [0], "LIMIT closed the cursor");
    assert_eq!(ints(&conn, "SELECT count(*) FROM series(1, 1000000)"), [1_000_000]);

    let err = conn.query_row("SELECT count(*) FROM series(1)", [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert!(err.to_string().contains("series(): missing argument stop (takes start, stop)"), "{err}");
    let err = conn.query_row("SELECT count(*) FROM fail_after(600)", [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert!(err.to_string().contains("fail_after: gave up after 600 rows"), "{err}");
    let err = conn.query_row("SELECT count(*) FROM trap_after(5)", [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert!(err.to_string().contains("rows: trap_after() panicked: trap_after: 5 rows were enough"), "{err}");
    assert_eq!(ints(&conn, "SELECT value FROM series(4, 4)"), [4], "the connection goes on");

    extensions.unload(&conn, "regexp").unwrap();
    let err = conn.prepare("SELECT * FROM regexp_matches('a', 'a')").unwrap_err();
    assert!(err.to_string().contains("no such table: regexp_matches"), "{err}");
}

/// What the connection had before (SQLite's `upper` and `NOCASE`, or the program's own
/// functions) is not replaced unless the sandbox allows override; then `loaded()` says what
/// was replaced, and the extension cannot be unloaded (SQLite cannot bring the old back).
#[test]
fn the_connections_own_functions_are_replaced_only_when_asked() {
    let (mut extensions, conn) = (extensions(), Connection::open_in_memory().unwrap());
    let shadow = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/wasm/test/shadow.wasm")).unwrap();
    let err = extensions.load(&conn, &shadow, Sandbox::default(), "shadow.wasm").unwrap_err();
    assert_eq!(err.to_string(), "upper() is already defined in this SQLite (built in, or by the program); allow_override replaces it");
    assert_eq!(text(&conn, "SELECT upper('abc')"), "ABC");

    // The program's own function is protected the same way; an extension with names of its
    // own beside it loads with those and keeps the program's.
    conn.create_scalar_function("md5", 1, rusqlite::functions::FunctionFlags::SQLITE_UTF8, |_| Ok("the program's")).unwrap();
    let md5 = embedded::extension("md5").unwrap();
    extensions.load(&conn, md5, Sandbox::default(), "bundled").unwrap();
    assert_eq!(text(&conn, "SELECT md5('x')"), "the program's");
    assert_eq!(text(&conn, "SELECT md5_agg('abc')"), "900150983cd24fb0d6963f7d28e17f72");
    assert_eq!(extensions.loaded()[0].kept, ["md5()"]);
    extensions.unload(&conn, "md5").unwrap();
    assert_eq!(text(&conn, "SELECT md5('x')"), "the program's", "unloading leaves the kept function alone");

    let allowed = Sandbox { allow_override: true, ..Sandbox::default() };
    extensions.load(&conn, &shadow, allowed, "shadow.wasm").unwrap();
    assert_eq!(text(&conn, "SELECT upper('abc')"), "shadowed abc");
    let sorted =
        "SELECT group_concat(column1, ',') FROM (SELECT column1 FROM (VALUES ('bb'), ('a'), ('C')) ORDER BY column1 COLLATE nocase)";
    assert_eq!(text(&conn, sorted), "C,a,bb", "the extension's nocase: by length, then bytes");
    assert_eq!(extensions.loaded()[0].overridden, ["upper()", "collation nocase"]);
    let err = extensions.unload(&conn, "shadow").unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot unload shadow: it replaced upper(), collation nocase, which cannot be restored on an open connection"
    );
    assert_eq!(text(&conn, "SELECT upper('abc')"), "shadowed abc");
}
