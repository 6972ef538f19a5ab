//! Transactions: MULTI/EXEC/DISCARD, their interplay with blocking
//! commands, and how they are written to and loaded from the AOF.

use std::time::Duration;

use crate::differential::Pair;
use crate::util::*;

#[test]
fn transactions_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let script: &[&[&str]] = &[
        &["EXEC"],
        &["DISCARD"],
        &["MULTI"],
        &["MULTI"],
        &["SET", "a", "1"],
        &["INCR", "a"],
        &["GET", "a"],
        &["EXEC"],
        &["MULTI"],
        &["SET", "b", "x"],
        &["INCR", "b"],
        &["SET", "c", "y"],
        &["EXEC"],
        &["GET", "c"],
        &["MULTI"],
        &["SET", "d", "1"],
        &["NOSUCHCOMMAND"],
        &["GET"],
        &["EXEC"],
        &["EXISTS", "d"],
        &["MULTI"],
        &["SET", "e", "1"],
        &["DISCARD"],
        &["EXISTS", "e"],
        &["MULTI"],
        &["EXEC"],
        &["MULTI"],
        &["SELECT", "2"],
        &["SET", "in2", "v"],
        &["EXEC"],
        &["GET", "in2"],
        &["SELECT", "0"],
        &["MULTI"],
        &["BZPOPMIN", "nothing", "0"],
        &["BLPOP", "nothing", "0"],
        &["EXEC"],
    ];
    for c in script {
        p.check_str(c);
    }
    p.check_dataset();
}

#[test]
fn reset_leaves_multi() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["MULTI"], "+OK\r\n");
    c.expect(&["SET", "k", "v"], "+QUEUED\r\n");
    c.expect(&["RESET"], "+RESET\r\n");
    c.expect(&["EXEC"], "-ERR EXEC without MULTI\r\n");
    c.expect(&["EXISTS", "k"], ":0\r\n");
}

/// A push inside a transaction serves blocked clients only after EXEC:
/// commands later in the same transaction still see the pushed data.
#[test]
fn waiters_are_served_after_exec() {
    let srv = Server::start();
    let mut waiter = srv.conn();
    waiter.send(&multibulk(&[b"BZPOPMIN", b"z", b"0"]));
    let mut c = srv.conn();
    wait_blocked(&mut c, 1);
    c.expect(&["MULTI"], "+OK\r\n");
    c.expect(&["ZADD", "z", "1", "a"], "+QUEUED\r\n");
    c.expect(&["ZCARD", "z"], "+QUEUED\r\n");
    c.expect(&["EXEC"], "*2\r\n:1\r\n:1\r\n");
    assert_eq!(
        show(&waiter.read_reply()),
        show(b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n")
    );
    c.expect(&["ZCARD", "z"], ":0\r\n");
}

#[test]
fn transactions_are_logged_whole_and_replayed() {
    let dir = TempDir::new("tx-aof");
    {
        let srv = Server::start_in(dir.path(), &[]);
        let mut c = srv.conn();
        c.expect(&["MULTI"], "+OK\r\n");
        c.expect(&["SET", "a", "1"], "+QUEUED\r\n");
        c.expect(&["INCR", "n"], "+QUEUED\r\n");
        c.expect(&["EXEC"], "*2\r\n+OK\r\n:1\r\n");
        // Only reads: nothing to log.
        c.expect(&["MULTI"], "+OK\r\n");
        c.expect(&["GET", "a"], "+QUEUED\r\n");
        c.expect(&["EXEC"], "*1\r\n$1\r\n1\r\n");
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
    }
    let incr = std::fs::read_dir(dir.0.join("appendonlydir"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".incr.aof"))
        .unwrap();
    let log = String::from_utf8(std::fs::read(&incr).unwrap()).unwrap();
    assert_eq!(log.matches("MULTI").count(), 1, "{log}");
    assert_eq!(log.matches("EXEC").count(), 1, "{log}");
    assert!(log.find("MULTI").unwrap() < log.find("INCR").unwrap());
    // A transaction cut off by a crash (MULTI without EXEC) is dropped
    // whole, and the file is truncated where it began.
    let good = std::fs::metadata(&incr).unwrap().len();
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&incr)
            .unwrap();
        f.write_all(&multibulk(&[b"MULTI"])).unwrap();
        f.write_all(&multibulk(&[b"SET", b"half", b"1"])).unwrap();
    }
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    c.expect(&["GET", "a"], "$1\r\n1\r\n");
    c.expect(&["GET", "n"], "$1\r\n1\r\n");
    c.expect(&["EXISTS", "half"], ":0\r\n");
    assert_eq!(std::fs::metadata(&incr).unwrap().len(), good);
}

/// WATCH paths: nested errors, EXECABORT with watched keys, UNWATCH, and
/// every way a watched key can change, compared with redis-server.
#[test]
fn watch_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    let script: &[&[&str]] = &[
        &["WATCH"],
        &["UNWATCH", "x"],
        &["UNWATCH"],
        &["MULTI"],
        &["WATCH", "a"],
        &["SET", "a", "1"],
        &["EXEC"],
        &["GET", "a"],
        // A queueing error wins over WATCH, and unwatches.
        &["WATCH", "a"],
        &["MULTI"],
        &["NOSUCH"],
        &["EXEC"],
        &["WATCH", "a", "b", "a"],
        &["UNWATCH"],
        &["MULTI"],
        &["DISCARD"],
        &["WATCH", "a"],
        &["MULTI"],
        &["DISCARD"],
        &["EXEC"],
    ];
    for c in script {
        p.check_str(c);
    }
    // Changes by another client doom the transaction; untouched keys,
    // other databases and failed writes do not.
    p.check_str(&["SET", "k", "1"]);
    assert!(!p.check_watch("k", &["SET", "k", "2"]));
    assert!(
        !p.check_watch("k", &["SET", "k", "2"]),
        "same value still counts"
    );
    assert!(p.check_watch("k", &["SET", "other", "2"]));
    assert!(
        p.check_watch("k", &["LPUSH", "k", "x"]),
        "WRONGTYPE changes nothing"
    );
    assert!(!p.check_watch("k", &["EXPIRE", "k", "100"]));
    assert!(!p.check_watch("k", &["PERSIST", "k"]));
    assert!(!p.check_watch("k", &["RENAME", "k", "k2"]));
    assert!(!p.check_watch("k2", &["RENAME", "k2", "k"]));
    assert!(!p.check_watch("k", &["DEL", "k"]));
    assert!(p.check_watch("k", &["DEL", "k"]), "deleting nothing");
    assert!(
        p.check_watch("missing", &["FLUSHDB"]),
        "FLUSHDB of a missing key"
    );
    p.check_str(&["SET", "k", "1"]);
    assert!(!p.check_watch("k", &["FLUSHDB"]));
    p.check_str(&["SET", "k", "1"]);
    assert!(!p.check_watch("k", &["FLUSHALL"]));
    p.check_str(&["SELECT", "1"]);
    p.check_str(&["SET", "k", "in1"]);
    p.check_str(&["SELECT", "0"]);
    assert!(!p.check_watch("k", &["SWAPDB", "0", "1"]), "swapped in");
    assert!(!p.check_watch("k", &["SWAPDB", "0", "1"]), "swapped out");
    assert!(p.check_watch("k", &["SWAPDB", "0", "0"]));
    p.check_str(&["SELECT", "1"]);
    p.check_str(&["FLUSHDB"]);
    p.check_str(&["SELECT", "0"]);
    p.check_str(&["FLUSHDB"]);
    assert!(p.check_watch("k", &["SWAPDB", "0", "1"]), "both empty");
    p.check_dataset();
}

/// Redis 7: a watched key that expires before EXEC dooms the transaction
/// even if nothing deleted it; a key already expired when watched does
/// not, even when it is deleted meanwhile.
#[test]
fn watch_and_expiry_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    p.check_str(&["SET", "k", "v", "PX", "100"]);
    p.check_str(&["WATCH", "k"]);
    p.check_str(&["MULTI"]);
    p.check_str(&["PING"]);
    std::thread::sleep(Duration::from_millis(150));
    p.check_str(&["EXEC"]);
    // Watched while already expired (not yet collected), then collected by
    // another client's read: no logical change.
    p.check_str(&["SET", "e", "v", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(10));
    p.check_str(&["WATCH", "e"]);
    let mut other_c = p.cin_server().conn();
    let mut other_r = Conn::connect(&p.redis_addr());
    other_c.cmd(&["GET", "e"]);
    other_r.cmd(&["GET", "e"]);
    p.check_str(&["MULTI"]);
    p.check_str(&["PING"]);
    p.check_str(&["EXEC"]);
    // Collected by active expiry while watched: the transaction is doomed.
    p.check_str(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    p.check_str(&["SET", "a", "v", "PX", "50"]);
    p.check_str(&["WATCH", "a"]);
    assert!(wait_until(Duration::from_secs(5), || {
        p.cin.cmd(&["DBSIZE"]) == b":0\r\n" && p.red.cmd(&["DBSIZE"]) == b":0\r\n"
    }));
    p.check_str(&["MULTI"]);
    p.check_str(&["PING"]);
    p.check_str(&["EXEC"]);
}

/// Optimistic locking under contention: several clients increment one
/// counter with WATCH/GET/MULTI/SET/EXEC, retrying when EXEC fails. The
/// count must be exact, and some attempts must actually have collided.
#[test]
fn watch_race_counts_exactly() {
    let srv = Server::start();
    let addr = format!("127.0.0.1:{}", srv.port());
    const CLIENTS: usize = 8;
    const INCREMENTS: usize = 200;
    let handles: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut c = Conn::connect(&addr);
                let mut retries = 0;
                for _ in 0..INCREMENTS {
                    loop {
                        c.cmd(&["WATCH", "counter"]);
                        let n = match c.value(&["GET", "counter"]) {
                            Value::Bulk(b) => String::from_utf8(b).unwrap().parse().unwrap(),
                            _ => 0u64,
                        };
                        c.cmd(&["MULTI"]);
                        c.cmd(&["SET", "counter", &(n + 1).to_string()]);
                        if c.cmd(&["EXEC"]) != b"*-1\r\n" {
                            break;
                        }
                        retries += 1;
                    }
                }
                retries
            })
        })
        .collect();
    let retries: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let mut c = srv.conn();
    let want = (CLIENTS * INCREMENTS).to_string();
    c.expect(
        &["GET", "counter"],
        &format!("${}\r\n{want}\r\n", want.len()),
    );
    assert!(
        retries > 0,
        "no transaction ever collided: the test proves nothing"
    );
}

/// [1/9]: each command EXEC runs gets a call frame of its own. A CLIENT
/// NO-TOUCH caller's queued reads leave the LRU clock alone, the queued
/// TOUCH (the one command NO-TOUCH exempts) touches only its own key, and
/// nothing of it carries over to the read queued after it.
#[test]
fn nested_calls_get_frames_of_their_own() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.cmd(&["SET", "k", "v"]);
    c.cmd(&["SET", "j", "v"]);
    c.expect(&["DEBUG", "SLEEP", "1.1"], "+OK\r\n");
    c.expect(&["CLIENT", "NO-TOUCH", "on"], "+OK\r\n");
    c.expect(&["MULTI"], "+OK\r\n");
    for args in [&["GET", "k"][..], &["TOUCH", "j"], &["GET", "k"]] {
        c.expect(args, "+QUEUED\r\n");
    }
    c.expect(&["EXEC"], "*3\r\n$1\r\nv\r\n:1\r\n$1\r\nv\r\n");
    c.expect(&["CLIENT", "NO-TOUCH", "off"], "+OK\r\n");
    let idle = |c: &mut Conn, key: &str| match c.value(&["OBJECT", "IDLETIME", key]) {
        Value::Int(n) => n,
        other => panic!("{other:?}"),
    };
    assert!(
        idle(&mut c, "k") >= 1,
        "a NO-TOUCH read inside EXEC touched k"
    );
    assert_eq!(idle(&mut c, "j"), 0, "TOUCH inside EXEC did not touch j");
}

/// [1/9]: a tracking client's EXEC. Its own invalidations follow EXEC's
/// reply, and the keys read inside EXEC are remembered, as in Redis.
#[test]
fn tracking_inside_exec_matches_redis() {
    let Some(pair) = Pair::new() else {
        return;
    };
    let (mut a, mut ra) = pair.extra_conns();
    let (mut b, mut rb) = pair.extra_conns();
    let both = |x: &mut Conn, y: &mut Conn, args: &[&str]| {
        let (gx, gy) = (x.cmd(args), y.cmd(args));
        assert_eq!(show(&gx), show(&gy), "{args:?}");
    };
    for args in [
        &["HELLO", "3"][..],
        &["CLIENT", "TRACKING", "on"],
        &["GET", "k"],
    ] {
        let (gx, gy) = (a.cmd(args), ra.cmd(args));
        if args[0] != "HELLO" {
            assert_eq!(show(&gx), show(&gy), "{args:?}");
        }
    }
    both(&mut a, &mut ra, &["MULTI"]);
    for args in [&["SET", "k", "1"][..], &["GET", "k"], &["GET", "other"]] {
        both(&mut a, &mut ra, args);
    }
    // EXEC's reply, then the push invalidating k (its own write).
    a.send_cmd(&["EXEC"]);
    ra.send_cmd(&["EXEC"]);
    for _ in 0..2 {
        assert_eq!(show(&a.read_reply()), show(&ra.read_reply()));
    }
    // k and other were read inside EXEC: another client's writes
    // invalidate them.
    both(&mut b, &mut rb, &["MSET", "k", "2", "other", "3"]);
    let until_pong = |c: &mut Conn| {
        c.send_cmd(&["PING"]);
        let mut got = Vec::new();
        loop {
            let r = c.read_reply();
            let done = r == b"+PONG\r\n";
            got.push(show(&r));
            if done {
                return got;
            }
        }
    };
    let (got, want) = (until_pong(&mut a), until_pong(&mut ra));
    assert_eq!(got, want);
    assert_eq!(got.len(), 3, "two invalidations, then PONG: {got:?}");
}

/// Issue 19: a command flagged `no_multi` (SHUTDOWN) is refused when
/// queued, before the ACL check, and dooms the transaction; EXEC must not
/// run it (it used to shut the server down). WATCH and MULTI inside MULTI
/// keep their own errors.
#[test]
fn issue19_no_multi_commands_are_refused_inside_multi() {
    let Some(mut p) = Pair::new() else { return };
    let script: &[&[&str]] = &[
        &["MULTI"],
        &["SET", "a", "1"],
        &["SHUTDOWN"],
        &["SHUTDOWN", "NOSAVE"],
        &["SHUTDOWN", "no-such-option"],
        &["EXEC"],
        &["EXISTS", "a"],
        &["MULTI"],
        &["SHUTDOWN", "NOSAVE"],
        &["DISCARD"],
        &["MULTI"],
        &["MULTI"],
        &["WATCH", "a"],
        &["SHUTDOWN"],
        &["EXEC"],
        // A user who may not run SHUTDOWN: the no_multi error comes first.
        &[
            "ACL", "SETUSER", "u", "on", "nopass", "+multi", "+exec", "+set", "~*",
        ],
        &["AUTH", "u", "x"],
        &["MULTI"],
        &["SHUTDOWN"],
        &["SET", "b", "1"],
        &["EXEC"],
        &["AUTH", "default", "x"],
        &["ACL", "LOG"],
        &["EXISTS", "b"],
    ];
    for c in script {
        p.check_str(c);
    }
    for field in ["cmdstat_shutdown", "errorstat_ERR", "errorstat_EXECABORT"] {
        let cin = counts(&info_field(&mut p.cin, field));
        assert_eq!(cin, counts(&info_field(&mut p.red, field)), "{field}");
    }
    p.cin.expect(&["PING"], "+PONG\r\n");
}

/// Issue 19: EXEC refused before it runs (arity, ACL, the RESP2
/// subscriber context) discards the transaction and the watches, even
/// outside MULTI, and answers EXECABORT with the reason, as Redis's
/// `execCommandAbort`.
#[test]
fn issue19_refused_exec_aborts_the_transaction() {
    let Some(mut p) = Pair::new() else { return };
    let script: &[&[&str]] = &[
        &["EXEC", "x"],
        &["MULTI"],
        &["SET", "a", "1"],
        &["EXEC", "x"],
        &["EXEC"],
        &["EXISTS", "a"],
        // The watch goes too: a change of `w` no longer dooms EXEC.
        &["WATCH", "w"],
        &["EXEC", "x"],
        &["SET", "w", "1"],
        &["MULTI"],
        &["SET", "a", "2"],
        &["EXEC"],
        &[
            "ACL", "SETUSER", "v", "on", "nopass", "+@all", "-exec", "~*",
        ],
        &["AUTH", "v", "x"],
        &["MULTI"],
        &["SET", "b", "1"],
        &["EXEC"],
        &["EXEC"],
        &["AUTH", "default", "x"],
        &["EXISTS", "b"],
        &["SUBSCRIBE", "ch"],
        &["EXEC"],
        &["UNSUBSCRIBE"],
    ];
    for c in script {
        p.check_str(c);
    }
    // Unauthenticated: EXECABORT because of NOAUTH.
    p.check_str(&["CONFIG", "SET", "requirepass", "pw"]);
    let (mut cin, mut red) = p.extra_conns();
    for args in [&["EXEC"][..], &["MULTI"], &["AUTH", "pw"], &["EXEC", "x"]] {
        let (a, b) = (cin.cmd(args), red.cmd(args));
        assert_eq!(show(&a), show(&b), "{args:?} unauthenticated");
    }
    p.check_str(&["AUTH", "pw"]);
    p.check_str(&["CONFIG", "SET", "requirepass", ""]);
    for field in [
        "cmdstat_exec",
        "errorstat_EXECABORT",
        "errorstat_ERR",
        "errorstat_NOPERM",
    ] {
        let cin = counts(&info_field(&mut p.cin, field));
        assert_eq!(cin, counts(&info_field(&mut p.red, field)), "{field}");
    }
}

/// An INFO commandstats or errorstats line without its times.
fn counts(stat: &str) -> String {
    let kept = stat.split(',').filter(|f| !f.starts_with("usec"));
    kept.collect::<Vec<_>>().join(",")
}

/// Issue 19: the commands EXEC runs are not admitted again as at the top
/// level: a SUBSCRIBE queued before them does not refuse them, and an ACL
/// rule changed since they were queued refuses them with Redis's
/// `execCommand` message.
#[test]
fn issue19_exec_runs_what_it_queued() {
    let Some(mut p) = Pair::new() else { return };
    let script: &[&[&str]] = &[
        &["MULTI"],
        &["SUBSCRIBE", "ch"],
        &["SET", "x", "1"],
        &["GET", "x"],
        &["UNSUBSCRIBE"],
        &["EXEC"],
        &["ACL", "SETUSER", "w", "on", "nopass", "+@all", "~*", "&*"],
        &["AUTH", "w", "x"],
        &["MULTI"],
        &["GET", "x"],
        &["SET", "y", "1"],
        &["PUBLISH", "ch", "m"],
        &["INCR", "x"],
    ];
    for c in script {
        p.check_str(c);
    }
    let (mut cin, mut red) = p.extra_conns();
    for c in [&mut cin, &mut red] {
        c.expect(
            &[
                "ACL",
                "SETUSER",
                "w",
                "-get",
                "resetkeys",
                "~x",
                "resetchannels",
            ],
            "+OK\r\n",
        );
    }
    p.check_str(&["EXEC"]);
    p.check_str(&["AUTH", "default", "x"]);
    p.check_str(&["GET", "y"]);
    for field in [
        "cmdstat_get",
        "cmdstat_set",
        "cmdstat_publish",
        "cmdstat_exec",
    ] {
        let cin = counts(&info_field(&mut p.cin, field));
        assert_eq!(cin, counts(&info_field(&mut p.red, field)), "{field}");
    }
    for field in ["errorstat_NOPERM", "errorstat_ERR"] {
        assert_eq!(
            info_field(&mut p.cin, field),
            info_field(&mut p.red, field),
            "{field}"
        );
    }
}
