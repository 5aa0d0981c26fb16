//! `sqlink new NAME`: a ready extension crate to start from (Cargo.toml for a small
//! component, one documented scalar with its unit test, a README with the build and `.load`
//! lines). It lives in the `sqlink` binary rather than in this repository's xtask because
//! the people who need it write extensions outside this repository, with `sqlink` at hand.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Where the new crate gets the SDK from.
pub enum Sdk {
    /// A checkout's `sdk/` directory (a path dependency).
    Path(PathBuf),
    /// The published crate, by version.
    Registry(&'static str),
}

impl Sdk {
    /// The SDK of the checkout this `sqlink` was built from, while it is still there;
    /// otherwise the published crate.
    pub fn default_for_this_build() -> Sdk {
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk");
        match checkout.canonicalize() {
            Ok(path) if path.join("Cargo.toml").is_file() => Sdk::Path(path),
            _ => Sdk::Registry(env!("CARGO_PKG_VERSION")),
        }
    }

    fn dependency(&self) -> String {
        match self {
            Sdk::Path(path) => format!("{{ path = {:?} }}", path.display().to_string()),
            Sdk::Registry(version) => format!("\"{version}\""),
        }
    }
}

/// Write a new extension crate named `name` into `dir` (which must not exist or be empty).
pub fn new_extension(name: &str, dir: &Path, sdk: &Sdk) -> Result<()> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid {
        bail!("{name:?} is not a good extension name: use lowercase letters, digits, '_' and '-', starting with a letter");
    }
    if dir.exists() && dir.read_dir().map(|mut d| d.next().is_some()).unwrap_or(true) {
        bail!("{} already exists and is not empty", dir.display());
    }
    let snake = name.replace('-', "_");
    let function = format!("{snake}_hello");
    let files = [
        ("Cargo.toml", cargo_toml(name, sdk)),
        ("src/lib.rs", lib_rs(name, &snake, &function)),
        ("README.md", readme(name, &snake, &function)),
        (".gitignore", String::from("/target\n")),
    ];
    for (file, text) in files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn cargo_toml(name: &str, sdk: &Sdk) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"

[lib]
# A WebAssembly component when built for wasm32-wasip2; `cargo test` runs natively.
crate-type = ["cdylib"]

[dependencies]
sqlink-sdk = {dependency}

[profile.release]
# Small components compile and load fast.
opt-level = "s"
lto = true
codegen-units = 1
strip = true

# A crate of its own, not a member of an enclosing workspace.
[workspace]
"#,
        dependency = sdk.dependency()
    )
}

fn lib_rs(name: &str, snake: &str, function: &str) -> String {
    format!(
        r#"//! `{name}`: a SQLite extension, built as a WebAssembly component that sqlink loads.

use sqlink_sdk::{{export_extension, sqlite_scalar}};

/// Says hello: {function}('world') is 'hello, world'.
///
/// The first line of this comment is the function's help in sqlink's `.extensions`.
/// `deterministic`: the same argument always gives the same result, so SQLite may reuse it.
#[sqlite_scalar(deterministic)]
fn {function}(name: &str) -> String {{
    format!("hello, {{name}}")
}}

export_extension! {{ name: "{snake}", scalars: [{function}] }}

#[cfg(test)]
mod tests {{
    #[test]
    fn says_hello() {{
        assert_eq!(super::{function}("world"), "hello, world");
    }}
}}
"#
    )
}

fn readme(name: &str, snake: &str, function: &str) -> String {
    format!(
        r#"# {name}

A SQLite extension written with the sqlink SDK, shipped as a sandboxed WebAssembly
component.

```sh
rustup target add wasm32-wasip2               # once
cargo test                                    # the unit tests, natively
cargo build --release --target wasm32-wasip2  # the component
```

```text
$ sqlink
sqlink> .load target/wasm32-wasip2/release/{snake}.wasm
sqlink> SELECT {function}('world');
hello, world
```

Copy `{snake}.wasm` into a directory on `SQLINK_PATH` and `.load {snake}` finds it by name.

The SDK builds it against `sqlite:extension@{contract}`, the newest version of sqlink's
contract, which every later sqlink keeps loading; `sqlink inspect
target/wasm32-wasip2/release/{snake}.wasm` shows the version and what the component exports.
"#,
        contract = sqlink_rules::contract::NEWEST
    )
}
