//! Callbacks across the tunnel: a local daemon for callback objects, reached from the remote
//! side through a reverse forward made the first time a callback is asked for.

use std::sync::Arc;

use pyroxene::server::RemoteObject;
use pyroxene::{Daemon, Proxy};

use crate::Tunnel;
use crate::error::Result;
use crate::tunnel::ReverseForward;

/// The tunnel's callback daemon.
pub(crate) struct Callbacks {
    daemon: Daemon,
    reverse: ReverseForward,
}

impl Drop for Callbacks {
    fn drop(&mut self) {
        self.daemon.shutdown();
    }
}

impl Tunnel {
    /// A proxy of `object` that the remote side can call: pass it to a remote method (a
    /// progress or result callback, the old `async_method`'s `cb_handler`), and the remote
    /// server's calls on it reach `object` here.
    ///
    /// The object is registered in the tunnel's callback daemon, a local daemon (on
    /// 127.0.0.1) reached through a reverse forward that the first call of this method makes;
    /// the proxy's URI is `PYRO:obj_...@127.0.0.1:<remote port>`, valid on the remote host.
    /// The daemon stops with the tunnel.
    ///
    /// ```no_run
    /// # async fn run(tunnel: pyroxene_tunnel::Tunnel, progress: std::sync::Arc<dyn pyroxene::server::RemoteObject>) -> Result<(), Box<dyn std::error::Error>> {
    /// let worker = tunnel.proxy("lab.worker")?;
    /// let handler = tunnel.callback(progress).await?;
    /// // a oneway method (the old `async_method`): it returns at once and reports through
    /// // `handler`'s `progress` and `done` methods
    /// let args = pyroxene::client::Args::new().arg(100).kwarg(
    ///     "cb_info",
    ///     pyroxene::dict! { "cb_handler" => pyroxene::to_value(&handler)?, "cb" => "done", "cb_updates" => "progress" },
    /// );
    /// let (args, kwargs) = args.into_parts();
    /// worker.call_oneway("integrate", args, kwargs).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// What ssh says when the reverse forward can't be made; the daemon's bind error.
    pub async fn callback(&self, object: Arc<dyn RemoteObject>) -> Result<Proxy> {
        let callbacks = self
            .shared
            .callbacks
            .get_or_try_init(|| async {
                let builder = Daemon::builder_with(self.config());
                let (daemon, reverse) = self.reverse_daemon(builder).await?;
                Ok::<_, crate::Error>(Callbacks { daemon, reverse })
            })
            .await?;
        let proxy = callbacks.daemon.register_proxy(object)?;
        Ok(proxy)
    }

    /// The reverse forward of the callback daemon, once [`Tunnel::callback`] made it.
    pub fn callback_forward(&self) -> Option<ReverseForward> {
        self.shared.callbacks.get().map(|c| c.reverse)
    }
}
