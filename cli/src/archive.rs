//! `.archive` / `.ar`: SQL archives (an `sqlar` table, members compressed with zlib by
//! SQLite's `sqlar_compress`) and ZIP archives (SQLite's `zipfile` table), as sqlite3 3.40
//! manages them: create, update, insert, list, extract and remove members, in the current
//! database or in FILE.
//!
//! sqlite3 reads and writes the members' files with its `fsdir` table and `writefile()`;
//! the runtime carries neither (files go through the catalog's `fileio` and its grants), so
//! the REPL walks and writes the files itself through WASI, which has no permission bits:
//! members are stored with the modes files and directories get by default (0644, 0755),
//! and extracted files get the host's default modes.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::bindings::sqlink::wasm::spi::{Connection, OpenOptions};
use crate::bindings::sqlite::extension::types::Value;
use crate::format::sql_string;
use crate::shell::{Shell, all_rows};

/// `.help archive` as sqlite3 3.40 shows it (also after a usage error).
pub const HELP: &str = ".archive ...             Manage SQL archives
   Each command must have exactly one of the following options:
     -c, --create               Create a new archive
     -u, --update               Add or update files with changed mtime
     -i, --insert               Like -u but always add even if unchanged
     -r, --remove               Remove files from archive
     -t, --list                 List contents of archive
     -x, --extract              Extract files from archive
   Optional arguments:
     -v, --verbose              Print each filename as it is processed
     -f FILE, --file FILE       Use archive FILE (default is current db)
     -a FILE, --append FILE     Open FILE using the apndvfs VFS
     -C DIR, --directory DIR    Read/extract files from directory DIR
     -g, --glob                 Use glob matching for names in archive
     -n, --dryrun               Show the SQL that would have occurred
   Examples:
     .ar -cf ARCHIVE foo bar  # Create ARCHIVE from files foo and bar
     .ar -tf ARCHIVE          # List members of ARCHIVE
     .ar -xvf ARCHIVE         # Verbosely extract files from ARCHIVE
   See also:
      http://sqlite.org/cli.html#sqlite_archive_support
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Update,
    Insert,
    Extract,
    List,
    Remove,
    Help,
}

/// One `.ar` command as parsed.
#[derive(Default)]
struct ArCommand {
    action: Option<Action>,
    verbose: bool,
    glob: bool,
    dry_run: bool,
    append: bool,
    file: Option<String>,
    dir: Option<String>,
    members: Vec<String>,
}

/// The switches, long name, short letter, and whether they take a value.
const SWITCHES: &[(&str, char, bool)] = &[
    ("create", 'c', false),
    ("extract", 'x', false),
    ("insert", 'i', false),
    ("list", 't', false),
    ("remove", 'r', false),
    ("update", 'u', false),
    ("help", 'h', false),
    ("verbose", 'v', false),
    ("file", 'f', true),
    ("append", 'a', true),
    ("directory", 'C', true),
    ("dryrun", 'n', false),
    ("glob", 'g', false),
];

impl ArCommand {
    /// Apply switch `name` (a long name) with its value.
    fn switch(&mut self, name: &str, value: Option<String>) -> Result<(), String> {
        let action = match name {
            "create" => Action::Create,
            "extract" => Action::Extract,
            "insert" => Action::Insert,
            "list" => Action::List,
            "remove" => Action::Remove,
            "update" => Action::Update,
            "help" => Action::Help,
            other => {
                match other {
                    "verbose" => self.verbose = true,
                    "glob" => self.glob = true,
                    "dryrun" => self.dry_run = true,
                    "append" => {
                        self.append = true;
                        self.file = value;
                    }
                    "file" => self.file = value,
                    _ => self.dir = value,
                }
                return Ok(());
            }
        };
        if self.action.is_some() {
            return Err(String::from("multiple command options"));
        }
        self.action = Some(action);
        Ok(())
    }

    /// sqlite3's two ways: tar-like letters as the first argument (`-cvf FILE` without the
    /// dash, values taken from the following arguments), or options with dashes up to the
    /// first argument without one (or `--`).
    fn parse(args: &[String]) -> Result<ArCommand, ParseError> {
        let mut cmd = ArCommand::default();
        let Some(first) = args.first() else { return Err(ParseError::Usage("Wrong number of arguments.  Usage:")) };
        let short = |c: char| SWITCHES.iter().find(|s| s.1 == c).ok_or_else(|| format!("unrecognized option: {c}"));
        if !first.starts_with('-') {
            let mut rest = args[1..].iter();
            for c in first.chars() {
                let (name, _, takes) = short(c)?;
                let value =
                    if *takes { Some(rest.next().ok_or_else(|| format!("option requires an argument: {c}"))?.clone()) } else { None };
                cmd.switch(name, value)?;
            }
            cmd.members = rest.cloned().collect();
        } else {
            let mut i = 0;
            while i < args.len() {
                let arg = &args[i];
                if !arg.starts_with('-') {
                    break;
                }
                if arg == "--" {
                    i += 1;
                    break;
                }
                if let Some(long) = arg.strip_prefix("--") {
                    let mut matching = SWITCHES.iter().filter(|s| s.0.starts_with(long));
                    let Some((name, _, takes)) = matching.next() else { return Err(format!("unrecognized option: {arg}").into()) };
                    if matching.next().is_some() {
                        return Err(format!("ambiguous option: {arg}").into());
                    }
                    let value = if *takes {
                        i += 1;
                        Some(args.get(i).ok_or_else(|| format!("option requires an argument: {arg}"))?.clone())
                    } else {
                        None
                    };
                    cmd.switch(name, value)?;
                } else {
                    let letters: Vec<char> = arg.chars().skip(1).collect();
                    for (k, &c) in letters.iter().enumerate() {
                        let (name, _, takes) = short(c)?;
                        if !*takes {
                            cmd.switch(name, None)?;
                            continue;
                        }
                        // The value is the rest of this word, or the next argument.
                        let value = if k + 1 < letters.len() {
                            letters[k + 1..].iter().collect()
                        } else {
                            i += 1;
                            args.get(i).ok_or_else(|| format!("option requires an argument: {c}"))?.clone()
                        };
                        cmd.switch(name, Some(value))?;
                        break;
                    }
                }
                i += 1;
            }
            cmd.members = args[i.min(args.len())..].to_vec();
        }
        if cmd.action.is_none() {
            return Err(ParseError::Usage("Required argument missing.  Usage:"));
        }
        Ok(cmd)
    }
}

enum ParseError {
    /// A line, then the help text.
    Usage(&'static str),
    /// sqlite3's "Error: ..." with the pointer to `--help`.
    Message(String),
}

impl From<String> for ParseError {
    fn from(message: String) -> ParseError {
        ParseError::Message(message)
    }
}

/// What went wrong while the command ran: said on stderr, or (as sqlite3 reports SQL errors
/// of its archive statements) on stdout as "ERROR: ...".
enum Failure {
    Stderr(String),
    Stdout(String),
}

/// A member as the archive stores it.
struct Member {
    name: String,
    mode: u32,
    mtime: i64,
    /// The file's bytes, a link's target; none for a directory.
    data: Option<Vec<u8>>,
}

const TYPE_MASK: u32 = 0o170000;
const REGULAR: u32 = 0o100000;
const DIRECTORY: u32 = 0o040000;
const SYMLINK: u32 = 0o120000;

/// A mode as `ls -l` shows it (`-rw-r--r--`), as sqlite3's `lsmode()` writes it.
fn lsmode(mode: u32) -> String {
    let kind = match mode & TYPE_MASK {
        SYMLINK => 'l',
        REGULAR => '-',
        DIRECTORY => 'd',
        _ => '?',
    };
    let mut out = String::from(kind);
    for shift in [6, 3, 0] {
        let bits = mode >> shift;
        out.push(if bits & 4 != 0 { 'r' } else { '-' });
        out.push(if bits & 2 != 0 { 'w' } else { '-' });
        out.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    out
}

/// The member at `name` (read from `path`) and, for a directory, everything under it, in the
/// order the directory lists them, each directory before its contents.
/// `shown` is the path as the user named it, for the messages.
fn walk(name: &str, path: &Path, shown: &str, out: &mut Vec<Member>) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path).map_err(|_| format!("cannot stat file: {shown}"))?;
    let mtime = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_secs() as i64);
    let kind = meta.file_type();
    if kind.is_symlink() {
        let target = std::fs::read_link(path).map_err(|e| format!("cannot read symbolic link {shown}: {e}"))?;
        out.push(Member {
            name: name.to_owned(),
            mode: SYMLINK | 0o777,
            mtime,
            data: Some(target.to_string_lossy().into_owned().into_bytes()),
        });
    } else if kind.is_dir() {
        out.push(Member { name: name.to_owned(), mode: DIRECTORY | 0o755, mtime, data: None });
        let entries = std::fs::read_dir(path).map_err(|_| format!("cannot open directory: {shown}"))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read directory {shown}: {e}"))?;
            let child = entry.file_name().to_string_lossy().into_owned();
            walk(&format!("{name}/{child}"), &path.join(&child), &format!("{shown}/{child}"), out)?;
        }
    } else if kind.is_file() {
        // WASI's "read-only" speaks of the descriptor the runtime was given, not the file.
        let data = std::fs::read(path).map_err(|_| format!("cannot read file: {shown}"))?;
        out.push(Member { name: name.to_owned(), mode: REGULAR | 0o644, mtime, data: Some(data) });
    }
    // Anything else (a socket, a pipe) is left out, as sqlite3 leaves it.
    Ok(())
}

/// A blob literal.
fn blob(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2 + 3);
    out.push_str("X'");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out.push('\'');
    out
}

fn run(db: &Connection, sql: &str) -> Result<Vec<Vec<Value>>, String> {
    let prepared = db.prepare(sql.as_bytes()).map_err(|e| e.message)?;
    match prepared.statement {
        Some(statement) => all_rows(&statement),
        None => Ok(Vec::new()),
    }
}

fn int(value: &Value) -> i64 {
    match value {
        Value::Integer(i) => *i,
        Value::Real(r) => *r as i64,
        _ => 0,
    }
}

fn text(value: &Value) -> String {
    crate::format::text(value, "")
}

/// The archive a command works on: its table (or table-valued source) and connection.
struct Archive<'a> {
    db: &'a Connection,
    /// `sqlar`, or a ZIP archive's `zipfile(...)` source / table.
    table: String,
    zip: bool,
}

impl Archive<'_> {
    /// The WHERE clause naming `members` (each, and what is under it), or all.
    fn filter(&self, members: &[String], glob: bool) -> String {
        if members.is_empty() {
            return String::from("1");
        }
        let (op, names) = if glob {
            ("GLOB", members.iter().map(|m| format!("name GLOB {}", sql_string(m))).collect::<Vec<_>>().join(" OR "))
        } else {
            ("=", format!("name IN({})", members.iter().map(|m| sql_string(m)).collect::<Vec<_>>().join(", ")))
        };
        let under: Vec<String> =
            members.iter().map(|m| format!("substr(name,1,{}) {op} {}", m.len() + 1, sql_string(&format!("{m}/")))).collect();
        format!("({names} OR (name GLOB '*/*' AND ({}))) ", under.join(" OR "))
    }

    /// Each member named must be in the archive (trailing slashes dropped first).
    fn check(&self, members: &mut [String], glob: bool) -> Result<(), Failure> {
        for member in members.iter_mut() {
            let trimmed = member.trim_end_matches('/').len();
            member.truncate(trimmed);
            let condition = if glob { format!("glob({}, name)", sql_string(member)) } else { format!("name = {}", sql_string(member)) };
            let rows = run(self.db, &format!("SELECT name FROM {} WHERE {condition} LIMIT 1", self.table)).map_err(Failure::Stderr)?;
            if rows.is_empty() {
                return Err(Failure::Stderr(format!("not found in archive: {member}")));
            }
        }
        Ok(())
    }
}

impl Shell {
    /// `.archive ...` / `.ar ...`.
    pub fn archive(&mut self, args: &[String]) {
        let mut cmd = match ArCommand::parse(args) {
            Ok(cmd) => cmd,
            Err(ParseError::Usage(line)) => return self.fail(&format!("{line}\n{}", HELP.trim_end())),
            Err(ParseError::Message(message)) => {
                return self.fail(&format!("Error: {message}\nUse \".archive --help\" for more help"));
            }
        };
        let action = cmd.action.unwrap_or(Action::Help);
        if action == Action::Help {
            return self.output.out(HELP);
        }
        if cmd.dry_run {
            return self.error(".archive --dryrun is not supported: sqlink runs the archive's work itself, not as sqlite3's SQL");
        }
        if !self.host_files {
            return self.error(".archive needs files of the host, which a page does not have");
        }
        let writes = matches!(action, Action::Create | Action::Insert | Action::Remove | Action::Update);
        let file = cmd.file.as_ref().map(|f| self.resolve(f));
        let zip = match &file {
            Some(path) => is_zip(path, true),
            None => self.zip_open,
        };
        let own;
        let (db, table) = match (&file, zip) {
            (Some(path), true) => (&self.conn, format!("zipfile({})", sql_string(path))),
            (None, true) => (&self.conn, String::from("zip")),
            (Some(path), false) => {
                let append = cmd.append || crate::files::is_appended(path);
                let options = OpenOptions { readonly: !writes, append };
                match Connection::open_with(path, options) {
                    Ok(conn) => own = conn,
                    Err(e) => return self.fail(&format!("cannot open file: {} ({})", cmd.file.as_deref().unwrap_or(""), e.message)),
                }
                (&own, String::from("sqlar"))
            }
            (None, false) => (&self.conn, String::from("sqlar")),
        };
        let archive = Archive { db, table, zip };
        if !zip && action != Action::Create {
            let has_table = run(db, "SELECT 1 FROM pragma_table_info('sqlar') WHERE name = 'name'").is_ok_and(|rows| !rows.is_empty());
            if !has_table {
                return self.fail("database does not contain an 'sqlar' table");
            }
        }
        let mut out = String::new();
        // Relative names are the host's working directory's, or under --directory.
        let base = std::path::PathBuf::from(self.resolve(cmd.dir.as_deref().unwrap_or(".")));
        let result = match action {
            Action::List => list(&archive, &mut cmd, &mut out),
            Action::Extract => extract(&archive, &mut cmd, &base, &mut out),
            Action::Remove => remove(&archive, &mut cmd),
            _ => store(&archive, &cmd, action, file.as_deref().filter(|_| zip), &base, &mut out),
        };
        self.output.out(&out);
        match result {
            Ok(()) => {}
            Err(Failure::Stderr(message)) => self.fail(&message),
            // As sqlite3 reports its archive statements' errors.
            Err(Failure::Stdout(message)) => {
                self.output.out(&format!("ERROR: {message}\n"));
                self.count_error();
            }
        }
    }
}

/// Whether the file at `path` is a ZIP archive, as sqlite3 decides: it ends with a ZIP
/// directory's end record; or (with `default_zip`) it is missing or empty and named `.zip`.
pub fn is_zip(path: &str, default_zip: bool) -> bool {
    let named_zip = default_zip && path.len() >= 4 && path[path.len() - 4..].eq_ignore_ascii_case(".zip");
    let Ok(bytes) = std::fs::read(path) else { return named_zip };
    if bytes.starts_with(b"SQLite format 3\0") {
        return false;
    }
    if bytes.len() >= 22 {
        return bytes[bytes.len() - 22..].starts_with(b"PK\x05\x06");
    }
    bytes.is_empty() && named_zip
}

fn list(archive: &Archive, cmd: &mut ArCommand, out: &mut String) -> Result<(), Failure> {
    archive.check(&mut cmd.members, cmd.glob)?;
    let filter = archive.filter(&cmd.members, cmd.glob);
    let columns = if cmd.verbose { "mode, sz, datetime(mtime, 'unixepoch'), name" } else { "name" };
    let rows = run(archive.db, &format!("SELECT {columns} FROM {} WHERE {filter}", archive.table)).map_err(Failure::Stderr)?;
    for row in rows {
        if cmd.verbose {
            let size = int(&row[1]) as i32;
            // C's "% 10d": a space where a plus sign would go.
            let size = if size >= 0 { format!(" {size}") } else { size.to_string() };
            let _ = writeln!(out, "{} {size:>10}  {}  {}", lsmode(int(&row[0]) as u32), text(&row[2]), text(&row[3]));
        } else {
            let _ = writeln!(out, "{}", text(&row[0]));
        }
    }
    Ok(())
}

fn remove(archive: &Archive, cmd: &mut ArCommand) -> Result<(), Failure> {
    // As sqlite3: without names the statement has no condition, and SQLite refuses it.
    let filter = if cmd.members.is_empty() {
        String::new()
    } else {
        archive.check(&mut cmd.members, cmd.glob)?;
        archive.filter(&cmd.members, cmd.glob)
    };
    in_savepoint(archive.db, || run(archive.db, &format!("DELETE FROM {} WHERE {filter};", archive.table)).map(drop))
}

/// Run `work` inside a savepoint, rolled back when it fails.
fn in_savepoint(db: &Connection, work: impl FnOnce() -> Result<(), String>) -> Result<(), Failure> {
    run(db, "SAVEPOINT ar;").map_err(Failure::Stdout)?;
    match work() {
        Ok(()) => run(db, "RELEASE ar;").map(drop).map_err(Failure::Stdout),
        Err(message) => {
            let _ = run(db, "ROLLBACK TO ar;");
            let _ = run(db, "RELEASE ar;");
            Err(Failure::Stdout(message))
        }
    }
}

/// Create (anew), update (what changed) or insert (everything named) members from files.
fn store(archive: &Archive, cmd: &ArCommand, action: Action, zip_file: Option<&str>, base: &Path, out: &mut String) -> Result<(), Failure> {
    let db = archive.db;
    // Only takes effect on a new database, as in sqlite3.
    let _ = run(db, "PRAGMA page_size=512");
    let mut temporary = None;
    in_savepoint(db, || {
        let table = if archive.zip {
            match zip_file {
                Some(file) => {
                    let name = run(db, "SELECT printf('zip%016llx', random())")?.first().map(|r| text(&r[0])).unwrap_or_default();
                    run(db, &format!("CREATE VIRTUAL TABLE temp.{name} USING zipfile({})", sql_string(file)))?;
                    temporary = Some(name.clone());
                    name
                }
                None => String::from("zip"),
            }
        } else {
            if action == Action::Create {
                run(db, "DROP TABLE IF EXISTS sqlar")?;
            }
            run(
                db,
                "CREATE TABLE IF NOT EXISTS sqlar(\n  name TEXT PRIMARY KEY,  -- name of the file\n  mode INT,               -- access permissions\n  \
                 mtime INT,              -- last modification time\n  sz INT,                 -- original file size\n  data BLOB               -- compressed content\n)",
            )?;
            String::from("sqlar")
        };
        for member in &cmd.members {
            let shown = cmd.dir.as_ref().map_or_else(|| member.clone(), |dir| format!("{dir}/{member}"));
            let mut members = Vec::new();
            walk(member, &base.join(member), &shown, &mut members)?;
            for m in members {
                if action == Action::Update {
                    let same =
                        format!("SELECT 1 FROM {table} WHERE name = {} AND mtime = {} AND mode = {}", sql_string(&m.name), m.mtime, m.mode);
                    if !run(db, &same)?.is_empty() {
                        continue;
                    }
                }
                let data = m.data.as_deref().map_or_else(|| String::from("NULL"), blob);
                let sql = if archive.zip {
                    format!("REPLACE INTO {table}(name,mode,mtime,data) VALUES({}, {}, {}, {data})", sql_string(&m.name), m.mode, m.mtime)
                } else {
                    let size = match m.mode & TYPE_MASK {
                        REGULAR => m.data.as_ref().map_or(0, Vec::len) as i64,
                        DIRECTORY => 0,
                        _ => -1,
                    };
                    format!(
                        "REPLACE INTO sqlar(name,mode,mtime,sz,data) VALUES({}, {}, {}, {size}, sqlar_compress({data}))",
                        sql_string(&m.name),
                        m.mode,
                        m.mtime
                    )
                };
                run(db, &sql)?;
                if cmd.verbose {
                    let _ = writeln!(out, "{}", m.name);
                }
            }
        }
        Ok(())
    })?;
    // The zipfile table wrote the archive when the savepoint was released.
    if let Some(name) = temporary {
        let _ = run(db, &format!("DROP TABLE temp.{name}"));
    }
    Ok(())
}

/// Write the members to files under the directory (or the working directory): directories
/// and files first, links next, then the directories' times again (writing into them
/// changed them), as sqlite3 does. A member whose path would leave the directory (`..`) is
/// skipped.
fn extract(archive: &Archive, cmd: &mut ArCommand, base: &Path, out: &mut String) -> Result<(), Failure> {
    archive.check(&mut cmd.members, cmd.glob)?;
    let filter = archive.filter(&cmd.members, cmd.glob);
    let data = if archive.zip { "data" } else { "sqlar_uncompress(data, sz)" };
    let sql = format!("SELECT name, mode, mtime, {data} FROM {} WHERE {filter}", archive.table);
    let rows = run(archive.db, &sql).map_err(Failure::Stderr)?;
    let shown_dir = cmd.dir.as_ref().map_or_else(String::new, |d| format!("{d}/"));
    let members: Vec<Member> = rows
        .iter()
        .map(|row| Member {
            name: text(&row[0]),
            mode: int(&row[1]) as u32,
            mtime: int(&row[2]),
            data: match &row[3] {
                Value::Blob(b) => Some(b.clone()),
                Value::Text(t) => Some(t.clone().into_bytes()),
                _ => None,
            },
        })
        .filter(|m| !m.name.split(['/', '\\']).any(|part| part == ".."))
        .collect();
    for m in &members {
        if m.mode & TYPE_MASK == SYMLINK {
            continue;
        }
        if cmd.verbose {
            let _ = writeln!(out, "{shown_dir}{}", m.name);
        }
        let path = base.join(&m.name);
        let written = if m.mode & TYPE_MASK == DIRECTORY {
            std::fs::create_dir_all(&path)
        } else {
            path.parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&path, m.data.as_deref().unwrap_or_default()))
        };
        if let Err(e) = written {
            return Err(Failure::Stderr(format!("cannot write {}: {e}", path.display())));
        }
        set_mtime(&path, m.mtime);
    }
    if let Some(link) = members.iter().find(|m| m.mode & TYPE_MASK == SYMLINK) {
        return Err(Failure::Stderr(format!("cannot create the symbolic link {}: WASI gives the runtime no way to make links", link.name)));
    }
    for m in members.iter().filter(|m| m.mode & TYPE_MASK == DIRECTORY) {
        set_mtime(&base.join(&m.name), m.mtime);
    }
    Ok(())
}

/// Best effort, as sqlite3's: a file whose time cannot be set keeps the time of writing.
fn set_mtime(path: &Path, mtime: i64) {
    let Ok(secs) = u64::try_from(mtime) else { return };
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn both_ways_of_writing_options() {
        let cmd = ArCommand::parse(&args(&["cvf", "a.sqlar", "x", "y"])).ok().unwrap();
        assert_eq!((cmd.action, cmd.verbose, cmd.file.as_deref()), (Some(Action::Create), true, Some("a.sqlar")));
        assert_eq!(cmd.members, ["x", "y"]);
        let cmd = ArCommand::parse(&args(&["-xvfa.sqlar", "--dir", "out", "m"])).ok().unwrap();
        assert_eq!((cmd.action, cmd.file.as_deref(), cmd.dir.as_deref()), (Some(Action::Extract), Some("a.sqlar"), Some("out")));
        assert_eq!(cmd.members, ["m"]);
        assert!(matches!(ArCommand::parse(&args(&["-tx"])), Err(ParseError::Message(m)) if m == "multiple command options"));
        assert!(matches!(ArCommand::parse(&args(&["-v"])), Err(ParseError::Usage(_))));
    }

    #[test]
    fn modes_as_ls_shows_them() {
        assert_eq!(lsmode(0o100644), "-rw-r--r--");
        assert_eq!(lsmode(0o040755), "drwxr-xr-x");
        assert_eq!(lsmode(0o120777), "lrwxrwxrwx");
    }
}
