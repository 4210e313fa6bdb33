//! The builder methods of a daemon's limits ([`Limits`]: PYROXENE_MAX_CONNECTIONS,
//! PYROXENE_RECEIVE_BUDGET, PYROXENE_BUDGET_WAIT, PYROXENE_HANDSHAKE_TIMEOUT,
//! PYROXENE_MAX_STREAMS); SECURITY.md
//! explains what each protects.

use std::time::Duration;

use super::daemon::DaemonBuilder;
use crate::config::Limits;

/// Connections over [`Limits::max_connections`] that may wait for their CONNECT at once to be
/// answered with CONNECTFAIL; further ones are closed at once.
pub(crate) const REFUSING_MAX: usize = 256;

/// How long a connection over the limit has to send its CONNECT before it is closed.
pub(crate) const REFUSING_WAIT: Duration = Duration::from_secs(1);

/// Python's CONNECTFAIL text when its thread pool has no worker left, with our setting named.
pub(crate) fn too_many_connections(max: u32) -> String {
    format!("too many connections (max {max}), increase PYROXENE_MAX_CONNECTIONS")
}

impl DaemonBuilder {
    /// All limits at once (what [`DaemonBuilder::config`] takes from [`Config::limits`]).
    ///
    /// [`Config::limits`]: crate::Config::limits
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Client connections served at once (default 20,000; at least 1). One over the limit is
    /// answered with CONNECTFAIL "too many connections (max N), increase
    /// PYROXENE_MAX_CONNECTIONS" (a Python proxy raises `CommunicationError`), as Python's
    /// thread pool server answers when it has no worker left.
    #[must_use]
    pub fn max_connections(mut self, max: u32) -> Self {
        self.limits.max_connections = max.max(1);
        self
    }

    /// Bytes that the messages being received, inflated or served may hold at once, all
    /// connections together (default 512 MiB). A message of more than 64 KiB is admitted
    /// before its body is read: it waits, and nothing is read from its connection, while
    /// others hold the budget. A message (or inflated payload) bigger than the whole budget
    /// is refused with ProtocolError "message too large (N, max=M)", so this also caps the
    /// largest message below MAX_MESSAGE_SIZE when set lower.
    #[must_use]
    pub fn receive_budget(mut self, bytes: u64) -> Self {
        self.limits.receive_budget = bytes.max(1);
        self
    }

    /// How long a message may wait for room in the receive budget; `None` (or zero) waits
    /// as long as it takes. Default 30 s. Past it the message is refused ("message refused:
    /// the server's receive budget (N bytes) stayed in use for ...") and its connection
    /// closed.
    #[must_use]
    pub fn budget_wait(mut self, wait: Option<Duration>) -> Self {
        self.limits.budget_wait = wait.filter(|t| !t.is_zero());
        self
    }

    /// How long a new connection has to send its whole CONNECT message; `None` (or zero)
    /// waits for ever. Default 10 s. The connection is closed without a reply when it passes.
    #[must_use]
    pub fn handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.limits.handshake_timeout = timeout.filter(|t| !t.is_zero());
        self
    }

    /// Item streams one connection may hold open (default 100; at least 1). A call whose
    /// result would open one more gets PyroError "too many open item streams on this
    /// connection (max N)" and the stream is dropped.
    #[must_use]
    pub fn max_streams_per_connection(mut self, max: u32) -> Self {
        self.limits.max_streams = max.max(1);
        self
    }
}
