//! Where the shell's text goes: the process's stdout and stderr, or a buffer a `session`
//! call returns; query output may be sent to a file instead (`.output`, `.once`).

use std::fs::File;
use std::io::{BufWriter, Write};

pub struct Output {
    base: Base,
    redirect: Option<Redirect>,
}

enum Base {
    Stdio,
    Captured(String),
}

struct Redirect {
    file: BufWriter<File>,
    /// `.once`: only the next command's output goes to the file.
    once: bool,
    /// The name `.show` reports.
    name: String,
    /// A write failed and was reported: the rest of this redirect's output is dropped.
    failed: bool,
}

impl Output {
    pub fn stdio() -> Output {
        Output { base: Base::Stdio, redirect: None }
    }

    pub fn captured() -> Output {
        Output { base: Base::Captured(String::new()), redirect: None }
    }

    /// Query output (rows, dot command results): to the redirect file when there is one.
    pub fn out(&mut self, text: &str) {
        if let Some(redirect) = &mut self.redirect {
            if let Err(e) = redirect.file.write_all(text.as_bytes()) {
                self.redirect_failed(&e);
            }
            return;
        }
        match &mut self.base {
            Base::Stdio => to_stdout(text, false),
            Base::Captured(buffer) => buffer.push_str(text),
        }
    }

    pub fn line(&mut self, text: &str) {
        self.out(text);
        self.out("\n");
    }

    /// The REPL's prompt: always to the terminal, never to a redirect file.
    pub fn prompt(&mut self, text: &str) {
        match &mut self.base {
            Base::Stdio => to_stdout(text, true),
            Base::Captured(buffer) => buffer.push_str(text),
        }
    }

    /// Errors never go to the redirect file, as in sqlite3.
    pub fn error_line(&mut self, text: &str) {
        match &mut self.base {
            Base::Stdio => {
                to_stdout("", true);
                eprintln!("{text}");
            }
            Base::Captured(buffer) => {
                buffer.push_str(text);
                buffer.push('\n');
            }
        }
    }

    pub fn flush(&mut self) {
        if let Some(redirect) = &mut self.redirect {
            if let Err(e) = redirect.file.flush() {
                self.redirect_failed(&e);
            }
        } else if let Base::Stdio = self.base {
            to_stdout("", true);
        }
    }

    /// A write to the `.output` / `.once` file failed (a full disk, a closed pipe): said once,
    /// as an error, and the rest of that redirect's output is dropped.
    fn redirect_failed(&mut self, error: &std::io::Error) {
        let Some(redirect) = &mut self.redirect else { return };
        if std::mem::replace(&mut redirect.failed, true) {
            return;
        }
        let message = format!("Error: cannot write to {}: {error}", redirect.name);
        self.error_line(&message);
    }

    /// What was captured since the last call (nothing for stdio).
    pub fn take(&mut self) -> String {
        match &mut self.base {
            Base::Stdio => String::new(),
            Base::Captured(buffer) => std::mem::take(buffer),
        }
    }

    /// Send query output to `file` (`name` as the user gave it) until [`Output::restore`],
    /// or with `once` until the end of the next command.
    pub fn redirect(&mut self, file: File, name: &str, once: bool) {
        self.restore();
        self.redirect = Some(Redirect { file: BufWriter::new(file), once, name: name.to_owned(), failed: false });
    }

    /// Back to the shell's own output; the file is flushed and closed.
    pub fn restore(&mut self) {
        if let Some(redirect) = &mut self.redirect
            && let Err(e) = redirect.file.flush()
        {
            self.redirect_failed(&e);
        }
        self.redirect = None;
    }

    /// A command finished: a `.once` redirect ends with it.
    pub fn command_done(&mut self) {
        if self.redirect.as_ref().is_some_and(|r| r.once) {
            self.restore();
        }
    }

    /// Where query output goes, as `.show` names it.
    pub fn target(&self) -> &str {
        self.redirect.as_ref().map_or("stdout", |r| r.name.as_str())
    }
}

/// Text to the process's stdout, flushed with `flush`. When the reader went away (`sqlink
/// db .dump | head`) the shell ends quietly, as SIGPIPE ends sqlite3; any other failure is
/// said once on stderr and ends it too, since nothing more can be shown.
fn to_stdout(text: &str, flush: bool) {
    let mut stdout = std::io::stdout();
    let written = stdout.write_all(text.as_bytes()).and_then(|()| if flush { stdout.flush() } else { Ok(()) });
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("Error: cannot write the output: {e}");
        }
        std::process::exit(1);
    }
}
