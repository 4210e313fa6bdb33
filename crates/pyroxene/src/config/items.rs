//! The config items themselves: one table from which the struct, its defaults and the by-name
//! access are generated, so the 39 items cannot drift apart.

use std::time::Duration;

use super::ConfigError;
use super::kinds::{IpVersion, LogLevel, ServerType};
use super::limits::Limits;
use super::parse::{ConfigValue, Item};
use super::protocol::Protocol;
use crate::Serializer;

macro_rules! config_items {
    ($( $(#[$doc:meta])* $name:ident => $field:ident: $ty:ty = $default:expr, )*) => {
        /// Every config item of Python Pyro5 5.17, one public field each (the item's name in
        /// lower case), with Python's defaults; plus pyroxene's own [`Config::protocol`].
        ///
        /// A plain data struct: build it with [`Config::default`], [`Config::from_env`] or
        /// [`Config::from_vars`], then change fields directly or by name with [`Config::set`].
        /// Fields have Rust types, parsed from the `PYRO_*` text at the edge: ports are `u16`,
        /// counts `u32`, sizes `u64`, seconds [`Duration`] (`Option<Duration>` where Python's
        /// 0 means "off"), the serializer a [`Serializer`], and SERVERTYPE,
        /// PREFER_IP_VERSION and LOGLEVEL enums.
        ///
        /// ```
        /// use std::time::Duration;
        /// use pyroxene::{Config, Serializer};
        ///
        /// let mut config = Config::default();
        /// assert_eq!(config.max_message_size, 1024 * 1024 * 1024);
        /// config.commtimeout = Some(Duration::from_secs(5));
        /// config.set("SERIALIZER", "msgpack")?;
        /// assert_eq!(config.serializer, Serializer::Msgpack);
        /// assert_eq!(config.get("COMMTIMEOUT").unwrap().to_string(), "5.0");
        /// # Ok::<(), pyroxene::config::ConfigError>(())
        /// ```
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub struct Config {
            $( $(#[$doc])* pub $field: $ty, )*
            /// pyroxene's own `PYROXENE_PROTOCOL` (not a Pyro item, so not in
            /// [`Config::ITEM_NAMES`] nor in `pyroxene config`'s list): the protocol proxies
            /// speak. Default [`Protocol::Auto`].
            pub protocol: Protocol,
            /// pyroxene's own `PYROXENE_NS_HOSTS` (not a Pyro item either): name servers a
            /// client tries in order, with short timeouts, when it locates one without a
            /// host and when it resolves a `PYRONAME:`/`PYROMETA:` URI without one (see
            /// [`crate::config::parse_ns_hosts`]). Default empty: Pyro's own search.
            pub ns_hosts: Vec<String>,
            /// pyroxene's own `PYROXENE_*` limits of a daemon (max connections, receive
            /// budget, handshake timeout, streams per connection): see [`Limits`].
            pub limits: Limits,
        }

        impl Default for Config {
            /// Python's defaults (`Configuration.reset(use_environment=False)` in a process
            /// without `PYRO_LOGFILE`/`PYRO_LOGLEVEL`), and protocol `auto`.
            fn default() -> Config {
                Config {
                    $( $field: $default, )*
                    protocol: Protocol::Auto,
                    ns_hosts: Vec::new(),
                    limits: Limits::default(),
                }
            }
        }

        impl Config {
            /// The item names in Pyro5's order (`Configuration.__slots__`).
            ///
            /// ```
            /// assert_eq!(pyroxene::Config::ITEM_NAMES.len(), 39);
            /// assert_eq!(pyroxene::Config::ITEM_NAMES[0], "HOST");
            /// ```
            pub const ITEM_NAMES: &'static [&'static str] = &[$( stringify!($name), )*];

            /// One item by its Pyro name (exact case), as Python holds it (a port as an `int`,
            /// seconds as a `float`, `0.0` for "off").
            ///
            /// ```
            /// use pyroxene::config::{Config, ConfigValue};
            ///
            /// assert_eq!(Config::default().get("NS_PORT"), Some(ConfigValue::Int(9090)));
            /// assert_eq!(Config::default().get("ns_port"), None);
            /// ```
            pub fn get(&self, name: &str) -> Option<ConfigValue> {
                match name {
                    $( stringify!($name) => Some(Item::value(&self.$field)), )*
                    _ => None,
                }
            }

            /// Parses `raw` into item `name` (known to exist); `var` names it in errors.
            pub(super) fn parse_into(
                &mut self,
                name: &str,
                var: &str,
                raw: &str,
            ) -> Result<(), ConfigError> {
                match name {
                    $( stringify!($name) => self.$field = <$ty as Item>::parse(var, raw)?, )*
                    _ => return Err(ConfigError::UnknownItem { name: name.to_owned() }),
                }
                Ok(())
            }
        }
    };
}

config_items! {
    /// HOST: the host name or IP address a daemon binds to when none is given. Default
    /// `"localhost"`.
    HOST => host: String = "localhost".to_owned(),
    /// NS_HOST: where clients look for the name server (`pyroxene ns`, like `pyro5-ns`, binds
    /// HOST, not this).
    /// Default `"localhost"`.
    NS_HOST => ns_host: String = "localhost".to_owned(),
    /// NS_PORT: the name server's TCP port, also the default port of `PYRONAME:` URIs.
    /// Default 9090.
    NS_PORT => ns_port: u16 = 9090,
    /// NS_BCPORT: the UDP port of the name server's broadcast responder. Default 9091.
    NS_BCPORT => ns_bcport: u16 = 9091,
    /// NS_BCHOST: the host the broadcast responder binds to; `None` binds all interfaces.
    /// Default `None`.
    NS_BCHOST => ns_bchost: Option<String> = None,
    /// NS_AUTOCLEAN: seconds between the name server's sweeps that remove registrations whose
    /// objects no longer answer; `None` (Python's 0) turns it off (Pyro wants at least 3 s
    /// otherwise). Default `None`.
    NS_AUTOCLEAN => ns_autoclean: Option<Duration> = None,
    /// NS_LOOKUP_DELAY: how long a name server lookup of a missing name keeps retrying, so
    /// clients can start before their servers. Default 0 (fail at once).
    NS_LOOKUP_DELAY => ns_lookup_delay: Duration = Duration::ZERO,
    /// NATHOST: the host put in URIs a daemon hands out when it sits behind NAT or a
    /// proxy; `None` uses the bind host. Default `None`.
    NATHOST => nathost: Option<String> = None,
    /// NATPORT: the port put in handed-out URIs behind NAT; 0 uses the daemon's own port.
    /// Default 0.
    NATPORT => natport: u16 = 0,
    /// COMPRESSION: zlib-compress message payloads (the compressed flag of the protocol),
    /// worth it for large payloads on slow links. Default `false`.
    COMPRESSION => compression: bool = false,
    /// SERVERTYPE: Python's daemon concurrency model, `"thread"` (a worker per connection)
    /// or `"multiplex"` (one thread, select). Default [`ServerType::Thread`].
    SERVERTYPE => servertype: ServerType = ServerType::Thread,
    /// COMMTIMEOUT: socket timeout for proxies and for a daemon's client connections; `None`
    /// (Python's 0) means none. Default `None`.
    COMMTIMEOUT => commtimeout: Option<Duration> = None,
    /// POLLTIMEOUT: how often a Python daemon's loop wakes up for housekeeping.
    /// Default 2 s.
    POLLTIMEOUT => polltimeout: Duration = Duration::from_secs(2),
    /// MAX_RETRIES: how many times a proxy re-sends a call after a connection was closed or
    /// timed out before giving up. Default 0.
    MAX_RETRIES => max_retries: u32 = 0,
    /// SOCK_REUSE: set SO_REUSEADDR on server sockets so a restarted daemon can rebind its
    /// port at once. Default `true`.
    SOCK_REUSE => sock_reuse: bool = true,
    /// SOCK_NODELAY: set TCP_NODELAY on connections, trading bandwidth for latency.
    /// Default `false`.
    SOCK_NODELAY => sock_nodelay: bool = false,
    /// DETAILED_TRACEBACK: remote tracebacks include local variables (debugging aid; leaks
    /// data to clients). Default `false`.
    DETAILED_TRACEBACK => detailed_traceback: bool = false,
    /// THREADPOOL_SIZE: the most worker threads of Python's thread server, which is its
    /// limit of concurrent connections. Default 80.
    THREADPOOL_SIZE => threadpool_size: u32 = 80,
    /// THREADPOOL_SIZE_MIN: the idle workers Python's thread server keeps. Default 4.
    THREADPOOL_SIZE_MIN => threadpool_size_min: u32 = 4,
    /// MAX_MESSAGE_SIZE: the largest message, in bytes of annotations plus payload, that is
    /// sent or accepted; checked from the header before anything is allocated. Pyro5 has no
    /// "0 = unlimited": `PYRO_MAX_MESSAGE_SIZE` of 0 or less is refused. Default 1073741824
    /// (1 GiB).
    MAX_MESSAGE_SIZE => max_message_size: u64 = 1024 * 1024 * 1024,
    /// BROADCAST_ADDRS: where name server discovery sends its UDP broadcast. Comma-separated
    /// in `PYRO_BROADCAST_ADDRS`. Default `["<broadcast>", "0.0.0.0"]` (Pyro5's, so `pyroxene
    /// config` prints what Python prints); tests and benches always set `127.0.0.1`.
    BROADCAST_ADDRS => broadcast_addrs: Vec<String> = vec!["<broadcast>".to_owned(), "0.0.0.0".to_owned()], // Pyro5 default
    /// PREFER_IP_VERSION: 4 or 6 to force the address family of name resolution and sockets,
    /// 0 to let the system choose (RFC 3484); 6 disables broadcast. Default [`IpVersion::Any`].
    PREFER_IP_VERSION => prefer_ip_version: IpVersion = IpVersion::Any,
    /// SERIALIZER: the serializer a proxy uses for its calls (`serpent`, `json`, `marshal`,
    /// `msgpack`); daemons answer in whatever the caller used. Another name in
    /// `PYRO_SERIALIZER` is refused with Python's "unknown serializer configured".
    /// Default [`Serializer::Serpent`].
    SERIALIZER => serializer: Serializer = Serializer::Serpent,
    /// SERPENT_BYTES_REPR: serpent writes bytes as `b'...'` literals instead of Python's
    /// base64 dict, for peers that understand them. Default `false`.
    SERPENT_BYTES_REPR => serpent_bytes_repr: bool = false,
    /// ITER_STREAMING: remote iterators and generators are streamed item by item instead of
    /// refused. Default `true`.
    ITER_STREAMING => iter_streaming: bool = true,
    /// ITER_STREAM_LIFETIME: the longest a stream may live; `None` (Python's 0) is unlimited.
    /// Default `None`.
    ITER_STREAM_LIFETIME => iter_stream_lifetime: Option<Duration> = None,
    /// ITER_STREAM_LINGER: how long the streams of a disconnected client are kept so it can
    /// reconnect and go on; `None` (Python's 0) closes them with the connection, `inf` is
    /// [`Duration::MAX`] (kept until their lifetime ends). Default 30 s.
    ITER_STREAM_LINGER => iter_stream_linger: Option<Duration> = Some(Duration::from_secs(30)),
    /// LOGFILE: where logging goes once `PYRO_LOGLEVEL` is set; `"{stderr}"` is standard
    /// error. Its default comes from `PYRO_LOGFILE`, else `"pyro5.log"` (in the current
    /// directory). See [`crate::logging`].
    LOGFILE => logfile: String = "pyro5.log".to_owned(),
    /// LOGLEVEL: the logging level from `PYRO_LOGLEVEL` (a Python level name: `DEBUG`,
    /// `INFO`, `WARNING`, `ERROR`, `CRITICAL`...); `None` (unset or empty) leaves Pyro's
    /// logging off. Default `None`. See [`crate::logging`] (`init_from_config`, with the
    /// `logging` feature).
    LOGLEVEL => loglevel: Option<LogLevel> = None,
    /// LOGWIRE: log every message's bytes (needs LOGLEVEL DEBUG); for protocol debugging
    /// only. Default `false`.
    LOGWIRE => logwire: bool = false,
    /// SSL: wrap every connection in TLS. Default `false`.
    SSL => ssl: bool = false,
    /// SSL_SERVERCERT: the daemon's certificate file (PEM). Default `""`.
    SSL_SERVERCERT => ssl_servercert: String = String::new(),
    /// SSL_SERVERKEY: the daemon's private key file, if not in the certificate file.
    /// Default `""`.
    SSL_SERVERKEY => ssl_serverkey: String = String::new(),
    /// SSL_SERVERKEYPASSWD: the password of the daemon's private key. Default `""`.
    SSL_SERVERKEYPASSWD => ssl_serverkeypasswd: String = String::new(),
    /// SSL_REQUIRECLIENTCERT: daemons demand a client certificate (two-way TLS).
    /// Default `false`.
    SSL_REQUIRECLIENTCERT => ssl_requireclientcert: bool = false,
    /// SSL_CLIENTCERT: the proxy's certificate file for two-way TLS. Default `""`.
    SSL_CLIENTCERT => ssl_clientcert: String = String::new(),
    /// SSL_CLIENTKEY: the proxy's private key file. Default `""`.
    SSL_CLIENTKEY => ssl_clientkey: String = String::new(),
    /// SSL_CLIENTKEYPASSWD: the password of the proxy's private key. Default `""`.
    SSL_CLIENTKEYPASSWD => ssl_clientkeypasswd: String = String::new(),
    /// SSL_CACERTS: a CA file or directory trusted, besides the system's, to verify the
    /// peer. Default `""`.
    SSL_CACERTS => ssl_cacerts: String = String::new(),
}
