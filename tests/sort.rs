//! SORT and SORT_RO, differentially against redis-server.

use crate::differential::{Cmp, Pair};
use crate::util::*;

#[test]
fn sort_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    let setup: &[&[&str]] = &[
        &["RPUSH", "l", "3", "1", "2", "10", "-5", "2.5"],
        &["RPUSH", "words", "banana", "apple", "cherry", "apple"],
        &["SADD", "s", "5", "3", "9", "1"],
        &["ZADD", "z", "1", "c", "2", "a", "3", "b"],
        &[
            "MSET", "w_3", "30", "w_1", "10", "w_2", "20", "w_10", "5", "w_-5", "50", "w_2.5", "1",
        ],
        &["HSET", "h_3", "f", "c3"],
        &["HSET", "h_1", "f", "c1"],
        &["MSET", "o_a", "x", "o_b", "y"],
        &["SET", "str", "v"],
        &["RPUSH", "bad", "1", "x"],
    ];
    for c in setup {
        p.check_str(c);
    }
    let cases: &[&[&str]] = &[
        &["SORT", "l"],
        &["SORT", "l", "DESC"],
        &["SORT", "l", "LIMIT", "1", "3"],
        &["SORT", "l", "LIMIT", "-1", "2"],
        &["SORT", "l", "LIMIT", "10", "2"],
        &["SORT", "l", "LIMIT", "2", "-1"],
        &["SORT", "l", "LIMIT", "x", "1"],
        &["SORT", "l", "BY", "w_*"],
        &["SORT", "l", "BY", "w_*", "DESC", "LIMIT", "0", "3"],
        &["SORT", "l", "BY", "nosort"],
        &["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
        &[
            "SORT",
            "l",
            "GET",
            "#",
            "GET",
            "w_*",
            "GET",
            "h_*->f",
            "GET",
            "missing_*",
        ],
        &["SORT", "l", "GET", "nostar"],
        &["SORT", "words", "ALPHA"],
        &["SORT", "words", "ALPHA", "DESC"],
        &["SORT", "words"],
        &["SORT", "bad"],
        &["SORT", "s"],
        &["SORT", "z"],
        &["SORT", "z", "ALPHA"],
        &["SORT", "z", "BY", "nosort"],
        &["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"],
        &["SORT", "z", "BY", "o_*", "ALPHA"],
        &["SORT", "str"],
        &["SORT", "nokey"],
        &["SORT", "l", "BOGUS"],
        &["SORT", "l", "STORE", "dst"],
        &["LRANGE", "dst", "0", "-1"],
        &["SORT", "s", "BY", "nosort", "STORE", "dst2"],
        &["LRANGE", "dst2", "0", "-1"],
        &["SORT", "l", "GET", "missing_*", "STORE", "dst3"],
        &["LRANGE", "dst3", "0", "-1"],
        &["SORT", "nokey", "STORE", "dst"],
        &["EXISTS", "dst"],
        &["SORT_RO", "l", "DESC"],
        &["SORT_RO", "l", "STORE", "x"],
    ];
    for c in cases {
        p.check_str(c);
    }
    // A set's natural order is its hash order: compare as a set.
    p.check_with(&[b"SORT", b"s", b"BY", b"nosort"], Cmp::Unordered);
    p.check_dataset();
}

#[test]
fn sort_store_is_persisted() {
    let dir = TempDir::new("sort-aof");
    {
        let srv = Server::start_in(dir.path(), &[]);
        let mut c = srv.conn();
        c.expect(&["RPUSH", "l", "3", "1", "2"], ":3\r\n");
        c.expect(&["SORT", "l", "STORE", "sorted"], ":3\r\n");
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
    }
    let srv = Server::start_in(dir.path(), &[]);
    srv.conn().expect(
        &["LRANGE", "sorted", "0", "-1"],
        "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n",
    );
}
