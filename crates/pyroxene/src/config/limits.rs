//! A daemon's limits against hostile or broken clients: pyroxene's own settings (Python's
//! daemon has none of them), read from `PYROXENE_*` variables since Pyro5 refuses `PYRO_`
//! names it doesn't know. SECURITY.md explains what each protects.

use std::ffi::OsStr;
use std::time::Duration;

use super::ConfigError;
use super::parse::Item;

/// `PYROXENE_MAX_CONNECTIONS`: see [`Limits::max_connections`].
pub const MAX_CONNECTIONS_ENV: &str = "PYROXENE_MAX_CONNECTIONS";
/// `PYROXENE_RECEIVE_BUDGET`: see [`Limits::receive_budget`].
pub const RECEIVE_BUDGET_ENV: &str = "PYROXENE_RECEIVE_BUDGET";
/// `PYROXENE_HANDSHAKE_TIMEOUT`: see [`Limits::handshake_timeout`].
pub const HANDSHAKE_TIMEOUT_ENV: &str = "PYROXENE_HANDSHAKE_TIMEOUT";
/// `PYROXENE_MAX_STREAMS`: see [`Limits::max_streams`].
pub const MAX_STREAMS_ENV: &str = "PYROXENE_MAX_STREAMS";
/// `PYROXENE_BUDGET_WAIT`: see [`Limits::budget_wait`].
pub const BUDGET_WAIT_ENV: &str = "PYROXENE_BUDGET_WAIT";

/// What one daemon lets its clients use at most. The other limits are Pyro's own items:
/// MAX_MESSAGE_SIZE (the largest message, 1 GiB) and COMMTIMEOUT (the idle timeout, none by
/// default as in Python: idle connections cost a few KiB each and `max_connections` bounds
/// them).
///
/// ```
/// use std::time::Duration;
/// use pyroxene::config::Limits;
///
/// let limits = Limits::from_vars([("PYROXENE_RECEIVE_BUDGET", "1073741824"), ("HOME", "/")])?;
/// assert_eq!(limits.receive_budget, 1 << 30);
/// assert_eq!(limits.max_connections, Limits::default().max_connections);
/// let limits = Limits::from_vars([("PYROXENE_HANDSHAKE_TIMEOUT", "0")])?;
/// assert_eq!(limits.handshake_timeout, None);
/// assert!(Limits::from_vars([("PYROXENE_MAX_STREAMS", "many")]).is_err());
/// let limits = Limits::from_vars([("PYROXENE_BUDGET_WAIT", "2.5")])?;
/// assert_eq!(limits.budget_wait, Some(Duration::from_millis(2500)));
/// # Ok::<(), pyroxene::config::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Client connections served at once (`PYROXENE_MAX_CONNECTIONS`). A connection over the
    /// limit is answered with CONNECTFAIL "too many connections" when it sends its CONNECT
    /// within a second, and closed. Default 20,000 (a name server holds 10,000 idle
    /// connections in the benchmarks; each idle one costs a few KiB).
    pub max_connections: u32,
    /// Bytes that the messages being received, inflated or served may hold at once, all
    /// connections together (`PYROXENE_RECEIVE_BUDGET`). A message over 64 KiB waits (no
    /// bytes are read from its connection) until its size fits; one bigger than the whole
    /// budget is refused, so this is also the largest message a daemon takes. Default
    /// 512 MiB.
    pub receive_budget: u64,
    /// How long a message may wait for room in the receive budget before it is refused and
    /// its connection closed (`PYROXENE_BUDGET_WAIT`, seconds; 0 = as long as it takes).
    /// Default 30 s: under a flood of big messages a client gets a clear error instead of a
    /// call that hangs for as long as the flood lasts.
    pub budget_wait: Option<Duration>,
    /// How long a new connection has to send its whole CONNECT message
    /// (`PYROXENE_HANDSHAKE_TIMEOUT`, seconds; 0 = no limit). Default 10 s.
    pub handshake_timeout: Option<Duration>,
    /// Item streams one connection may hold open (`PYROXENE_MAX_STREAMS`); a call whose
    /// result would open one more gets a PyroError instead. Default 100.
    pub max_streams: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 20_000,
            receive_budget: 512 * 1024 * 1024,
            budget_wait: Some(Duration::from_secs(30)),
            handshake_timeout: Some(Duration::from_secs(10)),
            max_streams: 100,
        }
    }
}

impl Limits {
    /// Whether `name` is one of these settings' variables.
    pub(super) fn is_var(name: &OsStr) -> bool {
        [
            MAX_CONNECTIONS_ENV,
            RECEIVE_BUDGET_ENV,
            HANDSHAKE_TIMEOUT_ENV,
            MAX_STREAMS_ENV,
            BUDGET_WAIT_ENV,
        ]
        .iter()
        .any(|v| name == *v)
    }

    /// The defaults overridden by the `PYROXENE_*` limit variables among the given
    /// `(name, value)` pairs (others are ignored); [`crate::Config::from_env`] reads them from
    /// the environment into [`crate::Config::limits`].
    ///
    /// # Errors
    /// [`ConfigError::InvalidValue`] / [`ConfigError::OutOfRange`] with Pyro's parsing rules
    /// (counts and sizes as Python's `int`, at least 1; seconds as `float`, 0 or more),
    /// [`ConfigError::NotUnicode`].
    pub fn from_vars<I, K, V>(vars: I) -> Result<Limits, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let mut limits = Limits::default();
        for (name, value) in vars {
            let (name, value) = (name.as_ref(), value.as_ref());
            if !Limits::is_var(name) {
                continue;
            }
            let var = name.to_string_lossy();
            let raw = value.to_str().ok_or_else(|| ConfigError::NotUnicode {
                name: var.clone().into_owned(),
            })?;
            let at_least_one = |n: u32| {
                (n > 0).then_some(n).ok_or_else(|| ConfigError::OutOfRange {
                    name: var.clone().into_owned(),
                    value: raw.to_owned(),
                    expected: "a count, at least 1",
                })
            };
            match &*var {
                MAX_CONNECTIONS_ENV => {
                    limits.max_connections = at_least_one(u32::parse(&var, raw)?)?
                }
                RECEIVE_BUDGET_ENV => limits.receive_budget = u64::parse(&var, raw)?,
                HANDSHAKE_TIMEOUT_ENV => {
                    limits.handshake_timeout = Option::<Duration>::parse(&var, raw)?;
                }
                BUDGET_WAIT_ENV => limits.budget_wait = Option::<Duration>::parse(&var, raw)?,
                _ => limits.max_streams = at_least_one(u32::parse(&var, raw)?)?,
            }
        }
        Ok(limits)
    }
}
