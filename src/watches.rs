//! WATCH's registry (Redis's `watched_keys` in `multi.c`): which clients
//! watch which keys, and whose transactions a change to one of them has
//! doomed. A client keeps the list of keys it watches itself (in
//! [`crate::conn::ClientState`]); the registry indexes them by key, so a
//! write finds the watchers of its key with one lookup.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;

/// One key a client watches.
#[derive(Debug)]
pub struct WatchedKey {
    /// Its database.
    pub db: usize,
    /// The key.
    pub key: Bytes,
}

/// Which clients watch which keys, and whose transactions are doomed
/// (Redis's `watched_keys` dictionaries and CLIENT_DIRTY_CAS).
#[derive(Debug, Default)]
pub struct Watches {
    /// Per database: watched key to watching client ids.
    keys: Vec<HashMap<Box<[u8]>, Vec<u64>>>,
    /// Clients whose watched keys changed since WATCH.
    dirty: HashSet<u64>,
    /// Watched (client, key) pairs in all databases.
    count: usize,
    /// (client, db, key) watched while stored but already expired.
    expired: HashSet<(u64, usize, Box<[u8]>)>,
}

impl Watches {
    /// Adds `key` to the keys client `id` watches (once); `watched` is
    /// the client's own list of them.
    pub fn watch(
        &mut self,
        id: u64,
        watched: &mut Vec<WatchedKey>,
        db: usize,
        key: &[u8],
        expired: bool,
    ) {
        if watched.iter().any(|w| w.db == db && w.key == key) {
            return;
        }
        if self.keys.len() <= db {
            self.keys.resize_with(db + 1, HashMap::new);
        }
        self.keys[db].entry(key.into()).or_default().push(id);
        watched.push(WatchedKey {
            db,
            key: Bytes::copy_from_slice(key),
        });
        if expired {
            self.expired.insert((id, db, key.into()));
        }
        self.count += 1;
    }

    /// Forgets every key client `id` watches (emptying `watched`, its own
    /// list), and whether they changed.
    pub fn unwatch_all(&mut self, id: u64, watched: &mut Vec<WatchedKey>) {
        self.dirty.remove(&id);
        for w in watched.drain(..) {
            let map = &mut self.keys[w.db];
            if let Some(ids) = map.get_mut(&w.key[..]) {
                ids.retain(|&i| i != id);
                if ids.is_empty() {
                    map.remove(&w.key[..]);
                }
            }
            self.count -= 1;
            self.expired.remove(&(id, w.db, Box::from(&w.key[..])));
        }
    }

    /// Whether anyone watches anything (the cheap test before a touch).
    pub fn any(&self) -> bool {
        self.count > 0
    }

    /// The clients watching `key` in `db`.
    pub fn watchers(&self, db: usize, key: &[u8]) -> &[u64] {
        self.keys
            .get(db)
            .and_then(|m| m.get(key))
            .map_or(&[], |v| v.as_slice())
    }

    /// Every key watched in `db`.
    pub fn keys_in(&self, db: usize) -> Vec<Box<[u8]>> {
        self.keys
            .get(db)
            .map_or_else(Vec::new, |m| m.keys().cloned().collect())
    }

    /// Dooms client `id`'s transaction.
    pub fn mark_dirty(&mut self, id: u64) {
        self.dirty.insert(id);
    }

    /// Whether client `id` watched `key` while it was stored but already
    /// expired: deleting it later is no logical change.
    pub fn expired_flag(&self, id: u64, db: usize, key: &[u8]) -> bool {
        self.expired.contains(&(id, db, Box::from(key)))
    }

    fn clear_expired_flag(&mut self, id: u64, db: usize, key: &[u8]) {
        self.expired.remove(&(id, db, Box::from(key)));
    }

    /// A watched key was modified (`exists`: it is still stored).
    pub fn touch_client(&mut self, id: u64, db: usize, key: &[u8], exists: bool) {
        if !exists && self.expired_flag(id, db, key) {
            // The expired key was deleted: no logical change.
            self.clear_expired_flag(id, db, key);
            return;
        }
        self.mark_dirty(id);
    }

    /// A watched key's database is being flushed or swapped.
    pub fn touch_db_change(
        &mut self,
        id: u64,
        db: usize,
        key: &[u8],
        in_db: bool,
        in_other: bool,
        other_expired: bool,
    ) {
        if self.expired_flag(id, db, key) {
            if !in_other {
                // The expired key is deleted: no logical change.
                self.clear_expired_flag(id, db, key);
                return;
            }
            if other_expired {
                // Expired before, expired after.
                return;
            }
        } else if !in_db && other_expired {
            // A missing key replaced by an expired one: still missing.
            self.expired.insert((id, db, Box::from(key)));
            return;
        }
        self.mark_dirty(id);
    }

    /// Whether client `id`'s transaction is doomed.
    pub fn is_dirty(&self, id: u64) -> bool {
        self.dirty.contains(&id)
    }
}
