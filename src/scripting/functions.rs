//! FUNCTION libraries (not written yet: the types the engine names).

use std::ffi::c_int;

use bytes::Bytes;

use super::interp::Interp;
use super::luaapi::{ffi, lua_State, push_bytes};

/// The loaded function libraries.
#[derive(Default)]
pub struct Library {}

impl Library {
    /// Compiles every library again into a new interpreter.
    pub fn reload(&mut self, _interp: &mut Interp) {}
}

/// A FUNCTION LOAD in progress: what `redis.register_function` collects.
pub struct Loading {}

/// Pushes a function's two arguments, the keys and the arguments tables,
/// in a protected call.
///
/// # Safety
/// `l` is live, outside any C function.
pub unsafe fn push_keys_args(
    l: *mut lua_State,
    keys: &[Bytes],
    args: &[Bytes],
) -> Result<(), String> {
    unsafe extern "C-unwind" fn build(l: *mut lua_State) -> c_int {
        for i in [1, 2] {
            let v = &*(ffi::lua_touserdata(l, i) as *const &[Bytes]);
            ffi::lua_createtable(l, v.len() as c_int, 0);
            for (j, item) in v.iter().enumerate() {
                push_bytes(l, item);
                ffi::lua_rawseti(l, -2, j as ffi::lua_Integer + 1);
            }
        }
        2
    }
    ffi::lua_pushcfunction(l, build);
    ffi::lua_pushlightuserdata(l, (&keys as *const &[Bytes]).cast_mut().cast());
    ffi::lua_pushlightuserdata(l, (&args as *const &[Bytes]).cast_mut().cast());
    if ffi::lua_pcall(l, 2, 2, 0) != 0 {
        ffi::lua_pop(l, 1);
        return Err("ERR not enough memory".into());
    }
    Ok(())
}

/// `redis.register_function`: only while a library loads.
///
/// # Safety
/// Called by Lua.
pub unsafe extern "C-unwind" fn register_function(l: *mut lua_State) -> c_int {
    ffi::lua_createtable(l, 0, 1);
    push_bytes(
        l,
        b"ERR redis.register_function can only be called on FUNCTION LOAD command",
    );
    ffi::lua_setfield(l, -2, c"err".as_ptr());
    ffi::lua_error(l)
}
