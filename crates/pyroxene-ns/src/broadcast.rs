//! [`BroadcastServer`]: the UDP responder Pyro clients find the name server with
//! (`locate_ns()` without a host sends `GET_NSURI` and takes the reply as the NS URI).

use std::net::{IpAddr, SocketAddr, UdpSocket as StdUdpSocket};
use std::time::Duration;

use pyroxene::Uri;
use tokio::net::UdpSocket;

/// The request datagram, exactly (anything else is ignored, as Python ignores it).
pub const REQUEST: &[u8] = b"GET_NSURI";

/// Python reads at most this many bytes of a request.
const MAX_REQUEST: usize = 100;

/// Answers discovery requests with the name server's URI.
#[derive(Debug)]
pub struct BroadcastServer {
    socket: UdpSocket,
    ns_uri: Uri,
    location: String,
}

impl BroadcastServer {
    /// Binds the UDP socket with broadcast enabled: on `bchost` (all interfaces when `None` or
    /// empty, IPv6 ones when the NS URI's host is an IPv6 address) and `bcport` (0 = a free
    /// one). Replies carry `ns_uri` (pass the internal URI: the NAT address is rarely
    /// reachable from the LAN a broadcast comes from).
    ///
    /// The socket is bound with SO_REUSEADDR and (on unix) SO_REUSEPORT, so several name
    /// servers of one namespace (the etcd store) can share the broadcast port of a machine: a
    /// broadcast reaches all of them and each answers with its own URI; a datagram sent to one
    /// address (`127.0.0.1`) reaches one of them, which the system picks, so whichever name
    /// servers are alive answer.
    ///
    /// # Errors
    /// When the socket can't be bound.
    pub async fn bind(ns_uri: Uri, bchost: Option<&str>, bcport: u16) -> std::io::Result<Self> {
        let ipv6 = ns_uri.host().is_some_and(|h| h.contains(':'));
        let bchost = bchost.filter(|h| !h.is_empty());
        let bind_host = bchost.unwrap_or(if ipv6 { "::" } else { "0.0.0.0" });
        let address = tokio::net::lookup_host((bind_host, bcport))
            .await?
            .next()
            .ok_or_else(|| std::io::Error::other(format!("cannot resolve {bind_host}")))?;
        let socket = shared_udp_socket(address)?;
        let bound = socket.local_addr()?;
        // Python shows the host as given (or the bound address) and the bound port.
        let host = bchost.map_or_else(|| bound.ip().to_string(), str::to_owned);
        let location = if host.contains(':') {
            format!("[{host}]:{}", bound.port())
        } else {
            format!("{host}:{}", bound.port())
        };
        tracing::info!("ns broadcast server created on {location}");
        Ok(BroadcastServer {
            socket,
            ns_uri,
            location,
        })
    }

    /// `host:port` as Python's "Broadcast server running on ..." line shows it.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The bound address.
    ///
    /// # Errors
    /// When the socket can't tell.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Answers requests until the future is dropped.
    pub async fn serve(&self) {
        let mut buf = [0u8; MAX_REQUEST];
        loop {
            match self.socket.recv_from(&mut buf).await {
                Ok((n, peer)) if &buf[..n] == REQUEST => self.reply(peer).await,
                Ok(_) => {}
                Err(e) => {
                    // e.g. ICMP errors reported on the socket; Python ignores them too. The
                    // pause keeps a persistent error from spinning a core.
                    tracing::debug!("broadcast server receive error: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }

    async fn reply(&self, peer: SocketAddr) {
        let uri = self.reply_uri(peer);
        let text = uri.to_string();
        // ISO-8859-1, as Python encodes the reply; a URI it can't encode gets no reply.
        let Ok(bytes) = text
            .chars()
            .map(|c| u8::try_from(u32::from(c)))
            .collect::<Result<Vec<u8>, _>>()
        else {
            tracing::warn!("NS uri {text} is not ISO-8859-1; not answering the broadcast");
            return;
        };
        tracing::debug!("responding to broadcast request from {peer}: {text}");
        if let Err(e) = self.socket.send_to(&bytes, peer).await {
            tracing::debug!("broadcast reply to {peer} failed: {e}");
        }
    }

    /// The NS URI, with `0.0.0.0` replaced by the address of the interface that reaches the
    /// requester (a client can't connect to 0.0.0.0).
    fn reply_uri(&self, peer: SocketAddr) -> Uri {
        let uri = &self.ns_uri;
        if uri.host() != Some("0.0.0.0") {
            return uri.clone();
        }
        match (interface_towards(peer), uri.port()) {
            (Some(ip), Some(port)) => Uri::pyro(uri.object(), ip.to_string(), port),
            _ => uri.clone(),
        }
    }
}

/// A non-blocking UDP socket bound to `address` with SO_BROADCAST, SO_REUSEADDR and (unix)
/// SO_REUSEPORT.
fn shared_udp_socket(address: SocketAddr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(
        Domain::for_address(address),
        Type::DGRAM,
        Some(Protocol::UDP),
    )?;
    socket.set_reuse_address(true)?;
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    socket.set_reuse_port(true)?;
    socket.set_broadcast(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    UdpSocket::from_std(socket.into())
}

/// The local address the OS would send from to reach `peer` (connecting a UDP socket sends
/// nothing; it only picks the route).
fn interface_towards(peer: SocketAddr) -> Option<IpAddr> {
    let any: SocketAddr = match peer {
        SocketAddr::V4(_) => ([0, 0, 0, 0], 0).into(),
        SocketAddr::V6(_) => ([0u16; 8], 0).into(),
    };
    let socket = StdUdpSocket::bind(any).ok()?;
    socket.connect(peer).ok()?;
    Some(socket.local_addr().ok()?.ip())
}
