//! Pyro through SSH: name servers and daemons behind ssh, reached through the system OpenSSH.
//!
//! A [`Tunnel`] is one ssh control master to a host (`ssh -M -S <socket> -N`, the user's own
//! OpenSSH, so `~/.ssh/config`, `ProxyJump`, agents and `known_hosts` work as they do for
//! `ssh`), with forwards added and cancelled on it (`ssh -O forward` / `-O cancel`) on local
//! ports chosen free. Proxies made through it ([`Tunnel::locate_ns`], [`Tunnel::proxy`])
//! connect through its address map: every `host:port` a URI names is the remote's, reached
//! through a local forward opened the first time it is needed, for the name server, the
//! daemons names resolve to, and the proxies replies carry (autoproxies), IPv6 included. No
//! port number needs to be free on both ends.
//!
//! The other way, [`Tunnel::serve`] (and [`launch`] with the old helper's modes) serves a
//! local object to the remote side through a reverse forward and registers it in the remote
//! name server; [`Tunnel::callback`] makes callback objects the remote side can call.
//!
//! ```no_run
//! # async fn run(counter: std::sync::Arc<dyn pyroxene::server::RemoteObject>) -> Result<(), Box<dyn std::error::Error>> {
//! use pyroxene_tunnel::{Target, Tunnel};
//!
//! // the seed's scenario: a name server on port 50000 on a host behind ssh
//! let tunnel = Tunnel::builder(Target::alias("lab")).name_server("localhost", 50000).open().await?;
//! let ns = tunnel.locate_ns().await?;
//! for (name, uri) in ns.list(pyroxene::naming::ListFilter::All).await? {
//!     println!("{name} --> {uri}");                    // the remote's URIs, as registered
//! }
//! let square: i64 = tunnel.proxy("lab.worker")?.call_as("square", (7,)).await?;
//!
//! // and back: an object here, registered there under a URI valid there
//! let served = tunnel.serve(counter, "lab.counter").await?;
//! served.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! Failures of ssh are typed ([`ErrorKind`]: authentication, unknown host, host key
//! mismatch, port in use, connection refused...), with ssh's own words as the cause. A
//! proxy that can't connect through the tunnel fails with Pyro's "cannot connect to
//! host:port", caused by the tunnel's error ([`Error::find_in`] finds it).
//!
//! # Layout
//! - `tunnel.rs`: [`Tunnel`], [`TunnelBuilder`], the forwards and the address map (a
//!   [`pyroxene::client::Connector`])
//! - `master.rs`: the ssh control master process and its `-O` commands
//! - `target.rs`: [`Target`] (alias or host/user/port/key) and [`HostsFile`] (the old
//!   `{"name": [host, user, port]}` file, JSON or TOML)
//! - `naming.rs`: the forward path: [`Tunnel::locate_ns`], [`Tunnel::proxy`]
//! - `serve.rs`: the reverse path: [`Tunnel::serve`], [`launch`], [`LaunchMode`], [`Served`]
//! - `callback.rs`: [`Tunnel::callback`]
//! - `error.rs`: [`Error`], [`ErrorKind`], [`SshMessage`]

#![deny(missing_docs)]

mod callback;
mod error;
mod master;
mod naming;
mod serve;
mod target;
mod tunnel;

pub use error::{Error, ErrorKind, Result, SshMessage};
pub use serve::{LaunchMode, Served, launch, launch_with};
pub use target::{HostsFile, Target};
pub use tunnel::{Forward, Location, ReverseForward, Tunnel, TunnelBuilder};

pub(crate) use tunnel::free_port;
