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
}

impl Mode {
    pub const NAMES: &'static str = "list csv json line box table";

    pub fn parse(name: &str) -> Option<Mode> {
        Some(match name {
            "list" => Mode::List,
            "csv" => Mode::Csv,
            "json" => Mode::Json,
            "line" => Mode::Line,
            "box" => Mode::Box,
            "table" => Mode::Table,
            _ => return None,
        })
    }

}

pub struct Settings {
    pub mode: Mode,
    pub headers: bool,
    pub null_value: String,
}

/// A REAL as SQLite prints it (SQLite's own formatting, so output matches sqlite3).
pub fn real(r: f64) -> String {
    crate::bindings::sqlink::wasm::spi::format_real(r)
}

/// The text a value shows as in list, line, box and table modes.
pub fn text(value: &Value, null_value: &str) -> String {
    match value {
        Value::Null => null_value.to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => real(*r),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
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
                    out.push_str(&self.columns.join("|"));
                    out.push('\n');
                }
                let cells: Vec<String> = row.iter().map(|v| text(v, &s.null_value)).collect();
                out.push_str(&cells.join("|"));
                out.push('\n');
            }
            Mode::Csv => {
                if first && s.headers {
                    let names: Vec<String> = self.columns.iter().map(|c| csv_field(c)).collect();
                    out.push_str(&names.join(","));
                    out.push_str("\r\n");
                }
                let cells: Vec<String> = row.iter().map(|v| csv_field(&text(v, &s.null_value))).collect();
                out.push_str(&cells.join(","));
                out.push_str("\r\n");
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
            Mode::Box | Mode::Table => {
                self.buffered.push(row.iter().map(|v| text(v, &s.null_value)).collect());
            }
        }
    }

    pub fn finish(self, out: &mut String) {
        match self.settings.mode {
            Mode::Json if self.rows_seen > 0 => out.push_str("]\n"),
            Mode::Box | Mode::Table if !self.columns.is_empty() && self.rows_seen > 0 => {
                grid(out, self.settings.mode == Mode::Box, &self.columns, &self.buffered)
            }
            _ => {}
        }
    }
}

fn grid(out: &mut String, unicode: bool, columns: &[String], rows: &[Vec<String>]) {
    let width = |s: &str| s.chars().count();
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| rows.iter().map(|r| width(&r[i])).chain([width(&columns[i])]).max().unwrap_or(0))
        .collect();
    let (h, v) = if unicode { ('─', '│') } else { ('-', '|') };
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
    let line = |out: &mut String, cells: &[String]| {
        out.push(v);
        for (cell, w) in cells.iter().zip(&widths) {
            let pad = w - width(cell);
            let _ = write!(out, " {cell}{} {v}", " ".repeat(pad));
        }
        out.push('\n');
    };
    if unicode {
        rule(out, '┌', '┬', '┐');
        line(out, columns);
        rule(out, '├', '┼', '┤');
        rows.iter().for_each(|r| line(out, r));
        rule(out, '└', '┴', '┘');
    } else {
        rule(out, '+', '+', '+');
        line(out, columns);
        rule(out, '+', '+', '+');
        rows.iter().for_each(|r| line(out, r));
        rule(out, '+', '+', '+');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
