use sqlink_sdk::{export_extension, sqlite_table_function};

/// Two values per row for three columns.
#[sqlite_table_function(columns(a, b, c))]
pub fn pairs(n: i64) -> Vec<(i64, i64)> {
    (0..n).map(|i| (i, i * i)).collect()
}

export_extension! { name: "pairs", table_functions: [pairs] }

fn main() {}
