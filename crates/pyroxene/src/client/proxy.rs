//! [`Proxy`]: calls the methods of a remote Pyro object.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyroxene_wire::protocol::{CorrelationId, Flags, Message, MessageType};
use pyroxene_wire::{Dict, ProtocolVersion, Serializer, Value, from_value, to_value};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::{TcpStream, UnixStream};

use crate::error::{Error, ErrorKind, Result};
use crate::server::Metadata;
use crate::transport::{Connection, Stream};
use crate::{RemoteException, Uri};

/// A proxy for a remote object at a `PYRO:` URI.
///
/// Connects lazily on the first call and learns the object's metadata (methods, oneway methods,
/// attributes) in the connect handshake. Unlike Python's proxy it is `Clone + Send + Sync` and
/// may be used from many tasks at once: each concurrent call takes its own connection from a
/// small pool (the wire allows one call in flight per connection).
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
    inner: Arc<Inner>,
}

struct Inner {
    uri: Uri,
    serializer: Serializer,
    timeout: Option<Duration>,
    max_retries: u32,
    handshake: Value,
    max_message_size: u64,
    idle: Mutex<Vec<PooledConnection>>,
    metadata: Mutex<Option<Metadata>>,
    correlation_id: Mutex<Option<[u8; 16]>>,
    annotations: Mutex<Vec<(String, Vec<u8>)>>,
}

struct PooledConnection {
    conn: Connection,
    seq: u16,
}

const VERSION: ProtocolVersion = ProtocolVersion::V5;

impl Proxy {
    /// A proxy for `uri` (a `PYRO:` URI; `PYRONAME:` needs the name server, a later issue).
    ///
    /// # Errors
    /// When the URI doesn't parse or isn't a `PYRO:` URI.
    pub fn new(uri: impl AsRef<str>) -> Result<Proxy> {
        let uri =
            Uri::parse(uri.as_ref()).map_err(|e| Error::new(ErrorKind::Config, e.to_string()))?;
        Ok(Proxy::from_uri(uri))
    }

    /// A proxy for a parsed URI.
    pub fn from_uri(uri: Uri) -> Proxy {
        Proxy {
            inner: Arc::new(Inner {
                uri,
                serializer: Serializer::Serpent,
                timeout: None,
                max_retries: 0,
                handshake: Value::from("hello"),
                max_message_size: 1_073_741_824,
                idle: Mutex::new(Vec::new()),
                metadata: Mutex::new(None),
                correlation_id: Mutex::new(None),
                annotations: Mutex::new(Vec::new()),
            }),
        }
    }

    fn reconfigure(self, change: impl FnOnce(&mut Inner)) -> Proxy {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            uri: shared.uri.clone(),
            serializer: shared.serializer,
            timeout: shared.timeout,
            max_retries: shared.max_retries,
            handshake: shared.handshake.clone(),
            max_message_size: shared.max_message_size,
            idle: Mutex::new(Vec::new()),
            metadata: Mutex::new(None),
            correlation_id: Mutex::new(None),
            annotations: Mutex::new(Vec::new()),
        });
        change(&mut inner);
        Proxy {
            inner: Arc::new(inner),
        }
    }

    /// Uses `serializer` for requests (serpent by default).
    #[must_use]
    pub fn with_serializer(self, serializer: Serializer) -> Proxy {
        self.reconfigure(|i| i.serializer = serializer)
    }

    /// Gives up on a call (and its connection) after `timeout` (Pyro's COMMTIMEOUT).
    #[must_use]
    pub fn with_timeout(self, timeout: Option<Duration>) -> Proxy {
        self.reconfigure(|i| i.timeout = timeout.filter(|t| !t.is_zero()))
    }

    /// Retries a call this many times on a fresh connection when the connection fails
    /// (Pyro's MAX_RETRIES; 0 by default). Remote exceptions are never retried.
    #[must_use]
    pub fn with_max_retries(self, retries: u32) -> Proxy {
        self.reconfigure(|i| i.max_retries = retries)
    }

    /// The data sent in the connect handshake (`"hello"` by default).
    #[must_use]
    pub fn with_handshake(self, data: Value) -> Proxy {
        self.reconfigure(|i| i.handshake = data)
    }

    /// The URI this proxy calls.
    pub fn uri(&self) -> &Uri {
        &self.inner.uri
    }

    /// Sends this correlation id with every following call (Pyro's
    /// `current_context.correlation_id`); `None` lets the daemon make one per call.
    pub fn set_correlation_id(&self, id: Option<[u8; 16]>) {
        if let Ok(mut c) = self.inner.correlation_id.lock() {
            *c = id;
        }
    }

    /// Adds an annotation (4 ASCII characters) sent with every following message.
    pub fn set_annotation(&self, id: &str, value: Vec<u8>) {
        if let Ok(mut a) = self.inner.annotations.lock() {
            a.retain(|(k, _)| k != id);
            a.push((id.to_owned(), value));
        }
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

    /// Calls `method` with positional `args` (a tuple or list Value, e.g. `tuple![1, 2]`) and
    /// optional keyword arguments. A method the metadata marks oneway returns `None` at once.
    ///
    /// # Errors
    /// [`ErrorKind::Remote`] with the exception the method raised; communication, timeout and
    /// protocol errors otherwise.
    pub async fn call(&self, method: &str, args: Value, kwargs: Option<Dict>) -> Result<Value> {
        let oneway = self
            .inner
            .metadata
            .lock()
            .is_ok_and(|m| m.as_ref().is_some_and(|m| m.oneway.contains(method)));
        self.invoke(method, args, kwargs, oneway).await
    }

    /// Calls with serde arguments and result: `proxy.call_as::<i64>("add", (1, 2))`.
    ///
    /// # Errors
    /// As [`Proxy::call`], plus serialization errors of the arguments or the result.
    pub async fn call_as<T: DeserializeOwned>(
        &self,
        method: &str,
        args: impl Serialize,
    ) -> Result<T> {
        let args = match to_value(&args)? {
            Value::Tuple(items) | Value::List(items) => Value::Tuple(items),
            Value::None => Value::Tuple(Vec::new()),
            single => Value::Tuple(vec![single]),
        };
        Ok(from_value(self.call(method, args, None).await?)?)
    }

    /// Calls `method` without waiting for (or getting) a result, whatever the metadata says.
    ///
    /// # Errors
    /// When the message can't be sent.
    pub async fn call_oneway(&self, method: &str, args: Value, kwargs: Option<Dict>) -> Result<()> {
        self.invoke(method, args, kwargs, true).await.map(|_| ())
    }

    /// Reads a remote attribute (an exposed property).
    ///
    /// # Errors
    /// As [`Proxy::call`].
    pub async fn get_attr(&self, name: &str) -> Result<Value> {
        self.invoke(
            "__getattr__",
            Value::Tuple(vec![Value::from(name)]),
            None,
            false,
        )
        .await
    }

    /// Writes a remote attribute (an exposed property).
    ///
    /// # Errors
    /// As [`Proxy::call`].
    pub async fn set_attr(&self, name: &str, value: Value) -> Result<()> {
        self.invoke(
            "__setattr__",
            Value::Tuple(vec![Value::from(name), value]),
            None,
            false,
        )
        .await
        .map(|_| ())
    }

    async fn invoke(
        &self,
        method: &str,
        args: Value,
        kwargs: Option<Dict>,
        oneway: bool,
    ) -> Result<Value> {
        if self.inner.max_retries == 0 {
            return self.invoke_once(method, args, kwargs, oneway).await;
        }
        let mut attempt = 0;
        loop {
            match self
                .invoke_once(method, args.clone(), kwargs.clone(), oneway)
                .await
            {
                Err(e)
                    if e.is_communication()
                        && !e.is_timeout()
                        && attempt < self.inner.max_retries =>
                {
                    attempt += 1;
                    tracing::debug!("retrying {method} after: {e}");
                }
                other => return other,
            }
        }
    }

    async fn invoke_once(
        &self,
        method: &str,
        args: Value,
        kwargs: Option<Dict>,
        oneway: bool,
    ) -> Result<Value> {
        let work = async {
            let mut pooled = self.checkout().await?;
            let ser = self.inner.serializer;
            let payload = ser.encode_call(
                self.inner.uri.object(),
                method,
                args,
                Some(kwargs.unwrap_or_default()),
            )?;
            pooled.seq = pooled.seq.wrapping_add(1);
            let mut msg = self.message(MessageType::Invoke, pooled.seq, payload)?;
            if oneway {
                msg.flags.insert(Flags::ONEWAY);
            }
            pooled.conn.write_message(&msg).await?;
            if oneway {
                self.checkin(pooled);
                return Ok(Value::None);
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
            if reply.serializer_id != u16::from(ser.id(VERSION)) {
                return Err(Error::new(
                    ErrorKind::Serialize,
                    format!("invalid serializer in response: {}", reply.serializer_id),
                ));
            }
            let value = ser.decode(&reply.payload)?;
            self.checkin(pooled);
            if reply.has(Flags::EXCEPTION) {
                return Err(Error::from(remote_exception(value)));
            }
            Ok(value)
        };
        match self.inner.timeout {
            Some(t) => tokio::time::timeout(t, work)
                .await
                .map_err(|_| Error::new(ErrorKind::Timeout, "receiving: timeout"))?,
            None => work.await,
        }
    }

    fn message(&self, msg_type: MessageType, seq: u16, payload: Vec<u8>) -> Result<Message> {
        let ser_id = u16::from(self.inner.serializer.id(VERSION));
        let mut msg = Message::new(msg_type, ser_id, seq, payload);
        if let Some(id) = self.inner.correlation_id.lock().ok().and_then(|c| *c) {
            msg = msg.with_correlation_id(CorrelationId(id));
        }
        if let Ok(annotations) = self.inner.annotations.lock() {
            for (id, value) in annotations.iter() {
                msg = msg
                    .with_annotation(id, value.clone())
                    .map_err(|e| Error::new(ErrorKind::Config, e.to_string()))?;
            }
        }
        Ok(msg)
    }

    fn checkin(&self, conn: PooledConnection) {
        if let Ok(mut idle) = self.inner.idle.lock() {
            idle.push(conn);
        }
    }

    async fn checkout(&self) -> Result<PooledConnection> {
        if let Some(conn) = self.inner.idle.lock().ok().and_then(|mut i| i.pop()) {
            return Ok(conn);
        }
        self.open().await
    }

    /// A new connection with the connect handshake done.
    async fn open(&self) -> Result<PooledConnection> {
        let uri = &self.inner.uri;
        let location = uri.location().unwrap_or_default();
        let stream = match uri.sockname() {
            Some(path) => Stream::Unix(
                connect_unix(path)
                    .await
                    .map_err(|e| comm_error(&location, e))?,
            ),
            None => {
                let host = uri
                    .host()
                    .ok_or_else(|| Error::new(ErrorKind::Config, "uri has no host"))?;
                let port = uri
                    .port()
                    .ok_or_else(|| Error::new(ErrorKind::Config, "uri has no port"))?;
                let tcp = TcpStream::connect((host, port))
                    .await
                    .map_err(|e| comm_error(&location, e))?;
                tcp.set_nodelay(true)?;
                Stream::Tcp(tcp)
            }
        };
        let mut conn = Connection::new(stream, VERSION, self.inner.max_message_size);
        conn.accept(&[MessageType::ConnectOk, MessageType::ConnectFail]);
        let ser = self.inner.serializer;
        let data = pyroxene_wire::dict! { "handshake" => self.inner.handshake.clone(), "object" => uri.object() };
        let msg = self.message(MessageType::Connect, 0, ser.encode(&data)?)?;
        conn.write_message(&msg).await?;
        let reply = conn.read_message().await?.ok_or_else(|| {
            Error::new(
                ErrorKind::ConnectionClosed,
                "connection closed during the handshake",
            )
        })?;
        // The reply may come in any serializer (CONNECTFAIL for early errors is marshal).
        let reply_ser = reply.serializer(VERSION).unwrap_or(Serializer::Marshal);
        let body = reply_ser.decode(&reply.payload)?;
        match reply.msg_type {
            MessageType::ConnectOk => {
                if let Some(meta) = body.get("meta") {
                    let meta = Metadata::from_value(meta).map_err(|e| {
                        Error::new(ErrorKind::Protocol, format!("invalid metadata: {e}"))
                    })?;
                    if meta.methods.is_empty() && meta.attrs.is_empty() {
                        return Err(Error::new(
                            ErrorKind::Daemon,
                            format!(
                                "remote object '{uri}' doesn't expose any methods or attributes"
                            ),
                        ));
                    }
                    if let Ok(mut m) = self.inner.metadata.lock() {
                        *m = Some(meta);
                    }
                }
                conn.accept(&[MessageType::Result]);
                Ok(PooledConnection { conn, seq: 0 })
            }
            MessageType::ConnectFail => {
                let text = body
                    .as_str()
                    .map_or_else(|| body.to_string(), str::to_owned);
                Err(Error::new(
                    ErrorKind::Daemon,
                    format!("connection to {location} rejected: {text}"),
                ))
            }
            other => Err(Error::new(
                ErrorKind::Protocol,
                format!("connect: invalid msg type {} received", other.number()),
            )),
        }
    }
}

fn comm_error(location: &str, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Communication,
        format!("cannot connect to {location}: {e}"),
    )
    .with_source(e)
}

async fn connect_unix(path: &str) -> std::io::Result<UnixStream> {
    if let Some(name) = path.strip_prefix('\0') {
        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            let std_stream = std::os::unix::net::UnixStream::connect_addr(&addr)?;
            std_stream.set_nonblocking(true)?;
            return UnixStream::from_std(std_stream);
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = name;
            return Err(std::io::Error::other("abstract unix sockets need Linux"));
        }
    }
    UnixStream::connect(path).await
}

/// The exception dict of an EXCEPTION reply as a [`RemoteException`].
fn remote_exception(value: Value) -> RemoteException {
    RemoteException::from_value(&value).unwrap_or_else(|e| {
        RemoteException::new(
            "Pyro5.errors.ProtocolError",
            format!("invalid exception reply: {e}: {value}"),
        )
    })
}
