//! A daemon's leased name-server registrations ([`Daemon::register_with_lease`]): renewed while
//! the daemon runs, removed from the name server when it shuts down, so a daemon's names live
//! exactly as long as the daemon (and one lease longer when it is killed).

use std::fmt::Display;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::task::AbortHandle;

use super::Daemon;
use crate::error::Result;
use crate::naming::{NameServer, RegisterOptions, Remove};

/// How many renewals fit in one lease: a renewal lost to a slow name server or a fail-over
/// leaves two more before the lease runs out.
const RENEWALS_PER_LEASE: u32 = 3;

/// The shortest pause between renewals.
const MIN_RENEW_EVERY: Duration = Duration::from_millis(100);

/// How long a shutting-down daemon waits for the name server to remove one of its names.
const REMOVE_TIMEOUT: Duration = Duration::from_secs(2);

/// One leased name: where it is registered and the task renewing it.
struct Leased {
    nameserver: NameServer,
    name: String,
    renewal: AbortHandle,
}

/// The leased names of one daemon.
#[derive(Default)]
pub(crate) struct Leases {
    entries: Mutex<Vec<Leased>>,
}

impl Leases {
    fn add(&self, leased: Leased) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        // Registered again: the newer renewal replaces the older one.
        entries.retain(|e| {
            let same = e.name == leased.name
                && e.nameserver.proxy().uri() == leased.nameserver.proxy().uri();
            if same {
                e.renewal.abort();
            }
            !same
        });
        entries.push(leased);
    }

    fn take(&self) -> Vec<Leased> {
        std::mem::take(&mut *self.entries.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Daemon {
    /// Registers `name` → `uri` in `nameserver` with a lease of `ttl` (pyroxene's extension, see
    /// [`crate::naming::lease`]) and keeps it alive: the daemon renews the lease three times
    /// per `ttl` for as long as it runs, registers the name again if the name server lost it
    /// (a restarted name server, a fail-over to another one), and removes it when
    /// [`Daemon::serve`] returns after [`Daemon::shutdown`]. A daemon killed without a shutdown
    /// leaves the name for at most `ttl` (then the name server drops it).
    ///
    /// With a Python name server the tag is a plain tag: the name is registered again every
    /// renewal period and removed on shutdown, but not dropped when the daemon dies.
    ///
    /// ```no_run
    /// # async fn run(daemon: pyroxene::Daemon, uri: pyroxene::Uri) -> pyroxene::Result<()> {
    /// use std::time::Duration;
    /// use pyroxene::naming::{locate_ns, RegisterOptions};
    /// let ns = locate_ns(None, None).await?;
    /// daemon
    ///     .register_with_lease(&ns, "example.printer", &uri, Duration::from_secs(30), RegisterOptions::new())
    ///     .await?;
    /// daemon.serve().await // removes "example.printer" once shut down
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`NameServer::register_with_lease`] (only the first registration: renewals that fail
    /// are logged and retried).
    pub async fn register_with_lease(
        &self,
        nameserver: &NameServer,
        name: &str,
        uri: impl Display,
        ttl: Duration,
        options: RegisterOptions,
    ) -> Result<()> {
        let uri = uri.to_string();
        nameserver
            .register_with_lease(name, &uri, ttl, options.clone())
            .await?;
        let every = (ttl / RENEWALS_PER_LEASE).max(MIN_RENEW_EVERY);
        let renewal = tokio::spawn(renew(
            nameserver.clone(),
            name.to_owned(),
            uri,
            ttl,
            options,
            every,
        ));
        self.leases().add(Leased {
            nameserver: nameserver.clone(),
            name: name.to_owned(),
            renewal: renewal.abort_handle(),
        });
        Ok(())
    }

    /// Stops renewing and removes the leased names (the end of [`Daemon::serve`]).
    pub(crate) async fn release_leases(&self) {
        for leased in self.leases().take() {
            leased.renewal.abort();
            let remove = leased.nameserver.remove(Remove::Name(&leased.name));
            match tokio::time::timeout(REMOVE_TIMEOUT, remove).await {
                Ok(Ok(_)) => tracing::debug!("unregistered leased name {}", leased.name),
                Ok(Err(e)) => tracing::warn!("cannot unregister leased name {}: {e}", leased.name),
                Err(_) => tracing::warn!(
                    "cannot unregister leased name {}: no answer within {REMOVE_TIMEOUT:?}",
                    leased.name
                ),
            }
        }
    }
}

/// Renews the lease every `every`; when renewing fails (the name is gone, the name server
/// doesn't know `renew`, or it can't be reached), registers the name again.
async fn renew(
    nameserver: NameServer,
    name: String,
    uri: String,
    ttl: Duration,
    options: RegisterOptions,
    every: Duration,
) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Err(renew_error) = nameserver.renew(&name).await else {
            continue;
        };
        tracing::debug!("renewing the lease of {name} failed ({renew_error}); registering again");
        if let Err(e) = nameserver
            .register_with_lease(&name, &uri, ttl, options.clone())
            .await
        {
            tracing::warn!("cannot renew the lease of {name}: {e}");
        }
    }
}
