//! Pyro's configuration: every config item of Python Pyro5 5.17, read from `PYRO_*` environment
//! variables with Pyro5's parsing rules and errors, held as Rust types, and printed the way
//! `python -m Pyro5.configure` prints it.
//!
//! ```
//! use std::time::Duration;
//! use pyroxene::{Config, Serializer};
//!
//! // What a Pyro5 program sees with PYRO_COMMTIMEOUT=2.5 and PYRO_SERIALIZER=json set.
//! let config = Config::from_vars([("PYRO_COMMTIMEOUT", "2.5"), ("PYRO_SERIALIZER", "json")])?;
//! assert_eq!(config.commtimeout, Some(Duration::from_millis(2500)));
//! assert_eq!(config.serializer, Serializer::Json);
//! assert_eq!(config.ns_port, 9090); // untouched items keep Python's defaults
//!
//! // Pyro5 refuses to start with a PYRO_ variable it does not know; so do we.
//! let err = Config::from_vars([("PYRO_HMAC_KEY", "secret")]).unwrap_err();
//! assert_eq!(err.to_string(), "invalid Pyro environment config variable: PYRO_HMAC_KEY");
//! // And a proxy refuses a serializer it does not know (Python: when the proxy is made).
//! let err = Config::from_vars([("PYRO_SERIALIZER", "foo")]).unwrap_err();
//! assert_eq!(err.to_string(), "unknown serializer configured: PYRO_SERIALIZER=foo");
//! # Ok::<(), pyroxene::config::ConfigError>(())
//! ```
//!
//! When the environment is read, and by whom, is one rule for the whole library: see the
//! crate docs, "Settings and the environment".
//!
//! # Differences from Python
//!
//! Values are checked when they are read, against the Rust type of their item, so some values
//! Python takes (and fails on later, or misbehaves with) are refused at once:
//!
//! - [`ConfigError::InvalidValue`]: integers outside `i64` (Python ints are unbounded), digits
//!   other than ASCII `0-9` in numbers (Python's `int()` takes any Unicode decimal digit);
//! - [`ConfigError::OutOfRange`]: ports outside 0-65535, negative counts, a MAX_MESSAGE_SIZE
//!   of 0 or less (which would refuse every message), negative or NaN seconds (`-0` too),
//!   seconds beyond [`Duration`](std::time::Duration) (`inf` is taken:
//!   [`Duration::MAX`](std::time::Duration::MAX), forever), a
//!   PREFER_IP_VERSION other than 0, 4 or 6, a SERVERTYPE other than `thread`/`multiplex`
//!   (Python's daemon refuses those when it starts);
//! - [`ConfigError::UnknownSerializer`]: a SERIALIZER Pyro5 doesn't have (Python's proxy
//!   raises the same text when it is made);
//! - [`ConfigError::InvalidLogLevel`]: a LOGLEVEL that names no Python logging level (Pyro5
//!   fails too, with an AttributeError at import);
//! - [`ConfigError::NotUnicode`]: values that are not valid Unicode.
//!
//! And `pyroxene config` prints what the Rust value holds: a LOGLEVEL given as an alias
//! prints its level (`WARN` as `WARNING`, `FATAL` as `CRITICAL`), an empty one as `None`
//! (logging off either way); seconds are kept to the nanosecond, so a value with more than 9
//! decimals prints rounded. Everything else prints as Python prints it.

mod items;
mod kinds;
mod limits;
mod ns_hosts;
mod parse;
mod protocol;

use std::ffi::OsStr;
use std::fmt::Write as _;

pub use items::Config;
pub use kinds::{IpVersion, LogLevel, ServerType, UnknownName};
pub use limits::{
    HANDSHAKE_TIMEOUT_ENV, Limits, MAX_CONNECTIONS_ENV, MAX_STREAMS_ENV, RECEIVE_BUDGET_ENV,
};
pub use ns_hosts::{NS_HOSTS_ENV, parse_ns_hosts};
pub use parse::ConfigValue;
pub use protocol::{PROTOCOL_ENV, Protocol};

/// The Python Pyro5 release whose config items, defaults and parsing rules [`Config`] mirrors.
pub const PYRO5_VERSION: &str = "5.17";

/// The prefix of Pyro's environment variables (`PYRO_COMMTIMEOUT` sets `COMMTIMEOUT`).
pub const ENV_PREFIX: &str = "PYRO_";

/// Why a configuration could not be built or changed. The messages for environment variables
/// are the texts of the `ValueError` Pyro5 raises at import for the same environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A `PYRO_` variable that names no config item (Pyro5 refuses to start).
    #[error("invalid Pyro environment config variable: {name}")]
    UnknownVariable {
        /// The variable, prefix included (non-Unicode bytes shown as U+FFFD).
        name: String,
    },
    /// [`Config::set`] with a name that is no config item.
    #[error("invalid Pyro config item: {name}")]
    UnknownItem {
        /// The item name given.
        name: String,
    },
    /// A boolean item set to something other than `0/off/no/false` or `1/yes/on/true`.
    #[error("invalid boolean value: {name}={value}")]
    InvalidBool {
        /// The variable (or item) name.
        name: String,
        /// The value, lowercased as Python reports it.
        value: String,
    },
    /// An int or float item whose value does not parse.
    #[error("invalid Pyro environment config value: {name}={value}")]
    InvalidValue {
        /// The variable (or item) name.
        name: String,
        /// The value as given.
        value: String,
    },
    /// A value that parses but is outside what the item takes (a port above 65535, a
    /// negative timeout, a MAX_MESSAGE_SIZE of 0 or less...).
    #[error("invalid Pyro environment config value: {name}={value} (expected {expected})")]
    OutOfRange {
        /// The variable (or item) name.
        name: String,
        /// The value as given.
        value: String,
        /// What the item takes.
        expected: &'static str,
    },
    /// SERIALIZER names no serializer of Pyro5 (Python's proxy raises `ValueError("unknown
    /// serializer configured")`).
    #[error("unknown serializer configured: {name}={value}")]
    UnknownSerializer {
        /// The variable (or item) name.
        name: String,
        /// The value as given.
        value: String,
    },
    /// `PYRO_LOGLEVEL` names no Python logging level.
    #[error(
        "invalid log level {name}={value}: use DEBUG, INFO, WARNING, ERROR, CRITICAL \
         (or WARN, FATAL, NOTSET)"
    )]
    InvalidLogLevel {
        /// The variable (or item) name.
        name: String,
        /// The value as given.
        value: String,
    },
    /// A `PYRO_` variable whose value is not valid Unicode.
    #[error("the value of {name} is not valid Unicode")]
    NotUnicode {
        /// The variable name.
        name: String,
    },
}

impl Config {
    /// The effective configuration of this process: Python's defaults overridden by every
    /// `PYRO_<ITEM>` environment variable, as Pyro5 reads them at import, and
    /// pyroxene's own `PYROXENE_PROTOCOL`, `PYROXENE_NS_HOSTS` and limits. The one place the
    /// library reads the environment: every constructor Python configures from `Pyro5.config` starts here.
    ///
    /// # Errors
    /// Any `PYRO_` variable Pyro5 would refuse: see [`Config::from_vars`].
    pub fn from_env() -> Result<Config, ConfigError> {
        // Python's os.environ upper-cases names on Windows, so `pyro_x` counts there.
        Config::from_vars(std::env::vars_os().map(|(k, v)| {
            if cfg!(windows) {
                (k.to_ascii_uppercase(), v)
            } else {
                (k, v)
            }
        }))
    }

    /// Like [`Config::from_env`], from the given `(name, value)` pairs instead of the process
    /// environment. Names without the `PYRO_` prefix are ignored, as Pyro5 ignores them, except
    /// `PYROXENE_PROTOCOL` ([`Config::protocol`]), `PYROXENE_NS_HOSTS` ([`Config::ns_hosts`])
    /// and the `PYROXENE_*` limits ([`Config::limits`]).
    ///
    /// ```
    /// use pyroxene::Config;
    ///
    /// let c = Config::from_vars([
    ///     ("HOME", "/root"),
    ///     ("PYRO_SSL", "Yes"),
    ///     ("PYRO_NS_PORT", " 9_999 "),
    ///     ("PYRO_BROADCAST_ADDRS", "127.0.0.1, ::1"),
    ///     ("PYRO_NATHOST", "example.org"),
    /// ])?;
    /// assert!(c.ssl);
    /// assert_eq!(c.ns_port, 9999u16);
    /// assert_eq!(c.broadcast_addrs, ["127.0.0.1", "::1"]);
    /// assert_eq!(c.nathost.as_deref(), Some("example.org"));
    ///
    /// let err = Config::from_vars([("PYRO_SSL", "maybe")]).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid boolean value: PYRO_SSL=maybe");
    /// # Ok::<(), pyroxene::config::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// The first offending variable in iteration order: [`ConfigError::UnknownVariable`],
    /// [`ConfigError::InvalidBool`], [`ConfigError::InvalidValue`],
    /// [`ConfigError::OutOfRange`], [`ConfigError::UnknownSerializer`],
    /// [`ConfigError::NotUnicode`]; [`ConfigError::InvalidLogLevel`] for a non-empty
    /// `PYRO_LOGLEVEL` that is no level name (checked first, as Pyro5 sets up logging first);
    /// then a bad `PYROXENE_PROTOCOL` ([`ConfigError::InvalidValue`]), then a bad limit
    /// ([`Limits::from_vars`]).
    pub fn from_vars<I, K, V>(vars: I) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        // Every PYRO_ variable, in order, as (item, value) or the error it raises; errors are
        // reported after the LOGLEVEL check, which Pyro5 runs first (at import).
        let mut pyro_vars: Vec<Result<(&'static str, String), ConfigError>> = Vec::new();
        let mut protocol = None;
        let mut ns_hosts = None;
        let mut limits = Vec::new();
        for (name, value) in vars {
            let (name, value) = (name.as_ref(), value.as_ref());
            if name == PROTOCOL_ENV {
                protocol = Some(value.to_owned());
                continue;
            }
            if name == NS_HOSTS_ENV {
                ns_hosts = Some(value.to_owned());
                continue;
            }
            if Limits::is_var(name) {
                limits.push((name.to_owned(), value.to_owned()));
                continue;
            }
            let Some(item) = name.as_encoded_bytes().strip_prefix(ENV_PREFIX.as_bytes()) else {
                continue;
            };
            let known = std::str::from_utf8(item)
                .ok()
                .and_then(|item| Config::ITEM_NAMES.iter().find(|known| **known == item));
            pyro_vars.push(match (known, value.to_str()) {
                (None, _) => Err(ConfigError::UnknownVariable {
                    name: name.to_string_lossy().into_owned(),
                }),
                (Some(item), None) => Err(ConfigError::NotUnicode {
                    name: format!("{ENV_PREFIX}{item}"),
                }),
                (Some(item), Some(value)) => Ok((*item, value.to_owned())),
            });
        }
        let loglevel = pyro_vars.iter().rev().find_map(|var| match var {
            Ok(("LOGLEVEL", level)) => Some(level),
            _ => None,
        });
        if let Some(level) = loglevel {
            <Option<LogLevel> as parse::Item>::parse(&format!("{ENV_PREFIX}LOGLEVEL"), level)?;
        }
        let mut config = Config::default();
        for var in pyro_vars {
            let (item, value) = var?;
            config.parse_into(item, &format!("{ENV_PREFIX}{item}"), &value)?;
        }
        if let Some(value) = protocol {
            config.protocol = Protocol::from_vars([(PROTOCOL_ENV, value)])?;
        }
        if let Some(value) = ns_hosts {
            let text = value.to_str().ok_or_else(|| ConfigError::NotUnicode {
                name: NS_HOSTS_ENV.to_owned(),
            })?;
            config.ns_hosts = parse_ns_hosts(text);
        }
        config.limits = Limits::from_vars(limits)?;
        Ok(config)
    }

    /// Sets one item by its Pyro name (`"COMMTIMEOUT"`, exact case), parsing `value` with the
    /// rules of the environment variables.
    ///
    /// ```
    /// use pyroxene::Config;
    ///
    /// # use std::time::Duration;
    /// let mut c = Config::default();
    /// c.set("COMMTIMEOUT", "2.5")?;
    /// c.set("SOCK_NODELAY", "on")?;
    /// assert_eq!((c.commtimeout, c.sock_nodelay), (Some(Duration::from_millis(2500)), true));
    /// assert!(c.set("COMMTIMEOUT", "soon").is_err());
    /// assert!(c.set("NO_SUCH_ITEM", "1").is_err());
    /// # Ok::<(), pyroxene::config::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// [`ConfigError::UnknownItem`], or the parse errors of [`Config::from_vars`] naming the
    /// item without prefix. The item is unchanged on error.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        if !Config::ITEM_NAMES.contains(&name) {
            return Err(ConfigError::UnknownItem {
                name: name.to_owned(),
            });
        }
        self.parse_into(name, name, value)
    }

    /// The items as `python -m Pyro5.configure` lists them: sorted by name, each with its
    /// Python `str()` text.
    ///
    /// ```
    /// let c = pyroxene::Config::default();
    /// let items = c.items();
    /// assert_eq!(items[0], ("BROADCAST_ADDRS", "['<broadcast>', '0.0.0.0']".to_owned()));
    /// assert_eq!(items.len(), pyroxene::Config::ITEM_NAMES.len());
    /// ```
    pub fn items(&self) -> Vec<(&'static str, String)> {
        let mut names = Config::ITEM_NAMES.to_vec();
        names.sort_unstable();
        names
            .into_iter()
            .map(|name| {
                let text = self.get(name).map(|v| v.to_string()).unwrap_or_default();
                (name, text)
            })
            .collect()
    }

    /// The text `python -m Pyro5.configure` prints (without the final newline), with
    /// pyroxene in place of Python in the first three lines:
    ///
    /// ```text
    /// Pyro version: pyroxene 0.1.0 (Pyro5 5.17 compatible)
    /// Loaded from: <directory of the running executable>
    /// Implementation: Rust (Linux, posix)
    /// Protocol version: 502
    /// Currently active global configuration settings:
    /// BROADCAST_ADDRS = ['<broadcast>', '0.0.0.0']
    /// COMMTIMEOUT = 0.0
    /// ...
    /// ```
    ///
    /// From the fourth line on it is Python's output, line for line.
    ///
    /// ```
    /// let dump = pyroxene::Config::default().dump();
    /// let lines: Vec<&str> = dump.lines().collect();
    /// assert_eq!(lines[3], "Protocol version: 502");
    /// assert_eq!(lines[5], "BROADCAST_ADDRS = ['<broadcast>', '0.0.0.0']");
    /// assert_eq!(lines.last(), Some(&"THREADPOOL_SIZE_MIN = 4"));
    /// ```
    pub fn dump(&self) -> String {
        let loaded_from = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.display().to_string()))
            .unwrap_or_else(|| "unknown".to_owned());
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Pyro version: pyroxene {} (Pyro5 {PYRO5_VERSION} compatible)",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(out, "Loaded from: {loaded_from}");
        let _ = writeln!(
            out,
            "Implementation: Rust ({}, {})",
            python_system(),
            python_os_name()
        );
        let _ = writeln!(
            out,
            "Protocol version: {}",
            crate::ProtocolVersion::V5.number()
        );
        out.push_str("Currently active global configuration settings:");
        for (name, text) in self.items() {
            let _ = write!(out, "\n{name} = {text}");
        }
        out
    }
}

/// `platform.system()` for the platforms Rust names differently.
fn python_system() -> String {
    match std::env::consts::OS {
        "linux" => "Linux".to_owned(),
        "macos" => "Darwin".to_owned(),
        "windows" => "Windows".to_owned(),
        "freebsd" => "FreeBSD".to_owned(),
        "netbsd" => "NetBSD".to_owned(),
        "openbsd" => "OpenBSD".to_owned(),
        other => {
            let mut chars = other.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// `os.name`.
fn python_os_name() -> &'static str {
    if cfg!(windows) { "nt" } else { "posix" }
}
