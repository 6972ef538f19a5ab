//! Sorted set commands: exact replies, encoding conversions, blocking
//! pops, persistence, and differential runs against redis-server:
//! replies, keyspace events and WATCH invalidation.

use std::time::{Duration, Instant};

use crate::differential::{check_stores_onto_expired, Cmp, EventPair, Pair, EVENTS};
use crate::util::*;

// ---------------------------------------------------------------------------
// Exact replies
// ---------------------------------------------------------------------------

#[test]
fn zadd_options_and_replies() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["ZADD", "z", "1", "a", "2", "b"], ":2\r\n");
    c.expect(&["ZADD", "z", "1", "a", "3", "c"], ":1\r\n");
    c.expect(&["ZADD", "z", "CH", "5", "a", "3", "c", "4", "d"], ":2\r\n");
    c.expect(&["ZADD", "z", "NX", "9", "a", "9", "e"], ":1\r\n");
    c.expect(&["ZSCORE", "z", "a"], "$1\r\n5\r\n");
    c.expect(&["ZADD", "z", "XX", "CH", "1", "a", "1", "new"], ":1\r\n");
    c.expect(&["ZSCORE", "z", "new"], "$-1\r\n");
    c.expect(&["ZADD", "z", "GT", "CH", "0", "a", "7", "b"], ":1\r\n");
    c.expect(&["ZADD", "z", "LT", "CH", "8", "b", "6", "c"], ":0\r\n");
    c.expect(&["ZSCORE", "z", "c"], "$1\r\n3\r\n");
    c.expect(&["ZADD", "z", "INCR", "2.5", "a"], "$3\r\n3.5\r\n");
    c.expect(&["ZADD", "z", "GT", "INCR", "-1", "a"], "$-1\r\n");
    c.expect(&["ZADD", "z", "NX", "INCR", "1", "a"], "$-1\r\n");
    c.expect(&["ZADD", "z", "XX", "INCR", "1", "zz"], "$-1\r\n");
    c.expect(&["ZINCRBY", "z", "10", "zz"], "$2\r\n10\r\n");
    c.expect(&["ZINCRBY", "z", "-10", "zz"], "$1\r\n0\r\n");
    c.expect(&["ZADD", "missing", "XX", "1", "a"], ":0\r\n");
    c.expect(&["EXISTS", "missing"], ":0\r\n");
    c.expect(
        &["ZADD", "z", "1"],
        "-ERR wrong number of arguments for 'zadd' command\r\n",
    );
    c.expect(&["ZADD", "z", "1", "a", "2"], "-ERR syntax error\r\n");
    c.expect(&["ZADD", "z", "CH", "1"], "-ERR syntax error\r\n");
    c.expect(
        &["ZADD", "z", "NX", "XX", "1", "a"],
        "-ERR XX and NX options at the same time are not compatible\r\n",
    );
    c.expect(
        &["ZADD", "z", "GT", "LT", "1", "a"],
        "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
    );
    c.expect(
        &["ZADD", "z", "NX", "GT", "1", "a"],
        "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n",
    );
    c.expect(
        &["ZADD", "z", "INCR", "1", "a", "2", "b"],
        "-ERR INCR option supports a single increment-element pair\r\n",
    );
    c.expect(
        &["ZADD", "z", "nan", "a"],
        "-ERR value is not a valid float\r\n",
    );
    c.expect(
        &["ZADD", "z", "1", "a", "x", "b"],
        "-ERR value is not a valid float\r\n",
    );
    c.expect(
        &["ZADD", "z", " 1", "a"],
        "-ERR value is not a valid float\r\n",
    );
    c.expect(
        &["ZADD", "z", "1e400", "a"],
        "-ERR value is not a valid float\r\n",
    );
    c.expect(&["ZINCRBY", "z", "nx", "a"], "-ERR syntax error\r\n");
    // inf + -inf is NaN: refused, nothing changes.
    c.expect(&["ZADD", "z", "inf", "a"], ":0\r\n");
    c.expect(
        &["ZINCRBY", "z", "-inf", "a"],
        "-ERR resulting score is not a number (NaN)\r\n",
    );
    c.expect(&["ZSCORE", "z", "a"], "$3\r\ninf\r\n");
    c.expect(&["SET", "s", "x"], "+OK\r\n");
    c.expect(
        &["ZADD", "s", "1", "a"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    // Scores are parsed before the type is checked.
    c.expect(
        &["ZADD", "s", "x", "a"],
        "-ERR value is not a valid float\r\n",
    );
}

#[test]
fn scores_are_formatted_as_redis_does() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(
        &[
            "ZADD", "z", "1.5", "a", "0.1", "b", "1e20", "c", "-inf", "d", "0x10", "e",
        ],
        ":5\r\n",
    );
    c.expect(&["ZSCORE", "z", "a"], "$3\r\n1.5\r\n");
    c.expect(&["ZSCORE", "z", "b"], "$19\r\n0.10000000000000001\r\n");
    c.expect(&["ZSCORE", "z", "c"], "$5\r\n1e+20\r\n");
    c.expect(&["ZSCORE", "z", "d"], "$4\r\n-inf\r\n");
    c.expect(&["ZSCORE", "z", "e"], "$2\r\n16\r\n");
    // A listpack stores -0 as the integer 0; the reply to INCR is the
    // computed score.
    c.expect(&["ZADD", "z", "INCR", "-0", "f"], "$2\r\n-0\r\n");
    c.expect(&["ZSCORE", "z", "f"], "$1\r\n0\r\n");
    c.expect(
        &["ZMSCORE", "z", "a", "nope", "d"],
        "*3\r\n$3\r\n1.5\r\n$-1\r\n$4\r\n-inf\r\n",
    );
    c.expect(&["ZMSCORE", "nokey", "a"], "*1\r\n$-1\r\n");
    c.cmd(&["HELLO", "3"]);
    c.expect(&["ZSCORE", "z", "b"], ",0.10000000000000001\r\n");
    c.expect(&["ZSCORE", "z", "d"], ",-inf\r\n");
    c.expect(&["ZSCORE", "z", "nope"], "_\r\n");
    c.expect(&["ZMSCORE", "z", "a", "nope"], "*2\r\n,1.5\r\n_\r\n");
    c.expect(
        &["ZRANGE", "z", "0", "1", "WITHSCORES"],
        "*2\r\n*2\r\n$1\r\nd\r\n,-inf\r\n*2\r\n$1\r\nf\r\n,0\r\n",
    );
    // ZSCAN's scores are plain strings even in RESP3.
    c.expect(&["ZADD", "small", "2.5", "x"], ":1\r\n");
    c.expect(
        &["ZSCAN", "small", "0"],
        "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nx\r\n$3\r\n2.5\r\n",
    );
}

#[test]
fn ranges_by_rank_score_and_lex() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.cmd(&[
        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
    ]);
    c.expect(&["ZRANGE", "z", "1", "2"], "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
    c.expect(
        &["ZRANGE", "z", "-2", "100"],
        "*2\r\n$1\r\nd\r\n$1\r\ne\r\n",
    );
    c.expect(&["ZRANGE", "z", "3", "1"], "*0\r\n");
    c.expect(
        &["ZREVRANGE", "z", "0", "0", "WITHSCORES"],
        "*2\r\n$1\r\ne\r\n$1\r\n5\r\n",
    );
    c.expect(
        &["ZRANGEBYSCORE", "z", "(1", "3"],
        "*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    c.expect(
        &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "2"],
        "*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    c.expect(
        &["ZREVRANGEBYSCORE", "z", "+inf", "(2", "LIMIT", "1", "-1"],
        "*2\r\n$1\r\nd\r\n$1\r\nc\r\n",
    );
    c.expect(
        &["ZRANGE", "z", "(4", "2", "BYSCORE", "REV", "WITHSCORES"],
        "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    c.expect(
        &["ZRANGE", "z", "1", "5", "BYSCORE", "LIMIT", "-1", "3"],
        "*0\r\n",
    );
    c.expect(&["ZCOUNT", "z", "(1", "(5"], ":3\r\n");
    c.expect(&["ZCOUNT", "z", "5", "1"], ":0\r\n");
    c.expect(&["ZRANK", "z", "c"], ":2\r\n");
    c.expect(&["ZREVRANK", "z", "c"], ":2\r\n");
    c.expect(&["ZRANK", "z", "nope"], "$-1\r\n");
    c.cmd(&["ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d"]);
    c.expect(
        &["ZRANGEBYLEX", "l", "(a", "[c"],
        "*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    c.expect(
        &["ZREVRANGEBYLEX", "l", "+", "-", "LIMIT", "1", "2"],
        "*2\r\n$1\r\nc\r\n$1\r\nb\r\n",
    );
    c.expect(
        &["ZRANGE", "l", "[b", "+", "BYLEX"],
        "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
    );
    c.expect(&["ZLEXCOUNT", "l", "-", "(c"], ":2\r\n");
    c.expect(&["ZLEXCOUNT", "l", "+", "-"], ":0\r\n");
    for (args, err) in [
        (
            &["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"][..],
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ),
        (
            &["ZRANGE", "l", "-", "+", "BYLEX", "WITHSCORES"],
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ),
        (&["ZRANGE", "z", "0", "1", "REV", "REV"], "ERR syntax error"),
        (&["ZRANGE", "z", "0", "1", "LIMIT", "0"], "ERR syntax error"),
        (
            &["ZRANGEBYSCORE", "z", "0", "1", "BYSCORE"],
            "ERR syntax error",
        ),
        (
            &["ZRANGEBYSCORE", "z", "x", "1"],
            "ERR min or max is not a float",
        ),
        (
            &["ZRANGEBYSCORE", "z", "1", "nan"],
            "ERR min or max is not a float",
        ),
        (
            &["ZRANGEBYLEX", "l", "a", "+"],
            "ERR min or max not valid string range item",
        ),
        (
            &["ZRANGE", "z", "a", "1"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["ZRANGESTORE", "d", "z", "0", "1", "WITHSCORES"],
            "ERR syntax error",
        ),
    ] {
        c.expect(args, &format!("-{err}\r\n"));
    }
    c.expect(&["ZRANGE", "nokey", "0", "-1", "WITHSCORES"], "*0\r\n");
}

#[test]
fn removals_by_member_rank_score_and_lex() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.cmd(&[
        "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
    ]);
    c.expect(&["ZREM", "z", "a", "nope", "a"], ":1\r\n");
    c.expect(&["ZREMRANGEBYRANK", "z", "-1", "-1"], ":1\r\n");
    c.expect(&["ZREMRANGEBYSCORE", "z", "(2", "+inf"], ":2\r\n");
    c.expect(&["ZRANGE", "z", "0", "-1"], "*1\r\n$1\r\nb\r\n");
    c.expect(
        &["ZREMRANGEBYSCORE", "z", "x", "1"],
        "-ERR min or max is not a float\r\n",
    );
    c.expect(&["ZREMRANGEBYRANK", "z", "0", "0"], ":1\r\n");
    c.expect(&["EXISTS", "z"], ":0\r\n");
    c.cmd(&["ZADD", "l", "0", "a", "0", "b", "0", "c"]);
    c.expect(&["ZREMRANGEBYLEX", "l", "[b", "+"], ":2\r\n");
    c.expect(&["ZREM", "l", "a"], ":1\r\n");
    c.expect(&["EXISTS", "l"], ":0\r\n");
    c.expect(&["ZREM", "nokey", "a"], ":0\r\n");
    c.expect(&["ZREMRANGEBYLEX", "nokey", "-", "+"], ":0\r\n");
}

#[test]
fn pops_and_their_reply_shapes() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
    c.expect(&["ZPOPMIN", "z"], "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    c.expect(
        &["ZPOPMAX", "z", "2"],
        "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    c.expect(&["ZPOPMIN", "z", "0"], "*0\r\n");
    c.expect(
        &["ZPOPMIN", "z", "-1"],
        "-ERR value is out of range, must be positive\r\n",
    );
    c.expect(&["ZPOPMIN", "z", "1", "2"], "-ERR syntax error\r\n");
    c.expect(&["ZPOPMIN", "nokey"], "*0\r\n");
    c.expect(
        &["ZMPOP", "2", "nokey", "z", "MIN", "COUNT", "5"],
        "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    c.expect(&["EXISTS", "z"], ":0\r\n");
    c.expect(&["ZMPOP", "1", "z", "MIN"], "*-1\r\n");
    c.expect(
        &["ZMPOP", "0", "z", "MIN"],
        "-ERR numkeys should be greater than 0\r\n",
    );
    c.expect(&["ZMPOP", "2", "z", "MIN"], "-ERR syntax error\r\n");
    c.expect(
        &["ZMPOP", "1", "z", "MIN", "COUNT", "0"],
        "-ERR count should be greater than 0\r\n",
    );
    c.expect(&["ZMPOP", "1", "z", "MID"], "-ERR syntax error\r\n");
    c.cmd(&["HELLO", "3"]);
    c.cmd(&["ZADD", "z", "1", "a", "2", "b"]);
    c.expect(&["ZPOPMIN", "z"], "*2\r\n$1\r\na\r\n,1\r\n");
    c.expect(&["ZPOPMIN", "z", "1"], "*1\r\n*2\r\n$1\r\nb\r\n,2\r\n");
    c.expect(&["ZMPOP", "1", "z", "MAX"], "_\r\n");
    c.expect(&["BZPOPMIN", "z", "0.01"], "_\r\n");
}

#[test]
fn set_operations() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.cmd(&["ZADD", "a", "1", "x", "2", "y", "3", "z"]);
    c.cmd(&["ZADD", "b", "10", "y", "20", "z", "30", "w"]);
    c.expect(
        &["ZUNION", "2", "a", "b", "WITHSCORES"],
        "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n",
    );
    c.expect(
        &[
            "ZINTER",
            "2",
            "a",
            "b",
            "WEIGHTS",
            "2",
            "0.5",
            "AGGREGATE",
            "MAX",
            "WITHSCORES",
        ],
        "*4\r\n$1\r\ny\r\n$1\r\n5\r\n$1\r\nz\r\n$2\r\n10\r\n",
    );
    c.expect(&["ZDIFF", "2", "a", "b"], "*1\r\n$1\r\nx\r\n");
    c.expect(&["ZINTERCARD", "2", "a", "b"], ":2\r\n");
    c.expect(&["ZINTERCARD", "2", "a", "b", "LIMIT", "1"], ":1\r\n");
    c.expect(
        &["ZUNIONSTORE", "d", "2", "a", "b", "AGGREGATE", "MIN"],
        ":4\r\n",
    );
    c.expect(
        &["ZRANGE", "d", "0", "-1"],
        "*4\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nw\r\n",
    );
    c.expect(&["ZINTERSTORE", "d", "2", "a", "nokey"], ":0\r\n");
    c.expect(&["EXISTS", "d"], ":0\r\n");
    // inf + -inf sums to 0; 0 * inf weighs 0.
    c.cmd(&["ZADD", "p", "inf", "m"]);
    c.cmd(&["ZADD", "n", "-inf", "m"]);
    c.expect(
        &["ZUNION", "2", "p", "n", "WITHSCORES"],
        "*2\r\n$1\r\nm\r\n$1\r\n0\r\n",
    );
    c.expect(
        &["ZUNION", "1", "p", "WEIGHTS", "0", "WITHSCORES"],
        "*2\r\n$1\r\nm\r\n$1\r\n0\r\n",
    );
    for (args, err) in [
        (
            &["ZUNION", "0", "a"][..],
            "ERR at least 1 input key is needed for 'zunion' command",
        ),
        (
            &["ZUNIONSTORE", "d", "0", "a"],
            "ERR at least 1 input key is needed for 'zunionstore' command",
        ),
        (&["ZUNION", "3", "a", "b"], "ERR syntax error"),
        (
            &["ZUNION", "x", "a"],
            "ERR value is not an integer or out of range",
        ),
        (
            &["ZINTER", "2", "a", "b", "WEIGHTS", "1"],
            "ERR syntax error",
        ),
        (
            &["ZINTER", "2", "a", "b", "WEIGHTS", "1", "x"],
            "ERR weight value is not a float",
        ),
        (
            &["ZINTER", "1", "a", "AGGREGATE", "AVG"],
            "ERR syntax error",
        ),
        (&["ZDIFF", "1", "a", "WEIGHTS", "1"], "ERR syntax error"),
        (
            &["ZUNIONSTORE", "d", "1", "a", "WITHSCORES"],
            "ERR syntax error",
        ),
        (
            &["ZINTERCARD", "1", "a", "LIMIT", "-1"],
            "ERR LIMIT can't be negative",
        ),
        (&["ZINTERCARD", "1", "a", "WITHSCORES"], "ERR syntax error"),
    ] {
        c.expect(args, &format!("-{err}\r\n"));
    }
    c.cmd(&["SET", "s", "x"]);
    c.expect(
        &["ZUNION", "2", "a", "s", "WEIGHTS", "x"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
}

#[test]
fn zrangestore_replaces_or_deletes_the_destination() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    c.cmd(&["SET", "d", "string", "EX", "100"]);
    c.expect(
        &["ZRANGESTORE", "d", "z", "2", "1", "BYSCORE", "REV"],
        ":2\r\n",
    );
    c.expect(
        &["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    c.expect(&["TTL", "d"], ":-1\r\n");
    c.expect(&["ZRANGESTORE", "d", "z", "5", "6"], ":0\r\n");
    c.expect(&["EXISTS", "d"], ":0\r\n");
    c.expect(&["ZRANGESTORE", "d", "nokey", "0", "-1"], ":0\r\n");
    c.expect(
        &[
            "ZRANGESTORE",
            "d",
            "z",
            "[a",
            "[b",
            "BYLEX",
            "LIMIT",
            "1",
            "1",
        ],
        ":1\r\n",
    );
    c.expect(&["ZRANGE", "d", "0", "-1"], "*1\r\n$1\r\nb\r\n");
}

#[test]
fn zrandmember_and_zscan() {
    let srv = Server::start_with(&["--zset-max-listpack-entries", "16"]);
    let mut c = srv.conn();
    c.expect(&["ZRANDMEMBER", "nokey"], "$-1\r\n");
    c.expect(&["ZRANDMEMBER", "nokey", "5"], "*0\r\n");
    for (key, n) in [("small", 10), ("big", 500)] {
        for i in 0..n {
            c.cmd(&["ZADD", key, &i.to_string(), &format!("m{i}")]);
        }
        let members = |v: Value| -> Vec<Vec<u8>> {
            match v {
                Value::Array(a) => a
                    .into_iter()
                    .map(|x| x.as_bytes().unwrap().to_vec())
                    .collect(),
                other => panic!("{other:?}"),
            }
        };
        let one = c.value(&["ZRANDMEMBER", key]);
        assert!(one.as_bytes().unwrap().starts_with(b"m"));
        let distinct = members(c.value(&["ZRANDMEMBER", key, "7"]));
        let set: std::collections::BTreeSet<_> = distinct.iter().collect();
        assert_eq!((distinct.len(), set.len()), (7, 7));
        let repeated = members(c.value(&["ZRANDMEMBER", key, "-30"]));
        assert_eq!(repeated.len(), 30);
        let pairs = members(c.value(&["ZRANDMEMBER", key, "-3", "WITHSCORES"]));
        for p in pairs.chunks(2) {
            assert_eq!(&p[0][1..], &p[1][..], "score matches member");
        }
        // More than the set holds: all of it, from the highest.
        let all = members(c.value(&["ZRANDMEMBER", key, "100000"]));
        assert_eq!(all.len(), n);
        assert_eq!(all[0], format!("m{}", n - 1).into_bytes());
        // ZSCAN returns every member.
        let mut seen = std::collections::BTreeSet::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let Value::Array(mut parts) = c.value(&["ZSCAN", key, &cursor, "COUNT", "20"]) else {
                panic!()
            };
            let items = members(parts.pop().unwrap());
            for p in items.chunks(2) {
                seen.insert(p[0].clone());
            }
            cursor = String::from_utf8(parts.pop().unwrap().as_bytes().unwrap().to_vec()).unwrap();
            calls += 1;
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), n);
        // A listpack comes back whole in one call.
        assert_eq!(calls == 1, n <= 16, "{key}: {calls} calls");
    }
    c.expect(
        &["ZRANDMEMBER", "small", "-9223372036854775808"],
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
    );
    c.expect(
        &["ZRANDMEMBER", "small", "1", "WITHSCORE"],
        "-ERR syntax error\r\n",
    );
    c.expect(
        &["ZRANDMEMBER", "small", "9223372036854775807", "WITHSCORES"],
        "-ERR value is out of range\r\n",
    );
    c.expect(
        &["ZSCAN", "small", "0", "MATCH", "m1*"],
        "*2\r\n$1\r\n0\r\n*2\r\n$2\r\nm1\r\n$1\r\n1\r\n",
    );
    c.expect(&["ZSCAN", "small", "x"], "-ERR invalid cursor\r\n");
    c.expect(
        &["ZSCAN", "small", "0", "COUNT", "0"],
        "-ERR syntax error\r\n",
    );
    c.expect(&["ZSCAN", "nokey", "0"], "*2\r\n$1\r\n0\r\n*0\r\n");
}

/// Encodings follow Redis: a listpack until a size or member-length
/// limit is passed, then a skiplist for good; built results take the
/// encoding their contents call for.
#[test]
fn encoding_conversions() {
    let srv = Server::start_with(&["--zset-max-listpack-entries", "4"]);
    let mut c = srv.conn();
    let enc = |c: &mut Conn, k: &str| String::from_utf8(c.cmd(&["OBJECT", "ENCODING", k])).unwrap();
    c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
    assert_eq!(enc(&mut c, "z"), "$8\r\nlistpack\r\n");
    c.cmd(&["ZADD", "z", "5", "e"]);
    assert_eq!(enc(&mut c, "z"), "$8\r\nskiplist\r\n");
    c.cmd(&["ZREM", "z", "a", "b", "c"]);
    assert_eq!(enc(&mut c, "z"), "$8\r\nskiplist\r\n");
    c.cmd(&["ZRANGESTORE", "small", "z", "0", "-1"]);
    assert_eq!(enc(&mut c, "small"), "$8\r\nlistpack\r\n");
    c.cmd(&["ZADD", "z", "6", "f", "7", "g", "8", "h"]);
    c.cmd(&["ZUNIONSTORE", "u", "1", "z"]);
    assert_eq!(enc(&mut c, "u"), "$8\r\nskiplist\r\n");
    c.cmd(&["ZINTERSTORE", "i", "2", "z", "small"]);
    assert_eq!(enc(&mut c, "i"), "$8\r\nlistpack\r\n");
    let long = "x".repeat(65);
    c.cmd(&["ZADD", "long", "1", &long]);
    assert_eq!(enc(&mut c, "long"), "$8\r\nskiplist\r\n");
    c.cmd(&["ZADD", "grow", "1", "a"]);
    c.cmd(&["ZADD", "grow", "1", &long]);
    assert_eq!(enc(&mut c, "grow"), "$8\r\nskiplist\r\n");
    c.cmd(&["ZADD", "edge", "1", &"y".repeat(64)]);
    assert_eq!(enc(&mut c, "edge"), "$8\r\nlistpack\r\n");
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "0"]);
    c.cmd(&["ZADD", "zero", "1", "a"]);
    assert_eq!(enc(&mut c, "zero"), "$8\r\nskiplist\r\n");
    // The skiplist keeps -0; ranks and ranges agree across encodings.
    c.expect(&["ZADD", "zero", "-0", "n"], ":1\r\n");
    c.expect(&["ZSCORE", "zero", "n"], "$2\r\n-0\r\n");
    c.expect(
        &["ZRANGE", "zero", "0", "-1"],
        "*2\r\n$1\r\nn\r\n$1\r\na\r\n",
    );
}

/// A large skiplist answers ranks and ranges like a sorted model.
#[test]
fn large_skiplist_matches_a_model() {
    let srv = Server::start();
    let mut c = srv.conn();
    let n = 3000;
    let mut model: Vec<(i64, String)> = (0..n)
        .map(|i| ((i * 7919) % 1000, format!("m{i:05}")))
        .collect();
    for chunk in model.chunks(500) {
        let mut args: Vec<String> = vec!["ZADD".into(), "z".into()];
        for (s, m) in chunk {
            args.push(s.to_string());
            args.push(m.clone());
        }
        let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        c.expect(&a, ":500\r\n");
    }
    model.sort();
    c.expect(&["ZCARD", "z"], &format!(":{n}\r\n"));
    for r in [0usize, 1, 999, 1500, 2999] {
        let (_, m) = &model[r];
        c.expect(&["ZRANK", "z", m], &format!(":{r}\r\n"));
        c.expect(
            &["ZREVRANK", "z", m],
            &format!(":{}\r\n", n as usize - 1 - r),
        );
        let got = c.value(&["ZRANGE", "z", &r.to_string(), &r.to_string()]);
        assert_eq!(got, Value::Array(vec![Value::Bulk(m.clone().into_bytes())]));
    }
    let in_range = model.iter().filter(|(s, _)| *s > 100 && *s <= 200).count();
    c.expect(&["ZCOUNT", "z", "(100", "200"], &format!(":{in_range}\r\n"));
    let Value::Array(page) = c.value(&["ZRANGEBYSCORE", "z", "(100", "200", "LIMIT", "5", "3"])
    else {
        panic!()
    };
    let want: Vec<Value> = model
        .iter()
        .filter(|(s, _)| *s > 100 && *s <= 200)
        .skip(5)
        .take(3)
        .map(|(_, m)| Value::Bulk(m.clone().into_bytes()))
        .collect();
    assert_eq!(page, want);
    c.expect(&["ZREMRANGEBYRANK", "z", "0", "999"], ":1000\r\n");
    let (_, m) = &model[1000];
    c.expect(&["ZRANK", "z", m], ":0\r\n");
    c.expect(&["ZREMRANGEBYSCORE", "z", "-inf", "+inf"], ":2000\r\n");
    c.expect(&["EXISTS", "z"], ":0\r\n");
}

// ---------------------------------------------------------------------------
// Blocking pops
// ---------------------------------------------------------------------------

#[test]
fn bzpopmin_is_served_by_a_zadd_from_another_client() {
    let srv = Server::start();
    let mut waiter = srv.conn();
    let mut other = srv.conn();
    waiter.send_cmd(&["BZPOPMIN", "nokey", "z", "0"]);
    wait_blocked(&mut other, 1);
    other.expect(&["ZADD", "z", "2", "b", "1", "a"], ":2\r\n");
    assert_eq!(
        show(&waiter.read_reply()),
        show(b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n")
    );
    other.expect(&["ZRANGE", "z", "0", "-1"], "*1\r\n$1\r\nb\r\n");
    // BZMPOP, served by a ZUNIONSTORE into the key.
    waiter.send_cmd(&["BZMPOP", "0", "1", "dst", "MAX", "COUNT", "5"]);
    wait_blocked(&mut other, 1);
    other.expect(&["ZUNIONSTORE", "dst", "1", "z"], ":1\r\n");
    assert_eq!(
        show(&waiter.read_reply()),
        show(b"*2\r\n$3\r\ndst\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n")
    );
    other.expect(&["EXISTS", "dst"], ":0\r\n");
    // A key that exists when the command runs is served at once.
    other.cmd(&["ZADD", "z", "3", "c"]);
    waiter.expect(
        &["BZPOPMAX", "nokey", "z", "0"],
        "*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    other.cmd(&["SET", "str", "x"]);
    waiter.expect(
        &["BZPOPMIN", "str", "0"],
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    waiter.expect(&["BZPOPMIN", "z", "-1"], "-ERR timeout is negative\r\n");
    waiter.expect(
        &["BZPOPMIN", "z", "x"],
        "-ERR timeout is not a float or out of range\r\n",
    );
}

#[test]
fn blocked_clients_are_served_in_fifo_order() {
    let srv = Server::start();
    let mut first = srv.conn();
    let mut second = srv.conn();
    let mut other = srv.conn();
    first.send_cmd(&["BZPOPMIN", "z", "0"]);
    wait_blocked(&mut other, 1);
    second.send_cmd(&["BZPOPMIN", "z", "0"]);
    wait_blocked(&mut other, 2);
    other.expect(&["ZADD", "z", "1", "a"], ":1\r\n");
    assert_eq!(
        show(&first.read_reply()),
        show(b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n")
    );
    wait_blocked(&mut other, 1);
    other.expect(&["ZADD", "z", "2", "b", "3", "c"], ":2\r\n");
    assert_eq!(
        show(&second.read_reply()),
        show(b"*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n")
    );
    other.expect(&["ZRANGE", "z", "0", "-1"], "*1\r\n$1\r\nc\r\n");
}

/// A key that turns into another type (a list pushed to) leaves a
/// blocked BZPOPMIN waiting, as in Redis, rather than failing it.
#[test]
fn blocked_zpop_ignores_a_key_of_another_type() {
    let srv = Server::start();
    let mut waiter = srv.conn();
    let mut other = srv.conn();
    waiter.send_cmd(&["BZPOPMIN", "k", "0"]);
    wait_blocked(&mut other, 1);
    other.cmd(&["LPUSH", "k", "x"]);
    other.expect(&["PING"], "+PONG\r\n");
    wait_blocked(&mut other, 1);
    other.cmd(&["DEL", "k"]);
    other.expect(&["ZADD", "k", "1", "m"], ":1\r\n");
    assert_eq!(
        show(&waiter.read_reply()),
        show(b"*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n1\r\n")
    );
}

#[test]
fn blocking_pops_time_out_with_a_null_array() {
    let srv = Server::start();
    let mut c = srv.conn();
    let start = Instant::now();
    c.expect(&["BZPOPMIN", "z", "0.2"], "*-1\r\n");
    assert!(start.elapsed() >= Duration::from_millis(190));
    c.expect(&["BZMPOP", "0.05", "1", "z", "MIN"], "*-1\r\n");
    c.cmd(&["HELLO", "3"]);
    c.expect(&["BZPOPMAX", "z", "0.05"], "_\r\n");
}

// ---------------------------------------------------------------------------
// Persistence
// ---------------------------------------------------------------------------

/// Every sorted set's contents and encoding.
fn zdump(c: &mut Conn) -> Vec<(String, String, String)> {
    let Value::Array(keys) = c.value(&["KEYS", "*"]) else {
        panic!()
    };
    let mut out: Vec<(String, String, String)> = keys
        .into_iter()
        .map(|k| {
            let k = String::from_utf8(k.as_bytes().unwrap().to_vec()).unwrap();
            let range = show(&c.cmd(&["ZRANGE", &k, "0", "-1", "WITHSCORES"]));
            let enc = show(&c.cmd(&["OBJECT", "ENCODING", &k]));
            (k, range, enc)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn aof_rewrite_and_restart_keep_sorted_sets() {
    let dir = TempDir::new("zset-aof");
    let before = {
        let srv = Server::start_in(dir.path(), &[]);
        let mut c = srv.conn();
        c.cmd(&[
            "ZADD", "small", "1.5", "a", "-inf", "b", "inf", "c", "0.1", "d",
        ]);
        for i in 0..300 {
            c.cmd(&[
                "ZADD",
                "big",
                &format!("{}", f64::from(i) / 3.0),
                &format!("m{i}"),
            ]);
        }
        c.cmd(&["ZADD", "long", "2", &"L".repeat(100)]);
        c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "0"]);
        c.cmd(&["ZADD", "negzero", "-0", "z"]);
        c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "128"]);
        c.cmd(&["ZADD", "ttl", "1", "x"]);
        c.cmd(&["EXPIRE", "ttl", "1000"]);
        c.expect(
            &["BGREWRITEAOF"],
            "+Background append only file rewriting started\r\n",
        );
        assert!(wait_until(Duration::from_secs(20), || {
            info_field(&mut c, "aof_rewrite_in_progress") == "0"
        }));
        // After the rewrite: changes land in the new incr file.
        c.cmd(&["ZINCRBY", "small", "1", "a"]);
        c.cmd(&["ZPOPMIN", "big", "2"]);
        c.cmd(&[
            "ZUNIONSTORE",
            "union",
            "2",
            "small",
            "big",
            "WEIGHTS",
            "2",
            "1",
        ]);
        c.cmd(&["ZREMRANGEBYSCORE", "big", "(50", "+inf"]);
        let mut w = srv.conn();
        w.send_cmd(&["BZPOPMIN", "served", "0"]);
        wait_blocked(&mut c, 1);
        c.cmd(&["ZADD", "served", "1", "p", "2", "q"]);
        w.read_reply();
        let d = zdump(&mut c);
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
        d
    };
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    let after = zdump(&mut c);
    let without_negzero = |d: Vec<(String, String, String)>| -> Vec<_> {
        d.into_iter().filter(|(k, _, _)| k != "negzero").collect()
    };
    assert!(
        without_negzero(after) == without_negzero(before),
        "sorted sets differ after restart"
    );
    // Replayed into a new key, a one-element set is a listpack, which
    // stores -0 as 0: as Redis does with the same AOF.
    c.expect(&["ZSCORE", "negzero", "z"], "$1\r\n0\r\n");
    c.expect(&["OBJECT", "ENCODING", "negzero"], "$8\r\nlistpack\r\n");
    c.expect(&["ZRANGE", "served", "0", "-1"], "*1\r\n$1\r\nq\r\n");
    let ttl = c.value(&["TTL", "ttl"]);
    assert!(matches!(ttl, Value::Int(t) if t > 900));
}

// ---------------------------------------------------------------------------
// Differential against redis-server
// ---------------------------------------------------------------------------

/// Hand-picked edge cases, in RESP2 and RESP3.
#[test]
fn scripted_edge_cases_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let script: &[&[&str]] = &[
        &[
            "ZADD", "z", "1", "a", "2", "b", "2", "c", "inf", "d", "-inf", "e", "1.5", "f", "-0",
            "g",
        ],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZRANGEBYSCORE", "z", "-inf", "+inf"],
        &["ZRANGEBYSCORE", "z", "(-inf", "(+inf"],
        &["ZRANGEBYSCORE", "z", "(1", "(2"],
        &["ZRANGEBYSCORE", "z", "(2", "2"],
        &["ZRANGEBYSCORE", "z", "2", "(2"],
        &["ZRANGEBYSCORE", "z", "", "("],
        &["ZRANGEBYSCORE", "z", " 1", "1e999"],
        &["ZRANGEBYSCORE", "z", "0x1", "0x2"],
        &["ZRANGEBYSCORE", "z", "1 ", "2"],
        &[
            "ZRANGEBYSCORE",
            "z",
            "-inf",
            "inf",
            "LIMIT",
            "2",
            "3",
            "WITHSCORES",
        ],
        &["ZRANGEBYSCORE", "z", "-inf", "inf", "LIMIT", "100", "3"],
        &["ZRANGEBYSCORE", "z", "-inf", "inf", "LIMIT", "0", "0"],
        &["ZRANGEBYSCORE", "z", "-inf", "inf", "LIMIT", "-1", "3"],
        &["ZRANGEBYSCORE", "z", "-inf", "inf", "LIMIT", "1", "-5"],
        &["ZRANGEBYSCORE", "z", "-inf", "inf", "LIMIT", "x", "1"],
        &[
            "ZREVRANGEBYSCORE",
            "z",
            "+inf",
            "-inf",
            "WITHSCORES",
            "LIMIT",
            "1",
            "2",
        ],
        &["ZREVRANGEBYSCORE", "z", "-inf", "+inf"],
        &[
            "ZRANGE",
            "z",
            "+inf",
            "(1",
            "BYSCORE",
            "REV",
            "LIMIT",
            "1",
            "10",
            "WITHSCORES",
        ],
        &["ZRANGE", "z", "-3", "-1", "REV", "WITHSCORES"],
        &["ZRANGE", "z", "0", "-1", "BYLEX"],
        &["ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES", "WITHSCORES"],
        &["ZREVRANGE", "z", "0", "-1", "REV"],
        &[
            "ZREVRANGE",
            "z",
            "9223372036854775807",
            "-9223372036854775808",
        ],
        &["ZCOUNT", "z", "(-inf", "+inf"],
        &["ZCOUNT", "z", "[1", "2"],
        &["ZRANGEBYLEX", "z", "-", "+"],
        &["ZRANGEBYLEX", "z", "[b", "(f"],
        &["ZRANGEBYLEX", "z", "(a", "+", "LIMIT", "1", "2"],
        &["ZREVRANGEBYLEX", "z", "(f", "[b"],
        &["ZLEXCOUNT", "z", "[b", "[f"],
        &["ZLEXCOUNT", "z", "-", "-"],
        &["ZLEXCOUNT", "z", "+", "+"],
        &["ZLEXCOUNT", "z", "[a", "[a"],
        &["ZLEXCOUNT", "z", "(a", "[a"],
        &["ZRANGEBYLEX", "z", "", "+"],
        &["ZRANGEBYLEX", "z", "-x", "+"],
        &[
            "ZADD", "lex", "0", "a", "0", "aa", "0", "ab", "0", "b", "0", "", "0", "\u{ff}",
        ],
        &["ZRANGEBYLEX", "lex", "[a", "(b"],
        &["ZRANGEBYLEX", "lex", "(a", "[ab"],
        &["ZRANGEBYLEX", "lex", "[", "(a"],
        &["ZREVRANGEBYLEX", "lex", "+", "(aa", "LIMIT", "0", "2"],
        &["ZRANGE", "lex", "[aa", "-", "BYLEX", "REV"],
        &["ZREMRANGEBYLEX", "lex", "(a", "[b"],
        &["ZRANGE", "lex", "0", "-1"],
        &[
            "ZRANGESTORE",
            "dst",
            "z",
            "(1",
            "inf",
            "BYSCORE",
            "LIMIT",
            "1",
            "2",
        ],
        &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        &["ZRANGESTORE", "dst", "z", "[b", "[d", "BYLEX", "REV"],
        &["ZRANGESTORE", "dst", "z", "5", "1"],
        &["EXISTS", "dst"],
        &["ZADD", "w1", "1", "a", "2", "b", "3", "c"],
        &["ZADD", "w2", "4", "b", "5", "c", "6", "d"],
        &["ZADD", "w3", "0.1", "c", "0.2", "d"],
        &["ZUNION", "3", "w1", "w2", "w3", "WITHSCORES"],
        &[
            "ZUNION",
            "3",
            "w1",
            "w2",
            "w3",
            "WEIGHTS",
            "1",
            "-1",
            "0.5",
            "WITHSCORES",
        ],
        &[
            "ZUNION",
            "3",
            "w1",
            "w2",
            "w3",
            "AGGREGATE",
            "MIN",
            "WITHSCORES",
        ],
        &[
            "ZUNION",
            "3",
            "w1",
            "w2",
            "w3",
            "AGGREGATE",
            "MAX",
            "WEIGHTS",
            "2",
            "2",
            "2",
            "WITHSCORES",
        ],
        &["ZINTER", "2", "w1", "w2", "WITHSCORES"],
        &[
            "ZINTER",
            "3",
            "w1",
            "w2",
            "w3",
            "AGGREGATE",
            "MIN",
            "WITHSCORES",
        ],
        &[
            "ZINTER",
            "2",
            "w1",
            "w1",
            "WEIGHTS",
            "1",
            "inf",
            "WITHSCORES",
        ],
        &["ZINTER", "2", "z", "z", "WEIGHTS", "0", "1", "WITHSCORES"],
        &["ZUNION", "2", "z", "w1", "WEIGHTS", "0", "-1", "WITHSCORES"],
        &["ZDIFF", "2", "w1", "w2", "WITHSCORES"],
        &["ZDIFF", "3", "w2", "w1", "nokey", "WITHSCORES"],
        &["ZINTERCARD", "3", "w1", "w2", "w3"],
        &["ZINTERCARD", "2", "w1", "w2", "LIMIT", "0"],
        &["ZINTERCARD", "2", "w1", "w2", "LIMIT", "x"],
        &["ZINTERCARD", "0", "w1"],
        &["ZUNIONSTORE", "u", "2", "w1", "w2", "WEIGHTS", "0.1", "0.2"],
        &["ZRANGE", "u", "0", "-1", "WITHSCORES"],
        &["ZINTERSTORE", "u", "2", "w1", "nokey"],
        &["EXISTS", "u"],
        &["ZDIFFSTORE", "u", "2", "w2", "w1"],
        &["ZRANGE", "u", "0", "-1", "WITHSCORES"],
        &["ZUNION", "1", "w1", "WEIGHTS", "1", "AGGREGATE"],
        &["ZUNION", "1", "w1", "WEIGHTS", "nan"],
        &["ZUNION", "2", "w1"],
        &["ZUNION", "-1", "w1"],
        &["ZMPOP", "3", "nokey", "w3", "w1", "MAX", "COUNT", "1"],
        &["ZMPOP", "1", "w3", "min", "count", "1", "count", "1"],
        &["ZMPOP", "1", "w3", "MIN", "COUNT"],
        &["ZMPOP", "x", "w3", "MIN"],
        &["BZMPOP", "0", "0", "w3", "MIN"],
        &["BZMPOP", "x", "1", "w3", "MIN"],
        &["BZMPOP", "0", "1", "w3", "MIN", "COUNT", "-1"],
        &["BZPOPMIN", "nokey", "w1", "0"],
        &["BZPOPMAX", "w2", "0"],
        &["ZPOPMIN", "w2", "100"],
        &["ZPOPMAX", "w2", "x"],
        &["ZRANDMEMBER", "w1", "0"],
        &["ZRANDMEMBER", "w1", "100", "WITHSCORES"],
        &["ZRANDMEMBER", "w1", "x"],
        &["ZSCAN", "z", "0"],
        &["ZSCAN", "z", "0", "MATCH", "*[a-c]*", "COUNT", "1"],
        &["ZSCAN", "z", "0", "TYPE", "zset"],
        &["ZSCAN", "z", "0", "MATCH"],
        &["ZADD", "z", "INCR", "inf", "a"],
        &["ZINCRBY", "z", "-inf", "a"],
        &["ZINCRBY", "z", "-inf", "d"],
        &["ZINCRBY", "z", "abc", "d"],
        &["ZINCRBY", "z", "1e-310", "new"],
        &["ZSCORE", "z", "new"],
        &["ZADD", "z", "1e-400", "x"],
        &["ZADD", "z", "-0x1p-3", "x"],
        &["ZSCORE", "z", "x"],
        &["ZRANK", "z", "x"],
        &["ZREVRANK", "z", "x"],
        &["ZREMRANGEBYRANK", "z", "1", "x"],
        &["ZREMRANGEBYRANK", "z", "-100", "1"],
        &["ZREMRANGEBYSCORE", "z", "(1.5", "inf"],
        &["ZREMRANGEBYLEX", "z", "[a", "x"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["SADD", "s1", "a", "b", "c", "1", "2"],
        &["SADD", "s2", "b", "c", "d"],
        &["SADD", "si", "1", "2", "3"],
        &["ZADD", "zs", "1", "a", "2", "b", "5", "d", "0.5", "1"],
        &["ZUNION", "3", "zs", "s1", "s2", "WITHSCORES"],
        &["ZINTER", "2", "s1", "zs", "WITHSCORES"],
        &[
            "ZINTER",
            "3",
            "zs",
            "s1",
            "s2",
            "WEIGHTS",
            "2",
            "3",
            "4",
            "AGGREGATE",
            "MAX",
            "WITHSCORES",
        ],
        &["ZDIFF", "2", "s1", "zs", "WITHSCORES"],
        &["ZDIFF", "2", "zs", "s2", "WITHSCORES"],
        &[
            "ZUNIONSTORE",
            "fromset",
            "2",
            "si",
            "zs",
            "WEIGHTS",
            "1",
            "2",
        ],
        &["ZRANGE", "fromset", "0", "-1", "WITHSCORES"],
        &["ZINTERCARD", "2", "s1", "s2"],
        &["ZINTERSTORE", "fromset", "2", "s1", "s2"],
        &["ZRANGE", "fromset", "0", "-1", "WITHSCORES"],
        &["ZRANGE", "s1", "0", "-1"],
        &["SET", "str", "v"],
        &["ZRANGE", "str", "0", "-1"],
        &["ZRANGE", "str", "0", "-1", "LIMIT", "1", "1"],
        &["ZCARD", "str"],
        &["ZSCORE", "str", "a"],
        &["ZMSCORE", "str", "a"],
        &["ZREM", "str", "a"],
        &["ZPOPMIN", "str"],
        &["ZRANDMEMBER", "str"],
        &["ZSCAN", "str", "0"],
        &["ZUNIONSTORE", "str", "1", "w1"],
        &["TYPE", "str"],
    ];
    for cmd in script {
        p.check_str(cmd);
    }
    p.check_dataset();
    // RESP3: doubles and nested pairs.
    p.cin.cmd(&["HELLO", "3"]);
    p.red.cmd(&["HELLO", "3"]);
    let resp3: &[&[&str]] = &[
        &["ZADD", "r", "1", "a", "2.5", "b", "inf", "c"],
        &["ZRANGE", "r", "0", "-1", "WITHSCORES"],
        &["ZRANGE", "r", "0", "-1"],
        &["ZREVRANGEBYSCORE", "r", "+inf", "-inf", "WITHSCORES"],
        &["ZSCORE", "r", "b"],
        &["ZSCORE", "r", "nope"],
        &["ZMSCORE", "r", "a", "nope"],
        &["ZINCRBY", "r", "1", "a"],
        &["ZADD", "r", "XX", "INCR", "1", "nope"],
        &["ZUNION", "1", "r", "WITHSCORES"],
        &["ZINTER", "1", "r", "WITHSCORES"],
        &["ZDIFF", "1", "r", "WITHSCORES"],
        &["ZRANDMEMBER", "r", "10", "WITHSCORES"],
        &["ZSCAN", "r", "0"],
        &["ZPOPMIN", "r"],
        &["ZPOPMIN", "r", "1"],
        &["ZMPOP", "1", "r", "MAX"],
        &["ZMPOP", "1", "r", "MAX"],
        &["BZPOPMIN", "r", "0.01"],
        &["BZMPOP", "0.01", "1", "r", "MIN"],
        &["ZRANK", "r", "nope"],
    ];
    for cmd in resp3 {
        p.check_str(cmd);
    }
}

const KEYS: &[&str] = &["z0", "z1", "z2", "z3"];
/// Inputs of unions and intersections: sorted sets and a plain set.
const SOURCES: &[&str] = &["z0", "z1", "z2", "z3", "s0"];
const MEMBERS: &[&str] = &["m0", "m1", "m2", "m3", "m4", "m5", "m6"];
const SCORES: &[&str] = &[
    "0", "1", "2", "-1", "1.5", "-2.25", "0.1", "3", "10", "inf", "-inf", "+inf", "-0", "1e3",
];
const BAD_SCORES: &[&str] = &["abc", "nan", "", " 1", "1e400"];
const SCORE_BOUNDS: &[&str] = &[
    "-inf", "+inf", "0", "1", "(1", "(0", "2", "(2.5", "-1", "(-inf", "10", "abc", "(", "",
];
const LEX_BOUNDS: &[&str] = &[
    "-", "+", "[m1", "(m1", "[m3", "(m4", "[m6", "(m0", "m2", "[", "(",
];
const RANKS: &[&str] = &["0", "1", "2", "-1", "-2", "5", "-10", "100", "x"];

/// One random sorted-set command. In skiplist mode (tiny listpack
/// limit) lexicographic commands go only to `zl`, whose scores are all
/// 0: Redis answers them by descending the skiplist, which with mixed
/// scores depends on its random levels.
fn random_zcommand(g: &mut Gen, skiplist_mode: bool) -> (Vec<String>, Cmp) {
    let k = g.pick(KEYS);
    let k2 = g.pick(KEYS);
    let m = g.pick(MEMBERS);
    let m2 = g.pick(MEMBERS);
    let s = if g.chance(4) {
        g.pick(BAD_SCORES)
    } else {
        g.pick(SCORES)
    };
    let s2 = g.pick(SCORES);
    let lk = if skiplist_mode { "zl" } else { k };
    let sb = |g: &mut Gen| g.pick(SCORE_BOUNDS);
    let lb = |g: &mut Gen| g.pick(LEX_BOUNDS);
    let mut cmp = Cmp::Exact;
    let mut cmd: Vec<&str> = match g.next() % 40 {
        0..=4 => vec!["ZADD", k, s, m, s2, m2],
        5 => vec![
            "ZADD",
            k,
            g.pick(&["NX", "XX", "GT", "LT", "CH", "INCR"]),
            s,
            m,
        ],
        6 => vec![
            "ZADD",
            k,
            g.pick(&["NX", "XX", "GT", "LT"]),
            g.pick(&["CH", "INCR", "GT", "XX"]),
            s,
            m,
        ],
        7 => vec!["ZINCRBY", k, s, m],
        8 => vec!["ZADD", "zl", "0", m, "0", m2],
        9 => vec!["ZSCORE", k, m],
        10 => vec!["ZMSCORE", k, m, m2],
        11 => vec!["ZCARD", k],
        12 => vec!["ZRANK", k, m],
        13 => vec!["ZREVRANK", k, m],
        14 => vec!["ZCOUNT", k, sb(g), sb(g)],
        15 => vec!["ZLEXCOUNT", lk, lb(g), lb(g)],
        16 => vec!["ZRANGE", k, g.pick(RANKS), g.pick(RANKS)],
        17 => vec!["ZREVRANGE", k, g.pick(RANKS), g.pick(RANKS), "WITHSCORES"],
        18 => vec!["ZRANGEBYSCORE", k, sb(g), sb(g), "WITHSCORES"],
        19 => vec![
            "ZREVRANGEBYSCORE",
            k,
            sb(g),
            sb(g),
            "LIMIT",
            g.pick(RANKS),
            g.pick(RANKS),
        ],
        20 => vec!["ZRANGEBYLEX", lk, lb(g), lb(g)],
        21 => vec![
            "ZREVRANGEBYLEX",
            lk,
            lb(g),
            lb(g),
            "LIMIT",
            g.pick(RANKS),
            g.pick(RANKS),
        ],
        22 => vec![
            "ZRANGE",
            k,
            sb(g),
            sb(g),
            "BYSCORE",
            "REV",
            "LIMIT",
            g.pick(RANKS),
            g.pick(RANKS),
        ],
        23 => vec!["ZRANGESTORE", k2, k, g.pick(RANKS), g.pick(RANKS)],
        24 => vec!["ZREM", k, m, m2],
        25 => vec!["ZREMRANGEBYRANK", k, g.pick(RANKS), g.pick(RANKS)],
        26 => vec!["ZREMRANGEBYSCORE", k, sb(g), sb(g)],
        27 => vec!["ZREMRANGEBYLEX", lk, lb(g), lb(g)],
        28 => vec![
            g.pick(&["ZPOPMIN", "ZPOPMAX"]),
            k,
            g.pick(&["1", "2", "0", "-1", "x", "100"]),
        ],
        29 => vec!["ZPOPMIN", k],
        30 => vec![
            "ZMPOP",
            "2",
            k,
            k2,
            g.pick(&["MIN", "MAX", "BAD"]),
            "COUNT",
            g.pick(&["1", "3", "0"]),
        ],
        31 => vec![g.pick(&["BZPOPMIN", "BZPOPMAX"]), k, k2, "0.001"],
        32 => vec![
            g.pick(&["ZUNIONSTORE", "ZINTERSTORE"]),
            k2,
            "2",
            k,
            g.pick(SOURCES),
            "WEIGHTS",
            g.pick(&["1", "2", "-1", "0", "0.5", "inf"]),
            g.pick(&["1", "-0.5", "3"]),
            "AGGREGATE",
            g.pick(&["SUM", "MIN", "MAX"]),
        ],
        33 => vec![
            g.pick(&["ZUNION", "ZINTER", "ZDIFF"]),
            "2",
            k,
            k2,
            "WITHSCORES",
        ],
        34 => vec!["ZDIFFSTORE", k2, "2", k, g.pick(KEYS)],
        35 => vec!["ZINTERCARD", "2", k, k2, "LIMIT", g.pick(&["0", "1", "2"])],
        36 => {
            cmp = Cmp::Shape;
            vec!["ZRANDMEMBER", k, g.pick(&["-3", "2", "1"])]
        }
        37 => vec!["ZRANDMEMBER", k, "100", "WITHSCORES"],
        38 if skiplist_mode => vec!["ZCARD", k],
        38 => vec!["ZSCAN", k, "0", "MATCH", g.pick(&["*", "m[1-3]", "x*"])],
        _ => match g.next() % 5 {
            0 => vec!["SET", k, "str"],
            4 => vec!["SADD", "s0", m, g.pick(&["1", "2", "m1", "m5"])],
            1 => vec!["DEL", k],
            2 => vec!["OBJECT", "ENCODING", k],
            _ => vec!["TYPE", k],
        },
    };
    // Occasionally a trailing garbage argument.
    if g.chance(3) {
        cmd.push("BOGUS");
    }
    (cmd.into_iter().map(String::from).collect(), cmp)
}

/// Seeded random command streams over a small key space get identical
/// replies from both servers, in both encodings, and leave identical
/// datasets.
#[test]
fn random_commands_match_redis() {
    let seeds: Vec<u64> = seeds((1..=6).map(|i| 0x25E7_0000 + i * 104_729));
    let Some(mut p) = Pair::new() else { return };
    for seed in seeds {
        // Odd seeds turn almost every set into a skiplist.
        let skiplist_mode = seed % 2 == 1;
        p.check_str(&["FLUSHALL"]);
        let limit = if skiplist_mode { "2" } else { "128" };
        p.check_str(&["CONFIG", "SET", "zset-max-listpack-entries", limit]);
        let mut g = Gen(seed);
        for _ in 0..2000 {
            let (cmd, cmp) = random_zcommand(&mut g, skiplist_mode);
            let args: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
            p.check_with(&args, cmp);
        }
        p.check_dataset();
    }
}

/// Every write command of the group publishes the keyspace events Redis
/// does, in Redis's order: ZADD's options (`zadd`, or `zincr` with INCR,
/// only when a score changed), removals and pops (`del` after the
/// command's own event when the key empties), STORE destinations that
/// existed or not, no-ops and errors (nothing), and blocked pops served
/// by a later write.
#[test]
fn keyspace_events_match_redis() {
    let Some(mut p) = EventPair::new(EVENTS) else {
        return;
    };
    p.pair
        .quietly(EVENTS, &[&["MSET", "str", "x", "str2", "x"]]);
    let mut events = p.script(&[
        // ZADD and its options.
        &["ZADD", "z", "1", "a", "2", "b"],
        &["ZADD", "z", "1", "a"],
        &["ZADD", "z", "1", "a", "3", "c"],
        &["ZADD", "z", "XX", "5", "x"],
        &["ZADD", "z", "XX", "5", "a"],
        &["ZADD", "z", "NX", "9", "a"],
        &["ZADD", "z", "NX", "9", "d"],
        &["ZADD", "z", "GT", "1", "a"],
        &["ZADD", "z", "GT", "10", "a"],
        &["ZADD", "z", "LT", "20", "a"],
        &["ZADD", "z", "LT", "0", "a"],
        &["ZADD", "z", "CH", "0", "a"],
        &["ZADD", "z", "CH", "1", "a", "2", "b"],
        &["ZADD", "z", "XX", "GT", "CH", "7", "a", "1", "b", "5", "y"],
        &["ZADD", "z", "INCR", "1", "a"],
        &["ZADD", "z", "INCR", "0", "a"],
        &["ZADD", "z", "INCR", "XX", "1", "x"],
        &["ZADD", "z", "INCR", "NX", "1", "a"],
        &["ZADD", "z", "INCR", "GT", "-1", "a"],
        &["ZADD", "z", "INCR", "inf", "a"],
        &["ZADD", "z", "INCR", "-inf", "a"],
        &["ZADD", "z", "1", "a"],
        &["ZADD", "nz", "XX", "1", "a"],
        &["EXISTS", "nz"],
        &["ZADD", "nz", "GT", "1", "a"],
        &["ZADD", "nz2", "INCR", "LT", "4", "a"],
        &["ZADD", "z", "NX", "XX", "1", "a"],
        &["ZADD", "z", "GT", "LT", "1", "a"],
        &["ZADD", "z", "INCR", "1", "a", "2", "b"],
        &["ZADD", "z", "1", "a", "2"],
        &["ZADD", "z", "abc", "a"],
        &["ZADD", "z", "1", "e", "nan", "f"],
        &["ZADD", "str", "1", "a"],
        // ZINCRBY
        &["ZINCRBY", "z", "1", "a"],
        &["ZINCRBY", "z", "0", "a"],
        &["ZINCRBY", "nz3", "5", "a"],
        &["ZINCRBY", "z", "abc", "a"],
        &["ZINCRBY", "str", "1", "a"],
        // ZREM
        &["ZREM", "z", "x"],
        &["ZREM", "nokey", "a"],
        &["ZREM", "str", "a"],
        &["ZREM", "z", "a", "b", "x"],
        &["ZREM", "nz", "a"],
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZREM", "z", "c", "d", "y", "x"],
        &["EXISTS", "z"],
        // ZREMRANGEBY*: nothing in range, bad ranges, some, the rest.
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
        &["ZREMRANGEBYRANK", "z", "10", "20"],
        &["ZREMRANGEBYRANK", "z", "3", "1"],
        &["ZREMRANGEBYRANK", "z", "x", "1"],
        &["ZREMRANGEBYRANK", "nokey", "0", "-1"],
        &["ZREMRANGEBYRANK", "str", "0", "-1"],
        &["ZREMRANGEBYRANK", "z", "0", "0"],
        &["ZREMRANGEBYSCORE", "z", "100", "200"],
        &["ZREMRANGEBYSCORE", "z", "(2", "2"],
        &["ZREMRANGEBYSCORE", "z", "x", "2"],
        &["ZREMRANGEBYSCORE", "nokey", "-inf", "+inf"],
        &["ZREMRANGEBYSCORE", "z", "2", "3"],
        &["ZREMRANGEBYLEX", "z", "[x", "[y"],
        &["ZREMRANGEBYLEX", "z", "x", "y"],
        &["ZREMRANGEBYLEX", "nokey", "-", "+"],
        &["ZREMRANGEBYLEX", "str", "-", "+"],
        &["ZREMRANGEBYLEX", "z", "[d", "[d"],
        &["ZREMRANGEBYLEX", "z", "-", "+"],
        &["EXISTS", "z"],
        &["ZADD", "z", "1", "a", "2", "b"],
        &["ZREMRANGEBYSCORE", "z", "-inf", "+inf"],
        &["ZADD", "z", "1", "a", "2", "b"],
        &["ZREMRANGEBYRANK", "z", "0", "-1"],
        // Pops: count 0, missing keys, errors, some, the rest.
        &[
            "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ],
        &["ZPOPMIN", "z"],
        &["ZPOPMAX", "z", "0"],
        &["ZPOPMAX", "z", "-1"],
        &["ZPOPMAX", "z", "1", "2"],
        &["ZPOPMIN", "nokey"],
        &["ZPOPMAX", "nokey", "2"],
        &["ZPOPMIN", "str"],
        &["ZPOPMAX", "z", "2"],
        &["ZPOPMIN", "z", "5"],
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["ZMPOP", "2", "nokey", "z", "MIN"],
        &["ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "1"],
        &["ZMPOP", "1", "nokey", "MAX"],
        &["ZMPOP", "2", "str", "z", "MAX"],
        &["ZMPOP", "1", "z", "MAX", "COUNT", "0"],
        &["ZMPOP", "1", "z", "MIDDLE"],
        &["ZMPOP", "2", "z", "nokey", "MIN", "COUNT", "10"],
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["BZPOPMIN", "nokey", "z", "0"],
        &["BZPOPMAX", "z", "0"],
        &["BZPOPMAX", "str", "0"],
        &["BZPOPMIN", "nokey", "0.01"],
        &["BZPOPMIN", "z", "-1"],
        &["BZPOPMAX", "z", "0.01"],
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["BZMPOP", "0", "2", "nokey", "z", "MAX", "COUNT", "2"],
        &["BZMPOP", "0.01", "1", "nokey", "MIN"],
        &["BZMPOP", "0", "1", "z", "MIN", "COUNT", "2"],
        &["EXISTS", "z"],
        // ZRANGESTORE: new and existing destinations, empty selections
        // (deleting the destination or not), missing and wrong-type
        // sources, the source as its destination.
        &["ZADD", "src", "1", "a", "2", "b", "3", "c"],
        &["ZRANGESTORE", "d", "src", "0", "1"],
        &["ZRANGESTORE", "d", "src", "0", "-1"],
        &["ZRANGESTORE", "d", "src", "5", "6"],
        &["ZRANGESTORE", "d", "src", "5", "6"],
        &["ZRANGESTORE", "d", "src", "(1", "2", "BYSCORE", "REV"],
        &[
            "ZRANGESTORE",
            "d",
            "src",
            "+",
            "[b",
            "BYLEX",
            "REV",
            "LIMIT",
            "0",
            "1",
        ],
        &["ZRANGESTORE", "d", "nokey", "0", "-1"],
        &["ZRANGESTORE", "d", "nokey", "0", "-1"],
        &["ZRANGESTORE", "d", "str", "0", "-1"],
        &["ZRANGESTORE", "d", "src", "0", "-1", "WITHSCORES"],
        &["ZRANGESTORE", "d", "src", "0", "-1", "LIMIT", "0", "1"],
        &["ZRANGESTORE", "str2", "src", "0", "0"],
        &["TYPE", "str2"],
        &["ZRANGESTORE", "src", "src", "1", "-1"],
        &["ZRANGE", "src", "0", "-1", "WITHSCORES"],
        // ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, plain sets as inputs.
        &["ZADD", "x", "1", "a", "2", "b", "3", "c"],
        &["ZADD", "y", "5", "b", "6", "c", "7", "d"],
        &["SADD", "set", "c", "e"],
        &["ZUNIONSTORE", "d", "2", "x", "y"],
        &[
            "ZUNIONSTORE",
            "d",
            "3",
            "x",
            "y",
            "set",
            "WEIGHTS",
            "1",
            "2",
            "3",
        ],
        &["ZUNIONSTORE", "d", "1", "nokey"],
        &["ZUNIONSTORE", "d", "1", "nokey"],
        &["ZUNIONSTORE", "d", "2", "x", "str"],
        &["ZUNIONSTORE", "d", "0", "x"],
        &["ZUNIONSTORE", "d", "2", "x", "y", "AGGREGATE", "FOO"],
        &["ZUNIONSTORE", "d", "1", "x", "WITHSCORES"],
        &["ZINTERSTORE", "d", "2", "x", "y", "AGGREGATE", "MAX"],
        &["ZINTERSTORE", "d", "3", "x", "y", "set"],
        &["ZINTERSTORE", "d", "2", "x", "nokey"],
        &["ZINTERSTORE", "d", "2", "x", "nokey"],
        &["ZINTERSTORE", "d", "2", "set", "x"],
        &["ZINTERSTORE", "d", "2", "str", "x"],
        &["ZDIFFSTORE", "d", "2", "x", "y"],
        &["ZDIFFSTORE", "d", "2", "x", "x"],
        &["ZDIFFSTORE", "d", "2", "x", "x"],
        &["ZDIFFSTORE", "d", "2", "nokey", "x"],
        &["ZDIFFSTORE", "d", "2", "set", "x"],
        &["ZDIFFSTORE", "d", "2", "x", "str"],
        &["ZDIFFSTORE", "d", "1", "x", "WEIGHTS", "1"],
        &["ZUNIONSTORE", "str2", "1", "x"],
        &["ZINTERSTORE", "x", "2", "x", "y"],
        &["ZRANGE", "x", "0", "-1", "WITHSCORES"],
        // Reads publish nothing (but key misses).
        &["ZSCORE", "y", "b"],
        &["ZSCORE", "nokey", "b"],
        &["ZMSCORE", "y", "b", "x"],
        &["ZCARD", "nokey"],
        &["ZCOUNT", "y", "-inf", "+inf"],
        &["ZLEXCOUNT", "nokey", "-", "+"],
        &["ZRANK", "y", "d"],
        &["ZREVRANK", "nokey", "d"],
        &["ZRANGE", "y", "0", "-1"],
        &["ZRANGEBYSCORE", "nokey", "-inf", "+inf"],
        &["ZREVRANGEBYLEX", "y", "+", "-"],
        &["ZUNION", "2", "y", "nokey", "WITHSCORES"],
        &["ZINTER", "2", "y", "x"],
        &["ZDIFF", "2", "y", "x"],
        &["ZINTERCARD", "2", "y", "nokey"],
        &["ZRANDMEMBER", "x", "5", "WITHSCORES"],
        &["ZRANDMEMBER", "nokey", "2"],
        &["ZSCAN", "y", "0"],
        &["ZSCAN", "nokey", "0"],
        // Events name the client's database.
        &["SELECT", "1"],
        &["ZADD", "z", "1", "a", "2", "b"],
        &["ZINCRBY", "z", "1", "a"],
        &["ZRANGESTORE", "d", "z", "0", "0"],
        &["ZUNIONSTORE", "d", "1", "z"],
        &["ZPOPMIN", "z"],
        &["ZREM", "z", "a"],
        &["ZPOPMIN", "d"],
        &["SELECT", "0"],
    ]);
    let served = served_blocked_pops(&mut p);
    assert!(served >= 40, "only {served} events from served pops");
    events += served;
    assert!(events >= 250, "only {events} events");
}

/// Blocked pops served by a later write publish their pop events after
/// the write's, as in Redis; returns how many events were compared.
fn served_blocked_pops(p: &mut EventPair) -> usize {
    // (blocking command, the write that serves it); the key is emptied
    // after each.
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["BZPOPMIN", "bz", "0"],
            &["ZADD", "bz", "1", "a", "2", "b"],
        ),
        (&["BZPOPMAX", "other", "bz", "0"], &["ZADD", "bz", "3", "c"]),
        (&["BZPOPMIN", "bz", "0"], &["ZINCRBY", "bz", "1", "a"]),
        (
            &["BZMPOP", "0", "2", "nokey", "bz", "MAX", "COUNT", "5"],
            &["ZADD", "bz", "1", "a", "2", "b", "3", "c"],
        ),
        (
            &["BZMPOP", "0", "1", "bz", "MIN", "COUNT", "2"],
            &["ZADD", "bz", "1", "a", "2", "b", "3", "c"],
        ),
        (&["BZPOPMAX", "bz", "0"], &["ZUNIONSTORE", "bz", "1", "y"]),
        (
            &["BZPOPMIN", "bz", "0"],
            &["ZRANGESTORE", "bz", "y", "0", "0"],
        ),
    ];
    let mut events = 0;
    for &(block, write) in cases {
        let (mut cin, mut red) = p.pair.block_on_both(block, 1);
        events += p.check(write).len();
        let (a, b) = (cin.read_reply(), red.read_reply());
        assert_eq!(show(&a), show(&b), "served {block:?} after {write:?}");
        events += p.check(&["ZREMRANGEBYRANK", "bz", "0", "-1"]).len();
    }
    events
}

/// WATCH: every write command dooms a transaction watching a key it
/// changed, and only those; no-ops, errors, timed-out blocking pops and
/// keys only read leave the transaction alone, as in Redis.
#[test]
fn watch_invalidation_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["SET", "str", "x"]);
    // (watched key, command, whether the transaction still runs)
    let cases: &[(&str, &[&str], bool)] = &[
        ("z", &["ZADD", "z", "1", "a", "2", "b"], false),
        ("z", &["ZADD", "z", "1", "a"], true),
        ("z", &["ZADD", "z", "XX", "1", "c"], true),
        ("z", &["ZADD", "z", "NX", "5", "a"], true),
        ("z", &["ZADD", "z", "GT", "0", "a"], true),
        ("z", &["ZADD", "z", "LT", "0", "a"], false),
        ("z", &["ZADD", "z", "CH", "3", "a"], false),
        ("z", &["ZADD", "z", "INCR", "0", "a"], true),
        ("z", &["ZADD", "z", "INCR", "NX", "1", "a"], true),
        ("z", &["ZADD", "z", "INCR", "inf", "a"], false),
        ("z", &["ZADD", "z", "INCR", "-inf", "a"], true),
        ("z", &["ZADD", "z", "abc", "a"], true),
        ("z", &["ZADD", "z", "NX", "XX", "1", "a"], true),
        ("nz", &["ZADD", "nz", "XX", "1", "a"], true),
        ("nz", &["ZADD", "nz", "GT", "1", "a"], false),
        ("str", &["ZADD", "str", "1", "a"], true),
        ("z", &["ZINCRBY", "z", "1", "a"], true),
        ("z", &["ZINCRBY", "z", "1", "b"], false),
        ("z", &["ZINCRBY", "z", "0", "b"], true),
        ("nz2", &["ZINCRBY", "nz2", "0", "b"], false),
        // ZREM, ZREMRANGEBY*: only when something went.
        ("z", &["ZREM", "z", "x"], true),
        ("z", &["ZREM", "z", "a"], false),
        ("z", &["ZADD", "z", "1", "a", "2", "c", "3", "d"], false),
        ("z", &["ZREMRANGEBYRANK", "z", "5", "6"], true),
        ("z", &["ZREMRANGEBYSCORE", "z", "100", "200"], true),
        ("z", &["ZREMRANGEBYLEX", "z", "[x", "[y"], true),
        ("z", &["ZREMRANGEBYLEX", "z", "x", "y"], true),
        ("z", &["ZREMRANGEBYRANK", "z", "0", "0"], false),
        ("z", &["ZREMRANGEBYSCORE", "z", "2", "2"], false),
        ("z", &["ZREMRANGEBYLEX", "z", "-", "+"], false),
        ("z", &["ZREMRANGEBYLEX", "z", "-", "+"], true),
        // Pops: only when something was popped.
        ("z", &["ZPOPMIN", "z"], true),
        (
            "z",
            &["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"],
            false,
        ),
        ("z", &["ZPOPMIN", "z", "0"], true),
        ("z", &["ZPOPMIN", "z", "-1"], true),
        ("z", &["ZPOPMAX", "z"], false),
        ("z", &["ZMPOP", "1", "z", "MIN", "COUNT", "0"], true),
        ("z", &["ZMPOP", "2", "nokey", "z", "MIN"], false),
        ("z", &["BZPOPMIN", "z", "0"], false),
        ("z", &["BZMPOP", "0", "1", "z", "MAX", "COUNT", "9"], false),
        ("z", &["BZPOPMIN", "z", "0.01"], true),
        ("z", &["BZMPOP", "0.01", "1", "z", "MAX"], true),
        // STORE destinations: written, deleted, or (empty result, no
        // destination) untouched; sources are only read.
        ("src", &["ZADD", "src", "1", "a", "2", "b"], false),
        ("d", &["ZRANGESTORE", "d", "src", "0", "0"], false),
        ("src", &["ZRANGESTORE", "d", "src", "0", "0"], true),
        ("d", &["ZRANGESTORE", "d", "src", "5", "6"], false),
        ("d", &["ZRANGESTORE", "d", "src", "5", "6"], true),
        ("d", &["ZRANGESTORE", "d", "nokey", "0", "-1"], true),
        ("d", &["ZRANGESTORE", "d", "str", "0", "-1"], true),
        ("d", &["ZUNIONSTORE", "d", "1", "src"], false),
        ("src", &["ZUNIONSTORE", "d", "1", "src"], true),
        ("d", &["ZUNIONSTORE", "d", "1", "nokey"], false),
        ("d", &["ZUNIONSTORE", "d", "1", "nokey"], true),
        ("d", &["ZUNIONSTORE", "d", "1", "str"], true),
        ("d", &["ZINTERSTORE", "d", "2", "src", "src"], false),
        ("d", &["ZINTERSTORE", "d", "2", "src", "nokey"], false),
        ("d", &["ZINTERSTORE", "d", "2", "src", "nokey"], true),
        ("d", &["ZDIFFSTORE", "d", "1", "src"], false),
        ("d", &["ZDIFFSTORE", "d", "2", "src", "src"], false),
        ("d", &["ZDIFFSTORE", "d", "2", "src", "src"], true),
        ("str", &["ZUNIONSTORE", "str", "1", "src"], false),
        // Reads never touch.
        ("src", &["ZRANGE", "src", "0", "-1"], true),
        ("src", &["ZUNION", "1", "src"], true),
        ("src", &["ZINTERCARD", "1", "src"], true),
        ("src", &["ZRANDMEMBER", "src", "5"], true),
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
        &[&["ZADD", "z", "1", "a"], &["ZADD", "e", "1", "b"]],
        &["ZADD", "d", "1", "x"],
        &[
            &["ZUNIONSTORE", "d", "1", "nokey"],
            &["ZINTERSTORE", "d", "2", "z", "e"],
            &["ZDIFFSTORE", "d", "2", "z", "z"],
            &["ZRANGESTORE", "d", "nokey", "0", "-1"],
            &["ZRANGESTORE", "d", "z", "5", "6"],
            &["ZRANGESTORE", "d", "z", "0", "-1"],
            &["ZUNIONSTORE", "d", "2", "z", "e"],
        ],
    );
    assert!(events == 0 || events >= 25, "only {events} events");
}
