use std::collections::HashMap;

use sqlink_sdk::sqlite_scalar;

#[sqlite_scalar]
fn lookup(map: HashMap<String, String>, key: &str) -> Option<String> {
    map.get(key).cloned()
}

fn main() {}
