//! Popping the lowest or highest elements: ZPOPMIN, ZPOPMAX, ZMPOP and
//! their blocking forms BZPOPMIN, BZPOPMAX, BZMPOP.
//!
//! A blocking pop that finds nothing parks the client (see
//! [`crate::cmd::blocking`]); the loop re-runs it when a key it waits on
//! may have members, and a served blocking pop is written to the AOF as
//! the ZPOPMIN or ZPOPMAX it amounted to.

use bytes::Bytes;

use super::super::args::is;
use super::super::blocking::parse_timeout;
use super::super::{CmdError, CmdResult, Ctx};
use super::write;
use crate::blocking::TimeoutReply;
use crate::notify;

/// How a pop replies (Redis's `genericZpopCommand` flags).
#[derive(Clone, Copy)]
struct Shape {
    /// Lead with the key (BZPOP*, ZMPOP).
    emit_key: bool,
    /// Each element as a [member, score] pair.
    nested: bool,
    /// A null array rather than an empty one when there is nothing.
    nil_when_empty: bool,
}

/// Pops up to `count` elements (-1: one, in the single-pop reply form)
/// from the first of `keys` that exists (Redis's `genericZpopCommand`);
/// returns the key popped from. Side effects: dirty; deletes an emptied
/// key; `zpopmin` or `zpopmax` (then `del` if emptied) and WATCH.
fn pop_generic<'k>(
    ctx: &mut Ctx,
    keys: &'k [Bytes],
    max: bool,
    count: i64,
    shape: Shape,
) -> Result<Option<&'k [u8]>, CmdError> {
    let db = ctx.client.db;
    let mut found = None;
    for k in keys {
        if write(ctx.srv, ctx.frame, db, k)?.is_some() {
            found = Some(&k[..]);
            break;
        }
    }
    let Some(key) = found else {
        if shape.nil_when_empty {
            ctx.out.null_array();
        } else {
            ctx.out.array(0);
        }
        return Ok(None);
    };
    if count == 0 {
        ctx.out.array(0);
        return Ok(None);
    }
    let Some(z) = write(ctx.srv, ctx.frame, db, key)? else {
        return Ok(None);
    };
    let n = (count.max(1) as u64).min(z.len() as u64) as usize;
    let out = &mut *ctx.out;
    match (shape.nested, shape.emit_key) {
        (false, false) => out.array(n * 2),
        (true, false) => out.array(n),
        (false, true) => {
            out.array(n * 2 + 1);
            out.bulk(key);
        }
        (true, true) => {
            out.array(2);
            out.bulk(key);
            out.array(n);
        }
    }
    for _ in 0..n {
        let Some((m, s)) = z.pop(max) else { break };
        if shape.nested {
            out.array(2);
        }
        out.bulk(&m);
        out.double(s);
    }
    let emptied = z.is_empty();
    if emptied {
        ctx.srv.dbs[db].remove(key);
    } else {
        z.shrink_to_fit();
    }
    ctx.notify(notify::ZSET, if max { "zpopmax" } else { "zpopmin" }, key);
    if emptied {
        ctx.notify(notify::GENERIC, "del", key);
    }
    ctx.signal_modified(key);
    ctx.dirty(n as u64);
    Ok(Some(key))
}

/// Writes a pop to the AOF as `ZPOPMIN|ZPOPMAX key [count]`.
fn propagate_pop(ctx: &mut Ctx, key: &[u8], max: bool, count: Option<i64>) {
    let name: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
    match count {
        Some(c) => ctx.propagate_as(&[name, key, c.to_string().as_bytes()]),
        None => ctx.propagate_as(&[name, key]),
    }
}

/// ZPOPMIN key [count]
pub fn zpopmin(ctx: &mut Ctx) -> CmdResult {
    zpop_generic(ctx, false)
}

/// ZPOPMAX key [count]
pub fn zpopmax(ctx: &mut Ctx) -> CmdResult {
    zpop_generic(ctx, true)
}

fn zpop_generic(ctx: &mut Ctx, max: bool) -> CmdResult {
    let args = ctx.args().rest();
    if args.len() > 2 {
        return Err(CmdError::Syntax);
    }
    let count = match args.get(1) {
        Some(c) => match crate::util::parse_i64(c) {
            Some(n) if n >= 0 => n,
            _ => return Err(CmdError::Msg("ERR value is out of range, must be positive")),
        },
        None => -1,
    };
    // RESP3 nests pairs only when a count was given.
    let shape = Shape {
        emit_key: false,
        nested: ctx.out.is_resp3() && count != -1,
        nil_when_empty: false,
    };
    pop_generic(ctx, &args[..1], max, count, shape)?;
    Ok(())
}

/// BZPOPMIN key [key ...] timeout
pub fn bzpopmin(ctx: &mut Ctx) -> CmdResult {
    bzpop_generic(ctx, false)
}

/// BZPOPMAX key [key ...] timeout
pub fn bzpopmax(ctx: &mut Ctx) -> CmdResult {
    bzpop_generic(ctx, true)
}

fn bzpop_generic(ctx: &mut Ctx, max: bool) -> CmdResult {
    let args = ctx.args().rest();
    let (timeout, keys) = args.split_last().ok_or(CmdError::WrongArgs)?;
    let shape = Shape {
        emit_key: true,
        nested: false,
        nil_when_empty: false,
    };
    blocking_pop(ctx, keys, timeout, max, -1, shape)
}

/// The blocking pops (Redis's `blockingGenericZpopCommand`): serve from
/// the first non-empty key, else block (or, where blocking is not
/// allowed, reply as on timeout).
fn blocking_pop(
    ctx: &mut Ctx,
    keys: &[Bytes],
    timeout: &[u8],
    max: bool,
    count: i64,
    shape: Shape,
) -> CmdResult {
    let deadline = parse_timeout(timeout, ctx.now())?;
    let db = ctx.client.db;
    // Re-run for a key that was signalled: a key of another type (a
    // list pushed to, say) leaves the client waiting, as in Redis, rather
    // than failing it.
    let rerun = ctx.srv.blocking.is_blocked(ctx.client.id);
    for (i, k) in keys.iter().enumerate() {
        let found = match write(ctx.srv, ctx.frame, db, k) {
            Err(CmdError::WrongType) if rerun => continue,
            r => r?.is_some(),
        };
        if found {
            if let Some(key) = pop_generic(ctx, &keys[i..=i], max, count, shape)? {
                propagate_pop(ctx, key, max, (count != -1).then_some(count));
            }
            return Ok(());
        }
    }
    if !ctx.can_block() {
        ctx.out.null_array();
        return Ok(());
    }
    let keys: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    ctx.block(&keys, deadline, TimeoutReply::NullArray);
    Ok(())
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
pub fn zmpop(ctx: &mut Ctx) -> CmdResult {
    zmpop_generic(ctx, false)
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
pub fn bzmpop(ctx: &mut Ctx) -> CmdResult {
    zmpop_generic(ctx, true)
}

/// ZMPOP and BZMPOP (Redis's `zmpopGenericCommand`).
fn zmpop_generic(ctx: &mut Ctx, blocking: bool) -> CmdResult {
    let mut a = ctx.args();
    let timeout = if blocking {
        Some(a.next_bytes()?)
    } else {
        None
    };
    let numkeys = match crate::util::parse_i64(a.next_bytes()?) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(CmdError::Msg("ERR numkeys should be greater than 0")),
    };
    let rest = a.rest();
    if numkeys >= rest.len() as u64 {
        return Err(CmdError::Syntax);
    }
    let (keys, rest) = rest.split_at(numkeys as usize);
    let max = if is(&rest[0], "min") {
        false
    } else if is(&rest[0], "max") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let mut count = -1;
    let mut opts = rest[1..].iter();
    while let Some(opt) = opts.next() {
        match opts.as_slice().first() {
            Some(c) if count == -1 && is(opt, "count") => {
                count = match crate::util::parse_i64(c) {
                    Some(n) if n >= 1 => n,
                    _ => return Err(CmdError::Msg("ERR count should be greater than 0")),
                };
                opts.next();
            }
            _ => return Err(CmdError::Syntax),
        }
    }
    let count = count.max(1);
    let shape = Shape {
        emit_key: true,
        nested: true,
        nil_when_empty: true,
    };
    match timeout {
        Some(t) => blocking_pop(ctx, keys, t, max, count, shape),
        None => {
            if let Some(key) = pop_generic(ctx, keys, max, count, shape)? {
                propagate_pop(ctx, key, max, Some(count));
            }
            Ok(())
        }
    }
}
