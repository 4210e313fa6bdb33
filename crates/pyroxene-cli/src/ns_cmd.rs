//! `pyroxene ns`: the Pyro name server (`pyro5-ns` / `python -m Pyro5.nameserver`), same flags
//! and the same printed lines.
//!
//! Each client connection holds a file descriptor; `main` raises the soft open-file limit to
//! the hard one before this runs (see `fd_limit`), so 10,000 concurrent clients fit where the
//! hard limit allows it.

use anyhow::{Context, bail};
use clap::Args;
use pyroxene_ns::storage::StorageSpec;
use pyroxene_ns::{NameServerDaemon, NsOptions};
use tokio::signal::unix::SignalKind;

/// The flags of Pyro5's name server launcher (argparse names, defaults and help texts).
#[derive(Args, Debug)]
pub(crate) struct NsArgs {
    /// hostname to bind server on
    #[arg(short = 'n', long)]
    host: Option<String>,
    /// port to bind server on (0=random)
    #[arg(short, long)]
    port: Option<u16>,
    /// Unix domain socket name to bind server on
    #[arg(short, long)]
    unixsocket: Option<String>,
    /// Storage system to use (memory, sql:file; dbm:file is stored as sqlite;
    /// etcd:http://host:port[,more][/prefix] for several name servers on one namespace)
    #[arg(short, long, default_value = "memory")]
    storage: String,
    /// hostname to bind broadcast server on (default is ""); given explicitly, the broadcast
    /// server also runs when the name server is bound to a loopback address
    #[arg(long)]
    bchost: Option<String>,
    /// port to bind broadcast server on (0=random)
    #[arg(long)]
    bcport: Option<u16>,
    /// external hostname in case of NAT
    #[arg(long)]
    nathost: Option<String>,
    /// external port in case of NAT
    #[arg(long)]
    natport: Option<u16>,
    /// don't start a broadcast server
    #[arg(short = 'x', long)]
    nobc: bool,
    /// the Pyro4 HMAC key to use (or env PYRO_HMAC_KEY); Pyro5 clients are then refused
    #[arg(short = 'k', long)]
    key: Option<String>,
}

/// Pyro4's key rule (`pyro4-ns` and its echo server): `-k`, or the environment's
/// `PYRO_HMAC_KEY`, not both; an empty key is no key. Pyro4 warns that `-k` shows the key
/// to anyone listing processes; so do we, on stderr. With a key, a note says Pyro5 clients
/// will be refused (they have no HMAC).
///
/// Pyro4's launchers print "Warning: HMAC key not set. Anyone can connect to this server!"
/// when there is no key; ours don't: they serve Pyro5 clients too, which have no key to set,
/// and their output stays line for line that of Pyro5's launchers.
/// The process configuration as `config_cmd::load` reads it, except that Pyro4's
/// `PYRO_HMAC_KEY` (which Pyro5's config refuses as unknown) is left to [`hmac_key`]: these
/// servers speak Pyro4 too.
pub(crate) fn load_server_config() -> anyhow::Result<pyroxene::Config> {
    let vars = std::env::vars_os().filter(|(k, _)| !k.eq_ignore_ascii_case("PYRO_HMAC_KEY"));
    let config = pyroxene::Config::from_vars(vars.map(|(k, v)| {
        if cfg!(windows) {
            (k.to_ascii_uppercase(), v)
        } else {
            (k, v)
        }
    }))?;
    pyroxene::logging::init_from_config(&config).context("setting up logging")?;
    Ok(config)
}

pub(crate) fn hmac_key(flag: Option<String>) -> anyhow::Result<Option<Vec<u8>>> {
    if flag.is_some() {
        eprintln!(
            "UserWarning: using -k to supply HMAC key on the command line is a security problem \
             and is deprecated since Pyro 4.72. See the documentation for an alternative."
        );
    }
    let key = match (flag, std::env::var_os("PYRO_HMAC_KEY")) {
        (Some(_), Some(_)) => bail!("error: don't use -k and PYRO_HMAC_KEY at the same time"),
        (Some(k), None) => k.into_bytes(),
        (None, Some(k)) => k.into_encoded_bytes(),
        (None, None) => Vec::new(),
    };
    if key.is_empty() {
        return Ok(None);
    }
    eprintln!("Note: HMAC key set: Pyro4 clients must use it; Pyro5 clients are refused.");
    Ok(Some(key))
}

pub(crate) fn run(args: NsArgs) -> anyhow::Result<()> {
    let config = load_server_config()?;
    // NS_AUTOCLEAN (PYRO_NS_AUTOCLEAN) reaches the options through the config.
    let mut options = NsOptions::from_config(&config);
    options.storage = StorageSpec::parse(&args.storage)?;
    options.broadcast = !args.nobc;
    options.hmac_key = hmac_key(args.key)?;
    if let Some(host) = args.host {
        options.host = host;
    }
    if let Some(port) = args.port {
        options.port = port;
    }
    options.unixsocket = args.unixsocket;
    if args.bchost.is_some() {
        options.bchost = args.bchost;
        // Our extension: an explicit --bchost asks for the responder even on loopback.
        options.broadcast_on_loopback = true;
    }
    if let Some(port) = args.bcport {
        options.bcport = port;
    }
    if let Some(host) = args.nathost {
        options.nathost = Some(host);
    }
    if args.natport.is_some() {
        options.natport = args.natport;
    }
    if options.natport.is_some() && options.nathost.is_none() {
        bail!("must provide natport with nathost");
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async {
        // Its errors name what failed ("cannot bind localhost:9090"): no context to add.
        let ns = NameServerDaemon::start(options).await?;
        // Ctrl-C stops serving and ends with Python's farewell line. The handler is installed
        // before the startup lines go out: whoever reads them may interrupt at once.
        let mut interrupt = tokio::signal::unix::signal(SignalKind::interrupt())
            .context("installing the Ctrl-C handler")?;
        let daemon = ns.daemon.clone();
        tokio::spawn(async move {
            if interrupt.recv().await.is_some() {
                daemon.shutdown();
            }
        });
        for line in &ns.startup_lines {
            println!("{line}");
        }
        ns.serve().await?;
        println!("NS shut down.");
        anyhow::Ok(())
    })
}
