//! Set commands: exact replies (RESP2 and RESP3), the intset/hashtable
//! encodings and their conversion, random sampling and popping, SSCAN, an
//! AOF round trip, and differential runs against redis-server: replies,
//! keyspace events and WATCH invalidation.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::differential::{check_stores_onto_expired, Cmp, EventPair, Pair, EVENTS};
use crate::util::*;

fn members(c: &mut Conn, key: &str) -> BTreeSet<Vec<u8>> {
    bulks(c.value(&["SMEMBERS", key])).into_iter().collect()
}

fn encoding(c: &mut Conn, key: &str) -> String {
    let v = c.value(&["OBJECT", "ENCODING", key]);
    String::from_utf8(v.as_bytes().expect("bulk").to_vec()).unwrap()
}

/// The expected bytes of an array of bulk strings.
fn array(items: &[&str]) -> String {
    let mut s = format!("*{}\r\n", items.len());
    for i in items {
        s.push_str(&format!("${}\r\n{i}\r\n", i.len()));
    }
    s
}

fn set_of(items: &[&str]) -> BTreeSet<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

// ---------------------------------------------------------------------------
// Exact replies
// ---------------------------------------------------------------------------

#[test]
fn add_remove_and_membership() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["SADD", "s", "3", "1", "2", "1"], ":3\r\n");
    c.expect(&["SADD", "s", "2", "4"], ":1\r\n");
    c.expect(&["SCARD", "s"], ":4\r\n");
    c.expect(&["SCARD", "nokey"], ":0\r\n");
    // An intset replies in ascending order.
    c.expect(&["SMEMBERS", "s"], &array(&["1", "2", "3", "4"]));
    c.expect(&["SMEMBERS", "nokey"], "*0\r\n");
    c.expect(&["SISMEMBER", "s", "3"], ":1\r\n");
    c.expect(&["SISMEMBER", "s", "03"], ":0\r\n");
    c.expect(&["SISMEMBER", "s", "x"], ":0\r\n");
    c.expect(&["SISMEMBER", "nokey", "x"], ":0\r\n");
    c.expect(
        &["SMISMEMBER", "s", "1", "9", "x"],
        "*3\r\n:1\r\n:0\r\n:0\r\n",
    );
    c.expect(&["SMISMEMBER", "nokey", "a", "b"], "*2\r\n:0\r\n:0\r\n");
    c.expect(&["SREM", "s", "1", "x", "1", "9"], ":1\r\n");
    c.expect(&["SREM", "nokey", "1"], ":0\r\n");
    c.expect(&["SREM", "s", "2", "3", "4", "5"], ":3\r\n");
    // The last member removed deletes the key.
    c.expect(&["EXISTS", "s"], ":0\r\n");
    c.expect(&["SADD", "h", "a", "b", "1"], ":3\r\n");
    c.expect(&["SISMEMBER", "h", "1"], ":1\r\n");
    c.expect(&["SISMEMBER", "h", "a"], ":1\r\n");
    c.expect(&["TYPE", "h"], "+set\r\n");
    // Wrong types and arity.
    c.expect(&["SET", "str", "x"], "+OK\r\n");
    for cmd in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SCARD", "str"],
        &["SMEMBERS", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "0"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "1"],
        &["SSCAN", "str", "0"],
    ] {
        c.expect(cmd, WRONGTYPE);
    }
    c.expect(
        &["SADD", "s"],
        "-ERR wrong number of arguments for 'sadd' command\r\n",
    );
    c.expect(
        &["SMISMEMBER", "s"],
        "-ERR wrong number of arguments for 'smismember' command\r\n",
    );
    c.expect(&["GET", "str"], "$1\r\nx\r\n");
}

#[test]
fn smove_semantics() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["SADD", "a", "1", "2"], ":2\r\n");
    c.expect(&["SET", "str", "x"], "+OK\r\n");
    // A missing source wins over a wrong-type destination.
    c.expect(&["SMOVE", "nokey", "str", "1"], ":0\r\n");
    c.expect(&["SMOVE", "a", "str", "1"], WRONGTYPE);
    c.expect(&["SMOVE", "str", "a", "1"], WRONGTYPE);
    // Same source and destination: only a membership test.
    c.expect(&["SMOVE", "a", "a", "1"], ":1\r\n");
    c.expect(&["SMOVE", "a", "a", "9"], ":0\r\n");
    c.expect(&["SMOVE", "a", "b", "9"], ":0\r\n");
    c.expect(&["EXISTS", "b"], ":0\r\n");
    c.expect(&["SMOVE", "a", "b", "1"], ":1\r\n");
    c.expect(&["OBJECT", "ENCODING", "b"], "$6\r\nintset\r\n");
    c.expect(&["SADD", "b", "2"], ":1\r\n");
    // Already in the destination: still removed from the source, which
    // is deleted once empty.
    c.expect(&["SMOVE", "a", "b", "2"], ":1\r\n");
    c.expect(&["EXISTS", "a"], ":0\r\n");
    c.expect(&["SMEMBERS", "b"], &array(&["1", "2"]));
    c.expect(&["SMOVE", "b", "c", "x"], ":0\r\n");
    c.expect(&["SADD", "b", "x"], ":1\r\n");
    c.expect(&["SMOVE", "b", "c", "x"], ":1\r\n");
    c.expect(&["OBJECT", "ENCODING", "c"], "$9\r\nhashtable\r\n");
}

#[test]
fn algebra_and_store_variants() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["SADD", "a", "1", "2", "3", "4"], ":4\r\n");
    c.expect(&["SADD", "b", "3", "4", "5"], ":3\r\n");
    c.expect(&["SADD", "x", "4", "z"], ":2\r\n");
    c.expect(&["SET", "str", "v"], "+OK\r\n");
    c.expect(&["SINTER", "a", "b"], &array(&["3", "4"]));
    c.expect(&["SINTER", "a", "b", "x"], &array(&["4"]));
    c.expect(&["SINTER", "a", "nokey"], "*0\r\n");
    c.expect(&["SINTER", "a", "a"], &array(&["1", "2", "3", "4"]));
    c.expect(
        &["SUNION", "a", "b", "nokey"],
        &array(&["1", "2", "3", "4", "5"]),
    );
    c.expect(&["SDIFF", "a", "b"], &array(&["1", "2"]));
    c.expect(&["SDIFF", "a", "a"], "*0\r\n");
    c.expect(&["SDIFF", "nokey", "a"], "*0\r\n");
    c.expect(&["SDIFF", "a", "nokey"], &array(&["1", "2", "3", "4"]));
    // A wrong type anywhere fails, even after a missing key.
    for cmd in [
        &["SINTER", "nokey", "str"][..],
        &["SINTER", "str", "nokey"],
        &["SUNION", "a", "str"],
        &["SDIFF", "nokey", "str"],
        &["SINTERSTORE", "d", "nokey", "str"],
        &["SUNIONSTORE", "d", "a", "str"],
        &["SDIFFSTORE", "d", "a", "str"],
        &["SINTERCARD", "2", "nokey", "str"],
    ] {
        c.expect(cmd, WRONGTYPE);
    }
    // STORE: replaces any value and TTL; an empty result deletes.
    c.expect(&["SET", "d", "old", "EX", "100"], "+OK\r\n");
    c.expect(&["SINTERSTORE", "d", "a", "b"], ":2\r\n");
    c.expect(&["TTL", "d"], ":-1\r\n");
    c.expect(&["SMEMBERS", "d"], &array(&["3", "4"]));
    c.expect(&["OBJECT", "ENCODING", "d"], "$6\r\nintset\r\n");
    c.expect(&["SINTERSTORE", "d", "a", "nokey"], ":0\r\n");
    c.expect(&["EXISTS", "d"], ":0\r\n");
    c.expect(&["SUNIONSTORE", "d", "a", "x"], ":5\r\n");
    c.expect(&["OBJECT", "ENCODING", "d"], "$9\r\nhashtable\r\n");
    c.expect(&["SDIFFSTORE", "d", "a", "a"], ":0\r\n");
    c.expect(&["EXISTS", "d"], ":0\r\n");
    c.expect(&["SDIFFSTORE", "d", "nokey"], ":0\r\n");
    // The destination may be a source.
    c.expect(&["SDIFFSTORE", "a", "a", "b"], ":2\r\n");
    c.expect(&["SMEMBERS", "a"], &array(&["1", "2"]));
    c.expect(&["SUNIONSTORE", "b", "b", "a", "b"], ":5\r\n");
    c.expect(&["SMEMBERS", "b"], &array(&["1", "2", "3", "4", "5"]));
    // SINTERCARD and its argument errors.
    c.expect(&["SINTERCARD", "2", "b", "x"], ":1\r\n");
    c.expect(&["SINTERCARD", "1", "b"], ":5\r\n");
    c.expect(&["SINTERCARD", "1", "b", "LIMIT", "3"], ":3\r\n");
    c.expect(
        &["SINTERCARD", "1", "b", "limit", "3", "LIMIT", "0"],
        ":5\r\n",
    );
    c.expect(&["SINTERCARD", "2", "b", "nokey"], ":0\r\n");
    let numkeys = "-ERR numkeys should be greater than 0\r\n";
    c.expect(&["SINTERCARD", "0", "b"], numkeys);
    c.expect(&["SINTERCARD", "-1", "b"], numkeys);
    c.expect(&["SINTERCARD", "x", "b"], numkeys);
    c.expect(&["SINTERCARD", "9223372036854775808", "b"], numkeys);
    c.expect(
        &["SINTERCARD", "3", "a", "b"],
        "-ERR Number of keys can't be greater than number of args\r\n",
    );
    let limit = "-ERR LIMIT can't be negative\r\n";
    c.expect(&["SINTERCARD", "1", "b", "LIMIT", "-1"], limit);
    c.expect(&["SINTERCARD", "1", "b", "LIMIT", "x"], limit);
    c.expect(&["SINTERCARD", "1", "b", "LIMIT"], "-ERR syntax error\r\n");
    c.expect(&["SINTERCARD", "1", "b", "x"], "-ERR syntax error\r\n");
    c.expect(
        &["SINTERCARD", "1", "nokey", "str"],
        "-ERR syntax error\r\n",
    );
}

#[test]
fn resp3_reply_types() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.cmd(&["HELLO", "3"]);
    c.expect(&["SADD", "s", "2", "1"], ":2\r\n");
    let set12 = "~2\r\n$1\r\n1\r\n$1\r\n2\r\n";
    c.expect(&["SMEMBERS", "s"], set12);
    c.expect(&["SMEMBERS", "nokey"], "~0\r\n");
    c.expect(&["SINTER", "s", "s"], set12);
    c.expect(&["SINTER", "s", "nokey"], "~0\r\n");
    c.expect(&["SUNION", "s"], set12);
    c.expect(&["SDIFF", "s"], set12);
    // SRANDMEMBER with a count may repeat members: always an array.
    c.expect(&["SRANDMEMBER", "s", "5"], "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    c.expect(&["SRANDMEMBER", "s", "0"], "*0\r\n");
    c.expect(&["SRANDMEMBER", "nokey", "-3"], "*0\r\n");
    c.expect(&["SRANDMEMBER", "nokey"], "_\r\n");
    c.expect(&["SPOP", "nokey"], "_\r\n");
    c.expect(&["SPOP", "nokey", "2"], "~0\r\n");
    c.expect(&["SPOP", "s", "0"], "~0\r\n");
    c.expect(&["SMISMEMBER", "s", "1", "3"], "*2\r\n:1\r\n:0\r\n");
    c.expect(
        &["SSCAN", "s", "0"],
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n",
    );
    c.expect(&["SPOP", "s", "9"], set12);
    c.expect(&["EXISTS", "s"], ":0\r\n");
}

// ---------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------

#[test]
fn intset_converts_to_hashtable() {
    let srv = Server::start_with(&["--set-max-intset-entries", "4"]);
    let mut c = srv.conn();
    c.expect(&["SADD", "s", "4", "3", "2", "1"], ":4\r\n");
    assert_eq!(encoding(&mut c, "s"), "intset");
    c.expect(&["SMEMBERS", "s"], &array(&["1", "2", "3", "4"]));
    // A fifth member goes over the limit.
    c.expect(&["SADD", "s", "5"], ":1\r\n");
    assert_eq!(encoding(&mut c, "s"), "hashtable");
    // Conversion is one way, as in Redis.
    c.expect(&["SREM", "s", "5", "4"], ":2\r\n");
    assert_eq!(encoding(&mut c, "s"), "hashtable");
    assert_eq!(members(&mut c, "s"), set_of(&["1", "2", "3"]));
    // Only canonical integers stay in an intset.
    for (m, enc) in [
        ("-9223372036854775808", "intset"),
        ("9223372036854775807", "intset"),
        ("9223372036854775808", "hashtable"),
        ("007", "hashtable"),
        ("-0", "hashtable"),
        ("+1", "hashtable"),
        (" 1", "hashtable"),
        ("1.0", "hashtable"),
        ("", "hashtable"),
    ] {
        c.cmd(&["DEL", "t"]);
        c.expect(&["SADD", "t", m], ":1\r\n");
        assert_eq!(encoding(&mut c, "t"), enc, "member {m:?}");
    }
    // A count that fits whole sets copied by SUNIONSTORE keeps them
    // intsets; past the limit the result is a hashtable.
    c.expect(&["SADD", "u", "1", "2", "3"], ":3\r\n");
    c.expect(&["SUNIONSTORE", "d", "u"], ":3\r\n");
    assert_eq!(encoding(&mut c, "d"), "intset");
    c.expect(&["SUNIONSTORE", "d", "u", "s", "t"], ":4\r\n");
    assert_eq!(encoding(&mut c, "d"), "hashtable");
    // CONFIG SET applies to later additions.
    c.expect(
        &["CONFIG", "SET", "set-max-intset-entries", "512"],
        "+OK\r\n",
    );
    c.expect(&["SADD", "big", "1", "2", "3", "4", "5", "6"], ":6\r\n");
    assert_eq!(encoding(&mut c, "big"), "intset");
}

#[test]
fn intset_width_upgrades_keep_order() {
    let srv = Server::start();
    let mut c = srv.conn();
    let vals = [
        "5",
        "-40000",
        "70000",
        "-9223372036854775808",
        "9223372036854775807",
        "0",
        "-1",
    ];
    for v in vals {
        c.expect(&["SADD", "s", v], ":1\r\n");
    }
    let mut sorted: Vec<i64> = vals.iter().map(|v| v.parse().unwrap()).collect();
    sorted.sort();
    let want: Vec<String> = sorted.iter().map(|v| v.to_string()).collect();
    let want: Vec<&str> = want.iter().map(|s| s.as_str()).collect();
    c.expect(&["SMEMBERS", "s"], &array(&want));
    assert_eq!(encoding(&mut c, "s"), "intset");
    for v in vals {
        c.expect(&["SISMEMBER", "s", v], ":1\r\n");
    }
    c.expect(&["SISMEMBER", "s", "40000"], ":0\r\n");
    c.expect(&["SREM", "s", "-9223372036854775808"], ":1\r\n");
    c.expect(&["SCARD", "s"], ":6\r\n");
}

/// 600 integers: past 512 the set becomes a hashtable; SCAN of it with a
/// small COUNT still returns every member exactly as a whole.
#[test]
fn large_sets_and_sscan() {
    let srv = Server::start();
    let mut c = srv.conn();
    let mut cmd: Vec<String> = vec!["SADD".into(), "s".into()];
    cmd.extend((0..512).map(|i| i.to_string()));
    let args: Vec<&str> = cmd.iter().map(|s| s.as_str()).collect();
    c.expect(&args, ":512\r\n");
    assert_eq!(encoding(&mut c, "s"), "intset");
    // An intset is scanned in one call, whatever the COUNT.
    let v = c.value(&["SSCAN", "s", "0", "COUNT", "1", "MATCH", "*1"]);
    let Value::Array(parts) = v else { panic!() };
    assert_eq!(parts[0], Value::Bulk(b"0".to_vec()));
    assert_eq!(bulks(parts[1].clone()).len(), 52);
    c.expect(&["SADD", "s", "512"], ":1\r\n");
    assert_eq!(encoding(&mut c, "s"), "hashtable");
    let mut seen = BTreeSet::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let Value::Array(mut parts) = c.value(&["SSCAN", "s", &cursor, "COUNT", "20"]) else {
            panic!()
        };
        let found = bulks(parts.pop().unwrap());
        seen.extend(found);
        cursor = String::from_utf8(parts.pop().unwrap().as_bytes().unwrap().to_vec()).unwrap();
        calls += 1;
        if cursor == "0" {
            break;
        }
    }
    assert!(calls > 5, "COUNT 20 over 513 members took {calls} calls");
    let want: BTreeSet<Vec<u8>> = (0..513).map(|i| i.to_string().into_bytes()).collect();
    assert_eq!(seen, want);
    // Options and their errors.
    c.expect(&["SSCAN", "s", "x"], "-ERR invalid cursor\r\n");
    c.expect(&["SSCAN", "s", "0", "COUNT", "0"], "-ERR syntax error\r\n");
    c.expect(
        &["SSCAN", "s", "0", "COUNT", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["SSCAN", "s", "0", "TYPE", "set"], "-ERR syntax error\r\n");
    c.expect(&["SSCAN", "s", "0", "MATCH"], "-ERR syntax error\r\n");
    c.expect(
        &["SSCAN", "nokey", "0", "COUNT", "0"],
        "*2\r\n$1\r\n0\r\n*0\r\n",
    );
    let v = c.value(&["SSCAN", "s", "0", "COUNT", "10000", "MATCH", "51?"]);
    let Value::Array(mut parts) = v else { panic!() };
    let found: BTreeSet<Vec<u8>> = bulks(parts.pop().unwrap()).into_iter().collect();
    let want: BTreeSet<Vec<u8>> = (510..=512)
        .map(|i: i32| i.to_string().into_bytes())
        .collect();
    assert_eq!(found, want);
}

// ---------------------------------------------------------------------------
// Random sampling and popping
// ---------------------------------------------------------------------------

#[test]
fn srandmember_counts() {
    let srv = Server::start();
    let mut c = srv.conn();
    for key in ["ints", "strs"] {
        let mut cmd = vec!["SADD".to_string(), key.to_string()];
        for i in 0..20 {
            cmd.push(if key == "ints" {
                i.to_string()
            } else {
                format!("m{i}")
            });
        }
        let args: Vec<&str> = cmd.iter().map(|s| s.as_str()).collect();
        c.expect(&args, ":20\r\n");
        let all = members(&mut c, key);
        for count in [1, 5, 10, 15, 19] {
            let got = bulks(c.value(&["SRANDMEMBER", key, &count.to_string()]));
            let distinct: BTreeSet<Vec<u8>> = got.iter().cloned().collect();
            assert_eq!(got.len(), count);
            assert_eq!(distinct.len(), count, "distinct members");
            assert!(distinct.is_subset(&all));
        }
        // A count covering the set returns all of it.
        for count in ["20", "100"] {
            let got = bulks(c.value(&["SRANDMEMBER", key, count]));
            assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), all);
        }
        // A negative count repeats: 2000 draws cover all 20 members.
        let got = bulks(c.value(&["SRANDMEMBER", key, "-2000"]));
        assert_eq!(got.len(), 2000);
        assert_eq!(got.iter().cloned().collect::<BTreeSet<_>>(), all);
        let one = c.value(&["SRANDMEMBER", key]);
        assert!(all.contains(one.as_bytes().unwrap()));
    }
    c.expect(&["SRANDMEMBER", "ints", "0"], "*0\r\n");
    c.expect(&["SRANDMEMBER", "nokey", "5"], "*0\r\n");
    c.expect(&["SRANDMEMBER", "nokey"], "$-1\r\n");
    c.expect(
        &["SRANDMEMBER", "ints", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(
        &["SRANDMEMBER", "ints", "-9223372036854775808"],
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
    );
    c.expect(&["SRANDMEMBER", "ints", "1", "2"], "-ERR syntax error\r\n");
    c.expect(&["SCARD", "ints"], ":20\r\n");
}

#[test]
fn spop_counts() {
    let srv = Server::start();
    let mut c = srv.conn();
    for key in ["ints", "strs"] {
        let mut cmd = vec!["SADD".to_string(), key.to_string()];
        for i in 0..50 {
            cmd.push(if key == "ints" {
                i.to_string()
            } else {
                format!("m{i}")
            });
        }
        let args: Vec<&str> = cmd.iter().map(|s| s.as_str()).collect();
        c.expect(&args, ":50\r\n");
        let mut left = members(&mut c, key);
        // Few popped (random pops), then most (the survivors are kept).
        for count in [3, 40, 1] {
            let got = bulks(c.value(&["SPOP", key, &count.to_string()]));
            assert_eq!(got.len(), count);
            for m in &got {
                assert!(left.remove(m), "popped twice or never there");
            }
            assert_eq!(members(&mut c, key), left);
        }
        let one = c.value(&["SPOP", key]);
        assert!(left.remove(one.as_bytes().unwrap()));
        let rest = bulks(c.value(&["SPOP", key, "100"]));
        assert_eq!(rest.into_iter().collect::<BTreeSet<_>>(), left);
        c.expect(&["EXISTS", key], ":0\r\n");
    }
    c.expect(&["SADD", "one", "x"], ":1\r\n");
    c.expect(&["SPOP", "one"], "$1\r\nx\r\n");
    c.expect(&["EXISTS", "one"], ":0\r\n");
    c.expect(&["SPOP", "nokey"], "$-1\r\n");
    c.expect(&["SPOP", "nokey", "3"], "*0\r\n");
    let range = "-ERR value is out of range, must be positive\r\n";
    c.expect(&["SPOP", "nokey", "-1"], range);
    c.expect(&["SPOP", "nokey", "x"], range);
    c.expect(&["SPOP", "nokey", "1", "2"], "-ERR syntax error\r\n");
    // Whole sets come back in SUNION's order: sorted when integers.
    c.expect(&["SADD", "h", "x", "3", "1", "2"], ":4\r\n");
    c.expect(&["SREM", "h", "x"], ":1\r\n");
    c.expect(&["SPOP", "h", "3"], &array(&["1", "2", "3"]));
    // Keeping few survivors builds a new set, with a fresh encoding.
    c.expect(&["SADD", "k", "a", "1", "2", "3", "4", "5", "6"], ":7\r\n");
    c.expect(&["SREM", "k", "a"], ":1\r\n");
    assert_eq!(encoding(&mut c, "k"), "hashtable");
    assert_eq!(bulks(c.value(&["SPOP", "k", "5"])).len(), 5);
    assert_eq!(encoding(&mut c, "k"), "intset");
}

/// SPOP with a count draws uniformly: over many runs each of 5 members
/// is popped about equally often, in both encodings.
#[test]
fn spop_is_fair() {
    let srv = Server::start();
    let mut c = srv.conn();
    for strings in [false, true] {
        let ms: Vec<String> = (0..5)
            .map(|i| {
                if strings {
                    format!("m{i}")
                } else {
                    i.to_string()
                }
            })
            .collect();
        let mut hits = std::collections::BTreeMap::new();
        let runs = 2000;
        for _ in 0..runs {
            let mut cmd = vec!["SADD", "s"];
            cmd.extend(ms.iter().map(|s| s.as_str()));
            c.cmd(&cmd);
            for m in bulks(c.value(&["SPOP", "s", "2"])) {
                *hits.entry(m).or_insert(0) += 1;
            }
            c.cmd(&["DEL", "s"]);
        }
        assert_eq!(hits.len(), 5);
        for (m, n) in hits {
            // Expected 800 each; 5 sigma is about 110.
            assert!((650..=950).contains(&n), "{} popped {n} times", show(&m));
        }
    }
}

// ---------------------------------------------------------------------------
// Persistence
// ---------------------------------------------------------------------------

/// A key, its TYPE reply, its members (sorted) and its TTL reply.
type KeyState = (Vec<u8>, Vec<u8>, BTreeSet<Vec<u8>>, Vec<u8>);

/// Every key's [`KeyState`].
fn snapshot(c: &mut Conn) -> Vec<KeyState> {
    let mut keys = bulks(c.value(&["KEYS", "*"]));
    keys.sort();
    keys.into_iter()
        .map(|k| {
            let ty = c.cmdb(&[b"TYPE", &k]);
            let m = if ty == b"+set\r\n" {
                bulks(c.value(&["SMEMBERS", std::str::from_utf8(&k).unwrap()]))
                    .into_iter()
                    .collect()
            } else {
                BTreeSet::new()
            };
            let ttl = c.cmdb(&[b"TTL", &k]);
            (k, ty, m, ttl)
        })
        .collect()
}

#[test]
fn aof_round_trip_with_random_pops() {
    let dir = TempDir::new("set-aof");
    let args = ["--appendonly", "yes"];
    let (before, big_members) = {
        let srv = Server::start_in(dir.path(), &args);
        let mut c = srv.conn();
        let mut big = vec!["SADD".to_string(), "big".to_string()];
        big.extend((0..3000).map(|i| format!("member:{i}")));
        let big: Vec<&str> = big.iter().map(|s| s.as_str()).collect();
        c.expect(&big, ":3000\r\n");
        let script: &[&[&str]] = &[
            &[
                "SADD",
                "ints",
                "1",
                "2",
                "3",
                "70000",
                "-9223372036854775808",
            ],
            &["SADD", "mixed", "a", "b", "1", "\r\n", ""],
            &[
                "SADD", "pops", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
            ],
            &["SPOP", "pops"],
            &["SPOP", "pops", "2"],
            &["SPOP", "big", "100"],
            &["SPOP", "big", "2000"],
            &["SMOVE", "mixed", "moved", "a"],
            &["SINTERSTORE", "inter", "ints", "pops"],
            &["SUNIONSTORE", "union", "ints", "mixed"],
            &["SDIFFSTORE", "diff", "big", "pops"],
            &["SADD", "ttl", "x"],
            &["EXPIRE", "ttl", "1000"],
            &["SADD", "gone", "1", "2"],
            &["SPOP", "gone", "5"],
        ];
        for cmd in script {
            let r = c.cmd(cmd);
            assert!(!r.starts_with(b"-"), "{cmd:?}: {}", show(&r));
        }
        c.expect(
            &["BGREWRITEAOF"],
            "+Background append only file rewriting started\r\n",
        );
        assert!(wait_until(Duration::from_secs(30), || info_field(
            &mut c,
            "aof_rewrite_in_progress"
        ) == "0"));
        // More random pops after the rewrite land in the new incr file.
        for cmd in [
            &["SPOP", "big", "50"][..],
            &["SPOP", "big", "800"],
            &["SPOP", "pops"],
            &["SREM", "ints", "1"],
            &["SPOP", "mixed", "100"],
        ] {
            let r = c.cmd(cmd);
            assert!(!r.starts_with(b"-"), "{cmd:?}: {}", show(&r));
        }
        let snap = snapshot(&mut c);
        let big_members = members(&mut c, "big");
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
        (snap, big_members)
    };
    assert_eq!(big_members.len(), 50);
    let srv = Server::start_in(dir.path(), &args);
    let mut c = srv.conn();
    assert_eq!(snapshot(&mut c), before);
    assert_eq!(encoding(&mut c, "ints"), "intset");
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    c.expect(&["EXISTS", "gone", "mixed"], ":0\r\n");
}

// ---------------------------------------------------------------------------
// Differential
// ---------------------------------------------------------------------------

/// Hand-picked edge cases, compared with redis-server byte for byte (or
/// as unordered sets where the order is the hash table's).
#[test]
fn scripted_set_commands_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let script: &[&[&str]] = &[
        &["SADD", "s", "3", "1", "2"],
        &["SADD", "h", "a", "b", "1"],
        &["SET", "str", "x"],
        &[
            "SADD", "s0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a",
        ],
        &["SADD", "s1", "a"],
        &["SADD", "s2", "b"],
        // SDIFF picks Redis's second algorithm here: the result stays a
        // hashtable; with two sets, the first: an intset.
        &["SDIFFSTORE", "d", "s0", "s1", "s2"],
        &["OBJECT", "ENCODING", "d"],
        &["SDIFFSTORE", "d2", "s0", "s1"],
        &["OBJECT", "ENCODING", "d2"],
        &["SDIFF", "s0", "s1"],
        &["SMOVE", "s", "s", "1"],
        &["SMOVE", "nokey", "str", "1"],
        &["SMOVE", "s", "str", "1"],
        &["SMOVE", "str", "s", "1"],
        &["SMOVE", "s", "new", "1"],
        &["OBJECT", "ENCODING", "new"],
        &["SMOVE", "h", "new", "a"],
        &["OBJECT", "ENCODING", "new"],
        &["SINTERCARD", "0", "s"],
        &["SINTERCARD", "abc", "s"],
        &["SINTERCARD", "3", "s"],
        &["SINTERCARD", "1", "s", "LIMIT", "-1"],
        &["SINTERCARD", "1", "s", "LIMIT", "abc"],
        &["SINTERCARD", "1", "s", "LIMIT"],
        &["SINTERCARD", "1", "s", "foo", "1"],
        &["SINTERCARD", "2", "nokey", "str"],
        &["SINTERCARD", "1", "nokey", "str"],
        &["SINTERCARD", "2", "s0", "s0", "LIMIT", "3"],
        &["SPOP", "s", "-1"],
        &["SPOP", "s", "abc"],
        &["SPOP", "s", "1", "2"],
        &["SPOP", "nokey", "0"],
        &["SPOP", "str", "0"],
        &["SPOP", "str", "abc"],
        &["SRANDMEMBER", "s", "-9223372036854775808"],
        &["SRANDMEMBER", "s", "abc"],
        &["SRANDMEMBER", "str", "abc"],
        &["SRANDMEMBER", "s", "1", "2"],
        &["SRANDMEMBER", "s0", "100"],
        &["SINTER", "nokey", "str"],
        &["SUNION", "nokey", "str"],
        &["SDIFF", "str", "nokey"],
        &["SINTERSTORE", "d", "nokey", "str"],
        &["SINTERSTORE", "d", "nokey", "s"],
        &["EXISTS", "d"],
        &["SSCAN", "s", "abc"],
        &["SSCAN", "nokey", "0", "COUNT", "0"],
        &["SSCAN", "s", "0", "COUNT", "0"],
        &["SSCAN", "s", "0", "TYPE", "x"],
        &["SSCAN", "s", "0", "COUNT", "abc"],
        &["SSCAN", "str", "abc"],
        &["SSCAN", "s", "-1"],
        &["SSCAN", "s", "0", "MATCH", "[2-4]", "COUNT", "1"],
        &["SMISMEMBER", "nokey", "a", "b"],
        &["SMISMEMBER", "str", "a"],
        &["SADD", "h2", "x", "3", "1", "2"],
        &["SREM", "h2", "x"],
        &["OBJECT", "ENCODING", "h2"],
        &["SUNION", "h2"],
        &["SPOP", "h2", "10"],
        &["SADD", "n", "-0", "007", "9223372036854775808", ""],
        &["OBJECT", "ENCODING", "n"],
        &["CONFIG", "SET", "set-max-intset-entries", "2"],
        &["SADD", "c", "1", "2"],
        &["OBJECT", "ENCODING", "c"],
        &["SADD", "c", "3"],
        &["OBJECT", "ENCODING", "c"],
        &["SINTERSTORE", "c2", "s0", "s0"],
        &["OBJECT", "ENCODING", "c2"],
        &["CONFIG", "SET", "set-max-intset-entries", "512"],
        &[
            "SADD",
            "w",
            "-9223372036854775808",
            "9223372036854775807",
            "0",
            "-70000",
            "40000",
        ],
        &["SMEMBERS", "w"],
        &["SINTER", "w", "w"],
        &["SREM", "w", "-9223372036854775808", "x", "0"],
        &["SMEMBERS", "w"],
        &["SUNIONSTORE", "w", "w", "s"],
        &["SMEMBERS", "w"],
        &["HELLO", "3"],
        &["SMEMBERS", "w"],
        &["SMEMBERS", "nokey"],
        &["SINTER", "w", "nokey"],
        &["SRANDMEMBER", "w", "100"],
        &["SRANDMEMBER", "nokey", "-2"],
        &["SPOP", "nokey", "1"],
        &["SPOP", "nokey"],
        &["SSCAN", "w", "0"],
        &["HELLO", "2"],
    ];
    for cmd in script {
        let a: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
        p.check_with(&a, cmp_for(cmd[0]));
    }
    p.check_dataset();
}

/// How a command's replies compare: as sets where the order is a hash
/// table's (exact for intsets, so Unordered loses nothing).
fn cmp_for(name: &str) -> Cmp {
    match name {
        "SMEMBERS" | "SINTER" | "SUNION" | "SDIFF" | "SRANDMEMBER" | "SPOP" => Cmp::Unordered,
        // The client id differs.
        "HELLO" => Cmp::Shape,
        _ => Cmp::Exact,
    }
}

const KEYS: &[&str] = &["k0", "k1", "k2", "k3", "k4"];
const MEMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "5",
    "100",
    "-100",
    "70000",
    "9223372036854775807",
    "-9223372036854775808",
    "a",
    "b",
    "hello",
    "",
    "007",
    "-0",
    "1.5",
];
const COUNTS: &[&str] = &["0", "100", "-1", "x", "18", "99999999999999999999"];

/// One random set command over a small key space. Random replies are
/// only generated in forms that are deterministic (whole-set counts) or
/// read-only (compared by shape), so the datasets never diverge.
fn random_command(g: &mut Gen) -> (Vec<String>, Cmp) {
    let k = g.pick(KEYS);
    let k2 = g.pick(KEYS);
    let k3 = g.pick(KEYS);
    // Mostly integers, so intsets live long enough to matter.
    let member = |g: &mut Gen| -> &str {
        if g.below(4) == 0 {
            g.pick(MEMBERS)
        } else {
            g.pick(&MEMBERS[..10])
        }
    };
    let members =
        |g: &mut Gen, n: usize| -> Vec<&str> { (0..1 + g.below(n)).map(|_| member(g)).collect() };
    let (mut cmd, cmp): (Vec<&str>, Cmp) = match g.below(30) {
        0..=4 => {
            let mut c = vec!["SADD", k];
            c.extend(members(g, 5));
            (c, Cmp::Exact)
        }
        5 | 6 => {
            let mut c = vec!["SREM", k];
            c.extend(members(g, 4));
            (c, Cmp::Exact)
        }
        7 => (vec!["SISMEMBER", k, member(g)], Cmp::Exact),
        8 => {
            let mut c = vec!["SMISMEMBER", k];
            c.extend(members(g, 3));
            (c, Cmp::Exact)
        }
        9 => (vec!["SCARD", k], Cmp::Exact),
        10 => (vec!["SMEMBERS", k], Cmp::Unordered),
        11 => (vec!["SMOVE", k, k2, member(g)], Cmp::Exact),
        12 => (vec!["SINTER", k, k2, k3], Cmp::Unordered),
        13 => (vec!["SUNION", k, k2], Cmp::Unordered),
        14 => (vec!["SDIFF", k, k2, k3], Cmp::Unordered),
        15 => (vec!["SINTERSTORE", k, k2, k3], Cmp::Exact),
        16 => (vec!["SUNIONSTORE", k, k2, k3], Cmp::Exact),
        17 => (vec!["SDIFFSTORE", k, k2, k3], Cmp::Exact),
        18 => {
            let mut c = vec!["SINTERCARD", g.pick(&["1", "2", "3", "0", "x", "4"]), k, k2];
            if g.below(2) == 0 {
                c.extend(["LIMIT", g.pick(&["0", "1", "2", "-1", "x"])]);
            }
            (c, Cmp::Exact)
        }
        // Counts of 0, of at least the set size, or bad ones: all
        // deterministic.
        19 => (vec!["SPOP", k, g.pick(COUNTS)], Cmp::Unordered),
        20 => {
            let count = g.pick(&["0", "100", "x", "18", "99999999999999999999"]);
            (vec!["SRANDMEMBER", k, count], Cmp::Unordered)
        }
        21 => (
            vec!["SRANDMEMBER", k, g.pick(&["-3", "1", "2"])],
            Cmp::Shape,
        ),
        22 => (vec!["SRANDMEMBER", k], Cmp::Shape),
        23 => (vec!["OBJECT", "ENCODING", k], Cmp::Exact),
        24 => (vec!["SET", k, g.pick(MEMBERS)], Cmp::Exact),
        25 => (vec!["GET", k], Cmp::Exact),
        26 => (vec!["DEL", k], Cmp::Exact),
        27 => (vec!["SSCAN", k, "0", "COUNT", "1000"], Cmp::Exact),
        28 => {
            let cursor = g.pick(&["0", "x"]);
            let pattern = g.pick(&["*1*", "[a-z]*", "*"]);
            (
                vec!["SSCAN", k, cursor, "MATCH", pattern, "COUNT", "1000"],
                Cmp::Exact,
            )
        }
        _ => (vec!["TYPE", k], Cmp::Exact),
    };
    if cmd[0] == "SSCAN" && g.below(5) == 0 {
        cmd.extend(["COUNT", g.pick(&["0", "-1", "x"])]);
    }
    (cmd.into_iter().map(String::from).collect(), cmp)
}

/// An SSCAN reply with its members sorted, or the reply as it is.
fn sorted_scan(raw: &[u8]) -> Value {
    match parse_reply(raw).unwrap().unwrap().0 {
        Value::Array(mut parts) if parts.len() == 2 => {
            if let Value::Array(items) = &mut parts[1] {
                items.sort_by_key(|x| format!("{x:?}"));
            }
            Value::Array(parts)
        }
        other => other,
    }
}

/// Seeded random streams of set commands, with the intset limit at its
/// default and at 4 (so conversions happen often), must get the same
/// replies and leave the same dataset and encodings on both servers.
#[test]
fn random_set_commands_match_redis() {
    let seeds: Vec<u64> = seeds((1..=8).map(|i| 0x5E7_0000 + i * 7919));
    let Some(mut p) = Pair::new() else { return };
    for seed in seeds {
        p.check_str(&["FLUSHALL"]);
        let limit = if seed % 2 == 0 { "4" } else { "512" };
        p.check_str(&["CONFIG", "SET", "set-max-intset-entries", limit]);
        let mut g = Gen(seed);
        for _ in 0..1500 {
            let (cmd, cmp) = random_command(&mut g);
            let args: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
            if cmd[0] == "SSCAN" {
                // A whole small table fits one call; members in table order.
                let a = p.cin.cmdb(&args);
                let b = p.red.cmdb(&args);
                assert_eq!(
                    sorted_scan(&a),
                    sorted_scan(&b),
                    "seed {seed}: {cmd:?}\n cinnabar: {}\n    redis: {}",
                    show(&a),
                    show(&b)
                );
            } else {
                p.check_with(&args, cmp);
            }
        }
        p.check_dataset();
    }
    p.check_str(&["CONFIG", "SET", "set-max-intset-entries", "512"]);
}

/// Every write command of the group publishes the keyspace events Redis
/// does, in Redis's order: normal cases, emptied keys (`del` after the
/// command's own event), no-ops and errors (nothing), STORE destinations
/// that existed or not. Replies must match too, so random pops stay
/// deterministic (whole sets, single members) except where noted.
#[test]
fn keyspace_events_match_redis() {
    let Some(mut p) = EventPair::new(EVENTS) else {
        return;
    };
    p.pair
        .quietly(EVENTS, &[&["MSET", "str", "x", "str2", "x", "str3", "x"]]);
    let mut events = p.script(&[
        // SADD: a new key, an existing one, nothing new, a wrong type.
        &["SADD", "s", "a", "b", "c"],
        &["SADD", "s", "a"],
        &["SADD", "s", "a", "d"],
        &["SADD", "str", "a"],
        // SREM: nothing there, the wrong type, some, the rest (`del`).
        &["SREM", "s", "x"],
        &["SREM", "nokey", "a"],
        &["SREM", "str", "a"],
        &["SREM", "s", "a", "b"],
        &["SREM", "s", "c", "d", "x"],
        &["EXISTS", "s"],
        // SPOP: count 0, missing keys, errors, whole sets, last members.
        &["SADD", "s", "1", "2", "3"],
        &["SPOP", "s", "0"],
        &["SPOP", "nokey"],
        &["SPOP", "nokey", "2"],
        &["SPOP", "str"],
        &["SPOP", "str", "1"],
        &["SPOP", "s", "-1"],
        &["SPOP", "s", "1", "2"],
        &["SPOP", "s", "3"],
        &["SADD", "s", "5"],
        &["SPOP", "s"],
        &["SADD", "s", "x"],
        &["SPOP", "s", "1"],
        &["SADD", "s", "7", "8"],
        &["SPOP", "s", "100"],
        // SMOVE: to a new key, a missing member or source, the same key,
        // wrong types, a destination that has the member, emptied sources.
        &["SADD", "a", "1", "2"],
        &["SMOVE", "a", "b", "1"],
        &["SMOVE", "a", "b", "9"],
        &["SMOVE", "nokey", "b", "1"],
        &["SMOVE", "a", "a", "2"],
        &["SMOVE", "a", "a", "9"],
        &["SMOVE", "a", "str", "2"],
        &["SMOVE", "str", "a", "2"],
        &["SMOVE", "nokey", "str", "2"],
        &["SADD", "b", "2"],
        &["SMOVE", "a", "b", "2"],
        &["SMOVE", "b", "c", "1"],
        &["SMOVE", "b", "c", "2"],
        &["SMEMBERS", "c"],
        // SINTERSTORE: new and existing destinations, a missing source
        // (with and without a destination to delete), the destination as
        // a source, empty intersections, wrong types.
        &["SADD", "x", "1", "2", "3"],
        &["SADD", "y", "2", "3", "4"],
        &["SINTERSTORE", "d", "x", "y"],
        &["SINTERSTORE", "d", "x", "y"],
        &["SINTERSTORE", "d", "x", "nokey"],
        &["SINTERSTORE", "d", "x", "nokey"],
        &["SINTERSTORE", "d", "nokey", "str"],
        &["SINTERSTORE", "d", "x", "str"],
        &["SINTERSTORE", "d", "x"],
        &["SADD", "e", "9"],
        &["SINTERSTORE", "d", "e", "x"],
        &["SINTERSTORE", "d", "e", "x"],
        &["SINTERSTORE", "str2", "x", "y"],
        &["TYPE", "str2"],
        &["SINTERSTORE", "d", "d", "x"],
        // SUNIONSTORE
        &["SUNIONSTORE", "d", "x", "y"],
        &["SUNIONSTORE", "d", "x", "nokey"],
        &["SUNIONSTORE", "d", "nokey"],
        &["SUNIONSTORE", "d", "nokey"],
        &["SUNIONSTORE", "d", "x", "str"],
        &["SUNIONSTORE", "str3", "x"],
        &["TYPE", "str3"],
        &["SUNIONSTORE", "x", "x", "e"],
        &["SMEMBERS", "x"],
        // SDIFFSTORE
        &["SDIFFSTORE", "d", "x", "y"],
        &["SDIFFSTORE", "d", "x", "nokey"],
        &["SDIFFSTORE", "d", "x", "x"],
        &["SDIFFSTORE", "d", "x", "x"],
        &["SDIFFSTORE", "d", "nokey", "x"],
        &["SDIFFSTORE", "d", "x", "str"],
        &["SDIFFSTORE", "d", "str", "x"],
        &["SDIFFSTORE", "y", "y", "x"],
        // Reads publish nothing.
        &["SISMEMBER", "x", "1"],
        &["SMISMEMBER", "x", "1", "0"],
        &["SCARD", "x"],
        &["SMEMBERS", "x"],
        &["SINTER", "x", "y"],
        &["SUNION", "x", "nokey"],
        &["SDIFF", "x", "y"],
        &["SINTERCARD", "2", "x", "y"],
        &["SRANDMEMBER", "e"],
        &["SSCAN", "e", "0"],
        // Events name the client's database.
        &["SELECT", "1"],
        &["SADD", "s", "a"],
        &["SMOVE", "s", "t", "a"],
        &["SUNIONSTORE", "u", "t"],
        &["SREM", "t", "a"],
        &["SPOP", "u"],
        &["SELECT", "0"],
    ]);
    // Pops of some of a set pick members at random, so the replies
    // differ; run them on each server directly and compare only the
    // events, which the next checked command collects. Both strategies:
    // popping a few members, and keeping a few.
    for count in ["2", "7"] {
        p.check(&["SADD", "r", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        p.pair.cin.cmd(&["SPOP", "r", count]);
        p.pair.red.cmd(&["SPOP", "r", count]);
        p.pair.cin.cmd(&["SPOP", "r"]);
        p.pair.red.cmd(&["SPOP", "r"]);
        events += p.check(&["SCARD", "r"]).len();
        events += p
            .check(&["SREM", "r", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
            .len();
    }
    assert!(events >= 150, "only {events} events");
}

/// WATCH: every write command dooms a transaction watching a key it
/// changed, and only those; no-ops, errors and untouched keys leave the
/// transaction alone, as in Redis.
#[test]
fn watch_invalidation_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["SET", "str", "x"]);
    // (watched key, command, whether the transaction still runs)
    let cases: &[(&str, &[&str], bool)] = &[
        ("s", &["SADD", "s", "a", "b"], false),
        ("s", &["SADD", "s", "a"], true),
        ("str", &["SADD", "str", "a"], true),
        ("s", &["SREM", "s", "x"], true),
        ("s", &["SREM", "s", "a"], false),
        ("s", &["SREM", "s", "b"], false),
        ("s", &["SREM", "s", "b"], true),
        ("s", &["SADD", "s", "1", "2", "3"], false),
        ("s", &["SPOP", "s", "0"], true),
        ("s", &["SPOP", "s", "-1"], true),
        ("nokey", &["SPOP", "nokey"], true),
        ("nokey", &["SPOP", "nokey", "3"], true),
        ("s", &["SPOP", "s", "5"], false),
        ("s", &["SADD", "s", "1"], false),
        ("s", &["SPOP", "s"], false),
        // SMOVE: each key only when it changed.
        ("a", &["SADD", "a", "1", "2", "3"], false),
        ("a", &["SMOVE", "a", "b", "9"], true),
        ("b", &["SMOVE", "a", "b", "9"], true),
        ("a", &["SMOVE", "a", "a", "1"], true),
        ("a", &["SMOVE", "a", "str", "1"], true),
        ("a", &["SMOVE", "a", "b", "1"], false),
        ("b", &["SMOVE", "a", "b", "2"], false),
        ("b", &["SADD", "b", "3"], false),
        ("a", &["SMOVE", "a", "b", "3"], false),
        ("b", &["SMOVE", "b", "a", "3"], false),
        ("b", &["SADD", "b", "3"], false),
        ("b", &["SMOVE", "a", "b", "3"], true),
        ("a", &["EXISTS", "a"], true),
        ("nokey", &["SMOVE", "nokey", "b", "1"], true),
        ("b", &["SMOVE", "nokey", "b", "1"], true),
        // STORE destinations: written, deleted, or (empty result, no
        // destination) untouched; sources are only read.
        ("x", &["SADD", "x", "1", "2"], false),
        ("d", &["SINTERSTORE", "d", "x", "b"], false),
        ("x", &["SINTERSTORE", "d", "x", "b"], true),
        ("d", &["SINTERSTORE", "d", "x", "b"], false),
        ("d", &["SINTERSTORE", "d", "x", "nokey"], false),
        ("d", &["SINTERSTORE", "d", "x", "nokey"], true),
        ("d", &["SINTERSTORE", "d", "x", "str"], true),
        ("d", &["SUNIONSTORE", "d", "x"], false),
        ("d", &["SUNIONSTORE", "d", "nokey"], false),
        ("d", &["SUNIONSTORE", "d", "nokey"], true),
        ("d", &["SUNIONSTORE", "d", "str"], true),
        ("d", &["SDIFFSTORE", "d", "b", "x"], false),
        ("d", &["SDIFFSTORE", "d", "x", "x"], false),
        ("d", &["SDIFFSTORE", "d", "x", "x"], true),
        ("b", &["SDIFFSTORE", "d", "b", "x"], true),
        // Reads never touch.
        ("x", &["SMEMBERS", "x"], true),
        ("x", &["SINTERCARD", "1", "x"], true),
        ("x", &["SINTER", "x", "b"], true),
    ];
    p.check_watch_outcomes(cases);
}

/// A STORE whose result is empty deletes a destination that expired but
/// is still stored as Redis's `dbDelete` does: announced as `del`, not
/// `expired`; a non-empty result first expires it (`expired`), then
/// stores.
#[test]
fn store_over_an_expired_destination_matches_redis() {
    let events = check_stores_onto_expired(
        &[&["SADD", "s", "1"], &["SADD", "e", "9"]],
        &["SADD", "d", "x"],
        &[
            &["SUNIONSTORE", "d", "nokey"],
            &["SINTERSTORE", "d", "s", "nokey"],
            &["SINTERSTORE", "d", "s", "e"],
            &["SDIFFSTORE", "d", "s", "s"],
            &["SUNIONSTORE", "d", "s"],
        ],
    );
    assert!(events == 0 || events >= 20, "only {events} events");
}
