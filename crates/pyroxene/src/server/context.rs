//! [`CallContext`]: Pyro's `current_context` for one call (who calls, with what annotations).

use std::collections::BTreeMap;
use std::sync::Mutex;

use pyroxene_wire::protocol::Flags;
pub use pyroxene_wire::protocol::{AnnotationId, CorrelationId};
use pyroxene_wire::{ProtocolVersion, Serializer, Value};

use super::stream::ItemStream;

/// What a method may know about the call it serves, like Python Pyro's `current_context`.
#[derive(Debug)]
#[non_exhaustive]
pub struct CallContext {
    /// The client's address as text (`127.0.0.1:50432`, `[::1]:50432`, or the unix socket path).
    pub client_address: String,
    /// The connection the call came on, when a daemon serves it (see `scope.rs`).
    scope: std::sync::OnceLock<std::sync::Arc<super::scope::ConnectionScope>>,
    /// The protocol version the client speaks.
    pub protocol: ProtocolVersion,
    /// The serializer the client used (the reply uses it too).
    pub serializer: Serializer,
    /// The message sequence number of the call.
    pub seq: u16,
    /// The flags of the request message (Python: `current_context.msg_flags`), e.g.
    /// [`Flags::ONEWAY`] or [`Flags::BATCH`].
    pub flags: Flags,
    /// The correlation id the client sent, or the one the daemon made for this call (Python:
    /// `current_context.correlation_id`; its `Display` is the UUID form Python prints).
    pub correlation_id: Option<CorrelationId>,
    /// Annotations that came with the request (user ids only; Pyro's own are consumed).
    pub annotations: BTreeMap<AnnotationId, Vec<u8>>,
    /// Annotations the method wants sent back with its reply.
    response_annotations: Mutex<BTreeMap<AnnotationId, Vec<u8>>>,
    /// The daemon connection the call came on (item streams belong to it); 0 outside a daemon.
    pub(crate) connection: u64,
    /// The stream a method returned instead of a value (see [`CallContext::stream_result`]).
    stream: Mutex<Option<ItemStream>>,
}

impl CallContext {
    /// A context for a call; the daemon builds these.
    pub fn new(
        client_address: String,
        protocol: ProtocolVersion,
        serializer: Serializer,
        seq: u16,
        correlation_id: Option<CorrelationId>,
        annotations: BTreeMap<AnnotationId, Vec<u8>>,
    ) -> CallContext {
        CallContext {
            client_address,
            scope: std::sync::OnceLock::new(),
            protocol,
            serializer,
            seq,
            flags: Flags::empty(),
            correlation_id,
            annotations,
            response_annotations: Mutex::new(BTreeMap::new()),
            connection: 0,
            stream: Mutex::new(None),
        }
    }

    /// Answers the call with an item stream instead of a value, for objects that implement
    /// [`RemoteObject`](super::RemoteObject) by hand: return the value this gives back (None)
    /// as the call's result and the daemon sends `stream` with Pyro's streaming protocol.
    /// (`#[expose]` methods simply return an [`ItemStream`].)
    pub fn stream_result<T>(&self, stream: ItemStream<T>) -> Value {
        if let Ok(mut slot) = self.stream.lock() {
            *slot = Some(stream.untyped());
        }
        Value::None
    }

    /// Takes the stream set by [`CallContext::stream_result`].
    pub(crate) fn take_stream(&self) -> Option<ItemStream> {
        self.stream.lock().ok().and_then(|mut s| s.take())
    }

    /// The annotations set for the reply so far (Python:
    /// `current_context.response_annotations`).
    pub fn response_annotations(&self) -> BTreeMap<AnnotationId, Vec<u8>> {
        self.response_annotations
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Adds an annotation to the reply (Pyro's `current_context.response_annotations`).
    pub fn set_response_annotation(&self, id: AnnotationId, value: Vec<u8>) {
        if let Ok(mut map) = self.response_annotations.lock() {
            map.insert(id, value);
        }
    }

    /// Takes the annotations set for the reply.
    pub fn take_response_annotations(&self) -> BTreeMap<AnnotationId, Vec<u8>> {
        self.response_annotations
            .lock()
            .map(|mut m| std::mem::take(&mut *m))
            .unwrap_or_default()
    }
}

impl CallContext {
    /// Makes a finished call's context the context of the next call on the same connection
    /// (the daemon reuses it when nothing else holds it).
    pub(crate) fn renew(
        &mut self,
        serializer: Serializer,
        seq: u16,
        flags: Flags,
        correlation_id: Option<CorrelationId>,
        annotations: impl Iterator<Item = (AnnotationId, Vec<u8>)>,
    ) {
        self.serializer = serializer;
        self.seq = seq;
        self.flags = flags;
        self.correlation_id = correlation_id;
        // Maps are cleared only when they hold something: most calls carry no annotations,
        // and even an empty BTreeMap costs a walk to drop.
        if !self.annotations.is_empty() {
            self.annotations.clear();
        }
        self.annotations.extend(annotations);
        if let Ok(map) = self.response_annotations.get_mut()
            && !map.is_empty()
        {
            map.clear();
        }
        if let Ok(stream) = self.stream.get_mut() {
            *stream = None;
        }
    }

    /// Ties the call to its connection (the daemon does this once per call).
    pub(crate) fn set_scope(&self, scope: std::sync::Arc<super::scope::ConnectionScope>) {
        let _ = self.scope.set(scope);
    }

    /// The connection the call came on; `None` for a context made outside a daemon.
    pub(crate) fn scope(&self) -> Option<&super::scope::ConnectionScope> {
        self.scope.get().map(|s| &**s)
    }

    /// The daemon serving this call, to register objects or make proxies for them
    /// ([`Daemon::proxy_for`](super::Daemon::proxy_for)); `None` outside a daemon or once
    /// it is gone.
    pub fn daemon(&self) -> Option<super::Daemon> {
        self.scope()?.daemon.upgrade()
    }

    /// The verified TLS certificate of the client that made this call (two-way TLS:
    /// SSL_REQUIRECLIENTCERT), as the daemon's handshake validator saw it; `None` without
    /// one, or outside a daemon.
    pub fn peer_certificate(&self) -> Option<&crate::tls::PeerCertificate> {
        self.scope()?.peer_certificate.as_deref()
    }
}
