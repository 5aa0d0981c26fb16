//! Transliteration to ASCII and script detection (spellfix's, as sqlean ships them). Both
//! decode UTF-8 leniently, as spellfix does: any bytes are accepted.

use crate::translit_table::TRANSLIT;

/// Decodes one character from the start of `z` (non-empty) and returns it with the number
/// of bytes it took. A lead byte (0xC0 and above) takes every continuation byte that follows,
/// however many; a stray continuation byte stands for itself (0x80..0xBF). Overlong runs
/// wrap around as spellfix's 32-bit `int` arithmetic does.
fn read_char(z: &[u8]) -> (i32, usize) {
    let lead = z[0];
    if lead < 0xc0 {
        return (i32::from(lead), 1);
    }
    // The payload bits of the lead byte: 5 for 110xxxxx, 4 for 1110xxxx, and so on.
    let mut c = i32::from(match lead {
        0xc0..=0xdf => lead & 0x1f,
        0xe0..=0xef => lead & 0x0f,
        0xf0..=0xf7 => lead & 0x07,
        0xf8..=0xfb => lead & 0x03,
        0xfc..=0xfd => lead & 0x01,
        _ => 0,
    });
    let mut size = 1;
    while size < z.len() && z[size] & 0xc0 == 0x80 {
        c = (c << 6).wrapping_add(i32::from(z[size] & 0x3f));
        size += 1;
    }
    (c, size)
}

/// The characters of `z`, decoded by `read_char`.
fn chars(mut z: &[u8]) -> impl Iterator<Item = i32> {
    std::iter::from_fn(move || {
        if z.is_empty() {
            return None;
        }
        let (c, size) = read_char(z);
        z = &z[size..];
        Some(c)
    })
}

/// The ASCII spelling of a non-ASCII code point, if the table has one.
fn lookup(c: i32) -> Option<&'static str> {
    let c = u16::try_from(c).ok()?;
    TRANSLIT.binary_search_by_key(&c, |&(from, _)| from).ok().map(|i| TRANSLIT[i].1)
}

/// `z` in ASCII: ASCII stays, other characters become their table spelling ('привет' ->
/// 'privet', 'ß' -> 'ss') or '?'. A 0 byte ends the result, as sqlean returns a C string.
pub fn transliterate(z: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(z.len());
    for c in chars(z) {
        if (0..=127).contains(&c) {
            out.push(c as u8);
        } else if c < 0 {
            // A lead byte followed by five or more continuation bytes overflows spellfix's
            // `int` into a negative value, whose low byte it stores: that byte when ASCII;
            // above 0x7F it would make the text invalid UTF-8, so '?' stands for it.
            let low = c as u8;
            out.push(if low.is_ascii() { low } else { b'?' });
        } else {
            match lookup(c) {
                Some(ascii) => out.extend_from_slice(ascii.as_bytes()),
                None => out.push(b'?'),
            }
        }
    }
    if let Some(end) = out.iter().position(|&b| b == 0) {
        out.truncate(end);
    }
    out
}

/// The ISO 15924 number of the script `z` is written in: 215 Latin (also for digits alone),
/// 220 Cyrillic, 200 Greek, 125 Hebrew, 160 Arabic; 998 for a mix, 999 for none of them.
pub fn script_code(z: &[u8]) -> i64 {
    const LATIN: u8 = 1;
    const CYRILLIC: u8 = 2;
    const GREEK: u8 = 4;
    const HEBREW: u8 = 8;
    const ARABIC: u8 = 16;
    let mut mask = 0;
    let mut digit_seen = false;
    for c in chars(z) {
        if c < 0x02af {
            // Letters and the apostrophe (classes below DIGIT) are Latin, as is anything
            // beyond ASCII up to U+02AE; a wrapped-around negative value is classified by
            // its low seven bits.
            if c >= 0x80 || crate::classes::mid_class((c & 0x7f) as u8) < crate::classes::DIGIT {
                mask |= LATIN;
            } else if (i32::from(b'0')..=i32::from(b'9')).contains(&c) {
                digit_seen = true;
            }
        } else if (0x0400..=0x04ff).contains(&c) {
            mask |= CYRILLIC;
        } else if (0x0386..=0x03ce).contains(&c) {
            mask |= GREEK;
        } else if (0x0590..=0x05ff).contains(&c) {
            mask |= HEBREW;
        } else if (0x0600..=0x06ff).contains(&c) {
            mask |= ARABIC;
        }
    }
    if mask == 0 && digit_seen {
        mask = LATIN;
    }
    match mask {
        0 => 999,
        LATIN => 215,
        CYRILLIC => 220,
        GREEK => 200,
        HEBREW => 125,
        ARABIC => 160,
        _ => 998,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples() {
        assert_eq!(transliterate("sí señor".as_bytes()), b"si senor");
        assert_eq!(transliterate("привет".as_bytes()), b"privet");
        assert_eq!(transliterate("oh my 😅".as_bytes()), b"oh my ?");
    }

    #[test]
    fn lenient_decoding() {
        assert_eq!(transliterate(b"\xc2"), b"\x02", "a lone lead byte is its payload");
        assert_eq!(transliterate(b"\xa0\xb5"), b" u", "stray continuation bytes stand for themselves");
        assert_eq!(transliterate(b"a\0b"), b"a");
        assert_eq!(transliterate(b""), b"");
        // 0x03 then 30 bits of continuations: a negative value, whose low byte is 0xE0.
        assert_eq!(transliterate(b"\xc3\xbf\xbf\xbf\xbf\xa0"), b"?");
        // Negative again (0xFFFFFF07), with an ASCII low byte.
        assert_eq!(transliterate(b"\xc3\xbf\xbf\xbf\xbc\x87"), b"\x07");
    }

    #[test]
    fn table_is_sorted() {
        assert!(TRANSLIT.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(TRANSLIT.iter().all(|(_, to)| to.is_ascii() && !to.is_empty()));
    }

    #[test]
    fn scripts() {
        assert_eq!(script_code(b"hello"), 215);
        assert_eq!(script_code("привет".as_bytes()), 220);
        assert_eq!(script_code("γεια".as_bytes()), 200);
        assert_eq!(script_code("שלום".as_bytes()), 125);
        assert_eq!(script_code("سلام".as_bytes()), 160);
        assert_eq!(script_code("hi привет".as_bytes()), 998);
        assert_eq!(script_code(b"123"), 215);
        assert_eq!(script_code(b"!?"), 999);
        assert_eq!(script_code(b""), 999);
    }
}
