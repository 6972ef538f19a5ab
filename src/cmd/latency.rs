//! LATENCY: the latency monitor's events and command histograms
//! ([`crate::latency`]) as replies, LATENCY GRAPH's sparkline and LATENCY
//! DOCTOR's report.

use std::fmt::Write as _;

use super::{CmdResult, Ctx};
use crate::latency::{bucket_top_ns, Histogram, Monitor, Sample, Series};

/// Width of LATENCY GRAPH.
const GRAPH_COLS: usize = 80;
/// Height of LATENCY GRAPH's plot.
const GRAPH_ROWS: usize = 4;

/// LATENCY LATEST
pub fn latency_latest(ctx: &mut Ctx) -> CmdResult {
    let events = ctx.srv.latency.events();
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
    ctx.srv.latency.events().get(name)
}

/// LATENCY RESET [event ...]
pub fn latency_reset(ctx: &mut Ctx) -> CmdResult {
    let names = ctx.args().rest();
    let n = ctx.srv.latency.reset_events(names);
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
    if m.events().is_empty() {
        return if enabled {
            "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n".into()
        } else {
            "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".into()
        };
    }
    let mut r = String::from("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
    let mut slow_commands = false;
    let mut disk = false;
    for (i, (name, s)) in m.events().iter().enumerate() {
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
        .histograms()
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
    fn graph_of_one_sample_matches_redis() {
        let mut m = Monitor::default();
        m.add_if_needed(1, "command", 300, 100_000);
        let g = graph("command", &m.events()["command"], 100);
        let want = format!(
            "command - high 300 ms, low 300 ms (all time high 300 ms)\n{}\n \n \n \n_\n \n0\ns\n",
            "-".repeat(80)
        );
        assert_eq!(g, want);
    }
}
