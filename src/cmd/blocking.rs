//! How handlers block (BLPOP, BLMOVE, BZPOPMIN, XREAD, ...): the timeout
//! argument, and the [`Ctx`] calls that park the client instead of
//! replying or mark a key ready for clients parked on it. Who waits on
//! what is [`crate::blocking`].

use bytes::Bytes;

use super::{CmdError, Ctx};
use crate::blocking::TimeoutReply;

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
    /// Whether this command may block: not inside MULTI/EXEC or a
    /// script, where blocking commands behave as their non-blocking forms.
    pub fn can_block(&self) -> bool {
        !self.client.multi.active && !self.client.multi.executing && !self.frame.from_script
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
        let (id, db) = (self.client.id, self.client.db);
        // `cmd::call` leaves its statistics for when it is served.
        self.frame.blocked = true;
        self.srv
            .blocking
            .block(id, db, keys, deadline, reply, &argv);
    }

    /// Notes that `key` (in the client's database) may now serve blocked
    /// clients: call after pushing to a list or adding to a sorted set.
    pub fn signal_ready(&mut self, key: &[u8]) {
        let db = self.client.db;
        self.srv.signal_ready(db, key);
    }
}
