//! The "skiplist" encoding of large sorted sets: Redis's skiplist with
//! spans (ranks and range starts in O(log n)), plus an open-addressing
//! index from member to node (O(1) score lookups).
//!
//! # Node layout
//!
//! Every node is one heap block, as Redis's `zskiplistNode` is:
//!
//! ```text
//! backward ptr | member len | id u32 | height u8 | pad | score f64  (32 B)
//! (next ptr, span u32) x height                         (12 B a level)
//! member bytes
//! ```
//!
//! Links are pointers straight at blocks, so a step of a search touches
//! one block: the score, the levels and (on equal scores) the member are
//! together. A level's next link and span are adjacent (12 bytes, the
//! link read unaligned), so following a link and adding its span read
//! one place; Redis pads its levels to 16 bytes. The score sits just
//! before level 0. The previous layout kept 32-byte nodes in a `Vec` and
//! their levels and member in a second block: two cache lines per step.
//! docs/performance.md ("Sorted-set skiplist nodes") has the instructions,
//! cache misses and bytes per member before and after; the price is
//! about 10 bytes per member (the 8-byte slot, and size classes).
//!
//! A member is stored once. Each node also has a slot number (`id`, kept
//! in its block) in a slot vector of block pointers (8 bytes a slot):
//! ZSCAN walks the slots, and the member index holds slot numbers and a
//! hash tag per entry. Freed slots are chained through the vector and
//! reused; when fewer than a quarter of the slots are live the vector is
//! compacted (blocks stay where they are, only their numbers change) and
//! ZSCAN cursors carry the compaction epoch, so a cursor from before
//! restarts rather than skips.

// Nodes are variable-sized blocks linked by raw pointers, which safe Rust
// cannot express; every unsafe block below says why it is sound.
#![allow(unsafe_code)]

use crate::cpu::prefetch;
use crate::util::bytes_eq;
use foldhash::fast::RandomState;
use std::alloc::{self, Layout};
use std::cmp::Ordering;
use std::hash::BuildHasher;
use std::marker::PhantomData;
use std::mem::{align_of, size_of};
use std::ptr::{self, NonNull};

/// Most levels a node may have (Redis's `ZSKIPLIST_MAXLEVEL`).
pub const MAX_LEVEL: usize = 32;

/// Slot vectors at most this long are never compacted.
const COMPACT_MIN: usize = 1024;

/// A link to a node block; `None` ends a level (nothing links to the
/// header).
type Link = Option<NonNull<Node>>;

/// The fixed part of a node block. `height` levels (a next link, then a
/// span), then `len` member bytes follow at [`LEVELS`]. The header is
/// only ever read and written field by field through raw places, never
/// as a whole, so its padding is never read.
///
/// The score is the header's last field, next to level 0: a search reads
/// a node's score and then one of its levels, so the two are kept close.
#[repr(C)]
struct Node {
    /// The previous node (`None` for the first).
    backward: Link,
    /// Member length in bytes.
    len: usize,
    /// This node's slot in the list's slot vector.
    id: u32,
    /// Number of levels, 1..=MAX_LEVEL.
    height: u8,
    score: f64,
}

/// Where a block's levels start.
const LEVELS: usize = size_of::<Node>();

/// Bytes per level: a next link (at a multiple of 4, read and written
/// unaligned) and a span (aligned: the link's 8 bytes keep it at a
/// multiple of 4).
const LEVEL_BYTES: usize = size_of::<Link>() + size_of::<u32>();
const _: () = assert!(
    LEVELS.is_multiple_of(align_of::<u32>())
        && LEVEL_BYTES.is_multiple_of(align_of::<u32>())
        && align_of::<Node>() >= 2
);

/// The block layout of a node of `height` levels and `len` member bytes.
fn node_layout(height: usize, len: usize) -> Layout {
    let size = height
        .checked_mul(LEVEL_BYTES)
        .and_then(|l| (LEVELS + l).checked_add(len))
        .expect("member length overflows a layout");
    Layout::from_size_align(size, align_of::<Node>()).expect("member length overflows a layout")
}

/// Allocates a node of `height` levels (all unlinked, spans 0) holding
/// `member` and `score`, in slot `id`.
fn node_new(member: &[u8], score: f64, height: usize, id: u32) -> NonNull<Node> {
    debug_assert!((1..=MAX_LEVEL).contains(&height));
    let layout = node_layout(height, member.len());
    // SAFETY: the layout has a non-zero size (at least the header).
    let raw = unsafe { alloc::alloc(layout) } as *mut Node;
    let Some(p) = NonNull::new(raw) else {
        alloc::handle_alloc_error(layout)
    };
    // SAFETY: `p` is a fresh block of `layout`, aligned for `Node` (and so
    // for the spans, at multiples of 4) and large enough for the header,
    // `height` levels and the member. Every field and level is written
    // once through a raw place (no reference to uninitialised memory),
    // links unaligned; the regions are disjoint, so no write overlaps
    // another.
    unsafe {
        let n = p.as_ptr();
        ptr::addr_of_mut!((*n).backward).write(None);
        ptr::addr_of_mut!((*n).len).write(member.len());
        ptr::addr_of_mut!((*n).id).write(id);
        ptr::addr_of_mut!((*n).height).write(height as u8);
        ptr::addr_of_mut!((*n).score).write(score);
        let levels = (n as *mut u8).add(LEVELS);
        for i in 0..height {
            let level = levels.add(i * LEVEL_BYTES);
            (level as *mut Link).write_unaligned(None);
            (level.add(size_of::<Link>()) as *mut u32).write(0);
        }
        let dst = levels.add(height * LEVEL_BYTES);
        ptr::copy_nonoverlapping(member.as_ptr(), dst, member.len());
    }
    p
}

/// Frees a node block.
///
/// # Safety
/// `p` must be a live node (from [`node_new`], not freed), linked from
/// nowhere that is used afterwards, with no borrow of its member alive.
unsafe fn node_free(p: NonNull<Node>) {
    // SAFETY: the block was allocated by `node_new` with the layout
    // recomputed here from the same height and member length, which never
    // change.
    unsafe {
        let layout = node_layout(height(p), (*p.as_ptr()).len);
        alloc::dealloc(p.as_ptr() as *mut u8, layout);
    }
}

// The accessors below share one contract:
//
// # Safety
// `p` must be a live node (from `node_new`, not freed); `i` must be below
// its height. Setters write one field or level through a raw place, so
// the only borrows into a block (of its member bytes) stay valid.

/// The number of levels of a node.
///
/// # Safety
/// `p` must be a live node.
#[inline]
unsafe fn height(p: NonNull<Node>) -> usize {
    // SAFETY: per the contract, the header is initialised.
    usize::from(unsafe { (*p.as_ptr()).height })
}

/// A node's score.
///
/// # Safety
/// `p` must be a live node.
#[inline]
unsafe fn score(p: NonNull<Node>) -> f64 {
    // SAFETY: per the contract, the header is initialised.
    unsafe { (*p.as_ptr()).score }
}

/// Sets a node's score.
///
/// # Safety
/// `p` must be a live node.
#[inline]
unsafe fn set_score(p: NonNull<Node>, s: f64) {
    // SAFETY: per the contract; only the `score` field is written.
    unsafe { (*p.as_ptr()).score = s }
}

/// A node's predecessor.
///
/// # Safety
/// `p` must be a live node.
#[inline]
unsafe fn backward(p: NonNull<Node>) -> Link {
    // SAFETY: per the contract, the header is initialised.
    unsafe { (*p.as_ptr()).backward }
}

/// Sets a node's predecessor.
///
/// # Safety
/// `p` must be a live node.
#[inline]
unsafe fn set_backward(p: NonNull<Node>, b: Link) {
    // SAFETY: per the contract; only the `backward` field is written.
    unsafe { (*p.as_ptr()).backward = b }
}

/// A node's slot number.
///
/// # Safety
/// `p` must be a live node.
#[inline]
unsafe fn id(p: NonNull<Node>) -> u32 {
    // SAFETY: per the contract, the header is initialised.
    unsafe { (*p.as_ptr()).id }
}

/// Sets a node's slot number.
///
/// # Safety
/// `p` must be a live node.
#[inline]
unsafe fn set_id(p: NonNull<Node>, id: u32) {
    // SAFETY: per the contract; only the `id` field is written.
    unsafe { (*p.as_ptr()).id = id }
}

/// Where a node's level `i` is (its next link; the span follows), or,
/// for `i == height`, where its member starts.
///
/// # Safety
/// `p` must be a live node and `i` at most its height.
#[inline]
unsafe fn level_at(p: NonNull<Node>, i: usize) -> *mut u8 {
    // SAFETY: per the contract the block holds `height >= i` levels from
    // `LEVELS` on, so the offset stays inside it (or at its end, for an
    // empty member).
    unsafe { (p.as_ptr() as *mut u8).add(LEVELS + i * LEVEL_BYTES) }
}

/// Where a node's span of level `i` is: 4-aligned (see [`LEVEL_BYTES`]).
///
/// # Safety
/// `p` must be a live node and `i` below its height.
#[inline]
unsafe fn span_at(p: NonNull<Node>, i: usize) -> *mut u32 {
    // SAFETY: per the contract; the span is the level's last 4 bytes.
    unsafe { level_at(p, i).add(size_of::<Link>()) as *mut u32 }
}

/// A node's next node at level `i`.
///
/// # Safety
/// `p` must be a live node and `i` below its height.
#[inline]
unsafe fn next(p: NonNull<Node>, i: usize) -> Link {
    // SAFETY: per the contract; `node_new` initialised every level. The
    // link may be unaligned, hence the unaligned read.
    unsafe { (level_at(p, i) as *const Link).read_unaligned() }
}

/// Sets a node's next node at level `i`.
///
/// # Safety
/// `p` must be a live node and `i` below its height.
#[inline]
unsafe fn set_next(p: NonNull<Node>, i: usize, n: Link) {
    // SAFETY: per the contract; only that link is written, unaligned.
    unsafe { (level_at(p, i) as *mut Link).write_unaligned(n) }
}

/// A node's span at level `i`.
///
/// # Safety
/// `p` must be a live node and `i` below its height.
#[inline]
unsafe fn span(p: NonNull<Node>, i: usize) -> u32 {
    // SAFETY: per the contract; `node_new` initialised every span.
    unsafe { span_at(p, i).read() }
}

/// Sets a node's span at level `i`.
///
/// # Safety
/// `p` must be a live node and `i` below its height.
#[inline]
unsafe fn set_span(p: NonNull<Node>, i: usize, s: u32) {
    // SAFETY: per the contract; only that span is written.
    unsafe { span_at(p, i).write(s) }
}

/// A node's member bytes.
///
/// # Safety
/// `p` must be a live node, and stay live (not freed) while the slice,
/// of a lifetime the caller picks, is used. Member bytes are never
/// written after `node_new`, so setters may run meanwhile.
#[inline]
unsafe fn member<'a>(p: NonNull<Node>) -> &'a [u8] {
    // SAFETY: per the contract; the block holds `len` initialised member
    // bytes after the levels (written by `node_new`, never changed).
    unsafe {
        let len = (*p.as_ptr()).len;
        std::slice::from_raw_parts(level_at(p, height(p)) as *const u8, len)
    }
}

/// Whether a node sorts before (score, member).
///
/// # Safety
/// `p` must be a live node.
#[inline]
unsafe fn lt(p: NonNull<Node>, s: f64, m: &[u8]) -> bool {
    // SAFETY: per the contract; the member borrow ends here.
    unsafe {
        let ps = score(p);
        ps < s || (ps == s && member(p) < m)
    }
}

/// One entry of the slot vector: a live node's block, or a free slot,
/// which holds the number of the next free slot (0: none) as an odd
/// address without provenance (blocks are aligned, so their addresses
/// are even); such an address is never dereferenced.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Slot(NonNull<Node>);

impl Slot {
    fn live(p: NonNull<Node>) -> Slot {
        Slot(p)
    }

    fn free(next_free: u32) -> Slot {
        let addr = ((next_free as usize) << 1) | 1;
        Slot(NonNull::new(ptr::without_provenance_mut(addr)).expect("odd, so not null"))
    }

    fn is_free(self) -> bool {
        self.0.as_ptr().addr() & 1 == 1
    }

    /// The node of a live slot.
    #[inline]
    fn node(self) -> Option<NonNull<Node>> {
        (!self.is_free()).then_some(self.0)
    }

    /// The next free slot of a free slot.
    fn next_free(self) -> u32 {
        debug_assert!(self.is_free());
        (self.0.as_ptr().addr() >> 1) as u32
    }
}

/// The node in slot `id`, which must be live (checked in debug builds;
/// the pointer is only read through under the accessors' contract).
#[inline]
fn slot_node(slots: &[Slot], id: u32) -> NonNull<Node> {
    let s = slots[id as usize];
    debug_assert!(!s.is_free());
    s.0
}

/// The order of sorted-set elements: by score, then by member bytes.
pub fn cmp_elems(a: (f64, &[u8]), b: (f64, &[u8])) -> Ordering {
    match a.0.partial_cmp(&b.0) {
        Some(Ordering::Equal) | None => a.1.cmp(b.1),
        Some(o) => o,
    }
}

/// Member to node slot: linear probing over a power-of-two table. Holds
/// exactly the slots of the list's live nodes.
#[derive(Debug, Clone)]
struct Index {
    /// Node slots; 0 (the header's) marks an empty entry.
    slots: Vec<u32>,
    /// The top byte of each occupied entry's hash, checked before the member.
    tags: Vec<u8>,
    len: usize,
    hasher: RandomState,
}

/// The member of the live node in slot `id` of `nodes`.
#[inline]
fn slot_member(nodes: &[Slot], id: u32) -> &[u8] {
    // SAFETY: callers pass slots the index holds, which are live; the
    // node stays live while `nodes` (the list's slot vector) is borrowed,
    // since freeing a node needs the list borrowed mutably.
    unsafe { member(slot_node(nodes, id)) }
}

impl Index {
    fn new() -> Index {
        Index {
            slots: Vec::new(),
            tags: Vec::new(),
            len: 0,
            hasher: RandomState::default(),
        }
    }

    fn hash(&self, member: &[u8]) -> u64 {
        self.hasher.hash_one(member)
    }

    /// The entry holding `member`.
    fn find(&self, nodes: &[Slot], member: &[u8]) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let h = self.hash(member);
        let mask = self.slots.len() - 1;
        let tag = (h >> 56) as u8;
        let mut i = h as usize & mask;
        loop {
            let id = self.slots[i];
            if id == 0 {
                return None;
            }
            if self.tags[i] == tag && bytes_eq(slot_member(nodes, id), member) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// The entry of slot `id`, whose member is `member`: probes from the
    /// member's home comparing ids, so it reads no other node's block and
    /// finds this node even if another holds an equal member.
    fn find_id(&self, member: &[u8], id: u32) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.hash(member) as usize & mask;
        loop {
            match self.slots[i] {
                0 => return None,
                s if s == id => return Some(i),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Indexes live slot `id`, whose member is not indexed yet.
    fn insert(&mut self, nodes: &[Slot], id: u32) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.resize(nodes, (self.slots.len() * 2).max(8));
        }
        self.place(slot_member(nodes, id), id);
        self.len += 1;
    }

    fn place(&mut self, member: &[u8], id: u32) {
        let h = self.hash(member);
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = id;
        self.tags[i] = (h >> 56) as u8;
    }

    /// Empties entry `i`, shifting later entries of its cluster back so
    /// every entry stays reachable from its home.
    fn remove_at(&mut self, nodes: &[Slot], mut i: usize) {
        let mask = self.slots.len() - 1;
        self.slots[i] = 0;
        self.len -= 1;
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let id = self.slots[j];
            if id == 0 {
                break;
            }
            let home = self.hash(slot_member(nodes, id)) as usize & mask;
            // Move j's entry back to i unless its home lies in (i, j].
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(i) & mask) {
                self.slots[i] = id;
                self.tags[i] = self.tags[j];
                self.slots[j] = 0;
                i = j;
            }
        }
        if self.slots.len() > 16 && self.len * 8 < self.slots.len() {
            self.resize(nodes, (self.len * 2).next_power_of_two().max(8));
        }
    }

    fn resize(&mut self, nodes: &[Slot], size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        self.tags = vec![0; size];
        for id in old.into_iter().filter(|&id| id != 0) {
            self.place(slot_member(nodes, id), id);
        }
    }

    /// Indexes every live slot of `nodes` (but the header's) from scratch.
    fn rebuild(&mut self, nodes: &[Slot], live: usize) {
        let size = ((live * 4).div_ceil(3) + 1).next_power_of_two().max(8);
        self.slots = vec![0; size];
        self.tags = vec![0; size];
        self.len = 0;
        for (id, s) in nodes.iter().enumerate().skip(1) {
            if !s.is_free() {
                self.place(slot_member(nodes, id as u32), id as u32);
                self.len += 1;
            }
        }
    }
}

/// A skiplist ordered by (score, member) with a member index.
pub struct SkipList {
    /// Slot 0 is the header, with all `MAX_LEVEL` levels and no member.
    /// Owns every live slot's block.
    nodes: Vec<Slot>,
    /// The header's block (slot 0).
    head: NonNull<Node>,
    /// First free slot (0: none).
    free: u32,
    tail: Link,
    len: usize,
    /// Levels in use (at least 1); the header's links above are `None`.
    level: usize,
    index: Index,
    rng: u64,
    /// Bumped by compaction; part of ZSCAN cursors.
    epoch: u32,
    /// The list owns its node blocks (for drop check and auto traits).
    _owns: PhantomData<Box<Node>>,
}

// SAFETY: a `SkipList` exclusively owns every block its slot vector points
// at (no other list or value shares them), so moving it to another thread
// moves the blocks with it.
unsafe impl Send for SkipList {}
// SAFETY: shared access (`&self` methods and `Iter`) only reads blocks;
// nothing writes through a shared borrow.
unsafe impl Sync for SkipList {}

impl Default for SkipList {
    fn default() -> Self {
        SkipList::new()
    }
}

impl std::fmt::Debug for SkipList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(m, s)| (String::from_utf8_lossy(m), s)))
            .finish()
    }
}

impl Drop for SkipList {
    fn drop(&mut self) {
        for s in &self.nodes {
            if let Some(p) = s.node() {
                // SAFETY: every live slot holds a distinct block the list
                // owns; each is freed once, and the list is not used after.
                unsafe { node_free(p) }
            }
        }
    }
}

impl Clone for SkipList {
    /// A deep copy: every block copied into the same slot, links mapped
    /// to the copies, so the copy has the same shape, slots, index and
    /// ZSCAN cursors as the original.
    fn clone(&self) -> Self {
        // SAFETY: every live slot of `self` holds a live block, borrowed
        // shared; the new blocks are live and owned by `nodes` until the
        // copy takes them; links of `self` point at live slots of `self`,
        // whose copies sit in the same slots (found by `id`), and every
        // level index is below the node's height (old and new blocks
        // have the same heights).
        unsafe {
            let nodes: Vec<Slot> = self
                .nodes
                .iter()
                .map(|&s| match s.node() {
                    Some(p) => Slot::live(node_new(member(p), score(p), height(p), id(p))),
                    None => s,
                })
                .collect();
            let map = |l: Link| l.map(|q| slot_node(&nodes, id(q)));
            for (&old, &new) in self.nodes.iter().zip(&nodes) {
                let (Some(p), Some(q)) = (old.node(), new.node()) else {
                    continue;
                };
                set_backward(q, map(backward(p)));
                for i in 0..height(p) {
                    set_next(q, i, map(next(p, i)));
                    set_span(q, i, span(p, i));
                }
            }
            SkipList {
                head: slot_node(&nodes, 0),
                tail: map(self.tail),
                nodes,
                free: self.free,
                len: self.len,
                level: self.level,
                index: self.index.clone(),
                rng: self.rng,
                epoch: self.epoch,
                _owns: PhantomData,
            }
        }
    }
}

impl SkipList {
    /// Heap bytes (MEMORY USAGE): the slot vector, the member index, and
    /// each node's block; with `samples > 0`, that many nodes are measured
    /// and the average scaled to all of them.
    pub fn mem_usage(&self, samples: usize) -> usize {
        let fixed = self.nodes.capacity() * size_of::<Slot>()
            + self.index.slots.capacity() * size_of::<u32>()
            + self.index.tags.capacity()
            + node_layout(MAX_LEVEL, 0).size();
        let take = if samples == 0 {
            self.len
        } else {
            samples.min(self.len)
        };
        let measured: usize = self
            .nodes
            .iter()
            .skip(1)
            .filter_map(|s| s.node())
            .take(take)
            // SAFETY: live slots hold live blocks, borrowed shared.
            .map(|p| unsafe { node_layout(height(p), (*p.as_ptr()).len).size() })
            .sum();
        fixed + measured * self.len / take.max(1)
    }

    /// An empty skiplist.
    pub fn new() -> SkipList {
        let head = node_new(b"", 0.0, MAX_LEVEL, 0);
        SkipList {
            nodes: vec![Slot::live(head)],
            head,
            free: 0,
            tail: None,
            len: 0,
            level: 1,
            index: Index::new(),
            rng: 0x9E37_79B9_7F4A_7C15,
            epoch: 0,
            _owns: PhantomData,
        }
    }

    /// Builds from elements already in order, without duplicate members.
    pub fn from_sorted<'a>(items: impl Iterator<Item = (&'a [u8], f64)>) -> SkipList {
        let mut sl = SkipList::new();
        let mut last = [sl.head; MAX_LEVEL];
        let mut last_rank = [0u32; MAX_LEVEL];
        let mut prev = None;
        for (m, s) in items {
            let h = sl.random_level();
            let rank = sl.nodes.len() as u32;
            let p = node_new(m, s, h, rank);
            sl.nodes.push(Slot::live(p));
            sl.level = sl.level.max(h);
            // SAFETY: `p` and the nodes of `last` (the header or earlier
            // nodes, at levels below their heights) are live blocks of
            // `sl`; a node's slot equals its rank here.
            unsafe {
                for (l, (q, qr)) in last.iter_mut().zip(&mut last_rank).enumerate().take(h) {
                    set_next(*q, l, Some(p));
                    set_span(*q, l, rank - *qr);
                    *q = p;
                    *qr = rank;
                }
                set_backward(p, prev);
            }
            prev = Some(p);
        }
        let n = sl.nodes.len() as u32 - 1;
        for (l, (&q, &qr)) in last.iter().zip(&last_rank).enumerate() {
            // SAFETY: as above; `q` has a level `l` (the header has all).
            unsafe {
                set_next(q, l, None);
                set_span(q, l, n - qr);
            }
        }
        sl.len = n as usize;
        sl.tail = prev;
        sl.index.rebuild(&sl.nodes, sl.len);
        sl
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Redis's `zslRandomLevel`: each further level with probability 1/4.
    fn random_level(&mut self) -> usize {
        let mut level = 1;
        loop {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            if self.rng & 0xFFFF < 0x4000 && level < MAX_LEVEL {
                level += 1;
            } else {
                return level;
            }
        }
    }

    /// The node of `member`.
    fn find(&self, member: &[u8]) -> Option<NonNull<Node>> {
        self.index
            .find(&self.nodes, member)
            .map(|e| slot_node(&self.nodes, self.index.slots[e]))
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        // SAFETY: `find` returns live nodes of `self`.
        self.find(member).map(|p| unsafe { score(p) })
    }

    /// For each level, the last node sorting before (score, member) and
    /// its rank (1-based; the header is 0).
    fn path(&self, s: f64, m: &[u8]) -> ([NonNull<Node>; MAX_LEVEL], [u32; MAX_LEVEL]) {
        let mut update = [self.head; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = self.head;
        // SAFETY: `x` starts at the header and moves only along links,
        // which point at live nodes of `self`; a node is linked at level
        // `i` only if its height exceeds `i`, and `i < self.level` levels
        // exist on the header.
        unsafe {
            for i in (0..self.level).rev() {
                rank[i] = if i + 1 == self.level { 0 } else { rank[i + 1] };
                while let Some(nx) = next(x, i) {
                    // The walk goes on from `x` one level down as soon as
                    // `nx` sorts after the target: start loading that
                    // node while `nx`'s score, maybe a cache miss too, is
                    // read (`x`'s levels are in cache already).
                    if i > 0 {
                        if let Some(down) = next(x, i - 1) {
                            prefetch(ptr::addr_of!((*down.as_ptr()).score));
                        }
                    }
                    if !lt(nx, s, m) {
                        break;
                    }
                    rank[i] += span(x, i);
                    x = nx;
                }
                update[i] = x;
            }
        }
        (update, rank)
    }

    /// Links node `p` (live, of `self`, unlinked) after the nodes of
    /// `update` (as `path` found them).
    fn link(
        &mut self,
        p: NonNull<Node>,
        update: &mut [NonNull<Node>; MAX_LEVEL],
        rank: &mut [u32; MAX_LEVEL],
    ) {
        // SAFETY: `p` and the nodes of `update` are live nodes of `self`,
        // each of `update[i]` having a level `i` (`path` found it there,
        // or it is the header); `p`'s next at level 0 is a live node.
        unsafe {
            let h = height(p);
            if h > self.level {
                for i in self.level..h {
                    rank[i] = 0;
                    update[i] = self.head;
                    set_span(self.head, i, self.len as u32);
                }
                self.level = h;
            }
            for i in 0..h {
                let u = update[i];
                set_next(p, i, next(u, i));
                set_span(p, i, span(u, i) - (rank[0] - rank[i]));
                set_next(u, i, Some(p));
                set_span(u, i, rank[0] - rank[i] + 1);
            }
            for (i, &u) in update.iter().enumerate().take(self.level).skip(h) {
                set_span(u, i, span(u, i) + 1);
            }
            set_backward(p, (update[0] != self.head).then_some(update[0]));
            match next(p, 0) {
                None => self.tail = Some(p),
                Some(nx) => set_backward(nx, Some(p)),
            }
        }
        self.len += 1;
    }

    /// Unlinks node `p`, whose predecessors `path` found.
    fn unlink(&mut self, p: NonNull<Node>, update: &[NonNull<Node>; MAX_LEVEL]) {
        // A path that does not lead to `p` (a caller breaking `insert`'s or
        // `from_sorted`'s contract, say with a duplicate member) would leave
        // `p` linked and then freed: stop here instead. One load, of a node
        // the search just read.
        // SAFETY: `update[0]` is a live node of `self`, with level 0.
        assert!(
            unsafe { next(update[0], 0) } == Some(p),
            "skiplist path does not lead to the node"
        );
        // SAFETY: `p` and the nodes of `update` are live nodes of `self`,
        // `update[i]` having a level `i`; `p` has level `i` when
        // `update[i]` links to it there.
        unsafe {
            for (i, &u) in update.iter().enumerate().take(self.level) {
                let s = span(u, i);
                if next(u, i) == Some(p) {
                    set_next(u, i, next(p, i));
                    set_span(u, i, s + span(p, i) - 1);
                } else {
                    set_span(u, i, s - 1);
                }
            }
            let back = backward(p);
            match next(p, 0) {
                None => self.tail = back,
                Some(nx) => set_backward(nx, back),
            }
            while self.level > 1 && next(self.head, self.level - 1).is_none() {
                self.level -= 1;
            }
        }
        self.len -= 1;
    }

    /// A new node in a free slot (or a new one), not linked or indexed.
    fn alloc(&mut self, member: &[u8], score: f64) -> NonNull<Node> {
        let h = self.random_level();
        if self.free != 0 {
            let id = self.free;
            self.free = self.nodes[id as usize].next_free();
            let p = node_new(member, score, h, id);
            self.nodes[id as usize] = Slot::live(p);
            p
        } else {
            let id = u32::try_from(self.nodes.len()).expect("more than 2^32 nodes");
            let p = node_new(member, score, h, id);
            self.nodes.push(Slot::live(p));
            p
        }
    }

    /// Unindexes and frees an unlinked node of `self`; `entry` is its
    /// index entry when the caller already found it.
    fn release(&mut self, p: NonNull<Node>, entry: Option<usize>) {
        // SAFETY: `p` is a live node of `self`; the member borrow ends
        // before the block is freed.
        let id = unsafe { id(p) };
        // By slot id, not by member: the entry of this very node.
        let entry = entry.or_else(|| unsafe { self.index.find_id(member(p), id) });
        debug_assert!(entry.is_some(), "a live node is indexed");
        if let Some(e) = entry {
            self.index.remove_at(&self.nodes, e);
        }
        self.nodes[id as usize] = Slot::free(self.free);
        self.free = id;
        // SAFETY: `p` is unlinked and now out of the slot vector and the
        // index, so nothing reaches it any more.
        unsafe { node_free(p) }
    }

    /// Adds `member`, which must not be present.
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let (mut update, mut rank) = self.path(score, member);
        let p = self.alloc(member, score);
        self.link(p, &mut update, &mut rank);
        // SAFETY: `p` is a live node of `self`.
        let id = unsafe { id(p) };
        self.index.insert(&self.nodes, id);
    }

    /// Changes the score of a present member; returns the old score.
    pub fn update(&mut self, member: &[u8], s: f64) -> Option<f64> {
        let p = self.find(member)?;
        // SAFETY: `p` and its neighbours are live nodes of `self`.
        let (old, in_place) = unsafe {
            let old = score(p);
            // Still in order between its neighbours: change it in place.
            let after_back = backward(p).is_none_or(|b| lt(b, s, member));
            let before_next = next(p, 0).is_none_or(|n| !lt(n, s, member));
            (old, after_back && before_next)
        };
        if in_place {
            // SAFETY: `p` is a live node of `self`.
            unsafe { set_score(p, s) };
            return Some(old);
        }
        let (update, _) = self.path(old, member);
        self.unlink(p, &update);
        // SAFETY: `p` is a live (unlinked) node of `self`.
        unsafe { set_score(p, s) };
        let (mut update, mut rank) = self.path(s, member);
        self.link(p, &mut update, &mut rank);
        Some(old)
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        // The index entry is found once, for the node and for `release`.
        let e = self.index.find(&self.nodes, member)?;
        let p = slot_node(&self.nodes, self.index.slots[e]);
        // SAFETY: `p` is a live node of `self`.
        let s = unsafe { score(p) };
        let (update, _) = self.path(s, member);
        self.unlink(p, &update);
        self.release(p, Some(e));
        self.maybe_compact();
        Some(s)
    }

    /// Removes the element at 0-based `rank`; returns it.
    pub fn remove_rank(&mut self, rank: usize) -> Option<(Vec<u8>, f64)> {
        if rank >= self.len {
            return None;
        }
        // One walk by rank gives the predecessors and the node (for rank
        // 0, ZPOPMIN's case, it stops at the header on every level).
        let update = self.rank_path(rank as u32 + 1);
        // SAFETY: `update[0]` is a live node of `self`; the rank exists, so
        // it has a successor, a live node too.
        let p = unsafe { next(update[0], 0) }?;
        // SAFETY: `p` is a live node of `self`.
        let (m, s) = unsafe { (member(p).to_vec(), score(p)) };
        self.unlink(p, &update);
        self.release(p, None);
        self.maybe_compact();
        Some((m, s))
    }

    /// The 0-based rank and score of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        let p = self.find(member)?;
        // SAFETY: `p` is a live node of `self`.
        let s = unsafe { score(p) };
        let (_, rank) = self.path(s, member);
        Some((rank[0] as usize, s))
    }

    /// The node at 0-based `rank`.
    fn node_at(&self, rank: usize) -> Option<NonNull<Node>> {
        if rank >= self.len {
            return None;
        }
        let target = rank as u32 + 1;
        let mut x = self.head;
        let mut traversed = 0u32;
        // SAFETY: as in `path`: only live nodes, levels below heights.
        unsafe {
            for i in (0..self.level).rev() {
                while let Some(nx) = next(x, i) {
                    if traversed + span(x, i) > target {
                        break;
                    }
                    traversed += span(x, i);
                    x = nx;
                }
                if traversed == target {
                    return Some(x);
                }
            }
        }
        None
    }

    /// For each level, the last node before 1-based rank `target` (which
    /// must exist): the predecessors unlinking the node at that rank needs
    /// (Redis's walk in `zslDeleteRangeByRank`).
    fn rank_path(&self, target: u32) -> [NonNull<Node>; MAX_LEVEL] {
        let mut update = [self.head; MAX_LEVEL];
        let mut x = self.head;
        let mut traversed = 0u32;
        // SAFETY: as in `path`.
        unsafe {
            for i in (0..self.level).rev() {
                while let Some(nx) = next(x, i) {
                    if traversed + span(x, i) >= target {
                        break;
                    }
                    traversed += span(x, i);
                    x = nx;
                }
                update[i] = x;
            }
        }
        update
    }

    /// The element at 0-based `rank`.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        // SAFETY: a live node of `self`, which the result borrows.
        self.node_at(rank).map(|p| unsafe { (member(p), score(p)) })
    }

    /// How many leading elements satisfy `pred`, which must hold for a
    /// prefix of the order (then the answer is exact, in O(log n)).
    pub fn count_while(&self, mut pred: impl FnMut(f64, &[u8]) -> bool) -> usize {
        let mut x = self.head;
        let mut traversed = 0u32;
        // SAFETY: as in `path`; `pred` gets a member borrow that ends
        // with the call (it cannot reach `self` mutably).
        unsafe {
            for i in (0..self.level).rev() {
                while let Some(nx) = next(x, i) {
                    if !pred(score(nx), member(nx)) {
                        break;
                    }
                    traversed += span(x, i);
                    x = nx;
                }
            }
        }
        traversed as usize
    }

    /// Elements from 0-based `rank` on, ascending, or descending if `rev`.
    pub fn iter_from(&self, rank: usize, rev: bool) -> Iter<'_> {
        Iter {
            _sl: PhantomData,
            cur: self.node_at(rank),
            rev,
        }
    }

    /// All elements in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            _sl: PhantomData,
            // SAFETY: the header is live and has level 0.
            cur: unsafe { next(self.head, 0) },
            rev: false,
        }
    }

    /// Removes the elements of 0-based ranks `start..=end` (Redis's
    /// `zslDeleteRangeByRank`); returns how many were removed.
    pub fn remove_range(&mut self, start: usize, end: usize) -> usize {
        if start > end || start >= self.len {
            return 0;
        }
        let (start, end) = (start as u32 + 1, end.min(self.len - 1) as u32 + 1);
        let update = self.rank_path(start);
        let mut removed = 0;
        // SAFETY: `update[0]` is a live node of `self` (the header or a node).
        let mut cur = unsafe { next(update[0], 0) };
        let mut traversed = start;
        while let Some(p) = cur {
            if traversed > end {
                break;
            }
            // SAFETY: `p` is live until `release` below.
            cur = unsafe { next(p, 0) };
            self.unlink(p, &update);
            self.release(p, None);
            removed += 1;
            traversed += 1;
        }
        self.maybe_compact();
        removed
    }

    /// One ZSCAN step from `cursor`: visits slots until about `count`
    /// elements were passed to `f`; returns the next cursor (0: done).
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], f64)) -> u64 {
        let (epoch, slot) = ((cursor >> 32) as u32, cursor as u32 as usize);
        let mut i = if epoch == self.epoch { slot.max(1) } else { 1 };
        let mut found = 0;
        let mut budget = count.saturating_mul(10).max(1);
        while i < self.nodes.len() && found < count && budget > 0 {
            if let Some(p) = self.nodes[i].node() {
                // SAFETY: a live node of `self`, borrowed for the call.
                unsafe { f(member(p), score(p)) };
                found += 1;
            }
            budget -= 1;
            i += 1;
        }
        if i >= self.nodes.len() {
            0
        } else {
            (u64::from(self.epoch) << 32) | i as u64
        }
    }

    /// Renumbers the nodes without free slots once those dominate the
    /// slot vector. Blocks and links stay; slots follow the list order.
    fn maybe_compact(&mut self) {
        if self.nodes.len() <= COMPACT_MIN || self.len * 4 >= self.nodes.len() {
            return;
        }
        let mut nodes = Vec::with_capacity(self.len + 1);
        nodes.push(Slot::live(self.head));
        // SAFETY: the walk visits the live nodes of `self` along level 0.
        unsafe {
            let mut x = next(self.head, 0);
            while let Some(p) = x {
                set_id(p, nodes.len() as u32);
                nodes.push(Slot::live(p));
                x = next(p, 0);
            }
        }
        self.nodes = nodes;
        self.free = 0;
        self.index.rebuild(&self.nodes, self.len);
        self.epoch = self.epoch.wrapping_add(1);
    }

    /// How many times the slot vector was compacted (tests only).
    #[cfg(test)]
    pub fn compactions(&self) -> u32 {
        self.epoch
    }

    /// Checks every structural invariant (tests only).
    #[cfg(test)]
    pub fn check(&self) {
        // SAFETY: every node reached is live: the walks follow links, and
        // `check` asserts the slots they come from.
        unsafe {
            // Level 0: order, backward links, tail, length, slots.
            let mut prev: Link = None;
            let mut x = next(self.head, 0);
            let mut ranks = std::collections::HashMap::new();
            let mut r = 0u32;
            while let Some(p) = x {
                r += 1;
                ranks.insert(p, r);
                assert_eq!(backward(p), prev);
                assert!(height(p) >= 1 && height(p) <= MAX_LEVEL);
                assert!(self.nodes[id(p) as usize] == Slot::live(p), "slot of node");
                if let Some(q) = prev {
                    assert_eq!(
                        cmp_elems((score(q), member(q)), (score(p), member(p))),
                        Ordering::Less
                    );
                }
                prev = x;
                x = next(p, 0);
            }
            assert_eq!(self.tail, prev);
            assert_eq!(r as usize, self.len);
            // Slots: the header, the live nodes, and a free chain of the rest.
            assert!(self.nodes[0] == Slot::live(self.head));
            let live = self.nodes.iter().filter(|s| !s.is_free()).count();
            assert_eq!(live, self.len + 1);
            let mut free = 0;
            let mut f = self.free;
            while f != 0 {
                assert!(self.nodes[f as usize].is_free());
                f = self.nodes[f as usize].next_free();
                free += 1;
                assert!(free <= self.nodes.len());
            }
            assert_eq!(free + live, self.nodes.len());
            // Every level: spans equal rank differences; the header's
            // links above the level in use are empty.
            for l in 0..MAX_LEVEL {
                if l >= self.level {
                    assert_eq!(next(self.head, l), None, "level {l}");
                    continue;
                }
                let mut x = self.head;
                let mut xr = 0u32;
                loop {
                    let Some(nx) = next(x, l) else {
                        assert_eq!(span(x, l), self.len as u32 - xr, "level {l}");
                        break;
                    };
                    assert!(height(nx) > l);
                    let nr = ranks[&nx];
                    assert_eq!(span(x, l), nr - xr, "level {l}");
                    x = nx;
                    xr = nr;
                }
            }
            // The index finds every member.
            assert_eq!(self.index.len, self.len);
            for &p in ranks.keys() {
                assert_eq!(self.find(member(p)), Some(p));
            }
        }
    }
}

/// Iterator over a [`SkipList`] from some node, in either direction.
pub struct Iter<'a> {
    /// The list stays borrowed shared while its nodes are visited.
    _sl: PhantomData<&'a SkipList>,
    cur: Link,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        let p = self.cur?;
        // SAFETY: `p` is a live node of the list, which stays borrowed
        // shared (so unchanged) for `'a`, the lifetime of the member.
        unsafe {
            self.cur = if self.rev { backward(p) } else { next(p, 0) };
            Some((member(p), score(p)))
        }
    }
}

/// A short run of every operation, small enough for Miri
/// (scripts/miri-skiplist.sh runs this module alone under it; the
/// property tests are in tests.rs).
#[cfg(test)]
mod tests {
    use super::SkipList;

    fn m(i: u32) -> Vec<u8> {
        format!("m{i}").into_bytes()
    }

    /// A list built against `from_sorted`'s contract (out of order) stops
    /// with a panic when a removal's path misses the node, instead of
    /// freeing a node that is still linked.
    #[test]
    #[should_panic(expected = "skiplist path does not lead to the node")]
    fn broken_order_panics_instead_of_freeing_a_linked_node() {
        let items = [(&b"b"[..], 1.0), (b"a", 1.0), (b"c", 1.0)];
        let mut sl = SkipList::from_sorted(items.into_iter());
        sl.remove(b"a");
    }

    /// Equal members inserted against `insert`'s contract: the second
    /// sorts before the first, so removing the indexed one finds a path to
    /// its twin, and the removal stops there rather than free a node
    /// still linked.
    #[test]
    #[should_panic(expected = "skiplist path does not lead to the node")]
    fn duplicate_members_panic_instead_of_freeing_a_linked_node() {
        let mut sl = SkipList::new();
        for m in [&b"a"[..], b"a", b"b"] {
            sl.insert(m, 1.0);
        }
        sl.remove(b"a");
    }

    /// Every public operation, compaction, clone and drop, with check().
    #[test]
    fn all_operations() {
        let mut sl = SkipList::new();
        for i in 0..1200u32 {
            sl.insert(&m(i), f64::from(i % 37));
        }
        sl.check();
        for i in (0..1200u32).step_by(5) {
            sl.update(&m(i), f64::from(i % 11) + 0.5);
        }
        // In-place updates (same order).
        for i in (1..1200u32).step_by(97) {
            let s = sl.score(&m(i)).unwrap();
            sl.update(&m(i), s);
        }
        sl.check();
        let c = sl.clone();
        c.check();
        assert!(c.iter().eq(sl.iter()));
        let mut cursor = 0;
        let mut seen = 0;
        let mut removed = false;
        loop {
            cursor = sl.scan(cursor, 100, |_, _| seen += 1);
            if seen > 300 && !removed {
                removed = true;
                // Removals compact the slot vector mid-scan.
                sl.remove_range(10, 1000);
                sl.check();
            }
            if cursor == 0 {
                break;
            }
        }
        assert!(seen >= 1200 - 991, "{seen}");
        assert!(sl.compactions() > 0);
        for i in 0..40u32 {
            sl.remove(&m(i * 3));
            sl.remove_rank((i as usize * 7) % (sl.len().max(1)));
        }
        sl.check();
        let (r, s) = sl.rank(sl.get(5).unwrap().0).unwrap();
        assert_eq!(r, 5);
        assert_eq!(sl.get(5).unwrap().1, s);
        assert!(sl.iter_from(3, true).count() == 4);
        let below = sl.iter().take_while(|&(_, s)| s < 3.0).count();
        assert!(below > 0);
        assert_eq!(sl.count_while(|s, _| s < 3.0), below);
        assert!(sl.mem_usage(0) > sl.len() * super::LEVELS);
        let items: Vec<(Vec<u8>, f64)> = sl.iter().map(|(m, s)| (m.to_vec(), s)).collect();
        let again = SkipList::from_sorted(items.iter().map(|(m, s)| (&m[..], *s)));
        again.check();
        let c2 = again.clone();
        drop(again);
        c2.check();
        assert!(c2.iter().eq(sl.iter()));
        drop(c);
        while sl.remove_rank(0).is_some() {}
        sl.check();
        sl.insert(b"", 1.0);
        sl.check();
    }
}
