//! The `struct` library (Roberto Ierusalimschy's, as Redis 7.0 loads it):
//! `struct.pack(fmt, ...)`, `struct.unpack(fmt, data [, pos])` (the
//! values, then the position after them) and `struct.size(fmt)`.
//!
//! A format is read up to its first zero byte. Options:
//! - `<` `>` little and big endian (little is the default), `!n` align
//!   fields to at most `n` bytes (default 8; a power of 2), ` ` ignored;
//! - `x` one padding byte;
//! - `b` `B` `h` `H` `l` `L` `T`: signed/unsigned 1, 2 and 8 bytes, and
//!   size_t (8); `i` `I` with an optional size in bytes (default 4, at
//!   most 32);
//! - `f` `d`: float and double;
//! - `s` a zero-terminated string; `cn` `n` characters (`c0`: when
//!   packing, the whole string; when unpacking, as many as the value just
//!   read says).
//!
//! Redis's C code has behaviour that follows from x86-64 and C
//! conversions rather than from its documentation, and scripts see it, so
//! it is reproduced: a double too large for a 64-bit integer packs as the
//! processor converts it ([`c_to_u64`]); integers wider than 8 bytes
//! keep only their low 8 bytes (with no sign extension when packing, and
//! with a shift count taken modulo 64 when sign-extending on unpacking);
//! `c0`'s length is a number converted the same way; the "string too
//! short" error names the argument after the short string; and `size`
//! accepts any letter or digit as taking no room.
//!
//! One difference: Redis computes positions in unsigned arithmetic that
//! wraps, so a negative start position can read before the data. Here a
//! field whose end does not fit is "data string too short".

use std::ffi::{c_int, CStr};

use crate::scripting::luaapi::{ffi, lua_State, new_lib, push_bytes, raise, to_bytes};

/// The largest size of `i`/`I`.
const MAX_INT_SIZE: usize = 32;
/// The default of `!`: the alignment of a double on x86-64.
const MAX_ALIGN: usize = 8;

/// A Lua error to raise once the failing function's own values are gone.
enum Fail {
    /// `luaL_typerror`: "bad argument #n to 'f' (T expected, got X)".
    Type(c_int, &'static CStr),
    /// `luaL_argerror`: "bad argument #n to 'f' (msg)".
    Arg(c_int, Vec<u8>),
    /// `luaL_error`: the message after the caller's position.
    Msg(String),
}

/// Raises `f`.
///
/// # Safety
/// As for [`raise`]: the caller holds nothing that needs dropping.
unsafe fn fail(l: *mut lua_State, f: Fail) -> ! {
    // The stack may be full of results (`unpack`); the message needs
    // room, and no error but a type error looks at the arguments.
    if !matches!(f, Fail::Type(..)) {
        ffi::lua_settop(l, 0);
    }
    match f {
        Fail::Type(arg, tname) => {
            ffi::luaL_typerror(l, arg, tname.as_ptr());
        }
        Fail::Arg(arg, msg) => {
            // The message lives on the Lua stack while luaL_argerror
            // copies it, so no Rust value is left to drop.
            push_bytes(l, &msg);
            drop(msg);
            ffi::luaL_argerror(l, arg, ffi::lua_tolstring(l, -1, std::ptr::null_mut()));
        }
        Fail::Msg(msg) => raise(l, msg),
    }
    unreachable!("Lua errors do not return")
}

/// Argument `arg` as a number (numeric strings convert), as
/// `luaL_checknumber` takes it, without raising.
///
/// # Safety
/// `l` is a live state inside a C function.
unsafe fn number(l: *mut lua_State, arg: c_int) -> Result<f64, Fail> {
    if ffi::lua_isnumber(l, arg) != 0 {
        Ok(ffi::lua_tonumber(l, arg))
    } else {
        Err(Fail::Type(arg, c"number"))
    }
}

/// Argument `arg` as a string (a number converts in place), as
/// `luaL_checklstring` takes it. Converting allocates, which can raise a
/// memory error: what the caller holds then leaks.
///
/// # Safety
/// `l` is a live state inside a C function; the slice lives while the
/// argument stays on the stack.
unsafe fn string<'a>(l: *mut lua_State, arg: c_int) -> Result<&'a [u8], Fail> {
    to_bytes(l, arg).ok_or(Fail::Type(arg, c"string"))
}

/// A double converted to a signed 64-bit integer as x86-64 does it in C
/// (`cvttsd2si`): truncated, and out of range or NaN gives i64::MIN.
fn c_to_i64(d: f64) -> i64 {
    const LIMIT: f64 = 9223372036854775808.0; // 2^63
    if (-LIMIT..LIMIT).contains(&d) {
        d as i64
    } else {
        i64::MIN
    }
}

/// A double converted to an unsigned 64-bit integer as C compiled for
/// x86-64 does it: below 2^63 (or NaN) through the signed conversion,
/// otherwise 2^63 less, with the top bit set back. So 2^64 and beyond
/// give 0, NaN gives 2^63 and negative values wrap.
fn c_to_u64(d: f64) -> u64 {
    const HIGH: f64 = 9223372036854775808.0; // 2^63
    if d >= HIGH {
        (c_to_i64(d - HIGH) as u64) ^ (1 << 63)
    } else {
        c_to_i64(d) as u64
    }
}

/// A format string being read, up to its first zero byte.
struct Format<'a> {
    rest: &'a [u8],
}

impl<'a> Format<'a> {
    fn new(s: &'a [u8]) -> Self {
        let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
        Format { rest: &s[..end] }
    }

    fn next_opt(&mut self) -> Option<u8> {
        let (&c, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(c)
    }

    /// The decimal number that follows, or `default` if none does.
    fn num(&mut self, default: usize) -> Result<usize, Fail> {
        if !self.rest.first().is_some_and(u8::is_ascii_digit) {
            return Ok(default);
        }
        // Redis keeps the number in a C int and refuses to overflow it.
        let mut a: i32 = 0;
        while let Some(&c) = self.rest.first().filter(|c| c.is_ascii_digit()) {
            let digit = i32::from(c - b'0');
            a = a
                .checked_mul(10)
                .and_then(|a| a.checked_add(digit))
                .ok_or_else(|| Fail::Msg("integral size overflow".into()))?;
            self.rest = &self.rest[1..];
        }
        Ok(a as usize)
    }
}

/// What the control options set.
struct Header {
    big: bool,
    align: usize,
}

impl Header {
    fn new() -> Self {
        Header {
            big: false,
            align: 1,
        }
    }
}

/// The size of option `opt` (reading its count), 0 for the options that
/// take no room or whose size varies (`s`) or that are not data options.
fn opt_size(opt: u8, f: &mut Format) -> Result<usize, Fail> {
    Ok(match opt {
        b'b' | b'B' | b'x' => 1,
        b'h' | b'H' => 2,
        b'l' | b'L' | b'T' | b'd' => 8,
        b'f' => 4,
        b'c' => f.num(1)?,
        b'i' | b'I' => {
            let size = f.num(4)?;
            if size > MAX_INT_SIZE {
                return Err(Fail::Msg(format!(
                    "integral size {size} is larger than limit of {MAX_INT_SIZE}"
                )));
            }
            size
        }
        _ => 0,
    })
}

/// The padding before a field of `size` bytes at offset `len`: fields
/// align to their size, capped by the `!` alignment. (A size that is not
/// a power of 2, as `i3`, gives the odd padding Redis gives.)
fn to_align(len: usize, h: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(h.align);
    (size - (len & (size - 1))) & (size - 1)
}

/// Applies a control option, or fails on a letter that is no option.
fn control(opt: u8, f: &mut Format, h: &mut Header) -> Result<(), Fail> {
    match opt {
        b' ' => {}
        b'>' => h.big = true,
        b'<' => h.big = false,
        b'!' => {
            let a = f.num(MAX_ALIGN)?;
            if !a.is_power_of_two() {
                return Err(Fail::Msg(format!("alignment {a} is not a power of 2")));
            }
            h.align = a;
        }
        _ => {
            let mut msg = b"invalid format option '".to_vec();
            msg.extend([opt, b'\'']);
            return Err(Fail::Arg(1, msg));
        }
    }
    Ok(())
}

fn is_int_opt(opt: u8) -> bool {
    matches!(
        opt,
        b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I'
    )
}

/// Appends `n` as a `size`-byte integer. Negative numbers go through a
/// signed conversion, others through an unsigned one (as in C); bytes
/// past the eighth are zero.
fn put_int(out: &mut Vec<u8>, n: f64, big: bool, size: usize) {
    let mut value = if n < 0.0 {
        c_to_i64(n) as u64
    } else {
        c_to_u64(n)
    };
    let start = out.len();
    for _ in 0..size {
        out.push(value as u8);
        value >>= 8;
    }
    if big {
        out[start..].reverse();
    }
}

/// The integer in `bytes`. Only the last 8 significant bytes count; a
/// signed value extends its sign from bit `8 * size - 1` taken modulo 64
/// (C's shift on x86-64), so `i9` extends from bit 7.
fn get_int(bytes: &[u8], big: bool, signed: bool) -> f64 {
    let fold = |v: u64, &b: &u8| (v << 8) | u64::from(b);
    let v = if big {
        bytes.iter().fold(0, fold)
    } else {
        bytes.iter().rev().fold(0, fold)
    };
    if !signed {
        return v as f64;
    }
    let shift = ((bytes.len() as u32).wrapping_mul(8).wrapping_sub(1)) & 63;
    let mask = u64::MAX << shift;
    let v = if v & mask != 0 { v | mask } else { v };
    v as i64 as f64
}

/// struct.pack(fmt, v1, v2, ...)
unsafe extern "C-unwind" fn pack(l: *mut lua_State) -> c_int {
    let mut out = Vec::new();
    match pack_into(l, &mut out) {
        Ok(()) => {
            // (A memory error here leaks `out`.)
            push_bytes(l, &out);
            1
        }
        Err(f) => {
            drop(out);
            fail(l, f)
        }
    }
}

/// The body of `pack`: the arguments encoded into `out`.
///
/// # Safety
/// `l` is a live state inside a C function.
unsafe fn pack_into(l: *mut lua_State, out: &mut Vec<u8>) -> Result<(), Fail> {
    let mut f = Format::new(string(l, 1)?);
    // Redis pushes a nil after the arguments, so the first missing one is
    // reported as "got nil" rather than "got no value".
    ffi::lua_pushnil(l);
    let mut h = Header::new();
    let mut arg: c_int = 2;
    let mut total = 0usize;
    while let Some(opt) = f.next_opt() {
        let mut size = opt_size(opt, &mut f)?;
        let pad = to_align(total, &h, opt, size);
        total = total.wrapping_add(pad);
        out.resize(out.len() + pad, 0);
        match opt {
            _ if is_int_opt(opt) => {
                put_int(out, number(l, arg)?, h.big, size);
                arg += 1;
            }
            b'x' => out.push(0),
            b'f' => {
                let v = number(l, arg)? as f32;
                arg += 1;
                out.extend(if h.big {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                });
            }
            b'd' => {
                let v = number(l, arg)?;
                arg += 1;
                out.extend(if h.big {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                });
            }
            b'c' | b's' => {
                let s = string(l, arg)?;
                arg += 1;
                if size == 0 {
                    size = s.len();
                }
                if s.len() < size {
                    // Redis names the argument after the short one.
                    return Err(Fail::Arg(arg, b"string too short".to_vec()));
                }
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                    size += 1;
                }
            }
            _ => control(opt, &mut f, &mut h)?,
        }
        total = total.wrapping_add(size);
    }
    Ok(())
}

/// struct.unpack(fmt, data [, pos])
unsafe extern "C-unwind" fn unpack(l: *mut lua_State) -> c_int {
    match unpack_body(l) {
        Ok(n) => n,
        Err(f) => fail(l, f),
    }
}

/// The body of `unpack`: pushes the values and the next position and
/// counts them.
///
/// # Safety
/// `l` is a live state inside a C function.
unsafe fn unpack_body(l: *mut lua_State) -> Result<c_int, Fail> {
    let mut f = Format::new(string(l, 1)?);
    let data = string(l, 2)?;
    let ld = data.len();
    // luaL_optinteger, into C's size_t: only 0 is refused, and a negative
    // position is a huge one.
    let pos = if ffi::lua_isnoneornil(l, 3) != 0 {
        1
    } else if ffi::lua_isnumber(l, 3) != 0 {
        // Lua 5.1's own lua_tointeger (truncating): mlua's
        // `ffi::lua_tointeger` is a 5.3-style wrapper that gives 0 for 1.9.
        ffi::lua_tointeger_(l, 3)
    } else {
        return Err(Fail::Type(3, c"number"));
    };
    if pos == 0 {
        return Err(Fail::Arg(3, b"offset must be 1 or greater".to_vec()));
    }
    let too_short = || Fail::Arg(2, b"data string too short".to_vec());
    let mut pos = (pos as usize).wrapping_sub(1);
    let mut h = Header::new();
    let mut n: c_int = 0;
    while let Some(opt) = f.next_opt() {
        let mut size = opt_size(opt, &mut f)?;
        pos = pos.wrapping_add(to_align(pos, &h, opt, size));
        if pos.checked_add(size).is_none_or(|end| end > ld) {
            return Err(too_short());
        }
        // Room for this value and the final position. (Not mlua's
        // `ffi::luaL_checkstack`, which asks for LUA_MINSTACK more than
        // Lua 5.1's and so fails 20 results earlier than Redis.)
        if ffi::lua_checkstack(l, 2) == 0 {
            return Err(Fail::Msg("stack overflow (too many results)".into()));
        }
        let field = &data[pos..pos + size];
        match opt {
            _ if is_int_opt(opt) => {
                ffi::lua_pushnumber(l, get_int(field, h.big, opt.is_ascii_lowercase()));
                n += 1;
            }
            b'x' => {}
            b'f' => {
                let b: [u8; 4] = field.try_into().expect("4 bytes");
                let v = if h.big {
                    f32::from_be_bytes(b)
                } else {
                    f32::from_le_bytes(b)
                };
                ffi::lua_pushnumber(l, f64::from(v));
                n += 1;
            }
            b'd' => {
                let b: [u8; 8] = field.try_into().expect("8 bytes");
                let v = if h.big {
                    f64::from_be_bytes(b)
                } else {
                    f64::from_le_bytes(b)
                };
                ffi::lua_pushnumber(l, v);
                n += 1;
            }
            b'c' => {
                if size == 0 {
                    // The length is the value just read (a number, or a
                    // string that converts to one), which it replaces.
                    if n == 0 || ffi::lua_isnumber(l, -1) == 0 {
                        return Err(Fail::Msg("format 'c0' needs a previous size".into()));
                    }
                    size = c_to_u64(ffi::lua_tonumber(l, -1)) as usize;
                    ffi::lua_settop(l, -2);
                    n -= 1;
                    if !(size <= ld && pos <= ld - size) {
                        return Err(too_short());
                    }
                }
                push_bytes(l, &data[pos..pos + size]);
                n += 1;
            }
            b's' => {
                let Some(len) = data[pos..].iter().position(|&b| b == 0) else {
                    return Err(Fail::Msg("unfinished string in data".into()));
                };
                push_bytes(l, &data[pos..pos + len]);
                size = len + 1;
                n += 1;
            }
            _ => control(opt, &mut f, &mut h)?,
        }
        pos = pos.wrapping_add(size);
    }
    ffi::lua_pushinteger(l, pos.wrapping_add(1) as ffi::lua_Integer);
    Ok(n + 1)
}

/// struct.size(fmt)
unsafe extern "C-unwind" fn size(l: *mut lua_State) -> c_int {
    match size_body(l) {
        Ok(n) => n,
        Err(f) => fail(l, f),
    }
}

/// The body of `size`. Letters and digits that are no option take no room
/// and raise nothing, as in Redis; other bytes must be control options.
///
/// # Safety
/// `l` is a live state inside a C function.
unsafe fn size_body(l: *mut lua_State) -> Result<c_int, Fail> {
    let mut f = Format::new(string(l, 1)?);
    let mut h = Header::new();
    let mut pos = 0usize;
    while let Some(opt) = f.next_opt() {
        let size = opt_size(opt, &mut f)?;
        pos = pos.wrapping_add(to_align(pos, &h, opt, size));
        if opt == b's' {
            return Err(Fail::Arg(1, b"option 's' has no fixed size".to_vec()));
        }
        if opt == b'c' && size == 0 {
            return Err(Fail::Arg(1, b"option 'c0' has no fixed size".to_vec()));
        }
        if !opt.is_ascii_alphanumeric() {
            control(opt, &mut f, &mut h)?;
        }
        pos = pos.wrapping_add(size);
    }
    ffi::lua_pushinteger(l, pos as ffi::lua_Integer);
    Ok(1)
}

/// Pushes the library's table.
///
/// # Safety
/// Called by Lua as a C function.
pub unsafe extern "C-unwind" fn open(l: *mut lua_State) -> c_int {
    new_lib(l, &[(c"pack", pack), (c"unpack", unpack), (c"size", size)]);
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scripting::libs::testutil::{assert_same, local_eval, redis_eval};
    use proptest::prelude::*;

    /// Lua helpers on the script's first line (error positions stay at
    /// line 1): `hex(s)`, and `all(...)`, every value as text (numbers
    /// with 17 digits, strings in hex).
    const PRELUDE: &str = "local function hex(s) return (string.gsub(s, '.', function(c) \
        return string.format('%02x', string.byte(c)) end)) end \
        local function all(...) local t = {} for i = 1, select('#', ...) do \
        local v = select(i, ...) t[i] = type(v) == 'number' and string.format('%.17g', v) \
        or hex(v) end return table.concat(t, ',') end ";

    fn all_same(bodies: &[&str]) {
        for body in bodies {
            assert_same(&format!("{PRELUDE}{body}"));
        }
    }

    #[test]
    fn c_conversions() {
        assert_eq!(c_to_u64(2f64.powi(64)), 0);
        assert_eq!(c_to_u64(f64::NAN), 1 << 63);
        assert_eq!(c_to_u64(-1.0), u64::MAX);
        assert_eq!(c_to_u64(2f64.powi(63) + 2048.0), (1 << 63) + 2048);
        assert_eq!(c_to_i64(-1e30), i64::MIN);
        assert_eq!(c_to_i64(-2.7), -2);
    }

    #[test]
    fn integers_sign_extend_from_bit_size_mod_64() {
        assert_eq!(
            get_int(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0], false, true),
            -128.0
        );
        assert_eq!(get_int(&[0xff; 16], false, true), -1.0);
        assert_eq!(get_int(&[0xff, 0xfe], true, true), -2.0);
        assert_eq!(get_int(&[], false, true), 0.0);
    }

    #[test]
    fn library_has_pack_unpack_size() {
        assert_same(
            "local t = {} for k, v in pairs(struct) do t[#t+1] = k .. ':' .. type(v) end \
             table.sort(t) return table.concat(t, ' ')",
        );
    }

    #[test]
    fn pack_integers() {
        all_same(&[
            "return hex(struct.pack('bB', -1, 255, 'extra'))",
            "return hex(struct.pack('bB', 300, -300))",
            "return hex(struct.pack('>hHiIlLT', -2, 65535, -3, 4294967295, -4, 2^64 - 1, 7))",
            "return hex(struct.pack('<hHiIlLT', -2, 65535, -3, 4294967295, -4, 2^63, 7))",
            "return hex(struct.pack('<I3i5', 0x123456, -2))",
            "return hex(struct.pack('>I3i5', 0x123456, -2))",
            "return hex(struct.pack('<b', 2.7) .. struct.pack('<b', -2.7))",
            "return hex(struct.pack('<i16', -1))",
            "return hex(struct.pack('>i16', -1))",
            "return hex(struct.pack('>I32', 1))",
            "return hex(struct.pack('<i0', 5))",
            "return hex(struct.pack('<L', 2^64))",
            "return hex(struct.pack('<L', 2^70))",
            "return hex(struct.pack('<L', 0/0))",
            "return hex(struct.pack('<L', -(0/0)))",
            "return hex(struct.pack('<l', -2^70))",
            "return hex(struct.pack('<l', 2^63))",
            "return hex(struct.pack('<l', -2^63))",
            "return hex(struct.pack('<L', 2^63 + 2^11))",
            "return hex(struct.pack('<I', -1))",
            "return hex(struct.pack('<L', 1/0) .. struct.pack('<l', -1/0))",
            "return hex(struct.pack('i', '12'))",
            "return hex(struct.pack('i', ' 0x10 '))",
        ]);
    }

    #[test]
    fn pack_floats_strings_and_layout() {
        all_same(&[
            "return hex(struct.pack('>fd<fd', 1.5, -2.25, 1/0, 0.1))",
            "return hex(struct.pack('f', 1e300))",
            "return hex(struct.pack('f', 1e-50) .. struct.pack('f', -1e-40))",
            "return hex(struct.pack('f', 0/0) .. struct.pack('d', 0/0))",
            "return hex(struct.pack('d', -0.0))",
            "return hex(struct.pack('c0', 123))",
            "return hex(struct.pack('c0', ''))",
            "return hex(struct.pack('s', 'a\\0b'))",
            "return hex(struct.pack('s', 12))",
            "return hex(struct.pack('c2s', 'abc', 'de'))",
            "return hex(struct.pack('c', 'xyz') .. struct.pack('c3', 'abcdef'))",
            "return hex(struct.pack('xx x'))",
            "return hex(struct.pack('>!4bi', 1, 2))",
            "return hex(struct.pack('!bh bi bl bd bf', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10))",
            "return hex(struct.pack('!4 b i3 b h', 1, 2, 3, 4))",
            "return hex(struct.pack('<!2 b d', 1, 2))",
            "return hex(struct.pack('!1 b i', 1, 2))",
            "return hex(struct.pack('!65536 b d', 1, 2))",
            "return hex(struct.pack('b c3 !8 d', 1, 'abc', 2))",
            "return hex(struct.pack('!8 b s d', 1, 'xy', 2))",
            "return hex(struct.pack('b\\0b', 1, 2))",
            "return hex(struct.pack(''))",
            // Past Lua's 8 KiB string buffer.
            "local s = struct.pack('c0sb', string.rep('a', 10000), 'xy', 7) \
             return #s .. ':' .. hex(s:sub(-6))",
            "return struct.pack('c0b', string.rep('a', 10000))",
        ]);
    }

    #[test]
    fn pack_errors() {
        all_same(&[
            "return struct.pack('i33', 1)",
            "return struct.pack('i99999999999', 1)",
            "return struct.pack('c2147483648', 'x')",
            "return struct.pack('c2147483647', 'x')",
            "return struct.pack('!3', 1)",
            "return struct.pack('!0')",
            "return struct.pack('!2147483647')",
            "return struct.pack('z', 1)",
            "return struct.pack('x2')",
            // (Via pcall: the harness reads replies as UTF-8.)
            "local ok, e = pcall(struct.pack, '\\200') return hex(e)",
            "return struct.pack('c5', 'ab')",
            "return struct.pack('bc5', 1, 'ab')",
            "return struct.pack('b')",
            "return struct.pack()",
            "return struct.pack({})",
            "return struct.pack('i', 'x')",
            "return struct.pack('i', {})",
            "return struct.pack('f', nil)",
            "return struct.pack('d', true)",
            "return struct.pack('s', nil)",
            "return struct.pack('c', {})",
            "return struct.pack('b b z', 1, 2)",
            "return struct.pack('bz', 'x')",
            "return struct:pack('b')",
            "local ok, e = pcall(struct.pack, 'q') return e",
        ]);
    }

    #[test]
    fn unpack_values_and_next_position() {
        all_same(&[
            "return all(struct.unpack('>hHiIlLT', struct.pack('>hHiIlLT', -2, 65535, -3, 4294967295, -4, 2^53, 7)))",
            "return all(struct.unpack('<bBhH', '\\255\\255\\1\\128\\1\\128'))",
            "return all(struct.unpack('>i3<I3', '\\255\\255\\254\\255\\255\\254'))",
            "return all(struct.unpack('<i9', '\\128\\0\\0\\0\\0\\0\\0\\0\\0'))",
            "return all(struct.unpack('<i9', '\\0\\0\\0\\0\\0\\0\\0\\0\\128'))",
            "return all(struct.unpack('>i12', '\\1\\2\\3\\4\\255\\255\\255\\255\\255\\255\\255\\255'))",
            "return all(struct.unpack('<i16', string.rep('\\255', 16)))",
            "return all(struct.unpack('<I16', string.rep('\\255', 16)))",
            "return all(struct.unpack('<i0', ''))",
            "return all(struct.unpack('<i0b', '\\1'))",
            "return all(struct.unpack('>f<f', struct.pack('>f<f', 0.1, -3)))",
            "return all(struct.unpack('dd', struct.pack('dd', 0/0, -1/0)))",
            "return all(struct.unpack('sbs', 'ab\\0\\5cd\\0'))",
            "return all(struct.unpack('s', '\\0'))",
            "return all(struct.unpack('!4bi', '\\1\\0\\0\\0\\2\\0\\0\\0xyz'))",
            "return all(struct.unpack('!8bd', string.rep('\\0', 16), 2))",
            "return all(struct.unpack('!2 b d', '\\1\\0\\0\\0\\0\\0\\0\\0\\240\\63'))",
            "return all(struct.unpack('bb', 'xyz', 2))",
            "return all(struct.unpack('b', 'xyz', 3))",
            "return all(struct.unpack('c3', 'abcdef'))",
            "return all(struct.unpack('c', 'abc'))",
            "return all(struct.unpack(' ', 'abc'))",
            "return all(struct.unpack('x x', 'abc'))",
            "return all(struct.unpack('b\\0b', 'abc'))",
            "return all(struct.unpack(12, '123456789012345'))",
            "return all(struct.unpack('c2', 12345))",
        ]);
    }

    #[test]
    fn unpack_positions() {
        all_same(&[
            "return all(struct.unpack('', '', -1))",
            "return all(struct.unpack('', 'abc', 10))",
            "return all(struct.unpack('', 'abc', 2^53))",
            "return all(struct.unpack('', 'abc', 1.9))",
            "return all(struct.unpack('', 'abc', '2'))",
            "return all(struct.unpack('b', 'abc', nil))",
            "return struct.unpack('', 'abc', 'x')",
            "return struct.unpack('b', 'x', {})",
            "return struct.unpack('b', '\\1', 0)",
            "return struct.unpack('b', '\\1', -1)",
            "return struct.unpack('b', '\\1', 2)",
            "return struct.unpack('b', '\\1', 3)",
            "return struct.unpack('b', '\\1', 2^62)",
            "return struct.unpack('b', '\\1', -2^63)",
            "return struct.unpack(' ', '', 5)",
            // Every option checks the position, controls too, so an
            // alignment never wraps a negative position back to 0.
            "return struct.unpack('!8d', string.rep('\\0', 7) .. '\\240', -1)",
            "return struct.unpack('!4 b i', '\\1\\0\\0\\0\\2\\0\\0\\0', -3)",
        ]);
    }

    #[test]
    fn unpack_c0_takes_the_previous_value() {
        all_same(&[
            "return all(struct.unpack('bc0', '\\3abcd'))",
            "return all(struct.unpack('bxc0', '\\2\\0abc'))",
            "return all(struct.unpack('c1c0', '3abc'))",
            "return all(struct.unpack('c3c0', ' 2 abc'))",
            "return all(struct.unpack('c4c0', '0x02ab'))",
            "return all(struct.unpack('dc0', struct.pack('d', 2.9) .. 'abc'))",
            "return all(struct.unpack('dc0', struct.pack('d', 1e30) .. 'abc'))",
            "return all(struct.unpack('i0c0', 'xyz'))",
            "return struct.unpack('dc0', struct.pack('d', 0/0) .. 'abc')",
            "return struct.unpack('bc0', '\\255abc')",
            "return struct.unpack('bc0', '\\4abc')",
            "return struct.unpack('c1c0', 'xabc')",
            "return struct.unpack('c0', 'xyz')",
            "return struct.unpack('xc0', 'xyz')",
        ]);
    }

    #[test]
    fn unpack_errors() {
        all_same(&[
            "return struct.unpack('b', '')",
            "return struct.unpack('bx', '\\1')",
            "return struct.unpack('c5', 'abc')",
            "return struct.unpack('s', 'abc')",
            "return struct.unpack('bs', '\\1')",
            "return struct.unpack('z', 'abc')",
            "return struct.unpack('b>!3', 'abc')",
            "return struct.unpack('i40', 'abc')",
            "return struct.unpack('b')",
            "return struct.unpack()",
            "return struct.unpack({}, {})",
            "return struct.unpack('b', {})",
            "return struct.unpack(string.rep('b', 10000), string.rep('\\0', 10000))",
            "local r = {} for k = 7994, 8000 do local ok, e = pcall(function() \
             return select('#', struct.unpack(string.rep('b', k), string.rep('\\0', k))) end) \
             r[#r+1] = tostring(ok) .. ':' .. tostring(e) end return table.concat(r, ' ')",
        ]);
    }

    #[test]
    fn size_of_formats() {
        all_same(&[
            "return struct.size('bhilfdTL')",
            "return struct.size('!bhilfdTL')",
            "return struct.size('!8bd')",
            "return struct.size('!8bi3')",
            "return struct.size('!4b!2i3')",
            "return struct.size('!64bd')",
            "return struct.size('x!8d')",
            "return struct.size('!8c3d')",
            "return struct.size('c') .. ' ' .. struct.size('c10') .. ' ' .. struct.size('i0')",
            "return struct.size('c2147483647c2147483647')",
            "return struct.size('z') .. ' ' .. struct.size('b4') .. ' ' .. struct.size(12)",
            "return struct.size('!') .. ' ' .. struct.size('   ') .. ' ' .. struct.size('<>!4!i')",
            "return struct.size('\\0s')",
            "return struct.size('s')",
            "return struct.size('bc0')",
            "return struct.size('!3')",
            "return struct.size('i33')",
            "return struct.size('c2147483648')",
            "return struct.size('?')",
            "local ok, e = pcall(struct.size, '\\200') return hex(e)",
            "return struct.size()",
        ]);
    }

    /// A Lua string literal of `b`, every byte escaped.
    fn lua_str(b: &[u8]) -> String {
        let mut s = String::from("'");
        for c in b {
            s.push_str(&format!("\\{c:03}"));
        }
        s.push('\'');
        s
    }

    /// Format characters, weighted towards the interesting ones.
    const FMT_CHARS: &[u8] = b"<>!! xbBhHiIlLTfdsscc0012345678999";

    /// Formats as options with plausible counts, with now and then a
    /// stray character (so that some fail, most go through).
    fn format_strategy() -> impl Strategy<Value = Vec<u8>> {
        let token = prop_oneof![
            6 => prop::sample::select(b"<>! xbBhHiIlLTfdsc".as_slice()).prop_map(|c| vec![c]),
            3 => (prop::sample::select(b"iIc!".as_slice()), prop_oneof![0u32..10, 0u32..40])
                .prop_map(|(c, n)| format!("{}{n}", c as char).into_bytes()),
            1 => prop::sample::select(FMT_CHARS).prop_map(|c| vec![c]),
        ];
        prop::collection::vec(token, 0..8).prop_map(|t| t.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Random formats, data and start positions unpack as in Redis
        /// (positions stay within the data plus two, where Redis reads
        /// nothing out of bounds).
        #[test]
        fn unpack_matches_redis(
            fmt in format_strategy(),
            data in prop::collection::vec(any::<u8>(), 0..96),
            pos in 0usize..64,
        ) {
            let pos = 1 + pos % (data.len() + 2);
            let script = format!(
                "{PRELUDE}return all(struct.unpack({}, {}, {pos}))",
                lua_str(&fmt),
                lua_str(&data)
            );
            prop_assert_eq!(local_eval(&script), redis_eval(&script), "{}", script);
        }

        /// Random formats and values pack as in Redis.
        #[test]
        fn pack_matches_redis(
            fmt in format_strategy(),
            args in prop::collection::vec(prop_oneof![
                3 => prop::sample::select(vec![
                    "0", "-1", "1.5", "-2.5", "255", "65536", "2^31", "-2^31", "2^53",
                    "2^63", "-2^63", "2^64", "1e300", "1/0", "-1/0", "0/0", "0.1",
                ]).prop_map(str::to_string),
                1 => prop::collection::vec(any::<u8>(), 0..6).prop_map(|b| lua_str(&b)),
            ], 0..10),
        ) {
            let mut call = lua_str(&fmt);
            for a in &args {
                call.push_str(", ");
                call.push_str(a);
            }
            let script = format!("{PRELUDE}return hex(struct.pack({call}))");
            prop_assert_eq!(local_eval(&script), redis_eval(&script), "{}", script);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Any format bytes, data and start position (negative and huge
        /// ones too, where Redis itself would read out of bounds): unpack
        /// returns values or raises a Lua error, and never crashes.
        #[test]
        fn unpack_never_crashes(
            fmt in prop::collection::vec(prop_oneof![
                prop::sample::select(FMT_CHARS),
                any::<u8>(),
            ], 0..16),
            data in prop::collection::vec(any::<u8>(), 0..48),
            pos in prop_oneof![
                -3i64..60,
                Just(i64::MIN),
                Just(i64::MAX),
                Just(-(1i64 << 53)),
            ],
        ) {
            let script = format!(
                "{PRELUDE}local r = {{pcall(struct.unpack, {}, {}, {pos})}} \
                 return tostring(r[1]) .. ' ' .. select('#', unpack(r))",
                lua_str(&fmt),
                lua_str(&data)
            );
            let out = local_eval(&script);
            prop_assert!(out.is_ok(), "{:?}", out);
        }
    }
}
