//! Maps keyed by numbers a host or an extension hands out itself: cursors, tables, scans,
//! statements, aggregation contexts, function ids. Such a key is never chosen by an outsider,
//! so the default hasher's defence against chosen keys (SipHash with a random key) buys
//! nothing, and it costs a measurable share of a virtual-table lookup, which looks up
//! several of these maps on each side of a crossing.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by handed-out numbers.
pub type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// A new, empty [`IdMap`].
pub fn id_map<K, V>() -> IdMap<K, V> {
    HashMap::default()
}

/// Fibonacci hashing of an integer key: one multiplication spreads consecutive numbers over
/// the whole word, whose high bits the table's control bytes take and low bits its buckets.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Keys that are not one integer (none today) still hash, byte by byte.
        for &byte in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(GOLDEN);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(GOLDEN);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash<K: Hash>(key: K) -> u64 {
        BuildHasherDefault::<IdHasher>::default().hash_one(key)
    }

    #[test]
    fn consecutive_numbers_differ_in_the_high_and_the_low_bits() {
        let hashes: Vec<u64> = (1..=4096_u64).map(hash).collect();
        let high: std::collections::HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        let low: std::collections::HashSet<u64> = hashes.iter().map(|h| h & 0xfff).collect();
        assert_eq!(high.len(), 128, "every control-byte value is used");
        assert_eq!(low.len(), 4096, "4096 consecutive keys fill 4096 buckets, one each");
        assert_eq!(hash(7_u32), hash(7_u64), "a u32 key hashes as the same number in a u64");
    }

    #[test]
    fn a_map_keeps_what_it_is_given() {
        let mut map: IdMap<u64, u64> = id_map();
        for key in (0..100_000_u64).map(|k| k * 0x1000) {
            map.insert(key, key + 1);
        }
        assert_eq!(map.len(), 100_000);
        assert!((0..100_000_u64).map(|k| k * 0x1000).all(|key| map.get(&key) == Some(&(key + 1))));
        let mut pairs: IdMap<(String, i32), u32> = id_map();
        pairs.insert((String::from("f"), 1), 1);
        pairs.insert((String::from("f"), 2), 2);
        assert_eq!(pairs.get(&(String::from("f"), 2)), Some(&2));
    }
}
