//! A component's top-level imports and exports, read from its bytes without compiling it:
//! what is plainly not an extension is refused before compilation, which takes seconds for a
//! component with a language runtime inside. Also `sqlink inspect FILE.wasm` ([`report`]).

use std::fmt::Write as _;

use anyhow::{Context, Result};
use wasmparser::{Parser, Payload};

use crate::bindings::ExtensionInfo;
use crate::extension::{Extension, ExtensionEngine, Sandbox};

/// The names a component imports and exports at its top level (nested components and
/// modules have their own, which are not the host's business).
#[derive(Debug, Default)]
pub struct Interfaces {
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

impl Interfaces {
    /// Read them from `bytes`; an error names what the bytes are instead of a component.
    pub fn read(bytes: &[u8]) -> Result<Interfaces> {
        crate::cache::check_component_bytes(bytes)?;
        let mut interfaces = Interfaces::default();
        let mut depth = 0usize;
        for payload in Parser::new(0).parse_all(bytes) {
            match payload.context("not a valid WebAssembly component")? {
                Payload::Version { .. } => depth += 1,
                Payload::End(_) => depth = depth.saturating_sub(1),
                Payload::ComponentImportSection(section) if depth == 1 => {
                    for import in section {
                        interfaces.imports.push(import.context("reading the component's imports")?.name.name.to_owned());
                    }
                }
                Payload::ComponentExportSection(section) if depth == 1 => {
                    for export in section {
                        interfaces.exports.push(export.context("reading the component's exports")?.name.name.to_owned());
                    }
                }
                _ => {}
            }
        }
        Ok(interfaces)
    }

    /// The `sqlite:extension` version it was built against (`sqlink_rules::contract`); an
    /// error for a component that exports no metadata, or only of a version this host does
    /// not load.
    pub fn contract_version(&self) -> Result<&'static str> {
        Ok(sqlink_rules::contract::version(self.exports.iter().map(String::as_str))?)
    }
}

/// "wasi:cli/stdin@0.2.6" without "@0.2.6".
pub fn unversioned(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}

/// What `sqlink inspect FILE.wasm` prints: the contract version the component was built
/// against, its exports and imports (read without compiling), and then what loading it in
/// the default sandbox gives: its metadata, or why it does not load. `compiling` is called
/// when the component is about to be compiled (not found in the cache). The error is for
/// bytes that are no component at all.
pub fn report(engine: &ExtensionEngine, bytes: &[u8], compiling: impl FnOnce()) -> Result<Report> {
    let interfaces = Interfaces::read(bytes)?;
    let version = interfaces.contract_version();
    // Loading checks everything a host checks, the shape of the metadata included.
    let loaded = match &version {
        Ok(_) => Some(Extension::load_with_notice(engine, bytes, Sandbox::default(), compiling)),
        Err(_) => None,
    };
    let contract = match (&loaded, &version) {
        (Some(Ok(extension)), _) => extension.contract().shown(),
        (_, Ok(version)) => format!("{}@{version}", sqlink_rules::contract::PACKAGE),
        (_, Err(error)) => format!("none: {error}"),
    };
    let mut text = format!("{:<9} {contract}\n", "contract");
    for (label, names) in [("exports", &interfaces.exports), ("imports", &interfaces.imports)] {
        if names.is_empty() {
            let _ = writeln!(text, "{label:<9} (none)");
        }
        for (i, name) in names.iter().enumerate() {
            let _ = writeln!(text, "{:<9} {name}", if i == 0 { label } else { "" });
        }
    }
    match &loaded {
        Some(Ok(extension)) => text.push_str(&listing(extension.info())),
        Some(Err(error)) => {
            let _ = writeln!(text, "{:<9} does not load: {error:#}", "extension");
        }
        None => {}
    }
    Ok(Report { text, loads: matches!(loaded, Some(Ok(_))) })
}

/// `sqlink inspect`'s findings, and whether the component loads as an extension.
pub struct Report {
    pub text: String,
    pub loads: bool,
}

/// An extension's metadata as `.extensions` lists it: its name and version, then each
/// function with its doc.
fn listing(info: &ExtensionInfo) -> String {
    format!("{:<9} {} {}\n{}", "extension", info.name, info.version, sqlink_rules::listing!(info).lines())
}
