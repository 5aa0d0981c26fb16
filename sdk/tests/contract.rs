//! The SDK carries its own copy of the `sqlite:extension` contract, so that the crate can be
//! packaged and used outside this repository; `wit/extension` at the repository's root stays
//! the one source of truth, and this test keeps the copy identical to it.

use std::path::Path;

#[test]
fn the_sdk_contract_is_the_repository_contract() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = std::fs::read_to_string(root.join("wit/extension.wit")).unwrap();
    let source = std::fs::read_to_string(root.join("../wit/extension/extension.wit")).unwrap();
    assert!(copy == source, "sdk/wit/extension.wit differs from wit/extension/extension.wit: copy the latter over the former");
}
