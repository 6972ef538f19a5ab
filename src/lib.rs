//! # Cinnabar
//!
//! A Redis-compatible in-memory data server. One thread runs one `mio`
//! poll loop that owns the listener, every client and the whole keyspace;
//! there are no locks and no threads per client.
//!
//! The life of a command: the loop reads a client's socket into its read
//! buffer ([`conn`]), the incremental parser ([`resp::parse`]) splits off
//! every complete command, and [`cmd::call`] runs it in three steps with a
//! call [`frame`] of its own: admission (lookup in the declarative table
//! [`cmd::table`], arity, authentication, ACL, maxmemory, MULTI), the
//! handler against the keyspace ([`db`]), and finishing (statistics, the
//! slow log, propagation through `State::propagate` to every sink, the
//! messages the command raised for its caller). Replies go into the
//! client's write buffer ([`resp::reply`]), and `before_sleep` in
//! [`server`] writes them once per loop iteration.
//!
//! # Layout
//! Layers, bottom to top; a module names only modules of its own layer or
//! below (`tests/modgraph.rs` checks the graph).
//!
//! Wire protocol and helpers:
//! - [`resp`]: request parser and reply encoders (RESP2/RESP3).
//! - [`util`]: number parsing and formatting, glob matching, clock, PRNG,
//!   LZF.
//! - [`cpu`]: processor hints (prefetch) and a cheap clock for command
//!   timing, with portable fallbacks.
//! - [`alloc`]: the counting global allocator behind `used_memory`.
//! - [`ldouble`]: software long double for INCRBYFLOAT.
//! - [`limits`]: the open-files limit maxclients needs; TCP keepalive.
//! - [`lazyfree`]: the helper thread that frees big deleted values.
//! - [`cmdinfo`]: command metadata as data (flags, Redis's docs, key
//!   specs, ACL categories, [`cmdinfo::CommandId`], the catalogue).
//!
//! The keyspace:
//! - [`db`]: the keyspace, expiry, the hash table and the value model.
//!
//! Subsystems:
//! - [`blocking`]: blocked clients, the keys they wait on, their timeouts.
//! - [`watches`]: WATCH: watched keys and doomed transactions.
//! - [`pubsub`]: the Pub/Sub registry and messages awaiting delivery.
//! - [`tracking`]: CLIENT TRACKING (client-side caching invalidations).
//! - [`scripting`]: Lua: the interpreter, its sandbox and libraries, the
//!   script cache and function libraries.
//! - [`notify`]: keyspace notifications.
//! - [`slowlog`]: the slow log.
//! - [`latency`]: the latency monitor: event histories, command histograms.
//! - [`acl`]: users, the rule language, the permission check, the ACL log
//!   and file.
//! - [`evict`]: maxmemory: the eviction pool, policies, LFU counters.
//! - [`aof`]: the append-only file: feeding, writing, fsync, loading, rewrite.
//! - [`config`]: every parameter, file parsing, CONFIG GET/SET support.
//! - [`process`]: the process around the server: daemonize, the pid file,
//!   supervisor readiness, the process title, the OOM score, THP.
//! - [`conn`]: one client connection and its session state; the client table.
//! - [`frame`]: the call frame, one per running command (caller, tracking
//!   mode, what it raised: messages for its caller, expired keys, what it
//!   propagates).
//!
//! What the loop owns, the commands, the loop:
//! - [`state`]: loop-owned state handed to commands (databases, config,
//!   stats, the subsystems).
//! - [`cmd`]: command specs, lookup, dispatch; the table; one file per group.
//! - [`server`]: the poll loop, accept/read/write, cron, shutdown.
//!
//! Beside them: [`client`], a small blocking client, used by the tests.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod acl;
pub mod alloc;
pub mod aof;
pub mod blocking;
pub mod client;
pub mod cmd;
pub mod cmdinfo;
pub mod config;
pub mod conn;
pub mod cpu;
pub mod db;
pub mod evict;
pub mod frame;
pub mod latency;
pub mod lazyfree;
pub mod ldouble;
pub mod limits;
pub mod notify;
pub mod process;
pub mod pubsub;
pub mod resp;
pub mod scripting;
pub mod server;
pub mod slowlog;
pub mod sock;
pub mod state;
pub mod tracking;
pub mod util;
pub mod watches;

#[cfg(test)]
mod props;

/// The Redis version whose behaviour Cinnabar follows; reported by INFO and
/// HELLO so clients' version checks pass.
pub const REDIS_VERSION: &str = "7.0.15";

/// Maps a redis.conf `loglevel` to the `log` filter.
pub fn level_filter(loglevel: &str) -> log::LevelFilter {
    match loglevel {
        "debug" => log::LevelFilter::Trace,
        "verbose" => log::LevelFilter::Debug,
        "warning" => log::LevelFilter::Warn,
        _ => log::LevelFilter::Info,
    }
}
