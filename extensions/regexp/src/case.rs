//! Case forcing in replacements (`\U`, `\L`, `\u`, `\l`) as PCRE2 does it: a letter not
//! already of the wanted case becomes its "other case", the partner that Unicode's simple
//! case folding pairs it with, which is not always what `char::to_uppercase` gives: `ß`
//! becomes `ẞ` (not `SS`), `µ` becomes `μ`, `ǅ` becomes `ǆ` whichever case is forced.

use std::sync::OnceLock;

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, HirKind};

struct Categories {
    letter: ClassUnicode,
    upper: ClassUnicode,
    lower: ClassUnicode,
}

fn categories() -> &'static Categories {
    static CATEGORIES: OnceLock<Categories> = OnceLock::new();
    CATEGORIES.get_or_init(|| Categories { letter: class(r"\p{L}"), upper: class(r"\p{Lu}"), lower: class(r"\p{Ll}") })
}

/// A Unicode class from regex-syntax's tables (empty if the pattern were not one, which
/// these constant ones are).
fn class(pattern: &str) -> ClassUnicode {
    match regex_syntax::parse(pattern).map(|hir| hir.into_kind()) {
        Ok(HirKind::Class(Class::Unicode(class))) => class,
        _ => ClassUnicode::empty(),
    }
}

fn contains(class: &ClassUnicode, c: char) -> bool {
    let ranges = class.ranges();
    ranges
        .binary_search_by(|r| {
            if r.end() < c {
                std::cmp::Ordering::Less
            } else if r.start() > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// The case a replacement forces on the next character(s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Force {
    Upper,
    Lower,
}

/// `c` as `force` makes it: a letter whose category is not the wanted one (Lu or Ll)
/// becomes its other case; anything else stays.
pub fn forced(c: char, force: Force) -> char {
    let cats = categories();
    let wanted = match force {
        Force::Upper => &cats.upper,
        Force::Lower => &cats.lower,
    };
    if contains(&cats.letter, c) && !contains(wanted, c) { other_case(c) } else { c }
}

/// The characters that simple case folding makes equal to `c`, `c` among them, ascending.
fn orbit(c: char) -> Vec<char> {
    let mut class = ClassUnicode::new([ClassUnicodeRange::new(c, c)]);
    class.case_fold_simple();
    class.iter().flat_map(|r| r.start()..=r.end()).collect()
}

/// PCRE2's other case of `c`: the character that `c` folds to, or, for the one the others
/// fold to, the lowest of those others; `c` itself when nothing folds with it, and for a
/// character beyond ASCII that folds to one in it.
pub fn other_case(c: char) -> char {
    let orbit = orbit(c);
    if orbit.len() < 2 {
        return c;
    }
    let target = fold_target(&orbit);
    if c == target {
        orbit.iter().copied().find(|&o| o != c).unwrap_or(c)
    } else if target.is_ascii() && !c.is_ascii() {
        // PCRE2 gives `ſ` and the Kelvin sign no other case: never an ASCII one from beyond.
        c
    } else {
        target
    }
}

/// The only character of a case mapping, if it has one.
fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
    let first = chars.next();
    if chars.next().is_some() { None } else { first }
}

/// The member of a folding orbit that the others fold to: its own lowercase, and the
/// lowercase of its uppercase (`σ`, not `ς`; `μ`, not `µ`). Cherokee folds to uppercase.
fn fold_target(orbit: &[char]) -> char {
    if let Some(&upper) = orbit.iter().find(|c| ('\u{13a0}'..='\u{13f5}').contains(c)) {
        return upper;
    }
    let own_lower: Vec<char> = orbit.iter().copied().filter(|&c| single(c.to_lowercase()) == Some(c)).collect();
    let round_trip = own_lower.iter().copied().find(|&c| single(c.to_uppercase()).and_then(|u| single(u.to_lowercase())) == Some(c));
    round_trip.or(own_lower.first().copied()).unwrap_or(orbit[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_cases_as_pcre_has_them() {
        for (c, other) in [
            ('a', 'A'),
            ('A', 'a'),
            ('ß', 'ẞ'),
            ('ẞ', 'ß'),
            ('µ', 'μ'),
            ('μ', 'µ'),
            ('ǅ', 'ǆ'),
            ('ǆ', 'Ǆ'),
            ('σ', 'Σ'),
            ('ς', 'σ'),
            ('ᾳ', 'ᾼ'),
            ('k', 'K'),
            ('K', 'k'),
            ('\u{212a}', '\u{212a}'),
            ('ſ', 'ſ'),
            ('ı', 'ı'),
            ('İ', 'İ'),
            ('ﬀ', 'ﬀ'),
            ('1', '1'),
        ] {
            assert_eq!(other_case(c), other, "{c}");
        }
    }

    #[test]
    fn forcing_changes_only_letters_of_the_other_case() {
        assert_eq!(forced('b', Force::Upper), 'B');
        assert_eq!(forced('B', Force::Upper), 'B');
        assert_eq!(forced('ǅ', Force::Upper), 'ǆ', "a titlecase letter is neither: its other case");
        assert_eq!(forced('ſ', Force::Lower), 'ſ');
        assert_eq!(forced('ς', Force::Upper), 'σ');
        assert_eq!(forced('K', Force::Upper), 'K');
        assert_eq!(forced('日', Force::Upper), '日');
        assert_eq!(forced('-', Force::Lower), '-');
    }
}
