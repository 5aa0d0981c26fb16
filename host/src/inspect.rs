//! A component's top-level imports and exports, read from its bytes without compiling it:
//! what is plainly not an extension is refused before compilation, which takes seconds for a
//! component with a language runtime inside.

use anyhow::{Context, Result};
use wasmparser::{Parser, Payload};

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

    /// Whether it exports `interface` (a name without its version, e.g. "sqlite:extension/metadata").
    pub fn exports(&self, interface: &str) -> bool {
        self.exports.iter().any(|name| unversioned(name) == interface)
    }
}

/// "wasi:cli/stdin@0.2.6" without "@0.2.6".
pub fn unversioned(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}
