//! Keyspace commands, expiry and SCAN guarantees.

use std::collections::HashSet;
use std::time::Duration;

use crate::differential::EventPair;
use crate::util::*;

#[test]
fn del_exists_type_touch() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["MSET", "a", "1", "b", "2"], "+OK\r\n");
    c.expect(&["EXISTS", "a", "a", "b", "z"], ":3\r\n");
    c.expect(&["TYPE", "a"], "+string\r\n");
    c.expect(&["TYPE", "z"], "+none\r\n");
    c.expect(&["TOUCH", "a", "z"], ":1\r\n");
    c.expect(&["DEL", "a", "b", "z"], ":2\r\n");
    c.expect(&["UNLINK", "a"], ":0\r\n");
    c.expect(
        &["DEL"],
        "-ERR wrong number of arguments for 'del' command\r\n",
    );
}

#[test]
fn rename_copy_move() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["RENAME", "x", "y"], "-ERR no such key\r\n");
    c.expect(&["SET", "x", "1", "EX", "100"], "+OK\r\n");
    c.expect(&["RENAME", "x", "x"], "+OK\r\n");
    c.expect(&["RENAME", "x", "y"], "+OK\r\n");
    c.expect(&["TTL", "y"], ":100\r\n");
    c.expect(&["SET", "z", "2"], "+OK\r\n");
    c.expect(&["RENAMENX", "y", "z"], ":0\r\n");
    c.expect(&["RENAMENX", "y", "w"], ":1\r\n");
    c.expect(
        &["COPY", "w", "w"],
        "-ERR source and destination objects are the same\r\n",
    );
    c.expect(&["COPY", "w", "z"], ":0\r\n");
    c.expect(&["COPY", "w", "z", "REPLACE"], ":1\r\n");
    c.expect(&["GET", "z"], "$1\r\n1\r\n");
    c.expect(&["TTL", "z"], ":100\r\n");
    c.expect(&["COPY", "w", "w", "DB", "1"], ":1\r\n");
    c.expect(
        &["COPY", "w", "w", "DB", "99"],
        "-ERR DB index is out of range\r\n",
    );
    c.expect(&["COPY", "w", "w", "FOO"], "-ERR syntax error\r\n");
    c.expect(&["MOVE", "w", "1"], ":0\r\n");
    c.expect(
        &["MOVE", "z", "0"],
        "-ERR source and destination objects are the same\r\n",
    );
    c.expect(
        &["MOVE", "z", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["MOVE", "z", "16"], "-ERR DB index is out of range\r\n");
    c.expect(&["MOVE", "z", "2"], ":1\r\n");
    c.expect(&["SELECT", "2"], "+OK\r\n");
    c.expect(&["GET", "z"], "$1\r\n1\r\n");
}

#[test]
fn select_swapdb_flush() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["SELECT", "16"], "-ERR DB index is out of range\r\n");
    c.expect(
        &["SELECT", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["SET", "k", "db0"], "+OK\r\n");
    c.expect(&["SWAPDB", "0", "1"], "+OK\r\n");
    c.expect(&["GET", "k"], "$-1\r\n");
    c.expect(&["SELECT", "1"], "+OK\r\n");
    c.expect(&["GET", "k"], "$3\r\ndb0\r\n");
    c.expect(&["SWAPDB", "x", "1"], "-ERR invalid first DB index\r\n");
    c.expect(&["SWAPDB", "1", "y"], "-ERR invalid second DB index\r\n");
    c.expect(&["SWAPDB", "1", "99"], "-ERR DB index is out of range\r\n");
    c.expect(&["DBSIZE"], ":1\r\n");
    c.expect(&["FLUSHDB", "BAD"], "-ERR syntax error\r\n");
    c.expect(&["FLUSHDB", "ASYNC"], "+OK\r\n");
    c.expect(&["DBSIZE"], ":0\r\n");
    c.expect(&["SELECT", "0"], "+OK\r\n");
    c.expect(&["SET", "a", "1"], "+OK\r\n");
    c.expect(&["FLUSHALL"], "+OK\r\n");
    c.expect(&["DBSIZE"], ":0\r\n");
}

#[test]
fn expire_family_and_options() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["EXPIRE", "k", "10"], ":0\r\n");
    c.expect(&["SET", "k", "v"], "+OK\r\n");
    c.expect(&["TTL", "k"], ":-1\r\n");
    c.expect(&["TTL", "nokey"], ":-2\r\n");
    c.expect(&["EXPIRE", "k", "100", "XX"], ":0\r\n");
    c.expect(&["EXPIRE", "k", "100", "NX"], ":1\r\n");
    c.expect(&["EXPIRE", "k", "200", "NX"], ":0\r\n");
    c.expect(&["EXPIRE", "k", "50", "GT"], ":0\r\n");
    c.expect(&["EXPIRE", "k", "200", "GT"], ":1\r\n");
    c.expect(&["EXPIRE", "k", "300", "LT"], ":0\r\n");
    c.expect(&["PEXPIRE", "k", "150000", "LT"], ":1\r\n");
    c.expect(&["TTL", "k"], ":150\r\n");
    c.expect(
        &["EXPIRE", "k", "1", "NX", "XX"],
        "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
    );
    c.expect(
        &["EXPIRE", "k", "1", "GT", "LT"],
        "-ERR GT and LT options at the same time are not compatible\r\n",
    );
    c.expect(
        &["EXPIRE", "k", "1", "YY"],
        "-ERR Unsupported option YY\r\n",
    );
    c.expect(
        &["EXPIRE", "k", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(
        &["EXPIRE", "k", "9223372036854775807"],
        "-ERR invalid expire time in 'expire' command\r\n",
    );
    c.expect(&["EXPIREAT", "k", "4102444800"], ":1\r\n");
    c.expect(&["EXPIRETIME", "k"], ":4102444800\r\n");
    c.expect(&["PEXPIRETIME", "k"], ":4102444800000\r\n");
    c.expect(&["PERSIST", "k"], ":1\r\n");
    c.expect(&["PERSIST", "k"], ":0\r\n");
    c.expect(&["EXPIRETIME", "k"], ":-1\r\n");
    c.expect(&["EXPIRE", "k", "-1"], ":1\r\n");
    c.expect(&["EXISTS", "k"], ":0\r\n");
}

/// With active expiry off, an expired key is still never visible: not to
/// GET, EXISTS, KEYS, SCAN, DBSIZE or RANDOMKEY.
#[test]
fn expired_keys_are_never_visible() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"], "+OK\r\n");
    c.expect(&["SET", "live", "1"], "+OK\r\n");
    for i in 0..20 {
        c.expect(&["SET", &format!("dead{i}"), "1", "PX", "50"], "+OK\r\n");
    }
    std::thread::sleep(Duration::from_millis(120));
    c.expect(&["KEYS", "*"], "*1\r\n$4\r\nlive\r\n");
    c.expect(
        &["SCAN", "0", "COUNT", "1000"],
        "*2\r\n$1\r\n0\r\n*1\r\n$4\r\nlive\r\n",
    );
    c.expect(&["EXISTS", "dead1"], ":0\r\n");
    c.expect(&["GET", "dead2"], "$-1\r\n");
    for _ in 0..20 {
        c.expect(&["RANDOMKEY"], "$4\r\nlive\r\n");
    }
    c.expect(&["DBSIZE"], ":1\r\n");
}

#[test]
fn active_expiry_removes_keys_nobody_reads() {
    let srv = Server::start();
    let mut c = srv.conn();
    for i in 0..200 {
        c.expect(&["SET", &format!("k{i}"), "v", "PX", "30"], "+OK\r\n");
    }
    c.expect(&["SET", "keep", "v"], "+OK\r\n");
    std::thread::sleep(Duration::from_millis(600));
    let info = String::from_utf8(c.cmd(&["INFO", "keyspace"])).unwrap();
    assert!(info.contains("db0:keys=1,expires=0"), "{info}");
    let stats = String::from_utf8(c.cmd(&["INFO", "stats"])).unwrap();
    assert!(stats.contains("expired_keys:200"), "{stats}");
}

#[test]
fn keys_glob_patterns() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(
        &[
            "MSET", "hello", "1", "hallo", "1", "hxllo", "1", "hllo", "1", "h*llo", "1",
        ],
        "+OK\r\n",
    );
    let keys = |c: &mut Conn, p: &str| -> HashSet<String> {
        match c.value(&["KEYS", p]) {
            Value::Array(v) => v
                .into_iter()
                .map(|x| String::from_utf8(x.as_bytes().unwrap().to_vec()).unwrap())
                .collect(),
            other => panic!("{other:?}"),
        }
    };
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<HashSet<_>>();
    assert_eq!(
        keys(&mut c, "h?llo"),
        set(&["hello", "hallo", "hxllo", "h*llo"])
    );
    assert_eq!(
        keys(&mut c, "h*llo"),
        set(&["hello", "hallo", "hxllo", "hllo", "h*llo"])
    );
    assert_eq!(keys(&mut c, "h[ae]llo"), set(&["hello", "hallo"]));
    assert_eq!(keys(&mut c, "h[^e]llo"), set(&["hallo", "hxllo", "h*llo"]));
    assert_eq!(keys(&mut c, "h[a-b]llo"), set(&["hallo"]));
    assert_eq!(keys(&mut c, "h\\*llo"), set(&["h*llo"]));
}

#[test]
fn scan_options_and_errors() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["SCAN", "abc"], "-ERR invalid cursor\r\n");
    c.expect(&["SCAN", "0", "COUNT", "0"], "-ERR syntax error\r\n");
    c.expect(
        &["SCAN", "0", "COUNT", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["SCAN", "0", "BOGUS"], "-ERR syntax error\r\n");
    c.expect(&["SCAN", "0"], "*2\r\n$1\r\n0\r\n*0\r\n");
    c.expect(&["SET", "abc", "1"], "+OK\r\n");
    c.expect(&["SET", "xyz", "1"], "+OK\r\n");
    c.expect(
        &["SCAN", "0", "MATCH", "a*", "COUNT", "100"],
        "*2\r\n$1\r\n0\r\n*1\r\n$3\r\nabc\r\n",
    );
    c.expect(
        &["SCAN", "0", "TYPE", "list", "COUNT", "100"],
        "*2\r\n$1\r\n0\r\n*0\r\n",
    );
}

fn scan_all(c: &mut Conn, cursor: &str) -> (String, Vec<String>) {
    match c.value(&["SCAN", cursor, "COUNT", "50"]) {
        Value::Array(mut v) => {
            let keys = match v.pop() {
                Some(Value::Array(k)) => k
                    .into_iter()
                    .map(|x| String::from_utf8(x.as_bytes().unwrap().to_vec()).unwrap())
                    .collect(),
                other => panic!("{other:?}"),
            };
            let next = String::from_utf8(v.pop().unwrap().as_bytes().unwrap().to_vec()).unwrap();
            (next, keys)
        }
        other => panic!("{other:?}"),
    }
}

/// SCAN returns every key that exists for the whole scan at least once,
/// while other keys are added and removed (forcing rehashes) in between.
#[test]
fn scan_guarantee_under_churn() {
    let srv = Server::start();
    let mut c = srv.conn();
    let mut batch = Vec::new();
    for i in 0..5000 {
        batch.extend(multibulk(&[b"SET", format!("stable:{i}").as_bytes(), b"1"]));
    }
    c.send(&batch);
    for _ in 0..5000 {
        c.read_reply();
    }
    let mut seen = HashSet::new();
    let mut cursor = "0".to_string();
    let mut step = 0;
    loop {
        let (next, keys) = scan_all(&mut c, &cursor);
        seen.extend(keys);
        step += 1;
        // Grow the table a lot, then shrink it again, between cursor calls.
        let mut churn = Vec::new();
        for i in 0..2000 {
            let key = format!("churn:{step}:{i}");
            churn.extend(multibulk(&[b"SET", key.as_bytes(), b"x"]));
        }
        if step > 2 {
            for i in 0..2000 {
                let key = format!("churn:{}:{i}", step - 2);
                churn.extend(multibulk(&[b"DEL", key.as_bytes()]));
            }
        }
        c.send(&churn);
        for _ in 0..(if step > 2 { 4000 } else { 2000 }) {
            c.read_reply();
        }
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    for i in 0..5000 {
        assert!(
            seen.contains(&format!("stable:{i}")),
            "SCAN missed stable:{i}"
        );
    }
}

#[test]
fn randomkey_and_object_idletime() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["RANDOMKEY"], "$-1\r\n");
    c.expect(&["SET", "only", "1"], "+OK\r\n");
    c.expect(&["RANDOMKEY"], "$4\r\nonly\r\n");
    c.expect(&["OBJECT", "IDLETIME", "only"], ":0\r\n");
    c.expect(
        &["OBJECT", "FREQ", "only"],
        "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n",
    );
    c.expect(
        &["OBJECT", "NOPE", "only"],
        "-ERR unknown subcommand 'NOPE'. Try OBJECT HELP.\r\n",
    );
    c.expect(
        &["OBJECT"],
        "-ERR wrong number of arguments for 'object' command\r\n",
    );
    c.expect(
        &["OBJECT", "ENCODING"],
        "-ERR wrong number of arguments for 'object|encoding' command\r\n",
    );
    let help = c.cmd(&["OBJECT", "HELP"]);
    assert!(show(&help)
        .starts_with("*15\\r\\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
}

/// Every keyspace write publishes the events redis-server publishes, in
/// the same order and database; no-ops and errors publish nothing.
#[test]
fn keyspace_events_match_redis() {
    let Some(mut p) = EventPair::new("KEA") else {
        return;
    };
    let mut n = p.script(&[
        // DEL and UNLINK: one `del` per key removed, in argument order.
        &["MSET", "a", "1", "b", "2", "c", "3"],
        &["DEL", "a", "nope", "b", "a"],
        &["DEL", "nope"],
        &["UNLINK", "c", "c"],
        &["UNLINK", "nope"],
        // The EXPIRE family: `expire`, or `del` for a time already past.
        &["SET", "e", "1"],
        &["EXPIRE", "e", "100"],
        &["EXPIRE", "e", "200", "NX"],
        &["EXPIRE", "e", "50", "GT"],
        &["EXPIRE", "e", "200", "GT"],
        &["EXPIRE", "e", "300", "LT"],
        &["PEXPIRE", "e", "50000", "LT"],
        &["PEXPIRE", "e", "60000", "XX"],
        &["EXPIREAT", "e", "99999999999"],
        &["PEXPIREAT", "e", "99999999999999", "GT"],
        &["EXPIRE", "e", "100", "NX", "XX"],
        &["EXPIRE", "e", "100", "GT", "LT"],
        &["EXPIRE", "e", "100", "FOO"],
        &["EXPIRE", "e", "abc"],
        &["EXPIRE", "e", "9223372036854775807"],
        &["EXPIRE", "nope", "100"],
        &["PERSIST", "e"],
        &["PERSIST", "e"],
        &["PERSIST", "nope"],
        &["EXPIRE", "e", "100", "XX"],
        &["EXPIRE", "e", "100", "GT"],
        &["EXPIRE", "e", "100", "LT"],
        &["EXPIRE", "e", "100", "NX"],
        &["EXPIRE", "e", "-1"],
        &["SET", "e", "1"],
        &["PEXPIRE", "e", "0"],
        &["SET", "e", "1"],
        &["EXPIREAT", "e", "1"],
        &["SET", "e", "1"],
        &["PEXPIREAT", "e", "0"],
        &["SET", "e", "1", "EX", "100"],
        &["EXPIRE", "e", "-5", "LT"],
        // RENAME and RENAMENX: `rename_from` then `rename_to`.
        &["SET", "r", "1", "EX", "100"],
        &["RENAME", "r", "r"],
        &["RENAME", "nope", "r2"],
        &["RENAME", "r", "r2"],
        &["TTL", "r2"],
        &["SET", "r3", "x"],
        &["RENAME", "r2", "r3"],
        &["RENAMENX", "r3", "r3"],
        &["RENAMENX", "nope", "r3"],
        &["SET", "r4", "y"],
        &["RENAMENX", "r3", "r4"],
        &["RENAMENX", "r3", "r5"],
        // COPY: only `copy_to`, in the destination's database.
        &["COPY", "r5", "c1"],
        &["COPY", "r5", "c1"],
        &["COPY", "r5", "c1", "REPLACE"],
        &["COPY", "nope", "c2"],
        &["COPY", "r5", "r5"],
        &["COPY", "r5", "c1", "DB", "1"],
        &["COPY", "r5", "c1", "DB", "1"],
        &["COPY", "r5", "c1", "DB", "1", "REPLACE"],
        &["COPY", "r5", "r5", "DB", "1", "REPLACE"],
        &["COPY", "r5", "c1", "DB", "99"],
        &["COPY", "r5", "c1", "BAD"],
        // MOVE: `move_from` in the source, `move_to` in the destination.
        &["MOVE", "c1", "1"],
        &["MOVE", "r5", "1"],
        &["SET", "mv", "1", "PX", "100000"],
        &["MOVE", "mv", "1"],
        &["MOVE", "mv", "1"],
        &["MOVE", "nope", "1"],
        &["MOVE", "r4", "0"],
        &["MOVE", "r4", "99"],
        &["MOVE", "r4", "x"],
        &["SELECT", "1"],
        &["TTL", "mv"],
        &["MOVE", "mv", "0"],
        &["RENAME", "c1", "c9"],
        &["DEL", "c9", "r5"],
        &["EXPIRE", "r5", "100"],
        &["SELECT", "0"],
        &["TTL", "mv"],
        // Reads publish nothing.
        &["EXISTS", "mv", "nope"],
        &["TYPE", "mv"],
        &["TTL", "mv"],
        &["PTTL", "mv"],
        &["EXPIRETIME", "mv"],
        &["TOUCH", "mv", "nope"],
        &["KEYS", "*"],
        &["DBSIZE"],
        // Neither does flushing or swapping databases.
        &["SET", "f", "1"],
        &["SWAPDB", "0", "1"],
        &["SWAPDB", "0", "0"],
        &["FLUSHDB"],
        &["SET", "f", "1"],
        &["FLUSHALL"],
    ]);
    // A key that expired is announced before what the command does to it
    // (one key per wait, so active expiry cannot reorder them).
    for (setup, cmd) in [
        (&["SET", "x", "1"][..], &["DEL", "x"][..]),
        (&["SET", "x", "1"], &["EXPIRE", "x", "100"]),
        (&["SET", "x", "1"], &["PERSIST", "x"]),
        (&["SET", "x", "1"], &["RENAME", "x", "y"]),
        (&["SET", "y", "1"], &["RENAME", "y", "x"]),
        (&["SET", "y", "1"], &["COPY", "y", "x"]),
        (&["SET", "x", "1"], &["MOVE", "x", "1"]),
    ] {
        n += p.check(setup).len();
        n += p.check(&["PEXPIRE", "x", "100"]).len();
        std::thread::sleep(Duration::from_millis(150));
        n += p.check(cmd).len();
    }
    // `new` comes before the rename, copy or move that created the key.
    p.check(&["CONFIG", "SET", "notify-keyspace-events", "KEAn"]);
    n += p.script(&[
        &["SET", "n1", "1"],
        &["SET", "n2", "2"],
        &["RENAME", "n1", "n2"],
        &["RENAME", "n2", "n3"],
        &["RENAMENX", "n3", "n4"],
        &["COPY", "n4", "n5"],
        &["COPY", "n4", "n5", "REPLACE"],
        &["COPY", "n4", "n5", "DB", "1"],
        &["MOVE", "n4", "2"],
    ]);
    assert!(n >= 100, "only {n} events compared");
}

/// Whether a transaction WATCHing a key runs after each keyspace command:
/// writes doom it on every key they change, no-ops and errors do not.
#[test]
fn watch_invalidation_matches_redis() {
    let Some(mut p) = EventPair::new("") else {
        return;
    };
    let w = &mut p.pair;
    w.check_str(&["MSET", "a", "1", "b", "2", "c", "3"]);
    let cases: &[(&str, &[&str])] = &[
        // Reads.
        ("a", &["EXISTS", "a"]),
        ("a", &["TYPE", "a"]),
        ("a", &["TTL", "a"]),
        ("a", &["TOUCH", "a"]),
        ("a", &["KEYS", "*"]),
        ("a", &["DBSIZE"]),
        ("a", &["RANDOMKEY"]),
        ("a", &["OBJECT", "ENCODING", "a"]),
        // DEL and UNLINK touch every key they remove.
        ("x", &["DEL", "x"]),
        ("b", &["DEL", "a", "b"]),
        ("a", &["DEL", "a", "b"]),
        ("c", &["UNLINK", "x", "c"]),
        ("c", &["UNLINK", "c"]),
        // The EXPIRE family, including refused options.
        ("e", &["SET", "e", "1"]),
        ("x", &["EXPIRE", "x", "100"]),
        ("e", &["EXPIRE", "e", "100"]),
        ("e", &["EXPIRE", "e", "100", "NX"]),
        ("e", &["EXPIRE", "e", "50", "GT"]),
        ("e", &["EXPIRE", "e", "500", "LT"]),
        ("e", &["EXPIRE", "e", "50", "LT"]),
        ("e", &["PEXPIRE", "e", "60000", "XX"]),
        ("e", &["EXPIREAT", "e", "99999999999", "GT"]),
        ("e", &["PEXPIREAT", "e", "99999999999999"]),
        ("e", &["EXPIRE", "e", "abc"]),
        ("e", &["EXPIRE", "e", "1", "NX", "XX"]),
        ("e", &["PERSIST", "e"]),
        ("e", &["PERSIST", "e"]),
        ("e", &["EXPIRE", "e", "100", "XX"]),
        ("e", &["EXPIRE", "e", "0"]),
        ("e", &["SET", "e", "1"]),
        ("e", &["PEXPIREAT", "e", "1"]),
        // RENAME touches both keys; RENAMENX only when it renames.
        ("r", &["SET", "r", "1"]),
        ("r", &["RENAME", "r", "r"]),
        ("r", &["RENAME", "r", "r2"]),
        ("r3", &["SET", "r3", "x"]),
        ("r3", &["RENAME", "r2", "r3"]),
        ("r3", &["RENAME", "nope", "r3"]),
        ("r4", &["SET", "r4", "y"]),
        ("r3", &["RENAMENX", "r3", "r4"]),
        ("r4", &["RENAMENX", "r3", "r4"]),
        ("r5", &["RENAMENX", "r3", "r5"]),
        // COPY touches only the destination, when it copies.
        ("r5", &["COPY", "r5", "c1"]),
        ("c1", &["COPY", "r5", "c1"]),
        ("c1", &["COPY", "r5", "c1"]),
        ("c1", &["COPY", "r5", "c1", "REPLACE"]),
        ("c2", &["COPY", "nope", "c2"]),
        ("c1", &["COPY", "r5", "c1", "DB", "1"]),
        // MOVE touches the key in the source database.
        ("c1", &["MOVE", "c1", "1"]),
        ("c1", &["MOVE", "nope", "1"]),
        ("r5", &["MOVE", "r5", "1"]),
        ("r5", &["MOVE", "r5", "1"]),
    ];
    let ran = w.check_watches(cases);
    assert!(ran >= 15 && ran <= cases.len() - 15, "{ran} ran");
    // From database 1: MOVE and COPY touch the key in the destination
    // (the watchers are in database 0).
    w.check_str(&["SELECT", "1"]);
    w.check_str(&["SET", "m", "1"]);
    assert!(!w.check_watch("m", &["MOVE", "m", "0"]));
    assert!(w.check_watch("m", &["MOVE", "m", "0"]));
    assert!(!w.check_watch("k", &["COPY", "r5", "k", "DB", "0"]));
    assert!(w.check_watch("k", &["COPY", "r5", "k", "DB", "0"]));
    assert!(w.check_watch("r5", &["DEL", "r5"]));
    w.check_str(&["SELECT", "0"]);
    // A key watched after it expired (but before anything removed it):
    // removing it is no change, overwriting it is.
    for (cmd, runs) in [
        (&["DEL", "t"][..], true),
        (&["EXPIRE", "t", "100"], true),
        (&["SET", "t", "2"], false),
    ] {
        w.check_str(&["SET", "t", "1", "PX", "100"]);
        std::thread::sleep(Duration::from_millis(150));
        assert_eq!(w.check_watch("t", cmd), runs, "{cmd:?}");
    }
    // FLUSHDB, FLUSHALL and SWAPDB touch the keys that exist.
    w.check_str(&["SET", "f", "1"]);
    assert!(w.check_watch("nope", &["FLUSHDB"]));
    w.check_str(&["SET", "f", "1"]);
    assert!(!w.check_watch("f", &["FLUSHDB"]));
    w.check_str(&["SET", "f", "1"]);
    assert!(!w.check_watch("f", &["FLUSHALL"]));
    w.check_str(&["SET", "g", "1"]);
    assert!(w.check_watch("g", &["SWAPDB", "0", "0"]));
    assert!(!w.check_watch("g", &["SWAPDB", "0", "1"]));
    assert!(!w.check_watch("g", &["SWAPDB", "0", "1"]));
    assert!(w.check_watch("nope", &["SWAPDB", "0", "1"]));
}

/// RENAME, COPY and MOVE create their destination as any new key: a client
/// blocked on it is served (as Redis's `dbAdd` signals the key ready), but
/// only by a value of the type it waits for.
#[test]
fn rename_copy_move_serve_blocked_clients() {
    let srv = Server::start();
    let mut c = srv.conn();
    let mut blocked = srv.conn();
    let cases: &[(&[&str], &[&str])] = &[
        (&["RPUSH", "src", "a"], &["RENAME", "src", "dst"]),
        (&["RPUSH", "src", "b"], &["RENAMENX", "src", "dst"]),
        (&["RPUSH", "src", "c"], &["COPY", "src", "dst"]),
        (&["RPUSH", "src", "d"], &["COPY", "src", "dst", "DB", "1"]),
        (&["RPUSH", "dst", "e"], &["MOVE", "dst", "1"]),
    ];
    for (setup, cmd) in cases {
        c.cmd(&["FLUSHALL"]);
        c.cmd(setup);
        let db = if cmd.contains(&"1") { "1" } else { "0" };
        blocked.expect(&["SELECT", db], "+OK\r\n");
        blocked.send_cmd(&["BLPOP", "dst", "0"]);
        wait_blocked(&mut c, 1);
        assert!(!c.cmd(cmd).starts_with(b"-"), "{cmd:?}");
        let want = format!("*2\r\n$3\r\ndst\r\n$1\r\n{}\r\n", setup[2]);
        assert_eq!(
            show(&blocked.read_reply()),
            show(want.as_bytes()),
            "{cmd:?}"
        );
    }
    // A string renamed onto the key does not serve a list waiter.
    c.cmd(&["FLUSHALL"]);
    blocked.expect(&["SELECT", "0"], "+OK\r\n");
    c.expect(&["SET", "s", "1"], "+OK\r\n");
    blocked.send_cmd(&["BLPOP", "dst", "0"]);
    wait_blocked(&mut c, 1);
    c.expect(&["RENAME", "s", "dst"], "+OK\r\n");
    c.expect(&["PING"], "+PONG\r\n");
    assert_eq!(info_field(&mut c, "blocked_clients"), "1");
}

/// Time stands still for a script (keys it reads do not expire under it),
/// also while it runs past busy-reply-threshold and the loop serves other
/// clients meanwhile, as in Redis 7.0.
#[test]
fn issue20_keys_do_not_expire_under_a_running_script() {
    let Some(mut p) = crate::differential::Pair::new() else {
        return;
    };
    let script = "redis.call('set', KEYS[1], 'v', 'px', 50) \
        local t0 = redis.call('time') \
        while true do \
          local t = redis.call('time') \
          if (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 300000 then break end \
        end \
        return {redis.call('get', KEYS[1]), redis.call('exists', KEYS[1])}";
    p.check_str(&["CONFIG", "SET", "busy-reply-threshold", "100"]);
    p.check_str(&["EVAL", script, "1", "k"]);
    // Outside the script the key has expired.
    p.check_str(&["GET", "k"]);
}
