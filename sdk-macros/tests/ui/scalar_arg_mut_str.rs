use sqlink_sdk::sqlite_scalar;

#[sqlite_scalar]
fn shout(s: &mut str) {
    s.make_ascii_uppercase();
}

fn main() {}
