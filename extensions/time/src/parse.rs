//! `time_parse()`: sqlean picks a layout by the text's length and reads it with C's
//! `sscanf`, so it accepts what `sscanf` accepts (signs, blanks before numbers, digits of
//! any count) and gives zero time for anything else. This reads the same way.

use crate::timex::Time;

/// The parts a layout reads, in `time_date()`'s order, and the zone text after them.
struct Parts {
    /// year, month, day, hour, min, sec, nsec
    numbers: [i32; 7],
    /// Up to six bytes of zone offset (`+07:00`); empty when the layout has none.
    zone: [u8; 6],
}

/// What a layout's directive reads.
#[derive(Clone, Copy)]
enum Directive {
    /// `%d` into one of `Parts::numbers`.
    Number(usize),
    /// `%*c`: any one byte, read and dropped.
    AnyByte,
    /// `%6s`: the zone.
    Zone,
    /// A byte that must be next.
    Literal(u8),
}

use Directive::{AnyByte, Literal, Number, Zone};

const YEAR: usize = 0;
const MONTH: usize = 1;
const DAY: usize = 2;
const HOUR: usize = 3;
const MIN: usize = 4;
const SEC: usize = 5;
const NSEC: usize = 6;

/// C's `isspace` in the C (and UTF-8) locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Reads `input` as `sscanf` would with `layout`; returns how many values were stored.
fn scan(input: &[u8], layout: &[Directive], parts: &mut Parts) -> usize {
    let mut at = 0;
    let mut stored = 0;
    let skip_space = |at: &mut usize| {
        while *at < input.len() && is_space(input[*at]) {
            *at += 1;
        }
    };
    for directive in layout {
        match *directive {
            Literal(b) => {
                if input.get(at) != Some(&b) {
                    return stored;
                }
                at += 1;
            }
            AnyByte => {
                if at >= input.len() {
                    return stored;
                }
                at += 1;
            }
            Zone => {
                skip_space(&mut at);
                let start = at;
                while at < input.len() && at - start < 6 && !is_space(input[at]) {
                    at += 1;
                }
                if at == start {
                    return stored;
                }
                parts.zone[..at - start].copy_from_slice(&input[start..at]);
                stored += 1;
            }
            Number(slot) => {
                skip_space(&mut at);
                let negative = match input.get(at) {
                    Some(b'-') => {
                        at += 1;
                        true
                    }
                    Some(b'+') => {
                        at += 1;
                        false
                    }
                    _ => false,
                };
                let start = at;
                // glibc reads the digits with strtol, which saturates at the ends of a
                // 64-bit long; the store into an int keeps its low 32 bits.
                let mut value: i64 = 0;
                while let Some(&b) = input.get(at).filter(|b| b.is_ascii_digit()) {
                    let digit = i64::from(b - b'0');
                    value = value.saturating_mul(10);
                    value = if negative { value.saturating_sub(digit) } else { value.saturating_add(digit) };
                    at += 1;
                }
                if at == start {
                    return stored;
                }
                parts.numbers[slot] = value as i32;
                stored += 1;
            }
        }
    }
    stored
}

/// The time that `text` (up to its first NUL, as C sees it) spells; zero time when it is
/// none of sqlean's layouts.
pub fn parse(text: &[u8]) -> Time {
    let text = text.split(|&b| b == 0).next().unwrap_or_default();
    let mut parts = Parts { numbers: [1, 1, 1, 0, 0, 0, 0], zone: [0; 6] };

    const DATE: [Directive; 5] = [Number(YEAR), Literal(b'-'), Number(MONTH), Literal(b'-'), Number(DAY)];
    const CLOCK: [Directive; 5] = [Number(HOUR), Literal(b':'), Number(MIN), Literal(b':'), Number(SEC)];
    let concat = |pieces: &[&[Directive]]| pieces.concat();
    let (layout, wanted): (Vec<Directive>, usize) = match text.len() {
        // 2006-01-02T15:04:05.999999999+07:00
        35 => (concat(&[&DATE, &[Literal(b'T')], &CLOCK, &[Literal(b'.'), Number(NSEC), Zone]]), 8),
        // 2006-01-02T15:04:05.999999999Z (the Z itself is never checked: nothing follows it)
        30 => (concat(&[&DATE, &[Literal(b'T')], &CLOCK, &[Literal(b'.'), Number(NSEC)]]), 7),
        // 2006-01-02T15:04:05+07:00
        25 => (concat(&[&DATE, &[Literal(b'T')], &CLOCK, &[Zone]]), 7),
        // 2006-01-02T15:04:05Z, 2006-01-02 15:04:05 (any one byte between date and clock)
        19 | 20 => (concat(&[&DATE, &[AnyByte], &CLOCK]), 6),
        // 2006-01-02
        10 => (DATE.to_vec(), 3),
        // 15:04:05
        8 => (CLOCK.to_vec(), 3),
        _ => return Time::ZERO,
    };
    if scan(text, &layout, &mut parts) != wanted {
        return Time::ZERO;
    }

    let mut offset_sec = 0;
    let zone = parts.zone;
    if zone[0] != 0 {
        // `+07:00`, read by position whatever the bytes are, as sqlean does: its `char`
        // is signed, so bytes past ASCII count as negative.
        let b = |i: usize| i32::from(zone[i] as i8) - i32::from(b'0');
        let sign = if zone[0] == b'-' { -1 } else { 1 };
        offset_sec = (b(1) * 10 + b(2)) * 3600 * sign + (b(4) * 10 + b(5)) * 60 * sign;
    }
    let [year, month, day, hour, min, sec, nsec] = parts.numbers;
    Time::date(year, month, day, hour, min, sec, nsec, offset_sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(sec: i64, nsec: i64) -> Time {
        Time::unix(sec, nsec)
    }

    #[test]
    fn documented_layouts() {
        assert_eq!(parse(b"2011-11-18T15:56:35.666777888Z"), unix(1321631795, 666777888));
        assert_eq!(parse(b"2011-11-18T19:26:35.666777888+03:30"), unix(1321631795, 666777888));
        assert_eq!(parse(b"2011-11-18T12:26:35.666777888-03:30"), unix(1321631795, 666777888));
        assert_eq!(parse(b"2011-11-18T15:56:35Z"), unix(1321631795, 0));
        assert_eq!(parse(b"2011-11-18T19:26:35+03:30"), unix(1321631795, 0));
        assert_eq!(parse(b"2011-11-18T12:26:35-03:30"), unix(1321631795, 0));
        assert_eq!(parse(b"2011-11-18 15:56:35"), unix(1321631795, 0));
        assert_eq!(parse(b"2011-11-18"), Time::date(2011, 11, 18, 0, 0, 0, 0, 0));
        assert_eq!(parse(b"15:56:35"), Time::date(1, 1, 1, 15, 56, 35, 0, 0));
    }

    #[test]
    fn what_sscanf_lets_through_and_what_not() {
        assert_eq!(parse(b"2011-11-18 15:56:3x"), Time::date(2011, 11, 18, 15, 56, 3, 0, 0));
        assert_eq!(parse(b"+011- 1-18"), Time::date(11, 1, 18, 0, 0, 0, 0, 0));
        assert_eq!(parse(b"2011-11-1x"), Time::date(2011, 11, 1, 0, 0, 0, 0, 0));
        assert_eq!(parse(b"2011/11/18"), Time::ZERO);
        assert_eq!(parse(b"2011-11-18\0junk"), Time::date(2011, 11, 18, 0, 0, 0, 0, 0));
        assert_eq!(parse(b"hello"), Time::ZERO);
        assert_eq!(parse(b""), Time::ZERO);
    }
}
