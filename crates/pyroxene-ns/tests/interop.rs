//! Python Pyro5 5.17 and Pyro4 4.82 clients get the same API transcript from our name server
//! as from Python's own name server of their generation, in process and over the network.
//!
//! The transcript (every method, result and error) is one table: a row is a generation (Python's
//! name server, the script `interop/ns_api_client.py` or `interop/ns4_api_client.py`, and the
//! results Python's name server fails to send) and the routes our transcript takes, each with
//! its serializers. Python's transcript is made once per generation and serializer and every
//! route of ours is compared with it.
//!
//! - In process: no socket, so a difference is the `NameServer` object's, not the daemon's; and
//!   all four serializers for both generations. The script's `--dump-calls` gives the INVOKE
//!   payloads its generation's proxy sends (Python's own `dumpsCall`), we decode them with our
//!   serializer, invoke the object with a call context of that protocol and encode the results
//!   and exceptions with our serializer, and `--render` decodes them as that proxy does and
//!   prints the transcript it prints for a name server over the network.
//! - Over the network: the script against our name server daemon. Pyro4 clients only in
//!   serpent, json and marshal: our daemon refuses them msgpack as Pyro4's default
//!   SERIALIZERS_ACCEPTED does (the in-process route covers Pyro4's msgpack).
//!
//! Python programs meeting through our name server over the network (discovery, `PYRONAME:`,
//! `nsc`, both generations at once, Pyro4's HMAC key) are in `network_interop.rs`.
//!
//! Every Python process gets `PYRO_BROADCAST_ADDRS=127.0.0.1` (testkit) and is killed on drop;
//! everything binds 127.0.0.1, and Python's name servers run without a broadcast responder.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use pyroxene::server::{CallContext, Invocation, RemoteObject};
use pyroxene::{Config, ProtocolVersion, Serializer};
use pyroxene_ns::{NAMESERVER_CLASS_TAG, NAMESERVER_NAME, RegisterOptions};
use pyroxene_ns::{NameServer, NameServerDaemon, NsOptions, Registry};
use pyroxene_testkit::{PythonProcess, python};

/// Where our side of a transcript comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// The script against our name server daemon.
    Network,
    /// The script's calls replayed against our `NameServer` in process.
    InProcess,
}

/// A protocol generation: the row of the transcript table.
#[derive(Clone, Copy)]
struct Gen {
    pyro: &'static str,
    version: ProtocolVersion,
    /// Python's name server, as `python -m`.
    python_ns: &'static str,
    /// Its environment: Pyro4's must accept every serializer the test uses; Pyro5's accepts
    /// them all and refuses PYRO_ settings it doesn't know.
    python_ns_env: &'static [(&'static str, &'static str)],
    /// The transcript script in `interop/`.
    script: &'static str,
    /// A transcript with no more lines than this was cut short.
    min_lines: usize,
    /// Where our transcripts come from, each in these serializers.
    routes: &'static [(Route, &'static [Serializer])],
    /// What Python's name server answers (after `label !! `) where it fails to send its own
    /// result; ours sends it (a deliberate deviation: a Python user expects the result).
    python_send_failures: &'static [&'static str],
}

const V5: Gen = Gen {
    pyro: "Pyro5",
    version: ProtocolVersion::V5,
    python_ns: "Pyro5.nameserver",
    python_ns_env: &[],
    script: "ns_api_client.py",
    min_lines: 80,
    routes: &[
        (Route::InProcess, &SERIALIZERS),
        (Route::Network, &SERIALIZERS),
    ],
    // json and msgpack: Python's MemoryStorage keeps "no metadata" as a `frozenset()`, which
    // Pyro5 can't send, so `list(return_metadata=True)` fails when any registration has no
    // tags; ours sends an empty set (a list there). marshal: `lookup(name, True)` returns a
    // tuple holding a URI object, which Pyro5's marshal can't send; ours sends the URI dict.
    python_send_failures: &[
        "SerializeError: don't know how to serialize class <class 'frozenset'> using \
         serializer JsonSerializer. Give it vars() or an appropriate __getstate__",
        "SerializeError: don't know how to serialize class <class 'frozenset'> using \
         serializer MsgpackSerializer. Give it vars() or an appropriate __getstate__",
        "ValueError: unmarshallable object",
    ],
};

const V4: Gen = Gen {
    pyro: "Pyro4",
    version: ProtocolVersion::V4,
    python_ns: "Pyro4.naming",
    python_ns_env: &[("PYRO_SERIALIZERS_ACCEPTED", "serpent,json,marshal,msgpack")],
    script: "ns4_api_client.py",
    min_lines: 100,
    routes: &[
        (Route::InProcess, &SERIALIZERS),
        (Route::Network, &PYRO4_ACCEPTED),
    ],
    // marshal: as Pyro5's, `lookup(name, True)` holds a URI object that Pyro4's marshal can't
    // send; ours sends the URI dict, which a Pyro4 proxy turns into a URI.
    python_send_failures: &["builtins.ValueError: unmarshallable object"],
};

const GENS: [Gen; 2] = [V5, V4];

const SERIALIZERS: [Serializer; 4] = [
    Serializer::Serpent,
    Serializer::Json,
    Serializer::Marshal,
    Serializer::Msgpack,
];

/// Pyro4's default SERIALIZERS_ACCEPTED, which our daemon applies to Pyro4 clients.
const PYRO4_ACCEPTED: [Serializer; 3] =
    [Serializer::Serpent, Serializer::Json, Serializer::Marshal];

impl std::fmt::Debug for Gen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.pyro)
    }
}

/// The URI our in-process name server registers itself under (the transcript hides its port).
const IN_PROCESS_URI: &str = "PYRO:Pyro.NameServer@127.0.0.1:9090";

/// Our name server on 127.0.0.1 with a free port (no broadcast responder: Pyro starts none on
/// loopback).
async fn start_ours() -> NameServerDaemon {
    let mut options = NsOptions::from_config(&Config::default());
    options.host = "127.0.0.1".into();
    options.port = 0;
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
        "{script} {args:?} failed ({status}); output:\n{out}"
    );
    out
}

/// Python's name server of `g` on 127.0.0.1 with a free port (it prints the port it got), no
/// broadcast responder.
fn start_python_ns(py: &Path, g: Gen) -> (PythonProcess, String) {
    let args = ["-m", g.python_ns, "-n", "127.0.0.1", "-p", "0", "-x"];
    let mut ns = PythonProcess::spawn(py, &args, g.python_ns_env)
        .unwrap_or_else(|e| panic!("{g:?}: start python name server: {e}"));
    let uri = ns.wait_for_line("URI = ");
    (
        ns,
        uri.unwrap_or_else(|e| panic!("{g:?}: python NS uri line: {e}")),
    )
}

/// A fresh name server registered as `NameServerDaemon` registers itself (with Pyro5's class
/// tag: Pyro4 clients must see Pyro4's).
fn fresh_name_server() -> Arc<NameServer> {
    let ns = NameServer::new(Registry::default());
    let options = RegisterOptions::new().metadata([NAMESERVER_CLASS_TAG]);
    ns.registry()
        .register(NAMESERVER_NAME, IN_PROCESS_URI, options)
        .expect("self registration");
    Arc::new(ns)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex from the script"))
        .collect()
}

/// Runs the dumped calls (`label<TAB>hex payload` lines) against a fresh name server as
/// calls of a `version` client and returns the replies as `label<TAB>ok|exc<TAB>hex payload`
/// lines.
fn replay(version: ProtocolVersion, serializer: Serializer, calls: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let ns = fresh_name_server();
    let mut replies = String::new();
    for line in calls.lines() {
        let (label, payload) = line.split_once('\t').expect("label<TAB>payload");
        let call = serializer
            .decode_call(&unhex(payload))
            .unwrap_or_else(|e| panic!("{version:?} {label}: our decoder refuses the call: {e}"));
        assert_eq!(call.object, NAMESERVER_NAME);
        let context = CallContext::new(
            "127.0.0.1:40000".into(),
            version,
            serializer,
            0,
            None,
            BTreeMap::new(),
        );
        let invocation = Invocation::new(
            call.method,
            call.args,
            call.kwargs.unwrap_or_default(),
            Arc::new(context),
        );
        let (kind, value) = match runtime.block_on(ns.clone().invoke(invocation)) {
            Ok(value) => ("ok", value),
            Err(e) => ("exc", e.to_value(version)),
        };
        let bytes = serializer
            .encode(&value)
            .unwrap_or_else(|e| panic!("{version:?} {label}: can't encode our reply {value}: {e}"));
        let _ = writeln!(replies, "{label}\t{kind}\t{}", hex(&bytes));
    }
    replies
}

/// Our transcript of `g`'s script in `serializer` by `route` (`theirs`: Python's, for the
/// number of calls). Blocking.
fn our_transcript(
    py: &Path,
    g: Gen,
    route: Route,
    serializer: Serializer,
    our_uri: &str,
    theirs: &str,
) -> String {
    let env = [("PYRO_SERIALIZER", serializer.name())];
    match route {
        Route::Network => run_script(py, g.script, &[our_uri], &env),
        Route::InProcess => {
            let calls = run_script(py, g.script, &["--dump-calls"], &env);
            let what = format!("{g:?} {}: one call per transcript line", serializer.name());
            assert_eq!(calls.lines().count(), theirs.lines().count(), "{what}");
            let name = format!("pyroxene-ns-replies-{}-{}.txt", g.pyro, std::process::id());
            let path = std::env::temp_dir().join(name);
            std::fs::write(&path, replay(g.version, serializer, &calls)).expect("write replies");
            let path_arg = path.to_str().expect("utf-8 temp path");
            let ours = run_script(py, g.script, &["--render", path_arg, IN_PROCESS_URI], &env);
            let _ = std::fs::remove_file(&path);
            ours
        }
    }
}

/// The lines where the transcripts differ, except where Python's name server fails to send
/// its own result (one of `g`'s `python_send_failures`, exactly) and ours sends it.
fn differences(g: Gen, python: &str, ours: &str) -> Vec<String> {
    let mut found: Vec<String> = python
        .lines()
        .zip(ours.lines())
        .filter(|(p, o)| p != o)
        .filter(|(p, o)| {
            let Some((label, failure)) = p.split_once(" !! ") else {
                return true;
            };
            !(g.python_send_failures.contains(&failure) && o.starts_with(&format!("{label} -> ")))
        })
        .map(|(p, o)| format!("python: {p}\nours:   {o}"))
        .collect();
    if python.lines().count() != ours.lines().count() {
        found.push("the transcripts have different lengths".into());
    }
    found
}

/// The transcript of every API call (results and errors, in every serializer of each route) is
/// the same from Python's name server and ours, for each generation's clients, in process and
/// over the network.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_transcript_matches_pythons_name_server() {
    let Some(py) = python() else { return };
    let ours = start_ours().await;
    let our_uri = ours.uri.to_string();
    let daemon = ours.daemon.clone();
    let server = tokio::spawn(async move { ours.serve().await });
    tokio::task::spawn_blocking(move || {
        for g in GENS {
            let (_python_ns, python_uri) = start_python_ns(&py, g);
            for serializer in SERIALIZERS {
                let env = [("PYRO_SERIALIZER", serializer.name())];
                let theirs = run_script(&py, g.script, &[&python_uri], &env);
                let lines = theirs.lines().count();
                assert!(lines > g.min_lines, "{g:?} {}: {theirs}", serializer.name());
                for &(route, serializers) in g.routes {
                    if !serializers.contains(&serializer) {
                        continue;
                    }
                    let mine = our_transcript(&py, g, route, serializer, &our_uri, &theirs);
                    let diffs = differences(g, &theirs, &mine);
                    assert!(
                        diffs.is_empty(),
                        "{g:?} {} {route:?}: transcripts differ\n{}",
                        serializer.name(),
                        diffs.join("\n")
                    );
                }
            }
        }
    })
    .await
    .expect("python runs");
    daemon.shutdown();
    server.await.expect("join").expect("serve");
}
