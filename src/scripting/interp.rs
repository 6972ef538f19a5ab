//! The interpreter: one Lua 5.1 state, set up as Redis 7.0 sets up its
//! own, and the two things done with it: compiling a script body into a
//! function kept in the registry, and calling such a function with the
//! script's `KEYS` and `ARGV`.
//!
//! # The sandbox
//! Lua's base library (less `loadfile`, `dofile`, `print` and, as
//! Debian's patched Redis, `getfenv`, `setfenv`, `newproxy`), `table`,
//! `string`, `math`, `coroutine` and our `cjson`, `cmsgpack`, `bit`,
//! `struct` and `redis`. Redis patches Lua to make tables read-only; the
//! stock Lua built here has no such flag, so each protected table is an
//! empty proxy whose metatable reads through to the real table and refuses
//! writes ("Attempt to modify a readonly table"). The thread's global
//! table is such a proxy too, so functions made by `loadstring` see the
//! same protection; reading a global that does not exist raises "Script
//! attempted to access nonexistent global variable". The base functions
//! that reach into a table (`rawget`, `rawset`, `next`, `pairs`, `ipairs`,
//! `getmetatable`, `setmetatable`, `table.insert`) are C wrappers that see
//! through a proxy or refuse to modify it, so a script sees what it sees
//! in Redis (see docs/scripting.md, "Conversions and sandbox").
//!
//! Memory is counted by our allocator and limited to [`LUA_MEMORY_LIMIT`]:
//! a script that exhausts it gets Lua's "not enough memory" error.

use std::ffi::{c_int, c_void, CStr};

use super::luaapi::{ffi, lua_State, push_bytes, to_bytes, CFn};

/// The most memory the interpreter may hold.
pub const LUA_MEMORY_LIMIT: usize = 512 << 20;

/// Lua's allocation counter, behind a stable address (the allocator's
/// user data).
struct Mem {
    used: usize,
    limit: usize,
}

/// The allocator: `realloc`/`free`, counted and limited. Refusing an
/// allocation makes Lua raise its memory error; shrinking never fails.
unsafe extern "C" fn alloc(
    ud: *mut c_void,
    ptr: *mut c_void,
    osize: usize,
    nsize: usize,
) -> *mut c_void {
    let mem = &mut *(ud as *mut Mem);
    let old = if ptr.is_null() { 0 } else { osize };
    if nsize == 0 {
        if !ptr.is_null() {
            libc::free(ptr);
            mem.used -= old;
        }
        return std::ptr::null_mut();
    }
    if nsize > old && mem.used + (nsize - old) > mem.limit {
        return std::ptr::null_mut();
    }
    let p = libc::realloc(ptr, nsize);
    if !p.is_null() {
        mem.used = mem.used - old + nsize;
    }
    p
}

/// Lua's panic function: an error outside any protected call. The engine
/// runs everything that may raise inside `lua_pcall`, so this would be a
/// bug; abort with a message rather than run on with a broken state.
unsafe extern "C-unwind" fn panic(l: *mut lua_State) -> c_int {
    let msg = to_bytes(l, -1)
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    log::error!("Lua panic (unprotected error): {msg}");
    std::process::abort()
}

/// `pcall` as Redis 7.0 replaces it: as Lua's, except that an error that
/// is a table with a string `err` is returned as that string (so errors
/// raised by `redis.call` read as text).
unsafe extern "C-unwind" fn pcall(l: *mut lua_State) -> c_int {
    let argc = ffi::lua_gettop(l);
    if argc == 0 {
        // Redis's pcall calls its own placeholder then (it checks no
        // argument): false and Lua's message for calling a boolean.
        ffi::lua_pushboolean(l, 0);
        ffi::lua_pushstring(l, c"attempt to call a boolean value".as_ptr());
        return 2;
    }
    ffi::lua_pushboolean(l, 1);
    ffi::lua_insert(l, 1);
    if ffi::lua_pcall(l, argc - 1, ffi::LUA_MULTRET, 0) != 0 {
        ffi::lua_remove(l, 1);
        if ffi::lua_type(l, -1) == ffi::LUA_TTABLE {
            ffi::lua_getfield(l, -1, c"err".as_ptr());
            if ffi::lua_isstring(l, -1) != 0 {
                ffi::lua_replace(l, -2);
            } else {
                ffi::lua_pop(l, 1);
            }
        }
        ffi::lua_pushboolean(l, 0);
        ffi::lua_insert(l, 1);
    }
    ffi::lua_gettop(l)
}

/// Set up once, before the globals are protected: the error handler
/// Redis installs (it records where an error happened, and turns a
/// string error into a table with `err`), and the protection helpers.
/// Returns the handler, `protect` and the global-table proxy maker.
const SETUP: &str = r#"
local dbg_getinfo = debug.getinfo
local error, type, tostring = error, type, tostring
local raw_setmetatable = setmetatable
local handler = function(err)
  -- Where the error happened, as Redis reports it: the caller of a C
  -- function that raised (and of this chunk's helpers, which stand in
  -- for Redis's C protections).
  local level = 2
  local i = dbg_getinfo(level, 'nSl')
  while i and (i.what == 'C' or i.source == '=setup') do
    level = level + 1
    i = dbg_getinfo(level, 'nSl')
  end
  if type(err) ~= 'table' then
    err = {err = 'ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
-- Each proxy and the real table behind it; what getmetatable shows for
-- a proxy (nil for a library, a protected view for the globals') or
-- for a real metatable (the strings').
local readonly = raw_setmetatable({}, {__mode = 'k'})
local visible = raw_setmetatable({}, {__mode = 'k'})
local function refuse() error('Attempt to modify a readonly table', 2) end
local function protect(t)
  local p = raw_setmetatable({}, {__index = t, __newindex = refuse})
  readonly[p] = t
  return p
end
local function missing(_, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end
local string_mt = getmetatable('')
visible[string_mt] = protect(string_mt)
-- `load`'s reader, wrapped: a binary first piece is read as text.
local byte = string.byte
local function text_reader(f)
  local first = true
  return function()
    local piece = f()
    if first then
      first = false
      if type(piece) == 'string' and byte(piece, 1) == 27 then return ' ' .. piece end
    end
    return piece
  end
end
local function globals(g)
  local mt = {__index = missing}
  raw_setmetatable(g, mt)
  local p = protect(g)
  visible[p] = protect(mt)
  return p
end
return handler, protect, globals, readonly, visible, text_reader
"#;

/// Replaces the base functions that reach a table's contents or
/// metatable with C closures that see through the read-only proxies (as
/// scripts see Redis's read-only tables themselves), refuse to modify
/// them, and compile binary chunks as text (Redis's Lua does; loading
/// bytecode is a way out of any sandbox).
///
/// Each wrapper calls the original C function directly, in its own
/// frame, so argument errors name the caller's function and line as
/// the originals do. Upvalues: 1 the wrapper's own (see each), 2 the
/// original function, 3 the proxy-to-table map.
///
/// # Safety
/// The setup chunk's results are on the stack: `readonly`, `visible`
/// and the reader wrapper at -3, -2, -1; the globals are the real table.
unsafe fn install_wrappers(l: *mut lua_State) {
    let top = ffi::lua_gettop(l);
    let (readonly, visible, reader) = (top - 2, top - 1, top);
    // Pushes a closure of `f` over (up1 or nil, the original `owner.name`,
    // readonly).
    let closure = |owner: Option<&CStr>, name: &CStr, f: CFn, up1: c_int| {
        match owner {
            Some(t) => {
                ffi::lua_getfield(l, ffi::LUA_GLOBALSINDEX, t.as_ptr());
                ffi::lua_getfield(l, -1, name.as_ptr());
                ffi::lua_remove(l, -2);
            }
            None => {
                ffi::lua_getfield(l, ffi::LUA_GLOBALSINDEX, name.as_ptr());
            }
        }
        let orig = ffi::lua_tocfunction(l, -1).expect("a C function of Lua's libraries");
        ffi::lua_pop(l, 1);
        closure_over(l, f, orig, up1, readonly);
    };
    let set = |owner: Option<&CStr>, name: &CStr| match owner {
        Some(t) => {
            ffi::lua_getfield(l, ffi::LUA_GLOBALSINDEX, t.as_ptr());
            ffi::lua_insert(l, -2);
            ffi::lua_setfield(l, -2, name.as_ptr());
            ffi::lua_pop(l, 1);
        }
        None => ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, name.as_ptr()),
    };
    for (owner, name, f) in [
        (None, c"rawset", guard as CFn),
        (None, c"setmetatable", guard),
        (Some(c"table"), c"insert", guard),
        (None, c"rawget", through),
    ] {
        closure(owner, name, f, 0);
        set(owner, name);
    }
    for (name, f, up1) in [
        (c"getmetatable", get_metatable as CFn, visible),
        (c"loadstring", load_string, 0),
        (c"load", load, reader),
    ] {
        closure(None, name, f, up1);
        set(None, name);
    }
    // `pairs` returns its own `next` (a closure apart from the global
    // one, as in Lua); both see through proxies.
    closure(None, c"next", through, 0);
    let next = ffi::lua_gettop(l);
    closure(None, c"pairs", same, next);
    set(None, c"pairs");
    closure(None, c"next", through, 0);
    set(None, c"next");
    ffi::lua_remove(l, next);
    // `ipairs` returns its iterator, Lua's hidden `ipairsaux`: found by
    // calling `ipairs` once.
    ffi::lua_getfield(l, ffi::LUA_GLOBALSINDEX, c"ipairs".as_ptr());
    ffi::lua_createtable(l, 0, 0);
    ffi::lua_call(l, 1, 3);
    let aux = ffi::lua_tocfunction(l, -3).expect("ipairs returns a C iterator");
    ffi::lua_pop(l, 3);
    closure_over(l, through, aux, 0, readonly);
    let aux = ffi::lua_gettop(l);
    closure(None, c"ipairs", same, aux);
    ffi::lua_remove(l, aux);
    set(None, c"ipairs");
}

/// Pushes a closure of `f` over (the value at `up1`, or nil if 0;
/// `orig`; the value at `readonly`).
unsafe fn closure_over(l: *mut lua_State, f: CFn, orig: CFn, up1: c_int, readonly: c_int) {
    if up1 == 0 {
        ffi::lua_pushnil(l);
    } else {
        ffi::lua_pushvalue(l, up1);
    }
    ffi::lua_pushlightuserdata(l, orig as *mut c_void);
    ffi::lua_pushvalue(l, readonly);
    ffi::lua_pushcclosure(l, f, 3);
}

/// The wrapped original function (upvalue 2).
unsafe fn original(l: *mut lua_State) -> CFn {
    let p = ffi::lua_touserdata(l, ffi::lua_upvalueindex(2));
    // SAFETY: stored by `closure_over` from a C function pointer.
    std::mem::transmute::<*mut c_void, CFn>(p)
}

/// Pushes the real table behind the proxy at `idx` and returns true, if
/// it is a proxy (else pushes nothing).
unsafe fn push_real(l: *mut lua_State, idx: c_int) -> bool {
    if ffi::lua_type(l, idx) != ffi::LUA_TTABLE {
        return false;
    }
    ffi::lua_pushvalue(l, idx);
    ffi::lua_rawget(l, ffi::lua_upvalueindex(3));
    if ffi::lua_type(l, -1) == ffi::LUA_TTABLE {
        true
    } else {
        ffi::lua_pop(l, 1);
        false
    }
}

/// `rawget`, `next` and `ipairs`'s iterator: on the real table.
unsafe extern "C-unwind" fn through(l: *mut lua_State) -> c_int {
    if push_real(l, 1) {
        ffi::lua_replace(l, 1);
    }
    original(l)(l)
}

/// `rawset`, `setmetatable`, `table.insert`: refused on a proxy, with
/// Redis's text (no position: Redis raises it inside the C function).
unsafe extern "C-unwind" fn guard(l: *mut lua_State) -> c_int {
    if push_real(l, 1) {
        ffi::lua_settop(l, 0);
        ffi::lua_pushstring(l, c"Attempt to modify a readonly table".as_ptr());
        ffi::lua_error(l);
    }
    original(l)(l)
}

/// `pairs` and `ipairs` themselves: upvalue 1 is their iterator.
unsafe extern "C-unwind" fn same(l: *mut lua_State) -> c_int {
    original(l)(l)
}

/// `getmetatable`: for a proxy, what Redis's read-only table shows (nil
/// for a library); for a value whose metatable is protected (strings),
/// the protected view.
unsafe extern "C-unwind" fn get_metatable(l: *mut lua_State) -> c_int {
    if ffi::lua_gettop(l) >= 1 {
        if push_real(l, 1) {
            ffi::lua_pop(l, 1);
            ffi::lua_pushvalue(l, 1);
            ffi::lua_rawget(l, ffi::lua_upvalueindex(1));
            return 1;
        }
        if ffi::lua_getmetatable(l, 1) != 0 {
            ffi::lua_rawget(l, ffi::lua_upvalueindex(1));
            if ffi::lua_type(l, -1) != ffi::LUA_TNIL {
                return 1;
            }
            ffi::lua_pop(l, 1);
        }
    }
    original(l)(l)
}

/// `loadstring(s [, name])`: a binary chunk is compiled as text (with a
/// space in front, which gives Lua's very error for its first byte),
/// under its own name.
unsafe extern "C-unwind" fn load_string(l: *mut lua_State) -> c_int {
    if ffi::lua_type(l, 1) == ffi::LUA_TSTRING
        && to_bytes(l, 1).and_then(<[u8]>::first) == Some(&27)
    {
        let name = if ffi::lua_type(l, 2) <= ffi::LUA_TNIL {
            ffi::lua_tolstring(l, 1, std::ptr::null_mut())
        } else {
            ffi::luaL_checklstring(l, 2, std::ptr::null_mut())
        };
        ffi::lua_pushstring(l, c" ".as_ptr());
        ffi::lua_pushvalue(l, 1);
        ffi::lua_concat(l, 2);
        let text = to_bytes(l, -1).unwrap_or_default();
        if ffi::luaL_loadbuffer(l, text.as_ptr().cast(), text.len(), name) == 0 {
            return 1;
        }
        ffi::lua_pushnil(l);
        ffi::lua_insert(l, -2);
        return 2;
    }
    original(l)(l)
}

/// `load(f [, name])`: the reader goes through the setup chunk's
/// wrapper (upvalue 1), which reads a binary first piece as text.
unsafe extern "C-unwind" fn load(l: *mut lua_State) -> c_int {
    if ffi::lua_type(l, 1) == ffi::LUA_TFUNCTION {
        ffi::lua_pushvalue(l, ffi::lua_upvalueindex(1));
        ffi::lua_pushvalue(l, 1);
        ffi::lua_call(l, 1, 1);
        ffi::lua_replace(l, 1);
    }
    original(l)(l)
}

/// Globals removed from the base library, as Redis (and Debian's
/// security patches) remove them.
const REMOVED: [&CStr; 7] = [
    c"loadfile",
    c"dofile",
    c"print",
    c"getfenv",
    c"setfenv",
    c"newproxy",
    c"debug",
];

/// Library tables made read-only.
const PROTECTED: [&CStr; 9] = [
    c"string",
    c"table",
    c"math",
    c"coroutine",
    c"cjson",
    c"cmsgpack",
    c"bit",
    c"struct",
    c"redis",
];

/// A call raised an error (its value is at the top of the stack).
#[derive(Debug)]
pub struct Raised;

/// One Lua state and what it needs to live.
pub struct Interp {
    l: *mut lua_State,
    mem: Box<Mem>,
    /// Registry reference of the error handler.
    handler: c_int,
    /// The real global table (the thread's globals are its proxy).
    globals: c_int,
}

impl Interp {
    /// A new interpreter. `redis` pushes the `redis` table (the engine's
    /// C functions) onto the stack it is given.
    pub fn new(redis: impl FnOnce(*mut lua_State)) -> Interp {
        let mut mem = Box::new(Mem {
            used: 0,
            limit: LUA_MEMORY_LIMIT,
        });
        // SAFETY: a fresh state; every call below runs before any script,
        // with the stack room Lua guarantees (LUA_MINSTACK).
        unsafe {
            let l = ffi::lua_newstate(alloc, (&mut *mem as *mut Mem).cast());
            assert!(!l.is_null(), "cannot create the Lua interpreter");
            ffi::lua_atpanic(l, panic);
            let libs: [super::luaapi::CFn; 5] = [
                ffi::luaopen_base,
                ffi::luaopen_table,
                ffi::luaopen_string,
                ffi::luaopen_math,
                ffi::luaopen_debug,
            ];
            for open in libs {
                ffi::lua_pushcfunction(l, open);
                ffi::lua_call(l, 0, 0);
            }
            super::libs::open_all(l);
            // Redis's pcall: an error table with `err` reaches the script
            // as that string.
            ffi::lua_pushcfunction(l, pcall);
            ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"pcall".as_ptr());
            redis(l);
            ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"redis".as_ptr());
            let status =
                ffi::luaL_loadbuffer(l, SETUP.as_ptr().cast(), SETUP.len(), c"=setup".as_ptr());
            assert_eq!(status, 0, "the scripting setup chunk compiles");
            ffi::lua_call(l, 0, 6);
            // Stack: handler, protect, globals, readonly, visible, reader.
            install_wrappers(l);
            ffi::lua_pop(l, 3);
            // Stack: handler, protect, globals.
            ffi::lua_pushvalue(l, -3);
            let handler = ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX);
            // Scripts see the handler as Redis's global of that name.
            ffi::lua_pushvalue(l, -3);
            ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"__redis__err__handler".as_ptr());
            for name in REMOVED {
                ffi::lua_pushnil(l);
                ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, name.as_ptr());
            }
            for name in PROTECTED {
                ffi::lua_pushvalue(l, -2);
                ffi::lua_getfield(l, ffi::LUA_GLOBALSINDEX, name.as_ptr());
                ffi::lua_call(l, 1, 1);
                ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, name.as_ptr());
            }
            // Strings' methods read through the protected `string`.
            push_bytes(l, b"");
            ffi::lua_getmetatable(l, -1);
            ffi::lua_getfield(l, ffi::LUA_GLOBALSINDEX, c"string".as_ptr());
            ffi::lua_setfield(l, -2, c"__index".as_ptr());
            ffi::lua_pop(l, 2);
            // The real globals, kept for KEYS and ARGV; then the proxy
            // becomes the thread's global table (and `_G`).
            ffi::lua_pushvalue(l, ffi::LUA_GLOBALSINDEX);
            let globals = ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX);
            ffi::lua_pushvalue(l, ffi::LUA_GLOBALSINDEX);
            ffi::lua_call(l, 1, 1);
            ffi::lua_pushvalue(l, -1);
            ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"_G".as_ptr());
            ffi::lua_replace(l, ffi::LUA_GLOBALSINDEX);
            ffi::lua_settop(l, 0);
            Interp {
                l,
                mem,
                handler,
                globals,
            }
        }
    }

    /// The raw state, for the engine's calls.
    pub fn state(&self) -> *mut lua_State {
        self.l
    }

    /// Bytes the interpreter holds (INFO's `used_memory_lua`).
    pub fn used_memory(&self) -> usize {
        self.mem.used
    }

    /// Compiles `body` as a chunk named `name` ("@user_script"), keeping
    /// the function in the registry. Returns its reference, or Lua's
    /// message.
    pub fn compile(&mut self, body: &[u8], name: &CStr) -> Result<c_int, String> {
        // SAFETY: loadbuffer is protected; the stack is left as found.
        unsafe {
            let l = self.l;
            // A binary chunk is compiled as text, as Redis's Lua does
            // (see `loadstring` in the setup chunk).
            let spaced;
            let body = if body.first() == Some(&27) {
                spaced = [&b" "[..], body].concat();
                &spaced[..]
            } else {
                body
            };
            let status = ffi::luaL_loadbuffer(l, body.as_ptr().cast(), body.len(), name.as_ptr());
            if status != 0 {
                let msg = to_bytes(l, -1).map(|b| String::from_utf8_lossy(b).into_owned());
                ffi::lua_pop(l, 1);
                return Err(msg.unwrap_or_else(|| "unknown error".into()));
            }
            // Keeping it may allocate (the registry grows): protected too,
            // since an unprotected memory error would abort.
            unsafe extern "C-unwind" fn keep(l: *mut lua_State) -> c_int {
                let slot = ffi::lua_touserdata(l, 1) as *mut c_int;
                ffi::lua_pushvalue(l, 2);
                *slot = ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX);
                0
            }
            let mut slot: c_int = ffi::LUA_NOREF;
            ffi::lua_pushcfunction(l, keep);
            ffi::lua_pushlightuserdata(l, (&mut slot as *mut c_int).cast());
            ffi::lua_pushvalue(l, -3);
            let status = ffi::lua_pcall(l, 2, 0, 0);
            if status != 0 {
                // The error message, then the function.
                ffi::lua_pop(l, 2);
                return Err("not enough memory".into());
            }
            ffi::lua_pop(l, 1);
            Ok(slot)
        }
    }

    /// A full garbage collection: after a script failed (perhaps for
    /// memory), what it left is reclaimed before anything else allocates.
    pub fn collect(&mut self) {
        // SAFETY: collection frees; finalizers of our userdata raise
        // nothing.
        unsafe {
            ffi::lua_gc(self.l, ffi::LUA_GCCOLLECT, 0);
        }
    }

    /// Forgets a compiled function.
    pub fn release(&mut self, func: c_int) {
        // SAFETY: unref neither allocates nor raises.
        unsafe { ffi::luaL_unref(self.l, ffi::LUA_REGISTRYINDEX, func) }
    }

    /// Sets the globals `KEYS` and `ARGV` (in the real table, past the
    /// protection), as Redis does before running a script.
    pub fn set_keys_argv(
        &mut self,
        keys: &[bytes::Bytes],
        argv: &[bytes::Bytes],
    ) -> Result<(), String> {
        unsafe extern "C-unwind" fn set(l: *mut lua_State) -> c_int {
            // Arguments: globals, KEYS and ARGV as light pointers to
            // the caller's slices (alive for the protected call).
            for (i, name) in [(2, c"KEYS"), (3, c"ARGV")] {
                let v = &*(ffi::lua_touserdata(l, i) as *const &[bytes::Bytes]);
                super::luaapi::push_list(l, v);
                ffi::lua_setfield(l, 1, name.as_ptr());
            }
            0
        }
        // SAFETY: the table building runs protected (a memory error is
        // caught); the pointers outlive the call.
        unsafe {
            let l = self.l;
            ffi::lua_pushcfunction(l, set);
            ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, self.globals as ffi::lua_Integer);
            ffi::lua_pushlightuserdata(l, (&keys as *const &[bytes::Bytes]).cast_mut().cast());
            ffi::lua_pushlightuserdata(l, (&argv as *const &[bytes::Bytes]).cast_mut().cast());
            if ffi::lua_pcall(l, 3, 0, 0) != 0 {
                ffi::lua_pop(l, 1);
                return Err("ERR not enough memory to set KEYS and ARGV".into());
            }
        }
        Ok(())
    }

    /// Calls the compiled function `func` with `nargs` arguments already
    /// pushed, through the error handler. On return the stack holds one
    /// value: the function's first result (`Ok`), or its error (`Err`:
    /// a table from the handler, or a string for a memory error).
    pub fn call(&mut self, func: c_int, nargs: c_int) -> Result<(), Raised> {
        // SAFETY: rawgeti and insert do not raise; the call is protected.
        unsafe {
            let l = self.l;
            let base = ffi::lua_gettop(l) - nargs;
            ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, self.handler as ffi::lua_Integer);
            ffi::lua_insert(l, base + 1);
            ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, func as ffi::lua_Integer);
            ffi::lua_insert(l, base + 2);
            let status = ffi::lua_pcall(l, nargs, 1, base + 1);
            // Drop the handler, keep the result.
            ffi::lua_remove(l, base + 1);
            if status == 0 {
                Ok(())
            } else {
                Err(Raised)
            }
        }
    }

    /// Points the thread's global table at `table` (a registry
    /// reference), or back at the real globals with `None`. FUNCTION LOAD
    /// runs library code against a table holding only what loading may
    /// use, as Redis 7.0 swaps the globals' `__index`.
    pub fn set_globals_index(&mut self, table: Option<c_int>) {
        // SAFETY: the proxy always has its metatable; rawgeti and rawset
        // on it do not raise.
        unsafe {
            let l = self.l;
            ffi::lua_getmetatable(l, ffi::LUA_GLOBALSINDEX);
            push_bytes(l, b"__index");
            let r = table.unwrap_or(self.globals);
            ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, r as ffi::lua_Integer);
            ffi::lua_rawset(l, -3);
            ffi::lua_pop(l, 1);
        }
    }

    /// A step of garbage collection (Redis does one every 50 scripts).
    pub fn gc_step(&mut self) {
        // SAFETY: a GC step is not a protected call but raises nothing
        // (finalizers of plain tables do not run).
        unsafe {
            ffi::lua_gc(self.l, ffi::LUA_GCSTEP, 1);
        }
    }
}

impl Drop for Interp {
    fn drop(&mut self) {
        // SAFETY: the state is ours and no call is running.
        unsafe { ffi::lua_close(self.l) }
    }
}
