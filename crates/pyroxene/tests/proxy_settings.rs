//! `ProxySettings` held apart from a proxy's connection state: a clone shares both, every
//! `with_*` makes a new proxy with its own settings and its own connections, and the proxy it
//! was called on (with its other clones) keeps its settings, annotations and correlation id.

mod common;

use std::time::Duration;

use common::{TestDaemon, wait_until};
use pyroxene::client::{ProxySettings, RequestContext};
use pyroxene::{Config, CorrelationId, Daemon, Proxy, Serializer, Value, dict, tuple};

/// The annotations and correlation id `echo_annotations` saw, as its reply dict.
async fn seen(proxy: &Proxy) -> Value {
    proxy
        .call_with_context("echo_annotations", tuple![], None, &RequestContext::new())
        .await
        .expect("call")
        .value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_methods_fork_and_clones_keep_their_settings() {
    let server =
        TestDaemon::start(Daemon::builder_with(&Config::default()).host("127.0.0.1")).await;
    let uri = server.context_uri().parse().expect("uri");
    let first = Proxy::with_settings(uri, ProxySettings::default())
        .with_annotation(id("XONE"), b"1".to_vec());
    let clone = first.clone();
    let forked = first
        .clone()
        .with_annotation(id("XTWO"), b"2".to_vec())
        .with_correlation_id(Some(CorrelationId([7; 16])))
        .with_timeout(Some(Duration::from_secs(5)))
        .with_serializer(Serializer::Json);

    // The settings: the fork has its own, the original and its clone keep theirs.
    for unchanged in [&first, &clone] {
        let s = unchanged.settings();
        assert_eq!(s.annotations, [(id("XONE"), b"1".to_vec())]);
        assert_eq!(
            (s.correlation_id, s.timeout, s.serializer),
            (None, None, Serializer::Serpent)
        );
    }
    let s = forked.settings();
    assert_eq!(
        s.annotations,
        [(id("XONE"), b"1".to_vec()), (id("XTWO"), b"2".to_vec())]
    );
    assert_eq!(
        (s.correlation_id, s.timeout, s.serializer),
        (
            Some(CorrelationId([7; 16])),
            Some(Duration::from_secs(5)),
            Serializer::Json
        )
    );

    // On the wire: each proxy sends its own annotations and correlation id.
    let mine = seen(&first).await;
    assert_eq!(mine.get("annotations"), Some(&dict! { "XONE" => "1" }));
    assert_ne!(
        mine.get("correlation_id"),
        Some(&Value::from("07".repeat(16))),
        "the daemon made one"
    );
    let theirs = seen(&forked).await;
    assert_eq!(
        theirs,
        dict! {
            "annotations" => dict! { "XONE" => "1", "XTWO" => "2" },
            "correlation_id" => "07".repeat(16),
        }
    );
    assert_eq!(
        seen(&clone).await.get("annotations"),
        Some(&dict! { "XONE" => "1" })
    );

    // Connections: a clone shares its original's pool, a fork has its own.
    wait_until("two connections", || server.daemon.connections() == 2).await;
    assert!(seen(&clone).await.get("annotations").is_some());
    assert_eq!(server.daemon.connections(), 2, "the clone reused the pool");

    // The same id again replaces it, in the fork only (Python's annotations dict).
    let replaced = first.clone().with_annotation(id("XONE"), b"one".to_vec());
    assert_eq!(
        replaced.settings().annotations,
        [(id("XONE"), b"one".to_vec())]
    );
    assert_eq!(
        seen(&replaced).await.get("annotations"),
        Some(&dict! { "XONE" => "one" })
    );
    assert_eq!(first.settings().annotations[0].1, b"1");
    server.stop().await;
}

#[test]
fn settings_from_a_config_and_defaults() {
    let mut config = Config::default();
    config.serializer = Serializer::Msgpack;
    config.commtimeout = Some(Duration::from_millis(1500));
    config.max_retries = 2;
    config.compression = true;
    config.max_message_size = 4096;
    config.ns_port = 9095;
    let s = ProxySettings::from_config(&config);
    assert_eq!(s.serializer, Serializer::Msgpack);
    assert_eq!(s.timeout, Some(Duration::from_millis(1500)));
    assert_eq!(
        (s.max_retries, s.compression, s.max_message_size),
        (2, true, 4096)
    );
    assert_eq!(
        s.naming.ns_port, 9095,
        "PYRONAME: resolves with the same config"
    );
    assert_eq!(s.handshake, Value::from("hello"));

    let d = ProxySettings::default();
    assert_eq!(
        (d.serializer, d.timeout, d.max_retries),
        (Serializer::Serpent, None, 0)
    );
    assert_eq!(d.max_message_size, 1 << 30);
    assert!(d.annotations.is_empty() && d.correlation_id.is_none() && d.hmac_key.is_none());
    assert_eq!(*d.naming, Config::default());

    // The HMAC key is a secret: Debug shows only that there is one.
    let keyed =
        Proxy::with_settings("PYRO:o@127.0.0.1:1".parse().expect("uri"), d).with_hmac_key("sekrit");
    let text = format!("{keyed:?}");
    assert!(
        text.contains("hmac_key: Some(\"<set>\")") && !text.contains("sekrit"),
        "{text}"
    );
}

/// An annotation id from its four characters.
fn id(text: &str) -> pyroxene::AnnotationId {
    text.parse().expect("a valid annotation id")
}
