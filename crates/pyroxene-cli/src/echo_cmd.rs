//! `pyroxene echo`: Pyro's test echo server (`python -m Pyro5.utils.echoserver`; Pyro4 clients
//! get `Pyro4.test.echoserver`'s answers), same flags and the same printed lines.
//!
//! `-n` registers `test.echoserver` in a name server found as Python's `locate_ns()` finds it
//! (the `PYRO_NS_*` settings); `-N` first starts a name server in-process on the echo host and
//! NS_PORT, as Python's does (silently; broadcast where Pyro would start it). Like Python, the
//! registration is left in place when the echo server shuts down.

use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use pyroxene::echo::{ECHO_OBJECT_NAME, EchoServer};
use pyroxene::naming::locate_ns_with;
use pyroxene::{Config, Daemon};
use pyroxene_ns::{NameServerDaemon, NsOptions};

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
    /// the Pyro4 HMAC key to use (or env PYRO_HMAC_KEY); Pyro5 clients are then refused
    #[arg(short = 'k', long)]
    key: Option<String>,
}

pub(crate) fn run(args: EchoArgs) -> anyhow::Result<()> {
    let config = crate::ns_cmd::load_server_config()?;
    let naming = args.naming || args.nameserver;
    let quiet = args.quiet && !args.verbose;
    let key = crate::ns_cmd::hmac_key(args.key.clone())?;
    if !quiet {
        println!("Starting Pyro's built-in test echo server.");
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async {
        // Python starts its name server before the echo daemon binds.
        let nameserver = match args.nameserver {
            true => Some(start_nameserver(&config, &args.host, key.as_deref()).await?),
            false => None,
        };
        // PYRO_* settings (COMMTIMEOUT, MAX_MESSAGE_SIZE, COMPRESSION, NAT...), then the flags.
        let mut builder = Daemon::builder_with(&config)
            .host(args.host.clone())
            .port(args.port)
            .hmac_key(key.as_deref());
        if let Some(path) = &args.unixsocket {
            builder = builder.unixsocket(path.clone());
        }
        let daemon = builder.bind().await?;
        let echo = Arc::new(EchoServer::new(args.verbose));
        let uri = daemon.register_with_id(echo.clone(), ECHO_OBJECT_NAME)?;
        if naming {
            // Python: locate_ns(host, port) of its own name server, else locate_ns().
            let own = nameserver.as_ref().map(|ns| &ns.uri);
            let host = own.and_then(|uri| uri.host());
            let port = own.and_then(|uri| uri.port());
            let ns = locate_ns_with(&config, host, port).await?;
            ns.register(ECHO_OBJECT_NAME, &uri)
                .await
                .context("registering with the name server")?;
            if args.verbose {
                println!("using name server at {}", ns.proxy().uri());
                if let Some(own) = &nameserver {
                    match &own.broadcast {
                        Some(bc) => println!("broadcast server running at {}", bc.location()),
                        None => println!("not using a broadcast server"),
                    }
                }
            }
        } else if args.verbose {
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

/// The name server of `-N`: Python's `start_ns(host)` (NS_PORT, memory storage, broadcast
/// unless bound to loopback or IPv6), served in the background until the process ends.
async fn start_nameserver(
    config: &Config,
    host: &str,
    key: Option<&[u8]>,
) -> anyhow::Result<Arc<NameServerDaemon>> {
    let mut options = NsOptions::from_config(config);
    options.host = host.to_owned();
    options.hmac_key = key.map(<[u8]>::to_vec);
    let ns = NameServerDaemon::start(options).await?;
    let ns = Arc::new(ns);
    let serving = ns.clone();
    tokio::spawn(async move {
        if let Err(e) = serving.serve().await {
            eprintln!("name server stopped: {e}");
        }
    });
    Ok(ns)
}
