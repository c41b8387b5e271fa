//! Split bucketing (LANGUAGE.md §6 "Split"), byte for byte:
//!
//! 1. `unit` = the value of the `by` expression; an int is written in decimal.
//! 2. `key` = UTF-8 bytes of (`salt` if given, else the flag key) followed directly
//!    by the UTF-8 bytes of `unit` (no separator).
//! 3. `h` = MurmurHash3 x86 32-bit of `key`, seed 0 (or the split's `seed`), as an
//!    unsigned 32-bit integer.
//! 4. `bucket` = `(h as u64 * total_weight as u64) >> 32` (or, with `modulo`,
//!    `h mod total_weight`).
//! 5. Walk the entries in source order with a running sum of weights; pick the
//!    first entry whose running sum is **greater than** `bucket`.
//!
//! This equals flagd v2's `fractional` as its Go implementation computes it.
//!
//! # Why MurmurHash3 is written here rather than taken from a crate
//!
//! The project prefers a well-kept crate where one exists. The candidates on
//! crates.io were checked and neither fits this hot path:
//!
//! * `murmur3` 0.5.2 hashes an `std::io::Read` and returns `io::Result<u32>`:
//!   every 4-byte block is a `Read::read` call, and callers must invent a value
//!   for an error that cannot happen on in-memory bytes (our lints deny
//!   `unwrap`/`expect`).
//! * `mur3` 0.1.0 (its only release, 2021) has the right shape (`no_std`, a
//!   streaming `Hasher32`), but is built on raw-pointer `unsafe` code, while this
//!   workspace forbids `unsafe` in its own code.
//!
//! MurmurHash3 x86_32 is a small, frozen public-domain algorithm (Austin
//! Appleby's SMHasher reference), so a ~40-line safe implementation is the
//! smaller risk. It streams its input, so `choose` hashes the salt/flag key and
//! the unit as one key without allocating, and it uses no `std` facility beyond
//! `core`, so it compiles to `wasm32-unknown-unknown` with no imports. The tests
//! below pin it to published vectors and to values computed independently with
//! Python's `mmh3` package.

/// The largest allowed total weight of a split: 2^31 − 1 (as in flagd).
pub const MAX_TOTAL_WEIGHT: u32 = i32::MAX as u32;

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

#[inline]
fn scramble(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

#[inline]
fn mix_block(h: u32, k: u32) -> u32 {
    (h ^ scramble(k)).rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64)
}

#[inline]
fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// Streaming MurmurHash3 x86_32: feeding `a` then `b` gives the hash of `a ++ b`.
#[derive(Clone, Copy)]
struct Murmur3X86_32 {
    h: u32,
    /// Bytes of an incomplete block carried between `write` calls.
    tail: [u8; 4],
    tail_len: usize,
    /// Total input length; the algorithm mixes it in modulo 2^32.
    len: u32,
}

impl Murmur3X86_32 {
    #[inline]
    fn new(seed: u32) -> Self {
        Self { h: seed, tail: [0; 4], tail_len: 0, len: 0 }
    }

    #[inline]
    fn write(&mut self, mut data: &[u8]) {
        // Truncation is intended: the reference mixes in `len` as a 32-bit value.
        self.len = self.len.wrapping_add(data.len() as u32);
        // Complete a block left over from the previous call, a byte at a time.
        while self.tail_len != 0 {
            let Some((&byte, rest)) = data.split_first() else {
                return;
            };
            data = rest;
            if let Some(slot) = self.tail.get_mut(self.tail_len) {
                *slot = byte;
            }
            self.tail_len += 1;
            if self.tail_len == 4 {
                self.h = mix_block(self.h, u32::from_le_bytes(self.tail));
                self.tail_len = 0;
            }
        }
        let (blocks, rest) = data.as_chunks::<4>();
        for block in blocks {
            self.h = mix_block(self.h, u32::from_le_bytes(*block));
        }
        for (slot, &byte) in self.tail.iter_mut().zip(rest) {
            *slot = byte;
        }
        self.tail_len = rest.len();
    }

    #[inline]
    fn finish(&self) -> u32 {
        let mut h = self.h;
        if self.tail_len != 0 {
            let k = self.tail.iter().take(self.tail_len).rev().fold(0u32, |k, &b| (k << 8) | u32::from(b));
            h ^= scramble(k);
        }
        fmix32(h ^ self.len)
    }
}

/// MurmurHash3 x86 32-bit of `data` with `seed` (Austin Appleby's `MurmurHash3_x86_32`).
pub fn murmur3_x86_32(data: &[u8], seed: u32) -> u32 {
    let mut hasher = Murmur3X86_32::new(seed);
    hasher.write(data);
    hasher.finish()
}

/// How a split turns its key into a bucket: the v1 way (seed 0, multiply and
/// shift) or with the v1.1 compatibility options `seed N` and `modulo`, which
/// reproduce Unleash's buckets (LANGUAGE.md §6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucketing {
    /// The MurmurHash3 seed.
    pub seed: u32,
    /// `bucket = h mod total` instead of `(h × total) >> 32`.
    pub modulo: bool,
}

impl Bucketing {
    /// Seed 0, multiply and shift: every split without options.
    pub const V1: Bucketing = Bucketing { seed: 0, modulo: false };

    /// Step 4 for a hash and a non-zero total: a bucket in `0..total`.
    #[inline]
    pub fn bucket(self, hash: u32, total: u32) -> u32 {
        if self.modulo { hash.checked_rem(total).unwrap_or(0) } else { bucket_of(hash, total) }
    }
}

/// The §6 hash of a split key: MurmurHash3 x86_32, seed 0, of
/// `salt_or_flag_key ++ unit` (no separator), computed without building the key.
pub fn key_hash(salt_or_flag_key: &[u8], unit: &[u8]) -> u32 {
    key_hash_seeded(0, salt_or_flag_key, unit)
}

/// [`key_hash`] with a seed (`split … seed N`).
pub fn key_hash_seeded(seed: u32, salt_or_flag_key: &[u8], unit: &[u8]) -> u32 {
    let mut hasher = Murmur3X86_32::new(seed);
    hasher.write(salt_or_flag_key);
    hasher.write(unit);
    hasher.finish()
}

/// `bucket = (h as u64 * total_weight as u64) >> 32`, in `0..total_weight`
/// (0 when `total_weight` is 0).
#[inline]
pub fn bucket_of(hash: u32, total_weight: u32) -> u32 {
    // The product is below 2^64 and the shifted value below 2^32: the cast is lossless.
    ((u64::from(hash) * u64::from(total_weight)) >> 32) as u32
}

/// The index of the first entry (in source order) whose running sum of weights
/// is greater than `bucket`; `None` if there is none.
#[inline]
pub fn pick(bucket: u32, weights: &[u32]) -> Option<usize> {
    let mut running: u64 = 0;
    weights.iter().position(|&w| {
        running += u64::from(w);
        running > u64::from(bucket)
    })
}

/// The total weight of a split, or `None` when it is 0 or above 2^31 − 1
/// (which a checked ruleset never contains).
#[inline]
pub fn total_weight(weights: &[u32]) -> Option<u32> {
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    match u32::try_from(total) {
        Ok(t) if t != 0 && t <= MAX_TOTAL_WEIGHT => Some(t),
        _ => None,
    }
}

/// The §6 algorithm over raw key parts (both UTF-8 in practice).
pub fn choose_bytes(salt_or_flag_key: &[u8], unit: &[u8], weights: &[u32]) -> Option<(u32, usize)> {
    choose_bytes_with(Bucketing::V1, salt_or_flag_key, unit, weights)
}

/// [`choose_bytes`] with a split's bucketing options.
pub fn choose_bytes_with(
    bucketing: Bucketing,
    salt_or_flag_key: &[u8],
    unit: &[u8],
    weights: &[u32],
) -> Option<(u32, usize)> {
    let total = total_weight(weights)?;
    let bucket = bucketing.bucket(key_hash_seeded(bucketing.seed, salt_or_flag_key, unit), total);
    pick(bucket, weights).map(|index| (bucket, index))
}

/// The §6 algorithm end to end: key = `salt_or_flag_key` bytes ++ `unit` bytes
/// (no separator); returns `(bucket, index of the chosen entry)`.
///
/// `weights` are in source order (percentages already converted to basis
/// points). `None` when the total weight is 0 or greater than 2^31 − 1.
/// Does not allocate.
pub fn choose(salt_or_flag_key: &str, unit: &str, weights: &[u32]) -> Option<(u32, usize)> {
    choose_bytes(salt_or_flag_key.as_bytes(), unit.as_bytes(), weights)
}

/// [`choose`] for an `int` unit, which §6 writes in decimal (`-42`, `0`,
/// `9223372036854775807`). Formats into a stack buffer: does not allocate.
pub fn choose_i64(salt_or_flag_key: &str, unit: i64, weights: &[u32]) -> Option<(u32, usize)> {
    choose_i64_with(Bucketing::V1, salt_or_flag_key, unit, weights)
}

/// [`choose_i64`] with a split's bucketing options.
pub fn choose_i64_with(
    bucketing: Bucketing,
    salt_or_flag_key: &str,
    unit: i64,
    weights: &[u32],
) -> Option<(u32, usize)> {
    let mut buf = [0u8; 20];
    choose_bytes_with(bucketing, salt_or_flag_key.as_bytes(), format_i64(unit, &mut buf), weights)
}

/// Writes `n` in decimal (ASCII, leading `-` when negative, no leading zeros)
/// at the end of `buf` and returns that slice. 20 bytes hold `i64::MIN`.
fn format_i64(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut magnitude = n.unsigned_abs();
    let mut start = buf.len();
    loop {
        start -= 1;
        if let Some(slot) = buf.get_mut(start) {
            // `magnitude % 10` is below 10: the cast is lossless.
            *slot = b'0' + (magnitude % 10) as u8;
        }
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if n < 0 {
        start -= 1;
        if let Some(slot) = buf.get_mut(start) {
            *slot = b'-';
        }
    }
    buf.get(start..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published MurmurHash3 x86_32 vectors (SMHasher reference; the common
    /// test-vector list), each re-checked with Python's `mmh3` 5.3.1:
    /// `mmh3.hash(data, seed, signed=False)`.
    const VECTORS: &[(&[u8], u32, u32)] = &[
        (b"", 0, 0),
        (b"", 1, 0x514e_28b7),
        (b"", 0xffff_ffff, 0x81f1_6f39),
        (b"test", 0, 0xba6b_d213),
        (b"Hello, world!", 1234, 0xfaf6_cdb3),
        (b"Hello, world!", 0x9747_b28c, 0x2488_4cba),
        (b"The quick brown fox jumps over the lazy dog", 0x9747_b28c, 0x2fa8_26cd),
        (b"\x00", 0, 0x514e_28b7),
        (b"\x00\x00", 0, 0x30f4_c306),
        (b"\x00\x00\x00", 0, 0x85f0_b427),
        (b"\x00\x00\x00\x00", 0, 0x2362_f9de),
        (b"\xff\xff\xff\xff", 0, 0x7629_3b50),
        (b"\x21\x43\x65\x87", 0, 0xf55b_516b),
        (b"\x21\x43\x65\x87", 0x5082_edee, 0x2362_f9de),
        (b"\x21\x43\x65", 0, 0x7e4a_8634),
        (b"\x21\x43", 0, 0xa0f7_b07a),
        (b"\x21", 0, 0x7266_1cf4),
        (b"a", 0x9747_b28c, 0x7fa0_9ea6),
        (b"ab", 0x9747_b28c, 0x7487_5592),
        (b"abc", 0x9747_b28c, 0xc84a_62dd),
        (b"abcd", 0x9747_b28c, 0xf047_8627),
        (b"aaaa", 0x9747_b28c, 0x5a97_808a),
        // UTF-8 bytes of "ünïcödé-用户" (mmh3, not a published vector).
        ("ünïcödé-用户".as_bytes(), 0, 0x53ac_6c0c),
    ];

    #[test]
    fn murmur3_matches_published_vectors() {
        for &(data, seed, want) in VECTORS {
            assert_eq!(murmur3_x86_32(data, seed), want, "data {data:?} seed {seed:#x}");
        }
    }

    #[test]
    fn streaming_matches_one_shot_at_every_split_point() {
        let data: Vec<u8> = (0u8..=40).map(|b| b.wrapping_mul(37).wrapping_add(11)).collect();
        for len in 0..=data.len() {
            let whole = &data[..len];
            let want = murmur3_x86_32(whole, 0);
            for cut in 0..=len {
                let (a, b) = whole.split_at(cut);
                assert_eq!(key_hash(a, b), want, "len {len} cut {cut}");
                // Three pieces, to exercise a carry that spans a whole write.
                for cut2 in cut..=len {
                    let mut h = Murmur3X86_32::new(0);
                    h.write(&whole[..cut]);
                    h.write(&whole[cut..cut2]);
                    h.write(&whole[cut2..]);
                    assert_eq!(h.finish(), want, "len {len} cuts {cut},{cut2}");
                }
            }
        }
    }

    /// Exact MurmurHash3 preimages published in flagd-testbed's v2 fractional
    /// "hash edge cases" (hash 0, 1, 2^31−1, 2^31, 2^32−1), re-checked with mmh3.
    #[test]
    fn flagd_hash_edge_preimages() {
        let cases: &[(&str, u32)] =
            &[("ejOoVL", 0), ("bY9fO-", 1), ("SI7p-", 0x7fff_ffff), ("6LvT0", 0x8000_0000), ("ceQdGm", 0xffff_ffff)];
        for &(key, hash) in cases {
            assert_eq!(murmur3_x86_32(key.as_bytes(), 0), hash, "{key}");
            // flagd: fractional [lower 50, upper 50] by targetingKey alone.
            let (a, b) = key.split_at(1);
            let want = if hash < 0x8000_0000 { 0 } else { 1 };
            assert_eq!(choose(a, b, &[50, 50]).map(|c| c.1), Some(want), "{key}");
        }
    }

    #[test]
    fn bucket_of_values() {
        // Independent values: Python `(h * t) >> 32`.
        let cases: &[(u32, u32, u32)] = &[
            (0, 1, 0),
            (1, 100, 0),
            (0x7fff_ffff, 100, 49),
            (0x8000_0000, 100, 50),
            (0xffff_ffff, 100, 99),
            (0xffff_ffff, MAX_TOTAL_WEIGHT, 2_147_483_646),
            (0x1234_5678, 10_000, 711),
            (0xdead_beef, 3, 2),
            (0xffff_ffff, 0, 0),
        ];
        for &(h, t, want) in cases {
            assert_eq!(bucket_of(h, t), want, "h {h:#x} t {t}");
        }
    }

    #[test]
    fn pick_is_first_running_sum_greater_than_bucket() {
        let w = [0, 3, 0, 5, 0];
        let got: Vec<_> = (0..8).map(|b| pick(b, &w)).collect();
        assert_eq!(got, [Some(1), Some(1), Some(1), Some(3), Some(3), Some(3), Some(3), Some(3)]);
        assert_eq!(pick(8, &w), None);
        assert_eq!(pick(0, &[]), None);
        assert_eq!(pick(0, &[1]), Some(0));
    }

    #[test]
    fn choose_matches_independent_python() {
        // (salt or flag key, unit, weights) -> (bucket, index), computed with
        // Python `mmh3.hash(key, 0, signed=False)` and the §6 steps.
        type Case = (&'static str, &'static str, &'static [u32], (u32, usize));
        let cases: &[Case] = &[
            ("coin", "user-0001", &[5000, 5000], (5160, 1)),
            ("three_way", "user-0002", &[3333, 3333, 3334], (8799, 2)),
            ("relative", "user-0003", &[1, 2, 7], (0, 0)),
            ("shared-salt", "user-0004", &[2500, 7500], (8475, 1)),
            ("by_int", "-42", &[1000, 8000, 1000], (9215, 2)),
            ("by_int", "0", &[1000, 8000, 1000], (9946, 2)),
            ("color", "ünïcödé-用户", &[1, 1, 1, 1], (2, 2)),
            ("zeroes", "user-0005", &[0, 3, 0, 5, 0], (6, 3)),
            ("big", "user-0006", &[1_073_741_823, 1_073_741_824], (1_267_167_574, 1)),
            // flagd-testbed v2: fractional-flag, user.name "jack" -> hearts (index 2).
            ("fractional-flag", "jack", &[25, 25, 25, 25], (62, 2)),
            // flagd-testbed v2: shared seed, "nine" -> clubs (index 0).
            ("shared-seed", "nine", &[25, 25, 25, 25], (18, 0)),
            ("fractional-flag-shorthand", "jon@company.com", &[1, 1], (0, 0)),
        ];
        for &(salt, unit, weights, want) in cases {
            assert_eq!(choose(salt, unit, weights), Some(want), "{salt:?} {unit:?}");
        }
    }

    #[test]
    fn choose_i64_writes_decimal() {
        let w = [1000, 8000, 1000];
        // Python: by_int ++ "9223372036854775807" -> bucket 7234; i64::MIN -> 4371.
        assert_eq!(choose_i64("by_int", i64::MAX, &w), Some((7234, 1)));
        assert_eq!(choose_i64("by_int", i64::MIN, &w), Some((4371, 1)));
        for n in [i64::MIN, -1_000_000, -42, -1, 0, 7, 10, 99, 12_345, i64::MAX] {
            let mut buf = [0u8; 20];
            assert_eq!(format_i64(n, &mut buf), n.to_string().as_bytes());
            assert_eq!(choose_i64("by_int", n, &w), choose("by_int", &n.to_string(), &w));
        }
    }

    #[test]
    fn total_weight_limits() {
        assert_eq!(choose("f", "u", &[]), None);
        assert_eq!(choose("f", "u", &[0, 0]), None);
        assert_eq!(choose("f", "u", &[MAX_TOTAL_WEIGHT, 1]), None);
        assert_eq!(choose("f", "u", &[u32::MAX, u32::MAX]), None);
        assert_eq!(total_weight(&[MAX_TOTAL_WEIGHT]), Some(MAX_TOTAL_WEIGHT));
        assert!(choose("f", "u", &[MAX_TOTAL_WEIGHT - 1, 1]).is_some());
        assert_eq!(choose("f", "u", &[0, 7, 0]).map(|c| c.1), Some(1));
    }
}
