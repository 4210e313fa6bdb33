//! `pyroxene`: the command line of pyroxene.
//!
//! Subcommands: `convert` (re-encode or pretty-print a Pyro payload), `config` (the effective
//! configuration, like `python -m Pyro5.configure`), `echo` (Pyro's test echo server), `ns` (the
//! name server, like `pyro5-ns`), `nsc` (its control tool, like `pyro5-nsc`; `--ssh HOST` for
//! a name server behind ssh), `tunnel` (forwards a name server behind ssh), `bench`.
//!
//! `ns`, `echo` and `bench` raise their soft open-file limit to the hard limit at startup
//! (one descriptor per connection; see `fd_limit`).

// mimalloc keeps freed memory for reuse: big payloads (10 MB echoes) otherwise pay a page fault
// per 4 KiB on every fresh allocation from glibc's mmap path (measured: half the time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench_cmd;
mod config_cmd;
mod echo_cmd;
mod fd_limit;
mod ns_cmd;
mod nsc_cmd;
mod report;
mod tunnel_cmd;

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use pyroxene::{ProtocolVersion, Serializer};

/// What `pyroxene --version` prints after the name: the package version and the Pyro protocols
/// every server here speaks, so a Pyro user sees at once which clients it serves
/// (`pyroxene 0.1.0 (Pyro5 protocol 502, Pyro4 protocol 48)`).
static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{} (Pyro5 protocol {}, Pyro4 protocol {})",
        env!("CARGO_PKG_VERSION"),
        ProtocolVersion::V5.number(),
        ProtocolVersion::V4.number()
    )
});

/// Pyro (Python Remote Objects) tools in Rust, wire-compatible with Python Pyro4 and Pyro5.
#[derive(Parser)]
#[command(name = "pyroxene", version = VERSION.as_str(), about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode a serialized Pyro payload and print it as a Python repr, or re-encode it.
    ///
    /// Example: echo "{'a': (1, 2.5, None)}" | pyroxene convert --to json
    Convert {
        /// Serializer of the input.
        #[arg(long, value_enum, default_value = "serpent")]
        from: Format,
        /// Serializer of the output; without it the value is printed as Python's repr().
        #[arg(long, value_enum)]
        to: Option<Format>,
        /// Input file (default: standard input).
        input: Option<PathBuf>,
    },
    /// Print the effective configuration (PYRO_* environment variables applied), like
    /// `python -m Pyro5.configure`.
    Config,
    /// Run Pyro's test echo server (object `test.echoserver`), like `pyro5-echoserver`.
    ///
    /// Raises the soft open-file limit (RLIMIT_NOFILE) to the hard limit at startup.
    Echo(echo_cmd::EchoArgs),
    /// Run the Pyro name server (object `Pyro.NameServer`), like `pyro5-ns`.
    ///
    /// Every client connection holds a file descriptor: at startup the soft open-file limit
    /// (RLIMIT_NOFILE) is raised to the hard limit, with a warning when that is below the
    /// 10,240 needed for 10,000 connections (raise it with `ulimit -Hn` or systemd's
    /// LimitNOFILE=). Connections beyond the limit wait in the listen queue until others close.
    Ns(ns_cmd::NsArgs),
    /// Call one method of any Pyro object many times and print calls/s and latencies.
    ///
    /// Raises the soft open-file limit (RLIMIT_NOFILE) to the hard limit at startup.
    Bench(bench_cmd::BenchArgs),
    /// Name server control, like `pyro5-nsc`: ping, list, listmatching, lookup, register,
    /// remove, removematching, setmeta, yplookup_all, yplookup_any.
    ///
    /// With --ssh HOST the name server is the one on HOST (at -n/-p as HOST sees them,
    /// localhost and NS_PORT by default), reached through an ssh tunnel.
    Nsc(nsc_cmd::NscArgs),
    /// Forward a name server behind ssh (and other ports) to local ports, print them and keep
    /// them open until Ctrl-C.
    ///
    /// Runs the system ssh (one control master; ~/.ssh/config aliases, ProxyJump and agents
    /// work) with BatchMode: keys or an agent, no password prompts.
    Tunnel(tunnel_cmd::TunnelArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Serpent,
    Json,
    Marshal,
    Msgpack,
}

impl From<Format> for Serializer {
    fn from(f: Format) -> Serializer {
        match f {
            Format::Serpent => Serializer::Serpent,
            Format::Json => Serializer::Json,
            Format::Marshal => Serializer::Marshal,
            Format::Msgpack => Serializer::Msgpack,
        }
    }
}

/// Runs the tool; a failure is reported on one line (see `report`), exit status 1.
fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", report::anyhow_line(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let descriptors = match &cli.command {
        Command::Ns(_) => Some((fd_limit::SERVER_WANTED, "the name server")),
        Command::Echo(_) => Some((fd_limit::SERVER_WANTED, "the echo server")),
        Command::Bench(args) => Some((args.descriptors_wanted(), "this benchmark")),
        _ => None,
    };
    if let Some((wanted, what)) = descriptors {
        // Logging first (the subcommand's own load() then finds it installed), so the limit
        // change shows in a DEBUG log. The servers also speak Pyro4 and take its PYRO_HMAC_KEY.
        match &cli.command {
            Command::Ns(_) | Command::Echo(_) => ns_cmd::load_server_config().map(drop)?,
            _ => config_cmd::load().map(drop)?,
        }
        fd_limit::raise(wanted, what);
    }
    match cli.command {
        Command::Convert { from, to, input } => convert(from.into(), to.map(Into::into), input),
        Command::Config => config_cmd::run(),
        Command::Echo(args) => echo_cmd::run(args),
        Command::Bench(args) => bench_cmd::run(args),
        Command::Ns(args) => ns_cmd::run(args),
        Command::Tunnel(args) => tunnel_cmd::run(args),
        // nsc has its own exit codes (Python's: 1 for a failed command).
        Command::Nsc(args) => return nsc_cmd::run(args).map(std::process::ExitCode::from),
    }
    .map(|()| std::process::ExitCode::SUCCESS)
}

fn convert(from: Serializer, to: Option<Serializer>, input: Option<PathBuf>) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    match &input {
        Some(path) => {
            bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => {
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("reading standard input")?;
        }
    }
    if from == Serializer::Serpent {
        // Text typed at a shell ends with a newline, which is not part of the literal.
        while bytes.last().is_some_and(u8::is_ascii_whitespace) {
            bytes.pop();
        }
    }
    let value = from
        .decode(&bytes)
        .with_context(|| format!("cannot decode {} input", from.name()))?;
    let mut out = std::io::stdout().lock();
    match to {
        None => writeln!(out, "{value}")?,
        Some(ser) => {
            let encoded = ser
                .encode(&value)
                .with_context(|| format!("encoding as {}", ser.name()))?;
            out.write_all(&encoded)?;
            if matches!(ser, Serializer::Serpent | Serializer::Json) {
                writeln!(out)?;
            }
        }
    }
    Ok(())
}
