use sqlink_sdk::sqlite_collation;

#[sqlite_collation]
fn shorter(a: &str, b: &str) -> bool {
    a.len() < b.len()
}

fn main() {}
