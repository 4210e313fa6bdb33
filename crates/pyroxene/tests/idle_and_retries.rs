//! COMMTIMEOUT on a daemon's idle connections, and what proxies do about it: Python's
//! (ConnectionClosedError, then a reconnect; transparent with MAX_RETRIES) and ours
//! (`with_max_retries`, `release`). Waits are on events (EOF, the daemon's connection count),
//! never on durations.

mod common;

use std::time::Duration;

use common::{RawClient, TestDaemon, python_client, wait_until};
use pyroxene::echo::ECHO_OBJECT_NAME;
use pyroxene::wire::protocol::MessageType;
use pyroxene::{Daemon, ErrorKind, Proxy, Serializer, Value, tuple};
use pyroxene_testkit::python;

fn idle_closing_daemon() -> pyroxene::DaemonBuilder {
    Daemon::builder()
        .host("127.0.0.1")
        .comm_timeout(Some(Duration::from_millis(200)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_closes_an_idle_connection() {
    let server = TestDaemon::start(idle_closing_daemon()).await;
    let addr = server.daemon.local_addr().expect("tcp");
    let mut raw = RawClient::connect(addr).await;
    let ok = raw.handshake(Serializer::Serpent, ECHO_OBJECT_NAME).await;
    assert_eq!(ok.msg_type, MessageType::ConnectOk);
    let reply = raw
        .invoke(Serializer::Serpent, 1, ECHO_OBJECT_NAME, "echo", tuple![5])
        .await;
    assert_eq!(
        Serializer::Serpent.decode(&reply.payload).expect("decode"),
        Value::Int(5)
    );
    // Then nothing: the daemon closes the connection, and the read sees EOF.
    assert!(raw.recv().await.is_none(), "expected EOF");
    wait_until("the daemon counts the connection closed", || {
        server.daemon.connections() == 0
    })
    .await;
    // A connection that never even sends CONNECT is closed too.
    let mut silent = RawClient::connect(addr).await;
    assert!(silent.recv().await.is_none(), "expected EOF");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxy_after_an_idle_close() {
    let Some(py) = python() else { return };
    let server = TestDaemon::start(idle_closing_daemon()).await;
    // Pyro5's proxy does not reconnect by itself: the call on the closed connection raises
    // ConnectionClosedError (and releases it), the next call reconnects; with MAX_RETRIES=1
    // the call after the close succeeds on a new connection.
    for ser in ["serpent", "msgpack"] {
        python_client(&py, "idle-close", &server.echo_uri(), ser, None, &[]).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_with_retries_survives_an_idle_close() {
    let server = TestDaemon::start(idle_closing_daemon()).await;
    let proxy = Proxy::new(server.echo_uri())
        .expect("uri")
        .with_max_retries(1);
    for round in 0..3i64 {
        assert_eq!(
            proxy.call("echo", tuple![round], None).await.expect("echo"),
            Value::Int(round)
        );
        wait_until("the idle close", || server.daemon.connections() == 0).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_without_retries_reports_an_idle_close() {
    let server = TestDaemon::start(idle_closing_daemon()).await;
    let proxy = Proxy::new(server.echo_uri()).expect("uri");
    assert_eq!(
        proxy.call("echo", tuple![1], None).await.expect("echo"),
        Value::Int(1)
    );
    wait_until("the idle close", || server.daemon.connections() == 0).await;
    let err = proxy
        .call("echo", tuple![2], None)
        .await
        .expect_err("the connection was closed");
    assert_eq!(err.kind(), ErrorKind::ConnectionClosed, "{err}");
    // The dead connection was dropped: the next call reconnects.
    assert_eq!(
        proxy.call("echo", tuple![3], None).await.expect("echo"),
        Value::Int(3)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_then_call_reconnects() {
    let server = TestDaemon::start(Daemon::builder().host("127.0.0.1")).await;
    let proxy = Proxy::new(server.echo_uri()).expect("uri");
    assert_eq!(
        proxy.call("echo", tuple![1], None).await.expect("echo"),
        Value::Int(1)
    );
    assert_eq!(server.daemon.connections(), 1);
    proxy.release();
    wait_until("the released connection is closed", || {
        server.daemon.connections() == 0
    })
    .await;
    assert_eq!(
        proxy.call("echo", tuple![2], None).await.expect("echo"),
        Value::Int(2)
    );
    assert_eq!(server.daemon.connections(), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_do_not_apply_to_connect_failures() {
    // Retries are for closed connections and timeouts, not for a daemon that isn't there (as
    // in Pyro5): "cannot connect" is reported at once. (A unix socket path that doesn't exist,
    // so no other test's listener can answer.)
    let path = std::env::temp_dir().join(format!("pyroxene-nobody-{}.sock", std::process::id()));
    let gone = Proxy::new(format!("PYRO:test.echoserver@./u:{}", path.display()))
        .expect("uri")
        .with_max_retries(3);
    let err = gone
        .call("echo", tuple![4], None)
        .await
        .expect_err("no daemon");
    assert_eq!(err.kind(), ErrorKind::Communication, "{err}");
    assert!(err.message().starts_with("cannot connect to ./u:"), "{err}");
}

/// Issue 16, item 7: a proxy whose server restarts (same address, new process state). With
/// MAX_RETRIES it reconnects and the call succeeds; without, the call fails with a typed
/// ConnectionClosed and the next one reconnects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_follows_a_server_restart_with_retries_else_a_typed_error() {
    let first = TestDaemon::start(Daemon::builder().host("127.0.0.1")).await;
    let port = first.daemon.local_addr().expect("tcp").port();
    let uri = first.echo_uri();
    let retrying = Proxy::new(uri.clone()).expect("uri").with_max_retries(2);
    let plain = Proxy::new(uri).expect("uri");
    for proxy in [&retrying, &plain] {
        assert_eq!(
            proxy.call("echo", tuple![1], None).await.expect("echo"),
            Value::Int(1)
        );
    }
    first.stop().await;
    let second = TestDaemon::start(Daemon::builder().host("127.0.0.1").port(port)).await;
    assert_eq!(
        retrying
            .call("echo", tuple![2], None)
            .await
            .expect("reconnected"),
        Value::Int(2)
    );
    let err = plain
        .call("echo", tuple![3], None)
        .await
        .expect_err("its connection died with the first server");
    assert_eq!(err.kind(), ErrorKind::ConnectionClosed, "{err}");
    assert_eq!(
        plain.call("echo", tuple![4], None).await.expect("echo"),
        Value::Int(4)
    );
    second.stop().await;
}
