//! The config items themselves: one table from which the struct, its defaults and the by-name
//! access are generated, so the 39 items cannot drift apart.

use super::ConfigError;
use super::parse::{ConfigValue, Item};

macro_rules! config_items {
    ($( $(#[$doc:meta])* $name:ident => $field:ident: $ty:ty = $default:expr, )*) => {
        /// Every config item of Python Pyro5 5.17, one public field each (the item's name in
        /// lower case), with Python's defaults.
        ///
        /// A plain data struct: build it with [`Config::default`], [`Config::from_env`] or
        /// [`Config::from_vars`], then change fields directly or by name with [`Config::set`].
        /// Numbers keep Python's types (`int` → `i64`, `float` → `f64`, seconds as floats);
        /// the consumers check ranges, as Pyro5 does when it uses them.
        ///
        /// ```
        /// use pyroxene::Config;
        ///
        /// let mut config = Config::default();
        /// assert_eq!(config.max_message_size, 1024 * 1024 * 1024);
        /// config.commtimeout = 5.0;
        /// config.set("SERIALIZER", "msgpack")?;
        /// assert_eq!(config.get("SERIALIZER").unwrap().to_string(), "msgpack");
        /// # Ok::<(), pyroxene::config::ConfigError>(())
        /// ```
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            $( $(#[$doc])* pub $field: $ty, )*
        }

        impl Default for Config {
            /// Python's defaults (`Configuration.reset(use_environment=False)` in a process
            /// without `PYRO_LOGFILE`/`PYRO_LOGLEVEL`).
            fn default() -> Config {
                Config { $( $field: $default, )* }
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

            /// One item by its Pyro name (exact case), typed as Python holds it.
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
    NS_PORT => ns_port: i64 = 9090,
    /// NS_BCPORT: the UDP port of the name server's broadcast responder. Default 9091.
    NS_BCPORT => ns_bcport: i64 = 9091,
    /// NS_BCHOST: the host the broadcast responder binds to; `None` binds all interfaces.
    /// Default `None`.
    NS_BCHOST => ns_bchost: Option<String> = None,
    /// NS_AUTOCLEAN: seconds between the name server's sweeps that remove registrations whose
    /// objects no longer answer; 0 turns it off (Pyro wants at least 3 otherwise). Default 0.0.
    NS_AUTOCLEAN => ns_autoclean: f64 = 0.0,
    /// NS_LOOKUP_DELAY: how long, in seconds, a name server lookup of a missing name keeps
    /// retrying, so clients can start before their servers. Default 0.0 (fail at once).
    NS_LOOKUP_DELAY => ns_lookup_delay: f64 = 0.0,
    /// NATHOST: the host put in URIs a daemon hands out when it sits behind NAT or a
    /// proxy; `None` uses the bind host. Default `None`.
    NATHOST => nathost: Option<String> = None,
    /// NATPORT: the port put in handed-out URIs behind NAT; 0 uses the daemon's own port.
    /// Default 0.
    NATPORT => natport: i64 = 0,
    /// COMPRESSION: zlib-compress message payloads (the compressed flag of the protocol),
    /// worth it for large payloads on slow links. Default `false`.
    COMPRESSION => compression: bool = false,
    /// SERVERTYPE: Python's daemon concurrency model, `"thread"` (a worker per connection)
    /// or `"multiplex"` (one thread, select). Default `"thread"`.
    SERVERTYPE => servertype: String = "thread".to_owned(),
    /// COMMTIMEOUT: socket timeout in seconds for proxies and for a daemon's client
    /// connections; 0 means none. See [`Config::comm_timeout`]. Default 0.0.
    COMMTIMEOUT => commtimeout: f64 = 0.0,
    /// POLLTIMEOUT: how often, in seconds, a Python daemon's loop wakes up for
    /// housekeeping. Default 2.0.
    POLLTIMEOUT => polltimeout: f64 = 2.0,
    /// MAX_RETRIES: how many times a proxy re-sends a call after a connection was closed or
    /// timed out before giving up. Default 0.
    MAX_RETRIES => max_retries: i64 = 0,
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
    THREADPOOL_SIZE => threadpool_size: i64 = 80,
    /// THREADPOOL_SIZE_MIN: the idle workers Python's thread server keeps. Default 4.
    THREADPOOL_SIZE_MIN => threadpool_size_min: i64 = 4,
    /// MAX_MESSAGE_SIZE: the largest message, in bytes of annotations plus payload, that is
    /// sent or accepted; checked from the header before anything is allocated. Pyro5 has no
    /// "0 = unlimited". Default 1073741824 (1 GiB).
    MAX_MESSAGE_SIZE => max_message_size: i64 = 1024 * 1024 * 1024,
    /// BROADCAST_ADDRS: where name server discovery sends its UDP broadcast. Comma-separated
    /// in `PYRO_BROADCAST_ADDRS`. Default `["<broadcast>", "0.0.0.0"]` (Pyro5's, so `pyroxene
    /// config` prints what Python prints); tests and benches always set `127.0.0.1`.
    BROADCAST_ADDRS => broadcast_addrs: Vec<String> = vec!["<broadcast>".to_owned(), "0.0.0.0".to_owned()], // Pyro5 default
    /// PREFER_IP_VERSION: 4 or 6 to force the address family of name resolution and sockets,
    /// 0 to let the system choose (RFC 3484); 6 disables broadcast. Default 0.
    PREFER_IP_VERSION => prefer_ip_version: i64 = 0,
    /// SERIALIZER: the serializer a proxy uses for its calls (`serpent`, `json`, `marshal`,
    /// `msgpack`); daemons answer in whatever the caller used. See
    /// [`Config::serializer_kind`]. Default `"serpent"`.
    SERIALIZER => serializer: String = "serpent".to_owned(),
    /// SERPENT_BYTES_REPR: serpent writes bytes as `b'...'` literals instead of Python's
    /// base64 dict, for peers that understand them. Default `false`.
    SERPENT_BYTES_REPR => serpent_bytes_repr: bool = false,
    /// ITER_STREAMING: remote iterators and generators are streamed item by item instead of
    /// refused. Default `true`.
    ITER_STREAMING => iter_streaming: bool = true,
    /// ITER_STREAM_LIFETIME: the most seconds a stream may live; 0 is unlimited. Default 0.0.
    ITER_STREAM_LIFETIME => iter_stream_lifetime: f64 = 0.0,
    /// ITER_STREAM_LINGER: how long, in seconds, the streams of a disconnected client are
    /// kept so it can reconnect and go on. Default 30.0.
    ITER_STREAM_LINGER => iter_stream_linger: f64 = 30.0,
    /// LOGFILE: where logging goes once `PYRO_LOGLEVEL` is set; `"{stderr}"` is standard
    /// error. Its default comes from `PYRO_LOGFILE`, else `"pyro5.log"` (in the current
    /// directory). See [`crate::logging`].
    LOGFILE => logfile: String = "pyro5.log".to_owned(),
    /// LOGLEVEL: the Python logging level name (`DEBUG`, `INFO`, `WARNING`, `ERROR`,
    /// `CRITICAL`) from `PYRO_LOGLEVEL`; `None` (or empty) leaves Pyro's logging off.
    /// Default `None`. See [`crate::logging`] (`init_from_config`, with the `logging` feature).
    LOGLEVEL => loglevel: Option<String> = None,
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
