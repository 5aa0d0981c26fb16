//! Output modes: how rows are printed, as the sqlite3 shell prints them.

use std::fmt::Write as _;

use crate::bindings::sqlite::extension::types::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    List,
    Csv,
    Json,
    Line,
    Box,
    Table,
    Markdown,
    /// Values as SQL literals.
    Quote,
    /// One INSERT statement per row (into `Settings::insert_table`).
    Insert,
}

impl Mode {
    pub const NAMES: &'static str = "box csv insert json line list markdown quote table tabs";

    /// The mode a `.mode` name selects, and the separators it sets (sqlite3's rules: `tabs`
    /// is list mode with a tab between columns).
    pub fn parse(name: &str) -> Option<(Mode, Option<(&'static str, &'static str)>)> {
        Some(match name {
            "list" => (Mode::List, Some(("|", "\n"))),
            "tabs" => (Mode::List, Some(("\t", "\n"))),
            "csv" => (Mode::Csv, Some((",", "\r\n"))),
            "quote" => (Mode::Quote, Some((",", "\n"))),
            "json" => (Mode::Json, None),
            "line" => (Mode::Line, None),
            "box" => (Mode::Box, None),
            "table" => (Mode::Table, None),
            "markdown" => (Mode::Markdown, None),
            "insert" => (Mode::Insert, None),
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::List => "list",
            Mode::Csv => "csv",
            Mode::Json => "json",
            Mode::Line => "line",
            Mode::Box => "box",
            Mode::Table => "table",
            Mode::Markdown => "markdown",
            Mode::Quote => "quote",
            Mode::Insert => "insert",
        }
    }
}

pub struct Settings {
    pub mode: Mode,
    pub headers: bool,
    pub null_value: String,
    /// Between columns and after rows in list and quote modes (`.separator`).
    pub column_separator: String,
    pub row_separator: String,
    /// The table `insert` mode writes INSERT statements for.
    pub insert_table: String,
}

impl Default for Settings {
    /// As sqlite3 starts: list mode, no headers.
    fn default() -> Self {
        Settings {
            mode: Mode::List,
            headers: false,
            null_value: String::new(),
            column_separator: String::from("|"),
            row_separator: String::from("\n"),
            insert_table: String::from("table"),
        }
    }
}

impl Settings {
    /// Switch to the mode `name` names, as sqlite3's `.mode` does (`table`: the table insert
    /// mode writes into). False for an unknown name.
    pub fn set_mode(&mut self, name: &str, table: Option<&str>) -> bool {
        let Some((mode, separators)) = Mode::parse(name) else { return false };
        self.mode = mode;
        if let Some((column, row)) = separators {
            self.column_separator = column.to_owned();
            self.row_separator = row.to_owned();
        }
        if mode == Mode::Insert {
            self.insert_table = table.unwrap_or("table").to_owned();
        }
        true
    }
}

/// A REAL as SQLite prints it (SQLite's own formatting, so output matches sqlite3).
pub fn real(r: f64) -> String {
    crate::bindings::sqlink::wasm::spi::format_real(r)
}

/// The text a value shows as in list, line, box and table modes. Like sqlite3, which prints
/// C strings, a text or blob shows up to its first NUL byte.
pub fn text(value: &Value, null_value: &str) -> String {
    let until_nul = |bytes: &[u8]| {
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    };
    match value {
        Value::Null => null_value.to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => real(*r),
        Value::Text(s) => until_nul(s.as_bytes()),
        Value::Blob(b) => until_nul(b),
    }
}

/// A text as a SQL string literal, quotes doubled (quote mode).
pub fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A text as SQL that reads back exactly, newlines and carriage returns included: as the
/// sqlite3 shell writes it in insert mode and `.dump`, e.g.
/// `replace('a\nb','\n',char(10))`.
pub fn sql_escaped_string(s: &str) -> String {
    if !s.contains(['\n', '\r']) {
        return sql_string(s);
    }
    // A marker for each character that does not occur in the text itself.
    let marker = |plain: &str, octal: &str| -> String {
        if !s.contains(plain) {
            return plain.to_owned();
        }
        if !s.contains(octal) {
            return octal.to_owned();
        }
        (0u32..).map(|i| format!("({plain}{i})")).find(|m| !s.contains(m.as_str())).unwrap_or_default()
    };
    let newline = s.contains('\n').then(|| marker("\\n", "\\012"));
    let cr = s.contains('\r').then(|| marker("\\r", "\\015"));
    let mut body = s.replace('\'', "''");
    if let Some(m) = &newline {
        body = body.replace('\n', m);
    }
    if let Some(m) = &cr {
        body = body.replace('\r', m);
    }
    let mut out = format!("'{body}'");
    if let Some(m) = &cr {
        out = format!("replace({out},'{m}',char(13))");
    }
    if let Some(m) = &newline {
        out = format!("replace({out},'{m}',char(10))");
    }
    out
}

/// A value as a SQL literal, as the sqlite3 shell writes it in quote and insert modes and
/// `.dump` (`escape_newlines`: insert and dump write newlines as `char(10)`).
pub fn sql_literal(value: &Value, escape_newlines: bool) -> String {
    match value {
        Value::Null => String::from("NULL"),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => crate::bindings::sqlink::wasm::spi::sql_real(*r),
        Value::Text(s) if escape_newlines => sql_escaped_string(s),
        Value::Text(s) => sql_string(s),
        Value::Blob(b) => {
            let hex: String = b.iter().map(|byte| format!("{byte:02x}")).collect();
            format!("X'{hex}'")
        }
    }
}

/// A field as sqlite3 writes CSV: quoted when empty, when it holds the separator, or any
/// byte sqlite3 quotes (control characters, space, quotes, DEL, and non-ASCII bytes).
fn csv_field(s: &str, separator: &str) -> String {
    let needs_quote = |b: u8| b <= b' ' || b == b'"' || b == b'\'' || b >= 0x7f;
    if s.is_empty() || s.bytes().any(needs_quote) || (!separator.is_empty() && s.contains(separator)) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A string as sqlite3's `.show` prints separators and the null value: in double quotes with
/// C escapes for quotes, backslashes, tabs, newlines and carriage returns, other control
/// characters in octal.
pub fn c_string(s: &str) -> String {
    sqlink_rules::quoted_with(s, |c| format!("\\{:03o}", u32::from(c)))
}

/// Text as sqlite3's `-json` mode writes it (JSON's escapes, `\b` and `\f` included).
pub fn json_string(s: &str) -> String {
    sqlink_rules::json_quoted(s)
}

fn json_value(value: &Value) -> String {
    match value {
        Value::Null => String::from("null"),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) if r.is_finite() => real(*r),
        Value::Real(_) => String::from("null"),
        Value::Text(s) => json_string(s),
        Value::Blob(b) => {
            let hex: String = b.iter().map(|byte| format!("{byte:02x}")).collect();
            json_string(&hex)
        }
    }
}

/// Prints one statement's rows as they arrive (or, for box and table, at the end).
pub struct Printer<'a> {
    settings: &'a Settings,
    columns: Vec<String>,
    rows_seen: usize,
    buffered: Vec<Vec<String>>,
}

impl<'a> Printer<'a> {
    pub fn new(settings: &'a Settings, columns: Vec<String>) -> Self {
        Printer { settings, columns, rows_seen: 0, buffered: Vec::new() }
    }

    pub fn row(&mut self, out: &mut String, row: &[Value]) {
        let s = self.settings;
        let first = self.rows_seen == 0;
        self.rows_seen += 1;
        match s.mode {
            Mode::List => {
                if first && s.headers {
                    out.push_str(&self.columns.join(&s.column_separator));
                    out.push_str(&s.row_separator);
                }
                let cells: Vec<String> = row.iter().map(|v| text(v, &s.null_value)).collect();
                out.push_str(&cells.join(&s.column_separator));
                out.push_str(&s.row_separator);
            }
            Mode::Quote => {
                if first && s.headers {
                    let names: Vec<String> = self.columns.iter().map(|c| sql_string(c)).collect();
                    out.push_str(&names.join(&s.column_separator));
                    out.push_str(&s.row_separator);
                }
                let cells: Vec<String> = row.iter().map(|v| sql_literal(v, false)).collect();
                out.push_str(&cells.join(&s.column_separator));
                out.push_str(&s.row_separator);
            }
            Mode::Insert => {
                let _ = write!(out, "INSERT INTO {}", crate::bindings::sqlink::wasm::spi::sql_identifier(&s.insert_table));
                if s.headers {
                    let names: Vec<String> = self.columns.iter().map(|c| crate::bindings::sqlink::wasm::spi::sql_identifier(c)).collect();
                    let _ = write!(out, "({})", names.join(","));
                }
                let cells: Vec<String> = row.iter().map(|v| sql_literal(v, true)).collect();
                let _ = writeln!(out, " VALUES({});", cells.join(","));
            }
            Mode::Csv => {
                let sep = &s.column_separator;
                if first && s.headers {
                    let names: Vec<String> = self.columns.iter().map(|c| csv_field(c, sep)).collect();
                    out.push_str(&names.join(sep));
                    out.push_str(&s.row_separator);
                }
                // NULL is the null value unquoted; an empty text is "".
                let cells: Vec<String> = row
                    .iter()
                    .map(|v| if matches!(v, Value::Null) { s.null_value.clone() } else { csv_field(&text(v, ""), sep) })
                    .collect();
                out.push_str(&cells.join(sep));
                out.push_str(&s.row_separator);
            }
            Mode::Json => {
                out.push_str(if first { "[{" } else { ",\n{" });
                for (i, (name, value)) in self.columns.iter().zip(row).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{}:{}", json_string(name), json_value(value));
                }
                out.push('}');
            }
            Mode::Line => {
                if !first {
                    out.push('\n');
                }
                let width = self.columns.iter().map(|c| c.chars().count()).max().unwrap_or(0);
                for (name, value) in self.columns.iter().zip(row) {
                    let _ = writeln!(out, "{name:>width$} = {}", text(value, &s.null_value));
                }
            }
            Mode::Box | Mode::Table | Mode::Markdown => {
                self.buffered.push(row.iter().map(|v| text(v, &s.null_value)).collect());
            }
        }
    }

    pub fn finish(self, out: &mut String) {
        match self.settings.mode {
            Mode::Json if self.rows_seen > 0 => out.push_str("]\n"),
            Mode::Box | Mode::Table | Mode::Markdown if !self.columns.is_empty() && self.rows_seen > 0 => {
                grid(out, self.settings.mode, &self.columns, &self.buffered)
            }
            _ => {}
        }
    }
}

/// A cell as lines for box, table and markdown modes, as sqlite3 shows text there: split at
/// newlines, tabs expanded to the next multiple of eight, other control characters dropped.
fn display_lines(cell: &str) -> Vec<String> {
    cell.split('\n')
        .map(|line| {
            let mut out = String::new();
            let mut width = 0;
            for c in line.chars() {
                if c == '\t' {
                    loop {
                        out.push(' ');
                        width += 1;
                        if width % 8 == 0 {
                            break;
                        }
                    }
                } else if !c.is_control() {
                    out.push(c);
                    width += 1;
                }
            }
            out
        })
        .collect()
}

/// Box, table and markdown modes: every row is known before the columns' widths; headers
/// are centred and cells left-aligned, a cell of several lines takes several lines, as
/// sqlite3 prints them.
fn grid(out: &mut String, mode: Mode, columns: &[String], rows: &[Vec<String>]) {
    let width = |s: &str| s.chars().count();
    let split = |cells: &[String]| cells.iter().map(|c| display_lines(c)).collect::<Vec<_>>();
    let header = split(columns);
    let body: Vec<Vec<Vec<String>>> = rows.iter().map(|r| split(r)).collect();
    let widths: Vec<usize> =
        (0..columns.len()).map(|i| body.iter().chain([&header]).flat_map(|r| r[i].iter().map(|l| width(l))).max().unwrap_or(0)).collect();
    let (h, v) = if mode == Mode::Box { ('─', '│') } else { ('-', '|') };
    let rule = |out: &mut String, left: char, mid: char, right: char| {
        out.push(left);
        for (i, w) in widths.iter().enumerate() {
            if i > 0 {
                out.push(mid);
            }
            out.extend(std::iter::repeat_n(h, w + 2));
        }
        out.push(right);
        out.push('\n');
    };
    let line = |out: &mut String, cells: &[Vec<String>], centred: bool| {
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            out.push(v);
            for (cell, w) in cells.iter().zip(&widths) {
                let text = cell.get(k).map_or("", String::as_str);
                let pad = w - width(text);
                let (before, after) = if centred { (pad / 2, pad - pad / 2) } else { (0, pad) };
                let _ = write!(out, " {}{text}{} {v}", " ".repeat(before), " ".repeat(after));
            }
            out.push('\n');
        }
    };
    // As sqlite3: once a row takes several lines, box and table modes rule between all rows.
    let multi_line = body.iter().any(|r| r.iter().any(|cell| cell.len() > 1));
    let rows_ruled = |out: &mut String, (left, mid, right): (char, char, char)| {
        for (i, row) in body.iter().enumerate() {
            if i > 0 && multi_line {
                rule(out, left, mid, right);
            }
            line(out, row, false);
        }
    };
    match mode {
        Mode::Box => {
            rule(out, '┌', '┬', '┐');
            line(out, &header, true);
            rule(out, '├', '┼', '┤');
            rows_ruled(out, ('├', '┼', '┤'));
            rule(out, '└', '┴', '┘');
        }
        Mode::Markdown => {
            line(out, &header, true);
            rule(out, '|', '|', '|');
            body.iter().for_each(|r| line(out, r, false));
        }
        _ => {
            rule(out, '+', '+', '+');
            line(out, &header, true);
            rule(out, '+', '+', '+');
            rows_ruled(out, ('+', '+', '+'));
            rule(out, '+', '+', '+');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("plain", ","), "plain");
        assert_eq!(csv_field("a,b", ","), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"", ","), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("", ","), "\"\"");
        assert_eq!(csv_field("it's", ","), "\"it's\"");
    }
}
