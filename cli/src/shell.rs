//! The read–eval–print loop: input handling, statements, errors and exit codes.

use std::io::BufRead;
use std::time::Instant;

use crate::bindings::exports::sqlink::wasm::session::StatementResult;
use crate::bindings::sqlink::wasm::spi::{self, Connection, Statement};
use crate::bindings::sqlink::wasm::{cpu_time, interrupt};
use crate::bindings::sqlite::extension::types::Value;
use crate::format::{Printer, Settings};
pub use crate::output::Output;

/// Rows fetched per `spi` call: large results stream instead of arriving in one piece.
pub const PAGE_ROWS: u32 = 256;

pub struct Shell {
    pub conn: Connection,
    pub settings: Settings,
    pub timer: bool,
    pub bail: bool,
    /// `.echo on`: print each input (a dot command, a comment line, a statement) before it runs.
    pub echo: bool,
    /// `.prompt MAIN CONTINUE`: the prompts of an interactive session.
    pub prompts: (String, String),
    /// The host's working directory, to make relative paths absolute (WASI has no cwd).
    cwd: Option<String>,
    /// Errors so far; a non-interactive run with errors exits with status 1, as sqlite3.
    errors: usize,
    /// SQL typed so far whose statement is not complete yet.
    pending: String,
    pub output: Output,
    /// `.changes on`: report the rows each SQL input changed.
    pub changes: bool,
    /// The database as the user named it (`.show`).
    pub db_name: String,
}

/// What a line of input asks the loop to do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

const USAGE: &str = "usage: sqlink [OPTIONS] [FILENAME [SQL]]
  -bail        stop after the first error
  -header      show column names      -noheader  hide them
  -list -csv -json -line -box -table   output mode
  -nullvalue TEXT                      text for NULL values";

impl Shell {
    /// sqlite3-style arguments: options, then the database, then SQL or dot commands to
    /// run (each argument on its own) instead of reading standard input.
    pub fn from_args(args: &[String]) -> Result<(Shell, Vec<String>), String> {
        let mut settings = Settings::default();
        let mut bail = false;
        let mut positional = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let option = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-'));
            match option {
                Some("bail") => bail = true,
                Some("header") | Some("headers") => settings.headers = true,
                Some("noheader") => settings.headers = false,
                Some("nullvalue") => settings.null_value = iter.next().ok_or("-nullvalue needs an argument")?.clone(),
                Some("help") => return Err(USAGE.to_owned()),
                Some(name) if !name.is_empty() => {
                    if !settings.set_mode(name, None) {
                        return Err(format!("unknown option: {arg}\n{USAGE}"));
                    }
                }
                _ => positional.push(arg.clone()),
            }
        }
        let mut positional = positional.into_iter();
        let cwd = std::env::var("SQLINK_CWD").ok();
        let db = positional.next().unwrap_or_else(|| String::from(":memory:"));
        let path = absolute(cwd.as_deref(), &db);
        let conn = Connection::open(&path).map_err(|e| format!("cannot open \"{db}\": {}", e.message))?;
        let commands = positional.collect();
        let mut shell = Shell::new(conn, Output::stdio());
        shell.settings = settings;
        shell.bail = bail;
        shell.cwd = cwd;
        shell.db_name = db;
        Ok((shell, commands))
    }

    /// A shell in list mode without headers, as sqlite3 starts.
    pub fn new(conn: Connection, output: Output) -> Shell {
        let settings = Settings::default();
        Shell {
            conn,
            settings,
            timer: false,
            bail: false,
            echo: false,
            prompts: (String::from("sqlink> "), String::from("   ...> ")),
            cwd: None,
            errors: 0,
            pending: String::new(),
            output,
            changes: false,
            db_name: String::from(":memory:"),
        }
    }

    /// True while a statement is unfinished and the next line continues it.
    pub fn is_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    pub fn resolve(&self, path: &str) -> String {
        absolute(self.cwd.as_deref(), path)
    }

    /// The REPL's main: run the argument commands, or read stdin. Err when a
    /// non-interactive run had errors (exit status 1, as sqlite3).
    pub fn run_main(&mut self, commands: Vec<String>) -> Result<(), ()> {
        let interactive = std::env::var("SQLINK_INTERACTIVE").is_ok_and(|v| v == "1");
        if !commands.is_empty() {
            for command in commands {
                if self.process(std::io::Cursor::new(command), false) == Flow::Quit {
                    break;
                }
            }
        } else {
            if interactive {
                self.output.line(&banner());
            }
            self.process(std::io::stdin().lock(), interactive);
        }
        if self.errors > 0 && !interactive { Err(()) } else { Ok(()) }
    }

    /// Run input line by line until it ends. Returns `Flow::Quit` on `.quit`, or on the
    /// first error with `-bail`.
    pub fn process(&mut self, input: impl BufRead, interactive: bool) -> Flow {
        let mut lines = input.lines();
        loop {
            if interactive {
                let (main, continuation) = &self.prompts;
                self.output.prompt(if self.is_pending() { continuation } else { main });
            }
            let line = match lines.next() {
                Some(Ok(line)) => line,
                Some(Err(e)) => {
                    self.error(&format!("cannot read input: {e}"));
                    break;
                }
                None => break,
            };
            if self.feed_line(&line) == Flow::Quit {
                return Flow::Quit;
            }
            if interrupt::take() && !interactive {
                // As sqlite3: an interrupted batch stops reading and exits with status 1.
                self.interrupted();
                return Flow::Quit;
            }
        }
        if self.is_pending() {
            // An unfinished statement at the end of input: let SQLite say what is wrong.
            let sql = std::mem::take(&mut self.pending);
            if !self.run_sql(&sql) && self.bail {
                return Flow::Quit;
            }
        }
        if interactive {
            self.output.line("");
        }
        Flow::Continue
    }

    /// One line of input: a dot command, or SQL that runs once its statement is complete.
    pub fn feed_line(&mut self, line: &str) -> Flow {
        if !self.is_pending() && line.trim_start().starts_with('.') {
            if self.echo {
                self.output.line(line);
            }
            let errors = self.errors;
            let flow = self.dot_command(line.trim());
            // `.once` itself starts the redirect that the next command ends.
            if !line.trim_start().starts_with(".once") {
                self.output.command_done();
            }
            if flow == Flow::Quit || (self.bail && self.errors > errors) {
                return Flow::Quit;
            }
            return Flow::Continue;
        }
        // As sqlite3 does, a line of only white space and comments starts no statement, so
        // a dot command may follow it.
        if !self.is_pending() && only_whitespace_and_comments(line) {
            if self.echo && !line.trim().is_empty() {
                self.output.line(line);
            }
            return Flow::Continue;
        }
        self.pending.push_str(line);
        self.pending.push('\n');
        if spi::is_complete(&self.pending) {
            let sql = std::mem::take(&mut self.pending);
            if self.echo {
                // As sqlite3 echoes a statement: from its first character, lines as typed.
                self.output.line(sql.trim_start().trim_end_matches('\n'));
            }
            let ok = self.run_sql(&sql);
            if ok && self.changes {
                let (changes, total) = (self.conn.changes(), self.conn.total_changes());
                self.output.line(&format!("changes: {changes}   total_changes: {total}"));
            }
            self.output.command_done();
            if !ok && self.bail {
                return Flow::Quit;
            }
        }
        Flow::Continue
    }

    /// An interrupt came while no statement ran to report it: still an error for the
    /// exit status.
    fn interrupted(&mut self) {
        if self.errors == 0 {
            self.error("interrupted");
        }
    }

    /// A message on stderr that is not an error (the exit status stays 0).
    pub fn warn(&mut self, message: &str) {
        self.output.error_line(message);
    }

    pub fn error(&mut self, message: &str) {
        self.errors += 1;
        self.output.error_line(&format!("Error: {message}"));
    }

    /// Run every statement in `sql`, printing rows. False if one failed (the rest are
    /// skipped, as in sqlite3).
    pub fn run_sql(&mut self, sql: &str) -> bool {
        let Shell { conn, settings, output, timer, .. } = self;
        let mut out = String::new();
        // One figure for the whole input, as sqlite3 times each chunk it runs.
        let started = timer.then(RunTime::start);
        let result = each_statement(conn, sql, |statement| {
            let mut printer = Printer::new(settings, statement.column_names());
            let failure = loop {
                match statement.fetch(PAGE_ROWS) {
                    Ok(page) => {
                        for row in &page.rows {
                            printer.row(&mut out, row);
                        }
                        output.out(&out);
                        out.clear();
                        if page.done {
                            break None;
                        }
                    }
                    Err(e) => break Some(e.message),
                }
            };
            printer.finish(&mut out);
            output.out(&out);
            out.clear();
            match failure {
                Some(message) => Err(message),
                None => Ok(()),
            }
        });
        if let Some(started) = started {
            self.output.line(&started.report());
        }
        self.output.flush();
        match result {
            Ok(()) => true,
            Err(message) => {
                self.error(&message);
                false
            }
        }
    }

    /// Run every statement in `sql` and keep every row (`session.exec`).
    pub fn collect_sql(&mut self, sql: &str) -> Result<Vec<StatementResult>, String> {
        let mut results = Vec::new();
        each_statement(&self.conn, sql, |statement| {
            results.push(StatementResult { columns: statement.column_names(), rows: all_rows(statement)? });
            Ok(())
        })?;
        Ok(results)
    }

    /// Rows of a query the shell itself runs (for `.tables`, `.schema`), as text.
    pub fn query_text(&mut self, sql: &str) -> Result<Vec<Vec<String>>, String> {
        let prepared = self.conn.prepare(sql).map_err(|e| e.message)?;
        let Some(statement) = prepared.statement else { return Ok(Vec::new()) };
        let rows = all_rows(&statement)?;
        Ok(rows.iter().map(|r| r.iter().map(|v| crate::format::text(v, "")).collect()).collect())
    }
}

/// Every row of a statement, fetched a page at a time.
fn all_rows(statement: &Statement) -> Result<Vec<Vec<Value>>, String> {
    let mut rows = Vec::new();
    loop {
        let page = statement.fetch(PAGE_ROWS).map_err(|e| e.message)?;
        rows.extend(page.rows);
        if page.done {
            return Ok(rows);
        }
    }
}

/// Compile and hand over each statement of `sql` in turn; stops at the first error.
fn each_statement(conn: &Connection, sql: &str, mut each: impl FnMut(&Statement) -> Result<(), String>) -> Result<(), String> {
    let mut rest = sql;
    while !rest.trim().is_empty() {
        let prepared = conn.prepare(rest).map_err(|e| e.message)?;
        if let Some(statement) = prepared.statement {
            each(&statement)?;
        }
        rest = rest.get(prepared.tail as usize..).unwrap_or_default();
    }
    Ok(())
}

pub fn banner() -> String {
    format!("sqlink {} (SQLite {})\nEnter \".help\" for usage hints.", env!("CARGO_PKG_VERSION"), spi::sqlite_version())
}

/// Relative paths are relative to the host's working directory; SQLite's special names
/// and URIs pass through.
fn absolute(cwd: Option<&str>, path: &str) -> String {
    let special = path.is_empty() || path == ":memory:" || path.starts_with("file:") || path.starts_with('/');
    match cwd {
        Some(cwd) if !special => format!("{}/{}", cwd.trim_end_matches('/'), path.trim_start_matches("./")),
        _ => path.to_owned(),
    }
}

/// Whether `line` holds nothing but white space, `--` comments and closed `/* */` comments
/// (sqlite3's test for lines that start no statement).
fn only_whitespace_and_comments(line: &str) -> bool {
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        if rest.starts_with("--") {
            return true;
        }
        let Some(comment) = rest.strip_prefix("/*") else { return false };
        let Some(end) = comment.find("*/") else { return false };
        rest = comment[end + 2..].trim_start();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::only_whitespace_and_comments;

    #[test]
    fn comment_lines_start_no_statement() {
        for line in ["", "   ", "-- setup", "  /* a */ -- b", "/* a */ /* b */", "\t--"] {
            assert!(only_whitespace_and_comments(line), "{line:?}");
        }
        for line in ["SELECT 1;", "/* open", "/* a */ SELECT 1;", "- 1", ".mode csv"] {
            assert!(!only_whitespace_and_comments(line), "{line:?}");
        }
    }
}

/// What `.timer on` measures around one input: elapsed time, and the CPU time the host
/// says the process used (WASI's clocks have no CPU clock; a page's host cannot tell).
struct RunTime {
    real: Instant,
    cpu: Option<cpu_time::Times>,
}

impl RunTime {
    fn start() -> RunTime {
        RunTime { real: Instant::now(), cpu: cpu_time::process_times() }
    }

    /// The line sqlite3 prints: `Run Time: real 0.001 user 0.000123 sys 0.000045`.
    fn report(&self) -> String {
        let real = self.real.elapsed().as_secs_f64();
        match (&self.cpu, cpu_time::process_times()) {
            (Some(before), Some(now)) => {
                let seconds = |from: u64, to: u64| to.saturating_sub(from) as f64 / 1e6;
                format!(
                    "Run Time: real {real:.3} user {:.6} sys {:.6}",
                    seconds(before.user_us, now.user_us),
                    seconds(before.system_us, now.system_us)
                )
            }
            _ => format!("Run Time: real {real:.3}"),
        }
    }
}
