//! Text that is not UTF-8 on its way to the output. SQLite keeps whatever bytes a text is
//! given and the sqlite3 shell prints them as they are, but the shell's formatting works on
//! Rust strings. So a byte that is not part of valid UTF-8 travels inside a string as one
//! character of the private-use range U+10FF80..=U+10FFFF (byte 0x80 + k as U+10FF80 + k),
//! and [`to_bytes`] turns it back into that byte when the string is written. A character of
//! that range that was really in the text travels as its own UTF-8 bytes, so it prints as
//! itself.

use std::borrow::Cow;

use crate::bindings::sqlink::wasm::spi::Page;
use crate::bindings::sqlite::extension::types::Value;

/// The character that stands for byte 0x00; only 0x80..=0xFF are ever used.
const BASE: u32 = 0x10FF00;

fn stands_for_byte(c: char) -> Option<u8> {
    let code = u32::from(c);
    (code >= BASE + 0x80).then(|| (code - BASE) as u8)
}

fn push_byte(out: &mut String, byte: u8) {
    out.push(char::from_u32(BASE + u32::from(byte)).unwrap_or(char::REPLACEMENT_CHARACTER));
}

/// Text bytes as a string for the formatting code: valid UTF-8 as it is, every other byte
/// (and every character of the range that stands for bytes) as the characters for its bytes.
pub fn from_bytes(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    while !bytes.is_empty() {
        let (valid, bad) = match std::str::from_utf8(bytes) {
            Ok(text) => (text, 0),
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                // The first `valid_up_to` bytes are valid UTF-8, so this never falls back.
                (std::str::from_utf8(valid).unwrap_or_default(), e.error_len().unwrap_or(rest.len()))
            }
        };
        for c in valid.chars() {
            if stands_for_byte(c).is_some() {
                c.encode_utf8(&mut [0; 4]).bytes().for_each(|b| push_byte(&mut out, b));
            } else {
                out.push(c);
            }
        }
        let rest = &bytes[valid.len()..];
        rest[..bad].iter().for_each(|&b| push_byte(&mut out, b));
        bytes = &rest[bad..];
    }
    out
}

/// A string from the formatting code as the bytes to write.
pub fn to_bytes(s: &str) -> Cow<'_, [u8]> {
    if !s.chars().any(|c| stands_for_byte(c).is_some()) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match stands_for_byte(c) {
            Some(byte) => out.push(byte),
            None => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    Cow::Owned(out)
}

/// How many columns a character takes in box, table, markdown and column modes. sqlite3
/// counts the bytes that do not continue a UTF-8 sequence, so a lone continuation byte
/// takes none.
pub fn display_width(c: char) -> usize {
    match stands_for_byte(c) {
        Some(byte) => usize::from(byte & 0xc0 != 0x80),
        None => 1,
    }
}

/// A page's rows with each text as the shell prints it: the texts that are not UTF-8 with
/// their own bytes, and the characters that stand for bytes escaped in the others.
pub fn printable_rows(page: Page) -> Vec<Vec<Value>> {
    let mut rows = page.rows;
    for row in &mut rows {
        for value in row.iter_mut() {
            if let Value::Text(text) = value
                && text.chars().any(|c| stands_for_byte(c).is_some())
            {
                *text = from_bytes(text.as_bytes());
            }
        }
    }
    for raw in page.raw_texts {
        if let Some(value) = rows.get_mut(raw.row as usize).and_then(|row| row.get_mut(raw.column as usize)) {
            *value = Value::Text(from_bytes(&raw.bytes));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_survive_the_round_trip() {
        let cases: [&[u8]; 6] = [b"plain", b"a\xffb", b"\x80\x80", b"q\xc3", "\u{10FF80}x\u{10FFFF}".as_bytes(), b"\xe2\x82"];
        for bytes in cases {
            assert_eq!(to_bytes(&from_bytes(bytes)).as_ref(), bytes);
        }
        assert_eq!(from_bytes("é".as_bytes()), "é");
    }

    #[test]
    fn widths_count_bytes_that_start_a_character() {
        let width = |bytes: &[u8]| from_bytes(bytes).chars().map(display_width).sum::<usize>();
        assert_eq!(width(b"a\xffb"), 3);
        assert_eq!(width(b"a\x80\x80b"), 2);
        assert_eq!(width("é\u{10FFF0}".as_bytes()), 2);
    }
}
