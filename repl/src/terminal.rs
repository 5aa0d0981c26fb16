//! Line editing and history when stdin is a terminal.
//!
//! The REPL runs inside wasm and prints its own prompt before reading a line. Like
//! `rlwrap`, the host holds back the last unfinished line of output and, when the REPL
//! asks for input, hands that text to rustyline as the prompt. The REPL stays unaware of
//! terminals; the host gives it edited lines.

use std::io::Write;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;
use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};
use wasmtime_wasi_io::bytes::Bytes;
use wasmtime_wasi_io::poll::Pollable;
use wasmtime_wasi_io::streams::{InputStream, OutputStream, StreamError, StreamResult};

use sqlink_host::extension::ExtensionEngine;

use crate::runtime::{self, RuntimeOptions};

struct Shared {
    editor: DefaultEditor,
    /// Output after the last newline, not yet shown: the prompt, if a read follows.
    pending: String,
}

type SharedRef = Arc<Mutex<Shared>>;

fn lock(shared: &SharedRef) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Clone)]
struct TermStdout(SharedRef);

struct TermOutput(SharedRef);

impl IsTerminal for TermStdout {
    fn is_terminal(&self) -> bool {
        true
    }
}

impl StdoutStream for TermStdout {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(TermOutput(self.0.clone()))
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(tokio::io::stdout())
    }
}

#[wasmtime_wasi_io::async_trait]
impl Pollable for TermOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for TermOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        let mut shared = lock(&self.0);
        shared.pending.push_str(&String::from_utf8_lossy(&bytes));
        if let Some(end) = shared.pending.rfind('\n') {
            let complete: String = shared.pending.drain(..=end).collect();
            let mut out = std::io::stdout().lock();
            out.write_all(complete.as_bytes()).map_err(|e| StreamError::LastOperationFailed(e.into()))?;
            out.flush().map_err(|e| StreamError::LastOperationFailed(e.into()))?;
        }
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[derive(Clone)]
struct TermStdin(SharedRef);

struct TermInput {
    shared: SharedRef,
    buffer: Vec<u8>,
    eof: bool,
}

impl IsTerminal for TermStdin {
    fn is_terminal(&self) -> bool {
        true
    }
}

impl StdinStream for TermStdin {
    fn p2_stream(&self) -> Box<dyn InputStream> {
        Box::new(TermInput { shared: self.0.clone(), buffer: Vec::new(), eof: false })
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncRead + Send + Sync> {
        Box::new(tokio::io::empty())
    }
}

#[wasmtime_wasi_io::async_trait]
impl Pollable for TermInput {
    /// Blocks on the terminal: the REPL has nothing else to do while it waits for a line.
    async fn ready(&mut self) {
        if !self.buffer.is_empty() || self.eof {
            return;
        }
        let mut shared = lock(&self.shared);
        let prompt = std::mem::take(&mut shared.pending);
        match shared.editor.readline(&prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = shared.editor.add_history_entry(line.as_str());
                }
                self.buffer = format!("{line}\n").into_bytes();
            }
            // Ctrl-C abandons the line being typed, as in sqlite3.
            Err(ReadlineError::Interrupted) => self.buffer = b"\n".to_vec(),
            Err(_) => self.eof = true,
        }
    }
}

impl InputStream for TermInput {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        if self.buffer.is_empty() {
            return if self.eof { Err(StreamError::Closed) } else { Ok(Bytes::new()) };
        }
        let n = size.min(self.buffer.len());
        Ok(Bytes::from(self.buffer.drain(..n).collect::<Vec<u8>>()))
    }
}

fn history_file() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".sqlink_history"))
}

/// Run the REPL on the terminal, with line editing and history in ~/.sqlink_history.
pub fn run(engine: &ExtensionEngine, runtime_bytes: &[u8], options: RuntimeOptions) -> Result<i32> {
    let mut editor = DefaultEditor::new()?;
    if let Some(path) = history_file() {
        let _ = editor.load_history(&path);
    }
    let shared = Arc::new(Mutex::new(Shared { editor, pending: String::new() }));
    let (stdin, stdout) = (TermStdin(shared.clone()), TermStdout(shared.clone()));
    let code = runtime::run(engine, runtime_bytes, options, |wasi| {
        wasi.stdin(stdin).stdout(stdout).inherit_stderr();
    })?;
    let mut shared = lock(&shared);
    let pending = std::mem::take(&mut shared.pending);
    print!("{pending}");
    if let Some(path) = history_file() {
        let _ = shared.editor.save_history(&path);
    }
    Ok(code)
}
