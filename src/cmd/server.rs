//! Server commands: INFO, CONFIG, SHUTDOWN, TIME, LASTSAVE (COMMAND,
//! DEBUG, MEMORY and LATENCY have their own files).

use std::fmt::Write as _;

use super::args::is;
use super::{CmdError, CmdResult, Ctx};
use crate::config::{self, Mode};
use crate::state::{Shutdown, Stats};

/// Replies with Redis's HELP layout: a header naming the command, the
/// lines, then the HELP entry itself, all as status replies.
pub fn reply_help(ctx: &mut Ctx, lines: &[&str]) {
    let name = String::from_utf8_lossy(&ctx.argv[0]).to_ascii_uppercase();
    ctx.out.array(lines.len() + 3);
    ctx.out.simple(&format!(
        "{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for l in lines {
        ctx.out.simple(l);
    }
    ctx.out.simple("HELP");
    ctx.out.simple("    Prints this help.");
}

// ---------------------------------------------------------------------------
// INFO
// ---------------------------------------------------------------------------

/// Every section, in Redis's order.
const ALL_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Sections of `ALL_SECTIONS` that INFO leaves out with no argument (or
/// `default`).
const NOT_DEFAULT: &[&str] = &["commandstats"];

fn default_sections() -> impl Iterator<Item = String> {
    ALL_SECTIONS
        .iter()
        .filter(|s| !NOT_DEFAULT.contains(s))
        .map(|s| s.to_string())
}

/// INFO [section [section ...]]
pub fn info(ctx: &mut Ctx) -> CmdResult {
    let args = ctx.args().rest();
    let mut wanted: Vec<String> = Vec::new();
    if args.is_empty() {
        wanted.extend(default_sections());
    }
    for a in args {
        let s = String::from_utf8_lossy(a).to_ascii_lowercase();
        match s.as_str() {
            "all" | "everything" => wanted.extend(ALL_SECTIONS.iter().map(|s| s.to_string())),
            "default" => wanted.extend(default_sections()),
            _ => wanted.push(s),
        }
    }
    let mut text = String::new();
    for section in ALL_SECTIONS {
        if !wanted.iter().any(|w| w == section) {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        info_section(ctx, section, &mut text);
    }
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// User and system CPU seconds of this process, from /proc.
pub fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields overall, in clock ticks (100 per second).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 100.0;
    (tick(11), tick(12))
}

fn info_section(ctx: &mut Ctx, section: &str, t: &mut String) {
    let st = &mut *ctx.srv;
    let now = st.now_ms;
    let uptime = (now - st.start_ms) / 1000;
    macro_rules! field {
        ($($arg:tt)*) => {{ let _ = write!(t, $($arg)*); t.push_str("\r\n"); }};
    }
    match section {
        "server" => {
            t.push_str("# Server\r\n");
            field!("redis_version:{}", crate::REDIS_VERSION);
            field!("cinnabar_version:{}", env!("CARGO_PKG_VERSION"));
            field!("redis_git_sha1:00000000");
            field!("redis_git_dirty:0");
            field!("redis_build_id:0");
            field!("redis_mode:standalone");
            field!(
                "os:{} {} {}",
                std::env::consts::OS,
                kernel_release(),
                std::env::consts::ARCH
            );
            field!("arch_bits:64");
            field!("monotonic_clock:POSIX clock_gettime");
            field!("multiplexing_api:epoll");
            field!("atomicvar_api:c11-builtin");
            field!("gcc_version:0.0.0");
            field!("process_id:{}", std::process::id());
            field!("process_supervised:no");
            field!("run_id:{}", st.run_id);
            field!("tcp_port:{}", st.tcp_port);
            field!("server_time_usec:{}", now * 1000);
            field!("uptime_in_seconds:{}", uptime);
            field!("uptime_in_days:{}", uptime / 86400);
            field!("hz:{}", st.config.hz);
            field!("configured_hz:{}", st.config.hz);
            field!("lru_clock:{}", crate::db::lru_clock(now));
            field!("executable:{}", st.executable);
            field!(
                "config_file:{}",
                st.config.config_file.clone().unwrap_or_default()
            );
            field!("io_threads_active:0");
        }
        "clients" => {
            t.push_str("# Clients\r\n");
            field!("connected_clients:{}", st.connected_clients);
            field!("cluster_connections:0");
            field!("maxclients:{}", st.config.maxclients);
            let recent = &st.clients.recent_max_buffers;
            let max_in = recent.iter().map(|p| p.0).max().unwrap_or(0);
            let max_out = recent.iter().map(|p| p.1).max().unwrap_or(0);
            field!("client_recent_max_input_buffer:{max_in}");
            field!("client_recent_max_output_buffer:{max_out}");
            // Clients CLIENT PAUSE holds count as blocked, as in Redis.
            let blocked = st.blocking.clients.len() + st.clients.pause.waiting.len();
            field!("blocked_clients:{blocked}");
            field!("tracking_clients:0");
            field!("clients_in_timeout_table:0");
        }
        "memory" => super::memory::info_memory(st, t),
        "persistence" => {
            t.push_str("# Persistence\r\n");
            field!("loading:{}", u8::from(st.loading));
            field!("async_loading:0");
            field!("current_cow_peak:0");
            field!("current_cow_size:0");
            field!("current_cow_size_age:0");
            field!("current_fork_perc:0.00");
            field!("current_save_keys_processed:0");
            field!("current_save_keys_total:0");
            field!("rdb_changes_since_last_save:{}", st.dirty);
            field!("rdb_bgsave_in_progress:0");
            field!("rdb_last_save_time:{}", st.start_ms / 1000);
            field!("rdb_last_bgsave_status:ok");
            field!("rdb_last_bgsave_time_sec:-1");
            field!("rdb_current_bgsave_time_sec:-1");
            field!("rdb_saves:0");
            field!("rdb_last_cow_size:0");
            field!("rdb_last_load_keys_expired:0");
            field!("rdb_last_load_keys_loaded:0");
            let aof = st.aof.as_ref().filter(|a| !a.offline);
            field!("aof_enabled:{}", u8::from(st.config.appendonly));
            field!(
                "aof_rewrite_in_progress:{}",
                u8::from(st.aof.as_ref().is_some_and(|a| a.rewrite.is_some()))
            );
            field!("aof_rewrite_scheduled:0");
            field!(
                "aof_last_rewrite_time_sec:{}",
                aof.map_or(-1, |a| a.last_rewrite_secs)
            );
            field!(
                "aof_current_rewrite_time_sec:{}",
                st.aof.as_ref().map_or(-1, |a| a.current_rewrite_secs())
            );
            field!(
                "aof_last_bgrewrite_status:{}",
                if aof.is_none_or(|a| a.last_rewrite_ok) {
                    "ok"
                } else {
                    "err"
                }
            );
            field!("aof_rewrites:{}", aof.map_or(0, |a| a.rewrites));
            field!("aof_rewrites_consecutive_failures:0");
            field!(
                "aof_last_write_status:{}",
                if aof.is_some_and(|a| a.disk_error().is_some()) {
                    "err"
                } else {
                    "ok"
                }
            );
            field!("aof_last_cow_size:0");
            field!("module_fork_in_progress:0");
            field!("module_fork_last_cow_size:0");
            if let Some(a) = aof.filter(|_| st.config.appendonly) {
                field!("aof_current_size:{}", a.base_size + a.incr_size);
                field!("aof_base_size:{}", a.base_size);
                field!("aof_pending_rewrite:0");
                field!("aof_buffer_length:{}", a.buf.len());
                field!("aof_pending_bio_fsync:0");
                field!("aof_delayed_fsync:{}", a.delayed_fsync);
            }
        }
        "stats" => {
            let s: &Stats = &st.stats;
            t.push_str("# Stats\r\n");
            field!(
                "total_connections_received:{}",
                s.total_connections_received
            );
            field!("total_commands_processed:{}", s.total_commands_processed);
            field!("instantaneous_ops_per_sec:{}", s.instantaneous_ops());
            field!("total_net_input_bytes:{}", s.net_input_bytes);
            field!("total_net_output_bytes:{}", s.net_output_bytes);
            field!("total_net_repl_input_bytes:0");
            field!("total_net_repl_output_bytes:0");
            field!(
                "instantaneous_input_kbps:{:.2}",
                s.input_rate.mean() / 1024.0
            );
            field!(
                "instantaneous_output_kbps:{:.2}",
                s.output_rate.mean() / 1024.0
            );
            field!("instantaneous_input_repl_kbps:0.00");
            field!("instantaneous_output_repl_kbps:0.00");
            field!("rejected_connections:{}", s.rejected_connections);
            field!("sync_full:0");
            field!("sync_partial_ok:0");
            field!("sync_partial_err:0");
            field!(
                "expired_keys:{}",
                st.dbs.iter().map(|d| d.expired).sum::<u64>()
            );
            field!("expired_stale_perc:0.00");
            field!("expired_time_cap_reached_count:0");
            field!("expire_cycle_cpu_milliseconds:0");
            field!("evicted_keys:{}", s.evicted_keys);
            field!("evicted_clients:0");
            field!("total_eviction_exceeded_time:0");
            field!("current_eviction_exceeded_time:0");
            field!("keyspace_hits:{}", s.keyspace_hits);
            field!("keyspace_misses:{}", s.keyspace_misses);
            field!("pubsub_channels:{}", st.pubsub.channel_count(false));
            field!("pubsub_patterns:{}", st.pubsub.numpat());
            field!("pubsubshard_channels:{}", st.pubsub.channel_count(true));
            // No forks, no replicas, no defragmentation.
            for name in [
                "latest_fork_usec",
                "total_forks",
                "migrate_cached_sockets",
                "slave_expires_tracked_keys",
                "active_defrag_hits",
                "active_defrag_misses",
                "active_defrag_key_hits",
                "active_defrag_key_misses",
                "total_active_defrag_time",
                "current_active_defrag_time",
            ] {
                field!("{name}:0");
            }
            let (keys, items, prefixes) = st.tracking.totals();
            field!("tracking_total_keys:{keys}");
            field!("tracking_total_items:{items}");
            field!("tracking_total_prefixes:{prefixes}");
            field!("unexpected_error_replies:0");
            field!("total_error_replies:{}", s.total_error_replies);
            field!("dump_payload_sanitizations:0");
            field!("total_reads_processed:{}", s.reads_processed);
            field!("total_writes_processed:{}", s.writes_processed);
            field!("io_threaded_reads_processed:0");
            field!("io_threaded_writes_processed:0");
            field!("reply_buffer_shrinks:0");
            field!("reply_buffer_expands:0");
            // Ours (Redis 7.2 has them too).
            field!(
                "client_query_buffer_limit_disconnections:{}",
                s.client_query_buffer_limit_disconnections
            );
            field!(
                "client_output_buffer_limit_disconnections:{}",
                s.client_output_limit_disconnections
            );
        }
        "replication" => {
            t.push_str("# Replication\r\n");
            field!("role:master");
            field!("connected_slaves:0");
            field!("master_failover_state:no-failover");
            field!("master_replid:{}", st.run_id);
            field!("master_replid2:0000000000000000000000000000000000000000");
            field!("master_repl_offset:0");
            field!("second_repl_offset:-1");
            field!("repl_backlog_active:0");
            field!("repl_backlog_size:1048576");
            field!("repl_backlog_first_byte_offset:0");
            field!("repl_backlog_histlen:0");
        }
        "cpu" => {
            let (user, sys) = cpu_seconds();
            t.push_str("# CPU\r\n");
            field!("used_cpu_sys:{sys:.6}");
            field!("used_cpu_user:{user:.6}");
            field!("used_cpu_sys_children:0.000000");
            field!("used_cpu_user_children:0.000000");
            field!("used_cpu_sys_main_thread:{sys:.6}");
            field!("used_cpu_user_main_thread:{user:.6}");
        }
        "modules" => t.push_str("# Modules\r\n"),
        "commandstats" => {
            t.push_str("# Commandstats\r\n");
            let mut rows: Vec<(String, &crate::state::CmdStat)> = st
                .stats
                .commands
                .iter()
                .flatten()
                .map(|c| (super::fullname_of(c.id), c))
                .collect();
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, c) in rows {
                let per_call = if c.calls > 0 {
                    c.usec as f64 / c.calls as f64
                } else {
                    0.0
                };
                field!(
                    "cmdstat_{name}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}",
                    c.calls,
                    c.usec,
                    c.rejected,
                    c.failed
                );
            }
        }
        "errorstats" => {
            t.push_str("# Errorstats\r\n");
            for (code, n) in &st.stats.errors {
                field!("errorstat_{code}:count={n}");
            }
        }
        "cluster" => {
            t.push_str("# Cluster\r\n");
            field!("cluster_enabled:0");
        }
        "keyspace" => {
            t.push_str("# Keyspace\r\n");
            for (i, d) in st.dbs.iter().enumerate() {
                if d.len_raw() > 0 {
                    field!(
                        "db{i}:keys={},expires={},avg_ttl={}",
                        d.len_raw(),
                        d.volatile_len(),
                        d.ttl_sample(now)
                    );
                }
            }
        }
        _ => {}
    }
}

fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// CONFIG
// ---------------------------------------------------------------------------

/// CONFIG GET parameter [parameter ...]
pub fn config_get(ctx: &mut Ctx) -> CmdResult {
    let patterns: Vec<&[u8]> = ctx.args().rest().iter().map(|b| &b[..]).collect();
    let found = ctx.srv.config.get_matching(&patterns);
    ctx.out.map(found.len());
    for (name, value) in &found {
        ctx.out.bulk(name.as_bytes());
        ctx.out.bulk(value.as_bytes());
    }
    Ok(())
}

/// CONFIG SET parameter value [parameter value ...]
///
/// All-or-nothing, as Redis 7: every name is checked first (the first
/// unknown, immutable or duplicated one is the error), then every value is
/// parsed into a copy, which replaces the live configuration; if applying
/// it fails (the OOM score cannot be written, too many clients for the
/// descriptor limit, the AOF cannot be enabled), the old configuration
/// comes back and is applied again, undoing what was done.
pub fn config_set(ctx: &mut Ctx) -> CmdResult {
    let pairs = ctx.args().rest();
    if !pairs.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    let fail = |name: &str, why: &str| {
        CmdError::Owned(format!(
            "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
        ))
    };
    let mut params: Vec<&'static config::Param> = Vec::new();
    for kv in pairs.chunks(2) {
        let name = String::from_utf8_lossy(&kv[0]).into_owned();
        let Some(p) = config::find(&name) else {
            return Err(CmdError::Owned(format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
            )));
        };
        let why = match p.mode {
            Mode::Immutable => Some("can't set immutable config"),
            Mode::Protected => Some("can't set protected config"),
            Mode::Mutable if params.iter().any(|q| q.name == p.name) => Some("duplicate parameter"),
            Mode::Mutable => None,
        };
        if let Some(why) = why {
            return Err(fail(&name, why));
        }
        params.push(p);
    }
    let mut next = ctx.srv.config.clone();
    for (p, kv) in params.iter().zip(pairs.chunks(2)) {
        let value = String::from_utf8_lossy(&kv[1]);
        (p.set)(&mut next, &value).map_err(|e| fail(p.name, &e))?;
    }
    let old = std::mem::replace(&mut ctx.srv.config, next);
    if let Err((name, e)) = ctx.srv.apply_config(&old) {
        // Undo what was applied before the failure, as Redis restores its
        // backup: the old values go back and are applied again.
        let failed = std::mem::replace(&mut ctx.srv.config, old);
        if let Err((_, e)) = ctx.srv.apply_config(&failed) {
            log::warn!("Failed applying restored configuration: {e}");
        }
        // Redis names the first argument whose apply step failed; the two
        // OOM parameters share one.
        let oom = |n: &str| n.starts_with("oom-score-adj");
        let name = params
            .iter()
            .map(|p| p.name)
            .find(|&n| n == name || oom(n) && oom(name))
            .unwrap_or(name);
        return Err(fail(name, &e));
    }
    ctx.out.ok();
    // As Redis's updateMaxmemory: a new maxmemory evicts at once, not at
    // the next command.
    let maxmemory = ctx.srv.config.maxmemory;
    if maxmemory != 0 && maxmemory != old.maxmemory {
        ctx.srv.perform_evictions(ctx.frame);
    }
    Ok(())
}

/// BGREWRITEAOF
pub fn bgrewriteaof(ctx: &mut Ctx) -> CmdResult {
    if ctx.srv.rewriting() {
        return Err(CmdError::Msg(
            "ERR Background append only file rewriting already in progress",
        ));
    }
    ctx.srv.start_rewrite().map_err(|_| {
        CmdError::Msg("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
    })?;
    ctx.out
        .simple("Background append only file rewriting started");
    Ok(())
}

/// CONFIG REWRITE: the config file the server started with, rewritten
/// with the current values (see [`crate::config::Config::rewrite_text`]),
/// through a temporary file renamed over it, so a crash leaves the old
/// file or the new one.
pub fn config_rewrite(ctx: &mut Ctx) -> CmdResult {
    let Some(path) = ctx.srv.config.config_file.clone() else {
        return Err(CmdError::Msg(
            "ERR The server is running without a config file",
        ));
    };
    rewrite_config_file(&ctx.srv.config, &path).map_err(|e| {
        log::warn!("CONFIG REWRITE failed: {e}");
        CmdError::Owned(format!("ERR Rewriting config file: {e}"))
    })?;
    log::info!("CONFIG REWRITE executed with success.");
    ctx.out.ok();
    Ok(())
}

fn rewrite_config_file(config: &crate::config::Config, path: &str) -> std::io::Result<()> {
    use std::io::Write;
    let old = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let text = config.rewrite_text(&old);
    let tmp = format!("{path}.rewrite-{}", std::process::id());
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        if let Ok(meta) = std::fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// CONFIG RESETSTAT
pub fn config_resetstat(ctx: &mut Ctx) -> CmdResult {
    let now = ctx.now();
    ctx.srv.stats = Stats::new(now);
    for d in &mut ctx.srv.dbs {
        d.expired = 0;
    }
    ctx.srv.lazyfree.reset_stats();
    ctx.out.ok();
    Ok(())
}

/// CONFIG HELP
pub fn config_help(ctx: &mut Ctx) -> CmdResult {
    reply_help(
        ctx,
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// Misc
// ---------------------------------------------------------------------------

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
pub fn shutdown(ctx: &mut Ctx) -> CmdResult {
    let (mut nosave, mut save, mut abort, mut other) = (false, false, false, false);
    for a in ctx.args().rest() {
        if is(a, "nosave") {
            nosave = true;
        } else if is(a, "save") {
            save = true;
        } else if is(a, "now") || is(a, "force") {
            other = true;
        } else if is(a, "abort") {
            abort = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if (abort && (nosave || save || other)) || (nosave && save) {
        return Err(CmdError::Syntax);
    }
    if abort {
        return Err(CmdError::Msg("ERR No shutdown in progress."));
    }
    // While a script runs past busy-reply-threshold only NOSAVE may stop
    // the server (the script's partial effects are not kept), as Redis.
    if !nosave && ctx.srv.script.is_busy() {
        return Err(CmdError::Msg(ctx.srv.script.busy_error()));
    }
    ctx.srv.shutdown = Some(Shutdown::Command);
    Ok(())
}

/// TIME
pub fn time(ctx: &mut Ctx) -> CmdResult {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    ctx.out.array(2);
    ctx.out.bulk_i64(now.as_secs() as i64);
    ctx.out.bulk_i64(i64::from(now.subsec_micros()));
    Ok(())
}

/// ROLE: always a master without replicas, at replication offset 0.
pub fn role(ctx: &mut Ctx) -> CmdResult {
    ctx.out.array(3);
    ctx.out.bulk(b"master");
    ctx.out.int(0);
    ctx.out.array(0);
    Ok(())
}

/// LASTSAVE
pub fn lastsave(ctx: &mut Ctx) -> CmdResult {
    ctx.out.int(ctx.srv.start_ms / 1000);
    Ok(())
}
