use sqlink_sdk::sqlite_scalar;

#[sqlite_scalar]
fn length(self) -> i64 {
    0
}

fn main() {}
