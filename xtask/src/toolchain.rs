//! What a fresh machine needs before the wasm build: the Rust wasm target, and clang with
//! the WASI libc headers to compile SQLite's C sources.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

const WASI_HEADERS: &str = "/usr/include/wasm32-wasi/stdio.h";
const DEBIAN_PACKAGES: &[&str] = &["clang-19", "llvm-19", "wasi-libc"];

pub fn ensure() -> Result<()> {
    ensure_rust_target()?;
    ensure_c_toolchain()
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

fn have(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

fn ensure_c_toolchain() -> Result<()> {
    if have("clang-19") && have("llvm-ar-19") && Path::new(WASI_HEADERS).exists() {
        return Ok(());
    }
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    if !(is_root && have("apt-get")) {
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
    let status = Command::new(program).args(args).status().with_context(|| format!("running {program}"))?;
    if !status.success() {
        bail!("{program} {} failed", args.join(" "));
    }
    Ok(())
}
