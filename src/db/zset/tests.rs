//! The sorted-set structure against a plain sorted-vector model, in both
//! encodings, with the skiplist's invariants checked after every step.

use super::*;
use proptest::prelude::*;

const SCORES: &[f64] = &[
    f64::NEG_INFINITY,
    -2.5,
    -1.0,
    -0.0,
    0.0,
    0.1,
    1.0,
    1.5,
    2.0,
    1e20,
    f64::INFINITY,
];
const MEMBERS: &[&[u8]] = &[
    b"", b"a", b"b", b"ba", b"c", b"d", b"e", b"f", b"g", b"h", b"long", b"\xff",
];

/// Elements in order, as a sorted vector.
#[derive(Default, Debug)]
struct Model(Vec<(Vec<u8>, f64)>);

impl Model {
    fn find(&self, m: &[u8]) -> Option<usize> {
        self.0.iter().position(|(x, _)| x == m)
    }

    fn insert(&mut self, m: &[u8], s: f64) {
        let pos = self
            .0
            .iter()
            .position(|(x, y)| cmp_elems((*y, x), (s, m)) == Ordering::Greater)
            .unwrap_or(self.0.len());
        self.0.insert(pos, (m.to_vec(), s));
    }

    fn remove(&mut self, m: &[u8]) -> bool {
        match self.find(m) {
            Some(i) => {
                self.0.remove(i);
                true
            }
            None => false,
        }
    }
}

fn same(z: &ZSet, model: &Model) -> Result<(), TestCaseError> {
    if let ZSet::Skiplist(sl) = z {
        sl.check();
    }
    prop_assert_eq!(z.len(), model.0.len());
    let got: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
    prop_assert_eq!(got.len(), model.0.len());
    for (g, w) in got.iter().zip(&model.0) {
        prop_assert_eq!(&g.0, &w.0);
        prop_assert!(g.1 == w.1, "score {} vs {}", g.1, w.1);
    }
    for (i, (m, s)) in model.0.iter().enumerate() {
        let (r, sc) = z.rank(m).expect("member present");
        prop_assert_eq!(r, i);
        prop_assert!(sc == *s);
        prop_assert_eq!(z.get(i).map(|(m, _)| m.to_vec()), Some(m.clone()));
    }
    Ok(())
}

fn range_strategy() -> impl Strategy<Value = ScoreRange> {
    (
        0..SCORES.len(),
        0..SCORES.len(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(a, b, minex, maxex)| ScoreRange {
            min: SCORES[a],
            max: SCORES[b],
            minex,
            maxex,
        })
}

fn lex_bound(kind: u8, m: usize) -> LexBound<'static> {
    match kind % 4 {
        0 => LexBound::Min,
        1 => LexBound::Max,
        2 => LexBound::Incl(MEMBERS[m]),
        _ => LexBound::Excl(MEMBERS[m]),
    }
}

#[derive(Debug, Clone)]
enum Op {
    Add(usize, usize),
    Remove(usize),
    RemoveRange(usize, usize),
    Pop(bool),
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..MEMBERS.len(), 0..SCORES.len()).prop_map(|(m, s)| Op::Add(m, s)),
        2 => (0..MEMBERS.len()).prop_map(Op::Remove),
        1 => (0usize..14, 0usize..14).prop_map(|(a, b)| Op::RemoveRange(a, b)),
        1 => any::<bool>().prop_map(Op::Pop),
    ]
}

fn apply(z: &mut ZSet, model: &mut Model, op: &Op, lim: Limits) -> Result<(), TestCaseError> {
    match *op {
        Op::Add(m, s) => {
            let (m, s) = (MEMBERS[m], SCORES[s]);
            if z.score(m).is_some() {
                z.update(m, s);
                model.remove(m);
            } else {
                z.insert(m, s, lim);
            }
            model.insert(m, s);
        }
        Op::Remove(m) => prop_assert_eq!(z.remove(MEMBERS[m]), model.remove(MEMBERS[m])),
        Op::RemoveRange(a, b) => {
            let n = z.remove_range(a, b);
            let want = if a <= b && a < model.0.len() {
                model.0.drain(a..=b.min(model.0.len() - 1)).count()
            } else {
                0
            };
            prop_assert_eq!(n, want);
        }
        Op::Pop(max) => {
            let want = if max {
                model.0.pop()
            } else if model.0.is_empty() {
                None
            } else {
                Some(model.0.remove(0))
            };
            let got = z.pop(max);
            prop_assert_eq!(got.as_ref().map(|g| &g.0), want.as_ref().map(|w| &w.0));
        }
    }
    Ok(())
}

proptest! {
    /// Any mix of operations gives the model's contents, ranks and range
    /// answers, whatever the encoding limits.
    #[test]
    fn matches_model(
        ops in proptest::collection::vec(op_strategy(), 0..120),
        entries in prop_oneof![Just(0usize), Just(4), Just(1000)],
        ranges in proptest::collection::vec(range_strategy(), 8),
    ) {
        let lim = Limits { entries, value: 3 };
        let mut z = ZSet::new();
        let mut model = Model::default();
        for op in &ops {
            apply(&mut z, &mut model, op, lim)?;
            same(&z, &model)?;
            // Encoding: a listpack only while within the limits.
            if z.is_listpack() {
                prop_assert!(z.len() <= entries);
            }
        }
        for r in &ranges {
            let first = model.0.iter().position(|(_, s)| r.gte_min(*s) && r.lte_max(*s));
            let last = model.0.iter().rposition(|(_, s)| r.gte_min(*s) && r.lte_max(*s));
            prop_assert_eq!(z.score_first(r), first, "{:?}", r);
            prop_assert_eq!(z.score_last(r), last, "{:?}", r);
        }
        // Iteration from every rank, both ways.
        for rank in 0..=model.0.len() {
            let fwd: Vec<Vec<u8>> = z.iter_from(rank, false).map(|(m, _)| m.to_vec()).collect();
            let want: Vec<Vec<u8>> = model.0.iter().skip(rank).map(|(m, _)| m.clone()).collect();
            prop_assert_eq!(fwd, want);
            let rev: Vec<Vec<u8>> = z.iter_from(rank, true).map(|(m, _)| m.to_vec()).collect();
            let want: Vec<Vec<u8>> = if rank < model.0.len() {
                model.0[..=rank].iter().rev().map(|(m, _)| m.clone()).collect()
            } else {
                Vec::new()
            };
            prop_assert_eq!(rev, want);
        }
        // A copy rebuilt from its elements holds the same.
        let items: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
        let again = ZSet::from_unsorted(items.clone(), lim);
        let maxlen = items.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        prop_assert_eq!(again.is_listpack(), lim.fits(items.len(), maxlen));
        same(&again, &model)?;
    }

    /// Lexicographic ranges over equal scores, in both encodings.
    #[test]
    fn lex_ranges_match_model(
        members in proptest::collection::btree_set(0..MEMBERS.len(), 0..MEMBERS.len()),
        bounds in proptest::collection::vec((any::<u8>(), 0..MEMBERS.len(), any::<u8>(), 0..MEMBERS.len()), 12),
        entries in prop_oneof![Just(0usize), Just(1000)],
    ) {
        let lim = Limits { entries, value: 100 };
        let mut z = ZSet::new();
        let mut model = Model::default();
        for &m in &members {
            z.insert(MEMBERS[m], 7.0, lim);
            model.insert(MEMBERS[m], 7.0);
        }
        for &(k1, m1, k2, m2) in &bounds {
            let r = LexRange { min: lex_bound(k1, m1), max: lex_bound(k2, m2) };
            let inr = |m: &[u8]| r.gte_min(m) && r.lte_max(m);
            let first = model.0.iter().position(|(m, _)| inr(m));
            let last = model.0.iter().rposition(|(m, _)| inr(m));
            prop_assert_eq!(z.lex_first(&r), first, "{:?}", r);
            prop_assert_eq!(z.lex_last(&r), last, "{:?}", r);
            if r.is_empty() {
                prop_assert!(first.is_none());
            }
        }
    }

    /// With mixed scores a listpack answers as Redis's linear scans do.
    #[test]
    fn listpack_lex_with_mixed_scores(
        elems in proptest::collection::vec((0..MEMBERS.len(), 0..SCORES.len()), 0..10),
        bounds in proptest::collection::vec((any::<u8>(), 0..MEMBERS.len(), any::<u8>(), 0..MEMBERS.len()), 12),
    ) {
        let lim = Limits { entries: 1000, value: 100 };
        let mut z = ZSet::new();
        let mut model = Model::default();
        for &(m, s) in &elems {
            if z.score(MEMBERS[m]).is_none() {
                z.insert(MEMBERS[m], SCORES[s], lim);
                model.insert(MEMBERS[m], SCORES[s]);
            }
        }
        for &(k1, m1, k2, m2) in &bounds {
            let r = LexRange { min: lex_bound(k1, m1), max: lex_bound(k2, m2) };
            let v = &model.0;
            let plausible = !r.is_empty()
                && !v.is_empty()
                && r.gte_min(&v[v.len() - 1].0)
                && r.lte_max(&v[0].0);
            let first = v
                .iter()
                .position(|(m, _)| r.gte_min(m))
                .filter(|&i| plausible && r.lte_max(&v[i].0));
            let last = v
                .iter()
                .rposition(|(m, _)| r.lte_max(m))
                .filter(|&i| plausible && r.gte_min(&v[i].0));
            prop_assert_eq!(z.lex_first(&r), first);
            prop_assert_eq!(z.lex_last(&r), last);
        }
    }
}

#[test]
fn listpack_scores_round_trip() {
    for v in [
        0.0,
        1.0,
        -1.0,
        127.0,
        128.0,
        -129.0,
        1e15,
        -(2f64.powi(55)) + 1.0,
        2f64.powi(55),
        1e20,
        0.1,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE,
    ] {
        let mut buf = [0u8; 8];
        let enc = encode_score(v, &mut buf).to_vec();
        assert_eq!(decode_score(&enc).to_bits(), v.to_bits(), "{v}");
    }
    let mut buf = [0u8; 8];
    assert_eq!(encode_score(0.0, &mut buf).len(), 0);
    assert_eq!(encode_score(100.0, &mut buf).len(), 1);
    // -0 is stored as the integer 0, as in Redis's listpacks.
    assert_eq!(decode_score(encode_score(-0.0, &mut buf)).to_bits(), 0);
}

/// ZSCAN finds every element present for the whole scan, even when the
/// arena is compacted between calls.
#[test]
fn scan_survives_compaction() {
    let mut sl = SkipList::new();
    for i in 0..6000u32 {
        sl.insert(format!("m{i}").as_bytes(), f64::from(i % 97));
    }
    let keep = |i: u32| i.is_multiple_of(7);
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = 0;
    let mut step = 0u32;
    let mut next_removal = 0u32;
    loop {
        cursor = sl.scan(cursor, 50, |m, _| {
            seen.insert(m.to_vec());
        });
        step += 1;
        // Remove the non-kept members over the first calls: the arena
        // is compacted on the way.
        while next_removal < 6000 && next_removal < step * 600 {
            if !keep(next_removal) {
                sl.remove(format!("m{next_removal}").as_bytes());
            }
            next_removal += 1;
        }
        if cursor == 0 {
            break;
        }
    }
    sl.check();
    assert!(sl.compactions() > 0, "the arena was compacted");
    for i in (0..6000u32).filter(|&i| keep(i)) {
        assert!(seen.contains(format!("m{i}").as_bytes()), "missed m{i}");
    }
    assert_eq!(sl.len(), (0..6000u32).filter(|&i| keep(i)).count());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A skiplist large enough for many levels, under long mixes of
    /// inserts, score changes, removals by member and by rank range.
    #[test]
    fn large_skiplist_matches_model(
        ops in proptest::collection::vec((0u8..4, 0u16..600, 0u8..40), 0..3000),
    ) {
        let mut sl = SkipList::new();
        let mut model = Model::default();
        for (i, &(op, m, s)) in ops.iter().enumerate() {
            let member = format!("member{m}").into_bytes();
            let score = f64::from(s) / 4.0;
            match op {
                0 | 1 => {
                    if sl.score(&member).is_some() {
                        sl.update(&member, score);
                        model.remove(&member);
                    } else {
                        sl.insert(&member, score);
                    }
                    model.insert(&member, score);
                }
                2 => prop_assert_eq!(sl.remove(&member).is_some(), model.remove(&member)),
                _ => {
                    let (start, n) = (usize::from(m) % 50, usize::from(s) % 8);
                    let removed = sl.remove_range(start, start + n);
                    let want = if start < model.0.len() {
                        model.0.drain(start..=(start + n).min(model.0.len() - 1)).count()
                    } else {
                        0
                    };
                    prop_assert_eq!(removed, want);
                }
            }
            if i % 500 == 0 {
                sl.check();
            }
        }
        sl.check();
        prop_assert_eq!(sl.len(), model.0.len());
        for (r, (m, s)) in model.0.iter().enumerate() {
            prop_assert_eq!(sl.rank(m), Some((r, *s)));
            prop_assert_eq!(sl.get(r), Some((&m[..], *s)));
        }
        let all: Vec<(Vec<u8>, f64)> = sl.iter().map(|(m, s)| (m.to_vec(), s)).collect();
        prop_assert_eq!(all, model.0);
    }
}

/// Members present for a whole ZSCAN pass (from cursor 0 to 0) are seen.
#[derive(Default)]
struct ScanState {
    cursor: u64,
    /// Members present when the pass started and not removed since.
    stable: std::collections::BTreeSet<Vec<u8>>,
    seen: std::collections::BTreeSet<Vec<u8>>,
    passes: usize,
}

impl ScanState {
    fn step(&mut self, sl: &SkipList, model: &Model, count: usize) -> Result<(), TestCaseError> {
        if self.cursor == 0 {
            self.stable = model.0.iter().map(|(m, _)| m.clone()).collect();
            self.seen.clear();
        }
        let seen = &mut self.seen;
        self.cursor = sl.scan(self.cursor, count, |m, s| {
            seen.insert(m.to_vec());
            assert!(sl.score(m) == Some(s));
        });
        if self.cursor == 0 {
            for m in &self.stable {
                prop_assert!(self.seen.contains(m), "ZSCAN missed {:?}", m);
            }
            self.passes += 1;
        }
        Ok(())
    }

    fn removed(&mut self, m: &[u8]) {
        self.stable.remove(m);
    }
}

#[derive(Debug, Clone)]
enum BigOp {
    /// Insert or update member `.0` with score `.1`.
    Add(u16, u8),
    Remove(u16),
    RemoveRange(u16, u16),
    RemoveRank(u16),
    /// Replace the list by its copy (true), or copy, mutate the copy and
    /// drop it (false).
    Clone(bool),
    /// A ZSCAN step of this count.
    Scan(u16),
}

fn big_op_strategy() -> impl Strategy<Value = BigOp> {
    prop_oneof![
        4 => (0u16..2000, 0u8..50).prop_map(|(m, s)| BigOp::Add(m, s)),
        2 => (0u16..2000).prop_map(BigOp::Remove),
        2 => (0u16..1500, 0u16..700).prop_map(|(a, n)| BigOp::RemoveRange(a, n)),
        1 => (0u16..1500).prop_map(BigOp::RemoveRank),
        1 => any::<bool>().prop_map(BigOp::Clone),
        2 => (1u16..400).prop_map(BigOp::Scan),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// The node blocks and the slot vector under every kind of change:
    /// inserts, updates (in place or moved), removals by member, rank and
    /// range, copies, compactions (large range removals shrink the list
    /// below a quarter of its slots) and a ZSCAN running through all of
    /// it; invariants and the model checked after every step.
    #[test]
    fn skiplist_blocks_clone_compact_scan(
        initial in 1000u16..1600,
        ops in proptest::collection::vec(big_op_strategy(), 50..250),
    ) {
        let member = |m: u16| format!("m{m}").into_bytes();
        let items: Vec<(Vec<u8>, f64)> =
            (0..initial).map(|m| (member(m), f64::from(m % 61) / 2.0)).collect();
        let mut model = Model::default();
        for (m, s) in &items {
            model.insert(m, *s);
        }
        let mut sl = SkipList::from_sorted(model.0.iter().map(|(m, s)| (&m[..], *s)));
        sl.check();
        let mut scan = ScanState::default();
        for op in &ops {
            match *op {
                BigOp::Add(m, s) => {
                    let (m, s) = (member(m), f64::from(s) / 2.0);
                    if model.find(&m).is_some() {
                        prop_assert!(sl.update(&m, s).is_some());
                        model.remove(&m);
                    } else {
                        sl.insert(&m, s);
                    }
                    model.insert(&m, s);
                }
                BigOp::Remove(m) => {
                    let m = member(m);
                    prop_assert_eq!(sl.remove(&m).is_some(), model.remove(&m));
                    scan.removed(&m);
                }
                BigOp::RemoveRange(a, n) => {
                    let (a, b) = (usize::from(a), usize::from(a) + usize::from(n));
                    let want: Vec<(Vec<u8>, f64)> = if a < model.0.len() {
                        model.0.drain(a..=b.min(model.0.len() - 1)).collect()
                    } else {
                        Vec::new()
                    };
                    prop_assert_eq!(sl.remove_range(a, b), want.len());
                    for (m, _) in &want {
                        scan.removed(m);
                    }
                }
                BigOp::RemoveRank(r) => {
                    let r = usize::from(r);
                    let want = (r < model.0.len()).then(|| model.0.remove(r));
                    let got = sl.remove_rank(r);
                    prop_assert_eq!(&got, &want);
                    if let Some((m, _)) = got {
                        scan.removed(&m);
                    }
                }
                BigOp::Clone(keep) => {
                    let mut copy = sl.clone();
                    copy.check();
                    prop_assert!(copy.iter().eq(sl.iter()));
                    if keep {
                        // The copy continues the scan where the original was.
                        sl = copy;
                    } else {
                        copy.remove_range(0, 10);
                        copy.insert(b"only in the copy", 1.0);
                        copy.check();
                        drop(copy);
                    }
                }
                BigOp::Scan(count) => scan.step(&sl, &model, usize::from(count))?,
            }
            sl.check();
            prop_assert_eq!(sl.len(), model.0.len());
            prop_assert!(sl.iter().map(|(m, s)| (m.to_vec(), s)).eq(model.0.iter().cloned()));
        }
        // Finish the pass in progress, and make at least one whole pass.
        while scan.cursor != 0 || scan.passes == 0 {
            scan.step(&sl, &model, 100)?;
        }
        prop_assert!(scan.passes > 0);
        for (r, (m, s)) in model.0.iter().enumerate() {
            prop_assert_eq!(sl.rank(m), Some((r, *s)));
        }
    }
}
