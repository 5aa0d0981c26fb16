//! `md5(x)`: the MD5 digest of text or a blob, as lowercase hex.

use md5::{Digest, Md5};
use sqlink_sdk::{export_extension, sqlite_scalar};

/// The MD5 digest of text or a blob as 32 lowercase hex digits; NULL gives NULL.
#[sqlite_scalar(deterministic, innocuous)]
pub fn md5(x: Option<&[u8]>) -> Option<String> {
    x.map(|bytes| hex(&Md5::digest(bytes)))
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(md5(Some(b"abc")).as_deref(), Some("900150983cd24fb0d6963f7d28e17f72"));
        assert_eq!(md5(Some(b"")).as_deref(), Some("d41d8cd98f00b204e9800998ecf8427e"));
        assert_eq!(md5(None), None);
    }
}
