//! Keyspace notifications (Redis's `notify.c`): the event classes that
//! `notify-keyspace-events` selects, their flag letters, and [`publish`],
//! which publishes an event to `__keyspace@<db>__:<key>` and
//! `__keyevent@<db>__:<event>` through the Pub/Sub registry.
//!
//! Handlers raise events through `Ctx::modified` (with WATCH, tracking and
//! dirty) or `Ctx::notify`, with the exact event name Redis uses. Keys the
//! keyspace removes by itself (lazy and active expiry) are logged by
//! [`crate::db::Db`] and announced by `State::collect_expired` as
//! `expired` before any later event, so subscribers see events in the
//! order they happened. Messages to the running command's own client go
//! into its call frame ([`Origin`]), ahead of its reply.

use bytes::Bytes;

use crate::pubsub::{Msg, PubSub};

/// `K`: publish to `__keyspace@<db>__:<key>`.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: publish to `__keyevent@<db>__:<event>`.
pub const KEYEVENT: u32 = 1 << 1;
/// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
pub const GENERIC: u32 = 1 << 2;
/// `$`: string commands.
pub const STRING: u32 = 1 << 3;
/// `l`: list commands.
pub const LIST: u32 = 1 << 4;
/// `s`: set commands.
pub const SET: u32 = 1 << 5;
/// `h`: hash commands.
pub const HASH: u32 = 1 << 6;
/// `z`: sorted set commands.
pub const ZSET: u32 = 1 << 7;
/// `x`: keys removed because they expired.
pub const EXPIRED: u32 = 1 << 8;
/// `e`: keys evicted under maxmemory.
pub const EVICTED: u32 = 1 << 9;
/// `t`: stream commands.
pub const STREAM: u32 = 1 << 10;
/// `m`: reads of keys that do not exist.
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module key types.
pub const MODULE: u32 = 1 << 12;
/// `n`: a key was created.
pub const NEW: u32 = 1 << 13;
/// `A`: every class but `m` and `n`.
pub const ALL: u32 =
    GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// Parses a `notify-keyspace-events` value into flags.
pub fn parse_flags(s: &str) -> Result<u32, String> {
    let mut flags = 0;
    for c in s.chars() {
        flags |= match c {
            'A' => ALL,
            'g' => GENERIC,
            '$' => STRING,
            'l' => LIST,
            's' => SET,
            'h' => HASH,
            'z' => ZSET,
            'x' => EXPIRED,
            'e' => EVICTED,
            'K' => KEYSPACE,
            'E' => KEYEVENT,
            't' => STREAM,
            'm' => KEY_MISS,
            'd' => MODULE,
            'n' => NEW,
            _ => return Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
        };
    }
    Ok(flags)
}

/// Formats flags as CONFIG GET shows them. As in Redis, `n` is shown only
/// when not every `A` class is set.
pub fn format_flags(flags: u32) -> String {
    let mut s = String::new();
    if flags & ALL == ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (GENERIC, 'g'),
            (STRING, '$'),
            (LIST, 'l'),
            (SET, 's'),
            (HASH, 'h'),
            (ZSET, 'z'),
            (EXPIRED, 'x'),
            (EVICTED, 'e'),
            (STREAM, 't'),
            (MODULE, 'd'),
            (NEW, 'n'),
        ] {
            if flags & bit != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
        if flags & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// What raised a keyspace event: the running command's client (0: none),
/// and where messages to that client go (they precede its reply).
pub struct Origin<'a> {
    /// The caller's client id.
    pub caller: u64,
    /// Its messages.
    pub own: &'a mut Vec<Msg>,
}

/// Publishes keyspace event `event` of class `class` for `key` in `db`
/// through `pubsub`, if `flags` (`notify-keyspace-events`) select it.
pub fn publish(
    pubsub: &mut PubSub,
    origin: Origin,
    flags: u32,
    class: u32,
    event: &str,
    db: usize,
    key: &[u8],
) {
    if flags & class == 0 || flags & (KEYSPACE | KEYEVENT) == 0 || !pubsub.any() {
        return;
    }
    let event_b = Bytes::copy_from_slice(event.as_bytes());
    let key_b = Bytes::copy_from_slice(key);
    if flags & KEYSPACE != 0 {
        let mut ch = format!("__keyspace@{db}__:").into_bytes();
        ch.extend_from_slice(key);
        pubsub.publish(&Bytes::from(ch), &event_b, false, origin.caller, origin.own);
    }
    if flags & KEYEVENT != 0 {
        let ch = format!("__keyevent@{db}__:{event}");
        pubsub.publish(&Bytes::from(ch), &key_b, false, origin.caller, origin.own);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_as_redis_prints_them() {
        for (given, shown) in [
            ("KEA", "AKE"),
            ("Ex", "xE"),
            ("g$lshzxetd", "A"),
            ("AKEm", "AKEm"),
            ("Kn", "nK"),
            ("An", "A"),
            ("", ""),
        ] {
            assert_eq!(format_flags(parse_flags(given).unwrap()), shown, "{given}");
        }
        assert!(parse_flags("KEQ").is_err());
    }
}
