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
    /// `busy-reply-threshold` (alias `lua-time-limit`): milliseconds a
    /// script runs before other clients get BUSY.
    pub busy_reply_threshold: u64,
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

#[macro_use]
mod inert;
mod params;

pub use inert::Kind;
use inert::HIDDEN;
pub use params::PARAMS;
use params::*;

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
