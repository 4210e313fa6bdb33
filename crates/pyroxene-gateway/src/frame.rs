//! A WebSocket frame as a call (the protocol: [the crate docs](crate#websocket)):
//! `{"id", "object", "method", "args", "kwargs", "oneway"}`. A pure function over bytes, so
//! it is fuzzed (`fuzz/fuzz_targets/gateway_params.rs`) and tested on its own.

use pyroxene::Value;
use pyroxene::wire::serializer::json;

use crate::params::Parameters;

/// A call as a frame asks for it.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameCall {
    /// The frame's `id`, returned with every reply (`null` when missing).
    pub id: Value,
    /// The object's name in the name server.
    pub object: String,
    /// The method (or attribute, or `$meta`).
    pub method: String,
    /// `args` and `kwargs`.
    pub params: Parameters,
    /// `oneway`.
    pub oneway: bool,
}

/// Reads `{"id", "object", "method", "args", "kwargs", "oneway"}`; a refusal carries the id
/// when it could be read.
///
/// ```
/// use pyroxene_gateway::frame::read_frame;
/// let call = read_frame(br#"{"id": 1, "object": "test.echoserver", "method": "echo", "args": ["hi"]}"#, 100).unwrap();
/// assert_eq!((call.object.as_str(), call.method.as_str()), ("test.echoserver", "echo"));
/// let (id, why) = read_frame(br#"{"id": 2, "object": "x"}"#, 100).unwrap_err();
/// assert_eq!((id, why.as_str()), (2.into(), "a frame needs \"object\" and \"method\""));
/// ```
///
/// # Errors
/// The frame's id (or `null`) and why it can't be a call: not JSON, not an object, a key of
/// the wrong type or unknown, no object or method, more than `max_params` arguments.
pub fn read_frame(frame: &[u8], max_params: usize) -> Result<FrameCall, (Value, String)> {
    let value = json::from_slice(frame)
        .map_err(|e| (Value::None, format!("invalid JSON frame: {}", e.message())))?;
    let Value::Dict(fields) = value else {
        return Err((Value::None, "a frame must be a JSON object".to_owned()));
    };
    let id = fields.get(&Value::from("id")).cloned().unwrap_or_default();
    let fail = |message: String| (id.clone(), message);
    let mut call = FrameCall {
        id: id.clone(),
        object: String::new(),
        method: String::new(),
        params: Parameters::default(),
        oneway: false,
    };
    for (key, value) in *fields {
        match (key.as_str().unwrap_or_default(), value) {
            ("id", _) => {}
            ("object", Value::Str(s)) => call.object = s,
            ("method", Value::Str(s)) => call.method = s,
            ("args", Value::List(items)) => call.params.args = items,
            ("kwargs", Value::Dict(items)) => call.params.kwargs = *items,
            ("oneway", Value::Bool(b)) => call.oneway = b,
            ("args" | "kwargs" | "object" | "method" | "oneway", other) => {
                return Err(fail(format!(
                    "{key} has the wrong type ({})",
                    other.type_name()
                )));
            }
            _ => return Err(fail(format!("unexpected key {key} in the frame"))),
        }
    }
    if call.object.is_empty() || call.method.is_empty() {
        return Err(fail("a frame needs \"object\" and \"method\"".to_owned()));
    }
    if call.params.args.len() + call.params.kwargs.len() > max_params {
        return Err(fail(format!("too many parameters (at most {max_params})")));
    }
    if call.params.kwargs.keys().any(|k| k.as_str().is_none()) {
        return Err(fail("kwargs names must be strings".to_owned()));
    }
    Ok(call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_or_refused_with_their_id() {
        let call = read_frame(
            br#"{"id": 7, "object": "a.b", "method": "m", "args": [1], "kwargs": {"k": null}, "oneway": true}"#,
            10,
        )
        .unwrap_or_else(|(_, e)| panic!("{e}"));
        assert_eq!(
            (call.id, call.object.as_str(), call.method.as_str()),
            (Value::Int(7), "a.b", "m")
        );
        assert_eq!(call.params.args, vec![Value::Int(1)]);
        assert!(call.oneway);
        let refused: &[(&[u8], Value, &str)] = &[
            (b"nope", Value::None, "invalid JSON frame: "),
            (b"[1]", Value::None, "a frame must be a JSON object"),
            (
                br#"{"id": "x", "object": "a"}"#,
                "x".into(),
                "a frame needs",
            ),
            (
                br#"{"id": 1, "object": "a", "method": "m", "args": {}}"#,
                1.into(),
                "'args' has the wrong type (dict)",
            ),
            (
                br#"{"id": 1, "object": "a", "method": "m", "oneway": 1}"#,
                1.into(),
                "'oneway' has the wrong type (int)",
            ),
            (
                br#"{"id": 1, "object": "a", "method": "m", "kwarg": {}}"#,
                1.into(),
                "unexpected key 'kwarg'",
            ),
            (
                br#"{"id": 2, "object": "a", "method": "m", "args": [1, 2, 3]}"#,
                2.into(),
                "too many parameters",
            ),
        ];
        for (frame, id, message) in refused {
            let Err((got_id, got)) = read_frame(frame, 2) else {
                panic!("accepted {frame:?}");
            };
            assert_eq!(&got_id, id);
            assert!(got.starts_with(message), "{got}");
        }
    }
}
