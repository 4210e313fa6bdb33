//! One client connection of a [`Daemon`](super::Daemon): the connect handshake, then calls
//! answered in order until the client leaves, idles out or the daemon shuts down.

use std::collections::BTreeMap;

use bytes::BytesMut;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pyroxene_wire::dialect::{ConnectRequest, ConnectResponse, PyroErrorClass};
use pyroxene_wire::protocol::{CorrelationId, Flags, Message, MessageType};
use pyroxene_wire::{ProtocolVersion, Serializer, Value};
use tokio::sync::watch;

use super::context::CallContext;
use super::daemon::Shared;
use super::object::{Invocation, RemoteObject, is_private_name};
use super::payload;
use super::{batch, current};
use crate::RemoteException;
use crate::error::{Error, ErrorKind, Result};
use crate::offload::{self, OFFLOAD_BYTES};
use crate::transport::{Connection, Stream, connection_codec, prepare};

/// Takes a connection off the daemon's count when dropped (after the socket it follows).
struct Counted {
    shared: Arc<Shared>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.shared.connections.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The socket and its count: fields drop in order, so the socket is closed before the count
/// goes down (whoever sees the count drop may rely on the socket being gone).
struct Open {
    conn: Connection,
    _counted: Counted,
}

/// Numbers connections, so item streams know whose they are.
static CONNECTION_IDS: AtomicU64 = AtomicU64::new(1);

/// Why a Pyro5 client of a daemon with an HMAC key is refused (see `DaemonBuilder::hmac_key`).
const PYRO5_WITH_KEY: &str = "this daemon requires a Pyro4 HMAC key; Pyro5 has no HMAC";

/// What the session does after a call.
enum After {
    /// Send this reply and go on.
    Reply(Message),
    /// Nothing to send (a oneway call); go on.
    Nothing,
    /// Send this reply (if any), then close the connection.
    Close(Option<Message>),
}

/// Serves one accepted connection; the daemon has already counted it in `shared.connections`.
/// Its protocol version comes from its first 6 bytes (see `peek.rs`): Pyro4 and Pyro5
/// clients share the port, anything else is served (and refused) as Pyro5.
///
/// The opening and the whole CONNECT must arrive within the handshake timeout
/// (PYROXENE_HANDSHAKE_TIMEOUT); a connection over PYROXENE_MAX_CONNECTIONS gets a second
/// for its CONNECT, which is answered with CONNECTFAIL, as Python's thread pool server
/// answers when it has no worker left.
pub(crate) async fn serve_connection(
    shared: Arc<Shared>,
    mut stream: Stream,
    peer: String,
    mut stop: watch::Receiver<bool>,
    scope: Arc<super::scope::ConnectionScope>,
) {
    let limits = shared.settings.limits;
    let over_limit = shared.connections.load(Ordering::SeqCst) > limits.max_connections as usize;
    let _refusing = if over_limit {
        let refusing = Refusing::enter(&shared);
        if refusing.is_none() {
            tracing::debug!("connection from {peer} closed: too many connections");
            shared.connections.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        refusing
    } else {
        None
    };
    let handshake_time = match over_limit {
        true => Some(super::limits::REFUSING_WAIT),
        false => limits.handshake_timeout,
    };
    let deadline = handshake_time.map(|t| tokio::time::Instant::now() + t);
    let detect = super::peek::opening(&mut stream);
    let (detected, opening) = tokio::select! {
        _ = stop.wait_for(|s| *s) => (None, BytesMut::new()),
        v = async {
            match deadline {
                Some(d) => tokio::time::timeout_at(d, detect).await.unwrap_or_default(),
                None => detect.await,
            }
        } => v,
    };
    let version = detected.unwrap_or(ProtocolVersion::V5);
    let key = match version {
        ProtocolVersion::V4 => shared.settings.hmac_key.clone(),
        ProtocolVersion::V5 => None,
    };
    let refusal = if over_limit {
        Some(Refusal::TooManyConnections)
    } else {
        (version == ProtocolVersion::V5 && shared.settings.hmac_key.is_some())
            .then_some(Refusal::Pyro5WithKey)
    };
    let codec = match connection_codec(version, key) {
        Ok(codec) => codec,
        Err(e) => {
            tracing::warn!("connection from {peer} refused: {e}");
            shared.connections.fetch_sub(1, Ordering::SeqCst);
            return;
        }
    };
    let mut open = Open {
        conn: Connection::new(stream, codec, shared.settings.max_message_size),
        _counted: Counted {
            shared: shared.clone(),
        },
    };
    open.conn.unread(opening);
    open.conn.accept(&[MessageType::Connect]);
    open.conn.set_read_timeout(shared.settings.comm_timeout);
    open.conn.set_budget(shared.budget.clone());
    let session = Session {
        scope,
        shared,
        peer,
        version,
        refusal,
        id: CONNECTION_IDS.fetch_add(1, Ordering::Relaxed),
    };
    let mut shutdown = Shutdown::new(stop);
    if let Err(e) = session.run(&mut open.conn, &mut shutdown, deadline).await {
        tracing::debug!("connection from {} ended: {e}", session.peer);
    }
    // Its item streams linger for a reconnecting client, or close now (ITER_STREAM_LINGER).
    session.shared.streams.disconnect(session.id);
}

/// Why every CONNECT of a connection is refused.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// A Pyro5 client of a daemon with a Pyro4 HMAC key (see `DaemonBuilder::hmac_key`).
    Pyro5WithKey,
    /// Over PYROXENE_MAX_CONNECTIONS.
    TooManyConnections,
}

/// A connection over the limit, counted while it waits for its CONNECT to be refused.
struct Refusing {
    shared: Arc<Shared>,
}

impl Refusing {
    /// Counts one more, unless [`super::limits::REFUSING_MAX`] already wait.
    fn enter(shared: &Arc<Shared>) -> Option<Refusing> {
        let before = shared.refusing.fetch_add(1, Ordering::SeqCst);
        let entered = Refusing {
            shared: shared.clone(),
        };
        (before < super::limits::REFUSING_MAX).then_some(entered)
    }
}

impl Drop for Refusing {
    fn drop(&mut self) {
        self.shared.refusing.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The daemon's shutdown signal as one connection sees it. Checking it costs an atomic load
/// per message: the wait for it is registered with the watch once per connection (by one
/// poll, with the connection task's waker) and never polled again, while a `wait_for` in a
/// `select!` per message registered and unregistered a waiter on every call (measured: ~800
/// instructions a call, a quarter of what the raw TCP echo server spends per call in all).
struct Shutdown {
    stop: watch::Receiver<bool>,
    /// Wakes the connection task once the signal changes; `None` until registered.
    wait: Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>,
}

impl Shutdown {
    fn new(stop: watch::Receiver<bool>) -> Self {
        Shutdown { stop, wait: None }
    }

    /// Whether the daemon is shutting down (or gone), registering the wake-up on first use.
    fn stopping(&mut self, cx: &mut std::task::Context<'_>) -> bool {
        // `has_changed` is one atomic load; the value is read only when it changed (or the
        // signal was given before this connection subscribed, which the first check sees).
        if self.stop.has_changed().unwrap_or(true) || (self.wait.is_none() && *self.stop.borrow()) {
            return true;
        }
        if self.wait.is_none() {
            let mut waiter = self.stop.clone();
            let mut wait = Box::pin(async move {
                let _ = waiter.changed().await;
            });
            if wait.as_mut().poll(cx).is_ready() {
                return true;
            }
            self.wait = Some(wait);
        }
        false
    }

    /// The next message, or `None` when the daemon is shutting down. Shutdown is only noticed
    /// between calls, so a call being served still gets its reply (Python's echo server
    /// answers `shutdown()` before it stops, too).
    async fn next_message(&mut self, conn: &mut Connection) -> Result<Option<Message>> {
        let mut read = std::pin::pin!(conn.read_message());
        std::future::poll_fn(|cx| {
            if self.stopping(cx) {
                return std::task::Poll::Ready(Ok(None));
            }
            read.as_mut().poll(cx)
        })
        .await
    }
}

struct Session {
    /// What lives as long as the connection (session instances; see `scope.rs`).
    scope: Arc<super::scope::ConnectionScope>,
    shared: Arc<Shared>,
    peer: String,
    version: ProtocolVersion,
    /// Set when every CONNECT is to be refused (a Pyro5 client of a keyed daemon, a
    /// connection over the limit).
    refusal: Option<Refusal>,
    /// This connection's number (see [`CONNECTION_IDS`]).
    id: u64,
}

impl Session {
    /// Sends a message under the daemon's sender rules (compression, size limit).
    async fn send(&self, conn: &mut Connection, msg: Message) -> Result<()> {
        let msg = self.prepare(msg).await?;
        conn.write_message(&msg).await
    }

    /// The sender's rules applied to `msg`: compressing a big payload runs on the blocking
    /// pool.
    async fn prepare(&self, mut msg: Message) -> Result<Message> {
        let settings = &self.shared.settings;
        let (version, compress, max) = (
            self.version,
            settings.compression,
            settings.max_message_size,
        );
        if compress && msg.payload.len() > OFFLOAD_BYTES {
            return offload::run(move || prepare(version, &mut msg, compress, max).map(|()| msg))
                .await?;
        }
        prepare(version, &mut msg, compress, max)?;
        Ok(msg)
    }

    /// Sends a RESULT. One too large to send is replaced by a `ProtocolError` exception with
    /// Python's text ("message too large (N, max=M)"): Python's daemon closes the connection
    /// instead, which leaves its client guessing; this way the caller learns why and the
    /// connection stays usable.
    async fn send_result(&self, conn: &mut Connection, msg: Message) -> Result<()> {
        let (ser, corr) = (
            msg.serializer(self.version).unwrap_or(Serializer::Marshal),
            self.correlation(&msg),
        );
        let request = Message::new(MessageType::Result, msg.serializer_id, msg.seq, Vec::new());
        let refused = match self.prepare(msg).await {
            Ok(msg) => return conn.write_message(&msg).await,
            Err(e) => e,
        };
        let text = refused.python_text();
        let reply =
            self.pyro_error_reply(ser, &request, corr, PyroErrorClass::ProtocolError, &text);
        self.send(conn, reply).await
    }

    /// Whether clients may use `ser` ([`DaemonBuilder::serializers`](super::DaemonBuilder::serializers)).
    fn accepts(&self, ser: Serializer) -> bool {
        self.shared.settings.accepts(self.version, ser)
    }

    /// An exception RESULT for `request` carrying Pyro's error `class` (e.g. `ProtocolError`)
    /// in this connection's protocol version.
    fn pyro_error_reply(
        &self,
        ser: Serializer,
        request: &Message,
        corr: CorrelationId,
        class: PyroErrorClass,
        text: &str,
    ) -> Message {
        let error = RemoteException::pyro(class, text);
        payload::result_message(
            self.version,
            ser,
            request.serializer_id,
            request.seq,
            corr,
            Err(error),
        )
    }

    /// Pyro4's refusal text for a serializer the daemon doesn't accept.
    fn not_accepted(serializer_id: u16) -> String {
        format!("message used serializer that is not accepted: {serializer_id}")
    }

    /// The connection's life: the handshake, then calls until it ends. Every way out, and
    /// what the peer sees (the tests of each are in `tests/session_exits.rs`):
    ///
    /// | when | the peer gets |
    /// |---|---|
    /// | closed (or daemon shutdown) before / between messages | the socket closed |
    /// | invalid bytes before the handshake (junk, wrong version, too large...) | CONNECTFAIL with Python's text, closed |
    /// | no whole CONNECT within the handshake timeout | closed |
    /// | an I/O error, a read timeout (COMMTIMEOUT), closed mid-message | closed |
    /// | CONNECT with an unknown serializer id | closed (Python: its reply fails on the same id) |
    /// | CONNECT with a serializer the daemon refuses | CONNECTFAIL in marshal, closed |
    /// | a refused connection (HMAC key, over the limit), a failed handshake | CONNECTFAIL, closed |
    /// | invalid bytes or a wrong message type after the handshake | closed (as Python) |
    /// | an INVOKE with an unknown serializer id | SerializeError reply in marshal (none if oneway), closed |
    /// | a reply that can't be written | closed |
    async fn run(
        &self,
        conn: &mut Connection,
        shutdown: &mut Shutdown,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<()> {
        // The handshake: anything wrong is answered with CONNECTFAIL, then the socket closes.
        let first = shutdown.next_message(conn);
        let first = match deadline {
            Some(d) => tokio::time::timeout_at(d, first)
                .await
                .unwrap_or_else(|_| Err(Error::new(ErrorKind::Timeout, "no CONNECT in time"))),
            None => first.await,
        };
        let first = match first {
            Ok(Some(msg)) => msg,
            Ok(None) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Protocol => {
                self.connect_fail(conn, None, 0, &e.python_text()).await;
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        if let Some(Refusal::TooManyConnections) = self.refusal {
            // Python answers its own refusal in marshal, before looking at the serializer.
            let text =
                super::limits::too_many_connections(self.shared.settings.limits.max_connections);
            self.connect_fail(conn, None, first.seq, &text).await;
            return Ok(());
        }
        let Some(ser) = first.serializer(self.version) else {
            return Ok(()); // an unknown serializer id: Pyro5 closes without a reply
        };
        if !self.accepts(ser) {
            // Pyro4 answers in marshal here: the refused serializer is not used at all.
            let text = Self::not_accepted(first.serializer_id);
            self.connect_fail(conn, None, first.seq, &text).await;
            return Ok(());
        }
        if let Some(Refusal::Pyro5WithKey) = self.refusal {
            self.connect_fail(conn, Some(ser), first.seq, PYRO5_WITH_KEY)
                .await;
            return Ok(());
        }
        let data = decode_off_runtime(ser, &first).await;
        match data.and_then(|data| self.handshake(ser, &first, data)) {
            Ok((reply, flags)) => {
                let msg = Message::new(
                    MessageType::ConnectOk,
                    first.serializer_id,
                    first.seq,
                    reply,
                )
                .with_flags(flags)
                .with_correlation_id(self.correlation(&first));
                self.send(conn, msg).await?;
            }
            Err(text) => {
                self.connect_fail(conn, Some(ser), first.seq, &text).await;
                return Ok(());
            }
        }
        // Calls, in order. Anything else (a second CONNECT, a reply type) is refused by the
        // parser (accepted types), which closes the connection, as Python does.
        conn.accept(&[MessageType::Invoke, MessageType::Ping]);
        let mut spare = None;
        while let Some(msg) = shutdown.next_message(conn).await? {
            match msg.msg_type {
                MessageType::Ping => {
                    let pong = Message::new(
                        MessageType::Ping,
                        msg.serializer_id,
                        msg.seq,
                        b"pong".to_vec(),
                    )
                    .with_correlation_id(self.correlation(&msg));
                    self.send(conn, pong).await?;
                }
                MessageType::Invoke => match self.invoke(conn, msg, &mut spare).await {
                    After::Reply(reply) => self.send_result(conn, reply).await?,
                    After::Nothing => {}
                    After::Close(reply) => {
                        if let Some(reply) = reply {
                            self.send(conn, reply).await?;
                        }
                        return Ok(());
                    }
                },
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// The context of a call: `spare` renewed in place when this connection holds the only
    /// reference to it, else a new one.
    fn context_for(
        &self,
        spare: &mut Option<Arc<CallContext>>,
        msg: &Message,
        ser: Serializer,
        corr: CorrelationId,
    ) -> Arc<CallContext> {
        let annotations = || msg.annotations.iter().map(|(id, v)| (id, v.to_vec()));
        if let Some(mut context) = spare.take()
            && let Some(reuse) = Arc::get_mut(&mut context)
        {
            reuse.renew(ser, msg.seq, msg.flags, Some(corr), annotations());
            return context;
        }
        let annotations: BTreeMap<_, _> = annotations().collect();
        let mut context = CallContext::new(
            self.peer.clone(),
            self.version,
            ser,
            msg.seq,
            Some(corr),
            annotations,
        );
        context.flags = msg.flags;
        context.connection = self.id;
        context.set_scope(self.scope.clone());
        Arc::new(context)
    }

    fn correlation(&self, request: &Message) -> CorrelationId {
        request
            .correlation_id
            .unwrap_or_else(|| CorrelationId(*uuid::Uuid::new_v4().as_bytes()))
    }

    /// CONNECTFAIL with the error text: in the request's serializer when known, else marshal.
    async fn connect_fail(
        &self,
        conn: &mut Connection,
        ser: Option<Serializer>,
        seq: u16,
        text: &str,
    ) {
        let ser = ser.unwrap_or(Serializer::Marshal);
        let Ok(body) = ser.encode(&Value::from(text)) else {
            return;
        };
        let msg = Message::new(
            MessageType::ConnectFail,
            u16::from(ser.id(self.version)),
            seq,
            body,
        );
        let _ = self.send(conn, msg).await;
    }

    /// Validates a CONNECT ([`ConnectRequest`]) and builds the CONNECTOK payload
    /// ([`ConnectResponse`]) and flags, or the refusal text.
    ///
    /// Pyro5 always sends the object id and gets `{"handshake", "meta"}` back. Pyro4 does so
    /// only with META_ON_CONNECT (its METADATA setting, on by default), echoed in the reply's
    /// flags; without it the reply is the handshake response alone and no object is named.
    /// Missing keys give Python's `KeyError` texts (`'handshake'`, `'object'`): both daemons
    /// index the dict, the handshake first.
    fn handshake(
        &self,
        ser: Serializer,
        msg: &Message,
        data: Value,
    ) -> std::result::Result<(Vec<u8>, Flags), String> {
        let request = ConnectRequest::from_value(data).map_err(|e| e.to_string())?;
        let with_meta = self.version == ProtocolVersion::V5 || msg.has(Flags::META_ON_CONNECT);
        let response = match &self.shared.settings.handshake {
            Some(validate) => validate(&super::Handshake {
                data: &request.handshake,
                client_address: &self.peer,
                protocol: self.version,
                peer_certificate: self.scope.peer_certificate.as_deref(),
            })?,
            None => Value::from("hello"),
        };
        if !with_meta {
            return Ok((
                ser.encode(&response).map_err(|e| e.to_string())?,
                Flags::empty(),
            ));
        }
        let object_id = request.require_object().map_err(|e| e.to_string())?;
        let object = self
            .shared
            .object(object_id)
            .ok_or_else(|| "unknown object".to_owned())?;
        let reply = ConnectResponse::new(response, Some(object.metadata_for(self.version)));
        let flags = match self.version {
            ProtocolVersion::V4 => Flags::META_ON_CONNECT,
            ProtocolVersion::V5 => Flags::empty(),
        };
        Ok((
            ser.encode(&reply.to_value(self.version))
                .map_err(|e| e.to_string())?,
            flags,
        ))
    }

    /// Runs one INVOKE: the reply to send, nothing (oneway), or a close.
    ///
    /// `spare` is the context of this connection's previous call, reused when nothing else
    /// holds it any more (two allocations and a copy of the peer address less per call).
    async fn invoke(
        &self,
        conn: &mut Connection,
        msg: Message,
        spare: &mut Option<Arc<CallContext>>,
    ) -> After {
        let oneway = msg.has(pyroxene_wire::protocol::Flags::ONEWAY);
        let corr = self.correlation(&msg);
        let Some(ser) = msg.serializer(self.version) else {
            // Python can't answer (its reply fails on the same unknown id) and closes; we
            // close too, after saying why in marshal, the serializer both generations fall
            // back to.
            let text = Self::not_accepted(msg.serializer_id);
            let reply = (!oneway).then(|| {
                let mut reply = self.pyro_error_reply(
                    Serializer::Marshal,
                    &msg,
                    corr,
                    PyroErrorClass::SerializeError,
                    &text,
                );
                reply.serializer_id = u16::from(Serializer::Marshal.id(self.version));
                reply
            });
            return After::Close(reply);
        };
        if !self.accepts(ser) {
            // Pyro4: a SerializeError, sent (unless oneway) in the request's serializer.
            let text = Self::not_accepted(msg.serializer_id);
            return match oneway {
                true => After::Nothing,
                false => After::Reply(self.pyro_error_reply(
                    ser,
                    &msg,
                    corr,
                    PyroErrorClass::SerializeError,
                    &text,
                )),
            };
        }
        let context = self.context_for(spare, &msg, ser, corr);
        let reply_context = context.clone();
        let version = self.version;
        let batched = msg.has(Flags::BATCH);
        let call = decode_call_off_runtime(ser, &msg).await;
        let result = if oneway || batched {
            let shared = self.shared.clone();
            let work = async move {
                match call {
                    Ok(call) if batched => batch::run(&shared, version, call, &context).await,
                    Ok(call) => dispatch(&shared, call, context).await,
                    Err(e) => Err(undecodable(&e)),
                }
            };
            let work = current::scope(reply_context.clone(), work);
            if oneway {
                // The call's arguments stay charged to the receive budget while it runs.
                let charge = conn.take_charge();
                tokio::spawn(async move {
                    let _ = work.await; // oneway: results and errors are dropped, as in Pyro
                    drop(charge);
                });
                return After::Nothing;
            }
            work.await
        } else {
            match call.map(|call| route(&self.shared, call, context)) {
                Ok(Ok(Route::Method(object, invocation))) => {
                    // A method that never waits answers right here: no future, no task-local
                    // scope; its current_context is this thread's for as long as it runs.
                    let now = {
                        let _current = current::enter(Some(reply_context.clone()));
                        object.invoke_now(invocation)
                    };
                    match now {
                        Ok(result) => result,
                        Err(invocation) => {
                            current::scope(reply_context.clone(), object.invoke(invocation)).await
                        }
                    }
                }
                Ok(Ok(other)) => current::scope(reply_context.clone(), other.run()).await,
                Ok(Err(e)) => Err(e),
                Err(e) => Err(undecodable(&e)),
            }
        };
        let stream = reply_context.take_stream().filter(|_| result.is_ok());
        let max_streams = self.shared.settings.limits.max_streams as usize;
        let mut reply = match stream {
            Some(_) if self.shared.streams.owned_by(self.id) >= max_streams => {
                let text =
                    format!("too many open item streams on this connection (max {max_streams})");
                self.pyro_error_reply(ser, &msg, corr, PyroErrorClass::PyroError, &text)
            }
            Some(stream) => {
                let streams = &self.shared.streams;
                let id = streams.enabled().then(|| streams.open(self.id, stream));
                payload::stream_message(
                    version,
                    ser,
                    msg.serializer_id,
                    msg.seq,
                    corr,
                    id.as_deref(),
                )
            }
            None => {
                let ok = result.is_ok();
                let (serializer_id, seq) = (msg.serializer_id, msg.seq);
                let big = matches!(&result, Ok(v) if offload::is_big(v));
                let encode =
                    move || payload::result_message(version, ser, serializer_id, seq, corr, result);
                let mut reply = match big {
                    true => match offload::run(encode).await {
                        Ok(reply) => reply,
                        Err(_) => return After::Close(None),
                    },
                    false => encode(),
                };
                if batched && ok && !reply.has(Flags::EXCEPTION) {
                    reply.flags.insert(Flags::BATCH);
                }
                reply
            }
        };
        for (id, value) in reply_context.take_response_annotations() {
            reply.annotations.insert(id, value);
        }
        *spare = Some(reply_context);
        After::Reply(reply)
    }
}

/// Runs a call: routed, then awaited (the path of oneway calls, which run on a task of their
/// own).
async fn dispatch(
    shared: &Shared,
    call: pyroxene_wire::Call,
    context: Arc<CallContext>,
) -> std::result::Result<Value, RemoteException> {
    route(shared, call, context)?.run().await
}

/// Where a call goes, once its object is found and the name passed Pyro's checks.
enum Route {
    Method(Arc<dyn RemoteObject>, Invocation),
    GetAttr(Arc<dyn RemoteObject>, String, Arc<CallContext>),
    SetAttr(Arc<dyn RemoteObject>, String, Value, Arc<CallContext>),
}

impl Route {
    async fn run(self) -> std::result::Result<Value, RemoteException> {
        match self {
            Route::Method(object, invocation) => object.invoke(invocation).await,
            Route::GetAttr(object, name, context) => object.get_attr(name, context).await,
            Route::SetAttr(object, name, value, context) => {
                object.set_attr(name, value, context).await
            }
        }
    }
}

/// Finds the object and checks the name as Python's daemon does (unknown object, private
/// names, attribute access), without running anything yet.
fn route(
    shared: &Shared,
    call: pyroxene_wire::Call,
    context: Arc<CallContext>,
) -> std::result::Result<Route, RemoteException> {
    let Some(object) = shared.object(&call.object) else {
        return Err(RemoteException::pyro(
            PyroErrorClass::DaemonError,
            "unknown object",
        ));
    };
    let mut args = call.args;
    match call.method.as_str() {
        "__getattr__" | "__setattr__" => {
            let name = match args.first() {
                Some(Value::Str(s)) => s.clone(),
                _ => {
                    return Err(RemoteException::new(
                        "builtins.TypeError",
                        "attribute name must be a str",
                    ));
                }
            };
            // No private-name check here: Python's daemon has none for attributes either,
            // and the object's answer (Python: a lookup on the class) gives Python's texts.
            if call.method == "__getattr__" {
                Ok(Route::GetAttr(object, name, context))
            } else {
                let value = if args.len() > 1 {
                    args.swap_remove(1)
                } else {
                    Value::None
                };
                Ok(Route::SetAttr(object, name, value, context))
            }
        }
        method if is_private_name(method) => Err(private_attribute(method)),
        _ => Ok(Route::Method(
            object,
            Invocation {
                method: call.method,
                args,
                kwargs: call.kwargs.unwrap_or_default(),
                context,
            },
        )),
    }
}

fn private_attribute(name: &str) -> RemoteException {
    RemoteException::new(
        "builtins.AttributeError",
        format!("attempt to access private attribute '{name}'"),
    )
}

/// A request payload that doesn't decode, as the exception Python's daemon sends. A Pyro
/// error class is written with the caller's module (`Pyro4.errors.SerializeError`) when the
/// reply is encoded: Python's dict readers find a bare name too, but a pickled exception needs
/// the full one.
fn undecodable(e: &pyroxene_wire::Error) -> RemoteException {
    RemoteException::new(e.python_class(), e.message())
}

/// The work a small payload may cost where it was received (copies for marshal references and
/// pickle memo fetches, hashing every key node, and in marshal and msgpack the values of the
/// items containers announce: 32,768 of them; well under a millisecond); past it, the payload
/// is decoded again on a payload thread with the serializer's full budget. Without it, 382
/// bytes of nested marshal references held a runtime thread for 66 ms, 275 bytes of pickle
/// 226 ms, and 60 KB of msgpack keys 1.5 ms each (another client's p99 7-10 ms, 2.3-2.9 ms
/// after).
const INLINE_WORK: usize = 256 * 1024;

/// A CONNECT payload decoded, on a payload thread when it is big (or turns out costly); the
/// error as the text a CONNECTFAIL carries.
async fn decode_off_runtime(ser: Serializer, msg: &Message) -> std::result::Result<Value, String> {
    if msg.payload.len() <= OFFLOAD_BYTES {
        match ser.decode_shared_within(&msg.payload, INLINE_WORK) {
            Err(e) if e.kind() == pyroxene_wire::ErrorKind::TooLarge => {}
            decoded => return decoded.map_err(|e| e.to_string()),
        }
    }
    let payload = msg.payload.clone();
    match offload::run(move || ser.decode(&payload)).await {
        Ok(decoded) => decoded.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// An INVOKE's call, decoded on a payload thread when its payload is big or its decoding turns
/// out costly (so two such messages can't take both runtime threads from everyone else).
async fn decode_call_off_runtime(
    ser: Serializer,
    msg: &Message,
) -> pyroxene_wire::Result<pyroxene_wire::Call> {
    if msg.payload.len() <= OFFLOAD_BYTES {
        match super::blob::decode_call(ser, msg, INLINE_WORK) {
            Err(e) if e.kind() == pyroxene_wire::ErrorKind::TooLarge => {}
            call => return call,
        }
    }
    let msg = msg.clone();
    offload::run(move || super::blob::decode_call(ser, &msg, usize::MAX))
        .await
        .unwrap_or_else(|e| {
            Err(pyroxene_wire::Error::new(
                pyroxene_wire::ErrorKind::Custom,
                e.to_string(),
            ))
        })
}
