//! Keyspace commands (Redis's `db.c` and `expire.c` command halves): DEL,
//! EXISTS, TYPE, RENAME, COPY, MOVE, KEYS, SCAN, RANDOMKEY, the FLUSH and
//! SWAPDB family, TTLs and OBJECT.
//!
//! Every write signals WATCH and publishes the keyspace events Redis's
//! `db.c` and `expire.c` publish, in the same order. FLUSHDB, FLUSHALL and
//! SWAPDB publish none; they touch watched keys through
//! [`crate::state::State::signal_db_changed`].

use super::args::is;
use super::Args;
use super::{CmdError, CmdResult, Ctx};
use crate::db::value::SHARED_INTEGERS;
use crate::db::{lru_clock, Str, Value};
use crate::notify::GENERIC;
use crate::resp::Out;
use crate::util::parse_i64;

/// Checks a database index read as an `int`.
fn db_index(ctx: &Ctx, n: i32) -> Result<usize, CmdError> {
    usize::try_from(n)
        .ok()
        .filter(|n| *n < ctx.srv.dbs.len())
        .ok_or(CmdError::DbOutOfRange)
}

/// DEL key [key ...]
///
/// Frees big values on the lazy-free thread under
/// `lazyfree-lazy-user-del`.
pub fn del(ctx: &mut Ctx) -> CmdResult {
    let lazy = ctx.srv.config.lazyfree_lazy_user_del;
    del_generic(ctx, lazy)
}

/// UNLINK key [key ...]
///
/// DEL that always frees big values on the lazy-free thread.
pub fn unlink(ctx: &mut Ctx) -> CmdResult {
    del_generic(ctx, true)
}

/// DEL and UNLINK (Redis's `delGenericCommand`). Side effects: dirty,
/// WATCH, a `del` event per key removed (keys that had expired announce
/// `expired`).
fn del_generic(ctx: &mut Ctx, lazy: bool) -> CmdResult {
    let keys = ctx.args().rest();
    let now = ctx.expire_now();
    let db = ctx.client.db;
    let mut n = 0;
    for k in keys {
        let d = &mut ctx.srv.dbs[db];
        if d.get(k, now).is_some() && d.delete(k, lazy) {
            ctx.modified(k, GENERIC, "del", 1);
            n += 1;
        }
    }
    ctx.out.int(n as i64);
    Ok(())
}

/// EXISTS key [key ...]
pub fn exists(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    let db = ctx.client.db;
    let n = keys
        .iter()
        .filter(|k| ctx.srv.lookup_notouch(ctx.frame, db, k).is_some())
        .count();
    ctx.out.int(n as i64);
    Ok(())
}

/// TOUCH key [key ...]
pub fn touch(ctx: &mut Ctx) -> CmdResult {
    let keys = ctx.args().rest();
    let db = ctx.client.db;
    let n = keys
        .iter()
        .filter(|k| ctx.srv.lookup_read(ctx.frame, db, k).is_some())
        .count();
    ctx.out.int(n as i64);
    Ok(())
}

/// TYPE key
pub fn type_(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let db = ctx.client.db;
    let name = ctx
        .srv
        .lookup_notouch(ctx.frame, db, key)
        .map_or("none", |e| e.val.type_name());
    ctx.out.simple(name);
    Ok(())
}

/// RENAME key newkey
pub fn rename(ctx: &mut Ctx) -> CmdResult {
    rename_generic(ctx, false)
}

/// RENAMENX key newkey
pub fn renamenx(ctx: &mut Ctx) -> CmdResult {
    rename_generic(ctx, true)
}

/// The core of RENAME and RENAMENX. Keeps the TTL. Side effects: dirty,
/// WATCH on both keys, events `rename_from` then `rename_to`.
fn rename_generic(ctx: &mut Ctx, nx: bool) -> CmdResult {
    let mut a = ctx.args();
    let (src, dst) = (a.next_bytes()?, a.next_bytes()?);
    let db = ctx.client.db;
    if ctx.srv.lookup_write(ctx.frame, db, src).is_none() {
        return Err(CmdError::NoSuchKey);
    }
    if src == dst {
        if nx {
            ctx.out.int(0);
        } else {
            ctx.out.ok();
        }
        return Ok(());
    }
    if nx && ctx.srv.lookup_write(ctx.frame, db, dst).is_some() {
        ctx.out.int(0);
        return Ok(());
    }
    let d = &mut ctx.srv.dbs[db];
    if let Some((entry, expire)) = d.take(src) {
        d.insert_entry(dst, entry, expire);
    }
    ctx.signal_modified(src);
    ctx.signal_modified(dst);
    ctx.notify(GENERIC, "rename_from", src);
    ctx.notify(GENERIC, "rename_to", dst);
    // As any key Redis adds (`dbAdd`): clients blocked on it may be served.
    ctx.signal_ready(dst);
    ctx.dirty(1);
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
    Ok(())
}

/// COPY source destination [DB destination-db] [REPLACE]
///
/// Side effects: dirty, WATCH and a `copy_to` event on the destination
/// only (in its database); the source is merely read.
pub fn copy(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (src, dst) = (a.next_bytes()?, a.next_bytes()?);
    let src_db = ctx.client.db;
    let mut dst_db = src_db;
    let mut replace = false;
    while let Ok(opt) = a.next_bytes() {
        if is(opt, "replace") {
            replace = true;
        } else if is(opt, "db") && !a.is_empty() {
            let n = a.next_i32()?;
            dst_db = db_index(ctx, n)?;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if src_db == dst_db && src == dst {
        return Err(CmdError::Msg(
            "ERR source and destination objects are the same",
        ));
    }
    let Some(mut entry) = ctx
        .srv
        .lookup_read(ctx.frame, src_db, src)
        .map(|e| e.clone())
    else {
        ctx.out.int(0);
        return Ok(());
    };
    if ctx.srv.lookup_write(ctx.frame, dst_db, dst).is_some() && !replace {
        ctx.out.int(0);
        return Ok(());
    }
    let now = ctx.now();
    entry.lru = crate::db::clock::new_clock(now, ctx.srv.config.maxmemory_lfu);
    entry.set_unshared(true);
    let expire = if entry.has_ttl() {
        ctx.srv.dbs[src_db].expire_of(src)
    } else {
        -1
    };
    ctx.srv.dbs[dst_db].insert_entry(dst, entry, expire);
    ctx.srv.signal_modified(ctx.frame, dst_db, dst);
    ctx.srv.notify(ctx.frame, GENERIC, "copy_to", dst_db, dst);
    ctx.srv.signal_ready(dst_db, dst);
    ctx.dirty(1);
    ctx.out.int(1);
    Ok(())
}

/// MOVE key db
///
/// Side effects: dirty, WATCH on the key in both databases, events
/// `move_from` (source database) then `move_to` (destination).
pub fn move_(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let n = a.next_i32()?;
    let dst = db_index(ctx, n)?;
    let src = ctx.client.db;
    if src == dst {
        return Err(CmdError::Msg(
            "ERR source and destination objects are the same",
        ));
    }
    if ctx.srv.lookup_write(ctx.frame, src, key).is_none()
        || ctx.srv.lookup_write(ctx.frame, dst, key).is_some()
    {
        ctx.out.int(0);
        return Ok(());
    }
    if let Some((entry, expire)) = ctx.srv.dbs[src].take(key) {
        ctx.srv.dbs[dst].insert_entry(key, entry, expire);
    }
    ctx.srv.signal_modified(ctx.frame, src, key);
    ctx.srv.signal_modified(ctx.frame, dst, key);
    ctx.srv.notify(ctx.frame, GENERIC, "move_from", src, key);
    ctx.srv.notify(ctx.frame, GENERIC, "move_to", dst, key);
    ctx.srv.signal_ready(dst, key);
    ctx.dirty(1);
    ctx.out.int(1);
    Ok(())
}

/// KEYS pattern
pub fn keys(ctx: &mut Ctx) -> CmdResult {
    let pattern = ctx.args().next_bytes()?;
    let now = ctx.expire_now();
    let found = ctx.db().keys_matching(pattern, now);
    ctx.out.bulk_array(&found);
    Ok(())
}

/// Parses a SCAN cursor as Redis does with `strtoul`: optional sign,
/// digits, nothing else; an empty string is cursor 0.
pub fn parse_cursor(b: &[u8]) -> Result<u64, CmdError> {
    let err = CmdError::Msg("ERR invalid cursor");
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if b.is_empty() {
        return Ok(0);
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(err);
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or(CmdError::Msg("ERR invalid cursor"))?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// The options of SCAN and its per-type forms.
pub struct ScanOpts<'a> {
    /// COUNT (default 10).
    pub count: usize,
    /// MATCH, `None` for `*`.
    pub pattern: Option<&'a [u8]>,
    /// TYPE (SCAN only).
    pub type_name: Option<&'a [u8]>,
}

/// Parses `[MATCH pattern] [COUNT count]` (and `[TYPE type]` for SCAN)
/// as Redis's `scanGenericCommand`: COUNT below 1 and anything unknown are
/// syntax errors.
pub fn parse_scan_opts<'a>(a: &mut Args<'a>, with_type: bool) -> Result<ScanOpts<'a>, CmdError> {
    let mut o = ScanOpts {
        count: 10,
        pattern: None,
        type_name: None,
    };
    while let Ok(opt) = a.next_bytes() {
        if is(opt, "count") && !a.is_empty() {
            let n = a.next_i64()?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            o.count = n as usize;
        } else if is(opt, "match") && !a.is_empty() {
            let p = a.next_bytes()?;
            o.pattern = (p != b"*").then_some(p);
        } else if with_type && is(opt, "type") && !a.is_empty() {
            o.type_name = Some(a.next_bytes()?);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(o)
}

/// The reply to scanning a missing key: cursor 0, no elements.
pub fn reply_empty_scan(out: &mut Out) {
    out.array(2);
    out.bulk(b"0");
    out.array(0);
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
pub fn scan(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let cursor = parse_cursor(a.next_bytes()?)?;
    let o = parse_scan_opts(&mut a, true)?;
    let now = ctx.expire_now();
    let (next, keys) = ctx.db().scan(cursor, o.count, o.pattern, o.type_name, now);
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.bulk_array(&keys);
    Ok(())
}

/// RANDOMKEY
pub fn randomkey(ctx: &mut Ctx) -> CmdResult {
    let now = ctx.expire_now();
    let db = ctx.client.db;
    match ctx.srv.dbs[db].random_key(&mut ctx.srv.rng, now) {
        Some(k) => ctx.out.bulk(&k),
        None => ctx.out.null(),
    }
    Ok(())
}

/// DBSIZE
pub fn dbsize(ctx: &mut Ctx) -> CmdResult {
    let now = ctx.expire_now();
    let n = ctx.db().len(now);
    ctx.out.int(n as i64);
    Ok(())
}

/// Parses FLUSHDB/FLUSHALL's optional ASYNC|SYNC; returns whether to free
/// the old data on the lazy-free thread (without an argument,
/// `lazyfree-lazy-user-flush` decides, as Redis's `getFlushCommandFlags`).
fn flush_mode(ctx: &Ctx) -> Result<bool, CmdError> {
    let mut a = ctx.args();
    let lazy = match a.next_bytes() {
        Ok(mode) if is(mode, "async") => true,
        Ok(mode) if is(mode, "sync") => false,
        Ok(_) => return Err(CmdError::Syntax),
        Err(_) => ctx.srv.config.lazyfree_lazy_user_flush,
    };
    a.finish()?;
    Ok(lazy)
}

/// FLUSHDB [ASYNC|SYNC]
///
/// ASYNC puts empty tables in place at once and frees the old ones on
/// the lazy-free thread.
pub fn flushdb(ctx: &mut Ctx) -> CmdResult {
    let lazy = flush_mode(ctx)?;
    let db = ctx.client.db;
    ctx.srv.signal_db_changed(db, None);
    ctx.srv.invalidate_all(ctx.frame);
    let n = ctx.db().len_raw() as u64;
    ctx.db().clear(lazy);
    ctx.dirty(n.max(1));
    ctx.out.ok();
    Ok(())
}

/// FLUSHALL [ASYNC|SYNC]
///
/// ASYNC as FLUSHDB's, for every database.
pub fn flushall(ctx: &mut Ctx) -> CmdResult {
    let lazy = flush_mode(ctx)?;
    for db in 0..ctx.srv.dbs.len() {
        ctx.srv.signal_db_changed(db, None);
    }
    ctx.srv.invalidate_all(ctx.frame);
    let mut n = 0;
    for d in &mut ctx.srv.dbs {
        n += d.len_raw() as u64;
        d.clear(lazy);
    }
    ctx.dirty(n.max(1));
    ctx.out.ok();
    Ok(())
}

/// SWAPDB index1 index2
pub fn swapdb(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (x, y) = (a.next_bytes()?, a.next_bytes()?);
    let x = parse_i64(x)
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or(CmdError::Msg("ERR invalid first DB index"))?;
    let y = parse_i64(y)
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or(CmdError::Msg("ERR invalid second DB index"))?;
    let n = ctx.srv.dbs.len() as i64;
    if x < 0 || y < 0 || x >= n || y >= n {
        return Err(CmdError::DbOutOfRange);
    }
    let (x, y) = (x as usize, y as usize);
    if x != y {
        ctx.srv.signal_db_changed(x, Some(y));
        ctx.srv.signal_db_changed(y, Some(x));
        ctx.srv.dbs.swap(x, y);
        // Clients blocked on a key that now exists are served (Redis's
        // scanDatabaseForReadyKeys): the re-run decides, as for a push.
        for db in [x, y] {
            for key in ctx.srv.blocking.keys_of(db) {
                if ctx.srv.dbs[db].contains_raw(&key) {
                    ctx.srv.signal_ready(db, &key);
                }
            }
        }
    }
    ctx.dirty(1);
    ctx.out.ok();
    Ok(())
}

// ---------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------

/// EXPIRE key seconds [NX|XX|GT|LT]
pub fn expire(ctx: &mut Ctx) -> CmdResult {
    expire_generic(ctx, true, true)
}

/// PEXPIRE key milliseconds [NX|XX|GT|LT]
pub fn pexpire(ctx: &mut Ctx) -> CmdResult {
    expire_generic(ctx, false, true)
}

/// EXPIREAT key unix-time-seconds [NX|XX|GT|LT]
pub fn expireat(ctx: &mut Ctx) -> CmdResult {
    expire_generic(ctx, true, false)
}

/// PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]
pub fn pexpireat(ctx: &mut Ctx) -> CmdResult {
    expire_generic(ctx, false, false)
}

/// The core of the EXPIRE family (Redis's `expireGenericCommand`).
/// Side effects: dirty, WATCH, event `expire`; a time in the past deletes
/// the key instead, announced as `del`. A refused option changes nothing.
fn expire_generic(ctx: &mut Ctx, seconds: bool, relative: bool) -> CmdResult {
    let mut a = ctx.args();
    let (key, when) = (a.next_bytes()?, a.next_bytes()?);
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in a.rest() {
        if is(opt, "nx") {
            nx = true;
        } else if is(opt, "xx") {
            xx = true;
        } else if is(opt, "gt") {
            gt = true;
        } else if is(opt, "lt") {
            lt = true;
        } else {
            return Err(CmdError::Owned(format!(
                "ERR Unsupported option {}",
                String::from_utf8_lossy(opt)
            )));
        }
    }
    if nx && (xx || gt || lt) {
        return Err(CmdError::Msg(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if gt && lt {
        return Err(CmdError::Msg(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    let invalid = || {
        CmdError::Owned(format!(
            "ERR invalid expire time in '{}' command",
            super::fullname(ctx.cmd, ctx.parent)
        ))
    };
    let mut when = parse_i64(when).ok_or(CmdError::NotInteger)?;
    if seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    let now = ctx.now();
    if relative {
        when = when.checked_add(now).ok_or_else(invalid)?;
    }
    let db = ctx.client.db;
    let Some(has_ttl) = ctx
        .srv
        .lookup_write(ctx.frame, db, key)
        .map(|e| e.has_ttl())
    else {
        ctx.out.int(0);
        return Ok(());
    };
    // The TTL table is only consulted for a key whose entry says it has one.
    let cur = if has_ttl {
        ctx.srv.dbs[db].expire_of(key)
    } else {
        -1
    };
    let refuse = (nx && cur != -1)
        || (xx && cur == -1)
        || (gt && (cur == -1 || when <= cur))
        || (lt && cur != -1 && when >= cur);
    if refuse {
        ctx.out.int(0);
        return Ok(());
    }
    let past = when <= ctx.srv.expire_clock();
    let d = &mut ctx.srv.dbs[db];
    let event = if past {
        // Redis frees it as an expiry (`lazyfree-lazy-expire`).
        d.delete(key, d.free.expire);
        ctx.propagate_as(&[b"DEL", key]);
        "del"
    } else {
        d.set_expire(key, when);
        ctx.propagate_as(&[b"PEXPIREAT", key, when.to_string().as_bytes()]);
        "expire"
    };
    ctx.modified(key, GENERIC, event, 1);
    ctx.out.int(1);
    Ok(())
}

/// TTL key
pub fn ttl(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, false, false)
}

/// PTTL key
pub fn pttl(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, true, false)
}

/// EXPIRETIME key
pub fn expiretime(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, false, true)
}

/// PEXPIRETIME key
pub fn pexpiretime(ctx: &mut Ctx) -> CmdResult {
    ttl_generic(ctx, true, true)
}

fn ttl_generic(ctx: &mut Ctx, ms: bool, absolute: bool) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let now = ctx.now();
    let db = ctx.client.db;
    let expire = match ctx
        .srv
        .lookup_notouch(ctx.frame, db, key)
        .map(|e| e.has_ttl())
    {
        None => None,
        Some(false) => Some(-1),
        Some(true) => Some(ctx.srv.dbs[db].expire_of(key)),
    };
    let reply = match expire {
        None => -2,
        Some(t) if t < 0 => -1,
        Some(t) if absolute => {
            if ms {
                t
            } else {
                (t + 500) / 1000
            }
        }
        Some(t) => {
            let left = (t - now).max(0);
            if ms {
                left
            } else {
                (left + 500) / 1000
            }
        }
    };
    ctx.out.int(reply);
    Ok(())
}

/// PERSIST key
///
/// Side effects: when a TTL was removed, dirty, WATCH, event `persist`.
pub fn persist(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let db = ctx.client.db;
    let removed =
        ctx.srv.lookup_write(ctx.frame, db, key).is_some() && ctx.srv.dbs[db].persist(key);
    if removed {
        ctx.modified(key, GENERIC, "persist", 1);
    }
    ctx.out.int(i64::from(removed));
    Ok(())
}

// ---------------------------------------------------------------------------
// OBJECT
// ---------------------------------------------------------------------------

const LFU_POLICY_NOTE: &str = "Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

fn lfu_policy(ctx: &Ctx) -> bool {
    ctx.srv.config.maxmemory_lfu
}

/// OBJECT ENCODING key
pub fn object_encoding(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let db = ctx.client.db;
    match ctx.srv.lookup_notouch(ctx.frame, db, key) {
        Some(e) => ctx.out.bulk(e.val.encoding().as_bytes()),
        None => ctx.out.null(),
    }
    Ok(())
}

/// OBJECT REFCOUNT key
pub fn object_refcount(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let db = ctx.client.db;
    let shared_ok = ctx.srv.config.maxmemory == 0
        || !(ctx.srv.config.maxmemory_policy.contains("lru") || lfu_policy(ctx));
    match ctx.srv.lookup_notouch(ctx.frame, db, key) {
        Some(e) => {
            let shared = !e.unshared()
                && matches!(e.val, Value::Str(Str::Int(n)) if (0..SHARED_INTEGERS).contains(&n));
            ctx.out.int(if shared && shared_ok {
                i64::from(i32::MAX)
            } else {
                1
            });
        }
        None => ctx.out.null(),
    }
    Ok(())
}

/// OBJECT IDLETIME key
pub fn object_idletime(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let db = ctx.client.db;
    let clock = lru_clock(ctx.now());
    let lfu = lfu_policy(ctx);
    let Some(e) = ctx.srv.lookup_notouch(ctx.frame, db, key) else {
        ctx.out.null();
        return Ok(());
    };
    let lru = e.lru;
    if lfu {
        return Err(CmdError::Owned(format!(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. {LFU_POLICY_NOTE}"
        )));
    }
    let idle = if clock >= lru {
        clock - lru
    } else {
        clock + (0x00FF_FFFF - lru)
    };
    ctx.out.int(i64::from(idle));
    Ok(())
}

/// OBJECT FREQ key
pub fn object_freq(ctx: &mut Ctx) -> CmdResult {
    let key = ctx.args().next_bytes()?;
    let db = ctx.client.db;
    let lfu = lfu_policy(ctx);
    let Some(lru) = ctx.srv.lookup_notouch(ctx.frame, db, key).map(|e| e.lru) else {
        ctx.out.null();
        return Ok(());
    };
    if !lfu {
        return Err(CmdError::Owned(format!(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. {LFU_POLICY_NOTE}"
        )));
    }
    let freq = crate::db::clock::lfu_decayed(lru, ctx.now(), ctx.srv.config.lfu_decay_time);
    ctx.out.int(i64::from(freq));
    Ok(())
}

/// OBJECT HELP
pub fn object_help(ctx: &mut Ctx) -> CmdResult {
    super::server::reply_help(
        ctx,
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
    Ok(())
}
