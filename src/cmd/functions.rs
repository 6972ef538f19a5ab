//! FUNCTION ... and FCALL / FCALL_RO: the commands over the function
//! libraries of [`crate::scripting::functions`].
//!
//! FUNCTION LOAD, DELETE, FLUSH and RESTORE change the dataset (`dirty`):
//! they are written to the AOF as received, so libraries survive a
//! restart; an AOF rewrite writes each library as a FUNCTION LOAD. FCALL
//! runs through [`run`], as EVAL does: only its effects are propagated.

use super::scripting::{flush_mode, kill, run, with_engine, Target};
use super::server::reply_help;
use super::{CmdError, CmdResult, Ctx};
use crate::scripting::functions::{Policy, LOAD_TIMEOUT_MS};

/// FCALL function numkeys [key ...] [arg ...]
pub fn fcall(ctx: &mut Ctx) -> CmdResult {
    fcall_generic(ctx, false)
}

/// FCALL_RO function numkeys [key ...] [arg ...]
pub fn fcall_ro(ctx: &mut Ctx) -> CmdResult {
    fcall_generic(ctx, true)
}

/// FCALL and FCALL_RO: the function is found first, then numkeys is read
/// (with FCALL's own texts), then it runs with its flags.
fn fcall_generic(ctx: &mut Ctx, ro: bool) -> CmdResult {
    if !ctx.srv.clients.monitors.is_empty() && !ctx.srv.loading {
        // First of all, as Redis: monitors see FCALLs that fail too.
        super::client::feed_monitors(ctx.srv, ctx.client, ctx.argv, false);
    }
    with_engine(ctx, |ctx, sc| {
        let Some(f) = sc.functions.function(&ctx.argv[1]) else {
            return Err(CmdError::Msg("ERR Function not found"));
        };
        let (func, flags) = (f.func, f.flags);
        let name = String::from_utf8_lossy(&f.name).into_owned();
        let n = std::str::from_utf8(&ctx.argv[2])
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or(CmdError::Msg("ERR Bad number of keys provided"))?;
        if n > (ctx.argv.len() - 3) as i64 {
            return Err(CmdError::Msg(
                "ERR Number of keys can't be greater than number of args",
            ));
        }
        run(ctx, sc, Target::Function(&name, func), flags, ro)
    })
}

/// FUNCTION LOAD [REPLACE] function-code
///
/// Side effects: `dirty` on success (the command is propagated).
pub fn function_load(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let mut replace = false;
    let mut i = 2;
    while i < argv.len() - 1 {
        if !argv[i].eq_ignore_ascii_case(b"replace") {
            return Err(CmdError::Owned(format!(
                "ERR Unknown option given: {}",
                String::from_utf8_lossy(&argv[i])
            )));
        }
        replace = true;
        i += 1;
    }
    // The AOF being loaded (Redis: a client it must obey) has no limit.
    let timeout = if ctx.srv.loading { 0 } else { LOAD_TIMEOUT_MS };
    with_engine(ctx, |ctx, sc| {
        let name = sc
            .functions
            .load(&ctx.argv[i], replace, timeout)
            .map_err(CmdError::Owned)?;
        ctx.srv.dirty += 1;
        ctx.out.bulk(&name);
        Ok(())
    })
}

/// FUNCTION DELETE library-name
///
/// Side effects: `dirty` on success.
pub fn function_delete(ctx: &mut Ctx) -> CmdResult {
    with_engine(ctx, |ctx, sc| {
        if !sc.functions.delete(&ctx.argv[2]) {
            return Err(CmdError::Msg("ERR Library not found"));
        }
        ctx.srv.dirty += 1;
        ctx.out.ok();
        Ok(())
    })
}

/// FUNCTION FLUSH [ASYNC|SYNC]
///
/// Side effects: `dirty`.
pub fn function_flush(ctx: &mut Ctx) -> CmdResult {
    if ctx.argv.len() > 3 {
        return Err(subcommand_syntax(ctx));
    }
    flush_mode(
        ctx.argv,
        "ERR FUNCTION FLUSH only supports SYNC|ASYNC option",
    )?;
    with_engine(ctx, |ctx, sc| {
        sc.functions.flush();
        ctx.srv.dirty += 1;
        ctx.out.ok();
        Ok(())
    })
}

/// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
pub fn function_list(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    let mut with_code = false;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 2;
    while i < argv.len() {
        let a = &argv[i];
        if !with_code && a.eq_ignore_ascii_case(b"withcode") {
            with_code = true;
        } else if pattern.is_none() && a.eq_ignore_ascii_case(b"libraryname") {
            if i >= argv.len() - 1 {
                return Err(CmdError::Msg("ERR library name argument was not given"));
            }
            i += 1;
            pattern = Some(&argv[i]);
        } else {
            return Err(CmdError::Owned(format!(
                "ERR Unknown argument {}",
                String::from_utf8_lossy(a)
            )));
        }
        i += 1;
    }
    with_engine(ctx, |ctx, sc| {
        let libs: Vec<_> = sc
            .functions
            .libraries()
            .filter(|l| pattern.is_none_or(|p| crate::util::glob_match(p, &l.name, true)))
            .collect();
        let out = &mut *ctx.out;
        out.array(libs.len());
        for lib in libs {
            out.map(if with_code { 4 } else { 3 });
            out.bulk(b"library_name");
            out.bulk(&lib.name);
            out.bulk(b"engine");
            out.bulk(b"LUA");
            out.bulk(b"functions");
            out.array(lib.functions.len());
            for f in lib.functions.values() {
                out.map(3);
                out.bulk(b"name");
                out.bulk(&f.name);
                out.bulk(b"description");
                match &f.desc {
                    Some(d) => out.bulk(d),
                    None => out.null(),
                }
                out.bulk(b"flags");
                let names = f.flags.names();
                out.set(names.len());
                for n in names {
                    out.simple(n);
                }
            }
            if with_code {
                out.bulk(b"library_code");
                out.bulk(&lib.code);
            }
        }
        Ok(())
    })
}

/// FUNCTION DUMP
pub fn function_dump(ctx: &mut Ctx) -> CmdResult {
    with_engine(ctx, |ctx, sc| {
        ctx.out.bulk(&sc.functions.dump());
        Ok(())
    })
}

/// FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]
///
/// Side effects: `dirty` on success.
pub fn function_restore(ctx: &mut Ctx) -> CmdResult {
    let argv = ctx.argv;
    if argv.len() > 4 {
        return Err(subcommand_syntax(ctx));
    }
    let policy =
        match argv.get(3) {
            None => Policy::Append,
            Some(p) if p.eq_ignore_ascii_case(b"append") => Policy::Append,
            Some(p) if p.eq_ignore_ascii_case(b"replace") => Policy::Replace,
            Some(p) if p.eq_ignore_ascii_case(b"flush") => Policy::Flush,
            Some(_) => return Err(CmdError::Msg(
                "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            )),
        };
    with_engine(ctx, |ctx, sc| {
        sc.functions
            .restore(&ctx.argv[2], policy)
            .map_err(CmdError::Owned)?;
        ctx.srv.dirty += 1;
        ctx.out.ok();
        Ok(())
    })
}

/// FUNCTION STATS: the running function (allowed while one is busy) and
/// the engine's counts.
pub fn function_stats(ctx: &mut Ctx) -> CmdResult {
    if ctx
        .srv
        .script
        .running
        .as_ref()
        .is_some_and(|r| r.function.is_none())
    {
        // An EVAL is running: Redis answers its BUSY.
        return Err(CmdError::Msg(
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
        ));
    }
    let counts = match (&ctx.srv.scripting, &ctx.srv.script.running) {
        (Some(sc), _) => (sc.functions.library_count(), sc.functions.function_count()),
        (None, Some(r)) => r.function_counts,
        (None, None) => (0, 0),
    };
    let out = &mut *ctx.out;
    out.map(2);
    out.bulk(b"running_script");
    match &ctx.srv.script.running {
        None => out.null(),
        Some(r) => {
            out.map(3);
            out.bulk(b"name");
            match &r.function {
                Some(f) => out.bulk(f.as_bytes()),
                None => out.null(),
            }
            out.bulk(b"command");
            out.bulk_array(&r.command);
            out.bulk(b"duration_ms");
            out.int(r.started.elapsed().as_millis() as i64);
        }
    }
    out.bulk(b"engines");
    out.map(1);
    out.bulk(b"LUA");
    out.map(2);
    out.bulk(b"libraries_count");
    out.int(counts.0 as i64);
    out.bulk(b"functions_count");
    out.int(counts.1 as i64);
    Ok(())
}

/// Redis's reply to extra arguments of a subcommand.
fn subcommand_syntax(ctx: &Ctx) -> CmdError {
    CmdError::Owned(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try FUNCTION HELP.",
        String::from_utf8_lossy(&ctx.argv[1])
    ))
}

/// FUNCTION KILL
pub fn function_kill(ctx: &mut Ctx) -> CmdResult {
    kill(ctx, false)
}

/// FUNCTION HELP
pub fn function_help(ctx: &mut Ctx) -> CmdResult {
    reply_help(
        ctx,
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    );
    Ok(())
}
