//! The latency monitor (Redis's `latency.c`) and the LATENCY command.
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
use std::fmt::Write as _;

use super::{CmdResult, Ctx};
use crate::cmdinfo::CommandId;

/// Samples kept per event.
const TS_LEN: usize = 160;
/// Width of LATENCY GRAPH.
const GRAPH_COLS: usize = 80;
/// Height of LATENCY GRAPH's plot.
const GRAPH_ROWS: usize = 4;

#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    /// Unix seconds; 0 for an unused slot.
    time: i64,
    /// Milliseconds.
    latency: u64,
}

/// One event's history.
#[derive(Debug, Clone)]
struct Series {
    samples: Box<[Sample; TS_LEN]>,
    /// Next slot to write.
    idx: usize,
    /// All-time maximum.
    max: u64,
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
    fn in_order(&self) -> impl Iterator<Item = Sample> + '_ {
        (0..TS_LEN)
            .map(move |j| self.samples[(self.idx + j) % TS_LEN])
            .filter(|s| s.time != 0)
    }

    fn latest(&self) -> Sample {
        self.samples[(self.idx + TS_LEN - 1) % TS_LEN]
    }
}

/// Buckets of a command histogram: 1024 ns doubling up to past 1 s.
const HIST_BUCKETS: usize = 21;

/// One command's run times (LATENCY HISTOGRAM).
#[derive(Debug, Clone)]
struct Histogram {
    name: String,
    calls: u64,
    /// `counts[k]`: calls whose duration fell in bucket k.
    counts: [u64; HIST_BUCKETS],
}

/// The top of bucket `k` in ns, as HdrHistogram with two significant
/// digits reports its log-iteration steps (1024 * 2^k plus the width of
/// the value's sub-bucket, minus one).
fn bucket_top_ns(k: usize) -> u64 {
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

    /// Forgets the command histograms (CONFIG RESETSTAT).
    pub fn reset_histograms(&mut self) {
        self.histograms.clear();
    }
}

/// LATENCY LATEST
pub fn latency_latest(ctx: &mut Ctx) -> CmdResult {
    let events = &ctx.srv.latency.events;
    ctx.out.array(events.len());
    for (name, s) in events {
        let last = s.latest();
        ctx.out.array(4);
        ctx.out.bulk(name.as_bytes());
        ctx.out.int(last.time);
        ctx.out.int(last.latency as i64);
        ctx.out.int(s.max as i64);
    }
    Ok(())
}

/// LATENCY HISTORY event
pub fn latency_history(ctx: &mut Ctx) -> CmdResult {
    let event = ctx.args().next_bytes()?;
    let Some(s) = find(ctx, event) else {
        ctx.out.array(0);
        return Ok(());
    };
    let samples: Vec<Sample> = s.in_order().collect();
    ctx.out.array(samples.len());
    for x in samples {
        ctx.out.array(2);
        ctx.out.int(x.time);
        ctx.out.int(x.latency as i64);
    }
    Ok(())
}

fn find<'a>(ctx: &'a Ctx, event: &[u8]) -> Option<&'a Series> {
    let name = std::str::from_utf8(event).ok()?;
    ctx.srv.latency.events.get(name)
}

/// LATENCY RESET [event ...]
pub fn latency_reset(ctx: &mut Ctx) -> CmdResult {
    let names = ctx.args().rest();
    let events = &mut ctx.srv.latency.events;
    let n = if names.is_empty() {
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
    };
    ctx.out.int(n as i64);
    Ok(())
}

/// LATENCY GRAPH event
pub fn latency_graph(ctx: &mut Ctx) -> CmdResult {
    let event = ctx.args().next_bytes()?;
    let now_s = ctx.now() / 1000;
    let Some(s) = find(ctx, event) else {
        return Err(super::CmdError::Owned(format!(
            "ERR No samples available for event '{}'",
            String::from_utf8_lossy(event)
        )));
    };
    let graph = graph(&String::from_utf8_lossy(event), s, now_s);
    ctx.out.verbatim("txt", graph.as_bytes());
    Ok(())
}

/// How long ago, as LATENCY GRAPH labels a column: 5s, 3m, 2h, 1d.
fn ago(secs: i64) -> String {
    match secs {
        ..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86399 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

/// LATENCY GRAPH's text: a header line, a rule, then the samples as a
/// filled sparkline four rows high (one column per sample, in chunks of
/// 80 columns), each column labelled vertically with its age.
fn graph(event: &str, s: &Series, now_s: i64) -> String {
    let samples: Vec<Sample> = s.in_order().collect();
    let min = samples.iter().map(|x| x.latency).min().unwrap_or(0);
    let max = samples.iter().map(|x| x.latency).max().unwrap_or(0);
    let mut out = format!(
        "{event} - high {max} ms, low {min} ms (all time high {} ms)\n",
        s.max
    );
    out.push_str(&"-".repeat(GRAPH_COLS));
    out.push('\n');
    let labels: Vec<Vec<u8>> = samples
        .iter()
        .map(|x| ago(now_s - x.time).into_bytes())
        .collect();
    for (i, chunk) in samples.chunks(GRAPH_COLS).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let labels = &labels[i * GRAPH_COLS..i * GRAPH_COLS + chunk.len()];
        sparkline(&mut out, chunk, labels, min, max);
    }
    out
}

/// Renders columns whose heights are the samples scaled between `min`
/// and `max` into `GRAPH_ROWS` rows of three steps each (`_`, `o`, `#`;
/// `|` below the top of a column), a blank row, then the labels.
fn sparkline(out: &mut String, chunk: &[Sample], labels: &[Vec<u8>], min: u64, max: u64) {
    const FILL: [u8; 3] = *b"_o#";
    let range = if max == min { 1.0 } else { (max - min) as f64 };
    let steps = (FILL.len() * GRAPH_ROWS) as i64;
    let step: Vec<i64> = chunk
        .iter()
        .map(|x| (((x.latency - min) as f64 * steps as f64 / range) as i64).clamp(0, steps - 1))
        .collect();
    for row in 0..GRAPH_ROWS {
        let line: Vec<u8> = step
            .iter()
            .map(|&st| {
                let c = st - ((GRAPH_ROWS - row - 1) * FILL.len()) as i64;
                match c {
                    0..=2 => FILL[c as usize],
                    3.. => b'|',
                    _ => b' ',
                }
            })
            .collect();
        out.push_str(&String::from_utf8_lossy(&line));
        out.push('\n');
    }
    let tallest = labels.iter().map(Vec::len).max().unwrap_or(0);
    if tallest > 0 {
        out.push_str(&" ".repeat(chunk.len()));
        out.push('\n');
    }
    for r in 0..tallest {
        let line: String = labels
            .iter()
            .map(|l| l.get(r).map_or(' ', |&b| b as char))
            .collect();
        out.push_str(&line);
        out.push('\n');
    }
}

/// LATENCY DOCTOR
pub fn latency_doctor(ctx: &mut Ctx) -> CmdResult {
    let enabled = ctx.srv.config.latency_monitor_threshold > 0;
    let text = doctor(&ctx.srv.latency, enabled);
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// The LATENCY DOCTOR report: Redis's wording for a disabled monitor and
/// for no spikes; otherwise each event's statistics and the advice that
/// applies to the events we record.
fn doctor(m: &Monitor, enabled: bool) -> String {
    if m.events.is_empty() {
        return if enabled {
            "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n".into()
        } else {
            "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".into()
        };
    }
    let mut r = String::from("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
    let mut slow_commands = false;
    let mut disk = false;
    for (i, (name, s)) in m.events.iter().enumerate() {
        let v: Vec<Sample> = s.in_order().collect();
        let n = v.len().max(1) as u64;
        let avg = v.iter().map(|x| x.latency).sum::<u64>() / n;
        let mad = v.iter().map(|x| x.latency.abs_diff(avg)).sum::<u64>() / n;
        let first = v.first().map_or(0, |x| x.time);
        let last = v.last().map_or(0, |x| x.time);
        let period = (last - first).max(1) as f64 / n as f64;
        let _ = writeln!(
            r,
            "{}. {name}: {} latency spikes (average {avg}ms, mean deviation {mad}ms, period {period:.2} sec). Worst all time event {}ms.",
            i + 1,
            v.len(),
            s.max
        );
        slow_commands |= name.ends_with("command");
        disk |= name.starts_with("aof");
    }
    r.push_str("\nI have a few advices for you:\n\n");
    if slow_commands {
        r.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
        r.push_str("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
    }
    if disk {
        r.push_str("- The AOF is written and fsynced by the main loop: consider appendfsync everysec, and check the disk with 'iostat' for slow or contended I/O.\n");
    }
    r
}

/// LATENCY HISTOGRAM [command ...]
pub fn latency_histogram(ctx: &mut Ctx) -> CmdResult {
    let wanted: Vec<String> = ctx
        .args()
        .rest()
        .iter()
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    let mut hs: Vec<&Histogram> = ctx
        .srv
        .latency
        .histograms
        .iter()
        .flatten()
        .filter(|h| wanted.is_empty() || wanted.contains(&h.name))
        .collect();
    hs.sort_by(|a, b| a.name.cmp(&b.name));
    ctx.out.map(hs.len());
    for h in hs {
        ctx.out.bulk(h.name.as_bytes());
        ctx.out.map(2);
        ctx.out.bulk(b"calls");
        ctx.out.int(h.calls as i64);
        ctx.out.bulk(b"histogram_usec");
        // Cumulative counts at each bucket where the count grew.
        let mut points = Vec::new();
        let mut cumulative = 0;
        for (k, &c) in h.counts.iter().enumerate() {
            if c > 0 {
                cumulative += c;
                points.push(((bucket_top_ns(k) / 1000) as i64, cumulative as i64));
            }
        }
        ctx.out.map(points.len());
        for (usec, count) in points {
            ctx.out.int(usec);
            ctx.out.int(count);
        }
    }
    Ok(())
}

/// LATENCY HELP
pub fn latency_help(ctx: &mut Ctx) -> CmdResult {
    super::server::reply_help(
        ctx,
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
    Ok(())
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

    #[test]
    fn graph_of_one_sample_matches_redis() {
        let mut s = Series::new();
        s.add(300, 100);
        let g = graph("command", &s, 100);
        let want = format!(
            "command - high 300 ms, low 300 ms (all time high 300 ms)\n{}\n \n \n \n_\n \n0\ns\n",
            "-".repeat(80)
        );
        assert_eq!(g, want);
    }
}
