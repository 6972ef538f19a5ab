//! Microbenchmarks: the request parser, command lookup, reply encoding and
//! the data structures, measured in-process through the library's public
//! API so a regression shows without starting a server.
//!
//! Run with `cargo bench` (all groups) or `cargo bench -- parse` (one
//! group); `cargo bench -- --quick` gives a fast, rough pass. What each
//! benchmark measures is listed in `docs/performance.md`.

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use cinnabar::cmd::{self, Resolved};
use cinnabar::db::dict::Dict;
use cinnabar::db::list::{End, List, Shape};
use cinnabar::db::listpack::Listpack;
use cinnabar::db::zset::SkipList;
use cinnabar::resp::{self, Out, RequestParser};
use cinnabar::util::Rng;

/// Redis's default `proto-max-bulk-len` (512 MB).
const MAX_BULK: i64 = 512 * 1024 * 1024;

/// Redis's default `list-max-listpack-size` (-2: 8 KB nodes).
const LIST_SHAPE: Shape = Shape { fill: -2, depth: 0 };

/// `key:<i>` as redis-benchmark spells its keys (zero-padded to 12 digits).
fn key(i: u64) -> Vec<u8> {
    format!("key:{i:012}").into_bytes()
}

/// Parses every command in `input`, recycling argument vectors as the
/// server does. Returns the number of commands.
fn parse_all(parser: &mut RequestParser, input: &[u8]) -> usize {
    let mut buf = BytesMut::from(input);
    let mut n = 0;
    while let Some(argv) = parser.next_command(&mut buf, MAX_BULK).unwrap() {
        n += 1;
        parser.recycle(black_box(argv));
    }
    n
}

fn bench_parse(c: &mut Criterion) {
    let mut multibulk = Vec::new();
    for i in 0..100 {
        resp::write_command(&mut multibulk, &[&b"SET"[..], &key(i), &[b'x'; 3]]);
    }
    let mut inline = Vec::new();
    for i in 0..100 {
        inline.extend_from_slice(b"SET ");
        inline.extend_from_slice(&key(i));
        inline.extend_from_slice(b" xxx\r\n");
    }
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(100));
    let mut parser = RequestParser::new();
    g.bench_function("multibulk_100_set", |b| {
        b.iter(|| assert_eq!(parse_all(&mut parser, black_box(&multibulk)), 100))
    });
    g.bench_function("inline_100_set", |b| {
        b.iter(|| assert_eq!(parse_all(&mut parser, black_box(&inline)), 100))
    });
    g.finish();
}

fn bench_lookup(c: &mut Criterion) {
    let mut g = c.benchmark_group("lookup");
    g.bench_function("lookup_get", |b| {
        b.iter(|| cmd::lookup(black_box(b"get")).is_some())
    });
    g.bench_function("lookup_zrangebyscore", |b| {
        b.iter(|| cmd::lookup(black_box(b"ZRANGEBYSCORE")).is_some())
    });
    let set: Vec<Bytes> = vec!["SET".into(), "k".into(), "v".into()];
    g.bench_function("resolve_set", |b| {
        b.iter(|| matches!(cmd::resolve(black_box(&set)), Resolved::Ok(..)))
    });
    let sub: Vec<Bytes> = vec!["CONFIG".into(), "get".into(), "maxmemory".into()];
    g.bench_function("resolve_config_get", |b| {
        b.iter(|| matches!(cmd::resolve(black_box(&sub)), Resolved::Ok(..)))
    });
    g.finish();
}

/// Encodes with a fresh buffer per batch so its growth is part of the cost,
/// as for a connection's first replies.
fn encode(c: &mut Criterion, name: &str, resp: u8, f: impl Fn(&mut Out)) {
    c.bench_function(name, |b| {
        b.iter_batched_ref(
            || Out {
                buf: BytesMut::with_capacity(16 * 1024),
                resp,
                kept: None,
            },
            |out| f(black_box(out)),
            BatchSize::SmallInput,
        )
    });
}

fn bench_reply(c: &mut Criterion) {
    let value = [b'x'; 64];
    encode(c, "reply/bulk_64b_x100", 2, |out| {
        for _ in 0..100 {
            out.bulk(&value);
        }
    });
    encode(c, "reply/int_x100", 2, |out| {
        for i in 0..100 {
            out.int(i * 1_000_003);
        }
    });
    let items: Vec<Vec<u8>> = (0..100).map(key).collect();
    encode(c, "reply/array_100_bulk_resp2", 2, |out| {
        out.bulk_array(&items)
    });
    encode(c, "reply/map_50_double_resp3", 3, |out| {
        out.map(50);
        for (i, k) in items.iter().take(50).enumerate() {
            out.bulk(k);
            out.double(i as f64 + 0.5);
        }
    });
    encode(c, "reply/null_bool_resp3_x100", 3, |out| {
        for i in 0..100 {
            if i % 2 == 0 {
                out.null();
            } else {
                out.boolean(true);
            }
        }
    });
}

fn bench_dict(c: &mut Criterion) {
    const N: u64 = 10_000;
    let keys: Vec<Vec<u8>> = (0..N).map(key).collect();
    let mut full: Dict<u64> = Dict::new();
    for (i, k) in keys.iter().enumerate() {
        full.insert(k, i as u64);
    }
    let mut g = c.benchmark_group("dict");
    g.throughput(Throughput::Elements(N));
    g.bench_function("insert_10k", |b| {
        b.iter_batched_ref(
            Dict::<u64>::new,
            |d| {
                for (i, k) in keys.iter().enumerate() {
                    d.insert(k, i as u64);
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("get_10k_hit", |b| {
        b.iter(|| keys.iter().filter(|k| full.get(k).is_some()).count())
    });
    g.bench_function("remove_10k", |b| {
        b.iter_batched_ref(
            || full.clone(),
            |d| {
                for k in &keys {
                    d.remove(k);
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn bench_list(c: &mut Criterion) {
    const N: u64 = 10_000;
    let value = [b'v'; 16];
    let mut full = List::new();
    for _ in 0..N {
        full.push_back(&value, LIST_SHAPE);
    }
    let mut g = c.benchmark_group("list");
    g.throughput(Throughput::Elements(N));
    g.bench_function("push_back_10k", |b| {
        b.iter_batched_ref(
            List::new,
            |l| {
                for _ in 0..N {
                    l.push_back(&value, LIST_SHAPE);
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("pop_front_10k", |b| {
        b.iter_batched_ref(
            || full.clone(),
            |l| {
                while let Some(v) = l.pop(End::Left, LIST_SHAPE) {
                    black_box(v);
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.throughput(Throughput::Elements(100));
    g.bench_function("range_100_mid", |b| {
        b.iter(|| {
            full.range(black_box(5_000), 100)
                .map(|v| v.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

fn bench_listpack(c: &mut Criterion) {
    let mut g = c.benchmark_group("listpack");
    g.throughput(Throughput::Elements(128));
    g.bench_function("push_back_128", |b| {
        b.iter_batched_ref(
            Listpack::new,
            |lp| {
                for i in 0..128u64 {
                    lp.push_back(&key(i));
                }
            },
            BatchSize::SmallInput,
        )
    });
    let mut full = Listpack::new();
    for i in 0..128u64 {
        full.push_back(&key(i));
    }
    g.bench_function("iter_128", |b| {
        b.iter(|| black_box(&full).iter().map(|v| v.len()).sum::<usize>())
    });
    g.finish();
}

fn bench_zset(c: &mut Criterion) {
    const N: u64 = 10_000;
    let members: Vec<Vec<u8>> = (0..N).map(key).collect();
    // Scores in a scrambled order so inserts land all over the list.
    let score = |i: u64| (i.wrapping_mul(2_654_435_761) % N) as f64;
    let mut full = SkipList::new();
    for (i, m) in members.iter().enumerate() {
        full.insert(m, score(i as u64));
    }
    let mut g = c.benchmark_group("zset");
    g.throughput(Throughput::Elements(N));
    g.bench_function("skiplist_insert_10k", |b| {
        b.iter_batched_ref(
            SkipList::new,
            |z| {
                for (i, m) in members.iter().enumerate() {
                    z.insert(m, score(i as u64));
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("skiplist_score_10k", |b| {
        b.iter(|| members.iter().filter(|m| full.score(m).is_some()).count())
    });
    g.throughput(Throughput::Elements(100));
    g.bench_function("skiplist_range_100_mid", |b| {
        b.iter(|| full.iter_from(black_box(5_000), false).take(100).count())
    });
    g.finish();
    bench_zset_big(c);
}

/// redis-benchmark's ZADD on a set that no longer fits the L2 cache:
/// 100k members `element:<i>`, random members and scores (as `-r 100000`
/// draws them). Each batch of 1,000 changes scores (the node moves, two
/// walks) or removes and re-inserts members (the insert path).
fn bench_zset_big(c: &mut Criterion) {
    const N: u64 = 100_000;
    const OPS: u64 = 1_000;
    let members: Vec<Vec<u8>> = (0..N)
        .map(|i| format!("element:{i}").into_bytes())
        .collect();
    let mut rng = Rng::from_entropy();
    let mut draw = move || rng.below(N as usize) as u64;
    let mut z = SkipList::new();
    for m in &members {
        z.insert(m, draw() as f64);
    }
    let mut g = c.benchmark_group("zset");
    g.throughput(Throughput::Elements(OPS));
    g.bench_function("skiplist_update_100k", |b| {
        b.iter(|| {
            for _ in 0..OPS {
                let m = &members[draw() as usize];
                black_box(z.update(m, draw() as f64));
            }
        })
    });
    g.bench_function("skiplist_reinsert_100k", |b| {
        b.iter(|| {
            for _ in 0..OPS {
                let m = &members[draw() as usize];
                black_box(z.remove(m));
                z.insert(m, draw() as f64);
            }
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_parse,
    bench_lookup,
    bench_reply,
    bench_dict,
    bench_list,
    bench_listpack,
    bench_zset
);
criterion_main!(benches);
