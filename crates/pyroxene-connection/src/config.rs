//! The limits and choices CPython hard-codes or leaves open, as data.

use std::time::Duration;

use crate::auth::ChallengeStyle;

/// Settings of listeners, clients and their connections. `Config::default()` behaves like
/// CPython 3.12+ except where CPython has no limit at all (both limits below).
///
/// ```
/// use std::time::Duration;
/// use pyroxene_connection::{ChallengeStyle, Config};
/// let config = Config::default()
///     .max_message_size(64 << 20)
///     .handshake_timeout(Some(Duration::from_secs(5)))
///     .challenge(ChallengeStyle::Legacy);
/// assert_eq!(config.max_message_size, 64 << 20);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The longest message `recv`, `recv_bytes` (without a `maxlength`) and `recv_bytes_into`
    /// take; a longer one fails with [`Error::MessageTooLarge`](crate::Error::MessageTooLarge)
    /// before its payload is read. CPython has no limit; default 1 GiB (Pyro5's
    /// `MAX_MESSAGE_SIZE`). Memory grows with the bytes actually received either way, never
    /// with the announced length alone.
    pub max_message_size: u64,
    /// How long the authentication handshake of `accept()` / `connect` may take (CPython waits
    /// forever, so one silent client stalls its accept loop); `None` waits forever. Default
    /// 20 s, CPython's `CONNECTION_TIMEOUT`.
    pub handshake_timeout: Option<Duration>,
    /// The challenge this side sends: default 3.12+'s `{sha256}` one, which every CPython
    /// answers; [`ChallengeStyle::Legacy`] sends 3.11's 20-byte one.
    pub challenge: ChallengeStyle,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_message_size: 1 << 30,
            handshake_timeout: Some(Duration::from_secs(20)),
            challenge: ChallengeStyle::default(),
        }
    }
}

impl Config {
    /// Sets [`Config::max_message_size`].
    pub fn max_message_size(mut self, bytes: u64) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Sets [`Config::handshake_timeout`].
    pub fn handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Sets [`Config::challenge`].
    pub fn challenge(mut self, style: ChallengeStyle) -> Self {
        self.challenge = style;
        self
    }
}
