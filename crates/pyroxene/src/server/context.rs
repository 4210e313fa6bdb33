//! [`CallContext`]: Pyro's `current_context` for one call (who calls, with what annotations).

use std::collections::BTreeMap;
use std::sync::Mutex;

use pyroxene_wire::{ProtocolVersion, Serializer};

/// A 4-character annotation id, e.g. `*b"XYZZ"`.
pub type AnnotationId = [u8; 4];

/// What a method may know about the call it serves, like Python Pyro's `current_context`.
#[derive(Debug)]
pub struct CallContext {
    /// The client's address as text (`127.0.0.1:50432`, `[::1]:50432`, or the unix socket path).
    pub client_address: String,
    /// The protocol version the client speaks.
    pub protocol: ProtocolVersion,
    /// The serializer the client used (the reply uses it too).
    pub serializer: Serializer,
    /// The message sequence number of the call.
    pub seq: u16,
    /// The correlation id the client sent, or the one the daemon made for this call.
    pub correlation_id: Option<[u8; 16]>,
    /// Annotations that came with the request (user ids only; Pyro's own are consumed).
    pub annotations: BTreeMap<AnnotationId, Vec<u8>>,
    /// Annotations the method wants sent back with its reply.
    response_annotations: Mutex<BTreeMap<AnnotationId, Vec<u8>>>,
}

impl CallContext {
    /// A context for a call; the daemon builds these.
    pub fn new(
        client_address: String,
        protocol: ProtocolVersion,
        serializer: Serializer,
        seq: u16,
        correlation_id: Option<[u8; 16]>,
        annotations: BTreeMap<AnnotationId, Vec<u8>>,
    ) -> CallContext {
        CallContext {
            client_address,
            protocol,
            serializer,
            seq,
            correlation_id,
            annotations,
            response_annotations: Mutex::new(BTreeMap::new()),
        }
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
