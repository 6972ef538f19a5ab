//! List: the value behind a Redis list, a quicklist as in Redis 7.0.
//!
//! The elements live in a sequence of [`Listpack`] nodes, each bounded by
//! `list-max-listpack-size` (negative: a byte budget of 4..64 KB; positive:
//! an entry count, with an 8 KB safety cap), so a push or pop at either end
//! touches one small node and no element costs an allocation of its own.
//!
//! A list of one node (most lists) keeps it inline; a longer list keeps its
//! nodes in a boxed deque with the total length, so LLEN is O(1), both
//! ends are O(1) amortized, and the value is no larger than a string's.
//! A position is found by walking node lengths from the nearer end, then
//! entries inside one node, whose size is bounded.
//!
//! With `list-compress-depth` N > 0, the nodes more than N from either
//! end are kept LZF-compressed where that pays ([`node`]), as Redis does:
//! a change decompresses the node it touches, and [`List::settle`] puts
//! the layout back afterwards. Reads of a compressed node decompress a
//! copy and leave the node as it was, so reads stay `&self`; their
//! elements come as [`Cow`]s, borrowed from plain nodes. At depth 0 the
//! only extra work is that one test of the depth.
//!
//! Invariants: no node is empty (an empty list is one empty inline node);
//! every node is within the limit unless it holds a single element; the
//! deque form holds at least two nodes.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ops::Range;

use super::listpack::{self, Listpack};
use node::Node;

mod node;

/// Node byte budgets for `list-max-listpack-size` -1..-5 (Redis's
/// `optimization_level`).
const SIZE_LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];

/// Byte cap of a node when the limit is an entry count (Redis's
/// `SIZE_SAFETY_LIMIT`).
const SIZE_SAFETY_LIMIT: usize = 8192;

/// Largest entry count per node (Redis's `FILL_MAX`).
const FILL_MAX: i64 = (1 << 15) - 1;

/// How large a node may grow.
#[derive(Debug, Clone, Copy)]
struct Limit {
    bytes: usize,
    count: usize,
}

impl Limit {
    /// The limit for a `list-max-listpack-size` value, clamped as Redis's
    /// `quicklistSetFill` does (0 allows one entry per node).
    fn new(fill: i64) -> Limit {
        let fill = fill.clamp(-5, FILL_MAX);
        if fill < 0 {
            Limit {
                bytes: SIZE_LEVELS[(-fill - 1) as usize],
                count: usize::MAX,
            }
        } else {
            Limit {
                bytes: SIZE_SAFETY_LIMIT,
                count: (fill as usize).max(1),
            }
        }
    }

    /// Whether a node of `bytes` packed bytes and `count` entries is
    /// acceptable. A single element always is, whatever its size.
    fn allows(self, bytes: usize, count: usize) -> bool {
        count <= 1 || (bytes <= self.bytes && count <= self.count)
    }

    /// Whether `node` can take one more entry `v`.
    fn fits(self, node: &Listpack, v: &[u8]) -> bool {
        self.allows(node.bytes() + entry_size(v), node.len() + 1)
    }
}

/// Bytes an entry takes in a listpack: LEB128 length, then the data.
fn entry_size(v: &[u8]) -> usize {
    let bits = usize::BITS - v.len().leading_zeros();
    (bits.max(1) as usize).div_ceil(7) + v.len()
}

/// How a list lays out its nodes: `list-max-listpack-size` (`fill`) and
/// `list-compress-depth` (`depth`). Every change takes the current one,
/// so CONFIG SET applies to existing lists from their next change (Redis
/// fixes both when it creates a list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Node size: positive = entries, -1..-5 = 4..64 KB.
    pub fill: i64,
    /// Nodes at each end left uncompressed; 0 compresses nothing.
    pub depth: usize,
}

impl Default for Shape {
    /// Redis's defaults: 8 KB nodes, no compression.
    fn default() -> Shape {
        Shape { fill: -2, depth: 0 }
    }
}

/// Largest compression depth (Redis's `COMPRESS_MAX`).
const COMPRESS_MAX: usize = (1 << 16) - 1;

/// A Redis list.
#[derive(Debug, Clone, Default)]
pub struct List {
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    /// Zero or one node, inline (never compressed: a list needs more than
    /// two nodes to have an interior).
    One(Listpack),
    /// Two nodes or more.
    Many(Box<Nodes>),
}

impl Default for Repr {
    fn default() -> Repr {
        Repr::One(Listpack::new())
    }
}

#[derive(Debug, Clone)]
struct Nodes {
    deque: VecDeque<Node>,
    /// Total entries over all nodes.
    len: usize,
}

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The head (LEFT).
    Left,
    /// The tail (RIGHT).
    Right,
}

// ---------------------------------------------------------------------------
// Node bookkeeping: the only code that touches the representation
// ---------------------------------------------------------------------------

impl List {
    /// Number of nodes.
    fn node_count(&self) -> usize {
        match &self.repr {
            Repr::One(lp) => usize::from(!lp.is_empty()),
            Repr::Many(n) => n.deque.len(),
        }
    }

    /// The quicklist's nodes in order (none for an empty list),
    /// decompressed, for DEBUG OBJECT and `serializedlength`.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = Cow<'_, Listpack>> {
        (0..self.node_count()).map(|i| self.unpacked(i))
    }

    /// How many nodes are compressed.
    pub fn compressed_nodes(&self) -> usize {
        match &self.repr {
            Repr::One(_) => 0,
            Repr::Many(n) => n.deque.iter().filter(|n| n.is_compressed()).count(),
        }
    }

    /// Heap bytes (MEMORY USAGE): the node array and the nodes (a
    /// compressed node by its compressed size); with `samples > 0`, that
    /// many nodes are measured and the average scaled to all of them.
    pub fn mem_usage(&self, samples: usize) -> usize {
        let n = match &self.repr {
            Repr::One(lp) => return lp.capacity(),
            Repr::Many(n) => n,
        };
        let count = n.deque.len();
        let spine = std::mem::size_of::<Nodes>() + n.deque.capacity() * std::mem::size_of::<Node>();
        let take = if samples == 0 {
            count
        } else {
            samples.min(count)
        };
        let measured: usize = n.deque.iter().take(take).map(Node::capacity).sum();
        spine + measured * count / take.max(1)
    }

    /// Entries in node `k`.
    fn node_len(&self, k: usize) -> usize {
        match &self.repr {
            Repr::One(lp) => lp.len(),
            Repr::Many(n) => n.deque[k].len(),
        }
    }

    /// Entry bytes of node `k`.
    fn node_bytes(&self, k: usize) -> usize {
        match &self.repr {
            Repr::One(lp) => lp.bytes(),
            Repr::Many(n) => n.deque[k].bytes(),
        }
    }

    /// Whether node `k` can take one more entry `v` under `lim`.
    fn fits(&self, k: usize, lim: Limit, v: &[u8]) -> bool {
        lim.allows(self.node_bytes(k) + entry_size(v), self.node_len(k) + 1)
    }

    /// Node `k` (`k < node_count()`, or 0 for the empty list) for reading,
    /// decompressed into a copy if it is compressed.
    fn unpacked(&self, k: usize) -> Cow<'_, Listpack> {
        match &self.repr {
            Repr::One(lp) => Cow::Borrowed(lp),
            Repr::Many(n) => n.deque[k].unpacked(),
        }
    }

    /// Node `k`, decompressed in place (the change that follows ends with
    /// [`List::settle`]).
    fn plain(&mut self, k: usize) -> &Listpack {
        match &mut self.repr {
            Repr::One(lp) => lp,
            Repr::Many(n) => n.deque[k].plain(),
        }
    }

    /// Runs `f` on node `k`, decompressed, keeping the total length in
    /// step. The caller removes the node if `f` emptied it.
    fn edit<R>(&mut self, k: usize, f: impl FnOnce(&mut Listpack) -> R) -> R {
        match &mut self.repr {
            Repr::One(lp) => {
                let r = f(lp);
                tidy(lp);
                r
            }
            Repr::Many(n) => {
                let lp = n.deque[k].plain_mut();
                let before = lp.len();
                let r = f(lp);
                tidy(lp);
                n.len = n.len + lp.len() - before;
                r
            }
        }
    }

    /// Inserts `lp` (not empty) as node `i`.
    fn insert_node(&mut self, i: usize, lp: Listpack) {
        match &mut self.repr {
            Repr::One(cur) if cur.is_empty() => *cur = lp,
            Repr::One(cur) => {
                let first = std::mem::take(cur);
                let len = first.len() + lp.len();
                let mut deque = VecDeque::with_capacity(4);
                deque.push_back(Node::raw(first));
                deque.insert(i, Node::raw(lp));
                self.repr = Repr::Many(Box::new(Nodes { deque, len }));
            }
            Repr::Many(n) => {
                n.len += lp.len();
                n.deque.insert(i, Node::raw(lp));
            }
        }
    }

    /// Removes node `i` and returns it; a deque left with one node goes
    /// back inline.
    fn remove_node(&mut self, i: usize) -> Node {
        match &mut self.repr {
            Repr::One(lp) => Node::raw(std::mem::take(lp)),
            Repr::Many(n) => {
                let node = n
                    .deque
                    .remove(i)
                    .unwrap_or_else(|| Node::raw(Listpack::new()));
                n.len -= node.len();
                if n.deque.len() == 1 {
                    let last = n.deque.pop_front().map(Node::into_listpack);
                    self.repr = Repr::One(last.unwrap_or_default());
                } else if n.deque.capacity() > 64 && n.deque.len() * 4 < n.deque.capacity() {
                    let keep = n.deque.len() * 2;
                    n.deque.shrink_to(keep);
                }
                node
            }
        }
    }

    /// Removes node `i` if it is empty; returns whether it did.
    fn prune(&mut self, i: usize) -> bool {
        let empty = self.node_len(i) == 0;
        if empty {
            self.remove_node(i);
        }
        empty
    }

    /// Node and offset of element `i` (`i < len`), walking from the
    /// nearer end.
    fn locate(&self, i: usize) -> (usize, usize) {
        let nodes = self.node_count();
        if i < self.len() / 2 {
            let mut i = i;
            for k in 0..nodes {
                let n = self.node_len(k);
                if i < n {
                    return (k, i);
                }
                i -= n;
            }
        } else {
            // Element i is the `back`-th from the end (1-based).
            let mut back = self.len() - i;
            for k in (0..nodes).rev() {
                let n = self.node_len(k);
                if back <= n {
                    return (k, n - back);
                }
                back -= n;
            }
        }
        unreachable!("index {i} within the length {}", self.len())
    }

    /// Splits node `k` if it outgrew `lim`: in halves when both fit (so
    /// later inserts find room), otherwise greedily (an oversized element
    /// ends up alone). Returns how many nodes it became.
    fn rebalance(&mut self, k: usize, lim: Limit) -> usize {
        let node = self.plain(k);
        if lim.allows(node.bytes(), node.len()) {
            return 1;
        }
        let mid = node.len() / 2;
        let head_bytes: usize = node.iter().take(mid).map(entry_size).sum();
        let pieces: Vec<Listpack> = if lim.allows(head_bytes, mid)
            && lim.allows(node.bytes() - head_bytes, node.len() - mid)
        {
            vec![pack(node.iter().take(mid)), pack(node.iter().skip(mid))]
        } else {
            let mut pieces = Vec::new();
            let mut cur = Listpack::new();
            for e in node.iter() {
                if !cur.is_empty() && !lim.fits(&cur, e) {
                    pieces.push(std::mem::take(&mut cur));
                }
                cur.push_back(e);
            }
            pieces.push(cur);
            pieces
        };
        let count = pieces.len();
        self.remove_node(k);
        for (j, p) in pieces.into_iter().enumerate() {
            self.insert_node(k + j, p);
        }
        count
    }

    /// Appends node `k + 1` to node `k` if together they fit `lim`;
    /// returns whether it merged.
    fn try_merge(&mut self, k: usize, lim: Limit) -> bool {
        if k + 1 >= self.node_count() {
            return false;
        }
        let bytes = self.node_bytes(k) + self.node_bytes(k + 1);
        if !lim.allows(bytes, self.node_len(k) + self.node_len(k + 1)) {
            return false;
        }
        let next = self.remove_node(k + 1).into_listpack();
        self.edit(k, |lp| {
            for e in next.iter() {
                lp.push_back(e);
            }
        });
        true
    }

    /// Merges every pair of neighbouring nodes that fits together, after
    /// deletions may have left small nodes behind.
    fn compact(&mut self, lim: Limit) {
        let mut k = 0;
        while k + 1 < self.node_count() {
            if !self.try_merge(k, lim) {
                k += 1;
            }
        }
    }

    /// Restores the compression layout after a change, as Redis's
    /// `__quicklistCompress` does: with at least `2 * depth` nodes, the
    /// `depth` nodes at each end are plain, and the first node inside
    /// them at each end, and the nodes in `touched` that lie inside, are
    /// compressed where that pays. Nothing to do at depth 0.
    #[inline]
    fn settle(&mut self, depth: usize, touched: Range<usize>) {
        if depth == 0 {
            return;
        }
        let Repr::Many(n) = &mut self.repr else {
            return;
        };
        let depth = depth.min(COMPRESS_MAX);
        let count = n.deque.len();
        if count < 2 * depth {
            return;
        }
        for d in 0..depth {
            n.deque[d].decompress();
            n.deque[count - 1 - d].decompress();
        }
        if count == 2 * depth {
            return;
        }
        n.deque[depth].compress();
        n.deque[count - 1 - depth].compress();
        for k in touched.start.max(depth + 1)..touched.end.min(count - 1 - depth) {
            n.deque[k].compress();
        }
    }
}

/// Frees spare capacity once a node has shrunk well below it, so a list
/// that was long and is now short does not keep its old buffers.
fn tidy(lp: &mut Listpack) {
    if lp.capacity() > 64 && lp.bytes() * 4 < lp.capacity() {
        lp.shrink_to_fit();
    }
}

/// A new listpack holding `items`.
fn pack<'a>(items: impl IntoIterator<Item = &'a [u8]>) -> Listpack {
    let mut lp = Listpack::new();
    for e in items {
        lp.push_back(e);
    }
    lp
}

// ---------------------------------------------------------------------------
// The list API
// ---------------------------------------------------------------------------

impl List {
    /// An empty list.
    pub fn new() -> List {
        List::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::One(lp) => lp.len(),
            Repr::Many(n) => n.len,
        }
    }

    /// Whether it is empty (an empty list is never stored).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name: Redis 7.0 reports every list as a
    /// quicklist (listpack-encoded lists arrived in 7.2).
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Adds `v` at `end`.
    pub fn push(&mut self, end: End, v: &[u8], shape: Shape) {
        match end {
            End::Left => self.push_front(v, shape),
            End::Right => self.push_back(v, shape),
        }
    }

    /// Adds `v` at the head.
    pub fn push_front(&mut self, v: &[u8], shape: Shape) {
        let lim = Limit::new(shape.fill);
        if self.node_count() > 0 && self.fits(0, lim, v) {
            self.edit(0, |lp| lp.push_front(v));
        } else {
            self.insert_node(0, pack([v]));
        }
        self.settle(shape.depth, 0..0);
    }

    /// Adds `v` at the tail.
    pub fn push_back(&mut self, v: &[u8], shape: Shape) {
        let lim = Limit::new(shape.fill);
        let n = self.node_count();
        if n > 0 && self.fits(n - 1, lim, v) {
            self.edit(n - 1, |lp| lp.push_back(v));
        } else {
            self.insert_node(n, pack([v]));
        }
        self.settle(shape.depth, 0..0);
    }

    /// Removes up to `n` elements from `end`, showing each to `f` in pop
    /// order (from the end inwards). Returns how many were removed.
    pub fn pop_n(&mut self, end: End, n: usize, shape: Shape, mut f: impl FnMut(&[u8])) -> usize {
        let total = n.min(self.len());
        let mut left = total;
        while left > 0 {
            let k = match end {
                End::Left => 0,
                End::Right => self.node_count() - 1,
            };
            let node = self.plain(k);
            let take = left.min(node.len());
            let start = match end {
                End::Left => {
                    node.iter().take(take).for_each(&mut f);
                    0
                }
                End::Right => {
                    let start = node.len() - take;
                    if take == 1 {
                        node.get(start).into_iter().for_each(&mut f);
                    } else {
                        // Listpacks walk forwards only: gather, then reverse.
                        let tail: Vec<&[u8]> = node.iter().skip(start).collect();
                        tail.into_iter().rev().for_each(&mut f);
                    }
                    start
                }
            };
            if take == node.len() {
                self.remove_node(k);
            } else {
                self.edit(k, |lp| lp.remove_range(start, take));
            }
            left -= take;
        }
        self.settle(shape.depth, 0..0);
        total
    }

    /// Removes and returns the element at `end`.
    pub fn pop(&mut self, end: End, shape: Shape) -> Option<Vec<u8>> {
        let mut out = None;
        self.pop_n(end, 1, shape, |e| out = Some(e.to_vec()));
        out
    }

    /// The element at `i` (0-based from the head); a copy if its node is
    /// compressed.
    pub fn get(&self, i: usize) -> Option<Cow<'_, [u8]>> {
        if i >= self.len() {
            return None;
        }
        let (k, off) = self.locate(i);
        match self.unpacked(k) {
            Cow::Borrowed(lp) => lp.get(off).map(Cow::Borrowed),
            Cow::Owned(lp) => lp.get(off).map(|e| Cow::Owned(e.to_vec())),
        }
    }

    /// Replaces the element at `i`; false if `i` is out of range.
    pub fn set(&mut self, i: usize, v: &[u8], shape: Shape) -> bool {
        if i >= self.len() {
            return false;
        }
        let (k, off) = self.locate(i);
        self.edit(k, |lp| lp.replace(off, v));
        let pieces = self.rebalance(k, Limit::new(shape.fill));
        self.settle(shape.depth, k..k + pieces);
        true
    }

    /// Inserts `v` before position `i` (`i >= len` appends).
    pub fn insert(&mut self, i: usize, v: &[u8], shape: Shape) {
        if i == 0 {
            return self.push_front(v, shape);
        }
        if i >= self.len() {
            return self.push_back(v, shape);
        }
        let lim = Limit::new(shape.fill);
        let (k, off) = self.locate(i);
        // Before a node's first entry is also after the previous node's
        // last one: appending there is cheaper, if it has room.
        if off == 0 && k > 0 && self.fits(k - 1, lim, v) {
            self.edit(k - 1, |lp| lp.push_back(v));
            self.settle(shape.depth, k - 1..k);
            return;
        }
        self.edit(k, |lp| lp.insert(off, v));
        let pieces = self.rebalance(k, lim);
        self.settle(shape.depth, k..k + pieces);
    }

    /// Removes `count` elements starting at `start`.
    pub fn remove_range(&mut self, start: usize, count: usize, shape: Shape) {
        let count = count.min(self.len().saturating_sub(start));
        if count == 0 {
            return;
        }
        let (k0, off0) = self.locate(start);
        let (mut k, mut off, mut left) = (k0, off0, count);
        while left > 0 {
            let n = self.node_len(k);
            let take = left.min(n - off);
            if take == n {
                self.remove_node(k);
            } else {
                self.edit(k, |lp| lp.remove_range(off, take));
                k += 1;
            }
            left -= take;
            off = 0;
        }
        // The nodes on either side of the cut may now fit in one.
        let before = if off0 > 0 {
            Some(k0)
        } else {
            k0.checked_sub(1)
        };
        if let Some(j) = before {
            self.try_merge(j, Limit::new(shape.fill));
        }
        // Changed: at most the nodes either side of the cut.
        self.settle(shape.depth, k0.saturating_sub(1)..k0 + 2);
    }

    /// Keeps only the `keep` elements starting at `start` (LTRIM).
    pub fn retain_range(&mut self, start: usize, keep: usize, shape: Shape) {
        let end = start.saturating_add(keep).min(self.len());
        self.remove_range(end, self.len() - end, shape);
        self.remove_range(0, start.min(self.len()), shape);
    }

    /// Removes elements equal to `v` (LREM): the first `count` from the
    /// head when `count > 0`, the last `-count` from the tail when
    /// `count < 0`, all when 0. Returns how many were removed. A
    /// compressed node is only decompressed for good if it changes.
    pub fn remove_matching(&mut self, v: &[u8], count: i64, shape: Shape) -> usize {
        let limit = if count == 0 {
            usize::MAX
        } else {
            usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX)
        };
        let from_tail = count < 0;
        let mut removed = 0;
        let mut k = if from_tail { self.node_count() } else { 0 };
        while removed < limit {
            if from_tail {
                if k == 0 {
                    break;
                }
                k -= 1;
            } else if k >= self.node_count() {
                break;
            }
            let node = self.unpacked(k);
            let mut hits: Vec<usize> = (0..node.len())
                .zip(node.iter())
                .filter(|(_, e)| *e == v)
                .map(|(i, _)| i)
                .collect();
            let want = limit - removed;
            if hits.len() > want {
                if from_tail {
                    hits.drain(..hits.len() - want);
                } else {
                    hits.truncate(want);
                }
            }
            if hits.is_empty() {
                k += usize::from(!from_tail);
                continue;
            }
            removed += hits.len();
            let mut skip = hits.into_iter().peekable();
            let kept = pack(
                (0..node.len())
                    .zip(node.iter())
                    .filter(|(i, _)| skip.next_if_eq(i).is_none())
                    .map(|(_, e)| e),
            );
            drop(node);
            self.edit(k, |lp| *lp = kept);
            if !self.prune(k) && !from_tail {
                k += 1;
            }
        }
        if removed > 0 {
            self.compact(Limit::new(shape.fill));
            self.settle(shape.depth, 0..self.node_count());
        }
        removed
    }

    /// Position of the first element equal to `v`.
    pub fn position(&self, v: &[u8]) -> Option<usize> {
        self.iter().position(|e| *e == *v)
    }

    /// Iterates over all elements, head to tail.
    pub fn iter(&self) -> Iter<'_> {
        self.range(0, self.len())
    }

    /// Iterates over `n` elements from `start` (clamped to the list).
    pub fn range(&self, start: usize, n: usize) -> Iter<'_> {
        let left = n.min(self.len().saturating_sub(start));
        let (node, skip) = if left == 0 {
            (0, 0)
        } else {
            self.locate(start)
        };
        let mut cur = Cursor::new(self.unpacked(node));
        for _ in 0..skip {
            cur.next();
        }
        Iter {
            list: self,
            node,
            cur,
            left,
        }
    }

    /// Iterates over all elements, tail to head.
    pub fn iter_rev(&self) -> RevIter<'_> {
        RevIter {
            list: self,
            nodes_left: self.node_count(),
            buf: Vec::new(),
        }
    }
}

/// The entries of one node: borrowed from a plain node, copied out of a
/// compressed one.
enum Cursor<'a> {
    Plain(listpack::Iter<'a>),
    Unpacked(std::vec::IntoIter<Vec<u8>>),
}

impl<'a> Cursor<'a> {
    fn new(node: Cow<'a, Listpack>) -> Cursor<'a> {
        match node {
            Cow::Borrowed(lp) => Cursor::Plain(lp.iter()),
            Cow::Owned(lp) => {
                let entries: Vec<Vec<u8>> = lp.iter().map(<[u8]>::to_vec).collect();
                Cursor::Unpacked(entries.into_iter())
            }
        }
    }

    fn next(&mut self) -> Option<Cow<'a, [u8]>> {
        match self {
            Cursor::Plain(it) => it.next().map(Cow::Borrowed),
            Cursor::Unpacked(it) => it.next().map(Cow::Owned),
        }
    }
}

/// Iterator over a range of a [`List`], head to tail. Elements of
/// compressed nodes come as copies.
pub struct Iter<'a> {
    list: &'a List,
    node: usize,
    cur: Cursor<'a>,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Cow<'a, [u8]>;

    fn next(&mut self) -> Option<Cow<'a, [u8]>> {
        if self.left == 0 {
            return None;
        }
        loop {
            if let Some(e) = self.cur.next() {
                self.left -= 1;
                return Some(e);
            }
            self.node += 1;
            self.cur = Cursor::new(self.list.unpacked(self.node));
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Iterator over a [`List`], tail to head. Listpacks only walk forwards,
/// so each node's entries are gathered once, then handed out in reverse.
pub struct RevIter<'a> {
    list: &'a List,
    nodes_left: usize,
    buf: Vec<Cow<'a, [u8]>>,
}

impl<'a> Iterator for RevIter<'a> {
    type Item = Cow<'a, [u8]>;

    fn next(&mut self) -> Option<Cow<'a, [u8]>> {
        loop {
            if let Some(e) = self.buf.pop() {
                return Some(e);
            }
            if self.nodes_left == 0 {
                return None;
            }
            self.nodes_left -= 1;
            let mut cur = Cursor::new(self.list.unpacked(self.nodes_left));
            while let Some(e) = cur.next() {
                self.buf.push(e);
            }
        }
    }
}

#[cfg(test)]
mod tests;
