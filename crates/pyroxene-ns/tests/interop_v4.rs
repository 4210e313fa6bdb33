//! Pyro4 4.82 clients' view of our name server, compared with Python's Pyro4 name server.
//!
//! These calls reach our `NameServer` in process (no socket, so a transcript difference is the
//! object's, not the daemon's): `interop/ns4_api_client.py --dump-calls` gives the INVOKE
//! payloads a Pyro4 proxy sends (Pyro4's own `dumpsCall`), we decode them with our serializer,
//! invoke the object with a Pyro4 call context, encode the results and exceptions with our
//! serializer, and the script (`--render`) decodes them as a Pyro4 proxy does and prints the
//! transcript it prints when it calls Python's name server over the network. The same script
//! against our name server over the network (the daemon speaks protocol 48) is in
//! `pyro4_ns_interop.rs`.
//!
//! Every Python process gets `PYRO_BROADCAST_ADDRS=127.0.0.1` (testkit) and is killed on
//! drop; Python's name server binds 127.0.0.1 without a broadcast responder (`-x`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use pyroxene::server::{CallContext, Invocation, RemoteObject};
use pyroxene::{ProtocolVersion, Serializer};
use pyroxene_ns::{NAMESERVER_NAME, NameServer, Registry};
use pyroxene_testkit::{PythonProcess, python};

/// The URI our in-process name server registers itself under (the transcript hides its port).
const OUR_URI: &str = "PYRO:Pyro.NameServer@127.0.0.1:9090";

/// Runs `interop/ns4_api_client.py args` and returns its stdout (asserting it exited 0).
fn run_script(py: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut all = vec!["interop/ns4_api_client.py"];
    all.extend_from_slice(args);
    let process = PythonProcess::spawn(py, &all, env).expect("start ns4_api_client.py");
    let (status, out) = process.finish().expect("ns4_api_client.py output");
    assert!(
        status.success(),
        "ns4_api_client.py {args:?} failed ({status}); output:\n{out}"
    );
    out
}

/// Python's Pyro4 name server on 127.0.0.1 with a free port, no broadcast responder, taking
/// every serializer the test uses.
fn start_python_ns(py: &Path) -> (PythonProcess, String) {
    let mut ns = PythonProcess::spawn(
        py,
        &["-m", "Pyro4.naming", "-n", "127.0.0.1", "-p", "0", "-x"],
        &[("PYRO_SERIALIZERS_ACCEPTED", "serpent,json,marshal,msgpack")],
    )
    .expect("start python Pyro4 name server");
    let uri = ns.wait_for_line("URI = ").expect("python NS uri line");
    (ns, uri)
}

/// A fresh name server registered as `NameServerDaemon` registers itself (with Pyro5's class
/// tag: Pyro4 clients must see Pyro4's).
fn fresh_name_server() -> Arc<NameServer> {
    let ns = NameServer::new(Registry::default());
    ns.registry()
        .register(
            NAMESERVER_NAME,
            OUR_URI,
            pyroxene_ns::RegisterOptions::new().metadata([pyroxene_ns::NAMESERVER_CLASS_TAG]),
        )
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

/// Runs the dumped calls (`label<TAB>hex payload` lines) against a fresh name server as a
/// Pyro4 client's calls and returns the replies as `label<TAB>ok|exc<TAB>hex payload` lines.
fn replay(serializer: Serializer, calls: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let ns = fresh_name_server();
    let mut replies = String::new();
    for line in calls.lines() {
        let (label, payload) = line.split_once('\t').expect("label<TAB>payload");
        let call = serializer
            .decode_call(&unhex(payload))
            .unwrap_or_else(|e| panic!("{label}: our decoder refuses Pyro4's call: {e}"));
        assert_eq!(call.object, NAMESERVER_NAME);
        let context = CallContext::new(
            "127.0.0.1:40000".into(),
            ProtocolVersion::V4,
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
            Err(e) => ("exc", e.to_value(ProtocolVersion::V4)),
        };
        let bytes = serializer
            .encode(&value)
            .unwrap_or_else(|e| panic!("{label}: can't encode our reply {value}: {e}"));
        let _ = writeln!(replies, "{label}\t{kind}\t{}", hex(&bytes));
    }
    replies
}

/// The lines where the transcripts differ, except where Python's name server fails to send
/// its own result and ours sends it: over marshal, `lookup(name, return_metadata=True)` is a
/// tuple holding a URI object, which Pyro4's marshal serializer can't send ("unmarshallable
/// object"); ours sends the URI dict, which a Pyro4 proxy turns into a URI.
fn differences(python: &str, ours: &str) -> Vec<String> {
    const PYTHON_SEND_FAILURE: &str = "!! builtins.ValueError: unmarshallable object";
    let mut found: Vec<String> = python
        .lines()
        .zip(ours.lines())
        .filter(|(p, o)| p != o)
        .filter(|(p, o)| {
            let label = p.split(" !! ").next().unwrap_or_default();
            !(p.ends_with(PYTHON_SEND_FAILURE) && o.starts_with(&format!("{label} -> ")))
        })
        .map(|(p, o)| format!("python: {p}\nours:   {o}"))
        .collect();
    if python.lines().count() != ours.lines().count() {
        found.push("the transcripts have different lengths".into());
    }
    found
}

/// The transcript of every Pyro4 API call (results and errors, with all four serializers) is
/// the same from Python's Pyro4 name server and from ours answering a Pyro4 caller.
#[test]
fn pyro4_api_transcript_matches_pythons_pyro4_name_server() {
    let Some(py) = python() else { return };
    let (_python_ns, python_uri) = start_python_ns(&py);
    let replies_path =
        std::env::temp_dir().join(format!("pyroxene-ns4-replies-{}.txt", std::process::id()));
    let replies_arg = replies_path.to_str().expect("utf-8 temp path");
    for serializer in [
        Serializer::Serpent,
        Serializer::Json,
        Serializer::Marshal,
        Serializer::Msgpack,
    ] {
        let env = [("PYRO_SERIALIZER", serializer.name())];
        let theirs = run_script(&py, &[&python_uri], &env);
        assert!(theirs.lines().count() > 100, "{theirs}");
        let calls = run_script(&py, &["--dump-calls"], &env);
        assert_eq!(calls.lines().count(), theirs.lines().count());
        std::fs::write(&replies_path, replay(serializer, &calls)).expect("write replies");
        let ours = run_script(&py, &["--render", replies_arg, OUR_URI], &env);
        let diffs = differences(&theirs, &ours);
        assert!(
            diffs.is_empty(),
            "{}: transcripts differ\n{}",
            serializer.name(),
            diffs.join("\n")
        );
    }
    let _ = std::fs::remove_file(&replies_path);
}
