use sqlink_sdk::sqlite_scalar;

#[sqlite_scalar]
fn length(s: impl AsRef<str>) -> i64 {
    s.as_ref().len() as i64
}

fn main() {}
