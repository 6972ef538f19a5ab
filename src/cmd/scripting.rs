//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT ...,
//! FCALL, FCALL_RO and FUNCTION ....
//!
//! A script runs with the engine lent out of the server state
//! (`State::scripting` is `None` meanwhile) and a [`ScriptHost`] that
//! sends each `redis.call` through [`call_from_script`]: admission,
//! handler and finishing, with a frame whose effects join the script's.
//! The script's own frame then propagates those effects (in MULTI/EXEC
//! when there are several), never the EVAL itself.

use bytes::Bytes;

use super::server::reply_help;
use super::{call_from_script, resolve, CmdError, CmdResult, Ctx, Resolved, ScriptRun};
use crate::conn::ClientState;
use crate::frame::Frame;
use crate::resp::Out;
use crate::scripting::{Host, Outcome, Running, ScriptFlags, Scripting};
use crate::state::State;

/// The host lent to a running script: the caller's session, the server
/// and the script's frame.
struct ScriptHost<'a> {
    /// The command running the script (FUNCTION STATS shows it once the
    /// script is busy).
    argv: &'a [Bytes],
    srv: &'a mut State,
    client: &'a mut ClientState,
    frame: &'a mut Frame,
    run: ScriptRun,
    /// The abort message SCRIPT KILL / FUNCTION KILL leaves.
    kill_msg: &'static str,
    /// The error replies of its commands (already in errorstats): the
    /// script's own error reply is not counted again when it is one.
    errors: Vec<String>,
}

impl Host for ScriptHost<'_> {
    fn call(&mut self, argv: &[Bytes], reply: &mut Out, repl: u8) -> Result<(), String> {
        let before = self.frame.raised_effects();
        let reply_start = reply.buf.len();
        let r = call_from_script(
            self.srv,
            self.client,
            self.frame,
            reply,
            argv,
            self.argv,
            &mut self.run,
        );
        match &r {
            Err(msg) => self.errors.push(msg.clone()),
            Ok(()) => {
                if let Some(e) = error_at(&reply.buf, reply_start) {
                    self.errors.push(e);
                }
            }
        }
        if repl == crate::scripting::redislib::REPL_NONE {
            // redis.set_repl(redis.REPL_NONE): effects go nowhere.
            self.frame.truncate_effects(before);
        }
        if self.run.wrote {
            if let Some(r) = self.srv.script.running.as_mut() {
                r.wrote = true;
            }
        }
        r
    }

    fn acl_check(&mut self, argv: &[Bytes]) -> Result<bool, String> {
        // Redis looks the command up by name only: arity is not checked.
        let (Resolved::Ok(spec, parent, _) | Resolved::Arity(spec, parent, _)) = resolve(argv)
        else {
            return Err("ERR Invalid command passed to redis.acl_check_cmd()".into());
        };
        let id = super::command_id(spec, parent);
        Ok(self
            .srv
            .acl
            .users
            .get(self.client.user)
            .is_some_and(|u| u.check(id, argv).is_ok()))
    }

    fn tick(&mut self, elapsed_ms: u64) -> Option<String> {
        let st = &mut *self.srv;
        if elapsed_ms < st.config.busy_reply_threshold {
            return None;
        }
        if let Some(r) = st.script.running.as_mut() {
            if !r.busy {
                r.busy = true;
                r.command = self.argv.to_vec();
                log::warn!(
                    "Slow script detected: still in execution after {elapsed_ms} milliseconds. \
                     You can try killing the script using the {} command.",
                    if r.function.is_some() {
                        "FUNCTION KILL"
                    } else {
                        "SCRIPT KILL"
                    }
                );
            }
        }
        // The loop serves other clients (BUSY to most of them).
        (st.serve_while_busy)(st);
        if st.shutdown.is_some() {
            return Some("Script aborted: the server is shutting down".into());
        }
        if st.script.running.as_ref().is_some_and(|r| r.kill) {
            return Some(self.kill_msg.into());
        }
        None
    }
}

/// The split of `numkeys key... arg...` starting at `ctx.argv[2]`.
pub(super) fn keys_and_args(argv: &[Bytes]) -> Result<(&[Bytes], &[Bytes]), CmdError> {
    let n = std::str::from_utf8(&argv[2])
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or(CmdError::NotInteger)?;
    if n < 0 {
        return Err(CmdError::Msg("ERR Number of keys can't be negative"));
    }
    if n as u64 > (argv.len() - 3) as u64 {
        return Err(CmdError::Msg(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    Ok(argv[3..].split_at(n as usize))
}

/// What is run: a cached EVAL script, or a library function.
pub(super) enum Target<'a> {
    Script(&'a [u8]),
    Function(&'a str, std::ffi::c_int),
}

/// Runs a script or function for the client: the checks its flags call
/// for, the run with a [`ScriptHost`], then the reply (or error) and the
/// propagation of its effects.
pub(super) fn run(
    ctx: &mut Ctx,
    sc: &mut Scripting,
    target: Target,
    flags: ScriptFlags,
    read_only_cmd: bool,
) -> CmdResult {
    let (keys, args) = keys_and_args(ctx.argv)?;
    if flags.shebang && !flags.no_writes && read_only_cmd {
        return Err(CmdError::Msg(
            "ERR Can not execute a script with write flag using *_ro command.",
        ));
    }
    let oom = ctx.srv.config.maxmemory != 0 && !ctx.srv.perform_evictions(ctx.frame);
    if oom && flags.shebang && !flags.no_writes && !flags.allow_oom {
        return Err(CmdError::Msg(crate::evict::OOM_ERR));
    }
    // (FCALL fed them before looking the function up.)
    let fed = matches!(target, Target::Function(..));
    if !fed && !ctx.srv.clients.monitors.is_empty() && !ctx.srv.loading {
        // Before the commands it runs, as Redis shows a script.
        super::client::feed_monitors(ctx.srv, ctx.client, ctx.argv, false);
    }
    let function = match target {
        Target::Function(name, _) => Some(name.to_string()),
        Target::Script(_) => None,
    };
    ctx.srv.script.running = Some(Running {
        caller: ctx.client.id,
        function,
        command: Vec::new(),
        started: std::time::Instant::now(),
        wrote: false,
        busy: false,
        kill: false,
        function_counts: (sc.functions.library_count(), sc.functions.function_count()),
        swept: false,
    });
    let caller_db = ctx.client.db;
    let dirty = ctx.srv.dirty;
    let Ctx {
        argv,
        srv,
        client,
        frame,
        out,
        ..
    } = ctx;
    let mut host = ScriptHost {
        argv,
        srv,
        client,
        frame,
        run: ScriptRun {
            read_only: read_only_cmd || flags.no_writes,
            allow_oom: flags.allow_oom,
            oom,
            wrote: false,
        },
        kill_msg: "Script killed by user with SCRIPT KILL...",
        errors: Vec::new(),
    };
    let reply_start = out.buf.len();
    let outcome = match target {
        Target::Script(sha) => sc.run_script(sha, keys, args, &mut host, out),
        // FUNCTION KILL leaves SCRIPT KILL's text too, as in Redis 7.0.
        Target::Function(name, func) => sc.run_function(func, name, keys, args, &mut host, out),
    };
    let errors = std::mem::take(&mut host.errors);
    ctx.client.db = caller_db;
    ctx.srv.script.running = None;
    if ctx.srv.dirty != dirty {
        let nested = ctx.client.multi.executing;
        let shutting_down = ctx.srv.shutdown.is_some();
        let r = ctx.frame.raised();
        // EVAL itself is never propagated: its effects are.
        r.propagate = Some(Vec::new());
        if shutting_down {
            // SHUTDOWN NOSAVE while it ran: nothing of it is kept.
            r.effects.clear();
        } else if r.effects.len() > 1 && !nested {
            let first = r.effects[0].0;
            let last = r.effects[r.effects.len() - 1].0;
            r.effects.insert(0, (first, vec![b"MULTI".to_vec()]));
            r.effects.push((last, vec![b"EXEC".to_vec()]));
        }
    }
    if ctx.srv.shutdown.is_some() {
        // SHUTDOWN NOSAVE while it ran: its caller gets no reply, as the
        // Redis process exits from inside the script.
        return Ok(());
    }
    let counted = |msg: &str| errors.iter().any(|e| msg.starts_with(e.as_str()));
    match outcome {
        Outcome::Failed(msg) if !counted(&msg) => Err(CmdError::Owned(msg)),
        // An error of one of its commands, raised or returned: in
        // errorstats once, but a failed call of the script, as Redis.
        Outcome::Failed(msg) => {
            ctx.out.error(&msg);
            failed_call(ctx);
            Ok(())
        }
        Outcome::Replied => {
            let Some(msg) = error_at(&ctx.out.buf, reply_start) else {
                return Ok(());
            };
            if !counted(&msg) {
                ctx.srv.stats.error(&msg);
            }
            failed_call(ctx);
            Ok(())
        }
    }
}

/// The text of the error reply at `start` of `buf`, if the reply written
/// there is one.
fn error_at(buf: &[u8], start: usize) -> Option<String> {
    let line = buf.get(start..)?.strip_prefix(b"-")?;
    let end = line.iter().position(|&b| b == b'\r').unwrap_or(line.len());
    Some(String::from_utf8_lossy(&line[..end]).into_owned())
}

/// Counts a failed call of the running command (EVAL, FCALL...) whose
/// error reply was written without going through the command's result.
fn failed_call(ctx: &mut Ctx) {
    if let Resolved::Ok(spec, parent, _) = resolve(ctx.argv) {
        ctx.srv
            .stats
            .command(super::command_id(spec, parent))
            .failed += 1;
    }
}

/// Lends the engine to `f` (it is `None` in the state meanwhile).
pub(super) fn with_engine(
    ctx: &mut Ctx,
    f: impl FnOnce(&mut Ctx, &mut Scripting) -> CmdResult,
) -> CmdResult {
    let Some(mut sc) = ctx.srv.scripting.take() else {
        return Err(CmdError::Msg(
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
        ));
    };
    let r = f(ctx, &mut sc);
    ctx.srv.scripting = Some(sc);
    r
}

/// EVAL script numkeys [key ...] [arg ...]
pub fn eval(ctx: &mut Ctx) -> CmdResult {
    eval_generic(ctx, false, false)
}

/// EVAL_RO script numkeys [key ...] [arg ...]
pub fn eval_ro(ctx: &mut Ctx) -> CmdResult {
    eval_generic(ctx, false, true)
}

/// EVALSHA sha1 numkeys [key ...] [arg ...]
pub fn evalsha(ctx: &mut Ctx) -> CmdResult {
    eval_generic(ctx, true, false)
}

/// EVALSHA_RO sha1 numkeys [key ...] [arg ...]
pub fn evalsha_ro(ctx: &mut Ctx) -> CmdResult {
    eval_generic(ctx, true, true)
}

/// EVAL, EVALSHA and their read-only forms: numkeys is checked first,
/// then the script is found (or compiled and cached), then it runs.
fn eval_generic(ctx: &mut Ctx, by_sha: bool, ro: bool) -> CmdResult {
    // EVALSHA looks the script up before numkeys is read, as Redis.
    if !by_sha {
        keys_and_args(ctx.argv)?;
    }
    with_engine(ctx, |ctx, sc| {
        let arg = &ctx.argv[1];
        let sha = if by_sha {
            if sc.get(arg).is_none() {
                return Err(CmdError::Msg(
                    "NOSCRIPT No matching script. Please use EVAL.",
                ));
            }
            let mut sha = [0u8; 40];
            sha.copy_from_slice(arg);
            sha.make_ascii_lowercase();
            sha
        } else {
            sc.load(arg).map_err(CmdError::Owned)?
        };
        let flags = sc.get(&sha).map(|s| s.flags).unwrap_or_default();
        run(ctx, sc, Target::Script(&sha), flags, ro)
    })
}

/// SCRIPT LOAD script
pub fn script_load(ctx: &mut Ctx) -> CmdResult {
    with_engine(ctx, |ctx, sc| {
        let sha = sc.load(&ctx.argv[2]).map_err(CmdError::Owned)?;
        ctx.out.bulk(&sha);
        Ok(())
    })
}

/// SCRIPT EXISTS sha1 [sha1 ...]
pub fn script_exists(ctx: &mut Ctx) -> CmdResult {
    with_engine(ctx, |ctx, sc| {
        let n = ctx.argv.len() - 2;
        ctx.out.array(n);
        for sha in &ctx.argv[2..] {
            ctx.out.int(i64::from(sc.get(sha).is_some()));
        }
        Ok(())
    })
}

/// SCRIPT FLUSH [ASYNC|SYNC]
pub fn script_flush(ctx: &mut Ctx) -> CmdResult {
    flush_mode(ctx.argv, "ERR SCRIPT FLUSH only support SYNC|ASYNC option")?;
    with_engine(ctx, |ctx, sc| {
        sc.flush();
        ctx.out.ok();
        Ok(())
    })
}

/// Checks the optional ASYNC|SYNC of a FLUSH (both free at once here).
pub(super) fn flush_mode(argv: &[Bytes], err: &'static str) -> Result<(), CmdError> {
    match argv.len() {
        2 => Ok(()),
        3 if argv[2].eq_ignore_ascii_case(b"async") || argv[2].eq_ignore_ascii_case(b"sync") => {
            Ok(())
        }
        _ => Err(CmdError::Msg(err)),
    }
}

/// SCRIPT KILL
pub fn script_kill(ctx: &mut Ctx) -> CmdResult {
    kill(ctx, true)
}

/// SCRIPT KILL and FUNCTION KILL: stops the running script unless it
/// wrote, or it is of the other kind.
pub fn kill(ctx: &mut Ctx, eval: bool) -> CmdResult {
    let Some(r) = ctx.srv.script.running.as_mut() else {
        return Err(CmdError::Msg("NOTBUSY No scripts in execution right now."));
    };
    if r.wrote {
        return Err(CmdError::Msg(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
        ));
    }
    match (eval, r.function.is_some()) {
        (true, true) => Err(CmdError::Msg(
            "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.",
        )),
        (false, false) => Err(CmdError::Msg(
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
        )),
        _ => {
            r.kill = true;
            ctx.out.ok();
            Ok(())
        }
    }
}

/// SCRIPT DEBUG YES|SYNC|NO: the Lua debugger is not built; NO is
/// accepted (it is the mode scripts run in).
pub fn script_debug(ctx: &mut Ctx) -> CmdResult {
    if ctx.client.multi.executing {
        return Err(CmdError::Msg(
            "ERR SCRIPT DEBUG must be called outside a pipeline",
        ));
    }
    let mode = ctx.argv[2].to_ascii_lowercase();
    match &mode[..] {
        b"no" => {
            ctx.out.ok();
            Ok(())
        }
        b"yes" | b"sync" => Err(CmdError::Msg(
            "ERR SCRIPT DEBUG is not supported: this server has no Lua debugger",
        )),
        _ => Err(CmdError::Msg("ERR Use SCRIPT DEBUG YES/SYNC/NO")),
    }
}

/// SCRIPT HELP
pub fn script_help(ctx: &mut Ctx) -> CmdResult {
    reply_help(
        ctx,
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    );
    Ok(())
}
