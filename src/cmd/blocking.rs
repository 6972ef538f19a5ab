//! Blocking commands inside the single loop (BLPOP, BLMOVE, BZPOPMIN, ...).
//!
//! A handler that finds nothing to serve and may block calls
//! [`Ctx::block`] instead of replying. The client is then parked: its
//! further input waits, and it sits in a FIFO queue per key. A write that
//! may serve waiters (a push, a ZADD) calls [`Ctx::signal_ready`]; after
//! the command, the loop re-runs each waiting client's command in FIFO
//! order (as Redis 7 does), and a command that still finds nothing simply
//! stays blocked in its place. The cron answers clients whose timeout
//! passed; a disconnect removes every trace.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;

use super::{CmdError, Ctx};

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
}

/// Parses a blocking timeout in seconds (decimals allowed), as Redis
/// 7.0's `getTimeoutFromObjectOrReply`: a long double (so hex and `inf`
/// parse), times 1000, rounded up, converted to a 64-bit integer; a value
/// too large for that conversion comes out negative on x86, hence "timeout
/// is negative". Returns the absolute deadline in Unix ms, or 0 to wait
/// forever (also when adding the current time would overflow).
pub fn parse_timeout(arg: &[u8], now_ms: i64) -> Result<i64, CmdError> {
    let secs = match crate::ldouble::parse(arg) {
        Some(crate::ldouble::Num::Finite(f)) => f.to_f64(),
        Some(crate::ldouble::Num::Inf) => f64::INFINITY,
        None => return Err(CmdError::Msg("ERR timeout is not a float or out of range")),
    };
    let ms = (secs * 1000.0).ceil();
    if !(0.0..9.223_372_036_854_776e18).contains(&ms) {
        return Err(CmdError::Msg("ERR timeout is negative"));
    }
    let ms = ms as i64;
    if ms == 0 {
        return Ok(0);
    }
    Ok(ms.checked_add(now_ms).unwrap_or(0))
}

impl Ctx<'_> {
    /// Whether this command may block: not inside MULTI/EXEC, where
    /// blocking commands behave as their non-blocking forms.
    pub fn can_block(&self) -> bool {
        !self.client.multi.active && !self.client.multi.executing
    }

    /// Parks the client on `keys` until `deadline` (Unix ms, 0: forever)
    /// instead of replying. Called again when the command is re-run and
    /// still finds nothing, it keeps the client's place in the queues.
    pub fn block(&mut self, keys: &[&[u8]], deadline: i64, reply: TimeoutReply) {
        let argv = self.argv.to_vec();
        self.block_argv(keys, deadline, reply, argv);
    }

    /// As [`Ctx::block`], re-running `argv` instead of the command as
    /// received (XREAD's `$` must keep meaning the id it meant now).
    pub fn block_argv(
        &mut self,
        keys: &[&[u8]],
        deadline: i64,
        reply: TimeoutReply,
        argv: Vec<Bytes>,
    ) {
        let id = self.client.id;
        // `cmd::call` leaves its statistics for when it is served.
        self.frame.blocked = true;
        let b = &mut self.srv.blocking;
        if b.clients.contains_key(&id) {
            b.reblocked = true;
            return;
        }
        let db = self.client.db;
        let mut own: Vec<Box<[u8]>> = Vec::with_capacity(keys.len());
        for k in keys {
            if own.iter().any(|o| **o == **k) {
                continue;
            }
            own.push((*k).into());
            b.waiters
                .entry((db, (*k).into()))
                .or_default()
                .push_back(id);
        }
        b.clients.insert(
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

    /// Notes that `key` (in the client's database) may now serve blocked
    /// clients: call after pushing to a list or adding to a sorted set.
    pub fn signal_ready(&mut self, key: &[u8]) {
        let db = self.client.db;
        self.srv.signal_ready(db, key);
    }
}
