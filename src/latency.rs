//! The latency monitor (Redis's `latency.c`): the data LATENCY reports
//! ([`crate::cmd::latency`]).
//!
//! Code paths that may stall the loop report how long they took with
//! [`Monitor::add_if_needed`]; with `latency-monitor-threshold` set, a
//! duration at or above it becomes a sample of its event (`command`,
//! `fast-command`, `expire-cycle`, `aof-write`, `aof-fsync-always`, ...).
//! Each event keeps the last 160 samples, at most one per second: samples
//! in the same second keep the highest.
//!
//! Separately, every command's run time goes into a per-command histogram
//! of power-of-two buckets for LATENCY HISTOGRAM (Redis's
//! `latency-tracking`, on by default).

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::cmdinfo::CommandId;

/// Samples kept per event.
const TS_LEN: usize = 160;

/// One sample of an event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    /// Unix seconds; 0 for an unused slot.
    pub time: i64,
    /// Milliseconds.
    pub latency: u64,
}

/// One event's history.
#[derive(Debug, Clone)]
pub struct Series {
    samples: Box<[Sample; TS_LEN]>,
    /// Next slot to write.
    idx: usize,
    /// All-time maximum.
    pub max: u64,
}

impl Series {
    fn new() -> Series {
        Series {
            samples: Box::new([Sample::default(); TS_LEN]),
            idx: 0,
            max: 0,
        }
    }

    fn add(&mut self, ms: u64, now_s: i64) {
        self.max = self.max.max(ms);
        let prev = &mut self.samples[(self.idx + TS_LEN - 1) % TS_LEN];
        if prev.time == now_s {
            prev.latency = prev.latency.max(ms);
            return;
        }
        self.samples[self.idx] = Sample {
            time: now_s,
            latency: ms,
        };
        self.idx = (self.idx + 1) % TS_LEN;
    }

    /// The used samples, oldest first.
    pub fn in_order(&self) -> impl Iterator<Item = Sample> + '_ {
        (0..TS_LEN)
            .map(move |j| self.samples[(self.idx + j) % TS_LEN])
            .filter(|s| s.time != 0)
    }

    /// The newest sample.
    pub fn latest(&self) -> Sample {
        self.samples[(self.idx + TS_LEN - 1) % TS_LEN]
    }
}

/// Buckets of a command histogram: 1024 ns doubling up to past 1 s.
pub const HIST_BUCKETS: usize = 21;

/// One command's run times (LATENCY HISTOGRAM).
#[derive(Debug, Clone)]
pub struct Histogram {
    /// The command's full name, lower case.
    pub name: String,
    /// Calls counted.
    pub calls: u64,
    /// `counts[k]`: calls whose duration fell in bucket k.
    pub counts: [u64; HIST_BUCKETS],
}

/// The top of bucket `k` in ns, as HdrHistogram with two significant
/// digits reports its log-iteration steps (1024 * 2^k plus the width of
/// the value's sub-bucket, minus one).
pub fn bucket_top_ns(k: usize) -> u64 {
    let base = 1024u64 << k;
    base + (1u64 << (10 + k - 7)) - 1
}

/// The latency monitor's state.
#[derive(Debug, Default)]
pub struct Monitor {
    events: BTreeMap<&'static str, Series>,
    /// By [`CommandId`]; `None` for commands not run since the reset.
    histograms: Vec<Option<Histogram>>,
}

impl Monitor {
    /// Records `ms` for `event` if monitoring is on (`threshold_ms > 0`)
    /// and it is at least the threshold (Redis's
    /// `latencyAddSampleIfNeeded`).
    pub fn add_if_needed(&mut self, threshold_ms: u64, event: &'static str, ms: u64, now_ms: i64) {
        if threshold_ms > 0 && ms >= threshold_ms {
            self.events
                .entry(event)
                .or_insert_with(Series::new)
                .add(ms, now_ms / 1000);
        }
    }

    /// After command `id` (`fast`: flagged FAST; `name`: its full name in
    /// lower case) ran for `usec` µs: a `command` or `fast-command` sample
    /// if it was slow enough, and a count in its histogram.
    pub fn command_done(
        &mut self,
        threshold_ms: u64,
        id: CommandId,
        fast: bool,
        name: impl FnOnce() -> String,
        usec: u64,
        now_ms: i64,
    ) {
        let event = if fast { "fast-command" } else { "command" };
        self.add_if_needed(threshold_ms, event, usec / 1000, now_ms);
        let h = crate::cmdinfo::entry(&mut self.histograms, id).get_or_insert_with(|| Histogram {
            name: name(),
            calls: 0,
            counts: [0; HIST_BUCKETS],
        });
        h.calls += 1;
        let ns = usec.saturating_mul(1000).clamp(1024, 1_000_000_000);
        let k = (0..HIST_BUCKETS)
            .find(|&k| ns <= bucket_top_ns(k))
            .unwrap_or(HIST_BUCKETS - 1);
        h.counts[k] += 1;
    }

    /// Every event's history, by event name.
    pub fn events(&self) -> &BTreeMap<&'static str, Series> {
        &self.events
    }

    /// Forgets the history of the events `names`, or of every event when
    /// `names` is empty (LATENCY RESET); returns how many were forgotten.
    pub fn reset_events(&mut self, names: &[Bytes]) -> usize {
        let events = &mut self.events;
        if names.is_empty() {
            let n = events.len();
            events.clear();
            n
        } else {
            names
                .iter()
                .filter(|e| {
                    std::str::from_utf8(e)
                        .ok()
                        .and_then(|e| events.remove(e))
                        .is_some()
                })
                .count()
        }
    }

    /// The command histograms.
    pub fn histograms(&self) -> impl Iterator<Item = &Histogram> {
        self.histograms.iter().flatten()
    }

    /// Forgets the command histograms (CONFIG RESETSTAT).
    pub fn reset_histograms(&mut self) {
        self.histograms.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_in_one_second_keep_the_max_and_history_holds_160() {
        let mut m = Monitor::default();
        m.add_if_needed(10, "command", 5, 1_000); // below threshold
        m.add_if_needed(10, "command", 20, 1_000);
        m.add_if_needed(10, "command", 50, 1_500);
        m.add_if_needed(10, "command", 30, 1_900);
        let s = &m.events["command"];
        let v: Vec<(i64, u64)> = s.in_order().map(|x| (x.time, x.latency)).collect();
        assert_eq!(v, vec![(1, 50)]);
        for t in 2..400 {
            m.add_if_needed(10, "command", t as u64, t * 1000);
        }
        let s = &m.events["command"];
        assert_eq!(s.in_order().count(), TS_LEN);
        assert_eq!(s.in_order().next().map(|x| x.time), Some(400 - 160));
        assert_eq!(s.max, 399);
        m.add_if_needed(0, "fast-command", 1000, 0);
        assert!(!m.events.contains_key("fast-command"));
    }

    #[test]
    fn histogram_buckets_match_redis() {
        // Bucket tops redis-server 7.0 reports for LATENCY HISTOGRAM.
        let tops: Vec<u64> = [3, 4, 5, 6, 8, 11, 18, 19]
            .iter()
            .map(|&k| bucket_top_ns(k) / 1000)
            .collect();
        assert_eq!(tops, vec![8, 16, 33, 66, 264, 2113, 270532, 541065]);
        assert_eq!(bucket_top_ns(0) / 1000, 1);
    }
}
