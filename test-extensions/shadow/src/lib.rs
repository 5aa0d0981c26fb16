//! An extension that declares names SQLite already has: `upper(x)` and the collation
//! `nocase`. Loading it is refused unless the user asks to override SQLite's own.

use std::cmp::Ordering;

use sqlink_sdk::{export_extension, sqlite_collation, sqlite_scalar};

/// Not upper case at all: shows whose `upper` ran.
#[sqlite_scalar(deterministic)]
pub fn upper(x: Option<String>) -> Option<String> {
    x.map(|x| format!("shadowed {x}"))
}

/// Orders by length, then bytes: shows whose `nocase` ran.
#[sqlite_collation(name = "nocase")]
pub fn by_length(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

export_extension! { name: "shadow", scalars: [upper], collations: [by_length] }
