//! THE command table. One row per command: name, arity (Redis's sign rule),
//! flags, key positions, group and handler. Dispatch, COMMAND and COMMAND
//! INFO are all generated from it; nothing else lists commands.

use super::flags::*;
use super::{
    acl, client, command, connection as conn, debug, functions as fun, hash, keys, latency, list,
    memory, pubsub as ps, scripting as lua, server as srv, set, slowlog, sort, stream as x,
    string as s, tx, zset, CommandSpec, Handler,
};

/// A command row with a handler.
const fn cmd(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: (i32, i32, i32),
    group: &'static str,
    handler: Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        first_key: keys.0,
        last_key: keys.1,
        step: keys.2,
        group,
        handler: Some(handler),
        subcommands: &[],
    }
}

/// A container row (OBJECT, CONFIG, ...), which only dispatches to its
/// subcommands.
const fn container(
    name: &'static str,
    flags: u32,
    group: &'static str,
    subcommands: &'static [CommandSpec],
) -> CommandSpec {
    CommandSpec {
        name,
        arity: -2,
        flags,
        first_key: 0,
        last_key: 0,
        step: 0,
        group,
        handler: None,
        subcommands,
    }
}

/// A container that also runs on its own when given no subcommand (COMMAND).
const fn container_with(base: CommandSpec, subcommands: &'static [CommandSpec]) -> CommandSpec {
    CommandSpec {
        subcommands,
        ..base
    }
}

// Shorthands for the columns. Key positions are (first, last, step), as in
// Redis's legacy key spec; rows with MOVABLEKEYS spell out (0, 0, 0), since
// their keys are found by parsing the arguments, not absent. Flag sets are
// the ones several rows share.
const NOKEY: (i32, i32, i32) = (0, 0, 0);
const KEY1: (i32, i32, i32) = (1, 1, 1);
/// The key of a subcommand (OBJECT ENCODING key, XGROUP CREATE key ...).
const KEY2: (i32, i32, i32) = (2, 2, 1);
const KEYS_ALL: (i32, i32, i32) = (1, -1, 1);
const KEYS_PAIR: (i32, i32, i32) = (1, 2, 1);
const ADMIN_FLAGS: u32 = ADMIN | NOSCRIPT | LOADING | STALE;
const CONN_FLAGS: u32 = NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY;
const PS_FLAGS: u32 = PUBSUB | NOSCRIPT | LOADING | STALE;
const PS_INFO: u32 = PUBSUB | LOADING | STALE;
/// PUBLISH and SPUBLISH: replicated although not writes (hidden flag).
const PS_REPL: u32 = PS_INFO | FAST | MAY_REPLICATE;
const CLIENT_FLAGS: u32 = NOSCRIPT | LOADING | STALE;
const LATENCY_FLAGS: u32 = ADMIN | NOSCRIPT | LOADING | STALE;
/// EVAL and FCALL: their keys follow `numkeys`.
const SCRIPT_FLAGS: u32 = NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLEKEYS;
const SLOWLOG_FLAGS: u32 = ADMIN | LOADING | STALE;

/// Every command, one row each: name, arity, flags, key positions, group and
/// handler, or for a container its subcommand table. The list, hash, set,
/// sorted set and SORT rows follow Redis 7.0's COMMAND INFO.
///
/// Lookup and COMMAND sort by name, so the order of rows is for the reader,
/// with two exceptions: COMMAND lists a container's subcommands in their
/// table's order, and a row's position is its [`super::slot`], the index of
/// INFO commandstats and LATENCY HISTOGRAM. Moving a row only renumbers slots,
/// which live no longer than the process.
#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    // -- Strings ---------------------------------------------------------------------------------
    cmd("append",       3, WRITE | DENYOOM | FAST, KEY1,       "string", s::append),
    cmd("decr",         2, WRITE | DENYOOM | FAST, KEY1,       "string", s::decr),
    cmd("decrby",       3, WRITE | DENYOOM | FAST, KEY1,       "string", s::decrby),
    cmd("get",          2, READONLY | FAST,        KEY1,       "string", s::get),
    cmd("getdel",       2, WRITE | FAST,           KEY1,       "string", s::getdel),
    cmd("getex",       -2, WRITE | FAST,           KEY1,       "string", s::getex),
    cmd("getrange",     4, READONLY,               KEY1,       "string", s::getrange),
    cmd("getset",       3, WRITE | DENYOOM | FAST, KEY1,       "string", s::getset),
    cmd("incr",         2, WRITE | DENYOOM | FAST, KEY1,       "string", s::incr),
    cmd("incrby",       3, WRITE | DENYOOM | FAST, KEY1,       "string", s::incrby),
    cmd("incrbyfloat",  3, WRITE | DENYOOM | FAST, KEY1,       "string", s::incrbyfloat),
    cmd("lcs",         -3, READONLY,               KEYS_PAIR,  "string", s::lcs),
    cmd("mget",        -2, READONLY | FAST,        KEYS_ALL,   "string", s::mget),
    cmd("mset",        -3, WRITE | DENYOOM,        (1, -1, 2), "string", s::mset),
    cmd("msetnx",      -3, WRITE | DENYOOM,        (1, -1, 2), "string", s::msetnx),
    cmd("psetex",       4, WRITE | DENYOOM,        KEY1,       "string", s::psetex),
    cmd("set",         -3, WRITE | DENYOOM,        KEY1,       "string", s::set),
    cmd("setex",        4, WRITE | DENYOOM,        KEY1,       "string", s::setex),
    cmd("setnx",        3, WRITE | DENYOOM | FAST, KEY1,       "string", s::setnx),
    cmd("setrange",     4, WRITE | DENYOOM,        KEY1,       "string", s::setrange),
    cmd("strlen",       2, READONLY | FAST,        KEY1,       "string", s::strlen),
    cmd("substr",       4, READONLY,               KEY1,       "string", s::getrange),

    // -- Keyspace --------------------------------------------------------------------------------
    cmd("copy",        -3, WRITE | DENYOOM, KEYS_PAIR, "generic", keys::copy),
    cmd("dbsize",       1, READONLY | FAST, NOKEY,     "server",  keys::dbsize),
    cmd("del",         -2, WRITE,           KEYS_ALL,  "generic", keys::del),
    cmd("exists",      -2, READONLY | FAST, KEYS_ALL,  "generic", keys::exists),
    cmd("expire",      -3, WRITE | FAST,    KEY1,      "generic", keys::expire),
    cmd("expireat",    -3, WRITE | FAST,    KEY1,      "generic", keys::expireat),
    cmd("expiretime",   2, READONLY | FAST, KEY1,      "generic", keys::expiretime),
    cmd("flushall",    -1, WRITE,           NOKEY,     "server",  keys::flushall),
    cmd("flushdb",     -1, WRITE,           NOKEY,     "server",  keys::flushdb),
    cmd("keys",         2, READONLY,        NOKEY,     "generic", keys::keys),
    cmd("move",         3, WRITE | FAST,    KEY1,      "generic", keys::move_),
    container("object", 0, "generic", OBJECT_SUBS),
    cmd("persist",      2, WRITE | FAST,    KEY1,      "generic", keys::persist),
    cmd("pexpire",     -3, WRITE | FAST,    KEY1,      "generic", keys::pexpire),
    cmd("pexpireat",   -3, WRITE | FAST,    KEY1,      "generic", keys::pexpireat),
    cmd("pexpiretime",  2, READONLY | FAST, KEY1,      "generic", keys::pexpiretime),
    cmd("pttl",         2, READONLY | FAST, KEY1,      "generic", keys::pttl),
    cmd("randomkey",    1, READONLY,        NOKEY,     "generic", keys::randomkey),
    cmd("rename",       3, WRITE,           KEYS_PAIR, "generic", keys::rename),
    cmd("renamenx",     3, WRITE | FAST,    KEYS_PAIR, "generic", keys::renamenx),
    cmd("scan",        -2, READONLY,        NOKEY,     "generic", keys::scan),
    cmd("swapdb",       3, WRITE | FAST,    NOKEY,     "server",  keys::swapdb),
    cmd("touch",       -2, READONLY | FAST, KEYS_ALL,  "generic", keys::touch),
    cmd("ttl",          2, READONLY | FAST, KEY1,      "generic", keys::ttl),
    cmd("type",         2, READONLY | FAST, KEY1,      "generic", keys::type_),
    cmd("unlink",      -2, WRITE | FAST,    KEYS_ALL,  "generic", keys::unlink),

    // -- Lists -----------------------------------------------------------------------------------
    cmd("lpush",      -3, WRITE | DENYOOM | FAST,                KEY1,       "list", list::lpush),
    cmd("rpush",      -3, WRITE | DENYOOM | FAST,                KEY1,       "list", list::rpush),
    cmd("lpushx",     -3, WRITE | DENYOOM | FAST,                KEY1,       "list", list::lpushx),
    cmd("rpushx",     -3, WRITE | DENYOOM | FAST,                KEY1,       "list", list::rpushx),
    cmd("lpop",       -2, WRITE | FAST,                          KEY1,       "list", list::lpop),
    cmd("rpop",       -2, WRITE | FAST,                          KEY1,       "list", list::rpop),
    cmd("llen",        2, READONLY | FAST,                       KEY1,       "list", list::llen),
    cmd("lrange",      4, READONLY,                              KEY1,       "list", list::lrange),
    cmd("lindex",      3, READONLY,                              KEY1,       "list", list::lindex),
    cmd("lset",        4, WRITE | DENYOOM,                       KEY1,       "list", list::lset),
    cmd("lrem",        4, WRITE,                                 KEY1,       "list", list::lrem),
    cmd("ltrim",       4, WRITE,                                 KEY1,       "list", list::ltrim),
    cmd("linsert",     5, WRITE | DENYOOM,                       KEY1,       "list", list::linsert),
    cmd("lpos",       -3, READONLY,                              KEY1,       "list", list::lpos),
    cmd("lmove",       5, WRITE | DENYOOM,                       KEYS_PAIR,  "list", list::lmove),
    cmd("rpoplpush",   3, WRITE | DENYOOM,                       KEYS_PAIR,  "list", list::rpoplpush),
    cmd("lmpop",      -4, WRITE | MOVABLEKEYS,                   (0, 0, 0),  "list", list::lmpop),
    cmd("blpop",      -3, WRITE | NOSCRIPT | BLOCKING,           (1, -2, 1), "list", list::blpop),
    cmd("brpop",      -3, WRITE | NOSCRIPT | BLOCKING,           (1, -2, 1), "list", list::brpop),
    cmd("blmove",      6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, KEYS_PAIR,  "list", list::blmove),
    cmd("brpoplpush",  4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, KEYS_PAIR,  "list", list::brpoplpush),
    cmd("blmpop",     -5, WRITE | BLOCKING | MOVABLEKEYS,        (0, 0, 0),  "list", list::blmpop),

    // -- Hashes ----------------------------------------------------------------------------------
    cmd("hset",         -4, WRITE | DENYOOM | FAST, KEY1, "hash", hash::hset),
    cmd("hsetnx",        4, WRITE | DENYOOM | FAST, KEY1, "hash", hash::hsetnx),
    cmd("hget",          3, READONLY | FAST,        KEY1, "hash", hash::hget),
    cmd("hmget",        -3, READONLY | FAST,        KEY1, "hash", hash::hmget),
    cmd("hmset",        -4, WRITE | DENYOOM | FAST, KEY1, "hash", hash::hmset),
    cmd("hdel",         -3, WRITE | FAST,           KEY1, "hash", hash::hdel),
    cmd("hlen",          2, READONLY | FAST,        KEY1, "hash", hash::hlen),
    cmd("hstrlen",       3, READONLY | FAST,        KEY1, "hash", hash::hstrlen),
    cmd("hexists",       3, READONLY | FAST,        KEY1, "hash", hash::hexists),
    cmd("hgetall",       2, READONLY,               KEY1, "hash", hash::hgetall),
    cmd("hkeys",         2, READONLY,               KEY1, "hash", hash::hkeys),
    cmd("hvals",         2, READONLY,               KEY1, "hash", hash::hvals),
    cmd("hincrby",       4, WRITE | DENYOOM | FAST, KEY1, "hash", hash::hincrby),
    cmd("hincrbyfloat",  4, WRITE | DENYOOM | FAST, KEY1, "hash", hash::hincrbyfloat),
    cmd("hrandfield",   -2, READONLY,               KEY1, "hash", hash::hrandfield),
    cmd("hscan",        -3, READONLY,               KEY1, "hash", hash::hscan),

    // -- Sets ------------------------------------------------------------------------------------
    cmd("sadd",        -3, WRITE | DENYOOM | FAST, KEY1,      "set", set::sadd),
    cmd("srem",        -3, WRITE | FAST,           KEY1,      "set", set::srem),
    cmd("sismember",    3, READONLY | FAST,        KEY1,      "set", set::sismember),
    cmd("smismember",  -3, READONLY | FAST,        KEY1,      "set", set::smismember),
    cmd("scard",        2, READONLY | FAST,        KEY1,      "set", set::scard),
    cmd("smembers",     2, READONLY,               KEY1,      "set", set::smembers),
    cmd("spop",        -2, WRITE | FAST,           KEY1,      "set", set::spop),
    cmd("srandmember", -2, READONLY,               KEY1,      "set", set::srandmember),
    cmd("smove",        4, WRITE | FAST,           KEYS_PAIR, "set", set::smove),
    cmd("sinter",      -2, READONLY,               KEYS_ALL,  "set", set::sinter),
    cmd("sunion",      -2, READONLY,               KEYS_ALL,  "set", set::sunion),
    cmd("sdiff",       -2, READONLY,               KEYS_ALL,  "set", set::sdiff),
    cmd("sinterstore", -3, WRITE | DENYOOM,        KEYS_ALL,  "set", set::sinterstore),
    cmd("sunionstore", -3, WRITE | DENYOOM,        KEYS_ALL,  "set", set::sunionstore),
    cmd("sdiffstore",  -3, WRITE | DENYOOM,        KEYS_ALL,  "set", set::sdiffstore),
    cmd("sintercard",  -3, READONLY | MOVABLEKEYS, (0, 0, 0), "set", set::sintercard),
    cmd("sscan",       -3, READONLY,               KEY1,      "set", set::sscan),

    // -- Streams ---------------------------------------------------------------------------------
    cmd("xack",       -4, WRITE | FAST,                      KEY1,      "stream", x::xack),
    cmd("xadd",       -5, WRITE | DENYOOM | FAST,            KEY1,      "stream", x::xadd),
    cmd("xautoclaim", -6, WRITE | FAST,                      KEY1,      "stream", x::xautoclaim),
    cmd("xclaim",     -6, WRITE | FAST,                      KEY1,      "stream", x::xclaim),
    cmd("xdel",       -3, WRITE | FAST,                      KEY1,      "stream", x::xdel),
    container("xgroup", 0, "stream", XGROUP_SUBS),
    container("xinfo", 0, "stream", XINFO_SUBS),
    cmd("xlen",        2, READONLY | FAST,                   KEY1,      "stream", x::xlen),
    cmd("xpending",   -3, READONLY,                          KEY1,      "stream", x::xpending),
    cmd("xrange",     -4, READONLY,                          KEY1,      "stream", x::xrange),
    cmd("xread",      -4, READONLY | BLOCKING | MOVABLEKEYS, (0, 0, 0), "stream", x::xread),
    cmd("xreadgroup", -7, WRITE | BLOCKING | MOVABLEKEYS,    (0, 0, 0), "stream", x::xreadgroup),
    cmd("xrevrange",  -4, READONLY,                          KEY1,      "stream", x::xrevrange),
    cmd("xsetid",     -3, WRITE | DENYOOM | FAST,            KEY1,      "stream", x::xsetid),
    cmd("xtrim",      -4, WRITE,                             KEY1,      "stream", x::xtrim),

    // -- Sorted sets -----------------------------------------------------------------------------
    cmd("zadd",             -4, WRITE | DENYOOM | FAST,             KEY1,       "sorted_set", zset::zadd),
    cmd("zincrby",           4, WRITE | DENYOOM | FAST,             KEY1,       "sorted_set", zset::zincrby),
    cmd("zscore",            3, READONLY | FAST,                    KEY1,       "sorted_set", zset::zscore),
    cmd("zmscore",          -3, READONLY | FAST,                    KEY1,       "sorted_set", zset::zmscore),
    cmd("zcard",             2, READONLY | FAST,                    KEY1,       "sorted_set", zset::zcard),
    cmd("zcount",            4, READONLY | FAST,                    KEY1,       "sorted_set", zset::zcount),
    cmd("zlexcount",         4, READONLY | FAST,                    KEY1,       "sorted_set", zset::zlexcount),
    cmd("zrank",             3, READONLY | FAST,                    KEY1,       "sorted_set", zset::zrank),
    cmd("zrevrank",          3, READONLY | FAST,                    KEY1,       "sorted_set", zset::zrevrank),
    cmd("zrange",           -4, READONLY,                           KEY1,       "sorted_set", zset::zrange),
    cmd("zrangestore",      -5, WRITE | DENYOOM,                    KEYS_PAIR,  "sorted_set", zset::zrangestore),
    cmd("zrangebyscore",    -4, READONLY,                           KEY1,       "sorted_set", zset::zrangebyscore),
    cmd("zrevrangebyscore", -4, READONLY,                           KEY1,       "sorted_set", zset::zrevrangebyscore),
    cmd("zrangebylex",      -4, READONLY,                           KEY1,       "sorted_set", zset::zrangebylex),
    cmd("zrevrangebylex",   -4, READONLY,                           KEY1,       "sorted_set", zset::zrevrangebylex),
    cmd("zrevrange",        -4, READONLY,                           KEY1,       "sorted_set", zset::zrevrange),
    cmd("zrem",             -3, WRITE | FAST,                       KEY1,       "sorted_set", zset::zrem),
    cmd("zremrangebyrank",   4, WRITE,                              KEY1,       "sorted_set", zset::zremrangebyrank),
    cmd("zremrangebyscore",  4, WRITE,                              KEY1,       "sorted_set", zset::zremrangebyscore),
    cmd("zremrangebylex",    4, WRITE,                              KEY1,       "sorted_set", zset::zremrangebylex),
    cmd("zpopmin",          -2, WRITE | FAST,                       KEY1,       "sorted_set", zset::zpopmin),
    cmd("zpopmax",          -2, WRITE | FAST,                       KEY1,       "sorted_set", zset::zpopmax),
    cmd("zmpop",            -4, WRITE | MOVABLEKEYS,                (0, 0, 0),  "sorted_set", zset::zmpop),
    cmd("bzpopmin",         -3, WRITE | NOSCRIPT | BLOCKING | FAST, (1, -2, 1), "sorted_set", zset::bzpopmin),
    cmd("bzpopmax",         -3, WRITE | NOSCRIPT | BLOCKING | FAST, (1, -2, 1), "sorted_set", zset::bzpopmax),
    cmd("bzmpop",           -5, WRITE | BLOCKING | MOVABLEKEYS,     (0, 0, 0),  "sorted_set", zset::bzmpop),
    cmd("zunionstore",      -4, WRITE | DENYOOM | MOVABLEKEYS,      KEY1,       "sorted_set", zset::zunionstore),
    cmd("zinterstore",      -4, WRITE | DENYOOM | MOVABLEKEYS,      KEY1,       "sorted_set", zset::zinterstore),
    cmd("zdiffstore",       -4, WRITE | DENYOOM | MOVABLEKEYS,      KEY1,       "sorted_set", zset::zdiffstore),
    cmd("zunion",           -3, READONLY | MOVABLEKEYS,             (0, 0, 0),  "sorted_set", zset::zunion),
    cmd("zinter",           -3, READONLY | MOVABLEKEYS,             (0, 0, 0),  "sorted_set", zset::zinter),
    cmd("zdiff",            -3, READONLY | MOVABLEKEYS,             (0, 0, 0),  "sorted_set", zset::zdiff),
    cmd("zintercard",       -3, READONLY | MOVABLEKEYS,             (0, 0, 0),  "sorted_set", zset::zintercard),
    cmd("zrandmember",      -2, READONLY,                           KEY1,       "sorted_set", zset::zrandmember),
    cmd("zscan",            -3, READONLY,                           KEY1,       "sorted_set", zset::zscan),

    // -- SORT ------------------------------------------------------------------------------------
    cmd("sort",    -2, WRITE | DENYOOM | MOVABLEKEYS, KEY1, "generic", sort::sort),
    cmd("sort_ro", -2, READONLY | MOVABLEKEYS,        KEY1, "generic", sort::sort_ro),

    // -- Connection ------------------------------------------------------------------------------
    cmd("auth",   -2, CONN_FLAGS,             NOKEY, "connection", conn::auth),
    container("client", 0, "connection", CLIENT_SUBS),
    cmd("echo",    2, LOADING | STALE | FAST, NOKEY, "connection", conn::echo),
    cmd("hello",  -1, CONN_FLAGS,             NOKEY, "connection", conn::hello),
    cmd("ping",   -1, FAST,                   NOKEY, "connection", conn::ping),
    cmd("quit",   -1, CONN_FLAGS,             NOKEY, "connection", conn::quit),
    cmd("reset",   1, CONN_FLAGS,             NOKEY, "connection", conn::reset),
    cmd("select",  2, LOADING | STALE | FAST, NOKEY, "connection", conn::select),

    // -- Pub/Sub ---------------------------------------------------------------------------------
    cmd("psubscribe",   -2, PS_FLAGS,       NOKEY,    "pubsub", ps::psubscribe),
    cmd("publish",       3, PS_REPL,        NOKEY,    "pubsub", ps::publish),
    container("pubsub", 0, "pubsub", PUBSUB_SUBS),
    cmd("punsubscribe", -1, PS_FLAGS,       NOKEY,    "pubsub", ps::punsubscribe),
    cmd("spublish",      3, PS_REPL,        KEY1,     "pubsub", ps::spublish),
    cmd("ssubscribe",   -2, PS_FLAGS,       KEYS_ALL, "pubsub", ps::ssubscribe),
    cmd("subscribe",    -2, PS_FLAGS,       NOKEY,    "pubsub", ps::subscribe),
    cmd("sunsubscribe", -1, PS_FLAGS,       KEYS_ALL, "pubsub", ps::sunsubscribe),
    cmd("unsubscribe",  -1, PS_FLAGS,       NOKEY,    "pubsub", ps::unsubscribe),

    // -- Transactions ----------------------------------------------------------------------------
    cmd("discard",  1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, NOKEY,    "transactions", tx::discard),
    cmd("exec",     1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG,      NOKEY,    "transactions", tx::exec),
    cmd("multi",    1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, NOKEY,    "transactions", tx::multi),
    cmd("unwatch",  1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, NOKEY,    "transactions", tx::unwatch),
    cmd("watch",   -2, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, KEYS_ALL, "transactions", tx::watch),

    // -- Scripting -------------------------------------------------------------------------------
    cmd("eval",       -3, SCRIPT_FLAGS | MAY_REPLICATE, NOKEY, "scripting", lua::eval),
    cmd("eval_ro",    -3, SCRIPT_FLAGS | READONLY,      NOKEY, "scripting", lua::eval_ro),
    cmd("evalsha",    -3, SCRIPT_FLAGS | MAY_REPLICATE, NOKEY, "scripting", lua::evalsha),
    cmd("evalsha_ro", -3, SCRIPT_FLAGS | READONLY,      NOKEY, "scripting", lua::evalsha_ro),
    container("script", 0, "scripting", SCRIPT_SUBS),
    cmd("fcall",      -3, SCRIPT_FLAGS | MAY_REPLICATE, NOKEY, "scripting", fun::fcall),
    cmd("fcall_ro",   -3, SCRIPT_FLAGS | READONLY,      NOKEY, "scripting", fun::fcall_ro),
    container("function", 0, "scripting", FUNCTION_SUBS),

    // -- Server ----------------------------------------------------------------------------------
    container_with(cmd("command", -1, LOADING | STALE, NOKEY, "server", command::command), COMMAND_SUBS),
    container("acl", 0, "server", ACL_SUBS),
    container("config", 0, "server", CONFIG_SUBS),
    cmd("bgrewriteaof",  1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, NOKEY, "server", srv::bgrewriteaof),
    cmd("debug",        -2, ADMIN_FLAGS,                         NOKEY, "server", debug::debug),
    cmd("monitor",       1, ADMIN_FLAGS,                         NOKEY, "server", client::monitor),
    cmd("info",         -1, LOADING | STALE,                     NOKEY, "server", srv::info),
    cmd("lastsave",      1, LOADING | STALE | FAST,              NOKEY, "server", srv::lastsave),
    cmd("shutdown",     -1, ADMIN_FLAGS | NO_MULTI | ALLOW_BUSY, NOKEY, "server", srv::shutdown),
    container("latency", 0, "server", LATENCY_SUBS),
    container("memory", 0, "server", MEMORY_SUBS),
    cmd("role",          1, NOSCRIPT | LOADING | STALE | FAST,   NOKEY, "server", srv::role),
    container("slowlog", 0, "server", SLOWLOG_SUBS),
    cmd("time",          1, LOADING | STALE | FAST,              NOKEY, "server", srv::time),
];

// -- Subcommands, in the order their containers appear above -------------------------------------

/// OBJECT subcommands.
#[rustfmt::skip]
static OBJECT_SUBS: &[CommandSpec] = &[
    cmd("encoding", 3, READONLY,        KEY2,  "generic", keys::object_encoding),
    cmd("freq",     3, READONLY,        KEY2,  "generic", keys::object_freq),
    cmd("help",     2, LOADING | STALE, NOKEY, "generic", keys::object_help),
    cmd("idletime", 3, READONLY,        KEY2,  "generic", keys::object_idletime),
    cmd("refcount", 3, READONLY,        KEY2,  "generic", keys::object_refcount),
];

/// XGROUP subcommands.
#[rustfmt::skip]
static XGROUP_SUBS: &[CommandSpec] = &[
    cmd("create",         -5, WRITE | DENYOOM, KEY2,  "stream", x::xgroup_create),
    cmd("createconsumer",  5, WRITE | DENYOOM, KEY2,  "stream", x::xgroup_createconsumer),
    cmd("delconsumer",     5, WRITE,           KEY2,  "stream", x::xgroup_delconsumer),
    cmd("destroy",         4, WRITE,           KEY2,  "stream", x::xgroup_destroy),
    cmd("help",            2, LOADING | STALE, NOKEY, "stream", x::xgroup_help),
    cmd("setid",          -5, WRITE,           KEY2,  "stream", x::xgroup_setid),
];

/// XINFO subcommands.
#[rustfmt::skip]
static XINFO_SUBS: &[CommandSpec] = &[
    cmd("consumers",  4, READONLY,        KEY2,  "stream", x::xinfo_consumers),
    cmd("groups",     3, READONLY,        KEY2,  "stream", x::xinfo_groups),
    cmd("help",       2, LOADING | STALE, NOKEY, "stream", x::xinfo_help),
    cmd("stream",    -3, READONLY,        KEY2,  "stream", x::xinfo_stream),
];

/// CLIENT subcommands. SETINFO and NO-TOUCH are Redis 7.2's (flags as 7.2).
#[rustfmt::skip]
static CLIENT_SUBS: &[CommandSpec] = &[
    cmd("caching",       3, CLIENT_FLAGS,         NOKEY, "connection", client::client_caching),
    cmd("getname",       2, CLIENT_FLAGS,         NOKEY, "connection", client::client_getname),
    cmd("getredir",      2, CLIENT_FLAGS,         NOKEY, "connection", client::client_getredir),
    cmd("help",          2, LOADING | STALE,      NOKEY, "connection", client::client_help),
    cmd("id",            2, CLIENT_FLAGS,         NOKEY, "connection", client::client_id),
    cmd("info",          2, CLIENT_FLAGS,         NOKEY, "connection", client::client_info),
    cmd("kill",         -3, ADMIN | CLIENT_FLAGS, NOKEY, "connection", client::client_kill),
    cmd("list",         -2, ADMIN | CLIENT_FLAGS, NOKEY, "connection", client::client_list),
    cmd("no-evict",      3, ADMIN | CLIENT_FLAGS, NOKEY, "connection", client::client_no_evict),
    cmd("no-touch",      3, CLIENT_FLAGS,         NOKEY, "connection", client::client_no_touch),
    cmd("pause",        -3, ADMIN | CLIENT_FLAGS, NOKEY, "connection", client::client_pause),
    cmd("reply",         3, CLIENT_FLAGS,         NOKEY, "connection", client::client_reply),
    cmd("setinfo",       4, CLIENT_FLAGS,         NOKEY, "connection", client::client_setinfo),
    cmd("setname",       3, CLIENT_FLAGS,         NOKEY, "connection", client::client_setname),
    cmd("tracking",     -3, CLIENT_FLAGS,         NOKEY, "connection", client::client_tracking),
    cmd("trackinginfo",  2, CLIENT_FLAGS,         NOKEY, "connection", client::client_trackinginfo),
    cmd("unblock",      -3, ADMIN | CLIENT_FLAGS, NOKEY, "connection", client::client_unblock),
    cmd("unpause",       2, ADMIN | CLIENT_FLAGS, NOKEY, "connection", client::client_unpause),
];

/// PUBSUB subcommands.
#[rustfmt::skip]
static PUBSUB_SUBS: &[CommandSpec] = &[
    cmd("channels",      -2, PS_INFO,         NOKEY, "pubsub", ps::pubsub_channels),
    cmd("help",           2, LOADING | STALE, NOKEY, "pubsub", ps::pubsub_help),
    cmd("numpat",         2, PS_INFO,         NOKEY, "pubsub", ps::pubsub_numpat),
    cmd("numsub",        -2, PS_INFO,         NOKEY, "pubsub", ps::pubsub_numsub),
    cmd("shardchannels", -2, PS_INFO,         NOKEY, "pubsub", ps::pubsub_shardchannels),
    cmd("shardnumsub",   -2, PS_INFO,         NOKEY, "pubsub", ps::pubsub_shardnumsub),
];

/// COMMAND subcommands.
#[rustfmt::skip]
static COMMAND_SUBS: &[CommandSpec] = &[
    cmd("count",            2, LOADING | STALE, NOKEY, "server", command::command_count),
    cmd("docs",            -2, LOADING | STALE, NOKEY, "server", command::command_docs),
    cmd("getkeys",         -4, LOADING | STALE, NOKEY, "server", command::command_getkeys),
    cmd("getkeysandflags", -4, LOADING | STALE, NOKEY, "server", command::command_getkeysandflags),
    cmd("help",             2, LOADING | STALE, NOKEY, "server", command::command_help),
    cmd("info",            -2, LOADING | STALE, NOKEY, "server", command::command_info),
    cmd("list",            -2, LOADING | STALE, NOKEY, "server", command::command_list),
];

/// ACL subcommands (Redis 7.0's flags).
#[rustfmt::skip]
static ACL_SUBS: &[CommandSpec] = &[
    cmd("cat",     -2, NOSCRIPT | LOADING | STALE,         NOKEY, "server", acl::acl_cat),
    cmd("deluser", -3, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", acl::acl_deluser),
    cmd("dryrun",  -4, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", acl::acl_dryrun),
    cmd("genpass", -2, NOSCRIPT | LOADING | STALE,         NOKEY, "server", acl::acl_genpass),
    cmd("getuser",  3, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", acl::acl_getuser),
    cmd("help",     2, LOADING | STALE,                    NOKEY, "server", acl::acl_help),
    cmd("list",     2, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", acl::acl_list),
    cmd("load",     2, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", acl::acl_load),
    cmd("log",     -2, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", acl::acl_log),
    cmd("save",     2, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", acl::acl_save),
    cmd("setuser", -3, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", acl::acl_setuser),
    cmd("users",    2, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", acl::acl_users),
    cmd("whoami",   2, NOSCRIPT | LOADING | STALE,         NOKEY, "server", acl::acl_whoami),
];

/// CONFIG subcommands.
#[rustfmt::skip]
static CONFIG_SUBS: &[CommandSpec] = &[
    cmd("get",       -3, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", srv::config_get),
    cmd("help",       2, LOADING | STALE,                    NOKEY, "server", srv::config_help),
    cmd("resetstat",  2, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", srv::config_resetstat),
    cmd("rewrite",    2, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", srv::config_rewrite),
    cmd("set",       -4, ADMIN | NOSCRIPT | LOADING | STALE, NOKEY, "server", srv::config_set),
];

/// SCRIPT subcommands.
#[rustfmt::skip]
static SCRIPT_SUBS: &[CommandSpec] = &[
    cmd("debug",   3, NOSCRIPT,              NOKEY, "scripting", lua::script_debug),
    cmd("exists", -3, NOSCRIPT,              NOKEY, "scripting", lua::script_exists),
    cmd("flush",  -2, NOSCRIPT,              NOKEY, "scripting", lua::script_flush),
    cmd("help",    2, LOADING | STALE,       NOKEY, "scripting", lua::script_help),
    cmd("kill",    2, NOSCRIPT | ALLOW_BUSY, NOKEY, "scripting", lua::script_kill),
    cmd("load",    3, NOSCRIPT | STALE,      NOKEY, "scripting", lua::script_load),
];

/// FUNCTION subcommands (flags as Redis 7.0's COMMAND INFO).
#[rustfmt::skip]
static FUNCTION_SUBS: &[CommandSpec] = &[
    cmd("delete",   3, WRITE | NOSCRIPT,           NOKEY, "scripting", fun::function_delete),
    cmd("dump",     2, NOSCRIPT,                   NOKEY, "scripting", fun::function_dump),
    cmd("flush",   -2, WRITE | NOSCRIPT,           NOKEY, "scripting", fun::function_flush),
    cmd("help",     2, LOADING | STALE,            NOKEY, "scripting", fun::function_help),
    cmd("kill",     2, NOSCRIPT | ALLOW_BUSY,      NOKEY, "scripting", fun::function_kill),
    cmd("list",    -2, NOSCRIPT,                   NOKEY, "scripting", fun::function_list),
    cmd("load",    -3, WRITE | DENYOOM | NOSCRIPT, NOKEY, "scripting", fun::function_load),
    cmd("restore", -3, WRITE | DENYOOM | NOSCRIPT, NOKEY, "scripting", fun::function_restore),
    cmd("stats",    2, NOSCRIPT | ALLOW_BUSY,      NOKEY, "scripting", fun::function_stats),
];

/// LATENCY subcommands.
#[rustfmt::skip]
static LATENCY_SUBS: &[CommandSpec] = &[
    cmd("doctor",     2, LATENCY_FLAGS,   NOKEY, "server", latency::latency_doctor),
    cmd("graph",      3, LATENCY_FLAGS,   NOKEY, "server", latency::latency_graph),
    cmd("help",       2, LOADING | STALE, NOKEY, "server", latency::latency_help),
    cmd("histogram", -2, LATENCY_FLAGS,   NOKEY, "server", latency::latency_histogram),
    cmd("history",    3, LATENCY_FLAGS,   NOKEY, "server", latency::latency_history),
    cmd("latest",     2, LATENCY_FLAGS,   NOKEY, "server", latency::latency_latest),
    cmd("reset",     -2, LATENCY_FLAGS,   NOKEY, "server", latency::latency_reset),
];

/// MEMORY subcommands.
#[rustfmt::skip]
static MEMORY_SUBS: &[CommandSpec] = &[
    cmd("doctor",        2, 0,               NOKEY, "server", memory::memory_doctor),
    cmd("help",          2, LOADING | STALE, NOKEY, "server", memory::memory_help),
    cmd("malloc-stats",  2, 0,               NOKEY, "server", memory::memory_malloc_stats),
    cmd("purge",         2, 0,               NOKEY, "server", memory::memory_purge),
    cmd("stats",         2, 0,               NOKEY, "server", memory::memory_stats),
    cmd("usage",        -3, READONLY,        KEY2,  "server", memory::memory_usage),
];

/// SLOWLOG subcommands.
#[rustfmt::skip]
static SLOWLOG_SUBS: &[CommandSpec] = &[
    cmd("get",   -2, SLOWLOG_FLAGS,   NOKEY, "server", slowlog::slowlog_get),
    cmd("help",   2, LOADING | STALE, NOKEY, "server", slowlog::slowlog_help),
    cmd("len",    2, SLOWLOG_FLAGS,   NOKEY, "server", slowlog::slowlog_len),
    cmd("reset",  2, SLOWLOG_FLAGS,   NOKEY, "server", slowlog::slowlog_reset),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercase_and_unique() {
        let mut names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
        assert!(names
            .iter()
            .all(|n| n.chars().all(|c| !c.is_ascii_uppercase())));
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn lookup_ignores_case() {
        assert_eq!(super::super::lookup(b"GeT").map(|c| c.name), Some("get"));
        assert!(super::super::lookup(b"nosuch").is_none());
        assert!(super::super::lookup(b"").is_none());
    }
}
