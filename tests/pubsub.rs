//! Pub/Sub: SUBSCRIBE and friends, PUBLISH, PUBSUB, RESP2 subscribed mode,
//! RESP3 pushes, fan-out, slow subscribers; keyspace notifications.

#[allow(unused_imports)]
use crate::util::*;
