//! maxmemory and eviction: what each policy keeps, the OOM refusal under
//! noeviction (also in MULTI), `evicted` events, `evicted_keys`, the AOF
//! after evictions, and the error texts against redis-server.

use crate::differential::Pair;
use crate::util::*;

const VALUE: &str = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv";

/// Sets maxmemory `extra` bytes above the current used_memory.
fn limit_above_used(c: &mut Conn, extra: u64) -> u64 {
    let used: u64 = info_field(c, "used_memory").parse().unwrap();
    let limit = used + extra;
    c.expect(
        &["CONFIG", "SET", "maxmemory", &limit.to_string()],
        "+OK\r\n",
    );
    limit
}

/// Writes keys `{prefix}{i}` for i in `range`, pipelined; `ttl(i)` gives
/// an EX in seconds, or None. Every `touch_every` keys, `touch` runs.
/// Returns how many SETs got an error reply.
fn flood(
    c: &mut Conn,
    prefix: &str,
    range: std::ops::Range<u64>,
    ttl: impl Fn(u64) -> Option<u64>,
    touch: impl FnMut(&mut Conn, u64),
) -> u64 {
    flood_values(c, prefix, range, VALUE, ttl, touch)
}

/// [`flood`] with `value` as every key's value.
fn flood_values(
    c: &mut Conn,
    prefix: &str,
    range: std::ops::Range<u64>,
    value: &str,
    ttl: impl Fn(u64) -> Option<u64>,
    mut touch: impl FnMut(&mut Conn, u64),
) -> u64 {
    let mut errors = 0;
    let ids: Vec<u64> = range.collect();
    for chunk in ids.chunks(1000) {
        let mut buf = Vec::new();
        for &i in chunk {
            let key = format!("{prefix}{i}");
            match ttl(i) {
                Some(t) => buf.extend(multibulk(&[
                    b"SET",
                    key.as_bytes(),
                    value.as_bytes(),
                    b"EX",
                    t.to_string().as_bytes(),
                ])),
                None => buf.extend(multibulk(&[b"SET", key.as_bytes(), value.as_bytes()])),
            }
        }
        c.send(&buf);
        for _ in chunk {
            if c.read_reply().starts_with(b"-") {
                errors += 1;
            }
        }
        touch(c, chunk[0]);
    }
    errors
}

fn exists(c: &mut Conn, key: &str) -> bool {
    c.cmd(&["EXISTS", key]) == b":1\r\n"
}

fn dbsize(c: &mut Conn) -> u64 {
    match c.value(&["DBSIZE"]) {
        Value::Int(n) => n as u64,
        v => panic!("{v:?}"),
    }
}

fn evicted_keys(c: &mut Conn) -> u64 {
    info_field(c, "evicted_keys").parse().unwrap()
}

/// Fills a server with 1000 persistent keys and 200k volatile ones under
/// `policy`; returns (persistent keys left, volatile keys left, evicted).
fn volatile_run(policy: &str) -> (usize, u64, u64) {
    let srv = Server::start_with(&["--appendonly", "no"]);
    let mut c = srv.conn();
    c.expect(&["CONFIG", "SET", "maxmemory-policy", policy], "+OK\r\n");
    flood(&mut c, "keep:", 0..1000, |_| None, |_, _| {});
    limit_above_used(&mut c, 4 << 20);
    let errors = flood(&mut c, "vol:", 0..200_000, |_| Some(10_000), |_, _| {});
    assert_eq!(errors, 0, "{policy}: volatile keys remained to evict");
    let kept = (0..1000)
        .filter(|i| exists(&mut c, &format!("keep:{i}")))
        .count();
    let total = dbsize(&mut c);
    (kept, total - kept as u64, evicted_keys(&mut c))
}

#[test]
fn volatile_policies_evict_only_keys_with_a_ttl() {
    for policy in [
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    ] {
        let (kept, vol, evicted) = volatile_run(policy);
        assert_eq!(kept, 1000, "{policy}");
        assert!(vol > 1000 && vol < 150_000, "{policy}: {vol} volatile left");
        assert_eq!(evicted, 200_000 - vol, "{policy}");
    }
}

#[test]
fn volatile_ttl_evicts_the_shortest_ttls_first() {
    let srv = Server::start_with(&["--appendonly", "no"]);
    let mut c = srv.conn();
    c.expect(
        &["CONFIG", "SET", "maxmemory-policy", "volatile-ttl"],
        "+OK\r\n",
    );
    limit_above_used(&mut c, 4 << 20);
    // The later the key, the longer its TTL.
    flood(&mut c, "k:", 0..200_000, |i| Some(1000 + i), |_, _| {});
    let left = dbsize(&mut c);
    assert!(left < 150_000, "{left}");
    // The survivors should be the most recent keys: at least 90% of the
    // last `left` keys written.
    let recent = (200_000 - left..200_000)
        .step_by(10)
        .filter(|i| exists(&mut c, &format!("k:{i}")))
        .count() as f64;
    let share = recent / (left as f64 / 10.0);
    assert!(share > 0.9, "only {share:.2} of the longest TTLs kept");
    // And an early key (short TTL) is gone.
    assert!(!exists(&mut c, "k:0"));
}

#[test]
fn volatile_policy_without_volatile_keys_refuses_writes() {
    let srv = Server::start_with(&["--appendonly", "no"]);
    let mut c = srv.conn();
    c.expect(
        &["CONFIG", "SET", "maxmemory-policy", "volatile-lru"],
        "+OK\r\n",
    );
    limit_above_used(&mut c, 1 << 20);
    let errors = flood(&mut c, "p:", 0..50_000, |_| None, |_, _| {});
    assert!(errors > 0);
    assert_eq!(evicted_keys(&mut c), 0);
    c.expect(
        &["SET", "x", "1"],
        "-OOM command not allowed when used memory > 'maxmemory'.\r\n",
    );
}

#[test]
fn noeviction_refuses_writes_but_reads_and_deletes_work() {
    let srv = Server::start_with(&["--appendonly", "no"]);
    let mut c = srv.conn();
    let limit = limit_above_used(&mut c, 2 << 20);
    let errors = flood(&mut c, "k:", 0..50_000, |_| None, |_, _| {});
    assert!(errors > 0, "never refused");
    let oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    c.expect(&["SET", "new", "1"], oom);
    c.expect(&["APPEND", "k:0", "x"], oom);
    c.expect(&["GET", "k:1"], &format!("$100\r\n{VALUE}\r\n"));
    c.expect(&["DEL", "k:1"], ":1\r\n");
    assert_eq!(evicted_keys(&mut c), 0);
    let used: u64 = info_field(&mut c, "used_memory").parse().unwrap();
    assert!(used < limit + (1 << 20), "used {used} limit {limit}");
    // MULTI: refused at queue time, then EXEC aborts. Well over the
    // limit: the DEL, or a read buffer given back, may have brought
    // memory just under it.
    c.expect(&["CONFIG", "SET", "maxmemory", "1"], "+OK\r\n");
    c.expect(&["MULTI"], "+OK\r\n");
    c.expect(&["SET", "new", "1"], oom);
    c.expect(&["GET", "k:2"], oom);
    c.expect(
        &["EXEC"],
        "-EXECABORT Transaction discarded because of previous errors.\r\n",
    );
    // Queued before the limit was hit: EXEC itself is refused.
    c.expect(&["CONFIG", "SET", "maxmemory", "0"], "+OK\r\n");
    c.expect(&["MULTI"], "+OK\r\n");
    c.expect(&["SET", "new", "1"], "+QUEUED\r\n");
    let mut other = srv.conn();
    other.expect(&["CONFIG", "SET", "maxmemory", "1"], "+OK\r\n");
    c.expect(
        &["EXEC"],
        "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n",
    );
    c.expect(&["EXEC"], "-ERR EXEC without MULTI\r\n");
    // A read-only transaction still runs.
    other.expect(&["CONFIG", "SET", "maxmemory", "0"], "+OK\r\n");
    c.expect(&["MULTI"], "+OK\r\n");
    c.expect(&["GET", "k:3"], "+QUEUED\r\n");
    other.expect(&["CONFIG", "SET", "maxmemory", "1"], "+OK\r\n");
    c.expect(&["EXEC"], &format!("*1\r\n$100\r\n{VALUE}\r\n"));
}

#[test]
fn allkeys_random_stays_under_the_limit() {
    let srv = Server::start_with(&["--appendonly", "no"]);
    let mut c = srv.conn();
    c.expect(
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-random"],
        "+OK\r\n",
    );
    let limit = limit_above_used(&mut c, 4 << 20);
    let errors = flood(&mut c, "k:", 0..200_000, |_| None, |_, _| {});
    assert_eq!(errors, 0);
    let left = dbsize(&mut c);
    assert!(left > 1000 && left < 150_000, "{left}");
    assert_eq!(evicted_keys(&mut c), 200_000 - left);
    let used: u64 = info_field(&mut c, "used_memory").parse().unwrap();
    assert!(used <= limit + (64 << 10), "used {used} limit {limit}");
}

/// Writes 1000 hot keys, then floods 200k keys while reading the hot keys
/// between batches; returns the share of hot keys that survived.
fn hot_keys_survival(c: &mut Conn, policy: &str) -> f64 {
    c.expect(&["CONFIG", "SET", "maxmemory-policy", policy], "+OK\r\n");
    flood(c, "hot:", 0..1000, |_| None, |_, _| {});
    limit_above_used(c, 24 << 20);
    let touch = |c: &mut Conn, _| {
        let mut buf = Vec::new();
        for i in 0..1000 {
            buf.extend(multibulk(&[b"GET", format!("hot:{i}").as_bytes()]));
        }
        c.send(&buf);
        for _ in 0..1000 {
            c.read_reply();
        }
    };
    flood(c, "cold:", 0..200_000, |_| None, touch);
    let kept = (0..1000).filter(|i| exists(c, &format!("hot:{i}"))).count();
    let evicted = evicted_keys(c);
    eprintln!("{policy}: {evicted} evicted");
    assert!(evicted > 10_000, "{policy}: few evictions");
    kept as f64 / 1000.0
}

#[test]
fn allkeys_lru_and_lfu_keep_hot_keys_like_redis() {
    for policy in ["allkeys-lru", "allkeys-lfu"] {
        let srv = Server::start_with(&["--appendonly", "no"]);
        let ours = hot_keys_survival(&mut srv.conn(), policy);
        let theirs = match redis() {
            Some(r) => hot_keys_survival(&mut Conn::connect(&r.addr), policy),
            None => 0.5,
        };
        eprintln!("{policy}: hot keys kept: cinnabar {ours:.3}, redis {theirs:.3}");
        assert!(ours > 0.5, "{policy}: only {ours:.3} of hot keys kept");
        assert!(
            ours >= theirs - 0.15,
            "{policy}: {ours:.3} vs redis {theirs:.3}"
        );
    }
}

#[test]
fn evictions_are_announced_counted_and_not_replayed_from_the_aof() {
    let dir = TempDir::new("evict-aof");
    let (kept, evicted) = {
        let srv = Server::start_in(dir.path(), &[]);
        let mut c = srv.conn();
        let mut sub = srv.conn();
        c.expect(
            &["CONFIG", "SET", "notify-keyspace-events", "Ee"],
            "+OK\r\n",
        );
        sub.cmd(&["SUBSCRIBE", "__keyevent@0__:evicted"]);
        c.expect(
            &["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
            "+OK\r\n",
        );
        // `sub` does not read until the end, so every eviction leaves its
        // event (about 150 bytes) in that client's output, which counts
        // as used memory. With 100-byte values an eviction freed barely
        // more than that, and whether the keyspace emptied (and SETs were
        // refused) before the flood ended depended on a few bytes of
        // per-key overhead. 1000-byte values make an eviction free far
        // more than its event costs; 16 MB leaves about half the keys.
        limit_above_used(&mut c, 16 << 20);
        let value = "v".repeat(1000);
        let refused = flood_values(&mut c, "k:", 0..30_000, &value, |_| None, |_, _| {});
        assert_eq!(refused, 0, "SETs refused with OOM");
        // Stop evicting before counting: with memory at the limit, any
        // command (INFO, EXISTS) may evict more (the events delivered to
        // `sub`, which is not reading yet, grow its output buffer).
        c.expect(&["CONFIG", "SET", "maxmemory", "0"], "+OK\r\n");
        let evicted = evicted_keys(&mut c);
        assert!(evicted > 1000, "{evicted}");
        let mut announced = std::collections::HashSet::new();
        for _ in 0..evicted {
            match sub.read_value() {
                Value::Array(v) if v.len() == 3 => match &v[2] {
                    Value::Bulk(k) => {
                        announced.insert(String::from_utf8(k.clone()).unwrap());
                    }
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(announced.len() as u64, evicted);
        for k in announced.iter().take(200) {
            assert!(!exists(&mut c, k), "{k} announced but still there");
        }
        let kept = dbsize(&mut c);
        assert_eq!(kept + evicted, 30_000);
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
        (kept, announced)
    };
    let srv = Server::start_in(dir.path(), &[]);
    let mut c = srv.conn();
    assert_eq!(dbsize(&mut c), kept);
    for k in evicted.iter().take(500) {
        assert!(!exists(&mut c, k), "{k} came back after restart");
    }
}

#[test]
fn object_freq_counts_accesses_under_lfu() {
    let srv = Server::start_with(&["--appendonly", "no"]);
    let mut c = srv.conn();
    c.expect(
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
        "+OK\r\n",
    );
    c.expect(&["SET", "k", "v"], "+OK\r\n");
    c.expect(&["OBJECT", "FREQ", "k"], ":5\r\n");
    for _ in 0..2000 {
        c.cmd(&["GET", "k"]);
    }
    let f = match c.value(&["OBJECT", "FREQ", "k"]) {
        Value::Int(n) => n,
        v => panic!("{v:?}"),
    };
    // Redis's LFULogIncr with lfu-log-factor 10: at counter c a hit
    // increments with probability 1/((c-5)*10+1), so N hits reach about
    // 5 + sqrt(N/5): ~25 for 2,000 (Redis's table: 1K hits -> 18). 25
    // fresh servers gave 18..30 and CI once 32, 12 fresh redis-servers
    // 22..31, so the old bound (30) failed now and then; a counter that
    // never moved (5) or moved on every hit (255) is still far outside.
    assert!((12..=40).contains(&f), "{f}");
    // Overwriting keeps the frequency.
    c.cmd(&["SET", "k", "w"]);
    c.expect(&["OBJECT", "FREQ", "k"], &format!(":{f}\r\n"));
}

#[test]
fn errors_and_config_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["SET", "k", "v"]);
    p.check_str(&["OBJECT", "FREQ", "k"]);
    p.check_str(&["CONFIG", "SET", "maxmemory-policy", "nosuch"]);
    p.check_str(&["CONFIG", "SET", "lfu-log-factor", "-1"]);
    p.check_str(&["CONFIG", "SET", "lfu-decay-time", "x"]);
    p.check_str(&["CONFIG", "GET", "lfu-*"]);
    p.check_str(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
    p.check_str(&["OBJECT", "IDLETIME", "k"]);
    p.check_str(&["OBJECT", "FREQ", "nokey"]);
    p.check_str(&["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    p.check_str(&["CONFIG", "SET", "maxmemory", "1"]);
    p.check_str(&["SET", "k2", "v"]);
    p.check_str(&["GET", "k"]);
    p.check_str(&["MULTI"]);
    p.check_str(&["INCR", "n"]);
    p.check_str(&["EXEC"]);
    p.check_str(&["DEL", "k"]);
    p.check_str(&["CONFIG", "SET", "maxmemory", "0"]);
    p.check_str(&["SET", "k2", "v"]);
}
