//! `.import FILE TABLE`, as the sqlite3 shell 3.40 imports: its options (one dash or two),
//! its field reader (RFC 4180 CSV with any one-byte separators, or ASCII unit and record
//! separators), a missing table created from the first row with TEXT columns (duplicate
//! names renamed), every field inserted as text, a short row filled with NULL and a long one
//! cut, each with a warning naming the line; a source starting with `|` is a command whose
//! standard output is read (the host runs it).

use crate::bindings::sqlink::wasm::process;
use crate::format::{Mode, c_string};
use crate::shell::Shell;

/// What `.help import` says in sqlite3 3.40, which its argument errors print.
const HELP: &str = r#".import FILE TABLE       Import data from FILE into TABLE
   Options:
     --ascii               Use \037 and \036 as column and row separators
     --csv                 Use , and \n as column and row separators
     --skip N              Skip the first N rows of input
     --schema S            Target table to be S.TABLE
     -v                    "Verbose" - increase auxiliary output
   Notes:
     *  If TABLE does not exist, it is created.  The first row of input
        determines the column names.
     *  If neither --csv or --ascii are used, the input mode is derived
        from the ".mode" output mode
     *  If FILE begins with "|" then it is a command that generates the
        input text.
"#;

/// How fields are split.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Ascii,
}

/// Reads one field at a time, as sqlite3's import does: `term` is the byte that ended the
/// last field (None at the end of the input), `line` the input line reached.
struct Fields<'a> {
    input: &'a [u8],
    at: usize,
    format: Format,
    column: u8,
    row: u8,
    line: usize,
    term: Option<u8>,
    started: bool,
    /// Where warnings name the input (the file, or `<pipe>`).
    name: &'a str,
    warnings: Vec<String>,
}

impl Fields<'_> {
    fn next_byte(&mut self) -> Option<u8> {
        let byte = self.input.get(self.at).copied();
        self.at += usize::from(byte.is_some());
        byte
    }

    /// The next field, or None at the end of the input.
    fn read(&mut self) -> Option<Vec<u8>> {
        let Some(first) = self.next_byte() else {
            self.term = None;
            return None;
        };
        let field = match self.format {
            Format::Ascii => self.rest_of_field(first, false),
            Format::Csv if first == b'"' => self.quoted(),
            Format::Csv => {
                // A byte-order mark before the first field is not part of it.
                if !self.started && self.input[self.at - 1..].starts_with(b"\xef\xbb\xbf") {
                    self.at += 2;
                    self.started = true;
                    return self.read();
                }
                self.rest_of_field(first, true)
            }
        };
        self.started = true;
        Some(field)
    }

    /// An unquoted field starting with `byte`; in CSV a carriage return before the row
    /// separator is dropped.
    fn rest_of_field(&mut self, first: u8, csv: bool) -> Vec<u8> {
        let mut field = Vec::new();
        let mut next = Some(first);
        while let Some(b) = next.filter(|&b| b != self.column && b != self.row) {
            field.push(b);
            next = self.next_byte();
        }
        if next == Some(self.row) {
            self.line += 1;
            if csv && field.last() == Some(&b'\r') {
                field.pop();
            }
        }
        self.term = next;
        field
    }

    /// A field in double quotes: `""` is a quote; it ends at a quote followed by a separator
    /// (or by `\r` and the row separator) or by the end. A lone quote inside is kept, with a
    /// warning, as sqlite3 does.
    fn quoted(&mut self) -> Vec<u8> {
        let start_line = self.line;
        let mut field = Vec::new();
        let (mut previous, mut before) = (None, None);
        loop {
            let byte = self.next_byte();
            if byte.is_some() && byte == Some(self.row) {
                self.line += 1;
            }
            if byte == Some(b'"') && previous == Some(b'"') {
                previous = None;
                continue;
            }
            let closed = previous == Some(b'"') && (byte.is_none() || byte == Some(self.column) || byte == Some(self.row))
                || (byte == Some(self.row) && previous == Some(b'\r') && before == Some(b'"'));
            if closed {
                // Drop the closing quote (and what followed it on this field).
                while let Some(last) = field.pop() {
                    if last == b'"' {
                        break;
                    }
                }
                self.term = byte;
                return field;
            }
            if previous == Some(b'"') && byte != Some(b'\r') {
                self.warnings.push(format!("{}:{}: unescaped \" character", self.name, self.line));
            }
            let Some(b) = byte else {
                self.warnings.push(format!("{}:{start_line}: unterminated \"-quoted field", self.name));
                self.term = None;
                return field;
            };
            field.push(b);
            before = previous;
            previous = Some(b);
        }
    }
}

/// An integer argument as sqlite3 reads one (`--skip`): optional sign, decimal or `0x` hex
/// digits, then an optional size suffix; anything unreadable counts as 0.
fn integer_value(arg: &str) -> i64 {
    let (negative, digits) = match arg.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, arg.strip_prefix('+').unwrap_or(arg)),
    };
    let (value, rest) = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) => {
            let end = hex.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(hex.len());
            (u64::from_str_radix(&hex[..end], 16).unwrap_or(0) as i64, &hex[end..])
        }
        None => {
            let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
            (digits[..end].parse::<i64>().unwrap_or(0), &digits[end..])
        }
    };
    let scale = match rest.to_ascii_lowercase().as_str() {
        "kib" => 1024,
        "mib" => 1024 * 1024,
        "gib" => 1024 * 1024 * 1024,
        "kb" | "k" => 1000,
        "mb" | "m" => 1_000_000,
        "gb" | "g" => 1_000_000_000,
        _ => 1,
    };
    let value = value.wrapping_mul(scale);
    if negative { -value } else { value }
}

/// A name in double quotes, as `%w` quotes one.
fn quoted_name(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A field as an SQL text literal of exactly its bytes (up to a NUL, where sqlite3's binding
/// ends it), whatever they are.
fn text_literal(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let hex: String = field[..end].iter().map(|b| format!("{b:02x}")).collect();
    format!("CAST(x'{hex}' AS TEXT)")
}

/// The columns of a table made from `names`, as sqlite3 3.40 names them: an empty name is
/// `?`; names repeated (ignoring ASCII case) get `_` and their position, zero-padded to the
/// digits of the column count, with as many more leading zeros as keep all names distinct.
/// Returns the column list and, when any was renamed, the renames as sqlite3 lists them.
fn column_definitions(names: &[String]) -> (String, Option<String>) {
    let names: Vec<String> = names.iter().map(|n| if n.is_empty() { String::from("?") } else { n.clone() }).collect();
    let folded: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let repeated: Vec<bool> = folded.iter().enumerate().map(|(i, f)| folded.iter().enumerate().any(|(j, g)| i != j && f == g)).collect();
    let digits = (names.len() as f64 + 0.5).log10().ceil() as usize;
    let renamed = |zeros: usize| -> Vec<String> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| if repeated[i] { format!("{n}_{}{:0digits$}", "0".repeat(zeros), i + 1) } else { n.clone() })
            .collect()
    };
    let distinct = |list: &[String]| {
        let folded: Vec<String> = list.iter().map(|n| n.to_ascii_lowercase()).collect();
        folded.iter().enumerate().all(|(i, f)| !folded[..i].contains(f))
    };
    let any_repeated = repeated.contains(&true);
    let mut zeros = 0;
    let mut final_names = renamed(0);
    while any_repeated && !distinct(&final_names) && zeros < 64 {
        zeros += 1;
        final_names = renamed(zeros);
    }
    let mut columns = String::from("(\n");
    for (i, name) in final_names.iter().enumerate() {
        if i > 0 {
            columns.push_str(if i % 4 == 0 { ",\n " } else { ", " });
        }
        columns.push_str(&format!("{} TEXT", quoted_name(name)));
    }
    columns.push(')');
    let renames = any_repeated.then(|| {
        names
            .iter()
            .zip(&final_names)
            .filter(|(old, new)| old != new)
            .map(|(old, new)| format!("{} to {}", quoted_name(old), quoted_name(new)))
            .collect::<Vec<_>>()
            .join(",\n")
    });
    (columns, renames)
}

impl Shell {
    pub fn import(&mut self, args: &[String]) {
        let mut format = if self.settings.mode == Mode::Ascii { Format::Ascii } else { Format::Csv };
        let mut separators = None;
        let (mut file, mut table, mut schema) = (None, None, None);
        let (mut verbose, mut skip) = (0, 0i64);
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            // As sqlite3: a second dash is dropped, and the rest is what errors quote.
            let z = if arg.starts_with("--") { &arg[1..] } else { arg.as_str() };
            let has_value = i + 1 < args.len();
            if !z.starts_with('-') {
                if file.is_none() {
                    file = Some(z.to_owned());
                } else if table.is_none() {
                    table = Some(z.to_owned());
                } else {
                    self.count_error();
                    return self.output.out(&format!("ERROR: extra argument: \"{z}\".  Usage:\n{HELP}"));
                }
            } else if z == "-v" {
                verbose += 1;
            } else if z == "-schema" && has_value {
                i += 1;
                schema = Some(args[i].clone());
            } else if z == "-skip" && has_value {
                i += 1;
                skip = integer_value(&args[i]);
            } else if z == "-ascii" {
                format = Format::Ascii;
                separators = Some((0x1f, 0x1e));
            } else if z == "-csv" {
                format = Format::Csv;
                separators = Some((b',', b'\n'));
            } else {
                self.count_error();
                return self.output.out(&format!("ERROR: unknown option: \"{z}\".  Usage:\n{HELP}"));
            }
            i += 1;
        }
        let (Some(file), Some(table)) = (file.clone(), table) else {
            self.count_error();
            let missing = if file.is_none() { "FILE" } else { "TABLE" };
            return self.output.out(&format!("ERROR: missing {missing} argument. Usage:\n{HELP}"));
        };
        let from_mode = separators.is_none();
        let (column, row) = match separators {
            Some(pair) => pair,
            None => match self.separators_from_mode() {
                Ok(pair) => pair,
                Err(message) => return self.error(message),
            },
        };
        let (content, name) = match file.strip_prefix('|') {
            Some(command) => {
                self.output.flush();
                match process::read_output(command) {
                    Ok(content) => (content, "<pipe>"),
                    Err(_) => return self.error(&format!("cannot open \"{file}\"")),
                }
            }
            None => match std::fs::read(self.resolve(&file)) {
                Ok(content) => (content, file.as_str()),
                Err(_) => return self.error(&format!("cannot open \"{file}\"")),
            },
        };
        if verbose >= 2 || (verbose >= 1 && from_mode) {
            let shown = |b: u8| c_string(&crate::rawtext::from_bytes(&[b]));
            self.output.out(&format!("Column separator {}, row separator {}\n", shown(column), shown(row)));
        }
        let mut fields =
            Fields { input: &content, at: 0, format, column, row, line: 1, term: None, started: false, name, warnings: Vec::new() };
        for _ in 0..skip.max(0) {
            while fields.read().is_some() && fields.term == Some(column) {}
        }
        let full_name = match &schema {
            Some(schema) => format!("{}.{}", quoted_name(schema), quoted_name(&table)),
            None => quoted_name(&table),
        };
        let result = self.import_fields(&mut fields, &full_name, verbose);
        let warnings = std::mem::take(&mut fields.warnings);
        for warning in warnings {
            self.warn(&warning);
        }
        if let Err(message) = result {
            self.fail(&message);
        }
    }

    /// The separators the output mode gives an import without `--csv` or `--ascii`, checked
    /// as sqlite3 checks them. A csv-mode row separator of `\r\n` becomes `\n`, for good.
    fn separators_from_mode(&mut self) -> Result<(u8, u8), &'static str> {
        let column = match self.settings.column_separator.as_bytes() {
            [] => return Err("non-null column separator required for import"),
            [byte] => *byte,
            _ => return Err("multi-character column separators not allowed for import"),
        };
        if self.settings.row_separator.is_empty() {
            return Err("non-null row separator required for import");
        }
        if self.settings.mode == Mode::Csv && self.settings.row_separator == "\r\n" {
            self.settings.row_separator = String::from("\n");
        }
        match self.settings.row_separator.as_bytes() {
            [byte] => Ok((column, *byte)),
            _ => Err("multi-character row separators not allowed for import"),
        }
    }

    /// The rows of `fields` into `table` (quoted, with its schema); the error is the whole
    /// message sqlite3 prints.
    fn import_fields(&mut self, fields: &mut Fields, table: &str, verbose: usize) -> Result<(), String> {
        let select = format!("SELECT * FROM {table}");
        let columns = match self.conn.prepare(select.as_bytes()) {
            Ok(prepared) => prepared.statement.map_or(0, |s| s.column_names().len()),
            Err(e) if e.message.starts_with("no such table: ") => {
                let mut names = Vec::new();
                while let Some(field) = fields.read() {
                    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
                    names.push(String::from_utf8_lossy(&field[..end]).into_owned());
                    if fields.term != Some(fields.column) {
                        break;
                    }
                }
                self.flush_import_warnings(fields);
                if names.is_empty() {
                    return Err(format!("{}: empty file", fields.name));
                }
                let (definitions, renames) = column_definitions(&names);
                if let Some(renames) = renames {
                    self.warn(&format!("Columns renamed during .import {} due to duplicates:\n{renames}", fields.name));
                }
                let create = format!("CREATE TABLE {table}{definitions}\n");
                if verbose >= 1 {
                    self.output.out(&format!("{create}\n"));
                }
                self.query_text(&create).map_err(|e| format!("{create} failed:\n{e}"))?;
                names.len()
            }
            Err(e) => return Err(format!("Error: {}", e.message)),
        };
        if columns == 0 {
            return Ok(());
        }
        if verbose >= 2 {
            let marks = vec!["?"; columns].join(",");
            self.output.out(&format!("Insert using: INSERT INTO {table} VALUES({marks})\n"));
        }
        let own_transaction = self.conn.is_autocommit();
        if own_transaction {
            self.query_text("BEGIN").map_err(|e| format!("Error: {e}"))?;
        }
        let (mut rows, mut failed) = (0, 0);
        loop {
            let start_line = fields.line;
            let mut values: Vec<String> = Vec::with_capacity(columns);
            let mut i = 0;
            while i < columns {
                let field = fields.read();
                if field.is_none() && i == 0 {
                    break;
                }
                // ASCII output mode: an empty first field ends the rows too.
                if self.settings.mode == Mode::Ascii && field.as_ref().is_none_or(Vec::is_empty) && i == 0 {
                    break;
                }
                values.push(field.as_deref().map_or_else(|| String::from("NULL"), text_literal));
                if i + 1 < columns && fields.term != Some(fields.column) {
                    fields.warnings.push(format!(
                        "{}:{start_line}: expected {columns} columns but found {} - filling the rest with NULL",
                        fields.name,
                        i + 1
                    ));
                    values.resize(columns, String::from("NULL"));
                    i = columns + 1;
                }
                i += 1;
            }
            if fields.term == Some(fields.column) {
                loop {
                    fields.read();
                    i += 1;
                    if fields.term != Some(fields.column) {
                        break;
                    }
                }
                fields.warnings.push(format!("{}:{start_line}: expected {columns} columns but found {i} - extras ignored", fields.name));
            }
            self.flush_import_warnings(fields);
            if i >= columns {
                match self.query_text(&format!("INSERT INTO {table} VALUES({})", values.join(","))) {
                    Ok(_) => rows += 1,
                    Err(e) => {
                        fields.warnings.push(format!("{}:{start_line}: INSERT failed: {e}", fields.name));
                        self.flush_import_warnings(fields);
                        failed += 1;
                    }
                }
            }
            if fields.term.is_none() {
                break;
            }
        }
        if own_transaction {
            let _ = self.query_text("COMMIT");
        }
        if verbose > 0 {
            self.output.out(&format!("Added {rows} rows with {failed} errors using {} lines of input\n", fields.line - 1));
        }
        Ok(())
    }

    /// Warnings so far, in the order sqlite3 prints them (as it reads).
    fn flush_import_warnings(&mut self, fields: &mut Fields) {
        for warning in std::mem::take(&mut fields.warnings) {
            self.warn(&warning);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_fields(input: &[u8]) -> Vec<(Option<Vec<u8>>, Option<u8>)> {
        let mut fields = Fields {
            input,
            at: 0,
            format: Format::Csv,
            column: b',',
            row: b'\n',
            line: 1,
            term: None,
            started: false,
            name: "x",
            warnings: Vec::new(),
        };
        let mut out = Vec::new();
        loop {
            let field = fields.read();
            let done = field.is_none();
            out.push((field, fields.term));
            if done {
                return out;
            }
        }
    }

    #[test]
    fn csv_fields_quotes_and_line_ends() {
        let fields = all_fields(b"a,\"b \"\"q\"\"\",c\r\n\n");
        let texts: Vec<_> = fields.iter().map(|(f, t)| (f.as_deref().map(|f| String::from_utf8_lossy(f).into_owned()), *t)).collect();
        assert_eq!(
            texts,
            vec![
                (Some("a".into()), Some(b',')),
                (Some("b \"q\"".into()), Some(b',')),
                (Some("c".into()), Some(b'\n')),
                (Some(String::new()), Some(b'\n')),
                (None, None)
            ]
        );
    }

    #[test]
    fn duplicate_columns_are_renamed_as_sqlite3_renames_them() {
        let names: Vec<String> = ["a", "A", "b", ""].iter().map(|s| s.to_string()).collect();
        let (columns, renames) = column_definitions(&names);
        assert_eq!(columns, "(\n\"a_1\" TEXT, \"A_2\" TEXT, \"b\" TEXT, \"?\" TEXT)");
        assert_eq!(renames.unwrap(), "\"a\" to \"a_1\",\n\"A\" to \"A_2\"");
        assert_eq!(integer_value("0x10"), 16);
        assert_eq!(integer_value("2k"), 2000);
    }
}
