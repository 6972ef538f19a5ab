//! Connection commands and RESP3.

use std::time::{Duration, Instant};

use crate::differential::Pair;
use crate::util::*;

#[test]
fn ping_echo_quit() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["PING"], "+PONG\r\n");
    c.expect(&["PING", "hi"], "$2\r\nhi\r\n");
    c.expect(
        &["PING", "a", "b"],
        "-ERR wrong number of arguments for 'ping' command\r\n",
    );
    c.expect(&["ECHO", ""], "$0\r\n\r\n");
    c.expect(
        &["NOSUCH", "a", "b"],
        "-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n",
    );
    c.send(b"QUIT\r\nPING\r\n");
    assert_eq!(show(&c.read_to_close()), "+OK\\r\\n");
}

#[test]
fn hello_switches_protocol() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["HELLO", "4"], "-NOPROTO unsupported protocol version\r\n");
    c.expect(
        &["HELLO", "x"],
        "-ERR Protocol version is not an integer or out of range\r\n",
    );
    c.expect(
        &["HELLO", "3", "FOO"],
        "-ERR Syntax error in HELLO option 'FOO'\r\n",
    );
    c.expect(
        &["HELLO", "3", "SETNAME", "a b"],
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
    );
    let id = match c.value(&["CLIENT", "ID"]) {
        Value::Int(n) => n,
        other => panic!("{other:?}"),
    };
    let want = format!(
        "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
    );
    c.expect(&["HELLO", "3", "SETNAME", "me"], &want);
    c.expect(&["CLIENT", "GETNAME"], "$2\r\nme\r\n");
    c.expect(&["GET", "missing"], "_\r\n");
    c.expect(
        &["CONFIG", "GET", "databases"],
        "%1\r\n$9\r\ndatabases\r\n$2\r\n16\r\n",
    );
    c.expect(&["RESET"], "+RESET\r\n");
    c.expect(&["GET", "missing"], "$-1\r\n");
    c.expect(&["CLIENT", "GETNAME"], "$-1\r\n");
}

#[test]
fn auth_with_requirepass() {
    let srv = Server::start_with(&["--requirepass", "s3cret"]);
    let mut c = srv.conn();
    c.expect(&["GET", "k"], "-NOAUTH Authentication required.\r\n");
    c.expect(&["PING"], "-NOAUTH Authentication required.\r\n");
    c.expect(
        &["AUTH", "wrong"],
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    c.expect(&["AUTH", "s3cret"], "+OK\r\n");
    c.expect(&["GET", "k"], "$-1\r\n");
    let mut d = srv.conn();
    let reply = d.cmd(&["HELLO", "2", "AUTH", "default", "s3cret"]);
    assert!(reply.starts_with(b"*14\r\n"), "{}", show(&reply));
    d.expect(&["PING"], "+PONG\r\n");
    let plain = Server::start();
    let mut e = plain.conn();
    e.expect(
        &["AUTH", "x"],
        "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
    );
}

#[test]
fn client_names() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["CLIENT", "SETNAME", "worker-1"], "+OK\r\n");
    c.expect(&["CLIENT", "GETNAME"], "$8\r\nworker-1\r\n");
    c.expect(
        &["CLIENT", "SETNAME", "bad name"],
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
    );
    c.expect(
        &["CLIENT", "NOPE"],
        "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n",
    );
}

/// The crate's own blocking client, as the README shows it.
#[test]
fn native_client_helpers_and_pipelining() {
    use cinnabar::client::Client;
    let srv = Server::start();
    let mut c = Client::connect(&srv.addr).unwrap();
    c.set(b"greeting", b"hello").unwrap();
    assert_eq!(c.get(b"greeting").unwrap(), Some(b"hello".to_vec()));
    assert_eq!(c.get(b"nokey").unwrap(), None);
    assert!(c.expire(b"greeting", 60).unwrap());
    assert_eq!(c.incr(b"n").unwrap(), 1);
    assert_eq!(c.del(b"greeting").unwrap(), 1);
    let cmds: Vec<Vec<&[u8]>> = (0..100).map(|_| vec![&b"INCR"[..], b"n"]).collect();
    let refs: Vec<&[&[u8]]> = cmds.iter().map(|c| c.as_slice()).collect();
    let replies = c.pipeline(&refs).unwrap();
    assert_eq!(replies.len(), 100);
    assert_eq!(replies[99], Value::Int(101));
    assert_eq!(
        c.command(&[b"SET", b"k", b"v", b"EX", b"0"]).unwrap(),
        Value::Error("ERR invalid expire time in 'set' command".into())
    );
}

// ---------------------------------------------------------------------------
// CLIENT family and MONITOR
// ---------------------------------------------------------------------------

/// cinnabar-server and redis-server side by side, for differential tests
/// that need several connections to each.
struct Twin {
    cin: Server,
    red: Redis,
}

impl Twin {
    fn new() -> Option<Twin> {
        let red = redis()?;
        Some(Twin {
            cin: Server::start(),
            red,
        })
    }

    /// A new connection to each: (cinnabar, redis).
    fn conns(&self) -> (Conn, Conn) {
        (self.cin.conn(), Conn::connect(&self.red.addr))
    }
}

/// Whether `c` stays silent for `ms` milliseconds.
fn silent_for(c: &mut Conn, ms: u64) -> bool {
    c.s.set_read_timeout(Some(Duration::from_millis(ms)))
        .unwrap();
    let got = c.try_read_reply();
    c.s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    assert!(got.is_none(), "unexpected reply {}", show(&got.unwrap()));
    true
}

/// The bulk text of a reply.
fn text(reply: &[u8]) -> String {
    match parse_reply(reply).unwrap().unwrap().0 {
        Value::Bulk(b) => String::from_utf8(b).unwrap(),
        other => panic!("not a bulk reply: {other:?}"),
    }
}

/// CLIENT LIST lines as (field, value) pairs.
fn client_lines(reply: &[u8]) -> Vec<Vec<(String, String)>> {
    text(reply)
        .lines()
        .map(|l| {
            l.split(' ')
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap();
                    (k.to_string(), v.to_string())
                })
                .collect()
        })
        .collect()
}

fn field<'a>(line: &'a [(String, String)], name: &str) -> &'a str {
    &line.iter().find(|(k, _)| k == name).unwrap().1
}

/// This connection's own `ip:port`, as the server sees it.
fn addr_of(c: &Conn) -> String {
    c.s.local_addr().unwrap().to_string()
}

fn id_of(c: &mut Conn) -> i64 {
    match c.value(&["CLIENT", "ID"]) {
        Value::Int(n) => n,
        other => panic!("{other:?}"),
    }
}

const LIST_FIELDS: &[&str] = &[
    "id",
    "addr",
    "laddr",
    "fd",
    "name",
    "age",
    "idle",
    "flags",
    "db",
    "sub",
    "psub",
    "ssub",
    "multi",
    "qbuf",
    "qbuf-free",
    "argv-mem",
    "multi-mem",
    "rbs",
    "rbp",
    "obl",
    "oll",
    "omem",
    "tot-mem",
    "events",
    "cmd",
    "user",
    "redir",
    "resp",
];

#[test]
fn client_replies_and_errors_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    for cmd in [
        &["CLIENT", "HELP"][..],
        &["CLIENT", "HELP", "x"],
        &["CLIENT", "help"],
        &["CLIENT"],
        &["CLIENT", "NOPE"],
        &["CLIENT", "ID", "x"],
        &["CLIENT", "INFO", "x"],
        &["CLIENT", "GETREDIR"],
        &["CLIENT", "GETREDIR", "x"],
        &["CLIENT", "TRACKINGINFO"],
        &["CLIENT", "CACHING", "yes"],
        &["CLIENT", "CACHING"],
        &["CLIENT", "TRACKING"],
        &["CLIENT", "TRACKING", "maybe"],
        &["CLIENT", "TRACKING", "off"],
        &["CLIENT", "TRACKING", "OFF", "foo"],
        &[
            "CLIENT", "TRACKING", "off", "bcast", "optin", "noloop", "prefix", "a",
        ],
        &["CLIENT", "TRACKING", "off", "redirect", "abc"],
        &["CLIENT", "TRACKING", "off", "redirect", "999999"],
        &["CLIENT", "TRACKING", "on", "prefix", "a"],
        &["CLIENT", "TRACKING", "on", "bcast", "optin"],
        &["CLIENT", "TRACKING", "on", "optin", "optout"],
        &["CLIENT", "TRACKING", "on", "prefix"],
        &["CLIENT", "REPLY"],
        &["CLIENT", "REPLY", "maybe"],
        &["CLIENT", "REPLY", "on", "x"],
        &["CLIENT", "REPLY", "ON"],
        &["CLIENT", "NO-EVICT"],
        &["CLIENT", "NO-EVICT", "maybe"],
        &["CLIENT", "NO-EVICT", "on"],
        &["CLIENT", "NO-EVICT", "OFF"],
        &["CLIENT", "PAUSE"],
        &["CLIENT", "PAUSE", "abc"],
        &["CLIENT", "PAUSE", "-1"],
        &["CLIENT", "PAUSE", "10", "foo"],
        &["CLIENT", "PAUSE", "abc", "foo"],
        &["CLIENT", "PAUSE", "10", "write", "x"],
        &["CLIENT", "PAUSE", "1", "WRITE"],
        &["CLIENT", "UNPAUSE"],
        &["CLIENT", "UNPAUSE", "x"],
        &["CLIENT", "UNBLOCK"],
        &["CLIENT", "UNBLOCK", "abc"],
        &["CLIENT", "UNBLOCK", "1", "maybe"],
        &["CLIENT", "UNBLOCK", "1", "timeout", "x"],
        &["CLIENT", "UNBLOCK", "999999"],
        &["CLIENT", "KILL"],
        &["CLIENT", "KILL", "1.2.3.4:5"],
        &["CLIENT", "KILL", "id"],
        &["CLIENT", "KILL", "id", "0"],
        &["CLIENT", "KILL", "ID", "abc"],
        &["CLIENT", "KILL", "id", "-5"],
        &["CLIENT", "KILL", "id", "1", "type"],
        &["CLIENT", "KILL", "type", "foo"],
        &["CLIENT", "KILL", "user", "bob"],
        &["CLIENT", "KILL", "skipme", "maybe"],
        &["CLIENT", "KILL", "foo", "bar"],
        &["CLIENT", "KILL", "id", "999999"],
        &["CLIENT", "KILL", "USER", "default", "ID", "999999"],
        &["CLIENT", "KILL", "addr", "1.2.3.4:5", "laddr", "1.1.1.1:1"],
        &["CLIENT", "KILL", "type", "master"],
        &["CLIENT", "KILL", "type", "replica", "skipme", "no"],
        &["CLIENT", "KILL", "type", "slave"],
        &["CLIENT", "LIST", "TYPE", "foo"],
        &["CLIENT", "LIST", "id", "abc"],
        &["CLIENT", "LIST", "ID", "1", "abc"],
        &["CLIENT", "LIST", "ID"],
        &["CLIENT", "LIST", "foo"],
        &["CLIENT", "LIST", "TYPE", "normal", "x"],
        &["CLIENT", "LIST", "TYPE", "master"],
        &["CLIENT", "LIST", "type", "REPLICA"],
        &["CLIENT", "LIST", "TYPE", "slave"],
        &["CLIENT", "LIST", "TYPE", "pubsub"],
        &["CLIENT", "LIST", "ID", "999999", "-1"],
        &["MONITOR", "x"],
        &["CLIENT", "SETNAME", "a b"],
        &["CLIENT", "GETNAME"],
    ] {
        p.check_str(cmd);
    }
    // RESP3 shapes (HELLO's reply carries the differing ids).
    p.cin.cmd(&["HELLO", "3"]);
    p.red.cmd(&["HELLO", "3"]);
    p.check_str(&["CLIENT", "TRACKINGINFO"]);
    p.check_str(&["CLIENT", "LIST", "TYPE", "master"]);
    p.check_str(&["CLIENT", "LIST", "ID", "999999"]);
}

/// HELLO applies its options one by one, as Redis 7.0: a name set before
/// a failing option stays, AUTH fails before a later bad name.
#[test]
fn hello_options_take_effect_in_order() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["HELLO", "3", "AUTH", "u", "p", "SETNAME", "a b"]);
    p.check_str(&["HELLO", "3", "SETNAME", "a b", "AUTH", "u", "p"]);
    p.check_str(&["HELLO", "2", "SETNAME", "first", "FOO"]);
    p.check_str(&["CLIENT", "GETNAME"]);
    p.check_str(&["HELLO", "2", "AUTH", "default", "x", "AUTH"]);
    // An empty name removes it (the reply carries the differing ids).
    p.cin.cmd(&["HELLO", "2", "SETNAME", ""]);
    p.red.cmd(&["HELLO", "2", "SETNAME", ""]);
    p.check_str(&["CLIENT", "GETNAME"]);
}

#[test]
fn client_list_has_redis_fields_in_order() {
    let Some(t) = Twin::new() else { return };
    let (mut a, mut b) = t.conns();
    for reply in [a.cmd(&["CLIENT", "INFO"]), b.cmd(&["CLIENT", "INFO"])] {
        let lines = client_lines(&reply);
        assert_eq!(lines.len(), 1);
        let names: Vec<&str> = lines[0].iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, LIST_FIELDS);
        assert!(text(&reply).ends_with('\n'));
    }
    for reply in [a.cmd(&["CLIENT", "LIST"]), b.cmd(&["CLIENT", "LIST"])] {
        let lines = client_lines(&reply);
        let names: Vec<&str> = lines[0].iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, LIST_FIELDS);
    }
}

#[test]
fn client_list_values() {
    let srv = Server::start();
    let mut a = srv.conn();
    let mut b = srv.conn();
    let (ida, idb) = (id_of(&mut a), id_of(&mut b));
    a.expect(&["CLIENT", "SETNAME", "alpha"], "+OK\r\n");
    a.expect(&["SELECT", "3"], "+OK\r\n");
    // A lone CLIENT INFO: its own 26 bytes are in the query buffer, as in
    // Redis.
    let me = &client_lines(&a.cmd(&["CLIENT", "INFO"]))[0];
    assert_eq!(field(me, "id"), ida.to_string());
    assert_eq!(field(me, "addr"), addr_of(&a));
    assert_eq!(field(me, "laddr"), srv.addr);
    assert!(field(me, "fd").parse::<i64>().unwrap() > 2);
    assert_eq!(field(me, "name"), "alpha");
    assert_eq!(field(me, "flags"), "N");
    assert_eq!(field(me, "db"), "3");
    assert_eq!(field(me, "multi"), "-1");
    assert_eq!(field(me, "qbuf"), "26");
    assert_eq!(field(me, "argv-mem"), "10");
    assert_eq!(field(me, "cmd"), "client|info");
    assert_eq!(field(me, "events"), "r");
    assert_eq!(field(me, "user"), "default");
    assert_eq!(field(me, "redir"), "-1");
    assert_eq!(field(me, "resp"), "2");
    assert_eq!(field(me, "age"), "0");

    // Another client's view: subscriptions, then a transaction.
    b.cmd(&["SUBSCRIBE", "c1", "c2"]);
    b.read_reply();
    b.cmd(&["PSUBSCRIBE", "p*"]);
    b.cmd(&["SSUBSCRIBE", "s"]);
    let lines = client_lines(&a.cmd(&["CLIENT", "LIST"]));
    assert_eq!(lines.len(), 2);
    // Oldest first.
    assert_eq!(field(&lines[0], "id"), ida.to_string());
    let other = &lines[1];
    assert_eq!(field(other, "id"), idb.to_string());
    assert_eq!(field(other, "addr"), addr_of(&b));
    assert_eq!(field(other, "flags"), "P");
    assert_eq!(
        (
            field(other, "sub"),
            field(other, "psub"),
            field(other, "ssub")
        ),
        ("2", "1", "1")
    );
    assert_eq!(field(other, "cmd"), "ssubscribe");
    assert_eq!(field(other, "name"), "");
    assert_eq!(field(&lines[0], "cmd"), "client|list");
    let pubsub = client_lines(&a.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]));
    assert_eq!(pubsub.len(), 1);
    assert_eq!(field(&pubsub[0], "id"), idb.to_string());
    let normal = client_lines(&a.cmd(&["CLIENT", "LIST", "TYPE", "NORMAL"]));
    assert_eq!(normal.len(), 1);
    assert_eq!(field(&normal[0], "id"), ida.to_string());
    b.cmd(&["RESET"]);

    b.expect(&["MULTI"], "+OK\r\n");
    b.expect(&["SET", "a", "1"], "+QUEUED\r\n");
    b.expect(&["GET", "abc"], "+QUEUED\r\n");
    b.expect(
        &["SET", "x"],
        "-ERR wrong number of arguments for 'set' command\r\n",
    );
    let l = &client_lines(&a.cmd(&["CLIENT", "LIST", "ID", &idb.to_string()]))[0];
    assert_eq!(field(l, "flags"), "x");
    assert_eq!(field(l, "multi"), "2");
    // Redis counts the queued arguments plus 8 bytes per argument.
    assert_eq!(field(l, "multi-mem"), (5 + 24 + 6 + 16).to_string());
    assert_eq!(field(l, "cmd"), "set");
    b.cmd(&["DISCARD"]);

    // Blocked, with its arguments held; then NO-EVICT and NO-TOUCH flags,
    // and HELLO 3.
    b.send(&multibulk(&[b"BLPOP", b"nolist", b"0"]));
    assert!(wait_until(Duration::from_secs(5), || {
        let l = &client_lines(&a.cmd(&["CLIENT", "LIST", "ID", &idb.to_string()]))[0];
        field(l, "flags") == "b" && field(l, "argv-mem") == "12" && field(l, "cmd") == "blpop"
    }));
    a.expect(&["SELECT", "0"], "+OK\r\n");
    a.expect(&["RPUSH", "nolist", "v"], ":1\r\n");
    assert_eq!(
        show(&b.read_reply()),
        show(b"*2\r\n$6\r\nnolist\r\n$1\r\nv\r\n")
    );
    b.expect(&["CLIENT", "NO-EVICT", "on"], "+OK\r\n");
    b.expect(&["CLIENT", "NO-TOUCH", "on"], "+OK\r\n");
    b.cmd(&["HELLO", "3"]);
    let ids = [
        ida.to_string(),
        idb.to_string(),
        idb.to_string(),
        "999".into(),
    ];
    let mut args = vec!["CLIENT", "LIST", "ID"];
    args.extend(ids.iter().map(|s| s.as_str()));
    let lines = client_lines(&a.cmd(&args));
    // In the order asked, repeats included, unknown ids skipped.
    assert_eq!(lines.len(), 3);
    assert_eq!(field(&lines[0], "id"), ida.to_string());
    assert_eq!(field(&lines[1], "flags"), "eT");
    assert_eq!(field(&lines[1], "resp"), "3");
    assert_eq!(field(&lines[1], "cmd"), "hello");
    // An unknown command leaves `cmd=NULL`, as in Redis.
    b.cmd(&["NOSUCH"]);
    let l = &client_lines(&a.cmd(&["CLIENT", "LIST", "ID", &idb.to_string()]))[0];
    assert_eq!(field(l, "cmd"), "NULL");
}

#[test]
fn client_kill_old_and_new_forms() {
    let srv = Server::start();
    let mut a = srv.conn();
    let mut b = srv.conn();
    // Old form: +OK, the victim is closed.
    a.expect(&["CLIENT", "KILL", &addr_of(&b)], "+OK\r\n");
    assert_eq!(b.read_to_close(), b"");
    a.expect(&["CLIENT", "KILL", &addr_of(&b)], "-ERR No such client\r\n");
    // New form by ID, then by TYPE.
    let mut c = srv.conn();
    let idc = id_of(&mut c);
    a.expect(&["CLIENT", "KILL", "ID", &idc.to_string()], ":1\r\n");
    assert_eq!(c.read_to_close(), b"");
    a.expect(&["CLIENT", "KILL", "ID", &idc.to_string()], ":0\r\n");
    let mut s = srv.conn();
    s.cmd(&["SUBSCRIBE", "x"]);
    let mut n = srv.conn();
    a.expect(&["CLIENT", "KILL", "TYPE", "pubsub"], ":1\r\n");
    assert_eq!(s.read_to_close(), b"");
    n.expect(&["PING"], "+PONG\r\n");
    // LADDR matches everyone; SKIPME (default yes) spares the caller.
    let mut m = srv.conn();
    let mut blocked = srv.conn();
    blocked.send(&multibulk(&[b"BLPOP", b"q", b"0"]));
    a.expect(&["PING"], "+PONG\r\n");
    a.expect(&["CLIENT", "KILL", "LADDR", &srv.addr], ":3\r\n");
    for c in [&mut n, &mut m, &mut blocked] {
        assert_eq!(c.read_to_close(), b"");
    }
    // The killed blocked client left no trace: a push finds no waiter.
    a.expect(&["RPUSH", "q", "v"], ":1\r\n");
    a.expect(&["LLEN", "q"], ":1\r\n");
    let lines = client_lines(&a.cmd(&["CLIENT", "LIST"]));
    assert_eq!(lines.len(), 1);
    // Pipelined: the kill takes effect before the next command runs.
    let mut v = srv.conn();
    let idv = id_of(&mut v);
    a.send(
        &[
            multibulk(&[b"CLIENT", b"KILL", b"ID", idv.to_string().as_bytes()]),
            multibulk(&[b"CLIENT", b"LIST", b"ID", idv.to_string().as_bytes()]),
        ]
        .concat(),
    );
    assert_eq!(a.read_reply(), b":1\r\n");
    assert_eq!(a.read_reply(), b"$0\r\n\r\n");
    // Killing itself: the reply, then the connection closes.
    a.send(&multibulk(&[
        b"CLIENT",
        b"KILL",
        b"LADDR",
        srv.addr.as_bytes(),
        b"SKIPME",
        b"no",
    ]));
    assert_eq!(show(&a.read_to_close()), ":1\\r\\n");
    let mut o = srv.conn();
    o.send(&multibulk(&[b"CLIENT", b"KILL", addr_of(&o).as_bytes()]));
    o.send(b"PING\r\n");
    assert_eq!(show(&o.read_to_close()), "+OK\\r\\n");
}

#[test]
fn client_pause_write_holds_writes_until_timeout() {
    let srv = Server::start();
    let mut a = srv.conn();
    let mut b = srv.conn();
    let idb = id_of(&mut b);
    b.expect(&["SET", "k", "old"], "+OK\r\n");
    a.expect(&["CLIENT", "PAUSE", "600", "WRITE"], "+OK\r\n");
    let start = Instant::now();
    // Reads go on; the first write waits, and so does what follows it.
    b.send(b"GET k\r\nSET k new\r\nGET k\r\n");
    assert_eq!(b.read_reply(), b"$3\r\nold\r\n");
    assert!(silent_for(&mut b, 200));
    let l = &client_lines(&a.cmd(&["CLIENT", "LIST", "ID", &idb.to_string()]))[0];
    assert_eq!(field(l, "flags"), "b");
    assert_eq!(field(l, "cmd"), "set");
    a.expect(&["GET", "k"], "$3\r\nold\r\n");
    // A later, shorter pause does not shorten it.
    a.expect(&["CLIENT", "PAUSE", "10", "WRITE"], "+OK\r\n");
    assert_eq!(b.read_reply(), b"+OK\r\n");
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(550), "{waited:?}");
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    assert_eq!(b.read_reply(), b"$3\r\nnew\r\n");
}

#[test]
fn client_pause_unpause_and_all_mode() {
    let srv = Server::start();
    let mut a = srv.conn();
    let mut b = srv.conn();
    let mut m = srv.conn();
    m.expect(&["MONITOR"], "+OK\r\n");
    a.expect(&["CLIENT", "PAUSE", "100000", "WRITE"], "+OK\r\n");
    // A transaction is held where a write is queued, and at EXEC.
    b.expect(&["MULTI"], "+OK\r\n");
    b.expect(&["GET", "k"], "+QUEUED\r\n");
    b.send(&multibulk(&[b"SET", b"k", b"1"]));
    assert!(silent_for(&mut b, 150));
    // The pausing client is held like everyone else; CLIENT UNPAUSE is
    // not a write.
    a.send(&multibulk(&[b"INCR", b"n"]));
    assert!(silent_for(&mut a, 100));
    let mut c = srv.conn();
    c.expect(&["CLIENT", "UNPAUSE"], "+OK\r\n");
    assert_eq!(b.read_reply(), b"+QUEUED\r\n");
    assert_eq!(a.read_reply(), b":1\r\n");
    c.expect(&["CLIENT", "PAUSE", "100000", "WRITE"], "+OK\r\n");
    b.send(&multibulk(&[b"EXEC"]));
    assert!(silent_for(&mut b, 150));
    c.expect(&["CLIENT", "UNPAUSE"], "+OK\r\n");
    assert_eq!(b.read_reply(), b"*2\r\n$-1\r\n+OK\r\n");
    // ALL: every command waits, even reads and CLIENT UNPAUSE; errors
    // found before running (unknown command) are answered at once.
    c.expect(&["CLIENT", "PAUSE", "500"], "+OK\r\n");
    let start = Instant::now();
    // Monitors are never paused (they are replicas to Redis).
    m.send(b"PING\r\n");
    let mut seen = String::new();
    loop {
        let r = m.read_reply();
        if r == b"+PONG\r\n" {
            break;
        }
        seen.push_str(&String::from_utf8_lossy(&r));
    }
    b.expect(
        &["NOSUCH"],
        "-ERR unknown command 'NOSUCH', with args beginning with: \r\n",
    );
    b.send(&multibulk(&[b"GET", b"k"]));
    a.send(&multibulk(&[b"CLIENT", b"UNPAUSE"]));
    assert!(silent_for(&mut b, 150));
    assert_eq!(a.read_reply(), b"+OK\r\n");
    assert_eq!(b.read_reply(), b"$1\r\n1\r\n");
    assert!(start.elapsed() >= Duration::from_millis(450));
    // Paused commands still reach the monitor once they run.
    a.expect(&["CLIENT", "PAUSE", "0"], "+OK\r\n");
    a.expect(&["SET", "z", "1"], "+OK\r\n");
    while !seen.contains("\"SET\" \"z\" \"1\"") {
        seen.push_str(&String::from_utf8_lossy(&m.read_reply()));
    }
    assert!(seen.contains("\"SET\" \"k\" \"1\"\r\n"));
    assert!(seen.contains("\"EXEC\"\r\n"));
}

/// CLIENT REPLY OFF and SKIP drop replies (errors included) exactly as
/// Redis does, in one pipeline.
#[test]
fn client_reply_off_and_skip_match_redis() {
    let Some(t) = Twin::new() else { return };
    let (mut a, mut b) = t.conns();
    let pipeline: Vec<u8> = [
        &["CLIENT", "REPLY", "OFF"][..],
        &["SET", "k", "v"],
        &["GET", "k"],
        &["NOSUCH"],
        &["CLIENT", "REPLY", "SKIP"],
        &["CLIENT", "REPLY", "ON"],
        &["CLIENT", "REPLY", "SKIP"],
        &["GET", "k"],
        &["ECHO", "after-skip"],
        &["CLIENT", "REPLY", "SKIP"],
        &["CLIENT", "REPLY", "SKIP"],
        &["PING"],
        &["PING", "last"],
    ]
    .iter()
    .flat_map(|c| multibulk(&c.iter().map(|s| s.as_bytes()).collect::<Vec<_>>()))
    .collect();
    for c in [&mut a, &mut b] {
        c.send(&pipeline);
        c.send(b"QUIT\r\n");
    }
    let (x, y) = (a.read_to_close(), b.read_to_close());
    assert_eq!(show(&x), show(&y));
    assert_eq!(
        show(&x),
        show(b"+OK\r\n$10\r\nafter-skip\r\n$4\r\nlast\r\n+OK\r\n")
    );
}

/// Normalizes MONITOR output: the timestamp and the client's port vary.
fn monitor_lines(raw: &str, addrs: &[(&str, &str)]) -> Vec<String> {
    raw.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (stamp, rest) = l.split_once(' ').unwrap();
            let (secs, micros) = stamp.trim_start_matches('+').split_once('.').unwrap();
            assert_eq!(micros.len(), 6, "{l}");
            let secs: u64 = secs.parse().unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            assert!(now.abs_diff(secs) < 60, "{l}");
            let mut rest = rest.to_string();
            for (addr, tag) in addrs {
                rest = rest.replace(addr, tag);
            }
            rest
        })
        .collect()
}

/// Reads a monitor until `marker` (the command that ends a script).
fn read_monitor(m: &mut Conn, marker: &str) -> String {
    let mut seen = String::new();
    while !seen.contains(marker) {
        let r = m.read_reply();
        seen.push_str(&String::from_utf8_lossy(&r));
    }
    seen
}

#[test]
fn monitor_output_matches_redis() {
    let Some(t) = Twin::new() else { return };
    let script: &[&[&[u8]]] = &[
        &[b"SET", b"k", b"v"],
        &[
            b"SET",
            b"b\x00\x01\"\\\n\r\t\x07\x08\xc3\xa9 ~\x7f",
            b"12345",
        ],
        &[b"select", b"1"],
        &[b"GET", b"k"],
        &[b"AUTH", b"secret"],
        &[b"AUTH", b"user", b"secret"],
        &[b"AUTH", b"a", b"b", b"c"],
        &[b"HELLO", b"2", b"AUTH", b"default", b"pw"],
        &[b"HELLO", b"4", b"AUTH", b"u", b"p"],
        &[b"HELLO", b"2", b"SETNAME", b"n"],
        &[b"CLIENT", b"ID"],
        &[b"CLIENT", b"LIST"],
        &[b"CONFIG", b"GET", b"hz"],
        &[b"MULTI"],
        &[b"SET", b"a", b"1"],
        &[b"INCR", b"a"],
        &[b"EXEC"],
        &[b"NOSUCH"],
        &[b"GET"],
        &[b"ECHO", b""],
        &[b"BLPOP", b"nolist", b"0.01"],
        &[b"SELECT", b"0"],
        &[b"SUBSCRIBE", b"ch"],
        &[b"PING"],
    ];
    let mut outputs = Vec::new();
    for srv_addr in [t.cin.addr.clone(), t.red.addr.clone()] {
        let mut m = Conn::connect(&srv_addr);
        let mut c = Conn::connect(&srv_addr);
        assert_eq!(m.cmd(&["MONITOR"]), b"+OK\r\n");
        let mut replies = Vec::new();
        for cmd in script {
            let reply = show(&c.cmdb(cmd));
            // HELLO, CLIENT ID and CLIENT LIST carry ids and ports.
            if cmd[0] != b"HELLO" && cmd[0] != b"CLIENT" {
                replies.push(reply);
            }
        }
        let raw = read_monitor(&mut m, "\"PING\"");
        let (ca, ma) = (addr_of(&c), addr_of(&m));
        let mut lines = monitor_lines(&raw, &[(&ca, "C"), (&ma, "M")]);
        // The monitor may run commands that do not touch the keyspace,
        // and sees them itself; it may not touch keys.
        replies.push(show(&m.cmd(&["GET", "k"])));
        replies.push(show(&m.cmd(&["CLIENT", "SETNAME", "mon"])));
        lines.extend(monitor_lines(
            &read_monitor(&mut m, "SETNAME"),
            &[(&ma, "M")],
        ));
        // A second MONITOR gets no reply; RESET ends monitoring.
        m.send(&multibulk(&[b"MONITOR"]));
        replies.push(show(&m.cmd(&["RESET"])));
        c.cmd(&["RESET"]);
        c.cmd(&["SET", "after", "reset"]);
        replies.push(show(&m.cmd(&["PING"])));
        outputs.push((replies, lines));
    }
    assert_eq!(outputs[0].0, outputs[1].0, "replies (left: cinnabar)");
    assert_eq!(outputs[0].1, outputs[1].1, "monitor lines (left: cinnabar)");
    assert!(outputs[0]
        .1
        .contains(&r#"[0 C] "SET" "b\x00\x01\"\\\n\r\t\a\b\xc3\xa9 ~\x7f" "12345""#.to_string()));
    assert!(outputs[0]
        .1
        .contains(&r#"[1 C] "AUTH" "(redacted)""#.to_string()));
}

#[test]
fn monitor_stops_after_quit() {
    let srv = Server::start();
    let mut m = srv.conn();
    let mut c = srv.conn();
    m.expect(&["MONITOR"], "+OK\r\n");
    c.expect(&["SET", "k", "v"], "+OK\r\n");
    let line = String::from_utf8(m.read_reply()).unwrap();
    assert!(
        line.ends_with(&format!("[0 {}] \"SET\" \"k\" \"v\"\r\n", addr_of(&c))),
        "{line}"
    );
    // QUIT: +OK, and not even its own line.
    m.send(b"QUIT\r\n");
    assert_eq!(show(&m.read_to_close()), "+OK\\r\\n");
    c.expect(&["SET", "k", "w"], "+OK\r\n");
    let l = client_lines(&c.cmd(&["CLIENT", "LIST"]));
    assert_eq!(l.len(), 1);
    // MONITOR inside a transaction is refused.
    c.expect(&["MULTI"], "+OK\r\n");
    c.expect(&["MONITOR"], "+QUEUED\r\n");
    c.expect(
        &["EXEC"],
        "*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n",
    );
    // A monitor shows as flag O; CLIENT REPLY OFF silences its feed.
    let mut m2 = srv.conn();
    m2.expect(&["MONITOR"], "+OK\r\n");
    let l = client_lines(&c.cmd(&["CLIENT", "LIST"]));
    assert_eq!(field(&l[1], "flags"), "O");
    m2.send(&multibulk(&[b"CLIENT", b"REPLY", b"OFF"]));
    c.expect(&["SET", "quiet", "1"], "+OK\r\n");
    m2.expect(&["CLIENT", "REPLY", "ON"], "+OK\r\n");
    let line = String::from_utf8(m2.read_reply()).unwrap();
    assert!(line.ends_with("\"CLIENT\" \"REPLY\" \"ON\"\r\n"), "{line}");
}

/// CLIENT SETINFO and NO-TOUCH are Redis 7.2 commands, implemented as 7.2
/// does them.
#[test]
fn client_setinfo_and_no_touch() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["CLIENT", "SETINFO", "LIB-NAME", "redis-py"], "+OK\r\n");
    c.expect(&["CLIENT", "SETINFO", "lib-ver", "5.0.1"], "+OK\r\n");
    c.expect(&["CLIENT", "SETINFO", "lib-ver", ""], "+OK\r\n");
    c.expect(
        &["CLIENT", "SETINFO", "LIB-NAME", "a b"],
        "-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n",
    );
    c.expect(
        &["CLIENT", "SETINFO", "Lib-Ver", "1\n"],
        "-ERR Lib-Ver cannot contain spaces, newlines or special characters.\r\n",
    );
    c.expect(
        &["CLIENT", "SETINFO", "nope", "x"],
        "-ERR Unrecognized option 'nope'\r\n",
    );
    c.expect(
        &["CLIENT", "SETINFO", "lib-name"],
        "-ERR wrong number of arguments for 'client|setinfo' command\r\n",
    );
    c.expect(&["CLIENT", "NO-TOUCH", "maybe"], "-ERR syntax error\r\n");
    c.expect(
        &["CLIENT", "NO-TOUCH"],
        "-ERR wrong number of arguments for 'client|no-touch' command\r\n",
    );
    // NO-TOUCH: reads leave the LRU clock alone, TOUCH does not.
    c.expect(&["SET", "k", "v"], "+OK\r\n");
    std::thread::sleep(Duration::from_millis(1100));
    c.expect(&["CLIENT", "NO-TOUCH", "ON"], "+OK\r\n");
    c.expect(&["GET", "k"], "$1\r\nv\r\n");
    c.expect(&["APPEND", "k", "w"], ":2\r\n");
    match c.value(&["OBJECT", "IDLETIME", "k"]) {
        Value::Int(n) => assert!(n >= 1, "{n}"),
        other => panic!("{other:?}"),
    }
    let l = &client_lines(&c.cmd(&["CLIENT", "INFO"]))[0];
    assert_eq!(field(l, "flags"), "T");
    c.expect(&["TOUCH", "k"], ":1\r\n");
    c.expect(&["OBJECT", "IDLETIME", "k"], ":0\r\n");
    // RESET ends it (as 7.2 does).
    c.expect(&["RESET"], "+RESET\r\n");
    let l = &client_lines(&c.cmd(&["CLIENT", "INFO"]))[0];
    assert_eq!(field(l, "flags"), "N");
}
