//! Hash: the value type behind HSET and friends (the type API of Redis's
//! `t_hash.c`).
//!
//! Two encodings, as Redis 7.0 reports them in OBJECT ENCODING:
//!
//! - `listpack`: fields and values alternate in one [`Listpack`], in
//!   insertion order (an update replaces the value in place). Lookups walk
//!   the buffer, which is fine because the form is bounded by
//!   `hash-max-listpack-entries` fields, each field and value at most
//!   `hash-max-listpack-value` bytes.
//! - `hashtable`: a [`Dict`] from field to value, once either bound is
//!   exceeded by an insert. Conversion is one way, as in Redis: deleting
//!   fields never brings a hash back to a listpack.
//!
//! The bounds are passed in as [`Limits`] (read from the live config by
//! the command layer), so this module does not depend on the server state.

use super::dict::{self, Dict};
use super::listpack::{self, Listpack};
use crate::util::Rng;

/// Redis's `LISTPACK_MAX_SAFETY_SIZE`: a listpack never grows past 1 GB.
const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// The `hash-max-listpack-*` settings an insert is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `hash-max-listpack-entries`: most fields a listpack hash holds.
    pub max_entries: usize,
    /// `hash-max-listpack-value`: longest field or value it holds.
    pub max_value: usize,
}

/// A hash value in one of Redis's two encodings.
#[derive(Debug, Clone)]
pub enum Hash {
    /// Small hashes: field, value, field, value, ... in insertion order.
    Listpack(Listpack),
    /// Large hashes. Boxed so that [`super::Value`] stays small for every
    /// key, whatever its type.
    Table(Box<Dict<Box<[u8]>>>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

/// Finds `field` in a listpack of pairs: the index of the field entry.
fn lp_find(lp: &Listpack, field: &[u8]) -> Option<usize> {
    let mut it = lp.iter();
    let mut i = 0;
    while let Some(f) = it.next() {
        if f == field {
            return Some(i);
        }
        it.next();
        i += 2;
    }
    None
}

impl Hash {
    /// Heap bytes (MEMORY USAGE), sampling `samples` fields of a table
    /// (0: all).
    pub fn mem_usage(&self, samples: usize) -> usize {
        match self {
            Hash::Listpack(lp) => lp.capacity(),
            Hash::Table(d) => {
                std::mem::size_of::<Dict<Box<[u8]>>>() + d.mem_usage(samples, |v| v.len())
            }
        }
    }

    /// An empty hash (a listpack, as Redis's `createHashObject`).
    pub fn new() -> Hash {
        Hash::Listpack(Listpack::new())
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match self {
            Hash::Listpack(lp) => lp.len() / 2,
            Hash::Table(d) => d.len(),
        }
    }

    /// Whether it is empty (an empty hash is never stored).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Listpack(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Hash::Listpack(lp) => {
                let mut it = lp.iter();
                while let Some(f) = it.next() {
                    let v = it.next();
                    if f == field {
                        return v;
                    }
                }
                None
            }
            Hash::Table(d) => d.get(field).map(|v| &v[..]),
        }
    }

    /// Whether `field` is present.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Converts a listpack to a hash table (no-op for a table).
    pub fn convert(&mut self) {
        let Hash::Listpack(lp) = self else { return };
        let mut d: Dict<Box<[u8]>> = Dict::new();
        let mut it = lp.iter();
        while let (Some(f), Some(v)) = (it.next(), it.next()) {
            d.insert_new(f, v.into());
        }
        *self = Hash::Table(Box::new(d));
    }

    /// Redis's `hashTypeTryConversion`: before inserting arguments of the
    /// given lengths, converts a listpack that could not hold them (one
    /// too long for `max_value`, or the listpack would pass 1 GB).
    pub fn prepare(&mut self, lens: impl IntoIterator<Item = usize>, lim: Limits) {
        let Hash::Listpack(lp) = self else { return };
        let mut sum = 0usize;
        for len in lens {
            if len > lim.max_value {
                self.convert();
                return;
            }
            sum = sum.saturating_add(len);
        }
        if lp.bytes().saturating_add(sum) > LISTPACK_MAX_SAFETY_SIZE {
            self.convert();
        }
    }

    /// Sets `field` to `value`; returns whether the field is new. A
    /// listpack is converted first if either is too long, and afterwards
    /// if it now has too many fields (Redis's `hashTypeSet`).
    pub fn set(&mut self, field: &[u8], value: &[u8], lim: Limits) -> bool {
        if matches!(self, Hash::Listpack(_))
            && (field.len() > lim.max_value || value.len() > lim.max_value)
        {
            self.convert();
        }
        match self {
            Hash::Listpack(lp) => {
                if let Some(i) = lp_find(lp, field) {
                    lp.replace(i + 1, value);
                    return false;
                }
                lp.push_back(field);
                lp.push_back(value);
                if lp.len() / 2 > lim.max_entries {
                    self.convert();
                }
                true
            }
            Hash::Table(d) => {
                let h = d.hash(field);
                if let Some(v) = d.get_mut_hashed(h, field) {
                    *v = value.into();
                    return false;
                }
                d.insert_new_hashed(h, field, value.into());
                true
            }
        }
    }

    /// Removes `field`; returns whether it was present.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Listpack(lp) => match lp_find(lp, field) {
                Some(i) => {
                    lp.remove_range(i, 2);
                    true
                }
                None => false,
            },
            Hash::Table(d) => d.remove(field).is_some(),
        }
    }

    /// Gives back a listpack's spare capacity once a command is done with
    /// it, so a small hash costs about its packed size (Redis reallocates
    /// its listpacks to size on every change).
    pub fn compact(&mut self) {
        if let Hash::Listpack(lp) = self {
            if lp.capacity() > lp.bytes() + lp.bytes() / 8 + 8 {
                lp.shrink_to_fit();
            }
        }
    }

    /// Iterates over (field, value) pairs: insertion order for a listpack,
    /// table order otherwise.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            Hash::Listpack(lp) => Iter::Listpack(lp.iter()),
            Hash::Table(d) => Iter::Table(d.iter()),
        }
    }

    /// A random (field, value) pair, or `None` when empty.
    pub fn random(&self, rng: &mut Rng) -> Option<(&[u8], &[u8])> {
        match self {
            Hash::Listpack(lp) => {
                if lp.is_empty() {
                    return None;
                }
                let n = rng.below(lp.len() / 2);
                let mut it = lp.iter().skip(2 * n);
                Some((it.next()?, it.next()?))
            }
            Hash::Table(d) => d.random(rng).map(|(k, v)| (k, &v[..])),
        }
    }

    /// Visits `n` random pairs with repetition (HRANDFIELD with a negative
    /// count) until done or `f` returns false.
    pub fn random_pairs(&self, n: u64, rng: &mut Rng, mut f: impl FnMut(&[u8], &[u8]) -> bool) {
        match self {
            Hash::Listpack(_) => {
                // Index the pairs once: a walk per sample would be quadratic.
                let pairs: Vec<(&[u8], &[u8])> = self.iter().collect();
                if pairs.is_empty() {
                    return;
                }
                for _ in 0..n {
                    let (k, v) = pairs[rng.below(pairs.len())];
                    if !f(k, v) {
                        return;
                    }
                }
            }
            Hash::Table(d) => {
                for _ in 0..n {
                    let Some((k, v)) = d.random(rng) else { return };
                    if !f(k, v) {
                        return;
                    }
                }
            }
        }
    }

    /// `n` distinct random pairs (HRANDFIELD with a positive count smaller
    /// than the hash), chosen as Redis does: in order by selection sampling
    /// for a listpack; for a table, by dropping random pairs from a full
    /// copy when `n` is close to the size, else by sampling until `n`
    /// distinct fields were met.
    pub fn random_distinct(&self, n: usize, rng: &mut Rng) -> Vec<(&[u8], &[u8])> {
        let total = self.len();
        match self {
            Hash::Listpack(_) => {
                let mut want = n.min(total);
                let mut out = Vec::with_capacity(want);
                for (i, pair) in self.iter().enumerate() {
                    if want == 0 {
                        break;
                    }
                    if rng.below(total - i) < want {
                        out.push(pair);
                        want -= 1;
                    }
                }
                out
            }
            Hash::Table(_) if n.saturating_mul(3) > total => {
                let mut all: Vec<(&[u8], &[u8])> = self.iter().collect();
                while all.len() > n {
                    let i = rng.below(all.len());
                    all.swap_remove(i);
                }
                all
            }
            Hash::Table(d) => {
                let mut seen = std::collections::HashSet::with_capacity(n);
                let mut out = Vec::with_capacity(n);
                while out.len() < n {
                    let Some((k, v)) = d.random(rng) else { break };
                    if seen.insert(k) {
                        out.push((k, &v[..]));
                    }
                }
                out
            }
        }
    }

    /// One HSCAN step from `cursor`, visiting pairs with `f`; returns the
    /// next cursor. A listpack is returned whole with cursor 0, as Redis
    /// does; a table is walked bucket by bucket until about `count` pairs
    /// were gathered (at most `count * 20` buckets, as Redis bounds it).
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], &[u8])) -> u64 {
        match self {
            Hash::Listpack(_) => {
                for (k, v) in self.iter() {
                    f(k, v);
                }
                0
            }
            Hash::Table(d) => {
                let mut cursor = cursor;
                let mut seen = 0usize;
                let mut budget = count.saturating_mul(20);
                loop {
                    cursor = d.scan(cursor, |k, v| {
                        f(k, v);
                        seen += 1;
                    });
                    if cursor == 0 || budget == 0 || seen >= count {
                        return cursor;
                    }
                    budget -= 1;
                }
            }
        }
    }
}

/// Iterator over a [`Hash`]'s (field, value) pairs.
pub enum Iter<'a> {
    /// Over a listpack's alternating entries.
    Listpack(listpack::Iter<'a>),
    /// Over a table.
    Table(dict::Iter<'a, Box<[u8]>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Listpack(it) => Some((it.next()?, it.next()?)),
            Iter::Table(it) => it.next().map(|(k, v)| (k, &v[..])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    const LIM: Limits = Limits {
        max_entries: 4,
        max_value: 8,
    };

    #[test]
    fn converts_at_the_bounds() {
        let mut h = Hash::new();
        for i in 0..4 {
            assert!(h.set(format!("f{i}").as_bytes(), b"v", LIM));
        }
        assert_eq!(h.encoding(), "listpack");
        assert!(!h.set(b"f0", &[b'x'; 8], LIM));
        assert_eq!(h.encoding(), "listpack");
        assert!(h.set(b"f4", b"v", LIM));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 5);
        // One way: shrinking does not convert back.
        for i in 0..5 {
            assert!(h.remove(format!("f{i}").as_bytes()));
        }
        assert!(h.is_empty());
        assert_eq!(h.encoding(), "hashtable");

        let mut h = Hash::new();
        h.set(b"a", &[b'x'; 9], LIM);
        assert_eq!(h.encoding(), "hashtable");
        let mut h = Hash::new();
        h.prepare([1, 9], LIM);
        assert_eq!(h.encoding(), "hashtable");
    }

    /// Every key's `Value` holds a hash inline: it must stay as small as
    /// a string (the table form is boxed for this).
    #[test]
    fn stays_small() {
        assert!(std::mem::size_of::<Hash>() <= 32);
    }

    proptest! {
        /// Both encodings behave like a BTreeMap, and a listpack converts
        /// exactly when an insert breaks a bound (and never back).
        #[test]
        fn matches_model(
            max_entries in 0usize..6,
            max_value in 0usize..6,
            ops in proptest::collection::vec((0u8..4, 0u8..8, proptest::collection::vec(b'a'..b'e', 0..8)), 0..200),
        ) {
            let lim = Limits { max_entries, max_value };
            let mut h = Hash::new();
            let mut m: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
            let mut table = false;
            let mut rng = crate::util::Rng::from_entropy();
            for (op, f, v) in ops {
                let field = vec![b'f'; f as usize];
                match op {
                    0 | 1 => {
                        let new = !m.contains_key(&field);
                        if field.len() > max_value || v.len() > max_value {
                            table = true;
                        }
                        prop_assert_eq!(h.set(&field, &v, lim), new);
                        m.insert(field, v);
                        if m.len() > max_entries {
                            table = true;
                        }
                        h.compact();
                    }
                    2 => prop_assert_eq!(h.remove(&field), m.remove(&field).is_some()),
                    _ => {
                        prop_assert_eq!(h.get(&field), m.get(&field).map(|v| &v[..]));
                        if let Some((k, v)) = h.random(&mut rng) {
                            prop_assert_eq!(m.get(k).map(|v| &v[..]), Some(v));
                        }
                    }
                }
                prop_assert_eq!(h.len(), m.len());
                prop_assert_eq!(h.encoding(), if table { "hashtable" } else { "listpack" });
            }
            let all: BTreeMap<Vec<u8>, Vec<u8>> =
                h.iter().map(|(k, v)| (k.to_vec(), v.to_vec())).collect();
            prop_assert_eq!(&all, &m);
            // A full scan returns every pair exactly once (no resizes here).
            let mut scanned = BTreeMap::new();
            let mut cursor = 0;
            loop {
                cursor = h.scan(cursor, 2, |k, v| {
                    assert!(scanned.insert(k.to_vec(), v.to_vec()).is_none());
                });
                if cursor == 0 {
                    break;
                }
            }
            prop_assert_eq!(&scanned, &m);
            let mut converted = h.clone();
            converted.convert();
            let all: BTreeMap<Vec<u8>, Vec<u8>> =
                converted.iter().map(|(k, v)| (k.to_vec(), v.to_vec())).collect();
            prop_assert_eq!(all, m);
        }
    }
}
