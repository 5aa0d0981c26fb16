//! sqlean's `text` module: substrings, search, split and join, trim and pad, case, and string
//! properties, with sqlean's names (and its Postgres-style aliases), arities, NULL handling,
//! results and error messages.
//!
//! Characters are Unicode code points and positions count from 1. Any argument converts to
//! text as `sqlite3_value_text` does (numbers as SQLite prints them, blobs as their bytes);
//! positions and counts must be integers. A NULL string argument gives NULL. As in sqlean,
//! the character functions see a string up to its first NUL, while the byte functions
//! (`text_contains`, `text_count`, `text_replace`, `text_join`, …) see all of it and return
//! their result up to its first NUL.
//!
//! Where sqlean has a bug, sqlink differs on purpose (python/tests/test_catalog_text.py names
//! each): `text_like`'s `%` matches no characters too, also before more pattern (sqlean's must
//! take one there); the case functions convert characters whose other case is longer or
//! shorter in UTF-8 (sqlean overwrites the next character, or crashes); blob bytes that are
//! not UTF-8 read as U+FFFD (sqlean reads past the value); and a result longer than SQLite
//! allows is refused before it is built.

use std::cmp::Ordering;

use sqlink_sdk::{Error, Value, export_extension, sqlite_collation, sqlite_scalar};

mod case;
mod runes;
mod sqlvalue;
mod tables;

use runes::{len_i32, runes, size_t, slice, substring};
use sqlvalue::{MAX_LENGTH, c_text_value, int_arg, text_of, text_value, too_big, until_nul};

const START_NOT_INT: &str = "start parameter should be integer";
const END_NOT_INT: &str = "end parameter should be integer";
const LENGTH_NOT_INT: &str = "length parameter should be integer";
const COUNT_NOT_INT: &str = "count parameter should be integer";
const PART_NOT_INT: &str = "part parameter should be integer";

/// Return NULL from the function when an argument is NULL.
macro_rules! text_or_null {
    ($value:expr) => {
        match text_of($value) {
            Some(text) => text,
            None => return Ok(Value::Null),
        }
    };
}

fn text(runes: &[char]) -> Value {
    Value::Text(runes::to_string(runes))
}

// ---------------------------------------------------------------------------------------
// Substrings and slicing

/// `text_substring(str, start)`: the characters from `start` (1-based; less than 1 counts as
/// 1) to the end.
#[sqlite_scalar(name = "text_substring", deterministic, innocuous)]
pub fn text_substring2(s: &Value, start: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let start = int_arg(start, START_NOT_INT)?;
    let r = runes(&src);
    Ok(text(slice(&r, if start > 0 { start - 1 } else { 0 }, len_i32(&r))))
}

/// `text_substring(str, start, length)`: `length` characters from `start` (1-based); as in
/// Postgres, positions before 1 still count towards `length`.
#[sqlite_scalar(name = "text_substring", deterministic, innocuous)]
pub fn text_substring3(s: &Value, start: &Value, length: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let mut start = int_arg(start, START_NOT_INT)?;
    let mut length = int_arg(length, LENGTH_NOT_INT)?;
    if length < 0 {
        return Err(Error::new("length parameter should >= 0"));
    }
    // sqlean's C `start - 1` wraps at -2^31.
    start = start.wrapping_sub(1);
    if start < 0 {
        length += start;
        start = 0;
    }
    if length <= 0 {
        return Ok(Value::Text(String::new()));
    }
    let r = runes(&src);
    let length = length.min(len_i32(&r));
    Ok(text(substring(&r, size_t(start), size_t(length))))
}

/// `start` (1-based, or negative from the end) as a 0-based slice position.
fn slice_position(position: i32) -> i32 {
    if position > 0 { position - 1 } else { position }
}

/// `text_slice(str, start)`: the characters from `start` (1-based; negative counts from the
/// end) to the end.
#[sqlite_scalar(name = "text_slice", deterministic, innocuous)]
pub fn text_slice2(s: &Value, start: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let start = slice_position(int_arg(start, START_NOT_INT)?);
    let r = runes(&src);
    Ok(text(slice(&r, start, len_i32(&r))))
}

/// `text_slice(str, start, end)`: the characters from `start` to `end` (exclusive), both
/// 1-based or negative from the end.
#[sqlite_scalar(name = "text_slice", deterministic, innocuous)]
pub fn text_slice3(s: &Value, start: &Value, end: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let start = slice_position(int_arg(start, START_NOT_INT)?);
    let end = slice_position(int_arg(end, END_NOT_INT)?);
    Ok(text(slice(&runes(&src), start, end)))
}

/// `text_left(str, length)`: the first `length` characters; for a negative `length`, all but
/// the last `|length|`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_left(s: &Value, length: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let mut length = int_arg(length, LENGTH_NOT_INT)?;
    let r = runes(&src);
    if length < 0 {
        length = (len_i32(&r) + length).max(0);
    }
    Ok(text(substring(&r, 0, size_t(length))))
}

/// `text_right(str, length)`: the last `length` characters; for a negative `length`, all but
/// the first `|length|`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_right(s: &Value, length: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let length = int_arg(length, LENGTH_NOT_INT)?;
    let r = runes(&src);
    let n = len_i32(&r);
    let length = if length < 0 { n + length } else { length };
    // sqlean's C `n - length` wraps for a length near -2^31 (giving the whole string).
    let start = n.wrapping_sub(length).max(0);
    Ok(text(substring(&r, size_t(start), size_t(length))))
}

// ---------------------------------------------------------------------------------------
// Search and match

/// `text_index(str, other)`: the position (1-based) of the first `other` in `str`, or 0.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_index(s: &Value, other: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let other = text_or_null!(other);
    let found = runes::index(&runes(&src), &runes(&other));
    Ok(Value::Integer(found.map_or(0, |i| i as i64 + 1)))
}

/// `text_last_index(str, other)`: the position (1-based) of the last `other` in `str`, or 0.
/// An empty `other` is found at the end: the length of `str`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_last_index(s: &Value, other: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let other = text_or_null!(other);
    let (src, other) = (runes(&src), runes(&other));
    if other.is_empty() {
        return Ok(Value::Integer(src.len() as i64));
    }
    Ok(Value::Integer(runes::last_index(&src, &other).map_or(0, |i| i as i64 + 1)))
}

/// Where `needle` first occurs in `haystack` at or after `from` (bytes).
fn find_bytes(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from);
    }
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

/// How many times `needle` occurs in `haystack` without overlapping; never for an empty one.
fn count_bytes(haystack: &[u8], needle: &[u8]) -> usize {
    let mut count = 0;
    let mut at = 0;
    while !needle.is_empty()
        && let Some(found) = find_bytes(haystack, needle, at)
    {
        count += 1;
        at = found + needle.len();
    }
    count
}

/// `text_contains(str, other)`: 1 if `other` occurs in `str`, else 0.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_contains(s: &Value, other: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let other = text_or_null!(other);
    Ok(Value::Integer(find_bytes(&src, &other, 0).is_some().into()))
}

/// `text_has_prefix(str, other)`: 1 if `str` starts with `other`, else 0.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_has_prefix(s: &Value, other: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let other = text_or_null!(other);
    Ok(Value::Integer(src.starts_with(&other).into()))
}

/// `text_has_suffix(str, other)`: 1 if `str` ends with `other`, else 0.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_has_suffix(s: &Value, other: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let other = text_or_null!(other);
    Ok(Value::Integer(src.ends_with(&other).into()))
}

/// `text_count(str, other)`: how many times `other` occurs in `str`, not overlapping.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_count(s: &Value, other: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let other = text_or_null!(other);
    Ok(Value::Integer(count_bytes(&src, &other) as i64))
}

/// LIKE without an escape character: `%` matches any characters (also none), `_` any one,
/// anything else itself regardless of case (simple case folding).
fn like(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    // After the last `%` seen: where the pattern resumes, and the text position it last
    // resumed from (the `%` takes one more character at each retry).
    let mut retry: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('%') => {
                p += 1;
                retry = Some((p, t));
            }
            Some(&c) if c == '_' || case::fold(c) == case::fold(text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match retry {
                Some((resume, from)) => {
                    p = resume;
                    t = from + 1;
                    retry = Some((resume, t));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '%')
}

/// `text_like(pattern, str)`: 1 if `str` matches the LIKE `pattern` (case-insensitive).
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_like(pattern: &Value, s: &Value) -> Result<Value, Error> {
    let pattern = text_or_null!(pattern);
    let src = text_or_null!(s);
    Ok(Value::Integer(like(&runes(&pattern), &runes(&src)).into()))
}

// ---------------------------------------------------------------------------------------
// Split and join

/// Piece `part` (0-based) of `s` split at each `sep`, or empty. As in sqlean, an empty `s`
/// or a `sep` longer than `s` has no pieces, and an empty `sep` leaves `s` whole.
fn split_part<'a>(s: &'a [u8], sep: &[u8], part: u64) -> &'a [u8] {
    if s.is_empty() || sep.len() > s.len() {
        return &[];
    }
    if sep.is_empty() {
        return if part == 0 { s } else { &[] };
    }
    let mut start = 0;
    let mut index = 0;
    while let Some(found) = find_bytes(s, sep, start) {
        if index == part {
            return &s[start..found];
        }
        index += 1;
        start = found + sep.len();
    }
    if index == part { &s[start..] } else { &[] }
}

/// `text_split(str, sep, n)`: part `n` (1-based; negative counts from the end) of `str`
/// split at each `sep`, or an empty string.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_split(s: &Value, sep: &Value, n: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let sep = text_or_null!(sep);
    let part = int_arg(n, PART_NOT_INT)?;
    if part == 0 {
        return Err(Error::new("part parameter should not be 0"));
    }
    // sqlean reads both as zero-terminated strings here.
    let (src, sep) = (until_nul(&src), until_nul(&sep));
    let mut part = if part > 0 { part - 1 } else { part };
    if part < 0 {
        let parts = i32::try_from(count_bytes(src, sep)).unwrap_or(i32::MAX).saturating_add(1);
        part += parts;
    }
    // A part before the first is a huge unsigned number in sqlean: no such part.
    Ok(text_value(split_part(src, sep, size_t(part)).to_vec()))
}

/// `text_join(sep, str, ...)`: the non-NULL strings joined with `sep`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_join(args: &[Value]) -> Result<Value, Error> {
    if args.len() < 2 {
        return Err(Error::new("expected at least 2 parameters"));
    }
    let sep = text_or_null!(&args[0]);
    let parts: Vec<_> = args[1..].iter().filter_map(text_of).collect();
    Ok(c_text_value(parts.join(&sep[..])))
}

/// `text_concat(str, ...)`: the non-NULL strings, one after another.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_concat(args: &[Value]) -> Result<Value, Error> {
    if args.is_empty() {
        return Err(Error::new("expected at least 1 parameter"));
    }
    Ok(c_text_value(args.iter().filter_map(text_of).collect::<Vec<_>>().concat()))
}

/// `text_repeat(str, count)`: `str` `count` times (none for a negative count).
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_repeat(s: &Value, count: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let count = usize::try_from(int_arg(count, COUNT_NOT_INT)?).unwrap_or(0);
    if count == 0 {
        return Ok(Value::Text(String::new()));
    }
    // The result ends at the first NUL: with one in `str`, that is in the first copy.
    let unit = until_nul(&src);
    if unit.len() < src.len() {
        return Ok(text_value(unit.to_vec()));
    }
    if unit.len().checked_mul(count).is_none_or(|total| total > MAX_LENGTH) {
        return Err(too_big());
    }
    Ok(text_value(unit.repeat(count)))
}

// ---------------------------------------------------------------------------------------
// Trim and pad

/// The characters to trim or pad with: the optional argument at `at`, else a space.
/// `None` for a NULL argument.
fn chars_arg(args: &[Value], at: usize) -> Option<Vec<char>> {
    match args.get(at) {
        None => Some(vec![' ']),
        Some(value) => text_of(value).map(|t| runes(&t)),
    }
}

fn trim(args: &[Value], left: bool, right: bool) -> Result<Value, Error> {
    if !(1..=2).contains(&args.len()) {
        return Err(Error::new("expected 1 or 2 parameters"));
    }
    let src = text_or_null!(&args[0]);
    let Some(chars) = chars_arg(args, 1) else { return Ok(Value::Null) };
    let r = runes(&src);
    let (mut lo, mut hi) = (0, r.len());
    while left && lo < hi && chars.contains(&r[lo]) {
        lo += 1;
    }
    while right && hi > lo && chars.contains(&r[hi - 1]) {
        hi -= 1;
    }
    Ok(text(&r[lo..hi]))
}

/// `text_ltrim(str [,chars])`: `str` without the `chars` (default: spaces) it starts with.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_ltrim(args: &[Value]) -> Result<Value, Error> {
    trim(args, true, false)
}

/// `text_rtrim(str [,chars])`: `str` without the `chars` (default: spaces) it ends with.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_rtrim(args: &[Value]) -> Result<Value, Error> {
    trim(args, false, true)
}

/// `text_trim(str [,chars])`: `str` without the `chars` (default: spaces) at either end.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_trim(args: &[Value]) -> Result<Value, Error> {
    trim(args, true, true)
}

fn pad(args: &[Value], left: bool) -> Result<Value, Error> {
    if !(2..=3).contains(&args.len()) {
        return Err(Error::new("expected 2 or 3 parameters"));
    }
    let src = text_or_null!(&args[0]);
    let length = usize::try_from(int_arg(&args[1], LENGTH_NOT_INT)?).unwrap_or(0);
    let Some(fill) = chars_arg(args, 2) else { return Ok(Value::Null) };
    let r = runes(&src);
    if r.len() >= length {
        // Longer strings are cut to `length`, on the right for both.
        return Ok(text(&r[..length]));
    }
    if fill.is_empty() {
        return Ok(text(&r));
    }
    // Built only if SQLite could hold it: a length near 2^31 is refused before it is built.
    let missing = length - r.len();
    // In u64: on wasm32 a usize would overflow for 2^31 four-byte characters.
    let size = |chars: &[char]| chars.iter().map(|c| c.len_utf8() as u64).sum::<u64>();
    let padding_size = (missing / fill.len()) as u64 * size(&fill) + size(&fill[..missing % fill.len()]);
    if size(&r) + padding_size > MAX_LENGTH as u64 {
        return Err(too_big());
    }
    let padding = fill.iter().cycle().take(missing);
    let out: String = if left { padding.chain(&r).collect() } else { r.iter().chain(padding).collect() };
    Ok(Value::Text(out))
}

/// `text_lpad(str, length [,fill])`: `str` cut or padded on the left with `fill` (default: a
/// space) to `length` characters.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_lpad(args: &[Value]) -> Result<Value, Error> {
    pad(args, true)
}

/// `text_rpad(str, length [,fill])`: `str` cut or padded on the right with `fill` (default: a
/// space) to `length` characters.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_rpad(args: &[Value]) -> Result<Value, Error> {
    pad(args, false)
}

// ---------------------------------------------------------------------------------------
// Change case

/// `f` applied to the text before the first NUL; what follows is kept as it is (sqlean
/// returns all the bytes of the argument, converted up to the NUL).
fn change_case(value: &Value, f: impl Fn(&str) -> String) -> Result<Value, Error> {
    let src = text_or_null!(value);
    let head = until_nul(&src);
    let mut out = f(&String::from_utf8_lossy(head)).into_bytes();
    out.extend_from_slice(&src[head.len()..]);
    Ok(text_value(out))
}

/// `text_upper(str)`: `str` in upper case.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_upper(s: &Value) -> Result<Value, Error> {
    change_case(s, |s| s.chars().map(case::to_upper).collect())
}

/// `text_lower(str)`: `str` in lower case.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_lower(s: &Value) -> Result<Value, Error> {
    change_case(s, |s| s.chars().map(case::to_lower).collect())
}

/// `text_title(str)`: each word of `str` capitalized, the rest in lower case.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_title(s: &Value) -> Result<Value, Error> {
    change_case(s, case::to_title)
}

/// `text_casefold(str)`: `str` case-folded, for comparing without regard to case.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_casefold(s: &Value) -> Result<Value, Error> {
    change_case(s, |s| s.chars().map(case::fold).collect())
}

/// `text_nocase`: compares strings without regard to case, character by character; when
/// one is a prefix of the other (case aside), the one with fewer bytes sorts first.
#[sqlite_collation(name = "text_nocase")]
pub fn text_nocase(a: &str, b: &str) -> Ordering {
    for (x, y) in a.chars().zip(b.chars()) {
        let order = case::fold(x).cmp(&case::fold(y));
        if order != Ordering::Equal {
            return order;
        }
        // sqlean stops at a NUL in the second string: equal so far is equal.
        if y == '\0' {
            return Ordering::Equal;
        }
    }
    a.len().cmp(&b.len())
}

// ---------------------------------------------------------------------------------------
// Other modifications

/// `s` with the first `limit` (all for `None`) non-overlapping `old` replaced by `new`; an
/// empty `old` replaces nothing.
fn replace(s: &[u8], old: &[u8], new: &[u8], limit: Option<usize>) -> Result<Vec<u8>, Error> {
    let found = count_bytes(s, old);
    let count = limit.map_or(found, |limit| found.min(limit));
    if count == 0 {
        return Ok(s.to_vec());
    }
    let size = (s.len() - count * old.len()).checked_add(count.saturating_mul(new.len()));
    if size.is_none_or(|size| size > MAX_LENGTH) {
        return Err(too_big());
    }
    let mut out = Vec::with_capacity(size.unwrap_or(0));
    let mut at = 0;
    for _ in 0..count {
        let Some(hit) = find_bytes(s, old, at) else { break };
        out.extend_from_slice(&s[at..hit]);
        out.extend_from_slice(new);
        at = hit + old.len();
    }
    out.extend_from_slice(&s[at..]);
    Ok(out)
}

/// `text_replace(str, old, new)`: `str` with every `old` replaced by `new`.
#[sqlite_scalar(name = "text_replace", deterministic, innocuous)]
pub fn text_replace_all(s: &Value, old: &Value, new: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let old = text_or_null!(old);
    let new = text_or_null!(new);
    Ok(c_text_value(replace(&src, &old, &new, None)?))
}

/// `text_replace(str, old, new, count)`: `str` with the first `count` `old` replaced by
/// `new` (none for a negative count).
#[sqlite_scalar(name = "text_replace", deterministic, innocuous)]
pub fn text_replace_n(s: &Value, old: &Value, new: &Value, count: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let old = text_or_null!(old);
    let new = text_or_null!(new);
    let count = usize::try_from(int_arg(count, COUNT_NOT_INT)?).unwrap_or(0);
    Ok(c_text_value(replace(&src, &old, &new, Some(count))?))
}

/// `text_translate(str, from, to)`: each character of `str` found in `from` replaced by the
/// one at the same place in `to`, or removed if `to` is shorter.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_translate(s: &Value, from: &Value, to: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    let from = text_or_null!(from);
    let to = text_or_null!(to);
    let (from, to) = (runes(&from), runes(&to));
    let out: String = runes(&src)
        .into_iter()
        .filter_map(|c| match from.iter().position(|&f| f == c) {
            Some(at) => to.get(at).copied(),
            None => Some(c),
        })
        .collect();
    Ok(Value::Text(out))
}

/// `text_reverse(str)`: the characters of `str` in reverse order.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_reverse(s: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    Ok(Value::Text(runes(&src).into_iter().rev().collect()))
}

// ---------------------------------------------------------------------------------------
// String properties

/// `text_length(str)`: the number of characters.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_length(s: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    Ok(Value::Integer(runes(&src).len() as i64))
}

/// `text_size(str)`: the number of bytes.
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_size(s: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    Ok(Value::Integer(src.len() as i64))
}

/// `text_bitsize(str)`: the number of bits (8 per byte).
#[sqlite_scalar(deterministic, innocuous)]
pub fn text_bitsize(s: &Value) -> Result<Value, Error> {
    let src = text_or_null!(s);
    Ok(Value::Integer(src.len() as i64 * 8))
}

export_extension! {
    name: "text",
    scalars: [
        text_substring2,
        text_substring3,
        text_slice2,
        text_slice3,
        text_left,
        text_left as "left",
        text_right,
        text_right as "right",
        text_index,
        text_index as "strpos",
        text_last_index,
        text_contains,
        text_has_prefix,
        text_has_prefix as "starts_with",
        text_has_suffix,
        text_count,
        text_like,
        text_split,
        text_split as "split_part",
        text_join,
        text_join as "concat_ws",
        text_concat,
        text_concat as "concat",
        text_repeat,
        text_repeat as "repeat",
        text_ltrim,
        text_ltrim as "ltrim",
        text_rtrim,
        text_rtrim as "rtrim",
        text_trim,
        text_trim as "btrim",
        text_lpad,
        text_lpad as "lpad",
        text_rpad,
        text_rpad as "rpad",
        text_upper,
        text_lower,
        text_title,
        text_casefold,
        text_replace_all,
        text_replace_n,
        text_translate,
        text_translate as "translate",
        text_reverse,
        text_reverse as "reverse",
        text_length,
        text_length as "char_length",
        text_length as "character_length",
        text_size,
        text_size as "octet_length",
        text_bitsize,
        text_bitsize as "bit_length",
    ],
    collations: [text_nocase],
}

#[cfg(test)]
mod tests;
