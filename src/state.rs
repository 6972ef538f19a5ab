//! Everything the loop owns apart from the listeners: the databases, the
//! configuration, statistics, the clock and the client table. Command
//! handlers reach it through [`crate::cmd::Ctx`].

use bytes::Bytes;

use crate::aof::{Aof, Fsync};
use crate::cmdinfo::{Catalogue, CommandId};
use crate::config::Config;
use crate::db::{Dbs, Entry, Logs, Slot};
use crate::evict::touched_clock;
use crate::frame::Frame;
use crate::util::Rng;

/// Server-wide counters reported by INFO.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Connections accepted.
    pub total_connections_received: u64,
    /// Commands executed.
    pub total_commands_processed: u64,
    /// Read lookups that found a key.
    pub keyspace_hits: u64,
    /// Read lookups that found nothing.
    pub keyspace_misses: u64,
    /// Connections refused (maxclients).
    pub rejected_connections: u64,
    /// Bytes read from clients.
    pub net_input_bytes: u64,
    /// Bytes written to clients.
    pub net_output_bytes: u64,
    /// Error replies sent.
    pub total_error_replies: u64,
    /// Keys evicted under maxmemory.
    pub evicted_keys: u64,
    /// Clients closed for exceeding output limits.
    pub client_output_limit_disconnections: u64,
    /// Clients closed for exceeding the query buffer limit.
    pub client_query_buffer_limit_disconnections: u64,
    /// Socket reads that returned data (total_reads_processed).
    pub reads_processed: u64,
    /// Socket writes that sent data (total_writes_processed).
    pub writes_processed: u64,
    /// Recent commands per second (instantaneous_ops_per_sec).
    pub ops_rate: Rate,
    /// Recent bytes read per second (instantaneous_input_kbps).
    pub input_rate: Rate,
    /// Recent bytes written per second (instantaneous_output_kbps).
    pub output_rate: Rate,
    /// Per-command counters (INFO commandstats), by [`CommandId`]; `None`
    /// for commands never called or refused.
    pub commands: Vec<Option<CmdStat>>,
    /// Error replies by error code (INFO errorstats).
    pub errors: std::collections::BTreeMap<String, u64>,
}

/// A per-second rate over the last 16 cron samples, as Redis's
/// instantaneous metrics.
#[derive(Debug, Default, Clone)]
pub struct Rate {
    samples: [f64; 16],
    idx: usize,
    /// Time and counter value at the last sample.
    last: (i64, u64),
}

impl Rate {
    /// Samples `value`, a counter that only grows, at `now_ms`.
    pub fn sample(&mut self, now_ms: i64, value: u64) {
        let (t, v) = self.last;
        let dt = now_ms - t;
        if dt <= 0 {
            return;
        }
        self.samples[self.idx] = value.saturating_sub(v) as f64 * 1000.0 / dt as f64;
        self.idx = (self.idx + 1) % self.samples.len();
        self.last = (now_ms, value);
    }

    /// The mean of the samples, per second.
    pub fn mean(&self) -> f64 {
        self.samples.iter().sum::<f64>() / self.samples.len() as f64
    }
}

/// Counters of one command (INFO commandstats).
#[derive(Debug, Clone)]
pub struct CmdStat {
    /// The command.
    pub id: CommandId,
    /// Completed calls.
    pub calls: u64,
    /// Microseconds spent in them.
    pub usec: u64,
    /// Refused before running (arity, authentication, ...).
    pub rejected: u64,
    /// Ran and replied with an error.
    pub failed: u64,
}

/// Distinct error codes INFO errorstats tracks, as Redis caps them.
const MAX_ERROR_CODES: usize = 128;

impl Stats {
    /// Counters starting from zero at `now_ms`.
    pub fn new(now_ms: i64) -> Stats {
        let mut s = Stats::default();
        for r in [&mut s.ops_rate, &mut s.input_rate, &mut s.output_rate] {
            r.last.0 = now_ms;
        }
        s
    }

    /// Records a sample of each rate (called by the cron).
    pub fn sample_rates(&mut self, now_ms: i64) {
        self.ops_rate.sample(now_ms, self.total_commands_processed);
        self.input_rate.sample(now_ms, self.net_input_bytes);
        self.output_rate.sample(now_ms, self.net_output_bytes);
    }

    /// Counts an error reply, under its code (the first word) in
    /// errorstats.
    pub fn error(&mut self, msg: &str) {
        self.total_error_replies += 1;
        let code = msg.split(' ').next().unwrap_or(msg);
        if let Some(n) = self.errors.get_mut(code) {
            *n += 1;
        } else if self.errors.len() < MAX_ERROR_CODES {
            self.errors.insert(code.to_string(), 1);
        }
    }

    /// The counters of a command.
    pub fn command(&mut self, id: CommandId) -> &mut CmdStat {
        crate::cmdinfo::entry(&mut self.commands, id).get_or_insert(CmdStat {
            id,
            calls: 0,
            usec: 0,
            rejected: 0,
            failed: 0,
        })
    }

    /// The mean of the recent samples.
    pub fn instantaneous_ops(&self) -> u64 {
        self.ops_rate.mean() as u64
    }
}

/// How a shutdown was requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// SIGTERM or SIGINT.
    Signal,
    /// The SHUTDOWN command.
    Command,
}

/// Loop-owned server state.
#[derive(Debug)]
pub struct State {
    /// The live configuration.
    pub config: Config,
    /// The numbered databases.
    pub dbs: Dbs,
    /// Counters for INFO.
    pub stats: Stats,
    /// Unix ms, read once per loop iteration.
    pub now_ms: i64,
    /// Sampling randomness.
    pub rng: Rng,
    /// Changes to the dataset since start (Redis's `server.dirty`).
    pub dirty: u64,
    /// Set when the loop should exit after this iteration.
    pub shutdown: Option<Shutdown>,
    /// Start time in Unix ms.
    pub start_ms: i64,
    /// Random 40-hex-digit id of this run.
    pub run_id: String,
    /// The port actually bound (differs from config with `--port 0`).
    pub tcp_port: u16,
    /// The listening sockets (CONFIG SET `bind`/`port` replaces them).
    pub listeners: crate::sock::Listeners,
    /// Path of the running executable.
    pub executable: String,
    /// Next client id.
    pub next_client_id: u64,
    /// Currently connected clients.
    pub connected_clients: usize,
    /// The append-only file, when persistence is on.
    pub aof: Option<Aof>,
    /// Replaying the AOF: keys never expire, nothing is propagated.
    pub loading: bool,
    /// Blocked clients and the keys they wait on.
    pub blocking: crate::blocking::Blocking,
    /// Pub/Sub subscriptions and undelivered messages.
    pub pubsub: crate::pubsub::PubSub,
    /// Keys clients WATCH.
    pub watches: crate::watches::Watches,
    /// CLIENT TRACKING: remembered keys, BCAST prefixes.
    pub tracking: crate::tracking::Tracking,
    /// Slow commands.
    pub slowlog: crate::slowlog::SlowLog,
    /// Users and the ACL log.
    pub acl: crate::acl::Acl,
    /// Every connected client (see [`crate::conn::Clients`]).
    pub clients: crate::conn::Clients,
    /// Latency events and command histograms.
    pub latency: crate::latency::Monitor,
    /// Eviction candidates kept between rounds (see [`crate::evict`]).
    pub evict_pool: crate::evict::Pool,
    /// Where random eviction looks first.
    pub evict_next_db: usize,
    /// The thread that frees big deleted values (every database holds a
    /// handle on it too).
    pub lazyfree: crate::lazyfree::LazyFree,
    /// Lua scripting: the interpreter, the script cache, the function
    /// libraries. `None` while a script runs (it is lent to the run).
    pub scripting: Option<Box<crate::scripting::Scripting>>,
    /// The running script, as other clients see it.
    pub script: crate::scripting::Busy,
    /// The loop's poll: here so that a script running past
    /// `busy-reply-threshold` can serve other clients (see
    /// `serve_while_busy`). Set when the server binds.
    pub poll: Option<mio::Poll>,
    /// Serves other clients while a script runs past
    /// `busy-reply-threshold` (set by the loop, which owns the sockets).
    pub serve_while_busy: fn(&mut State),
}

impl State {
    /// Fresh state for `config`; ACL rules name `commands`.
    pub fn new(config: Config, now_ms: i64, commands: &'static Catalogue) -> State {
        let mut rng = Rng::from_entropy();
        let run_id = (0..5)
            .map(|_| format!("{:08x}", rng.next_u64() as u32))
            .collect();
        let dbs = Dbs::new(config.databases);
        let mut st = State {
            config,
            dbs,
            stats: Stats::new(now_ms),
            now_ms,
            rng,
            dirty: 0,
            shutdown: None,
            start_ms: now_ms,
            run_id,
            tcp_port: 0,
            listeners: Default::default(),
            executable: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            next_client_id: 1,
            connected_clients: 0,
            aof: None,
            loading: false,
            blocking: Default::default(),
            pubsub: Default::default(),
            watches: Default::default(),
            tracking: Default::default(),
            slowlog: Default::default(),
            acl: crate::acl::Acl::new(commands),
            clients: Default::default(),
            latency: Default::default(),
            evict_pool: Default::default(),
            evict_next_db: 0,
            lazyfree: crate::lazyfree::LazyFree::start(),
            scripting: Some(Box::default()),
            script: Default::default(),
            poll: None,
            serve_while_busy: |_| {},
        };
        st.apply_notify_config();
        let lfu = st.config.maxmemory_lfu;
        for d in &mut st.dbs {
            d.lfu = lfu;
            d.free.bg = st.lazyfree.clone();
        }
        st.apply_lazyfree_config();
        let pass = st.config.requirepass.clone();
        st.acl.set_requirepass(&pass);
        st
    }

    /// The clock expiry compares against: never expired while loading.
    pub fn expire_clock(&self) -> i64 {
        if self.loading {
            i64::MIN
        } else {
            self.now_ms
        }
    }

    /// Whether what commands change goes anywhere: some sink is on and
    /// the dataset is not being loaded. Commands that build a replacement
    /// command may skip building it when not.
    pub fn propagating(&self) -> bool {
        self.aof.is_some() && !self.loading
    }

    /// The one exit of every effect on the dataset: feeds `argv`, run in
    /// database `db`, to every sink (today the AOF; replicas are the
    /// next). Nothing leaves while loading. A new sink is added here and
    /// nowhere else.
    pub fn propagate<A: AsRef<[u8]>>(&mut self, db: usize, argv: &[A]) {
        if self.loading {
            return;
        }
        if let Some(aof) = self.aof.as_mut() {
            aof.feed(db, argv);
        }
    }

    /// Moves what the databases logged on their own since the last look
    /// into `f`: each expired key is announced (an `expired` event, WATCH
    /// and tracking) and kept in `f.expired` for propagation as DEL; each
    /// created key gets its `new` event. Called before a command's own
    /// events go out and when it finishes.
    #[inline]
    pub fn collect_expired(&mut self, f: &mut Frame) {
        if self.dbs.logged() {
            self.collect_logged(f);
        }
    }

    #[inline(never)]
    fn collect_logged(&mut self, f: &mut Frame) {
        let mut logs = Logs::default();
        self.dbs.take_logs(&mut logs);
        for (db, key) in logs.expired {
            self.signal_modified(f, db, &key);
            self.notify_now(f, crate::notify::EXPIRED, "expired", db, &key);
            f.raised().expired.push((db, key));
        }
        for (db, key) in logs.new {
            self.notify_now(f, crate::notify::NEW, "new", db, &key);
        }
    }

    /// Propagates keys removed by expiry outside any command (the cron's
    /// active expiry).
    pub fn propagate_expired(&mut self) {
        // An internal frame (caller 0): every message goes to the outbox.
        let mut f = Frame::internal();
        self.collect_expired(&mut f);
        for (db, key) in f.take_raised().map(|r| r.expired).unwrap_or_default() {
            self.propagate(db, &[&b"DEL"[..], &key]);
        }
    }

    /// Looks a key up for reading: counts a keyspace hit or miss and
    /// refreshes the access clock (unless CLIENT NO-TOUCH). Side effects:
    /// lazy expiry.
    pub fn lookup_read(&mut self, f: &mut Frame, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let now = self.now_ms;
        let clock = self.expire_clock();
        if self.missed(f, db, key, clock) {
            return None;
        }
        match self.dbs[db].get(key, clock) {
            Some(e) => {
                self.stats.keyspace_hits += 1;
                if !f.no_touch {
                    e.lru = touched_clock(e.lru, now, &self.config, &mut self.rng);
                }
                Some(e)
            }
            None => {
                self.stats.keyspace_misses += 1;
                None
            }
        }
    }

    /// With `keymiss` events on: whether a read of `key` misses, in which
    /// case the miss is counted and announced. (A separate probe, since
    /// the hit path returns a borrow; it only runs while `m` is on.)
    fn missed(&mut self, f: &mut Frame, db: usize, key: &[u8], clock: i64) -> bool {
        if self.config.notify_keyspace_events & crate::notify::KEY_MISS == 0
            || self.dbs[db].get(key, clock).is_some()
        {
            return false;
        }
        self.stats.keyspace_misses += 1;
        self.notify(f, crate::notify::KEY_MISS, "keymiss", db, key);
        true
    }

    /// Looks a key up before writing it: no hit/miss counting. Side
    /// effects: lazy expiry, refreshes the access clock (unless CLIENT
    /// NO-TOUCH).
    pub fn lookup_write(&mut self, f: &Frame, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let now = self.now_ms;
        let clock = self.expire_clock();
        let e = self.dbs[db].get_for_write(key, clock)?;
        if !f.no_touch {
            e.lru = touched_clock(e.lru, now, &self.config, &mut self.rng);
        }
        Some(e)
    }

    /// [`State::lookup_write`] for a read-then-write through one hash of
    /// the key: the slot of `key`, live or vacant. Side effects: lazy
    /// expiry, refreshes a live key's access clock (unless CLIENT
    /// NO-TOUCH).
    pub fn lookup_slot<'s>(&'s mut self, f: &Frame, db: usize, key: &'s [u8]) -> Slot<'s> {
        let (now, clock) = (self.now_ms, self.expire_clock());
        let mut slot = self.dbs[db].entry(key, clock);
        if !f.no_touch {
            if let Some(e) = slot.get() {
                e.lru = touched_clock(e.lru, now, &self.config, &mut self.rng);
            }
        }
        slot
    }

    /// Looks a key up counting hits and misses but leaving its access clock
    /// alone (TYPE, TTL, EXISTS, OBJECT). Side effects: lazy expiry.
    pub fn lookup_notouch(&mut self, f: &mut Frame, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let now = self.expire_clock();
        if self.missed(f, db, key, now) {
            return None;
        }
        match self.dbs[db].get(key, now) {
            Some(e) => {
                self.stats.keyspace_hits += 1;
                Some(e)
            }
            None => {
                self.stats.keyspace_misses += 1;
                None
            }
        }
    }

    /// Starts an AOF rewrite (BGREWRITEAOF, automatic, or enabling the
    /// AOF). With the AOF off, only a base file and manifest are written.
    pub fn start_rewrite(&mut self) -> Result<(), String> {
        if self.aof.is_none() {
            let aof = Aof::offline(&self.config).map_err(|e| e.to_string())?;
            self.aof = Some(aof);
        }
        let now = self.now_ms;
        // Libraries first, as Redis writes them. (The engine is only out
        // of the state while a script runs, when no rewrite starts.)
        let functions = self
            .scripting
            .as_ref()
            .map(|sc| sc.functions.aof_commands())
            .unwrap_or_default();
        let Some(aof) = self.aof.as_mut() else {
            return Ok(());
        };
        let result = aof.start_rewrite(&mut self.dbs, now, &functions);
        if result.is_err() && aof.offline {
            self.aof = None;
        }
        result.map_err(|e| {
            log::warn!("Can't start the AOF rewrite: {e}");
            e.to_string()
        })
    }

    /// Advances a rewrite in progress by about `budget` of loop time.
    pub fn rewrite_step(&mut self, budget: std::time::Duration) {
        let Some(aof) = self.aof.as_mut() else { return };
        if aof.rewrite.is_some() && aof.rewrite_step(&mut self.dbs, budget) && aof.offline {
            self.aof = None;
        }
    }

    /// Whether a rewrite is in progress.
    pub fn rewriting(&self) -> bool {
        self.aof.as_ref().is_some_and(|a| a.rewrite.is_some())
    }

    /// Hands the databases the `lazyfree-*` flags they apply themselves.
    fn apply_lazyfree_config(&mut self) {
        let (expire, server_del) = (
            self.config.lazyfree_lazy_expire,
            self.config.lazyfree_lazy_server_del,
        );
        for d in &mut self.dbs {
            d.free.expire = expire;
            d.free.server_del = server_del;
        }
    }

    /// Applies what a CONFIG SET changed beyond the values themselves.
    /// The error names the parameter whose change failed; what came
    /// before it stays applied (CONFIG SET rolls back by applying the old
    /// configuration again).
    pub fn apply_config(&mut self, old: &Config) -> Result<(), (&'static str, String)> {
        // The listeners first: binding may fail (rebind_tcp then listens
        // on the old addresses again).
        if old.bind != self.config.bind || old.port != self.config.port {
            if let Err(e) = self.rebind(old) {
                log::warn!("Failed to listen on the new bind/port: {e}");
                return Err(if old.bind != self.config.bind {
                    ("bind", "Failed to bind to specified addresses.".into())
                } else {
                    (
                        "port",
                        "Unable to listen on this port. Check server logs.".into(),
                    )
                });
            }
        }
        let new = &self.config;
        if old.oom_score_adj != new.oom_score_adj
            || old.oom_score_adj_values != new.oom_score_adj_values
        {
            crate::process::set_oom_score_adj(new).map_err(|e| ("oom-score-adj", e))?;
        }
        if old.proc_title_template != new.proc_title_template {
            crate::process::set_title(new, self.tcp_port);
        }
        if new.maxclients > old.maxclients {
            // As Redis's updateMaxclients: more clients need more descriptors.
            let granted =
                crate::limits::adjust_open_files_limit(new.maxclients).unwrap_or(old.maxclients);
            if granted != new.maxclients {
                return Err(("maxclients", format!("The operating system is not able to handle the specified number of clients, try with {granted}")));
            }
        }
        if old.loglevel != new.loglevel && std::env::var_os("RUST_LOG").is_none() {
            log::set_max_level(crate::level_filter(&new.loglevel));
        }
        self.apply_notify_config();
        self.apply_lazyfree_config();
        if old.maxmemory_policy != self.config.maxmemory_policy {
            let lfu = self.config.maxmemory_lfu;
            for d in &mut self.dbs {
                d.lfu = lfu;
            }
            self.evict_pool.clear();
        }
        if old.requirepass != self.config.requirepass {
            // Redis 7.0: the default user's only password, or nopass.
            let pass = self.config.requirepass.clone();
            self.acl.set_requirepass(&pass);
        }
        if let Some(aof) = self.aof.as_mut() {
            aof.fsync = Fsync::from_config(&self.config.appendfsync);
        }
        match (old.appendonly, self.config.appendonly) {
            (false, true) => self.enable_aof().map_err(|e| ("appendonly", e)),
            (true, false) => {
                self.disable_aof();
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Replaces the TCP listeners with ones on the configured `bind` and
    /// `port` (CONFIG SET, as Redis 7.0 changes them at runtime); on
    /// failure the old ones stay. With port 0 a free port is picked, as
    /// at startup, and CONFIG GET port then tells it.
    fn rebind(&mut self, old: &Config) -> std::io::Result<()> {
        let was = (&old.bind[..], self.tcp_port);
        let port = self
            .listeners
            .rebind_tcp(&self.config.bind, self.config.port, was)?;
        self.tcp_port = port;
        self.config.port = port;
        Ok(())
    }

    /// Turns the AOF on at runtime: a rewrite writes the dataset as the
    /// base, and the AOF is live once it finishes.
    pub fn enable_aof(&mut self) -> Result<(), String> {
        if let Some(mut old) = self.aof.take() {
            old.abort_rewrite(&mut self.dbs, "the AOF is being enabled");
        }
        let aof = Aof::enabling(&self.config).map_err(|e| e.to_string())?;
        self.aof = Some(aof);
        self.start_rewrite()
    }

    /// Turns the AOF off: pending commands are written and synced.
    pub fn disable_aof(&mut self) {
        if let Some(mut aof) = self.aof.take() {
            aof.abort_rewrite(&mut self.dbs, "the AOF was disabled");
            aof.flush_and_sync();
        }
    }

    /// Notes that `key` in `db` may serve blocked clients.
    pub fn signal_ready(&mut self, db: usize, key: &[u8]) {
        self.blocking.signal_ready(db, key);
    }

    /// Wakes XREAD/XREADGROUP clients blocked on `key` whenever it changes:
    /// a stream deleted, replaced or recreated must be looked at again
    /// (Redis 7.0 answers blocked XREADGROUP with an error when its
    /// stream or group goes away).
    fn wake_stream_readers(&mut self, db: usize, key: &[u8]) {
        if self.blocking.has_stream_reader(db, key) {
            self.signal_ready(db, key);
        }
    }

    /// Publishes `payload` to `channel` (PUBLISH, keyspace events);
    /// returns the receivers. Messages to the running command's caller go
    /// into its frame.
    pub fn publish(&mut self, f: &mut Frame, channel: Bytes, payload: Bytes) -> usize {
        publish_from(&mut self.pubsub, f, &channel, &payload, false)
    }

    /// Publishes keyspace event `event` of class `class` for `key` in
    /// `db`, if `notify-keyspace-events` selects it. Events of keys that
    /// expired meanwhile go out first.
    pub fn notify(&mut self, f: &mut Frame, class: u32, event: &str, db: usize, key: &[u8]) {
        self.collect_expired(f);
        self.notify_now(f, class, event, db, key);
    }

    /// [`State::notify`] without collecting expired keys first.
    fn notify_now(&mut self, f: &mut Frame, class: u32, event: &str, db: usize, key: &[u8]) {
        let flags = self.config.notify_keyspace_events;
        if flags & class == 0 || !self.pubsub.any() {
            return;
        }
        let mut own = Vec::new();
        let origin = crate::notify::Origin {
            caller: f.caller,
            own: &mut own,
        };
        crate::notify::publish(&mut self.pubsub, origin, flags, class, event, db, key);
        if !own.is_empty() {
            f.raised().own.append(&mut own);
        }
    }

    /// Keeps the databases' `new` key log on only while the `n` class is.
    pub fn apply_notify_config(&mut self) {
        let on = self.config.notify_keyspace_events & crate::notify::NEW != 0;
        for d in self.dbs.iter_mut() {
            d.log_new = on;
            if !on {
                d.new_log.clear();
            }
        }
    }

    /// Notes that `key` in `db` changed (Redis's `signalModifiedKey`):
    /// transactions watching it will not run, tracking clients are told,
    /// blocked stream readers re-check it.
    pub fn signal_modified(&mut self, f: &mut Frame, db: usize, key: &[u8]) {
        self.wake_stream_readers(db, key);
        self.signal_watchers(f, db, key);
    }

    /// [`State::signal_modified`] for a stream changed in place (XDEL,
    /// XTRIM): WATCH and tracking only. Redis does not wake blocked
    /// readers for those.
    pub fn signal_modified_in_place(&mut self, f: &mut Frame, db: usize, key: &[u8]) {
        self.signal_watchers(f, db, key);
    }

    /// Dooms the transactions watching `key` in `db`, and invalidates it
    /// for CLIENT TRACKING.
    fn signal_watchers(&mut self, f: &mut Frame, db: usize, key: &[u8]) {
        if self.tracking.active() {
            self.invalidate_key(f, key);
        }
        if !self.watches.any() {
            return;
        }
        let ids: Vec<u64> = self.watches.watchers(db, key).to_vec();
        if ids.is_empty() {
            return;
        }
        let exists = self.dbs[db].contains_raw(key);
        for id in ids {
            // Handled per client: a key that had already expired when
            // watched and is now gone was deleted, not changed.
            self.watches.touch_client(id, db, key, exists);
        }
    }

    /// Sends the clients that read `key` (CLIENT TRACKING) an invalidation
    /// and notes it for BCAST prefixes.
    fn invalidate_key(&mut self, f: &mut Frame, key: &[u8]) {
        let ids = self.tracking.modified(key, f.caller);
        for id in ids {
            self.send_invalidation(f, id, Some(vec![Bytes::copy_from_slice(key)]), false);
        }
    }

    /// Keeps the CLIENT TRACKING table within `tracking-table-max-keys`:
    /// keys it forgets are invalidated as if they had changed (Redis's
    /// `trackingLimitUsedSlots`, run before each command).
    pub fn limit_tracking(&mut self, f: &mut Frame) {
        let victims = self
            .tracking
            .over_limit(self.config.tracking_table_max_keys);
        if victims.is_empty() {
            return;
        }
        for (key, ids) in victims {
            for id in ids {
                self.send_invalidation(f, id, Some(vec![key.clone()]), false);
            }
        }
        // Before the command runs, so its caller reads them before its
        // reply, not after as it does its own writes' invalidations.
        let r = f.raised();
        let after = std::mem::take(&mut r.own_after);
        r.own.extend(after);
    }

    /// FLUSHDB, FLUSHALL: every tracking client is told that every key
    /// changed, and the remembered keys are forgotten.
    pub fn invalidate_all(&mut self, f: &mut Frame) {
        if !self.tracking.active() {
            return;
        }
        self.tracking.clear_keys();
        for id in self.tracking.clients.clone() {
            self.send_invalidation(f, id, None, true);
        }
    }

    /// Sends the BCAST invalidations collected since the last call (the
    /// loop calls this before sleeping).
    pub fn broadcast_invalidations(&mut self) {
        if self.tracking.clients.is_empty() {
            return;
        }
        let clients = &self.clients;
        let sends = self.tracking.take_broadcasts(|id| {
            clients
                .key_of(id)
                .and_then(|k| clients.get(k))
                .is_some_and(|c| c.state.track.noloop)
        });
        let mut f = Frame::internal();
        for (id, keys) in sends {
            self.send_invalidation(&mut f, id, Some(keys), true);
        }
    }

    /// Queues an invalidation of `keys` (`None`: all) for tracking client
    /// `id`: to its REDIRECT client, or to itself (the running client gets
    /// it after its reply). `any_mode` is set for BCAST and flush
    /// messages; a key remembered in default mode is not sent to a client
    /// that switched to BCAST since, nor to a NOLOOP client that changed
    /// it itself. A REDIRECT client that has gone is reported instead
    /// (`tracking-redir-broken`, each time), as Redis does.
    fn send_invalidation(
        &mut self,
        f: &mut Frame,
        id: u64,
        keys: Option<Vec<Bytes>>,
        any_mode: bool,
    ) {
        use crate::pubsub::Msg;
        let running = id != 0 && id == f.caller;
        let (t, resp3) = if running {
            (f.tracking, f.resp3)
        } else {
            let Some(c) = self.clients.key_of(id).and_then(|k| self.clients.get(k)) else {
                return;
            };
            (
                crate::tracking::Current::of(&c.state.track),
                c.out.is_resp3(),
            )
        };
        let invalidate = || match keys {
            Some(keys) => Msg::Invalidate(keys),
            None => Msg::InvalidateAll(resp3),
        };
        if !t.on || (t.bcast && !any_mode) || (t.noloop && running && !any_mode) {
            return;
        }
        let (target, msg) = if t.redirect == 0 {
            (id, invalidate())
        } else if self.clients.exists(t.redirect) {
            (t.redirect, invalidate())
        } else {
            if running {
                f.tracking.broken = true;
            } else if let Some(c) = self
                .clients
                .key_of(id)
                .and_then(|k| self.clients.get_mut(k))
            {
                c.state.track.broken = true;
            }
            (id, Msg::RedirBroken(t.redirect))
        };
        // The caller's own invalidations follow its reply; those it
        // receives as another client's REDIRECT target precede it.
        f.route(&mut self.pubsub.outbox, target, msg, target == id);
    }

    /// Dooms transactions watching keys of `db` that FLUSHDB, FLUSHALL or
    /// SWAPDB (with `other`, the database swapped in) is about to change:
    /// keys that exist in `db` or in `other` (Redis's
    /// `touchAllWatchedKeysInDb`). Call before the change.
    pub fn signal_db_changed(&mut self, db: usize, other: Option<usize>) {
        // Stream readers blocked in `db` look again (Redis 7.0 answers
        // XREADGROUP whose stream went away with an error).
        let blocked: Vec<Box<[u8]>> = self
            .blocking
            .waiters
            .keys()
            .filter(|(d, _)| *d == db)
            .map(|(_, k)| k.clone())
            .collect();
        for key in blocked {
            self.wake_stream_readers(db, &key);
        }
        if !self.watches.any() {
            return;
        }
        let now = self.now_ms;
        for key in self.watches.keys_in(db) {
            let in_db = self.dbs[db].contains_raw(&key);
            let in_other = other.is_some_and(|o| self.dbs[o].contains_raw(&key));
            if !in_db && !in_other {
                continue;
            }
            let other_expired = other.is_some_and(|o| self.dbs[o].is_expired_raw(&key, now));
            for id in self.watches.watchers(db, &key).to_vec() {
                self.watches
                    .touch_db_change(id, db, &key, in_db, in_other, other_expired);
            }
        }
    }

    /// Evicts keys per `maxmemory-policy` until memory is under
    /// `maxmemory`. Returns false if it is still over (noeviction, or
    /// nothing left to evict). Side effects: removes keys, counts
    /// `evicted_keys`, fires `evicted` events, touches WATCH and feeds the
    /// AOF a DEL per key.
    pub fn perform_evictions(&mut self, f: &mut Frame) -> bool {
        let limit = self.config.maxmemory;
        // While clients are paused the dataset stays still: no evictions
        // (and nothing is refused for memory), as Redis.
        if self.used_for_evict() <= limit || self.clients.pause.active(self.now_ms) {
            return true;
        }
        if self.config.maxmemory_policy == "noeviction" {
            return false;
        }
        loop {
            let victim = crate::evict::pick_victim(
                &mut self.evict_pool,
                &mut self.evict_next_db,
                &self.dbs,
                &self.config,
                &mut self.rng,
                self.now_ms,
            );
            let Some((db, key)) = victim else {
                return false;
            };
            self.evict_key(f, db, &key);
            if self.used_for_evict() <= limit {
                return true;
            }
        }
    }

    /// Memory as eviction counts it (see [`crate::evict::used_for_evict`]),
    /// less what the lazy-free thread is about to free: without that, a
    /// lazily evicted big value would look unfreed and the loop would go
    /// on evicting until the thread caught up.
    fn used_for_evict(&self) -> u64 {
        let aof = self.aof.as_ref().map_or(0, |a| a.buf.capacity());
        crate::evict::used_for_evict(aof).saturating_sub(self.lazyfree.pending_bytes())
    }

    /// Removes `key` as evicted. Side effects: see [`Self::perform_evictions`].
    fn evict_key(&mut self, f: &mut Frame, db: usize, key: &[u8]) {
        self.propagate(db, &[&b"DEL"[..], key]);
        let lazy = self.config.lazyfree_lazy_eviction;
        self.dbs[db].delete(key, lazy);
        self.stats.evicted_keys += 1;
        self.notify(f, crate::notify::EVICTED, "evicted", db, key);
        self.signal_modified(f, db, key);
    }

    /// Total expired keys across databases.
    pub fn expired_keys(&self) -> u64 {
        self.dbs.iter().map(|d| d.expired).sum()
    }
}

/// Publishes on `pubsub` for the command of frame `f`: messages to its
/// caller go into the frame (made only when there is one).
pub fn publish_from(
    pubsub: &mut crate::pubsub::PubSub,
    f: &mut Frame,
    channel: &Bytes,
    payload: &Bytes,
    shard: bool,
) -> usize {
    let mut own = Vec::new();
    let n = pubsub.publish(channel, payload, shard, f.caller, &mut own);
    if !own.is_empty() {
        f.raised().own.append(&mut own);
    }
    n
}
