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
    /// Aligned columns under a dashed rule, as wide as `.width` says.
    Column,
    Html,
    /// Each value as a C string in double quotes.
    Tcl,
    /// List mode under its own name, with ASCII's unit and record separators.
    Ascii,
}

impl Mode {
    pub const NAMES: &'static str = "ascii box column csv html insert json line list markdown quote table tabs tcl";

    /// The mode a `.mode` name (or its start, as sqlite3 reads it) selects, and the
    /// separators it sets (sqlite3's rules: `tabs` is list mode with a tab between columns,
    /// `ascii` list mode with ASCII's unit and record separators).
    pub fn parse(name: &str) -> Option<(Mode, Option<(&'static str, &'static str)>)> {
        // sqlite3 tries the names in this order, each by the start given.
        const ORDER: [&str; 15] = [
            "lines", "columns", "list", "html", "tcl", "csv", "tabs", "insert", "quote", "ascii", "markdown", "table", "box", "json",
            "line",
        ];
        let full = if name.is_empty() { None } else { ORDER.iter().find(|full| full.starts_with(name)) };
        Some(match *full? {
            "line" | "lines" => (Mode::Line, None),
            "column" | "columns" => (Mode::Column, None),
            "html" => (Mode::Html, None),
            "tcl" => (Mode::Tcl, Some((" ", "\n"))),
            "ascii" => (Mode::Ascii, Some(("\x1f", "\x1e"))),
            "list" => (Mode::List, Some(("|", "\n"))),
            "tabs" => (Mode::List, Some(("\t", "\n"))),
            "csv" => (Mode::Csv, Some((",", "\r\n"))),
            "quote" => (Mode::Quote, Some((",", "\n"))),
            "json" => (Mode::Json, None),
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
            Mode::Column => "column",
            Mode::Html => "html",
            Mode::Tcl => "tcl",
            Mode::Ascii => "ascii",
        }
    }

    /// The mode as `.mode` and `.show` report it: the columnar modes with the wrapping
    /// they apply.
    pub fn description(self) -> String {
        match self {
            Mode::Box | Mode::Table | Mode::Markdown | Mode::Column => format!("{} --wrap {WRAP} --wordwrap off --noquote", self.name()),
            _ => self.name().to_owned(),
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
    /// `.width`: column widths for column mode (negative: right-aligned, 0: as wide as
    /// the values).
    pub widths: Vec<i32>,
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
            widths: Vec::new(),
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

/// A string as sqlite3 writes it in tcl mode and `.show`: in double quotes with C escapes for
/// quotes, backslashes, tabs, newlines and carriage returns, and every other byte that is not
/// printable ASCII (UTF-8's included) in octal.
pub fn c_string(s: &str) -> String {
    let mut out = String::from("\"");
    for &byte in crate::rawtext::to_bytes(s).iter() {
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(char::from(byte)),
            _ => {
                let _ = write!(out, "\\{byte:03o}");
            }
        }
    }
    out.push('"');
    out
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
            Mode::List | Mode::Ascii => {
                if first && s.headers {
                    out.push_str(&self.columns.join(&s.column_separator));
                    out.push_str(&s.row_separator);
                }
                let cells: Vec<String> = row.iter().map(|v| text(v, &s.null_value)).collect();
                out.push_str(&cells.join(&s.column_separator));
                out.push_str(&s.row_separator);
            }
            Mode::Tcl => {
                if first && s.headers {
                    let names: Vec<String> = self.columns.iter().map(|c| c_string(c)).collect();
                    out.push_str(&names.join(&s.column_separator));
                    out.push_str(&s.row_separator);
                }
                let cells: Vec<String> = row.iter().map(|v| c_string(&text(v, &s.null_value))).collect();
                out.push_str(&cells.join(&s.column_separator));
                out.push_str(&s.row_separator);
            }
            Mode::Html => {
                if first && s.headers {
                    out.push_str("<TR>");
                    for name in &self.columns {
                        let _ = writeln!(out, "<TH>{}</TH>", html_escaped(name));
                    }
                    out.push_str("</TR>\n");
                }
                out.push_str("<TR>");
                for value in row {
                    let _ = writeln!(out, "<TD>{}</TD>", html_escaped(&text(value, &s.null_value)));
                }
                out.push_str("</TR>\n");
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
                // As sqlite3: names are right-aligned to the longest, and to at least five.
                let width = self.columns.iter().map(|c| c.chars().count()).max().unwrap_or(0).max(5);
                for (name, value) in self.columns.iter().zip(row) {
                    let _ = writeln!(out, "{name:>width$} = {}", text(value, &s.null_value));
                }
            }
            Mode::Box | Mode::Table | Mode::Markdown | Mode::Column => {
                self.buffered.push(row.iter().map(|v| text(v, &s.null_value)).collect());
            }
        }
    }

    pub fn finish(self, out: &mut String) {
        match self.settings.mode {
            Mode::Json if self.rows_seen > 0 => out.push_str("]\n"),
            Mode::Box | Mode::Table | Mode::Markdown | Mode::Column if !self.columns.is_empty() && self.rows_seen > 0 => {
                grid(out, self.settings, &self.columns, &self.buffered)
            }
            _ => {}
        }
    }
}

/// Text for html mode: `<`, `&`, `>`, `"` and `'` as entities.
fn html_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// How wide sqlite3 lets a column of box, table, markdown and column modes grow before it
/// wraps a value, when `.width` does not say.
const WRAP: usize = 60;

/// A cell as lines for box, table, markdown and column modes, as sqlite3 shows text there:
/// a line ends at each control character (`\r\n` is one; one at the very end starts no
/// new line) and after `wrap` columns, tabs expand to the next multiple of eight.
fn display_lines(cell: &str, wrap: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let (mut out, mut width) = (String::new(), 0);
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        if width >= wrap {
            lines.push(std::mem::take(&mut out));
            width = 0;
        }
        if c == '\t' {
            loop {
                out.push(' ');
                width += 1;
                if width % 8 == 0 || width >= wrap {
                    break;
                }
            }
        } else if c < ' ' {
            if c == '\r' {
                chars.next_if_eq(&'\n');
            }
            lines.push(std::mem::take(&mut out));
            width = 0;
            if chars.peek().is_none() {
                return lines;
            }
        } else {
            out.push(c);
            width += crate::rawtext::display_width(c);
        }
    }
    lines.push(out);
    lines
}

/// Box, table, markdown and column modes: every row is known before the columns' widths;
/// headers are centred (left-aligned in column mode) and cells left-aligned (right-aligned
/// under a negative `.width`), a cell of several lines takes several lines, as sqlite3
/// prints them.
fn grid(out: &mut String, settings: &Settings, columns: &[String], rows: &[Vec<String>]) {
    let mode = settings.mode;
    let width = |s: &str| s.chars().map(crate::rawtext::display_width).sum::<usize>();
    let set_width = |i: usize| settings.widths.get(i).copied().unwrap_or(0);
    let split = |cells: &[String]| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| display_lines(c, if set_width(i) == 0 { WRAP } else { set_width(i).unsigned_abs() as usize }))
            .collect::<Vec<_>>()
    };
    // A header is cut, not wrapped, at the width `.width` gives it.
    let header: Vec<Vec<String>> = split(columns)
        .into_iter()
        .enumerate()
        .map(|(i, mut lines)| if set_width(i) == 0 { lines } else { lines.drain(..1).collect() })
        .collect();
    let body: Vec<Vec<Vec<String>>> = rows.iter().map(|r| split(r)).collect();
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| match set_width(i) {
            0 => body.iter().chain([&header]).flat_map(|r| r[i].iter().map(|l| width(l))).max().unwrap_or(0),
            w => w.unsigned_abs() as usize,
        })
        .collect();
    let right: Vec<bool> = (0..columns.len()).map(|i| set_width(i) < 0).collect();
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
            if mode != Mode::Column {
                out.push(v);
            }
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                let text = cell.get(k).map_or("", String::as_str);
                let pad = w.saturating_sub(width(text));
                let (before, after) = if centred {
                    (pad / 2, pad - pad / 2)
                } else if right[i] {
                    (pad, 0)
                } else {
                    (0, pad)
                };
                if mode == Mode::Column {
                    let gap = if i == 0 { "" } else { "  " };
                    let _ = write!(out, "{gap}{}{text}{}", " ".repeat(before), " ".repeat(after));
                } else {
                    let _ = write!(out, " {}{text}{} {v}", " ".repeat(before), " ".repeat(after));
                }
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
        Mode::Column => {
            if settings.headers {
                line(out, &header, false);
                let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                out.push_str(&dashes.join("  "));
                out.push('\n');
            }
            // Rows of several lines are set apart by an empty line.
            for (i, row) in body.iter().enumerate() {
                if i > 0 && multi_line {
                    out.push('\n');
                }
                line(out, row, false);
            }
        }
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
