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
            let _ = redirect.file.write_all(text.as_bytes());
            return;
        }
        match &mut self.base {
            Base::Stdio => print!("{text}"),
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
            Base::Stdio => {
                print!("{text}");
                let _ = std::io::stdout().flush();
            }
            Base::Captured(buffer) => buffer.push_str(text),
        }
    }

    /// Errors never go to the redirect file, as in sqlite3.
    pub fn error_line(&mut self, text: &str) {
        match &mut self.base {
            Base::Stdio => {
                let _ = std::io::stdout().flush();
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
            let _ = redirect.file.flush();
        } else if let Base::Stdio = self.base {
            let _ = std::io::stdout().flush();
        }
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
        self.redirect = Some(Redirect { file: BufWriter::new(file), once, name: name.to_owned() });
    }

    /// Back to the shell's own output; the file is flushed and closed.
    pub fn restore(&mut self) {
        if let Some(mut redirect) = self.redirect.take() {
            let _ = redirect.file.flush();
        }
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
