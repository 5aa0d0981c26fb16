//! The commands that move whole databases between the shell and files (`.backup`, `.save`,
//! `.restore`, `.open` and its options) against Debian's `sqlite3` 3.40: the same script in
//! the same kind of directory through both, stdout, stderr and exit status compared byte for
//! byte; and files written by one shell read by the other.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Run, run_with_stdin, sqlink_in};

const ROWS: &str = "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB);
INSERT INTO t VALUES (1, 'one', x'01'), (2, 'two', zeroblob(3000)), (3, NULL, NULL);
CREATE INDEX t_b ON t(b);";

fn sqlite3_in(dir: &Path, args: &[&str], stdin: &str) -> Run {
    let mut command = Command::new("sqlite3");
    command.args(args).current_dir(dir);
    run_with_stdin(command, stdin)
}

/// Run `script` through both shells in one directory (paths show in `.databases` and in
/// errors), prepared by `setup` before each, and compare what a user sees; returns the files
/// each left (sqlite3's moved aside, then sqlink's).
fn same_run(script: &str, setup: &dyn Fn(&Path)) -> (tempfile::TempDir, tempfile::TempDir) {
    let (native, ours) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let dir = ours.path().canonicalize().unwrap();
    setup(&dir);
    let expected = sqlite3_in(&dir, &["test.db"], script);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::rename(&path, native.path().join(path.file_name().unwrap())).unwrap();
    }
    setup(&dir);
    let got = sqlink_in(&dir, &["test.db"], script);
    assert_eq!(got.stdout, expected.stdout, "stdout for:\n{script}");
    assert_eq!(got.stderr, expected.stderr, "stderr for:\n{script}");
    assert_eq!(got.code, expected.code, "exit status for:\n{script}");
    (native, ours)
}

fn no_setup(_: &Path) {}

/// What a database file holds, as sqlite3 dumps it.
fn dump(dir: &Path, file: &str) -> String {
    let run = sqlite3_in(dir, &[file, ".dump"], "");
    assert_eq!(run.stderr, "", "{file}");
    run.stdout
}

#[test]
fn backup_save_and_restore_arguments_as_sqlite3_reads_them() {
    let script = format!(
        "{ROWS}
.backup
.backup main b1.db extra
.backup --bogus b2.db
.backup nosuch b3.db
.backup /nonexistent/dir/b4.db
.save -bogus x.db
.save main s1.db x y
.restore
.restore a b c
.restore nosuch b1.db
.backup main b5.db
.save --async s2.db
.backup -append app.db
.backup temp tmp.db
SELECT count(*) FROM t;
.restore missing.db
SELECT count(*) FROM sqlite_schema;
.restore b5.db
SELECT a, b, length(c) FROM t;
.restore main s2.db
SELECT count(*) FROM t;
ATTACH 'other.db' AS other;
.restore other b5.db
SELECT count(*) FROM other.t;
.backup other o.db
.databases"
    );
    let (native, ours) = same_run(&script, &no_setup);
    // The copies hold what sqlite3's hold.
    for file in ["b5.db", "s2.db", "app.db", "o.db", "tmp.db"] {
        assert_eq!(dump(ours.path(), file), dump(native.path(), file), "{file}");
    }
    assert!(dump(ours.path(), "b5.db").contains("INSERT INTO t VALUES(1,'one',X'01');"));
    // .backup of a failed schema still created the file, as sqlite3's does.
    assert!(ours.path().join("b3.db").exists() && native.path().join("b3.db").exists());
}

#[test]
fn files_cross_between_the_shells() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    // sqlink writes, sqlite3 reads (plain and appended to another file); sqlite3 writes,
    // sqlink restores.
    std::fs::write(dir.join("prefix.bin"), b"not a database, some leading bytes\n").unwrap();
    let run = sqlink_in(dir, &["ours.db"], &format!("{ROWS}\n.backup from_sqlink.db\n.save --append prefix.bin\n"));
    assert_eq!((run.stderr.as_str(), run.code), ("", 0));
    let expected = dump(dir, "ours.db");
    assert_eq!(dump(dir, "from_sqlink.db"), expected);
    let appended = sqlite3_in(dir, &[], ".open --append prefix.bin\n.dump\n");
    assert_eq!((appended.stdout.as_str(), appended.stderr.as_str()), (expected.as_str(), ""));
    assert!(std::fs::read(dir.join("prefix.bin")).unwrap().starts_with(b"not a database"));

    let run = sqlite3_in(dir, &["native.db"], "CREATE TABLE n(x); INSERT INTO n VALUES ('from sqlite3'), (42);\n.backup from_sqlite3.db\n");
    assert_eq!(run.stderr, "");
    let run = sqlink_in(dir, &[":memory:"], ".restore from_sqlite3.db\nSELECT * FROM n;\n.open prefix.bin\nSELECT count(*) FROM t;\n");
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("from sqlite3\n42\n3\n", ""));
    // Named on the command line, the file with a database at its end opens as sqlite3 opens it.
    let run = sqlink_in(dir, &["prefix.bin", "SELECT count(*) FROM t"], "");
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("3\n", ""));
}

/// The text SQLite's `dbtotxt` (and the shell's `.dbtotxt`) writes for a database file: a
/// header, then each page's non-zero 16-byte lines, then the end line.
fn hex_dump(bytes: &[u8], page_size: usize, name: &str) -> String {
    let mut out = format!("| size {} pagesize {page_size} filename {name}\n", bytes.len());
    for (number, page) in bytes.chunks(page_size).enumerate() {
        if page.iter().all(|&b| b == 0) {
            continue;
        }
        out.push_str(&format!("| page {} offset {}\n", number + 1, number * page_size));
        for (line, chunk) in page.chunks(16).enumerate() {
            if chunk.iter().all(|&b| b == 0) {
                continue;
            }
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let text: String = chunk.iter().map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
            out.push_str(&format!("|  {:5}: {}   {text}\n", line * 16, hex.join(" ")));
        }
    }
    out.push_str(&format!("| end {name}\n"));
    out
}

#[test]
fn open_options_as_sqlite3_takes_them() {
    let setup = |dir: &Path| {
        let run = sqlite3_in(dir, &["base.db"], &format!("{ROWS}\nPRAGMA page_size;"));
        assert_eq!(run.stderr, "");
        let image = std::fs::read(dir.join("base.db")).unwrap();
        std::fs::write(dir.join("base.txt"), hex_dump(&image, 4096, "base.db")).unwrap();
        std::fs::write(dir.join("bad.txt"), "| size 100 pagesize 100\n| end x\n").unwrap();
    };
    let scratch = tempfile::tempdir().unwrap();
    setup(scratch.path());
    let dump = std::fs::read_to_string(scratch.path().join("base.txt")).unwrap();
    let script = format!(
        ".open --bogus x.db
.open a.db b.db
.open --maxsize
.open -readonly base.db
SELECT a, b FROM t;
INSERT INTO t VALUES (9, 'no', NULL);
.databases
.open --readonly nonexistent.db
SELECT 'fell back to memory';
.open /nonexistent/dir/x.db
.open --deserialize base.db
INSERT INTO t VALUES (4, 'in memory', NULL);
SELECT count(*) FROM t;
.open base.db
SELECT count(*) FROM t;
.open --maxsize 4096 --nofollow base.db
SELECT count(*) FROM t;
.open --hexdb base.txt
SELECT a, b FROM t ORDER BY a;
.open --hexdb bad.txt
.open --hexdb nonexistent.txt
.open --hexdb
{dump}SELECT count(*) FROM t;
PRAGMA integrity_check;
.open --hexdb
SELECT 1;
this line is skipped
| end x
SELECT 'after the skipped dump';
.open --append app.db
CREATE TABLE z(x); INSERT INTO z VALUES (5);
.open app.db
SELECT * FROM z;
.open --new base.db
SELECT count(*) FROM sqlite_schema;
.open
SELECT 'temporary';
.open --hexdb
| size 8192 pagesize 4096"
    );
    let (_native, ours) = same_run(&script, &setup);
    assert_eq!(std::fs::metadata(ours.path().join("base.db")).unwrap().len(), 0, "--new emptied the file");
}

/// A small tree of files with fixed modes and times (the modes sqlink stores, since WASI
/// shows none; the same times for both shells' runs).
fn files(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir.join("d/sub")).unwrap();
    std::fs::write(dir.join("d/a.txt"), "hello\n").unwrap();
    std::fs::write(dir.join("d/sub/zeros"), vec![0u8; 5000]).unwrap();
    std::fs::write(dir.join("top.txt"), "x\n").unwrap();
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    for (path, mode) in [("d/a.txt", 0o644), ("d/sub/zeros", 0o644), ("top.txt", 0o644), ("d/sub", 0o755), ("d", 0o755)] {
        let path = dir.join(path);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        std::fs::File::open(&path).unwrap().set_modified(time).unwrap();
    }
}

#[test]
fn archive_commands_as_sqlite3_runs_them() {
    let script = ".ar
.ar -q
.ar -tx
.ar --create --file
.ar -cf
.ar --bogus
.ar -t
.ar -cvf x.sqlar d top.txt
.ar -tf x.sqlar
.ar -tvf x.sqlar
.ar -tf x.sqlar d/sub/ top.txt
.ar -tf x.sqlar nosuch
.ar -tgf x.sqlar d/*
.ar -cf y.sqlar nosuchfile
.ar -uvf x.sqlar d
.ar -ivf x.sqlar top.txt
.ar -rvf x.sqlar top.txt
.ar -rf x.sqlar nosuch
.ar -rf x.sqlar
.ar -tf x.sqlar
.ar -tf nosuch.db
.ar -tf top.txt
.ar -xvf x.sqlar -C out
.ar -xf x.sqlar d/a.txt
.ar --append app.bin -c top.txt
.ar -ta app.bin
.ar -c d
.ar --list --verbose
SELECT name, mode, mtime, sz, length(data) FROM sqlar ORDER BY name;
.ar --c
.ar -t
.help archive";
    let (native, ours) = same_run(script, &files);
    for file in ["out/d/a.txt", "out/d/sub/zeros", "d/a.txt"] {
        let (theirs, mine) = (std::fs::read(native.path().join(file)).unwrap(), std::fs::read(ours.path().join(file)).unwrap());
        assert_eq!(mine, theirs, "{file}");
    }
}

#[test]
fn archives_cross_between_the_shells() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    files(dir);
    // sqlite3 archives, sqlink lists and extracts; then the other way, SQL archive and ZIP.
    for (writer, reader, archive) in [("sqlite3", "sqlink", "a.sqlar"), ("sqlink", "sqlite3", "b.sqlar"), ("sqlink", "sqlite3", "c.zip")] {
        let shell = |name: &str, script: &str| if name == "sqlite3" { sqlite3_in(dir, &[], script) } else { sqlink_in(dir, &[], script) };
        let out = format!("out-{archive}");
        let written = shell(writer, &format!(".ar -cf {archive} d top.txt\n"));
        assert_eq!((written.stdout.as_str(), written.stderr.as_str()), ("", ""), "{writer} writing {archive}");
        let read = shell(reader, &format!(".ar -tf {archive}\n.ar -xf {archive} -C {out}\n"));
        assert_eq!(read.stderr, "", "{reader} reading {archive}");
        // A ZIP archive names its directories with a slash at the end.
        let mut names: Vec<&str> = read.stdout.lines().map(|name| name.trim_end_matches('/')).collect();
        names.sort_unstable();
        assert_eq!(names, ["d", "d/a.txt", "d/sub", "d/sub/zeros", "top.txt"], "{reader} listing {archive}");
        for file in ["d/a.txt", "d/sub/zeros", "top.txt"] {
            assert_eq!(std::fs::read(dir.join(&out).join(file)).unwrap(), std::fs::read(dir.join(file)).unwrap(), "{file} of {archive}");
        }
    }
    // The ZIP archive as a database: `.open` finds it, and its table is `zip`.
    let script = ".open c.zip\nSELECT name, sz FROM zip ORDER BY name;\n.open --zip c.zip\nSELECT count(*) FROM zip;\n";
    let (run, expected) = (sqlink_in(dir, &[], script), sqlite3_in(dir, &[], script));
    assert_eq!((run.stdout, run.stderr), (expected.stdout, expected.stderr));
    let (run, expected) = (sqlink_in(dir, &["c.zip", ".ar -t"], ""), sqlite3_in(dir, &["c.zip", ".ar -t"], ""));
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), (expected.stdout.as_str(), ""));
}
