//! Lists: exact replies (also with tiny nodes, so every multi-node path
//! runs), differential tests against redis-server 7.0 (scripted edge
//! cases, RESP3, a seeded random stream), an AOF round trip through a
//! rewrite, and the blocking commands (redis-benchmark: tests/tools.rs).

use std::thread;
use std::time::{Duration, Instant};

use crate::differential::{check_event_classes, same_replies, Cmp, EventPair, Pair};
use crate::util::*;

/// Bulk-string array bytes for `items`.
fn arr(items: &[&str]) -> String {
    let mut s = format!("*{}\r\n", items.len());
    for i in items {
        s.push_str(&format!("${}\r\n{i}\r\n", i.len()));
    }
    s
}

/// The whole list at `key`, as strings.
fn lrange(c: &mut Conn, key: &str) -> Vec<String> {
    match c.value(&["LRANGE", key, "0", "-1"]) {
        Value::Array(v) => v
            .into_iter()
            .map(|x| String::from_utf8_lossy(x.as_bytes().unwrap()).into_owned())
            .collect(),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Exact replies
// ---------------------------------------------------------------------------

#[test]
fn push_pop_and_read_exact_replies() {
    for args in [&[][..], &["--list-max-listpack-size", "2"]] {
        let srv = Server::start_with(args);
        let mut c = srv.conn();
        c.expect(&["RPUSH", "l", "a", "b", "c"], ":3\r\n");
        c.expect(&["LPUSH", "l", "y", "z"], ":5\r\n");
        c.expect(
            &["LRANGE", "l", "0", "-1"],
            &arr(&["z", "y", "a", "b", "c"]),
        );
        c.expect(&["LRANGE", "l", "-2", "100"], &arr(&["b", "c"]));
        c.expect(&["LRANGE", "l", "3", "1"], "*0\r\n");
        c.expect(&["LLEN", "l"], ":5\r\n");
        c.expect(&["LINDEX", "l", "-1"], "$1\r\nc\r\n");
        c.expect(&["LINDEX", "l", "2"], "$1\r\na\r\n");
        c.expect(&["LINDEX", "l", "5"], "$-1\r\n");
        c.expect(&["OBJECT", "ENCODING", "l"], "$9\r\nquicklist\r\n");
        c.expect(&["TYPE", "l"], "+list\r\n");
        c.expect(&["LPOP", "l"], "$1\r\nz\r\n");
        c.expect(&["RPOP", "l", "2"], &arr(&["c", "b"]));
        c.expect(&["LPOP", "l", "0"], "*0\r\n");
        c.expect(&["LPOP", "l", "5"], &arr(&["y", "a"]));
        c.expect(&["EXISTS", "l"], ":0\r\n");
        c.expect(&["LPOP", "l"], "$-1\r\n");
        c.expect(&["LPOP", "l", "1"], "*-1\r\n");
        c.expect(&["LPOP", "l", "0"], "*-1\r\n");
        c.expect(&["LLEN", "l"], ":0\r\n");
        c.expect(&["LRANGE", "l", "0", "-1"], "*0\r\n");
        c.expect(&["LPUSHX", "l", "a"], ":0\r\n");
        c.expect(&["EXISTS", "l"], ":0\r\n");
        c.expect(&["RPUSH", "l", "a"], ":1\r\n");
        c.expect(&["RPUSHX", "l", "b", "c"], ":3\r\n");
        c.expect(&["LPUSHX", "l", "0"], ":4\r\n");
        c.expect(&["LSET", "l", "-1", "C"], "+OK\r\n");
        c.expect(&["LINSERT", "l", "BEFORE", "b", "ab"], ":5\r\n");
        c.expect(&["LINSERT", "l", "after", "C", "D"], ":6\r\n");
        c.expect(&["LINSERT", "l", "after", "nope", "D"], ":-1\r\n");
        c.expect(&["LINSERT", "nokey", "after", "a", "D"], ":0\r\n");
        c.expect(
            &["LRANGE", "l", "0", "-1"],
            &arr(&["0", "a", "ab", "b", "C", "D"]),
        );
        c.expect(&["LPOS", "l", "b"], ":3\r\n");
        c.expect(&["LPOS", "l", "x"], "$-1\r\n");
        c.expect(&["LPOS", "l", "b", "COUNT", "0"], "*1\r\n:3\r\n");
        c.expect(&["LTRIM", "l", "1", "-2"], "+OK\r\n");
        c.expect(&["LRANGE", "l", "0", "-1"], &arr(&["a", "ab", "b", "C"]));
        c.expect(&["LREM", "l", "0", "ab"], ":1\r\n");
        c.expect(&["LMOVE", "l", "m", "LEFT", "RIGHT"], "$1\r\na\r\n");
        c.expect(&["RPOPLPUSH", "l", "m"], "$1\r\nC\r\n");
        c.expect(&["LRANGE", "m", "0", "-1"], &arr(&["C", "a"]));
        c.expect(&["LMOVE", "m", "m", "LEFT", "RIGHT"], "$1\r\nC\r\n");
        c.expect(&["LRANGE", "m", "0", "-1"], &arr(&["a", "C"]));
        c.expect(
            &["LMPOP", "2", "nokey", "m", "RIGHT", "COUNT", "5"],
            "*2\r\n$1\r\nm\r\n*2\r\n$1\r\nC\r\n$1\r\na\r\n",
        );
        c.expect(&["LMPOP", "1", "m", "LEFT"], "*-1\r\n");
        c.expect(&["LTRIM", "l", "5", "1"], "+OK\r\n");
        c.expect(&["EXISTS", "l", "m"], ":0\r\n");
    }
}

#[test]
fn errors_exact_replies() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["SET", "s", "x"], "+OK\r\n");
    c.expect(&["RPUSH", "l", "a", "b"], ":2\r\n");
    let wrongtype = WRONGTYPE;
    let notint = "-ERR value is not an integer or out of range\r\n";
    let positive = "-ERR value is out of range, must be positive\r\n";
    for cmd in [
        &["LPUSH", "s", "a"][..],
        &["LPUSHX", "s", "a"],
        &["LPOP", "s"],
        &["LPOP", "s", "0"],
        &["LLEN", "s"],
        &["LRANGE", "s", "0", "1"],
        &["LINDEX", "s", "x"],
        &["LSET", "s", "x", "v"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LPOS", "s", "a"],
        &["LMOVE", "s", "l", "LEFT", "LEFT"],
        &["LMOVE", "l", "s", "LEFT", "LEFT"],
        &["RPOPLPUSH", "l", "s"],
        &["LMPOP", "2", "nokey", "s", "LEFT"],
        &["BLPOP", "nokey", "s", "0"],
        &["BLMOVE", "s", "l", "LEFT", "LEFT", "0"],
    ] {
        c.expect(cmd, wrongtype);
    }
    c.expect(&["LPOP", "l", "-1"], positive);
    c.expect(&["LPOP", "l", "x"], positive);
    c.expect(&["LPOP", "nokey", "x"], positive);
    c.expect(
        &["LPOP", "l", "1", "2"],
        "-ERR wrong number of arguments for 'lpop' command\r\n",
    );
    c.expect(&["LRANGE", "s", "x", "1"], notint);
    c.expect(&["LINDEX", "l", "x"], notint);
    c.expect(&["LINDEX", "nokey", "x"], "$-1\r\n");
    c.expect(&["LSET", "nokey", "0", "v"], "-ERR no such key\r\n");
    c.expect(&["LSET", "l", "x", "v"], notint);
    c.expect(&["LSET", "l", "2", "v"], "-ERR index out of range\r\n");
    c.expect(&["LSET", "l", "-3", "v"], "-ERR index out of range\r\n");
    c.expect(&["LREM", "s", "x", "a"], notint);
    c.expect(&["LTRIM", "s", "0", "x"], notint);
    c.expect(
        &["LINSERT", "s", "MIDDLE", "a", "b"],
        "-ERR syntax error\r\n",
    );
    c.expect(
        &["LPOS", "l", "a", "RANK", "0"],
        "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... \
         or use negative to start from the end of the list\r\n",
    );
    c.expect(&["LPOS", "l", "a", "RANK", "x"], notint);
    c.expect(
        &["LPOS", "l", "a", "COUNT", "-1"],
        "-ERR COUNT can't be negative\r\n",
    );
    c.expect(
        &["LPOS", "l", "a", "COUNT", "x"],
        "-ERR COUNT can't be negative\r\n",
    );
    c.expect(
        &["LPOS", "l", "a", "MAXLEN", "-1"],
        "-ERR MAXLEN can't be negative\r\n",
    );
    c.expect(&["LPOS", "l", "a", "RANK"], "-ERR syntax error\r\n");
    c.expect(&["LPOS", "l", "a", "BOGUS", "1"], "-ERR syntax error\r\n");
    c.expect(&["LMOVE", "l", "m", "UP", "LEFT"], "-ERR syntax error\r\n");
    let numkeys = "-ERR numkeys should be greater than 0\r\n";
    c.expect(&["LMPOP", "0", "l", "LEFT"], numkeys);
    c.expect(&["LMPOP", "x", "l", "LEFT"], numkeys);
    c.expect(&["LMPOP", "2", "l", "LEFT"], "-ERR syntax error\r\n");
    c.expect(&["LMPOP", "1", "l", "UP"], "-ERR syntax error\r\n");
    c.expect(
        &["LMPOP", "1", "l", "LEFT", "COUNT", "0"],
        "-ERR count should be greater than 0\r\n",
    );
    c.expect(
        &["LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"],
        "-ERR syntax error\r\n",
    );
    c.expect(
        &["LMPOP", "1", "l", "LEFT", "COUNT"],
        "-ERR syntax error\r\n",
    );
    c.expect(
        &["BLPOP", "l", "x"],
        "-ERR timeout is not a float or out of range\r\n",
    );
    c.expect(&["BLPOP", "l", "-1"], "-ERR timeout is negative\r\n");
    c.expect(&["BLMPOP", "x", "0", "l", "LEFT"], numkeys);
    c.expect(
        &["BLMPOP", "x", "1", "l", "LEFT"],
        "-ERR timeout is not a float or out of range\r\n",
    );
    c.expect(
        &["BLMOVE", "l", "m", "LEFT", "UP", "x"],
        "-ERR syntax error\r\n",
    );
    c.expect(
        &["BRPOPLPUSH", "l", "m", "x"],
        "-ERR timeout is not a float or out of range\r\n",
    );
    // Nothing above changed the list.
    c.expect(&["LRANGE", "l", "0", "-1"], &arr(&["a", "b"]));
}

/// A long list with two entries per node, driven against a local model:
/// every positional command crosses node boundaries.
#[test]
fn multi_node_lists_match_a_model() {
    let srv = Server::start_with(&["--list-max-listpack-size", "2"]);
    let mut c = srv.conn();
    let mut model: Vec<String> = Vec::new();
    for i in 0..300 {
        let v = format!("v{}", i % 17);
        if i % 3 == 0 {
            c.cmd(&["LPUSH", "l", &v]);
            model.insert(0, v);
        } else {
            c.cmd(&["RPUSH", "l", &v]);
            model.push(v);
        }
    }
    assert_eq!(lrange(&mut c, "l"), model);
    for i in [0usize, 1, 2, 3, 150, 298, 299] {
        c.expect(
            &["LINDEX", "l", &i.to_string()],
            &format!("${}\r\n{}\r\n", model[i].len(), model[i]),
        );
    }
    c.expect(&["LSET", "l", "101", "changed"], "+OK\r\n");
    model[101] = "changed".into();
    c.expect(&["LINSERT", "l", "BEFORE", "changed", "new"], ":301\r\n");
    model.insert(101, "new".into());
    let n = model.iter().filter(|v| *v == "v3").count();
    c.expect(&["LREM", "l", "0", "v3"], &format!(":{n}\r\n"));
    model.retain(|v| v != "v3");
    c.expect(&["LREM", "l", "-2", "v5"], ":2\r\n");
    for _ in 0..2 {
        let at = model.iter().rposition(|v| v == "v5").unwrap();
        model.remove(at);
    }
    c.expect(&["LTRIM", "l", "7", "-9"], "+OK\r\n");
    model = model[7..model.len() - 8].to_vec();
    assert_eq!(lrange(&mut c, "l"), model);
    let first = model.iter().position(|v| v == "v7").unwrap();
    c.expect(&["LPOS", "l", "v7"], &format!(":{first}\r\n"));
    let last = model.iter().rposition(|v| v == "v7").unwrap();
    c.expect(&["LPOS", "l", "v7", "RANK", "-1"], &format!(":{last}\r\n"));
    c.expect(
        &["LRANGE", "l", "10", "12"],
        &arr(&[&model[10], &model[11], &model[12]]),
    );
    c.expect(&["LLEN", "l"], &format!(":{}\r\n", model.len()));
    let popped: Vec<&str> = model.iter().rev().take(50).map(|s| &s[..]).collect();
    c.expect(&["RPOP", "l", "50"], &arr(&popped));
    model.truncate(model.len() - 50);
    assert_eq!(lrange(&mut c, "l"), model);
}

// ---------------------------------------------------------------------------
// Differential tests against redis-server
// ---------------------------------------------------------------------------

/// Hand-picked edge cases, under several node sizes, then in RESP3.
#[test]
fn list_scripted_edge_cases_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let script: &[&[&str]] = &[
        &[
            "RPUSH",
            "l",
            "a",
            "b",
            "a",
            "c",
            "a",
            "",
            "-1",
            "12345678901234567890",
        ],
        &["LRANGE", "l", "0", "-1"],
        &["LRANGE", "l", "-3", "-1"],
        &["LRANGE", "l", "-100", "2"],
        &["LRANGE", "l", "5", "2"],
        &["LRANGE", "l", "8", "100"],
        &["LRANGE", "l", "-9223372036854775808", "9223372036854775807"],
        &["LRANGE", "l", "0", "9223372036854775808"],
        &["LINDEX", "l", "-8"],
        &["LINDEX", "l", "-9"],
        &["LINDEX", "l", "7"],
        &["LINDEX", "l", "-9223372036854775808"],
        &["LPOS", "l", "a"],
        &["LPOS", "l", "a", "RANK", "2"],
        &["LPOS", "l", "a", "RANK", "-1"],
        &["LPOS", "l", "a", "RANK", "-3"],
        &["LPOS", "l", "a", "RANK", "4"],
        &["LPOS", "l", "a", "COUNT", "0"],
        &["LPOS", "l", "a", "COUNT", "2"],
        &["LPOS", "l", "a", "COUNT", "0", "RANK", "-1"],
        &["LPOS", "l", "a", "COUNT", "0", "MAXLEN", "3"],
        &["LPOS", "l", "a", "RANK", "-1", "MAXLEN", "2"],
        &["LPOS", "l", "a", "RANK", "-1", "MAXLEN", "4", "COUNT", "5"],
        &["LPOS", "l", "a", "RANK", "2", "COUNT", "1", "RANK", "1"],
        &["LPOS", "l", "a", "RANK", "-9223372036854775808"],
        &[
            "LPOS",
            "l",
            "a",
            "RANK",
            "-9223372036854775808",
            "COUNT",
            "1",
        ],
        &["LPOS", "l", "a", "RANK", "9223372036854775807"],
        &["LPOS", "l", "zz", "COUNT", "3"],
        &["LPOS", "nokey", "a", "COUNT", "3"],
        &["LPOS", "nokey", "a", "RANK", "0"],
        &["LPOS", "l", "a", "COUNT"],
        &["LSET", "l", "-1", "last"],
        &["LSET", "l", "8", "x"],
        &["LINSERT", "l", "BEFORE", "a", "first"],
        &["LINSERT", "l", "AFTER", "a", "second"],
        &["LINSERT", "l", "after", "last", "end"],
        &["LREM", "l", "-1", "a"],
        &["LREM", "l", "1", "a"],
        &["LREM", "l", "0", "nothing"],
        &["LRANGE", "l", "0", "-1"],
        &["LTRIM", "l", "1", "-1"],
        &["LTRIM", "l", "0", "-2"],
        &["LTRIM", "l", "-100", "100"],
        &["LRANGE", "l", "0", "-1"],
        &["LMOVE", "l", "l", "RIGHT", "LEFT"],
        &["LMOVE", "l", "m", "left", "right"],
        &["LMOVE", "l", "m", "RIGHT", "RIGHT"],
        &["RPOPLPUSH", "m", "m"],
        &["LRANGE", "m", "0", "-1"],
        &["LMOVE", "nokey", "m", "LEFT", "LEFT"],
        &["RPUSH", "one", "x"],
        &["LMOVE", "one", "one", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "one", "other"],
        &["EXISTS", "one"],
        &["LMPOP", "3", "nokey", "one", "other", "LEFT"],
        &["LMPOP", "2", "l", "m", "RIGHT", "COUNT", "2"],
        &["LMPOP", "2", "l", "m", "left", "count", "100"],
        &["LMPOP", "1", "l", "LEFT", "COUNT", "9223372036854775807"],
        &["LMPOP", "9223372036854775806", "l", "LEFT"],
        &["LMPOP", "-1", "l", "LEFT"],
        &["LPOP", "l", "9223372036854775807"],
        &["LPOP", "l", "-9223372036854775808"],
        &["RPUSH", "l", "1", "2", "3", "4", "5"],
        &["RPUSH", "m", "6", "7", "8"],
        &["BLPOP", "nokey", "l", "m", "0"],
        &["BRPOP", "m", "l", "0"],
        &["BLMPOP", "0", "2", "l", "m", "RIGHT", "COUNT", "2"],
        &["BLMOVE", "l", "m", "RIGHT", "LEFT", "0"],
        &["BRPOPLPUSH", "m", "l", "0"],
        &["LRANGE", "l", "0", "-1"],
        &["LRANGE", "m", "0", "-1"],
        &["DEL", "l", "m"],
    ];
    for size in ["-2", "1", "2", "3", "-1", "0"] {
        p.check_str(&["CONFIG", "SET", "list-max-listpack-size", size]);
        for cmd in script {
            p.check_str(cmd);
        }
        let big = "x".repeat(5000);
        for cmd in [
            &["RPUSH", "big", &big, "a", &big, "b"][..],
            &["LSET", "big", "1", &big],
            &["LINSERT", "big", "BEFORE", "b", &big],
            &["LREM", "big", "2", &big],
            &["LRANGE", "big", "0", "-1"],
            &["DEL", "big"],
        ] {
            p.check_str(cmd);
        }
    }
    // RESP3: null and array replies change shape.
    p.cin.cmd(&["HELLO", "3"]);
    p.red.cmd(&["HELLO", "3"]);
    for cmd in [
        &["RPUSH", "r", "a", "b", "c"][..],
        &["LPOP", "nokey"],
        &["LPOP", "nokey", "2"],
        &["LPOP", "r", "2"],
        &["LINDEX", "r", "5"],
        &["LPOS", "r", "zz"],
        &["LPOS", "r", "c"],
        &["LPOS", "nokey", "c", "COUNT", "0"],
        &["LMPOP", "1", "nokey", "LEFT"],
        &["LMPOP", "1", "r", "LEFT"],
        &["LMOVE", "nokey", "r", "LEFT", "LEFT"],
        &["RPUSH", "r", "x", "y"],
        &["BLPOP", "r", "0"],
        &["BLMPOP", "0", "1", "r", "LEFT"],
        &["BLPOP", "nokey", "0.01"],
        &["BLMOVE", "nokey", "r", "LEFT", "LEFT", "0.01"],
        &["LRANGE", "r", "0", "-1"],
        &["LRANGE", "nokey", "0", "-1"],
    ] {
        p.check_str(cmd);
    }
}

const KEYS: &[&str] = &["l0", "l1", "l2", "l3"];
const VALUES: &[&str] = &[
    "a",
    "b",
    "c",
    "",
    "1",
    "-1",
    "007",
    "hello world",
    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
];
const INDEXES: &[&str] = &[
    "0",
    "1",
    "2",
    "-1",
    "-2",
    "-5",
    "5",
    "30",
    "-100",
    "x",
    "9223372036854775807",
    "-9223372036854775808",
];
const COUNTS: &[&str] = &["0", "1", "2", "3", "10", "-1", "x"];

/// One random command over a few keys: every list command, bad indexes
/// and counts, and strings mixed in for WRONGTYPE.
fn random_command(g: &mut Gen, blocking: bool) -> Vec<String> {
    let k = g.pick(KEYS);
    let k2 = g.pick(KEYS);
    let v = g.pick(VALUES);
    let side = || ["LEFT", "RIGHT", "left", "right"];
    let mut cmd: Vec<&str> = match g.next() % 30 {
        0..=2 => vec!["RPUSH", k, v, g.pick(VALUES), g.pick(VALUES)],
        3..=4 => vec!["LPUSH", k, v],
        5 => vec!["LPUSHX", k, v],
        6 => vec!["RPUSHX", k, v, g.pick(VALUES)],
        7 => vec!["LPOP", k],
        8 => vec!["RPOP", k, g.pick(COUNTS)],
        9 => vec!["LPOP", k, g.pick(COUNTS)],
        10 => vec!["LLEN", k],
        11 => vec!["LRANGE", k, g.pick(INDEXES), g.pick(INDEXES)],
        12 => vec!["LINDEX", k, g.pick(INDEXES)],
        13 => vec!["LSET", k, g.pick(INDEXES), v],
        14 => vec!["LREM", k, g.pick(&["0", "1", "-1", "2", "-2", "x"]), v],
        15 => vec!["LTRIM", k, g.pick(INDEXES), g.pick(INDEXES)],
        16 => vec![
            "LINSERT",
            k,
            g.pick(&["BEFORE", "AFTER", "after", "middle"]),
            g.pick(VALUES),
            v,
        ],
        17 => vec!["LPOS", k, v],
        18 => vec!["LMOVE", k, k2, g.pick(&side()), g.pick(&side())],
        19 => vec!["RPOPLPUSH", k, k2],
        20 => vec!["LMPOP", "2", k, k2, g.pick(&side())],
        21 => vec!["SET", k, v],
        22 => vec!["GET", k],
        23 => vec!["DEL", k],
        24 => vec!["TYPE", k],
        25 => vec!["OBJECT", "ENCODING", k],
        26 => vec!["EXPIRE", k, "1000"],
        27 if blocking => vec![
            g.pick(&["BLPOP", "BRPOP"]),
            k,
            k2,
            g.pick(&["0.01", "x", "-1"]),
        ],
        28 if blocking => vec!["BLMOVE", k, k2, g.pick(&side()), g.pick(&side()), "0.01"],
        29 if blocking => vec!["BLMPOP", "0.01", "2", k, k2, g.pick(&side())],
        _ => vec!["LRANGE", k, "0", "-1"],
    };
    match cmd[0] {
        "LPOS" => {
            for _ in 0..g.next() % 4 {
                let o = g.pick(&["RANK", "COUNT", "MAXLEN", "BOGUS"]);
                cmd.push(o);
                if g.chance(90) {
                    cmd.push(match o {
                        "RANK" => g.pick(&["1", "2", "-1", "-2", "0", "x"]),
                        _ => g.pick(COUNTS),
                    });
                }
            }
        }
        "LMPOP" | "BLMPOP" if g.chance(50) => {
            cmd.push("COUNT");
            if g.chance(90) {
                cmd.push(g.pick(COUNTS));
            }
        }
        _ => {}
    }
    cmd.into_iter().map(String::from).collect()
}

/// Whether the server answers a blocking command's timeout (the loop's
/// side of blocking may be missing).
fn blocking_works(addr: &str) -> bool {
    let mut c = Conn::connect(addr);
    c.s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    c.send(&multibulk(&[b"BLPOP", b"probe-key", b"0.05"]));
    c.try_read_reply().is_some()
}

/// Seeded random command streams, with several node sizes, must get
/// identical replies from both servers and leave identical datasets.
#[test]
fn list_random_commands_match_redis() {
    let seeds: Vec<u64> = seeds((1..=6).map(|i| 0x1157_0000 + i * 7919));
    let Some(mut p) = Pair::new() else { return };
    let blocking = blocking_works(&p.cin_server().addr);
    if !blocking {
        eprintln!("blocking commands left out: the server does not answer their timeouts");
    }
    let sizes = ["-2", "2", "1", "3", "-1", "5"];
    for seed in seeds {
        p.check_str(&["FLUSHALL"]);
        let size = sizes[(seed % sizes.len() as u64) as usize];
        p.check_str(&["CONFIG", "SET", "list-max-listpack-size", size]);
        let mut g = Gen(seed);
        for _ in 0..2000 {
            let cmd = random_command(&mut g, blocking);
            let args: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
            p.check_with(&args, Cmp::Exact);
        }
        p.check_dataset();
    }
}

// ---------------------------------------------------------------------------
// Persistence and tools
// ---------------------------------------------------------------------------

/// Every list with its elements and TTL class, sorted by key.
fn lists(c: &mut Conn) -> Vec<(String, Vec<String>, bool)> {
    let mut keys: Vec<String> = match c.value(&["KEYS", "*"]) {
        Value::Array(v) => v
            .into_iter()
            .map(|k| String::from_utf8(k.as_bytes().unwrap().to_vec()).unwrap())
            .collect(),
        other => panic!("{other:?}"),
    };
    keys.sort();
    keys.into_iter()
        .map(|k| {
            let ttl = c.cmd(&["PTTL", &k]) != b":-1\r\n";
            let items = lrange(c, &k);
            (k, items, ttl)
        })
        .collect()
}

fn rewrite_done(c: &mut Conn) -> bool {
    info_field(c, "aof_rewrite_in_progress") == "0"
}

#[test]
fn lists_survive_restart_through_a_rewrite() {
    let dir = TempDir::new("list-aof");
    let before = {
        let srv = Server::start_in(dir.path(), &["--list-max-listpack-size", "3"]);
        let mut c = srv.conn();
        let mut push = vec!["RPUSH".to_string(), "big".to_string()];
        push.extend((0..200).map(|i| format!("item-{i}")));
        let push: Vec<&str> = push.iter().map(|s| &s[..]).collect();
        c.expect(&push, ":200\r\n");
        c.cmdb(&[b"RPUSH", b"bin", b"a\r\nb\0c", b"", b"\xff\xfe"]);
        for cmd in [
            &["LPUSH", "ttl", "x", "y"][..],
            &["PEXPIRE", "ttl", "999999999"],
            &["LSET", "big", "100", "changed"],
            &["LINSERT", "big", "AFTER", "changed", "inserted"],
            &["LREM", "big", "0", "item-7"],
            &["LTRIM", "big", "1", "-2"],
        ] {
            let r = c.cmd(cmd);
            assert!(!r.starts_with(b"-"), "{cmd:?}: {}", show(&r));
        }
        c.expect(
            &["BGREWRITEAOF"],
            "+Background append only file rewriting started\r\n",
        );
        assert!(wait_until(Duration::from_secs(10), || rewrite_done(&mut c)));
        // After the rewrite: logged in the new incremental file.
        for cmd in [
            &["RPUSH", "after", "1", "2", "3", "4"][..],
            &["BLPOP", "nokey", "after", "0"],
            &["BLMPOP", "0", "1", "after", "RIGHT", "COUNT", "5"],
            &["RPUSH", "after", "5", "6"],
            &["BLMOVE", "after", "moved", "LEFT", "RIGHT", "0"],
            &["BRPOPLPUSH", "big", "moved", "0"],
            &["LMPOP", "1", "big", "LEFT", "COUNT", "3"],
            &["LMOVE", "ttl", "ttl", "LEFT", "RIGHT"],
        ] {
            let r = c.cmd(cmd);
            assert!(!r.starts_with(b"-"), "{cmd:?}: {}", show(&r));
        }
        // Served after blocking: logged as the pops and moves they did.
        let mut w1 = srv.conn();
        w1.send(&multibulk(&[
            b"BLMPOP", b"0", b"1", b"later", b"LEFT", b"COUNT", b"2",
        ]));
        wait_blocked(&mut c, 1);
        let mut w2 = srv.conn();
        w2.send(&multibulk(&[
            b"BLMOVE", b"later2", b"moved", b"RIGHT", b"LEFT", b"0",
        ]));
        wait_blocked(&mut c, 2);
        c.expect(&["RPUSH", "later", "a", "b", "c"], ":3\r\n");
        c.expect(&["RPUSH", "later2", "x", "y"], ":2\r\n");
        assert_eq!(
            show(&w1.read_reply()),
            "*2\\r\\n$5\\r\\nlater\\r\\n*2\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n"
        );
        assert_eq!(show(&w2.read_reply()), "$1\\r\\ny\\r\\n");
        let d = lists(&mut c);
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
        d
    };
    assert_eq!(before.len(), 7, "{before:?}");
    // Blocking forms are logged as the pops they performed.
    let mut incr = String::new();
    for e in std::fs::read_dir(dir.0.join("appendonlydir")).unwrap() {
        let p = e.unwrap().path();
        if p.to_string_lossy().ends_with(".incr.aof") {
            incr.push_str(&String::from_utf8_lossy(&std::fs::read(p).unwrap()));
        }
    }
    let logged: Vec<&str> = incr.split("\r\n").collect();
    for name in ["LPOP", "RPOP", "LMOVE", "RPOPLPUSH"] {
        assert!(logged.contains(&name), "{name} missing from\n{incr}");
    }
    for name in ["BLPOP", "BLMPOP", "BLMOVE", "BRPOPLPUSH", "LMPOP"] {
        assert!(!logged.contains(&name), "{name} logged in\n{incr}");
    }
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    assert_eq!(lists(&mut c), before);
    c.expect(&["OBJECT", "ENCODING", "big"], "$9\r\nquicklist\r\n");
}

// ---------------------------------------------------------------------------
// Blocking
// ---------------------------------------------------------------------------

/// A connection whose reads give up after 5 s, so a missing wake-up fails
/// the test quickly.
fn conn5(srv: &Server) -> Conn {
    let c = srv.conn();
    c.s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c
}

#[test]
fn blocking_pop_times_out_with_a_null_reply() {
    let srv = Server::start();
    let mut c = conn5(&srv);
    for (cmd, want) in [
        (&["BLPOP", "nokey", "0.2"][..], "*-1\r\n"),
        (&["BRPOP", "a", "b", "0.2"], "*-1\r\n"),
        (&["BLMPOP", "0.2", "1", "nokey", "LEFT"], "*-1\r\n"),
        // A null array here too, as Redis 7.0 answers every timeout.
        (
            &["BLMOVE", "nokey", "dst", "LEFT", "LEFT", "0.2"],
            "*-1\r\n",
        ),
        (&["BRPOPLPUSH", "nokey", "dst", "0.2"], "*-1\r\n"),
    ] {
        let start = Instant::now();
        c.expect(cmd, want);
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(180) && took < Duration::from_secs(2),
            "{cmd:?} took {took:?}"
        );
    }
    c.cmd(&["HELLO", "3"]);
    c.expect(&["BLPOP", "nokey", "0.05"], "_\r\n");
    c.expect(&["BLMOVE", "nokey", "d", "LEFT", "LEFT", "0.05"], "_\r\n");
    let mut other = srv.conn();
    other.expect(&["EXISTS", "dst", "d"], ":0\r\n");
}

#[test]
fn waiters_are_served_in_arrival_order() {
    let srv = Server::start();
    let mut c = srv.conn();
    let mut waiters: Vec<Conn> = Vec::new();
    for i in 0..3 {
        let mut w = conn5(&srv);
        w.send(&multibulk(&[b"BLPOP", b"q", b"0"]));
        wait_blocked(&mut c, i + 1);
        waiters.push(w);
    }
    // One push serves the first two waiters, in order.
    c.expect(&["RPUSH", "q", "a", "b"], ":2\r\n");
    assert_eq!(
        show(&waiters[0].read_reply()),
        show(arr(&["q", "a"]).as_bytes())
    );
    assert_eq!(
        show(&waiters[1].read_reply()),
        show(arr(&["q", "b"]).as_bytes())
    );
    wait_blocked(&mut c, 1);
    c.expect(&["EXISTS", "q"], ":0\r\n");
    c.expect(&["LPUSH", "q", "c"], ":1\r\n");
    assert_eq!(
        show(&waiters[2].read_reply()),
        show(arr(&["q", "c"]).as_bytes())
    );
    wait_blocked(&mut c, 0);
    c.expect(&["EXISTS", "q"], ":0\r\n");
}

#[test]
fn blmove_chains_to_a_client_waiting_on_the_destination() {
    let srv = Server::start();
    let mut c = srv.conn();
    let mut mover = conn5(&srv);
    mover.send(&multibulk(&[
        b"BLMOVE", b"src", b"dst", b"LEFT", b"RIGHT", b"0",
    ]));
    wait_blocked(&mut c, 1);
    let mut popper = conn5(&srv);
    popper.send(&multibulk(&[b"BRPOP", b"dst", b"0"]));
    wait_blocked(&mut c, 2);
    c.expect(&["RPUSH", "src", "x", "y"], ":2\r\n");
    assert_eq!(show(&mover.read_reply()), "$1\\r\\nx\\r\\n");
    assert_eq!(
        show(&popper.read_reply()),
        show(arr(&["dst", "x"]).as_bytes())
    );
    c.expect(&["LRANGE", "src", "0", "-1"], &arr(&["y"]));
    c.expect(&["EXISTS", "dst"], ":0\r\n");
    wait_blocked(&mut c, 0);
}

#[test]
fn a_disconnected_waiter_leaves_no_trace() {
    let srv = Server::start();
    let mut c = srv.conn();
    {
        let mut gone = conn5(&srv);
        gone.send(&multibulk(&[b"BLPOP", b"k", b"0"]));
        wait_blocked(&mut c, 1);
    }
    wait_blocked(&mut c, 0);
    let mut w = conn5(&srv);
    w.send(&multibulk(&[b"BLPOP", b"k", b"0"]));
    wait_blocked(&mut c, 1);
    c.expect(&["RPUSH", "k", "v1", "v2"], ":2\r\n");
    assert_eq!(show(&w.read_reply()), show(arr(&["k", "v1"]).as_bytes()));
    c.expect(&["LRANGE", "k", "0", "-1"], &arr(&["v2"]));
    c.expect(&["DEL", "k"], ":1\r\n");
    c.expect(&["RPUSH", "k", "v3"], ":1\r\n");
    c.expect(&["LLEN", "k"], ":1\r\n");
}

#[test]
fn multi_key_pops_take_the_first_non_empty_list() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["RPUSH", "k2", "a", "b"], ":2\r\n");
    c.expect(&["RPUSH", "k3", "c"], ":1\r\n");
    c.expect(&["BLPOP", "k1", "k2", "k3", "0"], &arr(&["k2", "a"]));
    c.expect(&["BRPOP", "k1", "k3", "k2", "0"], &arr(&["k3", "c"]));
    c.expect(
        &["BLMPOP", "0", "3", "k1", "k3", "k2", "LEFT", "COUNT", "5"],
        "*2\r\n$2\r\nk2\r\n*1\r\n$1\r\nb\r\n",
    );
    c.expect(&["EXISTS", "k1", "k2", "k3"], ":0\r\n");
    // Blocked on several keys, served by the one that gets an element.
    let mut w = conn5(&srv);
    w.send(&multibulk(&[
        b"BLMPOP", b"0", b"2", b"k1", b"k2", b"RIGHT", b"COUNT", b"2",
    ]));
    wait_blocked(&mut c, 1);
    c.expect(&["RPUSH", "k2", "x", "y", "z"], ":3\r\n");
    assert_eq!(
        show(&w.read_reply()),
        "*2\\r\\n$2\\r\\nk2\\r\\n*2\\r\\n$1\\r\\nz\\r\\n$1\\r\\ny\\r\\n"
    );
    c.expect(&["LRANGE", "k2", "0", "-1"], &arr(&["x"]));
}

#[test]
fn blocking_commands_inside_multi_do_not_block() {
    let srv = Server::start();
    let mut c = conn5(&srv);
    c.expect(&["MULTI"], "+OK\r\n");
    for cmd in [
        &["BLPOP", "nokey", "0"][..],
        &["BLMOVE", "nokey", "d", "LEFT", "LEFT", "0"],
        &["BLMPOP", "0", "1", "nokey", "LEFT"],
    ] {
        c.expect(cmd, "+QUEUED\r\n");
    }
    c.expect(&["EXEC"], "*3\r\n*-1\r\n$-1\r\n*-1\r\n");
}

/// A waiter keeps its turn while a push from inside the same pipeline
/// finds it; pushes by several clients at once are all delivered.
#[test]
fn concurrent_pushers_and_waiters_lose_nothing() {
    let srv = Server::start();
    let mut c = srv.conn();
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let addr = srv.addr.clone();
            thread::spawn(move || {
                let mut w = Conn::connect(&addr);
                w.s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let mut got = Vec::new();
                for _ in 0..25 {
                    match w.value(&["BLPOP", "work", "5"]) {
                        Value::Array(v) => got.push(v[1].as_bytes().unwrap().to_vec()),
                        other => panic!("{other:?}"),
                    }
                }
                got
            })
        })
        .collect();
    for i in 0..100 {
        c.cmd(&["RPUSH", "work", &i.to_string()]);
    }
    let mut all: Vec<i64> = waiters
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .map(|b| String::from_utf8(b).unwrap().parse().unwrap())
        .collect();
    all.sort();
    assert_eq!(all, (0..100).collect::<Vec<_>>());
    c.expect(&["EXISTS", "work"], ":0\r\n");
}

/// Blocking timeouts parse as Redis 7.0 does, including its x86 quirk of
/// calling values too large for 64 bits "negative".
#[test]
fn blocking_timeout_errors_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    for t in [
        "abc",
        "-1",
        "inf",
        "-inf",
        "9223372036854775807",
        "1e400",
        "nan",
        "",
    ] {
        p.check_str(&["BLPOP", "nokey", t]);
        p.check_str(&["BZPOPMIN", "nokey", t]);
    }
    // Valid ones that time out quickly.
    for t in ["0.01", "0x0.01p0", "1e-2"] {
        p.check_str(&["BLPOP", "nokey", t]);
    }
}

// ---------------------------------------------------------------------------
// Keyspace events and WATCH
// ---------------------------------------------------------------------------

/// Every list write, with its edge cases: emptied keys, no-ops, errors.
const EVENT_SCRIPT: &[&[&str]] = &[
    &["RPUSH", "l", "a", "b", "c", "d"],
    &["LPUSH", "l", "z", "y"],
    &["LPUSHX", "l", "x"],
    &["RPUSHX", "l", "e"],
    &["LPUSHX", "nokey", "a"],
    &["RPUSHX", "nokey", "a"],
    // A key of another type (a hash: strings are not this file's).
    &["HSET", "str", "f", "v"],
    &["LPUSH", "str", "a"],
    &["RPUSHX", "str", "a"],
    &["LPUSH", "l"],
    &["LPOP", "l"],
    &["RPOP", "l"],
    &["LPOP", "l", "2"],
    &["RPOP", "l", "0"],
    &["RPOP", "l", "-1"],
    &["LPOP", "l", "1", "2"],
    &["LPOP", "nokey"],
    &["LPOP", "nokey", "3"],
    &["RPOP", "str"],
    &["RPOP", "l", "100"],
    &["RPUSH", "l", "x"],
    &["LPOP", "l"],
    &["RPUSH", "l", "a", "b", "a", "c", "a"],
    &["LSET", "l", "1", "B"],
    &["LSET", "l", "-1", "A"],
    &["LSET", "l", "99", "x"],
    &["LSET", "l", "x", "x"],
    &["LSET", "nokey", "0", "x"],
    &["LINSERT", "l", "BEFORE", "c", "x"],
    &["LINSERT", "l", "AFTER", "B", "y"],
    &["LINSERT", "l", "AFTER", "nopivot", "x"],
    &["LINSERT", "nokey", "AFTER", "a", "x"],
    &["LINSERT", "l", "MIDDLE", "a", "x"],
    &["LREM", "l", "1", "a"],
    &["LREM", "l", "-1", "A"],
    &["LREM", "l", "0", "nothere"],
    &["LREM", "nokey", "0", "a"],
    &["LREM", "l", "x", "a"],
    // LTRIM publishes even when it trims nothing.
    &["LTRIM", "l", "0", "-1"],
    &["LTRIM", "l", "1", "2"],
    &["LTRIM", "nokey", "0", "1"],
    &["LTRIM", "str", "0", "1"],
    &["LTRIM", "l", "5", "1"],
    &["RPUSH", "r", "a", "a"],
    &["LREM", "r", "0", "a"],
    // Moves: the push on the destination is announced before the pop.
    &["RPUSH", "src", "1", "2", "3"],
    &["LMOVE", "src", "dst", "LEFT", "RIGHT"],
    &["LMOVE", "src", "dst", "RIGHT", "LEFT"],
    &["RPOPLPUSH", "src", "dst"],
    &["RPOPLPUSH", "src", "dst"],
    &["LMOVE", "dst", "dst", "LEFT", "RIGHT"],
    &["LMOVE", "dst", "str", "LEFT", "LEFT"],
    &["LMOVE", "str", "dst", "LEFT", "LEFT"],
    &["LMOVE", "dst", "d2", "UP", "LEFT"],
    &["RPUSH", "one", "x"],
    &["LMOVE", "one", "one", "LEFT", "RIGHT"],
    &["RPOPLPUSH", "one", "one"],
    &["RPOPLPUSH", "one", "other"],
    // LMPOP.
    &["LMPOP", "2", "nokey", "dst", "LEFT", "COUNT", "2"],
    &["LMPOP", "1", "dst", "RIGHT", "COUNT", "10"],
    &["LMPOP", "1", "nokey", "LEFT"],
    &["LMPOP", "0", "nokey", "LEFT"],
    &["LMPOP", "1", "str", "LEFT"],
    // The blocking forms when there is something to pop.
    &["RPUSH", "b", "1", "2", "3", "4"],
    &["BLPOP", "nokey", "b", "0"],
    &["BRPOP", "b", "0"],
    &["BLMOVE", "b", "bd", "LEFT", "LEFT", "0"],
    &["BRPOPLPUSH", "b", "bd", "0"],
    &["BRPOPLPUSH", "bd", "b", "0"],
    &["BLMPOP", "0", "1", "b", "LEFT", "COUNT", "5"],
    &["BLMOVE", "bd", "str", "LEFT", "LEFT", "0"],
    &["BLPOP", "str", "0"],
    &["BLPOP", "nokey", "x"],
];

/// Inside MULTI the blocking forms do not block; EXEC publishes the
/// transaction's events in order.
const EVENT_TRANSACTION: &[&[&str]] = &[
    &["BLPOP", "nokey", "0"],
    &["BLMOVE", "nokey", "bd", "LEFT", "LEFT", "0"],
    &["RPUSH", "m", "a", "b"],
    &["LMOVE", "m", "m2", "LEFT", "LEFT"],
    &["BRPOP", "m", "0"],
    &["LPOP", "m"],
];

/// Every list write publishes the events redis-server does, in order,
/// including clients blocked on a key that a later command serves.
#[test]
fn keyspace_events_match_redis() {
    let Some(mut p) = EventPair::new("KEA") else {
        return;
    };
    let seen = p.script(EVENT_SCRIPT);
    assert!(seen >= 100, "only {seen} events");
    assert_eq!(p.transaction(EVENT_TRANSACTION).len(), 10);

    // Served blocked pops: the pusher's event, then each waiter's.
    let served: &[(&[&str], &[&str])] = &[
        (&["BLPOP", "w1", "0"], &["RPUSH", "w1", "a"]),
        (&["BRPOP", "w2", "0"], &["RPUSH", "w2", "a", "b"]),
        (
            &["BLMOVE", "w3", "w3d", "RIGHT", "LEFT", "0"],
            &["LPUSH", "w3", "a"],
        ),
        (
            &["BRPOPLPUSH", "w4", "w4d", "0"],
            &["RPUSH", "w4", "a", "b"],
        ),
        (
            &["BLMPOP", "0", "2", "w5", "w6", "LEFT", "COUNT", "3"],
            &["RPUSH", "w6", "a", "b"],
        ),
        (
            &["BLMPOP", "0", "1", "w5", "RIGHT"],
            &["LPUSH", "w5", "a", "b"],
        ),
        // A destination of the wrong type: the waiter gets an error.
        (
            &["BLMOVE", "w7", "str", "LEFT", "LEFT", "0"],
            &["RPUSH", "w7", "a"],
        ),
    ];
    for (block, push) in served {
        let mut w = [p.pair.block_on_both(block, 1)];
        let n = p.check(push).len();
        assert!(n >= 2, "{push:?}: {n} events");
        same_replies(&mut w);
    }
    // A BLMOVE feeding another waiter, and a transaction feeding two.
    let mut w = [
        p.pair
            .block_on_both(&["BLMOVE", "c1", "c2", "LEFT", "LEFT", "0"], 1),
        p.pair.block_on_both(&["BLPOP", "c2", "0"], 2),
    ];
    assert_eq!(p.check(&["RPUSH", "c1", "x"]).len(), 12);
    same_replies(&mut w);
    let mut w = [
        p.pair.block_on_both(&["BRPOP", "t", "0"], 1),
        p.pair.block_on_both(&["BLPOP", "t", "0"], 2),
    ];
    let tx: &[&[&str]] = &[&["RPUSH", "t", "a", "b", "c"], &["LPUSH", "t", "d"]];
    assert_eq!(p.transaction(tx).len(), 8);
    same_replies(&mut w);
}

/// Events are published under Redis's classes (`l`, and `g` for `del`),
/// and a created key's `new` event comes first.
#[test]
fn keyspace_event_classes_match_redis() {
    check_event_classes(&[("El", 40), ("Kg", 8), ("KEAn", 120)], |p, _| {
        let seen = p.script(EVENT_SCRIPT);
        assert!(!p.transaction(EVENT_TRANSACTION).is_empty());
        seen
    });
}

/// Each list write invalidates WATCH on exactly the keys it changed, as
/// in redis-server: no-ops and errors leave transactions alone.
#[test]
fn watch_invalidation_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    let cases: &[(&str, &[&str])] = &[
        ("l", &["RPUSH", "l", "a", "b", "c", "d", "e", "f", "g", "h"]),
        ("l", &["RPUSH", "l", "i", "j", "k", "l", "m", "n", "o", "p"]),
        ("l", &["LPUSH", "l", "x"]),
        ("l", &["LPUSHX", "l", "x"]),
        ("l", &["RPUSHX", "l", "x"]),
        ("n", &["LPUSHX", "n", "x"]),
        ("n", &["RPUSHX", "n", "x"]),
        ("n", &["LPUSH", "n"]),
        ("l", &["LPOP", "l"]),
        ("l", &["RPOP", "l", "2"]),
        ("l", &["RPOP", "l", "0"]),
        ("n", &["LPOP", "n"]),
        ("n", &["LPOP", "n", "2"]),
        ("l", &["LSET", "l", "0", "v"]),
        ("l", &["LSET", "l", "99", "v"]),
        ("l", &["LINSERT", "l", "BEFORE", "v", "w"]),
        ("l", &["LINSERT", "l", "BEFORE", "nopivot", "w"]),
        ("n", &["LINSERT", "n", "BEFORE", "v", "w"]),
        ("l", &["LREM", "l", "0", "nothere"]),
        ("l", &["LREM", "l", "0", "w"]),
        ("n", &["LREM", "n", "0", "w"]),
        ("l", &["LTRIM", "l", "0", "-1"]),
        ("l", &["LTRIM", "l", "1", "-1"]),
        ("n", &["LTRIM", "n", "0", "-1"]),
        ("l", &["LRANGE", "l", "0", "-1"]),
        ("l", &["LPOS", "l", "x"]),
        // Moves touch both keys; a move that fails touches neither.
        ("l", &["LMOVE", "l", "d", "LEFT", "RIGHT"]),
        ("d", &["LMOVE", "l", "d", "LEFT", "RIGHT"]),
        ("l", &["RPOPLPUSH", "l", "d"]),
        ("d", &["RPOPLPUSH", "l", "d"]),
        ("d", &["LMOVE", "n", "d", "LEFT", "RIGHT"]),
        ("n", &["LMOVE", "n", "d", "LEFT", "RIGHT"]),
        ("d", &["HSET", "str", "f", "v"]),
        ("l", &["LMOVE", "l", "str", "LEFT", "RIGHT"]),
        ("d", &["LMOVE", "str", "d", "LEFT", "RIGHT"]),
        ("l", &["LMPOP", "2", "n", "l", "LEFT"]),
        ("n", &["LMPOP", "2", "n", "l", "LEFT"]),
        ("d", &["LMPOP", "2", "n", "l", "LEFT"]),
        ("l", &["BLPOP", "n", "l", "0"]),
        ("n", &["BRPOP", "n", "l", "0"]),
        ("l", &["BLMOVE", "l", "d", "LEFT", "LEFT", "0"]),
        ("d", &["BRPOPLPUSH", "l", "d", "0"]),
        ("l", &["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "2"]),
        ("l", &["LTRIM", "l", "5", "-1"]),
        ("d", &["LREM", "d", "0", "a"]),
        ("d", &["LTRIM", "d", "1", "0"]),
    ];
    let ran = p.check_watches(cases);
    assert!(
        ran > 10 && ran < cases.len() - 10,
        "{ran} of {}",
        cases.len()
    );
    // A served waiter invalidates the destination it pushed to.
    let mut w = [p.block_on_both(&["BLMOVE", "w", "wd", "LEFT", "LEFT", "0"], 1)];
    assert!(!p.check_watch("wd", &["RPUSH", "w", "a"]));
    same_replies(&mut w);
    let mut w = [p.block_on_both(&["BLPOP", "w", "0"], 1)];
    assert!(!p.check_watch("w", &["RPUSH", "w", "a"]));
    same_replies(&mut w);
}
