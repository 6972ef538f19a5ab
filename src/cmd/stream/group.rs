//! Consumer group commands: XGROUP, XREADGROUP, XACK, XPENDING (claims
//! are in [`super::claim`]), as Redis 7.0's `t_stream.c`.
//!
//! Delivery bookkeeping follows Redis: a `>` read advances the group's
//! last id (and read counter) and creates or re-owns a pending entry with
//! delivery count 1; a history read re-delivers the consumer's own pending
//! entries, bumping their count; claims move entries between consumers.
//! Consumer lookups on reads and claims refresh the consumer's seen time.
//!
//! Propagation is deterministic: reads and claims are written to the AOF
//! as `XCLAIM ... FORCE JUSTID` per entry (with the delivery time and
//! count), `XGROUP CREATECONSUMER` for consumers created, and `XGROUP
//! SETID ... ENTRIESREAD` when the group's last id moved.

use bytes::Bytes;

use super::super::args::is;
use super::super::{CmdError, CmdResult, Ctx};
use super::parse::{parse_bound, parse_id, parse_strict};
use super::{
    block_or_null, parse_read, peek, read, reply_entry, reply_stream_key, reply_streams_header,
    woken_key, write, ReadArgs,
};
use crate::db::stream::{Stream, StreamId};
use crate::db::stream_group::{Group, Nack, INVALID_ENTRIES_READ};
use crate::db::Value;
use crate::notify;
use crate::util::parse_i64;

/// What a group command must propagate, gathered while the stream is
/// borrowed.
#[derive(Default)]
pub(super) struct Prop {
    cmds: Vec<Vec<Vec<u8>>>,
}

impl Prop {
    pub(super) fn createconsumer(&mut self, key: &[u8], group: &[u8], consumer: &[u8]) {
        self.cmds.push(vec![
            b"XGROUP".to_vec(),
            b"CREATECONSUMER".to_vec(),
            key.to_vec(),
            group.to_vec(),
            consumer.to_vec(),
        ]);
    }

    /// The pending entry `id` as it now is (or, with `nack` None, gone:
    /// claimed with a count that makes replay drop it is not possible,
    /// so a deleted entry's removal is written as XACK).
    pub(super) fn claim(&mut self, key: &[u8], group: &[u8], id: StreamId, nack: Option<&Nack>) {
        let Some(n) = nack else {
            self.cmds.push(vec![
                b"XACK".to_vec(),
                key.to_vec(),
                group.to_vec(),
                id.to_bytes(),
            ]);
            return;
        };
        self.cmds.push(vec![
            b"XCLAIM".to_vec(),
            key.to_vec(),
            group.to_vec(),
            n.consumer.to_vec(),
            b"0".to_vec(),
            id.to_bytes(),
            b"TIME".to_vec(),
            n.delivery_time.to_string().into_bytes(),
            b"RETRYCOUNT".to_vec(),
            n.delivery_count.to_string().into_bytes(),
            b"FORCE".to_vec(),
            b"JUSTID".to_vec(),
        ]);
    }

    pub(super) fn setid(&mut self, key: &[u8], group: &[u8], g: &Group) {
        self.cmds.push(vec![
            b"XGROUP".to_vec(),
            b"SETID".to_vec(),
            key.to_vec(),
            group.to_vec(),
            g.last_id.to_bytes(),
            b"ENTRIESREAD".to_vec(),
            g.entries_read.to_string().into_bytes(),
        ]);
    }

    /// Hands the commands to the context; an empty list still replaces
    /// the command as received (nothing to replay).
    pub(super) fn apply(self, ctx: &mut Ctx) {
        for c in &self.cmds {
            let refs: Vec<&[u8]> = c.iter().map(|v| &v[..]).collect();
            ctx.propagate_as(&refs);
        }
        ctx.frame.raised().propagate.get_or_insert_with(Vec::new);
    }
}

/// `NOGROUP No such key 'k' or consumer group 'g'`
pub(super) fn nogroup(key: &[u8], group: &[u8]) -> CmdError {
    CmdError::Owned(format!(
        "NOGROUP No such key '{}' or consumer group '{}'",
        String::from_utf8_lossy(key),
        String::from_utf8_lossy(group)
    ))
}

/// `NOGROUP No such consumer group 'g' for key name 'k'`
pub(super) fn nogroup_for_key(key: &[u8], group: &[u8]) -> CmdError {
    CmdError::Owned(format!(
        "NOGROUP No such consumer group '{}' for key name '{}'",
        String::from_utf8_lossy(group),
        String::from_utf8_lossy(key)
    ))
}

/// Looks up (or creates) a consumer, refreshing its seen time; notes the
/// creation for events and propagation.
pub(super) fn touch_consumer(g: &mut Group, name: &[u8], now: i64) -> bool {
    let (c, created) = g.consumer(name, now);
    c.seen_time = now;
    created
}

// ---------------------------------------------------------------------------
// XGROUP
// ---------------------------------------------------------------------------

/// Redis's subcommand syntax error for XGROUP.
fn xgroup_syntax(ctx: &Ctx) -> CmdError {
    CmdError::Owned(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try XGROUP HELP.",
        String::from_utf8_lossy(&ctx.argv[1])
    ))
}

/// The options after `XGROUP CREATE|SETID key group id`: MKSTREAM (CREATE
/// only) and ENTRIESREAD.
fn xgroup_opts(ctx: &Ctx, create: bool) -> Result<(bool, i64), CmdError> {
    let argv = ctx.argv;
    let (mut mkstream, mut read) = (false, INVALID_ENTRIES_READ);
    let mut i = 5;
    while i < argv.len() {
        if create && is(&argv[i], "mkstream") {
            mkstream = true;
            i += 1;
        } else if is(&argv[i], "entriesread") && i + 1 < argv.len() {
            read = parse_i64(&argv[i + 1]).ok_or(CmdError::NotInteger)?;
            if read < 0 && read != INVALID_ENTRIES_READ {
                return Err(CmdError::Msg(
                    "ERR value for ENTRIESREAD must be positive or -1",
                ));
            }
            i += 2;
        } else {
            return Err(xgroup_syntax(ctx));
        }
    }
    Ok((mkstream, read))
}

/// The stream and group named by `XGROUP <sub> key group`, with Redis's
/// errors for a missing key (unless `mkstream`) or group (if `need_group`).
fn xgroup_target<'s>(
    ctx: &'s mut Ctx,
    mkstream: bool,
    need_group: bool,
) -> Result<Option<&'s mut Stream>, CmdError> {
    let key = &ctx.argv[2];
    let group = &ctx.argv[3];
    let db = ctx.client.db;
    let s = write(ctx.srv, ctx.frame, db, key)?;
    if mkstream {
        return Ok(s);
    }
    let Some(s) = s else {
        return Err(CmdError::Msg(
            "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
        ));
    };
    if need_group && !s.groups.contains_key(&group[..]) {
        return Err(nogroup_for_key(key, group));
    }
    Ok(Some(s))
}

/// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]
/// Side effects: dirty, may create the key.
pub fn xgroup_create(ctx: &mut Ctx) -> CmdResult {
    let (mkstream, read) = xgroup_opts(ctx, true)?;
    if ctx.argv.len() > 8 {
        return Err(xgroup_syntax(ctx));
    }
    let (key, group, idarg) = (
        ctx.argv[2].clone(),
        ctx.argv[3].clone(),
        ctx.argv[4].clone(),
    );
    let s = xgroup_target(ctx, mkstream, false)?;
    let id = if &idarg[..] == b"$" {
        s.as_ref().map_or(StreamId::MIN, |s| s.last_id)
    } else {
        parse_strict(&idarg, 0)?
    };
    let created = s.is_none();
    if created {
        let now = ctx.now();
        let db = ctx.client.db;
        ctx.srv.dbs[db].set(&key, Value::Stream(Box::default()), false, now);
        ctx.signal_modified(&key);
    }
    let Some(s) = write(ctx.srv, ctx.frame, ctx.client.db, &key)? else {
        return Ok(());
    };
    if s.groups.contains_key(&group[..]) {
        return Err(CmdError::Msg(
            "BUSYGROUP Consumer Group name already exists",
        ));
    }
    s.groups.insert(group[..].into(), Group::new(id, read));
    ctx.out.ok();
    ctx.dirty(1);
    ctx.notify(notify::STREAM, "xgroup-create", &key);
    Ok(())
}

/// XGROUP SETID key group id|$ [ENTRIESREAD entries-read]
/// Side effects: dirty.
pub fn xgroup_setid(ctx: &mut Ctx) -> CmdResult {
    let (_, read) = xgroup_opts(ctx, false)?;
    if ctx.argv.len() != 5 && ctx.argv.len() != 7 {
        return Err(xgroup_syntax(ctx));
    }
    let (key, group, idarg) = (
        ctx.argv[2].clone(),
        ctx.argv[3].clone(),
        ctx.argv[4].clone(),
    );
    let Some(s) = xgroup_target(ctx, false, true)? else {
        return Ok(());
    };
    let id = if &idarg[..] == b"$" {
        s.last_id
    } else {
        parse_id(&idarg, 0)?
    };
    if let Some(g) = s.groups.get_mut(&group[..]) {
        g.last_id = id;
        g.entries_read = read;
    }
    ctx.out.ok();
    ctx.dirty(1);
    ctx.notify(notify::STREAM, "xgroup-setid", &key);
    Ok(())
}

/// XGROUP DESTROY key group
/// Side effects: dirty; wakes clients blocked on the group (with NOGROUP).
pub fn xgroup_destroy(ctx: &mut Ctx) -> CmdResult {
    let (key, group) = (ctx.argv[2].clone(), ctx.argv[3].clone());
    let Some(s) = xgroup_target(ctx, false, false)? else {
        return Ok(());
    };
    if s.groups.remove(&group[..]).is_none() {
        ctx.out.int(0);
        return Ok(());
    }
    ctx.out.int(1);
    ctx.dirty(1);
    ctx.notify(notify::STREAM, "xgroup-destroy", &key);
    ctx.signal_ready(&key);
    Ok(())
}

/// XGROUP CREATECONSUMER key group consumer
/// Side effects: dirty when created.
pub fn xgroup_createconsumer(ctx: &mut Ctx) -> CmdResult {
    let (key, group, name) = (
        ctx.argv[2].clone(),
        ctx.argv[3].clone(),
        ctx.argv[4].clone(),
    );
    let now = ctx.now();
    let Some(s) = xgroup_target(ctx, false, true)? else {
        return Ok(());
    };
    let created = match s.groups.get_mut(&group[..]) {
        Some(g) => g.consumer(&name, now).1,
        None => false,
    };
    ctx.out.int(i64::from(created));
    if created {
        ctx.dirty(1);
        ctx.notify(notify::STREAM, "xgroup-createconsumer", &key);
    }
    Ok(())
}

/// XGROUP DELCONSUMER key group consumer
/// Side effects: dirty when deleted.
pub fn xgroup_delconsumer(ctx: &mut Ctx) -> CmdResult {
    let (key, group, name) = (
        ctx.argv[2].clone(),
        ctx.argv[3].clone(),
        ctx.argv[4].clone(),
    );
    let Some(s) = xgroup_target(ctx, false, true)? else {
        return Ok(());
    };
    let pending = s
        .groups
        .get_mut(&group[..])
        .and_then(|g| g.delete_consumer(&name));
    ctx.out.int(pending.unwrap_or(0) as i64);
    if pending.is_some() {
        ctx.dirty(1);
        ctx.notify(notify::STREAM, "xgroup-delconsumer", &key);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// XREADGROUP
// ---------------------------------------------------------------------------

/// Checks every key, group and id of a fresh XREADGROUP, with Redis's
/// errors; returns the streams to serve now: history reads always, `>`
/// reads when the stream has entries after the group's last id.
fn ready_now(ctx: &mut Ctx, r: &ReadArgs, gname: &[u8]) -> Result<Vec<usize>, CmdError> {
    let db = ctx.client.db;
    let mut serve = Vec::new();
    for (i, (key, arg)) in r.keys.iter().zip(r.ids).enumerate() {
        let s = read(ctx.srv, ctx.frame, db, key)?;
        let Some((s, g)) = s.and_then(|s| Some((s, s.groups.get(gname)?))) else {
            return Err(CmdError::Owned(format!(
                "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                String::from_utf8_lossy(key),
                String::from_utf8_lossy(gname)
            )));
        };
        if &arg[..] == b"$" {
            return Err(CmdError::Msg(
                "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
            ));
        } else if &arg[..] != b">" {
            parse_strict(arg, 0)?;
            serve.push(i);
        } else if s.edge(true).is_some_and(|top| top > g.last_id) {
            serve.push(i);
        }
    }
    Ok(serve)
}

/// A blocked `>` read woken by a signal on `key`: Redis 7.0 answers an
/// error if the stream or the group went away, serves that key alone if
/// an id was generated after the group's last id (with no entries if
/// they were deleted since), and otherwise keeps waiting.
fn woken_serve(
    ctx: &mut Ctx,
    r: &ReadArgs,
    gname: &[u8],
    key: &[u8],
) -> Result<Vec<usize>, CmdError> {
    let Some(i) = r.keys.iter().position(|k| k[..] == *key) else {
        return Ok(Vec::new());
    };
    let Ok(Some(s)) = peek(ctx.srv, ctx.frame, ctx.client.db, key, true) else {
        return Err(CmdError::Msg("UNBLOCKED the stream key no longer exists"));
    };
    let Some(g) = s.groups.get(gname) else {
        return Err(CmdError::Msg(
            "NOGROUP the consumer group this client was blocked on no longer exists",
        ));
    };
    Ok(if s.last_id > g.last_id {
        vec![i]
    } else {
        Vec::new()
    })
}

/// XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]
/// Side effects: dirty when it delivers; creates consumers.
pub fn xreadgroup(ctx: &mut Ctx) -> CmdResult {
    let r = parse_read(ctx, true)?;
    let Some((gname, cname)) = r.group else {
        return Err(CmdError::Syntax);
    };
    let db = ctx.client.db;
    let serve = match woken_key(ctx) {
        Some(k) => woken_serve(ctx, &r, gname, &k)?,
        None => {
            let serve = ready_now(ctx, &r, gname)?;
            // Redis's serving loop looks every key up again (stats).
            for key in r.keys {
                let _ = read(ctx.srv, ctx.frame, db, key);
            }
            serve
        }
    };
    let ids: Vec<Option<StreamId>> = r
        .ids
        .iter()
        .map(|a| (&a[..] != b">").then(|| parse_strict(a, 0).unwrap_or(StreamId::MIN)))
        .collect();
    if serve.is_empty() {
        let argv: Vec<Bytes> = ctx.argv.to_vec();
        block_or_null(ctx, r.keys, r.block, argv);
        return Ok(());
    }
    let now = ctx.now();
    let mut prop = Prop::default();
    let mut events: Vec<&Bytes> = Vec::new();
    reply_streams_header(ctx.out, serve.len());
    for i in serve {
        let key = &r.keys[i];
        let Ok(Some(s)) = write(ctx.srv, ctx.frame, db, key) else {
            continue;
        };
        let meta = s.meta();
        let Some(mut g) = s.groups.remove(gname) else {
            continue;
        };
        if touch_consumer(&mut g, cname, now) {
            prop.createconsumer(key, gname, cname);
            events.push(key);
        }
        reply_stream_key(ctx.out, key);
        match ids[i] {
            Some(after) => {
                // The id is exclusive here too: entries after it.
                let start = after.incr().unwrap_or(StreamId::MAX);
                let pending: Vec<StreamId> = g
                    .consumers
                    .get(cname)
                    .map(|c| {
                        let it = c.pel.range(start..);
                        if r.count > 0 {
                            it.take(r.count).copied().collect()
                        } else {
                            it.copied().collect()
                        }
                    })
                    .unwrap_or_default();
                ctx.out.array(pending.len());
                for id in pending {
                    let mut found = false;
                    s.range(id, id, false, 1, |e| {
                        reply_entry(ctx.out, &e);
                        found = true;
                        false
                    });
                    if !found {
                        // Deleted meanwhile: reported, but not re-delivered.
                        ctx.out.array(2);
                        ctx.out.bulk(&id.to_bytes());
                        ctx.out.null_array();
                    } else if let Some(n) = g.pel.get_mut(&id) {
                        n.delivery_time = now;
                        n.delivery_count += 1;
                        prop.claim(key, gname, id, Some(n));
                    }
                }
            }
            None => {
                let start = g.last_id.incr().unwrap_or(StreamId::MAX);
                let mut got = Vec::new();
                s.range(start, StreamId::MAX, false, r.count, |e| {
                    got.push(e);
                    true
                });
                ctx.out.array(got.len());
                for e in &got {
                    reply_entry(ctx.out, e);
                    meta.advance_group(&mut g, e.id);
                    if !r.noack {
                        g.assign(e.id, cname, now, 1);
                        prop.claim(key, gname, e.id, g.pel.get(&e.id));
                    }
                }
                if !got.is_empty() {
                    prop.setid(key, gname, &g);
                }
            }
        }
        s.groups.insert(gname.into(), g);
        ctx.dirty(1);
    }
    for key in events {
        ctx.notify(notify::STREAM, "xgroup-createconsumer", key);
    }
    prop.apply(ctx);
    Ok(())
}

// ---------------------------------------------------------------------------
// XACK, XPENDING
// ---------------------------------------------------------------------------

/// XACK key group id [id ...]
/// Side effects: dirty (one per acknowledged entry).
pub fn xack(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, group) = (a.next_bytes()?, a.next_bytes()?);
    let db = ctx.client.db;
    let has_group =
        read(ctx.srv, ctx.frame, db, key)?.is_some_and(|s| s.groups.contains_key(group));
    if !has_group {
        ctx.out.int(0);
        return Ok(());
    }
    let ids = a
        .rest()
        .iter()
        .map(|x| parse_strict(x, 0))
        .collect::<Result<Vec<_>, _>>()?;
    let mut n = 0;
    if let Ok(Some(s)) = write(ctx.srv, ctx.frame, db, key) {
        if let Some(g) = s.groups.get_mut(group) {
            n = ids.iter().filter(|id| g.ack(**id)).count();
        }
    }
    ctx.out.int(n as i64);
    ctx.dirty(n as u64);
    Ok(())
}

/// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
pub fn xpending(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let (key, group) = (&argv[1][..], &argv[2][..]);
    let argc = argv.len();
    if argc != 3 && !(6..=9).contains(&argc) {
        return Err(CmdError::Syntax);
    }
    let mut minidle = 0i64;
    let mut range = None;
    let mut consumer: Option<&[u8]> = None;
    if argc >= 6 {
        let mut at = 3;
        if is(&argv[3], "idle") {
            minidle = parse_i64(&argv[4]).ok_or(CmdError::NotInteger)?;
            if argc < 8 {
                return Err(CmdError::Syntax);
            }
            at += 2;
        }
        let count = parse_i64(&argv[at + 2]).ok_or(CmdError::NotInteger)?.max(0);
        let start = parse_bound(&argv[at], true)?;
        let end = parse_bound(&argv[at + 1], false)?;
        if at + 3 < argc {
            consumer = Some(&argv[at + 3][..]);
        }
        range = Some((start, end, count));
    }
    let now = ctx.now();
    let s = read(ctx.srv, ctx.frame, ctx.client.db, key)?;
    let Some(g) = s.and_then(|s| s.groups.get(group)) else {
        return Err(nogroup(key, group));
    };
    let out = &mut *ctx.out;
    let Some((start, end, count)) = range else {
        out.array(4);
        out.int(g.pel.len() as i64);
        let (Some(first), Some(last)) = (g.pel.keys().next(), g.pel.keys().next_back()) else {
            out.null();
            out.null();
            out.null_array();
            return Ok(());
        };
        out.bulk(&first.to_bytes());
        out.bulk(&last.to_bytes());
        let owners: Vec<_> = g
            .consumers
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .collect();
        out.array(owners.len());
        for (name, c) in owners {
            out.array(2);
            out.bulk(name);
            out.bulk(c.pel.len().to_string().as_bytes());
        }
        return Ok(());
    };
    let ids: Vec<StreamId> = match consumer {
        Some(name) => match g.consumers.get(name) {
            Some(c) => c.pel.range(start..).copied().collect(),
            None => {
                out.array(0);
                return Ok(());
            }
        },
        None => g.pel.range(start..).map(|(id, _)| *id).collect(),
    };
    let mut rows = Vec::new();
    for id in ids {
        if rows.len() as i64 >= count || id > end {
            break;
        }
        let Some(n) = g.pel.get(&id) else { continue };
        if minidle != 0 && now - n.delivery_time < minidle {
            continue;
        }
        rows.push((id, n));
    }
    out.array(rows.len());
    for (id, n) in rows {
        out.array(4);
        out.bulk(&id.to_bytes());
        out.bulk(&n.consumer);
        out.int((now - n.delivery_time).max(0));
        out.int(n.delivery_count as i64);
    }
    Ok(())
}

/// XGROUP HELP
pub fn xgroup_help(ctx: &mut Ctx) -> CmdResult {
    super::super::server::reply_help(
        ctx,
        &[
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
        ],
    );
    Ok(())
}
