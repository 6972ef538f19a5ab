//! THE command table. One row per command: name, arity (Redis's sign rule),
//! flags, key positions, group and handler. Dispatch, COMMAND and COMMAND
//! INFO are all generated from it; nothing else lists commands.

use super::flags::*;
use super::{connection as conn, keys, server as srv, string as s, CommandSpec, Handler};

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

const NOKEY: (i32, i32, i32) = (0, 0, 0);
const KEY1: (i32, i32, i32) = (1, 1, 1);
const KEYS_ALL: (i32, i32, i32) = (1, -1, 1);
const KEYS_PAIR: (i32, i32, i32) = (1, 2, 1);
const ADMIN_FLAGS: u32 = ADMIN | NOSCRIPT | LOADING | STALE;
const CONN_FLAGS: u32 = NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY;

static OBJECT_SUBS: &[CommandSpec] = &[
    cmd(
        "encoding",
        3,
        READONLY,
        (2, 2, 1),
        "generic",
        keys::object_encoding,
    ),
    cmd("freq", 3, READONLY, (2, 2, 1), "generic", keys::object_freq),
    cmd(
        "help",
        2,
        LOADING | STALE,
        NOKEY,
        "generic",
        keys::object_help,
    ),
    cmd(
        "idletime",
        3,
        READONLY,
        (2, 2, 1),
        "generic",
        keys::object_idletime,
    ),
    cmd(
        "refcount",
        3,
        READONLY,
        (2, 2, 1),
        "generic",
        keys::object_refcount,
    ),
];

static CONFIG_SUBS: &[CommandSpec] = &[
    cmd(
        "get",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        NOKEY,
        "server",
        srv::config_get,
    ),
    cmd(
        "help",
        2,
        LOADING | STALE,
        NOKEY,
        "server",
        srv::config_help,
    ),
    cmd(
        "resetstat",
        2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        NOKEY,
        "server",
        srv::config_resetstat,
    ),
    cmd(
        "set",
        -4,
        ADMIN | NOSCRIPT | LOADING | STALE,
        NOKEY,
        "server",
        srv::config_set,
    ),
];

static COMMAND_SUBS: &[CommandSpec] = &[
    cmd(
        "count",
        2,
        LOADING | STALE,
        NOKEY,
        "server",
        srv::command_count,
    ),
    cmd(
        "help",
        2,
        LOADING | STALE,
        NOKEY,
        "server",
        srv::command_help,
    ),
    cmd(
        "info",
        -2,
        LOADING | STALE,
        NOKEY,
        "server",
        srv::command_info_cmd,
    ),
    cmd(
        "list",
        -2,
        LOADING | STALE,
        NOKEY,
        "server",
        srv::command_list,
    ),
];

static CLIENT_SUBS: &[CommandSpec] = &[
    cmd(
        "getname",
        2,
        NOSCRIPT | LOADING | STALE,
        NOKEY,
        "connection",
        conn::client_getname,
    ),
    cmd(
        "id",
        2,
        NOSCRIPT | LOADING | STALE,
        NOKEY,
        "connection",
        conn::client_id,
    ),
    cmd(
        "setname",
        3,
        NOSCRIPT | LOADING | STALE,
        NOKEY,
        "connection",
        conn::client_setname,
    ),
];

/// Every command. Order does not matter: lookup sorts an index at startup.
pub static COMMANDS: &[CommandSpec] = &[
    // Strings
    cmd(
        "append",
        3,
        WRITE | DENYOOM | FAST,
        KEY1,
        "string",
        s::append,
    ),
    cmd("decr", 2, WRITE | DENYOOM | FAST, KEY1, "string", s::decr),
    cmd(
        "decrby",
        3,
        WRITE | DENYOOM | FAST,
        KEY1,
        "string",
        s::decrby,
    ),
    cmd("get", 2, READONLY | FAST, KEY1, "string", s::get),
    cmd("getdel", 2, WRITE | FAST, KEY1, "string", s::getdel),
    cmd("getex", -2, WRITE | FAST, KEY1, "string", s::getex),
    cmd("getrange", 4, READONLY, KEY1, "string", s::getrange),
    cmd(
        "getset",
        3,
        WRITE | DENYOOM | FAST,
        KEY1,
        "string",
        s::getset,
    ),
    cmd("incr", 2, WRITE | DENYOOM | FAST, KEY1, "string", s::incr),
    cmd(
        "incrby",
        3,
        WRITE | DENYOOM | FAST,
        KEY1,
        "string",
        s::incrby,
    ),
    cmd(
        "incrbyfloat",
        3,
        WRITE | DENYOOM | FAST,
        KEY1,
        "string",
        s::incrbyfloat,
    ),
    cmd("lcs", -3, READONLY, KEYS_PAIR, "string", s::lcs),
    cmd("mget", -2, READONLY | FAST, KEYS_ALL, "string", s::mget),
    cmd("mset", -3, WRITE | DENYOOM, (1, -1, 2), "string", s::mset),
    cmd(
        "msetnx",
        -3,
        WRITE | DENYOOM,
        (1, -1, 2),
        "string",
        s::msetnx,
    ),
    cmd("psetex", 4, WRITE | DENYOOM, KEY1, "string", s::psetex),
    cmd("set", -3, WRITE | DENYOOM, KEY1, "string", s::set),
    cmd("setex", 4, WRITE | DENYOOM, KEY1, "string", s::setex),
    cmd("setnx", 3, WRITE | DENYOOM | FAST, KEY1, "string", s::setnx),
    cmd("setrange", 4, WRITE | DENYOOM, KEY1, "string", s::setrange),
    cmd("strlen", 2, READONLY | FAST, KEY1, "string", s::strlen),
    cmd("substr", 4, READONLY, KEY1, "string", s::getrange),
    // Keyspace
    cmd(
        "copy",
        -3,
        WRITE | DENYOOM,
        KEYS_PAIR,
        "generic",
        keys::copy,
    ),
    cmd("dbsize", 1, READONLY | FAST, NOKEY, "server", keys::dbsize),
    cmd("del", -2, WRITE, KEYS_ALL, "generic", keys::del),
    cmd(
        "exists",
        -2,
        READONLY | FAST,
        KEYS_ALL,
        "generic",
        keys::exists,
    ),
    cmd("expire", -3, WRITE | FAST, KEY1, "generic", keys::expire),
    cmd(
        "expireat",
        -3,
        WRITE | FAST,
        KEY1,
        "generic",
        keys::expireat,
    ),
    cmd(
        "expiretime",
        2,
        READONLY | FAST,
        KEY1,
        "generic",
        keys::expiretime,
    ),
    cmd("flushall", -1, WRITE, NOKEY, "server", keys::flushall),
    cmd("flushdb", -1, WRITE, NOKEY, "server", keys::flushdb),
    cmd("keys", 2, READONLY, NOKEY, "generic", keys::keys),
    cmd("move", 3, WRITE | FAST, KEY1, "generic", keys::move_),
    container("object", 0, "generic", OBJECT_SUBS),
    cmd("persist", 2, WRITE | FAST, KEY1, "generic", keys::persist),
    cmd("pexpire", -3, WRITE | FAST, KEY1, "generic", keys::pexpire),
    cmd(
        "pexpireat",
        -3,
        WRITE | FAST,
        KEY1,
        "generic",
        keys::pexpireat,
    ),
    cmd(
        "pexpiretime",
        2,
        READONLY | FAST,
        KEY1,
        "generic",
        keys::pexpiretime,
    ),
    cmd("pttl", 2, READONLY | FAST, KEY1, "generic", keys::pttl),
    cmd("randomkey", 1, READONLY, NOKEY, "generic", keys::randomkey),
    cmd("rename", 3, WRITE, KEYS_PAIR, "generic", keys::rename),
    cmd(
        "renamenx",
        3,
        WRITE | FAST,
        KEYS_PAIR,
        "generic",
        keys::renamenx,
    ),
    cmd("scan", -2, READONLY, NOKEY, "generic", keys::scan),
    cmd("swapdb", 3, WRITE | FAST, NOKEY, "server", keys::swapdb),
    cmd(
        "touch",
        -2,
        READONLY | FAST,
        KEYS_ALL,
        "generic",
        keys::touch,
    ),
    cmd("ttl", 2, READONLY | FAST, KEY1, "generic", keys::ttl),
    cmd("type", 2, READONLY | FAST, KEY1, "generic", keys::type_),
    cmd("unlink", -2, WRITE | FAST, KEYS_ALL, "generic", keys::del),
    // Connection
    cmd("auth", -2, CONN_FLAGS, NOKEY, "connection", conn::auth),
    container("client", 0, "connection", CLIENT_SUBS),
    cmd("echo", 2, FAST, NOKEY, "connection", conn::echo),
    cmd("hello", -1, CONN_FLAGS, NOKEY, "connection", conn::hello),
    cmd("ping", -1, FAST, NOKEY, "connection", conn::ping),
    cmd("quit", -1, CONN_FLAGS, NOKEY, "connection", conn::quit),
    cmd("reset", 1, CONN_FLAGS, NOKEY, "connection", conn::reset),
    cmd(
        "select",
        2,
        LOADING | STALE | FAST,
        NOKEY,
        "connection",
        conn::select,
    ),
    // Server
    container_with(
        cmd(
            "command",
            -1,
            LOADING | STALE,
            NOKEY,
            "server",
            srv::command,
        ),
        COMMAND_SUBS,
    ),
    container("config", 0, "server", CONFIG_SUBS),
    cmd(
        "bgrewriteaof",
        1,
        ADMIN | NOSCRIPT,
        NOKEY,
        "server",
        srv::bgrewriteaof,
    ),
    cmd("debug", -2, ADMIN_FLAGS, NOKEY, "server", srv::debug),
    cmd("info", -1, LOADING | STALE, NOKEY, "server", srv::info),
    cmd(
        "lastsave",
        1,
        LOADING | STALE | FAST,
        NOKEY,
        "server",
        srv::lastsave,
    ),
    cmd(
        "shutdown",
        -1,
        ADMIN_FLAGS | NO_MULTI | ALLOW_BUSY,
        NOKEY,
        "server",
        srv::shutdown,
    ),
    cmd(
        "time",
        1,
        LOADING | STALE | FAST,
        NOKEY,
        "server",
        srv::time,
    ),
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
