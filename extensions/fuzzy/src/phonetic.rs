//! Phonetic codes: Soundex, Refined Soundex, Caverphone and spellfix's phonetic hash, each
//! as sqlean computes it.

use crate::classes::{CLASS_NAME, DIGIT, L, OTHER, R, SILENT, SPACE, VOWEL, init_class, mid_class};

/// The first byte upper-cased, as C's `toupper` does; an empty string has none, and sqlean's
/// code then starts with its terminator, i.e. is empty.
fn first_upper(s: &[u8]) -> Option<u8> {
    s.first().map(u8::to_ascii_uppercase)
}

/// The Soundex digit of a letter; '0' for vowels, H, W, Y and anything else.
fn soundex_digit(c: u8) -> u8 {
    match c.to_ascii_lowercase() {
        b'b' | b'f' | b'p' | b'v' => b'1',
        b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
        b'd' | b't' => b'3',
        b'l' => b'4',
        b'm' | b'n' => b'5',
        b'r' => b'6',
        _ => b'0',
    }
}

/// Soundex: the first byte upper-cased and three digits ('A250' for 'awesome').
pub fn soundex(s: &[u8]) -> String {
    let Some(first) = first_upper(s) else {
        return String::new();
    };
    let digits: Vec<u8> = s.iter().map(|&c| soundex_digit(c)).collect();
    let mut code = vec![first];
    for i in 1..s.len() {
        if code.len() == 4 {
            break;
        }
        if digits[i] == digits[i - 1] || digits[i] == b'0' {
            continue;
        }
        // Equal digits either side of a (lowercase only, as in sqlean) 'h' or 'w' count once.
        if i > 1 && digits[i] == digits[i - 2] && matches!(s[i - 1], b'h' | b'w') {
            continue;
        }
        code.push(digits[i]);
    }
    code.resize(4, b'0');
    ascii_string(code)
}

/// The Refined Soundex digit of a byte.
fn refined_digit(c: u8) -> u8 {
    match c.to_ascii_lowercase() {
        b'b' | b'p' => b'1',
        b'f' | b'v' => b'2',
        b'c' | b'k' | b's' => b'3',
        b'g' | b'j' => b'4',
        b'q' | b'x' | b'z' => b'5',
        b'd' | b't' => b'6',
        b'l' => b'7',
        b'm' | b'n' => b'8',
        b'r' => b'9',
        _ => b'0',
    }
}

/// Refined Soundex: the first byte upper-cased, then the digit of every byte (the first
/// included) with runs of one digit written once; no length limit ('A03080' for 'awesome').
pub fn refined_soundex(s: &[u8]) -> String {
    let Some(first) = first_upper(s) else {
        return String::new();
    };
    let mut code = vec![first];
    let mut prev = None;
    for &c in s {
        let digit = refined_digit(c);
        if prev != Some(digit) {
            code.push(digit);
            prev = Some(digit);
        }
    }
    ascii_string(code)
}

/// `s` with its prefix `old` replaced by `new`.
fn replace_start(s: String, old: &str, new: &str) -> String {
    match s.strip_prefix(old) {
        Some(rest) => format!("{new}{rest}"),
        None => s,
    }
}

/// `s` with its suffix `old` replaced by `new`.
fn replace_end(s: String, old: &str, new: &str) -> String {
    match s.strip_suffix(old) {
        Some(rest) => format!("{rest}{new}"),
        None => s,
    }
}

/// `s` with every run of `c` replaced by one `new`.
fn replace_runs(s: &str, c: char, new: char) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_run = false;
    for x in s.chars() {
        if x == c {
            if !in_run {
                out.push(new);
            }
            in_run = true;
        } else {
            out.push(x);
            in_run = false;
        }
    }
    out
}

/// Caverphone 2.0 (the rules of the Caversham Project's paper), ten characters long:
/// 'AWSM111111' for 'awesome'. Only lowercase ASCII letters are read; an empty string gives
/// an empty code, while one with no such letter gives '1111111111'.
pub fn caverphone(s: &[u8]) -> String {
    if s.is_empty() {
        return String::new();
    }
    let mut r: String = s.iter().filter(|c| c.is_ascii_lowercase()).map(|&c| char::from(c)).collect();
    r = replace_end(r, "e", "");
    for (old, new) in [("cough", "cou2f"), ("rough", "rou2f"), ("tough", "tou2f"), ("enough", "enou2f"), ("trough", "trou2f"), ("gn", "2n")]
    {
        r = replace_start(r, old, new);
    }
    r = replace_end(r, "mb", "m2");
    let everywhere = [
        ("cq", "2q"),
        ("ci", "si"),
        ("ce", "se"),
        ("cy", "sy"),
        ("tch", "2ch"),
        ("c", "k"),
        ("q", "k"),
        ("x", "k"),
        ("v", "f"),
        ("dg", "2g"),
        ("tio", "sio"),
        ("tia", "sia"),
        ("d", "t"),
        ("ph", "fh"),
        ("b", "p"),
        ("sh", "s2"),
        ("z", "s"),
    ];
    for (old, new) in everywhere {
        r = r.replace(old, new);
    }
    for vowel in ["a", "e", "i", "o", "u"] {
        r = replace_start(r, vowel, "A");
    }
    for vowel in ["a", "e", "i", "o", "u"] {
        r = r.replace(vowel, "3");
    }
    r = r.replace('j', "y");
    r = replace_start(r, "y3", "Y3");
    r = replace_start(r, "y", "A");
    r = r.replace('y', "3");
    r = r.replace("3gh3", "3kh3");
    r = r.replace("gh", "22");
    r = r.replace('g', "k");
    for c in ['s', 't', 'p', 'k', 'f', 'm', 'n'] {
        r = replace_runs(&r, c, c.to_ascii_uppercase());
    }
    r = r.replace("w3", "W3");
    r = r.replace("wh3", "Wh3");
    r = replace_end(r, "w", "3");
    r = r.replace('w', "2");
    r = replace_start(r, "h", "A");
    r = r.replace('h', "2");
    r = r.replace("r3", "R3");
    r = replace_end(r, "r", "3");
    r = r.replace('r', "2");
    r = r.replace("l3", "L3");
    r = replace_end(r, "l", "3");
    r = r.replace('l', "2");
    r = r.replace('2', "");
    r = replace_end(r, "3", "A");
    r = r.replace('3', "");
    r.truncate(10);
    while r.len() < 10 {
        r.push('1');
    }
    r
}

/// spellfix's phonetic hash: each byte mapped to its class's symbol, with doubled symbols,
/// vowels beside R or L, 'w' before 'r', 'd' before 'j' or 'g', 't' before 'ch' and a
/// leading 'g' or 'k' before 'n' left out ('ABACAMA' for 'awesome'). Every byte counts,
/// non-ASCII ones by their low seven bits, so no input is refused.
pub fn phonetic_hash(s: &[u8]) -> String {
    let mut z = s;
    if z.len() > 2 && matches!(z[0], b'g' | b'k') && z[1] == b'n' {
        z = &z[1..];
    }
    let mut out: Vec<u8> = Vec::with_capacity(z.len());
    // The previous byte's class (digits let punctuation through) and the previous sounded
    // class; 0x77 is neither.
    let mut prev = 0x77;
    let mut prev_sounded = 0x77;
    let mut word_start = true;
    for (i, &c) in z.iter().enumerate() {
        let next = z.get(i + 1).copied();
        if c == b'w' && next == Some(b'r') || c == b'd' && matches!(next, Some(b'j' | b'g')) {
            continue;
        }
        if c == b't' && next == Some(b'c') && z.get(i + 2) == Some(&b'h') {
            continue;
        }
        let class = if word_start { init_class(c) } else { mid_class(c) };
        if class == SPACE || class == OTHER && prev != DIGIT {
            continue;
        }
        word_start = false;
        if class == VOWEL && (prev_sounded == R || prev_sounded == L) {
            continue;
        }
        if (class == R || class == L) && prev_sounded == VOWEL {
            // The vowel just written goes.
            out.pop();
        }
        prev = class;
        if class == SILENT {
            continue;
        }
        prev_sounded = class;
        let symbol = CLASS_NAME[usize::from(class)];
        if out.last() != Some(&symbol) {
            out.push(symbol);
        }
    }
    ascii_string(out)
}

/// The code's bytes as a string: every code above is ASCII except the first byte of a
/// Soundex code, which is the input's and was checked to be ASCII by the caller.
fn ascii_string(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples() {
        assert_eq!(caverphone(b"awesome"), "AWSM111111");
        assert_eq!(phonetic_hash(b"awesome"), "ABACAMA");
        assert_eq!(soundex(b"awesome"), "A250");
        assert_eq!(refined_soundex(b"awesome"), "A03080");
    }

    #[test]
    fn known_codes() {
        assert_eq!(soundex(b"Robert"), "R163");
        assert_eq!(soundex(b"Tymczak"), "T522");
        assert_eq!(soundex(b"Ashcraft"), "A261", "equal digits either side of an 'h' count once");
        assert_eq!(soundex(b""), "");
        assert_eq!(soundex(b"1"), "1000");
        assert_eq!(refined_soundex(b""), "");
        assert_eq!(caverphone(b""), "");
        assert_eq!(caverphone(b"123"), "1111111111");
        assert_eq!(caverphone(b"Thompson"), "AMPSN11111", "uppercase letters are dropped");
        assert_eq!(phonetic_hash(b""), "");
        assert_eq!(phonetic_hash(b"knight"), phonetic_hash(b"night"));
    }
}
