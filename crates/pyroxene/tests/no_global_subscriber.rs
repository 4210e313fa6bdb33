//! The library installs no tracing subscriber by itself: after a daemon served calls from a
//! proxy (and the environment's config was read), no global dispatcher is set. Only an
//! application installs one (`logging::init_from_config` behind the `logging` feature, as the
//! `pyroxene` binaries do, or a subscriber of its own). Its own test binary: a global
//! dispatcher is per process.

mod common;

use common::TestDaemon;
use pyroxene::{Config, Daemon, Proxy, Value, tuple};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_and_calling_install_no_subscriber() {
    assert!(!tracing::dispatcher::has_been_set(), "set before the test");
    let _config = Config::from_env();
    let server =
        TestDaemon::start(Daemon::builder_with(&Config::default()).host("127.0.0.1")).await;
    let proxy = Proxy::new(server.echo_uri()).expect("uri");
    assert_eq!(
        proxy.call("echo", tuple!["hi"], None).await.expect("echo"),
        Value::from("hi")
    );
    // The daemon logs a line when the connection goes.
    proxy.release();
    server.stop().await;
    tracing::info!("an event with no subscriber goes nowhere");
    assert!(
        !tracing::dispatcher::has_been_set(),
        "the library installed a global subscriber"
    );
}
