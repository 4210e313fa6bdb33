//! `pyroxene`: the command line of pyroxene.
//!
//! Subcommands: `convert` (re-encode or pretty-print a Pyro payload), `config` (the effective
//! configuration, like `python -m Pyro5.configure`), `echo` (Pyro's test echo server), `ns` (the
//! name server, like `pyro5-ns`), `nsc` (its control tool, like `pyro5-nsc`), `bench`.

// mimalloc keeps freed memory for reuse: big payloads (10 MB echoes) otherwise pay a page fault
// per 4 KiB on every fresh allocation from glibc's mmap path (measured: half the time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench_cmd;
mod config_cmd;
mod echo_cmd;
mod ns_cmd;
mod nsc_cmd;

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use pyroxene::Serializer;

/// Pyro (Python Remote Objects) tools in Rust, wire-compatible with Python Pyro4 and Pyro5.
#[derive(Parser)]
#[command(name = "pyroxene", version, about, long_about = None)]
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
    Echo(echo_cmd::EchoArgs),
    /// Run the Pyro name server (object `Pyro.NameServer`), like `pyro5-ns`.
    Ns(ns_cmd::NsArgs),
    /// Call one method of any Pyro object many times and print calls/s and latencies.
    Bench(bench_cmd::BenchArgs),
    /// Name server control, like `pyro5-nsc`: ping, list, listmatching, lookup, register,
    /// remove, removematching, setmeta, yplookup_all, yplookup_any.
    Nsc(nsc_cmd::NscArgs),
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

fn main() -> anyhow::Result<std::process::ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Convert { from, to, input } => convert(from.into(), to.map(Into::into), input),
        Command::Config => config_cmd::run(),
        Command::Echo(args) => echo_cmd::run(args),
        Command::Bench(args) => bench_cmd::run(args),
        Command::Ns(args) => ns_cmd::run(args),
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
    let value = match from.decode(&bytes) {
        Ok(v) => v,
        Err(e) => bail!("cannot decode {} input: {e}", from.name()),
    };
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
