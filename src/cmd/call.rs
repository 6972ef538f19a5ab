//! The call path, as Redis's `processCommand` and `call`, in three steps:
//!
//! 1. [`admit`]: lookup and arity, authentication, `no_multi` inside
//!    MULTI, ACL, maxmemory, the disk error check for writes, the RESP2
//!    subscriber context, MONITOR clients, MULTI queueing. A refusal is a
//!    reply, and the command does not run.
//! 2. run: the handler, with a [`Ctx`] that owns the command's [`Frame`].
//! 3. [`finish`]: the error reply, statistics, the slow log and latency
//!    monitor, MONITOR, propagation of what changed the dataset, and the
//!    messages the command raised for its own caller.
//!
//! [`call`] runs a client's command; [`call_nested`] runs a command from
//! inside another one (EXEC's queued commands), with a frame of its own
//! whose effects and trailing messages go to the outer frame.

use bytes::{Bytes, BytesMut};

use super::{
    acl, client, command_id, flags, fullname, pubsub, resolve, CommandSpec, Ctx, Resolved,
};
use crate::cmdinfo::{docs, keyspec, CommandId};
use crate::conn::ClientState;
use crate::frame::{Frame, Raised};
use crate::resp::Out;
use crate::state::State;
use crate::tracking;

/// An admitted command: its spec, its container (for subcommands) and
/// where its arguments start.
#[derive(Clone, Copy)]
struct Admitted {
    id: CommandId,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
    arg0: usize,
}

/// Runs one command of a client, from lookup to finish, and applies
/// CLIENT REPLY to what it wrote. Returns whether it propagated anything
/// (its reply must then wait for the AOF write).
pub fn call(st: &mut State, client: &mut ClientState, out: &mut Out, argv: &[Bytes]) -> bool {
    client.last_interaction_ms = st.now_ms;
    let mark = out.buf.len();
    let track = tracking::Current::of(&client.track);
    let mut frame = Frame::new(client.id, track, out.is_resp3());
    if client.reply.suppressed() {
        // Push messages get through (see `Out::push_message`).
        out.kept = Some(BytesMut::new());
    }
    let propagated = run(st, client, out, argv, &mut frame, None);
    // CLIENT PAUSE (or UNPAUSE) takes effect on expiry after the command
    // that ran it: after EXEC, when it ran in a transaction.
    if st.clients.pause.end_ms != st.dbs.expiry_suspended_until() {
        let end = st.clients.pause.end_ms;
        st.dbs.suspend_expiry(end);
    }
    if !client.reply.is_on() || out.kept.is_some() {
        if client.reply.suppressed() {
            out.buf.truncate(mark);
        }
        if let Some(kept) = out.kept.take() {
            out.buf.extend_from_slice(&kept);
        }
        // A blocked command's reply comes later; SKIP waits for it.
        if !st.blocking.is_blocked(client.id) {
            client.reply.advance();
        }
    }
    propagated
}

/// Runs `argv` for the client of `outer` from inside the command `outer`
/// is running (EXEC): a frame of its own, whose effects on the dataset
/// and the caller's trailing messages join the outer command's.
pub fn call_nested(outer: &mut Ctx, argv: &[Bytes]) {
    let track = tracking::Current::of(&outer.client.track);
    let mut frame = Frame::new(outer.client.id, track, outer.out.is_resp3());
    run(
        outer.srv,
        outer.client,
        outer.out,
        argv,
        &mut frame,
        Some(&mut *outer.frame),
    );
}

/// Admission, the handler, finishing. Returns whether the command
/// propagated anything to the sinks.
fn run(
    st: &mut State,
    client: &mut ClientState,
    out: &mut Out,
    argv: &[Bytes],
    frame: &mut Frame,
    outer: Option<&mut Frame>,
) -> bool {
    let Some(cmd) = admit(st, client, out, argv, frame) else {
        return false;
    };
    execute(st, client, out, argv, frame, outer, cmd)
}

/// The handler and finishing, for an admitted command.
#[inline(always)]
fn execute(
    st: &mut State,
    client: &mut ClientState,
    out: &mut Out,
    argv: &[Bytes],
    frame: &mut Frame,
    outer: Option<&mut Frame>,
    cmd: Admitted,
) -> bool {
    let Some(handler) = cmd.spec.handler else {
        return false;
    };
    let dirty_before = st.dirty;
    let reply_start = out.buf.len();
    // Monitors see each command once, after it ran: not admin commands,
    // not a blocked command's re-runs, not the AOF being loaded.
    let monitored = !st.clients.monitors.is_empty()
        && !st.loading
        && !cmd.spec.has(flags::SKIP_MONITOR | flags::ADMIN)
        && !st.blocking.is_blocked(client.id);
    // CLIENT NO-TOUCH: lookups leave the LRU clock alone (except TOUCH).
    frame.no_touch = client.no_touch && cmd.spec.name != "touch";
    let start = crate::cpu::Stamp::now();
    let mut ctx = Ctx {
        argv,
        out,
        client,
        srv: st,
        cmd: cmd.spec,
        parent: cmd.parent,
        arg0: cmd.arg0,
        frame,
    };
    let result = handler(&mut ctx);
    let Ctx {
        out,
        client,
        srv: st,
        frame,
        ..
    } = ctx;
    let usec = start.elapsed_us();
    let done = Done {
        cmd,
        argv,
        result,
        usec,
        monitored,
        changed: st.dirty != dirty_before,
        reply_start,
    };
    finish(st, client, out, frame, done, outer)
}

/// What a script's run carries from one `redis.call` to the next.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScriptRun {
    /// Writes are refused (EVAL_RO, FCALL_RO, `no-writes`).
    pub read_only: bool,
    /// `allow-oom`: deny-oom commands run over maxmemory.
    pub allow_oom: bool,
    /// Memory was over maxmemory when the script started.
    pub oom: bool,
    /// The script has changed the dataset.
    pub wrote: bool,
}

/// Runs `argv` from a script that `client` runs (EVAL, FCALL, whose
/// frame is `outer`): admission as Redis's `scriptCall` words it, then the
/// handler and finishing with a frame of its own, whose effects join the
/// script's. The reply goes to `out` (in the script's protocol). `Err` is
/// a refusal before the command ran.
pub fn call_from_script(
    st: &mut State,
    client: &mut ClientState,
    outer: &mut Frame,
    out: &mut Out,
    argv: &[Bytes],
    script_argv: &[Bytes],
    run: &mut ScriptRun,
) -> Result<(), String> {
    let (spec, parent, arg0) = match resolve(argv) {
        Resolved::Err(_) => {
            let msg = "ERR Unknown Redis command called from script";
            st.stats.error(msg);
            return Err(msg.into());
        }
        Resolved::Arity(spec, parent, _) => {
            let msg = "ERR Wrong number of args calling Redis command from script";
            script_reject(st, spec, parent, msg);
            return Err(msg.into());
        }
        Resolved::Ok(spec, parent, arg0) => (spec, parent, arg0),
    };
    if let Err(msg) = script_admit(st, client, out, spec, parent, argv, run) {
        script_reject(st, spec, parent, &msg);
        return Err(msg);
    }
    let track = tracking::Current::of(&client.track);
    let mut frame = Frame::new(client.id, track, out.is_resp3());
    frame.from_script = true;
    let dirty = st.dirty;
    let cmd = Admitted {
        id: command_id(spec, parent),
        spec,
        parent,
        arg0,
    };
    execute(st, client, out, argv, &mut frame, Some(outer), cmd);
    run.wrote |= st.dirty != dirty;
    if spec.has(flags::READONLY) && client.track.tracks_reads() {
        // As Redis 7.0: a read inside a script makes the caller track the
        // keys the script declared (its own command's), each time, not
        // the keys the command read.
        if let Resolved::Ok(s, p, _) = resolve(script_argv) {
            remember_keys(st, client.id, s, p, script_argv);
        }
    }
    Ok(())
}

/// A refusal of a command a script runs counts as Redis's `scriptCall`
/// counts it: in errorstats and the command's `rejected_calls`.
fn script_reject(
    st: &mut State,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
    msg: &str,
) {
    st.stats.error(msg);
    st.stats.command(command_id(spec, parent)).rejected += 1;
}

/// Whether a script may run this command now: Redis's `scriptCall`
/// checks and their texts.
fn script_admit(
    st: &mut State,
    client: &ClientState,
    out: &Out,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
    argv: &[Bytes],
    run: &ScriptRun,
) -> Result<(), String> {
    if spec.has(flags::NOSCRIPT) {
        return Err("ERR This Redis command is not allowed from script".into());
    }
    if !st.acl.is_unrestricted(client.user) {
        script_acl_check(st, client, out, spec, parent, argv)?;
    }
    if spec.has(flags::WRITE) {
        if run.read_only {
            return Err("ERR Write commands are not allowed from read-only scripts.".into());
        }
        if let Some(why) = st.aof.as_ref().and_then(|a| a.disk_error()) {
            return Err(format!("MISCONF Errors writing to the AOF file: {why}"));
        }
    }
    // Deny-oom commands are refused while memory was over the limit when
    // the script started, until the script has written (then it must be
    // allowed to finish what it began), as Redis 7.0.
    if st.config.maxmemory != 0
        && run.oom
        && !run.allow_oom
        && !run.wrote
        && spec.has(flags::DENYOOM)
    {
        return Err(crate::evict::OOM_ERR.into());
    }
    Ok(())
}

/// The ACL check of a command a script runs: the ACL log (context `lua`)
/// and the script's wording of the refusal.
fn script_acl_check(
    st: &mut State,
    client: &ClientState,
    out: &Out,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
    argv: &[Bytes],
) -> Result<(), String> {
    let Err(denial) = acl_check_logged(st, client, out, spec, parent, argv, "lua") else {
        return Ok(());
    };
    Err(match denial {
        crate::acl::Denial::Command => {
            "ERR The user executing the script can't run this command or subcommand"
        }
        crate::acl::Denial::Key => {
            "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments"
        }
        crate::acl::Denial::Channel => {
            "ERR The user executing the script can't publish to the channel mentioned in the command"
        }
    }
    .into())
}

/// Admission: whether the command may run now, as Redis's
/// `processCommand` decides. A refused command has had its error reply
/// (or, inside MULTI, was queued and answered QUEUED).
fn admit(
    st: &mut State,
    client: &mut ClientState,
    out: &mut Out,
    argv: &[Bytes],
    frame: &mut Frame,
) -> Option<Admitted> {
    // CLIENT LIST's `cmd` is noted at lookup, as Redis's processCommand
    // does (inside EXEC it stays `exec`).
    let note = !client.multi.executing;
    let (spec, parent, arg0) = match resolve(argv) {
        Resolved::Err(msg) => {
            if note {
                client.last_cmd = None;
            }
            out.error(&msg);
            st.stats.error(&msg);
            // A bad command inside MULTI dooms the transaction.
            client.multi.error |= client.multi.active;
            return None;
        }
        Resolved::Arity(spec, parent, msg) => {
            if note {
                client.last_cmd = Some(command_id(spec, parent));
            }
            reject(st, client, out, spec, parent, &msg);
            return None;
        }
        Resolved::Ok(spec, parent, arg0) => (spec, parent, arg0),
    };
    let id = command_id(spec, parent);
    if note {
        client.last_cmd = Some(id);
    }
    if let Some(msg) = refusal(st, client, out, argv, frame, spec, parent) {
        reject(st, client, out, spec, parent, &msg);
        return None;
    }
    if client.multi.active
        && !matches!(
            top_name(spec, parent),
            "exec" | "discard" | "multi" | "quit" | "reset" | "watch"
        )
    {
        // Queued, copied out of the read buffer (it may be long-lived).
        client
            .multi
            .queue
            .push(argv.iter().map(|a| Bytes::copy_from_slice(a)).collect());
        out.simple("QUEUED");
        return None;
    }
    Some(Admitted {
        id,
        spec,
        parent,
        arg0,
    })
}

/// The checks that refuse a known command before MULTI queues it, in
/// Redis's order: authentication, commands flagged `no_multi` inside
/// MULTI, ACL, maxmemory, MISCONF, the RESP2 subscriber context, MONITOR
/// clients. Returns the error to reply with.
fn refusal(
    st: &mut State,
    client: &mut ClientState,
    out: &Out,
    argv: &[Bytes],
    frame: &mut Frame,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
) -> Option<String> {
    if !client.authenticated && !st.acl.default_nopass && !spec.has(flags::NO_AUTH) {
        return Some("NOAUTH Authentication required.".into());
    }
    // Before the ACL check, as Redis: SHUTDOWN (and SAVE, SYNC, PSYNC)
    // would not be queued; the transaction is doomed instead.
    if client.multi.active && spec.has(flags::NO_MULTI) {
        return Some("ERR Command not allowed inside a transaction".into());
    }
    // The permission check: one flag test for users that may run anything.
    if !st.acl.is_unrestricted(client.user) {
        if let Err(msg) = acl_check(st, client, out, spec, parent, argv) {
            return Some(msg);
        }
    }
    // A script runs past busy-reply-threshold (this command arrived while
    // the loop serves others): only what may run meanwhile runs.
    if st.script.is_busy() && !spec.has(flags::ALLOW_BUSY) {
        return Some(st.script.busy_error().into());
    }
    // maxmemory: one comparison when unset. Not for commands inside EXEC
    // or blocked commands running again (Redis checks in processCommand).
    if st.config.maxmemory != 0
        && !st.loading
        && !client.multi.executing
        && oom_rejects(st, client, frame, top_name(spec, parent), spec)
    {
        return Some(crate::evict::OOM_ERR.into());
    }
    // The tracking table stays within tracking-table-max-keys.
    if !st.tracking.clients.is_empty() {
        st.limit_tracking(frame);
    }
    // MISCONF while the disk fails: writes (EXEC with a queued write) and
    // PING, not the commands EXEC runs.
    if let Some(why) = st.aof.as_ref().and_then(|a| a.disk_error()) {
        let name = top_name(spec, parent);
        let write =
            |argv: &[Bytes]| matches!(resolve(argv), Resolved::Ok(s, _, _) if s.has(flags::WRITE));
        if !client.multi.executing
            && (spec.has(flags::WRITE)
                || name == "ping"
                || (name == "exec" && client.multi.queue.iter().any(|q| write(q))))
        {
            return Some(format!("MISCONF Errors writing to the AOF file: {why}"));
        }
    }
    // Not for the commands EXEC runs (SUBSCRIBE may have come before).
    if !out.is_resp3()
        && !client.multi.executing
        && client.subs.active()
        && !pubsub::allowed_when_subscribed(top_name(spec, parent))
    {
        return Some(format!(
            "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            fullname(spec, parent)
        ));
    }
    if client.monitor && spec.has(flags::WRITE | flags::READONLY | flags::MAY_REPLICATE) {
        // MONITOR clients are replicas to Redis, which may not touch keys.
        return Some("ERR Replica can't interact with the keyspace".into());
    }
    None
}

/// What a command's run left for finishing.
struct Done<'a> {
    cmd: Admitted,
    argv: &'a [Bytes],
    result: super::CmdResult,
    usec: u64,
    monitored: bool,
    /// The dataset changed (`dirty` moved).
    changed: bool,
    /// Where the command's reply starts in the output buffer.
    reply_start: usize,
}

/// Finishing: the error reply, statistics, slow log, latency, MONITOR,
/// propagation, and the messages the command raised for its caller.
/// Returns whether anything was propagated to the sinks.
fn finish(
    st: &mut State,
    client: &mut ClientState,
    out: &mut Out,
    frame: &mut Frame,
    done: Done,
    outer: Option<&mut Frame>,
) -> bool {
    let Admitted { spec, parent, .. } = done.cmd;
    let failed = done.result.is_err();
    if let Err(e) = &done.result {
        let msg = e.message(&fullname(spec, parent));
        out.error(&msg);
        st.stats.error(&msg);
    }
    // A command that blocked is counted once, when it is finally served
    // (or, in the loop, when it times out).
    if !frame.blocked {
        record_stats(st, client, spec, parent, &done, failed, frame);
    }
    st.stats.total_commands_processed += 1;
    if done.monitored {
        let argv = client::redact(done.argv, frame.redacted);
        client::feed_monitors(st, client, &argv, frame.from_script);
    }
    st.collect_expired(frame);
    // Most commands raise nothing beyond their reply.
    let Some(mut raised) = frame.take_raised() else {
        if outer.is_none() && !client.track.on {
            let propagate = done.changed && st.propagating();
            if propagate {
                st.propagate(client.db, done.argv);
            }
            return propagate;
        }
        let mut nothing = Raised::default();
        return finish_raised(st, client, out, frame, &done, &mut nothing, outer);
    };
    finish_raised(st, client, out, frame, &done, &mut raised, outer)
}

/// The rest of finishing, for a command that raised something (or runs
/// nested, or for a tracking client): propagation, then the messages for
/// its caller around its reply, and tracking's bookkeeping.
fn finish_raised(
    st: &mut State,
    client: &mut ClientState,
    out: &mut Out,
    frame: &Frame,
    done: &Done,
    raised: &mut Raised,
    mut outer: Option<&mut Frame>,
) -> bool {
    let Admitted { spec, parent, .. } = done.cmd;
    let propagated = propagate(
        st,
        client.db,
        done.argv,
        raised,
        done.changed,
        outer.as_deref_mut(),
    );
    if !raised.own.is_empty() && frame.from_script {
        // A script's command replies into the script, not to the client:
        // its messages for the caller go before the script's reply.
        if let Some(o) = outer.as_deref_mut() {
            o.raised().own.append(&mut raised.own);
        }
    }
    if !raised.own.is_empty() {
        // Messages to the caller precede its reply, as Redis writes them
        // while the command runs.
        let reply = out.buf.split_off(done.reply_start);
        for m in raised.own.drain(..) {
            m.write(out, &client.subs);
        }
        out.buf.unsplit(reply);
    }
    if client.track.on {
        after_tracked_command(st, client, frame, spec, parent, done.argv);
    }
    // Inside EXEC they wait for EXEC's own reply.
    if !raised.own_after.is_empty() {
        match outer {
            Some(o) => o.raised().own_after.append(&mut raised.own_after),
            None => {
                for m in raised.own_after.drain(..) {
                    m.write(out, &client.subs);
                }
            }
        }
    }
    propagated
}

/// INFO commandstats, the slow log and the latency monitor.
fn record_stats(
    st: &mut State,
    client: &ClientState,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
    done: &Done,
    failed: bool,
    frame: &Frame,
) {
    let usec = done.usec;
    let s = st.stats.command(done.cmd.id);
    s.calls += 1;
    s.usec += usec;
    s.failed += u64::from(failed);
    if !spec.has(flags::SKIP_SLOWLOG) {
        let cfg = (st.config.slowlog_log_slower_than, st.config.slowlog_max_len);
        let now_s = st.now_ms / 1000;
        let entry = |id| crate::slowlog::Entry {
            id,
            time: now_s,
            duration: usec,
            argv: crate::slowlog::shorten(&client::redact(done.argv, frame.redacted)),
            // A script's commands are its Lua client's, which has no
            // connection nor name in Redis.
            peer: if frame.from_script {
                "?:0".into()
            } else {
                client.ident.addr.clone()
            },
            name: if frame.from_script {
                Vec::new()
            } else {
                client.ident.name.clone().unwrap_or_default()
            },
        };
        st.slowlog.record(cfg, entry, usec);
    }
    let threshold = st.config.latency_monitor_threshold;
    let fast = spec.has(flags::FAST);
    let name = || fullname(spec, parent).to_ascii_lowercase();
    st.latency
        .command_done(threshold, done.cmd.id, fast, name, usec, st.now_ms);
}

/// What the command did to the dataset, in order: keys it found expired
/// (as DEL), the effects of the commands it ran (EXEC), then the command
/// itself (or its replacement) if it changed the dataset. At the top
/// level they go to the sinks through [`State::propagate`]; a nested
/// command hands them to the `outer` frame. Returns whether anything went
/// to the sinks.
fn propagate(
    st: &mut State,
    db: usize,
    argv: &[Bytes],
    raised: &mut Raised,
    changed: bool,
    outer: Option<&mut Frame>,
) -> bool {
    if !st.propagating() {
        return false;
    }
    let expired = std::mem::take(&mut raised.expired);
    let replacement = raised.propagate.take();
    let Some(o) = outer else {
        // At the top level, without copying the command.
        let fed = !expired.is_empty() || !raised.effects.is_empty() || changed;
        for (d, key) in expired {
            st.propagate(d, &[&b"DEL"[..], &key]);
        }
        for (d, c) in std::mem::take(&mut raised.effects) {
            st.propagate(d, &c);
        }
        if changed {
            match replacement {
                Some(cmds) => cmds.iter().for_each(|c| st.propagate(db, c)),
                None => st.propagate(db, argv),
            }
        }
        return fed;
    };
    let effects = &mut o.raised().effects;
    let del = |(d, key): (usize, Box<[u8]>)| (d, vec![b"DEL".to_vec(), key.into_vec()]);
    effects.extend(expired.into_iter().map(del));
    effects.append(&mut raised.effects);
    if changed {
        match replacement {
            Some(cmds) => effects.extend(cmds.into_iter().map(|c| (db, c))),
            None => effects.push((db, argv.iter().map(|a| a.to_vec()).collect())),
        }
    }
    false
}

/// CLIENT TRACKING bookkeeping after a tracking client's command: the keys
/// of a read-only command are remembered (default mode, subject to
/// OPTIN/OPTOUT and CLIENT CACHING), a broken REDIRECT found meanwhile is
/// noted, and CLIENT CACHING lapses after one command (not inside MULTI,
/// nor after another CLIENT subcommand), as in Redis.
fn after_tracked_command(
    st: &mut State,
    client: &mut ClientState,
    frame: &Frame,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
    argv: &[Bytes],
) {
    client.track.broken = frame.tracking.broken;
    let top = parent.unwrap_or(spec).name;
    // A script's reads remember its declared keys (see
    // `call_from_script`); a read-only script's own keys are not
    // remembered, only those of the read-only commands it runs.
    if spec.has(flags::READONLY)
        && !frame.from_script
        && !matches!(top, "eval_ro" | "evalsha_ro" | "fcall_ro")
        && client.track.tracks_reads()
    {
        remember_keys(st, client.id, spec, parent, argv);
    }
    // CLIENT CACHING covers the whole script, as Redis resets it per
    // command of the client only.
    if !client.multi.active && !client.multi.executing && !frame.from_script && top != "client" {
        client.track.caching = None;
    }
}

/// Remembers the keys of a command for a tracking client.
fn remember_keys(
    st: &mut State,
    id: u64,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
    argv: &[Bytes],
) {
    let name = fullname(spec, parent);
    let specs = docs::meta(&name).map_or(&[][..], |m| &m.key_specs);
    for k in keyspec::get_keys(&name, specs, argv) {
        st.tracking.remember(id, &argv[k.pos]);
    }
}

/// Checks the client's user may run this command on these keys and
/// channels; a refusal goes to the ACL log and returns Redis's error.
fn acl_check(
    st: &mut State,
    client: &ClientState,
    out: &Out,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
    argv: &[Bytes],
) -> Result<(), String> {
    let context = if client.multi.active || client.multi.executing {
        "multi"
    } else {
        "toplevel"
    };
    acl_check_logged(st, client, out, spec, parent, argv, context)
        .map_err(|d| self::denial(client, d, spec, parent))
}

/// The ACL check proper: a refusal is logged (in `context`) and returned.
fn acl_check_logged(
    st: &mut State,
    client: &ClientState,
    out: &Out,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
    argv: &[Bytes],
    context: &'static str,
) -> Result<(), crate::acl::Denial> {
    let Some(user) = st.acl.users.get(client.user) else {
        return Err(crate::acl::Denial::Command);
    };
    let Err((denial, pos)) = user.check(command_id(spec, parent), argv) else {
        return Ok(());
    };
    let name = fullname(spec, parent);
    let object = match denial {
        crate::acl::Denial::Command => name.clone().into_bytes(),
        _ => argv[pos].to_vec(),
    };
    let entry = crate::acl::log::Entry {
        count: 1,
        reason: match denial {
            crate::acl::Denial::Command => "command",
            crate::acl::Denial::Key => "key",
            crate::acl::Denial::Channel => "channel",
        },
        context,
        object,
        username: user.name.clone(),
        ctime: st.now_ms,
        client_info: client::info_line(st, client, out, argv),
    };
    let max = st.config.acllog_max_len;
    st.acl.log.add(entry, max);
    Err(denial)
}

/// The error of an ACL denial. Inside EXEC (the rules changed since the
/// command was queued) it is Redis's `execCommand` message.
fn denial(
    client: &ClientState,
    d: crate::acl::Denial,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
) -> String {
    if !client.multi.executing {
        return acl::denial_message(d, &fullname(spec, parent));
    }
    let reason = match d {
        crate::acl::Denial::Command => "no permission to execute the command or subcommand",
        crate::acl::Denial::Key => "no permission to touch the specified keys",
        crate::acl::Denial::Channel => {
            "no permission to access one of the channels used as arguments"
        }
    };
    format!(
        "NOPERM ACLs rules changed between the moment the transaction was accumulated and the \
         EXEC call. This command is no longer allowed for the following reason: {reason}"
    )
}

/// Runs evictions, then whether the command must be refused because
/// memory is still over `maxmemory`: commands that may grow memory (EXEC
/// if it queued one), and anything queued in MULTI but EXEC, DISCARD,
/// QUIT and RESET, as Redis 7.0's processCommand. `name` is [`top_name`].
fn oom_rejects(
    st: &mut State,
    client: &ClientState,
    frame: &mut Frame,
    name: &str,
    spec: &CommandSpec,
) -> bool {
    if st.blocking.is_blocked(client.id) || st.perform_evictions(frame) {
        return false;
    }
    let queued_denyoom = || {
        client
            .multi
            .queue
            .iter()
            .any(|argv| matches!(resolve(argv), Resolved::Ok(s, _, _) if s.has(flags::DENYOOM)))
    };
    spec.has(flags::DENYOOM)
        || (client.multi.active && !matches!(name, "exec" | "discard" | "quit" | "reset"))
        || (name == "exec" && queued_denyoom())
}

/// The name of a top-level command, or "" for a subcommand: what the
/// special cases (RESET, EXEC...) compare, so LATENCY RESET is not RESET.
pub(crate) fn top_name(
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
) -> &'static str {
    if parent.is_some() {
        ""
    } else {
        spec.name
    }
}

/// Refuses a known command before it runs: the error reply, errorstats,
/// the command's `rejected_calls`, and a doomed transaction inside MULTI.
/// A refused EXEC discards the transaction (and the watches), even
/// outside MULTI, and says why in an EXECABORT error, as Redis's
/// `execCommandAbort` (its generic refusals lose their `ERR` there).
fn reject(
    st: &mut State,
    client: &mut ClientState,
    out: &mut Out,
    spec: &'static CommandSpec,
    parent: Option<&'static CommandSpec>,
    msg: &str,
) {
    let aborted;
    let msg = if top_name(spec, parent) == "exec" {
        client.multi.active = false;
        client.multi.error = false;
        client.multi.queue.clear();
        st.watches.unwatch_all(client.id, &mut client.watched);
        let why = msg.strip_prefix("ERR ").unwrap_or(msg);
        aborted = format!("EXECABORT Transaction discarded because of: {why}");
        &aborted
    } else {
        msg
    };
    out.error(msg);
    st.stats.error(msg);
    // Inside EXEC (an ACL rule changed since queueing), Redis's execCommand
    // answers the error itself: not a rejected call.
    if !client.multi.executing {
        st.stats.command(command_id(spec, parent)).rejected += 1;
    }
    client.multi.error |= client.multi.active;
}
