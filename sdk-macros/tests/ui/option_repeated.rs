use sqlink_sdk::sqlite_scalar;

#[sqlite_scalar(deterministic, deterministic)]
fn answer() -> i64 {
    42
}

fn main() {}
