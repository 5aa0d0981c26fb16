//! `sqlink new NAME`: the crate it writes builds with the standard commands against this
//! checkout's SDK, its unit test passes, and the component loads and answers.

mod common;

use std::path::Path;

use common::{command, run_with_stdin, sqlink_in, wasm_cargo};

fn cargo(dir: &Path, args: &[&str]) {
    // A target dir that outlives the test keeps reruns fast.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffold");
    let status = wasm_cargo().args(args).current_dir(dir).env("CARGO_TARGET_DIR", &target).status().unwrap();
    assert!(status.success(), "cargo {args:?} failed in {}", dir.display());
}

#[test]
fn a_new_extension_builds_tests_and_loads() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_with_stdin(command(dir.path(), &["new", "greeter-ext"]), "");
    assert_eq!((run.stderr.as_str(), run.code), ("", 0));
    assert!(run.stdout.starts_with("created greeter-ext/"), "{}", run.stdout);
    let krate = dir.path().join("greeter-ext");
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).unwrap();
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk").canonicalize().unwrap();
    assert!(manifest.contains(&format!("sqlink-sdk = {{ path = {:?} }}", sdk.display().to_string())), "{manifest}");

    cargo(&krate, &["test", "--quiet"]);
    cargo(&krate, &["build", "--release", "--quiet", "--target", "wasm32-wasip2"]);
    let wasm = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffold/wasm32-wasip2/release/greeter_ext.wasm");
    let newest = sqlink_rules::contract::NEWEST;
    let run = sqlink_in(dir.path(), &[], &format!(".load {}\nSELECT greeter_ext_hello('world');\n.extensions\n", wasm.display()));
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout,
        format!(
            "hello, world\ngreeter_ext 0.1.0 ({})\n  contract  sqlite:extension@{newest} (metadata, scalar-function, scalar-by-arity, \
             aggregate-function, collation, table-function, virtual-table, hooks, dynamic-function)\n  scalar    greeter_ext_hello(x)  Says hello: greeter_ext_hello('world') is 'hello, world'.\n",
            wasm.display()
        )
    );
    // `sqlink new` targets the newest contract version, and says so.
    let readme = std::fs::read_to_string(krate.join("README.md")).unwrap();
    assert!(readme.contains(&format!("`sqlite:extension@{newest}`")), "{readme}");
}

#[test]
fn new_refuses_a_bad_name_and_a_directory_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_with_stdin(command(dir.path(), &["new", "Bad Name"]), "");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("is not a good extension name"), "{}", run.stderr);
    std::fs::create_dir_all(dir.path().join("taken")).unwrap();
    std::fs::write(dir.path().join("taken/file"), "mine").unwrap();
    let run = run_with_stdin(command(dir.path(), &["new", "taken"]), "");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("already exists and is not empty"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(dir.path().join("taken/file")).unwrap(), "mine");
}
