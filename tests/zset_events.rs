//! Sorted set commands against redis-server 7.0: the keyspace events
//! every write publishes (also for blocked pops served later and for
//! STOREs onto an expired destination), and which keys each command
//! touches for WATCH.

use crate::differential::{check_stores_onto_expired, EventPair, Pair, EVENTS};
use crate::util::*;

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
