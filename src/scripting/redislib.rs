//! The `redis` table scripts see: `call`, `pcall`, `error_reply`,
//! `status_reply`, `sha1hex`, `log`, `setresp`, `set_repl`,
//! `replicate_commands`, `breakpoint`, `debug`, `acl_check_cmd`,
//! and the constants, with Redis 7.0's error texts (`register_function`
//! exists only while a library loads: see `functions`).
//!
//! Each function is a C closure whose upvalue points at the engine's
//! [`Shared`], where the running script's host is lent.

use std::ffi::{c_int, CStr};

use bytes::Bytes;

use super::convert::{c_str, push_reply};
use super::luaapi::{ffi, lua_State, new_lib, push_bytes, to_bytes, CFn};
use super::Shared;

/// `redis.set_repl` flags: effects go nowhere,
pub const REPL_NONE: u8 = 0;
/// to the AOF,
pub const REPL_AOF: u8 = 1;
/// to replicas,
pub const REPL_REPLICA: u8 = 2;
/// or both (the default).
pub const REPL_ALL: u8 = REPL_AOF | REPL_REPLICA;

/// Pushes the `redis` table; its functions reach `shared`.
///
/// # Safety
/// `l` is live; `shared` outlives the state.
pub unsafe fn push_table(l: *mut lua_State, shared: *mut Shared) {
    let fns: [(&CStr, CFn); 12] = [
        (c"call", call),
        (c"pcall", pcall),
        (c"error_reply", error_reply),
        (c"status_reply", status_reply),
        (c"sha1hex", sha1hex),
        (c"log", log),
        (c"setresp", setresp),
        (c"set_repl", set_repl),
        (c"replicate_commands", replicate_commands),
        (c"breakpoint", breakpoint),
        (c"debug", debug),
        (c"acl_check_cmd", acl_check_cmd),
    ];
    new_lib(l, &[]);
    for (name, f) in fns {
        ffi::lua_pushlightuserdata(l, shared.cast());
        ffi::lua_pushcclosure(l, f, 1);
        ffi::lua_setfield(l, -2, name.as_ptr());
    }
    let ints: [(&CStr, f64); 9] = [
        (c"LOG_DEBUG", 0.0),
        (c"LOG_VERBOSE", 1.0),
        (c"LOG_NOTICE", 2.0),
        (c"LOG_WARNING", 3.0),
        (c"REPL_NONE", f64::from(REPL_NONE)),
        (c"REPL_AOF", f64::from(REPL_AOF)),
        (c"REPL_SLAVE", f64::from(REPL_REPLICA)),
        (c"REPL_REPLICA", f64::from(REPL_REPLICA)),
        (c"REPL_ALL", f64::from(REPL_ALL)),
    ];
    for (name, v) in ints {
        ffi::lua_pushnumber(l, v);
        ffi::lua_setfield(l, -2, name.as_ptr());
    }
    push_bytes(l, crate::REDIS_VERSION.as_bytes());
    ffi::lua_setfield(l, -2, c"REDIS_VERSION".as_ptr());
    ffi::lua_pushnumber(l, f64::from(version_num()));
    ffi::lua_setfield(l, -2, c"REDIS_VERSION_NUM".as_ptr());
}

/// `REDIS_VERSION_NUM`: 0x00MMmmpp.
fn version_num() -> u32 {
    let mut parts = crate::REDIS_VERSION
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (a, b, c) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    (a << 16) | (b << 8) | c
}

/// The engine's shared state, from the closure's upvalue.
unsafe fn shared<'a>(l: *mut lua_State) -> &'a mut Shared {
    &mut *(ffi::lua_touserdata(l, ffi::lua_upvalueindex(1)) as *mut Shared)
}

/// Pushes Redis's error table `{err=...}` for `msg` (`luaPushErrorBuff`):
/// a message that starts with `-` carries its own code ("-CODE text"),
/// any other gets `ERR`; the text is read as a C string (up to a NUL)
/// and loses CR/LF at both ends.
///
/// # Safety
/// `l` is live, with room for two values; this allocates (and may raise
/// a memory error: the caller holds nothing to drop).
pub unsafe fn push_error(l: *mut lua_State, msg: &[u8]) {
    let msg = c_str(msg);
    let (code, text) = match msg.strip_prefix(b"-") {
        Some(rest) => match rest.iter().position(|&c| c == b' ') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (&b"ERR"[..], rest),
        },
        None => (&b"ERR"[..], msg),
    };
    let crlf = |c: &u8| *c == b'\r' || *c == b'\n';
    let start = text.iter().position(|c| !crlf(c)).unwrap_or(text.len());
    let end = text.iter().rposition(|c| !crlf(c)).map_or(start, |i| i + 1);
    let full = [code, b" ", &text[start..end]].concat();
    ffi::lua_createtable(l, 0, 0);
    push_bytes(l, &full);
    drop(full);
    ffi::lua_setfield(l, -2, c"err".as_ptr());
}

/// Raises Redis's error table for `msg` (see [`push_error`]).
unsafe fn raise_error(l: *mut lua_State, msg: &str) -> ! {
    push_error(l, msg.as_bytes());
    ffi::lua_error(l)
}

/// Pushes the error table for a refusal (`ERR ...`, `NOPERM ...`), or
/// raises it when `raise`. A refusal by the server (not an argument
/// error) is marked as counted in the error stats already, as in Redis.
unsafe fn refuse(l: *mut lua_State, msg: String, raise: bool, counted: bool) -> c_int {
    let dashed = [&b"-"[..], msg.as_bytes()].concat();
    drop(msg);
    push_error(l, &dashed);
    drop(dashed);
    if counted {
        ffi::lua_pushboolean(l, 1);
        ffi::lua_setfield(l, -2, c"ignore_error_stats_update".as_ptr());
    }
    if raise {
        ffi::lua_error(l);
    }
    1
}

unsafe extern "C-unwind" fn call(l: *mut lua_State) -> c_int {
    generic_call(l, true)
}

unsafe extern "C-unwind" fn pcall(l: *mut lua_State) -> c_int {
    generic_call(l, false)
}

/// The arguments of `redis.call`: strings as they are, numbers as
/// `%.17g` (as Redis 7.0 formats them); anything else is refused.
unsafe fn command_args(l: *mut lua_State, argv: &mut Vec<Bytes>) -> Result<(), &'static str> {
    argv.clear();
    let argc = ffi::lua_gettop(l);
    if argc == 0 {
        return Err("ERR Please specify at least one argument for this redis lib call");
    }
    for i in 1..=argc {
        match ffi::lua_type(l, i) {
            ffi::LUA_TSTRING => {
                argv.push(Bytes::copy_from_slice(to_bytes(l, i).unwrap_or_default()))
            }
            ffi::LUA_TNUMBER => {
                let v = ffi::lua_tonumber(l, i);
                argv.push(Bytes::from(crate::util::fmt_f64_g17(v).into_bytes()));
            }
            _ => return Err("ERR Lua redis lib command arguments must be strings or integers"),
        }
    }
    Ok(())
}

/// `redis.call` (`raise`) and `redis.pcall`: the command runs through the
/// host; its reply comes back as a Lua value. An error reply is raised by
/// `call` and returned by `pcall`.
unsafe fn generic_call(l: *mut lua_State, raise: bool) -> c_int {
    let shared = shared(l);
    let Some(host) = shared.host else {
        return refuse(
            l,
            "ERR redis.call/pcall can only be called inside a script invocation".into(),
            true,
            false,
        );
    };
    let (resp, repl) = (shared.resp, shared.repl);
    // Everything with a destructor lives in this block, gone before any
    // Lua error is raised below.
    let refused: Option<(String, bool)> = {
        let r = match command_args(l, &mut shared.argv) {
            Err(msg) => Some((msg.to_string(), false)),
            Ok(()) => {
                shared.reply.buf.clear();
                shared.reply.resp = resp;
                (*host)
                    .call(&shared.argv, &mut shared.reply, repl)
                    .err()
                    .map(|e| (e, true))
            }
        };
        // The arguments go now (the vector keeps its capacity).
        shared.argv.clear();
        r
    };
    if let Some((msg, counted)) = refused {
        return refuse(l, msg, raise, counted);
    }
    let buf: &[u8] = &shared.reply.buf;
    let mut pos = 0;
    ffi::lua_settop(l, 0);
    if !push_reply(l, buf, &mut pos, 0) {
        ffi::lua_settop(l, 0);
        return refuse(
            l,
            "ERR reply could not be converted for the script".into(),
            raise,
            false,
        );
    }
    if raise && buf.first() == Some(&b'-') {
        ffi::lua_error(l);
    }
    1
}

/// `redis.error_reply(msg)`: `{err=...}`, with `ERR` added when `msg`
/// names no code. Wrong arguments give an error table too (returned,
/// not raised, as Redis does).
unsafe extern "C-unwind" fn error_reply(l: *mut lua_State) -> c_int {
    if ffi::lua_gettop(l) != 1 || ffi::lua_type(l, -1) != ffi::LUA_TSTRING {
        push_error(l, b"wrong number or type of arguments");
        return 1;
    }
    let msg = to_bytes(l, 1).unwrap_or_default();
    if msg.first() == Some(&b'-') {
        push_error(l, msg);
    } else {
        let dashed = [&b"-"[..], msg].concat();
        push_error(l, &dashed);
    }
    1
}

/// `redis.status_reply(msg)`: `{ok=msg}` (an error table, returned,
/// for wrong arguments).
unsafe extern "C-unwind" fn status_reply(l: *mut lua_State) -> c_int {
    if ffi::lua_gettop(l) != 1 || ffi::lua_type(l, -1) != ffi::LUA_TSTRING {
        push_error(l, b"wrong number or type of arguments");
        return 1;
    }
    ffi::lua_createtable(l, 0, 1);
    ffi::lua_pushvalue(l, 1);
    ffi::lua_setfield(l, -2, c"ok".as_ptr());
    1
}

/// `redis.sha1hex(s)`.
unsafe extern "C-unwind" fn sha1hex(l: *mut lua_State) -> c_int {
    if ffi::lua_gettop(l) != 1 {
        raise_error(l, "wrong number of arguments");
    }
    let s = to_bytes(l, 1).unwrap_or_default();
    let hex = super::sha1_hex(s);
    push_bytes(l, &hex);
    1
}

/// `redis.log(level, msg, ...)`: the arguments joined by spaces, to the
/// server's log at that level.
unsafe extern "C-unwind" fn log(l: *mut lua_State) -> c_int {
    let argc = ffi::lua_gettop(l);
    if argc < 2 {
        raise_error(l, "redis.log() requires two arguments or more.");
    }
    if ffi::lua_isnumber(l, 1) == 0 {
        raise_error(l, "First argument must be a number (log level).");
    }
    let level = super::convert::lua_number_to_c_int(ffi::lua_tonumber(l, 1));
    if !(0..=3).contains(&level) {
        raise_error(l, "Invalid debug level.");
    }
    {
        let mut text = Vec::new();
        for i in 2..=argc {
            // Numbers are converted in place, as Lua's tostring; others
            // (tables, nil) are skipped as Redis skips them, separator
            // included.
            if let Some(s) = to_bytes(l, i) {
                if i > 2 {
                    text.push(b' ');
                }
                text.extend_from_slice(s);
            }
        }
        let text = String::from_utf8_lossy(&text);
        match level {
            0 => log::debug!("{text}"),
            1 => log::info!("{text}"),
            2 => log::info!("{text}"),
            _ => log::warn!("{text}"),
        }
    }
    0
}

/// `redis.setresp(2|3)`: the protocol of later `redis.call` replies.
unsafe extern "C-unwind" fn setresp(l: *mut lua_State) -> c_int {
    if ffi::lua_gettop(l) != 1 {
        raise_error(l, "redis.setresp() requires one argument.");
    }
    let v = super::convert::lua_number_to_c_int(ffi::lua_tonumber(l, 1));
    if v != 2 && v != 3 {
        raise_error(l, "RESP version must be 2 or 3.");
    }
    shared(l).resp = v as u8;
    0
}

/// `redis.set_repl(flags)`: where the script's effects go.
unsafe extern "C-unwind" fn set_repl(l: *mut lua_State) -> c_int {
    if ffi::lua_gettop(l) != 1 {
        // Redis's text says "two" (sic).
        raise_error(l, "redis.set_repl() requires two arguments.");
    }
    let v = super::convert::lua_number_to_c_int(ffi::lua_tonumber(l, 1));
    if !(0..=i32::from(REPL_ALL)).contains(&v) {
        raise_error(
            l,
            "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
        );
    }
    shared(l).repl = v as u8;
    0
}

/// `redis.replicate_commands()`: always on in 7.0.
unsafe extern "C-unwind" fn replicate_commands(l: *mut lua_State) -> c_int {
    ffi::lua_pushboolean(l, 1);
    1
}

/// `redis.breakpoint()`: false outside the debugger.
unsafe extern "C-unwind" fn breakpoint(l: *mut lua_State) -> c_int {
    ffi::lua_pushboolean(l, 0);
    1
}

/// `redis.debug(...)`: nothing outside the debugger.
unsafe extern "C-unwind" fn debug(_l: *mut lua_State) -> c_int {
    0
}

/// `redis.acl_check_cmd(cmd, args...)`: whether the script's user may run
/// the command.
unsafe extern "C-unwind" fn acl_check_cmd(l: *mut lua_State) -> c_int {
    let shared = shared(l);
    let Some(host) = shared.host else {
        raise_error(
            l,
            "redis.acl_check_cmd can only be called inside a script invocation",
        );
    };
    // Messages with their code, as the host gives them.
    let verdict: Result<bool, String> = match command_args(l, &mut shared.argv) {
        Err(msg) => Err(msg.into()),
        Ok(()) => (*host).acl_check(&shared.argv),
    };
    shared.argv.clear();
    match verdict {
        Ok(b) => {
            ffi::lua_pushboolean(l, c_int::from(b));
            1
        }
        Err(msg) => {
            let dashed = [&b"-"[..], msg.as_bytes()].concat();
            drop(msg);
            push_error(l, &dashed);
            drop(dashed);
            ffi::lua_error(l)
        }
    }
}

/// Replaces `math.random` and `math.randomseed` with Redis's: rand48,
/// whose state persists from script to script (numbers differ from run
/// to run) and which a script may seed (then the sequence repeats).
///
/// # Safety
/// `l` is live, outside a C function; the global `math` is still the
/// real table.
pub unsafe fn set_random(l: *mut lua_State, shared: *mut Shared) {
    ffi::lua_getfield(l, ffi::LUA_GLOBALSINDEX, c"math".as_ptr());
    for (name, f) in [(c"random", random as CFn), (c"randomseed", randomseed)] {
        ffi::lua_pushlightuserdata(l, shared.cast());
        ffi::lua_pushcclosure(l, f, 1);
        ffi::lua_setfield(l, -2, name.as_ptr());
    }
    ffi::lua_pop(l, 1);
}

/// The next rand48 value (31 bits), as `lrand48`.
fn lrand48(state: &mut u64) -> u32 {
    *state = (state.wrapping_mul(0x5_DEEC_E66D).wrapping_add(0xB)) & ((1 << 48) - 1);
    (*state >> 17) as u32
}

/// `math.random([m [, n]])`, as Lua 5.1's over Redis's generator.
unsafe extern "C-unwind" fn random(l: *mut lua_State) -> c_int {
    const MAX: u32 = i32::MAX as u32;
    let r = f64::from(lrand48(&mut shared(l).rand48) % MAX) / f64::from(MAX);
    match ffi::lua_gettop(l) {
        0 => ffi::lua_pushnumber(l, r),
        // `luaL_checkint`: the bounds are C ints (truncated to 32 bits).
        1 => {
            let u = ffi::luaL_checkinteger(l, 1) as i32;
            if u < 1 {
                ffi::luaL_argerror(l, 1, c"interval is empty".as_ptr());
            }
            ffi::lua_pushnumber(l, (r * f64::from(u)).floor() + 1.0);
        }
        2 => {
            let lo = ffi::luaL_checkinteger(l, 1) as i32;
            let hi = ffi::luaL_checkinteger(l, 2) as i32;
            if lo > hi {
                ffi::luaL_argerror(l, 2, c"interval is empty".as_ptr());
            }
            let span = hi.wrapping_sub(lo).wrapping_add(1);
            ffi::lua_pushnumber(l, (r * f64::from(span)).floor() + f64::from(lo));
        }
        _ => {
            ffi::luaL_where(l, 1);
            ffi::lua_pushstring(l, c"wrong number of arguments".as_ptr());
            ffi::lua_concat(l, 2);
            ffi::lua_error(l);
        }
    }
    1
}

/// `math.randomseed(n)`: srand48 with the low 32 bits of `n`.
unsafe extern "C-unwind" fn randomseed(l: *mut lua_State) -> c_int {
    let seed = ffi::luaL_checkinteger(l, 1) as i32 as u32;
    shared(l).rand48 = (u64::from(seed) << 16) | 0x330E;
    0
}
