//! pyroxene: Pyro (Python Remote Objects) rebuilt in Rust, wire-compatible with the real Python
//! libraries Pyro5 (protocol 502) and Pyro4 (protocol 48).
//!
//! A Rust [`Daemon`] serves objects that Python Pyro5 proxies call without knowing it is Rust,
//! and a Rust [`Proxy`] calls objects that Python Pyro5 daemons expose.
//!
//! # Quick start: a server and a client
//!
//! ```
//! use std::sync::{Arc, atomic::{AtomicI64, Ordering}};
//! use pyroxene::{Daemon, Proxy, RemoteException, expose};
//!
//! #[derive(Default)]
//! struct Counter { total: AtomicI64 }
//!
//! #[expose]
//! impl Counter {
//!     /// Adds to the total and returns it; Python calls it as counter.add(5) or add(n=5).
//!     fn add(&self, n: i64) -> i64 { self.total.fetch_add(n, Ordering::SeqCst) + n }
//!     fn fail(&self) -> Result<(), RemoteException> {
//!         Err(RemoteException::new("builtins.ValueError", "no"))   // a ValueError in Python
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> pyroxene::Result<()> {
//! let daemon = Daemon::builder().host("127.0.0.1").port(0).bind().await?;
//! let uri = daemon.register_with_id(Arc::new(Counter::default()), "example.counter")?;
//! tokio::spawn({ let d = daemon.clone(); async move { d.serve().await } });
//!
//! let counter = Proxy::new(uri.to_string())?;         // or Python: Pyro5.api.Proxy(uri)
//! assert_eq!(counter.call_as::<i64>("add", (5,)).await?, 5);
//! assert_eq!(counter.call_as::<i64>("add", (2,)).await?, 7);
//! let err = counter.call_as::<()>("fail", ()).await.unwrap_err();
//! assert_eq!(err.remote().unwrap().class, "builtins.ValueError");
//! daemon.shutdown();
//! # Ok(()) }
//! ```
//!
//! # Typed interfaces
//!
//! A trait under [`macro@interface`] declares a remote interface once, for both sides: the
//! daemon serves an `#[expose] impl` of it (the compiler checks the impl against the trait), and
//! the macro writes typed clients, `LibraryProxy` (async) and `LibraryBlockingProxy`, whose
//! methods take the trait's argument types. Python's names, keyword arguments and oneway
//! calls are in the trait; Python clients call the object as any Pyro object.
//!
//! ```
//! use std::sync::Arc;
//! use pyroxene::{Daemon, ItemStream, RemoteException};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize)]
//! pub struct Book { pub id: u32, pub title: String }
//!
//! /// A library of books.
//! #[pyroxene::interface]
//! pub trait Library {
//!     /// One book; a `KeyError` when there is none.
//!     async fn get(&self, id: u32) -> Result<Book, RemoteException>;
//!     /// Python: `library.listBooks(prefix="D")`; the typed client leaves out a `None` prefix.
//!     #[pyro(name = "listBooks")]
//!     fn list_books(&self, #[pyro(kw)] prefix: Option<String>) -> Result<Vec<String>, String>;
//!     /// The ids, one by one (Python: `for id in library.ids()`).
//!     fn ids(&self) -> ItemStream<u32>;
//! }
//!
//! struct Shelf { books: Vec<Book> }
//!
//! #[pyroxene::expose]
//! impl Library for Shelf {
//!     async fn get(&self, id: u32) -> Result<Book, RemoteException> {
//!         let book = self.books.iter().find(|b| b.id == id);
//!         let book = book.ok_or_else(|| RemoteException::builtin("KeyError", format!("no book {id}")))?;
//!         Ok(Book { id, title: book.title.clone() })
//!     }
//!     fn list_books(&self, prefix: Option<String>) -> Result<Vec<String>, String> {
//!         let prefix = prefix.unwrap_or_default();
//!         Ok(self.books.iter().map(|b| b.title.clone()).filter(|t| t.starts_with(&prefix)).collect())
//!     }
//!     fn ids(&self) -> ItemStream<u32> {
//!         ItemStream::from_iter(self.books.iter().map(|b| b.id).collect::<Vec<_>>())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> pyroxene::Result<()> {
//! let daemon = Daemon::builder().host("127.0.0.1").port(0).bind().await?;
//! let shelf = Shelf { books: vec![Book { id: 7, title: "Dune".into() }] };
//! let uri = daemon.register_with_id(Arc::new(shelf), "example.library")?;
//! tokio::spawn({ let d = daemon.clone(); async move { d.serve().await } });
//!
//! let library = LibraryProxy::new(uri.to_string())?;      // Python: Pyro5.api.Proxy(uri)
//! assert_eq!(library.get(7).await?.title, "Dune");
//! assert_eq!(library.list_books(None).await?, ["Dune"]);
//! assert_eq!(library.ids().await?.collect_all().await?, [7]);
//! let missing = library.get(1).await.unwrap_err();
//! assert_eq!(missing.remote().unwrap().to_string(), "KeyError: 'no book 1'");
//! daemon.shutdown();
//! # Ok(()) }
//! ```
//!
//! A method may return `Result<T, E>` for any `E: Into<RemoteException>`: `String` and `&str`
//! raise `RuntimeError` in the caller, `std::io::Error` the `OSError` subclass Python raises
//! (`FileNotFoundError` with `errno` 2...), an error type of yours what its
//! `From<MyError> for RemoteException` says ([`RemoteException::from_error`]).
//!
//! # The data layer
//!
//! ```
//! use pyroxene::{Serializer, Value, dict, from_value, to_value};
//!
//! // Decode what a Python Pyro5 client sends with the json serializer...
//! let call = Serializer::Json
//!     .decode_call(br#"{"object": "calc", "method": "add", "params": [1, 2], "kwargs": {}}"#)
//!     .unwrap();
//! assert_eq!((call.object.as_str(), call.method.as_str()), ("calc", "add"));
//!
//! // ...and answer in serpent, the default serializer of Python Pyro.
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Sum { total: i64 }
//! let reply = to_value(&Sum { total: 3 }).unwrap();
//! let bytes = Serializer::Serpent.encode(&reply).unwrap();
//! assert_eq!(bytes, b"# serpent utf-8 python3.2\n{'total':3}");
//! assert_eq!(from_value::<Sum>(reply).unwrap().total, 3);
//! assert_eq!(dict! { "total" => 3 }, Serializer::Serpent.decode(&bytes).unwrap());
//! # let _: Value = Value::None;
//! ```
//!
//! # Settings and the environment
//!
//! Python Pyro reads its `PYRO_*` environment variables once, into `Pyro5.config`, and every
//! proxy, daemon and name server lookup starts from that config. pyroxene keeps that rule,
//! with one function in the place of the module: [`Config::from_env`] (the `PYRO_*` items
//! with Python's parsing and errors, and pyroxene's own `PYROXENE_PROTOCOL` and
//! `PYROXENE_NS_HOSTS`). It is called by exactly the constructors Python configures from
//! `Pyro5.config`, and each of them has a twin that takes its settings explicitly and reads
//! nothing:
//!
//! | reads the environment | reads nothing |
//! |---|---|
//! | [`Proxy::new`], [`Proxy::from_uri`], [`client::blocking::Proxy::new`] | [`Proxy::with_settings`]`(uri, `[`client::ProxySettings`]`)` |
//! | [`Proxy::from_state`] (and so a `Proxy` received as a value) | [`Proxy::from_state_with`] |
//! | [`Daemon::builder`] | [`Daemon::builder_with`]`(&config)`, [`DaemonBuilder::default`] |
//! | [`naming::locate_ns`], [`naming::resolve`] (and their blocking forms) | [`naming::locate_ns_with`]`(&config, ..)`, [`naming::resolve_with`] |
//!
//! A `PYRONAME:`/`PYROMETA:` proxy resolves its name with the naming settings it was made
//! with ([`client::ProxySettings::naming`]), so `Proxy::new("PYRONAME:x")` under
//! `PYRO_NS_PORT=9095` asks the name server on 9095, as Python does. No other library code
//! reads the environment; the `pyroxene` tools read it the same way (plus Pyro4's
//! `PYRO_HMAC_KEY` for their `-k` flag).
//!
//! A refused variable fails every constructor that reads it, with Python's text (Python fails
//! at import): [`ErrorKind::Config`], the [`config::ConfigError`] as the error's source.
//!
//! ```
//! # fn main() -> pyroxene::Result<()> {
//! use std::time::Duration;
//! use pyroxene::client::ProxySettings;
//! use pyroxene::{Config, Proxy};
//!
//! // What `Proxy::new` does with PYRO_COMMTIMEOUT=2.5 in the environment, spelled out:
//! let config = Config::from_vars([("PYRO_COMMTIMEOUT", "2.5")])?;
//! let proxy = Proxy::with_settings("PYRO:obj@localhost:9090".parse()?, ProxySettings::from_config(&config));
//! assert_eq!(proxy.settings().timeout, Some(Duration::from_millis(2500)));
//!
//! // Settings change by forking: the original proxy (and its clones) keep theirs.
//! let quick = proxy.clone().with_timeout(Some(Duration::from_millis(100)));
//! assert_eq!(proxy.settings().timeout, Some(Duration::from_millis(2500)));
//! assert_eq!(quick.settings().timeout, Some(Duration::from_millis(100)));
//! # Ok(()) }
//! ```
//!
//! # Errors
//!
//! [`Error`] is one small opaque type: [`Error::kind`] (Pyro's exception classes), predicates
//! ([`Error::is_timeout`], [`Error::is_naming_error`]...) and [`Error::remote`], the exception a
//! remote method raised. Its `Display` shows one level ("cannot bind localhost:9090"); the
//! cause is [`std::error::Error::source`], typed (`io::Error`, [`config::ConfigError`],
//! [`wire::uri::UriError`], the wire errors). `{:#}` joins the chain with `": "`, and `Debug`
//! prints the message and its causes one per line, which is what `fn main() ->
//! pyroxene::Result<()>` shows.
//!
//! # Layout
//!
//! - [`Value`] and friends: the Python data model, re-exported from [`pyroxene_wire`].
//! - [`Serializer`]: serpent, json, marshal and msgpack, byte-compatible with Python.
//! - [`wire`]: the whole sans-IO core (per-format modules, `repr` helpers).
//! - [`server`]: [`server::RemoteObject`] (what a daemon serves) and the call context.
//! - [`Config`] ([`config`]): every Pyro5 config item, read from `PYRO_*` variables as Pyro5 does.
//! - [`logging`]: Pyro5's level names; with the `logging` feature, tracing output to
//!   PYRO_LOGFILE at PYRO_LOGLEVEL in Pyro5's line format (the library installs no subscriber
//!   by itself).
//! - [`expose`]: the attribute that serves an `impl` block's methods to Pyro clients;
//!   [`macro@interface`]: a trait as a remote interface, with typed clients.
//! - [`Daemon`] / [`DaemonBuilder`] ([`server`]): serves objects; [`Proxy`] ([`client`],
//!   with [`client::blocking::Proxy`]): calls them, with [`client::ProxySettings`] and
//!   [`client::Args`] for `call_as`.
//! - [`naming`]: finding the name server, its typed client [`naming::NameServer`], and
//!   resolving `PYRONAME:`/`PYROMETA:` URIs (which [`Proxy`] also does by itself).
//! - [`echo`]: Pyro's test echo server object.
//! - [`server::InstanceMode`]: registering a type (`register_class`, `register_factory`);
//!   [`Proxy`] and [`Uri`] as values (autoproxy: `Daemon::proxy_for`); [`SerializedBlob`].
//! - [`async_mapping`]: Pyro4's futures and Pyro5's `_pyroAsync` in async Rust terms.
//! - [`Error`]: the networking error, with [`ErrorKind`] and the [`RemoteException`] a call raised.

#![deny(missing_docs)]

// Lets `#[expose]` (which emits `::pyroxene::...` paths) be used inside this crate too.
extern crate self as pyroxene;

pub mod async_mapping;
mod budget;
pub mod client;
pub mod config;
pub mod echo;
mod error;
mod interface_support;
pub mod logging;
mod macro_support;
pub mod naming;
mod offload;
pub mod server;
pub mod tls;
mod transport;

pub use client::{Proxy, SerializedBlob};
pub use config::Config;
pub use error::{Error, ErrorKind, Result};
pub use pyroxene_macros::{expose, interface};
pub use pyroxene_wire::dialect::RemoteException;
pub use server::{Daemon, DaemonBuilder, ItemStream, current_context};

/// What the code `#[expose]` and `#[interface]` generate refers to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::RemoteException;
    pub use crate::interface_support::*;
    pub use crate::macro_support::*;
    pub use crate::server::{
        BoxFuture, CallContext, CallResult, Invocation, Metadata, RemoteClass, RemoteObject,
    };
    pub use pyroxene_wire::{Dict, Value};
}

pub use pyroxene_wire as wire;
pub use pyroxene_wire::protocol::{AnnotationId, CorrelationId};
pub use pyroxene_wire::uri::Uri;
pub use pyroxene_wire::{
    Call, Dict, MAX_DEPTH, ProtocolVersion, Serializer, Set, Value, dict, from_value, list, set,
    to_value, tuple,
};
