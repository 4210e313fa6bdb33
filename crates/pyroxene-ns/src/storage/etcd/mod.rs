//! The etcd store (`-s etcd:http://127.0.0.1:2379[,more][/prefix]`, cargo feature `etcd`):
//! several name servers on one etcd cluster serve one namespace.
//!
//! # Layout in etcd
//!
//! One key per name, `PREFIX/names/NAME`, whose value is json `{"uri": ..., "metadata":
//! [...]}`. A leased registration's key is attached to an etcd lease of the same length, so
//! etcd deletes it when the lease runs out. The order of a listing is the keys' create
//! revision: registration order, a re-registered name keeping its place (as in the memory
//! store). Each name server's own entry (`Pyro.NameServer`) is not stored: every name server
//! lists and answers itself under that name, first.
//!
//! # Consistency
//!
//! - Writes are linearizable: each is one etcd request (a transaction where a check is
//!   involved: a safe registration compares the key's create revision with 0, `set_metadata`
//!   its mod revision with the one read), acknowledged once a majority of etcd members has it.
//!   A write then waits until this name server's copy has it, so a client reads its own change
//!   back from the same name server.
//! - Reads (lookup, list, yplookup, count) come from the name server's copy, kept current by an
//!   etcd watch. While etcd is reachable with a majority the copy is confirmed current every
//!   [`sync::CHECK_EVERY`] (0.5 s): a read then reflects every change acknowledged by any name
//!   server at least one check period plus a round trip earlier (and in practice within
//!   milliseconds: the watch delivers changes as they commit). Without a majority, writes fail
//!   with a NamingError ("etcd error in register: ...") and reads keep being answered from the
//!   copy, which stops being confirmed: after [`cache::STALE_AFTER`] (3 s) each such read is
//!   logged as a cached read (WARNING), until the copy is confirmed again.
//! - A watch whose history was compacted away reads everything again.

mod cache;
mod spec;
pub(crate) mod sync;

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, PutOptions, Txn, TxnOp, TxnOpResponse,
};
use pyroxene::naming::lease::lease_of;

pub use cache::STALE_AFTER;
pub use spec::{DEFAULT_PREFIX, EtcdSpec};
pub use sync::CHECK_EVERY;

use self::cache::Cache;
use super::{Registration, Storage};
use crate::error::{EtcdError, NsError, Result};
use crate::registry::NAMESERVER_NAME;

/// How long one etcd request may take; without a majority etcd answers none.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// How long opening the store waits for etcd.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// At most this many deletes per transaction (etcd's default limit is 128 operations).
const DELETES_PER_TXN: usize = 64;

/// How long one attempt of a request may take before it is made again (etcd elects a new
/// leader within about a second; a proposal made to the old one gets no answer).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);

/// The pause before a request whose connection failed is made again.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// How often a compare-and-swap is retried when the name keeps changing under it.
const CAS_ATTEMPTS: usize = 5;

/// Names in etcd (see the module docs). Requests run on a small runtime of the store's own, so
/// the store can be used from any thread, async or not.
pub struct EtcdStorage {
    runtime: Option<tokio::runtime::Runtime>,
    client: Client,
    spec: EtcdSpec,
    names_prefix: String,
    cache: Arc<Cache>,
    own: Mutex<Option<Registration>>,
}

impl std::fmt::Debug for EtcdStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdStorage")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl EtcdStorage {
    /// Connects to the cluster and reads the namespace.
    ///
    /// # Errors
    /// [`NsError::Etcd`] (operation `connect`) when no member answers within 5 s.
    pub fn open(spec: &EtcdSpec) -> Result<EtcdStorage> {
        let error = |source| NsError::Etcd {
            operation: "connect",
            source,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pyroxene-etcd")
            .enable_all()
            .build()
            .map_err(|e| error(EtcdError::Client(etcd_client::Error::IoError(e))))?;
        let options = ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(2))
            .with_timeout(REQUEST_TIMEOUT)
            .with_keep_alive(Duration::from_secs(1), Duration::from_secs(2))
            .with_keep_alive_while_idle(true)
            // Fail at once instead of waiting the timeout out when the member reached has no
            // leader (no majority): a clear error for writes, and the watch breaks.
            .with_require_leader(true);
        let endpoints = spec.endpoints.clone();
        let client = wait(
            &runtime,
            CONNECT_TIMEOUT,
            Client::connect(endpoints, Some(options)),
        )
        .map_err(error)?;
        let names_prefix = spec.names_prefix();
        let cache = Arc::new(Cache::new(names_prefix.clone()));
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(sync::keep_current(
            client.clone(),
            cache.clone(),
            names_prefix.clone(),
            ready_tx,
        ));
        match ready_rx.recv_timeout(CONNECT_TIMEOUT) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(error(client_error(e))),
            Err(_) => return Err(error(EtcdError::Timeout(CONNECT_TIMEOUT))),
        }
        Ok(EtcdStorage {
            runtime: Some(runtime),
            client,
            spec: spec.clone(),
            names_prefix,
            cache,
            own: Mutex::new(None),
        })
    }

    /// The spelling this store was opened with.
    pub fn spec(&self) -> &EtcdSpec {
        &self.spec
    }

    /// How long ago the local copy was last confirmed to hold every change acknowledged by
    /// etcd (see the module docs); `None` before the first confirmation.
    pub fn confirmed_age(&self) -> Option<Duration> {
        self.cache.confirmed_age()
    }

    /// Whether reads are being answered from a copy not confirmed for [`STALE_AFTER`].
    pub fn is_stale(&self) -> bool {
        self.cache.is_stale()
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.names_prefix)
    }

    /// Runs an etcd request on the store's runtime and waits for it (at most
    /// [`REQUEST_TIMEOUT`]). `request` makes the request: one whose connection failed (the
    /// member it went to died), that etcd refused for want of a leader (an election under way),
    /// or that got no answer within [`ATTEMPT_TIMEOUT`] (a proposal lost with the leader that
    /// died) is made again, and the client's balancer sends it to a member that answers. Other
    /// answers of etcd's are final; without a majority the attempts go on until
    /// [`REQUEST_TIMEOUT`].
    ///
    /// A request made again after etcd committed it is applied twice: harmless for puts and
    /// deletes; a safe registration may then report the name as already registered.
    fn run<T, F, Fut>(&self, operation: &'static str, request: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = std::result::Result<T, etcd_client::Error>> + Send + 'static,
    {
        let Some(runtime) = &self.runtime else {
            return Err(NsError::Etcd {
                operation,
                source: EtcdError::Closed,
            });
        };
        let retrying = async move {
            loop {
                match tokio::time::timeout(ATTEMPT_TIMEOUT, request()).await {
                    Ok(Err(e)) if worth_retrying(&e) => {
                        tracing::debug!("etcd: {operation} failed ({e}); trying again");
                        tokio::time::sleep(RETRY_PAUSE).await;
                    }
                    Ok(answer) => return answer,
                    Err(_) => {
                        tracing::debug!(
                            "etcd: no answer to {operation} within {ATTEMPT_TIMEOUT:?}; trying again"
                        );
                    }
                }
            }
        };
        wait(runtime, REQUEST_TIMEOUT, retrying)
            .map_err(|source| NsError::Etcd { operation, source })
    }

    /// After a write at `revision`: waits until the local copy has it (read your writes).
    fn settle(&self, revision: i64) {
        if !self.cache.wait_applied(revision, REQUEST_TIMEOUT) {
            tracing::warn!(
                "etcd: the local copy has not caught up with revision {revision} after {REQUEST_TIMEOUT:?}"
            );
        }
    }

    /// A new etcd lease for a registration whose tags ask for one (0: none).
    fn grant(&self, metadata: &BTreeSet<String>, operation: &'static str) -> Result<i64> {
        let Some(ttl) = lease_of(metadata.iter().map(String::as_str))? else {
            return Ok(0);
        };
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let client = self.client.clone();
        let granted = self.run(operation, move || {
            let mut client = client.clone();
            async move { client.lease_grant(ttl, None).await }
        })?;
        Ok(granted.id())
    }

    /// Revokes a lease no key uses any more, in the background (etcd would let it expire).
    fn forget_lease(&self, lease: i64) {
        if lease == 0 {
            return;
        }
        if let Some(runtime) = &self.runtime {
            let mut client = self.client.clone();
            runtime.spawn(async move {
                if let Err(e) = client.lease_revoke(lease).await {
                    tracing::debug!("etcd: revoking unused lease {lease:x}: {e}");
                }
            });
        }
    }

    fn own(&self) -> std::sync::MutexGuard<'_, Option<Registration>> {
        self.own.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The name's current value, lease and mod revision, read from etcd (linearizable).
    fn read(
        &self,
        name: &str,
        operation: &'static str,
    ) -> Result<Option<(Registration, i64, i64)>> {
        let client = self.client.clone();
        let key = self.key(name);
        let found = self.run(operation, move || {
            let (mut client, key) = (client.clone(), key.clone());
            async move { client.get(key, None).await }
        })?;
        Ok(found.kvs().first().and_then(|kv| {
            let registration = cache::decode_value(kv.value())?;
            Some((registration, kv.lease(), kv.mod_revision()))
        }))
    }
}

impl Drop for EtcdStorage {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which is refused inside another runtime's task.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Storage for EtcdStorage {
    fn get(&self, name: &str) -> Result<Option<Registration>> {
        if name == NAMESERVER_NAME {
            return Ok(self.own().clone());
        }
        Ok(self.cache.get(name))
    }

    fn set(&self, name: &str, registration: Registration, safe: bool) -> Result<()> {
        if name == NAMESERVER_NAME {
            let mut own = self.own();
            if safe && own.is_some() {
                return Err(NsError::AlreadyRegistered(name.to_owned()));
            }
            *own = Some(registration);
            return Ok(());
        }
        let lease = self.grant(&registration.metadata, "register")?;
        let key = self.key(name);
        let value = cache::encode(&registration);
        let mut options = PutOptions::new().with_prev_key();
        if lease != 0 {
            options = options.with_lease(lease);
        }
        let client = self.client.clone();
        let (revision, stored, old_lease) = if safe {
            let txn = Txn::new()
                .when([Compare::create_revision(key.as_str(), CompareOp::Equal, 0)])
                .and_then([TxnOp::put(key.as_str(), value, Some(options))]);
            let answer = self.run("register", move || {
                let (mut client, txn) = (client.clone(), txn.clone());
                async move { client.txn(txn).await }
            })?;
            let revision = answer.header().map_or(0, |h| h.revision());
            (revision, answer.succeeded(), 0)
        } else {
            let answer = self.run("register", move || {
                let (mut client, key, value) = (client.clone(), key.clone(), value.clone());
                let options = options.clone();
                async move { client.put(key, value, Some(options)).await }
            })?;
            let revision = answer.header().map_or(0, |h| h.revision());
            (revision, true, answer.prev_key().map_or(0, |kv| kv.lease()))
        };
        if !stored {
            self.forget_lease(lease);
            return Err(NsError::AlreadyRegistered(name.to_owned()));
        }
        if old_lease != lease {
            self.forget_lease(old_lease);
        }
        self.settle(revision);
        Ok(())
    }

    fn set_metadata(&self, name: &str, metadata: BTreeSet<String>) -> Result<()> {
        if name == NAMESERVER_NAME {
            let mut own = self.own();
            let registration = own
                .as_mut()
                .ok_or_else(|| NsError::UnknownName(name.to_owned()))?;
            registration.metadata = metadata;
            return Ok(());
        }
        for _ in 0..CAS_ATTEMPTS {
            let (mut registration, old_lease, modified) = self
                .read(name, "set_metadata")?
                .ok_or_else(|| NsError::UnknownName(name.to_owned()))?;
            registration.metadata = metadata.clone();
            let lease = self.grant(&registration.metadata, "set_metadata")?;
            let key = self.key(name);
            let mut options = PutOptions::new();
            if lease != 0 {
                options = options.with_lease(lease);
            }
            let txn = Txn::new()
                .when([Compare::mod_revision(
                    key.as_str(),
                    CompareOp::Equal,
                    modified,
                )])
                .and_then([TxnOp::put(
                    key.as_str(),
                    cache::encode(&registration),
                    Some(options),
                )]);
            let client = self.client.clone();
            let answer = self.run("set_metadata", move || {
                let (mut client, txn) = (client.clone(), txn.clone());
                async move { client.txn(txn).await }
            })?;
            if answer.succeeded() {
                self.forget_lease(old_lease);
                self.settle(answer.header().map_or(0, |h| h.revision()));
                return Ok(());
            }
            // Changed meanwhile (by another name server): read it again.
            self.forget_lease(lease);
        }
        Err(NsError::Etcd {
            operation: "set_metadata",
            source: EtcdError::Contended,
        })
    }

    fn remove(&self, names: &[String]) -> Result<usize> {
        let mut removed = 0;
        let mut unique: Vec<&String> = Vec::new();
        for name in names {
            if name == NAMESERVER_NAME {
                removed += usize::from(self.own().take().is_some());
            } else if !unique.contains(&name) {
                unique.push(name);
            }
        }
        let mut revision = 0;
        for chunk in unique.chunks(DELETES_PER_TXN) {
            let ops: Vec<TxnOp> = chunk
                .iter()
                .map(|name| TxnOp::delete(self.key(name), None))
                .collect();
            let client = self.client.clone();
            let answer = self.run("remove", move || {
                let (mut client, ops) = (client.clone(), ops.clone());
                async move { client.txn(Txn::new().and_then(ops)).await }
            })?;
            revision = answer.header().map_or(revision, |h| h.revision());
            for op in answer.op_responses() {
                if let TxnOpResponse::Delete(deleted) = op {
                    removed += usize::try_from(deleted.deleted()).unwrap_or(0);
                }
            }
        }
        if revision > 0 {
            self.settle(revision);
        }
        Ok(removed)
    }

    fn len(&self) -> Result<usize> {
        Ok(self.cache.len() + usize::from(self.own().is_some()))
    }

    fn everything(&self) -> Result<Vec<(String, Registration)>> {
        let mut all: Vec<(String, Registration)> = self
            .own()
            .clone()
            .map(|own| (NAMESERVER_NAME.to_owned(), own))
            .into_iter()
            .collect();
        all.extend(self.cache.everything());
        Ok(all)
    }

    fn renew(&self, name: &str) -> Result<Duration> {
        if name == NAMESERVER_NAME {
            return match &*self.own() {
                Some(_) => Err(NsError::NoLease(name.to_owned())),
                None => Err(NsError::UnknownName(name.to_owned())),
            };
        }
        let lease = match self.cache.entry(name) {
            Some(entry) => entry.lease,
            // Perhaps registered through another name server a moment ago.
            None => {
                self.read(name, "renew")?
                    .ok_or_else(|| NsError::UnknownName(name.to_owned()))?
                    .1
            }
        };
        if lease == 0 {
            return Err(NsError::NoLease(name.to_owned()));
        }
        let client = self.client.clone();
        let ttl = self.run("renew", move || {
            let mut client = client.clone();
            async move {
                let (mut keeper, mut answers) = client.lease_keep_alive(lease).await?;
                keeper.keep_alive().await?;
                Ok(answers.message().await?.map_or(0, |a| a.ttl()))
            }
        })?;
        if ttl <= 0 {
            // Ran out just now: etcd is deleting the name.
            return Err(NsError::UnknownName(name.to_owned()));
        }
        Ok(Duration::from_secs(ttl.unsigned_abs()))
    }

    fn leases(&self) -> Result<Vec<(String, Duration)>> {
        let leased = self.cache.leased();
        let client = self.client.clone();
        let remaining = self.run("leases", move || {
            let (client, leased) = (client.clone(), leased.clone());
            async move {
                let mut asks = tokio::task::JoinSet::new();
                for (name, lease) in leased {
                    let mut client = client.clone();
                    asks.spawn(async move {
                        let answer = client.lease_time_to_live(lease, None).await;
                        (name, answer.map(|a| a.ttl()))
                    });
                }
                let mut remaining = Vec::new();
                while let Some(done) = asks.join_next().await {
                    if let Ok((name, Ok(ttl))) = done {
                        remaining.push((name, Duration::from_secs(ttl.max(0).unsigned_abs())));
                    }
                }
                Ok(remaining)
            }
        })?;
        Ok(remaining)
    }

    fn reads_may_block(&self) -> bool {
        false
    }
}

/// Runs `request` on `runtime` and waits for its answer from any thread (a std channel, not
/// `block_on`, which is refused inside another runtime).
fn wait<T: Send + 'static>(
    runtime: &tokio::runtime::Runtime,
    timeout: Duration,
    request: impl Future<Output = std::result::Result<T, etcd_client::Error>> + Send + 'static,
) -> std::result::Result<T, EtcdError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime.spawn(async move {
        let answer = tokio::time::timeout(timeout, request).await;
        let _ = tx.send(answer);
    });
    match rx.recv() {
        Ok(Ok(Ok(value))) => Ok(value),
        Ok(Ok(Err(e))) => Err(client_error(e)),
        Ok(Err(_)) => Err(EtcdError::Timeout(timeout)),
        Err(_) => Err(EtcdError::Closed),
    }
}

/// Whether the request failed on its way (a connection to a member that died, or none ready
/// yet) or for want of a leader (an election under way), rather than by an answer of etcd's
/// about the request itself.
fn worth_retrying(e: &etcd_client::Error) -> bool {
    match e {
        etcd_client::Error::TransportError(_) | etcd_client::Error::IoError(_) => true,
        etcd_client::Error::GRpcStatus(status) => {
            let message = status.message();
            // CANCELLED, UNKNOWN (hyper's "operation was canceled"), UNAVAILABLE; etcd's own
            // answers say "etcdserver: ...".
            (matches!(i32::from(status.code()), 1 | 2 | 14) && !message.starts_with("etcdserver:"))
                || message.contains("no leader")
                || message.contains("leader changed")
        }
        _ => false,
    }
}

/// etcd-client's error; a timeout of the client's own is reported as one.
fn client_error(e: etcd_client::Error) -> EtcdError {
    if let etcd_client::Error::GRpcStatus(status) = &e
        // gRPC's DEADLINE_EXCEEDED: the client's own timeout (REQUEST_TIMEOUT too).
        && i32::from(status.code()) == 4
    {
        return EtcdError::Timeout(REQUEST_TIMEOUT);
    }
    EtcdError::Client(e)
}
