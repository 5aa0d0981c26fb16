//! UUIDs in SQL, with the function names and NULL rules of sqlean's uuid extension:
//! invalid input gives NULL rather than an error.

use sqlink_sdk::{Value, export_extension, sqlite_scalar};
use uuid::Uuid;

/// A random version 4 UUID as text, e.g. 'a3b1c2d4-…'.
#[sqlite_scalar]
pub fn uuid() -> String {
    uuid4()
}

/// A random version 4 UUID as text.
#[sqlite_scalar]
pub fn uuid4() -> String {
    Uuid::new_v4().hyphenated().to_string()
}

/// A time-ordered version 7 UUID as text.
#[sqlite_scalar]
pub fn uuid7() -> String {
    Uuid::now_v7().hyphenated().to_string()
}

/// A UUID (16-byte blob or text in any common form) as canonical lowercase text.
#[sqlite_scalar(deterministic, innocuous)]
pub fn uuid_str(x: &Value) -> Option<String> {
    parse(x).map(|u| u.hyphenated().to_string())
}

/// A UUID (text or 16-byte blob) as a 16-byte blob.
#[sqlite_scalar(deterministic, innocuous)]
pub fn uuid_blob(x: &Value) -> Option<Vec<u8>> {
    parse(x).map(|u| u.as_bytes().to_vec())
}

/// The Unix time in milliseconds stored in a version 7 UUID.
#[sqlite_scalar(deterministic, innocuous)]
pub fn uuid7_timestamp_ms(x: &Value) -> Option<i64> {
    let uuid = parse(x)?;
    if uuid.get_version_num() != 7 {
        return None;
    }
    let (seconds, nanos) = uuid.get_timestamp()?.to_unix();
    Some(seconds as i64 * 1000 + i64::from(nanos / 1_000_000))
}

/// Text in the hyphenated, simple, braced or URN form, or a 16-byte blob.
fn parse(value: &Value) -> Option<Uuid> {
    match value {
        Value::Text(text) => Uuid::try_parse(text.trim()).ok(),
        Value::Blob(bytes) => Uuid::from_slice(bytes).ok(),
        _ => None,
    }
}

export_extension! {
    name: "uuid",
    scalars: [uuid, uuid4, uuid7, uuid_str, uuid_blob, uuid7_timestamp_ms],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    #[test]
    fn random_uuids_are_version_4_and_distinct() {
        let (a, b) = (uuid(), uuid4());
        assert_ne!(a, b);
        for u in [a, b] {
            assert_eq!(u.len(), 36);
            assert_eq!(&u[14..15], "4", "{u}");
        }
    }

    #[test]
    fn uuid7_carries_its_timestamp() {
        let u = uuid7();
        assert_eq!(&u[14..15], "7", "{u}");
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        let ts = uuid7_timestamp_ms(&text(&u)).unwrap();
        assert!((now_ms - ts).abs() < 60_000, "{ts} vs {now_ms}");
        assert_eq!(uuid7_timestamp_ms(&text(&uuid4())), None);
    }

    #[test]
    fn str_and_blob_round_trip() {
        let canonical = "018f6d2a-7c2e-7b1a-9c3d-4e5f60718293";
        let blob = uuid_blob(&text("{018F6D2A-7C2E-7B1A-9C3D-4E5F60718293}")).unwrap();
        assert_eq!(uuid_blob(&text("018f6d2a7c2e7b1a9c3d4e5f60718293")), Some(blob.clone()));
        assert_eq!(uuid_blob(&text("urn:uuid:018f6d2a-7c2e-7b1a-9c3d-4e5f60718293")), Some(blob.clone()));
        assert_eq!(blob.len(), 16);
        assert_eq!(uuid_str(&Value::Blob(blob)).as_deref(), Some(canonical));
        assert_eq!(uuid7_timestamp_ms(&text(canonical)), Some(0x018f6d2a7c2e));
    }

    #[test]
    fn invalid_input_is_null() {
        assert_eq!(uuid_str(&text("not a uuid")), None);
        assert_eq!(uuid_str(&Value::Blob(vec![1, 2, 3])), None);
        assert_eq!(uuid_blob(&Value::Integer(42)), None);
        assert_eq!(uuid_str(&Value::Null), None);
    }
}
