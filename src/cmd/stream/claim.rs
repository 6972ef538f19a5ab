//! XCLAIM and XAUTOCLAIM: moving pending entries between consumers, as
//! Redis 7.0 does (min idle time, delivery time and count, FORCE,
//! LASTID; entries deleted meanwhile are dropped from the PEL).
//!
//! Each claimed or dropped entry is propagated as `XCLAIM ... FORCE
//! JUSTID` with its delivery time and count (or XACK when dropped).

use super::super::args::is;
use super::super::{CmdError, CmdResult, Ctx};
use super::group::{nogroup, touch_consumer, Prop};
use super::parse::{parse_bound, parse_strict};
use super::{read, reply_entry, write};
use crate::db::stream::{Stream, StreamId};
use crate::db::stream_group::Group;
use crate::notify;
use crate::resp::Out;
use crate::util::parse_i64;

/// Gives pending `id` to consumer `name` (creating it as needed), as a
/// claim does: delivery time, count (`retry`, else +1 unless `justid`).
/// Returns whether the consumer was created.
#[allow(clippy::too_many_arguments)]
fn claim_one(
    g: &mut Group,
    id: StreamId,
    name: &[u8],
    time: i64,
    now: i64,
    retry: Option<u64>,
    justid: bool,
) -> bool {
    let created = touch_consumer(g, name, now);
    let count = g.pel.get(&id).map_or(1, |n| n.delivery_count);
    let count = match retry {
        Some(r) => r,
        None if !justid => count + 1,
        None => count,
    };
    g.assign(id, name, time, count);
    created
}

/// Replies the claimed entries: ids only with JUSTID, else whole entries.
fn reply_claimed(out: &mut Out, s: &Stream, claimed: &[StreamId], justid: bool) {
    out.array(claimed.len());
    for id in claimed {
        if justid {
            out.bulk(&id.to_bytes());
        } else {
            s.range(*id, *id, false, 1, |e| {
                reply_entry(out, &e);
                false
            });
        }
    }
}

/// The end of a claim: the consumer-created event, dirty, propagation.
fn finish_claim(ctx: &mut Ctx, key: &[u8], created: bool, mut dirty: u64, prop: Prop) {
    if created {
        ctx.notify(notify::STREAM, "xgroup-createconsumer", key);
        dirty += 1;
    }
    ctx.dirty(dirty);
    prop.apply(ctx);
}

/// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
/// Side effects: dirty per claimed or dropped entry; may create the consumer.
pub fn xclaim(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let (key, group, cname) = (&argv[1][..], &argv[2][..], &argv[3][..]);
    let db = ctx.client.db;
    let has_group =
        read(ctx.srv, ctx.frame, db, key)?.is_some_and(|s| s.groups.contains_key(group));
    if !has_group {
        return Err(nogroup(key, group));
    }
    let minidle = parse_i64(&argv[4])
        .ok_or(CmdError::Msg(
            "ERR Invalid min-idle-time argument for XCLAIM",
        ))?
        .max(0);
    let mut j = 5;
    let mut ids = Vec::new();
    while j < argv.len() {
        match parse_strict(&argv[j], 0) {
            Ok(id) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let now = ctx.now();
    let (mut force, mut justid) = (false, false);
    let mut time: Option<i64> = None;
    let mut retry: Option<i64> = None;
    let mut lastid = StreamId::MIN;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = &argv[j][..];
        let num = |a: &[u8], m: &'static str| parse_i64(a).ok_or(CmdError::Msg(m));
        if is(opt, "force") {
            force = true;
        } else if is(opt, "justid") {
            justid = true;
        } else if is(opt, "idle") && more > 0 {
            j += 1;
            let idle = num(&argv[j], "ERR Invalid IDLE option argument for XCLAIM")?;
            time = Some(now.wrapping_sub(idle));
        } else if is(opt, "time") && more > 0 {
            j += 1;
            time = Some(num(
                &argv[j],
                "ERR Invalid TIME option argument for XCLAIM",
            )?);
        } else if is(opt, "retrycount") && more > 0 {
            j += 1;
            retry = Some(num(
                &argv[j],
                "ERR Invalid RETRYCOUNT option argument for XCLAIM",
            )?);
        } else if is(opt, "lastid") && more > 0 {
            j += 1;
            lastid = parse_strict(&argv[j], 0)?;
        } else {
            return Err(CmdError::Owned(format!(
                "ERR Unrecognized XCLAIM option '{}'",
                String::from_utf8_lossy(opt)
            )));
        }
        j += 1;
    }
    let time = match time {
        Some(t) if (0..=now).contains(&t) => t,
        _ => now,
    };
    let retry = retry.filter(|r| *r >= 0).map(|r| r as u64);
    let Ok(Some(s)) = write(ctx.srv, ctx.frame, db, key) else {
        return Ok(());
    };
    let Some(mut g) = s.groups.remove(group) else {
        return Ok(());
    };
    let mut prop = Prop::default();
    let mut created = false;
    let mut dirty = 0;
    let mut last_moved = false;
    if lastid > g.last_id {
        g.last_id = lastid;
        last_moved = true;
    }
    let mut claimed = Vec::new();
    for id in ids {
        let exists = s.contains(id);
        if !exists {
            if g.ack(id) {
                prop.claim(key, group, id, None);
                dirty += 1;
            }
            continue;
        }
        let fresh = !g.pel.contains_key(&id);
        if fresh && !force {
            continue;
        }
        if !fresh && minidle > 0 {
            if let Some(n) = g.pel.get(&id) {
                if now - n.delivery_time < minidle {
                    continue;
                }
            }
        }
        if claim_one(&mut g, id, cname, time, now, retry, justid) {
            created = true;
            prop.createconsumer(key, group, cname);
        }
        prop.claim(key, group, id, g.pel.get(&id));
        dirty += 1;
        claimed.push(id);
    }
    if last_moved {
        prop.setid(key, group, &g);
        dirty += 1;
    }
    let out = &mut *ctx.out;
    reply_claimed(out, s, &claimed, justid);
    s.groups.insert(group.into(), g);
    finish_claim(ctx, key, created, dirty, prop);
    Ok(())
}

/// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
/// Side effects: dirty per claimed or dropped entry; may create the consumer.
pub fn xautoclaim(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let (key, group, cname) = (&argv[1][..], &argv[2][..], &argv[3][..]);
    let db = ctx.client.db;
    let minidle = parse_i64(&argv[4])
        .ok_or(CmdError::Msg(
            "ERR Invalid min-idle-time argument for XAUTOCLAIM",
        ))?
        .max(0);
    let start = parse_bound(&argv[5], true)?;
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if is(&argv[j], "count") && more > 0 {
            count = match parse_i64(&argv[j + 1]) {
                // Redis caps it at LONG_MAX / max(sizeof(streamID), 10).
                Some(n) if (1..=i64::MAX / 16).contains(&n) => n,
                _ => return Err(CmdError::Msg("ERR COUNT must be > 0")),
            };
            j += 1;
        } else if is(&argv[j], "justid") {
            justid = true;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let has_group =
        read(ctx.srv, ctx.frame, db, key)?.is_some_and(|s| s.groups.contains_key(group));
    if !has_group {
        return Err(nogroup(key, group));
    }
    // Redis allocates 16 bytes per COUNT up front; on x86-64 Linux that
    // fails from 2^46 bytes (the address space), with this error.
    if count >= 1 << 42 {
        return Err(CmdError::Msg(
            "ERR Insufficient memory, failed allocating transient memory, COUNT too high.",
        ));
    }
    let now = ctx.now();
    let Ok(Some(s)) = write(ctx.srv, ctx.frame, db, key) else {
        return Ok(());
    };
    let Some(mut g) = s.groups.remove(group) else {
        return Ok(());
    };
    let mut prop = Prop::default();
    let (mut created, mut dirty) = (false, 0u64);
    let mut attempts = count * 10;
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut cursor = StreamId::MIN;
    let mut pos = start;
    loop {
        let next = g.pel.range(pos..).next().map(|(id, _)| *id);
        if attempts == 0 || count == 0 {
            cursor = next.unwrap_or(StreamId::MIN);
            break;
        }
        attempts -= 1;
        let Some(id) = next else { break };
        pos = match id.incr() {
            Some(p) => p,
            None => StreamId::MAX,
        };
        if !s.contains(id) {
            g.ack(id);
            prop.claim(key, group, id, None);
            dirty += 1;
            deleted.push(id);
            count -= 1;
        } else if minidle == 0
            || g.pel
                .get(&id)
                .is_some_and(|n| now - n.delivery_time >= minidle)
        {
            if claim_one(&mut g, id, cname, now, now, None, justid) {
                created = true;
                prop.createconsumer(key, group, cname);
            }
            prop.claim(key, group, id, g.pel.get(&id));
            dirty += 1;
            claimed.push(id);
            count -= 1;
        }
        if id == StreamId::MAX {
            break;
        }
    }
    let out = &mut *ctx.out;
    out.array(3);
    out.bulk(&cursor.to_bytes());
    reply_claimed(out, s, &claimed, justid);
    out.array(deleted.len());
    for id in &deleted {
        out.bulk(&id.to_bytes());
    }
    s.groups.insert(group.into(), g);
    finish_claim(ctx, key, created, dirty, prop);
    Ok(())
}
