//! The set type (the data half of Redis's `t_set.c`, and `intset.c`).
//!
//! A set is an [`IntSet`] while every member is a canonical integer (as
//! Redis's `string2ll` reads one) and there are at most
//! `set-max-intset-entries` of them; otherwise it is a hash table of
//! members. As in Redis 7.0 conversion goes one way only: a hashtable set
//! stays one even after its non-integer members are removed, so OBJECT
//! ENCODING depends on history exactly as it does in Redis.
//!
//! The set algebra (SINTER, SUNION, SDIFF) lives here too, written to
//! build its results the way Redis does, since the result's encoding (and
//! so its reply order) depends on the order members are added.

use std::collections::HashSet;

use super::dict::Dict;
use crate::util::{i64_digits, parse_i64, Rng};

// ---------------------------------------------------------------------------
// Intset
// ---------------------------------------------------------------------------

/// A sorted array of distinct integers packed at the narrowest width (2, 4
/// or 8 bytes) that holds every member, as Redis's intset: one allocation
/// of exactly the size needed. Byte 0 holds the width and the values follow
/// little-endian; an empty intset owns no allocation at all. The width is
/// upgraded when a wider value arrives and, as in Redis, never downgraded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntSet(Box<[u8]>);

/// The narrowest intset width that holds `v`.
fn width_for(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

impl IntSet {
    /// An empty intset.
    pub fn new() -> IntSet {
        IntSet::default()
    }

    /// Bytes per member: 2, 4 or 8.
    pub fn width(&self) -> usize {
        self.0.first().map_or(2, |&w| usize::from(w))
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.0.len().saturating_sub(1) / self.width()
    }

    /// Whether it has no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The member at sorted position `i` (< len).
    pub fn get(&self, i: usize) -> i64 {
        let w = self.width();
        let at = 1 + i * w;
        let mut b = [0u8; 8];
        b[..w].copy_from_slice(&self.0[at..at + w]);
        // Sign-extend the w-byte two's complement value.
        let shift = 64 - 8 * w as u32;
        (i64::from_le_bytes(b) << shift) >> shift
    }

    fn put(buf: &mut [u8], at: usize, w: usize, v: i64) {
        buf[at..at + w].copy_from_slice(&v.to_le_bytes()[..w]);
    }

    /// `Ok(position)` of `v`, or `Err(insertion point)`.
    pub fn find(&self, v: i64) -> Result<usize, usize> {
        let n = self.len();
        if n == 0 {
            return Err(0);
        }
        // Appending in order is the common case (and Redis's shortcut).
        if v > self.get(n - 1) {
            return Err(n);
        }
        if v < self.get(0) {
            return Err(0);
        }
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid).cmp(&v) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// Whether `v` is a member.
    pub fn contains(&self, v: i64) -> bool {
        width_for(v) <= self.width() && self.find(v).is_ok()
    }

    /// Repacks every member at width `w` (wider than the current one).
    fn upgrade(&mut self, w: usize) {
        let n = self.len();
        let mut buf = vec![0u8; 1 + n * w];
        buf[0] = w as u8;
        for i in 0..n {
            IntSet::put(&mut buf, 1 + i * w, w, self.get(i));
        }
        self.0 = buf.into_boxed_slice();
    }

    /// Adds `v`; returns whether it was new. Grows the allocation by
    /// exactly one member, as Redis's `intsetResize` does.
    pub fn insert(&mut self, v: i64) -> bool {
        let need = width_for(v);
        if self.0.is_empty() {
            let mut buf = vec![0u8; 1 + need];
            buf[0] = need as u8;
            IntSet::put(&mut buf, 1, need, v);
            self.0 = buf.into_boxed_slice();
            return true;
        }
        if need > self.width() {
            self.upgrade(need);
        }
        let Err(pos) = self.find(v) else {
            return false;
        };
        let w = self.width();
        let mut buf = std::mem::take(&mut self.0).into_vec();
        let (at, old) = (1 + pos * w, buf.len());
        buf.reserve_exact(w);
        buf.resize(old + w, 0);
        buf.copy_within(at..old, at + w);
        IntSet::put(&mut buf, at, w, v);
        self.0 = buf.into_boxed_slice();
        true
    }

    /// Removes the member at position `pos` (< len) and returns it.
    pub fn remove_at(&mut self, pos: usize) -> i64 {
        let v = self.get(pos);
        let w = self.width();
        let mut buf = std::mem::take(&mut self.0).into_vec();
        let at = 1 + pos * w;
        buf.copy_within(at + w.., at);
        buf.truncate(buf.len() - w);
        self.0 = buf.into_boxed_slice();
        v
    }

    /// Removes `v`; returns whether it was a member.
    pub fn remove(&mut self, v: i64) -> bool {
        if width_for(v) > self.width() {
            return false;
        }
        match self.find(v) {
            Ok(pos) => {
                self.remove_at(pos);
                true
            }
            Err(_) => false,
        }
    }

    /// The members in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Bytes used by the members and header.
    pub fn bytes(&self) -> usize {
        self.0.len()
    }
}

// ---------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------

/// A member as a set holds it: an integer in an intset, bytes in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    /// An intset member.
    Int(i64),
    /// A hashtable member.
    Str(&'a [u8]),
}

impl Member<'_> {
    /// Calls `f` with the member's bytes (integers rendered on the stack).
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match *self {
            Member::Int(v) => f(i64_digits(v, &mut [0u8; 20])),
            Member::Str(s) => f(s),
        }
    }

    /// An owned copy of the member's bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }
}

// ---------------------------------------------------------------------------
// Set
// ---------------------------------------------------------------------------

/// A set value: 16 bytes (the tag hides in a pointer niche), so it does
/// not widen [`Value`].
///
/// [`Value`]: super::Value
#[derive(Debug, Clone)]
pub enum Set {
    /// Canonical integers only, at most `set-max-intset-entries`.
    Ints(IntSet),
    /// Any members.
    Table(Box<Dict<()>>),
}

impl Default for Set {
    fn default() -> Set {
        Set::new()
    }
}

impl Set {
    /// Heap bytes (MEMORY USAGE), sampling `samples` members of a table
    /// (0: all).
    pub fn mem_usage(&self, samples: usize) -> usize {
        match self {
            Set::Ints(s) => s.bytes(),
            Set::Table(d) => std::mem::size_of::<Dict<()>>() + d.mem_usage(samples, |_| 0),
        }
    }

    /// An empty set in the intset encoding (Redis's `createIntsetObject`;
    /// adding a non-integer first gives what `setTypeCreate` would).
    pub fn new() -> Set {
        Set::Ints(IntSet::new())
    }

    /// A set of `members`, added in order (Redis's `setTypeCreate` and
    /// `setTypeAdd`).
    pub fn from_members<'a>(members: impl IntoIterator<Item = &'a [u8]>, max_ints: usize) -> Set {
        let mut s = Set::new();
        for m in members {
            s.add(m, max_ints);
        }
        s
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            Set::Ints(i) => i.len(),
            Set::Table(d) => d.len(),
        }
    }

    /// Whether it is empty (an empty set is never stored).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }

    /// Converts an intset to a hashtable (Redis's `setTypeConvert`).
    fn make_table(&mut self) -> &mut Dict<()> {
        if let Set::Ints(ints) = self {
            let mut d = Dict::new();
            let mut buf = [0u8; 20];
            for v in ints.iter() {
                d.insert_new(i64_digits(v, &mut buf), ());
            }
            *self = Set::Table(Box::new(d));
        }
        match self {
            Set::Table(d) => d,
            Set::Ints(_) => unreachable!("converted above"),
        }
    }

    /// Adds `m`; returns whether it was new. Converts to a hashtable when
    /// `m` is not an integer or the intset outgrows `max_ints`.
    pub fn add(&mut self, m: &[u8], max_ints: usize) -> bool {
        if let Set::Table(d) = self {
            return d.insert(m, ()).is_none();
        }
        match parse_i64(m) {
            Some(v) => self.add_int(v, max_ints),
            None => {
                self.make_table().insert_new(m, ());
                true
            }
        }
    }

    fn add_int(&mut self, v: i64, max_ints: usize) -> bool {
        match self {
            Set::Ints(ints) => {
                if !ints.insert(v) {
                    return false;
                }
                if ints.len() > max_ints {
                    self.make_table();
                }
                true
            }
            Set::Table(d) => d.insert(i64_digits(v, &mut [0u8; 20]), ()).is_none(),
        }
    }

    /// [`Set::add`] for a member read from another set.
    pub fn add_member(&mut self, m: Member, max_ints: usize) -> bool {
        match m {
            Member::Int(v) => self.add_int(v, max_ints),
            Member::Str(s) => self.add(s, max_ints),
        }
    }

    /// Removes `m`; returns whether it was a member.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self {
            Set::Ints(ints) => parse_i64(m).is_some_and(|v| ints.remove(v)),
            Set::Table(d) => d.remove(m).is_some(),
        }
    }

    /// [`Set::remove`] for a member read from another set.
    pub fn remove_member(&mut self, m: Member) -> bool {
        match (self, m) {
            (Set::Ints(ints), Member::Int(v)) => ints.remove(v),
            (s, m) => m.with_bytes(|b| s.remove(b)),
        }
    }

    /// Whether `m` is a member.
    pub fn contains(&self, m: &[u8]) -> bool {
        match self {
            Set::Ints(ints) => parse_i64(m).is_some_and(|v| ints.contains(v)),
            Set::Table(d) => d.contains_key(m),
        }
    }

    /// [`Set::contains`] for a member read from another set.
    pub fn contains_member(&self, m: Member) -> bool {
        match (self, m) {
            (Set::Ints(ints), Member::Int(v)) => ints.contains(v),
            (s, m) => m.with_bytes(|b| s.contains(b)),
        }
    }

    /// Every member: ascending for an intset, table order otherwise.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            Set::Ints(ints) => Iter::Ints(ints, 0),
            Set::Table(d) => Iter::Table(d.iter()),
        }
    }

    /// A uniformly random member, or `None` when empty.
    pub fn random(&self, rng: &mut Rng) -> Option<Member<'_>> {
        match self {
            Set::Ints(ints) if ints.is_empty() => None,
            Set::Ints(ints) => Some(Member::Int(ints.get(rng.below(ints.len())))),
            Set::Table(d) => fair_random(d, rng).map(Member::Str),
        }
    }

    /// Removes and returns a uniformly random member.
    pub fn pop_random(&mut self, rng: &mut Rng) -> Option<Vec<u8>> {
        match self {
            Set::Ints(ints) if ints.is_empty() => None,
            Set::Ints(ints) => {
                let v = ints.remove_at(rng.below(ints.len()));
                Some(Member::Int(v).to_vec())
            }
            Set::Table(d) => {
                let k = fair_random(d, rng)?.to_vec();
                d.remove(&k);
                Some(k)
            }
        }
    }

    /// The members in the order Redis replies with them after copying the
    /// set into a fresh one (SPOP with a count covering the whole set goes
    /// through SUNION's code): a hashtable holding only integers, few
    /// enough for an intset, comes back sorted.
    pub fn union_order(&self, max_ints: usize) -> Vec<Member<'_>> {
        let mut out: Vec<Member> = self.iter().collect();
        if let Set::Table(_) = self {
            if out.len() <= max_ints {
                let ints: Option<Vec<i64>> = out
                    .iter()
                    .map(|m| match m {
                        Member::Str(s) => parse_i64(s),
                        Member::Int(v) => Some(*v),
                    })
                    .collect();
                if let Some(mut ints) = ints {
                    ints.sort_unstable();
                    out = ints.into_iter().map(Member::Int).collect();
                }
            }
        }
        out
    }

    /// One SSCAN step: an intset is returned whole (cursor 0); a table
    /// visits buckets from `cursor` until about `count` members were seen
    /// or `count * 10` buckets were visited. Returns the next cursor.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(Member)) -> u64 {
        match self {
            Set::Ints(ints) => {
                ints.iter().for_each(|v| f(Member::Int(v)));
                0
            }
            Set::Table(d) => {
                let (mut cursor, mut seen) = (cursor, 0);
                let mut budget = count.saturating_mul(10);
                loop {
                    cursor = d.scan(cursor, |k, _| {
                        seen += 1;
                        f(Member::Str(k));
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

/// A uniformly random key of a table (`Dict::random` is fair).
fn fair_random<'a>(d: &'a Dict<()>, rng: &mut Rng) -> Option<&'a [u8]> {
    d.random(rng).map(|(k, _)| k)
}

/// Iterator over a [`Set`]'s members.
pub enum Iter<'a> {
    /// Over an intset, by position.
    Ints(&'a IntSet, usize),
    /// Over a table.
    Table(super::dict::Iter<'a, ()>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        match self {
            Iter::Ints(ints, i) => {
                if *i >= ints.len() {
                    return None;
                }
                *i += 1;
                Some(Member::Int(ints.get(*i - 1)))
            }
            Iter::Table(it) => it.next().map(|(k, _)| Member::Str(k)),
        }
    }
}

// ---------------------------------------------------------------------------
// Set algebra
// ---------------------------------------------------------------------------

/// SINTER (Redis's `sinterGenericCommand`): the members of the smallest
/// set found in every other set, in that set's iteration order, stopping
/// after `limit` members when it is nonzero. Every set exists (a missing
/// key makes the intersection empty before this is reached).
pub fn inter<'a>(sets: &[&'a Set], limit: usize) -> Vec<Member<'a>> {
    let mut order: Vec<&Set> = sets.to_vec();
    order.sort_by_key(|s| s.len());
    let Some((&first, rest)) = order.split_first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in first.iter() {
        if rest
            .iter()
            .all(|s| std::ptr::eq(*s, first) || s.contains_member(m))
        {
            out.push(m);
            if limit != 0 && out.len() >= limit {
                break;
            }
        }
    }
    out
}

/// SUNION (Redis's `sunionDiffGenericCommand`): every member of every
/// existing set, added to a fresh set in argument order.
pub fn union(sets: &[Option<&Set>], max_ints: usize) -> Set {
    let mut dst = Set::new();
    for s in sets.iter().flatten() {
        for m in s.iter() {
            dst.add_member(m, max_ints);
        }
    }
    dst
}

/// SDIFF (Redis's `sunionDiffGenericCommand`): the members of the first
/// set found in none of the others. Redis picks one of two algorithms by
/// estimated work, and they can leave the result in different encodings
/// (removing from a copy keeps a hashtable that filtering would not have
/// created), so both are reproduced.
pub fn diff(sets: &[Option<&Set>], max_ints: usize) -> Set {
    let mut dst = Set::new();
    let Some(Some(first)) = sets.first().copied() else {
        return dst;
    };
    let present = sets.iter().flatten().count();
    let one = (first.len() * present) / 2;
    let two: usize = sets.iter().flatten().map(|s| s.len()).sum();
    if one <= two {
        // Algorithm 1: test each member of the first set against the
        // others, larger sets first (they are likelier to hold it).
        let mut others: Vec<&Set> = sets[1..].iter().flatten().copied().collect();
        others.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for m in first.iter() {
            if !others
                .iter()
                .any(|s| std::ptr::eq(*s, first) || s.contains_member(m))
            {
                dst.add_member(m, max_ints);
            }
        }
    } else {
        // Algorithm 2: copy the first set, then remove every other member.
        for m in first.iter() {
            dst.add_member(m, max_ints);
        }
        for s in sets[1..].iter().flatten() {
            if dst.is_empty() {
                break;
            }
            for m in s.iter() {
                dst.remove_member(m);
            }
        }
    }
    dst
}

/// Distinct random members of a non-empty set, `count` < len (SRANDMEMBER
/// with a positive count): when `count` is a large share of the set, a
/// partial shuffle of every member; otherwise random draws until enough
/// distinct ones came up (Redis's cases 3 and 4). Uniform either way.
pub fn sample<'a>(set: &'a Set, count: usize, rng: &mut Rng) -> Vec<Member<'a>> {
    if count * 3 > set.len() {
        let mut all: Vec<Member> = set.iter().collect();
        partial_shuffle(&mut all, count, rng);
        all.truncate(count);
        return all;
    }
    let mut seen: HashSet<Member> = HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let Some(m) = set.random(rng) else { break };
        if seen.insert(m) {
            out.push(m);
        }
    }
    out
}

/// Moves a uniformly chosen `k`-subset, in random order, to the front.
pub fn partial_shuffle<T>(items: &mut [T], k: usize, rng: &mut Rng) {
    let n = items.len();
    for i in 0..k.min(n) {
        let j = i + rng.below(n - i);
        items.swap(i, j);
    }
}

impl std::hash::Hash for Member<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Member::Int(v) => v.hash(state),
            Member::Str(s) => s.hash(state),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::Rng;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn members(s: &Set) -> BTreeSet<Vec<u8>> {
        s.iter().map(|m| m.to_vec()).collect()
    }

    fn int_strategy() -> impl Strategy<Value = i64> {
        prop_oneof![
            -300i64..300,
            any::<i16>().prop_map(i64::from),
            any::<i32>().prop_map(i64::from),
            any::<i64>(),
            Just(i64::MIN),
            Just(i64::MAX),
        ]
    }

    fn member_strategy() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => int_strategy().prop_map(|v| v.to_string().into_bytes()),
            1 => "[a-c0-9-]{0,3}".prop_map(String::into_bytes),
            1 => Just(b"007".to_vec()),
            1 => Just(b"-0".to_vec()),
        ]
    }

    proptest! {
        /// The intset behaves like a BTreeSet, stays sorted and packed at
        /// the width of its widest member ever added.
        #[test]
        fn intset_matches_model(ops in proptest::collection::vec((any::<bool>(), int_strategy()), 0..300)) {
            let mut s = IntSet::new();
            let mut m = BTreeSet::new();
            let mut widest = 2;
            for (add, v) in ops {
                if add {
                    prop_assert_eq!(s.insert(v), m.insert(v));
                    widest = widest.max(width_for(v));
                } else {
                    prop_assert_eq!(s.remove(v), m.remove(&v));
                }
                prop_assert_eq!(s.len(), m.len());
                prop_assert_eq!(s.contains(v), m.contains(&v));
                if !m.is_empty() {
                    prop_assert_eq!(s.width(), widest);
                    prop_assert_eq!(s.bytes(), 1 + widest * m.len());
                }
            }
            prop_assert_eq!(s.iter().collect::<Vec<_>>(), m.into_iter().collect::<Vec<_>>());
        }

        /// A set in either encoding behaves like a BTreeSet of byte
        /// strings, and is an intset exactly when Redis's rules say so.
        #[test]
        fn set_matches_model(
            ops in proptest::collection::vec((0u8..3, member_strategy()), 0..300),
            max in 0usize..20,
        ) {
            let mut s = Set::new();
            let mut m: BTreeSet<Vec<u8>> = BTreeSet::new();
            let mut was_table = false;
            for (op, x) in ops {
                match op {
                    0 => {
                        prop_assert_eq!(s.add(&x, max), m.insert(x.clone()));
                        was_table |= parse_i64(&x).is_none() || m.len() > max;
                    }
                    1 => prop_assert_eq!(s.remove(&x), m.remove(&x)),
                    _ => prop_assert_eq!(s.contains(&x), m.contains(&x)),
                }
                prop_assert_eq!(s.len(), m.len());
                prop_assert_eq!(s.encoding(), if was_table { "hashtable" } else { "intset" });
            }
            prop_assert_eq!(members(&s), m.clone());
            if let Set::Ints(_) = s {
                let order: Vec<Vec<u8>> = s.iter().map(|x| x.to_vec()).collect();
                let mut sorted: Vec<i64> = m.iter().map(|x| parse_i64(x).unwrap()).collect();
                sorted.sort();
                let sorted: Vec<Vec<u8>> = sorted.iter().map(|v| v.to_string().into_bytes()).collect();
                prop_assert_eq!(order, sorted);
            }
        }

        /// SINTER, SUNION and SDIFF agree with the model, whatever the
        /// encodings of their inputs.
        #[test]
        fn algebra_matches_model(
            inputs in proptest::collection::vec(
                proptest::option::of(proptest::collection::vec(member_strategy(), 0..40)), 1..5),
            max in 0usize..30,
        ) {
            let sets: Vec<Option<Set>> = inputs
                .iter()
                .map(|o| o.as_ref().map(|v| Set::from_members(v.iter().map(|x| &x[..]), max)))
                .collect();
            let models: Vec<BTreeSet<Vec<u8>>> = inputs
                .iter()
                .map(|o| o.iter().flatten().cloned().collect())
                .collect();
            let refs: Vec<Option<&Set>> = sets.iter().map(|s| s.as_ref()).collect();
            let mut want_union = BTreeSet::new();
            for m in &models {
                want_union.extend(m.iter().cloned());
            }
            prop_assert_eq!(members(&union(&refs, max)), want_union);
            let mut want_diff = models[0].clone();
            for m in &models[1..] {
                want_diff.retain(|x| !m.contains(x));
            }
            prop_assert_eq!(members(&diff(&refs, max)), want_diff);
            if refs.iter().all(|s| s.is_some()) {
                let all: Vec<&Set> = refs.iter().flatten().copied().collect();
                let mut want = models[0].clone();
                for m in &models[1..] {
                    want.retain(|x| m.contains(x));
                }
                let got: BTreeSet<Vec<u8>> = inter(&all, 0).iter().map(|m| m.to_vec()).collect();
                prop_assert_eq!(got, want.clone());
                prop_assert_eq!(inter(&all, 2).len(), want.len().min(2));
            }
        }
    }

    /// A set is narrower than a string value, so it never widens the
    /// entries of the keyspace.
    #[test]
    fn set_is_small() {
        assert_eq!(std::mem::size_of::<Set>(), 16);
    }

    #[test]
    fn widths_and_sign_extension() {
        let mut s = IntSet::new();
        assert_eq!(s.width(), 2);
        s.insert(-1);
        assert_eq!((s.width(), s.get(0)), (2, -1));
        s.insert(40_000);
        assert_eq!(s.width(), 4);
        s.insert(i64::MIN);
        assert_eq!(s.width(), 8);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![i64::MIN, -1, 40_000]);
        s.remove(i64::MIN);
        assert_eq!(s.width(), 8, "never downgraded");
    }

    #[test]
    fn conversion_is_one_way() {
        let mut s = Set::new();
        assert!(s.add(b"1", 512));
        assert_eq!(s.encoding(), "intset");
        assert!(s.add(b"a", 512));
        assert!(s.remove(b"a"));
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"1"));
        let mut t = Set::new();
        for i in 0..4 {
            t.add(i.to_string().as_bytes(), 3);
        }
        assert_eq!(t.encoding(), "hashtable");
        assert_eq!(
            t.union_order(512),
            (0..4).map(Member::Int).collect::<Vec<_>>()
        );
    }

    /// Random picks are uniform in both encodings, including tables large
    /// enough to be sampled through their buckets.
    #[test]
    fn random_is_fair() {
        let mut rng = Rng::from_entropy();
        for (n, strings) in [(10, false), (10, true), (200, true)] {
            let mut s = Set::new();
            for i in 0..n {
                let m = if strings {
                    format!("m{i}")
                } else {
                    i.to_string()
                };
                s.add(m.as_bytes(), 512);
            }
            let draws = 2000 * n;
            let mut hits = std::collections::HashMap::new();
            for _ in 0..draws {
                *hits
                    .entry(s.random(&mut rng).unwrap().to_vec())
                    .or_insert(0usize) += 1;
            }
            assert_eq!(hits.len(), n);
            // Chi-square with n-1 degrees of freedom, far in the tail.
            let e = (draws / n) as f64;
            let chi: f64 = hits.values().map(|&h| (h as f64 - e).powi(2) / e).sum();
            assert!(chi < 2.0 * n as f64 + 60.0, "chi-square {chi} for n={n}");
        }
    }

    #[test]
    fn sample_and_pop() {
        let mut rng = Rng::from_entropy();
        let s = Set::from_members(
            (0..100)
                .map(|i| format!("x{i}"))
                .collect::<Vec<_>>()
                .iter()
                .map(|x| x.as_bytes()),
            512,
        );
        for count in [1, 10, 50, 99] {
            let got = sample(&s, count, &mut rng);
            let distinct: BTreeSet<Vec<u8>> = got.iter().map(|m| m.to_vec()).collect();
            assert_eq!((got.len(), distinct.len()), (count, count));
        }
        let mut t = s.clone();
        let mut popped = BTreeSet::new();
        while let Some(m) = t.pop_random(&mut rng) {
            assert!(popped.insert(m));
        }
        assert_eq!(popped, members(&s));
    }
}
