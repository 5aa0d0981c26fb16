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
    /// The host's working directory, to make relative paths absolute (WASI has no cwd).
    cwd: Option<String>,
    /// Errors so far; a non-interactive run with errors exits with status 1, as sqlite3.
    errors: usize,
    /// SQL typed so far whose statement is not complete yet: bytes as they were read, which
    /// SQLite keeps as they are (a string literal that is not UTF-8 included).
    pending: Vec<u8>,
    pub output: Output,
    /// `.changes on`: report the rows each SQL input changed.
    pub changes: bool,
    /// The database as the user named it (`.show`).
    pub db_name: String,
    /// Where the input being run comes from: how errors are reported.
    pub input: Input,
    /// The line of the current input just read, and the line the pending SQL started on.
    line: usize,
    pending_line: usize,
    /// `.echo on` / `-echo`: print each input line (and statement) before running it.
    pub echo: bool,
    /// `.explain`: how EXPLAIN output is shown.
    pub explain: Explain,
    /// `.stats on`: only remembered for `.show` (see the README).
    pub stats: bool,
    /// `.prompt MAIN CONTINUE`.
    pub prompts: (String, String),
    /// Whether the host's files are there (not in a page): `.backup`, `.open FILE`, ...
    pub host_files: bool,
    /// The dump `.open --hexdb` reads from the following input lines, while it is read.
    pub hexdb: Option<crate::files::HexDb>,
    /// The database is a ZIP archive (`.open --zip`): its `zip` table is the archive.
    pub zip_open: bool,
    /// `-safe`: the commands and SQL that reach files, processes or code are refused, and
    /// the first refusal ends the run (as sqlite3's safe mode does).
    pub safe: bool,
    /// `-nonce STRING`: `.nonce STRING` lifts safe mode for the next command.
    pub nonce: Option<String>,
    /// `.trace`: where the connection's trace goes.
    pub tracer: crate::trace::Tracer,
    /// `.nonce` was given the right nonce: safe mode is off until the next command ends.
    pub safe_lifted: bool,
    /// Safe mode refused something: the run ends with status 1.
    pub aborted: bool,
}

/// `.explain on|off|auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Explain {
    Off,
    On,
    Auto,
}

impl Explain {
    pub fn name(self) -> &'static str {
        match self {
            Explain::Off => "off",
            Explain::On => "on",
            Explain::Auto => "auto",
        }
    }
}

/// Where SQL comes from, which decides how sqlite3 words its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A script on stdin or from `.read`: "Parse error near line N: ...".
    Script,
    /// A terminal (or `-interactive`): "Parse error: ...".
    Interactive,
    /// SQL given as a command-line argument: "Error: in prepare, ...".
    Argument,
}

/// A statement that failed: when (compiling or running), and the message with sqlite3's
/// additions (SQLite's primary result code when above 1, the caret context).
pub struct SqlFailure {
    compiling: bool,
    /// As the shell prints it: with the result code and the caret context.
    message: String,
    /// SQLite's own message, which the page's API rejects with.
    sqlite_message: String,
}

impl SqlFailure {
    fn new(compiling: bool, error: &crate::bindings::sqlite::extension::types::Error, context: &str) -> SqlFailure {
        let code = error.code & 0xff;
        let mut message = error.message.clone();
        if code > 1 {
            message.push_str(&format!(" ({code})"));
        }
        message.push_str(context);
        SqlFailure { compiling, message, sqlite_message: error.message.clone() }
    }

    fn plain(message: String) -> SqlFailure {
        SqlFailure { compiling: false, sqlite_message: message.clone(), message }
    }

    /// The message as sqlite3 prints it for SQL from `input` (`line`: where it started).
    fn report(&self, input: Input, line: usize) -> String {
        let (kind, phase) = if self.compiling { ("Parse error", "in prepare") } else { ("Runtime error", "stepping") };
        match input {
            Input::Script => format!("{kind} near line {line}: {}", self.message),
            Input::Interactive => format!("{kind}: {}", self.message),
            Input::Argument => format!("Error: {phase}, {}", self.message),
        }
    }
}

/// sqlite3's context for an error at byte `offset` of `sql`: the text around it on one line,
/// and a caret under the spot (none when SQLite gives no offset).
fn error_context(bytes: &[u8], offset: i32) -> String {
    let Ok(mut offset) = usize::try_from(offset) else { return String::new() };
    let mut start = 0;
    // Start at most 50 bytes before the spot, on a character boundary.
    while offset > 50 && start < bytes.len() {
        offset -= 1;
        start += 1;
        while start < bytes.len() && bytes[start] & 0xc0 == 0x80 {
            start += 1;
            offset = offset.saturating_sub(1);
        }
    }
    let rest = &bytes[start..];
    let mut len = rest.len();
    if len > 78 {
        len = 78;
        while len > 0 && rest[len] & 0xc0 == 0x80 {
            len -= 1;
        }
    }
    let end = rest[..len].iter().position(|&b| b == 0).unwrap_or(len);
    let code: String = String::from_utf8_lossy(&rest[..end]).chars().map(|c| if is_space(c) { ' ' } else { c }).collect();
    if offset < 25 {
        format!("\n  {code}\n  {:offset$}^--- error here", "")
    } else {
        format!("\n  {code}\n  {:w$}error here ---^", "", w = offset - 14)
    }
}

/// What a line of input asks the loop to do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// `-help`, as sqlite3 words it, for the options the REPL takes (sqlink's own, with two
/// dashes, are the host's: `sqlink --help`).
const USAGE: &str = "Usage: sqlink [OPTIONS] FILENAME [SQL]
FILENAME is the name of an SQLite database. A new database is created
if the file does not previously exist.
OPTIONS include:
   -ascii               set output mode to 'ascii'
   -bail                stop after hitting an error
   -batch               force batch I/O
   -box                 set output mode to 'box'
   -column              set output mode to 'column'
   -cmd COMMAND         run \"COMMAND\" before reading stdin
   -csv                 set output mode to 'csv'
   -echo                print inputs before execution
   -init FILENAME       read/process named file
   -[no]header          turn headers on or off
   -help                show this message
   -html                set output mode to HTML
   -interactive         force interactive I/O
   -json                set output mode to 'json'
   -line                set output mode to 'line'
   -list                set output mode to 'list'
   -markdown            set output mode to 'markdown'
   -newline SEP         set output row separator. Default: '\\n'
   -nullvalue TEXT      set text string for NULL values. Default ''
   -quote               set output mode to 'quote'
   -nonce STRING        set the safe-mode escape nonce
   -readonly            open the database read-only
   -safe                enable safe-mode
   -separator SEP       set output column separator. Default: '|'
   -stats               accepted; sqlink prints no memory statistics
   -table               set output mode to 'table'
   -tabs                set output mode to 'tabs'
   -version             show SQLite version";

/// What the command line asks for besides the database: what to run first (`-init`,
/// `-cmd`), then the SQL and dot commands given as arguments.
pub struct Startup {
    pub init: Option<String>,
    pub cmds: Vec<String>,
    pub commands: Vec<String>,
    /// `-interactive` / `-batch`, overriding whether stdin is a terminal.
    pub interactive: Option<bool>,
}

/// Why the command line ends the run before any input: `-version`, `-help`, or an error,
/// each with its text and exit status.
pub struct Exit {
    pub stdout: String,
    pub stderr: String,
    pub failed: bool,
}

impl Exit {
    fn error(message: String) -> Exit {
        Exit { stdout: String::new(), stderr: format!("sqlink: Error: {message}\n"), failed: true }
    }
}

impl Shell {
    /// sqlite3-style arguments: options (one dash or two), then the database, then SQL or
    /// dot commands to run (each argument on its own) instead of reading standard input.
    pub fn from_args(args: &[String]) -> Result<(Shell, Startup), Exit> {
        let mut settings = Settings::default();
        let mut bail = false;
        let mut echo = false;
        let mut stats = false;
        let mut readonly = false;
        let mut safe = false;
        let mut nonce = None;
        let mut startup = Startup { init: None, cmds: Vec::new(), commands: Vec::new(), interactive: None };
        let mut positional = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            // As sqlite3: once the database is named, the rest is SQL to run.
            if !positional.is_empty() && !arg.starts_with('-') {
                positional.push(arg.clone());
                continue;
            }
            let Some(option) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')).filter(|o| !o.is_empty()) else {
                positional.push(arg.clone());
                continue;
            };
            let mut value = || iter.next().cloned().ok_or_else(|| Exit::error(format!("missing argument to {arg}")));
            match option {
                "bail" => bail = true,
                "batch" => startup.interactive = Some(false),
                "interactive" => startup.interactive = Some(true),
                "echo" => echo = true,
                "header" | "headers" => settings.headers = true,
                "noheader" => settings.headers = false,
                "nullvalue" => settings.null_value = value()?,
                "separator" => settings.column_separator = value()?,
                "newline" => settings.row_separator = value()?,
                "cmd" => startup.cmds.push(value()?),
                "init" => startup.init = Some(value()?),
                "readonly" => readonly = true,
                "safe" => safe = true,
                "nonce" => nonce = Some(value()?),
                "stats" => stats = true,
                "help" => return Err(Exit { stdout: String::new(), stderr: format!("{USAGE}\n"), failed: true }),
                "version" => {
                    return Err(Exit {
                        stdout: format!("{} {}\n", spi::sqlite_version(), spi::sqlite_source_id()),
                        stderr: String::new(),
                        failed: false,
                    });
                }
                // As sqlite3's options (unlike `.mode`): -list keeps the separators, and
                // -csv ends rows with a plain newline.
                "list" => settings.mode = crate::format::Mode::List,
                "csv" => {
                    settings.set_mode(option, None);
                    settings.row_separator = String::from("\n");
                }
                "ascii" | "box" | "column" | "html" | "json" | "line" | "markdown" | "quote" | "table" | "tabs" => {
                    settings.set_mode(option, None);
                }
                _ => {
                    return Err(Exit {
                        stdout: String::new(),
                        stderr: format!("sqlink: Error: unknown option: {arg}\nUse -help for a list of options.\n"),
                        failed: true,
                    });
                }
            }
        }
        let mut positional = positional.into_iter();
        let cwd = std::env::var("SQLINK_CWD").ok();
        let db = positional.next().unwrap_or_else(|| String::from(":memory:"));
        let mut path = absolute(cwd.as_deref(), &db);
        if readonly && !path.starts_with("file:") && path != ":memory:" && !path.is_empty() {
            // A URI opens the file read-only, as sqlite3 -readonly does.
            path = format!("file:{}?mode=ro", path.replace('%', "%25").replace('?', "%3f").replace('#', "%23"));
        }
        // As sqlite3 finds them: a database appended to another file, or a ZIP archive (its
        // table `zip`, in memory).
        let zip = !readonly && crate::archive::is_zip(&path, false);
        let opened = if zip {
            Connection::open(":memory:")
        } else if !readonly && crate::files::is_appended(&path) {
            Connection::open_with(&path, spi::OpenOptions { readonly: false, append: true })
        } else {
            Connection::open(&path)
        };
        let conn = opened.map_err(|e| Exit::error(format!("cannot open \"{db}\": {}", e.message)))?;
        startup.commands = positional.collect();
        let mut shell = Shell::new(conn, Output::stdio());
        if zip {
            shell.zip_open = true;
            let _ = shell.query_text(&format!("CREATE VIRTUAL TABLE zip USING zipfile({})", crate::format::sql_string(&path)));
        }
        shell.register_composed();
        shell.settings = settings;
        shell.bail = bail;
        shell.echo = echo;
        shell.stats = stats;
        shell.cwd = cwd;
        shell.db_name = db;
        shell.nonce = nonce;
        if safe {
            shell.safe = true;
            shell.conn.set_safe_mode(true);
        }
        Ok((shell, startup))
    }

    /// A shell in list mode without headers, as sqlite3 starts.
    pub fn new(conn: Connection, output: Output) -> Shell {
        let settings = Settings::default();
        Shell {
            conn,
            settings,
            timer: false,
            bail: false,
            cwd: None,
            errors: 0,
            pending: Vec::new(),
            output,
            changes: false,
            db_name: String::from(":memory:"),
            input: Input::Script,
            line: 0,
            pending_line: 0,
            echo: false,
            explain: Explain::Auto,
            stats: false,
            prompts: (String::from("sqlink> "), String::from("   ...> ")),
            host_files: true,
            hexdb: None,
            zip_open: false,
            safe: false,
            nonce: None,
            tracer: crate::trace::Tracer::default(),
            safe_lifted: false,
            aborted: false,
        }
    }

    /// True while a statement is unfinished and the next line continues it.
    pub fn is_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The number of the input line being run (from 1 in each script or `.read` file).
    pub fn line_number(&self) -> usize {
        self.line
    }

    pub fn resolve(&self, path: &str) -> String {
        absolute(self.cwd.as_deref(), path)
    }

    /// The REPL's main: `-init`, `-cmd`, then the argument commands or stdin. Err when a
    /// non-interactive run had errors (exit status 1, as sqlite3).
    pub fn run_main(&mut self, startup: Startup) -> Result<(), ()> {
        let status = self.run_all(startup);
        // As sqlite3, which closes the database as it ends.
        self.tracer.closing(&mut self.output);
        status
    }

    fn run_all(&mut self, startup: Startup) -> Result<(), ()> {
        let terminal = std::env::var("SQLINK_INTERACTIVE").is_ok_and(|v| v == "1");
        let interactive = startup.interactive.unwrap_or(terminal) && startup.commands.is_empty();
        if let Some(init) = &startup.init {
            // As sqlite3: `-init`'s errors do not count toward the exit status and its
            // `.quit` ends only the file, but with `-bail` (or a safe-mode refusal) an error
            // there ends the run.
            let errors = self.errors;
            self.read(init);
            if self.aborted || (self.bail && self.errors > errors) {
                return Err(());
            }
            self.errors = errors;
        }
        // As sqlite3: each argument is one dot command or one SQL text, and the first that
        // fails ends the run (`-cmd` ones too, unless the session is interactive).
        self.input = Input::Argument;
        for command in startup.cmds.iter().chain(&startup.commands) {
            let errors = self.errors;
            let flow = if command.starts_with('.') {
                self.dot_command(command)
            } else {
                self.run_sql(command.as_bytes(), 0);
                Flow::Continue
            };
            self.output.command_done();
            if flow == Flow::Quit || self.aborted {
                return if self.errors > 0 { Err(()) } else { Ok(()) };
            }
            if self.errors > errors && !interactive {
                return Err(());
            }
        }
        if startup.commands.is_empty() {
            self.input = if interactive { Input::Interactive } else { Input::Script };
            if interactive {
                self.output.line(&banner());
            }
            self.process(std::io::stdin().lock(), interactive);
        }
        if self.errors > 0 && !interactive { Err(()) } else { Ok(()) }
    }

    /// Run input line by line until it ends. Returns `Flow::Quit` on `.quit`, or on the
    /// first error with `-bail`.
    pub fn process(&mut self, mut input: impl BufRead, interactive: bool) -> Flow {
        let outer_line = std::mem::replace(&mut self.line, 0);
        let flow = self.process_lines(&mut input, interactive);
        self.line = outer_line;
        flow
    }

    fn process_lines(&mut self, input: &mut impl BufRead, interactive: bool) -> Flow {
        let mut bytes = Vec::new();
        loop {
            if interactive {
                let prompt = if self.is_pending() { &self.prompts.1 } else { &self.prompts.0 };
                self.output.prompt(&prompt.clone());
            }
            bytes.clear();
            match input.read_until(b'\n', &mut bytes) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    self.error(&format!("cannot read input: {e}"));
                    break;
                }
            }
            if bytes.ends_with(b"\n") {
                bytes.pop();
            }
            self.line += 1;
            if self.feed_line(&bytes) == Flow::Quit {
                return Flow::Quit;
            }
            if interrupt::take() && !interactive {
                // As sqlite3: an interrupted batch stops reading and exits with status 1.
                self.interrupted();
                return Flow::Quit;
            }
        }
        self.end_hexdb();
        if self.is_pending() {
            // An unfinished statement at the end of input: let SQLite say what is wrong.
            let sql = std::mem::take(&mut self.pending);
            if !self.run_sql(&sql, self.pending_line) && (self.bail || self.aborted) {
                return Flow::Quit;
            }
        }
        if interactive {
            self.output.line("");
        }
        Flow::Continue
    }

    /// One line of input: a dot command, or SQL that runs once its statement is complete.
    pub fn feed_line(&mut self, bytes: &[u8]) -> Flow {
        // Dot commands and the tests below read the line as text; SQL keeps its bytes.
        let text = String::from_utf8_lossy(bytes);
        let line: &str = &text;
        if self.feed_hexdb(line) {
            return Flow::Continue;
        }
        if !self.is_pending() && line.trim_start().starts_with('.') {
            if self.echo {
                self.output.line(line);
            }
            let errors = self.errors;
            let flow = self.dot_command(line.trim());
            // `.once` itself starts the redirect that the next command ends.
            if !crate::commands::is_once(line) {
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
            if self.echo {
                self.output.line_bytes(bytes);
            }
            return Flow::Continue;
        }
        if self.is_pending() {
            self.pending.push(b'\n');
            self.pending.extend_from_slice(bytes);
        } else {
            // As sqlite3: the statement's text starts at its first non-blank character.
            self.pending.extend_from_slice(trim_start_space(bytes));
            self.pending_line = self.line;
        }
        // Checked as if the line ended with its newline, so that a statement followed by a
        // `--` comment on its line is complete (as the sqlite3 shell runs it).
        self.pending.push(b'\n');
        let complete = spi::is_complete(&self.pending);
        self.pending.pop();
        if complete {
            let sql = std::mem::take(&mut self.pending);
            if self.echo {
                self.output.line_bytes(&sql);
            }
            let ok = self.run_sql(&sql, self.pending_line);
            if ok && self.changes {
                let (changes, total) = (self.conn.changes(), self.conn.total_changes());
                self.output.line(&format!("changes: {changes}   total_changes: {total}"));
            }
            self.output.command_done();
            if !ok && (self.bail || self.aborted) {
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

    /// Safe mode refused something: said as sqlite3 says it (with the input line), and the
    /// run ends with status 1.
    pub fn refuse_unsafe(&mut self, message: &str) {
        self.errors += 1;
        self.aborted = true;
        self.output.error_line(&format!("line {}: {message}", self.line));
    }

    /// A message on stderr that is not an error (the exit status stays 0).
    pub fn warn(&mut self, message: &str) {
        self.output.error_line(message);
    }

    /// An error whose message went elsewhere (sqlite3 prints some usage errors on stdout).
    pub fn count_error(&mut self) {
        self.errors += 1;
    }

    /// An error worded entirely by sqlite3 (a usage line): printed as it is, and counted.
    pub fn fail(&mut self, message: &str) {
        self.errors += 1;
        self.output.error_line(message);
    }

    pub fn error(&mut self, message: &str) {
        self.errors += 1;
        self.output.error_line(&format!("Error: {message}"));
    }

    /// Run every statement in `sql` (which started on input line `line`), printing rows.
    /// False if one failed (the rest are skipped, as in sqlite3).
    pub fn run_sql(&mut self, sql: &[u8], line: usize) -> bool {
        // `.nonce` lifts safe mode for this one command.
        let lifted = std::mem::take(&mut self.safe_lifted);
        if lifted {
            self.conn.set_safe_mode(false);
        }
        let ok = self.run_sql_statements(sql, line);
        if lifted {
            self.conn.set_safe_mode(true);
        }
        ok
    }

    fn run_sql_statements(&mut self, sql: &[u8], line: usize) -> bool {
        let Shell { conn, settings, output, timer, tracer, .. } = self;
        let mut out = String::new();
        // One figure for the whole input, as sqlite3 times each chunk it runs.
        let started = timer.then(RunTime::start);
        let result = each_statement(conn, sql, |statement| {
            let names = statement.column_names().iter().map(|name| crate::rawtext::from_bytes(name.as_bytes())).collect();
            let mut printer = Printer::new(settings, names);
            let failure = loop {
                match statement.fetch(PAGE_ROWS) {
                    Ok(mut page) => {
                        let done = page.done;
                        let mut trace = std::mem::take(&mut page.trace).into_iter().peekable();
                        for (i, row) in crate::rawtext::printable_rows(page).iter().enumerate() {
                            // A trace line comes out between the rows it came between.
                            while let Some(event) = trace.next_if(|event| event.before_row as usize <= i) {
                                output.out_rows(&out);
                                out.clear();
                                tracer.write(output, &event);
                            }
                            printer.row(&mut out, row);
                        }
                        output.out_rows(&out);
                        out.clear();
                        trace.for_each(|event| tracer.write(output, &event));
                        if done {
                            break None;
                        }
                    }
                    Err(e) => {
                        conn.take_trace().iter().for_each(|event| tracer.write(output, event));
                        break Some(SqlFailure::new(false, &e, ""));
                    }
                }
            };
            printer.finish(&mut out);
            output.out_rows(&out);
            out.clear();
            match failure {
                Some(failure) => Err(failure),
                None => Ok(()),
            }
        });
        if let Some(started) = started {
            self.output.line(&started.report());
        }
        self.output.flush();
        match result {
            Ok(()) => true,
            Err(failure) => {
                if let Some(refusal) = self.conn.safe_mode_refusal() {
                    self.refuse_unsafe(&refusal);
                    return false;
                }
                self.errors += 1;
                let message = failure.report(self.input, line);
                self.output.error_line(&message);
                false
            }
        }
    }

    /// Run every statement in `sql` and keep every row (`session.exec`).
    pub fn collect_sql(&mut self, sql: &str) -> Result<Vec<StatementResult>, String> {
        let mut results = Vec::new();
        each_statement(&self.conn, sql.as_bytes(), |statement| {
            results.push(StatementResult { columns: statement.column_names(), rows: all_rows(statement).map_err(SqlFailure::plain)? });
            Ok(())
        })
        .map_err(|failure| failure.sqlite_message)?;
        Ok(results)
    }

    /// Rows of a query the shell itself runs (for `.tables`, `.schema`), as text.
    pub fn query_text(&mut self, sql: &str) -> Result<Vec<Vec<String>>, String> {
        let prepared = self.conn.prepare(sql.as_bytes()).map_err(|e| e.message)?;
        let Some(statement) = prepared.statement else { return Ok(Vec::new()) };
        let rows = all_rows(&statement)?;
        Ok(rows.iter().map(|r| r.iter().map(|v| crate::format::text(v, "")).collect()).collect())
    }
}

/// Every row of a statement, fetched a page at a time.
pub fn all_rows(statement: &Statement) -> Result<Vec<Vec<Value>>, String> {
    let mut rows = Vec::new();
    loop {
        let page = statement.fetch(PAGE_ROWS).map_err(|e| e.message)?;
        rows.extend(page.rows);
        if page.done {
            return Ok(rows);
        }
    }
}

/// Compile and hand over each statement of `sql` in turn; stops at the first error. As
/// sqlite3, the text after a statement starts at its next non-blank character.
fn each_statement(conn: &Connection, sql: &[u8], mut each: impl FnMut(&Statement) -> Result<(), SqlFailure>) -> Result<(), SqlFailure> {
    let mut rest = sql;
    while !rest.is_empty() {
        let prepared = match conn.prepare(rest) {
            Ok(prepared) => prepared,
            Err(e) => return Err(SqlFailure::new(true, &e, &error_context(rest, conn.error_offset()))),
        };
        if let Some(statement) = prepared.statement {
            each(&statement)?;
        }
        rest = trim_start_space(rest.get(prepared.tail as usize..).unwrap_or_default());
    }
    Ok(())
}

/// `bytes` from its first character that is not C's isspace.
fn trim_start_space(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| !is_space(char::from(b))).unwrap_or(bytes.len());
    &bytes[start..]
}

/// C's isspace in the "C" locale, which sqlite3 skips between statements.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
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
