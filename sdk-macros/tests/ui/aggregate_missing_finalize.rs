use sqlink_sdk::sqlite_aggregate;

#[derive(Default)]
struct Total(i64);

#[sqlite_aggregate]
impl Total {
    fn step(&mut self, x: i64) {
        self.0 += x;
    }
}

fn main() {}
