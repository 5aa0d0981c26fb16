//! The bundled `vsv` (sqlean's CSV virtual table) embedded in a native SQLite: a granted
//! file read as a table, inline data, and bad input (wrong arguments, a missing file, a
//! file outside the grant, a schema SQLite rejects) as one clear error each, after which
//! the connection goes on. Its rows are compared with sqlean's in
//! python/tests/test_catalog_vsv.py.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use sqlink_host::cache::ComponentCache;
use sqlink_host::embed::Extensions;
use sqlink_host::embedded;
use sqlink_host::extension::{ExtensionEngine, Sandbox};

/// A fresh directory under the system's temporary one.
fn directory(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sqlink-vsv-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

/// vsv loaded on `conn`, with `dirs` granted.
fn loaded(conn: &Connection, dirs: &[&Path]) -> Extensions {
    let mut extensions = Extensions::new(ExtensionEngine::new(ComponentCache::disabled()).unwrap());
    let bytes = embedded::extension("vsv").expect("built by `cargo xtask build`");
    let sandbox = Sandbox { allowed_dirs: dirs.iter().map(|d| d.to_path_buf()).collect(), ..embedded::sandbox("vsv") };
    extensions.load(conn, bytes, sandbox, "bundled").unwrap();
    extensions
}

/// Each row of `sql` as its values' SQL literals (`quote()`), joined by `|`.
fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let width = conn.prepare(sql).unwrap().column_count();
    let names: Vec<String> = (1..=width).map(|i| format!("c{i}")).collect();
    let literals: Vec<String> = names.iter().map(|name| format!("quote({name})")).collect();
    let quoted = format!("WITH r({}) AS ({sql}) SELECT {} FROM r", names.join(", "), literals.join(" || '|' || "));
    conn.prepare(&quoted).unwrap().query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
}

fn error(conn: &Connection, sql: &str) -> String {
    let message = conn.execute_batch(sql).unwrap_err().to_string();
    // The connection carries on.
    assert_eq!(rows(conn, "SELECT 1"), ["1"]);
    message
}

#[test]
fn a_granted_file_reads_as_a_table() {
    let dir = directory("granted");
    let csv = dir.join("people.csv");
    std::fs::write(&csv, "id,name,city\r\n11,Diane,London\r\n22,\"Grace, Jr.\",\"Ber\nlin\"\r\n33,Alice,\r\n").unwrap();
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = loaded(&conn, &[&dir]);
    conn.execute_batch(&format!(
        "CREATE VIRTUAL TABLE temp.people USING vsv(filename='{}', header=yes, affinity=integer, nulls)",
        csv.display()
    ))
    .unwrap();
    assert_eq!(rows(&conn, "SELECT name FROM pragma_table_info('people')"), ["'id'", "'name'", "'city'"]);
    assert_eq!(rows(&conn, "SELECT rowid, * FROM people"), ["1|11|'Diane'|'London'", "2|22|'Grace, Jr.'|'Ber\nlin'", "3|33|'Alice'|NULL"]);
    assert_eq!(rows(&conn, "SELECT sum(a.id), count(*) FROM people a, people b WHERE a.id <= b.id"), ["110|6"]);

    // A relative name starts from the first granted directory.
    conn.execute_batch("CREATE VIRTUAL TABLE temp.relative USING vsv(filename='people.csv', skip=2)").unwrap();
    assert_eq!(rows(&conn, "SELECT * FROM relative"), ["'22'|'Grace, Jr.'|'Ber\nlin'", "'33'|'Alice'|''"]);
}

#[test]
fn inline_data_schema_and_separators() {
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = loaded(&conn, &[]);
    conn.execute_batch(
        "CREATE VIRTUAL TABLE temp.t USING vsv(data='1;2,5;x\n3;4;', fsep=;, dsep=',', affinity=numeric, columns=3,
         schema='CREATE TABLE x(a INTEGER, b REAL, c TEXT)')",
    )
    .unwrap();
    assert_eq!(rows(&conn, "SELECT * FROM t"), ["1|2.5|'x'", "3|4|NULL"]);
    conn.execute_batch("CREATE VIRTUAL TABLE temp.b USING vsv(data='ab,', affinity=blob)").unwrap();
    assert_eq!(rows(&conn, "SELECT * FROM b"), ["X'6162'|NULL"]);
}

#[test]
fn bad_input_is_one_clear_error_each() {
    let dir = directory("bad");
    let outside = directory("outside");
    std::fs::write(outside.join("secret.csv"), "a,b\n").unwrap();
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = loaded(&conn, &[&dir]);
    let create = |args: &str| format!("CREATE VIRTUAL TABLE temp.t USING vsv({args})");

    assert!(error(&conn, &create("data='a', colour=red")).contains("bad parameter: 'colour=red'"));
    assert!(error(&conn, &create("header")).contains("must specify either filename= or data= but not both"));
    assert!(error(&conn, &create("data='a', affinity=float")).contains("unknown affinity: 'float'"));
    assert!(error(&conn, &create("data='a', skip=0")).contains("skip= value must be positive"));
    assert!(error(&conn, &create("data='a', fsep=ab")).contains("cannot parse fsep: 'ab'"));
    let missing = dir.join("missing.csv");
    let message = error(&conn, &create(&format!("filename='{}'", missing.display())));
    assert!(message.contains(&format!("cannot open '{}' for reading: No such file or directory", missing.display())), "{message}");
    let secret = outside.join("secret.csv");
    let message = error(&conn, &create(&format!("filename='{}'", secret.display())));
    assert!(message.contains("it is outside the granted directories"), "{message}");
    let message = error(&conn, &create("data='a', columns=1, schema='CREATE TABLE x(a,'"));
    assert!(message.contains("is not one SQLite accepts"), "{message}");
    // After all that, a good table still works.
    conn.execute_batch(&create("data='ok'")).unwrap();
    assert_eq!(rows(&conn, "SELECT * FROM t"), ["'ok'"]);
}

#[test]
fn without_a_grant_the_error_names_it() {
    let dir = directory("ungranted");
    std::fs::write(dir.join("a.csv"), "x\n").unwrap();
    let conn = Connection::open_in_memory().unwrap();
    let _extensions = loaded(&conn, &[]);
    let message = error(&conn, &format!("CREATE VIRTUAL TABLE temp.t USING vsv(filename='{}')", dir.join("a.csv").display()));
    assert!(message.contains("cannot open"), "{message}");
    assert!(message.contains("allow"), "{message}");
}
