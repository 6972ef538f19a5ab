//! `list-compress-depth`: the parameter against redis-server 7.0, lists
//! with LZF-compressed interior nodes driven by random commands on both
//! servers, MEMORY USAGE falling as Redis's does, DEBUG OBJECT's quicklist
//! fields, an AOF rewrite and restart of compressed lists, and our LZF
//! read and written by Redis's liblzf (through RDB files).

use crate::differential::{Cmp, Pair};
use crate::util::*;

#[test]
fn list_compress_depth_config_matches_redis() {
    let Some(mut p) = Pair::new() else { return };
    for c in [
        &["CONFIG", "GET", "list-compress-depth"][..],
        &["CONFIG", "SET", "list-compress-depth", "3"],
        &["CONFIG", "GET", "list-compress-depth"],
        &["CONFIG", "SET", "list-compress-depth", "-1"],
        &["CONFIG", "SET", "list-compress-depth", "2147483648"],
        &["CONFIG", "SET", "list-compress-depth", "abc"],
        &["CONFIG", "SET", "list-compress-depth", "2147483647"],
        &["CONFIG", "GET", "list-compress-depth"],
        &["CONFIG", "GET", "list-compress*"],
        &["CONFIG", "SET", "list-compress-depth", "0"],
    ] {
        p.check_str(c);
    }
    let srv = Server::start_with(&["--list-compress-depth", "2"]);
    let mut c = srv.conn();
    c.expect(
        &["CONFIG", "GET", "list-compress-depth"],
        "*2\r\n$19\r\nlist-compress-depth\r\n$1\r\n2\r\n",
    );
}

/// Values that compress (runs) and values that do not, of several sizes.
fn value(g: &mut Gen) -> String {
    let n = [1, 20, 60, 80, 200][g.below(5)];
    match g.below(4) {
        0 => g.pick(&["a", "b", "pivot", ""]).to_string(),
        1 => format!("{}{}", "x".repeat(n / 2), "y".repeat(n - n / 2)),
        2 => g.pick(&["p", "q", "r"]).repeat(n),
        _ => (0..n).map(|_| (b'a' + g.below(26) as u8) as char).collect(),
    }
}

/// One command on keys `a` and `b`: pushes, pops into compressed nodes,
/// edits at node edges, reads across them, moves, blocking pops that are
/// served at once.
fn command(g: &mut Gen) -> Vec<String> {
    let k = g.pick(&["a", "a", "a", "b"]).to_string();
    let k2 = g.pick(&["a", "b"]).to_string();
    let side = |g: &mut Gen| g.pick(&["LEFT", "RIGHT"]).to_string();
    let idx = |g: &mut Gen| {
        let i = g.below(300) as i64 - 150;
        i.to_string()
    };
    let s = |x: &str| x.to_string();
    match g.below(20) {
        0..=3 => {
            let mut c = vec![s(g.pick(&["RPUSH", "LPUSH"])), k];
            c.extend((0..1 + g.below(30)).map(|_| value(g)));
            c
        }
        4 => vec![s(g.pick(&["LPOP", "RPOP"])), k, (g.below(40)).to_string()],
        5 => vec![s("LINDEX"), k, idx(g)],
        6 => vec![s("LRANGE"), k, idx(g), idx(g)],
        7 => vec![s("LSET"), k, idx(g), value(g)],
        8 => vec![
            s("LINSERT"),
            k,
            s(g.pick(&["BEFORE", "AFTER"])),
            value(g),
            value(g),
        ],
        9 => vec![
            s("LREM"),
            k,
            s(g.pick(&["0", "1", "-1", "3", "-3"])),
            value(g),
        ],
        10 => vec![s("LTRIM"), k, idx(g), idx(g)],
        11 => vec![
            s("LPOS"),
            k,
            value(g),
            s("RANK"),
            s(g.pick(&["1", "-1", "2"])),
            s("COUNT"),
            s("0"),
        ],
        12 => vec![s("LMOVE"), k, k2, side(g), side(g)],
        13 => vec![
            s("LMPOP"),
            s("2"),
            k,
            k2,
            side(g),
            s("COUNT"),
            (1 + g.below(50)).to_string(),
        ],
        14 => vec![s(g.pick(&["BLPOP", "BRPOP"])), k, k2, s("0.01")],
        15 => vec![s("BLMOVE"), k, k2, side(g), side(g), s("0.01")],
        16 => vec![s("LLEN"), k],
        17 => vec![s("OBJECT"), s("ENCODING"), k],
        _ => vec![s("LRANGE"), k, s("0"), s("-1")],
    }
}

/// Seeded random command streams on lists with compressed nodes (depths
/// 1 to 3, small and default node sizes) get identical replies from both
/// servers and leave identical datasets.
#[test]
fn compressed_lists_match_redis() {
    let seeds: Vec<u64> = seeds((1..=6).map(|i| 0xC0DE_0000 + i * 104_729));
    let Some(mut p) = Pair::new() else { return };
    let sizes = ["4", "-1", "8", "-2", "16", "2"];
    for (n, seed) in seeds.into_iter().enumerate() {
        p.check_str(&["FLUSHALL"]);
        let depth = (1 + n % 3).to_string();
        p.check_str(&["CONFIG", "SET", "list-compress-depth", &depth]);
        let size = sizes[n % sizes.len()];
        p.check_str(&["CONFIG", "SET", "list-max-listpack-size", size]);
        let mut g = Gen(seed);
        for _ in 0..1500 {
            let cmd = command(&mut g);
            let args: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
            p.check_with(&args, Cmp::Exact);
        }
        p.check_dataset();
    }
    p.check_str(&["CONFIG", "SET", "list-compress-depth", "0"]);
}

/// MEMORY USAGE ... SAMPLES 0 of 200k 80-byte values, at depths 0 and 1.
fn usage_by_depth(c: &mut Conn, value: impl Fn(usize) -> Vec<u8>) -> [u64; 2] {
    let mut out = [0; 2];
    for (depth, slot) in out.iter_mut().enumerate() {
        c.cmd(&["DEL", "l"]);
        c.cmd(&["CONFIG", "SET", "list-compress-depth", &depth.to_string()]);
        for batch in 0..200 {
            let mut args: Vec<Vec<u8>> = vec![b"RPUSH".to_vec(), b"l".to_vec()];
            args.extend((0..1000).map(|i| value(batch * 1000 + i)));
            let args: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
            c.cmdb(&args);
        }
        let r = c.value(&["MEMORY", "USAGE", "l", "SAMPLES", "0"]);
        *slot = match r {
            Value::Int(n) => n as u64,
            other => panic!("{other:?}"),
        };
    }
    out
}

/// Redis at depth 1 reports under 1/20 of its depth-0 size for long
/// lists of repetitive values; so do we. (Measured: values of two runs,
/// Redis 16,800,576 -> 749,568 bytes, Cinnabar 20,866,745 -> 663,134;
/// the first half "a"s and the second "b"s, Redis -> 488,576, Cinnabar
/// -> 405,869.)
#[test]
fn memory_usage_falls_with_compression() {
    let two_runs = |_| [[b'a'; 40], [b'b'; 40]].concat();
    let halves = |i| vec![if i < 100_000 { b'a' } else { b'b' }; 80];
    let srv = Server::start();
    let mut c = srv.conn();
    let mut red = redis().map(|r| (Conn::connect(&r.addr), r));
    for (name, v) in [
        ("two runs", &two_runs as &dyn Fn(usize) -> Vec<u8>),
        ("halves", &halves),
    ] {
        let [plain, packed] = usage_by_depth(&mut c, v);
        eprintln!("{name}: cinnabar {plain} -> {packed}");
        assert!(packed * 20 < plain, "{name}: {plain} -> {packed}");
        c.expect(&["LLEN", "l"], ":200000\r\n");
        c.expect(
            &["LINDEX", "l", "100000"],
            &format!("$80\r\n{}\r\n", String::from_utf8(v(100_000)).unwrap()),
        );
        if let Some((r, _)) = red.as_mut() {
            let [rp, rc] = usage_by_depth(r, v);
            eprintln!("{name}: redis {rp} -> {rc}");
            assert!(rc * 20 < rp, "{name}: redis {rp} -> {rc}");
        }
    }
}

/// DEBUG OBJECT's quicklist fields (and the encoding) are Redis's with
/// compression on: `ql_compressed:1`, the uncompressed size unchanged.
/// (`serializedlength` is left out: Redis counts LZF in it.)
#[test]
fn debug_object_reports_compression_like_redis() {
    let Some(mut p) = Pair::new() else { return };
    let long = "z".repeat(100);
    for depth in ["0", "1", "2"] {
        p.check_str(&["DEL", "ql"]);
        p.check_str(&["CONFIG", "SET", "list-compress-depth", depth]);
        p.check_str(&["CONFIG", "SET", "list-max-listpack-size", "4"]);
        for i in 0..40 {
            p.check_str(&["RPUSH", "ql", &long, &i.to_string()]);
        }
        p.check_str(&["LINSERT", "ql", "BEFORE", "20", "mid"]);
        let fields = |v: Vec<u8>| -> String {
            String::from_utf8_lossy(&v)
                .split(' ')
                .filter(|f| f.starts_with("ql_") || f.starts_with("encoding:"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let c = ["DEBUG", "OBJECT", "ql"];
        let (a, b) = (fields(p.cin.cmd(&c)), fields(p.red.cmd(&c)));
        assert_eq!(a, b, "depth {depth}");
        assert!(
            a.contains(&format!("ql_compressed:{}", u8::from(depth != "0"))),
            "{a}"
        );
        p.check_str(&["OBJECT", "ENCODING", "ql"]);
        p.check_str(&["LRANGE", "ql", "0", "-1"]);
    }
    p.check_str(&["CONFIG", "SET", "list-compress-depth", "0"]);
}

/// A compressed list goes through BGREWRITEAOF, DEBUG RELOAD and a
/// restart unchanged; a restart at another depth reads it too.
#[test]
fn compressed_lists_survive_a_rewrite_and_restart() {
    let dir = TempDir::new("list-compress-aof");
    let args = [
        "--appendonly",
        "yes",
        "--list-compress-depth",
        "1",
        "--list-max-listpack-size",
        "8",
    ];
    let before = {
        let srv = Server::start_in(dir.path(), &args);
        let mut c = srv.conn();
        for i in 0..300 {
            let v = format!("{}{i}", "r".repeat(60));
            c.cmd(&["RPUSH", "big", &v, "short"]);
        }
        for cmd in [
            &["LSET", "big", "301", "changed"][..],
            &["LINSERT", "big", "AFTER", "changed", "inserted"],
            &["LREM", "big", "5", "short"],
            &["LTRIM", "big", "3", "-4"],
        ] {
            let r = c.cmd(cmd);
            assert!(!r.starts_with(b"-"), "{cmd:?}: {}", show(&r));
        }
        let want = bulks(c.value(&["LRANGE", "big", "0", "-1"]));
        c.expect(&["DEBUG", "RELOAD"], "+OK\r\n");
        assert_eq!(bulks(c.value(&["LRANGE", "big", "0", "-1"])), want);
        c.expect(
            &["BGREWRITEAOF"],
            "+Background append only file rewriting started\r\n",
        );
        let done = || info_field(&mut c, "aof_rewrite_in_progress") == "0";
        assert!(wait_until(std::time::Duration::from_secs(10), done));
        c.cmd(&["RPUSH", "big", "after-rewrite"]);
        let want = bulks(c.value(&["LRANGE", "big", "0", "-1"]));
        c.send(b"SHUTDOWN\r\n");
        c.read_to_close();
        want
    };
    assert_eq!(before.len(), 300 * 2 - 5 - 6 + 1 + 1);
    for depth in ["1", "0", "3"] {
        let srv = Server::start_in(
            dir.path(),
            &["--appendonly", "yes", "--list-compress-depth", depth],
        );
        let mut c = srv.conn();
        assert_eq!(
            bulks(c.value(&["LRANGE", "big", "0", "-1"])),
            before,
            "depth {depth}"
        );
        c.expect(&["OBJECT", "ENCODING", "big"], "$9\r\nquicklist\r\n");
        c.send(b"SHUTDOWN NOSAVE\r\n");
        c.read_to_close();
    }
}

/// An RDB length (Redis's `rdbSaveLen`).
fn rdb_len(out: &mut Vec<u8>, n: usize) {
    if n < 64 {
        out.push(n as u8);
    } else if n < 16384 {
        out.extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
    } else {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Reads an RDB length at `*at`.
fn read_rdb_len(b: &[u8], at: &mut usize) -> usize {
    let first = b[*at];
    let (n, used) = match first >> 6 {
        0 => (usize::from(first & 0x3f), 1),
        1 => (
            (usize::from(first & 0x3f) << 8) | usize::from(b[*at + 1]),
            2,
        ),
        _ => {
            assert_eq!(first, 0x80, "32-bit length");
            let w: [u8; 4] = b[*at + 1..*at + 5].try_into().unwrap();
            (u32::from_be_bytes(w) as usize, 5)
        }
    };
    *at += used;
    n
}

/// Test strings LZF can do something with: runs, repeated words,
/// patterned binary, and some noise between them.
fn lzf_samples() -> Vec<Vec<u8>> {
    let mut g = Gen(0x1f2f);
    let words = ["quick", "list", "node", "redis", "cinnabar", " ", "\r\n"];
    let text: Vec<u8> = (0..3000)
        .flat_map(|_| g.pick(&words).bytes().collect::<Vec<_>>())
        .collect();
    let mut mixed = Vec::new();
    for i in 0..400u32 {
        mixed.extend_from_slice(&vec![(i % 7) as u8; (i % 50) as usize]);
        mixed.extend((0..(i % 13)).map(|_| g.next() as u8));
    }
    vec![
        vec![b'a'; 100_000],
        [[b'a'; 40], [b'b'; 40]].concat().repeat(100),
        text,
        mixed,
        (0..=255u8).cycle().take(20_000).collect(),
    ]
}

/// Redis's liblzf decompresses what we compress: each sample goes into
/// an RDB file as an LZF string, and redis-server loads it back.
#[test]
fn redis_reads_our_lzf() {
    if !tool("redis-server") {
        return;
    }
    let dir = TempDir::new("lzf-rdb");
    let samples = lzf_samples();
    let mut rdb = b"REDIS0010".to_vec();
    rdb.extend_from_slice(&[0xfe, 0x00]);
    for (i, s) in samples.iter().enumerate() {
        let packed = cinnabar::util::lzf::compress(s, s.len()).expect("compressible");
        rdb.push(0); // a string
        let key = format!("k{i}");
        rdb_len(&mut rdb, key.len());
        rdb.extend_from_slice(key.as_bytes());
        rdb.push(0xc3); // LZF-encoded
        rdb_len(&mut rdb, packed.len());
        rdb_len(&mut rdb, s.len());
        rdb.extend_from_slice(&packed);
    }
    rdb.push(0xff);
    rdb.extend_from_slice(&[0; 8]); // no checksum
    std::fs::write(format!("{}/dump.rdb", dir.path()), &rdb).unwrap();
    let r = redis_in(
        dir.path(),
        &["--appendonly", "no", "--dbfilename", "dump.rdb"],
    )
    .unwrap();
    let mut c = Conn::connect(&r.addr);
    for (i, s) in samples.iter().enumerate() {
        let got = c.cmdb(&[b"GET", format!("k{i}").as_bytes()]);
        let want = [format!("${}\r\n", s.len()).as_bytes(), s, b"\r\n"].concat();
        assert!(got == want, "sample {i}: {} bytes back", got.len());
    }
}

/// We decompress what Redis's liblzf compresses: the strings of an RDB
/// file redis-server saved.
#[test]
fn we_read_redis_lzf() {
    let Some(r) = redis() else { return };
    let mut c = Conn::connect(&r.addr);
    let samples = lzf_samples();
    for (i, s) in samples.iter().enumerate() {
        c.cmdb(&[b"SET", format!("lzfkey{i}").as_bytes(), s]);
    }
    c.expect(&["SAVE"], "+OK\r\n");
    let dir = String::from_utf8(bulks(c.value(&["CONFIG", "GET", "dir"])).remove(1)).unwrap();
    let rdb = std::fs::read(format!("{dir}/dump.rdb")).unwrap();
    for (i, s) in samples.iter().enumerate() {
        let key = format!("lzfkey{i}");
        let mut head = vec![0u8, key.len() as u8];
        head.extend_from_slice(key.as_bytes());
        head.push(0xc3);
        let mut at = rdb
            .windows(head.len())
            .position(|w| w == head)
            .expect("an LZF string")
            + head.len();
        let clen = read_rdb_len(&rdb, &mut at);
        let len = read_rdb_len(&rdb, &mut at);
        assert_eq!(len, s.len());
        let data = &rdb[at..at + clen];
        assert_eq!(
            cinnabar::util::lzf::decompress(data, len).as_deref(),
            Ok(&s[..]),
            "sample {i}"
        );
        // And the size is in the same league as liblzf's.
        let ours = cinnabar::util::lzf::compress(s, s.len()).unwrap().len();
        eprintln!("sample {i}: {} bytes, liblzf {clen}, ours {ours}", s.len());
        assert!(
            ours <= clen + clen / 4 + 16,
            "sample {i}: liblzf {clen}, ours {ours}"
        );
    }
}
