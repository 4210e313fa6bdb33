//! Several name servers for one client: `PYROXENE_NS_HOSTS` tried in order by `locate_ns` and
//! by `PYRONAME:` resolution (a dead entry skipped, a name server shut down failed over), and
//! several name servers answering on one shared broadcast port.

use std::net::UdpSocket;
use std::sync::Arc;
use std::time::Duration;

use pyroxene::naming::{RegisterOptions, locate_ns_with, resolve_with};
use pyroxene::{Config, Uri};
use pyroxene_ns::broadcast::REQUEST;
use pyroxene_ns::{NameServerDaemon, NsOptions};

/// Our name server on 127.0.0.1 (a free port), with a broadcast responder on `bcport` when
/// given; served in the background until its daemon is shut down.
async fn start_ns(bcport: Option<u16>) -> Arc<NameServerDaemon> {
    let mut options = NsOptions::from_config(&Config::default());
    options.host = "127.0.0.1".into();
    options.port = 0;
    match bcport {
        Some(port) => {
            options.bchost = Some("127.0.0.1".into());
            options.bcport = port;
            options.broadcast_on_loopback = true;
        }
        None => options.broadcast = false,
    }
    let ns = Arc::new(NameServerDaemon::start(options).await.expect("start ns"));
    let serving = ns.clone();
    tokio::spawn(async move { serving.serve().await });
    ns
}

fn location(ns: &NameServerDaemon) -> String {
    format!("127.0.0.1:{}", ns.daemon.local_addr().expect("tcp").port())
}

/// A `PYROXENE_NS_HOSTS` entry nothing answers on: a unix socket path that doesn't exist
/// (unlike a released TCP port, no parallel test can take it).
fn dead_entry() -> String {
    format!(
        "./u:{}",
        std::env::temp_dir()
            .join(format!(
                "pyroxene-failover-{}-none.sock",
                std::process::id()
            ))
            .display()
    )
}

#[test]
fn the_setting_is_a_comma_list() {
    let config =
        Config::from_vars([("PYROXENE_NS_HOSTS", " ns1:9090, ns2,,[::1]:9 ")]).expect("config");
    assert_eq!(config.ns_hosts, ["ns1:9090", "ns2", "[::1]:9"]);
    // Not a Pyro item: Python's PYRO_NS_HOST keeps its meaning.
    assert_eq!(config.ns_host, "localhost");
    assert!(Config::default().ns_hosts.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locate_and_pyroname_fail_over_in_order() {
    let first = start_ns(None).await;
    let second = start_ns(None).await;
    for (ns, uri) in [
        (&first, "PYRO:one@127.0.0.1:1"),
        (&second, "PYRO:two@127.0.0.1:2"),
    ] {
        ns.nameserver
            .registry()
            .register("svc", uri, RegisterOptions::new())
            .expect("register");
    }
    let mut config = Config::default();
    config.ns_hosts = vec![dead_entry(), location(&first), location(&second)];
    let pyroname = Uri::pyroname("svc", None);

    let found = locate_ns_with(&config, None, None).await.expect("locate");
    assert_eq!(found.proxy().uri().location(), Some(location(&first)));
    let resolved = resolve_with(&pyroname, &config).await.expect("resolve");
    assert_eq!(resolved.to_string(), "PYRO:one@127.0.0.1:1");

    // The first name server goes: the next one answers both.
    first.daemon.shutdown();
    let found = locate_ns_with(&config, None, None).await.expect("locate");
    assert_eq!(found.proxy().uri().location(), Some(location(&second)));
    let resolved = resolve_with(&pyroname, &config).await.expect("resolve");
    assert_eq!(resolved.to_string(), "PYRO:two@127.0.0.1:2");

    // A name server's answer is final: an unknown name is not looked up further.
    let missing = resolve_with(&Uri::pyroname("nope", None), &config)
        .await
        .expect_err("unknown");
    assert!(missing.is_naming_error(), "{missing}");

    // None left: Pyro's error, the last failure as its cause.
    second.daemon.shutdown();
    let err = locate_ns_with(&config, None, None)
        .await
        .err()
        .expect("none");
    assert_eq!(err.to_string(), "Failed to locate the nameserver");
    assert!(std::error::Error::source(&err).is_some());
    let err = resolve_with(&pyroname, &config).await.expect_err("none");
    assert_eq!(err.to_string(), "Failed to locate the nameserver");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_servers_share_one_broadcast_port_and_all_answer() {
    let bcport = UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("free udp port")
        .port();
    let first = start_ns(Some(bcport)).await;
    let second = start_ns(Some(bcport)).await;
    let uris = [
        first.internal_uri.to_string(),
        second.internal_uri.to_string(),
    ];
    // The system hands each datagram to one of the sockets on the port, by the sender's
    // address: asking from many source ports reaches both (each answers with its own URI).
    let ask = move |from: &UdpSocket| -> Option<String> {
        from.send_to(REQUEST, ("127.0.0.1", bcport)).ok()?;
        let mut buf = [0u8; 200];
        let (n, _) = from.recv_from(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    };
    let mut seen = std::collections::BTreeSet::new();
    let asked = tokio::task::spawn_blocking(move || {
        for _ in 0..64 {
            let socket = UdpSocket::bind("127.0.0.1:0").expect("client socket");
            socket
                .set_read_timeout(Some(Duration::from_secs(2)))
                .expect("timeout");
            if let Some(reply) = ask(&socket) {
                seen.insert(reply);
            }
            if seen.len() == 2 {
                break;
            }
        }
        seen
    })
    .await
    .expect("ask");
    assert_eq!(asked.into_iter().collect::<Vec<_>>(), {
        let mut sorted = uris.to_vec();
        sorted.sort();
        sorted
    });

    // One goes away: the port keeps answering, with the other's URI.
    first.daemon.shutdown();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while Arc::strong_count(&first) > 1 {
        assert!(std::time::Instant::now() < deadline, "serve never ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(first); // the last reference: its broadcast socket closes
    let remaining = uris[1].clone();
    tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut answered = 0;
        while answered < 8 {
            assert!(
                std::time::Instant::now() < deadline,
                "port stopped answering"
            );
            let socket = UdpSocket::bind("127.0.0.1:0").expect("client socket");
            socket
                .set_read_timeout(Some(Duration::from_millis(500)))
                .expect("timeout");
            // A datagram that reached the closed socket just before it closed goes unanswered.
            if let Some(reply) = ask(&socket) {
                assert_eq!(reply, remaining);
                answered += 1;
            }
        }
    })
    .await
    .expect("ask again");
    second.daemon.shutdown();
}
