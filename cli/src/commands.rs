//! Dot commands: `.load`, `.mode`, `.tables`, …

use std::fmt::Write as _;

use crate::bindings::sqlink::wasm::dispatch_bridge;
use crate::bindings::sqlink::wasm::spi::sql_identifier;
use crate::bindings::sqlink::wasm::spi_loader::{self, Contract, LoadedExtension};
use crate::bindings::sqlite::extension::types::ExtensionInfo;
use crate::format::{Mode, c_string, sql_string};
use crate::shell::{Explain, Flow, Input, Shell};

/// Each command's usage and what it does, as `.help` shows them.
const HELP: &[(&str, &str)] = &[
    (".archive ...", "Manage SQL archives (.help archive: its options)"),
    (".backup ?DB? FILE", "Backup DB (default \"main\") to FILE (--append: at the end of FILE; --async: without syncs)"),
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
    (
        ".open ?OPTIONS? ?FILE?",
        "Close this database and open FILE (in memory without FILE); options: --append --deserialize --hexdb --new --readonly (--nofollow, --maxsize N: accepted, no effect, as in sqlite3 3.40)",
    ),
    (".output ?FILE?", "Send output to FILE, or back to stdout without FILE"),
    (".print STRING...", "Print the strings"),
    (".quit", "Exit (also .exit)"),
    (".read FILE", "Run the statements and commands in FILE"),
    (".restore ?DB? FILE", "Restore content of DB (default \"main\") from FILE"),
    (".save ?DB? FILE", "Write DB (default \"main\") to FILE (the same as .backup)"),
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

/// A boolean argument as sqlite3 reads one: a number (non-zero is on), on/yes, off/no; any
/// other word is off, with sqlite3's warning.
fn boolean_value(shell: &mut Shell, arg: &str) -> bool {
    let digits = match arg.strip_prefix("0x") {
        Some(hex) => hex.bytes().take_while(u8::is_ascii_hexdigit).count() + 2,
        None => arg.bytes().take_while(u8::is_ascii_digit).count(),
    };
    if digits > 0 && digits == arg.len() {
        let value = match arg.strip_prefix("0x") {
            Some(hex) => i64::from_str_radix(hex, 16).unwrap_or(-1),
            None => arg.parse::<i64>().unwrap_or(-1),
        };
        return value & 0xffff_ffff != 0;
    }
    match arg.to_ascii_lowercase().as_str() {
        "on" | "yes" => true,
        "off" | "no" => false,
        _ => {
            shell.warn(&format!("ERROR: Not a boolean value: \"{arg}\". Assuming \"no\"."));
            false
        }
    }
}

/// An integer argument as sqlite3 reads one (`.width`): leading digits with an optional
/// sign, 0 when there are none.
fn integer_value(arg: &str) -> i32 {
    let (sign, digits) = match arg.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, arg.strip_prefix('+').unwrap_or(arg)),
    };
    let digits: String = digits.chars().take_while(char::is_ascii_digit).collect();
    sign * digits.parse::<i32>().unwrap_or(0)
}

/// How many arguments a dot command takes, and the usage line sqlite3 answers with (on
/// stderr, as an error) when it gets fewer or more. Commands not listed take any number.
const ARITY: &[(&[&str], usize, usize, &str)] = &[
    (&["bail"], 1, 1, "Usage: .bail on|off"),
    (&["binary"], 1, 1, "Usage: .binary on|off"),
    (&["changes"], 1, 1, "Usage: .changes on|off"),
    (&["echo"], 1, 1, "Usage: .echo on|off"),
    (&["extensions"], 0, 0, "Usage: .extensions"),
    (&["headers"], 1, 1, "Usage: .headers on|off"),
    (&["indexes", "indices"], 0, 1, "Usage: .indexes ?LIKE-PATTERN?"),
    (&["load"], 1, 2, "Usage: .load NAME|PATH ?--override?"),
    (&["nullvalue"], 1, 1, "Usage: .nullvalue STRING"),
    (&["read"], 1, 1, "Usage: .read FILE"),
    (&["schema"], 0, 1, "Usage: .schema ?--indent? ?--nosys? ?LIKE-PATTERN?"),
    (&["separator"], 1, 2, "Usage: .separator COL ?ROW?"),
    (&["show"], 0, 0, "Usage: .show"),
    (&["stats"], 0, 1, "Usage: .stats ?on|off|stmt|vmstep?"),
    (&["timer"], 1, 1, "Usage: .timer on|off"),
    (&["unload"], 1, 1, "Usage: .unload NAME"),
];

/// The usage line for `command` given `count` arguments, when that count is wrong.
fn wrong_arity(command: &str, count: usize) -> Option<&'static str> {
    ARITY.iter().find(|(names, ..)| names.contains(&command)).filter(|(_, min, max, _)| count < *min || count > *max).map(|e| e.3)
}

/// An extension as `.extensions` lists it: name, version, where from, what of SQLite's own
/// it replaced (loaded with --override) or kept (without it), the contract version it was
/// built against with the interfaces it exports (an older one has fewer), then each function
/// with its doc.
fn describe(info: &ExtensionInfo, source: &str, contract: &Contract, overridden: &[String], kept: &[String]) -> String {
    let mut out = format!("{} {} ({source})\n", info.name, info.version);
    if !overridden.is_empty() {
        let _ = writeln!(out, "  replaces SQLite's {} (loaded with --override)", overridden.join(", "));
    }
    if !kept.is_empty() {
        let _ = writeln!(out, "  keeps SQLite's own {} (.load {} --override replaces them)", kept.join(", "), info.name);
    }
    let _ = writeln!(out, "  {:<9} sqlite:extension@{} ({})", "contract", contract.version, contract.exports.join(", "));
    out.push_str(&sqlink_rules::listing!(info).lines());
    out
}

/// Why safe mode refuses `command` (typed as `typed`) with `args`, worded as sqlite3 3.40
/// words it, or None when it is allowed.
fn unsafe_command(command: &str, typed: &str, args: &[String]) -> Option<String> {
    match command {
        "archive" | "cd" | "clone" | "import" | "load" | "log" | "read" | "restore" => Some(format!("cannot run .{command} in safe mode")),
        "backup" | "save" | "output" | "once" | "excel" | "shell" | "system" => Some(format!("cannot run .{typed} in safe mode")),
        // A database in memory is allowed; a file is not.
        "open" => args
            .iter()
            .rev()
            .find(|a| !a.starts_with('-'))
            .filter(|file| file.as_str() != ":memory:")
            .map(|_| String::from("cannot open disk-based database files in safe mode")),
        _ => None,
    }
}

/// Whether a dot-command line is `.once` (however abbreviated), whose redirect lasts until
/// the next command ends.
pub fn is_once(line: &str) -> bool {
    let line = line.trim_start();
    split_args(line.get(1..).unwrap_or_default()).first().and_then(|typed| crate::names::command(typed)) == Some("once")
}

impl Shell {
    pub fn dot_command(&mut self, line: &str) -> Flow {
        let args = split_args(&line[1..]);
        let Some(typed) = args.first().map(String::as_str) else {
            return Flow::Continue;
        };
        // A prefix names a command as in sqlite3 (`.hea on`); `typed` is what errors quote.
        let Some(command) = crate::names::command(typed) else {
            self.error(&format!("unknown command or invalid arguments:  \"{typed}\". Enter \".help\" for help"));
            return Flow::Continue;
        };
        // `.nonce` lifts safe mode for the one command after it.
        let lifted = std::mem::take(&mut self.safe_lifted);
        if self.safe && !lifted {
            if let Some(refusal) = unsafe_command(command, typed, &args[1..]) {
                self.refuse_unsafe(&refusal);
                return Flow::Quit;
            }
            if command == "expert" {
                self.fail(&format!("Cannot run experimental commands such as \"{typed}\" in safe mode"));
                return Flow::Continue;
            }
        }
        let arg = args.get(1);
        // `.schema`'s options are not among the arguments it counts.
        let counted = args[1..].iter().filter(|a| !(command == "schema" && a.starts_with("--"))).count();
        if let Some(usage) = wrong_arity(command, counted) {
            self.fail(usage);
            // As sqlite3, `.separator` still takes the separators it was given.
            if command != "separator" || counted == 0 {
                return Flow::Continue;
            }
        }
        match command {
            "quit" | "exit" => return Flow::Quit,
            // `.archive`'s options, as sqlite3 lists them.
            "help" if arg.is_some_and(|a| a.trim_start_matches('.').starts_with("ar")) => self.output.out(crate::archive::HELP),
            "nonce" => match &args[1..] {
                [given] if self.nonce.as_ref() == Some(given) => self.safe_lifted = true,
                [given] => {
                    self.refuse_unsafe(&format!("incorrect nonce: \"{given}\""));
                    return Flow::Quit;
                }
                _ => self.fail("Usage: .nonce NONCE"),
            },
            "help" => match help(arg.map(String::as_str)) {
                Some(text) => self.output.out(&text),
                None => self.error(&format!("Nothing matches '{}'", arg.map_or("", |a| a.as_str()))),
            },
            "load" => match (arg, args.get(2).map(String::as_str)) {
                (Some(name), None | Some("--override")) => {
                    if let Err(message) = self.load(name, args.len() == 3, "`.load NAME --override`") {
                        self.error(&message);
                    }
                }
                _ => self.fail("Usage: .load NAME|PATH ?--override?"),
            },
            "unload" => self.unload(&args[1]),
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
            "open" => self.open(&args[1..]),
            "backup" | "save" => self.backup(command, &args[1..]),
            "restore" => self.restore(&args[1..]),
            "archive" | "ar" => self.archive(&args[1..]),
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
            "schema" => self.schema(&args[1..]),
            "mode" => match arg {
                None => self.output.line(&format!("current output mode: {}", self.settings.mode.description())),
                Some(name) => {
                    if !self.settings.set_mode(name, args.get(2).map(String::as_str)) {
                        self.error(&format!("mode should be one of: {}", Mode::NAMES));
                    }
                }
            },
            "separator" => {
                self.settings.column_separator = args[1].clone();
                if let Some(row) = args.get(2) {
                    self.settings.row_separator = row.clone();
                }
            }
            "print" => self.output.line(&args[1..].join(" ")),
            "changes" => self.changes = boolean_value(self, &args[1]),
            "echo" => self.echo = boolean_value(self, &args[1]),
            // Text and binary output are the same on this system, as in sqlite3 on Unix; the
            // value is still read as sqlite3 reads it.
            "binary" => {
                boolean_value(self, &args[1]);
            }
            "show" => self.show(),
            "databases" => match self.query_text("SELECT name, file FROM pragma_database_list") {
                Ok(rows) => {
                    for row in rows {
                        // As sqlite3: a database without a file shows "".
                        let file = if row[1].is_empty() { "\"\"" } else { &row[1] };
                        let access = if self.conn.is_readonly(&row[0]) { "r/o" } else { "r/w" };
                        self.output.line(&format!("{}: {file} {access}", row[0]));
                    }
                }
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
            "trace" => self.trace(&args[1..]),
            "dump" => self.dump(arg.map(String::as_str)),
            "import" => self.import(&args[1..]),
            "headers" => self.settings.headers = boolean_value(self, &args[1]),
            "nullvalue" => self.settings.null_value = args[1].clone(),
            "timer" => self.timer = boolean_value(self, &args[1]),
            "timeout" => {
                // As sqlite3: no argument (or a non-number) means no waiting.
                let ms = arg.and_then(|ms| ms.parse::<i64>().ok()).unwrap_or(0).clamp(0, i64::from(i32::MAX));
                if let Err(e) = self.query_text(&format!("PRAGMA busy_timeout = {ms}")) {
                    self.error(&e);
                }
            }
            "bail" => self.bail = boolean_value(self, &args[1]),
            "width" => self.settings.widths = args[1..].iter().map(|w| integer_value(w)).collect(),
            "explain" => {
                self.explain = match arg.map(String::as_str) {
                    Some("auto") => Explain::Auto,
                    Some(value) if !boolean_value(self, value) => Explain::Off,
                    _ => Explain::On,
                }
            }
            "stats" => match arg.map(String::as_str) {
                // Only the flag: the runtime exposes no memory or statement counters to print.
                Some("stmt" | "vmstep") | None => {}
                Some(value) => self.stats = boolean_value(self, value),
            },
            "prompt" => {
                if let Some(main) = arg {
                    self.prompts.0 = main.clone();
                }
                if let Some(more) = args.get(2) {
                    self.prompts.1 = more.clone();
                }
            }
            "read" => return self.read(&args[1]),
            "lint" => self.lint(typed, &args[1..]),
            // SQLite's debugging traces, which a release build of SQLite (this one, and
            // Debian's) does not have: sqlite3 takes the command and nothing happens.
            "wheretrace" | "selecttrace" | "treetrace" => {}
            _ => self.error(&format!("unknown command or invalid arguments:  \"{typed}\". Enter \".help\" for help")),
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
        self.register(loaded, replace_builtins, how_to_allow).map_err(|e| format!("cannot load {name}: {e}"))
    }

    /// Install an extension's functions, collations, tables and hooks (all, or on a failure
    /// none: the bridge checks first); on a failure, unload it.
    fn register(&mut self, loaded: LoadedExtension, replace_builtins: bool, how_to_allow: &str) -> Result<ExtensionInfo, String> {
        let handle = loaded.handle;
        match dispatch_bridge::register_extension(handle, &loaded.info, replace_builtins, how_to_allow) {
            Err(e) => {
                let _ = spi_loader::unload(handle);
                Err(e.message)
            }
            Ok(kept) => {
                if !kept.is_empty() {
                    self.warn(&sqlink_rules::kept_note(&loaded.info.name, &kept, Some(how_to_allow)));
                }
                Ok(loaded.info)
            }
        }
    }

    /// Register the extensions the loader has from the start: those composed into the
    /// runtime (`sqlink compose`); a plain host has none. Once per instance, since a
    /// registration applies to every connection, later ones too.
    pub fn register_composed(&mut self) {
        static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if DONE.swap(true, std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        for loaded in spi_loader::list() {
            let name = loaded.info.name.clone();
            if let Err(e) = self.register(loaded, false, "") {
                self.warn(&format!("cannot register the composed extension {name}: {e}"));
            }
        }
    }

    /// `.schema ?--indent? ?--nosys? ?PATTERN?`, as sqlite3 3.40 lists the schema: in the
    /// order it was created (the system tables too, unless `--nosys`), the entries of the
    /// tables whose names match the LIKE pattern (GLOB when it has `*`, `?` or `[`; `\`
    /// escapes), each view with a comment naming its columns.
    fn schema(&mut self, args: &[String]) {
        let mut pattern = None;
        let mut system = true;
        for arg in args {
            match arg.as_str() {
                // sqlink prints the statements as they are stored (see the README).
                "--indent" => {}
                "--nosys" => system = false,
                option if option.starts_with("--") => return self.fail(&format!("Unknown option: \"{option}\"")),
                _ => pattern = Some(arg),
            }
        }
        let mut filter = String::new();
        if let Some(p) = pattern {
            if p.contains(['*', '?', '[']) {
                let _ = write!(filter, " AND lower(tbl_name) GLOB {}", sql_string(p));
            } else {
                let _ = write!(filter, " AND lower(tbl_name) LIKE {} ESCAPE '\\'", sql_string(p));
            }
        }
        if !system {
            filter.push_str(" AND name NOT LIKE 'sqlite_%'");
        }
        let sql = format!("SELECT sql, type, name FROM sqlite_schema WHERE sql IS NOT NULL{filter} ORDER BY rowid");
        let rows = match self.query_text(&sql) {
            Ok(rows) => rows,
            Err(e) => return self.error(&e),
        };
        for row in rows {
            let statement = crate::dump::schema_statement(&row[0]);
            if row[1] != "view" && !row[0].starts_with("CREATE VIRTUAL TABLE") {
                self.output.line(&statement);
                continue;
            }
            // As sqlite3: a view's or virtual table's columns, when SQLite can name them.
            let columns = self.query_text(&format!("SELECT name FROM pragma_table_info({})", sql_string(&row[2])));
            match columns {
                Ok(columns) if !columns.is_empty() => {
                    let names: Vec<String> = columns.iter().map(|c| sql_identifier(&c[0])).collect();
                    let body = statement.strip_suffix(';').unwrap_or(&statement);
                    self.output.line(&format!("{body}\n/* {}({}) */;", sql_identifier(&row[2]), names.join(",")));
                }
                _ => self.output.line(&statement),
            }
        }
    }

    /// `.read FILE` or `.read '|CMD'`: its lines run as a script, numbered from 1 in its errors.
    pub fn read(&mut self, file: &str) -> Flow {
        // As sqlite3: `|CMD` reads what the command writes (the host runs it).
        let text = match file.strip_prefix('|') {
            Some(command) => {
                self.output.flush();
                crate::bindings::sqlink::wasm::process::read_output(command).ok()
            }
            None => std::fs::read(self.resolve(file)).ok(),
        };
        let Some(text) = text else {
            self.error(&format!("cannot open \"{file}\""));
            return Flow::Continue;
        };
        let outer = std::mem::replace(&mut self.input, Input::Script);
        let flow = self.process(std::io::Cursor::new(text), false);
        self.input = outer;
        flow
    }

    /// The settings, as sqlite3's `.show` lists them (`eqp` is always off: sqlink has no
    /// `.eqp`).
    fn show(&mut self) {
        let s = &self.settings;
        let on_off = |on: bool| String::from(if on { "on" } else { "off" });
        let widths: String = s.widths.iter().map(|w| format!("{w} ")).collect();
        let lines = [
            ("echo", on_off(self.echo)),
            ("eqp", on_off(false)),
            ("explain", String::from(self.explain.name())),
            ("headers", on_off(s.headers)),
            ("mode", s.mode.description()),
            ("nullvalue", c_string(&s.null_value)),
            ("output", self.output.target().to_owned()),
            ("colseparator", c_string(&s.column_separator)),
            ("rowseparator", c_string(&s.row_separator)),
            ("stats", on_off(self.stats)),
            ("width", widths),
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
            // As sqlite3: a name starting with `|` is a command that reads the output.
            Some(name) if name.starts_with('|') => {
                let sink = crate::output::Sink::Command { command: name[1..].to_owned(), input: Vec::new() };
                self.output.redirect(sink, name, once);
            }
            Some(name) => match std::fs::File::create(self.resolve(name)) {
                Ok(handle) => self.output.redirect(crate::output::Sink::file(handle), name, once),
                Err(e) => self.error(&format!("cannot open \"{name}\": {e}")),
            },
        }
    }

    fn unload(&mut self, name: &str) {
        let Some(ext) = spi_loader::list().into_iter().find(|e| e.info.name == name) else {
            return self.error(&format!("no extension named {name} is loaded"));
        };
        // The router's source for an extension composed into the runtime (`sqlink compose`):
        // its functions cannot come back once removed.
        if ext.source == "composed" {
            return self.error(&format!("cannot unload {name}: it is composed into the runtime"));
        }
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
}
