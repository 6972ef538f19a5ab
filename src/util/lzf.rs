//! LZF, the small LZ77 compressor Redis uses for quicklist nodes and RDB
//! strings, written from the format of Marc Lehmann's liblzf so that what
//! one side compresses the other decompresses.
//!
//! The stream is a sequence of chunks, each opened by a control byte:
//! - `000LLLLL`: a literal run of `L + 1` bytes (1..=32), copied as is.
//! - `LLLOOOOO [E] OOOOOOOO`: a back reference of `L + 2` bytes (3..=8;
//!   `L == 7` means an extra byte `E` follows and the length is
//!   `9 + E`, up to 264), starting `((O_hi << 8) | O_lo) + 1` bytes (up
//!   to 8192) behind the output's end. Source and destination may
//!   overlap, so a run of one byte repeated is a reference of offset 1.
//!
//! The compressor is greedy over a hash table of three-byte prefixes, as
//! liblzf's is; its output need not be byte-identical to liblzf's (no
//! decoder cares), only valid. The decompressor checks every bound and
//! returns an error on malformed input rather than panicking.

/// Longest literal run one control byte announces.
const MAX_LIT: usize = 32;
/// Farthest a back reference reaches.
const MAX_OFF: usize = 1 << 13;
/// Longest back reference.
const MAX_REF: usize = 264;
/// Bits of the prefix hash table.
const HLOG: u32 = 13;

/// Why a stream did not decompress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The output would exceed the size allowed.
    TooBig,
    /// A chunk runs past the end of the input, or a back reference points
    /// before the start of the output.
    Corrupt,
}

/// Compresses `input`, or returns `None` if the result would exceed
/// `max_out` bytes (liblzf's `out_len`; Redis passes a bound below the
/// input size to give up early on incompressible data). Empty input
/// compresses to nothing.
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let n = input.len();
    let mut out = Vec::with_capacity(max_out.min(n + n / 32 + 1));
    let mut table = vec![0u32; 1 << HLOG];
    let (mut i, mut lit) = (0, 0);
    while i + 3 <= n {
        let h = hash(&input[i..i + 3]);
        // Slots hold position + 1, so 0 means empty.
        let cand = table[h] as usize;
        table[h] = (i + 1) as u32;
        if cand > 0 && i - (cand - 1) <= MAX_OFF && input[cand - 1..cand + 2] == input[i..i + 3] {
            let r = cand - 1;
            let max = MAX_REF.min(n - i);
            let mut len = 3;
            while len < max && input[r + len] == input[i + len] {
                len += 1;
            }
            put_literals(&mut out, &input[lit..i]);
            put_ref(&mut out, i - r, len);
            if out.len() > max_out {
                return None;
            }
            // Index the positions the match skipped, so later data can
            // refer into it (what liblzf's VERY_FAST mode does for two).
            for p in (i + 1..i + len).take_while(|p| p + 3 <= n) {
                table[hash(&input[p..p + 3])] = (p + 1) as u32;
            }
            i += len;
            lit = i;
        } else {
            i += 1;
        }
    }
    put_literals(&mut out, &input[lit..]);
    (out.len() <= max_out).then_some(out)
}

/// The table slot of a three-byte prefix (Fibonacci hashing).
fn hash(p: &[u8]) -> usize {
    let v = u32::from(p[0]) | u32::from(p[1]) << 8 | u32::from(p[2]) << 16;
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HLOG)) as usize
}

/// Appends `lit` as literal runs of at most 32 bytes.
fn put_literals(out: &mut Vec<u8>, lit: &[u8]) {
    for run in lit.chunks(MAX_LIT) {
        out.push((run.len() - 1) as u8);
        out.extend_from_slice(run);
    }
}

/// Appends a back reference of `len` (3..=264) bytes, `off` (1..=8192)
/// bytes back.
fn put_ref(out: &mut Vec<u8>, off: usize, len: usize) {
    let (o, l) = (off - 1, len - 2);
    let hi = (o >> 8) as u8;
    if l < 7 {
        out.push(((l as u8) << 5) | hi);
    } else {
        out.push((7 << 5) | hi);
        out.push((l - 7) as u8);
    }
    out.push(o as u8);
}

/// Decompresses `input` into at most `max_out` bytes (liblzf's
/// `lzf_decompress` with an output buffer of that size).
pub fn decompress(input: &[u8], max_out: usize) -> Result<Vec<u8>, Error> {
    let mut out: Vec<u8> = Vec::with_capacity(max_out.min(input.len().saturating_mul(4)));
    let mut i = 0;
    while i < input.len() {
        let ctrl = usize::from(input[i]);
        i += 1;
        if ctrl < 32 {
            let len = ctrl + 1;
            let run = input.get(i..i + len).ok_or(Error::Corrupt)?;
            if out.len() + len > max_out {
                return Err(Error::TooBig);
            }
            out.extend_from_slice(run);
            i += len;
            continue;
        }
        let mut len = ctrl >> 5;
        if len == 7 {
            len += usize::from(*input.get(i).ok_or(Error::Corrupt)?);
            i += 1;
        }
        len += 2;
        let lo = usize::from(*input.get(i).ok_or(Error::Corrupt)?);
        i += 1;
        let off = ((ctrl & 0x1f) << 8 | lo) + 1;
        if out.len() + len > max_out {
            return Err(Error::TooBig);
        }
        let start = out.len().checked_sub(off).ok_or(Error::Corrupt)?;
        if off >= len {
            out.extend_from_within(start..start + len);
        } else {
            // Overlapping: the reference repeats bytes it is producing.
            for k in start..start + len {
                out.push(out[k]);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Round trip, with the output no larger than the bound.
    fn round_trip(data: &[u8]) {
        let packed = compress(data, data.len() + data.len() / 16 + 64).unwrap();
        assert_eq!(decompress(&packed, data.len()).unwrap(), data);
    }

    #[test]
    fn known_streams_decode() {
        // A literal run then a back reference of offset 1, length 6:
        // "a" then six more "a"s.
        assert_eq!(
            decompress(&[0x00, b'a', 0x80, 0x00], 100).unwrap(),
            b"aaaaaaa"
        );
        // An extended length: 7 + 2 + 1 = 10 bytes of offset 2.
        assert_eq!(
            decompress(&[0x01, b'a', b'b', 0xe0, 0x01, 0x01], 100).unwrap(),
            b"ababababababa"[..12].to_vec()
        );
        // A long run: references of at most 264 bytes each.
        let long = vec![b'x'; 1000];
        let packed = compress(&long, 1000).unwrap();
        assert!(packed.len() < 20, "{}", packed.len());
        assert_eq!(decompress(&packed, 1000).unwrap(), long);
    }

    #[test]
    fn repetitive_data_shrinks() {
        let mut data = Vec::new();
        for _ in 0..100 {
            data.push(80u8);
            data.extend_from_slice(&[b'a'; 80]);
        }
        let packed = compress(&data, data.len()).unwrap();
        assert!(packed.len() * 20 < data.len(), "{}", packed.len());
        round_trip(&data);
    }

    #[test]
    fn gives_up_past_the_bound() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let data: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        assert_eq!(compress(&data, data.len() - 8), None);
        round_trip(&data);
        assert_eq!(compress(b"", 0), Some(Vec::new()));
        assert_eq!(decompress(b"", 0), Ok(Vec::new()));
    }

    #[test]
    fn malformed_streams_are_errors() {
        // A literal run longer than the input.
        assert_eq!(decompress(&[0x05, b'a'], 100), Err(Error::Corrupt));
        // A reference before the start of the output.
        assert_eq!(
            decompress(&[0x00, b'a', 0x20, 0x05], 100),
            Err(Error::Corrupt)
        );
        // A reference cut short.
        assert_eq!(decompress(&[0x00, b'a', 0xe0], 100), Err(Error::Corrupt));
        assert_eq!(decompress(&[0x00, b'a', 0x20], 100), Err(Error::Corrupt));
        // Too much output.
        assert_eq!(decompress(&[0x00, b'a', 0x20, 0x00], 3), Err(Error::TooBig));
        assert_eq!(decompress(&[0x01, b'a', b'b'], 1), Err(Error::TooBig));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Anything compresses and decompresses back to itself, whether
        /// random or built of repeats (the references' paths).
        #[test]
        fn round_trips(
            pieces in prop::collection::vec(
                (prop::collection::vec(any::<u8>(), 0..40), 1usize..300), 0..40),
        ) {
            let mut data = Vec::new();
            for (p, times) in pieces {
                for _ in 0..times.min(1 + 600 / (p.len() + 1)) {
                    data.extend_from_slice(&p);
                }
            }
            let packed = compress(&data, data.len() + data.len() / 16 + 64).unwrap();
            prop_assert_eq!(decompress(&packed, data.len()).unwrap(), data.clone());
            // A tight bound either fits or gives up; it never lies.
            if let Some(p) = compress(&data, data.len() / 2) {
                prop_assert!(p.len() <= data.len() / 2);
                prop_assert_eq!(decompress(&p, data.len()).unwrap(), data);
            }
        }

        /// Garbage never panics: it decodes to something within the bound
        /// or is refused.
        #[test]
        fn garbage_is_refused_or_bounded(
            junk in prop::collection::vec(any::<u8>(), 0..400),
            max in 0usize..2000,
        ) {
            if let Ok(out) = decompress(&junk, max) {
                prop_assert!(out.len() <= max);
            }
        }

        /// Flipping bytes of a valid stream never panics either.
        #[test]
        fn damaged_streams_never_panic(
            data in prop::collection::vec(0u8..4, 0..2000),
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        ) {
            let mut packed = compress(&data, data.len() + 64).unwrap();
            if packed.is_empty() {
                return Ok(());
            }
            for (at, b) in flips {
                let i = at.index(packed.len());
                packed[i] = b;
            }
            let _ = decompress(&packed, data.len());
        }
    }
}
