//! What one call sends besides its arguments ([`RequestContext`]) and what its reply brought
//! back besides the value ([`Response`]): Python's `current_context.annotations`,
//! `correlation_id` and `response_annotations`, per call instead of per thread.

use std::collections::BTreeMap;

use pyroxene_wire::Value;
use pyroxene_wire::protocol::{AnnotationId, CorrelationId};

/// Annotations and a correlation id for one call (see [`crate::Proxy::call_with_context`]).
///
/// They come on top of the proxy-wide ones ([`crate::Proxy::with_annotation`],
/// [`crate::Proxy::with_correlation_id`]); for the same annotation id, this one wins.
///
/// ```
/// use pyroxene::client::RequestContext;
/// use pyroxene::{AnnotationId, CorrelationId};
/// const XREQ: AnnotationId = AnnotationId::from_static(b"XREQ");
/// let ctx = RequestContext::new()
///     .annotation(XREQ, b"hello".to_vec())
///     .correlation_id(CorrelationId([7; 16]));
/// assert_eq!(ctx.annotations, vec![(XREQ, b"hello".to_vec())]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestContext {
    /// Annotations sent with the call, in order.
    pub annotations: Vec<(AnnotationId, Vec<u8>)>,
    /// The correlation id sent with the call; `None` uses the proxy's, if it has one.
    pub correlation_id: Option<CorrelationId>,
}

impl RequestContext {
    /// No annotations, no correlation id.
    pub fn new() -> RequestContext {
        RequestContext::default()
    }

    /// The same context with annotation `id` set (replacing an earlier one of that id).
    #[must_use]
    pub fn annotation(mut self, id: AnnotationId, value: Vec<u8>) -> RequestContext {
        self.annotations.retain(|(k, _)| *k != id);
        self.annotations.push((id, value));
        self
    }

    /// The same context with a correlation id.
    #[must_use]
    pub fn correlation_id(mut self, id: CorrelationId) -> RequestContext {
        self.correlation_id = Some(id);
        self
    }
}

/// A call's result with the rest of its reply message.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Response {
    /// What the method returned (`None` for a oneway call).
    pub value: Value,
    /// The annotations of the reply (Python: `current_context.response_annotations`), by id.
    pub annotations: BTreeMap<AnnotationId, Vec<u8>>,
    /// The correlation id of the reply: a Pyro daemon answers with the request's id, or one
    /// it made up when the request had none. `None` for oneway calls.
    pub correlation_id: Option<CorrelationId>,
}

impl Response {
    /// The value of reply annotation `id`, if the daemon sent one.
    pub fn annotation(&self, id: AnnotationId) -> Option<&[u8]> {
        self.annotations.get(&id).map(Vec::as_slice)
    }
}
