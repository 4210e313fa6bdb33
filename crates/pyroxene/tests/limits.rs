//! Issue 16, item 8: a daemon's limits as configuration (PYROXENE_MAX_CONNECTIONS,
//! PYROXENE_RECEIVE_BUDGET, PYROXENE_BUDGET_WAIT, PYROXENE_HANDSHAKE_TIMEOUT, PYROXENE_MAX_STREAMS; MAX_MESSAGE_SIZE
//! and COMMTIMEOUT are Pyro's own), with safe defaults. What each does to a client is tested in
//! `bounded_memory.rs` and `session_exits.rs`; streams per connection here.

mod common;

use std::time::Duration;

use common::{RawClient, TestDaemon};
use pyroxene::config::{ConfigError, Limits};
use pyroxene::wire::protocol::{Flags, MessageType};
use pyroxene::{Config, Daemon, Serializer, tuple};

#[test]
fn limits_have_safe_defaults_and_come_from_the_environment() {
    let defaults = Limits::default();
    assert_eq!(defaults.max_connections, 20_000);
    assert_eq!(defaults.receive_budget, 512 << 20);
    assert_eq!(defaults.handshake_timeout, Some(Duration::from_secs(10)));
    assert_eq!(defaults.max_streams, 100);
    assert_eq!(defaults.budget_wait, Some(Duration::from_secs(30)));
    assert_eq!(Config::default().limits, defaults);

    let config = Config::from_vars([
        ("PYROXENE_MAX_CONNECTIONS", "500"),
        ("PYROXENE_RECEIVE_BUDGET", "67108864"),
        ("PYROXENE_HANDSHAKE_TIMEOUT", "2.5"),
        ("PYROXENE_MAX_STREAMS", "3"),
        ("PYROXENE_BUDGET_WAIT", "0"),
        ("PYRO_COMMTIMEOUT", "30"),
    ])
    .expect("valid");
    assert_eq!(config.limits.max_connections, 500);
    assert_eq!(config.limits.receive_budget, 64 << 20);
    assert_eq!(
        config.limits.handshake_timeout,
        Some(Duration::from_millis(2500))
    );
    assert_eq!(config.limits.max_streams, 3);
    assert_eq!(
        config.limits.budget_wait, None,
        "0 waits as long as it takes"
    );
    assert_eq!(config.commtimeout, Some(Duration::from_secs(30)));

    for (name, value) in [
        ("PYROXENE_MAX_CONNECTIONS", "0"),
        ("PYROXENE_MAX_CONNECTIONS", "lots"),
        ("PYROXENE_RECEIVE_BUDGET", "-1"),
        ("PYROXENE_HANDSHAKE_TIMEOUT", "soon"),
        ("PYROXENE_MAX_STREAMS", "0"),
        ("PYROXENE_BUDGET_WAIT", "-1"),
    ] {
        let err = Config::from_vars([(name, value)]).expect_err("refused");
        assert!(
            matches!(
                err,
                ConfigError::InvalidValue { .. } | ConfigError::OutOfRange { .. }
            ),
            "{name}={value}: {err:?}"
        );
        assert!(err.to_string().contains(name), "{name}={value}: {err}");
    }
}

/// A connection holding PYROXENE_MAX_STREAMS open item streams gets a PyroError for one
/// more; the stream limit is per connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_per_connection_are_bounded() {
    let server = TestDaemon::start(
        Daemon::builder()
            .host("127.0.0.1")
            .max_streams_per_connection(2),
    )
    .await;
    let addr = server.daemon.local_addr().expect("tcp");
    let mut client = RawClient::connect(addr).await;
    assert_eq!(
        client
            .handshake(Serializer::Marshal, "test.echoserver")
            .await
            .msg_type,
        MessageType::ConnectOk
    );
    for seq in 1..=2 {
        let reply = client
            .invoke(
                Serializer::Marshal,
                seq,
                "test.echoserver",
                "generator",
                tuple![],
            )
            .await;
        // A stream reply: ITEMSTREAMRESULT with the stream id in annotation STRM.
        assert!(reply.has(Flags::ITEMSTREAMRESULT), "stream {seq} opened");
    }
    let refused = client
        .invoke(
            Serializer::Marshal,
            3,
            "test.echoserver",
            "generator",
            tuple![],
        )
        .await;
    assert_eq!(refused.msg_type, MessageType::Result);
    assert!(refused.has(Flags::EXCEPTION) && !refused.has(Flags::ITEMSTREAMRESULT));
    let shown = format!(
        "{:?}",
        Serializer::Marshal
            .decode(&refused.payload)
            .expect("marshal")
    );
    assert!(
        shown.contains("PyroError")
            && shown.contains("too many open item streams on this connection (max 2)"),
        "{shown}"
    );
    // Another connection has its own allowance.
    let mut other = RawClient::connect(addr).await;
    other
        .handshake(Serializer::Marshal, "test.echoserver")
        .await;
    let reply = other
        .invoke(
            Serializer::Marshal,
            1,
            "test.echoserver",
            "generator",
            tuple![],
        )
        .await;
    assert!(reply.has(Flags::ITEMSTREAMRESULT));
    server.stop().await;
}
