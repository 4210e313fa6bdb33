//! Python Pyro5 5.17 and Pyro4 4.82 programs use our name server over the network (its daemon
//! serves protocols 502 and 48 on one port) as they use Python's. What both generations do is
//! one table over them, a row per generation: their `nsc` tool and a client script
//! (ping, register, lookup, list, remove), a Python server and client meeting through it with
//! `PYRONAME:`/`PYROMETA:` URIs, and `locate_ns()`/`locateNS()` finding it by broadcast
//! (`interop/ns_pyroname.py` runs each of these in either generation). Generation-specific:
//! Pyro4 and Pyro5 programs sharing one name server, and Pyro4's HMAC key (Pyro5 has none).
//!
//! The API transcript, compared with Python's name server in process and over the network, is
//! `interop.rs`.
//!
//! Everything binds 127.0.0.1; the broadcast responder binds 127.0.0.1 only; every Python
//! process gets `PYRO_BROADCAST_ADDRS=127.0.0.1` (testkit) and is killed by pid on drop.

use std::path::Path;
use std::sync::Arc;

use pyroxene::Config;
use pyroxene_ns::{NameServer, NameServerDaemon, NsOptions};
use pyroxene_testkit::{PythonProcess, python};
use tokio::task::JoinHandle;

/// A protocol generation: the row of each table.
#[derive(Clone, Copy)]
struct Gen {
    pyro: &'static str,
    /// `interop/ns_pyroname.py`'s arguments that pick the generation.
    pyroname: &'static [&'static str],
    /// The generation's name server control tool, as `python -m`.
    nsc: &'static str,
    /// The name `nsc` registers (the generation's own, so its lines can't be the other's).
    nsc_name: &'static str,
    /// How `nsc list` prints our name server's own metadata to this generation: Pyro4 callers
    /// see Pyro4's class tag (as a list), Pyro5 callers Pyro5's (as a set).
    nsc_self_metadata: &'static str,
    /// A client script checking ping, register, lookup, list and remove (printing "done");
    /// the name server's port is appended.
    api_client: &'static [&'static str],
}

const V5: Gen = Gen {
    pyro: "Pyro5",
    pyroname: &[],
    nsc: "Pyro5.nsc",
    nsc_name: "py5.nsc.x",
    nsc_self_metadata: "metadata: {'class:Pyro5.nameserver.NameServer'}",
    api_client: &["interop/ns_pyroname.py", "ns"],
};

const V4: Gen = Gen {
    pyro: "Pyro4",
    pyroname: &["--pyro4"],
    nsc: "Pyro4.nsc",
    nsc_name: "py4.nsc.x",
    nsc_self_metadata: "metadata: ['class:Pyro4.naming.NameServer']",
    // The script the HMAC test runs with a key, here without one.
    api_client: &["interop/pyro4_client.py", "ns", "127.0.0.1"],
};

const GENS: [Gen; 2] = [V5, V4];

impl std::fmt::Debug for Gen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.pyro)
    }
}

/// Our name server, served in the background until [`Ours::stop`].
struct Ours {
    daemon: pyroxene::Daemon,
    nameserver: Arc<NameServer>,
    uri: String,
    port: String,
    /// The broadcast responder's UDP port and the location it reports, when it runs.
    broadcast: Option<(String, String)>,
    server: JoinHandle<pyroxene::Result<()>>,
}

impl Ours {
    /// On 127.0.0.1 (free port), with the broadcast responder on 127.0.0.1 (free port) when
    /// `broadcast`, and Pyro4's HMAC `key`.
    async fn start(broadcast: bool, key: Option<&[u8]>) -> Ours {
        let mut options = NsOptions::from_config(&Config::default());
        options.host = "127.0.0.1".into();
        options.port = 0;
        options.broadcast = broadcast;
        options.bchost = Some("127.0.0.1".into());
        options.broadcast_on_loopback = true;
        options.bcport = 0;
        options.hmac_key = key.map(<[u8]>::to_vec);
        let ns = NameServerDaemon::start(options).await.expect("start ns");
        let port = ns.daemon.local_addr().expect("tcp").port().to_string();
        let broadcast = ns.broadcast.as_ref().map(|b| {
            let port = b.local_addr().expect("udp").port().to_string();
            (port, b.location().to_owned())
        });
        Ours {
            daemon: ns.daemon.clone(),
            nameserver: ns.nameserver.clone(),
            uri: ns.uri.to_string(),
            port,
            broadcast,
            server: tokio::spawn(async move { ns.serve().await }),
        }
    }

    /// Shuts it down; it must have served without error.
    async fn stop(self) {
        self.daemon.shutdown();
        self.server.await.expect("join").expect("serve");
    }
}

/// Runs `python -u args` to the end; success and stdout. The runtime's other worker goes on
/// serving our name server meanwhile (`block_in_place`: these tests run multi-threaded).
async fn run(py: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let (status, out) = tokio::task::block_in_place(|| PythonProcess::run(py, args, env))
        .expect("python runs to its end");
    (status.success(), out)
}

/// `interop/ns_pyroname.py` in `g`'s generation with `args`.
fn pyroname<'a>(g: Gen, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["interop/ns_pyroname.py"];
    all.extend_from_slice(g.pyroname);
    all.extend_from_slice(args);
    all
}

/// Each generation's `python -m PyroN.nsc` pings, registers, looks up, lists and removes in
/// our name server, and its client script's checks pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nsc_and_api_client() {
    let Some(py) = python() else { return };
    for g in GENS {
        let ours = Ours::start(false, None).await;
        let name = g.nsc_name;
        let nsc = |cmd: &[&str]| {
            let mut args = vec!["-m", g.nsc, "-n", "127.0.0.1", "-p", &ours.port];
            args.extend_from_slice(cmd);
            let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
            let py = py.clone();
            async move {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                run(&py, &args, &[]).await
            }
        };
        let (ok, out) = nsc(&["ping"]).await;
        assert!(ok && out.contains("Name server ping ok."), "{g:?}: {out}");
        let (ok, out) = nsc(&["register", name, "PYRO:x@127.0.0.1:5555"]).await;
        assert!(
            ok && out.contains(&format!("Registered {name}")),
            "{g:?}: {out}"
        );
        let (ok, out) = nsc(&["lookup", name]).await;
        assert!(ok && out.contains("PYRO:x@127.0.0.1:5555"), "{g:?}: {out}");
        let (ok, out) = nsc(&["list"]).await;
        assert!(
            ok && out.contains(&format!("{name} --> PYRO:x@127.0.0.1:5555"))
                && out.contains(g.nsc_self_metadata),
            "{g:?}: {out}"
        );
        let (ok, out) = nsc(&["remove", name]).await;
        assert!(
            ok && out.contains(&format!("Removed {name}")),
            "{g:?}: {out}"
        );
        let mut args = g.api_client.to_vec();
        args.push(&ours.port);
        let (ok, out) = run(&py, &args, &[]).await;
        assert!(ok && out.lines().any(|l| l == "done"), "{g:?}: {out}");
        ours.stop().await;
    }
}

/// A Python server of each generation registers itself in our name server; a Python client
/// of the same generation finds it with `PYRONAME:` and `PYROMETA:` URIs and calls it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_server_and_client_meet_through_our_name_server() {
    let Some(py) = python() else { return };
    for g in GENS {
        let ours = Ours::start(false, None).await;
        let port = ours.port.clone();
        let registry_ns = ours.nameserver.clone();
        let py = py.clone();
        tokio::task::spawn_blocking(move || {
            let mut python_server = PythonProcess::spawn(&py, &pyroname(g, &["serve", &port]), &[])
                .unwrap_or_else(|e| panic!("{g:?}: start python server: {e}"));
            let uri = python_server
                .wait_for_line("registered ")
                .unwrap_or_else(|e| panic!("{g:?}: python server registered: {e}"));
            // The registration is in our table as the Python daemon sent it.
            let found = registry_ns
                .registry()
                .lookup("test.ns.adder")
                .unwrap_or_else(|e| panic!("{g:?}: lookup: {e}"));
            assert_eq!(found.uri, uri, "{g:?}");
            assert!(found.metadata.contains("adder"), "{g:?}: {found:?}");
            let (status, out) = PythonProcess::spawn(&py, &pyroname(g, &["call", &port]), &[])
                .and_then(PythonProcess::finish)
                .unwrap_or_else(|e| panic!("{g:?}: python client: {e}"));
            assert!(status.success(), "{g:?}: client failed ({status}): {out}");
            assert_eq!(
                out.lines().collect::<Vec<_>>(),
                ["PYRONAME add 5", "PYROMETA add 7", "locate_ns count 2"],
                "{g:?}"
            );
        })
        .await
        .expect("python runs");
        ours.stop().await;
    }
}

/// Each generation's `locate_ns()`/`locateNS()` without a host finds our name server by
/// broadcast (sent to 127.0.0.1 only) when nothing listens where NS_HOST/NS_PORT point (both
/// try there first).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_locate_ns_finds_us_by_broadcast() {
    let Some(py) = python() else { return };
    let ours = Ours::start(true, None).await;
    let (bcport, location) = ours.broadcast.clone().expect("broadcast server");
    assert_eq!(location, format!("127.0.0.1:{bcport}"));
    // A port with no listener (bound, then released) for the direct attempt to fail on.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
        .to_string();
    let env = [
        ("PYRO_NS_HOST", "127.0.0.1"),
        ("PYRO_NS_PORT", dead_port.as_str()),
        ("PYRO_NS_BCPORT", bcport.as_str()),
    ];
    for g in GENS {
        let (ok, out) = run(&py, &pyroname(g, &["locate"]), &env).await;
        assert!(ok, "{g:?}: locate failed: {out}");
        assert_eq!(out.trim(), format!("located {} count 1", ours.uri), "{g:?}");
    }
    ours.stop().await;
}

/// A Pyro4 echo server and a Pyro5 echo server register in one name server; each protocol's
/// client finds the other's registration, and a Pyro4 `PYRONAME:` proxy reaches the Pyro4
/// server through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_and_pyro5_share_one_name_server() {
    let Some(py) = python() else { return };
    let ours = Ours::start(true, None).await;
    let port = &ours.port;
    let (bcport, _) = ours.broadcast.clone().expect("broadcast responder");
    let ns_env = [
        ("PYRO_NS_HOST", "127.0.0.1"),
        ("PYRO_NS_PORT", port.as_str()),
        ("PYRO_NS_BCPORT", bcport.as_str()),
    ];
    let mut echo4 = PythonProcess::spawn(
        &py,
        &["-m", "Pyro4.test.echoserver", "-H", "127.0.0.1", "-n"],
        &ns_env,
    )
    .expect("start Pyro4 echo server");
    let uri4 = echo4.wait_for_line("echo uri:").expect("pyro4 echo uri");
    // The Pyro5 client finds what the Pyro4 server registered, then the Pyro5 server takes
    // another name and the Pyro4 client finds it. Its `locateNS()` (NS_HOST left at localhost)
    // reaches NS_PORT before it would broadcast: discovery by broadcast is the table above.
    let script5 = format!(
        "import Pyro5.api\n\
         ns = Pyro5.api.locate_ns('127.0.0.1', {port})\n\
         print('found4', ns.lookup('test.echoserver'))\n\
         d = Pyro5.api.Daemon(host='127.0.0.1')\n\
         class E:\n    pass\n\
         uri = d.register(Pyro5.api.expose(E), 'py5.object')\n\
         ns.register('py5.object', uri)\n\
         print('registered5', uri)\n"
    );
    let (ok, out) = run(&py, &["-c", &script5], &[]).await;
    assert!(ok && out.contains(&format!("found4 {uri4}")), "{out}");
    let uri5 = out
        .lines()
        .find_map(|l| l.strip_prefix("registered5 "))
        .expect("pyro5 registration")
        .to_owned();
    let script4 = "import Pyro4\n\
         ns = Pyro4.locateNS()\n\
         print('found5', ns.lookup('py5.object'))\n\
         print('echo', Pyro4.Proxy('PYRONAME:test.echoserver').echo('via ns'))\n";
    let (ok, out) = run(&py, &["-c", script4], &ns_env[1..]).await;
    assert!(
        ok && out.contains(&format!("found5 {uri5}")) && out.contains("echo via ns"),
        "{out}"
    );
    drop(echo4);
    ours.stop().await;
}

/// `pyroxene ns -k`: Pyro4 clients with the key use it; without it they're refused. (Pyro5 has
/// no HMAC key.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_name_server() {
    let Some(py) = python() else { return };
    let ours = Ours::start(false, Some(b"nskey")).await;
    let port = ours.port.as_str();
    let args = ["interop/pyro4_client.py", "ns", "127.0.0.1", port, "nskey"];
    let (ok, out) = run(&py, &args, &[]).await;
    assert!(ok && out.lines().any(|l| l == "done"), "{out}");
    let args = ["-m", "Pyro4.nsc", "-n", "127.0.0.1", "-p", port, "ping"];
    let (ok, out) = run(&py, &args, &[]).await;
    assert!(!ok || !out.contains("ping ok"), "{out}");
    ours.stop().await;
}
