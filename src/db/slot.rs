//! Read-then-write access to one key with one hash: [`Db::entry`] looks
//! the key up (with lazy expiry) and returns a [`Slot`] that remembers
//! the key's hash, so the caller can read the old value and then store a
//! new one, with or without a TTL, without hashing the key again.
//!
//! The key table and the TTL table share a hash seed (see
//! [`Dict::with_seed_of`](super::dict::Dict::with_seed_of)), so the same
//! hash serves both: a `SET key value EX 10` over a key that had a TTL
//! hashes the key once, where lookup, store and expire used to hash it
//! three times (and the TTL table three more).

use super::clock::new_clock;
use super::dict::Probe;
use super::{expired_hashed, Db, Entry, Value};

/// What a store does to the key's TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// Drop any TTL (SET, GETSET).
    Clear,
    /// Keep the key's TTL, if it has one (SET KEEPTTL, INCR, APPEND).
    Keep,
    /// Expire at this absolute Unix ms time (SET EX), even one already
    /// past: the key then expires on its next access.
    At(i64),
}

/// A key looked up by [`Db::entry`]: its hash, and whether it is live.
#[derive(Debug)]
pub struct Slot<'a> {
    db: &'a mut Db,
    key: &'a [u8],
    hash: u64,
    found: bool,
}

impl Db {
    /// Looks `key` up to read and then write it, hashing it once for the
    /// key and TTL tables. Side effects: as [`Db::get`], removes the key
    /// if it has expired at `now` (lazy expiry) and, during an AOF
    /// rewrite, serializes its snapshot value first.
    pub fn entry<'a>(&'a mut self, key: &'a [u8], now: i64) -> Slot<'a> {
        let hash = self.keys.hash(key);
        let volatile = &self.volatile;
        let found = match self
            .keys
            .probe_mut_hashed(hash, key, |e| expired_hashed(volatile, hash, key, e, now))
        {
            Probe::Found(e) => {
                if let Some(s) = self.snap.as_deref_mut() {
                    s.save(key, e, &self.volatile);
                }
                true
            }
            Probe::Removed(k, e) => {
                self.volatile.remove_hashed(hash, &k);
                self.free.value(e.val, self.free.expire);
                self.note_expired(k);
                false
            }
            Probe::Missing => false,
        };
        Slot {
            db: self,
            key,
            hash,
            found,
        }
    }

    /// Stores `val` under `key` (whose [`Dict::hash`](super::dict::Dict::hash)
    /// is `hash`): see [`Slot::put`].
    pub(super) fn store(&mut self, hash: u64, key: &[u8], val: Value, ttl: Ttl, now: i64) {
        let lru = new_clock(now, self.lfu);
        if let Some(e) = self.keys.get_mut_hashed(hash, key) {
            if let Some(s) = self.snap.as_deref_mut() {
                s.save(key, e, &self.volatile);
            }
            let old = std::mem::replace(&mut e.val, val);
            // Redis's `dbOverwrite`: a server-side delete of the old value.
            self.free.value(old, self.free.server_del);
            // An overwrite keeps the key's access frequency (dbSetValue).
            if !self.lfu {
                e.lru = lru;
            }
            e.set_unshared(false);
            match ttl {
                Ttl::Keep => {}
                Ttl::Clear if e.has_ttl() => {
                    e.set_has_ttl(false);
                    self.volatile.remove_hashed(hash, key);
                }
                Ttl::Clear => {}
                Ttl::At(when) if e.has_ttl() => {
                    if let Some(t) = self.volatile.get_mut_hashed(hash, key) {
                        *t = when;
                    }
                }
                Ttl::At(when) => {
                    e.set_has_ttl(true);
                    self.volatile.insert_new_hashed(hash, key, when);
                }
            }
        } else {
            let mut entry = Entry::new(val, lru, self.gen_now);
            if let Ttl::At(when) = ttl {
                entry.set_has_ttl(true);
                self.volatile.insert_new_hashed(hash, key, when);
            }
            self.keys.insert_new_hashed(hash, key, entry);
            if self.log_new {
                self.new_log.push(key.into());
            }
        }
    }
}

impl Slot<'_> {
    /// Whether the key is live.
    pub fn found(&self) -> bool {
        self.found
    }

    /// The live entry, if any (already serialized for a rewrite in
    /// progress, so the caller may modify it in place).
    pub fn get(&mut self) -> Option<&mut Entry> {
        if !self.found {
            return None;
        }
        self.db.keys.get_mut_hashed(self.hash, self.key)
    }

    /// Stores `val`, replacing any value, with the TTL `ttl` says. A new
    /// key gets a fresh access clock; an overwrite refreshes the LRU clock
    /// but keeps the LFU counter (Redis's `dbSetValue`) and clears the
    /// COPY flag. Side effects: during a rewrite, the old value is
    /// serialized first (already done by [`Db::entry`]); the old value
    /// is freed as a server-side delete (on the lazy-free thread under
    /// `lazyfree-lazy-server-del` if big); a new key is logged for `new`
    /// events.
    pub fn put(self, val: Value, ttl: Ttl, now: i64) {
        self.db.store(self.hash, self.key, val, ttl, now);
    }
}
