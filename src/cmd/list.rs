//! List commands (Redis's `t_list.c`): pushes and pops at both ends,
//! positional access, LREM/LTRIM/LINSERT/LPOS, moves between lists,
//! LMPOP, and the blocking forms, which park the client with
//! [`Ctx::block`] when every list they name is empty.
//!
//! Every command that adds elements signals its key as ready
//! ([`Ctx::signal_ready`]) so blocked clients are served; a list emptied
//! by a command is deleted, as no empty list is ever stored.
//!
//! Every change publishes the keyspace events Redis 7.0 does, in its
//! order (the command's own event, then `del` for an emptied list), and
//! invalidates WATCH on the keys it touched; a command that changes
//! nothing publishes nothing. A blocked pop re-runs its handler when
//! served, so it publishes what the same pop would, as Redis does.

use bytes::Bytes;

use super::args::is;
use super::blocking::parse_timeout;
use super::{Args, CmdError, CmdResult, Ctx};
use crate::blocking::TimeoutReply;
use crate::config::Config;
use crate::db::list::{End, List, Shape};
use crate::db::Value;
use crate::frame::Frame;
use crate::notify;
use crate::state::State;
use crate::util::parse_i64;

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// The node layout the configuration asks of lists
/// (`list-max-listpack-size`, `list-compress-depth`).
pub(super) fn shape(c: &Config) -> Shape {
    Shape {
        fill: c.list_max_listpack_size,
        depth: c.list_compress_depth,
    }
}

/// The list at `key` for writing: `Ok(None)` if absent, WRONGTYPE if it
/// holds another type. Side effects: lazy expiry.
fn write_list<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut List>, CmdError> {
    match srv.lookup_write(f, db, key) {
        None => Ok(None),
        Some(e) => match &mut e.val {
            Value::List(l) => Ok(Some(l)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The list at `key` for reading, as [`write_list`]. Side effects: lazy
/// expiry, keyspace hit/miss statistics.
fn read_list<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s List>, CmdError> {
    match srv.lookup_read(f, db, key) {
        None => Ok(None),
        Some(e) => match &e.val {
            Value::List(l) => Ok(Some(l)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// Deletes `key` if the list there was emptied (no empty list is
/// stored), publishing `del` as Redis does after the command's own event.
fn drop_if_empty(ctx: &mut Ctx, key: &[u8], empty: bool) {
    if empty {
        let db = ctx.client.db;
        ctx.srv.dbs[db].remove(key);
        ctx.notify(notify::GENERIC, "del", key);
    }
}

/// Finishes a pop of `count` elements from `end` of the list at `key`
/// (Redis's `listElementsRemoved`): the pop event, then `del` if that
/// emptied the list. Side effects: dirty, may delete the key, signals it.
fn elements_removed(ctx: &mut Ctx, key: &[u8], end: End, empty: bool, count: usize) {
    ctx.notify(notify::LIST, pop_event(end), key);
    drop_if_empty(ctx, key, empty);
    ctx.signal_modified(key);
    ctx.dirty(count as u64);
}

/// The keyspace event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Left => "lpush",
        End::Right => "rpush",
    }
}

/// The keyspace event of a pop from `end`.
fn pop_event(end: End) -> &'static str {
    match end {
        End::Left => "lpop",
        End::Right => "rpop",
    }
}

/// `LEFT` or `RIGHT` (Redis's `getListPositionFromObjectOrReply`).
fn parse_end(arg: &[u8]) -> Result<End, CmdError> {
    if is(arg, "right") {
        Ok(End::Right)
    } else if is(arg, "left") {
        Ok(End::Left)
    } else {
        Err(CmdError::Syntax)
    }
}

/// An integer of at least `min`; `msg` for anything else, including
/// non-numbers (Redis's `getRangeLongFromObjectOrReply` with a message).
fn int_at_least(arg: &[u8], min: i64, msg: &'static str) -> Result<i64, CmdError> {
    match parse_i64(arg) {
        Some(n) if n >= min => Ok(n),
        _ => Err(CmdError::Msg(msg)),
    }
}

/// The command that pops one element (or a count) from `end`, as blocking
/// and multi-key pops are propagated.
fn pop_name(end: End) -> &'static [u8] {
    match end {
        End::Left => b"LPOP",
        End::Right => b"RPOP",
    }
}

/// Resolves a possibly negative index against `len`.
fn index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if i < 0 { i + len } else { i };
    (0..len).contains(&i).then_some(i as usize)
}

/// Resolves LRANGE/LTRIM's `start stop` (inclusive, negatives from the
/// end) against `len`, as Redis clamps them: `(first, count)`, or `None`
/// for an empty range.
fn clamp_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { len + start } else { start }.max(0);
    let stop = if stop < 0 { len + stop } else { stop };
    if start > stop || start >= len {
        return None;
    }
    let stop = stop.min(len - 1);
    Some((start as usize, (stop - start + 1) as usize))
}

/// Whether this run of a command is a blocked client's retry: a key that
/// has meanwhile taken another type then does not serve it (Redis 7.0
/// only serves list waiters from lists), rather than failing with
/// WRONGTYPE as a fresh call would.
fn is_retry(ctx: &Ctx) -> bool {
    ctx.srv.blocking.is_blocked(ctx.client.id)
}

/// The live list at `key` for a blocking pop: on a retry, a key of
/// another type counts as empty.
fn pop_source<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
    retry: bool,
) -> Result<Option<&'s mut List>, CmdError> {
    match write_list(srv, f, db, key) {
        Err(_) if retry => Ok(None),
        r => r,
    }
}

/// Parks the client on `keys` until `deadline`, or, where it may not block
/// (inside MULTI), replies null at once: a null array, or a null bulk for
/// BLMOVE and BRPOPLPUSH (`bulk`). A timeout always answers with a null
/// array, as Redis 7.0 does for every list command.
fn block_on(ctx: &mut Ctx, keys: &[Bytes], deadline: i64, bulk: bool) {
    if !ctx.can_block() {
        if bulk {
            ctx.out.null();
        } else {
            ctx.out.null_array();
        }
        return;
    }
    let keys: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    ctx.block(&keys, deadline, TimeoutReply::NullArray);
}

// ---------------------------------------------------------------------------
// Push and pop
// ---------------------------------------------------------------------------

/// LPUSH key element [element ...]
pub fn lpush(ctx: &mut Ctx) -> CmdResult {
    push_generic(ctx, End::Left, false)
}

/// RPUSH key element [element ...]
pub fn rpush(ctx: &mut Ctx) -> CmdResult {
    push_generic(ctx, End::Right, false)
}

/// LPUSHX key element [element ...]
pub fn lpushx(ctx: &mut Ctx) -> CmdResult {
    push_generic(ctx, End::Left, true)
}

/// RPUSHX key element [element ...]
pub fn rpushx(ctx: &mut Ctx) -> CmdResult {
    push_generic(ctx, End::Right, true)
}

/// The core of the four pushes (Redis's `pushGenericCommand`); with
/// `only_existing` a missing key is left alone. Side effects: dirty,
/// signals the key (ready for waiters, modified for WATCH).
fn push_generic(ctx: &mut Ctx, end: End, only_existing: bool) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let items = a.rest();
    let db = ctx.client.db;
    let shape = shape(&ctx.srv.config);
    let len = match write_list(ctx.srv, ctx.frame, db, key)? {
        Some(l) => {
            for v in items {
                l.push(end, v, shape);
            }
            l.len()
        }
        None if only_existing => {
            ctx.out.int(0);
            return Ok(());
        }
        None => {
            let mut l = List::new();
            for v in items {
                l.push(end, v, shape);
            }
            let len = l.len();
            let now = ctx.now();
            ctx.srv.dbs[db].set(key, Value::List(l), false, now);
            len
        }
    };
    ctx.signal_ready(key);
    ctx.modified(key, notify::LIST, push_event(end), items.len() as u64);
    ctx.out.int(len as i64);
    Ok(())
}

/// LPOP key [count]
pub fn lpop(ctx: &mut Ctx) -> CmdResult {
    pop_generic(ctx, End::Left)
}

/// RPOP key [count]
pub fn rpop(ctx: &mut Ctx) -> CmdResult {
    pop_generic(ctx, End::Right)
}

/// The core of LPOP and RPOP (Redis's `popGenericCommand`): one element
/// as a bulk string, or with a count an array (null array for a missing
/// key). Side effects: dirty, may delete the key.
fn pop_generic(ctx: &mut Ctx, end: End) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let count = match a.rest() {
        [] => None,
        [c] => Some(int_at_least(
            c,
            0,
            "ERR value is out of range, must be positive",
        )?),
        _ => return Err(CmdError::WrongArgs),
    };
    let db = ctx.client.db;
    let shape = shape(&ctx.srv.config);
    let out = &mut *ctx.out;
    let Some(l) = write_list(ctx.srv, ctx.frame, db, key)? else {
        match count {
            Some(_) => out.null_array(),
            None => out.null(),
        }
        return Ok(());
    };
    let popped = match count {
        None => l.pop_n(end, 1, shape, |e| out.bulk(e)),
        Some(0) => {
            out.array(0);
            return Ok(());
        }
        Some(n) => {
            let n = l.len().min(n as usize);
            out.array(n);
            l.pop_n(end, n, shape, |e| out.bulk(e))
        }
    };
    let empty = l.is_empty();
    elements_removed(ctx, key, end, empty, popped);
    Ok(())
}

// ---------------------------------------------------------------------------
// Reading and positional access
// ---------------------------------------------------------------------------

/// LLEN key
pub fn llen(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let n = read_list(ctx.srv, ctx.frame, ctx.client.db, key)?.map_or(0, |l| l.len());
    ctx.out.int(n as i64);
    Ok(())
}

/// LINDEX key index
pub fn lindex(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, i) = (a.next_bytes()?, a.next_bytes()?);
    let Some(l) = read_list(ctx.srv, ctx.frame, ctx.client.db, key)? else {
        ctx.out.null();
        return Ok(());
    };
    let i = parse_i64(i).ok_or(CmdError::NotInteger)?;
    match index(i, l.len()).and_then(|i| l.get(i)) {
        Some(v) => ctx.out.bulk(&v),
        None => ctx.out.null(),
    }
    Ok(())
}

/// LRANGE key start stop
pub fn lrange(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let (start, stop) = (a.next_i64()?, a.next_i64()?);
    let out = &mut *ctx.out;
    let Some(l) = read_list(ctx.srv, ctx.frame, ctx.client.db, key)? else {
        out.array(0);
        return Ok(());
    };
    let Some((first, n)) = clamp_range(start, stop, l.len()) else {
        out.array(0);
        return Ok(());
    };
    out.array(n);
    for v in l.range(first, n) {
        out.bulk(&v);
    }
    Ok(())
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
pub fn lpos(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, ele) = (a.next_bytes()?, a.next_bytes()?);
    let (mut rank, mut count, mut maxlen) = (1i64, None, 0i64);
    while let Ok(opt) = a.next_bytes() {
        let more = !a.is_empty();
        if is(opt, "rank") && more {
            rank = a.next_i64()?;
            if rank == 0 {
                return Err(CmdError::Msg(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                ));
            }
        } else if is(opt, "count") && more {
            count = Some(int_at_least(
                a.next_bytes()?,
                0,
                "ERR COUNT can't be negative",
            )?);
        } else if is(opt, "maxlen") && more {
            maxlen = int_at_least(a.next_bytes()?, 0, "ERR MAXLEN can't be negative")?;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let Some(l) = read_list(ctx.srv, ctx.frame, ctx.client.db, key)? else {
        match count {
            Some(_) => ctx.out.array(0),
            None => ctx.out.null(),
        }
        return Ok(());
    };
    let scan = PosScan {
        ele,
        rank,
        count,
        maxlen,
        len: l.len(),
    };
    // A negative rank searches from the tail.
    let hits = if rank < 0 {
        scan.run(l.iter_rev(), true)
    } else {
        scan.run(l.iter(), false)
    };
    match count {
        Some(_) => {
            ctx.out.array(hits.len());
            for h in hits {
                ctx.out.int(h as i64);
            }
        }
        None => match hits.first() {
            Some(&h) => ctx.out.int(h as i64),
            None => ctx.out.null(),
        },
    }
    Ok(())
}

/// LPOS's search, with Redis's arithmetic: the rank is negated with
/// wrapping, so a rank of `i64::MIN` matches from the first hit on and
/// never completes a COUNT, exactly as in Redis.
struct PosScan<'a> {
    ele: &'a [u8],
    rank: i64,
    count: Option<i64>,
    maxlen: i64,
    len: usize,
}

impl PosScan<'_> {
    /// The positions found walking `it` (reversed: from the tail).
    fn run(&self, it: impl Iterator<Item = impl AsRef<[u8]>>, reversed: bool) -> Vec<usize> {
        let rank = if reversed {
            self.rank.wrapping_neg()
        } else {
            self.rank
        };
        let mut hits = Vec::new();
        let mut matches: i64 = 0;
        for (i, e) in it.enumerate() {
            if self.maxlen != 0 && i as i64 >= self.maxlen {
                break;
            }
            if e.as_ref() != self.ele {
                continue;
            }
            matches += 1;
            if matches < rank {
                continue;
            }
            hits.push(if reversed { self.len - i - 1 } else { i });
            match self.count {
                None => break,
                Some(c) if c != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= c => break,
                Some(_) => {}
            }
        }
        hits
    }
}

// ---------------------------------------------------------------------------
// Modifying in place
// ---------------------------------------------------------------------------

/// LSET key index element
pub fn lset(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, i, v) = (a.next_bytes()?, a.next_bytes()?, a.next_bytes()?);
    let shape = shape(&ctx.srv.config);
    let l = write_list(ctx.srv, ctx.frame, ctx.client.db, key)?.ok_or(CmdError::NoSuchKey)?;
    let i = parse_i64(i).ok_or(CmdError::NotInteger)?;
    let done = index(i, l.len()).is_some_and(|i| l.set(i, v, shape));
    if !done {
        return Err(CmdError::Msg("ERR index out of range"));
    }
    ctx.modified(key, notify::LIST, "lset", 1);
    ctx.out.ok();
    Ok(())
}

/// LINSERT key BEFORE|AFTER pivot element
pub fn linsert(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, place) = (a.next_bytes()?, a.next_bytes()?);
    let (pivot, v) = (a.next_bytes()?, a.next_bytes()?);
    let after = if is(place, "after") {
        true
    } else if is(place, "before") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    let shape = shape(&ctx.srv.config);
    let Some(l) = write_list(ctx.srv, ctx.frame, ctx.client.db, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let Some(at) = l.position(pivot) else {
        ctx.out.int(-1);
        return Ok(());
    };
    l.insert(at + usize::from(after), v, shape);
    let len = l.len();
    ctx.signal_ready(key);
    ctx.modified(key, notify::LIST, "linsert", 1);
    ctx.out.int(len as i64);
    Ok(())
}

/// LREM key count element
pub fn lrem(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let (count, v) = (a.next_i64()?, a.next_bytes()?);
    let shape = shape(&ctx.srv.config);
    let Some(l) = write_list(ctx.srv, ctx.frame, ctx.client.db, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let removed = l.remove_matching(v, count, shape);
    let empty = l.is_empty();
    if removed > 0 {
        // Redis 7.0 invalidates before the event here.
        ctx.modified(key, notify::LIST, "lrem", removed as u64);
        drop_if_empty(ctx, key, empty);
    }
    ctx.out.int(removed as i64);
    Ok(())
}

/// LTRIM key start stop
pub fn ltrim(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let (start, stop) = (a.next_i64()?, a.next_i64()?);
    let shape = shape(&ctx.srv.config);
    let Some(l) = write_list(ctx.srv, ctx.frame, ctx.client.db, key)? else {
        ctx.out.ok();
        return Ok(());
    };
    let len = l.len();
    let (first, n) = clamp_range(start, stop, len).unwrap_or((0, 0));
    l.retain_range(first, n, shape);
    let empty = l.is_empty();
    // Published and signalled even when nothing was trimmed, as in Redis.
    ctx.notify(notify::LIST, "ltrim", key);
    drop_if_empty(ctx, key, empty);
    ctx.signal_modified(key);
    ctx.dirty((len - n) as u64);
    ctx.out.ok();
    Ok(())
}

// ---------------------------------------------------------------------------
// Moving between lists
// ---------------------------------------------------------------------------

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
pub fn lmove(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (src, dst) = (a.next_bytes()?, a.next_bytes()?);
    let (from, to) = (parse_end(a.next_bytes()?)?, parse_end(a.next_bytes()?)?);
    move_generic(ctx, src, dst, from, to)
}

/// RPOPLPUSH source destination
pub fn rpoplpush(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (src, dst) = (a.next_bytes()?, a.next_bytes()?);
    move_generic(ctx, src, dst, End::Right, End::Left)
}

/// The core of LMOVE and its relatives (Redis's `lmoveGenericCommand`):
/// pops from `src` at `from`, pushes onto `dst` at `to`, replies with the
/// element (null if `src` is missing). The same key may be both, which
/// rotates the list. As in Redis, the push event on `dst` comes before the
/// pop event on `src`. Side effects: dirty, signals both keys, may delete
/// `src`.
fn move_generic(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) -> CmdResult {
    let db = ctx.client.db;
    let shape = shape(&ctx.srv.config);
    if write_list(ctx.srv, ctx.frame, db, src)?.is_none() {
        ctx.out.null();
        return Ok(());
    }
    // The destination's type is checked before anything is popped.
    write_list(ctx.srv, ctx.frame, db, dst)?;
    let Some(v) = write_list(ctx.srv, ctx.frame, db, src)?.and_then(|l| l.pop(from, shape)) else {
        ctx.out.null();
        return Ok(());
    };
    match write_list(ctx.srv, ctx.frame, db, dst)? {
        Some(l) => l.push(to, &v, shape),
        None => {
            let mut l = List::new();
            l.push(to, &v, shape);
            let now = ctx.now();
            ctx.srv.dbs[db].set(dst, Value::List(l), false, now);
        }
    }
    // The one change is counted by `elements_removed`, as in Redis.
    ctx.modified(dst, notify::LIST, push_event(to), 0);
    // Only now: when src is dst, the list was never empty in between.
    let empty = write_list(ctx.srv, ctx.frame, db, src)?.is_some_and(|l| l.is_empty());
    elements_removed(ctx, src, from, empty, 1);
    ctx.signal_ready(dst);
    ctx.out.bulk(&v);
    Ok(())
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub fn lmpop(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let m = parse_mpop(&mut a)?;
    mpop_generic(ctx, &m, None)
}

/// LMPOP's arguments.
struct MPop<'a> {
    keys: &'a [Bytes],
    end: End,
    count: usize,
}

/// Parses `numkeys key... LEFT|RIGHT [COUNT n]` as Redis's
/// `lmpopGenericCommand` does.
fn parse_mpop<'a>(a: &mut Args<'a>) -> Result<MPop<'a>, CmdError> {
    let numkeys = a.next_bytes()?;
    let numkeys = match parse_i64(numkeys) {
        Some(n) if n >= 1 => n,
        _ => return Err(CmdError::Msg("ERR numkeys should be greater than 0")),
    };
    let rest = a.rest();
    let numkeys = usize::try_from(numkeys)
        .ok()
        .filter(|n| *n < rest.len())
        .ok_or(CmdError::Syntax)?;
    let (keys, rest) = rest.split_at(numkeys);
    let end = parse_end(&rest[0])?;
    let mut count = None;
    let mut opts = rest[1..].iter();
    while let Some(opt) = opts.next() {
        match opts.as_slice().first() {
            Some(n) if count.is_none() && is(opt, "count") => {
                opts.next();
                let n = int_at_least(n, 1, "ERR count should be greater than 0")?;
                count = Some(usize::try_from(n).unwrap_or(usize::MAX));
            }
            _ => return Err(CmdError::Syntax),
        }
    }
    Ok(MPop {
        keys,
        end,
        count: count.unwrap_or(1),
    })
}

/// The core of LMPOP and BLMPOP: pops up to `count` elements from the
/// first non-empty list and replies `[key, [elements]]`; with nothing to
/// pop, blocks until `deadline` if given (and allowed), or replies a null
/// array. Propagated as LPOP/RPOP with the number popped. Side effects:
/// dirty, may delete the key.
fn mpop_generic(ctx: &mut Ctx, m: &MPop, deadline: Option<i64>) -> CmdResult {
    let db = ctx.client.db;
    let retry = deadline.is_some() && is_retry(ctx);
    let shape = shape(&ctx.srv.config);
    let out = &mut *ctx.out;
    for key in m.keys {
        let Some(l) = pop_source(ctx.srv, ctx.frame, db, key, retry)? else {
            continue;
        };
        let n = m.count.min(l.len());
        out.array(2);
        out.bulk(key);
        out.array(n);
        l.pop_n(m.end, n, shape, |e| out.bulk(e));
        let empty = l.is_empty();
        elements_removed(ctx, key, m.end, empty, n);
        ctx.propagate_as(&[pop_name(m.end), key, n.to_string().as_bytes()]);
        return Ok(());
    }
    match deadline {
        Some(deadline) => block_on(ctx, m.keys, deadline, false),
        None => ctx.out.null_array(),
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Blocking forms
// ---------------------------------------------------------------------------

/// BLPOP key [key ...] timeout
pub fn blpop(ctx: &mut Ctx) -> CmdResult {
    bpop_generic(ctx, End::Left)
}

/// BRPOP key [key ...] timeout
pub fn brpop(ctx: &mut Ctx) -> CmdResult {
    bpop_generic(ctx, End::Right)
}

/// The core of BLPOP and BRPOP: pops one element from the first non-empty
/// list, replying `[key, element]`, or blocks. Propagated as LPOP/RPOP.
/// Side effects: dirty, may delete the key.
fn bpop_generic(ctx: &mut Ctx, end: End) -> CmdResult {
    let args = ctx.args().rest();
    let Some((timeout, keys)) = args.split_last() else {
        return Err(CmdError::WrongArgs);
    };
    let deadline = parse_timeout(timeout, ctx.now())?;
    let retry = is_retry(ctx);
    let db = ctx.client.db;
    let shape = shape(&ctx.srv.config);
    let out = &mut *ctx.out;
    for key in keys {
        let Some(l) = pop_source(ctx.srv, ctx.frame, db, key, retry)? else {
            continue;
        };
        out.array(2);
        out.bulk(key);
        l.pop_n(end, 1, shape, |e| out.bulk(e));
        let empty = l.is_empty();
        elements_removed(ctx, key, end, empty, 1);
        ctx.propagate_as(&[pop_name(end), key]);
        return Ok(());
    }
    block_on(ctx, keys, deadline, false);
    Ok(())
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
pub fn blmove(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (src, dst) = (a.next_shared()?, a.next_shared()?);
    let (from_arg, to_arg) = (a.next_bytes()?, a.next_bytes()?);
    let (from, to) = (parse_end(from_arg)?, parse_end(to_arg)?);
    let deadline = parse_timeout(a.next_bytes()?, ctx.now())?;
    if bmove_ready(ctx, &src, deadline)? {
        move_generic(ctx, &src, &dst, from, to)?;
        ctx.propagate_as(&[b"LMOVE", &src, &dst, from_arg, to_arg]);
    }
    Ok(())
}

/// BRPOPLPUSH source destination timeout
pub fn brpoplpush(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (src, dst) = (a.next_shared()?, a.next_shared()?);
    let deadline = parse_timeout(a.next_bytes()?, ctx.now())?;
    if bmove_ready(ctx, &src, deadline)? {
        move_generic(ctx, &src, &dst, End::Right, End::Left)?;
        ctx.propagate_as(&[b"RPOPLPUSH", &src, &dst]);
    }
    Ok(())
}

/// Whether BLMOVE/BRPOPLPUSH can move now (`src` is a non-empty list);
/// otherwise the client is blocked on `src` (or, where it may not block,
/// given a null reply). The destination is only checked when moving.
fn bmove_ready(ctx: &mut Ctx, src: &Bytes, deadline: i64) -> Result<bool, CmdError> {
    let retry = is_retry(ctx);
    let db = ctx.client.db;
    if pop_source(ctx.srv, ctx.frame, db, src, retry)?.is_some() {
        return Ok(true);
    }
    block_on(ctx, std::slice::from_ref(src), deadline, true);
    Ok(false)
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
pub fn blmpop(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let timeout = a.next_bytes()?;
    let m = parse_mpop(&mut a)?;
    let deadline = parse_timeout(timeout, ctx.now())?;
    mpop_generic(ctx, &m, Some(deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_clamp_like_redis() {
        assert_eq!(clamp_range(0, -1, 5), Some((0, 5)));
        assert_eq!(clamp_range(-100, 100, 5), Some((0, 5)));
        assert_eq!(clamp_range(2, 1, 5), None);
        assert_eq!(clamp_range(5, 10, 5), None);
        assert_eq!(clamp_range(-2, -1, 5), Some((3, 2)));
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 3), Some((0, 3)));
        assert_eq!(clamp_range(0, 0, 0), None);
    }

    #[test]
    fn indexes_resolve_like_redis() {
        assert_eq!(index(0, 3), Some(0));
        assert_eq!(index(-1, 3), Some(2));
        assert_eq!(index(-3, 3), Some(0));
        assert_eq!(index(-4, 3), None);
        assert_eq!(index(3, 3), None);
        assert_eq!(index(i64::MIN, 3), None);
    }

    #[test]
    fn lpos_rank_min_matches_every_hit() {
        let s = PosScan {
            ele: b"a",
            rank: i64::MIN,
            count: Some(1),
            maxlen: 0,
            len: 3,
        };
        let items: [&[u8]; 3] = [b"a", b"b", b"a"];
        assert_eq!(s.run(items.iter().rev().copied(), true), vec![2, 0]);
    }
}
