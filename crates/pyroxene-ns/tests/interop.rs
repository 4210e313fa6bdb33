//! Python Pyro5 5.17 clients against our name server, compared with Python's own name server.
//!
//! Every Python process gets `PYRO_BROADCAST_ADDRS=127.0.0.1` (testkit) and is killed on drop;
//! everything binds 127.0.0.1.

use std::path::{Path, PathBuf};

use pyroxene::Config;
use pyroxene_ns::{NameServerDaemon, NsOptions};
use pyroxene_testkit::{PythonProcess, python};

/// Our name server on 127.0.0.1 with a free port, served in the background; shut down when
/// the returned daemon is shut down.
async fn start_ours(broadcast_port: Option<u16>) -> NameServerDaemon {
    let mut options = NsOptions::from_config(&Config::default());
    options.host = "127.0.0.1".into();
    options.port = 0;
    if let Some(port) = broadcast_port {
        options.bchost = Some("127.0.0.1".into());
        options.bcport = port;
        options.broadcast_on_loopback = true;
    }
    NameServerDaemon::start(options).await.expect("start ns")
}

/// Runs `interop/<script> args` with extra environment and returns its stdout (asserting it
/// exited 0). Blocking: call from spawn_blocking.
fn run_script(py: &Path, script: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let script = format!("interop/{script}");
    let mut all = vec![script.as_str()];
    all.extend_from_slice(args);
    let process = PythonProcess::spawn(py, &all, env).expect("start python script");
    let (status, out) = process.finish().expect("python script output");
    assert!(
        status.success(),
        "{script} failed ({status}); output:\n{out}"
    );
    out
}

/// Python's name server on 127.0.0.1 with a free port (it prints the port it got).
fn start_python_ns(py: &Path) -> (PythonProcess, String) {
    let mut ns = PythonProcess::spawn(
        py,
        &["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0"],
        &[],
    )
    .expect("start python name server");
    let uri = ns.wait_for_line("URI = ").expect("python NS uri line");
    (ns, uri)
}

/// The lines where the transcripts differ, except where Python's name server fails to send
/// its own result and ours sends it (a deliberate deviation: a Python user expects the result):
///
/// - json: Python's MemoryStorage keeps "no metadata" as a `frozenset()`, which Pyro5's json
///   serializer can't send, so `list(return_metadata=True)` raises SerializeError when any
///   registration has no tags; ours sends an empty set (a list in json).
/// - marshal: `lookup(name, return_metadata=True)` returns a tuple holding a URI object, which
///   Pyro5's marshal serializer can't send ("unmarshallable object"); ours sends the URI dict.
fn differences(python: &str, ours: &str) -> Vec<String> {
    const PYTHON_SEND_FAILURES: [&str; 2] = [
        "!! SerializeError: don't know how to serialize class <class 'frozenset'>",
        "!! ValueError: unmarshallable object",
    ];
    let mut found: Vec<String> = python
        .lines()
        .zip(ours.lines())
        .filter(|(p, o)| p != o)
        .filter(|(p, o)| {
            let label = p.split(" !! ").next().unwrap_or_default();
            !(PYTHON_SEND_FAILURES.iter().any(|f| p.contains(f))
                && o.starts_with(&format!("{label} -> ")))
        })
        .map(|(p, o)| format!("python: {p}\nours:   {o}"))
        .collect();
    if python.lines().count() != ours.lines().count() {
        found.push("the transcripts have different lengths".into());
    }
    found
}

/// The transcript of every API call (results and errors, with all four serializers) is the
/// same from Python's name server and ours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_transcript_matches_pythons_name_server() {
    let Some(py) = python() else { return };
    let ours = start_ours(None).await;
    let our_uri = ours.uri.to_string();
    let daemon = ours.daemon.clone();
    let server = tokio::spawn(async move { ours.serve().await });
    let py2: PathBuf = py.clone();
    tokio::task::spawn_blocking(move || {
        let (_python_ns, python_uri) = start_python_ns(&py2);
        for serializer in ["serpent", "json", "marshal", "msgpack"] {
            let env = [("PYRO_SERIALIZER", serializer)];
            let theirs = run_script(&py2, "ns_api_client.py", &[&python_uri], &env);
            let mine = run_script(&py2, "ns_api_client.py", &[&our_uri], &env);
            assert!(theirs.lines().count() > 80, "{theirs}");
            let diffs = differences(&theirs, &mine);
            assert!(
                diffs.is_empty(),
                "{serializer}: transcripts differ\n{}",
                diffs.join("\n")
            );
        }
    })
    .await
    .expect("python runs");
    daemon.shutdown();
    server.await.expect("join").expect("serve");
}

/// A Python Pyro5 server registers itself in our name server; a Python client finds it with
/// `PYRONAME:` and `PYROMETA:` URIs and calls it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_server_and_client_meet_through_our_name_server() {
    let Some(py) = python() else { return };
    let ours = start_ours(None).await;
    let port = ours.daemon.local_addr().expect("tcp").port().to_string();
    let daemon = ours.daemon.clone();
    let registry_ns = ours.nameserver.clone();
    let server = tokio::spawn(async move { ours.serve().await });
    tokio::task::spawn_blocking(move || {
        let mut python_server =
            PythonProcess::spawn(&py, &["interop/ns_pyroname.py", "serve", &port], &[])
                .expect("start python server");
        let uri = python_server
            .wait_for_line("registered ")
            .expect("python server registered");
        // The registration is in our table as the Python daemon sent it.
        let found = registry_ns
            .registry()
            .lookup("test.ns.adder")
            .expect("lookup");
        assert_eq!(found.uri, uri);
        assert!(found.metadata.contains("adder"), "{found:?}");
        let out = run_script(&py, "ns_pyroname.py", &["call", &port], &[]);
        assert_eq!(
            out.lines().collect::<Vec<_>>(),
            ["PYRONAME add 5", "PYROMETA add 7", "locate_ns count 2"]
        );
    })
    .await
    .expect("python runs");
    daemon.shutdown();
    server.await.expect("join").expect("serve");
}

/// Python's `locate_ns()` without a host finds our name server by broadcast (sent to
/// 127.0.0.1 only) when nothing listens where NS_HOST/NS_PORT point.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_locate_ns_finds_us_by_broadcast() {
    let Some(py) = python() else { return };
    let ours = start_ours(Some(0)).await;
    let bc = ours.broadcast.as_ref().expect("broadcast server");
    let bcport = bc.local_addr().expect("bc addr").port().to_string();
    assert_eq!(bc.location(), format!("127.0.0.1:{bcport}"));
    let our_uri = ours.uri.to_string();
    // A port with no listener (bound, then released) for the direct attempt to fail on.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
        .to_string();
    let daemon = ours.daemon.clone();
    let server = tokio::spawn(async move { ours.serve().await });
    let out = tokio::task::spawn_blocking(move || {
        let env = [
            ("PYRO_NS_HOST", "127.0.0.1"),
            ("PYRO_NS_PORT", dead_port.as_str()),
            ("PYRO_NS_BCPORT", bcport.as_str()),
        ];
        run_script(&py, "ns_pyroname.py", &["locate"], &env)
    })
    .await
    .expect("python runs");
    assert_eq!(out.trim(), format!("located {our_uri} count 1"));
    daemon.shutdown();
    server.await.expect("join").expect("serve");
}
