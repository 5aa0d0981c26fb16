use sqlink_sdk::sqlite_table_function;

#[sqlite_table_function(columns(n), columns(m))]
fn numbers(stop: i64) -> Vec<(i64,)> {
    (0..stop).map(|n| (n,)).collect()
}

fn main() {}
