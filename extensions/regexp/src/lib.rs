//! Regular expressions with the `regex` crate (its syntax: Perl-like, Unicode-aware, no
//! backreferences, linear time). `x REGEXP p` calls `regexp(p, x)`, which SQLite parses but
//! does not provide. NULL in gives NULL out.

use std::cell::RefCell;
use std::collections::HashMap;

use regex::Regex;
use sqlink_sdk::{Error, export_extension, sqlite_scalar, sqlite_table_function};

/// How many compiled patterns an instance keeps: a query runs the same pattern on every
/// row, so a small cache serves it; past this, the cache starts over.
const CACHED_PATTERNS: usize = 64;

thread_local! {
    static PATTERNS: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

/// Run `f` with `pattern` compiled (once per pattern).
fn with_regex<R>(pattern: &str, f: impl FnOnce(&Regex) -> R) -> Result<R, Error> {
    PATTERNS.with(|patterns| {
        let mut patterns = patterns.borrow_mut();
        if !patterns.contains_key(pattern) {
            let regex = Regex::new(pattern).map_err(|e| invalid(pattern, &e))?;
            if patterns.len() >= CACHED_PATTERNS {
                patterns.clear();
            }
            patterns.insert(pattern.to_owned(), regex);
        }
        Ok(f(&patterns[pattern]))
    })
}

/// The regex crate's message, on one line: its syntax errors draw the pattern with a caret
/// over several lines and end with "error: WHAT".
fn invalid(pattern: &str, error: &regex::Error) -> Error {
    let text = error.to_string();
    let what = text.lines().rev().find_map(|l| l.trim().strip_prefix("error: ")).map_or_else(|| text.replace('\n', " "), str::to_owned);
    Error::new(format!("invalid regular expression '{pattern}': {what}"))
}

/// 1 if `text` matches `pattern` anywhere, else 0: what `text REGEXP pattern` calls.
#[sqlite_scalar(deterministic, innocuous)]
pub fn regexp(pattern: Option<&str>, text: Option<&str>) -> Result<Option<i64>, Error> {
    regexp_like(text, pattern)
}

/// 1 if `text` matches `pattern` anywhere, else 0.
#[sqlite_scalar(deterministic, innocuous)]
pub fn regexp_like(text: Option<&str>, pattern: Option<&str>) -> Result<Option<i64>, Error> {
    let (Some(text), Some(pattern)) = (text, pattern) else { return Ok(None) };
    with_regex(pattern, |re| Some(i64::from(re.is_match(text))))
}

/// The first part of `text` that matches `pattern`, or NULL.
#[sqlite_scalar(deterministic, innocuous)]
pub fn regexp_substr(text: Option<&str>, pattern: Option<&str>) -> Result<Option<String>, Error> {
    let (Some(text), Some(pattern)) = (text, pattern) else { return Ok(None) };
    with_regex(pattern, |re| re.find(text).map(|m| m.as_str().to_owned()))
}

/// `text` with every match of `pattern` replaced by `replacement`, in which `$1` or `${name}`
/// is a group of the match and `$$` a dollar sign.
#[sqlite_scalar(deterministic, innocuous)]
pub fn regexp_replace(text: Option<&str>, pattern: Option<&str>, replacement: Option<&str>) -> Result<Option<String>, Error> {
    let (Some(text), Some(pattern), Some(replacement)) = (text, pattern, replacement) else { return Ok(None) };
    with_regex(pattern, |re| Some(re.replace_all(text, replacement).into_owned()))
}

/// Group `n` of the first match of `pattern` in `text` (0 is the whole match), or NULL if
/// nothing matches or the group took no part.
#[sqlite_scalar(name = "regexp_capture", deterministic, innocuous)]
pub fn regexp_capture_group(text: Option<&str>, pattern: Option<&str>, n: i64) -> Result<Option<String>, Error> {
    let (Some(text), Some(pattern)) = (text, pattern) else { return Ok(None) };
    let group = usize::try_from(n).map_err(|_| Error::new(format!("regexp_capture(): group {n} is not a group number")))?;
    with_regex(pattern, |re| {
        if group >= re.captures_len() {
            return Err(Error::new(format!("regexp_capture(): '{pattern}' has no group {n}")));
        }
        Ok(re.captures(text).and_then(|c| c.get(group)).map(|m| m.as_str().to_owned()))
    })?
}

/// The first match of `pattern` in `text` (group 0), or NULL.
#[sqlite_scalar(name = "regexp_capture", deterministic, innocuous)]
pub fn regexp_capture_whole(text: Option<&str>, pattern: Option<&str>) -> Result<Option<String>, Error> {
    regexp_capture_group(text, pattern, 0)
}

/// Every match of `pattern` in `text`: the matched text, and where it starts and ends as
/// character positions counted from 1, so `substr(text, start, end - start)` is the match.
#[sqlite_table_function(columns(match, start, end))]
pub fn regexp_matches(text: Option<String>, pattern: Option<String>) -> Result<Matches, Error> {
    let regex = match &pattern {
        Some(pattern) => Some(with_regex(pattern, Regex::clone)?),
        None => None,
    };
    Ok(Matches { regex, text: text.unwrap_or_default(), at: 0, previous_end: None, counted: (0, 0) })
}

/// The matches of one `regexp_matches` call, found as they are read (as `Regex::find_iter`
/// finds them, which cannot be kept between calls since it borrows the text).
pub struct Matches {
    /// None for a NULL pattern or text: no rows.
    regex: Option<Regex>,
    text: String,
    /// Where the next search starts (a byte offset).
    at: usize,
    previous_end: Option<usize>,
    /// (bytes, characters) of the text already counted, to turn offsets into positions.
    counted: (usize, usize),
}

impl Matches {
    /// The 1-based character position of byte offset `byte` (not before the last one asked).
    fn position(&mut self, byte: usize) -> i64 {
        let (bytes, chars) = self.counted;
        let chars = chars + self.text[bytes..byte].chars().count();
        self.counted = (byte, chars);
        chars as i64 + 1
    }

    fn step_over_char(&self, byte: usize) -> usize {
        byte + self.text[byte..].chars().next().map_or(1, char::len_utf8)
    }
}

impl Iterator for Matches {
    type Item = (String, i64, i64);

    fn next(&mut self) -> Option<Self::Item> {
        let regex = self.regex.as_ref()?;
        while self.at <= self.text.len() {
            let found = regex.find_at(&self.text, self.at)?;
            let (start, end) = (found.start(), found.end());
            if start == end && self.previous_end == Some(end) {
                // An empty match where the last match ended is skipped, as find_iter does.
                self.at = self.step_over_char(end);
                continue;
            }
            let matched = found.as_str().to_owned();
            self.at = if start == end { self.step_over_char(end) } else { end };
            self.previous_end = Some(end);
            let first = self.position(start);
            let after = self.position(end);
            return Some((matched, first, after));
        }
        None
    }
}

export_extension! {
    name: "regexp",
    scalars: [regexp, regexp_like, regexp_substr, regexp_replace, regexp_capture_group, regexp_capture_whole],
    table_functions: [regexp_matches],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_and_nulls() {
        assert_eq!(regexp(Some(r"\d+"), Some("abc123")).unwrap(), Some(1));
        assert_eq!(regexp(Some(r"^\d+$"), Some("abc123")).unwrap(), Some(0));
        assert_eq!(regexp(None, Some("x")).unwrap(), None);
        assert_eq!(regexp_like(Some("Grüße"), Some(r"^\w+$")).unwrap(), Some(1), "Unicode word characters");
    }

    #[test]
    fn substr_replace_capture() {
        assert_eq!(regexp_substr(Some("tel 555-1234 or 555-9876"), Some(r"\d{3}-\d{4}")).unwrap().as_deref(), Some("555-1234"));
        assert_eq!(regexp_substr(Some("none"), Some(r"\d")).unwrap(), None);
        assert_eq!(
            regexp_replace(Some("2024-01-31"), Some(r"(\d+)-(\d+)-(\d+)"), Some("$3.$2.$1")).unwrap().as_deref(),
            Some("31.01.2024")
        );
        assert_eq!(regexp_capture_group(Some("key=value"), Some(r"(\w+)=(\w+)"), 2).unwrap().as_deref(), Some("value"));
        assert_eq!(regexp_capture_whole(Some("key=value"), Some(r"\w+")).unwrap().as_deref(), Some("key"));
        assert_eq!(regexp_capture_group(Some("ab"), Some(r"(a)|(z)"), 2).unwrap(), None, "a group that took no part");
    }

    fn matches(text: &str, pattern: &str) -> Vec<(String, i64, i64)> {
        regexp_matches(Some(text.into()), Some(pattern.into())).unwrap().collect()
    }

    #[test]
    fn matches_stream_with_character_positions() {
        assert_eq!(matches("a1 bb22 ccc333", r"\d+"), [("1".into(), 2, 3), ("22".into(), 6, 8), ("333".into(), 12, 15)]);
        assert_eq!(matches("größe 12", r"\d+"), [("12".into(), 7, 9)], "positions count characters, not bytes");
        let empty: Vec<_> = regex::Regex::new("x*").unwrap().find_iter("axxb").map(|m| (m.start(), m.end())).collect();
        assert_eq!(matches("axxb", "x*").len(), empty.len(), "empty matches as find_iter has them");
        assert_eq!(matches("abc", r"\d"), []);
        assert_eq!(regexp_matches(None, Some("x".into())).unwrap().count(), 0);
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let err = regexp_like(Some("x"), Some("(")).unwrap_err();
        assert_eq!(err.message, "invalid regular expression '(': unclosed group");
        let err = regexp_capture_group(Some("x"), Some("(x)"), 2).unwrap_err();
        assert_eq!(err.message, "regexp_capture(): '(x)' has no group 2");
    }
}
