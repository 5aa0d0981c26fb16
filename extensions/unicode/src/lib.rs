//! sqlean's `unicode` module (sqlite3_unicode 5.1.0.12, Unicode 5.1 tables): Unicode-aware
//! `nupper`, `nlower` and `casefold`, `unaccent`, a case- and accent-insensitive `nlike`, and
//! `unicode_version()`.
//!
//! sqlean also registers these as SQLite's own `upper`, `lower`, `like` (hence the LIKE
//! operator) and the NOCASE collation, and so does this module; a host keeps the connection's
//! own under those names unless the extension is loaded with its override.
//!
//! As in sqlean, the case functions and `unaccent` map UTF-16 code units one to one (no 'ß' ->
//! 'SS'; characters beyond the BMP are unchanged) and end at the first 0 character; LIKE and
//! NOCASE compare characters by their unaccented first code unit, case-folded.

mod like;
mod tables;
mod text;

use std::cmp::Ordering;

use sqlink_sdk::{Error, export_extension, sqlite_collation, sqlite_scalar};

use tables::{FOLD, LOWER, UPPER};
use text::{map_unit, unaccented, utf16_result, utf16_units};

/// The version of the tables, as sqlean's `unicode_version()` gives it.
pub const VERSION: &str = "5.1.0.12";

/// `x` (SQLite's text of it) with every UTF-16 code unit mapped through `table`.
fn map_text(x: &[u8], table: &[(u16, u16)]) -> String {
    let units: Vec<u16> = utf16_units(x).into_iter().map(|u| map_unit(table, u)).collect();
    utf16_result(&units)
}

/// Upper case: `nupper('привет')` is 'ПРИВЕТ'. NULL gives NULL.
#[sqlite_scalar(name = "nupper", deterministic, innocuous)]
pub fn nupper(x: Option<&[u8]>) -> Option<String> {
    x.map(|x| map_text(x, UPPER))
}

/// Lower case: `nlower('ПРИВЕТ')` is 'привет'. NULL gives NULL.
#[sqlite_scalar(name = "nlower", deterministic, innocuous)]
pub fn nlower(x: Option<&[u8]>) -> Option<String> {
    x.map(|x| map_text(x, LOWER))
}

/// Simple case folding, for comparing without regard to case. NULL gives NULL.
#[sqlite_scalar(name = "casefold", deterministic, innocuous)]
pub fn casefold(x: Option<&[u8]>) -> Option<String> {
    x.map(|x| map_text(x, FOLD))
}

/// Without accents: `unaccent('hôtel')` is 'hotel'; some characters become several ('Æ' ->
/// 'AE'). NULL gives NULL.
#[sqlite_scalar(name = "unaccent", deterministic, innocuous)]
pub fn unaccent(x: Option<&[u8]>) -> Option<String> {
    let x = x?;
    let mut units = Vec::new();
    for unit in utf16_units(x) {
        match unaccented(unit) {
            Some(plain) => units.extend_from_slice(plain),
            None => units.push(unit),
        }
    }
    Some(utf16_result(&units))
}

/// `like(pattern, string[, escape])` as sqlean computes it: NULL pattern or string gives NULL,
/// as does a NULL escape; an escape must be one character.
fn like_call(pattern: Option<&[u8]>, string: Option<&[u8]>, escape: Option<Option<&[u8]>>) -> Result<Option<bool>, Error> {
    if pattern.map_or(0, <[u8]>::len) > like::MAX_PATTERN_BYTES {
        return Err(Error::new("LIKE or GLOB pattern too complex"));
    }
    let mut escape_char = 0;
    if let Some(escape) = escape {
        let Some(escape) = escape else {
            return Ok(None);
        };
        let escape = text::c_string(escape);
        if like::char_count(escape) != 1 {
            return Err(Error::new("ESCAPE expression must be a single character"));
        }
        escape_char = text::read_utf8(escape, &mut 0);
    }
    match (pattern, string) {
        (Some(pattern), Some(string)) => Ok(Some(like::matches(text::c_string(pattern), text::c_string(string), escape_char))),
        _ => Ok(None),
    }
}

/// Case- and accent-insensitive LIKE, pattern first: `nlike('пРиВ_Т', 'привет')` is 1.
#[sqlite_scalar(name = "nlike", deterministic, innocuous)]
pub fn nlike(pattern: Option<&[u8]>, string: Option<&[u8]>) -> Result<Option<bool>, Error> {
    like_call(pattern, string, None)
}

/// `nlike` with an escape character: `nlike('10\%', '10%', '\')` is 1.
#[sqlite_scalar(name = "nlike", deterministic, innocuous)]
pub fn nlike_escape(pattern: Option<&[u8]>, string: Option<&[u8]>, escape: Option<&[u8]>) -> Result<Option<bool>, Error> {
    like_call(pattern, string, Some(escape))
}

/// The version of sqlean's Unicode tables: '5.1.0.12'.
#[sqlite_scalar(name = "unicode_version", deterministic, innocuous)]
pub fn unicode_version() -> &'static str {
    VERSION
}

/// Case- and accent-insensitive order (sqlean's NOCASE): 'É' sorts with 'e', after it when
/// longer in bytes. Replaces SQLite's own NOCASE only where the host is told to.
#[sqlite_collation(name = "NOCASE")]
pub fn nocase(a: &str, b: &str) -> Ordering {
    like::nocase_compare(a.as_bytes(), b.as_bytes()).cmp(&0)
}

// Also under SQLite's own names, as sqlean registers them: upper(), lower(), like() (so the
// LIKE operator) and NOCASE. A host keeps the connection's own unless told to replace them.
export_extension! {
    name: "unicode",
    scalars: [
        nupper,
        nupper as "upper",
        nlower,
        nlower as "lower",
        casefold,
        unaccent,
        nlike,
        nlike as "like",
        nlike_escape,
        nlike_escape as "like",
        unicode_version,
    ],
    collations: [nocase],
}

#[cfg(test)]
mod tests {
    use sqlink_sdk::Value;

    use super::*;

    fn s(x: &str) -> Option<&[u8]> {
        Some(x.as_bytes())
    }

    #[test]
    fn documented_examples() {
        assert_eq!(nupper(s("привет")).as_deref(), Some("ПРИВЕТ"));
        assert_eq!(nlower(s("ПРИВЕТ")).as_deref(), Some("привет"));
        assert_eq!(nlike(s("пРиВ_Т"), s("привет")), Ok(Some(true)));
        assert_eq!(unaccent(s("hôtel")).as_deref(), Some("hotel"));
        assert_eq!(unicode_version(), "5.1.0.12");
    }

    #[test]
    fn one_code_unit_at_a_time() {
        assert_eq!(nupper(s("straße")).as_deref(), Some("STRAßE"));
        assert_eq!(nlower(s("İ")).as_deref(), Some("i"));
        assert_eq!(casefold(s("ΣΑΣ")).as_deref(), Some("σασ"));
        assert_eq!(nupper(s("😀x")).as_deref(), Some("😀X"));
        assert_eq!(unaccent(s("Æsir ½")).as_deref(), Some("AEsir 1⁄2"));
        assert_eq!(nupper(s("ab\0cd")).as_deref(), Some("AB"));
        assert_eq!(nupper(s("\u{feff}a")).as_deref(), Some("A"), "a leading U+FEFF is dropped");
        assert_eq!(nupper(Some(b"\xe9t\xe9")).as_deref(), Some("\u{fffd}T\u{fffd}"), "bytes that are not UTF-8");
        assert_eq!(nupper(None), None);
    }

    #[test]
    fn like_arguments() {
        assert_eq!(nlike(None, s("a")), Ok(None));
        assert_eq!(nlike_escape(s("a"), s("a"), None), Ok(None));
        assert!(nlike_escape(s("a"), s("a"), s("")).is_err());
        assert!(nlike_escape(s("a"), s("a"), s("ab")).is_err());
        assert_eq!(nlike_escape(s("a|%"), s("A%"), s("|")), Ok(Some(true)));
        assert!(nlike(Some(&[b'a'; 50_001]), s("a")).is_err());
        assert_eq!(nlike(s("%"), Some(b"\xff")), Ok(Some(true)));
    }

    #[test]
    fn collation() {
        assert_eq!(nocase("Straße", "STRASSE"), Ordering::Greater, "no full folding");
        assert_eq!(nocase("ПРИВЕТ", "привет"), Ordering::Equal);
        assert_eq!(nocase("É", "e"), Ordering::Greater, "equal keys, longer bytes");
        assert_eq!(nocase("a", "B"), Ordering::Less);
    }

    #[test]
    fn sql_level_aliases_share_one_definition() {
        // `upper` and `like` are these functions under other names.
        let call = __sqlink_scalar_nupper.call;
        assert_eq!(call(&[Value::Text("ß и".into())]), Ok(Value::Text("ß И".into())));
        let like3 = __sqlink_scalar_nlike_escape.call;
        assert_eq!(like3(&[Value::Text("_".into()), Value::Text("é".into()), Value::Null]), Ok(Value::Null));
    }
}
