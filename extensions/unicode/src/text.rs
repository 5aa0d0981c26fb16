//! How sqlean's unicode module reads and writes text: its case functions and `unaccent` work on
//! the UTF-16 form SQLite translates the argument into, one code unit at a time; `like` and
//! the NOCASE collation decode UTF-8 themselves. Both decoders accept any bytes, as SQLite's
//! do, so blobs that are not UTF-8 give the same answers as in sqlean.

use crate::tables::{FOLD, UNACCENT};

/// What a table maps `unit` to; `unit` itself when it is not listed.
pub fn map_unit(table: &[(u16, u16)], unit: u16) -> u16 {
    match table.binary_search_by_key(&unit, |&(from, _)| from) {
        Ok(i) => table[i].1,
        Err(_) => unit,
    }
}

/// The code units `unit` decomposes into without accents, if it has any.
pub fn unaccented(unit: u16) -> Option<&'static [u16]> {
    UNACCENT.binary_search_by_key(&unit, |&(from, _)| from).ok().map(|i| UNACCENT[i].1)
}

/// The character starting at `z[*pos]` as SQLite's UTF-8 decoders read it, before their
/// validity check: a lead byte takes every continuation byte that follows (32-bit arithmetic
/// wraps, as in C); any other byte, a stray continuation byte included, stands for itself.
/// `None` past the end, where a C string has its terminator.
fn read_raw(z: &[u8], pos: &mut usize) -> Option<(u32, bool)> {
    let lead = *z.get(*pos)?;
    *pos += 1;
    if lead < 0xc0 {
        return Some((u32::from(lead), false));
    }
    // The payload bits of the lead byte (SQLite's sqlite3Utf8Trans1 table).
    let mut c = u32::from(match lead {
        0xc0..=0xdf => lead & 0x1f,
        0xe0..=0xef => lead & 0x0f,
        0xf0..=0xf7 => lead & 0x07,
        0xf8..=0xfb => lead & 0x03,
        0xfc..=0xfd => lead & 0x01,
        _ => 0,
    });
    while let Some(&next) = z.get(*pos) {
        if next & 0xc0 != 0x80 {
            break;
        }
        c = (c << 6).wrapping_add(u32::from(next & 0x3f));
        *pos += 1;
    }
    Some((c, true))
}

/// Whether a multi-byte sequence's value is refused (becomes U+FFFD): an overlong form of
/// ASCII, a surrogate, U+FFFE or U+FFFF.
fn refused(c: u32) -> bool {
    c < 0x80 || c & 0xFFFF_F800 == 0xD800 || c & 0xFFFF_FFFE == 0xFFFE
}

/// One character as sqlean's LIKE and NOCASE decode it (0 past the end). Its accumulator is
/// a C `int`, so a wrapped value with the top bit set is negative, hence refused too.
pub fn read_utf8(z: &[u8], pos: &mut usize) -> u32 {
    match read_raw(z, pos) {
        None => 0,
        Some((c, true)) if refused(c) || c >= 0x8000_0000 => 0xFFFD,
        Some((c, _)) => c,
    }
}

/// The bytes before the first 0, where SQLite's and sqlean's C strings end.
pub fn c_string(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(end) => &bytes[..end],
        None => bytes,
    }
}

/// `sqlite3_value_text16` of text (or of a blob, read as UTF-8) up to its first 0 code unit:
/// each character as UTF-16; a value beyond U+10FFFF (only from bytes that are not UTF-8)
/// as the surrogate pair SQLite's bit masking makes of it. SQLite's translator decodes with
/// an unsigned accumulator, so a wrapped value is not refused for its sign.
pub fn utf16_units(bytes: &[u8]) -> Vec<u16> {
    let z = c_string(bytes);
    let mut units = Vec::with_capacity(z.len());
    let mut pos = 0;
    while let Some((raw, multibyte)) = read_raw(z, &mut pos) {
        let c = if multibyte && refused(raw) { 0xFFFD } else { raw };
        if c <= 0xFFFF {
            units.push(c as u16);
        } else {
            let offset = c.wrapping_sub(0x10000);
            units.push(0xD800 | ((offset >> 10) & 0x3FF) as u16);
            units.push(0xDC00 | (c & 0x3FF) as u16);
        }
    }
    units
}

/// A UTF-16 result as SQLite returns it in UTF-8: a leading U+FEFF is taken for a byte-order
/// mark and dropped (sqlite3_result_text16 does so).
pub fn utf16_result(units: &[u16]) -> String {
    let units = units.strip_prefix(&[0xFEFF]).unwrap_or(units);
    // Only pairs are made above and the tables map no code unit into or out of the surrogate
    // range, so this never substitutes anything.
    String::from_utf16_lossy(units)
}

/// The key LIKE and NOCASE compare characters by: the first code unit of the character's
/// unaccented form, case-folded. A character beyond the BMP is cut to its low 16 bits first,
/// as sqlean passes it to 16-bit functions.
pub fn compare_key(c: u32) -> u32 {
    let unit = c as u16;
    let base = if unit < 0x80 { unit } else { unaccented(unit).map_or(unit, |units| units[0]) };
    u32::from(map_unit(FOLD, base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_as_sqlite() {
        let read_all = |z: &[u8]| {
            let mut pos = 0;
            let mut out = Vec::new();
            while pos < z.len() {
                out.push(read_utf8(z, &mut pos));
            }
            out
        };
        assert_eq!(read_all("aé😀".as_bytes()), [0x61, 0xE9, 0x1F600]);
        assert_eq!(read_all(b"\xa9\xff"), [0xA9, 0xFFFD], "a stray continuation byte; a lone 0xFF");
        assert_eq!(read_all(b"\xc1\x81"), [0xFFFD], "overlong 'A'");
        assert_eq!(read_all(b"\xed\xa0\x80"), [0xFFFD], "a surrogate");
        assert_eq!(read_all(b"\xef\xbf\xbe"), [0xFFFD], "U+FFFE");
        let mut pos = 0;
        assert_eq!(read_utf8(b"", &mut pos), 0, "the terminator");
    }

    #[test]
    fn utf16_of_any_bytes() {
        assert_eq!(utf16_units("a😀".as_bytes()), [0x61, 0xD83D, 0xDE00]);
        assert_eq!(utf16_units(b"ab\0cd"), [0x61, 0x62], "ends at the first 0");
        assert_eq!(utf16_units(b"\xf7\xbf\xbf\xbf"), [0xDBBF, 0xDFFF], "beyond U+10FFFF: masked into a pair");
        assert_eq!(utf16_result(&[0xFEFF, 0xFEFF, 0x61]), "\u{feff}a");
    }

    #[test]
    fn keys() {
        assert_eq!(compare_key('A' as u32), 'a' as u32);
        assert_eq!(compare_key('É' as u32), 'e' as u32);
        assert_eq!(compare_key('Ж' as u32), 'ж' as u32);
        assert_eq!(compare_key(0x10000), 0, "cut to 16 bits");
    }
}
