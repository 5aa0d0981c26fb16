//! Dot commands that move whole databases between the connection and files: `.backup` /
//! `.save`, `.restore` (SQLite's online backup API, in sqlite-lib) and `.open` with the
//! options of sqlite3 3.40 (`--append`, `--deserialize`, `--hexdb`, `--new`, `--readonly`,
//! ...), worded as 3.40 words their errors.

use crate::bindings::sqlink::wasm::spi::{BackupOptions, Connection, CopyError, OpenOptions};
use crate::shell::Shell;

/// How `.open` reads its database, as sqlite3 decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpenMode {
    /// An ordinary file, unless its contents say otherwise (see `deduce`).
    Unspecified,
    Normal,
    Append,
    ReadOnly,
    Deserialize,
    HexDb,
    /// A ZIP archive, as the table `zip` of an in-memory database.
    Zip,
}

/// A `--hexdb` dump being read from the input lines after `.open --hexdb` (the text
/// `.dbtotxt` and SQLite's `dbtotxt` write): `| size N pagesize P`, then `| page N offset O`
/// and `| OFFSET: 16 hex bytes` lines, up to `| end`.
pub struct HexDb {
    /// The database's bytes; None when the first line was not a valid header, and the dump
    /// is skipped up to its end.
    image: Option<Vec<u8>>,
    /// The offset of the page the next byte lines belong to.
    page_offset: usize,
    /// The input line last read, for the error message (sqlite3 counts from the header).
    line: usize,
    /// Whether the header line has been read.
    started: bool,
}

impl HexDb {
    fn new(line: usize) -> HexDb {
        HexDb { image: None, page_offset: 0, line, started: false }
    }

    /// Take one line of the dump; true once it has ended (`| end ...`).
    fn feed(&mut self, line: &str) -> bool {
        self.line += 1;
        if !self.started {
            self.started = true;
            self.image = header_size(line).map(|size| vec![0; size]);
            // A bad header skips the lines after it up to the end line.
            return false;
        }
        if line.starts_with("| end ") {
            return true;
        }
        let Some(image) = &mut self.image else { return false };
        if let Some(offset) = page_line(line) {
            self.page_offset = offset;
        } else if let Some((offset, bytes)) = byte_line(line) {
            let at = self.page_offset.checked_add(offset);
            if let Some(slot) = at.and_then(|at| image.get_mut(at..at + 16)) {
                slot.copy_from_slice(&bytes);
            }
        }
        false
    }
}

/// The words of a dump line after its leading `|`.
fn dump_words(line: &str) -> Option<std::str::SplitWhitespace<'_>> {
    Some(line.trim_start().strip_prefix('|')?.split_whitespace())
}

/// `| size N pagesize P`: the image's size, rounded up to whole pages (P a power of two from
/// 512 to 65536, N not negative).
fn header_size(line: &str) -> Option<usize> {
    let mut words = dump_words(line)?;
    let (Some("size"), Some(size), Some("pagesize"), Some(page)) = (words.next(), words.next(), words.next(), words.next()) else {
        return None;
    };
    let size: usize = leading_integer(size)?.try_into().ok()?;
    let page: usize = leading_integer(page)?.try_into().ok()?;
    if !(512..=65536).contains(&page) || !page.is_power_of_two() {
        return None;
    }
    size.checked_next_multiple_of(page)
}

/// `| page N offset O`: the page's offset.
fn page_line(line: &str) -> Option<usize> {
    let mut words = dump_words(line)?;
    let (Some("page"), Some(page), Some("offset"), Some(offset)) = (words.next(), words.next(), words.next(), words.next()) else {
        return None;
    };
    leading_integer(page)?;
    leading_integer(offset)?.try_into().ok()
}

/// `| OFFSET: XX XX ... XX` (16 bytes in hex, then their text): the offset in the page and
/// the bytes.
fn byte_line(line: &str) -> Option<(usize, [u8; 16])> {
    let rest = line.trim_start().strip_prefix('|')?;
    let (offset, bytes) = rest.split_once(':')?;
    let offset = usize::try_from(leading_integer(offset.trim())?).ok()?;
    let mut out = [0u8; 16];
    let mut words = bytes.split_whitespace();
    for byte in &mut out {
        let word = words.next()?;
        // As C's %x: the leading hex digits, of which the low byte is kept.
        let digits = &word[..word.len() - word.trim_start_matches(|c: char| c.is_ascii_hexdigit()).len()];
        *byte = u8::from_str_radix(&digits[digits.len().saturating_sub(2)..], 16).ok()?;
    }
    Some((offset, out))
}

/// The integer at the start of `word`, as C's `%d` reads one (an optional sign, digits).
fn leading_integer(word: &str) -> Option<i64> {
    let unsigned = word.strip_prefix(['-', '+']).unwrap_or(word);
    let digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    word[..word.len() - unsigned.len() + digits].parse().ok()
}

/// What a file's contents say it holds when `.open` is given no mode, as sqlite3 looks: a
/// database at the end of another file (the append VFS's trailer), a ZIP archive, else an
/// ordinary database.
fn deduce(path: &str) -> OpenMode {
    if is_appended(path) {
        OpenMode::Append
    } else if crate::archive::is_zip(path, false) {
        OpenMode::Zip
    } else {
        OpenMode::Normal
    }
}

/// Whether the file at `path` ends with the append VFS's trailer (and is no database file).
pub fn is_appended(path: &str) -> bool {
    let Ok(bytes) = std::fs::read(path) else { return false };
    !bytes.starts_with(b"SQLite format 3\0") && bytes.len() >= 25 && bytes[bytes.len() - 25..].starts_with(b"Start-Of-SQLite3-")
}

/// `--name` or `-name` is option `name`, as sqlite3 matches them.
fn option_is(arg: &str, name: &str) -> bool {
    arg.strip_prefix('-').map(|a| a.strip_prefix('-').unwrap_or(a)) == Some(name)
}

impl Shell {
    /// The message a page gives for a command that needs the host's files.
    fn no_host_files(&mut self, command: &str) -> bool {
        if !self.host_files {
            self.error(&format!(
                ".{command} needs files of the host, which a page does not have (its databases are in OPFS: openDatabase({{ path }}), db.exportBytes(), openDatabase({{ bytes }}))"
            ));
        }
        !self.host_files
    }

    /// `.backup ?DB? ?OPTIONS? FILE` and `.save` (the same command): copy a database into
    /// FILE with SQLite's backup API. Options: `--append` (through the append VFS),
    /// `--async` (no journal, no syncs).
    pub fn backup(&mut self, command: &str, args: &[String]) {
        let mut options = BackupOptions { append: false, unsynced: false };
        let (mut file, mut schema) = (None, None);
        for arg in args {
            if arg.starts_with('-') {
                if option_is(arg, "append") {
                    options.append = true;
                } else if option_is(arg, "async") {
                    options.unsynced = true;
                } else {
                    return self.fail(&format!("unknown option: {arg}"));
                }
            } else if file.is_none() {
                file = Some(arg);
            } else if schema.is_none() {
                schema = file.replace(arg);
            } else {
                return self.fail("Usage: .backup ?DB? ?OPTIONS? FILENAME");
            }
        }
        let Some(file) = file else { return self.fail("missing FILENAME argument on .backup") };
        if self.no_host_files(command) {
            return;
        }
        let schema = schema.map_or("main", String::as_str);
        let result = self.conn.backup(schema, &self.resolve(file), options);
        self.copy_done(result, file);
    }

    /// `.restore ?DB? FILE`: replace a database with the one in FILE.
    pub fn restore(&mut self, args: &[String]) {
        let (schema, file) = match args {
            [file] => ("main", file),
            [schema, file] => (schema.as_str(), file),
            _ => return self.fail("Usage: .restore ?DB? FILE"),
        };
        if self.no_host_files("restore") {
            return;
        }
        let result = self.conn.restore(schema, &self.resolve(file));
        self.copy_done(result, file);
    }

    fn copy_done(&mut self, result: Result<(), CopyError>, file: &str) {
        match result {
            Ok(()) => {}
            Err(CopyError::CannotOpen) => self.error(&format!("cannot open \"{file}\"")),
            Err(CopyError::Busy) => self.error("source database is busy"),
            Err(CopyError::Failed(message)) => self.error(&message),
        }
    }

    /// `.open ?OPTIONS? ?FILE?`: close the database and open FILE as the options say. As in
    /// sqlite3 3.40, a file that cannot be opened leaves an in-memory database (with a
    /// message, not counted as an error), and `--nofollow` and `--maxsize N` are accepted
    /// without effect (3.40 clears them before it opens).
    pub fn open(&mut self, args: &[String]) {
        let mut mode = OpenMode::Unspecified;
        let mut new = false;
        let mut file: Option<&String> = None;
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            if option_is(arg, "new") {
                new = true;
            } else if option_is(arg, "zip") {
                mode = OpenMode::Zip;
            } else if option_is(arg, "append") {
                mode = OpenMode::Append;
            } else if option_is(arg, "readonly") {
                mode = OpenMode::ReadOnly;
            } else if option_is(arg, "nofollow") {
                // Accepted without effect, as 3.40 clears it before opening (see above).
            } else if option_is(arg, "deserialize") {
                mode = OpenMode::Deserialize;
            } else if option_is(arg, "hexdb") {
                mode = OpenMode::HexDb;
            } else if option_is(arg, "maxsize") && i + 1 < args.len() {
                // Its value is skipped: 3.40 clears the limit before opening, too.
                i += 1;
            } else if arg.starts_with('-') {
                return self.fail(&format!("unknown option: {arg}"));
            } else if file.is_some() {
                return self.fail(&format!("extra argument: \"{arg}\""));
            } else {
                file = Some(arg);
            }
            i += 1;
        }
        // Without a file (a temporary database, a dump on the following lines) a page can too.
        if file.is_some() && self.no_host_files("open FILE") {
            return;
        }
        let path = file.map(|f| self.resolve(f));
        if new && let Some(path) = &path {
            // As sqlite3: whatever was there goes first; a missing file is fine.
            let _ = std::fs::remove_file(path);
        }
        self.db_name = file.cloned().unwrap_or_default();
        self.zip_open = false;
        let Some(path) = path.filter(|_| file.is_some()) else {
            // No file: a temporary database, or the dump on the following lines.
            self.replace_connection(Connection::open(""));
            if mode == OpenMode::HexDb {
                self.hexdb = Some(HexDb::new(self.line_number()));
            }
            return;
        };
        if mode == OpenMode::Unspecified {
            mode = deduce(&path);
        }
        let name = file.map_or("", String::as_str);
        let opened = match mode {
            OpenMode::Append => Connection::open_with(&path, OpenOptions { readonly: false, append: true }),
            OpenMode::ReadOnly => Connection::open_with(&path, OpenOptions { readonly: true, append: false }),
            OpenMode::Deserialize | OpenMode::HexDb => Connection::open(""),
            OpenMode::Zip => Connection::open(":memory:"),
            OpenMode::Unspecified | OpenMode::Normal => Connection::open(&path),
        };
        match opened {
            Ok(conn) => self.adopt(conn),
            Err(e) => {
                self.warn(&format!("Error: unable to open database \"{name}\": {}", e.message));
                self.replace_connection(Connection::open(":memory:"));
                return;
            }
        }
        let image = match mode {
            // A missing file reads as no bytes: an empty database.
            OpenMode::Deserialize => std::fs::read(&path).unwrap_or_default(),
            OpenMode::HexDb => match std::fs::read(&path) {
                Ok(text) => {
                    let mut dump = HexDb::new(0);
                    for line in String::from_utf8_lossy(&text).lines() {
                        // In a file, a bad header ends the reading at once.
                        if dump.feed(line) || dump.image.is_none() {
                            break;
                        }
                    }
                    return self.hexdb_done(dump);
                }
                Err(_) => return self.warn(&format!("cannot open \"{name}\" for reading")),
            },
            OpenMode::Zip => {
                // As sqlite3: the archive is the table `zip`; a failure shows when it is read.
                self.zip_open = true;
                let _ = self.query_text(&format!("CREATE VIRTUAL TABLE zip USING zipfile({})", crate::format::sql_string(&path)));
                return;
            }
            _ => return,
        };
        self.deserialize_image(image);
    }

    /// The connection `.open` or `.restore` opened becomes the shell's, in its safe mode.
    fn adopt(&mut self, conn: Connection) {
        conn.set_safe_mode(self.safe);
        // The old connection closes; as in sqlite3, the new one is not traced until `.trace`.
        self.tracer.closing(&mut self.output);
        self.conn = conn;
    }

    fn replace_connection(&mut self, opened: Result<Connection, crate::bindings::sqlite::extension::types::Error>) {
        match opened {
            Ok(conn) => self.adopt(conn),
            Err(e) => self.error(&format!("cannot open a database in memory: {}", e.message)),
        }
    }

    fn deserialize_image(&mut self, image: Vec<u8>) {
        if let Err(e) = self.conn.deserialize(&image) {
            self.warn(&format!("Error: sqlite3_deserialize() returns {}", e.code));
        }
    }

    /// The dump read by `.open --hexdb` has ended (its `| end` line, or the input): load it,
    /// or say which line of the input made it unreadable (not counted as an error, as in
    /// sqlite3).
    pub fn hexdb_done(&mut self, dump: HexDb) {
        match dump.image {
            Some(image) => self.deserialize_image(image),
            None => self.warn(&format!("Error on line {} of --hexdb input", dump.line + usize::from(!dump.started))),
        }
    }

    /// Feed a line to a `.open --hexdb` dump being read, if there is one: true when it took it.
    pub fn feed_hexdb(&mut self, line: &str) -> bool {
        let Some(dump) = &mut self.hexdb else { return false };
        if dump.feed(line) {
            let dump = self.hexdb.take().expect("a dump is being read");
            self.hexdb_done(dump);
        }
        true
    }

    /// The input has ended while a dump was being read: it ends there.
    pub fn end_hexdb(&mut self) {
        if let Some(dump) = self.hexdb.take() {
            self.hexdb_done(dump);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_lines() {
        assert_eq!(header_size("| size 8192 pagesize 4096 filename x.db"), Some(8192));
        assert_eq!(header_size("| size 100 pagesize 512"), Some(512));
        assert_eq!(header_size("| size 100 pagesize 500"), None);
        assert_eq!(header_size("select 1;"), None);
        assert_eq!(page_line("| page 2 offset 4096"), Some(4096));
        let (offset, bytes) = byte_line("|     16: 10 00 01 01 00 40 20 20 00 00 00 02 00 00 00 02   .....@  ........").unwrap();
        assert_eq!(offset, 16);
        assert_eq!(bytes[..3], [0x10, 0, 1]);
        assert!(byte_line("|     16: 10 00").is_none());
    }

    #[test]
    fn options_take_one_or_two_dashes() {
        assert!(option_is("--new", "new") && option_is("-new", "new"));
        assert!(!option_is("new", "new") && !option_is("---new", "new"));
    }
}
