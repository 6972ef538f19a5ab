//! The ACL log (ACL LOG): refused commands, keys, channels and failed
//! logins, newest first, equal entries within a minute merged.

use std::collections::VecDeque;

/// Entries within this many ms of an equal one are merged into it.
const MERGE_MS: i64 = 60_000;

/// One ACL LOG entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// How many times it happened.
    pub count: u64,
    /// `command`, `key`, `channel` or `auth`.
    pub reason: &'static str,
    /// `toplevel` or `multi`.
    pub context: &'static str,
    /// The command, key or channel refused.
    pub object: Vec<u8>,
    /// Who.
    pub username: Vec<u8>,
    /// Last time, Unix ms.
    pub ctime: i64,
    /// CLIENT INFO of the client, last time.
    pub client_info: String,
}

/// The ACL log: newest first.
#[derive(Debug, Default)]
pub struct Log {
    entries: VecDeque<Entry>,
}

impl Log {
    /// The entries, newest first.
    pub fn entries(&self) -> &VecDeque<Entry> {
        &self.entries
    }

    /// Empties the log (ACL LOG RESET).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Adds `e`, or counts it on a recent equal entry (among the 10
    /// newest) and moves that entry to the front, as Redis's
    /// `addACLLogEntry`.
    pub fn add(&mut self, mut e: Entry, max_len: usize) {
        let same = self.entries.iter().take(10).position(|o| {
            o.reason == e.reason
                && o.context == e.context
                && o.object == e.object
                && o.username == e.username
                && e.ctime - o.ctime < MERGE_MS
        });
        if let Some(old) = same.and_then(|i| self.entries.remove(i)) {
            e.count = old.count + 1;
        }
        self.entries.push_front(e);
        self.entries.truncate(max_len);
    }
}
