//! The character classes spellfix's phonetic hash and edit distance share (sqlean took both
//! from SQLite's spellfix.c): every ASCII character falls into one of 13 classes; a byte
//! beyond ASCII is classified by its low seven bits, as sqlean does.

pub const SILENT: u8 = 0;
pub const VOWEL: u8 = 1;
pub const B: u8 = 2;
pub const C: u8 = 3;
pub const D: u8 = 4;
pub const L: u8 = 6;
pub const R: u8 = 7;
pub const M: u8 = 8;
/// Y at the start of a word (class 5, `H`, is named but never assigned).
pub const Y: u8 = 9;
pub const DIGIT: u8 = 10;
pub const SPACE: u8 = 11;
pub const OTHER: u8 = 12;

/// The symbol of each class in a phonetic hash, indexed by class.
pub const CLASS_NAME: &[u8; 13] = b".ABCDHLRMY9 ?";

/// The class of a character inside a word.
pub fn mid_class(c: u8) -> u8 {
    match (c & 0x7f).to_ascii_lowercase() {
        // Only tab, form feed and carriage return count as space besides ' ' (not '\n' or
        // '\v'): spellfix's table says so.
        b'\t' | 0x0c | b'\r' | b' ' => SPACE,
        b'\'' | b'h' => SILENT,
        b'0'..=b'9' => DIGIT,
        b'a' | b'e' | b'i' | b'o' | b'u' | b'y' => VOWEL,
        b'b' | b'f' | b'p' | b'v' | b'w' => B,
        b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => C,
        b'd' | b't' => D,
        b'l' => L,
        b'r' => R,
        b'm' | b'n' => M,
        _ => OTHER,
    }
}

/// The class of a word's first character: as inside a word, except that Y is its own class
/// and an apostrophe is not silent.
pub fn init_class(c: u8) -> u8 {
    match (c & 0x7f).to_ascii_lowercase() {
        b'y' => Y,
        b'\'' => OTHER,
        _ => mid_class(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(mid_class(b'Y'), VOWEL);
        assert_eq!(init_class(b'y'), Y);
        assert_eq!(mid_class(b'\''), SILENT);
        assert_eq!(init_class(b'\''), OTHER);
        assert_eq!(mid_class(b'\n'), OTHER);
        assert_eq!(mid_class(b'\r'), SPACE);
        assert_eq!(mid_class(b'W'), B);
        assert_eq!(mid_class(0x80 | b'm'), M, "the high bit is ignored");
        assert_eq!(mid_class(0x7f), OTHER);
    }
}
