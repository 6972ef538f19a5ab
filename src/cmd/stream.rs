//! Stream commands (Redis's `t_stream.c`): XADD, XRANGE, XREVRANGE,
//! XLEN, XDEL, XTRIM, XREAD and XSETID here; consumer groups (XGROUP,
//! XREADGROUP, XACK, XPENDING) in [`group`], XCLAIM and XAUTOCLAIM in
//! [`claim`], XINFO in [`info`], id and option parsing in [`parse`].
//!
//! A command that changes a stream signals the key for WATCH and
//! publishes Redis's `t`-class events in Redis's order. XADD wakes
//! blocked XREAD/XREADGROUP clients; blocking reads re-run when woken (see
//! [`super::blocking`]), with XREAD's `$` replaced by the concrete id it
//! stood for when the client blocked.

mod claim;
mod group;
mod info;
pub mod parse;

pub use claim::{xautoclaim, xclaim};
pub use group::{
    xack, xgroup_create, xgroup_createconsumer, xgroup_delconsumer, xgroup_destroy, xgroup_help,
    xgroup_setid, xpending, xreadgroup,
};
pub use info::{xinfo_consumers, xinfo_groups, xinfo_help, xinfo_stream};

use bytes::Bytes;

use super::args::is;
use super::{CmdError, CmdResult, Ctx};
use crate::blocking::TimeoutReply;
use crate::db::stream::{EntryRef, NodeLimits, Stream, StreamId, Trim};
use crate::db::Value;
use crate::frame::Frame;
use crate::notify;
use crate::resp::Out;
use crate::state::State;
use crate::util::parse_i64;
use parse::{parse_add_args, parse_bound, parse_strict, INVALID_ID};

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// The stream at `key` for reading: `Ok(None)` if absent, WRONGTYPE if it
/// holds another type. Side effects: lazy expiry, hit/miss stats.
fn read<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s Stream>, CmdError> {
    match srv.lookup_read(f, db, key) {
        None => Ok(None),
        Some(e) => match &e.val {
            Value::Stream(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The stream at `key` for writing. Side effects: lazy expiry.
fn write<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut Stream>, CmdError> {
    match srv.lookup_write(f, db, key) {
        None => Ok(None),
        Some(e) => match &mut e.val {
            Value::Stream(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The stream at `key` for XREAD/XREADGROUP. A fresh call looks it up as
/// Redis's `lookupKeyRead` (keyspace hits and misses, keymiss events;
/// another type is WRONGTYPE); a woken re-run does not (Redis serves
/// blocked readers without stats), and another type is no stream.
pub(crate) fn peek<'s>(
    srv: &'s mut State,
    f: &mut Frame,
    db: usize,
    key: &[u8],
    woken: bool,
) -> Result<Option<&'s Stream>, CmdError> {
    if !woken {
        return read(srv, f, db, key);
    }
    Ok(match srv.lookup_write(f, db, key).map(|e| &e.val) {
        Some(Value::Stream(s)) => Some(s),
        _ => None,
    })
}

/// The configured block limits.
fn node_limits(ctx: &Ctx) -> NodeLimits {
    NodeLimits {
        bytes: ctx.srv.config.stream_node_max_bytes,
        entries: ctx.srv.config.stream_node_max_entries,
    }
}

/// Replies one entry: `[id, [field, value, ...]]`.
fn reply_entry(out: &mut Out, e: &EntryRef<'_>) {
    out.array(2);
    out.bulk(e.id.to_string().as_bytes());
    out.array(e.len() * 2);
    e.for_each(|f, v| {
        out.bulk(f);
        out.bulk(v);
    });
}

/// Replies the entries in `start..=end` (reversed for XREVRANGE), at most
/// `count` (0: all); returns how many.
fn reply_range(
    out: &mut Out,
    s: &Stream,
    start: StreamId,
    end: StreamId,
    rev: bool,
    count: usize,
) -> usize {
    // Collected first: the array header precedes the entries.
    let mut found = Vec::new();
    s.range(start, end, rev, count, |e| {
        found.push(e);
        true
    });
    out.array(found.len());
    for e in &found {
        reply_entry(out, e);
    }
    found.len()
}

// ---------------------------------------------------------------------------
// XADD, XTRIM, XDEL, XLEN, XSETID
// ---------------------------------------------------------------------------

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
/// Side effects: dirty, may create the key, wakes blocked readers;
/// propagated with the generated id (and `~` trimming made exact).
pub fn xadd(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let opts = a.rest();
    let p = parse_add_args(
        opts,
        true,
        ctx.srv.config.stream_node_max_entries,
        ctx.srv.loading,
    )?;
    let fields = &opts[(p.next + 1).min(opts.len())..];
    if p.next >= opts.len() || fields.len() < 2 || fields.len() % 2 == 1 {
        return Err(CmdError::WrongArgs);
    }
    if let Some(id) = p.id {
        if !id.auto_seq && id.id.is_zero() {
            return Err(CmdError::Msg(
                "ERR The ID specified in XADD must be greater than 0-0",
            ));
        }
    }
    let lim = node_limits(ctx);
    let db = ctx.client.db;
    let now = ctx.now();
    if write(ctx.srv, ctx.frame, db, key)?.is_none() {
        if p.nomkstream {
            ctx.out.null();
            return Ok(());
        }
        ctx.srv.dbs[db].set(key, Value::Stream(Box::default()), false, now);
    }
    let Some(s) = write(ctx.srv, ctx.frame, db, key)? else {
        return Ok(());
    };
    let id = next_id(s, p.id, now)?;
    let fields: Vec<&[u8]> = fields.iter().map(|f| &f[..]).collect();
    s.append(id, &fields, lim);
    let trimmed = match p.trim {
        Some(t) => s.trim(t, p.approx, p.limit),
        None => 0,
    };
    let len = s.len();
    let first = s.first_id;
    let idb = id.to_bytes();
    ctx.out.bulk(&idb);
    ctx.modified(key, notify::STREAM, "xadd", 1);
    if trimmed > 0 {
        ctx.notify(notify::STREAM, "xtrim", key);
    }
    ctx.signal_ready(key);
    if !ctx.propagating() {
        return Ok(());
    }
    // Propagated deterministically: the generated id, and `~` trimming as
    // the exact threshold it reached.
    let mut args: Vec<Vec<u8>> = vec![b"XADD".to_vec(), key.to_vec()];
    if p.nomkstream {
        args.push(b"NOMKSTREAM".to_vec());
    }
    push_trim_args(&mut args, &p, len, first);
    args.push(idb);
    args.extend(fields.iter().map(|f| f.to_vec()));
    let refs: Vec<&[u8]> = args.iter().map(|v| &v[..]).collect();
    ctx.propagate_as(&refs);
    Ok(())
}

/// The trimming arguments to propagate: as given, except that `~`
/// becomes `=` with the threshold actually reached (and no LIMIT).
fn push_trim_args(args: &mut Vec<Vec<u8>>, p: &parse::AddArgs, len: u64, first: StreamId) {
    let Some(t) = p.trim else { return };
    let (name, v) = match (t, p.approx) {
        // Everything went (MINID ~ past the last entry): the first id is
        // then 0-0, which would trim nothing on replay.
        (_, true) if len == 0 => ("MAXLEN", "0".to_string()),
        (Trim::MaxLen(n), false) => ("MAXLEN", n.to_string()),
        (Trim::MinId(id), false) => ("MINID", id.to_string()),
        (Trim::MaxLen(_), true) => ("MAXLEN", len.to_string()),
        (Trim::MinId(_), true) => ("MINID", first.to_string()),
    };
    args.push(name.as_bytes().to_vec());
    args.push(b"=".to_vec());
    args.push(v.into_bytes());
}

/// The id XADD assigns: generated from the clock (monotonic even if the
/// clock goes back), `ms-*`, or explicit, with Redis's errors.
fn next_id(s: &Stream, given: Option<parse::ParsedId>, now: i64) -> Result<StreamId, CmdError> {
    const SMALLER: CmdError = CmdError::Msg(
        "ERR The ID specified in XADD is equal or smaller than the target stream top item",
    );
    const EXHAUSTED: CmdError = CmdError::Msg(
        "ERR The stream has exhausted the last possible ID, unable to add more items",
    );
    let last = s.last_id;
    match given {
        None => {
            let ms = now.max(0) as u64;
            if ms > last.ms {
                Ok(StreamId::new(ms, 0))
            } else {
                last.incr().ok_or(EXHAUSTED)
            }
        }
        Some(p) if p.auto_seq => {
            let ms = p.id.ms;
            if ms == last.ms {
                if last.seq == u64::MAX {
                    return Err(EXHAUSTED);
                }
                Ok(StreamId::new(ms, last.seq + 1))
            } else if ms > last.ms {
                Ok(StreamId::new(ms, 0))
            } else {
                Err(SMALLER)
            }
        }
        Some(p) if p.id > last => Ok(p.id),
        Some(_) => Err(SMALLER),
    }
}

/// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
/// Side effects: dirty; `~` is propagated as the exact threshold reached.
pub fn xtrim(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let opts = a.rest();
    let db = ctx.client.db;
    // The options are checked before the key, as Redis: a missing key
    // answers 0 only for valid options, and bad ones win over WRONGTYPE.
    let p = parse_add_args(
        opts,
        false,
        ctx.srv.config.stream_node_max_entries,
        ctx.srv.loading,
    )?;
    let Some(t) = p.trim else {
        return Err(CmdError::Syntax);
    };
    let Some(s) = write(ctx.srv, ctx.frame, db, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let n = s.trim(t, p.approx, p.limit);
    let (len, first) = (s.len(), s.first_id);
    ctx.out.int(n as i64);
    if n > 0 {
        // The event before the invalidation, as Redis 7.0.
        ctx.notify(notify::STREAM, "xtrim", key);
        ctx.signal_modified_in_place(key);
        ctx.dirty(n);
        if p.approx {
            let mut args: Vec<Vec<u8>> = vec![b"XTRIM".to_vec(), key.to_vec()];
            push_trim_args(&mut args, &p, len, first);
            let refs: Vec<&[u8]> = args.iter().map(|v| &v[..]).collect();
            ctx.propagate_as(&refs);
        }
    }
    Ok(())
}

/// XDEL key id [id ...]
/// Side effects: dirty (one per entry deleted).
pub fn xdel(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let db = ctx.client.db;
    // The key first, as Redis: a missing key answers 0 and a wrong type
    // WRONGTYPE whatever the ids; then every id is checked before any
    // entry is deleted.
    let Some(s) = write(ctx.srv, ctx.frame, db, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let ids = a
        .rest()
        .iter()
        .map(|x| parse_strict(x, 0))
        .collect::<Result<Vec<_>, _>>()?;
    let n = ids.iter().filter(|id| s.delete(**id)).count();
    ctx.out.int(n as i64);
    if n > 0 {
        ctx.signal_modified_in_place(key);
        ctx.notify(notify::STREAM, "xdel", key);
        ctx.dirty(n as u64);
    }
    Ok(())
}

/// XLEN key
pub fn xlen(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let n = read(ctx.srv, ctx.frame, ctx.client.db, key)?.map_or(0, |s| s.len());
    ctx.out.int(n as i64);
    Ok(())
}

/// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
/// Side effects: dirty.
pub fn xsetid(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let id = parse_strict(a.next_bytes()?, 0)?;
    let mut added: Option<u64> = None;
    let mut maxdel = StreamId::MIN;
    while let Some(opt) = a.peek() {
        if is(opt, "entriesadded") && a.remaining() > 1 {
            a.next_bytes()?;
            let n = a.next_i64()?;
            if n < 0 {
                return Err(CmdError::Msg("ERR entries_added must be positive"));
            }
            added = Some(n as u64);
        } else if is(opt, "maxdeletedid") && a.remaining() > 1 {
            a.next_bytes()?;
            maxdel = parse_strict(a.next_bytes()?, 0)?;
            if id < maxdel {
                return Err(CmdError::Msg(
                    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let Some(s) = write(ctx.srv, ctx.frame, ctx.client.db, key)? else {
        return Err(CmdError::NoSuchKey);
    };
    if !s.is_empty() {
        if s.edge(true).is_some_and(|top| id < top) {
            return Err(CmdError::Msg(
                "ERR The ID specified in XSETID is smaller than the target stream top item",
            ));
        }
        if added.is_some_and(|n| n < s.len()) {
            return Err(CmdError::Msg(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    s.last_id = id;
    if let Some(n) = added {
        s.entries_added = n;
    }
    if !maxdel.is_zero() {
        s.max_deleted = maxdel;
    }
    // Redis 7.0 does not signal the key for WATCH here.
    ctx.notify(notify::STREAM, "xsetid", key);
    ctx.dirty(1);
    ctx.out.ok();
    Ok(())
}

// ---------------------------------------------------------------------------
// XRANGE, XREVRANGE
// ---------------------------------------------------------------------------

/// XRANGE key start end [COUNT count]
pub fn xrange(ctx: &mut Ctx) -> CmdResult {
    range_generic(ctx, false)
}

/// XREVRANGE key end start [COUNT count]
pub fn xrevrange(ctx: &mut Ctx) -> CmdResult {
    range_generic(ctx, true)
}

/// The core of XRANGE and XREVRANGE (Redis's `xrangeGenericCommand`).
fn range_generic(ctx: &mut Ctx, rev: bool) -> CmdResult {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let (first, second) = (a.next_bytes()?, a.next_bytes()?);
    let (start, end) = if rev {
        (parse_bound(second, true)?, parse_bound(first, false)?)
    } else {
        let s = parse_bound(first, true)?;
        (s, parse_bound(second, false)?)
    };
    let mut count: Option<i64> = None;
    while !a.is_empty() {
        let opt = a.next_bytes()?;
        if is(opt, "count") && !a.is_empty() {
            count = Some(a.next_i64()?.max(0));
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let Some(s) = read(ctx.srv, ctx.frame, ctx.client.db, key)? else {
        ctx.out.array(0);
        return Ok(());
    };
    if count == Some(0) {
        ctx.out.null_array();
        return Ok(());
    }
    let count = count.map_or(0, |c| usize::try_from(c).unwrap_or(usize::MAX));
    reply_range(ctx.out, s, start, end, rev, count);
    Ok(())
}

// ---------------------------------------------------------------------------
// XREAD (and the parsing XREADGROUP shares)
// ---------------------------------------------------------------------------

/// XREAD and XREADGROUP's options.
pub(crate) struct ReadArgs<'a> {
    /// BLOCK: absolute deadline (0: forever), if given.
    pub block: Option<i64>,
    /// COUNT (0: all).
    pub count: usize,
    /// GROUP group consumer.
    pub group: Option<(&'a [u8], &'a [u8])>,
    /// NOACK.
    pub noack: bool,
    /// The keys.
    pub keys: &'a [Bytes],
    /// The id arguments.
    pub ids: &'a [Bytes],
    /// Index in argv of the first id argument.
    pub ids_at: usize,
}

/// Parses XREAD/XREADGROUP's options with Redis's errors.
pub(crate) fn parse_read<'a>(ctx: &Ctx<'a>, group_cmd: bool) -> Result<ReadArgs<'a>, CmdError> {
    let argv = ctx.argv;
    let mut r = ReadArgs {
        block: None,
        count: 0,
        group: None,
        noack: false,
        keys: &[],
        ids: &[],
        ids_at: 0,
    };
    let mut streams = 0;
    let mut i = ctx.arg0;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        let o = &argv[i][..];
        if is(o, "block") && more > 0 {
            if ctx.frame.from_script {
                // Refused rather than run without blocking, as Redis.
                return Err(CmdError::Owned(format!(
                    "ERR {} command is not allowed with BLOCK option from scripts",
                    String::from_utf8_lossy(&argv[0])
                )));
            }
            i += 1;
            let ms = parse_i64(&argv[i]).ok_or(CmdError::Msg(
                "ERR timeout is not an integer or out of range",
            ))?;
            if ms < 0 {
                return Err(CmdError::Msg("ERR timeout is negative"));
            }
            r.block = Some(if ms == 0 {
                0
            } else {
                ms.checked_add(ctx.now()).unwrap_or(0)
            });
        } else if is(o, "count") && more > 0 {
            i += 1;
            let n = parse_i64(&argv[i]).ok_or(CmdError::NotInteger)?;
            r.count = usize::try_from(n.max(0)).unwrap_or(usize::MAX);
        } else if is(o, "streams") && more > 0 {
            streams = i + 1;
            if !(argv.len() - streams).is_multiple_of(2) {
                return Err(CmdError::Msg(
                    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            break;
        } else if is(o, "group") && more >= 2 {
            if !group_cmd {
                return Err(CmdError::Msg(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.group = Some((&argv[i + 1][..], &argv[i + 2][..]));
            i += 2;
        } else if is(o, "noack") {
            if !group_cmd {
                return Err(CmdError::Msg(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.noack = true;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if streams == 0 {
        return Err(CmdError::Syntax);
    }
    if group_cmd && r.group.is_none() {
        return Err(CmdError::Msg("ERR Missing GROUP option for XREADGROUP"));
    }
    let n = (argv.len() - streams) / 2;
    r.keys = &argv[streams..streams + n];
    r.ids = &argv[streams + n..];
    r.ids_at = streams + n;
    Ok(r)
}

/// Whether this run is a blocked client's retry.
fn is_retry(ctx: &Ctx) -> bool {
    ctx.srv.blocking.is_blocked(ctx.client.id)
}

/// On a blocked reader's re-run, the key whose signal woke it: Redis
/// serves a woken reader from that key alone.
pub(crate) fn woken_key(ctx: &Ctx) -> Option<Box<[u8]>> {
    if !is_retry(ctx) {
        return None;
    }
    let (db, key) = ctx.srv.blocking.serving.as_ref()?;
    (*db == ctx.client.db).then(|| key.clone())
}

/// Blocks on `keys` (with `argv` to re-run), or, where blocking is not
/// allowed (MULTI) or not asked for, replies a null array.
pub(crate) fn block_or_null(ctx: &mut Ctx, keys: &[Bytes], block: Option<i64>, argv: Vec<Bytes>) {
    match block {
        Some(deadline) if ctx.can_block() => {
            let keys: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
            ctx.block_argv(&keys, deadline, TimeoutReply::NullArray, argv);
        }
        _ => ctx.out.null_array(),
    }
}

/// Starts the reply to XREAD/XREADGROUP for `n` streams: an array of
/// `[key, entries]` pairs in RESP2, a map in RESP3.
pub(crate) fn reply_streams_header(out: &mut Out, n: usize) {
    if out.is_resp3() {
        out.map(n);
    } else {
        out.array(n);
    }
}

/// Starts one stream of the XREAD/XREADGROUP reply.
pub(crate) fn reply_stream_key(out: &mut Out, key: &[u8]) {
    if !out.is_resp3() {
        out.array(2);
    }
    out.bulk(key);
}

/// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
pub fn xread(ctx: &mut Ctx) -> CmdResult {
    let r = parse_read(ctx, false)?;
    let retry = is_retry(ctx);
    let db = ctx.client.db;
    // Resolve every id first (`$` is the stream's last id now).
    let mut ids = Vec::with_capacity(r.keys.len());
    for (key, arg) in r.keys.iter().zip(r.ids) {
        let s = peek(ctx.srv, ctx.frame, db, key, retry)?;
        let id = if &arg[..] == b"$" {
            s.map_or(StreamId::MIN, |s| s.last_id)
        } else if &arg[..] == b">" {
            return Err(CmdError::Msg(
                "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
            ));
        } else {
            parse_strict(arg, 0)?
        };
        ids.push(id);
    }
    // The streams with entries after their id; on a wake-up, the woken
    // key alone if an id was generated after the one waited for (Redis
    // then replies even if those entries were deleted since).
    let woken = woken_key(ctx);
    let mut ready = Vec::new();
    // Looked up a second time, as Redis does (its serving loop).
    for (i, key) in r.keys.iter().enumerate() {
        let Ok(Some(s)) = peek(ctx.srv, ctx.frame, db, key, retry) else {
            continue;
        };
        let serve = match &woken {
            Some(k) => **k == key[..] && s.last_id > ids[i] && !ready.contains(&i),
            None => s.edge(true).is_some_and(|top| top > ids[i]),
        };
        if serve {
            ready.push(i);
            if woken.is_some() {
                break;
            }
        }
    }
    if !ready.is_empty() {
        reply_streams_header(ctx.out, ready.len());
        for i in ready {
            let key = &r.keys[i];
            let Ok(Some(s)) = peek(ctx.srv, ctx.frame, db, key, true) else {
                continue;
            };
            reply_stream_key(ctx.out, key);
            let start = ids[i].incr().ok_or(INVALID_ID)?;
            reply_range(ctx.out, s, start, StreamId::MAX, false, r.count);
        }
        return Ok(());
    }
    // Blocked: `$` stands for the ids resolved now.
    let mut argv: Vec<Bytes> = ctx.argv.to_vec();
    for (j, id) in ids.iter().enumerate() {
        if &argv[r.ids_at + j][..] == b"$" {
            argv[r.ids_at + j] = Bytes::from(id.to_bytes());
        }
    }
    block_or_null(ctx, r.keys, r.block, argv);
    Ok(())
}
