//! The forward path against a real sshd: a Python Pyro5 name server and worker on the
//! "remote" side, reached only through the tunnel's local forwards.

mod support;

use std::net::TcpListener;

use pyroxene::Proxy;
use pyroxene::naming::{ListFilter, MetaFilter, RegisterOptions};
use pyroxene_tunnel::Location;

/// NS behind ssh -> lookup -> call, with the remote name server on a port that is BUSY
/// locally (a listener of the test holds 127.0.0.1:P while the name server has [::1]:P), so
/// the tunnel must forward another local port to it, and a client that tried P directly
/// would reach the busy listener, which must see no connection. Every location is IPv6
/// ([::1]) on the remote side; the child object lives in a second daemon on another port
/// and comes back as an autoproxy, which the proxy must route through a new forward.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_server_behind_ssh_lookup_call_and_autoproxy() {
    let Some((sshd, python)) = support::peers() else {
        return;
    };
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    busy.set_nonblocking(true).unwrap();
    let ns_port = busy.local_addr().unwrap().port();
    let _ns = support::python_ns(&python, "::1", ns_port);
    let _worker = support::python_worker(&python, "::1", ns_port, "::1");

    let tunnel = support::tunnel(&sshd, "::1", ns_port).await;
    let ns = tunnel.locate_ns().await.unwrap();
    let uri = ns.lookup("lab.worker").await.unwrap();
    assert!(
        uri.to_string().starts_with("PYRO:lab.worker@[::1]:"),
        "{uri}"
    );

    // by name (PYRONAME: resolved through the forwarded name server)
    let worker = tunnel.proxy("lab.worker").unwrap();
    assert_eq!(worker.call_as::<i64>("square", (7,)).await.unwrap(), 49);
    // by the URI the lookup returned
    let direct = tunnel.proxy_for(uri.clone());
    assert_eq!(direct.call_as::<i64>("square", (8,)).await.unwrap(), 64);

    // an autoproxy from another daemon (another port) arriving in a reply
    let child: Proxy = worker.call_as("make_child", ("a",)).await.unwrap();
    let child_location = Location::new(child.uri().host().unwrap(), child.uri().port().unwrap());
    assert_eq!(
        child.call_as::<String>("name", ()).await.unwrap(),
        "child a"
    );
    // the same through Proxy::read_reply of a raw reply
    let raw = worker
        .call("make_child", pyroxene::tuple!["b"], None)
        .await
        .unwrap();
    let second: Proxy = worker.read_reply(raw).unwrap();
    assert_eq!(
        second.call_as::<String>("name", ()).await.unwrap(),
        "child b"
    );

    // metadata: a registration found by its tags, and PYROMETA: through the tunnel
    ns.register_with(
        "lab.tagged",
        &uri,
        RegisterOptions::new().metadata(["class:worker"]),
    )
    .await
    .unwrap();
    let found = ns
        .yplookup_uris(&MetaFilter::all(["class:worker"]))
        .await
        .unwrap();
    let tagged = tunnel.proxy_for(found["lab.tagged"].clone());
    assert_eq!(tagged.call_as::<i64>("square", (3,)).await.unwrap(), 9);
    let meta = tunnel.proxy("PYROMETA:class:worker").unwrap();
    assert_eq!(meta.call_as::<i64>("square", (4,)).await.unwrap(), 16);
    let listed = ns.list(ListFilter::Prefix("lab.")).await.unwrap();
    assert_eq!(listed.len(), 2);

    // what went where: the name server on a local port that is not its own number
    let forwards = tunnel.forwards().await;
    let ns_forward = forwards
        .iter()
        .find(|f| f.remote == Location::new("::1", ns_port))
        .expect("the name server is forwarded");
    assert_ne!(ns_forward.local.port(), ns_port);
    assert!(ns_forward.local.ip().is_loopback());
    assert!(
        forwards
            .iter()
            .any(|f| f.remote == Location::new(uri.host().unwrap(), uri.port().unwrap())),
        "the worker's daemon is forwarded: {forwards:?}"
    );
    assert!(
        forwards.iter().any(|f| f.remote == child_location),
        "the child's daemon is forwarded: {forwards:?}"
    );
    // nobody came to the local port of the remote name server's number
    assert_eq!(
        busy.accept().map(drop).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
    tunnel.close().await;
}

/// A forward cancelled and made again; the tunnel's master shows up and goes away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwards_are_added_and_cancelled_on_one_master() {
    let Some(mut sshd) = pyroxene_testkit::ssh::SshServer::start() else {
        return;
    };
    let tunnel = support::tunnel(&sshd, "localhost", 9090).await;
    let pid = tunnel.master_pid().await.expect("a master runs");
    // the sshd itself, forwarded through its own connection
    let local = tunnel.forward("127.0.0.1", sshd.port()).await.unwrap();
    assert_eq!(
        tunnel.forward("127.0.0.1", sshd.port()).await.unwrap(),
        local
    );
    let mut banner = String::new();
    {
        use std::io::Read;
        let mut conn = std::net::TcpStream::connect(local).unwrap();
        let mut buf = [0u8; 64];
        let n = conn.read(&mut buf).unwrap();
        banner.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(banner.starts_with("SSH-2.0-"), "{banner}");
    tunnel.cancel("127.0.0.1", sshd.port()).await.unwrap();
    assert!(tunnel.forwards().await.is_empty());
    assert!(std::net::TcpStream::connect(local).is_err());
    assert_eq!(
        tunnel.master_pid().await,
        Some(pid),
        "one master throughout"
    );
    drop(tunnel);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
            || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.contains(") Z ")),
        "the master ended with the tunnel"
    );
    sshd.kill();
}
