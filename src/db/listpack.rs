//! A listpack: a sequence of byte strings packed into one allocation, the
//! compact form Redis uses for small lists, hashes and sorted sets.
//!
//! Each entry is a LEB128 length followed by its bytes, so a short entry
//! costs one byte of overhead and there is no per-entry allocation. The
//! entry count is a LEB128 number at the buffer's start (absent while
//! empty; one byte below 128 entries), like the header of Redis's
//! listpack: that keeps `Listpack` at 24 bytes, one `Vec`, so the `Value`
//! enum fits in 32 (see docs/performance.md, "Memory layout").
//! Positional access walks the buffer (O(n)); it is meant for small
//! collections (bounded by the `*-max-listpack-*` settings) and for the
//! fixed-size nodes of a quicklist.

/// A packed sequence of byte strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listpack {
    /// Empty, or the entry count (LEB128) then the entries.
    buf: Vec<u8>,
}

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Reads the entry at byte offset `at`: (start of data, data length).
fn read_len(buf: &[u8], at: usize) -> (usize, usize) {
    let (mut n, mut shift, mut i) = (0usize, 0, at);
    loop {
        let b = buf[i];
        n |= usize::from(b & 0x7f) << shift;
        i += 1;
        if b & 0x80 == 0 {
            return (i, n);
        }
        shift += 7;
    }
}

fn encode(s: &[u8]) -> Vec<u8> {
    let mut e = Vec::with_capacity(s.len() + 2);
    put_len(&mut e, s.len());
    e.extend_from_slice(s);
    e
}

impl Listpack {
    /// An empty listpack.
    pub fn new() -> Listpack {
        Listpack::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.header().0
    }

    /// (entry count, header bytes); (0, 0) while empty.
    fn header(&self) -> (usize, usize) {
        if self.buf.is_empty() {
            return (0, 0);
        }
        let (start, n) = read_len(&self.buf, 0);
        (n, start)
    }

    /// Stores the entry count; an empty listpack keeps no header, so
    /// equal contents are equal buffers. The header changes length only
    /// when the count crosses a power of 128.
    fn set_len(&mut self, n: usize) {
        if n == 0 {
            self.buf.clear();
            return;
        }
        let old = self.header().1;
        let mut h = Vec::with_capacity(4);
        put_len(&mut h, n);
        if h.len() == old {
            self.buf[..old].copy_from_slice(&h);
        } else {
            self.buf.splice(..old, h);
        }
    }

    /// Makes room for the header before the first entry is added.
    fn ensure_header(&mut self) {
        if self.buf.is_empty() {
            self.buf.push(0);
        }
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Bytes used by the packed entries (the count header excluded, so
    /// quicklist fill limits see what they always saw).
    pub fn bytes(&self) -> usize {
        self.buf.len() - self.header().1
    }

    /// Heap bytes allocated.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// The whole buffer, count header included (what a quicklist node
    /// compresses).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// A listpack from a buffer [`Listpack::as_bytes`] gave.
    pub fn from_bytes(buf: Vec<u8>) -> Listpack {
        Listpack { buf }
    }

    /// Iterates over the entries in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            buf: &self.buf,
            at: self.header().1,
        }
    }

    /// Byte offset of entry `i` (`i == len` gives the end).
    fn offset(&self, i: usize) -> usize {
        let mut at = self.header().1;
        for _ in 0..i {
            let (start, n) = read_len(&self.buf, at);
            at = start + n;
        }
        at
    }

    /// The entry at `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        if i >= self.len() {
            return None;
        }
        let (start, n) = read_len(&self.buf, self.offset(i));
        Some(&self.buf[start..start + n])
    }

    /// Appends an entry.
    pub fn push_back(&mut self, s: &[u8]) {
        let n = self.len();
        self.ensure_header();
        put_len(&mut self.buf, s.len());
        self.buf.extend_from_slice(s);
        self.set_len(n + 1);
    }

    /// Prepends an entry.
    pub fn push_front(&mut self, s: &[u8]) {
        self.insert(0, s);
    }

    /// Inserts an entry before position `i` (`i <= len`).
    pub fn insert(&mut self, i: usize, s: &[u8]) {
        let n = self.len();
        self.ensure_header();
        let at = self.offset(i.min(n));
        self.buf.splice(at..at, encode(s));
        self.set_len(n + 1);
    }

    /// Replaces entry `i` (`i < len`).
    pub fn replace(&mut self, i: usize, s: &[u8]) {
        let at = self.offset(i);
        let (start, n) = read_len(&self.buf, at);
        self.buf.splice(at..start + n, encode(s));
    }

    /// Removes entry `i`, returning it.
    pub fn remove(&mut self, i: usize) -> Option<Vec<u8>> {
        let len = self.len();
        if i >= len {
            return None;
        }
        let at = self.offset(i);
        let (start, n) = read_len(&self.buf, at);
        let out = self.buf[start..start + n].to_vec();
        self.buf.drain(at..start + n);
        self.set_len(len - 1);
        Some(out)
    }

    /// Removes `count` entries starting at `i`.
    pub fn remove_range(&mut self, i: usize, count: usize) {
        let len = self.len();
        let count = count.min(len.saturating_sub(i));
        if count == 0 {
            return;
        }
        let from = self.offset(i);
        let mut to = from;
        for _ in 0..count {
            let (start, n) = read_len(&self.buf, to);
            to = start + n;
        }
        self.buf.drain(from..to);
        self.set_len(len - count);
    }

    /// Removes and returns the first entry.
    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        self.remove(0)
    }

    /// Removes and returns the last entry.
    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        self.len().checked_sub(1).and_then(|i| self.remove(i))
    }

    /// Frees spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
    }
}

/// Iterator over a [`Listpack`].
pub struct Iter<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.at >= self.buf.len() {
            return None;
        }
        let (start, n) = read_len(self.buf, self.at);
        self.at = start + n;
        Some(&self.buf[start..start + n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The count header grows from one byte to two at 128 entries and
    /// shrinks back, with the entries intact.
    #[test]
    fn count_header_crosses_128() {
        let mut lp = Listpack::new();
        for i in 0..200u32 {
            lp.push_back(&i.to_be_bytes());
            assert_eq!(lp.bytes(), 5 * (i as usize + 1));
        }
        assert_eq!(lp.len(), 200);
        while lp.len() > 100 {
            lp.pop_front();
        }
        assert_eq!(lp.bytes(), 500);
        let want: Vec<Vec<u8>> = (100..200u32).map(|i| i.to_be_bytes().to_vec()).collect();
        assert_eq!(lp.iter().map(<[u8]>::to_vec).collect::<Vec<_>>(), want);
        assert_eq!(lp.get(99), Some(&199u32.to_be_bytes()[..]));
    }

    /// One `Vec`: what lets `Value` be 32 bytes.
    #[test]
    fn is_one_vec() {
        assert_eq!(std::mem::size_of::<Listpack>(), 24);
        assert_eq!(std::mem::size_of::<crate::db::Value>(), 32);
    }

    proptest! {
        /// A listpack behaves like a Vec of byte strings.
        #[test]
        fn matches_vec_model(ops in proptest::collection::vec((0u8..7, 0usize..20, proptest::collection::vec(any::<u8>(), 0..300)), 0..200)) {
            let mut lp = Listpack::new();
            let mut model: Vec<Vec<u8>> = Vec::new();
            for (op, i, s) in ops {
                // Now and then a run of pushes, so counts cross 128.
                if op == 0 && i == 19 {
                    for _ in 0..130 {
                        lp.push_back(&s[..s.len().min(3)]);
                        model.push(s[..s.len().min(3)].to_vec());
                    }
                }
                match op {
                    0 => { lp.push_back(&s); model.push(s); }
                    1 => { lp.push_front(&s); model.insert(0, s); }
                    2 => { let i = i.min(model.len()); lp.insert(i, &s); model.insert(i, s); }
                    3 => if i < model.len() { lp.replace(i, &s); model[i] = s; },
                    4 => { let want = (i < model.len()).then(|| model.remove(i)); prop_assert_eq!(lp.remove(i), want); }
                    5 => { prop_assert_eq!(lp.pop_back(), model.pop()); }
                    _ => { let c = s.len() % 4; lp.remove_range(i, c); let end = (i + c).min(model.len()); if i < model.len() { model.drain(i..end); } }
                }
                prop_assert_eq!(lp.len(), model.len());
                prop_assert_eq!(lp.is_empty(), model.is_empty());
                let packed: usize = model.iter().map(|m| encode(m).len()).sum();
                prop_assert_eq!(lp.bytes(), packed);
                // Equal contents, equal listpacks (the derived `Eq`).
                let mut rebuilt = Listpack::new();
                model.iter().for_each(|m| rebuilt.push_back(m));
                prop_assert_eq!(&lp, &rebuilt);
            }
            let got: Vec<Vec<u8>> = lp.iter().map(|e| e.to_vec()).collect();
            prop_assert_eq!(&got, &model);
            for (i, m) in model.iter().enumerate() {
                prop_assert_eq!(lp.get(i), Some(&m[..]));
            }
        }
    }
}
