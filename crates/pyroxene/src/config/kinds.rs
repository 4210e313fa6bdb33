//! The small enums some config items are: SERVERTYPE, PREFER_IP_VERSION and LOGLEVEL, each
//! spelled in `PYRO_*` variables (and printed) as Python spells it.

use std::fmt;
use std::str::FromStr;

/// SERVERTYPE: the concurrency model of Python's daemon. pyroxene's daemon is one async
/// server whatever this says; the item is kept so configurations move between both.
///
/// ```
/// use pyroxene::config::ServerType;
/// assert_eq!("multiplex".parse::<ServerType>(), Ok(ServerType::Multiplex));
/// assert_eq!(ServerType::Thread.to_string(), "thread");
/// assert!("Thread".parse::<ServerType>().is_err()); // Python compares exactly
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ServerType {
    /// `thread`: a worker thread per connection (Python's default).
    #[default]
    Thread,
    /// `multiplex`: one thread and `select`.
    Multiplex,
}

impl ServerType {
    /// Python's spelling.
    pub fn name(self) -> &'static str {
        match self {
            ServerType::Thread => "thread",
            ServerType::Multiplex => "multiplex",
        }
    }
}

impl FromStr for ServerType {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<ServerType, UnknownName> {
        match s {
            "thread" => Ok(ServerType::Thread),
            "multiplex" => Ok(ServerType::Multiplex),
            _ => Err(UnknownName),
        }
    }
}

impl fmt::Display for ServerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// PREFER_IP_VERSION: which address family host names resolve to. Python's `0`, `4` and `6`.
///
/// ```
/// use pyroxene::config::IpVersion;
/// assert_eq!(IpVersion::from_number(6), Some(IpVersion::V6));
/// assert_eq!(IpVersion::Any.number(), 0);
/// assert_eq!(IpVersion::from_number(5), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IpVersion {
    /// `0`: whatever the system prefers (RFC 3484).
    #[default]
    Any,
    /// `4`: IPv4 only.
    V4,
    /// `6`: IPv6 only; name server discovery by broadcast is off.
    V6,
}

impl IpVersion {
    /// Python's number: 0, 4 or 6.
    pub fn number(self) -> u8 {
        match self {
            IpVersion::Any => 0,
            IpVersion::V4 => 4,
            IpVersion::V6 => 6,
        }
    }

    /// The version for Python's number.
    pub fn from_number(n: i64) -> Option<IpVersion> {
        match n {
            0 => Some(IpVersion::Any),
            4 => Some(IpVersion::V4),
            6 => Some(IpVersion::V6),
            _ => None,
        }
    }
}

/// LOGLEVEL: a Python logging level name (exact case, as Pyro5's `getattr(logging, level)`).
/// Python's aliases read as the level they stand for: `WARN` is [`LogLevel::Warning`],
/// `FATAL` is [`LogLevel::Critical`].
///
/// ```
/// use pyroxene::config::LogLevel;
/// assert_eq!("WARN".parse::<LogLevel>(), Ok(LogLevel::Warning));
/// assert_eq!(LogLevel::Warning.to_string(), "WARNING");
/// assert!("debug".parse::<LogLevel>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogLevel {
    /// `NOTSET`: everything.
    NotSet,
    /// `DEBUG`.
    Debug,
    /// `INFO`.
    Info,
    /// `WARNING` (or `WARN`).
    Warning,
    /// `ERROR`.
    Error,
    /// `CRITICAL` (or `FATAL`).
    Critical,
}

impl LogLevel {
    /// Python's name of the level.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::NotSet => "NOTSET",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
            LogLevel::Critical => "CRITICAL",
        }
    }
}

impl FromStr for LogLevel {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<LogLevel, UnknownName> {
        Ok(match s {
            "NOTSET" => LogLevel::NotSet,
            "DEBUG" => LogLevel::Debug,
            "INFO" => LogLevel::Info,
            "WARNING" | "WARN" => LogLevel::Warning,
            "ERROR" => LogLevel::Error,
            "CRITICAL" | "FATAL" => LogLevel::Critical,
            _ => return Err(UnknownName),
        })
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is none of an enum's spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown name")]
pub struct UnknownName;
