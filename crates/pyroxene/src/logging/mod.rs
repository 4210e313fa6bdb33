//! Logging set up the way Pyro5 sets up Python's `logging`: nothing unless `PYRO_LOGLEVEL` is
//! set; then every event at that level or above goes to `PYRO_LOGFILE` (default `pyro5.log`,
//! appended to), or to standard error when it is `{stderr}`.
//!
//! pyroxene logs through [`tracing`] and installs nothing by itself, so an application keeps
//! the choice of subscriber. One that wants Pyro5's behaviour enables the `logging` cargo
//! feature (`pyroxene = { version = "…", features = ["logging"] }`) and calls
//! `init_from_config`, which installs a global subscriber writing Pyro5's line format,
//! `[2025-01-31 12:00:00.123,target,LEVEL] message`, so existing log readers keep working; the
//! `pyroxene` binaries do. Two deliberate differences: the time is UTC (Python uses local
//! time), and the name field is the tracing target (`pyroxene::daemon`, not `Pyro5.server`).
//!
//! Python level names map to tracing levels: `DEBUG` → DEBUG, `INFO` → INFO, `WARNING`/`WARN`
//! → WARN, `ERROR` → ERROR, `CRITICAL`/`FATAL` → ERROR (tracing has nothing above ERROR), and
//! `NOTSET` → TRACE (everything, as Python's root level 0).
//!
//! ```no_run
//! // With the `logging` feature, in main(), before anything logs (Pyro5 does this when it is
//! // imported):
//! let config = pyroxene::Config::from_env()?;
//! pyroxene::logging::init_from_config(&config)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use tracing::level_filters::LevelFilter;

use crate::config::LogLevel;

#[cfg(feature = "logging")]
mod setup;
#[cfg(feature = "logging")]
pub use setup::{LogError, LogInit, init_from_config, subscriber};

/// The LOGFILE value that means "standard error" (Pyro5's spelling).
pub const STDERR: &str = "{stderr}";

/// The tracing level filter for a Python logging level name (exact case, as Pyro5's
/// `getattr(logging, level)`), or `None` if it names no level.
///
/// ```
/// use pyroxene::logging::level_from_name;
/// use tracing::level_filters::LevelFilter;
///
/// assert_eq!(level_from_name("WARNING"), Some(LevelFilter::WARN));
/// assert_eq!(level_from_name("CRITICAL"), Some(LevelFilter::ERROR));
/// assert_eq!(level_from_name("debug"), None);
/// ```
pub fn level_from_name(name: &str) -> Option<LevelFilter> {
    name.parse().ok().map(level_filter)
}

/// The tracing level filter of a Python logging level.
pub(crate) fn level_filter(level: LogLevel) -> LevelFilter {
    match level {
        LogLevel::NotSet => LevelFilter::TRACE,
        LogLevel::Debug => LevelFilter::DEBUG,
        LogLevel::Info => LevelFilter::INFO,
        LogLevel::Warning => LevelFilter::WARN,
        LogLevel::Error | LogLevel::Critical => LevelFilter::ERROR,
    }
}
