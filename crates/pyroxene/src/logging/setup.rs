//! Installing the subscriber (the `logging` feature): [`subscriber`], [`init_from_config`].

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use super::{STDERR, level_filter};
use crate::Config;

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// LOGFILE cannot be opened for appending.
    #[error("cannot open log file {path}")]
    OpenFile {
        /// The file as configured.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// What [`init_from_config`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogInit {
    /// LOGLEVEL is unset or empty: nothing installed, pyroxene's events go nowhere (unless the
    /// application installs its own subscriber), like Pyro5's logging when PYRO_LOGLEVEL is
    /// not set.
    Disabled,
    /// This call installed the global subscriber.
    Installed,
    /// A global subscriber was there already (from an earlier call or from the application)
    /// and was left alone, as Pyro5 leaves an existing logging configuration alone.
    AlreadyInstalled,
}

/// The subscriber [`init_from_config`] installs, for use in a scope
/// (`tracing::subscriber::with_default`) instead of globally; `None` when LOGLEVEL is unset or
/// empty. Opens (creates, appends to) LOGFILE unless it is [`STDERR`].
///
/// ```
/// let mut config = pyroxene::Config::default();
/// assert!(pyroxene::logging::subscriber(&config)?.is_none());
///
/// config.loglevel = Some(pyroxene::config::LogLevel::Warning);
/// config.logfile = pyroxene::logging::STDERR.into();
/// let subscriber = pyroxene::logging::subscriber(&config)?.expect("a level is set");
/// tracing::subscriber::with_default(subscriber, || {
///     tracing::warn!("written to stderr");
///     tracing::info!("below WARNING: dropped");
/// });
/// # Ok::<(), pyroxene::logging::LogError>(())
/// ```
///
/// # Errors
/// [`LogError::OpenFile`].
pub fn subscriber(config: &Config) -> Result<Option<Box<dyn Subscriber + Send + Sync>>, LogError> {
    let Some(level) = config.loglevel else {
        return Ok(None);
    };
    let filter = level_filter(level);
    let writer = if config.logfile == STDERR {
        BoxMakeWriter::new(std::io::stderr)
    } else {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&config.logfile)
            .map_err(|source| LogError::OpenFile {
                path: PathBuf::from(&config.logfile),
                source,
            })?;
        BoxMakeWriter::new(Mutex::new(file))
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(filter)
        .with_writer(writer)
        .event_format(PyroFormat)
        .finish();
    Ok(Some(Box::new(subscriber)))
}

/// Installs the global tracing subscriber for `config`'s LOGLEVEL and LOGFILE, as Pyro5
/// configures Python's logging at import, and logs Pyro5's "Pyro log configured using
/// built-in defaults, level=..." line at INFO. Idempotent: later calls change nothing and
/// return [`LogInit::AlreadyInstalled`]. Never panics.
///
/// ```no_run
/// use pyroxene::logging::{LogInit, init_from_config};
///
/// let mut config = pyroxene::Config::default();
/// assert_eq!(init_from_config(&config)?, LogInit::Disabled);
/// config.loglevel = Some(pyroxene::config::LogLevel::Debug);
/// config.logfile = "/tmp/my-server.log".into();
/// assert_eq!(init_from_config(&config)?, LogInit::Installed);
/// assert_eq!(init_from_config(&config)?, LogInit::AlreadyInstalled);
/// # Ok::<(), pyroxene::logging::LogError>(())
/// ```
///
/// # Errors
/// [`LogError::OpenFile`]; nothing is installed then.
pub fn init_from_config(config: &Config) -> Result<LogInit, LogError> {
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    // A poisoned lock only means another init panicked inside tracing; the flag is still valid.
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    let Some(level) = config.loglevel else {
        return Ok(LogInit::Disabled);
    };
    if *installed {
        return Ok(LogInit::AlreadyInstalled);
    }
    let Some(subscriber) = subscriber(config)? else {
        return Ok(LogInit::Disabled);
    };
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        *installed = true;
        return Ok(LogInit::AlreadyInstalled);
    }
    *installed = true;
    tracing::info!(
        target: "pyroxene",
        "Pyro log configured using built-in defaults, level={level}"
    );
    Ok(LogInit::Installed)
}

/// Pyro5's log line: `[%(asctime)s.%(msecs)03d,%(name)s,%(levelname)s] %(message)s`.
struct PyroFormat;

impl<S, N> FormatEvent<S, N> for PyroFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let meta = event.metadata();
        write!(
            writer,
            "[{},{},{}] ",
            utc_timestamp(SystemTime::now()),
            meta.target(),
            python_level_name(*meta.level())
        )?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Python's `levelname` for a tracing level (TRACE has no Python name; it keeps its own).
fn python_level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    }
}

/// `YYYY-MM-DD HH:MM:SS.mmm` in UTC.
fn utc_timestamp(now: SystemTime) -> String {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        let at = |secs: u64, ms: u64| {
            utc_timestamp(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(ms))
        };
        assert_eq!(at(0, 0), "1970-01-01 00:00:00.000");
        assert_eq!(at(951_782_400, 7), "2000-02-29 00:00:00.007");
        assert_eq!(at(1_738_324_800 + 3661, 123), "2025-01-31 13:01:01.123");
        assert_eq!(at(4_107_542_399, 999), "2100-02-28 23:59:59.999");
    }
}
