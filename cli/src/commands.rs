//! Dot commands: `.load`, `.mode`, `.tables`, …

use std::fmt::Write as _;

use crate::bindings::sqlink::wasm::{dispatch_bridge, spi::Connection, spi_loader};
use crate::bindings::sqlite::extension::types::ExtensionInfo;
use crate::format::Mode;
use crate::shell::{Flow, Shell};

const HELP: &str = "\
.load NAME|PATH      Load an extension: a bundled name (uuid, md5, snake, stats), a name
                     on SQLINK_PATH, or a path to a .wasm component (a URL in a browser)
.unload NAME         Unload an extension and remove its functions
.extensions          List loaded extensions with their functions
.open [FILE]         Close this database and open FILE (in memory without FILE)
.tables [PATTERN]    List tables and views, optionally matching a LIKE pattern
.schema [PATTERN]    Show CREATE statements, optionally for matching tables
.mode MODE           Output mode: list csv json line box table
.headers on|off      Show or hide column names
.nullvalue TEXT      Show NULL values as TEXT
.timer on|off        Show how long each statement takes
.timeout MS          Try opening locked tables for MS milliseconds
.bail on|off         Stop after the first error
.read FILE           Run the statements and commands in FILE
.help                Show this message
.quit                Exit (also .exit)";

/// Split a dot command's arguments: white space separates, quotes group.
fn split_args(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut arg = String::new();
        if c == '"' || c == '\'' {
            chars.next();
            for ch in chars.by_ref() {
                if ch == c {
                    break;
                }
                arg.push(ch);
            }
        } else {
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() {
                    break;
                }
                arg.push(ch);
                chars.next();
            }
        }
        args.push(arg);
    }
    args
}

fn on_off(value: Option<&String>) -> Option<bool> {
    match value.map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("on" | "1" | "yes" | "true") => Some(true),
        Some("off" | "0" | "no" | "false") => Some(false),
        _ => None,
    }
}

/// `f(x, y)`-style signature from an arity; -1 is variadic.
fn signature(name: &str, arity: i32) -> String {
    let params = match arity {
        -1 => String::from("..."),
        0 => String::new(),
        1 => String::from("x"),
        2 => String::from("x, y"),
        3 => String::from("x, y, z"),
        n => (1..=n).map(|i| format!("x{i}")).collect::<Vec<_>>().join(", "),
    };
    format!("{name}({params})")
}

fn describe(info: &ExtensionInfo, source: &str) -> String {
    let mut entries: Vec<(&str, String, &str)> = Vec::new();
    for f in &info.scalars {
        entries.push(("scalar", signature(&f.name, f.arity), &f.doc));
    }
    for f in &info.aggregates {
        entries.push((if f.window { "window" } else { "aggregate" }, signature(&f.name, f.arity), &f.doc));
    }
    for c in &info.collations {
        entries.push(("collation", c.name.clone(), &c.doc));
    }
    let width = entries.iter().map(|e| e.1.chars().count()).max().unwrap_or(0);
    let mut out = format!("{} {} ({source})\n", info.name, info.version);
    for (kind, sig, doc) in entries {
        let _ = writeln!(out, "  {kind:<9} {sig:<width$}  {doc}");
    }
    out
}

impl Shell {
    pub fn dot_command(&mut self, line: &str) -> Flow {
        let args = split_args(&line[1..]);
        let Some(command) = args.first().map(String::as_str) else {
            return Flow::Continue;
        };
        let arg = args.get(1);
        match command {
            "quit" | "exit" => return Flow::Quit,
            "help" => self.output.line(HELP),
            "load" => match arg {
                Some(name) => {
                    if let Err(message) = self.load(name) {
                        self.error(&message);
                    }
                }
                None => self.error("usage: .load NAME|PATH"),
            },
            "unload" => match arg {
                Some(name) => self.unload(name),
                None => self.error("usage: .unload NAME"),
            },
            "extensions" => {
                let loaded = spi_loader::list();
                if loaded.is_empty() {
                    self.output.line("no extensions loaded; try .load uuid");
                }
                for ext in loaded {
                    self.output.out(&describe(&ext.info, &ext.source));
                }
            }
            "open" => {
                let path = arg.map_or_else(|| String::from(":memory:"), |p| self.resolve(p));
                match Connection::open(&path) {
                    Ok(conn) => self.conn = conn,
                    Err(e) => self.error(&format!("cannot open \"{}\": {}", arg.map_or("", |s| s), e.message)),
                }
            }
            "tables" => {
                let pattern = arg.cloned().unwrap_or_else(|| String::from("%"));
                let sql = format!(
                    "SELECT name FROM sqlite_schema WHERE type IN ('table','view') \
                     AND name NOT LIKE 'sqlite_%' AND name LIKE {} ORDER BY 1",
                    quote(&pattern)
                );
                match self.query_text(&sql) {
                    Ok(rows) => {
                        let names = rows.into_iter().map(|mut r| r.swap_remove(0)).collect();
                        self.output.out(&in_columns(names));
                    }
                    Err(e) => self.error(&e),
                }
            }
            "schema" => {
                let filter = match arg {
                    Some(p) => format!("AND (name LIKE {0} OR tbl_name LIKE {0})", quote(p)),
                    None => String::new(),
                };
                let sql = format!(
                    "SELECT sql || ';' FROM sqlite_schema WHERE sql IS NOT NULL \
                     AND name NOT LIKE 'sqlite_%' {filter} ORDER BY tbl_name, type DESC, name"
                );
                match self.query_text(&sql) {
                    Ok(rows) => rows.iter().for_each(|r| self.output.line(&r[0])),
                    Err(e) => self.error(&e),
                }
            }
            "mode" => match arg.and_then(|m| Mode::parse(m)) {
                Some(mode) => self.settings.mode = mode,
                None => self.error(&format!("usage: .mode MODE, one of: {}", Mode::NAMES)),
            },
            "headers" | "header" => match on_off(arg) {
                Some(on) => self.settings.headers = on,
                None => self.error("usage: .headers on|off"),
            },
            "nullvalue" => match arg {
                Some(text) => self.settings.null_value = text.clone(),
                None => self.error("usage: .nullvalue TEXT"),
            },
            "timer" => match on_off(arg) {
                Some(on) => self.timer = on,
                None => self.error("usage: .timer on|off"),
            },
            "timeout" => {
                // As sqlite3: no argument (or a non-number) means no waiting.
                let ms = arg.and_then(|ms| ms.parse::<i64>().ok()).unwrap_or(0).clamp(0, i64::from(i32::MAX));
                if let Err(e) = self.query_text(&format!("PRAGMA busy_timeout = {ms}")) {
                    self.error(&e);
                }
            }
            "bail" => match on_off(arg) {
                Some(on) => self.bail = on,
                None => self.error("usage: .bail on|off"),
            },
            "read" => match arg {
                Some(file) => {
                    let path = self.resolve(file);
                    match std::fs::read_to_string(&path) {
                        Ok(text) => return self.process(std::io::Cursor::new(text), false),
                        Err(e) => self.error(&format!("cannot read \"{file}\": {e}")),
                    }
                }
                None => self.error("usage: .read FILE"),
            },
            other => self.error(&format!("unknown command: .{other}; enter \".help\" for the list")),
        }
        Flow::Continue
    }

    /// Ask the host for the extension, then install its functions here, inside the
    /// composition: the host never calls back into the runtime while `.load` runs.
    pub fn load(&mut self, name: &str) -> Result<ExtensionInfo, String> {
        let target = if name.contains('/') || name.ends_with(".wasm") { self.resolve(name) } else { name.to_owned() };
        let loaded = spi_loader::load(&target)?;
        let handle = loaded.handle;
        let info = &loaded.info;
        let mut result = Ok(());
        for f in &info.scalars {
            result = result.and_then(|()| dispatch_bridge::register_host_scalar(handle, &f.name, f.arity, f.flags, f.id));
        }
        for f in &info.aggregates {
            result = result.and_then(|()| {
                dispatch_bridge::register_host_aggregate(handle, &f.name, f.arity, f.flags, f.id, f.window)
            });
        }
        for c in &info.collations {
            result = result.and_then(|()| dispatch_bridge::register_host_collation(handle, &c.name, c.id));
        }
        if let Err(e) = result {
            dispatch_bridge::unregister_extension(handle);
            let _ = spi_loader::unload(handle);
            return Err(format!("cannot load {name}: {}", e.message));
        }
        Ok(loaded.info)
    }

    fn unload(&mut self, name: &str) {
        let Some(ext) = spi_loader::list().into_iter().find(|e| e.info.name == name) else {
            return self.error(&format!("no extension named {name} is loaded"));
        };
        dispatch_bridge::unregister_extension(ext.handle);
        if let Err(message) = spi_loader::unload(ext.handle) {
            self.error(&message);
        }
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Names in columns across an 80-character line, as sqlite3's `.tables`.
fn in_columns(names: Vec<String>) -> String {
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0) + 2;
    let per_line = (80 / width).max(1);
    let mut out = String::new();
    for chunk in names.chunks(per_line) {
        let line: String = chunk.iter().map(|n| format!("{n:<width$}")).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_on_spaces_and_group_in_quotes() {
        assert_eq!(split_args("load  'my ext.wasm' x"), vec!["load", "my ext.wasm", "x"]);
    }

    #[test]
    fn signatures_from_arity() {
        assert_eq!(signature("uuid", 0), "uuid()");
        assert_eq!(signature("md5", 1), "md5(x)");
        assert_eq!(signature("f", -1), "f(...)");
        assert_eq!(signature("g", 4), "g(x1, x2, x3, x4)");
    }
}
