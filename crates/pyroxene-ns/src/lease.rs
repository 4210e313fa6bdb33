//! Leases on the name server's side (see [`pyroxene::naming::lease`] for what a client does):
//! the tag check every registration passes, [`Registry`]'s lease calls, and the sweep that
//! removes registrations whose lease ran out from the stores that don't expire them by
//! themselves (memory, sqlite; etcd's leases expire in etcd).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use pyroxene::naming::lease::lease_of;

use crate::error::Result;
use crate::registry::Registry;

/// How often expired leases are swept out of the memory and sqlite stores: a dead server's
/// leased names are gone at most this long after their lease ran out.
pub const LEASE_SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// Refuses malformed lease tags (and more than one).
pub(crate) fn check_tags(metadata: &BTreeSet<String>) -> Result<()> {
    lease_of(metadata.iter().map(String::as_str))?;
    Ok(())
}

impl Registry {
    /// Starts the lease of `name` over (its `lease:SECONDS` tag); returns the lease's length.
    ///
    /// # Errors
    /// [`NsError::UnknownName`](crate::NsError::UnknownName),
    /// [`NsError::NoLease`](crate::NsError::NoLease), or when the store fails.
    pub fn renew(&self, name: &str) -> Result<Duration> {
        self.storage.renew(name)
    }

    /// The leased names with the time each has left, sorted by name.
    ///
    /// # Errors
    /// When the store fails.
    pub fn leases(&self) -> Result<Vec<(String, Duration)>> {
        let mut leases = self.storage.leases()?;
        leases.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(leases)
    }

    /// Removes the registrations whose lease ran out (a no-op for etcd, where they expire by
    /// themselves); returns their names. [`crate::NameServerDaemon`] calls this every
    /// [`LEASE_SWEEP_INTERVAL`].
    ///
    /// # Errors
    /// When the store fails.
    pub fn expire_leases(&self) -> Result<Vec<String>> {
        self.storage.expire_leases()
    }
}

/// Sweeps expired leases every [`LEASE_SWEEP_INTERVAL`] until dropped.
pub(crate) async fn sweep(registry: Arc<crate::NameServer>) {
    let mut ticks = tokio::time::interval(LEASE_SWEEP_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let nameserver = registry.clone();
        let swept =
            tokio::task::spawn_blocking(move || nameserver.registry().expire_leases()).await;
        match swept {
            Ok(Ok(names)) => {
                for name in names {
                    tracing::info!("lease expired: unregistering {name}");
                }
            }
            Ok(Err(e)) => tracing::warn!("lease sweep failed: {e}"),
            Err(e) => tracing::warn!("lease sweep failed: {e}"),
        }
    }
}
