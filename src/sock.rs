//! The sockets the loop serves, TCP and Unix domain, each as one type:
//! [`Listener`] accepts, [`Sock`] reads and writes. Everything above
//! (parsing, commands, replies, CLIENT LIST) is the same for both; only
//! accepting, TCP options and how an address is shown differ.

use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;

use mio::event::Source;
use mio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use mio::{Interest, Registry, Token};

/// Tokens from here up are listeners (`LISTENER_BASE + i` for the i-th).
pub const LISTENER_BASE: usize = usize::MAX - 64;

/// Binds a TCP listener on each of `bind` (`*` for every IPv4 address; a
/// leading `-` makes an address optional: skipped when the machine does
/// not have it, as Redis) at `port`; with port 0 the first address picks
/// a free port and the others share it. Returns the listeners and the
/// port bound.
pub fn bind_tcp(bind: &[String], port: u16) -> io::Result<(Vec<Listener>, u16)> {
    let mut listeners = Vec::new();
    let mut port = port;
    for host in bind {
        let optional = host.starts_with('-');
        let host = host.trim_start_matches('-');
        let ip: std::net::IpAddr = if host == "*" {
            std::net::Ipv4Addr::UNSPECIFIED.into()
        } else {
            host.parse().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("invalid bind address '{host}'"),
                )
            })?
        };
        let l = match TcpListener::bind(std::net::SocketAddr::new(ip, port)) {
            Ok(l) => l,
            Err(e) if optional && unavailable(&e) => {
                log::warn!("Skipping optional bind address {host}: {e}");
                continue;
            }
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("Could not create server TCP listening socket {host}:{port}: {e}"),
                ))
            }
        };
        port = l.local_addr()?.port();
        listeners.push(Listener::Tcp(l));
    }
    Ok((listeners, port))
}

/// Whether a bind error means the address does not exist here (an
/// optional `-` address is then skipped): not on this host, or its family
/// (IPv6) not supported.
fn unavailable(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::AddrNotAvailable
        || matches!(
            e.raw_os_error(),
            Some(libc::EAFNOSUPPORT | libc::EPROTONOSUPPORT)
        )
}

/// Every listener, registered with the loop's poll: the loop accepts on
/// them, and CONFIG SET `bind`/`port` replaces the TCP ones at runtime.
#[derive(Debug, Default)]
pub struct Listeners {
    /// The loop's registry (a clone), set once the loop exists.
    registry: Option<Registry>,
    /// The listeners, by token offset from [`LISTENER_BASE`].
    pub list: Vec<Listener>,
}

impl Listeners {
    /// `list`, registered with `registry` (a clone of the loop's).
    pub fn new(registry: Registry, mut list: Vec<Listener>) -> io::Result<Listeners> {
        register_all(&registry, &mut list)?;
        Ok(Listeners {
            registry: Some(registry),
            list,
        })
    }

    /// Replaces the TCP listeners with ones on `bind` at `port` (CONFIG
    /// SET), keeping the Unix socket's. As Redis, the old ones close
    /// first (the new set may reuse their addresses); if binding fails,
    /// `old` (bind addresses and port) is listened on again and the error
    /// returned. Returns the port bound.
    pub fn rebind_tcp(
        &mut self,
        bind: &[String],
        port: u16,
        old: (&[String], u16),
    ) -> io::Result<u16> {
        let Some(r) = self.registry.as_ref() else {
            return Ok(port);
        };
        for l in &mut self.list {
            let _ = l.deregister(r);
        }
        let mut kept: Vec<Listener> = std::mem::take(&mut self.list)
            .into_iter()
            .filter(|l| matches!(l, Listener::Unix(..)))
            .collect();
        let (result, mut list) = match bind_tcp(bind, port) {
            Ok((list, port)) => (Ok(port), list),
            // Back to the old addresses, as Redis's changeBindAddr does.
            Err(e) => (
                Err(e),
                bind_tcp(old.0, old.1).map_or(Vec::new(), |(l, _)| l),
            ),
        };
        list.append(&mut kept);
        self.list = list;
        register_all(r, &mut self.list)?;
        result
    }
}

/// Registers each listener under its token, [`LISTENER_BASE`] plus its
/// position.
fn register_all(registry: &Registry, list: &mut [Listener]) -> io::Result<()> {
    for (i, l) in list.iter_mut().enumerate() {
        l.register(registry, Token(LISTENER_BASE + i), Interest::READABLE)?;
    }
    Ok(())
}

/// A listening socket.
#[derive(Debug)]
pub enum Listener {
    /// `bind` / `port`.
    Tcp(TcpListener),
    /// `unixsocket`, with its path.
    Unix(UnixListener, String),
}

/// An accepted connection, and how CLIENT LIST shows its two ends.
#[derive(Debug)]
pub struct Accepted {
    /// The socket.
    pub sock: Sock,
    /// The peer, `ip:port` (Unix: `path:0`, as Redis shows it).
    pub addr: String,
    /// The local end, the same way.
    pub laddr: String,
    /// The peer's IP address (protected mode looks at it); `None` for a
    /// Unix socket, which protected mode always allows.
    pub ip: Option<std::net::IpAddr>,
}

impl Listener {
    /// Binds the Unix socket `path` (a stale file there is removed first,
    /// as Redis does) and, unless `perm` is 0, sets its permissions.
    pub fn bind_unix(path: &str, perm: u32) -> io::Result<Listener> {
        if Path::new(path).exists() {
            std::fs::remove_file(path)?;
        }
        let l = UnixListener::bind(path)?;
        if perm != 0 {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(perm))?;
        }
        Ok(Listener::Unix(l, path.to_string()))
    }

    /// Accepts one connection.
    pub fn accept(&self) -> io::Result<Accepted> {
        match self {
            Listener::Tcp(l) => {
                let (sock, peer) = l.accept()?;
                let laddr = sock.local_addr().map(|a| a.to_string()).unwrap_or_default();
                Ok(Accepted {
                    sock: Sock::Tcp(sock),
                    addr: peer.to_string(),
                    laddr,
                    ip: Some(peer.ip()),
                })
            }
            Listener::Unix(l, path) => {
                let (sock, _) = l.accept()?;
                let shown = format!("{path}:0");
                Ok(Accepted {
                    sock: Sock::Unix(sock),
                    addr: shown.clone(),
                    laddr: shown,
                    ip: None,
                })
            }
        }
    }

    /// How the startup log names it: `tcp 127.0.0.1:6379`, `unix /path`.
    pub fn describe(&self) -> String {
        match self {
            Listener::Tcp(l) => match l.local_addr() {
                Ok(a) => format!("tcp {a}"),
                Err(_) => "tcp ?".into(),
            },
            Listener::Unix(_, path) => format!("unix {path}"),
        }
    }

    /// Removes a Unix socket's file (at shutdown, as Redis).
    pub fn remove_file(&self) {
        if let Listener::Unix(_, path) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Source for Listener {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.register(r, t, i),
            Listener::Unix(l, _) => l.register(r, t, i),
        }
    }
    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.reregister(r, t, i),
            Listener::Unix(l, _) => l.reregister(r, t, i),
        }
    }
    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.deregister(r),
            Listener::Unix(l, _) => l.deregister(r),
        }
    }
}

/// A client connection's socket.
#[derive(Debug)]
pub enum Sock {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A Unix domain socket connection.
    Unix(UnixStream),
}

impl Sock {
    /// Whether this is a Unix domain socket (CLIENT LIST flag `U`).
    pub fn is_unix(&self) -> bool {
        matches!(self, Sock::Unix(_))
    }

    /// Shuts down one or both directions.
    pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        match self {
            Sock::Tcp(s) => s.shutdown(how),
            Sock::Unix(s) => s.shutdown(how),
        }
    }
}

impl AsRawFd for Sock {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Sock::Tcp(s) => s.as_raw_fd(),
            Sock::Unix(s) => s.as_raw_fd(),
        }
    }
}

impl Read for Sock {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Sock::Tcp(s) => s.read(buf),
            Sock::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Sock {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sock::Tcp(s) => s.write(buf),
            Sock::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sock::Tcp(s) => s.flush(),
            Sock::Unix(s) => s.flush(),
        }
    }
}

impl Source for Sock {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Sock::Tcp(s) => s.register(r, t, i),
            Sock::Unix(s) => s.register(r, t, i),
        }
    }
    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Sock::Tcp(s) => s.reregister(r, t, i),
            Sock::Unix(s) => s.reregister(r, t, i),
        }
    }
    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        match self {
            Sock::Tcp(s) => s.deregister(r),
            Sock::Unix(s) => s.deregister(r),
        }
    }
}
