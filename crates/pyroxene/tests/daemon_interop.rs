//! The daemon against the real Python peers of both generations, Pyro5 5.17 (protocol 502) and
//! Pyro4 4.82 (protocol 48), as one table over the generations: each generation's Python
//! proxies call the Rust echo server (one port serves both) with every serializer that
//! generation's client checks; a protocol header arriving in pieces or broken is handled for
//! each; URIs and proxies returned by a method reach each generation's client as its own
//! classes; a slow call delays no other connection of either generation.
//!
//! Generation-specific, each its own test: Pyro4's METADATA off, its pickle and msgpack (off by
//! default) and HMAC keys (a Pyro5 client of a keyed daemon is refused with a reason); both
//! generations' clients on one port and on one unix socket at once; 1,000 concurrent
//! connections.
//!
//! The Python checks are in `interop/pyro5_echo_client.py` (prints `N passed, M failed`) and
//! `interop/pyro4_client.py` (prints `ok ...` per check and `done`, or `FAIL ...` and exits 1);
//! both pass against Python's own echo servers too. A failing row names its generation and
//! serializer. Every Python process gets `PYRO_BROADCAST_ADDRS=127.0.0.1` (testkit) and is
//! killed by pid when dropped; daemons bind 127.0.0.1 only.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use pyroxene::echo::{ECHO_OBJECT_NAME, EchoServer};
use pyroxene::wire::protocol::{Flags, Message, MessageType, ParseOptions, codec_for};
use pyroxene::{
    Daemon, DaemonBuilder, ProtocolVersion, Proxy, Serializer, Value, dict, list, tuple,
};
use pyroxene_testkit::{PythonProcess, python};

/// What differs between the generations' Python clients.
struct Generation {
    /// Names the row in failure messages.
    name: &'static str,
    version: ProtocolVersion,
    /// The module a Python client imports `Proxy` and `config` from.
    lib: &'static str,
    /// The serializers its echo client script is run with: the generation's default set
    /// (Pyro4 leaves out pickle and msgpack unless enabled; a test of their own).
    serializers: &'static [&'static str],
    /// The classes a returned URI and proxy arrive as: `module name`.
    uri_class: &'static str,
    proxy_class: &'static str,
}

const GENERATIONS: [Generation; 2] = [
    Generation {
        name: "v5",
        version: ProtocolVersion::V5,
        lib: "Pyro5.api",
        serializers: &["serpent", "json", "marshal", "msgpack"],
        uri_class: "Pyro5.core URI",
        proxy_class: "Pyro5.client Proxy",
    },
    Generation {
        name: "v4",
        version: ProtocolVersion::V4,
        lib: "Pyro4",
        serializers: &["serpent", "json", "marshal"],
        uri_class: "Pyro4.core URI",
        proxy_class: "Pyro4.core Proxy",
    },
];

const PYRO5: &Generation = &GENERATIONS[0];
const PYRO4: &Generation = &GENERATIONS[1];

/// The Rust echo server from `builder`, bound to 127.0.0.1 on a free port, serving in the
/// background; its URI.
async fn echo_daemon(builder: DaemonBuilder) -> (Daemon, String) {
    let daemon = builder
        .host("127.0.0.1")
        .port(0)
        .bind()
        .await
        .expect("bind");
    let uri = daemon
        .register_with_id(Arc::new(EchoServer::new(false)), ECHO_OBJECT_NAME)
        .expect("register");
    let serving = daemon.clone();
    tokio::spawn(async move { serving.serve().await });
    (daemon, uri.to_string())
}

/// Runs `python -u args` to the end; success and stdout. The runtime's other worker goes on
/// serving our daemon meanwhile (`block_in_place`: these tests run multi-threaded).
async fn run_python(py: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let (status, out) = tokio::task::block_in_place(|| PythonProcess::run(py, args, env))
        .expect("python runs to its end");
    (status.success(), out)
}

/// `interop/pyro4_client.py cmd uri serializer key`.
async fn pyro4_client(py: &Path, cmd: &str, uri: &str, ser: &str, key: &str) -> (bool, String) {
    let args = ["interop/pyro4_client.py", cmd, uri, ser, key];
    run_python(py, &args, &[]).await
}

/// Runs the echo checks of `generation`'s client script against `uri` in `ser`; whether all
/// passed, and the output.
async fn echo_client(py: &Path, generation: &Generation, uri: &str, ser: &str) -> (bool, String) {
    match generation.version {
        ProtocolVersion::V5 => {
            let args = ["interop/pyro5_echo_client.py", uri, ser];
            let (ok, out) = run_python(py, &args, &[]).await;
            (ok && out.contains(" passed, 0 failed"), out)
        }
        ProtocolVersion::V4 => {
            let run = pyro4_client(py, "echo", uri, ser, "").await;
            (pyro4_passed(&run), run.1)
        }
    }
}

fn pyro4_passed((ok, out): &(bool, String)) -> bool {
    *ok && out.lines().any(|l| l == "done") && !out.contains("FAIL")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxies_of_each_generation_call_the_rust_echo_server() {
    let Some(py) = python() else { return };
    let (daemon, uri) = echo_daemon(Daemon::builder()).await;
    // The scripts share values, exceptions with class, text and remote traceback, oneway,
    // metadata and private names; Pyro5's adds nan/inf, error_with_text, dunder and unknown
    // methods, attributes (not in marshal: Pyro5 itself can't), the daemon object and a
    // timeout; Pyro4's adds batch (not in marshal: Pyro4 itself can't send one) and item
    // streaming. The scripts stay per generation: each speaks its own Python API.
    for generation in &GENERATIONS {
        for ser in generation.serializers {
            let (passed, out) = echo_client(&py, generation, &uri, ser).await;
            assert!(passed, "{} {ser}:\n{out}", generation.name);
        }
    }
    daemon.shutdown();
}

/// Pyro4 only (Pyro5 always asks for metadata): with METADATA off, a CONNECT without
/// META_ON_CONNECT and without an object id gets the handshake response alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_metadata_off_gets_the_handshake_alone() {
    let Some(py) = python() else { return };
    let (daemon, uri) = echo_daemon(Daemon::builder()).await;
    let script = format!(
        "import Pyro4\n\
         p = Pyro4.Proxy('{uri}')\n\
         print('echo', p.echo([1, 'two']), p._pyroMethods)\n"
    );
    let env = [("PYRO_METADATA", "False")];
    let (ok, out) = run_python(&py, &["-c", &script], &env).await;
    assert!(ok && out.contains("echo [1, 'two'] set()"), "{out}");
    daemon.shutdown();
}

/// Pyro4's default SERIALIZERS_ACCEPTED leaves out pickle (Pyro4-only) and msgpack: each is
/// refused as Pyro4 refuses it (by its wire id) and served when the daemon enables it. The
/// echo checks don't run in msgpack: Pyro4 can't read back an int dict key in it, from its own
/// echo server either (msgpack's strict_map_key).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_pickle_and_msgpack_refused_by_default_served_when_enabled() {
    let Some(py) = python() else { return };
    let (default, default_uri) = echo_daemon(Daemon::builder()).await;
    let accepted = [
        Serializer::Serpent,
        Serializer::Json,
        Serializer::Marshal,
        Serializer::Pickle,
        Serializer::Msgpack,
    ];
    let (enabled, enabled_uri) = echo_daemon(Daemon::builder().serializers(&accepted)).await;
    for (ser, id) in [("pickle", 4), ("msgpack", 6)] {
        let (_, out) = pyro4_client(&py, "refused", &default_uri, ser, "").await;
        assert!(
            out.contains(&format!(
                "rejected: message used serializer that is not accepted: {id}"
            )),
            "{ser}:\n{out}"
        );
    }
    let (passed, out) = echo_client(&py, PYRO4, &enabled_uri, "pickle").await;
    assert!(passed, "pickle:\n{out}");
    let script = format!(
        "import Pyro4\n\
         Pyro4.config.SERIALIZER = 'msgpack'\n\
         print('echo', Pyro4.Proxy('{enabled_uri}').echo([1, 'two']))\n"
    );
    let (ok, out) = run_python(&py, &["-c", &script], &[]).await;
    assert!(ok && out.contains("echo [1, 'two']"), "msgpack:\n{out}");
    default.shutdown();
    enabled.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_hmac_keys_are_symmetric() {
    let Some(py) = python() else { return };
    let (keyed, keyed_uri) = echo_daemon(Daemon::builder().hmac_key(Some(b"secret"))).await;
    let right = pyro4_client(&py, "echo", &keyed_uri, "serpent", "secret").await;
    assert!(pyro4_passed(&right), "right key:\n{}", right.1);
    // Wrong key: our signature doesn't verify with the client's key.
    let (_, out) = pyro4_client(&py, "refused", &keyed_uri, "serpent", "wrong").await;
    assert!(
        out.contains("refused CommunicationError") && out.contains("message hmac mismatch"),
        "{out}"
    );
    // No key on the client, a key on the daemon.
    let (_, out) = pyro4_client(&py, "refused", &keyed_uri, "serpent", "").await;
    assert!(out.contains("hmac key config not symmetric"), "{out}");
    // A key on the client, none on the daemon.
    let (plain, plain_uri) = echo_daemon(Daemon::builder()).await;
    let (_, out) = pyro4_client(&py, "refused", &plain_uri, "serpent", "secret").await;
    assert!(out.contains("hmac key config not symmetric"), "{out}");
    // Pyro5 has no HMAC: a Pyro5 client of a keyed daemon is refused with a reason.
    let script = format!(
        "import Pyro5.api, Pyro5.errors\n\
         try:\n    Pyro5.api.Proxy('{keyed_uri}').echo(1)\n    print('not refused')\n\
         except Pyro5.errors.CommunicationError as x:\n    print('refused', x)\n"
    );
    let (_, out) = run_python(&py, &["-c", &script], &[]).await;
    assert!(
        out.contains("rejected: this daemon requires a Pyro4 HMAC key; Pyro5 has no HMAC"),
        "{out}"
    );
    keyed.shutdown();
    plain.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_and_pyro5_clients_share_one_port() {
    let Some(py) = python() else { return };
    let (daemon, uri) = echo_daemon(Daemon::builder()).await;
    // Both at once: each generation's own echo checks.
    let ((ok5, out5), (ok4, out4)) = tokio::join!(
        echo_client(&py, PYRO5, &uri, "serpent"),
        echo_client(&py, PYRO4, &uri, "serpent"),
    );
    assert!(ok5, "pyro5:\n{out5}");
    assert!(ok4, "pyro4:\n{out4}");
    daemon.shutdown();
}

/// A unix socket serves both generations too: the opening is read (not peeked) and handed
/// back to the connection, so a Pyro4 and a Pyro5 Python client call the same socket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_and_pyro5_clients_share_one_unix_socket() {
    let Some(py) = python() else { return };
    let dir = std::env::temp_dir().join(format!("pyroxene-p4unix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("echo.sock");
    let _ = std::fs::remove_file(&path);
    let daemon = Daemon::builder()
        .unixsocket(path.to_string_lossy().into_owned())
        .bind()
        .await
        .expect("bind unix");
    let uri = daemon
        .register_with_id(Arc::new(EchoServer::new(false)), ECHO_OBJECT_NAME)
        .expect("register")
        .to_string();
    let serving = daemon.clone();
    tokio::spawn(async move { serving.serve().await });
    for generation in &GENERATIONS {
        let lib = generation.lib;
        let script = format!(
            "import {lib} as pyro\n\
             p = pyro.Proxy('{uri}')\n\
             print('{lib}', p.echo([1, 'two']))\n"
        );
        let (ok, out) = run_python(&py, &["-c", &script], &[]).await;
        assert!(
            ok && out.contains(&format!("{lib} [1, 'two']")),
            "{}:\n{out}",
            generation.name
        );
    }
    daemon.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Junk is refused as Python refuses it (the daemon closes the connection), a header of each
/// generation with a bad checksum (v4) or magic number (v5) too, and the daemon keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_and_bad_headers_are_refused() {
    let (daemon, uri) = echo_daemon(Daemon::builder()).await;
    let addr = daemon.local_addr().expect("tcp");
    // The same 24-byte layout in both generations; the last field is what each checks.
    let bad_header = |version: &[u8; 2]| {
        let mut h = b"PYRO".to_vec();
        h.extend_from_slice(version);
        h.extend_from_slice(b"\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00");
        h.extend_from_slice(&[0xde, 0xad]); // neither the checksum nor 0x4dc5
        h
    };
    let (bad_v4, bad_v5) = (bad_header(b"\x00\x30"), bad_header(b"\x01\xf6"));
    let cases: [(&str, &[u8]); 4] = [
        ("http", b"GET / HTTP/1.0\r\n\r\n"),
        ("v4 bad checksum", &bad_v4),
        ("v5 bad magic", &bad_v5),
        ("prefix", b"PY"),
    ];
    for (case, junk) in cases {
        let junk = junk.to_vec();
        let closed = tokio::task::spawn_blocking(move || {
            let mut s = std::net::TcpStream::connect(addr).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(30)))
                .expect("timeout");
            s.write_all(&junk).expect("write");
            if junk.len() < 6 {
                // A prefix of a Pyro opening: the daemon waits for more; the client leaves.
                s.shutdown(std::net::Shutdown::Write).expect("shutdown");
            }
            let mut rest = Vec::new();
            // Whatever the daemon answers, it then closes (EOF), bounded by the timeout.
            s.read_to_end(&mut rest).is_ok()
        })
        .await
        .expect("join");
        assert!(closed, "{case}: connection not closed");
    }
    let proxy = Proxy::new(&uri).expect("uri");
    let echoed = proxy
        .call("echo", list!["ok"], None)
        .await
        .expect("echo after junk");
    assert_eq!(echoed, Value::from("ok"));
    daemon.shutdown();
}

/// A CONNECT whose first bytes arrive in pieces ("PYR", then the rest) is still recognised in
/// either generation: the daemon waits for 6 bytes before picking the protocol, and answers
/// CONNECTOK in the client's protocol with the metadata (in Pyro4 as the META_ON_CONNECT flag
/// asked, as lists; Pyro5 always sends it, as sets, and has no such flag).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protocol_header_in_pieces() {
    let (daemon, _) = echo_daemon(Daemon::builder()).await;
    let addr = daemon.local_addr().expect("tcp");
    for generation in &GENERATIONS {
        let (name, version) = (generation.name, generation.version);
        let payload = Serializer::Serpent
            .encode(&dict! { "handshake" => "hi", "object" => ECHO_OBJECT_NAME })
            .expect("encode");
        let id = u16::from(Serializer::Serpent.id(version));
        let connect =
            Message::new(MessageType::Connect, id, 7, payload).with_flags(Flags::META_ON_CONNECT);
        let wire = codec_for(version).encode(&connect).expect("encode connect");
        let reply = tokio::task::spawn_blocking(move || {
            let mut s = std::net::TcpStream::connect(addr).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(30)))
                .expect("timeout");
            s.write_all(&wire[..3]).expect("write");
            std::thread::sleep(Duration::from_millis(50));
            s.write_all(&wire[3..]).expect("write");
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            for _ in 0..100 {
                if let Ok(Some((msg, _))) = codec_for(version).parse(&buf, &ParseOptions::default())
                {
                    return msg;
                }
                let n = s.read(&mut chunk).expect("read");
                assert!(n > 0, "{name}: closed before a reply");
                buf.extend_from_slice(&chunk[..n]);
            }
            panic!("{name}: no reply");
        })
        .await
        .expect("join");
        assert_eq!(reply.msg_type, MessageType::ConnectOk, "{name}");
        assert_eq!(reply.seq, 7, "{name}");
        assert_eq!(
            reply.has(Flags::META_ON_CONNECT),
            version == ProtocolVersion::V4,
            "{name}"
        );
        let body = Serializer::Serpent.decode(&reply.payload).expect("decode");
        assert_eq!(body.get("handshake"), Some(&Value::from("hello")), "{name}");
        let methods = body.get("meta").and_then(|m| m.get("methods"));
        let shape_ok = match version {
            ProtocolVersion::V4 => matches!(methods, Some(Value::List(_))),
            ProtocolVersion::V5 => matches!(methods, Some(Value::Set(_))),
        };
        assert!(shape_ok, "{name}: {body}");
    }
    daemon.shutdown();
}

/// Hands out the echo server's URI and a proxy to it, as a method's result.
struct Directory {
    echo: pyroxene::Uri,
}

#[pyroxene::expose]
impl Directory {
    #[nonblocking]
    fn uri(&self) -> pyroxene::Uri {
        self.echo.clone()
    }

    #[nonblocking]
    fn proxy(&self) -> Proxy {
        Proxy::with_settings(self.echo.clone(), Default::default())
    }
}

/// A URI and a proxy returned by a Rust method reach a Python client as its generation's own
/// `URI` and `Proxy` objects (serde gives them Pyro5's class shapes; the daemon translates them
/// for Pyro4 connections), and the proxy works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_each_generation_receive_their_own_uris_and_proxies() {
    let Some(py) = python() else { return };
    let (daemon, uri) = echo_daemon(Daemon::builder()).await;
    let echo = pyroxene::Uri::parse(&uri).expect("echo uri");
    let dir = daemon
        .register_with_id(Arc::new(Directory { echo }), "test.directory")
        .expect("register");
    for generation in &GENERATIONS {
        for ser in ["serpent", "json"] {
            let row = format!("{} {ser}", generation.name);
            let script = format!(
                "import {lib} as pyro\n\
                 pyro.config.SERIALIZER = '{ser}'\n\
                 d = pyro.Proxy('{dir}')\n\
                 u = d.uri()\n\
                 print(type(u).__module__, type(u).__name__, u)\n\
                 p = d.proxy()\n\
                 print(type(p).__module__, type(p).__name__, p.echo('via proxy'))\n",
                lib = generation.lib
            );
            let (ok, out) = run_python(&py, &["-c", &script], &[]).await;
            assert!(ok, "{row}:\n{out}");
            assert!(
                out.contains(&format!("{} {uri}", generation.uri_class)),
                "{row}:\n{out}"
            );
            assert!(
                out.contains(&format!("{} via proxy", generation.proxy_class)),
                "{row}:\n{out}"
            );
        }
    }
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_calls_the_rust_daemon_concurrently() {
    let (daemon, uri) = echo_daemon(Daemon::builder()).await;
    // One proxy shared by many tasks: a pool of connections underneath.
    let shared = Proxy::new(&uri).expect("uri");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..64i64 {
        let p = shared.clone();
        tasks.spawn(async move { p.call_as::<i64>("echo", (i,)).await });
    }
    let mut sum = 0;
    while let Some(r) = tasks.join_next().await {
        sum += r.expect("join").expect("call");
    }
    assert_eq!(sum, (0..64).sum::<i64>());
    // 1,000 clients, each with its own connection, all connected at once, all answered.
    let proxies: Vec<Proxy> = (0..1000).map(|_| Proxy::new(&uri).expect("uri")).collect();
    let mut connects = tokio::task::JoinSet::new();
    for p in proxies.iter().cloned() {
        connects.spawn(async move { p.connect().await.map(|_| p) });
    }
    let mut connected = Vec::new();
    while let Some(r) = connects.join_next().await {
        connected.push(r.expect("join").expect("connect"));
    }
    let mut calls = tokio::task::JoinSet::new();
    for (i, p) in connected.into_iter().enumerate() {
        calls.spawn(async move { (i, p.call("echo", tuple![i as i64], None).await) });
    }
    let mut answered = 0;
    while let Some(r) = calls.join_next().await {
        let (i, answer) = r.expect("join");
        assert_eq!(answer.expect("answer"), Value::Int(i as i64));
        answered += 1;
    }
    assert_eq!(answered, 1000);
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_call_does_not_delay_other_connections_of_either_generation() {
    let (daemon, uri) = echo_daemon(Daemon::builder()).await;
    for generation in &GENERATIONS {
        let name = generation.name;
        let slow = Proxy::new(&uri)
            .expect("uri")
            .with_protocol(generation.version);
        let slow_call = tokio::spawn(async move { slow.call("slow", tuple![], None).await });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let fast = Proxy::new(&uri)
            .expect("uri")
            .with_protocol(generation.version);
        for i in 0..20i64 {
            assert_eq!(
                fast.call("echo", tuple![i], None).await.expect("echo"),
                Value::Int(i),
                "{name}"
            );
        }
        // Ordering, not timing: all 20 answers came while slow() (5 s) is still running.
        assert!(
            !slow_call.is_finished(),
            "{name}: slow() should still be sleeping"
        );
        slow_call.abort();
    }
    daemon.shutdown();
}
