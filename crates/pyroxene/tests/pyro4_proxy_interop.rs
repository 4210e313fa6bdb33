//! The Rust proxy against the real Python Pyro4 4.82 (protocol 48): its echo server with
//! serpent, json, marshal and pickle (values, exceptions, oneway, batch, streaming, metadata,
//! attributes), HMAC keys, and `auto` protocol detection against Pyro4 and Pyro5 daemons.

use pyroxene::config::Protocol;
use pyroxene::{ErrorKind, ProtocolVersion, Proxy, Serializer, Value, dict, list, tuple};
use pyroxene_testkit::{PythonProcess, python};

const V4: ProtocolVersion = ProtocolVersion::V4;

/// `python -m Pyro4.test.echoserver` on 127.0.0.1 (pickle accepted too), with an HMAC key
/// when given; returns the process (killed on drop) and the echo URI.
fn pyro4_echo_server(py: &std::path::Path, key: Option<&str>) -> (PythonProcess, String) {
    let mut args = vec!["-m", "Pyro4.test.echoserver", "-H", "127.0.0.1", "-p", "0"];
    if let Some(key) = key {
        args.extend(["-k", key]);
    }
    let mut server = PythonProcess::spawn(
        py,
        &args,
        &[("PYRO_SERIALIZERS_ACCEPTED", "serpent,json,marshal,pickle")],
    )
    .expect("start the Pyro4 echo server");
    let uri = server.wait_for_line("echo uri:").expect("echo uri line");
    (server, uri)
}

fn python_or_skip() -> Option<std::path::PathBuf> {
    python()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_calls_the_pyro4_echo_server_with_each_serializer() {
    let Some(py) = python_or_skip() else { return };
    let (_server, uri) = pyro4_echo_server(&py, None);
    for ser in [
        Serializer::Serpent,
        Serializer::Json,
        Serializer::Marshal,
        Serializer::Pickle,
    ] {
        let proxy = Proxy::new(&uri)
            .expect("uri")
            .with_protocol(V4)
            .with_serializer(ser);
        // Metadata (lists in Pyro4) from CONNECTOK with META_ON_CONNECT.
        let meta = proxy.connect().await.expect("connect");
        assert_eq!(proxy.protocol_version(), Some(V4));
        assert!(meta.methods.contains("echo"), "{ser:?}: {meta:?}");
        assert!(meta.oneway.contains("oneway_echo"), "{ser:?}: {meta:?}");
        assert!(meta.attrs.contains("verbose"), "{ser:?}: {meta:?}");

        // Values.
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
        for v in values {
            let got = proxy
                .call("echo", tuple![v.clone()], None)
                .await
                .unwrap_or_else(|e| panic!("{ser:?} echo {v}: {e}"));
            assert_eq!(got, ser.normalize(&v), "{ser:?}");
        }

        // Exceptions: class, args and the remote traceback.
        let err = proxy
            .call("error", tuple![], None)
            .await
            .expect_err("error() raises");
        assert_eq!(err.kind(), ErrorKind::Remote, "{ser:?}: {err}");
        let remote = err.remote().expect("remote exception");
        assert!(remote.is_builtin("ValueError"), "{ser:?}: {remote:?}");
        assert_eq!(
            remote.message(),
            "expected error from echoserver error() method",
            "{ser:?}"
        );
        let tb = remote.traceback.clone().unwrap_or_default().join("");
        assert!(
            tb.contains("Traceback") && tb.contains("ValueError"),
            "{ser:?}: {tb}"
        );

        // Oneway: returns at once with None; the connection stays usable.
        assert_eq!(
            proxy
                .call("oneway_echo", tuple!["x"], None)
                .await
                .expect("oneway"),
            Value::None
        );
        assert_eq!(
            proxy
                .call("echo", tuple!["after"], None)
                .await
                .expect("echo"),
            Value::from("after")
        );

        // Attributes.
        assert_eq!(
            proxy.get_attr("verbose").await.expect("get"),
            Value::Bool(false)
        );
        proxy
            .set_attr("verbose", Value::Bool(false))
            .await
            .expect("set");

        // Batch: results up to the first error (Pyro4.futures._ExceptionWrapper).
        let mut batch = proxy.batch();
        batch.call("echo", tuple![1], None);
        batch.call("echo", tuple!["two"], None);
        batch.call("error", tuple![], None);
        batch.call("echo", tuple![4], None);
        if ser == Serializer::Marshal {
            // Pyro4's own limit: its marshal serializer can't dump the _ExceptionWrapper in
            // the results, so the whole batch fails on the daemon, as for a Python client.
            let err = batch
                .send()
                .await
                .expect_err("pyro4 marshal batch with an error");
            assert!(err.to_string().contains("unmarshallable object"), "{err}");
            let mut batch = proxy.batch();
            batch.call("echo", tuple![1], None);
            batch.call("echo", tuple!["two"], None);
            let results = batch.send().await.expect("batch");
            assert_eq!(results.values, vec![Value::Int(1), Value::from("two")]);
        } else {
            let results = batch.send().await.expect("batch");
            assert_eq!(
                results.values,
                vec![Value::Int(1), Value::from("two")],
                "{ser:?}"
            );
            let batch_err = results.error.expect("the batch stopped at error()");
            assert!(batch_err.is_builtin("ValueError"), "{ser:?}: {batch_err:?}");
        }

        // Streaming: the generator's items through Pyro4's get_next_stream_item.
        let items = collect(
            proxy
                .call_stream("generator", tuple![], None)
                .await
                .expect("stream"),
        )
        .await;
        assert_eq!(
            items,
            vec![Value::from("one"), Value::from("two"), Value::from("three")],
            "{ser:?}"
        );
    }
}

async fn collect(stream: pyroxene::client::RemoteStream) -> Vec<Value> {
    stream.collect_all().await.expect("stream items")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_detects_a_pyro4_daemon_which_keeps_serving() {
    let Some(py) = python_or_skip() else { return };
    let (_server, uri) = pyro4_echo_server(&py, None);
    let proxy = Proxy::new(&uri).expect("uri");
    assert_eq!(proxy.protocol_version(), None);
    assert_eq!(
        proxy
            .call("echo", tuple!["auto"], None)
            .await
            .expect("auto call"),
        Value::from("auto")
    );
    assert_eq!(proxy.protocol_version(), Some(V4));
    // A second client (a fresh auto proxy, then a Python Pyro4 proxy) is served afterwards.
    let second = Proxy::new(&uri).expect("uri").with_protocol(Protocol::Auto);
    assert_eq!(
        second.call("echo", tuple![2], None).await.expect("second"),
        Value::Int(2)
    );
    let (status, out) = tokio::task::spawn_blocking(move || {
        PythonProcess::spawn(
            &py,
            &[
                "-c",
                "import sys, Pyro4; p = Pyro4.Proxy(sys.argv[1]); print('echo:', p.echo('py'))",
                &uri,
            ],
            &[],
        )
        .expect("python client")
        .finish()
        .expect("python output")
    })
    .await
    .expect("join");
    assert!(status.success() && out.contains("echo: py"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_speaks_pyro5_to_a_pyro5_daemon() {
    let Some(py) = python_or_skip() else { return };
    let mut server = PythonProcess::spawn(
        &py,
        &["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-p", "0"],
        &[],
    )
    .expect("start the Pyro5 echo server");
    let uri = server.wait_for_line("echo uri:").expect("echo uri line");
    let proxy = Proxy::new(&uri).expect("uri");
    assert_eq!(
        proxy
            .call("echo", tuple!["five"], None)
            .await
            .expect("auto call"),
        Value::from("five")
    );
    assert_eq!(proxy.protocol_version(), Some(ProtocolVersion::V5));
    // Asking for Pyro4 explicitly fails against Pyro5 (no silent fallback).
    let v4 = Proxy::new(&uri).expect("uri").with_protocol(V4);
    assert!(v4.call("echo", tuple![1], None).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hmac_key_right_works_wrong_or_missing_refused() {
    let Some(py) = python_or_skip() else { return };
    let (_server, uri) = pyro4_echo_server(&py, Some("secret"));
    // The right key (auto speaks Pyro4 at once: an HMAC key is Pyro4-only).
    let proxy = Proxy::new(&uri).expect("uri").with_hmac_key("secret");
    assert_eq!(proxy.protocol_version(), Some(V4));
    assert_eq!(
        proxy
            .call("echo", tuple!["signed"], None)
            .await
            .expect("keyed call"),
        Value::from("signed")
    );
    let items = collect(
        proxy
            .call_stream("generator", tuple![], None)
            .await
            .expect("stream"),
    )
    .await;
    assert_eq!(items.len(), 3);

    // A wrong key: the daemon refuses ("message hmac mismatch"), its signed answer fails
    // our check with the same words.
    let wrong = Proxy::new(&uri).expect("uri").with_hmac_key("wrong");
    let err = wrong
        .call("echo", tuple![1], None)
        .await
        .expect_err("wrong key");
    assert!(format!("{err:#}").contains("hmac mismatch"), "{err:#}");

    // No key, protocol 4: Pyro4's "hmac key config not symmetric".
    for missing in [
        Proxy::new(&uri).expect("uri").with_protocol(V4),
        Proxy::new(&uri).expect("uri"),
    ] {
        let err = missing
            .call("echo", tuple![1], None)
            .await
            .expect_err("no key");
        assert!(
            format!("{err:#}").contains("hmac key config not symmetric"),
            "{err}"
        );
    }

    // The daemon still serves the right key afterwards.
    assert_eq!(
        proxy
            .call("echo", tuple![3], None)
            .await
            .expect("still served"),
        Value::Int(3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyroname_resolves_through_a_pyro4_name_server() {
    let Some(py) = python_or_skip() else { return };
    let mut ns = PythonProcess::spawn(
        &py,
        &["-m", "Pyro4.naming", "-n", "127.0.0.1", "-p", "0", "-x"],
        &[],
    )
    .expect("start the Pyro4 name server");
    let ns_uri = ns.wait_for_line("URI =").expect("URI line");
    let port = ns_uri.rsplit(':').next().expect("port").to_owned();
    let mut server = PythonProcess::spawn(
        &py,
        &[
            "-m",
            "Pyro4.test.echoserver",
            "-H",
            "127.0.0.1",
            "-p",
            "0",
            "-n",
        ],
        &[("PYRO_NS_HOST", "127.0.0.1"), ("PYRO_NS_PORT", &port)],
    )
    .expect("start the Pyro4 echo server");
    server.wait_for_line("echo uri:").expect("echo uri line");
    server
        .wait_for_line("echoserver running.")
        .expect("registered and running");
    // The typed client on the Pyro4 API: lookup, list, and the metadata search via list().
    let ns_client = pyroxene::naming::NameServer::new(Proxy::new(&ns_uri).expect("ns uri"));
    let found = ns_client.lookup("test.echoserver").await.expect("lookup");
    assert_eq!(found.object(), "test.echoserver");
    assert_eq!(ns_client.protocol_version().await.expect("version"), V4);
    let listed = ns_client
        .list(pyroxene::naming::ListFilter::Prefix("test."))
        .await
        .expect("list");
    assert!(listed.contains_key("test.echoserver"), "{listed:?}");
    let by_meta = ns_client
        .yplookup(&pyroxene::naming::MetaFilter::all([
            "class:Pyro4.naming.NameServer",
        ]))
        .await
        .expect("metadata search");
    assert!(by_meta.contains_key("Pyro.NameServer"), "{by_meta:?}");
    // A PYRONAME proxy: resolved through the Pyro4 name server, then calls in Pyro4.
    let proxy = Proxy::new(format!("PYRONAME:test.echoserver@127.0.0.1:{port}")).expect("uri");
    assert_eq!(
        proxy
            .call("echo", tuple!["named"], None)
            .await
            .expect("call"),
        Value::from("named")
    );
    assert_eq!(proxy.protocol_version(), Some(V4));
}
