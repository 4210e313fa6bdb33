//! The daemon and proxy against the real Python Pyro5 5.17, both directions:
//! Python proxies call the Rust echo server with every serializer, and the Rust proxy calls
//! Python's echo server. Plus 1,000 concurrent connections to one Rust daemon.

use std::sync::Arc;
use std::time::Duration;

use pyroxene::echo::{ECHO_OBJECT_NAME, EchoServer};
use pyroxene::{Daemon, ErrorKind, Proxy, Serializer, Value, dict, list, tuple};
use pyroxene_testkit::{PythonProcess, python};

async fn rust_echo_daemon() -> (Daemon, String) {
    let daemon = Daemon::builder()
        .host("127.0.0.1")
        .port(0)
        .bind()
        .await
        .expect("bind");
    let uri = daemon
        .register_with_id(Arc::new(EchoServer::new(false)), ECHO_OBJECT_NAME)
        .expect("register");
    let serving = daemon.clone();
    tokio::spawn(async move { serving.serve().await });
    (daemon, uri.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxies_call_the_rust_echo_server() {
    let Some(py) = python() else { return };
    let (daemon, uri) = rust_echo_daemon().await;
    for ser in ["serpent", "json", "marshal", "msgpack"] {
        let py = py.clone();
        let uri = uri.clone();
        let (status, out) = tokio::task::spawn_blocking(move || {
            PythonProcess::spawn(&py, &["interop/pyro5_echo_client.py", &uri, ser], &[])
                .expect("start python client")
                .finish()
                .expect("python client output")
        })
        .await
        .expect("join");
        assert!(
            status.success() && out.contains(" passed, 0 failed"),
            "{ser}:\n{out}"
        );
    }
    daemon.shutdown();
}

fn python_echo_server(py: &std::path::Path) -> (PythonProcess, String) {
    let mut server = PythonProcess::spawn(
        py,
        &["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-p", "0"],
        &[],
    )
    .expect("start python echo server");
    let uri = server.wait_for_line("echo uri:").expect("echo uri line");
    (server, uri)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_calls_the_python_echo_server() {
    let Some(py) = python() else { return };
    let (_server, uri) = python_echo_server(&py);
    for ser in Serializer::ALL {
        let proxy = Proxy::new(&uri).expect("uri").with_serializer(ser);
        let meta = proxy.connect().await.expect("connect");
        assert!(meta.oneway.contains(&"oneway_echo".to_owned()), "{meta:?}");
        let mut values = vec![
            Value::None,
            Value::Bool(true),
            Value::Int(42),
            Value::from(1u128 << 100),
            Value::Float(2.5),
            Value::from("unicode é€☃ 😀"),
            list![1, list![2, "three"], Value::None],
            dict! { "a" => 1, "b" => list![1.5, false] },
        ];
        if ser != Serializer::Json {
            values.push(Value::Complex { re: 1.0, im: -2.0 });
        }
        if matches!(ser, Serializer::Marshal | Serializer::Msgpack) {
            values.push(Value::Bytes(b"\x00\x01bytes".to_vec().into()));
        }
        for v in values {
            let got = proxy
                .call("echo", Value::Tuple(vec![v.clone()]), None)
                .await
                .expect("echo");
            assert_eq!(got, ser.normalize(&v), "{} echo {v}", ser.name());
        }
        let err = proxy
            .call("error", tuple![], None)
            .await
            .expect_err("error() raises");
        assert_eq!(err.kind(), ErrorKind::Remote);
        let remote = err.remote().expect("remote exception");
        assert_eq!(remote.class, "builtins.ValueError");
        assert_eq!(
            remote.args,
            vec![Value::from(
                "this is the generated error from echoserver echo() method"
            )]
        );
        assert!(
            remote
                .traceback
                .as_ref()
                .is_some_and(|t| t.iter().any(|l| l.contains("Traceback")))
        );
        // oneway (the metadata says so): no reply is read, so this returns None.
        assert_eq!(
            proxy
                .call("oneway_echo", tuple!["x"], None)
                .await
                .expect("oneway"),
            Value::None
        );
        if ser != Serializer::Marshal {
            assert_eq!(
                proxy.get_attr("verbose").await.expect("get"),
                Value::Bool(false)
            );
        }
        let private = proxy
            .call("_private", tuple![], None)
            .await
            .expect_err("private");
        assert_eq!(
            private.remote().expect("remote").class,
            "builtins.AttributeError"
        );
    }
    // A timeout on the 5-second slow() call.
    let proxy = Proxy::new(&uri)
        .expect("uri")
        .with_timeout(Some(Duration::from_millis(500)));
    let err = proxy
        .call("slow", tuple![], None)
        .await
        .expect_err("times out");
    assert!(err.is_timeout(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_calls_the_rust_daemon_concurrently() {
    let (daemon, uri) = rust_echo_daemon().await;
    // One proxy shared by many tasks: a pool of connections underneath.
    let shared = Proxy::new(&uri).expect("uri");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..64i64 {
        let p = shared.clone();
        tasks.spawn(async move { p.call_as::<i64>("echo", (i,)).await });
    }
    let mut sum = 0;
    while let Some(r) = tasks.join_next().await {
        sum += r.expect("join").expect("call");
    }
    assert_eq!(sum, (0..64).sum::<i64>());
    // 1,000 clients, each with its own connection, all connected at once, all answered.
    let proxies: Vec<Proxy> = (0..1000).map(|_| Proxy::new(&uri).expect("uri")).collect();
    let mut connects = tokio::task::JoinSet::new();
    for p in proxies.iter().cloned() {
        connects.spawn(async move { p.connect().await.map(|_| p) });
    }
    let mut connected = Vec::new();
    while let Some(r) = connects.join_next().await {
        connected.push(r.expect("join").expect("connect"));
    }
    let mut calls = tokio::task::JoinSet::new();
    for (i, p) in connected.into_iter().enumerate() {
        calls.spawn(async move { (i, p.call("echo", tuple![i as i64], None).await) });
    }
    let mut answered = 0;
    while let Some(r) = calls.join_next().await {
        let (i, answer) = r.expect("join");
        assert_eq!(answer.expect("answer"), Value::Int(i as i64));
        answered += 1;
    }
    assert_eq!(answered, 1000);
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_call_does_not_delay_other_connections() {
    let (daemon, uri) = rust_echo_daemon().await;
    let slow = Proxy::new(&uri).expect("uri");
    let slow_call = tokio::spawn(async move { slow.call("slow", tuple![], None).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let fast = Proxy::new(&uri).expect("uri");
    for i in 0..20i64 {
        assert_eq!(
            fast.call("echo", tuple![i], None).await.expect("echo"),
            Value::Int(i)
        );
    }
    // Ordering, not timing: all 20 answers came while slow() (5 s) is still running.
    assert!(!slow_call.is_finished(), "slow() should still be sleeping");
    slow_call.abort();
    daemon.shutdown();
}
