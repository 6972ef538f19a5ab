//! Sorted set commands: exact replies, encoding conversions, blocking
//! pops and persistence. Compared with redis-server: replies in
//! zset_differential.rs, keyspace events and WATCH in zset_events.rs.

use std::time::{Duration, Instant};

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
    c.expect(&["ZADD", "s", "1", "a"], WRONGTYPE);
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
    c.expect(&["ZUNION", "2", "a", "s", "WEIGHTS", "x"], WRONGTYPE);
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
    waiter.expect(&["BZPOPMIN", "str", "0"], WRONGTYPE);
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
