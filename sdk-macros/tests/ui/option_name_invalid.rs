use sqlink_sdk::sqlite_scalar;

#[sqlite_scalar(name = "1abc")]
fn answer() -> i64 {
    42
}

fn main() {}
