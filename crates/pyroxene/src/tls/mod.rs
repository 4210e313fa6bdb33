//! TLS for daemons and proxies, set up from Pyro5's `SSL_*` items as Python does it.
//!
//! With `SSL` on (`PYRO_SSL=1`), every daemon connection is TLS (Python wraps its server
//! socket) and every proxy connects with TLS; URIs don't change (Pyro5 has no separate scheme:
//! the configuration decides, on both sides), and the name server's UDP broadcast stays plain.
//! [`Daemon::builder`](crate::Daemon::builder), [`Proxy::new`](crate::Proxy::new) and
//! [`naming::locate_ns`](crate::naming::locate_ns) read the `PYRO_SSL*` variables like the
//! rest of the environment, so `pyroxene ns`, `nsc`, `echo` and `bench` speak TLS with the same
//! variables as `pyro5-ns`, `pyro5-nsc` and Python's echo server.
//!
//! | item | daemon | proxy |
//! |---|---|---|
//! | SSL_SERVERCERT | its certificate (PEM, the chain after it) | |
//! | SSL_SERVERKEY | its key; empty: the key is in the certificate file | |
//! | SSL_SERVERKEYPASSWD | the key's password | |
//! | SSL_REQUIRECLIENTCERT | ask for and verify a client certificate (off: none is asked for) | |
//! | SSL_CLIENTCERT / SSL_CLIENTKEY / SSL_CLIENTKEYPASSWD | | the certificate it shows, if any |
//! | SSL_CACERTS | trusted for client certificates | trusted for server certificates |
//!
//! What is verified, as Python's `ssl.create_default_context` does it:
//! - A proxy verifies the server's certificate against the system's trusted certificates
//!   plus SSL_CACERTS (a PEM file, or a directory of them), and the host name of the URI
//!   against it (an IP address against its IP alternative names; a DNS name against its DNS
//!   alternative names, or its common name when it has none, as Python falls back to).
//! - A daemon with SSL_REQUIRECLIENTCERT verifies the client's certificate against the same
//!   kind of store (no name check: Python does none either), and refuses a client without one.
//! - A certificate found as it is in SSL_CACERTS is trusted as it is (a self-signed
//!   certificate, even one marked as a CA, as Pyro5's example certificates are).
//! - TLS 1.2 and 1.3 (Python's minimum is 1.2); rustls's cipher suites.
//! - Keys: PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM; an `ENCRYPTED PRIVATE KEY` (PKCS#8 with
//!   PBES2, as `openssl pkcs8 -topk8` or OpenSSL 3's `genpkey -aes256` write it) is
//!   decrypted with the `*KEYPASSWD` item. OpenSSL's legacy encrypted PEM (`Proc-Type:
//!   4,ENCRYPTED` headers, which Python also reads) is refused with a clear
//!   [`TlsError::LegacyEncryptedKey`].
//!
//! Python checks certificates further in `Daemon.validateHandshake`, reading
//! `conn.getpeercert()`; here a [`HandshakeValidator`](crate::server::HandshakeValidator)
//! gets the client's [`PeerCertificate`] through [`Handshake::peer_certificate`]
//! (and methods through [`CallContext::peer_certificate`]); a proxy shows the server's with
//! [`Proxy::peer_certificate`](crate::Proxy::peer_certificate).
//!
//! [`Handshake::peer_certificate`]: crate::server::Handshake::peer_certificate
//! [`CallContext::peer_certificate`]: crate::server::CallContext::peer_certificate
//!
//! # Examples
//!
//! ```no_run
//! # async fn run() -> pyroxene::Result<()> {
//! use std::sync::Arc;
//! use pyroxene::server::{Handshake, HandshakeValidator};
//! use pyroxene::{Config, Daemon, Value};
//!
//! let mut config = Config::default();
//! config.ssl = true;
//! config.ssl_servercert = "certs/server_cert.pem".into();
//! config.ssl_serverkey = "certs/server_key.pem".into();
//! config.ssl_requireclientcert = true;
//! config.ssl_cacerts = "certs/ca.pem".into();
//! // Only clients whose certificate names "alice" get in (Python: validateHandshake).
//! let only_alice: HandshakeValidator = Arc::new(|hs: &Handshake<'_>| {
//!     match hs.peer_certificate().and_then(|c| c.common_name()) {
//!         Some("alice") => Ok(Value::from("hello")),
//!         other => Err(format!("client certificate not accepted: {other:?}")),
//!     }
//! });
//! let daemon = Daemon::builder_with(&config).handshake(only_alice).bind().await?;
//! # Ok(()) }
//! ```

mod error;
mod files;
mod peer;
mod verify;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};

pub use error::TlsError;
pub use peer::PeerCertificate;

use crate::Config;
use crate::transport::Stream;

/// How proxies use TLS: the client side of Pyro5's `SSL_*` items, or a rustls configuration
/// of your own. Held in [`ProxySettings::tls`](crate::client::ProxySettings::tls); `None`
/// there is plain TCP.
///
/// The files are read on the first connection (as Python does) and the result is kept for
/// the process, per set of items (Python keeps one context for the process).
#[derive(Clone)]
pub struct ClientTls {
    source: ClientSource,
}

#[derive(Clone)]
enum ClientSource {
    Files(ClientFiles),
    Ready(Arc<ClientConfig>),
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct ClientFiles {
    cert: String,
    key: String,
    password: String,
    cacerts: String,
}

impl ClientTls {
    /// The proxy side of `config`'s TLS items: SSL_CLIENTCERT, SSL_CLIENTKEY,
    /// SSL_CLIENTKEYPASSWD and SSL_CACERTS (whether `SSL` is on is the caller's business:
    /// [`ProxySettings::from_config`](crate::client::ProxySettings::from_config) takes it).
    pub fn from_config(config: &Config) -> ClientTls {
        ClientTls {
            source: ClientSource::Files(ClientFiles {
                cert: config.ssl_clientcert.clone(),
                key: config.ssl_clientkey.clone(),
                password: config.ssl_clientkeypasswd.clone(),
                cacerts: config.ssl_cacerts.clone(),
            }),
        }
    }

    /// A rustls client configuration of your own (its own verifier, roots, client
    /// certificate...), used as it is.
    pub fn from_rustls(config: Arc<ClientConfig>) -> ClientTls {
        ClientTls {
            source: ClientSource::Ready(config),
        }
    }

    /// The rustls configuration: the given one, or the one made from the files.
    ///
    /// # Errors
    /// A file that can't be read or used ([`TlsError::FileNotFound`], [`TlsError::Pem`],
    /// [`TlsError::KeyDecrypt`]...), or settings rustls refuses ([`TlsError::Settings`]).
    pub fn rustls_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        static BUILT: LazyLock<Mutex<HashMap<ClientFiles, Arc<ClientConfig>>>> =
            LazyLock::new(|| Mutex::new(HashMap::new()));
        let files = match &self.source {
            ClientSource::Ready(config) => return Ok(config.clone()),
            ClientSource::Files(files) => files,
        };
        if let Some(config) = BUILT.lock().ok().and_then(|b| b.get(files).cloned()) {
            return Ok(config);
        }
        let config = Arc::new(client_config(files)?);
        if let Ok(mut built) = BUILT.lock() {
            built.insert(files.clone(), config.clone());
        }
        Ok(config)
    }
}

impl fmt::Debug for ClientTls {
    /// The file names; the password only as whether there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            ClientSource::Ready(_) => f.write_str("ClientTls(rustls)"),
            ClientSource::Files(files) => f
                .debug_struct("ClientTls")
                .field("clientcert", &files.cert)
                .field("clientkey", &files.key)
                .field(
                    "keypasswd",
                    &(!files.password.is_empty()).then_some("<set>"),
                )
                .field("cacerts", &files.cacerts)
                .finish(),
        }
    }
}

/// How a daemon uses TLS: the server side of Pyro5's `SSL_*` items, or a rustls
/// configuration of your own ([`DaemonBuilder::tls`](crate::server::DaemonBuilder::tls)).
/// The files are read by [`DaemonBuilder::bind`](crate::server::DaemonBuilder::bind) (Python
/// reads them when the daemon is made).
#[derive(Clone)]
pub struct ServerTls {
    source: ServerSource,
}

#[derive(Clone)]
enum ServerSource {
    Files(ServerFiles),
    Ready(Arc<ServerConfig>),
}

#[derive(Clone)]
struct ServerFiles {
    cert: String,
    key: String,
    password: String,
    cacerts: String,
    require_client_cert: bool,
}

impl ServerTls {
    /// The daemon side of `config`'s TLS items: SSL_SERVERCERT, SSL_SERVERKEY,
    /// SSL_SERVERKEYPASSWD, SSL_REQUIRECLIENTCERT and SSL_CACERTS.
    pub fn from_config(config: &Config) -> ServerTls {
        ServerTls {
            source: ServerSource::Files(ServerFiles {
                cert: config.ssl_servercert.clone(),
                key: config.ssl_serverkey.clone(),
                password: config.ssl_serverkeypasswd.clone(),
                cacerts: config.ssl_cacerts.clone(),
                require_client_cert: config.ssl_requireclientcert,
            }),
        }
    }

    /// A rustls server configuration of your own, used as it is.
    pub fn from_rustls(config: Arc<ServerConfig>) -> ServerTls {
        ServerTls {
            source: ServerSource::Ready(config),
        }
    }

    /// The rustls configuration: the given one, or the one made from the files.
    ///
    /// # Errors
    /// [`TlsError::NoServerCertificate`] when SSL_SERVERCERT is empty; a file that can't be
    /// read or used; settings rustls refuses (a key that doesn't match the certificate).
    pub fn rustls_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        match &self.source {
            ServerSource::Ready(config) => Ok(config.clone()),
            ServerSource::Files(files) => server_config(files).map(Arc::new),
        }
    }
}

impl fmt::Debug for ServerTls {
    /// The file names; the password only as whether there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            ServerSource::Ready(_) => f.write_str("ServerTls(rustls)"),
            ServerSource::Files(files) => f
                .debug_struct("ServerTls")
                .field("servercert", &files.cert)
                .field("serverkey", &files.key)
                .field(
                    "keypasswd",
                    &(!files.password.is_empty()).then_some("<set>"),
                )
                .field("requireclientcert", &files.require_client_cert)
                .field("cacerts", &files.cacerts)
                .finish(),
        }
    }
}

/// The crypto of every configuration made here: ring, the lighter build of rustls's two
/// providers (aws-lc-rs is a long C build, minutes on a 2-core machine). rustls 0.23.48 marks
/// ring's provider deprecated because it has no post-quantum key exchange; the Python peers'
/// OpenSSL 3.0 has none either, so nothing a Pyro peer could negotiate is lost. A user who
/// wants X25519MLKEM768 between Rust peers passes an aws-lc-rs configuration through
/// [`ClientTls::from_rustls`] / [`ServerTls::from_rustls`].
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The system's trusted certificates (what Python's `load_default_certs` loads: the OpenSSL
/// store, `SSL_CERT_FILE`/`SSL_CERT_DIR`), read once per process.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::debug!("system certificates: {e}");
        }
        found.certs
    })
}

/// The system's certificates plus SSL_CACERTS'; the latter also as they are (see `verify.rs`).
fn trust(cacerts: &str) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), TlsError> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(system_roots().iter().cloned());
    let mut trusted = Vec::new();
    if !cacerts.is_empty() {
        let path = Path::new(cacerts);
        trusted = files::ca_certificates(path)?;
        for cert in &trusted {
            roots
                .add(cert.clone())
                .map_err(|source| TlsError::BadCaCertificate {
                    path: path.to_owned(),
                    source,
                })?;
        }
    }
    if roots.is_empty() {
        return Err(TlsError::NoTrustAnchors);
    }
    Ok((roots, trusted))
}

fn client_config(files: &ClientFiles) -> Result<ClientConfig, TlsError> {
    let provider = provider();
    let (roots, trusted) = trust(&files.cacerts)?;
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(TlsError::Verifier)?;
    let verifier = Arc::new(verify::ServerVerifier { inner, trusted });
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Settings)?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    if files.cert.is_empty() {
        return Ok(builder.with_no_client_auth());
    }
    let certs = files::certificates(Path::new(&files.cert), "client cert")?;
    let key_path = if files.key.is_empty() {
        &files.cert
    } else {
        &files.key
    };
    let key = files::private_key(
        Path::new(key_path),
        "client key",
        &files.password,
        "SSL_CLIENTKEYPASSWD",
    )?;
    builder
        .with_client_auth_cert(certs, key)
        .map_err(TlsError::Settings)
}

fn server_config(files: &ServerFiles) -> Result<ServerConfig, TlsError> {
    if files.cert.is_empty() {
        return Err(TlsError::NoServerCertificate);
    }
    let certs = files::certificates(Path::new(&files.cert), "server cert")?;
    let key_path = if files.key.is_empty() {
        &files.cert
    } else {
        &files.key
    };
    let key = files::private_key(
        Path::new(key_path),
        "server key",
        &files.password,
        "SSL_SERVERKEYPASSWD",
    )?;
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Settings)?;
    let builder = if files.require_client_cert {
        let (roots, trusted) = trust(&files.cacerts)?;
        let inner = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(TlsError::Verifier)?;
        builder.with_client_cert_verifier(Arc::new(verify::ClientVerifier { inner, trusted }))
    } else {
        builder.with_no_client_auth()
    };
    builder
        .with_single_cert(certs, key)
        .map_err(TlsError::Settings)
}

/// Why a TLS connection could not be set up: TLS itself, or the socket under it.
#[derive(Debug)]
pub(crate) enum HandshakeError {
    Tls(TlsError),
    Io(std::io::Error),
}

impl HandshakeError {
    /// A [`crate::Error`] saying `message` ([`crate::ErrorKind::Communication`], Python's
    /// `CommunicationError`), caused by this.
    pub(crate) fn into_error(self, message: String) -> crate::Error {
        let e = crate::Error::new(crate::ErrorKind::Communication, message);
        match self {
            HandshakeError::Tls(tls) => e.with_source(tls),
            HandshakeError::Io(io) => e.with_source(io),
        }
    }
}

impl From<std::io::Error> for HandshakeError {
    fn from(e: std::io::Error) -> HandshakeError {
        match TlsError::from_io(e) {
            Ok(tls) => HandshakeError::Tls(tls),
            Err(io) => HandshakeError::Io(io),
        }
    }
}

/// The client side of the TLS handshake over `stream`, verifying the server for `host` (the
/// URI's host; `localhost` for a unix socket, which has none); the server's certificate.
pub(crate) async fn connect(
    config: Arc<ClientConfig>,
    stream: Stream,
    host: &str,
) -> Result<(Stream, Option<PeerCertificate>), HandshakeError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| HandshakeError::Tls(TlsError::ServerName(host.to_owned())))?;
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await?;
    let peer = first_certificate(tls.get_ref().1.peer_certificates())?;
    Ok((Stream::Tls(Box::new(tls.into())), peer))
}

/// The server side of the TLS handshake over `stream`; the client's certificate, if it
/// showed one (only when the daemon asked: SSL_REQUIRECLIENTCERT).
pub(crate) async fn accept(
    acceptor: &tokio_rustls::TlsAcceptor,
    stream: Stream,
) -> Result<(Stream, Option<PeerCertificate>), HandshakeError> {
    let tls = acceptor.accept(stream).await?;
    let peer = first_certificate(tls.get_ref().1.peer_certificates())?;
    Ok((Stream::Tls(Box::new(tls.into())), peer))
}

fn first_certificate(
    certs: Option<&[CertificateDer<'_>]>,
) -> Result<Option<PeerCertificate>, HandshakeError> {
    certs
        .and_then(<[_]>::first)
        .map(|der| PeerCertificate::from_der(der))
        .transpose()
        .map_err(HandshakeError::Tls)
}
