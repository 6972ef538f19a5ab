//! The parameter table, one row per parameter, and the value parsers its
//! rows use. Parameters of features Cinnabar does not have yet are the
//! `inert!` rows (see [`super::inert`]).

use super::inert::*;
use super::*;

pub(super) fn yes_no(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

pub(super) fn int_in(v: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let n = crate::util::parse_i64(v.as_bytes())
        .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
    if n < lo || n > hi {
        return Err(format!("argument must be between {lo} and {hi} inclusive"));
    }
    Ok(n)
}

/// A memory amount in a given range, parsed as Redis's `memtoull` does.
pub(super) fn mem_in(v: &str, lo: u64, hi: u64) -> Result<u64, String> {
    let n = parse_memory(v).ok_or_else(|| "argument must be a memory value".to_string())?;
    if n < lo || n > hi {
        return Err(format!("argument must be between {lo} and {hi} inclusive"));
    }
    Ok(n)
}

pub(super) fn one_of(v: &str, options: &[&str]) -> Result<String, String> {
    let lower = v.to_ascii_lowercase();
    if options.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(format!(
            "argument(s) must be one of the following: {}",
            options.join(", ")
        ))
    }
}

pub(super) fn yn(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

const OBUF_CLASSES: [&str; 3] = ["normal", "replica", "pubsub"];

pub(super) fn parse_obuf(c: &mut Config, v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    // Split on single spaces, as Redis does: doubled spaces are an error.
    let words: Vec<&str> = v.split(' ').collect();
    if !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut limits = c.obuf_limits;
    for group in words.chunks(4) {
        let class = match group[0].to_ascii_lowercase().as_str() {
            "normal" => 0,
            "replica" | "slave" => 1,
            "pubsub" => 2,
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into())
            }
        };
        let hard = parse_memory(group[1]);
        let soft = parse_memory(group[2]);
        let secs = group[3].parse::<u64>().ok();
        let (Some(hard), Some(soft), Some(soft_secs)) = (hard, soft, secs) else {
            return Err(
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.".into(),
            );
        };
        limits[class] = ObufLimit {
            hard,
            soft,
            soft_secs,
        };
    }
    c.obuf_limits = limits;
    Ok(())
}

pub(super) fn show_obuf(c: &Config) -> String {
    OBUF_CLASSES
        .iter()
        .zip(c.obuf_limits.iter())
        .map(|(name, l)| {
            let name = if *name == "replica" { "slave" } else { name };
            format!("{name} {} {} {}", l.hard, l.soft, l.soft_secs)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Redis 7.0's default `save` schedule.
const REDIS_SAVE: &str = "3600 1 300 100 60 10000";

/// `save` points: "" (none) or pairs of seconds (>= 1) and changes (>= 0),
/// separated by single spaces.
pub(super) fn parse_save(v: &str) -> Result<String, String> {
    if v.is_empty() {
        return Ok(String::new());
    }
    let invalid = || "Invalid save parameters".to_string();
    let nums = v
        .split(' ')
        .map(|w| crate::util::parse_i64(w.as_bytes()))
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(invalid)?;
    if !nums.len().is_multiple_of(2) || nums.chunks(2).any(|p| p[0] < 1 || p[1] < 0) {
        return Err(invalid());
    }
    Ok(v.to_string())
}

/// The parameter table. Order is the order of `--help`.
pub static PARAMS: &[Param] = &[
    Param {
        name: "bind",
        default: "127.0.0.1",
        mode: Mode::Mutable,
        help: "addresses to listen on",
        get: |c| c.bind.join(" "),
        set: |c, v| {
            c.bind = v.split_whitespace().map(String::from).collect();
            if c.bind.is_empty() {
                return Err("Too many bind addresses specified.".into());
            }
            Ok(())
        },
    },
    Param {
        name: "port",
        default: "6379",
        mode: Mode::Mutable,
        help: "TCP port (0 binds an ephemeral port)",
        get: |c| c.port.to_string(),
        set: |c, v| {
            c.port = int_in(v, 0, 65535)? as u16;
            Ok(())
        },
    },
    Param {
        name: "unixsocket",
        default: "",
        mode: Mode::Immutable,
        help: "path of a Unix domain socket to listen on too (\"\" for none)",
        get: |c| c.unixsocket.clone(),
        set: |c, v| {
            c.unixsocket = v.to_string();
            Ok(())
        },
    },
    Param {
        name: "unixsocketperm",
        default: "0",
        mode: Mode::Immutable,
        help: "permissions of the Unix socket's file, in octal (0: the umask's)",
        get: |c| format!("{:o}", c.unixsocketperm),
        set: |c, v| {
            let perm = u32::from_str_radix(v, 8)
                .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
            if perm > 0o777 {
                return Err("argument must be between 0 and 777 inclusive".into());
            }
            c.unixsocketperm = perm;
            Ok(())
        },
    },
    Param {
        name: "dir",
        default: ".",
        mode: Mode::Protected,
        help: "working directory for persistence files",
        get: |c| c.dir.clone(),
        set: |c, v| {
            c.dir = v.to_string();
            Ok(())
        },
    },
    Param {
        name: "databases",
        default: "16",
        mode: Mode::Immutable,
        help: "number of databases",
        get: |c| c.databases.to_string(),
        set: |c, v| {
            c.databases = int_in(v, 1, i32::MAX as i64)? as usize;
            Ok(())
        },
    },
    Param {
        name: "hz",
        default: "10",
        mode: Mode::Mutable,
        help: "background task frequency per second",
        get: |c| c.hz.to_string(),
        set: |c, v| {
            c.hz = int_in(v, 0, i32::MAX as i64)?.clamp(1, 500) as u32;
            Ok(())
        },
    },
    Param {
        name: "timeout",
        default: "0",
        mode: Mode::Mutable,
        help: "close idle clients after N seconds (0: never)",
        get: |c| c.timeout.to_string(),
        set: |c, v| {
            c.timeout = int_in(v, 0, i32::MAX as i64)? as u64;
            Ok(())
        },
    },
    Param {
        name: "tcp-keepalive",
        default: "300",
        mode: Mode::Mutable,
        help: "TCP keepalive interval in seconds",
        get: |c| c.tcp_keepalive.to_string(),
        set: |c, v| {
            c.tcp_keepalive = int_in(v, 0, i32::MAX as i64)? as u64;
            Ok(())
        },
    },
    Param {
        name: "tcp-backlog",
        default: "511",
        mode: Mode::Immutable,
        help: "listen backlog",
        get: |c| c.tcp_backlog.to_string(),
        set: |c, v| {
            c.tcp_backlog = int_in(v, 0, i32::MAX as i64)? as u32;
            Ok(())
        },
    },
    Param {
        name: "loglevel",
        default: "notice",
        mode: Mode::Mutable,
        help: "debug, verbose, notice or warning (RUST_LOG overrides)",
        get: |c| c.loglevel.clone(),
        set: |c, v| {
            c.loglevel = one_of(v, &["debug", "verbose", "notice", "warning"])?;
            Ok(())
        },
    },
    Param {
        name: "logfile",
        default: "",
        mode: Mode::Immutable,
        help: "log file (empty: standard output)",
        get: |c| c.logfile.clone(),
        set: |c, v| {
            c.logfile = v.to_string();
            Ok(())
        },
    },
    Param {
        name: "maxclients",
        default: "10000",
        mode: Mode::Mutable,
        help: "maximum simultaneous clients",
        get: |c| c.maxclients.to_string(),
        set: |c, v| {
            c.maxclients = int_in(v, 1, u32::MAX as i64)? as usize;
            Ok(())
        },
    },
    Param {
        name: "proto-max-bulk-len",
        default: "512mb",
        mode: Mode::Mutable,
        help: "largest bulk argument accepted",
        get: |c| c.proto_max_bulk_len.to_string(),
        set: |c, v| {
            c.proto_max_bulk_len = mem_in(v, 1024 * 1024, i64::MAX as u64)? as i64;
            Ok(())
        },
    },
    Param {
        name: "client-query-buffer-limit",
        default: "1gb",
        mode: Mode::Mutable,
        help: "largest unparsed input per client",
        get: |c| c.client_query_buffer_limit.to_string(),
        set: |c, v| {
            c.client_query_buffer_limit = mem_in(v, 1024 * 1024, i64::MAX as u64)?;
            Ok(())
        },
    },
    Param {
        name: "client-output-buffer-limit",
        default: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        mode: Mode::Mutable,
        help: "output limits per class: <class> <hard> <soft> <soft-seconds>",
        get: show_obuf,
        set: parse_obuf,
    },
    Param {
        name: "client-output-pause",
        default: "1mb",
        mode: Mode::Mutable,
        help: "Cinnabar: pause reading a client while its unsent output exceeds this (0: off)",
        get: |c| c.client_output_pause.to_string(),
        set: |c, v| {
            c.client_output_pause = mem_in(v, 0, i64::MAX as u64)?;
            Ok(())
        },
    },
    Param {
        name: "save",
        default: "",
        mode: Mode::Mutable,
        help: "RDB save points: no RDB yet, so only \"\" or Redis's default",
        get: |c| c.save.clone(),
        set: |c, v| {
            let save = parse_save(v)?;
            // No RDB yet ([4/9]): off, or Redis's default as stock
            // configs write it; any other schedule would be ignored.
            let words: Vec<&str> = save.split_whitespace().collect();
            if !words.is_empty() && words != REDIS_SAVE.split(' ').collect::<Vec<_>>() {
                return Err(format!(
                    "save is not available yet in Cinnabar (RDB): only '' or its default '{REDIS_SAVE}' is accepted"
                ));
            }
            c.save = save;
            Ok(())
        },
    },
    Param {
        name: "appendonly",
        default: "yes",
        mode: Mode::Mutable,
        help: "append-only file persistence (on by default, unlike Redis)",
        get: |c| yn(c.appendonly),
        set: |c, v| {
            c.appendonly = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "appendfsync",
        default: "everysec",
        mode: Mode::Mutable,
        help: "always, everysec or no",
        get: |c| c.appendfsync.clone(),
        set: |c, v| {
            c.appendfsync = one_of(v, &["everysec", "always", "no"])?;
            Ok(())
        },
    },
    Param {
        name: "appendfilename",
        default: "appendonly.aof",
        mode: Mode::Immutable,
        help: "AOF base file name",
        get: |c| c.appendfilename.clone(),
        set: |c, v| {
            c.appendfilename = v.to_string();
            Ok(())
        },
    },
    Param {
        name: "appenddirname",
        default: "appendonlydir",
        mode: Mode::Immutable,
        help: "AOF directory under dir",
        get: |c| c.appenddirname.clone(),
        set: |c, v| {
            c.appenddirname = v.to_string();
            Ok(())
        },
    },
    Param {
        name: "aof-load-truncated",
        default: "yes",
        mode: Mode::Mutable,
        help: "load an AOF whose last command is cut short, dropping it",
        get: |c| yn(c.aof_load_truncated),
        set: |c, v| {
            c.aof_load_truncated = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "auto-aof-rewrite-percentage",
        default: "100",
        mode: Mode::Mutable,
        help: "rewrite when the AOF grew this much since the last rewrite (0: never)",
        get: |c| c.auto_aof_rewrite_percentage.to_string(),
        set: |c, v| {
            c.auto_aof_rewrite_percentage = int_in(v, 0, i32::MAX as i64)? as u64;
            Ok(())
        },
    },
    Param {
        name: "auto-aof-rewrite-min-size",
        default: "64mb",
        mode: Mode::Mutable,
        help: "no automatic rewrite below this AOF size",
        get: |c| c.auto_aof_rewrite_min_size.to_string(),
        set: |c, v| {
            c.auto_aof_rewrite_min_size = mem_in(v, 0, i64::MAX as u64)?;
            Ok(())
        },
    },
    Param {
        name: "aof-use-rdb-preamble",
        default: "no",
        mode: Mode::Mutable,
        help: "accepted for compatibility; base files are always AOF",
        get: |c| yn(c.aof_use_rdb_preamble),
        set: |c, v| {
            c.aof_use_rdb_preamble = yes_no(v)?;
            Ok(())
        },
    },
    inert!("aof-timestamp-enabled", "no", Mutable, Bool, "AOF timestamp annotations"),
    Param {
        name: "list-max-listpack-size",
        default: "-2",
        mode: Mode::Mutable,
        help: "list node size: positive = entries, -1..-5 = 4..64 KB",
        get: |c| c.list_max_listpack_size.to_string(),
        set: |c, v| {
            c.list_max_listpack_size = int_in(v, i32::MIN as i64, i32::MAX as i64)?;
            Ok(())
        },
    },
    Param {
        name: "list-max-ziplist-size",
        default: "-2",
        mode: Mode::Mutable,
        help: "alias of list-max-listpack-size",
        get: |c| c.list_max_listpack_size.to_string(),
        set: |c, v| {
            c.list_max_listpack_size = int_in(v, i32::MIN as i64, i32::MAX as i64)?;
            Ok(())
        },
    },
    Param {
        name: "list-compress-depth",
        default: "0",
        mode: Mode::Mutable,
        help: "list nodes left plain at each end; the rest are LZF-compressed (0: none)",
        get: |c| c.list_compress_depth.to_string(),
        set: |c, v| {
            c.list_compress_depth = int_in(v, 0, i32::MAX as i64)? as usize;
            Ok(())
        },
    },
    Param {
        name: "hash-max-listpack-entries",
        default: "512",
        mode: Mode::Mutable,
        help: "hashes up to this many fields use a listpack",
        get: |c| c.hash_max_listpack_entries.to_string(),
        set: |c, v| {
            c.hash_max_listpack_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "hash-max-ziplist-entries",
        default: "512",
        mode: Mode::Mutable,
        help: "alias of hash-max-listpack-entries",
        get: |c| c.hash_max_listpack_entries.to_string(),
        set: |c, v| {
            c.hash_max_listpack_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "hash-max-listpack-value",
        default: "64",
        mode: Mode::Mutable,
        help: "hashes whose fields and values fit this stay a listpack",
        get: |c| c.hash_max_listpack_value.to_string(),
        set: |c, v| {
            c.hash_max_listpack_value = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "hash-max-ziplist-value",
        default: "64",
        mode: Mode::Mutable,
        help: "alias of hash-max-listpack-value",
        get: |c| c.hash_max_listpack_value.to_string(),
        set: |c, v| {
            c.hash_max_listpack_value = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "set-max-intset-entries",
        default: "512",
        mode: Mode::Mutable,
        help: "integer sets up to this size use an intset",
        get: |c| c.set_max_intset_entries.to_string(),
        set: |c, v| {
            c.set_max_intset_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "set-max-listpack-entries",
        default: "128",
        mode: Mode::Mutable,
        help: "accepted (Redis 7.2 name); sets of strings are hashtables as in 7.0",
        get: |c| c.set_max_listpack_entries.to_string(),
        set: |c, v| {
            c.set_max_listpack_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "set-max-listpack-value",
        default: "64",
        mode: Mode::Mutable,
        help: "accepted (Redis 7.2 name)",
        get: |c| c.set_max_listpack_value.to_string(),
        set: |c, v| {
            c.set_max_listpack_value = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "stream-node-max-bytes",
        default: "4096",
        mode: Mode::Mutable,
        help: "a stream block holds at most this many bytes (0: no limit)",
        get: |c| c.stream_node_max_bytes.to_string(),
        set: |c, v| {
            c.stream_node_max_bytes = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "stream-node-max-entries",
        default: "100",
        mode: Mode::Mutable,
        help: "a stream block holds at most this many entries (0: no limit)",
        get: |c| c.stream_node_max_entries.to_string(),
        set: |c, v| {
            c.stream_node_max_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "zset-max-listpack-entries",
        default: "128",
        mode: Mode::Mutable,
        help: "sorted sets up to this size use a listpack",
        get: |c| c.zset_max_listpack_entries.to_string(),
        set: |c, v| {
            c.zset_max_listpack_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "zset-max-ziplist-entries",
        default: "128",
        mode: Mode::Mutable,
        help: "alias of zset-max-listpack-entries",
        get: |c| c.zset_max_listpack_entries.to_string(),
        set: |c, v| {
            c.zset_max_listpack_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "zset-max-listpack-value",
        default: "64",
        mode: Mode::Mutable,
        help: "sorted sets whose members fit this stay a listpack",
        get: |c| c.zset_max_listpack_value.to_string(),
        set: |c, v| {
            c.zset_max_listpack_value = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "zset-max-ziplist-value",
        default: "64",
        mode: Mode::Mutable,
        help: "alias of zset-max-listpack-value",
        get: |c| c.zset_max_listpack_value.to_string(),
        set: |c, v| {
            c.zset_max_listpack_value = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "protected-mode",
        default: "yes",
        mode: Mode::Mutable,
        help: "refuse remote clients without a password",
        get: |c| yn(c.protected_mode),
        set: |c, v| {
            c.protected_mode = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "maxmemory",
        default: "0",
        mode: Mode::Mutable,
        help: "memory limit in bytes (0: none)",
        get: |c| c.maxmemory.to_string(),
        set: |c, v| {
            c.maxmemory = mem_in(v, 0, u64::MAX)?;
            Ok(())
        },
    },
    Param {
        name: "maxmemory-policy",
        default: "noeviction",
        mode: Mode::Mutable,
        help: "eviction policy",
        get: |c| c.maxmemory_policy.clone(),
        set: |c, v| {
            c.maxmemory_policy = one_of(
                v,
                &[
                    "volatile-lru",
                    "volatile-lfu",
                    "volatile-random",
                    "volatile-ttl",
                    "allkeys-lru",
                    "allkeys-lfu",
                    "allkeys-random",
                    "noeviction",
                ],
            )?;
            c.maxmemory_lfu = c.maxmemory_policy.ends_with("lfu");
            Ok(())
        },
    },
    Param {
        name: "maxmemory-samples",
        default: "5",
        mode: Mode::Mutable,
        help: "keys sampled per eviction",
        get: |c| c.maxmemory_samples.to_string(),
        set: |c, v| {
            c.maxmemory_samples = int_in(v, 1, i32::MAX as i64)? as u32;
            Ok(())
        },
    },
    Param {
        name: "lfu-log-factor",
        default: "10",
        mode: Mode::Mutable,
        help: "how slowly the LFU counter grows",
        get: |c| c.lfu_log_factor.to_string(),
        set: |c, v| {
            c.lfu_log_factor = int_in(v, 0, i32::MAX as i64)? as u32;
            Ok(())
        },
    },
    Param {
        name: "lfu-decay-time",
        default: "1",
        mode: Mode::Mutable,
        help: "minutes per decrement of an idle LFU counter",
        get: |c| c.lfu_decay_time.to_string(),
        set: |c, v| {
            c.lfu_decay_time = int_in(v, 0, i32::MAX as i64)? as u32;
            Ok(())
        },
    },
    Param {
        name: "lazyfree-lazy-eviction",
        default: "no",
        mode: Mode::Mutable,
        help: "free evicted values on the lazy-free thread",
        get: |c| yn(c.lazyfree_lazy_eviction),
        set: |c, v| {
            c.lazyfree_lazy_eviction = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "lazyfree-lazy-expire",
        default: "no",
        mode: Mode::Mutable,
        help: "free expired values on the lazy-free thread",
        get: |c| yn(c.lazyfree_lazy_expire),
        set: |c, v| {
            c.lazyfree_lazy_expire = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "lazyfree-lazy-server-del",
        default: "no",
        mode: Mode::Mutable,
        help: "free values deleted or overwritten by commands on the lazy-free thread",
        get: |c| yn(c.lazyfree_lazy_server_del),
        set: |c, v| {
            c.lazyfree_lazy_server_del = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "lazyfree-lazy-user-del",
        default: "no",
        mode: Mode::Mutable,
        help: "DEL frees values on the lazy-free thread, as UNLINK",
        get: |c| yn(c.lazyfree_lazy_user_del),
        set: |c, v| {
            c.lazyfree_lazy_user_del = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "lazyfree-lazy-user-flush",
        default: "no",
        mode: Mode::Mutable,
        help: "FLUSHALL/FLUSHDB without an argument are ASYNC",
        get: |c| yn(c.lazyfree_lazy_user_flush),
        set: |c, v| {
            c.lazyfree_lazy_user_flush = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "replica-lazy-flush",
        default: "no",
        mode: Mode::Mutable,
        help: "accepted and stored (no replication yet)",
        get: |c| yn(c.replica_lazy_flush),
        set: |c, v| {
            c.replica_lazy_flush = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "slave-lazy-flush",
        default: "no",
        mode: Mode::Mutable,
        help: "alias of replica-lazy-flush",
        get: |c| yn(c.replica_lazy_flush),
        set: |c, v| {
            c.replica_lazy_flush = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "requirepass",
        default: "",
        mode: Mode::Mutable,
        help: "password for the default user",
        get: |c| c.requirepass.clone(),
        set: |c, v| {
            c.requirepass = v.to_string();
            Ok(())
        },
    },
    Param {
        name: "aclfile",
        default: "",
        mode: Mode::Immutable,
        help: "file of users for ACL LOAD and ACL SAVE",
        get: |c| c.aclfile.clone(),
        set: |c, v| {
            c.aclfile = v.to_string();
            Ok(())
        },
    },
    Param {
        name: "acllog-max-len",
        default: "128",
        mode: Mode::Mutable,
        help: "entries kept by ACL LOG",
        get: |c| c.acllog_max_len.to_string(),
        set: |c, v| {
            c.acllog_max_len = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "acl-pubsub-default",
        default: "resetchannels",
        mode: Mode::Mutable,
        help: "channels of new users: allchannels or resetchannels",
        get: |c| {
            if c.acl_pubsub_default_all {
                "allchannels".into()
            } else {
                "resetchannels".into()
            }
        },
        set: |c, v| {
            c.acl_pubsub_default_all = match v.to_ascii_lowercase().as_str() {
                "allchannels" => true,
                "resetchannels" => false,
                _ => {
                    return Err(
                        "argument(s) must be one of the following: allchannels, resetchannels"
                            .into(),
                    )
                }
            };
            Ok(())
        },
    },
    Param {
        name: "notify-keyspace-events",
        default: "",
        mode: Mode::Mutable,
        help: "keyspace event classes to publish (Redis's flag letters)",
        get: |c| crate::notify::format_flags(c.notify_keyspace_events),
        set: |c, v| {
            c.notify_keyspace_events = crate::notify::parse_flags(v)?;
            Ok(())
        },
    },
    Param {
        name: "slowlog-log-slower-than",
        default: "10000",
        mode: Mode::Mutable,
        help: "log commands slower than this many microseconds (-1: none, 0: all)",
        get: |c| c.slowlog_log_slower_than.to_string(),
        set: |c, v| {
            c.slowlog_log_slower_than = int_in(v, -1, i64::MAX)?;
            Ok(())
        },
    },
    Param {
        name: "slowlog-max-len",
        default: "128",
        mode: Mode::Mutable,
        help: "entries kept in the slow log",
        get: |c| c.slowlog_max_len.to_string(),
        set: |c, v| {
            c.slowlog_max_len = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "busy-reply-threshold",
        default: "5000",
        mode: Mode::Mutable,
        help: "milliseconds a script runs before other clients get BUSY",
        get: |c| c.busy_reply_threshold.to_string(),
        set: |c, v| {
            c.busy_reply_threshold = int_in(v, 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Param {
        name: "lua-time-limit",
        default: "5000",
        mode: Mode::Mutable,
        help: "alias of busy-reply-threshold",
        get: |c| c.busy_reply_threshold.to_string(),
        set: |c, v| {
            c.busy_reply_threshold = int_in(v, 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Param {
        name: "latency-monitor-threshold",
        default: "0",
        mode: Mode::Mutable,
        help: "record latency events of at least this many milliseconds (0: off)",
        get: |c| c.latency_monitor_threshold.to_string(),
        set: |c, v| {
            c.latency_monitor_threshold = int_in(v, 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Param {
        name: "tracking-table-max-keys",
        default: "1000000",
        mode: Mode::Mutable,
        help: "most keys CLIENT TRACKING remembers (0: no limit)",
        get: |c| c.tracking_table_max_keys.to_string(),
        set: |c, v| {
            c.tracking_table_max_keys = int_in(v, 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Param {
        name: "daemonize",
        default: "no",
        mode: Mode::Immutable,
        help: "detach; the parent exits once the listeners are bound",
        get: |c| yn(c.daemonize),
        set: |c, v| {
            c.daemonize = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "pidfile",
        default: "",
        mode: Mode::Immutable,
        help: "file the pid is written to at start and removed from at exit",
        get: |c| c.pidfile.clone(),
        set: |c, v| {
            c.pidfile = v.to_string();
            Ok(())
        },
    },
    Param {
        name: "supervised",
        default: "no",
        mode: Mode::Immutable,
        help: "tell systemd or upstart when connections are accepted: no, systemd, upstart, auto",
        get: |c| c.supervised.clone(),
        set: |c, v| {
            c.supervised = one_of(v, &["upstart", "systemd", "auto", "no"])?;
            Ok(())
        },
    },
    Param {
        name: "always-show-logo",
        default: "no",
        mode: Mode::Immutable,
        help: "print the ASCII logo even when not logging to a terminal",
        get: |c| yn(c.always_show_logo),
        set: |c, v| {
            c.always_show_logo = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "set-proc-title",
        default: "yes",
        mode: Mode::Immutable,
        help: "rewrite the process's command line with proc-title-template",
        get: |c| yn(c.set_proc_title),
        set: |c, v| {
            c.set_proc_title = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "proc-title-template",
        default: "{title} {listen-addr} {server-mode}",
        mode: Mode::Mutable,
        help: "the process title: {title} {listen-addr} {server-mode} {port} {tls-port} {unixsocket} {config-file}",
        get: |c| c.proc_title_template.clone(),
        set: |c, v| {
            // Checked as Redis does: with an empty title.
            let vars = TitleVars {
                listen_addr: "*:0".into(),
                ..TitleVars::default()
            };
            match expand_title(v, &vars) {
                Some(t) if !t.is_empty() => {
                    c.proc_title_template = v.to_string();
                    Ok(())
                }
                _ => Err("template format is invalid or contains unknown variables".into()),
            }
        },
    },
    Param {
        name: "oom-score-adj",
        default: "no",
        mode: Mode::Mutable,
        help: "set /proc/self/oom_score_adj: no, yes (relative), relative, absolute",
        get: |c| c.oom_score_adj.clone(),
        set: |c, v| {
            c.oom_score_adj = one_of(v, &["no", "yes", "relative", "absolute"])?;
            Ok(())
        },
    },
    Param {
        name: "oom-score-adj-values",
        default: "0 200 800",
        mode: Mode::Mutable,
        help: "oom_score_adj of a primary, a replica and a background child",
        get: |c| {
            let [a, b, d] = c.oom_score_adj_values;
            format!("{a} {b} {d}")
        },
        set: |c, v| {
            let words: Vec<&str> = v.split_whitespace().collect();
            if words.len() != 3 {
                return Err("wrong number of arguments".into());
            }
            let mut vals = [0i32; 3];
            for (slot, w) in vals.iter_mut().zip(&words) {
                *slot = w
                    .parse::<i32>()
                    .ok()
                    .filter(|n| (-2000..=2000).contains(n))
                    .ok_or_else(|| {
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                            .to_string()
                    })?;
            }
            c.oom_score_adj_values = vals;
            Ok(())
        },
    },
    Param {
        name: "disable-thp",
        default: "yes",
        mode: Mode::Immutable,
        help: "turn transparent huge pages off for this process",
        get: |c| yn(c.disable_thp),
        set: |c, v| {
            c.disable_thp = yes_no(v)?;
            Ok(())
        },
    },
    // Parameters of features Cinnabar does not have yet: each accepts its
    // Redis 7.0 default (so a stock redis.conf loads) and refuses any other
    // value, naming the feature. CONFIG GET shows the default.
    inert!("activedefrag", "no", Mutable, Bool, "active defragmentation"),
    inert!("active-defrag-cycle-max", "25", Mutable, Range(1, 99), "active defragmentation"),
    inert!("active-defrag-cycle-min", "1", Mutable, Range(1, 99), "active defragmentation"),
    inert!("active-defrag-ignore-bytes", "104857600", Mutable, Mem(1), "active defragmentation"),
    inert!("active-defrag-max-scan-fields", "1000", Mutable, Range(1, LONG_MAX), "active defragmentation"),
    inert!("active-defrag-threshold-lower", "10", Mutable, Range(0, 1000), "active defragmentation"),
    inert!("active-defrag-threshold-upper", "100", Mutable, Range(0, 1000), "active defragmentation"),
    inert!("active-expire-effort", "1", Mutable, Range(1, 10), "tuning"),
    inert!("activerehashing", "yes", Mutable, Bool, "tuning"),
    inert!("dynamic-hz", "yes", Mutable, Bool, "tuning"),
    inert!("jemalloc-bg-thread", "yes", Mutable, Bool, "tuning"),
    inert!("hll-sparse-max-bytes", "3000", Mutable, Mem(0), "HyperLogLog"),
    inert!("io-threads", "1", Immutable, Range(1, 128), "I/O threads or CPU pinning"),
    inert!("io-threads-do-reads", "no", Immutable, Bool, "I/O threads or CPU pinning"),
    inert!("server_cpulist", "", Immutable, Text, "I/O threads or CPU pinning"),
    inert!("bio_cpulist", "", Immutable, Text, "I/O threads or CPU pinning"),
    inert!("aof_rewrite_cpulist", "", Immutable, Text, "I/O threads or CPU pinning"),
    inert!("bgsave_cpulist", "", Immutable, Text, "I/O threads or CPU pinning"),
    inert!("aof-disable-auto-gc", "no", Mutable, Bool, "AOF tuning"),
    inert!("aof-rewrite-incremental-fsync", "yes", Mutable, Bool, "AOF tuning"),
    inert!("no-appendfsync-on-rewrite", "no", Mutable, Bool, "AOF tuning"),
    inert!("dbfilename", "dump.rdb", Protected, Text, "RDB snapshots"),
    inert!("rdbcompression", "yes", Mutable, Bool, "RDB snapshots"),
    inert!("rdbchecksum", "yes", Immutable, Bool, "RDB snapshots"),
    inert!("rdb-del-sync-files", "no", Mutable, Bool, "RDB snapshots"),
    inert!("rdb-save-incremental-fsync", "yes", Mutable, Bool, "RDB snapshots"),
    inert!("stop-writes-on-bgsave-error", "yes", Mutable, Bool, "RDB snapshots"),
    inert!("sanitize-dump-payload", "no", Mutable, Enum(SANITIZE), "RDB snapshots"),
    inert!("rdb-key-save-delay", "0", Mutable, Range(INT_MIN, INT_MAX), "RDB snapshots"),
    inert!("key-load-delay", "0", Mutable, Range(INT_MIN, INT_MAX), "RDB snapshots"),
    inert!("loading-process-events-interval-bytes", "2097152", Mutable, Range(1024, INT_MAX), "RDB snapshots"),
    inert!("lua-enable-deprecated-api", "no", Immutable, Bool, "scripting"),
    inert!("crash-log-enabled", "yes", Mutable, Bool, "diagnostics"),
    inert!("crash-memcheck-enabled", "yes", Mutable, Bool, "diagnostics"),
    inert!("use-exit-on-panic", "no", Mutable, Bool, "diagnostics"),
    inert!("watchdog-period", "0", Mutable, Range(0, INT_MAX), "diagnostics"),
    inert!("enable-debug-command", "yes", Immutable, Enum(ENABLE), "protection"),
    inert!("enable-module-command", "no", Immutable, Enum(ENABLE), "modules"),
    inert!("enable-protected-configs", "no", Immutable, Enum(ENABLE), "protection"),
    inert!("ignore-warnings", "", Mutable, Text, "diagnostics"),
    inert!("latency-tracking", "yes", Mutable, Bool, "latency tracking"),
    inert!("latency-tracking-info-percentiles", "50 99 99.9", Mutable, Percentiles, "latency tracking"),
    inert!("maxmemory-clients", "0", Mutable, MemOrPercent, "eviction tuning"),
    inert!("maxmemory-eviction-tenacity", "10", Mutable, Range(0, 100), "eviction tuning"),
    inert!("shutdown-on-sigint", "default", Mutable, Flags(SHUTDOWN_FLAGS), "shutdown options"),
    inert!("shutdown-on-sigterm", "default", Mutable, Flags(SHUTDOWN_FLAGS), "shutdown options"),
    inert!("shutdown-timeout", "10", Mutable, Range(0, INT_MAX), "shutdown options"),
    inert!("syslog-enabled", "no", Immutable, Bool, "syslog"),
    inert!("syslog-ident", "redis", Immutable, Text, "syslog"),
    inert!("syslog-facility", "local0", Immutable, Enum(FACILITIES), "syslog"),
    inert!("socket-mark-id", "0", Immutable, Range(0, UINT_MAX), "socket marks"),
    inert!("bind-source-addr", "", Mutable, Text, "replication"),
    inert!("replicaof", "", Immutable, Master, "replication"),
    inert!("slaveof", "", Immutable, Master, "replication"),
    inert!("masterauth", "", Mutable, Text, "replication"),
    inert!("masteruser", "", Mutable, Text, "replication"),
    inert!("min-replicas-max-lag", "10", Mutable, Range(0, INT_MAX), "replication"),
    inert!("min-replicas-to-write", "0", Mutable, Range(0, INT_MAX), "replication"),
    inert!("min-slaves-max-lag", "10", Mutable, Range(0, INT_MAX), "replication"),
    inert!("min-slaves-to-write", "0", Mutable, Range(0, INT_MAX), "replication"),
    inert!("propagation-error-behavior", "ignore", Mutable, Enum(PROPAGATION), "replication"),
    inert!("repl-backlog-size", "1048576", Mutable, Mem(1), "replication"),
    inert!("repl-backlog-ttl", "3600", Mutable, Range(0, LONG_MAX), "replication"),
    inert!("repl-disable-tcp-nodelay", "no", Mutable, Bool, "replication"),
    inert!("repl-diskless-load", "disabled", Mutable, Enum(DISKLESS_LOAD), "replication"),
    inert!("repl-diskless-sync", "yes", Mutable, Bool, "replication"),
    inert!("repl-diskless-sync-delay", "5", Mutable, Range(0, INT_MAX), "replication"),
    inert!("repl-diskless-sync-max-replicas", "0", Mutable, Range(0, INT_MAX), "replication"),
    inert!("repl-ping-replica-period", "10", Mutable, Range(1, INT_MAX), "replication"),
    inert!("repl-ping-slave-period", "10", Mutable, Range(1, INT_MAX), "replication"),
    inert!("repl-timeout", "60", Mutable, Range(1, INT_MAX), "replication"),
    inert!("replica-announce-ip", "", Mutable, Text, "replication"),
    inert!("replica-announce-port", "0", Mutable, Range(0, 65535), "replication"),
    inert!("replica-announced", "yes", Mutable, Bool, "replication"),
    inert!("replica-ignore-disk-write-errors", "no", Mutable, Bool, "replication"),
    inert!("replica-ignore-maxmemory", "yes", Mutable, Bool, "replication"),
    inert!("replica-priority", "100", Mutable, Range(0, INT_MAX), "replication"),
    inert!("replica-read-only", "yes", Mutable, Bool, "replication"),
    inert!("replica-serve-stale-data", "yes", Mutable, Bool, "replication"),
    inert!("slave-announce-ip", "", Mutable, Text, "replication"),
    inert!("slave-announce-port", "0", Mutable, Range(0, 65535), "replication"),
    inert!("slave-ignore-maxmemory", "yes", Mutable, Bool, "replication"),
    inert!("slave-priority", "100", Mutable, Range(0, INT_MAX), "replication"),
    inert!("slave-read-only", "yes", Mutable, Bool, "replication"),
    inert!("slave-serve-stale-data", "yes", Mutable, Bool, "replication"),
    inert!("cluster-enabled", "no", Immutable, Bool, "cluster mode"),
    inert!("cluster-config-file", "nodes.conf", Immutable, Text, "cluster mode"),
    inert!("cluster-port", "0", Immutable, Range(0, 65535), "cluster mode"),
    inert!("cluster-allow-pubsubshard-when-down", "yes", Mutable, Bool, "cluster mode"),
    inert!("cluster-allow-reads-when-down", "no", Mutable, Bool, "cluster mode"),
    inert!("cluster-allow-replica-migration", "yes", Mutable, Bool, "cluster mode"),
    inert!("cluster-announce-bus-port", "0", Mutable, Range(0, 65535), "cluster mode"),
    inert!("cluster-announce-hostname", "", Mutable, Hostname, "cluster mode"),
    inert!("cluster-announce-ip", "", Mutable, Text, "cluster mode"),
    inert!("cluster-announce-port", "0", Mutable, Range(0, 65535), "cluster mode"),
    inert!("cluster-announce-tls-port", "0", Mutable, Range(0, 65535), "cluster mode"),
    inert!("cluster-link-sendbuf-limit", "0", Mutable, Mem(0), "cluster mode"),
    inert!("cluster-migration-barrier", "1", Mutable, Range(0, INT_MAX), "cluster mode"),
    inert!("cluster-node-timeout", "15000", Mutable, Range(0, LONG_MAX), "cluster mode"),
    inert!("cluster-preferred-endpoint-type", "ip", Mutable, Enum(ENDPOINTS), "cluster mode"),
    inert!("cluster-replica-no-failover", "no", Mutable, Bool, "cluster mode"),
    inert!("cluster-replica-validity-factor", "10", Mutable, Range(0, INT_MAX), "cluster mode"),
    inert!("cluster-require-full-coverage", "yes", Mutable, Bool, "cluster mode"),
    inert!("cluster-slave-no-failover", "no", Mutable, Bool, "cluster mode"),
    inert!("cluster-slave-validity-factor", "10", Mutable, Range(0, INT_MAX), "cluster mode"),
    inert!("tls-port", "0", Mutable, Range(0, 65535), "TLS"),
    inert!("tls-auth-clients", "yes", Mutable, Enum(TLS_AUTH), "TLS"),
    inert!("tls-ca-cert-dir", "", Mutable, Text, "TLS"),
    inert!("tls-ca-cert-file", "", Mutable, Text, "TLS"),
    inert!("tls-cert-file", "", Mutable, Text, "TLS"),
    inert!("tls-ciphers", "", Mutable, Text, "TLS"),
    inert!("tls-ciphersuites", "", Mutable, Text, "TLS"),
    inert!("tls-client-cert-file", "", Mutable, Text, "TLS"),
    inert!("tls-client-key-file", "", Mutable, Text, "TLS"),
    inert!("tls-client-key-file-pass", "", Mutable, Text, "TLS"),
    inert!("tls-cluster", "no", Mutable, Bool, "TLS"),
    inert!("tls-dh-params-file", "", Mutable, Text, "TLS"),
    inert!("tls-key-file", "", Mutable, Text, "TLS"),
    inert!("tls-key-file-pass", "", Mutable, Text, "TLS"),
    inert!("tls-prefer-server-ciphers", "no", Mutable, Bool, "TLS"),
    inert!("tls-protocols", "", Mutable, Text, "TLS"),
    inert!("tls-replication", "no", Mutable, Bool, "TLS"),
    inert!("tls-session-cache-size", "20480", Mutable, Range(0, INT_MAX), "TLS"),
    inert!("tls-session-cache-timeout", "300", Mutable, Range(0, INT_MAX), "TLS"),
    inert!("tls-session-caching", "yes", Mutable, Bool, "TLS"),
];
