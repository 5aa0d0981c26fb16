//! Dot commands: `.load`, `.mode`, `.tables`, …

use std::fmt::Write as _;

use sqlink_rules::metadata::signature;

use crate::bindings::sqlink::wasm::spi_loader::{self, Contract};
use crate::bindings::sqlink::wasm::{dispatch_bridge, spi::Connection};
use crate::bindings::sqlite::extension::types::ExtensionInfo;
use crate::format::{Mode, c_string, sql_string};
use crate::shell::{Flow, Shell};

/// Each command's usage and what it does, as `.help` shows them.
const HELP: &[(&str, &str)] = &[
    (".bail on|off", "Stop after the first error"),
    (".changes on|off", "Show the number of rows changed by each SQL statement"),
    (".databases", "List the names and files of attached databases"),
    (".dump ?PATTERN?", "Render the database (or the tables matching a LIKE pattern) as SQL"),
    (".exit", "Exit (also .quit)"),
    (".extensions", "List loaded extensions with their functions"),
    (".headers on|off", "Show or hide column names"),
    (".help ?COMMAND?", "Show this message, or the help for COMMAND"),
    (".import [--csv] [--skip N] FILE TABLE", "Import data from FILE into TABLE (created from the header row if missing)"),
    (".indexes ?TABLE?", "Show the names of indexes, optionally only those on TABLE"),
    (
        ".load NAME|PATH [--override]",
        "Load an extension: a bundled name (uuid, md5, snake, stats, regexp, crypto, text, unicode, fuzzy, math, time, ipaddr, fileio), a name on SQLINK_PATH, or a path to a .wasm component (a URL in a browser); --override lets it replace SQLite's own functions of the same names",
    ),
    (".mode MODE ?TABLE?", "Output mode: box csv insert json line list markdown quote table tabs (insert: into TABLE)"),
    (".nullvalue TEXT", "Show NULL values as TEXT"),
    (".once FILE", "Send the output of the next command only to FILE"),
    (".open ?FILE?", "Close this database and open FILE (in memory without FILE)"),
    (".output ?FILE?", "Send output to FILE, or back to stdout without FILE"),
    (".print STRING...", "Print the strings"),
    (".quit", "Exit (also .exit)"),
    (".read FILE", "Run the statements and commands in FILE"),
    (".schema ?PATTERN?", "Show CREATE statements, optionally for matching tables"),
    (".separator COL ?ROW?", "Change the column and row separators (list and quote modes, .import)"),
    (".show", "Show the current settings"),
    (".tables ?PATTERN?", "List tables and views, optionally matching a LIKE pattern"),
    (".timeout MS", "Try opening locked tables for MS milliseconds"),
    (".timer on|off", "Show how long each statement takes"),
    (".unload NAME", "Unload an extension and remove its functions"),
];

/// `.help` text for the commands whose name starts with `prefix` (all without one).
fn help(prefix: Option<&str>) -> Option<String> {
    let prefix = prefix.map(|p| p.trim_start_matches('.'));
    let matching: Vec<_> = HELP.iter().filter(|(usage, _)| prefix.is_none_or(|p| usage[1..].starts_with(p))).collect();
    if matching.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (usage, text) in matching {
        if usage.len() < 21 {
            let _ = writeln!(out, "{usage:<21}{text}");
        } else {
            let _ = writeln!(out, "{usage}\n{:21}{text}", "");
        }
    }
    Some(out)
}

/// Backslash escapes in an unquoted or double-quoted argument, as sqlite3 resolves them.
fn resolve_backslashes(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len());
    let mut chars = arg.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('v') => out.push('\x0b'),
            Some('f') => out.push('\x0c'),
            Some('r') => out.push('\r'),
            Some(d @ '0'..='7') => {
                let mut value = d.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(digit) => {
                            value = value * 8 + digit;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.extend(char::from_u32(value));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Split a dot command's arguments as sqlite3 does: white space separates, quotes group, and
/// backslash escapes are resolved except inside single quotes.
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
            while let Some(ch) = chars.next() {
                if ch == c {
                    break;
                }
                arg.push(ch);
                // Inside double quotes a backslash keeps the next character (even a quote).
                if ch == '\\' && c == '"' {
                    arg.extend(chars.next());
                }
            }
            if c == '"' {
                arg = resolve_backslashes(&arg);
            }
        } else {
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() {
                    break;
                }
                arg.push(ch);
                chars.next();
            }
            arg = resolve_backslashes(&arg);
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

/// An extension as `.extensions` lists it: name, version, where from, what of SQLite's own
/// it replaced (loaded with --override) or kept (without it), the contract version it was
/// built against with the interfaces it exports (an older one has fewer), then each function
/// with its doc.
fn describe(info: &ExtensionInfo, source: &str, contract: &Contract, overridden: &[String], kept: &[String]) -> String {
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
    for t in &info.table_functions {
        let sig = format!("{}({}) -> ({})", t.name, t.parameters.join(", "), t.columns.join(", "));
        entries.push(("table", sig, &t.doc));
    }
    let width = entries.iter().map(|e| e.1.chars().count()).max().unwrap_or(0);
    let mut out = format!("{} {} ({source})\n", info.name, info.version);
    if !overridden.is_empty() {
        let _ = writeln!(out, "  replaces SQLite's {} (loaded with --override)", overridden.join(", "));
    }
    if !kept.is_empty() {
        let _ = writeln!(out, "  keeps SQLite's own {} (.load {} --override replaces them)", kept.join(", "), info.name);
    }
    let _ = writeln!(out, "  {:<9} sqlite:extension@{} ({})", "contract", contract.version, contract.exports.join(", "));
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
            "help" => match help(arg.map(String::as_str)) {
                Some(text) => self.output.out(&text),
                None => self.error(&format!("Nothing matches '{}'", arg.map_or("", |a| a.as_str()))),
            },
            "load" => match (arg, args.get(2).map(String::as_str), args.len()) {
                (Some(name), None, _) | (Some(name), Some("--override"), 3) => {
                    if let Err(message) = self.load(name, args.len() == 3, "`.load NAME --override`") {
                        self.error(&message);
                    }
                }
                _ => self.error("usage: .load NAME|PATH [--override]"),
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
                    let kept = dispatch_bridge::kept(ext.handle).unwrap_or_default();
                    self.output.out(&describe(&ext.info, &ext.source, &ext.contract, &dispatch_bridge::overridden(ext.handle), &kept));
                }
            }
            "open" => {
                let path = arg.map_or_else(|| String::from(":memory:"), |p| self.resolve(p));
                match Connection::open(&path) {
                    Ok(conn) => {
                        self.conn = conn;
                        self.db_name = arg.map_or_else(|| String::from(":memory:"), String::clone);
                    }
                    Err(e) => self.error(&format!("cannot open \"{}\": {}", arg.map_or("", |s| s), e.message)),
                }
            }
            "tables" => {
                let pattern = arg.cloned().unwrap_or_else(|| String::from("%"));
                let sql = format!(
                    "SELECT name FROM sqlite_schema WHERE type IN ('table','view') \
                     AND name NOT LIKE 'sqlite_%' AND name LIKE {} ORDER BY 1",
                    sql_string(&pattern)
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
                    Some(p) => format!("AND (name LIKE {0} OR tbl_name LIKE {0})", sql_string(p)),
                    None => String::new(),
                };
                let sql = format!(
                    "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL \
                     AND name NOT LIKE 'sqlite_%' {filter} ORDER BY tbl_name, type DESC, name"
                );
                match self.query_text(&sql) {
                    Ok(rows) => rows.iter().for_each(|r| self.output.line(&crate::dump::schema_statement(&r[0]))),
                    Err(e) => self.error(&e),
                }
            }
            "mode" => {
                if !arg.is_some_and(|m| self.settings.set_mode(m, args.get(2).map(String::as_str))) {
                    self.error(&format!("usage: .mode MODE ?TABLE?, MODE one of: {}", Mode::NAMES));
                }
            }
            "separator" => match arg {
                Some(column) => {
                    self.settings.column_separator = column.clone();
                    if let Some(row) = args.get(2) {
                        self.settings.row_separator = row.clone();
                    }
                }
                None => self.error("usage: .separator COL ?ROW?"),
            },
            "print" => self.output.line(&args[1..].join(" ")),
            "changes" => match on_off(arg) {
                Some(on) => self.changes = on,
                None => self.error("usage: .changes on|off"),
            },
            "show" => self.show(),
            "databases" => match self.query_text("SELECT name, file FROM pragma_database_list") {
                Ok(rows) => rows.iter().for_each(|r| self.output.line(&format!("{}: {} r/w", r[0], r[1]))),
                Err(e) => self.error(&e),
            },
            "indexes" | "indices" => {
                let filter = arg.map_or_else(String::new, |t| format!(" AND tbl_name LIKE {}", sql_string(t)));
                let sql = format!("SELECT name FROM sqlite_schema WHERE type = 'index'{filter} ORDER BY 1");
                match self.query_text(&sql) {
                    Ok(rows) => {
                        let names = rows.into_iter().map(|mut r| r.swap_remove(0)).collect();
                        self.output.out(&in_columns(names));
                    }
                    Err(e) => self.error(&e),
                }
            }
            "output" | "once" => self.redirect(command == "once", arg),
            "dump" => self.dump(arg.map(String::as_str)),
            "import" => self.import(&args[1..]),
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
    /// composition: the host never calls back into the runtime while `.load` runs. With
    /// `replace_builtins` its functions may replace SQLite's own of the same names; a refusal
    /// says `how_to_allow` does that (the caller's way: `.load NAME --override`).
    pub fn load(&mut self, name: &str, replace_builtins: bool, how_to_allow: &str) -> Result<ExtensionInfo, String> {
        let target = if name.contains('/') || name.ends_with(".wasm") { self.resolve(name) } else { name.to_owned() };
        let loaded = spi_loader::load(&target)?;
        let handle = loaded.handle;
        dispatch_bridge::override_policy(handle, replace_builtins, how_to_allow);
        let info = &loaded.info;
        let mut result = Ok(());
        for f in &info.scalars {
            result = result.and_then(|()| dispatch_bridge::register_host_scalar(handle, &f.name, f.arity, f.flags, f.id));
        }
        for f in &info.aggregates {
            result = result.and_then(|()| dispatch_bridge::register_host_aggregate(handle, &f.name, f.arity, f.flags, f.id, f.window));
        }
        for c in &info.collations {
            result = result.and_then(|()| dispatch_bridge::register_host_collation(handle, &c.name, c.id));
        }
        for t in &info.table_functions {
            result = result.and_then(|()| dispatch_bridge::register_host_table(handle, &t.name, t.id, &t.columns, &t.parameters));
        }
        if info.hooks != crate::bindings::sqlite::extension::types::HookKinds::empty() {
            result = result.and_then(|()| dispatch_bridge::subscribe_hooks(handle, info.hooks));
        }
        match result.and_then(|()| dispatch_bridge::kept(handle)) {
            Err(e) => {
                dispatch_bridge::unregister_extension(handle);
                let _ = spi_loader::unload(handle);
                Err(format!("cannot load {name}: {}", e.message))
            }
            Ok(kept) => {
                if !kept.is_empty() {
                    self.warn(&sqlink_rules::kept_note(&info.name, &kept, Some(how_to_allow)));
                }
                Ok(loaded.info)
            }
        }
    }

    /// The settings, as sqlite3's `.show` lists those sqlink has.
    fn show(&mut self) {
        let s = &self.settings;
        let on_off = |on: bool| String::from(if on { "on" } else { "off" });
        let lines = [
            ("headers", on_off(s.headers)),
            ("mode", String::from(s.mode.name())),
            ("nullvalue", c_string(&s.null_value)),
            ("output", self.output.target().to_owned()),
            ("colseparator", c_string(&s.column_separator)),
            ("rowseparator", c_string(&s.row_separator)),
            ("filename", self.db_name.clone()),
        ];
        for (name, value) in lines {
            self.output.line(&format!("{name:>12}: {value}"));
        }
    }

    /// `.output FILE`, `.once FILE`; `.output` alone goes back to stdout.
    fn redirect(&mut self, once: bool, file: Option<&String>) {
        match file {
            None if once => self.error("usage: .once FILE"),
            None => self.output.restore(),
            Some(name) if !once && (name == "stdout" || name == "-") => self.output.restore(),
            Some(name) => match std::fs::File::create(self.resolve(name)) {
                Ok(handle) => self.output.redirect(handle, name, once),
                Err(e) => self.error(&format!("cannot open \"{name}\": {e}")),
            },
        }
    }

    fn unload(&mut self, name: &str) {
        let Some(ext) = spi_loader::list().into_iter().find(|e| e.info.name == name) else {
            return self.error(&format!("no extension named {name} is loaded"));
        };
        // SQLite cannot bring back its own function once replaced: removing the replacement
        // would leave no function of that name at all.
        let overridden = dispatch_bridge::overridden(ext.handle);
        if !overridden.is_empty() {
            return self.error(&format!(
                "cannot unload {name}: it replaced SQLite's {}, which cannot be restored on an open database",
                overridden.join(", ")
            ));
        }
        dispatch_bridge::unregister_extension(ext.handle);
        if let Err(message) = spi_loader::unload(ext.handle) {
            self.error(&message);
        }
    }
}

/// Names in columns across an 80-character line, as sqlite3's `.tables` and `.indexes`
/// lay them out: down the columns first, each name padded to the longest, two spaces apart.
fn in_columns(names: Vec<String>) -> String {
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    let per_line = (80 / (width + 2)).max(1);
    let lines = names.len().div_ceil(per_line);
    let mut out = String::new();
    for i in 0..lines {
        for (k, name) in names.iter().skip(i).step_by(lines).enumerate() {
            let gap = if k == 0 { "" } else { "  " };
            let _ = write!(out, "{gap}{name:<width$}");
        }
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
    fn backslash_escapes_resolve_outside_single_quotes() {
        assert_eq!(split_args(r#"separator \t "a\"b\n" '\t'"#), vec!["separator", "\t", "a\"b\n", "\\t"]);
        assert_eq!(resolve_backslashes(r"\101\\"), "A\\");
    }

    #[test]
    fn help_for_one_command() {
        assert_eq!(
            help(Some("dump")).unwrap(),
            ".dump ?PATTERN?      Render the database (or the tables matching a LIKE pattern) as SQL\n"
        );
        assert!(help(Some("nothing")).is_none());
        assert!(help(None).unwrap().lines().count() >= HELP.len());
    }

    #[test]
    fn signatures_from_arity() {
        assert_eq!(signature("uuid", 0), "uuid()");
        assert_eq!(signature("md5", 1), "md5(x)");
        assert_eq!(signature("f", -1), "f(...)");
        assert_eq!(signature("g", 4), "g(x1, x2, x3, x4)");
    }
}
