//! Character case as sqlean's text module has it: one character to one character, for the
//! Basic Multilingual Plane only, with sqlean's choices (ß upper-cases to ẞ, the titlecase
//! digraphs ǅ ǈ ǋ ǲ and the Roman numerals and circled letters keep their case, …).

use std::cmp::Ordering;

use crate::tables::{FOLD, LOWER, UPPER, WORD};

fn lookup(table: &[(u16, u16, u8, i32)], c: char) -> char {
    let Ok(code) = u16::try_from(u32::from(c)) else { return c };
    // The last run starting at or before `code`.
    let at = table.partition_point(|&(first, ..)| first <= code);
    let Some(&(first, last, step, delta)) = at.checked_sub(1).map(|i| &table[i]) else { return c };
    if code > last || (code - first) % u16::from(step) != 0 {
        return c;
    }
    u32::try_from(i64::from(code) + i64::from(delta)).ok().and_then(char::from_u32).unwrap_or(c)
}

pub fn to_upper(c: char) -> char {
    lookup(&UPPER, c)
}

pub fn to_lower(c: char) -> char {
    lookup(&LOWER, c)
}

/// Simple case folding: what text_like and the text_nocase collation compare.
pub fn fold(c: char) -> char {
    lookup(&FOLD, c)
}

/// Letters and digits of the scripts sqlean knows, and `_`: text_title capitalizes a
/// character that follows anything else.
pub fn is_word(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    let Ok(code) = u16::try_from(u32::from(c)) else { return false };
    WORD.binary_search_by(|&(lo, hi)| {
        if hi < code {
            Ordering::Less
        } else if lo > code {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    })
    .is_ok()
}

/// Title case: the first character of each word upper, the rest lower.
pub fn to_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start_of_word = true;
    for c in s.chars() {
        out.push(if start_of_word { to_upper(c) } else { to_lower(c) });
        start_of_word = !is_word(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_follow_sqlean() {
        assert_eq!(to_upper('a'), 'A');
        assert_eq!(to_upper('é'), 'É');
        assert_eq!(to_upper('ß'), 'ẞ');
        assert_eq!(to_upper('ǅ'), 'ǅ');
        assert_eq!(to_upper('ā'), 'Ā');
        assert_eq!(to_upper('Ā'), 'Ā');
        assert_eq!(to_upper('ı'), 'I');
        assert_eq!(to_upper('ɐ'), 'Ɐ');
        assert_eq!(to_upper('ⅰ'), 'ⅰ');
        assert_eq!(to_lower('Σ'), 'σ');
        assert_eq!(to_lower('İ'), 'i');
        assert_eq!(to_lower('\u{212A}'), 'k', "Kelvin sign");
        assert_eq!(to_lower('𐐀'), '𐐀', "beyond the BMP nothing maps");
        assert_eq!(fold('ς'), 'σ');
        assert_eq!(fold('ſ'), 's');
        assert_eq!(fold('İ'), 'İ');
        assert_eq!(fold('Ǆ'), 'ǆ');
        assert_eq!(fold('1'), '1');
    }

    #[test]
    fn words_and_titles() {
        assert!(is_word('a') && is_word('_') && is_word('7') && is_word('é') && is_word('ж'));
        assert!(!is_word(' ') && !is_word('-') && !is_word('\'') && !is_word('🙂') && !is_word('𐐀'));
        assert_eq!(to_title("hello wORLD o'neil x-y 1abc"), "Hello World O'Neil X-Y 1abc");
        assert_eq!(to_title("cómo estás"), "Cómo Estás");
    }
}
