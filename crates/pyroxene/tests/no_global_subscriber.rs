//! The library installs no tracing subscriber by itself: after a daemon served calls from a
//! proxy (and the environment's config was read), no global dispatcher is set. Only an
//! application installs one (`logging::init_from_config` behind the `logging` feature, as the
//! `pyroxene` binaries do, or a subscriber of its own). Its own test binary: a global
//! dispatcher is per process.

use std::sync::Arc;

use pyroxene::echo::{ECHO_OBJECT_NAME, EchoServer};
use pyroxene::{Config, Daemon, Proxy, Value, tuple};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_and_calling_install_no_subscriber() {
    assert!(!tracing::dispatcher::has_been_set(), "set before the test");
    let _config = Config::from_env();
    let daemon = Daemon::builder()
        .host("127.0.0.1")
        .port(0)
        .bind()
        .await
        .expect("bind");
    let uri = daemon
        .register_with_id(Arc::new(EchoServer::new(false)), ECHO_OBJECT_NAME)
        .expect("register");
    tokio::spawn({
        let daemon = daemon.clone();
        async move { daemon.serve().await }
    });
    let proxy = Proxy::new(uri.to_string()).expect("uri");
    assert_eq!(
        proxy.call("echo", tuple!["hi"], None).await.expect("echo"),
        Value::from("hi")
    );
    // An error path logs too (the daemon's debug line for a closed connection).
    proxy.release();
    daemon.shutdown();
    tracing::info!("an event with no subscriber goes nowhere");
    assert!(
        !tracing::dispatcher::has_been_set(),
        "the library installed a global subscriber"
    );
}
