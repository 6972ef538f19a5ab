//! Lazy freeing: UNLINK, FLUSHALL/FLUSHDB ASYNC and the `lazyfree-*`
//! flags free big values on the helper thread. What goes there and what
//! INFO counts is compared with redis-server; that the loop keeps serving
//! while a 3M-member set is freed is measured with a PING probe.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::differential::Pair;
use crate::util::*;

/// One numeric field of INFO.
fn mem_field(c: &mut Conn, name: &str) -> u64 {
    let v = info_field(c, name);
    v.parse()
        .unwrap_or_else(|_| panic!("{name} is not a number: {v:?}"))
}

/// `lazyfreed_objects` once nothing is pending any more (waits up to 20 s).
#[track_caller]
fn lazyfreed(c: &mut Conn) -> u64 {
    let t = Instant::now();
    while mem_field(c, "lazyfree_pending_objects") != 0 {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "lazy free never ends"
        );
        thread::sleep(Duration::from_millis(5));
    }
    mem_field(c, "lazyfreed_objects")
}

/// `n` members `{prefix}0`, `{prefix}1`, ...: not integers, so a set of
/// them is a hash table from the start.
fn members(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn with_members<'a>(cmd: &[&'a str], m: &'a [String]) -> Vec<&'a str> {
    let mut v = cmd.to_vec();
    v.extend(m.iter().map(String::as_str));
    v
}

/// Which deletions go to the thread, and what INFO counts, as Redis:
/// the effort threshold per type and encoding, DEL/UNLINK, each
/// `lazyfree-*` flag, FLUSHALL/FLUSHDB ASYNC (one object per key) and
/// CONFIG RESETSTAT.
#[test]
fn lazyfreed_objects_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    /// Runs `cmds` on both; returns `lazyfreed_objects`, the same on both.
    #[track_caller]
    fn step(p: &mut Pair, what: &str, cmds: &[Vec<&str>]) -> u64 {
        for c in cmds {
            p.check_str(c);
        }
        let (ours, theirs) = (lazyfreed(&mut p.cin), lazyfreed(&mut p.red));
        assert_eq!(ours, theirs, "lazyfreed_objects after {what}");
        ours
    }
    let m64 = members("m", 64);
    let m65 = members("m", 65);
    let m200 = members("m", 200);
    let ints: Vec<String> = (0..500).map(|i| i.to_string()).collect();
    // Past hash-max-listpack-entries (512) and zset-max-listpack-entries (128).
    let fields: Vec<String> = (0..600)
        .flat_map(|i| [format!("f{i}"), "v".into()])
        .collect();
    let few_fields: Vec<String> = (0..100)
        .flat_map(|i| [format!("f{i}"), "v".into()])
        .collect();
    let scored: Vec<String> = (0..200)
        .flat_map(|i| [i.to_string(), format!("m{i}")])
        .collect();
    let big = |k| with_members(&["SADD", k], &m65);
    let long = "x".repeat(100_000);

    // Effort per type: only hash tables, skiplists and long quicklists of
    // more than 64 go to the thread.
    let n = step(
        &mut p,
        "UNLINK of 65 members",
        &[big("s"), vec!["UNLINK", "s"]],
    );
    assert_eq!(n, 1);
    let cases: Vec<(&str, Vec<Vec<&str>>)> = vec![
        (
            "64 members",
            vec![with_members(&["SADD", "s"], &m64), vec!["UNLINK", "s"]],
        ),
        (
            "an intset",
            vec![with_members(&["SADD", "s"], &ints), vec!["UNLINK", "s"]],
        ),
        (
            "a listpack hash",
            vec![
                with_members(&["HSET", "h"], &few_fields),
                vec!["UNLINK", "h"],
            ],
        ),
        (
            "a hashtable hash",
            vec![with_members(&["HSET", "h"], &fields), vec!["UNLINK", "h"]],
        ),
        (
            "a skiplist",
            vec![with_members(&["ZADD", "z"], &scored), vec!["UNLINK", "z"]],
        ),
        (
            "a long string",
            vec![vec!["SET", "str", &long], vec!["UNLINK", "str"]],
        ),
        (
            "a list of 65 nodes",
            vec![
                vec!["CONFIG", "SET", "list-max-listpack-size", "1"],
                with_members(&["RPUSH", "l"], &m65),
                vec!["UNLINK", "l"],
                with_members(&["RPUSH", "l"], &m64),
                vec!["UNLINK", "l"],
                vec!["CONFIG", "SET", "list-max-listpack-size", "-2"],
                with_members(&["RPUSH", "l"], &m200),
                vec!["UNLINK", "l"],
            ],
        ),
        // DEL frees in place unless lazyfree-lazy-user-del.
        ("DEL", vec![big("s"), vec!["DEL", "s"]]),
        (
            "lazyfree-lazy-user-del",
            vec![
                vec!["CONFIG", "SET", "lazyfree-lazy-user-del", "yes"],
                big("s"),
                vec!["DEL", "s"],
                vec!["CONFIG", "SET", "lazyfree-lazy-user-del", "no"],
            ],
        ),
        // Overwrites and deletions a command makes on its own.
        (
            "server deletes, flag off",
            vec![
                big("s"),
                vec!["SET", "s", "x"],
                big("a"),
                big("b"),
                vec!["RENAME", "a", "b"],
                vec!["SUNIONSTORE", "b", "nosuch"],
                vec!["DEL", "s"],
            ],
        ),
        (
            "lazyfree-lazy-server-del",
            vec![
                vec!["CONFIG", "SET", "lazyfree-lazy-server-del", "yes"],
                big("s"),
                vec!["SET", "s", "x"],
                big("a"),
                big("b"),
                vec!["RENAME", "a", "b"],
                big("c"),
                vec!["SUNIONSTORE", "c", "nosuch"],
                big("d"),
                vec!["COPY", "b", "d", "REPLACE"],
                vec!["DEL", "b", "d"],
                vec!["CONFIG", "SET", "lazyfree-lazy-server-del", "no"],
            ],
        ),
        // EXPIRE in the past is an expiry, not a server delete.
        (
            "EXPIRE in the past",
            vec![
                vec!["CONFIG", "SET", "lazyfree-lazy-server-del", "yes"],
                big("s"),
                vec!["EXPIRE", "s", "-1"],
                vec!["CONFIG", "SET", "lazyfree-lazy-server-del", "no"],
                vec!["CONFIG", "SET", "lazyfree-lazy-expire", "yes"],
                big("s"),
                vec!["EXPIRE", "s", "-1"],
                vec!["CONFIG", "SET", "lazyfree-lazy-expire", "no"],
            ],
        ),
        // Streams: radix tree nodes, plus groups times the first PEL.
        (
            "a stream of 65 blocks",
            vec![
                vec!["CONFIG", "SET", "stream-node-max-entries", "1"],
                vec!["XADD", "st", "1-1", "f", "v"],
            ],
        ),
    ];
    let mut expected = n;
    for (what, cmds) in &cases {
        let got = step(&mut p, what, cmds);
        assert!(got >= expected, "{what}: the count went down");
        expected = got;
    }
    // Counts so far, as Redis gives them: hashtable hash, skiplist, 65
    // nodes, user-del, server-del (SET, RENAME, SUNIONSTORE, COPY), EXPIRE.
    assert_eq!(expected, 1 + 1 + 1 + 1 + 1 + 4 + 1);

    // Streams.
    for i in 2..=70 {
        p.check_str(&["XADD", "st", &format!("1-{i}"), "f", "v"]);
    }
    step(&mut p, "a stream of 70 blocks", &[vec!["UNLINK", "st"]]);
    p.check_str(&["CONFIG", "SET", "stream-node-max-entries", "100"]);
    let mut cmds = vec![];
    let ids: Vec<String> = (1..=30).map(|i| format!("1-{i}")).collect();
    for id in &ids {
        cmds.push(vec!["XADD", "st", id.as_str(), "f", "v"]);
    }
    for g in ["g1", "g2", "g3"] {
        cmds.push(vec!["XGROUP", "CREATE", "st", g, "0"]);
    }
    cmds.push(vec![
        "XREADGROUP",
        "GROUP",
        "g1",
        "alice",
        "STREAMS",
        "st",
        ">",
    ]);
    cmds.push(vec!["UNLINK", "st"]);
    step(&mut p, "a stream with groups", &cmds);

    // FLUSHALL/FLUSHDB ASYNC count one object per key; SYNC none;
    // lazyfree-lazy-user-flush makes the plain form ASYNC.
    let before = step(&mut p, "", &[]);
    let flushes: Vec<(&str, Vec<Vec<&str>>, u64)> = vec![
        (
            "FLUSHALL ASYNC",
            vec![
                vec!["MSET", "a", "1", "b", "2", "c", "3"],
                vec!["SELECT", "1"],
                vec!["SET", "x", "1"],
                vec!["SELECT", "0"],
                vec!["FLUSHALL", "ASYNC"],
            ],
            4,
        ),
        (
            "FLUSHDB ASYNC",
            vec![vec!["MSET", "a", "1", "b", "2"], vec!["FLUSHDB", "ASYNC"]],
            2,
        ),
        (
            "FLUSHALL",
            vec![vec!["MSET", "a", "1", "b", "2"], vec!["FLUSHALL"]],
            0,
        ),
        (
            "lazyfree-lazy-user-flush",
            vec![
                vec!["CONFIG", "SET", "lazyfree-lazy-user-flush", "yes"],
                vec!["MSET", "a", "1", "b", "2"],
                vec!["FLUSHALL"],
                vec!["MSET", "a", "1"],
                vec!["FLUSHDB"],
                vec!["MSET", "a", "1", "b", "2"],
                vec!["FLUSHALL", "SYNC"],
                vec!["CONFIG", "SET", "lazyfree-lazy-user-flush", "no"],
            ],
            3,
        ),
    ];
    let mut total = before;
    for (what, cmds, more) in &flushes {
        total += more;
        assert_eq!(step(&mut p, what, cmds), total, "{what}");
    }
    p.check_str(&["CONFIG", "RESETSTAT"]);
    assert_eq!(step(&mut p, "CONFIG RESETSTAT", &[]), 0);
    for name in [
        "lazyfree-lazy-eviction",
        "lazyfree-lazy-expire",
        "lazyfree-lazy-server-del",
        "lazyfree-lazy-user-del",
        "lazyfree-lazy-user-flush",
        "replica-lazy-flush",
    ] {
        p.check_str(&["CONFIG", "GET", name]);
        p.check_str(&["CONFIG", "SET", name, "yes"]);
        p.check_str(&["CONFIG", "GET", name]);
        p.check_str(&["CONFIG", "SET", name, "maybe"]);
        p.check_str(&["CONFIG", "SET", name, "no"]);
    }
}

/// Keys removed by lazy and by active expiry honour
/// `lazyfree-lazy-expire`, as in Redis.
#[test]
fn expiry_honours_lazyfree_lazy_expire() {
    let Some(mut p) = Pair::new() else { return };
    let m = members("m", 100);
    p.check_str(&["CONFIG", "SET", "lazyfree-lazy-expire", "yes"]);
    // Lazy expiry: the key is found expired when read.
    p.check_str(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    p.check_str(&with_members(&["SADD", "s"], &m));
    p.check_str(&["PEXPIRE", "s", "1"]);
    thread::sleep(Duration::from_millis(20));
    p.check_str(&["EXISTS", "s"]);
    assert_eq!((lazyfreed(&mut p.cin), lazyfreed(&mut p.red)), (1, 1));
    // Active expiry: the cron finds it.
    p.check_str(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    p.check_str(&with_members(&["SADD", "t"], &m));
    p.check_str(&["PEXPIRE", "t", "1"]);
    for c in [&mut p.cin, &mut p.red] {
        let t = Instant::now();
        while c.cmd(&["DBSIZE"]) != b":0\r\n" {
            assert!(t.elapsed() < Duration::from_secs(5), "never expired");
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(lazyfreed(c), 2);
    }
    // Off: freed in place.
    p.check_str(&["CONFIG", "SET", "lazyfree-lazy-expire", "no"]);
    p.check_str(&with_members(&["SADD", "u"], &m));
    p.check_str(&["PEXPIRE", "u", "1"]);
    thread::sleep(Duration::from_millis(20));
    p.check_str(&["EXISTS", "u"]);
    assert_eq!((lazyfreed(&mut p.cin), lazyfreed(&mut p.red)), (2, 2));
}

/// An evicted big value goes to the thread under
/// `lazyfree-lazy-eviction`, and what the thread is about to free counts
/// as freed: evicting the one candidate is enough to admit the write,
/// even before the thread is done.
#[test]
fn eviction_honours_lazyfree_lazy_eviction() {
    let srv = Server::start_with(&["--appendonly", "no"]);
    let mut c = srv.conn();
    let m = members("member-of-a-big-set-", 20_000);
    for chunk in m.chunks(1000) {
        c.cmd(&with_members(&["SADD", "big"], chunk));
    }
    // The only key with a TTL: the only candidate under volatile-lru.
    c.expect(&["EXPIRE", "big", "1000"], ":1\r\n");
    for i in 0..10 {
        c.cmd(&["SET", &format!("small{i}"), "v"]);
    }
    let used = mem_field(&mut c, "used_memory");
    let limit = (used - 200_000).to_string();
    c.expect(
        &["CONFIG", "SET", "lazyfree-lazy-eviction", "yes"],
        "+OK\r\n",
    );
    c.expect(
        &["CONFIG", "SET", "maxmemory-policy", "volatile-lru"],
        "+OK\r\n",
    );
    c.expect(&["CONFIG", "SET", "maxmemory", &limit], "+OK\r\n");
    c.expect(&["SET", "new", "v"], "+OK\r\n");
    assert_eq!(c.cmd(&["EXISTS", "big"]), b":0\r\n");
    assert_eq!(lazyfreed(&mut c), 1);
    assert_eq!(c.cmd(&["DBSIZE"]), b":11\r\n");
    assert!(mem_field(&mut c, "used_memory") < used - 500_000);
}

/// Worst PING round trip seen by a probe connection while `during` runs
/// on another connection, and how long `during` took.
fn probe_while(srv: &Server, during: impl FnOnce()) -> (Duration, Duration, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let mut probe = srv.conn();
    let flag = Arc::clone(&stop);
    let h = thread::spawn(move || {
        let mut worst = Duration::ZERO;
        let mut n = 0u64;
        while !flag.load(Ordering::Relaxed) {
            let t = Instant::now();
            assert_eq!(probe.cmd(&["PING"]), b"+PONG\r\n");
            worst = worst.max(t.elapsed());
            n += 1;
            // A probe, not a load: leave the cores to the server.
            thread::sleep(Duration::from_millis(1));
        }
        (worst, n)
    });
    thread::sleep(Duration::from_millis(50));
    let t = Instant::now();
    during();
    let took = t.elapsed();
    thread::sleep(Duration::from_millis(50));
    stop.store(true, Ordering::Relaxed);
    let (worst, n) = h.join().unwrap();
    (worst, took, n)
}

/// Issue 19: a probe client's PING never stalls for more than a few
/// milliseconds while a 3M-member set is unlinked, where DEL of the same
/// set stops the loop for the whole free. `used_memory` drops once the
/// thread is done.
#[test]
fn unlink_of_a_3m_set_does_not_stall_the_loop() {
    let srv = Server::start_with(&["--appendonly", "no"]);
    let mut c = srv.conn();
    let base = mem_field(&mut c, "used_memory");
    // 300 pipelined SADDs of 10,000 members.
    let mut buf = Vec::with_capacity(40 << 20);
    let mut args: Vec<Vec<u8>> = Vec::with_capacity(10_002);
    for chunk in 0..300u32 {
        args.clear();
        args.push(b"SADD".to_vec());
        args.push(b"big".to_vec());
        for i in chunk * 10_000..(chunk + 1) * 10_000 {
            args.push(format!("m{i}").into_bytes());
        }
        let a: Vec<&[u8]> = args.iter().map(|v| &v[..]).collect();
        buf.extend_from_slice(&multibulk(&a));
    }
    c.send(&buf);
    for _ in 0..300 {
        assert_eq!(c.read_reply(), b":10000\r\n");
    }
    assert_eq!(c.cmd(&["SCARD", "big"]), b":3000000\r\n");
    c.expect(&["COPY", "big", "copy"], ":1\r\n");

    let (del_worst, del_took, _) = probe_while(&srv, || {
        let mut c = srv.conn();
        c.expect(&["DEL", "copy"], ":1\r\n");
    });
    let full = mem_field(&mut c, "used_memory");
    // The machine's own noise, for the message.
    let (idle, _, _) = probe_while(&srv, || thread::sleep(Duration::from_millis(300)));
    let (worst, took, pings) = probe_while(&srv, || {
        let mut c = srv.conn();
        c.expect(&["UNLINK", "big"], ":1\r\n");
        assert_eq!(lazyfreed(&mut c), 1);
    });
    let after = mem_field(&mut c, "used_memory");
    let report = format!(
        "UNLINK + background free: {took:?}, {pings} PINGs, worst {worst:?}; \
         DEL of the same set: {del_took:?}, worst PING {del_worst:?}; \
         worst PING of an idle server: {idle:?}"
    );
    eprintln!("{report}");
    // 2-9 ms here with the machine at load 7; the bound leaves room for
    // scheduling noise when the whole suite shares the 2 cores (26 ms
    // seen once), and is still an order of magnitude under DEL's stall.
    assert!(worst < Duration::from_millis(50), "{report}");
    assert!(pings > 10, "{report}");
    assert!(
        after < base + (full - base) / 10,
        "used_memory {after} after the free (empty {base}, full {full})"
    );
}
