//! The messages a daemon answers calls with (results, exceptions, stream replies), in the
//! payload shapes of the caller's protocol version ([`pyroxene_wire::dialect`]).

use pyroxene_wire::dialect::{PyroErrorClass, RemoteException, translate_objects};
use pyroxene_wire::protocol::{AnnotationId, CorrelationId, Flags, Message, MessageType};
use pyroxene_wire::{ProtocolVersion, Serializer, Value};

/// The exception dict a client of `version` turns back into an exception (protocol doc 4.2),
/// with a remote traceback made up when the method gave none (Python clients print it).
fn exception_value(e: &RemoteException, version: ProtocolVersion) -> Value {
    traced(e).to_value(version)
}

/// `e` with a made-up remote traceback when it has none.
pub(crate) fn traced(e: &RemoteException) -> RemoteException {
    if e.traceback.is_some() {
        return e.clone();
    }
    let text = e.args.first().and_then(Value::as_str).unwrap_or_default();
    let traceback = vec![
        "Traceback (most recent call last):\n".to_owned(),
        "  (raised in a pyroxene daemon)\n".to_owned(),
        format!("{}: {text}\n", e.short_class()),
    ];
    e.clone().with_traceback(traceback)
}

/// The reply to a call that returned an item stream (protocol doc 3.6): an exception reply
/// for old clients' sake, `ProtocolError("result of call is an iterator")` without traceback,
/// flagged ITEMSTREAMRESULT, with the stream id in annotation `STRM` (no id when the daemon
/// has streaming off, which the client reports as such).
pub(crate) fn stream_message(
    version: ProtocolVersion,
    ser: Serializer,
    serializer_id: u16,
    seq: u16,
    corr: CorrelationId,
    stream_id: Option<&str>,
) -> Message {
    let error = RemoteException::pyro(PyroErrorClass::ProtocolError, ITERATOR_RESULT);
    let payload = ser.encode(&error.to_value(version)).unwrap_or_default();
    let msg = Message::new(MessageType::Result, serializer_id, seq, payload)
        .with_correlation_id(corr)
        .with_flags(Flags::EXCEPTION | Flags::ITEMSTREAMRESULT);
    match stream_id {
        Some(id) => msg
            .clone()
            .with_annotation(AnnotationId::STRM, id.as_bytes().to_vec()),
        None => msg,
    }
}

/// The text of the exception a stream reply carries for clients that don't stream.
const ITERATOR_RESULT: &str = "result of call is an iterator";

/// The RESULT message for a call's outcome, in the request's serializer and seq: exception
/// classes, URI and proxy values in the class names of the client's protocol version (whatever
/// generation they came from). A result that can't be serialized becomes a SerializeError
/// exception, as in Pyro.
pub(crate) fn result_message(
    version: ProtocolVersion,
    ser: Serializer,
    serializer_id: u16,
    seq: u16,
    corr: CorrelationId,
    result: Result<Value, RemoteException>,
) -> Message {
    let encoded = result.map(|mut v| {
        // serde gives URIs and proxies Pyro5's class shapes; a Pyro4 client needs Pyro4's.
        if version == ProtocolVersion::V4 {
            translate_objects(&mut v, version);
        }
        ser.encode(&v)
    });
    let (payload, exception) = match encoded {
        Ok(Ok(bytes)) => (Ok(bytes), false),
        Ok(Err(e)) => (
            ser.encode(&exception_value(
                &RemoteException::pyro(PyroErrorClass::SerializeError, e.message()),
                version,
            )),
            true,
        ),
        Err(e) => (ser.encode(&exception_value(&e, version)), true),
    };
    let payload = payload.unwrap_or_else(|_| {
        // The exception itself didn't serialize: send a plain one that always does.
        let fallback =
            RemoteException::pyro(PyroErrorClass::PyroError, "Error serializing exception");
        ser.encode(&exception_value(&fallback, version))
            .unwrap_or_default()
    });
    let mut msg =
        Message::new(MessageType::Result, serializer_id, seq, payload).with_correlation_id(corr);
    if exception {
        msg.flags.insert(Flags::EXCEPTION);
    }
    msg
}
