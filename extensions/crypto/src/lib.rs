//! sqlean's `crypto` module: hashes (MD5, SHA-1, SHA-2, BLAKE3, xxHash) returned as blobs,
//! and `crypto_encode` / `crypto_decode` between bytes and base32, base64, base85 (Ascii85),
//! hex and URL (percent) encoding. Each function also answers to sqlean's short name
//! (`md5`, `sha256`, `encode`, ...).
//!
//! As in sqlean, a function given a number hashes or encodes its text (`crypto_md5(123)` is
//! `crypto_md5('123')`), and NULL gives NULL.

mod codec;

use codec::Codec;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use sqlink_sdk::{Error, export_extension, sqlite_scalar};
use xxhash_rust::{xxh3, xxh32, xxh64};

// ---- Hashes: each takes the bytes of text or a blob and returns the digest as a blob. ----

/// The MD5 hash of the data (text or blob) as a 16-byte blob.
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_md5(data: Option<&[u8]>) -> Option<Vec<u8>> {
    data.map(|d| Md5::digest(d).to_vec())
}

/// The SHA-1 hash of the data (text or blob) as a 20-byte blob.
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_sha1(data: Option<&[u8]>) -> Option<Vec<u8>> {
    data.map(|d| Sha1::digest(d).to_vec())
}

/// The SHA2-256 hash of the data (text or blob) as a 32-byte blob.
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_sha256(data: Option<&[u8]>) -> Option<Vec<u8>> {
    data.map(|d| Sha256::digest(d).to_vec())
}

/// The SHA2-384 hash of the data (text or blob) as a 48-byte blob.
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_sha384(data: Option<&[u8]>) -> Option<Vec<u8>> {
    data.map(|d| Sha384::digest(d).to_vec())
}

/// The SHA2-512 hash of the data (text or blob) as a 64-byte blob.
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_sha512(data: Option<&[u8]>) -> Option<Vec<u8>> {
    data.map(|d| Sha512::digest(d).to_vec())
}

/// The BLAKE3 hash of the data (text or blob) as a 32-byte blob.
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_blake3(data: Option<&[u8]>) -> Option<Vec<u8>> {
    data.map(|d| blake3::hash(d).as_bytes().to_vec())
}

/// The XXH32 hash (seed 0) of the data (text or blob) as a 4-byte big-endian blob.
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_xxh32(data: Option<&[u8]>) -> Option<Vec<u8>> {
    data.map(|d| xxh32::xxh32(d, 0).to_be_bytes().to_vec())
}

/// The XXH64 hash (seed 0) of the data (text or blob) as an 8-byte big-endian blob.
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_xxh64(data: Option<&[u8]>) -> Option<Vec<u8>> {
    data.map(|d| xxh64::xxh64(d, 0).to_be_bytes().to_vec())
}

/// The XXH3 64-bit hash of the data (text or blob) as an 8-byte big-endian blob.
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_xxh3_64(data: Option<&[u8]>) -> Option<Vec<u8>> {
    data.map(|d| xxh3::xxh3_64(d).to_be_bytes().to_vec())
}

/// The XXH3 128-bit hash of the data (text or blob) as a 16-byte big-endian blob (xxHash's
/// canonical form: the high half first).
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_xxh3_128(data: Option<&[u8]>) -> Option<Vec<u8>> {
    data.map(|d| xxh3::xxh3_128(d).to_be_bytes().to_vec())
}

// ---- Encoding and decoding. ----

/// The encoding `algo` names; NULL and any prefix of a name count, as in sqlean (see
/// [`Codec::from_name`]). Checked before the data, so an unknown name fails even on NULL.
fn codec(algo: Option<&[u8]>) -> Result<Codec, Error> {
    Codec::from_name(algo.unwrap_or_default()).ok_or_else(|| Error::new("unknown encoding"))
}

/// Encodes the data (text or blob) as text in `algo`: 'base32', 'base64', 'base85', 'hex' or
/// 'url'.
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_encode(data: Option<&[u8]>, algo: Option<&[u8]>) -> Result<Option<String>, Error> {
    let codec = codec(algo)?;
    Ok(data.map(|d| codec.encode(d)))
}

/// Decodes text in `algo` ('base32', 'base64', 'base85', 'hex' or 'url') into a blob; text
/// that is not valid in that encoding is an error.
#[sqlite_scalar(deterministic, innocuous)]
pub fn crypto_decode(text: Option<&[u8]>, algo: Option<&[u8]>) -> Result<Option<Vec<u8>>, Error> {
    let codec = codec(algo)?;
    match text {
        None => Ok(None),
        // sqlean answers an empty blob for empty text before looking at it.
        Some([]) => Ok(Some(Vec::new())),
        Some(text) => codec.decode(text).map(Some).ok_or_else(|| Error::new("invalid input string")),
    }
}

export_extension! {
    name: "crypto",
    scalars: [
        crypto_md5, crypto_md5 as "md5",
        crypto_sha1, crypto_sha1 as "sha1",
        crypto_sha256, crypto_sha256 as "sha256",
        crypto_sha384, crypto_sha384 as "sha384",
        crypto_sha512, crypto_sha512 as "sha512",
        crypto_blake3, crypto_blake3 as "blake3",
        crypto_xxh32, crypto_xxh32 as "xxh32",
        crypto_xxh64, crypto_xxh64 as "xxh64",
        crypto_xxh3_64, crypto_xxh3_64 as "xxh3_64",
        crypto_xxh3_128, crypto_xxh3_128 as "xxh3_128",
        crypto_encode, crypto_encode as "encode",
        crypto_decode, crypto_decode as "decode",
    ],
}

#[cfg(test)]
mod tests {
    use super::*;

    type Hash = fn(Option<&[u8]>) -> Option<Vec<u8>>;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02X}")).collect()
    }

    #[test]
    fn documented_digests() {
        let abc = Some(&b"abc"[..]);
        let cases: [(Hash, &str); 10] = [
            (crypto_blake3, "6437B3AC38465133FFB63B75273A8DB548C558465D79DB03FD359C6CD5BD9D85"),
            (crypto_md5, "900150983CD24FB0D6963F7D28E17F72"),
            (crypto_sha1, "A9993E364706816ABA3E25717850C26C9CD0D89D"),
            (crypto_sha256, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
            (crypto_sha384, "CB00753F45A35E8BB5A03D699AC65007272C32AB0EDED1631A8B605A43FF5BED8086072BA1E7CC2358BAECA134C825A7"),
            (
                crypto_sha512,
                "DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A2192992A274FC1A836BA3C23A3FEEBBD454D4423643CE80E2A9AC94FA54CA49F",
            ),
            (crypto_xxh32, "32D153FF"),
            (crypto_xxh64, "44BC2CF5AD770999"),
            (crypto_xxh3_64, "78AF5F94892F3950"),
            (crypto_xxh3_128, "06B05AB6733A618578AF5F94892F3950"),
        ];
        for (hash, expected) in cases {
            assert_eq!(hex(&hash(abc).unwrap()), expected);
            assert_eq!(hash(None), None);
        }
    }

    #[test]
    fn encode_and_decode() {
        assert_eq!(crypto_encode(Some(b"hello"), Some(b"base64")), Ok(Some("aGVsbG8=".into())));
        assert_eq!(crypto_encode(Some(b"hello"), None), Ok(Some("NBSWY3DP".into())));
        assert_eq!(crypto_encode(None, Some(b"hex")), Ok(None));
        assert!(crypto_encode(None, Some(b"base99")).is_err());
        assert_eq!(crypto_decode(Some(b"aGVsbG8="), Some(b"base64")), Ok(Some(b"hello".to_vec())));
        assert_eq!(crypto_decode(Some(b""), Some(b"hex")), Ok(Some(vec![])));
        assert_eq!(crypto_decode(None, Some(b"hex")), Ok(None));
        assert!(crypto_decode(Some(b"abc"), Some(b"hex")).is_err());
        assert!(crypto_decode(Some(b""), Some(b"nope")).is_err());
    }
}
