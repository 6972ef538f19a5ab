//! The `cjson` library: JSON for scripts, behaving as lua-cjson 2.1.0
//! does inside Redis 7.0 (checked against redis-server, see the tests).
//!
//! What scripts depend on, and what this module reproduces:
//! - Numbers are written with C's `%.14g` (the precision is settable from
//!   1 to 14); NaN and Inf are refused unless `encode_invalid_numbers`
//!   allows them. Numbers are read with C's `strtod`, so hex, `Infinity`,
//!   `NaN` and leading zeros pass while `decode_invalid_numbers` is on
//!   (the default).
//! - A table is an array when all its keys are integers >= 1 (below
//!   2^31) and it is not "excessively sparse"; an empty table is `{}`.
//! - Input ends at its first NUL byte, as the C parser sees it.
//! - Errors are word for word lua-cjson's, with the same character
//!   positions and the same depth at which a limit is met. The depth also
//!   stops where Lua's C stack (8000 slots) would, as in the original,
//!   which uses one slot per array level and two per object level.
//!
//! Each table made by `open` (or `cjson.new()`) has its own settings in a
//! full userdata, the upvalue of its functions. The encode buffer and the
//! decoder's scratch live there too, not on the Rust stack, so a Lua
//! error (a `longjmp`) in the middle never leaks them. Both directions
//! walk nesting with an explicit stack rather than recursion, so deep
//! input costs no native stack.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

use crate::scripting::luaapi::{check_bytes, ffi, lua_State, push_bytes, raise, to_bytes};

/// The settings and buffers of one `cjson` table.
struct Config {
    /// `encode_sparse_array`: turn excessively sparse arrays into objects
    /// (1) instead of refusing them (0); the ratio and the safe length.
    sparse_convert: c_int,
    sparse_ratio: c_int,
    sparse_safe: c_int,
    encode_max_depth: c_int,
    decode_max_depth: c_int,
    /// 0: refuse NaN/Inf; 1: write `nan`, `inf`; 2: write `null`.
    encode_invalid: c_int,
    decode_invalid: c_int,
    keep_buffer: c_int,
    precision: c_int,
    /// The output of `encode`, kept between calls while `keep_buffer`.
    out: Vec<u8>,
    /// Open arrays and objects of the running `encode`.
    enc_stack: Vec<EncFrame>,
    /// The decoded text of a string with escapes.
    tmp: Vec<u8>,
    /// Open arrays and objects of the running `decode`.
    dec_stack: Vec<DecFrame>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sparse_convert: 0,
            sparse_ratio: 2,
            sparse_safe: 10,
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            encode_invalid: 0,
            decode_invalid: 1,
            keep_buffer: 1,
            precision: 14,
            out: Vec::new(),
            enc_stack: Vec::new(),
            tmp: Vec::new(),
            dec_stack: Vec::new(),
        }
    }
}

/// The library's functions, in lua-cjson's order (which decides the order
/// `pairs(cjson)` shows).
const FUNCTIONS: [(&CStr, ffi::lua_CFunction); 10] = [
    (c"encode", encode),
    (c"decode", decode),
    (c"encode_sparse_array", encode_sparse_array),
    (c"encode_max_depth", encode_max_depth),
    (c"decode_max_depth", decode_max_depth),
    (c"encode_number_precision", encode_number_precision),
    (c"encode_keep_buffer", encode_keep_buffer),
    (c"encode_invalid_numbers", encode_invalid_numbers),
    (c"decode_invalid_numbers", decode_invalid_numbers),
    (c"new", open),
];

/// Pushes a new `cjson` table with default settings (`cjson.new` too).
///
/// # Safety
/// Called by Lua as a C function.
pub unsafe extern "C-unwind" fn open(l: *mut lua_State) -> c_int {
    ffi::lua_newtable(l);
    let cfg = ffi::lua_newuserdata(l, std::mem::size_of::<Config>()).cast::<Config>();
    // SAFETY: Lua aligns userdata for any C type (Config needs 8).
    debug_assert!(cfg.is_aligned());
    ptr::write(cfg, Config::default());
    ffi::lua_newtable(l);
    ffi::lua_pushcfunction(l, drop_config);
    ffi::lua_setfield(l, -2, c"__gc".as_ptr());
    ffi::lua_setmetatable(l, -2);
    for (name, f) in FUNCTIONS {
        ffi::lua_pushvalue(l, -1);
        ffi::lua_pushcclosure(l, f, 1);
        ffi::lua_setfield(l, -3, name.as_ptr());
    }
    ffi::lua_pop(l, 1);
    ffi::lua_pushlightuserdata(l, ptr::null_mut());
    ffi::lua_setfield(l, -2, c"null".as_ptr());
    ffi::lua_pushstring(l, c"cjson".as_ptr());
    ffi::lua_setfield(l, -2, c"_NAME".as_ptr());
    ffi::lua_pushstring(l, c"2.1.0".as_ptr());
    ffi::lua_setfield(l, -2, c"_VERSION".as_ptr());
    1
}

/// `__gc` of the settings: frees the buffers.
unsafe extern "C-unwind" fn drop_config(l: *mut lua_State) -> c_int {
    let cfg = ffi::lua_touserdata(l, 1).cast::<Config>();
    if !cfg.is_null() {
        ptr::drop_in_place(cfg);
    }
    0
}

/// The settings of the running function's table.
///
/// # Safety
/// Only inside the functions of [`FUNCTIONS`]; no Lua code runs while the
/// reference is in use (encode and decode only use raw table access).
unsafe fn config<'a>(l: *mut lua_State) -> &'a mut Config {
    &mut *ffi::lua_touserdata(l, ffi::lua_upvalueindex(1)).cast::<Config>()
}

/// Raises Lua's "bad argument #`arg` to 'f' (`msg`)".
unsafe fn arg_error(l: *mut lua_State, arg: c_int, msg: &CStr) -> ! {
    ffi::luaL_argerror(l, arg, msg.as_ptr());
    unreachable!("luaL_argerror returns by raising")
}

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

/// lua-cjson refuses more than `n` arguments to a setting function, and
/// pads them to `n` so that each value it pushes lands above them.
unsafe fn check_arg_count(l: *mut lua_State, n: c_int) {
    if ffi::lua_gettop(l) > n {
        arg_error(l, n + 1, c"found too many arguments");
    }
    ffi::lua_settop(l, n);
}

/// Sets `*setting` from argument `idx` if given (a boolean, or one of
/// `options` by name) and pushes the value: `false`/`true` for the first
/// two options, the name for any other.
unsafe fn enum_option(l: *mut lua_State, idx: c_int, setting: &mut c_int, options: &[&CStr]) {
    if ffi::lua_isnoneornil(l, idx) == 0 {
        if ffi::lua_isboolean(l, idx) != 0 {
            *setting = ffi::lua_toboolean(l, idx);
        } else {
            let mut list = [ptr::null::<c_char>(); 4];
            for (slot, o) in list.iter_mut().zip(options) {
                *slot = o.as_ptr();
            }
            *setting = ffi::luaL_checkoption(l, idx, ptr::null(), list.as_ptr());
        }
    }
    match *setting {
        0 | 1 => ffi::lua_pushboolean(l, *setting),
        n => {
            ffi::lua_pushstring(l, options[n as usize].as_ptr());
        }
    }
}

const BOOL_OPTIONS: [&CStr; 2] = [c"off", c"on"];

/// Sets `*setting` from integer argument `idx` if given (truncated to a C
/// `int` as lua-cjson does, then checked against `min..=max`; the error
/// names argument 1 whichever it was) and pushes the value.
unsafe fn integer_option(
    l: *mut lua_State,
    idx: c_int,
    setting: &mut c_int,
    min: c_int,
    max: c_int,
) {
    if ffi::lua_isnoneornil(l, idx) == 0 {
        let value = ffi::luaL_checkinteger(l, idx) as c_int;
        if value < min || value > max {
            // The message is a Lua string, so nothing is left to drop.
            let msg =
                ffi::lua_pushfstring(l, c"expected integer between %d and %d".as_ptr(), min, max);
            arg_error(l, 1, CStr::from_ptr(msg));
        }
        *setting = value;
    }
    ffi::lua_pushinteger(l, *setting as ffi::lua_Integer);
}

/// cjson.encode_sparse_array([convert[, ratio[, safe]]])
unsafe extern "C-unwind" fn encode_sparse_array(l: *mut lua_State) -> c_int {
    let cfg = config(l);
    check_arg_count(l, 3);
    enum_option(l, 1, &mut cfg.sparse_convert, &BOOL_OPTIONS);
    integer_option(l, 2, &mut cfg.sparse_ratio, 0, c_int::MAX);
    integer_option(l, 3, &mut cfg.sparse_safe, 0, c_int::MAX);
    3
}

/// cjson.encode_max_depth([depth])
unsafe extern "C-unwind" fn encode_max_depth(l: *mut lua_State) -> c_int {
    let cfg = config(l);
    check_arg_count(l, 1);
    integer_option(l, 1, &mut cfg.encode_max_depth, 1, c_int::MAX);
    1
}

/// cjson.decode_max_depth([depth])
unsafe extern "C-unwind" fn decode_max_depth(l: *mut lua_State) -> c_int {
    let cfg = config(l);
    check_arg_count(l, 1);
    integer_option(l, 1, &mut cfg.decode_max_depth, 1, c_int::MAX);
    1
}

/// cjson.encode_number_precision([digits])
unsafe extern "C-unwind" fn encode_number_precision(l: *mut lua_State) -> c_int {
    let cfg = config(l);
    check_arg_count(l, 1);
    integer_option(l, 1, &mut cfg.precision, 1, 14);
    1
}

/// cjson.encode_keep_buffer([keep])
unsafe extern "C-unwind" fn encode_keep_buffer(l: *mut lua_State) -> c_int {
    let cfg = config(l);
    check_arg_count(l, 1);
    enum_option(l, 1, &mut cfg.keep_buffer, &BOOL_OPTIONS);
    if cfg.keep_buffer == 0 {
        cfg.out = Vec::new();
    }
    1
}

/// cjson.encode_invalid_numbers([true|false|"on"|"off"|"null"])
unsafe extern "C-unwind" fn encode_invalid_numbers(l: *mut lua_State) -> c_int {
    let cfg = config(l);
    check_arg_count(l, 1);
    enum_option(l, 1, &mut cfg.encode_invalid, &[c"off", c"on", c"null"]);
    1
}

/// cjson.decode_invalid_numbers([allow])
unsafe extern "C-unwind" fn decode_invalid_numbers(l: *mut lua_State) -> c_int {
    let cfg = config(l);
    check_arg_count(l, 1);
    enum_option(l, 1, &mut cfg.decode_invalid, &BOOL_OPTIONS);
    1
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/// An open container of the running `encode`. Its table is on the Lua
/// stack: under the current element for an array, under the current key
/// and value for an object.
enum EncFrame {
    /// (`next` is wider than `len` so that it cannot overflow.)
    Array {
        len: c_int,
        next: i64,
    },
    Object {
        first: bool,
    },
}

/// cjson.encode(value)
unsafe extern "C-unwind" fn encode(l: *mut lua_State) -> c_int {
    let cfg = config(l);
    if ffi::lua_gettop(l) != 1 {
        arg_error(l, 1, c"expected 1 argument");
    }
    cfg.out.clear();
    cfg.enc_stack.clear();
    if let Err(msg) = encode_value(l, cfg) {
        if cfg.keep_buffer == 0 {
            cfg.out = Vec::new();
        }
        // The walk may have filled the stack up to Lua's limit; the
        // message needs two slots.
        ffi::lua_settop(l, 1);
        raise(l, msg);
    }
    push_bytes(l, &cfg.out);
    if cfg.keep_buffer == 0 {
        cfg.out = Vec::new();
    }
    1
}

/// Appends the JSON of the value on top of the stack to `cfg.out`.
unsafe fn encode_value(l: *mut lua_State, cfg: &mut Config) -> Result<(), String> {
    // Each turn starts with a value on top of the stack: a scalar is
    // written and popped (unless it is the argument itself); a table
    // opens a frame. Then frames that are done close, and the innermost
    // open one pushes its next value.
    loop {
        if ffi::lua_type(l, -1) == ffi::LUA_TTABLE {
            open_table(l, cfg)?;
        } else {
            encode_scalar(l, cfg)?;
            if cfg.enc_stack.is_empty() {
                return Ok(());
            }
            ffi::lua_pop(l, 1);
        }
        loop {
            let Some(frame) = cfg.enc_stack.last_mut() else {
                return Ok(());
            };
            let more = match frame {
                EncFrame::Array { len, next } if *next <= i64::from(*len) => {
                    if *next > 1 {
                        cfg.out.push(b',');
                    }
                    ffi::lua_rawgeti_(l, -1, *next as c_int);
                    *next += 1;
                    true
                }
                EncFrame::Array { .. } => {
                    cfg.out.push(b']');
                    false
                }
                EncFrame::Object { first } => {
                    if ffi::lua_next(l, -2) != 0 {
                        if !std::mem::take(first) {
                            cfg.out.push(b',');
                        }
                        encode_key(l, cfg)?;
                        true
                    } else {
                        cfg.out.push(b'}');
                        false
                    }
                }
            };
            if more {
                break;
            }
            cfg.enc_stack.pop();
            if cfg.enc_stack.is_empty() {
                return Ok(());
            }
            // The finished table was an element or a value: pop it.
            ffi::lua_pop(l, 1);
        }
    }
}

/// Opens the table on top of the stack: checks the depth, then writes
/// `[` or `{` and pushes its frame.
unsafe fn open_table(l: *mut lua_State, cfg: &mut Config) -> Result<(), String> {
    let depth = cfg.enc_stack.len() as c_int + 1;
    if depth > cfg.encode_max_depth || ffi::lua_checkstack(l, 3) == 0 {
        return Err(format!("Cannot serialise, excessive nesting ({depth})"));
    }
    let len = array_length(l, cfg)?;
    if len > 0 {
        cfg.out.push(b'[');
        cfg.enc_stack.push(EncFrame::Array { len, next: 1 });
    } else {
        cfg.out.push(b'{');
        ffi::lua_pushnil(l);
        cfg.enc_stack.push(EncFrame::Object { first: true });
    }
    Ok(())
}

/// How many elements the table on top of the stack has as an array, or
/// a non-positive number for an object. As lua-cjson: keys must be
/// integers >= 1, the largest is kept in a C `int` (so a key of 2^31 or
/// more, as the C conversion gives INT_MIN, makes an object), and a
/// table whose largest key is more than `ratio` times its key count and
/// more than `safe` is "excessively sparse".
unsafe fn array_length(l: *mut lua_State, cfg: &Config) -> Result<c_int, String> {
    let mut max: c_int = 0;
    let mut items: c_int = 0;
    ffi::lua_pushnil(l);
    while ffi::lua_next(l, -2) != 0 {
        let k = if ffi::lua_type(l, -2) == ffi::LUA_TNUMBER {
            ffi::lua_tonumber(l, -2)
        } else {
            0.0
        };
        if k != 0.0 && k.floor() == k && k >= 1.0 {
            if k > max as f64 {
                max = c_int_of(k);
            }
            items = items.wrapping_add(1);
            ffi::lua_pop(l, 1);
            continue;
        }
        ffi::lua_pop(l, 2);
        return Ok(-1);
    }
    if cfg.sparse_ratio > 0 && max > items.wrapping_mul(cfg.sparse_ratio) && max > cfg.sparse_safe {
        if cfg.sparse_convert == 0 {
            return Err("Cannot serialise table: excessively sparse array".to_string());
        }
        return Ok(-1);
    }
    Ok(max)
}

/// C's `(int)` of a double on x86-64: out of range gives INT_MIN.
fn c_int_of(x: f64) -> c_int {
    if (-2147483648.0..2147483648.0).contains(&x) {
        x as c_int
    } else {
        c_int::MIN
    }
}

/// Writes the key on the stack under the value (`"key":`).
unsafe fn encode_key(l: *mut lua_State, cfg: &mut Config) -> Result<(), String> {
    match ffi::lua_type(l, -2) {
        ffi::LUA_TNUMBER => {
            cfg.out.push(b'"');
            encode_number(l, cfg, -2)?;
            cfg.out.extend_from_slice(b"\":");
        }
        ffi::LUA_TSTRING => {
            encode_string(&mut cfg.out, to_bytes(l, -2).unwrap_or_default());
            cfg.out.push(b':');
        }
        _ => {
            return Err(format!(
                "Cannot serialise {}: table key must be a number or string",
                type_name(l, -2)
            ))
        }
    }
    Ok(())
}

/// Writes the non-table value on top of the stack.
unsafe fn encode_scalar(l: *mut lua_State, cfg: &mut Config) -> Result<(), String> {
    match ffi::lua_type(l, -1) {
        ffi::LUA_TSTRING => encode_string(&mut cfg.out, to_bytes(l, -1).unwrap_or_default()),
        ffi::LUA_TNUMBER => encode_number(l, cfg, -1)?,
        ffi::LUA_TBOOLEAN => {
            let b: &[u8] = if ffi::lua_toboolean(l, -1) != 0 {
                b"true"
            } else {
                b"false"
            };
            cfg.out.extend_from_slice(b);
        }
        ffi::LUA_TNIL => cfg.out.extend_from_slice(b"null"),
        ffi::LUA_TLIGHTUSERDATA if ffi::lua_touserdata(l, -1).is_null() => {
            cfg.out.extend_from_slice(b"null")
        }
        _ => {
            return Err(format!(
                "Cannot serialise {}: type not supported",
                type_name(l, -1)
            ))
        }
    }
    Ok(())
}

/// The Lua type name of the value at `idx`.
unsafe fn type_name(l: *mut lua_State, idx: c_int) -> String {
    let name = ffi::lua_typename(l, ffi::lua_type(l, idx));
    CStr::from_ptr(name).to_string_lossy().into_owned()
}

/// Writes the number at `idx` with `%.<precision>g`, after the
/// NaN/Inf rule.
unsafe fn encode_number(l: *mut lua_State, cfg: &mut Config, idx: c_int) -> Result<(), String> {
    let num = ffi::lua_tonumber(l, idx);
    match cfg.encode_invalid {
        0 if !num.is_finite() => {
            return Err("Cannot serialise number: must not be NaN or Inf".to_string());
        }
        // C would print "-nan" for a negative NaN.
        1 if num.is_nan() => {
            cfg.out.extend_from_slice(b"nan");
            return Ok(());
        }
        2 if !num.is_finite() => {
            cfg.out.extend_from_slice(b"null");
            return Ok(());
        }
        _ => {}
    }
    format_g(&mut cfg.out, num, cfg.precision);
    Ok(())
}

/// Appends `num` as C's `printf("%.*g", precision, num)` writes it (the
/// process never changes the C locale, so the point is '.').
fn format_g(out: &mut Vec<u8>, num: f64, precision: c_int) {
    let mut buf = [0u8; 40];
    // SAFETY: the format takes an int and a double, as passed; snprintf
    // writes at most buf.len() bytes (the longest %.14g is 21).
    let n = unsafe {
        libc::snprintf(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%.*g".as_ptr(),
            precision,
            num,
        )
    };
    out.extend_from_slice(&buf[..(n.max(0) as usize).min(buf.len() - 1)]);
}

/// Whether byte `b` is written escaped in a JSON string.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\' || b == b'/' || b == 0x7f
}

/// Appends `s` as a JSON string: control characters, DEL, `"`, `\` and
/// `/` are escaped; every other byte (UTF-8 or not) is copied.
fn encode_string(out: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut rest = s;
    while let Some(i) = rest.iter().position(|&b| needs_escape(b)) {
        out.extend_from_slice(&rest[..i]);
        let b = rest[i];
        match b {
            b'"' | b'\\' | b'/' => out.extend_from_slice(&[b'\\', b]),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 15) as usize],
            ]),
        }
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/// An open container of the running `decode`; its table is on the Lua
/// stack (under the pending key for an object).
enum DecFrame {
    /// The index the next element goes to.
    Array(c_int),
    Object,
}

/// A lexical token. Strings are either a span of the input (no escapes)
/// or the decoder's scratch buffer.
#[derive(Clone, Copy)]
enum Tok {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    Str { start: usize, end: usize },
    StrTmp,
    Number(f64),
    Boolean(bool),
    Null,
    Colon,
    Comma,
    End,
    Error(&'static str),
}

impl Tok {
    /// How lua-cjson names the token in "Expected ... but found ...".
    fn name(self) -> &'static str {
        match self {
            Tok::ObjBegin => "T_OBJ_BEGIN",
            Tok::ObjEnd => "T_OBJ_END",
            Tok::ArrBegin => "T_ARR_BEGIN",
            Tok::ArrEnd => "T_ARR_END",
            Tok::Str { .. } | Tok::StrTmp => "T_STRING",
            Tok::Number(_) => "T_NUMBER",
            Tok::Boolean(_) => "T_BOOLEAN",
            Tok::Null => "T_NULL",
            Tok::Colon => "T_COLON",
            Tok::Comma => "T_COMMA",
            Tok::End => "T_END",
            Tok::Error(msg) => msg,
        }
    }
}

/// A token and the offset where it (or its error) is.
#[derive(Clone, Copy)]
struct Token {
    tok: Tok,
    at: usize,
}

/// The decoder's position in its input.
struct Decoder<'a> {
    /// The input up to its first NUL; Lua keeps a NUL after it, which
    /// `strtod` relies on.
    data: &'a [u8],
    pos: usize,
    cfg: &'a mut Config,
}

/// cjson.decode(text)
unsafe extern "C-unwind" fn decode(l: *mut lua_State) -> c_int {
    let cfg = config(l);
    if ffi::lua_gettop(l) != 1 {
        arg_error(l, 1, c"expected 1 argument");
    }
    let text = check_bytes(l, 1);
    // RFC 4627: UTF-16 and UTF-32 put a NUL in the first two bytes.
    if text.len() >= 2 && (text[0] == 0 || text[1] == 0) {
        raise(
            l,
            "JSON parser does not support UTF-16 or UTF-32".to_string(),
        );
    }
    let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
    cfg.dec_stack.clear();
    let mut d = Decoder {
        data: &text[..end],
        pos: 0,
        cfg,
    };
    match d.run(l) {
        Ok(()) => 1,
        Err(msg) => {
            // As in `encode`: make room for the message.
            ffi::lua_settop(l, 1);
            raise(l, msg)
        }
    }
}

/// "Expected `what` but found `token` at character N".
fn expected(what: &str, t: Token) -> String {
    format!(
        "Expected {what} but found {} at character {}",
        t.tok.name(),
        t.at + 1
    )
}

impl Decoder<'_> {
    /// The byte at `i`, or 0 past the end, as the C string reads.
    fn byte(&self, i: usize) -> u8 {
        self.data.get(i).copied().unwrap_or(0)
    }

    /// Parses the whole input and leaves its value on the stack.
    unsafe fn run(&mut self, l: *mut lua_State) -> Result<(), String> {
        let mut t = self.next_token();
        loop {
            // `t` starts a value.
            match t.tok {
                Tok::ArrBegin => {
                    self.descend(l, 2)?;
                    ffi::lua_newtable(l);
                    self.cfg.dec_stack.push(DecFrame::Array(1));
                    t = self.next_token();
                    if !matches!(t.tok, Tok::ArrEnd) {
                        continue;
                    }
                    self.cfg.dec_stack.pop();
                }
                Tok::ObjBegin => {
                    self.descend(l, 3)?;
                    ffi::lua_newtable(l);
                    self.cfg.dec_stack.push(DecFrame::Object);
                    t = self.next_token();
                    if !matches!(t.tok, Tok::ObjEnd) {
                        t = self.object_key(l, t)?;
                        continue;
                    }
                    self.cfg.dec_stack.pop();
                }
                _ => self.push_scalar(l, t)?,
            }
            // A value is complete on top of the stack: store it in its
            // container, then close containers as long as they end.
            loop {
                let Some(frame) = self.cfg.dec_stack.last_mut() else {
                    let t = self.next_token();
                    if !matches!(t.tok, Tok::End) {
                        return Err(expected("the end", t));
                    }
                    return Ok(());
                };
                let ended = match frame {
                    DecFrame::Array(i) => {
                        ffi::lua_rawseti_(l, -2, *i);
                        *i += 1;
                        t = self.next_token();
                        match t.tok {
                            Tok::ArrEnd => true,
                            Tok::Comma => false,
                            _ => return Err(expected("comma or array end", t)),
                        }
                    }
                    DecFrame::Object => {
                        ffi::lua_rawset(l, -3);
                        t = self.next_token();
                        match t.tok {
                            Tok::ObjEnd => true,
                            Tok::Comma => false,
                            _ => return Err(expected("comma or object end", t)),
                        }
                    }
                };
                if ended {
                    // The container is now a complete value.
                    self.cfg.dec_stack.pop();
                    continue;
                }
                t = self.next_token();
                if matches!(self.cfg.dec_stack.last(), Some(DecFrame::Object)) {
                    t = self.object_key(l, t)?;
                }
                break;
            }
        }
    }

    /// Counts one more level of nesting, which needs `slots` of Lua
    /// stack (lua-cjson's count, which sets where Lua's limit stops us).
    unsafe fn descend(&self, l: *mut lua_State, slots: c_int) -> Result<(), String> {
        let depth = self.cfg.dec_stack.len() as c_int + 1;
        if depth <= self.cfg.decode_max_depth && ffi::lua_checkstack(l, slots) != 0 {
            return Ok(());
        }
        Err(format!(
            "Found too many nested data structures ({depth}) at character {}",
            self.pos
        ))
    }

    /// `t` must be an object key: pushes it, reads the colon, and returns
    /// the token that starts the value.
    unsafe fn object_key(&mut self, l: *mut lua_State, t: Token) -> Result<Token, String> {
        if !matches!(t.tok, Tok::Str { .. } | Tok::StrTmp) {
            return Err(expected("object key string", t));
        }
        self.push_scalar(l, t)?;
        let colon = self.next_token();
        if !matches!(colon.tok, Tok::Colon) {
            return Err(expected("colon", colon));
        }
        Ok(self.next_token())
    }

    /// Pushes the value of a scalar token, or fails: `t` is no value.
    unsafe fn push_scalar(&self, l: *mut lua_State, t: Token) -> Result<(), String> {
        match t.tok {
            Tok::Str { start, end } => push_bytes(l, &self.data[start..end]),
            Tok::StrTmp => push_bytes(l, &self.cfg.tmp),
            Tok::Number(n) => ffi::lua_pushnumber(l, n),
            Tok::Boolean(b) => ffi::lua_pushboolean(l, b as c_int),
            Tok::Null => ffi::lua_pushlightuserdata(l, ptr::null_mut::<c_void>()),
            _ => return Err(expected("value", t)),
        }
        Ok(())
    }

    /// Reads the next token, skipping whitespace.
    fn next_token(&mut self) -> Token {
        while matches!(self.byte(self.pos), b' ' | b'\t' | b'\r' | b'\n') {
            self.pos += 1;
        }
        let at = self.pos;
        let single = match self.byte(at) {
            b'{' => Some(Tok::ObjBegin),
            b'}' => Some(Tok::ObjEnd),
            b'[' => Some(Tok::ArrBegin),
            b']' => Some(Tok::ArrEnd),
            b':' => Some(Tok::Colon),
            b',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(tok) = single {
            self.pos += 1;
            return Token { tok, at };
        }
        let tok = match self.byte(at) {
            0 => Tok::End,
            b'"' => return self.string_token(),
            b'-' | b'0'..=b'9' => {
                if self.cfg.decode_invalid == 0 && self.is_invalid_number() {
                    return self.error("invalid number");
                }
                return self.number_token();
            }
            b't' | b'f' | b'n' | b'i' | b'I' | b'N' | b'+' => {
                let rest = &self.data[at..];
                if rest.starts_with(b"true") {
                    self.pos += 4;
                    Tok::Boolean(true)
                } else if rest.starts_with(b"false") {
                    self.pos += 5;
                    Tok::Boolean(false)
                } else if rest.starts_with(b"null") {
                    self.pos += 4;
                    Tok::Null
                } else if self.cfg.decode_invalid != 0 && self.is_invalid_number() {
                    return self.number_token();
                } else {
                    Tok::Error("invalid token")
                }
            }
            _ => Tok::Error("invalid token"),
        };
        Token { tok, at }
    }

    /// An error token at the current position.
    fn error(&self, msg: &'static str) -> Token {
        Token {
            tok: Tok::Error(msg),
            at: self.pos,
        }
    }

    /// Whether the number here is one JSON forbids but `strtod` reads:
    /// a leading `+`, hex, leading zeros, Inf or NaN.
    fn is_invalid_number(&self) -> bool {
        let mut p = self.pos;
        if self.byte(p) == b'+' {
            return true;
        }
        if self.byte(p) == b'-' {
            p += 1;
        }
        let c = self.byte(p);
        if c == b'0' {
            let c2 = self.byte(p + 1);
            return c2 | 0x20 == b'x' || c2.is_ascii_digit();
        }
        // (C compares a signed char: bytes >= 0x80 count as "ordinary"
        // too, and neither spelling matches them.)
        if c <= b'9' || c >= 0x80 {
            return false;
        }
        let word = &self.data[p..self.data.len().min(p + 3)];
        word.eq_ignore_ascii_case(b"inf") || word.eq_ignore_ascii_case(b"nan")
    }

    /// Reads a number with C's `strtod`, as lua-cjson does.
    fn number_token(&mut self) -> Token {
        let at = self.pos;
        // SAFETY: `data` is a prefix of a Lua string, which is followed by
        // a NUL, and ends at the first NUL: strtod stops inside it.
        let (value, used) = unsafe {
            let start = self.data.as_ptr().add(at).cast::<c_char>();
            let mut end = start.cast_mut();
            let value = libc::strtod(start, &mut end);
            (value, end.offset_from(start) as usize)
        };
        if used == 0 {
            return self.error("invalid number");
        }
        self.pos += used;
        Token {
            tok: Tok::Number(value),
            at,
        }
    }

    /// Reads a string; the position is on its opening quote.
    fn string_token(&mut self) -> Token {
        let at = self.pos;
        self.pos += 1;
        let start = self.pos;
        let Some(n) = self.data[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
        else {
            self.pos = self.data.len();
            return self.error("unexpected end of string");
        };
        self.pos += n;
        if self.data[self.pos] == b'"' {
            self.pos += 1;
            let tok = Tok::Str {
                start,
                end: start + n,
            };
            return Token { tok, at };
        }
        // Escapes: the text goes through the scratch buffer.
        self.cfg.tmp.clear();
        self.cfg.tmp.extend_from_slice(&self.data[start..self.pos]);
        loop {
            let c = self.byte(self.pos);
            match c {
                b'"' => break,
                0 => return self.error("unexpected end of string"),
                b'\\' => {
                    let out = match self.byte(self.pos + 1) {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            if !self.unicode_escape() {
                                return self.error("invalid unicode escape code");
                            }
                            continue;
                        }
                        _ => return self.error("invalid escape code"),
                    };
                    self.cfg.tmp.push(out);
                    self.pos += 2;
                }
                _ => {
                    self.cfg.tmp.push(c);
                    self.pos += 1;
                }
            }
        }
        self.pos += 1;
        Token {
            tok: Tok::StrTmp,
            at,
        }
    }

    /// Four hex digits at `i` as a UTF-16 code unit.
    fn hex4(&self, i: usize) -> Option<u32> {
        let mut v = 0;
        for k in 0..4 {
            v = v << 4 | (self.byte(i + k) as char).to_digit(16)?;
        }
        Some(v)
    }

    /// Decodes `\uXXXX` (or a surrogate pair of them) at the position into
    /// UTF-8 in the scratch buffer; false if it is malformed or a lone
    /// surrogate.
    fn unicode_escape(&mut self) -> bool {
        let Some(mut cp) = self.hex4(self.pos + 2) else {
            return false;
        };
        let mut len = 6;
        if cp & 0xF800 == 0xD800 {
            // A high surrogate must come first, then a low one.
            if cp & 0x400 != 0
                || self.byte(self.pos + 6) != b'\\'
                || self.byte(self.pos + 7) != b'u'
            {
                return false;
            }
            let Some(low) = self.hex4(self.pos + 8) else {
                return false;
            };
            if low & 0xFC00 != 0xDC00 {
                return false;
            }
            cp = (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
            len = 12;
        }
        let mut utf8 = [0u8; 4];
        let s = char::from_u32(cp)
            .expect("no surrogates left")
            .encode_utf8(&mut utf8);
        self.cfg.tmp.extend_from_slice(s.as_bytes());
        self.pos += len;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_same, local_eval};
    use proptest::prelude::*;

    /// A one-line Lua function `dump(v)` that renders any decoded value
    /// (sorted keys, `%.17g` numbers, `%q` strings, cjson.null as NULL),
    /// so decoded structures compare as text.
    const DUMP: &str = "local function dump(v) local t = type(v) \
        if t == 'table' then local ks = {} for k in pairs(v) do ks[#ks+1] = k end \
        table.sort(ks, function(a, b) return type(a)..tostring(a) < type(b)..tostring(b) end) \
        local p = {} for _, k in ipairs(ks) do p[#p+1] = dump(k)..'='..dump(v[k]) end \
        return '{'..table.concat(p, ',')..'}' \
        elseif t == 'number' then return string.format('%.17g', v) \
        elseif t == 'string' then return string.format('%q', v) \
        elseif v == cjson.null then return 'NULL' else return tostring(v) end end ";

    /// Each script must give the same value or error here and in Redis.
    fn same(scripts: &[&str]) {
        for s in scripts {
            assert_same(s);
        }
    }

    /// `cjson.decode(json)` here and in Redis: the dumped value or the
    /// error.
    fn same_decode(inputs: &[&str]) {
        for json in inputs {
            assert_same(&format!(
                "{DUMP} local ok, v = pcall(cjson.decode, {}) \
                 if not ok then return 'error: '..v end return dump(v)",
                lua_quote(json.as_bytes())
            ));
        }
    }

    /// `bytes` as a Lua string literal.
    fn lua_quote(bytes: &[u8]) -> String {
        let mut s = String::from("'");
        for &b in bytes {
            s.push_str(&format!("\\{b}"));
        }
        s.push('\'');
        s
    }

    #[test]
    fn module_fields() {
        same(&[
            "local t = {} for k, v in pairs(cjson) do t[#t+1] = k..'='..type(v) end \
             return table.concat(t, ' ')",
            "return cjson._NAME..' '..cjson._VERSION",
            "return tostring(cjson.null)",
            "return type(cjson.null)",
            "local c = cjson.new() local t = {} for k, v in pairs(c) do t[#t+1] = k end \
             return table.concat(t, ' ')",
            "return tostring(cjson.new().null == cjson.null)",
            // Each table has its own settings.
            "local c = cjson.new() c.encode_number_precision(2) \
             return cjson.encode(math.pi)..' '..c.encode(math.pi)",
            "return cjson:encode({1})",
            "return cjson:decode('1')",
            "return cjson.new().new().encode({1, 'a'})",
        ]);
    }

    #[test]
    fn settings_defaults_and_errors() {
        same(&[
            "local c = cjson.new() local a, b, d = c.encode_sparse_array() \
             return tostring(a)..' '..b..' '..d",
            "local c = cjson.new() return tostring(c.encode_keep_buffer())..' '.. \
             c.encode_max_depth()..' '..c.decode_max_depth()..' '.. \
             tostring(c.encode_invalid_numbers())..' '..tostring(c.decode_invalid_numbers()) \
             ..' '..c.encode_number_precision()",
            "local c = cjson.new() local a, b, d = c.encode_sparse_array(true, 5, 7) \
             return tostring(a)..' '..b..' '..d",
            "local c = cjson.new() return type(c.encode_sparse_array('on'))",
            "local c = cjson.new() return tostring(c.encode_invalid_numbers('null'))",
            "local c = cjson.new() return tostring(c.encode_invalid_numbers('on'))",
            "local c = cjson.new() return tostring(c.encode_invalid_numbers(false))",
            "local c = cjson.new() return tostring(c.decode_invalid_numbers('off'))",
            "local c = cjson.new() return tostring(c.encode_keep_buffer(false))",
            "local c = cjson.new() return c.encode_invalid_numbers('x')",
            "local c = cjson.new() return c.encode_invalid_numbers(1)",
            "local c = cjson.new() return c.encode_invalid_numbers({})",
            "local c = cjson.new() return c.encode_keep_buffer('null')",
            "local c = cjson.new() return c.encode_keep_buffer(1, 2)",
            "local c = cjson.new() return c.encode_sparse_array(1, 2, 3, 4)",
            "local c = cjson.new() return c.encode_sparse_array(nil, -1)",
            "local c = cjson.new() return c.encode_sparse_array(nil, 1, -1)",
            "local c = cjson.new() return c.encode_sparse_array(nil, 'x')",
            "local c = cjson.new() local a, b, d = c.encode_sparse_array(nil, 2.7, '3') \
             return tostring(a)..' '..b..' '..d",
            "local c = cjson.new() return c.encode_number_precision(0)",
            "local c = cjson.new() return c.encode_number_precision(15)",
            "local c = cjson.new() return c.encode_number_precision(3.9)",
            "local c = cjson.new() return c.encode_number_precision(nil)",
            "local c = cjson.new() return c.encode_number_precision('7')",
            "local c = cjson.new() return c.encode_max_depth(0)",
            "local c = cjson.new() return c.encode_max_depth(1, 2)",
            "local c = cjson.new() return c.decode_max_depth(2^31)",
            "local c = cjson.new() return c.decode_max_depth(2^31 - 1)",
            "local c = cjson.new() return c.decode_max_depth(2^32 + 5)",
            "local c = cjson.new() return c.decode_max_depth(-3)",
            "return cjson.encode()",
            "return cjson.encode(1, 2)",
            "return cjson.decode()",
            "return cjson.decode('1', 2)",
            "return cjson.decode({})",
            "return cjson.decode(nil)",
            "return cjson.decode(12.5)",
        ]);
    }

    #[test]
    fn encode_numbers() {
        same(&[
            "return cjson.encode({0, 1, -1, 0.1, 1/3, -2/3, 100, 1e14, 1e15, 1e16})",
            "return cjson.encode({123456789012345, 12345678901234, 2^53, -2^63, 2^31})",
            "return cjson.encode({1e300, 1e-300, 5e-324, 2.5e-5, 1e-4, 0.0001234})",
            "return cjson.encode({-0, 0.1 + 0.2, math.pi, -math.huge * 0 == 0})",
            "return cjson.encode(3.14159265358979)",
            "return cjson.encode(1/0)",
            "return cjson.encode(-1/0)",
            "return cjson.encode(0/0)",
            "return cjson.encode({1, {2, {0/0}}})",
            "return cjson.encode({[1/0] = 1})",
            "return cjson.encode({[-1/0] = 1})",
            "local c = cjson.new() c.encode_invalid_numbers(true) \
             return c.encode({1/0, -1/0, 0/0, -(0/0), c.decode('-nan')})",
            "local c = cjson.new() c.encode_invalid_numbers(true) return c.encode({[1/0] = 1})",
            "local c = cjson.new() c.encode_invalid_numbers('null') \
             return c.encode({1/0, -1/0, 0/0, 5})",
            "local c = cjson.new() c.encode_invalid_numbers('null') return c.encode({[1/0] = 1})",
            "local c = cjson.new() c.encode_number_precision(3) \
             return c.encode({math.pi, 1234567, 0.00012345, -1e20})",
            "local c = cjson.new() c.encode_number_precision(1) return c.encode({2.5, 3.5, 15})",
            "local c = cjson.new() c.encode_number_precision(14) return c.encode(1/3)",
            // The global table's setting, restored in the same script.
            "local old = cjson.encode_number_precision() cjson.encode_number_precision(5) \
             local s = cjson.encode(math.pi) cjson.encode_number_precision(old) \
             return s..cjson.encode(math.pi)",
        ]);
    }

    #[test]
    fn encode_strings() {
        same(&[
            "local t = {} for i = 0, 255 do t[#t+1] = string.char(i) end \
             return cjson.encode(table.concat(t))",
            "return cjson.encode('')",
            "return cjson.encode('h\\195\\169llo \\226\\130\\172 / \\\\ \"q\"')",
            "return cjson.encode('\\255\\254 invalid \\192\\128')",
            "return cjson.encode('a\\0b')",
            "return cjson.encode({['k\\n/\"'] = 'v\\t'})",
        ]);
    }

    #[test]
    fn encode_tables() {
        same(&[
            "return cjson.encode({})",
            "return cjson.encode({{}, {{}}, {a = {}}})",
            "return cjson.encode({1, 2, 3, {a = 1}})",
            "return cjson.encode({1, nil, 3})",
            "return cjson.encode({nil, nil, 3})",
            "return cjson.encode({a = 1, b = 2, c = 3, d = {1, 2}, e = {}})",
            "return cjson.encode({true, false, cjson.null})",
            "return cjson.encode({1, 2, x = 1})",
            "return cjson.encode({[1.5] = 1, [2] = 3})",
            "return cjson.encode({[0] = 'z', [1] = 'a'})",
            "return cjson.encode({[-1] = 'm'})",
            "return cjson.encode({[1] = 1, ['1'] = 2})",
            "return cjson.encode({[2^31] = 1})",
            "return cjson.encode({[2^53] = 1})",
            "return cjson.encode({[1e300] = 1})",
            "return cjson.encode({[3] = 1, [2^31] = 1})",
            "return cjson.encode({[true] = 1})",
            "return cjson.encode({[{}] = 1})",
            "return cjson.encode({[cjson.null] = 1})",
            "return cjson.encode(cjson.encode)",
            "return cjson.encode({f = type})",
            "return cjson.encode(coroutine.create(function() end))",
            "return cjson.encode(nil)",
            "return cjson.encode(cjson.null)",
            "return cjson.encode(true)..cjson.encode(false)",
            "return cjson.encode('x')",
            // Raw access: metatables are not consulted.
            "return cjson.encode(setmetatable({}, {__index = {1, 2}}))",
            "return cjson.encode(setmetatable({a = 1}, {__pairs = 1, __len = function() return 3 end}))",
        ]);
    }

    #[test]
    fn encode_sparse_arrays() {
        same(&[
            "return cjson.encode({[10] = 1})",
            "return cjson.encode({[11] = 1})",
            "return cjson.encode({[1000] = 1})",
            "return cjson.encode({[1] = 1, [2] = 2, [5] = 5})",
            "return cjson.encode({[1] = 1, [3] = 2, [12] = 5})",
            "return cjson.encode({[1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [13] = 5})",
            "local c = cjson.new() c.encode_sparse_array(true) return c.encode({[1000] = 1})",
            "local c = cjson.new() c.encode_sparse_array(false, 1, 2) return c.encode({[3] = 1})",
            "local c = cjson.new() c.encode_sparse_array(false, 1, 2) \
             return c.encode({[1] = 1, [2] = 1, [3] = 1})",
            "local c = cjson.new() c.encode_sparse_array(false, 0) return #c.encode({[2^16] = 1})",
            "local c = cjson.new() c.encode_sparse_array(false, 0) return c.encode({[2^31] = 1})",
            "local c = cjson.new() c.encode_sparse_array(true) return c.encode({[1/0] = 1})",
        ]);
    }

    #[test]
    fn encode_depth() {
        same(&[
            "local t = {} t[1] = t return cjson.encode(t)",
            "local t = {} t.a = t return cjson.encode(t)",
            "local c = cjson.new() c.encode_max_depth(3) return c.encode({{{{}}}})",
            "local c = cjson.new() c.encode_max_depth(3) return c.encode({{{}}})",
            "local c = cjson.new() c.encode_max_depth(1) return c.encode({1, {}})",
            // Lua's C stack limit stops nesting first: arrays take one
            // slot a level, objects two.
            "local c = cjson.new() c.encode_max_depth(100000) local t = {} local x = t \
             for i = 1, 10000 do x[1] = {} x = x[1] end return c.encode(t)",
            "local c = cjson.new() c.encode_max_depth(100000) local t = {} local x = t \
             for i = 1, 10000 do x.a = {} x = x.a end return c.encode(t)",
            "local t = {} local x = t for i = 1, 999 do x[1] = {} x = x[1] end \
             return #cjson.encode(t)",
        ]);
    }

    #[test]
    fn keep_buffer_off_still_encodes() {
        same(&["local c = cjson.new() c.encode_keep_buffer(false) \
             local a = c.encode({1, 'x'}) local ok = pcall(c.encode, 0/0) \
             return a..c.encode({2})..tostring(ok)"]);
    }

    #[test]
    fn decode_values() {
        same_decode(&[
            "1",
            "-1",
            "0",
            "-0",
            "1.5e3",
            "1E-5",
            "1e+2",
            "123456789012345678901234567890",
            "1e400",
            "-1e400",
            "4.9e-324",
            "2e-400",
            "true",
            "false",
            "null",
            "\"\"",
            "\"abc\"",
            "[]",
            "{}",
            "[1, 2, [3, {\"a\": null}]]",
            "{\"a\": 1, \"b\": [true, false], \"c\": {\"d\": \"e\"}}",
            "{\"a\": 1, \"a\": 2}",
            "{\"1\": 1}",
            "[null, null]",
            " \t\r\n[ 1 ,\n2 ]\r\n ",
            "\"a\\u0000b\"",
            "\"\\u00e9\\u20AC\\ud83d\\ude00\\uD83D\\uDE00\"",
            "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
            "\"raw \x01 \x1f controls\"",
            "\"\u{e9} utf8\"",
            "[1]\u{0}garbage",
        ]);
    }

    #[test]
    fn decode_lenient_numbers() {
        same_decode(&[
            "Infinity",
            "-Infinity",
            "inf",
            "-inf",
            "INF",
            "infinity",
            "NaN",
            "nan",
            "-nan",
            "nan(123)",
            "0x10",
            "-0x10",
            "0X1p3",
            "0x",
            "0x1g",
            "+5",
            "+inf",
            "012",
            "-012",
            "1.",
            "1.e5",
            "1e",
            "1e+",
            "-",
            "--1",
            "- 1",
            ".5",
            "-.5",
            "inferno",
            "nanx",
            "Nope",
            "NULL",
            "True",
            "tru",
            "fals",
            "nul",
            "truex",
        ]);
        // With decode_invalid_numbers off.
        for json in [
            "Infinity",
            "-Infinity",
            "nan",
            "0x10",
            "012",
            "-012",
            "+1",
            "0",
            "-0",
            "0.5",
            "-0.5e3",
            "1e5",
            "[0, 10, 0.1]",
            "0e1",
            "00",
            "-x",
        ] {
            assert_same(&format!(
                "{DUMP} local c = cjson.new() c.decode_invalid_numbers(false) \
                 local ok, v = pcall(c.decode, '{json}') \
                 if not ok then return 'error: '..v end return dump(v)"
            ));
        }
    }

    #[test]
    fn decode_errors() {
        same_decode(&[
            "",
            "  ",
            "[1,2",
            "[1 2]",
            "{1:2}",
            "{\"a\" 2}",
            "{\"a\":2 3",
            "[,]",
            "[1,]",
            "{\"a\":1,}",
            "{",
            "[",
            "{\"a\"",
            "{\"a\":",
            "[1] x",
            "[1] [",
            "[1]]",
            "[1]}",
            "[1]:",
            "[1],",
            "[1]\"a\"",
            "[1] 2",
            "[1] true",
            "[1] null",
            "{}x",
            "\"abc",
            "\"a\\qb\"",
            "\"a\\",
            "\"a\\u12\"",
            "\"a\\u12g4\"",
            "\"\\ud800\"",
            "\"\\ud800x\"",
            "\"\\ud800\\u0041\"",
            "\"\\udc00\\udc00\"",
            "\"\\ud800\\udc00\"",
            "\"\\ud800\\u\"",
            "\"a\u{0}b\"",
            "1\u{0}zz",
            "\u{0}zz",
            "\u{0}",
            " \u{0}",
            "\u{c}1",
            "\u{b}1",
            "'a'",
            ":",
            "}",
            "]",
            ",",
            "{\"a\":1 \"b\":2}",
            "{\"a\",1}",
            "[1:2]",
            "{[1]:2}",
        ]);
    }

    #[test]
    fn decode_depth() {
        same(&[
            "return #cjson.decode(string.rep('[', 1000)..string.rep(']', 1000))",
            "return cjson.decode(string.rep('[', 1001))",
            "return cjson.decode(string.rep('{\"a\":', 1001))",
            "return cjson.decode(string.rep('  [', 1001))",
            "local c = cjson.new() c.decode_max_depth(3) return c.decode('[[[1]]]')[1][1][1]",
            "local c = cjson.new() c.decode_max_depth(3) return c.decode('[[[[1]]]]')",
            "local c = cjson.new() c.decode_max_depth(3) return c.decode('[[[{}]]]')",
            "local c = cjson.new() c.decode_max_depth(100000) \
             local ok, e = pcall(c.decode, string.rep('[', 100000)) return e",
            "local c = cjson.new() c.decode_max_depth(100000) \
             local ok, e = pcall(c.decode, string.rep('{\"a\":', 100000)) return e",
            "local c = cjson.new() c.decode_max_depth(100000) \
             local ok, e = pcall(c.decode, string.rep('[{\"a\":', 100000)) return e",
        ]);
    }

    #[test]
    fn round_trips() {
        same(&[
            "return cjson.encode(cjson.decode('{\"a\":1,\"b\":2,\"c\":3,\"d\":[1,2],\"e\":{}}'))",
            "return cjson.encode(cjson.decode('[1.5,\"x\\\\u00e9\",null,true,{\"k\":[[]]}]'))",
            "return cjson.encode(cjson.decode(cjson.encode({a = {b = {c = {1, 2, 'x'}}}})))",
            "local s = '' for i = 0, 255 do s = s..string.char(i) end \
             return tostring(cjson.decode(cjson.encode(s)) == s)",
            "local t = {} for i = 1, 100 do t[i] = i * 1.5 end \
             return cjson.encode(cjson.decode(cjson.encode(t)))",
            "local t = {} for i = 1, 50 do t['k'..i] = {i, tostring(i)} end \
             return cjson.encode(cjson.decode(cjson.encode(t)))",
        ]);
    }

    #[test]
    fn large_inputs_are_linear() {
        // Quadratic work would take minutes at these sizes.
        let script = "local t = {} for i = 1, 200000 do t[i] = {i, 'v\\n'..i} end \
             local s = cjson.encode(t) local back = cjson.decode(s) \
             local big = string.rep('\\\\n', 500000) local u = cjson.decode('\"'..big..'\"') \
             local o = {} for i = 1, 50000 do o['key'..i] = i end \
             local so = cjson.encode(o) \
             return #s..' '..#back..' '..back[199999][2]..' '..#u..' '..#so..' ' \
             ..#cjson.encode(cjson.decode(so))";
        let start = std::time::Instant::now();
        let ours = local_eval(script);
        assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
        assert!(ours.is_ok(), "{ours:?}");
        assert_same(script);
    }

    /// `cjson.decode` of `bytes` (and `cjson.encode` of what it gives),
    /// dumped, or the error texts.
    fn decode_script(bytes: &[u8]) -> String {
        format!(
            "{DUMP} local ok, v = pcall(cjson.decode, {}) \
             if not ok then return 'error: '..v end \
             local ok2, s = pcall(cjson.encode, v) return dump(v)..' -> '..s",
            lua_quote(bytes)
        )
    }

    /// Bits of JSON, and of what lua-cjson and strtod treat specially.
    const PIECES: &[&str] = &[
        "[", "]", "{", "}", ":", ",", "\"", "\\", " ", "\n", "\u{0}", "\u{1}", "\u{ff}", "é",
        "true", "false", "null", "tru", "0", "1", "-", "+", ".", "e", "E", "x", "0x1F", "1e308",
        "1e400", "12.5", "Infinity", "inf", "NaN", "nan(", ")", "\"a\"", "\"\\u", "00e9", "d83d",
        "\\ude00", "\\n", "\\/", "\\q", "\"k\":",
    ];

    /// A Lua expression for a value `cjson.encode` may meet: numbers of
    /// every kind, binary strings, booleans, null, and tables with array,
    /// sparse, float, string and (refused) boolean keys.
    fn lua_value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            any::<i32>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|x| if x.is_nan() {
                "(0/0)".to_string()
            } else if x.is_infinite() {
                format!("({}1/0)", if x < 0.0 { "-" } else { "" })
            } else {
                format!("{x:e}")
            }),
            prop::collection::vec(any::<u8>(), 0..12).prop_map(|b| lua_quote(&b)),
            Just("true".to_string()),
            Just("cjson.null".to_string()),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            let key = prop_oneof![
                (1u32..16).prop_map(|k| k.to_string()),
                "[a-c]{1,2}".prop_map(|k| format!("'{k}'")),
                Just("1.5".to_string()),
                Just("-2".to_string()),
                Just("false".to_string()),
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|vs| format!("{{{}}}", vs.join(", "))),
                prop::collection::vec((key, inner), 0..6).prop_map(|kvs| {
                    let kvs: Vec<String> =
                        kvs.iter().map(|(k, v)| format!("[{k}] = {v}")).collect();
                    format!("{{{}}}", kvs.join(", "))
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Any bytes: decode gives a value or a Lua error, never a crash
        /// (run in our Lua only, so any input size is cheap).
        #[test]
        fn decode_survives_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let out = local_eval(&decode_script(&bytes));
            prop_assert!(out.is_ok(), "{:?}", out);
        }

        /// JSON-like text decodes (or fails) exactly as in Redis.
        #[test]
        fn decode_matches_redis(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..12)) {
            assert_same(&decode_script(pieces.concat().as_bytes()));
        }

        /// Random Lua values encode (or fail) exactly as in Redis, and
        /// decode back the same way.
        #[test]
        fn encode_matches_redis(value in lua_value()) {
            assert_same(&format!(
                "{DUMP} local ok, s = pcall(cjson.encode, {value}) \
                 if not ok then return 'error: '..s end \
                 local ok2, v = pcall(cjson.decode, s) return s..' -> '..dump(v)"
            ));
        }
    }
}
