//! `/pyro/ws`: calls over a WebSocket, replies as they finish (the protocol: [the crate
//! docs](crate#websocket)). A reader loop takes frames and spawns one task per call (at most
//! `max_ws_in_flight`, so a client can't pile up work); one writer task owns the sink, fed by
//! a bounded channel, so a slow reader slows its own streams and nobody else's.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use pyroxene::wire::dialect::PyroErrorClass;
use pyroxene::{ProtocolVersion, RemoteException, Value, dict};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::app::App;
use crate::frame::read_frame;
use crate::invoke::{self, CallRequest, Failure, Outcome, as_sent};
use crate::page::meta_value;
use crate::respond::{encode, encode_plain, exception_value};

/// Serves one socket until the client closes it.
pub(crate) async fn serve(app: Arc<App>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let in_flight = app.config.limits.max_ws_in_flight.max(1);
    let (tx, mut rx) = mpsc::channel::<Value>(in_flight);
    let writer = tokio::spawn(async move {
        while let Some(reply) = rx.recv().await {
            let bytes = encode(&reply).unwrap_or_else(|e| {
                let id = reply.get("id").cloned().unwrap_or_default();
                encode_plain(&error_reply(id, &e, ProtocolVersion::V5))
            });
            let text = String::from_utf8(bytes).unwrap_or_default();
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

async fn run_frame(app: &App, frame: &[u8], tx: &mpsc::Sender<Value>) {
    let call = match read_frame(frame, app.config.limits.max_params) {
        Ok(call) => call,
        Err((id, message)) => {
            let e = RemoteException::builtin("ValueError", message);
            let _ = tx.send(error_reply(id, &e, ProtocolVersion::V5)).await;
            return;
        }
    };
    let id = call.id;
    if !app.config.expose.allows(&call.object) {
        let e = RemoteException::pyro(
            PyroErrorClass::SecurityError,
            "access to the requested object has been denied",
        );
        let _ = tx.send(error_reply(id, &e, ProtocolVersion::V5)).await;
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
        Ok(Outcome::Stream(mut items, peer)) => {
            while let Some(item) = items.next_item().await {
                let reply = match item {
                    Ok(item) => dict! { "id" => id.clone(), "item" => as_sent(item, peer) },
                    Err(e) => {
                        let version = if e.is_remote() {
                            peer
                        } else {
                            ProtocolVersion::V5
                        };
                        error_reply(id.clone(), &RemoteException::from(e), version)
                    }
                };
                let failed = reply.get("error").is_some();
                if tx.send(reply).await.is_err() || failed {
                    return;
                }
            }
            dict! { "id" => id, "end" => true }
        }
        Err(Failure::Raised(e, version) | Failure::Local(e, version)) => {
            error_reply(id, &e, version)
        }
    };
    let _ = tx.send(reply).await;
}

fn error_reply(id: Value, e: &RemoteException, version: ProtocolVersion) -> Value {
    dict! { "id" => id, "error" => exception_value(e, version) }
}

fn bad_frame(message: &str) -> Value {
    let e = RemoteException::builtin("ValueError", message);
    error_reply(Value::None, &e, ProtocolVersion::V5)
}
