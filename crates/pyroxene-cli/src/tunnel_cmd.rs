//! `pyroxene tunnel HOST`: forwards a name server behind ssh (and other ports) to local ports,
//! prints them and keeps them open until Ctrl-C; and the ssh flags `nsc --ssh` shares.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use pyroxene::Config;
use pyroxene_tunnel::{HostsFile, Target, Tunnel, TunnelBuilder};
use tokio::signal::unix::{SignalKind, signal};

/// How to reach the host (the system `ssh`, so `~/.ssh/config` aliases work).
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct SshArgs {
    /// ssh configuration file instead of ~/.ssh/config (ssh -F)
    #[arg(long, value_name = "FILE")]
    ssh_config: Option<PathBuf>,
    /// hosts file of the old pyro4tunneling helper: {"name": ["host", "user", port]} in JSON
    /// (or TOML when the name ends in .toml); HOST is looked up there
    #[arg(long, value_name = "FILE")]
    ssh_hosts: Option<PathBuf>,
}

impl SshArgs {
    /// The tunnel builder for `host` with these flags and `config`.
    pub(crate) fn builder(&self, host: &str, config: &Config) -> anyhow::Result<TunnelBuilder> {
        let target = match &self.ssh_hosts {
            Some(file) => HostsFile::load(file)?.target(host)?,
            None => Target::alias(host),
        };
        let mut builder = Tunnel::builder_with(target, config);
        if let Some(file) = &self.ssh_config {
            builder = builder.ssh_config_file(file);
        }
        Ok(builder)
    }
}

/// `pyroxene tunnel`'s flags.
#[derive(Args, Debug)]
pub(crate) struct TunnelArgs {
    /// the host: an ssh alias, [user@]host, or a name of --ssh-hosts
    host: String,
    /// host of the name server, as the remote host sees it
    #[arg(long, default_value = "localhost")]
    ns_host: String,
    /// port of the name server on the remote host (default: NS_PORT, 9090)
    #[arg(long)]
    ns_port: Option<u16>,
    /// also forward this HOST:PORT (as the remote host sees it); repeatable
    #[arg(short = 'L', long = "forward", value_name = "HOST:PORT")]
    forwards: Vec<String>,
    #[command(flatten)]
    ssh: SshArgs,
}

/// Opens the tunnel, prints the local ports, waits for Ctrl-C (or SIGTERM), closes it.
pub(crate) fn run(args: TunnelArgs) -> anyhow::Result<()> {
    let config = crate::config_cmd::load()?;
    let ns_port = args.ns_port.unwrap_or(config.ns_port);
    let mut extra = Vec::new();
    for spec in &args.forwards {
        let (host, port) = spec
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
            .with_context(|| format!("invalid forward '{spec}' (expected HOST:PORT)"))?;
        extra.push((host.to_owned(), port));
    }
    let builder = args
        .ssh
        .builder(&args.host, &config)?
        .name_server(&args.ns_host, ns_port);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        let tunnel = builder.open().await?;
        let mut out = std::io::stdout().lock();
        let pid = tunnel.master_pid().await.unwrap_or_default();
        writeln!(
            out,
            "Tunnel to {} open (ssh control master pid {pid}).",
            args.host
        )?;
        let ns = tunnel.name_server_location().clone();
        let local = tunnel.forward(&ns.host, ns.port).await?;
        writeln!(out, "Name server {ns} on {} -> {local}", args.host)?;
        match tunnel.locate_ns().await {
            Ok(_) => writeln!(
                out,
                "Use it with PYRO_NS_HOST={} PYRO_NS_PORT={} (or pyroxene nsc --ssh {}).",
                local.ip(),
                local.port(),
                args.host
            )?,
            Err(e) => writeln!(out, "Warning: no name server answers there: {e:#}")?,
        }
        for (host, port) in extra {
            let local = tunnel.forward(&host, port).await?;
            let remote = pyroxene_tunnel::Location::new(host, port);
            writeln!(out, "Forward {remote} on {} -> {local}", args.host)?;
        }
        // SIGTERM (a service manager's stop, `kill PID`) closes it as Ctrl-C does: the
        // master ends and the control socket's directory is removed, which a process ended
        // without unwinding would leave behind. Installed before the line that invites it.
        let mut terminate =
            signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        let mut interrupt =
            signal(SignalKind::interrupt()).context("installing the Ctrl-C handler")?;
        writeln!(out, "Press Ctrl-C to close the tunnel.")?;
        out.flush()?;
        drop(out);
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tunnel.close().await;
        println!("Tunnel closed.");
        anyhow::Ok(())
    })
}
