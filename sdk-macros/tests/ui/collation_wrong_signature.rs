use sqlink_sdk::sqlite_collation;

#[sqlite_collation]
fn by_length(a: &str) -> std::cmp::Ordering {
    a.len().cmp(&0)
}

fn main() {}
