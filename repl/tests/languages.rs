//! Extensions built by other languages' standard tools load unchanged: a Python extension
//! built with componentize-py's default options (its component imports all of WASI, sockets
//! included) loads without flags, answers queries, and a use of the network or of a file is a
//! SQL error naming what was tried, and for the file the flag that grants it. A JavaScript
//! extension built with componentize-js loads and answers likewise. Both are the contract's
//! fixtures of the newest version the other languages' fixtures are built for, which `cargo
//! xtask fixtures` builds in the test run from `wit/extension/VERSION` (`cargo xtask test`
//! does it before the tests); the fixtures of older versions are loaded by
//! contract_versions.rs.

mod common;

use common::{command, run_with_stdin, test_extension};

/// The newest version with Python and JavaScript fixtures (xtask's `LANGUAGE_FIXTURES`); 0.3.0
/// adds virtual tables, hooks and SQL, which these scalar fixtures do not use.
const LANGUAGES_NEWEST: &str = "0.2.0";

#[test]
fn a_python_extension_with_default_options_loads_and_is_denied_the_network_when_it_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = copy(&test_extension(&format!("python-{}", LANGUAGES_NEWEST)), dir.path());

    let run = cold(
        dir.path(),
        &format!(
            ".load {}\nSELECT py_reverse('sqlink'), py_reverse(NULL) IS NULL;\nSELECT net_probe();\nSELECT py_read('{}');\nSELECT py_reverse('still here');\n.extensions\n",
            wasm.display(),
            wasm.display()
        ),
    );
    let size = std::fs::metadata(&wasm).unwrap().len() as f64 / 1e6;
    assert_eq!(
        run.stderr,
        format!(
            "compiling {} ({size:.1} MB), cached after this\nRuntime error near line 3: python: net_probe() failed: it tried the network \
             (wasi:sockets/tcp-create-socket#create-tcp-socket): extensions get no network access, and no flag grants it\n\
             Runtime error near line 4: py_read: [Errno 44] No such file or directory: '{}' (it looked for files, but no directory is granted: \
             --allow-dir DIR grants one; it read the environment, which is empty without --allow-env)\n",
            wasm.display(),
            wasm.display()
        )
    );
    assert_eq!(
        run.stdout,
        format!(
            "knilqs|1\nereh llits\npython 1.0.0 ({})\n  contract  sqlite:extension@{} (metadata, scalar-function)\n  scalar    py_reverse(x)  The text backwards.\n  scalar    net_probe()    Try to open a TCP socket.\n  scalar    py_read(x)     The text of a file.\n",
            wasm.display(),
            LANGUAGES_NEWEST
        )
    );
}

#[test]
fn a_javascript_extension_built_with_componentize_js_loads_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = copy(&test_extension(&format!("javascript-{}", LANGUAGES_NEWEST)), dir.path());

    let run = cold(
        dir.path(),
        &format!(".load {}\nSELECT js_upper('sqlink'), js_upper(NULL) IS NULL;\nSELECT js_upper(1);\n.extensions\n", wasm.display()),
    );
    let size = std::fs::metadata(&wasm).unwrap().len() as f64 / 1e6;
    assert_eq!(
        run.stderr,
        format!("compiling {} ({size:.1} MB), cached after this\nRuntime error near line 3: js_upper takes text (20)\n", wasm.display())
    );
    assert_eq!(
        run.stdout,
        format!(
            "SQLINK|1\njsext 1.0.0 ({})\n  contract  sqlite:extension@{} (metadata, scalar-function)\n  scalar    js_upper(x)  Upper case.\n",
            wasm.display(),
            LANGUAGES_NEWEST
        )
    );
}

/// A copy of the fixture at `from` in `dir`, whose name the messages show.
fn copy(from: &std::path::Path, dir: &std::path::Path) -> std::path::PathBuf {
    let to = dir.join(from.file_name().unwrap());
    std::fs::copy(from, &to).unwrap();
    to
}

/// `sqlink` in `dir` with a compile cache of its own there, so that a large component says
/// that it compiles (the tests' shared cache has them already: contract_versions.rs loads them).
fn cold(dir: &std::path::Path, stdin: &str) -> common::Run {
    let mut sqlink = command(dir, &[]);
    sqlink.env("SQLINK_CACHE_DIR", dir.join("cache"));
    run_with_stdin(sqlink, stdin)
}
