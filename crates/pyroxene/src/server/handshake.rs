//! [`Handshake`]: what a daemon's connection validator sees (Python's
//! `Daemon.validateHandshake(conn, data)`).

use std::sync::Arc;

use pyroxene_wire::{ProtocolVersion, Value};

use crate::tls::PeerCertificate;

/// Decides whether a client may connect (Python: `Daemon.validateHandshake`), from the
/// handshake data its proxy sent and the connection it came on (its address, its TLS client
/// certificate). `Ok(v)` accepts and sends `v` back; `Err(text)` refuses, and a Python proxy
/// raises `CommunicationError("connection to ... rejected: text")`.
///
/// ```
/// use std::sync::Arc;
/// use pyroxene::server::{Handshake, HandshakeValidator};
/// use pyroxene::Value;
///
/// // Python's CertValidatingDaemon (Pyro5's ssl example), as a validator.
/// let validator: HandshakeValidator = Arc::new(|hs: &Handshake<'_>| {
///     let cert = hs.peer_certificate().ok_or("client cert missing")?;
///     if cert.subject_field("organizationName") != Some("Razorvine.net") {
///         return Err("cert not for Razorvine.net".to_owned());
///     }
///     Ok(Value::from("hello"))
/// });
/// # let _ = validator;
/// ```
pub type HandshakeValidator =
    Arc<dyn Fn(&Handshake<'_>) -> std::result::Result<Value, String> + Send + Sync>;

/// One client's connect handshake, as a [`HandshakeValidator`] sees it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Handshake<'a> {
    /// The handshake data the proxy sent (Python: `data`; a proxy's `_pyroHandshake`,
    /// `"hello"` by default).
    pub data: &'a Value,
    /// The client's address as text (`127.0.0.1:50432`, `[::1]:50432` or the socket path).
    pub client_address: &'a str,
    /// The protocol version the client speaks.
    pub protocol: ProtocolVersion,
    pub(crate) peer_certificate: Option<&'a PeerCertificate>,
}

impl Handshake<'_> {
    /// The certificate the client showed in the TLS handshake, already verified against the
    /// trusted certificates (Python: `conn.getpeercert()`). `None` without TLS, and with TLS
    /// when the daemon doesn't require client certificates (SSL_REQUIRECLIENTCERT off: none
    /// is asked for).
    pub fn peer_certificate(&self) -> Option<&PeerCertificate> {
        self.peer_certificate
    }
}

/// The peer certificate of a connection, shared by its calls (see `scope.rs`).
pub(crate) type SharedCertificate = Option<Arc<PeerCertificate>>;
