use sqlink_sdk::sqlite_aggregate;

#[derive(Default)]
struct Total(i64);

#[sqlite_aggregate]
impl Total {
    fn step(&self, x: i64) {
        let _ = x;
    }

    fn finalize(self) -> i64 {
        self.0
    }
}

fn main() {}
