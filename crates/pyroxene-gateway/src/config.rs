//! [`GatewayConfig`]: what `pyro5-httpgateway`'s flags set, plus the limits that make the
//! gateway safe to put in front of a network.

use std::sync::Arc;
use std::time::Duration;

use pyroxene::Config;
use regex::Regex;

use crate::error::GatewayError;

/// Python's default expose regex (`pyro_app.ns_regex`): names starting with `http.`.
pub const DEFAULT_EXPOSE: &str = r"http\.";

/// Which object names the gateway serves: Python's `re.match(regex, name)`, i.e. the regex
/// anchored at the start of the name only; an empty regex exposes everything.
///
/// The regex is the Rust `regex` crate's, not Python's `re`: no backreferences or
/// look-around, and `$` matches only at the very end (Python's also before a final newline).
/// The usual patterns (`http\.`, `test\.|Pyro\.`, `shop\..*`) mean the same in both.
///
/// ```
/// use pyroxene_gateway::Expose;
/// let expose = Expose::new(r"http\.")?;
/// assert!(expose.allows("http.echoserver"));
/// assert!(!expose.allows("test.http.echoserver")); // anchored at the start, as re.match
/// assert!(Expose::new("")?.allows("Pyro.NameServer"));
/// # Ok::<(), pyroxene_gateway::GatewayError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Expose {
    pattern: String,
    /// `None` for the empty pattern (everything).
    anchored: Option<Regex>,
}

impl Expose {
    /// Compiles `pattern` (empty: everything).
    ///
    /// # Errors
    /// [`GatewayError::InvalidRegex`] when it doesn't compile (Python only finds out at the
    /// first request, and answers it with a bare 500).
    pub fn new(pattern: &str) -> Result<Expose, GatewayError> {
        let anchored = if pattern.is_empty() {
            None
        } else {
            let invalid = |source| GatewayError::InvalidRegex {
                pattern: pattern.to_owned(),
                source,
            };
            // Alone first, so an unbalanced `)` is reported as such and not as the wrapper's.
            Regex::new(pattern).map_err(invalid)?;
            Some(Regex::new(&format!("^(?:{pattern})")).map_err(invalid)?)
        };
        Ok(Expose {
            pattern: pattern.to_owned(),
            anchored,
        })
    }

    /// Everything is exposed (the empty regex).
    pub fn everything() -> Expose {
        Expose {
            pattern: String::new(),
            anchored: None,
        }
    }

    /// Whether `name` may be called through the gateway.
    pub fn allows(&self, name: &str) -> bool {
        self.anchored.as_ref().is_none_or(|r| r.is_match(name))
    }

    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// True for the empty pattern.
    pub fn is_everything(&self) -> bool {
        self.anchored.is_none()
    }
}

/// The bounds that keep one client from hurting the others. Each has a default sized for
/// JSON calls; raise them for bigger payloads.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Limits {
    /// The largest request body read (form or JSON arguments); bigger ones get 413 before
    /// the body is read.
    pub max_body: usize,
    /// The largest request head (request line and headers) hyper buffers; more gets 431.
    pub max_header_bytes: usize,
    /// The most parameters one call may have (query, form and JSON together); more is 400.
    pub max_params: usize,
    /// The largest WebSocket message; bigger closes the socket (1009, message too big).
    pub max_ws_message: usize,
    /// Calls in flight on one WebSocket; more frames wait until one finishes.
    pub max_ws_in_flight: usize,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// How long a client may take to send a request head; then the connection is closed
    /// (a slow client holds nothing for long).
    pub header_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 1 << 20,
            max_header_bytes: 32 << 10,
            max_params: 100,
            max_ws_message: 1 << 20,
            max_ws_in_flight: 64,
            max_connections: 10_000,
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// Everything the gateway is configured with.
///
/// ```
/// use pyroxene_gateway::{Expose, GatewayConfig};
/// let mut config = GatewayConfig::new(pyroxene::Config::default());
/// config.expose = Expose::new(r"shop\.")?;
/// config.gateway_key = Some("secret".into());
/// assert_eq!(config.cors, "*");
/// # Ok::<(), pyroxene_gateway::GatewayError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GatewayConfig {
    /// `-e/--expose`: the names served (Python's default `http\.`).
    pub expose: Expose,
    /// `-g/--gatewaykey`: the key clients must send (`X-Pyro-Gateway-Key` header or `$key`
    /// parameter); `None` or empty: no key.
    pub gateway_key: Option<String>,
    /// `-c/--cors`: the `Access-Control-Allow-Origin` value sent with every response but the
    /// redirect (`*`, as the command line's default).
    pub cors: String,
    /// `-t/--timeout`: how long a call to an object (or the name server) may take (Python's
    /// COMMTIMEOUT; `None`: no limit).
    pub timeout: Option<Duration>,
    /// How long a name looked up in the name server is used before it is looked up again.
    /// A call that fails to reach the object looks the name up at once.
    pub name_ttl: Duration,
    /// Request size and concurrency bounds.
    pub limits: Limits,
    /// The Pyro configuration: where the name server is (NS_HOST, NS_PORT, BROADCAST_ADDRS...)
    /// and how proxies talk (MAX_MESSAGE_SIZE, COMPRESSION...). The serializer is always
    /// json, as in Python's gateway.
    pub pyro: Arc<Config>,
}

impl GatewayConfig {
    /// Python's defaults (expose `http\.`, no key, CORS `*`, the timeout of `pyro`'s
    /// COMMTIMEOUT), a 1 s name cache and the default [`Limits`].
    pub fn new(pyro: Config) -> GatewayConfig {
        GatewayConfig {
            expose: Expose::new(DEFAULT_EXPOSE).unwrap_or_else(|_| Expose::everything()),
            gateway_key: None,
            cors: "*".to_owned(),
            timeout: pyro.commtimeout,
            name_ttl: Duration::from_secs(1),
            limits: Limits::default(),
            pyro: Arc::new(pyro),
        }
    }
}
