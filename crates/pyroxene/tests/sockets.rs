//! Where a daemon listens: IPv6 (`[::1]` in URIs), unix domain sockets (a path, and a Linux
//! abstract name), and the NAT address URIs carry; called by the real Python Pyro5 proxy and by
//! the Rust proxy.

mod common;

use common::{TestDaemon, python_client};
use pyroxene::echo::ECHO_OBJECT_NAME;
use pyroxene::{Daemon, ErrorKind, Proxy, Value, tuple};
use pyroxene_testkit::python;

async fn rust_echo(uri: &str) {
    let proxy = Proxy::new(uri).expect("uri");
    assert_eq!(
        proxy
            .call("echo", tuple!["hello"], None)
            .await
            .expect("echo"),
        Value::from("hello")
    );
    assert_eq!(
        proxy
            .call("echo", tuple![Value::from(1u128 << 70)], None)
            .await
            .expect("echo"),
        Value::from(1u128 << 70)
    );
}

/// A socket path no other test (or test run) uses.
fn socket_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("pyroxene-{name}-{}.sock", std::process::id()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_daemon_called_by_python_and_rust() {
    let server = TestDaemon::start(Daemon::builder().host("::1")).await;
    let port = server.daemon.local_addr().expect("tcp").port();
    assert_eq!(server.daemon.location(), format!("[::1]:{port}"));
    let uri = server.echo_uri();
    assert_eq!(uri, format!("PYRO:test.echoserver@[::1]:{port}"));
    rust_echo(&uri).await;
    if let Some(py) = python() {
        python_client(&py, "call", &uri, "serpent", Some("IPv6"), &[]).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_path_daemon_called_by_python_and_rust() {
    let path = socket_path("path");
    let _ = std::fs::remove_file(&path);
    let path_text = path.to_str().expect("utf-8 temp dir").to_owned();
    let server = TestDaemon::start(Daemon::builder().unixsocket(path_text.clone())).await;
    assert_eq!(server.daemon.location(), format!("./u:{path_text}"));
    assert!(server.daemon.local_addr().is_none());
    let uri = server.echo_uri();
    assert_eq!(uri, format!("PYRO:test.echoserver@./u:{path_text}"));
    rust_echo(&uri).await;
    if let Some(py) = python() {
        for ser in ["serpent", "msgpack"] {
            python_client(&py, "call", &uri, ser, Some("Unix"), &[]).await;
        }
    }
    // The daemon removes its socket file when it stops.
    assert!(path.exists());
    server.stop().await;
    assert!(!path.exists());
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abstract_unix_daemon_called_by_rust() {
    let name = format!("\0pyroxene-abstract-{}", std::process::id());
    let server = TestDaemon::start(Daemon::builder().unixsocket(name.clone())).await;
    let uri = server.echo_uri();
    assert_eq!(uri, format!("PYRO:test.echoserver@./u:{name}"));
    rust_echo(&uri).await;
    // Nothing on the file system.
    assert!(!std::path::Path::new(&name[1..]).exists());
    server.stop().await;
    // Gone with the daemon: connecting now fails with a typed error. Usually "cannot connect"
    // (Communication); but a child process another test forks at that moment holds a copy of
    // the listening socket until it execs, and a connect landing in that window is accepted by
    // the kernel and then dropped (ConnectionClosed).
    let err = Proxy::new(&uri)
        .expect("uri")
        .connect()
        .await
        .expect_err("no daemon");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Communication | ErrorKind::ConnectionClosed
        ),
        "{:?}: {err}",
        err.kind()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nat_address_in_uris() {
    // NAT port 0: the daemon's own port, as Python's Daemon(natport=0) does.
    let server = TestDaemon::start(
        Daemon::builder()
            .host("127.0.0.1")
            .nat("pyro.example.org", 0),
    )
    .await;
    let port = server.daemon.local_addr().expect("tcp").port();
    let registered = server
        .daemon
        .register(std::sync::Arc::new(pyroxene::echo::EchoServer::new(false)))
        .expect("register");
    assert_eq!(registered.host(), Some("pyro.example.org"));
    assert_eq!(registered.port(), Some(port));
    assert!(registered.object().starts_with("obj_"));
    assert_eq!(
        server
            .daemon
            .uri_for(ECHO_OBJECT_NAME)
            .expect("uri")
            .to_string(),
        format!("PYRO:test.echoserver@pyro.example.org:{port}")
    );
    let inside = server
        .daemon
        .internal_uri_for(ECHO_OBJECT_NAME)
        .expect("uri")
        .to_string();
    assert_eq!(inside, format!("PYRO:test.echoserver@127.0.0.1:{port}"));
    // The daemon object tells the NAT address, as Python's info() does.
    let info = Proxy::new(inside.replace("test.echoserver", "Pyro.Daemon"))
        .expect("uri")
        .call("info", tuple![], None)
        .await
        .expect("info");
    assert!(
        info.as_str().is_some_and(|t| t.contains(&format!(
            "bound on 127.0.0.1:{port}, NAT pyro.example.org:{port}"
        ))),
        "{info}"
    );
    rust_echo(&inside).await;
    server.stop().await;

    // An explicit NAT port, and an IPv6 NAT host (bracketed in URIs).
    let server = TestDaemon::start(Daemon::builder().host("127.0.0.1").nat("::1", 5555)).await;
    assert_eq!(
        server
            .daemon
            .uri_for(ECHO_OBJECT_NAME)
            .expect("uri")
            .to_string(),
        "PYRO:test.echoserver@[::1]:5555"
    );
    server.stop().await;

    // NAT and a unix socket don't mix (Python: ValueError).
    let err = Daemon::builder()
        .unixsocket(socket_path("nat").to_string_lossy().into_owned())
        .nat("pyro.example.org", 0)
        .bind()
        .await
        .err()
        .expect("refused");
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(err.message(), "cannot use nathost together with unixsocket");
}
