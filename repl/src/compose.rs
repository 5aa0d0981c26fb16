//! `sqlink compose --with md5,uuid,... -o app.wasm`: one component holding the runtime and
//! extensions, whose calls never leave it.
//!
//! The router (compose/router) serves the runtime's `spi-loader` and `dispatch` from its
//! slots, each plugged with one extension's exports (an extension lacking an interface, and
//! every unused slot, get the standalone component's empty ones). By default the standalone
//! component (compose/standalone) also fills what a sqlink host would serve, so the result
//! needs nothing but WASI; with `keep_host` those stay imports, and `.load` of other
//! extensions goes through the host.

use anyhow::{Context, Result, bail};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, NodeId};

use sqlink_host::inspect::{Interfaces, unversioned};
use sqlink_host::loader;

use crate::parts;

/// The router's slots (wit/compose/compose.wit).
pub const SLOTS: usize = 16;

/// The extension interfaces a slot takes, as `sqlite:extension/NAME@0.5.0`.
const SLOT_INTERFACES: [&str; 7] =
    ["metadata", "scalar-function", "aggregate-function", "collation", "table-function", "hooks", "virtual-table"];

/// The only contract version compose plugs in: the router's slots are its shapes.
const CONTRACT: &str = "0.5.0";
const TYPES: &str = "sqlite:extension/types@0.5.0";
/// What a host serves the runtime, all filled by the standalone component.
const HOST_INTERFACES: [&str; 7] = ["spi-loader", "dispatch", "file-locks", "shared-memory", "interrupt", "cpu-time", "process"];

fn runtime_interface(name: &str) -> String {
    format!("sqlink:wasm/{name}@0.1.0")
}

fn extension_interface(name: &str) -> String {
    format!("sqlite:extension/{name}@{CONTRACT}")
}

/// One extension to compose: its name as given and its component.
pub struct Part {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Part {
    /// A bundled name, a name on `SQLINK_PATH`, or a path, as `.load` finds it.
    pub fn find(target: &str) -> Result<Part> {
        let found = loader::find(target, &loader::search_path())?;
        Ok(Part { name: target.to_owned(), bytes: found.bytes.into_owned() })
    }

    /// Refuse what the router cannot take: another contract version, or imports beyond
    /// WASI and the contract's types (an extension running SQL imports `connection`).
    fn check(&self) -> Result<Interfaces> {
        let interfaces = Interfaces::read(&self.bytes)?;
        let version = interfaces.contract_version()?;
        if version != CONTRACT {
            bail!(
                "it is built against sqlite:extension@{version}; compose takes {CONTRACT} extensions only (rebuild it with the current SDK, or .load it)"
            );
        }
        if let Some(other) = interfaces.imports.iter().find(|name| !name.starts_with("wasi:") && name.as_str() != TYPES) {
            bail!("it imports {}, which a composed runtime does not provide (.load it instead)", unversioned(other));
        }
        Ok(interfaces)
    }
}

/// Compose `runtime` (cli + sqlite-lib) with `parts`, using the router and standalone
/// components built into this sqlink.
pub fn compose(runtime: &[u8], parts: &[Part], keep_host: bool) -> Result<Vec<u8>> {
    let router = parts::ROUTER.context("this sqlink was built without its router component; run `cargo xtask build`")?;
    let standalone = parts::STANDALONE.context("this sqlink was built without its standalone component; run `cargo xtask build`")?;
    compose_with(runtime, router, standalone, parts, keep_host)
}

/// [`compose`] with the router and standalone components given.
pub fn compose_with(runtime: &[u8], router: &[u8], standalone: &[u8], parts: &[Part], keep_host: bool) -> Result<Vec<u8>> {
    if parts.len() > SLOTS {
        bail!("compose takes at most {SLOTS} extensions, not {}", parts.len());
    }
    for (i, part) in parts.iter().enumerate() {
        if parts[..i].iter().any(|other| other.name == part.name) {
            bail!("{} is named twice", part.name);
        }
    }
    let checked =
        parts.iter().map(|part| part.check().with_context(|| format!("cannot compose {}", part.name))).collect::<Result<Vec<_>>>()?;

    let mut graph = CompositionGraph::new();
    let package = |graph: &mut CompositionGraph, name: &str, bytes: &[u8], what: &str| -> Result<_> {
        let package = Package::from_bytes(name, None, bytes.to_vec(), graph.types_mut()).with_context(|| format!("reading {what}"))?;
        graph.register_package(package).with_context(|| format!("adding {what}"))
    };
    let runtime = package(&mut graph, "sqlink:runtime", runtime, "the runtime")?;
    let router = package(&mut graph, "sqlink:router", router, "the router component")?;
    let standalone = package(&mut graph, "sqlink:standalone", standalone, "the standalone component")?;
    let mut extensions = Vec::new();
    for (k, part) in parts.iter().enumerate() {
        extensions.push(package(&mut graph, &format!("sqlink:composed{k}"), &part.bytes, &part.name)?);
    }

    let standalone = graph.instantiate(standalone);
    let fill = |graph: &mut CompositionGraph, name: &str| -> Result<NodeId> {
        graph.alias_instance_export(standalone, name).with_context(|| format!("the standalone component's {name}"))
    };
    let types = fill(&mut graph, TYPES)?;
    // Arguments a host would otherwise give: the contract's types (type-only), and the host
    // interfaces unless the host is kept.
    let give_types = |graph: &mut CompositionGraph, instance: NodeId, imports: &[String]| -> Result<()> {
        if !keep_host && imports.iter().any(|name| name == TYPES) {
            graph.set_instantiation_argument(instance, TYPES, types)?;
        }
        Ok(())
    };

    let router = graph.instantiate(router);
    let router_imports = imports_of(&graph, router);
    give_types(&mut graph, router, &router_imports)?;
    for k in 0..SLOTS {
        let extension = match extensions.get(k).zip(checked.get(k)) {
            Some((&package, interfaces)) => {
                let instance = graph.instantiate(package);
                give_types(&mut graph, instance, &interfaces.imports)?;
                Some((instance, &interfaces.exports))
            }
            None => None,
        };
        for interface in SLOT_INTERFACES {
            let export = extension_interface(interface);
            let source = match extension {
                Some((instance, exports)) if exports.contains(&export) => graph.alias_instance_export(instance, &export)?,
                _ => fill(&mut graph, &export)?,
            };
            graph
                .set_instantiation_argument(router, &format!("slot{k}-{interface}"), source)
                .with_context(|| format!("plugging {}'s {interface} into the router", parts.get(k).map_or("an empty slot", |p| &p.name)))?;
        }
    }

    let runtime = graph.instantiate(runtime);
    let runtime_imports = imports_of(&graph, runtime);
    give_types(&mut graph, runtime, &runtime_imports)?;
    for interface in HOST_INTERFACES {
        let name = runtime_interface(interface);
        let routed = ["spi-loader", "dispatch"].contains(&interface);
        if routed {
            let from_router = graph.alias_instance_export(router, &name)?;
            graph.set_instantiation_argument(runtime, &name, from_router)?;
            if !keep_host {
                let from_standalone = fill(&mut graph, &name)?;
                graph.set_instantiation_argument(router, &name, from_standalone)?;
            }
        } else if !keep_host && runtime_imports.contains(&name) {
            let from_standalone = fill(&mut graph, &name)?;
            graph.set_instantiation_argument(runtime, &name, from_standalone)?;
        }
    }

    if !keep_host {
        // The exports' types (`session`'s values) are the contract's, from the standalone
        // component's instance now: exported too, first, so the exports may name them.
        graph.export(types, TYPES)?;
    }
    for name in exports_of(&graph, runtime) {
        let export = graph.alias_instance_export(runtime, &name)?;
        graph.export(export, &name)?;
    }
    graph.encode(EncodeOptions::default()).context("encoding the composed runtime")
}

fn imports_of(graph: &CompositionGraph, instance: NodeId) -> Vec<String> {
    let package = graph[instance].package().expect("an instantiation has a package");
    graph.types()[graph[package].ty()].imports.keys().cloned().collect()
}

fn exports_of(graph: &CompositionGraph, instance: NodeId) -> Vec<String> {
    let package = graph[instance].package().expect("an instantiation has a package");
    graph.types()[graph[package].ty()].exports.keys().cloned().collect()
}

/// `sqlink compose --with NAME,... -o FILE [--host] [--runtime FILE]`.
pub fn command(args: &[String]) -> Result<i32> {
    const USAGE: &str = "usage: sqlink compose --with NAME|PATH,... -o OUT.wasm [--host] [--runtime RUNTIME.wasm]";
    let mut with = Vec::new();
    let mut out = None;
    let mut keep_host = false;
    let mut runtime_file = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--with" => with.extend(args.next().context(USAGE)?.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from)),
            "-o" | "--output" => out = Some(args.next().context(USAGE)?.clone()),
            "--host" => keep_host = true,
            "--runtime" => runtime_file = Some(args.next().context(USAGE)?.clone()),
            _ => bail!("{USAGE}"),
        }
    }
    let out = out.context(USAGE)?;
    let runtime = match &runtime_file {
        Some(path) => std::fs::read(path).with_context(|| format!("cannot read {path}"))?,
        None => sqlink_host::embedded::RUNTIME.context("this sqlink was built without its runtime; run `cargo xtask build`")?.to_vec(),
    };
    let parts =
        with.iter().map(|target| Part::find(target).with_context(|| format!("cannot compose {target}"))).collect::<Result<Vec<_>>>()?;
    let composed = compose(&runtime, &parts, keep_host)?;
    std::fs::write(&out, &composed).with_context(|| format!("writing {out}"))?;
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    eprintln!(
        "wrote {out} ({:.1} MB): the runtime with {}; {}",
        composed.len() as f64 / 1e6,
        if names.is_empty() { "no extensions".to_owned() } else { names.join(", ") },
        if keep_host { "run it with sqlink --runtime" } else { "it needs only WASI (sqlink --runtime runs it too)" }
    );
    Ok(0)
}
