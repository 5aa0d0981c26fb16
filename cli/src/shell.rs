//! The read–eval–print loop: input handling, statements, errors and exit codes.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Instant;

use crate::bindings::sqlink::wasm::spi::{self, Connection};
use crate::format::{Mode, Printer, Settings};

/// Rows fetched per `spi` call: large results stream instead of arriving in one piece.
const PAGE_ROWS: u32 = 256;

pub struct Shell {
    pub conn: Connection,
    pub settings: Settings,
    pub timer: bool,
    pub bail: bool,
    /// The host's working directory, to make relative paths absolute (WASI has no cwd).
    cwd: Option<String>,
    /// Errors so far; a non-interactive run with errors exits with status 1, as sqlite3.
    errors: usize,
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
        let mut settings = Settings { mode: Mode::List, headers: false, null_value: String::new() };
        let mut bail = false;
        let mut positional = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let option = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-'));
            match option {
                Some("bail") => bail = true,
                Some("header") | Some("headers") => settings.headers = true,
                Some("noheader") => settings.headers = false,
                Some("nullvalue") => {
                    settings.null_value = iter.next().ok_or("-nullvalue needs an argument")?.clone()
                }
                Some("help") => return Err(USAGE.to_owned()),
                Some(name) if !name.is_empty() => match Mode::parse(name) {
                    Some(mode) => settings.mode = mode,
                    None => return Err(format!("unknown option: {arg}\n{USAGE}")),
                },
                _ => positional.push(arg.clone()),
            }
        }
        let mut positional = positional.into_iter();
        let cwd = std::env::var("SQLINK_CWD").ok();
        let db = positional.next().unwrap_or_else(|| String::from(":memory:"));
        let path = absolute(cwd.as_deref(), &db);
        let conn = Connection::open(&path).map_err(|e| format!("cannot open \"{db}\": {}", e.message))?;
        let commands = positional.collect();
        let shell = Shell { conn, settings, timer: false, bail, cwd, errors: 0 };
        Ok((shell, commands))
    }

    pub fn resolve(&self, path: &str) -> String {
        absolute(self.cwd.as_deref(), path)
    }

    pub fn run_main(&mut self, commands: Vec<String>) -> ExitCode {
        let interactive = std::env::var("SQLINK_INTERACTIVE").is_ok_and(|v| v == "1");
        if !commands.is_empty() {
            for command in commands {
                if self.process(std::io::Cursor::new(command), false) == Flow::Quit {
                    break;
                }
            }
        } else {
            if interactive {
                println!(
                    "sqlink {} (SQLite {})\nEnter \".help\" for usage hints.",
                    env!("CARGO_PKG_VERSION"),
                    spi::sqlite_version()
                );
            }
            self.process(std::io::stdin().lock(), interactive);
        }
        if self.errors > 0 && !interactive { ExitCode::from(1) } else { ExitCode::SUCCESS }
    }

    /// Run input line by line: dot commands, and SQL once a statement is complete.
    /// Returns `Flow::Quit` on `.quit`, or on the first error with `-bail`.
    pub fn process(&mut self, input: impl BufRead, interactive: bool) -> Flow {
        let mut buffer = String::new();
        let mut lines = input.lines();
        loop {
            if interactive {
                print!("{}", if buffer.is_empty() { "sqlink> " } else { "   ...> " });
                let _ = std::io::stdout().flush();
            }
            let line = match lines.next() {
                Some(Ok(line)) => line,
                Some(Err(e)) => {
                    self.error(&format!("cannot read input: {e}"));
                    break;
                }
                None => break,
            };
            if buffer.is_empty() && line.trim_start().starts_with('.') {
                let errors = self.errors;
                if self.dot_command(line.trim()) == Flow::Quit {
                    return Flow::Quit;
                }
                if self.bail && self.errors > errors {
                    return Flow::Quit;
                }
                continue;
            }
            if buffer.is_empty() && line.trim().is_empty() {
                continue;
            }
            buffer.push_str(&line);
            buffer.push('\n');
            if spi::is_complete(&buffer) {
                let ok = self.run_sql(&buffer);
                buffer.clear();
                if !ok && self.bail {
                    return Flow::Quit;
                }
            }
        }
        if !buffer.trim().is_empty() {
            // An unfinished statement at the end of input: let SQLite say what is wrong.
            if !self.run_sql(&buffer) && self.bail {
                return Flow::Quit;
            }
        }
        if interactive {
            println!();
        }
        Flow::Continue
    }

    pub fn error(&mut self, message: &str) {
        self.errors += 1;
        let _ = std::io::stdout().flush();
        eprintln!("Error: {message}");
    }

    /// Run every statement in `sql`, printing rows. False if one failed (the rest are
    /// skipped, as in sqlite3).
    pub fn run_sql(&mut self, sql: &str) -> bool {
        let mut rest = sql;
        let mut out = String::new();
        while !rest.trim().is_empty() {
            let prepared = match self.conn.prepare(rest) {
                Ok(prepared) => prepared,
                Err(e) => {
                    self.error(&e.message);
                    return false;
                }
            };
            let tail = (prepared.tail as usize).min(rest.len());
            if let Some(statement) = prepared.statement {
                let started = Instant::now();
                let mut printer = Printer::new(&self.settings, statement.column_names());
                let failure = loop {
                    match statement.fetch(PAGE_ROWS) {
                        Ok(page) => {
                            for row in &page.rows {
                                printer.row(&mut out, row);
                            }
                            print!("{out}");
                            out.clear();
                            if page.done {
                                break None;
                            }
                        }
                        Err(e) => break Some(e.message),
                    }
                };
                printer.finish(&mut out);
                print!("{out}");
                out.clear();
                if let Some(message) = failure {
                    self.error(&message);
                    return false;
                }
                if self.timer {
                    println!("Run Time: real {:.3}", started.elapsed().as_secs_f64());
                }
            }
            rest = &rest[tail..];
        }
        let _ = std::io::stdout().flush();
        true
    }

    /// Rows of a query the shell itself runs (for `.tables`, `.schema`), as text.
    pub fn query_text(&mut self, sql: &str) -> Result<Vec<Vec<String>>, String> {
        let prepared = self.conn.prepare(sql).map_err(|e| e.message)?;
        let Some(statement) = prepared.statement else { return Ok(Vec::new()) };
        let mut rows = Vec::new();
        loop {
            let page = statement.fetch(PAGE_ROWS).map_err(|e| e.message)?;
            rows.extend(page.rows.iter().map(|r| r.iter().map(|v| crate::format::text(v, "")).collect()));
            if page.done {
                return Ok(rows);
            }
        }
    }
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
