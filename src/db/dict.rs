//! A chained hash table with Redis's properties that `std::collections`
//! cannot give: stateless cursor scanning (SCAN's guarantees hold across
//! resizes) and random sampling (RANDOMKEY, active expiry).
//!
//! Buckets are a power of two; a key's bucket is `hash & mask`. The SCAN
//! cursor walks buckets in reverse-binary order, so a key present for the
//! whole scan is returned at least once even if the table grows or shrinks
//! between calls.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use crate::util::Rng;

type Link<V> = Option<Box<Node<V>>>;

#[derive(Debug, Clone)]
struct Node<V> {
    key: Box<[u8]>,
    val: V,
    next: Link<V>,
}

/// A hash table from byte-string keys to `V`, seeded per process.
#[derive(Debug, Clone)]
pub struct Dict<V> {
    table: Vec<Link<V>>,
    len: usize,
    hasher: RandomState,
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Dict::new()
    }
}

const MIN_BUCKETS: usize = 4;

/// Chains longer than this are rare at load factor <= 1; `random` is
/// exactly uniform while no chain exceeds it.
const FAIR_CHAIN: usize = 8;

impl<V> Dict<V> {
    /// An empty table; buckets are allocated on first insert.
    pub fn new() -> Dict<V> {
        Dict {
            table: Vec::new(),
            len: 0,
            hasher: RandomState::new(),
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table holds no keys.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of buckets (for INFO and tests).
    pub fn buckets(&self) -> usize {
        self.table.len()
    }

    /// The key's hash under this table's seed. Callers that probe and then
    /// insert pass it to the `_hashed` methods to hash only once.
    pub fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    fn bucket(&self, hash: u64) -> usize {
        (hash as usize) & (self.table.len() - 1)
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        if self.table.is_empty() {
            return None;
        }
        let mut cur = self.table[self.bucket(self.hash(key))].as_deref();
        while let Some(n) = cur {
            if *n.key == *key {
                return Some(&n.val);
            }
            cur = n.next.as_deref();
        }
        None
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// The key's bucket and its depth in that bucket's chain.
    fn locate(&self, hash: u64, key: &[u8]) -> Option<(usize, usize)> {
        if self.table.is_empty() {
            return None;
        }
        let idx = self.bucket(hash);
        let mut cur = self.table[idx].as_deref();
        let mut depth = 0;
        while let Some(n) = cur {
            if *n.key == *key {
                return Some((idx, depth));
            }
            cur = n.next.as_deref();
            depth += 1;
        }
        None
    }

    /// The link slot at `depth` in bucket `idx` (found by [`Dict::locate`]).
    fn link_at(&mut self, idx: usize, depth: usize) -> &mut Link<V> {
        let mut link = &mut self.table[idx];
        for _ in 0..depth {
            match link {
                Some(n) => link = &mut n.next,
                None => break,
            }
        }
        link
    }

    fn find_link(&mut self, hash: u64, key: &[u8]) -> Option<&mut Link<V>> {
        let (idx, depth) = self.locate(hash, key)?;
        Some(self.link_at(idx, depth))
    }

    /// A mutable reference to the value stored under `key`.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        self.get_mut_hashed(self.hash(key), key)
    }

    /// [`Dict::get_mut`] with a precomputed [`Dict::hash`].
    pub fn get_mut_hashed(&mut self, hash: u64, key: &[u8]) -> Option<&mut V> {
        self.find_link(hash, key)?
            .as_deref_mut()
            .map(|n| &mut n.val)
    }

    /// Looks up `key` and, in the same probe, removes it if `remove_if`
    /// says so (lazy expiry needs exactly this, on every key access).
    pub fn probe_mut(&mut self, key: &[u8], remove_if: impl FnOnce(&V) -> bool) -> Probe<'_, V> {
        let Some((idx, depth)) = self.locate(self.hash(key), key) else {
            return Probe::Missing;
        };
        // Walking to a known depth costs no hashing; doing it per branch
        // keeps each borrow local to the branch that returns it.
        let remove = self
            .link_at(idx, depth)
            .as_deref()
            .is_some_and(|n| remove_if(&n.val));
        if !remove {
            return match self.link_at(idx, depth).as_deref_mut() {
                Some(n) => Probe::Found(&mut n.val),
                None => Probe::Missing,
            };
        }
        match take_node(self.link_at(idx, depth)) {
            Some((k, v)) => {
                self.len -= 1;
                self.maybe_shrink();
                Probe::Removed(k, v)
            }
            None => Probe::Missing,
        }
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: &[u8], val: V) -> Option<V> {
        let hash = self.hash(key);
        if let Some(slot) = self.get_mut_hashed(hash, key) {
            return Some(std::mem::replace(slot, val));
        }
        self.insert_new_hashed(hash, key.into(), val);
        None
    }

    /// Inserts a key known to be absent (skips the replace probe).
    pub fn insert_new(&mut self, key: Box<[u8]>, val: V) {
        self.insert_new_hashed(self.hash(&key), key, val);
    }

    /// [`Dict::insert_new`] with a precomputed [`Dict::hash`].
    pub fn insert_new_hashed(&mut self, hash: u64, key: Box<[u8]>, val: V) {
        if self.len >= self.table.len() {
            self.resize((self.len + 1).next_power_of_two().max(MIN_BUCKETS) * 2);
        }
        let idx = self.bucket(hash);
        let next = self.table[idx].take();
        self.table[idx] = Some(Box::new(Node { key, val, next }));
        self.len += 1;
    }

    /// Removes `key`, returning its owned key and value.
    pub fn remove_entry(&mut self, key: &[u8]) -> Option<(Box<[u8]>, V)> {
        let out = take_node(self.find_link(self.hash(key), key)?);
        if out.is_some() {
            self.len -= 1;
            self.maybe_shrink();
        }
        out
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes up to `max` entries (whole chains at a time), handing each
    /// to `f`; returns how many were removed. Lets a large table be freed
    /// a slice per loop iteration instead of in one long stall.
    pub fn drain_some(&mut self, max: usize, mut f: impl FnMut(Box<[u8]>, V)) -> usize {
        let mut n = 0;
        while n < max && self.len > 0 {
            let Some(slot) = self.table.iter_mut().rev().find(|s| s.is_some()) else {
                break;
            };
            let mut cur = slot.take();
            while let Some(mut node) = cur {
                cur = node.next.take();
                let Node { key, val, .. } = *node;
                f(key, val);
                n += 1;
                self.len -= 1;
            }
            // Keep the emptied tail out of later searches.
            while self.table.last().is_some_and(|s| s.is_none()) && self.len > 0 {
                self.table.pop();
            }
        }
        if self.len == 0 {
            self.table = Vec::new();
        }
        n
    }

    /// Drops every key and the bucket array.
    pub fn clear(&mut self) {
        // Unlink chains iteratively: dropping a long Box chain recursively
        // could overflow the stack.
        for slot in &mut self.table {
            let mut cur = slot.take();
            while let Some(mut n) = cur {
                cur = n.next.take();
            }
        }
        self.table = Vec::new();
        self.len = 0;
    }

    fn maybe_shrink(&mut self) {
        // Hysteresis: grow at load 1, shrink below 1/8 to load ~1/2.
        if self.table.len() > MIN_BUCKETS && self.len * 8 < self.table.len() {
            self.resize((self.len * 2).next_power_of_two().max(MIN_BUCKETS));
        }
    }

    fn resize(&mut self, buckets: usize) {
        let old = std::mem::replace(&mut self.table, (0..buckets).map(|_| None).collect());
        let mask = buckets - 1;
        for mut cur in old {
            while let Some(mut n) = cur {
                cur = n.next.take();
                let idx = (self.hasher.hash_one(&*n.key) as usize) & mask;
                n.next = self.table[idx].take();
                self.table[idx] = Some(n);
            }
        }
    }

    /// Visits one step of a SCAN: every key in the bucket(s) named by
    /// `cursor`, then returns the next cursor (0 when the scan is complete).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], &V)) -> u64 {
        if self.table.is_empty() {
            return 0;
        }
        let mask = (self.table.len() - 1) as u64;
        let mut cur = self.table[(cursor & mask) as usize].as_deref();
        while let Some(n) = cur {
            f(&n.key, &n.val);
            cur = n.next.as_deref();
        }
        // Increment the reversed cursor: high bits first, so buckets that
        // split or merge on resize are visited consistently.
        let mut v = cursor | !mask;
        v = v.reverse_bits().wrapping_add(1).reverse_bits();
        v
    }

    /// A random key and its value, or `None` when empty.
    pub fn random(&self, rng: &mut Rng) -> Option<(&[u8], &V)> {
        if self.len == 0 {
            return None;
        }
        loop {
            let idx = rng.below(self.table.len());
            let Some(head) = self.table[idx].as_deref() else {
                continue;
            };
            let mut chain = 0;
            let mut cur = Some(head);
            while let Some(n) = cur {
                chain += 1;
                cur = n.next.as_deref();
            }
            // Rejection sampling makes every key equally likely: a slot in
            // 0..FAIR_CHAIN is drawn and kept only if a key sits there, so
            // keys in short chains are not favoured over long ones.
            let slot = rng.below(FAIR_CHAIN.max(chain));
            if slot >= chain {
                continue;
            }
            let mut pick = slot;
            let mut cur = head;
            while pick > 0 {
                pick -= 1;
                if let Some(n) = cur.next.as_deref() {
                    cur = n;
                }
            }
            return Some((&cur.key, &cur.val));
        }
    }

    /// Iterates over all keys and values in bucket order.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter {
            table: &self.table,
            bucket: 0,
            cur: None,
        }
    }
}

impl<V> Dict<V> {
    /// Heap bytes of the table (MEMORY USAGE): the bucket array, plus per
    /// entry its node, its key and `val_heap(v)`, the bytes the value owns
    /// outside the node. With `samples > 0` only that many entries are
    /// measured and the average is scaled to the whole table, as Redis's
    /// `objectComputeSize` does.
    pub fn mem_usage(&self, samples: usize, mut val_heap: impl FnMut(&V) -> usize) -> usize {
        let buckets = self.table.capacity() * std::mem::size_of::<Link<V>>();
        let take = if samples == 0 {
            self.len
        } else {
            samples.min(self.len)
        };
        if take == 0 {
            return buckets;
        }
        let node = std::mem::size_of::<Node<V>>();
        let measured: usize = self
            .iter()
            .take(take)
            .map(|(k, v)| node + k.len() + val_heap(v))
            .sum();
        buckets + (measured as u128 * self.len as u128 / take as u128) as usize
    }

    /// What one entry of `key_len` bytes costs beyond its value: its node,
    /// its key and its share of the bucket array.
    pub fn entry_overhead(&self, key_len: usize) -> usize {
        let share = self.table.capacity() * std::mem::size_of::<Link<V>>() / self.len.max(1);
        std::mem::size_of::<Node<V>>() + key_len + share
    }

    /// Bytes of the table's own structures: the bucket array and the
    /// nodes, keys excluded (MEMORY STATS `overhead.hashtable.*`).
    pub fn overhead_bytes(&self) -> usize {
        self.table.capacity() * std::mem::size_of::<Link<V>>()
            + self.len * std::mem::size_of::<Node<V>>()
    }
}

fn take_node<V>(link: &mut Link<V>) -> Option<(Box<[u8]>, V)> {
    let mut node = link.take()?;
    *link = node.next.take();
    let Node { key, val, .. } = *node;
    Some((key, val))
}

impl<V> Drop for Dict<V> {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The outcome of [`Dict::probe_mut`].
pub enum Probe<'a, V> {
    /// The key is present and was kept.
    Found(&'a mut V),
    /// The key was present and `remove_if` removed it.
    Removed(Box<[u8]>, V),
    /// The key is absent.
    Missing,
}

/// Iterator over a [`Dict`].
pub struct Iter<'a, V> {
    table: &'a [Link<V>],
    bucket: usize,
    cur: Option<&'a Node<V>>,
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a [u8], &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(n) = self.cur {
                self.cur = n.next.as_deref();
                return Some((&n.key, &n.val));
            }
            let slot = self.table.get(self.bucket)?;
            self.bucket += 1;
            self.cur = slot.as_deref();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    proptest! {
        /// The table behaves like a BTreeMap under any mix of operations.
        #[test]
        fn matches_model(ops in proptest::collection::vec((0u8..3, 0u16..64, any::<u32>()), 0..400)) {
            let mut d = Dict::new();
            let mut m = BTreeMap::new();
            for (op, k, v) in ops {
                let key = k.to_be_bytes();
                match op {
                    0 => prop_assert_eq!(d.insert(&key, v), m.insert(key, v)),
                    1 => prop_assert_eq!(d.remove(&key), m.remove(&key)),
                    _ => prop_assert_eq!(d.get(&key), m.get(&key)),
                }
                prop_assert_eq!(d.len(), m.len());
            }
            let all: BTreeMap<[u8; 2], u32> = d.iter().map(|(k, v)| ([k[0], k[1]], *v)).collect();
            prop_assert_eq!(all, m);
        }
    }

    /// Keys present for a whole scan are returned even while the table is
    /// grown and shrunk between cursor calls.
    #[test]
    fn scan_survives_resizes() {
        let mut d = Dict::new();
        for i in 0..1000u32 {
            d.insert(&i.to_be_bytes(), ());
        }
        let mut seen = BTreeSet::new();
        let mut cursor = 0;
        let mut step = 0u32;
        loop {
            cursor = d.scan(cursor, |k, _| {
                seen.insert(k.to_vec());
            });
            step += 1;
            // Churn: add many keys (growth), then delete them (shrink).
            if step.is_multiple_of(7) {
                for i in 0..3000u32 {
                    d.insert(&(100_000 + i).to_be_bytes(), ());
                }
            }
            if step.is_multiple_of(11) {
                for i in 0..3000u32 {
                    d.remove(&(100_000 + i).to_be_bytes());
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..1000u32 {
            assert!(seen.contains(i.to_be_bytes().as_slice()), "missed {i}");
        }
    }

    /// Keys in long and short chains are picked equally often.
    #[test]
    fn random_is_fair() {
        let mut d = Dict::new();
        for i in 0..64u32 {
            d.insert(&i.to_be_bytes(), ());
        }
        let mut rng = crate::util::Rng::from_entropy();
        let mut hits = std::collections::HashMap::new();
        let draws = 64_000;
        for _ in 0..draws {
            let (k, _) = d.random(&mut rng).unwrap();
            *hits.entry(k.to_vec()).or_insert(0u32) += 1;
        }
        // Expected 1000 each; a fair draw stays well inside +-25%.
        assert!(hits.values().all(|&h| (750..1250).contains(&h)), "{hits:?}");
    }

    #[test]
    fn random_and_probe() {
        let mut d = Dict::new();
        let mut rng = crate::util::Rng::from_entropy();
        assert!(d.random(&mut rng).is_none());
        for i in 0..10u8 {
            d.insert(&[i], i);
        }
        let mut hits = [0; 10];
        for _ in 0..2000 {
            let (k, _) = d.random(&mut rng).unwrap();
            hits[k[0] as usize] += 1;
        }
        assert!(hits.iter().all(|&h| h > 0));
        assert!(matches!(
            d.probe_mut(&[3], |v| *v == 3),
            Probe::Removed(_, 3)
        ));
        assert!(matches!(d.probe_mut(&[4], |v| *v == 3), Probe::Found(4)));
        assert!(matches!(d.probe_mut(&[3], |_| true), Probe::Missing));
        assert_eq!(d.len(), 9);
    }

    /// The longest chain: how many keys a lookup may have to compare.
    fn max_chain<V>(d: &Dict<V>) -> usize {
        d.table
            .iter()
            .map(|mut l| {
                let mut n = 0;
                while let Some(node) = l {
                    n += 1;
                    l = &node.next;
                }
                n
            })
            .max()
            .unwrap_or(0)
    }

    /// Every table has its own SipHash key, so the same keys land in a
    /// different order: a colliding set found against one table (or one
    /// process) says nothing about another.
    #[test]
    fn tables_are_seeded_differently() {
        let (mut a, mut b) = (Dict::new(), Dict::new());
        for i in 0..1000 {
            a.insert(format!("key:{i}").as_bytes(), ());
            b.insert(format!("key:{i}").as_bytes(), ());
        }
        let order = |d: &Dict<()>| d.iter().map(|(k, _)| k.to_vec()).collect::<Vec<_>>();
        assert_ne!(order(&a), order(&b));
    }

    /// The shapes that defeat naive hashes stay spread out: 65536 keys
    /// that all collide under a multiply-by-31 string hash (Java's: every
    /// key is 16 blocks of "Aa" or "BB"), and 100k keys that differ only in
    /// a few bytes between 200-byte common prefix and suffix. At load
    /// factor <= 1 the longest chain of a random hash is about 8; a real
    /// collision flood would make it thousands.
    #[test]
    fn adversarial_key_shapes_keep_chains_short() {
        let java = |k: &[u8]| {
            k.iter()
                .fold(0i32, |h, &c| h.wrapping_mul(31).wrapping_add(c as i32))
        };
        assert_eq!(java(b"Aa"), java(b"BB"));
        let mut d = Dict::new();
        let mut first = None;
        for bits in 0u32..65536 {
            let key: Vec<u8> = (0..16)
                .flat_map(|i| if bits >> i & 1 == 0 { *b"Aa" } else { *b"BB" })
                .collect();
            assert_eq!(*first.get_or_insert(java(&key)), java(&key));
            d.insert(&key, bits);
        }
        assert_eq!(d.len(), 65536);
        assert!(max_chain(&d) <= 24, "longest chain {}", max_chain(&d));

        let mut d = Dict::new();
        let (pre, suf) = (vec![b'p'; 200], vec![b's'; 200]);
        let key = |i: u32| [&pre[..], &i.to_be_bytes(), &suf[..]].concat();
        for i in 0..100_000 {
            d.insert(&key(i), i);
        }
        assert!(max_chain(&d) <= 24, "longest chain {}", max_chain(&d));
        assert!((0..100_000).all(|i| d.get(&key(i)) == Some(&i)));
    }
}
