//! Pyro's configuration: every config item of Python Pyro5 5.17, read from `PYRO_*` environment
//! variables with Pyro5's parsing rules and errors, and printed the way
//! `python -m Pyro5.configure` prints it.
//!
//! ```
//! use pyroxene::Config;
//!
//! // What a Pyro5 program sees with PYRO_COMMTIMEOUT=2.5 and PYRO_SERIALIZER=json set.
//! let config = Config::from_vars([("PYRO_COMMTIMEOUT", "2.5"), ("PYRO_SERIALIZER", "json")])?;
//! assert_eq!(config.commtimeout, 2.5);
//! assert_eq!(config.serializer, "json");
//! assert_eq!(config.ns_port, 9090); // untouched items keep Python's defaults
//!
//! // Pyro5 refuses to start with a PYRO_ variable it does not know; so do we.
//! let err = Config::from_vars([("PYRO_HMAC_KEY", "secret")]).unwrap_err();
//! assert_eq!(err.to_string(), "invalid Pyro environment config variable: PYRO_HMAC_KEY");
//! # Ok::<(), pyroxene::config::ConfigError>(())
//! ```
//!
//! Deliberate differences from Python, all about values Python accepts and pyroxene refuses with
//! [`ConfigError::InvalidValue`]: integers outside `i64` (Python ints are unbounded), digits
//! other than ASCII `0-9` in numbers (Python's `int()` takes any Unicode decimal digit), and
//! values that are not valid Unicode ([`ConfigError::NotUnicode`]). `PYRO_LOGLEVEL` must name a
//! Python logging level (see [`crate::logging`]), which is what Pyro5 needs too, only it fails
//! later, with an AttributeError at import.

mod items;
mod parse;
mod protocol;

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::time::Duration;

pub use items::Config;
pub use parse::ConfigValue;
pub use protocol::{PROTOCOL_ENV, Protocol};

use crate::Serializer;

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
    /// `PYRO_<ITEM>` environment variable, exactly as Pyro5 reads them at import.
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
    /// environment. Names without the `PYRO_` prefix are ignored, as Pyro5 ignores them.
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
    /// assert_eq!(c.ns_port, 9999);
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
    /// [`ConfigError::NotUnicode`]; [`ConfigError::InvalidLogLevel`] for a non-empty
    /// `PYRO_LOGLEVEL` that is no level name (checked first, as Pyro5 sets up logging first).
    pub fn from_vars<I, K, V>(vars: I) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        // Every PYRO_ variable, in order, as (item, value) or the error it raises; errors are
        // reported after the LOGLEVEL check, which Pyro5 runs first (at import).
        let mut pyro_vars: Vec<Result<(&'static str, String), ConfigError>> = Vec::new();
        for (name, value) in vars {
            let (name, value) = (name.as_ref(), value.as_ref());
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
        if let Some(level) = loglevel
            && !level.is_empty()
            && crate::logging::level_from_name(level).is_none()
        {
            return Err(ConfigError::InvalidLogLevel {
                name: format!("{ENV_PREFIX}LOGLEVEL"),
                value: level.clone(),
            });
        }
        let mut config = Config::default();
        for var in pyro_vars {
            let (item, value) = var?;
            config.parse_into(item, &format!("{ENV_PREFIX}{item}"), &value)?;
        }
        Ok(config)
    }

    /// Sets one item by its Pyro name (`"COMMTIMEOUT"`, exact case), parsing `value` with the
    /// rules of the environment variables.
    ///
    /// ```
    /// use pyroxene::Config;
    ///
    /// let mut c = Config::default();
    /// c.set("COMMTIMEOUT", "2.5")?;
    /// c.set("SOCK_NODELAY", "on")?;
    /// assert_eq!((c.commtimeout, c.sock_nodelay), (2.5, true));
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

    /// COMMTIMEOUT as a socket timeout: `None` means no timeout, which is what Pyro5 does for
    /// 0 (`if config.COMMTIMEOUT:`); negative, NaN and infinite values also give `None`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let mut c = pyroxene::Config::default();
    /// assert_eq!(c.comm_timeout(), None);
    /// c.commtimeout = 2.5;
    /// assert_eq!(c.comm_timeout(), Some(Duration::from_millis(2500)));
    /// ```
    pub fn comm_timeout(&self) -> Option<Duration> {
        (self.commtimeout > 0.0)
            .then(|| Duration::try_from_secs_f64(self.commtimeout).ok())
            .flatten()
    }

    /// SERIALIZER as a [`Serializer`], or `None` for a name pyroxene does not know (a Pyro5
    /// proxy raises "unknown serializer configured" then).
    ///
    /// ```
    /// let c = pyroxene::Config::default();
    /// assert_eq!(c.serializer_kind(), Some(pyroxene::Serializer::Serpent));
    /// ```
    pub fn serializer_kind(&self) -> Option<Serializer> {
        Serializer::from_name(&self.serializer)
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
