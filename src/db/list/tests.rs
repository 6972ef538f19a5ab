//! The quicklist against a model, under every node limit and compression
//! depth.

use std::collections::VecDeque;

use proptest::prelude::*;

use super::*;

/// Checks the structural invariants and returns the contents. With
/// `layout`, also that compression follows Redis's layout for the depth:
/// with at least `2 * depth` nodes, the ends plain and every node
/// between them compressed or found not worth it.
fn check(l: &List, shape: Shape, layout: bool) -> Vec<Vec<u8>> {
    let lim = Limit::new(shape.fill);
    let mut total = 0;
    for k in 0..l.node_count() {
        let (len, bytes) = (l.node_len(k), l.node_bytes(k));
        assert!(len > 0, "empty node {k}");
        assert!(lim.allows(bytes, len), "node {k} over the limit");
        let lp = l.unpacked(k);
        assert_eq!((lp.len(), lp.bytes()), (len, bytes), "node {k}'s counts");
        total += len;
    }
    if let Repr::Many(n) = &l.repr {
        assert!(n.deque.len() >= 2, "deque form with one node");
        let (count, d) = (n.deque.len(), shape.depth);
        if layout && count >= 2 * d {
            for (k, node) in n.deque.iter().enumerate() {
                let end = k < d || k >= count - d;
                match node {
                    Node::Lzf(_) => assert!(!end, "node {k} of {count} compressed at depth {d}"),
                    Node::Raw { tried, .. } => assert!(
                        end || *tried || d == 0,
                        "node {k} of {count} left plain at depth {d}"
                    ),
                }
            }
        }
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
        // Compressible: runs of one byte, short and long.
        3 => (any::<u8>(), 10usize..400).prop_map(|(b, n)| vec![b; n]),
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
    Rev,
    Depth(usize),
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
        1 => Just(Op::Rev),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// A list behaves like a VecDeque of byte strings, under every
    /// kind of node limit and compression depth; with `redepth`, the
    /// depth also changes on the way (CONFIG SET), after which only the
    /// contents are checked.
    #[test]
    fn matches_vecdeque_model(
        fill in prop::sample::select(vec![-5i64, -2, -1, 0, 1, 2, 3, 7]),
        depth in 0usize..4,
        redepth in prop::option::weighted(0.2, 0usize..4),
        ops in prop::collection::vec(op(), 0..300),
    ) {
        let mut shape = Shape { fill, depth };
        let mut layout = true;
        let mut ops = ops;
        if let Some(d) = redepth {
            ops.insert(ops.len() / 2, Op::Depth(d));
        }
        let mut l = List::new();
        let mut m: VecDeque<Vec<u8>> = VecDeque::new();
        for op in ops {
            match op {
                Op::Push(front, v) => {
                    if front { l.push_front(&v, shape); m.push_front(v); }
                    else { l.push_back(&v, shape); m.push_back(v); }
                }
                Op::Pop(front, n) => {
                    let end = if front { End::Left } else { End::Right };
                    let mut got = Vec::new();
                    let k = l.pop_n(end, n, shape, |e| got.push(e.to_vec()));
                    let want: Vec<Vec<u8>> = (0..n)
                        .map_while(|_| if front { m.pop_front() } else { m.pop_back() })
                        .collect();
                    prop_assert_eq!(k, want.len());
                    prop_assert_eq!(got, want);
                }
                Op::Get(i) => prop_assert_eq!(l.get(i).map(Cow::into_owned), m.get(i).cloned()),
                Op::Set(i, v) => {
                    prop_assert_eq!(l.set(i, &v, shape), i < m.len());
                    if i < m.len() { m[i] = v; }
                }
                Op::Insert(i, v) => {
                    l.insert(i, &v, shape);
                    m.insert(i.min(m.len()), v);
                }
                Op::RemoveRange(i, n) => {
                    l.remove_range(i, n, shape);
                    if i < m.len() { let end = (i + n).min(m.len()); m.drain(i..end); }
                }
                Op::Retain(i, n) => {
                    l.retain_range(i, n, shape);
                    let kept: VecDeque<Vec<u8>> = m.iter().skip(i).take(n).cloned().collect();
                    m = kept;
                }
                Op::RemoveMatching(v, c) => {
                    let got = l.remove_matching(&v, c, shape);
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
                    let got: Vec<Vec<u8>> = l.range(i, n).map(Cow::into_owned).collect();
                    let want: Vec<Vec<u8>> = m.iter().skip(i).take(n).cloned().collect();
                    prop_assert_eq!(got, want);
                    let pos = m.get(i).map(|v| l.position(v));
                    prop_assert_eq!(pos, m.get(i).map(|v| m.iter().position(|e| e == v)));
                }
                Op::Rev => {
                    let got: Vec<Vec<u8>> = l.iter_rev().map(Cow::into_owned).collect();
                    let want: Vec<Vec<u8>> = m.iter().rev().cloned().collect();
                    prop_assert_eq!(got, want);
                }
                Op::Depth(d) => {
                    shape.depth = d;
                    layout = false;
                }
            }
            prop_assert_eq!(l.len(), m.len());
            prop_assert_eq!(check(&l, shape, layout), m.iter().cloned().collect::<Vec<_>>());
        }
        let rev: Vec<Cow<[u8]>> = l.iter_rev().collect();
        let want: Vec<Cow<[u8]>> = m.iter().rev().map(|v| Cow::Borrowed(&v[..])).collect();
        prop_assert_eq!(rev, want);
    }
}

#[test]
fn nodes_follow_the_fill() {
    let mut l = List::new();
    let two = Shape { fill: 2, depth: 0 };
    for i in 0..1000 {
        l.push_back(format!("{i:09}").as_bytes(), two);
    }
    assert_eq!(l.node_count(), 500);
    let mut l = List::new();
    for i in 0..10_000 {
        l.push_front(format!("{i:09}").as_bytes(), Shape::default());
    }
    // 10 bytes an entry, 8 KB a node.
    assert_eq!(l.node_count(), 10_000usize.div_ceil(819));
    assert_eq!(l.get(0).as_deref(), Some(&b"000009999"[..]));
    assert_eq!(l.get(9999).as_deref(), Some(&b"000000000"[..]));
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

/// LSET, LINSERT and LREM at the first and last entries of compressed
/// nodes, and pops that reach into them, keep contents and layout.
#[test]
fn edits_at_the_edges_of_compressed_nodes() {
    let shape = Shape { fill: 4, depth: 1 };
    let v = |i: usize| format!("{}{i:03}", "v".repeat(60)).into_bytes();
    let mut l = List::new();
    let mut m: Vec<Vec<u8>> = Vec::new();
    for i in 0..40 {
        l.push_back(&v(i), shape);
        m.push(v(i));
    }
    assert_eq!((l.node_count(), l.compressed_nodes()), (10, 8));
    let mem = l.mem_usage(0);
    for i in [4, 7, 8, 19, 20, 35] {
        assert!(l.set(i, b"edge", shape));
        m[i] = b"edge".to_vec();
    }
    for i in [12, 16, 17, 31] {
        l.insert(i, b"ins", shape);
        m.insert(i, b"ins".to_vec());
    }
    assert_eq!(check(&l, shape, true), m);
    assert_eq!(l.remove_matching(b"edge", -2, shape), 2);
    assert_eq!(l.remove_matching(b"ins", 3, shape), 3);
    m.retain({
        let (mut edges, mut ins) = (0, 0);
        let total = m.iter().filter(|e| *e == b"edge").count();
        move |e| {
            if e == b"edge" {
                edges += 1;
                return edges <= total - 2;
            }
            if e == b"ins" {
                ins += 1;
                return ins > 3;
            }
            true
        }
    });
    assert_eq!(check(&l, shape, true), m);
    let mut popped = Vec::new();
    l.pop_n(End::Left, 6, shape, |e| popped.push(e.to_vec()));
    l.pop_n(End::Right, 9, shape, |e| popped.push(e.to_vec()));
    m.drain(..6);
    m.truncate(m.len() - 9);
    assert_eq!(check(&l, shape, true), m);
    assert_eq!(l.get(10).as_deref(), Some(&m[10][..]));
    assert_eq!(l.position(&m[20]), m.iter().position(|e| *e == m[20]));
    assert!(l.compressed_nodes() > 0);
    assert!(l.mem_usage(0) < mem);
    // Depth 0 again: the next changes decompress what they touch.
    let plain = Shape { fill: 4, depth: 0 };
    l.retain_range(1, l.len() - 2, plain);
    m.drain(..1);
    m.pop();
    assert_eq!(check(&l, plain, false), m);
}
