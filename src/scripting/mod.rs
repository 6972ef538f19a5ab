//! Lua scripting: EVAL and FUNCTION scripts run in one Lua 5.1
//! interpreter owned by the loop (the `mlua` crate builds Lua 5.1 from
//! its bundled source; the engine uses its C API bindings directly, as
//! Redis uses Lua's).

// The engine and its libraries are Lua C API code.
#![allow(unsafe_code)]

pub mod libs;
pub mod luaapi;
