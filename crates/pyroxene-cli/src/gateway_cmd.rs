//! `pyroxene gateway`: the Pyro HTTP gateway (`pyro5-httpgateway`), same flags, defaults and
//! printed lines; the name server is found as Python's `locate_ns()` finds it (PYRO_NS_HOST,
//! PYRO_NS_PORT, broadcast). The long-only flags are ours.

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use pyroxene_gateway::{DEFAULT_EXPOSE, Expose, Gateway, GatewayConfig};

/// The flags of Pyro5's http gateway launcher, then our own.
#[derive(Args, Debug)]
pub(crate) struct GatewayArgs {
    /// hostname to bind server on
    #[arg(short = 'H', long, default_value = "localhost")]
    host: String,
    /// Allow cross origin domain/url
    #[arg(short, long, default_value = "*")]
    cors: String,
    /// port to bind server on
    #[arg(short, long, default_value_t = 8080)]
    port: u16,
    /// a regex of object names to expose (empty: all)
    #[arg(short, long, default_value = DEFAULT_EXPOSE)]
    expose: String,
    /// the api key to use to connect to the gateway itself
    #[arg(short, long)]
    gatewaykey: Option<String>,
    /// Pyro timeout value to use (COMMTIMEOUT setting, default=PYRO_COMMTIMEOUT or 0: none)
    #[arg(short, long)]
    timeout: Option<f64>,
    /// seconds a name server lookup is used before looking the name up again (a call that
    /// can't reach its object looks it up at once)
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    name_ttl: f64,
    /// the largest request body read (form or JSON arguments)
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    max_body: usize,
    /// the most parameters a call may have
    #[arg(long, default_value_t = 100, value_name = "N")]
    max_params: usize,
    /// worker threads serving requests (default: one per CPU, or TOKIO_WORKER_THREADS)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

pub(crate) fn run(args: GatewayArgs) -> anyhow::Result<()> {
    let pyro = crate::config_cmd::load()?;
    let mut config = GatewayConfig::new(pyro);
    config.expose = Expose::new(&args.expose)?;
    config.gateway_key = args.gatewaykey.filter(|k| !k.is_empty());
    config.cors = args.cors;
    if let Some(seconds) = args.timeout {
        config.timeout = seconds_flag("timeout", seconds)?.filter(|t| !t.is_zero());
    }
    config.name_ttl = seconds_flag("name-ttl", args.name_ttl)?.unwrap_or_default();
    config.limits.max_body = args.max_body;
    config.limits.max_params = args.max_params;
    let gateway = Gateway::new(config)?;
    if gateway.config().expose.is_everything() {
        println!("Warning: exposing all objects (no expose regex set)");
    } else {
        println!(
            "Exposing objects with names matching:  {}",
            gateway.config().expose.pattern()
        );
    }
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = args.threads {
        runtime.worker_threads(usize::from(threads));
    }
    let runtime = runtime
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        match gateway.connect_nameserver().await {
            Ok(uri) => println!("Connected to name server at:  {uri}"),
            Err(_) => println!("Not yet connected to a name server."),
        }
        let bound = gateway.bind(&args.host, args.port).await?;
        // Python prints the socket's (host, port) as they are, IPv6 without brackets.
        let address = bound.local_addr();
        println!(
            "Pyro HTTP gateway running on http://{}:{}/pyro/",
            address.ip(),
            address.port()
        );
        bound.serve().await?;
        anyhow::Ok(())
    })
}

/// A seconds flag: not negative, finite or `inf`; `None` for 0.
fn seconds_flag(name: &str, seconds: f64) -> anyhow::Result<Option<Duration>> {
    if seconds.is_nan() || seconds < 0.0 {
        anyhow::bail!("--{name} must be 0 or more seconds, not {seconds}");
    }
    if seconds == 0.0 {
        return Ok(None);
    }
    Ok(Some(
        Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX),
    ))
}
