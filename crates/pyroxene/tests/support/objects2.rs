//! The Rust objects of the instance-mode, proxy-value, callback and blob tests; the Python
//! side is `interop/pyro5_objects2_client.py` (a client) and `interop/pyro5_objects2_daemon.py`.

#![allow(dead_code)] // each test file uses a part

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pyroxene::server::{InstanceMode, WeakDaemon};
use pyroxene::{Daemon, Proxy, RemoteException, SerializedBlob, Uri, Value, expose, tuple};

/// Counts instances made (their serial numbers) and dropped, per registration.
#[derive(Default)]
pub struct Census {
    pub made: AtomicU64,
    pub dropped: AtomicUsize,
}

/// An instance with a serial number and a call count: what tells instance modes apart.
pub struct Tally {
    serial: u64,
    calls: AtomicU64,
    census: Arc<Census>,
}

impl Tally {
    pub fn new(census: &Arc<Census>) -> Tally {
        Tally {
            serial: census.made.fetch_add(1, Ordering::SeqCst) + 1,
            calls: AtomicU64::new(0),
            census: census.clone(),
        }
    }
}

impl Drop for Tally {
    fn drop(&mut self) {
        self.census.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

#[expose]
impl Tally {
    /// This instance's serial number (1 for the first one made).
    #[nonblocking]
    fn serial(&self) -> u64 {
        self.serial
    }

    /// Counts a call on this instance; returns (serial, calls so far).
    #[nonblocking]
    fn bump(&self) -> (u64, u64) {
        (self.serial, self.calls.fetch_add(1, Ordering::SeqCst) + 1)
    }
}

/// Registers [`Tally`] as `tally.single`, `tally.session` and `tally.percall`, each with its
/// own census.
pub fn register_tallies(daemon: &Daemon) -> Vec<(InstanceMode, Uri, Arc<Census>)> {
    [
        InstanceMode::Single,
        InstanceMode::Session,
        InstanceMode::PerCall,
    ]
    .into_iter()
    .map(|mode| {
        let census = Arc::new(Census::default());
        let made = census.clone();
        let uri = daemon
            .register_factory(&format!("tally.{}", mode.as_str()), mode, move || {
                Tally::new(&made)
            })
            .expect("register tally");
        (mode, uri, census)
    })
    .collect()
}

/// Hands out proxies to items it registers, and reads proxies and URIs it is given.
pub struct Factory {
    pub daemon: WeakDaemon,
}

/// An item that stays on the server.
pub struct Item {
    name: String,
}

#[expose]
impl Item {
    #[nonblocking]
    fn name(&self) -> String {
        self.name.clone()
    }
}

#[expose]
impl Factory {
    /// A new remote item (autoproxy: the caller gets a proxy, the item stays here).
    #[nonblocking]
    fn make(&self, name: String) -> Result<Proxy, RemoteException> {
        let daemon = self.daemon.upgrade().ok_or_else(|| {
            RemoteException::new("Pyro5.errors.DaemonError", "the daemon is gone")
        })?;
        Ok(daemon.register_proxy(Arc::new(Item { name }))?)
    }

    /// The same through the call context (`current_context().daemon()`).
    #[nonblocking]
    fn make_here(&self, name: String) -> Result<Proxy, RemoteException> {
        let daemon = pyroxene::current_context()
            .and_then(|c| c.daemon())
            .ok_or_else(|| RemoteException::new("Pyro5.errors.DaemonError", "no daemon"))?;
        Ok(daemon.register_proxy(Arc::new(Item { name }))?)
    }

    /// Calls `name()` on the proxy it is given (a Python proxy of a Rust item, say).
    async fn name_of(&self, item: Proxy) -> Result<String, RemoteException> {
        Ok(item.call_as::<String>("name", ()).await?)
    }

    /// What a received proxy value carried: (uri string, sorted method names).
    #[nonblocking]
    fn inspect(&self, item: Proxy) -> (String, Vec<String>) {
        let mut methods: Vec<String> = item
            .metadata()
            .map(|m| m.methods.into_iter().collect())
            .unwrap_or_default();
        methods.sort();
        (item.uri().to_string(), methods)
    }

    /// A URI value back (Python gets a `Pyro5.core.URI`).
    #[nonblocking]
    fn uri_of(&self, item: Proxy) -> Uri {
        item.uri().clone()
    }

    /// Reads a URI value (or string) and returns it as text.
    #[nonblocking]
    fn uri_text(&self, uri: Uri) -> String {
        uri.to_string()
    }
}

/// Calls back the callback objects clients pass.
pub struct Notifier;

#[expose]
impl Notifier {
    /// Calls `cb.done(n)` and returns what it answered.
    async fn call_back(&self, cb: Proxy, n: i64) -> Result<Value, RemoteException> {
        Ok(cb.call("done", tuple![n], None).await?)
    }

    /// Calls the oneway `cb.ping(n)` (the proxy value says it is oneway): returns at once.
    async fn call_oneway(&self, cb: Proxy, n: i64) -> Result<String, RemoteException> {
        let answer = cb.call("ping", tuple![n], None).await?;
        Ok(format!("sent, got {answer}"))
    }

    /// Calls `cb.fail()` and reports the exception it raised: "class: message".
    async fn call_failing(&self, cb: Proxy) -> Result<String, RemoteException> {
        match cb.call("fail", tuple![], None).await {
            Ok(v) => Ok(format!("no exception: {v}")),
            Err(e) => {
                let remote = RemoteException::from(e);
                Ok(format!("{}: {}", remote.class, remote.message()))
            }
        }
    }
}

/// A Rust callback object, for Python servers that call back.
#[derive(Default)]
pub struct Callback {
    pub pings: Mutex<Vec<i64>>,
}

#[expose]
impl Callback {
    #[nonblocking]
    fn done(&self, n: i64) -> String {
        format!("rust callback done {n}")
    }

    #[oneway]
    #[nonblocking]
    fn ping(&self, n: i64) {
        if let Ok(mut p) = self.pings.lock() {
            p.push(n);
        }
    }

    #[nonblocking]
    fn fail(&self) -> Result<(), RemoteException> {
        Err(RemoteException::builtin(
            "ValueError",
            "rust callback refuses",
        ))
    }
}

/// Forwards blobs to a worker without decoding them.
pub struct Dispatcher {
    pub worker: Proxy,
}

#[expose]
impl Dispatcher {
    /// Forwards to the worker's `process` and returns its answer.
    async fn process(&self, blob: SerializedBlob) -> Result<Value, RemoteException> {
        let seen = blob.serializer().map(|s| s.name());
        if seen.is_none() {
            return Err(RemoteException::builtin(
                "TypeError",
                "expected a kept-serialized blob",
            ));
        }
        Ok(self.worker.call_blob("process", &blob).await?)
    }
}

/// A final receiver: decodes the blob.
pub struct Worker;

#[expose]
impl Worker {
    /// (info, data, "rust") from a blob.
    #[nonblocking]
    fn process(&self, blob: SerializedBlob) -> Result<Value, RemoteException> {
        let data = blob.deserialized()?;
        Ok(tuple![blob.info().clone(), data, "rust"])
    }
}

/// Binds 127.0.0.1, serves in the background; returns the daemon.
pub async fn start() -> Daemon {
    let daemon = Daemon::builder()
        .host("127.0.0.1")
        .port(0)
        .bind()
        .await
        .expect("bind");
    let serving = daemon.clone();
    tokio::spawn(async move { serving.serve().await });
    daemon
}

/// Waits (bounded: 500 × 10 ms) until `cond` holds.
pub async fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..500 {
        if cond() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    cond()
}
