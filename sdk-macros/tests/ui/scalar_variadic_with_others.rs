use sqlink_sdk::{sqlite_scalar, Value};

#[sqlite_scalar]
fn concat_with(separator: &str, rest: &[Value]) -> String {
    let _ = rest;
    separator.to_owned()
}

fn main() {}
