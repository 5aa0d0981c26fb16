use sqlink_sdk::sqlite_scalar;

#[sqlite_scalar(fast)]
fn answer() -> i64 {
    42
}

fn main() {}
