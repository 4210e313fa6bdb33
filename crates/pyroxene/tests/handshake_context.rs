//! The connect handshake hook and the call context (annotations, correlation id) against the
//! real Python Pyro5, both ways: Python proxies against a Rust daemon, the Rust proxy against a
//! Python daemon (`interop/pyro5_feature_daemon.py`), and Rust against Rust.

mod common;

use std::sync::Arc;

use common::{TestDaemon, python_client, python_feature_daemon};
use pyroxene::client::RequestContext;
use pyroxene::server::{Handshake, HandshakeValidator};
use pyroxene::{Daemon, ErrorKind, Proxy, Value, dict, tuple};
use pyroxene_testkit::python;

/// Accepts `{"token": "secret", "user": U}` with `{"welcome": U, "token_ok": True}`, refuses
/// anything else with "access denied: <repr>" (the same rule as the Python feature daemon,
/// except that Pyro's default "hello" is refused too).
fn token_validator() -> HandshakeValidator {
    Arc::new(|hs: &Handshake<'_>| {
        let data = hs.data;
        if data.get("token").and_then(Value::as_str) == Some("secret") {
            let user = data.get("user").cloned().unwrap_or_default();
            Ok(dict! { "welcome" => user, "token_ok" => true })
        } else {
            Err(format!("access denied: {data}"))
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxy_meets_a_rust_handshake_validator() {
    let Some(py) = python() else { return };
    let server = TestDaemon::start(
        Daemon::builder()
            .host("127.0.0.1")
            .handshake(token_validator()),
    )
    .await;
    let uri = server.echo_uri();
    for ser in ["serpent", "json", "marshal", "msgpack"] {
        // Refused: Python raises CommunicationError("connection to ... rejected: <text>").
        python_client(
            &py,
            "rejected",
            &uri,
            ser,
            Some("access denied: 'hello'"),
            &[],
        )
        .await;
        // Accepted: the validator's answer reaches the proxy's _pyroValidateHandshake.
        python_client(&py, "handshake", &uri, ser, None, &[]).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_handshake_with_a_rust_daemon() {
    let server = TestDaemon::start(
        Daemon::builder()
            .host("127.0.0.1")
            .handshake(token_validator()),
    )
    .await;
    let uri = server.echo_uri();
    let refused = Proxy::new(&uri).expect("uri");
    let err = refused.connect().await.expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::Daemon);
    let addr = server.daemon.local_addr().expect("tcp");
    assert_eq!(
        err.message(),
        format!(
            "connection to 127.0.0.1:{} rejected: access denied: 'hello'",
            addr.port()
        )
    );
    let admitted = Proxy::new(&uri)
        .expect("uri")
        .with_handshake(dict! { "token" => "secret", "user" => "rust" });
    assert_eq!(
        admitted.call("echo", tuple![7], None).await.expect("echo"),
        Value::Int(7)
    );
    assert_eq!(
        admitted.handshake_response(),
        Some(dict! { "welcome" => "rust", "token_ok" => true })
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_handshake_with_a_python_daemon() {
    let Some(py) = python() else { return };
    let (_daemon, uri) = python_feature_daemon(&py);
    // Pyro's default data: the Python daemon answers "hello".
    let plain = Proxy::new(&uri).expect("uri");
    plain.connect().await.expect("connect");
    assert_eq!(plain.handshake_response(), Some(Value::from("hello")));
    // Custom data the Python validateHandshake checks and answers.
    for ser in pyroxene::Serializer::ALL {
        let admitted = Proxy::new(&uri)
            .expect("uri")
            .with_serializer(ser)
            .with_handshake(dict! { "token" => "secret", "user" => "rust" });
        assert_eq!(
            admitted
                .call("echo", tuple!["in"], None)
                .await
                .expect("echo"),
            Value::from("in")
        );
        assert_eq!(
            admitted.handshake_response(),
            Some(dict! { "welcome" => "rust", "token_ok" => true }),
            "{ser:?}"
        );
    }
    // Refused: the Python exception text comes back in CONNECTFAIL.
    let refused = Proxy::new(&uri)
        .expect("uri")
        .with_handshake(Value::from("wrong"));
    let err = refused
        .call("echo", tuple![1], None)
        .await
        .expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::Daemon);
    assert!(
        err.message().starts_with("connection to 127.0.0.1:")
            && err.message().ends_with(" rejected: access denied: 'wrong'"),
        "{err}"
    );
}

/// The Python feature client's "context" checks, against the Rust daemon and (as the
/// reference for what a Pyro5 daemon does) against the Python one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxy_annotations_and_correlation_id() {
    let Some(py) = python() else { return };
    let server = TestDaemon::start(Daemon::builder().host("127.0.0.1")).await;
    let (_reference, python_uri) = python_feature_daemon(&py);
    for ser in ["serpent", "json", "marshal", "msgpack"] {
        python_client(&py, "context", &server.context_uri(), ser, None, &[]).await;
        python_client(&py, "context", &python_uri, ser, None, &[]).await;
    }
    server.stop().await;
}

/// Annotations out and in and the correlation id, through `call_with_context`.
async fn check_context(uri: &str) {
    for ser in pyroxene::Serializer::ALL {
        let proxy = Proxy::new(uri).expect("uri").with_serializer(ser);
        let corr = pyroxene::CorrelationId(*uuid_bytes());
        let request = RequestContext::new()
            .annotation(annotation_id("XREQ"), b"rust-data".to_vec())
            .correlation_id(corr);
        // proxy-wide, merged with the call's
        let proxy = proxy.with_annotation(annotation_id("XTWO"), b"2".to_vec());
        let reply = proxy
            .call_with_context("echo_annotations", tuple![], None, &request)
            .await
            .expect("call");
        assert_eq!(
            reply.value,
            dict! {
                "annotations" => dict! { "XTWO" => "2", "XREQ" => "rust-data" },
                "correlation_id" => hex(corr.as_bytes()),
            },
            "{ser:?}"
        );
        assert_eq!(
            reply.annotation(annotation_id("XREQ")),
            Some(&b"re:rust-data"[..])
        );
        assert_eq!(reply.annotation(annotation_id("XTWO")), Some(&b"re:2"[..]));
        assert_eq!(reply.annotations.len(), 2);
        assert_eq!(
            reply.correlation_id,
            Some(corr),
            "reply carries the request's id"
        );
        // No correlation id sent: the daemon makes one per call and the reply carries it.
        let plain = Proxy::new(uri).expect("uri").with_serializer(ser);
        let first = plain
            .call_with_context("echo_annotations", tuple![], None, &RequestContext::new())
            .await
            .expect("call");
        let second = plain
            .call_with_context("echo_annotations", tuple![], None, &RequestContext::new())
            .await
            .expect("call");
        let made = first.correlation_id.expect("daemon made an id");
        assert_eq!(
            first.value.get("correlation_id"),
            Some(&Value::from(hex(made.as_bytes())))
        );
        assert_ne!(first.correlation_id, second.correlation_id);
        assert!(first.annotations.is_empty());
        assert_eq!(
            first.value.get("annotations"),
            Some(&Value::from(pyroxene::Dict::default()))
        );
    }
    // A bad annotation id can't even be made.
    assert!("TOOLONG".parse::<pyroxene::AnnotationId>().is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_annotations_and_correlation_id_with_a_python_daemon() {
    let Some(py) = python() else { return };
    let (_daemon, uri) = python_feature_daemon(&py);
    check_context(&uri).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_annotations_and_correlation_id_with_a_rust_daemon() {
    let server = TestDaemon::start(Daemon::builder().host("127.0.0.1")).await;
    check_context(&server.context_uri()).await;
    server.stop().await;
}

fn uuid_bytes() -> &'static [u8; 16] {
    b"\x12\x34\x56\x78\x9a\xbc\x4d\xef\x81\x23\x45\x67\x89\xab\xcd\xef"
}

fn hex(bytes: &[u8; 16]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An annotation id from its four characters.
fn annotation_id(text: &str) -> pyroxene::AnnotationId {
    text.parse().expect("a valid annotation id")
}
