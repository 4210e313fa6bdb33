//! The Pyro name server in Rust: a drop-in for Python's `pyro5-ns`.
//!
//! Python Pyro5 clients (`Pyro5.api.locate_ns()`, `PYRONAME:` URIs, `pyro5-nsc`) use it
//! without knowing it isn't Python: the object `Pyro.NameServer` has Pyro5's methods, argument
//! names, result shapes and exception texts, and the broadcast responder answers Pyro's
//! discovery request.
//!
//! # Example
//!
//! ```
//! use pyroxene::{Config, Proxy, Uri, Value, tuple};
//! use pyroxene_ns::{NameServerDaemon, NsOptions};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut options = NsOptions::from_config(&Config::default());
//! options.host = "127.0.0.1".into();
//! options.port = 0; // a free port
//! let ns = NameServerDaemon::start(options).await?;
//! println!("{}", ns.startup_lines.join("\n")); // what pyro5-ns prints
//! let daemon = ns.daemon.clone();
//! tokio::spawn(async move { ns.serve().await });
//!
//! // What Python does with Pyro5.api.locate_ns("127.0.0.1", port).register(...) / .lookup(...):
//! let proxy = Proxy::new(daemon.uri_for("Pyro.NameServer")?.to_string())?;
//! proxy.call("register", tuple!["example.greeter", "PYRO:greeter@127.0.0.1:4444"], None).await?;
//! let found = proxy.call("lookup", tuple!["example.greeter"], None).await?;
//! assert_eq!(Uri::from_value(&found)?.to_string(), "PYRO:greeter@127.0.0.1:4444");
//! assert_eq!(proxy.call("count", tuple![], None).await?, Value::Int(2)); // itself too
//! daemon.shutdown();
//! # Ok(()) }
//! ```
//!
//! # Pyro4 clients
//!
//! The same [`NameServer`] answers Python Pyro4 (4.82) clients with Pyro4's API: the daemon
//! hands every call its [`CallContext`](pyroxene::server::CallContext), and a caller speaking
//! protocol 48 gets what `Pyro4.naming.NameServer` answers (see
//! [`NameServer::dispatch_as`]). Both kinds of client share the registrations.
//!
//! | | Pyro5 caller | Pyro4 caller |
//! |---|---|---|
//! | `list` | `(prefix, regex, return_metadata)` | `(prefix, regex, metadata_all, metadata_any, return_metadata)` |
//! | metadata search | `yplookup(meta_all, meta_any, return_metadata=True)` | `list(metadata_all=…)` / `list(metadata_any=…)`; no `yplookup` (AttributeError) |
//! | two filters | ValueError if both prefix and regex are non-empty | ValueError if more than one is not None (even `""` / `[]`) |
//! | empty metadata filter | `yplookup` finds nothing | `list` lists everything |
//! | tags in results | a set | a list |
//! | `lookup` | `Pyro5.core.URI` | `Pyro4.core.URI` |
//! | Pyro's exceptions | `Pyro5.errors.NamingError`, `PyroError` | `Pyro4.errors.NamingError`, `PyroError` (same texts) |
//! | falsy `metadata` (`0`, `False`) | TypeError ("not iterable") | no tags |
//! | `remove("unknown", prefix=…)` | 0 | goes on to the prefix / regex |
//! | the name server's own tag | `class:Pyro5.nameserver.NameServer` | `class:Pyro4.naming.NameServer` ([`NAMESERVER_CLASS_TAG_PYRO4`]) |
//!
//! `ping`, `count`, `register`, the argument binding and the TypeError texts are the same.
//! The connection metadata (the method list a proxy gets on connect) is each generation's:
//! Pyro4 callers get its 7 methods, without `yplookup`.
//!
//! # Layout
//!
//! - [`NameServer`]: the remote object (argument binding, Python's TypeErrors, result shapes).
//! - [`Registry`]: the semantics on typed values (usable from Rust in-process).
//! - [`storage`]: the [`Storage`](storage::Storage) trait, memory and sqlite stores.
//! - [`broadcast`]: the UDP discovery responder.
//! - [`NameServerDaemon`] / [`NsOptions`]: what `pyroxene ns` runs.
//!
//! # Many connections
//!
//! Every client connection is one task and one file descriptor (no thread per connection, no
//! worker limit: Python's thread pool server refuses connections beyond its pool). Holding
//! 10,000 connections needs an open-file limit above 10,000: the `pyroxene ns` binary raises
//! its soft `RLIMIT_NOFILE` to the hard limit at startup and warns when that is too low; a
//! program embedding [`NameServerDaemon`] has to raise its own. A connection the daemon can't
//! accept (EMFILE) stays in the listen queue; the accept loop backs off briefly and goes on.
//!
//! # Where it differs from Python's name server
//!
//! - Metadata tags must be str (Python keeps any hashable item in memory and turns them into
//!   text in sqlite): other items are refused with a TypeError.
//! - Regex filters use the Rust `regex` crate with `re.match` anchoring (start only): no
//!   backreferences or look-around, and a few patterns Python refuses are accepted (`a**`).
//!   The common syntax errors are reported in Python `re`'s words (unbalanced parentheses,
//!   unclosed `[`, nothing to repeat, bad range); the others in the crate's.
//! - The prefix filter is a plain `startswith` in every store (Python's sqlite store uses
//!   `LIKE`, where `_` and `%` are wildcards and case is ignored).
//! - `dbm:FILE` is stored as sqlite; Python's dbm files are not read.
//! - Results Python's name server fails to send are sent: over json, `list(return_metadata=True)`
//!   with an untagged registration (Python: SerializeError on `frozenset`); over marshal,
//!   `lookup(name, True)` (Python: "unmarshallable object").
//! - The name server binds HOST like `pyro5-ns`; `--bchost` given explicitly also starts the
//!   broadcast responder on a loopback address (Pyro never does).
//! - NS_AUTOCLEAN ([`autoclean`]) probes concurrently, once per distinct address, with a
//!   bound on open probes (Python connects to one registration after the other).

#![deny(missing_docs)]

mod args;
pub mod autoclean;
pub mod broadcast;
mod error;
mod launch;
pub mod lease;
mod object;
mod object_v4;
mod registry;
pub mod storage;

pub use error::{EtcdError, NsError, Result};
pub use launch::{NameServerDaemon, NsOptions, StartError};
pub use object::{LEASE_METHODS, METHODS, NameServer};
pub use pyroxene::naming::{ListFilter, MetaFilter, RegisterOptions, Remove};
pub use registry::{
    NAMESERVER_CLASS_TAG, NAMESERVER_CLASS_TAG_PYRO4, NAMESERVER_NAME, REGEX_SIZE_LIMIT,
    REGEX_TIME_LIMIT, Registry,
};
