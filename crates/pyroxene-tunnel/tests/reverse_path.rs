//! The reverse path and callbacks across the tunnel, against a real sshd: Rust objects served
//! to the "remote" side through reverse forwards, called by a Python Pyro5 client there, and
//! callbacks both ways (the old `async_method` pattern).

mod support;

use std::sync::Arc;

use pyroxene::client::Args;
use pyroxene::naming::locate_ns_with;
use pyroxene::{Config, dict, to_value};
use pyroxene_testkit::ssh::free_port;
use pyroxene_tunnel::{LaunchMode, Location, launch};
use support::{Collector, Counter};

/// `tunnel.serve`: the registration in the remote name server is valid there (host = the
/// remote's loopback, port = the reverse forward's, not the local daemon's); a Python Pyro5
/// client on the remote side calls the Rust object, and passes a callback of its own daemon
/// (on the remote's loopback) to the oneway `count`, which reports progress and the total
/// through it: the Rust side reaches that callback through a forward the tunnel makes on
/// demand. On shutdown the name is gone from the name server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_on_the_remote_calls_a_rust_object_with_callbacks() {
    let Some((sshd, python)) = support::peers() else {
        return;
    };
    let ns_port = free_port();
    let _ns = support::python_ns(&python, "127.0.0.1", ns_port);
    let tunnel = support::tunnel(&sshd, "localhost", ns_port).await;

    let served = tunnel
        .serve(Arc::new(Counter), "rust.counter")
        .await
        .unwrap();
    let reverse = served.reverse_forward().unwrap();
    let local_port = served.daemon().local_addr().unwrap().port();
    assert_ne!(reverse.remote_port, local_port);
    assert_eq!(
        served.uri().to_string(),
        format!("PYRO:rust.counter@127.0.0.1:{}", reverse.remote_port)
    );
    // what the remote's name server holds (asked directly, as a remote client does)
    let mut remote_view = Config::default();
    remote_view.ns_host = "127.0.0.1".into();
    let remote_ns = locate_ns_with(&remote_view, Some("127.0.0.1"), Some(ns_port))
        .await
        .unwrap();
    assert_eq!(
        remote_ns.lookup("rust.counter").await.unwrap(),
        *served.uri()
    );

    let out = support::python_client(&python, ns_port, "rust.counter", 5);
    assert_eq!(out, "SQUARE 49\nPROGRESS [1, 2, 3, 4, 5]\nDONE 15\n");
    // the callback object lives in the Python client's daemon on the remote's loopback: the
    // Rust side reached it through a forward
    let forwards = tunnel.forwards().await;
    assert!(
        forwards
            .iter()
            .any(|f| f.remote.host == "127.0.0.1" && f.remote.port != ns_port),
        "the callback went through a forward: {forwards:?}"
    );

    served.shutdown().await.unwrap();
    let gone = remote_ns.lookup("rust.counter").await.unwrap_err();
    assert!(gone.is_naming_error(), "{gone:?}");
}

/// A Rust client passes a callback (`tunnel.callback`, reached through a reverse forward made
/// automatically) to a oneway Python server method in the `async_method` shape
/// (`cb_info = {"cb_handler", "cb", "cb_updates"}`), which reports progress and the result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_gets_progress_callbacks_from_a_python_server() {
    let Some((sshd, python)) = support::peers() else {
        return;
    };
    let ns_port = free_port();
    let _ns = support::python_ns(&python, "127.0.0.1", ns_port);
    let _worker = support::python_worker(&python, "127.0.0.1", ns_port, "127.0.0.1");
    let tunnel = support::tunnel(&sshd, "127.0.0.1", ns_port).await;

    let collector = Arc::new(Collector::default());
    let handler = tunnel.callback(collector.clone()).await.unwrap();
    let reverse = tunnel
        .callback_forward()
        .expect("the callback daemon is forwarded");
    assert_eq!(handler.uri().port(), Some(reverse.remote_port));
    assert_eq!(handler.uri().host(), Some("127.0.0.1"));

    let worker = tunnel.proxy("lab.worker").unwrap();
    let cb_info = dict! {
        "cb_handler" => to_value(&handler).unwrap(),
        "cb" => "done",
        "cb_updates" => "progress",
    };
    let (args, kwargs) = Args::new().arg(4).kwarg("cb_info", cb_info).into_parts();
    worker.connect().await.unwrap();
    assert!(worker.metadata().unwrap().oneway.contains("integrate"));
    worker.call("integrate", args, kwargs).await.unwrap(); // oneway: returns at once
    let (progress, total) = collector.wait().await;
    assert_eq!(progress, [1, 2, 3, 4]);
    assert_eq!(total, Some(10));
}

/// Rust on both ends: `launch` in reverse mode serves the counter to the remote, a Rust client
/// reaches it through the tunnel's name server and passes a `tunnel.callback`; the counter's
/// calls on the callback travel the tunnel twice (a forward to the remote's loopback, then
/// the reverse forward back here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_reverse_and_callbacks_rust_to_rust() {
    let Some((sshd, python)) = support::peers() else {
        return;
    };
    let ns_port = free_port();
    let _ns = support::python_ns(&python, "127.0.0.1", ns_port);
    let tunnel = support::tunnel(&sshd, "localhost", ns_port).await;
    let served = launch(
        Arc::new(Counter),
        "rust.counter",
        LaunchMode::Reverse(&tunnel),
    )
    .await
    .unwrap();
    let counter = tunnel.proxy("rust.counter").unwrap();
    assert_eq!(counter.call_as::<i64>("square", (12,)).await.unwrap(), 144);
    let collector = Arc::new(Collector::default());
    let handler = tunnel.callback(collector.clone()).await.unwrap();
    counter
        .call_oneway(
            "count",
            pyroxene::tuple![3, to_value(&handler).unwrap()],
            None,
        )
        .await
        .unwrap();
    let (progress, total) = collector.wait().await;
    assert_eq!(progress, [1, 2, 3]);
    assert_eq!(total, Some(6));
    let callback_port = tunnel.callback_forward().unwrap().remote_port;
    assert!(
        tunnel
            .forwards()
            .await
            .iter()
            .any(|f| f.remote == Location::new("127.0.0.1", callback_port)),
        "the counter reached the callback through the tunnel"
    );
    served.shutdown().await.unwrap();
}

/// `launch` in the other modes: Local registers in the name server found from here; Forward
/// registers the daemon's own address in the name server behind the tunnel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_local_and_forward() {
    let Some((sshd, python)) = support::peers() else {
        return;
    };
    let ns_port = free_port();
    let _ns = support::python_ns(&python, "127.0.0.1", ns_port);
    let tunnel = support::tunnel(&sshd, "127.0.0.1", ns_port).await;
    let mut config = Config::default();
    config.host = "127.0.0.1".into();
    config.ns_host = "127.0.0.1".into();
    config.ns_port = ns_port;
    let served = pyroxene_tunnel::launch_with(
        Arc::new(Counter),
        "fwd.counter",
        LaunchMode::Forward(&tunnel),
        &config,
    )
    .await
    .unwrap();
    let local = served.daemon().local_addr().unwrap();
    assert_eq!(
        served.uri().to_string(),
        format!("PYRO:fwd.counter@127.0.0.1:{}", local.port())
    );
    let ns = tunnel.locate_ns().await.unwrap();
    assert_eq!(ns.lookup("fwd.counter").await.unwrap(), *served.uri());
    served.shutdown().await.unwrap();
    assert!(
        ns.lookup("fwd.counter")
            .await
            .unwrap_err()
            .is_naming_error()
    );
    // Local: the name server the configuration names, reached directly
    let local_served = pyroxene_tunnel::launch_with(
        Arc::new(Counter),
        "local.counter",
        LaunchMode::Local,
        &config,
    )
    .await
    .unwrap();
    assert_eq!(
        ns.lookup("local.counter").await.unwrap(),
        *local_served.uri()
    );
    let proxy = tunnel.proxy("local.counter").unwrap();
    assert_eq!(proxy.call_as::<i64>("square", (5,)).await.unwrap(), 25);
    local_served.shutdown().await.unwrap();
}
