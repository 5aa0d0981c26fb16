use sqlink_sdk::sqlite_aggregate;

#[derive(Default)]
struct Words(Vec<String>);

#[sqlite_aggregate]
impl Words {
    fn step(&mut self, word: String) {
        self.0.push(word);
    }

    fn finalize(self) -> Vec<String> {
        self.0
    }
}

fn main() {}
