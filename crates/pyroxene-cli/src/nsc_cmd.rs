//! `pyroxene nsc`: the name server control tool (`python -m Pyro5.nsc` / `pyro5-nsc`), with its
//! flags, commands, printed lines and exit statuses.
//!
//! Statuses as Python's: 0 on success and when no name server is found ("Error: Failed to
//! locate the nameserver" is printed, then nsc returns); 1 when the command fails ("Error:
//! <class> - <message>" on stdout, then Python's re-raised exception ends it) or gets the wrong
//! number of arguments (a message on stderr); 2 for a usage error.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use anyhow::Context;
use clap::{Args, ValueEnum};
use pyroxene::naming::{NameServer, Registration, TagSet, locate_ns_with_config};
use pyroxene::{Error, ErrorKind, Value};

/// The flags of Pyro5's nsc (it has no `-k`: Pyro5 dropped HMAC keys).
#[derive(Args, Debug)]
pub(crate) struct NscArgs {
    /// hostname of the NS
    #[arg(short = 'n', long, default_value = "")]
    host: String,
    /// port of the NS (or bc-port if host isn't specified)
    #[arg(short, long)]
    port: Option<u16>,
    /// Unix domain socket name of the NS
    #[arg(short, long)]
    unixsocket: Option<String>,
    /// verbose output
    #[arg(short, long)]
    verbose: bool,
    /// what to do
    #[arg(value_enum)]
    command: NscCommand,
    /// the command's arguments
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
}

/// nsc's commands, spelled as Python spells them.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum NscCommand {
    List,
    Lookup,
    Register,
    Remove,
    Removematching,
    Listmatching,
    #[value(name = "yplookup_all")]
    YplookupAll,
    #[value(name = "yplookup_any")]
    YplookupAny,
    Setmeta,
    Ping,
}

/// How a command ended, when not with success.
enum Failure {
    /// Python's `SystemExit("text")`: the text on stderr, status 1.
    Usage(&'static str),
    /// An exception: `Error: <class> - <message>` on stdout, status 1.
    Raised { class: String, message: String },
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let (class, message) = python_exception(&e);
        Failure::Raised { class, message }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Raised {
            class: "OSError".to_owned(),
            message: e.to_string(),
        }
    }
}

/// Runs nsc and returns its exit status.
pub(crate) fn run(args: NscArgs) -> anyhow::Result<u8> {
    let config = crate::config_cmd::load()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let mut out = std::io::stdout().lock();
    if args.verbose {
        writeln!(out, "Locating name server...")?;
    }
    let host = match &args.unixsocket {
        Some(path) => format!("./u:{path}"),
        None => args.host.clone(),
    };
    let located = runtime.block_on(locate_ns_with_config(&config, Some(&host), args.port));
    let ns = match located {
        Ok(ns) => ns,
        Err(e) => {
            writeln!(out, "Error: {e}")?;
            return Ok(0);
        }
    };
    if args.verbose {
        writeln!(out, "Name server found: {}", ns.proxy().uri())?;
    }
    let done = runtime.block_on(command(&ns, args.command, &args.args, &mut out));
    match done {
        Ok(()) => {
            if args.verbose {
                writeln!(out, "Done.")?;
            }
            Ok(0)
        }
        Err(Failure::Usage(text)) => {
            out.flush()?;
            eprintln!("{text}");
            Ok(1)
        }
        Err(Failure::Raised { class, message }) => {
            writeln!(out, "Error: {class} - {message}")?;
            out.flush()?;
            // Where Python prints the traceback of the exception it re-raises.
            eprintln!("{class}: {message}");
            Ok(1)
        }
    }
}

async fn command(
    ns: &NameServer,
    cmd: NscCommand,
    args: &[String],
    out: &mut impl Write,
) -> Result<(), Failure> {
    let one = |what: &'static str| match args {
        [arg] => Ok(arg.as_str()),
        _ => Err(Failure::Usage(what)),
    };
    match cmd {
        NscCommand::Ping => {
            ns.ping().await?;
            writeln!(out, "Name server ping ok.")?;
        }
        NscCommand::List => match args.first() {
            None => print_list(out, &ns.list_with_metadata(None, None).await?, "")?,
            Some(prefix) => {
                let found = ns.list_with_metadata(Some(prefix), None).await?;
                print_list(out, &found, &format!("- prefix '{prefix}'"))?;
            }
        },
        NscCommand::Listmatching => {
            let regex = one("requires one argument: pattern")?;
            let found = ns.list_with_metadata(None, Some(regex)).await?;
            print_list(out, &found, &format!("- regex '{regex}'"))?;
        }
        NscCommand::Lookup => {
            let name = one("requires one argument: name")?;
            let (uri, metadata) = ns.lookup_with_metadata(name).await?;
            writeln!(out, "{uri}")?;
            if !metadata.is_empty() {
                writeln!(out, "metadata: {}", set_repr(&metadata))?;
            }
        }
        NscCommand::Register => {
            let [name, uri] = args else {
                return Err(Failure::Usage("requires two arguments: name uri"));
            };
            ns.register(name, uri, true, &[] as &[&str]).await?;
            writeln!(out, "Registered {name}")?;
        }
        NscCommand::Remove => {
            let name = one("requires one argument: name")?;
            if ns.remove(Some(name), None, None).await? > 0 {
                writeln!(out, "Removed {name}")?;
            } else {
                writeln!(out, "Nothing removed")?;
            }
        }
        NscCommand::Removematching => {
            let regex = one("requires one argument: pattern")?;
            // Python's input(): the prompt without a newline, then one line of stdin.
            write!(
                out,
                "Potentially removing lots of items from the Name server. Are you sure (y/n)?"
            )?;
            out.flush()?;
            let mut answer = String::new();
            if std::io::stdin().lock().read_line(&mut answer)? == 0 {
                return Err(Failure::Raised {
                    class: "EOFError".to_owned(),
                    message: "EOF when reading a line".to_owned(),
                });
            }
            if matches!(answer.trim(), "y" | "Y") {
                let count = ns.remove(None, None, Some(regex)).await?;
                writeln!(out, "{count} items removed.")?;
            }
        }
        NscCommand::Setmeta => {
            let Some((name, tags)) = args.split_first() else {
                return Err(Failure::Usage(
                    "requires arguments: uri and zero or more meta tags",
                ));
            };
            // Python makes a set of them: repeated tags count once.
            let tags: Vec<String> = tags
                .iter()
                .cloned()
                .collect::<TagSet>()
                .into_iter()
                .collect();
            ns.set_metadata(name, &tags).await?;
            if tags.is_empty() {
                writeln!(out, "Metadata cleared")?;
            } else {
                writeln!(out, "Metadata updated")?;
            }
        }
        NscCommand::YplookupAll | NscCommand::YplookupAny => {
            if args.is_empty() {
                return Err(Failure::Usage(
                    "requires at least one metadata tag argument",
                ));
            }
            let none: &[String] = &[];
            let found = if matches!(cmd, NscCommand::YplookupAll) {
                ns.yplookup(args, none).await?
            } else {
                ns.yplookup(none, args).await?
            };
            print_list(out, &found, " - searched by metadata")?;
        }
    }
    Ok(())
}

/// nsc's list block: sorted by name (Python's `sorted` compares code points, as `str`'s `Ord`
/// does), each entry's tags under it when it has any.
fn print_list(
    out: &mut impl Write,
    found: &BTreeMap<String, Registration>,
    title: &str,
) -> std::io::Result<()> {
    writeln!(out, "--------START LIST {title}")?;
    for (name, entry) in found {
        writeln!(out, "{name} --> {}", entry.text)?;
        if !entry.metadata.is_empty() {
            writeln!(out, "    metadata: {}", set_repr(&entry.metadata))?;
        }
    }
    writeln!(out, "--------END LIST {title}")
}

/// Python's repr of the tag set, in the order the name server sent it. Python's own nsc prints
/// its set in hash order, which is random per process unless PYTHONHASHSEED fixes it; the
/// server's order is what a Python nsc with the server's hash seed shows.
fn set_repr(tags: &TagSet) -> String {
    let set = tags.iter().map(|t| Value::from(t.as_str())).collect();
    Value::Set(Box::new(set)).to_string()
}

/// `type(x).__name__` and `str(x)` of the exception Python's nsc would have caught.
fn python_exception(e: &Error) -> (String, String) {
    if let Some(remote) = e.remote() {
        let class = remote
            .class
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_owned();
        let message = match remote.args.as_slice() {
            [] => String::new(),
            [Value::Str(text)] => text.clone(),
            [other] => other.to_string(),
            more => Value::Tuple(more.to_vec()).to_string(),
        };
        return (class, message);
    }
    let class = match e.kind() {
        ErrorKind::Timeout => "TimeoutError",
        ErrorKind::ConnectionClosed => "ConnectionClosedError",
        ErrorKind::Protocol => "ProtocolError",
        ErrorKind::Serialize => "SerializeError",
        ErrorKind::Daemon => "DaemonError",
        ErrorKind::Naming => "NamingError",
        ErrorKind::Config => "PyroError",
        _ => "CommunicationError",
    };
    (class.to_owned(), e.message().to_owned())
}
