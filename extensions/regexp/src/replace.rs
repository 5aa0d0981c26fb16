//! The replacement text of `regexp_replace`, in PCRE2's extended substitution syntax (what
//! sqlean asks for with PCRE2_SUBSTITUTE_EXTENDED), applied to one match:
//!
//! - `$$` is `$`; `$n`, `${n}`, `$name`, `${name}` insert a group (`$0`: the whole match);
//!   `${*MARK}` inserts nothing (there are no marks here);
//! - `${n:-text}` inserts the group, or `text` if it is unset; `${n:+set:unset}` inserts
//!   `set` if the group is set, else `unset`; both texts are themselves replacements;
//! - `\U` and `\L` force the case of what follows up to `\E`, `\u` and `\l` of the next
//!   character only; `\Q...\E` is literal; `\n`, `\t`, `\x{..}`, `\o{..}`, `\cX` and the
//!   like are characters; a backslash before any other non-alphanumeric is that character.
//!
//! A reference to a group that does not exist or took no part (outside `:-`/`:+`), or a
//! malformed `$` or escape, is an error; sqlean then returns the text unchanged.

use crate::case::{Force, forced};

/// What a replacement can see of one match.
pub struct Match<'a> {
    pub text: &'a str,
    /// Byte spans of the groups, 0 (the whole match) first; None for a group that took no
    /// part.
    pub groups: &'a [Option<(usize, usize)>],
    /// Each named group: its name and number.
    pub names: &'a [(String, usize)],
}

/// Why a replacement cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadReplacement(pub String);

fn bad(message: impl Into<String>) -> BadReplacement {
    BadReplacement(message.into())
}

/// Apply `replacement` to one match, appending to `out`.
pub fn expand(replacement: &[char], m: &Match<'_>, out: &mut String) -> Result<(), BadReplacement> {
    Expander { rep: replacement, m, out, force: None, force_next_only: false, literal: false }.run()
}

struct Expander<'a, 'm> {
    rep: &'a [char],
    m: &'a Match<'m>,
    out: &'a mut String,
    /// The case being forced, and whether only on the next character (`\u`, `\l`).
    force: Option<Force>,
    force_next_only: bool,
    /// Inside `\Q...\E`.
    literal: bool,
}

impl Expander<'_, '_> {
    fn emit(&mut self, c: char) {
        let c = match self.force {
            Some(force) => {
                if self.force_next_only {
                    self.force = None;
                    self.force_next_only = false;
                }
                forced(c, force)
            }
            None => c,
        };
        self.out.push(c);
    }

    fn run(&mut self) -> Result<(), BadReplacement> {
        // The texts of `${n:+...}` and `${n:-...}` are processed in place of the reference,
        // then processing returns to where it was: a stack of (position, end).
        let mut stack: Vec<(usize, usize)> = Vec::new();
        let (mut at, mut end) = (0, self.rep.len());
        loop {
            if at >= end {
                match stack.pop() {
                    Some((resume, resume_end)) => {
                        (at, end) = (resume, resume_end);
                        continue;
                    }
                    None => return Ok(()),
                }
            }
            let c = self.rep[at];
            if self.literal {
                if c == '\\' && self.rep.get(at + 1) == Some(&'E') && at + 1 < end {
                    self.literal = false;
                    at += 2;
                } else {
                    self.emit(c);
                    at += 1;
                }
                continue;
            }
            match c {
                '$' => {
                    if let Some(nested) = self.dollar(&mut at, end)? {
                        stack.push((at, end));
                        (at, end) = nested;
                    }
                }
                '\\' => self.backslash(&mut at, end)?,
                c => {
                    self.emit(c);
                    at += 1;
                }
            }
        }
    }

    /// `$` at `at`: insert what it refers to, or return the span of text to process in
    /// its place (`:+`/`:-`). `at` ends after the reference.
    fn dollar(&mut self, at: &mut usize, end: usize) -> Result<Option<(usize, usize)>, BadReplacement> {
        let rep = self.rep;
        let next_char = |i: usize| if i < end { Some(rep[i]) } else { None };
        let mut i = *at + 1;
        let Some(mut next) = next_char(i) else { return Err(bad("$ at the end")) };
        if next == '$' {
            self.emit('$');
            *at = i + 1;
            return Ok(None);
        }
        let braced = next == '{';
        if braced {
            i += 1;
            next = next_char(i).ok_or_else(|| bad("${ at the end"))?;
        }
        let star = next == '*';
        if star {
            i += 1;
            next = next_char(i).ok_or_else(|| bad("$* at the end"))?;
        }
        let groups = self.m.groups.len().saturating_sub(1);
        let mut number = None;
        let mut name = String::new();
        if !star && next.is_ascii_digit() {
            let mut n = next.to_digit(10).unwrap_or(0) as usize;
            loop {
                i += 1;
                match next_char(i) {
                    Some(d) if d.is_ascii_digit() => {
                        next = d;
                        n = n * 10 + d.to_digit(10).unwrap_or(0) as usize;
                        if n > groups {
                            return Err(bad(format!("no group {n}")));
                        }
                    }
                    Some(other) => {
                        next = other;
                        break;
                    }
                    None => break,
                }
            }
            number = Some(n);
        } else {
            while next.is_ascii_alphanumeric() || next == '_' {
                name.push(next);
                if name.len() > 32 {
                    return Err(bad("group name too long"));
                }
                i += 1;
                match next_char(i) {
                    Some(c) => next = c,
                    None => break,
                }
            }
            if name.is_empty() {
                return Err(bad("$ not followed by a group number or name"));
            }
        }
        // ${n:+set:unset} and ${n:-default}: the texts' spans.
        let mut special = None;
        let mut texts = [(0, 0), (0, 0)];
        if braced {
            if !star && i + 2 < end && next == ':' {
                i += 1;
                let kind = rep[i];
                if kind != '+' && kind != '-' {
                    return Err(bad(format!("${{...:{kind}...}} is not a substitution")));
                }
                i += 1;
                let start = i;
                i = self.text_end(i, end, kind == '-')?;
                texts[0] = (start, i);
                if kind == '+' && rep[i] == ':' {
                    i += 1;
                    let start = i;
                    i = self.text_end(i, end, true)?;
                    texts[1] = (start, i);
                }
                special = Some(kind);
            } else if i >= end || rep[i] != '}' {
                return Err(bad("missing } in replacement"));
            }
            i += 1;
        }
        *at = i;
        if star {
            // $*MARK: the last (*MARK) passed, and there are none here.
            return if name == "MARK" { Ok(None) } else { Err(bad(format!("$*{name} is not supported"))) };
        }
        let number = match number {
            Some(n) => n,
            None => {
                let numbered: Vec<usize> = self.m.names.iter().filter(|(n, _)| *n == name).map(|&(_, number)| number).collect();
                let Some(&first) = numbered.first() else { return Err(bad(format!("no group named {name}"))) };
                numbered.iter().copied().find(|&n| self.m.groups.get(n).is_some_and(Option::is_some)).unwrap_or(first)
            }
        };
        let span = match self.m.groups.get(number) {
            Some(span) => *span,
            None => return Err(bad(format!("no group {number}"))),
        };
        match (special, span) {
            (None, None) => Err(bad(format!("group {number} is unset"))),
            (Some('-'), None) => Ok(Some(texts[0])),
            (Some('+'), Some(_)) => Ok(Some(texts[0])),
            (Some('+'), None) => Ok(Some(texts[1])),
            (_, Some((start, stop))) => {
                for c in self.m.text[start..stop].chars() {
                    self.emit(c);
                }
                Ok(None)
            }
            (Some(_), None) => Ok(None),
        }
    }

    /// Where the text of `${n:+...}` or `${n:-...}` starting at `i` ends: at the `}` (or,
    /// unless `last`, the `:`) not inside a nested `${...}`, `\Q...\E` or escape.
    fn text_end(&self, mut i: usize, end: usize, last: bool) -> Result<usize, BadReplacement> {
        let rep = self.rep;
        let mut nesting = 0usize;
        let mut literal = false;
        while i < end {
            let c = rep[i];
            if literal {
                if c == '\\' && i + 1 < end && rep[i + 1] == 'E' {
                    literal = false;
                    i += 1;
                }
            } else if c == '}' {
                if nesting == 0 {
                    return Ok(i);
                }
                nesting -= 1;
            } else if c == ':' && !last && nesting == 0 {
                return Ok(i);
            } else if c == '$' {
                if i + 1 < end && rep[i + 1] == '{' {
                    nesting += 1;
                    i += 1;
                }
            } else if c == '\\' {
                if i + 1 < end && matches!(rep[i + 1], 'L' | 'l' | 'U' | 'u') {
                    i += 2;
                    continue;
                }
                let mut after = i + 1;
                match escape(rep, &mut after, end)? {
                    Escape::Char(_) | Escape::EndCase => {}
                    Escape::Literal => literal = true,
                }
                i = after;
                continue;
            }
            i += 1;
        }
        Err(bad("missing } in replacement"))
    }

    /// `\` at `at`.
    fn backslash(&mut self, at: &mut usize, end: usize) -> Result<(), BadReplacement> {
        if *at + 1 < end {
            let force = match self.rep[*at + 1] {
                'U' => Some((Force::Upper, false)),
                'u' => Some((Force::Upper, true)),
                'L' => Some((Force::Lower, false)),
                'l' => Some((Force::Lower, true)),
                _ => None,
            };
            if let Some((force, once)) = force {
                // `\u` after `\L` forces one character, then none (not back to lower).
                self.force = Some(force);
                self.force_next_only = once;
                *at += 2;
                return Ok(());
            }
        }
        *at += 1;
        match escape(self.rep, at, end)? {
            Escape::Char(c) => self.emit(c),
            Escape::EndCase => {
                self.force = None;
                self.force_next_only = false;
            }
            Escape::Literal => self.literal = true,
        }
        Ok(())
    }
}

enum Escape {
    Char(char),
    /// `\E`
    EndCase,
    /// `\Q`
    Literal,
}

/// The escape after a backslash, starting at `at` (moved past it). PCRE2 reads escapes
/// here as in a pattern, where a digit starts a backreference: not allowed here.
fn escape(rep: &[char], at: &mut usize, end: usize) -> Result<Escape, BadReplacement> {
    let next = |at: &mut usize| {
        let c = if *at < end { Some(rep[*at]) } else { None };
        *at += 1;
        c
    };
    let peek = |at: usize| if at < end { Some(rep[at]) } else { None };
    let Some(c) = next(at) else { return Err(bad(r"\ at the end")) };
    let code_point = |code: u32| char::from_u32(code).ok_or_else(|| bad(format!("character code {code:#x} is not a character")));
    let until_brace = |at: &mut usize| -> Result<String, BadReplacement> {
        let mut digits = String::new();
        loop {
            match next(at) {
                Some('}') => return Ok(digits),
                Some(c) => digits.push(c),
                None => return Err(bad("missing }")),
            }
        }
    };
    Ok(Escape::Char(match c {
        'E' => return Ok(Escape::EndCase),
        'Q' => return Ok(Escape::Literal),
        'a' => '\x07',
        'e' => '\x1b',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'x' if peek(*at) == Some('{') => {
            *at += 1;
            let digits = until_brace(at)?;
            code_point(u32::from_str_radix(&digits, 16).map_err(|_| bad(format!(r"bad \x{{{digits}}}")))?)?
        }
        'x' => {
            // Up to two hex digits; none is NUL.
            let mut code = 0;
            for _ in 0..2 {
                match peek(*at).and_then(|d| d.to_digit(16)) {
                    Some(d) => {
                        code = code * 16 + d;
                        *at += 1;
                    }
                    None => break,
                }
            }
            code_point(code)?
        }
        'o' => {
            if next(at) != Some('{') {
                return Err(bad(r"\o must be followed by {"));
            }
            let digits = until_brace(at)?;
            code_point(u32::from_str_radix(&digits, 8).map_err(|_| bad(format!(r"bad \o{{{digits}}}")))?)?
        }
        'c' => match next(at) {
            Some(x) if (' '..='~').contains(&x) => code_point(u32::from(x.to_ascii_uppercase()) ^ 0x40)?,
            _ => return Err(bad(r"\c must be followed by a printable ASCII character")),
        },
        'N' if peek(*at) == Some('{') => {
            *at += 1;
            let name = until_brace(at)?;
            let hex = name.strip_prefix("U+").ok_or_else(|| bad(format!(r"\N{{{name}}} is not supported")))?;
            code_point(u32::from_str_radix(hex, 16).map_err(|_| bad(format!(r"bad \N{{{name}}}")))?)?
        }
        c if c.is_ascii_alphanumeric() => return Err(bad(format!(r"\{c} is not allowed in a replacement"))),
        c => c,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `replacement` applied to a match of "b" in "abc" with groups (b) and an unset (z),
    /// the first named `n`.
    fn apply(replacement: &str) -> Result<String, BadReplacement> {
        let groups = [Some((1, 2)), Some((1, 2)), None];
        let names = [(String::from("n"), 1)];
        let m = Match { text: "abc", groups: &groups, names: &names };
        let mut out = String::new();
        let chars: Vec<char> = replacement.chars().collect();
        expand(&chars, &m, &mut out).map(|()| out)
    }

    #[test]
    fn groups_and_dollars() {
        for (replacement, expected) in [
            ("[$1$1]", "[bb]"),
            ("[${1}0]", "[b0]"),
            ("$0", "b"),
            ("$01", "b"),
            ("[${n}|$n!]", "[b|b!]"),
            ("$$", "$"),
            ("}:", "}:"),
            ("${2:-none}", "none"),
            ("${1:-none}", "b"),
            ("${1:+yes:no}", "yes"),
            ("${2:+yes:no}", "no"),
            ("${2:+yes}", ""),
            ("${2:-[$1]}", "[b]"),
            ("${2:+[$1]:<\\U$1>}", "<B>"),
            ("${2:-a\\}b}", "a}b"),
            ("${2:-a:b}", "a:b"),
            ("${2:+a\\:b:c}", "c"),
            ("${1:+a${1:+b}c}", "abc"),
            ("${1:+a\\Q}\\Ec}", "a}c"),
            ("${*MARK}", ""),
            ("${1}}", "b}"),
        ] {
            assert_eq!(apply(replacement).as_deref(), Ok(expected), "{replacement}");
        }
    }

    #[test]
    fn escapes_and_case() {
        for (replacement, expected) in [
            (r"\U$1x\E", "BX"),
            (r"\u$1x", "Bx"),
            (r"\u\L$1X", "bx"),
            (r"\L\u$1X", "BX"),
            (r"\U$1\lXY", "BxY"),
            (r"\U$1\Ex", "Bx"),
            (r"\Uéx\E", "ÉX"),
            (r"\Qx$1\E$1", "x$1b"),
            (r"\Q$1", "$1"),
            (r"<\x41\x{263a}\o{101}\cA\c~\e\a\$\{\t\N{U+41}>", "<A☺A\x01>\x1b\x07${\tA>"),
            (r"<\x>", "<\0>"),
            (r"<\x414>", "<A4>"),
            (r"<\é\ \_\E\u\U>", "<é _>"),
        ] {
            assert_eq!(apply(replacement).as_deref(), Ok(expected), "{replacement}");
        }
    }

    #[test]
    fn errors() {
        for replacement in [
            "$2",
            "$3",
            "$10",
            "$",
            "$-",
            "${",
            "${1",
            "${ 1}",
            "${1:x}",
            "$*",
            "$*mark",
            "${*MARK:+x}",
            "${m}",
            "$nn",
            "$é",
            r"\0",
            r"\101",
            r"\1",
            r"\8",
            r"\q",
            r"\N",
            r"\b",
            r"\g1",
            r"\",
            r"\c",
            r"\cé",
            r"\o101",
            r"\o{}",
            r"\x{}",
            r"\x{41",
            r"\x{110000}",
            r"\x{d800}",
            "${1:+a",
            r"${1:+a\qc}",
        ] {
            assert!(apply(replacement).is_err(), "{replacement} should be refused");
        }
    }
}
