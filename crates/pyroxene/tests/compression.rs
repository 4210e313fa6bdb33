//! COMPRESSION on send: the daemon and the proxy compress payloads over 100 bytes (zlib level 4)
//! when asked, as Pyro5 does, checked on the wire and against the real Python Pyro5.

mod common;

use common::{RawClient, TestDaemon, python_client, python_echo_server};
use pyroxene::client::ProxySettings;
use pyroxene::echo::ECHO_OBJECT_NAME;
use pyroxene::wire::protocol::compress::decompress;
use pyroxene::wire::protocol::{Flags, MessageType};
use pyroxene::{Daemon, Proxy, Serializer, Value, dict, list, tuple};
use pyroxene_testkit::python;

fn big_values(ser: Serializer) -> Vec<Value> {
    let mut values = vec![
        Value::from("x".repeat(1_000_000)),
        Value::from("unicode é€☃ 😀 ".repeat(5000)),
        (0..20_000i64).map(Value::Int).collect::<Vec<_>>().into(),
        (0..2000)
            .map(|i| (format!("k{i}"), list![i, i.to_string()]))
            .collect::<Value>(),
    ];
    if matches!(ser, Serializer::Marshal | Serializer::Msgpack) {
        values.push(Value::Bytes((0..=255u8).cycle().take(256_000).collect()));
    }
    values
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxy_with_compression_calls_the_rust_daemon() {
    let Some(py) = python() else { return };
    let server = TestDaemon::start(Daemon::builder().host("127.0.0.1").compression(true)).await;
    let uri = server.echo_uri();
    for ser in ["serpent", "json", "marshal", "msgpack"] {
        // Python compresses its requests; the script checks that our big replies arrived
        // compressed and a small one did not.
        python_client(
            &py,
            "compression",
            &uri,
            ser,
            None,
            &[("PYRO_COMPRESSION", "true")],
        )
        .await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_with_compression_calls_the_python_echo_server() {
    let Some(py) = python() else { return };
    // Python's daemon refuses anything over 100 kB on the wire: a 1 MB value only gets through
    // compressed, so an answer proves our request was compressed (and Python's reply too).
    let (_server, uri) = python_echo_server(
        &py,
        &[
            ("PYRO_COMPRESSION", "true"),
            ("PYRO_MAX_MESSAGE_SIZE", "100000"),
        ],
    );
    let big = Value::from("x".repeat(1_000_000));
    for ser in Serializer::ALL {
        let proxy = Proxy::new(&uri)
            .expect("uri")
            .with_serializer(ser)
            .with_compression(true);
        let got = proxy
            .call("echo", Value::Tuple(vec![big.clone()]), None)
            .await
            .expect("compressed echo");
        assert_eq!(got, big, "{ser:?}");
        let small = proxy.call("echo", tuple![1], None).await.expect("small");
        assert_eq!(small, Value::Int(1));
    }
    // The control: uncompressed, the same call is refused (a typed error, not a hang)...
    let plain = Proxy::new(&uri).expect("uri");
    let err = plain
        .call("echo", Value::Tuple(vec![big.clone()]), None)
        .await
        .expect_err("too large uncompressed");
    assert!(err.is_communication(), "{:?}: {err}", err.kind());
    // ...and the server goes on serving.
    let again = Proxy::new(&uri).expect("uri").with_compression(true);
    assert_eq!(
        again
            .call("echo", Value::Tuple(vec![big.clone()]), None)
            .await
            .expect("echo"),
        big
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_daemon_compresses_on_the_wire() {
    let server = TestDaemon::start(Daemon::builder().host("127.0.0.1").compression(true)).await;
    let addr = server.daemon.local_addr().expect("tcp");
    for ser in Serializer::ALL {
        let mut raw = RawClient::connect(addr).await;
        // CONNECTOK carries the metadata (over 100 bytes): compressed, as Python's daemon does.
        let ok = raw.handshake(ser, ECHO_OBJECT_NAME).await;
        assert_eq!(ok.msg_type, MessageType::ConnectOk);
        assert!(ok.has(Flags::COMPRESSED), "{ser:?} CONNECTOK");
        let text = "compress me ".repeat(100);
        let reply = raw
            .invoke(ser, 1, ECHO_OBJECT_NAME, "echo", tuple![text.clone()])
            .await;
        assert!(reply.has(Flags::COMPRESSED), "{ser:?} big RESULT");
        let inflated = decompress(&reply.payload, 1 << 20).expect("zlib");
        assert!(inflated.len() > reply.payload.len());
        assert_eq!(
            ser.decode(&inflated).expect("decode"),
            Value::from(text.as_str())
        );
        // 100 bytes or less: sent as is.
        let reply = raw
            .invoke(ser, 2, ECHO_OBJECT_NAME, "echo", tuple![1])
            .await;
        assert!(!reply.has(Flags::COMPRESSED), "{ser:?} small RESULT");
        assert!(reply.payload.len() <= 100);
        assert_eq!(ser.decode(&reply.payload).expect("decode"), Value::Int(1));
    }
    // Without the option nothing is compressed.
    let plain = TestDaemon::start(Daemon::builder().host("127.0.0.1")).await;
    let mut raw = RawClient::connect(plain.daemon.local_addr().expect("tcp")).await;
    let ok = raw.handshake(Serializer::Serpent, ECHO_OBJECT_NAME).await;
    assert!(!ok.has(Flags::COMPRESSED));
    let reply = raw
        .invoke(
            Serializer::Serpent,
            1,
            ECHO_OBJECT_NAME,
            "echo",
            tuple!["compress me ".repeat(100)],
        )
        .await;
    assert!(!reply.has(Flags::COMPRESSED));
    plain.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_and_rust_daemon_both_compressing() {
    let server = TestDaemon::start(Daemon::builder().host("127.0.0.1").compression(true)).await;
    let uri = server.echo_uri();
    for ser in Serializer::ALL {
        let proxy = Proxy::new(&uri)
            .expect("uri")
            .with_serializer(ser)
            .with_compression(true);
        for v in big_values(ser) {
            let got = proxy
                .call("echo", Value::Tuple(vec![v.clone()]), None)
                .await
                .expect("echo");
            assert_eq!(got, ser.normalize(&v), "{ser:?}");
        }
        assert_eq!(
            proxy
                .call("echo", tuple![dict! {"small" => 1}], None)
                .await
                .expect("small"),
            dict! {"small" => 1}
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_compression_reaches_daemon_and_proxy() {
    let config =
        pyroxene::Config::from_vars([("PYRO_COMPRESSION", "true"), ("PYRO_HOST", "127.0.0.1")])
            .expect("config");
    let server = TestDaemon::start(Daemon::builder_with(&config)).await;
    let mut raw = RawClient::connect(server.daemon.local_addr().expect("tcp")).await;
    let ok = raw.handshake(Serializer::Serpent, ECHO_OBJECT_NAME).await;
    assert!(ok.has(Flags::COMPRESSED), "the daemon took COMPRESSION");
    let settings = ProxySettings::from_config(&config);
    let proxy = Proxy::with_settings(server.echo_uri().parse().expect("uri"), settings);
    let big = Value::from("y".repeat(200_000));
    assert_eq!(
        proxy
            .call("echo", Value::Tuple(vec![big.clone()]), None)
            .await
            .expect("echo"),
        big
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_compression_reaches_the_proxy_on_the_wire() {
    let Some(py) = python() else { return };
    // As above: Python's daemon takes a 1 MB value only compressed, so the answer proves the
    // proxy compressed because PYRO_COMPRESSION said so (and that Python's reply inflates).
    let (_server, uri) = python_echo_server(
        &py,
        &[
            ("PYRO_COMPRESSION", "true"),
            ("PYRO_MAX_MESSAGE_SIZE", "100000"),
        ],
    );
    let config = pyroxene::Config::from_vars([("PYRO_COMPRESSION", "true")]).expect("config");
    let big = Value::from("z".repeat(1_000_000));
    let settings = ProxySettings::from_config(&config);
    let proxy = Proxy::with_settings(uri.parse().expect("uri"), settings);
    let got = proxy
        .call("echo", Value::Tuple(vec![big.clone()]), None)
        .await
        .expect("compressed by config");
    assert_eq!(got, big);
}
