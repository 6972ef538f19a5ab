//! Sorted set commands (Redis's `t_zset.c`): adding and scoring, ranks,
//! the ZRANGE family, removals by range, ZRANDMEMBER and ZSCAN. Pops and
//! blocking pops live in [`pop`], unions, intersections and differences
//! in [`setops`], number and range parsing in [`parse`].
//!
//! A command that changes a key publishes the keyspace events Redis does,
//! in the same order, and signals the key for WATCH; one that changes
//! nothing (or fails) does neither.

pub mod parse;
mod pop;
mod setops;

pub use pop::{bzmpop, bzpopmax, bzpopmin, zmpop, zpopmax, zpopmin};
pub use setops::{zdiff, zdiffstore, zinter, zintercard, zinterstore, zunion, zunionstore};

use super::args::is;
use super::keys::{parse_scan_opts, reply_empty_scan, ScanOpts};
use super::{CmdError, CmdResult, Ctx};
use crate::db::zset::{LexRange, Limits, ScoreRange, ZSet};
use crate::db::Value;
use crate::frame::Frame;
use crate::notify;
use crate::resp::Out;
use crate::state::State;

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// The encoding limits from the configuration.
fn limits(ctx: &Ctx) -> Limits {
    Limits {
        entries: ctx.srv.config.zset_max_listpack_entries,
        value: ctx.srv.config.zset_max_listpack_value,
    }
}

/// The sorted set at `key` for reading: `Ok(None)` if absent, WRONGTYPE
/// if it holds another type. Side effects: lazy expiry, hit/miss stats.
fn read<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s ZSet>, CmdError> {
    match srv.lookup_read(f, db, key) {
        None => Ok(None),
        Some(e) => match &e.val {
            Value::ZSet(z) => Ok(Some(z)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The sorted set at `key` for writing. Side effects: lazy expiry.
fn write<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut ZSet>, CmdError> {
    match srv.lookup_write(f, db, key) {
        None => Ok(None),
        Some(e) => match &mut e.val {
            Value::ZSet(z) => Ok(Some(z)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// After removals from the set at `key`: deletes it if it became empty
/// (an empty collection is never stored), else releases spare capacity.
/// Returns whether the key was deleted.
fn after_removal(ctx: &mut Ctx, key: &[u8]) -> bool {
    let db = ctx.client.db;
    let clock = ctx.expire_now();
    let empty = match ctx.srv.dbs[db].get(key, clock).map(|e| &mut e.val) {
        Some(Value::ZSet(z)) if z.is_empty() => true,
        Some(Value::ZSet(z)) => {
            z.shrink_to_fit();
            false
        }
        _ => false,
    };
    if empty {
        ctx.srv.dbs[db].remove(key);
    }
    empty
}

/// Replies with members, and their scores if asked: a flat array in
/// RESP2, an array of [member, score] pairs in RESP3.
fn reply_elems<M: AsRef<[u8]>>(out: &mut Out, items: &[(M, f64)], withscores: bool) {
    let pairs = withscores && out.is_resp3();
    out.array(if withscores && !pairs {
        items.len() * 2
    } else {
        items.len()
    });
    for (m, s) in items {
        if pairs {
            out.array(2);
        }
        out.bulk(m.as_ref());
        if withscores {
            out.double(*s);
        }
    }
}

/// Resolves Redis's start/stop rank arguments against `len`: the
/// inclusive range of ranks, or None when it is empty.
fn rank_span(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

// ---------------------------------------------------------------------------
// ZADD, ZINCRBY
// ---------------------------------------------------------------------------

/// ZADD's options.
#[derive(Debug, Default, Clone, Copy)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

/// What adding one element did.
enum Added {
    /// A new member.
    New(f64),
    /// An existing member's score changed.
    Updated(f64),
    /// Processed without a change (same score).
    Same(f64),
    /// Skipped by NX, XX, GT or LT.
    Nop,
}

/// Redis's `zsetAdd`: applies one score-member pair under the flags.
/// Fails only when an increment makes the score NaN.
fn add_one(
    z: &mut ZSet,
    score: f64,
    member: &[u8],
    f: AddFlags,
    lim: Limits,
) -> Result<Added, CmdError> {
    let Some(cur) = z.score(member) else {
        if f.xx {
            return Ok(Added::Nop);
        }
        z.insert(member, score, lim);
        return Ok(Added::New(score));
    };
    if f.nx {
        return Ok(Added::Nop);
    }
    let score = if f.incr { score + cur } else { score };
    if score.is_nan() {
        return Err(CmdError::Msg("ERR resulting score is not a number (NaN)"));
    }
    if (f.lt && score >= cur) || (f.gt && score <= cur) {
        return Ok(Added::Nop);
    }
    if score == cur {
        return Ok(Added::Same(score));
    }
    z.update(member, score);
    Ok(Added::Updated(score))
}

/// Totals of one ZADD.
#[derive(Default)]
struct AddTotals {
    added: usize,
    updated: usize,
    processed: usize,
    score: f64,
}

fn add_all(
    z: &mut ZSet,
    pairs: &[(f64, &[u8])],
    f: AddFlags,
    lim: Limits,
) -> Result<AddTotals, CmdError> {
    let mut t = AddTotals::default();
    for &(score, member) in pairs {
        t.score = match add_one(z, score, member, f, lim)? {
            Added::New(s) => {
                t.added += 1;
                s
            }
            Added::Updated(s) => {
                t.updated += 1;
                s
            }
            Added::Same(s) => s,
            Added::Nop => continue,
        };
        t.processed += 1;
    }
    Ok(t)
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
pub fn zadd(ctx: &mut Ctx) -> CmdResult {
    zadd_generic(ctx, false)
}

/// ZINCRBY key increment member
pub fn zincrby(ctx: &mut Ctx) -> CmdResult {
    zadd_generic(ctx, true)
}

/// ZADD and ZINCRBY (Redis's `zaddGenericCommand`). Side effects: dirty;
/// when a member was added or its score changed, `zadd` (`zincr` with
/// INCR) and WATCH; wakes clients blocked on the key when members were
/// added.
fn zadd_generic(ctx: &mut Ctx, incr: bool) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let mut f = AddFlags {
        incr,
        ..AddFlags::default()
    };
    while let Some(opt) = a.peek() {
        let flag = if is(opt, "nx") {
            &mut f.nx
        } else if is(opt, "xx") {
            &mut f.xx
        } else if is(opt, "ch") {
            &mut f.ch
        } else if is(opt, "incr") {
            &mut f.incr
        } else if is(opt, "gt") {
            &mut f.gt
        } else if is(opt, "lt") {
            &mut f.lt
        } else {
            break;
        };
        *flag = true;
        a.next_bytes()?;
    }
    let rest = a.rest();
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    if f.nx && f.xx {
        return Err(CmdError::Msg(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if (f.nx && (f.gt || f.lt)) || (f.gt && f.lt) {
        return Err(CmdError::Msg(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if f.incr && rest.len() > 2 {
        return Err(CmdError::Msg(
            "ERR INCR option supports a single increment-element pair",
        ));
    }
    // Every score is checked before anything changes.
    let pairs = rest
        .chunks(2)
        .map(|p| {
            Ok((
                parse::score_or(&p[0], "ERR value is not a valid float")?,
                &p[1][..],
            ))
        })
        .collect::<Result<Vec<_>, CmdError>>()?;
    let lim = limits(ctx);
    let db = ctx.client.db;
    let totals = match write(ctx.srv, ctx.frame, db, key)? {
        Some(z) => {
            let t = add_all(z, &pairs, f, lim)?;
            z.shrink_to_fit();
            t
        }
        None if f.xx => AddTotals::default(),
        None => {
            let mut z = ZSet::for_new_key(pairs[0].1.len(), lim);
            let t = add_all(&mut z, &pairs, f, lim)?;
            z.shrink_to_fit();
            let now = ctx.now();
            ctx.srv.dbs[db].set(key, Value::ZSet(z), false, now);
            t
        }
    };
    let changed = totals.added + totals.updated;
    if changed > 0 {
        let event = if f.incr { "zincr" } else { "zadd" };
        ctx.modified(key, notify::ZSET, event, changed as u64);
    }
    if totals.added > 0 {
        ctx.signal_ready(key);
    }
    if f.incr {
        if totals.processed > 0 {
            ctx.out.double(totals.score);
        } else {
            ctx.out.null();
        }
    } else {
        let n = totals.added + if f.ch { totals.updated } else { 0 };
        ctx.out.int(n as i64);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Scores, counts, ranks
// ---------------------------------------------------------------------------

/// ZSCORE key member
pub fn zscore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, member) = (a.next_bytes()?, a.next_bytes()?);
    match read(ctx.srv, ctx.frame, ctx.client.db, key)?.and_then(|z| z.score(member)) {
        Some(s) => ctx.out.double(s),
        None => ctx.out.null(),
    }
    Ok(())
}

/// ZMSCORE key member [member ...]
pub fn zmscore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let members = a.rest();
    let z = read(ctx.srv, ctx.frame, ctx.client.db, key)?;
    ctx.out.array(members.len());
    for m in members {
        match z.and_then(|z| z.score(m)) {
            Some(s) => ctx.out.double(s),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// ZCARD key
pub fn zcard(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let n = read(ctx.srv, ctx.frame, ctx.client.db, key)?.map_or(0, |z| z.len());
    ctx.out.int(n as i64);
    Ok(())
}

/// ZCOUNT key min max
pub fn zcount(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let range = parse::score_range(a.next_bytes()?, a.next_bytes()?)?;
    let n = match read(ctx.srv, ctx.frame, ctx.client.db, key)? {
        Some(z) => match (z.score_first(&range), z.score_last(&range)) {
            (Some(f), Some(l)) if l >= f => l - f + 1,
            _ => 0,
        },
        None => 0,
    };
    ctx.out.int(n as i64);
    Ok(())
}

/// How many elements from the first in `r` on are in it: a linear run in
/// a listpack, rank arithmetic in a skiplist, as Redis counts.
fn lex_count(z: &ZSet, r: &LexRange) -> usize {
    let Some(first) = z.lex_first(r) else {
        return 0;
    };
    if z.is_listpack() {
        return z
            .iter_from(first, false)
            .take_while(|(m, _)| r.lte_max(m))
            .count();
    }
    match z.lex_last(r) {
        Some(last) => (last + 1).saturating_sub(first),
        None => z.len() - first,
    }
}

/// ZLEXCOUNT key min max
pub fn zlexcount(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let range = parse::lex_range(a.next_bytes()?, a.next_bytes()?)?;
    let n = read(ctx.srv, ctx.frame, ctx.client.db, key)?.map_or(0, |z| lex_count(z, &range));
    ctx.out.int(n as i64);
    Ok(())
}

/// ZRANK key member
pub fn zrank(ctx: &mut Ctx) -> CmdResult {
    rank_generic(ctx, false)
}

/// ZREVRANK key member
pub fn zrevrank(ctx: &mut Ctx) -> CmdResult {
    rank_generic(ctx, true)
}

fn rank_generic(ctx: &mut Ctx, rev: bool) -> CmdResult {
    let mut a = ctx.args();
    let (key, member) = (a.next_bytes()?, a.next_bytes()?);
    let found = read(ctx.srv, ctx.frame, ctx.client.db, key)?.and_then(|z| {
        z.rank(member)
            .map(|(r, _)| if rev { z.len() - 1 - r } else { r })
    });
    match found {
        Some(r) => ctx.out.int(r as i64),
        None => ctx.out.null(),
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The ZRANGE family
// ---------------------------------------------------------------------------

/// What a range command selects by.
#[derive(Debug, Clone, Copy, PartialEq)]
enum By<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

/// A parsed range request.
struct RangeReq<'a> {
    by: By<'a>,
    rev: bool,
    offset: i64,
    /// Negative: no limit.
    limit: i64,
}

/// The elements a range request selects, in reply order (Redis's
/// `genericZrangeby*Command`). LIMIT's offset is skipped without range
/// checks and a negative offset selects nothing, as in Redis.
fn select<'z>(z: &'z ZSet, req: &RangeReq) -> Vec<(&'z [u8], f64)> {
    let len = z.len();
    let first = match req.by {
        By::Rank(a, b) => {
            let Some((s, e)) = rank_span(a, b, len) else {
                return Vec::new();
            };
            let from = if req.rev { len - 1 - s } else { s };
            return z.iter_from(from, req.rev).take(e - s + 1).collect();
        }
        By::Score(r) if req.rev => z.score_last(&r),
        By::Score(r) => z.score_first(&r),
        By::Lex(r) if req.rev => z.lex_last(&r),
        By::Lex(r) => z.lex_first(&r),
    };
    // Walking away from the first element, the far end of the range.
    let in_range = |m: &[u8], s: f64| match req.by {
        By::Score(r) if req.rev => r.gte_min(s),
        By::Score(r) => r.lte_max(s),
        By::Lex(r) if req.rev => r.gte_min(m),
        By::Lex(r) => r.lte_max(m),
        By::Rank(..) => true,
    };
    let Some(first) = first else {
        return Vec::new();
    };
    let Ok(off) = usize::try_from(req.offset) else {
        return Vec::new();
    };
    let from = if req.rev {
        first.checked_sub(off)
    } else {
        first.checked_add(off).filter(|&r| r < len)
    };
    let Some(from) = from else {
        return Vec::new();
    };
    let limit = usize::try_from(req.limit).unwrap_or(usize::MAX);
    z.iter_from(from, req.rev)
        .take(limit)
        .take_while(|&(m, s)| in_range(m, s))
        .collect()
}

/// Which command of the family is being parsed.
#[derive(Clone, Copy, PartialEq)]
enum Family {
    /// ZRANGE and ZRANGESTORE: BYSCORE, BYLEX and REV are options.
    Auto,
    /// A fixed kind and direction (ZREVRANGE, ZRANGEBYSCORE, ...).
    Fixed(Kind, bool),
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Rank,
    Score,
    Lex,
}

/// Parses `key min max [options]` (Redis's `zrangeGenericCommand`, steps
/// 1 and 2); returns the key, the request and WITHSCORES.
fn parse_range<'a>(
    args: &mut super::Args<'a>,
    family: Family,
    store: bool,
) -> Result<(&'a [u8], RangeReq<'a>, bool), CmdError> {
    let key = args.next_bytes()?;
    let (mut min, mut max) = (args.next_bytes()?, args.next_bytes()?);
    let (mut kind, mut rev) = match family {
        Family::Auto => (None, None),
        Family::Fixed(k, r) => (Some(k), Some(r)),
    };
    let (mut withscores, mut offset, mut limit) = (false, 0, -1);
    while let Ok(opt) = args.next_bytes() {
        if !store && is(opt, "withscores") {
            withscores = true;
        } else if is(opt, "limit") && args.remaining() >= 2 {
            offset = args.next_i64()?;
            limit = args.next_i64()?;
        } else if family == Family::Auto && rev.is_none() && is(opt, "rev") {
            rev = Some(true);
        } else if family == Family::Auto && kind.is_none() && is(opt, "bylex") {
            kind = Some(Kind::Lex);
        } else if family == Family::Auto && kind.is_none() && is(opt, "byscore") {
            kind = Some(Kind::Score);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let (kind, rev) = (kind.unwrap_or(Kind::Rank), rev.unwrap_or(false));
    if limit != -1 && kind == Kind::Rank {
        return Err(CmdError::Msg(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && kind == Kind::Lex {
        return Err(CmdError::Msg(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    // Reversed score and lex ranges are given as max, min.
    if rev && kind != Kind::Rank {
        std::mem::swap(&mut min, &mut max);
    }
    let by = match kind {
        Kind::Rank => By::Rank(
            crate::util::parse_i64(min).ok_or(CmdError::NotInteger)?,
            crate::util::parse_i64(max).ok_or(CmdError::NotInteger)?,
        ),
        Kind::Score => By::Score(parse::score_range(min, max)?),
        Kind::Lex => By::Lex(parse::lex_range(min, max)?),
    };
    let req = RangeReq {
        by,
        rev,
        offset,
        limit,
    };
    Ok((key, req, withscores))
}

fn range_generic(ctx: &mut Ctx, family: Family) -> CmdResult {
    let mut a = ctx.args();
    let (key, req, withscores) = parse_range(&mut a, family, false)?;
    match read(ctx.srv, ctx.frame, ctx.client.db, key)? {
        Some(z) => reply_elems(ctx.out, &select(z, &req), withscores),
        None => ctx.out.array(0),
    }
    Ok(())
}

/// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
pub fn zrange(ctx: &mut Ctx) -> CmdResult {
    range_generic(ctx, Family::Auto)
}

/// ZREVRANGE key start stop [WITHSCORES]
pub fn zrevrange(ctx: &mut Ctx) -> CmdResult {
    range_generic(ctx, Family::Fixed(Kind::Rank, true))
}

/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
pub fn zrangebyscore(ctx: &mut Ctx) -> CmdResult {
    range_generic(ctx, Family::Fixed(Kind::Score, false))
}

/// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
pub fn zrevrangebyscore(ctx: &mut Ctx) -> CmdResult {
    range_generic(ctx, Family::Fixed(Kind::Score, true))
}

/// ZRANGEBYLEX key min max [LIMIT offset count]
pub fn zrangebylex(ctx: &mut Ctx) -> CmdResult {
    range_generic(ctx, Family::Fixed(Kind::Lex, false))
}

/// ZREVRANGEBYLEX key max min [LIMIT offset count]
pub fn zrevrangebylex(ctx: &mut Ctx) -> CmdResult {
    range_generic(ctx, Family::Fixed(Kind::Lex, true))
}

/// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
///
/// Side effects: dirty, keyspace events, WATCH; replaces (or, for an
/// empty result, deletes) dst.
pub fn zrangestore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let dst = a.next_bytes()?;
    let (src, req, _) = parse_range(&mut a, Family::Auto, true)?;
    let items: Vec<(Vec<u8>, f64)> = match read(ctx.srv, ctx.frame, ctx.client.db, src)? {
        Some(z) => select(z, &req)
            .into_iter()
            .map(|(m, s)| (m.to_vec(), s))
            .collect(),
        None => Vec::new(),
    };
    // A reversed selection is stored in the set's own order.
    let mut items = items;
    if req.rev {
        items.reverse();
    }
    store_result(ctx, dst, &items, "zrangestore");
    Ok(())
}

/// Stores a computed, ordered result at `dst` in the encoding it calls
/// for, publishes `event` (`zunionstore`, ...) and replies with its size.
/// An empty result deletes `dst` (`del`) if it is stored at all, expired
/// or not, as Redis's `dbDelete` does.
/// Side effects: dirty, keyspace events, WATCH, wakes clients blocked on
/// `dst`.
fn store_result(ctx: &mut Ctx, dst: &[u8], items: &[(Vec<u8>, f64)], event: &str) {
    let db = ctx.client.db;
    if items.is_empty() {
        if ctx.srv.dbs[db].remove(dst) {
            ctx.modified(dst, notify::GENERIC, "del", 1);
        }
        ctx.out.int(0);
        return;
    }
    let z = ZSet::from_sorted(items, limits(ctx));
    let (now, clock) = (ctx.now(), ctx.expire_now());
    // Expire a stale dst first, so it is not mistaken for a live key.
    ctx.srv.dbs[db].get(dst, clock);
    ctx.srv.dbs[db].set(dst, Value::ZSet(z), false, now);
    ctx.modified(dst, notify::ZSET, event, 1);
    ctx.signal_ready(dst);
    ctx.out.int(items.len() as i64);
}

// ---------------------------------------------------------------------------
// Removal
// ---------------------------------------------------------------------------

/// ZREM key member [member ...]
///
/// Side effects: dirty; when a member went, `zrem` (then `del` if the set
/// emptied) and WATCH.
pub fn zrem(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let members = a.rest();
    let db = ctx.client.db;
    let mut deleted = 0;
    if let Some(z) = write(ctx.srv, ctx.frame, db, key)? {
        for m in members {
            deleted += usize::from(z.remove(m));
            if z.is_empty() {
                break;
            }
        }
    }
    let emptied = after_removal(ctx, key);
    if deleted > 0 {
        ctx.notify(notify::ZSET, "zrem", key);
        if emptied {
            ctx.notify(notify::GENERIC, "del", key);
        }
        ctx.signal_modified(key);
    }
    ctx.dirty(deleted as u64);
    ctx.out.int(deleted as i64);
    Ok(())
}

/// ZREMRANGEBYRANK key start stop
pub fn zremrangebyrank(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let (start, stop) = (a.next_i64()?, a.next_i64()?);
    remrange_generic(ctx, key, By::Rank(start, stop), "zremrangebyrank")
}

/// ZREMRANGEBYSCORE key min max
pub fn zremrangebyscore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let r = parse::score_range(a.next_bytes()?, a.next_bytes()?)?;
    remrange_generic(ctx, key, By::Score(r), "zremrangebyscore")
}

/// ZREMRANGEBYLEX key min max
pub fn zremrangebylex(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let r = parse::lex_range(a.next_bytes()?, a.next_bytes()?)?;
    remrange_generic(ctx, key, By::Lex(r), "zremrangebylex")
}

/// Redis's `zremrangeGenericCommand`: removes the run of elements from
/// the first in range. Side effects: dirty; deletes an emptied key; when
/// something went, `event` (then `del` if emptied) and WATCH.
fn remrange_generic(ctx: &mut Ctx, key: &[u8], by: By, event: &str) -> CmdResult {
    let db = ctx.client.db;
    let Some(z) = write(ctx.srv, ctx.frame, db, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let span = match by {
        By::Rank(a, b) => rank_span(a, b, z.len()),
        By::Score(r) => z.score_first(&r).map(|f| {
            let n = z
                .iter_from(f, false)
                .take_while(|&(_, s)| r.lte_max(s))
                .count();
            (f, f + n - 1)
        }),
        By::Lex(r) => z.lex_first(&r).map(|f| {
            let n = z
                .iter_from(f, false)
                .take_while(|(m, _)| r.lte_max(m))
                .count();
            (f, f + n - 1)
        }),
    };
    let deleted = span.map_or(0, |(s, e)| z.remove_range(s, e));
    let emptied = after_removal(ctx, key);
    if deleted > 0 {
        ctx.modified(key, notify::ZSET, event, deleted as u64);
        if emptied {
            ctx.notify(notify::GENERIC, "del", key);
        }
    }
    ctx.out.int(deleted as i64);
    Ok(())
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER, ZSCAN
// ---------------------------------------------------------------------------

/// ZRANDMEMBER key [count [WITHSCORES]]
pub fn zrandmember(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    if a.is_empty() {
        let db = ctx.client.db;
        let Some(z) = read(ctx.srv, ctx.frame, db, key)? else {
            ctx.out.null();
            return Ok(());
        };
        let len = z.len();
        let rank = ctx.srv.rng.below(len);
        return random_reply(ctx, key, &[rank], false);
    }
    let count = a.next_i64()?;
    if count == i64::MIN {
        return Err(CmdError::Msg(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let withscores = match a.next_bytes() {
        Ok(w) if is(w, "withscores") && a.is_empty() => true,
        Ok(_) => return Err(CmdError::Syntax),
        Err(_) => false,
    };
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CmdError::Msg("ERR value is out of range"));
    }
    let db = ctx.client.db;
    let Some(z) = read(ctx.srv, ctx.frame, db, key)? else {
        ctx.out.array(0);
        return Ok(());
    };
    let len = z.len();
    let ranks: Vec<usize> = if count == 0 {
        Vec::new()
    } else if count < 0 || count == 1 {
        // Repetitions allowed: independent draws.
        let rng = &mut ctx.srv.rng;
        (0..count.unsigned_abs()).map(|_| rng.below(len)).collect()
    } else if count as u64 >= len as u64 {
        // The whole set, in the order Redis's set-operation iterator
        // walks it: from the tail.
        (0..len).rev().collect()
    } else {
        // Distinct: a partial shuffle of the ranks.
        let n = count as usize;
        let mut all: Vec<usize> = (0..len).collect();
        for i in 0..n {
            let j = i + ctx.srv.rng.below(len - i);
            all.swap(i, j);
        }
        all.truncate(n);
        all
    };
    random_reply(ctx, key, &ranks, withscores)
}

/// Replies with the elements at `ranks` of the set at `key` (a bulk for a
/// single draw without count, else an array).
fn random_reply(ctx: &mut Ctx, key: &[u8], ranks: &[usize], withscores: bool) -> CmdResult {
    let db = ctx.client.db;
    let clock = ctx.expire_now();
    let Some(Value::ZSet(z)) = ctx.srv.dbs[db].get(key, clock).map(|e| &e.val) else {
        return Ok(());
    };
    let single = ctx.argv.len() == ctx.arg0 + 1;
    if single {
        if let Some((m, _)) = z.get(ranks[0]) {
            ctx.out.bulk(m);
        }
        return Ok(());
    }
    // A listpack is decoded once rather than walked per draw.
    let decoded: Vec<(&[u8], f64)> = if z.is_listpack() {
        z.iter().collect()
    } else {
        Vec::new()
    };
    let items: Vec<(&[u8], f64)> = ranks
        .iter()
        .filter_map(|&r| {
            if z.is_listpack() {
                decoded.get(r).copied()
            } else {
                z.get(r)
            }
        })
        .collect();
    reply_elems(ctx.out, &items, withscores);
    Ok(())
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count]
pub fn zscan(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let cursor = super::keys::parse_cursor(a.next_bytes()?)?;
    let db = ctx.client.db;
    if read(ctx.srv, ctx.frame, db, key)?.is_none() {
        reply_empty_scan(ctx.out);
        return Ok(());
    }
    let ScanOpts { count, pattern, .. } = parse_scan_opts(&mut a, false)?;
    let clock = ctx.expire_now();
    let Some(Value::ZSet(z)) = ctx.srv.dbs[db].get(key, clock).map(|e| &e.val) else {
        return Ok(());
    };
    let mut found: Vec<(Vec<u8>, String)> = Vec::new();
    let next = z.scan(cursor, count, |m, s| {
        if pattern.is_none_or(|p| crate::util::glob_match(p, m, false)) {
            found.push((m.to_vec(), crate::util::fmt_f64_g17(s)));
        }
    });
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.array(found.len() * 2);
    for (m, s) in &found {
        ctx.out.bulk(m);
        ctx.out.bulk(s.as_bytes());
    }
    Ok(())
}
