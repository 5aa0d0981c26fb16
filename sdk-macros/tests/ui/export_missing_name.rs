use sqlink_sdk::{export_extension, sqlite_scalar};

#[sqlite_scalar]
fn answer() -> i64 {
    42
}

export_extension! {
    version: "1.0.0",
    scalars: [answer],
}

fn main() {}
