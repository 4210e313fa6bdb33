//! [`Tunnel`]: one ssh control master to a host, the forwards made on it, and the address
//! map that routes proxies through them.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::Duration;

use pyroxene::Config;
use pyroxene::client::{Connector, ProxySettings, Route};
use pyroxene::config::ConfigError;

use crate::error::{Error, ErrorKind, Result};
use crate::master::{Master, SshCommand};
use crate::target::Target;

/// How many free ports a forward tries when the one picked is taken before ssh binds it.
const PORT_TRIES: usize = 5;
/// The first wait between attempts to start a master that died again; doubled after each
/// failed attempt up to [`REOPEN_MAX_DELAY`].
const REOPEN_FIRST_DELAY: Duration = Duration::from_millis(250);
/// The longest wait between attempts to start a master that died again.
const REOPEN_MAX_DELAY: Duration = Duration::from_secs(15);

/// A remote `host:port`, as a URI names it (an IPv6 host without brackets).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct Location {
    /// The host as the remote side resolves it (`localhost`, `::1`, a name).
    pub host: String,
    /// The port.
    pub port: u16,
}

impl Location {
    /// `host`:`port`; brackets around an IPv6 address are dropped.
    pub fn new(host: impl Into<String>, port: u16) -> Location {
        let host = host.into();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .map_or(host.clone(), str::to_owned);
        Location { host, port }
    }

    /// The host as an ssh forward spec writes it (IPv6 in brackets).
    fn spec_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }
}

impl fmt::Display for Location {
    /// `host:port`, `[v6]:port`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.spec_host(), self.port)
    }
}

/// A local forward: connections to `local` reach `remote` as the remote host resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Forward {
    /// Where the remote side's connection goes.
    pub remote: Location,
    /// Where local clients connect (always on 127.0.0.1).
    pub local: SocketAddr,
}

/// A reverse forward: connections to the remote's loopback `remote_port` reach `local`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReverseForward {
    /// The port on the remote's 127.0.0.1.
    pub remote_port: u16,
    /// The local address the connections reach.
    pub local: SocketAddr,
}

/// How to open a [`Tunnel`]: made by [`Tunnel::builder`] or [`Tunnel::builder_with`].
#[derive(Debug, Clone)]
pub struct TunnelBuilder {
    ssh: SshCommand,
    config: Config,
    env_error: Option<ConfigError>,
    ns: Location,
}

impl TunnelBuilder {
    /// Runs ssh with `-F file` (every ssh the tunnel runs): a configuration instead of
    /// `~/.ssh/config`, e.g. one a test generates.
    #[must_use]
    pub fn ssh_config_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.ssh.config_file = Some(file.into());
        self
    }

    /// The ssh program (`ssh` on the `PATH` by default).
    #[must_use]
    pub fn ssh_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.ssh.program = program.into();
        self
    }

    /// An extra ssh option, as `-o` takes it (`"ServerAliveInterval=15"`).
    #[must_use]
    pub fn ssh_option(mut self, option: impl Into<String>) -> Self {
        self.ssh.options.push(option.into());
        self
    }

    /// How long connecting may take (ssh's `ConnectTimeout`; 30 s by default); the
    /// authentication gets as long again.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.ssh.connect_timeout = timeout;
        self
    }

    /// Where the name server is, as the remote host sees it (`localhost` and the config's
    /// NS_PORT by default, the old helper's `ns_host`/`ns_port`). `PYRONAME:` URIs resolved
    /// through the tunnel go there.
    #[must_use]
    pub fn name_server(mut self, host: impl Into<String>, port: u16) -> Self {
        self.ns = Location::new(host, port);
        self
    }

    /// The Pyro configuration of the tunnel's proxies and daemons (see
    /// [`Tunnel::builder_with`]).
    #[must_use]
    pub fn config(mut self, config: &Config) -> Self {
        self.ns.port = config.ns_port;
        self.config = config.clone();
        self.env_error = None;
        self
    }

    /// Starts the control master and waits until it is connected.
    ///
    /// # Errors
    /// The environment [`Tunnel::builder`] read is refused ([`ErrorKind::Config`]); ssh
    /// can't be run ([`ErrorKind::Ssh`]); what ssh says: [`ErrorKind::AuthFailed`],
    /// [`ErrorKind::HostKeyUnknown`], [`ErrorKind::ConnectionRefused`]... with ssh's message
    /// as the source.
    pub async fn open(self) -> Result<Tunnel> {
        if let Some(e) = self.env_error {
            return Err(Error::new(ErrorKind::Config, "invalid configuration").with_source(e));
        }
        let dir = tempfile::Builder::new()
            .prefix("pyroxene-tunnel-")
            .tempdir()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Ssh,
                    "cannot make a directory for the control socket",
                )
                .with_source(e)
            })?;
        let mut config = self.config;
        // The name server the tunnel's PYRONAME URIs resolve through, as the remote sees it.
        config.ns_host.clone_from(&self.ns.host);
        config.ns_port = self.ns.port;
        let shared = Arc::new_cyclic(|me| Shared {
            me: me.clone(),
            ssh: self.ssh,
            config: Arc::new(config),
            ns: self.ns,
            state: tokio::sync::Mutex::new(State::default()),
            callbacks: tokio::sync::OnceCell::new(),
            dir,
        });
        {
            let mut state = shared.state.lock().await;
            shared.ensure_master(&mut state).await?;
        }
        Ok(Tunnel { shared })
    }
}

/// One ssh connection to a host (a control master of the system OpenSSH), the forwards on
/// it, and the address map that routes Pyro proxies through them.
///
/// Cheap to clone (the clones share the connection). The master, its forwards and the
/// private directory of its control socket end when the last clone is dropped (or with
/// [`Tunnel::close`]); where util-linux's `setpriv` exists, the kernel also kills the master
/// if this process dies without dropping it. Proxies made by the tunnel
/// ([`Tunnel::proxy`], [`Tunnel::locate_ns`], [`Tunnel::settings`]) don't keep it open:
/// once it is gone their connections fail ([`ErrorKind::Closed`]).
///
/// A master that died (the server restarted, the network broke) is started again, with
/// every forward it had: local forwards on the same local ports, reverse forwards on the
/// same remote ports when they are free (so names registered through [`Tunnel::serve`]
/// stay valid). A task of the tunnel's runtime does it as soon as the master exits, then
/// after waits growing from 250 ms to 15 s while the host can't be reached; a proxy
/// opening a connection, or [`Tunnel::check`], tries at once. [`Tunnel::close`] stops
/// that until the tunnel is used again.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use pyroxene_tunnel::{Target, Tunnel};
/// let tunnel = Tunnel::builder(Target::alias("lab")).name_server("localhost", 50000).open().await?;
/// let ns = tunnel.locate_ns().await?;                 // through a local forward
/// let worker = tunnel.proxy("lab.worker")?;           // PYRONAME:, resolved through it
/// let answer: i64 = worker.call_as("square", (7,)).await?; // its daemon forwarded on demand
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Tunnel {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    /// Itself, for the task that watches the master (it must not keep the tunnel open).
    me: Weak<Shared>,
    pub(crate) ssh: SshCommand,
    /// The Pyro configuration of the tunnel's proxies and daemons, NS_HOST/NS_PORT the
    /// remote name server's.
    pub(crate) config: Arc<Config>,
    ns: Location,
    state: tokio::sync::Mutex<State>,
    /// The daemon that serves callback objects (started on first use; see `callback.rs`).
    pub(crate) callbacks: tokio::sync::OnceCell<crate::callback::Callbacks>,
    /// The control sockets live here; removed on drop.
    dir: tempfile::TempDir,
}

#[derive(Default)]
struct State {
    master: Option<Master>,
    /// Masters started so far (each gets a socket of its own).
    generation: u32,
    forwards: BTreeMap<Location, u16>,
    /// The forward spec each reverse forward was made with (a cancel must repeat it).
    reverse: BTreeMap<u16, (SocketAddr, String)>,
    /// [`Tunnel::close`] ended the master: it is not started again until something uses the
    /// tunnel.
    closed: bool,
}

impl Tunnel {
    /// A tunnel to `target` with the Pyro settings of the `PYRO_*` environment (read here, as
    /// [`pyroxene::Daemon::builder`] does; a refused variable fails [`TunnelBuilder::open`]).
    pub fn builder(target: Target) -> TunnelBuilder {
        match Config::from_env() {
            Ok(config) => Tunnel::builder_with(target, &config),
            Err(e) => TunnelBuilder {
                env_error: Some(e),
                ..Tunnel::builder_with(target, &Config::default())
            },
        }
    }

    /// A tunnel to `target` with the Pyro settings of `config`; the environment is not read.
    pub fn builder_with(target: Target, config: &Config) -> TunnelBuilder {
        TunnelBuilder {
            ssh: SshCommand {
                program: "ssh".into(),
                config_file: None,
                options: Vec::new(),
                target,
                connect_timeout: Duration::from_secs(30),
            },
            config: config.clone(),
            env_error: None,
            ns: Location::new("localhost", config.ns_port),
        }
    }

    /// [`Tunnel::builder`]`(target).open()`.
    ///
    /// # Errors
    /// As [`TunnelBuilder::open`].
    pub async fn open(target: Target) -> Result<Tunnel> {
        Tunnel::builder(target).open().await
    }

    /// Where the tunnel goes.
    pub fn target(&self) -> &Target {
        &self.shared.ssh.target
    }

    /// The remote name server's location, as the remote sees it.
    pub fn name_server_location(&self) -> &Location {
        &self.shared.ns
    }

    /// The Pyro configuration of the tunnel's proxies (NS_HOST and NS_PORT the remote name
    /// server's).
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The process id of the ssh control master now running, if one is.
    pub async fn master_pid(&self) -> Option<u32> {
        let state = self.shared.state.lock().await;
        state
            .master
            .as_ref()
            .filter(|m| !m.exited())
            .map(Master::pid)
    }

    /// The local address that reaches `host`:`port` as the remote host resolves it,
    /// forwarded now if it isn't yet (on a free local port).
    ///
    /// # Errors
    /// What ssh says (the master is started again first if it died).
    pub async fn forward(&self, host: &str, port: u16) -> Result<SocketAddr> {
        self.shared
            .local_addr(&Location::new(host, port), None)
            .await
    }

    /// [`Tunnel::forward`] on a given local port.
    ///
    /// # Errors
    /// [`ErrorKind::PortInUse`] when the port is taken; what ssh says.
    pub async fn forward_on(&self, local_port: u16, host: &str, port: u16) -> Result<SocketAddr> {
        self.shared
            .local_addr(&Location::new(host, port), Some(local_port))
            .await
    }

    /// Cancels the local forward of `host`:`port` (ssh `-O cancel`).
    ///
    /// # Errors
    /// What ssh says.
    pub async fn cancel(&self, host: &str, port: u16) -> Result<()> {
        let location = Location::new(host, port);
        let mut state = self.shared.state.lock().await;
        let Some(local) = state.forwards.remove(&location) else {
            return Ok(());
        };
        match &state.master {
            Some(master) if !master.exited() => {
                let spec = local_spec(local, &location);
                master
                    .control(&self.shared.ssh, "cancel", &["-L".into(), spec])
                    .await
                    .map(drop)
            }
            _ => Ok(()),
        }
    }

    /// The local forwards open now.
    pub async fn forwards(&self) -> Vec<Forward> {
        let state = self.shared.state.lock().await;
        state
            .forwards
            .iter()
            .map(|(remote, &port)| Forward {
                remote: remote.clone(),
                local: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            })
            .collect()
    }

    /// Makes `local` reachable from the remote host at `127.0.0.1:<port>`, a port the
    /// remote's sshd allocates (`ssh -O forward -R 127.0.0.1:0:...`), and returns that port.
    ///
    /// # Errors
    /// What ssh says ([`ErrorKind::ForwardFailed`] when the server refuses).
    pub async fn reverse(&self, local: SocketAddr) -> Result<ReverseForward> {
        let mut state = self.shared.state.lock().await;
        self.shared.ensure_master(&mut state).await?;
        let remote_port = self.shared.open_reverse(&mut state, local, 0).await?;
        Ok(ReverseForward { remote_port, local })
    }

    /// Cancels the reverse forward of the remote `remote_port`.
    ///
    /// # Errors
    /// What ssh says.
    pub async fn cancel_reverse(&self, remote_port: u16) -> Result<()> {
        let mut state = self.shared.state.lock().await;
        let Some((_, spec)) = state.reverse.remove(&remote_port) else {
            return Ok(());
        };
        match &state.master {
            Some(master) if !master.exited() => master
                .control(&self.shared.ssh, "cancel", &["-R".into(), spec])
                .await
                .map(drop),
            _ => Ok(()),
        }
    }

    /// Checks the master answers (`ssh -O check`); a dead one is started again with its
    /// forwards.
    ///
    /// # Errors
    /// What ssh says when it can't be started again.
    pub async fn check(&self) -> Result<()> {
        let mut state = self.shared.state.lock().await;
        if let Some(master) = &state.master
            && !master.exited()
            && master
                .control(&self.shared.ssh, "check", &[])
                .await
                .is_err()
        {
            master.stop(&self.shared.ssh);
            state.master = None;
        }
        self.shared.ensure_master(&mut state).await
    }

    /// Ends the master and its forwards now (dropping the last clone does the same).
    pub async fn close(&self) {
        let mut state = self.shared.state.lock().await;
        state.closed = true;
        if let Some(master) = state.master.take() {
            master.stop(&self.shared.ssh);
        }
    }

    /// Proxy settings from the tunnel's configuration whose connections go through the
    /// tunnel ([`ProxySettings::connector`]): for proxies made by hand.
    pub fn settings(&self) -> ProxySettings {
        let mut settings = ProxySettings::from_config(&self.shared.config);
        settings.connector = Some(self.connector());
        settings
    }

    /// The tunnel's address map as a [`Connector`] (it doesn't keep the tunnel open).
    pub fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(TunnelConnector {
            shared: Arc::downgrade(&self.shared),
            target: self.shared.ssh.target.to_string(),
        })
    }
}

impl fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tunnel")
            .field("target", &self.shared.ssh.target.to_string())
            .field("name_server", &self.shared.ns.to_string())
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Starts the master when there is none or it died, and makes the forwards it had.
    async fn ensure_master(&self, state: &mut State) -> Result<()> {
        if state.master.as_ref().is_some_and(|m| !m.exited()) {
            return Ok(());
        }
        state.master = None;
        state.closed = false;
        state.generation += 1;
        let socket = self.dir.path().join(format!("ctl-{}", state.generation));
        let master = Master::start(&self.ssh, socket).await?;
        tokio::spawn(reopen_when_dead(self.me.clone(), master.exit_watch()));
        state.master = Some(master);
        // The forwards of an earlier master (also after failed attempts to start one).
        if !(state.forwards.is_empty() && state.reverse.is_empty()) {
            tracing::debug!("ssh master to {} started again", self.ssh.target);
            let forwards = std::mem::take(&mut state.forwards);
            for (location, port) in forwards {
                let again = match self.open_forward(state, &location, Some(port)).await {
                    Err(e) if e.kind() == ErrorKind::PortInUse => {
                        self.open_forward(state, &location, None).await
                    }
                    other => other,
                };
                match again {
                    Ok(port) => {
                        state.forwards.insert(location, port);
                    }
                    // Left out of the map: the next route to it opens a new one.
                    Err(e) => tracing::warn!("cannot forward {location} again: {e:#}"),
                }
            }
            let reverse = std::mem::take(&mut state.reverse);
            for (remote_port, (local, _)) in reverse {
                if let Err(e) = self.open_reverse(state, local, remote_port).await {
                    tracing::warn!(
                        "cannot forward remote port {remote_port} to {local} again: {e:#}"
                    );
                }
            }
        }
        Ok(())
    }

    /// The local address of `location`, forwarded now if needed.
    async fn local_addr(&self, location: &Location, fixed: Option<u16>) -> Result<SocketAddr> {
        let mut state = self.state.lock().await;
        self.ensure_master(&mut state).await?;
        let port = match state.forwards.get(location) {
            Some(&port) if fixed.is_none_or(|f| f == port) => port,
            _ => {
                let port = self.open_forward(&state, location, fixed).await?;
                state.forwards.insert(location.clone(), port);
                port
            }
        };
        Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
    }

    /// `ssh -O forward -L 127.0.0.1:<port>:<location>` on a free port (or `fixed`).
    async fn open_forward(
        &self,
        state: &State,
        location: &Location,
        fixed: Option<u16>,
    ) -> Result<u16> {
        let master = state
            .master
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::Closed, "no ssh master"))?;
        let tries = if fixed.is_some() { 1 } else { PORT_TRIES };
        let mut last = None;
        for _ in 0..tries {
            let port = match fixed {
                Some(port) => port,
                None => free_port()?,
            };
            let spec = local_spec(port, location);
            match master
                .control(&self.ssh, "forward", &["-L".into(), spec])
                .await
            {
                Ok(_) => {
                    tracing::debug!(
                        "forwarding 127.0.0.1:{port} to {location} on {}",
                        self.ssh.target
                    );
                    return Ok(port);
                }
                // The mux client only says "Port forwarding failed"; a taken port is what
                // usually lies behind it (another program bound it after we looked).
                Err(e) if port_taken(port) => {
                    last = Some(
                        Error::new(
                            ErrorKind::PortInUse,
                            format!("cannot forward 127.0.0.1:{port} to {location}: port in use"),
                        )
                        .with_source(e),
                    );
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::new(ErrorKind::PortInUse, "no free port")))
    }

    /// `ssh -O forward -R 127.0.0.1:<remote_port>:<local>` (0: allocated by the server).
    async fn open_reverse(
        &self,
        state: &mut State,
        local: SocketAddr,
        remote_port: u16,
    ) -> Result<u16> {
        let master = state
            .master
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::Closed, "no ssh master"))?;
        let spec = format!("127.0.0.1:{remote_port}:{}", local_target(local));
        let out = master
            .control(&self.ssh, "forward", &["-R".into(), spec.clone()])
            .await?;
        let port = if remote_port == 0 {
            out.trim().parse::<u16>().map_err(|_| {
                Error::new(
                    ErrorKind::ForwardFailed,
                    format!(
                        "ssh did not print the allocated port (printed {:?})",
                        out.trim()
                    ),
                )
            })?
        } else {
            remote_port
        };
        tracing::debug!(
            "forwarding remote 127.0.0.1:{port} to {local} on {}",
            self.ssh.target
        );
        state.reverse.insert(port, (local, spec));
        Ok(port)
    }
}

/// Waits for a master to die, then starts a new one (with its forwards) until one runs, the
/// tunnel is closed or dropped, or another caller started one. Not only on the next route:
/// the remote side's clients of the reverse forwards ([`Tunnel::serve`],
/// [`Tunnel::callback`]) and the local programs using the ports `pyroxene tunnel` printed
/// make no route here, and would wait forever.
///
/// Boxed with its `Send` spelled out: it calls `ensure_master`, which spawns it.
fn reopen_when_dead(
    shared: Weak<Shared>,
    master: crate::master::ExitWatch,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        master.ended().await;
        let mut delay = Duration::ZERO;
        loop {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).clamp(REOPEN_FIRST_DELAY, REOPEN_MAX_DELAY);
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let mut state = shared.state.lock().await;
            if state.closed || state.master.as_ref().is_some_and(|m| !m.exited()) {
                return;
            }
            match shared.ensure_master(&mut state).await {
                Ok(()) => {
                    tracing::info!("the ssh connection to {} is open again", shared.ssh.target);
                    return;
                }
                Err(e) => tracing::debug!(
                    "cannot open the ssh connection to {} again (next try in {delay:?}): {e:#}",
                    shared.ssh.target
                ),
            }
        }
    })
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(master) = self.state.get_mut().master.take() {
            master.stop(&self.ssh);
        }
    }
}

/// `127.0.0.1:<port>:<host>:<port>` for `-L`.
fn local_spec(port: u16, location: &Location) -> String {
    format!("127.0.0.1:{port}:{location}")
}

/// `<host>:<port>` of a local address for the far end of `-R`.
fn local_target(local: SocketAddr) -> String {
    match local {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

/// A port free on 127.0.0.1 now (bound and released: ssh binds it next, and a program
/// that takes it in between makes the forward fail with "port in use", which is retried).
pub(crate) fn free_port() -> Result<u16> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::new(ErrorKind::Ssh, "cannot find a free local port").with_source(e))
}

fn port_taken(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .is_err_and(|e| e.kind() == std::io::ErrorKind::AddrInUse)
}

/// The tunnel as a proxy's [`Connector`]: a URI's `host:port` is the remote's, reached
/// through a local forward opened on demand.
struct TunnelConnector {
    shared: Weak<Shared>,
    target: String,
}

impl fmt::Debug for TunnelConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tunnel({})", self.target)
    }
}

impl Connector for TunnelConnector {
    fn route<'a>(&'a self, host: &'a str, port: u16) -> Route<'a> {
        Box::pin(async move {
            let Some(shared) = self.shared.upgrade() else {
                return Err(Error::new(
                    ErrorKind::Closed,
                    format!("the tunnel to {} is closed", self.target),
                )
                .into_io());
            };
            shared
                .local_addr(&Location::new(host, port), None)
                .await
                .map_err(Error::into_io)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_specs_bracket_ipv6() {
        assert_eq!(
            local_spec(4000, &Location::new("localhost", 9090)),
            "127.0.0.1:4000:localhost:9090"
        );
        assert_eq!(
            local_spec(4000, &Location::new("[::1]", 9090)),
            "127.0.0.1:4000:[::1]:9090"
        );
        assert_eq!(Location::new("::1", 1).to_string(), "[::1]:1");
        assert_eq!(local_target("127.0.0.1:5".parse().unwrap()), "127.0.0.1:5");
        assert_eq!(local_target("[::1]:5".parse().unwrap()), "[::1]:5");
    }
}
