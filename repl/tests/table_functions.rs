//! Table functions in the REPL: `FROM name(args)` through the runtime's virtual tables, the
//! `dispatch` import and the extension's cursors.

mod common;

use common::{ok, sqlink, test_extension};

fn rows_ext() -> String {
    format!(".load {}\n", test_extension("rows").display())
}

#[test]
fn regexp_matches_in_from_and_joined_laterally() {
    let out = ok(r".load regexp
SELECT * FROM regexp_matches('a1 bb22 ccc333', '\d+');
CREATE TABLE t(id, x); INSERT INTO t VALUES (1, 'a1b2'), (2, 'c33'), (3, NULL), (4, 'none');
SELECT t.id, m.match, m.start FROM t, regexp_matches(t.x, '\d+') AS m WHERE m.match != '2' ORDER BY m.match DESC;
SELECT count(*) FROM t, regexp_matches(t.x, '[a-z]');
SELECT substr('größe 12', start, end - start) FROM regexp_matches('größe 12', '\d+');
");
    assert_eq!(out, "1|2|3\n22|6|8\n333|12|15\n2|33|2\n1|1|2\n7\n12\n");
}

#[test]
fn limit_closes_the_cursor_early_and_a_million_rows_stream() {
    let out = ok(&format!(
        "{}SELECT value FROM series(1, 1000000) LIMIT 3;\nSELECT open_cursors();\nSELECT count(*), sum(value) FROM series(1, 1000000);\nSELECT open_cursors();\n",
        rows_ext()
    ));
    assert_eq!(out, "1\n2\n3\n0\n1000000|500000500000\n0\n");
}

#[test]
fn where_and_order_by_on_its_columns() {
    let out = ok(&format!(
        "{}SELECT value FROM series(1, 20) WHERE value % 7 = 0 ORDER BY value DESC;\nSELECT value FROM series WHERE start = 2 AND stop = 3;\nSELECT stop FROM series(5, 6) LIMIT 1;\n",
        rows_ext()
    ));
    assert_eq!(out, "14\n7\n2\n3\n6\n");
}

#[test]
fn null_and_missing_arguments() {
    let run = sqlink(&format!(
        "{}SELECT * FROM describe_arg(NULL);\nSELECT * FROM describe_arg(x'00');\nSELECT * FROM series(1);\nSELECT * FROM series(NULL, 3);\nSELECT 'still here';\n",
        rows_ext()
    ));
    assert_eq!(run.stdout, "1|null\n0|blob\nstill here\n");
    assert_eq!(
        run.stderr,
        "Runtime error near line 4: series(): missing argument stop (takes start, stop)\nRuntime error near line 5: series(): missing argument start (takes start, stop)\n"
    );
}

#[test]
fn an_error_or_a_trap_in_the_middle_ends_the_statement_not_the_session() {
    let run = sqlink(&format!(
        "{}SELECT count(*) FROM fail_after(1000);\nSELECT count(*) FROM trap_after(1000);\nSELECT count(*) FROM series(1, 10);\nSELECT open_cursors();\n",
        rows_ext()
    ));
    assert_eq!(run.stdout, "10\n0\n");
    assert_eq!(
        run.stderr,
        "Runtime error near line 2: fail_after: gave up after 1000 rows\nRuntime error near line 3: rows: trap_after() panicked: trap_after: 1000 rows were enough\n"
    );
}

#[test]
fn extensions_lists_table_functions_and_unload_removes_them() {
    let run = sqlink(".load regexp\n.extensions\n.unload regexp\nSELECT * FROM regexp_matches('a', 'a');\n");
    assert!(run.stdout.contains("table     regexp_matches(text, pattern) -> (match, start, end)"), "{}", run.stdout);
    assert_eq!(run.stderr, "Parse error near line 4: no such table: regexp_matches\n");
}
