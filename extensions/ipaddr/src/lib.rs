//! sqlean's `ipaddr` module: IPv4 and IPv6 addresses and subnets written `address[/prefix]`.
//!
//! Input is read as sqlean reads it (`sqlite3_value_text` handed to `inet_pton`): text or a
//! blob's bytes, up to the first NUL; numbers are their text, which is never an address.
//! Anything that does not parse gives NULL, never an error. The prefix after the first `/`
//! is read like C's `strtoul(…, 10)`: leading white space and a sign are allowed, nothing may
//! follow the digits. Addresses are printed as glibc's `inet_ntop` prints them.
//!
//! One deliberate difference: sqlean masks an IPv6 network with `byte & ~(len % 8)` and
//! keeps the whole byte the prefix ends in, so `ipnetwork('2001:db8::ffff:0:0:1/64')` is
//! `2001:db8:0:0:ff00::/64` there. Here the first `len` bits are kept, as for IPv4.

use std::net::{Ipv4Addr, Ipv6Addr};

use sqlink_sdk::{Value, export_extension, sqlite_scalar};

/// A parsed `address[/prefix]`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ip {
    /// The address, 4 bytes (IPv4) or 16 (IPv6) used.
    bytes: [u8; 16],
    v6: bool,
    /// The prefix length; the whole address (32 or 128) when none is written.
    prefix: u32,
}

impl Ip {
    fn width(&self) -> u32 {
        if self.v6 { 128 } else { 32 }
    }

    fn octets(&self) -> &[u8] {
        &self.bytes[..(self.width() / 8) as usize]
    }

    /// The address with every bit after the first `len` cleared.
    fn masked(&self, len: u32) -> Ip {
        let mut out = *self;
        for (i, byte) in out.bytes.iter_mut().enumerate() {
            let start = i as u32 * 8;
            *byte &= match len.saturating_sub(start) {
                0 => 0,
                keep if keep >= 8 => 0xff,
                keep => 0xff << (8 - keep),
            };
        }
        out
    }

    fn host(&self) -> String {
        if self.v6 { format_v6(&self.bytes) } else { Ipv4Addr::new(self.bytes[0], self.bytes[1], self.bytes[2], self.bytes[3]).to_string() }
    }
}

/// The text sqlean's C code sees: text or blob bytes up to the first NUL (a C string ends
/// there). Numbers print as digits, which are never an address, so they are left out.
fn c_text(value: &Value) -> Option<&[u8]> {
    let bytes = match value {
        Value::Text(text) => text.as_bytes(),
        Value::Blob(bytes) => bytes.as_slice(),
        _ => return None,
    };
    Some(bytes.iter().position(|&b| b == 0).map_or(bytes, |end| &bytes[..end]))
}

/// C's `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `strtoul(text, &end, 10)` that must consume all of `text`: white space, an optional sign
/// (a minus negates modulo 2^64, as C does), then at least one digit. None on overflow.
fn parse_prefix(text: &[u8]) -> Option<u64> {
    let mut rest = text;
    while let [first, tail @ ..] = rest
        && is_c_space(*first)
    {
        rest = tail;
    }
    let negative = match rest.first() {
        Some(b'-') => true,
        Some(b'+') => false,
        _ => return parse_digits(rest),
    };
    let value = parse_digits(&rest[1..])?;
    Some(if negative { value.wrapping_neg() } else { value })
}

fn parse_digits(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &d| acc.checked_mul(10)?.checked_add(u64::from(d - b'0')))
}

/// `address[/prefix]` as sqlean accepts it: the dotted quad or the IPv6 forms `inet_pton`
/// takes (no zone, no brackets, no white space), a prefix no longer than the address.
fn parse(value: &Value) -> Option<Ip> {
    let text = c_text(value)?;
    let (address, prefix) = match text.iter().position(|&b| b == b'/') {
        Some(slash) => (&text[..slash], Some(parse_prefix(&text[slash + 1..])?)),
        None => (text, None),
    };
    let address = std::str::from_utf8(address).ok()?;
    let mut bytes = [0u8; 16];
    let v6 = if let Ok(v4) = address.parse::<Ipv4Addr>() {
        bytes[..4].copy_from_slice(&v4.octets());
        false
    } else {
        bytes = address.parse::<Ipv6Addr>().ok()?.octets();
        true
    };
    let width = if v6 { 128 } else { 32 };
    let prefix = match prefix {
        None => width,
        Some(len) if len <= u64::from(width) => len as u32,
        Some(_) => return None,
    };
    Some(Ip { bytes, v6, prefix })
}

/// IPv6 text as glibc's `inet_ntop` writes it: lowercase hex groups without leading zeros,
/// the longest run (the first of equals) of two or more zero groups as `::`, and the last 32
/// bits as a dotted quad when the first 96 bits are zero (IPv4-compatible) or 80 zero bits
/// and `ffff` precede them (IPv4-mapped).
fn format_v6(bytes: &[u8; 16]) -> String {
    let words: Vec<u16> = bytes.chunks(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect();
    // (start, length) of the longest run of zero words, if two or longer.
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < 8 {
        if words[i] != 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < 8 && words[i] == 0 {
            i += 1;
        }
        let len = i - start;
        if len >= 2 && best.is_none_or(|(_, best_len)| len > best_len) {
            best = Some((start, len));
        }
    }
    let mut out = String::with_capacity(45);
    for (i, word) in words.iter().enumerate() {
        if let Some((start, len)) = best
            && (start..start + len).contains(&i)
        {
            if i == start {
                out.push(':');
            }
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6 && best.is_some_and(|(start, len)| start == 0 && (len == 6 || (len == 5 && words[5] == 0xffff))) {
            out.push_str(&Ipv4Addr::new(bytes[12], bytes[13], bytes[14], bytes[15]).to_string());
            return out;
        }
        out.push_str(&format!("{word:x}"));
    }
    if best.is_some_and(|(start, len)| start + len == 8) {
        out.push(':');
    }
    out
}

/// 4 for an IPv4 address or subnet, 6 for IPv6, NULL if `ip` is not one.
#[sqlite_scalar(deterministic, innocuous)]
pub fn ipfamily(ip: &Value) -> Option<i64> {
    parse(ip).map(|ip| if ip.v6 { 6 } else { 4 })
}

/// The address without its prefix: `iphost('2001:db8::123/64')` is `2001:db8::123`.
#[sqlite_scalar(deterministic, innocuous)]
pub fn iphost(ip: &Value) -> Option<String> {
    parse(ip).map(|ip| ip.host())
}

/// The prefix length: as written, else 32 (IPv4) or 128 (IPv6).
#[sqlite_scalar(deterministic, innocuous)]
pub fn ipmasklen(ip: &Value) -> Option<i64> {
    parse(ip).map(|ip| i64::from(ip.prefix))
}

/// The network: the address with its host bits cleared, and the prefix length.
#[sqlite_scalar(deterministic, innocuous)]
pub fn ipnetwork(ip: &Value) -> Option<String> {
    let ip = parse(ip)?;
    Some(format!("{}/{}", ip.masked(ip.prefix).host(), ip.prefix))
}

/// 1 if the subnet contains `ip` (an address or a subnet no larger than it), else 0; NULL
/// if either is not an address. Addresses of different families are never contained.
#[sqlite_scalar(deterministic, innocuous)]
pub fn ipcontains(subnet: &Value, ip: &Value) -> Option<i64> {
    let (subnet, ip) = (parse(subnet)?, parse(ip)?);
    if subnet.v6 != ip.v6 || subnet.prefix > ip.prefix {
        return Some(0);
    }
    let len = subnet.prefix;
    Some(i64::from(subnet.masked(len).octets() == ip.masked(len).octets()))
}

export_extension! {
    name: "ipaddr",
    scalars: [ipfamily, iphost, ipmasklen, ipnetwork, ipcontains],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    fn v6(s: &str) -> String {
        format_v6(&s.parse::<Ipv6Addr>().unwrap().octets())
    }

    #[test]
    fn documented_examples() {
        assert_eq!(ipfamily(&t("192.168.1.1")), Some(4));
        assert_eq!(iphost(&t("2001:db8::123/64")).as_deref(), Some("2001:db8::123"));
        assert_eq!(ipmasklen(&t("192.168.16.12/24")), Some(24));
        assert_eq!(ipnetwork(&t("192.168.16.12/24")).as_deref(), Some("192.168.16.0/24"));
        assert_eq!(ipcontains(&t("192.168.16.0/24"), &t("192.168.16.3")), Some(1));
        assert_eq!(ipfamily(&t("2001:db8::1")), Some(6));
    }

    #[test]
    fn networks_keep_exactly_the_prefix_bits() {
        assert_eq!(ipnetwork(&t("2001:db8::ffff:0:0:1/64")).as_deref(), Some("2001:db8::/64"));
        assert_eq!(ipnetwork(&t("2001:db8:ffff::1/33")).as_deref(), Some("2001:db8:8000::/33"));
        assert_eq!(ipnetwork(&t("2001:db8:1::1/47")).as_deref(), Some("2001:db8::/47"));
        assert_eq!(ipnetwork(&t("192.168.160.128/26")).as_deref(), Some("192.168.160.128/26"));
        assert_eq!(ipnetwork(&t("10.1.2.3/0")).as_deref(), Some("0.0.0.0/0"));
        assert_eq!(ipnetwork(&t("::ffff:1.2.3.4/100")).as_deref(), Some("::ffff:0.0.0.0/100"));
        assert_eq!(ipcontains(&t("192.168.16.0/25"), &t("192.168.16.128/26")), Some(0));
        assert_eq!(ipcontains(&t("2001:db8::/48"), &t("2001:db8::/64")), Some(1));
        assert_eq!(ipcontains(&t("2001:db8::/56"), &t("2001:db8::/48")), Some(0));
        assert_eq!(ipcontains(&t("10.0.0.0/8"), &t("::a00:1")), Some(0));
    }

    #[test]
    fn prefixes_read_like_strtoul() {
        assert_eq!(ipmasklen(&t("1.2.3.4/ +24")), Some(24));
        assert_eq!(ipmasklen(&t("1.2.3.4/-0")), Some(0));
        assert_eq!(ipmasklen(&t("1.2.3.4/-18446744073709551615")), Some(1));
        for bad in ["1.2.3.4/", "1.2.3.4/24 ", "1.2.3.4/0x1", "1.2.3.4/-1", "1.2.3.4/33", "::/129", "1.2.3.4/99999999999999999999"] {
            assert_eq!(ipmasklen(&t(bad)), None, "{bad}");
        }
    }

    #[test]
    fn input_is_a_c_string() {
        assert_eq!(iphost(&t("1.2.3.4\0junk")).as_deref(), Some("1.2.3.4"));
        assert_eq!(ipnetwork(&Value::Blob(b"1.2.3.4/8".to_vec())).as_deref(), Some("1.0.0.0/8"));
        assert_eq!(ipfamily(&Value::Integer(1)), None);
        assert_eq!(ipfamily(&Value::Null), None);
        assert_eq!(ipfamily(&t(" 1.2.3.4")), None);
        assert_eq!(ipfamily(&t("01.2.3.4")), None);
        assert_eq!(ipfamily(&t("fe80::1%eth0")), None);
    }

    #[test]
    fn ipv6_text_as_glibc_writes_it() {
        for (input, printed) in [
            ("::", "::"),
            ("::1", "::1"),
            ("::2:3", "::0.2.0.3"),
            ("::ffff:0:0", "::ffff:0.0.0.0"),
            ("0:0:0:0:0:ffff::", "::ffff:0.0.0.0"),
            ("::ffff:0:1.2.3.4", "::ffff:0:102:304"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("1:0:0:2:0:0:3:4", "1::2:0:0:3:4"),
            ("::1:0:0:0:0", "0:0:0:1::"),
            ("::0:0:0:1:0", "::0.1.0.0"),
            ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
            ("2001:DB8::ABCD", "2001:db8::abcd"),
        ] {
            assert_eq!(v6(input), printed, "{input}");
        }
    }
}
