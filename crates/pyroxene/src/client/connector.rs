//! [`Connector`]: where a proxy's connections go when a URI's location is not reachable as it
//! reads (a daemon behind ssh: `pyroxene-tunnel` maps the remote's `host:port` to a local
//! forward), and how proxies received in replies keep it.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;

use super::ProxySettings;
use crate::config::ConfigError;

/// The future of [`Connector::route`].
pub type Route<'a> = Pin<Box<dyn Future<Output = io::Result<SocketAddr>> + Send + 'a>>;

/// Maps the TCP location of a URI to the address a proxy connects to.
///
/// Set in [`ProxySettings::connector`]; consulted once per new connection (never per call),
/// so a proxy without one pays nothing. It is async so that a route can be made on demand
/// (an ssh tunnel opens a forward the first time a location is asked for). Unix-socket URIs
/// are never routed.
///
/// URIs that arrive later keep the route: a proxy read from a reply of a proxy with a
/// connector ([`Proxy::call_as`](crate::Proxy::call_as), typed clients, typed streams,
/// [`Proxy::read_reply`](crate::Proxy::read_reply)), and a proxy a method of a daemon built
/// with [`DaemonBuilder::connector`](crate::server::DaemonBuilder::connector) receives as an
/// argument, get the connector and the parent's [`naming`](ProxySettings::naming)
/// configuration (the address space they were written in) instead of the environment.
///
/// ```
/// use std::net::SocketAddr;
/// use pyroxene::client::{Connector, ProxySettings, Route};
///
/// /// Sends every connection to one port: a daemon behind a port forward.
/// #[derive(Debug)]
/// struct OnePort(SocketAddr);
///
/// impl Connector for OnePort {
///     fn route<'a>(&'a self, _host: &'a str, _port: u16) -> Route<'a> {
///         Box::pin(std::future::ready(Ok(self.0)))
///     }
/// }
///
/// let mut settings = ProxySettings::default();
/// settings.connector = Some(std::sync::Arc::new(OnePort("127.0.0.1:4000".parse().unwrap())));
/// let proxy = pyroxene::Proxy::with_settings("PYRO:obj@far.away:9999".parse()?, settings);
/// # Ok::<(), pyroxene::Error>(())
/// ```
pub trait Connector: Send + Sync + fmt::Debug {
    /// The address to connect to for the URI location `host`:`port` (`host` as the URI
    /// has it, an IPv6 address without brackets).
    ///
    /// # Errors
    /// Why the location can't be reached; the proxy reports it as the cause of its
    /// "cannot connect to host:port" ([`ErrorKind::Communication`](crate::ErrorKind)).
    fn route<'a>(&'a self, host: &'a str, port: u16) -> Route<'a>;
}

thread_local! {
    /// The settings a proxy read now inherits: set while a proxy with a connector reads one
    /// of its replies (`from_value` is synchronous, so the value can't leak to other code).
    static RECEIVING: RefCell<Option<ProxySettings>> = const { RefCell::new(None) };
}

/// Runs `read` (a `from_value` of a value `parent` received) so that the proxies it makes
/// inherit `parent`'s connector; just `read()` when there is none.
pub(crate) fn receiving<T>(parent: &ProxySettings, read: impl FnOnce() -> T) -> T {
    if parent.connector.is_none() {
        return read();
    }
    let previous = RECEIVING.with(|r| r.replace(Some(parent.inherited())));
    let _restore = Restore(previous);
    read()
}

struct Restore(Option<ProxySettings>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        RECEIVING.with(|r| *r.borrow_mut() = previous);
    }
}

/// The settings of a proxy made from a received value: inherited from the proxy whose reply
/// it is, else from the daemon serving the current call when that daemon has a connector,
/// else the environment (Python's `Proxy.__setstate__` reads `Pyro5.config`).
pub(crate) fn received_settings() -> Result<ProxySettings, ConfigError> {
    if let Some(settings) = RECEIVING.with(|r| r.borrow().clone()) {
        return Ok(settings);
    }
    let daemon = crate::current_context().and_then(|c| c.daemon());
    if let Some(daemon) = daemon.filter(|d| d.proxy_settings().connector.is_some()) {
        return Ok(daemon.proxy_settings().inherited());
    }
    ProxySettings::from_env()
}

impl ProxySettings {
    /// What a proxy read from a value these settings received starts from: the proxy items
    /// of the same `naming` configuration, and the same connector.
    pub(crate) fn inherited(&self) -> ProxySettings {
        ProxySettings {
            connector: self.connector.clone(),
            ..ProxySettings::from_shared_config(self.naming.clone())
        }
    }
}
