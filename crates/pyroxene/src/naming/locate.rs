//! Finding a name server the way Pyro5's `core.locate_ns` does: localhost first, then a UDP
//! broadcast, then NS_HOST; or straight to a given host or unix socket.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;

use super::{NAMESERVER_NAME, NameServer};
use crate::client::ProxySettings;
use crate::config::IpVersion;
use crate::error::{Error, ErrorKind, Result};
use crate::{Config, Proxy, Uri};

/// What a broadcast asks; a name server's responder answers nothing else.
const REQUEST: &[u8] = b"GET_NSURI";
/// Pyro5's wait for a reply in one broadcast round.
const ROUND_TIMEOUT: Duration = Duration::from_millis(700);
/// Pyro5's number of broadcast rounds.
const ROUNDS: usize = 3;

/// Finds a name server with the settings of the `PYRO_*` environment ([`Config::from_env`]),
/// as Python's `locate_ns(host, port)` does with `Pyro5.config`.
///
/// See [`locate_ns_with`] for the search order; [`locate_ns_with`] reads no environment.
///
/// # Errors
/// As [`locate_ns_with`]; [`ErrorKind::Config`] for a refused `PYRO_*` variable (the
/// [`ConfigError`](crate::config::ConfigError) as source).
pub async fn locate_ns(host: Option<&str>, port: Option<u16>) -> Result<NameServer> {
    locate_ns_with(&Config::from_env()?, host, port).await
}

/// Finds a name server as Pyro5's `locate_ns(host, port)` does, with the settings of `config`.
///
/// With a `host` (an empty one counts as none): a proxy for `Pyro.NameServer` at `host` and
/// `port` (else NS_PORT), or at the unix socket of a `./u:<path>` host, connected now.
///
/// Without: (1) when NS_HOST is `localhost`, `::1` or `127.*`, a connection to NS_HOST (and to
/// `127.0.1.1` when `/etc/hosts` names it, as Pyro tries it when it resolves) at `port` or
/// NS_PORT; (2) unless PREFER_IP_VERSION is 6, three rounds of a `GET_NSURI` datagram to each
/// BROADCAST_ADDRS entry at `port` (here the *broadcast* port) or NS_BCPORT, waiting 0.7 s for
/// the first reply, whose URI is returned unconnected, as Pyro does; (3) NS_HOST at NS_PORT.
///
/// The proxy takes the proxy settings of `config` ([`ProxySettings::from_config`]).
/// With a [`Connector`](crate::client::Connector) in the settings
/// ([`locate_ns_with_settings`]) there is no broadcast: it can't travel the connector's route.
///
/// # Errors
/// [`ErrorKind::Naming`] "Failed to locate the nameserver" (the cause as source) when the
/// final connection fails; an invalid URI or broadcast reply, or a send error other than
/// "address not available/in use", as themselves (Pyro lets those through too).
pub async fn locate_ns_with(
    config: &Config,
    host: Option<&str>,
    port: Option<u16>,
) -> Result<NameServer> {
    locate_ns_with_settings(&ProxySettings::from_config(config), host, port).await
}

/// [`locate_ns_with`] for a name server proxy of these settings: the search uses
/// `settings.naming`, the proxy found talks with `settings` (how `pyroxene nsc` finds a Pyro4
/// name server with an HMAC key: Pyro4's `locateNS(hmac_key=...)`).
///
/// # Errors
/// As [`locate_ns_with`].
pub async fn locate_ns_with_settings(
    settings: &ProxySettings,
    host: Option<&str>,
    port: Option<u16>,
) -> Result<NameServer> {
    let config = &*settings.naming;
    let port = port.filter(|&p| p != 0);
    let (host, port) = match host.filter(|h| !h.is_empty()) {
        Some(host) => (host.to_owned(), port),
        None => {
            if let Some(ns) = try_localhost(settings, port).await {
                return Ok(ns);
            }
            // A broadcast can't travel a connector's route (an ssh tunnel): NS_HOST it is.
            if config.prefer_ip_version != IpVersion::V6 && settings.connector.is_none() {
                let bcport = port.unwrap_or(config.ns_bcport);
                if let Some(uri) = broadcast(config, bcport).await? {
                    return Ok(NameServer::new(Proxy::with_settings(uri, settings.clone())));
                }
                tracing::debug!("broadcast locate failed, try direct connection on NS_HOST");
            }
            (config.ns_host.clone(), None)
        }
    };
    let port = port.unwrap_or(config.ns_port);
    let text = ns_uri_text(&host, port);
    let uri = Uri::parse(&text).map_err(|e| {
        Error::new(
            ErrorKind::Config,
            format!("invalid name server URI '{text}'"),
        )
        .with_source(e)
    })?;
    let proxy = Proxy::with_settings(uri, settings.clone());
    match proxy.connect().await {
        Ok(_) => Ok(NameServer::new(proxy)),
        Err(e) => {
            Err(Error::new(ErrorKind::Naming, "Failed to locate the nameserver").with_source(e))
        }
    }
}

/// `PYRO:Pyro.NameServer@<location>`, with Python's rules for unix sockets and IPv6 hosts.
fn ns_uri_text(host: &str, port: u16) -> String {
    if host.starts_with("./u:") {
        format!("PYRO:{NAMESERVER_NAME}@{host}")
    } else if host.contains(':') {
        format!("PYRO:{NAMESERVER_NAME}@[{host}]:{port}")
    } else {
        format!("PYRO:{NAMESERVER_NAME}@{host}:{port}")
    }
}

/// Step 1: a name server on this machine, when NS_HOST says to look here.
async fn try_localhost(settings: &ProxySettings, port: Option<u16>) -> Option<NameServer> {
    let config = &*settings.naming;
    let ns_host = config.ns_host.as_str();
    if !(ns_host == "localhost" || ns_host == "::1" || ns_host.starts_with("127.")) {
        return None;
    }
    let mut hosts = vec![ns_host.to_owned()];
    // Some systems map the host name to 127.0.1.1; Pyro tries it when a reverse lookup of it
    // succeeds, which for such systems means an /etc/hosts line.
    if !ns_host.contains(':') && ns_host != "127.0.1.1" && hosts_file_names_127_0_1_1() {
        hosts.push("127.0.1.1".to_owned());
    }
    let port = port.unwrap_or(config.ns_port);
    for host in hosts {
        let Ok(uri) = Uri::parse(&ns_uri_text(&host, port)) else {
            continue;
        };
        tracing::debug!("locating the NS: {uri}");
        let proxy = Proxy::with_settings(uri, settings.clone());
        if proxy.connect().await.is_ok() {
            tracing::debug!("located NS");
            return Some(NameServer::new(proxy));
        }
    }
    None
}

fn hosts_file_names_127_0_1_1() -> bool {
    std::fs::read_to_string("/etc/hosts").is_ok_and(|text| {
        text.lines()
            .any(|l| l.split_whitespace().next() == Some("127.0.1.1"))
    })
}

/// Step 2: the name server URI from the first broadcast reply, if any arrives.
async fn broadcast(config: &Config, port: u16) -> Result<Option<Uri>> {
    let comm = |what: &str| {
        let what = what.to_owned();
        move |e: std::io::Error| Error::new(ErrorKind::Communication, what).with_source(e)
    };
    let sock = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .await
        .map_err(comm(
            "cannot open a UDP socket for the name server broadcast",
        ))?;
    sock.set_broadcast(true).map_err(comm(
        "cannot open a UDP socket for the name server broadcast",
    ))?;
    let mut targets = Vec::new();
    for addr in &config.broadcast_addrs {
        match broadcast_target(addr, port).await {
            Some(target) => targets.push(target),
            None => tracing::debug!("cannot resolve broadcast address {addr:?}"),
        }
    }
    let mut buf = [0u8; 100];
    for _ in 0..ROUNDS {
        for target in &targets {
            if let Err(e) = sock.send_to(REQUEST, target).await {
                // The two errors Pyro ignores (an address the platform can't send to).
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::AddrNotAvailable | std::io::ErrorKind::AddrInUse
                ) {
                    let what = format!("cannot send the name server broadcast to {target}");
                    return Err(comm(&what)(e));
                }
            }
        }
        if let Ok(received) = tokio::time::timeout(ROUND_TIMEOUT, sock.recv_from(&mut buf)).await {
            let (n, _) = received.map_err(comm("cannot read the name server broadcast reply"))?;
            // ISO-8859-1: every byte is the code point of the same value.
            let text: String = buf[..n].iter().map(|&b| char::from(b)).collect();
            tracing::debug!("located NS: {text}");
            let uri = Uri::parse(&text).map_err(|e| {
                let message = format!("invalid name server URI '{text}' in a broadcast reply");
                Error::new(ErrorKind::Protocol, message).with_source(e)
            })?;
            return Ok(Some(uri));
        }
    }
    Ok(None)
}

/// Where a BROADCAST_ADDRS entry points: `<broadcast>` and `""` are Python's names for
/// 255.255.255.255 and 0.0.0.0; anything else is an IPv4 address or a host name.
async fn broadcast_target(addr: &str, port: u16) -> Option<SocketAddr> {
    let ip = match addr {
        "<broadcast>" => Some(Ipv4Addr::BROADCAST),
        "" => Some(Ipv4Addr::UNSPECIFIED),
        other => other.parse().ok(),
    };
    if let Some(ip) = ip {
        return Some(SocketAddr::from((ip, port)));
    }
    tokio::net::lookup_host((addr, port))
        .await
        .ok()?
        .find(SocketAddr::is_ipv4)
}
