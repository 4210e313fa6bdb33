//! Opening a proxy connection: the socket (TCP, unix path or Linux abstract socket) and the
//! connect handshake (CONNECT -> CONNECTOK with metadata, or CONNECTFAIL).

use pyroxene_wire::dialect::{ConnectRequest, ConnectResponse};
use pyroxene_wire::protocol::{Flags, Message, MessageType};
use pyroxene_wire::{ProtocolVersion, Serializer, Value};
use tokio::net::{TcpStream, UnixStream};

use super::proxy::{Inner, PooledConnection};
use crate::error::{Error, ErrorKind, Result};
use crate::transport::{Connection, Stream, connection_codec, prepare};

/// A new connection to `inner.uri` with the connect handshake done; remembers the metadata and
/// the handshake response in `inner` (and under `auto`, the protocol the daemon speaks: see
/// [`super::Proxy::with_protocol`]).
pub(super) async fn open(inner: &Inner) -> Result<PooledConnection> {
    let target = super::resolve::connect_target(inner).await?;
    let uri: &crate::Uri = &target;
    let Some(version) = inner.known_version() else {
        // auto: the Pyro5 CONNECT first; a Pyro4 daemon answers it with a Pyro4 CONNECTFAIL.
        return match handshake(inner, uri, ProtocolVersion::V5).await {
            Ok(conn) => {
                remember(inner, ProtocolVersion::V5);
                Ok(conn)
            }
            Err(Refused::Pyro4(first)) => {
                tracing::debug!("{first}; the daemon speaks Pyro4: reconnecting with protocol 48");
                let conn = handshake(inner, uri, ProtocolVersion::V4)
                    .await
                    .map_err(Refused::into_error)?;
                remember(inner, ProtocolVersion::V4);
                Ok(conn)
            }
            Err(Refused::Other(e)) => Err(e),
        };
    };
    handshake(inner, uri, version)
        .await
        .map_err(Refused::into_error)
}

fn remember(inner: &Inner, version: ProtocolVersion) {
    let _ = inner.detected.set(version);
}

/// Why a handshake failed: the peer answered in Pyro4 framing (what `auto` looks for), or
/// anything else.
enum Refused {
    Pyro4(Error),
    Other(Error),
}

impl Refused {
    fn into_error(self) -> Error {
        match self {
            Refused::Pyro4(e) | Refused::Other(e) => e,
        }
    }
}

impl From<Error> for Refused {
    fn from(e: Error) -> Refused {
        Refused::Other(e)
    }
}

/// Connects to `uri` and does the CONNECT handshake of protocol `version`.
async fn handshake(
    inner: &Inner,
    uri: &crate::Uri,
    version: ProtocolVersion,
) -> std::result::Result<PooledConnection, Refused> {
    let location = uri.location().unwrap_or_default();
    // Before connecting, as Python makes its SSL context first: unusable settings are a
    // configuration error whether or not the server is there.
    let tls = match &inner.settings.tls {
        Some(tls) => Some(tls.rustls_config().map_err(|e| {
            Error::new(ErrorKind::Config, "cannot use the TLS settings").with_source(e)
        })?),
        None => None,
    };
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
            let tcp = match &inner.settings.connector {
                None => TcpStream::connect((host, port)).await,
                Some(connector) => match connector.route(host, port).await {
                    Ok(addr) => TcpStream::connect(addr).await,
                    Err(e) => Err(e),
                },
            }
            .map_err(|e| comm_error(&location, e))?;
            tcp.set_nodelay(true).map_err(Error::from)?;
            Stream::Tcp(tcp)
        }
    };
    let (stream, server_certificate) = match tls {
        Some(config) => secure(config, uri, &location, stream).await?,
        None => (stream, None),
    };
    let mut conn = Connection::new(
        stream,
        connection_codec(version, inner.settings.hmac_key.clone())?,
        inner.settings.max_message_size,
    );
    conn.accept(&[MessageType::ConnectOk, MessageType::ConnectFail]);
    let settings = &inner.settings;
    let ser = settings.serializer;
    let data = ConnectRequest::new(uri.object())
        .with_handshake(settings.handshake.clone())
        .to_value();
    let mut msg = inner.message_in(
        version,
        MessageType::Connect,
        0,
        ser.encode(&data).map_err(Error::from)?,
        None,
    )?;
    if version == ProtocolVersion::V4 {
        // Pyro4 sends the metadata with CONNECTOK only when asked (Pyro5 always does).
        msg.flags.insert(Flags::META_ON_CONNECT);
    }
    prepare(
        version,
        &mut msg,
        settings.compression,
        settings.max_message_size,
    )?;
    conn.write_message(&msg).await?;
    let read = conn
        .read_message()
        .await
        .map_err(|e| refused_tls(e, &location));
    if version == ProtocolVersion::V5
        && conn.received_protocol() == Some(ProtocolVersion::V4.number())
    {
        let answer = Error::new(
            ErrorKind::Protocol,
            format!("connection to {location} answered in Pyro4"),
        );
        return Err(Refused::Pyro4(match read {
            Err(e) => answer.with_source(e),
            Ok(_) => answer,
        }));
    }
    let reply = read?.ok_or_else(|| {
        Error::new(
            ErrorKind::ConnectionClosed,
            "connection closed during the handshake",
        )
    })?;
    // The reply may come in any serializer (CONNECTFAIL for early errors is marshal).
    let reply_ser = reply.serializer(version).unwrap_or(Serializer::Marshal);
    let body = reply_ser
        .decode(&reply.payload)
        .map_err(|e| Error::new(ErrorKind::Serialize, "invalid handshake reply").with_source(e))?;
    match reply.msg_type {
        MessageType::ConnectOk => {
            accepted(inner, body)?;
            if let Ok(mut c) = inner.peer_certificate.lock() {
                *c = server_certificate.map(std::sync::Arc::new);
            }
            conn.accept(&[MessageType::Result]);
            Ok(PooledConnection {
                conn,
                seq: 0,
                object: uri.object().to_owned(),
            })
        }
        MessageType::ConnectFail => {
            let text = body
                .as_str()
                .map_or_else(|| body.to_string(), str::to_owned);
            Err(Refused::Other(Error::new(
                ErrorKind::Daemon,
                format!("connection to {location} rejected: {text}"),
            )))
        }
        other => Err(Refused::Other(Error::new(
            ErrorKind::Protocol,
            format!("connect: invalid msg type {} received", other.number()),
        ))),
    }
}

/// Takes in a CONNECTOK body ([`ConnectResponse`]).
fn accepted(inner: &Inner, body: Value) -> Result<()> {
    let response = ConnectResponse::from_value(body)
        .map_err(|e| Error::new(ErrorKind::Protocol, "invalid connect response").with_source(e))?;
    if let Some(meta) = response.meta {
        if meta.is_empty() {
            return Err(Error::new(
                ErrorKind::Daemon,
                format!(
                    "remote object '{}' doesn't expose any methods or attributes",
                    inner.uri
                ),
            ));
        }
        if let Ok(mut m) = inner.metadata.lock() {
            *m = Some(meta);
        }
    }
    if let Ok(mut h) = inner.handshake_response.lock() {
        *h = Some(response.handshake);
    }
    Ok(())
}

/// TLS over `stream`: the handshake, verifying the server's certificate for the URI's host
/// (`localhost` for a unix socket, which has no host).
async fn secure(
    config: std::sync::Arc<rustls::ClientConfig>,
    uri: &crate::Uri,
    location: &str,
    stream: Stream,
) -> Result<(Stream, Option<crate::tls::PeerCertificate>)> {
    crate::tls::connect(config, stream, uri.host().unwrap_or("localhost"))
        .await
        .map_err(|e| e.into_error(format!("cannot connect to {location}")))
}

/// A daemon that refuses the proxy's certificate (or its lack of one) says so with a TLS
/// alert after the TLS 1.3 handshake has finished on the client's side: the proxy reads it
/// as the answer to its CONNECT. That is a failed connect, as Python reports it.
fn refused_tls(e: Error, location: &str) -> Error {
    let tls = std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .and_then(crate::tls::TlsError::rustls_in_io)
        .cloned();
    match tls {
        Some(alert) => Error::new(
            ErrorKind::Communication,
            format!("cannot connect to {location}"),
        )
        .with_source(crate::tls::TlsError::Handshake(alert)),
        None => e,
    }
}

fn comm_error(location: &str, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Communication,
        format!("cannot connect to {location}"),
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

impl Inner {
    /// A message as the proxy sends it: its serializer, the correlation id (the call's, else
    /// the proxy's) and annotations (the proxy's, then the call's own, which win).
    pub(super) fn message(
        &self,
        msg_type: MessageType,
        seq: u16,
        payload: Vec<u8>,
        request: Option<&super::RequestContext>,
    ) -> Result<Message> {
        self.message_in(self.version(), msg_type, seq, payload, request)
    }

    /// [`Inner::message`] for protocol `version` (the handshake's, before it is known).
    pub(super) fn message_in(
        &self,
        version: ProtocolVersion,
        msg_type: MessageType,
        seq: u16,
        payload: Vec<u8>,
        request: Option<&super::RequestContext>,
    ) -> Result<Message> {
        let settings = &self.settings;
        let ser_id = settings
            .serializer
            .try_id(version)
            .map(u16::from)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Config,
                    format!(
                        "serializer {} is not available in protocol {}",
                        settings.serializer.name(),
                        version.number()
                    ),
                )
            })?;
        let mut msg = Message::new(msg_type, ser_id, seq, payload);
        let corr = request
            .and_then(|r| r.correlation_id)
            .or(settings.correlation_id)
            // Inside a method a daemon serves: pass the caller's id on, as Python's proxy
            // does (its current_context is the serving thread's).
            .or_else(|| crate::current_context().and_then(|c| c.correlation_id));
        if let Some(id) = corr {
            msg = msg.with_correlation_id(id);
        }
        let per_call = request
            .map(|r| r.annotations.as_slice())
            .unwrap_or_default();
        for (id, value) in settings.annotations.iter().chain(per_call).cloned() {
            msg = msg.with_annotation(id, value);
        }
        Ok(msg)
    }
}
