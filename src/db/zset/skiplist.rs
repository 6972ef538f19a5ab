//! The "skiplist" encoding of large sorted sets: Redis's skiplist with
//! spans (ranks and range starts in O(log n)), its nodes in one arena
//! addressed by `u32`, plus an open-addressing index from member to node
//! (O(1) score lookups).
//!
//! A member is stored once. A node is 32 bytes in the arena plus one
//! exact-size allocation holding its levels (next, span) followed by the
//! member's bytes; the index holds only node numbers and a hash tag per
//! slot. Freed slots are chained and reused; when fewer than a quarter of
//! the slots are live the arena is compacted, and ZSCAN cursors carry the
//! compaction epoch so a cursor from before restarts rather than skips.

use foldhash::fast::RandomState;
use std::cmp::Ordering;
use std::hash::BuildHasher;

/// Most levels a node may have (Redis's `ZSKIPLIST_MAXLEVEL`).
pub const MAX_LEVEL: usize = 32;

/// The header's slot. As a link it means "none": nothing links to the header.
const NIL: u32 = 0;

/// Bytes per level in a node's data: next (u32) and span (u32).
const LEVEL_BYTES: usize = 8;

/// Arenas at most this large are never compacted.
const COMPACT_MIN: usize = 1024;

#[derive(Debug, Clone)]
struct Node {
    score: f64,
    /// The previous node (NIL for the first); in a free slot, the next free slot.
    backward: u32,
    /// Number of levels; 0 marks a free slot.
    height: u8,
    /// `height` levels of (next, span) little-endian, then the member.
    data: Box<[u8]>,
}

impl Node {
    fn new(member: &[u8], score: f64, height: usize) -> Node {
        let mut data = vec![0u8; height * LEVEL_BYTES + member.len()];
        data[height * LEVEL_BYTES..].copy_from_slice(member);
        Node {
            score,
            backward: NIL,
            height: height as u8,
            data: data.into_boxed_slice(),
        }
    }

    /// An empty (free) slot; owns no allocation.
    fn vacant(next_free: u32) -> Node {
        Node {
            score: 0.0,
            backward: next_free,
            height: 0,
            data: Box::default(),
        }
    }

    fn word(&self, at: usize) -> u32 {
        let b = &self.data[at..at + 4];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    fn set_word(&mut self, at: usize, v: u32) {
        self.data[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    fn next(&self, level: usize) -> u32 {
        self.word(level * LEVEL_BYTES)
    }

    fn span(&self, level: usize) -> u32 {
        self.word(level * LEVEL_BYTES + 4)
    }

    fn set_next(&mut self, level: usize, next: u32) {
        self.set_word(level * LEVEL_BYTES, next);
    }

    fn set_span(&mut self, level: usize, span: u32) {
        self.set_word(level * LEVEL_BYTES + 4, span);
    }

    fn height(&self) -> usize {
        usize::from(self.height)
    }

    fn member(&self) -> &[u8] {
        &self.data[self.height() * LEVEL_BYTES..]
    }

    /// Whether this node sorts before (score, member).
    fn lt(&self, score: f64, member: &[u8]) -> bool {
        self.score < score || (self.score == score && self.member() < member)
    }
}

/// The order of sorted-set elements: by score, then by member bytes.
pub fn cmp_elems(a: (f64, &[u8]), b: (f64, &[u8])) -> Ordering {
    match a.0.partial_cmp(&b.0) {
        Some(Ordering::Equal) | None => a.1.cmp(b.1),
        Some(o) => o,
    }
}

/// Member to node slot: linear probing over a power-of-two table.
#[derive(Debug, Clone)]
struct Index {
    /// Node slots; 0 (the header) marks an empty slot.
    slots: Vec<u32>,
    /// The top byte of each occupied slot's hash, checked before the member.
    tags: Vec<u8>,
    len: usize,
    hasher: RandomState,
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

    /// The slot holding `member`.
    fn find(&self, nodes: &[Node], member: &[u8]) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let h = self.hash(member);
        let mask = self.slots.len() - 1;
        let tag = (h >> 56) as u8;
        let mut i = h as usize & mask;
        loop {
            let id = self.slots[i];
            if id == NIL {
                return None;
            }
            if self.tags[i] == tag && nodes[id as usize].member() == member {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// Indexes node `id`, whose member is not indexed yet.
    fn insert(&mut self, nodes: &[Node], id: u32) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.resize(nodes, (self.slots.len() * 2).max(8));
        }
        self.place(nodes[id as usize].member(), id);
        self.len += 1;
    }

    fn place(&mut self, member: &[u8], id: u32) {
        let h = self.hash(member);
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        while self.slots[i] != NIL {
            i = (i + 1) & mask;
        }
        self.slots[i] = id;
        self.tags[i] = (h >> 56) as u8;
    }

    /// Empties slot `i`, shifting later entries of its cluster back so
    /// every entry stays reachable from its home slot.
    fn remove_at(&mut self, nodes: &[Node], mut i: usize) {
        let mask = self.slots.len() - 1;
        self.slots[i] = NIL;
        self.len -= 1;
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let id = self.slots[j];
            if id == NIL {
                break;
            }
            let home = self.hash(nodes[id as usize].member()) as usize & mask;
            // Move j's entry back to i unless its home lies in (i, j].
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(i) & mask) {
                self.slots[i] = id;
                self.tags[i] = self.tags[j];
                self.slots[j] = NIL;
                i = j;
            }
        }
        if self.slots.len() > 16 && self.len * 8 < self.slots.len() {
            self.resize(nodes, (self.len * 2).next_power_of_two().max(8));
        }
    }

    fn resize(&mut self, nodes: &[Node], size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![NIL; size]);
        self.tags = vec![0; size];
        for id in old.into_iter().filter(|&id| id != NIL) {
            self.place(nodes[id as usize].member(), id);
        }
    }

    /// Indexes every live node of `nodes` from scratch.
    fn rebuild(&mut self, nodes: &[Node], live: usize) {
        let size = ((live * 4).div_ceil(3) + 1).next_power_of_two().max(8);
        self.slots = vec![NIL; size];
        self.tags = vec![0; size];
        self.len = 0;
        for (id, n) in nodes.iter().enumerate().skip(1) {
            if n.height > 0 {
                self.place(n.member(), id as u32);
                self.len += 1;
            }
        }
    }
}

/// A skiplist ordered by (score, member) with a member index.
#[derive(Debug, Clone)]
pub struct SkipList {
    /// Slot 0 is the header, with all `MAX_LEVEL` levels.
    nodes: Vec<Node>,
    /// First free slot (NIL: none).
    free: u32,
    tail: u32,
    len: usize,
    /// Levels in use (at least 1).
    level: usize,
    index: Index,
    rng: u64,
    /// Bumped by compaction; part of ZSCAN cursors.
    epoch: u32,
}

impl Default for SkipList {
    fn default() -> Self {
        SkipList::new()
    }
}

impl SkipList {
    /// Heap bytes (MEMORY USAGE): the node array, the member index, and
    /// each node's levels and member; with `samples > 0`, that many nodes
    /// are measured and the average scaled to all of them.
    pub fn mem_usage(&self, samples: usize) -> usize {
        let fixed = self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.index.slots.capacity() * std::mem::size_of::<u32>()
            + self.index.tags.capacity()
            + self.nodes[0].data.len();
        let take = if samples == 0 {
            self.len
        } else {
            samples.min(self.len)
        };
        let measured: usize = self
            .nodes
            .iter()
            .skip(1)
            .filter(|n| n.height > 0)
            .take(take)
            .map(|n| n.data.len())
            .sum();
        fixed + measured * self.len / take.max(1)
    }

    /// An empty skiplist.
    pub fn new() -> SkipList {
        SkipList {
            nodes: vec![Node::new(b"", 0.0, MAX_LEVEL)],
            free: NIL,
            tail: NIL,
            len: 0,
            level: 1,
            index: Index::new(),
            rng: 0x9E37_79B9_7F4A_7C15,
            epoch: 0,
        }
    }

    /// Builds from elements already in order, without duplicate members.
    pub fn from_sorted<'a>(items: impl Iterator<Item = (&'a [u8], f64)>) -> SkipList {
        let mut sl = SkipList::new();
        for (m, s) in items {
            let h = sl.random_level();
            sl.nodes.push(Node::new(m, s, h));
        }
        sl.relink();
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

    fn node(&self, id: u32) -> &Node {
        &self.nodes[id as usize]
    }

    fn node_mut(&mut self, id: u32) -> &mut Node {
        &mut self.nodes[id as usize]
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

    /// The node slot of `member`.
    fn find(&self, member: &[u8]) -> Option<u32> {
        self.index
            .find(&self.nodes, member)
            .map(|slot| self.index.slots[slot])
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|id| self.node(id).score)
    }

    /// For each level, the last node sorting before (score, member) and
    /// its rank (1-based; the header is 0).
    fn path(&self, score: f64, member: &[u8]) -> ([u32; MAX_LEVEL], [u32; MAX_LEVEL]) {
        let mut update = [NIL; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = NIL;
        for i in (0..self.level).rev() {
            rank[i] = if i + 1 == self.level { 0 } else { rank[i + 1] };
            loop {
                let nx = self.node(x).next(i);
                if nx != NIL && self.node(nx).lt(score, member) {
                    rank[i] += self.node(x).span(i);
                    x = nx;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        (update, rank)
    }

    /// Links node `id` after the nodes of `update` (as `path` found them).
    fn link(&mut self, id: u32, update: &mut [u32; MAX_LEVEL], rank: &mut [u32; MAX_LEVEL]) {
        let h = self.node(id).height();
        if h > self.level {
            for i in self.level..h {
                rank[i] = 0;
                update[i] = NIL;
                let len = self.len as u32;
                self.node_mut(NIL).set_span(i, len);
            }
            self.level = h;
        }
        for i in 0..h {
            let u = update[i];
            let (next, span) = (self.node(u).next(i), self.node(u).span(i));
            let n = self.node_mut(id);
            n.set_next(i, next);
            n.set_span(i, span - (rank[0] - rank[i]));
            let n = self.node_mut(u);
            n.set_next(i, id);
            n.set_span(i, rank[0] - rank[i] + 1);
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(h) {
            let span = self.node(u).span(i);
            self.node_mut(u).set_span(i, span + 1);
        }
        self.node_mut(id).backward = update[0];
        match self.node(id).next(0) {
            NIL => self.tail = id,
            nx => self.node_mut(nx).backward = id,
        }
        self.len += 1;
    }

    /// Unlinks node `id`, whose predecessors `path` found.
    fn unlink(&mut self, id: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let span = self.node(u).span(i);
            if self.node(u).next(i) == id {
                let (next, xspan) = (self.node(id).next(i), self.node(id).span(i));
                let n = self.node_mut(u);
                n.set_next(i, next);
                n.set_span(i, span + xspan - 1);
            } else {
                self.node_mut(u).set_span(i, span - 1);
            }
        }
        let back = self.node(id).backward;
        match self.node(id).next(0) {
            NIL => self.tail = back,
            nx => self.node_mut(nx).backward = back,
        }
        while self.level > 1 && self.node(NIL).next(self.level - 1) == NIL {
            self.level -= 1;
        }
        self.len -= 1;
    }

    fn alloc(&mut self, node: Node) -> u32 {
        if self.free != NIL {
            let id = self.free;
            self.free = self.node(id).backward;
            *self.node_mut(id) = node;
            id
        } else {
            self.nodes.push(node);
            (self.nodes.len() - 1) as u32
        }
    }

    /// Unindexes and frees an unlinked node.
    fn release(&mut self, id: u32) {
        if let Some(slot) = self.index.find(&self.nodes, self.node(id).member()) {
            self.index.remove_at(&self.nodes, slot);
        }
        *self.node_mut(id) = Node::vacant(self.free);
        self.free = id;
    }

    /// Adds `member`, which must not be present.
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let (mut update, mut rank) = self.path(score, member);
        let h = self.random_level();
        let id = self.alloc(Node::new(member, score, h));
        self.link(id, &mut update, &mut rank);
        self.index.insert(&self.nodes, id);
    }

    /// Changes the score of a present member; returns the old score.
    pub fn update(&mut self, member: &[u8], score: f64) -> Option<f64> {
        let id = self.find(member)?;
        let old = self.node(id).score;
        let (back, next) = (self.node(id).backward, self.node(id).next(0));
        // Still in order between its neighbours: change it in place.
        let after_back = back == NIL || self.node(back).lt(score, member);
        let before_next = next == NIL || !self.node(next).lt(score, member);
        if after_back && before_next {
            self.node_mut(id).score = score;
            return Some(old);
        }
        let (update, _) = self.path(old, member);
        self.unlink(id, &update);
        self.node_mut(id).score = score;
        let (mut update, mut rank) = self.path(score, member);
        self.link(id, &mut update, &mut rank);
        Some(old)
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let id = self.find(member)?;
        let score = self.node(id).score;
        let (update, _) = self.path(score, member);
        self.unlink(id, &update);
        self.release(id);
        self.maybe_compact();
        Some(score)
    }

    /// Removes the element at 0-based `rank`; returns it.
    pub fn remove_rank(&mut self, rank: usize) -> Option<(Vec<u8>, f64)> {
        let id = self.node_at(rank)?;
        let n = self.node(id);
        let (member, score) = (n.member().to_vec(), n.score);
        // The first node's predecessor is the header on every level
        // (ZPOPMIN's case): no search needed.
        let update = if rank == 0 {
            [NIL; MAX_LEVEL]
        } else {
            self.path(score, &member).0
        };
        self.unlink(id, &update);
        self.release(id);
        self.maybe_compact();
        Some((member, score))
    }

    /// The 0-based rank and score of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        let id = self.find(member)?;
        let score = self.node(id).score;
        let (_, rank) = self.path(score, member);
        Some((rank[0] as usize, score))
    }

    /// The node at 0-based `rank`.
    fn node_at(&self, rank: usize) -> Option<u32> {
        if rank >= self.len {
            return None;
        }
        let target = rank as u32 + 1;
        let mut x = NIL;
        let mut traversed = 0u32;
        for i in (0..self.level).rev() {
            loop {
                let nx = self.node(x).next(i);
                if nx != NIL && traversed + self.node(x).span(i) <= target {
                    traversed += self.node(x).span(i);
                    x = nx;
                } else {
                    break;
                }
            }
            if traversed == target {
                return Some(x);
            }
        }
        None
    }

    /// The element at 0-based `rank`.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        self.node_at(rank).map(|id| {
            let n = self.node(id);
            (n.member(), n.score)
        })
    }

    /// How many leading elements satisfy `pred`, which must hold for a
    /// prefix of the order (then the answer is exact, in O(log n)).
    pub fn count_while(&self, mut pred: impl FnMut(f64, &[u8]) -> bool) -> usize {
        let mut x = NIL;
        let mut traversed = 0u32;
        for i in (0..self.level).rev() {
            loop {
                let nx = self.node(x).next(i);
                if nx != NIL && pred(self.node(nx).score, self.node(nx).member()) {
                    traversed += self.node(x).span(i);
                    x = nx;
                } else {
                    break;
                }
            }
        }
        traversed as usize
    }

    /// Elements from 0-based `rank` on, ascending, or descending if `rev`.
    pub fn iter_from(&self, rank: usize, rev: bool) -> Iter<'_> {
        Iter {
            sl: self,
            cur: self.node_at(rank).unwrap_or(NIL),
            rev,
        }
    }

    /// All elements in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            sl: self,
            cur: self.node(NIL).next(0),
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
        let mut update = [NIL; MAX_LEVEL];
        let mut x = NIL;
        let mut traversed = 0u32;
        for i in (0..self.level).rev() {
            loop {
                let nx = self.node(x).next(i);
                if nx != NIL && traversed + self.node(x).span(i) < start {
                    traversed += self.node(x).span(i);
                    x = nx;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let mut removed = 0;
        let mut x = self.node(x).next(0);
        traversed += 1;
        while x != NIL && traversed <= end {
            let next = self.node(x).next(0);
            self.unlink(x, &update);
            self.release(x);
            removed += 1;
            traversed += 1;
            x = next;
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
            let n = &self.nodes[i];
            if n.height > 0 {
                f(n.member(), n.score);
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

    /// Rebuilds the arena without free slots once they dominate it.
    fn maybe_compact(&mut self) {
        if self.nodes.len() <= COMPACT_MIN || self.len * 4 >= self.nodes.len() {
            return;
        }
        let mut order = Vec::with_capacity(self.len);
        let mut x = self.node(NIL).next(0);
        while x != NIL {
            order.push(x);
            x = self.node(x).next(0);
        }
        let mut old = std::mem::take(&mut self.nodes);
        let mut nodes = Vec::with_capacity(order.len() + 1);
        nodes.push(std::mem::replace(&mut old[0], Node::vacant(NIL)));
        for id in order {
            nodes.push(std::mem::replace(&mut old[id as usize], Node::vacant(NIL)));
        }
        self.nodes = nodes;
        self.relink();
        self.epoch = self.epoch.wrapping_add(1);
    }

    /// Links every level and rebuilds the index, given that `nodes[1..]`
    /// are all live and in order.
    fn relink(&mut self) {
        let n = self.nodes.len() - 1;
        let mut last = [NIL; MAX_LEVEL];
        let mut level = 1;
        for id in 1..=n {
            let idu = id as u32;
            let h = self.nodes[id].height();
            level = level.max(h);
            for (l, p) in last.iter_mut().enumerate().take(h) {
                // A node's slot equals its rank here.
                let span = idu - *p;
                let pn = &mut self.nodes[*p as usize];
                pn.set_next(l, idu);
                pn.set_span(l, span);
                *p = idu;
            }
            self.nodes[id].backward = if id == 1 { NIL } else { idu - 1 };
        }
        for (l, &p) in last.iter().enumerate() {
            let pn = &mut self.nodes[p as usize];
            pn.set_next(l, NIL);
            pn.set_span(l, n as u32 - p);
        }
        self.len = n;
        self.level = level;
        self.tail = n as u32;
        self.free = NIL;
        self.index.rebuild(&self.nodes, n);
    }

    /// Checks every structural invariant (tests only).
    #[cfg(test)]
    pub fn check(&self) {
        // Level 0: order, backward links, tail, length.
        let mut prev = NIL;
        let mut x = self.node(NIL).next(0);
        let mut ranks = std::collections::HashMap::new();
        let mut r = 0u32;
        while x != NIL {
            r += 1;
            ranks.insert(x, r);
            assert_eq!(self.node(x).backward, prev);
            if prev != NIL {
                let (p, n) = (self.node(prev), self.node(x));
                assert_eq!(
                    cmp_elems((p.score, p.member()), (n.score, n.member())),
                    Ordering::Less
                );
            }
            prev = x;
            x = self.node(x).next(0);
        }
        assert_eq!(self.tail, prev);
        assert_eq!(r as usize, self.len);
        // Every level: spans equal rank differences.
        for l in 0..self.level {
            let mut x = NIL;
            let mut xr = 0u32;
            loop {
                let nx = self.node(x).next(l);
                if nx == NIL {
                    assert_eq!(self.node(x).span(l), self.len as u32 - xr, "level {l}");
                    break;
                }
                let nr = ranks[&nx];
                assert_eq!(self.node(x).span(l), nr - xr, "level {l}");
                x = nx;
                xr = nr;
            }
        }
        // The index finds every member.
        assert_eq!(self.index.len, self.len);
        for &id in ranks.keys() {
            assert_eq!(self.find(self.node(id).member()), Some(id));
        }
    }
}

/// Iterator over a [`SkipList`] from some node, in either direction.
pub struct Iter<'a> {
    sl: &'a SkipList,
    cur: u32,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.cur == NIL {
            return None;
        }
        let n = self.sl.node(self.cur);
        self.cur = if self.rev { n.backward } else { n.next(0) };
        Some((n.member(), n.score))
    }
}
