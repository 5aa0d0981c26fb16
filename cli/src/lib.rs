//! The sqlink REPL: behaves like the sqlite3 shell and talks only to `sqlink:wasm/spi`,
//! `spi-loader` and `dispatch-bridge`. Two ways in: `wasi:cli/run` reads stdin (the native
//! host), `session` takes one call per line or SQL batch (the browser).
// Only the bindings wit-bindgen generates (the canonical ABI glue) use unsafe code.
#![deny(unsafe_code)]

mod archive;
mod commands;
mod dump;
mod files;
mod format;
mod import;
mod lint;
mod names;
mod output;
mod rawtext;
mod session;
mod shell;
mod trace;

#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: ["../wit/extension/0.5.0", "../wit/runtime"],
        world: "sqlink:wasm/cli",
        generate_all,
    });
}

struct Cli;

impl bindings::exports::wasi::cli::run::Guest for Cli {
    fn run() -> Result<(), ()> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        match shell::Shell::from_args(&args) {
            Ok((mut shell, startup)) => shell.run_main(startup),
            Err(exit) => {
                print!("{}", exit.stdout);
                eprint!("{}", exit.stderr);
                if exit.failed { Err(()) } else { Ok(()) }
            }
        }
    }
}

// The export glue is wit-bindgen's canonical ABI code, expanded here.
#[allow(unsafe_code)]
mod exports {
    use super::{Cli, bindings};
    bindings::export!(Cli with_types_in bindings);
}
