//! `/pyro/ws`: calls over a WebSocket (our extension, what Pyro's old `flaskify` helper did
//! with socket.io). One JSON text frame per call, many calls in flight on one socket, their
//! replies in the order they finish:
//!
//! ```text
//! -> {"id": 1, "object": "test.echoserver", "method": "echo", "args": ["hi"], "kwargs": {}, "oneway": false}
//! <- {"id": 1, "result": "hi"}
//! -> {"id": 2, "object": "test.echoserver", "method": "generator"}
//! <- {"id": 2, "item": "one"}  {"id": 2, "item": "two"}  {"id": 2, "item": "three"}  {"id": 2, "end": true}
//! -> {"id": 3, "object": "test.echoserver", "method": "error"}
//! <- {"id": 3, "error": {"__class__": "builtins.ValueError", "__exception__": true, "args": [...], "attributes": {...}}}
//! ```
//!
//! `args`, `kwargs` and `oneway` are optional; `id` is any JSON value, returned as given
//! (`null` when missing, or when the frame could not be read). A oneway call is answered
//! `{"id", "result": null}` once sent. `$meta` and attributes work as over HTTP. The expose
//! regex applies to every frame; the gateway key was checked when the socket opened. At most
//! [`Limits::max_ws_in_flight`](crate::Limits::max_ws_in_flight) calls run at once per
//! socket (further frames wait), a stream's items are sent as the socket takes them, and
//! closing the socket drops its calls and closes their streams.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use pyroxene::wire::serializer::json;
use pyroxene::{RemoteException, Value, dict};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::app::App;
use crate::invoke::{self, CallRequest, Failure, Outcome};
use crate::page::meta_value;
use crate::params::Parameters;
use crate::respond::{encode, exception_value};

/// Serves one socket until the client closes it.
pub(crate) async fn serve(app: Arc<App>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let in_flight = app.config.limits.max_ws_in_flight.max(1);
    let (tx, mut rx) = mpsc::channel::<Value>(in_flight);
    let writer = tokio::spawn(async move {
        while let Some(reply) = rx.recv().await {
            let text = String::from_utf8(encode(&reply)).unwrap_or_default();
            if sink.send(Message::Text(text.into())).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let slots = Arc::new(Semaphore::new(in_flight));
    let mut calls = JoinSet::new();
    while let Some(frame) = stream.next().await {
        let text = match frame {
            Ok(Message::Text(text)) => text,
            Ok(Message::Binary(_)) => {
                let e = bad_frame("binary frames are not read: send JSON text frames");
                if tx.send(e).await.is_err() {
                    break;
                }
                continue;
            }
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Ok(Message::Close(_)) | Err(_) => break,
        };
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let (app, tx) = (app.clone(), tx.clone());
        calls.spawn(async move {
            run_frame(&app, text.as_bytes(), &tx).await;
            drop(slot);
        });
        // Reap finished calls so the set stays as small as the calls in flight.
        while calls.try_join_next().is_some() {}
    }
    // The client is gone: its calls are cancelled (their streams close on drop).
    calls.shutdown().await;
    drop(tx);
    let _ = writer.await;
}

/// A call as a frame asks for it.
struct FrameCall {
    id: Value,
    object: String,
    method: String,
    params: Parameters,
    oneway: bool,
}

async fn run_frame(app: &App, frame: &[u8], tx: &mpsc::Sender<Value>) {
    let call = match read_frame(frame, app.config.limits.max_params) {
        Ok(call) => call,
        Err((id, message)) => {
            let e = RemoteException::builtin("ValueError", message);
            let _ = tx.send(error_reply(id, &e)).await;
            return;
        }
    };
    let id = call.id;
    if !app.config.expose.allows(&call.object) {
        let e = RemoteException::new(
            "Pyro5.errors.SecurityError",
            "access to the requested object has been denied",
        );
        let _ = tx.send(error_reply(id, &e)).await;
        return;
    }
    let request = CallRequest {
        object: &call.object,
        method: &call.method,
        params: call.params,
        oneway: call.oneway,
        correlation: b"",
    };
    let (result, _) = invoke::call(&app.backend, request).await;
    let reply = match result {
        Ok(Outcome::Value(value)) => dict! { "id" => id, "result" => value },
        Ok(Outcome::Oneway) => dict! { "id" => id, "result" => Value::None },
        Ok(Outcome::Meta(meta)) => dict! { "id" => id, "result" => meta_value(&meta) },
        Ok(Outcome::Stream(mut items)) => {
            while let Some(item) = items.next_item().await {
                let reply = match item {
                    Ok(item) => dict! { "id" => id.clone(), "item" => item },
                    Err(e) => error_reply(id.clone(), &RemoteException::from(e)),
                };
                let failed = reply.get("error").is_some();
                if tx.send(reply).await.is_err() || failed {
                    return;
                }
            }
            dict! { "id" => id, "end" => true }
        }
        Err(Failure::Raised(e) | Failure::Local(e)) => error_reply(id, &e),
    };
    let _ = tx.send(reply).await;
}

fn error_reply(id: Value, e: &RemoteException) -> Value {
    dict! { "id" => id, "error" => exception_value(e) }
}

fn bad_frame(message: &str) -> Value {
    error_reply(
        Value::None,
        &RemoteException::builtin("ValueError", message),
    )
}

/// Reads `{"id", "object", "method", "args", "kwargs", "oneway"}`; a refusal carries the id
/// when it could be read.
fn read_frame(frame: &[u8], max_params: usize) -> Result<FrameCall, (Value, String)> {
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
                "args has the wrong type (dict)",
            ),
            (
                br#"{"id": 1, "object": "a", "method": "m", "oneway": 1}"#,
                1.into(),
                "oneway has the wrong type (int)",
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
