//! pyroxene: Pyro (Python Remote Objects) rebuilt in Rust, wire-compatible with the real Python
//! libraries Pyro5 (protocol 502) and Pyro4 (protocol 48).
//!
//! This is the crate applications depend on. Today it carries the data layer: the Python data
//! model [`Value`] and Pyro's four serializers; the daemon, proxy and name server build on it.
//!
//! # Quick start
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
//! # Layout
//!
//! - [`Value`] and friends: the Python data model, re-exported from [`pyroxene_wire`].
//! - [`Serializer`]: serpent, json, marshal and msgpack, byte-compatible with Python.
//! - [`wire`]: the whole sans-IO core (per-format modules, `repr` helpers).
//! - [`server`]: [`server::RemoteObject`] (what a daemon serves) and the call context.
//! - [`Config`] ([`config`]): every Pyro5 config item, read from `PYRO_*` variables as Pyro5 does.
//! - [`logging`]: tracing output to PYRO_LOGFILE at PYRO_LOGLEVEL, in Pyro5's line format.
//! - [`expose`]: the attribute that serves an `impl` block's methods to Pyro clients.

#![deny(missing_docs)]

// Lets `#[expose]` (which emits `::pyroxene::...` paths) be used inside this crate too.
extern crate self as pyroxene;

pub mod client;
pub mod config;
pub mod echo;
mod error;
pub mod logging;
mod macro_support;
pub mod server;
mod transport;

pub use client::Proxy;
pub use config::Config;
pub use error::{Error, ErrorKind, Result};
pub use pyroxene_macros::expose;
pub use pyroxene_wire::dialect::RemoteException;
pub use server::{Daemon, DaemonBuilder};

/// What the code `#[expose]` generates refers to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::RemoteException;
    pub use crate::macro_support::*;
    pub use crate::server::{
        BoxFuture, CallContext, CallResult, Invocation, Metadata, RemoteObject,
    };
    pub use pyroxene_wire::{Dict, Value};
}

pub use pyroxene_wire as wire;
pub use pyroxene_wire::uri::Uri;
pub use pyroxene_wire::{
    Call, Dict, MAX_DEPTH, ProtocolVersion, Serializer, Set, Value, dict, from_value, list, set,
    to_value, tuple,
};
