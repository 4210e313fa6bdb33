//! Instance modes, proxies as values (autoproxy), callbacks and kept-serialized blobs between
//! a Rust proxy and a Rust daemon.

#[path = "support/objects2.rs"]
mod objects2;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use objects2::{
    Callback, Dispatcher, Factory, Notifier, Worker, register_tallies, start, wait_until,
};
use pyroxene::server::InstanceMode;
use pyroxene::{
    ErrorKind, Proxy, SerializedBlob, Serializer, Uri, Value, dict, from_value, list, to_value,
    tuple,
};

fn tally(daemon: &pyroxene::Daemon, mode: InstanceMode) -> Proxy {
    Proxy::new(format!(
        "PYRO:tally.{}@{}",
        mode.as_str(),
        daemon.location()
    ))
    .expect("uri")
}

async fn serial(p: &Proxy) -> u64 {
    p.call_as("serial", ()).await.expect("serial")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_modes_single_session_percall() {
    let daemon = start().await;
    let tallies = register_tallies(&daemon);
    let census = |mode| {
        tallies
            .iter()
            .find(|(m, ..)| *m == mode)
            .map(|(.., c)| c.clone())
            .expect("census")
    };

    // Metadata comes from the type: connecting makes no instance.
    let (a, b) = (
        tally(&daemon, InstanceMode::Session),
        tally(&daemon, InstanceMode::Session),
    );
    let meta = a.connect().await.expect("connect");
    assert!(meta.methods.contains("bump"), "{meta:?}");
    assert_eq!(census(InstanceMode::Session).made.load(Ordering::SeqCst), 0);

    assert_eq!(serial(&a).await, serial(&a).await);
    assert_ne!(serial(&a).await, serial(&b).await);
    let bumps: (u64, u64) = a.call_as("bump", ()).await.expect("bump");
    assert_eq!(bumps.1, 1);
    // A session instance goes with its connection.
    let session = census(InstanceMode::Session);
    assert_eq!(session.dropped.load(Ordering::SeqCst), 0);
    drop(a);
    assert!(wait_until(|| session.dropped.load(Ordering::SeqCst) == 1).await);

    let percall = tally(&daemon, InstanceMode::PerCall);
    let serials = [serial(&percall).await, serial(&percall).await];
    assert_ne!(serials[0], serials[1]);
    assert!(wait_until(|| census(InstanceMode::PerCall).dropped.load(Ordering::SeqCst) == 2).await);
    // One instance per call, though the method answers on the daemon's fast path.
    assert_eq!(census(InstanceMode::PerCall).made.load(Ordering::SeqCst), 2);

    let (s1, s2) = (
        tally(&daemon, InstanceMode::Single),
        tally(&daemon, InstanceMode::Single),
    );
    assert_eq!((serial(&s1).await, serial(&s2).await), (1, 1));
    assert_eq!(census(InstanceMode::Single).made.load(Ordering::SeqCst), 1);
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_class_uses_default() {
    #[derive(Default)]
    struct Plain;
    #[pyroxene::expose]
    impl Plain {
        fn hello(&self) -> &'static str {
            "hi"
        }
    }
    let daemon = start().await;
    let uri = daemon
        .register_class::<Plain>("plain", InstanceMode::PerCall)
        .expect("register");
    let proxy = Proxy::from_uri(uri).expect("proxy");
    assert_eq!(
        proxy.call_as::<String>("hello", ()).await.expect("call"),
        "hi"
    );
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoproxy_and_proxies_as_values() {
    let daemon = start().await;
    let factory = Factory {
        daemon: daemon.downgrade(),
    };
    let uri = daemon
        .register_with_id(Arc::new(factory), "test.factory")
        .expect("register");
    let factory = Proxy::from_uri(uri).expect("proxy");
    for make in ["make", "make_here"] {
        let item: Proxy = factory.call_as(make, ("pear",)).await.expect(make);
        assert!(item.metadata().expect("preset").methods.contains("name"));
        assert_eq!(
            item.call_as::<String>("name", ()).await.expect("name"),
            "pear"
        );
        let name: String = factory.call_as("name_of", (&item,)).await.expect("name_of");
        assert_eq!(name, "pear");
        let back: Uri = factory.call_as("uri_of", (&item,)).await.expect("uri_of");
        assert_eq!(&back, item.uri());
        assert!(daemon.unregister(item.uri().object()));
    }
    let text: String = factory
        .call_as("uri_text", ("PYRO:x@127.0.0.1:1",))
        .await
        .expect("uri string as Uri");
    assert_eq!(text, "PYRO:x@127.0.0.1:1");
    let err = daemon.proxy_for("nothing").expect_err("unknown id");
    assert_eq!(err.kind(), ErrorKind::Daemon);
    daemon.shutdown();
}

#[test]
fn proxy_values_keep_metadata_handshake_and_serializer() {
    let proxy = Proxy::new("PYRO:obj@127.0.0.1:5000")
        .expect("uri")
        .with_serializer(Serializer::Msgpack)
        .with_handshake(dict! { "token" => "t" });
    for ser in Serializer::ALL {
        let bytes = ser
            .encode(&to_value(&proxy).expect("value"))
            .expect("encode");
        let back: Proxy = from_value(ser.decode(&bytes).expect("decode")).expect("proxy");
        assert_eq!(back.state(), proxy.state(), "{ser:?}");
    }
    let state = proxy.state().to_value(pyroxene::ProtocolVersion::V5);
    assert_eq!(
        state.to_string(),
        "{'__class__': 'Pyro5.client.Proxy', 'state': ('PYRO:obj@127.0.0.1:5000', (), (), (), {'token': 't'}, 'msgpack')}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_between_rust_daemons() {
    let server = start().await;
    let notifier = Proxy::from_uri(
        server
            .register_with_id(Arc::new(Notifier), "test.notifier")
            .expect("register"),
    )
    .expect("proxy");
    let client_daemon = start().await;
    let callback = Arc::new(Callback::default());
    client_daemon
        .register_with_id(callback.clone(), "callback")
        .expect("register");
    let cb = client_daemon.proxy_for("callback").expect("proxy_for");

    let done: String = notifier
        .call_as("call_back", (&cb, 3))
        .await
        .expect("call_back");
    assert_eq!(done, "rust callback done 3");
    let sent: String = notifier
        .call_as("call_oneway", (&cb, 4))
        .await
        .expect("oneway");
    assert_eq!(sent, "sent, got None");
    assert!(wait_until(|| callback.pings.lock().is_ok_and(|p| *p == [4])).await);
    let failed: String = notifier
        .call_as("call_failing", (&cb,))
        .await
        .expect("failing");
    assert_eq!(failed, "builtins.ValueError: rust callback refuses");
    server.shutdown();
    client_daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_pass_a_rust_dispatcher_undecoded() {
    let daemon = start().await;
    let worker = daemon
        .register_with_id(Arc::new(Worker), "test.worker")
        .expect("worker");
    // The dispatcher's own proxy speaks json: blobs in other serializers still go through.
    let dispatcher = Dispatcher {
        worker: Proxy::from_uri(worker.clone())
            .expect("proxy")
            .with_serializer(Serializer::Json),
    };
    let uri = daemon
        .register_with_id(Arc::new(dispatcher), "test.dispatcher")
        .expect("dispatcher");
    let data =
        dict! { "numbers" => list![1, 2, 3], "blob" => Value::Bytes(vec![0u8; 5000].into()) };
    for ser in [
        Serializer::Serpent,
        Serializer::Msgpack,
        Serializer::Marshal,
    ] {
        let dispatcher = Proxy::from_uri(uri.clone())
            .expect("proxy")
            .with_serializer(ser);
        let blob = SerializedBlob::new("info", data.clone());
        let answer = dispatcher
            .call_blob("process", &blob)
            .await
            .expect("blob call");
        let expected = ser.normalize(&tuple!["info", data.clone(), "rust"]);
        assert_eq!(ser.normalize(&answer), expected, "{ser:?}");
    }
    // A plain (not kept-serialized) call is refused by the dispatcher, served by the worker.
    let plain = Proxy::from_uri(uri)
        .expect("proxy")
        .call("process", tuple![1], None)
        .await;
    assert_eq!(
        plain
            .err()
            .and_then(|e| e.remote().map(|r| r.class.clone())),
        Some("builtins.TypeError".into())
    );
    let direct = Proxy::from_uri(worker)
        .expect("proxy")
        .call("process", tuple![5], None)
        .await
        .expect("plain");
    assert_eq!(direct, tuple![Value::None, 5, "rust"]);
    daemon.shutdown();
}
