//! PCRE2 pattern syntax (sqlean's, compiled with UTF and UCP) rewritten into fancy-regex's,
//! so that the same pattern means the same there. What differs and is rewritten:
//!
//! - `$` (and `\Z`) also match before a newline that ends the text; `^` in multi-line mode
//!   does not match after one.
//! - `\w` is `[\p{L}\p{N}_]` (UCP); `\h`, `\v`, `\R`, `\N` are PCRE's; `\x`, `\o`, `\c`,
//!   octal escapes and `\Q...\E` literals are resolved here; `\<` and `\>` are literals.
//! - POSIX classes follow UCP (`[:alpha:]` is `\p{L}`), and `\p{L&}`, `\p{Xan}`, `\p{Xwd}`
//!   and friends have their PCRE meanings; under `i`, properties and POSIX classes keep
//!   their case (PCRE2 10.42), while a class's own characters are folded.
//! - In a class, `[`, `&&`, `--`, `~~` and white space (even in extended mode) are
//!   literals, and `]` first is a literal.
//! - `{` that does not start a quantifier (`{`, `{,2}`, `{x}`) is a literal; a quantifier
//!   with nothing to repeat, or out of order, is refused as PCRE2 refuses it; a repeated
//!   lookaround or group that only matches empty is made optional or single (fancy-regex
//!   refuses to repeat them); a possessive quantifier stays greedy under `U`.
//! - Backreferences and subroutine calls in all of PCRE's spellings (`\g{-1}`, `\k'name'`,
//!   `(?P>name)`, `(?1)`, `(?R)`, a name before its group), `(?'name'...)` groups, `(?#...)`
//!   comments, `(?n)`, `(?^)` and extended mode (`x`, `xx`: handled here, never passed on).
//!
//! Anything else is passed on as written, and fancy-regex reports what it does not know.

use regex_syntax::hir::{ClassUnicode, ClassUnicodeRange};

/// The options a group scope carries.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    multiline: bool,
    /// `x`: white space and `#` comments outside classes are ignored.
    extended: bool,
    /// `xx`: also space and tab inside classes.
    extended_more: bool,
    /// `n`: plain parentheses do not capture.
    no_auto_capture: bool,
    /// Inside a lookahead or lookbehind.
    in_lookaround: bool,
    /// `i`: PCRE2 10.42 does not apply it to Unicode properties (`\p{Lu}` stays upper case).
    caseless: bool,
    /// `U`: quantifiers are lazy unless followed by `?`, but possessive ones stay greedy.
    ungreedy: bool,
}

/// An open group: the flags to restore at its `)`, whether it is a lookaround, and where
/// its output starts.
#[derive(Debug, Clone, Copy)]
struct Scope {
    flags: Flags,
    assertion: bool,
    start: usize,
    /// It holds something that matches characters (else it only ever matches empty).
    consumes: bool,
}

/// A pattern rewritten for fancy-regex, or why PCRE2 would refuse it (or why it cannot be
/// given a meaning there).
pub fn translate(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let run = |later: Vec<(String, usize)>| {
        let mut t = Translator { chars: chars.clone(), out: String::with_capacity(chars.len() + 8), later, ..Default::default() };
        let done = t.start_options().and_then(|()| t.sequence());
        (t, done)
    };
    // A name may be referred to before its group (PCRE2 allows it, fancy-regex not): a
    // first pass finds every group's number, for the second to refer by number.
    let later = if pattern.contains('<') || pattern.contains('\'') { run(Vec::new()).0.names } else { Vec::new() };
    let (t, done) = run(later);
    done?;
    // A condition on a group number needs the group somewhere in the pattern (PCRE2 says so;
    // fancy-regex would take the condition as never true).
    if let Some(missing) = t.conditions.iter().find(|&&n| n > t.groups) {
        return Err(format!("reference to non-existent subpattern {missing}"));
    }
    Ok(t.out)
}

#[derive(Default)]
struct Translator {
    chars: Vec<char>,
    at: usize,
    out: String,
    flags: Flags,
    /// The enclosing groups.
    scopes: Vec<Scope>,
    /// Capture groups opened so far (PCRE reads `\10` as a backreference only after ten).
    groups: usize,
    /// The group numbers that conditions `(?(n)...)` test.
    conditions: Vec<usize>,
    /// The named groups so far, with their numbers (PCRE2 refuses a name twice without
    /// `(?J)`).
    names: Vec<(String, usize)>,
    /// All the named groups of the pattern (from a first pass).
    later: Vec<(String, usize)>,
    /// `(?J)` was seen.
    duplicate_names: bool,
    /// The last item can take a quantifier (not at the start, after `|`, `(`, an anchor, an
    /// option setting or another quantifier).
    repeatable: bool,
    /// Where the last item's output starts.
    atom_start: usize,
}

/// A character class's contents in Rust's class syntax: `body` goes between brackets, or
/// into another class as is (`negated`: as a nested `[^body]`).
struct ClassPiece {
    body: String,
    negated: bool,
}

impl ClassPiece {
    fn of(body: &str) -> ClassPiece {
        ClassPiece { body: body.to_owned(), negated: false }
    }

    fn not(body: &str) -> ClassPiece {
        ClassPiece { body: body.to_owned(), negated: true }
    }

    fn negate(self) -> ClassPiece {
        ClassPiece { negated: !self.negated, ..self }
    }

    /// As a whole class.
    fn outside(&self) -> String {
        format!("[{}{}]", if self.negated { "^" } else { "" }, self.body)
    }

    /// As an item of an enclosing class.
    fn inside(&self) -> String {
        if self.negated { self.outside() } else { self.body.clone() }
    }
}

const WORD: &str = r"\p{L}\p{N}_";
const HSPACE: &str = r"\x{9}\x{20}\x{A0}\x{1680}\x{180E}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}";
const VSPACE: &str = r"\x{A}-\x{D}\x{85}\x{2028}\x{2029}";
const GRAPH: &str = r"[[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Cf}]--[\x{61C}\x{180E}\x{2066}-\x{2069}]]";
const PRINT: &str = r"[[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Cf}\p{Zs}]--[\x{61C}\x{180E}\x{2066}-\x{2069}]]";
const PUNCT: &str = r"\p{P}[\p{S}&&\x{0}-\x{FF}]";

/// A literal character in Rust's syntax, inside or outside a class: ASCII letters, digits
/// and anything beyond ASCII as themselves, other ASCII by code (never a metacharacter).
fn literal(c: char) -> String {
    if c.is_ascii_alphanumeric() || !c.is_ascii() { c.to_string() } else { format!(r"\x{{{:X}}}", c as u32) }
}

/// PCRE's white space for extended mode (in UTF mode).
fn is_pattern_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\u{85}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}')
}

fn char_of(code: u32) -> Result<char, String> {
    char::from_u32(code).ok_or_else(|| format!("character code point value \\x{{{code:x}}} is too large or a surrogate"))
}

impl Translator {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    fn looking_at(&self, text: &str) -> bool {
        text.chars().enumerate().all(|(i, c)| self.peek_at(i) == Some(c))
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), String> {
        if self.next() == Some(c) { Ok(()) } else { Err(format!("{what} at offset {}", self.at)) }
    }

    /// Characters up to (not including) `end`, which is consumed.
    fn until(&mut self, end: char, what: &str) -> Result<String, String> {
        let mut text = String::new();
        loop {
            match self.next() {
                Some(c) if c == end => return Ok(text),
                Some(c) => text.push(c),
                None => return Err(format!("{what}: missing terminating {end}")),
            }
        }
    }

    /// Leading `(*UTF)`-style options: those that change nothing here are dropped.
    fn start_options(&mut self) -> Result<(), String> {
        const HARMLESS: [&str; 9] =
            ["UTF", "UTF8", "UCP", "NO_AUTO_POSSESS", "NO_START_OPT", "NO_DOTSTAR_ANCHOR", "NO_JIT", "LF", "BSR_UNICODE"];
        while self.looking_at("(*") && self.peek_at(2).is_some_and(|c| c.is_ascii_uppercase()) {
            let close = (self.at..self.chars.len()).find(|&i| self.chars[i] == ')');
            let Some(close) = close else { break };
            let name: String = self.chars[self.at + 2..close].iter().collect();
            if HARMLESS.contains(&name.as_str()) || name.starts_with("LIMIT_") {
                self.at = close + 1;
            } else if ["CR", "CRLF", "ANYCRLF", "ANY", "NUL", "NOTEMPTY", "NOTEMPTY_ATSTART", "BSR_ANYCRLF"].contains(&name.as_str()) {
                return Err(format!("(*{name}) is not supported"));
            } else {
                break;
            }
        }
        Ok(())
    }

    fn sequence(&mut self) -> Result<(), String> {
        while let Some(c) = self.next() {
            if self.flags.extended {
                if is_pattern_space(c) {
                    continue;
                }
                if c == '#' {
                    while self.next().is_some_and(|c| c != '\n') {}
                    continue;
                }
            }
            let start = self.out.len();
            if matches!(c, '*' | '+' | '?' | '{') {
                self.at -= 1;
                if let Some((min, max, len)) = self.quantifier_at() {
                    self.quantifier(min, max, len)?;
                    continue;
                }
                self.at += 1;
            }
            match c {
                '\\' => self.escape()?,
                '[' => self.class()?,
                '(' => self.open_group()?,
                ')' => {
                    // An unmatched `)` is passed on, for fancy-regex to refuse.
                    let scope = self.scopes.pop();
                    self.out.push(')');
                    self.repeatable = true;
                    if let Some(scope) = scope {
                        self.atom_start = scope.start;
                        self.flags = scope.flags;
                        if scope.consumes && !scope.assertion {
                            self.consumes();
                        } else {
                            // Lookarounds, and groups of anchors or options only, match
                            // empty: repeated as PCRE2 repeats them (fancy-regex refuses).
                            self.quantified_assertion(scope.start);
                        }
                    }
                }
                // Also before a newline that ends the text (PCRE's default, not Rust's).
                '$' if !self.flags.multiline => self.out.push_str(r"(?=\n?\z)"),
                '$' => self.out.push('$'),
                // Multi-line: not after a newline that ends the text.
                '^' if self.flags.multiline => self.out.push_str(r"(?:\A|^(?!\z))"),
                '^' => self.out.push('^'),
                '|' => self.out.push('|'),
                // `{` that starts no quantifier.
                '{' => self.out.push_str(r"\x{7B}"),
                '.' => self.out.push('.'),
                other => self.out.push_str(&literal(other)),
            }
            if !matches!(c, '\\' | '(' | ')') {
                self.repeatable = !matches!(c, '$' | '^' | '|');
                self.atom_start = start;
                if self.repeatable {
                    self.consumes();
                }
            }
        }
        Ok(())
    }

    /// The group being written holds something that matches characters.
    fn consumes(&mut self) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.consumes = true;
        }
    }

    /// Open a group whose output starts here.
    fn push_scope(&mut self, assertion: bool) {
        self.scopes.push(Scope { flags: self.flags, assertion, start: self.out.len(), consumes: false });
        self.repeatable = false;
        if assertion {
            self.flags.in_lookaround = true;
        }
    }

    /// A lookaround (its output from `start`) just closed: a quantifier after it is read as
    /// PCRE2 reads it: `{0}` drops it, a minimum of 0 makes it optional, any other count
    /// is one (fancy-regex refuses to repeat a lookaround).
    fn quantified_assertion(&mut self, start: usize) {
        self.skip_comments();
        let Some((min, max, len)) = self.quantifier_at() else { return };
        let lazy = self.peek_at(len) == Some('?');
        self.at += len + usize::from(matches!(self.peek_at(len), Some('?' | '+')));
        self.repeatable = false;
        let assertion = self.out.split_off(start);
        if max == 0 {
            return;
        }
        if min == 0 {
            self.out.push_str(&if lazy { format!("(?:|{assertion})") } else { format!("(?:{assertion}|)") });
        } else {
            self.out.push_str(&assertion);
        }
    }

    /// Past `(?#...)` comments here, which a quantifier sees through.
    fn skip_comments(&mut self) {
        while self.looking_at("(?#") {
            match (self.at..self.chars.len()).find(|&i| self.chars[i] == ')') {
                Some(close) => self.at = close + 1,
                None => return,
            }
        }
    }

    /// The quantifier starting here, if one does: (min, max, its length), max `u64::MAX`
    /// for none. `{` starts one only as `{n}`, `{n,}` or `{n,m}`.
    fn quantifier_at(&self) -> Option<(u64, u64, usize)> {
        let rest = &self.chars[self.at..];
        let digits = |from: usize| rest.get(from..).map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
        let number = |from: usize, len: usize| rest[from..from + len].iter().collect::<String>().parse::<u64>().unwrap_or(u64::MAX);
        match rest.first()? {
            '*' => Some((0, u64::MAX, 1)),
            '+' => Some((1, u64::MAX, 1)),
            '?' => Some((0, 1, 1)),
            '{' => {
                let n = digits(1);
                if n == 0 {
                    return None;
                }
                match rest.get(1 + n)? {
                    '}' => Some((number(1, n), number(1, n), n + 2)),
                    ',' => {
                        let m = digits(n + 2);
                        let max = if m == 0 { u64::MAX } else { number(n + 2, m) };
                        (rest.get(n + 2 + m) == Some(&'}')).then_some((number(1, n), max, n + m + 3))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A quantifier of `len` characters here (and a `?` or `+` after it): checked as PCRE2
    /// checks it, and passed on.
    fn quantifier(&mut self, min: u64, max: u64, len: usize) -> Result<(), String> {
        if !self.repeatable {
            return Err(String::from("quantifier does not follow a repeatable item"));
        }
        if max != u64::MAX && min > max {
            return Err(String::from("numbers out of order in {} quantifier"));
        }
        if min > 65535 || (max != u64::MAX && max > 65535) {
            return Err(String::from("number too big in {} quantifier"));
        }
        let quantifier: String = self.chars[self.at..self.at + len].iter().collect();
        self.at += len;
        self.skip_comments();
        let suffix = self.peek().filter(|&c| c == '?' || c == '+');
        self.at += usize::from(suffix.is_some());
        self.repeatable = false;
        if suffix == Some('+') && self.flags.ungreedy {
            // Possessive stays greedy under `U`, where fancy-regex's would turn lazy.
            self.out.insert_str(self.atom_start, "(?>");
            self.out.push_str(&quantifier);
            self.out.push_str("?)");
        } else {
            self.out.push_str(&quantifier);
            self.out.extend(suffix);
        }
        Ok(())
    }

    /// `\` just read, outside a class.
    fn escape(&mut self) -> Result<(), String> {
        let Some(c) = self.next() else { return Err(String::from(r"\ at end of pattern")) };
        let piece = |p: ClassPiece| Ok::<String, String>(p.outside());
        let text = match c {
            'Q' => {
                // Literal up to \E (or the end).
                while let Some(c) = self.next() {
                    if c == '\\' && self.peek() == Some('E') {
                        self.at += 1;
                        break;
                    }
                    self.atom_start = self.out.len();
                    self.out.push_str(&literal(c));
                    self.repeatable = true;
                    self.consumes();
                }
                return Ok(());
            }
            'E' => return Ok(()),
            'K' if self.flags.in_lookaround => return Err(String::from(r"\K is not allowed in lookarounds")),
            'A' | 'z' | 'b' | 'B' | 'G' | 'K' | 'd' | 'D' | 's' | 'S' => format!("\\{c}"),
            'Z' => String::from(r"(?=\n?\z)"),
            'w' => piece(ClassPiece::of(WORD))?,
            'W' => piece(ClassPiece::not(WORD))?,
            'h' => piece(ClassPiece::of(HSPACE))?,
            'H' => piece(ClassPiece::not(HSPACE))?,
            'v' => piece(ClassPiece::of(VSPACE))?,
            'V' => piece(ClassPiece::not(VSPACE))?,
            'R' => String::from(r"(?>\r\n|[\n\x0B\f\r\x{85}\x{2028}\x{2029}])"),
            'N' if self.looking_at("{U+") => literal(self.char_escape('N', false)?),
            'N' if self.peek() == Some('{') && self.quantifier_at().is_none() => {
                return Err(String::from(r"PCRE2 does not support \N{name}"));
            }
            'N' => String::from(r"[^\n]"),
            // A grapheme cluster, roughly: CR LF, a flag (two regional indicators), or a
            // character with its marks and emoji joined by ZWJ (not Hangul jamo sequences,
            // prepended characters, ...).
            'X' => String::from(concat!(
                r"(?>\r\n|[\x{1F1E6}-\x{1F1FF}]{2}|(?s:.)(?:\x{200D}\p{Extended_Pictographic}",
                r"|[\p{M}\x{200C}\x{200D}\x{1F3FB}-\x{1F3FF}\x{E0020}-\x{E007F}])*)"
            )),
            // One UTF-8 code unit in PCRE; a whole character here.
            'C' => String::from("(?s:.)"),
            'p' | 'P' => {
                let property = self.property(c == 'P')?.outside();
                // Not folded by `i`, as in PCRE2 10.42.
                if self.flags.caseless { format!("(?-i:{property})") } else { property }
            }
            '1'..='9' => {
                self.at -= 1;
                let digits: String = self.chars[self.at..].iter().take_while(|c| c.is_ascii_digit()).collect();
                let number: usize = digits.parse().unwrap_or(usize::MAX);
                if number < 10 || c == '8' || c == '9' || number <= self.groups {
                    self.at += digits.len();
                    backref(number)
                } else {
                    // Up to three octal digits form a character.
                    let octal: String = digits.chars().take(3).take_while(|c| c.is_digit(8)).collect();
                    self.at += octal.len();
                    literal(char_of(u32::from_str_radix(&octal, 8).unwrap_or(0))?)
                }
            }
            'g' => self.g_reference()?,
            'k' => {
                let name = match self.next() {
                    Some('<') => self.until('>', r"\k<name>")?,
                    Some('\'') => self.until('\'', r"\k'name'")?,
                    Some('{') => self.until('}', r"\k{name}")?,
                    _ => return Err(String::from(r"\k is not followed by a name in <>, '' or {}")),
                };
                self.named_reference(&name)
            }
            '<' | '>' => literal(c),
            _ => literal(self.char_escape(c, false)?),
        };
        // Anchors take no quantifier.
        self.repeatable = !matches!(c, 'A' | 'z' | 'Z' | 'b' | 'B' | 'G' | 'K');
        if self.repeatable {
            self.consumes();
        }
        self.atom_start = self.out.len();
        self.out.push_str(&text);
        Ok(())
    }

    /// `\g` just read: a backreference (`\g1`, `\g{-1}`, `\g{name}`) or a subroutine call
    /// (`\g<name>`, `\g'-1'`).
    fn g_reference(&mut self) -> Result<String, String> {
        match self.peek() {
            Some(open @ ('<' | '\'')) => {
                self.at += 1;
                let target = self.until(if open == '<' { '>' } else { '\'' }, r"\g<...>")?;
                Ok(format!(r"\g<{}>", self.resolve(&target)?))
            }
            Some('{') => {
                self.at += 1;
                let target = self.until('}', r"\g{...}")?;
                match self.resolve(&target)? {
                    n if n.chars().all(|c| c.is_ascii_digit()) => Ok(backref(n.parse().unwrap_or(usize::MAX))),
                    name => Ok(self.named_reference(&name)),
                }
            }
            _ => {
                let sign =
                    if matches!(self.peek(), Some('-' | '+')) { self.next().map(String::from).unwrap_or_default() } else { String::new() };
                let digits: String = self.chars[self.at..].iter().take_while(|c| c.is_ascii_digit()).collect();
                if digits.is_empty() {
                    return Err(String::from(r"a numbered reference must not be zero (\g)"));
                }
                self.at += digits.len();
                let number = self.resolve(&format!("{sign}{digits}"))?;
                Ok(backref(number.parse().unwrap_or(usize::MAX)))
            }
        }
    }

    /// A backreference to the group named `name`: by number if it comes later.
    fn named_reference(&self, name: &str) -> String {
        let later = self.later.iter().find(|(n, _)| n == name).filter(|_| !self.names.iter().any(|(n, _)| n == name));
        match later {
            Some(&(_, number)) => backref(number),
            None => format!(r"\k<{name}>"),
        }
    }

    /// A group number or name, relative numbers (`-1`: the last group opened, `+1`: the
    /// next) made absolute.
    fn resolve(&self, target: &str) -> Result<String, String> {
        let relative = |digits: &str| digits.parse::<usize>().map_err(|_| format!("bad group reference {target}"));
        if let Some(back) = target.strip_prefix('-') {
            let back = relative(back)?;
            if back == 0 || back > self.groups {
                return Err(format!("reference to non-existent subpattern {target}"));
            }
            Ok((self.groups + 1 - back).to_string())
        } else if let Some(ahead) = target.strip_prefix('+') {
            Ok((self.groups + relative(ahead)?).to_string())
        } else {
            Ok(target.to_owned())
        }
    }

    /// The character of an escape `\c` (just read) that stands for one: `in_class`, where
    /// `\b` is a backspace and digits are octal.
    fn char_escape(&mut self, c: char, in_class: bool) -> Result<char, String> {
        Ok(match c {
            'a' => '\x07',
            'e' => '\x1b',
            'f' => '\x0c',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'b' if in_class => '\x08',
            '0'..='7' => {
                // \0 and up to two more octal digits; in a class \1-\7 the same way.
                let mut code = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            code = code * 8 + d;
                            self.at += 1;
                        }
                        None => break,
                    }
                }
                char_of(code)?
            }
            '8' | '9' if in_class => c,
            'o' => {
                self.expect('{', r"\o must be followed by {")?;
                let digits = self.until('}', r"\o{...}")?;
                let code = u32::from_str_radix(&digits, 8).map_err(|_| format!(r"non-octal character in \o{{{digits}}}"))?;
                char_of(code)?
            }
            'x' => {
                if self.peek() == Some('{') {
                    self.at += 1;
                    let digits = self.until('}', r"\x{...}")?;
                    let code = u32::from_str_radix(&digits, 16).map_err(|_| format!(r"non-hex character in \x{{{digits}}}"))?;
                    char_of(code)?
                } else {
                    // Up to two hex digits; none is NUL.
                    let mut code = 0;
                    for _ in 0..2 {
                        match self.peek().and_then(|d| d.to_digit(16)) {
                            Some(d) => {
                                code = code * 16 + d;
                                self.at += 1;
                            }
                            None => break,
                        }
                    }
                    char_of(code)?
                }
            }
            'c' => match self.next() {
                Some(x) if (' '..='~').contains(&x) => char_of(u32::from(x.to_ascii_uppercase()) ^ 0x40)?,
                _ => return Err(String::from(r"\c must be followed by a printable ASCII character")),
            },
            'N' => {
                self.expect('{', r"\N{U+hh..} expected")?;
                let name = self.until('}', r"\N{U+hh..}")?;
                let hex = name.strip_prefix("U+").ok_or_else(|| String::from(r"\N{name} is not supported; use \N{U+hh..}"))?;
                char_of(u32::from_str_radix(hex, 16).map_err(|_| format!(r"bad \N{{{name}}}"))?)?
            }
            c if c.is_ascii_alphanumeric() => return Err(format!(r"unrecognized character follows \: {c}")),
            // Any other character escaped is itself.
            c => c,
        })
    }

    /// `\p` or `\P` just read: the property as a class piece.
    fn property(&mut self, negated: bool) -> Result<ClassPiece, String> {
        let name = match self.next() {
            Some('{') => self.until('}', r"\p{...}")?,
            Some(c) if c.is_ascii_alphabetic() => c.to_string(),
            _ => return Err(String::from(r"malformed \P or \p sequence")),
        };
        let (name, negated) = match name.strip_prefix('^') {
            Some(rest) => (rest.to_owned(), !negated),
            None => (name, negated),
        };
        let piece = match name.as_str() {
            "L&" | "Lc" | "LC" => ClassPiece::of(r"\p{LC}"),
            "Xan" => ClassPiece::of(r"\p{L}\p{N}"),
            "Xps" | "Xsp" => ClassPiece::of(r"\s"),
            "Xwd" => ClassPiece::of(WORD),
            "Xuc" => ClassPiece::of(r"\x{24}\x{40}\x{60}\x{A0}-\x{D7FF}\x{E000}-\x{10FFFF}"),
            "Any" => ClassPiece::of(r"\x{0}-\x{10FFFF}"),
            _ => ClassPiece::of(&format!(r"\p{{{name}}}")),
        };
        Ok(if negated { piece.negate() } else { piece })
    }

    /// `[` just read: a class up to its `]`.
    fn class(&mut self) -> Result<(), String> {
        if let Some(kind @ (':' | '.' | '=')) = self.peek() {
            let rest: String = self.chars[self.at + 1..].iter().collect();
            if rest.find(&format!("{kind}]")).is_some_and(|end| !rest[..end].contains(']')) {
                return Err(String::from("POSIX named classes are supported only within a class"));
            }
        }
        let negated = self.peek() == Some('^');
        if negated {
            self.at += 1;
        }
        // Characters and ranges, and the sets (escapes, POSIX classes) as Rust syntax.
        let mut ranges: Vec<(char, char)> = Vec::new();
        let mut pieces = String::new();
        // The last item, when it was a single character (a range may start there).
        let mut last_char: Option<char> = None;
        let mut first = true;
        loop {
            let Some(c) = self.next() else { return Err(String::from("missing terminating ] for character class")) };
            if c == ']' && !first {
                break;
            }
            first = false;
            if self.flags.extended_more && (c == ' ' || c == '\t') {
                continue;
            }
            // A range: a character, `-`, a character (not `]`).
            if c == '-' && last_char.is_some() && self.peek().is_some_and(|n| n != ']') {
                let low = last_char.take().unwrap_or('\0');
                let mut rest = Vec::new();
                let high = match self.class_atom()? {
                    Atom::Char(high) => high,
                    // `a-\Qxy\E`: the range ends at x, y follows.
                    Atom::Chars(chars) => {
                        rest = chars[1..].to_vec();
                        chars[0]
                    }
                    Atom::Piece(_) => return Err(String::from("invalid range in character class")),
                    Atom::Nothing => return Err(String::from("invalid range in character class")),
                };
                if high < low {
                    return Err(String::from("range out of order in character class"));
                }
                ranges.pop();
                ranges.push((low, high));
                ranges.extend(rest.iter().map(|&c| (c, c)));
                continue;
            }
            self.at -= 1;
            match self.class_atom()? {
                Atom::Char(ch) => {
                    ranges.push((ch, ch));
                    last_char = Some(ch);
                }
                Atom::Chars(chars) => {
                    ranges.extend(chars.iter().map(|&c| (c, c)));
                    last_char = chars.last().copied();
                }
                Atom::Piece(piece) => {
                    if self.peek() == Some('-') && self.peek_at(1).is_some_and(|n| n != ']') {
                        return Err(String::from("invalid range in character class"));
                    }
                    pieces.push_str(&piece.inside());
                    last_char = None;
                }
                Atom::Nothing => {}
            }
        }
        // Under `i`, PCRE2 folds the characters but not the sets (`[\p{Lu}]` stays upper
        // case): the characters' other cases are listed, and the class is case-sensitive.
        let caseless = self.flags.caseless && !pieces.is_empty();
        let mut chars = ClassUnicode::new(ranges.iter().map(|&(low, high)| ClassUnicodeRange::new(low, high)));
        if caseless {
            chars.case_fold_simple();
        }
        let mut body = String::new();
        for range in chars.iter() {
            body.push_str(&literal(range.start()));
            if range.end() != range.start() {
                body.push('-');
                body.push_str(&literal(range.end()));
            }
        }
        body.push_str(&pieces);
        let class = match (body.is_empty(), negated) {
            (true, false) => String::from("(*FAIL)"),
            (true, true) => String::from("(?s:.)"),
            _ => ClassPiece { body, negated }.outside(),
        };
        self.out.push_str(&if caseless { format!("(?-i:{class})") } else { class });
        Ok(())
    }

    /// One item of a class: a character, a POSIX class or escape standing for a set, or
    /// nothing (`\E`, a `\Q\E` pair).
    fn class_atom(&mut self) -> Result<Atom, String> {
        let Some(c) = self.next() else { return Err(String::from("missing terminating ] for character class")) };
        match c {
            '[' if matches!(self.peek(), Some(':' | '.' | '=')) => {
                let kind = self.peek().unwrap_or(':');
                let rest: String = self.chars[self.at + 1..].iter().collect();
                let Some(end) = rest.find(&format!("{kind}]")) else { return Ok(Atom::Char('[')) };
                let name = &rest[..end];
                self.at += 1 + name.chars().count() + 2;
                if kind != ':' {
                    return Err(String::from("POSIX collating elements are not supported"));
                }
                let (name, negated) = match name.strip_prefix('^') {
                    Some(name) => (name, true),
                    None => (name, false),
                };
                let piece = match name {
                    "alpha" => ClassPiece::of(r"\p{L}"),
                    "lower" => ClassPiece::of(r"\p{Ll}"),
                    "upper" => ClassPiece::of(r"\p{Lu}"),
                    "alnum" => ClassPiece::of(r"\p{L}\p{N}"),
                    "digit" => ClassPiece::of(r"\p{Nd}"),
                    "space" => ClassPiece::of(r"\s"),
                    "word" => ClassPiece::of(WORD),
                    "blank" => ClassPiece::of(HSPACE),
                    "cntrl" => ClassPiece::of(r"\p{Cc}"),
                    "ascii" => ClassPiece::of(r"\x{0}-\x{7F}"),
                    "xdigit" => ClassPiece::of("0-9A-Fa-f"),
                    "graph" => ClassPiece::of(GRAPH),
                    "print" => ClassPiece::of(PRINT),
                    "punct" => ClassPiece::of(PUNCT),
                    _ => return Err(String::from("unknown POSIX class name")),
                };
                Ok(Atom::Piece(if negated { piece.negate() } else { piece }))
            }
            '\\' => {
                let Some(e) = self.next() else { return Err(String::from(r"\ at end of pattern")) };
                Ok(match e {
                    'Q' => {
                        // Literal characters up to \E, each an item of the class.
                        let mut chars = Vec::new();
                        while let Some(c) = self.next() {
                            if c == '\\' && self.peek() == Some('E') {
                                self.at += 1;
                                break;
                            }
                            chars.push(c);
                        }
                        match chars[..] {
                            [] => Atom::Nothing,
                            [c] => Atom::Char(c),
                            _ => Atom::Chars(chars),
                        }
                    }
                    'E' => Atom::Nothing,
                    'd' | 'D' | 's' | 'S' => Atom::Piece(ClassPiece::of(&format!("\\{e}"))),
                    'w' => Atom::Piece(ClassPiece::of(WORD)),
                    'W' => Atom::Piece(ClassPiece::not(WORD)),
                    'h' => Atom::Piece(ClassPiece::of(HSPACE)),
                    'H' => Atom::Piece(ClassPiece::not(HSPACE)),
                    'v' => Atom::Piece(ClassPiece::of(VSPACE)),
                    'V' => Atom::Piece(ClassPiece::not(VSPACE)),
                    'p' | 'P' => Atom::Piece(self.property(e == 'P')?),
                    'N' if self.looking_at("{U+") => Atom::Char(self.char_escape('N', true)?),
                    'B' | 'R' | 'X' | 'N' | 'A' | 'z' | 'Z' | 'G' | 'K' | 'g' | 'k' | 'C' => {
                        return Err(format!(r"escape sequence \{e} is invalid in character class"));
                    }
                    e => Atom::Char(self.char_escape(e, true)?),
                })
            }
            c => Ok(Atom::Char(c)),
        }
    }

    /// `(` just read.
    fn open_group(&mut self) -> Result<(), String> {
        // For references, which are items.
        self.atom_start = self.out.len();
        if self.peek() == Some('*') && self.peek_at(1).is_some_and(|c| c.is_ascii_uppercase() || c == ':') {
            let verb = self.until(')', "(*VERB)")?;
            return match verb.as_str() {
                "*FAIL" | "*F" => {
                    self.out.push_str("(*FAIL)");
                    self.repeatable = true;
                    self.consumes();
                    Ok(())
                }
                _ => Err(format!("({verb}) is not supported")),
            };
        }
        if self.peek() != Some('?') {
            self.push_scope(false);
            if self.flags.no_auto_capture {
                self.out.push_str("(?:");
            } else {
                self.groups += 1;
                self.out.push('(');
            }
            return Ok(());
        }
        self.at += 1;
        let Some(c) = self.next() else { return Err(String::from("unrecognized character after (?")) };
        match c {
            '#' => {
                self.until(')', "comment")?;
            }
            ':' | '=' | '!' | '>' => {
                self.push_scope(c == '=' || c == '!');
                self.out.push_str(&format!("(?{c}"));
            }
            '|' => return Err(String::from("branch reset groups (?|...) are not supported")),
            '<' if matches!(self.peek(), Some('=' | '!')) => {
                self.push_scope(true);
                self.out.push_str("(?<");
                let kind = self.next();
                self.out.extend(kind);
            }
            '<' | '\'' => self.named_group(if c == '<' { '>' } else { '\'' })?,
            'P' => match self.next() {
                Some('<') => self.named_group('>')?,
                Some('=') => {
                    let name = self.until(')', "(?P=name)")?;
                    let reference = self.named_reference(&name);
                    self.out.push_str(&reference);
                    self.repeatable = true;
                    self.consumes();
                }
                Some('>') => {
                    let name = self.until(')', "(?P>name)")?;
                    self.out.push_str(&format!(r"\g<{name}>"));
                    self.repeatable = true;
                    self.consumes();
                }
                _ => return Err(String::from("unrecognized character after (?P")),
            },
            '&' => {
                let name = self.until(')', "(?&name)")?;
                self.out.push_str(&format!(r"\g<{name}>"));
                self.repeatable = true;
                self.consumes();
            }
            'R' if self.peek() == Some(')') => {
                self.at += 1;
                self.out.push_str(r"\g<0>");
                self.repeatable = true;
                self.consumes();
            }
            '0'..='9' | '+' | '-' if c != '-' || self.peek().is_some_and(|d| d.is_ascii_digit()) => {
                let mut target = c.to_string();
                target.push_str(&self.until(')', "(?n)")?);
                let target = self.resolve(&target)?;
                self.out.push_str(&format!(r"\g<{target}>"));
                self.repeatable = true;
                self.consumes();
            }
            '(' => {
                // A condition: an assertion group follows as such; anything else (a group
                // number or name, R, DEFINE) is copied, relative numbers made absolute.
                self.push_scope(false);
                self.out.push_str("(?");
                if matches!(self.peek(), Some('?')) {
                    // `(?=`, `(?!`, `(?<=` or `(?<!` as a group of its own.
                    self.open_group()?;
                } else {
                    let condition = self.until(')', "condition")?;
                    let condition = if condition.starts_with(['+', '-']) { self.resolve(&condition)? } else { condition };
                    if let Ok(number) = condition.parse::<usize>() {
                        self.conditions.push(number);
                    }
                    self.out.push_str(&format!("({condition})"));
                }
            }
            _ => {
                self.at -= 1;
                self.option_setting()?;
            }
        }
        Ok(())
    }

    /// `(?<` or `(?'` (or `(?P<`) just read: the name up to `close`, a capture group.
    fn named_group(&mut self, close: char) -> Result<(), String> {
        let name = self.until(close, "group name")?;
        if self.names.iter().any(|(n, _)| *n == name) && !self.duplicate_names {
            return Err(format!("two named subpatterns have the same name: {name}"));
        }
        self.groups += 1;
        self.names.push((name.clone(), self.groups));
        self.push_scope(false);
        self.out.push_str(&format!("(?<{name}>"));
        Ok(())
    }

    /// `(?` just read, then option letters up to `)` (for the rest of the enclosing group)
    /// or `:` (a group of its own).
    fn option_setting(&mut self) -> Result<(), String> {
        let mut flags = self.flags;
        let (mut on, mut off) = (String::new(), String::new());
        self.repeatable = false;
        let mut unset = false;
        if self.peek() == Some('^') {
            self.at += 1;
            flags = Flags { multiline: false, extended: false, extended_more: false, no_auto_capture: false, caseless: false, ..flags };
            off.push_str("ims");
        }
        let end = loop {
            let Some(c) = self.next() else { return Err(String::from("missing ) after (? options")) };
            let rust = if unset { &mut off } else { &mut on };
            match c {
                ')' | ':' => break c,
                '-' if !unset => unset = true,
                'i' => {
                    rust.push('i');
                    flags.caseless = !unset;
                }
                's' => rust.push(c),
                'U' => {
                    rust.push('U');
                    flags.ungreedy = !unset;
                }
                'm' => {
                    rust.push('m');
                    flags.multiline = !unset;
                }
                'x' => {
                    if self.peek() == Some('x') {
                        self.at += 1;
                        flags.extended_more = !unset;
                    } else if unset {
                        flags.extended_more = false;
                    }
                    flags.extended = !unset;
                }
                'n' => flags.no_auto_capture = !unset,
                'J' => self.duplicate_names = !unset,
                other => return Err(format!("unrecognized character after (? or (?-: {other}")),
            }
        };
        // Rust refuses a letter given twice, or both set and unset.
        let mut set = String::new();
        for c in on.chars() {
            if !set.contains(c) {
                set.push(c);
            }
        }
        let off: String = off.chars().filter(|&c| !set.contains(c)).fold(String::new(), |mut off, c| {
            if !off.contains(c) {
                off.push(c);
            }
            off
        });
        if !off.is_empty() {
            set.push('-');
            set.push_str(&off);
        }
        if end == ':' {
            self.push_scope(false);
            self.flags = flags;
            self.out.push_str(&format!("(?{set}:"));
        } else {
            self.flags = flags;
            if !set.is_empty() {
                self.out.push_str(&format!("(?{set})"));
            }
        }
        Ok(())
    }
}

/// An item of a class.
enum Atom {
    Char(char),
    /// From `\Q...\E`.
    Chars(Vec<char>),
    Piece(ClassPiece),
    Nothing,
}

/// A numbered backreference, closed off so that a digit after it stays a digit.
fn backref(number: usize) -> String {
    format!(r"(?:\k<{number}>)")
}

#[cfg(test)]
mod tests {
    use super::translate;

    fn t(pattern: &str) -> String {
        translate(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
    }

    #[test]
    fn anchors() {
        assert_eq!(t("a$"), r"a(?=\n?\z)");
        assert_eq!(t("(?m)a$"), "(?m)a$");
        assert_eq!(t("(?m:^a)^"), r"(?m:(?:\A|^(?!\z))a)^");
        assert_eq!(t(r"a\Z\z\A"), r"a(?=\n?\z)\z\A");
    }

    #[test]
    fn literals_and_braces() {
        assert_eq!(t("x{"), r"x\x{7B}");
        assert_eq!(t("a{,2}"), r"a\x{7B}\x{2C}2\x{7D}");
        assert_eq!(t("a{2,}b{1,3}?c{4}+"), "a{2,}b{1,3}?c{4}+");
        assert_eq!(t(r"\<a\>"), r"\x{3C}a\x{3E}");
        assert_eq!(t(r"\Qa.b\E."), r"a\x{2E}b.");
        assert_eq!(t(r"\x41\x{263a}\o{101}\cA\0\x"), "A☺A\\x{1}\\x{0}\\x{0}");
        assert_eq!(t("a(?#comment)b"), "ab");
        assert_eq!(t("(?x) a b # comment\n c [ ]"), r"abc[\x{20}]");
        assert_eq!(t("(?xx)[ a]"), "[a]");
    }

    #[test]
    fn classes() {
        assert_eq!(t("[]a]"), r"[\x{5D}a]");
        assert_eq!(t("[^]a]"), r"[^\x{5D}a]");
        assert_eq!(t("[[]"), r"[\x{5B}]");
        assert_eq!(t("[a&&b~~-]"), r"[\x{26}\x{2D}a-b\x{7E}]");
        assert_eq!(t("[a-z0-9]"), "[0-9a-z]");
        assert_eq!(t(r"[\w-]"), r"[\x{2D}\p{L}\p{N}_]");
        assert_eq!(t(r"[^\W\d]"), r"[^[^\p{L}\p{N}_]\d]");
        assert_eq!(t("[[:alpha:][:^digit:]]"), r"[\p{L}[^\p{Nd}]]");
        assert_eq!(t(r"[\b\8]"), r"[\x{8}8]");
        assert_eq!(t(r"[a-\Qcx\E]"), "[a-cx]");
        assert!(translate(r"[\d-z]").is_err());
        assert!(translate("[z-a]").is_err());
        assert!(translate("[:alpha:]").is_err());
        assert!(translate("[[:foo:]]").is_err());
        assert!(translate("[a").is_err());
    }

    #[test]
    fn escapes_and_properties() {
        assert_eq!(t(r"\w\W"), r"[\p{L}\p{N}_][^\p{L}\p{N}_]");
        assert_eq!(t(r"\p{L&}\P{Xan}\p{^Lu}\pL"), r"[\p{LC}][^\p{L}\p{N}][^\p{Lu}][\p{L}]");
        assert!(translate(r"\q").is_err());
        assert!(translate(r"\U").is_err());
        assert!(translate("a\\").is_err());
    }

    #[test]
    fn groups_and_references() {
        assert_eq!(t(r"(a)\1\g{-1}\g1"), r"(a)(?:\k<1>)(?:\k<1>)(?:\k<1>)");
        assert_eq!(t(r"(?<n>a)\k'n'\k{n}(?P=n)\g{n}"), r"(?<n>a)\k<n>\k<n>\k<n>\k<n>");
        assert_eq!(t("(?'n'a)(?&n)(?P>n)(?1)(?-1)(?R)"), r"(?<n>a)\g<n>\g<n>\g<1>\g<1>\g<0>");
        assert_eq!(t(r"\10"), r"\x{8}", "octal before ten groups");
        assert_eq!(t(r"(?n)(a)(?<x>b)\1"), r"(?:a)(?<x>b)(?:\k<1>)");
        assert_eq!(t("(?i-m)a(?^)b(?s:c)"), "(?i-m)a(?-ims)b(?s:c)");
        assert_eq!(t("(*UTF)(*UCP)a(*F)"), "a(*FAIL)");
        assert!(translate("(?|a)").is_err());
        assert!(translate("(?(1)a|b)").is_err());
        assert!(translate("(?<n>a)(?<n>b)").is_err());
        assert_eq!(t(r"\k<n>(?<n>a)\k<n>"), r"(?:\k<1>)(?<n>a)\k<n>");
        assert_eq!(t("(?(1)a|b)(x)"), "(?(1)a|b)(x)");
        assert!(translate("(*COMMIT)").is_err());
        assert!(translate(r"(?=a\K)").is_err());
        assert_eq!(t(r"\N{2}\N{U+41}"), r"[^\n]{2}A");
        assert!(translate(r"\N{,2}").is_err());
        assert_eq!(t(r"(?i)\p{Lu}(?-i)\p{Lu}"), r"(?i)(?-i:[\p{Lu}])(?-i)[\p{Lu}]");
        assert_eq!(t(r"(?i)[a-c[:upper:]]"), r"(?i)(?-i:[A-Ca-c\p{Lu}])");
        assert_eq!(t(r"(?i)[k\d]"), "(?i)(?-i:[Kk\u{212a}\\d])", "with the Kelvin sign");
        assert_eq!(t(r"(?U)a*+b+"), "(?U)(?>a*?)b+");
    }

    #[test]
    fn quantified_lookarounds() {
        assert_eq!(t("(?=a)*b"), "(?:(?=a)|)b");
        assert_eq!(t("(?!a)??b"), "(?:|(?!a))b");
        assert_eq!(t("(?<=a){2,}b"), "(?<=a)b");
        assert_eq!(t("(?=a){0}b"), "b");
        assert_eq!(t("(?=a){,2}b"), r"(?=a)\x{7B}\x{2C}2\x{7D}b", "not a quantifier: a literal");
    }

    #[test]
    fn quantifiers_need_something_to_repeat() {
        for bad in ["*a", "a**", "a{2}{3}", "a{2}++", "^*", r"\b+", "(?i)*", "(*", "|*", "(?#c)*a", r"\Q\E*", "a{3,2}", "a{70000}"] {
            assert!(translate(bad).is_err(), "{bad}");
        }
        assert_eq!(t("a+(?#c)?(?=b)(?#c)*"), "a+?(?:(?=b)|)");
        assert_eq!(t(r"(?:\b)*(?i:(?m)){2,}(a)+"), r"(?:(?:\b)|)(?i:(?m))(a)+", "groups that only match empty");
        for good in ["a{2}+", "a{2}?", "a(?#c)*", r"a\Q\E*", r"a\E*", "(a)*", "[a]+", r"\d{2}", r"\Qab\E+", "(?x)a *"] {
            assert!(translate(good).is_ok(), "{good}");
        }
    }
}
