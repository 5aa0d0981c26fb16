//! The SDK carries its own copy of the `sqlite:extension` contract, so that the crate can be
//! packaged and used outside this repository. It targets the newest released version:
//! `wit/extension/NEWEST` at the repository's root stays the one source of truth (each
//! released version is frozen in its own folder there), and this test keeps the copy
//! identical to the newest.

use std::path::Path;

#[test]
fn the_sdk_contract_is_the_newest_released_contract() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let released = root.join("../wit/extension");
    let newest = std::fs::read_dir(&released)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .max_by_key(|version| version.split('.').map(|n| n.parse::<u32>().unwrap()).collect::<Vec<_>>())
        .unwrap();
    let copy = std::fs::read_to_string(root.join("wit/extension.wit")).unwrap();
    let source = std::fs::read_to_string(released.join(&newest).join("extension.wit")).unwrap();
    assert!(
        copy == source,
        "sdk/wit/extension.wit differs from wit/extension/{newest}/extension.wit, the newest version: copy the latter over the former"
    );
}
