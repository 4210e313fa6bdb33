//! The daemon side of KEEPSERIALIZED calls (protocol doc 3.7): the payload is not decoded;
//! object and method come from the `BLBI` annotation and the method gets one argument, a
//! [`SerializedBlob`](crate::SerializedBlob) holding the payload as received.

use pyroxene_wire::protocol::{Flags, Message};
use pyroxene_wire::{Call, Dict, Error, ErrorKind, Serializer, Value};

use crate::client::SerializedBlob;

/// The call an INVOKE message makes: decoded from the payload, or for a KEEPSERIALIZED
/// message built from `BLBI` around the undecoded payload. `budget` caps the decoding work
/// ([`Serializer::decode_call_shared_within`]).
pub(crate) fn decode_call(
    ser: Serializer,
    msg: &Message,
    budget: usize,
) -> pyroxene_wire::Result<Call> {
    if !msg.has(Flags::KEEPSERIALIZED) {
        return ser.decode_call_shared_within(&msg.payload, budget);
    }
    let invalid = |what: &str| {
        Error::new(
            ErrorKind::Value,
            format!("KEEPSERIALIZED call with {what} BLBI annotation"),
        )
    };
    let blbi = msg
        .annotation(pyroxene_wire::protocol::AnnotationId::BLBI)
        .ok_or_else(|| invalid("no"))?;
    // Python writes it with marshal.dumps((info, object_id, method)).
    let (info, object, method) = match Serializer::Marshal.decode(blbi) {
        Ok(Value::Tuple(parts)) => match <[Value; 3]>::try_from(parts) {
            Ok([info, Value::Str(object), Value::Str(method)]) => (info, object, method),
            _ => return Err(invalid("a malformed")),
        },
        _ => return Err(invalid("an undecodable")),
    };
    let blob = SerializedBlob::received(info, ser, msg.payload.clone());
    Ok(Call::new(
        object,
        method,
        vec![blob.to_value()],
        Some(Dict::default()),
    ))
}
