use sqlink_sdk::sqlite_table_function;

/// Rows without column names.
#[sqlite_table_function]
pub fn numbers(n: i64) -> Vec<(i64,)> {
    (0..n).map(|i| (i,)).collect()
}

fn main() {}
