//! MAX_MESSAGE_SIZE on both sides: a refused or oversized message gives the caller a typed
//! error, never a hang, and the daemon goes on serving everyone else.

mod common;

use common::{TestDaemon, wait_until};
use pyroxene::{Daemon, ErrorKind, Proxy, Value, tuple};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_refuses_to_send_over_its_own_limit() {
    let server = TestDaemon::start(Daemon::builder().host("127.0.0.1")).await;
    let proxy = Proxy::new(server.echo_uri())
        .expect("uri")
        .with_max_message_size(1000);
    assert_eq!(
        proxy
            .call("echo", tuple!["small"], None)
            .await
            .expect("echo"),
        Value::from("small")
    );
    let err = proxy
        .call("echo", tuple!["x".repeat(2000)], None)
        .await
        .expect_err("too large");
    assert_eq!(err.kind(), ErrorKind::Protocol);
    assert_eq!(err.to_string(), "message refused");
    let cause = std::error::Error::source(&err)
        .expect("the size check")
        .to_string();
    assert!(
        cause.starts_with("message too large (") && cause.ends_with(", max=1000)"),
        "{cause}"
    );
    // Nothing was sent: the connection is still the same healthy one.
    assert_eq!(server.daemon.connections(), 1);
    assert_eq!(
        proxy
            .call("echo", tuple!["again"], None)
            .await
            .expect("echo"),
        Value::from("again")
    );
    assert_eq!(server.daemon.connections(), 1);
    // Compression counts: the compressed size is what's checked (as in Python).
    let compressing = Proxy::new(server.echo_uri())
        .expect("uri")
        .with_max_message_size(1000)
        .with_compression(true);
    let big = "x".repeat(2000);
    let err = compressing
        .call("echo", tuple![big.clone()], None)
        .await
        .expect_err("the reply is too large for this proxy");
    // The request went out compressed; the daemon's uncompressed 2 kB reply is over the
    // proxy's receive limit: refused from its header, a typed error.
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_closes_on_an_oversized_request_and_keeps_serving() {
    let server =
        TestDaemon::start(Daemon::builder().host("127.0.0.1").max_message_size(10_000)).await;
    let uri = server.echo_uri();
    let bystander = Proxy::new(&uri).expect("uri");
    assert_eq!(
        bystander.call("echo", tuple![1], None).await.expect("echo"),
        Value::Int(1)
    );
    let sender = Proxy::new(&uri).expect("uri");
    for size in [20_000, 5_000_000] {
        let err = sender
            .call("echo", tuple!["x".repeat(size)], None)
            .await
            .expect_err("over the daemon's limit");
        assert!(
            matches!(
                err.kind(),
                ErrorKind::ConnectionClosed | ErrorKind::Communication
            ),
            "{:?}: {err}",
            err.kind()
        );
    }
    // The daemon closed only that connection: the bystander's stays, and the sender
    // reconnects for its next (acceptable) call.
    wait_until("the oversized connections are closed", || {
        server.daemon.connections() == 1
    })
    .await;
    assert_eq!(
        bystander.call("echo", tuple![2], None).await.expect("echo"),
        Value::Int(2)
    );
    assert_eq!(
        sender.call("echo", tuple![3], None).await.expect("echo"),
        Value::Int(3)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_answers_an_oversized_result_with_an_error() {
    let server =
        TestDaemon::start(Daemon::builder().host("127.0.0.1").max_message_size(10_000)).await;
    let proxy = Proxy::new(server.context_uri()).expect("uri");
    let err = proxy
        .call("big", tuple![50_000], None)
        .await
        .expect_err("result too large");
    let remote = err.remote().expect("a remote exception");
    assert_eq!(remote.class, "Pyro5.errors.ProtocolError");
    assert!(
        remote
            .args
            .first()
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("message too large (") && t.ends_with(", max=10000)")),
        "{remote:?}"
    );
    // Same connection, next call fine.
    assert_eq!(
        proxy.call("big", tuple![10], None).await.expect("small"),
        Value::from("x".repeat(10))
    );
    assert_eq!(server.daemon.connections(), 1);
    server.stop().await;
}
