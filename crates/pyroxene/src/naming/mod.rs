//! The client side of Pyro's name server: finding it ([`locate_ns`]), its API with Rust types
//! ([`NameServer`]), and turning `PYRONAME:`/`PYROMETA:` URIs into `PYRO:` ones ([`resolve`]).
//!
//! A [`Proxy`](crate::Proxy) for a `PYRONAME:` or `PYROMETA:` URI resolves it itself, on each
//! new connection, so it follows an object that moved (re-registered elsewhere).
//!
//! ```no_run
//! # async fn run() -> pyroxene::Result<()> {
//! use pyroxene::naming::{locate_ns, resolve};
//! let ns = locate_ns(None, None).await?;          // localhost, broadcast, then NS_HOST
//! for (name, uri) in ns.list(pyroxene::naming::ListFilter::Prefix("example.")).await? {
//!     println!("{name} --> {uri}");
//! }
//! let direct = resolve(&pyroxene::Uri::pyroname("example.echo", None)).await?; // PYRO:...
//! # Ok(()) }
//! ```

pub mod blocking;
mod client;
mod filters;
pub mod lease;
mod locate;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub use client::{NameServer, Registration};
pub use filters::{ListFilter, MetaFilter, RegisterOptions, Remove};
pub use locate::{FAILOVER_TIMEOUT, locate_ns, locate_ns_with, locate_ns_with_settings};
pub use pyroxene_wire::uri::TagSet;

use crate::client::ProxySettings;
use crate::error::{Error, ErrorKind, Result};
use crate::wire::uri::UriProtocol;
use crate::{Config, Uri};

/// The object id (and registered name) of a name server: `Pyro.NameServer`.
pub const NAMESERVER_NAME: &str = "Pyro.NameServer";

/// The `PYRO:` URI a `PYRONAME:`/`PYROMETA:` URI stands for now, with the settings of the
/// `PYRO_*` environment ([`Config::from_env`]); a `PYRO:` URI is returned as it is. See
/// [`resolve_with`], which reads no environment.
///
/// # Errors
/// As [`resolve_with`]; [`ErrorKind::Config`] for a refused `PYRO_*` variable.
pub async fn resolve(uri: &Uri) -> Result<Uri> {
    resolve_with(uri, &Config::from_env()?).await
}

/// As Pyro5's `core.resolve`: `PYRONAME:name[@ns]` is looked up in the name server at the
/// URI's location (else located, see [`locate_ns_with`]); `PYROMETA:tags[@ns]` takes a
/// random one of the registrations having all the tags. A missing name is retried until
/// NS_LOOKUP_DELAY has passed (0: asked once).
///
/// A URI without a location, with [`Config::ns_hosts`] (`PYROXENE_NS_HOSTS`) set, is resolved
/// through the first of those name servers that answers: one that can't be reached (within
/// [`FAILOVER_TIMEOUT`]) or whose connection fails during the lookup is skipped; a
/// name server's answer (the name, or its NamingError) is final.
///
/// # Errors
/// The name server's NamingError ("unknown name: x"); [`ErrorKind::Naming`] when no
/// registration has the tags or no name server is found.
pub async fn resolve_with(uri: &Uri, config: &Config) -> Result<Uri> {
    resolve_with_settings(uri, &ProxySettings::from_config(config)).await
}

/// [`resolve_with`] through a name server proxy of these settings (found with
/// `settings.naming`): Pyro4's `_resolve(uri, hmac_key)`, a proxy resolves through the name
/// server with its own protocol and key.
///
/// # Errors
/// As [`resolve_with`].
pub async fn resolve_with_settings(uri: &Uri, settings: &ProxySettings) -> Result<Uri> {
    let protocol = uri.protocol();
    if protocol == UriProtocol::Pyro {
        return Ok(uri.clone());
    }
    tracing::debug!("resolving {uri}");
    let hosts = &settings.naming.ns_hosts;
    if uri.host().is_none_or(str::is_empty) && !hosts.is_empty() {
        let mut last = None;
        for entry in hosts.chunks(1) {
            let ns = match locate::first_answering(settings, entry, uri.port()).await {
                Ok(ns) => ns,
                Err(e) if e.kind() == ErrorKind::Config => return Err(e),
                Err(unreachable) => {
                    last = Some(unreachable);
                    continue;
                }
            };
            match resolve_in(&ns, uri, settings).await {
                Err(e) if e.is_communication() => last = Some(e),
                other => return other,
            }
        }
        let error = Error::new(ErrorKind::Naming, "Failed to locate the nameserver");
        return Err(match last {
            Some(cause) => error.with_source(cause),
            None => error,
        });
    }
    let ns = locate_ns_with_settings(settings, uri.host(), uri.port()).await?;
    resolve_in(&ns, uri, settings).await
}

/// Resolves `uri` (`PYRONAME:`/`PYROMETA:`) in the name server `ns`.
async fn resolve_in(ns: &NameServer, uri: &Uri, settings: &ProxySettings) -> Result<Uri> {
    let protocol = uri.protocol();
    let delay = settings.naming.ns_lookup_delay;
    let start = Instant::now();
    // Sleeps at least 0.2 s, so this runs at most delay / 0.2 + 1 times.
    let pause = (delay / 5).max(Duration::from_millis(200));
    if protocol == UriProtocol::PyroName {
        while start.elapsed() < delay {
            match ns.lookup(uri.object()).await {
                Err(e) if e.is_naming_error() || e.is_timeout() => {}
                other => return other,
            }
            tokio::time::sleep(pause).await;
        }
        return ns.lookup(uri.object()).await;
    }
    let tags: Vec<&str> = uri
        .tags()
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let filter = MetaFilter::all(tags.iter().copied());
    while start.elapsed() < delay {
        match ns.yplookup_uris(&filter).await {
            Ok(found) if !found.is_empty() => return pick(found, &tags),
            Ok(_) => {}
            Err(e) if e.is_naming_error() || e.is_timeout() => {}
            Err(e) => return Err(e),
        }
        tokio::time::sleep(pause).await;
    }
    pick(ns.yplookup_uris(&filter).await?, &tags)
}

/// A random one of the candidates, as Pyro's `random.choice` (uuid's generator is the
/// randomness the crate already has).
fn pick(found: BTreeMap<String, Uri>, tags: &[&str]) -> Result<Uri> {
    let n = u128::try_from(found.len()).unwrap_or(1).max(1);
    let r = usize::try_from(uuid::Uuid::new_v4().as_u128() % n).unwrap_or(0);
    found.into_values().nth(r).ok_or_else(|| {
        Error::new(
            ErrorKind::Naming,
            format!(
                "no registrations available with desired metadata properties {}",
                tag_repr(tags)
            ),
        )
    })
}

/// Python's repr of a set of strings (`{'a', 'b'}`), as its error messages show tags.
pub(crate) fn tag_repr<S: AsRef<str>>(tags: &[S]) -> String {
    let set: crate::Set = tags
        .iter()
        .map(|t| crate::Value::from(t.as_ref()))
        .collect();
    crate::Value::Set(Box::new(set)).to_string()
}
