//! One call through the gateway, as Python's `process_pyro_request` makes it once the key
//! and the expose regex have passed: name lookup, correlation id, metadata, `$meta`, an
//! attribute or a method. Shared by the HTTP routes and the WebSocket.

use std::sync::Arc;

use pyroxene::client::{RemoteStream, Reply, RequestContext};
use pyroxene::server::Metadata;
use pyroxene::wire::dialect::{ExceptionClass, PyroErrorClass};
use pyroxene::{CorrelationId, Error, ProtocolVersion, RemoteException, Value};

use crate::backend::{Backend, Target, is_unreachable};
use crate::correlation::parse_python_uuid;
use crate::params::Parameters;

/// The method name that asks for an object's metadata instead of calling it.
pub const META: &str = "$meta";

/// What a call gave.
pub(crate) enum Outcome {
    /// `$meta`: the object's metadata.
    Meta(Arc<Metadata>),
    /// A method's result or an attribute's value.
    Value(Value),
    /// The call went oneway (asked for, or a oneway method): nothing came back.
    Oneway,
    /// The method returned an iterator (its errors are named for this generation).
    Stream(RemoteStream, ProtocolVersion),
}

/// Why a call gave no outcome, with the protocol generation whose class names the
/// exception is written with (the one it came in: a Pyro4 daemon's `Pyro4.errors.X` stays
/// that; the gateway's own errors are Pyro5's).
pub(crate) enum Failure {
    /// The object raised it: Python's gateway hands on the daemon's exception reply as is.
    Raised(RemoteException, ProtocolVersion),
    /// The gateway raised it (name lookup, correlation id, metadata, unknown method,
    /// communication): Python's gateway answers `json.dumps(class_to_dict(exc))`.
    Local(RemoteException, ProtocolVersion),
}

impl Failure {
    /// One of the gateway's own errors.
    fn own(e: RemoteException) -> Failure {
        Failure::Local(e, ProtocolVersion::V5)
    }

    /// A failed call or lookup, raised in the gateway: a remote exception (the name
    /// server's NamingError) keeps the generation of the peer (`peer`) that raised it.
    fn from_error(e: Error, peer: ProtocolVersion) -> Failure {
        // Python's NamingError("Failed to locate the nameserver") keeps its cause apart
        // (`raise ... from x`); its other errors put the cause in their text.
        if e.kind() == pyroxene::ErrorKind::Naming {
            let class = ExceptionClass::Pyro(PyroErrorClass::NamingError);
            return Failure::own(RemoteException::new(class, e.message()));
        }
        let version = if e.is_remote() {
            peer
        } else {
            ProtocolVersion::V5
        };
        Failure::Local(RemoteException::from(e), version)
    }
}

/// A call asked for: which object and method, with what, how.
pub(crate) struct CallRequest<'a> {
    pub(crate) object: &'a str,
    pub(crate) method: &'a str,
    pub(crate) params: Parameters,
    pub(crate) oneway: bool,
    /// The `X-Pyro-Correlation-Id` header text (empty: a new uuid4).
    pub(crate) correlation: &'a [u8],
}

/// Makes the call; returns the outcome and the correlation id used.
pub(crate) async fn call(
    backend: &Backend,
    request: CallRequest<'_>,
) -> (Result<Outcome, Failure>, Option<uuid::Uuid>) {
    let target = match backend.resolve(request.object, false).await {
        Ok(t) => t,
        Err(e) => {
            let failure = Failure::from_error(e, backend.nameserver_version().await);
            return (Err(failure), None);
        }
    };
    // Python parses the header after the lookup, so an unknown name wins over a bad id.
    let id = if request.correlation.is_empty() {
        uuid::Uuid::new_v4()
    } else {
        let text = String::from_utf8_lossy(request.correlation);
        match parse_python_uuid(&text) {
            Ok(bytes) => uuid::Uuid::from_bytes(bytes),
            Err(message) => {
                let e = RemoteException::builtin("ValueError", message);
                return (Err(Failure::own(e)), None);
            }
        }
    };
    let context = RequestContext::new().correlation_id(CorrelationId(id.into_bytes()));
    let mut outcome = attempt(&target, &request, &context).await;
    if let Err(Attempt::Unreachable(_)) = &outcome {
        // The object may have moved or restarted: forget the pooled connections, look the
        // name up again and try once more.
        target.proxy.release();
        outcome = match backend.resolve(request.object, true).await {
            Ok(again) => attempt(&again, &request, &context).await,
            Err(e) => {
                let version = backend.nameserver_version().await;
                Err(Attempt::Failed(Failure::from_error(e, version)))
            }
        };
    }
    let result = outcome.map_err(|a| match a {
        Attempt::Unreachable(e) => Failure::from_error(e, ProtocolVersion::V5),
        Attempt::Failed(f) => f,
    });
    (result, Some(id))
}

enum Attempt {
    /// Worth a second try after looking the name up again.
    Unreachable(Error),
    Failed(Failure),
}

fn classify(e: Error, peer: ProtocolVersion) -> Attempt {
    if is_unreachable(&e) {
        return Attempt::Unreachable(e);
    }
    match e.remote() {
        Some(_) => Attempt::Failed(Failure::Raised(RemoteException::from(e), peer)),
        None => Attempt::Failed(Failure::from_error(e, peer)),
    }
}

async fn attempt(
    target: &Target,
    request: &CallRequest<'_>,
    context: &RequestContext,
) -> Result<Outcome, Attempt> {
    let peer = || {
        target
            .proxy
            .protocol_version()
            .unwrap_or(ProtocolVersion::V5)
    };
    let meta = target.metadata().await.map_err(|e| classify(e, peer()))?;
    let method = request.method;
    if method == META {
        return Ok(Outcome::Meta(meta));
    }
    let params = &request.params;
    let (name, args, kwargs, oneway) = if meta.attrs.contains(method) {
        if !params.is_empty() {
            let e = RemoteException::builtin(
                "AssertionError",
                "attribute lookup can't have query parameters",
            );
            return Err(Attempt::Failed(Failure::own(e)));
        }
        // Read even when oneway was asked for (Python reads it and drops the value).
        (
            "__getattr__",
            Value::Tuple(vec![Value::from(method)]),
            None,
            false,
        )
    } else if meta.methods.contains(method) {
        let args = Value::Tuple(params.args.clone());
        let oneway = request.oneway || meta.oneway.contains(method);
        (method, args, Some(params.kwargs.clone()), oneway)
    } else {
        // Python's proxy checks the metadata before calling.
        let e = RemoteException::builtin(
            "AttributeError",
            format!(
                "remote object '{}' has no exposed attribute or method '{method}'",
                target.uri
            ),
        );
        return Err(Attempt::Failed(Failure::own(e)));
    };
    let reply = target
        .proxy
        .call_reply(name, args, kwargs, context, oneway)
        .await
        .map_err(|e| classify(e, peer()))?;
    Ok(match reply {
        _ if oneway || request.oneway => Outcome::Oneway,
        Reply::Value(response) => Outcome::Value(as_sent(response.value, peer())),
        Reply::Stream(stream) => Outcome::Stream(stream, peer()),
    })
}

/// A reply value with the class names its daemon sent: the proxy names a Pyro4 daemon's URIs,
/// proxies and exceptions with Pyro5's classes (values inside pyroxene carry those), Python's
/// gateway hands them on as they came.
pub(crate) fn as_sent(mut value: Value, peer: ProtocolVersion) -> Value {
    if peer == ProtocolVersion::V4 {
        pyroxene::wire::dialect::translate_objects(&mut value, ProtocolVersion::V4);
    }
    value
}
