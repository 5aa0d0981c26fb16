//! Dot-command names, safe mode and `.import` against Debian's `sqlite3` (3.40): the same
//! arguments and script through both shells in the same fresh directory, with the same
//! files; standard output, standard error and exit status compared byte for byte.

mod common;

use std::process::Command;

use common::{Run, run_with_stdin, sqlink_in};

/// `script` on stdin with `args`, through sqlite3 and then sqlink, in one directory (paths
/// show in the output) emptied before each and holding `files`.
fn both(args: &[&str], script: &str, files: &[(&str, &[u8])]) -> (Run, Run) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().canonicalize().unwrap();
    let run = |shell: &dyn Fn(&std::path::Path) -> Run| {
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, bytes) in files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        shell(&dir)
    };
    let sqlite3 = run(&|dir| {
        let mut command = Command::new("sqlite3");
        command.args(args).current_dir(dir);
        run_with_stdin(command, script)
    });
    let sqlink = run(&|dir| sqlink_in(dir, args, script));
    (sqlite3, sqlink)
}

fn same(args: &[&str], script: &str, files: &[(&str, &[u8])]) -> Run {
    let (sqlite3, sqlink) = both(args, script, files);
    assert_eq!(sqlink.stdout, sqlite3.stdout, "stdout for {args:?}:\n{script}");
    assert_eq!(sqlink.stderr, sqlite3.stderr, "stderr for {args:?}:\n{script}");
    assert_eq!(sqlink.code, sqlite3.code, "exit status for {args:?}:\n{script}");
    sqlink
}

/// Prefixes of the commands sqlink has, as short as sqlite3 takes them and shorter; names
/// that are too short, that lead nowhere or that are no prefix at all.
const ABBREVIATED: &str = "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'x'), (2, NULL);
CREATE INDEX ia ON t(a);
.hea on
.mo csv
SELECT * FROM t;
.h off
.m list
.se ;
.nu NIL
SELECT * FROM t;
.sep |
.nullv ''
.sho
.ta
.in
.ind t
.indexe
.b on
.ba on
.bai off
.bin on
.ch on
.cha on
INSERT INTO t VALUES (3, 'y');
.chan off
.ti on
.tim on
.time on
.timer off
.timeo 10
.nonc x
.pri hi there
.pr 'a> ' 'b> '
.ec on
SELECT 1;
.e off
.w 5 6
.wi 5 6
.wh
.mo column
SELECT * FROM t;
.m list
.d
.du t
.da
.on once.txt
SELECT 'to the file';
.rea sub.sql
.x
.headersx on
.i
.im
.impo
.in nosuch
.q";

#[test]
fn abbreviated_dot_commands_as_sqlite3_reads_them() {
    let files: &[(&str, &[u8])] = &[("sub.sql", b"SELECT 'read';\n.m csv\nSELECT 2, 3;\n.mo list\n")];
    let run = same(&["test.db"], ABBREVIATED, files);
    assert!(run.stderr.contains("unknown command or invalid arguments:  \"ch\""), "{}", run.stderr);
    for option in ["-bail", "--bail"] {
        same(&[option, "test.db"], ABBREVIATED, files);
    }
}

#[test]
fn safe_mode_refuses_and_ends_the_run() {
    let refused = [
        ".import data.csv t",
        ".import",
        ".load uuid",
        ".read sub.sql",
        ".shell ls",
        ".sys ls",
        ".system",
        ".o x.txt",
        ".output x.txt",
        ".output",
        ".once x.txt",
        ".open x.db",
        ".open --new x.db",
        ".bac x.db",
        ".save x.db",
        ".restore x.db",
        ".log x.txt",
        ".cd /",
        ".clone x.db",
        ".ar",
        ".excel",
        "ATTACH 'a.db' AS a;",
        "SELECT 1; ATTACH 'a.db' AS a; SELECT 2;",
        ".nonce wrong",
    ];
    let files: &[(&str, &[u8])] = &[("data.csv", b"a,b\n1,2\n"), ("sub.sql", b"SELECT 'read';\n")];
    for option in ["-safe", "--safe"] {
        for command in refused {
            let run = same(&[option, "-nonce", "abc"], &format!("SELECT 1;\n{command}\nSELECT 2;\n"), files);
            assert!(run.stdout.starts_with("1\n") && run.code == 1, "{command}: {}", run.stdout);
            assert!(run.stderr.starts_with("line 2: "), "{command}: {}", run.stderr);
        }
    }
    // Allowed: databases in memory, the commands that reach nothing outside, and whatever
    // follows the right nonce (for that one command only).
    let allowed = ".open\n.open :memory:\nCREATE TABLE t(a);\n.tables\n.nonce\n.nonce abc\nATTACH 'a.db' AS a;\n.databases\n\
                   .nonce abc\n.output x.txt\nSELECT 'in the file';\n.output\nSELECT 3;\n.expert\nSELECT 4;\n.mode csv\nSELECT 5, 6;\n\
                   ATTACH 'b.db' AS b;\nSELECT 7;\n";
    same(&["-safe", "-nonce", "abc"], allowed, files);
    same(&["-safe", "-bail", "-nonce", "abc"], allowed, files);
    // A command given as an argument is refused on line 0; the database named is opened.
    same(&["-safe", "test.db", ".import data.csv t"], "", files);
    same(&["-safe", "-cmd", ".read sub.sql", "test.db", "SELECT 1"], "", files);
    same(&["-safe", "test.db", "CREATE TABLE t(a)", "ATTACH 'a.db' AS a"], "", files);
}

#[test]
fn init_file_errors_and_quit() {
    let files: &[(&str, &[u8])] = &[("bad.sql", b"SELECT x;\nSELECT 2;\n"), ("quit.sql", b"SELECT 3;\n.quit\nSELECT 4;\n")];
    for init in ["bad.sql", "quit.sql"] {
        for bail in [&[][..], &["-bail"][..]] {
            let args: Vec<&str> = bail.iter().copied().chain(["-init", init]).collect();
            same(&args, "SELECT 1;\n", files);
        }
    }
}

const CSV: &[u8] = b"name,\"note, with comma\",n\r\nada,\"said \"\"hi\"\"\nthen left\",1\r\nbob,,2\r\n\"x\",y\r\nc,d,3,4\r\n\n";

#[test]
fn import_options_and_inputs_as_sqlite3_takes_them() {
    let files: &[(&str, &[u8])] = &[
        ("data.csv", CSV),
        ("dup.csv", b"a,A,b,,a\n1,2,3,4,5\n"),
        ("blank.csv", b"x,y\n1,2\n\n"),
        ("single.csv", b"x\n1\n\n2\n"),
        ("empty.csv", b""),
        ("bom.csv", b"\xef\xbb\xbfk,v\n1,2\n"),
        ("quotes.csv", b"q,r\n\"a\"b\",c\n\"open,d\n"),
        ("data.ascii", b"p\x1fq\x1e1\x1f2\x1e3\x1f4\x1e"),
        ("pipe.txt", b"u|v\n1|2\n"),
    ];
    let script = ".import
.import data.csv
.import data.csv t extra
.import --bogus data.csv t
.import data.csv t --skip
.import -v
.import --csv data.csv t
.mode quote
SELECT * FROM t;
.import --csv -skip 1 data.csv t
.import --csv --skip 0x2 data.csv t
SELECT count(*) FROM t;
.import --csv dup.csv dup
.import --csv blank.csv blank
.import --csv single.csv single
.import --csv empty.csv empty
.import --csv bom.csv bom
.import --csv quotes.csv quotes
.import --ascii data.ascii ascii
.import -v pipe.txt piped
.import -v -v --csv blank.csv blank
.import nosuch.csv t
.import --csv --schema nosuch data.csv t
.schema
SELECT * FROM dup; SELECT * FROM blank; SELECT * FROM single; SELECT * FROM bom;
SELECT * FROM quotes; SELECT * FROM ascii; SELECT * FROM piped;
.mode csv
.import data.csv viamode
.show
.mode ascii
.import data.ascii viaascii
.mode quote
SELECT * FROM viamode; SELECT * FROM viaascii;
CREATE TABLE strict_t(a INTEGER) STRICT;
.import --csv data.csv strict_t
.import '|printf \"c1,c2\\n1,2\\n\\n3,4\\n\"' fromcommand
SELECT * FROM fromcommand;
.import '|exit 3' nothing
.output '|tr a-z A-Z'
SELECT 'through a command';
.output
SELECT 'after';
.once '|sed s/^/piped:/'
SELECT 'once';
SELECT 'not piped';
.read '|printf \"SELECT 40 + 2;\\nSELECT nosuch;\\n\"'
.read '|exit 1'
SELECT 'end';
";
    for args in [&["test.db"][..], &["-bail", "test.db"][..]] {
        same(args, script, files);
    }
}

#[test]
fn lint_fkey_indexes_as_sqlite3_reports() {
    let script = "CREATE TABLE p(id INTEGER PRIMARY KEY, code TEXT UNIQUE COLLATE NOCASE, a, b, UNIQUE(a, b));
CREATE TABLE c1(x REFERENCES p);
CREATE TABLE c2(y REFERENCES p(code));
CREATE TABLE c3(u, v, FOREIGN KEY(u, v) REFERENCES p(a, b));
CREATE TABLE c4(w REFERENCES p);
CREATE INDEX c4w ON c4(w);
CREATE TABLE \"odd name\"(\"odd col\" REFERENCES p, other REFERENCES q);
CREATE TABLE q(k PRIMARY KEY);
CREATE TABLE c5(z REFERENCES q);
CREATE TABLE c6(id INTEGER PRIMARY KEY REFERENCES p);
.lint fkey-indexes
.lint fkey-indexes -verbose
.lint fkey -groupbyparent
.lint f -v -g
.lint FKEY-INDEXES -VERB
.lint
.lint foo
.lint fkey-indexes --verbose
.lint fkey-indexes-and-more
.lin fkey-indexes
.lint fkey-indexes extra
SELECT 'still running';
";
    for args in [&["test.db"][..], &["-bail", "test.db"][..]] {
        same(args, script, &[]);
    }
    same(&["test.db"], ".lint fkey-indexes\n", &[]);
}

/// Byte strings that are not all UTF-8: lone bytes above 0x7f, cut and overlong sequences,
/// surrogates, and pseudo-random bytes (without the quote, newline and NUL that would end
/// the SQL literal they are put in).
fn byte_strings() -> Vec<Vec<u8>> {
    let mut strings: Vec<Vec<u8>> = vec![
        b"\xff\xfe".to_vec(),
        b"\x80".to_vec(),
        b"a\xe2\x82".to_vec(),
        b"\xc0\xaf".to_vec(),
        b"\xed\xa0\x80x".to_vec(),
        "\u{e9}t\u{e9}".as_bytes().to_vec(),
        b"\xf4\x90\x80\x80".to_vec(),
    ];
    let mut state: u32 = 0x2545_f491;
    for length in 1..24 {
        let mut bytes = Vec::new();
        while bytes.len() < length {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let byte = (state >> 24) as u8;
            if ![0, b'\n', b'\r', b'\''].contains(&byte) {
                bytes.push(byte);
            }
        }
        strings.push(bytes);
    }
    strings
}

/// sqlink, or Debian's sqlite3.
fn shell_command(sqlink: bool) -> Command {
    if !sqlink {
        return Command::new("sqlite3");
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_sqlink"));
    command.env("SQLINK_CACHE_DIR", common::cache_dir());
    command
}

/// A shell run on `stdin` in `dir` (already holding its files): stdout, stderr, status.
fn run_bytes(mut command: Command, dir: &std::path::Path, stdin: &[u8]) -> (Vec<u8>, Vec<u8>, i32) {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = command.current_dir(dir).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&stdin));
    let output = child.wait_with_output().unwrap();
    let _ = writer.join();
    (output.stdout, output.stderr, output.status.code().unwrap_or(-1))
}

#[test]
fn sql_that_is_not_utf8_keeps_its_bytes() {
    let strings = byte_strings();
    let mut script = b"CREATE TABLE t(x);\n".to_vec();
    let mut file = Vec::new();
    for bytes in &strings {
        for target in [&mut script, &mut file] {
            target.extend_from_slice(b"SELECT hex('");
            target.extend_from_slice(bytes);
            target.extend_from_slice(b"'), typeof('");
            target.extend_from_slice(bytes);
            target.extend_from_slice(b"');\nINSERT INTO t VALUES('");
            target.extend_from_slice(bytes);
            target.extend_from_slice(b"');\n");
        }
    }
    script.extend_from_slice(
        b".read more.sql\nSELECT count(*), hex(group_concat(x, '|')) FROM t;\nSELECT typeof(x), hex(x) FROM t LIMIT 3;\n",
    );
    let run = |sqlink: bool| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("more.sql"), &file).unwrap();
        std::fs::write(dir.path().join("init.sql"), &file).unwrap();
        let mut command = shell_command(sqlink);
        // The -init file runs before the table exists: its inserts fail, as they do in
        // sqlite3, and do not count toward the exit status.
        command.args(["-init", "init.sql", "test.db"]);
        run_bytes(command, dir.path(), &script)
    };
    let (expected, sqlink) = (run(false), run(true));
    assert_eq!(String::from_utf8_lossy(&sqlink.1), String::from_utf8_lossy(&expected.1));
    assert_eq!(String::from_utf8_lossy(&sqlink.0), String::from_utf8_lossy(&expected.0));
    assert_eq!(sqlink, expected);
    assert!(String::from_utf8_lossy(&sqlink.0).starts_with("FFFE|text\n"), "{}", String::from_utf8_lossy(&sqlink.0));
}

/// Texts that are not UTF-8 print as their bytes in every output mode and in `.dump`, and
/// the columnar modes count their width as sqlite3 does (bytes that do not continue a UTF-8
/// sequence).
#[test]
fn text_that_is_not_utf8_prints_as_its_bytes() {
    let mut strings = byte_strings();
    strings.push("\u{10FF80}\u{10FFFF}".as_bytes().to_vec());
    let mut script = b"CREATE TABLE t(x);\nSELECT 'a\xffb';\n.headers on\n".to_vec();
    // A name holding a character of the range the shell uses for stray bytes prints as itself.
    script.extend_from_slice("SELECT 1 AS \"\u{10FF80}\";\n.headers off\n".as_bytes());
    for bytes in &strings {
        script.extend_from_slice(b"INSERT INTO t VALUES('");
        script.extend_from_slice(bytes);
        script.extend_from_slice(b"');\n");
    }
    for mode in ["list", "csv", "quote", "insert", "json", "line", "box", "table", "markdown", "column", "html", "tcl"] {
        script.extend_from_slice(format!(".mode {mode}\n.headers on\nSELECT x, typeof(x) AS type FROM t;\n").as_bytes());
    }
    script.extend_from_slice(b".dump\n");
    let run = |sqlink: bool| {
        let dir = tempfile::tempdir().unwrap();
        run_bytes(shell_command(sqlink), dir.path(), &script)
    };
    let (expected, sqlink) = (run(false), run(true));
    assert_eq!(String::from_utf8_lossy(&sqlink.1), String::from_utf8_lossy(&expected.1));
    assert_eq!(String::from_utf8_lossy(&sqlink.0), String::from_utf8_lossy(&expected.0));
    assert_eq!(sqlink, expected);
    assert!(sqlink.0.starts_with(b"a\xffb\n"));
}

/// `.trace` as sqlite3 3.40 reads it and writes its lines: the options (one dash or two,
/// unknown ones), targets (stdout, stderr, a file, one that cannot be opened, off), lines
/// between rows, expanded SQL, a trigger's statements, a failing statement, and the close.
#[test]
fn trace_as_sqlite3_writes_it() {
    let scripts = [
        ".trace stdout\nSELECT 1;\nSELECT 2 UNION ALL SELECT 3; SELECT 'x;' ;\n.trace\nSELECT 4;\n.trace off\nSELECT 5;\n",
        ".trace stdout --row --stmt --close\nSELECT 1 UNION ALL SELECT 2;\n.mode box\nSELECT 3 AS a UNION ALL SELECT 4;\n",
        ".trace stdout -expanded\nSELECT ?1, 'x;', :a;\n.trace stdout\nSELECT ?1 || 'y';\n.trace stdout --plain\nSELECT ?1;\n",
        ".trace --bogus\n.trace stdout -nope\nSELECT 1;\n.trace a b\nSELECT 2;\n.trace off\n.read a\n.trace /nonexistent/x\nSELECT 3;\n",
        ".trace stderr\nSELECT 1;\n.trace --row stdout\nSELECT 2;\n.trace off\n.read --row\n",
        "CREATE TABLE t(x);\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;\n.trace stdout\n-- a comment first\nINSERT INTO t VALUES (1);\nCREATE TABLE u(x NOT NULL);\nSELECT 1; INSERT INTO u VALUES (NULL); SELECT 2;\n",
        ".trace stdout --close\nSELECT 1;\n.open other.db\nSELECT 2;\n.trace stdout --close --stmt\nSELECT 3;\n",
        ".trace stdout\n.output out.txt\nSELECT 'SELECT 7;';\n.output stdout\n.trace off\n.read out.txt\n",
    ];
    for script in scripts {
        same(&[], script, &[]);
    }
}
