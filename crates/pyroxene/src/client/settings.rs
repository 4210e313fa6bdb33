//! [`ProxySettings`]: how a proxy talks, held apart from what it is connected to.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use pyroxene_wire::protocol::{AnnotationId, CorrelationId, HmacKey};
use pyroxene_wire::{Serializer, Value};

use super::Connector;
use crate::Config;
use crate::config::{ConfigError, Protocol};
use crate::tls::ClientTls;

/// Everything about a [`Proxy`](crate::Proxy) that is chosen rather than learned: a proxy is
/// its URI, these settings, and its connection state (pooled connections, metadata, the
/// handshake answer, the latest name resolution, the detected protocol).
///
/// Python keeps these as `_pyro*` attributes of the proxy and takes their defaults from
/// `Pyro5.config`; here they are one value: [`ProxySettings::from_env`] is what
/// [`Proxy::new`](crate::Proxy::new) uses, [`ProxySettings::from_config`] takes a given
/// [`Config`], [`ProxySettings::default`] is Python's defaults.
/// [`Proxy::with_settings`](crate::Proxy::with_settings) makes a proxy from them, and every
/// `Proxy::with_*` method makes a new proxy with one setting changed (the proxy it was called
/// on, and its clones, keep theirs).
///
/// ```
/// use std::time::Duration;
/// use pyroxene::client::ProxySettings;
/// use pyroxene::{Config, Proxy, Serializer};
///
/// let mut config = Config::default();
/// config.serializer = Serializer::Json;
/// config.ns_port = 9095; // where PYRONAME: URIs are resolved
/// let mut settings = ProxySettings::from_config(&config);
/// settings.timeout = Some(Duration::from_secs(5));
/// let proxy = Proxy::with_settings("PYRONAME:example.echo".parse()?, settings);
/// assert_eq!(proxy.settings().serializer, Serializer::Json);
/// assert_eq!(proxy.settings().naming.ns_port, 9095);
/// # Ok::<(), pyroxene::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ProxySettings {
    /// The serializer of the requests (Python: `_pyroSerializer`, else SERIALIZER). The
    /// daemon answers in the same one.
    pub serializer: Serializer,
    /// How long a call may take before it fails with [`ErrorKind::Timeout`] and its
    /// connection is dropped (Python: `_pyroTimeout`, COMMTIMEOUT); `None`: no limit.
    ///
    /// [`ErrorKind::Timeout`]: crate::ErrorKind::Timeout
    pub timeout: Option<Duration>,
    /// How many times a call is sent again on a fresh connection after the connection was
    /// closed or the call timed out (Python: `_pyroMaxRetries`, MAX_RETRIES).
    pub max_retries: u32,
    /// The data sent in the connect handshake (Python: `_pyroHandshake`, `"hello"`).
    pub handshake: Value,
    /// The largest message sent or accepted (MAX_MESSAGE_SIZE).
    pub max_message_size: u64,
    /// Compress request payloads over 100 bytes (COMPRESSION).
    pub compression: bool,
    /// The protocol spoken (pyroxene's `PYROXENE_PROTOCOL`; see
    /// [`Proxy::with_protocol`](crate::Proxy::with_protocol)).
    pub protocol: Protocol,
    /// Pyro4's HMAC key (`_pyroHmacKey`), if any; implies Pyro4 under [`Protocol::Auto`].
    pub hmac_key: Option<HmacKey>,
    /// Annotations sent with every message, in this order (Python:
    /// `current_context.annotations`, per thread there, per proxy here). A call's
    /// [`RequestContext`](crate::client::RequestContext) adds to them.
    pub annotations: Vec<(AnnotationId, Vec<u8>)>,
    /// The correlation id sent with every call (Python: `current_context.correlation_id`);
    /// `None` passes on the id of the call being served, if any, else lets the daemon make
    /// one.
    pub correlation_id: Option<CorrelationId>,
    /// Where `PYRONAME:`/`PYROMETA:` URIs are resolved, and how the name server proxy talks:
    /// NS_HOST, NS_PORT, NS_BCPORT, BROADCAST_ADDRS, PREFER_IP_VERSION, NS_LOOKUP_DELAY and
    /// the proxy items (Python's global config, which its name server lookups use).
    pub naming: Arc<Config>,
    /// TLS for every connection (`None`: plain): SSL and the SSL_CLIENT* and SSL_CACERTS
    /// items of the config ([`ClientTls::from_config`]), or a rustls configuration of your
    /// own ([`ClientTls::from_rustls`]). See [`crate::tls`].
    pub tls: Option<ClientTls>,
    /// Where connections go for a URI's TCP location (`None`: where the URI says). See
    /// [`Connector`]: an ssh tunnel routes the remote's addresses through local forwards.
    pub connector: Option<Arc<dyn Connector>>,
}

impl ProxySettings {
    /// The proxy settings of a Pyro configuration: SERIALIZER, COMMTIMEOUT, MAX_RETRIES,
    /// MAX_MESSAGE_SIZE, COMPRESSION, `PYROXENE_PROTOCOL`, SSL (with SSL_CLIENTCERT,
    /// SSL_CLIENTKEY, SSL_CLIENTKEYPASSWD, SSL_CACERTS), and `config` itself as the naming
    /// settings. The rest is Python's defaults (handshake `"hello"`, no HMAC key, no
    /// annotations, no correlation id).
    pub fn from_config(config: &Config) -> ProxySettings {
        ProxySettings::from_shared_config(Arc::new(config.clone()))
    }

    pub(crate) fn from_shared_config(config: Arc<Config>) -> ProxySettings {
        ProxySettings {
            serializer: config.serializer,
            timeout: config.commtimeout,
            max_retries: config.max_retries,
            handshake: Value::from("hello"),
            max_message_size: config.max_message_size,
            compression: config.compression,
            protocol: config.protocol,
            hmac_key: None,
            annotations: Vec::new(),
            correlation_id: None,
            tls: config.ssl.then(|| ClientTls::from_config(&config)),
            naming: config,
            connector: None,
        }
    }

    /// The settings of the name server proxy that resolves this proxy's `PYRONAME:` URIs:
    /// the proxy items of `naming` (Python's global config), with this proxy's protocol,
    /// Pyro4 HMAC key (Pyro4 resolves with the proxy's key) and connector (the name server
    /// is in the same address space as the proxy's daemons).
    pub(crate) fn for_name_server(&self) -> ProxySettings {
        ProxySettings {
            protocol: self.protocol,
            hmac_key: self.hmac_key.clone(),
            connector: self.connector.clone(),
            ..ProxySettings::from_shared_config(self.naming.clone())
        }
    }

    /// [`ProxySettings::from_config`] of [`Config::from_env`]: what a Python proxy gets from
    /// `Pyro5.config`.
    ///
    /// # Errors
    /// A `PYRO_*` variable Pyro5 refuses, or an unknown serializer (see [`Config::from_vars`]).
    pub fn from_env() -> Result<ProxySettings, ConfigError> {
        Config::from_env().map(|config| ProxySettings::from_config(&config))
    }
}

impl Default for ProxySettings {
    /// Python's defaults: serpent, no timeout, no retries, handshake `"hello"`, 1 GiB
    /// messages, no compression, protocol `auto`, no HMAC key, no annotations; names resolved
    /// with [`Config::default`].
    fn default() -> ProxySettings {
        ProxySettings::from_config(&Config::default())
    }
}

impl fmt::Debug for ProxySettings {
    /// The HMAC key is a secret: only whether there is one shows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxySettings")
            .field("serializer", &self.serializer)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("handshake", &self.handshake)
            .field("max_message_size", &self.max_message_size)
            .field("compression", &self.compression)
            .field("protocol", &self.protocol)
            .field("hmac_key", &self.hmac_key.as_ref().map(|_| "<set>"))
            .field("annotations", &self.annotations)
            .field("correlation_id", &self.correlation_id)
            .field("naming", &self.naming)
            .field("tls", &self.tls)
            .field("connector", &self.connector)
            .finish()
    }
}
