//! The shell against Debian's `sqlite3` (3.40): the same script through both, in the same
//! directory on the same database name, output compared byte for byte. Where the two differ
//! on purpose, the test says so:
//! - REALs written as SQL (quote and insert modes, `.dump`) carry 20 significant digits in
//!   both, but SQLite 3.40's printf and the runtime's 3.54 compute different trailing digits
//!   for the same double ("0.10000000000000000555" and "0.1000000000000000056"); both read
//!   back as the same value, which `dump_replayed_by_sqlite3_dumps_identically` proves.
//! - `.show` lists only the settings sqlink has (no eqp, explain, stats, width).
//! - json mode writes a blob as hex (valid JSON whatever the bytes); sqlite3 3.40 writes its
//!   raw bytes, so json is left out of the mode comparison.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Run, run_with_stdin, sqlink_in};

/// Run `script` on `db` (a file name in a fresh directory) through sqlite3, then through
/// sqlink on a fresh file of the same name; `files` are read back from the directory after
/// each run (what `.output` wrote).
fn both_in(script: &str, setup_files: &[(&str, &str)], files: &[&str]) -> ((Run, Vec<String>), (Run, Vec<String>)) {
    both_with(&["test.db"], script, setup_files, files)
}

/// As [`both_in`], with the command-line arguments `args` for both shells.
fn both_with(args: &[&str], script: &str, setup_files: &[(&str, &str)], files: &[&str]) -> ((Run, Vec<String>), (Run, Vec<String>)) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().canonicalize().unwrap();
    let run = |shell: &dyn Fn(&Path) -> Run| {
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, text) in setup_files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        let output = shell(&dir);
        let written = files.iter().map(|f| std::fs::read_to_string(dir.join(f)).unwrap_or_default()).collect();
        (output, written)
    };
    let sqlite3 = run(&|dir: &Path| {
        let mut command = Command::new("sqlite3");
        command.args(args).current_dir(dir);
        run_with_stdin(command, script)
    });
    let sqlink = run(&|dir: &Path| sqlink_in(dir, args, script));
    (sqlite3, sqlink)
}

fn same_output(script: &str) {
    let ((sqlite3, _), (sqlink, _)) = both_in(script, &[], &[]);
    assert_eq!(sqlink.stdout, sqlite3.stdout, "stdout for:\n{script}");
    assert_eq!(sqlink.stderr, "", "stderr for:\n{script}");
}

const TABLE: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, note);
INSERT INTO t VALUES (1, 'ada', 3.0, x'0a0b', NULL), (2, 'it''s \"quoted\"', -2.0, x'', 'a|b'),
  (3, 'two
lines', NULL, NULL, 'c,d'), (4, '', 1e20, x'ff', 7);";

#[test]
fn markdown_tabs_quote_and_insert_modes() {
    for headers in ["on", "off"] {
        for mode in
            ["markdown", "tabs", "quote", "insert", "insert other_table", "insert \"select\"", "table", "box", "list", "csv", "line"]
        {
            same_output(&format!("{TABLE}\n.headers {headers}\n.mode {mode}\nSELECT * FROM t;\nSELECT 1 AS one, NULL AS missing;"));
        }
    }
}

#[test]
fn scripts_as_people_write_them() {
    // Comment lines and blank lines start no statement, so a dot command may follow them;
    // statements split over lines, several on one line, and comments inside statements.
    same_output(
        "-- setup\n\n.mode csv\nCREATE TABLE t(a, b); -- a table\n/* two rows */\nINSERT INTO t VALUES (1, 'x'),\n  (2, 'y');\n\
         .headers on\n  -- indented comment\nSELECT * FROM t; SELECT count(*)\n  FROM t;\n/* c */ -- d\n.mode list\nSELECT a -- inline\n FROM t WHERE b = 'y';\n",
    );
}

#[test]
fn separator_print_changes_databases_and_indexes() {
    same_output(&format!(
        "{TABLE}
CREATE INDEX by_name ON t(name);
CREATE TABLE u(a UNIQUE, b);
CREATE INDEX u_b ON u(b);
.separator ; ~
SELECT id, name FROM t WHERE id < 3;
.separator , \\n
SELECT id, note FROM t;
.mode tabs
SELECT id, name FROM t WHERE id = 1;
.mode list
.print hello   \"big world\"  'x y' \\t end
.changes on
INSERT INTO u VALUES (1, 2), (3, 4);
SELECT count(*) FROM u;
UPDATE u SET b = b + 1;
.changes off
DELETE FROM u;
.databases
.indexes
.indexes u
.indexes nothing"
    ));
}

#[test]
fn output_and_once_write_files() {
    let script = format!(
        "{TABLE}
.output out.txt
SELECT name FROM t WHERE id = 1;
.print printed
.output
SELECT 'to stdout';
.once once.txt
SELECT id FROM t;
SELECT 'after once';
.mode quote
.once quoted.txt
SELECT * FROM t WHERE id < 3;"
    );
    let ((sqlite3, expected), (sqlink, written)) = both_in(&script, &[], &["out.txt", "once.txt", "quoted.txt"]);
    assert_eq!(sqlink.stdout, sqlite3.stdout);
    assert_eq!(written, expected);
    assert_eq!(written[0], "ada\nprinted\n");
}

#[test]
fn show_lists_the_settings_as_sqlite3_does() {
    same_output(
        ".show\n.headers on\n.mode csv\n.nullvalue NIL\n.separator ; \\r\\n\n.echo on\n.explain off\n.stats on\n.width 5 -3 0\n.show\n\
         .echo off\n.mode box\n.show\n.mode\n.mode col\n.mode\n.mode t\n.mode\n.mode insert x\n.mode\n.mode ascii\n.mode",
    );
}

/// Run `script` through both shells with `args` and compare everything a user sees.
fn same_run(args: &[&str], script: &str) {
    let ((sqlite3, _), (sqlink, _)) = both_with(args, script, &[], &[]);
    assert_eq!(sqlink.stdout, sqlite3.stdout, "stdout for {args:?}:\n{script}");
    assert_eq!(sqlink.stderr, sqlite3.stderr, "stderr for {args:?}:\n{script}");
    assert_eq!(sqlink.code, sqlite3.code, "exit status for {args:?}:\n{script}");
}

const ERRORS: &str = "CREATE TABLE t(a UNIQUE);
  SELEC 1;
SELECT 1;

INSERT INTO t VALUES (1);
INSERT INTO t VALUES (1);
SELECT abs(1, 2);
SELECT 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' || nocol, 'and more text after the error spot';
SELECT 2; SELECT
  abs(1, 2, 3)
  ;
-- a comment
SELECT 3;
SELECT (1";

#[test]
fn sql_errors_worded_as_sqlite3_words_them() {
    // A script on stdin: "Parse error near line N" with the caret, "Runtime error" with the
    // result code; with -bail the first error ends it. Then SQL as arguments.
    same_run(&["test.db"], ERRORS);
    same_run(&["-bail", "test.db"], ERRORS);
    same_run(&["test.db", "SELECT 1", "SELEC 2", "SELECT 3"], "");
    // sqlite3 exits with the failing statement's result code here (19); sqlink with 1, as a
    // WASI program can only fail (see the README).
    let ((sqlite3, _), (sqlink, _)) =
        both_with(&["test.db", "CREATE TABLE u(a UNIQUE); INSERT INTO u VALUES (1), (1);", "SELECT 3"], "", &[], &[]);
    assert_eq!((sqlink.stdout, sqlink.stderr, sqlink.code, sqlite3.code), (sqlite3.stdout, sqlite3.stderr, 1, 19));
    same_run(&["test.db", "SELECT 1; SELECT abs(1,2)"], "");
    // `.read` numbers lines from its own file's start.
    let ((sqlite3, _), (sqlink, _)) = both_with(
        &["test.db"],
        "SELECT 0;\n.read bad.sql\nSELECT 4;\n.read nofile",
        &[("bad.sql", "SELECT 1;\n\nSELEC 2;\nSELECT 3;\n")],
        &[],
    );
    assert_eq!((sqlink.stdout, sqlink.stderr, sqlink.code), (sqlite3.stdout, sqlite3.stderr, sqlite3.code));
}

#[test]
fn dot_commands_answer_wrong_arguments_with_their_usage() {
    let script = ".bail\n.bail on x\n.changes\n.echo\n.echo on x\n.headers\n.headers on off\n.indexes a b\n.nullvalue\n\
        .nullvalue a b\n.read\n.read a b\n.schema a b\n.separator\n.separator a b c\n.show x\n.stats a b\n.timer\n.timer on x\n\
        .nosuch\n.headers maybe\nSELECT 1 AS a;\n.headers 1\nSELECT 1 AS a;\n.headers 0x0\nSELECT 1 AS a;\n.headers YES\nSELECT 2 AS b;\n\
        .mode bogus\nSELECT 'still running';";
    // sqlite3 names its qbox mode among the modes; sqlink has none.
    let ((sqlite3, _), (sqlink, _)) = both_with(&["test.db"], script, &[], &[]);
    assert_eq!((sqlink.stdout, sqlink.stderr, sqlink.code), (sqlite3.stdout, sqlite3.stderr.replace(" qbox", ""), sqlite3.code));
    same_run(&["-bail", "test.db"], ".headers on\n.separator\nSELECT 1;");
    same_run(&["test.db", ".headers on x", "SELECT 1"], "");
}

const ROWS: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, note);
INSERT INTO t VALUES (1, 'ada', 3.0, NULL), (2, 'it''s \"quoted\" <&>', -2.0, 'a|b'),
  (3, 'two
lines	tab', NULL, 'c,d'), (4, '', 1e20, 7), (5, 'a long value, longer than sixty characters, which column mode wraps', 1, 2);
";

#[test]
fn column_html_tcl_and_ascii_modes_with_widths() {
    let mut script = String::from(ROWS);
    for headers in ["on", "off"] {
        for mode in ["column", "html", "tcl", "ascii", "box"] {
            script.push_str(&format!(".headers {headers}\n.mode {mode}\nSELECT * FROM t;\nSELECT 1 AS one, NULL AS missing;\n"));
        }
    }
    script.push_str(".mode column\n.headers on\n.width 3 -10 0 2\nSELECT * FROM t;\n.width\nSELECT id, name FROM t WHERE id < 3;\n");
    script.push_str(".mode table\n.width -6\nSELECT id, name FROM t WHERE id < 3;\n");
    same_output(&script);
}

#[test]
fn echo_and_prompt() {
    same_output("SELECT 1;\n.echo on\nSELECT 2; SELECT 3;\nSELECT\n  4;\n-- c\n.print hi\n.prompt 'a> ' 'b> '\n.echo off\nSELECT 5;");
}

#[test]
fn command_line_options_as_sqlite3_reads_them() {
    let script = "SELECT 1 AS a, 'x' AS b;";
    for args in [
        &["-column", "-header", "test.db"][..],
        &["-html", "test.db"],
        &["-separator", ";", "-newline", "~", "test.db"],
        &["--csv", "-noheader", "test.db"],
        &["-echo", "test.db"],
        &["-cmd", ".mode quote", "-cmd", "SELECT 0", "test.db"],
        &["-batch", "-bail", "-nullvalue", "NIL", "test.db"],
        &["-init", "init.sql", "test.db"],
        &["-separator"],
        &["-bogus", "test.db"],
        &["test.db", "-header", "SELECT 1 AS one"],
    ] {
        let ((sqlite3, _), (sqlink, _)) = both_with(args, script, &[("init.sql", ".headers on\nSELECT 'from init';\n")], &[]);
        assert_eq!(sqlink.stdout, sqlite3.stdout, "stdout for {args:?}");
        assert_eq!(sqlink.stderr.replace("sqlink:", "sqlite3:"), sqlite3.stderr, "stderr for {args:?}");
        assert_eq!(sqlink.code, sqlite3.code, "exit status for {args:?}");
    }
    // -readonly: reads work, a write fails as sqlite3's does.
    let dir = tempfile::tempdir().unwrap();
    sqlink_in(dir.path(), &["ro.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1);"], "");
    let run = sqlink_in(dir.path(), &["-readonly", "ro.db"], "SELECT x FROM t;\nINSERT INTO t VALUES (2);");
    let mut native = Command::new("sqlite3");
    native.args(["-readonly", "ro.db"]).current_dir(dir.path());
    let expected = run_with_stdin(native, "SELECT x FROM t;\nINSERT INTO t VALUES (2);");
    assert_eq!((run.stdout, run.stderr, run.code), (expected.stdout, expected.stderr, expected.code));
}

#[test]
fn version_and_help_name_the_embedded_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let version = sqlink_in(dir.path(), &["-version"], "");
    // sqlite3's -version line: the library's version, date and check-in (3.54's, not 3.40's).
    assert!(version.stdout.starts_with("3.54."), "{}", version.stdout);
    assert_eq!((version.stdout.split(' ').count(), version.code), (4, 0));
    let help = sqlink_in(dir.path(), &["-help"], "");
    assert!(help.stderr.starts_with("Usage: sqlink [OPTIONS] FILENAME [SQL]\n"), "{}", help.stderr);
    assert!(help.stderr.contains("   -cmd COMMAND         run \"COMMAND\" before reading stdin\n"));
    assert_eq!((help.stdout.as_str(), help.code), ("", 1));
    // sqlink's own, with two dashes, stay the host's.
    assert!(sqlink_in(dir.path(), &["--version"], "").stdout.starts_with("sqlink "));
}

#[test]
fn schema_tables_echo_read_and_the_commands_that_print_nothing() {
    let script = "CREATE TABLE b(x); CREATE TABLE a(y); CREATE VIEW v AS SELECT 1 AS one, 2, y AS \"select\" FROM a;
CREATE INDEX ai ON a(y); CREATE TRIGGER tr AFTER INSERT ON b BEGIN SELECT 1; END;
CREATE VIRTUAL TABLE f USING fts5(a, \"b c\"); CREATE VIEW \"my view\" AS SELECT * FROM b;
.schema
.schema a
.schema %view
.schema nothing
.tables
.tables _%
.tables nothing
.binary on
.prompt 'P> ' '.> '
.timeout 50
.echo on
SELECT 1; SELECT 2;
  SELECT
  3;
-- a comment line
.print printed
/* c */ SELECT 4; -- tail
.echo off
SELECT 5;
.read more.sql
.bail on
SELECT 6;
.quit
SELECT 'never';";
    let more = ".echo on\nSELECT 'from more.sql';\n.echo off\n";
    let ((sqlite3, _), (sqlink, _)) = both_in(script, &[("more.sql", more)], &[]);
    assert_eq!(sqlink.stdout, sqlite3.stdout);
    assert_eq!((sqlink.stderr.as_str(), sqlink.code), ("", sqlite3.code));
}

const DUMPED: &str = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, note);
INSERT INTO t VALUES (1, 'ada', 3.0, x'0a0b', NULL), (2, 'it''s \"quoted\"', -2.0, x'', 'a|b'),
  (3, 'two
lines', NULL, NULL, 'carriage' || char(13) || 'return'), (4, '', 1e20, x'ff00', 7);
CREATE TABLE \"odd name\"(\"a b\", c DEFAULT 'x');
INSERT INTO \"odd name\" VALUES ('1', 2);
CREATE TABLE seq(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
INSERT INTO seq(v) VALUES ('first'), ('second');
CREATE INDEX t_name ON t(name);
CREATE VIEW names AS SELECT name FROM t;
CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO seq(v) VALUES (new.name); END;
CREATE TABLE empty(x);";

#[test]
fn dump_matches_sqlite3() {
    same_output(&format!("{DUMPED}\n.dump\n.dump t%\n.dump nothing"));
}

/// sqlink's `.dump`, fed to sqlite3 in a fresh database, gives a database whose `.dump` is
/// the same: schema, NULLs, blobs, quotes, newlines and REALs all survive.
#[test]
fn dump_replayed_by_sqlite3_dumps_identically() {
    let dir = tempfile::tempdir().unwrap();
    let reals = "CREATE TABLE r(x REAL); INSERT INTO r VALUES (0.1), (1.0 / 3), (-2.5e-300), (1e300 * 1.7), (123456.789);";
    let first = sqlink_in(dir.path(), &["first.db"], &format!("{DUMPED}\n{reals}\n.dump"));
    assert_eq!(first.stderr, "");
    let mut replay = Command::new("sqlite3");
    replay.arg("second.db").current_dir(dir.path());
    let replayed = run_with_stdin(replay, &first.stdout);
    assert_eq!((replayed.stderr.as_str(), replayed.code), ("", 0));
    let second = sqlink_in(dir.path(), &["second.db"], ".dump");
    assert_eq!(second.stdout, first.stdout);
    // The same values, compared by SQLite itself.
    let check = sqlink_in(
        dir.path(),
        &["first.db"],
        "ATTACH 'second.db' AS two;\nSELECT count(*) FROM (SELECT * FROM r EXCEPT SELECT * FROM two.r);\nSELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM two.t);",
    );
    assert_eq!((check.stdout.as_str(), check.stderr.as_str()), ("0\n0\n", ""));
}

/// Virtual tables with shadow tables, as sqlite3 dumps them: the virtual table goes into the
/// schema with writable_schema on, its shadow tables are dumped as tables, so the dump reads
/// back (creating the virtual table would create shadow tables the dump creates again).
const VIRTUAL: &str = "CREATE VIRTUAL TABLE docs USING fts5(title, body);
INSERT INTO docs VALUES ('first', 'hello world'), ('it''s', 'a quoted ''word'''), ('third', 'hello again');
CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1, y0, y1);
INSERT INTO boxes VALUES (1, 0, 2, 0, 2), (2, 1.5, 3, -1, 0.5);
CREATE TABLE \"odd name\"(k PRIMARY KEY, v) WITHOUT ROWID;
INSERT INTO \"odd name\" VALUES ('a', 1), ('b', x'00ff');
CREATE VIEW hits AS SELECT title FROM docs WHERE docs MATCH 'hello';
CREATE TRIGGER log AFTER INSERT ON \"odd name\" BEGIN INSERT INTO docs VALUES (new.k, 'logged'); END;";

#[test]
fn dump_of_virtual_tables_restores_in_both_shells() {
    let dir = tempfile::tempdir().unwrap();
    let created = sqlink_in(dir.path(), &["first.db"], VIRTUAL);
    assert_eq!(created.stderr, "");
    let dumped = sqlink_in(dir.path(), &["first.db"], ".dump");
    assert_eq!(dumped.stderr, "");
    let sqlite3_dump = |db: &str| {
        let mut command = Command::new("sqlite3");
        command.arg(db).current_dir(dir.path());
        run_with_stdin(command, ".dump")
    };
    // Byte for byte what sqlite3 writes for the same file.
    assert_eq!(dumped.stdout, sqlite3_dump("first.db").stdout);
    let entry = "PRAGMA writable_schema=ON;\nINSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)\
                 VALUES('table','docs','docs',0,'CREATE VIRTUAL TABLE docs USING fts5(title, body)');";
    assert!(dumped.stdout.contains(entry), "{}", dumped.stdout);

    let mut into_sqlite3 = Command::new("sqlite3");
    into_sqlite3.arg("second.db").current_dir(dir.path());
    let replayed = run_with_stdin(into_sqlite3, &dumped.stdout);
    assert_eq!((replayed.stderr.as_str(), replayed.code), ("", 0));
    let replayed = sqlink_in(dir.path(), &["third.db"], &dumped.stdout);
    assert_eq!(replayed.stderr, "");
    for db in ["second.db", "third.db"] {
        assert_eq!(sqlite3_dump(db).stdout, dumped.stdout, "{db}");
        let query = "SELECT * FROM hits ORDER BY 1;\nSELECT id FROM boxes WHERE x1 > 2.5;\nPRAGMA integrity_check;";
        let restored = sqlink_in(dir.path(), &[db], query);
        assert_eq!((restored.stdout.as_str(), restored.stderr.as_str()), ("first\nthird\n2\nok\n", ""), "{db}");
    }
}

const CSV: &str = "name,\"note, with comma\",n\r\nada,\"said \"\"hi\"\"\nthen left\",1\r\nbob,,2\r\n\"x\",y\r\nc,d,3,4\r\n";

#[test]
fn import_csv_as_sqlite3_does() {
    let script = ".import --csv data.csv t
.schema t
.mode quote
SELECT * FROM t;
.import --csv --skip 1 data.csv t
SELECT count(*) FROM t;
CREATE TABLE typed(a INTEGER, b TEXT, c REAL);
.import --csv --skip 2 data.csv typed
SELECT a, typeof(a), b, c, typeof(c) FROM typed;
.mode csv
.import data.csv viacsvmode
.mode csv
SELECT * FROM viacsvmode;
ATTACH 'other.db' AS other;
.import -csv -skip 1 -schema other data.csv elsewhere
.import --csv --schema other data.csv elsewhere
.mode csv
SELECT * FROM other.elsewhere;";
    let ((sqlite3, _), (sqlink, _)) = both_in(script, &[("data.csv", CSV)], &[]);
    assert_eq!(sqlink.stdout, sqlite3.stdout);
    assert_eq!(sqlink.stderr, sqlite3.stderr);
    assert!(sqlink.stderr.contains("data.csv:5: expected 3 columns but found 2 - filling the rest with NULL"), "{}", sqlink.stderr);
}

#[test]
fn help_lists_every_command_and_explains_one() {
    let dir = tempfile::tempdir().unwrap();
    let run = sqlink_in(dir.path(), &[], ".help\n.help dump\n.help nosuch");
    let commands = [
        ".bail",
        ".changes",
        ".databases",
        ".dump",
        ".exit",
        ".extensions",
        ".headers",
        ".help",
        ".import",
        ".indexes",
        ".load",
        ".mode",
        ".nullvalue",
        ".once",
        ".open",
        ".output",
        ".print",
        ".quit",
        ".read",
        ".schema",
        ".separator",
        ".show",
        ".tables",
        ".timeout",
        ".timer",
        ".unload",
    ];
    for command in commands {
        assert!(run.stdout.lines().any(|l| l.starts_with(&format!("{command} "))), "{command} missing from .help");
    }
    assert!(run.stdout.ends_with(".dump ?PATTERN?      Render the database (or the tables matching a LIKE pattern) as SQL\n"));
    assert_eq!(run.stderr, "Error: Nothing matches 'nosuch'\n");
}
