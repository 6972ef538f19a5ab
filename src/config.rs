//! Every configuration parameter in one table: its default, how it parses
//! and prints, and whether CONFIG SET may change it at runtime. The same
//! table drives the config file, `--name value` flags, `--help`, CONFIG GET
//! and CONFIG SET.

use crate::resp::parse::split_args;
use crate::util::{glob_match, parse_memory};

/// One class of `client-output-buffer-limit` (normal, replica, pubsub).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ObufLimit {
    /// Close the client at once above this many bytes (0: no limit).
    pub hard: u64,
    /// Close the client if above this for `soft_secs` seconds (0: none).
    pub soft: u64,
    /// Seconds the soft limit may be exceeded.
    pub soft_secs: u64,
}

/// Declares a struct whose fields are all `pub`, plus a private
/// `zeroed()` that sets every field to its type's `Default` (0, false, "",
/// empty, None). A derived `Default` would do the same, but `Config`'s
/// `Default` must mean the real defaults, so the zero base gets its own name.
macro_rules! with_zeroed {
    (
        $(#[$attr:meta])*
        pub struct $name:ident {
            $( $(#[$fattr:meta])* pub $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$attr])*
        pub struct $name {
            $( $(#[$fattr])* pub $field: $ty, )*
        }

        impl $name {
            /// Every field at its type's zero value.
            fn zeroed() -> Self {
                Self { $( $field: Default::default(), )* }
            }
        }
    };
}

with_zeroed! {
/// The server configuration. Field names follow the redis.conf names.
/// Defaults are not written here: see [`Config::default`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Addresses to listen on.
    pub bind: Vec<String>,
    /// TCP port; 0 picks an ephemeral port.
    pub port: u16,
    /// Path of a Unix domain socket to listen on too ("" for none).
    pub unixsocket: String,
    /// Permissions of that socket's file (0: leave the umask's).
    pub unixsocketperm: u32,
    /// Working directory for persistence files.
    pub dir: String,
    /// Number of databases.
    pub databases: usize,
    /// Cron frequency per second.
    pub hz: u32,
    /// Idle client timeout in seconds (0: never).
    pub timeout: u64,
    /// TCP keepalive interval in seconds (0: off).
    pub tcp_keepalive: u64,
    /// Listen backlog.
    pub tcp_backlog: u32,
    /// debug, verbose, notice or warning.
    pub loglevel: String,
    /// Log file ("" for standard output).
    pub logfile: String,
    /// Maximum simultaneous clients.
    pub maxclients: usize,
    /// Largest bulk argument accepted.
    pub proto_max_bulk_len: i64,
    /// Largest unparsed query buffer before the client is closed.
    pub client_query_buffer_limit: u64,
    /// Output limits for the normal, replica and pubsub classes.
    pub obuf_limits: [ObufLimit; 3],
    /// Cinnabar extension: stop reading a client's commands while its unsent
    /// output exceeds this many bytes (backpressure; 0 disables it).
    pub client_output_pause: u64,
    /// RDB save points (accepted for compatibility; RDB is not written).
    pub save: String,
    /// Whether the append-only file is on.
    pub appendonly: bool,
    /// always, everysec or no.
    pub appendfsync: String,
    /// Base name of AOF files.
    pub appendfilename: String,
    /// Directory of AOF files, under `dir`.
    pub appenddirname: String,
    /// Load an AOF with a truncated last command (dropping it).
    pub aof_load_truncated: bool,
    /// Automatic rewrite growth threshold in percent (0: off).
    pub auto_aof_rewrite_percentage: u64,
    /// No automatic rewrite below this size.
    pub auto_aof_rewrite_min_size: u64,
    /// Accepted for compatibility (base files are AOF format).
    pub aof_use_rdb_preamble: bool,
    /// `list-max-listpack-size`.
    pub list_max_listpack_size: i64,
    /// `list-compress-depth`: list nodes kept plain at each end; those
    /// between are LZF-compressed (0: none).
    pub list_compress_depth: usize,
    /// `hash-max-listpack-entries`.
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value`.
    pub hash_max_listpack_value: usize,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: usize,
    /// `set-max-listpack-entries`.
    pub set_max_listpack_entries: usize,
    /// `set-max-listpack-value`.
    pub set_max_listpack_value: usize,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value`.
    pub zset_max_listpack_value: usize,
    /// `stream-node-max-bytes`: a stream block is closed at this size (0: no limit).
    pub stream_node_max_bytes: usize,
    /// `stream-node-max-entries`: a stream block is closed at this many entries (0: no limit).
    pub stream_node_max_entries: usize,
    /// Refuse non-loopback clients when no password is set.
    pub protected_mode: bool,
    /// Memory limit in bytes (0: none).
    pub maxmemory: u64,
    /// Eviction policy.
    pub maxmemory_policy: String,
    /// Keys sampled per eviction.
    pub maxmemory_samples: u32,
    /// Derived from `maxmemory_policy`: keys carry an LFU counter in
    /// `Entry::lru` instead of an access clock.
    pub maxmemory_lfu: bool,
    /// `lfu-log-factor`: how slowly the LFU counter grows.
    pub lfu_log_factor: u32,
    /// `lfu-decay-time`: minutes per decrement of an idle LFU counter.
    pub lfu_decay_time: u32,
    /// `lazyfree-lazy-eviction`: evicted values are freed on the lazy-free thread.
    pub lazyfree_lazy_eviction: bool,
    /// `lazyfree-lazy-expire`: expired values are freed on the lazy-free thread.
    pub lazyfree_lazy_expire: bool,
    /// `lazyfree-lazy-server-del`: values a command deletes or overwrites
    /// as a side effect are freed on the lazy-free thread.
    pub lazyfree_lazy_server_del: bool,
    /// `lazyfree-lazy-user-del`: DEL frees as UNLINK does.
    pub lazyfree_lazy_user_del: bool,
    /// `lazyfree-lazy-user-flush`: FLUSHALL/FLUSHDB without an argument are ASYNC.
    pub lazyfree_lazy_user_flush: bool,
    /// `replica-lazy-flush`: accepted and stored (no replication yet).
    pub replica_lazy_flush: bool,
    /// Password for the default user ("" for none).
    pub requirepass: String,
    /// ACL file for ACL LOAD/SAVE (empty: none).
    pub aclfile: String,
    /// ACL LOG length.
    pub acllog_max_len: usize,
    /// `acl-pubsub-default allchannels` (new users get `&*`).
    pub acl_pubsub_default_all: bool,
    /// `notify-keyspace-events` as [`crate::notify`] flags.
    pub notify_keyspace_events: u32,
    /// Commands slower than this many microseconds go to the slow log
    /// (negative: none; 0: all).
    pub slowlog_log_slower_than: i64,
    /// Entries the slow log keeps.
    pub slowlog_max_len: usize,
    /// Events lasting at least this many milliseconds are recorded by the
    /// latency monitor (0: off).
    pub latency_monitor_threshold: u64,
    /// Most keys the CLIENT TRACKING table remembers (0: no limit); past
    /// it, random keys are invalidated and forgotten.
    pub tracking_table_max_keys: u64,
    /// Detach from the terminal at startup.
    pub daemonize: bool,
    /// File holding the server's pid while it runs ("" for none).
    pub pidfile: String,
    /// no, systemd, upstart or auto.
    pub supervised: String,
    /// Print the ASCII logo even when the log is not a terminal.
    pub always_show_logo: bool,
    /// Rewrite the process's command line (`ps`) with the template.
    pub set_proc_title: bool,
    /// `proc-title-template`, see [`expand_title`].
    pub proc_title_template: String,
    /// no, yes, relative or absolute.
    pub oom_score_adj: String,
    /// oom_score_adj of a primary, a replica and a background child.
    pub oom_score_adj_values: [i32; 3],
    /// Turn transparent huge pages off for the process.
    pub disable_thp: bool,
    /// Whether the cron expires keys actively (DEBUG SET-ACTIVE-EXPIRE).
    pub active_expire: bool,
    /// The config file the server was started with, if any.
    pub config_file: Option<String>,
}
}

impl Default for Config {
    /// Redis's defaults: every field zeroed, then each [`PARAMS`] row's
    /// default applied, so a parameter's default is written once, in its
    /// row. `maxmemory_lfu` follows from the `maxmemory-policy` row and
    /// `config_file` stays `None`.
    fn default() -> Self {
        let mut c = Config::zeroed();
        for p in PARAMS {
            (p.set)(&mut c, p.default).expect("defaults parse");
        }
        // Not a parameter (only DEBUG SET-ACTIVE-EXPIRE turns it off), so
        // no row sets it; on, as in Redis.
        c.active_expire = true;
        c
    }
}

/// Whether CONFIG SET may change a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Changeable at runtime.
    Mutable,
    /// Fixed at startup (`can't set immutable config`).
    Immutable,
    /// Protected, as Redis's `enable-protected-configs no` makes `dir`.
    Protected,
}

/// A configuration parameter.
pub struct Param {
    /// The redis.conf name.
    pub name: &'static str,
    /// Default value, in config-file syntax.
    pub default: &'static str,
    /// Whether CONFIG SET may change it.
    pub mode: Mode,
    /// One line for `--help`.
    pub help: &'static str,
    /// Renders the current value as CONFIG GET shows it.
    pub get: fn(&Config) -> String,
    /// Parses and applies a value; the error is CONFIG SET's reason text.
    pub set: fn(&mut Config, &str) -> Result<(), String>,
}

fn yes_no(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

fn int_in(v: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let n = crate::util::parse_i64(v.as_bytes())
        .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
    if n < lo || n > hi {
        return Err(format!("argument must be between {lo} and {hi} inclusive"));
    }
    Ok(n)
}

/// A memory amount in a given range, parsed as Redis's `memtoull` does.
fn mem_in(v: &str, lo: u64, hi: u64) -> Result<u64, String> {
    let n = parse_memory(v).ok_or_else(|| "argument must be a memory value".to_string())?;
    if n < lo || n > hi {
        return Err(format!("argument must be between {lo} and {hi} inclusive"));
    }
    Ok(n)
}

fn one_of(v: &str, options: &[&str]) -> Result<String, String> {
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

fn yn(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

const OBUF_CLASSES: [&str; 3] = ["normal", "replica", "pubsub"];

fn parse_obuf(c: &mut Config, v: &str) -> Result<(), String> {
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

fn show_obuf(c: &Config) -> String {
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

/// `save` points: "" (none) or pairs of seconds (>= 1) and changes (>= 0),
/// separated by single spaces.
/// Redis 7.0's default `save` schedule.
const REDIS_SAVE: &str = "3600 1 300 100 60 10000";

fn parse_save(v: &str) -> Result<String, String> {
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

/// The values `proc-title-template` may name.
#[derive(Debug, Clone, Default)]
pub struct TitleVars {
    /// `{title}`: the name the server was started as.
    pub title: String,
    /// `{listen-addr}`: the first bind address and the port (`*:6379`).
    pub listen_addr: String,
    /// `{port}`.
    pub port: u16,
    /// `{config-file}` (`-` without one).
    pub config_file: String,
    /// `{unixsocket}`: its path, or empty.
    pub unixsocket: String,
}

/// Expands a `proc-title-template` as Redis's `sdstemplate` does: `{{` is
/// a literal `{`, `{name}` a variable; an unknown variable or an unclosed
/// brace is `None`. The result is trimmed of spaces.
pub fn expand_title(template: &str, vars: &TitleVars) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if after.is_empty() {
            return None;
        }
        if let Some(tail) = after.strip_prefix('{') {
            out.push('{');
            rest = tail;
            continue;
        }
        let close = after.find('}')?;
        match &after[..close] {
            "title" => out.push_str(&vars.title),
            "listen-addr" => out.push_str(&vars.listen_addr),
            // No cluster or sentinel mode yet.
            "server-mode" => {}
            "port" => out.push_str(&vars.port.to_string()),
            // No TLS listener yet.
            "tls-port" => out.push('0'),
            "unixsocket" => out.push_str(&vars.unixsocket),
            "config-file" => out.push_str(&vars.config_file),
            _ => return None,
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out.trim_matches(' ').to_string())
}

/// How an inert parameter's values read: a malformed value gets Redis's
/// own parse error, a well-formed one other than the default gets "not
/// available yet".
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// yes or no.
    Bool,
    /// An integer (unixsocketperm: octal, any integer here).
    Int,
    /// An integer in Redis's range for the parameter.
    Range(i64, i64),
    /// A memory amount (`64mb`) of at least this much.
    Mem(u64),
    /// A memory amount or a percentage of maxmemory (`10%`).
    MemOrPercent,
    /// One of these words.
    Enum(&'static [&'static str]),
    /// Any text; runs of spaces count as one.
    Text,
    /// Words from this list (`shutdown-on-sigint nosave now`).
    Flags(&'static [&'static str]),
    /// A host name: letters, digits, hyphens and dots.
    Hostname,
    /// `latency-tracking-info-percentiles`: numbers from 0 to 100.
    Percentiles,
    /// `replicaof`: "" or `no one` (no primary); `host port` otherwise.
    Master,
}

/// `value` in a canonical form, so that `64mb` equals `67108864` and
/// `YES` equals `yes`; the error is Redis's parse error for the kind.
fn canonical(kind: Kind, v: &str) -> Result<String, String> {
    match kind {
        Kind::Bool => yes_no(v).map(yn),
        Kind::Int => int_in(v, i64::MIN, i64::MAX).map(|n| n.to_string()),
        Kind::Range(lo, hi) => int_in(v, lo, hi).map(|n| n.to_string()),
        Kind::Mem(lo) => match mem_in(v, lo, i64::MAX as u64) {
            // Redis reads an overflowing number of bytes as out of range.
            Err(_) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => Err(format!(
                "argument must be between {lo} and {} inclusive",
                i64::MAX
            )),
            r => r.map(|n| n.to_string()),
        },
        Kind::MemOrPercent => match v.strip_suffix('%') {
            Some(p) if crate::util::parse_i64(p.as_bytes()).is_some_and(|n| n >= 0) => {
                Ok(v.to_string())
            }
            _ => mem_in(v, 0, u64::MAX)
                .map(|n| n.to_string())
                .map_err(|_| "argument must be a memory or percent value".to_string()),
        },
        Kind::Enum(options) => one_of(v, options),
        Kind::Text => Ok(v.split_whitespace().collect::<Vec<_>>().join(" ")),
        Kind::Flags(options) => {
            let words: Vec<String> = v.split_whitespace().map(str::to_ascii_lowercase).collect();
            if words.is_empty() || words.iter().any(|w| !options.contains(&w.as_str())) {
                return Err(format!(
                    "argument(s) must be one of the following: {}",
                    options.join(", ")
                ));
            }
            Ok(words.join(" "))
        }
        Kind::Hostname => {
            if v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            {
                Ok(v.to_string())
            } else {
                Err("Hostnames may only contain alphanumeric characters, hyphens or dots".into())
            }
        }
        Kind::Percentiles => {
            let mut out = Vec::new();
            for w in v.split_whitespace() {
                let p: f64 = w.parse().map_err(|_| {
                    "Invalid latency-tracking-info-percentiles parameters".to_string()
                })?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(
                        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                            .into(),
                    );
                }
                out.push(p.to_string());
            }
            Ok(out.join(" "))
        }
        Kind::Master => {
            let words: Vec<&str> = v.split_whitespace().collect();
            match words[..] {
                [] => Ok(String::new()),
                [a, b] if a.eq_ignore_ascii_case("no") && b.eq_ignore_ascii_case("one") => {
                    Ok(String::new())
                }
                [host, port] => Ok(format!("{host} {}", int_in(port, 0, 65535)?)),
                _ => Err("wrong number of arguments".into()),
            }
        }
    }
}

/// The `set` of an inert parameter: its default (in any spelling) is
/// accepted and changes nothing; another value is refused, never ignored.
fn inert(name: &str, default: &str, kind: Kind, feature: &str, v: &str) -> Result<(), String> {
    if canonical(kind, v)? == canonical(kind, default).expect("inert default parses") {
        return Ok(());
    }
    Err(format!(
        "{name} is not available yet in Cinnabar ({feature}): only its default '{default}' is accepted"
    ))
}

/// A row for a parameter of a feature Cinnabar does not have yet.
macro_rules! inert {
    ($name:literal, $default:literal, $mode:ident, $kind:ident $(($($arg:expr),*))?, $feature:literal) => {
        Param {
            name: $name,
            default: $default,
            mode: Mode::$mode,
            help: concat!("not available yet (", $feature, "): only the default"),
            get: |_| $default.into(),
            set: |_, v| inert($name, $default, Kind::$kind $(($($arg),*))?, $feature, v),
        }
    };
}

/// Bounds of inert integer parameters, as Redis 7.0 declares them.
const INT_MIN: i64 = i32::MIN as i64;
const INT_MAX: i64 = i32::MAX as i64;
const UINT_MAX: i64 = u32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;

/// Values of inert enumerated parameters, as Redis 7.0 spells them.
const ENABLE: &[&str] = &["no", "yes", "local"];
const SHUTDOWN_FLAGS: &[&str] = &["default", "save", "nosave", "now", "force"];
const SANITIZE: &[&str] = &["no", "yes", "clients"];
const TLS_AUTH: &[&str] = &["no", "yes", "optional"];
const PROPAGATION: &[&str] = &["ignore", "panic", "panic-on-replicas"];
const DISKLESS_LOAD: &[&str] = &["disabled", "on-empty-db", "swapdb"];
const ENDPOINTS: &[&str] = &["ip", "hostname", "unknown-endpoint"];
const FACILITIES: &[&str] = &[
    "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
];

/// Parameters Redis 7.0 hides from `CONFIG GET *` (debugging knobs): a
/// glob does not list them, their exact name does.
const HIDDEN: &[&str] = &[
    "key-load-delay",
    "loading-process-events-interval-bytes",
    "lua-enable-deprecated-api",
    "rdb-key-save-delay",
    "use-exit-on-panic",
    "watchdog-period",
];

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
    inert!("busy-reply-threshold", "5000", Mutable, Range(0, LONG_MAX), "scripting"),
    inert!("lua-time-limit", "5000", Mutable, Range(0, LONG_MAX), "scripting"),
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

/// Finds a parameter by name, ignoring case.
pub fn find(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// The files an `include` names: the path itself, or with a `*` (or `?`)
/// in its last component, the matching files of that directory in name
/// order.
fn include_paths(pattern: &str) -> Result<Vec<String>, String> {
    let (dir, file) = pattern.rsplit_once('/').unwrap_or((".", pattern));
    if !file.contains(['*', '?', '[']) {
        return Ok(vec![pattern.to_string()]);
    }
    let dir = if dir.is_empty() { "/" } else { dir };
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("Fatal error, can't open config directory '{dir}': {e}"))?;
    let mut paths: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| glob_match(file.as_bytes(), n.as_bytes(), false))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    paths.sort();
    Ok(paths)
}

impl Config {
    /// Applies `name value` from a config file or command line.
    pub fn apply(&mut self, name: &str, value: &str) -> Result<(), String> {
        let p =
            find(name).ok_or_else(|| "Bad directive or wrong number of arguments".to_string())?;
        (p.set)(self, value)
    }

    /// Parses redis.conf text: one directive per line, `#` comments,
    /// arguments quoted as inline commands are. Errors name the line.
    /// `include path` reads another file in place (a `*` in its last
    /// component matches files, read in name order), as Redis 7.0 does.
    pub fn load_str(&mut self, text: &str) -> Result<(), String> {
        self.load_nested(text, 0)
    }

    fn load_nested(&mut self, text: &str, depth: usize) -> Result<(), String> {
        let mut saves: Vec<String> = Vec::new();
        let mut last_save: Option<(usize, String)> = None;
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let fail = |msg: &str| {
                format!(
                    "\n*** FATAL CONFIG FILE ERROR (Cinnabar {}) ***\nReading the configuration file, at line {}\n>>> '{}'\n{}",
                    env!("CARGO_PKG_VERSION"),
                    i + 1,
                    trimmed,
                    msg
                )
            };
            let words = split_args(trimmed.as_bytes())
                .ok_or_else(|| fail("Unbalanced quotes in configuration line"))?;
            let words: Vec<String> = words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            let Some((name, rest)) = words.split_first() else {
                continue;
            };
            if rest.is_empty() {
                return Err(fail("Bad directive or wrong number of arguments"));
            }
            let value = rest.join(" ");
            match name.to_ascii_lowercase().as_str() {
                "include" if rest.len() == 1 => {
                    if depth >= 16 {
                        return Err(fail("Too many nested include files"));
                    }
                    for path in include_paths(&value).map_err(|e| fail(&e))? {
                        let text = std::fs::read_to_string(&path).map_err(|e| {
                            fail(&format!(
                                "Fatal error, can't open config file '{path}': {e}"
                            ))
                        })?;
                        self.load_nested(&text, depth + 1)?;
                    }
                    continue;
                }
                // File-only directives of features not available yet:
                // refused by name rather than as unknown.
                directive @ ("rename-command" | "loadmodule" | "user" | "sentinel") => {
                    let feature = match directive {
                        "rename-command" => "renaming commands",
                        "loadmodule" => "modules",
                        "user" => "users in redis.conf; use an aclfile",
                        _ => "Sentinel",
                    };
                    return Err(fail(&format!(
                        "{directive} is not available yet in Cinnabar ({feature})"
                    )));
                }
                _ => {}
            }
            // `save` lines accumulate, as in redis.conf: each is checked
            // for syntax here, the whole schedule once all are read (the
            // default schedule is often written one pair per line).
            if name.eq_ignore_ascii_case("save") && !value.is_empty() {
                saves.push(value);
                self.save = parse_save(&saves.join(" ")).map_err(|e| fail(&e))?;
                last_save = Some((i + 1, trimmed.to_string()));
                continue;
            }
            self.apply(name, &value).map_err(|e| fail(&e))?;
        }
        if let Some((line, text)) = last_save {
            let all = self.save.clone();
            self.apply("save", &all).map_err(|e| {
                format!(
                    "\n*** FATAL CONFIG FILE ERROR (Cinnabar {}) ***\nReading the configuration file, at line {line}\n>>> '{text}'\n{e}",
                    env!("CARGO_PKG_VERSION"),
                )
            })?;
        }
        Ok(())
    }

    /// CONFIG REWRITE: `old` (the config file's text) with every
    /// parameter's line showing its current value. Comments, blank lines
    /// and lines we do not know stay where they are; a parameter set on
    /// several lines keeps the first (the others are dropped); parameters
    /// the file does not mention are appended at the end, only if they
    /// differ from their default, under Redis's `# Generated by CONFIG
    /// REWRITE` line (written once).
    pub fn rewrite_text(&self, old: &str) -> String {
        const SIGNATURE: &str = "# Generated by CONFIG REWRITE";
        let mut out: Vec<String> = Vec::new();
        let mut written: Vec<&'static str> = Vec::new();
        let mut signed = false;
        for line in old.lines() {
            let trimmed = line.trim();
            signed |= trimmed == SIGNATURE;
            let param = (!trimmed.is_empty() && !trimmed.starts_with('#'))
                .then(|| split_args(trimmed.as_bytes()))
                .flatten()
                .and_then(|w| w.first().and_then(|n| find(&String::from_utf8_lossy(n))));
            match param {
                // A lone '\r' ends a line as '\r\n' does (`lines` strips
                // only the pair), so the rewritten text reads back the same.
                None => out.push(line.trim_end_matches('\r').to_string()),
                Some(p) if written.contains(&p.name) => {}
                Some(p) => {
                    written.push(p.name);
                    out.push(self.config_line(p));
                }
            }
        }
        while out.last().is_some_and(|l| l.trim().is_empty()) {
            out.pop();
        }
        let mut fresh = PARAMS
            .iter()
            .filter(|p| !written.contains(&p.name) && !self.is_default(p))
            .peekable();
        if fresh.peek().is_some() {
            if !signed {
                out.push(String::new());
                out.push(SIGNATURE.to_string());
            }
            out.extend(fresh.map(|p| self.config_line(p)));
        }
        let mut text = out.join("\n");
        text.push('\n');
        text
    }

    /// Whether `p` has its default value.
    fn is_default(&self, p: &Param) -> bool {
        let mut d = Config::default();
        (p.set)(&mut d, p.default).is_ok() && (p.get)(&d) == (p.get)(self)
    }

    /// `name value` as a config-file line. Words are written as they are
    /// (list values such as `save` or `client-output-buffer-limit` read
    /// back as one value); a value the loader would not give back
    /// unchanged is quoted.
    fn config_line(&self, p: &Param) -> String {
        let v = (p.get)(self);
        let plain = !v.is_empty()
            && !v.starts_with(' ')
            && !v.ends_with(' ')
            && !v.contains("  ")
            && v.bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\') || b == b' ');
        if plain {
            return format!("{} {v}", p.name);
        }
        let mut q = String::from("\"");
        for b in v.bytes() {
            match b {
                b'"' | b'\\' => {
                    q.push('\\');
                    q.push(b as char);
                }
                b'\n' => q.push_str("\\n"),
                b'\r' => q.push_str("\\r"),
                b'\t' => q.push_str("\\t"),
                b' '..=b'~' => q.push(b as char),
                _ => q.push_str(&format!("\\x{b:02x}")),
            }
        }
        q.push('"');
        format!("{} {q}", p.name)
    }

    /// CONFIG GET: every (name, value) matching one of `patterns`, each
    /// parameter once. A pattern without glob characters is looked up
    /// directly and echoed as given (`CONFIG GET SAVE` answers `SAVE`), as
    /// Redis does.
    pub fn get_matching(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen: Vec<&'static str> = Vec::new();
        for pat in patterns {
            let is_glob = pat.iter().any(|c| matches!(c, b'*' | b'?' | b'['));
            for p in PARAMS {
                let hit = if is_glob {
                    !HIDDEN.contains(&p.name) && glob_match(pat, p.name.as_bytes(), true)
                } else {
                    p.name.as_bytes().eq_ignore_ascii_case(pat)
                };
                if hit && !seen.contains(&p.name) {
                    seen.push(p.name);
                    let name = if is_glob {
                        p.name.to_string()
                    } else {
                        String::from_utf8_lossy(pat).into_owned()
                    };
                    out.push((name, (p.get)(self)));
                }
            }
        }
        out
    }

    /// The normal-class output limit.
    pub fn obuf_normal(&self) -> ObufLimit {
        self.obuf_limits[0]
    }

    /// The output limits of a normal client, or of a Pub/Sub subscriber.
    pub fn obuf_for(&self, subscriber: bool) -> ObufLimit {
        self.obuf_limits[if subscriber { 2 } else { 0 }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_file() {
        let mut c = Config::default();
        assert_eq!(c.port, 6379);
        assert_eq!(c.bind, vec!["127.0.0.1".to_string()]);
        assert_eq!(c.proto_max_bulk_len, 512 * 1024 * 1024);
        c.load_str("# comment\nport 7000\nsave 3600 1\nsave 300 100\nsave 60 10000\nclient-output-buffer-limit normal 1mb 0 0\n").unwrap();
        assert_eq!(c.port, 7000);
        assert_eq!(c.save, "3600 1 300 100 60 10000");
        // Another schedule would be ignored: refused, naming its last line.
        let err = Config::default()
            .load_str("save 900 1\nsave 300 10\n")
            .unwrap_err();
        assert!(
            err.contains("line 2") && err.contains("not available yet"),
            "{err}"
        );
        assert_eq!(c.obuf_normal().hard, 1 << 20);
        assert!(c
            .load_str("nosuchthing 1\n")
            .unwrap_err()
            .contains("line 1"));
        assert!(c.load_str("port abc\n").is_err());
    }

    #[test]
    fn get_matching_globs() {
        let c = Config::default();
        let got = c.get_matching(&[b"app*"]);
        let names: Vec<&str> = got.iter().map(|(n, _)| &n[..]).collect();
        assert!(names.contains(&"appendonly") && names.contains(&"appendfsync"));
    }

    /// Found by the `config_parser` fuzz target: a last line ending in a
    /// lone '\r' came back as "\r\n", which the next rewrite changed again.
    #[test]
    fn rewrite_is_stable_with_lone_cr() {
        let c = Config::default();
        let once = c.rewrite_text("\0\x03\r");
        assert_eq!(c.rewrite_text(&once), once);
        assert_eq!(once, "\0\x03\n");
    }

    /// A parameter's default is written once, in its `PARAMS` row. This
    /// checks that the row and the field agree: CONFIG GET on a default
    /// config shows the row's default (memory units written out in bytes),
    /// also when the row is applied alone to the zeroed base (no other
    /// row, such as an alias, overrides it), and what CONFIG GET shows
    /// sets back to itself.
    #[test]
    fn params_defaults_round_trip() {
        let d = Config::default();
        for p in PARAMS {
            let expected = match p.default {
                v if ["kb", "mb", "gb"].iter().any(|u| v.ends_with(u)) => {
                    parse_memory(v).expect("memory default").to_string()
                }
                v => v.to_string(),
            };
            let shown = (p.get)(&d);
            assert_eq!(shown, expected, "{}: default config", p.name);

            let mut alone = Config::zeroed();
            (p.set)(&mut alone, p.default).unwrap();
            assert_eq!((p.get)(&alone), expected, "{}: row alone", p.name);

            let mut again = Config::default();
            (p.set)(&mut again, &shown).unwrap();
            assert_eq!((p.get)(&again), shown, "{}: set what get shows", p.name);
            assert!(d.is_default(p), "{}", p.name);
        }
    }

    /// The fields no row sets keep their values from `Config::default`.
    #[test]
    fn non_parameter_fields_default() {
        let d = Config::default();
        assert!(d.active_expire);
        assert!(!d.maxmemory_lfu, "noeviction is not an LFU policy");
        assert_eq!(d.config_file, None);
    }

    /// Every name appears once (a row merged twice would shadow itself).
    #[test]
    fn param_names_unique() {
        let mut names: Vec<String> = PARAMS.iter().map(|p| p.name.to_ascii_lowercase()).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "a parameter has two rows");
    }

    /// An inert parameter takes its default in any spelling, keeps Redis's
    /// parse errors, and refuses any other value by name.
    #[test]
    fn inert_parameters_take_only_their_default() {
        let mut c = Config::default();
        for (name, ok) in [
            ("repl-backlog-size", "1mb"),
            ("repl-diskless-sync", "YES"),
            ("replicaof", "no one"),
            ("latency-tracking-info-percentiles", " 50  99 99.9"),
            ("syslog-facility", "LOCAL0"),
        ] {
            assert_eq!(c.apply(name, ok), Ok(()), "{name} {ok}");
        }
        let err = c.apply("repl-timeout", "30").unwrap_err();
        assert!(
            err.contains("repl-timeout") && err.contains("not available yet"),
            "{err}"
        );
        assert!(c
            .apply("replicaof", "127.0.0.1 6380")
            .unwrap_err()
            .contains("replicaof"));
        assert_eq!(
            c.apply("repl-timeout", "x").unwrap_err(),
            "argument couldn't be parsed into an integer"
        );
        assert!(c.apply("tls-port", "6380").unwrap_err().contains("TLS"));
        assert_eq!(c.get_matching(&[b"repl-timeout"])[0].1, "60");
    }

    /// Redis's hidden debugging parameters answer by name, not to a glob.
    #[test]
    fn hidden_parameters() {
        let c = Config::default();
        assert!(c
            .get_matching(&[b"*"])
            .iter()
            .all(|(n, _)| n != "key-load-delay"));
        assert_eq!(c.get_matching(&[b"key-load-delay"]).len(), 1);
    }

    /// proc-title-template expands as Redis's sdstemplate.
    #[test]
    fn title_templates() {
        let v = TitleVars {
            title: "cinnabar-server".into(),
            listen_addr: "*:6379".into(),
            port: 6379,
            config_file: "-".into(),
            unixsocket: String::new(),
        };
        let t = |s: &str| expand_title(s, &v);
        assert_eq!(
            t("{title} {listen-addr} {server-mode}").as_deref(),
            Some("cinnabar-server *:6379")
        );
        assert_eq!(t("{{x}}").as_deref(), Some("{x}}"));
        assert_eq!(t("{port}-{config-file}").as_deref(), Some("6379--"));
        assert_eq!(t("{foo}"), None);
        assert_eq!(t("{title"), None);
        assert_eq!(t("x{"), None);
        let mut c = Config::default();
        assert!(c.apply("proc-title-template", "  ").is_err());
        assert!(
            c.apply("proc-title-template", "{title}").is_err(),
            "empty with no title"
        );
        assert_eq!(c.apply("proc-title-template", "{title} {port}"), Ok(()));
    }

    #[test]
    fn oom_values() {
        let mut c = Config::default();
        assert_eq!(
            c.apply("oom-score-adj-values", "0 2 3 4").unwrap_err(),
            "wrong number of arguments"
        );
        assert!(c
            .apply("oom-score-adj-values", "0 3000 0")
            .unwrap_err()
            .starts_with("Invalid oom-score-adj-values"));
        assert_eq!(c.apply("oom-score-adj-values", "-100 0 2000"), Ok(()));
        assert_eq!(c.oom_score_adj_values, [-100, 0, 2000]);
    }

    /// `include` reads files in place, a glob in name order; file-only
    /// directives of missing features are refused by name.
    #[test]
    fn include_and_file_directives() {
        let dir = std::env::temp_dir().join(format!("cinnabar-include-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        std::fs::write(dir.join("a.conf"), "hz 20\nport 7001\n").unwrap();
        std::fs::write(dir.join("b.conf"), "port 7002\n").unwrap();
        std::fs::write(dir.join("main.conf"), format!("include {d}/*.conf\n")).unwrap();
        let mut c = Config::default();
        c.load_str(&format!("port 7000\ninclude {d}/a.conf\ntimeout 5\n"))
            .unwrap();
        assert_eq!((c.port, c.hz, c.timeout), (7001, 20, 5));
        let mut c = Config::default();
        c.load_str(&format!("include {d}/[ab].conf\n")).unwrap();
        assert_eq!(c.port, 7002, "b.conf comes after a.conf");
        // main.conf includes itself through the glob: stopped, not a loop.
        let err = c.load_str(&format!("include {d}/main.conf\n")).unwrap_err();
        assert!(err.contains("Too many nested include files"), "{err}");
        let err = c.load_str(&format!("include {d}/none.conf\n")).unwrap_err();
        assert!(err.contains("can't open config file"), "{err}");
        let err = c.load_str("rename-command FLUSHALL \"\"\n").unwrap_err();
        assert!(err.contains("rename-command is not available yet"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
