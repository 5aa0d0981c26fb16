//! sqlean's `fuzzy` module: string distances (Damerau-Levenshtein, spellcheck edit distance,
//! Hamming, Jaro-Winkler, Levenshtein, optimal string alignment), phonetic codes (Caverphone,
//! spellfix's phonetic hash, Soundex, Refined Soundex), transliteration to ASCII and script
//! detection, each under its `fuzzy_` name and sqlean's short alias.
//!
//! Like sqlean, the functions read their arguments as SQLite's text (numbers as their text,
//! blobs as their bytes) and as C strings: a 0 byte ends the string, except for
//! `fuzzy_phonetic`, `fuzzy_translit` and `fuzzy_script`, which read every byte. The
//! distances and codes other than the phonetic hash refuse non-ASCII input, as sqlean does.

mod classes;
mod distance;
mod editdist;
mod phonetic;
mod translit;
mod translit_table;

use sqlink_sdk::{Error, codes, export_extension, sqlite_scalar};

use distance::OutOfMemory;
use editdist::EditDistError;

/// The bytes before the first 0: what a C function reading `sqlite3_value_text` sees.
fn c_string(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(end) => &bytes[..end],
        None => bytes,
    }
}

/// The two arguments of a distance as C strings; NULL or non-ASCII is an error (sqlean's
/// messages).
fn ascii_pair<'a>(x: Option<&'a [u8]>, y: Option<&'a [u8]>) -> Result<(&'a [u8], &'a [u8]), Error> {
    let (Some(x), Some(y)) = (x, y) else {
        return Err(Error::new("arguments should not be NULL"));
    };
    let (x, y) = (c_string(x), c_string(y));
    if !x.is_ascii() || !y.is_ascii() {
        return Err(Error::new("arguments should be ASCII strings"));
    }
    Ok((x, y))
}

/// The argument of a phonetic code as a C string; NULL gives `None` (a NULL result).
fn ascii_one(x: Option<&[u8]>) -> Result<Option<&[u8]>, Error> {
    match x.map(c_string) {
        Some(s) if !s.is_ascii() => Err(Error::new("argument should be ASCII string")),
        other => Ok(other),
    }
}

/// The matrix of a distance could not be allocated. sqlean does not check its allocations;
/// this is an ordinary error rather than SQLITE_NOMEM, which would read as the whole
/// connection running out of memory.
fn out_of_memory() -> Error {
    Error::with_code(codes::TOOBIG, "arguments too long for this distance")
}

impl From<OutOfMemory> for Error {
    fn from(_: OutOfMemory) -> Self {
        out_of_memory()
    }
}

/// A distance as SQLite's integer.
fn integer(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Damerau-Levenshtein distance: `fuzzy_damlev('awesome', 'aewsme')` is 2.
#[sqlite_scalar(name = "fuzzy_damlev", deterministic, innocuous)]
pub fn fuzzy_damlev(x: Option<&[u8]>, y: Option<&[u8]>) -> Result<i64, Error> {
    let (x, y) = ascii_pair(x, y)?;
    Ok(integer(distance::damerau_levenshtein(x, y)?))
}

/// Spellcheck edit distance (spellfix's costs): `fuzzy_editdist('awesome', 'aewsme')` is
/// 215. A trailing '*' in `x` makes it a prefix of `y`.
#[sqlite_scalar(name = "fuzzy_editdist", deterministic, innocuous)]
pub fn fuzzy_editdist(x: Option<&[u8]>, y: Option<&[u8]>) -> Result<i64, Error> {
    let (Some(x), Some(y)) = (x, y) else {
        return Err(Error::new("NULL input to editdist()"));
    };
    editdist::edit_distance(c_string(x), c_string(y)).map_err(|e| match e {
        EditDistError::NonAscii => Error::new("non-ASCII input to editdist()"),
        EditDistError::OutOfMemory => out_of_memory(),
    })
}

/// Hamming distance; -1 for strings of different lengths.
#[sqlite_scalar(name = "fuzzy_hamming", deterministic, innocuous)]
pub fn fuzzy_hamming(x: Option<&[u8]>, y: Option<&[u8]>) -> Result<i64, Error> {
    let (x, y) = ascii_pair(x, y)?;
    Ok(distance::hamming(x, y))
}

/// Jaro-Winkler similarity, 0 to 1.
#[sqlite_scalar(name = "fuzzy_jarowin", deterministic, innocuous)]
pub fn fuzzy_jarowin(x: Option<&[u8]>, y: Option<&[u8]>) -> Result<f64, Error> {
    let (x, y) = ascii_pair(x, y)?;
    Ok(distance::jaro_winkler(x, y))
}

/// Levenshtein distance.
#[sqlite_scalar(name = "fuzzy_leven", deterministic, innocuous)]
pub fn fuzzy_leven(x: Option<&[u8]>, y: Option<&[u8]>) -> Result<i64, Error> {
    let (x, y) = ascii_pair(x, y)?;
    Ok(integer(distance::levenshtein(x, y)?))
}

/// Optimal string alignment distance (sqlean's variant).
#[sqlite_scalar(name = "fuzzy_osadist", deterministic, innocuous)]
pub fn fuzzy_osadist(x: Option<&[u8]>, y: Option<&[u8]>) -> Result<i64, Error> {
    let (x, y) = ascii_pair(x, y)?;
    Ok(integer(distance::optimal_string_alignment(x, y)?))
}

/// Soundex code: 'A250' for 'awesome'.
#[sqlite_scalar(name = "fuzzy_soundex", deterministic, innocuous)]
pub fn fuzzy_soundex(x: Option<&[u8]>) -> Result<Option<String>, Error> {
    Ok(ascii_one(x)?.map(phonetic::soundex))
}

/// Refined Soundex code: 'A03080' for 'awesome'.
#[sqlite_scalar(name = "fuzzy_rsoundex", deterministic, innocuous)]
pub fn fuzzy_rsoundex(x: Option<&[u8]>) -> Result<Option<String>, Error> {
    Ok(ascii_one(x)?.map(phonetic::refined_soundex))
}

/// Caverphone code: 'AWSM111111' for 'awesome'.
#[sqlite_scalar(name = "fuzzy_caver", deterministic, innocuous)]
pub fn fuzzy_caver(x: Option<&[u8]>) -> Result<Option<String>, Error> {
    Ok(ascii_one(x)?.map(phonetic::caverphone))
}

/// spellfix's phonetic hash: 'ABACAMA' for 'awesome'. Reads every byte; never an error.
#[sqlite_scalar(name = "fuzzy_phonetic", deterministic, innocuous)]
pub fn fuzzy_phonetic(x: Option<&[u8]>) -> Option<String> {
    x.map(phonetic::phonetic_hash)
}

/// The ASCII transliteration of UTF-8 text: 'privet' for 'привет'; characters it has no
/// spelling for become '?'. NULL gives '' (as in sqlean).
#[sqlite_scalar(name = "fuzzy_translit", deterministic, innocuous)]
pub fn fuzzy_translit(x: Option<&[u8]>) -> String {
    // `transliterate` gives ASCII only, so this never substitutes anything.
    String::from_utf8_lossy(&translit::transliterate(x.unwrap_or_default())).into_owned()
}

/// The ISO 15924 number of the script of `x`: 215 Latin, 220 Cyrillic, 200 Greek, 125
/// Hebrew, 160 Arabic, 998 mixed, 999 none (also for NULL).
#[sqlite_scalar(name = "fuzzy_script", deterministic, innocuous)]
pub fn fuzzy_script(x: Option<&[u8]>) -> i64 {
    translit::script_code(x.unwrap_or_default())
}

// `soundex` too, as sqlean has it, although SQLite builds with SQLITE_SOUNDEX (Debian's, hence
// Python's sqlite3 and the sqlite3 shell there) define a soundex() of their own (which gives
// '?000' for '' where sqlean gives ''): a host keeps the connection's own unless told to
// replace it, and loads the rest.
export_extension! {
    name: "fuzzy",
    scalars: [
        fuzzy_damlev,
        fuzzy_damlev as "dlevenshtein",
        fuzzy_editdist,
        fuzzy_editdist as "edit_distance",
        fuzzy_hamming,
        fuzzy_hamming as "hamming",
        fuzzy_jarowin,
        fuzzy_jarowin as "jaro_winkler",
        fuzzy_leven,
        fuzzy_leven as "levenshtein",
        fuzzy_osadist,
        fuzzy_osadist as "osa_distance",
        fuzzy_soundex,
        fuzzy_soundex as "soundex",
        fuzzy_rsoundex,
        fuzzy_rsoundex as "rsoundex",
        fuzzy_caver,
        fuzzy_caver as "caverphone",
        fuzzy_phonetic,
        fuzzy_phonetic as "phonetic_hash",
        fuzzy_translit,
        fuzzy_translit as "translit",
        fuzzy_script,
        fuzzy_script as "script_code",
    ],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_and_errors_as_sqlean() {
        assert!(fuzzy_leven(None, Some(b"a")).is_err());
        assert!(fuzzy_leven(Some("é".as_bytes()), Some(b"a")).is_err());
        assert_eq!(fuzzy_leven(Some(b"ab\0zzz"), Some(b"ab")), Ok(0), "a 0 byte ends the string");
        assert!(fuzzy_editdist(Some(b"a"), None).is_err());
        assert_eq!(fuzzy_soundex(None), Ok(None));
        assert!(fuzzy_soundex(Some("é".as_bytes())).is_err());
        assert_eq!(fuzzy_soundex(Some(b"\0\xff")), Ok(Some(String::new())));
        assert_eq!(fuzzy_phonetic(Some("é".as_bytes())).as_deref(), Some("C"));
        assert_eq!(fuzzy_translit(None), "");
        assert_eq!(fuzzy_script(None), 999);
    }
}
