//! [`Proxy`]: calls the methods of a remote Pyro object.

use std::borrow::Borrow;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::Duration;

use pyroxene_wire::protocol::{AnnotationId, CorrelationId, Flags, HmacKey, Message, MessageType};
use pyroxene_wire::uri::UriProtocol;
use pyroxene_wire::{Dict, ProtocolVersion, Serializer, Value};
use serde::de::DeserializeOwned;

use super::connect::open;
use super::resolve::{self, Retarget};
use super::{Batch, IntoArgs, ProxySettings, RemoteStream, RequestContext, Response};
use crate::config::Protocol;
use crate::error::{Error, ErrorKind, Result};
use crate::server::Metadata;
use crate::transport::{Connection, prepare};
use crate::{RemoteException, Uri};

/// A proxy for a remote object at a `PYRO:` URI.
///
/// Connects lazily on the first call and learns the object's metadata (methods, oneway methods,
/// attributes) in the connect handshake. Unlike Python's proxy it is `Clone + Send + Sync` and
/// may be used from many tasks at once: each concurrent call takes its own connection from a
/// small pool (the wire allows one call in flight per connection).
///
/// A proxy is its URI, its [`ProxySettings`] and its connection state. [`Proxy::new`] takes
/// the settings from the `PYRO_*` environment, as Python's proxy takes them from
/// `Pyro5.config`; [`Proxy::with_settings`] takes given ones and reads nothing. The `with_*`
/// methods make a new proxy (with its own connections) that differs in one setting: clones
/// of the original keep theirs.
///
/// # Examples
/// ```no_run
/// # async fn run() -> pyroxene::Result<()> {
/// use pyroxene::{Proxy, tuple};
/// let echo = Proxy::new("PYRO:test.echoserver@localhost:9999")?;
/// let answer = echo.call("echo", tuple!["hello"], None).await?;
/// assert_eq!(answer.as_str(), Some("hello"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Proxy {
    pub(super) inner: Arc<Inner>,
}

impl std::fmt::Debug for Proxy {
    /// The URI and the settings (the HMAC key hidden); not the connection state.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("uri", &self.inner.uri.to_string())
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

pub(super) struct Inner {
    pub(super) uri: Uri,
    pub(super) settings: ProxySettings,
    /// Boxed: a call takes one out and puts it back, and a pointer moves cheaper than the
    /// connection with its buffers (measured: ~300 instructions a call).
    #[allow(clippy::vec_box)]
    idle: Mutex<Vec<Box<PooledConnection>>>,
    pub(super) metadata: Mutex<Option<Metadata>>,
    pub(super) handshake_response: Mutex<Option<Value>>,
    /// The server's TLS certificate on the latest connect.
    pub(super) peer_certificate: Mutex<Option<Arc<crate::tls::PeerCertificate>>>,
    /// The latest resolution of a PYRONAME/PYROMETA URI.
    pub(super) resolved: Mutex<Option<Uri>>,
    /// The protocol `auto` detected on the first connection.
    pub(super) detected: OnceLock<ProtocolVersion>,
}

impl Inner {
    fn new(uri: Uri, settings: ProxySettings) -> Inner {
        Inner {
            uri,
            settings,
            idle: Mutex::new(Vec::new()),
            metadata: Mutex::new(None),
            handshake_response: Mutex::new(None),
            peer_certificate: Mutex::new(None),
            resolved: Mutex::new(None),
            detected: OnceLock::new(),
        }
    }

    /// The protocol this proxy speaks when it is known without asking the daemon: the one
    /// asked for, Pyro4 for `auto` with a Pyro4-only feature (an HMAC key, pickle), else
    /// what `auto` detected on the first connection.
    pub(super) fn known_version(&self) -> Option<ProtocolVersion> {
        let settings = &self.settings;
        match settings.protocol {
            Protocol::Fixed(v) => Some(v),
            Protocol::Auto
                if settings.hmac_key.is_some() || settings.serializer == Serializer::Pickle =>
            {
                Some(ProtocolVersion::V4)
            }
            Protocol::Auto => self.detected.get().copied(),
        }
    }

    /// The protocol of the messages built now (Pyro5 until `auto` learned otherwise; calls
    /// connect first, see [`Proxy::ensure_version`]).
    pub(super) fn version(&self) -> ProtocolVersion {
        self.known_version().unwrap_or(ProtocolVersion::V5)
    }
}

pub(super) struct PooledConnection {
    pub(super) conn: Connection,
    pub(super) seq: u16,
    /// The object id this connection's handshake named (a PYRONAME proxy's resolution).
    pub(super) object: String,
}

impl Proxy {
    /// A proxy for `uri`, with the settings of the `PYRO_*` environment
    /// ([`ProxySettings::from_env`]), as Python's `Proxy(uri)` takes them from `Pyro5.config`.
    /// A `PYRONAME:`/`PYROMETA:` URI is resolved through the name server on every new
    /// connection, found with the environment's NS_HOST, NS_PORT, BROADCAST_ADDRS... (see
    /// [`crate::naming`]). [`Proxy::with_settings`] reads no environment.
    ///
    /// # Errors
    /// [`ErrorKind::Config`]: the URI doesn't parse (the [`UriError`] as source), or a `PYRO_*`
    /// variable is refused (the [`ConfigError`] as source; Python fails at import), e.g.
    /// `PYRO_SERIALIZER=foo` ("unknown serializer configured").
    ///
    /// [`UriError`]: crate::wire::uri::UriError
    /// [`ConfigError`]: crate::config::ConfigError
    pub fn new(uri: impl AsRef<str>) -> Result<Proxy> {
        let text = uri.as_ref();
        let uri = Uri::parse(text).map_err(|e| {
            Error::new(ErrorKind::Config, format!("invalid URI '{text}'")).with_source(e)
        })?;
        Proxy::from_uri(uri)
    }

    /// [`Proxy::new`] for a parsed URI (settings from the `PYRO_*` environment).
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a refused `PYRO_*` variable.
    pub fn from_uri(uri: Uri) -> Result<Proxy> {
        Ok(Proxy::with_settings(uri, ProxySettings::from_env()?))
    }

    /// A proxy for `uri` with exactly these settings; the environment is not read.
    pub fn with_settings(uri: Uri, settings: ProxySettings) -> Proxy {
        Proxy {
            inner: Arc::new(Inner::new(uri, settings)),
        }
    }

    /// The settings this proxy talks with.
    pub fn settings(&self) -> &ProxySettings {
        &self.inner.settings
    }

    /// A new proxy for the same URI with `change` applied to a copy of the settings; it
    /// connects afresh, and clones of `self` keep their settings and connections.
    fn fork(self, change: impl FnOnce(&mut ProxySettings)) -> Proxy {
        let mut settings = self.inner.settings.clone();
        change(&mut settings);
        Proxy::with_settings(self.inner.uri.clone(), settings)
    }

    /// Uses `serializer` for requests (Python: `proxy._pyroSerializer`).
    #[must_use]
    pub fn with_serializer(self, serializer: Serializer) -> Proxy {
        self.fork(|s| s.serializer = serializer)
    }

    /// Speaks this protocol: [`Protocol::Auto`] (the default), Pyro4 (protocol 48) or Pyro5
    /// (protocol 502); a [`ProtocolVersion`] converts. [`Proxy::new`] and the `pyroxene` tools
    /// take it from `PYROXENE_PROTOCOL` ([`Config::protocol`](crate::Config::protocol)).
    ///
    /// What `auto` does, once per proxy, on its first connection: with an HMAC key or the
    /// pickle serializer (Pyro4-only) it speaks Pyro4 outright. Otherwise it sends the Pyro5
    /// CONNECT. A Pyro5 daemon answers it and the proxy speaks Pyro5 from then on. A Pyro4
    /// daemon reads the first 24 bytes as a Pyro4 header, fails with "invalid data or
    /// unsupported protocol version", answers with a Pyro4-framed CONNECTFAIL carrying that
    /// text and closes that one connection (it goes on serving everybody else). The proxy
    /// recognises the Pyro4 header of that answer (`PYRO` + protocol 48), opens a new
    /// connection and does the Pyro4 handshake (CONNECT with META_ON_CONNECT); from then on
    /// it speaks Pyro4. Any other answer is an error as with a fixed protocol. A clone made
    /// before the first connection detects on its own; [`Proxy::release`] keeps the answer.
    #[must_use]
    pub fn with_protocol(self, protocol: impl Into<Protocol>) -> Proxy {
        let protocol = protocol.into();
        self.fork(|s| s.protocol = protocol)
    }

    /// Pyro4's HMAC key (`proxy._pyroHmacKey`): every message is signed with it and every
    /// reply must carry a matching signature (Pyro4 4.82 reads no key from the environment
    /// or config; neither does this). Implies protocol 4 under `auto`; with
    /// [`Proxy::with_protocol`] Pyro5 the first connection fails ([`ErrorKind::Config`]:
    /// Pyro5 has no HMAC). An empty key means none, as in Pyro4.
    #[must_use]
    pub fn with_hmac_key(self, key: impl AsRef<[u8]>) -> Proxy {
        let key = key.as_ref();
        let key = (!key.is_empty()).then(|| HmacKey::from(key));
        self.fork(|s| s.hmac_key = key)
    }

    /// The protocol this proxy speaks: the fixed one, or what `auto` detected (`None` while
    /// `auto` hasn't connected yet).
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.inner.known_version()
    }

    /// Makes sure the protocol is known before a message is built (`auto` connects once).
    pub(crate) async fn ensure_version(&self) -> Result<ProtocolVersion> {
        if let Some(v) = self.inner.known_version() {
            return Ok(v);
        }
        let conn = self.checkout().await?;
        self.checkin(conn);
        Ok(self.inner.version())
    }

    /// Gives up on a call (and its connection) after `timeout` (Pyro's COMMTIMEOUT; `None`
    /// or zero: no limit).
    #[must_use]
    pub fn with_timeout(self, timeout: Option<Duration>) -> Proxy {
        self.fork(|s| s.timeout = timeout.filter(|t| !t.is_zero()))
    }

    /// Re-sends a call this many times, each on a fresh connection, when the connection was
    /// closed or the call timed out (Pyro's MAX_RETRIES; 0 by default), as Python's proxy does
    /// for `ConnectionClosedError` and `TimeoutError`. Failing to connect at all, remote
    /// exceptions and refused messages are never retried. A retried call may run twice on the
    /// server (when only its reply was lost), as in Pyro.
    #[must_use]
    pub fn with_max_retries(self, retries: u32) -> Proxy {
        self.fork(|s| s.max_retries = retries)
    }

    /// The data sent in the connect handshake (`"hello"` by default). The daemon's validator
    /// sees it; its answer is [`Proxy::handshake_response`].
    #[must_use]
    pub fn with_handshake(self, data: Value) -> Proxy {
        self.fork(|s| s.handshake = data)
    }

    /// Compresses request payloads over 100 bytes (Pyro's COMPRESSION, Pyro5's rule: zlib
    /// level 4; off by default). Compressed replies are inflated whatever this says.
    #[must_use]
    pub fn with_compression(self, on: bool) -> Proxy {
        self.fork(|s| s.compression = on)
    }

    /// The largest message sent or accepted (Pyro's MAX_MESSAGE_SIZE, 1 GiB by default). A call
    /// whose request would be larger fails with [`ErrorKind::Protocol`] ("message too large")
    /// before anything is sent.
    #[must_use]
    pub fn with_max_message_size(self, bytes: u64) -> Proxy {
        self.fork(|s| s.max_message_size = bytes)
    }

    /// Sends annotation `id` with every message, replacing an earlier one of that id
    /// (Python: `current_context.annotations`, which every proxy of the thread sends). A
    /// call's [`RequestContext`] can add more.
    ///
    /// ```
    /// use pyroxene::AnnotationId;
    /// const XTRC: AnnotationId = AnnotationId::from_static(b"XTRC");
    /// let proxy = pyroxene::Proxy::with_settings(
    ///     "PYRO:obj@127.0.0.1:4000".parse()?,
    ///     Default::default(),
    /// );
    /// let tagged = proxy.clone().with_annotation(XTRC, b"trace-1".to_vec());
    /// assert_eq!(tagged.settings().annotations, [(XTRC, b"trace-1".to_vec())]);
    /// assert!(proxy.settings().annotations.is_empty()); // the original keeps its own
    /// # Ok::<(), pyroxene::Error>(())
    /// ```
    #[must_use]
    pub fn with_annotation(self, id: AnnotationId, value: Vec<u8>) -> Proxy {
        self.fork(|s| {
            s.annotations.retain(|(k, _)| *k != id);
            s.annotations.push((id, value));
        })
    }

    /// Sends this correlation id with every call (Python: `current_context.correlation_id`);
    /// `None` passes on the id of the call being served, if any, else lets the daemon make
    /// one per call.
    #[must_use]
    pub fn with_correlation_id(self, id: Option<CorrelationId>) -> Proxy {
        self.fork(|s| s.correlation_id = id)
    }

    /// The URI this proxy calls.
    pub fn uri(&self) -> &Uri {
        &self.inner.uri
    }

    /// Connects now (otherwise the first call does) and returns the object's metadata.
    ///
    /// # Errors
    /// When the daemon can't be reached or refuses the connection.
    pub async fn connect(&self) -> Result<Metadata> {
        let conn = self.checkout().await?;
        self.checkin(conn);
        self.metadata()
            .ok_or_else(|| Error::new(ErrorKind::Protocol, "no metadata received"))
    }

    /// What the daemon's handshake validator answered on the latest connect (`"hello"` from a
    /// daemon without one), if connected once.
    pub fn handshake_response(&self) -> Option<Value> {
        self.inner
            .handshake_response
            .lock()
            .ok()
            .and_then(|h| h.clone())
    }

    /// The certificate the server showed on the latest connect, verified (TLS only; Python:
    /// `proxy._pyroConnection.getpeercert()`, which Pyro5's ssl example checks in
    /// `_pyroValidateHandshake`).
    ///
    /// ```no_run
    /// # async fn run() -> pyroxene::Result<()> {
    /// let proxy = pyroxene::Proxy::new("PYRO:example@localhost:9090")?; // with PYRO_SSL=1
    /// proxy.connect().await?;
    /// let cert = proxy.peer_certificate().expect("a TLS connection");
    /// println!("serial={} subject={:?}", cert.serial_number, cert.subject_field("organizationName"));
    /// # Ok(()) }
    /// ```
    pub fn peer_certificate(&self) -> Option<Arc<crate::tls::PeerCertificate>> {
        self.inner
            .peer_certificate
            .lock()
            .ok()
            .and_then(|c| c.clone())
    }

    /// The metadata learned when connecting, if connected once.
    pub fn metadata(&self) -> Option<Metadata> {
        self.inner.metadata.lock().ok().and_then(|m| m.clone())
    }

    /// Closes the idle connections (Pyro's `_pyroRelease`); the next call reconnects.
    pub fn release(&self) {
        if let Ok(mut idle) = self.inner.idle.lock() {
            idle.clear();
        }
    }

    /// Calls `method` with positional `args` (a tuple or list Value, e.g. `tuple![1, 2]`, given
    /// or lent: `&args` sends the same arguments again without a clone) and optional keyword
    /// arguments. A method the metadata marks oneway returns `None` at once.
    ///
    /// # Errors
    /// [`ErrorKind::Remote`] with the exception the method raised; communication, timeout and
    /// protocol errors otherwise.
    /// A method that returns an iterator (an item stream) fails with [`ErrorKind::Protocol`]
    /// and the stream is closed at once: use [`Proxy::call_stream`] for those.
    pub async fn call(
        &self,
        method: &str,
        args: impl Borrow<Value>,
        kwargs: Option<Dict>,
    ) -> Result<Value> {
        let oneway = self.is_oneway(method);
        self.invoke(method, args.borrow(), kwargs.as_ref(), oneway, None)
            .await?
            .into_value(self)
            .await
    }

    /// Calls a method that returns an iterator or generator (Pyro's item streaming) and
    /// returns its items as a [`RemoteStream`] of `T` ([`Value`] by default; see
    /// [`RemoteStream::typed`]).
    ///
    /// # Errors
    /// As [`Proxy::call`]; [`ErrorKind::Protocol`] when the method returned a plain value
    /// ("result of call is not an iterator"; the value is dropped) or the daemon has
    /// streaming off (Python's text: "result of call is an iterator, but the server is not
    /// configured to allow streaming").
    pub async fn call_stream(
        &self,
        method: &str,
        args: impl Borrow<Value>,
        kwargs: Option<Dict>,
    ) -> Result<RemoteStream> {
        let raw = self
            .invoke(method, args.borrow(), kwargs.as_ref(), false, None)
            .await?;
        match raw.stream {
            Some(id) => Ok(RemoteStream::new(self.clone(), id)),
            None => Err(Error::new(
                ErrorKind::Protocol,
                "result of call is not an iterator",
            )),
        }
    }

    /// Starts a batch of calls sent as one message (Python: `BatchProxy`).
    pub fn batch(&self) -> Batch {
        Batch::new(self.clone())
    }

    /// Calls `method` like [`Proxy::call`], sending the annotations and correlation id of
    /// `request` too, and returns the whole [`Response`]: the value plus the reply's
    /// annotations and correlation id (Python: `current_context.response_annotations`).
    ///
    /// ```no_run
    /// # async fn run(proxy: pyroxene::Proxy) -> pyroxene::Result<()> {
    /// use pyroxene::client::RequestContext;
    /// use pyroxene::AnnotationId;
    /// const XREQ: AnnotationId = AnnotationId::from_static(b"XREQ");
    /// const XRSP: AnnotationId = AnnotationId::from_static(b"XRSP");
    /// let request = RequestContext::new().annotation(XREQ, b"token".to_vec());
    /// let reply = proxy.call_with_context("echo", pyroxene::tuple![1], None, &request).await?;
    /// println!("{:?} {:?}", reply.annotation(XRSP), reply.correlation_id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Proxy::call`].
    pub async fn call_with_context(
        &self,
        method: &str,
        args: impl Borrow<Value>,
        kwargs: Option<Dict>,
        request: &RequestContext,
    ) -> Result<Response> {
        match self
            .call_reply(method, args, kwargs, request, false)
            .await?
        {
            super::Reply::Value(response) => Ok(response),
            super::Reply::Stream(stream) => {
                let _ = stream.close().await;
                Err(iterator_error())
            }
        }
    }

    /// Whether the metadata marks `method` oneway (checked in place: no copy per call).
    pub(super) fn is_oneway(&self, method: &str) -> bool {
        self.inner
            .metadata
            .lock()
            .is_ok_and(|m| m.as_ref().is_some_and(|m| m.oneway.contains(method)))
    }

    /// Calls with serde arguments and result: `proxy.call_as::<i64>("add", (1, 2))`.
    ///
    /// The arguments are a tuple with one item per positional argument (`()`, `(x,)`,
    /// `(a, b)`...), or an [`Args`](super::Args) with keyword arguments too (see
    /// [`IntoArgs`]): `call_as("sum", (vec![1, 2, 3],))` calls `sum([1, 2, 3])`.
    ///
    /// # Errors
    /// As [`Proxy::call`], plus serialization errors of the arguments or the result.
    pub async fn call_as<T: DeserializeOwned>(
        &self,
        method: &str,
        args: impl IntoArgs,
    ) -> Result<T> {
        let (args, kwargs) = args.into_args()?.into_parts();
        let value = self.call(method, args, kwargs).await?;
        self.read_reply(value)
    }

    /// Calls `method` without waiting for (or getting) a result, whatever the metadata says.
    ///
    /// # Errors
    /// When the message can't be sent.
    pub async fn call_oneway(
        &self,
        method: &str,
        args: impl Borrow<Value>,
        kwargs: Option<Dict>,
    ) -> Result<()> {
        self.invoke(method, args.borrow(), kwargs.as_ref(), true, None)
            .await
            .map(|_| ())
    }

    /// Reads a remote attribute (an exposed property).
    ///
    /// # Errors
    /// As [`Proxy::call`].
    pub async fn get_attr(&self, name: &str) -> Result<Value> {
        self.invoke(
            "__getattr__",
            &Value::Tuple(vec![Value::from(name)]),
            None,
            false,
            None,
        )
        .await?
        .into_value(self)
        .await
    }

    /// Writes a remote attribute (an exposed property).
    ///
    /// # Errors
    /// As [`Proxy::call`].
    pub async fn set_attr(&self, name: &str, value: Value) -> Result<()> {
        self.invoke(
            "__setattr__",
            &Value::Tuple(vec![Value::from(name), value]),
            None,
            false,
            None,
        )
        .await
        .map(|_| ())
    }

    pub(super) async fn invoke(
        &self,
        method: &str,
        args: &Value,
        kwargs: Option<&Dict>,
        oneway: bool,
        request: Option<&RequestContext>,
    ) -> Result<Raw> {
        self.ensure_version().await?;
        let inner = &*self.inner;
        // Built, compressed and size-checked once: a refused message is never sent (nor retried).
        if inner.uri.protocol() == UriProtocol::Pyro {
            let msg =
                inner.call_message(inner.uri.object(), method, args, kwargs, oneway, request)?;
            return self.send_with_retries(msg, None).await;
        }
        // A proxy that resolves names keeps the arguments at hand, as each new connection may
        // find another object id to put in the message.
        let object = resolve::call_object(inner);
        let mut retarget = Retarget {
            object: object.clone(),
            method,
            args,
            kwargs,
            oneway,
            request,
        };
        let msg = inner.call_message(&object, method, args, kwargs, oneway, request)?;
        self.send_with_retries(msg, Some(&mut retarget)).await
    }

    /// Calls `method` of object `object` (the proxy's own when `None`) on this proxy's
    /// connections: how streams reach `Pyro.Daemon`.
    pub(super) async fn invoke_on(
        &self,
        object: Option<&str>,
        method: &str,
        args: &Value,
        kwargs: Option<&Dict>,
        oneway: bool,
    ) -> Result<Raw> {
        let Some(object) = object else {
            return self.invoke(method, args, kwargs, oneway, None).await;
        };
        self.ensure_version().await?;
        let msg = self
            .inner
            .call_message(object, method, args, kwargs, oneway, None)?;
        self.send_with_retries(msg, None).await
    }

    /// Sends a built message, retrying as configured (see [`Proxy::with_max_retries`]).
    pub(super) async fn send_with_retries(
        &self,
        mut msg: Message,
        mut retarget: Option<&mut Retarget<'_>>,
    ) -> Result<Raw> {
        let mut attempt = 0;
        loop {
            match self
                .send_call(&mut msg, attempt > 0, retarget.as_deref_mut())
                .await
            {
                Err(e)
                    if matches!(e.kind(), ErrorKind::ConnectionClosed | ErrorKind::Timeout)
                        && attempt < self.inner.settings.max_retries =>
                {
                    attempt += 1;
                    tracing::debug!("retrying a call after: {e}");
                }
                other => return other,
            }
        }
    }

    /// Sends the call on a pooled connection (a new one when `fresh`) and reads the reply.
    async fn send_call(
        &self,
        msg: &mut Message,
        fresh: bool,
        retarget: Option<&mut Retarget<'_>>,
    ) -> Result<Raw> {
        let oneway = msg.has(Flags::ONEWAY);
        // Pinned where it is made: moving this future (over a kilobyte, its read and write
        // states included) into the await cost a copy of it per call.
        let work = std::pin::pin!(async {
            let mut pooled = if fresh {
                Box::new(open(&self.inner).await?)
            } else {
                self.checkout().await?
            };
            if let Some(retarget) = retarget
                && let Some(again) = retarget.message_for(&self.inner, &pooled.object)?
            {
                *msg = again;
            }
            pooled.seq = pooled.seq.wrapping_add(1);
            msg.seq = pooled.seq;
            pooled.conn.write_message(msg).await?;
            if oneway {
                self.checkin(pooled);
                return Ok(Raw::from(Response {
                    value: Value::None,
                    annotations: Default::default(),
                    correlation_id: None,
                }));
            }
            let reply = pooled.conn.read_message().await?.ok_or_else(|| {
                Error::new(
                    ErrorKind::ConnectionClosed,
                    "connection closed by the daemon",
                )
            })?;
            if reply.msg_type != MessageType::Result {
                return Err(Error::new(
                    ErrorKind::Protocol,
                    "invoke: invalid msg type received",
                ));
            }
            if reply.seq != pooled.seq {
                return Err(Error::new(
                    ErrorKind::Protocol,
                    format!(
                        "invoke: reply sequence out of sync, got {} expected {}",
                        reply.seq, pooled.seq
                    ),
                ));
            }
            if reply.serializer_id != msg.serializer_id {
                return Err(Error::new(
                    ErrorKind::Serialize,
                    format!("invalid serializer in response: {}", reply.serializer_id),
                ));
            }
            let annotations = reply
                .annotations
                .iter()
                .map(|(id, v)| (id, v.to_vec()))
                .collect();
            let correlation_id = reply.correlation_id;
            // Checked before EXCEPTION: a stream reply is an exception reply for old clients.
            if reply.has(Flags::ITEMSTREAMRESULT) {
                self.checkin(pooled);
                let id = reply
                    .annotation(AnnotationId::STRM)
                    .map(|id| String::from_utf8_lossy(id).into_owned())
                    .filter(|id| !id.is_empty())
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::Protocol,
                            "result of call is an iterator, but the server is not configured to allow streaming",
                        )
                    })?;
                return Ok(Raw {
                    response: Response {
                        value: Value::None,
                        annotations,
                        correlation_id,
                    },
                    stream: Some(id),
                });
            }
            let mut value = self
                .inner
                .settings
                .serializer
                .decode_shared(&reply.payload)?;
            self.checkin(pooled);
            if reply.has(Flags::EXCEPTION) {
                return Err(Error::from(remote_exception(value)));
            }
            if self.inner.version() == ProtocolVersion::V4 {
                // Values inside pyroxene carry Pyro5's class names (what serde writes), so a
                // URI a Pyro4 daemon returned reaches a Pyro5 caller it is passed on to.
                pyroxene_wire::dialect::translate_objects(&mut value, ProtocolVersion::V5);
            }
            Ok(Raw::from(Response {
                value,
                annotations,
                correlation_id,
            }))
        });
        match self.inner.settings.timeout {
            Some(t) => tokio::time::timeout(t, work)
                .await
                .map_err(|_| Error::new(ErrorKind::Timeout, "receiving: timeout"))?,
            None => work.await,
        }
    }

    fn checkin(&self, conn: Box<PooledConnection>) {
        if let Ok(mut idle) = self.inner.idle.lock() {
            idle.push(conn);
        }
    }

    async fn checkout(&self) -> Result<Box<PooledConnection>> {
        if let Some(conn) = self.inner.idle.lock().ok().and_then(|mut i| i.pop()) {
            return Ok(conn);
        }
        open(&self.inner).await.map(Box::new)
    }
}

impl Inner {
    /// An INVOKE message, compressed and size-checked.
    pub(super) fn call_message(
        &self,
        object: &str,
        method: &str,
        args: &Value,
        kwargs: Option<&Dict>,
        oneway: bool,
        request: Option<&RequestContext>,
    ) -> Result<Message> {
        // Python proxies send `{}` when there are no keyword arguments.
        static NO_KWARGS: LazyLock<Dict> = LazyLock::new(Dict::default);
        let kwargs = kwargs.unwrap_or(&NO_KWARGS);
        let payload = self
            .settings
            .serializer
            .encode_call(object, method, args, Some(kwargs))?;
        let mut msg = self.message(MessageType::Invoke, 0, payload, request)?;
        if oneway {
            msg.flags.insert(Flags::ONEWAY);
        }
        prepare(
            self.version(),
            &mut msg,
            self.settings.compression,
            self.settings.max_message_size,
        )?;
        Ok(msg)
    }
}

/// A reply as `send_call` read it: the response, and the stream id of an item-stream reply.
pub(super) struct Raw {
    pub(super) response: Response,
    pub(super) stream: Option<String>,
}

impl From<Response> for Raw {
    fn from(response: Response) -> Raw {
        Raw {
            response,
            stream: None,
        }
    }
}

impl Raw {
    /// The value of a plain reply; a stream reply closes the stream and fails.
    pub(super) async fn into_value(self, proxy: &Proxy) -> Result<Value> {
        match self.stream {
            None => Ok(self.response.value),
            Some(id) => {
                let _ = super::stream::close_stream(proxy, &id).await;
                Err(iterator_error())
            }
        }
    }
}

fn iterator_error() -> Error {
    Error::new(
        ErrorKind::Protocol,
        "result of call is an iterator: use Proxy::call_stream to read it",
    )
}

/// The exception dict of an EXCEPTION reply as a [`RemoteException`].
fn remote_exception(value: Value) -> RemoteException {
    RemoteException::from_value(&value).unwrap_or_else(|e| {
        RemoteException::pyro(
            pyroxene_wire::dialect::PyroErrorClass::ProtocolError,
            format!("invalid exception reply: {e}: {value}"),
        )
    })
}
