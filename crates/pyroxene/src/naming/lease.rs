//! Leases, pyroxene's extension of the name server: a registration tagged `lease:SECONDS`
//! disappears SECONDS after it was made unless it is renewed, so the names of a server that
//! died go away with it (Python's name server keeps them until NS_AUTOCLEAN notices).
//!
//! The tag is ordinary metadata, so any Pyro client can ask for a lease, Python's Pyro4 and
//! Pyro5 included (`ns.register("x", uri, metadata={"lease:30"})`), and it stays among the tags
//! a listing shows. Renewal:
//!
//! - registering the name again (any client: the lease starts over with the tags given);
//! - [`NameServer::renew`](super::NameServer::renew), a name server method that is not in the
//!   name server's metadata (Python proxies reach it with `ns._pyroInvoke("renew", ("x",), {})`),
//!   so the method lists Python clients see stay Python's;
//! - a pyroxene daemon does it for the names it registered with
//!   [`Daemon::register_with_lease`](crate::Daemon::register_with_lease), and removes them
//!   when it shuts down.
//!
//! A name server of pyroxene honours the tag with every storage (memory, sqlite, etcd); Python's
//! name server keeps it as a plain tag.
//!
//! ```
//! use std::time::Duration;
//! use pyroxene::naming::lease::{lease_of, lease_tag};
//!
//! assert_eq!(lease_tag(Duration::from_secs(30)), "lease:30");
//! assert_eq!(lease_tag(Duration::from_millis(2500)), "lease:3"); // whole seconds, rounded up
//! assert_eq!(lease_of(["class:Printer", "lease:30"])?, Some(Duration::from_secs(30)));
//! assert_eq!(lease_of(["class:Printer"])?, None);
//! assert!(lease_of(["lease:0"]).is_err());
//! assert!(lease_of(["lease:10", "lease:20"]).is_err());
//! # Ok::<(), pyroxene::naming::lease::LeaseTagError>(())
//! ```

use std::time::Duration;

/// What a lease tag starts with.
pub const LEASE_TAG_PREFIX: &str = "lease:";

/// The longest lease, in seconds (a day): longer ones are refused. A daemon renews its leases
/// a few times per lease, so a long lease only delays the removal of a dead server's names.
pub const MAX_LEASE_SECS: u64 = 86_400;

/// A lease tag the name server refuses (a ValueError for the client).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeaseTagError {
    /// `lease:` followed by something other than a whole number of seconds from 1 to
    /// [`MAX_LEASE_SECS`].
    #[error(
        "invalid lease tag '{0}': expected lease:SECONDS, a whole number from 1 to {MAX_LEASE_SECS}"
    )]
    Invalid(String),
    /// More than one lease tag on one registration.
    #[error("more than one lease tag: {0}")]
    Several(String),
}

/// The tag that asks for a lease of `ttl` (whole seconds, rounded up, at least 1 and at most
/// [`MAX_LEASE_SECS`]).
pub fn lease_tag(ttl: Duration) -> String {
    let secs = ttl
        .as_secs()
        .saturating_add(u64::from(ttl.subsec_nanos() > 0))
        .clamp(1, MAX_LEASE_SECS);
    format!("{LEASE_TAG_PREFIX}{secs}")
}

/// Whether `tag` is a lease tag (valid or not).
pub fn is_lease_tag(tag: &str) -> bool {
    tag.starts_with(LEASE_TAG_PREFIX)
}

/// The lease the tags ask for, if any.
///
/// # Errors
/// [`LeaseTagError`] for a malformed tag or more than one.
pub fn lease_of<'a>(
    tags: impl IntoIterator<Item = &'a str>,
) -> Result<Option<Duration>, LeaseTagError> {
    let mut found: Option<(&str, Duration)> = None;
    for tag in tags {
        let Some(secs) = tag.strip_prefix(LEASE_TAG_PREFIX) else {
            continue;
        };
        let secs = secs
            .parse::<u64>()
            .ok()
            .filter(|s| {
                (1..=MAX_LEASE_SECS).contains(s) && secs.bytes().all(|b| b.is_ascii_digit())
            })
            .ok_or_else(|| LeaseTagError::Invalid(tag.to_owned()))?;
        if let Some((first, _)) = found {
            return Err(LeaseTagError::Several(format!("'{first}', '{tag}'")));
        }
        found = Some((tag, Duration::from_secs(secs)));
    }
    Ok(found.map(|(_, ttl)| ttl))
}
