//! Addresses and their families, inferred from the address as Python's `address_type` does.
//!
//! | Python | family | Rust |
//! |---|---|---|
//! | `('127.0.0.1', 6000)` | `AF_INET` | `Address::Inet { host, port }`, `"127.0.0.1:6000"`, `("127.0.0.1", 6000)` |
//! | `'/tmp/sock'` | `AF_UNIX` | `Address::Unix(path)`, `"/tmp/sock"`, `Path::new("/tmp/sock")` |
//! | `'\0name'` | `AF_UNIX`, Linux abstract namespace | `Address::Abstract(name)`, `"\0name"` or `"@name"` |
//!
//! Python tells the families apart by type (a tuple is `AF_INET`, a string a path); a Rust
//! string carries both, so [`Address::parse`] reads `host:port` (and `[v6]:port`) as
//! `AF_INET` and anything else as a path. A path that looks like `host:port` is written
//! `./host:port`. Abstract names print as `@name` (Linux's own notation, as `ss -x` shows
//! them) because a NUL can't travel in a command line; `@name` parses back to the same
//! address, so a file named `@x` is written `./@x`.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use crate::Error;

/// Where a [`Listener`](crate::Listener) listens or a [`Client`](crate::Client) connects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// `AF_INET` (and IPv6, which Python's module lacks): a host name or IP and a port.
    Inet {
        /// Host name or IP address (without IPv6 brackets).
        host: String,
        /// TCP port; 0 asks the system for a free one when binding.
        port: u16,
    },
    /// `AF_UNIX` socket file. An empty path is an unnamed peer (what `last_accepted` shows for
    /// a client socket that was never bound, like Python's `''`).
    Unix(PathBuf),
    /// Linux abstract `AF_UNIX` name, without the leading NUL (Python: `'\0name'`).
    Abstract(Vec<u8>),
}

impl Address {
    /// Reads an address string: `\0name` or `@name` is an abstract name, `host:port` or
    /// `[v6]:port` is `AF_INET`, anything else a socket path.
    ///
    /// ```
    /// use pyroxene_connection::Address;
    /// assert_eq!(Address::parse("localhost:6000").unwrap(),
    ///            Address::Inet { host: "localhost".into(), port: 6000 });
    /// assert_eq!(Address::parse("[::1]:0").unwrap(), Address::Inet { host: "::1".into(), port: 0 });
    /// assert_eq!(Address::parse("/tmp/worker.sock").unwrap(), Address::Unix("/tmp/worker.sock".into()));
    /// assert_eq!(Address::parse("\0pool").unwrap(), Address::Abstract(b"pool".to_vec()));
    /// assert_eq!(Address::parse("@pool").unwrap().to_string(), "@pool");
    /// ```
    ///
    /// # Errors
    /// An empty string (Python: `address type of '' unrecognized`).
    pub fn parse(s: &str) -> Result<Address, Error> {
        if s.is_empty() {
            return Err(Error::Address(s.to_owned()));
        }
        if let Some(name) = s.strip_prefix('\0').or_else(|| s.strip_prefix('@')) {
            return Ok(Address::Abstract(name.as_bytes().to_vec()));
        }
        if !s.contains('/')
            && let Some((host, port)) = s.rsplit_once(':')
            && let Ok(port) = port.parse::<u16>()
        {
            let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
                Some(v6) => v6,
                None if host.contains(':') => return Ok(Address::Unix(s.into())),
                None => host,
            };
            if !host.is_empty() {
                return Ok(Address::Inet {
                    host: host.to_owned(),
                    port,
                });
            }
        }
        Ok(Address::Unix(s.into()))
    }

    /// The family name Python uses for this address.
    pub fn family(&self) -> &'static str {
        match self {
            Address::Inet { .. } => "AF_INET",
            Address::Unix(_) | Address::Abstract(_) => "AF_UNIX",
        }
    }

    pub(crate) fn from_socket_addr(addr: SocketAddr) -> Address {
        Address::Inet {
            host: addr.ip().to_string(),
            port: addr.port(),
        }
    }

    pub(crate) fn from_unix(addr: &std::os::unix::net::SocketAddr) -> Address {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use std::os::linux::net::SocketAddrExt;
            if let Some(name) = addr.as_abstract_name() {
                return Address::Abstract(name.to_vec());
            }
        }
        Address::Unix(
            addr.as_pathname()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        )
    }
}

impl fmt::Display for Address {
    /// `host:port` (`[v6]:port`), the path, or `@name`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Inet { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Address::Inet { host, port } => write!(f, "{host}:{port}"),
            Address::Unix(path) => write!(f, "{}", path.display()),
            Address::Abstract(name) => write!(f, "@{}", String::from_utf8_lossy(name)),
        }
    }
}

impl std::str::FromStr for Address {
    type Err = Error;
    fn from_str(s: &str) -> Result<Address, Error> {
        Address::parse(s)
    }
}

/// What [`Listener::bind`](crate::Listener::bind) and [`Client::connect`](crate::Client::connect)
/// take as an address: an [`Address`], a string ([`Address::parse`]), a `(host, port)` pair, a
/// `SocketAddr`, or a `Path` (always a socket file).
pub trait ToAddress {
    /// The address, or why the value is not one.
    ///
    /// # Errors
    /// [`Error::Address`] for a string no family fits.
    fn to_address(self) -> Result<Address, Error>;
}

impl ToAddress for Address {
    fn to_address(self) -> Result<Address, Error> {
        Ok(self)
    }
}

impl ToAddress for &Address {
    fn to_address(self) -> Result<Address, Error> {
        Ok(self.clone())
    }
}

impl ToAddress for &str {
    fn to_address(self) -> Result<Address, Error> {
        Address::parse(self)
    }
}

impl ToAddress for String {
    fn to_address(self) -> Result<Address, Error> {
        Address::parse(&self)
    }
}

impl ToAddress for &String {
    fn to_address(self) -> Result<Address, Error> {
        Address::parse(self)
    }
}

impl ToAddress for (&str, u16) {
    fn to_address(self) -> Result<Address, Error> {
        Ok(Address::Inet {
            host: self.0.to_owned(),
            port: self.1,
        })
    }
}

impl ToAddress for (String, u16) {
    fn to_address(self) -> Result<Address, Error> {
        Ok(Address::Inet {
            host: self.0,
            port: self.1,
        })
    }
}

impl ToAddress for (IpAddr, u16) {
    fn to_address(self) -> Result<Address, Error> {
        Ok(Address::from_socket_addr(SocketAddr::from(self)))
    }
}

impl ToAddress for SocketAddr {
    fn to_address(self) -> Result<Address, Error> {
        Ok(Address::from_socket_addr(self))
    }
}

impl ToAddress for &Path {
    fn to_address(self) -> Result<Address, Error> {
        Ok(Address::Unix(self.to_path_buf()))
    }
}

impl ToAddress for PathBuf {
    fn to_address(self) -> Result<Address, Error> {
        Ok(Address::Unix(self))
    }
}

impl ToAddress for &PathBuf {
    fn to_address(self) -> Result<Address, Error> {
        Ok(Address::Unix(self.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_as_python_infers_them() {
        let inet = |h: &str, p| Address::Inet {
            host: h.into(),
            port: p,
        };
        let cases: &[(&str, Address)] = &[
            ("127.0.0.1:6000", inet("127.0.0.1", 6000)),
            ("localhost:0", inet("localhost", 0)),
            ("[::1]:7", inet("::1", 7)),
            ("/tmp/a:1", Address::Unix("/tmp/a:1".into())),
            ("./host:1", Address::Unix("./host:1".into())),
            ("sock", Address::Unix("sock".into())),
            (":80", Address::Unix(":80".into())),
            ("::1:80", Address::Unix("::1:80".into())),
            ("host:99999", Address::Unix("host:99999".into())),
            ("\0name", Address::Abstract(b"name".to_vec())),
            ("@name", Address::Abstract(b"name".to_vec())),
        ];
        for (text, want) in cases {
            assert_eq!(&Address::parse(text).unwrap(), want, "{text:?}");
        }
        assert_eq!(
            Address::parse("").unwrap_err().to_string(),
            "address type of '' unrecognized"
        );
    }

    #[test]
    fn display_parses_back() {
        for text in ["127.0.0.1:6000", "[::1]:7", "/tmp/x", "@name"] {
            let a = Address::parse(text).unwrap();
            assert_eq!(a.to_string(), text);
            assert_eq!(Address::parse(&a.to_string()).unwrap(), a);
        }
    }
}
