//! Conversions between RESP and Lua, exactly as Redis 7.0 makes them.
//!
//! - A command's reply, read back from the bytes the command wrote, to a
//!   Lua value (`redis.call`'s result): integers to numbers, bulk strings
//!   to strings, arrays to tables, null to `false` (RESP2) or `nil`
//!   (RESP3), status to `{ok=...}`, error to `{err=...}`; under RESP3,
//!   maps to `{map=...}`, sets to `{set=...}`, doubles to `{double=...}`,
//!   big numbers to `{big_number=...}`, verbatim strings to
//!   `{verbatim_string={format=..., string=...}}`, booleans to booleans.
//! - A script's result to the caller's reply: numbers truncate to
//!   integers, strings become bulk strings, `true` is `:1`, `false` is
//!   null (or a boolean after `redis.setresp(3)`), tables become arrays up
//!   to the first nil, unless they carry `err`, `ok`, `double`,
//!   `big_number`, `map`, `set` or `verbatim_string`.

use std::ffi::c_int;

use super::luaapi::{ffi, lua_State, push_bytes, to_bytes};
use crate::resp::Out;

/// Nesting deeper than this in a reply is refused (Lua's stack is the
/// real bound; this keeps the Rust recursion small too).
const MAX_DEPTH: usize = 1000;

/// Reads one RESP value from `buf` at `*pos` and pushes it as Lua sees
/// it. Returns false if the bytes are not a whole value (nothing more is
/// pushed then, beyond what a partial aggregate left: the caller resets
/// the stack).
///
/// # Safety
/// `l` is live, inside a protected call (this allocates and may raise).
pub unsafe fn push_reply(l: *mut lua_State, buf: &[u8], pos: &mut usize, depth: usize) -> bool {
    if depth > MAX_DEPTH || ffi::lua_checkstack(l, 4) == 0 {
        return false;
    }
    let Some(&kind) = buf.get(*pos) else {
        return false;
    };
    let Some(line) = read_line(buf, pos) else {
        return false;
    };
    let body = &line[1..];
    match kind {
        b':' => {
            let n = parse_i64(body).unwrap_or(0);
            ffi::lua_pushnumber(l, n as f64);
        }
        b'$' | b'=' => {
            let n = parse_i64(body).unwrap_or(-1);
            if n < 0 {
                ffi::lua_pushboolean(l, 0);
                return true;
            }
            let n = n as usize;
            let Some(data) = buf.get(*pos..*pos + n) else {
                return false;
            };
            *pos += n + 2;
            if kind == b'=' {
                // "txt:..." : the format, then the string.
                ffi::lua_createtable(l, 0, 1);
                ffi::lua_createtable(l, 0, 2);
                let (format, s) = if data.len() >= 4 {
                    data.split_at(3)
                } else {
                    (data, &b":"[..])
                };
                push_bytes(l, format);
                ffi::lua_setfield(l, -2, c"format".as_ptr());
                push_bytes(l, &s[1..]);
                ffi::lua_setfield(l, -2, c"string".as_ptr());
                ffi::lua_setfield(l, -2, c"verbatim_string".as_ptr());
            } else {
                push_bytes(l, data);
            }
        }
        b'+' => {
            ffi::lua_createtable(l, 0, 1);
            push_bytes(l, body);
            ffi::lua_setfield(l, -2, c"ok".as_ptr());
        }
        b'-' => {
            ffi::lua_createtable(l, 0, 1);
            push_bytes(l, body);
            ffi::lua_setfield(l, -2, c"err".as_ptr());
        }
        b'*' | b'>' => {
            let n = parse_i64(body).unwrap_or(-1);
            if n < 0 {
                ffi::lua_pushboolean(l, 0);
                return true;
            }
            ffi::lua_createtable(l, n.min(1 << 16) as c_int, 0);
            for i in 0..n {
                if !push_reply(l, buf, pos, depth + 1) {
                    return false;
                }
                ffi::lua_rawseti(l, -2, i + 1);
            }
        }
        b'%' | b'~' => {
            let n = parse_i64(body).unwrap_or(0);
            ffi::lua_createtable(l, 0, 1);
            ffi::lua_createtable(l, 0, n.min(1 << 16) as c_int);
            for _ in 0..n {
                if !push_reply(l, buf, pos, depth + 1) {
                    return false;
                }
                if kind == b'%' {
                    if !push_reply(l, buf, pos, depth + 1) {
                        return false;
                    }
                } else {
                    ffi::lua_pushboolean(l, 1);
                }
                ffi::lua_rawset(l, -3);
            }
            let field = if kind == b'%' { c"map" } else { c"set" };
            ffi::lua_setfield(l, -2, field.as_ptr());
        }
        b'_' => ffi::lua_pushnil(l),
        b'#' => ffi::lua_pushboolean(l, c_int::from(body == b"t")),
        b',' => {
            ffi::lua_createtable(l, 0, 1);
            let v = std::str::from_utf8(body)
                .ok()
                .and_then(|s| match s {
                    "inf" => Some(f64::INFINITY),
                    "-inf" => Some(f64::NEG_INFINITY),
                    _ => s.parse().ok(),
                })
                .unwrap_or(0.0);
            ffi::lua_pushnumber(l, v);
            ffi::lua_setfield(l, -2, c"double".as_ptr());
        }
        b'(' => {
            ffi::lua_createtable(l, 0, 1);
            push_bytes(l, body);
            ffi::lua_setfield(l, -2, c"big_number".as_ptr());
        }
        b'|' => {
            // Attributes are skipped: the value follows.
            let n = parse_i64(body).unwrap_or(0);
            for _ in 0..n * 2 {
                if !push_reply(l, buf, pos, depth + 1) {
                    return false;
                }
                ffi::lua_pop(l, 1);
            }
            return push_reply(l, buf, pos, depth);
        }
        _ => return false,
    }
    true
}

/// The line at `*pos` (with its type byte, without CRLF); advances past it.
fn read_line<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let rest = &buf[*pos..];
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    *pos += end + 2;
    Some(&rest[..end])
}

fn parse_i64(b: &[u8]) -> Option<i64> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// How a script's result is written.
#[derive(Clone, Copy)]
pub struct ReplyMode {
    /// `redis.setresp(3)` was called: booleans are booleans.
    pub resp3: bool,
}

/// Writes the Lua value at the top of the stack as the caller's reply
/// (in the caller's protocol, which `out` knows), and pops it.
///
/// Reads tables with raw access only and never converts in place, so it
/// raises nothing: it runs outside any protected call.
///
/// # Safety
/// `l` is live and holds a value at the top.
pub unsafe fn write_reply(l: *mut lua_State, out: &mut Out, mode: ReplyMode) {
    write_value(l, out, mode, 0);
    ffi::lua_pop(l, 1);
}

/// The error text of a table with an `err` field, if it is one: newlines
/// become spaces, as Redis writes it.
///
/// # Safety
/// `l` is live; `idx` is a valid index.
pub unsafe fn table_string_field(
    l: *mut lua_State,
    idx: c_int,
    field: &std::ffi::CStr,
) -> Option<Vec<u8>> {
    if ffi::lua_type(l, idx) != ffi::LUA_TTABLE || ffi::lua_checkstack(l, 2) == 0 {
        return None;
    }
    ffi::lua_pushstring(l, field.as_ptr());
    ffi::lua_rawget(l, if idx < 0 { idx - 1 } else { idx });
    let v = if ffi::lua_type(l, -1) == ffi::LUA_TSTRING {
        to_bytes(l, -1).map(<[u8]>::to_vec)
    } else {
        None
    };
    ffi::lua_pop(l, 1);
    v
}

/// Writes the value at the top of the stack (left there).
unsafe fn write_value(l: *mut lua_State, out: &mut Out, mode: ReplyMode, depth: usize) {
    match ffi::lua_type(l, -1) {
        ffi::LUA_TSTRING => out.bulk(to_bytes(l, -1).unwrap_or_default()),
        ffi::LUA_TBOOLEAN => {
            let b = ffi::lua_toboolean(l, -1) != 0;
            if mode.resp3 {
                out.boolean(b);
            } else if b {
                out.int(1);
            } else {
                out.null();
            }
        }
        ffi::LUA_TNUMBER => out.int(ffi::lua_tonumber(l, -1) as i64),
        ffi::LUA_TTABLE => write_table(l, out, mode, depth),
        _ => out.null(),
    }
}

/// A table: one of the special forms, or an array up to the first nil.
unsafe fn write_table(l: *mut lua_State, out: &mut Out, mode: ReplyMode, depth: usize) {
    // Lua's stack is the bound, as in Redis (about 8000 levels).
    let _ = depth;
    if ffi::lua_checkstack(l, 4) == 0 {
        out.error("ERR reached lua stack limit");
        return;
    }
    if let Some(e) = table_string_field(l, -1, c"err") {
        out.error(&sanitize(&e));
        return;
    }
    if let Some(s) = table_string_field(l, -1, c"ok") {
        out.simple(&sanitize(&s));
        return;
    }
    if field(l, c"double") {
        let v = ffi::lua_tonumber(l, -1);
        ffi::lua_pop(l, 1);
        out.double(v);
        return;
    }
    if let Some(s) = table_string_field(l, -1, c"big_number") {
        out.big_number(&sanitize(&s));
        return;
    }
    if field(l, c"map") {
        if ffi::lua_type(l, -1) == ffi::LUA_TTABLE {
            let n = count_pairs(l);
            out.map(n);
            ffi::lua_pushnil(l);
            while ffi::lua_next(l, -2) != 0 {
                ffi::lua_pushvalue(l, -2);
                write_value(l, out, mode, depth + 1);
                ffi::lua_pop(l, 1);
                write_value(l, out, mode, depth + 1);
                ffi::lua_pop(l, 1);
            }
        } else {
            out.map(0);
        }
        ffi::lua_pop(l, 1);
        return;
    }
    if field(l, c"set") {
        if ffi::lua_type(l, -1) == ffi::LUA_TTABLE {
            let n = count_pairs(l);
            out.set(n);
            ffi::lua_pushnil(l);
            while ffi::lua_next(l, -2) != 0 {
                ffi::lua_pop(l, 1);
                write_value(l, out, mode, depth + 1);
            }
        } else {
            out.set(0);
        }
        ffi::lua_pop(l, 1);
        return;
    }
    if field(l, c"verbatim_string") {
        let format = table_string_field(l, -1, c"format");
        let s = table_string_field(l, -1, c"string");
        ffi::lua_pop(l, 1);
        if let (Some(f), Some(s)) = (format, s) {
            out.verbatim(&String::from_utf8_lossy(&f), &s);
            return;
        }
    }
    let mut n = 0;
    loop {
        ffi::lua_rawgeti(l, -1, n as ffi::lua_Integer + 1);
        let nil = ffi::lua_type(l, -1) == ffi::LUA_TNIL;
        ffi::lua_pop(l, 1);
        if nil {
            break;
        }
        n += 1;
    }
    out.array(n);
    for i in 0..n {
        ffi::lua_rawgeti(l, -1, i as ffi::lua_Integer + 1);
        write_value(l, out, mode, depth + 1);
        ffi::lua_pop(l, 1);
    }
}

/// Pushes field `name` of the table at the top; true if it is not nil
/// (else nothing stays pushed).
unsafe fn field(l: *mut lua_State, name: &std::ffi::CStr) -> bool {
    ffi::lua_pushstring(l, name.as_ptr());
    ffi::lua_rawget(l, -2);
    if ffi::lua_type(l, -1) == ffi::LUA_TNIL {
        ffi::lua_pop(l, 1);
        return false;
    }
    true
}

/// Pairs in the table at the top.
unsafe fn count_pairs(l: *mut lua_State) -> usize {
    let mut n = 0;
    ffi::lua_pushnil(l);
    while ffi::lua_next(l, -2) != 0 {
        ffi::lua_pop(l, 1);
        n += 1;
    }
    n
}

/// Status and error text: CR and LF become spaces.
fn sanitize(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect()
}
