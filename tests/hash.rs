//! Hash commands: exact replies (RESP2 and RESP3), the listpack/hashtable
//! encodings and their conversion thresholds, HSCAN and HRANDFIELD, AOF
//! round trips, and differential runs against redis-server.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::differential::{check_event_classes, Cmp, EventPair, Pair};
use crate::util::*;

/// HGETALL as a sorted map (works for RESP2 and RESP3 replies).
fn hgetall(c: &mut Conn, key: &str) -> BTreeMap<Vec<u8>, Vec<u8>> {
    match c.value(&["HGETALL", key]) {
        Value::Map(kv) => kv
            .into_iter()
            .map(|(k, v)| {
                (
                    k.as_bytes().unwrap().to_vec(),
                    v.as_bytes().unwrap().to_vec(),
                )
            })
            .collect(),
        v => bulks(v)
            .chunks(2)
            .map(|p| (p[0].clone(), p[1].clone()))
            .collect(),
    }
}

fn encoding(c: &mut Conn, key: &str) -> String {
    String::from_utf8(
        c.value(&["OBJECT", "ENCODING", key])
            .as_bytes()
            .unwrap()
            .to_vec(),
    )
    .unwrap()
}

// ---------------------------------------------------------------------------
// Exact replies
// ---------------------------------------------------------------------------

#[test]
fn set_get_and_friends() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["HSET", "h", "a", "1", "b", "2"], ":2\r\n");
    c.expect(&["HSET", "h", "a", "10", "c", "3"], ":1\r\n");
    c.expect(&["HGET", "h", "a"], "$2\r\n10\r\n");
    c.expect(&["HGET", "h", "zz"], "$-1\r\n");
    c.expect(&["HGET", "nokey", "a"], "$-1\r\n");
    c.expect(
        &["HMGET", "h", "a", "zz", "c"],
        "*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n3\r\n",
    );
    c.expect(&["HMGET", "nokey", "a", "b"], "*2\r\n$-1\r\n$-1\r\n");
    // Listpack order is insertion order; an update keeps the position.
    c.expect(
        &["HGETALL", "h"],
        "*6\r\n$1\r\na\r\n$2\r\n10\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    c.expect(&["HKEYS", "h"], "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    c.expect(&["HVALS", "h"], "*3\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n");
    c.expect(&["HGETALL", "nokey"], "*0\r\n");
    c.expect(&["HKEYS", "nokey"], "*0\r\n");
    c.expect(&["HLEN", "h"], ":3\r\n");
    c.expect(&["HLEN", "nokey"], ":0\r\n");
    c.expect(&["HSTRLEN", "h", "a"], ":2\r\n");
    c.expect(&["HSTRLEN", "h", "zz"], ":0\r\n");
    c.expect(&["HSTRLEN", "nokey", "a"], ":0\r\n");
    c.expect(&["HEXISTS", "h", "a"], ":1\r\n");
    c.expect(&["HEXISTS", "h", "zz"], ":0\r\n");
    c.expect(&["HEXISTS", "nokey", "a"], ":0\r\n");
    c.expect(&["HSETNX", "h", "a", "x"], ":0\r\n");
    c.expect(&["HSETNX", "h", "d", "4"], ":1\r\n");
    c.expect(&["HSETNX", "new", "f", "v"], ":1\r\n");
    c.expect(&["HMSET", "h", "a", "1", "e", "5"], "+OK\r\n");
    c.expect(&["HGET", "h", "a"], "$1\r\n1\r\n");
    c.expect(&["HDEL", "h", "a", "zz", "b"], ":2\r\n");
    c.expect(&["HDEL", "nokey", "a"], ":0\r\n");
    c.expect(&["HKEYS", "h"], "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
    // The last field gone, the key goes too.
    c.expect(&["HDEL", "h", "c", "d", "e", "c"], ":3\r\n");
    c.expect(&["EXISTS", "h"], ":0\r\n");
    c.expect(&["TYPE", "new"], "+hash\r\n");
    c.expect(&["HSET", "bin", "a\r\n\0", "\0\r\n"], ":1\r\n");
    c.expect(&["HGET", "bin", "a\r\n\0"], "$3\r\n\0\r\n\r\n");
    c.expect(&["HSET", "e", "", ""], ":1\r\n");
    c.expect(&["HGETALL", "e"], "*2\r\n$0\r\n\r\n$0\r\n\r\n");
}

#[test]
fn errors_and_wrong_types() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["SET", "s", "1"], "+OK\r\n");
    for cmd in [
        &["HSET", "s", "a", "1"][..],
        &["HSETNX", "s", "a", "1"],
        &["HMSET", "s", "a", "1"],
        &["HGET", "s", "a"],
        &["HMGET", "s", "a"],
        &["HDEL", "s", "a"],
        &["HLEN", "s"],
        &["HSTRLEN", "s", "a"],
        &["HEXISTS", "s", "a"],
        &["HGETALL", "s"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HINCRBY", "s", "a", "1"],
        &["HINCRBYFLOAT", "s", "a", "1"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "0"],
        &["HRANDFIELD", "s", "3", "WITHVALUES"],
        &["HSCAN", "s", "0"],
        &["HSCAN", "s", "0", "BADOPT"],
    ] {
        c.expect(cmd, WRONGTYPE);
    }
    c.expect(
        &["HSET", "h", "a"],
        "-ERR wrong number of arguments for 'hset' command\r\n",
    );
    c.expect(
        &["HSET", "h", "a", "1", "b"],
        "-ERR wrong number of arguments for 'hset' command\r\n",
    );
    c.expect(
        &["HMSET", "s", "a", "1", "b"],
        "-ERR wrong number of arguments for 'hmset' command\r\n",
    );
    c.expect(
        &["HGET", "h"],
        "-ERR wrong number of arguments for 'hget' command\r\n",
    );
    c.expect(&["EXISTS", "h"], ":0\r\n");
    // Numbers are checked before the type.
    c.expect(
        &["HINCRBY", "s", "a", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(
        &["HINCRBYFLOAT", "s", "a", "x"],
        "-ERR value is not a valid float\r\n",
    );
    c.expect(
        &["HRANDFIELD", "s", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["HSCAN", "s", "x"], "-ERR invalid cursor\r\n");
}

#[test]
fn counters() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["HINCRBY", "h", "n", "5"], ":5\r\n");
    c.expect(&["HINCRBY", "h", "n", "-7"], ":-2\r\n");
    c.expect(
        &[
            "HSET",
            "h",
            "s",
            "abc",
            "z",
            "007",
            "big",
            "9223372036854775807",
        ],
        ":3\r\n",
    );
    c.expect(
        &["HINCRBY", "h", "s", "1"],
        "-ERR hash value is not an integer\r\n",
    );
    c.expect(
        &["HINCRBY", "h", "z", "1"],
        "-ERR hash value is not an integer\r\n",
    );
    c.expect(
        &["HINCRBY", "h", "big", "1"],
        "-ERR increment or decrement would overflow\r\n",
    );
    c.expect(&["HINCRBY", "h", "big", "-1"], ":9223372036854775806\r\n");
    c.expect(
        &["HINCRBY", "h", "n", "-9223372036854775808"],
        "-ERR increment or decrement would overflow\r\n",
    );
    c.expect(
        &["HINCRBY", "h", "n", "9223372036854775808"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["HINCRBYFLOAT", "h", "f", "10.5"], "$4\r\n10.5\r\n");
    c.expect(&["HINCRBYFLOAT", "h", "f", "0.1"], "$4\r\n10.6\r\n");
    c.expect(&["HINCRBYFLOAT", "h", "f", "-10.6"], "$1\r\n0\r\n");
    c.expect(&["HINCRBYFLOAT", "h", "n", "2.5e1"], "$2\r\n23\r\n");
    c.expect(&["HINCRBYFLOAT", "h", "z", "1"], "$1\r\n8\r\n");
    c.expect(
        &["HINCRBYFLOAT", "h", "s", "1"],
        "-ERR hash value is not a float\r\n",
    );
    c.expect(
        &["HINCRBYFLOAT", "h", "f", "abc"],
        "-ERR value is not a valid float\r\n",
    );
    c.expect(
        &["HINCRBYFLOAT", "h", "f", "nan"],
        "-ERR value is not a valid float\r\n",
    );
    c.expect(
        &["HINCRBYFLOAT", "h", "f", "inf"],
        "-ERR value is NaN or Infinity\r\n",
    );
    c.expect(
        &["HINCRBYFLOAT", "new", "f", "-inf"],
        "-ERR value is NaN or Infinity\r\n",
    );
    c.expect(&["EXISTS", "new"], ":0\r\n");
    c.expect(&["HSET", "h", "i", "inf"], ":1\r\n");
    c.expect(
        &["HINCRBYFLOAT", "h", "i", "1"],
        "-ERR increment would produce NaN or Infinity\r\n",
    );
    c.expect(&["HINCRBYFLOAT", "h", "x", "1e3"], "$4\r\n1000\r\n");
    c.expect(&["HINCRBY", "h", "x", "1"], ":1001\r\n");
}

#[test]
fn randfield_shapes() {
    let srv = Server::start_with(&["--hash-max-listpack-entries", "16"]);
    let mut c = srv.conn();
    c.expect(&["HRANDFIELD", "nokey"], "$-1\r\n");
    c.expect(&["HRANDFIELD", "nokey", "5"], "*0\r\n");
    c.expect(&["HRANDFIELD", "nokey", "-5", "WITHVALUES"], "*0\r\n");
    c.expect(&["HRANDFIELD", "nokey", "0", "WITHVALUES"], "*0\r\n");
    c.expect(
        &["HRANDFIELD", "nokey", "1", "WITHVALUE"],
        "-ERR syntax error\r\n",
    );
    c.expect(
        &["HRANDFIELD", "nokey", "1", "WITHVALUES", "x"],
        "-ERR syntax error\r\n",
    );
    c.expect(
        &["HRANDFIELD", "nokey", "-9223372036854775808"],
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
    );
    c.expect(
        &["HRANDFIELD", "nokey", "4611686018427387904", "WITHVALUES"],
        "-ERR value is out of range\r\n",
    );
    c.expect(
        &["HRANDFIELD", "nokey", "-4611686018427387904", "WITHVALUES"],
        "-ERR value is out of range\r\n",
    );
    c.expect(
        &["HRANDFIELD", "nokey", "4611686018427387903", "WITHVALUES"],
        "*0\r\n",
    );
    for (key, n) in [("small", 10), ("large", 100)] {
        let mut args = vec!["HSET".to_string(), key.to_string()];
        for i in 0..n {
            args.push(format!("f{i}"));
            args.push(format!("v{i}"));
        }
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        c.cmd(&a);
        let want = if n == 10 { "listpack" } else { "hashtable" };
        assert_eq!(encoding(&mut c, key), want);
        let all = hgetall(&mut c, key);
        for count in [1i64, 3, 9, 10, 40, 99, 100, 1000, -1, -5, -300] {
            let fields = bulks(c.value(&["HRANDFIELD", key, &count.to_string()]));
            let expect = if count > 0 { count.min(n) } else { -count };
            assert_eq!(fields.len() as i64, expect, "{key} {count}");
            assert!(fields.iter().all(|f| all.contains_key(f)));
            if count > 0 {
                let distinct: BTreeSet<_> = fields.iter().collect();
                assert_eq!(distinct.len(), fields.len(), "{key} {count}: repeats");
            }
            let flat = bulks(c.value(&["HRANDFIELD", key, &count.to_string(), "WITHVALUES"]));
            assert_eq!(flat.len() as i64, 2 * expect);
            for p in flat.chunks(2) {
                assert_eq!(all.get(&p[0]), Some(&p[1]));
            }
        }
        // Negative counts repeat: 300 samples of 10 or 100 fields must.
        let many = bulks(c.value(&["HRANDFIELD", key, "-300"]));
        assert!(many.iter().collect::<BTreeSet<_>>().len() < 300);
        let one = c.value(&["HRANDFIELD", key]);
        assert!(all.contains_key(one.as_bytes().unwrap()));
    }
    // RESP3: WITHVALUES gives pairs as 2-element arrays, null is `_`.
    c.cmd(&["HELLO", "3"]);
    c.expect(&["HRANDFIELD", "nokey"], "_\r\n");
    c.expect(&["HMGET", "nokey", "a"], "*1\r\n_\r\n");
    c.expect(&["HGETALL", "nokey"], "%0\r\n");
    c.cmd(&["HSET", "one", "a", "1"]);
    c.expect(
        &["HRANDFIELD", "one", "1", "WITHVALUES"],
        "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
    );
    c.expect(
        &["HRANDFIELD", "one", "-2", "WITHVALUES"],
        "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
    );
    c.expect(
        &["HRANDFIELD", "one", "5", "WITHVALUES"],
        "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
    );
    c.expect(&["HRANDFIELD", "one", "-2"], "*2\r\n$1\r\na\r\n$1\r\na\r\n");
    c.expect(&["HGETALL", "one"], "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
    c.expect(
        &["HSCAN", "one", "0"],
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
    );
    match c.value(&["HRANDFIELD", "large", "7", "WITHVALUES"]) {
        Value::Array(v) => {
            assert_eq!(v.len(), 7);
            assert!(v
                .iter()
                .all(|p| matches!(p, Value::Array(x) if x.len() == 2)));
        }
        other => panic!("{other:?}"),
    }
}

/// A huge negative count stops at the client's hard output limit (which
/// closes it) instead of building an endless reply.
#[test]
fn randfield_huge_count_hits_the_output_limit() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.cmd(&["HSET", "h", "a", "1"]);
    c.expect(
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 1mb 0 0",
        ],
        "+OK\r\n",
    );
    c.send(&multibulk(&[b"HRANDFIELD", b"h", b"-9223372036854775807"]));
    let got = c.read_to_close();
    assert!(got.starts_with(b"*9223372036854775807\r\n$1\r\na\r\n"));
    let mut c = srv.conn();
    c.expect(&["HLEN", "h"], ":1\r\n");
}

#[test]
fn hscan_listpack_and_table() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["HSCAN", "nokey", "0"], "*2\r\n$1\r\n0\r\n*0\r\n");
    // Options are only looked at once the key is known to be a hash.
    c.expect(&["HSCAN", "nokey", "0", "BAD"], "*2\r\n$1\r\n0\r\n*0\r\n");
    c.cmd(&["HSET", "h", "a", "1", "b", "2", "ab", "3"]);
    c.expect(
        &["HSCAN", "h", "0"],
        "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n",
    );
    // A listpack is returned whole whatever the cursor and count.
    c.expect(
        &["HSCAN", "h", "123", "COUNT", "1", "MATCH", "a*"],
        "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n3\r\n",
    );
    c.expect(&["HSCAN", "h", "0", "COUNT", "0"], "-ERR syntax error\r\n");
    c.expect(
        &["HSCAN", "h", "0", "COUNT", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["HSCAN", "h", "0", "COUNT"], "-ERR syntax error\r\n");
    c.expect(
        &["HSCAN", "h", "0", "TYPE", "hash"],
        "-ERR syntax error\r\n",
    );
    c.expect(&["HSCAN", "h", "-1"], "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n");
    c.expect(&["HSCAN", "h", " 1"], "-ERR invalid cursor\r\n");

    let mut args = vec!["HSET".to_string(), "t".to_string()];
    for i in 0..1000 {
        args.push(format!("field:{i}"));
        args.push(format!("{i}"));
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    c.expect(&a, ":1000\r\n");
    assert_eq!(encoding(&mut c, "t"), "hashtable");
    for (pattern, want) in [("*", 1000), ("field:1*", 111)] {
        let mut seen = BTreeMap::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let v = c.value(&["HSCAN", "t", &cursor, "MATCH", pattern, "COUNT", "20"]);
            let Value::Array(mut v) = v else { panic!() };
            let items = bulks(v.pop().unwrap());
            cursor = String::from_utf8(v.pop().unwrap().as_bytes().unwrap().to_vec()).unwrap();
            for p in items.chunks(2) {
                let i: usize = std::str::from_utf8(&p[0][6..]).unwrap().parse().unwrap();
                assert_eq!(p[1], i.to_string().as_bytes());
                seen.insert(p[0].clone(), p[1].clone());
            }
            calls += 1;
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), want, "{pattern}");
        assert!(calls > 5, "a table is scanned in steps");
    }
}

// ---------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------

#[test]
fn encoding_conversion_thresholds() {
    let srv = Server::start_with(&["--hash-max-listpack-entries", "4"]);
    let mut c = srv.conn();
    c.expect(
        &["CONFIG", "GET", "hash-max-listpack-entries"],
        "*2\r\n$25\r\nhash-max-listpack-entries\r\n$1\r\n4\r\n",
    );
    c.cmd(&["HSET", "h", "f1", "v", "f2", "v", "f3", "v", "f4", "v"]);
    assert_eq!(encoding(&mut c, "h"), "listpack");
    c.cmd(&["HSET", "h", "f4", "updated"]);
    assert_eq!(encoding(&mut c, "h"), "listpack");
    c.cmd(&["HSETNX", "h", "f5", "v"]);
    assert_eq!(encoding(&mut c, "h"), "hashtable");
    // One way: back under the limit, still a table.
    c.cmd(&["HDEL", "h", "f1", "f2", "f3", "f4"]);
    assert_eq!(encoding(&mut c, "h"), "hashtable");
    c.expect(&["HGETALL", "h"], "*2\r\n$2\r\nf5\r\n$1\r\nv\r\n");

    // Five fields in one command convert too.
    c.cmd(&[
        "HMSET", "m", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5",
    ]);
    assert_eq!(encoding(&mut c, "m"), "hashtable");

    // Field and value lengths: 64 fits, 65 does not.
    let (v64, v65) = ("x".repeat(64), "x".repeat(65));
    c.cmd(&["HSET", "v", &v64, &v64]);
    assert_eq!(encoding(&mut c, "v"), "listpack");
    c.cmd(&["HSET", "v", "a", &v65]);
    assert_eq!(encoding(&mut c, "v"), "hashtable");
    c.cmd(&["HSET", "k", "a", "1"]);
    c.cmd(&["HSET", "k", &v65, "1"]);
    assert_eq!(encoding(&mut c, "k"), "hashtable");
    // HSETNX on an existing field does not convert (nothing is written).
    c.cmd(&["HSET", "nx", "a", "1"]);
    c.expect(&["HSETNX", "nx", "a", &v65], ":0\r\n");
    assert_eq!(encoding(&mut c, "nx"), "listpack");
    c.expect(&["HSETNX", "nx", "b", &v65], ":1\r\n");
    assert_eq!(encoding(&mut c, "nx"), "hashtable");
    // Counters: a long field name, or a long float result, converts.
    c.cmd(&["HSET", "ctr", "a", "1"]);
    c.cmd(&["HINCRBY", "ctr", &v65, "1"]);
    assert_eq!(encoding(&mut c, "ctr"), "hashtable");
    c.cmd(&["HSET", "fl", "a", "1"]);
    c.expect(
        &["HINCRBYFLOAT", "fl", "a", "1e64"],
        "$64\r\n9999999999999999999830660035002966504798826279980126578522718208\r\n",
    );
    assert_eq!(encoding(&mut c, "fl"), "listpack");
    c.cmd(&["HINCRBYFLOAT", "fl", "a", "1e65"]);
    assert_eq!(encoding(&mut c, "fl"), "hashtable");

    // The limits are live.
    c.expect(
        &["CONFIG", "SET", "hash-max-listpack-value", "2"],
        "+OK\r\n",
    );
    c.cmd(&["HSET", "live", "ab", "cd"]);
    assert_eq!(encoding(&mut c, "live"), "listpack");
    c.cmd(&["HSET", "live", "abc", "d"]);
    assert_eq!(encoding(&mut c, "live"), "hashtable");
    c.expect(
        &["CONFIG", "SET", "hash-max-listpack-entries", "0"],
        "+OK\r\n",
    );
    c.cmd(&["HSET", "zero", "a", "b"]);
    assert_eq!(encoding(&mut c, "zero"), "hashtable");
}

#[test]
fn default_thresholds() {
    let srv = Server::start();
    let mut c = srv.conn();
    for i in 0..512 {
        c.cmd(&["HSET", "h", &format!("f{i}"), "v"]);
    }
    assert_eq!(encoding(&mut c, "h"), "listpack");
    c.cmd(&["HSET", "h", "one-more", "v"]);
    assert_eq!(encoding(&mut c, "h"), "hashtable");
    c.expect(&["HLEN", "h"], ":513\r\n");
}

// ---------------------------------------------------------------------------
// AOF
// ---------------------------------------------------------------------------

/// Every key of db 0 as (type, sorted HGETALL or GET, encoding).
fn snapshot(c: &mut Conn) -> BTreeMap<Vec<u8>, (Vec<u8>, String, String)> {
    let keys = bulks(c.value(&["KEYS", "*"]));
    let mut out = BTreeMap::new();
    for k in keys {
        let key = std::str::from_utf8(&k).unwrap().to_string();
        let t = c.cmd(&["TYPE", &key]);
        let val = if t == b"+hash\r\n" {
            format!("{:?}", hgetall(c, &key))
        } else {
            show(&c.cmd(&["GET", &key]))
        };
        out.insert(k, (t, val, encoding(c, &key)));
    }
    out
}

/// Sends `cmds` pipelined, 1000 at a time; returns the parsed replies.
fn pipeline(c: &mut Conn, cmds: &[Vec<String>]) -> Vec<Value> {
    let mut replies = Vec::new();
    for batch in cmds.chunks(1000) {
        let mut buf = Vec::new();
        for cmd in batch {
            let a: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
            buf.extend(multibulk(&a));
        }
        c.send(&buf);
        replies.extend(batch.iter().map(|_| c.read_value()));
    }
    replies
}

/// Every `bulk:*` hash as a sorted map.
fn bulk_contents(c: &mut Conn, n: usize) -> Vec<Option<BTreeMap<Vec<u8>, Vec<u8>>>> {
    let cmds: Vec<Vec<String>> = (0..n)
        .map(|i| vec!["HGETALL".into(), format!("bulk:{i}")])
        .collect();
    pipeline(c, &cmds)
        .into_iter()
        .map(|v| {
            let items = bulks(v);
            (!items.is_empty()).then(|| {
                items
                    .chunks(2)
                    .map(|p| (p[0].clone(), p[1].clone()))
                    .collect()
            })
        })
        .collect()
}

/// Hashes changed while a rewrite is serializing them (and deleted, and
/// converted) replay to the live dataset.
#[test]
fn hashes_modified_during_a_rewrite_replay() {
    const N: usize = 20_000;
    let dir = TempDir::new("aof-hash-rw");
    let before = {
        let srv = Server::start_in(dir.path(), &[]);
        let mut c = srv.conn();
        let long = "z".repeat(70);
        let load: Vec<Vec<String>> = (0..N)
            .map(|i| {
                let v = if i % 50 == 0 {
                    long.clone()
                } else {
                    i.to_string()
                };
                ["HSET", &format!("bulk:{i}"), "f0", &i.to_string(), "f1", &v]
                    .map(String::from)
                    .to_vec()
            })
            .collect();
        pipeline(&mut c, &load);
        c.expect(
            &["BGREWRITEAOF"],
            "+Background append only file rewriting started\r\n",
        );
        let mut changes: Vec<Vec<String>> = Vec::new();
        for i in (0..N).rev() {
            let key = format!("bulk:{i}");
            let cmd: &[&str] = match i % 13 {
                0 => &["HINCRBYFLOAT", &key, "f0", "0.5"],
                1 => &["HDEL", &key, "f0", "f1"],
                2 => &["HSET", &key, "f2", &long],
                3 => &["HINCRBY", &key, "f0", "-3"],
                4 => &["HDEL", &key, "f1"],
                _ => continue,
            };
            changes.push(cmd.iter().map(|s| s.to_string()).collect());
        }
        for r in pipeline(&mut c, &changes) {
            assert!(!matches!(r, Value::Error(_)), "{r:?}");
        }
        assert!(wait_until(Duration::from_secs(60), || info_field(
            &mut c,
            "aof_rewrite_in_progress"
        ) == "0"));
        let contents = bulk_contents(&mut c, N);
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
        contents
    };
    assert_eq!(
        before.iter().filter(|h| h.is_none()).count(),
        N.div_ceil(13)
    );
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    assert!(
        bulk_contents(&mut c, N) == before,
        "dataset differs after replay"
    );
    c.expect(&["HGET", "bulk:13", "f0"], "$4\r\n13.5\r\n");
    assert_eq!(encoding(&mut c, "bulk:2"), "hashtable");
    assert_eq!(encoding(&mut c, "bulk:3"), "listpack");
}

#[test]
fn aof_restart_and_rewrite_keep_hashes() {
    let dir = TempDir::new("aof-hash");
    let before = {
        let srv = Server::start_in(dir.path(), &[]);
        let mut c = srv.conn();
        c.cmd(&["HSET", "small", "a", "1", "b", "2"]);
        c.cmd(&["HINCRBYFLOAT", "small", "f", "0.1"]);
        c.cmd(&["HINCRBYFLOAT", "small", "f", "0.2"]);
        c.cmd(&["HSET", "long", "a", &"y".repeat(100)]);
        for i in 0..700 {
            c.cmd(&["HSET", "big", &format!("f{i}"), &i.to_string()]);
        }
        c.cmd(&["HDEL", "big", "f3", "f5"]);
        c.cmd(&["HSET", "gone", "a", "1"]);
        c.cmd(&["HDEL", "gone", "a"]);
        c.cmd(&["HINCRBY", "small", "n", "7"]);
        c.cmd(&["HSET", "ttl", "a", "1"]);
        c.cmd(&["EXPIRE", "ttl", "1000"]);
        c.expect(
            &["BGREWRITEAOF"],
            "+Background append only file rewriting started\r\n",
        );
        assert!(wait_until(Duration::from_secs(30), || info_field(
            &mut c,
            "aof_rewrite_in_progress"
        ) == "0"));
        // After the rewrite: these land in the new incr file.
        c.expect(&["HINCRBYFLOAT", "small", "f", "1.0e-1"], "$3\r\n0.4\r\n");
        c.cmd(&["HINCRBYFLOAT", "after", "x", "3.0"]);
        c.cmd(&["HSET", "big", "f700", "new"]);
        c.cmd(&["HDEL", "small", "a"]);
        let snap = snapshot(&mut c);
        // HINCRBYFLOAT is logged as HSET of its result.
        let incr = std::fs::read_dir(dir.0.join("appendonlydir"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_str().unwrap().ends_with(".incr.aof"))
            .unwrap();
        let log = std::fs::read(&incr).unwrap();
        let log = String::from_utf8_lossy(&log);
        assert!(
            log.contains("$4\r\nHSET\r\n$5\r\nsmall\r\n$1\r\nf\r\n$3\r\n0.4\r\n"),
            "{log}"
        );
        assert!(log.contains("$4\r\nHSET\r\n$5\r\nafter\r\n$1\r\nx\r\n$1\r\n3\r\n"));
        assert!(!log.contains("HINCRBYFLOAT"));
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
        snap
    };
    assert_eq!(before.len(), 5);
    assert_eq!(before[&b"big"[..]].2, "hashtable");
    assert_eq!(before[&b"long"[..]].2, "hashtable");
    assert_eq!(before[&b"small"[..]].2, "listpack");
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    assert_eq!(snapshot(&mut c), before);
    c.expect(&["HGET", "small", "f"], "$3\r\n0.4\r\n");
    c.expect(&["HLEN", "big"], ":699\r\n");
    match c.value(&["TTL", "ttl"]) {
        Value::Int(n) => assert!(n > 900),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Differential tests against redis-server
// ---------------------------------------------------------------------------

/// How to compare a hash command's reply: listpack replies are in a fixed
/// order (exact), hashtable ones are not; random ones by shape.
fn cmp_for(p: &mut Pair, args: &[&[u8]]) -> Cmp {
    let name = String::from_utf8_lossy(args[0]).to_ascii_uppercase();
    let mut ordered = || {
        let e = p.red.cmdb(&[b"OBJECT", b"ENCODING", args[1]]);
        e != b"$9\r\nhashtable\r\n"
    };
    match name.as_str() {
        "HGETALL" if !ordered() => Cmp::Pairs,
        "HKEYS" | "HVALS" if !ordered() => Cmp::Unordered,
        "HRANDFIELD" => Cmp::Shape,
        _ => Cmp::Exact,
    }
}

/// Runs a command on both servers with the comparison it needs; for
/// HRANDFIELD also checks lengths and membership, for HSCAN the whole scan.
fn check(p: &mut Pair, args: &[&[u8]]) {
    let name = String::from_utf8_lossy(args[0]).to_ascii_uppercase();
    if name == "HSCAN" {
        return check_scan(p, args);
    }
    let cmp = cmp_for(p, args);
    p.check_with(args, cmp);
    if name == "HRANDFIELD" {
        let a = p.cin.cmdb(args);
        let b = p.red.cmdb(args);
        let parse = |r: &[u8]| parse_reply(r).unwrap().unwrap().0;
        match (parse(&a), parse(&b)) {
            (Value::Array(x), Value::Array(y)) => {
                assert_eq!(x.len(), y.len(), "{args:?}");
                let all = hgetall(&mut p.red, std::str::from_utf8(args[1]).unwrap());
                let items: Vec<&[u8]> = x.iter().filter_map(|v| v.as_bytes()).collect();
                if args.len() == 4 {
                    for pair in items.chunks(2) {
                        assert_eq!(all.get(pair[0]).map(|v| &v[..]), Some(pair[1]));
                    }
                } else {
                    assert!(items.iter().all(|f| all.contains_key(*f)), "{args:?}");
                }
            }
            (Value::Bulk(f), Value::Bulk(_)) => {
                let e = p.red.cmdb(&[b"HEXISTS", args[1], &f]);
                assert_eq!(e, b":1\r\n");
            }
            (x, y) => assert_eq!(x, y, "{args:?}"),
        }
    }
}

/// HSCAN: the first reply must match exactly on a listpack (or on an
/// error); a full scan of a table must return the same pairs.
fn check_scan(p: &mut Pair, args: &[&[u8]]) {
    let key = std::str::from_utf8(args[1]).unwrap().to_string();
    let table = p.red.cmd(&["OBJECT", "ENCODING", &key]) == b"$9\r\nhashtable\r\n";
    if !table {
        p.check_with(args, Cmp::Exact);
        return;
    }
    let first_b = p.red.cmdb(args);
    let first_a = p.cin.cmdb(args);
    if first_b.starts_with(b"-") {
        assert_eq!(show(&first_a), show(&first_b));
        return;
    }
    let full = |c: &mut Conn| {
        let mut seen = BTreeSet::new();
        let mut cursor = b"0".to_vec();
        loop {
            let mut a: Vec<&[u8]> = args.to_vec();
            a[2] = &cursor;
            let Value::Array(mut v) = parse_reply(&c.cmdb(&a)).unwrap().unwrap().0 else {
                panic!()
            };
            for pair in bulks(v.pop().unwrap()).chunks(2) {
                seen.insert(pair.to_vec());
            }
            cursor = v.pop().unwrap().as_bytes().unwrap().to_vec();
            if cursor == b"0" {
                return seen;
            }
        }
    };
    let (a, b) = (full(&mut p.cin), full(&mut p.red));
    assert_eq!(a, b, "{args:?}");
}

fn check_str(p: &mut Pair, args: &[&str]) {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    check(p, &a);
}

#[test]
fn scripted_hash_sequences_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let v64 = "v".repeat(64);
    let v65 = "w".repeat(65);
    let script: &[&[&str]] = &[
        &["HSET", "h", "a", "1", "b", "2", "a", "3"],
        &["HSET", "h", "a"],
        &["HSET", "h", "a", "1", "b"],
        &["HMSET", "h", "a", "1", "b"],
        &["HMSET", "h", "c", "x", "d", "1.5"],
        &["HGETALL", "h"],
        &["HKEYS", "h"],
        &["HVALS", "h"],
        &["HSETNX", "h", "a", "9"],
        &["HSETNX", "h", "e", "9"],
        &["HSETNX", "h", "a", &v65],
        &["OBJECT", "ENCODING", "h"],
        &["HGET", "h", "a"],
        &["HGET", "h", "zz"],
        &["HMGET", "h", "a", "zz", "b"],
        &["HLEN", "h"],
        &["HSTRLEN", "h", "d"],
        &["HEXISTS", "h", "d"],
        &["HINCRBY", "h", "a", "10"],
        &["HINCRBY", "h", "c", "1"],
        &["HINCRBY", "h", "d", "1"],
        &["HINCRBY", "h", "a", "x"],
        &["HINCRBY", "h", "a", "9223372036854775807"],
        &["HINCRBY", "h", "a", "-9223372036854775808"],
        &["HINCRBY", "h", "new", "-9223372036854775808"],
        &["HINCRBY", "h", "new", "-1"],
        &["HINCRBYFLOAT", "h", "d", "0.25"],
        &["HINCRBYFLOAT", "h", "d", "-1.75e0"],
        &["HINCRBYFLOAT", "h", "c", "1"],
        &["HINCRBYFLOAT", "h", "d", "x"],
        &["HINCRBYFLOAT", "h", "d", "inf"],
        &["HINCRBYFLOAT", "h", "d", "-infinity"],
        &["HINCRBYFLOAT", "h", "d", "nan"],
        &["HINCRBYFLOAT", "h", "d", " 1"],
        &["HINCRBYFLOAT", "h", "d", "0x10"],
        &["HINCRBYFLOAT", "h", "a", "1e20"],
        &["HINCRBYFLOAT", "h", "a", "1e-20"],
        &["HINCRBYFLOAT", "nf", "x", "inf"],
        &["EXISTS", "nf"],
        &["HSET", "h", "i", "-inf"],
        &["HINCRBYFLOAT", "h", "i", "1"],
        &["HGETALL", "h"],
        &["HRANDFIELD", "h"],
        &["HRANDFIELD", "h", "0"],
        &["HRANDFIELD", "h", "3"],
        &["HRANDFIELD", "h", "-30", "WITHVALUES"],
        &["HRANDFIELD", "h", "100", "WITHVALUES"],
        &["HRANDFIELD", "h", "1", "WITHVALUE"],
        &["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
        &["HRANDFIELD", "h", "-9223372036854775808"],
        &["HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"],
        &["HRANDFIELD", "h", "4611686018427387903", "WITHVALUES"],
        &["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"],
        &["HRANDFIELD", "h", "x"],
        &["HRANDFIELD", "nokey"],
        &["HRANDFIELD", "nokey", "3"],
        &["HRANDFIELD", "nokey", "3", "WITHVALUES"],
        &["HSCAN", "h", "0"],
        &["HSCAN", "h", "0", "MATCH", "[a-c]"],
        &["HSCAN", "h", "7", "COUNT", "1"],
        &["HSCAN", "h", "0", "COUNT", "0"],
        &["HSCAN", "h", "0", "COUNT", "-1"],
        &["HSCAN", "h", "0", "COUNT", "x"],
        &["HSCAN", "h", "0", "MATCH"],
        &["HSCAN", "h", "0", "TYPE", "hash"],
        &["HSCAN", "h", "x"],
        &["HSCAN", "h", "-1"],
        &["HSCAN", "h", ""],
        &["HSCAN", "h", "18446744073709551616"],
        &["HSCAN", "nokey", "0", "NOSUCHOPT"],
        &["HDEL", "h", "a", "a", "zz"],
        &["HDEL", "nokey", "a"],
        &["HSET", "v", "f", &v64],
        &["OBJECT", "ENCODING", "v"],
        &["HSET", "v", "g", &v65],
        &["OBJECT", "ENCODING", "v"],
        &["HDEL", "v", "g"],
        &["OBJECT", "ENCODING", "v"],
        &["HSCAN", "v", "0"],
        &["HSET", "w", &v65, "1"],
        &["OBJECT", "ENCODING", "w"],
        &["HINCRBY", "w", &v65, "1"],
        &["HSET", "hi", "a", "1"],
        &["HINCRBY", "hi", &v65, "1"],
        &["OBJECT", "ENCODING", "hi"],
        &["HSET", "hf", "a", "1"],
        &["HINCRBYFLOAT", "hf", "a", "1e64"],
        &["OBJECT", "ENCODING", "hf"],
        &["HINCRBYFLOAT", "hf", "a", "1e65"],
        &["OBJECT", "ENCODING", "hf"],
        &["CONFIG", "SET", "hash-max-listpack-entries", "3"],
        &["HSET", "c", "a", "1", "b", "2", "c", "3"],
        &["OBJECT", "ENCODING", "c"],
        &["HSET", "c", "d", "4"],
        &["OBJECT", "ENCODING", "c"],
        &["HSET", "c4", "a", "1", "b", "2", "c", "3", "d", "4"],
        &["OBJECT", "ENCODING", "c4"],
        &["HSET", "d", "a", "1", "a", "2", "a", "3", "a", "4"],
        &["OBJECT", "ENCODING", "d"],
        &["CONFIG", "SET", "hash-max-listpack-entries", "0"],
        &["HSET", "z", "a", "1"],
        &["OBJECT", "ENCODING", "z"],
        &["CONFIG", "SET", "hash-max-listpack-entries", "512"],
        &["SET", "s", "x"],
        &["HSET", "s", "a", "1"],
        &["HGET", "s", "a"],
        &["HGETALL", "s"],
        &["HINCRBY", "s", "a", "x"],
        &["HINCRBYFLOAT", "s", "a", "inf"],
        &["HRANDFIELD", "s", "x"],
        &["HRANDFIELD", "s", "1", "x"],
        &["HRANDFIELD", "s", "1"],
        &["HSCAN", "s", "x"],
        &["HSCAN", "s", "0", "x"],
        &["RENAME", "h", "h2"],
        &["HGETALL", "h2"],
        &["COPY", "h2", "h3"],
        &["HSET", "h3", "zz", "1"],
        &["HLEN", "h2"],
        &["HLEN", "h3"],
        &["TYPE", "h3"],
        &["DEL", "h3"],
        &["HSET", "e", "", ""],
        &["HGETALL", "e"],
        &["HDEL", "e", ""],
        &["EXISTS", "e"],
    ];
    for cmd in script {
        check_str(&mut p, cmd);
    }
    // Big hashes: HSCAN in steps, HRANDFIELD's distinct paths.
    let mut args = vec!["HSET".to_string(), "big".to_string()];
    for i in 0..600 {
        args.push(format!("f{i}"));
        args.push(format!("{}", i * 7));
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    check_str(&mut p, &a);
    for cmd in [
        &["OBJECT", "ENCODING", "big"][..],
        &["HLEN", "big"],
        &["HGETALL", "big"],
        &["HKEYS", "big"],
        &["HVALS", "big"],
        &["HSCAN", "big", "0"],
        &["HSCAN", "big", "0", "COUNT", "7", "MATCH", "f1*"],
        &["HSCAN", "big", "0", "COUNT", "1000"],
        &["HRANDFIELD", "big", "10"],
        &["HRANDFIELD", "big", "300", "WITHVALUES"],
        &["HRANDFIELD", "big", "599"],
        &["HRANDFIELD", "big", "600"],
        &["HRANDFIELD", "big", "-700"],
        &["HDEL", "big", "f1", "f2", "f3"],
        &["HINCRBY", "big", "f4", "1"],
        &["HINCRBYFLOAT", "big", "f5", "0.5"],
        &["HGET", "big", "f5"],
    ] {
        check_str(&mut p, cmd);
    }
    // RESP3 replies.
    p.cin.cmd(&["HELLO", "3"]);
    p.red.cmd(&["HELLO", "3"]);
    for cmd in [
        &["HGETALL", "c"][..],
        &["HGETALL", "v"],
        &["HGETALL", "nokey"],
        &["HKEYS", "nokey"],
        &["HGET", "nokey", "a"],
        &["HMGET", "c", "a", "zz"],
        &["HRANDFIELD", "nokey"],
        &["HRANDFIELD", "v", "1", "WITHVALUES"],
        &["HRANDFIELD", "v", "-3", "WITHVALUES"],
        &["HRANDFIELD", "c", "2", "WITHVALUES"],
        &["HRANDFIELD", "big", "5", "WITHVALUES"],
        &["HRANDFIELD", "big", "500", "WITHVALUES"],
        &["HSCAN", "v", "0"],
        &["HINCRBYFLOAT", "v", "n", "1.5"],
    ] {
        check_str(&mut p, cmd);
    }
    match p.red.value(&["HRANDFIELD", "big", "5", "WITHVALUES"]) {
        Value::Array(v) => assert!(v
            .iter()
            .all(|x| matches!(x, Value::Array(p) if p.len() == 2))),
        other => panic!("{other:?}"),
    }
    match p.cin.value(&["HRANDFIELD", "big", "5", "WITHVALUES"]) {
        Value::Array(v) => assert!(v
            .iter()
            .all(|x| matches!(x, Value::Array(p) if p.len() == 2))),
        other => panic!("{other:?}"),
    }
    p.cin.cmd(&["HELLO", "2"]);
    p.red.cmd(&["HELLO", "2"]);
    p.check_dataset();
}

const KEYS: &[&str] = &["k0", "k1", "k2", "k3"];
const FIELDS: &[&str] = &["f0", "f1", "f2", "f3", "f4"];
const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "7",
    "-100",
    "9223372036854775807",
    "-9223372036854775808",
    "x",
    "1.5",
    "",
];
const FLOATS: &[&str] = &[
    "1.5", "-0.25", "3", "1e2", "abc", "0.1", "-3", "inf", "nan", "5e30", "-1e-5",
];
const COUNTS: &[&str] = &["0", "1", "2", "3", "5", "10", "-1", "-3", "-10", "x"];

/// One random command over a small key space: hash commands with valid
/// and invalid numbers, long fields and values (conversion), and string
/// and generic commands on the same keys (WRONGTYPE, expiry, renames).
fn random_command(g: &mut Gen, long: &str) -> Vec<String> {
    let k = g.pick(KEYS);
    let k2 = g.pick(KEYS);
    let f = if g.chance(3) { long } else { g.pick(FIELDS) };
    let f2 = g.pick(FIELDS);
    let values: &[&str] = &[
        "0",
        "1",
        "-1",
        "42",
        "9223372036854775807",
        "007",
        "abc",
        "1.5",
        "",
        " 1",
        "1e3",
        "inf",
    ];
    let v = if g.chance(4) { long } else { g.pick(values) };
    let v2 = g.pick(values);
    let cmd: Vec<&str> = match g.next() % 32 {
        0..=3 => vec!["HSET", k, f, v],
        4 => vec!["HSET", k, f, v, f2, v2],
        5 => vec!["HSET", k, f],
        6 => vec!["HMSET", k, f, v, f2, v2],
        7 => vec!["HSETNX", k, f, v],
        8 => vec!["HGET", k, f],
        9 => vec!["HMGET", k, f, f2],
        10 | 11 => vec!["HDEL", k, f, f2],
        12 => vec!["HLEN", k],
        13 => vec!["HSTRLEN", k, f],
        14 => vec!["HEXISTS", k, f],
        15 => vec!["HGETALL", k],
        16 => vec!["HKEYS", k],
        17 => vec!["HVALS", k],
        18 | 19 => vec!["HINCRBY", k, f, g.pick(INTS)],
        20 | 21 => vec!["HINCRBYFLOAT", k, f, g.pick(FLOATS)],
        22 => match g.next() % 3 {
            0 => vec!["HRANDFIELD", k],
            1 => vec!["HRANDFIELD", k, g.pick(COUNTS)],
            _ => vec!["HRANDFIELD", k, g.pick(COUNTS), "WITHVALUES"],
        },
        23 => match g.next() % 3 {
            0 => vec!["HSCAN", k, "0"],
            1 => vec!["HSCAN", k, "0", "COUNT", g.pick(&["1", "2", "0", "x"])],
            _ => vec![
                "HSCAN",
                k,
                "0",
                "MATCH",
                g.pick(&["f[0-2]", "*", "w*", "x"]),
            ],
        },
        24 => vec!["SET", k, v],
        25 => vec!["GET", k],
        26 => vec!["DEL", k],
        27 => vec!["TYPE", k],
        28 => vec!["OBJECT", "ENCODING", k],
        29 => vec!["RENAME", k, k2],
        30 => vec!["COPY", k, k2],
        _ => vec!["EXPIRE", k, g.pick(&["100", "0", "-1"])],
    };
    cmd.into_iter().map(String::from).collect()
}

/// Seeded random command streams (under small and default listpack
/// limits) get the same replies from both servers and leave the same
/// dataset, encodings included.
#[test]
fn random_hash_commands_match_redis() {
    let seeds: Vec<u64> = seeds((1..=8).map(|i| 0xA5A5_0000 + i * 104_729));
    let Some(mut p) = Pair::new() else { return };
    for (n, seed) in seeds.into_iter().enumerate() {
        p.check_str(&["FLUSHALL"]);
        let (entries, value, long) = match n % 3 {
            0 => ("3", "64", "L".repeat(65)),
            1 => ("128", "8", "L".repeat(9)),
            _ => ("512", "64", "L".repeat(65)),
        };
        p.check_str(&["CONFIG", "SET", "hash-max-listpack-entries", entries]);
        p.check_str(&["CONFIG", "SET", "hash-max-listpack-value", value]);
        let mut g = Gen(seed);
        for _ in 0..1500 {
            let cmd = random_command(&mut g, &long);
            let args: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
            check(&mut p, &args);
        }
        p.check_dataset();
    }
}

// ---------------------------------------------------------------------------
// Keyspace events and WATCH
// ---------------------------------------------------------------------------

/// Every hash write, with its edge cases: emptied keys, no-ops, errors.
const EVENT_SCRIPT: &[&[&str]] = &[
    &["HSET", "h", "a", "1", "b", "2"],
    // Published even when no value changes, as in Redis.
    &["HSET", "h", "a", "1"],
    &["HMSET", "h", "c", "3", "a", "0"],
    &["HSET", "h", "a"],
    &["HMSET", "h"],
    &["HSETNX", "h", "a", "x"],
    &["HSETNX", "h", "d", "4"],
    &["HSETNX", "hn", "f", "v"],
    &["HDEL", "h", "nofield"],
    &["HDEL", "nokey", "a"],
    &["HDEL", "h", "a", "b", "nofield"],
    &["HGET", "h", "c"],
    &["HMGET", "h", "c", "nofield"],
    &["HLEN", "h"],
    &["HEXISTS", "nokey", "a"],
    &["HSTRLEN", "h", "c"],
    &["HDEL", "h", "c", "d"],
    &["HDEL", "hn", "f", "f"],
    // Counters.
    &["HINCRBY", "c", "f", "5"],
    &["HINCRBY", "c", "f", "-7"],
    &["HINCRBY", "c", "f", "x"],
    &["HSET", "c", "s", "abc", "inf", "inf"],
    &["HINCRBY", "c", "s", "1"],
    &["HINCRBY", "c", "f", "9223372036854775807"],
    &["HINCRBY", "nokey", "f", "x"],
    &["HINCRBYFLOAT", "c", "g", "1.5"],
    &["HINCRBYFLOAT", "c", "f", "0.25"],
    &["HINCRBYFLOAT", "c", "g", "inf"],
    &["HINCRBYFLOAT", "c", "g", "x"],
    &["HINCRBYFLOAT", "c", "s", "1"],
    &["HINCRBYFLOAT", "c", "inf", "1"],
    &["HINCRBYFLOAT", "nf", "f", "0"],
    &["HINCRBYFLOAT", "nokey", "f", "nan"],
    // A key of another type.
    &["RPUSH", "lst", "a"],
    &["HSET", "lst", "f", "v"],
    &["HMSET", "lst", "f", "v"],
    &["HSETNX", "lst", "f", "v"],
    &["HDEL", "lst", "f"],
    &["HINCRBY", "lst", "f", "1"],
    &["HINCRBYFLOAT", "lst", "f", "1"],
    &["HGET", "lst", "f"],
    // A hashtable-encoded hash, emptied field by field.
    &["HSET", "big", "a", LONG, "b", "2", "c", "3"],
    &["HSET", "big", "a", "short"],
    &["HDEL", "big", "a", "nofield"],
    &["HINCRBY", "big", "b", "1"],
    &["HSETNX", "big", "b", "1"],
    &["HDEL", "big", "b", "c"],
    &["HRANDFIELD", "nokey", "-2"],
    &["HSCAN", "nokey", "0"],
];

/// A value long enough to make a hash a hashtable.
const LONG: &str = "a value longer than hash-max-listpack-value, which is 64 by default";

/// Every hash write publishes the events redis-server does, in order.
#[test]
fn keyspace_events_match_redis() {
    let Some(mut p) = EventPair::new("KEA") else {
        return;
    };
    let seen = p.script(EVENT_SCRIPT);
    assert!(seen >= 45, "only {seen} events");
    let tx: &[&[&str]] = &[
        &["HSET", "t", "a", "1"],
        &["HINCRBY", "t", "a", "x"],
        &["HINCRBY", "t", "a", "1"],
        &["HSETNX", "t", "a", "1"],
        &["HDEL", "t", "a"],
    ];
    assert_eq!(p.transaction(tx).len(), 8);
}

/// Events are published under Redis's classes (`h`, and `g` for `del`),
/// and a created key's `new` event comes first.
#[test]
fn keyspace_event_classes_match_redis() {
    check_event_classes(&[("Eh", 20), ("Kg", 3), ("KEAn", 60)], |p, _| {
        p.script(EVENT_SCRIPT)
    });
}

/// Each hash write invalidates WATCH on its key exactly when redis-server
/// does: no-ops and errors leave transactions alone.
#[test]
fn watch_invalidation_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    let cases: &[(&str, &[&str])] = &[
        ("h", &["HSET", "h", "a", "1", "b", "2", "c", "3"]),
        ("h", &["HSET", "h", "a", "1"]),
        ("h", &["HMSET", "h", "a", "2"]),
        ("h", &["HSET", "h", "a"]),
        ("h", &["HSETNX", "h", "a", "1"]),
        ("h", &["HSETNX", "h", "d", "1"]),
        ("n", &["HSETNX", "n", "d", "1"]),
        ("h", &["HDEL", "h", "nofield"]),
        ("m", &["HDEL", "m", "a"]),
        ("h", &["HDEL", "h", "nofield", "d"]),
        ("h", &["HINCRBY", "h", "a", "1"]),
        ("h", &["HINCRBY", "h", "a", "x"]),
        ("h", &["HINCRBY", "h", "a", "9223372036854775807"]),
        ("h", &["HINCRBYFLOAT", "h", "a", "1.5"]),
        ("h", &["HINCRBY", "h", "a", "1"]),
        ("h", &["HINCRBYFLOAT", "h", "a", "inf"]),
        ("m", &["HINCRBYFLOAT", "m", "a", "1"]),
        ("m", &["HINCRBY", "m2", "a", "1"]),
        ("h", &["HGET", "h", "a"]),
        ("h", &["HGETALL", "h"]),
        ("h", &["HLEN", "h"]),
        ("h", &["HSCAN", "h", "0"]),
        ("h", &["HRANDFIELD", "h", "0"]),
        ("h", &["HEXISTS", "h", "a"]),
        ("l", &["RPUSH", "l", "a"]),
        ("l", &["HSET", "l", "a", "1"]),
        ("l", &["HDEL", "l", "a"]),
        ("l", &["HINCRBY", "l", "a", "1"]),
        ("h", &["HDEL", "h", "a", "b", "c", "d"]),
        ("h", &["HDEL", "h", "a"]),
    ];
    let ran = p.check_watches(cases);
    assert!(
        ran > 10 && ran < cases.len() - 10,
        "{ran} of {}",
        cases.len()
    );
}
