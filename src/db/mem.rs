//! What keys cost: MEMORY USAGE's estimate of the bytes a key uses, the
//! per-database overhead MEMORY STATS reports, and DEBUG OBJECT's
//! `serializedlength` (the size the value would take in an RDB file).
//!
//! The estimate is computed from the real structures: each type's
//! `mem_usage` counts its heap allocations by their capacities (sampling
//! large collections, as Redis's SAMPLES does), and [`Db::key_mem_usage`]
//! adds what the keyspace spends on the key: its hash table node (which
//! holds the value inline), the key's bytes, its share of the bucket
//! array, and the same again in the TTL table for a key with an expiry.

use super::listpack::Listpack;
use super::value::{Str, Value};
use super::Db;

impl Value {
    /// Heap bytes the value owns beyond its inline part, sampling
    /// `samples` elements of large collections (0: all).
    pub fn mem_usage(&self, samples: usize) -> usize {
        match self {
            Value::Str(Str::Int(_) | Str::Inline { .. }) => 0,
            Value::Str(Str::Emb(b)) => b.len(),
            Value::Str(Str::Raw(v)) => v.capacity(),
            Value::List(l) => l.mem_usage(samples),
            Value::Hash(h) => h.mem_usage(samples),
            Value::Set(s) => s.mem_usage(samples),
            Value::ZSet(z) => z.mem_usage(samples),
            Value::Stream(s) => std::mem::size_of::<super::stream::Stream>() + s.mem_usage(),
        }
    }

    /// The bytes the value would take serialized in an RDB file (DEBUG
    /// OBJECT's `serializedlength`), without LZF compression.
    pub fn serialized_len(&self) -> usize {
        match self {
            Value::Str(s) => match s {
                Str::Int(n) => rdb_int_len(*n),
                Str::Inline { .. } | Str::Emb(_) | Str::Raw(_) => {
                    rdb_string_len(s.as_bytes(&mut [0u8; 20]))
                }
            },
            Value::List(l) => {
                let nodes: usize = l
                    .nodes()
                    .map(|n| 1 + rdb_blob_len(redis_listpack_bytes(n.iter())))
                    .sum();
                rdb_len_len(l.nodes().len()) + nodes
            }
            Value::Hash(super::hash::Hash::Listpack(lp)) => rdb_blob_len(redis_lp_size(lp)),
            // Our listpack holds scores in binary; Redis's holds them as
            // `%.17g` text (an integer entry when integral).
            Value::ZSet(z @ super::zset::ZSet::Listpack(_)) => rdb_blob_len(
                7 + z
                    .iter()
                    .map(|(m, score)| {
                        redis_lp_entry(m)
                            + redis_lp_entry(crate::util::fmt_f64_g17(score).as_bytes())
                    })
                    .sum::<usize>(),
            ),
            // Redis's intset: an 8-byte header, then the members.
            Value::Set(super::set::Set::Ints(s)) => rdb_blob_len(8 + s.len() * s.width()),
            Value::Hash(h) => {
                rdb_len_len(h.len())
                    + h.iter()
                        .map(|(f, v)| rdb_string_len(f) + rdb_string_len(v))
                        .sum::<usize>()
            }
            Value::Set(s) => {
                rdb_len_len(s.len())
                    + s.iter()
                        .map(|m| m.with_bytes(rdb_string_len))
                        .sum::<usize>()
            }
            Value::ZSet(z) => {
                rdb_len_len(z.len()) + z.iter().map(|(m, _)| rdb_string_len(m) + 8).sum::<usize>()
            }
            Value::Stream(s) => s.rdb_len(),
        }
    }
}

impl Db {
    /// MEMORY USAGE: the bytes `key` uses (value, key, table entries), or
    /// None if it is absent. Does not expire the key (the caller looked it
    /// up first).
    pub fn key_mem_usage(&self, key: &[u8], samples: usize) -> Option<usize> {
        let e = self.keys.get(key)?;
        let mut n = self.keys.entry_overhead(key.len()) + e.val.mem_usage(samples);
        if e.has_ttl() {
            n += self.volatile.entry_overhead(key.len());
        }
        Some(n)
    }

    /// Bytes of the main and TTL tables' own structures (MEMORY STATS
    /// `overhead.hashtable.main` and `.expires`). The values sit inside
    /// the main table's nodes but are data, as Redis counts its `robj`s
    /// (and embedded strings) in the dataset, not in the overhead.
    pub fn table_overhead(&self) -> (usize, usize) {
        let values = self.keys.len() * std::mem::size_of::<Value>();
        (
            self.keys.overhead_bytes() - values,
            self.volatile.overhead_bytes(),
        )
    }
}

/// Bytes of an RDB length prefix for `n`.
fn rdb_len_len(n: usize) -> usize {
    match n {
        0..=63 => 1,
        64..=16383 => 2,
        _ if n <= u32::MAX as usize => 5,
        _ => 9,
    }
}

/// Bytes of an RDB integer-encoded string, or of the digits if too wide.
fn rdb_int_len(n: i64) -> usize {
    if i8::try_from(n).is_ok() {
        2
    } else if i16::try_from(n).is_ok() {
        3
    } else if i32::try_from(n).is_ok() {
        5
    } else {
        let mut buf = [0u8; 20];
        let d = crate::util::i64_digits(n, &mut buf).len();
        rdb_len_len(d) + d
    }
}

/// Bytes of an RDB string: integer-encoded when it is a short canonical
/// integer, as Redis's `rdbTryIntegerEncoding` does.
fn rdb_string_len(s: &[u8]) -> usize {
    if s.len() <= 11 {
        if let Some(n) = crate::util::parse_i64(s).filter(|n| i32::try_from(*n).is_ok()) {
            return rdb_int_len(n);
        }
    }
    rdb_blob_len(s.len())
}

/// Bytes of an RDB blob of `n` bytes.
fn rdb_blob_len(n: usize) -> usize {
    rdb_len_len(n) + n
}

/// The size Redis's listpack format gives these entries: a 6-byte header,
/// each entry's encoding, data and back-length, a terminator byte. (Our
/// listpack is simpler; the RDB carries Redis's.)
fn redis_listpack_bytes<'a>(entries: impl Iterator<Item = &'a [u8]>) -> usize {
    7 + entries.map(redis_lp_entry).sum::<usize>()
}

fn redis_lp_size(lp: &Listpack) -> usize {
    redis_listpack_bytes(lp.iter())
}

/// One entry of Redis's listpack: integers take 1 to 9 bytes by width,
/// strings a 1, 2 or 5 byte header; then the back-length.
fn redis_lp_entry(s: &[u8]) -> usize {
    let int = if s.len() <= 20 {
        crate::util::parse_i64(s)
    } else {
        None
    };
    let enc = match int {
        Some(0..=127) => 1,
        Some(n) if (-4096..4096).contains(&n) => 2,
        Some(n) if i16::try_from(n).is_ok() => 3,
        Some(n) if (-(1 << 23)..(1 << 23)).contains(&n) => 4,
        Some(n) if i32::try_from(n).is_ok() => 5,
        Some(_) => 9,
        None if s.len() < 64 => 1 + s.len(),
        None if s.len() < 4096 => 2 + s.len(),
        None => 5 + s.len(),
    };
    let back = match enc {
        0..=127 => 1,
        128..=16383 => 2,
        16384..=2_097_151 => 3,
        2_097_152..=268_435_455 => 4,
        _ => 5,
    };
    enc + back
}

/// What `redis_lp_size` computes for a list node: its bytes in Redis's
/// format (DEBUG OBJECT's `ql_uncompressed_size`).
pub fn redis_node_bytes(lp: &Listpack) -> usize {
    redis_lp_size(lp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_lengths_match_redis_for_small_values() {
        // Values from redis-server 7.0's DEBUG OBJECT.
        assert_eq!(Value::Str(Str::from_bytes(b"123")).serialized_len(), 2);
        assert_eq!(Value::Str(Str::from_bytes(b"hello")).serialized_len(), 6);
        let mut l = super::super::list::List::new();
        for v in [b"a", b"b", b"c"] {
            l.push_back(v, super::super::list::Shape::default());
        }
        assert_eq!(Value::List(l).serialized_len(), 19);
        let mut lp = Listpack::new();
        lp.push_back(b"f");
        lp.push_back(b"v");
        assert_eq!(
            Value::Hash(super::super::hash::Hash::Listpack(lp)).serialized_len(),
            14
        );
    }
}
