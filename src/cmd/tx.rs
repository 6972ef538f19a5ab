//! Transactions (Redis's `multi.c`): MULTI queues commands, EXEC runs them
//! back to back and replies with every reply, DISCARD drops them.
//!
//! EXEC runs as one command of the loop, so clients blocked on keys the
//! transaction pushed to are served only after it finishes, and blocking
//! commands inside it do not block. The AOF gets MULTI ... EXEC around the
//! transaction's writes, so replay applies it whole or not at all.

use std::collections::{HashMap, HashSet};

use bytes::Bytes;

use super::{call_nested, CmdError, CmdResult, Ctx};
use crate::conn::ClientState;

/// MULTI
pub fn multi(ctx: &mut Ctx) -> CmdResult {
    if ctx.client.multi.active {
        return Err(CmdError::Msg("ERR MULTI calls can not be nested"));
    }
    ctx.client.multi.active = true;
    ctx.client.multi.error = false;
    ctx.client.multi.queue.clear();
    ctx.out.ok();
    Ok(())
}

/// DISCARD
pub fn discard(ctx: &mut Ctx) -> CmdResult {
    if !ctx.client.multi.active {
        return Err(CmdError::Msg("ERR DISCARD without MULTI"));
    }
    ctx.client.multi.active = false;
    ctx.client.multi.error = false;
    ctx.client.multi.queue.clear();
    ctx.srv.watches.unwatch_all(ctx.client);
    ctx.out.ok();
    Ok(())
}

/// Whether a key that was live when watched has expired since (Redis 7
/// counts that as a change even before anything deletes it).
fn watched_key_expired(ctx: &mut Ctx) -> bool {
    let now = ctx.expire_now();
    let (srv, id) = (&ctx.srv, ctx.client.id);
    ctx.client.watched.iter().any(|w| {
        !srv.watches.expired_flag(id, w.db, &w.key) && srv.dbs[w.db].is_expired_raw(&w.key, now)
    })
}

/// EXEC
pub fn exec(ctx: &mut Ctx) -> CmdResult {
    if !ctx.client.multi.active {
        return Err(CmdError::Msg("ERR EXEC without MULTI"));
    }
    let queue = std::mem::take(&mut ctx.client.multi.queue);
    let aborted = ctx.client.multi.error;
    ctx.client.multi.error = false;
    if aborted {
        ctx.client.multi.active = false;
        ctx.srv.watches.unwatch_all(ctx.client);
        return Err(CmdError::Msg(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    ctx.client.multi.active = false;
    // A watched key changed, or expired since WATCH: nothing runs.
    let doomed = ctx.srv.watches.is_dirty(ctx.client.id) || watched_key_expired(ctx);
    ctx.srv.watches.unwatch_all(ctx.client);
    if doomed {
        ctx.out.null_array();
        return Ok(());
    }
    let db = ctx.client.db;
    ctx.out.array(queue.len());
    // Blocking commands inside the transaction must not block.
    ctx.client.multi.executing = true;
    for argv in &queue {
        call_nested(ctx, argv);
    }
    ctx.client.multi.executing = false;
    // What the queued commands changed leaves as one MULTI ... EXEC
    // block; EXEC itself is not propagated.
    let end_db = ctx.client.db;
    let r = ctx.frame.raised();
    r.propagate = Some(Vec::new());
    if !r.effects.is_empty() {
        r.effects.insert(0, (db, vec![b"MULTI".to_vec()]));
        r.effects.push((end_db, vec![b"EXEC".to_vec()]));
    }
    Ok(())
}

/// WATCH key [key ...]
pub fn watch(ctx: &mut Ctx) -> CmdResult {
    if ctx.client.multi.active {
        return Err(CmdError::Msg("ERR WATCH inside MULTI is not allowed"));
    }
    let db = ctx.client.db;
    let now = ctx.expire_now();
    for key in &ctx.argv[ctx.arg0..] {
        let expired = ctx.srv.dbs[db].is_expired_raw(key, now);
        ctx.srv.watches.watch(ctx.client, db, key, expired);
    }
    ctx.out.ok();
    Ok(())
}

/// UNWATCH
pub fn unwatch(ctx: &mut Ctx) -> CmdResult {
    ctx.srv.watches.unwatch_all(ctx.client);
    ctx.out.ok();
    Ok(())
}

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
    /// Adds `key` to the keys client `c` watches (once).
    pub fn watch(&mut self, c: &mut ClientState, db: usize, key: &[u8], expired: bool) {
        if c.watched.iter().any(|w| w.db == db && w.key == key) {
            return;
        }
        if self.keys.len() <= db {
            self.keys.resize_with(db + 1, HashMap::new);
        }
        self.keys[db].entry(key.into()).or_default().push(c.id);
        c.watched.push(WatchedKey {
            db,
            key: Bytes::copy_from_slice(key),
        });
        if expired {
            self.expired.insert((c.id, db, key.into()));
        }
        self.count += 1;
    }

    /// Forgets every key client `c` watches, and whether they changed.
    pub fn unwatch_all(&mut self, c: &mut ClientState) {
        self.dirty.remove(&c.id);
        for w in c.watched.drain(..) {
            let map = &mut self.keys[w.db];
            if let Some(ids) = map.get_mut(&w.key[..]) {
                ids.retain(|&i| i != c.id);
                if ids.is_empty() {
                    map.remove(&w.key[..]);
                }
            }
            self.count -= 1;
            self.expired.remove(&(c.id, w.db, Box::from(&w.key[..])));
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
