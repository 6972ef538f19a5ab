//! MEMORY, INFO memory, LATENCY and DEBUG: exact replies, and shapes and
//! errors compared with redis-server.

use crate::differential::Pair;
use crate::util::*;

/// The field names of an INFO section, in order.
fn info_fields(c: &mut Conn, section: &str) -> Vec<String> {
    let Value::Bulk(text) = c.value(&["INFO", section]) else {
        panic!("INFO reply")
    };
    String::from_utf8(text)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect()
}

fn info_field(c: &mut Conn, name: &str) -> u64 {
    let Value::Bulk(text) = c.value(&["INFO", "memory"]) else {
        panic!("INFO reply")
    };
    let text = String::from_utf8(text).unwrap();
    let prefix = format!("{name}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .parse()
        .unwrap()
}

#[test]
fn info_memory_fields_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let ours = info_fields(&mut p.cin, "memory");
    let theirs = info_fields(&mut p.red, "memory");
    assert_eq!(ours, theirs);
}

/// Keys of a flat RESP2 map reply, recursing into nested maps.
fn map_keys(v: &Value) -> Vec<String> {
    let Value::Array(items) = v else {
        panic!("{v:?}")
    };
    let mut keys = Vec::new();
    for pair in items.chunks(2) {
        let k = String::from_utf8_lossy(pair[0].as_bytes().unwrap()).into_owned();
        keys.push(k.clone());
        if let Value::Array(_) = &pair[1] {
            keys.extend(map_keys(&pair[1]).into_iter().map(|s| format!("{k}/{s}")));
        }
    }
    keys
}

#[test]
fn memory_stats_fields_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["SET", "k", "v"]);
    p.check_str(&["SET", "t", "v", "EX", "100"]);
    let ours = map_keys(&p.cin.value(&["MEMORY", "STATS"]));
    let theirs = map_keys(&p.red.value(&["MEMORY", "STATS"]));
    assert_eq!(ours, theirs);
}

#[test]
fn memory_errors_and_help_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["RPUSH", "l", "a", "b"]);
    for c in [
        &["MEMORY", "USAGE"][..],
        &["MEMORY", "USAGE", "nokey"],
        &["MEMORY", "USAGE", "nokey", "SAMPLES", "x"],
        &["MEMORY", "USAGE", "nokey", "SAMPLES", "5"],
        &["MEMORY", "USAGE", "l", "SAMPLES"],
        &["MEMORY", "USAGE", "l", "SAMPLES", "x"],
        &["MEMORY", "USAGE", "l", "SAMPLES", "-1"],
        &["MEMORY", "USAGE", "l", "FOO", "1"],
        &["MEMORY", "USAGE", "l", "SAMPLES", "1", "SAMPLES"],
        &["MEMORY", "STATS", "x"],
        &["MEMORY", "DOCTOR", "x"],
        &["MEMORY", "PURGE"],
        &["MEMORY", "PURGE", "x"],
        &["MEMORY", "MALLOC-STATS", "x"],
        &["MEMORY", "NOSUCH"],
        &["MEMORY"],
        &["MEMORY", "HELP"],
        // Both instances are too small for the doctor.
        &["MEMORY", "DOCTOR"],
        &["CONFIG", "SET", "latency-monitor-threshold", "-1"],
        &["CONFIG", "SET", "latency-monitor-threshold", "x"],
        &["CONFIG", "GET", "latency-monitor-threshold"],
    ] {
        p.check_str(c);
    }
    // Integer replies on both, values our own.
    for c in [
        &["MEMORY", "USAGE", "l"][..],
        &["MEMORY", "USAGE", "l", "SAMPLES", "0"],
    ] {
        assert!(matches!(p.cin.value(c), Value::Int(n) if n > 0));
        assert!(matches!(p.red.value(c), Value::Int(n) if n > 0));
    }
    // Both run jemalloc: its statistics report, whose figures differ.
    for v in [
        p.cin.value(&["MEMORY", "MALLOC-STATS"]),
        p.red.value(&["MEMORY", "MALLOC-STATS"]),
    ] {
        let Value::Bulk(text) = v else {
            panic!("{v:?}")
        };
        let text = String::from_utf8_lossy(&text);
        assert!(
            text.starts_with("___ Begin jemalloc statistics ___"),
            "{text}"
        );
        assert!(text.contains("Allocated:"), "{text}");
    }
    // Ours runs with its build-time options (src/alloc.rs).
    let Value::Bulk(text) = p.cin.value(&["MEMORY", "MALLOC-STATS"]) else {
        panic!()
    };
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains("Global variable malloc_conf: \"slab_sizes:1-4096:16\""),
        "{text}"
    );
}

#[test]
fn memory_usage_counts_keys_and_values() {
    let srv = Server::start();
    let mut c = srv.conn();
    let usage = |c: &mut Conn, args: &[&str]| match c.value(args) {
        Value::Int(n) => n,
        other => panic!("{other:?}"),
    };
    let big = "x".repeat(10_000);
    c.expect(&["SET", "big", &big], "+OK\r\n");
    let n = usage(&mut c, &["MEMORY", "USAGE", "big"]);
    assert!((10_000..10_400).contains(&n), "{n}");
    // A TTL adds an entry in the TTL table.
    c.expect(&["EXPIRE", "big", "100"], ":1\r\n");
    assert!(usage(&mut c, &["MEMORY", "USAGE", "big"]) > n);
    // A big hash: every field counted with SAMPLES 0, estimated otherwise.
    for i in 0..1000 {
        c.cmd(&["HSET", "h", &format!("field:{i}"), &"v".repeat(100)]);
    }
    let all = usage(&mut c, &["MEMORY", "USAGE", "h", "SAMPLES", "0"]);
    assert!((1000 * 108..1000 * 400).contains(&all), "{all}");
    let est = usage(&mut c, &["MEMORY", "USAGE", "h"]);
    assert!((all - est).abs() < all / 10, "{est} vs {all}");
    c.expect(&["MEMORY", "USAGE", "nokey"], "$-1\r\n");
}

#[test]
fn used_memory_grows_with_keys_and_shrinks_after_flushall() {
    let srv = Server::start_with(&["--appendonly", "no"]);
    let mut c = srv.conn();
    let before = info_field(&mut c, "used_memory");
    let mut batch = Vec::new();
    for i in 0..100_000 {
        batch.extend(multibulk(&[
            b"SET",
            format!("key:{i:06}").as_bytes(),
            format!("value:{i:06}").as_bytes(),
        ]));
    }
    c.send(&batch);
    for _ in 0..100_000 {
        c.read_reply();
    }
    let full = info_field(&mut c, "used_memory");
    let grown = full - before;
    // Each key holds at least its 10-byte name, its 12-byte value and a
    // table node; anything near a kilobyte a key would be a leak.
    assert!(
        (5_000_000..50_000_000).contains(&grown),
        "grew by {grown} bytes"
    );
    assert!(info_field(&mut c, "used_memory_peak") >= full);
    // The table nodes (with the values inline) are overhead, as Redis
    // counts dictEntry and robj; the dataset is at least the key and value
    // bytes.
    let dataset = info_field(&mut c, "used_memory_dataset");
    assert!(dataset > 100_000 * 22, "dataset {dataset} of {grown}");
    c.expect(&["FLUSHALL"], "+OK\r\n");
    let after = info_field(&mut c, "used_memory");
    assert!(after < before + 1_000_000, "{before} -> {full} -> {after}");
}

#[test]
fn latency_monitor_matches_redis_shapes() {
    let Some(mut p) = Pair::new() else { return };
    for c in [
        &["LATENCY", "LATEST"][..],
        &["LATENCY", "HISTORY", "command"],
        &["LATENCY", "GRAPH", "command"],
        &["LATENCY", "DOCTOR"],
        &["LATENCY", "HISTORY"],
        &["LATENCY", "GRAPH", "a", "b"],
        &["LATENCY", "LATEST", "x"],
        &["LATENCY", "DOCTOR", "x"],
        &["LATENCY", "NOSUCH"],
        &["LATENCY", "HELP"],
        &["LATENCY", "RESET", "nosuch"],
        &["LATENCY", "HISTOGRAM", "nosuch"],
        &["CONFIG", "SET", "latency-monitor-threshold", "100"],
        &["LATENCY", "DOCTOR"],
        &["DEBUG", "SLEEP", "0"],
        &["LATENCY", "LATEST"],
    ] {
        p.check_str(c);
    }
    p.check_str(&["DEBUG", "SLEEP", "0.15"]);
    // Times and durations differ: compare with digits masked.
    let mask = |v: Vec<u8>| -> String {
        String::from_utf8_lossy(&v)
            .chars()
            .map(|c| if c.is_ascii_digit() { '9' } else { c })
            .collect::<String>()
            .replace("99", "9")
            .replace("99", "9")
            .replace("99", "9")
    };
    for c in [
        &["LATENCY", "LATEST"][..],
        &["LATENCY", "HISTORY", "command"],
        &["LATENCY", "GRAPH", "command"],
    ] {
        let ours = mask(p.cin.cmd(c));
        let theirs = mask(p.red.cmd(c));
        assert_eq!(ours, theirs, "{c:?}");
    }
    let Value::Array(latest) = p.cin.value(&["LATENCY", "LATEST"]) else {
        panic!()
    };
    let Value::Array(ev) = &latest[0] else {
        panic!()
    };
    assert_eq!(ev[0].as_bytes(), Some(&b"command"[..]));
    assert!(matches!(ev[2], Value::Int(ms) if (150..1000).contains(&ms)));
    // The doctor's report starts as Redis's does.
    let first_line = |v: Vec<u8>| {
        let s = String::from_utf8_lossy(&v).into_owned();
        s.lines().nth(1).unwrap_or_default().to_string()
    };
    assert_eq!(
        first_line(p.cin.cmd(&["LATENCY", "DOCTOR"])),
        first_line(p.red.cmd(&["LATENCY", "DOCTOR"]))
    );
    p.check_str(&["LATENCY", "RESET"]);
    p.check_str(&["LATENCY", "LATEST"]);
    // Histograms: same commands and call counts.
    for _ in 0..3 {
        p.check_str(&["SET", "k", "v"]);
    }
    let hist = |c: &mut Conn| {
        let Value::Array(v) = c.value(&["LATENCY", "HISTOGRAM", "set", "nosuch"]) else {
            panic!()
        };
        let Value::Array(inner) = &v[1] else { panic!() };
        (
            v[0].clone(),
            inner[0].clone(),
            inner[1].clone(),
            inner[2].clone(),
        )
    };
    assert_eq!(hist(&mut p.cin), hist(&mut p.red));
}

#[test]
fn debug_object_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    for c in [
        &["CONFIG", "SET", "list-max-listpack-size", "2"][..],
        &["SET", "int", "123"],
        &["SET", "emb", "hello"],
        &["RPUSH", "list", "a", "b", "c"],
        &["HSET", "hash", "f", "v"],
        &["SADD", "ints", "1", "2", "3"],
        &["SADD", "strs", "a", "b"],
        &["ZADD", "zset", "1", "a"],
        &["RPUSH", "ql", "1", "2", "3", "4", "5", "6", "7"],
        &["DEBUG", "OBJECT", "nokey"],
        &["DEBUG", "OBJECT"],
        &["DEBUG", "OBJECT", "a", "b"],
        &["DEBUG", "NOPE"],
        &["DEBUG", "SLEEP"],
    ] {
        p.check_str(c);
    }
    // Address, LRU clock and idle time are ours; the rest is Redis's.
    let strip = |v: Vec<u8>| -> String {
        String::from_utf8_lossy(&v)
            .split(' ')
            .filter(|f| !f.starts_with("at:") && !f.starts_with("lru"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for key in ["int", "emb", "list", "hash", "ints", "strs", "zset", "ql"] {
        let c = ["DEBUG", "OBJECT", key];
        assert_eq!(strip(p.cin.cmd(&c)), strip(p.red.cmd(&c)), "{key}");
    }
}

#[test]
fn debug_reload_preserves_the_dataset() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["SET", "s", "hello"], "+OK\r\n");
    c.expect(&["SET", "n", "42"], "+OK\r\n");
    c.expect(&["PEXPIRE", "n", "100000"], ":1\r\n");
    c.expect(&["RPUSH", "l", "a", "b", "c"], ":3\r\n");
    c.expect(&["HSET", "h", "f", "v"], ":1\r\n");
    c.expect(&["SADD", "set", "x", "y"], ":2\r\n");
    c.expect(&["ZADD", "z", "1.5", "m"], ":1\r\n");
    c.expect(&["SELECT", "3"], "+OK\r\n");
    c.expect(&["SET", "other", "db"], "+OK\r\n");
    c.expect(&["DEBUG", "RELOAD"], "+OK\r\n");
    c.expect(&["GET", "other"], "$2\r\ndb\r\n");
    c.expect(&["SELECT", "0"], "+OK\r\n");
    c.expect(&["DBSIZE"], ":6\r\n");
    c.expect(&["GET", "s"], "$5\r\nhello\r\n");
    c.expect(&["OBJECT", "ENCODING", "n"], "$3\r\nint\r\n");
    assert!(matches!(c.value(&["PTTL", "n"]), Value::Int(t) if t > 90_000 && t <= 100_000));
    c.expect(
        &["LRANGE", "l", "0", "-1"],
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    c.expect(&["HGET", "h", "f"], "$1\r\nv\r\n");
    c.expect(&["SISMEMBER", "set", "y"], ":1\r\n");
    c.expect(&["ZSCORE", "z", "m"], "$3\r\n1.5\r\n");
    c.expect(
        &["DEBUG", "RELOAD", "NOSAVE"],
        "-ERR unknown subcommand or wrong number of arguments for 'RELOAD'. Try DEBUG HELP.\r\n",
    );
}

#[test]
fn debug_sleep_records_a_command_event() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["DEBUG", "SLEEP", "0.12"], "+OK\r\n");
    // Off by default: nothing recorded.
    c.expect(&["LATENCY", "LATEST"], "*0\r\n");
    c.expect(
        &["CONFIG", "SET", "latency-monitor-threshold", "100"],
        "+OK\r\n",
    );
    c.expect(&["DEBUG", "SLEEP", "0.12"], "+OK\r\n");
    c.expect(&["DEBUG", "SLEEP", "0.01"], "+OK\r\n");
    let Value::Array(h) = c.value(&["LATENCY", "HISTORY", "command"]) else {
        panic!()
    };
    assert_eq!(h.len(), 1);
    c.expect(&["LATENCY", "RESET", "command", "nosuch"], ":1\r\n");
    c.expect(&["LATENCY", "HISTORY", "command"], "*0\r\n");
}
