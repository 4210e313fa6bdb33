//! `PYROXENE_NS_HOSTS`: several name servers for clients to try in order (pyroxene's own
//! setting: a comma list in `PYRO_NS_HOST` would break Python Pyro, which takes it as one host
//! name).
//!
//! Entries are `host`, `host:port`, `[ipv6]:port`, a bare IPv6 address or `./u:<socket path>`;
//! a missing port is NS_PORT (or the port given to `locate_ns`). See
//! [`locate_ns_with`](crate::naming::locate_ns_with) and
//! [`resolve_with`](crate::naming::resolve_with) for how they are tried.

/// pyroxene's environment variable for [`crate::Config::ns_hosts`].
pub const NS_HOSTS_ENV: &str = "PYROXENE_NS_HOSTS";

/// The entries of a `PYROXENE_NS_HOSTS` value: split at commas, blanks trimmed, empty entries
/// dropped.
///
/// ```
/// use pyroxene::config::parse_ns_hosts;
/// assert_eq!(parse_ns_hosts(" ns1:9090, ns2 ,,[::1]:9091"), ["ns1:9090", "ns2", "[::1]:9091"]);
/// assert!(parse_ns_hosts(" ").is_empty());
/// ```
pub fn parse_ns_hosts(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .collect()
}
