//! Which installed Rust toolchain runs each cargo command. Every crate declares the Rust it
//! needs (`rust-version` in its manifest: the crates on wasmtime need a newer one than the
//! wasm crates, whose target the newer toolchain may lack). A command runs with the default
//! toolchain when that meets every crate it builds, else with an installed rustup toolchain
//! that does (the oldest such), else it stops with one message saying what to install.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use anyhow::{Context, Result, bail};

/// A Rust version as manifests and `rustc -V` write it; a pre-release (`1.97.0-nightly`)
/// counts as its release, as Cargo's own `rust-version` check counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(u32, u32, u32);

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        let release = text.split(['-', '+']).next()?;
        let mut parts = release.split('.').map(str::parse::<u32>);
        let major = parts.next()?.ok()?;
        let minor = parts.next().unwrap_or(Ok(0)).ok()?;
        let patch = parts.next().unwrap_or(Ok(0)).ok()?;
        parts.next().is_none().then_some(Version(major, minor, patch))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// A workspace crate: the Rust it needs and the workspace crates it depends on.
#[derive(Debug)]
struct Member {
    name: String,
    rust_version: Option<Version>,
    path_dependencies: Vec<String>,
}

struct Workspace {
    members: Vec<Member>,
    default_members: Vec<String>,
}

/// What runs a cargo command: the program, and the arguments before the command's own.
pub struct Cargo {
    pub program: String,
    pub prefix: Vec<String>,
}

/// How to run `cargo ARGS` in the workspace at `root` with a toolchain that builds what
/// `args` select.
pub fn cargo_for(root: &Path, args: &[&str]) -> Result<Cargo> {
    let default = || Cargo { program: std::env::var("CARGO").unwrap_or_else(|_| String::from("cargo")), prefix: Vec::new() };
    // rustfmt compiles nothing, and one rustfmt (the default toolchain's, which `cargo fmt`
    // runs) decides the whole workspace's formatting.
    if args.first() == Some(&"fmt") {
        return Ok(default());
    }
    let workspace = workspace(root)?;
    let Some((needed, needer)) = requirement(workspace, args) else { return Ok(default()) };
    let current = rustc_version(None)?;
    if current >= needed {
        return Ok(default());
    }
    let Some((toolchain, version)) = installed_toolchains().into_iter().filter(|(_, v)| *v >= needed).min_by_key(|(_, v)| *v) else {
        bail!(
            "{needer} needs Rust {needed} (its rust-version); the default toolchain is {current} and no installed \
             toolchain has {needed} or later: install one (`rustup toolchain install {needed}`, or a nightly of that \
             version) and run again"
        );
    };
    let why = format!("{needer} needs Rust {needed} (its rust-version) and the default toolchain has {current}");
    announce(&toolchain, &format!("xtask: {why}: running cargo with {toolchain} ({version})"));
    if args.first() == Some(&"clippy") {
        ensure_component(&toolchain, "clippy")?;
    }
    Ok(Cargo { program: String::from("rustup"), prefix: vec![String::from("run"), toolchain, String::from("cargo")] })
}

/// Says once per toolchain why it is used.
fn announce(toolchain: &str, message: &str) {
    static ANNOUNCED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut announced = ANNOUNCED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if announced.insert(toolchain.to_owned()) {
        eprintln!("{message}");
    }
}

/// The highest `rust-version` among the crates `args` build (those selected and the
/// workspace crates they depend on), and the crate declaring it.
fn requirement(workspace: &Workspace, args: &[&str]) -> Option<(Version, String)> {
    let mut selected = Vec::new();
    let mut excluded = Vec::new();
    let mut whole = false;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        match *word {
            "-p" | "--package" => selected.extend(words.next().map(|w| w.to_string())),
            "--exclude" => excluded.extend(words.next().map(|w| w.to_string())),
            "--workspace" | "--all" => whole = true,
            // What follows `--` belongs to the program or to rustc, not to cargo.
            "--" => break,
            _ => {}
        }
    }
    if whole {
        selected = workspace.members.iter().map(|m| m.name.clone()).filter(|name| !excluded.contains(name)).collect();
    } else if selected.is_empty() {
        selected = workspace.default_members.clone();
    }
    let mut seen = BTreeSet::new();
    while let Some(name) = selected.pop() {
        if seen.insert(name.clone())
            && let Some(member) = workspace.members.iter().find(|m| m.name == name)
        {
            selected.extend(member.path_dependencies.iter().cloned());
        }
    }
    let members = workspace.members.iter().filter(|m| seen.contains(&m.name));
    members.filter_map(|m| m.rust_version.map(|v| (v, m.name.clone()))).max_by_key(|(v, _)| *v)
}

/// The workspace's crates, read once from `cargo metadata`.
fn workspace(root: &Path) -> Result<&'static Workspace> {
    static WORKSPACE: OnceLock<Workspace> = OnceLock::new();
    if let Some(workspace) = WORKSPACE.get() {
        return Ok(workspace);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| String::from("cargo"));
    let output = Command::new(&cargo)
        .current_dir(root)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).context("reading cargo metadata")?;
    let workspace = parse_metadata(&metadata)?;
    Ok(WORKSPACE.get_or_init(|| workspace))
}

fn parse_metadata(metadata: &serde_json::Value) -> Result<Workspace> {
    let name_of = |package: &serde_json::Value| package["name"].as_str().map(str::to_owned);
    let packages = metadata["packages"].as_array().context("cargo metadata without packages")?;
    let mut members = Vec::new();
    for package in packages {
        let name = name_of(package).context("a package without a name in cargo metadata")?;
        let rust_version = match package["rust_version"].as_str() {
            Some(text) => Some(Version::parse(text).with_context(|| format!("{name}: rust-version `{text}`"))?),
            None => None,
        };
        let dependencies = package["dependencies"].as_array().into_iter().flatten();
        let path_dependencies = dependencies.filter(|d| d["path"].is_string()).filter_map(name_of).collect();
        members.push(Member { name, rust_version, path_dependencies });
    }
    // Ids name their package: `path+file:///…/host#sqlink-host@0.1.0`, `…/sdk#0.1.0`.
    let default_ids = metadata["workspace_default_members"].as_array().into_iter().flatten().filter_map(|id| id.as_str());
    let by_id = |id: &str| packages.iter().find(|p| p["id"].as_str() == Some(id)).and_then(name_of);
    let default_members = default_ids.filter_map(by_id).collect();
    Ok(Workspace { members, default_members })
}

/// The version of `rustc` in `toolchain` (None: the one `cargo` runs by default).
fn rustc_version(toolchain: Option<&str>) -> Result<Version> {
    let output = match toolchain {
        Some(toolchain) => Command::new("rustup").args(["run", toolchain, "rustc", "-V"]).output(),
        None => Command::new("rustc").arg("-V").output(),
    }
    .context("running rustc -V")?;
    let text = String::from_utf8_lossy(&output.stdout);
    // `rustc 1.97.0-nightly (e50aa6fba 2026-05-19)`
    text.split_whitespace().nth(1).and_then(Version::parse).with_context(|| format!("reading the Rust version from `{}`", text.trim()))
}

/// rustup's installed toolchains and their versions (none without rustup).
fn installed_toolchains() -> Vec<(String, Version)> {
    let Ok(output) = Command::new("rustup").args(["toolchain", "list"]).output() else { return Vec::new() };
    let list = String::from_utf8_lossy(&output.stdout);
    // `nightly-x86_64-unknown-linux-gnu`, or `stable-… (active, default)`.
    let names = list.lines().filter_map(|line| line.split_whitespace().next()).map(str::to_owned);
    names.filter_map(|name| rustc_version(Some(&name)).ok().map(|version| (name, version))).collect()
}

/// The name of rustup's default toolchain (`stable-x86_64-unknown-linux-gnu`), if rustup
/// has one.
pub fn default_toolchain() -> Option<String> {
    let output = Command::new("rustup").arg("default").output().ok()?;
    String::from_utf8_lossy(&output.stdout).split_whitespace().next().map(str::to_owned)
}

/// A rustup component of `toolchain` (clippy for the lint step), added when missing.
fn ensure_component(toolchain: &str, component: &str) -> Result<()> {
    let output = Command::new("rustup").args(["component", "list", "--installed", "--toolchain", toolchain]).output()?;
    if String::from_utf8_lossy(&output.stdout).lines().any(|line| line.starts_with(component)) {
        return Ok(());
    }
    eprintln!("xtask: adding {component} to {toolchain}");
    crate::toolchain::run_in(Path::new("."), "rustup", &["component", "add", component, "--toolchain", toolchain])
        .with_context(|| format!("{toolchain} has no {component} and rustup could not add it"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_releases() {
        assert_eq!(Version::parse("1.97"), Some(Version(1, 97, 0)));
        assert_eq!(Version::parse("1.97.0-nightly"), Some(Version(1, 97, 0)));
        assert!(Version::parse("1.97.0-nightly").unwrap() >= Version::parse("1.97").unwrap());
        assert!(Version::parse("1.95.0").unwrap() < Version::parse("1.97").unwrap());
        assert_eq!(Version::parse("1.x"), None);
        assert_eq!(Version::parse("1.2.3.4"), None);
    }

    fn workspace() -> Workspace {
        let member = |name: &str, version: &str, deps: &[&str]| Member {
            name: name.to_owned(),
            rust_version: Version::parse(version),
            path_dependencies: deps.iter().map(|d| d.to_string()).collect(),
        };
        Workspace {
            members: vec![
                member("sdk", "1.95", &[]),
                member("host", "1.97", &["sdk"]),
                member("bench", "1.95", &["host"]),
                member("wasm-ext", "1.95", &["sdk"]),
            ],
            default_members: vec![String::from("sdk"), String::from("host")],
        }
    }

    fn needs(args: &[&str]) -> Option<(Version, String)> {
        requirement(&workspace(), args)
    }

    #[test]
    fn a_command_needs_the_highest_rust_of_what_it_builds() {
        assert_eq!(needs(&["build", "--target", "wasm32-wasip2", "-p", "wasm-ext"]).map(|(v, _)| v), Some(Version(1, 95, 0)));
        assert_eq!(needs(&["build", "-p", "host"]), Some((Version(1, 97, 0), "host".into())));
        // Through a workspace dependency.
        assert_eq!(needs(&["run", "-p", "bench", "--", "-p", "wasm-ext"]), Some((Version(1, 97, 0), "host".into())));
        assert_eq!(needs(&["test", "--workspace", "--exclude", "host", "--exclude", "bench"]).map(|(v, _)| v), Some(Version(1, 95, 0)));
        assert_eq!(needs(&["test", "--workspace"]).map(|(v, _)| v), Some(Version(1, 97, 0)));
        // No selection: the default members.
        assert_eq!(needs(&["build"]).map(|(v, _)| v), Some(Version(1, 97, 0)));
    }

    /// This workspace as declared: the crates on wasmtime need more than the wasm crates.
    #[test]
    fn this_workspace_declares_what_each_build_needs() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let workspace = super::workspace(root).unwrap();
        let wasm = requirement(workspace, &["build", "--target", "wasm32-wasip2", "-p", "sqlite-lib", "-p", "sqlink-cli", "-p", "md5-ext"]);
        let native = requirement(workspace, &["test", "--workspace", "--exclude", "sqlite-lib", "--exclude", "sqlink-loadable"]);
        let loadable = requirement(workspace, &["build", "-p", "sqlink-loadable"]);
        assert!(wasm.clone().unwrap().0 < native.clone().unwrap().0, "{wasm:?} {native:?}");
        assert_eq!(native.unwrap().0, loadable.unwrap().0);
    }
}
