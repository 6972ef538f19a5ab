//! The Pub/Sub registry: who listens to which channel, pattern and shard
//! channel, and the messages waiting to reach them.
//!
//! Publishing looks the channel up (O(subscribers)) and walks the
//! patterns; it never visits clients that do not listen. Handlers cannot
//! reach other clients' buffers, so a message for another client goes to
//! [`PubSub::outbox`], which the loop delivers right after the command, in
//! order. A message for the client whose command is running goes to
//! [`PubSub::own`] instead and is placed before that command's reply, as
//! Redis writes it (a RESP3 client that subscribed to its own events sees
//! the push, then the reply).

use std::collections::{HashMap, HashSet};

use bytes::Bytes;

use crate::resp::Out;
use crate::util::glob_match;

/// The three namespaces a client can subscribe in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE / PUBLISH.
    Channel,
    /// PSUBSCRIBE: glob patterns matched against PUBLISH channels.
    Pattern,
    /// SSUBSCRIBE / SPUBLISH.
    Shard,
}

impl Kind {
    /// The reply name of a subscription change, e.g. `psubscribe`.
    pub fn verb(self, subscribe: bool) -> &'static str {
        match (self, subscribe) {
            (Kind::Channel, true) => "subscribe",
            (Kind::Channel, false) => "unsubscribe",
            (Kind::Pattern, true) => "psubscribe",
            (Kind::Pattern, false) => "punsubscribe",
            (Kind::Shard, true) => "ssubscribe",
            (Kind::Shard, false) => "sunsubscribe",
        }
    }
}

/// One client's subscriptions.
#[derive(Debug, Default)]
pub struct Subs {
    /// Channels (SUBSCRIBE).
    pub channels: HashSet<Bytes>,
    /// Patterns (PSUBSCRIBE).
    pub patterns: HashSet<Bytes>,
    /// Shard channels (SSUBSCRIBE).
    pub shard: HashSet<Bytes>,
}

impl Subs {
    /// The set for `kind`.
    pub fn set(&mut self, kind: Kind) -> &mut HashSet<Bytes> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    /// The count a (un)subscribe reply carries: channels plus patterns, or
    /// shard channels for the shard commands, as Redis 7.0 counts them.
    pub fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Shard => self.shard.len(),
            _ => self.channels.len() + self.patterns.len(),
        }
    }

    /// Whether the client listens to anything (Redis's CLIENT_PUBSUB: the
    /// RESP2 subscribed mode and the `pubsub` output-limit class).
    pub fn active(&self) -> bool {
        !(self.channels.is_empty() && self.patterns.is_empty() && self.shard.is_empty())
    }
}

/// A message on its way to one client.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A published message for a subscriber.
    Message {
        /// Which subscription matched.
        kind: Kind,
        /// The pattern that matched, for pattern subscriptions.
        pattern: Option<Bytes>,
        /// The channel published to.
        channel: Bytes,
        /// The message.
        payload: Bytes,
    },
    /// A client-side caching invalidation (CLIENT TRACKING) of these keys.
    Invalidate(Vec<Bytes>),
    /// Every key is invalid (after a flush): a null, encoded in the
    /// protocol of the client that tracks (RESP3 if set), not of the one
    /// receiving it, as Redis encodes it for a REDIRECT target.
    InvalidateAll(bool),
    /// The client tracking redirects to (this id) has gone.
    RedirBroken(u64),
}

/// The channel RESP2 clients subscribe to for redirected invalidations.
pub const INVALIDATE_CHANNEL: &[u8] = b"__redis__:invalidate";

impl Msg {
    /// Encodes the message for a client with subscriptions `subs`:
    /// `message`, `pmessage` or `smessage` (a push in RESP3, an array in
    /// RESP2); an invalidation as an `invalidate` push, or in RESP2 as a
    /// message on `__redis__:invalidate` if subscribed to it (else
    /// nothing, as Redis). Sent even under CLIENT REPLY OFF.
    pub fn write(&self, out: &mut Out, subs: &Subs) {
        out.push_message(|out| self.encode(out, subs));
    }

    fn encode(&self, out: &mut Out, subs: &Subs) {
        let (kind, pattern, channel, payload) = match self {
            Msg::Message {
                kind,
                pattern,
                channel,
                payload,
            } => (*kind, pattern, channel, payload),
            Msg::Invalidate(_) | Msg::InvalidateAll(_) => {
                if out.is_resp3() {
                    out.push(2);
                    out.bulk(b"invalidate");
                } else if subs.channels.contains(INVALIDATE_CHANNEL) {
                    out.push(3);
                    out.bulk(b"message");
                    out.bulk(INVALIDATE_CHANNEL);
                } else {
                    return;
                }
                match self {
                    Msg::Invalidate(keys) => {
                        out.array(keys.len());
                        for k in keys {
                            out.bulk(k);
                        }
                    }
                    Msg::InvalidateAll(true) => out.buf.extend_from_slice(b"_\r\n"),
                    _ => out.buf.extend_from_slice(b"$-1\r\n"),
                }
                return;
            }
            Msg::RedirBroken(id) => {
                if out.is_resp3() {
                    out.push(2);
                    out.bulk(b"tracking-redir-broken");
                    out.int(*id as i64);
                }
                return;
            }
        };
        match (pattern, kind) {
            (Some(p), _) => {
                out.push(4);
                out.bulk(b"pmessage");
                out.bulk(p);
            }
            (None, Kind::Shard) => {
                out.push(3);
                out.bulk(b"smessage");
            }
            (None, _) => {
                out.push(3);
                out.bulk(b"message");
            }
        }
        out.bulk(channel);
        out.bulk(payload);
    }
}

/// Every subscription on the server, and messages not yet delivered.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: HashMap<Bytes, Vec<u64>>,
    patterns: HashMap<Bytes, Vec<u64>>,
    shard: HashMap<Bytes, Vec<u64>>,
    /// Messages for other clients, by client id, in publishing order.
    pub outbox: Vec<(u64, Msg)>,
}

impl PubSub {
    fn map(&mut self, kind: Kind) -> &mut HashMap<Bytes, Vec<u64>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    /// Whether anyone listens to a PUBLISH channel or pattern (keyspace
    /// events are not even formatted otherwise).
    pub fn any(&self) -> bool {
        !(self.channels.is_empty() && self.patterns.is_empty())
    }

    /// Subscribes client `id` to `name`; false if it already was.
    pub fn subscribe(&mut self, subs: &mut Subs, id: u64, kind: Kind, name: &Bytes) -> bool {
        if !subs.set(kind).insert(name.clone()) {
            return false;
        }
        self.map(kind).entry(name.clone()).or_default().push(id);
        true
    }

    /// Unsubscribes client `id` from `name`; false if it was not subscribed.
    pub fn unsubscribe(&mut self, subs: &mut Subs, id: u64, kind: Kind, name: &[u8]) -> bool {
        if !subs.set(kind).remove(name) {
            return false;
        }
        let map = self.map(kind);
        if let Some(ids) = map.get_mut(name) {
            ids.retain(|&i| i != id);
            if ids.is_empty() {
                map.remove(name);
            }
        }
        true
    }

    /// Drops every subscription of a client that is going away.
    pub fn remove_client(&mut self, subs: &mut Subs, id: u64) {
        for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
            let names: Vec<Bytes> = subs.set(kind).iter().cloned().collect();
            for n in names {
                self.unsubscribe(subs, id, kind, &n);
            }
        }
    }

    /// PUBLISH (or SPUBLISH with `shard`): queues the message for every
    /// subscriber of the channel and every matching pattern, into `own`
    /// for client `caller` (the running command's, 0 for none), into the
    /// outbox for the others. Returns the number of receivers.
    pub fn publish(
        &mut self,
        channel: &Bytes,
        payload: &Bytes,
        shard: bool,
        caller: u64,
        own: &mut Vec<Msg>,
    ) -> usize {
        let (kind, map) = if shard {
            (Kind::Shard, &self.shard)
        } else {
            (Kind::Channel, &self.channels)
        };
        let mut sink = Sink {
            outbox: &mut self.outbox,
            own,
            current: caller,
            n: 0,
        };
        for &id in map.get(channel).into_iter().flatten() {
            sink.send(id, kind, None, channel, payload);
        }
        if !shard {
            for (p, ids) in &self.patterns {
                if glob_match(p, channel, false) {
                    for &id in ids {
                        sink.send(id, Kind::Pattern, Some(p), channel, payload);
                    }
                }
            }
        }
        sink.n
    }

    /// Channels (or shard channels) with at least one subscriber, matching
    /// `pattern` if given (PUBSUB CHANNELS / SHARDCHANNELS).
    pub fn active_channels(&self, shard: bool, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let map = if shard { &self.shard } else { &self.channels };
        map.keys()
            .filter(|c| pattern.is_none_or(|p| glob_match(p, c, false)))
            .cloned()
            .collect()
    }

    /// Subscribers of a channel (PUBSUB NUMSUB / SHARDNUMSUB).
    pub fn numsub(&self, shard: bool, channel: &[u8]) -> usize {
        let map = if shard { &self.shard } else { &self.channels };
        map.get(channel).map_or(0, Vec::len)
    }

    /// Channels (or shard channels) with subscribers (INFO).
    pub fn channel_count(&self, shard: bool) -> usize {
        if shard {
            self.shard.len()
        } else {
            self.channels.len()
        }
    }

    /// Distinct patterns subscribed to (PUBSUB NUMPAT).
    pub fn numpat(&self) -> usize {
        self.patterns.len()
    }
}

/// Where [`PubSub::publish`] puts messages (borrows the queues apart
/// from the subscription maps it walks).
struct Sink<'a> {
    outbox: &'a mut Vec<(u64, Msg)>,
    own: &'a mut Vec<Msg>,
    current: u64,
    n: usize,
}

impl Sink<'_> {
    fn send(&mut self, id: u64, kind: Kind, pattern: Option<&Bytes>, ch: &Bytes, payload: &Bytes) {
        let msg = Msg::Message {
            kind,
            pattern: pattern.cloned(),
            channel: ch.clone(),
            payload: payload.clone(),
        };
        if id == self.current {
            self.own.push(msg);
        } else {
            self.outbox.push((id, msg));
        }
        self.n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_reaches_channel_and_pattern_subscribers_in_order() {
        let mut ps = PubSub::default();
        let (mut a, mut b) = (Subs::default(), Subs::default());
        let news = Bytes::from_static(b"news");
        assert!(ps.subscribe(&mut a, 1, Kind::Channel, &news));
        assert!(!ps.subscribe(&mut a, 1, Kind::Channel, &news));
        ps.subscribe(&mut b, 2, Kind::Pattern, &Bytes::from_static(b"n*"));
        let mut own = Vec::new();
        assert_eq!(
            ps.publish(&news, &Bytes::from_static(b"m1"), false, 0, &mut own),
            2
        );
        assert_eq!(
            ps.publish(&news, &Bytes::from_static(b"m2"), true, 0, &mut own),
            0
        );
        assert!(own.is_empty());
        let got: Vec<(u64, &[u8])> = ps
            .outbox
            .iter()
            .map(|(i, m)| match m {
                Msg::Message { payload, .. } => (*i, &payload[..]),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(got, vec![(1, &b"m1"[..]), (2, &b"m1"[..])]);
        ps.remove_client(&mut a, 1);
        assert_eq!(ps.numsub(false, b"news"), 0);
        assert!(ps.active_channels(false, None).is_empty());
        assert_eq!(ps.numpat(), 1);
    }
}
