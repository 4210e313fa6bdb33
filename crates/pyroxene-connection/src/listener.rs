//! Listening for connections (CPython's `Listener` and `SocketListener`).

use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::net::{TcpListener, TcpSocket, UnixListener};

use crate::address::ToAddress;
use crate::stream::Stream;
use crate::{Address, Config, Connection, Error};

/// A bound, listening socket whose [`accept`](Listener::accept) runs the authentication
/// handshake (CPython's `multiprocessing.connection.Listener`).
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pyroxene_connection::Error> {
/// use pyroxene_connection::Listener;
/// let mut listener = Listener::bind("127.0.0.1:6000", 16, Some(b"secret")).await?;
/// let mut conn = listener.accept().await?;
/// let job: (String, i64) = conn.recv().await?;
/// conn.send(&("done", job.1 * 2)).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Listener {
    /// `None` once closed.
    socket: Option<Socket>,
    address: Address,
    authkey: Option<Vec<u8>>,
    config: Config,
    last_accepted: Option<Address>,
    /// The socket file to remove on close (not for abstract names).
    unlink: Option<PathBuf>,
}

#[derive(Debug)]
enum Socket {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// An accepted connection whose handshake has not run yet
/// ([`Listener::accept_unauthenticated`]): a server that accepts many clients runs each
/// handshake on a task of its own, so a slow client delays nobody else.
#[derive(Debug)]
pub struct Incoming {
    connection: Connection,
    peer: Address,
    authkey: Option<Vec<u8>>,
    config: Config,
}

impl Incoming {
    /// The peer's address.
    pub fn peer_address(&self) -> &Address {
        &self.peer
    }

    /// Runs the handshake (server side: challenge first, then answer), if the listener has a
    /// key, within [`Config::handshake_timeout`].
    ///
    /// # Errors
    /// [`Error::Authentication`], [`Error::HandshakeTimeout`], or the connection's errors.
    pub async fn authenticate(mut self) -> Result<Connection, Error> {
        if let Some(key) = &self.authkey {
            self.connection
                .authenticate(key, true, &self.config)
                .await?;
        }
        Ok(self.connection)
    }
}

impl Listener {
    /// Binds `address` and listens with `backlog` (CPython's default is 1). `authkey`: `None`
    /// for no handshake, else the key both sides must share. An empty key still
    /// authenticates (CPython 3.13's rule; 3.11 and 3.12 listeners skip the handshake for
    /// `b''`, so their clients with `b''` wait forever, ours until the handshake timeout).
    ///
    /// TCP listeners set `SO_REUSEADDR`, as CPython's do; a socket file is removed again by
    /// [`close`](Listener::close) or drop, an abstract name needs no removal.
    ///
    /// # Errors
    /// [`Error::Address`] for an unusable address, [`Error::Bind`] when binding fails (the
    /// socket file exists, the port is taken...).
    pub async fn bind(
        address: impl ToAddress,
        backlog: u32,
        authkey: Option<&[u8]>,
    ) -> Result<Listener, Error> {
        Listener::bind_with_config(address, backlog, authkey, Config::default()).await
    }

    /// [`bind`](Listener::bind) with a [`Config`] for the listener and every connection it
    /// accepts.
    ///
    /// # Errors
    /// As [`bind`](Listener::bind).
    pub async fn bind_with_config(
        address: impl ToAddress,
        backlog: u32,
        authkey: Option<&[u8]>,
        config: Config,
    ) -> Result<Listener, Error> {
        let address = address.to_address()?;
        let bind_error = |source| Error::Bind {
            address: address.clone(),
            source,
        };
        let (socket, bound, unlink) = match &address {
            Address::Inet { host, port } => {
                let listener = bind_tcp(host, *port, backlog).await.map_err(bind_error)?;
                let bound = listener.local_addr().map_err(bind_error)?;
                (
                    Socket::Tcp(listener),
                    Address::from_socket_addr(bound),
                    None,
                )
            }
            Address::Unix(path) => {
                let addr = socket2::SockAddr::unix(path).map_err(bind_error)?;
                let listener = bind_unix(&addr, backlog).map_err(bind_error)?;
                (Socket::Unix(listener), address.clone(), Some(path.clone()))
            }
            Address::Abstract(name) => {
                let mut raw = vec![0u8];
                raw.extend_from_slice(name);
                let path = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&raw);
                let addr = socket2::SockAddr::unix(path).map_err(bind_error)?;
                let listener = bind_unix(&addr, backlog).map_err(bind_error)?;
                (Socket::Unix(listener), address.clone(), None)
            }
        };
        Ok(Listener {
            socket: Some(socket),
            address: bound,
            authkey: authkey.map(<[u8]>::to_vec),
            config,
            last_accepted: None,
            unlink,
        })
    }

    /// The address listened on (for TCP the bound IP and the actual port, so a listener on
    /// port 0 tells which port it got).
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// The peer address of the last accepted connection (an empty path for an unnamed unix
    /// socket peer, as CPython's `''`).
    pub fn last_accepted(&self) -> Option<&Address> {
        self.last_accepted.as_ref()
    }

    /// Waits for a connection and authenticates it (server side: challenge first, then
    /// answer), as CPython's `accept()`; one connection at a time, each handshake bounded by
    /// [`Config::handshake_timeout`]. A failed handshake fails this call only: the listener
    /// keeps listening.
    ///
    /// # Errors
    /// [`Error::ListenerClosed`], [`Error::Accept`], [`Error::Authentication`] (a client with
    /// another key), [`Error::HandshakeTimeout`], or the connection's errors.
    pub async fn accept(&mut self) -> Result<Connection, Error> {
        self.accept_unauthenticated().await?.authenticate().await
    }

    /// Accepts a connection without running its handshake yet; see [`Incoming`].
    ///
    /// # Errors
    /// [`Error::ListenerClosed`] or [`Error::Accept`].
    pub async fn accept_unauthenticated(&mut self) -> Result<Incoming, Error> {
        let socket = self.socket.as_ref().ok_or(Error::ListenerClosed)?;
        let (stream, peer) = match socket {
            Socket::Tcp(l) => {
                let (s, peer) = l.accept().await.map_err(Error::Accept)?;
                // Latency over batching: every message is one write already.
                let _ = s.set_nodelay(true);
                (Stream::Tcp(s), Address::from_socket_addr(peer))
            }
            Socket::Unix(l) => {
                let (s, peer) = l.accept().await.map_err(Error::Accept)?;
                let peer: std::os::unix::net::SocketAddr = peer.into();
                (Stream::Unix(s), Address::from_unix(&peer))
            }
        };
        self.last_accepted = Some(peer.clone());
        Ok(Incoming {
            connection: Connection::new(stream, true, true, &self.config),
            peer,
            authkey: self.authkey.clone(),
            config: self.config.clone(),
        })
    }

    /// Stops listening and removes the socket file; [`accept`](Listener::accept) fails from
    /// now on. Connections already accepted stay open.
    pub fn close(&mut self) {
        self.socket = None;
        if let Some(path) = self.unlink.take() {
            // Already gone is fine: someone else cleaned up.
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.close();
    }
}

async fn bind_tcp(host: &str, port: u16, backlog: u32) -> std::io::Result<TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        match listen_tcp(addr, backlog) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::NotFound, "the host name has no address")
    }))
}

fn listen_tcp(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// A unix listener with the caller's backlog (std and tokio pick their own).
fn bind_unix(addr: &socket2::SockAddr, backlog: u32) -> std::io::Result<UnixListener> {
    let socket = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None)?;
    socket.bind(addr)?;
    socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
    socket.set_nonblocking(true)?;
    UnixListener::from_std(socket.into())
}
