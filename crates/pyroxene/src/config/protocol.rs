//! `PYROXENE_PROTOCOL`: which Pyro protocol a proxy speaks (pyroxene's own setting, not a Pyro
//! config item: Python Pyro5 refuses to start when it sees a `PYRO_` variable it doesn't know,
//! so pyroxene's own items use the `PYROXENE_` prefix).

use std::fmt;
use std::str::FromStr;

use pyroxene_wire::ProtocolVersion;

use super::ConfigError;

/// pyroxene's environment variable for the protocol ([`crate::Config::protocol`]).
pub const PROTOCOL_ENV: &str = "PYROXENE_PROTOCOL";

/// The protocol a proxy (or `pyroxene nsc`) speaks: `auto` (the default), `4` (Pyro4,
/// protocol 48) or `5` (Pyro5, protocol 502).
///
/// `auto` decides once per proxy, on its first connection, and keeps the answer (see [`crate::Proxy::with_protocol`] for exactly what it
/// sends). A proxy given a Pyro4 HMAC key or the pickle serializer (both Pyro4-only) speaks
/// Pyro4 from the start.
///
/// ```
/// use pyroxene::config::Protocol;
/// use pyroxene_wire::ProtocolVersion;
///
/// assert_eq!("auto".parse::<Protocol>()?, Protocol::Auto);
/// assert_eq!("4".parse::<Protocol>()?, Protocol::Fixed(ProtocolVersion::V4));
/// assert_eq!(" Pyro5 ".parse::<Protocol>()?, Protocol::Fixed(ProtocolVersion::V5));
/// assert!("6".parse::<Protocol>().is_err());
/// assert_eq!(Protocol::from_vars([("PYROXENE_PROTOCOL", "48")])?, Protocol::Fixed(ProtocolVersion::V4));
/// assert_eq!(Protocol::from_vars([("HOME", "/")])?, Protocol::Auto);
/// # Ok::<(), pyroxene::config::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Detect the daemon's protocol on the first connection.
    #[default]
    Auto,
    /// Always this protocol.
    Fixed(ProtocolVersion),
}

impl Protocol {
    /// The value of `PYROXENE_PROTOCOL` among the given `(name, value)` pairs (`auto` when it
    /// is not there); [`crate::Config::from_env`] reads it from the environment.
    ///
    /// # Errors
    /// [`ConfigError::InvalidValue`] for a value other than `auto`, `4`/`48`/`pyro4`,
    /// `5`/`502`/`pyro5` (any case, surrounding blanks ignored).
    pub fn from_vars<I, K, V>(vars: I) -> Result<Protocol, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<std::ffi::OsStr>,
        V: AsRef<std::ffi::OsStr>,
    {
        let mut found = Protocol::Auto;
        for (name, value) in vars {
            if name.as_ref() != PROTOCOL_ENV {
                continue;
            }
            let value = value.as_ref().to_str().ok_or(ConfigError::NotUnicode {
                name: PROTOCOL_ENV.to_owned(),
            })?;
            found = value.parse().map_err(|_| ConfigError::InvalidValue {
                name: PROTOCOL_ENV.to_owned(),
                value: value.to_owned(),
            })?;
        }
        Ok(found)
    }
}

impl FromStr for Protocol {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Protocol, ConfigError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Protocol::Auto),
            "4" | "48" | "pyro4" => Ok(Protocol::Fixed(ProtocolVersion::V4)),
            "5" | "502" | "pyro5" => Ok(Protocol::Fixed(ProtocolVersion::V5)),
            _ => Err(ConfigError::InvalidValue {
                name: PROTOCOL_ENV.to_owned(),
                value: s.to_owned(),
            }),
        }
    }
}

impl From<ProtocolVersion> for Protocol {
    fn from(version: ProtocolVersion) -> Protocol {
        Protocol::Fixed(version)
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Auto => "auto",
            Protocol::Fixed(ProtocolVersion::V4) => "4",
            Protocol::Fixed(ProtocolVersion::V5) => "5",
        })
    }
}
