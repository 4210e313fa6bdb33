//! The Rust object of the call-model tests (item streams, batches, the call context), served
//! next to the echo server; the same methods as `interop/pyro5_callmodel_daemon.py` where
//! both have them.

#![allow(dead_code)] // each test file uses a part

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pyroxene::{Daemon, DaemonBuilder, ItemStream, RemoteException, Value, dict, expose};

/// The object id of [`CallModel`].
pub const CALLMODEL_ID: &str = "test.callmodel";

/// Counts the item sources dropped by the daemon (closed, ended, expired or disconnected).
#[derive(Default)]
pub struct CallModel {
    pub dropped: Arc<AtomicUsize>,
    remembered: Mutex<Vec<Value>>,
}

/// `0..n`, counting itself in `dropped` when the daemon drops it.
struct Tracked {
    next: u64,
    end: u64,
    dropped: Arc<AtomicUsize>,
}

impl Iterator for Tracked {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        (self.next < self.end).then(|| {
            self.next += 1;
            self.next - 1
        })
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// A `futures_core::Stream` of `0..n` (ready at once), for the async source.
struct Countdown(u64, u64);

impl futures_core::Stream for Countdown {
    type Item = String;
    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<String>> {
        let this = self.get_mut();
        std::task::Poll::Ready((this.0 < this.1).then(|| {
            this.0 += 1;
            format!("item {}", this.0 - 1)
        }))
    }
}

fn hex(id: pyroxene::CorrelationId) -> String {
    id.0.iter().map(|b| format!("{b:02x}")).collect()
}

#[expose]
impl CallModel {
    /// Streams 0..n (inline source).
    fn count(&self, n: u64) -> ItemStream {
        ItemStream::from_iter(Tracked {
            next: 0,
            end: n,
            dropped: self.dropped.clone(),
        })
    }

    /// Streams 0..n, each item made on the blocking pool.
    fn count_blocking(&self, n: u64) -> ItemStream {
        ItemStream::from_blocking_iter(0..n)
    }

    /// Streams "item 0".."item n-1" from an async stream.
    async fn count_async(&self, n: u64) -> ItemStream {
        ItemStream::from_stream(Countdown(0, n))
    }

    /// Yields 1, then raises ValueError("bad item").
    fn failing(&self) -> ItemStream {
        ItemStream::try_from_iter([
            Ok(1),
            Err(RemoteException::new("builtins.ValueError", "bad item")),
            Ok(2),
        ])
    }

    /// Streams the correlation id of each get_next_stream_item call (n items).
    fn context_items(&self, n: u64) -> ItemStream {
        ItemStream::from_iter((0..n).map(|_| {
            pyroxene::current_context()
                .and_then(|c| c.correlation_id)
                .map(hex)
                .unwrap_or_default()
        }))
    }

    /// How many item sources the daemon has dropped.
    fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }

    /// a + b.
    #[nonblocking]
    fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }

    /// Raises ValueError("boom").
    fn fail(&self) -> Result<(), RemoteException> {
        Err(RemoteException::new("builtins.ValueError", "boom"))
    }

    /// Appends `value` to a list (for oneway batches).
    fn remember(&self, value: Value) {
        if let Ok(mut r) = self.remembered.lock() {
            r.push(value);
        }
    }

    /// The remembered values.
    fn remembered(&self) -> Vec<Value> {
        self.remembered
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// What `current_context()` says about this call; each request annotation comes back as a
    /// response annotation with "re:" in front.
    fn context(&self) -> Value {
        let Some(ctx) = pyroxene::current_context() else {
            return Value::None;
        };
        let mut annotations = Vec::new();
        for (id, value) in &ctx.annotations {
            ctx.set_response_annotation(*id, [b"re:".as_slice(), value].concat());
            annotations.push((
                id.as_str().to_owned(),
                String::from_utf8_lossy(value).into_owned(),
            ));
        }
        dict! {
            "client" => ctx.client_address.as_str(),
            "seq" => i64::from(ctx.seq),
            "flags" => format!("{:?}", ctx.flags),
            "serializer" => format!("{:?}", ctx.serializer).to_lowercase(),
            "annotations" => annotations.into_iter().collect::<Value>(),
            "correlation_id" => ctx.correlation_id.map(hex).unwrap_or_default(),
        }
    }

    /// Calls `correlation()` of the object at `uri` with a blocking proxy (from this sync
    /// method's blocking-pool thread) and returns what it answered.
    fn relay(&self, uri: String) -> Result<Value, RemoteException> {
        let proxy = pyroxene::client::blocking::Proxy::new(&uri).map_err(remote)?;
        proxy
            .call("correlation", Value::Tuple(vec![]), None)
            .map_err(remote)
    }

    /// The same with the async proxy, from an async method.
    async fn relay_async(&self, uri: String) -> Result<Value, RemoteException> {
        let proxy = pyroxene::Proxy::new(&uri).map_err(remote)?;
        proxy
            .call("correlation", Value::Tuple(vec![]), None)
            .await
            .map_err(remote)
    }

    /// The correlation id of this call, as hex (like the Python daemon's).
    #[nonblocking]
    fn correlation(&self) -> String {
        pyroxene::current_context()
            .and_then(|c| c.correlation_id)
            .map(hex)
            .unwrap_or_default()
    }
}

fn remote(e: pyroxene::Error) -> RemoteException {
    RemoteException::new("builtins.RuntimeError", e.to_string())
}

/// A daemon on 127.0.0.1 from `builder` serving [`CallModel`] and the echo server.
pub async fn start(builder: DaemonBuilder) -> (Daemon, Arc<CallModel>, String, String) {
    let daemon = builder.host("127.0.0.1").bind().await.expect("bind");
    let object = Arc::new(CallModel::default());
    let uri = daemon
        .register_with_id(object.clone(), CALLMODEL_ID)
        .expect("register")
        .to_string();
    let echo = daemon
        .register_with_id(
            Arc::new(pyroxene::echo::EchoServer::new(false)),
            pyroxene::echo::ECHO_OBJECT_NAME,
        )
        .expect("register echo")
        .to_string();
    tokio::spawn({
        let d = daemon.clone();
        async move { d.serve().await }
    });
    (daemon, object, uri, echo)
}

/// Waits until `cond` holds, checking every 10 ms; panics after about 30 s (a bound against
/// hangs, not a timing assertion).
pub async fn wait_until(what: &str, mut cond: impl AsyncFnMut() -> bool) {
    for _ in 0..3000 {
        if cond().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("gave up waiting for: {what}");
}
