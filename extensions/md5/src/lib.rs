//! `md5(x)`: the MD5 digest of text or a blob, as lowercase hex; `md5_agg(x)`: the digest of
//! the concatenation of a group's values.

use md5::{Digest, Md5};
use sqlink_sdk::{export_extension, sqlite_aggregate, sqlite_scalar};

/// The MD5 digest of text or a blob as 32 lowercase hex digits; NULL gives NULL.
#[sqlite_scalar(deterministic, innocuous)]
pub fn md5(x: Option<&[u8]>) -> Option<String> {
    x.map(|bytes| hex(&Md5::digest(bytes)))
}

/// The state of `md5_agg`: the hasher, created by the first non-NULL value, so that an
/// aggregation that saw none gives NULL. Values are streamed into it, never buffered.
#[derive(Default)]
pub struct Md5Agg {
    hasher: Option<Md5>,
}

/// The MD5 digest (lowercase hex) of the concatenation of the non-NULL text or blob values,
/// in the order they are aggregated; NULL if there are none.
#[sqlite_aggregate(name = "md5_agg", deterministic, innocuous)]
impl Md5Agg {
    pub fn step(&mut self, x: Option<&[u8]>) {
        if let Some(bytes) = x {
            self.hasher.get_or_insert_with(Md5::new).update(bytes);
        }
    }

    pub fn finalize(self) -> Option<String> {
        self.hasher.map(|hasher| hex(&hasher.finalize()))
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

export_extension! {
    name: "md5",
    scalars: [md5],
    aggregates: [Md5Agg],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agg(values: &[Option<&[u8]>]) -> Option<String> {
        let mut state = Md5Agg::default();
        for &value in values {
            state.step(value);
        }
        state.finalize()
    }

    #[test]
    fn known_digests() {
        assert_eq!(md5(Some(b"abc")).as_deref(), Some("900150983cd24fb0d6963f7d28e17f72"));
        assert_eq!(md5(Some(b"")).as_deref(), Some("d41d8cd98f00b204e9800998ecf8427e"));
        assert_eq!(md5(None), None);
    }

    #[test]
    fn aggregate_hashes_the_concatenation_in_order() {
        assert_eq!(agg(&[Some(b"a"), Some(b"b")]), md5(Some(b"ab")));
        assert_eq!(agg(&[Some(b"b"), Some(b"a")]), md5(Some(b"ba")));
        assert_eq!(agg(&[Some(b"a"), Some(b"b"), Some(b"c")]).as_deref(), Some("900150983cd24fb0d6963f7d28e17f72"));
        // Text arrives as its UTF-8 bytes, blobs as themselves: both are `&[u8]` here.
        assert_eq!(agg(&[Some("hé".as_bytes()), Some(&[0x00, 0xff])]), md5(Some(b"h\xc3\xa9\x00\xff")));
    }

    #[test]
    fn aggregate_skips_nulls() {
        assert_eq!(agg(&[None, Some(b"a"), None, Some(b"b"), None]), md5(Some(b"ab")));
    }

    #[test]
    fn aggregate_of_no_values_is_null_but_empty_strings_count() {
        assert_eq!(agg(&[]), None);
        assert_eq!(agg(&[None, None]), None);
        assert_eq!(agg(&[Some(b"")]).as_deref(), Some("d41d8cd98f00b204e9800998ecf8427e"));
    }

    #[test]
    fn aggregate_is_not_a_window_function() {
        use sqlink_sdk::AggregateFunction;
        let def = <Md5Agg as AggregateFunction>::DEF;
        assert_eq!((def.name, def.arity), ("md5_agg", 1));
        assert!(def.value.is_none() && def.inverse.is_none());
        assert!(def.flags.deterministic);
    }
}
