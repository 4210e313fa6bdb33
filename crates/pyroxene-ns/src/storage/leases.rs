//! Lease deadlines of the stores that keep registrations themselves (memory, sqlite): kept in
//! memory next to the table, under the same lock, and derived from the `lease:SECONDS` tag
//! alone. A sqlite store reopened gives every leased registration a whole new lease, so the
//! names of a server that died while the name server was down go away one lease after the
//! restart.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use pyroxene::naming::lease::lease_of;

/// name → (lease length, deadline).
#[derive(Debug, Default)]
pub(crate) struct LocalLeases {
    by_name: HashMap<String, (Duration, Instant)>,
}

impl LocalLeases {
    /// Starts (or ends) the lease of `name` as its tags say. Malformed tags (only possible in a
    /// database written by someone else) mean no lease.
    pub(crate) fn follow(&mut self, name: &str, metadata: &BTreeSet<String>) {
        match lease_of(metadata.iter().map(String::as_str)).ok().flatten() {
            Some(ttl) => {
                self.by_name
                    .insert(name.to_owned(), (ttl, Instant::now() + ttl));
            }
            None => {
                self.by_name.remove(name);
            }
        }
    }

    /// The name is gone.
    pub(crate) fn forget(&mut self, name: &str) {
        self.by_name.remove(name);
    }

    /// Starts the lease of `name` over; its length, `None` without a lease.
    pub(crate) fn renew(&mut self, name: &str) -> Option<Duration> {
        let (ttl, deadline) = self.by_name.get_mut(name)?;
        *deadline = Instant::now() + *ttl;
        Some(*ttl)
    }

    /// Every lease with the time it has left (zero when it ran out and awaits removal).
    pub(crate) fn remaining(&self) -> Vec<(String, Duration)> {
        let now = Instant::now();
        self.by_name
            .iter()
            .map(|(name, (_, deadline))| (name.clone(), deadline.saturating_duration_since(now)))
            .collect()
    }

    /// The names whose lease has run out, forgotten here (the caller removes them from its
    /// table under the same lock).
    pub(crate) fn take_expired(&mut self) -> Vec<String> {
        let now = Instant::now();
        let expired: Vec<String> = self
            .by_name
            .iter()
            .filter(|(_, (_, deadline))| *deadline <= now)
            .map(|(name, _)| name.clone())
            .collect();
        for name in &expired {
            self.by_name.remove(name);
        }
        expired
    }
}
