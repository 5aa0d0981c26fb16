//! `sqlink:wasm/session`: the REPL driven one call at a time. The instance keeps one shell
//! (its connection, settings and unfinished statement) between calls.

use std::cell::RefCell;

use crate::Cli;
use crate::bindings::exports::sqlink::wasm::session::{Guest, LineResult, StatementResult};
use crate::bindings::sqlink::wasm::interrupt;
use crate::bindings::sqlink::wasm::spi::Connection;
use crate::bindings::sqlite::extension::types::ExtensionInfo;
use crate::shell::{Flow, Input, Output, Shell};

thread_local! {
    static SHELL: RefCell<Option<Shell>> = const { RefCell::new(None) };
}

fn open_connection(path: &str) -> Result<Connection, String> {
    Connection::open(path).map_err(|e| format!("cannot open \"{path}\": {}", e.message))
}

/// The page's REPL is a terminal: errors are worded as sqlite3 words them for one.
fn page_shell(conn: Connection) -> Shell {
    let mut shell = Shell::new(conn, Output::captured());
    shell.input = Input::Interactive;
    shell.host_files = false;
    shell.register_composed();
    shell
}

/// Run `f` on the session's shell, opening an in-memory database on first use. An interrupt
/// applies to the call it came during; what is left of it is dropped after the call.
fn with_shell<T>(f: impl FnOnce(&mut Shell) -> Result<T, String>) -> Result<T, String> {
    let result = SHELL.with(|cell| {
        let mut slot = cell.borrow_mut();
        let shell = match &mut *slot {
            Some(shell) => shell,
            None => slot.insert(page_shell(open_connection(":memory:")?)),
        };
        f(shell)
    });
    interrupt::take();
    result
}

impl Guest for Cli {
    fn open(path: String) -> Result<(), String> {
        let conn = open_connection(&path)?;
        SHELL.with(|cell| match &mut *cell.borrow_mut() {
            Some(shell) => shell.conn = conn,
            slot => *slot = Some(page_shell(conn)),
        });
        Ok(())
    }

    fn exec(sql: String) -> Result<Vec<StatementResult>, String> {
        with_shell(|shell| shell.collect_sql(&sql))
    }

    fn eval_line(line: String) -> LineResult {
        let result = with_shell(|shell| {
            let quit = shell.feed_line(line.as_bytes()) == Flow::Quit;
            Ok(LineResult { output: shell.output.take(), pending: shell.is_pending() || shell.hexdb.is_some(), quit })
        });
        result.unwrap_or_else(|message| LineResult { output: format!("Error: {message}\n"), pending: false, quit: false })
    }

    fn load_extension(name_or_path: String, replace_builtins: bool) -> Result<ExtensionInfo, String> {
        // The session's one user is the page's API: `db.loadExtension(source, { override: true })`.
        with_shell(|shell| shell.load(&name_or_path, replace_builtins, "`loadExtension(source, { override: true })`"))
    }

    fn serialize() -> Result<Vec<u8>, String> {
        with_shell(|shell| shell.conn.serialize().map_err(|e| e.message))
    }

    fn deserialize(image: Vec<u8>) -> Result<(), String> {
        with_shell(|shell| shell.conn.deserialize(&image).map_err(|e| e.message))
    }

    fn is_autocommit() -> bool {
        with_shell(|shell| Ok(shell.conn.is_autocommit())).unwrap_or(true)
    }
}
