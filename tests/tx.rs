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
    assert!(wait_until(Duration::from_secs(5), || info_field(
        &mut c,
        "blocked_clients"
    ) == "1"));
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
