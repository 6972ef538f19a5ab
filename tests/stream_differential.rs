//! Streams against redis-server 7.0: hand-picked edge cases (RESP2 and
//! RESP3), seeded random command streams with explicit ids, keyspace
//! events, WATCH invalidation and blocked readers.
//!
//! Replies are compared byte for byte, except where they carry times:
//! XPENDING's idle times and XINFO's seen-times, delivery times and idle
//! times are masked by [`masked`].

use crate::differential::{check_event_classes, same_replies, Cmp, Pair};
use crate::util::*;

/// Masks what may differ between the servers: integers after `idle` and
/// `seen-time`, Unix-ms timestamps, and the idle time of XPENDING rows.
fn masked(v: Value) -> Value {
    fn walk(v: Value) -> Value {
        match v {
            Value::Int(n) if n > 1_000_000_000_000 => Value::Int(0),
            Value::Array(items) => {
                let pending_row = items.len() == 4
                    && matches!(items[0], Value::Bulk(_))
                    && matches!(items[1], Value::Bulk(_))
                    && matches!(items[2], Value::Int(_));
                let mut out = Vec::with_capacity(items.len());
                let mut mask_next = false;
                for (i, x) in items.into_iter().enumerate() {
                    let x = if mask_next || (pending_row && i == 2) {
                        Value::Int(0)
                    } else {
                        walk(x)
                    };
                    mask_next = matches!(&x, Value::Bulk(b) if is_masked_field(b));
                    out.push(x);
                }
                Value::Array(out)
            }
            Value::Map(kv) => Value::Map(
                kv.into_iter()
                    .map(|(k, v)| {
                        let m = matches!(&k, Value::Bulk(b) if is_masked_field(b));
                        (k, if m { Value::Int(0) } else { walk(v) })
                    })
                    .collect(),
            ),
            other => other,
        }
    }
    walk(v)
}

fn is_masked_field(b: &[u8]) -> bool {
    matches!(b, b"idle" | b"seen-time")
}

/// How to compare the reply of `args`.
fn cmp_of(args: &[&str]) -> Cmp {
    let name = args[0].to_ascii_uppercase();
    if matches!(name.as_str(), "XINFO" | "XPENDING") {
        Cmp::Normalized(masked)
    } else {
        Cmp::Exact
    }
}

fn check(p: &mut Pair, args: &[&str]) {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    p.check_with(&a, cmp_of(args));
}

/// Hand-picked edge cases: ids, bounds, trimming options, groups,
/// claims, XINFO, errors and their order.
const SCRIPT: &[&[&str]] = &[
    &["CONFIG", "SET", "stream-node-max-entries", "3"],
    &["XADD", "s", "1-1", "a", "1", "b", "2"],
    &["XADD", "s", "1-*", "a", "3", "b", "4"],
    &["XADD", "s", "2", "c", "5"],
    &["XADD", "s", "2-*", "a", "1"],
    &["XADD", "s", "1-5", "a", "1"],
    &["XADD", "s", "0-0", "a", "1"],
    &["XADD", "s", "-", "a", "1"],
    &["XADD", "s", "+", "a", "1"],
    &["XADD", "s", "1-2-3", "a", "1"],
    &["XADD", "s", " 5", "a", "1"],
    &["XADD", "s", "5--0", "a", "1"],
    &["XADD", "s", "MAXLEN", "1", "LIMIT", "5", "3-1", "a", "1"],
    &["XADD", "s", "LIMIT", "5", "3-1", "a", "1"],
    &["XADD", "s", "MAXLEN", "1", "MINID", "1", "3-1", "a", "1"],
    &["XADD", "s", "MAXLEN", "abc", "3-1", "a", "1"],
    &["XADD", "s", "MAXLEN", "~", "-1", "3-1", "a", "1"],
    &[
        "XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "3-1", "a", "1",
    ],
    &["XADD", "s", "MINID", "x", "3-1", "a", "1"],
    &["XADD", "s", "NOMKSTREAM", "3-1", "a", "1"],
    &["XADD", "nn", "NOMKSTREAM", "3-1", "a", "1"],
    &["XADD", "s", "3-2", "a"],
    &["XADD", "s", "NOMKSTREAM"],
    &["XADD", "s", "MAXLEN", "0"],
    &["XRANGE", "s", "-", "+"],
    &["XRANGE", "s", "(1-1", "(2-1"],
    &["XRANGE", "s", "(-", "+"],
    &["XRANGE", "s", "-", "(+"],
    &[
        "XRANGE",
        "s",
        "(18446744073709551615-18446744073709551615",
        "+",
    ],
    &["XRANGE", "s", "-", "(0-0"],
    &["XRANGE", "s", "(1", "(3"],
    &["XRANGE", "s", "2", "1"],
    &["XRANGE", "s", "1", "1"],
    &["XREVRANGE", "s", "+", "-", "COUNT", "2"],
    &["XREVRANGE", "s", "(3", "(1"],
    &["XRANGE", "s", "-", "+", "COUNT", "0"],
    &["XRANGE", "s", "-", "+", "COUNT", "-1"],
    &["XRANGE", "s", "-", "+", "COUNT"],
    &["XRANGE", "s", "-", "+", "COUNT", "1", "COUNT", "2"],
    &["XRANGE", "s", "-", "+", "FOO", "1"],
    &["XRANGE", "s", "x", "+"],
    &["XRANGE", "s", "18446744073709551616", "+"],
    &["XRANGE", "nokey", "-", "+"],
    &["XLEN", "s"],
    &["XDEL", "s", "1-1", "9-9", "abc"],
    &["XDEL", "s", "1-1", "9-9", "1-1"],
    &["XDEL", "nokey", "1-1"],
    &["XINFO", "STREAM", "s"],
    &["XTRIM", "s", "MAXLEN", "1"],
    &["XTRIM", "s", "MAXLEN"],
    &["XTRIM", "s", "FOO", "1"],
    &["XTRIM", "s", "MAXLEN", "1", "LIMIT", "1"],
    &["XTRIM", "s", "MINID", "~", "-1"],
    &["XTRIM", "nokey", "MAXLEN", "0"],
    &["XTRIM", "nokey", "FOO"],
    &["XINFO", "STREAM", "s"],
    &["XSETID", "s", "1-1"],
    &["XSETID", "nokey", "1-1"],
    &["XSETID", "s", "5-5", "ENTRIESADDED", "0"],
    &["XSETID", "s", "5-5", "ENTRIESADDED", "-1"],
    &["XSETID", "s", "5-5", "MAXDELETEDID", "9-9"],
    &["XSETID", "s", "5-5", "FOO"],
    &[
        "XSETID",
        "s",
        "5-5",
        "ENTRIESADDED",
        "10",
        "MAXDELETEDID",
        "3-3",
    ],
    &["XSETID", "s", "5-4"],
    &["XINFO", "STREAM", "s", "FULL"],
    &["XADD", "s", "5-*", "z", "z"],
    // Node boundaries decide what `~` removes.
    &["XADD", "t", "1-1", "a", "1"],
    &["XADD", "t", "2-1", "a", "1"],
    &["XADD", "t", "3-1", "a", "1"],
    &["XADD", "t", "4-1", "b", "1"],
    &["XADD", "t", "5-1", "a", "1"],
    &["XADD", "t", "6-1", "a", "1"],
    &["XADD", "t", "7-1", "a", "1"],
    &["XADD", "t", "8-1", "a", "1"],
    &["XTRIM", "t", "MAXLEN", "~", "4"],
    &["XINFO", "STREAM", "t"],
    &["XTRIM", "t", "MINID", "~", "7"],
    &["XTRIM", "t", "MAXLEN", "~", "0", "LIMIT", "2"],
    &["XADD", "t", "MAXLEN", "~", "1", "9-1", "a", "1"],
    &["XRANGE", "t", "-", "+"],
    &["XTRIM", "t", "MAXLEN", "=", "1"],
    &["XINFO", "STREAM", "t"],
    // An exact MINID trim leaves a block of tombstones; XSETID then lowers
    // the empty stream's last id below it, and a new entry joins it.
    &["XADD", "e", "5-0", "f", "v"],
    &["XADD", "e", "9-0", "f", "v"],
    &["XDEL", "e", "9-0"],
    &["XTRIM", "e", "MINID", "7"],
    &["XINFO", "STREAM", "e"],
    &["XSETID", "e", "1-0"],
    &["XADD", "e", "2-3", "f", "w"],
    &["XRANGE", "e", "-", "+"],
    &["XREVRANGE", "e", "+", "-"],
    &["XREVRANGE", "e", "3", "-"],
    &["XINFO", "STREAM", "e", "FULL"],
    &["XADD", "e", "MINID", "3", "2-4", "f", "x"],
    &["XDEL", "e", "2-3"],
    &["XINFO", "STREAM", "e"],
    // Groups.
    &["XGROUP", "CREATE", "s", "g", "0"],
    &["XGROUP", "CREATE", "s", "g", "0"],
    &["XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "3"],
    &["XGROUP", "CREATE", "s", "g3", "+"],
    &["XGROUP", "CREATE", "s", "g3", "x"],
    &["XGROUP", "CREATE", "nokey", "g", "0"],
    &["XGROUP", "CREATE", "mk", "g", "0", "MKSTREAM"],
    &["XGROUP", "CREATE", "s", "g5", "0", "ENTRIESREAD", "-2"],
    &[
        "XGROUP",
        "CREATE",
        "s",
        "g5",
        "0",
        "MKSTREAM",
        "MKSTREAM",
        "ENTRIESREAD",
        "5",
    ],
    &["XGROUP", "CREATE", "s", "g6", "0", "FOO"],
    &["XGROUP", "CREATE", "s", "g6", "0", "ENTRIESREAD"],
    &["XINFO", "GROUPS", "s"],
    &["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"],
    &["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"],
    &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c1",
        "COUNT",
        "1",
        "STREAMS",
        "s",
        "0",
    ],
    &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c1",
        "STREAMS",
        "s",
        "0",
        "extra",
    ],
    &["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "$"],
    &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c1",
        "NOACK",
        "NOACK",
        "STREAMS",
        "s",
        ">",
    ],
    &["XREADGROUP", "GROUP", "nog", "c1", "STREAMS", "s", ">"],
    &["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "nokey", ">"],
    &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c1",
        "STREAMS",
        "s",
        "mk",
        ">",
        ">",
    ],
    &["XREADGROUP", "COUNT", "1", "STREAMS", "s", ">"],
    &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c1",
        "BLOCK",
        "x",
        "STREAMS",
        "s",
        ">",
    ],
    &["XACK", "s", "g", "5-1"],
    &["XACK", "s", "g", "x"],
    &["XACK", "s", "nog", "x"],
    &["XACK", "nokey", "g", "1-1"],
    &["XPENDING", "s", "g"],
    &["XPENDING", "s", "g", "-", "+", "10"],
    &["XPENDING", "s", "g", "IDLE", "0", "-", "+", "10", "c1"],
    &["XPENDING", "s", "g", "IDLE", "99999999", "-", "+", "10"],
    &["XPENDING", "s", "g", "IDLE", "10", "-", "+"],
    &["XPENDING", "s", "g", "-", "+", "x"],
    &["XPENDING", "s", "g", "(-", "+", "10"],
    &["XPENDING", "s", "g", "-", "+", "10", "nobody"],
    &["XPENDING", "s", "g", "-", "+", "10", "c1", "extra"],
    &["XPENDING", "s", "g", "-"],
    &["XPENDING", "nokey", "g"],
    &["XPENDING", "s", "nog"],
    &["XINFO", "GROUPS", "s"],
    &["XINFO", "CONSUMERS", "s", "g"],
    &["XINFO", "CONSUMERS", "s", "nog"],
    &["XINFO", "STREAM", "s", "FULL", "COUNT", "1"],
    &["XINFO", "STREAM", "s", "FULL", "COUNT", "x"],
    &["XINFO", "STREAM", "s", "FOO"],
    &["XINFO", "STREAM", "nokey"],
    &["XINFO", "GROUPS", "nokey"],
    &["XINFO", "FOO"],
    &["XINFO", "HELP"],
    &["XGROUP", "HELP"],
    &["XGROUP", "FOO", "s", "g"],
    &["XGROUP", "CREATECONSUMER", "s", "g", "c2"],
    &["XGROUP", "CREATECONSUMER", "s", "g", "c2"],
    &["XGROUP", "CREATECONSUMER", "s", "nog", "c2"],
    &["XGROUP", "CREATECONSUMER", "nokey", "g", "c2"],
    &["XGROUP", "DELCONSUMER", "s", "g", "c2"],
    &["XGROUP", "DELCONSUMER", "s", "g", "c2"],
    &["XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"],
    &["XINFO", "GROUPS", "s"],
    &["XGROUP", "SETID", "s", "g", "$"],
    &["XGROUP", "SETID", "s", "g", "-"],
    &["XGROUP", "SETID", "s", "g", "+"],
    &["XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "-2"],
    &["XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "5", "FOO"],
    &["XGROUP", "SETID", "s", "nog", "0"],
    &["XGROUP", "SETID", "s", "g", "2"],
    &["XGROUP", "DESTROY", "s", "g2"],
    &["XGROUP", "DESTROY", "s", "g2"],
    &["XGROUP", "DESTROY", "nokey", "g2"],
    // Claims.
    &["XADD", "s", "6-1", "y", "y"],
    &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c3",
        "COUNT",
        "10",
        "STREAMS",
        "s",
        ">",
    ],
    &["XCLAIM", "s", "g", "c4", "0", "6-1"],
    &["XCLAIM", "s", "g", "c4", "0", "6-1", "JUSTID"],
    &["XCLAIM", "s", "g", "c4", "0", "5-1", "FORCE"],
    &[
        "XCLAIM",
        "s",
        "g",
        "c4",
        "0",
        "5-1",
        "FORCE",
        "RETRYCOUNT",
        "7",
        "JUSTID",
    ],
    &["XCLAIM", "s", "g", "c4", "0", "6-1", "FOO"],
    &["XCLAIM", "s", "g", "c4", "0", "6-1", "IDLE", "x"],
    &["XCLAIM", "s", "g", "c4", "0", "6-1", "TIME", "x"],
    &["XCLAIM", "s", "g", "c4", "0", "6-1", "RETRYCOUNT", "x"],
    &["XCLAIM", "s", "g", "c4", "0", "6-1", "LASTID", "x"],
    &["XCLAIM", "s", "g", "c4", "0", "6-1", "LASTID", "50-0"],
    &["XCLAIM", "s", "g", "c4", "x", "6-1"],
    &["XCLAIM", "s", "g", "c4", "99999999", "6-1"],
    &["XCLAIM", "s", "nog", "c4", "0", "6-1"],
    &["XCLAIM", "nokey", "g", "c4", "0", "6-1"],
    &["XCLAIM", "s", "g", "c4", "0", "99-1", "FORCE"],
    &["XPENDING", "s", "g", "-", "+", "10"],
    &["XINFO", "GROUPS", "s"],
    &["XAUTOCLAIM", "s", "g", "c5", "0", "0", "COUNT", "1"],
    &["XAUTOCLAIM", "s", "g", "c5", "0", "0", "COUNT", "0"],
    &["XAUTOCLAIM", "s", "g", "c5", "0", "0", "COUNT", "-1"],
    &["XAUTOCLAIM", "s", "g", "c5", "0", "0", "JUSTID"],
    &["XAUTOCLAIM", "s", "g", "c5", "0", "(0", "FOO"],
    &["XAUTOCLAIM", "s", "g", "c5", "x", "0"],
    &["XAUTOCLAIM", "s", "g", "c5", "0", "x"],
    &["XAUTOCLAIM", "s", "nog", "c5", "0", "0"],
    &["XAUTOCLAIM", "s", "nog", "c5", "0", "0", "COUNT", "0"],
    &[
        "XAUTOCLAIM",
        "s",
        "g",
        "c5",
        "0",
        "0",
        "COUNT",
        "576460752303423487",
    ],
    &[
        "XAUTOCLAIM",
        "s",
        "g",
        "c5",
        "0",
        "0",
        "COUNT",
        "576460752303423488",
    ],
    &["XAUTOCLAIM", "s", "g", "c5", "-5", "0", "JUSTID"],
    &[
        "XCLAIM",
        "s",
        "g",
        "c4",
        "0",
        "6-1",
        "IDLE",
        "-9223372036854775808",
    ],
    &[
        "XCLAIM",
        "s",
        "g",
        "c4",
        "0",
        "6-1",
        "TIME",
        "9223372036854775807",
        "RETRYCOUNT",
        "-5",
    ],
    &[
        "XGROUP",
        "SETID",
        "s",
        "g",
        "$",
        "ENTRIESREAD",
        "9223372036854775807",
    ],
    &["XINFO", "GROUPS", "s"],
    &["XDEL", "s", "6-1"],
    &["XAUTOCLAIM", "s", "g", "c6", "0", "0"],
    &["XREADGROUP", "GROUP", "g", "c5", "STREAMS", "s", "0"],
    &["XPENDING", "s", "g"],
    // XREAD.
    &["XREAD", "STREAMS", "s", "0"],
    &["XREAD", "COUNT", "1", "STREAMS", "s", "mk", "0", "0"],
    &["XREAD", "COUNT", "-1", "STREAMS", "s", "0"],
    &["XREAD", "COUNT", "1", "COUNT", "2", "STREAMS", "s", "0"],
    &["XREAD", "STREAMS", "s", "$"],
    &["XREAD", "STREAMS", "s", "+"],
    &["XREAD", "STREAMS", "s", ">"],
    &["XREAD", "STREAMS", "s", "a", "0"],
    &["XREAD", "STREAMS", "s"],
    &["XREAD", "BLOCK", "-1", "STREAMS", "s", "0"],
    &["XREAD", "BLOCK", "abc", "STREAMS", "s", "0"],
    &["XREAD", "FOO", "STREAMS", "s", "0"],
    &["XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"],
    &["XREAD", "NOACK", "STREAMS", "s", "0"],
    &["XREAD", "COUNT", "1", "BLOCK", "10", "STREAMS", "s", "0"],
    &["XREAD", "STREAMS", "nokey", "0"],
    // Other types and commands on streams.
    &["SET", "str", "x"],
    &["XADD", "str", "1-1", "a", "1"],
    &["XRANGE", "str", "-", "+"],
    &["XREAD", "STREAMS", "str", "0"],
    &["XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"],
    &["XINFO", "STREAM", "str"],
    &["XGROUP", "CREATE", "str", "g", "0"],
    &["XTRIM", "str", "MAXLEN", "0"],
    &["XSETID", "str", "1-1"],
    &["XCLAIM", "str", "g", "c", "0", "1-1"],
    &["GET", "s"],
    &["TYPE", "s"],
    &["OBJECT", "ENCODING", "s"],
    &["SORT", "s"],
    &[
        "COMMAND",
        "GETKEYS",
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "STREAMS",
        "a",
        "b",
        ">",
        ">",
    ],
    &[
        "COMMAND", "GETKEYS", "XREAD", "COUNT", "1", "STREAMS", "a", "0",
    ],
];

#[test]
fn scripted_edge_cases_match_redis() {
    for resp3 in [false, true] {
        let Some(mut p) = Pair::new() else { return };
        if resp3 {
            p.cin.cmd(&["HELLO", "3"]);
            p.red.cmd(&["HELLO", "3"]);
        }
        for cmd in SCRIPT {
            check(&mut p, cmd);
        }
        p.check_dataset();
    }
}

const KEYS: &[&str] = &["s1", "s1", "s2", "str"];
const GROUPS: &[&str] = &["g1", "g1", "g2"];
const CONSUMERS: &[&str] = &["c1", "c2", "c3"];
const FIELDS: &[&str] = &["a", "b", "f"];

thread_local! {
    /// The low end of the ids [`rid`] and [`bound`] draw from: 0 keeps
    /// them in a small space; raising it as a run goes on keeps XADD
    /// succeeding and reads finding new entries.
    static ID_BASE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A random millisecond part near the current [`ID_BASE`].
fn rms(g: &mut Gen) -> usize {
    ID_BASE.with(|b| b.get()) + g.below(12)
}

/// A random id (ms in a window of 12, seq 0..3), sometimes in a partial
/// form.
fn rid(g: &mut Gen) -> String {
    let ms = rms(g);
    match g.below(10) {
        0 => ms.to_string(),
        1 => format!("{ms}-*"),
        _ => format!("{ms}-{}", g.below(4)),
    }
}

/// A random range bound.
fn bound(g: &mut Gen) -> String {
    match g.below(8) {
        0 => "-".into(),
        1 => "+".into(),
        2 => format!("({}", rms(g)),
        3 => format!("({}-{}", rms(g), g.below(4)),
        4 => "x".into(),
        _ => rms(g).to_string(),
    }
}

/// One random stream command (explicit ids only, so replies are equal).
pub fn random_xcommand(g: &mut Gen) -> Vec<String> {
    let k = g.pick(KEYS).to_string();
    let grp = g.pick(GROUPS).to_string();
    let c = g.pick(CONSUMERS).to_string();
    let mut cmd: Vec<String> = match g.below(40) {
        0..=9 => {
            let mut v = vec!["XADD".to_string(), k];
            if g.chance(5) {
                v.push("NOMKSTREAM".into());
            }
            if g.chance(20) {
                let strategy = if g.chance(50) { "MAXLEN" } else { "MINID" };
                v.push(strategy.into());
                let approx = g.chance(50);
                if approx {
                    v.push("~".into());
                } else if g.chance(30) {
                    v.push("=".into());
                }
                v.push(if strategy == "MAXLEN" {
                    g.below(8).to_string()
                } else {
                    rid(g).replace("-*", "")
                });
                if approx && g.chance(30) {
                    v.extend(["LIMIT".into(), g.below(5).to_string()]);
                }
            }
            v.push(rid(g));
            for _ in 0..1 + g.below(2) {
                v.push(g.pick(FIELDS).into());
                v.push(g.below(100).to_string());
            }
            v
        }
        10 | 11 => {
            let mut v = vec![
                if g.chance(50) { "XRANGE" } else { "XREVRANGE" }.to_string(),
                k,
                bound(g),
                bound(g),
            ];
            if g.chance(40) {
                v.extend(["COUNT".into(), (g.below(5) as i64 - 1).to_string()]);
            }
            v
        }
        12 => vec!["XLEN".into(), k],
        13 | 14 => vec![
            "XDEL".into(),
            k,
            rid(g).replace("-*", ""),
            rid(g).replace("-*", ""),
        ],
        15 => {
            let mut v = vec!["XTRIM".into(), k];
            let approx = g.chance(50);
            if g.chance(50) {
                v.push("MAXLEN".into());
                if approx {
                    v.push("~".into());
                }
                v.push(g.below(8).to_string());
            } else {
                v.push("MINID".into());
                if approx {
                    v.push("~".into());
                }
                v.push(rms(g).to_string());
            }
            if approx && g.chance(30) {
                v.extend(["LIMIT".into(), g.below(5).to_string()]);
            }
            v
        }
        16 | 17 => vec![
            "XREAD".into(),
            "COUNT".into(),
            g.below(4).to_string(),
            // BLOCK 1 blocks for a millisecond when there is nothing new.
            g.pick(&["BLOCK", "COUNT", "COUNT"]).into(),
            "1".into(),
            "STREAMS".into(),
            "s1".into(),
            "s2".into(),
            rid(g).replace("-*", ""),
            if g.chance(30) {
                "$".into()
            } else {
                rid(g).replace("-*", "")
            },
        ],
        18 | 19 => {
            let mut v = vec!["XGROUP".into(), "CREATE".into(), k, grp];
            v.push(if g.chance(30) {
                "$".into()
            } else {
                rid(g).replace("-*", "")
            });
            if g.chance(30) {
                v.push("MKSTREAM".into());
            }
            if g.chance(30) {
                v.extend(["ENTRIESREAD".into(), (g.below(6) as i64 - 1).to_string()]);
            }
            v
        }
        20 => {
            let mut v = vec!["XGROUP".into(), "SETID".into(), k, grp];
            v.push(if g.chance(30) {
                "$".into()
            } else {
                rid(g).replace("-*", "")
            });
            if g.chance(50) {
                v.extend(["ENTRIESREAD".into(), g.below(6).to_string()]);
            }
            v
        }
        21 => vec!["XGROUP".into(), "DESTROY".into(), k, grp],
        22 => vec!["XGROUP".into(), "CREATECONSUMER".into(), k, grp, c],
        23 => vec!["XGROUP".into(), "DELCONSUMER".into(), k, grp, c],
        24..=27 => {
            let mut v = vec!["XREADGROUP".into(), "GROUP".into(), grp, c];
            if g.chance(50) {
                v.extend(["COUNT".into(), g.below(4).to_string()]);
            }
            if g.chance(20) {
                v.push("NOACK".into());
            }
            if g.chance(15) {
                // Blocks for a millisecond when there is nothing to read.
                v.extend(["BLOCK".into(), "1".into()]);
            }
            v.extend(["STREAMS".into(), k]);
            v.push(if g.chance(70) {
                ">".into()
            } else {
                rid(g).replace("-*", "")
            });
            v
        }
        28 | 29 => vec![
            "XACK".into(),
            k,
            grp,
            rid(g).replace("-*", ""),
            rid(g).replace("-*", ""),
        ],
        30 => vec!["XPENDING".into(), k, grp],
        31 => {
            let mut v = vec!["XPENDING".into(), k, grp];
            if g.chance(30) {
                v.extend(["IDLE".into(), "0".into()]);
            }
            v.extend([bound(g), bound(g), g.below(5).to_string()]);
            if g.chance(40) {
                v.push(c);
            }
            v
        }
        32 | 33 => {
            let mut v = vec!["XCLAIM".into(), k, grp, c, "0".into()];
            v.push(rid(g).replace("-*", ""));
            v.push(rid(g).replace("-*", ""));
            for opt in ["JUSTID", "FORCE"] {
                if g.chance(30) {
                    v.push(opt.into());
                }
            }
            if g.chance(20) {
                v.extend(["RETRYCOUNT".into(), g.below(5).to_string()]);
            }
            if g.chance(20) {
                v.extend(["LASTID".into(), rid(g).replace("-*", "")]);
            }
            v
        }
        34 | 35 => {
            let mut v = vec!["XAUTOCLAIM".into(), k, grp, c, "0".into(), bound(g)];
            if g.chance(50) {
                v.extend(["COUNT".into(), g.below(4).to_string()]);
            }
            if g.chance(30) {
                v.push("JUSTID".into());
            }
            v
        }
        36 => vec!["XINFO".into(), "GROUPS".into(), k],
        37 => vec!["XINFO".into(), "STREAM".into(), k, "FULL".into()],
        38 => {
            let mut v = vec!["XSETID".into(), k, rid(g).replace("-*", "")];
            if g.chance(40) {
                v.extend(["ENTRIESADDED".into(), g.below(12).to_string()]);
            }
            if g.chance(40) {
                v.extend(["MAXDELETEDID".into(), rid(g).replace("-*", "")]);
            }
            v
        }
        _ => vec![if g.chance(20) { "DEL" } else { "XINFO" }.to_string(), k],
    };
    if cmd[0] == "XINFO" && cmd.len() == 2 {
        cmd.insert(1, "STREAM".into());
    }
    cmd
}

/// Seeded random command streams over every stream command, with small
/// blocks so `~` trimming and block boundaries matter, compared reply by
/// reply; then the whole dataset. Replay one seed with
/// `CINNABAR_SEED=<n> cargo test stream_differential`.
#[test]
fn random_commands_match_redis() {
    let seeds: Vec<u64> = seeds((1..=6).map(|i| 0x57E4_0000 + i * 7919));
    let Some(mut p) = Pair::new() else { return };
    for seed in seeds {
        p.check_str(&["FLUSHALL"]);
        let per_node = if seed % 2 == 1 { "3" } else { "100" };
        p.check_str(&["CONFIG", "SET", "stream-node-max-entries", per_node]);
        p.check_str(&["SET", "str", "x"]);
        // Seeds 1 and 2 mod 4 move the id window along; RESP3 for 3 mod 4.
        let moving = seed % 4 == 1 || seed % 4 == 2;
        if seed % 4 == 3 {
            p.cin.cmd(&["HELLO", "3"]);
            p.red.cmd(&["HELLO", "3"]);
        }
        let mut g = Gen(seed);
        for i in 0..1500 {
            ID_BASE.with(|b| b.set(if moving { i / 4 } else { 0 }));
            let cmd = random_xcommand(&mut g);
            let args: Vec<&str> = cmd.iter().map(|s| s.as_str()).collect();
            check(&mut p, &args);
        }
        p.check_dataset();
        p.cin.cmd(&["HELLO", "2"]);
        p.red.cmd(&["HELLO", "2"]);
    }
    ID_BASE.with(|b| b.set(0));
}

/// Stream writes and no-ops, for the event tests.
const EVENT_SCRIPT: &[&[&str]] = &[
    &["XADD", "s", "1-1", "a", "1"],
    &["XADD", "s", "2-1", "a", "1"],
    &["XADD", "s", "MAXLEN", "1", "3-1", "a", "1"],
    &["XADD", "s", "MAXLEN", "5", "4-1", "a", "1"],
    &["XADD", "s", "3-1", "a", "1"],
    &["XADD", "nn", "NOMKSTREAM", "5-1", "a", "1"],
    &["XADD", "str", "5-1", "a", "1"],
    &["XDEL", "s", "3-1", "9-9"],
    &["XDEL", "s", "9-9"],
    &["XTRIM", "s", "MAXLEN", "0"],
    &["XTRIM", "s", "MAXLEN", "0"],
    &["XSETID", "s", "9-9"],
    &["XGROUP", "CREATE", "s", "g", "0"],
    &["XGROUP", "CREATE", "s", "g", "0"],
    &["XGROUP", "CREATE", "mk", "g", "$", "MKSTREAM"],
    &["XGROUP", "SETID", "s", "g", "0"],
    &["XGROUP", "CREATECONSUMER", "s", "g", "c"],
    &["XGROUP", "CREATECONSUMER", "s", "g", "c"],
    &["XADD", "s", "10-1", "a", "1"],
    &["XADD", "s", "11-1", "a", "1"],
    &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c2",
        "COUNT",
        "1",
        "STREAMS",
        "s",
        ">",
    ],
    &["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", "0"],
    &["XREADGROUP", "GROUP", "g", "c3", "STREAMS", "s", "0"],
    &["XCLAIM", "s", "g", "c4", "0", "10-1"],
    &["XCLAIM", "s", "g", "c4", "0", "10-1"],
    &["XAUTOCLAIM", "s", "g", "c5", "0", "0"],
    &["XACK", "s", "g", "10-1"],
    &[
        "XREADGROUP",
        "GROUP",
        "g",
        "c6",
        "NOACK",
        "STREAMS",
        "s",
        ">",
    ],
    &["XGROUP", "DELCONSUMER", "s", "g", "c"],
    &["XGROUP", "DELCONSUMER", "s", "g", "c"],
    &["XGROUP", "DESTROY", "s", "g"],
    &["XGROUP", "DESTROY", "s", "g"],
    &["XREAD", "STREAMS", "s", "0"],
    &["XRANGE", "nokey", "-", "+"],
    &["XLEN", "nokey"],
    &["DEL", "s"],
];

/// Every stream write publishes Redis's `t`-class events in Redis's order
/// (and no-ops and errors publish nothing), under the `t` class alone,
/// the generic class (DEL only) and all classes; also inside MULTI.
#[test]
fn keyspace_events_match_redis() {
    check_event_classes(&[("Et", 20), ("Kg", 1), ("KEAn", 40)], |p, flags| {
        p.pair.quietly(flags, &[&["SET", "str", "x"]]);
        let seen = p.script(EVENT_SCRIPT);
        let events = p.transaction(&[
            &["XADD", "m", "1-1", "a", "1"],
            &["XGROUP", "CREATE", "m", "g", "0"],
            &["XREADGROUP", "GROUP", "g", "c", "STREAMS", "m", ">"],
            &["XTRIM", "m", "MAXLEN", "0"],
        ]);
        seen + events.len()
    });
}

/// Which stream commands touch the key for WATCH, as in Redis.
#[test]
fn watch_invalidation_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["XADD", "s", "1-1", "a", "1"]);
    p.check_str(&["XADD", "s", "2-1", "a", "1"]);
    let ran = p.check_watches(&[
        ("s", &["XADD", "s", "3-1", "a", "1"]),
        ("s", &["XADD", "s", "1-1", "a", "1"]),
        ("s", &["XRANGE", "s", "-", "+"]),
        ("s", &["XDEL", "s", "1-1"]),
        ("s", &["XDEL", "s", "1-1"]),
        ("s", &["XTRIM", "s", "MAXLEN", "5"]),
        ("s", &["XTRIM", "s", "MAXLEN", "1"]),
        ("s", &["XSETID", "s", "9-9"]),
        ("s", &["XGROUP", "CREATE", "s", "g", "0"]),
        ("mk", &["XGROUP", "CREATE", "mk", "g", "0", "MKSTREAM"]),
        ("s", &["XGROUP", "CREATECONSUMER", "s", "g", "c"]),
        ("s", &["XGROUP", "SETID", "s", "g", "0"]),
        ("s", &["XADD", "s", "10-1", "a", "1"]),
        ("s", &["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]),
        ("s", &["XCLAIM", "s", "g", "c2", "0", "10-1"]),
        ("s", &["XAUTOCLAIM", "s", "g", "c3", "0", "0"]),
        ("s", &["XACK", "s", "g", "10-1"]),
        ("s", &["XGROUP", "DELCONSUMER", "s", "g", "c"]),
        ("s", &["XGROUP", "DESTROY", "s", "g"]),
        ("s", &["XINFO", "STREAM", "s"]),
        ("s", &["XREAD", "STREAMS", "s", "0"]),
    ]);
    assert!(ran > 3 && ran < 21, "{ran}");
}

/// A consumer of group `g` waiting for new entries of `s`.
const GROUP_READ: &[&str] = &[
    "XREADGROUP",
    "GROUP",
    "g",
    "c",
    "BLOCK",
    "0",
    "STREAMS",
    "s",
    ">",
];

/// Blocked readers woken by XADD, a deleted stream, a destroyed group,
/// and a timeout, reply as Redis's do.
#[test]
fn blocked_readers_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    let mut w = vec![
        p.block_on_both(&["XREAD", "BLOCK", "0", "STREAMS", "s", "$"], 1),
        p.block_on_both(GROUP_READ, 2),
        p.block_on_both(
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "c2",
                "COUNT",
                "1",
                "BLOCK",
                "0",
                "STREAMS",
                "s",
                ">",
            ],
            3,
        ),
    ];
    p.check_str(&["XADD", "s", "1-1", "a", "1", "b", "2"]);
    same_replies(&mut w[..2]);
    let mut rest = w.split_off(2);
    // c2 stays blocked (c took the entry); a destroyed group wakes it.
    p.check_str(&["XGROUP", "DESTROY", "s", "g"]);
    same_replies(&mut rest);
    p.check_str(&["XGROUP", "CREATE", "s", "g", "$"]);
    let mut w = vec![p.block_on_both(GROUP_READ, 1)];
    p.check_str(&["DEL", "s"]);
    same_replies(&mut w);
    let mut w = vec![p.block_on_both(&["XREAD", "BLOCK", "100", "STREAMS", "s", "0"], 1)];
    same_replies(&mut w);
    p.check_str(&["XINFO", "STREAM", "s"]);
    // Woken by an XADD whose entry is gone by the time the readers run:
    // Redis still replies, with no entries (and creates the consumer).
    p.check_str(&["XADD", "s", "1-1", "a", "1"]);
    p.check_str(&["XGROUP", "CREATE", "s", "g", "$"]);
    let mut w = vec![
        p.block_on_both(&["XREAD", "BLOCK", "0", "STREAMS", "t", "s", "$", "$"], 1),
        p.block_on_both(GROUP_READ, 2),
    ];
    p.check_str(&["MULTI"]);
    p.check_str(&["XADD", "s", "5-1", "a", "1"]);
    p.check_str(&["XDEL", "s", "5-1"]);
    p.check_str(&["EXEC"]);
    same_replies(&mut w);
    p.check_str(&["XINFO", "GROUPS", "s"]);
    p.check_with(
        &[b"XINFO", b"CONSUMERS", b"s", b"g"],
        Cmp::Normalized(masked),
    );
    // XDEL and XTRIM do not wake readers, even when the last id is past
    // the one they wait for (its entry deleted before they blocked).
    p.check_str(&["FLUSHALL"]);
    for cmd in [
        &["XADD", "s", "1-1", "a", "1"][..],
        &["XADD", "s", "2-1", "a", "1"],
        &["XADD", "s", "3-1", "a", "1"],
        &["XDEL", "s", "3-1"],
    ] {
        p.check_str(cmd);
    }
    let read = ["XREAD", "BLOCK", "300", "STREAMS", "s", "2-1"];
    let mut w = vec![p.block_on_both(&read, 1)];
    p.check_str(&["XDEL", "s", "1-1"]);
    p.check_str(&["XTRIM", "s", "MAXLEN", "0"]);
    same_replies(&mut w);
    // A stream renamed, copied or moved onto the key serves its readers.
    for op in [
        &["RENAME", "t", "n1"][..],
        &["COPY", "t", "n1"],
        &["MOVE", "t", "1"],
    ] {
        p.check_str(&["FLUSHALL"]);
        p.check_str(&["XADD", "t", "7-1", "x", "1"]);
        let read = ["XREAD", "BLOCK", "300", "STREAMS", "n1", "t", "0", "$"];
        let mut w = vec![p.block_on_both(&read, 1)];
        p.check_str(op);
        if op[0] == "MOVE" {
            // Moved away and back under the waited-for name.
            p.check_str(&["SELECT", "1"]);
            p.check_str(&["RENAME", "t", "n1"]);
            p.check_str(&["MOVE", "n1", "0"]);
            p.check_str(&["SELECT", "0"]);
        }
        same_replies(&mut w);
    }
}

/// A blocked XREADGROUP whose stream is deleted, replaced, renamed away,
/// expired, flushed or swapped out gets Redis 7.0's UNBLOCKED error;
/// changes that leave the stream and group in place keep it blocked.
#[test]
fn blocked_xreadgroup_and_key_changes_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    for op in [
        &["SET", "s", "x"][..],
        &["FLUSHALL"],
        &["FLUSHDB"],
        &["RENAME", "s", "s9"],
        &["EXPIRE", "s", "0"],
        &["SWAPDB", "0", "1"],
        &["UNLINK", "s"],
        &["XGROUP", "SETID", "s", "g", "0"],
        &["XTRIM", "s", "MAXLEN", "0"],
        &["XDEL", "s", "1-1"],
    ] {
        p.check_str(&["FLUSHALL"]);
        p.check_str(&["XADD", "s", "1-1", "a", "1"]);
        p.check_str(&["XGROUP", "CREATE", "s", "g", "$"]);
        let mut w = vec![p.block_on_both(
            &[
                "XREADGROUP",
                "GROUP",
                "g",
                "c",
                "BLOCK",
                "300",
                "STREAMS",
                "s",
                ">",
            ],
            1,
        )];
        p.check_str(op);
        same_replies(&mut w);
    }
}

/// Blocks close where Redis's listpack nodes do (by its byte size, with
/// integers and strings encoded as listpack encodes them), so `~` trims
/// and `radix-tree-keys` agree also for large, numeric, mixed-field and
/// deleted entries, under several node limits.
#[test]
fn block_boundaries_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let mut g = Gen(0xB10C);
    for (bytes, entries) in [("4096", "100"), ("500", "0"), ("0", "7"), ("1000", "5")] {
        p.check_str(&["FLUSHALL"]);
        p.check_str(&["CONFIG", "SET", "stream-node-max-bytes", bytes]);
        p.check_str(&["CONFIG", "SET", "stream-node-max-entries", entries]);
        for i in 1..=300 {
            let id = format!("{}-{}", 1 + i * 7, g.below(3));
            let size = [1, 5, 30, 63, 64, 100, 200, 700][g.below(8)];
            let value = "v".repeat(size);
            let num = (g.next() % 100_000_000) as i64 - 50_000;
            let num = num.to_string();
            let field = ["f", "g", "field-long-name"][g.below(3)];
            let mut cmd = vec!["XADD", "s", id.as_str(), field, value.as_str()];
            if g.chance(50) {
                cmd.extend(["n", num.as_str()]);
            }
            p.check_str(&cmd);
            if g.chance(10) {
                let del = format!("{}-{}", 1 + g.below(i) * 7, g.below(3));
                p.check_str(&["XDEL", "s", &del]);
            }
            if i % 50 == 0 {
                check(&mut p, &["XINFO", "STREAM", "s"]);
            }
        }
        check(&mut p, &["XINFO", "STREAM", "s"]);
        p.check_str(&["XTRIM", "s", "MAXLEN", "~", "150"]);
        p.check_str(&["XTRIM", "s", "MINID", "~", "1500"]);
        check(&mut p, &["XINFO", "STREAM", "s"]);
    }
}

/// Idle times below 150 ms as 0, others as 1 (XINFO CONSUMERS' `idle`,
/// XPENDING rows): which commands refresh a consumer's seen time or an
/// entry's delivery time shows after a pause, however fast the servers.
fn idle_buckets(v: Value) -> Value {
    fn bucket(v: Value) -> Value {
        match v {
            Value::Int(n) => Value::Int(i64::from(n >= 150)),
            other => other,
        }
    }
    fn walk(v: Value) -> Value {
        match v {
            Value::Array(items) => {
                let pending_row = items.len() == 4
                    && matches!(items[0], Value::Bulk(_))
                    && matches!(items[1], Value::Bulk(_));
                let mut out = Vec::with_capacity(items.len());
                let mut idle_next = false;
                for (i, x) in items.into_iter().enumerate() {
                    let x = if idle_next || (pending_row && i == 2) {
                        bucket(x)
                    } else {
                        walk(x)
                    };
                    idle_next = matches!(&x, Value::Bulk(b) if &b[..] == b"idle");
                    out.push(x);
                }
                Value::Array(out)
            }
            other => other,
        }
    }
    walk(v)
}

/// Which commands refresh seen times and delivery times, as Redis 7.0:
/// reads (also history reads and reads that find nothing new), claims
/// that claim, and not XPENDING, XINFO, failed claims or CREATECONSUMER
/// of an existing consumer.
#[test]
fn seen_and_delivery_times_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let setup: &[&[&str]] = &[
        &["XADD", "s", "1-1", "a", "1"],
        &["XADD", "s", "2-1", "a", "1"],
        &["XADD", "s", "3-1", "a", "1"],
        &["XGROUP", "CREATE", "s", "g", "0"],
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c1",
            "COUNT",
            "1",
            "STREAMS",
            "s",
            ">",
        ],
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c2",
            "COUNT",
            "1",
            "STREAMS",
            "s",
            ">",
        ],
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c3",
            "COUNT",
            "1",
            "STREAMS",
            "s",
            ">",
        ],
        &["XGROUP", "CREATECONSUMER", "s", "g", "c4"],
        &["XGROUP", "CREATECONSUMER", "s", "g", "c5"],
        &["XGROUP", "CREATECONSUMER", "s", "g", "c6"],
        &["DEBUG", "SLEEP", "0.3"],
        // Touch: a history read, a `>` read with nothing new, a claim.
        &["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"],
        &["XREADGROUP", "GROUP", "g", "c4", "STREAMS", "s", ">"],
        &["XCLAIM", "s", "g", "c5", "0", "2-1"],
        // No touch: failed claims, XPENDING, CREATECONSUMER again.
        &["XCLAIM", "s", "g", "c6", "99999999", "3-1"],
        &["XAUTOCLAIM", "s", "g", "c6", "99999999", "0"],
        &["XPENDING", "s", "g", "-", "+", "10", "c3"],
        &["XGROUP", "CREATECONSUMER", "s", "g", "c3"],
    ];
    for cmd in setup {
        check(&mut p, cmd);
    }
    let idle = Cmp::Normalized(idle_buckets);
    p.check_with(&[b"XINFO", b"CONSUMERS", b"s", b"g"], idle);
    p.check_with(&[b"XPENDING", b"s", b"g", b"-", b"+", b"10"], idle);
    p.check_with(
        &[b"XPENDING", b"s", b"g", b"IDLE", b"150", b"-", b"+", b"10"],
        idle,
    );
}

/// Stream commands count keyspace hits and misses as Redis does (XREAD
/// and XREADGROUP look their keys up twice).
#[test]
fn keyspace_hits_and_misses_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["XADD", "s", "1-1", "a", "1"]);
    p.check_str(&["XGROUP", "CREATE", "s", "g", "0"]);
    let stats = |c: &mut Conn| {
        (
            info_field(c, "keyspace_hits"),
            info_field(c, "keyspace_misses"),
        )
    };
    for cmd in [
        &["XREAD", "STREAMS", "nokey", "0"][..],
        &["XREAD", "STREAMS", "s", "nokey", "0", "0"],
        &["XREAD", "STREAMS", "s", "5"],
        &["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"],
        &["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"],
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "STREAMS",
            "s",
            "nokey",
            ">",
            ">",
        ],
        &["XRANGE", "s", "-", "+"],
        &["XREVRANGE", "nokey", "+", "-"],
        &["XLEN", "s"],
        &["XINFO", "STREAM", "s"],
        &["XPENDING", "s", "g"],
        &["XCLAIM", "s", "g", "c2", "0", "1-1"],
        &["XAUTOCLAIM", "s", "g", "c2", "0", "0"],
        &["XACK", "s", "g", "1-1"],
        &["XADD", "s", "2-1", "a", "1"],
        &["XDEL", "s", "2-1"],
        &["XTRIM", "s", "MAXLEN", "5"],
    ] {
        p.check_str(&["CONFIG", "RESETSTAT"]);
        check(&mut p, cmd);
        assert_eq!(stats(&mut p.cin), stats(&mut p.red), "{cmd:?}");
    }
}
