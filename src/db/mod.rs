//! The keyspace: numbered databases of keys with optional expiry.
//!
//! Expiry is lazy (every access checks, in the same hash probe) and active
//! (the cron samples keys with a TTL through [`Db::active_expire`]). An
//! expired key is never visible: every read path below filters it.
//! A command that reads a key and then stores it (SET, INCR) goes through
//! [`Db::entry`], which hashes the key once for both tables ([`slot`]).
//!
//! Each database also carries the state of an AOF rewrite's snapshot
//! ([`snapshot::Snap`]): while one is in progress, every access to a key
//! that belongs to the snapshot and has not been written yet serializes
//! its old value first (serialize-before-modify), so the rewrite sees the
//! dataset as it was when it started without forking. The serializer is
//! handed in by the AOF ([`snapshot::Encode`]): the keyspace and its value
//! types know nothing of the AOF format.
//!
//! What a database deletes is freed in place or, when it is big and the
//! `lazyfree-*` flag for that kind of deletion says so, on the lazy-free
//! thread ([`Free`]): the value is out of the tables first, so the thread
//! owns it alone.

pub mod clock;
pub mod dbs;
pub mod dict;
pub mod hash;
pub mod list;
pub mod listpack;
pub mod mem;
pub mod set;
pub mod slot;
pub mod snapshot;
pub mod stream;
pub mod stream_group;
pub mod value;
pub mod zset;

pub use clock::lru_clock;
pub use dbs::{Dbs, Logs};
use dict::{Dict, Probe};
pub use slot::{Slot, Ttl};
use snapshot::Snap;
pub use value::{Entry, Str, Value};

use crate::lazyfree::{self, LazyFree};
use crate::util::{glob_match, Rng};

/// How a database frees what it deletes: the lazy-free thread and the
/// `lazyfree-*` flags for the deletions it decides on its own (the
/// server sets them from the config). User deletions (DEL, UNLINK,
/// FLUSHALL) say for themselves whether they are lazy.
#[derive(Debug, Clone, Default)]
pub struct Free {
    /// The lazy-free thread.
    pub bg: LazyFree,
    /// `lazyfree-lazy-expire`: keys removed by lazy or active expiry.
    pub expire: bool,
    /// `lazyfree-lazy-server-del`: keys deleted or overwritten as a side
    /// effect of a command (RENAME's target, SET over a value, a *STORE's
    /// destination), Redis's `dbDelete` and `dbOverwrite`.
    pub server_del: bool,
}

impl Free {
    /// Drops `val`, on the lazy-free thread when `lazy` and its free
    /// effort is above [`lazyfree::THRESHOLD`] (Redis's `freeObjAsync`).
    pub fn value(&self, val: Value, lazy: bool) {
        if lazy && val.free_effort() > lazyfree::THRESHOLD {
            // The estimate eviction counts as freed already; sampled, so
            // O(1) but for streams.
            let bytes = val.mem_usage(5) as u64;
            self.bg.free(val, 1, bytes);
        } else {
            drop(val);
        }
    }
}

/// One numbered database.
#[derive(Debug)]
pub struct Db {
    keys: Dict<Entry>,
    /// The expiry (absolute Unix ms) of every key that has one, as Redis's
    /// `expires` dict: entries only carry a flag ([`Entry::has_ttl`]), and
    /// active expiry samples this table. A key is here exactly when its
    /// entry's flag is set. It hashes with the seed of `keys`, so one hash
    /// of a key serves both tables ([`Slot`]).
    volatile: Dict<i64>,
    /// Keys removed because they expired (INFO `expired_keys`).
    pub expired: u64,
    /// Keys removed by expiry that the call path has not collected yet
    /// (it moves them into the running command's frame, see
    /// [`Dbs::touched`]).
    pub expired_log: Vec<Box<[u8]>>,
    /// Keys created since the last collection, for `new` events.
    pub new_log: Vec<Box<[u8]>>,
    /// Whether to record `new_log` (only while the `n` class is on).
    pub log_new: bool,
    /// Under an LFU policy: new keys start with an LFU counter in
    /// `Entry::lru`, and overwrites keep it (see [`clock`]).
    pub lfu: bool,
    /// Rewrite generation stamped on new entries (see [`snapshot`]).
    gen_now: u32,
    /// The AOF rewrite snapshot in progress, if any.
    snap: Option<Box<Snap>>,
    /// How deleted values are freed.
    pub free: Free,
    /// Until this time (Unix ms) expiry is suspended: reads see an
    /// expired key as missing but leave it in place, and nothing removes
    /// it (CLIENT PAUSE keeps the dataset still, as Redis). Writes still
    /// remove what they find expired ([`Db::get_for_write`], [`Db::entry`]).
    pub expiry_suspended_until: i64,
}

/// The expiry of `e`, stored under `key` (-1 for none).
fn expire_in(volatile: &Dict<i64>, key: &[u8], e: &Entry) -> i64 {
    if e.has_ttl() {
        volatile.get(key).copied().unwrap_or(-1)
    } else {
        -1
    }
}

/// Whether `e`, stored under `key`, has expired at `now` (Unix ms).
fn expired_in(volatile: &Dict<i64>, key: &[u8], e: &Entry, now: i64) -> bool {
    e.has_ttl() && volatile.get(key).is_some_and(|&t| t <= now)
}

/// [`expired_in`] with the key's hash in the key table, which is valid in
/// `volatile` too (the tables share a seed).
fn expired_hashed(volatile: &Dict<i64>, hash: u64, key: &[u8], e: &Entry, now: i64) -> bool {
    e.has_ttl() && volatile.get_hashed(hash, key).is_some_and(|&t| t <= now)
}

impl Default for Db {
    fn default() -> Db {
        let keys = Dict::new();
        let volatile = Dict::with_seed_of(&keys);
        Db {
            keys,
            volatile,
            expired: 0,
            expired_log: Vec::new(),
            new_log: Vec::new(),
            log_new: false,
            lfu: false,
            gen_now: 0,
            snap: None,
            free: Free::default(),
            expiry_suspended_until: 0,
        }
    }
}

impl Db {
    /// An empty database.
    pub fn new() -> Db {
        Db::default()
    }

    /// Number of keys, counting expired keys not yet collected (as
    /// Redis's `dictSize`; INFO keyspace uses it).
    pub fn len_raw(&self) -> usize {
        self.keys.len()
    }

    /// Number of keys with a TTL, not yet collected.
    pub fn volatile_len(&self) -> usize {
        self.volatile.len()
    }

    /// Number of live keys. Side effects: collects every expired key first
    /// (while expiry is suspended, only leaves them out), at a cost
    /// proportional to the keys that carry a TTL.
    pub fn len(&mut self, now: i64) -> usize {
        if now < self.expiry_suspended_until {
            let dead = self.volatile.iter().filter(|&(_, &t)| t <= now).count();
            return self.keys.len() - dead;
        }
        self.purge_expired(now);
        self.keys.len()
    }

    /// Whether the database holds no keys at all.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn note_expired(&mut self, key: Box<[u8]>) {
        self.expired += 1;
        self.expired_log.push(key);
    }

    /// Removes every expired key. Returns how many were removed.
    pub fn purge_expired(&mut self, now: i64) -> usize {
        if self.volatile.is_empty() {
            return 0;
        }
        let dead: Vec<Box<[u8]>> = self
            .volatile
            .iter()
            .filter(|&(_, &t)| t <= now)
            .map(|(k, _)| k.into())
            .collect();
        let n = dead.len();
        for k in dead {
            self.delete(&k, self.free.expire);
            self.note_expired(k);
        }
        n
    }

    /// The live entry for `key`. Side effects: removes the key if it has
    /// expired (lazy expiry), unless expiry is suspended; during an AOF
    /// rewrite, serializes the key's snapshot value first, since the
    /// caller may modify it.
    pub fn get(&mut self, key: &[u8], now: i64) -> Option<&mut Entry> {
        self.lookup(key, now, now < self.expiry_suspended_until)
    }

    /// [`Db::get`] for a command that may write: an expired key is
    /// removed even while expiry is suspended (the write may create the
    /// key again, which it must not find).
    pub fn get_for_write(&mut self, key: &[u8], now: i64) -> Option<&mut Entry> {
        self.lookup(key, now, false)
    }

    /// The live entry for `key`; an expired key is removed, or with
    /// `keep` only hidden.
    fn lookup(&mut self, key: &[u8], now: i64, keep: bool) -> Option<&mut Entry> {
        let volatile = &self.volatile;
        let mut hidden = false;
        let expired = |e: &Entry| {
            let dead = expired_in(volatile, key, e, now);
            hidden = dead && keep;
            dead && !keep
        };
        match self.keys.probe_mut(key, expired) {
            Probe::Found(_) if hidden => None,
            Probe::Found(e) => {
                if let Some(s) = self.snap.as_deref_mut() {
                    s.save(key, e, &self.volatile);
                }
                Some(e)
            }
            Probe::Removed(k, e) => {
                // Field by field: `self.keys` is still borrowed here.
                self.volatile.remove(&k);
                self.free.value(e.val, self.free.expire);
                self.expired += 1;
                self.expired_log.push(k);
                None
            }
            Probe::Missing => None,
        }
    }

    /// The entry of `key`, live or expired (no side effects).
    pub fn peek(&self, key: &[u8]) -> Option<&Entry> {
        self.keys.get(key)
    }

    /// The expiry of `key` in Unix ms, live or expired, or -1 when it has
    /// none or is absent (no side effects).
    pub fn expire_of(&self, key: &[u8]) -> i64 {
        self.volatile.get(key).copied().unwrap_or(-1)
    }

    /// Calls `f` on up to `n` random keys with their entry and expiry (-1
    /// for none), drawn from all keys or only from those with a TTL
    /// (`volatile`); a key may come twice. Expired keys are included
    /// (eviction takes them too).
    pub fn sample(
        &self,
        rng: &mut Rng,
        volatile: bool,
        n: usize,
        mut f: impl FnMut(&[u8], &Entry, i64),
    ) {
        for _ in 0..n {
            if volatile {
                let Some((k, &t)) = self.volatile.random(rng) else {
                    return;
                };
                if let Some(e) = self.keys.get(k) {
                    f(k, e, t);
                }
            } else {
                let Some((k, e)) = self.keys.random(rng) else {
                    return;
                };
                f(k, e, expire_in(&self.volatile, k, e));
            }
        }
    }

    /// Whether `key` is stored at all, live or expired (no side effects).
    pub fn contains_raw(&self, key: &[u8]) -> bool {
        self.keys.get(key).is_some()
    }

    /// Whether `key` is stored but already expired (no side effects).
    pub fn is_expired_raw(&self, key: &[u8], now: i64) -> bool {
        self.keys
            .get(key)
            .is_some_and(|e| expired_in(&self.volatile, key, e, now))
    }

    /// Whether `key` is live. Side effects: lazy expiry.
    pub fn exists(&mut self, key: &[u8], now: i64) -> bool {
        self.get(key, now).is_some()
    }

    /// Stores `val` under `key`, replacing any value. The TTL is cleared
    /// unless `keep_ttl`. The caller has already expired a stale key (a
    /// read-then-write that has not should use [`Db::entry`]).
    pub fn set(&mut self, key: &[u8], val: Value, keep_ttl: bool, now: i64) {
        let ttl = if keep_ttl { Ttl::Keep } else { Ttl::Clear };
        self.store(self.keys.hash(key), key, val, ttl, now);
    }

    /// Inserts a whole entry with its expiry (-1 for none) as a new key,
    /// replacing any existing one (RENAME, COPY, MOVE), which is freed as
    /// a server-side delete.
    pub fn insert_entry(&mut self, key: &[u8], mut entry: Entry, expire: i64) {
        self.remove(key);
        // A moved or copied value is new under this name: not part of a
        // snapshot in progress (its source was serialized when read).
        entry.set_gen(self.gen_now);
        entry.set_has_ttl(expire >= 0);
        self.keys.insert_new(key, entry);
        if expire >= 0 {
            self.volatile.insert_new(key, expire);
        }
        if self.log_new {
            self.new_log.push(key.into());
        }
    }

    /// Removes `key` whether or not it has expired, as a server-side
    /// delete (Redis's `dbDelete`: freed lazily under
    /// `lazyfree-lazy-server-del`); returns whether it was there.
    pub fn remove(&mut self, key: &[u8]) -> bool {
        self.delete(key, self.free.server_del)
    }

    /// Removes `key` whether or not it has expired, freeing a big value on
    /// the lazy-free thread if `lazy` (DEL, UNLINK, eviction, expiry);
    /// returns whether it was there.
    pub fn delete(&mut self, key: &[u8], lazy: bool) -> bool {
        match self.take(key) {
            Some((e, _)) => {
                self.free.value(e.val, lazy);
                true
            }
            None => false,
        }
    }

    /// Removes `key` whether or not it has expired; returns its entry and
    /// expiry (-1 for none), to insert elsewhere (RENAME, MOVE).
    pub fn take(&mut self, key: &[u8]) -> Option<(Entry, i64)> {
        let hash = self.keys.hash(key);
        if let Some(s) = self.snap.as_deref_mut() {
            if let Some(e) = self.keys.get_mut_hashed(hash, key) {
                s.save(key, e, &self.volatile);
            }
        }
        let e = self.keys.remove_hashed(hash, key)?;
        let expire = if e.has_ttl() {
            self.volatile.remove_hashed(hash, key).unwrap_or(-1)
        } else {
            -1
        };
        Some((e, expire))
    }

    /// Sets the absolute expiry (Unix ms) of an existing key.
    pub fn set_expire(&mut self, key: &[u8], when: i64) {
        let hash = self.keys.hash(key);
        if let Some(e) = self.keys.get_mut_hashed(hash, key) {
            if let Some(s) = self.snap.as_deref_mut() {
                s.save(key, e, &self.volatile);
            }
            if e.has_ttl() {
                if let Some(t) = self.volatile.get_mut_hashed(hash, key) {
                    *t = when;
                }
            } else {
                e.set_has_ttl(true);
                self.volatile.insert_new_hashed(hash, key, when);
            }
        }
    }

    /// Clears the TTL of `key`; returns whether it had one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        let hash = self.keys.hash(key);
        match self.keys.get_mut_hashed(hash, key) {
            Some(e) if e.has_ttl() => {
                if let Some(s) = self.snap.as_deref_mut() {
                    s.save(key, e, &self.volatile);
                }
                e.set_has_ttl(false);
                self.volatile.remove_hashed(hash, key);
                true
            }
            _ => false,
        }
    }

    /// Drops every key; with `lazy` (FLUSHALL ASYNC) empty tables take
    /// the old ones' place at once and the old ones go to the lazy-free
    /// thread, counting one object per key (Redis's `emptyDbAsync`).
    /// During an AOF rewrite the old tables are handed to the snapshot
    /// instead, which serializes and frees them a slice at a time.
    pub fn clear(&mut self, lazy: bool) {
        let keys = std::mem::take(&mut self.keys);
        let volatile = std::mem::replace(&mut self.volatile, Dict::with_seed_of(&self.keys));
        match self.snap.as_deref_mut() {
            Some(s) => s.freeze(keys, volatile),
            None if lazy && !keys.is_empty() => {
                let n = keys.len() as u64;
                self.free.bg.free((keys, volatile), n, 0);
            }
            None => {
                drop(keys);
                drop(volatile);
            }
        }
    }

    /// Every live key matching `pattern` (KEYS). Expired keys are skipped
    /// but not removed, as Redis does.
    pub fn keys_matching(&self, pattern: &[u8], now: i64) -> Vec<Vec<u8>> {
        let all = pattern == b"*";
        let vol = &self.volatile;
        self.keys
            .iter()
            .filter(|(k, e)| !expired_in(vol, k, e, now) && (all || glob_match(pattern, k, false)))
            .map(|(k, _)| k.to_vec())
            .collect()
    }

    /// Every key with its entry and expiry (-1 for none), live or not
    /// (for DEBUG DIGEST-style dumps and tests).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Entry, i64)> {
        self.keys
            .iter()
            .map(|(k, e)| (k, e, expire_in(&self.volatile, k, e)))
    }

    /// One SCAN call: visits buckets from `cursor` until about `count` keys
    /// were gathered, then filters by pattern, type and expiry (removing
    /// expired keys it met, unless expiry is suspended). Returns the next
    /// cursor and the keys.
    pub fn scan(
        &mut self,
        mut cursor: u64,
        count: usize,
        pattern: Option<&[u8]>,
        type_name: Option<&[u8]>,
        now: i64,
    ) -> (u64, Vec<Vec<u8>>) {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let mut budget = count.saturating_mul(10);
        loop {
            cursor = self.keys.scan(cursor, |k, _| keys.push(k.to_vec()));
            budget = budget.saturating_sub(1);
            if cursor == 0 || budget == 0 || keys.len() >= count {
                break;
            }
        }
        keys.retain(|k| {
            if let Some(p) = pattern {
                if !glob_match(p, k, false) {
                    return false;
                }
            }
            let Some(e) = self.get(k, now) else {
                return false;
            };
            match type_name {
                Some(t) => e.val.type_name().as_bytes().eq_ignore_ascii_case(t),
                None => true,
            }
        });
        (cursor, keys)
    }

    /// A random live key. Side effects: expired keys met are removed
    /// (while expiry is suspended they are skipped, and after 100 misses
    /// the first live key is taken).
    pub fn random_key(&mut self, rng: &mut Rng, now: i64) -> Option<Vec<u8>> {
        if now < self.expiry_suspended_until {
            let live = |(k, e): (&[u8], &Entry)| !expired_in(&self.volatile, k, e, now);
            for _ in 0..100 {
                let (k, e) = self.keys.random(rng)?;
                if live((k, e)) {
                    return Some(k.to_vec());
                }
            }
            return self.keys.iter().find(|&x| live(x)).map(|(k, _)| k.to_vec());
        }
        loop {
            let (k, e) = self.keys.random(rng)?;
            if !expired_in(&self.volatile, k, e, now) {
                return Some(k.to_vec());
            }
            let k: Box<[u8]> = k.into();
            self.delete(&k, self.free.expire);
            self.note_expired(k);
        }
    }

    /// One active-expiry pass: samples up to `samples` keys that have a TTL
    /// and removes the expired ones. Returns (sampled, expired).
    pub fn active_expire(&mut self, rng: &mut Rng, samples: usize, now: i64) -> (usize, usize) {
        let mut sampled = 0;
        let mut dead: Vec<Box<[u8]>> = Vec::new();
        for _ in 0..samples.min(self.volatile.len()) {
            let Some((k, &t)) = self.volatile.random(rng) else {
                break;
            };
            sampled += 1;
            if t <= now {
                dead.push(k.into());
            }
        }
        dead.sort();
        dead.dedup();
        let n = dead.len();
        for k in dead {
            self.delete(&k, self.free.expire);
            self.note_expired(k);
        }
        (sampled, n)
    }

    /// The mean remaining TTL of up to 64 volatile keys (INFO `avg_ttl`).
    pub fn ttl_sample(&self, now: i64) -> i64 {
        let mut sum = 0i64;
        let mut n = 0i64;
        for (_, &t) in self.volatile.iter().take(64) {
            sum += (t - now).max(0);
            n += 1;
        }
        if n == 0 {
            0
        } else {
            sum / n
        }
    }

    // -----------------------------------------------------------------------
    // AOF rewrite snapshot
    // -----------------------------------------------------------------------

    /// Starts a snapshot for rewrite generation `gen`, recording `index`
    /// (this database's number now) for the SELECT lines; keys are
    /// serialized with `encode`. O(1): entries are recognised as part of
    /// the snapshot by their older generation.
    pub fn begin_snapshot(&mut self, gen: u32, index: usize, encode: snapshot::Encode) {
        self.gen_now = gen;
        self.snap = Some(Box::new(Snap::new(gen, index, encode)));
    }

    /// Serializes up to about `budget` snapshot keys; returns whether the
    /// snapshot has been fully serialized (its output may still be pending).
    pub fn snapshot_step(&mut self, budget: usize) -> bool {
        match self.snap.as_deref_mut() {
            Some(s) => s.step(&mut self.keys, &self.volatile, budget),
            None => true,
        }
    }

    /// The snapshot's serialized output not yet written, with the database
    /// number it belongs under.
    pub fn snapshot_output(&mut self) -> Option<(usize, &mut Vec<u8>)> {
        self.snap.as_deref_mut().map(|s| (s.index, &mut s.out))
    }

    /// Ends the snapshot (finished or abandoned).
    pub fn end_snapshot(&mut self) {
        self.snap = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// While expiry is suspended reads hide an expired key but keep it,
    /// DBSIZE leaves it out, RANDOMKEY skips it; a write's lookup removes
    /// it; once the suspension ends, reads remove it again.
    #[test]
    fn suspended_expiry_hides_without_removing() {
        let mut d = Db::new();
        let mut rng = crate::util::Rng::from_entropy();
        for k in [&b"a"[..], b"b", b"live"] {
            d.set(k, Value::Str(Str::Int(1)), false, 0);
        }
        d.set_expire(b"a", 10);
        d.set_expire(b"b", 10);
        d.expiry_suspended_until = 100;
        assert!(d.get(b"a", 50).is_none());
        assert_eq!(d.len(50), 1);
        assert_eq!(d.random_key(&mut rng, 50).as_deref(), Some(&b"live"[..]));
        assert_eq!((d.len_raw(), d.expired), (3, 0));
        assert!(d.get_for_write(b"a", 50).is_none());
        assert_eq!((d.len_raw(), d.expired), (2, 1));
        assert!(d.get(b"b", 150).is_none());
        assert_eq!((d.len_raw(), d.expired), (1, 2));
    }

    /// Every key's TTL flag agrees with the TTL table, and both with the
    /// model.
    fn check(d: &Db, m: &BTreeMap<u8, (i64, i64)>) {
        assert_eq!(d.len_raw(), m.len());
        assert_eq!(d.volatile_len(), m.values().filter(|v| v.1 >= 0).count());
        for (k, e, expire) in d.iter() {
            let (val, when) = m[&k[0]];
            assert_eq!(e.val.type_name(), "string");
            let Value::Str(s) = &e.val else {
                unreachable!()
            };
            assert_eq!(s.as_i64(), Some(val));
            assert_eq!((e.has_ttl(), expire), (when >= 0, when));
            assert_eq!(d.expire_of(k), when);
        }
    }

    /// Hashes of `key` (in either table) that `f` costs.
    fn hashes(f: impl FnOnce()) -> u64 {
        let before = dict::HASHES.with(|n| n.get());
        f();
        dict::HASHES.with(|n| n.get()) - before
    }

    /// The TTL table hashes with the key table's seed, from the start and
    /// after a flush, so one hash serves both.
    #[test]
    fn tables_share_a_seed() {
        let mut d = Db::new();
        for round in 0..2 {
            for i in 0..100 {
                let k = format!("key:{i}:{round}");
                assert_eq!(d.keys.hash(k.as_bytes()), d.volatile.hash(k.as_bytes()));
            }
            d.set(b"k", Value::Str(Str::Int(1)), false, 0);
            d.set_expire(b"k", 10);
            d.clear(false);
        }
    }

    /// SET key value EX over a key with a TTL hashes the key once through
    /// the slot. Lookup, store and expire as three calls cost 4 (the
    /// lookup's TTL check hashes the TTL table again); before the tables
    /// shared a seed they cost 6. SET of a new key: once instead of twice.
    #[test]
    fn set_hashes_its_key_once() {
        let mut d = Db::new();
        let k = &b"key"[..];
        d.set(k, Value::Str(Str::Int(1)), false, 0);
        d.set_expire(k, 1_000);
        let old = hashes(|| {
            d.get(k, 5);
            d.set(k, Value::Str(Str::Int(2)), false, 5);
            d.set_expire(k, 2_000);
        });
        assert_eq!(old, 4);
        let new = hashes(|| {
            let mut slot = d.entry(k, 5);
            assert!(slot.get().is_some());
            slot.put(Value::Str(Str::Int(3)), Ttl::At(3_000), 5);
        });
        assert_eq!(new, 1);
        assert_eq!((d.expire_of(k), d.volatile_len()), (3_000, 1));
        let old = hashes(|| {
            d.get(b"fresh", 5);
            d.set(b"fresh", Value::Str(Str::Int(2)), false, 5);
        });
        let new = hashes(|| {
            d.entry(b"fresh2", 5)
                .put(Value::Str(Str::Int(2)), Ttl::Clear, 5)
        });
        assert_eq!((old, new), (2, 1));
    }

    proptest! {
        /// Values and expiry times through every path that sets, moves or
        /// clears a TTL, with a clock that moves forward (lazy expiry in
        /// `get`, active expiry, purges), against a model.
        #[test]
        fn ttls_match_model(ops in proptest::collection::vec((0u8..10, 0u8..12, 0u8..12, 0i64..40), 0..300)) {
            let mut d = Db::new();
            let mut rng = crate::util::Rng::from_entropy();
            // key -> (value, absolute expiry or -1)
            let mut m: BTreeMap<u8, (i64, i64)> = BTreeMap::new();
            let mut now = 1_000;
            for (op, k, k2, n) in ops {
                let (key, key2) = ([k], [k2]);
                let live = |m: &BTreeMap<u8, (i64, i64)>, k: u8, now: i64| {
                    m.get(&k).is_some_and(|&(_, t)| t < 0 || t > now)
                };
                match op {
                    // SET [KEEPTTL] on a live or absent key.
                    0 | 1 => {
                        if !live(&m, k, now) {
                            d.get(&key, now);
                            m.remove(&k);
                        }
                        let keep = op == 1;
                        d.set(&key, Value::Str(Str::Int(n)), keep, now);
                        let t = if keep { m.get(&k).map_or(-1, |v| v.1) } else { -1 };
                        m.insert(k, (n, t));
                    }
                    // EXPIRE-like, on a live key.
                    2 => {
                        if d.get(&key, now).is_some() {
                            d.set_expire(&key, now + n);
                            m.get_mut(&k).unwrap().1 = now + n;
                        } else {
                            m.remove(&k);
                        }
                    }
                    3 => {
                        let had = m.get(&k).is_some_and(|v| v.1 >= 0);
                        prop_assert_eq!(d.persist(&key), had);
                        if let Some(v) = m.get_mut(&k) {
                            v.1 = -1;
                        }
                    }
                    4 => {
                        prop_assert_eq!(d.remove(&key), m.remove(&k).is_some());
                    }
                    // RENAME-like: the entry moves with its expiry (or,
                    // to cover the API, with none or another one).
                    5 => {
                        if let Some((e, t)) = d.take(&key) {
                            prop_assert_eq!(t, m[&k].1);
                            let t2 = match n % 3 {
                                0 => t,
                                1 => -1,
                                _ => now + n,
                            };
                            d.insert_entry(&key2, e, t2);
                            let v = m.remove(&k).unwrap();
                            m.insert(k2, (v.0, t2));
                        } else {
                            prop_assert!(!m.contains_key(&k));
                        }
                    }
                    // COPY-like: a clone with the source's expiry.
                    6 => {
                        if let Some(e) = d.peek(&key).cloned() {
                            let t = d.expire_of(&key);
                            d.insert_entry(&key2, e, t);
                            let v = m[&k];
                            m.insert(k2, v);
                        }
                    }
                    7 => {
                        now += n;
                        d.active_expire(&mut rng, 20, now);
                        // Active expiry may remove any expired key, and
                        // only those.
                        for (k, v) in &m {
                            if !d.contains_raw(&[*k]) {
                                prop_assert!(v.1 >= 0 && v.1 <= now, "key {} removed live", k);
                            }
                        }
                        m.retain(|k, _| d.contains_raw(&[*k]));
                    }
                    // SET through the one-hash slot: lazy expiry, then a
                    // store that clears, keeps or sets the TTL.
                    9 => {
                        let mut slot = d.entry(&key, now);
                        prop_assert_eq!(slot.found(), live(&m, k, now));
                        prop_assert_eq!(slot.get().is_some(), live(&m, k, now));
                        if !live(&m, k, now) {
                            m.remove(&k);
                        }
                        let (ttl, t) = match k2 % 3 {
                            0 => (Ttl::Clear, -1),
                            1 => (Ttl::Keep, m.get(&k).map_or(-1, |v| v.1)),
                            _ => (Ttl::At(now + n - 5), now + n - 5),
                        };
                        slot.put(Value::Str(Str::Int(n)), ttl, now);
                        m.insert(k, (n, t));
                    }
                    _ => {
                        let got = d.get(&key, now).is_some();
                        prop_assert_eq!(got, live(&m, k, now));
                        if !got {
                            m.remove(&k);
                        }
                    }
                }
                check(&d, &m);
            }
            d.purge_expired(now);
            m.retain(|_, v| v.1 < 0 || v.1 > now);
            check(&d, &m);
        }
    }
}
