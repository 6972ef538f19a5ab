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
//! Invariants: no node is empty (an empty list is one empty inline node);
//! every node is within the limit unless it holds a single element; the
//! deque form holds at least two nodes.

use std::collections::VecDeque;

use super::listpack::{self, Listpack};

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

/// A Redis list.
#[derive(Debug, Clone, Default)]
pub struct List {
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    /// Zero or one node, inline.
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
    deque: VecDeque<Listpack>,
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

    /// The quicklist's nodes in order (none for an empty list), for
    /// MEMORY USAGE and DEBUG OBJECT.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Listpack> {
        (0..self.node_count()).map(|i| self.node(i))
    }

    /// Heap bytes (MEMORY USAGE): the node array and the nodes; with
    /// `samples > 0`, that many nodes are measured and the average scaled
    /// to all of them.
    pub fn mem_usage(&self, samples: usize) -> usize {
        let (count, spine) = match &self.repr {
            Repr::One(lp) => return lp.capacity(),
            Repr::Many(n) => (
                n.deque.len(),
                std::mem::size_of::<Nodes>() + n.deque.capacity() * std::mem::size_of::<Listpack>(),
            ),
        };
        let take = if samples == 0 {
            count
        } else {
            samples.min(count)
        };
        let measured: usize = self.nodes().take(take).map(Listpack::capacity).sum();
        spine + measured * count / take.max(1)
    }

    /// Node `i` (`i < node_count()`, or 0 for the empty list).
    fn node(&self, i: usize) -> &Listpack {
        match &self.repr {
            Repr::One(lp) => lp,
            Repr::Many(n) => &n.deque[i],
        }
    }

    /// Runs `f` on node `i`, keeping the total length in step. The caller
    /// removes the node if `f` emptied it.
    fn edit<R>(&mut self, i: usize, f: impl FnOnce(&mut Listpack) -> R) -> R {
        match &mut self.repr {
            Repr::One(lp) => {
                let r = f(lp);
                tidy(lp);
                r
            }
            Repr::Many(n) => {
                let lp = &mut n.deque[i];
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
                deque.push_back(first);
                deque.insert(i, lp);
                self.repr = Repr::Many(Box::new(Nodes { deque, len }));
            }
            Repr::Many(n) => {
                n.len += lp.len();
                n.deque.insert(i, lp);
            }
        }
    }

    /// Removes node `i` and returns it; a deque left with one node goes
    /// back inline.
    fn remove_node(&mut self, i: usize) -> Listpack {
        match &mut self.repr {
            Repr::One(lp) => std::mem::take(lp),
            Repr::Many(n) => {
                let lp = n.deque.remove(i).unwrap_or_default();
                n.len -= lp.len();
                if n.deque.len() == 1 {
                    let last = n.deque.pop_front().unwrap_or_default();
                    self.repr = Repr::One(last);
                } else if n.deque.capacity() > 64 && n.deque.len() * 4 < n.deque.capacity() {
                    let keep = n.deque.len() * 2;
                    n.deque.shrink_to(keep);
                }
                lp
            }
        }
    }

    /// Removes node `i` if it is empty; returns whether it did.
    fn prune(&mut self, i: usize) -> bool {
        let empty = self.node(i).is_empty();
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
                let n = self.node(k).len();
                if i < n {
                    return (k, i);
                }
                i -= n;
            }
        } else {
            // Element i is the `back`-th from the end (1-based).
            let mut back = self.len() - i;
            for k in (0..nodes).rev() {
                let n = self.node(k).len();
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
    /// ends up alone).
    fn rebalance(&mut self, k: usize, lim: Limit) {
        let node = self.node(k);
        if lim.allows(node.bytes(), node.len()) {
            return;
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
        self.remove_node(k);
        for (j, p) in pieces.into_iter().enumerate() {
            self.insert_node(k + j, p);
        }
    }

    /// Appends node `k + 1` to node `k` if together they fit `lim`;
    /// returns whether it merged.
    fn try_merge(&mut self, k: usize, lim: Limit) -> bool {
        if k + 1 >= self.node_count() {
            return false;
        }
        let (a, b) = (self.node(k), self.node(k + 1));
        if !lim.allows(a.bytes() + b.bytes(), a.len() + b.len()) {
            return false;
        }
        let next = self.remove_node(k + 1);
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

    /// Adds `v` at `end`; `fill` is `list-max-listpack-size`.
    pub fn push(&mut self, end: End, v: &[u8], fill: i64) {
        match end {
            End::Left => self.push_front(v, fill),
            End::Right => self.push_back(v, fill),
        }
    }

    /// Adds `v` at the head.
    pub fn push_front(&mut self, v: &[u8], fill: i64) {
        let lim = Limit::new(fill);
        if self.node_count() > 0 && lim.fits(self.node(0), v) {
            self.edit(0, |lp| lp.push_front(v));
        } else {
            self.insert_node(0, pack([v]));
        }
    }

    /// Adds `v` at the tail.
    pub fn push_back(&mut self, v: &[u8], fill: i64) {
        let lim = Limit::new(fill);
        let n = self.node_count();
        if n > 0 && lim.fits(self.node(n - 1), v) {
            self.edit(n - 1, |lp| lp.push_back(v));
        } else {
            self.insert_node(n, pack([v]));
        }
    }

    /// Removes up to `n` elements from `end`, showing each to `f` in pop
    /// order (from the end inwards). Returns how many were removed.
    pub fn pop_n(&mut self, end: End, n: usize, mut f: impl FnMut(&[u8])) -> usize {
        let total = n.min(self.len());
        let mut left = total;
        while left > 0 {
            let k = match end {
                End::Left => 0,
                End::Right => self.node_count() - 1,
            };
            let node = self.node(k);
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
        total
    }

    /// Removes and returns the element at `end`.
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        let mut out = None;
        self.pop_n(end, 1, |e| out = Some(e.to_vec()));
        out
    }

    /// The element at `i` (0-based from the head).
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        if i >= self.len() {
            return None;
        }
        let (k, off) = self.locate(i);
        self.node(k).get(off)
    }

    /// Replaces the element at `i`; false if `i` is out of range.
    pub fn set(&mut self, i: usize, v: &[u8], fill: i64) -> bool {
        if i >= self.len() {
            return false;
        }
        let (k, off) = self.locate(i);
        self.edit(k, |lp| lp.replace(off, v));
        self.rebalance(k, Limit::new(fill));
        true
    }

    /// Inserts `v` before position `i` (`i >= len` appends).
    pub fn insert(&mut self, i: usize, v: &[u8], fill: i64) {
        if i == 0 {
            return self.push_front(v, fill);
        }
        if i >= self.len() {
            return self.push_back(v, fill);
        }
        let lim = Limit::new(fill);
        let (k, off) = self.locate(i);
        // Before a node's first entry is also after the previous node's
        // last one: appending there is cheaper, if it has room.
        if off == 0 && k > 0 && lim.fits(self.node(k - 1), v) {
            self.edit(k - 1, |lp| lp.push_back(v));
            return;
        }
        self.edit(k, |lp| lp.insert(off, v));
        self.rebalance(k, lim);
    }

    /// Removes `count` elements starting at `start`.
    pub fn remove_range(&mut self, start: usize, count: usize, fill: i64) {
        let count = count.min(self.len().saturating_sub(start));
        if count == 0 {
            return;
        }
        let (k0, off0) = self.locate(start);
        let (mut k, mut off, mut left) = (k0, off0, count);
        while left > 0 {
            let n = self.node(k).len();
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
            self.try_merge(j, Limit::new(fill));
        }
    }

    /// Keeps only the `keep` elements starting at `start` (LTRIM).
    pub fn retain_range(&mut self, start: usize, keep: usize, fill: i64) {
        let end = start.saturating_add(keep).min(self.len());
        self.remove_range(end, self.len() - end, fill);
        self.remove_range(0, start.min(self.len()), fill);
    }

    /// Removes elements equal to `v` (LREM): the first `count` from the
    /// head when `count > 0`, the last `-count` from the tail when
    /// `count < 0`, all when 0. Returns how many were removed.
    pub fn remove_matching(&mut self, v: &[u8], count: i64, fill: i64) -> usize {
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
            let node = self.node(k);
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
            self.edit(k, |lp| *lp = kept);
            if !self.prune(k) && !from_tail {
                k += 1;
            }
        }
        if removed > 0 {
            self.compact(Limit::new(fill));
        }
        removed
    }

    /// Position of the first element equal to `v`.
    pub fn position(&self, v: &[u8]) -> Option<usize> {
        self.iter().position(|e| e == v)
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
        let mut inner = self.node(node).iter();
        for _ in 0..skip {
            inner.next();
        }
        Iter {
            list: self,
            node,
            inner,
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

/// Iterator over a range of a [`List`], head to tail.
pub struct Iter<'a> {
    list: &'a List,
    node: usize,
    inner: listpack::Iter<'a>,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        loop {
            if let Some(e) = self.inner.next() {
                self.left -= 1;
                return Some(e);
            }
            self.node += 1;
            self.inner = self.list.node(self.node).iter();
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
    buf: Vec<&'a [u8]>,
}

impl<'a> Iterator for RevIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            if let Some(e) = self.buf.pop() {
                return Some(e);
            }
            if self.nodes_left == 0 {
                return None;
            }
            self.nodes_left -= 1;
            self.buf.extend(self.list.node(self.nodes_left).iter());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use proptest::prelude::*;

    use super::*;

    /// Checks the structural invariants and returns the contents.
    fn check(l: &List, fill: i64) -> Vec<Vec<u8>> {
        let lim = Limit::new(fill);
        let mut total = 0;
        for k in 0..l.node_count() {
            let n = l.node(k);
            assert!(!n.is_empty(), "empty node {k}");
            assert!(lim.allows(n.bytes(), n.len()), "node {k} over the limit");
            total += n.len();
        }
        if let Repr::Many(n) = &l.repr {
            assert!(n.deque.len() >= 2, "deque form with one node");
        }
        assert_eq!(total, l.len());
        let fwd: Vec<Vec<u8>> = l.iter().map(|e| e.to_vec()).collect();
        let mut rev: Vec<Vec<u8>> = l.iter_rev().map(|e| e.to_vec()).collect();
        rev.reverse();
        assert_eq!(fwd, rev);
        fwd
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => prop::sample::select(vec![&b"a"[..], b"b", b"", b"ccc"]).prop_map(|v| v.to_vec()),
            2 => prop::collection::vec(any::<u8>(), 0..40),
            1 => prop::collection::vec(any::<u8>(), 200..3000),
        ]
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(bool, Vec<u8>),
        Pop(bool, usize),
        Get(usize),
        Set(usize, Vec<u8>),
        Insert(usize, Vec<u8>),
        RemoveRange(usize, usize),
        Retain(usize, usize),
        RemoveMatching(Vec<u8>, i64),
        Range(usize, usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (any::<bool>(), value()).prop_map(|(f, v)| Op::Push(f, v)),
            2 => (any::<bool>(), 0usize..5).prop_map(|(f, n)| Op::Pop(f, n)),
            1 => (0usize..100).prop_map(Op::Get),
            1 => (0usize..100, value()).prop_map(|(i, v)| Op::Set(i, v)),
            2 => (0usize..100, value()).prop_map(|(i, v)| Op::Insert(i, v)),
            1 => (0usize..100, 0usize..20).prop_map(|(i, n)| Op::RemoveRange(i, n)),
            1 => (0usize..10, 0usize..100).prop_map(|(i, n)| Op::Retain(i, n)),
            1 => (value(), -3i64..4).prop_map(|(v, c)| Op::RemoveMatching(v, c)),
            1 => (0usize..100, 0usize..100).prop_map(|(i, n)| Op::Range(i, n)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// A list behaves like a VecDeque of byte strings, under every
        /// kind of node limit.
        #[test]
        fn matches_vecdeque_model(
            fill in prop::sample::select(vec![-5i64, -2, -1, 0, 1, 2, 3, 7]),
            ops in prop::collection::vec(op(), 0..300),
        ) {
            let mut l = List::new();
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                match op {
                    Op::Push(front, v) => {
                        if front { l.push_front(&v, fill); m.push_front(v); }
                        else { l.push_back(&v, fill); m.push_back(v); }
                    }
                    Op::Pop(front, n) => {
                        let end = if front { End::Left } else { End::Right };
                        let mut got = Vec::new();
                        let k = l.pop_n(end, n, |e| got.push(e.to_vec()));
                        let want: Vec<Vec<u8>> = (0..n)
                            .map_while(|_| if front { m.pop_front() } else { m.pop_back() })
                            .collect();
                        prop_assert_eq!(k, want.len());
                        prop_assert_eq!(got, want);
                    }
                    Op::Get(i) => prop_assert_eq!(l.get(i), m.get(i).map(|v| &v[..])),
                    Op::Set(i, v) => {
                        prop_assert_eq!(l.set(i, &v, fill), i < m.len());
                        if i < m.len() { m[i] = v; }
                    }
                    Op::Insert(i, v) => {
                        l.insert(i, &v, fill);
                        m.insert(i.min(m.len()), v);
                    }
                    Op::RemoveRange(i, n) => {
                        l.remove_range(i, n, fill);
                        if i < m.len() { let end = (i + n).min(m.len()); m.drain(i..end); }
                    }
                    Op::Retain(i, n) => {
                        l.retain_range(i, n, fill);
                        let kept: VecDeque<Vec<u8>> = m.iter().skip(i).take(n).cloned().collect();
                        m = kept;
                    }
                    Op::RemoveMatching(v, c) => {
                        let got = l.remove_matching(&v, c, fill);
                        let limit = if c == 0 { usize::MAX } else { c.unsigned_abs() as usize };
                        let mut removed = 0;
                        if c >= 0 {
                            m.retain(|e| { let hit = removed < limit && *e == v; removed += usize::from(hit); !hit });
                        } else {
                            let mut rev: Vec<Vec<u8>> = m.into_iter().rev().collect();
                            rev.retain(|e| { let hit = removed < limit && *e == v; removed += usize::from(hit); !hit });
                            m = rev.into_iter().rev().collect();
                        }
                        prop_assert_eq!(got, removed);
                    }
                    Op::Range(i, n) => {
                        let got: Vec<&[u8]> = l.range(i, n).collect();
                        let want: Vec<&[u8]> = m.iter().skip(i).take(n).map(|v| &v[..]).collect();
                        prop_assert_eq!(got, want);
                    }
                }
                prop_assert_eq!(l.len(), m.len());
                prop_assert_eq!(check(&l, fill), m.iter().cloned().collect::<Vec<_>>());
            }
            let rev: Vec<&[u8]> = l.iter_rev().collect();
            let want: Vec<&[u8]> = m.iter().rev().map(|v| &v[..]).collect();
            prop_assert_eq!(rev, want);
        }
    }

    #[test]
    fn nodes_follow_the_fill() {
        let mut l = List::new();
        for i in 0..1000 {
            l.push_back(format!("{i:09}").as_bytes(), 2);
        }
        assert_eq!(l.node_count(), 500);
        let mut l = List::new();
        for i in 0..10_000 {
            l.push_front(format!("{i:09}").as_bytes(), -2);
        }
        // 10 bytes an entry, 8 KB a node.
        assert_eq!(l.node_count(), 10_000usize.div_ceil(819));
        assert_eq!(l.get(0), Some(&b"000009999"[..]));
        assert_eq!(l.get(9999), Some(&b"000000000"[..]));
    }

    #[test]
    fn entry_sizes() {
        assert_eq!(entry_size(b""), 1);
        assert_eq!(entry_size(&[0; 127]), 128);
        assert_eq!(entry_size(&[0; 128]), 130);
        assert_eq!(entry_size(&[0; 16384]), 16387);
    }

    #[test]
    fn a_list_is_no_larger_than_a_string() {
        // With its niche, a 32-byte List keeps `Value` at 32 bytes.
        assert!(std::mem::size_of::<List>() <= 32);
        assert_eq!(
            std::mem::size_of::<Option<List>>(),
            std::mem::size_of::<List>()
        );
    }
}
