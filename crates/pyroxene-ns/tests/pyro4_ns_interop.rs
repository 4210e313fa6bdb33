//! Python Pyro4 4.82 and Pyro5 5.17 clients of one pyroxene name server over the network (the
//! daemon serves protocols 48 and 502 on one port): `python -m Pyro4.nsc`, the Pyro4 API
//! transcript compared with Python's Pyro4 name server (what `interop.rs`'s Pyro4 row checks in
//! process), names registered by a Pyro4 server found by a Pyro5 client and the other way
//! round, Pyro4 broadcast discovery, and the HMAC key.
//!
//! Everything binds 127.0.0.1; the broadcast responder binds 127.0.0.1 only; every Python
//! process gets `PYRO_BROADCAST_ADDRS=127.0.0.1` (testkit) and is killed by pid on drop.

use std::path::{Path, PathBuf};

use pyroxene::Config;
use pyroxene_ns::{NameServerDaemon, NsOptions};
use pyroxene_testkit::{PythonProcess, python};

/// Our name server on 127.0.0.1 (free port), with the broadcast responder on 127.0.0.1 when
/// `broadcast`; its daemon (to shut down), TCP port and UDP port.
async fn start_ns(broadcast: bool, key: Option<&[u8]>) -> (pyroxene::Daemon, u16, Option<u16>) {
    let mut options = NsOptions::from_config(&Config::default());
    options.host = "127.0.0.1".into();
    options.port = 0;
    options.broadcast = broadcast;
    options.bchost = Some("127.0.0.1".into());
    options.broadcast_on_loopback = true;
    options.bcport = 0;
    options.hmac_key = key.map(<[u8]>::to_vec);
    let ns = NameServerDaemon::start(options).await.expect("start ns");
    let port = ns.daemon.local_addr().expect("tcp").port();
    let bcport = ns
        .broadcast
        .as_ref()
        .map(|b| b.local_addr().expect("udp").port());
    let daemon = ns.daemon.clone();
    tokio::spawn(async move { ns.serve().await });
    (daemon, port, bcport)
}

/// Runs `python -u args` to the end off the runtime's threads; success and stdout.
async fn run(py: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let py: PathBuf = py.to_owned();
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, out) = PythonProcess::spawn(&py, &args, &env)
            .expect("start python")
            .finish()
            .expect("python output");
        (status.success(), out)
    })
    .await
    .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_nsc_and_api_client() {
    let Some(py) = python() else { return };
    let (daemon, port, _) = start_ns(false, None).await;
    let port_s = port.to_string();
    let nsc = |cmd: &'static [&'static str]| {
        let mut args = vec!["-m", "Pyro4.nsc", "-n", "127.0.0.1", "-p", &port_s];
        args.extend_from_slice(cmd);
        let py = py.clone();
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run(&py, &args, &[]).await
        }
    };
    let (ok, out) = nsc(&["ping"]).await;
    assert!(ok && out.contains("Name server ping ok."), "{out}");
    let (ok, out) = nsc(&["register", "py4.nsc.x", "PYRO:x@127.0.0.1:5555"]).await;
    assert!(ok && out.contains("Registered py4.nsc.x"), "{out}");
    let (ok, out) = nsc(&["lookup", "py4.nsc.x"]).await;
    assert!(ok && out.contains("PYRO:x@127.0.0.1:5555"), "{out}");
    let (ok, out) = nsc(&["list"]).await;
    assert!(
        ok && out.contains("py4.nsc.x --> PYRO:x@127.0.0.1:5555")
            && out.contains("metadata: ['class:Pyro4.naming.NameServer']"),
        "{out}"
    );
    let (ok, out) = nsc(&["remove", "py4.nsc.x"]).await;
    assert!(ok && out.contains("Removed py4.nsc.x"), "{out}");
    let (ok, out) = run(
        &py,
        &["interop/pyro4_client.py", "ns", "127.0.0.1", &port_s],
        &[],
    )
    .await;
    assert!(ok && out.lines().any(|l| l == "done"), "{out}");
    daemon.shutdown();
}

/// Every Pyro4 API call's transcript (`interop/ns4_api_client.py`) is the same from Python's
/// Pyro4 name server and from ours, over the network, in serpent, json and marshal (Pyro4's
/// default SERIALIZERS_ACCEPTED, which our daemon applies to Pyro4 clients).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_api_transcript_over_the_network() {
    let Some(py) = python() else { return };
    let mut python_ns = PythonProcess::spawn(
        &py,
        &["-m", "Pyro4.naming", "-n", "127.0.0.1", "-p", "0", "-x"],
        &[],
    )
    .expect("start python Pyro4 name server");
    let python_uri = python_ns
        .wait_for_line("URI = ")
        .expect("python NS uri line");
    let (daemon, port, _) = start_ns(false, None).await;
    let our_uri = format!("PYRO:Pyro.NameServer@127.0.0.1:{port}");
    for ser in ["serpent", "json", "marshal"] {
        let env = [("PYRO_SERIALIZER", ser)];
        let (ok, theirs) = run(&py, &["interop/ns4_api_client.py", &python_uri], &env).await;
        assert!(ok && theirs.lines().count() > 100, "{theirs}");
        let (ok, ours) = run(&py, &["interop/ns4_api_client.py", &our_uri], &env).await;
        assert!(ok, "{ours}");
        // Python's NS can't send a URI inside a tuple over marshal ("unmarshallable object");
        // ours can (see interop.rs): those lines are allowed to differ.
        const PYTHON_SEND_FAILURE: &str = "!! builtins.ValueError: unmarshallable object";
        let diffs: Vec<String> = theirs
            .lines()
            .zip(ours.lines())
            .filter(|(p, o)| p != o && !p.ends_with(PYTHON_SEND_FAILURE))
            .map(|(p, o)| format!("python: {p}\nours:   {o}"))
            .collect();
        assert!(diffs.is_empty(), "{ser}:\n{}", diffs.join("\n"));
        assert_eq!(theirs.lines().count(), ours.lines().count(), "{ser}");
    }
    daemon.shutdown();
}

/// A Pyro4 echo server and a Pyro5 echo server register in one name server; each protocol's
/// client finds the other's registration; a Pyro4 client finds the name server by broadcast.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_and_pyro5_share_one_name_server() {
    let Some(py) = python() else { return };
    let (daemon, port, bcport) = start_ns(true, None).await;
    let port_s = port.to_string();
    let bcport_s = bcport.expect("broadcast responder").to_string();
    let ns_env = [
        ("PYRO_NS_HOST", "127.0.0.1"),
        ("PYRO_NS_PORT", port_s.as_str()),
        ("PYRO_NS_BCPORT", bcport_s.as_str()),
    ];
    let mut echo4 = PythonProcess::spawn(
        &py,
        &["-m", "Pyro4.test.echoserver", "-H", "127.0.0.1", "-n"],
        &ns_env,
    )
    .expect("start Pyro4 echo server");
    let uri4 = echo4.wait_for_line("echo uri:").expect("pyro4 echo uri");
    // The Pyro5 client finds what the Pyro4 server registered, then the Pyro5 server takes
    // another name and the Pyro4 client finds it, by broadcast discovery.
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
    daemon.shutdown();
}

/// `pyroxene ns -k`: Pyro4 clients with the key use it; without it they're refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_name_server() {
    let Some(py) = python() else { return };
    let (daemon, port, _) = start_ns(false, Some(b"nskey")).await;
    let port_s = port.to_string();
    let args = [
        "interop/pyro4_client.py",
        "ns",
        "127.0.0.1",
        &port_s,
        "nskey",
    ];
    let (ok, out) = run(&py, &args, &[]).await;
    assert!(ok && out.lines().any(|l| l == "done"), "{out}");
    let args = ["-m", "Pyro4.nsc", "-n", "127.0.0.1", "-p", &port_s, "ping"];
    let (ok, out) = run(&py, &args, &[]).await;
    assert!(!ok || !out.contains("ping ok"), "{out}");
    daemon.shutdown();
}
