//! The event loop. One thread, one `mio::Poll`: it owns the listeners,
//! every client (a `Slab<Conn>` indexed by `Token`) and the [`State`].
//!
//! Each iteration: poll (the timeout is the time to the next cron tick),
//! accept, read and execute every complete command of each readable client,
//! run the cron when due, then [`Server::before_sleep`] writes all pending
//! replies in one pass, like Redis's `beforeSleep`.
//!
//! The clients live in the [`crate::conn::Clients`] table inside the
//! [`State`]; while a client's command runs, its connection is taken out
//! of the table, so the command can see and act on every other client
//! (CLIENT LIST, CLIENT KILL) while holding its own.

use std::io::{self, Read, Write};

use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use log::{debug, info, warn};
use mio::{Events, Interest, Poll, Token};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook_mio::v1_0::Signals;

use crate::aof::{load, Aof, Fsync};
use crate::blocking::TimeoutReply;
use crate::cmd;
use crate::config::Config;
use crate::conn::{ClientState, Closing, Conn};
use crate::resp::Out;
use crate::sock::{Accepted, Listener, Listeners, LISTENER_BASE};
use crate::state::{Shutdown, State, Stats};
use crate::util::unix_ms;

const SIGNAL_TOKEN: Token = Token(usize::MAX);

/// The startup logo (`always-show-logo`).
const LOGO: &str = r"
            _._
       _.-``   ``-._        Cinnabar {version} (Redis 7.0 compatible)
   _.-``  .-```-.  ``-._    Running in standalone mode
  (      (  HgS  )      )   Port: {port}
   `-._   `-...-'   _.-'    PID: {pid}
       `-._     _.-'
           `-.-'
";

/// Bytes read from one client per readiness event before other clients get
/// a turn; the rest is read on the next iteration.
const READ_BUDGET: usize = 1024 * 1024;

/// Time one client may spend executing commands before the others get a
/// turn: a long pipeline of cheap commands would otherwise hold the loop
/// for its whole read budget (seconds, in a debug build). The rest of its
/// input waits, unread or unparsed, for the next iteration.
const CLIENT_SLICE: Duration = Duration::from_millis(5);

/// Commands run between two looks at the clock in `process_client`.
const SLICE_CHECK_EVERY: u32 = 64;

/// Size of the shared read scratch buffer.
const READ_CHUNK: usize = 64 * 1024;

/// An output or read buffer with more spare capacity than this is freed
/// once drained, so one huge reply or command does not pin memory (the
/// cron trims smaller ones, see `resize_query_buffer`).
const KEEP_CAPACITY: usize = 256 * 1024;

/// A read buffer may waste this much before the cron trims it (Redis's
/// `clientsCronResizeQueryBuffer`).
const QBUF_SLACK: usize = 4 * 1024;

/// Read buffers over this size are trimmed to their recent peak
/// (Redis's `PROTO_RESIZE_THRESHOLD`).
const QBUF_RESIZE_THRESHOLD: usize = 32 * 1024;

/// A client idle this long (ms) has its read buffer trimmed to its
/// content (Redis: more than 2 seconds).
const QBUF_IDLE_MS: i64 = 2000;

/// Output Redis keeps in each client's static buffer, which
/// `client-output-buffer-limit` does not count.
const REPLY_STATIC_BYTES: u64 = 16 * 1024;

/// Published messages queued before the loop delivers them mid-iteration,
/// so a long pipeline of PUBLISH does not pile up messages.
const OUTBOX_FLUSH: usize = 4096;

/// The server: the poll loop and everything it owns.
pub struct Server {
    signals: Signals,
    st: State,
    pending_write: Vec<usize>,
    pending_read: Vec<usize>,
    scratch: Vec<u8>,
    next_cron: Instant,
    /// When the last slice of AOF rewrite work ended.
    rewrite_slice_end: Instant,
}

/// Binds, serves until shutdown, and returns. `startup` hears when the
/// server accepts connections (a daemonizing parent exits then, a
/// supervisor is told) and when it stops.
pub fn run(config: Config, startup: &mut crate::process::Startup) -> io::Result<()> {
    if config.disable_thp {
        crate::process::disable_thp();
    }
    // As Redis at startup, a score that cannot be set is only logged.
    let _ = crate::process::set_oom_score_adj(&config);
    let mut server = Server::bind(config)?;
    server.show_logo();
    crate::process::set_title(&server.st.config, server.st.tcp_port);
    for l in &server.st.listeners.list {
        info!("Ready to accept connections {}", l.describe());
    }
    // After the line above, so a daemonizing parent exits with it logged.
    startup.ready();
    let served = server.serve();
    startup.stopping();
    served
}

impl Server {
    /// Binds every `bind` address and sets up signal handling.
    pub fn bind(mut config: Config) -> io::Result<Server> {
        config.maxclients =
            crate::limits::adjust_open_files_limit(config.maxclients).map_err(io::Error::other)?;
        let poll = Poll::new()?;
        let (mut list, port) = crate::sock::bind_tcp(&config.bind, config.port)?;
        if !config.unixsocket.is_empty() {
            let l =
                Listener::bind_unix(&config.unixsocket, config.unixsocketperm).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("Failed opening Unix socket {}: {e}", config.unixsocket),
                    )
                })?;
            list.push(l);
        }
        let listeners = Listeners::new(poll.registry().try_clone()?, list)?;
        let mut signals = Signals::new([SIGTERM, SIGINT])?;
        poll.registry()
            .register(&mut signals, SIGNAL_TOKEN, Interest::READABLE)?;
        let now = unix_ms();
        let mut st = State::new(config, now, cmd::catalogue());
        st.listeners = listeners;
        st.tcp_port = port;
        // CONFIG GET port tells the port in use, also when --port 0 chose it.
        st.config.port = port;
        crate::alloc::mark_startup();
        if !st.config.aclfile.is_empty() {
            let all_channels = st.config.acl_pubsub_default_all;
            let users =
                crate::acl::file::load_file(st.acl.commands(), &st.config.aclfile, all_channels)
                    .map_err(io::Error::other)?;
            st.acl.install(users);
        }
        if st.config.appendonly {
            load_aof(&mut st).map_err(io::Error::other)?;
        }
        st.poll = Some(poll);
        st.serve_while_busy = serve_while_busy;
        Ok(Server {
            signals,
            st,
            pending_write: Vec::new(),
            pending_read: Vec::new(),
            scratch: vec![0; READ_CHUNK],
            next_cron: Instant::now(),
            rewrite_slice_end: Instant::now(),
        })
    }

    /// Redis's ASCII logo when `always-show-logo` is on or the log is a
    /// terminal; otherwise its one-line summary.
    fn show_logo(&self) {
        use std::io::IsTerminal;
        let c = &self.st.config;
        let port = self.st.tcp_port;
        if c.always_show_logo || (c.logfile.is_empty() && io::stdout().is_terminal()) {
            info!(
                "\n{}",
                LOGO.replace("{version}", env!("CARGO_PKG_VERSION"))
                    .replace("{port}", &format!("{port:<5}"))
                    .replace("{pid}", &format!("{:<7}", std::process::id()))
            );
        } else {
            info!("Running mode=standalone, port={port}.");
        }
    }

    /// Runs the loop until SHUTDOWN or a signal.
    pub fn serve(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        loop {
            let timeout = if self.pending_read.is_empty() && !self.st.rewriting() {
                let mut t = self.next_cron.saturating_duration_since(Instant::now());
                // Blocked clients time out with millisecond resolution.
                let mut deadline = self.st.blocking.next_deadline();
                // So does CLIENT PAUSE.
                let pause = &self.st.clients.pause;
                if !pause.waiting.is_empty() && (deadline == 0 || pause.end_ms < deadline) {
                    deadline = pause.end_ms;
                }
                if deadline > 0 {
                    let left = (deadline - unix_ms()).max(0) as u64;
                    t = t.min(Duration::from_millis(left));
                }
                t
            } else {
                Duration::ZERO
            };
            if let Err(e) = poll_of(&mut self.st).poll(&mut events, Some(timeout)) {
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            self.st.now_ms = unix_ms();
            // Clients queued before this poll go on after the events;
            // those the events queue wait for the next iteration, so no
            // client gets two turns in one.
            let queued = std::mem::take(&mut self.pending_read);
            for ev in events.iter() {
                match ev.token() {
                    SIGNAL_TOKEN => self.handle_signals(),
                    Token(t) if t >= LISTENER_BASE => self.accept(t - LISTENER_BASE),
                    Token(key) => {
                        if ev.is_writable() {
                            self.write_client(key);
                        }
                        let in_queue = self.st.clients.get(key).is_some_and(|c| c.queued_read);
                        let closed = ev.is_read_closed() || ev.is_error();
                        if (ev.is_readable() || closed) && !in_queue {
                            // A short read may end the turn only if the
                            // peer has not also closed: that edge is spent.
                            self.read_client(key, closed);
                        }
                    }
                }
            }
            for key in queued {
                if let Some(c) = self.st.clients.get_mut(key) {
                    c.queued_read = false;
                    if !self.process_client(key) {
                        self.read_client(key, true);
                    }
                }
            }
            let pause = &self.st.clients.pause;
            if !pause.waiting.is_empty() && !pause.active(self.st.now_ms) {
                self.resume_postponed();
            }
            self.expire_blocked();
            if self.st.rewriting() {
                // Snapshot work gets as much time as the loop spent on
                // everything else since the last slice (20 µs to 1 ms):
                // half the CPU under load, nearly all of it when idle.
                let other = self.rewrite_slice_end.elapsed();
                let budget = other.clamp(Duration::from_micros(20), Duration::from_millis(1));
                self.st.rewrite_step(budget);
                self.rewrite_slice_end = Instant::now();
            }
            if Instant::now() >= self.next_cron {
                self.cron();
                let period = Duration::from_millis(1000 / u64::from(self.st.config.hz.max(1)));
                self.next_cron = Instant::now() + period;
            }
            self.before_sleep();
            if let Some(how) = self.st.shutdown {
                self.finish_shutdown(how);
                return Ok(());
            }
        }
    }

    fn handle_signals(&mut self) {
        for sig in self.signals.pending() {
            let name = if sig == SIGINT { "SIGINT" } else { "SIGTERM" };
            warn!("Received {name} scheduling shutdown...");
            self.st.shutdown = Some(Shutdown::Signal);
        }
    }

    fn finish_shutdown(&mut self, how: Shutdown) {
        if how == Shutdown::Command {
            warn!("User requested shutdown...");
        }
        if let Some(aof) = self.st.aof.as_mut() {
            if aof.enabling_in_progress() {
                // The AOF being enabled has no base yet: finish it rather
                // than leave a directory that does not hold the dataset.
                warn!("Writing initial AOF before exiting.");
                while !aof.rewrite_step(&mut self.st.dbs, Duration::from_millis(100)) {}
            }
            aof.abort_rewrite(&mut self.st.dbs, "the server is shutting down");
            aof.flush_and_sync();
            info!("Calling fsync() on the AOF file.");
        }
        let durable = self.st.aof.as_ref().map_or(u64::MAX, |a| a.durable());
        for (_, c) in self.st.clients.iter_mut() {
            if c.aof_wait <= durable {
                let _ = c.sock.write(&c.out.buf);
            }
        }
        for l in &self.st.listeners.list {
            l.remove_file();
        }
        warn!("Cinnabar is now ready to exit, bye bye...");
    }

    fn accept(&mut self, idx: usize) {
        loop {
            let Some(listener) = self.st.listeners.list.get(idx) else {
                return;
            };
            match listener.accept() {
                Ok(accepted) => self.add_client(accepted),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    warn!("Accepting client connection: {e}");
                    return;
                }
            }
        }
    }

    fn add_client(&mut self, accepted: Accepted) {
        add_client(&mut self.st, accepted);
    }

    fn close_client(&mut self, key: usize) {
        close_client(&mut self.st, key);
    }

    /// Frees the clients CLIENT KILL closed.
    fn close_killed(&mut self) {
        for key in std::mem::take(&mut self.st.clients.killed) {
            self.close_client(key);
        }
    }

    /// Reads everything available (up to the budget), executing commands
    /// as they complete. Unless `drain`, a read shorter than the buffer
    /// ends the turn: it emptied the socket, and for a stream socket
    /// epoll(7) reports new data with a new edge, so the read that would
    /// only say EAGAIN is skipped (one recv per batch, as Redis). `drain`
    /// reads on to EAGAIN or EOF: for queued turns (no fresh edge) and when
    /// the event already reported the peer's close (no edge will follow).
    fn read_client(&mut self, key: usize, drain: bool) {
        let mut budget = READ_BUDGET;
        loop {
            let Some(c) = self.st.clients.get_mut(key) else {
                return;
            };
            if c.throttled || c.state.closing.any() {
                break;
            }
            match c.sock.read(&mut self.scratch) {
                Ok(0) => {
                    // Peer closed its side: answer what it sent, then close.
                    c.state.closing.raise(Closing::AfterReply);
                    break;
                }
                Ok(n) => {
                    self.st.stats.net_input_bytes += n as u64;
                    self.st.stats.reads_processed += 1;
                    c.rbuf.extend_from_slice(&self.scratch[..n]);
                    c.qbuf_peak = c.qbuf_peak.max(c.rbuf.len());
                    if c.rbuf.len() as u64 > self.st.config.client_query_buffer_limit {
                        warn!(
                            "Closing client that reached max query buffer length: {}",
                            c.state.ident.addr
                        );
                        self.st.stats.client_query_buffer_limit_disconnections += 1;
                        c.state.closing = Closing::Asap;
                        break;
                    }
                    let yielded = self.process_client(key);
                    budget = budget.saturating_sub(n);
                    if budget == 0 || yielded {
                        self.queue_read(key);
                        break;
                    }
                    if !drain && n < self.scratch.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    c.state.closing = Closing::Asap;
                    break;
                }
            }
        }
        self.queue_write(key);
    }

    fn queue_read(&mut self, key: usize) {
        if let Some(c) = self.st.clients.get_mut(key) {
            if !c.queued_read {
                c.queued_read = true;
                self.pending_read.push(key);
            }
        }
    }

    fn queue_write(&mut self, key: usize) {
        if let Some(c) = self.st.clients.get_mut(key) {
            if !c.queued_write {
                c.queued_write = true;
                self.pending_write.push(key);
            }
        }
    }

    /// Executes every complete command in the client's read buffer, until
    /// input runs out, output backpressure pauses it, or CLIENT PAUSE
    /// holds a command back.
    ///
    /// Returns true if it stopped because its time slice ran out, with the
    /// client queued to go on in the next iteration.
    fn process_client(&mut self, key: usize) -> bool {
        let start = crate::cpu::Stamp::now();
        let mut ran_count = 0u32;
        loop {
            // The connection is out of the table while its command runs.
            let Some(mut c) = self.st.clients.take(key) else {
                return false;
            };
            let Some(argv) = next_command(&mut c, key, &mut self.st) else {
                self.st.clients.put(key, c);
                break;
            };
            let st = &mut self.st;
            if cmd::call(st, &mut c.state, &mut c.out, &argv) {
                note_aof_wait(&mut c, st);
            }
            c.parser.recycle(argv);
            check_output_limits(&mut c, &st.config, &mut st.stats, st.now_ms);
            let pause_at = st.config.client_output_pause;
            if pause_at > 0 && c.out.buf.len() as u64 > pause_at {
                c.throttled = true;
            }
            self.st.clients.put(key, c);
            self.after_command();
            ran_count += 1;
            if ran_count.is_multiple_of(SLICE_CHECK_EVERY)
                && start.elapsed_ns() > CLIENT_SLICE.as_nanos() as u64
            {
                self.queue_read(key);
                self.queue_write(key);
                return true;
            }
        }
        let Some(c) = self.st.clients.get_mut(key) else {
            return false;
        };
        if c.rbuf.is_empty() {
            // The arguments of the commands that ran were slices of the
            // buffer's allocation. They are gone: take the allocation back
            // whole (no copy), so that its capacity, CLIENT LIST's
            // `qbuf-free`, is what the client holds; and give memory back
            // after a large command went through.
            let cap = c.rbuf.capacity();
            let _ = c.rbuf.try_reclaim(cap + 1);
            if c.rbuf.capacity() > KEEP_CAPACITY {
                c.rbuf = BytesMut::new();
            }
        }
        false
    }

    /// Work a command may leave for the loop, done before anything else
    /// runs: clients it killed are freed, clients blocked on keys it fed
    /// are served (as in Redis), monitors get its line, and a long
    /// pipeline of PUBLISH delivers messages as it goes.
    fn after_command(&mut self) {
        if !self.st.script.missed_reads.is_empty() {
            for key in std::mem::take(&mut self.st.script.missed_reads) {
                self.queue_read(key);
            }
        }
        if !self.st.clients.killed.is_empty() {
            self.close_killed();
        }
        if !self.st.blocking.ready.is_empty() || !self.st.blocking.unblock_requests.is_empty() {
            self.serve_blocked();
        }
        if !self.st.clients.monitor_feed.is_empty() {
            self.deliver_monitor_feed();
        }
        if self.st.pubsub.outbox.len() >= OUTBOX_FLUSH {
            self.deliver_messages();
        }
    }

    /// Runs the commands CLIENT PAUSE held back, oldest first, then the
    /// input behind them (a command may pause clients again, which holds
    /// the rest once more).
    fn resume_postponed(&mut self) {
        for key in std::mem::take(&mut self.st.clients.pause.waiting) {
            let _ = self.process_client(key);
            self.read_client(key, true);
        }
    }

    /// Writes as much pending output as the socket takes.
    fn write_client(&mut self, key: usize) {
        let Some(c) = self.st.clients.get_mut(key) else {
            return;
        };
        while !c.out.buf.is_empty() && c.state.closing != Closing::Asap {
            match c.sock.write(&c.out.buf) {
                Ok(0) => break,
                Ok(n) => {
                    self.st.stats.net_output_bytes += n as u64;
                    self.st.stats.writes_processed += 1;
                    if n == c.out.buf.len() {
                        // All sent: `clear` keeps the buffer's start, so
                        // the next reply needs no reserve to reclaim it.
                        c.out.buf.clear();
                    } else {
                        c.out.buf.advance(n);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => c.state.closing = Closing::Asap,
            }
        }
        if c.state.closing == Closing::Asap || (c.out.buf.is_empty() && c.state.closing.any()) {
            if c.state.closing != Closing::Asap {
                // Read what the peer already sent before closing: closing
                // with unread input sends a reset, and a reset can make the
                // peer discard our last reply (the error it should read).
                let _ = c.sock.shutdown(std::net::Shutdown::Write);
                let mut sink = [0u8; 4096];
                for _ in 0..64 {
                    match c.sock.read(&mut sink) {
                        Ok(n) if n > 0 => continue,
                        _ => break,
                    }
                }
            }
            self.close_client(key);
            return;
        }
        let want_write = !c.out.buf.is_empty();
        if want_write != c.writable_registered {
            let interest = if want_write {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            if self
                .st
                .poll
                .as_ref()
                .expect("the loop's poll")
                .registry()
                .reregister(&mut c.sock, Token(key), interest)
                .is_err()
            {
                self.close_client(key);
                return;
            }
            c.writable_registered = want_write;
        }
        if c.out.buf.is_empty() && c.out.buf.capacity() > KEEP_CAPACITY {
            c.out.buf = BytesMut::new();
        }
        if c.throttled && (c.out.buf.len() as u64) <= self.st.config.client_output_pause / 2 {
            c.throttled = false;
            self.queue_read(key);
        }
    }

    /// Runs before the loop sleeps: writes every pending reply.
    /// Serves clients blocked on keys that may now have data, re-running
    /// each one's command in FIFO order per key, and CLIENT UNBLOCK
    /// requests. Serving can feed other keys (BLMOVE), so this repeats
    /// until nothing is ready.
    fn serve_blocked(&mut self) {
        loop {
            let requests = std::mem::take(&mut self.st.blocking.unblock_requests);
            for (id, error) in requests {
                let reply = if error {
                    Unblocked::Error
                } else {
                    Unblocked::Timeout
                };
                self.finish_blocked(id, reply);
            }
            let ready = std::mem::take(&mut self.st.blocking.ready);
            if ready.is_empty() {
                return;
            }
            for slot in ready {
                let waiting: Vec<u64> = match self.st.blocking.waiters.get(&slot) {
                    Some(q) => q.iter().copied().collect(),
                    None => continue,
                };
                for id in waiting {
                    let (Some(key), Some(b)) = (
                        self.st.clients.key_of(id),
                        self.st.blocking.clients.get(&id),
                    ) else {
                        continue;
                    };
                    let argv = b.argv.clone();
                    let Some(mut c) = self.st.clients.take(key) else {
                        continue;
                    };
                    self.st.blocking.reblocked = false;
                    self.st.blocking.serving = Some(slot.clone());
                    if cmd::call(&mut self.st, &mut c.state, &mut c.out, &argv) {
                        note_aof_wait(&mut c, &self.st);
                    }
                    self.st.blocking.serving = None;
                    let served = !self.st.blocking.reblocked;
                    if served {
                        end_reply_skip(&mut c);
                    }
                    self.st.clients.put(key, c);
                    if served {
                        // Served (or failed): the command replied.
                        self.st.blocking.unblock(id);
                        self.queue_write(key);
                        self.queue_read(key);
                    }
                }
            }
        }
    }

    /// Unblocks client `id` with a timeout reply or an UNBLOCKED error.
    fn finish_blocked(&mut self, id: u64, how: Unblocked) {
        let Some(b) = self.st.blocking.unblock(id) else {
            return;
        };
        let Some(key) = self.st.clients.key_of(id) else {
            return;
        };
        let msg = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
        // The blocked call is counted now, as Redis counts it on unblock.
        if let cmd::Resolved::Ok(spec, parent, _) = cmd::resolve(&b.argv) {
            let stat = self.st.stats.command(cmd::command_id(spec, parent));
            stat.calls += 1;
            stat.failed += u64::from(matches!(how, Unblocked::Error));
        }
        if matches!(how, Unblocked::Error) {
            self.st.stats.error(msg);
        }
        let Some(c) = self.st.clients.get_mut(key) else {
            return;
        };
        if !c.state.reply.suppressed() {
            match how {
                Unblocked::Error => c.out.error(msg),
                Unblocked::Timeout => match b.reply {
                    TimeoutReply::NullArray => c.out.null_array(),
                    TimeoutReply::NullBulk => c.out.null(),
                },
            }
        }
        end_reply_skip(c);
        self.queue_write(key);
        self.queue_read(key);
    }

    /// Answers blocked clients whose timeout has passed.
    fn expire_blocked(&mut self) {
        let now = self.st.now_ms;
        let due: Vec<u64> = self
            .st
            .blocking
            .clients
            .iter()
            .filter(|(_, b)| b.deadline > 0 && b.deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            self.finish_blocked(id, Unblocked::Timeout);
        }
    }

    /// Moves published messages into their subscribers' output buffers, in
    /// publishing order, enforcing the output limits as they grow.
    fn deliver_messages(&mut self) {
        let mut outbox = std::mem::take(&mut self.st.pubsub.outbox);
        for (id, msg) in outbox.drain(..) {
            let st = &mut self.st;
            let Some(key) = st.clients.key_of(id) else {
                continue;
            };
            let Some(c) = st.clients.get_mut(key) else {
                continue;
            };
            // Output after QUIT is dropped, as Redis's
            // prepareClientToWrite drops it; CLIENT REPLY OFF does not
            // silence messages, which are pushes.
            if c.state.closing.any() {
                continue;
            }
            msg.write(&mut c.out, &c.state.subs);
            check_output_limits(c, &st.config, &mut st.stats, st.now_ms);
            self.queue_write(key);
        }
        // Keep the allocation for the next round.
        if self.st.pubsub.outbox.is_empty() {
            self.st.pubsub.outbox = outbox;
        }
    }

    /// Copies the pending MONITOR lines to every monitor, in order.
    fn deliver_monitor_feed(&mut self) {
        let feed = std::mem::take(&mut self.st.clients.monitor_feed);
        for i in 0..self.st.clients.monitors.len() {
            let st = &mut self.st;
            let Some(key) = st.clients.key_of(st.clients.monitors[i]) else {
                continue;
            };
            let Some(c) = st.clients.get_mut(key) else {
                continue;
            };
            if c.state.closing.any() || c.state.reply.suppressed() {
                continue;
            }
            c.out.buf.extend_from_slice(&feed);
            check_output_limits(c, &st.config, &mut st.stats, st.now_ms);
            self.queue_write(key);
        }
        // Keep the allocation for the next line.
        let mut feed = feed;
        feed.clear();
        self.st.clients.monitor_feed = feed;
    }

    /// Runs before the loop sleeps: writes the AOF buffer (and fsyncs it
    /// with `appendfsync always`), then every pending reply whose AOF
    /// bytes are safe; replies still waiting stay queued.
    fn before_sleep(&mut self) {
        self.st.broadcast_invalidations();
        if !self.st.pubsub.outbox.is_empty() {
            self.deliver_messages();
        }
        if !self.st.clients.monitor_feed.is_empty() {
            self.deliver_monitor_feed();
        }
        let durable = match self.st.aof.as_mut() {
            Some(aof) => {
                let (threshold, now) = (self.st.config.latency_monitor_threshold, self.st.now_ms);
                let had_output = !aof.buf.is_empty();
                let start = Instant::now();
                aof.write_buffer();
                if had_output {
                    let ms = start.elapsed().as_millis() as u64;
                    let lat = &mut self.st.latency;
                    lat.add_if_needed(threshold, "aof-write", ms, now);
                    let kind = if aof.rewrite.is_some() {
                        "aof-write-active-child"
                    } else {
                        "aof-write-alone"
                    };
                    lat.add_if_needed(threshold, kind, ms, now);
                }
                if aof.fsync == Fsync::Always {
                    let ms = aof.fsync_now().as_millis() as u64;
                    let lat = &mut self.st.latency;
                    lat.add_if_needed(threshold, "aof-fsync-always", ms, now);
                }
                aof.durable()
            }
            None => u64::MAX,
        };
        let pending = std::mem::take(&mut self.pending_write);
        for key in pending {
            if let Some(c) = self.st.clients.get_mut(key) {
                if c.aof_wait > durable && c.state.closing != Closing::Asap {
                    self.pending_write.push(key);
                    continue;
                }
                c.queued_write = false;
                self.write_client(key);
            }
        }
    }

    /// Periodic work at `hz`: stats, active expiry, idle clients.
    fn cron(&mut self) {
        let now = self.st.now_ms;
        self.st.stats.sample_rates(now);
        // While clients are paused the dataset stays still: no active
        // expiry either (as Redis).
        if self.st.config.active_expire && !self.st.clients.pause.active(now) {
            let start = Instant::now();
            self.active_expire_cycle();
            let ms = start.elapsed().as_millis() as u64;
            let threshold = self.st.config.latency_monitor_threshold;
            self.st
                .latency
                .add_if_needed(threshold, "expire-cycle", ms, now);
            self.st.propagate_expired();
        }
        let (pct, min) = (
            self.st.config.auto_aof_rewrite_percentage,
            self.st.config.auto_aof_rewrite_min_size,
        );
        if let Some(aof) = self.st.aof.as_mut() {
            aof.tick();
            if aof.auto_rewrite_due(pct, min) {
                info!("Starting automatic rewriting of AOF on {pct}% growth");
                let _ = self.st.start_rewrite();
            }
        }
        // This second's slot of the recent peaks starts anew once, when
        // the next second's is cleared (the peaks cover 8 seconds).
        let slot = (now / 1000).rem_euclid(8) as usize;
        self.st.clients.recent_max_buffers[(slot + 1) % 8] = (0, 0);
        let mut peak = self.st.clients.recent_max_buffers[slot];
        for (_, c) in self.st.clients.iter_mut() {
            // What was read since the last tick counts, even if it is gone.
            peak.0 = peak.0.max(c.rbuf.capacity().max(c.qbuf_peak));
            peak.1 = peak.1.max(c.out.buf.len());
            resize_query_buffer(c, now - c.state.last_interaction_ms);
        }
        self.st.clients.recent_max_buffers[slot] = peak;
        let timeout = self.st.config.timeout;
        let mut dead = Vec::new();
        for (key, c) in self.st.clients.iter() {
            let idle = now - c.state.last_interaction_ms;
            let blocked = self.st.blocking.is_blocked(c.state.id) || c.postponed.is_some();
            // As Redis: subscribers are expected to sit idle.
            let exempt = blocked || c.state.subs.active();
            if timeout > 0 && idle > (timeout as i64) * 1000 && !exempt {
                info!("Closing idle client {}", c.state.ident.addr);
                dead.push(key);
            } else if let Some(since) = c.obuf_soft_since {
                let soft = self.st.config.obuf_for(c.state.subs.active());
                if soft.soft > 0 && now - since > (soft.soft_secs as i64) * 1000 {
                    warn!(
                        "Client {} closed for overcoming of output buffer limits.",
                        c.state.ident.addr
                    );
                    self.st.stats.client_output_limit_disconnections += 1;
                    dead.push(key);
                }
            }
        }
        for key in dead {
            self.close_client(key);
        }
    }

    /// Samples keys with a TTL in each database and removes expired ones,
    /// repeating while many are found, within a quarter of the cron period.
    fn active_expire_cycle(&mut self) {
        let start = Instant::now();
        let budget = Duration::from_micros(250_000 / u64::from(self.st.config.hz.max(1)));
        let now = self.st.now_ms;
        let st = &mut self.st;
        for db in &mut st.dbs {
            let mut rounds = 0u32;
            loop {
                let (sampled, expired) = db.active_expire(&mut st.rng, 20, now);
                if sampled == 0 || expired * 10 <= sampled {
                    break;
                }
                rounds += 1;
                if rounds.is_multiple_of(16) && start.elapsed() > budget {
                    return;
                }
            }
        }
    }
}

/// Serves other clients while a script runs past `busy-reply-threshold`
/// (called from the script's hook, as Redis's `processEventsWhileBlocked`):
/// accepts connections, reads and runs what clients send (admission
/// answers BUSY to all but the few commands allowed meanwhile: SCRIPT
/// KILL, SHUTDOWN NOSAVE...) and writes the replies. Nothing else of the
/// loop runs: no cron, no blocked clients, no expiry, so the script stays
/// atomic.
fn serve_while_busy(st: &mut State) {
    // The script sees the time it started at (keys do not expire under
    // it, as in Redis); the clients served meanwhile see the clock.
    let script_time = st.now_ms;
    st.now_ms = unix_ms();
    serve_events_while_busy(st);
    st.now_ms = script_time;
}

/// One poll's worth of [`serve_while_busy`].
fn serve_events_while_busy(st: &mut State) {
    // The loop turn that started the script may hold events it has not
    // handled yet, whose edges are spent: once per script, try every
    // listener and every client (a KILL sent alongside the script).
    if let Some(r) = st.script.running.as_mut().filter(|r| !r.swept) {
        r.swept = true;
        for idx in 0..st.listeners.list.len() {
            accept_all(st, idx);
        }
        let keys: Vec<usize> = st.clients.iter().map(|(k, _)| k).collect();
        for key in keys {
            serve_busy_client(st, key);
        }
    }
    let mut events = Events::with_capacity(256);
    if poll_of(st).poll(&mut events, Some(Duration::ZERO)).is_err() {
        return;
    }
    for ev in events.iter() {
        match ev.token() {
            SIGNAL_TOKEN => {
                // Its edge is spent: act on it now (the script is aborted).
                warn!("Received SIGTERM or SIGINT while a script runs, scheduling shutdown...");
                st.shutdown = Some(Shutdown::Signal);
            }
            Token(t) if t >= LISTENER_BASE => accept_all(st, t - LISTENER_BASE),
            Token(key) => serve_busy_client(st, key),
        }
    }
}

/// Accepts every pending connection of listener `idx`.
fn accept_all(st: &mut State, idx: usize) {
    loop {
        let Some(listener) = st.listeners.list.get(idx) else {
            return;
        };
        match listener.accept() {
            Ok(accepted) => add_client(st, accepted),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                warn!("Accepting client connection: {e}");
                return;
            }
        }
    }
}

/// One client's turn while a script is busy: read what it sent, run it,
/// write the replies (what does not fit waits for a writable event).
fn serve_busy_client(st: &mut State, key: usize) {
    let Some(mut c) = st.clients.take(key) else {
        // The script's own client: its edge is spent, so the loop reads
        // it again once the script is done.
        st.script.missed_reads.push(key);
        return;
    };
    let mut buf = [0u8; 16 * 1024];
    loop {
        match c.sock.read(&mut buf) {
            Ok(0) => {
                c.state.closing.raise(Closing::AfterReply);
                break;
            }
            Ok(n) => {
                st.stats.net_input_bytes += n as u64;
                st.stats.reads_processed += 1;
                c.rbuf.extend_from_slice(&buf[..n]);
                if c.rbuf.len() as u64 > st.config.client_query_buffer_limit {
                    c.state.closing = Closing::Asap;
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                c.state.closing = Closing::Asap;
                break;
            }
        }
    }
    while let Some(argv) = next_command(&mut c, key, st) {
        cmd::call(st, &mut c.state, &mut c.out, &argv);
        c.parser.recycle(argv);
    }
    while !c.out.buf.is_empty() && c.state.closing != Closing::Asap {
        match c.sock.write(&c.out.buf) {
            Ok(0) => break,
            Ok(n) => {
                st.stats.net_output_bytes += n as u64;
                c.out.buf.advance(n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(_) => c.state.closing = Closing::Asap,
        }
    }
    let done = c.state.closing == Closing::Asap || (c.out.buf.is_empty() && c.state.closing.any());
    if !c.out.buf.is_empty() && !c.writable_registered {
        let interest = Interest::READABLE | Interest::WRITABLE;
        if poll_of(st)
            .registry()
            .reregister(&mut c.sock, Token(key), interest)
            .is_ok()
        {
            c.writable_registered = true;
        }
    }
    st.clients.put(key, c);
    if done {
        close_client(st, key);
    }
}

/// The loop's poll (in the state, so a busy script can serve clients).
fn poll_of(st: &mut State) -> &mut Poll {
    st.poll.as_mut().expect("the loop's poll")
}

/// Registers an accepted connection as a new client.
fn add_client(st: &mut State, accepted: Accepted) {
    let Accepted {
        mut sock,
        addr,
        laddr,
        ip,
    } = accepted;
    if st.clients.len() >= st.config.maxclients {
        let _ = sock.write(b"-ERR max number of clients reached\r\n");
        st.stats.rejected_connections += 1;
        return;
    }
    // Protected mode never refuses a Unix socket client, as Redis.
    if ip.is_some_and(|ip| {
        crate::acl::protected_refuses(st.config.protected_mode, st.acl.default_user().nopass, ip)
    }) {
        let _ = sock.write(crate::acl::DENIED.as_bytes());
        st.stats.total_connections_received += 1;
        st.stats.rejected_connections += 1;
        return;
    }
    if let crate::sock::Sock::Tcp(tcp) = &sock {
        let _ = tcp.set_nodelay(true);
        if st.config.tcp_keepalive > 0 {
            let fd = std::os::fd::AsRawFd::as_raw_fd(tcp);
            if let Err(e) = crate::limits::set_keepalive(fd, st.config.tcp_keepalive) {
                debug!("Setting TCP keepalive for {addr}: {e}");
            }
        }
    }
    let key = st.clients.vacant_key();
    if key >= LISTENER_BASE {
        return;
    }
    if let Err(e) = poll_of(st)
        .registry()
        .register(&mut sock, Token(key), Interest::READABLE)
    {
        warn!("Registering client: {e}");
        return;
    }
    let id = st.next_client_id;
    st.next_client_id += 1;
    let mut state = ClientState::new(id, addr.clone(), laddr, st.now_ms, st.acl.default_nopass);
    state.ident.fd = i64::from(std::os::fd::AsRawFd::as_raw_fd(&sock));
    state.ident.unix = sock.is_unix();
    st.clients.insert(Conn::new(sock, state));
    st.connected_clients = st.clients.len();
    st.stats.total_connections_received += 1;
    debug!("Accepted {addr}");
}

/// Frees a client and what it held (blocking, subscriptions, watches).
fn close_client(st: &mut State, key: usize) {
    if let Some(mut c) = st.clients.remove(key) {
        let _ = poll_of(st).registry().deregister(&mut c.sock);
        // A client that disconnects while blocked leaves no trace.
        st.blocking.unblock(c.state.id);
        st.pubsub.remove_client(&mut c.state.subs, c.state.id);
        st.watches.unwatch_all(c.state.id, &mut c.state.watched);
        if c.state.track.on {
            st.tracking.disable(c.state.id);
        }
        debug!("Client closed connection {}", c.state.ident.addr);
    }
    st.connected_clients = st.clients.len();
}

/// Trims a read buffer that wastes memory, as Redis's
/// `clientsCronResizeQueryBuffer`: when it has more than 4 KB spare, to
/// its content once the client has been idle over 2 s (an empty buffer is
/// freed), or, over 32 KB and more than twice its recent peak, to that
/// peak (never below a bulk argument being read). The peak then restarts
/// from what the buffer holds.
fn resize_query_buffer(c: &mut Conn, idle_ms: i64) {
    let (len, cap) = (c.rbuf.len(), c.rbuf.capacity());
    let bulk = c.parser.pending_bulk().unwrap_or(0);
    if cap - len > QBUF_SLACK {
        let to = if idle_ms > QBUF_IDLE_MS {
            Some(len)
        } else if cap > QBUF_RESIZE_THRESHOLD && cap / 2 > c.qbuf_peak {
            Some(len.max(c.qbuf_peak).max(bulk))
        } else {
            None
        };
        if let Some(to) = to {
            let mut rbuf = BytesMut::with_capacity(to);
            rbuf.extend_from_slice(&c.rbuf);
            c.rbuf = rbuf;
        }
    }
    c.qbuf_peak = len.max(bulk);
}

/// Enforces `client-output-buffer-limit` for the client's class (pubsub
/// while it has subscriptions, normal otherwise).
#[inline]
fn check_output_limits(c: &mut Conn, config: &Config, stats: &mut Stats, now_ms: i64) {
    let limit = config.obuf_for(c.state.subs.active());
    // Redis does not count the first 16 KB (its static reply buffer), so a
    // tiny limit never cuts off ordinary replies.
    let used = (c.out.buf.len() as u64).saturating_sub(REPLY_STATIC_BYTES);
    if limit.hard > 0 && used > limit.hard {
        warn!(
            "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
            c.state.ident.addr
        );
        stats.client_output_limit_disconnections += 1;
        c.state.closing = Closing::Asap;
        return;
    }
    if limit.soft > 0 && used > limit.soft {
        c.obuf_soft_since.get_or_insert(now_ms);
    } else {
        c.obuf_soft_since = None;
    }
}

/// The client's next command: the one CLIENT PAUSE held back, or the
/// next complete one in its read buffer; `None` when there is none, or
/// something holds its input (output throttling, closing, a blocking
/// command, a pause, a protocol error, which is answered here).
#[inline(always)]
fn next_command(c: &mut Conn, key: usize, st: &mut State) -> Option<Vec<Bytes>> {
    if c.throttled
        || c.state.closing.any()
        || st.shutdown.is_some()
        || st.blocking.is_blocked(c.state.id)
    {
        return None;
    }
    // (A command held by CLIENT PAUSE is rare: test before taking.)
    let held = if c.postponed.is_some() {
        c.postponed.take()
    } else {
        None
    };
    let argv = match held {
        Some(argv) => argv,
        None => {
            c.parser.unauthenticated = !c.state.authenticated && !st.acl.default_nopass;
            let (len, cap) = (c.rbuf.len(), c.rbuf.capacity());
            match c
                .parser
                .next_command(&mut c.rbuf, st.config.proto_max_bulk_len)
            {
                Ok(Some(argv)) => {
                    // For CLIENT LIST of the running client (qbuf counts
                    // the command itself, as Redis's query buffer does).
                    c.state.qbuf = len;
                    c.state.qbuf_free = cap - len;
                    argv
                }
                Ok(None) => return None,
                Err(e) => {
                    c.out.error(&e.message());
                    st.stats.error(&e.message());
                    info!(
                        "Protocol error from client {}: {}",
                        c.state.ident.addr,
                        e.message()
                    );
                    c.state.closing.raise(Closing::AfterReply);
                    return None;
                }
            }
        }
    };
    if st.clients.pause.active(st.now_ms)
        && cmd::client::held_by_pause(
            st.clients.pause.all,
            &mut c.state,
            &st.acl,
            c.out.is_resp3(),
            &argv,
        )
    {
        c.postponed = Some(argv);
        let waiting = &mut st.clients.pause.waiting;
        if !waiting.contains(&key) {
            waiting.push(key);
        }
        return None;
    }
    Some(argv)
}

/// After a command that propagated: its reply waits for the AOF write
/// (reads keep being answered while the disk is failing).
fn note_aof_wait(c: &mut Conn, st: &State) {
    if let Some(aof) = st.aof.as_ref() {
        c.aof_wait = aof.fed;
    }
}

/// Loads the AOF named by the manifest (if any) through the normal command
/// path, then opens it for appending. Replies are discarded, nothing is
/// propagated, and keys do not expire until loading is done.
fn load_aof(st: &mut State) -> Result<(), String> {
    let manifest = Aof::read_manifest(&st.config)?;
    if let Some(m) = &manifest {
        let dir = Aof::dir_for(&st.config);
        let mut client = ClientState::internal(st.now_ms);
        let mut out = Out::new();
        st.loading = true;
        let truncated_ok = st.config.aof_load_truncated;
        let result = load::load_all(&dir, m, truncated_ok, |argv| {
            if cmd::lookup(&argv[0]).is_none() {
                return Err(format!(
                    "Unknown command '{}' reading the append only file",
                    String::from_utf8_lossy(&argv[0])
                ));
            }
            cmd::call(st, &mut client, &mut out, argv);
            out.buf.clear();
            Ok(())
        });
        st.loading = false;
        result.map_err(|e| e.to_string())?;
        // Replaying is not activity: start counting from here.
        st.dirty = 0;
        st.stats = crate::state::Stats::new(st.now_ms);
    }
    let aof = Aof::open(&st.config, manifest)
        .map_err(|e| format!("Can't open the append-only file: {e}"))?;
    st.aof = Some(aof);
    Ok(())
}

/// After a command replied: CLIENT REPLY SKIP applies to the next one.
fn end_reply_skip(c: &mut Conn) {
    c.state.reply.advance();
}

/// How a blocked client is released without being served.
enum Unblocked {
    /// Its timeout passed (or CLIENT UNBLOCK ... TIMEOUT).
    Timeout,
    /// CLIENT UNBLOCK ... ERROR.
    Error,
}
