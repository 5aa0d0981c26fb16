//! Extensions built by other languages' standard tools load unchanged: a Python extension
//! built in this test with componentize-py's default options (its component imports all of
//! WASI, sockets included) loads without flags, answers queries, and a use of the network or
//! of a file is a SQL error naming what was tried, and for the file the flag that grants it.
//! A JavaScript extension built with componentize-js loads and answers likewise. `cargo xtask test` installs componentize-py into
//! target/venv.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::sqlink_in;

fn componentize_py() -> PathBuf {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/venv/bin/componentize-py");
    assert!(tool.is_file(), "{} is missing: `cargo xtask test` installs it", tool.display());
    tool
}

#[test]
fn a_python_extension_with_default_options_loads_and_is_denied_the_network_when_it_uses_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("python.wasm");
    let status = Command::new(componentize_py())
        .args(["-d", root.join("wit/extension").to_str().unwrap(), "-w", "scalar-extension", "componentize", "app", "-o"])
        .arg(&wasm)
        .current_dir(root.join("test-extensions/python"))
        .status()
        .unwrap();
    assert!(status.success(), "componentize-py failed");

    let run = sqlink_in(
        dir.path(),
        &[],
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
            "compiling {} ({size:.1} MB), cached after this\nError: python: net_probe() failed: it tried the network \
             (wasi:sockets/tcp-create-socket#create-tcp-socket): extensions get no network access, and no flag grants it\n\
             Error: py_read: [Errno 44] No such file or directory: '{}' (it looked for files, but no directory is granted: \
             --allow-dir DIR grants one; it read the environment, which is empty without --allow-env)\n",
            wasm.display(),
            wasm.display()
        )
    );
    assert_eq!(
        run.stdout,
        format!(
            "knilqs|1\nereh llits\npython 1.0.0 ({})\n  scalar    py_reverse(x)  The text backwards.\n  scalar    net_probe()    Try to open a TCP socket.\n  scalar    py_read(x)     The text of a file.\n",
            wasm.display()
        )
    );
}

#[test]
fn a_javascript_extension_built_with_componentize_js_loads_and_answers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("jsext.wasm");
    let status = Command::new("node")
        .current_dir(root.join("test-extensions/javascript"))
        .arg("build.mjs")
        .args([Path::new("ext.js"), &root.join("wit/extension"), &wasm])
        .status()
        .expect("node: `cargo xtask test` installs test-extensions/javascript's npm packages");
    assert!(status.success(), "componentize-js failed");

    let run = sqlink_in(
        dir.path(),
        &[],
        &format!(".load {}\nSELECT js_upper('sqlink'), js_upper(NULL) IS NULL;\nSELECT js_upper(1);\n.extensions\n", wasm.display()),
    );
    let size = std::fs::metadata(&wasm).unwrap().len() as f64 / 1e6;
    assert_eq!(run.stderr, format!("compiling {} ({size:.1} MB), cached after this\nError: js_upper takes text\n", wasm.display()));
    assert_eq!(run.stdout, format!("SQLINK|1\njsext 1.0.0 ({})\n  scalar    js_upper(x)  Upper case.\n", wasm.display()));
}
