//! Strings as arrays of characters, indexed the way sqlean's rune strings are: 0-based
//! slices with negative positions counted from the end, and C's 32-bit integer arithmetic
//! where sqlean's results depend on it (a start of 2^31 reads as -2^31).

use crate::sqlvalue::until_nul;

/// The characters of a zero-terminated string (the text up to its first NUL). Bytes that are
/// not UTF-8 (from a blob) become U+FFFD.
pub fn runes(bytes: &[u8]) -> Vec<char> {
    String::from_utf8_lossy(until_nul(bytes)).chars().collect()
}

pub fn to_string(runes: &[char]) -> String {
    runes.iter().collect()
}

/// The length as the C `int` sqlean keeps it in. No SQLite text has 2^31 characters.
pub fn len_i32(runes: &[char]) -> i32 {
    i32::try_from(runes.len()).unwrap_or(i32::MAX)
}

/// Characters `start` (inclusive) to `end` (exclusive), 0-based; a negative position counts
/// from the end; out-of-range positions are clamped, and an empty range is empty.
pub fn slice(runes: &[char], start: i32, end: i32) -> &[char] {
    let n = runes.len() as i64;
    let mut start = i64::from(start);
    if start < 0 {
        start = (start + n).max(0);
    }
    if start >= n {
        return &[];
    }
    let mut end = i64::from(end);
    if end < 0 {
        end += n;
    }
    let end = end.min(n);
    if end <= start {
        return &[];
    }
    // 0 <= start < end <= n here.
    &runes[start as usize..end as usize]
}

/// `length` characters from `start`, with sqlean's unsigned (64-bit `size_t`) arithmetic: a
/// negative `int` passed in is a huge count, and positions are cut back to `int` for
/// `slice`.
pub fn substring(runes: &[char], start: u64, length: u64) -> &[char] {
    let room = (runes.len() as u64).wrapping_sub(start);
    let length = length.min(room);
    // C converts these size_t values back to int: the low 32 bits.
    slice(runes, start as i32, start.wrapping_add(length) as i32)
}

/// The `size_t` a C `int` converts to.
pub fn size_t(i: i32) -> u64 {
    i64::from(i) as u64
}

/// The 0-based index of the first occurrence of `needle`; an empty needle is found at 0.
pub fn index(haystack: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The 0-based index of the last occurrence of `needle`.
pub fn last_index(haystack: &[char], needle: &[char]) -> Option<usize> {
    haystack.windows(needle.len().max(1)).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn s(r: &[char]) -> String {
        to_string(r)
    }

    #[test]
    fn slices_count_negative_positions_from_the_end() {
        let h = chars("hello world");
        assert_eq!(s(slice(&h, 6, 11)), "world");
        assert_eq!(s(slice(&h, -5, 11)), "world");
        assert_eq!(s(slice(&h, -5, -2)), "wor");
        assert_eq!(s(slice(&h, -50, 2)), "he");
        assert_eq!(s(slice(&h, 3, 2)), "");
        assert_eq!(s(slice(&h, 20, 30)), "");
        assert_eq!(s(slice(&[], 0, 1)), "");
    }

    #[test]
    fn substrings_use_unsigned_arithmetic() {
        let h = chars("hello");
        assert_eq!(s(substring(&h, 1, 3)), "ell");
        assert_eq!(s(substring(&h, 3, 10)), "lo");
        assert_eq!(s(substring(&h, 0, size_t(-2))), "hello", "a negative count is huge");
        assert_eq!(s(substring(&h, 9, 1)), "");
    }

    #[test]
    fn searching() {
        let h = chars("hello yellow");
        assert_eq!(index(&h, &chars("ello")), Some(1));
        assert_eq!(last_index(&h, &chars("ello")), Some(7));
        assert_eq!(index(&h, &chars("x")), None);
        assert_eq!(index(&h, &[]), Some(0));
        assert_eq!(last_index(&h, &chars("hello yellow!")), None);
    }

    #[test]
    fn runes_stop_at_nul() {
        assert_eq!(runes(b"ab\0c"), chars("ab"));
        assert_eq!(runes("日本".as_bytes()), chars("日本"));
        assert_eq!(runes(&[b'a', 0xff]), chars("a\u{fffd}"));
    }
}
