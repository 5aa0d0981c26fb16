//! A pattern compiled (translated from PCRE2's syntax, then fancy-regex), and matching
//! with PCRE2's rules for finding every match of a text: after an empty match, a non-empty
//! one at the same place is tried before moving on by one character.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use fancy_regex::{Regex, RegexBuilder, RegexInput};

use crate::translate::translate;

/// Byte spans of a match's groups, the whole match first; None for a group that took no
/// part. One entry per group of the pattern.
pub type Spans = Vec<Option<(usize, usize)>>;

/// A search that gave up (fancy-regex's backtracking limit): PCRE2 has its own limits and
/// sqlean reads their error as "no match".
#[derive(Debug)]
pub struct GaveUp;

pub struct Compiled {
    regex: Regex,
    /// fancy-regex's pattern, for the variant below.
    translated: String,
    /// The same pattern refusing empty matches, made when first needed; None if it cannot
    /// match anything but empty.
    not_empty: OnceCell<Option<Regex>>,
    /// Capture groups, the whole match included.
    groups: usize,
    /// Each named group: its name and number.
    pub names: Vec<(String, usize)>,
}

impl Compiled {
    pub fn new(pattern: &str) -> Result<Compiled, String> {
        let translated = translate(pattern)?;
        let regex = Regex::new(&translated).map_err(|e| message(&e))?;
        let names = regex.capture_names().enumerate().filter_map(|(i, name)| name.map(|n| (n.to_owned(), i))).collect();
        Ok(Compiled { groups: regex.captures_len(), regex, translated, not_empty: OnceCell::new(), names })
    }

    fn spans(&self, captures: &fancy_regex::Captures<'_, str>) -> Spans {
        (0..self.groups).map(|i| captures.get(i).map(|m| (m.start(), m.end()))).collect()
    }

    /// The first match starting at or after byte `from` (earlier text still seen by
    /// lookbehind).
    pub fn find_at(&self, text: &str, from: usize) -> Result<Option<Spans>, GaveUp> {
        match self.regex.captures_from_pos(text, from) {
            Ok(found) => Ok(found.map(|c| self.spans(&c))),
            Err(_) => Err(GaveUp),
        }
    }

    /// Whether `text` has a match (no captures needed: the fastest search).
    pub fn is_match(&self, text: &str) -> Result<bool, GaveUp> {
        self.regex.is_match(text).map_err(|_| GaveUp)
    }

    /// The span of the first match in `text` (no groups).
    pub fn find(&self, text: &str) -> Result<Option<(usize, usize)>, GaveUp> {
        match self.regex.find(text) {
            Ok(found) => Ok(found.map(|m| (m.start(), m.end()))),
            Err(_) => Err(GaveUp),
        }
    }

    /// A non-empty match starting exactly at byte `at`.
    fn find_not_empty_at(&self, text: &str, at: usize) -> Result<Option<Spans>, GaveUp> {
        let not_empty = self.not_empty.get_or_init(|| RegexBuilder::new(&self.translated).find_not_empty(true).build().ok());
        let Some(regex) = not_empty else { return Ok(None) };
        match regex.captures_input(RegexInput::new(text).from_pos(at).anchored(true)) {
            Ok(found) => Ok(found.map(|c| self.spans(&c)).filter(|s| s[0].is_some_and(|(start, end)| start == at && end > start))),
            Err(_) => Err(GaveUp),
        }
    }
}

/// fancy-regex's message without the position, which is of the rewritten pattern.
fn message(error: &fancy_regex::Error) -> String {
    let text = error.to_string();
    match text.split_once(": ") {
        Some((head, rest)) if head.starts_with("Parsing error at position") => rest.to_owned(),
        _ => text,
    }
}

/// Where the next search of a text's matches starts.
#[derive(Debug, Clone, Default)]
pub struct Cursor {
    at: usize,
    /// Try a non-empty match anchored at `at` first: the last match was empty there.
    retry: bool,
    /// The last match's span.
    last: Option<(usize, usize)>,
    done: bool,
}

impl Cursor {
    /// The next match of `regex` in `text`, PCRE2's way.
    pub fn next(&mut self, regex: &Compiled, text: &str) -> Result<Option<Spans>, GaveUp> {
        loop {
            if self.done {
                return Ok(None);
            }
            let found = if self.retry { regex.find_not_empty_at(text, self.at)? } else { regex.find_at(text, self.at)? };
            let Some(spans) = found else {
                if !self.retry || self.at >= text.len() {
                    self.done = true;
                    return Ok(None);
                }
                // Move on by a character and search from there.
                self.at += text[self.at..].chars().next().map_or(1, char::len_utf8);
                self.retry = false;
                continue;
            };
            let (start, end) = spans[0].unwrap_or((self.at, self.at));
            if !self.retry && start == end && self.last == Some((start, end)) {
                // The same empty match again (it began after the last search's start, as
                // with \K): now a non-empty one there.
                self.retry = true;
                continue;
            }
            // An empty match where the search began: a non-empty one there next.
            self.retry = start == end && start == self.at;
            self.last = Some((start, end));
            self.at = end;
            return Ok(Some(spans));
        }
    }
}

/// How many compiled patterns an instance keeps: a query runs the same pattern on every
/// row, so a small cache serves it; past this, the cache starts over.
const CACHED_PATTERNS: usize = 64;

thread_local! {
    static PATTERNS: RefCell<HashMap<String, Rc<Compiled>>> = RefCell::new(HashMap::new());
}

/// `pattern` compiled (once per pattern), or the error message.
pub fn compiled(pattern: &str) -> Result<Rc<Compiled>, String> {
    if let Some(found) = PATTERNS.with(|patterns| patterns.borrow().get(pattern).cloned()) {
        return Ok(found);
    }
    let regex = Rc::new(Compiled::new(pattern)?);
    PATTERNS.with(|patterns| {
        let mut patterns = patterns.borrow_mut();
        if patterns.len() >= CACHED_PATTERNS {
            patterns.clear();
        }
        patterns.insert(pattern.to_owned(), Rc::clone(&regex));
    });
    Ok(regex)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(pattern: &str, text: &str) -> Vec<(usize, usize)> {
        let regex = Compiled::new(pattern).unwrap();
        let mut cursor = Cursor::default();
        let mut out = Vec::new();
        while let Some(spans) = cursor.next(&regex, text).unwrap() {
            out.push(spans[0].unwrap());
        }
        out
    }

    #[test]
    fn every_match_the_pcre_way() {
        assert_eq!(all("x*", "axxb"), [(0, 0), (1, 3), (3, 3), (4, 4)]);
        assert_eq!(all("a*?", "aaa"), [(0, 0), (0, 1), (1, 1), (1, 2), (2, 2), (2, 3), (3, 3)]);
        assert_eq!(all("", "hé"), [(0, 0), (1, 1), (3, 3)]);
        assert_eq!(all("$", "a\n"), [(1, 1), (2, 2)]);
        assert_eq!(all(r"\d+", "a1 22"), [(1, 2), (3, 5)]);
        assert_eq!(all("(?<=a)b", "abab"), [(1, 2), (3, 4)]);
        assert_eq!(all(r"\S{2}\K", "xxxx"), [(2, 2), (4, 4)]);
    }

    #[test]
    fn groups_and_names() {
        let regex = Compiled::new("(a)(?<n>z)?").unwrap();
        assert_eq!(regex.groups, 3);
        assert_eq!(regex.names, [(String::from("n"), 2)]);
        assert_eq!(regex.find_at("xa", 0).unwrap(), Some(vec![Some((1, 2)), Some((1, 2)), None]));
        assert_eq!(regex.find("xa").unwrap(), Some((1, 2)));
        assert!(regex.is_match("xa").unwrap() && !regex.is_match("x").unwrap());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(Compiled::new("(").is_err());
        assert!(Compiled::new("(?<=a+)b").is_ok(), "variable lookbehind: PCRE2 refuses it, fancy-regex takes it");
        let err = Compiled::new("[z-a]").err().unwrap();
        assert_eq!(err, "range out of order in character class");
    }
}
