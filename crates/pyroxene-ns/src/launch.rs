//! [`NameServerDaemon`]: a daemon serving the name server, registered in its own table, with
//! the broadcast responder where Pyro would start one — what `pyro5-ns` runs.

use std::sync::Arc;
use std::time::Duration;

use pyroxene::naming::RegisterOptions;
use pyroxene::{Config, Daemon, Uri};

use crate::autoclean::{AutoCleaner, AutocleanTooShort};
use crate::broadcast::BroadcastServer;
use crate::error::NsError;
use crate::object::NameServer;
use crate::registry::{NAMESERVER_CLASS_TAG, NAMESERVER_NAME, Registry};
use crate::storage::StorageSpec;

/// Why a name server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The storage could not be opened (or its spelling is wrong).
    #[error(transparent)]
    Storage(#[from] NsError),
    /// The daemon could not bind or register.
    #[error(transparent)]
    Daemon(#[from] pyroxene::Error),
    /// NS_AUTOCLEAN is below Pyro's minimum (Python: ValueError, same text).
    #[error(transparent)]
    Autoclean(#[from] AutocleanTooShort),
    /// The broadcast responder could not bind.
    #[error("cannot start the broadcast server on {location}")]
    Broadcast {
        /// `host:port` it tried.
        location: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// How to run a name server: the settings of `pyro5-ns`'s flags.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NsOptions {
    /// Host to bind (Pyro: HOST, `localhost` by default — not NS_HOST, which is where clients
    /// look).
    pub host: String,
    /// TCP port (Pyro: NS_PORT, 9090; 0 picks a free one).
    pub port: u16,
    /// Bind a unix domain socket instead of TCP.
    pub unixsocket: Option<String>,
    /// Where registrations are kept.
    pub storage: StorageSpec,
    /// Start the broadcast responder where Pyro would (`-x` turns it off).
    pub broadcast: bool,
    /// Host the responder binds (Pyro: NS_BCHOST; all interfaces when `None`).
    pub bchost: Option<String>,
    /// UDP port of the responder (Pyro: NS_BCPORT, 9091; 0 picks a free one).
    pub bcport: u16,
    /// Start the responder even when the name server is bound to a loopback address (Pyro
    /// never does; `pyroxene ns` sets this when `--bchost` is given, which makes discovery
    /// usable, and testable, on one machine).
    pub broadcast_on_loopback: bool,
    /// External host for NAT (Pyro: NATHOST).
    pub nathost: Option<String>,
    /// External port for NAT (Pyro: NATPORT; 0 = the bound port).
    pub natport: Option<u16>,
    /// Pyro4's HMAC key (`pyro4-ns -k` / `PYRO_HMAC_KEY`): Pyro4 clients must sign with it,
    /// Pyro5 clients are then refused (see `DaemonBuilder::hmac_key`). `None`: no key.
    pub hmac_key: Option<Vec<u8>>,
    /// Pyro's NS_AUTOCLEAN: how often registered objects are probed, and the unreachable
    /// unregistered (see [`crate::autoclean`]); at least 3 s. `None`: off (Pyro's 0).
    pub autoclean: Option<Duration>,
    /// The rest of the configuration (COMMTIMEOUT, MAX_MESSAGE_SIZE, COMPRESSION, NS_PORT for
    /// `PYRONAME:` URIs without a port).
    pub config: Config,
}

impl NsOptions {
    /// Pyro's defaults, taken from `config` (HOST, NS_PORT, NS_BCHOST, NS_BCPORT, NATHOST,
    /// NATPORT).
    pub fn from_config(config: &Config) -> NsOptions {
        NsOptions {
            host: config.host.clone(),
            port: config.ns_port,
            unixsocket: None,
            storage: StorageSpec::Memory,
            broadcast: true,
            bchost: config.ns_bchost.clone(),
            bcport: config.ns_bcport,
            broadcast_on_loopback: false,
            nathost: config.nathost.clone(),
            natport: config.nathost.as_ref().map(|_| config.natport),
            hmac_key: None,
            autoclean: config.ns_autoclean,
            config: config.clone(),
        }
    }
}

/// A running name server: its daemon, its URIs, its broadcast responder (if any) and the lines
/// `pyro5-ns` prints at startup.
#[non_exhaustive]
pub struct NameServerDaemon {
    /// The daemon serving `Pyro.NameServer` (and `Pyro.Daemon`).
    pub daemon: Daemon,
    /// The name server object (its registry is usable from Rust directly).
    pub nameserver: Arc<NameServer>,
    /// The URI clients use (the NAT one when NAT is configured).
    pub uri: Uri,
    /// The URI on the bound address.
    pub internal_uri: Uri,
    /// The broadcast responder, when one runs.
    pub broadcast: Option<BroadcastServer>,
    /// What Python's launcher prints, in its order (without "NS shut down.").
    pub startup_lines: Vec<String>,
    /// The auto-cleaner [`NameServerDaemon::serve`] runs (NS_AUTOCLEAN), if on.
    autocleaner: std::sync::Mutex<Option<AutoCleaner>>,
}

impl NameServerDaemon {
    /// Opens the storage, binds the daemon, registers the name server in it and in its own
    /// table (`Pyro.NameServer` with tag `class:Pyro5.nameserver.NameServer`), and binds the
    /// broadcast responder where Pyro's launcher would: not for a unix socket, IPv6 or a
    /// loopback address (unless [`NsOptions::broadcast_on_loopback`]), nor with `broadcast`
    /// off.
    ///
    /// # Errors
    /// See [`StartError`].
    pub async fn start(options: NsOptions) -> Result<NameServerDaemon, StartError> {
        // Checked first, as Python checks it before it serves anything.
        let autocleaner = options
            .autoclean
            .map(|every| AutoCleaner::new(every, options.config.commtimeout))
            .transpose()?;
        let storage = {
            // The etcd store connects (and may wait for etcd) when it opens.
            let spec = options.storage.clone();
            tokio::task::spawn_blocking(move || spec.open())
                .await
                .map_err(|e| {
                    StartError::Daemon(pyroxene::Error::new(
                        pyroxene::ErrorKind::Daemon,
                        format!("opening the storage failed: {e}"),
                    ))
                })??
        };
        let registry = Registry::new(storage).with_ns_port(options.config.ns_port);
        let mut builder = Daemon::builder_with(&options.config)
            .host(options.host.clone())
            .port(options.port)
            .hmac_key(options.hmac_key.as_deref());
        if let Some(path) = &options.unixsocket {
            builder = builder.unixsocket(path.clone());
        }
        if let Some(host) = &options.nathost {
            builder = builder.nat(host.clone(), options.natport.unwrap_or(0));
        }
        let daemon = builder.bind().await?;
        let nameserver = Arc::new(NameServer::new(registry));
        let uri = daemon.register_with_id(nameserver.clone(), NAMESERVER_NAME)?;
        let internal_uri = daemon.internal_uri_for(NAMESERVER_NAME)?;
        let own = RegisterOptions::new().metadata([NAMESERVER_CLASS_TAG]);
        nameserver
            .registry()
            .register(NAMESERVER_NAME, &uri.to_string(), own)?;

        let mut lines = Vec::new();
        let mut broadcast = None;
        let hostip = match (&options.unixsocket, daemon.local_addr()) {
            (None, Some(addr)) => {
                let mut enable = options.broadcast;
                if addr.is_ipv6() {
                    lines.push("Not starting broadcast server for IPv6.".to_owned());
                    enable = false;
                } else if addr.ip().is_loopback() && !options.broadcast_on_loopback {
                    lines.push("Not starting broadcast server for localhost.".to_owned());
                    enable = false;
                }
                if enable {
                    let bchost = options.bchost.as_deref();
                    let server =
                        BroadcastServer::bind(internal_uri.clone(), bchost, options.bcport)
                            .await
                            .map_err(|source| StartError::Broadcast {
                                location: format!("{}:{}", bchost.unwrap_or(""), options.bcport),
                                source,
                            })?;
                    lines.push(format!("Broadcast server running on {}", server.location()));
                    broadcast = Some(server);
                }
                addr.ip().to_string()
            }
            _ => "Unix domain socket".to_owned(),
        };
        let existing = nameserver.registry().count()?;
        if existing > 1 {
            // Python doesn't count its own registration as "existing".
            lines.push(format!(
                "Persistent store contains {existing} existing registrations."
            ));
        }
        lines.push(format!("NS running on {} ({hostip})", daemon.location()));
        if options.nathost.is_some() {
            lines.push(format!("internal URI = {internal_uri}"));
            lines.push(format!("external URI = {uri}"));
        } else {
            lines.push(format!("URI = {uri}"));
        }
        if autocleaner.is_some() {
            tracing::debug!("autoclean enabled");
        } else {
            tracing::debug!("autoclean not enabled");
        }
        Ok(NameServerDaemon {
            daemon,
            nameserver,
            uri,
            internal_uri,
            broadcast,
            startup_lines: lines,
            autocleaner: std::sync::Mutex::new(autocleaner),
        })
    }

    /// Serves the name server (and the broadcast responder) until [`Daemon::shutdown`] is
    /// called on [`NameServerDaemon::daemon`]; meanwhile sweeps expired leases every second
    /// ([`crate::lease::LEASE_SWEEP_INTERVAL`]) and, with NS_AUTOCLEAN, auto-cleans (the first
    /// `serve` only: the cleaner's state is its own).
    ///
    /// # Errors
    /// When the daemon's accept loop fails.
    pub async fn serve(&self) -> pyroxene::Result<()> {
        let cleaner = self
            .autocleaner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let autoclean = async {
            match cleaner {
                Some(cleaner) => cleaner.run(self.nameserver.clone()).await,
                None => std::future::pending().await,
            }
        };
        let broadcast = async {
            match &self.broadcast {
                Some(bc) => bc.serve().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            result = self.daemon.serve() => result,
            () = broadcast => Ok(()),
            () = autoclean => Ok(()),
            () = crate::lease::sweep(self.nameserver.clone()) => Ok(()),
        }
    }
}
