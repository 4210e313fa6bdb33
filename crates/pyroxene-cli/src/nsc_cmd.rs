//! `pyroxene nsc`: the name server control tool (`python -m Pyro5.nsc` / `pyro5-nsc`), with its
//! flags, commands, printed lines and exit statuses.
//!
//! Statuses as Python's: 0 on success and when no name server is found ("Error: Failed to
//! locate the nameserver" is printed, then nsc returns); 1 when the command fails ("Error:
//! <class> - <message>" on stdout, then Python's re-raised exception ends it) or gets the wrong
//! number of arguments (a message on stderr); 2 for a usage error.
//!
//! Against a Pyro4 name server (protocol detected, or `PYROXENE_PROTOCOL=4`) it is
//! `python -m Pyro4.nsc` instead: `-k/--key` or `PYRO_HMAC_KEY` (not both) for the HMAC key,
//! `listmeta_all`/`listmeta_any` instead of `yplookup_all`/`yplookup_any`, metadata printed as
//! the lists the Pyro4 name server sends, and a failed command prints its `Error:` line and
//! ends with status 0 (Pyro4's nsc doesn't re-raise).

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use anyhow::Context;
use clap::{Args, ValueEnum};
use pyroxene::client::ProxySettings;
use pyroxene::config::Protocol;
use pyroxene::naming::{
    ListFilter, MetaFilter, NameServer, RegisterOptions, Registration, Remove, TagSet,
    locate_ns_with_settings,
};
use pyroxene::{Config, Error, ProtocolVersion, Value};

/// Pyro4's environment variable for the HMAC key, which Pyro4's nsc reads (and Pyro5 refuses:
/// it is taken out of the environment before the Pyro5 config is read).
const HMAC_KEY_ENV: &str = "PYRO_HMAC_KEY";

/// The flags of Pyro5's nsc, plus Pyro4's `-k` (HMAC key; Pyro4 only).
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
    /// the HMAC key to use (deprecated; Pyro4 name servers only)
    #[arg(short, long)]
    key: Option<String>,
    /// verbose output
    #[arg(short, long)]
    verbose: bool,
    /// reach the name server through ssh to this host (an ssh alias, [user@]host, or a name
    /// of --ssh-hosts); -n/-p are then as that host sees them (default localhost, NS_PORT)
    #[arg(long, value_name = "HOST")]
    ssh: Option<String>,
    #[command(flatten)]
    ssh_args: crate::tunnel_cmd::SshArgs,
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
    #[value(name = "listmeta_all")]
    ListmetaAll,
    #[value(name = "listmeta_any")]
    ListmetaAny,
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

impl NscCommand {
    /// Whether nsc of protocol `version` has this command.
    fn exists_in(self, version: ProtocolVersion) -> bool {
        match self {
            NscCommand::YplookupAll | NscCommand::YplookupAny => version == ProtocolVersion::V5,
            NscCommand::ListmetaAll | NscCommand::ListmetaAny => version == ProtocolVersion::V4,
            _ => true,
        }
    }
}

/// optparse's `parser.error("invalid or missing command")`: usage on stderr, status 2.
fn invalid_command(version: ProtocolVersion) -> u8 {
    let (prog, meta) = match version {
        ProtocolVersion::V4 => ("nsc.py", "listmeta_all listmeta_any"),
        ProtocolVersion::V5 => ("nsc.py", "yplookup_all yplookup_any"),
    };
    eprintln!(
        "Usage: {prog} [options] command [arguments]\nCommands: register remove removematching \
         lookup list listmatching\n          {meta} setmeta ping\n\n{prog}: error: invalid or \
         missing command"
    );
    2
}

/// Runs nsc and returns its exit status.
pub(crate) fn run(args: NscArgs) -> anyhow::Result<u8> {
    // PYRO_HMAC_KEY is Pyro4's (its nsc reads it); the Pyro5 config would refuse it.
    let env_key = std::env::var_os(HMAC_KEY_ENV);
    let config = Config::from_vars(std::env::vars_os().filter(|(k, _)| k != HMAC_KEY_ENV))?;
    pyroxene::logging::init_from_config(&config).context("setting up logging")?;
    if let Protocol::Fixed(version) = config.protocol
        && !args.command.exists_in(version)
    {
        return Ok(invalid_command(version));
    }
    if args.key.is_some() {
        eprintln!(
            "UserWarning: using -k to supply HMAC key on the command line is a security problem \
             and is deprecated since Pyro 4.72. See the documentation for an alternative."
        );
    }
    let hmac_key = match (&args.key, env_key) {
        (Some(_), Some(_)) => {
            eprintln!("error: don't use -k and PYRO_HMAC_KEY at the same time");
            return Ok(1);
        }
        (Some(key), None) => Some(key.as_bytes().to_vec()),
        (None, Some(key)) => Some(key.as_encoded_bytes().to_vec()),
        (None, None) => None,
    }
    .filter(|k| !k.is_empty());
    let mut settings = ProxySettings::from_config(&config);
    settings.hmac_key = hmac_key.map(Into::into);
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
    // Kept open until nsc ends: the name server proxy connects through it.
    let mut tunnel = None;
    if let Some(ssh_host) = &args.ssh {
        let ns_host = if host.is_empty() {
            "localhost"
        } else {
            host.as_str()
        };
        let builder = args.ssh_args.builder(ssh_host, &config)?;
        let opened = runtime.block_on(
            builder
                .name_server(ns_host, args.port.unwrap_or(config.ns_port))
                .open(),
        )?;
        settings.connector = Some(opened.connector());
        tunnel = Some(opened);
    }
    let host = match &tunnel {
        Some(t) => t.name_server_location().host.clone(),
        None => host,
    };
    let located = runtime.block_on(locate_ns_with_settings(&settings, Some(&host), args.port));
    let ns = match located {
        Ok(ns) => ns,
        Err(e) => {
            writeln!(out, "Error: {e}")?;
            return Ok(0);
        }
    };
    let version = match runtime.block_on(ns.protocol_version()) {
        Ok(v) => v,
        Err(e) => {
            writeln!(out, "Error: {e}")?;
            return Ok(0);
        }
    };
    if !args.command.exists_in(version) {
        out.flush()?;
        return Ok(invalid_command(version));
    }
    if args.verbose {
        writeln!(out, "Name server found: {}", ns.proxy().uri())?;
    }
    let done = runtime.block_on(command(&ns, version, args.command, &args.args, &mut out));
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
        Err(Failure::Raised { class, message }) if version == ProtocolVersion::V4 => {
            // Pyro4's nsc prints the error and returns.
            writeln!(out, "Error: {class} - {message}")?;
            Ok(0)
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
    version: ProtocolVersion,
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
            None => print_list(
                out,
                version,
                &ns.list_with_metadata(ListFilter::All).await?,
                "",
            )?,
            Some(prefix) => {
                let found = ns.list_with_metadata(ListFilter::Prefix(prefix)).await?;
                print_list(out, version, &found, &format!("- prefix '{prefix}'"))?;
            }
        },
        NscCommand::Listmatching => {
            let regex = one("requires one argument: pattern")?;
            let found = ns.list_with_metadata(ListFilter::Regex(regex)).await?;
            print_list(out, version, &found, &format!("- regex '{regex}'"))?;
        }
        NscCommand::Lookup => {
            let name = one("requires one argument: name")?;
            let (uri, metadata) = ns.lookup_with_metadata(name).await?;
            writeln!(out, "{uri}")?;
            if !metadata.is_empty() {
                writeln!(out, "metadata: {}", tags_repr(version, &metadata))?;
            }
        }
        NscCommand::Register => {
            let [name, uri] = args else {
                return Err(Failure::Usage("requires two arguments: name uri"));
            };
            ns.register_with(name, uri, RegisterOptions::new().safe())
                .await?;
            writeln!(out, "Registered {name}")?;
        }
        NscCommand::Remove => {
            let name = one("requires one argument: name")?;
            if ns.remove(Remove::Name(name)).await? > 0 {
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
                let count = ns.remove(Remove::Regex(regex)).await?;
                writeln!(out, "{count} items removed.")?;
            }
        }
        NscCommand::Setmeta => {
            let Some((name, tags)) = args.split_first() else {
                return Err(Failure::Usage(match version {
                    ProtocolVersion::V4 => {
                        "requires at least 2 arguments: uri and zero or more meta tags"
                    }
                    ProtocolVersion::V5 => "requires arguments: uri and zero or more meta tags",
                }));
            };
            // Python makes a set of them: repeated tags count once.
            let tags: TagSet = tags.iter().cloned().collect();
            let cleared = tags.is_empty();
            ns.set_metadata(name, tags).await?;
            if cleared {
                writeln!(out, "Metadata cleared")?;
            } else {
                writeln!(out, "Metadata updated")?;
            }
        }
        NscCommand::YplookupAll
        | NscCommand::YplookupAny
        | NscCommand::ListmetaAll
        | NscCommand::ListmetaAny => {
            if args.is_empty() {
                return Err(Failure::Usage(
                    "requires at least one metadata tag argument",
                ));
            }
            let filter = if matches!(cmd, NscCommand::YplookupAll | NscCommand::ListmetaAll) {
                MetaFilter::all(args.iter().cloned())
            } else {
                MetaFilter::any(args.iter().cloned())
            };
            let found = ns.yplookup(&filter).await?;
            print_list(out, version, &found, " - searched by metadata")?;
        }
    }
    Ok(())
}

/// nsc's list block: sorted by name (Python's `sorted` compares code points, as `str`'s `Ord`
/// does), each entry's tags under it when it has any.
fn print_list(
    out: &mut impl Write,
    version: ProtocolVersion,
    found: &BTreeMap<String, Registration>,
    title: &str,
) -> std::io::Result<()> {
    writeln!(out, "--------START LIST {title}")?;
    for (name, entry) in found {
        writeln!(out, "{name} --> {}", entry.text)?;
        if !entry.metadata.is_empty() {
            writeln!(out, "    metadata: {}", tags_repr(version, &entry.metadata))?;
        }
    }
    writeln!(out, "--------END LIST {title}")
}

/// Python's repr of the tag set, in the order the name server sent it. Python's own nsc prints
/// its set in hash order, which is random per process unless PYTHONHASHSEED fixes it; the
/// server's order is what a Python nsc with the server's hash seed shows.
///
/// A Pyro4 name server sends lists (its sets made lists, in its order), which Pyro4's nsc
/// prints as lists.
fn tags_repr(version: ProtocolVersion, tags: &TagSet) -> String {
    match version {
        ProtocolVersion::V4 => {
            Value::List(tags.iter().map(|t| Value::from(t.as_str())).collect()).to_string()
        }
        ProtocolVersion::V5 => {
            let set = tags.iter().map(|t| Value::from(t.as_str())).collect();
            Value::Set(Box::new(set)).to_string()
        }
    }
}

/// `type(x).__name__` and `str(x)` of the exception Python's nsc would have caught.
fn python_exception(e: &Error) -> (String, String) {
    if let Some(remote) = e.remote() {
        let class = remote.short_class().to_owned();
        let message = match remote.args.as_slice() {
            [] => String::new(),
            [Value::Str(text)] => text.clone(),
            [other] => other.to_string(),
            more => Value::Tuple(more.to_vec()).to_string(),
        };
        return (class, message);
    }
    let class = e.kind().pyro_class().name();
    (class.to_owned(), crate::report::one_line(e))
}
