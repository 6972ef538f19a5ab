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
    // A line with its type byte (an empty one is malformed).
    let Some(body) = read_line(buf, pos).and_then(|line| line.get(1..)) else {
        return false;
    };
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
            // The data and its CRLF, all there.
            let end = pos.saturating_add(n);
            let Some(data) = buf.get(*pos..end) else {
                return false;
            };
            if buf.get(end..end.saturating_add(2)) != Some(&b"\r\n"[..]) {
                return false;
            }
            *pos = end + 2;
            if kind == b'=' {
                // "txt:..." : the format, then the string; the fields go
                // in Redis's order (the table's layout shows in `pairs`).
                let (format, s) = if data.len() >= 4 {
                    (&data[..3], &data[4..])
                } else {
                    (data, &b""[..])
                };
                ffi::lua_createtable(l, 0, 0);
                push_bytes(l, b"verbatim_string");
                ffi::lua_createtable(l, 0, 0);
                push_bytes(l, b"string");
                push_bytes(l, s);
                ffi::lua_settable(l, -3);
                push_bytes(l, b"format");
                push_bytes(l, format);
                ffi::lua_settable(l, -3);
                ffi::lua_settable(l, -3);
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
            // As Redis: the error table, marked as already counted in
            // the error stats.
            let dashed = [&b"-"[..], body].concat();
            super::redislib::push_error(l, &dashed);
            drop(dashed);
            ffi::lua_pushboolean(l, 1);
            ffi::lua_setfield(l, -2, c"ignore_error_stats_update".as_ptr());
        }
        b'*' | b'>' => {
            let n = parse_i64(body).unwrap_or(-1);
            if n < 0 {
                ffi::lua_pushboolean(l, 0);
                return true;
            }
            // Grown as Redis grows it (its layout shows in `#` when
            // RESP3 nulls leave holes).
            ffi::lua_createtable(l, 0, 0);
            for i in 0..n {
                ffi::lua_pushnumber(l, (i + 1) as f64);
                if !push_reply(l, buf, pos, depth + 1) {
                    return false;
                }
                ffi::lua_settable(l, -3);
            }
        }
        b'%' | b'~' => {
            let n = parse_i64(body).unwrap_or(0);
            ffi::lua_createtable(l, 0, 0);
            ffi::lua_createtable(l, 0, 0);
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
            let n = parse_i64(body).unwrap_or(0).max(0);
            for _ in 0..n.saturating_mul(2) {
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
/// A port of Redis's `luaReplyToRedisReply`: raw table access only, no
/// conversion in place, so it raises nothing (it runs outside any
/// protected call). Redis converts with its error handler still on the
/// stack below the result; a placeholder takes that slot here, so the
/// stack limit ("reached lua stack limit") falls at the same depth.
///
/// # Safety
/// `l` is live and holds a value at the top; nothing else is on the
/// stack (the depth at which the limit falls depends on it).
pub unsafe fn write_reply(l: *mut lua_State, out: &mut Out, mode: ReplyMode) {
    ffi::lua_pushnil(l);
    ffi::lua_insert(l, -2);
    write_value(l, out, mode.resp3);
    ffi::lua_pop(l, 1);
}

/// The string field `field` of the table at `idx` (raw access, strings
/// only), if it is one.
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

/// Lua number to integer reply as C's `(long long)` cast does on x86-64:
/// NaN and values out of range become `i64::MIN` (Rust's `as` would
/// saturate instead).
pub fn lua_number_to_i64(v: f64) -> i64 {
    if v.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v) {
        i64::MIN
    } else {
        v as i64
    }
}

/// Lua number to C `int` as the `(int)` cast does on x86-64: NaN and
/// values out of range become `i32::MIN`.
pub fn lua_number_to_c_int(v: f64) -> i32 {
    if v.is_nan() || !(-2_147_483_648.0..2_147_483_648.0).contains(&v) {
        i32::MIN
    } else {
        v as i32
    }
}

/// `b` up to its first NUL, as Redis reads a Lua string through
/// `lua_tostring` into a C string.
pub fn c_str(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}

/// CR and LF become spaces (Redis's `sdsmapchars(s, "\r\n", "  ")`).
pub fn map_crlf(b: &[u8]) -> Vec<u8> {
    b.iter()
        .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c })
        .collect()
}

/// An error reply as Redis's `addReplyErrorFormat(c, "-%s", msg)` writes
/// it: `msg` as a C string, trailing CR/LF trimmed, inner ones mapped to
/// spaces, no `ERR` added.
pub fn error_reply(out: &mut Out, msg: &[u8]) {
    let msg = c_str(msg);
    let end = msg
        .iter()
        .rposition(|&c| c != b'\r' && c != b'\n')
        .map_or(0, |i| i + 1);
    out.buf.extend_from_slice(b"-");
    out.buf.extend_from_slice(&map_crlf(&msg[..end]));
    out.buf.extend_from_slice(b"\r\n");
}

/// Converts the value at the top of the stack and pops it.
unsafe fn write_value(l: *mut lua_State, out: &mut Out, resp3: bool) {
    if ffi::lua_checkstack(l, 4) == 0 {
        // Redis's text, word for word (its reply helper adds the code).
        out.error("ERR reached lua stack limit");
        ffi::lua_pop(l, 1);
        return;
    }
    match ffi::lua_type(l, -1) {
        ffi::LUA_TSTRING => out.bulk(to_bytes(l, -1).unwrap_or_default()),
        ffi::LUA_TBOOLEAN => {
            let b = ffi::lua_toboolean(l, -1) != 0;
            if resp3 {
                out.boolean(b);
            } else if b {
                out.int(1);
            } else {
                out.null();
            }
        }
        ffi::LUA_TNUMBER => out.int(lua_number_to_i64(ffi::lua_tonumber(l, -1))),
        ffi::LUA_TTABLE => write_table(l, out, resp3),
        _ => out.null(),
    }
    ffi::lua_pop(l, 1);
}

/// The table at the top (left there): one of the special forms, checked
/// in Redis's order (`err`, `ok`, `double`, `big_number`,
/// `verbatim_string`, `map`, `set`), or an array up to the first nil.
unsafe fn write_table(l: *mut lua_State, out: &mut Out, resp3: bool) {
    if write_scalar_form(l, out) {
        return;
    }
    for (name, map) in [(c"map", true), (c"set", false)] {
        ffi::lua_pushstring(l, name.as_ptr());
        ffi::lua_rawget(l, -2);
        if ffi::lua_type(l, -1) != ffi::LUA_TTABLE {
            ffi::lua_pop(l, 1);
            continue;
        }
        let n = count_pairs(l);
        if map {
            out.map(n);
        } else {
            out.set(n);
        }
        ffi::lua_pushnil(l);
        while ffi::lua_next(l, -2) != 0 {
            if map {
                // table, key, value: the key (a copy), then the value.
                ffi::lua_pushvalue(l, -2);
                write_value(l, out, resp3);
                write_value(l, out, resp3);
            } else {
                // table, key, true: the key only.
                ffi::lua_pop(l, 1);
                ffi::lua_pushvalue(l, -1);
                write_value(l, out, resp3);
            }
        }
        ffi::lua_pop(l, 1);
        return;
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
        write_value(l, out, resp3);
    }
}

/// The forms of a table that hold no nested value (`err`, `ok`,
/// `double`, `big_number`, `verbatim_string`): writes the reply and
/// returns true if the table at the top is one. Kept apart from the
/// recursion so its frames stay small (8000 levels fit the stack).
#[inline(never)]
unsafe fn write_scalar_form(l: *mut lua_State, out: &mut Out) -> bool {
    if let Some(e) = table_string_field(l, -1, c"err") {
        error_reply(out, &e);
        return true;
    }
    if let Some(s) = table_string_field(l, -1, c"ok") {
        out.buf.extend_from_slice(b"+");
        out.buf.extend_from_slice(&map_crlf(c_str(&s)));
        out.buf.extend_from_slice(b"\r\n");
        return true;
    }
    ffi::lua_pushstring(l, c"double".as_ptr());
    ffi::lua_rawget(l, -2);
    let double = (ffi::lua_type(l, -1) == ffi::LUA_TNUMBER).then(|| ffi::lua_tonumber(l, -1));
    ffi::lua_pop(l, 1);
    if let Some(v) = double {
        out.double(v);
        return true;
    }
    if let Some(s) = table_string_field(l, -1, c"big_number") {
        let digits = map_crlf(&s);
        if out.is_resp3() {
            out.buf.extend_from_slice(b"(");
            out.buf.extend_from_slice(&digits);
            out.buf.extend_from_slice(b"\r\n");
        } else {
            out.bulk(&digits);
        }
        return true;
    }
    ffi::lua_pushstring(l, c"verbatim_string".as_ptr());
    ffi::lua_rawget(l, -2);
    let format = table_string_field(l, -1, c"format");
    let text = table_string_field(l, -1, c"string");
    ffi::lua_pop(l, 1);
    if let (Some(format), Some(text)) = (format, text) {
        if out.is_resp3() {
            // Three characters of the format (a C string), padded with
            // spaces, as Redis's addReplyVerbatim.
            let format = c_str(&format);
            let mut ext = [b' '; 3];
            for (d, s) in ext.iter_mut().zip(format) {
                *d = *s;
            }
            out.buf
                .extend_from_slice(format!("={}\r\n", text.len() + 4).as_bytes());
            out.buf.extend_from_slice(&ext);
            out.buf.extend_from_slice(b":");
            out.buf.extend_from_slice(&text);
            out.buf.extend_from_slice(b"\r\n");
        } else {
            out.bulk(&text);
        }
        return true;
    }
    false
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

/// What the protected conversion reads and reports.
struct Job<'a> {
    buf: &'a [u8],
    parsed: bool,
}

/// Runs `push_reply` on the job's bytes, protected (it allocates and
/// may raise); leaves the value (or nil) as the one result.
unsafe extern "C-unwind" fn convert(l: *mut lua_State) -> c_int {
    let job = &mut *(ffi::lua_touserdata(l, 1) as *mut Job);
    ffi::lua_settop(l, 0);
    let mut pos = 0;
    job.parsed = push_reply(l, job.buf, &mut pos, 0);
    if job.parsed {
        1
    } else {
        0
    }
}

/// For tests and fuzzing (fuzz/fuzz_targets/lua_reply.rs): `buf` through
/// `push_reply`, then `write_reply` (in `resp3` mode, to a caller of
/// protocol `proto`): the written bytes, or None if the input was refused
/// or raised.
pub fn round_trip(
    interp: &crate::scripting::interp::Interp,
    buf: &[u8],
    resp3: bool,
    proto: u8,
) -> Option<Vec<u8>> {
    let l = interp.state();
    let mut job = Job { buf, parsed: false };
    // SAFETY: a protected call on a live state with an empty stack.
    unsafe {
        ffi::lua_pushcfunction(l, convert);
        ffi::lua_pushlightuserdata(l, (&mut job as *mut Job).cast());
        let status = ffi::lua_pcall(l, 1, 1, 0);
        if status != 0 || !job.parsed {
            ffi::lua_settop(l, 0);
            return None;
        }
        let mut out = Out::new();
        out.resp = proto;
        write_reply(l, &mut out, ReplyMode { resp3 });
        assert_eq!(
            ffi::lua_gettop(l),
            0,
            "write_reply leaves the stack as found"
        );
        Some(out.buf.to_vec())
    }
}

#[cfg(test)]
mod tests {
    //! `push_reply` and `write_reply` on random replies: never a crash on
    //! any bytes; well-formed values come back as they went in.

    use super::*;
    use crate::scripting::interp::Interp;
    use proptest::prelude::*;

    fn interp() -> Interp {
        // SAFETY: the setup pushes an empty `redis` table.
        Interp::new(|l| unsafe { ffi::lua_createtable(l, 0, 0) })
    }

    /// A RESP3 value that comes back byte for byte after a round trip in
    /// RESP3 mode.
    #[derive(Debug, Clone)]
    enum V {
        Int(i64),
        Bulk(Vec<u8>),
        Status(String),
        Error(String, String),
        Double(f64),
        Bool(bool),
        Big(String),
        Verbatim(Vec<u8>),
        Array(Vec<V>),
        Map1(Vec<u8>, Box<V>),
        Set1(Vec<u8>),
    }

    fn encode(v: &V, out: &mut Vec<u8>) {
        match v {
            V::Int(n) => out.extend_from_slice(format!(":{n}\r\n").as_bytes()),
            V::Bulk(b) => {
                out.extend_from_slice(format!("${}\r\n", b.len()).as_bytes());
                out.extend_from_slice(b);
                out.extend_from_slice(b"\r\n");
            }
            V::Status(s) => out.extend_from_slice(format!("+{s}\r\n").as_bytes()),
            V::Error(c, s) => out.extend_from_slice(format!("-{c} {s}\r\n").as_bytes()),
            V::Double(d) => {
                out.extend_from_slice(format!(",{}\r\n", crate::util::fmt_f64_g17(*d)).as_bytes())
            }
            V::Bool(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            V::Big(s) => out.extend_from_slice(format!("({s}\r\n").as_bytes()),
            V::Verbatim(b) => {
                out.extend_from_slice(format!("={}\r\ntxt:", b.len() + 4).as_bytes());
                out.extend_from_slice(b);
                out.extend_from_slice(b"\r\n");
            }
            V::Array(items) => {
                out.extend_from_slice(format!("*{}\r\n", items.len()).as_bytes());
                for i in items {
                    encode(i, out);
                }
            }
            V::Map1(k, v) => {
                out.extend_from_slice(b"%1\r\n");
                encode(&V::Bulk(k.clone()), out);
                encode(v, out);
            }
            V::Set1(k) => {
                out.extend_from_slice(b"~1\r\n");
                encode(&V::Bulk(k.clone()), out);
            }
        }
    }

    fn value() -> impl Strategy<Value = V> {
        let text = "[a-zA-Z0-9 _.:-]{0,12}";
        let bytes = proptest::collection::vec(any::<u8>(), 0..16);
        let leaf = prop_oneof![
            (-(1i64 << 53)..(1i64 << 53)).prop_map(V::Int),
            bytes.clone().prop_map(V::Bulk),
            text.prop_map(V::Status),
            ("[A-Z]{1,8}", text).prop_map(|(c, s)| V::Error(c, s)),
            any::<f64>()
                .prop_filter("finite", |d| d.is_finite())
                .prop_map(V::Double),
            any::<bool>().prop_map(V::Bool),
            "-?[1-9][0-9]{0,40}".prop_map(V::Big),
            bytes.clone().prop_map(V::Verbatim),
            bytes.clone().prop_map(V::Set1),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(V::Array),
                (proptest::collection::vec(any::<u8>(), 0..8), inner)
                    .prop_map(|(k, v)| V::Map1(k, Box::new(v))),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Well-formed values come back byte for byte (RESP3 mode, RESP3
        /// caller); so does their RESP2 form where RESP2 has one.
        #[test]
        fn well_formed_replies_round_trip(v in value()) {
            let interp = interp();
            let mut buf = Vec::new();
            encode(&v, &mut buf);
            let back = round_trip(&interp, &buf, true, 3);
            prop_assert_eq!(back.as_deref(), Some(&buf[..]));
        }

        /// Any bytes: truncated, mutated or random replies are refused or
        /// converted, in either mode and protocol, never a crash; the
        /// state stays usable.
        #[test]
        fn any_bytes_never_crash(
            v in value(),
            cut in any::<prop::sample::Index>(),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
            junk in proptest::collection::vec(any::<u8>(), 0..48),
            resp3 in any::<bool>(),
        ) {
            let interp = interp();
            let mut buf = Vec::new();
            encode(&v, &mut buf);
            let whole = buf.clone();
            // A truncated reply is never taken as whole.
            let n = cut.index(buf.len());
            prop_assert_eq!(round_trip(&interp, &buf[..n], resp3, 2), None);
            for (at, b) in flips {
                let i = at.index(buf.len());
                buf[i] = b;
            }
            round_trip(&interp, &buf, resp3, 2);
            round_trip(&interp, &buf, resp3, 3);
            round_trip(&interp, &junk, resp3, 3);
            let mut typed = b"*3\r\n".to_vec();
            typed.extend_from_slice(&junk);
            round_trip(&interp, &typed, resp3, 3);
            let again = round_trip(&interp, &whole, true, 3);
            prop_assert_eq!(again.as_deref(), Some(&whole[..]));
        }
    }

    /// Hand-picked malformed replies: huge counts, deep nesting, nil and
    /// NaN map keys, attributes.
    #[test]
    fn malformed_replies_are_refused_or_converted() {
        let interp = interp();
        let deep = "*1\r\n".repeat(5000) + ":1\r\n";
        for input in [
            &b"*99999999999\r\n"[..],
            b"%9999999999999\r\n$1\r\na\r\n",
            b"$9223372036854775807\r\nabc\r\n",
            b"$-5\r\n",
            b"*-1\r\n",
            b"%1\r\n_\r\n:1\r\n",
            b"%1\r\n,nan\r\n:1\r\n",
            b"~2\r\n_\r\n_\r\n",
            b"|1\r\n+a\r\n+b\r\n:5\r\n",
            b"=2\r\nab\r\n",
            b":abc\r\n",
            b",x\r\n",
            b"#x\r\n",
            b"?\r\n",
            deep.as_bytes(),
        ] {
            for (resp3, proto) in [(false, 2), (true, 2), (true, 3)] {
                round_trip(&interp, input, resp3, proto);
            }
        }
        // Still usable.
        assert_eq!(
            round_trip(&interp, b"*2\r\n:1\r\n$1\r\nx\r\n", false, 2).as_deref(),
            Some(&b"*2\r\n:1\r\n$1\r\nx\r\n"[..])
        );
    }

    /// Found by fuzz/fuzz_targets/lua_reply.rs: an attribute count whose
    /// double overflows (a panic in debug builds).
    #[test]
    fn huge_attribute_count_is_refused() {
        let interp = interp();
        let reply = b"|-000000000000008179300000000008170\r\n";
        assert_eq!(round_trip(&interp, reply, true, 3), None);
        let reply = b"|4611686018427387904\r\n+a\r\n";
        assert_eq!(round_trip(&interp, reply, true, 3), None);
    }
}
