use sqlink_sdk::sqlite_table_function;

/// One number is not rows.
#[sqlite_table_function(columns(value))]
pub fn answer() -> i64 {
    42
}

fn main() {}
