//! The sqlink REPL: a `wasi:cli/run` component that behaves like the sqlite3 shell and
//! talks only to `sqlink:wasm/spi`, `spi-loader` and `dispatch-bridge`.

mod commands;
mod format;
mod shell;

mod bindings {
    wit_bindgen::generate!({
        path: ["../wit/extension", "../wit/runtime"],
        world: "sqlink:wasm/cli",
        generate_all,
    });
}

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match shell::Shell::from_args(&args) {
        Ok((mut shell, commands)) => shell.run_main(commands),
        Err(message) => {
            eprintln!("Error: {message}");
            ExitCode::from(1)
        }
    }
}
