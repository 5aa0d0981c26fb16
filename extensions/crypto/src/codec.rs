//! The text encodings of `crypto_encode` / `crypto_decode`, with sqlean's alphabets, padding
//! and leniency: where sqlean accepts malformed text and gives a definite answer, so do these.
//! Decoders return `None` for text sqlean rejects ("invalid input string"). Where sqlean's
//! answer comes from memory it should not read (base85, base64 bytes from '{' up) or loses
//! data (url and NUL, base85 and 'z'), these give the encoding's standard answer instead.

/// An encoding `crypto_encode` and `crypto_decode` know, in the order sqlean tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Base32,
    Base64,
    Base85,
    Hex,
    Url,
}

impl Codec {
    const ALL: [(&'static [u8], Codec); 5] =
        [(b"base32", Codec::Base32), (b"base64", Codec::Base64), (b"base85", Codec::Base85), (b"hex", Codec::Hex), (b"url", Codec::Url)];

    /// The encoding an algorithm name picks, as sqlean picks it: it compares the name with
    /// `strncmp(name, candidate, length of name)`, so any prefix of a candidate picks the first
    /// candidate it starts ('' and NULL pick base32, 'b' base32, 'h' hex), and a NUL byte ends
    /// the name there (then the name before it must be the whole candidate).
    pub fn from_name(name: &[u8]) -> Option<Codec> {
        let matches = |candidate: &[u8]| match name.iter().position(|&b| b == 0) {
            Some(end) => &name[..end] == candidate,
            None => candidate.starts_with(name),
        };
        Codec::ALL.iter().find(|(candidate, _)| matches(candidate)).map(|&(_, codec)| codec)
    }

    pub fn encode(self, data: &[u8]) -> String {
        match self {
            Codec::Base32 => base32_encode(data),
            Codec::Base64 => base64_encode(data),
            Codec::Base85 => base85_encode(data),
            Codec::Hex => hex_encode(data),
            Codec::Url => url_encode(data),
        }
    }

    /// The bytes `text` encodes; `None` when it is malformed. Empty text is not given here:
    /// sqlean answers an empty blob for it whatever the encoding.
    pub fn decode(self, text: &[u8]) -> Option<Vec<u8>> {
        match self {
            Codec::Base32 => base32_decode(text),
            Codec::Base64 => base64_decode(text),
            Codec::Base85 => base85_decode(text),
            Codec::Hex => hex_decode(text),
            Codec::Url => url_decode(text),
        }
    }
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// RFC 4648 base32, padded with '=' to a multiple of 8 characters.
fn base32_encode(data: &[u8]) -> String {
    let mut out = vec![0u8; data.len().div_ceil(5) * 8];
    let mut groups = out.chunks_exact_mut(8);
    let mut chunks = data.chunks_exact(5);
    // The data first: `zip` would take a group too many from the side it asks first.
    for (chunk, group) in (&mut chunks).zip(&mut groups) {
        group.copy_from_slice(&base32_group(chunk.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b))));
    }
    let rest = chunks.remainder();
    if let Some(group) = groups.next() {
        let n = rest.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b)) << (8 * (5 - rest.len()));
        group.copy_from_slice(&base32_group(n));
        // Characters past those that carry a bit of the data are padding.
        group[(rest.len() * 8).div_ceil(5)..].fill(b'=');
    }
    ascii(out)
}

/// The 8 base32 characters of 40 bits.
fn base32_group(n: u64) -> [u8; 8] {
    std::array::from_fn(|i| BASE32[(n >> (35 - 5 * i) & 31) as usize])
}

/// The value of each base32 character, 0xFF for the others.
const BASE32_VALUES: [u8; 256] = alphabet_values(BASE32);

/// sqlean's base32 decoding: trailing '=' are dropped, every character outside the alphabet
/// (lowercase letters, '0', '1', '8', '9', '=' inside, spaces) is skipped, and the text is
/// rejected when its last bits do not end on a byte: five or more left over, or any set.
fn base32_decode(text: &[u8]) -> Option<Vec<u8>> {
    let end = text.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
    let text = &text[..end];
    let mut out = Vec::with_capacity(end * 5 / 8);
    let (mut value, mut bits) = (0u32, 0u32);
    let mut i = 0;
    while i < text.len() {
        // The common case: on a byte boundary, 8 characters of the alphabet are 5 bytes.
        if bits == 0
            && let Some(group) = text.get(i..i + 8)
        {
            let digits: [u8; 8] = std::array::from_fn(|k| BASE32_VALUES[usize::from(group[k])]);
            if digits.iter().fold(0, |acc, &d| acc | d) & 0x80 == 0 {
                let n = digits.iter().fold(0u64, |acc, &d| acc << 5 | u64::from(d));
                out.extend_from_slice(&n.to_be_bytes()[3..]);
                i += 8;
                continue;
            }
        }
        let digit = BASE32_VALUES[usize::from(text[i])];
        i += 1;
        if digit == 0xFF {
            continue;
        }
        value = value << 5 | u32::from(digit);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((value >> bits) as u8);
            // Keep only the bits not yet written, so that `value` never overflows.
            value &= (1 << bits) - 1;
        }
    }
    (bits < 5 && value == 0).then_some(out)
}

/// A table from byte to its index in `alphabet`, 0xFF for bytes not in it.
const fn alphabet_values(alphabet: &[u8]) -> [u8; 256] {
    let mut table = [0xFFu8; 256];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// RFC 4648 base64 with '=' padding.
fn base64_encode(data: &[u8]) -> String {
    let mut out = vec![0u8; data.len().div_ceil(3) * 4];
    let mut groups = out.chunks_exact_mut(4);
    let mut chunks = data.chunks_exact(3);
    // The data first: `zip` would take a group too many from the side it asks first.
    for (chunk, group) in (&mut chunks).zip(&mut groups) {
        group.copy_from_slice(&base64_group(u32::from(chunk[0]) << 16 | u32::from(chunk[1]) << 8 | u32::from(chunk[2])));
    }
    let rest = chunks.remainder();
    if let Some(group) = groups.next() {
        let n = rest.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)) << (8 * (3 - rest.len()));
        group.copy_from_slice(&base64_group(n));
        group[rest.len() + 1..].fill(b'=');
    }
    ascii(out)
}

/// The 4 base64 characters of 24 bits.
fn base64_group(n: u32) -> [u8; 4] {
    [BASE64[(n >> 18 & 63) as usize], BASE64[(n >> 12 & 63) as usize], BASE64[(n >> 6 & 63) as usize], BASE64[(n & 63) as usize]]
}

/// The value of a base64 character: 64 for '=', 0xFF for a character outside the alphabet.
const BASE64_VALUES: [u8; 256] = {
    let mut table = alphabet_values(BASE64);
    table[b'=' as usize] = 64;
    table
};

/// sqlean's base64 decoding: the length must be a multiple of 4; '=' counts as zero bits
/// wherever it stands; the result is `len / 4 * 3` bytes less one for each of the last two
/// characters that is '='. Unused low bits are ignored.
fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let padding = text.iter().rev().take(2).filter(|&&c| c == b'=').count();
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.chunks_exact(4) {
        let [a, b, c, d] = [0, 1, 2, 3].map(|i| BASE64_VALUES[usize::from(chunk[i])]);
        if (a | b | c | d) & 0x80 != 0 {
            return None;
        }
        let n = u32::from(a & 63) << 18 | u32::from(b & 63) << 12 | u32::from(c & 63) << 6 | u32::from(d & 63);
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    out.truncate(text.len() / 4 * 3 - padding);
    Some(out)
}

/// Ascii85: each 4-byte group as 5 characters '!'..'u', an all-zero group as 'z'; a last,
/// shorter group of n bytes as the first n + 1 characters of it padded with zero bytes.
/// (sqlean pads with whatever bytes follow the data, and writes 'z' for a short zero group
/// too, followed by uninitialised bytes.)
fn base85_encode(data: &[u8]) -> String {
    let mut out = Vec::with_capacity(data.len().div_ceil(4) * 5);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let n = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        if n == 0 {
            out.push(b'z');
        } else {
            out.extend_from_slice(&base85_group(n));
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut group = [0u8; 4];
        group[..rest.len()].copy_from_slice(rest);
        out.extend_from_slice(&base85_group(u32::from_be_bytes(group))[..rest.len() + 1]);
    }
    ascii(out)
}

/// The 5 Ascii85 digits of 32 bits, most significant first.
fn base85_group(mut n: u32) -> [u8; 5] {
    let mut digits = [0u8; 5];
    for digit in digits.iter_mut().rev() {
        *digit = (n % 85) as u8 + b'!';
        n /= 85;
    }
    digits
}

/// Ascii85 decoding as sqlean does it: a group of 5 characters is 4 bytes, a last group of
/// n < 5 characters is padded with 'u' and gives n - 1 bytes (none for one character, which
/// must still be a digit); a character outside '!'..'u' (or a 'z' inside a group) rejects the
/// text; a group above 2^32 - 1 wraps around. 'z' at the start of a group is four zero bytes
/// (sqlean writes them past its buffer and cuts its result to 4/5 of the text's length).
fn base85_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 5 * 4 + 4);
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'z' {
            out.extend_from_slice(&[0; 4]);
            i += 1;
            continue;
        }
        let group = &text[i..text.len().min(i + 5)];
        let mut n = 0u32;
        for k in 0..5 {
            let digit = match group.get(k) {
                Some(&c @ b'!'..=b'u') => c - b'!',
                Some(_) => return None,
                None => 84,
            };
            n = n.wrapping_mul(85).wrapping_add(u32::from(digit));
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[..group.len().saturating_sub(1).min(4)]);
        i += 5;
    }
    Some(out)
}

/// Lowercase hex, two digits a byte.
fn hex_encode(data: &[u8]) -> String {
    let mut out = vec![0u8; data.len() * 2];
    for (pair, &b) in out.chunks_exact_mut(2).zip(data) {
        pair.copy_from_slice(&[HEX_LOWER[usize::from(b >> 4)], HEX_LOWER[usize::from(b & 15)]]);
    }
    ascii(out)
}

/// The value of each hex digit (either case), 0xFF for the other bytes.
const HEX_VALUES: [u8; 256] = {
    let mut table = alphabet_values(HEX_LOWER);
    let mut i = 10;
    while i < 16 {
        table[HEX_UPPER[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn hex_value(c: u8) -> Option<u8> {
    Some(HEX_VALUES[usize::from(c)]).filter(|&v| v != 0xFF)
}

/// Hex of either case; an odd length or any other character rejects the text.
fn hex_decode(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let mut out = vec![0u8; text.len() / 2];
    let mut invalid = 0;
    for (b, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let (hi, lo) = (HEX_VALUES[usize::from(pair[0])], HEX_VALUES[usize::from(pair[1])]);
        invalid |= hi | lo;
        *b = hi << 4 | lo;
    }
    (invalid & 0x80 == 0).then_some(out)
}

/// Whether url encoding keeps a byte as it is: `A-Z a-z 0-9 - _ . ~`.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.' || c == b'~';
        b += 1;
    }
    table
};

/// Percent-encoding of every byte but the unreserved `A-Z a-z 0-9 - _ . ~`, in uppercase hex.
fn url_encode(data: &[u8]) -> String {
    let mut out = Vec::with_capacity(data.len() + data.len() / 2);
    let mut rest = data;
    while let Some(at) = rest.iter().position(|&b| !UNRESERVED[usize::from(b)]) {
        let b = rest[at];
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(&[b'%', HEX_UPPER[usize::from(b >> 4)], HEX_UPPER[usize::from(b & 15)]]);
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
    ascii(out)
}

/// Text made of the ASCII the encoders write (checked, cheaply, rather than assumed).
fn ascii(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Percent-decoding: '%' must be followed by two hex digits, '+' is a space, any other byte
/// stands for itself.
fn url_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.iter().position(|&b| b == b'%' || b == b'+') {
        out.extend_from_slice(&rest[..at]);
        if rest[at] == b'+' {
            out.push(b' ');
            rest = &rest[at + 1..];
        } else {
            let hi = hex_value(*rest.get(at + 1)?)?;
            let lo = hex_value(*rest.get(at + 2)?)?;
            out.push(hi << 4 | lo);
            rest = &rest[at + 3..];
        }
    }
    out.extend_from_slice(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(codec: Codec, data: &[u8]) {
        let text = codec.encode(data);
        assert_eq!(codec.decode(text.as_bytes()).as_deref(), Some(data), "{codec:?} {data:?} -> {text}");
    }

    #[test]
    fn names_are_matched_as_sqlean_matches_them() {
        assert_eq!(Codec::from_name(b"base64"), Some(Codec::Base64));
        assert_eq!(Codec::from_name(b""), Some(Codec::Base32));
        assert_eq!(Codec::from_name(b"b"), Some(Codec::Base32));
        assert_eq!(Codec::from_name(b"base6"), Some(Codec::Base64));
        assert_eq!(Codec::from_name(b"base8"), Some(Codec::Base85));
        assert_eq!(Codec::from_name(b"h"), Some(Codec::Hex));
        assert_eq!(Codec::from_name(b"ur"), Some(Codec::Url));
        assert_eq!(Codec::from_name(b"hex\0zz"), Some(Codec::Hex));
        assert_eq!(Codec::from_name(b"he\0"), None);
        assert_eq!(Codec::from_name(b"\0"), None);
        assert_eq!(Codec::from_name(b"hexx"), None);
        assert_eq!(Codec::from_name(b"HEX"), None);
        assert_eq!(Codec::from_name(b"base64 "), None);
    }

    #[test]
    fn documented_examples() {
        assert_eq!(Codec::Base32.encode(b"hello"), "NBSWY3DP");
        assert_eq!(Codec::Base64.encode(b"hello"), "aGVsbG8=");
        assert_eq!(Codec::Base85.encode(b"hello"), "BOu!rDZ");
        assert_eq!(Codec::Hex.encode(b"hello"), "68656c6c6f");
        assert_eq!(Codec::Url.encode("/hello?t=(ಠ_ಠ)".as_bytes()), "%2Fhello%3Ft%3D%28%E0%B2%A0_%E0%B2%A0%29");
        assert_eq!(Codec::Base85.decode(b"BOu!rDZ").as_deref(), Some(&b"hello"[..]));
    }

    #[test]
    fn rfc4648_vectors() {
        let cases = [("", "", ""), ("f", "MY======", "Zg=="), ("fo", "MZXQ====", "Zm8="), ("foo", "MZXW6===", "Zm9v")];
        let more = [("foob", "MZXW6YQ=", "Zm9vYg=="), ("fooba", "MZXW6YTB", "Zm9vYmE="), ("foobar", "MZXW6YTBOI======", "Zm9vYmFy")];
        for (data, b32, b64) in cases.into_iter().chain(more) {
            assert_eq!(Codec::Base32.encode(data.as_bytes()), b32);
            assert_eq!(Codec::Base64.encode(data.as_bytes()), b64);
        }
    }

    #[test]
    fn every_codec_round_trips() {
        let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for codec in [Codec::Base32, Codec::Base64, Codec::Base85, Codec::Hex, Codec::Url] {
            for len in 0..40 {
                round_trip(codec, &data[..len]);
                round_trip(codec, &data[200..200 + len]);
                round_trip(codec, &vec![0; len]);
            }
            round_trip(codec, &data);
        }
    }

    #[test]
    fn base32_leniency() {
        assert_eq!(base32_decode(b"nbswydp").as_deref(), Some(&b""[..]));
        assert_eq!(base32_decode(b"nbswy3dp"), None);
        assert_eq!(base32_decode(b"NBS WY3-DP").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base32_decode(b"NBSWY3DP=====").as_deref(), Some(&b"hello"[..]));
        // Left-over bits set, or a whole character left over.
        assert_eq!(base32_decode(b"MB"), None);
        assert_eq!(base32_decode(b"MZXW6Y"), None);
        assert_eq!(base32_decode(b"MZX"), None);
    }

    #[test]
    fn base64_leniency() {
        assert_eq!(base64_decode(b"Q==="), Some(vec![b'@']));
        assert_eq!(base64_decode(b"QR=="), Some(vec![b'A']));
        assert_eq!(base64_decode(b"QQ=A"), Some(vec![b'A', 0]));
        assert_eq!(base64_decode(b"=QQQ"), Some(vec![0x01, 0x04, 0x10]));
        assert_eq!(base64_decode(b"===="), Some(vec![0]));
        assert_eq!(base64_decode(b"QQ="), None);
        assert_eq!(base64_decode(b"QQ{="), None);
        assert_eq!(base64_decode(b"QQ\xc8="), None);
        assert_eq!(base64_decode(b"Zm9v\nYmFy"), None);
    }

    #[test]
    fn base85_edges() {
        assert_eq!(base85_encode(&[0, 0, 0, 0]), "z");
        assert_eq!(base85_encode(&[0]), "!!");
        assert_eq!(base85_encode(&[0, 0, 0, 0, 0x41, 0x42, 0x43, 0x44]), "z5sdq,");
        assert_eq!(base85_decode(b"z").as_deref(), Some(&[0u8; 4][..]));
        assert_eq!(base85_decode(b"uuuuu"), Some(vec![0x08, 0x78, 0x0e, 0xc4]));
        assert_eq!(base85_decode(b"BOu!rD"), Some(b"hell".to_vec()));
        assert_eq!(base85_decode(b"BOu!rDZ!"), Some(b"helln\xfc".to_vec()));
        assert_eq!(base85_decode(b"BOu!rD~"), None);
        assert_eq!(base85_decode(b"BOzu!r"), None);
        assert_eq!(base85_decode(b"BOu!r "), None);
        assert_eq!(base85_decode(b"BOu!r\xff"), None);
    }

    #[test]
    fn hex_and_url_errors() {
        assert_eq!(hex_decode(b"abc"), None);
        assert_eq!(hex_decode(b"0g"), None);
        assert_eq!(hex_decode(b"FFff"), Some(vec![255, 255]));
        assert_eq!(url_decode(b"a+b%41%e0"), Some(b"a bA\xe0".to_vec()));
        assert_eq!(url_decode(b"%4"), None);
        assert_eq!(url_decode(b"%"), None);
        assert_eq!(url_decode(b"%zz"), None);
        assert_eq!(url_decode(b"100%"), None);
        assert_eq!(url_encode(b"\0a b+"), "%00a%20b%2B");
    }
}
