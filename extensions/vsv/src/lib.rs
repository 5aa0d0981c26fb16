//! sqlean's `vsv`: a CSV (value-separated values) file, or text given inline, as a
//! read-only virtual table, `CREATE VIRTUAL TABLE t USING vsv(filename=..., header=yes)`,
//! with sqlean's arguments, defaults, messages and rows.
//!
//! The file is read inside the sandbox: only in the directories granted to the extension
//! (`--allow-dir DIR`, or `allow_dir`), an absolute path as itself and a relative one from
//! the first granted directory, as `fileio` reads files (its `files.rs` is the one rule).

#[allow(dead_code)] // fileio's module; vsv opens files and uses no more of it.
#[path = "../../fileio/src/files.rs"]
mod files;
mod reader;
mod values;

use std::cell::RefCell;
use std::fs::File;
use std::rc::Rc;

use sqlink_sdk::{Error, Filter, IndexInfo, ModuleArgs, Plan, TableRow, TableRows, Value, VirtualCursor, VirtualTable};

use files::Files;
use reader::{EOF, Reader};
use values::Affinity;

/// SQLite's most columns a table may have (SQLITE_MAX_COLUMN's upper bound): a `columns=`
/// above it cannot make a table, and is refused before its schema is written.
const MOST_COLUMNS: i32 = 32767;

/// Where the rows come from.
#[derive(Debug, Clone)]
enum Source {
    /// `filename=`, as the user wrote it.
    File(String),
    /// `data=`.
    Data(Rc<[u8]>),
}

/// What a table reads, and how.
#[derive(Debug, Clone)]
struct Settings {
    source: Source,
    columns: usize,
    fsep: i32,
    rsep: i32,
    dsep: i32,
    affinity: Affinity,
    nulls: bool,
    validate: bool,
    /// Where the rows start, past the header and the skipped rows.
    start: u64,
}

impl Settings {
    /// A reader of the source from its beginning; a file is looked for in the grants now.
    fn reader(&self) -> Result<Reader, Error> {
        match &self.source {
            Source::Data(data) => Ok(Reader::of_data(data, self.fsep, self.rsep)),
            Source::File(given) => open(given).map(|file| Reader::of_file(file, self.fsep, self.rsep)),
        }
    }
}

/// The file `given`, in the granted directories.
fn open(given: &str) -> Result<File, Error> {
    let files = Files::open();
    let path = files.resolve(given);
    File::open(&path).map_err(|e| files.error("vsv", "open", &format!("'{given}' for reading"), &path, &e))
}

/// `TAG = VALUE`, spaces allowed around both: the value's text, from its first non-space.
fn parameter<'a>(tag: &str, arg: &'a str) -> Option<&'a str> {
    let rest = arg.trim_start_matches(is_space).strip_prefix(tag)?;
    Some(rest.trim_start_matches(is_space).strip_prefix('=')?.trim_start_matches(is_space))
}

/// C's `isspace`.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// `TAG`, or `TAG = BOOLEAN`: the boolean, when the argument is one.
fn boolean_parameter(tag: &str, arg: &str) -> Option<bool> {
    let rest = arg.trim_start_matches(is_space).strip_prefix(tag)?.trim_start_matches(is_space);
    if rest.is_empty() {
        return Some(true);
    }
    let value = rest.strip_prefix('=')?.trim_start_matches(is_space);
    let is = |words: [&str; 3], digit: &str| value == digit || words.iter().any(|w| w.eq_ignore_ascii_case(value));
    if is(["yes", "on", "true"], "1") {
        Some(true)
    } else if is(["no", "off", "false"], "0") {
        Some(false)
    } else {
        None
    }
}

/// A quoted value without its quotes (a doubled quote inside stands for one); else as it is.
fn dequote(value: &str) -> String {
    let bytes = value.as_bytes();
    let quote = match bytes.first() {
        Some(&q @ (b'\'' | b'"')) if bytes.len() >= 2 && bytes[bytes.len() - 1] == q => q,
        _ => return value.to_owned(),
    };
    let end = bytes.len() - 1;
    let mut out = Vec::with_capacity(end);
    let mut i = 1;
    while i < end {
        // The closing quote may be the second of a pair, as in sqlean.
        if bytes[i] == quote && bytes[i + 1] == quote {
            i += 1;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// C's `atoi`: an optional sign and the digits after spaces; 0 when there are none.
fn atoi(text: &str) -> i64 {
    let text = text.trim_start_matches(is_space);
    let (sign, digits) = match text.as_bytes().first() {
        Some(b'-') => (-1, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => (1, text),
    };
    sign * digits.bytes().take_while(u8::is_ascii_digit).fold(0i64, |n, d| n.saturating_mul(10).saturating_add(i64::from(d - b'0')))
}

/// `columns=` or `skip=` (sqlean names the first `column=` in its message): a positive
/// count, given once (`current` is what an earlier one gave, if positive).
fn count(value: &str, current: i64, tag: &str, named: &str) -> Result<i64, Error> {
    if current > 0 {
        return Err(Error::new(format!("more than one '{tag}' parameter")));
    }
    match atoi(value) {
        n if n > 0 => Ok(n),
        _ => Err(Error::new(format!("{named} value must be positive"))),
    }
}

/// A separator: one byte, `\t` `\n` `\v` `\f`, or `\xhh`; the default when not given or
/// empty; unchanged from `unset` for a value of 3 or more than 4 bytes, as in sqlean.
fn separator(value: Option<&str>, default: i32, unset: i32) -> Result<i32, ()> {
    let Some(value) = value else { return Ok(default) };
    let bytes = value.as_bytes();
    match bytes {
        [] => Ok(default),
        [b] => Ok(i32::from(*b as i8)),
        [b'\\', escape] => match escape {
            b'f' => Ok(12),
            b'n' => Ok(10),
            b't' => Ok(9),
            b'v' => Ok(11),
            _ => Err(()),
        },
        [b'\\', x, high, low] if x.eq_ignore_ascii_case(&b'x') => {
            let hex = |d: u8| char::from(d).to_digit(16).ok_or(());
            Ok(i32::try_from(hex(*high)? * 16 + hex(*low)?).unwrap_or(0))
        }
        [_, _] | [_, _, _, _] => Err(()),
        _ => Ok(unset),
    }
}

/// `"name"`, as SQL quotes an identifier; sqlean names a missing header field `(NULL)`.
fn identifier(name: Option<&[u8]>) -> String {
    let Some(name) = name else { return String::from("\"(NULL)\"") };
    let name = name.iter().position(|&b| b == 0).map_or(name, |end| &name[..end]);
    format!("\"{}\"", String::from_utf8_lossy(name).replace('"', "\"\""))
}

/// The module's arguments, as sqlean reads them, to a table's settings and schema.
fn connect(args: &[String]) -> Result<(String, Settings), Error> {
    const STRINGS: [&str; 6] = ["filename", "data", "schema", "fsep", "rsep", "dsep"];
    let mut strings: [Option<String>; 6] = Default::default();
    let (mut header, mut validate, mut nulls): (Option<bool>, Option<bool>, Option<bool>) = (None, None, None);
    let (mut columns, mut skip, mut affinity): (i64, i64, Option<Affinity>) = (-99, -1, None);
    for arg in args {
        if let Some((i, value)) = STRINGS.iter().enumerate().find_map(|(i, tag)| parameter(tag, arg).map(|v| (i, v))) {
            if strings[i].is_some() {
                return Err(Error::new(format!("more than one '{}' parameter", STRINGS[i])));
            }
            strings[i] = Some(dequote(value));
            continue;
        }
        let flags: [(&str, &mut Option<bool>); 3] = [("header", &mut header), ("validatetext", &mut validate), ("nulls", &mut nulls)];
        if let Some((tag, slot, value)) = flags.into_iter().find_map(|(tag, slot)| boolean_parameter(tag, arg).map(|v| (tag, slot, v))) {
            if slot.is_some() {
                return Err(Error::new(format!("more than one '{tag}' parameter")));
            }
            *slot = Some(value);
        } else if let Some(value) = parameter("columns", arg) {
            columns = count(value, columns, "columns", "column=")?;
        } else if let Some(value) = parameter("skip", arg) {
            skip = count(value, skip, "skip", "skip=")?;
        } else if let Some(value) = parameter("affinity", arg) {
            if affinity.is_some() {
                return Err(Error::new("more than one 'affinity' parameter"));
            }
            affinity = Some(Affinity::parse(value).ok_or_else(|| Error::new(format!("unknown affinity: '{value}'")))?);
        } else {
            return Err(Error::new(format!("bad parameter: '{arg}'")));
        }
    }
    let [filename, data, schema, fsep, rsep, dsep] = strings;
    let header = header.unwrap_or(false);
    let source = match (filename, data) {
        (Some(filename), None) => Source::File(filename),
        (None, Some(data)) => Source::Data(Rc::from(data.into_bytes())),
        _ => return Err(Error::new("must specify either filename= or data= but not both")),
    };
    let fsep = separator(fsep.as_deref(), i32::from(b','), 0)
        .map_err(|()| Error::new(format!("cannot parse fsep: '{}'", fsep.unwrap_or_default())))?;
    let rsep = separator(rsep.as_deref(), i32::from(b'\n'), 0)
        .map_err(|()| Error::new(format!("cannot parse rsep: '{}'", rsep.unwrap_or_default())))?;
    let dsep = separator(dsep.as_deref(), i32::from(b'.'), 0)
        .map_err(|()| Error::new(format!("cannot parse dsep: '{}'", dsep.unwrap_or_default())))?;
    if columns > i64::from(MOST_COLUMNS) {
        return Err(Error::new(format!("columns={columns} is more than a table may have ({MOST_COLUMNS})")));
    }
    let mut settings = Settings {
        source,
        columns: 0,
        fsep,
        rsep,
        dsep,
        affinity: affinity.unwrap_or(Affinity::None),
        nulls: nulls.unwrap_or(false),
        validate: validate.unwrap_or(false),
        start: 0,
    };
    let mut reader = if columns <= 0 || header { Some(settings.reader()?) } else { None };
    // Each field of the first record, through `each(field or none)`; how many.
    let mut first_record = |each: &mut dyn FnMut(Option<&[u8]>)| -> i64 {
        let Some(reader) = reader.as_mut() else { return 0 };
        let mut count = 0;
        loop {
            let got = reader.read_field();
            each(got.then_some(reader.field.as_slice()));
            count += 1;
            if reader.cterm != reader.fsep {
                return count;
            }
        }
    };
    let schema = match schema {
        Some(schema) => {
            if columns < 0 {
                // sqlean's docs require it, and its scans fail without it (out of memory).
                return Err(Error::new("schema= needs columns= as well: how many fields of each record to read"));
            }
            if skip < 1 && header {
                first_record(&mut |_| {});
            }
            schema
        }
        None => {
            let mut names: Vec<String> = Vec::new();
            if columns < 0 && !header {
                columns = first_record(&mut |_| {});
            }
            if columns > 0 && !header {
                names.extend((0..columns).map(|i| format!("c{i}")));
            } else {
                first_record(&mut |field| {
                    if (columns > 0 && (names.len() as i64) < columns) || columns < 0 {
                        names.push(identifier(field));
                    }
                });
                if columns < 0 {
                    columns = names.len() as i64;
                } else {
                    // sqlean numbers these from one past the header's last field.
                    while (names.len() as i64) < columns {
                        names.push(format!("c{}", names.len() + 1));
                    }
                }
            }
            if columns > i64::from(MOST_COLUMNS) {
                return Err(Error::new(format!("the first record has {columns} fields, more than a table may have ({MOST_COLUMNS})")));
            }
            format!("CREATE TABLE x({})", names.join(","))
        }
    };
    settings.columns = usize::try_from(columns).unwrap_or(0);
    if skip > 0 {
        let mut skipping = settings.reader()?;
        // sqlean's skip of data= goes on from where the reading of the first record ended
        // (its reader keeps that position); of a file, from the file's start.
        if let (Source::Data(_), Some(first)) = (&settings.source, reader.as_ref()) {
            skipping.seek(first.offset()).map_err(|e| Error::new(e.to_string()))?;
        }
        let mut left = skip + i64::from(header);
        loop {
            loop {
                if !skipping.read_field() {
                    let why =
                        if skipping.complaint.is_empty() { "premature end of file during skip" } else { skipping.complaint.trim_end() };
                    return Err(Error::new(why.to_owned()));
                }
                if skipping.cterm != skipping.fsep {
                    break;
                }
            }
            left -= 1;
            if left <= 0 || skipping.cterm != skipping.rsep {
                break;
            }
        }
        if left > 0 {
            return Err(Error::new("premature end of file during skip"));
        }
        settings.start = skipping.offset();
    } else if header {
        settings.start = reader.as_ref().map_or(0, Reader::offset);
    }
    Ok((schema, settings))
}

pub struct Vsv {
    settings: Settings,
}

impl VirtualTable for Vsv {
    const NAME: &'static str = "vsv";
    const DOC: &'static str = "A CSV file (filename=) or text (data=) as a read-only table, with sqlean's arguments.";
    type Cursor = VsvCursor;

    fn connect(args: &ModuleArgs, _create: bool) -> Result<(String, Self), Error> {
        let (schema, settings) = connect(&args.args)?;
        Ok((schema, Vsv { settings }))
    }

    /// Only full scans, as sqlean's; the plan carries which columns the query reads, so
    /// the others are not converted.
    fn best_index(&self, info: &IndexInfo) -> Result<Plan, Error> {
        Ok(Plan::full_scan(info).cost(1e6, 25).string(format!("{:x}", info.columns_used)))
    }

    fn open(&self) -> Result<VsvCursor, Error> {
        Ok(VsvCursor { reader: Rc::new(RefCell::new(self.settings.reader()?)) })
    }
}

/// One scan's reader, kept between scans of the cursor as sqlean keeps it.
pub struct VsvCursor {
    reader: Rc<RefCell<Reader>>,
}

impl VirtualCursor<Vsv> for VsvCursor {
    fn filter(&mut self, table: &Vsv, filter: Filter) -> Result<TableRows, Error> {
        let settings = table.settings.clone();
        self.reader.borrow_mut().seek(settings.start).map_err(|e| Error::new(format!("vsv: cannot read the file: {e}")))?;
        let used = filter.index_string.as_deref().and_then(|bits| u64::from_str_radix(bits, 16).ok()).unwrap_or(u64::MAX);
        let used: Vec<bool> = (0..settings.columns).map(|i| used & (1 << i.min(63)) != 0).collect();
        Ok(Box::new(Rows { reader: Rc::clone(&self.reader), settings, used, rowid: 0, done: false }))
    }
}

struct Rows {
    reader: Rc<RefCell<Reader>>,
    settings: Settings,
    /// Which columns the query reads.
    used: Vec<bool>,
    rowid: i64,
    done: bool,
}

impl Rows {
    /// The next record's values, read as sqlean reads a record (fields past the columns are
    /// read and dropped; missing ones are NULL); none at the end.
    fn record(&mut self) -> Option<Result<Vec<Value>, Error>> {
        let mut reader = self.reader.borrow_mut();
        let settings = &self.settings;
        let mut columns = Vec::with_capacity(settings.columns);
        let mut failed = None;
        loop {
            let got = reader.read_field();
            let i = columns.len();
            if got && i < settings.columns {
                columns.push(if !reader.not_null && settings.nulls {
                    Value::Null
                } else if self.used[i] && failed.is_none() {
                    values::value(&reader.field, settings.affinity, settings.validate, settings.dsep).unwrap_or_else(|error| {
                        failed = Some(error);
                        Value::Null
                    })
                } else {
                    Value::Null
                });
            }
            if reader.cterm != reader.fsep {
                break;
            }
        }
        if reader.cterm == EOF && columns.is_empty() {
            return None;
        }
        if let Some(error) = failed {
            return Some(Err(error));
        }
        columns.resize(settings.columns, Value::Null);
        Some(Ok(columns))
    }
}

impl Iterator for Rows {
    type Item = Result<TableRow, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let record = self.record();
        if let Some(error) = self.reader.borrow_mut().failed.take() {
            self.done = true;
            return Some(Err(Error::new(format!("vsv: cannot read the file: {error}"))));
        }
        let Some(columns) = record else {
            self.done = true;
            return None;
        };
        self.rowid += 1;
        Some(columns.map(|columns| TableRow { rowid: self.rowid, columns }))
    }
}

sqlink_sdk::export_extension! {
    name: "vsv",
    modules: [Vsv],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn arguments_read_as_sqlean_reads_them() {
        assert_eq!(dequote("'it''s'"), "it's");
        assert_eq!(dequote("\"a\""), "a");
        assert_eq!(parameter("data", " data = 'x'"), Some("'x'"));
        assert_eq!(boolean_parameter("header", "header"), Some(true));
        assert_eq!(boolean_parameter("header", "header = OFF"), Some(false));
        assert_eq!(boolean_parameter("header", "header=maybe"), None);
        assert_eq!(separator(Some("\\x1f"), 0, 0), Ok(31));
        assert_eq!(separator(Some("ab"), 0, 0), Err(()));
        let (schema, _) = connect(&args(&["data='a,\"b\"\"c\"\n1,2'", "header"])).unwrap();
        assert_eq!(schema, "CREATE TABLE x(\"a\",\"b\"\"c\")");
        let (schema, _) = connect(&args(&["data='1,2,3'"])).unwrap();
        assert_eq!(schema, "CREATE TABLE x(c0,c1,c2)");
        assert_eq!(connect(&args(&["data=x", "bogus"])).unwrap_err().message, "bad parameter: 'bogus'");
        assert_eq!(connect(&args(&["columns=0", "data=x"])).unwrap_err().message, "column= value must be positive");
    }
}
