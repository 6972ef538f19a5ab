//! The point-in-time snapshot an AOF rewrite writes, without forking.
//!
//! When a rewrite starts at generation G, every existing entry has a
//! generation below G and so belongs to the snapshot; entries created from
//! then on get G. An entry is written to the snapshot exactly once, by
//! whichever comes first: the background cursor walking the table, or any
//! access to the key (serialize-before-modify), after which it is stamped
//! G. The cursor is SCAN's reverse-binary cursor, so every key present for
//! the whole walk is visited even as the table resizes; keys removed
//! during the walk were serialized on their way out. A flushed table is
//! kept aside and drained a slice at a time.
//!
//! The keyspace does not know the AOF format: whoever starts the snapshot
//! passes the [`Encode`] function that serializes one key (the AOF gives
//! `aof::rewrite::emit_entry`), and the snapshot only decides when each
//! key is written and collects the output in [`Snap::out`].

use super::dict::Dict;
use super::value::Entry;

/// Serializes `key` with entry `e` and expiry `expire` (absolute Unix ms,
/// -1 for none) onto `out`: the commands that recreate it.
pub type Encode = fn(key: &[u8], e: &Entry, expire: i64, out: &mut Vec<u8>);

/// A database's part of a rewrite in progress.
#[derive(Debug)]
pub struct Snap {
    gen: u32,
    /// The database's number when the rewrite started (for SELECT).
    pub index: usize,
    cursor: u64,
    scanned: bool,
    encode: Encode,
    frozen: Vec<(Dict<Entry>, Dict<i64>)>,
    /// Serialized commands not yet written to the new base file.
    pub out: Vec<u8>,
}

impl Snap {
    /// A snapshot of generation `gen` for database number `index`,
    /// serializing keys with `encode`.
    pub fn new(gen: u32, index: usize, encode: Encode) -> Snap {
        Snap {
            gen,
            index,
            cursor: 0,
            scanned: false,
            encode,
            frozen: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Writes `e` (with its expiry from `volatile`) to the snapshot if it
    /// belongs to it and was not written.
    pub fn save(&mut self, key: &[u8], e: &mut Entry, volatile: &Dict<i64>) {
        if e.gen() < self.gen {
            (self.encode)(key, e, super::expire_in(volatile, key, e), &mut self.out);
            e.set_gen(self.gen);
        }
    }

    /// Keeps flushed tables until their snapshot entries are written.
    pub fn freeze(&mut self, keys: Dict<Entry>, volatile: Dict<i64>) {
        if !keys.is_empty() || !volatile.is_empty() {
            self.frozen.push((keys, volatile));
        }
    }

    /// Advances the walk by about `budget` keys; true when all is written.
    pub fn step(&mut self, keys: &mut Dict<Entry>, volatile: &Dict<i64>, budget: usize) -> bool {
        let mut done = 0;
        while !self.scanned && done < budget {
            let gen = self.gen;
            let mut batch: Vec<Box<[u8]>> = Vec::new();
            self.cursor = keys.scan(self.cursor, |k, e| {
                if e.gen() < gen {
                    batch.push(k.into());
                }
            });
            for k in &batch {
                if let Some(e) = keys.get_mut(k) {
                    self.save(k, e, volatile);
                }
            }
            done += batch.len().max(1);
            if self.cursor == 0 {
                self.scanned = true;
            }
        }
        while done < budget {
            let Some((table, volatile)) = self.frozen.last_mut() else {
                break;
            };
            let (gen, encode) = (self.gen, self.encode);
            let out = &mut self.out;
            // The TTL table is drained only after the keys it times.
            let n = if table.is_empty() {
                volatile.drain_some(budget - done, |_, _| {})
            } else {
                table.drain_some(budget - done, |k, e| {
                    if e.gen() < gen {
                        encode(k, &e, super::expire_in(volatile, k, &e), out);
                    }
                })
            };
            done += n.max(1);
            if table.is_empty() && volatile.is_empty() {
                self.frozen.pop();
            }
        }
        self.scanned && self.frozen.is_empty()
    }
}
