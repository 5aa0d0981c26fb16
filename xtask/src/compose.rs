//! The composed runtime: cli + sqlite-lib wired with wac-graph.
//!
//! sqlite-lib's `spi` and `dispatch-bridge` exports satisfy the cli's imports. The result
//! exports `wasi:cli/run` (the REPL on stdin), `session` (the REPL one call at a time) and
//! re-exports `dispatch-bridge`; it imports
//! `spi-loader`, `dispatch`, the type-only `sqlite:extension/types`, and WASI.

use std::path::Path;

use anyhow::{Context, Result};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

const SPI: &str = "sqlink:wasm/spi@0.1.0";
const BRIDGE: &str = "sqlink:wasm/dispatch-bridge@0.1.0";
const SESSION: &str = "sqlink:wasm/session@0.1.0";

pub fn runtime(cli: &Path, sqlite_lib: &Path) -> Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let cli = Package::from_file("sqlink:cli", None, cli, graph.types_mut()).context("reading the cli component")?;
    let lib = Package::from_file("sqlink:sqlite-lib", None, sqlite_lib, graph.types_mut()).context("reading the sqlite-lib component")?;
    let run = graph.types()[cli.ty()]
        .exports
        .keys()
        .find(|name| name.starts_with("wasi:cli/run@"))
        .cloned()
        .context("the cli component does not export wasi:cli/run")?;
    let cli = graph.register_package(cli)?;
    let lib = graph.register_package(lib)?;

    let lib_instance = graph.instantiate(lib);
    let cli_instance = graph.instantiate(cli);
    let spi = graph.alias_instance_export(lib_instance, SPI)?;
    graph.set_instantiation_argument(cli_instance, SPI, spi)?;
    let bridge = graph.alias_instance_export(lib_instance, BRIDGE)?;
    graph.set_instantiation_argument(cli_instance, BRIDGE, bridge)?;

    let run_export = graph.alias_instance_export(cli_instance, &run)?;
    graph.export(run_export, &run)?;
    let session = graph.alias_instance_export(cli_instance, SESSION)?;
    graph.export(session, SESSION)?;
    graph.export(bridge, BRIDGE)?;
    graph.encode(EncodeOptions::default()).context("encoding the composed runtime")
}
