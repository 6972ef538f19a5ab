//! Hash commands (Redis's `t_hash.c`): fields and values under one key,
//! counters, random sampling and HSCAN. The structure and its encodings
//! live in [`crate::db::hash`].
//!
//! Every write publishes the keyspace event Redis 7.0 does (`hset`,
//! `hdel`, `hincrby`, `hincrbyfloat`, then `del` for an emptied hash) and
//! invalidates WATCH on its key; one that changes nothing publishes
//! nothing.

use super::args::is;
use super::keys::parse_cursor;
use super::keys::{parse_scan_opts, reply_empty_scan, ScanOpts};
use super::{CmdError, CmdResult, Ctx};
use crate::db::hash::{Hash, Limits};
use crate::db::Value;
use crate::frame::Frame;
use crate::ldouble::{self, Num, F80};
use crate::notify;
use crate::resp::Out;
use crate::state::State;
use crate::util::{glob_match, i64_digits, parse_i64, Rng};

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// The live hash at `key` for reading: `Ok(None)` if absent, WRONGTYPE if
/// it holds another type. Side effects: lazy expiry, keyspace stats.
fn read_hash<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s Hash>, CmdError> {
    match srv.lookup_read(f, db, key) {
        None => Ok(None),
        Some(e) => match &e.val {
            Value::Hash(h) => Ok(Some(h)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The listpack bounds from the live configuration.
fn limits(ctx: &Ctx) -> Limits {
    Limits {
        max_entries: ctx.srv.config.hash_max_listpack_entries,
        max_value: ctx.srv.config.hash_max_listpack_value,
    }
}

/// Runs `f` on the hash at `key`, or on a new empty hash if the key is
/// absent (Redis's `hashTypeLookupWriteOrCreate`). A new hash is stored
/// only if `f` left fields in it, so an empty hash never exists.
/// Side effects: lazy expiry; the caller marks the dataset dirty.
fn with_hash<R>(
    ctx: &mut Ctx,
    key: &[u8],
    f: impl FnOnce(&mut Hash) -> Result<R, CmdError>,
) -> Result<R, CmdError> {
    let db = ctx.client.db;
    match ctx.srv.lookup_write(ctx.frame, db, key) {
        Some(e) => {
            let Value::Hash(h) = &mut e.val else {
                return Err(CmdError::WrongType);
            };
            let r = f(h);
            h.compact();
            r
        }
        None => {
            let mut h = Hash::new();
            let r = f(&mut h);
            if !h.is_empty() {
                h.compact();
                let now = ctx.now();
                ctx.srv.dbs[db].set(key, Value::Hash(h), false, now);
            }
            r
        }
    }
}

/// One element of an HRANDFIELD reply: the field, its value with
/// WITHVALUES (a 2-element array in RESP3, flat in RESP2).
fn reply_pair(out: &mut Out, field: &[u8], value: &[u8], withvalues: bool) {
    if withvalues && out.is_resp3() {
        out.array(2);
    }
    out.bulk(field);
    if withvalues {
        out.bulk(value);
    }
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

/// HSET key field value [field value ...]
pub fn hset(ctx: &mut Ctx) -> CmdResult {
    hset_generic(ctx, false)
}

/// HMSET key field value [field value ...]
pub fn hmset(ctx: &mut Ctx) -> CmdResult {
    hset_generic(ctx, true)
}

/// The core of HSET and HMSET (which only differ in their reply).
/// Side effects: dirty by the number of pairs, as Redis counts them; an
/// `hset` event even when no value changed, as in Redis.
fn hset_generic(ctx: &mut Ctx, hmset: bool) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let pairs = a.rest();
    if !pairs.len().is_multiple_of(2) {
        return Err(CmdError::WrongArgs);
    }
    let lim = limits(ctx);
    let created = with_hash(ctx, key, |h| {
        h.prepare(pairs.iter().map(|p| p.len()), lim);
        Ok(pairs
            .chunks(2)
            .filter(|kv| h.set(&kv[0], &kv[1], lim))
            .count())
    })?;
    ctx.modified(key, notify::HASH, "hset", (pairs.len() / 2) as u64);
    if hmset {
        ctx.out.ok();
    } else {
        ctx.out.int(created as i64);
    }
    Ok(())
}

/// HSETNX key field value
pub fn hsetnx(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, field, value) = (a.next_bytes()?, a.next_bytes()?, a.next_bytes()?);
    let lim = limits(ctx);
    let set = with_hash(ctx, key, |h| {
        if h.contains(field) {
            return Ok(false);
        }
        h.prepare([field.len(), value.len()], lim);
        h.set(field, value, lim);
        Ok(true)
    })?;
    if set {
        ctx.modified(key, notify::HASH, "hset", 1);
    }
    ctx.out.int(i64::from(set));
    Ok(())
}

/// HGET key field
pub fn hget(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, field) = (a.next_bytes()?, a.next_bytes()?);
    match read_hash(ctx.srv, ctx.frame, ctx.client.db, key)?.and_then(|h| h.get(field)) {
        Some(v) => ctx.out.bulk(v),
        None => ctx.out.null(),
    }
    Ok(())
}

/// HMGET key field [field ...]
pub fn hmget(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let fields = a.rest();
    let h = read_hash(ctx.srv, ctx.frame, ctx.client.db, key)?;
    ctx.out.array(fields.len());
    for f in fields {
        match h.and_then(|h| h.get(f)) {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// HDEL key field [field ...]
pub fn hdel(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let fields = a.rest();
    let db = ctx.client.db;
    let Some(e) = ctx.srv.lookup_write(ctx.frame, db, key) else {
        ctx.out.int(0);
        return Ok(());
    };
    let Value::Hash(h) = &mut e.val else {
        return Err(CmdError::WrongType);
    };
    let mut deleted = 0;
    for f in fields {
        if h.remove(f) {
            deleted += 1;
            if h.is_empty() {
                break;
            }
        }
    }
    let emptied = h.is_empty();
    if emptied {
        ctx.srv.dbs[db].remove(key);
    } else {
        h.compact();
    }
    if deleted > 0 {
        ctx.modified(key, notify::HASH, "hdel", deleted);
        if emptied {
            ctx.notify(notify::GENERIC, "del", key);
        }
    }
    ctx.out.int(deleted as i64);
    Ok(())
}

/// HLEN key
pub fn hlen(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let n = read_hash(ctx.srv, ctx.frame, ctx.client.db, key)?.map_or(0, |h| h.len());
    ctx.out.int(n as i64);
    Ok(())
}

/// HSTRLEN key field
pub fn hstrlen(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, field) = (a.next_bytes()?, a.next_bytes()?);
    let h = read_hash(ctx.srv, ctx.frame, ctx.client.db, key)?;
    let n = h.and_then(|h| h.get(field)).map_or(0, |v| v.len());
    ctx.out.int(n as i64);
    Ok(())
}

/// HEXISTS key field
pub fn hexists(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, field) = (a.next_bytes()?, a.next_bytes()?);
    let h = read_hash(ctx.srv, ctx.frame, ctx.client.db, key)?;
    let found = h.is_some_and(|h| h.contains(field));
    ctx.out.int(i64::from(found));
    Ok(())
}

/// HGETALL key
pub fn hgetall(ctx: &mut Ctx) -> CmdResult {
    getall_generic(ctx, true, true)
}

/// HKEYS key
pub fn hkeys(ctx: &mut Ctx) -> CmdResult {
    getall_generic(ctx, true, false)
}

/// HVALS key
pub fn hvals(ctx: &mut Ctx) -> CmdResult {
    getall_generic(ctx, false, true)
}

/// The core of HGETALL (a map), HKEYS and HVALS (arrays).
fn getall_generic(ctx: &mut Ctx, fields: bool, values: bool) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let h = read_hash(ctx.srv, ctx.frame, ctx.client.db, key)?;
    let n = h.map_or(0, |h| h.len());
    if fields && values {
        ctx.out.map(n);
    } else {
        ctx.out.array(n);
    }
    for (f, v) in h.iter().flat_map(|h| h.iter()) {
        if fields {
            ctx.out.bulk(f);
        }
        if values {
            ctx.out.bulk(v);
        }
    }
    Ok(())
}

/// HINCRBY key field increment
pub fn hincrby(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, field) = (a.next_bytes()?, a.next_bytes()?);
    let incr = a.next_i64()?;
    let lim = limits(ctx);
    let new = with_hash(ctx, key, |h| {
        let old = match h.get(field) {
            None => 0,
            Some(v) => parse_i64(v).ok_or(CmdError::Msg("ERR hash value is not an integer"))?,
        };
        let new = old.checked_add(incr).ok_or(CmdError::Overflow)?;
        let mut buf = [0u8; 20];
        h.set(field, i64_digits(new, &mut buf), lim);
        Ok(new)
    })?;
    ctx.modified(key, notify::HASH, "hincrby", 1);
    ctx.out.int(new);
    Ok(())
}

/// HINCRBYFLOAT key field increment
pub fn hincrbyfloat(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, field) = (a.next_bytes()?, a.next_bytes()?);
    // Redis adds in long double; so do we, in software (see ldouble).
    let incr = match ldouble::parse(a.next_bytes()?).ok_or(CmdError::NotFloat)? {
        Num::Finite(x) => x,
        Num::Inf => return Err(CmdError::Msg("ERR value is NaN or Infinity")),
    };
    let lim = limits(ctx);
    let text = with_hash(ctx, key, |h| {
        let old = match h.get(field) {
            None => Num::Finite(F80::from_i64(0)),
            Some(v) => ldouble::parse(v).ok_or(CmdError::Msg("ERR hash value is not a float"))?,
        };
        let Num::Finite(new) = (match old {
            Num::Finite(old) => old.plus(incr),
            Num::Inf => Num::Inf,
        }) else {
            return Err(CmdError::Msg("ERR increment would produce NaN or Infinity"));
        };
        let text = new.to_human();
        h.set(field, text.as_bytes(), lim);
        Ok(text)
    })?;
    ctx.modified(key, notify::HASH, "hincrbyfloat", 1);
    // The exact result, not the increment: replay must not re-round.
    ctx.propagate_as(&[b"HSET", key, field, text.as_bytes()]);
    ctx.out.bulk(text.as_bytes());
    Ok(())
}

/// HRANDFIELD key [count [WITHVALUES]]
pub fn hrandfield(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    if a.is_empty() {
        let mut rng = ctx.srv.rng.clone();
        match read_hash(ctx.srv, ctx.frame, ctx.client.db, key)?.and_then(|h| h.random(&mut rng)) {
            Some((f, _)) => ctx.out.bulk(f),
            None => ctx.out.null(),
        }
        ctx.srv.rng = rng;
        return Ok(());
    }
    let count = a.next_i64()?;
    if count == i64::MIN {
        return Err(CmdError::Msg(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let withvalues = match a.remaining() {
        0 => false,
        1 if is(a.peek().unwrap_or_default(), "withvalues") => true,
        _ => return Err(CmdError::Syntax),
    };
    if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CmdError::Msg("ERR value is out of range"));
    }
    randfield_count(ctx, key, count, withvalues)
}

/// HRANDFIELD with a count (Redis's `hrandfieldWithCountCommand`): a
/// negative count samples with repetition, a positive one returns distinct
/// fields, the whole hash when it asks for at least that many.
fn randfield_count(ctx: &mut Ctx, key: &[u8], count: i64, withvalues: bool) -> CmdResult {
    // A huge negative count stops once the client is past its hard output
    // limit (it is closed after the command), as Redis stops on CLOSE_ASAP.
    let hard = usize::try_from(ctx.srv.config.obuf_normal().hard).unwrap_or(usize::MAX);
    let mut rng = ctx.srv.rng.clone();
    let result = randfield_reply(ctx, key, count, withvalues, hard, &mut rng);
    ctx.srv.rng = rng;
    result
}

fn randfield_reply(
    ctx: &mut Ctx,
    key: &[u8],
    count: i64,
    withvalues: bool,
    hard: usize,
    rng: &mut Rng,
) -> CmdResult {
    let Some(h) = read_hash(ctx.srv, ctx.frame, ctx.client.db, key)? else {
        ctx.out.array(0);
        return Ok(());
    };
    let out = &mut *ctx.out;
    let n = count.unsigned_abs();
    if n == 0 {
        out.array(0);
        return Ok(());
    }
    // RESP2 flattens field/value pairs; RESP3 nests them.
    let flat = withvalues && !out.is_resp3();
    let header = |out: &mut Out, n: u64| out.array(n as usize * if flat { 2 } else { 1 });
    if count < 0 || n == 1 {
        header(out, n);
        h.random_pairs(n, rng, |f, v| {
            reply_pair(out, f, v, withvalues);
            hard == 0 || out.buf.len() <= hard
        });
    } else if n >= h.len() as u64 {
        header(out, h.len() as u64);
        for (f, v) in h.iter() {
            reply_pair(out, f, v, withvalues);
        }
    } else {
        header(out, n);
        for (f, v) in h.random_distinct(n as usize, rng) {
            reply_pair(out, f, v, withvalues);
        }
    }
    Ok(())
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]
pub fn hscan(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let cursor = parse_cursor(a.next_bytes()?)?;
    let Some(h) = read_hash(ctx.srv, ctx.frame, ctx.client.db, key)? else {
        reply_empty_scan(ctx.out);
        return Ok(());
    };
    // Options are checked only once the key is known to be a hash.
    let ScanOpts { count, pattern, .. } = parse_scan_opts(&mut a, false)?;
    let mut found: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let next = h.scan(cursor, count, |f, v| {
        if pattern.is_none_or(|p| glob_match(p, f, false)) {
            found.push((f.to_vec(), v.to_vec()));
        }
    });
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.array(found.len() * 2);
    for (f, v) in found {
        ctx.out.bulk(&f);
        ctx.out.bulk(&v);
    }
    Ok(())
}
