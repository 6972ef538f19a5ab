//! Stream consumer groups: the group's last delivered id and read
//! counter, its pending entries list (PEL) and its consumers, as Redis's
//! `streamCG`, `streamNACK` and `streamConsumer`.
//!
//! The group PEL maps each delivered-but-unacknowledged id to its
//! [`Nack`] (owner, delivery time, delivery count); each consumer keeps
//! the set of ids it owns, so both per-group and per-consumer scans are
//! ordered range walks.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::stream::{Stream, StreamId};

/// Redis's `SCG_INVALID_ENTRIES_READ`: the read counter is unknown.
pub const INVALID_ENTRIES_READ: i64 = -1;

/// A pending entry.
#[derive(Debug, Clone)]
pub struct Nack {
    /// The consumer that owns it (its name, shared with the consumer map
    /// rather than copied per pending entry). An `Arc`, not an `Rc`: a
    /// cloned stream (COPY) shares these names with its source, and a
    /// deleted stream may be freed on the lazy-free thread while the
    /// copy lives on, so the counts must be atomic (and `Value: Send`).
    pub consumer: Arc<[u8]>,
    /// Last delivery, Unix ms.
    pub delivery_time: i64,
    /// Times delivered.
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Debug, Clone, Default)]
pub struct Consumer {
    /// Last time it read or claimed (Unix ms), for its idle time.
    pub seen_time: i64,
    /// The ids it owns in the group PEL.
    pub pel: BTreeSet<StreamId>,
}

/// A consumer group.
#[derive(Debug, Clone)]
pub struct Group {
    /// Last delivered id.
    pub last_id: StreamId,
    /// Logical read counter, or [`INVALID_ENTRIES_READ`].
    pub entries_read: i64,
    /// Pending entries.
    pub pel: BTreeMap<StreamId, Nack>,
    /// Consumers by name (sorted, as Redis's rax).
    pub consumers: BTreeMap<Arc<[u8]>, Consumer>,
}

impl Group {
    /// A new group at `last_id`.
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// The consumer `name`, created if missing (returns whether it was).
    pub fn consumer(&mut self, name: &[u8], now: i64) -> (&mut Consumer, bool) {
        let created = !self.consumers.contains_key(name);
        let c = self
            .consumers
            .entry(name.into())
            .or_insert_with(|| Consumer {
                seen_time: now,
                pel: BTreeSet::new(),
            });
        (c, created)
    }

    /// Removes `id` from the PEL and its owner's list; returns whether it
    /// was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        let Some(n) = self.pel.remove(&id) else {
            return false;
        };
        if let Some(c) = self.consumers.get_mut(&n.consumer) {
            c.pel.remove(&id);
        }
        true
    }

    /// Deletes consumer `name`, dropping its pending entries; returns how
    /// many it had, or `None` if it did not exist.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }

    /// Makes existing `consumer` the owner of pending `id` (a new Nack if
    /// absent).
    pub fn assign(&mut self, id: StreamId, consumer: &[u8], time: i64, count: u64) {
        if let Some(old) = self.pel.get(&id) {
            if *old.consumer != *consumer {
                if let Some(c) = self.consumers.get_mut(&old.consumer) {
                    c.pel.remove(&id);
                }
            }
        }
        // The owner exists (callers create it first); its name is shared.
        let Some(name) = self
            .consumers
            .get_key_value(consumer)
            .map(|(k, _)| k.clone())
        else {
            return;
        };
        self.pel.insert(
            id,
            Nack {
                consumer: name,
                delivery_time: time,
                delivery_count: count,
            },
        );
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }
}

/// The stream metadata the read counters depend on, copied out so a
/// group can be updated while the stream is borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// Live entries.
    pub len: u64,
    /// Last generated id.
    pub last_id: StreamId,
    /// First live id.
    pub first_id: StreamId,
    /// Greatest deleted id.
    pub max_deleted: StreamId,
    /// Entries ever added.
    pub entries_added: u64,
}

impl Stream {
    /// The metadata the read counters need.
    pub fn meta(&self) -> Meta {
        Meta {
            len: self.len(),
            last_id: self.last_id,
            first_id: self.first_id,
            max_deleted: self.max_deleted,
            entries_added: self.entries_added,
        }
    }
}

impl Meta {
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn len(&self) -> u64 {
        self.len
    }

    /// Redis's `streamRangeHasTombstones`: whether a deleted entry may lie
    /// in `start..` (a whole-stream check on the max deleted id).
    pub fn has_tombstones_from(&self, start: StreamId) -> bool {
        if self.is_empty() || self.max_deleted.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted {
            return false;
        }
        start <= self.max_deleted
    }

    /// Redis's `streamEstimateDistanceFromFirstEverEntry`: the logical
    /// position of `id`, or [`INVALID_ENTRIES_READ`] when unknown.
    pub fn estimate_read(&self, id: StreamId) -> i64 {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return 0;
        }
        if self.is_empty() && id <= self.last_id {
            return added;
        }
        if id == self.last_id {
            return added;
        }
        if id > self.last_id {
            return INVALID_ENTRIES_READ;
        }
        if self.max_deleted.is_zero() || self.max_deleted < self.first_id {
            if id < self.first_id {
                return added.wrapping_sub(self.len() as i64);
            }
            if id == self.first_id {
                return added.wrapping_sub(self.len() as i64).wrapping_add(1);
            }
        }
        INVALID_ENTRIES_READ
    }

    /// The group's lag as XINFO reports it, or `None` when unknown.
    pub fn lag(&self, g: &Group) -> Option<i64> {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != INVALID_ENTRIES_READ && !self.has_tombstones_from(g.last_id) {
            return Some(added.wrapping_sub(g.entries_read));
        }
        let read = self.estimate_read(g.last_id);
        (read != INVALID_ENTRIES_READ).then_some(added.wrapping_sub(read))
    }

    /// Advances group `g`'s last id to delivered `id`, maintaining its
    /// read counter as Redis's `streamReplyWithRange` does.
    pub fn advance_group(self, g: &mut Group, id: StreamId) {
        if id <= g.last_id {
            return;
        }
        if g.entries_read != INVALID_ENTRIES_READ && !self.has_tombstones_from(id) {
            g.entries_read = g.entries_read.wrapping_add(1);
        } else if self.entries_added > 0 {
            g.entries_read = self.estimate_read(id);
        }
        g.last_id = id;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Assign(u64, u8),
        Ack(u64),
        DelConsumer(u8),
        Create(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u64..30, 0u8..4).prop_map(|(i, c)| Op::Assign(i, c)),
            2 => (0u64..30).prop_map(Op::Ack),
            1 => (0u8..4).prop_map(Op::DelConsumer),
            1 => (0u8..4).prop_map(Op::Create),
        ]
    }

    proptest! {
        /// The group PEL and the consumers' PELs always agree: each
        /// pending id is in exactly its owner's list, and nowhere else.
        #[test]
        fn pels_stay_consistent(ops in proptest::collection::vec(op(), 1..200)) {
            let mut g = Group::new(StreamId::MIN, INVALID_ENTRIES_READ);
            let name = |c: u8| vec![b'c', b'0' + c];
            for op in ops {
                match op {
                    Op::Assign(i, c) => {
                        g.consumer(&name(c), 0);
                        g.assign(StreamId::new(i, 0), &name(c), 0, 1);
                    }
                    Op::Ack(i) => {
                        let was = g.pel.contains_key(&StreamId::new(i, 0));
                        prop_assert_eq!(g.ack(StreamId::new(i, 0)), was);
                    }
                    Op::DelConsumer(c) => {
                        let had = g.consumers.get(&name(c)[..]).map(|x| x.pel.len());
                        prop_assert_eq!(g.delete_consumer(&name(c)), had);
                    }
                    Op::Create(c) => {
                        g.consumer(&name(c), 0);
                    }
                }
                let owned: usize = g.consumers.values().map(|c| c.pel.len()).sum();
                prop_assert_eq!(owned, g.pel.len());
                for (id, n) in &g.pel {
                    prop_assert!(g.consumers.get(&n.consumer).is_some_and(|c| c.pel.contains(id)));
                }
            }
        }
    }
}
