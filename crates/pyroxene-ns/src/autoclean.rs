//! NS_AUTOCLEAN as Pyro5 defines it: every NS_AUTOCLEAN seconds (at least 3), try to connect
//! to every registered object's address; a name whose address refused or timed out (COMMTIMEOUT,
//! else 5 s) for 20 seconds is unregistered. The name server's own entry and `Pyro.Daemon` are
//! left alone. The log lines are Pyro5's.
//!
//! Unlike Python's cleaner thread, which connects to one address after the other, a sweep
//! probes concurrently (at most [`MAX_OPEN_PROBES`] connections open at once) and connects once
//! per distinct address: registrations that share a daemon share its answer, which is the
//! answer each of them would get (the probe is a TCP connect to the same host and port). So
//! 10,000 registrations on a few hundred daemons cost a few hundred connects per sweep, and
//! lookups are served meanwhile (the probes are tasks on the runtime; the listing and the
//! removals run on the blocking pool).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pyroxene::Uri;
use pyroxene::naming::Remove;
use tokio::sync::Semaphore;

use crate::object::NameServer;
use crate::registry::NAMESERVER_NAME;

/// Pyro5's smallest NS_AUTOCLEAN, in seconds.
pub const MIN_AUTOCLEAN: Duration = Duration::from_secs(3);

/// How long a name's address must have been unreachable before the name goes (Pyro5's 20 s).
pub const MAX_UNREACHABLE: Duration = Duration::from_secs(20);

/// The most probes (connection attempts) open at once during a sweep: enough that a sweep of
/// 10,000 distinct refusing or answering addresses takes well under the minimum interval,
/// and far below the descriptors a name server keeps for its clients.
pub const MAX_OPEN_PROBES: usize = 256;

/// The probe timeout when COMMTIMEOUT is 0 (Pyro5's 5 s).
const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The daemon object's id, which Pyro never auto-cleans.
const DAEMON_NAME: &str = "Pyro.Daemon";

/// Where a registration is probed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Target {
    Tcp(String, u16),
    Unix(String),
}

/// The auto-cleaner of one name server: the interval and the names unreachable since when.
#[derive(Debug)]
pub struct AutoCleaner {
    interval: Duration,
    probe_timeout: Duration,
    max_unreachable: Duration,
    unreachable: HashMap<String, Instant>,
}

/// What one sweep found (for the benchmark and the tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SweepReport {
    /// Registrations checked (the name server's own entry and `Pyro.Daemon` not counted).
    pub checked: usize,
    /// Distinct addresses connected to.
    pub probed: usize,
    /// Names whose address did not answer this time.
    pub unreachable: usize,
    /// Names unregistered because their address has not answered for [`MAX_UNREACHABLE`].
    pub removed: Vec<String>,
}

impl AutoCleaner {
    /// A cleaner sweeping every `interval` (Pyro's NS_AUTOCLEAN), with probes timing out after
    /// `commtimeout` (5 s when `None`, as Pyro5).
    ///
    /// # Errors
    /// Pyro5's ValueError text, "NS_AUTOCLEAN cannot be smaller than 3", for a shorter interval.
    pub fn new(
        interval: Duration,
        commtimeout: Option<Duration>,
    ) -> Result<AutoCleaner, AutocleanTooShort> {
        if interval < MIN_AUTOCLEAN {
            return Err(AutocleanTooShort);
        }
        Ok(AutoCleaner {
            interval,
            probe_timeout: commtimeout
                .filter(|t| !t.is_zero())
                .unwrap_or(DEFAULT_PROBE_TIMEOUT),
            max_unreachable: MAX_UNREACHABLE,
            unreachable: HashMap::new(),
        })
    }

    /// How long an address must not answer before its names go ([`MAX_UNREACHABLE`] unless
    /// set): Pyro5 fixes it, an embedding name server (or a test) may want it shorter.
    #[must_use]
    pub fn unreachable_for(mut self, limit: Duration) -> AutoCleaner {
        self.max_unreachable = limit;
        self
    }

    /// Sweeps every interval until dropped (the first sweep one interval after the start).
    pub async fn run(mut self, nameserver: Arc<NameServer>) {
        let start = tokio::time::Instant::now() + self.interval;
        let mut ticks = tokio::time::interval_at(start, self.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.sweep(&nameserver).await;
        }
    }

    /// One sweep: probes every registration's address and unregisters the names unreachable
    /// for [`MAX_UNREACHABLE`] (Pyro5's log lines: INFO for each name removed, DEBUG with the
    /// count of unreachable ones).
    pub async fn sweep(&mut self, nameserver: &Arc<NameServer>) -> SweepReport {
        let listing = {
            let nameserver = nameserver.clone();
            tokio::task::spawn_blocking(move || nameserver.registry().list(Default::default()))
                .await
        };
        let registrations = match listing {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => {
                tracing::warn!("autoclean: cannot list the registrations: {e}");
                return SweepReport::default();
            }
            Err(e) => {
                tracing::warn!("autoclean: cannot list the registrations: {e}");
                return SweepReport::default();
            }
        };
        let names: Vec<(String, String, Option<Target>)> = registrations
            .into_iter()
            .filter(|(name, _)| name != NAMESERVER_NAME && name != DAEMON_NAME)
            .map(|(name, r)| {
                let target = target_of(&r.uri);
                (name, r.uri, target)
            })
            .collect();
        let listed: HashSet<String> = names.iter().map(|(n, _, _)| n.clone()).collect();
        let targets: HashSet<Target> = names.iter().filter_map(|(_, _, t)| t.clone()).collect();
        let answered = self.probe_all(targets.iter().cloned()).await;
        let mut report = SweepReport {
            checked: names.len(),
            probed: targets.len(),
            ..SweepReport::default()
        };
        let now = Instant::now();
        let mut to_remove = Vec::new();
        for (name, uri, target) in names {
            // An address Pyro can't make a socket for is unreachable, as in Python.
            if target.is_some_and(|t| answered.contains(&t)) {
                self.unreachable.remove(&name);
                continue;
            }
            report.unreachable += 1;
            let since = *self.unreachable.entry(name.clone()).or_insert(now);
            if now.duration_since(since) >= self.max_unreachable {
                tracing::info!(
                    "autoclean: unregistering {name}; cannot connect uri {uri} for {} sec",
                    self.max_unreachable.as_secs()
                );
                self.unreachable.remove(&name);
                to_remove.push(name);
            }
        }
        if !to_remove.is_empty() {
            let nameserver = nameserver.clone();
            let names = to_remove.clone();
            let removed = tokio::task::spawn_blocking(move || {
                for name in &names {
                    if let Err(e) = nameserver.registry().remove(Remove::Name(name)) {
                        tracing::warn!("autoclean: cannot unregister {name}: {e}");
                    }
                }
            })
            .await;
            if let Err(e) = removed {
                tracing::warn!("autoclean: unregistering failed: {e}");
            }
            report.removed = to_remove;
        }
        // Names removed, or gone by other means since the listing, are forgotten.
        self.unreachable
            .retain(|name, _| listed.contains(name) && !report.removed.contains(name));
        if !self.unreachable.is_empty() {
            let count = nameserver.registry().count().unwrap_or_default();
            tracing::debug!(
                "autoclean: {}/{count} names currently unreachable",
                self.unreachable.len()
            );
        }
        report
    }

    /// The targets that accepted a connection within the probe timeout.
    async fn probe_all(&self, targets: impl Iterator<Item = Target>) -> HashSet<Target> {
        let open = Arc::new(Semaphore::new(MAX_OPEN_PROBES));
        let mut probes = tokio::task::JoinSet::new();
        for target in targets {
            let open = open.clone();
            let timeout = self.probe_timeout;
            probes.spawn(async move {
                let _permit = open.acquire_owned().await.ok()?;
                let connected = tokio::time::timeout(timeout, connect(&target)).await;
                matches!(connected, Ok(Ok(()))).then_some(target)
            });
        }
        let mut answered = HashSet::new();
        while let Some(done) = probes.join_next().await {
            if let Ok(Some(target)) = done {
                answered.insert(target);
            }
        }
        answered
    }
}

/// NS_AUTOCLEAN below [`MIN_AUTOCLEAN`] (Pyro5's ValueError).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("NS_AUTOCLEAN cannot be smaller than 3")]
pub struct AutocleanTooShort;

fn target_of(uri: &str) -> Option<Target> {
    let uri = Uri::parse(uri).ok()?;
    if let Some(path) = uri.sockname() {
        return Some(Target::Unix(path.to_owned()));
    }
    Some(Target::Tcp(uri.host()?.to_owned(), uri.port()?))
}

/// Connects and closes at once (Pyro5's check: the server still answers on its port).
async fn connect(target: &Target) -> std::io::Result<()> {
    match target {
        Target::Tcp(host, port) => {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            tokio::net::TcpStream::connect((host, *port))
                .await
                .map(drop)
        }
        Target::Unix(path) => connect_unix(path).await,
    }
}

#[cfg(unix)]
async fn connect_unix(path: &str) -> std::io::Result<()> {
    // A Linux abstract socket (`./u:\0name`): connecting to a local socket doesn't wait.
    #[cfg(target_os = "linux")]
    if let Some(name) = path.strip_prefix('\0') {
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
        return std::os::unix::net::UnixStream::connect_addr(&addr).map(drop);
    }
    tokio::net::UnixStream::connect(path).await.map(drop)
}

#[cfg(not(unix))]
async fn connect_unix(_path: &str) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}
