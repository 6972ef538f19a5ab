//! Streams: exact replies of every command, generated ids, the type's
//! place in the keyspace (TYPE, WRONGTYPE, SCAN TYPE, RENAME, COPY,
//! MOVE), blocking XREAD/XREADGROUP, and restarts that must restore
//! entries, groups, consumers and pending entries exactly. Differential
//! tests against redis-server are in `stream_differential.rs`.

use std::time::{Duration, Instant};

use crate::util::*;

/// A connection whose reads give up after 5 s, so a missing wake-up
/// fails the test quickly.
fn conn5(srv: &Server) -> Conn {
    let c = srv.conn();
    c.s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c
}

/// RESP bytes of one entry `[id, [field, value, ...]]`.
fn entry(id: &str, fields: &[&str]) -> String {
    let mut s = format!("*2\r\n${}\r\n{id}\r\n*{}\r\n", id.len(), fields.len());
    for f in fields {
        s.push_str(&format!("${}\r\n{f}\r\n", f.len()));
    }
    s
}

/// RESP bytes of an array of entries.
fn entries(items: &[(&str, &[&str])]) -> String {
    let mut s = format!("*{}\r\n", items.len());
    for (id, f) in items {
        s.push_str(&entry(id, f));
    }
    s
}

/// RESP2 bytes of an XREAD reply for one stream.
fn xread_reply(key: &str, items: &[(&str, &[&str])]) -> String {
    format!("*1\r\n*2\r\n${}\r\n{key}\r\n{}", key.len(), entries(items))
}

// ---------------------------------------------------------------------------
// Exact replies
// ---------------------------------------------------------------------------

#[test]
fn add_range_len_del_trim_exact_replies() {
    let srv = Server::start_with(&["--stream-node-max-entries", "3"]);
    let mut c = srv.conn();
    c.expect(&["XADD", "s", "1-1", "a", "1", "b", "2"], "$3\r\n1-1\r\n");
    c.expect(&["XADD", "s", "1-*", "a", "3", "b", "4"], "$3\r\n1-2\r\n");
    c.expect(&["XADD", "s", "2", "c", "5"], "$3\r\n2-0\r\n");
    c.expect(
        &["XADD", "s", "2-0", "x", "y"],
        "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n",
    );
    c.expect(
        &["XADD", "s", "0-0", "x", "y"],
        "-ERR The ID specified in XADD must be greater than 0-0\r\n",
    );
    c.expect(
        &["XADD", "s", "1-x", "x", "y"],
        "-ERR Invalid stream ID specified as stream command argument\r\n",
    );
    c.expect(
        &["XADD", "s", "3-0", "x"],
        "-ERR wrong number of arguments for 'xadd' command\r\n",
    );
    c.expect(&["XADD", "nokey", "NOMKSTREAM", "*", "a", "1"], "$-1\r\n");
    c.expect(&["EXISTS", "nokey"], ":0\r\n");
    c.expect(&["XLEN", "s"], ":3\r\n");
    c.expect(&["XLEN", "nokey"], ":0\r\n");
    let all = entries(&[
        ("1-1", &["a", "1", "b", "2"]),
        ("1-2", &["a", "3", "b", "4"]),
        ("2-0", &["c", "5"]),
    ]);
    c.expect(&["XRANGE", "s", "-", "+"], &all);
    c.expect(
        &["XRANGE", "s", "(1-1", "+", "COUNT", "1"],
        &entries(&[("1-2", &["a", "3", "b", "4"])]),
    );
    c.expect(
        &["XREVRANGE", "s", "+", "(1-1"],
        &entries(&[("2-0", &["c", "5"]), ("1-2", &["a", "3", "b", "4"])]),
    );
    c.expect(
        &["XRANGE", "s", "1", "1"],
        &entries(&[
            ("1-1", &["a", "1", "b", "2"]),
            ("1-2", &["a", "3", "b", "4"]),
        ]),
    );
    c.expect(&["XRANGE", "s", "-", "+", "COUNT", "0"], "*-1\r\n");
    c.expect(&["XRANGE", "nokey", "-", "+"], "*0\r\n");
    c.expect(
        &["XRANGE", "s", "-", "(0-0"],
        "-ERR invalid end ID for the interval\r\n",
    );
    c.expect(&["XDEL", "s", "1-2", "9-9"], ":1\r\n");
    c.expect(&["XDEL", "s", "1-2"], ":0\r\n");
    c.expect(
        &["XADD", "s", "MAXLEN", "1", "LIMIT", "5", "*", "a", "1"],
        "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n",
    );
    c.expect(
        &["XADD", "s", "MAXLEN", "=", "2", "3-0", "d", "6"],
        "$3\r\n3-0\r\n",
    );
    c.expect(
        &["XRANGE", "s", "-", "+"],
        &entries(&[("2-0", &["c", "5"]), ("3-0", &["d", "6"])]),
    );
    c.expect(&["XTRIM", "s", "MINID", "3"], ":1\r\n");
    // Options are checked before the key, as Redis 7.0 does.
    c.expect(
        &["XTRIM", "nokey", "MAXLEN", "bad"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["XTRIM", "nokey", "MAXLEN", "1"], ":0\r\n");
    c.expect(&["XDEL", "nokey", "bad"], ":0\r\n");
    c.expect(
        &["XTRIM", "s", "MAXLEN", "-1"],
        "-ERR The MAXLEN argument must be >= 0.\r\n",
    );
    // `~` removes whole blocks only (3 entries each here).
    for i in 4..=10 {
        c.cmd(&["XADD", "s", &format!("{i}-0"), "f", "v"]);
    }
    c.expect(&["XLEN", "s"], ":8\r\n");
    c.expect(&["XTRIM", "s", "MAXLEN", "~", "6"], ":0\r\n");
    c.expect(&["XTRIM", "s", "MAXLEN", "~", "2"], ":6\r\n");
    c.expect(&["XLEN", "s"], ":2\r\n");
    c.expect(
        &["XSETID", "s", "1-1"],
        "-ERR The ID specified in XSETID is smaller than the target stream top item\r\n",
    );
    c.expect(
        &[
            "XSETID",
            "s",
            "20-0",
            "ENTRIESADDED",
            "50",
            "MAXDELETEDID",
            "15-0",
        ],
        "+OK\r\n",
    );
    // The clock is far past 20-0: a fresh id is now-0.
    let v = c.value(&["XADD", "s", "*", "f", "v"]);
    let id = String::from_utf8(v.as_bytes().unwrap().to_vec()).unwrap();
    assert!(id.ends_with("-0") && id.len() > 10, "{id}");
}

#[test]
fn generated_ids_are_monotonic_even_when_the_clock_is_behind() {
    let srv = Server::start();
    let mut c = srv.conn();
    let mut last = (0u64, 0u64);
    for _ in 0..500 {
        let v = c.value(&["XADD", "s", "*", "f", "v"]);
        let id = String::from_utf8(v.as_bytes().unwrap().to_vec()).unwrap();
        let (ms, seq) = id.split_once('-').unwrap();
        let id = (ms.parse::<u64>().unwrap(), seq.parse::<u64>().unwrap());
        assert!(id > last, "{id:?} after {last:?}");
        last = id;
    }
    // The last id far in the future: the clock is "behind" it, so new ids
    // continue its sequence.
    let future = last.0 + 10_000_000;
    c.expect(&["XSETID", "s", &format!("{future}-5")], "+OK\r\n");
    let want = format!("{future}-6");
    c.expect(
        &["XADD", "s", "*", "f", "v"],
        &format!("${}\r\n{want}\r\n", want.len()),
    );
    let want = format!("{future}-7");
    c.expect(
        &["XADD", "s", &format!("{future}-*"), "f", "v"],
        &format!("${}\r\n{want}\r\n", want.len()),
    );
    c.expect(
        &["XSETID", "s", "18446744073709551615-18446744073709551615"],
        "+OK\r\n",
    );
    c.expect(
        &["XADD", "s", "*", "f", "v"],
        "-ERR The stream has exhausted the last possible ID, unable to add more items\r\n",
    );
}

#[test]
fn groups_pending_claims_and_info_exact_replies() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(
        &["XGROUP", "CREATE", "s", "g", "$"],
        "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n",
    );
    c.expect(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"], "+OK\r\n");
    c.expect(
        &["XGROUP", "CREATE", "s", "g", "$"],
        "-BUSYGROUP Consumer Group name already exists\r\n",
    );
    c.expect(
        &["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"],
        "*-1\r\n",
    );
    c.expect(&["XINFO", "CONSUMERS", "s", "g"], "*0\r\n");
    c.cmd(&["XADD", "s", "1-1", "a", "1"]);
    c.cmd(&["XADD", "s", "2-1", "b", "2"]);
    c.expect(
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c1",
            "COUNT",
            "1",
            "STREAMS",
            "s",
            ">",
        ],
        &xread_reply("s", &[("1-1", &["a", "1"])]),
    );
    c.expect(
        &["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"],
        &xread_reply("s", &[("2-1", &["b", "2"])]),
    );
    // History: the consumer's own pending entries, a deleted one as nil.
    c.expect(&["XDEL", "s", "1-1"], ":1\r\n");
    c.expect(
        &["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "0"],
        "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*-1\r\n",
    );
    c.expect(
        &["XPENDING", "s", "g"],
        "*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*2\r\n*2\r\n$2\r\nc1\r\n$1\r\n1\r\n*2\r\n$2\r\nc2\r\n$1\r\n1\r\n",
    );
    // Delivery counts: the history read did not re-deliver deleted 1-1.
    let v = c.value(&["XPENDING", "s", "g", "-", "+", "10", "c1"]);
    let Value::Array(rows) = v else { panic!() };
    assert_eq!(rows.len(), 1);
    let Value::Array(row) = &rows[0] else {
        panic!()
    };
    assert_eq!(row[3], Value::Int(1));
    c.expect(&["XPENDING", "s", "g", "-", "+", "10", "nobody"], "*0\r\n");
    c.expect(
        &["XPENDING", "s", "nog"],
        "-NOGROUP No such key 's' or consumer group 'nog'\r\n",
    );
    // XCLAIM of a deleted entry drops it from the PEL.
    c.expect(&["XCLAIM", "s", "g", "c3", "0", "1-1"], "*0\r\n");
    c.expect(
        &["XCLAIM", "s", "g", "c3", "0", "2-1", "JUSTID"],
        "*1\r\n$3\r\n2-1\r\n",
    );
    c.expect(
        &["XCLAIM", "s", "g", "c3", "0", "2-1", "BOGUS"],
        "-ERR Unrecognized XCLAIM option 'BOGUS'\r\n",
    );
    c.expect(
        &["XAUTOCLAIM", "s", "g", "c4", "0", "0", "COUNT", "10"],
        &format!(
            "*3\r\n$3\r\n0-0\r\n{}*0\r\n",
            entries(&[("2-1", &["b", "2"])])
        ),
    );
    c.expect(&["XACK", "s", "g", "2-1", "2-1"], ":1\r\n");
    c.expect(&["XPENDING", "s", "g"], "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n");
    c.expect(&["XGROUP", "CREATECONSUMER", "s", "g", "c9"], ":1\r\n");
    c.expect(&["XGROUP", "CREATECONSUMER", "s", "g", "c9"], ":0\r\n");
    c.expect(&["XGROUP", "DELCONSUMER", "s", "g", "c9"], ":0\r\n");
    c.expect(
        &["XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"],
        "+OK\r\n",
    );
    c.expect(
        &["XINFO", "GROUPS", "s"],
        "*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:4\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n:0\r\n$3\r\nlag\r\n:2\r\n",
    );
    c.expect(&["XGROUP", "DESTROY", "s", "g"], ":1\r\n");
    c.expect(&["XGROUP", "DESTROY", "s", "g"], ":0\r\n");
    c.expect(&["XINFO", "STREAM", "nokey"], "-ERR no such key\r\n");
}

#[test]
fn streams_in_the_keyspace() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.cmd(&["XADD", "s", "1-1", "a", "1"]);
    c.cmd(&["SET", "str", "x"]);
    c.expect(&["TYPE", "s"], "+stream\r\n");
    c.expect(&["OBJECT", "ENCODING", "s"], "$6\r\nstream\r\n");
    c.expect(
        &["SCAN", "0", "TYPE", "stream"],
        "*2\r\n$1\r\n0\r\n*1\r\n$1\r\ns\r\n",
    );
    for cmd in [
        &["XADD", "str", "*", "a", "1"][..],
        &["XRANGE", "str", "-", "+"],
        &["XLEN", "str"],
        &["XREAD", "STREAMS", "str", "0"],
        &["XGROUP", "CREATE", "str", "g", "0"],
        &["XINFO", "STREAM", "str"],
        &["GET", "s"],
        &["LPUSH", "s", "x"],
    ] {
        c.expect(cmd, WRONGTYPE);
    }
    c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]);
    c.expect(&["COPY", "s", "s2"], ":1\r\n");
    c.expect(&["RENAME", "s2", "s3"], "+OK\r\n");
    let groups = String::from_utf8(c.cmd(&["XINFO", "GROUPS", "s"])).unwrap();
    c.expect(&["XINFO", "GROUPS", "s3"], &groups);
    c.expect(&["MOVE", "s3", "1"], ":1\r\n");
    c.cmd(&["SELECT", "1"]);
    c.expect(
        &["XRANGE", "s3", "-", "+"],
        &entries(&[("1-1", &["a", "1"])]),
    );
    // An emptied stream stays (streams are not deleted when empty).
    c.cmd(&["SELECT", "0"]);
    c.expect(&["XDEL", "s", "1-1"], ":1\r\n");
    c.expect(&["EXISTS", "s"], ":1\r\n");
    c.expect(&["DEL", "s"], ":1\r\n");
}

// ---------------------------------------------------------------------------
// Blocking
// ---------------------------------------------------------------------------

#[test]
fn xread_block_is_woken_by_xadd_and_times_out() {
    let srv = Server::start();
    let mut c = srv.conn();
    let mut w = conn5(&srv);
    // `$` means the last id at the time of the call, even after a wake-up
    // by something that adds nothing new.
    c.cmd(&["XADD", "s", "1-1", "a", "1"]);
    w.send_cmd(&["XREAD", "BLOCK", "0", "STREAMS", "s", "other", "$", "$"]);
    wait_blocked(&mut c, 1);
    c.cmd(&["XADD", "other", "5-1", "o", "1"]);
    assert_eq!(
        show(&w.read_reply()),
        show(xread_reply("other", &[("5-1", &["o", "1"])]).as_bytes())
    );
    w.send_cmd(&["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
    wait_blocked(&mut c, 1);
    c.cmd(&["XDEL", "s", "1-1"]);
    c.cmd(&["XADD", "s", "2-1", "b", "2"]);
    assert_eq!(
        show(&w.read_reply()),
        show(xread_reply("s", &[("2-1", &["b", "2"])]).as_bytes())
    );
    let start = Instant::now();
    w.expect(&["XREAD", "BLOCK", "200", "STREAMS", "s", "$"], "*-1\r\n");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(180) && took < Duration::from_secs(2),
        "{took:?}"
    );
    w.cmd(&["HELLO", "3"]);
    w.expect(&["XREAD", "BLOCK", "50", "STREAMS", "s", "$"], "_\r\n");
    w.expect(
        &["XREAD", "BLOCK", "-1", "STREAMS", "s", "$"],
        "-ERR timeout is negative\r\n",
    );
}

#[test]
fn blocked_readers_are_served_in_arrival_order() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.cmd(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    let mut waiters = Vec::new();
    for i in 0..3 {
        let mut w = conn5(&srv);
        w.send_cmd(&[
            "XREADGROUP",
            "GROUP",
            "g",
            &format!("c{i}"),
            "COUNT",
            "1",
            "BLOCK",
            "0",
            "STREAMS",
            "s",
            ">",
        ]);
        wait_blocked(&mut c, i + 1);
        waiters.push(w);
    }
    // One XADD serves the first waiter; the others wait for more.
    c.cmd(&["XADD", "s", "1-1", "a", "1"]);
    assert_eq!(
        show(&waiters[0].read_reply()),
        show(xread_reply("s", &[("1-1", &["a", "1"])]).as_bytes())
    );
    wait_blocked(&mut c, 2);
    c.cmd(&["XADD", "s", "2-1", "b", "2"]);
    assert_eq!(
        show(&waiters[1].read_reply()),
        show(xread_reply("s", &[("2-1", &["b", "2"])]).as_bytes())
    );
    // A disconnected waiter leaves no trace; the next XADD serves c2.
    drop(waiters.remove(2));
    wait_blocked(&mut c, 0);
    c.cmd(&["XADD", "s", "3-1", "c", "3"]);
    c.expect(
        &["XPENDING", "s", "g"],
        "*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*2\r\n*2\r\n$2\r\nc0\r\n$1\r\n1\r\n*2\r\n$2\r\nc1\r\n$1\r\n1\r\n",
    );
}

#[test]
fn blocked_xreadgroup_gets_errors_when_its_stream_or_group_goes() {
    let srv = Server::start();
    let mut c = srv.conn();
    let mut w = conn5(&srv);
    let read = [
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "BLOCK",
        "0",
        "STREAMS",
        "s",
        ">",
    ];
    c.cmd(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    w.send_cmd(&read);
    wait_blocked(&mut c, 1);
    c.cmd(&["DEL", "s"]);
    assert_eq!(
        show(&w.read_reply()),
        show(b"-UNBLOCKED the stream key no longer exists\r\n")
    );
    c.cmd(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    w.send_cmd(&read);
    wait_blocked(&mut c, 1);
    c.cmd(&["XGROUP", "DESTROY", "s", "g"]);
    assert_eq!(
        show(&w.read_reply()),
        show(b"-NOGROUP the consumer group this client was blocked on no longer exists\r\n")
    );
    // XREAD just keeps waiting when its key is replaced.
    w.send_cmd(&["XREAD", "BLOCK", "300", "STREAMS", "s", "$"]);
    wait_blocked(&mut c, 1);
    c.cmd(&["DEL", "s"]);
    c.cmd(&["SET", "s", "x"]);
    assert_eq!(show(&w.read_reply()), show(b"*-1\r\n"));
}

#[test]
fn blocking_reads_inside_multi_do_not_block() {
    let srv = Server::start();
    let mut c = conn5(&srv);
    c.cmd(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    c.expect(&["MULTI"], "+OK\r\n");
    c.expect(&["XREAD", "BLOCK", "0", "STREAMS", "s", "$"], "+QUEUED\r\n");
    c.expect(
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "c",
            "BLOCK",
            "0",
            "STREAMS",
            "s",
            ">",
        ],
        "+QUEUED\r\n",
    );
    c.expect(&["EXEC"], "*2\r\n*-1\r\n*-1\r\n");
}

// ---------------------------------------------------------------------------
// Persistence
// ---------------------------------------------------------------------------

/// Builds streams with deletions, trims, groups, consumers (with and
/// without pending entries), NOACK reads, claims and XSETID.
fn write_streams(c: &mut Conn) {
    let script: &[&[&str]] = &[
        &["XADD", "s", "1-1", "a", "1", "b", "2"],
        &["XADD", "s", "*", "a", "3", "b", "4"],
        &["XADD", "s", "*", "c", "5"],
        &["XADD", "s", "MAXLEN", "~", "100", "*", "d", "6"],
        &[
            "XADD", "s", "MAXLEN", "~", "100", "LIMIT", "50", "*", "d", "7",
        ],
        &["XDEL", "s", "1-1"],
        &["XGROUP", "CREATE", "s", "g1", "0"],
        &["XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "4"],
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "alice",
            "COUNT",
            "2",
            "STREAMS",
            "s",
            ">",
        ],
        &[
            "XREADGROUP",
            "GROUP",
            "g1",
            "bob",
            "NOACK",
            "COUNT",
            "1",
            "STREAMS",
            "s",
            ">",
        ],
        &["XGROUP", "CREATECONSUMER", "s", "g1", "carol"],
        &["XAUTOCLAIM", "s", "g1", "carol", "0", "0", "COUNT", "1"],
        &["XREADGROUP", "GROUP", "g1", "alice", "STREAMS", "s", "0"],
        &["XADD", "e", "5-5", "x", "y"],
        &["XDEL", "e", "5-5"],
        &["XGROUP", "CREATE", "mk", "g", "$", "MKSTREAM"],
        &[
            "XSETID",
            "mk",
            "7-7",
            "ENTRIESADDED",
            "3",
            "MAXDELETEDID",
            "6-0",
        ],
        &["XADD", "t", "1-1", "f", "v"],
        &["XADD", "t", "2-1", "f", "v"],
        &["XADD", "t", "3-1", "f", "v"],
        &["XTRIM", "t", "MAXLEN", "2"],
        // The last id below the max deleted id: one XSETID cannot say it.
        &["XDEL", "t", "3-1"],
        &["XSETID", "t", "2-1"],
    ];
    for cmd in script {
        let reply = c.cmd(cmd);
        assert!(!reply.starts_with(b"-"), "{cmd:?}: {}", show(&reply));
    }
}

/// `reply` with the integer after each `field` name replaced by `X`.
fn mask_after(reply: &[u8], field: &str) -> Vec<u8> {
    let needle = format!("{field}\r\n:");
    let mut s = String::from_utf8_lossy(reply).into_owned();
    let mut from = 0;
    while let Some(i) = s[from..].find(&needle) {
        let start = from + i + needle.len();
        let end = start + s[start..].find('\r').unwrap();
        s.replace_range(start..end, "X");
        from = start;
    }
    s.into_bytes()
}

/// Everything observable about the streams, idle times aside (a
/// consumer's seen-time is not persisted, in Redis either).
fn stream_state(c: &mut Conn) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["s", "e", "mk", "t"] {
        out.push(show(&c.cmd(&["XRANGE", key, "-", "+"])));
        let full = c.cmd(&["XINFO", "STREAM", key, "FULL"]);
        out.push(show(&mask_after(&full, "seen-time")));
        out.push(show(&c.cmd(&["XINFO", "GROUPS", key])));
    }
    out.push(show(&c.cmd(&["XPENDING", "s", "g1"])));
    out
}

#[test]
fn restart_restores_streams_groups_and_pending_entries() {
    for rewrite in [false, true] {
        let dir = TempDir::new("stream-aof");
        let before = {
            let srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
            let mut c = srv.conn();
            write_streams(&mut c);
            if rewrite {
                c.expect(
                    &["BGREWRITEAOF"],
                    "+Background append only file rewriting started\r\n",
                );
                assert!(wait_until(Duration::from_secs(10), || info_field(
                    &mut c,
                    "aof_rewrite_in_progress"
                ) == "0"));
                // More writes after the rewrite go to the new incr file.
                c.cmd(&["XADD", "s", "*", "after", "rewrite"]);
            }
            let state = stream_state(&mut c);
            c.send(b"SHUTDOWN\r\n");
            c.read_to_close();
            state
        };
        let srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
        let mut c = srv.conn();
        assert_eq!(stream_state(&mut c), before, "rewrite: {rewrite}");
    }
}

/// redis-server 7.0 loads our AOF, as propagated and as our rewrite
/// writes it, to the same streams.
#[test]
fn redis_loads_our_stream_aofs() {
    for rewrite in [false, true] {
        let dir = TempDir::new("stream-interop");
        let before = {
            let srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
            let mut c = srv.conn();
            write_streams(&mut c);
            if rewrite {
                c.cmd(&["BGREWRITEAOF"]);
                assert!(wait_until(Duration::from_secs(10), || info_field(
                    &mut c,
                    "aof_rewrite_in_progress"
                ) == "0"));
            }
            let state = stream_state(&mut c);
            c.send(b"SHUTDOWN\r\n");
            c.read_to_close();
            state
        };
        let Some(redis) = redis_in(
            dir.path(),
            &["--appendonly", "yes", "--aof-use-rdb-preamble", "no"],
        ) else {
            return;
        };
        let mut r = Conn::connect(&redis.addr);
        assert_eq!(stream_state(&mut r), before, "rewrite: {rewrite}");
    }
}

/// Seeded random stream commands replay from the AOF (as propagated, and
/// through a rewrite) to the same streams: every write is logged in a
/// deterministic form.
#[test]
fn random_commands_replay_from_the_aof() {
    for seed in seeds((1..=4).map(|i| 0xA0F_0000 + i * 31)) {
        let dir = TempDir::new("stream-aof-random");
        let keys = ["s1", "s2"];
        // Block boundaries (radix-tree-keys) depend on the node size at
        // load time too, so both runs get the same.
        let per_node = if seed % 2 == 1 { "3" } else { "100" };
        let args = ["--appendonly", "yes", "--stream-node-max-entries", per_node];
        let state = |c: &mut Conn| -> Vec<String> {
            let mut out = Vec::new();
            for key in keys {
                let full = c.cmd(&["XINFO", "STREAM", key, "FULL", "COUNT", "0"]);
                // A rewrite packs the blocks anew (tombstones gone), so
                // the block count may change, as in Redis.
                let full = mask_after(&full, "radix-tree-keys");
                let full = mask_after(&full, "radix-tree-nodes");
                out.push(show(&mask_after(&full, "seen-time")));
            }
            out
        };
        let before = {
            let srv = Server::start_in(dir.path(), &args);
            let mut c = srv.conn();
            let mut g = Gen(seed);
            for i in 0..1500 {
                if i == 750 && seed % 2 == 0 {
                    c.cmd(&["BGREWRITEAOF"]);
                }
                // Mostly the differential generator's commands (small
                // explicit ids), mixed with a live workload on the same
                // keys: `*` ids, group reads, claims and approximate trims.
                let k = keys[i % 2];
                let n = (i / 2).to_string();
                let live: Option<Vec<&str>> = match i % 12 {
                    0 | 6 => Some(vec!["XADD", k, "*", "f", &n]),
                    1 => Some(vec!["XGROUP", "CREATE", k, "g1", "0", "MKSTREAM"]),
                    2 => Some(vec![
                        "XREADGROUP",
                        "GROUP",
                        "g1",
                        "c1",
                        "COUNT",
                        "2",
                        "STREAMS",
                        k,
                        ">",
                    ]),
                    3 => Some(vec!["XAUTOCLAIM", k, "g1", "c2", "0", "0", "COUNT", "1"]),
                    4 => Some(vec!["XTRIM", k, "MAXLEN", "~", "7"]),
                    5 => Some(vec![
                        "XREADGROUP",
                        "GROUP",
                        "g1",
                        "c3",
                        "NOACK",
                        "STREAMS",
                        k,
                        ">",
                    ]),
                    _ => None,
                };
                match live {
                    Some(args) => {
                        c.cmd(&args);
                    }
                    None => {
                        let cmd = crate::stream_differential::random_xcommand(&mut g);
                        let args: Vec<&str> = cmd.iter().map(|s| s.as_str()).collect();
                        c.cmd(&args);
                    }
                }
            }
            assert!(wait_until(Duration::from_secs(10), || info_field(
                &mut c,
                "aof_rewrite_in_progress"
            ) == "0"));
            let s = state(&mut c);
            c.send(b"SHUTDOWN\r\n");
            c.read_to_close();
            s
        };
        let srv = Server::start_in(dir.path(), &args);
        let mut c = srv.conn();
        assert_eq!(state(&mut c), before, "seed {seed}");
    }
}

/// An AOF written by redis-server 7.0 (its `~` trims logged as `= n LIMIT
/// m`, reads and claims as XCLAIM ... LASTID, NOACK reads as XGROUP SETID)
/// loads here to the streams Redis itself restores from it.
#[test]
fn we_load_redis_stream_aofs_as_redis_does() {
    let dir = TempDir::new("stream-from-redis");
    let args = ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"];
    let Some(redis) = redis_in(dir.path(), &args) else {
        return;
    };
    let mut r = Conn::connect(&redis.addr);
    write_streams(&mut r);
    drop(r);
    redis.shutdown();
    let redis = redis_in(dir.path(), &args).unwrap();
    let mut r = Conn::connect(&redis.addr);
    let theirs = stream_state(&mut r);
    drop(r);
    redis.shutdown();
    let srv = Server::start_in(dir.path(), &["--appendonly", "yes"]);
    let mut c = srv.conn();
    assert_eq!(stream_state(&mut c), theirs);
}

/// A job queue: producers XADD while four consumers of one group read
/// with blocking XREADGROUP and XACK; every entry is delivered exactly
/// once and nothing stays pending.
#[test]
fn blocking_consumer_group_delivers_each_entry_once() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.cmd(&["XGROUP", "CREATE", "jobs", "g", "$", "MKSTREAM"]);
    const N: usize = 2000;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let consumers: Vec<_> = (0..4)
        .map(|i| {
            let (addr, done) = (srv.addr.clone(), done.clone());
            std::thread::spawn(move || {
                let mut w = Conn::connect(&addr);
                w.s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let name = format!("c{i}");
                let mut got = Vec::new();
                while done.load(std::sync::atomic::Ordering::SeqCst) < N {
                    let read = [
                        "XREADGROUP",
                        "GROUP",
                        "g",
                        &name,
                        "COUNT",
                        "7",
                        "BLOCK",
                        "100",
                        "STREAMS",
                        "jobs",
                        ">",
                    ];
                    let Value::Array(streams) = w.value(&read) else {
                        continue;
                    };
                    let Value::Array(pair) = &streams[0] else {
                        panic!()
                    };
                    let Value::Array(entries) = &pair[1] else {
                        panic!()
                    };
                    for e in entries {
                        let Value::Array(e) = e else { panic!() };
                        let id = String::from_utf8(e[0].as_bytes().unwrap().to_vec()).unwrap();
                        w.expect(&["XACK", "jobs", "g", &id], ":1\r\n");
                        got.push(id);
                        done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
                got
            })
        })
        .collect();
    let mut sent = Vec::new();
    for i in 0..N {
        let v = c.value(&["XADD", "jobs", "*", "n", &i.to_string()]);
        sent.push(String::from_utf8(v.as_bytes().unwrap().to_vec()).unwrap());
    }
    let mut got: Vec<String> = consumers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    got.sort();
    sent.sort();
    assert_eq!(got, sent);
    c.expect(
        &["XPENDING", "jobs", "g"],
        "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n",
    );
}
