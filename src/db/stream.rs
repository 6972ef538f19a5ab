//! The stream type (Redis's `t_stream.c` data side): entries packed into
//! blocks, and the stream's metadata. Consumer groups live in
//! [`super::stream_group`].
//!
//! Entries are kept in a `BTreeMap` from each block's first id to a
//! [`Block`]: one byte buffer holding up to `stream-node-max-entries`
//! entries (or `stream-node-max-bytes` bytes), like Redis's listpack
//! nodes. A block starts with its *master fields* (the first entry's field
//! names); an entry with the same field names stores only its values. Ids
//! are stored as varint deltas from the block's first id, so an entry of
//! two small fields costs a dozen bytes and nothing is allocated per
//! field. Deletion marks an entry as a tombstone in place; a block whose
//! entries are all deleted is dropped. Block boundaries follow Redis's
//! rules, so `~` trimming removes the same whole blocks Redis does.

use std::collections::BTreeMap;
use std::fmt;

use super::stream_group::Group;

/// A stream entry id: milliseconds and a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// The smallest id, `0-0`.
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest id.
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// A new id.
    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next id, or `None` at the maximum.
    pub fn incr(self) -> Option<StreamId> {
        if self.seq < u64::MAX {
            Some(StreamId::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            None
        }
    }

    /// The previous id, or `None` at `0-0`.
    pub fn decr(self) -> Option<StreamId> {
        if self.seq > 0 {
            Some(StreamId::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }

    /// Whether this is `0-0`.
    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// The `ms-seq` text as bytes.
    pub fn to_bytes(self) -> Vec<u8> {
        let mut v = Vec::with_capacity(41);
        crate::util::push_u64(&mut v, self.ms);
        v.push(b'-');
        crate::util::push_u64(&mut v, self.seq);
        v
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// Entry flag: the entry is deleted (a tombstone).
const DELETED: u8 = 1;
/// Entry flag: the entry's fields are the block's master fields.
const SAME_FIELDS: u8 = 2;

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Reads a varint at `*pos`. Blocks are only written by this module, so
/// a malformed buffer is a bug, not input.
fn get_varint(buf: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = buf[*pos];
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

fn put_str(buf: &mut Vec<u8>, s: &[u8]) {
    put_varint(buf, s.len() as u64);
    buf.extend_from_slice(s);
}

fn get_str<'a>(buf: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let n = get_varint(buf, pos) as usize;
    let s = &buf[*pos..*pos + n];
    *pos += n;
    s
}

/// The bytes a listpack element holding integer `v` takes (encoding
/// and back-length), as Redis's listpack encodes it.
fn lp_int(v: i64) -> usize {
    match v {
        0..=127 => 2,
        -4096..=4095 => 3,
        -32768..=32767 => 4,
        -8_388_608..=8_388_607 => 5,
        -2_147_483_648..=2_147_483_647 => 6,
        _ => 10,
    }
}

/// The bytes a listpack element holding string `s` takes: as an integer
/// if it is one in canonical form (listpack converts those), else its
/// length header, bytes and back-length.
fn lp_str(s: &[u8]) -> usize {
    if s.len() <= 20 {
        if let Some(v) = crate::util::parse_i64(s) {
            return lp_int(v);
        }
    }
    let enc = s.len()
        + match s.len() {
            0..=63 => 1,
            64..=4095 => 2,
            _ => 5,
        };
    enc + match enc {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// One block of entries.
#[derive(Debug, Clone)]
pub struct Block {
    /// Master fields, then the entries.
    buf: Vec<u8>,
    /// Where the entries start (after the master fields).
    start: u32,
    /// Number of master fields.
    nmaster: u32,
    /// Entries not deleted.
    live: u32,
    /// Entries including tombstones.
    total: u32,
    /// The size Redis's listpack for this node would have, less its
    /// live and deleted counters (see [`Block::lp_bytes`]).
    lp: u32,
    /// The block's first id (its key in the map).
    first: StreamId,
    /// The id of the last entry written, deleted or not.
    last: StreamId,
}

/// An entry read from a block.
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    /// The entry's id.
    pub id: StreamId,
    /// The block buffer.
    buf: &'a [u8],
    /// Offset of the entry's flag byte.
    pub(crate) at: usize,
    /// Offset of the first field/value after the id.
    body: usize,
    /// Offset where the master fields start and their number, if the
    /// entry shares them.
    master: Option<(usize, usize)>,
    deleted: bool,
}

impl<'a> EntryRef<'a> {
    /// Number of field/value pairs.
    pub fn len(&self) -> usize {
        match self.master {
            Some((_, n)) => n,
            None => {
                let mut p = self.body;
                get_varint(self.buf, &mut p) as usize
            }
        }
    }

    /// Whether the entry has no fields (never, for stored entries).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` with each field and value, in order.
    pub fn for_each(&self, mut f: impl FnMut(&'a [u8], &'a [u8])) {
        let buf = self.buf;
        match self.master {
            Some((mut m, n)) => {
                let mut p = self.body;
                for _ in 0..n {
                    let field = get_str(buf, &mut m);
                    let value = get_str(buf, &mut p);
                    f(field, value);
                }
            }
            None => {
                let mut p = self.body;
                let n = get_varint(buf, &mut p);
                for _ in 0..n {
                    let field = get_str(buf, &mut p);
                    let value = get_str(buf, &mut p);
                    f(field, value);
                }
            }
        }
    }

    /// Fields and values, flattened (for tests and small callers).
    pub fn to_vec(&self) -> Vec<Vec<u8>> {
        let mut v = Vec::with_capacity(self.len() * 2);
        self.for_each(|f, x| {
            v.push(f.to_vec());
            v.push(x.to_vec());
        });
        v
    }
}

impl Block {
    /// A new block whose master fields are those of `fields` (pairs).
    fn new(first: StreamId, fields: &[&[u8]]) -> Block {
        let mut buf = Vec::with_capacity(64);
        let n = fields.len() / 2;
        put_varint(&mut buf, n as u64);
        for f in fields.iter().step_by(2) {
            put_str(&mut buf, f);
        }
        Block {
            start: buf.len() as u32,
            buf,
            nmaster: n as u32,
            lp: (lp_int(n as i64)
                + fields.iter().step_by(2).map(|f| lp_str(f)).sum::<usize>()
                + lp_int(0)) as u32,
            live: 0,
            total: 0,
            first,
            last: first,
        }
    }

    /// Whether `fields` (pairs) has exactly the master field names.
    fn same_fields(&self, fields: &[&[u8]]) -> bool {
        if fields.len() / 2 != self.nmaster as usize {
            return false;
        }
        let mut p = 0;
        get_varint(&self.buf, &mut p);
        fields
            .iter()
            .step_by(2)
            .all(|f| get_str(&self.buf, &mut p) == *f)
    }

    /// Appends an entry. Its id is greater than every live id, but may be
    /// smaller than the block's first id (an exact MINID trim can leave a
    /// block of tombstones, and XSETID on the then empty stream can lower
    /// the last id), so deltas wrap, as Redis's signed ones do.
    fn push(&mut self, id: StreamId, fields: &[&[u8]]) {
        let same = self.same_fields(fields);
        let buf = &mut self.buf;
        buf.push(if same { SAME_FIELDS } else { 0 });
        let dms = id.ms.wrapping_sub(self.first.ms);
        put_varint(buf, dms);
        put_varint(
            buf,
            if dms == 0 {
                id.seq.wrapping_sub(self.first.seq)
            } else {
                id.seq
            },
        );
        if same {
            for v in fields.iter().skip(1).step_by(2) {
                put_str(buf, v);
            }
        } else {
            put_varint(buf, (fields.len() / 2) as u64);
            for f in fields {
                put_str(buf, f);
            }
        }
        let n = fields.len() / 2;
        let mut lp = lp_int(i64::from(same) * 2)
            + lp_int(dms as i64)
            + lp_int(id.seq.wrapping_sub(self.first.seq) as i64);
        if same {
            lp += fields
                .iter()
                .skip(1)
                .step_by(2)
                .map(|v| lp_str(v))
                .sum::<usize>();
            lp += lp_int(3 + n as i64);
        } else {
            lp += lp_int(n as i64) + fields.iter().map(|f| lp_str(f)).sum::<usize>();
            lp += lp_int(4 + 2 * n as i64);
        }
        self.lp = self.lp.saturating_add(lp as u32);
        self.live += 1;
        self.total += 1;
        self.last = id;
    }

    /// Decodes the entry at `at`; returns it and the next entry's offset.
    fn decode(&self, at: usize) -> (EntryRef<'_>, usize) {
        let buf = &self.buf[..];
        let flags = buf[at];
        let mut p = at + 1;
        let dms = get_varint(buf, &mut p);
        let s = get_varint(buf, &mut p);
        let id = if dms == 0 {
            StreamId::new(self.first.ms, self.first.seq.wrapping_add(s))
        } else {
            StreamId::new(self.first.ms.wrapping_add(dms), s)
        };
        let body = p;
        let master = if flags & SAME_FIELDS != 0 {
            let mut m = 0;
            let n = get_varint(buf, &mut m) as usize;
            for _ in 0..n {
                get_str(buf, &mut p);
            }
            Some((m, n))
        } else {
            let n = get_varint(buf, &mut p);
            for _ in 0..2 * n {
                get_str(buf, &mut p);
            }
            None
        };
        let e = EntryRef {
            id,
            buf,
            at,
            body,
            master,
            deleted: flags & DELETED != 0,
        };
        (e, p)
    }

    /// Every entry, tombstones included, in order.
    fn entries(&self) -> impl Iterator<Item = EntryRef<'_>> {
        let mut at = self.start as usize;
        std::iter::from_fn(move || {
            if at >= self.buf.len() {
                return None;
            }
            let (e, next) = self.decode(at);
            at = next;
            Some(e)
        })
    }

    /// Marks the entry at `at` deleted.
    fn delete_at(&mut self, at: usize) {
        self.buf[at] |= DELETED;
        self.live -= 1;
    }

    /// The bytes Redis's listpack would take for this node (header,
    /// counters, master entry, entries, terminator): Redis closes a node
    /// by this size, so we close blocks where it does.
    fn lp_bytes(&self) -> usize {
        7 + self.lp as usize
            + lp_int(i64::from(self.live))
            + lp_int(i64::from(self.total - self.live))
    }
}

/// A stream: its entries and metadata, and its consumer groups.
#[derive(Debug, Clone, Default)]
pub struct Stream {
    blocks: BTreeMap<StreamId, Block>,
    len: u64,
    /// The last id generated (or set by XSETID).
    pub last_id: StreamId,
    /// The first live entry's id (0-0 when empty), Redis's `first_id`.
    pub first_id: StreamId,
    /// The greatest id ever deleted (Redis's `max_deleted_entry_id`).
    pub max_deleted: StreamId,
    /// Entries ever added (Redis's `entries_added`).
    pub entries_added: u64,
    /// Consumer groups by name (sorted, as Redis's rax).
    pub groups: BTreeMap<Box<[u8]>, Group>,
}

/// How to trim a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Remove entries with smaller ids.
    MinId(StreamId),
}

/// Node size limits (`stream-node-max-bytes`, `stream-node-max-entries`;
/// 0: unlimited).
#[derive(Debug, Clone, Copy)]
pub struct NodeLimits {
    /// Bytes per block.
    pub bytes: usize,
    /// Entries per block.
    pub entries: usize,
}

impl Stream {
    /// Number of live entries.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes the stream uses (MEMORY USAGE): each block's buffer and
    /// map entry, and per group its PEL entries and consumers (their
    /// consumer PELs included), counted by element size.
    pub fn mem_usage(&self) -> usize {
        use std::mem::size_of;
        let blocks: usize = self
            .blocks
            .values()
            .map(|b| b.buf.capacity() + size_of::<Block>() + size_of::<StreamId>())
            .sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| {
                let pel =
                    g.pel.len() * (size_of::<StreamId>() + size_of::<super::stream_group::Nack>());
                let consumers: usize = g
                    .consumers
                    .iter()
                    .map(|(n, c)| {
                        n.len()
                            + size_of::<super::stream_group::Consumer>()
                            + c.pel.len() * size_of::<StreamId>()
                    })
                    .sum();
                name.len() + size_of::<super::stream_group::Group>() + pel + consumers
            })
            .sum();
        blocks + groups
    }

    /// The size of the stream in an RDB file (DEBUG OBJECT
    /// `serializedlength`): per block its 16-byte key and its listpack,
    /// plus the metadata and groups, without compression.
    pub fn rdb_len(&self) -> usize {
        let blocks: usize = self
            .blocks
            .values()
            .map(|b| 2 + 16 + 5 + b.lp_bytes())
            .sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| {
                1 + name.len()
                    + 20
                    + g.pel.len() * 33
                    + g.consumers
                        .iter()
                        .map(|(n, c)| 1 + n.len() + 18 + c.pel.len() * 16)
                        .sum::<usize>()
            })
            .sum();
        1 + blocks + 40 + groups
    }

    /// Number of blocks (XINFO's `radix-tree-keys`).
    pub fn blocks(&self) -> usize {
        self.blocks.len()
    }

    /// How many nodes Redis's radix tree over the same blocks has (XINFO's
    /// `radix-tree-nodes`): the root, every branching prefix of the
    /// 16-byte big-endian block keys and each of its children, and the
    /// keys themselves, as a compressed trie. O(blocks).
    pub fn rax_nodes(&self) -> usize {
        let keys: Vec<[u8; 16]> = self
            .blocks
            .keys()
            .map(|id| {
                let mut k = [0u8; 16];
                k[..8].copy_from_slice(&id.ms.to_be_bytes());
                k[8..].copy_from_slice(&id.seq.to_be_bytes());
                k
            })
            .collect();
        let mut branching: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
        for w in keys.windows(2) {
            let lcp = w[0].iter().zip(&w[1]).take_while(|(a, b)| a == b).count();
            branching.insert(&w[0][..lcp]);
        }
        let mut nodes: std::collections::HashSet<&[u8]> = std::collections::HashSet::new();
        nodes.insert(&[]);
        for k in &keys {
            nodes.insert(&k[..]);
            for d in 0..16 {
                if branching.contains(&k[..d]) {
                    nodes.insert(&k[..d]);
                    nodes.insert(&k[..d + 1]);
                }
            }
        }
        nodes.len()
    }

    /// Appends an entry with `id` (greater than `last_id`) and `fields`
    /// (an even number of field, value arguments).
    pub fn append(&mut self, id: StreamId, fields: &[&[u8]], lim: NodeLimits) {
        // Redis's rule (`streamAppendItem`): a new node when the listpack
        // plus the new strings' lengths reaches the byte limit (0: 1 GB),
        // or the node holds the maximum entries, deleted ones included.
        let raw: usize = fields.iter().map(|f| f.len()).sum();
        let max_bytes = if lim.bytes == 0 { 1 << 30 } else { lim.bytes };
        let room = match self.blocks.values().next_back() {
            Some(b) => {
                b.lp_bytes() + raw < max_bytes
                    && (lim.entries == 0 || (b.total as usize) < lim.entries)
            }
            None => false,
        };
        if room {
            if let Some(b) = self.blocks.values_mut().next_back() {
                b.push(id, fields);
            }
        } else {
            // The previous block is closed: give back its spare capacity.
            if let Some(prev) = self.blocks.values_mut().next_back() {
                prev.buf.shrink_to_fit();
            }
            match self.blocks.get_mut(&id) {
                // Only after XSETID lowered the last id below a block whose
                // first entry (now deleted) had this id. Redis's raxInsert
                // would replace that node and lose its later entries; here
                // the entry joins it instead.
                Some(b) => b.push(id, fields),
                None => {
                    let mut b = Block::new(id, fields);
                    b.push(id, fields);
                    self.blocks.insert(id, b);
                }
            }
        }
        if self.len == 0 {
            self.first_id = id;
        }
        self.len += 1;
        self.entries_added += 1;
        self.last_id = id;
    }

    /// The key of the block that may hold `id`.
    fn block_key_for(&self, id: StreamId) -> Option<StreamId> {
        self.blocks.range(..=id).next_back().map(|(k, _)| *k)
    }

    /// Calls `f` for the live entries with ids in `start..=end`, forward
    /// or reversed, until `f` returns false or `count` (0: all) entries
    /// were passed, with block key and offset of each. Costs O(log n +
    /// returned).
    ///
    /// This walks as Redis's stream iterator does, which matters once
    /// XSETID has lowered the last id below deleted entries and later
    /// entries were appended after those tombstones (even into a block
    /// whose key is greater than them): tombstones are skipped before the
    /// bounds are checked; a forward walk starts at the last block whose
    /// key is at most `start` and stops at the first live entry past
    /// `end`; a reverse walk starts at the last block whose key is at most
    /// `end` (the last block if there is none) and stops at the first live
    /// entry before `start`.
    fn walk<'s>(
        &'s self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        count: usize,
        mut f: impl FnMut(StreamId, EntryRef<'s>) -> bool,
    ) {
        if start > end {
            return;
        }
        let mut n = 0;
        if !rev {
            let blocks = match self.block_key_for(start) {
                Some(k) => self.blocks.range(k..),
                None => self.blocks.range(..),
            };
            for (k, b) in blocks {
                for e in b.entries() {
                    if e.deleted || e.id < start {
                        continue;
                    }
                    if e.id > end {
                        return;
                    }
                    n += 1;
                    if !f(*k, e) || n == count {
                        return;
                    }
                }
            }
        } else {
            let from = self
                .block_key_for(end)
                .or_else(|| self.blocks.keys().next_back().copied());
            let Some(from) = from else { return };
            for (k, b) in self.blocks.range(..=from).rev() {
                let es: Vec<EntryRef<'s>> = b.entries().collect();
                for e in es.into_iter().rev() {
                    if e.deleted || e.id > end {
                        continue;
                    }
                    if e.id < start {
                        return;
                    }
                    n += 1;
                    if !f(*k, e) || n == count {
                        return;
                    }
                }
            }
        }
    }

    /// Calls `f` for the live entries with ids in `start..=end`, forward
    /// or reversed, until `f` returns false or `count` (0: all) entries
    /// were passed (see [`Stream::walk`]).
    pub fn range<'s>(
        &'s self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        count: usize,
        mut f: impl FnMut(EntryRef<'s>) -> bool,
    ) {
        self.walk(start, end, rev, count, |_, e| f(e));
    }

    /// The live entry with `id`, as flattened fields and values.
    pub fn get(&self, id: StreamId) -> Option<Vec<Vec<u8>>> {
        let mut v = None;
        self.range(id, id, false, 1, |e| {
            v = Some(e.to_vec());
            false
        });
        v
    }

    /// Whether a live entry has `id`.
    pub fn contains(&self, id: StreamId) -> bool {
        let mut found = false;
        self.range(id, id, false, 1, |_| {
            found = true;
            false
        });
        found
    }

    /// The first (or last) live entry's id.
    pub fn edge(&self, last: bool) -> Option<StreamId> {
        let mut id = None;
        self.range(StreamId::MIN, StreamId::MAX, last, 1, |e| {
            id = Some(e.id);
            false
        });
        id
    }

    /// Deletes the live entry `id`; returns whether it existed. Updates
    /// `max_deleted` and `first_id` as Redis's XDEL does.
    pub fn delete(&mut self, id: StreamId) -> bool {
        let mut found = None;
        self.walk(id, id, false, 1, |k, e| {
            found = Some((k, e.at));
            false
        });
        let Some((key, at)) = found else {
            return false;
        };
        let Some(b) = self.blocks.get_mut(&key) else {
            return false;
        };
        b.delete_at(at);
        if b.live == 0 {
            self.blocks.remove(&key);
        }
        self.len -= 1;
        if id > self.max_deleted {
            self.max_deleted = id;
        }
        if id == self.first_id {
            self.first_id = self.edge(false).unwrap_or(StreamId::MIN);
        }
        true
    }

    /// Trims as Redis's `streamTrim`: whole blocks first; with `approx`
    /// stops at the first block that cannot go whole, otherwise deletes
    /// entries inside it. `limit` (0: none) caps the entries removed.
    /// Returns the number removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted = 0u64;
        loop {
            if let Trim::MaxLen(max) = how {
                if self.len <= max {
                    break;
                }
            }
            let Some((&key, b)) = self.blocks.iter().next() else {
                break;
            };
            let entries = u64::from(b.live);
            if limit > 0 && deleted + entries > limit {
                break;
            }
            let whole = match how {
                Trim::MaxLen(max) => self.len - entries >= max,
                Trim::MinId(min) => b.last < min,
            };
            if whole {
                self.blocks.remove(&key);
                self.len -= entries;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            let Some(b) = self.blocks.get_mut(&key) else {
                break;
            };
            let mut doomed = Vec::new();
            let mut len = self.len;
            // As Redis: the stop test looks at tombstones too (MINID stops
            // at the first entry, deleted or not, at or past the minimum).
            for e in b.entries() {
                let stop = match how {
                    Trim::MaxLen(max) => len <= max,
                    Trim::MinId(min) => e.id >= min,
                };
                if stop {
                    break;
                }
                if !e.deleted {
                    doomed.push(e.at);
                    len -= 1;
                }
            }
            for at in &doomed {
                b.delete_at(*at);
            }
            self.len = len;
            deleted += doomed.len() as u64;
            break;
        }
        if deleted > 0 {
            self.first_id = self.edge(false).unwrap_or(StreamId::MIN);
        }
        deleted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    const LIM: NodeLimits = NodeLimits {
        bytes: 4096,
        entries: 5,
    };

    /// XSETID below a deleted entry that starts a block, then an XADD of
    /// that very id: Redis's raxInsert would replace the block (losing
    /// the entries appended to it); the entry joins the block instead.
    #[test]
    fn a_new_block_never_replaces_one_with_the_same_key() {
        let mut s = Stream::default();
        let add = |s: &mut Stream, id: u64| s.append(StreamId::new(id, 0), &[b"f", b"v"], LIM);
        for id in [2, 3, 4, 7, 11, 13, 14] {
            add(&mut s, id);
        }
        assert!(s.delete(StreamId::new(14, 0)));
        assert_eq!(s.trim(Trim::MinId(StreamId::new(14, 0)), false, 0), 6);
        s.last_id = StreamId::new(0, 0);
        for id in [2, 3, 6, 7, 10, 13] {
            add(&mut s, id);
        }
        assert_eq!(s.len(), 6);
        assert_eq!(live_ids(&s), BTreeSet::from([2, 3, 6, 7, 10, 13]));
    }

    /// Every live entry's id, found by walking the blocks in storage order.
    fn live_ids(s: &Stream) -> BTreeSet<u64> {
        s.blocks
            .values()
            .flat_map(|b| b.entries().filter(|e| !e.deleted).map(|e| e.id.ms))
            .collect()
    }

    fn ids(s: &Stream, start: StreamId, end: StreamId, rev: bool, count: usize) -> Vec<u64> {
        let mut v = Vec::new();
        s.range(start, end, rev, count, |e| {
            v.push(e.id.ms);
            true
        });
        v
    }

    #[test]
    fn fields_round_trip() {
        let mut s = Stream::default();
        s.append(StreamId::new(1, 0), &[b"a", b"1", b"b", b"2"], LIM);
        s.append(StreamId::new(1, 1), &[b"a", b"3", b"b", b"4"], LIM);
        s.append(StreamId::new(2, 0), &[b"x", b"", b"b", b"4"], LIM);
        assert_eq!(
            s.get(StreamId::new(1, 1)).unwrap(),
            [b"a", b"3", b"b", b"4"]
        );
        assert_eq!(
            s.get(StreamId::new(2, 0)).unwrap(),
            [&b"x"[..], b"", b"b", b"4"]
        );
        assert!(s.get(StreamId::new(1, 2)).is_none());
    }

    /// After XSETID lowered the last id below deleted entries, a new
    /// entry follows tombstones with greater ids in the same block: the
    /// walks skip tombstones before comparing ids, as Redis's iterator.
    #[test]
    fn tombstones_out_of_order_are_skipped() {
        let mut s = Stream::default();
        for ms in [7, 9, 11] {
            s.append(StreamId::new(ms, 4), &[b"f", b"v"], LIM);
        }
        assert!(s.delete(StreamId::new(9, 4)));
        assert!(s.delete(StreamId::new(11, 4)));
        s.last_id = StreamId::new(9, 3);
        s.append(StreamId::new(9, 4), &[b"f", b"w"], LIM);
        let all = StreamId::MIN..=StreamId::MAX;
        assert_eq!(ids(&s, *all.start(), *all.end(), false, 0), [7, 9]);
        assert_eq!(ids(&s, *all.start(), *all.end(), true, 0), [9, 7]);
        assert_eq!(s.get(StreamId::new(9, 4)).unwrap(), [b"f", b"w"]);
        assert_eq!(s.edge(true), Some(StreamId::new(9, 4)));
        assert!(s.delete(StreamId::new(9, 4)));
        assert_eq!(s.len(), 1);
    }

    /// An exact MINID trim can leave a block of tombstones (its last entry
    /// is past the minimum); after XSETID lowers the emptied stream's last
    /// id, a new entry smaller than the block's first id goes into it.
    #[test]
    fn entries_below_their_block_key() {
        let mut s = Stream::default();
        s.append(StreamId::new(5, 0), &[b"f", b"v"], LIM);
        s.append(StreamId::new(9, 0), &[b"f", b"v"], LIM);
        assert!(s.delete(StreamId::new(9, 0)));
        assert_eq!(s.trim(Trim::MinId(StreamId::new(7, 0)), false, 0), 1);
        assert_eq!((s.len(), s.blocks()), (0, 1));
        s.last_id = StreamId::new(1, 0);
        s.append(StreamId::new(2, 3), &[b"f", b"w"], LIM);
        let all = ids(&s, StreamId::MIN, StreamId::MAX, false, 0);
        assert_eq!(all, [2]);
        assert_eq!(s.get(StreamId::new(2, 3)).unwrap(), [b"f", b"w"]);
        assert!(s.delete(StreamId::new(2, 3)));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(u64),
        Del(u64),
        TrimLen(u64, bool, u64),
        TrimMin(u64, bool, u64),
        Range(u64, u64, bool, usize),
        /// XSETID to the top live entry: later ids may reuse deleted ones.
        Lower,
        /// Deletes the top live entry (leaving a tombstone above the rest).
        DelLast,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (1u64..5).prop_map(Op::Add),
            1 => (0u64..300).prop_map(Op::Del),
            1 => (0u64..60, any::<bool>(), 0u64..20).prop_map(|(a, b, c)| Op::TrimLen(a, b, c)),
            1 => (0u64..300, any::<bool>(), 0u64..20).prop_map(|(a, b, c)| Op::TrimMin(a, b, c)),
            2 => (0u64..300, 0u64..300, any::<bool>(), 0usize..8)
                .prop_map(|(a, b, r, c)| Op::Range(a, b, r, c)),
            1 => Just(Op::Lower),
            1 => Just(Op::DelLast),
        ]
    }

    proptest! {
        /// Ranges, deletes and exact trims agree with a `BTreeMap`; approx
        /// trims remove a prefix no larger than the exact trim would, and
        /// never more than the limit.
        #[test]
        fn matches_btreemap_model(ops in proptest::collection::vec(op(), 1..200)) {
            let mut s = Stream::default();
            let mut m: BTreeMap<u64, u64> = BTreeMap::new();
            let mut next = 1u64;
            // After a Lower, tombstones may precede smaller live ids, and an
            // exact MINID trim stops at the first entry (deleted or not) at
            // or past the minimum, as Redis's does: it may remove fewer.
            let mut lowered = false;
            for op in ops {
                match op {
                    Op::Add(step) => {
                        next += step;
                        s.append(StreamId::new(next, 0), &[b"f", &next.to_le_bytes()], LIM);
                        m.insert(next, next);
                    }
                    Op::Del(k) => {
                        prop_assert_eq!(s.delete(StreamId::new(k, 0)), m.remove(&k).is_some());
                    }
                    Op::TrimLen(..) | Op::TrimMin(..) if lowered => {
                        // Storage order is no longer id order (as in Redis,
                        // trims take entries in storage order): check that
                        // exactly the reported number went and nothing else.
                        let before = live_ids(&s);
                        let n = match op {
                            Op::TrimLen(max, approx, limit) => s.trim(Trim::MaxLen(max), approx, if approx { limit } else { 0 }),
                            Op::TrimMin(min, approx, limit) => s.trim(Trim::MinId(StreamId::new(min, 0)), approx, if approx { limit } else { 0 }),
                            _ => unreachable!(),
                        };
                        let after = live_ids(&s);
                        prop_assert!(after.is_subset(&before));
                        prop_assert_eq!((before.len() - after.len()) as u64, n);
                        m.retain(|k, _| after.contains(k));
                    }
                    Op::TrimLen(max, approx, limit) => {
                        let before = m.len() as u64;
                        let limit = if approx { limit } else { 0 };
                        let n = s.trim(Trim::MaxLen(max), approx, limit);
                        let exact = before.saturating_sub(max);
                        if approx { prop_assert!(n <= exact); } else { prop_assert_eq!(n, exact); }
                        if limit > 0 { prop_assert!(n <= limit); }
                        for _ in 0..n { let k = *m.keys().next().unwrap(); m.remove(&k); }
                    }
                    Op::TrimMin(min, approx, limit) => {
                        let limit = if approx { limit } else { 0 };
                        let n = s.trim(Trim::MinId(StreamId::new(min, 0)), approx, limit);
                        let exact = m.range(..min).count() as u64;
                        if approx || lowered { prop_assert!(n <= exact); } else { prop_assert_eq!(n, exact); }
                        for _ in 0..n { let k = *m.keys().next().unwrap(); m.remove(&k); }
                    }
                    Op::DelLast => {
                        if let Some(k) = m.keys().next_back().copied() {
                            prop_assert!(s.delete(StreamId::new(k, 0)));
                            m.remove(&k);
                        }
                    }
                    Op::Lower => {
                        lowered = true;
                        next = m.keys().next_back().copied().unwrap_or(0);
                        s.last_id = StreamId::new(next, 0);
                    }
                    Op::Range(..) if lowered => {
                        let all: BTreeSet<u64> = m.keys().copied().collect();
                        prop_assert_eq!(live_ids(&s), all);
                    }
                    Op::Range(a, b, rev, count) => {
                        let got = ids(&s, StreamId::new(a, 0), StreamId::new(b, 0), rev, count);
                        let mut want: Vec<u64> = if a <= b { m.range(a..=b).map(|(k, _)| *k).collect() } else { vec![] };
                        if rev { want.reverse(); }
                        if count > 0 { want.truncate(count); }
                        prop_assert_eq!(got, want);
                    }
                }
                prop_assert_eq!(s.len(), m.len() as u64);
                // After a Lower, first_id is updated where Redis updates it
                // (XADD to an empty stream, XDEL of the first id, trims)
                // from storage order, which is no longer id order: no
                // model to compare it with.
                if !lowered {
                    let first = m.keys().next().map(|k| StreamId::new(*k, 0)).unwrap_or(StreamId::MIN);
                    prop_assert_eq!(s.first_id, first);
                }
            }
        }
    }
}
