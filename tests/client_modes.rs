//! What a client sees in Redis's client modes, compared with redis-server
//! 7.0 (issue 19): pushes under CLIENT REPLY OFF|SKIP, CLIENT PAUSE (what
//! it holds, expiry, INFO), query buffers shrinking, SWAPDB waking
//! blocked clients, SLOWLOG and MONITOR showing commands as sent.

use std::time::Duration;

use crate::util::*;

/// One step of a two-client script: `A` commands go to the client under
/// test (whose replies are read only at barriers), `B` commands to a
/// helper whose replies are read at once.
enum Step {
    A(&'static [&'static str]),
    B(&'static [&'static str]),
    /// Everything client A received so far: its transcript is read up to
    /// a marker it sends with replies turned on for a moment.
    Barrier,
}

/// Runs `script` against the server at `addr` and returns the transcript
/// of both clients, readable: one line per B command, one per barrier
/// with what A received since the last.
fn transcript(addr: &str, resp: &str, script: &[Step]) -> Vec<String> {
    let (mut a, mut b) = (Conn::connect(addr), Conn::connect(addr));
    a.cmd(&["HELLO", resp]);
    // A lost push fails the test quickly.
    a.s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut log = Vec::new();
    for (i, step) in script.iter().enumerate() {
        match step {
            Step::A(cmd) => a.send_cmd(cmd),
            Step::B(cmd) => log.push(format!("B {cmd:?} -> {}", show(&b.cmd(cmd)))),
            Step::Barrier => {
                // A shard-channel confirmation is a push, which gets
                // through in either protocol and in subscribed mode.
                let marker = format!("barrier-{i}");
                a.send_cmd(&["SSUBSCRIBE", &marker]);
                let mut got = Vec::new();
                loop {
                    let r = a.read_reply();
                    if show(&r).contains(&marker) {
                        break;
                    }
                    got.push(show(&r));
                }
                log.push(format!("A {}", got.join(" | ")));
            }
        }
    }
    log
}

/// Runs `script` on both servers in protocol `resp` and compares.
#[track_caller]
fn same_transcripts(resp: &str, script: &[Step]) -> Option<Vec<String>> {
    let red = redis()?;
    let cin = Server::start();
    let ours = transcript(&format!("127.0.0.1:{}", cin.port()), resp, script);
    let theirs = transcript(&red.addr, resp, script);
    assert_eq!(ours.join("\n"), theirs.join("\n"), "RESP{resp}");
    Some(ours)
}

/// Issue 19: CLIENT REPLY OFF|SKIP drops replies but never pushes:
/// (un)subscribe confirmations, messages (also its own, published by
/// itself), tracking invalidations, in RESP3 and RESP2 alike.
#[test]
fn client_reply_off_keeps_pushes() {
    use Step::*;
    let script = [
        A(&["CLIENT", "REPLY", "OFF"]),
        A(&["SUBSCRIBE", "ch", "x"]),
        A(&["PSUBSCRIBE", "p*"]),
        Barrier,
        B(&["PUBLISH", "ch", "m1"]),
        B(&["PUBLISH", "pq", "m2"]),
        Barrier,
        A(&["PING"]),
        A(&["UNSUBSCRIBE", "ch"]),
        A(&["PUNSUBSCRIBE"]),
        Barrier,
        A(&["CLIENT", "REPLY", "SKIP"]),
        A(&["SUBSCRIBE", "y"]),
        A(&["PING", "after-skip"]),
        Barrier,
        A(&["UNSUBSCRIBE", "x", "y"]),
        A(&["UNSUBSCRIBE"]),
        Barrier,
    ];
    for resp in ["2", "3"] {
        let Some(log) = same_transcripts(resp, &script) else {
            return;
        };
        // The confirmations and messages did arrive.
        assert!(log[0].contains("psubscribe"), "{log:?}");
        assert!(log[3].contains("m2"), "{log:?}");
    }
    // RESP3 only: commands run while subscribed, and the client's own
    // messages and invalidations arrive around dropped replies.
    let script = [
        A(&["CLIENT", "REPLY", "OFF"]),
        A(&["CLIENT", "TRACKING", "ON"]),
        A(&["SUBSCRIBE", "me"]),
        A(&["GET", "k"]),
        Barrier,
        B(&["SET", "k", "v"]),
        Barrier,
        A(&["GET", "k"]),
        A(&["PUBLISH", "me", "own"]),
        A(&["SET", "k", "w"]),
        Barrier,
        A(&["MULTI"]),
        A(&["SUBSCRIBE", "tx"]),
        A(&["PUBLISH", "tx", "in-exec"]),
        A(&["EXEC"]),
        Barrier,
        A(&["CLIENT", "REPLY", "ON"]),
        A(&["CLIENT", "REPLY", "SKIP"]),
        A(&["SUBSCRIBE", "z"]),
        A(&["PING", "after-skip"]),
        Barrier,
    ];
    let Some(log) = same_transcripts("3", &script) else {
        return;
    };
    assert!(log[2].contains("invalidate"), "{log:?}");
    assert!(log[3].contains("own"), "{log:?}");
    assert!(log[5].contains("after-skip"), "{log:?}");
}

/// Issue 19: a RESP2 client that receives another's invalidations on
/// `__redis__:invalidate` gets them under CLIENT REPLY OFF too.
#[test]
fn client_reply_off_keeps_redirected_invalidations() {
    let Some(red) = redis() else { return };
    let cin = Server::start();
    let mut logs = Vec::new();
    for addr in [format!("127.0.0.1:{}", cin.port()), red.addr.clone()] {
        let (mut sink, mut t) = (Conn::connect(&addr), Conn::connect(&addr));
        sink.s
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        let id = String::from_utf8(sink.cmd(&["CLIENT", "ID"])).unwrap();
        let id = id.trim_start_matches(':').trim();
        sink.send_cmd(&["CLIENT", "REPLY", "OFF"]);
        sink.cmd(&["SUBSCRIBE", "__redis__:invalidate"]);
        t.expect(&["CLIENT", "TRACKING", "ON", "REDIRECT", id], "+OK\r\n");
        t.expect(&["GET", "k"], "$-1\r\n");
        t.expect(&["SET", "k", "1"], "+OK\r\n");
        logs.push(show(&sink.read_reply()));
    }
    assert_eq!(logs[0], logs[1]);
    assert!(logs[0].contains("__redis__:invalidate"), "{}", logs[0]);
}
