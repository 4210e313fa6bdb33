//! Python's `multiprocessing.connection` in Rust: message connections with HMAC challenge
//! authentication, byte-compatible with CPython 3.11, 3.12 and 3.13, so a Rust process joins
//! Python worker pools and IPC as a worker or a coordinator.
//!
//! | Python | Rust (async; [`blocking`] has the same without `.await`) |
//! |---|---|
//! | `Listener(address, backlog=1, authkey=None)` | [`Listener::bind(address, backlog, authkey)`](Listener::bind) |
//! | `listener.accept()`, `.address`, `.last_accepted`, `.close()` | [`accept()`](Listener::accept), [`address()`](Listener::address), [`last_accepted()`](Listener::last_accepted), [`close()`](Listener::close) |
//! | `Client(address, authkey=None)` | [`Client::connect(address, authkey)`](Client::connect) |
//! | `Pipe(duplex=True)` | [`pipe(duplex)`](pipe()) |
//! | `conn.send(obj)`, `conn.recv()` | [`send(&obj)`](Connection::send), [`recv::<T>()`](Connection::recv) (pickle through serde and [`Value`](pyroxene_wire::Value)) |
//! | `send_bytes(buf, offset, size)`, `recv_bytes(maxlength)`, `recv_bytes_into(buf, offset)` | [`send_bytes`](Connection::send_bytes), [`recv_bytes`](Connection::recv_bytes), [`recv_bytes_into`](Connection::recv_bytes_into) |
//! | `conn.poll(timeout)`, `conn.close()`, `wait(connections, timeout)` | [`poll`](Connection::poll), [`close`](Connection::close), [`wait()`] |
//! | `AuthenticationError`, `BufferTooShort`, `EOFError`, `OSError` | [`Error`] ([`Error::python_class`]), [`AuthenticationError`], [`BufferTooShort`] |
//!
//! Addresses: `"host:port"` or `(host, port)` is `AF_INET` (IPv6 too), a path `AF_UNIX`, and
//! `"\0name"` (or `"@name"`) a Linux abstract socket ([`Address`]). `authkey: None` means no
//! handshake on either side, as in Python.
//!
//! # Quick start
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), pyroxene_connection::Error> {
//! use pyroxene_connection::{Client, Listener};
//! use pyroxene_wire::{Value, set};
//!
//! let mut listener = Listener::bind("127.0.0.1:0", 1, Some(b"secret")).await?;
//! let address = listener.address().clone();
//! let worker = tokio::spawn(async move {
//!     let mut conn = listener.accept().await?;
//!     let (op, n): (String, i64) = conn.recv().await?;
//!     conn.send(&(op, n * n)).await?;
//!     conn.send_value(&set![1, 2, 3]).await // a Python set
//! });
//!
//! let mut conn = Client::connect(&address, Some(b"secret")).await?;
//! conn.send(&("square", 12)).await?;
//! assert_eq!(conn.recv::<(String, i64)>().await?, ("square".to_string(), 144));
//! assert_eq!(conn.recv_value().await?.to_string(), "{1, 2, 3}");
//! # worker.await.unwrap()?; Ok(()) }
//! ```
//!
//! A Python peer of the same exchange:
//!
//! ```python
//! from multiprocessing.connection import Client
//! with Client(("127.0.0.1", 6000), authkey=b"secret") as conn:
//!     conn.send(("square", 12))
//!     print(conn.recv(), conn.recv())    # ('square', 144) {1, 2, 3}
//! ```
//!
//! # Where we differ from CPython
//!
//! - **Limits** ([`Config`]): received messages are capped at
//!   [`Config::max_message_size`] (1 GiB; CPython has none) and the handshake at
//!   [`Config::handshake_timeout`] (20 s; CPython waits forever). Memory grows with the bytes
//!   that arrive, never with an announced length alone.
//! - **Bad frames** (a negative length other than -1, which CPython reads as an empty
//!   message) fail with [`Error::BadFrame`] and close the connection. Nothing a peer sends
//!   panics.
//! - **Pickle** carries data only: `None`, bool, int (any size), float, complex, str,
//!   bytes/bytearray, tuple, list, dict, set, frozenset, `datetime`/`date`/`time`, `Decimal`,
//!   `UUID` and builtin exceptions (pyroxene-wire's pickle). Nothing is ever imported, so an
//!   instance of any other class from Python is an [`Error::Unpickle`], not code run.
//!   `ForkingPickler`'s connection and file-descriptor reducers have no meaning across
//!   languages.
//! - **Families**: no Windows named pipes (`AF_PIPE`); IPv6 works where CPython's module is
//!   IPv4-only. `authkey = Some(b"")` authenticates (CPython 3.13's rule; 3.11/3.12 listeners
//!   skip the handshake for an empty key).
//! - Digests are compared in constant time on both versions' paths (3.11 used `==`).
//!
//! # Layout
//!
//! - [`frame`]: the length-prefixed frame, sans IO (also what the fuzz target drives).
//! - [`auth`]: the challenge/response handshake, sans IO: digests, challenge styles.
//! - [`Connection`] (`connection.rs`): messages over a stream; `handshake.rs` its two
//!   challenge rounds; `stream.rs` the streams.
//! - [`Listener`] / [`Incoming`] (`listener.rs`), [`Client`] (`client.rs`), [`pipe()`]
//!   (`pipe.rs`), [`wait()`] (`wait.rs`).
//! - [`Address`] (`address.rs`), [`Config`] (`config.rs`), [`Error`] (`error.rs`).
//! - [`blocking`]: the same API without async, on one shared current-thread runtime.
//! - `oracles` (feature `oracles`): the fuzzing oracles, for the tests and `fuzz/`.

#![deny(missing_docs)]

mod address;
pub mod auth;
pub mod blocking;
mod client;
mod config;
mod connection;
mod error;
pub mod frame;
mod handshake;
mod listener;
#[cfg(any(test, feature = "oracles"))]
pub mod oracles;
mod pipe;
mod stream;
mod wait;

pub use address::{Address, ToAddress};
pub use auth::{ChallengeStyle, Digest};
pub use client::Client;
pub use config::Config;
pub use connection::Connection;
pub use error::{AuthenticationError, BufferTooShort, Error};
pub use listener::{Incoming, Listener};
pub use pipe::{pipe, pipe_with_config};
pub use wait::wait;
