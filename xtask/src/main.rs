//! `cargo xtask build | run | test`: builds the wasm components, composes the runtime with
//! wac, builds the native host, and runs things.
#![forbid(unsafe_code)]

mod compose;
mod rust;
mod toolchain;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

const USAGE: &str = "usage: cargo xtask <command>
  build          build every component into target/wasm/ and the sqlink binary
  wheel          build, then the Python package as a manylinux wheel in target/wheel/
  run [ARGS]     build what is missing, then start the REPL (ARGS go to sqlink)
  test           build, then run every test (Rust, then the browser tests in Chromium)
  fixtures       build the contract fixtures of other languages into target/wasm/test/
  web            build, then serve the browser demo on 127.0.0.1:$PORT (default 8080)
  cluster [--check]  build, start three local dqlite nodes carrying libsqlink and open the
                 dqlite shell on them (--check: the failover check, unattended)
  bench [--quick]  build, then time each path extension calls take (--quick: few rows)";

/// The bundled extensions, as extensions/bundled.txt lists them (the one list every host
/// reads): (cargo package, output name).
fn extensions(root: &Path) -> Result<Vec<(String, String)>> {
    Ok(bundled(root)?.into_iter().map(|bundled| (bundled.package, bundled.name)).collect())
}

fn bundled(root: &Path) -> Result<Vec<sqlink_rules::bundled::Bundled>> {
    let path = root.join("extensions/bundled.txt");
    let list = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    sqlink_rules::bundled::parse(&list).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Extensions the sandbox tests load, written to misbehave: (cargo package, file it builds,
/// output name under target/wasm/test/).
const TEST_EXTENSIONS: &[(&str, &str, &str)] = &[
    ("hostile-test-ext", "hostile_test_ext.wasm", "hostile"),
    ("clock-test-ext", "clock_test_ext.wasm", "clock"),
    ("network-test-ext", "network_test_ext.wasm", "network"),
    ("duplicate-test-ext", "duplicate_test_ext.wasm", "duplicate"),
    ("command-test-ext", "command-test-ext.wasm", "command"),
    ("identity-test-ext", "identity_test_ext.wasm", "identity"),
    ("rows-test-ext", "rows_test_ext.wasm", "rows"),
    ("tables-test-ext", "tables_test_ext.wasm", "tables"),
    ("shadow-test-ext", "shadow_test_ext.wasm", "shadow"),
    ("shell-names-test-ext", "shell_names_test_ext.wasm", "shell-names"),
    ("connection-test-ext", "connection_test_ext.wasm", "connection"),
    // The `kv` example (extensions/kv), a writable virtual table: not bundled (not in
    // extensions/bundled.txt) while the REPL and the page have no virtual-table modules.
    ("kv-ext", "kv_ext.wasm", "kv"),
    // The contract's fixtures in Rust: one per released version, with wit-bindgen from its
    // frozen WIT, and one of the interim 0.1.0 (see `fixtures` for the other languages').
    ("contract-0-1-0-test-ext", "contract_0_1_0_test_ext.wasm", "rust-0.1.0"),
    ("contract-0-1-0-interim-test-ext", "contract_0_1_0_interim_test_ext.wasm", "rust-0.1.0-interim"),
    ("contract-0-2-0-test-ext", "contract_0_2_0_test_ext.wasm", "rust-0.2.0"),
    ("contract-0-3-0-test-ext", "contract_0_3_0_test_ext.wasm", "rust-0.3.0"),
    ("contract-0-4-0-test-ext", "contract_0_4_0_test_ext.wasm", "rust-0.4.0"),
];

/// The contract's fixtures built by other languages' tools from the frozen WIT of a released
/// version, each with its tool's default options: (language, folder under test-extensions/,
/// source, contract version). They go to target/wasm/test/LANGUAGE-VERSION.wasm.
const LANGUAGE_FIXTURES: &[(&str, &str, &str, &str)] = &[
    ("python", "python-0.1.0", "app", "0.1.0"),
    ("python", "python", "app", "0.2.0"),
    ("javascript", "javascript", "ext-0.1.0.js", "0.1.0"),
    ("javascript", "javascript", "ext.js", "0.2.0"),
];

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let root = workspace_root();
    match command.as_str() {
        "build" => build(&root),
        "run" => {
            build(&root)?;
            let status = Command::new(root.join("target/release/sqlink")).args(&rest).status()?;
            std::process::exit(status.code().unwrap_or(1));
        }
        "test" => {
            build(&root)?;
            fixtures(&root)?;
            test(&root)?;
            // The benchmark is not a test, but running it small keeps it from rotting.
            bench(&root, &["--quick"])
        }
        "web" => {
            build(&root)?;
            let browser = build_browser(&root)?;
            let status = Command::new("node").current_dir(&browser).arg("server.mjs").status().context("running node")?;
            std::process::exit(status.code().unwrap_or(1));
        }
        "cluster" => {
            build(&root)?;
            let python = cluster_tools(&root)?;
            let mut args = vec!["cluster/sqlink_cluster.py"];
            args.extend(rest.iter().map(String::as_str));
            let status = Command::new(&python).current_dir(&root).args(&args).status().context("running the cluster script")?;
            std::process::exit(status.code().unwrap_or(1));
        }
        "fixtures" => fixtures(&root),
        "wheel" => {
            build(&root)?;
            let wheel = wheel(&root)?;
            println!("{}", wheel.display());
            Ok(())
        }
        "bench" => {
            build(&root)?;
            let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
            bench(&root, &rest)
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// `cargo ARGS` with a Rust toolchain that meets the `rust-version` of every crate it builds
/// (`rust::cargo_for`).
/// Under another toolchain, tests that build a wasm crate themselves (an extension made
/// outside the repository, `sqlink new`'s scaffold) learn from `SQLINK_WASM_TOOLCHAIN` which
/// toolchain builds wasm: the default one, as `build` uses for the wasm crates.
pub fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    let cargo = rust::cargo_for(root, args)?;
    let args: Vec<&str> = cargo.prefix.iter().map(String::as_str).chain(args.iter().copied()).collect();
    let mut command = std::process::Command::new(&cargo.program);
    command.current_dir(root).args(&args);
    if !cargo.prefix.is_empty()
        && let Some(default) = rust::default_toolchain()
    {
        command.env("SQLINK_WASM_TOOLCHAIN", default);
    }
    let status = command.status().with_context(|| format!("running {} {}", cargo.program, args.join(" ")))?;
    anyhow::ensure!(status.success(), "{} {} failed (in {})", cargo.program, args.join(" "), root.display());
    Ok(())
}

/// Everything `run` and `test` need: components in target/wasm/, then the host binary,
/// which embeds the runtime and the example extensions.
fn build(root: &Path) -> Result<()> {
    toolchain::ensure()?;
    let extensions = extensions(root)?;
    cargo(root, &[&["build", "--release", "--target", "wasm32-wasip2"][..], &wasm_packages(&extensions)].concat())?;

    let built = root.join("target/wasm32-wasip2/release");
    let out = root.join("target/wasm");
    std::fs::create_dir_all(&out)?;
    for (package, name) in &extensions {
        copy_if_changed(&built.join(format!("{}.wasm", package.replace('-', "_"))), &out.join(format!("{name}.wasm")))?;
    }
    // The list for the page, beside the components (`browser/build.mjs` reads it).
    write_if_changed(&out.join("bundled.json"), sqlink_rules::bundled::to_json(&bundled(root)?).as_bytes())?;
    let test_out = out.join("test");
    std::fs::create_dir_all(&test_out)?;
    for (_, file, name) in TEST_EXTENSIONS {
        copy_if_changed(&built.join(file), &test_out.join(format!("{name}.wasm")))?;
    }
    copy_if_changed(&built.join("sqlite_lib.wasm"), &out.join("sqlite-lib.wasm"))?;
    let runtime = compose::runtime(&built.join("sqlink_cli.wasm"), &built.join("sqlite_lib.wasm"))?;
    write_if_changed(&out.join("sqlink-runtime.wasm"), &runtime)?;
    // `sqlink compose` wires extensions into the runtime with these two.
    copy_if_changed(&built.join("sqlink_router.wasm"), &out.join("sqlink-router.wasm"))?;
    copy_if_changed(&built.join("sqlink_standalone.wasm"), &out.join("sqlink-standalone.wasm"))?;

    cargo(root, &["build", "--release", "-p", "sqlink-repl"])?;
    // sqlink compiles the runtime and the bundled extensions for its own engine, and the
    // next build carries that machine code (only main.rs recompiles, when it changed), so
    // its first start compiles nothing.
    let sqlink = root.join("target/release/sqlink");
    let precompiled = out.join("precompiled.bin");
    toolchain::run_in(root, &sqlink.to_string_lossy(), &["--precompile", &precompiled.to_string_lossy()])?;
    cargo(root, &["build", "--release", "-p", "sqlink-repl"])?;
    // On its own: with the others, Cargo would unify the bundled SQLite into it.
    cargo(root, &["build", "--release", "-p", "sqlink-loadable"])
}

/// The contract's fixtures of other languages (`LANGUAGE_FIXTURES`), built afresh from the
/// frozen WIT in each test run, so a tool that stopped building a released version, or a
/// host that stopped loading one, fails the run. Every host's tests load them.
fn fixtures(root: &Path) -> Result<()> {
    toolchain::ensure_componentize_py(root)?;
    let javascript = root.join("test-extensions/javascript");
    toolchain::ensure_npm_packages(&javascript)?;
    let out = root.join("target/wasm/test");
    std::fs::create_dir_all(&out)?;
    let componentize_py = root.join("target/venv/bin/componentize-py");
    for (language, folder, source, version) in LANGUAGE_FIXTURES {
        let wit = root.join("wit/extension").join(version);
        let wasm = out.join(format!("{language}-{version}.wasm"));
        let (wit, wasm) = (wit.to_string_lossy(), wasm.to_string_lossy());
        eprintln!("xtask: building the {language} fixture of sqlite:extension@{version}");
        let dir = root.join("test-extensions").join(folder);
        match *language {
            // Its default options: the component imports all of WASI, sockets included.
            "python" => toolchain::run_in(
                &dir,
                &componentize_py.to_string_lossy(),
                &["-d", &wit, "-w", "scalar-extension", "componentize", source, "-o", &wasm],
            )?,
            _ => toolchain::run_in(&dir, "node", &["build.mjs", source, &wit, &wasm])?,
        }
    }
    Ok(())
}

fn test(root: &Path) -> Result<()> {
    lint(root)?;
    toolchain::ensure_sqlite3()?;
    // sqlite-lib has no tests of its own; the host's harness tests drive its component.
    // libsqlink's tests are Python's (below): the library loads into a SQLite it did not build.
    let rust = cargo(
        root,
        &[
            "test",
            "--release",
            "--no-fail-fast",
            "--workspace",
            "--exclude",
            "sqlite-lib",
            "--exclude",
            "sqlink-loadable",
            "--exclude",
            "sqlink-sdk-macros",
        ],
    );
    // On its own, so that it runs with the toolchain an extension author builds with: its UI
    // tests compare the compiler's messages, which differ between Rust versions.
    let macros = cargo(root, &["test", "--release", "-p", "sqlink-sdk-macros"]);
    // Its own unit tests (the autoload list's syntax, what counts as a grant), built alone as the library is.
    let loadable = cargo(root, &["test", "--release", "-p", "sqlink-loadable", "--lib"]);
    // The SDK must build from its packaged form, as an author outside this repository gets it.
    let package = forget_packaged_sdk_builds(root).and_then(|()| {
        cargo(root, &["package", "--quiet", "--allow-dirty", "-p", "sqlink-rules", "-p", "sqlink-sdk-macros", "-p", "sqlink-sdk"])
    });
    // The Python suite also runs libsqlink in a dqlite cluster and in sqld (test_cluster.py).
    let python = cluster_tools(root).and_then(|_| toolchain::ensure_sqld(root)).and_then(|()| test_python(root));
    let browser = test_browser(root);
    rust.and(macros).and(loadable).and(package).and(python).and(browser)
}

/// Before the tests: the formatting (rustfmt.toml), then clippy with warnings as errors on
/// every crate, each with its own target: the host crates, the loadable library on its own
/// (as it is built), and the wasm crates for wasm32-wasip2.
fn lint(root: &Path) -> Result<()> {
    toolchain::ensure_rustfmt()?;
    cargo(root, &["fmt", "--all", "--check"]).context("the code is not formatted: run `cargo fmt --all`")?;
    let deny = ["--", "-D", "warnings"];
    let host = ["clippy", "--release", "--workspace", "--exclude", "sqlite-lib", "--exclude", "sqlink-loadable", "--all-targets"];
    cargo(root, &[&host[..], &deny].concat())?;
    cargo(root, &[&["clippy", "--release", "-p", "sqlink-loadable", "--all-targets"][..], &deny].concat())?;
    let extensions = extensions(root)?;
    cargo(root, &[&["clippy", "--release", "--target", "wasm32-wasip2"][..], &wasm_packages(&extensions), &deny].concat())
}

/// `-p PACKAGE` for every wasm crate: the runtime's, compose's, the bundled and test extensions.
fn wasm_packages(extensions: &[(String, String)]) -> Vec<&str> {
    let runtime = ["sqlite-lib", "sqlink-cli", "sqlink-router", "sqlink-standalone"];
    let bundled = extensions.iter().map(|(package, _)| package.as_str());
    let tests = TEST_EXTENSIONS.iter().map(|(package, _, _)| *package);
    runtime.into_iter().chain(bundled).chain(tests).flat_map(|package| ["-p", package]).collect()
}

/// Cargo verifies the packaged SDK against the packaged macros crate as if it came from a
/// (local) registry, and never unpacks or rebuilds a registry crate of a version it has seen:
/// what an earlier `cargo package` left would hide today's macros. Forget both: the unpacked
/// copies under Cargo's home (local registries' directories are named `-HASH`; crates.io's
/// are not touched) and the builds (debug profile, where verification builds).
fn forget_packaged_sdk_builds(root: &Path) -> Result<()> {
    let ours = |name: &str| name.starts_with("sqlink-sdk") || name.starts_with("sqlink-rules");
    let mut stale = Vec::new();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    if let Some(sources) = cargo_home.map(|home| home.join("registry/src")) {
        for registry in std::fs::read_dir(sources).into_iter().flatten().flatten() {
            if registry.file_name().to_string_lossy().starts_with('-') {
                let crates = std::fs::read_dir(registry.path()).into_iter().flatten().flatten();
                stale.extend(crates.filter(|c| ours(&c.file_name().to_string_lossy())).map(|c| c.path()));
            }
        }
    }
    let fingerprints = std::fs::read_dir(root.join("target/debug/.fingerprint")).into_iter().flatten().flatten();
    stale.extend(fingerprints.filter(|f| ours(&f.file_name().to_string_lossy())).map(|f| f.path()));
    for path in stale {
        std::fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(())
}

/// The Python package's wheel, installed as a user installs it into a virtual environment of
/// a Python whose sqlite3 loads extensions; its unittest suite drives libsqlink in Python's
/// sqlite3, in Debian's sqlite3 shell and in Datasette (PyPI, a program whose visitors run
/// SQL), compares the catalog with sqlean.py (PyPI), the reference it follows, and installs
/// the wheel in fresh environments (test_wheel.py).
fn test_python(root: &Path) -> Result<()> {
    let python = install_python_package(root)?;
    install_sqlean(root, &python)?;
    toolchain::run_in(root, &python, &["-m", "pip", "install", "--quiet", DATASETTE])?;
    toolchain::run_in(root, &python, &["-m", "unittest", "discover", "-s", "python/tests"])
}

/// What the replicated SQLites need beside libsqlink: Debian's dqlite, and the preload shim
/// that puts libsqlink into every connection of a program linking the system's SQLite
/// (cluster/preload.c, compiled against Debian's sqlite3.h into
/// target/release/libsqlink_preload.so). Returns the Python that runs cluster/'s scripts.
fn cluster_tools(root: &Path) -> Result<String> {
    toolchain::ensure_dqlite()?;
    let source = root.join("cluster/preload.c");
    let shim = root.join("target/release/libsqlink_preload.so");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&shim).is_none_or(|built| modified(&source).is_some_and(|changed| changed > built)) {
        let (source, shim) = (source.to_string_lossy(), shim.to_string_lossy());
        let flags = ["-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror", "-o", &shim, &source, "-ldl", "-lpthread", "-lsqlite3"];
        toolchain::run_in(root, "cc", &flags).context("compiling the preload shim (cluster/preload.c)")?;
    }
    Ok(toolchain::ensure_python_venv(root)?.to_string_lossy().into_owned())
}

/// Datasette, pinned: `python/tests/test_grants.py` serves libsqlink to its visitors.
const DATASETTE: &str = "datasette==0.65.5";

/// sqlean.py, the catalog's reference (the differential tests and the benchmark).
fn install_sqlean(root: &Path, python: &str) -> Result<()> {
    toolchain::run_in(root, python, &["-m", "pip", "install", "--quiet", "sqlean.py==3.50.4.5"])
}

/// The browser site in browser/dist: the runtime transpiled by jco, the shim, the page.
fn build_browser(root: &Path) -> Result<PathBuf> {
    let browser = root.join("browser");
    toolchain::ensure_npm_packages(&browser)?;
    toolchain::run_in(&browser, "node", &["build.mjs"])?;
    Ok(browser)
}

/// The page's tests: its rules against the shared cases (rules/cases.json), then the
/// Playwright tests in headless Chromium (they build the site themselves).
fn test_browser(root: &Path) -> Result<()> {
    let browser = root.join("browser");
    toolchain::ensure_npm_packages(&browser)?;
    toolchain::ensure_chromium()?;
    toolchain::run_in(&browser, "node", &["--test", "test/"])
}

/// The native paths (crate bench/), libsqlink in Python's sqlite3 and in a dqlite cluster,
/// then the browser's in headless Chromium: extension
/// calls beside sqlite-wasm with JavaScript functions, and one INSERT into an OPFS database
/// file of growing size.
fn bench(root: &Path, args: &[&str]) -> Result<()> {
    let mut cargo_args = vec!["run", "--release", "-q", "-p", "sqlink-bench", "--"];
    cargo_args.extend(args);
    cargo(root, &cargo_args)?;
    bench_loadable(root, args)?;
    // Beyond one machine: a three-node dqlite cluster beside one native SQLite.
    let python = cluster_tools(root)?;
    toolchain::run_in(root, &python, &[&["bench/cluster.py"][..], args].concat())?;
    let browser = root.join("browser");
    toolchain::ensure_npm_packages(&browser)?;
    toolchain::ensure_chromium()?;
    for script in ["bench/calls.mjs", "bench/opfs-insert.mjs"] {
        let mut node_args = vec![script];
        node_args.extend(args);
        toolchain::run_in(&browser, "node", &node_args)?;
    }
    Ok(())
}

/// Path (e): libsqlink in Python's sqlite3 beside sqlean's C md5 in the same process, then
/// the catalog's headline functions beside sqlean's.
fn bench_loadable(root: &Path, args: &[&str]) -> Result<()> {
    let python = install_python_package(root)?;
    install_sqlean(root, &python)?;
    for script in ["bench/libsqlink.py", "bench/catalog.py"] {
        let mut bench_args = vec![script];
        bench_args.extend(args);
        toolchain::run_in(root, &python, &bench_args)?;
    }
    Ok(())
}

/// The wheel of what `build` built, installed into the Python tests' virtual environment;
/// its interpreter.
fn install_python_package(root: &Path) -> Result<String> {
    let wheel = wheel(root)?;
    let python = toolchain::ensure_python_venv(root)?.to_string_lossy().into_owned();
    toolchain::run_in(root, &python, &["-m", "pip", "install", "--quiet", "--force-reinstall", &wheel.to_string_lossy()])?;
    Ok(python)
}

/// The Python package (python/) with the libsqlink `build` built, as a wheel in
/// target/wheel/ (the only file there): setuptools makes a `py3-none-linux_*` wheel (every
/// Python 3 of the platform, as SQLite loads the library, not Python), and auditwheel strips
/// the library and gives the wheel the manylinux tag it satisfies, which it checks. Nothing
/// in the wheel needs Rust to install.
fn wheel(root: &Path) -> Result<PathBuf> {
    if !cfg!(target_os = "linux") {
        anyhow::bail!("the wheel is built on Linux (auditwheel sets and checks its manylinux tag)");
    }
    let tools = toolchain::ensure_wheel_tools(root)?;
    let python = tools.join("python");
    let library = root.join("target/release/libsqlink.so");
    let (unchecked, out) = (root.join("target/wheel-linux"), root.join("target/wheel"));
    // Only this build's wheels: a stale one would be installed or repaired beside it.
    for dir in [&unchecked, &out, &root.join("python/build")] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
        }
    }
    let pip_wheel = ["-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", &unchecked.to_string_lossy(), "./python"];
    let status = Command::new(&python)
        .current_dir(root)
        .args(pip_wheel)
        // setup.py packages this file instead of running `cargo xtask build` itself.
        .env("SQLINK_LIBRARY", &library)
        .status()
        .context("running pip wheel")?;
    if !status.success() {
        anyhow::bail!("pip wheel ./python failed");
    }
    let built = only_wheel(&unchecked)?;
    // auditwheel runs patchelf and strip by name: the tools' folder goes first on the PATH.
    let path =
        std::env::join_paths(std::iter::once(tools.clone()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())))?;
    let status = Command::new(tools.join("auditwheel"))
        .args(["repair", "--strip", "-w", &out.to_string_lossy(), &built.to_string_lossy()])
        .env("PATH", path)
        .status()
        .context("running auditwheel")?;
    if !status.success() {
        anyhow::bail!("auditwheel repair {} failed", built.display());
    }
    only_wheel(&out)
}

/// The one wheel in `dir`.
fn only_wheel(dir: &Path) -> Result<PathBuf> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut wheels = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "whl") {
            wheels.push(path);
        }
    }
    match <[PathBuf; 1]>::try_from(wheels) {
        Ok([wheel]) => Ok(wheel),
        Err(wheels) => anyhow::bail!("expected one wheel in {}, found {}", dir.display(), wheels.len()),
    }
}

/// Keep timestamps when nothing changed, so cargo does not rebuild the host needlessly.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn copy_if_changed(from: &Path, to: &Path) -> Result<()> {
    let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    write_if_changed(to, &bytes)
}
