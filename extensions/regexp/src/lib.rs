//! Regular expressions with sqlean's `regexp` functions and PCRE2's pattern syntax:
//! `regexp_like`, `regexp_substr`, `regexp_capture`, `regexp_replace` (PCRE2's extended
//! replacement syntax: `$1`, `${name}`, `${1:-default}`, `\U...\E`), `regexp(pattern, text)`
//! for `text REGEXP pattern`, and the table function `regexp_matches` (sqlink's own).
//!
//! Patterns are PCRE2's (UTF and UCP, as sqlean compiles them), rewritten for fancy-regex,
//! which has lookaround, backreferences, atomic groups and possessive quantifiers (see
//! `translate`). Arguments are read as sqlean reads them: numbers as their text, text and
//! blobs up to a first NUL; a NULL text gives 0 (`regexp_like`, `regexp`) or NULL, a NULL
//! pattern is an error, and a blob that is not UTF-8 matches nothing.

mod case;
mod engine;
mod replace;
mod translate;

use std::borrow::Cow;
use std::rc::Rc;

use engine::{Compiled, Cursor, GaveUp, compiled};
use sqlink_sdk::{ArgError, Error, FromValue, Value, export_extension, sqlite_scalar, sqlite_table_function};

/// A text argument as sqlean's C code sees it.
enum CText<'a> {
    Null,
    Text(Cow<'a, str>),
    /// A blob that is not UTF-8 (PCRE2 refuses to match it).
    NotUtf8,
}

/// What `sqlite3_value_text` gives for `value` (a number's text, a blob's bytes), up to
/// the first NUL, where a C string ends.
fn c_text(value: &Value) -> CText<'_> {
    let cut = |s: &str| s.find('\0').unwrap_or(s.len());
    match value {
        Value::Null => CText::Null,
        Value::Text(s) => CText::Text(Cow::Borrowed(&s[..cut(s)])),
        Value::Blob(bytes) => {
            let bytes = &bytes[..bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len())];
            match std::str::from_utf8(bytes) {
                Ok(s) => CText::Text(Cow::Borrowed(s)),
                Err(_) => CText::NotUtf8,
            }
        }
        number => match <&str as FromValue<'_>>::convert(number) {
            Cow::Owned(Value::Text(mut s)) => {
                s.truncate(cut(&s));
                CText::Text(Cow::Owned(s))
            }
            _ => CText::NotUtf8,
        },
    }
}

/// The compiled pattern of argument `pattern` of `function` (NULL is an error).
fn pattern_of(function: &str, pattern: &Value) -> Result<Rc<Compiled>, Error> {
    compile(function, c_text(pattern))
}

fn compile(function: &str, pattern: CText<'_>) -> Result<Rc<Compiled>, Error> {
    match pattern {
        CText::Null => Err(Error::new(format!("{function}(): missing regexp pattern"))),
        CText::NotUtf8 => Err(Error::new(format!("{function}(): the pattern is not UTF-8"))),
        CText::Text(text) => compiled(&text).map_err(|why| Error::new(format!("{function}(): invalid regular expression '{text}': {why}"))),
    }
}

/// 1 if `source` matches `pattern`, else 0 (also for a NULL source); a NULL pattern is an
/// error.
fn like(function: &str, source: CText<'_>, pattern: CText<'_>) -> Result<i64, Error> {
    let source = match source {
        CText::Null => return Ok(0),
        CText::Text(text) => Some(text),
        CText::NotUtf8 => None,
    };
    let regex = compile(function, pattern)?;
    // A search that gave up found nothing, as sqlean reads PCRE2's limits; a blob that is
    // not UTF-8 matches nothing.
    Ok(source.map_or(0, |text| i64::from(regex.is_match(&text).unwrap_or(false))))
}

/// 1 if `source` matches `pattern` anywhere, else 0: what `source REGEXP pattern` calls.
#[sqlite_scalar(name = "regexp", deterministic, innocuous)]
pub fn regexp_operator(pattern: &Value, source: &Value) -> Result<i64, Error> {
    like("regexp", c_text(source), c_text(pattern))
}

/// `text REGEXP pattern` for Rust code (the benchmark's native baseline): 1 or 0, also 0 for
/// a NULL text; a NULL pattern is an error.
pub fn regexp(pattern: Option<&str>, text: Option<&str>) -> Result<Option<i64>, Error> {
    like("regexp", str_text(text), str_text(pattern)).map(Some)
}

/// A Rust string as sqlean's C code sees it: up to a first NUL.
fn str_text(s: Option<&str>) -> CText<'_> {
    s.map_or(CText::Null, |s| CText::Text(Cow::Borrowed(&s[..s.find('\0').unwrap_or(s.len())])))
}

/// 1 if `source` matches `pattern` anywhere, else 0 (also for a NULL source).
#[sqlite_scalar(deterministic, innocuous)]
pub fn regexp_like(source: &Value, pattern: &Value) -> Result<i64, Error> {
    like("regexp_like", c_text(source), c_text(pattern))
}

/// The first part of `source` that matches `pattern`, or NULL.
#[sqlite_scalar(deterministic, innocuous)]
pub fn regexp_substr(source: &Value, pattern: &Value) -> Result<Option<String>, Error> {
    capture("regexp_substr", source, pattern, &Value::Integer(0))
}

/// Group `n` of the first match of `pattern` in `source` (0: the whole match); NULL if
/// nothing matches or no group from `n` on took part, empty if `n` did not but a later one
/// did (as in sqlean).
fn capture(function: &str, source: &Value, pattern: &Value, n: &Value) -> Result<Option<String>, Error> {
    if source.is_null() {
        return Ok(None);
    }
    let regex = pattern_of(function, pattern)?;
    let Value::Integer(n) = *n else { return Err(ArgError::new("an integer (a group number)", n).into_error(function, 3)) };
    let CText::Text(text) = c_text(source) else { return Ok(None) };
    if n == 0 {
        return Ok(regex.find(&text).unwrap_or(None).map(|(start, end)| text[start..end].to_owned()));
    }
    let Some(spans) = regex.find_at(&text, 0).unwrap_or(None) else { return Ok(None) };
    // sqlean counts groups up to the last one that took part.
    let counted = spans.iter().rposition(Option::is_some).map_or(0, |last| last + 1);
    let Some(n) = usize::try_from(n).ok().filter(|&n| n < counted) else { return Ok(None) };
    Ok(Some(spans[n].map_or_else(String::new, |(start, end)| text[start..end].to_owned())))
}

/// Group `n` of the first match of `pattern` in `source` (0 is the whole match), or NULL.
#[sqlite_scalar(name = "regexp_capture", deterministic, innocuous)]
pub fn regexp_capture_group(source: &Value, pattern: &Value, n: &Value) -> Result<Option<String>, Error> {
    capture("regexp_capture", source, pattern, n)
}

/// The first match of `pattern` in `source`, or NULL.
#[sqlite_scalar(name = "regexp_capture", deterministic, innocuous)]
pub fn regexp_capture_whole(source: &Value, pattern: &Value) -> Result<Option<String>, Error> {
    capture("regexp_capture", source, pattern, &Value::Integer(0))
}

/// `source` as sqlean returns it when nothing is replaced: as it came, except that a blob
/// comes back as text (sqlean read it as text), unless it is not UTF-8.
fn unchanged(source: &Value) -> Value {
    match source {
        Value::Blob(bytes) => match String::from_utf8(bytes.clone()) {
            Ok(text) => Value::Text(text),
            Err(_) => source.clone(),
        },
        other => other.clone(),
    }
}

/// `source` with every match of `pattern` replaced by `replacement` (PCRE2's extended
/// syntax: `$1`, `${name}`, `${1:-default}`, `${1:+set:unset}`, `\U...\E`, `\u`, `\n`, ...).
/// The source as it came if nothing matches, the replacement is NULL or malformed, or
/// refers to a group that does not exist or took no part.
#[sqlite_scalar(deterministic, innocuous)]
pub fn regexp_replace(source: &Value, pattern: &Value, replacement: &Value) -> Result<Value, Error> {
    if source.is_null() {
        return Ok(Value::Null);
    }
    // sqlean's order: a NULL pattern is an error, a NULL replacement gives the source,
    // and only then is the pattern compiled.
    if pattern.is_null() {
        return Err(Error::new("regexp_replace(): missing regexp pattern"));
    }
    if replacement.is_null() {
        return Ok(unchanged(source));
    }
    let regex = pattern_of("regexp_replace", pattern)?;
    let (CText::Text(text), CText::Text(replacement)) = (c_text(source), c_text(replacement)) else { return Ok(unchanged(source)) };
    Ok(match replace_all(&regex, &text, &replacement) {
        Ok(Some(replaced)) => Value::Text(replaced),
        Ok(None) | Err(_) => unchanged(source),
    })
}

/// Why a replacement was not made: a search gave up, or the replacement is malformed.
enum NotReplaced {
    GaveUp,
    Bad,
}

impl From<GaveUp> for NotReplaced {
    fn from(_: GaveUp) -> Self {
        NotReplaced::GaveUp
    }
}

/// `text` with every match replaced; None if nothing matched.
fn replace_all(regex: &Compiled, text: &str, replacement: &str) -> Result<Option<String>, NotReplaced> {
    let replacement: Vec<char> = replacement.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut cursor = Cursor::default();
    let (mut copied, mut replaced) = (0, 0);
    while let Some(spans) = cursor.next(regex, text)? {
        let Some((start, end)) = spans[0] else { continue };
        out.push_str(&text[copied..start]);
        let m = replace::Match { text, groups: &spans, names: &regex.names };
        replace::expand(&replacement, &m, &mut out).map_err(|_| NotReplaced::Bad)?;
        copied = end;
        replaced += 1;
    }
    if replaced == 0 {
        return Ok(None);
    }
    out.push_str(&text[copied..]);
    Ok(Some(out))
}

/// Every match of `pattern` in `text` (as `regexp_replace` finds them): the matched text,
/// and where it starts and ends as character positions counted from 1, so
/// `substr(text, start, end - start)` is the match.
#[sqlite_table_function(columns(match, start, end))]
pub fn regexp_matches(text: Option<String>, pattern: Option<String>) -> Result<Matches, Error> {
    let regex = match &pattern {
        Some(pattern) => Some(compile("regexp_matches", CText::Text(Cow::Borrowed(pattern)))?),
        None => None,
    };
    Ok(Matches { regex, text: text.unwrap_or_default(), cursor: Cursor::default(), counted: (0, 0) })
}

/// The matches of one `regexp_matches` call, found as they are read.
pub struct Matches {
    /// None for a NULL pattern: no rows.
    regex: Option<Rc<Compiled>>,
    text: String,
    cursor: Cursor,
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
}

impl Iterator for Matches {
    type Item = Result<(String, i64, i64), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let regex = Rc::clone(self.regex.as_ref()?);
        let spans = match self.cursor.next(&regex, &self.text) {
            Ok(spans) => spans?,
            Err(GaveUp) => {
                self.regex = None;
                return Some(Err(Error::new("regexp_matches(): the pattern backtracks too much on this text")));
            }
        };
        let (start, end) = spans[0]?;
        let matched = self.text[start..end].to_owned();
        let first = self.position(start);
        let after = self.position(end);
        Some(Ok((matched, first, after)))
    }
}

export_extension! {
    name: "regexp",
    scalars: [regexp_operator, regexp_like, regexp_substr, regexp_replace, regexp_capture_group, regexp_capture_whole],
    table_functions: [regexp_matches],
}

#[cfg(test)]
mod tests;
