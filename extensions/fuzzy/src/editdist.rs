//! The spellcheck edit distance of SQLite's spellfix (sqlean's `fuzzy_editdist`): a Wagner-
//! Fischer matrix whose insertion, deletion and substitution costs depend on the characters'
//! phonetic classes and their neighbours, so 'awesome' / 'aewsme' costs 215.

use crate::classes::{B, SILENT, VOWEL, Y, init_class, mid_class};

/// Why a distance could not be computed.
#[derive(Debug, PartialEq)]
pub enum EditDistError {
    NonAscii,
    OutOfMemory,
}

/// The class of `c` after `prev` (0: `c` starts the word).
fn class(prev: u8, c: u8) -> u8 {
    if prev == 0 { init_class(c) } else { mid_class(c) }
}

/// The cost of inserting or deleting `c` between `prev` and `next`.
fn insert_or_delete_cost(prev: u8, c: u8, next: u8) -> i64 {
    let class_c = class(prev, c);
    if class_c == SILENT {
        return 1;
    }
    if prev == c {
        // A doubled letter, or a missed double.
        return 10;
    }
    if class_c == VOWEL && (prev == b'r' || next == b'r') {
        return 20;
    }
    if class_c == class(prev, prev) {
        // One more (or one fewer) of a vowel cluster, or a consonant of the same class.
        return if class_c == VOWEL { 15 } else { 50 };
    }
    100
}

/// Inserting at the end of the word costs this much less.
const FINAL_INSERT_DIVISOR: i64 = 4;

/// The cost of writing `to` where `from` was, after `prev`.
fn substitute_cost(prev: u8, from: u8, to: u8) -> i64 {
    if from == to || (to.is_ascii_alphabetic() && from == to ^ 0x20) {
        // Equal, or equal but for case.
        return 0;
    }
    let (class_from, class_to) = (class(prev, from), class(prev, to));
    if class_from == class_to {
        return 40;
    }
    let consonant = B..=Y;
    if consonant.contains(&class_from) && consonant.contains(&class_to) {
        return 75;
    }
    100
}

/// The byte at `i`, or the terminating 0 of the C string sqlean reads.
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// The cost of turning `a` into `b` (both without 0 bytes). A trailing '*' in `a` makes it a
/// prefix: what `b` has beyond the best-matching prefix is free. Only the bytes after the
/// common prefix must be ASCII.
pub fn edit_distance(a: &[u8], b: &[u8]) -> Result<i64, EditDistError> {
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    // The last byte of the common prefix: what the first differing byte follows.
    let prefix_last = if common > 0 { a[common - 1] } else { 0 };
    let (a, b) = (&a[common..], &b[common..]);
    if a.is_empty() && b.is_empty() {
        return Ok(0);
    }
    if !a.is_ascii() || !b.is_ascii() {
        return Err(EditDistError::NonAscii);
    }
    if a.is_empty() {
        let mut prev = prefix_last;
        let mut total = 0;
        for (i, &c) in b.iter().enumerate() {
            // Each appended byte's cost is divided on its own (integer division).
            total += insert_or_delete_cost(prev, c, at(b, i + 1)) / FINAL_INSERT_DIVISOR;
            prev = c;
        }
        return Ok(total);
    }
    if b.is_empty() {
        let mut prev = prefix_last;
        let mut total = 0;
        for (i, &c) in a.iter().enumerate() {
            total += insert_or_delete_cost(prev, c, at(a, i + 1));
            prev = c;
        }
        return Ok(total);
    }
    if a == b"*" {
        return Ok(0);
    }

    let n = b.len();
    // One row of costs over `b`, and the character each cell's cheapest path ended with
    // (which the next costs are relative to).
    let mut cost = Vec::new();
    cost.try_reserve_exact(n + 1).map_err(|_| EditDistError::OutOfMemory)?;
    let mut last = Vec::new();
    last.try_reserve_exact(n + 1).map_err(|_| EditDistError::OutOfMemory)?;
    cost.push(0);
    last.push(prefix_last);
    let mut prev_b = prefix_last;
    for (i, &cb) in b.iter().enumerate() {
        let c = cost[i] + insert_or_delete_cost(prev_b, cb, at(b, i + 1));
        cost.push(c);
        last.push(cb);
        prev_b = cb;
    }

    let mut prev_a = prefix_last;
    let mut ca = 0;
    for xa in 1..=a.len() {
        let last_a = xa == a.len();
        ca = a[xa - 1];
        let next_a = at(a, xa);
        if ca == b'*' && last_a {
            break;
        }
        let mut diagonal = cost[0];
        cost[0] = diagonal + insert_or_delete_cost(prev_a, ca, next_a);
        for xb in 1..=n {
            let cb = b[xb - 1];
            let next_b = at(b, xb);
            let mut insert = insert_or_delete_cost(last[xb - 1], cb, next_b);
            if last_a {
                insert /= FINAL_INSERT_DIVISOR;
            }
            // spellfix looks at `b`'s next byte here, not `a`'s.
            let delete = insert_or_delete_cost(last[xb], ca, next_b);
            let substitute = substitute_cost(last[xb - 1], ca, cb);

            let mut total = insert + cost[xb - 1];
            let mut ended_with = cb;
            if delete + cost[xb] < total {
                total = delete + cost[xb];
                ended_with = ca;
            }
            if substitute + diagonal < total {
                total = substitute + diagonal;
            }
            diagonal = cost[xb];
            cost[xb] = total;
            last[xb] = ended_with;
        }
        prev_a = ca;
    }

    if ca == b'*' {
        // A prefix pattern: the cheapest match of it against any non-empty prefix of `b`.
        Ok(cost[1..].iter().copied().min().unwrap_or(cost[1]))
    } else {
        Ok(cost[n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_example() {
        assert_eq!(edit_distance(b"awesome", b"aewsme"), Ok(215));
    }

    #[test]
    fn prefixes_and_edges() {
        assert_eq!(edit_distance(b"", b""), Ok(0));
        assert_eq!(edit_distance(b"abc", b"abc"), Ok(0));
        assert_eq!(edit_distance(b"abc", b"ABC"), Ok(0), "case is free");
        assert_eq!(edit_distance(b"*", b"anything"), Ok(0));
        assert_eq!(edit_distance("é".as_bytes(), "é".as_bytes()), Ok(0), "a common prefix is not checked");
        assert_eq!(edit_distance(b"a", "é".as_bytes()), Err(EditDistError::NonAscii));
        assert_eq!(edit_distance(b"ab", b"a"), Ok(100));
    }
}
