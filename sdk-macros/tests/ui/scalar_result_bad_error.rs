use sqlink_sdk::sqlite_scalar;

struct NotAnError;

#[sqlite_scalar]
fn half(x: i64) -> Result<i64, NotAnError> {
    if x % 2 == 0 { Ok(x / 2) } else { Err(NotAnError) }
}

fn main() {}
