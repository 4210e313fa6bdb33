//! Proxies for the daemon's own objects (Python's `Daemon.proxyFor` and autoproxy).
//!
//! A [`Proxy`] is a value: returned from a method (or passed as an argument) it crosses the
//! wire as a `Pyro5.client.Proxy` with its URI and metadata, and the receiver gets a working
//! proxy. So a method hands out a remote reference to a registered object instead of a copy
//! by returning the proxy the daemon makes for it, which is what Pyro's autoproxy does:
//!
//! ```
//! use std::sync::Arc;
//! use pyroxene::{Proxy, RemoteException, expose};
//! use pyroxene::server::WeakDaemon;
//!
//! struct Item { name: String }
//! #[expose]
//! impl Item { fn name(&self) -> String { self.name.clone() } }
//!
//! /// Makes items that stay on the server; clients get proxies to them.
//! struct Factory { daemon: WeakDaemon }
//! #[expose]
//! impl Factory {
//!     fn make(&self, name: String) -> Result<Proxy, RemoteException> {
//!         let daemon = self.daemon.upgrade().ok_or_else(|| RemoteException::new(
//!             "Pyro5.errors.DaemonError", "daemon is gone"))?;
//!         Ok(daemon.register_proxy(Arc::new(Item { name }))?)
//!     }
//! }
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> pyroxene::Result<()> {
//! let daemon = pyroxene::Daemon::builder().host("127.0.0.1").bind().await?;
//! let uri = daemon.register_with_id(Arc::new(Factory { daemon: daemon.downgrade() }), "factory")?;
//! tokio::spawn({ let d = daemon.clone(); async move { d.serve().await } });
//! let item: Proxy = Proxy::from_uri(uri)?.call_as("make", ("apple",)).await?;
//! assert_eq!(item.call_as::<String>("name", ()).await?, "apple");
//! # daemon.shutdown(); Ok(()) }
//! ```

use std::sync::Arc;

use super::daemon::Daemon;
use super::object::RemoteObject;
use crate::Proxy;
use crate::error::{Error, ErrorKind, Result};

impl Daemon {
    /// A proxy for registered object `id`, its metadata already known (Python:
    /// `daemon.proxyFor(obj_or_id)`), with the NAT address when one is configured. Return
    /// it from a method to give the caller a remote reference to the object. Its settings are
    /// those of the daemon's configuration ([`ProxySettings::from_config`]).
    ///
    /// [`ProxySettings::from_config`]: crate::client::ProxySettings::from_config
    ///
    /// # Errors
    /// [`ErrorKind::Daemon`] "object isn't registered in this daemon" (Python's text).
    pub fn proxy_for(&self, id: &str) -> Result<Proxy> {
        let object = self.object(id).ok_or_else(|| {
            Error::new(ErrorKind::Daemon, "object isn't registered in this daemon")
        })?;
        let settings = self.proxy_settings().clone();
        let proxy = Proxy::with_settings(self.uri_for(id)?, settings);
        proxy.preset_metadata(object.metadata());
        Ok(proxy)
    }

    /// Registers `object` under a generated id and returns a proxy for it: how a method
    /// hands out a new remote object (Python: return a registered object, autoproxy does
    /// the rest). Unregister it with [`Daemon::unregister`]`(proxy.uri().object())`.
    ///
    /// # Errors
    /// As [`Daemon::register`].
    pub fn register_proxy(&self, object: Arc<dyn RemoteObject>) -> Result<Proxy> {
        let uri = self.register(object)?;
        self.proxy_for(uri.object())
    }
}
