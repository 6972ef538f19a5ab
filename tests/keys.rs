//! Keyspace commands, expiry and SCAN guarantees.

use std::collections::HashSet;
use std::time::Duration;

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
