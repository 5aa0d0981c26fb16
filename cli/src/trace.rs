//! `.trace`: each statement the connection runs (and, asked, each row and each statement's
//! run time) written to stdout, stderr or a file, as sqlite3 3.40 writes them.

use std::fs::File;
use std::io::{BufWriter, Write};

use crate::bindings::sqlink::wasm::spi::{TraceEvent, TraceEvents, TraceKind, TraceOptions};
use crate::output::Output;
use crate::shell::Shell;

/// Where trace lines go: sqlite3's own stdout and stderr (not the `.output` file), or a file.
enum Target {
    Stdout,
    Stderr,
    File(BufWriter<File>),
}

/// What `.trace` set up. The SQL form (`--expanded` / `--plain`) outlasts a `.trace` that
/// does not name it, as in sqlite3.
#[derive(Default)]
pub struct Tracer {
    target: Option<Target>,
    expanded: bool,
    /// `--close`: say when the connection closes.
    close: bool,
}

impl Tracer {
    /// One event as sqlite3 writes it: the SQL without its trailing semicolons, then one.
    pub fn write(&mut self, output: &mut Output, event: &TraceEvent) {
        let mut line = event.sql.clone();
        while line.last() == Some(&b';') {
            line.pop();
        }
        line.push(b';');
        if event.kind == TraceKind::Profile {
            line.extend_from_slice(format!(" -- {} ns", event.nanoseconds).as_bytes());
        }
        line.push(b'\n');
        self.write_bytes(output, &line);
    }

    fn write_bytes(&mut self, output: &mut Output, bytes: &[u8]) {
        match &mut self.target {
            None => {}
            Some(Target::Stdout) => output.stdout_bytes(bytes),
            Some(Target::Stderr) => {
                let _ = std::io::stderr().write_all(bytes);
            }
            // A trace file that cannot be written loses its lines, as sqlite3's does.
            Some(Target::File(file)) => {
                let _ = file.write_all(bytes);
            }
        }
    }

    /// The connection is closing (`.open`, the end of the shell); the next one is not
    /// traced until `.trace` asks again.
    pub fn closing(&mut self, output: &mut Output) {
        if std::mem::take(&mut self.close) {
            self.write_bytes(output, b"-- closing database connection\n");
        }
        if let Some(Target::File(file)) = &mut self.target {
            let _ = file.flush();
        }
    }

    pub fn is_on(&self) -> bool {
        self.target.is_some()
    }
}

impl Shell {
    /// `.trace ?OPTIONS? ?FILE|stdout|stderr|off?`, read as sqlite3 3.40 reads it: options
    /// with one dash or two; any other argument opens the first argument as the target.
    pub fn trace(&mut self, args: &[String]) {
        let mut events = TraceEvents::empty();
        let mut close = false;
        for arg in args {
            let Some(option) = arg.strip_prefix('-') else {
                let target = args[0].clone();
                self.tracer.target = self.open_trace_target(&target);
                continue;
            };
            match option.strip_prefix('-').unwrap_or(option) {
                "expanded" => self.tracer.expanded = true,
                "plain" => self.tracer.expanded = false,
                "profile" => events = events | TraceEvents::PROFILE,
                "row" => events = events | TraceEvents::ROW,
                "stmt" => events = events | TraceEvents::STATEMENT,
                "close" => close = true,
                _ => return self.fail(&format!("Unknown option \"{arg}\" on \".trace\"")),
            }
        }
        self.tracer.close = close;
        if !self.tracer.is_on() {
            return self.conn.set_trace(None);
        }
        if events.bits() == 0 && !close {
            events = TraceEvents::STATEMENT;
        }
        self.conn.set_trace(Some(TraceOptions { events, expanded: self.tracer.expanded }));
    }

    /// The target a `.trace` argument names: stdout, stderr, none for "off", else a file
    /// (none, with an error that does not count, when it cannot be opened).
    fn open_trace_target(&mut self, name: &str) -> Option<Target> {
        if let Some(Target::File(mut file)) = self.tracer.target.take() {
            let _ = file.flush();
        }
        match name {
            "stdout" => Some(Target::Stdout),
            "stderr" => Some(Target::Stderr),
            "off" => None,
            _ => match File::create(self.resolve(name)) {
                Ok(file) => Some(Target::File(BufWriter::new(file))),
                Err(_) => {
                    self.warn(&format!("Error: cannot open \"{name}\""));
                    None
                }
            },
        }
    }
}
