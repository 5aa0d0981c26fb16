use sqlink_sdk::sqlite_scalar;

#[sqlite_scalar]
fn identity<T>(x: T) -> T {
    x
}

fn main() {}
