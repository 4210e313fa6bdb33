//! The Pyro side of the gateway: the name server, a short-lived cache of name lookups, and one
//! pooled [`Proxy`] per object URI.
//!
//! Python's gateway pings the name server, looks the name up and connects a new proxy for
//! every request. Here a name is looked up at most once per [`GatewayConfig::name_ttl`], and
//! calls to one URI share a proxy whose idle connections stay open (a pool: a call takes a
//! connection, or opens one when all are busy, and puts it back). A call that can't reach
//! its object (connection refused or closed) drops the idle connections, looks the name up
//! again at once and is sent once more: a restarted or moved server is followed without
//! waiting for the TTL. The name server itself is located again when it stops answering.
//!
//! [`GatewayConfig::name_ttl`]: crate::GatewayConfig::name_ttl

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use pyroxene::client::ProxySettings;
use pyroxene::naming::{ListFilter, NameServer, locate_ns_with_settings};
use pyroxene::server::Metadata;
use pyroxene::{Error, ErrorKind, ProtocolVersion, Proxy, Serializer, Uri};
use tokio::sync::{Mutex, OnceCell};

use crate::GatewayConfig;

/// At most this many names are cached; beyond it expired entries go, then all.
const MAX_CACHED_NAMES: usize = 10_000;
/// After a failed search for the name server, requests fail at once for this long instead
/// of each searching again (a search that finds nothing takes seconds of broadcast).
const LOCATE_BACKOFF: Duration = Duration::from_millis(500);

/// An object as resolved: its URI, the proxy (pool) for it, its metadata once fetched.
pub(crate) struct Target {
    pub(crate) uri: Uri,
    pub(crate) proxy: Proxy,
    resolved_at: Instant,
    metadata: OnceCell<Arc<Metadata>>,
}

impl Target {
    /// The object's metadata (connects the first time; the proxy keeps it up to date on
    /// every reconnect, this copy lives as long as the name's cache entry).
    pub(crate) async fn metadata(&self) -> Result<Arc<Metadata>, Error> {
        self.metadata
            .get_or_try_init(|| async { self.proxy.connect().await.map(Arc::new) })
            .await
            .cloned()
    }
}

struct NsState {
    ns: Option<NameServer>,
    failed: Option<(Instant, ErrorKind, String)>,
}

/// Name server, name cache and proxies (see the module docs).
pub(crate) struct Backend {
    settings: ProxySettings,
    ttl: Duration,
    ns: Mutex<NsState>,
    names: RwLock<HashMap<String, Arc<Target>>>,
}

impl Backend {
    pub(crate) fn new(config: &GatewayConfig) -> Backend {
        let mut settings = ProxySettings::from_config(&config.pyro);
        // Python's gateway: "we only talk json through the http proxy".
        settings.serializer = Serializer::Json;
        settings.timeout = config.timeout;
        Backend {
            settings,
            ttl: config.name_ttl,
            ns: Mutex::new(NsState {
                ns: None,
                failed: None,
            }),
            names: RwLock::new(HashMap::new()),
        }
    }

    /// The name server, located (Python's `locate_ns()`: NS_HOST, broadcast...) when there is
    /// none yet or the last one stopped answering.
    pub(crate) async fn nameserver(&self) -> Result<NameServer, Error> {
        let mut state = self.ns.lock().await;
        if let Some(ns) = &state.ns {
            return Ok(ns.clone());
        }
        if let Some((at, kind, message)) = &state.failed
            && at.elapsed() < LOCATE_BACKOFF
        {
            return Err(Error::new(*kind, message.clone()));
        }
        match locate_ns_with_settings(&self.settings, None, None).await {
            Ok(ns) => {
                state.failed = None;
                state.ns = Some(ns.clone());
                Ok(ns)
            }
            Err(e) => {
                tracing::warn!("name server not found: {e:#}");
                state.failed = Some((Instant::now(), e.kind(), e.message().to_owned()));
                Err(e)
            }
        }
    }

    /// The protocol the name server speaks (Pyro5 until known): its exceptions are written
    /// back with that generation's class names, as they came.
    pub(crate) async fn nameserver_version(&self) -> ProtocolVersion {
        let state = self.ns.lock().await;
        state
            .ns
            .as_ref()
            .and_then(|ns| ns.proxy().protocol_version())
            .unwrap_or(ProtocolVersion::V5)
    }

    /// Forgets the name server `failed` (unless another request already replaced it).
    async fn forget_nameserver(&self, failed: &NameServer) {
        let mut state = self.ns.lock().await;
        if state
            .ns
            .as_ref()
            .is_some_and(|ns| ns.proxy().uri() == failed.proxy().uri())
        {
            tracing::info!("connection with the name server lost, locating it again");
            state.ns = None;
        }
    }

    /// `lookup(name)` at the name server, locating it again once if it stopped answering.
    async fn lookup(&self, name: &str) -> Result<Uri, Error> {
        let ns = self.nameserver().await?;
        match ns.lookup(name).await {
            Err(e) if !e.is_remote() => {
                self.forget_nameserver(&ns).await;
                self.nameserver().await?.lookup(name).await
            }
            other => other,
        }
    }

    /// The names the name server lists for `regex` (all for `None`), sorted, and where the
    /// name server is; located again once if it stopped answering.
    pub(crate) async fn list(&self, regex: Option<&str>) -> Result<(Uri, Vec<String>), Error> {
        let filter = regex.map_or(ListFilter::All, ListFilter::Regex);
        let ns = self.nameserver().await?;
        let listed = match ns.list(filter).await {
            Err(e) if !e.is_remote() => {
                self.forget_nameserver(&ns).await;
                let ns = self.nameserver().await?;
                let listed = ns.list(filter).await?;
                return Ok((ns.proxy().uri().clone(), listed.into_keys().collect()));
            }
            other => other?,
        };
        Ok((ns.proxy().uri().clone(), listed.into_keys().collect()))
    }

    /// The object registered as `name`: from the cache while fresh (unless `again`), else
    /// looked up. A URI that didn't change keeps its proxy, and so its open connections.
    pub(crate) async fn resolve(&self, name: &str, again: bool) -> Result<Arc<Target>, Error> {
        let cached = self.names.read().ok().and_then(|n| n.get(name).cloned());
        if let Some(target) = &cached
            && !again
            && target.resolved_at.elapsed() < self.ttl
        {
            return Ok(target.clone());
        }
        let uri = self.lookup(name).await?;
        let proxy = match cached {
            Some(old) if old.uri == uri => old.proxy.clone(),
            _ => Proxy::with_settings(uri.clone(), self.settings.clone()),
        };
        let target = Arc::new(Target {
            uri,
            proxy,
            resolved_at: Instant::now(),
            metadata: OnceCell::new(),
        });
        if let Ok(mut names) = self.names.write() {
            if names.len() >= MAX_CACHED_NAMES {
                let ttl = self.ttl;
                names.retain(|_, t| t.resolved_at.elapsed() < ttl);
                if names.len() >= MAX_CACHED_NAMES {
                    names.clear();
                }
            }
            names.insert(name.to_owned(), target.clone());
        }
        Ok(target)
    }
}

/// Whether a failed call may have met a stale URI or a dead pooled connection: the
/// connection could not be made or was closed (a timeout is a slow object, not a moved one).
pub(crate) fn is_unreachable(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Communication | ErrorKind::ConnectionClosed
    )
}
