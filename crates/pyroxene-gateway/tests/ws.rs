//! `/pyro/ws` over real sockets: a Rust client (tokio-tungstenite) and Python's `websockets`
//! client from the pinned venv, against our gateway in front of our name server and echo
//! server (and Python's, for the Python client).

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a failed fixture is a failed test

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use pyroxene::wire::serializer::json;
use pyroxene::{Value, dict, list};
use pyroxene_testkit::PythonProcess;
use support::{Backends, EXPOSE_ALL_TEST, config, start_gateway};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str) -> Socket {
    let (socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    socket
}

async fn send(socket: &mut Socket, frame: &str) {
    socket.send(Message::text(frame)).await.unwrap();
}

/// The next reply, within 20 s.
async fn next(socket: &mut Socket) -> Value {
    let frame = tokio::time::timeout(Duration::from_secs(20), socket.next())
        .await
        .expect("no reply within 20 s")
        .unwrap()
        .unwrap();
    json::from_slice(frame.into_text().unwrap().as_bytes()).unwrap()
}

/// Replies until every id in `ids` has its last one (a result, an error, or a stream's end),
/// grouped by id.
async fn replies_for(socket: &mut Socket, ids: &[i64]) -> BTreeMap<i64, Vec<Value>> {
    let mut by_id: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
    let mut open: Vec<i64> = ids.to_vec();
    while !open.is_empty() {
        let reply = next(socket).await;
        let id = reply.get("id").and_then(Value::as_i64).unwrap();
        if reply.get("item").is_none() {
            open.retain(|&i| i != id);
        }
        by_id.entry(id).or_default().push(reply);
    }
    by_id
}

fn error_class(reply: &Value) -> String {
    let e = reply
        .get("error")
        .unwrap_or_else(|| panic!("no error in {reply}"));
    e.get("__class__").unwrap().as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_calls_on_one_socket_results_streams_and_errors() {
    let backends = Backends::rust().await;
    let gw = start_gateway(config(backends.ns_port, EXPOSE_ALL_TEST, None)).await;
    let mut socket = connect(&format!("ws://{}/pyro/ws", gw.addr)).await;
    // All sent before any reply is read: they are in flight together.
    for i in 1..=20 {
        let frame = format!(
            r#"{{"id": {i}, "object": "test.echoserver", "method": "echo", "args": [[{i}, "x", 1.5, null, {{"k": true}}]]}}"#
        );
        send(&mut socket, &frame).await;
    }
    let frames = [
        r#"{"id": 21, "object": "test.echoserver", "method": "generator"}"#,
        r#"{"id": 22, "object": "test.echoserver", "method": "error"}"#,
        r#"{"id": 23, "object": "test.echoserver", "method": "$meta"}"#,
        r#"{"id": 24, "object": "test.echoserver", "method": "verbose"}"#,
        r#"{"id": 25, "object": "test.echoserver", "method": "echo", "kwargs": {"message": "kw"}, "oneway": true}"#,
        r#"{"id": 26, "object": "secret.things", "method": "echo"}"#,
        r#"{"id": 27, "object": "test.unknown", "method": "echo"}"#,
        r#"{"id": 28, "object": "test.echoserver", "method": "nonexisting"}"#,
        r#"{"id": 29, "object": "test.echoserver", "method": "echo", "kwargs": {"message": "kw"}}"#,
        r#"{"id": 30, "object": "test.echoserver", "method": "echo", "args": [1], "wrong": 1}"#,
    ];
    for frame in frames {
        send(&mut socket, frame).await;
    }
    let ids: Vec<i64> = (1..=30).collect();
    let replies = replies_for(&mut socket, &ids).await;
    for i in 1..=20 {
        let want = dict! { "id" => i, "result" => list![list![i, "x", 1.5, Value::None, dict! { "k" => true }]] };
        // echo(*args) returns its one argument.
        let want = dict! { "id" => i, "result" => want.get("result").unwrap().as_seq().unwrap()[0].clone() };
        assert_eq!(replies[&i], vec![want], "id {i}");
    }
    let stream = &replies[&21];
    let items: Vec<&Value> = stream.iter().filter_map(|r| r.get("item")).collect();
    assert_eq!(items, [&Value::from("one"), &"two".into(), &"three".into()]);
    assert_eq!(stream.last().unwrap(), &dict! { "id" => 21, "end" => true });
    assert_eq!(error_class(&replies[&22][0]), "builtins.ValueError");
    let meta = replies[&23][0].get("result").unwrap();
    assert!(
        meta.get("methods")
            .unwrap()
            .as_seq()
            .unwrap()
            .contains(&"echo".into())
    );
    assert_eq!(replies[&24][0], dict! { "id" => 24, "result" => false });
    assert_eq!(
        replies[&25][0],
        dict! { "id" => 25, "result" => Value::None }
    );
    assert_eq!(error_class(&replies[&26][0]), "Pyro5.errors.SecurityError");
    assert_eq!(error_class(&replies[&27][0]), "Pyro5.errors.NamingError");
    assert_eq!(error_class(&replies[&28][0]), "builtins.AttributeError");
    assert_eq!(replies[&29][0], dict! { "id" => 29, "result" => "kw" });
    assert_eq!(error_class(&replies[&30][0]), "builtins.ValueError");

    // Frames that can't be read are answered with id null; the socket stays usable.
    send(&mut socket, "{not json").await;
    let reply = next(&mut socket).await;
    assert_eq!(
        (reply.get("id"), error_class(&reply).as_str()),
        (Some(&Value::None), "builtins.ValueError")
    );
    socket.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(error_class(&next(&mut socket).await), "builtins.ValueError");
    send(
        &mut socket,
        r#"{"id": "again", "object": "http.echoserver", "method": "echo", "args": ["ok"]}"#,
    )
    .await;
    assert_eq!(
        next(&mut socket).await,
        dict! { "id" => "again", "result" => "ok" }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_call_does_not_hold_up_the_others_and_closing_cancels_it() {
    let backends = Backends::rust().await;
    let gw = start_gateway(config(backends.ns_port, EXPOSE_ALL_TEST, None)).await;
    let mut socket = connect(&format!("ws://{}/pyro/ws", gw.addr)).await;
    // `slow` sleeps 5 s in the echo server; the echo sent after it is answered first.
    send(
        &mut socket,
        r#"{"id": "slow", "object": "test.echoserver", "method": "slow"}"#,
    )
    .await;
    send(
        &mut socket,
        r#"{"id": "fast", "object": "test.echoserver", "method": "echo", "args": [1]}"#,
    )
    .await;
    assert_eq!(
        next(&mut socket).await,
        dict! { "id" => "fast", "result" => 1 }
    );
    socket.close(None).await.unwrap();
    // The gateway goes on serving other sockets.
    let mut other = connect(&format!("ws://{}/pyro/ws", gw.addr)).await;
    send(
        &mut other,
        r#"{"id": 1, "object": "test.echoserver", "method": "echo", "args": [2]}"#,
    )
    .await;
    assert_eq!(next(&mut other).await, dict! { "id" => 1, "result" => 2 });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_key_is_checked_when_the_socket_opens() {
    let backends = Backends::rust().await;
    let gw = start_gateway(config(backends.ns_port, EXPOSE_ALL_TEST, Some("secret"))).await;
    let refused = tokio_tungstenite::connect_async(format!("ws://{}/pyro/ws", gw.addr)).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403);
            let body = response.body().clone().unwrap_or_default();
            assert_eq!(body, b"403 Forbidden - incorrect gateway api key");
        }
        other => panic!("expected 403, got {other:?}"),
    }
    let mut socket = connect(&format!("ws://{}/pyro/ws?$key=secret", gw.addr)).await;
    send(
        &mut socket,
        r#"{"id": 1, "object": "test.echoserver", "method": "echo", "args": ["in"]}"#,
    )
    .await;
    assert_eq!(
        next(&mut socket).await,
        dict! { "id" => 1, "result" => "in" }
    );
    // A header works too (for clients that can set one).
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{}/pyro/ws",
            gw.addr
        ))
        .unwrap();
    request
        .headers_mut()
        .insert("X-Pyro-Gateway-Key", "secret".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    send(
        &mut socket,
        r#"{"id": 2, "object": "test.echoserver", "method": "echo", "args": ["hdr"]}"#,
    )
    .await;
    assert_eq!(
        next(&mut socket).await,
        dict! { "id" => 2, "result" => "hdr" }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_limit_closes_the_socket() {
    let backends = Backends::rust().await;
    let mut config = config(backends.ns_port, EXPOSE_ALL_TEST, None);
    config.limits.max_ws_message = 1000;
    let gw = start_gateway(config).await;
    let mut socket = connect(&format!("ws://{}/pyro/ws", gw.addr)).await;
    let big = format!(
        r#"{{"id": 1, "object": "test.echoserver", "method": "echo", "args": ["{}"]}}"#,
        "x".repeat(2000)
    );
    let _ = socket.send(Message::text(big)).await;
    let end = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the socket stayed open");
}

/// Python's `websockets` client (interop/gateway_ws_client.py) through our gateway to
/// Python's echo server: results, a streamed generator, an error, all on one socket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_websockets_client() {
    let Some(python) = support::python() else {
        return;
    };
    let backends = Backends::python(&python, "Pyro5").await;
    let gw = start_gateway(config(backends.ns_port, EXPOSE_ALL_TEST, None)).await;
    let url = format!("ws://{}/pyro/ws", gw.addr);
    let script = pyroxene_testkit::workspace_root().join("interop/gateway_ws_client.py");
    let mut client = PythonProcess::spawn(&python, &[script.to_str().unwrap(), &url], &[]).unwrap();
    let line = client.wait_for_line("REPLIES").unwrap();
    let replies = json::from_slice(line.as_bytes()).unwrap();
    let want = json::from_slice(
        br#"[
        {"id": 1, "result": "hello from python"},
        {"id": 2, "result": [1, 2.5, null, {"nested": ["list"]}]},
        {"id": 3, "item": "one"}, {"id": 3, "item": "two"}, {"id": 3, "item": "three"}, {"id": 3, "end": true},
        {"id": 4, "error": "builtins.ValueError"},
        {"id": 5, "result": false}
    ]"#,
    )
    .unwrap();
    assert_eq!(replies, want);
    let (status, _) = client.finish().unwrap();
    assert!(status.success());
}
