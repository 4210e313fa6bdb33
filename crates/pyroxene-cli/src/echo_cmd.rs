//! `pyroxene echo`: Pyro's test echo server (`python -m Pyro5.utils.echoserver`), same flags and
//! the same printed lines.

use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use pyroxene::Daemon;
use pyroxene::echo::{ECHO_OBJECT_NAME, EchoServer};

/// The flags of Pyro5's echo server launcher.
#[derive(Args, Debug)]
pub(crate) struct EchoArgs {
    /// hostname to bind server on
    #[arg(short = 'H', long, default_value = "localhost")]
    host: String,
    /// port to bind server on
    #[arg(short, long, default_value_t = 0)]
    port: u16,
    /// Unix domain socket name to bind server on
    #[arg(short, long)]
    unixsocket: Option<String>,
    /// register with nameserver
    #[arg(short, long)]
    naming: bool,
    /// also start a nameserver
    #[arg(short = 'N', long)]
    nameserver: bool,
    /// verbose output
    #[arg(short, long)]
    verbose: bool,
    /// don't output anything
    #[arg(short, long)]
    quiet: bool,
}

pub(crate) fn run(args: EchoArgs) -> anyhow::Result<()> {
    let config = crate::config_cmd::load()?;
    if args.naming || args.nameserver {
        bail!("--naming/--nameserver need the name server, which pyroxene doesn't have yet");
    }
    let quiet = args.quiet && !args.verbose;
    if !quiet {
        println!("Starting Pyro's built-in test echo server.");
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async {
        // PYRO_* settings (COMMTIMEOUT, MAX_MESSAGE_SIZE, COMPRESSION, NAT...), then the flags.
        let mut builder = Daemon::builder()
            .config(&config)
            .host(args.host.clone())
            .port(args.port);
        if let Some(path) = &args.unixsocket {
            builder = builder.unixsocket(path.clone());
        }
        let daemon = builder.bind().await.context("binding the daemon")?;
        let echo = Arc::new(EchoServer::new(args.verbose));
        let uri = daemon.register_with_id(echo.clone(), ECHO_OBJECT_NAME)?;
        if args.verbose {
            println!("not using a name server.");
        }
        if !quiet {
            println!("object name: {ECHO_OBJECT_NAME}");
            println!("echo uri: {uri}");
            println!("echoserver running.");
        }
        // shutdown() asks the daemon to stop; serve() then lets that call's reply go out first.
        let stopper = daemon.clone();
        tokio::spawn(async move {
            echo.shutdown_requested().await;
            stopper.shutdown();
        });
        daemon.serve().await?;
        anyhow::Ok(())
    })
}
