//! Item streaming, batches and the call context against the real Python Pyro5, both ways:
//! Python proxies (`interop/pyro5_callmodel_client.py`) against a Rust daemon, and the Rust
//! proxy against a Python daemon (`interop/pyro5_callmodel_daemon.py`).

#[path = "support/callmodel.rs"]
mod callmodel;

use std::path::Path;
use std::time::Duration;

use callmodel::{start, wait_until};
use pyroxene::{Daemon, Proxy, Value, tuple};
use pyroxene_testkit::{PythonProcess, python};

/// Runs `interop/pyro5_callmodel_client.py MODE URI SERIALIZER [ARG]`; asserts all passed.
async fn python_client(py: &Path, mode: &str, uri: &str, serializer: &str, arg: Option<&str>) {
    let mut args = vec![
        "interop/pyro5_callmodel_client.py".to_owned(),
        mode.to_owned(),
        uri.to_owned(),
        serializer.to_owned(),
    ];
    args.extend(arg.map(str::to_owned));
    let py = py.to_owned();
    let (status, out) = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        PythonProcess::spawn(&py, &args, &[])
            .expect("start python client")
            .finish()
            .expect("python client output")
    })
    .await
    .expect("join");
    eprintln!("python {mode} {serializer}: {}", out.trim());
    assert!(
        status.success() && out.contains(" passed, 0 failed"),
        "{mode} {serializer}:\n{out}"
    );
}

/// Starts the Python call-model daemon with extra environment; returns it and its URI.
fn python_daemon(py: &Path, env: &[(&str, &str)]) -> (PythonProcess, String) {
    let mut server = PythonProcess::spawn(py, &["interop/pyro5_callmodel_daemon.py"], env)
        .expect("start python daemon");
    let uri = server
        .wait_for_line("callmodel uri:")
        .expect("callmodel uri line");
    (server, uri)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxy_streams_batches_and_context_against_rust() {
    let Some(py) = python() else { return };
    let (daemon, _, uri, echo_uri) = start(Daemon::builder()).await;
    let (_python_server, python_uri) = python_daemon(&py, &[]);
    // Marshal can't send batches (nor None kwargs) from Python, so it stops at streams.
    for ser in ["serpent", "json", "msgpack", "marshal"] {
        python_client(&py, "stream", &uri, ser, Some(&echo_uri)).await;
        if ser != "marshal" {
            python_client(&py, "batch", &uri, ser, None).await;
        }
        python_client(&py, "context", &uri, ser, Some(&python_uri)).await;
    }
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxy_against_rust_stream_settings() {
    let Some(py) = python() else { return };
    let (daemon, _, uri, _) = start(Daemon::builder().iter_streaming(false)).await;
    python_client(&py, "off", &uri, "serpent", None).await;
    daemon.shutdown();
    let (daemon, _, uri, _) =
        start(Daemon::builder().iter_stream_lifetime(Some(Duration::from_millis(100)))).await;
    python_client(&py, "lifetime", &uri, "serpent", None).await;
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_iterates_python_generators() {
    let Some(py) = python() else { return };
    let (_server, uri) = python_daemon(&py, &[]);
    for ser in pyroxene::Serializer::ALL {
        let proxy = Proxy::new(&uri).expect("uri").with_serializer(ser);
        let items = proxy
            .call_stream("count", tuple![4], None)
            .await
            .expect("stream");
        let items: Vec<i64> = items.typed::<i64>().collect_all().await.expect("items");
        assert_eq!(items, [0, 1, 2, 3], "{ser:?}");
        // A generator that raises: the item, then the exception, then the end.
        let mut failing = proxy
            .call_stream("failing", tuple![], None)
            .await
            .expect("stream");
        assert_eq!(
            failing.next_item().await.expect("1").expect("ok"),
            Value::from(1)
        );
        let err = failing.next_item().await.expect("2").expect_err("raised");
        assert_eq!(
            err.remote().expect("remote").to_string(),
            "ValueError: bad item"
        );
        assert!(failing.next_item().await.is_none());
        // Early close: the Python daemon drops the stream.
        let mut open = proxy
            .call_stream("count", tuple![1000], None)
            .await
            .expect("stream");
        open.next_item().await.expect("first").expect("ok");
        open.close().await.expect("close");
        wait_until("python dropped the stream", async || {
            proxy.call("open_streams", tuple![], None).await.ok() == Some(Value::from(0))
        })
        .await;
    }
    // The blocking iterator, dropped early (close_stream on drop).
    let proxy = Proxy::new(&uri).expect("uri");
    let blocking_uri = uri.clone();
    let firsts = tokio::task::spawn_blocking(move || {
        let proxy = pyroxene::client::blocking::Proxy::new(&blocking_uri).expect("uri");
        let mut iter = proxy
            .call_stream("count", tuple![1000], None)
            .expect("stream");
        let first = iter.next().expect("item").expect("ok");
        drop(iter);
        first
    })
    .await
    .expect("join");
    assert_eq!(firsts, Value::from(0));
    wait_until("python dropped the blocking stream", async || {
        proxy.call("open_streams", tuple![], None).await.ok() == Some(Value::from(0))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_meets_python_streaming_off() {
    let Some(py) = python() else { return };
    let (_server, uri) = python_daemon(&py, &[("PYRO_ITER_STREAMING", "false")]);
    let proxy = Proxy::new(&uri).expect("uri");
    let err = proxy
        .call_stream("count", tuple![3], None)
        .await
        .expect_err("off");
    assert_eq!(
        err.message(),
        "result of call is an iterator, but the server is not configured to allow streaming"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_batches_against_python() {
    let Some(py) = python() else { return };
    let (_server, uri) = python_daemon(&py, &[]);
    for ser in [
        pyroxene::Serializer::Serpent,
        pyroxene::Serializer::Json,
        pyroxene::Serializer::Msgpack,
    ] {
        let proxy = Proxy::new(&uri).expect("uri").with_serializer(ser);
        let mut batch = proxy.batch();
        batch
            .call("add", tuple![1, 2], None)
            .call("fail", tuple![], None)
            .call("remember", tuple!["never"], None);
        let results = batch.send().await.expect("batch");
        assert_eq!(results.values, vec![Value::from(3)], "{ser:?}");
        let error = results.error.expect("error");
        assert_eq!(error.to_string(), "ValueError: boom");
        assert!(error.traceback.is_some(), "Python sends its traceback");
        let mut batch = proxy.batch();
        batch.call("nope", tuple![], None);
        let err = batch.send().await.expect_err("unknown method");
        assert_eq!(
            err.remote().expect("remote").message(),
            "'CallModel' object has no attribute 'nope'"
        );
    }
    let proxy = Proxy::new(&uri).expect("uri");
    let mut batch = proxy.batch();
    batch
        .call("remember", tuple!["a"], None)
        .call("remember", tuple!["b"], None);
    batch.send_oneway().await.expect("oneway");
    wait_until("python ran the oneway batch", async || {
        proxy.call("remembered", tuple![], None).await.ok() == Some(pyroxene::list!["a", "b"])
    })
    .await;
}
