//! Pub/Sub: SUBSCRIBE and friends, PUBLISH, PUBSUB, RESP2 subscribed mode,
//! RESP3 pushes, fan-out, slow subscribers; keyspace notifications that
//! do not belong to one command group (expired, keymiss, new, flags).

use std::collections::BTreeSet;
use std::time::Duration;

use crate::differential::{EventPair, Pair};
use crate::util::*;

/// Sends `args` to both servers and compares the next `n` replies, as
/// sequences, or when `unordered` (UNSUBSCRIBE with no arguments walks a
/// hash table in both servers, so the names come in any order and the
/// counts follow that order) as a set of names and a list of counts.
#[track_caller]
fn both(p: &mut Pair, args: &[&str], n: usize, unordered: bool) {
    p.cin.send_cmd(args);
    p.red.send_cmd(args);
    let ours: Vec<Value> = (0..n).map(|_| p.cin.read_value()).collect();
    let theirs: Vec<Value> = (0..n).map(|_| p.red.read_value()).collect();
    if unordered {
        let split = |v: &[Value]| {
            let mut names = BTreeSet::new();
            let mut counts = Vec::new();
            for m in v {
                let Value::Array(m) = m else { panic!("{m:?}") };
                names.insert(format!("{:?} {:?}", m[0], m[1]));
                counts.push(format!("{:?}", m[2]));
            }
            (names, counts)
        };
        assert_eq!(
            split(&ours),
            split(&theirs),
            "replies to {args:?} (left: cinnabar)"
        );
    } else {
        assert_eq!(ours, theirs, "replies to {args:?} (left: cinnabar)");
    }
}

#[test]
fn subscribe_commands_and_subscribed_mode_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    both(&mut p, &["UNSUBSCRIBE"], 1, false);
    both(&mut p, &["PUNSUBSCRIBE"], 1, false);
    both(&mut p, &["SUNSUBSCRIBE"], 1, false);
    both(&mut p, &["SUBSCRIBE"], 1, false);
    both(&mut p, &["SUBSCRIBE", "a"], 1, false);
    // RESP2 subscribed mode: only (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET.
    for c in [
        &["GET", "x"][..],
        &["SET", "x", "1"],
        &["CONFIG", "GET", "port"],
        &["MULTI"],
        &["PUBLISH", "a", "m"],
        &["NOSUCH"],
        &["GET"],
    ] {
        both(&mut p, c, 1, false);
    }
    both(&mut p, &["PING"], 1, false);
    both(&mut p, &["PING", "hi"], 1, false);
    both(&mut p, &["SUBSCRIBE", "b", "a", "c"], 3, false);
    both(&mut p, &["PSUBSCRIBE", "p*", "q?"], 2, false);
    both(&mut p, &["SSUBSCRIBE", "s1", "s2"], 2, false);
    both(&mut p, &["UNSUBSCRIBE", "a", "nope"], 2, false);
    both(&mut p, &["UNSUBSCRIBE"], 2, true);
    both(&mut p, &["UNSUBSCRIBE"], 1, false);
    both(&mut p, &["PUNSUBSCRIBE", "q?"], 1, false);
    both(&mut p, &["GET", "x"], 1, false);
    both(&mut p, &["SUNSUBSCRIBE"], 2, true);
    both(&mut p, &["PUNSUBSCRIBE"], 1, false);
    // Out of subscribed mode: everything works again.
    both(&mut p, &["GET", "x"], 1, false);
    both(&mut p, &["PING"], 1, false);
    // Inside MULTI, SUBSCRIBE is queued and runs in EXEC.
    both(&mut p, &["MULTI"], 1, false);
    both(&mut p, &["SUBSCRIBE", "t"], 1, false);
    both(&mut p, &["EXEC"], 1, false);
    both(&mut p, &["RESET"], 1, false);
    both(&mut p, &["GET", "x"], 1, false);
}

#[test]
fn pubsub_introspection_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    let srv_addr = format!("127.0.0.1:{}", p.cin_server().port());
    let mut subs_c: Vec<Conn> = (0..3).map(|_| Conn::connect(&srv_addr)).collect();
    let mut subs_r: Vec<Conn> = (0..3).map(|_| Conn::connect(&p.redis_addr())).collect();
    for subs in [&mut subs_c, &mut subs_r] {
        subs[0].cmd(&["SUBSCRIBE", "news"]);
        subs[0].cmd(&["SUBSCRIBE", "sport"]);
        subs[1].cmd(&["SUBSCRIBE", "news"]);
        subs[1].cmd(&["PSUBSCRIBE", "n*"]);
        subs[2].cmd(&["PSUBSCRIBE", "n*"]);
        subs[2].cmd(&["PSUBSCRIBE", "*"]);
        subs[2].cmd(&["SSUBSCRIBE", "shard1"]);
    }
    for field in ["pubsub_channels", "pubsub_patterns", "pubsubshard_channels"] {
        let ours = info_field(&mut p.cin, field);
        assert_eq!(ours, info_field(&mut p.red, field), "{field}");
        assert_ne!(ours, "0", "{field}");
    }
    p.check_with(
        &[b"PUBSUB", b"CHANNELS"],
        crate::differential::Cmp::Unordered,
    );
    p.check_str(&["PUBSUB", "CHANNELS", "n*"]);
    p.check_str(&["PUBSUB", "CHANNELS", "x*"]);
    p.check_str(&["PUBSUB", "CHANNELS", "a", "b"]);
    p.check_str(&["PUBSUB", "NUMSUB"]);
    p.check_str(&["PUBSUB", "NUMSUB", "news", "sport", "none"]);
    p.check_str(&["PUBSUB", "NUMPAT"]);
    p.check_str(&["PUBSUB", "NUMPAT", "x"]);
    p.check_str(&["PUBSUB", "SHARDCHANNELS"]);
    p.check_str(&["PUBSUB", "SHARDCHANNELS", "nomatch"]);
    p.check_str(&["PUBSUB", "SHARDNUMSUB", "shard1", "news"]);
    p.check_str(&["PUBSUB", "HELP"]);
    p.check_str(&["PUBSUB", "NOSUCH"]);
    p.check_str(&["PUBSUB"]);
    // Receivers: channel subscribers plus matching patterns.
    p.check_str(&["PUBLISH", "news", "hello"]);
    p.check_str(&["PUBLISH", "sport", "goal"]);
    p.check_str(&["PUBLISH", "nobody", "x"]);
    p.check_str(&["SPUBLISH", "shard1", "s"]);
    p.check_str(&["SPUBLISH", "news", "s"]);
    p.check_str(&["PUBLISH", "news"]);
    // What each subscriber received, message by message.
    for (c, r) in subs_c.iter_mut().zip(subs_r.iter_mut()) {
        let mut ours = BTreeSet::new();
        let mut theirs = BTreeSet::new();
        c.send(&multibulk(&[b"PING"]));
        r.send(&multibulk(&[b"PING"]));
        while let Some(m) = read_pending(c) {
            ours.insert(m);
        }
        while let Some(m) = read_pending(r) {
            theirs.insert(m);
        }
        assert_eq!(ours, theirs);
    }
    // A disconnected subscriber is forgotten.
    drop(subs_c);
    drop(subs_r);
    assert!(wait_until(Duration::from_secs(5), || {
        p.cin.cmd(&["PUBSUB", "NUMPAT"]) == b":0\r\n"
    }));
    p.check_str(&["PUBSUB", "NUMSUB", "news", "sport"]);
    p.check_str(&["PUBSUB", "CHANNELS"]);
}

/// Reads replies already sent (after a PING round trip, so everything
/// published before it has arrived); None once the pong is reached.
fn read_pending(c: &mut Conn) -> Option<String> {
    let r = c.read_reply();
    let s = show(&r);
    if s.contains("pong") {
        return None;
    }
    Some(s)
}

#[test]
fn resp3_subscribers_get_pushes_and_keep_working() {
    let srv = Server::start();
    let mut sub = srv.conn();
    let mut publisher = srv.conn();
    sub.cmd(&["HELLO", "3"]);
    sub.expect(
        &["SUBSCRIBE", "ch"],
        ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n",
    );
    // Normal commands work on a subscribed RESP3 connection.
    sub.expect(&["SET", "k", "v"], "+OK\r\n");
    sub.expect(&["PING"], "+PONG\r\n");
    publisher.expect(&["PUBLISH", "ch", "hi"], ":1\r\n");
    assert_eq!(
        show(&sub.read_reply()),
        show(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n")
    );
    // Publishing to itself: the push comes before the reply, as in Redis.
    sub.send(&multibulk(&[b"PUBLISH", b"ch", b"me"]));
    assert_eq!(
        show(&sub.read_reply()),
        show(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nme\r\n")
    );
    assert_eq!(sub.read_reply(), b":1\r\n");
    sub.expect(
        &["PSUBSCRIBE", "c*"],
        ">3\r\n$10\r\npsubscribe\r\n$2\r\nc*\r\n:2\r\n",
    );
    publisher.expect(&["PUBLISH", "ch", "x"], ":2\r\n");
    let first = show(&sub.read_reply());
    let second = show(&sub.read_reply());
    assert_eq!(
        first,
        show(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n")
    );
    assert_eq!(
        second,
        show(b">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$1\r\nx\r\n")
    );
    sub.expect(
        &["UNSUBSCRIBE"],
        ">3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:1\r\n",
    );
    sub.expect(&["UNSUBSCRIBE"], ">3\r\n$11\r\nunsubscribe\r\n_\r\n:1\r\n");
    sub.expect(
        &["SSUBSCRIBE", "s"],
        ">3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n",
    );
    publisher.expect(&["SPUBLISH", "s", "y"], ":1\r\n");
    assert_eq!(
        show(&sub.read_reply()),
        show(b">3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\ny\r\n")
    );
    sub.expect(&["RESET"], "+RESET\r\n");
    publisher.expect(&["PUBLISH", "ch", "x"], ":0\r\n");
    publisher.expect(&["SPUBLISH", "s", "x"], ":0\r\n");
}

#[test]
fn resp3_own_keyspace_events_precede_the_reply_as_in_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    p.cin.cmd(&["HELLO", "3"]);
    p.red.cmd(&["HELLO", "3"]);
    both(&mut p, &["PSUBSCRIBE", "__keyevent@0__:*"], 1, false);
    // The events, then the reply.
    both(&mut p, &["SET", "k", "v"], 2, false);
    both(&mut p, &["PUBLISH", "__keyevent@0__:x", "m"], 2, false);
    both(&mut p, &["GET", "k"], 1, false);
}

/// 1 publisher, 50 subscribers, 10k messages: every subscriber receives
/// every message, in publishing order.
#[test]
fn fan_out_reaches_every_subscriber_in_order() {
    const SUBSCRIBERS: usize = 50;
    const MESSAGES: usize = 10_000;
    let srv = Server::start();
    let addr = format!("127.0.0.1:{}", srv.port());
    let readers: Vec<_> = (0..SUBSCRIBERS)
        .map(|i| {
            let mut c = Conn::connect(&addr);
            if i % 2 == 0 {
                c.cmd(&["SUBSCRIBE", "feed"]);
            } else {
                c.cmd(&["PSUBSCRIBE", "fe*"]);
            }
            std::thread::spawn(move || {
                for n in 0..MESSAGES {
                    let Value::Array(m) = c.read_value() else {
                        panic!("not a message")
                    };
                    let payload = m.last().and_then(|v| v.as_bytes()).unwrap().to_vec();
                    assert_eq!(payload, n.to_string().into_bytes(), "subscriber {i}");
                }
            })
        })
        .collect();
    let mut publisher = srv.conn();
    // Pipelined in batches: order must hold across reads and iterations.
    for batch in (0..MESSAGES).collect::<Vec<_>>().chunks(500) {
        let mut buf = Vec::new();
        for n in batch {
            buf.extend(multibulk(&[b"PUBLISH", b"feed", n.to_string().as_bytes()]));
        }
        publisher.send(&buf);
        for _ in batch {
            assert_eq!(
                publisher.read_reply(),
                format!(":{SUBSCRIBERS}\r\n").into_bytes()
            );
        }
    }
    for r in readers {
        r.join().unwrap();
    }
}

/// A subscriber that stops reading is cut off by the pubsub output limit;
/// the publisher and a reading subscriber are unaffected.
#[test]
fn slow_subscriber_is_disconnected_by_the_pubsub_limit() {
    let srv = Server::start();
    let mut publisher = srv.conn();
    publisher.expect(
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 1mb 256kb 60",
        ],
        "+OK\r\n",
    );
    let mut slow = srv.conn();
    slow.cmd(&["SUBSCRIBE", "big"]);
    let addr = format!("127.0.0.1:{}", srv.port());
    let mut fast = Conn::connect(&addr);
    fast.cmd(&["SUBSCRIBE", "big"]);
    const MESSAGES: usize = 4000;
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen_by_reader = seen.clone();
    let reader = std::thread::spawn(move || {
        for _ in 0..MESSAGES {
            fast.read_reply();
            seen_by_reader.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        fast
    });
    let payload = "x".repeat(4096);
    let mut receivers = Vec::new();
    for i in 0..MESSAGES {
        // Stay at most 64 messages (256 KB) ahead of the reading
        // subscriber, however slowly this debug-built reader parses.
        while i >= seen.load(std::sync::atomic::Ordering::Relaxed) + 64 {
            std::thread::sleep(Duration::from_millis(1));
        }
        let r = publisher.cmd(&["PUBLISH", "big", &payload]);
        receivers.push(String::from_utf8(r).unwrap());
    }
    let _fast = reader.join().unwrap();
    // 16 MB were published; the slow one was dropped on the way.
    assert_eq!(receivers.first().map(String::as_str), Some(":2\r\n"));
    assert_eq!(receivers.last().map(String::as_str), Some(":1\r\n"));
    publisher.expect(&["PUBSUB", "NUMSUB", "big"], "*2\r\n$3\r\nbig\r\n:1\r\n");
    assert_eq!(
        info_field(&mut publisher, "client_output_buffer_limit_disconnections"),
        "1"
    );
    assert!(srv.log_contains("overcoming of output buffer limits"));
}

#[test]
fn notify_keyspace_events_flags_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    for flags in [
        "KEA",
        "Ex",
        "g$lshzxetd",
        "AKEm",
        "Kn",
        "An",
        "",
        "KEQ",
        "xxK",
        "Elm",
        "KA$",
    ] {
        p.check_str(&["CONFIG", "SET", "notify-keyspace-events", flags]);
        p.check_str(&["CONFIG", "GET", "notify-keyspace-events"]);
    }
}

#[test]
fn expired_keymiss_and_new_events_match_redis() {
    let Some(mut p) = EventPair::new("KEAmn") else {
        return;
    };
    p.pair.check_str(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    let mut n = p.script(&[&["GET", "nokey"], &["EXISTS", "nokey"], &["TYPE", "nokey"]]);
    // Lazy expiry: the expired event comes before the command's own.
    n += p.script(&[&["SET", "k", "v", "PX", "1"]]);
    std::thread::sleep(Duration::from_millis(10));
    n += p.script(&[&["SET", "k", "v2"]]);
    n += p.script(&[&["SET", "t", "v", "PX", "1"]]);
    std::thread::sleep(Duration::from_millis(10));
    n += p.script(&[&["GET", "t"], &["SET", "x", "1"], &["SET", "x", "2"]]);
    assert!(n >= 16, "only {n} events compared");
}

/// Active expiry announces `expired` without any client touching the key.
#[test]
fn active_expiry_publishes_expired() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(
        &["CONFIG", "SET", "notify-keyspace-events", "Ex"],
        "+OK\r\n",
    );
    let mut sub = srv.conn();
    sub.cmd(&["SUBSCRIBE", "__keyevent@0__:expired"]);
    c.expect(&["SET", "gone", "v", "PX", "30"], "+OK\r\n");
    assert_eq!(
        show(&sub.read_reply()),
        show(b"*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$4\r\ngone\r\n")
    );
    c.expect(&["DBSIZE"], ":0\r\n");
}

/// The soft part of the pubsub limit: a subscriber that stays above it
/// for longer than its seconds is closed by the cron, with no new message
/// needed.
#[test]
fn slow_subscriber_is_disconnected_by_the_soft_limit() {
    let srv = Server::start();
    let mut publisher = srv.conn();
    publisher.expect(
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 0 1mb 1",
        ],
        "+OK\r\n",
    );
    let mut slow = srv.conn();
    slow.cmd(&["SUBSCRIBE", "big"]);
    let payload = "x".repeat(4096);
    // 12 MB: more than the kernel's socket buffers plus the soft limit.
    for _ in 0..3000 {
        publisher.expect(&["PUBLISH", "big", &payload], ":1\r\n");
    }
    assert!(wait_until(Duration::from_secs(5), || {
        publisher.cmd(&["PUBSUB", "NUMSUB", "big"]) == b"*2\r\n$3\r\nbig\r\n:0\r\n"
    }));
    assert_eq!(
        info_field(&mut publisher, "client_output_buffer_limit_disconnections"),
        "1"
    );
}

/// A RESP3 client subscribed to keyspace events of a key its own script
/// writes: the event precedes EVAL's reply, and the command inside the
/// script still gets its own reply (the event must not land in the
/// script's reply buffer), as in Redis.
#[test]
fn issue20_script_events_for_the_caller_precede_evals_reply() {
    let Some(mut p) = crate::differential::Pair::new() else {
        return;
    };
    for c in [&mut p.cin, &mut p.red] {
        c.cmd(&["HELLO", "3"]);
        c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
        c.cmd(&["SUBSCRIBE", "__keyspace@0__:k"]);
    }
    let eval = ["EVAL", "return redis.call('set','k','v')", "0"];
    let cin = (p.cin.cmd(&eval), p.cin.read_reply());
    let red = (p.red.cmd(&eval), p.red.read_reply());
    assert_eq!(cin, red);
    assert_eq!(cin.1, b"+OK\r\n");
}
