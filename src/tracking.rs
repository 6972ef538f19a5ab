//! Client-side caching: CLIENT TRACKING, as Redis 7.0 does it.
//!
//! In the default mode the server remembers which keys each tracking
//! client read (read-only commands, after they ran) in one table, key ->
//! client ids, shared by all databases as in Redis. When a key is
//! modified ([`crate::state::State::signal_modified`], the same hook as
//! WATCH) its entry is removed and every client in it is sent one
//! `invalidate` message. In BCAST mode clients register key prefixes
//! instead; modified keys matching a prefix are collected and sent once
//! per loop iteration, one message per prefix and client, as Redis's
//! `trackingBroadcastInvalidationMessages` does. FLUSHDB and FLUSHALL send
//! every tracking client a null invalidation and empty the table.
//!
//! Messages travel like Pub/Sub messages (`PubSub::outbox`): to the
//! client itself (RESP3: a push) or to its REDIRECT client (RESP3: a push;
//! RESP2: a message on `__redis__:invalidate` if it subscribed). A client
//! invalidating its own keys gets the message right after its reply, as
//! Redis 7.0 sends it.

use std::collections::HashMap;

use bytes::Bytes;

/// One client's CLIENT TRACKING settings.
#[derive(Debug, Clone, Default)]
pub struct TrackOpts {
    /// Tracking is on.
    pub on: bool,
    /// Client receiving the invalidations (0: this one).
    pub redirect: u64,
    /// BCAST mode.
    pub bcast: bool,
    /// OPTIN mode: only reads after CLIENT CACHING YES are tracked.
    pub optin: bool,
    /// OPTOUT mode: reads after CLIENT CACHING NO are not tracked.
    pub optout: bool,
    /// NOLOOP: no invalidations for keys this client modified.
    pub noloop: bool,
    /// CLIENT CACHING YES/NO for the next command.
    pub caching: Option<bool>,
    /// The REDIRECT client has gone.
    pub broken: bool,
    /// BCAST prefixes.
    pub prefixes: Vec<Bytes>,
}

impl TrackOpts {
    /// Whether a read by this client now should be remembered.
    pub fn tracks_reads(&self) -> bool {
        self.on
            && !self.bcast
            && (!self.optin || self.caching == Some(true))
            && (!self.optout || self.caching != Some(false))
    }

    /// The CLIENT TRACKINGINFO flags, in Redis's order.
    pub fn flag_names(&self) -> Vec<&'static str> {
        if !self.on {
            return vec!["off"];
        }
        let mut f = vec!["on"];
        for (set, name) in [
            (self.bcast, "bcast"),
            (self.optin, "optin"),
            (self.optout, "optout"),
            (self.caching == Some(true), "caching-yes"),
            (self.caching == Some(false), "caching-no"),
            (self.noloop, "noloop"),
            (self.broken, "broken_redirect"),
        ] {
            if set {
                f.push(name);
            }
        }
        f
    }

    /// CLIENT GETREDIR / CLIENT LIST `redir`: -1 when not tracking.
    pub fn redir(&self) -> i64 {
        if self.on {
            self.redirect as i64
        } else {
            -1
        }
    }
}

/// The settings invalidations need, copied out of a client: the running
/// client's connection is out of the client table while it runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Current {
    /// Its tracking is on.
    pub on: bool,
    /// Its REDIRECT id (0: none).
    pub redirect: u64,
    /// BCAST mode.
    pub bcast: bool,
    /// NOLOOP.
    pub noloop: bool,
    /// Its REDIRECT client is known to be gone.
    pub broken: bool,
}

impl Current {
    /// The part of `t` invalidations need.
    pub fn of(t: &TrackOpts) -> Current {
        Current {
            on: t.on,
            redirect: t.redirect,
            bcast: t.bcast,
            noloop: t.noloop,
            broken: t.broken,
        }
    }
}

/// A BCAST prefix: its clients and the keys modified since the last
/// broadcast, each with the id of the client that modified it.
#[derive(Debug, Default)]
struct Prefix {
    prefix: Bytes,
    clients: Vec<u64>,
    pending: Vec<(Bytes, u64)>,
}

/// The server-wide tracking state.
#[derive(Debug, Default)]
pub struct Tracking {
    keys: HashMap<Bytes, Vec<u64>>,
    /// BCAST prefixes, sorted.
    prefixes: Vec<Prefix>,
    /// Ids of the clients with tracking on.
    pub clients: Vec<u64>,
    /// Times in a row the table was found over `tracking-table-max-keys`
    /// (each look then forgets more keys).
    over_limit: u32,
}

impl Tracking {
    /// Whether anything is tracked at all (the per-write fast path).
    pub fn active(&self) -> bool {
        !self.clients.is_empty() || !self.keys.is_empty()
    }

    /// Remembers that client `id` read `key`.
    pub fn remember(&mut self, id: u64, key: &[u8]) {
        let ids = self.keys.entry(Bytes::copy_from_slice(key)).or_default();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }

    /// Takes the clients that read `key`, and notes `key` for the BCAST
    /// prefixes it matches (modified by client `by`).
    pub fn modified(&mut self, key: &[u8], by: u64) -> Vec<u64> {
        for p in &mut self.prefixes {
            if key.starts_with(&p.prefix) {
                p.pending.push((Bytes::copy_from_slice(key), by));
            }
        }
        self.keys.remove(key).unwrap_or_default()
    }

    /// `tracking-table-max-keys`: while more than `max` keys are
    /// remembered (0: no limit), forgets keys, each with the clients to
    /// invalidate, as Redis's `trackingLimitUsedSlots`: at most 100 keys
    /// per look, 100 more for each look in a row that ended over the
    /// limit. Which keys is arbitrary (Redis walks its radix tree at
    /// random; this takes the hash table's order, itself seeded at random
    /// per process). BCAST prefixes are not told: the key did not change.
    pub fn over_limit(&mut self, max: u64) -> Vec<(Bytes, Vec<u64>)> {
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        if max == 0 || self.keys.len() <= max {
            self.over_limit = 0;
            return Vec::new();
        }
        let effort = 100 * (self.over_limit as usize + 1);
        let n = effort.min(self.keys.len() - max);
        let victims: Vec<Bytes> = self.keys.keys().take(n).cloned().collect();
        let out = victims
            .into_iter()
            .filter_map(|k| self.keys.remove_entry(&k))
            .collect();
        if self.keys.len() > max {
            self.over_limit = self.over_limit.saturating_add(1);
        } else {
            self.over_limit = 0;
        }
        out
    }

    /// Forgets every remembered key (FLUSHDB, FLUSHALL).
    pub fn clear_keys(&mut self) {
        self.keys.clear();
    }

    /// Registers client `id` as tracking, with `prefixes` in BCAST mode.
    pub fn enable(&mut self, id: u64, opts: &TrackOpts) {
        if !self.clients.contains(&id) {
            self.clients.push(id);
        }
        if !opts.bcast {
            return;
        }
        // Kept sorted: Redis broadcasts prefix by prefix in that order.
        for prefix in &opts.prefixes {
            match self.prefixes.binary_search_by(|p| p.prefix.cmp(prefix)) {
                Ok(i) if self.prefixes[i].clients.contains(&id) => {}
                Ok(i) => self.prefixes[i].clients.push(id),
                Err(i) => self.prefixes.insert(
                    i,
                    Prefix {
                        prefix: prefix.clone(),
                        clients: vec![id],
                        pending: Vec::new(),
                    },
                ),
            }
        }
    }

    /// Unregisters client `id` (CLIENT TRACKING OFF, disconnection). Its
    /// remembered keys are dropped lazily, when they are next modified.
    pub fn disable(&mut self, id: u64) {
        self.clients.retain(|&c| c != id);
        for p in &mut self.prefixes {
            p.clients.retain(|&c| c != id);
        }
        self.prefixes.retain(|p| !p.clients.is_empty());
    }

    /// The pending BCAST invalidations, one (client, keys) per prefix and
    /// client, leaving out keys a NOLOOP client modified itself
    /// (`noloop(id)`).
    pub fn take_broadcasts(&mut self, noloop: impl Fn(u64) -> bool) -> Vec<(u64, Vec<Bytes>)> {
        let mut out = Vec::new();
        for p in &mut self.prefixes {
            if p.pending.is_empty() {
                continue;
            }
            let pending = std::mem::take(&mut p.pending);
            for &id in &p.clients {
                let skip_own = noloop(id);
                let keys: Vec<Bytes> = pending
                    .iter()
                    .filter(|(_, by)| !(skip_own && *by == id))
                    .map(|(k, _)| k.clone())
                    .collect();
                if !keys.is_empty() {
                    out.push((id, keys));
                }
            }
        }
        out
    }

    /// Whether `prefix` overlaps one of `existing` (one is a prefix of the
    /// other): the overlapping one.
    pub fn overlap<'a>(prefix: &[u8], existing: &'a [Bytes]) -> Option<&'a Bytes> {
        existing
            .iter()
            .find(|e| e.starts_with(prefix) || prefix.starts_with(e))
    }

    /// INFO's tracking_total_keys, tracking_total_items and
    /// tracking_total_prefixes.
    pub fn totals(&self) -> (usize, usize, usize) {
        let items = self.keys.values().map(Vec::len).sum();
        (self.keys.len(), items, self.prefixes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sent_once_and_prefixes_batch() {
        let mut t = Tracking::default();
        t.remember(1, b"k");
        t.remember(1, b"k");
        t.remember(2, b"k");
        assert_eq!(t.totals(), (1, 2, 0));
        assert_eq!(t.modified(b"k", 9), vec![1, 2]);
        assert!(t.modified(b"k", 9).is_empty());
        let opts = TrackOpts {
            on: true,
            bcast: true,
            prefixes: vec![Bytes::from_static(b"a:")],
            ..TrackOpts::default()
        };
        t.enable(3, &opts);
        t.enable(4, &opts);
        t.modified(b"a:1", 3);
        t.modified(b"b:1", 3);
        t.modified(b"a:2", 4);
        let sent = t.take_broadcasts(|id| id == 3);
        assert_eq!(
            sent,
            vec![
                (3, vec![Bytes::from_static(b"a:2")]),
                (
                    4,
                    vec![Bytes::from_static(b"a:1"), Bytes::from_static(b"a:2")]
                )
            ]
        );
        assert!(t.take_broadcasts(|_| false).is_empty());
        t.disable(3);
        t.disable(4);
        assert_eq!(t.totals(), (0, 0, 0));
        assert!(!t.active());
    }

    #[test]
    fn overlapping_prefixes() {
        let existing = [Bytes::from_static(b"ab")];
        assert!(Tracking::overlap(b"a", &existing).is_some());
        assert!(Tracking::overlap(b"abc", &existing).is_some());
        assert!(Tracking::overlap(b"b", &existing).is_none());
    }

    #[test]
    fn over_limit_forgets_more_each_look_in_a_row() {
        let mut t = Tracking::default();
        for i in 0..350 {
            t.remember(7, format!("k{i}").as_bytes());
        }
        assert!(t.over_limit(0).is_empty(), "0 means no limit");
        let first = t.over_limit(100);
        assert_eq!(first.len(), 100, "100 keys per look at first");
        assert!(first.iter().all(|(_, ids)| ids == &[7]));
        assert_eq!(t.totals().0, 250);
        assert_eq!(
            t.over_limit(100).len(),
            150,
            "then up to 200: down to the limit"
        );
        assert_eq!(t.totals().0, 100);
        assert!(t.over_limit(100).is_empty());
    }
}
