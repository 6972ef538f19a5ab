//! Fuzzes LZF (`util::lzf`), the compressor of quicklist nodes.
//!
//! Invariants checked, for arbitrary bytes:
//! - decompressing them as a stream never panics, and what comes out is
//!   within the bound it was given;
//! - compressing them and decompressing the result gives them back, and
//!   a compression under a tighter bound either fits it and round-trips
//!   or gives up.
#![no_main]

use cinnabar::util::lzf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bound = data.first().map_or(0, |&b| usize::from(b) * 64);
    if let Ok(out) = lzf::decompress(data, bound) {
        assert!(out.len() <= bound);
    }
    let packed = lzf::compress(data, data.len() + data.len() / 16 + 64).expect("loose bound");
    assert_eq!(lzf::decompress(&packed, data.len()).as_deref(), Ok(data));
    let tight = data.len() / 2;
    if let Some(p) = lzf::compress(data, tight) {
        assert!(p.len() <= tight);
        assert_eq!(lzf::decompress(&p, data.len()).as_deref(), Ok(data));
    }
});
