//! A chained hash table with Redis's properties that `std::collections`
//! cannot give: stateless cursor scanning (SCAN's guarantees hold across
//! resizes) and random sampling (RANDOMKEY, active expiry).
//!
//! Buckets are a power of two; a key's bucket is `hash & mask`. The SCAN
//! cursor walks buckets in reverse-binary order, so a key present for the
//! whole scan is returned at least once even if the table grows or shrinks
//! between calls.
//!
//! # Node layout
//!
//! Every entry is one heap block: a header (`next` and the value)
//! immediately followed by the key's bytes. One allocation per entry
//! instead of two (node and boxed key) saves the key block's malloc
//! overhead and the 16-byte fat pointer, which for small keys is most of
//! the per-entry cost (see docs/performance.md, "Memory layout").
//!
//! The key's length is kept in the top 16 bits of the node's own `next`
//! pointer, which user-space addresses never use on the 64-bit targets we
//! build for (48-bit virtual addresses; `node_new` checks every block).
//! A key of [`FAR`] bytes or more stores the tag `FAR` and its length as
//! a `usize` in front of the bytes. Without a separate length field a
//! keyspace node with a 16-byte key is exactly 64 bytes: one allocator
//! size class and one cache line. The blocks are raw pointers owned by
//! the table; all the unsafe code of the keyspace is in this file, behind
//! the safe API below.

// Nodes are variable-sized blocks, which safe Rust cannot express; every
// unsafe block below says why it is sound.
#![allow(unsafe_code)]

use std::alloc::{self, Layout};
use std::hash::BuildHasher;
use std::marker::PhantomData;
use std::mem::{align_of, size_of};
use std::ptr::{self, NonNull};

use foldhash::fast::RandomState;

use crate::util::{bytes_eq, Rng};

#[cfg(test)]
thread_local! {
    /// Keys hashed by this thread's tables, so tests can count the
    /// hashes an operation costs.
    pub static HASHES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A chain link: the first node of a bucket, or a node's successor.
type Link<V> = Option<NonNull<Node<V>>>;

/// The fixed part of an entry's block; the key bytes follow it (after
/// their length, for keys of [`FAR`] bytes or more).
#[repr(C)]
struct Node<V> {
    /// The successor's address (null for none) in the low [`ADDR_BITS`]
    /// bits, this node's key-length tag in the top bits.
    next: *mut Node<V>,
    val: V,
}

/// Bits of a user-space address.
const ADDR_BITS: u32 = 48;

/// The address part of a tagged `next`.
const ADDR_MASK: usize = (1 << ADDR_BITS) - 1;

/// The key-length tag meaning "the length is stored before the key".
const FAR: usize = 0xFFFF;

/// Where the key bytes start in a node block.
const fn key_offset<V>(key_len: usize) -> usize {
    size_of::<Node<V>>()
        + if key_len >= FAR {
            size_of::<usize>()
        } else {
            0
        }
}

/// The block layout of a node holding a key of `key_len` bytes.
fn node_layout<V>(key_len: usize) -> Layout {
    let size = key_offset::<V>(key_len) + key_len;
    Layout::from_size_align(size, align_of::<Node<V>>()).expect("key length overflows a layout")
}

/// `next` as stored in a node whose key is `key_len` bytes long.
fn tagged<V>(next: Link<V>, key_len: usize) -> *mut Node<V> {
    let p = next.map_or(ptr::null_mut(), NonNull::as_ptr);
    p.map_addr(|a| a | (key_len.min(FAR) << ADDR_BITS))
}

/// Allocates a node holding `key` and `val`, linked to `next`.
fn node_new<V>(key: &[u8], val: V, next: Link<V>) -> NonNull<Node<V>> {
    let layout = node_layout::<V>(key.len());
    // SAFETY: the layout has a non-zero size (the header holds `next`).
    let raw = unsafe { alloc::alloc(layout) } as *mut Node<V>;
    let Some(p) = NonNull::new(raw) else {
        alloc::handle_alloc_error(layout)
    };
    // The tag would corrupt an address that used the top bits.
    assert!(
        p.as_ptr().addr() & !ADDR_MASK == 0,
        "heap address above 2^48"
    );
    // SAFETY: `p` is a fresh block of `layout`, aligned for `Node<V>` and
    // large enough for the header, the far length and the key bytes; each
    // part is written once through a raw place (no reference to
    // uninitialised memory), the far length unaligned since it follows
    // the header at any offset.
    unsafe {
        let n = p.as_ptr();
        ptr::addr_of_mut!((*n).next).write(tagged(next, key.len()));
        ptr::addr_of_mut!((*n).val).write(val);
        let base = n as *mut u8;
        if key.len() >= FAR {
            (base.add(size_of::<Node<V>>()) as *mut usize).write_unaligned(key.len());
        }
        let dst = base.add(key_offset::<V>(key.len()));
        ptr::copy_nonoverlapping(key.as_ptr(), dst, key.len());
    }
    p
}

/// The key length of a live node.
///
/// # Safety
/// `p` must be a live node.
unsafe fn node_key_len<V>(p: NonNull<Node<V>>) -> usize {
    // SAFETY: a live node's header is initialised, and a FAR tag means
    // `node_new` wrote the length right after it.
    unsafe {
        let n = p.as_ptr();
        match (*n).next.addr() >> ADDR_BITS {
            FAR => ((n as *const u8).add(size_of::<Node<V>>()) as *const usize).read_unaligned(),
            len => len,
        }
    }
}

/// The key bytes of a live node.
///
/// # Safety
/// `p` must be a live node of a table that outlives `'a` and is not
/// mutated (nodes freed or keys rewritten) while the slice is used.
unsafe fn node_key<'a, V>(p: NonNull<Node<V>>) -> &'a [u8] {
    // SAFETY: per the contract the node is live; its block holds
    // `key_len` initialised bytes at `key_offset` (written by `node_new`
    // and never changed since).
    unsafe {
        let len = node_key_len(p);
        let at = (p.as_ptr() as *const u8).add(key_offset::<V>(len));
        std::slice::from_raw_parts(at, len)
    }
}

/// A live node's successor.
///
/// # Safety
/// `p` must be a live node.
unsafe fn node_next<V>(p: NonNull<Node<V>>) -> Link<V> {
    // SAFETY: a live node's header is initialised.
    let next = unsafe { (*p.as_ptr()).next };
    NonNull::new(next.map_addr(|a| a & ADDR_MASK))
}

/// Sets a live node's successor, keeping its key-length tag.
///
/// # Safety
/// `p` must be a live node that nothing else borrows.
unsafe fn node_set_next<V>(p: NonNull<Node<V>>, next: Link<V>) {
    // SAFETY: per the contract; only the `next` field is read and written.
    unsafe {
        let tag = (*p.as_ptr()).next.addr() >> ADDR_BITS;
        (*p.as_ptr()).next = tagged(next, tag);
    }
}

/// Frees a node that is no longer linked anywhere, returning its value.
///
/// # Safety
/// `p` must be a live node, unlinked, and not used afterwards.
unsafe fn node_free<V>(p: NonNull<Node<V>>) -> V {
    // SAFETY: the value is initialised and moved out exactly once; the
    // block was allocated by `node_new` with the layout recomputed here
    // from the same key length.
    unsafe {
        let layout = node_layout::<V>(node_key_len(p));
        let n = p.as_ptr();
        let val = ptr::addr_of!((*n).val).read();
        alloc::dealloc(n as *mut u8, layout);
        val
    }
}

/// A hash table from byte-string keys to `V`, hashed with foldhash under
/// a seed of its own (random per process, then per table).
pub struct Dict<V> {
    table: Vec<Link<V>>,
    len: usize,
    hasher: RandomState,
    /// The table owns its nodes and their values (for drop check and
    /// auto traits, as a `Box<Node<V>>` would).
    _owns: PhantomData<Box<Node<V>>>,
}

// SAFETY: a `Dict` exclusively owns every node reachable from its table
// (no node is shared between tables or aliased outside a borrow of the
// table), exactly like a tree of `Box`es, so it may cross threads when
// its values may.
unsafe impl<V: Send> Send for Dict<V> {}
// SAFETY: shared access only reads nodes (see `Send`).
unsafe impl<V: Sync> Sync for Dict<V> {}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Dict::new()
    }
}

impl<V: std::fmt::Debug> std::fmt::Debug for Dict<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (String::from_utf8_lossy(k), v)))
            .finish()
    }
}

impl<V: Clone> Clone for Dict<V> {
    /// A copy with the same seed and bucket count, every chain in the same
    /// order, so the copy iterates and scans exactly like the original.
    fn clone(&self) -> Self {
        let mut table: Vec<Link<V>> = vec![None; self.table.len()];
        let mut chain = Vec::new();
        for (slot, head) in table.iter_mut().zip(&self.table) {
            chain.clear();
            chain.extend(Chain::new(*head));
            // Build back to front so each new node links to its copied
            // successor.
            for &n in chain.iter().rev() {
                // SAFETY: `n` is a live node of `self`, borrowed shared.
                let (k, v) = unsafe { (node_key(n), &(*n.as_ptr()).val) };
                *slot = Some(node_new(k, v.clone(), *slot));
            }
        }
        Dict {
            table,
            len: self.len,
            hasher: self.hasher.clone(),
            _owns: PhantomData,
        }
    }
}

/// Walks one chain's node pointers (a private helper: the pointers are
/// only valid while the table is borrowed).
struct Chain<V> {
    cur: Link<V>,
}

impl<V> Chain<V> {
    fn new(head: Link<V>) -> Chain<V> {
        Chain { cur: head }
    }
}

impl<V> Iterator for Chain<V> {
    type Item = NonNull<Node<V>>;

    fn next(&mut self) -> Option<Self::Item> {
        let n = self.cur?;
        // SAFETY: chains are walked only while their table is borrowed,
        // so every linked node is live.
        self.cur = unsafe { node_next(n) };
        Some(n)
    }
}

const MIN_BUCKETS: usize = 4;

/// Freeing a bucket array at least this large purges the allocator's
/// free pages (see `resize`).
const PURGE_AFTER_FREEING: usize = 1 << 20;

/// Chains longer than this are rare at load factor <= 1; `random` is
/// exactly uniform while no chain exceeds it.
const FAIR_CHAIN: usize = 8;

impl<V> Dict<V> {
    /// An empty table; buckets are allocated on first insert.
    pub fn new() -> Dict<V> {
        Dict {
            table: Vec::new(),
            len: 0,
            hasher: RandomState::default(),
            _owns: PhantomData,
        }
    }

    /// An empty table hashing with `other`'s seed, so a key's
    /// [`Dict::hash`] is valid for both (the keyspace's TTL table shares
    /// the key table's seed: a command hashes its key once for both).
    pub fn with_seed_of<U>(other: &Dict<U>) -> Dict<V> {
        Dict {
            table: Vec::new(),
            len: 0,
            hasher: other.hasher.clone(),
            _owns: PhantomData,
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
        #[cfg(test)]
        HASHES.with(|n| n.set(n.get() + 1));
        self.hasher.hash_one(key)
    }

    fn bucket(&self, hash: u64) -> usize {
        (hash as usize) & (self.table.len() - 1)
    }

    /// The node holding `key`, if any.
    fn find(&self, hash: u64, key: &[u8]) -> Option<NonNull<Node<V>>> {
        if self.table.is_empty() {
            return None;
        }
        // SAFETY: the nodes are live while `self` is borrowed.
        Chain::new(self.table[self.bucket(hash)]).find(|&n| bytes_eq(unsafe { node_key(n) }, key))
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.get_hashed(self.hash(key), key)
    }

    /// [`Dict::get`] with a precomputed [`Dict::hash`].
    pub fn get_hashed(&self, hash: u64, key: &[u8]) -> Option<&V> {
        let n = self.find(hash, key)?;
        // SAFETY: the node is live and owned by `self`, which the returned
        // borrow keeps borrowed.
        Some(unsafe { &(*n.as_ptr()).val })
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// Where `key`'s node is linked: its bucket, its predecessor in the
    /// chain (`None` when it heads the bucket) and the node itself; valid
    /// until the table is next changed.
    fn find_link(&self, hash: u64, key: &[u8]) -> Option<Place<V>> {
        if self.table.is_empty() {
            return None;
        }
        let bucket = self.bucket(hash);
        let mut prev = None;
        for n in Chain::new(self.table[bucket]) {
            // SAFETY: the nodes are live while `self` is borrowed.
            if bytes_eq(unsafe { node_key(n) }, key) {
                return Some(Place {
                    bucket,
                    prev,
                    node: n,
                });
            }
            prev = Some(n);
        }
        None
    }

    /// Unlinks and frees the node at `at`, returning its key and value.
    ///
    /// # Safety
    /// `at` must come from [`Dict::find_link`] on this table, with no
    /// change to the table since.
    unsafe fn unlink(&mut self, at: Place<V>) -> (Box<[u8]>, V) {
        // SAFETY: per the contract the place's nodes are live and linked as
        // found; after relinking the successor nothing refers to the node.
        let (k, v) = unsafe {
            let next = node_next(at.node);
            match at.prev {
                Some(p) => node_set_next(p, next),
                None => self.table[at.bucket] = next,
            }
            (node_key(at.node).into(), node_free(at.node))
        };
        self.len -= 1;
        self.maybe_shrink();
        (k, v)
    }

    /// A mutable reference to the value stored under `key`.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        self.get_mut_hashed(self.hash(key), key)
    }

    /// [`Dict::get_mut`] with a precomputed [`Dict::hash`].
    pub fn get_mut_hashed(&mut self, hash: u64, key: &[u8]) -> Option<&mut V> {
        let n = self.find(hash, key)?;
        // SAFETY: the node is live and owned by `self`, borrowed mutably
        // for as long as the returned reference; no other reference to
        // its value exists.
        Some(unsafe { &mut (*n.as_ptr()).val })
    }

    /// Looks up `key` and, in the same probe, removes it if `remove_if`
    /// says so (lazy expiry needs exactly this, on every key access).
    pub fn probe_mut(&mut self, key: &[u8], remove_if: impl FnOnce(&V) -> bool) -> Probe<'_, V> {
        self.probe_mut_hashed(self.hash(key), key, remove_if)
    }

    /// [`Dict::probe_mut`] with a precomputed [`Dict::hash`].
    pub fn probe_mut_hashed(
        &mut self,
        hash: u64,
        key: &[u8],
        remove_if: impl FnOnce(&V) -> bool,
    ) -> Probe<'_, V> {
        let Some(at) = self.find_link(hash, key) else {
            return Probe::Missing;
        };
        let n = at.node;
        // SAFETY: the node is live; `remove_if` gets a shared borrow only.
        if !remove_if(unsafe { &(*n.as_ptr()).val }) {
            // SAFETY: as in `get_mut_hashed`.
            return Probe::Found(unsafe { &mut (*n.as_ptr()).val });
        }
        // SAFETY: `at` is from `find_link` and the table is unchanged.
        let (k, v) = unsafe { self.unlink(at) };
        Probe::Removed(k, v)
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: &[u8], val: V) -> Option<V> {
        let hash = self.hash(key);
        if let Some(slot) = self.get_mut_hashed(hash, key) {
            return Some(std::mem::replace(slot, val));
        }
        self.insert_new_hashed(hash, key, val);
        None
    }

    /// Inserts a key known to be absent (skips the replace probe).
    pub fn insert_new(&mut self, key: &[u8], val: V) {
        self.insert_new_hashed(self.hash(key), key, val);
    }

    /// [`Dict::insert_new`] with a precomputed [`Dict::hash`].
    pub fn insert_new_hashed(&mut self, hash: u64, key: &[u8], val: V) {
        if self.len >= self.table.len() {
            // Double, as Redis does (`_dictExpandIfNeeded`): load factor
            // stays between 1/2 and 1.
            self.resize((self.table.len() * 2).max(MIN_BUCKETS));
        }
        let idx = self.bucket(hash);
        self.table[idx] = Some(node_new(key, val, self.table[idx]));
        self.len += 1;
    }

    /// Removes `key`, returning its owned key and value.
    pub fn remove_entry(&mut self, key: &[u8]) -> Option<(Box<[u8]>, V)> {
        self.remove_entry_hashed(self.hash(key), key)
    }

    /// [`Dict::remove_entry`] with a precomputed [`Dict::hash`].
    pub fn remove_entry_hashed(&mut self, hash: u64, key: &[u8]) -> Option<(Box<[u8]>, V)> {
        let at = self.find_link(hash, key)?;
        // SAFETY: `at` is from `find_link` and the table is unchanged.
        Some(unsafe { self.unlink(at) })
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// [`Dict::remove`] with a precomputed [`Dict::hash`].
    pub fn remove_hashed(&mut self, hash: u64, key: &[u8]) -> Option<V> {
        self.remove_entry_hashed(hash, key).map(|(_, v)| v)
    }

    /// Removes up to `max` entries (from the last buckets), handing each
    /// to `f`; returns how many were removed. Lets a large table be freed
    /// a slice per loop iteration instead of in one long stall. The bucket
    /// array is cut down as it empties, so a table being drained must only
    /// be drained further or dropped (lookups would miss keys).
    pub fn drain_some(&mut self, max: usize, mut f: impl FnMut(&[u8], V)) -> usize {
        let mut n = 0;
        while n < max && self.len > 0 {
            // Keep the emptied tail out of later searches.
            while self.table.last().is_some_and(|s| s.is_none()) {
                self.table.pop();
            }
            let Some(slot) = self.table.last_mut() else {
                break;
            };
            let Some(node) = *slot else {
                break;
            };
            // SAFETY: `node` is live; it is unlinked before `f` runs, so
            // the table stays consistent even if `f` panics, and freed
            // only after `f` is done with its key.
            unsafe {
                *slot = node_next(node);
                self.len -= 1;
                let key: &[u8] = node_key(node);
                let val = ptr::addr_of!((*node.as_ptr()).val).read();
                let layout = node_layout::<V>(key.len());
                // The value is moved out above; free the block even if
                // `f` unwinds.
                let guard = FreeOnDrop(node.as_ptr() as *mut u8, layout);
                f(key, val);
                drop(guard);
            }
            n += 1;
        }
        if self.len == 0 {
            self.table = Vec::new();
        }
        n
    }

    /// Drops every key and the bucket array.
    pub fn clear(&mut self) {
        for slot in &mut self.table {
            let mut cur = slot.take();
            while let Some(n) = cur {
                // SAFETY: each node is taken from its chain before it is
                // freed, and nothing else refers to it.
                unsafe {
                    cur = node_next(n);
                    drop(node_free(n));
                }
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
        let old = std::mem::replace(&mut self.table, vec![None; buckets]);
        let old_bytes = old.capacity() * size_of::<Link<V>>();
        let mask = buckets - 1;
        for mut cur in old {
            while let Some(n) = cur {
                // SAFETY: every node of the old array is moved exactly once
                // to the head of its new bucket; only `next` is rewritten.
                let idx = unsafe {
                    cur = node_next(n);
                    let idx = (self.hasher.hash_one(node_key(n)) as usize) & mask;
                    node_set_next(n, self.table[idx]);
                    idx
                };
                self.table[idx] = Some(n);
            }
        }
        // A large old bucket array goes back to the system now, not when
        // jemalloc's decay gets to it (10 s later, and only while the
        // allocator is busy): a table that just doubled would otherwise
        // keep its previous size as RSS. Such resizes happen a few times
        // per table, so the purge is cheap.
        if old_bytes >= PURGE_AFTER_FREEING {
            crate::alloc::purge();
        }
    }

    /// Visits one step of a SCAN: every key in the bucket(s) named by
    /// `cursor`, then returns the next cursor (0 when the scan is complete).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], &V)) -> u64 {
        if self.table.is_empty() {
            return 0;
        }
        let mask = (self.table.len() - 1) as u64;
        for n in Chain::new(self.table[(cursor & mask) as usize]) {
            // SAFETY: the node is live while `self` is borrowed.
            unsafe { f(node_key(n), &(*n.as_ptr()).val) };
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
            let head = self.table[idx];
            if head.is_none() {
                continue;
            }
            let chain = Chain::new(head).count();
            // Rejection sampling makes every key equally likely: a slot in
            // 0..FAIR_CHAIN is drawn and kept only if a key sits there, so
            // keys in short chains are not favoured over long ones.
            let slot = rng.below(FAIR_CHAIN.max(chain));
            if slot >= chain {
                continue;
            }
            let n = Chain::new(head).nth(slot)?;
            // SAFETY: the node is live while `self` is borrowed.
            return Some(unsafe { (node_key(n), &(*n.as_ptr()).val) });
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

/// Frees a node block whose value was moved out, on every exit path.
struct FreeOnDrop(*mut u8, Layout);

impl Drop for FreeOnDrop {
    fn drop(&mut self) {
        // SAFETY: built only in `drain_some`, for an unlinked node block
        // of this layout whose value was already read out.
        unsafe { alloc::dealloc(self.0, self.1) }
    }
}

impl<V> Dict<V> {
    /// Bytes of one node block holding a key of `key_len` bytes (the
    /// value's own heap excluded).
    fn node_bytes(key_len: usize) -> usize {
        node_layout::<V>(key_len).size()
    }

    /// Heap bytes of the table (MEMORY USAGE): the bucket array, plus per
    /// entry its node block (header and key) and `val_heap(v)`, the bytes
    /// the value owns outside the node. With `samples > 0` only that many
    /// entries are measured and the average is scaled to the whole table,
    /// as Redis's `objectComputeSize` does.
    pub fn mem_usage(&self, samples: usize, mut val_heap: impl FnMut(&V) -> usize) -> usize {
        let buckets = self.table.capacity() * size_of::<Link<V>>();
        let take = if samples == 0 {
            self.len
        } else {
            samples.min(self.len)
        };
        if take == 0 {
            return buckets;
        }
        let measured: usize = self
            .iter()
            .take(take)
            .map(|(k, v)| Self::node_bytes(k.len()) + val_heap(v))
            .sum();
        buckets + (measured as u128 * self.len as u128 / take as u128) as usize
    }

    /// What one entry of `key_len` bytes costs beyond its value: its node
    /// block (key included) and its share of the bucket array.
    pub fn entry_overhead(&self, key_len: usize) -> usize {
        let share = self.table.capacity() * size_of::<Link<V>>() / self.len.max(1);
        Self::node_bytes(key_len) + share
    }

    /// Bytes of the table's own structures: the bucket array and the node
    /// headers, keys excluded (MEMORY STATS `overhead.hashtable.*`).
    pub fn overhead_bytes(&self) -> usize {
        self.table.capacity() * size_of::<Link<V>>() + self.len * size_of::<Node<V>>()
    }
}

impl<V> Drop for Dict<V> {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Where a node is linked (see [`Dict::find_link`]).
struct Place<V> {
    bucket: usize,
    prev: Link<V>,
    node: NonNull<Node<V>>,
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
    cur: Link<V>,
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a [u8], &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(n) = self.cur {
                // SAFETY: the iterator borrows the table for 'a, so every
                // node reachable from it is live and unchanged for 'a.
                unsafe {
                    self.cur = node_next(n);
                    return Some((node_key(n), &(*n.as_ptr()).val));
                }
            }
            let slot = self.table.get(self.bucket)?;
            self.bucket += 1;
            self.cur = *slot;
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

    proptest! {
        /// The one-block nodes under every operation, with keys of any
        /// length (empty ones included) and heap-owning values: lookups,
        /// probes, clones, drains and scans agree with a model, and every
        /// value is dropped exactly once (checked through `Rc` counts).
        #[test]
        fn node_blocks_match_model(
            ops in proptest::collection::vec(
                (0u8..6, proptest::collection::vec(0u8..4, 0..40), any::<u16>()),
                0..300,
            )
        ) {
            use std::rc::Rc;
            let token = Rc::new(());
            let mut d: Dict<(Vec<u8>, Rc<()>)> = Dict::new();
            let mut m: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
            for (op, key, v) in ops {
                let val = v.to_le_bytes().repeat(usize::from(v % 5));
                match op {
                    0 | 1 => {
                        let old = d.insert(&key, (val.clone(), token.clone()));
                        prop_assert_eq!(old.map(|o| o.0), m.insert(key, val));
                    }
                    2 => prop_assert_eq!(d.remove_entry(&key).map(|(k, v)| (k.to_vec(), v.0)),
                        m.remove(&key).map(|v| (key.clone(), v))),
                    3 => match d.probe_mut(&key, |v| v.0.len() % 2 == 0) {
                        Probe::Removed(k, v) => {
                            prop_assert_eq!(&*k, &key[..]);
                            prop_assert_eq!(Some(v.0), m.remove(&key));
                        }
                        Probe::Found(v) => {
                            v.0.push(1);
                            m.get_mut(&key).unwrap().push(1);
                        }
                        Probe::Missing => prop_assert!(!m.contains_key(&key)),
                    },
                    4 => {
                        let c = d.clone();
                        let order = |d: &Dict<(Vec<u8>, Rc<()>)>| {
                            d.iter().map(|(k, v)| (k.to_vec(), v.0.clone())).collect::<Vec<_>>()
                        };
                        prop_assert_eq!(order(&c), order(&d));
                        prop_assert_eq!(c.buckets(), d.buckets());
                    }
                    _ => prop_assert_eq!(d.get(&key).map(|v| &v.0), m.get(&key)),
                }
                prop_assert_eq!(d.len(), m.len());
                prop_assert_eq!(Rc::strong_count(&token), 1 + m.len());
            }
            // A full scan returns every key exactly once (no resizes here).
            let mut scanned = Vec::new();
            let mut cursor = 0;
            loop {
                cursor = d.scan(cursor, |k, v| scanned.push((k.to_vec(), v.0.clone())));
                if cursor == 0 {
                    break;
                }
            }
            scanned.sort();
            prop_assert_eq!(scanned, m.clone().into_iter().collect::<Vec<_>>());
            let mut rng = crate::util::Rng::from_entropy();
            if let Some((k, v)) = d.random(&mut rng) {
                prop_assert_eq!(m.get(k), Some(&v.0));
            }
            // Drain a few entries at a time (a drained table is only ever
            // drained further or dropped), then drop the rest.
            let mut rest = m.clone();
            let mut step = 0;
            while rest.len() > m.len() / 2 {
                step += 1;
                let mut got = Vec::new();
                let n = d.drain_some(step % 4, |k, v| got.push((k.to_vec(), v.0)));
                prop_assert_eq!(n, got.len());
                for (k, v) in got {
                    prop_assert_eq!(Some(v), rest.remove(&k));
                }
                prop_assert_eq!(d.len(), rest.len());
                prop_assert_eq!(Rc::strong_count(&token), 1 + rest.len());
            }
            drop(d);
            prop_assert_eq!(Rc::strong_count(&token), 1);
        }
    }

    /// Key lengths around the link tag's limit: lengths below `FAR` live
    /// in the tag, longer ones in front of the key; every path (lookup,
    /// probe, clone, resize, drain, free) reads each key back intact, and
    /// a 16-byte key with a 40-byte value makes a 64-byte block.
    #[test]
    fn key_lengths_across_the_tag_limit() {
        assert_eq!(node_layout::<[u64; 5]>(16).size(), 64);
        let lens = [0, 1, 15, 16, FAR - 1, FAR, FAR + 1, 3 * FAR];
        let keys: Vec<Vec<u8>> = lens
            .iter()
            .map(|&n| (0..n).map(|i| (i * 7 + n) as u8).collect())
            .collect();
        let mut d: Dict<usize> = Dict::new();
        for (i, k) in keys.iter().enumerate() {
            d.insert_new(k, i);
        }
        // Grow through resizes with filler keys, then check every key.
        for i in 0..100u32 {
            d.insert(&i.to_be_bytes(), 1000 + i as usize);
        }
        let c = d.clone();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(d.get(k), Some(&i), "key of {} bytes", k.len());
            assert_eq!(c.get(k), Some(&i), "clone, key of {} bytes", k.len());
            assert!(matches!(d.probe_mut(k, |_| false), Probe::Found(&mut v) if v == i));
        }
        for (i, k) in keys.iter().enumerate().step_by(2) {
            assert_eq!(d.remove_entry(k), Some((k.clone().into_boxed_slice(), i)));
            assert!(
                matches!(d.probe_mut(&keys[i + 1], |_| true), Probe::Removed(ref rk, _) if **rk == keys[i + 1][..])
            );
        }
        let mut drained = Vec::new();
        let mut c = c;
        while c.drain_some(7, |k, v| drained.push((k.to_vec(), v))) > 0 {}
        drained.retain(|(_, v)| *v < 1000);
        drained.sort();
        let mut want: Vec<(Vec<u8>, usize)> = keys.into_iter().zip(0..).collect();
        want.sort();
        assert_eq!(drained, want);
    }

    /// A table of values that own heap memory, grown and shrunk through
    /// several resizes and then cleared, dropped or drained; the counts
    /// say every value was dropped exactly once.
    #[test]
    fn resizes_keep_every_node_once() {
        use std::rc::Rc;
        let token = Rc::new(());
        let mut d = Dict::new();
        for i in 0..5000u32 {
            d.insert(format!("key:{i}").as_bytes(), token.clone());
        }
        assert_eq!(d.buckets(), 8192);
        for i in 0..4990u32 {
            assert!(d.remove(format!("key:{i}").as_bytes()).is_some());
        }
        assert_eq!(Rc::strong_count(&token), 11);
        assert!(d.buckets() <= 32, "{} buckets", d.buckets());
        assert!((4990..5000u32).all(|i| d.contains_key(format!("key:{i}").as_bytes())));
        let copy = d.clone();
        assert_eq!(Rc::strong_count(&token), 21);
        d.clear();
        assert!(d.is_empty() && d.get(b"key:4999").is_none());
        assert_eq!(Rc::strong_count(&token), 11);
        drop(copy);
        assert_eq!(Rc::strong_count(&token), 1);
    }

    /// Growth doubles the bucket array, as Redis does: 1M keys fit in 2^20
    /// buckets (8 bytes per key), not 2^21.
    #[test]
    fn growth_doubles() {
        let mut d = Dict::new();
        for i in 0..1024u32 {
            d.insert_new(&i.to_be_bytes(), ());
            assert!(d.buckets() >= d.len() && d.buckets() < 2 * d.len().max(4));
        }
        assert_eq!(d.buckets(), 1024);
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
            .map(|&head| Chain::new(head).count())
            .max()
            .unwrap_or(0)
    }

    /// Every table has its own hash seed, so the same keys land in a
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
