//! The CLIENT family and MONITOR (Redis's `clientCommand`,
//! `monitorCommand` and `replicationFeedMonitors`).
//!
//! These are the commands that look at other clients. The running
//! client's connection is out of the client table while its command runs
//! (see [`crate::conn::Clients`]), so a handler holds its own session in
//! `ctx.client` / `ctx.out` and reads or marks every other connection
//! through `ctx.srv.clients`. Whatever needs the event loop (closing a
//! killed socket, copying MONITOR lines to the monitors, resuming paused
//! clients) is left in the table and done by the loop right after the
//! command.
//!
//! CLIENT TRACKING (client-side caching) is not implemented: TRACKING ON
//! is refused with an error, everything else answers as a client that
//! never enabled it.

use std::fmt::Write as _;

use bytes::Bytes;

use super::args::is;
use super::{flags, resolve, CmdError, CmdResult, Ctx, Resolved};
use crate::conn::{ClientState, Closing, Conn};
use crate::resp::Out;
use crate::state::State;
use crate::util::parse_i64;

// ---------------------------------------------------------------------------
// Names and small subcommands
// ---------------------------------------------------------------------------

/// Redis's `validateClientName`: printable ASCII without spaces (CLIENT
/// LIST must stay splittable on spaces).
pub fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

/// The error for a name [`valid_name`] refuses.
pub const BAD_NAME: &str =
    "ERR Client names cannot contain spaces, newlines or special characters.";

/// Redis's `addReplySubcommandSyntaxError`, for subcommands whose arity
/// rule in the table is looser than what the handler accepts.
fn subcommand_syntax(ctx: &Ctx) -> CmdError {
    let sub = &ctx.argv[1];
    let sub = String::from_utf8_lossy(&sub[..sub.len().min(128)]).into_owned();
    CmdError::Owned(format!(
        "ERR unknown subcommand or wrong number of arguments for '{sub}'. Try CLIENT HELP."
    ))
}

/// Parses ON or OFF (`syntax error` otherwise).
fn on_off(arg: &[u8]) -> Result<bool, CmdError> {
    if is(arg, "on") {
        Ok(true)
    } else if is(arg, "off") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

/// CLIENT HELP
pub fn client_help(ctx: &mut Ctx) -> CmdResult {
    // Redis 7.0's text: SETINFO and NO-TOUCH (7.2) are not listed.
    super::server::reply_help(
        ctx,
        &[
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
        ],
    );
    Ok(())
}

/// CLIENT ID
pub fn client_id(ctx: &mut Ctx) -> CmdResult {
    ctx.out.int(ctx.client.id as i64);
    Ok(())
}

/// CLIENT GETNAME
pub fn client_getname(ctx: &mut Ctx) -> CmdResult {
    match &ctx.client.ident.name {
        Some(n) => ctx.out.bulk(n),
        None => ctx.out.null(),
    }
    Ok(())
}

/// CLIENT SETNAME connection-name
pub fn client_setname(ctx: &mut Ctx) -> CmdResult {
    let n = ctx.args().next_bytes()?;
    if !valid_name(n) {
        return Err(CmdError::Msg(BAD_NAME));
    }
    ctx.client.ident.name = (!n.is_empty()).then(|| n.to_vec());
    ctx.out.ok();
    Ok(())
}

/// CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>
///
/// A Redis 7.2 command, absent from 7.0; clients such as redis-py 5 send
/// it on connect (and ignore an error). Stored as 7.2 stores it, but not
/// shown in CLIENT LIST, whose fields stay 7.0's.
pub fn client_setinfo(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let (attr, val) = (a.next_bytes()?, a.next_bytes()?);
    let name = String::from_utf8_lossy(attr);
    let lib_name = if is(attr, "lib-name") {
        true
    } else if is(attr, "lib-ver") {
        false
    } else {
        return Err(CmdError::Owned(format!("ERR Unrecognized option '{name}'")));
    };
    if !valid_name(val) {
        return Err(CmdError::Owned(format!(
            "ERR {name} cannot contain spaces, newlines or special characters."
        )));
    }
    let val = (!val.is_empty()).then(|| val.to_vec());
    if lib_name {
        ctx.client.ident.lib_name = val;
    } else {
        ctx.client.ident.lib_ver = val;
    }
    ctx.out.ok();
    Ok(())
}

/// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
pub fn client_unblock(ctx: &mut Ctx) -> CmdResult {
    if ctx.argv.len() > 4 {
        return Err(subcommand_syntax(ctx));
    }
    let mut a = ctx.args();
    let id = a.next_bytes()?;
    let error = match a.next_bytes() {
        Err(_) => false,
        Ok(r) if is(r, "timeout") => false,
        Ok(r) if is(r, "error") => true,
        Ok(_) => {
            return Err(CmdError::Msg(
                "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
    };
    let id = parse_i64(id).ok_or(CmdError::NotInteger)?;
    let blocked = u64::try_from(id).is_ok_and(|id| ctx.srv.blocking.is_blocked(id));
    if blocked {
        ctx.srv.blocking.unblock_requests.push((id as u64, error));
    }
    ctx.out.int(i64::from(blocked));
    Ok(())
}

/// CLIENT REPLY ON|OFF|SKIP
///
/// The loop drops what a command wrote while replies are off or skipped
/// (see `execute` in the server); here only the mode changes.
pub fn client_reply(ctx: &mut Ctx) -> CmdResult {
    let arg = ctx.args().next_bytes()?;
    let r = &mut ctx.client.reply;
    if is(arg, "on") {
        r.on();
        ctx.out.ok();
    } else if is(arg, "off") {
        r.off();
    } else if is(arg, "skip") {
        r.skip_next();
    } else {
        return Err(CmdError::Syntax);
    }
    Ok(())
}

/// CLIENT NO-EVICT ON|OFF
///
/// Only a flag (`e` in CLIENT LIST): clients are never evicted here.
pub fn client_no_evict(ctx: &mut Ctx) -> CmdResult {
    ctx.client.no_evict = on_off(ctx.args().next_bytes()?)?;
    ctx.out.ok();
    Ok(())
}

/// CLIENT NO-TOUCH ON|OFF
///
/// A Redis 7.2 command: while on, this client's commands leave the keys'
/// LRU clock alone, except TOUCH (`T` in CLIENT LIST, as 7.2 shows it).
pub fn client_no_touch(ctx: &mut Ctx) -> CmdResult {
    ctx.client.no_touch = on_off(ctx.args().next_bytes()?)?;
    ctx.out.ok();
    Ok(())
}

// ---------------------------------------------------------------------------
// Tracking (not implemented: answered as a client that never enabled it)
// ---------------------------------------------------------------------------

/// The reply to CLIENT TRACKING ON.
/// CLIENT TRACKING ON|OFF [REDIRECT client-id] [PREFIX prefix ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
///
/// Options and mode switches are checked in Redis's order, with its
/// errors. ON again keeps the BCAST prefixes already registered and adds
/// the new ones; OFF forgets them. See [`crate::tracking`].
pub fn client_tracking(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let mode = a.next_bytes()?;
    let mut redirect = None;
    let mut prefixes: Vec<Bytes> = Vec::new();
    let (mut bcast, mut optin, mut optout, mut noloop) = (false, false, false, false);
    while let Ok(opt) = a.next_bytes() {
        if is(opt, "redirect") && !a.is_empty() {
            if redirect.is_some() {
                return Err(CmdError::Msg(
                    "ERR A client can only redirect to a single other client",
                ));
            }
            let id = parse_i64(a.next_bytes()?).ok_or(CmdError::NotInteger)?;
            let exists = id == ctx.client.id as i64
                || u64::try_from(id).is_ok_and(|id| ctx.srv.clients.exists(id));
            if !exists {
                return Err(CmdError::Msg(
                    "ERR The client ID you want redirect to does not exist",
                ));
            }
            redirect = Some(id as u64);
        } else if is(opt, "bcast") {
            bcast = true;
        } else if is(opt, "optin") {
            optin = true;
        } else if is(opt, "optout") {
            optout = true;
        } else if is(opt, "noloop") {
            noloop = true;
        } else if is(opt, "prefix") && !a.is_empty() {
            prefixes.push(Bytes::copy_from_slice(a.next_bytes()?));
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let t = &ctx.client.track;
    if is(mode, "off") {
        if t.on {
            ctx.srv.tracking.disable(ctx.client.id);
        }
        ctx.client.track = Default::default();
        ctx.out.ok();
        return Ok(());
    }
    if !is(mode, "on") {
        return Err(CmdError::Syntax);
    }
    if !bcast && !prefixes.is_empty() {
        return Err(CmdError::Msg(
            "ERR PREFIX option requires BCAST mode to be enabled",
        ));
    }
    if t.on && t.bcast != bcast {
        return Err(CmdError::Msg("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."));
    }
    if bcast && (optin || optout) {
        return Err(CmdError::Msg(
            "ERR OPTIN and OPTOUT are not compatible with BCAST",
        ));
    }
    if optin && optout {
        return Err(CmdError::Msg(
            "ERR You can't specify both OPTIN mode and OPTOUT mode",
        ));
    }
    if (optin && t.optout) || (optout && t.optin) {
        return Err(CmdError::Msg("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."));
    }
    if bcast {
        for (i, p) in prefixes.iter().enumerate() {
            let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            if let Some(e) = crate::tracking::Tracking::overlap(p, &t.prefixes) {
                return Err(CmdError::Owned(format!("ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.", show(p), show(e))));
            }
            let others: Vec<Bytes> = prefixes
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, q)| q.clone())
                .collect();
            if let Some(e) = crate::tracking::Tracking::overlap(p, &others) {
                return Err(CmdError::Owned(format!("ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.", show(p), show(e))));
            }
        }
        if prefixes.is_empty() && !t.prefixes.iter().any(|p| p.is_empty()) {
            prefixes.push(Bytes::new());
        }
    }
    let t = &mut ctx.client.track;
    t.on = true;
    t.broken = false;
    t.redirect = redirect.unwrap_or(0);
    t.bcast = bcast;
    t.optin = optin;
    t.optout = optout;
    t.noloop = noloop;
    t.prefixes.extend(prefixes);
    ctx.srv.tracking.enable(ctx.client.id, t);
    ctx.out.ok();
    Ok(())
}

/// CLIENT CACHING YES|NO: whether the next command's reads are tracked,
/// in OPTIN (YES) or OPTOUT (NO) mode.
pub fn client_caching(ctx: &mut Ctx) -> CmdResult {
    let t = &ctx.client.track;
    if !t.on || !(t.optin || t.optout) {
        return Err(CmdError::Msg("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"));
    }
    let v = ctx.args().next_bytes()?;
    if is(v, "yes") {
        if !t.optin {
            return Err(CmdError::Msg(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            ));
        }
        ctx.client.track.caching = Some(true);
    } else if is(v, "no") {
        if !t.optout {
            return Err(CmdError::Msg(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            ));
        }
        ctx.client.track.caching = Some(false);
    } else {
        return Err(CmdError::Syntax);
    }
    ctx.out.ok();
    Ok(())
}

/// CLIENT GETREDIR: -1 when not tracking, 0 without REDIRECT.
pub fn client_getredir(ctx: &mut Ctx) -> CmdResult {
    ctx.out.int(ctx.client.track.redir());
    Ok(())
}

/// CLIENT TRACKINGINFO
pub fn client_trackinginfo(ctx: &mut Ctx) -> CmdResult {
    let t = &ctx.client.track;
    ctx.out.map(3);
    ctx.out.bulk(b"flags");
    let flags = t.flag_names();
    ctx.out.set(flags.len());
    for f in flags {
        ctx.out.bulk(f.as_bytes());
    }
    ctx.out.bulk(b"redirect");
    ctx.out.int(t.redir());
    ctx.out.bulk(b"prefixes");
    // Sorted, as Redis keeps them in a radix tree.
    let mut prefixes: Vec<&Bytes> = t.prefixes.iter().collect();
    prefixes.sort();
    ctx.out.array(prefixes.len());
    for p in prefixes {
        ctx.out.bulk(p);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// CLIENT LIST and CLIENT INFO
// ---------------------------------------------------------------------------

/// Redis's client classes (CLIENT LIST TYPE, CLIENT KILL TYPE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Normal,
    Replica,
    Pubsub,
    Master,
}

impl Class {
    /// Parses a class name (`Unknown client type` otherwise).
    fn parse(name: &[u8]) -> Result<Class, CmdError> {
        match name.to_ascii_lowercase().as_slice() {
            b"normal" => Ok(Class::Normal),
            b"slave" | b"replica" => Ok(Class::Replica),
            b"pubsub" => Ok(Class::Pubsub),
            b"master" => Ok(Class::Master),
            _ => Err(CmdError::Owned(format!(
                "ERR Unknown client type '{}'",
                String::from_utf8_lossy(name)
            ))),
        }
    }

    /// A client's class: MONITOR clients count as normal, as in Redis;
    /// there are no replicas or masters.
    fn of(s: &ClientState) -> Class {
        if s.subs.active() {
            Class::Pubsub
        } else {
            Class::Normal
        }
    }
}

/// Redis's static reply buffer: output up to this size is `obl`, the
/// rest `omem` (and only the rest counts against output limits).
const REPLY_CHUNK: usize = 16 * 1024;

/// What CLIENT LIST shows of one client, gathered from its session and
/// (for other clients) its connection.
struct Row<'a> {
    s: &'a ClientState,
    resp: u8,
    /// Output not yet written.
    pending: usize,
    /// Output and input buffer allocations.
    buffers: usize,
    qbuf: usize,
    qbuf_free: usize,
    /// WRITABLE interest registered (output waiting for the socket).
    writing: bool,
    close_asap: bool,
    /// Blocked on keys, or held by CLIENT PAUSE.
    blocked: bool,
    /// Bytes of the arguments it holds (running, blocked or postponed).
    argv_mem: usize,
}

fn argv_len(argv: &[Bytes]) -> usize {
    argv.iter().map(|a| a.len()).sum()
}

impl<'a> Row<'a> {
    /// The running client, from its handler context.
    fn current(ctx: &'a Ctx) -> Row<'a> {
        Row::running(ctx.client, ctx.out, ctx.argv)
    }

    /// The client whose command is running, from its parts.
    fn running(s: &'a ClientState, out: &Out, argv: &[Bytes]) -> Row<'a> {
        Row {
            s,
            resp: out.resp,
            pending: out.buf.len(),
            buffers: out.buf.capacity() + s.qbuf + s.qbuf_free,
            qbuf: s.qbuf,
            qbuf_free: s.qbuf_free,
            writing: false,
            close_asap: false,
            blocked: false,
            argv_mem: argv_len(argv),
        }
    }

    /// Another client, from its connection.
    fn other(c: &'a Conn, st: &State) -> Row<'a> {
        let blocked = st.blocking.clients.get(&c.state.id);
        let held = blocked.map(|b| &b.argv[..]).or(c.postponed.as_deref());
        Row {
            s: &c.state,
            resp: c.out.resp,
            pending: c.out.buf.len(),
            buffers: c.out.buf.capacity() + c.rbuf.capacity(),
            qbuf: c.rbuf.len(),
            qbuf_free: c.rbuf.capacity() - c.rbuf.len(),
            writing: c.writable_registered,
            close_asap: c.state.closing == Closing::Asap,
            blocked: held.is_some(),
            argv_mem: held.map_or(0, argv_len),
        }
    }

    /// Redis's `catClientInfoString`: the same fields in the same order.
    fn render(&self, o: &mut String, st: &State) {
        let s = self.s;
        let mut flags = String::new();
        for (on, f) in [
            (s.monitor, 'O'),
            (s.subs.active(), 'P'),
            (s.multi.active || s.multi.executing, 'x'),
            (self.blocked, 'b'),
            (s.track.on, 't'),
            (s.track.broken, 'R'),
            (s.track.bcast, 'B'),
            (st.watches.is_dirty(s.id), 'd'),
            (s.closing == Closing::AfterReply, 'c'),
            (self.close_asap, 'A'),
            (s.ident.unix, 'U'),
            (s.no_evict, 'e'),
            (s.no_touch, 'T'),
        ] {
            if on {
                flags.push(f);
            }
        }
        if flags.is_empty() {
            flags.push('N');
        }
        let multi = if s.multi.active || s.multi.executing {
            s.multi.queue.len() as i64
        } else {
            -1
        };
        // Redis counts 8 bytes per argument pointer of a queued command.
        let multi_mem: usize = s
            .multi
            .queue
            .iter()
            .map(|q| argv_len(q) + 8 * q.len())
            .sum();
        let obl = self.pending.min(REPLY_CHUNK);
        let omem = self.pending - obl;
        let oll = omem.div_ceil(REPLY_CHUNK);
        let tot_mem = std::mem::size_of::<Conn>()
            + self.buffers
            + self.argv_mem
            + multi_mem
            + s.subs.channels.len()
            + s.subs.patterns.len()
            + s.subs.shard.len();
        let now_s = st.now_ms / 1000;
        let cmd = match s.last_cmd {
            Some(id) => super::fullname_of(id),
            None => "NULL".to_string(),
        };
        let _ = writeln!(
            o,
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll={} omem={} tot-mem={} events={} cmd={} user={} redir={} resp={}",
            s.id,
            s.ident.addr,
            s.ident.laddr,
            s.ident.fd,
            String::from_utf8_lossy(s.ident.name.as_deref().unwrap_or_default()),
            now_s - s.ident.created_ms / 1000,
            now_s - s.last_interaction_ms / 1000,
            flags,
            s.db,
            s.subs.channels.len(),
            s.subs.patterns.len(),
            s.subs.shard.len(),
            multi,
            self.qbuf,
            self.qbuf_free,
            self.argv_mem,
            multi_mem,
            REPLY_CHUNK,
            REPLY_CHUNK,
            obl,
            oll,
            omem,
            tot_mem,
            if self.writing { "rw" } else { "r" },
            cmd,
            String::from_utf8_lossy(st.acl.name(s.user)),
            s.track.redir(),
            self.resp,
        );
    }
}

/// CLIENT INFO's line for the client whose command `argv` is running
/// (the ACL log's `client-info`).
pub fn info_line(st: &State, client: &ClientState, out: &Out, argv: &[Bytes]) -> String {
    let mut o = String::new();
    Row::running(client, out, argv).render(&mut o, st);
    o.pop();
    o
}

/// CLIENT INFO
pub fn client_info(ctx: &mut Ctx) -> CmdResult {
    let mut o = String::new();
    Row::current(ctx).render(&mut o, ctx.srv);
    ctx.out.verbatim("txt", o.as_bytes());
    Ok(())
}

/// CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]
///
/// One line per client, oldest first, with Redis 7.0's fields. Values
/// that have no counterpart here are approximated:
/// - `rbs`/`rbp` are always 16384 (Redis's initial reply buffer; there is
///   one growable output buffer here), `obl` is the first 16 KB of
///   pending output, `omem` the rest and `oll` that rest in 16 KB chunks;
/// - `qbuf-free` is the read buffer's spare capacity;
/// - `argv-mem` counts the bytes of arguments a client holds (the running
///   command, or a blocked or paused one), `multi-mem` queued commands'
///   bytes plus 8 per argument, as Redis;
/// - `tot-mem` adds the connection struct, buffer capacities and those;
/// - `age`/`idle` use the loop clock; `idle` counts from the last command;
/// - `user` is always `default` (no ACLs yet).
pub fn client_list(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let mut class = None;
    let mut ids = None;
    if ctx.argv.len() == 4 && a.eat("type") {
        class = Some(Class::parse(a.next_bytes()?)?);
    } else if ctx.argv.len() > 3 && a.eat("id") {
        let list = a
            .rest()
            .iter()
            .map(|b| parse_i64(b).ok_or(CmdError::Msg("ERR Invalid client ID")))
            .collect::<Result<Vec<i64>, _>>()?;
        ids = Some(list);
    } else if ctx.argv.len() != 2 {
        return Err(CmdError::Syntax);
    }
    let me = ctx.client.id;
    let mut o = String::new();
    let st = &*ctx.srv;
    match ids {
        Some(ids) => {
            // In the order asked, repeats included, as Redis.
            for id in ids {
                if id == me as i64 {
                    Row::current(ctx).render(&mut o, st);
                } else if let Some(c) = u64::try_from(id).ok().and_then(|id| lookup(st, id)) {
                    Row::other(c, st).render(&mut o, st);
                }
            }
        }
        None => {
            let mut rows: Vec<Row> = st
                .clients
                .iter()
                .filter(|(key, _)| !st.clients.killed.contains(key))
                .map(|(_, c)| Row::other(c, st))
                .collect();
            rows.push(Row::current(ctx));
            rows.sort_by_key(|r| r.s.id);
            for r in rows
                .iter()
                .filter(|r| class.is_none_or(|k| k == Class::of(r.s)))
            {
                r.render(&mut o, st);
            }
        }
    }
    ctx.out.verbatim("txt", o.as_bytes());
    Ok(())
}

/// Another client by id, unless CLIENT KILL already closed it.
fn lookup(st: &State, id: u64) -> Option<&Conn> {
    let key = st.clients.key_of(id)?;
    if st.clients.killed.contains(&key) {
        return None;
    }
    st.clients.get(key)
}

// ---------------------------------------------------------------------------
// CLIENT KILL
// ---------------------------------------------------------------------------

/// Which clients CLIENT KILL closes.
#[derive(Default)]
struct KillFilter<'a> {
    addr: Option<&'a [u8]>,
    laddr: Option<&'a [u8]>,
    class: Option<Class>,
    id: Option<u64>,
    user: Option<usize>,
    skipme: bool,
}

impl KillFilter<'_> {
    fn matches(&self, s: &ClientState) -> bool {
        self.addr.is_none_or(|a| a == s.ident.addr.as_bytes())
            && self.laddr.is_none_or(|a| a == s.ident.laddr.as_bytes())
            && self.class.is_none_or(|k| k == Class::of(s))
            && self.id.is_none_or(|id| id == s.id)
            && self.user.is_none_or(|u| u == s.user)
    }
}

/// CLIENT KILL ip:port
/// CLIENT KILL [ID client-id] [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME YES|NO] ...
///
/// The old form answers +OK or `No such client` and may kill the caller;
/// the new form answers the count and skips the caller unless SKIPME NO.
/// Killed clients are closed by the loop right after this command, without
/// their pending output; the caller, if killed, after this reply.
pub fn client_kill(ctx: &mut Ctx) -> CmdResult {
    let old_form = ctx.argv.len() == 3;
    let mut f = KillFilter::default();
    let mut a = ctx.args();
    if old_form {
        f.addr = Some(a.next_bytes()?);
    } else {
        f.skipme = true;
        while let Ok(opt) = a.next_bytes() {
            let Ok(val) = a.next_bytes() else {
                return Err(CmdError::Syntax);
            };
            if is(opt, "id") {
                let id = parse_i64(val)
                    .filter(|&n| n >= 1)
                    .ok_or(CmdError::Msg("ERR client-id should be greater than 0"))?;
                f.id = Some(id as u64);
            } else if is(opt, "type") {
                f.class = Some(Class::parse(val)?);
            } else if is(opt, "addr") {
                f.addr = Some(val);
            } else if is(opt, "laddr") {
                f.laddr = Some(val);
            } else if is(opt, "user") {
                let Some(slot) = ctx.srv.acl.find(val) else {
                    return Err(CmdError::Owned(format!(
                        "ERR No such user '{}'",
                        String::from_utf8_lossy(val)
                    )));
                };
                f.user = Some(slot);
            } else if is(opt, "skipme") {
                f.skipme = if is(val, "yes") {
                    true
                } else if is(val, "no") {
                    false
                } else {
                    return Err(CmdError::Syntax);
                };
            } else {
                return Err(CmdError::Syntax);
            }
        }
    }
    let clients = &mut ctx.srv.clients;
    let mut doomed: Vec<usize> = clients
        .iter()
        .filter(|(key, c)| f.matches(&c.state) && !clients.killed.contains(key))
        .map(|(key, _)| key)
        .collect();
    let mut killed = doomed.len();
    for &key in &doomed {
        if let Some(c) = clients.get_mut(key) {
            c.state.closing = Closing::Asap;
        }
    }
    clients.killed.append(&mut doomed);
    let me = !f.skipme && f.matches(ctx.client);
    killed += usize::from(me);
    if old_form {
        if killed == 0 {
            return Err(CmdError::Msg("ERR No such client"));
        }
        ctx.out.ok();
    } else {
        ctx.out.int(killed as i64);
    }
    if me {
        ctx.client.closing.raise(Closing::AfterReply);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// CLIENT PAUSE / UNPAUSE
// ---------------------------------------------------------------------------

/// CLIENT PAUSE timeout [WRITE|ALL]
///
/// Until `timeout` ms from now, clients' commands wait (all of them, or
/// with WRITE those that may write: the write and may-replicate flags,
/// and EXEC of a transaction holding one) — the caller's too, and CLIENT
/// UNPAUSE from a client held by ALL. A held command stays parsed in its
/// connection with the input behind it unread; the loop runs it when the
/// pause ends (its poll timeout includes the end). A second PAUSE keeps
/// the later end and the stricter mode. MONITOR clients are never held
/// (they are replicas to Redis); active expiry stops meanwhile.
pub fn client_pause(ctx: &mut Ctx) -> CmdResult {
    if ctx.argv.len() > 4 {
        return Err(subcommand_syntax(ctx));
    }
    let mut a = ctx.args();
    let timeout = a.next_bytes()?;
    let all = match a.next_bytes() {
        Err(_) => true,
        Ok(m) if is(m, "write") => false,
        Ok(m) if is(m, "all") => true,
        Ok(_) => return Err(CmdError::Msg("ERR CLIENT PAUSE mode must be WRITE or ALL")),
    };
    let ms = parse_i64(timeout).ok_or(CmdError::Msg(
        "ERR timeout is not an integer or out of range",
    ))?;
    if ms < 0 {
        return Err(CmdError::Msg("ERR timeout is negative"));
    }
    let now = ctx.now();
    let end = if ms > 0 {
        now.checked_add(ms)
            .ok_or(CmdError::Msg("ERR timeout is out of range"))?
    } else {
        0
    };
    let p = &mut ctx.srv.clients.pause;
    if p.active(now) {
        p.end_ms = p.end_ms.max(end);
        p.all |= all;
    } else {
        p.end_ms = end;
        p.all = all;
    }
    ctx.out.ok();
    Ok(())
}

/// CLIENT UNPAUSE
pub fn client_unpause(ctx: &mut Ctx) -> CmdResult {
    let p = &mut ctx.srv.clients.pause;
    p.end_ms = 0;
    p.all = false;
    ctx.out.ok();
    Ok(())
}

/// Whether CLIENT PAUSE (in force) holds `argv` back, as Redis's
/// processCommand decides: commands that fail to resolve, are refused
/// before running (authentication, ACL, subscribed mode) or come from a
/// MONITOR client run at once. Notes the command as the client's last
/// one, as Redis's lookup does.
pub fn held_by_pause(
    all: bool,
    client: &mut ClientState,
    acl: &crate::acl::Acl,
    resp3: bool,
    argv: &[Bytes],
) -> bool {
    if client.monitor {
        return false;
    }
    let Resolved::Ok(spec, parent, _) = resolve(argv) else {
        return false;
    };
    let denied = || {
        !acl.is_unrestricted(client.user)
            && acl
                .users
                .get(client.user)
                .is_none_or(|u| u.check(super::command_id(spec, parent), argv).is_err())
    };
    if (!client.authenticated && !spec.has(flags::NO_AUTH))
        || (!resp3
            && client.subs.active()
            && !super::pubsub::allowed_when_subscribed(super::call::top_name(spec, parent)))
        || denied()
    {
        return false;
    }
    let may_write = |argv: &[Bytes]| match resolve(argv) {
        Resolved::Ok(spec, _, _) => spec.has(flags::WRITE | flags::MAY_REPLICATE),
        _ => false,
    };
    let held = all
        || may_write(argv)
        || (super::call::top_name(spec, parent) == "exec"
            && client.multi.queue.iter().any(|q| may_write(q)));
    if held {
        client.last_cmd = Some(super::command_id(spec, parent));
    }
    held
}

// ---------------------------------------------------------------------------
// MONITOR
// ---------------------------------------------------------------------------

/// MONITOR
///
/// From now on the client receives a line for every command any client
/// runs (its own included), after it ran. It can still run commands that
/// do not touch the keyspace; QUIT and RESET end it. A second MONITOR
/// gets no reply, as in Redis.
pub fn monitor(ctx: &mut Ctx) -> CmdResult {
    if ctx.client.multi.executing {
        return Err(CmdError::Msg(
            "ERR MONITOR isn't allowed for DENY BLOCKING client",
        ));
    }
    if ctx.client.monitor {
        return Ok(());
    }
    ctx.client.monitor = true;
    ctx.srv.clients.monitors.push(ctx.client.id);
    ctx.out.ok();
    Ok(())
}

/// Appends the MONITOR line for a command that just ran to the feed the
/// loop copies to every monitor: Redis's `replicationFeedMonitors` format,
/// `+<unix time with µs> [<db> <addr>] "arg" ...`, with the database the
/// client is in after the command.
pub fn feed_monitors(st: &mut State, client: &ClientState, argv: &[Bytes], from_script: bool) {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let feed = &mut st.clients.monitor_feed;
    let head = format!(
        "+{}.{:06} [{} {}] ",
        t.as_secs(),
        t.subsec_micros(),
        client.db,
        if from_script {
            "lua"
        } else {
            &client.ident.addr
        }
    );
    feed.extend_from_slice(head.as_bytes());
    for (i, a) in argv.iter().enumerate() {
        if i > 0 {
            feed.push(b' ');
        }
        repr(feed, a);
    }
    feed.extend_from_slice(b"\r\n");
}

/// Redis's `sdscatrepr`: `s` quoted, with `\\`, `\"`, `\n`, `\r`, `\t`,
/// `\a`, `\b` escaped and other bytes outside printable ASCII as `\xHH`.
pub fn repr(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &c in s {
        match c {
            b'\\' | b'"' => out.extend_from_slice(&[b'\\', c]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            b' '..=b'~' => out.push(c),
            _ => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// `argv` with the arguments marked in `mask` (see `Ctx::redacted`)
/// replaced by `(redacted)`; borrowed as it is when none are.
pub fn redact(argv: &[Bytes], mask: u64) -> std::borrow::Cow<'_, [Bytes]> {
    if mask == 0 {
        return std::borrow::Cow::Borrowed(argv);
    }
    let hidden = |i: usize| mask & (1 << i.min(63)) != 0;
    argv.iter()
        .enumerate()
        .map(|(i, a)| {
            if hidden(i) {
                Bytes::from_static(b"(redacted)")
            } else {
                a.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_escapes_like_sdscatrepr() {
        let mut o = Vec::new();
        repr(&mut o, b"a\"\\\n\r\t\x07\x08\x00\x7f\xc3\xa9 ~");
        assert_eq!(
            String::from_utf8(o).unwrap(),
            r#""a\"\\\n\r\t\a\b\x00\x7f\xc3\xa9 ~""#
        );
    }

    #[test]
    fn redact_replaces_positions() {
        let argv: Vec<Bytes> = ["auth", "u", "p"].iter().map(|s| Bytes::from(*s)).collect();
        let r = redact(&argv, 1 << 2);
        assert_eq!(r[1], "u");
        assert_eq!(r[2], "(redacted)");
        assert_eq!(redact(&argv, 0)[2], "p");
    }
}
