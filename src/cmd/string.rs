//! String commands (Redis's `t_string.c`): GET/SET and their variants,
//! counters, ranges and LCS.
//!
//! Every write signals WATCH and publishes the keyspace events
//! `t_string.c` publishes, in the same order; a command that changes
//! nothing (SET NX on an existing key, SETRANGE with an empty value, GETEX
//! without options) publishes and signals nothing.
//!
//! Commands that read a key and then store it (SET and its variants,
//! INCR, APPEND, SETRANGE, MSET) look it up through a [`Slot`], so the
//! key is hashed once per command.

use super::args::is;
use super::{Args, CmdError, CmdResult, Ctx};
use crate::db::{Str, Ttl, Value};
use crate::frame::Frame;
use crate::ldouble::{self, Num, F80};
use crate::notify::{GENERIC, STRING};
use crate::state::State;
use crate::util::parse_i64;

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// The live string at `key` for reading: `Ok(None)` if absent,
/// WRONGTYPE if it holds another type. Side effects: lazy expiry, stats.
fn read_str<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s Str>, CmdError> {
    match srv.lookup_read(f, db, key) {
        None => Ok(None),
        Some(e) => match &e.val {
            Value::Str(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// GET's logic, shared by GETSET, GETDEL, SET ... GET: replies with the
/// value or null.
fn reply_get(ctx: &mut Ctx, key: &[u8]) -> CmdResult {
    match ctx.srv.lookup_read(ctx.frame, ctx.client.db, key) {
        None => ctx.out.null(),
        Some(e) => match &e.val {
            Value::Str(s) => {
                let mut buf = [0u8; 20];
                ctx.out.bulk(s.as_bytes(&mut buf));
            }
            _ => return Err(CmdError::WrongType),
        },
    }
    Ok(())
}

/// Redis's `checkStringLength`: the result may not exceed `limit`
/// (`proto-max-bulk-len`).
fn check_len(limit: i64, len: u64, add: u64) -> CmdResult {
    match len.checked_add(add) {
        Some(t) if t <= limit as u64 => Ok(()),
        _ => Err(CmdError::Msg(
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        )),
    }
}

fn expire_error(ctx: &Ctx) -> CmdError {
    CmdError::Owned(format!(
        "ERR invalid expire time in '{}' command",
        super::fullname(ctx.cmd, ctx.parent)
    ))
}

/// Turns an expire argument into absolute Unix ms, with Redis's checks:
/// positive, no overflow in unit conversion or base-time addition.
fn expire_at_ms(ctx: &Ctx, arg: &[u8], unit: Unit, relative: bool) -> Result<i64, CmdError> {
    let v = parse_i64(arg).ok_or(CmdError::NotInteger)?;
    if v <= 0 || (unit == Unit::Seconds && v > i64::MAX / 1000) {
        return Err(expire_error(ctx));
    }
    let ms = if unit == Unit::Seconds { v * 1000 } else { v };
    let ms = if relative {
        ms.checked_add(ctx.now())
    } else {
        Some(ms)
    };
    match ms {
        Some(ms) if ms > 0 => Ok(ms),
        _ => Err(expire_error(ctx)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Seconds,
    Millis,
}

/// The options shared by SET and GETEX (Redis's
/// `parseExtendedStringArgumentsOrReply`), with its exact precedence rules.
#[derive(Debug, Default)]
struct ExtOpts<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    /// (argument, unit, relative)
    expire: Option<(&'a [u8], Unit, bool)>,
}

fn parse_ext<'a>(a: &mut Args<'a>, is_set: bool) -> Result<ExtOpts<'a>, CmdError> {
    let mut o = ExtOpts::default();
    while let Ok(opt) = a.next_bytes() {
        let has_expire = o.expire.is_some();
        if is(opt, "nx") && !o.xx && is_set {
            o.nx = true;
        } else if is(opt, "xx") && !o.nx && is_set {
            o.xx = true;
        } else if is(opt, "get") && is_set {
            o.get = true;
        } else if is(opt, "keepttl") && !o.persist && !has_expire && is_set {
            o.keepttl = true;
        } else if is(opt, "persist") && !is_set && !has_expire && !o.keepttl {
            o.persist = true;
        } else if let Some((unit, relative)) = expire_kind(opt) {
            // The same kind may repeat (the last wins); kinds may not mix.
            let same_kind = o.expire.is_none_or(|(_, u, r)| u == unit && r == relative);
            if o.keepttl || o.persist || !same_kind || a.is_empty() {
                return Err(CmdError::Syntax);
            }
            o.expire = Some((a.next_bytes()?, unit, relative));
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(o)
}

fn expire_kind(opt: &[u8]) -> Option<(Unit, bool)> {
    if is(opt, "ex") {
        Some((Unit::Seconds, true))
    } else if is(opt, "px") {
        Some((Unit::Millis, true))
    } else if is(opt, "exat") {
        Some((Unit::Seconds, false))
    } else if is(opt, "pxat") {
        Some((Unit::Millis, false))
    } else {
        None
    }
}

/// What SET-like commands reply when they did (or did not) store.
#[derive(Clone, Copy)]
enum SetReply {
    Ok,
    OneZero,
}

/// The core of SET, SETNX, SETEX, PSETEX (Redis's `setGenericCommand`).
/// Side effects: dirty, WATCH, events `set` and (with a TTL) `expire`.
fn set_generic(ctx: &mut Ctx, key: &[u8], val: &[u8], o: &ExtOpts, reply: SetReply) -> CmdResult {
    let expire = match o.expire {
        Some((arg, unit, relative)) => Some(expire_at_ms(ctx, arg, unit, relative)?),
        None => None,
    };
    if o.get {
        reply_get(ctx, key)?;
    }
    let (db, now) = (ctx.client.db, ctx.now());
    let slot = ctx.srv.lookup_slot(ctx.frame, db, key);
    let found = slot.found();
    if (o.nx && found) || (o.xx && !found) {
        if !o.get {
            match reply {
                SetReply::Ok => ctx.out.null(),
                SetReply::OneZero => ctx.out.int(0),
            }
        }
        return Ok(());
    }
    // A time already past still sets it (Redis 7.0 does too): the key
    // then expires on its next access, with an `expired` event.
    let ttl = match expire {
        Some(ms) => Ttl::At(ms),
        None if o.keepttl => Ttl::Keep,
        None => Ttl::Clear,
    };
    slot.put(Value::Str(Str::from_bytes(val)), ttl, now);
    ctx.modified(key, STRING, "set", 1);
    if let Some(ms) = expire {
        // Logged with an absolute time, so replaying gives the same expiry.
        ctx.propagate_as(&[b"SET", key, val, b"PXAT", ms.to_string().as_bytes()]);
        ctx.notify(GENERIC, "expire", key);
    }
    if !o.get {
        match reply {
            SetReply::Ok => ctx.out.ok(),
            SetReply::OneZero => ctx.out.int(1),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

/// GET key
pub fn get(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    reply_get(ctx, key)
}

/// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ts-ms|KEEPTTL]
pub fn set(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, val) = (a.next_bytes()?, a.next_bytes()?);
    let opts = parse_ext(&mut a, true)?;
    set_generic(ctx, key, val, &opts, SetReply::Ok)
}

/// SETNX key value
pub fn setnx(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, val) = (a.next_bytes()?, a.next_bytes()?);
    let opts = ExtOpts {
        nx: true,
        ..ExtOpts::default()
    };
    set_generic(ctx, key, val, &opts, SetReply::OneZero)
}

/// SETEX key seconds value
pub fn setex(ctx: &mut Ctx) -> CmdResult {
    setex_generic(ctx, Unit::Seconds)
}

/// PSETEX key milliseconds value
pub fn psetex(ctx: &mut Ctx) -> CmdResult {
    setex_generic(ctx, Unit::Millis)
}

fn setex_generic(ctx: &mut Ctx, unit: Unit) -> CmdResult {
    let mut a = ctx.args();
    let (key, ttl, val) = (a.next_bytes()?, a.next_bytes()?, a.next_bytes()?);
    let opts = ExtOpts {
        expire: Some((ttl, unit, true)),
        ..ExtOpts::default()
    };
    set_generic(ctx, key, val, &opts, SetReply::Ok)
}

/// GETSET key value
pub fn getset(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, val) = (a.next_bytes()?, a.next_bytes()?);
    reply_get(ctx, key)?;
    let now = ctx.now();
    let db = ctx.client.db;
    ctx.srv.dbs[db].set(key, Value::Str(Str::from_bytes(val)), false, now);
    ctx.modified(key, STRING, "set", 1);
    Ok(())
}

/// GETDEL key
pub fn getdel(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    reply_get(ctx, key)?;
    let db = ctx.client.db;
    if ctx.srv.dbs[db].remove(key) {
        ctx.propagate_as(&[b"DEL", key]);
        ctx.modified(key, GENERIC, "del", 1);
    }
    Ok(())
}

/// GETEX key [EX s|PX ms|EXAT ts|PXAT ts-ms|PERSIST]
pub fn getex(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let o = parse_ext(&mut a, false)?;
    if read_str(ctx.srv, ctx.frame, ctx.client.db, key)?.is_none() {
        ctx.out.null();
        return Ok(());
    }
    let expire = match o.expire {
        Some((arg, unit, relative)) => Some((expire_at_ms(ctx, arg, unit, relative)?, relative)),
        None => None,
    };
    reply_get(ctx, key)?;
    let now = ctx.expire_now();
    let db = ctx.client.db;
    let d = &mut ctx.srv.dbs[db];
    let event = match expire {
        // Only an absolute time can be already past.
        Some((ms, false)) if ms <= now => {
            d.delete(key, d.free.expire);
            ctx.propagate_as(&[b"DEL", key]);
            "del"
        }
        Some((ms, _)) => {
            d.set_expire(key, ms);
            ctx.propagate_as(&[b"PEXPIREAT", key, ms.to_string().as_bytes()]);
            "expire"
        }
        None if o.persist && d.persist(key) => "persist",
        // No option, or PERSIST on a key without a TTL: nothing changed.
        None => return Ok(()),
    };
    ctx.modified(key, GENERIC, event, 1);
    Ok(())
}

/// MGET key [key ...]
pub fn mget(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    ctx.out.array(keys.len());
    let db = ctx.client.db;
    for k in keys {
        match ctx.srv.lookup_read(ctx.frame, db, k).map(|e| &e.val) {
            Some(Value::Str(s)) => {
                let mut buf = [0u8; 20];
                ctx.out.bulk(s.as_bytes(&mut buf));
            }
            _ => ctx.out.null(),
        }
    }
    Ok(())
}

/// MSET key value [key value ...]
pub fn mset(ctx: &mut Ctx) -> CmdResult {
    mset_generic(ctx, false)
}

/// MSETNX key value [key value ...]
pub fn msetnx(ctx: &mut Ctx) -> CmdResult {
    mset_generic(ctx, true)
}

fn mset_generic(ctx: &mut Ctx, nx: bool) -> CmdResult {
    let pairs = ctx.args().rest();
    if !pairs.len().is_multiple_of(2) {
        return Err(CmdError::WrongArgs);
    }
    let db = ctx.client.db;
    if nx {
        for kv in pairs.chunks(2) {
            if ctx.srv.lookup_write(ctx.frame, db, &kv[0]).is_some() {
                ctx.out.int(0);
                return Ok(());
            }
        }
    }
    let (now, clock) = (ctx.now(), ctx.expire_now());
    for kv in pairs.chunks(2) {
        let slot = ctx.srv.dbs[db].entry(&kv[0], clock);
        slot.put(Value::Str(Str::from_bytes(&kv[1])), Ttl::Clear, now);
        // Key by key, so each key's `new` (if any) precedes its `set`.
        ctx.modified(&kv[0], STRING, "set", 1);
    }
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
    Ok(())
}

/// APPEND key value
pub fn append(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, val) = (a.next_bytes()?, a.next_bytes()?);
    let (db, now) = (ctx.client.db, ctx.now());
    let limit = ctx.srv.config.proto_max_bulk_len;
    let mut slot = ctx.srv.lookup_slot(ctx.frame, db, key);
    let total = match slot.get() {
        None => {
            slot.put(Value::Str(Str::from_bytes(val)), Ttl::Clear, now);
            val.len()
        }
        Some(e) => {
            let Value::Str(s) = &mut e.val else {
                return Err(CmdError::WrongType);
            };
            check_len(limit, s.len() as u64, val.len() as u64)?;
            let raw = s.make_raw();
            raw.extend_from_slice(val);
            raw.len()
        }
    };
    // Even an empty append counts as a change, as in Redis.
    ctx.modified(key, STRING, "append", 1);
    ctx.out.int(total as i64);
    Ok(())
}

/// STRLEN key
pub fn strlen(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let n = read_str(ctx.srv, ctx.frame, ctx.client.db, key)?.map_or(0, |s| s.len());
    ctx.out.int(n as i64);
    Ok(())
}

/// INCR key
pub fn incr(ctx: &mut Ctx) -> CmdResult {
    incr_generic(ctx, 1)
}

/// DECR key
pub fn decr(ctx: &mut Ctx) -> CmdResult {
    incr_generic(ctx, -1)
}

/// INCRBY key increment
pub fn incrby(ctx: &mut Ctx) -> CmdResult {
    let by = ctx.args().nth_i64(1)?;
    incr_generic(ctx, by)
}

/// DECRBY key decrement
pub fn decrby(ctx: &mut Ctx) -> CmdResult {
    let by = ctx.args().nth_i64(1)?;
    if by == i64::MIN {
        return Err(CmdError::Msg("ERR decrement would overflow"));
    }
    incr_generic(ctx, -by)
}

/// The core of INCR, DECR, INCRBY, DECRBY. Keeps the key's TTL.
/// Side effects: dirty, WATCH, event `incrby` (for all four, as Redis).
fn incr_generic(ctx: &mut Ctx, by: i64) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let (db, now) = (ctx.client.db, ctx.now());
    let mut slot = ctx.srv.lookup_slot(ctx.frame, db, key);
    let old = match slot.get() {
        None => 0,
        Some(e) => match &e.val {
            Value::Str(s) => s.as_i64().ok_or(CmdError::NotInteger)?,
            _ => return Err(CmdError::WrongType),
        },
    };
    let new = old.checked_add(by).ok_or(CmdError::Overflow)?;
    slot.put(Value::Str(Str::Int(new)), Ttl::Keep, now);
    ctx.modified(key, STRING, "incrby", 1);
    ctx.out.int(new);
    Ok(())
}

/// INCRBYFLOAT key increment
pub fn incrbyfloat(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (key, incr) = (a.next_bytes()?, a.next_bytes()?);
    let (db, now) = (ctx.client.db, ctx.now());
    // Redis adds in long double; so do we, in software (see ldouble).
    let mut slot = ctx.srv.lookup_slot(ctx.frame, db, key);
    let old = match slot.get() {
        None => Num::Finite(F80::from_i64(0)),
        Some(e) => match &e.val {
            Value::Str(Str::Int(n)) => Num::Finite(F80::from_i64(*n)),
            Value::Str(s) => ldouble::parse(&s.to_vec()).ok_or(CmdError::NotFloat)?,
            _ => return Err(CmdError::WrongType),
        },
    };
    let incr = ldouble::parse(incr).ok_or(CmdError::NotFloat)?;
    let new = match (old, incr) {
        (Num::Finite(a), Num::Finite(b)) => a.plus(b),
        _ => Num::Inf,
    };
    let Num::Finite(new) = new else {
        return Err(CmdError::Msg("ERR increment would produce NaN or Infinity"));
    };
    let text = new.to_human();
    slot.put(
        Value::Str(Str::from_bytes_no_int(text.as_bytes())),
        Ttl::Keep,
        now,
    );
    ctx.modified(key, STRING, "incrbyfloat", 1);
    // The exact result, not the increment: replay must not re-round.
    ctx.propagate_as(&[b"SET", key, text.as_bytes(), b"KEEPTTL"]);
    ctx.out.bulk(text.as_bytes());
    Ok(())
}

/// GETRANGE key start end (also SUBSTR)
pub fn getrange(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let (mut start, mut end) = (a.next_i64()?, a.next_i64()?);
    let mut buf = [0u8; 20];
    let Some(s) = read_str(ctx.srv, ctx.frame, ctx.client.db, key)? else {
        ctx.out.bulk(b"");
        return Ok(());
    };
    let s = s.as_bytes(&mut buf);
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        ctx.out.bulk(b"");
        return Ok(());
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        ctx.out.bulk(b"");
    } else {
        ctx.out.bulk(&s[start as usize..=end as usize]);
    }
    Ok(())
}

/// SETRANGE key offset value
pub fn setrange(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let offset = a.next_i64()?;
    let val = a.next_bytes()?;
    if offset < 0 {
        return Err(CmdError::Msg("ERR offset is out of range"));
    }
    let offset = offset as u64;
    let (db, now) = (ctx.client.db, ctx.now());
    let limit = ctx.srv.config.proto_max_bulk_len;
    let mut slot = ctx.srv.lookup_slot(ctx.frame, db, key);
    let old = match slot.get() {
        None => None,
        Some(e) => match &mut e.val {
            Value::Str(s) => Some(s),
            _ => return Err(CmdError::WrongType),
        },
    };
    if val.is_empty() {
        let len = old.map_or(0, |s| s.len());
        ctx.out.int(len as i64);
        return Ok(());
    }
    check_len(limit, offset, val.len() as u64)?;
    // A new key starts as an empty raw string, padded like an old one.
    let (created, mut fresh) = (old.is_none(), Str::Raw(Vec::new()));
    let raw = old.unwrap_or(&mut fresh).make_raw();
    let end = offset as usize + val.len();
    if raw.len() < end {
        raw.resize(end, 0);
    }
    raw[offset as usize..end].copy_from_slice(val);
    let len = raw.len();
    if created {
        slot.put(Value::Str(fresh), Ttl::Clear, now);
    }
    ctx.modified(key, STRING, "setrange", 1);
    ctx.out.int(len as i64);
    Ok(())
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
pub fn lcs(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (ka, kb) = (a.next_bytes()?, a.next_bytes()?);
    let db = ctx.client.db;
    let mut fetch = |key: &[u8]| -> Result<Vec<u8>, CmdError> {
        match ctx.srv.lookup_read(ctx.frame, db, key).map(|e| &e.val) {
            None => Ok(Vec::new()),
            Some(Value::Str(s)) => Ok(s.to_vec()),
            Some(_) => Err(CmdError::Msg(
                "ERR The specified keys must contain string values",
            )),
        }
    };
    let (sa, sb) = (fetch(ka), fetch(kb));
    let (sa, sb) = (sa?, sb?);
    let (mut idx, mut len_only, mut withlen, mut minlen) = (false, false, false, 0i64);
    while let Ok(opt) = a.next_bytes() {
        if is(opt, "idx") {
            idx = true;
        } else if is(opt, "len") {
            len_only = true;
        } else if is(opt, "withmatchlen") {
            withlen = true;
        } else if is(opt, "minmatchlen") && !a.is_empty() {
            minlen = a.next_i64()?.max(0);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if idx && len_only {
        return Err(CmdError::Msg(
            "ERR If you want both the length and indexes, please just use IDX.",
        ));
    }
    // The table is O(N*M): bounded by proto-max-bulk-len, as in Redis.
    let cells = (sa.len() as u64 + 1).saturating_mul(sb.len() as u64 + 1);
    if cells.saturating_mul(4) > ctx.srv.config.proto_max_bulk_len as u64 {
        return Err(CmdError::Msg(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    let table = LcsTable::build(&sa, &sb).ok_or(CmdError::Msg(
        "ERR Insufficient memory, failed allocating transient memory for LCS",
    ))?;
    let total = table.at(sa.len(), sb.len());
    if len_only {
        ctx.out.int(i64::from(total));
        return Ok(());
    }
    let (string, ranges) = table.walk(&sa, &sb, minlen as u64);
    if !idx {
        ctx.out.bulk(&string);
        return Ok(());
    }
    ctx.out.map(2);
    ctx.out.bulk(b"matches");
    ctx.out.array(ranges.len());
    for r in &ranges {
        ctx.out.array(2 + usize::from(withlen));
        ctx.out.array(2);
        ctx.out.int(r.a.0 as i64);
        ctx.out.int(r.a.1 as i64);
        ctx.out.array(2);
        ctx.out.int(r.b.0 as i64);
        ctx.out.int(r.b.1 as i64);
        if withlen {
            ctx.out.int((r.a.1 - r.a.0 + 1) as i64);
        }
    }
    ctx.out.bulk(b"len");
    ctx.out.int(i64::from(total));
    Ok(())
}

/// A matched range in LCS IDX output: inclusive (start, end) in each string.
struct LcsRange {
    a: (usize, usize),
    b: (usize, usize),
}

/// The dynamic-programming table of LCS lengths.
struct LcsTable {
    cols: usize,
    dp: Vec<u32>,
}

impl LcsTable {
    fn build(a: &[u8], b: &[u8]) -> Option<LcsTable> {
        let cols = b.len() + 1;
        let cells = (a.len() + 1).checked_mul(cols)?;
        let mut dp: Vec<u32> = Vec::new();
        dp.try_reserve_exact(cells).ok()?;
        dp.resize(cells, 0);
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                dp[i * cols + j] = if a[i - 1] == b[j - 1] {
                    dp[(i - 1) * cols + j - 1] + 1
                } else {
                    dp[(i - 1) * cols + j].max(dp[i * cols + j - 1])
                };
            }
        }
        Some(LcsTable { cols, dp })
    }

    fn at(&self, i: usize, j: usize) -> u32 {
        self.dp[i * self.cols + j]
    }

    /// Walks back from the end, collecting the LCS string and the matched
    /// ranges (longest-first from the end), exactly as Redis emits them.
    fn walk(&self, a: &[u8], b: &[u8], minlen: u64) -> (Vec<u8>, Vec<LcsRange>) {
        let mut out = vec![0u8; self.at(a.len(), b.len()) as usize];
        let mut k = out.len();
        let mut ranges = Vec::new();
        let (mut i, mut j) = (a.len(), b.len());
        let mut cur: Option<LcsRange> = None;
        while i > 0 && j > 0 {
            let mut emit = false;
            if a[i - 1] == b[j - 1] {
                out[k - 1] = a[i - 1];
                match &mut cur {
                    None => {
                        cur = Some(LcsRange {
                            a: (i - 1, i - 1),
                            b: (j - 1, j - 1),
                        })
                    }
                    Some(r) if r.a.0 == i && r.b.0 == j => {
                        r.a.0 -= 1;
                        r.b.0 -= 1;
                    }
                    Some(_) => emit = true,
                }
                if cur.as_ref().is_some_and(|r| r.a.0 == 0 || r.b.0 == 0) {
                    emit = true;
                }
                k -= 1;
                i -= 1;
                j -= 1;
            } else {
                if self.at(i - 1, j) > self.at(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                if cur.is_some() {
                    emit = true;
                }
            }
            if emit {
                if let Some(r) = cur.take() {
                    if minlen == 0 || (r.a.1 - r.a.0 + 1) as u64 >= minlen {
                        ranges.push(r);
                    }
                }
            }
        }
        (out, ranges)
    }
}

impl<'a> Args<'a> {
    /// The integer at offset `n` from the cursor, without consuming
    /// (INCRBY parses its increment before looking at the key).
    pub fn nth_i64(&self, n: usize) -> Result<i64, CmdError> {
        let mut c = self.clone();
        for _ in 0..n {
            c.next_bytes()?;
        }
        c.next_i64()
    }
}

/// Parses a strict integer argument (helper for other groups).
pub fn int_arg(b: &[u8]) -> Result<i64, CmdError> {
    parse_i64(b).ok_or(CmdError::NotInteger)
}
