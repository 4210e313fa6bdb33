//! The reverse path: a local daemon the remote side reaches through a reverse forward,
//! registered in the remote name server ([`Tunnel::serve`]), and [`launch`] with the old
//! helper's modes.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use pyroxene::naming::{NameServer, Remove, locate_ns_with};
use pyroxene::server::RemoteObject;
use pyroxene::{Config, Daemon, DaemonBuilder, Uri};

use crate::error::{Error, ErrorKind, Result};
use crate::tunnel::ReverseForward;
use crate::{Tunnel, free_port};

/// How many free local ports [`Tunnel::serve`] tries when the one picked is taken before the
/// daemon binds it.
const BIND_TRIES: usize = 5;

/// Where a server launched by [`launch`] runs, relative to its name server (the old
/// `launch_server(local=..., reverse=...)`).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum LaunchMode<'a> {
    /// The name server is found as usual from here
    /// ([`locate_ns_with`](pyroxene::naming::locate_ns_with) the configuration), and its
    /// clients reach this daemon at its own address (`local=True`).
    Local,
    /// The name server is behind the tunnel, but its clients can reach this daemon at its
    /// own address (the daemon's HOST/NATHOST must be one they reach): only the name server
    /// is forwarded (`local=False, reverse=False`).
    Forward(&'a Tunnel),
    /// Neither the name server nor this daemon is reachable directly: the daemon is served
    /// through a reverse forward and registered under the remote's loopback address
    /// (`local=False, reverse=True`; [`Tunnel::serve`]).
    Reverse(&'a Tunnel),
}

/// An object served and registered in a name server: unregistered, its daemon shut down and
/// its reverse forward cancelled by [`Served::shutdown`], or on drop (inside a tokio runtime
/// the name server is told in a task; outside one only the daemon stops).
pub struct Served {
    name: String,
    uri: Uri,
    daemon: Daemon,
    ns: NameServer,
    /// The tunnel and reverse forward of a daemon served through one.
    reverse: Option<(Tunnel, ReverseForward)>,
    done: bool,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("name", &self.name)
            .field("uri", &self.uri.to_string())
            .finish_non_exhaustive()
    }
}

impl Served {
    /// The name it is registered under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URI registered: valid where the name server's clients are (for a reverse
    /// forward, `PYRO:<name>@127.0.0.1:<remote port>` on the remote host).
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The local daemon (to register more objects: they get URIs valid where this one's
    /// is).
    pub fn daemon(&self) -> &Daemon {
        &self.daemon
    }

    /// The reverse forward the daemon is reached through, if any.
    pub fn reverse_forward(&self) -> Option<ReverseForward> {
        self.reverse.as_ref().map(|(_, r)| *r)
    }

    /// Removes the name from the name server, stops the daemon and cancels the reverse
    /// forward.
    ///
    /// # Errors
    /// The first of: the name server's, ssh's; all three steps are attempted.
    pub async fn shutdown(mut self) -> Result<()> {
        self.done = true;
        self.daemon.shutdown();
        cleanup(&self.ns, &self.name, self.reverse.take()).await
    }
}

async fn cleanup(
    ns: &NameServer,
    name: &str,
    reverse: Option<(Tunnel, ReverseForward)>,
) -> Result<()> {
    let mut removed = ns.remove(Remove::Name(name)).await;
    // Its idle connection may have gone with an ssh master that died since (the tunnel has
    // a new one): once more on a fresh connection; removing a name is idempotent.
    if removed
        .as_ref()
        .is_err_and(|e| e.kind() == pyroxene::ErrorKind::ConnectionClosed)
    {
        ns.proxy().release();
        removed = ns.remove(Remove::Name(name)).await;
    }
    let removed = removed.map(drop).map_err(Error::from);
    let cancelled = match reverse {
        Some((tunnel, r)) => tunnel.cancel_reverse(r.remote_port).await,
        None => Ok(()),
    };
    removed.and(cancelled)
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.daemon.shutdown();
        let (ns, name, reverse) = (self.ns.clone(), self.name.clone(), self.reverse.take());
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                if let Err(e) = cleanup(&ns, &name, reverse).await {
                    tracing::warn!("cannot unregister {name}: {e:#}");
                }
            });
        }
    }
}

impl Tunnel {
    /// Serves `object` to the remote side: a local daemon (on 127.0.0.1, the tunnel's
    /// configuration) reached through a reverse forward (a port the remote's sshd picks on
    /// its loopback), with `object` under the id `name`, registered as `name` in the remote
    /// name server under `PYRO:<name>@127.0.0.1:<remote port>`: the URI valid there. The
    /// proxies its methods receive (callbacks of remote clients) connect through the tunnel.
    ///
    /// # Errors
    /// What ssh says; the daemon's bind error; the name server's (e.g. a name already
    /// registered with `safe`: never here, Python's `register` replaces).
    pub async fn serve(&self, object: Arc<dyn RemoteObject>, name: &str) -> Result<Served> {
        self.serve_with(object, name, Daemon::builder_with(self.config()))
            .await
    }

    /// [`Tunnel::serve`] with a daemon described by `builder` (its host, port and NAT are
    /// the tunnel's to set).
    ///
    /// # Errors
    /// As [`Tunnel::serve`].
    pub async fn serve_with(
        &self,
        object: Arc<dyn RemoteObject>,
        name: &str,
        builder: DaemonBuilder,
    ) -> Result<Served> {
        let (daemon, reverse) = self.reverse_daemon(builder).await?;
        let ns = match self.locate_ns().await {
            Ok(ns) => ns,
            Err(e) => {
                daemon.shutdown();
                let _ = self.cancel_reverse(reverse.remote_port).await;
                return Err(e.into());
            }
        };
        let mut served = register(object, name, daemon, ns).await?;
        served.reverse = Some((self.clone(), reverse));
        Ok(served)
    }

    /// A daemon on a free local port, served, reachable from the remote at the loopback
    /// port of a reverse forward, which its URIs carry (its NAT address).
    pub(crate) async fn reverse_daemon(
        &self,
        builder: DaemonBuilder,
    ) -> Result<(Daemon, ReverseForward)> {
        let mut last = None;
        for _ in 0..BIND_TRIES {
            let port = free_port()?;
            let reverse = self
                .reverse(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
                .await?;
            let bound = builder
                .clone()
                .host("127.0.0.1")
                .port(port)
                .nat("127.0.0.1", reverse.remote_port)
                .connector(self.connector())
                .bind()
                .await;
            match bound {
                Ok(daemon) => {
                    let serving = daemon.clone();
                    tokio::spawn(async move {
                        if let Err(e) = serving.serve().await {
                            tracing::warn!("a tunnel daemon stopped: {e:#}");
                        }
                    });
                    return Ok((daemon, reverse));
                }
                Err(e) => {
                    let _ = self.cancel_reverse(reverse.remote_port).await;
                    // Another program took the port after we looked: try another.
                    let taken = std::error::Error::source(&e)
                        .and_then(|s| s.downcast_ref::<std::io::Error>())
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::AddrInUse);
                    if !taken {
                        return Err(e.into());
                    }
                    last = Some(e);
                }
            }
        }
        Err(last.map_or_else(
            || Error::new(ErrorKind::PortInUse, "no free port for the daemon"),
            Error::from,
        ))
    }
}

/// Registers `object` as `name` in `daemon` and in `ns`.
async fn register(
    object: Arc<dyn RemoteObject>,
    name: &str,
    daemon: Daemon,
    ns: NameServer,
) -> Result<Served> {
    let uri = match daemon.register_with_id(object, name) {
        Ok(uri) => uri,
        Err(e) => {
            daemon.shutdown();
            return Err(e.into());
        }
    };
    if let Err(e) = ns.register(name, &uri).await {
        daemon.shutdown();
        return Err(e.into());
    }
    tracing::debug!("{name} registered as {uri}");
    Ok(Served {
        name: name.to_owned(),
        uri,
        daemon,
        ns,
        reverse: None,
        done: false,
    })
}

/// Serves `object` as `name` where the name server's clients can reach it, in one of the old
/// `Pyro4Server.launch_server` modes ([`LaunchMode`]), with the settings of the `PYRO_*`
/// environment (read here, as [`Daemon::builder`] does); the daemon runs on a tokio task
/// until the returned [`Served`] is shut down or dropped.
///
/// ```no_run
/// # async fn run(object: std::sync::Arc<dyn pyroxene::server::RemoteObject>) -> pyroxene_tunnel::Result<()> {
/// use pyroxene_tunnel::{LaunchMode, Target, Tunnel, launch};
/// let tunnel = Tunnel::builder(Target::alias("lab")).name_server("localhost", 50000).open().await?;
/// let served = launch(object, "lab.antenna", LaunchMode::Reverse(&tunnel)).await?;
/// println!("registered {}", served.uri());   // PYRO:lab.antenna@127.0.0.1:<remote port>
/// // ... serve until told to stop, then:
/// served.shutdown().await
/// # }
/// ```
///
/// # Errors
/// A refused `PYRO_*` variable; as [`launch_with`].
pub async fn launch(
    object: Arc<dyn RemoteObject>,
    name: &str,
    mode: LaunchMode<'_>,
) -> Result<Served> {
    let config = Config::from_env().map_err(pyroxene::Error::from)?;
    launch_with(object, name, mode, &config).await
}

/// [`launch`] with the settings of `config` (the daemon's HOST, NATHOST...; for
/// [`LaunchMode::Local`] where the name server is: NS_HOST, NS_PORT...); reads no
/// environment. For [`LaunchMode::Reverse`] the daemon's address is the tunnel's to set.
///
/// # Errors
/// As [`Tunnel::serve`]; for [`LaunchMode::Local`], [`locate_ns_with`]'s; the daemon's bind
/// error.
pub async fn launch_with(
    object: Arc<dyn RemoteObject>,
    name: &str,
    mode: LaunchMode<'_>,
    config: &Config,
) -> Result<Served> {
    let builder = Daemon::builder_with(config);
    match mode {
        LaunchMode::Reverse(tunnel) => tunnel.serve_with(object, name, builder).await,
        LaunchMode::Local | LaunchMode::Forward(_) => {
            let daemon = builder.bind().await?;
            let serving = daemon.clone();
            tokio::spawn(async move {
                if let Err(e) = serving.serve().await {
                    tracing::warn!("a launched daemon stopped: {e:#}");
                }
            });
            let ns = match mode {
                LaunchMode::Forward(tunnel) => tunnel.locate_ns().await,
                _ => locate_ns_with(config, None, None).await,
            };
            let ns = match ns {
                Ok(ns) => ns,
                Err(e) => {
                    daemon.shutdown();
                    return Err(e.into());
                }
            };
            register(object, name, daemon, ns).await
        }
    }
}
