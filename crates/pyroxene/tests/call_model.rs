//! Item streaming, batches and the call context, Rust proxy against Rust daemon (the same
//! features against the real Python Pyro5 are in `call_model_interop.rs`).

#[path = "support/callmodel.rs"]
mod callmodel;

use std::time::Duration;

use callmodel::{start, wait_until};
use pyroxene::client::RequestContext;
use pyroxene::{Daemon, ErrorKind, Proxy, Value, list, tuple};

fn ints(values: &[i64]) -> Vec<Value> {
    values.iter().map(|v| Value::from(*v)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_from_every_kind_of_source() {
    let (daemon, object, uri, echo_uri) = start(Daemon::builder()).await;
    let proxy = Proxy::new(&uri).expect("uri");
    let items = proxy
        .call_stream("count", tuple![4], None)
        .await
        .expect("stream");
    assert_eq!(
        items.collect_all().await.expect("items"),
        ints(&[0, 1, 2, 3])
    );
    // The exhausted source is dropped by the daemon.
    assert_eq!(object.dropped.load(std::sync::atomic::Ordering::SeqCst), 1);
    let blocking = proxy
        .call_stream("count_blocking", tuple![3], None)
        .await
        .expect("stream");
    assert_eq!(
        blocking.collect_all().await.expect("items"),
        ints(&[0, 1, 2])
    );
    let typed = proxy
        .call_stream("count_async", tuple![2], None)
        .await
        .expect("stream");
    let typed: Vec<String> = typed.typed::<String>().collect_all().await.expect("items");
    assert_eq!(typed, ["item 0", "item 1"]);
    // Echo's generator, as Pyro's echo server has it.
    let echo = Proxy::new(&echo_uri).expect("uri");
    let words = echo
        .call_stream("generator", tuple![], None)
        .await
        .expect("stream");
    assert_eq!(
        words.collect_all().await.expect("items"),
        vec![Value::from("one"), Value::from("two"), Value::from("three")]
    );
    // A plain call of a streaming method is refused (and the stream closed), and a plain
    // method read as a stream too.
    let err = echo
        .call("generator", tuple![], None)
        .await
        .expect_err("iterator");
    assert_eq!(err.kind(), ErrorKind::Protocol);
    let err = echo
        .call_stream("echo", tuple![1], None)
        .await
        .expect_err("not an iterator");
    assert_eq!(err.message(), "result of call is not an iterator");
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raising_source_ends_its_stream_with_the_exception() {
    let (daemon, _, uri, _) = start(Daemon::builder()).await;
    let proxy = Proxy::new(&uri).expect("uri");
    let mut items = proxy
        .call_stream("failing", tuple![], None)
        .await
        .expect("stream");
    assert_eq!(
        items.next_item().await.expect("one").expect("ok"),
        Value::from(1)
    );
    let err = items.next_item().await.expect("two").expect_err("raised");
    assert_eq!(
        err.remote().expect("remote").to_string(),
        "ValueError: bad item"
    );
    assert!(items.next_item().await.is_none());
    // The daemon dropped it: asking again by id says so, as Python's does.
    let again = proxy
        .call_stream("count", tuple![1], None)
        .await
        .expect("stream");
    let id = again.id().to_owned();
    again.collect_all().await.expect("items");
    let daemon_proxy = Proxy::new(
        daemon
            .internal_uri_for("Pyro.Daemon")
            .expect("uri")
            .to_string(),
    )
    .expect("uri");
    let err = daemon_proxy
        .call("get_next_stream_item", list![id.as_str()], None)
        .await
        .expect_err("terminated");
    let remote = err.remote().expect("remote");
    assert_eq!(
        (
            remote.class.class_name(pyroxene::ProtocolVersion::V5),
            remote.message()
        ),
        (
            "Pyro5.errors.PyroError",
            "item stream terminated".to_owned()
        )
    );
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn early_close_disconnect_and_lifetime_drop_the_source() {
    use std::sync::atomic::Ordering::SeqCst;
    // Closing early: close_stream drops the source.
    let (daemon, object, uri, _) = start(Daemon::builder().iter_stream_linger(None)).await;
    let proxy = Proxy::new(&uri).expect("uri");
    let mut items = proxy
        .call_stream("count", tuple![1000], None)
        .await
        .expect("stream");
    items.next_item().await.expect("first").expect("ok");
    items.close().await.expect("close");
    wait_until("closed stream dropped", async || {
        object.dropped.load(SeqCst) == 1
    })
    .await;
    // Without a linger time, a disconnect drops the streams of that connection.
    let mut items = proxy
        .call_stream("count", tuple![1000], None)
        .await
        .expect("stream");
    items.next_item().await.expect("first").expect("ok");
    std::mem::forget(items); // no close_stream: only the disconnect can free it
    proxy.release();
    wait_until("disconnected stream dropped", async || {
        object.dropped.load(SeqCst) == 2
    })
    .await;
    daemon.shutdown();

    // With a lifetime, an old stream is gone for its client.
    let (daemon, object, uri, _) =
        start(Daemon::builder().iter_stream_lifetime(Some(Duration::from_millis(50)))).await;
    let proxy = Proxy::new(&uri).expect("uri");
    let mut items = proxy
        .call_stream("count", tuple![1000], None)
        .await
        .expect("stream");
    items.next_item().await.expect("first").expect("ok");
    wait_until("expired stream dropped", async || {
        object.dropped.load(SeqCst) == 1
    })
    .await;
    let err = items
        .next_item()
        .await
        .expect("an answer")
        .expect_err("expired");
    assert_eq!(
        err.remote().expect("remote").message(),
        "item stream terminated"
    );
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lingering_stream_survives_a_reconnect() {
    let (daemon, _, uri, _) = start(Daemon::builder()).await; // linger 30 s (Pyro's default)
    let proxy = Proxy::new(&uri).expect("uri");
    let mut items = proxy
        .call_stream("count", tuple![3], None)
        .await
        .expect("stream");
    items.next_item().await.expect("first").expect("ok");
    proxy.release(); // the connection closes; the next call reconnects
    let rest: Vec<Value> = items.collect_all().await.expect("rest");
    assert_eq!(rest, ints(&[1, 2]));
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_off_is_refused_like_python() {
    let (daemon, object, uri, _) = start(Daemon::builder().iter_streaming(false)).await;
    let proxy = Proxy::new(&uri).expect("uri");
    let err = proxy
        .call_stream("count", tuple![3], None)
        .await
        .expect_err("off");
    assert_eq!(
        err.message(),
        "result of call is an iterator, but the server is not configured to allow streaming"
    );
    assert_eq!(object.dropped.load(std::sync::atomic::Ordering::SeqCst), 1);
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arguments_can_be_lent_to_calls() {
    let (daemon, _, uri, _) = start(Daemon::builder()).await;
    let proxy = Proxy::new(&uri).expect("uri");
    let args = tuple![20, 22];
    for _ in 0..3 {
        let sum = proxy.call("add", &args, None).await.expect("add");
        assert_eq!(sum, Value::from(42));
    }
    proxy
        .call_oneway("remember", &tuple!["lent"], None)
        .await
        .expect("oneway");
    assert_eq!(
        proxy.call("add", args, None).await.expect("owned"),
        Value::from(42)
    );
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_run_in_order_and_stop_at_the_first_error() {
    let (daemon, _, uri, _) = start(Daemon::builder()).await;
    let proxy = Proxy::new(&uri).expect("uri");
    let mut batch = proxy.batch();
    batch
        .call("add", tuple![1, 2], None)
        .call("remember", tuple!["a"], None);
    batch.call_as("add", (3, 4)).expect("args");
    let results = batch.send().await.expect("batch");
    assert_eq!(
        results.values,
        vec![Value::from(3), Value::None, Value::from(7)]
    );
    assert!(results.error.is_none());

    let mut batch = proxy.batch();
    batch
        .call("add", tuple![1, 1], None)
        .call("fail", tuple![], None)
        .call("remember", tuple!["never"], None);
    let results = batch.send().await.expect("batch");
    assert_eq!(results.values, vec![Value::from(2)]);
    assert_eq!(
        results.error.as_ref().map(ToString::to_string).as_deref(),
        Some("ValueError: boom")
    );
    let mut iter = results.into_iter();
    assert_eq!(iter.next().expect("first").expect("ok"), Value::from(2));
    assert!(iter.next().expect("second").is_err());
    assert!(iter.next().is_none());

    // An unknown method fails the whole request, as in Python.
    let mut batch = proxy.batch();
    batch
        .call("add", tuple![1, 1], None)
        .call("nope", tuple![], None);
    let err = batch.send().await.expect_err("unknown");
    assert_eq!(
        err.remote().expect("remote").message(),
        "'CallModel' object has no attribute 'nope'"
    );

    // Oneway: nothing comes back, the calls still run in order.
    let mut batch = proxy.batch();
    batch
        .call("remember", tuple!["b"], None)
        .call("remember", tuple!["c"], None);
    batch.send_oneway().await.expect("oneway");
    wait_until("oneway batch ran", async || {
        proxy.call("remembered", tuple![], None).await.ok() == Some(list!["a", "b", "c"])
    })
    .await;
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_context_and_correlation_propagation() {
    let (daemon, _, uri, _) = start(Daemon::builder()).await;
    let proxy = Proxy::new(&uri).expect("uri");
    let corr = pyroxene::CorrelationId([0xab; 16]);
    let request = RequestContext::new()
        .annotation(annotation_id("XREQ"), b"hi".to_vec())
        .correlation_id(corr);
    let reply = proxy
        .call_with_context("context", tuple![], None, &request)
        .await
        .expect("context");
    let seen = &reply.value;
    assert_eq!(
        seen.get("correlation_id").and_then(Value::as_str),
        Some("ab".repeat(16).as_str())
    );
    assert_eq!(
        seen.get("serializer").and_then(Value::as_str),
        Some("serpent")
    );
    assert_eq!(
        seen.get("annotations")
            .and_then(|a| a.get("XREQ"))
            .and_then(Value::as_str),
        Some("hi")
    );
    assert!(
        seen.get("client")
            .and_then(Value::as_str)
            .is_some_and(|c| c.starts_with("127.0.0.1:"))
    );
    assert_eq!(reply.annotation(annotation_id("XREQ")), Some(&b"re:hi"[..]));
    assert_eq!(reply.correlation_id, Some(corr));

    // The next call on the same connection (the daemon reuses the finished call's context)
    // sees none of the first call's annotations, id or reply annotations.
    let plain = proxy
        .call_with_context("context", tuple![], None, &RequestContext::new())
        .await
        .expect("context again");
    let again = &plain.value;
    assert_eq!(again.get("client"), seen.get("client"), "same connection");
    assert_eq!(
        again.get("seq").and_then(Value::as_i64),
        seen.get("seq").and_then(Value::as_i64).map(|s| s + 1)
    );
    assert_eq!(
        again.get("annotations").map(Value::to_string).as_deref(),
        Some("{}")
    );
    assert_eq!(plain.annotation(annotation_id("XREQ")), None);
    let fresh = plain.correlation_id.expect("the daemon makes an id");
    assert_ne!(fresh, corr);
    assert_eq!(
        again.get("correlation_id").and_then(Value::as_str),
        Some(fresh.0.map(|b| format!("{b:02x}")).concat().as_str())
    );

    // The id reaches a call the method makes, from sync and async methods alike.
    for method in ["relay", "relay_async"] {
        let reply = proxy
            .call_with_context(method, tuple![uri.as_str()], None, &request)
            .await
            .expect("relay");
        assert_eq!(
            reply.value.as_str(),
            Some("ab".repeat(16).as_str()),
            "{method}"
        );
    }
    // Stream items see the context of the get_next_stream_item call that asks for them.
    let proxy = proxy.with_correlation_id(Some(pyroxene::CorrelationId([0x11; 16])));
    let items = proxy
        .call_stream("context_items", tuple![2], None)
        .await
        .expect("stream");
    let ids = items.collect_all().await.expect("items");
    assert_eq!(ids, vec![Value::from("11".repeat(16)); 2]);
    daemon.shutdown();
}

#[test]
fn blocking_proxy_iterates_and_batches() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (daemon, object, uri, _) = runtime.block_on(start(Daemon::builder()));
    let proxy = pyroxene::client::blocking::Proxy::new(&uri).expect("uri");
    let items: Vec<i64> = proxy
        .call_stream("count", tuple![3], None)
        .expect("stream")
        .typed::<i64>()
        .collect::<pyroxene::Result<_>>()
        .expect("items");
    assert_eq!(items, [0, 1, 2]);
    let mut iter = proxy
        .call_stream("count", tuple![100], None)
        .expect("stream");
    assert!(iter.next().is_some());
    drop(iter); // sends close_stream
    runtime.block_on(wait_until("dropped iterator closed", async || {
        object.dropped.load(std::sync::atomic::Ordering::SeqCst) == 2
    }));
    let mut batch = proxy.batch();
    batch.call("add", tuple![2, 3], None);
    assert_eq!(
        batch.send().expect("batch").into_result().expect("ok"),
        ints(&[5])
    );
    daemon.shutdown();
}

/// An annotation id from its four characters.
fn annotation_id(text: &str) -> pyroxene::AnnotationId {
    text.parse().expect("a valid annotation id")
}
