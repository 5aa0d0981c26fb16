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

/// Where a redirect's output goes: a file, or a command the host runs when the redirect ends
/// (`.output '|CMD'`), with what was written on its standard input.
pub enum Sink {
    File(BufWriter<File>),
    Command { command: String, input: Vec<u8> },
}

impl Sink {
    pub fn file(file: File) -> Sink {
        Sink::File(BufWriter::new(file))
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::File(file) => file.write_all(bytes),
            Sink::Command { input, .. } => {
                input.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(file) => file.flush(),
            Sink::Command { .. } => Ok(()),
        }
    }

    /// The redirect ends: a file is flushed; a command runs on what was written.
    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::File(mut file) => file.flush(),
            Sink::Command { command, input } => {
                // The shell's own output so far comes before the command's.
                to_stdout(b"", true);
                crate::bindings::sqlink::wasm::process::write_input(&command, &input).map_err(std::io::Error::other)
            }
        }
    }
}

struct Redirect {
    file: Sink,
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
        self.out_bytes(text.as_bytes());
    }

    /// Rows as the formatting wrote them: the characters that stand for bytes of text that
    /// is not UTF-8 go out as those bytes (`rawtext`).
    pub fn out_rows(&mut self, text: &str) {
        self.out_bytes(&crate::rawtext::to_bytes(text));
    }

    /// Output that is bytes as they were read (an echoed statement), not always UTF-8.
    pub fn out_bytes(&mut self, bytes: &[u8]) {
        if let Some(redirect) = &mut self.redirect {
            if let Err(e) = redirect.file.write_all(bytes) {
                self.redirect_failed(&e);
            }
            return;
        }
        match &mut self.base {
            Base::Stdio => to_stdout(bytes, false),
            Base::Captured(buffer) => buffer.push_str(&String::from_utf8_lossy(bytes)),
        }
    }

    /// To the process's stdout even while a redirect is on (`.trace stdout`).
    pub fn stdout_bytes(&mut self, bytes: &[u8]) {
        match &mut self.base {
            Base::Stdio => to_stdout(bytes, false),
            Base::Captured(buffer) => buffer.push_str(&String::from_utf8_lossy(bytes)),
        }
    }

    pub fn line_bytes(&mut self, bytes: &[u8]) {
        self.out_bytes(bytes);
        self.out("\n");
    }

    pub fn line(&mut self, text: &str) {
        self.out(text);
        self.out("\n");
    }

    /// The REPL's prompt: always to the terminal, never to a redirect file.
    pub fn prompt(&mut self, text: &str) {
        match &mut self.base {
            Base::Stdio => to_stdout(text.as_bytes(), true),
            Base::Captured(buffer) => buffer.push_str(text),
        }
    }

    /// Errors never go to the redirect file, as in sqlite3.
    pub fn error_line(&mut self, text: &str) {
        match &mut self.base {
            Base::Stdio => {
                to_stdout(b"", true);
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
            to_stdout(b"", true);
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
    pub fn redirect(&mut self, file: Sink, name: &str, once: bool) {
        self.restore();
        self.redirect = Some(Redirect { file, once, name: name.to_owned(), failed: false });
    }

    /// Back to the shell's own output; the file is flushed and closed.
    pub fn restore(&mut self) {
        let Some(redirect) = self.redirect.take() else { return };
        let (name, failed) = (redirect.name, redirect.failed);
        if let Err(e) = redirect.file.finish()
            && !failed
        {
            self.error_line(&format!("Error: cannot write to {name}: {e}"));
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

/// Text to the process's stdout, flushed with `flush`. When the reader went away (`sqlink
/// db .dump | head`) the shell ends quietly, as SIGPIPE ends sqlite3; any other failure is
/// said once on stderr and ends it too, since nothing more can be shown.
fn to_stdout(bytes: &[u8], flush: bool) {
    let mut stdout = std::io::stdout();
    let written = stdout.write_all(bytes).and_then(|()| if flush { stdout.flush() } else { Ok(()) });
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("Error: cannot write the output: {e}");
        }
        std::process::exit(1);
    }
}

impl Drop for Output {
    /// A redirect still open when the shell ends is finished: a file flushed, a command run.
    fn drop(&mut self) {
        self.restore();
    }
}
