//! One client connection: its socket, read and write buffers, parser state
//! and session state, plus the flags the loop uses to schedule it; and the
//! client table, [`Clients`], which the loop and the commands that look at
//! other clients (CLIENT LIST/KILL/PAUSE, MONITOR) share.

use std::collections::HashMap;

use bytes::{Bytes, BytesMut};
use slab::Slab;

use crate::cmdinfo::CommandId;
use crate::resp::{Out, RequestParser};

/// Which replies CLIENT REPLY suppresses: Redis's CLIENT_REPLY_OFF,
/// CLIENT_REPLY_SKIP and CLIENT_REPLY_SKIP_NEXT flags, as bits of one
/// byte so the per-command test is a single compare.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ReplyMode(u8);

impl ReplyMode {
    /// CLIENT REPLY OFF: nothing is sent until CLIENT REPLY ON.
    const OFF: u8 = 1;
    /// The reply to the command running now is dropped.
    const SKIP: u8 = 2;
    /// CLIENT REPLY SKIP ran: the next command's reply is dropped.
    const SKIP_NEXT: u8 = 4;

    /// Whether every reply is sent (the usual case, checked per command).
    pub fn is_on(self) -> bool {
        self.0 == 0
    }

    /// Whether output to the client is dropped right now (replies,
    /// published messages, MONITOR lines alike, as in Redis).
    pub fn suppressed(self) -> bool {
        self.0 & (Self::OFF | Self::SKIP) != 0
    }

    /// CLIENT REPLY ON.
    pub fn on(&mut self) {
        self.0 &= !(Self::OFF | Self::SKIP);
    }

    /// CLIENT REPLY OFF.
    pub fn off(&mut self) {
        self.0 |= Self::OFF;
    }

    /// CLIENT REPLY SKIP (ignored while off, as in Redis).
    pub fn skip_next(&mut self) {
        if self.0 & Self::OFF == 0 {
            self.0 |= Self::SKIP_NEXT;
        }
    }

    /// After a command replied: a SKIP requested by it now applies.
    pub fn advance(&mut self) {
        self.0 = (self.0 & Self::OFF)
            | if self.0 & Self::SKIP_NEXT != 0 {
                Self::SKIP
            } else {
                0
            };
    }

    /// RESET: OFF and a requested SKIP end.
    pub fn reset(&mut self) {
        self.0 &= Self::SKIP;
    }
}

/// Whether, and how, a connection is closing.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Closing {
    /// Open.
    #[default]
    Open,
    /// Close once pending output has been written (QUIT, protocol
    /// errors, CLIENT KILL of itself; CLIENT LIST flag `c`).
    AfterReply,
    /// Close at once, without writing pending output (output limits,
    /// CLIENT KILL, write errors; flag `A`).
    Asap,
}

impl Closing {
    /// Whether the connection takes no more input or messages.
    pub fn any(self) -> bool {
        self != Closing::Open
    }

    /// Moves to `to` unless already closing more urgently.
    pub fn raise(&mut self, to: Closing) {
        *self = (*self).max(to);
    }
}

/// Who a client is: where it connects from and what it calls itself.
#[derive(Debug, Default)]
pub struct Identity {
    /// Peer address, `ip:port`.
    pub addr: String,
    /// Local address, `ip:port`.
    pub laddr: String,
    /// The socket's file descriptor (CLIENT LIST `fd`; -1 when internal).
    pub fd: i64,
    /// CLIENT SETNAME / HELLO SETNAME.
    pub name: Option<Vec<u8>>,
    /// CLIENT SETINFO LIB-NAME.
    pub lib_name: Option<Vec<u8>>,
    /// CLIENT SETINFO LIB-VER.
    pub lib_ver: Option<Vec<u8>>,
    /// Connection time, Unix ms.
    pub created_ms: i64,
    /// Connected through the Unix domain socket (CLIENT LIST flag `U`).
    pub unix: bool,
}

/// A client's transaction: MULTI ... EXEC.
#[derive(Debug, Default)]
pub struct Multi {
    /// Inside MULTI (blocking commands then do not block).
    pub active: bool,
    /// Commands queued by MULTI.
    pub queue: Vec<Vec<bytes::Bytes>>,
    /// A command failed to queue: EXEC will abort.
    pub error: bool,
    /// EXEC is running the queued commands.
    pub executing: bool,
}

/// Session state that commands may read or change (SELECT, HELLO, QUIT...).
#[derive(Debug)]
pub struct ClientState {
    /// Unique, increasing client id (CLIENT ID).
    pub id: u64,
    /// Address, name, library, connection time.
    pub ident: Identity,
    /// Selected database.
    pub db: usize,
    /// Last time a command ran, Unix ms (for `timeout`).
    pub last_interaction_ms: i64,
    /// Whether the connection is closing.
    pub closing: Closing,
    /// Whether the client has authenticated (always, without requirepass).
    pub authenticated: bool,
    /// Slot of the user the client is authenticated as ([`crate::acl`]).
    pub user: usize,
    /// MULTI state.
    pub multi: Multi,
    /// The last command looked up, and its container for subcommands
    /// (CLIENT LIST `cmd`; `None` after an unknown command, as Redis).
    pub last_cmd: Option<CommandId>,
    /// Pub/Sub subscriptions.
    pub subs: crate::pubsub::Subs,
    /// Keys watched for the next EXEC.
    pub watched: Vec<crate::watches::WatchedKey>,
    /// In MONITOR mode: receives every command other clients run.
    pub monitor: bool,
    /// CLIENT REPLY state.
    pub reply: ReplyMode,
    /// CLIENT NO-EVICT ON (a flag only: client eviction does not exist).
    pub no_evict: bool,
    /// CLIENT NO-TOUCH ON: this client's reads leave the LRU clock alone.
    pub no_touch: bool,
    /// CLIENT TRACKING settings.
    pub track: crate::tracking::TrackOpts,
    /// Bytes in the read buffer when the running command was parsed, the
    /// command included (CLIENT LIST `qbuf` of the calling client, whose
    /// connection is out of the table while it runs).
    pub qbuf: usize,
    /// Spare read-buffer capacity at that moment (`qbuf-free`).
    pub qbuf_free: usize,
}

impl ClientState {
    /// The session of an internal client (the AOF loader).
    pub fn internal(now_ms: i64) -> ClientState {
        ClientState::new(0, String::new(), String::new(), now_ms, true)
    }

    /// A fresh session for client `id`.
    pub fn new(
        id: u64,
        addr: String,
        laddr: String,
        now_ms: i64,
        authenticated: bool,
    ) -> ClientState {
        ClientState {
            id,
            ident: Identity {
                addr,
                laddr,
                fd: -1,
                created_ms: now_ms,
                ..Identity::default()
            },
            db: 0,
            last_interaction_ms: now_ms,
            closing: Closing::Open,
            authenticated,
            user: 0,
            multi: Multi::default(),
            last_cmd: None,
            subs: Default::default(),
            watched: Vec::new(),
            monitor: false,
            reply: ReplyMode::default(),
            no_evict: false,
            no_touch: false,
            track: Default::default(),
            qbuf: 0,
            qbuf_free: 0,
        }
    }
}

/// A connected client as the loop sees it.
#[derive(Debug)]
pub struct Conn {
    /// The socket.
    pub sock: crate::sock::Sock,
    /// Bytes read but not yet parsed.
    pub rbuf: BytesMut,
    /// Parser progress for a partially received command.
    pub parser: RequestParser,
    /// Encoded replies not yet written, and the protocol version.
    pub out: Out,
    /// Session state.
    pub state: ClientState,
    /// Whether WRITABLE interest is registered.
    pub writable_registered: bool,
    /// Input is not read while unsent output is over `client-output-pause`
    /// (output throttling; not CLIENT PAUSE).
    pub throttled: bool,
    /// The client is queued in the loop's pending-write list.
    pub queued_write: bool,
    /// The client is queued for more reading or processing next iteration.
    pub queued_read: bool,
    /// When the output first exceeded the soft limit, Unix ms.
    pub obuf_soft_since: Option<i64>,
    /// AOF offset that must be written (or synced) before this client's
    /// pending output may be sent.
    pub aof_wait: u64,
    /// A command held back by CLIENT PAUSE; it runs first when the pause
    /// ends, and the input behind it waits.
    pub postponed: Option<Vec<Bytes>>,
    /// The longest the read buffer has been since the cron last looked
    /// (Redis's `querybuf_peak`): the cron trims a buffer much larger.
    pub qbuf_peak: usize,
}

impl Conn {
    /// Wraps an accepted socket.
    pub fn new(sock: crate::sock::Sock, state: ClientState) -> Conn {
        Conn {
            sock,
            rbuf: BytesMut::new(),
            parser: RequestParser::new(),
            out: Out::new(),
            state,
            writable_registered: false,
            throttled: false,
            queued_write: false,
            queued_read: false,
            obuf_soft_since: None,
            aof_wait: 0,
            postponed: None,
            qbuf_peak: 0,
        }
    }
}

/// CLIENT PAUSE: until when, and which commands wait.
#[derive(Debug, Default)]
pub struct Pause {
    /// End of the pause in Unix ms; not paused once it has passed.
    pub end_ms: i64,
    /// Every command waits (ALL), not only those that may write (WRITE).
    pub all: bool,
    /// Slab keys of clients holding a postponed command, oldest first.
    pub waiting: Vec<usize>,
}

impl Pause {
    /// Whether clients are paused at `now_ms`.
    pub fn active(&self, now_ms: i64) -> bool {
        self.end_ms > now_ms
    }
}

/// Every connected client, by slab key (the key is the connection's mio
/// token), plus the client-wide state CLIENT and MONITOR need.
///
/// The client whose command is running is *taken out* of its slot for the
/// duration of the command ([`Clients::take`] / [`Clients::put`]), so the
/// handler holds it mutably while seeing every other client through
/// `ctx.srv.clients`; iteration skips the empty slot.
#[derive(Debug, Default)]
pub struct Clients {
    slots: Slab<Option<Box<Conn>>>,
    by_id: HashMap<u64, usize>,
    /// Clients CLIENT KILL closed; the loop frees them right after the
    /// command, before anything else runs.
    pub killed: Vec<usize>,
    /// MONITOR clients by id, in the order they started.
    pub monitors: Vec<u64>,
    /// MONITOR lines not yet copied to the monitors; the loop delivers
    /// them right after the command that produced them.
    pub monitor_feed: Vec<u8>,
    /// CLIENT PAUSE state.
    pub pause: Pause,
    /// The largest read and output buffers the cron saw in each of the
    /// last 8 seconds (slot: Unix second mod 8), for INFO's
    /// `client_recent_max_input_buffer` and `_output_buffer`, as Redis's
    /// `ClientsPeakMemInput` / `ClientsPeakMemOutput`.
    pub recent_max_buffers: [(usize, usize); 8],
}

impl Clients {
    /// Connected clients (the running one included).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no client is connected.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The key the next [`Clients::insert`] will use.
    pub fn vacant_key(&self) -> usize {
        self.slots.vacant_key()
    }

    /// Adds a connection; returns its key.
    pub fn insert(&mut self, conn: Conn) -> usize {
        let id = conn.state.id;
        let key = self.slots.insert(Some(Box::new(conn)));
        self.by_id.insert(id, key);
        key
    }

    /// Removes a connection (closing it is the caller's business).
    pub fn remove(&mut self, key: usize) -> Option<Box<Conn>> {
        let conn = self.slots.try_remove(key)??;
        self.by_id.remove(&conn.state.id);
        self.monitors.retain(|&m| m != conn.state.id);
        self.pause.waiting.retain(|&k| k != key);
        Some(conn)
    }

    /// The connection at `key`, unless absent or running.
    pub fn get(&self, key: usize) -> Option<&Conn> {
        self.slots.get(key)?.as_deref()
    }

    /// The connection at `key`, unless absent or running.
    pub fn get_mut(&mut self, key: usize) -> Option<&mut Conn> {
        self.slots.get_mut(key)?.as_deref_mut()
    }

    /// The key of client `id`.
    pub fn key_of(&self, id: u64) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// Whether client `id` is connected (the running one included).
    pub fn exists(&self, id: u64) -> bool {
        self.by_id.contains_key(&id)
    }

    /// Takes the connection out of its slot while its command runs.
    pub fn take(&mut self, key: usize) -> Option<Box<Conn>> {
        self.slots.get_mut(key)?.take()
    }

    /// Puts a connection taken with [`Clients::take`] back.
    pub fn put(&mut self, key: usize, conn: Box<Conn>) {
        if let Some(slot) = self.slots.get_mut(key) {
            *slot = Some(conn);
        }
    }

    /// Every connection but the running one, with its key.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Conn)> {
        self.slots
            .iter()
            .filter_map(|(k, c)| Some((k, c.as_deref()?)))
    }

    /// Every connection but the running one, with its key.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (usize, &mut Conn)> {
        self.slots
            .iter_mut()
            .filter_map(|(k, c)| Some((k, c.as_deref_mut()?)))
    }
}
