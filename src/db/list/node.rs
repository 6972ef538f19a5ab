//! A quicklist node of a long list: a listpack, either plain or
//! compressed with LZF (`list-compress-depth`), with its entry count and
//! size kept beside the compressed bytes so walking and fill checks never
//! decompress.
//!
//! Compression follows Redis's `__quicklistCompressNode`: nodes under
//! [`MIN_COMPRESS_BYTES`] are left alone, and a result is kept only if it
//! saves at least [`MIN_COMPRESS_IMPROVE`] bytes. A node that failed is
//! marked, so it is not tried again until it changes (Redis retries it on
//! every push; the mark spares that work, not a difference anyone sees).

use std::borrow::Cow;

use crate::db::listpack::Listpack;
use crate::util::lzf;

/// Nodes smaller than this are not compressed (Redis's
/// `MIN_COMPRESS_BYTES`).
pub const MIN_COMPRESS_BYTES: usize = 48;

/// A compressed node must be at least this much smaller (Redis's
/// `MIN_COMPRESS_IMPROVE`).
pub const MIN_COMPRESS_IMPROVE: usize = 8;

/// One node of a [`super::List`] of two nodes or more.
#[derive(Debug, Clone)]
pub enum Node {
    /// A plain listpack; `tried` once compressing it did not pay.
    Raw { lp: Listpack, tried: bool },
    /// An LZF-compressed listpack.
    Lzf(Packed),
}

/// A compressed listpack and what the list needs to know without
/// decompressing it.
#[derive(Debug, Clone)]
pub struct Packed {
    /// The listpack's whole buffer, LZF-compressed.
    data: Box<[u8]>,
    /// Its entry count.
    len: u32,
    /// Its entries' bytes ([`Listpack::bytes`]); with the count header,
    /// the size it decompresses to.
    bytes: u32,
}

impl Node {
    /// A plain node.
    pub fn raw(lp: Listpack) -> Node {
        Node::Raw { lp, tried: false }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        match self {
            Node::Raw { lp, .. } => lp.len(),
            Node::Lzf(p) => p.len as usize,
        }
    }

    /// Bytes of the entries, as fill limits count them.
    pub fn bytes(&self) -> usize {
        match self {
            Node::Raw { lp, .. } => lp.bytes(),
            Node::Lzf(p) => p.bytes as usize,
        }
    }

    /// Whether it is compressed.
    pub fn is_compressed(&self) -> bool {
        matches!(self, Node::Lzf(_))
    }

    /// Heap bytes allocated (MEMORY USAGE).
    pub fn capacity(&self) -> usize {
        match self {
            Node::Raw { lp, .. } => lp.capacity(),
            Node::Lzf(p) => p.data.len(),
        }
    }

    /// The listpack, decompressed into a copy if need be.
    pub fn unpacked(&self) -> Cow<'_, Listpack> {
        match self {
            Node::Raw { lp, .. } => Cow::Borrowed(lp),
            Node::Lzf(p) => Cow::Owned(p.unpack()),
        }
    }

    /// The listpack for reading, decompressed in place if need be (the
    /// caller recompresses, see `List::settle`).
    pub fn plain(&mut self) -> &Listpack {
        self.decompress();
        match self {
            Node::Raw { lp, .. } => lp,
            Node::Lzf(_) => unreachable!("decompressed above"),
        }
    }

    /// The listpack for changing: decompressed in place, and worth trying
    /// to compress again afterwards.
    pub fn plain_mut(&mut self) -> &mut Listpack {
        self.decompress();
        match self {
            Node::Raw { lp, tried } => {
                *tried = false;
                lp
            }
            Node::Lzf(_) => unreachable!("decompressed above"),
        }
    }

    /// Takes the listpack out, decompressed.
    pub fn into_listpack(self) -> Listpack {
        match self {
            Node::Raw { lp, .. } => lp,
            Node::Lzf(p) => p.unpack(),
        }
    }

    /// Makes it plain (Redis's `quicklistDecompressNode`).
    pub fn decompress(&mut self) {
        if let Node::Lzf(p) = self {
            *self = Node::raw(p.unpack());
        }
    }

    /// Compresses it if that pays and was not already found not to
    /// (Redis's `quicklistCompressNode`).
    pub fn compress(&mut self) {
        let Node::Raw { lp, tried } = self else {
            return;
        };
        if *tried {
            return;
        }
        *tried = true;
        let raw = lp.as_bytes();
        // (The counts are kept in 32 bits: a node of one element over
        // 4 GB stays plain.)
        if raw.len() < MIN_COMPRESS_BYTES || u32::try_from(raw.len()).is_err() {
            return;
        }
        // Give up as soon as the output could not save enough.
        let Some(data) = lzf::compress(raw, raw.len() - MIN_COMPRESS_IMPROVE - 1) else {
            return;
        };
        *self = Node::Lzf(Packed {
            data: data.into_boxed_slice(),
            len: lp.len() as u32,
            bytes: lp.bytes() as u32,
        });
    }
}

impl Packed {
    /// The listpack it holds.
    fn unpack(&self) -> Listpack {
        // The whole buffer: the entry count (LEB128, 7 bits a byte), then
        // the entries.
        let bits = u32::BITS - self.len.leading_zeros();
        let raw = bits.div_ceil(7).max(1) as usize + self.bytes as usize;
        // The data is our own compressor's output of exactly `raw` bytes:
        // failing here is a bug, not bad input.
        let buf = lzf::decompress(&self.data, raw).expect("a compressed list node decompresses");
        debug_assert_eq!(buf.len(), raw);
        Listpack::from_bytes(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lp_of(items: &[&[u8]]) -> Listpack {
        let mut lp = Listpack::new();
        items.iter().for_each(|e| lp.push_back(e));
        lp
    }

    /// A node costs the deque no more than a listpack and a word.
    #[test]
    fn node_size() {
        assert_eq!(std::mem::size_of::<Node>(), 32);
    }

    /// The size a node decompresses to is worked out from its counts,
    /// across the count header's growth from one byte to two and three.
    #[test]
    fn header_sizes_round_trip() {
        for n in [10usize, 127, 128, 129, 16383, 16384, 20000] {
            let mut lp = Listpack::new();
            for _ in 0..n {
                lp.push_back(b"abcabcabc");
            }
            let mut node = Node::raw(lp.clone());
            node.compress();
            assert!(node.is_compressed(), "{n}");
            assert_eq!(*node.unpacked(), lp, "{n}");
        }
    }

    #[test]
    fn compresses_only_what_pays() {
        // Small: left alone.
        let mut n = Node::raw(lp_of(&[b"aaaaaaaaaaaaaaaaaaaaaaaa"]));
        n.compress();
        assert!(!n.is_compressed());
        // Large and repetitive: compressed, and the same after a round trip.
        let big = lp_of(&[&[b'a'; 80][..]; 50]);
        let mut n = Node::raw(big.clone());
        n.compress();
        assert!(n.is_compressed());
        assert!(n.capacity() * 20 < big.capacity());
        assert_eq!((n.len(), n.bytes()), (50, big.bytes()));
        assert_eq!(*n.unpacked(), big);
        n.plain_mut().push_back(b"x");
        assert!(!n.is_compressed());
        // Incompressible: marked, so not tried again until changed.
        let noise: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let mut n = Node::raw(lp_of(&[&noise]));
        n.compress();
        assert!(matches!(n, Node::Raw { tried: true, .. }));
        n.plain_mut();
        assert!(matches!(n, Node::Raw { tried: false, .. }));
    }
}
