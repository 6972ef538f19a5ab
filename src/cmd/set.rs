//! Set commands (the command half of Redis's `t_set.c`): membership,
//! random sampling and popping, SMOVE, the set algebra with its STORE and
//! CARD variants, and SSCAN. The structure, its encodings and the algebra
//! live in [`crate::db::set`].
//!
//! A command that changes a key publishes the keyspace events Redis does,
//! in the same order, and signals the key for WATCH; one that changes
//! nothing (or fails) does neither.

use std::collections::HashMap;

use bytes::Bytes;

use super::args::is;
use super::keys::parse_cursor;
use super::keys::{parse_scan_opts, reply_empty_scan, ScanOpts};
use super::{Args, CmdError, CmdResult, Ctx};
use crate::db::set::{self, partial_shuffle, Member, Set};
use crate::db::Value;
use crate::frame::Frame;
use crate::notify;
use crate::resp::Out;
use crate::state::State;
use crate::util::{glob_match, parse_i64, Rng};

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// SPOP's count error (Redis's `shared.outofrangeerr`), for a count that is
/// negative or not a number at all.
const COUNT_RANGE: CmdError = CmdError::Msg("ERR value is out of range, must be positive");

/// SREM commands an SPOP with a count is propagated as carry at most this
/// many members each, so a huge pop does not become one huge command.
const SREM_BATCH: usize = 1024;

/// The live set at `key` for reading: `Ok(None)` if absent, WRONGTYPE if
/// it holds another type. Side effects: lazy expiry, keyspace stats.
fn read_set<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut Set>, CmdError> {
    match srv.lookup_read(f, db, key) {
        None => Ok(None),
        Some(e) => match &mut e.val {
            Value::Set(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// [`read_set`] for a command about to modify the set: no hit/miss stats.
fn write_set<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut Set>, CmdError> {
    match srv.lookup_write(f, db, key) {
        None => Ok(None),
        Some(e) => match &mut e.val {
            Value::Set(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The set at `key` with no bookkeeping: for a second access after
/// [`read_set`] or [`write_set`] did the lookup.
fn set_mut<'s>(srv: &'s mut State, db: usize, key: &[u8]) -> Option<&'s mut Set> {
    let clock = srv.expire_clock();
    match &mut srv.dbs[db].get(key, clock)?.val {
        Value::Set(s) => Some(s),
        _ => None,
    }
}

/// [`set_mut`] together with the server's random generator.
fn set_and_rng<'s>(
    srv: &'s mut State,
    db: usize,
    key: &[u8],
) -> Option<(&'s mut Set, &'s mut Rng)> {
    let clock = srv.expire_clock();
    let State { dbs, rng, .. } = srv;
    match &mut dbs[db].get(key, clock)?.val {
        Value::Set(s) => Some((s, rng)),
        _ => None,
    }
}

/// `set-max-intset-entries` from the live configuration.
fn max_ints(ctx: &Ctx) -> usize {
    ctx.srv.config.set_max_intset_entries
}

fn reply_member(out: &mut Out, m: Member) {
    match m {
        Member::Int(v) => out.bulk_i64(v),
        Member::Str(s) => out.bulk(s),
    }
}

/// Stores the result of a STORE variant at `dst`, replacing any value and
/// TTL, and publishes `event` (`sinterstore`, ...); or, when the result is
/// empty, deletes `dst` (`del`) if it was there. Replies with the size.
/// An empty result removes even a `dst` that expired but is still
/// stored, announcing `del` rather than `expired`, as Redis's `dbDelete`
/// does. Side effects: lazy expiry of `dst`, dirty, keyspace events,
/// WATCH.
fn store_result(ctx: &mut Ctx, dst: &[u8], result: Set, event: &str) {
    let db = ctx.client.db;
    let n = result.len();
    if n == 0 {
        if ctx.srv.dbs[db].remove(dst) {
            ctx.modified(dst, notify::GENERIC, "del", 1);
        }
    } else {
        ctx.srv.lookup_write(ctx.frame, db, dst);
        let now = ctx.now();
        ctx.srv.dbs[db].set(dst, Value::Set(result), false, now);
        ctx.modified(dst, notify::SET, event, 1);
    }
    ctx.out.int(n as i64);
}

/// The source sets of a multi-key command. The keyspace lends one `&mut`
/// at a time, so the sets are moved out while the command reads them
/// together, and given back before anything is stored (the destination
/// may be a source). A key named twice shares one slot.
struct Loan<'k> {
    keys: Vec<&'k [u8]>,
    sets: Vec<Set>,
    /// Per argument key: its index in `sets`, `None` for a missing key.
    slots: Vec<Option<usize>>,
}

impl<'k> Loan<'k> {
    /// Looks every key up and checks every type first, as Redis does: a
    /// wrong type anywhere fails the command, a missing key is an empty
    /// set. Returns whether each key holds a set. Side effects: lazy
    /// expiry, keyspace stats.
    fn check(ctx: &mut Ctx, keys: &[Bytes]) -> Result<Vec<bool>, CmdError> {
        let db = ctx.client.db;
        keys.iter()
            .map(|k| Ok(read_set(ctx.srv, ctx.frame, db, k)?.is_some()))
            .collect()
    }

    /// Moves out the sets [`Loan::check`] found.
    fn take(ctx: &mut Ctx, keys: &'k [Bytes], present: &[bool]) -> Loan<'k> {
        let db = ctx.client.db;
        let mut loan = Loan {
            keys: Vec::new(),
            sets: Vec::new(),
            slots: Vec::with_capacity(keys.len()),
        };
        let mut index: HashMap<&[u8], usize> = HashMap::new();
        for (k, &here) in keys.iter().zip(present) {
            if !here {
                loan.slots.push(None);
                continue;
            }
            if let Some(&i) = index.get(&k[..]) {
                loan.slots.push(Some(i));
                continue;
            }
            let s = set_mut(ctx.srv, db, k)
                .map(std::mem::take)
                .unwrap_or_default();
            index.insert(k, loan.sets.len());
            loan.slots.push(Some(loan.sets.len()));
            loan.keys.push(k);
            loan.sets.push(s);
        }
        loan
    }

    /// The set of each argument key, `None` for a missing key.
    fn sets(&self) -> Vec<Option<&Set>> {
        self.slots
            .iter()
            .map(|s| s.map(|i| &self.sets[i]))
            .collect()
    }

    /// Puts every set back under its key.
    fn give_back(self, srv: &mut State, db: usize) {
        for (k, s) in self.keys.into_iter().zip(self.sets) {
            if let Some(slot) = set_mut(srv, db, k) {
                *slot = s;
            }
        }
    }
}

/// Where an intersection goes.
#[derive(Clone, Copy)]
enum InterTo<'a> {
    /// Replied as a set (SINTER).
    Reply,
    /// Stored at this key (SINTERSTORE).
    Store(&'a [u8]),
    /// Only counted, up to a limit, 0 for none (SINTERCARD).
    Card(usize),
}

/// SINTER, SINTERSTORE and SINTERCARD (Redis's `sinterGenericCommand`).
/// Side effects: for STORE, dirty, keyspace events, WATCH.
fn inter_generic(ctx: &mut Ctx, keys: &[Bytes], to: InterTo) -> CmdResult {
    let db = ctx.client.db;
    let present = Loan::check(ctx, keys)?;
    if present.contains(&false) {
        match to {
            InterTo::Reply => ctx.out.set(0),
            InterTo::Card(_) => ctx.out.int(0),
            InterTo::Store(dst) => store_result(ctx, dst, Set::new(), "sinterstore"),
        }
        return Ok(());
    }
    let loan = Loan::take(ctx, keys, &present);
    let sets: Vec<&Set> = loan.sets().into_iter().flatten().collect();
    let limit = match to {
        InterTo::Card(limit) => limit,
        _ => 0,
    };
    let found = set::inter(&sets, limit);
    let mut stored = None;
    match to {
        InterTo::Reply => {
            ctx.out.set(found.len());
            for &m in &found {
                reply_member(ctx.out, m);
            }
        }
        InterTo::Card(_) => ctx.out.int(found.len() as i64),
        InterTo::Store(_) => {
            let max = max_ints(ctx);
            let mut dst = Set::new();
            for &m in &found {
                dst.add_member(m, max);
            }
            stored = Some(dst);
        }
    }
    drop(found);
    drop(sets);
    loan.give_back(ctx.srv, db);
    if let (InterTo::Store(dst), Some(result)) = (to, stored) {
        store_result(ctx, dst, result, "sinterstore");
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Diff,
}

/// SUNION, SDIFF and their STORE variants (Redis's
/// `sunionDiffGenericCommand`). Side effects: for STORE, dirty, keyspace
/// events, WATCH.
fn union_diff_generic(ctx: &mut Ctx, keys: &[Bytes], dst: Option<&[u8]>, op: Op) -> CmdResult {
    let db = ctx.client.db;
    let max = max_ints(ctx);
    let present = Loan::check(ctx, keys)?;
    let loan = Loan::take(ctx, keys, &present);
    let sets = loan.sets();
    let result = match op {
        Op::Union => set::union(&sets, max),
        Op::Diff => set::diff(&sets, max),
    };
    drop(sets);
    loan.give_back(ctx.srv, db);
    match dst {
        Some(dst) => {
            let event = match op {
                Op::Union => "sunionstore",
                Op::Diff => "sdiffstore",
            };
            store_result(ctx, dst, result, event);
        }
        None => {
            ctx.out.set(result.len());
            for m in result.iter() {
                reply_member(ctx.out, m);
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

/// SADD key member [member ...]
///
/// Side effects: dirty; `sadd` and WATCH when a member was added.
pub fn sadd(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let members = a.rest();
    let max = max_ints(ctx);
    let db = ctx.client.db;
    let added = match write_set(ctx.srv, ctx.frame, db, key)? {
        Some(s) => members.iter().filter(|m| s.add(m, max)).count(),
        None => {
            let s = Set::from_members(members.iter().map(|m| &m[..]), max);
            let n = s.len();
            let now = ctx.now();
            ctx.srv.dbs[db].set(key, Value::Set(s), false, now);
            n
        }
    };
    if added > 0 {
        ctx.modified(key, notify::SET, "sadd", added as u64);
    }
    ctx.out.int(added as i64);
    Ok(())
}

/// SREM key member [member ...]
///
/// Side effects: dirty; when a member went, `srem` (then `del` if the
/// set emptied) and WATCH.
pub fn srem(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let members = a.rest();
    let db = ctx.client.db;
    let Some(s) = write_set(ctx.srv, ctx.frame, db, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let mut removed = 0;
    for m in members {
        if s.remove(m) {
            removed += 1;
            if s.is_empty() {
                break;
            }
        }
    }
    let emptied = s.is_empty();
    if emptied {
        ctx.srv.dbs[db].remove(key);
    }
    if removed > 0 {
        ctx.modified(key, notify::SET, "srem", removed);
        if emptied {
            ctx.notify(notify::GENERIC, "del", key);
        }
    }
    ctx.out.int(removed as i64);
    Ok(())
}

/// SISMEMBER key member
pub fn sismember(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, m) = (a.next_bytes()?, a.next_bytes()?);
    let found = read_set(ctx.srv, ctx.frame, ctx.client.db, key)?.is_some_and(|s| s.contains(m));
    ctx.out.int(i64::from(found));
    Ok(())
}

/// SMISMEMBER key member [member ...]
pub fn smismember(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let members = a.rest();
    let s = read_set(ctx.srv, ctx.frame, ctx.client.db, key)?;
    ctx.out.array(members.len());
    for m in members {
        let found = s.as_ref().is_some_and(|s| s.contains(m));
        ctx.out.int(i64::from(found));
    }
    Ok(())
}

/// SCARD key
pub fn scard(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let n = read_set(ctx.srv, ctx.frame, ctx.client.db, key)?.map_or(0, |s| s.len());
    ctx.out.int(n as i64);
    Ok(())
}

/// SMEMBERS key
pub fn smembers(ctx: &mut Ctx) -> CmdResult {
    // Redis 7.0 runs the one-key SINTER, which replies exactly this.
    let key = ctx.args().next_bytes()?;
    match read_set(ctx.srv, ctx.frame, ctx.client.db, key)? {
        None => ctx.out.set(0),
        Some(s) => {
            ctx.out.set(s.len());
            for m in s.iter() {
                reply_member(ctx.out, m);
            }
        }
    }
    Ok(())
}

/// SPOP key [count]
pub fn spop(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    match a.remaining() {
        0 => spop_one(ctx, key),
        1 => {
            let count = parse_i64(a.next_bytes()?)
                .filter(|&c| c >= 0)
                .ok_or(COUNT_RANGE)?;
            spop_count(ctx, key, count as u64)
        }
        _ => Err(CmdError::Syntax),
    }
}

/// SPOP without a count. Side effects: dirty, `spop` (then `del` if the
/// set emptied), WATCH; propagated as SREM of the member popped, since
/// replaying a random pop would pick another.
fn spop_one(ctx: &mut Ctx, key: &[u8]) -> CmdResult {
    let db = ctx.client.db;
    if write_set(ctx.srv, ctx.frame, db, key)?.is_none() {
        ctx.out.null();
        return Ok(());
    }
    let Some((s, rng)) = set_and_rng(ctx.srv, db, key) else {
        return Ok(());
    };
    let Some(m) = s.pop_random(rng) else {
        return Ok(());
    };
    let emptied = s.is_empty();
    if emptied {
        ctx.srv.dbs[db].remove(key);
    }
    ctx.notify(notify::SET, "spop", key);
    if emptied {
        ctx.notify(notify::GENERIC, "del", key);
    }
    ctx.signal_modified(key);
    ctx.out.bulk(&m);
    ctx.propagate_as(&[b"SREM", key, &m]);
    ctx.dirty(1);
    Ok(())
}

/// SPOP with a count (Redis's `spopWithCountCommand`): the whole set when
/// the count covers it (propagated as DEL); otherwise random pops when few
/// members go, or, when most go, a new set of the random few that stay
/// (which takes the encoding a fresh set would). Side effects: dirty,
/// `spop` (then `del` for the whole set), WATCH; propagated as SREM of
/// the members popped.
fn spop_count(ctx: &mut Ctx, key: &[u8], count: u64) -> CmdResult {
    let db = ctx.client.db;
    let max = max_ints(ctx);
    let Some(s) = write_set(ctx.srv, ctx.frame, db, key)? else {
        ctx.out.set(0);
        return Ok(());
    };
    let size = s.len() as u64;
    if count == 0 {
        ctx.out.set(0);
        return Ok(());
    }
    if count >= size {
        ctx.out.set(size as usize);
        for m in s.union_order(max) {
            reply_member(ctx.out, m);
        }
        ctx.srv.dbs[db].remove(key);
        ctx.notify(notify::SET, "spop", key);
        ctx.notify(notify::GENERIC, "del", key);
        ctx.signal_modified(key);
        ctx.propagate_as(&[b"DEL", key]);
        ctx.dirty(size);
        return Ok(());
    }
    let Some((s, rng)) = set_and_rng(ctx.srv, db, key) else {
        return Ok(());
    };
    let remaining = size - count;
    let popped: Vec<Vec<u8>> = if remaining * 5 > count {
        (0..count).filter_map(|_| s.pop_random(rng)).collect()
    } else {
        let mut all: Vec<Member> = s.iter().collect();
        partial_shuffle(&mut all, remaining as usize, rng);
        let mut kept = Set::new();
        for &m in &all[..remaining as usize] {
            m.with_bytes(|b| kept.add(b, max));
        }
        let popped = s
            .iter()
            .filter(|&m| !kept.contains_member(m))
            .map(|m| m.to_vec())
            .collect();
        *s = kept;
        popped
    };
    ctx.out.set(popped.len());
    for m in &popped {
        ctx.out.bulk(m);
    }
    for chunk in popped.chunks(SREM_BATCH) {
        let mut args: Vec<&[u8]> = Vec::with_capacity(chunk.len() + 2);
        args.extend([&b"SREM"[..], key]);
        args.extend(chunk.iter().map(|m| &m[..]));
        ctx.propagate_as(&args);
    }
    ctx.notify(notify::SET, "spop", key);
    ctx.signal_modified(key);
    ctx.dirty(count);
    Ok(())
}

/// SRANDMEMBER key [count]
pub fn srandmember(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let db = ctx.client.db;
    match a.remaining() {
        0 => {
            if read_set(ctx.srv, ctx.frame, db, key)?.is_none() {
                ctx.out.null();
                return Ok(());
            }
            if let Some((s, rng)) = set_and_rng(ctx.srv, db, key) {
                match s.random(rng) {
                    Some(m) => reply_member(ctx.out, m),
                    None => ctx.out.null(),
                }
            }
            Ok(())
        }
        1 => {
            let count = a.next_i64()?;
            if count == i64::MIN {
                return Err(CmdError::Msg(
                    "ERR value is out of range, value must between \
                     -9223372036854775807 and 9223372036854775807",
                ));
            }
            srandmember_count(ctx, key, count)
        }
        _ => Err(CmdError::Syntax),
    }
}

/// SRANDMEMBER with a count: a negative count draws that many times with
/// repeats; a positive one returns distinct members, the whole set when
/// the count covers it. Always an array, even in RESP3 (repeats).
fn srandmember_count(ctx: &mut Ctx, key: &[u8], count: i64) -> CmdResult {
    let db = ctx.client.db;
    if read_set(ctx.srv, ctx.frame, db, key)?.is_none() || count == 0 {
        ctx.out.array(0);
        return Ok(());
    }
    let Some((s, rng)) = set_and_rng(ctx.srv, db, key) else {
        return Ok(());
    };
    let n = count.unsigned_abs() as usize;
    if count < 0 {
        ctx.out.array(n);
        for _ in 0..n {
            if let Some(m) = s.random(rng) {
                reply_member(ctx.out, m);
            }
        }
    } else if n >= s.len() {
        ctx.out.array(s.len());
        for m in s.iter() {
            reply_member(ctx.out, m);
        }
    } else {
        let picked = set::sample(s, n, rng);
        ctx.out.array(picked.len());
        for m in picked {
            reply_member(ctx.out, m);
        }
    }
    Ok(())
}

/// SMOVE source destination member
///
/// Side effects: dirty; on a move, `srem` on the source (then `del` if it
/// emptied) and, if the destination lacked the member, `sadd` on it;
/// WATCH on each key that changed.
pub fn smove(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (src, dst, m) = (a.next_bytes()?, a.next_bytes()?, a.next_bytes()?);
    let db = ctx.client.db;
    let max = max_ints(ctx);
    // Both lookups first: a missing source wins over a wrong-type
    // destination, then the source's type is checked before the
    // destination's.
    let src_type = ctx
        .srv
        .lookup_write(ctx.frame, db, src)
        .map(|e| matches!(e.val, Value::Set(_)));
    let dst_type = ctx
        .srv
        .lookup_write(ctx.frame, db, dst)
        .map(|e| matches!(e.val, Value::Set(_)));
    let Some(src_is_set) = src_type else {
        ctx.out.int(0);
        return Ok(());
    };
    if !src_is_set || dst_type == Some(false) {
        return Err(CmdError::WrongType);
    }
    if src == dst {
        let found = set_mut(ctx.srv, db, src).is_some_and(|s| s.contains(m));
        ctx.out.int(i64::from(found));
        return Ok(());
    }
    let Some(s) = set_mut(ctx.srv, db, src) else {
        return Ok(());
    };
    if !s.remove(m) {
        ctx.out.int(0);
        return Ok(());
    }
    let emptied = s.is_empty();
    if emptied {
        ctx.srv.dbs[db].remove(src);
    }
    ctx.notify(notify::SET, "srem", src);
    if emptied {
        ctx.notify(notify::GENERIC, "del", src);
    }
    ctx.signal_modified(src);
    ctx.dirty(1);
    let added = match set_mut(ctx.srv, db, dst) {
        Some(d) => d.add(m, max),
        None => {
            let now = ctx.now();
            let s = Set::from_members([m], max);
            ctx.srv.dbs[db].set(dst, Value::Set(s), false, now);
            true
        }
    };
    // The destination changed only if it did not have the member yet.
    if added {
        ctx.modified(dst, notify::SET, "sadd", 1);
    }
    ctx.out.int(1);
    Ok(())
}

/// SINTER key [key ...]
pub fn sinter(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    inter_generic(ctx, keys, InterTo::Reply)
}

/// SUNION key [key ...]
pub fn sunion(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    union_diff_generic(ctx, keys, None, Op::Union)
}

/// SDIFF key [key ...]
pub fn sdiff(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    union_diff_generic(ctx, keys, None, Op::Diff)
}

/// SINTERSTORE destination key [key ...]
pub fn sinterstore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let dst = a.next_bytes()?;
    inter_generic(ctx, a.rest(), InterTo::Store(dst))
}

/// SUNIONSTORE destination key [key ...]
pub fn sunionstore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let dst = a.next_bytes()?;
    union_diff_generic(ctx, a.rest(), Some(dst), Op::Union)
}

/// SDIFFSTORE destination key [key ...]
pub fn sdiffstore(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let dst = a.next_bytes()?;
    union_diff_generic(ctx, a.rest(), Some(dst), Op::Diff)
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn sintercard(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let numkeys = parse_i64(a.next_bytes()?)
        .filter(|&n| n >= 1)
        .ok_or(CmdError::Msg("ERR numkeys should be greater than 0"))?;
    if numkeys as u64 > a.remaining() as u64 {
        return Err(CmdError::Msg(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    let (keys, opts) = a.rest().split_at(numkeys as usize);
    let mut o = Args::new(opts, 0);
    let mut limit = 0;
    while let Ok(opt) = o.next_bytes() {
        if is(opt, "limit") && !o.is_empty() {
            limit = parse_i64(o.next_bytes()?)
                .filter(|&l| l >= 0)
                .ok_or(CmdError::Msg("ERR LIMIT can't be negative"))?;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    inter_generic(ctx, keys, InterTo::Card(limit as usize))
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]
pub fn sscan(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let cursor = parse_cursor(a.next_bytes()?)?;
    let db = ctx.client.db;
    // The key is looked up before the options are read, as Redis does.
    let Some(s) = read_set(ctx.srv, ctx.frame, db, key)? else {
        reply_empty_scan(ctx.out);
        return Ok(());
    };
    let ScanOpts { count, pattern, .. } = parse_scan_opts(&mut a, false)?;
    let mut found: Vec<Vec<u8>> = Vec::new();
    let next = s.scan(cursor, count, |m| {
        m.with_bytes(|b| {
            if pattern.is_none_or(|p| glob_match(p, b, false)) {
                found.push(b.to_vec());
            }
        })
    });
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.bulk_array(&found);
    Ok(())
}
