//! The sans-IO core of pyroxene: the Python data model ([`Value`]) and Pyro's four serializers,
//! byte-compatible with Python's Pyro4 and Pyro5.
//!
//! Nothing here touches a socket, so everything can be tested and fuzzed on plain bytes.
//!
//! # Quick start
//!
//! ```
//! use pyroxene_wire::{Serializer, Value, tuple};
//!
//! // What Python's `serpent.dumps(('add', 1, 2.5))` writes:
//! let bytes = Serializer::Serpent.encode(&tuple!["add", 1, 2.5]).unwrap();
//! assert_eq!(bytes, b"# serpent utf-8 python3.2\n('add',1,2.5)");
//!
//! // And back, from any of the four formats:
//! let value = Serializer::Serpent.decode(&bytes).unwrap();
//! assert_eq!(value.to_string(), "('add', 1, 2.5)");
//! ```
//!
//! Rust types travel through serde:
//!
//! ```
//! use pyroxene_wire::{from_value, to_value};
//! #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
//! struct Point { x: i64, y: f64 }
//! let v = to_value(&Point { x: 1, y: 2.5 }).unwrap();
//! assert_eq!(v.to_string(), "{'x': 1, 'y': 2.5}");
//! assert_eq!(from_value::<Point>(v).unwrap(), Point { x: 1, y: 2.5 });
//! ```
//!
//! # Layout
//!
//! - [`value`]: [`Value`], its equality/hash rules, `From` impls, literal macros, Display as
//!   Python's `repr()`, the serde bridge ([`to_value`], [`from_value`]), and Python's dates,
//!   times, Decimals and UUIDs as plain types ([`value::PyDateTime`], ...) with `time`/`chrono`
//!   conversions and the [`value::datetime`] serde field helper.
//! - [`serializer`]: [`Serializer`] (ids per [`ProtocolVersion`], dispatch, call payloads) and
//!   one module per format: [`serializer::serpent`], [`serializer::json`],
//!   [`serializer::marshal`], [`serializer::msgpack`].
//! - [`protocol`]: message frames, sans IO: [`protocol::Message`], [`protocol::Flags`],
//!   annotations, the [`protocol::Codec`] trait and its implementations [`protocol::V5`] (Pyro5)
//!   and [`protocol::V4`] (Pyro4, with HMAC),
//!   zlib compression with a bound, [`protocol::ProtocolError`] with Python's texts.
//! - [`dialect`]: the payload shapes each Pyro version expects: exception dicts
//!   ([`dialect::RemoteException`]), batch results, URIs and proxies as values, the
//!   CONNECT/CONNECTOK handshake and its [`dialect::Metadata`].
//! - [`uri`]: [`Uri`] parsing and printing exactly as Pyro does (`PYRO:`, `PYRONAME:`,
//!   `PYROMETA:`, IPv6, unix sockets).
//! - [`repr`]: Python's `repr()` rules for floats, strings and bytes.
//! - [`Error`]: the data layer's error type, with an [`ErrorKind`]; the layers above have
//!   their own typed errors ([`protocol::ProtocolError`], [`uri::UriError`],
//!   [`dialect::DialectError`]) whose texts are Python's.
//!
//! # Hostile input
//!
//! Every decoder checks lengths against the remaining input before allocating, limits nesting
//! to [`MAX_DEPTH`], and returns an [`Error`] for anything malformed; none of them panics.

#![deny(missing_docs)]

pub mod dialect;
mod error;
#[cfg(any(test, feature = "oracles"))]
pub mod oracles;
pub mod protocol;
pub mod repr;
pub mod serializer;
pub mod uri;
pub mod value;

pub use error::{Error, ErrorKind, Result};
/// The big-integer crate behind [`Value::BigInt`], re-exported so users need no version match.
pub use num_bigint;
pub use serializer::{Call, ProtocolVersion, Serializer};
pub use uri::Uri;
pub use value::{Dict, Set, Value, from_value, to_value};

/// How deeply containers may nest, in every decoder and encoder.
///
/// Python's own limits are lower (serpent refuses more than 200 levels, its parser ~200 nested
/// brackets), so nothing a Python peer sends is refused; the limit keeps hostile input from
/// exhausting the stack.
pub const MAX_DEPTH: usize = 1000;
