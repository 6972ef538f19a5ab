//! The slow log (Redis's `slowlog.c`): commands that ran longer than
//! `slowlog-log-slower-than` microseconds, newest first, at most
//! `slowlog-max-len` of them. The SLOWLOG command reads it
//! ([`crate::cmd::slowlog`]).

use std::collections::VecDeque;

use bytes::Bytes;

/// Arguments kept per entry; the last slot says how many more there were.
const MAX_ARGC: usize = 32;
/// Bytes kept per argument; the rest is summarised.
const MAX_STRING: usize = 128;

/// One slow command.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Increasing id.
    pub id: u64,
    /// When it ran, Unix seconds.
    pub time: i64,
    /// How long it ran, microseconds.
    pub duration: u64,
    /// Its arguments, shortened as Redis shortens them.
    pub argv: Vec<Bytes>,
    /// The client's `ip:port`.
    pub peer: String,
    /// The client's name.
    pub name: Vec<u8>,
}

/// The slow log.
#[derive(Debug, Default)]
pub struct SlowLog {
    entries: VecDeque<Entry>,
    next_id: u64,
}

impl SlowLog {
    /// Records a command that took `duration` µs, if it is slow enough;
    /// trims the log to `max_len`.
    pub fn record(&mut self, cfg: (i64, usize), entry: impl FnOnce(u64) -> Entry, duration: u64) {
        let (slower_than, max_len) = cfg;
        if slower_than < 0 || duration < slower_than as u64 {
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.entries.push_front(entry(id));
        self.entries.truncate(max_len);
    }

    /// The entries, newest first.
    pub fn entries(&self) -> &VecDeque<Entry> {
        &self.entries
    }

    /// Empties the log (ids keep increasing).
    pub fn reset(&mut self) {
        self.entries.clear();
    }
}

/// The arguments an entry keeps: at most 32, each at most 128 bytes.
pub fn shorten(argv: &[Bytes]) -> Vec<Bytes> {
    let keep = argv.len().min(MAX_ARGC);
    let mut out = Vec::with_capacity(keep);
    for (i, a) in argv.iter().take(keep).enumerate() {
        if i == MAX_ARGC - 1 && argv.len() > MAX_ARGC {
            let more = argv.len() - MAX_ARGC + 1;
            out.push(Bytes::from(format!("... ({more} more arguments)")));
        } else if a.len() > MAX_STRING {
            let mut s = a[..MAX_STRING].to_vec();
            s.extend_from_slice(format!("... ({} more bytes)", a.len() - MAX_STRING).as_bytes());
            out.push(Bytes::from(s));
        } else {
            out.push(Bytes::copy_from_slice(a));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_arguments_and_argument_lists_are_shortened() {
        let argv: Vec<Bytes> = (0..40).map(|i| Bytes::from(format!("a{i}"))).collect();
        let s = shorten(&argv);
        assert_eq!(s.len(), 32);
        assert_eq!(&s[31][..], b"... (9 more arguments)");
        let long = shorten(&[Bytes::from(vec![b'x'; 130])]);
        assert_eq!(long[0].len(), 128 + "... (2 more bytes)".len());
    }

    #[test]
    fn log_keeps_newest_first_within_max_len() {
        let mut log = SlowLog::default();
        for d in [5, 20, 30, 40] {
            let mk = |id| Entry {
                id,
                time: 0,
                duration: d,
                argv: vec![],
                peer: String::new(),
                name: vec![],
            };
            log.record((10, 2), mk, d);
        }
        let ids: Vec<u64> = log.entries.iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![2, 1]);
    }
}
