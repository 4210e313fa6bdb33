//! `pyroxene config`: the effective configuration, printed like `python -m Pyro5.configure`,
//! and [`load`], the start-up step every Pyro subcommand shares.

use anyhow::Context;
use pyroxene::Config;

/// What a Pyro5 program does when it imports Pyro5: read the `PYRO_*` environment (refusing to
/// start on an unknown or malformed variable) and set up logging if `PYRO_LOGLEVEL` asks for
/// it. Subcommands that talk Pyro call this first.
pub fn load() -> anyhow::Result<Config> {
    let config = Config::from_env()?;
    pyroxene::logging::init_from_config(&config).context("setting up logging")?;
    Ok(config)
}

/// Prints [`Config::dump`]: Python's output from the fourth line on, pyroxene's version,
/// location and implementation in the first three.
pub fn run() -> anyhow::Result<()> {
    let config = load()?;
    println!("{}", config.dump());
    Ok(())
}
