//! Blocked clients (Redis's `blocked.c`): who waits on which keys, in
//! FIFO order per key, until when, and what to reply on timeout.
//!
//! A handler that finds nothing to serve and may block parks its client
//! here (through `Ctx::block`, see [`crate::cmd::blocking`]) instead of
//! replying; its further input waits. A write that may serve waiters (a
//! push, a ZADD) marks its key ready with [`Blocking::signal_ready`];
//! after the command, the loop re-runs each waiting client's command in
//! FIFO order (as Redis 7 does), and a command that still finds nothing
//! simply stays blocked in its place. The cron answers clients whose
//! timeout passed; a disconnect removes every trace.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;

/// What a blocked command replies when its timeout passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutReply {
    /// A null array (BLPOP, BRPOP, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP).
    NullArray,
    /// A null bulk string (BLMOVE, BRPOPLPUSH).
    NullBulk,
}

/// A parked client.
#[derive(Debug)]
pub struct Blocked {
    /// The database the keys belong to.
    pub db: usize,
    /// The keys it waits on.
    pub keys: Vec<Box<[u8]>>,
    /// Absolute deadline in Unix ms; 0 waits forever.
    pub deadline: i64,
    /// The reply on timeout.
    pub reply: TimeoutReply,
    /// The command, re-run when a key may be ready.
    pub argv: Vec<Bytes>,
}

/// Every blocked client and who waits on what.
#[derive(Debug, Default)]
pub struct Blocking {
    /// Blocked clients by client id.
    pub clients: HashMap<u64, Blocked>,
    /// Client ids waiting on (db, key), oldest first.
    pub waiters: HashMap<(usize, Box<[u8]>), VecDeque<u64>>,
    /// Keys that may now serve waiters, noted during the current command.
    pub ready: Vec<(usize, Box<[u8]>)>,
    /// CLIENT UNBLOCK requests: (client id, reply with an error).
    pub unblock_requests: Vec<(u64, bool)>,
    /// Set when a re-run command blocked again (it stays in its place).
    pub reblocked: bool,
    /// The (db, key) whose signal is re-running a blocked command, while
    /// it runs: Redis serves a woken stream reader from that key only.
    pub serving: Option<(usize, Box<[u8]>)>,
}

impl Blocking {
    /// Whether client `id` is blocked.
    pub fn is_blocked(&self, id: u64) -> bool {
        // Asked before every command: skip the hash when nobody is blocked.
        !self.clients.is_empty() && self.clients.contains_key(&id)
    }

    /// Removes client `id` from every queue; returns its record.
    pub fn unblock(&mut self, id: u64) -> Option<Blocked> {
        let b = self.clients.remove(&id)?;
        for k in &b.keys {
            let slot = (b.db, k.clone());
            if let Some(q) = self.waiters.get_mut(&slot) {
                q.retain(|c| *c != id);
                if q.is_empty() {
                    self.waiters.remove(&slot);
                }
            }
        }
        Some(b)
    }

    /// The earliest deadline of any blocked client (0: none).
    pub fn next_deadline(&self) -> i64 {
        self.clients
            .values()
            .filter(|b| b.deadline > 0)
            .map(|b| b.deadline)
            .min()
            .unwrap_or(0)
    }

    /// Parks client `id` on `keys` of `db` until `deadline` (Unix ms, 0:
    /// forever), to re-run `argv` when a key may be ready. Called again
    /// when the command is re-run and still finds nothing, it keeps the
    /// client's place in the queues.
    pub fn block(
        &mut self,
        id: u64,
        db: usize,
        keys: &[&[u8]],
        deadline: i64,
        reply: TimeoutReply,
        argv: &[Bytes],
    ) {
        if self.clients.contains_key(&id) {
            self.reblocked = true;
            return;
        }
        let mut own: Vec<Box<[u8]>> = Vec::with_capacity(keys.len());
        for k in keys {
            if own.iter().any(|o| **o == **k) {
                continue;
            }
            own.push((*k).into());
            self.waiters
                .entry((db, (*k).into()))
                .or_default()
                .push_back(id);
        }
        self.clients.insert(
            id,
            Blocked {
                db,
                keys: own,
                deadline,
                reply,
                // Copied: slices of the read buffer would pin it.
                argv: argv.iter().map(|a| Bytes::copy_from_slice(a)).collect(),
            },
        );
    }

    /// Notes that `key` in `db` may serve blocked clients.
    pub fn signal_ready(&mut self, db: usize, key: &[u8]) {
        if self.waiters.is_empty() || !self.waiters.contains_key(&(db, key.into())) {
            return;
        }
        if !self.ready.iter().any(|(d, k)| *d == db && **k == *key) {
            self.ready.push((db, key.into()));
        }
    }

    /// The keys of `db` that some client waits on.
    pub fn keys_of(&self, db: usize) -> Vec<Box<[u8]>> {
        self.waiters
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect()
    }

    /// Whether an XREAD or XREADGROUP client waits on `key` in `db`.
    pub fn has_stream_reader(&self, db: usize, key: &[u8]) -> bool {
        if self.waiters.is_empty() {
            return false;
        }
        let Some(q) = self.waiters.get(&(db, key.into())) else {
            return false;
        };
        q.iter().any(|id| {
            self.clients.get(id).is_some_and(|c| {
                c.argv.first().is_some_and(|n| {
                    n.eq_ignore_ascii_case(b"xread") || n.eq_ignore_ascii_case(b"xreadgroup")
                })
            })
        })
    }
}
