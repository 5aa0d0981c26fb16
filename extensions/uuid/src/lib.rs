//! UUIDs in SQL, as sqlean's `uuid` module has them: `uuid4()` (alias `gen_random_uuid()`),
//! `uuid7()` and `uuid7(seconds)`, `uuid_str(x)`, `uuid_blob(x)`, `uuid7_timestamp_ms(x)`;
//! plus `uuid()`, the same as `uuid4()`.
//!
//! A UUID argument is a 16-byte blob, or text of 32 hex digits (either case) with an
//! optional `{` before and `}` after and at most one `-` before each pair of digits; the
//! text ends at its first NUL, as a C string does. Anything else (other blobs, numbers,
//! white space, `urn:uuid:`) gives NULL, never an error.

use sqlink_sdk::{Value, export_extension, sqlite_scalar};
use uuid::Uuid;

/// A random version 4 UUID as text, e.g. 'a3b1c2d4-…'.
#[sqlite_scalar]
pub fn uuid() -> String {
    uuid4()
}

/// A random version 4 UUID as text. Also `gen_random_uuid()`, as PostgreSQL names it.
#[sqlite_scalar]
pub fn uuid4() -> String {
    Uuid::new_v4().hyphenated().to_string()
}

/// A time-ordered version 7 UUID as text: the current Unix time in milliseconds, then
/// random bits.
#[sqlite_scalar]
pub fn uuid7() -> String {
    Uuid::now_v7().hyphenated().to_string()
}

/// A version 7 UUID for the Unix time `seconds` (its milliseconds are zero). As in sqlean,
/// only an integer argument sets the time (wrapping to 48 bits of milliseconds, as C's
/// unsigned arithmetic does); any other argument, NULL included, takes the current time.
#[sqlite_scalar(name = "uuid7")]
pub fn uuid7_at(seconds: &Value) -> String {
    let Value::Integer(seconds) = seconds else { return uuid7() };
    let ms = (*seconds as u64).wrapping_mul(1000);
    // A v4 UUID's bytes are random but for the version and variant bits set below anyway.
    let mut bytes = Uuid::new_v4().into_bytes();
    bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    bytes[6] = 0x70 | (bytes[6] & 0x0f);
    bytes[8] = 0x80 | (bytes[8] & 0x3f);
    Uuid::from_bytes(bytes).hyphenated().to_string()
}

/// A UUID (16-byte blob or text) as canonical lowercase text.
#[sqlite_scalar(deterministic, innocuous)]
pub fn uuid_str(x: &Value) -> Option<String> {
    parse(x).map(|bytes| Uuid::from_bytes(bytes).hyphenated().to_string())
}

/// A UUID (text or 16-byte blob) as a 16-byte blob.
#[sqlite_scalar(deterministic, innocuous)]
pub fn uuid_blob(x: &Value) -> Option<Vec<u8>> {
    parse(x).map(|bytes| bytes.to_vec())
}

/// The Unix time in milliseconds in the first 48 bits of a version 7 UUID (text or blob);
/// NULL if the version digit is not 7.
#[sqlite_scalar(deterministic, innocuous)]
pub fn uuid7_timestamp_ms(x: &Value) -> Option<i64> {
    let bytes = parse(x)?;
    if bytes[6] >> 4 != 7 {
        return None;
    }
    Some(bytes[..6].iter().fold(0i64, |ms, &b| (ms << 8) | i64::from(b)))
}

/// The 16 bytes of a UUID argument (see the crate docs for the accepted forms).
fn parse(value: &Value) -> Option<[u8; 16]> {
    match value {
        Value::Text(text) => {
            let text = text.as_bytes();
            // SQLite hands C code the text up to its first NUL.
            parse_text(text.iter().position(|&b| b == 0).map_or(text, |end| &text[..end]))
        }
        Value::Blob(bytes) => bytes.as_slice().try_into().ok(),
        _ => None,
    }
}

fn parse_text(mut text: &[u8]) -> Option<[u8; 16]> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    if let [b'{', rest @ ..] = text {
        text = rest;
    }
    let mut bytes = [0u8; 16];
    for byte in &mut bytes {
        if let [b'-', rest @ ..] = text {
            text = rest;
        }
        let [high, low, rest @ ..] = text else { return None };
        *byte = (hex(*high)? << 4) | hex(*low)?;
        text = rest;
    }
    if let [b'}', rest @ ..] = text {
        text = rest;
    }
    text.is_empty().then_some(bytes)
}

export_extension! {
    name: "uuid",
    scalars: [uuid, uuid4, uuid4 as "gen_random_uuid", uuid7, uuid7_at, uuid_str, uuid_blob, uuid7_timestamp_ms],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    fn shape(u: &str, version: char) {
        assert_eq!(u.len(), 36, "{u}");
        assert_eq!(u.chars().nth(14), Some(version), "{u}");
        assert!("89ab".contains(u.chars().nth(19).unwrap()), "{u}");
        assert!(u.chars().enumerate().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { "0123456789abcdef".contains(c) }));
    }

    #[test]
    fn random_uuids_are_version_4_and_distinct() {
        let (a, b) = (uuid(), uuid4());
        assert_ne!(a, b);
        shape(&a, '4');
        shape(&b, '4');
    }

    #[test]
    fn uuid7_carries_its_timestamp() {
        let u = uuid7();
        shape(&u, '7');
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        let ts = uuid7_timestamp_ms(&text(&u)).unwrap();
        assert!((now_ms - ts).abs() < 60_000, "{ts} vs {now_ms}");
        assert_eq!(uuid7_timestamp_ms(&text(&uuid4())), None);
    }

    #[test]
    fn uuid7_at_a_given_second() {
        let u = uuid7_at(&Value::Integer(1_700_000_000));
        shape(&u, '7');
        assert!(u.starts_with("018bcfe5-6800-7"), "{u}");
        assert!(uuid7_at(&Value::Integer(0)).starts_with("00000000-0000-7"));
        assert_eq!(uuid7_timestamp_ms(&text(&uuid7_at(&Value::Integer(1_700_000_000)))), Some(1_700_000_000_000));
        // -1 s is 2^64 - 1000 ms, of which the low 48 bits remain.
        assert_eq!(uuid7_timestamp_ms(&text(&uuid7_at(&Value::Integer(-1)))), Some((1 << 48) - 1000));
        // Not an integer: the current time.
        let now = uuid7_timestamp_ms(&text(&uuid7_at(&Value::Real(5.0)))).unwrap();
        assert!(now > 1_700_000_000_000);
    }

    #[test]
    fn text_forms() {
        let canonical = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        for form in [
            "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
            "a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
            "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
            "{a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0eebc999c0b4ef8bb6d6bb9bd380a11}",
            "-a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0eebc999c0b4ef8bb6d6bb9bd380a11\0junk",
        ] {
            assert_eq!(uuid_str(&text(form)).as_deref(), Some(canonical), "{form:?}");
        }
        for bad in [
            "",
            "a0eebc999c0b4ef8bb6d6bb9bd380a1",
            "a0eebc999c0b4ef8bb6d6bb9bd380a111",
            "a0eebc999c0b4ef8bb6d6bb9bd380a11-",
            "a0eebc99--9c0b4ef8bb6d6bb9bd380a11",
            "a0eebc999c0b4ef8bb6d6bb9bd380a1-1",
            " a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "{{a0eebc999c0b4ef8bb6d6bb9bd380a11}",
            "g0eebc999c0b4ef8bb6d6bb9bd380a11",
        ] {
            assert_eq!(uuid_str(&text(bad)), None, "{bad:?}");
        }
    }

    #[test]
    fn blobs_and_other_types() {
        let blob = uuid_blob(&text("018f6d2a-7c2e-7b1a-9c3d-4e5f60718293")).unwrap();
        assert_eq!(blob.len(), 16);
        assert_eq!(uuid_str(&Value::Blob(blob.clone())).as_deref(), Some("018f6d2a-7c2e-7b1a-9c3d-4e5f60718293"));
        assert_eq!(uuid7_timestamp_ms(&Value::Blob(blob)), Some(0x018f6d2a7c2e));
        assert_eq!(uuid_str(&Value::Blob(vec![1, 2, 3])), None);
        assert_eq!(uuid_blob(&Value::Blob(b"a0eebc999c0b4ef8bb6d6bb9bd380a11".to_vec())), None);
        assert_eq!(uuid_blob(&Value::Integer(42)), None);
        assert_eq!(uuid_str(&Value::Null), None);
    }
}
