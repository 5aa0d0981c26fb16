//! sqlean's case- and accent-insensitive LIKE (an older SQLite `patternCompare` with Unicode
//! folding) and its NOCASE comparison. Characters compare by `compare_key`.

use crate::text::{compare_key, read_utf8};

/// The longest pattern accepted, in bytes (SQLite's default SQLITE_MAX_LIKE_PATTERN_LENGTH).
pub const MAX_PATTERN_BYTES: usize = 50_000;

/// Whether `string` matches `pattern` (both C strings: no 0 byte) with `%` for any run of
/// characters, `_` for one character, and `escape` (0 for none) making the next character
/// literal. Reading past the end of either gives 0 (where sqlean reads the terminator and,
/// in rare cases, what follows it in memory).
pub fn matches(pattern: &[u8], string: &[u8], escape: u32) -> bool {
    compare(pattern, 0, string, 0, escape)
}

fn compare(pattern: &[u8], mut p: usize, string: &[u8], mut s: usize, escape: u32) -> bool {
    const ALL: u32 = b'%' as u32;
    const ONE: u32 = b'_' as u32;
    let mut prev_escape = false;
    loop {
        let mut c = read_utf8(pattern, &mut p);
        if c == 0 {
            break;
        }
        if !prev_escape && c == ALL {
            // Skip further wildcards; each '_' takes a character.
            loop {
                c = read_utf8(pattern, &mut p);
                if c == ONE {
                    if read_utf8(string, &mut s) == 0 {
                        return false;
                    }
                } else if c != ALL {
                    break;
                }
            }
            if c == 0 {
                return true;
            }
            if c == escape {
                c = read_utf8(pattern, &mut p);
                if c == 0 {
                    return false;
                }
            }
            // Try the rest of the pattern after each occurrence of `c` in the string. As in
            // sqlean, `c` is folded again on every try (so a character whose key has a key
            // of its own, like 'Ɖ' -> 'ɖ' -> 'd', matches differently after the first).
            loop {
                let mut c2 = read_utf8(string, &mut s);
                if c2 == 0 {
                    break;
                }
                c2 = compare_key(c2);
                c = compare_key(c);
                while c2 != 0 && c2 != c {
                    c2 = compare_key(read_utf8(string, &mut s));
                }
                if c2 == 0 {
                    return false;
                }
                if compare(pattern, p, string, s, escape) {
                    return true;
                }
            }
            return false;
        } else if !prev_escape && c == ONE {
            if read_utf8(string, &mut s) == 0 {
                return false;
            }
        } else if c == escape && !prev_escape {
            prev_escape = true;
        } else {
            let c2 = read_utf8(string, &mut s);
            if compare_key(c) != compare_key(c2) {
                return false;
            }
            prev_escape = false;
        }
    }
    string.get(s).is_none_or(|&b| b == 0)
}

/// The number of characters of a C string as SQLite counts them: a lead byte with the
/// continuation bytes after it is one, any other byte is one.
pub fn char_count(z: &[u8]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < z.len() {
        let lead = z[i];
        i += 1;
        if lead >= 0xc0 {
            while i < z.len() && z[i] & 0xc0 == 0x80 {
                i += 1;
            }
        }
        count += 1;
    }
    count
}

/// sqlean's NOCASE comparison (negative, 0 or positive): characters by `compare_key` over
/// the first `min(len a, len b)` bytes, then the longer string is the greater. The keys
/// compared last decide even when a multi-byte character ran past that prefix, so 'éa' >
/// 'eb': 'é' and 'e' are equal, and the 2-byte prefix is then used up.
pub fn nocase_compare(a: &[u8], b: &[u8]) -> i64 {
    let n = a.len().min(b.len());
    let (mut pa, mut pb) = (0, 0);
    let (mut ka, mut kb);
    loop {
        ka = compare_key(read_utf8(a, &mut pa));
        kb = compare_key(read_utf8(b, &mut pb));
        let consumed = pa.max(pb);
        if !(n > consumed && a.get(pa).is_some_and(|&x| x != 0) && ka == kb) {
            break;
        }
    }
    let by_key = i64::from(ka) - i64::from(kb);
    if by_key != 0 { by_key } else { a.len() as i64 - b.len() as i64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(pattern: &str, string: &str) -> bool {
        matches(pattern.as_bytes(), string.as_bytes(), 0)
    }

    #[test]
    fn documented_example() {
        assert!(like("пРиВ_Т", "привет"));
    }

    #[test]
    fn wildcards_case_and_accents() {
        assert!(like("%", ""));
        assert!(like("a%", "ABC"));
        assert!(like("%é%", "CAFE"), "accents are ignored");
        assert!(like("h_tel", "hôtel"));
        assert!(!like("a_", "a"));
        assert!(!like("abc", "abcd"));
        assert!(like("%ß", "STRASSß"));
        assert!(matches(b"10\\%", b"10%", u32::from(b'\\')));
        assert!(!matches(b"10\\%", b"100", u32::from(b'\\')));
        assert!(matches(b"a\\", b"a", u32::from(b'\\')), "a trailing escape escapes nothing");
    }

    #[test]
    fn nocase_order() {
        assert_eq!(nocase_compare(b"abc", b"ABC"), 0);
        assert!(nocase_compare("é".as_bytes(), b"e") > 0, "equal keys, longer bytes");
        assert!(nocase_compare("éa".as_bytes(), b"eb") > 0);
        assert!(nocase_compare(b"eb", "éa".as_bytes()) < 0);
        assert!(nocase_compare(b"", b"a") < 0);
        assert_eq!(nocase_compare(b"", b""), 0);
        assert!(nocase_compare("Жук".as_bytes(), "жуКи".as_bytes()) < 0);
        assert!(nocase_compare(b"B", b"a") > 0);
    }

    #[test]
    fn characters_counted_as_sqlite_does() {
        assert_eq!(char_count("é".as_bytes()), 1);
        assert_eq!(char_count(b"\\"), 1);
        assert_eq!(char_count(b""), 0);
        assert_eq!(char_count(b"\xa9\xa9"), 2, "stray continuation bytes count one each");
        assert_eq!(char_count("😀".as_bytes()), 1);
    }
}
