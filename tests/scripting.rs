//! EVAL scripts against redis-server 7.0: the same EVAL, EVALSHA and
//! SCRIPT commands go to both servers and the replies must be identical
//! bytes, in RESP2 and RESP3. Covers the conversions both ways (a script's
//! result to the caller's reply, a command's reply to the script's
//! value), the sandbox (which globals exist, what refuses writes), the
//! `redis` table's functions and their argument errors, error texts,
//! shebangs, `math.random` after seeding and the libraries reached from
//! EVAL. Skipped when redis-server is missing.

use crate::differential::Pair;
use crate::util::*;

/// Switches both connections to `proto` (HELLO's reply names each
/// server, so it is not compared).
fn hello(p: &mut Pair, proto: &str) {
    for c in [&mut p.cin, &mut p.red] {
        let r = c.cmd(&["HELLO", proto]);
        assert!(!r.starts_with(b"-"), "HELLO {proto}: {}", show(&r));
    }
}

/// `EVAL script 0` on both, for each script.
#[track_caller]
fn evals(p: &mut Pair, scripts: &[&str]) {
    for s in scripts {
        p.check(&[b"EVAL", s.as_bytes(), b"0"]);
    }
}

/// Each script in RESP2, then again in RESP3.
#[track_caller]
fn evals_both_protocols(p: &mut Pair, scripts: &[&str]) {
    evals(p, scripts);
    hello(p, "3");
    evals(p, scripts);
    hello(p, "2");
}

/// Lua values returned by a script, as replies.
const LUA_TO_RESP: &[&str] = &[
    "return 1",
    "return 3.99",
    "return -3.99",
    "return -0.5",
    "return {-0.5, 0.5, -1.5, 2.5}",
    "return 2^53+1",
    "return -2^63",
    // Out of range and NaN: C's cast gives the minimum integer.
    "return 1e300",
    "return -1e300",
    "return 2^63",
    "return 0/0",
    "return 1/0",
    "return -1/0",
    "return math.huge",
    "return 'a\\0b\\r\\n'",
    "return ''",
    "return true",
    "return false",
    "return nil",
    "return {1,2,nil,4}",
    "return {[1]=1,[2]=2,[4]=4}",
    "return {1,{2,{3,'x'}},false,true}",
    "return {1,2,err='x'}",
    "return function() end",
    "return {function() end, 1}",
    "return coroutine.create(function() end)",
    "return {ok='fine'}",
    "return {ok='a\\nb\\r'}",
    "return {ok='a\\0b'}",
    "return {ok=''}",
    "return {ok=1}",
    "return {err='bad\\nthing'}",
    "return {err='NOCODE'}",
    "return {err=''}",
    "return {err=1}",
    "return {err='a\\0b'}",
    "return {err='x\\r\\n'}",
    "return {err='\\nx'}",
    "return {err='-x'}",
    "return {ok='x',err='y'}",
    "return {double=3.5}",
    "return {double=-0.0}",
    "return {double=1e300}",
    "return {double=0.1}",
    "return {double=0/0}",
    "return {double=-(0/0)}",
    "return {double=1/0}",
    "return {double=-1/0}",
    "return {double='x'}",
    "return {double=1,ok='y'}",
    "return {big_number='123'}",
    "return {big_number='12\\n34'}",
    "return {big_number='12\\0a34'}",
    "return {big_number=123}",
    "return {verbatim_string={format='txt',string='hi'}}",
    "return {verbatim_string={format='txtx',string='hi'}}",
    "return {verbatim_string={format='t',string='hi'}}",
    "return {verbatim_string={format='t\\0x',string='h\\0i'}}",
    "return {verbatim_string={string='hi'}}",
    "return {verbatim_string={format=1,string='hi'}}",
    "return {map={a=1}}",
    "return {map={[1]=2}}",
    "return {map={a={b={1,2}}}}",
    "return {map={}}",
    "return {map=1}",
    "return {set={a=true}}",
    "return {set={a=1, b=false}}",
    "return {set=1}",
    "local t = {} for i = 1, 20 do t['k' .. i] = i end return {map=t}",
    "local t = {} for i = 1, 20 do t['k' .. i] = true end return {set=t}",
    // Recursive tables: nested until Lua's stack limit.
    "local t={} t[1]=t return t",
    "local t={} t[1]=t t[2]=5 return t",
    "local t={} t.x=t return {map=t}",
    "local t={} t.x=t return {map={a=t}}",
    "local t={} t[1]={set={[t]=true}} return t",
    "local t={} t[1]={map={k=t}} return t",
    "local t={} t[1]={map={[t]=1}} return t",
];

/// After `redis.setresp(3)`: booleans, maps, sets, doubles... in RESP3
/// form (and their RESP2 forms for a RESP2 caller).
const LUA_TO_RESP_SETRESP3: &[&str] = &[
    "return redis.setresp(3)",
    "redis.setresp(3) return true",
    "redis.setresp(3) return false",
    "redis.setresp(3) return {true, false, nil, 1}",
    "redis.setresp(3) return nil",
    "redis.setresp(3) return {1,nil,2}",
    "redis.setresp(3) return {double=3.5}",
    "redis.setresp(3) return {map={a=1}}",
    "redis.setresp(3) return {map={a=true, b=false}}",
    "redis.setresp(3) return {set={a=1}}",
    "redis.setresp(3) return {big_number='12345678901234567890'}",
    "redis.setresp(3) return {verbatim_string={format='txt',string='hi'}}",
    "redis.setresp(3) redis.setresp(2) return false",
    "redis.setresp(2) return true",
];

/// Every Lua→RESP conversion, in RESP2 and RESP3.
#[test]
fn lua_values_convert_to_replies_as_in_redis() {
    // The recursive tables' replies nest 8000 deep: the test's reply
    // reader recurses that deep too.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let Some(mut p) = Pair::new() else { return };
            evals_both_protocols(&mut p, LUA_TO_RESP);
            evals_both_protocols(&mut p, LUA_TO_RESP_SETRESP3);
            // The server survived the recursive tables.
            p.check_str(&["PING"]);
        })
        .unwrap()
        .join()
        .unwrap();
}

/// Keys of every type the conversions below read.
const DATA: &[&[&str]] = &[
    &["SET", "s", "hello"],
    &["HSET", "h", "a", "1", "b", "2"],
    &["RPUSH", "l", "x", "y", "z"],
    &["ZADD", "z", "1.5", "a", "2", "b"],
    &["SADD", "set", "m1"],
    &["XADD", "st", "1-1", "f", "v", "g", "w"],
    &["XADD", "st", "2-1", "f", "v2"],
    &["SET", "big", "9223372036854775807"],
];

/// Command replies as the script sees them, printed back through the
/// reply conversion and through `cjson` (which shows types and nesting),
/// in both `redis.setresp` modes.
const RESP_TO_LUA: &[&str] = &[
    "return redis.call('GET','s')",
    "return type(redis.call('GET','nokey'))",
    "return tostring(redis.call('GET','nokey'))",
    "return redis.call('INCR','n')",
    "return type(redis.call('INCR','n'))",
    "return redis.call('HGETALL','h')",
    "return cjson.encode(redis.call('HGETALL','h'))",
    "return redis.call('ZSCORE','z','a')",
    "return type(redis.call('ZSCORE','z','a'))",
    "return redis.call('SET','x','1')",
    "local r = redis.call('SET','x','1') return type(r) .. ':' .. tostring(r.ok)",
    "return redis.call('PING')",
    "return redis.call('TYPE','s').ok",
    "return redis.pcall('INCR','s')",
    "local r = redis.pcall('INCR','s') return r.err",
    "local r = redis.pcall('INCR','s') local n=0 for k in pairs(r) do n=n+1 end return n",
    "local r = redis.pcall('NOSUCH') local n=0 for k in pairs(r) do n=n+1 end return n",
    "local r = redis.pcall() local n=0 for k in pairs(r) do n=n+1 end return {n, r.err}",
    "return cjson.encode(redis.call('XRANGE','st','-','+'))",
    "return redis.call('XRANGE','st','-','+')",
    "return cjson.encode(redis.call('XINFO','STREAM','st'))",
    "return redis.call('XREAD','STREAMS','st','0')",
    "return cjson.encode(redis.call('XREAD','STREAMS','st','0'))",
    "return redis.call('CONFIG','GET','maxmemory')",
    "return cjson.encode(redis.call('CONFIG','GET','maxmemory'))",
    "return cjson.encode(redis.call('LRANGE','l',0,-1))",
    "return redis.call('LPOS','l','nope')",
    "return type(redis.call('LPOS','l','nope'))",
    "return cjson.encode(redis.call('LPOS','l','nope'))",
    "return redis.call('MGET','s','nokey','s')",
    "return #redis.call('MGET','s','nokey','s')",
    "return #redis.call('MGET','nokey','s','nokey','nokey','s','nokey')",
    "return cjson.encode(redis.call('MGET','s','nokey'))",
    "return {redis.call('GET','nokey') == nil}",
    "return redis.call('EXISTS','s')",
    "return redis.call('SMEMBERS','set')",
    "return cjson.encode(redis.call('SMEMBERS','set'))",
    "return redis.call('ZRANGE','z',0,-1,'WITHSCORES')",
    "return cjson.encode(redis.call('ZRANGE','z',0,-1,'WITHSCORES'))",
    "return cjson.encode(redis.call('ZPOPMIN','nokey'))",
    "return redis.call('OBJECT','ENCODING','s')",
    "return redis.call('SCRIPT','EXISTS','abc')",
    "return redis.call('INCRBY','big',0)",
    "return redis.call('DECRBY','big',0) - 1",
    "return redis.call('ECHO', string.rep('x', 100000)) == string.rep('x', 100000)",
    // Every RESP3 type, and attributes (skipped).
    "return redis.call('DEBUG', 'PROTOCOL', 'attrib')",
    "return redis.call('DEBUG', 'PROTOCOL', 'bignum')",
    "return redis.call('DEBUG', 'PROTOCOL', 'verbatim')",
    "return cjson.encode(redis.call('DEBUG', 'PROTOCOL', 'verbatim'))",
    "local v = redis.call('DEBUG', 'PROTOCOL', 'verbatim') \
     return v.verbatim_string and {v.verbatim_string.format, v.verbatim_string.string}",
    "return redis.call('DEBUG', 'PROTOCOL', 'true')",
    "return redis.call('DEBUG', 'PROTOCOL', 'false')",
    "return redis.call('DEBUG', 'PROTOCOL', 'null')",
    "return redis.call('DEBUG', 'PROTOCOL', 'double')",
    "return redis.call('DEBUG', 'PROTOCOL', 'map')",
    "return redis.call('DEBUG', 'PROTOCOL', 'set')",
];

/// Every RESP→Lua conversion of `redis.call` replies, with the script in
/// RESP2 mode and after `redis.setresp(3)`, for RESP2 and RESP3 callers.
#[test]
fn command_replies_convert_to_lua_as_in_redis() {
    let Some(mut p) = Pair::new() else { return };
    for c in DATA {
        p.check_str(c);
    }
    let resp3: Vec<String> = RESP_TO_LUA
        .iter()
        .map(|s| format!("redis.setresp(3) {s}"))
        .collect();
    let resp3: Vec<&str> = resp3.iter().map(String::as_str).collect();
    evals_both_protocols(&mut p, RESP_TO_LUA);
    evals_both_protocols(&mut p, &resp3);
    // Numbers as command arguments: %.17g.
    evals(
        &mut p,
        &[
            "return redis.call('GET', 1.5)",
            "redis.call('SET','num',0.1) return redis.call('GET','num')",
            "redis.call('SET','num',1/3) return redis.call('GET','num')",
            "redis.call('SET','num',1e20) return redis.call('GET','num')",
            "redis.call('SET','num',-0.0) return redis.call('GET','num')",
            "redis.call('SET','num',2^63) return redis.call('GET','num')",
            "redis.call('SET','num',0/0) return redis.call('GET','num')",
            "redis.call('SET','num',1/0) return redis.call('GET','num')",
            "redis.call('SET','num',123456789012) return redis.call('GET','num')",
            "redis.call('SET','num',1e100) return redis.call('GET','num')",
            "redis.call('SET','num',-1e-300) return redis.call('GET','num')",
            "redis.call('SET','num',5e-324) return redis.call('GET','num')",
            "redis.call('SET','num',123.456) return redis.call('GET','num')",
            "redis.call('SET','num',-2^53) return redis.call('GET','num')",
        ],
    );
    // KEYS and ARGV, binary-safe.
    p.check(&[
        b"EVAL",
        b"return {KEYS[1], ARGV[1], ARGV[2], #KEYS, #ARGV}",
        b"1",
        b"a\0b",
        b"",
        b"c\r\nd",
    ]);
}

/// Names Redis 7.0 (Debian's build) leaves out of the sandbox, and a few
/// that never existed: reading any of them is an error on both.
const ABSENT_GLOBALS: &[&str] = &[
    "print", "dofile", "loadfile", "require", "module", "package", "os", "io", "debug", "getfenv",
    "setfenv", "newproxy", "jit", "utf8", "bit32", "nosuch",
];

/// The globals and library tables: every name Redis has is found (same
/// type) here, and the absent ones are absent with the same error.
#[test]
fn sandbox_has_the_globals_redis_has() {
    let Some(mut p) = Pair::new() else { return };
    // Redis's own list, found by iterating its tables.
    let names = |p: &mut Pair, table: &str| -> Vec<String> {
        let script =
            format!("local o={{}} for k in pairs({table}) do o[#o+1]=k end table.sort(o) return o");
        let v = parse_reply(&p.red.cmd(&["EVAL", &script, "0"]))
            .unwrap()
            .unwrap()
            .0;
        bulks(v)
            .into_iter()
            .map(|b| String::from_utf8(b).unwrap())
            .collect()
    };
    let globals = names(&mut p, "_G");
    assert!(globals.len() > 30, "{globals:?}");
    for g in &globals {
        evals(&mut p, &[&format!("return type({g})")]);
    }
    for lib in [
        "string",
        "table",
        "math",
        "coroutine",
        "cjson",
        "cmsgpack",
        "bit",
        "struct",
        "redis",
    ] {
        for name in names(&mut p, lib) {
            evals(&mut p, &[&format!("return type({lib}.{name})")]);
        }
        // Iterating a library table finds what Redis finds. (Not `redis`:
        // ours also holds `register_function`, see docs/scripting.md.)
        if lib != "redis" {
            evals(
                &mut p,
                &[&format!(
                    "local o={{}} for k, v in pairs({lib}) do o[#o+1]=k..type(v) end \
                     table.sort(o) return o"
                )],
            );
        }
    }
    for g in ABSENT_GLOBALS {
        evals(&mut p, &[&format!("return type({g})")]);
    }
    evals(
        &mut p,
        &[
            "local o={} for k, v in pairs(_G) do o[#o+1]=k..type(v) end table.sort(o) return o",
            "local n = 0 for k, v in ipairs(KEYS) do n = n + 1 end return n",
            "return type(next(_G))",
            "return type(next(string))",
            "return rawget(_G, 'redis') ~= nil",
            "return rawget(string, 'upper') ~= nil",
            "return rawget(_G, 'nosuch')",
            "return {rawequal(_G, _G), _G._G == _G}",
            "return #_G",
            "return table.getn(string)",
            "return unpack(string)",
            "return type(getmetatable(_G))",
            "return type(getmetatable(_G).__index)",
            "return getmetatable(_G).__newindex",
            "return type(getmetatable(string))",
            "return type(getmetatable(redis))",
            "return getmetatable('').__index == string",
            "return ('abc'):upper() .. ('x'):rep(3)",
            "return type(__redis__err__handler)",
            "return {pcall(pairs)}",
            "return {pcall(pairs, nil)}",
            "return {pcall(ipairs)}",
            "return {pcall(next)}",
            "return {pcall(rawget)}",
            "return {pcall(rawget, _G)}",
            "return {pcall(getmetatable)}",
            "pairs()",
            "ipairs(1)",
            "next()",
            "rawget()",
            "getmetatable()",
            "rawset()",
            "setmetatable()",
            "return pairs({}) == next",
        ],
    );
}

/// Writes to the global table, library tables and the strings'
/// metatable are refused, by every route, and nothing leaks from one
/// script to the next.
#[test]
fn sandbox_refuses_writes_as_redis() {
    let Some(mut p) = Pair::new() else { return };
    evals(
        &mut p,
        &[
            "x = 1",
            "_G.x = 1",
            "rawset(_G, 'x', 1)",
            "setmetatable(_G, {})",
            "string.foo = 1",
            "rawset(string, 'foo', 1)",
            "setmetatable(string, {})",
            "redis.foo = 1",
            "redis.call = nil",
            "cjson.x = 1",
            "cmsgpack.x = 1",
            "bit.x = 1",
            "struct.x = 1",
            "math.x = 1",
            "table.x = 1",
            "coroutine.x = 1",
            "ARGV = nil",
            "local ok, e = pcall(function() KEYS = {} end) return e",
            "KEYS[1] = 'x' return KEYS[1]",
            "loadstring('y = 1')()",
            "local ok, e = pcall(loadstring('x = 5')) return e",
            "local ok, e = pcall(loadstring('return undefined_g')) return e",
            "local ok, e = pcall(function() _G.y = 1 end) return e",
            "local ok, e = pcall(rawset, _G, 'y', 1) return e",
            "local ok, e = pcall(setmetatable, _G, nil) return e",
            "local ok, e = pcall(rawset, redis, 'y', 1) return e",
            "local ok, e = pcall(rawset, cjson, 'y', 1) return e",
            "local ok, e = pcall(function() table.insert = nil end) return e",
            "table.insert(_G, 1)",
            "table.insert(string, 'x')",
            "return {pcall(table.insert, _G, 1)}",
            "table.remove(redis)",
            "table.sort(math)",
            "table.setn(_G, 1)",
            "local t = {} table.insert(t, 1) table.insert(t, 1, 2) table.sort(t) \
             table.remove(t) return t",
            "getmetatable('').__index = nil",
            "getmetatable('').x = 1",
            "local mt = getmetatable('') mt.__index.upper = nil",
            "local mt = getmetatable(_G) mt.__newindex = nil x = 1 return x",
            "local mt = getmetatable(_G) mt.__index = nil",
            // Nothing above stuck.
            "return {#_G, #string, table.getn(redis), ('abc'):upper()}",
            "return type(x)",
            "return x",
            "return _G.x",
            "return y",
        ],
    );
}

/// Bytecode is compiled as text, as Redis's Lua does: by EVAL, by
/// `loadstring` and by `load`.
#[test]
fn binary_chunks_are_refused_as_in_redis() {
    let Some(mut p) = Pair::new() else { return };
    evals(
        &mut p,
        &[
            "return {loadstring(string.dump(function() return 1 end))}",
            "return select(2, loadstring(string.dump(function() return 1 end)))",
            "return select(2, loadstring(string.dump(function() end), 'named'))",
            "local s = string.dump(function() return 1 end) local done = false \
             return {load(function() if done then return nil end done = true return s end)}",
            "local s = string.dump(function() return 1 end) local done = false \
             return select(2, load(function() if done then return nil end done = true return s end))",
            "return {loadstring('\\27abc')}",
            "return select(2, loadstring('\\27abc', '=x'))",
            "return {loadstring('')}",
            "return {loadstring('return 1', 'name')}",
            "return select(2, loadstring('return +', '=name'))",
            "return {load(function() return nil end)}",
            "return type(string.dump(function() end))",
        ],
    );
    // A script body that is bytecode.
    let dump = p
        .cin
        .cmd(&["EVAL", "return string.dump(function() return 1 end)", "0"]);
    let body = &dump[dump.iter().position(|&b| b == b'\n').unwrap() + 1..dump.len() - 2];
    p.check(&[b"EVAL", body, b"0"]);
    p.check(&[b"EVAL", b"\x1bLua", b"0"]);
}

/// The `redis` table's functions and their argument errors.
#[test]
fn redis_functions_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["SET", "s", "hello"]);
    evals_both_protocols(
        &mut p,
        &[
            "return redis.breakpoint()",
            "return redis.debug('x')",
            "return redis.REDIS_VERSION",
            "return redis.REDIS_VERSION_NUM",
            "return redis.replicate_commands()",
            "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
            "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
            "return redis.sha1hex('')",
            "return redis.sha1hex('abc')",
            "return redis.sha1hex(1)",
            "return redis.sha1hex()",
            "return redis.sha1hex('a','b')",
            "return redis.sha1hex({})",
            "return redis.sha1hex(nil)",
            "return redis.log(redis.LOG_WARNING)",
            "return redis.log()",
            "return redis.log('x','y')",
            "return redis.log(99,'y')",
            "return redis.log(-1,'y')",
            "return redis.log(0/0,'y')",
            "return redis.log(redis.LOG_WARNING, 'a', 1, {})",
            "return redis.log(redis.LOG_WARNING, 'a', nil)",
            "return redis.log(1.5, 'a')",
            "return redis.log('1', 'a')",
            "return redis.setresp()",
            "return redis.setresp(4)",
            "return redis.setresp('3')",
            "return redis.setresp('x')",
            "return redis.setresp(2.5)",
            "return redis.setresp(0/0)",
            "return redis.setresp(3, 4)",
            "return redis.set_repl()",
            "return redis.set_repl(99)",
            "return redis.set_repl(-1)",
            "return redis.set_repl(0/0)",
            "return redis.set_repl('x')",
            "return redis.set_repl(redis.REPL_ALL)",
            "return redis.set_repl(1.5)",
            "return redis.error_reply('x')",
            "return redis.error_reply('-X y')",
            "return redis.error_reply('-X')",
            "return redis.error_reply('-')",
            "return redis.error_reply('')",
            "return redis.error_reply('a\\nb\\n')",
            "return redis.error_reply('\\na')",
            "return redis.error_reply('a\\0b')",
            "return redis.error_reply(1)",
            "return redis.error_reply()",
            "return redis.error_reply({})",
            "return redis.error_reply('a','b')",
            "return redis.error_reply('x').err",
            "local ok, e = pcall(redis.error_reply, 'x') return {tostring(ok), type(e)}",
            "return redis.status_reply('x')",
            "return redis.status_reply('')",
            "return redis.status_reply('a\\nb')",
            "return redis.status_reply('a\\0b')",
            "return redis.status_reply(1)",
            "return redis.status_reply()",
            "return redis.acl_check_cmd('get','x')",
            "return redis.acl_check_cmd('set')",
            "return redis.acl_check_cmd('set', 'a', 'b')",
            "return redis.acl_check_cmd('nosuch')",
            "return redis.acl_check_cmd()",
            "return redis.acl_check_cmd({})",
            "return redis.acl_check_cmd(1)",
            "return redis.call('GET', {})",
            "return redis.call('GET', nil)",
            "return redis.call('GET', true)",
            "return redis.call('GET', 'a', 'b', 'c', 'd', 'e', 'f', nil, 'g')",
            "return redis.call()",
            "return redis.pcall()",
            "return redis.pcall('GET', {})",
            "return redis.call('NOSUCHCMD')",
            "return redis.pcall('NOSUCHCMD')",
            "return redis.call('GET')",
            "return redis.pcall('GET')",
            "return redis.pcall('set', 'k')",
            "return redis.pcall('SET', 'k', 'v', 'EX', 'x')",
            "return redis.call('INCR','s')",
            "return redis.call('HSET', 's', 'f', 'v')",
            "return redis.pcall('HSET', 's', 'f', 'v')",
            "return redis.call('MULTI')",
            "return redis.pcall('MULTI')",
            "return redis.call('SUBSCRIBE','x')",
            "return redis.call('EVAL','return 1','0')",
            "return redis.call('SELECT', 99)",
            "return redis.call('BLPOP','nol',0)",
            "return redis.call('set', 'a', 'b', 'EX', 1.5)",
        ],
    );
}

/// Error texts: compile errors, runtime errors (line numbers, nested
/// calls, inside pcall/xpcall), `error()` with every kind of value,
/// errors raised by `redis.call`.
#[test]
fn error_texts_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    p.check_str(&["SET", "s", "hello"]);
    evals_both_protocols(
        &mut p,
        &[
            "return +",
            "return 'unfinished",
            "local x = ",
            "x(",
            "\nreturn +",
            "",
            "error('plain')",
            "error('plain', 0)",
            "error('plain', 2)",
            "error('x\\n')",
            "error('\\nx')",
            "error(42)",
            "error(nil)",
            "error()",
            "error(true)",
            "error({err='my table err'})",
            "error({err='-CODE spaced'})",
            "error({err='with\\nnewline'})",
            "error({err='x\\n'})",
            "error({err='a\\0b'})",
            "error({err=42})",
            "error({err=42.5})",
            "error({err='CODE msg', line=99, source='@other'})",
            "error({err='x', line='L'})",
            "local function f() error('deep') end local function g() f() end g()",
            "local function f()\n  error('x')\nend\nf()",
            "local function f()\n  local t = nil\n  return t.x\nend\nlocal function g()\n  \
             return f()\nend\ng()",
            "local ok, e = pcall(function()\n  error('inner')\nend)\nreturn e",
            "return redis.call('GET',\n  'a', 'b')",
            "redis.call('SET', 'k', 'v')\nredis.call('INCR', 'k')",
            "local function f() local x = nil; return x.y end f()",
            "local function f(n) if n == 0 then error('bottom') end return f(n-1) end f(50)",
            "local function f(n) return f(n+1)+1 end f(1)",
            "local t = setmetatable({}, {__index=function(t,k) error('idx '..k) end}) return t.foo",
            "return x",
            "return 'a' + 1",
            "return #nil",
            "return nil .. 'x'",
            "return math.floor('x')",
            "return string.rep('x', -1)",
            "return loadstring('syntax error here')",
            "return {loadstring('syntax error here')}",
            "return coroutine.wrap(function() error('in co') end)()",
            "local co = coroutine.create(function() error('in co') end) return {coroutine.resume(co)}",
            "local co = coroutine.create(function() return redis.call('GET','s') end) \
             return {coroutine.resume(co)}",
            "local co = coroutine.create(function() redis.call('INCR','s') end) \
             local ok, e = coroutine.resume(co) return {tostring(ok), type(e), e.err}",
            "return pcall()",
            "local a,b = pcall() return {tostring(a), tostring(b)}",
            "return pcall(redis.call,'INCR','s')",
            "local ok,e = pcall(redis.call,'INCR','s') return {tostring(ok), e}",
            "local ok,e = pcall(function() redis.call('INCR','s') end) return {tostring(ok), e}",
            "local ok,e = pcall(function() return redis.call('INCR', 's') end) return {tostring(ok), e}",
            "local ok,e = pcall(error) return {tostring(ok), tostring(e)}",
            "local ok,e = pcall(error, 'x') return {tostring(ok), e}",
            "local ok,e = pcall(error, {err='tab'}) return {tostring(ok), e}",
            "local ok,e = pcall(error, {x=1}) return {tostring(ok), type(e)}",
            "local ok,e = pcall(function() error(setmetatable({}, \
             {__tostring=function() return 'TS' end})) end) return {tostring(ok), tostring(e)}",
            "local ok,e = xpcall(function() error('boom') end, function(m) return 'H:' .. m end) \
             return {tostring(ok), e}",
            "local ok,e = xpcall(function() redis.call('INCR','s') end, function(m) return type(m) end) \
             return {tostring(ok), e}",
            "local ok,e = xpcall(function() error({err='x'}) end, function(e) return e end) \
             return {tostring(ok), type(e), e.err}",
            "local ok,e = xpcall(function() local x = nil; x() end, function(e) return e end) \
             return {tostring(ok), e}",
        ],
    );
}

/// EVAL/EVALSHA arguments, shebangs, the script cache.
#[test]
fn eval_arguments_shebangs_and_cache_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    let cmds: &[&[&str]] = &[
        &["EVAL", "return 1"],
        &["EVAL", "return 1", "x"],
        &["EVAL", "return 1", "-1"],
        &["EVAL", "return 1", "2", "a"],
        &["EVAL", "return {KEYS[1], ARGV[1], #KEYS, #ARGV}", "1", "k", "v"],
        &["EVAL", "return 1", "1.5", "a"],
        &["EVAL", "return 1", "99999999999999999999"],
        &["EVAL", "return 1", " 1", "a"],
        &["EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"],
        &["SCRIPT", "LOAD", "return 1"],
        &["EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"],
        &["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
        &["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8d", "0"],
        &["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8dbb", "0"],
        &["EVALSHA", "nope", "0"],
        &["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"],
        &["EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
        &["SCRIPT", "EXISTS"],
        &[
            "SCRIPT",
            "EXISTS",
            "e0e1f9fabfc9d4800c877a703b823ac0578ff8db",
            "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB",
            "x",
        ],
        &["SCRIPT", "LOAD"],
        &["SCRIPT", "LOAD", "a", "b"],
        &["SCRIPT", "LOAD", "return +"],
        &["SCRIPT", "LOAD", "#!lua flags=bogus\nreturn 1"],
        &["SCRIPT", "FLUSH", "x"],
        &["SCRIPT", "FLUSH", "ASYNC", "SYNC"],
        &["SCRIPT", "FLUSH", "sync"],
        &["SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"],
        &["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
        &["SCRIPT", "FLUSH", "ASYNC"],
        &["SCRIPT", "NOPE"],
        &["SCRIPT"],
        &["SCRIPT", "KILL"],
        &["EVAL", "#!lua\nreturn 1", "0"],
        &["EVAL", "#!lua\r\nreturn 1", "0"],
        &["EVAL", "#!lua", "0"],
        &["EVAL", "#!", "0"],
        &["EVAL", "#!\nreturn 1", "0"],
        &["EVAL", "#! lua\nreturn 1", "0"],
        &["EVAL", "#!python\nreturn 1", "0"],
        &["EVAL", "#!LUA\nreturn 1", "0"],
        &["EVAL", "#!lua \"\nreturn 1", "0"],
        &["EVAL", "#!lua flags=bogus\nreturn 1", "0"],
        &["EVAL", "#!lua bogus=1\nreturn 1", "0"],
        &["EVAL", "#!lua name=x\nreturn 1", "0"],
        &["EVAL", "#!lua flags=\nreturn 1", "0"],
        &["EVAL", "#!lua flags=no-writes,allow-oom\nreturn 1", "0"],
        &["EVAL", "#!lua flags=no-writes, allow-oom\nreturn 1", "0"],
        &["EVAL", "#!lua flags=no-writes,,allow-oom\nreturn 1", "0"],
        &["EVAL", "#!lua flags=no-writes,\nreturn 1", "0"],
        &["EVAL", "#!lua  flags=no-writes\nreturn 1", "0"],
        &[
            "EVAL",
            "#!lua flags=no-cluster,allow-cross-slot-keys,allow-stale,no-writes,allow-oom\nreturn 1",
            "0",
        ],
        &["EVAL", "#!lua flags=no-writes flags=allow-oom\nreturn 1", "0"],
        &["EVAL", "#!lua flags=no-writes\nreturn redis.call('SET','a','b')", "0"],
        &["EVAL", "#!lua flags=no-writes\nreturn redis.call('GET','a')", "0"],
        &["EVAL", "#!lua\nerror('x')", "0"],
        &["EVAL", "#!lua\n\n\nerror('x')", "0"],
        &["EVAL", "#!lua\nreturn +", "0"],
        &["EVAL", "#!lua\nreturn redis.call('SET','a','b')", "1", "a"],
        &["EVAL_RO", "return redis.call('SET','a','b')", "0"],
        &["EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('GET','a')", "0"],
        &["EVAL", "return redis.call('SET',KEYS[1],'b')", "1", "a"],
        &["EVAL", "return redis.call('GET','a')", "0"],
    ];
    for c in cmds {
        p.check_str(c);
    }
}

/// `math.random` after `math.randomseed`: the same sequences.
#[test]
fn seeded_random_sequences_match_redis() {
    let Some(mut p) = Pair::new() else { return };
    evals(
        &mut p,
        &[
            "math.randomseed(42) return {math.random(100), math.random(100), math.random(1,10), \
             tostring(math.random())}",
            "math.randomseed(0) local t = {} for i = 1, 50 do t[i] = math.random(1000) end return t",
            "math.randomseed(-5) return {math.random(100), math.random(100)}",
            "math.randomseed(2^40) return {math.random(100), math.random(100)}",
            "math.randomseed(2^31) return {math.random(-10, -5), tostring(math.random())}",
            "math.randomseed(7) return {math.random(-10,-5), math.random(2^31 - 1)}",
            "math.randomseed(7) return math.random(2^31)",
            "math.randomseed(7) return math.random(1, 2^40)",
            "math.randomseed(7) return math.random(0)",
            "math.randomseed(7) return math.random(5,1)",
            "math.randomseed(7) return math.random(1,2,3)",
            "math.randomseed(7) return math.random('x')",
            "math.randomseed() return 1",
            "math.randomseed('x') return 1",
        ],
    );
}

/// cjson, cmsgpack, bit and struct reached from EVAL (the libraries
/// themselves are tested in src/scripting/libs).
#[test]
fn libraries_work_from_eval_as_in_redis() {
    let Some(mut p) = Pair::new() else { return };
    evals_both_protocols(
        &mut p,
        &[
            "return cjson.encode({1,2,{a=1}})",
            "return cjson.encode(cjson.decode('[1,2,{\"a\":[true,false,null]}]'))",
            "return cjson.decode('{\"a\":1.5}').a",
            "return tostring(cjson.decode('1e400'))",
            "return cjson.encode({[1]=1,[3]=3})",
            "return cjson.encode(1/3)",
            "return cjson.decode('[1,')",
            "return cmsgpack.unpack(cmsgpack.pack({1,2,3}))",
            "return {cmsgpack.unpack(cmsgpack.pack(1,'a',{x=1}))}",
            "return cmsgpack.pack(-1, 2^40, 1.5, 'abc')",
            "return cmsgpack.unpack('\\193')",
            "return bit.tohex(bit.band(0xffff, -1))",
            "return {bit.lshift(1, 31), bit.bnot(0), bit.arshift(-256, 4)}",
            "return {struct.unpack('>I2', struct.pack('>I2', 258))}",
            "return struct.pack('<i4d', -1, 1.5)",
            "return struct.size('i4i8')",
        ],
    );
}

/// Error values that crash redis-server 7.0 (a table without `err`) are a
/// clean error here, and the server stays up. Not sent to the oracle.
#[test]
fn error_tables_without_err_are_clean_errors() {
    let srv = Server::start();
    let mut c = srv.conn();
    for script in [
        "error({})",
        "error({x=1})",
        "error({err=true})",
        "error({err={}})",
        "return redis.call('GET', 'x', error({}))",
    ] {
        let r = c.cmd(&["EVAL", script, "0"]);
        assert!(r.starts_with(b"-ERR "), "{script}: {}", show(&r));
        assert!(!r[..r.len() - 2].contains(&b'\n'), "{}", show(&r));
    }
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
}

/// SCRIPT HELP and SCRIPT DEBUG as Redis answers them; DEBUG YES/SYNC,
/// which need the Lua debugger (not built), answer a clear error here.
#[test]
fn script_help_and_debug() {
    let Some(mut p) = Pair::new() else {
        return;
    };
    p.check_str(&["SCRIPT", "HELP"]);
    p.check_str(&["SCRIPT", "DEBUG", "NO"]);
    p.check_str(&["SCRIPT", "DEBUG", "maybe"]);
    p.check_str(&["SCRIPT", "DEBUG"]);
    p.check_str(&["SCRIPT", "HELP", "x"]);
    for mode in ["YES", "sync"] {
        p.cin.expect(
            &["SCRIPT", "DEBUG", mode],
            "-ERR SCRIPT DEBUG is not supported: this server has no Lua debugger\r\n",
        );
    }
    // And the server goes on running scripts as before.
    p.check_str(&["EVAL", "return 1", "0"]);
}
