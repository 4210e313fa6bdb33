//! The forward path: the remote name server and the proxies it hands out, reached through the
//! tunnel's address map.

use pyroxene::naming::{NameServer, locate_ns_with_settings};
use pyroxene::{Proxy, Uri};

use crate::Tunnel;

impl Tunnel {
    /// The remote name server ([`TunnelBuilder::name_server`](crate::TunnelBuilder::name_server)),
    /// reached through a local forward. Its lookups return URIs as the remote sees them;
    /// [`Tunnel::proxy`] makes proxies of them that connect through the tunnel.
    ///
    /// # Errors
    /// Pyro's "Failed to locate the nameserver" ([`pyroxene::ErrorKind::Naming`]), caused by
    /// the tunnel's error when the tunnel is the problem (see
    /// [`Error::find_in`](crate::Error::find_in)).
    pub async fn locate_ns(&self) -> pyroxene::Result<NameServer> {
        let ns = self.name_server_location();
        locate_ns_with_settings(&self.settings(), Some(&ns.host), Some(ns.port)).await
    }

    /// A proxy whose connections go through the tunnel, for a URI (`PYRO:`, `PYRONAME:`,
    /// `PYROMETA:`, as the remote side writes it) or a name registered in the remote name
    /// server (`"lab.worker"` means `PYRONAME:lab.worker`). Every location the proxy meets
    /// goes through the tunnel too: the name server it resolves names with, the daemon the
    /// name resolves to, and the proxies its replies carry (autoproxied objects), each on a
    /// local forward opened the first time it is needed; IPv6 locations included.
    ///
    /// # Errors
    /// [`pyroxene::ErrorKind::Config`] when `uri_or_name` looks like a URI but doesn't parse.
    pub fn proxy(&self, uri_or_name: &str) -> pyroxene::Result<Proxy> {
        let upper = uri_or_name.get(..4).map(str::to_ascii_uppercase);
        let uri = if upper.as_deref() == Some("PYRO") {
            Uri::parse(uri_or_name).map_err(|e| {
                pyroxene::Error::new(
                    pyroxene::ErrorKind::Config,
                    format!("invalid URI '{uri_or_name}'"),
                )
                .with_source(e)
            })?
        } else {
            Uri::pyroname(uri_or_name, None)
        };
        Ok(self.proxy_for(uri))
    }

    /// A proxy for `uri` (e.g. one a name server lookup returned) whose connections go
    /// through the tunnel.
    pub fn proxy_for(&self, uri: Uri) -> Proxy {
        Proxy::with_settings(uri, self.settings())
    }
}
