use sqlink_sdk::{export_extension, sqlite_scalar};

#[sqlite_scalar]
fn answer() -> i64 {
    42
}

#[sqlite_scalar]
fn question() -> i64 {
    6 * 9
}

export_extension! {
    name: "demo",
    scalars: [answer],
    scalars: [question],
}

fn main() {}
