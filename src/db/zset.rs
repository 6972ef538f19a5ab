//! ZSet: the value behind a sorted set, in Redis's two encodings.
//!
//! Small sets are a `listpack` of alternating member and score entries,
//! kept in (score, member) order and searched linearly, as long as they
//! have at most `zset-max-listpack-entries` elements and no member longer
//! than `zset-max-listpack-value`. Past either limit a set becomes a
//! `skiplist` ([`SkipList`]: ranks and range starts in O(log n), scores by
//! member in O(1)) and never goes back, except that a set built whole as a
//! command's result (ZUNIONSTORE, ZRANGESTORE, ...) takes the encoding its
//! final contents call for, as in Redis.
//!
//! Ranks are 0-based and ascending. Score and lexicographic ranges follow
//! Redis's `zrangespec` and `zlexrangespec`.

mod skiplist;

use std::cmp::Ordering;

pub use skiplist::{cmp_elems, SkipList};

use super::listpack::{self, Listpack};

/// The encoding limits (`zset-max-listpack-entries`, `-value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most elements a listpack holds.
    pub entries: usize,
    /// Longest member a listpack holds, in bytes.
    pub value: usize,
}

impl Limits {
    /// Whether `len` elements whose longest member has `maxlen` bytes fit
    /// a listpack (Redis's `zsetConvertToListpackIfNeeded`).
    pub fn fits(&self, len: usize, maxlen: usize) -> bool {
        len <= self.entries && maxlen <= self.value
    }
}

/// A score interval (Redis's `zrangespec`); `(` makes a bound exclusive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// The lower bound is exclusive.
    pub minex: bool,
    /// The upper bound is exclusive.
    pub maxex: bool,
}

impl ScoreRange {
    /// Whether `v` is above the lower bound.
    pub fn gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }

    /// Whether `v` is below the upper bound.
    pub fn lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }

    /// Whether no value can be in the range.
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

/// One end of a lexicographic range (Redis's `zlexrangespec` item).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexBound<'a> {
    /// `-`: below every string.
    Min,
    /// `+`: above every string.
    Max,
    /// `[str`.
    Incl(&'a [u8]),
    /// `(str`.
    Excl(&'a [u8]),
}

impl LexBound<'_> {
    /// Redis's `sdscmplex` order key: `-` < every string < `+`.
    fn key(&self) -> (u8, &[u8]) {
        match self {
            LexBound::Min => (0, b""),
            LexBound::Incl(b) | LexBound::Excl(b) => (1, b),
            LexBound::Max => (2, b""),
        }
    }

    /// `-` and `+` count as exclusive, as Redis parses them.
    fn exclusive(&self) -> bool {
        !matches!(self, LexBound::Incl(_))
    }

    /// How `v` compares with this bound.
    fn cmp_value(&self, v: &[u8]) -> Ordering {
        match self {
            LexBound::Min => Ordering::Greater,
            LexBound::Max => Ordering::Less,
            LexBound::Incl(b) | LexBound::Excl(b) => v.cmp(b),
        }
    }
}

/// A lexicographic interval over members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexRange<'a> {
    /// Lower bound.
    pub min: LexBound<'a>,
    /// Upper bound.
    pub max: LexBound<'a>,
}

impl LexRange<'_> {
    /// Whether `m` is above the lower bound.
    pub fn gte_min(&self, m: &[u8]) -> bool {
        let c = self.min.cmp_value(m);
        if self.min.exclusive() {
            c == Ordering::Greater
        } else {
            c != Ordering::Less
        }
    }

    /// Whether `m` is below the upper bound.
    pub fn lte_max(&self, m: &[u8]) -> bool {
        let c = self.max.cmp_value(m);
        if self.max.exclusive() {
            c == Ordering::Less
        } else {
            c != Ordering::Greater
        }
    }

    /// Whether no string can be in the range.
    pub fn is_empty(&self) -> bool {
        match self.min.key().cmp(&self.max.key()) {
            Ordering::Greater => true,
            Ordering::Equal => self.min.exclusive() || self.max.exclusive(),
            Ordering::Less => false,
        }
    }
}

// ---------------------------------------------------------------------------
// Listpack scores
// ---------------------------------------------------------------------------

/// Integral scores below this magnitude are stored as compact integers.
const INT_SCORE_LIMIT: f64 = (1u64 << 55) as f64;

/// Encodes a score for the listpack: an integral value as the fewest
/// little-endian two's-complement bytes (0 to 7; zero is the empty
/// entry), anything else as the 8 bytes of the double. Like Redis, which
/// stores integral scores as listpack integers, `-0` becomes `0`.
fn encode_score(v: f64, buf: &mut [u8; 8]) -> &[u8] {
    if v.fract() == 0.0 && v.abs() < INT_SCORE_LIMIT {
        let i = v as i64;
        let bytes = i.to_le_bytes();
        let n = (0..8).find(|&n| decode_int(&bytes[..n]) == i).unwrap_or(8);
        buf[..n].copy_from_slice(&bytes[..n]);
        &buf[..n]
    } else {
        *buf = v.to_le_bytes();
        &buf[..]
    }
}

fn decode_int(b: &[u8]) -> i64 {
    let fill = if b.last().is_some_and(|&x| x & 0x80 != 0) {
        0xFF
    } else {
        0
    };
    let mut all = [fill; 8];
    all[..b.len()].copy_from_slice(b);
    i64::from_le_bytes(all)
}

fn decode_score(b: &[u8]) -> f64 {
    match <[u8; 8]>::try_from(b) {
        Ok(raw) => f64::from_le_bytes(raw),
        Err(_) => decode_int(b) as f64,
    }
}

/// (member, score) pairs of a listpack-encoded set, in order.
pub struct Pairs<'a>(listpack::Iter<'a>);

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        let m = self.0.next()?;
        let s = self.0.next()?;
        Some((m, decode_score(s)))
    }
}

fn pairs(lp: &Listpack) -> Pairs<'_> {
    Pairs(lp.iter())
}

/// Inserts a member in order (it must be absent).
fn lp_insert(lp: &mut Listpack, member: &[u8], score: f64) {
    let pos = pairs(lp)
        .position(|(m, s)| cmp_elems((s, m), (score, member)) == Ordering::Greater)
        .unwrap_or(lp.len() / 2);
    let mut buf = [0u8; 8];
    lp.insert(2 * pos, encode_score(score, &mut buf));
    lp.insert(2 * pos, member);
}

/// The pair index and score of `member`.
fn lp_find(lp: &Listpack, member: &[u8]) -> Option<(usize, f64)> {
    pairs(lp)
        .enumerate()
        .find(|(_, (m, _))| *m == member)
        .map(|(i, (_, s))| (i, s))
}

// ---------------------------------------------------------------------------
// The sorted set
// ---------------------------------------------------------------------------

/// A sorted set in one of Redis's two encodings.
#[derive(Debug, Clone)]
pub enum ZSet {
    /// `listpack`: member, score, member, score... in order.
    Listpack(Listpack),
    /// `skiplist`: for large sets or long members.
    Skiplist(Box<SkipList>),
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

/// Iterator over a sorted set's elements from some rank, either way.
pub enum Iter<'a> {
    /// Forward over a listpack.
    Forward(Pairs<'a>),
    /// Backward over a listpack (decoded up front; listpacks are small).
    Backward(std::iter::Rev<std::vec::IntoIter<(&'a [u8], f64)>>),
    /// Over a skiplist.
    Skiplist(skiplist::Iter<'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Forward(p) => p.next(),
            Iter::Backward(v) => v.next(),
            Iter::Skiplist(s) => s.next(),
        }
    }
}

impl ZSet {
    /// Heap bytes (MEMORY USAGE), sampling `samples` elements of a
    /// skiplist (0: all).
    pub fn mem_usage(&self, samples: usize) -> usize {
        match self {
            ZSet::Listpack(lp) => lp.capacity(),
            ZSet::Skiplist(sl) => std::mem::size_of::<SkipList>() + sl.mem_usage(samples),
        }
    }

    /// An empty value (listpack).
    pub fn new() -> ZSet {
        ZSet::Listpack(Listpack::new())
    }

    /// The empty set ZADD creates for a new key whose first member has
    /// `member_len` bytes.
    pub fn for_new_key(member_len: usize, lim: Limits) -> ZSet {
        if lim.entries == 0 || member_len > lim.value {
            ZSet::Skiplist(Box::default())
        } else {
            ZSet::new()
        }
    }

    /// A set of `items`, which are in order and without duplicate
    /// members, in the encoding its size and longest member call for.
    pub fn from_sorted(items: &[(Vec<u8>, f64)], lim: Limits) -> ZSet {
        let maxlen = items.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        let iter = items.iter().map(|(m, s)| (&m[..], *s));
        if lim.fits(items.len(), maxlen) {
            let mut lp = Listpack::new();
            let mut buf = [0u8; 8];
            for (m, s) in iter {
                lp.push_back(m);
                lp.push_back(encode_score(s, &mut buf));
            }
            lp.shrink_to_fit();
            ZSet::Listpack(lp)
        } else {
            ZSet::Skiplist(Box::new(SkipList::from_sorted(iter)))
        }
    }

    /// Converts a listpack to the skiplist encoding (SORT does this to the
    /// sorted set it sorts, as Redis does).
    pub fn to_skiplist(&mut self) {
        if let ZSet::Listpack(_) = self {
            let sl = SkipList::from_sorted(self.iter());
            *self = ZSet::Skiplist(Box::new(sl));
        }
    }

    /// [`ZSet::from_sorted`] for elements in any order (members distinct).
    pub fn from_unsorted(mut items: Vec<(Vec<u8>, f64)>, lim: Limits) -> ZSet {
        items.sort_by(|a, b| cmp_elems((a.1, &a.0), (b.1, &b.0)));
        ZSet::from_sorted(&items, lim)
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            ZSet::Listpack(lp) => lp.len() / 2,
            ZSet::Skiplist(sl) => sl.len(),
        }
    }

    /// Whether it is empty (an empty sorted set is never stored).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match self {
            ZSet::Listpack(_) => "listpack",
            ZSet::Skiplist(_) => "skiplist",
        }
    }

    /// Whether the set is listpack-encoded (positional access is O(n)).
    pub fn is_listpack(&self) -> bool {
        matches!(self, ZSet::Listpack(_))
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Listpack(lp) => lp_find(lp, member).map(|(_, s)| s),
            ZSet::Skiplist(sl) => sl.score(member),
        }
    }

    /// The rank and score of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        match self {
            ZSet::Listpack(lp) => lp_find(lp, member),
            ZSet::Skiplist(sl) => sl.rank(member),
        }
    }

    /// Adds `member`, which must be absent, converting to a skiplist when
    /// the listpack would exceed `lim` (Redis's `zsetAdd`).
    pub fn insert(&mut self, member: &[u8], score: f64, lim: Limits) {
        if let ZSet::Listpack(lp) = self {
            if lp.len() / 2 < lim.entries && member.len() <= lim.value {
                lp_insert(lp, member, score);
                return;
            }
            self.convert();
        }
        if let ZSet::Skiplist(sl) = self {
            sl.insert(member, score);
        }
    }

    /// Changes the score of `member`, which must be present.
    pub fn update(&mut self, member: &[u8], score: f64) {
        match self {
            ZSet::Listpack(lp) => {
                if let Some((i, _)) = lp_find(lp, member) {
                    lp.remove_range(2 * i, 2);
                    lp_insert(lp, member, score);
                }
            }
            ZSet::Skiplist(sl) => {
                sl.update(member, score);
            }
        }
    }

    /// Removes `member`; returns whether it was present.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            ZSet::Listpack(lp) => match lp_find(lp, member) {
                Some((i, _)) => {
                    lp.remove_range(2 * i, 2);
                    true
                }
                None => false,
            },
            ZSet::Skiplist(sl) => sl.remove(member).is_some(),
        }
    }

    /// Releases a listpack's spare capacity: listpacks stay exact-size,
    /// as Redis's do, since most sorted sets are small. Called once per
    /// command that changed the set.
    pub fn shrink_to_fit(&mut self) {
        if let ZSet::Listpack(lp) = self {
            lp.shrink_to_fit();
        }
    }

    /// Converts a listpack to a skiplist (one way).
    fn convert(&mut self) {
        if let ZSet::Listpack(lp) = self {
            *self = ZSet::Skiplist(Box::new(SkipList::from_sorted(pairs(lp))));
        }
    }

    /// The element at `rank`.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        match self {
            ZSet::Listpack(lp) => pairs(lp).nth(rank),
            ZSet::Skiplist(sl) => sl.get(rank),
        }
    }

    /// Every element, in order.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0, false)
    }

    /// Elements from `rank` on: ascending, or descending if `rev`.
    pub fn iter_from(&self, rank: usize, rev: bool) -> Iter<'_> {
        match self {
            ZSet::Listpack(lp) if rev => {
                let mut all: Vec<_> = pairs(lp).take(rank.saturating_add(1)).collect();
                if rank >= all.len() {
                    all.clear();
                }
                Iter::Backward(all.into_iter().rev())
            }
            ZSet::Listpack(lp) => {
                let mut p = pairs(lp);
                if rank > 0 {
                    p.nth(rank - 1);
                }
                Iter::Forward(p)
            }
            ZSet::Skiplist(sl) => Iter::Skiplist(sl.iter_from(rank, rev)),
        }
    }

    /// Removes the elements of ranks `start..=end`; returns how many.
    pub fn remove_range(&mut self, start: usize, end: usize) -> usize {
        let len = self.len();
        if start > end || start >= len {
            return 0;
        }
        let end = end.min(len - 1);
        match self {
            ZSet::Listpack(lp) => {
                lp.remove_range(2 * start, 2 * (end - start + 1));
                end - start + 1
            }
            ZSet::Skiplist(sl) => sl.remove_range(start, end),
        }
    }

    /// Removes and returns the lowest (or, if `max`, the highest) element.
    pub fn pop(&mut self, max: bool) -> Option<(Vec<u8>, f64)> {
        let rank = if max { self.len().checked_sub(1)? } else { 0 };
        match self {
            ZSet::Listpack(lp) => {
                let (m, s) = pairs(lp).nth(rank).map(|(m, s)| (m.to_vec(), s))?;
                lp.remove_range(2 * rank, 2);
                Some((m, s))
            }
            ZSet::Skiplist(sl) => sl.remove_rank(rank),
        }
    }

    /// How many leading elements satisfy `pred`, which holds for a
    /// prefix of the order.
    fn count_while(&self, mut pred: impl FnMut(f64, &[u8]) -> bool) -> usize {
        match self {
            ZSet::Listpack(lp) => pairs(lp).take_while(|&(m, s)| pred(s, m)).count(),
            ZSet::Skiplist(sl) => sl.count_while(pred),
        }
    }

    /// The rank of the first element in `r` (Redis's `zslFirstInRange`).
    pub fn score_first(&self, r: &ScoreRange) -> Option<usize> {
        if r.is_empty() {
            return None;
        }
        let rank = self.count_while(|s, _| !r.gte_min(s));
        self.get(rank).filter(|&(_, s)| r.lte_max(s)).map(|_| rank)
    }

    /// The rank of the last element in `r` (Redis's `zslLastInRange`).
    pub fn score_last(&self, r: &ScoreRange) -> Option<usize> {
        if r.is_empty() {
            return None;
        }
        let rank = self.count_while(|s, _| r.lte_max(s)).checked_sub(1)?;
        self.get(rank).filter(|&(_, s)| r.gte_min(s)).map(|_| rank)
    }

    /// Redis's `zslIsInLexRange`: false when the range is empty, the last
    /// element is below it or the first above it. With mixed scores the
    /// members are not in lexicographic order, and Redis's answers depend
    /// on exactly these checks.
    fn lex_plausible(&self, r: &LexRange) -> bool {
        let len = self.len();
        !r.is_empty()
            && len > 0
            && self.get(len - 1).is_some_and(|(m, _)| r.gte_min(m))
            && self.get(0).is_some_and(|(m, _)| r.lte_max(m))
    }

    /// The rank of the first element in `r`: the first from the head at
    /// or above the minimum, if it is not above the maximum.
    pub fn lex_first(&self, r: &LexRange) -> Option<usize> {
        if !self.lex_plausible(r) {
            return None;
        }
        let rank = self.count_while(|_, m| !r.gte_min(m));
        self.get(rank).filter(|&(m, _)| r.lte_max(m)).map(|_| rank)
    }

    /// The rank of the last element in `r`: the first from the tail at or
    /// below the maximum, if it is not below the minimum.
    pub fn lex_last(&self, r: &LexRange) -> Option<usize> {
        if !self.lex_plausible(r) {
            return None;
        }
        let rank = match self {
            // A linear scan from the tail, as Redis's listpack code does
            // (it differs from the prefix count when scores are mixed).
            ZSet::Listpack(lp) => {
                let all: Vec<_> = pairs(lp).collect();
                all.iter().rposition(|&(m, _)| r.lte_max(m))?
            }
            ZSet::Skiplist(sl) => sl.count_while(|_, m| r.lte_max(m)).checked_sub(1)?,
        };
        self.get(rank).filter(|&(m, _)| r.gte_min(m)).map(|_| rank)
    }

    /// One ZSCAN step: a listpack is returned whole with cursor 0.
    /// Returns the next cursor.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], f64)) -> u64 {
        match self {
            ZSet::Listpack(lp) => {
                for (m, s) in pairs(lp) {
                    f(m, s);
                }
                0
            }
            ZSet::Skiplist(sl) => sl.scan(cursor, count, f),
        }
    }
}

#[cfg(test)]
mod tests;
