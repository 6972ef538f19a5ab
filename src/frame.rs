//! The call frame: everything that belongs to one running command rather
//! than to the server or the client. `cmd::call` makes a fresh frame for
//! each command it runs, hands it to the handler inside its context, and
//! reads it back when finishing: statistics, propagation, messages for the
//! caller. A command that runs commands (EXEC, a script) gives each of
//! them a frame of its own, so nothing of the outer command leaks in or is
//! overwritten.
//!
//! Nothing here is global: subsystems that need to know who is calling
//! (tracking's NOLOOP and REDIRECT, Pub/Sub's "messages to the caller
//! precede its reply", CLIENT NO-TOUCH lookups) take the frame as an
//! argument.

use crate::pubsub::Msg;
use crate::tracking;

/// Per-command state, passed down from the call path to the handler and
/// the subsystems it reaches. Made and dropped once per command, so what
/// most commands never use waits behind one pointer ([`Raised`]).
#[derive(Debug, Default)]
pub struct Frame {
    /// Id of the calling client (0: internal, the AOF loader or the cron).
    pub caller: u64,
    /// The caller's CLIENT TRACKING settings as the command started; a
    /// REDIRECT found broken while it runs is noted here.
    pub tracking: tracking::Current,
    /// The caller speaks RESP3.
    pub resp3: bool,
    /// CLIENT NO-TOUCH caller running anything but TOUCH: lookups leave
    /// the LRU/LFU clock alone.
    pub no_touch: bool,
    /// The command parked its client (it is counted when served).
    pub blocked: bool,
    /// Run by a script (`redis.call`): it may not block, and MONITOR
    /// shows it as the script's (`lua`).
    pub from_script: bool,
    /// Arguments MONITOR and the slow log show as `(redacted)`
    /// (passwords): bit `i` for argument `i`, bit 63 for every argument
    /// from 63 on.
    pub redacted: u64,
    /// What the command raised beyond its reply, once it raised anything.
    raised: Option<Box<Raised>>,
}

/// What a command raised beyond its reply: messages for its caller, keys
/// it found expired, what it propagates.
#[derive(Debug, Default)]
pub struct Raised {
    /// Messages for the caller that precede its reply: Redis writes them
    /// while the command runs (a PUBLISH to itself, keyspace events).
    pub own: Vec<Msg>,
    /// Messages for the caller that follow its reply (its own tracking
    /// invalidations, as Redis 7.0 sends them).
    pub own_after: Vec<Msg>,
    /// Keys removed by expiry while the command ran, by database, in
    /// order: announced as `expired` events, then propagated as DEL
    /// before the command itself.
    pub expired: Vec<(usize, Box<[u8]>)>,
    /// What to propagate instead of the command as received, when it
    /// changed the dataset (relative expiries become absolute, ...).
    pub propagate: Option<Vec<Vec<Vec<u8>>>>,
    /// Effects of the commands this one ran (EXEC's queued commands),
    /// each with its database, in order. They leave when this command
    /// finishes: to the sinks, or to its own caller's frame if it is
    /// nested too.
    pub effects: Vec<(usize, Vec<Vec<u8>>)>,
}

impl Frame {
    /// A frame for a command of client `caller`, with its tracking
    /// settings and protocol.
    pub fn new(caller: u64, tracking: tracking::Current, resp3: bool) -> Frame {
        Frame {
            caller,
            tracking,
            resp3,
            ..Frame::default()
        }
    }

    /// A frame for work the server does on its own (expiry and eviction
    /// from the cron, loading).
    pub fn internal() -> Frame {
        Frame::default()
    }

    /// What the command raised so far, made on first use.
    pub fn raised(&mut self) -> &mut Raised {
        self.raised.get_or_insert_with(Box::default)
    }

    /// How many effects nested commands have left so far.
    pub fn raised_effects(&self) -> usize {
        self.raised.as_ref().map_or(0, |r| r.effects.len())
    }

    /// Forgets the effects left after the first `n`.
    pub fn truncate_effects(&mut self, n: usize) {
        if let Some(r) = self.raised.as_mut() {
            r.effects.truncate(n);
        }
    }

    /// Takes what the command raised, if anything.
    pub fn take_raised(&mut self) -> Option<Box<Raised>> {
        self.raised.take()
    }

    /// Queues `msg` for client `target`: into this frame when the target
    /// is the caller (before or after its reply), else into `outbox`.
    pub fn route(&mut self, outbox: &mut Vec<(u64, Msg)>, target: u64, msg: Msg, after: bool) {
        if target != 0 && target == self.caller {
            let r = self.raised();
            if after {
                r.own_after.push(msg);
            } else {
                r.own.push(msg);
            }
        } else {
            outbox.push((target, msg));
        }
    }
}
