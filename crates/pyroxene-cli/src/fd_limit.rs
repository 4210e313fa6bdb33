//! The open-file limit. Every connection a server holds is a file descriptor, and the usual
//! soft `RLIMIT_NOFILE` (1024) is far below the 10,000 concurrent connections `pyroxene ns` is
//! meant to hold; the hard limit (set by the administrator: `ulimit -Hn`, systemd's
//! `LimitNOFILE=`) usually allows far more. So `ns`, `echo` and `bench` raise their soft limit
//! to the hard limit at startup, as servers commonly do, and warn once when even the hard limit
//! is below what they are meant to hold. Past the limit a server keeps serving: a connection it
//! can't accept waits in the listen queue until another one closes.

use std::sync::Once;

/// Descriptors a server (`ns`, `echo`) should have: 10,000 client connections plus room for
/// the listener, the runtime, standard streams, log and sqlite files.
pub(crate) const SERVER_WANTED: u64 = 10_240;

/// Raises the soft open-file limit to the hard one and returns the soft limit now in force
/// (`None` when it could not be read). `wanted` is what this command needs; below it, one
/// warning goes to standard error. What was done is logged at DEBUG.
pub(crate) fn raise(wanted: u64, what: &str) -> Option<u64> {
    let (soft_before, hard) = match rlimit::getrlimit(rlimit::Resource::NOFILE) {
        Ok(limits) => limits,
        Err(e) => {
            tracing::debug!("cannot read the open-file limit (RLIMIT_NOFILE): {e}");
            return None;
        }
    };
    // u64::MAX asks for the hard limit (capped by the OS maximum where there is one).
    let soft = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(soft) => {
            tracing::debug!(
                "open-file limit (RLIMIT_NOFILE): soft {soft_before} -> {soft}, hard {hard}"
            );
            soft
        }
        Err(e) => {
            tracing::debug!(
                "cannot raise the open-file limit (RLIMIT_NOFILE) from {soft_before} to {hard}: {e}"
            );
            soft_before
        }
    };
    if soft < wanted {
        static WARNED: Once = Once::new();
        WARNED.call_once(|| {
            eprintln!(
                "Warning: the open-file limit is {soft} (hard limit {hard}); {what} needs about \
                 {wanted} to hold its connections, and connections beyond the limit wait until \
                 others close. Raise the hard limit (ulimit -Hn, systemd LimitNOFILE=)."
            );
        });
    }
    Some(soft)
}
