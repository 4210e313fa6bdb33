//! [`Daemon`]: serves registered objects to Pyro proxies (Python's or ours).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use pyroxene_wire::protocol::HmacKey;
use pyroxene_wire::value::RandomState;
use pyroxene_wire::{ProtocolVersion, Serializer};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::watch;

use super::builtin::DaemonObject;
use super::connection::serve_connection;
use super::handshake::HandshakeValidator;
use super::object::RemoteObject;
use super::stream::{StreamSettings, Streams};
use crate::budget::ReceiveBudget;
use crate::client::ProxySettings;
use crate::config::{ConfigError, Limits};
use crate::error::{Error, ErrorKind, Result};
use crate::tls::ServerTls;
use crate::transport::Stream;
use crate::{Config, Uri};

/// How long [`Daemon::serve`] lets calls in progress finish after a shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// How long [`Daemon::serve`] waits before accepting again after a failed accept (EMFILE).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The object id of every daemon's own object.
pub const DAEMON_OBJECT_ID: &str = "Pyro.Daemon";

/// How long a client may take over the TLS handshake when no COMMTIMEOUT is set (a client
/// that connects and says nothing must not hold a task forever).
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How to build a [`Daemon`]: where to listen and how to behave.
///
/// [`Daemon::builder`] starts from the `PYRO_*` environment ([`Config::from_env`], as Python's
/// daemon starts from `Pyro5.config`); [`Daemon::builder_with`] from a given [`Config`];
/// [`DaemonBuilder::default`] from Python's defaults. The methods then override single
/// settings.
#[derive(Clone)]
pub struct DaemonBuilder {
    host: String,
    port: u16,
    unixsocket: Option<String>,
    nathost: Option<String>,
    natport: Option<u16>,
    pub(crate) comm_timeout: Option<Duration>,
    pub(crate) max_message_size: u64,
    pub(crate) handshake: Option<HandshakeValidator>,
    pub(crate) compression: bool,
    /// `None`: each version's default (see [`DaemonBuilder::serializers`]).
    pub(crate) serializers: Option<Vec<Serializer>>,
    /// Pyro4's HMAC key (see [`DaemonBuilder::hmac_key`]).
    pub(crate) hmac_key: Option<HmacKey>,
    /// Item streaming: on/off, lifetime, linger (builder methods in `stream.rs`).
    pub(crate) streams: StreamSettings,
    /// What [`Daemon::proxy_for`] gives its proxies (the proxy settings of the config).
    pub(crate) proxy_settings: ProxySettings,
    /// Connections, receive budget, handshake timeout, streams (builder methods in
    /// `limits.rs`).
    pub(crate) limits: Limits,
    /// TLS for every connection (SSL and the SSL_SERVER* items), see [`DaemonBuilder::tls`].
    tls: Option<ServerTls>,
    /// Why the environment [`Daemon::builder`] read was refused; [`DaemonBuilder::bind`]
    /// reports it (a builder chain has no other place to fail).
    env_error: Option<ConfigError>,
}

impl Default for DaemonBuilder {
    fn default() -> Self {
        DaemonBuilder {
            host: "localhost".into(),
            port: 0,
            unixsocket: None,
            nathost: None,
            natport: None,
            comm_timeout: None,
            max_message_size: 1_073_741_824,
            handshake: None,
            compression: false,
            serializers: None,
            hmac_key: None,
            streams: StreamSettings::default(),
            proxy_settings: ProxySettings::default(),
            limits: Limits::default(),
            tls: None,
            env_error: None,
        }
    }
}

impl DaemonBuilder {
    /// The host name or IP address to bind (`localhost` by default; `::1` for IPv6).
    #[must_use]
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// The TCP port (0, the default, picks a free one).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Listen on a unix domain socket instead of TCP; a path starting with a NUL character
    /// (`"\0name"`) is a Linux abstract socket.
    #[must_use]
    pub fn unixsocket(mut self, path: impl Into<String>) -> Self {
        self.unixsocket = Some(path.into());
        self
    }

    /// The address URIs carry when the daemon is reached through NAT (`natport` 0 = the real port).
    #[must_use]
    pub fn nat(mut self, host: impl Into<String>, port: u16) -> Self {
        self.nathost = Some(host.into());
        self.natport = Some(port);
        self
    }

    /// Close connections idle for longer than this (Pyro's COMMTIMEOUT; none by default).
    #[must_use]
    pub fn comm_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.comm_timeout = timeout.filter(|t| !t.is_zero());
        self
    }

    /// The largest message accepted (Pyro's MAX_MESSAGE_SIZE, 1 GiB by default).
    #[must_use]
    pub fn max_message_size(mut self, bytes: u64) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Checks every new connection: its handshake data, its address and, with two-way TLS,
    /// its client certificate (Python: override `Daemon.validateHandshake`). See
    /// [`HandshakeValidator`].
    #[must_use]
    pub fn handshake(mut self, validator: HandshakeValidator) -> Self {
        self.handshake = Some(validator);
        self
    }

    /// Serves every connection over TLS (`None`: plain TCP or unix socket). [`Daemon::builder`]
    /// and [`DaemonBuilder::config`] set it from `SSL` and the `SSL_SERVER*`,
    /// `SSL_REQUIRECLIENTCERT` and `SSL_CACERTS` items ([`ServerTls::from_config`]); a rustls
    /// configuration of your own goes in with [`ServerTls::from_rustls`]. The files are read
    /// by [`DaemonBuilder::bind`]. URIs stay `PYRO:` (Pyro5 has no TLS scheme: clients are
    /// configured with `SSL` too). See [`crate::tls`].
    #[must_use]
    pub fn tls(mut self, tls: Option<ServerTls>) -> Self {
        self.tls = tls;
        self
    }

    /// Compresses the payloads the daemon sends (Pyro's COMPRESSION; off by default), with
    /// Pyro5's rule: every payload over 100 bytes, zlib level 4, in every message type, as
    /// Python's daemon does. Compressed requests are inflated whatever this says.
    #[must_use]
    pub fn compression(mut self, on: bool) -> Self {
        self.compression = on;
        self
    }

    /// The serializers clients may use, like Pyro4's SERIALIZERS_ACCEPTED. By default each
    /// protocol's own default: all four (serpent, json, marshal, msgpack) for Pyro5 clients,
    /// Pyro4's `serpent,marshal,json` for Pyro4 clients. A list set here applies to both
    /// (a serializer a version doesn't have is simply never seen in it).
    ///
    /// **Pickle** (Pyro4 only) is accepted only when this list names
    /// [`Serializer::Pickle`]: Python's pickle runs code named by the data, so Pyro4 itself
    /// leaves it out of its default set. Ours never imports anything (plain data, builtin and
    /// `Pyro4.errors` exceptions, URIs; anything else is refused), but the Python *clients*
    /// that unpickle our replies are the peers that would turn it on, so it stays opt-in.
    ///
    /// Pyro5 has no such setting, so this follows Pyro4's behaviour for both versions:
    ///
    /// - a CONNECT in a refused serializer is answered with CONNECTFAIL in marshal, text
    ///   `message used serializer that is not accepted: N` (N the serializer's wire id), which a
    ///   Python proxy raises as `CommunicationError("connection to ... rejected: ...")`;
    /// - an INVOKE in a refused serializer (a proxy that switched serializer after connecting)
    ///   is answered with a `SerializeError` exception of the same text, in that serializer so
    ///   the caller can read it; the connection stays open.
    ///
    /// PING is answered whatever its serializer id (it carries no serialized data).
    #[must_use]
    pub fn serializers(mut self, accepted: &[Serializer]) -> Self {
        self.serializers = Some(accepted.to_vec());
        self
    }

    /// Whether a client speaking `version` may use `ser`.
    pub(crate) fn accepts(&self, version: ProtocolVersion, ser: Serializer) -> bool {
        match &self.serializers {
            Some(list) => list.contains(&ser),
            None => match version {
                ProtocolVersion::V4 => {
                    matches!(
                        ser,
                        Serializer::Serpent | Serializer::Marshal | Serializer::Json
                    )
                }
                ProtocolVersion::V5 => Serializer::ALL.contains(&ser),
            },
        }
    }

    /// Pyro4's HMAC key (Pyro4: `daemon._pyroHmacKey`, `pyro4-ns -k`): every message of a
    /// Pyro4 connection must then be signed with it, and the daemon signs its own. As in
    /// Pyro4 the rule is symmetric: a keyed daemon refuses unsigned and wrongly signed
    /// messages, an unkeyed one refuses signed messages (Pyro4's client then reports
    /// "message hmac mismatch" or "hmac key config not symmetric"; the connection is closed).
    /// An empty key means no key.
    ///
    /// **Pyro5 clients of a keyed daemon are refused**: Pyro5 has no HMAC, and serving them
    /// would let anyone past the key by speaking the other protocol. They get CONNECTFAIL
    /// with "this daemon requires a Pyro4 HMAC key; Pyro5 has no HMAC", which a Python
    /// proxy raises as `CommunicationError("connection to ... rejected: ...")`. Run a second,
    /// unkeyed daemon for Pyro5 clients if both are needed.
    #[must_use]
    pub fn hmac_key(mut self, key: Option<&[u8]>) -> Self {
        self.hmac_key = key.filter(|k| !k.is_empty()).map(HmacKey::from);
        self
    }

    /// Takes the daemon settings of a Pyro configuration: HOST, NATHOST/NATPORT, COMMTIMEOUT,
    /// MAX_MESSAGE_SIZE, COMPRESSION, ITER_STREAMING / ITER_STREAM_LIFETIME /
    /// ITER_STREAM_LINGER, SSL with its SSL_* items (the port stays as set: Pyro has no PORT
    /// item), pyroxene's `PYROXENE_*` [`Limits`]; and the proxy settings [`Daemon::proxy_for`]
    /// gives its proxies. These replace what
    /// [`Daemon::builder`] read from the environment, a refused environment included.
    #[must_use]
    pub fn config(mut self, config: &Config) -> Self {
        self.host.clone_from(&config.host);
        self.nathost.clone_from(&config.nathost);
        self.natport = self.nathost.as_ref().map(|_| config.natport);
        self.comm_timeout = config.commtimeout;
        self.max_message_size = config.max_message_size;
        self.compression = config.compression;
        self.stream_config(config);
        let connector = self.proxy_settings.connector.take();
        self.proxy_settings = ProxySettings::from_config(config);
        self.proxy_settings.connector = connector;
        self.limits = config.limits;
        self.tls = config.ssl.then(|| ServerTls::from_config(config));
        self.env_error = None;
        self
    }

    /// Routes the proxies this daemon's methods receive (callback objects its callers pass)
    /// and the ones [`Daemon::proxy_for`] makes through `connector`: for a daemon whose
    /// callers live in another address space, such as one served to the far side of an ssh
    /// tunnel (see [`Connector`](crate::client::Connector)). Such proxies take their other
    /// settings from this builder's configuration instead of the environment.
    #[must_use]
    pub fn connector(mut self, connector: Arc<dyn crate::client::Connector>) -> Self {
        self.proxy_settings.connector = Some(connector);
        self
    }

    /// Binds the socket and registers the daemon object.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] when the environment [`Daemon::builder`] read is refused (the
    /// [`ConfigError`] as source); [`ErrorKind::Communication`] "cannot bind HOST:PORT" (the
    /// `io::Error` as source) when the address can't be bound; [`ErrorKind::Config`] when NAT
    /// is combined with a unix socket; [`ErrorKind::Config`] "cannot use the TLS settings"
    /// when TLS is on and its files can't be used (the [`TlsError`](crate::tls::TlsError) as
    /// source: "server cert file not found: ...", a wrong key password...).
    pub async fn bind(self) -> Result<Daemon> {
        if let Some(e) = self.env_error {
            return Err(Error::from(e));
        }
        let tls = match &self.tls {
            Some(tls) => Some(tokio_rustls::TlsAcceptor::from(
                tls.rustls_config().map_err(|e| {
                    Error::new(ErrorKind::Config, "cannot use the TLS settings").with_source(e)
                })?,
            )),
            None => None,
        };
        let (listener, location) = match &self.unixsocket {
            Some(path) => {
                if self.nathost.is_some() {
                    return Err(Error::new(
                        ErrorKind::Config,
                        "cannot use nathost together with unixsocket",
                    ));
                }
                let listener = bind_unix(path).map_err(|e| {
                    let shown = path
                        .strip_prefix('\0')
                        .map_or_else(|| path.clone(), |name| format!("abstract socket {name}"));
                    Error::new(ErrorKind::Communication, format!("cannot bind {shown}"))
                        .with_source(e)
                })?;
                (
                    Listener::Unix(listener, path.clone()),
                    format!("./u:{path}"),
                )
            }
            None => {
                let listener = TcpListener::bind((self.host.as_str(), self.port))
                    .await
                    .map_err(|e| {
                        let location = location_of(&self.host, self.port);
                        Error::new(ErrorKind::Communication, format!("cannot bind {location}"))
                            .with_source(e)
                    })?;
                let addr = listener.local_addr()?;
                (
                    Listener::Tcp(listener),
                    location_of(&self.host, addr.port()),
                )
            }
        };
        let nat_location = self.nathost.as_ref().map(|host| {
            let port = match (self.natport, &listener) {
                (Some(0) | None, Listener::Tcp(l)) => l.local_addr().map(|a| a.port()).unwrap_or(0),
                (Some(p), _) => p,
                (None, _) => 0,
            };
            location_of(host, port)
        });
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            budget: Arc::new(ReceiveBudget::new(
                self.limits.receive_budget,
                self.limits.budget_wait,
            )),
            refusing: AtomicUsize::new(0),
            streams: Arc::new(Streams::new(self.streams)),
            objects: RwLock::new(HashMap::default()),
            connections: AtomicUsize::new(0),
            location,
            nat_location,
            settings: self,
            tls,
            shutdown,
            leases: super::leases::Leases::default(),
        });
        let daemon = Daemon {
            shared,
            listener: Arc::new(listener),
        };
        let builtin = DaemonObject::new(Arc::downgrade(&daemon.shared));
        daemon.register_with_id(Arc::new(builtin), DAEMON_OBJECT_ID)?;
        Ok(daemon)
    }
}

fn bind_unix(path: &str) -> std::io::Result<UnixListener> {
    if let Some(name) = path.strip_prefix('\0') {
        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            let std_listener = std::os::unix::net::UnixListener::bind_addr(&addr)?;
            std_listener.set_nonblocking(true)?;
            return UnixListener::from_std(std_listener);
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = name;
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "abstract unix sockets need Linux",
            ));
        }
    }
    UnixListener::bind(PathBuf::from(path))
}

/// `host:port`, with brackets around an IPv6 address.
fn location_of(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener, String),
}

pub(crate) struct Shared {
    /// By object id. Ids are chosen by whoever registers, never by clients, so a fast hasher
    /// is safe here (SipHash cost ~250 instructions a call for a 15-character id).
    pub(crate) objects: RwLock<HashMap<String, Arc<dyn RemoteObject>, RandomState>>,
    /// Client connections open right now (incremented on accept, decremented once the socket
    /// is closed).
    pub(crate) connections: AtomicUsize,
    pub(crate) location: String,
    pub(crate) nat_location: Option<String>,
    pub(crate) settings: DaemonBuilder,
    /// Open item streams (Python: `Daemon.streaming_responses`).
    pub(crate) streams: Arc<Streams>,
    /// Bytes the messages being received and served may hold (PYROXENE_RECEIVE_BUDGET).
    pub(crate) budget: Arc<ReceiveBudget>,
    /// Connections over the limit waiting to be refused (see `limits::REFUSING_MAX`).
    pub(crate) refusing: AtomicUsize,
    /// Made from [`DaemonBuilder::tls`] by `bind`.
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: watch::Sender<bool>,
    /// Names registered with [`Daemon::register_with_lease`], removed when `serve` ends.
    pub(crate) leases: super::leases::Leases,
}

impl Shared {
    pub(crate) fn object(&self, id: &str) -> Option<Arc<dyn RemoteObject>> {
        self.objects.read().ok()?.get(id).cloned()
    }
}

/// Serves registered objects; cheap to clone (all clones are the same daemon).
///
/// # Examples
/// ```no_run
/// # async fn run() -> pyroxene::Result<()> {
/// use pyroxene::Daemon;
/// let daemon = Daemon::builder().host("127.0.0.1").port(9999).bind().await?;
/// // daemon.register(Arc::new(MyObject), Some("example.object"))?;
/// daemon.serve().await
/// # }
/// ```
#[derive(Clone)]
pub struct Daemon {
    shared: Arc<Shared>,
    listener: Arc<Listener>,
}

/// A reference to a [`Daemon`] that doesn't keep it alive: what an object the daemon serves
/// holds to register more objects (a `Daemon` clone inside a registered object would be a
/// reference cycle). [`CallContext::daemon`](super::CallContext::daemon) gives the serving
/// daemon too.
#[derive(Clone)]
pub struct WeakDaemon {
    shared: std::sync::Weak<Shared>,
    listener: std::sync::Weak<Listener>,
}

impl WeakDaemon {
    /// The daemon, while it exists.
    pub fn upgrade(&self) -> Option<Daemon> {
        Some(Daemon {
            shared: self.shared.upgrade()?,
            listener: self.listener.upgrade()?,
        })
    }
}

impl Daemon {
    /// The registered object `id` (for the call-model helpers in sibling modules).
    pub(crate) fn object(&self, id: &str) -> Option<Arc<dyn RemoteObject>> {
        self.shared.object(id)
    }

    /// The names registered with leases (see `leases.rs`).
    pub(crate) fn leases(&self) -> &super::leases::Leases {
        &self.shared.leases
    }

    /// The settings of the proxies [`Daemon::proxy_for`] makes.
    pub(crate) fn proxy_settings(&self) -> &ProxySettings {
        &self.shared.settings.proxy_settings
    }
}

impl Daemon {
    /// Starts describing a daemon (host, port, unix socket, NAT, timeouts, handshake check)
    /// from the settings of the `PYRO_*` environment ([`Config::from_env`]: HOST, NATHOST,
    /// COMMTIMEOUT, MAX_MESSAGE_SIZE...), as Python's daemon starts from `Pyro5.config`.
    /// A refused environment is reported by [`DaemonBuilder::bind`] (unless
    /// [`DaemonBuilder::config`] replaces it). [`Daemon::builder_with`] reads nothing.
    pub fn builder() -> DaemonBuilder {
        match Config::from_env() {
            Ok(config) => Daemon::builder_with(&config),
            Err(e) => DaemonBuilder {
                env_error: Some(e),
                ..DaemonBuilder::default()
            },
        }
    }

    /// Starts describing a daemon from `config` (see [`DaemonBuilder::config`]); the
    /// environment is not read.
    ///
    /// ```
    /// # async fn run() -> pyroxene::Result<()> {
    /// let mut config = pyroxene::Config::default();
    /// config.host = "127.0.0.1".into();
    /// let daemon = pyroxene::Daemon::builder_with(&config).bind().await?;
    /// assert!(daemon.location().starts_with("127.0.0.1:"));
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run()).unwrap();
    /// ```
    pub fn builder_with(config: &Config) -> DaemonBuilder {
        DaemonBuilder::default().config(config)
    }

    /// A reference that doesn't keep the daemon alive (see [`WeakDaemon`]).
    pub fn downgrade(&self) -> WeakDaemon {
        WeakDaemon {
            shared: Arc::downgrade(&self.shared),
            listener: Arc::downgrade(&self.listener),
        }
    }

    /// Registers an object under a generated id (`obj_` + 32 hex digits, like Python's).
    ///
    /// # Errors
    /// Never in practice (a generated id can't collide); see [`Daemon::register_with_id`].
    pub fn register(&self, object: Arc<dyn RemoteObject>) -> Result<Uri> {
        let id = format!("obj_{}", uuid::Uuid::new_v4().simple());
        self.register_with_id(object, &id)
    }

    /// Registers an object under `id` and returns its URI.
    ///
    /// # Errors
    /// [`ErrorKind::Daemon`] when the id is taken (Python: DaemonError "duplicate object id").
    pub fn register_with_id(&self, object: Arc<dyn RemoteObject>, id: &str) -> Result<Uri> {
        let mut objects = self
            .shared
            .objects
            .write()
            .map_err(|_| Error::new(ErrorKind::Daemon, "object table poisoned"))?;
        if objects.contains_key(id) {
            return Err(Error::new(
                ErrorKind::Daemon,
                format!("duplicate object id: {id}"),
            ));
        }
        objects.insert(id.to_owned(), object);
        drop(objects);
        self.uri_for(id)
    }

    /// Removes a registration; true when there was one. The daemon object stays.
    pub fn unregister(&self, id: &str) -> bool {
        if id == DAEMON_OBJECT_ID {
            return false;
        }
        self.shared
            .objects
            .write()
            .map(|mut o| o.remove(id).is_some())
            .unwrap_or(false)
    }

    /// The ids of all registered objects (the daemon object included).
    pub fn registered(&self) -> Vec<String> {
        self.shared
            .objects
            .read()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The URI of object `id` as clients reach it: at the NAT address when one is configured,
    /// else where the daemon listens (Python: `daemon.uriFor(id)`, `nat=True`).
    ///
    /// # Errors
    /// When the id makes an invalid URI (e.g. contains whitespace).
    pub fn uri_for(&self, id: &str) -> Result<Uri> {
        let location = self
            .shared
            .nat_location
            .as_deref()
            .unwrap_or(&self.shared.location);
        object_uri(id, location)
    }

    /// The URI of object `id` at the address the daemon listens on, ignoring a NAT address
    /// (Python: `daemon.uriFor(id, nat=False)`).
    ///
    /// # Errors
    /// When the id makes an invalid URI (e.g. contains whitespace).
    pub fn internal_uri_for(&self, id: &str) -> Result<Uri> {
        object_uri(id, &self.shared.location)
    }

    /// `host:port` (IPv6 bracketed) or `./u:path`: where the daemon listens.
    pub fn location(&self) -> &str {
        &self.shared.location
    }

    /// The bound TCP address, if listening on TCP.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match &*self.listener {
            Listener::Tcp(l) => l.local_addr().ok(),
            Listener::Unix(..) => None,
        }
    }

    /// How many client connections are open right now (Python: `len(daemon.sockets) - 1`).
    /// A connection counts from its accept until its socket is closed, by the client, by the
    /// daemon's COMMTIMEOUT or by shutdown.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Bytes of the receive budget ([`DaemonBuilder::receive_budget`]) that messages being
    /// received or served hold right now: 0 once every big message has been answered.
    pub fn receive_budget_in_use(&self) -> u64 {
        self.shared.budget.in_use()
    }

    /// Asks [`Daemon::serve`] to return; open connections are closed. Also when called before
    /// `serve` has started (it then returns at once).
    pub fn shutdown(&self) {
        // send_replace, not send: send drops the value when nobody is subscribed yet, and a
        // serve() starting afterwards would then never see it.
        self.shared.shutdown.send_replace(true);
    }

    /// Accepts and serves connections until [`Daemon::shutdown`]. Each connection runs as its
    /// own task: calls on one connection are answered in order, connections run concurrently.
    /// Once shut down, it removes the names of [`Daemon::register_with_lease`] from their name
    /// servers before it returns.
    ///
    /// A failed accept never ends it: when the process is out of file descriptors (EMFILE) or
    /// the system is (ENFILE, ENOBUFS), the connection stays in the listen queue; the daemon
    /// logs a warning (once per run of failures), waits 50 ms and tries again, so
    /// it serves the queued connection once another one closes.
    ///
    /// # Errors
    /// None so far; the `Result` is kept for failures a later version may report.
    pub async fn serve(&self) -> Result<()> {
        let mut stop = self.shared.shutdown.subscribe();
        let mut tasks = tokio::task::JoinSet::new();
        let mut failing = false;
        loop {
            let accepted = tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                accepted = accept(&self.listener) => accepted,
            };
            match accepted {
                Ok((stream, peer)) => {
                    failing = false;
                    self.shared.connections.fetch_add(1, Ordering::SeqCst);
                    let shared = self.shared.clone();
                    let stop = self.shared.shutdown.subscribe();
                    let daemon = self.downgrade();
                    tasks.spawn(async move {
                        // The TLS handshake runs in the connection's own task: a slow client
                        // must not hold up the accept loop.
                        let Some((stream, cert)) = secure(&shared, stream, &peer, &stop).await
                        else {
                            shared.connections.fetch_sub(1, Ordering::SeqCst);
                            return;
                        };
                        let scope = super::scope::ConnectionScope::new(daemon, cert.map(Arc::new));
                        serve_connection(shared, stream, peer, stop, scope).await;
                    });
                }
                Err(e) => {
                    if failing {
                        tracing::debug!("accept failed again: {e}");
                    } else {
                        tracing::warn!("accept failed: {e}; retrying every {ACCEPT_BACKOFF:?}");
                        failing = true;
                    }
                    // EMFILE leaves the connection queued and the listener readable: retrying
                    // at once would spin. A shutdown meanwhile is still noticed at once.
                    tokio::select! {
                        _ = stop.wait_for(|s| *s) => break,
                        () = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                    }
                }
            }
            while tasks.try_join_next().is_some() {}
        }
        // Idle connections close at once; one serving a call finishes it and sends the reply
        // (bounded: a method still running after the grace period is cut off).
        let drain = async { while tasks.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, drain).await;
        tasks.shutdown().await;
        self.release_leases().await;
        if let Listener::Unix(_, path) = &*self.listener
            && !path.starts_with('\0')
        {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }
}

/// The stream to serve: `stream` itself, or TLS over it once the TLS handshake is done (with
/// the client's certificate when it showed one). `None`: the handshake failed (logged), timed
/// out (COMMTIMEOUT, else 10 s) or the daemon is shutting down.
async fn secure(
    shared: &Shared,
    stream: Stream,
    peer: &str,
    stop: &watch::Receiver<bool>,
) -> Option<(Stream, Option<crate::tls::PeerCertificate>)> {
    let Some(acceptor) = &shared.tls else {
        return Some((stream, None));
    };
    let limit = shared
        .settings
        .comm_timeout
        .unwrap_or(TLS_HANDSHAKE_TIMEOUT);
    let mut stop = stop.clone();
    let handshake = tokio::time::timeout(limit, crate::tls::accept(acceptor, stream));
    let result = tokio::select! {
        _ = stop.wait_for(|s| *s) => return None,
        result = handshake => result,
    };
    match result {
        Ok(Ok(secured)) => Some(secured),
        Ok(Err(e)) => {
            let e = e.into_error(format!("TLS connection from {peer} refused"));
            tracing::debug!("{e:#}");
            None
        }
        Err(_) => {
            tracing::debug!("TLS connection from {peer}: no handshake within {limit:?}");
            None
        }
    }
}

async fn accept(listener: &Listener) -> std::io::Result<(Stream, String)> {
    match listener {
        Listener::Tcp(l) => {
            let (s, addr) = l.accept().await?;
            // Only a latency optimisation: a socket refusing it (already reset by the peer) is
            // served anyway and fails on its own, rather than counting as a failed accept.
            if let Err(e) = s.set_nodelay(true) {
                tracing::debug!("TCP_NODELAY on a connection from {addr}: {e}");
            }
            Ok((Stream::Tcp(s), addr.to_string()))
        }
        Listener::Unix(l, path) => {
            let (s, _) = l.accept().await?;
            Ok((Stream::Unix(s), path.clone()))
        }
    }
}

/// `PYRO:id@location`.
fn object_uri(id: &str, location: &str) -> Result<Uri> {
    Ok(format!("PYRO:{id}@{location}").parse::<Uri>()?)
}
