use sqlink_sdk::sqlite_scalar;

#[sqlite_scalar]
fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

fn main() {}
