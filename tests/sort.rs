//! SORT and SORT_RO, differentially against redis-server.

use std::thread;
use std::time::Duration;

use crate::differential::{
    check_event_classes, listen, pending_events, same_replies, Cmp, EventPair, Pair,
};
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

// ---------------------------------------------------------------------------
// Keyspace events and WATCH
// ---------------------------------------------------------------------------

/// Keys to sort (and to sort by), created with [`Pair::quietly`]: sets,
/// sorted sets and strings belong to other files, whose events are
/// checked there.
const SETUP: &[&[&str]] = &[
    &["RPUSH", "l", "3", "1", "2"],
    &["SADD", "s", "5", "3", "9", "1"],
    &["ZADD", "z", "1", "c", "2", "a", "3", "b"],
    &[
        "MSET", "w_3", "30", "w_1", "10", "w_2", "20", "str", "v", "old", "x",
    ],
    &["RPUSH", "bad", "1", "x"],
];

/// SORT with and without STORE, onto new, existing and other-typed
/// destinations, with empty results, and failing.
const EVENT_SCRIPT: &[&[&str]] = &[
    &["SORT", "l", "STORE", "dst"],
    &["SORT", "l", "STORE", "dst"],
    &["SORT", "l", "DESC", "LIMIT", "0", "2", "STORE", "dst"],
    &["SORT", "s", "STORE", "dst"],
    &["SORT", "z", "BY", "nosort", "STORE", "dst"],
    &["SORT", "s", "BY", "nosort", "STORE", "sdst"],
    &[
        "SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*", "STORE", "dst",
    ],
    &["SORT", "l", "GET", "nokey_*", "STORE", "dst"],
    &["SORT", "l", "BY", "nosort", "STORE", "dst"],
    // An empty result deletes the destination, if there is one.
    &["SORT", "nokey", "STORE", "dst"],
    &["SORT", "nokey", "STORE", "dst"],
    &["SORT", "l", "LIMIT", "10", "5", "STORE", "old"],
    &["SORT", "l", "STORE", "str"],
    &["SORT", "l", "DESC", "STORE", "l"],
    // Reads, and errors, publish nothing.
    &["SORT", "l"],
    &["SORT_RO", "l", "ALPHA"],
    &["SORT", "str", "STORE", "dst"],
    &["SORT", "bad", "STORE", "dst"],
    &["SORT", "l", "STORE"],
    &["SORT", "l", "LIMIT", "x", "1", "STORE", "dst"],
    &["SORT_RO", "l", "STORE", "dst"],
    &["EXISTS", "dst"],
];

/// SORT ... STORE publishes what redis-server does, including for a
/// client blocked on the destination.
#[test]
fn keyspace_events_match_redis() {
    let Some(mut p) = EventPair::new("KEA") else {
        return;
    };
    p.pair.quietly("KEA", SETUP);
    let seen = p.script(EVENT_SCRIPT);
    assert!(seen >= 26, "only {seen} events");
    // A client blocked on the destination is served from the stored list.
    let mut waiters = [p.pair.block_on_both(&["BLPOP", "q", "0"], 1)];
    assert_eq!(p.check(&["SORT", "l", "STORE", "q"]).len(), 4);
    same_replies(&mut waiters);
}

/// Events are published under Redis's classes (`sortstore` is a list
/// event, `del` a generic one), and a created key's `new` event first.
#[test]
fn keyspace_event_classes_match_redis() {
    check_event_classes(&[("El", 11), ("Kg", 2), ("KEAn", 30)], |p, flags| {
        p.pair.quietly(flags, SETUP);
        p.script(EVENT_SCRIPT)
    });
}

/// The events of storing the sort of `src` into a key that has just
/// expired. With `retry` (a server whose active expiry is on), on the
/// first of several attempts where the key was still stored when SORT
/// ran, that is, where active expiry did not get there first.
fn store_onto_expired(c: &mut Conn, sub: &mut Conn, src: &str, retry: bool) -> Vec<String> {
    for i in 0..20 {
        let dst = format!("exp{i}{src}");
        assert_eq!(c.cmd(&["SET", &dst, "x", "PX", "1"]), b"+OK\r\n");
        // Only SORT's events count (SET's belong to the string tests).
        pending_events(c, sub);
        thread::sleep(Duration::from_millis(5));
        assert!(c.cmd(&["SORT", src, "STORE", &dst]).starts_with(b":"));
        let events: Vec<String> = pending_events(c, sub)
            .into_iter()
            .map(|e| e.replace(&dst, "DST"))
            .collect();
        // With an empty result an active expiry shows as `expired`.
        if !retry || src == "l" || !events.iter().any(|e| e.contains("expired")) {
            return events;
        }
    }
    panic!("active expiry always came first");
}

/// Storing onto a destination that has expired but is still stored: an
/// empty result deletes it without looking it up (`del`, as Redis's
/// `dbDelete`), a non-empty one expires it first (`expired`).
#[test]
fn store_onto_an_expired_destination_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["RPUSH", "l", "2", "1"]);
    p.check_str(&["CONFIG", "SET", "notify-keyspace-events", "Kgxl"]);
    // Keep active expiry out of the way: off here, rare in redis-server.
    assert_eq!(p.cin.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), b"+OK\r\n");
    assert_eq!(p.red.cmd(&["CONFIG", "SET", "hz", "1"]), b"+OK\r\n");
    let (mut cin_sub, mut red_sub) = p.extra_conns();
    listen(&mut cin_sub, "__keyspace@0__:*");
    listen(&mut red_sub, "__keyspace@0__:*");
    for src in ["nokey", "l"] {
        let a = store_onto_expired(&mut p.cin, &mut cin_sub, src, false);
        let b = store_onto_expired(&mut p.red, &mut red_sub, src, true);
        assert_eq!(a, b, "SORT {src} STORE onto an expired key");
        assert!(!a.is_empty(), "{a:?}");
    }
}

/// SORT ... STORE invalidates WATCH on its destination exactly when
/// redis-server does; the sorted key and the BY/GET keys are only read.
#[test]
fn watch_invalidation_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.quietly("", SETUP);
    let cases: &[(&str, &[&str])] = &[
        ("dst", &["SORT", "l", "STORE", "dst"]),
        ("dst", &["SORT", "l", "STORE", "dst"]),
        ("l", &["SORT", "l", "STORE", "dst"]),
        (
            "w_3",
            &["SORT", "l", "BY", "w_*", "GET", "w_*", "STORE", "dst"],
        ),
        ("dst", &["SORT", "s", "BY", "nosort", "STORE", "dst"]),
        ("dst", &["SORT", "l"]),
        ("dst", &["SORT_RO", "l"]),
        ("dst", &["SORT", "str", "STORE", "dst"]),
        ("dst", &["SORT", "bad", "STORE", "dst"]),
        ("dst", &["SORT", "l", "STORE"]),
        ("dst", &["SORT", "nokey", "STORE", "dst"]),
        ("dst", &["SORT", "nokey", "STORE", "dst"]),
        ("dst", &["SORT", "l", "LIMIT", "5", "1", "STORE", "dst"]),
        ("old", &["SORT", "l", "LIMIT", "5", "1", "STORE", "old"]),
        ("str", &["SORT", "z", "STORE", "str"]),
        ("l", &["SORT", "l", "DESC", "STORE", "l"]),
    ];
    let ran = p.check_watches(cases);
    assert!(
        ran >= 8 && ran <= cases.len() - 6,
        "{ran} of {}",
        cases.len()
    );
}
