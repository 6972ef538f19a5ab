//! The `cmsgpack` library: MessagePack for Lua values, as the
//! lua-cmsgpack 0.4.0 inside Redis 7.0 writes and reads it, byte for
//! byte and error for error.
//!
//! What that version does, as observed on redis-server 7.0.15:
//! - `pack(v, ...)` concatenates the encodings of its arguments. A number
//!   that is an integer in the int64 range takes the smallest integer
//!   format (positive/negative fixint, uint8..uint64, int8..int64);
//!   another number is a float32 when it survives the round trip to
//!   float, else a float64. Strings are fixstr/str8/str16/str32. A table
//!   whose keys are exactly 1..n is an array, any other a map (an empty
//!   table is an empty array). Tables nested 16 deep are written as nil,
//!   which also ends cycles; functions and other values are nil too.
//! - `unpack(s)` returns every value in `s`; `unpack_one(s [, offset])`
//!   and `unpack_limit(s, limit [, offset])` return first the offset
//!   after what they read (-1 at the end), then the values. bin and ext
//!   types are "Bad data format"; uint64 is read as int64.
//! - The Lua stack is checked where the C original checks it, with its
//!   messages, so huge or deep inputs fail the same way at the same
//!   sizes (the stack heights below are the original's).
//!
//! Raising is a `longjmp` (see `luaapi`). The encoder's buffer and the
//! decoder's list of open tables are Rust values, so both return their
//! errors, and the raise comes after those values are freed. A Lua
//! memory error in between (a string or a table that cannot be
//! allocated) would leak them: the one exception.

use std::ffi::{c_int, CStr};

use crate::scripting::luaapi::{check_bytes, ffi, guard, lua_State, new_lib, push_bytes, raise};

/// Tables this deep are packed as nil.
const MAX_NESTING: u32 = 16;

/// The Lua stack check made before each decoded value.
const TOO_MANY: &CStr = c"too many return values at once; use unpack_one or unpack_limit instead.";

/// Pushes the library's table.
///
/// # Safety
/// Called by Lua as a C function.
pub unsafe extern "C-unwind" fn open(l: *mut lua_State) -> c_int {
    new_lib(
        l,
        &[
            (c"pack", pack),
            (c"unpack", unpack),
            (c"unpack_one", unpack_one),
            (c"unpack_limit", unpack_limit),
        ],
    );
    for (name, value) in [
        (c"_NAME", "cmsgpack"),
        (c"_VERSION", "lua-cmsgpack 0.4.0"),
        (c"_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"),
        (c"_DESCRIPTION", "MessagePack C implementation for Lua"),
    ] {
        push_bytes(l, value.as_bytes());
        ffi::lua_setfield(l, -2, name.as_ptr());
    }
    1
}

/* ----------------------------- pack ------------------------------ */

/// `cmsgpack.pack(v1 [, v2 ...])`
unsafe extern "C-unwind" fn pack(l: *mut lua_State) -> c_int {
    let nargs = ffi::lua_gettop(l);
    if nargs == 0 {
        return ffi::luaL_argerror(l, 0, c"MessagePack pack needs input.".as_ptr());
    }
    // Room for one packed string per argument.
    if ffi::lua_checkstack(l, nargs) == 0 {
        return ffi::luaL_argerror(l, 0, c"Too many arguments for MessagePack pack.".as_ptr());
    }
    guard(l, |l| pack_values(l, nargs))
}

/// Packs arguments 1..=`nargs`, each into a string left on the stack,
/// and concatenates them.
unsafe fn pack_values(l: *mut lua_State, nargs: c_int) -> Result<c_int, String> {
    let mut out = Vec::new();
    for i in 1..=nargs {
        ffi::lua_pushvalue(l, i);
        if let Err(place) = encode(l, &mut out, 0) {
            // The stack is full: room for the error message.
            ffi::lua_settop(l, 0);
            return Err(format!("stack overflow ({})", place.to_string_lossy()));
        }
        push_bytes(l, &out);
        out.clear();
    }
    drop(out);
    ffi::lua_concat(l, nargs);
    Ok(1)
}

/// What ran out of Lua stack: the C original's function name.
type Overflow = &'static CStr;

/// Appends the value on top of the stack to `out` and pops it. `level`
/// is the number of tables around it.
unsafe fn encode(l: *mut lua_State, out: &mut Vec<u8>, level: u32) -> Result<(), Overflow> {
    match ffi::lua_type(l, -1) {
        ffi::LUA_TBOOLEAN => out.push(if ffi::lua_toboolean(l, -1) != 0 {
            0xc3
        } else {
            0xc2
        }),
        ffi::LUA_TNUMBER => encode_number(out, ffi::lua_tonumber(l, -1)),
        ffi::LUA_TSTRING => {
            let mut len = 0usize;
            let p = ffi::lua_tolstring(l, -1, &mut len);
            encode_str(out, std::slice::from_raw_parts(p.cast::<u8>(), len));
        }
        ffi::LUA_TTABLE if level < MAX_NESTING => encode_table(l, out, level)?,
        // nil, and what MessagePack has no type for.
        _ => out.push(0xc0),
    }
    ffi::lua_pop(l, 1);
    Ok(())
}

/// An integer in the smallest format that holds it when `x` is one in
/// the int64 range, else a float32 if `x` survives the trip, else a
/// float64.
fn encode_number(out: &mut Vec<u8>, x: f64) {
    // The bounds are C's `(int64_t)x == x` without its undefined cases:
    // 2^63 does not count as an integer there (x86 gives INT64_MIN).
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if (-TWO_63..TWO_63).contains(&x) && x.trunc() == x {
        encode_int(out, x as i64);
    } else if f64::from(x as f32) == x {
        out.push(0xca);
        out.extend_from_slice(&(x as f32).to_be_bytes());
    } else {
        out.push(0xcb);
        out.extend_from_slice(&x.to_be_bytes());
    }
}

fn encode_int(out: &mut Vec<u8>, n: i64) {
    if n >= 0 {
        match n {
            0..=0x7f => out.push(n as u8),
            0x80..=0xff => out.extend_from_slice(&[0xcc, n as u8]),
            0x100..=0xffff => {
                out.push(0xcd);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                out.push(0xce);
                out.extend_from_slice(&(n as u32).to_be_bytes());
            }
            _ => {
                out.push(0xcf);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
    } else if n >= -32 {
        out.push(n as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= i64::from(i32::MIN) {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn encode_str(out: &mut Vec<u8>, s: &[u8]) {
    let n = s.len();
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= 0xff {
        out.extend_from_slice(&[0xd9, n as u8]);
    } else if n <= 0xffff {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(s);
}

/// The header of an array (`fix` 0x90) or a map (`fix` 0x80) of `n`
/// entries; the 16 and 32-bit forms follow in the format table.
fn encode_len(out: &mut Vec<u8>, fix: u8, n: usize) {
    let wide = if fix == 0x90 { 0xdc } else { 0xde };
    if n <= 15 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(wide);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(wide + 1);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Packs the table on top of the stack (leaving it there).
unsafe fn encode_table(l: *mut lua_State, out: &mut Vec<u8>, level: u32) -> Result<(), Overflow> {
    match array_len(l)? {
        Some(n) => {
            if ffi::lua_checkstack(l, 1) == 0 {
                return Err(c"in function mp_encode_lua_table_as_array");
            }
            encode_len(out, 0x90, n);
            for i in 1..=n {
                ffi::lua_rawgeti_(l, -1, i as c_int);
                encode(l, out, level + 1)?;
            }
        }
        None => {
            if ffi::lua_checkstack(l, 3) == 0 {
                return Err(c"in function mp_encode_lua_table_as_map");
            }
            let mut n = 0;
            ffi::lua_pushnil(l);
            while ffi::lua_next(l, -2) != 0 {
                ffi::lua_pop(l, 1);
                n += 1;
            }
            encode_len(out, 0x80, n);
            ffi::lua_pushnil(l);
            // Stack: table key value; a copy of the key goes first.
            while ffi::lua_next(l, -2) != 0 {
                ffi::lua_pushvalue(l, -2);
                encode(l, out, level + 1)?;
                encode(l, out, level + 1)?;
            }
        }
    }
    Ok(())
}

/// `Some(n)` when the keys of the table on top of the stack are exactly
/// the integers 1..n (an empty table too), else `None` (a map).
unsafe fn array_len(l: *mut lua_State) -> Result<Option<usize>, Overflow> {
    if ffi::lua_checkstack(l, 2) == 0 {
        return Err(c"in function table_is_an_array");
    }
    let top = ffi::lua_gettop(l);
    let (mut count, mut max) = (0usize, 0f64);
    ffi::lua_pushnil(l);
    while ffi::lua_next(l, -2) != 0 {
        ffi::lua_pop(l, 1);
        let key = ffi::lua_tonumber(l, -1);
        if ffi::lua_type(l, -1) != ffi::LUA_TNUMBER || key < 1.0 || key.trunc() != key {
            ffi::lua_settop(l, top);
            return Ok(None);
        }
        count += 1;
        max = max.max(key);
    }
    Ok((count as f64 == max).then_some(count))
}

/* ---------------------------- unpack ----------------------------- */

/// `cmsgpack.unpack(s)`
unsafe extern "C-unwind" fn unpack(l: *mut lua_State) -> c_int {
    unpack_full(l, 0, 0)
}

/// `cmsgpack.unpack_one(s [, offset])`
unsafe extern "C-unwind" fn unpack_one(l: *mut lua_State) -> c_int {
    let offset = ffi::luaL_optinteger(l, 2, 0);
    drop_extra_args(l);
    unpack_full(l, 1, offset)
}

/// `cmsgpack.unpack_limit(s, limit [, offset])`
unsafe extern "C-unwind" fn unpack_limit(l: *mut lua_State) -> c_int {
    let limit = ffi::luaL_checkinteger(l, 2);
    let offset = ffi::luaL_optinteger(l, 3, 0);
    drop_extra_args(l);
    unpack_full(l, limit, offset)
}

/// Leaves only the string argument (or nothing) on the stack: the
/// values these two return get the whole stack, unlike `unpack`'s.
unsafe fn drop_extra_args(l: *mut lua_State) {
    if ffi::lua_gettop(l) > 1 {
        ffi::lua_settop(l, 1);
    }
}

/// Decodes up to `limit` values (all of them when `limit` and `offset`
/// are both 0) of argument 1 from byte `offset` on, pushing them. Unless
/// decoding all, the offset after them comes first (-1 at the end).
unsafe fn unpack_full(l: *mut lua_State, limit: i64, offset: i64) -> c_int {
    let s = check_bytes(l, 1);
    let len = s.len();
    // The C original prints these with %d: their low 32 bits, and the
    // input length in place of the limit.
    if offset < 0 || limit < 0 {
        raise(
            l,
            format!(
                "Invalid request to unpack with offset of {} and limit of {}.",
                offset as i32, len as i32
            ),
        );
    }
    if offset as usize > len {
        raise(
            l,
            format!(
                "Start offset {} greater than input length {}.",
                offset as i32, len as i32
            ),
        );
    }
    let all = limit == 0 && offset == 0;
    let mut cur = Cursor {
        s,
        pos: offset as usize,
    };
    let mut count: c_int = 0;
    let mut tables = Vec::new();
    let mut stop = None;
    while cur.pos < len && (all || i64::from(count) < limit) {
        if let Err(e) = decode(l, &mut cur, &mut tables) {
            stop = Some(e);
            break;
        }
        count += 1;
    }
    drop(tables);
    let msg = match stop {
        None => None,
        // The map, key and value are on top: Lua raises its own "table
        // index is nil" (or NaN) here, as the original's settable does.
        Some(Stop::BadKey) => {
            ffi::lua_rawset(l, -3);
            None
        }
        Some(Stop::Eof) => Some("Missing bytes in input.".to_string()),
        Some(Stop::BadFormat) => Some("Bad data format in input.".to_string()),
        Some(Stop::Overflow(place)) => {
            Some(format!("stack overflow ({})", place.to_string_lossy()))
        }
    };
    if let Some(msg) = msg {
        // The stack may be full: room for the message.
        ffi::lua_settop(l, 0);
        raise(l, msg);
    }
    if all {
        return count;
    }
    ffi::luaL_checkstack_(l, 1, c"in function mp_unpack_full".as_ptr());
    let next = if cur.pos == len { -1 } else { cur.pos as i64 };
    ffi::lua_pushinteger(l, next);
    ffi::lua_insert(l, -(count + 1));
    count + 1
}

/// Why decoding stopped.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// The input ends inside a value.
    Eof,
    /// A type byte this version does not read.
    BadFormat,
    /// No Lua stack left, and where the original checks it.
    Overflow(&'static CStr),
    /// A map key Lua refuses (nil or NaN), on the stack with its map
    /// and value.
    BadKey,
}

/// The input being decoded: a Lua string that stays on the stack.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Stop> {
        if self.s.len() - self.pos < n {
            return Err(Stop::Eof);
        }
        let b = &self.s[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], Stop> {
        Ok(self.take(N)?.try_into().expect("take gives N bytes"))
    }
}

/// A table being filled, with what it still expects.
enum Open {
    /// The next element is `index + 1` of the `left` still to come.
    Array { left: usize, index: usize },
    /// `left` more pairs after the current one; `key` says the current
    /// pair's key is on the stack and its value comes next.
    Map { left: usize, key: bool },
}

/// What a type byte starts.
enum Head {
    /// A value, pushed.
    Value,
    Array(usize),
    Map(usize),
}

/// Unless a check fails, the Lua stack has room for `n` more slots.
/// The places and sizes are the C original's.
unsafe fn room(l: *mut lua_State, n: c_int, place: &'static CStr) -> Result<(), Stop> {
    if ffi::lua_checkstack(l, n) == 0 {
        return Err(Stop::Overflow(place));
    }
    Ok(())
}

/// Decodes one value at the cursor, with all it contains, and pushes it.
/// `open` (empty) holds the tables being filled, innermost last: nesting
/// costs no Rust stack.
///
/// Raises nothing but Lua's memory error, so that its caller can free
/// `open` first.
unsafe fn decode(l: *mut lua_State, c: &mut Cursor, open: &mut Vec<Open>) -> Result<(), Stop> {
    loop {
        room(l, 1, TOO_MANY)?;
        // Whether the value on top of the stack is whole.
        let mut whole = match decode_head(l, c)? {
            Head::Value => true,
            Head::Array(n) => {
                // Not sized up front: the table grows as the original's
                // does, which `#` and `pairs` order show (with nils).
                ffi::lua_newtable(l);
                room(l, 1, c"in function mp_decode_to_lua_array")?;
                open.push(Open::Array { left: n, index: 0 });
                false
            }
            Head::Map(n) => {
                ffi::lua_newtable(l);
                open.push(Open::Map {
                    left: n,
                    key: false,
                });
                false
            }
        };
        // Store whole values in their tables, up to the next value to
        // decode.
        loop {
            match open.last_mut() {
                None => return Ok(()),
                Some(Open::Array { left, index }) => {
                    if whole {
                        // Stack: table index value.
                        ffi::lua_rawset(l, -3);
                    }
                    if *left == 0 {
                        open.pop();
                        whole = true;
                        continue;
                    }
                    *left -= 1;
                    *index += 1;
                    ffi::lua_pushnumber(l, *index as f64);
                    break;
                }
                Some(Open::Map { left, key }) => {
                    if whole && !*key {
                        *key = true;
                        break;
                    }
                    if whole {
                        // Stack: table key value.
                        let k = ffi::lua_type(l, -2);
                        if k == ffi::LUA_TNIL
                            || (k == ffi::LUA_TNUMBER && ffi::lua_tonumber(l, -2).is_nan())
                        {
                            return Err(Stop::BadKey);
                        }
                        ffi::lua_rawset(l, -3);
                        *key = false;
                    }
                    if *left == 0 {
                        open.pop();
                        whole = true;
                        continue;
                    }
                    *left -= 1;
                    break;
                }
            }
        }
    }
}

/// Reads a type byte and what follows it up to any contents: pushes a
/// value, or says which table starts.
unsafe fn decode_head(l: *mut lua_State, c: &mut Cursor) -> Result<Head, Stop> {
    let tag = c.take(1)?[0];
    let number = match tag {
        0x00..=0x7f => f64::from(tag),
        0xe0..=0xff => f64::from(tag as i8),
        0x80..=0x8f => return Ok(Head::Map(usize::from(tag & 0x0f))),
        0x90..=0x9f => return Ok(Head::Array(usize::from(tag & 0x0f))),
        0xa0..=0xbf => return push_str(l, c, usize::from(tag & 0x1f)),
        0xc0 => {
            ffi::lua_pushnil(l);
            return Ok(Head::Value);
        }
        0xc2 | 0xc3 => {
            ffi::lua_pushboolean(l, c_int::from(tag == 0xc3));
            return Ok(Head::Value);
        }
        0xca => f64::from(f32::from_be_bytes(c.bytes()?)),
        0xcb => f64::from_be_bytes(c.bytes()?),
        0xcc => f64::from(c.bytes::<1>()?[0]),
        0xcd => f64::from(u16::from_be_bytes(c.bytes()?)),
        0xce => f64::from(u32::from_be_bytes(c.bytes()?)),
        // uint64 is read as signed, as the original does.
        0xcf | 0xd3 => i64::from_be_bytes(c.bytes()?) as f64,
        0xd0 => f64::from(c.bytes::<1>()?[0] as i8),
        0xd1 => f64::from(i16::from_be_bytes(c.bytes()?)),
        0xd2 => f64::from(i32::from_be_bytes(c.bytes()?)),
        0xd9 => {
            let n = c.bytes::<1>()?[0];
            return push_str(l, c, usize::from(n));
        }
        0xda => {
            let n = u16::from_be_bytes(c.bytes()?);
            return push_str(l, c, usize::from(n));
        }
        0xdb => {
            let n = u32::from_be_bytes(c.bytes()?);
            return push_str(l, c, n as usize);
        }
        0xdc => return Ok(Head::Array(usize::from(u16::from_be_bytes(c.bytes()?)))),
        0xdd => return Ok(Head::Array(u32::from_be_bytes(c.bytes()?) as usize)),
        0xde => return Ok(Head::Map(usize::from(u16::from_be_bytes(c.bytes()?)))),
        0xdf => return Ok(Head::Map(u32::from_be_bytes(c.bytes()?) as usize)),
        // 0xc1 (never used), bin, ext and fixext: not in this version.
        _ => return Err(Stop::BadFormat),
    };
    ffi::lua_pushnumber(l, number);
    Ok(Head::Value)
}

unsafe fn push_str(l: *mut lua_State, c: &mut Cursor, n: usize) -> Result<Head, Stop> {
    push_bytes(l, c.take(n)?);
    Ok(Head::Value)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_same, local_eval};

    /// Lua helpers the test scripts share: `hex(s)`; `dump(v)`, a text
    /// form of a value with table entries sorted (so Lua's table layout
    /// does not matter); `dumpall(...)`, the count and dumps of several
    /// values; `pdump(t)`, a table's entries in `pairs` order.
    const PRELUDE: &str = "\
local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end \
local function dump(v) local t = type(v) \
 if t == 'table' then local o = {} for k, x in pairs(v) do o[#o+1] = '['..dump(k)..']='..dump(x) end \
  table.sort(o) return '{'..table.concat(o, ',')..'}' \
 elseif t == 'string' then return string.format('%q', v) \
 elseif t == 'number' then return string.format('%.17g', v) \
 else return tostring(v) end end \
local function dumpall(...) local o = {} for i = 1, select('#', ...) do o[i] = dump((select(i, ...))) end \
 return select('#', ...)..':'..table.concat(o, ' ') end \
local function pdump(t) local o = {} for k, x in pairs(t) do o[#o+1] = dump(k)..'='..dump(x) end \
 return table.concat(o, ',') end \
";

    /// Compares `body` (after the prelude) with Redis.
    #[track_caller]
    fn same(body: &str) {
        assert_same(&format!("{PRELUDE}{body}"));
    }

    /// Compares `hex(expr)` with Redis.
    #[track_caller]
    fn same_hex(expr: &str) {
        same(&format!("return hex({expr})"));
    }

    /// Compares `dumpall(expr)` with Redis.
    #[track_caller]
    fn same_dump(expr: &str) {
        same(&format!("return dumpall({expr})"));
    }

    #[test]
    fn library_fields() {
        same("local o = {} for k, v in pairs(cmsgpack) do o[#o+1] = k..'='..type(v)..(type(v) == 'string' and v or '') end table.sort(o) return table.concat(o, ' ')");
    }

    #[test]
    fn pack_integer_widths() {
        for n in [
            "0",
            "1",
            "127",
            "128",
            "255",
            "256",
            "65535",
            "65536",
            "4294967295",
            "4294967296",
            "2^53",
            "2^53+2",
            "2^62",
            "-1",
            "-31",
            "-32",
            "-33",
            "-128",
            "-129",
            "-32768",
            "-32769",
            "-2147483648",
            "-2147483649",
            "-2^53",
            "-2^63",
            "-0.0",
            "1e15",
        ] {
            same_hex(&format!("cmsgpack.pack({n})"));
        }
    }

    #[test]
    fn pack_floats_and_doubles() {
        for n in [
            "1.5",
            "-1.5",
            "0.1",
            "0.5",
            "1/3",
            "2^63",
            "2^64",
            "-2^63-2^11",
            "1e300",
            "-1e300",
            "1/0",
            "-1/0",
            "0/0",
            "-(0/0)",
            "3.4028234663852886e38",
            "3.4028235e38",
            "2^-149",
            "-2^-149",
            "1e-45",
            "2^-150",
            "16777217.5",
            "1e20",
            "123456.75",
            "2^100",
        ] {
            same_hex(&format!("cmsgpack.pack({n})"));
        }
    }

    #[test]
    fn pack_strings() {
        for n in [0, 1, 31, 32, 255, 256, 65535, 65536, 70000] {
            same(&format!(
                "local p = cmsgpack.pack(string.rep('x', {n})) return hex(p:sub(1, 6))..' '..#p"
            ));
        }
        same_hex("cmsgpack.pack('\\0\\1\\255 binary\\r\\n')");
        same_hex("cmsgpack.pack('123')");
    }

    #[test]
    fn pack_other_values() {
        for v in [
            "nil",
            "true",
            "false",
            "cmsgpack.pack",
            "coroutine.create(function() end)",
            "true, false, nil, 1, 'a'",
            "nil, nil",
            "{}, {}",
        ] {
            same_hex(&format!("cmsgpack.pack({v})"));
        }
    }

    #[test]
    fn pack_arrays_or_maps() {
        for t in [
            "{}",
            "{1, 2, 3}",
            "{'a', {'b'}, {}}",
            "{a = 1}",
            "{1, 2, nil, 4}",
            "{nil, 2}",
            "{[2] = 1}",
            "{[0] = 1}",
            "{[-1] = 1}",
            "{[1.5] = 1}",
            "{[1] = 1, [2] = 2, [3] = 3, [5] = 5}",
            "{['1'] = 1}",
            "{[true] = 1}",
            "{1, 2, x = 3}",
            "{[2^32 + 1] = 1}",
            "{[2^63] = 1}",
            "{[1/0] = 1}",
            "{[1e300] = 1}",
            "{1, 2, [2^64] = 3}",
            "{n = 1, x = 'y', z = {1}, [10] = false}",
        ] {
            same_hex(&format!("cmsgpack.pack({t})"));
        }
    }

    #[test]
    fn pack_header_widths() {
        for (n, keyed) in [
            (15, false),
            (16, false),
            (65535, false),
            (65536, false),
            (15, true),
            (16, true),
            (65536, true),
        ] {
            let key = if keyed { "'k'..i" } else { "i" };
            same(&format!(
                "local t = {{}} for i = 1, {n} do t[{key}] = 0 end local p = cmsgpack.pack(t) return hex(p:sub(1, 5))..' '..#p"
            ));
        }
    }

    #[test]
    fn pack_nesting_and_cycles() {
        for body in [
            "local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end",
            "local t = {} local c = t for i = 1, 15 do c[1] = {} c = c[1] end",
            "local t = {} local c = t for i = 1, 16 do c[1] = {} c = c[1] end",
            "local t = {} t[1] = t",
            "local t = {} t.a = t",
            "local t = {} t[t] = 1",
            "local t = {} t.me = {t, t}",
        ] {
            same(&format!("{body} return hex(cmsgpack.pack(t))"));
        }
    }

    #[test]
    fn pack_ignores_metatables() {
        same_hex("cmsgpack.pack(setmetatable({}, {__index = function() return 1 end}))");
        same_hex("cmsgpack.pack(setmetatable({1, 2}, {__len = function() return 5 end}))");
        same_hex("cmsgpack.pack(setmetatable({a = 1}, {__pairs = function() return 5 end}))");
    }

    #[test]
    fn pack_argument_errors() {
        same("return cmsgpack.pack()");
        same("local ok, e = pcall(cmsgpack.pack) return e");
        for n in [4000, 4001] {
            same(&format!(
                "local t = {{}} for i = 1, {n} do t[i] = i end local ok, e = pcall(function() return #cmsgpack.pack(unpack(t)) end) return tostring(e)"
            ));
        }
    }

    /// The Lua stack checks of the encoder fire at the same sizes as the
    /// original's (the many arguments bring the stack near its limit).
    #[test]
    fn pack_stack_limits() {
        for (last, from) in [
            ("{{{{{{{{{{{{{{{{{{{{}}}}}}}}}}}}}}}}}}}}", 3985),
            ("{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}", 3985),
            ("{{{{{{{{{{{{{{{a = 1}}}}}}}}}}}}}}}", 3985),
            ("(function() local t = {} t[t] = t return t end)()", 3970),
            ("(function() local t = {} t.a = t return t end)()", 3977),
        ] {
            same(&format!(
                "local last = {last} for n = {from}, 4001 do local t = {{}} for i = 1, n - 1 do t[i] = 1 end t[n] = last \
                 local ok, e = pcall(function() return #cmsgpack.pack(unpack(t, 1, n)) end) \
                 if not ok then return n..' '..e end end return 'none'"
            ));
        }
    }

    #[test]
    fn unpack_scalars() {
        for s in [
            "''",
            "'\\192\\194\\195'",
            "'\\0\\127\\224\\255'",
            "'\\204\\255'",
            "'\\205\\255\\255'",
            "'\\206\\255\\255\\255\\255'",
            "'\\207\\0\\0\\0\\1\\0\\0\\0\\0'",
            "'\\207\\255\\255\\255\\255\\255\\255\\255\\255'",
            "'\\207\\128\\0\\0\\0\\0\\0\\0\\0'",
            "'\\208\\128'",
            "'\\209\\128\\0'",
            "'\\210\\128\\0\\0\\0'",
            "'\\211\\128\\0\\0\\0\\0\\0\\0\\1'",
            "'\\202\\63\\192\\0\\0'",
            "'\\202\\127\\192\\0\\0'",
            "'\\202\\255\\192\\0\\0'",
            "'\\202\\127\\128\\0\\1'",
            "'\\203\\127\\240\\0\\0\\0\\0\\0\\0'",
            "'\\203\\63\\185\\153\\153\\153\\153\\153\\154'",
            "'\\161a\\217\\2ab\\218\\0\\1c\\219\\0\\0\\0\\1d'",
            "'\\160'",
            "12",
        ] {
            same_dump(&format!("cmsgpack.unpack({s})"));
        }
    }

    #[test]
    fn unpack_tables() {
        for s in [
            "'\\144\\128'",
            "'\\147\\1\\2\\3'",
            "'\\220\\0\\1\\1'",
            "'\\221\\0\\0\\0\\1\\1'",
            "'\\130\\161a\\1\\161b\\145\\192'",
            "'\\222\\0\\1\\1\\2'",
            "'\\223\\0\\0\\0\\1\\1\\2'",
            "'\\129\\145\\1\\2'",
            "'\\129\\195\\194'",
            "'\\147\\192\\1\\192'",
        ] {
            same_dump(&format!("cmsgpack.unpack({s})"));
        }
    }

    /// The table layout of what `unpack` builds: `#` and `pairs` order.
    #[test]
    fn unpack_table_layout() {
        for s in [
            "'\\147\\192\\1\\192'",
            "'\\148\\1\\192\\192\\4'",
            "'\\146\\192\\192'",
            "'\\136\\161a\\1\\161b\\2\\161c\\3\\161d\\4\\1\\5\\2\\6\\161e\\7\\3\\8'",
            "'\\131\\3\\1\\2\\2\\1\\3'",
        ] {
            same(&format!(
                "local t = cmsgpack.unpack({s}) return #t..' '..pdump(t)"
            ));
        }
    }

    #[test]
    fn unpack_errors() {
        for s in [
            "'\\204'",
            "'\\193'",
            "'\\196\\1a'",
            "'\\197\\0\\1a'",
            "'\\198\\0\\0\\0\\1a'",
            "'\\199\\1\\1a'",
            "'\\200\\0\\1\\1a'",
            "'\\201\\0\\0\\0\\1\\1a'",
            "'\\212\\1a'",
            "'\\216\\1aaaaaaaaaaaaaaaa'",
            "'\\146\\1'",
            "'\\129\\1'",
            "'\\1\\204'",
            "'\\193\\204'",
            "'\\217\\3ab'",
            "'\\203'",
            "'\\220\\0'",
            "'\\221\\255\\255\\255\\255'",
            "'\\223\\255\\255\\255\\255'",
            "'\\219\\255\\255\\255\\255'",
            "'\\129\\192\\1'",
            "'\\129\\192\\193'",
            "'\\129\\192'",
            "'\\130\\192\\1\\193'",
            "'\\146\\1\\193'",
            "'\\129\\203\\255\\248\\0\\0\\0\\0\\0\\0\\1'",
            "'\\1\\2\\193'",
        ] {
            same_dump(&format!("cmsgpack.unpack({s})"));
        }
    }

    #[test]
    fn unpack_argument_errors() {
        for call in [
            "cmsgpack.unpack()",
            "cmsgpack.unpack({})",
            "cmsgpack.unpack(nil)",
            "cmsgpack.unpack_one()",
            "cmsgpack.unpack_one({}, 'x')",
            "cmsgpack.unpack_one('\\1', 'x')",
            "cmsgpack.unpack_limit()",
            "cmsgpack.unpack_limit('\\1')",
            "cmsgpack.unpack_limit({}, 'x')",
            "cmsgpack.unpack_limit({}, 1)",
            "cmsgpack.unpack_limit(nil, 1)",
            "cmsgpack.unpack_limit('\\1', 1, 'x')",
        ] {
            same_dump(call);
        }
    }

    #[test]
    fn unpack_one_and_limit() {
        for call in [
            "cmsgpack.unpack_one('\\1\\2\\3')",
            "cmsgpack.unpack_one('\\1\\2\\3', 1)",
            "cmsgpack.unpack_one('\\1\\2\\3', 2)",
            "cmsgpack.unpack_one('\\1\\2\\3', 3)",
            "cmsgpack.unpack_one('\\1\\2\\3', 4)",
            "cmsgpack.unpack_one('\\1\\2\\3', -1)",
            "cmsgpack.unpack_one('')",
            "cmsgpack.unpack_one('', 0)",
            "cmsgpack.unpack_one('\\1', nil)",
            "cmsgpack.unpack_one('\\1', '0')",
            "cmsgpack.unpack_one('\\1\\2', 1.7)",
            "cmsgpack.unpack_one('\\146\\1\\2\\3')",
            "cmsgpack.unpack_one('\\146\\1\\2\\3', 3)",
            "cmsgpack.unpack_one('\\146\\1\\2\\3', 1)",
            "cmsgpack.unpack_one('\\1', 2^32)",
            "cmsgpack.unpack_one('\\1', 2^32 + 1)",
            "cmsgpack.unpack_one('\\1', 2^31)",
            "cmsgpack.unpack_one('\\1', -2^32)",
            "cmsgpack.unpack_one('\\1', 1e300)",
            "cmsgpack.unpack_one('\\1', 0/0)",
            "cmsgpack.unpack_limit('\\1\\2\\3', 2)",
            "cmsgpack.unpack_limit('\\1\\2\\3', 0)",
            "cmsgpack.unpack_limit('\\1\\2\\3', -1)",
            "cmsgpack.unpack_limit('\\1\\2\\3', -1, 5)",
            "cmsgpack.unpack_limit('\\1\\2\\3', 5, 1)",
            "cmsgpack.unpack_limit('\\1\\2', 0, 1)",
            "cmsgpack.unpack_limit('\\1\\2', 0, 2)",
            "cmsgpack.unpack_limit('\\1\\2', 1, 2)",
            "cmsgpack.unpack_limit('\\1', 2^32)",
            "cmsgpack.unpack_limit('\\1', -2^32)",
            "cmsgpack.unpack_limit('\\1', '1', nil)",
            "cmsgpack.unpack_limit('\\146\\1\\2\\3\\4', 2, 3)",
            "cmsgpack.unpack('\\1\\2', 1)",
            "cmsgpack.unpack_one('\\1\\204')",
            "cmsgpack.unpack_one('\\1\\204', 1)",
            "cmsgpack.unpack_limit('\\1\\193', 1)",
            "cmsgpack.unpack_limit('\\1\\193', 2)",
            "cmsgpack.unpack_limit('\\1\\2\\3', 1.9)",
            "cmsgpack.unpack_limit('\\1\\2\\3', -0.5)",
            "cmsgpack.unpack_one('\\1\\2', -0.5)",
            "cmsgpack.unpack_limit('\\1\\2\\3', '2', '1')",
            "cmsgpack.unpack_limit('\\1\\2\\3', ' 0x2 ')",
        ] {
            same_dump(call);
        }
    }

    /// Too many values, or too deep, for the Lua stack: the same limits
    /// and messages as Redis.
    #[test]
    fn unpack_stack_limits() {
        // `suffix` follows n nils; the first n that fails, and how.
        for (suffix, call, from) in [
            ("''", "cmsgpack.unpack(S)", 7990),
            (
                "''",
                "cmsgpack.unpack(S, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
                7980,
            ),
            ("''", "cmsgpack.unpack_limit(S, 100000)", 7990),
            ("''", "cmsgpack.unpack_limit(S, 100000, 0, 0, 0)", 7990),
            ("''", "cmsgpack.unpack_limit(S, 0, 0, 0)", 7990),
            ("'\\145\\192'", "cmsgpack.unpack(S)", 7990),
            ("'\\145\\145\\192'", "cmsgpack.unpack(S)", 7985),
            (
                "'\\145\\145\\192'",
                "cmsgpack.unpack_limit(S, 100000, 0, 0)",
                7985,
            ),
            ("'\\144'", "cmsgpack.unpack(S)", 7990),
            ("'\\128'", "cmsgpack.unpack(S)", 7990),
            ("'\\129\\1\\1'", "cmsgpack.unpack(S)", 7990),
            ("'\\129\\1\\145\\192'", "cmsgpack.unpack(S)", 7985),
            ("'\\129\\145\\192\\1'", "cmsgpack.unpack(S)", 7985),
            ("'\\220'", "cmsgpack.unpack(S)", 7990),
        ] {
            same(&format!(
                "for n = {from}, 8001 do local S = string.rep('\\192', n)..{suffix} \
                 local ok, e = pcall(function() return select('#', {call}) end) \
                 if not ok then return n..' '..e end end return 'none'"
            ));
        }
        // Nesting: each array level takes two stack slots.
        for call in [
            "cmsgpack.unpack(S)",
            "cmsgpack.unpack(S, 0, 0)",
            "cmsgpack.unpack_one(S, 0, 0, 0)",
        ] {
            same(&format!(
                "for n = 3990, 4001 do local S = string.rep('\\145', n)..'\\1' \
                 local ok, e = pcall(function() return select('#', {call}) end) \
                 if not ok then return n..' '..e end end return 'none'"
            ));
        }
    }

    #[test]
    fn round_trips() {
        for v in [
            "1, -1, 0.25, 'x', true, false",
            "{1, 2, {3, {4, {5}}}}",
            "{name = 'job', opts = {attempts = 3, delay = 1000, backoff = {type = 'exponential', delay = 500}}, \
              removeOnComplete = true, priority = 0, timestamp = 1700000000123}",
            "{[1] = 'a', [3] = 'c'}",
            "string.rep('z', 300), {string.rep('y', 70000)}",
            "2^53, -2^53, 2^63, 2^64, 0.1, 1/0, -1/0",
            "{{}, {{}}, {a = {}}}",
        ] {
            same(&format!("return dumpall(cmsgpack.unpack(cmsgpack.pack({v})))"));
            same(&format!("return hex(cmsgpack.pack(cmsgpack.unpack(cmsgpack.pack({v}))))"));
        }
    }

    /// Job options the way BullMQ's Node side packs them (msgpackr: str8
    /// for a 40-byte name, uint32/uint64 numbers, a float64, a nil):
    /// read, used and packed again as its scripts do.
    #[test]
    fn bullmq_job_options() {
        const OPTS: &str = r"'\138\168attempts\3\167backoff\130\164type\171exponential\165delay\205\3\232\165delay\0\165jobId\163abc\176removeOnComplete\130\163age\206\0\1Q\128\165count\205\3\232\169timestamp\207\0\0\1\139\207\229h{\164lifo\194\166parent\192\164rate\203?\248\0\0\0\0\0\0\164name\217(nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn'";
        same(&(String::from("local o = cmsgpack.unpack(")
            + OPTS
            + ") return dump(o)..' '..o.backoff.delay..' '..tostring(o.removeOnComplete.age)..' '..tostring(o.parent)"));
        same(
            &(String::from("local o = cmsgpack.unpack(")
                + OPTS
                + ") o.attempts = o.attempts - 1 return hex(cmsgpack.pack(o))"),
        );
        same(&(String::from("return hex(cmsgpack.pack(cmsgpack.unpack(") + OPTS + ")))"));
    }

    /// Reading a stream of values piece by piece with `unpack_one`, as a
    /// script walking a packed list does.
    #[test]
    fn unpack_one_walks_a_stream() {
        same(
            "local s = cmsgpack.pack(1, 'two', {3}, {four = 4}, nil, 6.5) local o, off = {}, 0 \
             while off ~= -1 do local v off, v = cmsgpack.unpack_one(s, off) o[#o+1] = off..'='..dump(v) end \
             return table.concat(o, ' ')",
        );
        same(
            "local s = cmsgpack.pack(1, 2, 3, 4, 5) local o, off = {}, 0 \
             while off ~= -1 do local r = {cmsgpack.unpack_limit(s, 2, off)} off = r[1] o[#o+1] = dump(r) end \
             return table.concat(o, ' ')",
        );
    }

    /// Random bytes against Redis: same values or same error, and no
    /// crash. The inputs are biased toward short headers and the type
    /// bytes that carry lengths, so truncations are common.
    #[test]
    fn random_bytes_like_redis() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        const TAGS: &[u8] = &[
            0x00, 0x7f, 0x81, 0x82, 0x91, 0x93, 0xa1, 0xa3, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xca,
            0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
            0xe0, 0xff,
        ];
        for _batch in 0..8 {
            let mut cases = Vec::new();
            for _ in 0..60 {
                let len = (next() % 12) as usize;
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        let r = next();
                        match r % 4 {
                            0 => TAGS[(r >> 8) as usize % TAGS.len()],
                            1 => (r >> 8) as u8 & 0x03,
                            _ => (r >> 8) as u8,
                        }
                    })
                    .collect();
                let lit: String = bytes.iter().map(|b| format!("\\{b}")).collect();
                cases.push(format!("'{lit}'"));
            }
            let script = format!(
                "local o = {{}} for _, s in ipairs({{{}}}) do \
                 local _, a = pcall(function() return dumpall(cmsgpack.unpack(s)) end) \
                 local _, b = pcall(function() return dumpall(cmsgpack.unpack_one(s, 1)) end) \
                 o[#o+1] = a..' | '..b end return table.concat(o, '\\n')",
                cases.join(",")
            );
            same(&script);
        }
    }

    /// Random values (numbers near every format boundary, strings up to
    /// str16, tables that are arrays, arrays with holes and
    /// maps, nested) packed here and in Redis: same bytes, and the same
    /// values back.
    #[test]
    fn random_values_like_redis() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        fn number(r: u64) -> String {
            const EDGES: &[f64] = &[
                0.0,
                127.0,
                128.0,
                255.0,
                256.0,
                65535.0,
                65536.0,
                4294967295.0,
                4294967296.0,
                -32.0,
                -33.0,
                -128.0,
                -129.0,
                -32768.0,
                -32769.0,
                -2147483648.0,
                -2147483649.0,
                9007199254740992.0,
                9223372036854775807.0,
                -9223372036854775808.0,
                18446744073709551616.0,
                0.5,
                0.1,
                1e300,
                1e-300,
                3.4028234663852886e38,
            ];
            let base = EDGES[(r % EDGES.len() as u64) as usize];
            let x = match (r >> 8) % 4 {
                0 => base,
                1 => base + ((r >> 16) % 3) as f64 - 1.0,
                2 => -base,
                _ => base * (((r >> 16) % 1000) as f64 / 7.0),
            };
            format!("({x:?})")
        }
        fn value(next: &mut dyn FnMut() -> u64, depth: u32) -> String {
            let r = next();
            match r % if depth > 3 { 4 } else { 7 } {
                0 => number(r >> 3),
                1 => format!(
                    "string.rep('s', {})",
                    [0, 5, 31, 32, 255, 256, 300, 1000][(r >> 3) as usize % 8]
                ),
                2 => ["true", "false", "nil"][(r >> 3) as usize % 3].to_string(),
                3 => format!("'{}'", (r >> 3) % 100_000),
                4 => {
                    let n = (r >> 3) % 18;
                    let items: Vec<String> = (0..n).map(|_| value(next, depth + 1)).collect();
                    format!("{{{}}}", items.join(", "))
                }
                5 => {
                    let n = (r >> 3) % 17;
                    let items: Vec<String> = (0..n)
                        .map(|i| format!("k{i} = {}", value(next, depth + 1)))
                        .collect();
                    format!("{{{}}}", items.join(", "))
                }
                _ => {
                    let n = (r >> 3) % 6;
                    let items: Vec<String> = (0..n)
                        .map(|_| format!("[{}] = {}", next() % 8, value(next, depth + 1)))
                        .collect();
                    format!("{{{}}}", items.join(", "))
                }
            }
        }
        for _ in 0..60 {
            let v = value(&mut next, 0);
            same(&format!(
                "local v = {v} local p = cmsgpack.pack(v) return hex(p)..' '..dumpall(cmsgpack.unpack(p))"
            ));
        }
    }

    proptest::proptest! {
        /// Any bytes: unpack, unpack_one and unpack_limit return or
        /// raise a Lua error, never crash; what unpacks packs back to
        /// something that unpacks to the same values.
        #[test]
        fn unpack_never_crashes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let lit: String = bytes.iter().map(|b| format!("\\{b}")).collect();
            let script = format!(
                "{PRELUDE} local s = '{lit}' \
                 local ok, a = pcall(function() return dumpall(cmsgpack.unpack(s)) end) \
                 pcall(cmsgpack.unpack_one, s, 2) pcall(cmsgpack.unpack_limit, s, 3, 1) \
                 if not ok then return 'err' end \
                 if select('#', cmsgpack.unpack(s)) == 0 then return 'same' end \
                 local b = dumpall(cmsgpack.unpack(cmsgpack.pack(cmsgpack.unpack(s)))) \
                 return a == b and 'same' or a..' ~= '..b"
            );
            let out = local_eval(&script);
            let text = out.map(|b| String::from_utf8_lossy(&b).into_owned());
            proptest::prop_assert!(matches!(text.as_deref(), Ok("err") | Ok("same")), "{:?}", text);
        }
    }
}
