//! A thin layer over Lua 5.1's C API (`mlua::ffi`, the crate's bindings
//! to the Lua it builds from bundled source): the few stack operations
//! the engine and the libraries (`cjson`, `cmsgpack`, `bit`, `struct`)
//! share.
//!
//! The libraries are C API functions, as Redis's are, so that their
//! errors are Lua strings with the caller's position (`luaL_error`), and
//! `pcall` in a script sees exactly what it sees in Redis.
//!
//! Raising a Lua error is a `longjmp` over the Rust frames between the
//! raise and the `lua_pcall` that catches it: a function that may raise
//! holds no value with a destructor at that point. [`raise`] and
//! [`guard`] take care of the message itself.

use std::ffi::{c_int, CStr};

pub use mlua::ffi;
pub use mlua::ffi::lua_State;

/// A Lua C function.
pub type CFn = unsafe extern "C-unwind" fn(*mut lua_State) -> c_int;

/// Raises `msg` as a Lua error prefixed with the position of the Lua code
/// that called the running C function ("user_script:1: "), as
/// `luaL_error` does. `msg` is dropped before the jump.
///
/// # Safety
/// `l` is a live state inside a C function called by Lua; the caller's
/// frames hold nothing that needs dropping.
pub unsafe fn raise(l: *mut lua_State, msg: String) -> ! {
    // The function's values are abandoned anyway: room for the message
    // even when the stack is full (Lua's API checks are on in this build).
    ffi::lua_settop(l, 0);
    ffi::luaL_where(l, 1);
    push_bytes(l, msg.as_bytes());
    drop(msg);
    ffi::lua_concat(l, 2);
    ffi::lua_error(l)
}

/// Runs `f` (the body of a C function) and turns its `Err` into a Lua
/// error raised with [`raise`], after `f`'s own values are gone. `Ok(n)`
/// is the number of results `f` pushed.
///
/// # Safety
/// As for [`raise`].
pub unsafe fn guard(
    l: *mut lua_State,
    f: impl FnOnce(*mut lua_State) -> Result<c_int, String>,
) -> c_int {
    match f(l) {
        Ok(n) => n,
        Err(msg) => raise(l, msg),
    }
}

/// Pushes `b` as a Lua string (binary-safe).
///
/// # Safety
/// `l` is a live state with room on its stack.
pub unsafe fn push_bytes(l: *mut lua_State, b: &[u8]) {
    ffi::lua_pushlstring(l, b.as_ptr().cast(), b.len());
}

/// The string (or number, converted in place as Lua does) at `idx`, if
/// it is one.
///
/// # Safety
/// `l` is a live state; the slice lives as long as the value stays on the
/// stack.
pub unsafe fn to_bytes<'a>(l: *mut lua_State, idx: c_int) -> Option<&'a [u8]> {
    let mut len = 0usize;
    let p = ffi::lua_tolstring(l, idx, &mut len);
    if p.is_null() {
        None
    } else {
        Some(std::slice::from_raw_parts(p.cast::<u8>(), len))
    }
}

/// The string argument `arg`, or Lua's "bad argument" error
/// (`luaL_checklstring`).
///
/// # Safety
/// As for [`raise`]: this may raise.
pub unsafe fn check_bytes<'a>(l: *mut lua_State, arg: c_int) -> &'a [u8] {
    let mut len = 0usize;
    let p = ffi::luaL_checklstring(l, arg, &mut len);
    std::slice::from_raw_parts(p.cast::<u8>(), len)
}

/// Creates a table of `fns` and leaves it on the stack.
///
/// # Safety
/// `l` is a live state (not inside a C function that must not raise: a
/// memory error raises).
pub unsafe fn new_lib(l: *mut lua_State, fns: &[(&CStr, CFn)]) {
    ffi::lua_createtable(l, 0, fns.len() as c_int);
    for (name, f) in fns {
        ffi::lua_pushcfunction(l, *f);
        ffi::lua_setfield(l, -2, name.as_ptr());
    }
}

/// Pushes `items` as a Lua array of strings (KEYS, ARGV, a function's
/// two arguments).
///
/// # Safety
/// `l` is live, inside a protected call (this allocates and may raise).
pub unsafe fn push_list(l: *mut lua_State, items: &[bytes::Bytes]) {
    ffi::lua_createtable(l, items.len() as c_int, 0);
    for (j, item) in items.iter().enumerate() {
        push_bytes(l, item);
        ffi::lua_rawseti(l, -2, j as ffi::lua_Integer + 1);
    }
}
