use sqlink_sdk::sqlite_scalar;

#[sqlite_scalar(name = 3)]
fn answer() -> i64 {
    42
}

fn main() {}
