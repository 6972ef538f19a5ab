//! One client connection: its socket, read and write buffers, parser state
//! and session state, plus the flags the loop uses to schedule it.

use bytes::BytesMut;
use mio::net::TcpStream;

use crate::resp::{Out, RequestParser};

/// Session state that commands may read or change (SELECT, HELLO, QUIT...).
#[derive(Debug)]
pub struct ClientState {
    /// Unique, increasing client id (CLIENT ID).
    pub id: u64,
    /// Peer address, `ip:port`.
    pub addr: String,
    /// Local address, `ip:port`.
    pub laddr: String,
    /// CLIENT SETNAME / HELLO SETNAME.
    pub name: Option<Vec<u8>>,
    /// Selected database.
    pub db: usize,
    /// Connection time, Unix ms.
    pub created_ms: i64,
    /// Last time a command ran, Unix ms (for `timeout`).
    pub last_interaction_ms: i64,
    /// Close once pending output has been written (QUIT, protocol errors).
    pub close_after_reply: bool,
    /// Whether the client has authenticated (always, without requirepass).
    pub authenticated: bool,
    /// Inside MULTI (blocking commands then do not block).
    pub in_multi: bool,
    /// Commands queued by MULTI.
    pub multi_queue: Vec<Vec<bytes::Bytes>>,
    /// A command failed to queue: EXEC will abort.
    pub multi_error: bool,
    /// EXEC is running this client's queued commands.
    pub exec_running: bool,
    /// Name of the last command run (CLIENT LIST `cmd`).
    pub last_cmd: &'static str,
    /// Pub/Sub subscriptions.
    pub subs: crate::pubsub::Subs,
    /// Keys watched for the next EXEC.
    pub watched: Vec<crate::cmd::tx::WatchedKey>,
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
            addr,
            laddr,
            name: None,
            db: 0,
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            close_after_reply: false,
            authenticated,
            in_multi: false,
            multi_queue: Vec::new(),
            multi_error: false,
            exec_running: false,
            last_cmd: "NULL",
            subs: Default::default(),
            watched: Vec::new(),
        }
    }
}

/// A connected client as the loop sees it.
#[derive(Debug)]
pub struct Conn {
    /// The socket.
    pub sock: TcpStream,
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
    /// Input processing is paused because unsent output is over the bound.
    pub paused: bool,
    /// The client is queued in the loop's pending-write list.
    pub queued_write: bool,
    /// The client is queued for more reading or processing next iteration.
    pub queued_read: bool,
    /// Close at once, without writing pending output.
    pub close_asap: bool,
    /// When the output first exceeded the soft limit, Unix ms.
    pub obuf_soft_since: Option<i64>,
    /// AOF offset that must be written (or synced) before this client's
    /// pending output may be sent.
    pub aof_wait: u64,
}

impl Conn {
    /// Wraps an accepted socket.
    pub fn new(sock: TcpStream, state: ClientState) -> Conn {
        Conn {
            sock,
            rbuf: BytesMut::new(),
            parser: RequestParser::new(),
            out: Out::new(),
            state,
            writable_registered: false,
            paused: false,
            queued_write: false,
            queued_read: false,
            close_asap: false,
            obuf_soft_since: None,
            aof_wait: 0,
        }
    }
}
