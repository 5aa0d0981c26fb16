use sqlink_sdk::sqlite_table_function;

/// Rows made after the call cannot borrow its arguments.
#[sqlite_table_function(columns(word))]
pub fn words(text: &str) -> Vec<(String,)> {
    text.split(' ').map(|w| (w.to_owned(),)).collect()
}

fn main() {}
