//! XINFO STREAM [FULL [COUNT n]], XINFO GROUPS and XINFO CONSUMERS, with
//! Redis 7.0's fields (entries-read, lag, max-deleted-entry-id, ...).
//!
//! `radix-tree-keys` is the number of blocks, which follows Redis's node
//! boundaries; `radix-tree-nodes` is the node count of the compressed
//! trie Redis's radix tree forms over the same block keys.

use super::super::args::is;
use super::super::{CmdError, CmdResult, Ctx};
use super::{read, reply_entry};
use crate::db::stream::{Stream, StreamId};
use crate::db::stream_group::{Group, INVALID_ENTRIES_READ};
use crate::resp::Out;
use crate::util::parse_i64;

/// The stream at `key`, or `ERR no such key`.
fn stream<'s>(
    srv: &'s mut crate::state::State,
    f: &mut crate::frame::Frame,
    db: usize,
    key: &[u8],
) -> Result<&'s Stream, CmdError> {
    read(srv, f, db, key)?.ok_or(CmdError::NoSuchKey)
}

fn bulk_id(out: &mut Out, id: StreamId) {
    out.bulk(&id.to_bytes());
}

/// A group's read counter: the number, or null when unknown.
fn entries_read(out: &mut Out, g: &Group) {
    if g.entries_read == INVALID_ENTRIES_READ {
        out.null();
    } else {
        out.int(g.entries_read);
    }
}

/// The lag, or null when unknown.
fn lag(out: &mut Out, s: &Stream, g: &Group) {
    match s.meta().lag(g) {
        Some(n) => out.int(n),
        None => out.null(),
    }
}

/// The fields every XINFO STREAM form starts with.
fn stream_head(out: &mut Out, s: &Stream) {
    out.bulk(b"length");
    out.int(s.len() as i64);
    out.bulk(b"radix-tree-keys");
    out.int(s.blocks() as i64);
    out.bulk(b"radix-tree-nodes");
    out.int(s.rax_nodes() as i64);
    out.bulk(b"last-generated-id");
    bulk_id(out, s.last_id);
    out.bulk(b"max-deleted-entry-id");
    bulk_id(out, s.max_deleted);
    out.bulk(b"entries-added");
    out.int(s.entries_added as i64);
    out.bulk(b"recorded-first-entry-id");
    bulk_id(out, s.first_id);
}

/// XINFO STREAM key [FULL [COUNT count]]
pub fn xinfo_stream(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let syntax = || {
        CmdError::Owned(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try XINFO HELP.",
            String::from_utf8_lossy(&argv[1])
        ))
    };
    // The key first, as Redis: no such key and WRONGTYPE win over bad
    // options.
    let s = stream(ctx.srv, ctx.frame, ctx.client.db, &argv[2])?;
    let mut full = false;
    let mut count: usize = 10;
    match argv.len() {
        3 => {}
        4 if is(&argv[3], "full") => full = true,
        6 if is(&argv[3], "full") && is(&argv[4], "count") => {
            full = true;
            let n = parse_i64(&argv[5]).ok_or(CmdError::NotInteger)?;
            count = if n <= 0 { 0 } else { n as usize };
        }
        _ => return Err(syntax()),
    }
    let out = &mut *ctx.out;
    if !full {
        out.map(10);
        stream_head(out, s);
        out.bulk(b"groups");
        out.int(s.groups.len() as i64);
        for (name, last) in [(&b"first-entry"[..], false), (b"last-entry", true)] {
            out.bulk(name);
            let mut found = false;
            s.range(StreamId::MIN, StreamId::MAX, last, 1, |e| {
                reply_entry(out, &e);
                found = true;
                false
            });
            if !found {
                out.null();
            }
        }
        return Ok(());
    }
    out.map(9);
    stream_head(out, s);
    out.bulk(b"entries");
    let mut n = 0;
    s.range(StreamId::MIN, StreamId::MAX, false, count, |_| {
        n += 1;
        true
    });
    out.array(n);
    s.range(StreamId::MIN, StreamId::MAX, false, count, |e| {
        reply_entry(out, &e);
        true
    });
    out.bulk(b"groups");
    out.array(s.groups.len());
    let limit = |len: usize| if count == 0 { len } else { len.min(count) };
    for (name, g) in &s.groups {
        out.map(7);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"last-delivered-id");
        bulk_id(out, g.last_id);
        out.bulk(b"entries-read");
        entries_read(out, g);
        out.bulk(b"lag");
        lag(out, s, g);
        out.bulk(b"pel-count");
        out.int(g.pel.len() as i64);
        out.bulk(b"pending");
        out.array(limit(g.pel.len()));
        for (id, nack) in g.pel.iter().take(limit(g.pel.len())) {
            out.array(4);
            bulk_id(out, *id);
            out.bulk(&nack.consumer);
            out.int(nack.delivery_time);
            out.int(nack.delivery_count as i64);
        }
        out.bulk(b"consumers");
        out.array(g.consumers.len());
        for (cname, c) in &g.consumers {
            out.map(4);
            out.bulk(b"name");
            out.bulk(cname);
            out.bulk(b"seen-time");
            out.int(c.seen_time);
            out.bulk(b"pel-count");
            out.int(c.pel.len() as i64);
            out.bulk(b"pending");
            out.array(limit(c.pel.len()));
            for id in c.pel.iter().take(limit(c.pel.len())) {
                let Some(nack) = g.pel.get(id) else { continue };
                out.array(3);
                bulk_id(out, *id);
                out.int(nack.delivery_time);
                out.int(nack.delivery_count as i64);
            }
        }
    }
    Ok(())
}

/// XINFO GROUPS key
pub fn xinfo_groups(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.argv[2].clone();
    let s = stream(ctx.srv, ctx.frame, ctx.client.db, &key)?;
    let out = &mut *ctx.out;
    out.array(s.groups.len());
    for (name, g) in &s.groups {
        out.map(6);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"consumers");
        out.int(g.consumers.len() as i64);
        out.bulk(b"pending");
        out.int(g.pel.len() as i64);
        out.bulk(b"last-delivered-id");
        bulk_id(out, g.last_id);
        out.bulk(b"entries-read");
        entries_read(out, g);
        out.bulk(b"lag");
        lag(out, s, g);
    }
    Ok(())
}

/// XINFO CONSUMERS key group
pub fn xinfo_consumers(ctx: &mut Ctx) -> CmdResult {
    let (key, group) = (ctx.argv[2].clone(), ctx.argv[3].clone());
    let now = ctx.now();
    let s = stream(ctx.srv, ctx.frame, ctx.client.db, &key)?;
    let Some(g) = s.groups.get(&group[..]) else {
        return Err(super::group::nogroup_for_key(&key, &group));
    };
    let out = &mut *ctx.out;
    out.array(g.consumers.len());
    for (name, c) in &g.consumers {
        out.map(3);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"pending");
        out.int(c.pel.len() as i64);
        out.bulk(b"idle");
        out.int((now - c.seen_time).max(0));
    }
    Ok(())
}

/// XINFO HELP
pub fn xinfo_help(ctx: &mut Ctx) -> CmdResult {
    super::super::server::reply_help(
        ctx,
        &[
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
        ],
    );
    Ok(())
}
