//! The Rust proxy against the real Python peers of both generations, Pyro5 5.17 (protocol 502)
//! and Pyro4 4.82 (protocol 48), as one table: Python's echo server of each generation answers
//! our proxy with every serializer that generation has (values, exceptions with class, args and
//! remote traceback, oneway, attributes, private names, batch, streaming, metadata, timeouts);
//! `auto` detects each generation (with every serializer) and never falls back silently; a
//! PYRONAME resolves through each generation's name server. Pyro4's HMAC keys have a test of
//! their own: Pyro5 has no HMAC.
//!
//! A failing row names its generation and serializer. Every Python process gets
//! `PYRO_BROADCAST_ADDRS=127.0.0.1` (testkit), binds 127.0.0.1 and is killed by pid when dropped.

use std::path::Path;
use std::time::Duration;

use pyroxene::config::Protocol;
use pyroxene::naming::{ListFilter, MetaFilter, NameServer};
use pyroxene::{ErrorKind, ProtocolVersion, Proxy, Serializer, Value, dict, list, tuple};
use pyroxene_testkit::{PythonProcess, python};

/// What differs between the generations, as far as our proxy can tell.
struct Generation {
    /// Names the row in failure messages.
    name: &'static str,
    version: ProtocolVersion,
    /// The other generation: pinning it against this generation's daemon must fail.
    other: ProtocolVersion,
    /// The module a Python client imports `Proxy` from.
    lib: &'static str,
    echo_module: &'static str,
    /// Pyro4's echo server refuses pickle unless told; Pyro5 has none.
    echo_env: &'static [(&'static str, &'static str)],
    /// The text of the echo server's `error()` (each generation words it its own way).
    error_text: &'static str,
    ns_module: &'static str,
    ns_class_tag: &'static str,
}

const GENERATIONS: [Generation; 2] = [
    Generation {
        name: "v5",
        version: ProtocolVersion::V5,
        other: ProtocolVersion::V4,
        lib: "Pyro5.api",
        echo_module: "Pyro5.utils.echoserver",
        echo_env: &[],
        error_text: "this is the generated error from echoserver echo() method",
        ns_module: "Pyro5.nameserver",
        ns_class_tag: "class:Pyro5.nameserver.NameServer",
    },
    Generation {
        name: "v4",
        version: ProtocolVersion::V4,
        other: ProtocolVersion::V5,
        lib: "Pyro4",
        echo_module: "Pyro4.test.echoserver",
        echo_env: &[(
            "PYRO_SERIALIZERS_ACCEPTED",
            "serpent,json,marshal,msgpack,pickle",
        )],
        error_text: "expected error from echoserver error() method",
        ns_module: "Pyro4.naming",
        ns_class_tag: "class:Pyro4.naming.NameServer",
    },
];

/// Python's echo server of `generation` on 127.0.0.1 (plus `args`, `env`); the process
/// (killed on drop) and the echo URI.
fn python_echo_server(
    py: &Path,
    generation: &Generation,
    args: &[&str],
    env: &[(&str, &str)],
) -> (PythonProcess, String) {
    let mut argv = vec!["-m", generation.echo_module, "-H", "127.0.0.1", "-p", "0"];
    argv.extend(args);
    let mut envs = generation.echo_env.to_vec();
    envs.extend(env);
    let mut server = PythonProcess::spawn(py, &argv, &envs)
        .unwrap_or_else(|e| panic!("{}: start the echo server: {e}", generation.name));
    let uri = server
        .wait_for_line("echo uri:")
        .unwrap_or_else(|e| panic!("{}: echo uri line: {e}", generation.name));
    (server, uri)
}

/// The values echoed in `ser`: complex numbers where the serializer has them, bytes where
/// they come back as bytes.
fn echo_values(ser: Serializer) -> Vec<Value> {
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
    if matches!(
        ser,
        Serializer::Marshal | Serializer::Msgpack | Serializer::Pickle
    ) {
        values.push(Value::Bytes(b"\x00\x01bytes".to_vec().into()));
    }
    values
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_calls_the_python_echo_server_of_each_generation() {
    let Some(py) = python() else { return };
    for generation in &GENERATIONS {
        let (_server, uri) = python_echo_server(&py, generation, &[], &[]);
        for &ser in Serializer::all(generation.version) {
            let row = format!("{} {}", generation.name, ser.name());
            // Pinned, so a row speaks its generation whatever `auto` would pick; `auto` with
            // each serializer is the next test's.
            let proxy = Proxy::new(&uri)
                .expect("uri")
                .with_protocol(generation.version)
                .with_serializer(ser);
            // Pyro4 sends the metadata (lists) in CONNECTOK only when asked (META_ON_CONNECT).
            let meta = proxy.connect().await.expect("connect");
            assert_eq!(proxy.protocol_version(), Some(generation.version), "{row}");
            assert!(meta.methods.contains("echo"), "{row}: {meta:?}");
            assert!(meta.oneway.contains("oneway_echo"), "{row}: {meta:?}");
            assert!(meta.attrs.contains("verbose"), "{row}: {meta:?}");

            for v in echo_values(ser) {
                let got = proxy
                    .call("echo", tuple![v.clone()], None)
                    .await
                    .unwrap_or_else(|e| panic!("{row} echo {v}: {e}"));
                assert_eq!(got, ser.normalize(&v), "{row} echo {v}");
            }

            let err = proxy
                .call("error", tuple![], None)
                .await
                .expect_err("error() raises");
            assert_eq!(err.kind(), ErrorKind::Remote, "{row}: {err}");
            let remote = err.remote().expect("remote exception");
            assert_eq!(remote.class, "builtins.ValueError", "{row}");
            assert!(remote.is_builtin("ValueError"), "{row}: {remote:?}");
            assert_eq!(
                remote.args,
                vec![Value::from(generation.error_text)],
                "{row}"
            );
            assert_eq!(remote.message(), generation.error_text, "{row}");
            let tb = remote.traceback.clone().unwrap_or_default();
            assert!(
                tb.iter().any(|l| l.contains("Traceback")) && tb.join("").contains("ValueError"),
                "{row}: {tb:?}"
            );

            // The metadata says oneway: no reply is read, and the connection stays usable.
            assert_eq!(
                proxy
                    .call("oneway_echo", tuple!["x"], None)
                    .await
                    .expect("oneway"),
                Value::None,
                "{row}"
            );
            assert_eq!(
                proxy
                    .call("echo", tuple!["after"], None)
                    .await
                    .expect("echo"),
                Value::from("after"),
                "{row}"
            );

            // Pyro5's own marshal can't do attribute access (its kwargs are None); Pyro4's can.
            if !(generation.version == ProtocolVersion::V5 && ser == Serializer::Marshal) {
                assert_eq!(
                    proxy.get_attr("verbose").await.expect("get"),
                    Value::Bool(false),
                    "{row}"
                );
                proxy
                    .set_attr("verbose", Value::Bool(false))
                    .await
                    .unwrap_or_else(|e| panic!("{row} set: {e}"));
            }

            let private = proxy
                .call("_private", tuple![], None)
                .await
                .expect_err("private");
            assert_eq!(
                private.remote().expect("remote").class,
                "builtins.AttributeError",
                "{row}"
            );

            batch_checks(&proxy, ser, &row).await;

            // The generator's items, through each generation's get_next_stream_item.
            let items = proxy
                .call_stream("generator", tuple![], None)
                .await
                .expect("stream")
                .collect_all()
                .await
                .expect("stream items");
            assert_eq!(
                items,
                vec![Value::from("one"), Value::from("two"), Value::from("three")],
                "{row}"
            );
        }
        // slow() sleeps for seconds; our timeout ends the call, not the server's answer.
        let proxy = Proxy::new(&uri)
            .expect("uri")
            .with_protocol(generation.version)
            .with_timeout(Some(Duration::from_millis(500)));
        let err = proxy
            .call("slow", tuple![], None)
            .await
            .expect_err("times out");
        assert!(err.is_timeout(), "{}: {err}", generation.name);
    }
}

/// A batch answers up to the first error (each generation's `_ExceptionWrapper`).
async fn batch_checks(proxy: &Proxy, ser: Serializer, row: &str) {
    let mut batch = proxy.batch();
    batch.call("echo", tuple![1], None);
    batch.call("echo", tuple!["two"], None);
    batch.call("error", tuple![], None);
    batch.call("echo", tuple![4], None);
    if ser == Serializer::Marshal {
        // Pyro's own limit, in both generations: its marshal serializer can't dump the
        // _ExceptionWrapper in the results, so the whole batch fails on the daemon, as for a
        // Python client.
        let err = batch.send().await.expect_err("marshal batch with an error");
        assert!(
            err.to_string().contains("unmarshallable object"),
            "{row}: {err}"
        );
        let mut batch = proxy.batch();
        batch.call("echo", tuple![1], None);
        batch.call("echo", tuple!["two"], None);
        let results = batch.send().await.expect("batch");
        assert_eq!(
            results.values,
            vec![Value::Int(1), Value::from("two")],
            "{row}"
        );
    } else {
        let results = batch
            .send()
            .await
            .unwrap_or_else(|e| panic!("{row} batch: {e}"));
        assert_eq!(
            results.values,
            vec![Value::Int(1), Value::from("two")],
            "{row}"
        );
        let batch_err = results.error.expect("the batch stopped at error()");
        assert!(batch_err.is_builtin("ValueError"), "{row}: {batch_err:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_detects_each_generation_which_keeps_serving() {
    let Some(py) = python() else { return };
    for generation in &GENERATIONS {
        let name = generation.name;
        let (_server, uri) = python_echo_server(&py, generation, &[], &[]);
        let proxy = Proxy::new(&uri).expect("uri");
        assert_eq!(proxy.protocol_version(), None, "{name}");
        assert_eq!(
            proxy
                .call("echo", tuple!["auto"], None)
                .await
                .unwrap_or_else(|e| panic!("{name} auto call: {e}")),
            Value::from("auto"),
            "{name}"
        );
        assert_eq!(proxy.protocol_version(), Some(generation.version), "{name}");
        // Detection doesn't depend on the serializer the first CONNECT is written in.
        for &ser in Serializer::all(generation.version) {
            let proxy = Proxy::new(&uri).expect("uri").with_serializer(ser);
            assert_eq!(
                proxy
                    .call("echo", tuple![ser.name()], None)
                    .await
                    .unwrap_or_else(|e| panic!("{name} {} auto call: {e}", ser.name())),
                Value::from(ser.name()),
                "{name} {}",
                ser.name()
            );
            assert_eq!(
                proxy.protocol_version(),
                Some(generation.version),
                "{name} {}",
                ser.name()
            );
        }
        // Asking for the other generation explicitly fails (no silent fallback).
        let pinned = Proxy::new(&uri)
            .expect("uri")
            .with_protocol(generation.other);
        assert!(
            pinned.call("echo", tuple![1], None).await.is_err(),
            "{name}: the other generation was served"
        );
        // A second client (a fresh auto proxy, then a Python proxy) is served afterwards.
        let second = Proxy::new(&uri).expect("uri").with_protocol(Protocol::Auto);
        assert_eq!(
            second.call("echo", tuple![2], None).await.expect("second"),
            Value::Int(2),
            "{name}"
        );
        let script = format!(
            "import sys, {lib}\np = {lib}.Proxy(sys.argv[1])\nprint('echo:', p.echo('py'))",
            lib = generation.lib
        );
        let (py, uri) = (py.clone(), uri.clone());
        let (status, out) = tokio::task::spawn_blocking(move || {
            PythonProcess::spawn(&py, &["-c", &script, &uri], &[])
                .expect("python client")
                .finish()
                .expect("python output")
        })
        .await
        .expect("join");
        assert!(
            status.success() && out.contains("echo: py"),
            "{name}: {out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_hmac_key_right_works_wrong_or_missing_refused() {
    let Some(py) = python() else { return };
    let pyro4 = &GENERATIONS[1];
    let (_server, uri) = python_echo_server(&py, pyro4, &["-k", "secret"], &[]);
    // The right key (auto speaks Pyro4 at once: an HMAC key is Pyro4-only).
    let proxy = Proxy::new(&uri).expect("uri").with_hmac_key("secret");
    assert_eq!(proxy.protocol_version(), Some(ProtocolVersion::V4));
    assert_eq!(
        proxy
            .call("echo", tuple!["signed"], None)
            .await
            .expect("keyed call"),
        Value::from("signed")
    );
    let items = proxy
        .call_stream("generator", tuple![], None)
        .await
        .expect("stream")
        .collect_all()
        .await
        .expect("stream items");
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
        Proxy::new(&uri)
            .expect("uri")
            .with_protocol(ProtocolVersion::V4),
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
async fn pyroname_resolves_through_the_name_server_of_each_generation() {
    let Some(py) = python() else { return };
    for generation in &GENERATIONS {
        let name = generation.name;
        let mut ns = PythonProcess::spawn(
            &py,
            &[
                "-m",
                generation.ns_module,
                "-n",
                "127.0.0.1",
                "-p",
                "0",
                "-x",
            ],
            &[],
        )
        .unwrap_or_else(|e| panic!("{name}: start the name server: {e}"));
        let ns_uri = ns.wait_for_line("URI =").expect("URI line");
        let port = ns_uri.rsplit(':').next().expect("port").to_owned();
        let (mut server, _) = python_echo_server(
            &py,
            generation,
            &["-n"],
            &[("PYRO_NS_HOST", "127.0.0.1"), ("PYRO_NS_PORT", &port)],
        );
        server
            .wait_for_line("echoserver running.")
            .expect("registered and running");
        // The typed client on each generation's API: lookup, list, and the metadata search.
        let ns_client = NameServer::new(Proxy::new(&ns_uri).expect("ns uri"));
        let found = ns_client
            .lookup("test.echoserver")
            .await
            .unwrap_or_else(|e| panic!("{name} lookup: {e}"));
        assert_eq!(found.object(), "test.echoserver", "{name}");
        assert_eq!(
            ns_client.protocol_version().await.expect("version"),
            generation.version,
            "{name}"
        );
        let listed = ns_client
            .list(ListFilter::Prefix("test."))
            .await
            .expect("list");
        assert!(listed.contains_key("test.echoserver"), "{name}: {listed:?}");
        let by_meta = ns_client
            .yplookup(&MetaFilter::all([generation.ns_class_tag]))
            .await
            .unwrap_or_else(|e| panic!("{name} metadata search: {e}"));
        assert!(
            by_meta.contains_key("Pyro.NameServer"),
            "{name}: {by_meta:?}"
        );
        // A PYRONAME proxy: resolved through the name server, then calls in its generation.
        let proxy = Proxy::new(format!("PYRONAME:test.echoserver@127.0.0.1:{port}")).expect("uri");
        assert_eq!(
            proxy
                .call("echo", tuple!["named"], None)
                .await
                .unwrap_or_else(|e| panic!("{name} call: {e}")),
            Value::from("named"),
            "{name}"
        );
        assert_eq!(proxy.protocol_version(), Some(generation.version), "{name}");
    }
}
