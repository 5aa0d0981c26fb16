//! How a collation compares once the extension that declared it is gone (unloaded while a
//! statement that uses it still runs, or no longer loaded in the host): as SQLite's own
//! BINARY, byte for byte, so that sorting and comparisons stay consistent (never "equal",
//! which would make every row the same). Every host applies this: the dispatch bridge, the
//! runtime's `dispatch` host, `embed`, and the page (`browser/src/rules.js`, tested against
//! the same cases in `rules/cases.json`).

use std::cmp::Ordering;

/// `a` against `b` as SQLite's BINARY collation: negative, zero or positive.
pub fn compare_unloaded(a: &[u8], b: &[u8]) -> i32 {
    match a.cmp(b) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_bytes_as_binary_does() {
        assert_eq!(compare_unloaded(b"B", b"a"), -1);
        assert_eq!(compare_unloaded(b"ab", b"a"), 1);
        assert_eq!(compare_unloaded(b"x", b"x"), 0);
    }
}
