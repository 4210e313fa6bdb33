//! The daemon against the real Python Pyro4 4.82: Python Pyro4 proxies call the Rust echo
//! server (the port that serves Pyro5 too) with serpent, json, marshal and, when the daemon
//! enables it, pickle; HMAC keys both ways; Pyro4 and Pyro5 clients on one daemon at once.
//!
//! The checks themselves are in `interop/pyro4_client.py` (it prints `ok ...` per check and
//! `done` at the end, or `FAIL ...` and exits 1); the same script passes against Python's
//! own `python -m Pyro4.test.echoserver`. Every Python process gets
//! `PYRO_BROADCAST_ADDRS=127.0.0.1` (testkit) and is killed by pid when dropped; daemons bind
//! 127.0.0.1 only.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pyroxene::echo::{ECHO_OBJECT_NAME, EchoServer};
use pyroxene::{Daemon, DaemonBuilder, Serializer};
use pyroxene_testkit::{PythonProcess, python};

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

/// Runs `python -u args` to the end (off the runtime's threads); exit status and stdout.
async fn run_python(py: &Path, args: Vec<String>, env: Vec<(String, String)>) -> (bool, String) {
    let py: PathBuf = py.to_owned();
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

/// `interop/pyro4_client.py cmd uri serializer key`.
async fn pyro4_client(py: &Path, cmd: &str, uri: &str, ser: &str, key: &str) -> (bool, String) {
    let args = ["interop/pyro4_client.py", cmd, uri, ser, key];
    run_python(py, args.map(str::to_owned).to_vec(), Vec::new()).await
}

fn passed((ok, out): &(bool, String)) -> bool {
    *ok && out.lines().any(|l| l == "done") && !out.contains("FAIL")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_proxies_call_the_rust_echo_server() {
    let Some(py) = python() else { return };
    let (daemon, uri) = echo_daemon(Daemon::builder()).await;
    // Values, exceptions with class, text and remote traceback, oneway, batch (not in marshal:
    // Pyro4 itself can't send one), item streaming, metadata, private names.
    for ser in ["serpent", "json", "marshal"] {
        let run = pyro4_client(&py, "echo", &uri, ser, "").await;
        assert!(passed(&run), "{ser}:\n{}", run.1);
    }
    // METADATA off: a CONNECT without META_ON_CONNECT and without an object id gets the
    // handshake response alone.
    let script = format!(
        "import Pyro4\n\
         p = Pyro4.Proxy('{uri}')\n\
         print('echo', p.echo([1, 'two']), p._pyroMethods)\n"
    );
    let env = vec![("PYRO_METADATA".to_owned(), "False".to_owned())];
    let (ok, out) = run_python(&py, vec!["-c".into(), script], env).await;
    assert!(ok && out.contains("echo [1, 'two'] set()"), "{out}");
    // Pickle is Pyro4-only and off by default, refused as Pyro4 refuses it.
    let (_, out) = pyro4_client(&py, "refused", &uri, "pickle", "").await;
    assert!(
        out.contains("rejected: message used serializer that is not accepted: 4"),
        "{out}"
    );
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pickle_when_the_daemon_enables_it() {
    let Some(py) = python() else { return };
    let accepted = [
        Serializer::Serpent,
        Serializer::Json,
        Serializer::Marshal,
        Serializer::Pickle,
    ];
    let (daemon, uri) = echo_daemon(Daemon::builder().serializers(&accepted)).await;
    let run = pyro4_client(&py, "echo", &uri, "pickle", "").await;
    assert!(passed(&run), "pickle:\n{}", run.1);
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hmac_keys_are_symmetric() {
    let Some(py) = python() else { return };
    let (keyed, keyed_uri) = echo_daemon(Daemon::builder().hmac_key(Some(b"secret"))).await;
    let right = pyro4_client(&py, "echo", &keyed_uri, "serpent", "secret").await;
    assert!(passed(&right), "right key:\n{}", right.1);
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
    let (_, out) = run_python(&py, vec!["-c".into(), script], Vec::new()).await;
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
    // Both at once: the Pyro5 client's own echo checks and the Pyro4 client's.
    let pyro5 = {
        let args = ["interop/pyro5_echo_client.py", &uri, "serpent"];
        run_python(&py, args.map(str::to_owned).to_vec(), Vec::new())
    };
    let pyro4 = pyro4_client(&py, "echo", &uri, "serpent", "");
    let ((ok5, out5), run4) = tokio::join!(pyro5, pyro4);
    assert!(ok5 && out5.contains(" passed, 0 failed"), "pyro5:\n{out5}");
    assert!(passed(&run4), "pyro4:\n{}", run4.1);
    daemon.shutdown();
}

/// Junk is served as Pyro5 was before: the daemon closes the connection (Python's "invalid
/// data" refusal), a Pyro4 header with a bad checksum too, and keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_and_bad_headers_are_refused() {
    let (daemon, uri) = echo_daemon(Daemon::builder()).await;
    let addr = daemon.local_addr().expect("tcp");
    let bad_v4 = {
        let mut h = b"PYRO\x00\x30\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00"
            .to_vec();
        h.extend_from_slice(&[0xde, 0xad]); // not the checksum
        h
    };
    let cases: [&[u8]; 3] = [b"GET / HTTP/1.0\r\n\r\n", &bad_v4, b"PY"];
    for junk in cases {
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
        assert!(closed, "connection not closed");
    }
    // Still serving.
    let proxy = pyroxene::Proxy::new(&uri).expect("uri");
    let echoed = proxy
        .call("echo", pyroxene::list!["ok"], None)
        .await
        .expect("echo after junk");
    assert_eq!(echoed, pyroxene::Value::from("ok"));
    daemon.shutdown();
}

/// A Pyro4 CONNECT whose first bytes arrive in pieces ("PYR", then the rest) is still
/// recognised: the daemon waits for 6 bytes before picking the protocol, and answers
/// CONNECTOK in protocol 48 with the metadata the META_ON_CONNECT flag asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pyro4_header_in_pieces() {
    use pyroxene::wire::protocol::{Flags, Message, MessageType, ParseOptions, V4};
    use pyroxene::wire::{ProtocolVersion, Value, dict};
    let (daemon, _) = echo_daemon(Daemon::builder()).await;
    let addr = daemon.local_addr().expect("tcp");
    let payload = Serializer::Serpent
        .encode(&dict! { "handshake" => "hi", "object" => ECHO_OBJECT_NAME })
        .expect("encode");
    let id = u16::from(Serializer::Serpent.id(ProtocolVersion::V4));
    let connect =
        Message::new(MessageType::Connect, id, 7, payload).with_flags(Flags::META_ON_CONNECT);
    let wire = V4::new().encode(&connect).expect("encode connect");
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
            if let Ok(Some((msg, _))) = V4::new().parse(&buf, &ParseOptions::default()) {
                return msg;
            }
            let n = s.read(&mut chunk).expect("read");
            assert!(n > 0, "closed before a reply");
            buf.extend_from_slice(&chunk[..n]);
        }
        panic!("no reply");
    })
    .await
    .expect("join");
    assert_eq!(reply.msg_type, MessageType::ConnectOk);
    assert_eq!(reply.seq, 7);
    assert!(reply.has(Flags::META_ON_CONNECT));
    let body = Serializer::Serpent.decode(&reply.payload).expect("decode");
    assert_eq!(body.get("handshake"), Some(&Value::from("hello")));
    // Pyro4 metadata: lists, not sets.
    assert!(
        matches!(
            body.get("meta").and_then(|m| m.get("methods")),
            Some(Value::List(_))
        ),
        "{body}"
    );
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
    fn proxy(&self) -> pyroxene::Proxy {
        pyroxene::Proxy::with_settings(self.echo.clone(), Default::default())
    }
}

/// A URI and a proxy returned by a Rust method reach a Python Pyro4 client as Pyro4's own
/// `URI` and `Proxy` objects (serde gives them Pyro5's class shapes; the daemon translates them
/// for Pyro4 connections), and the proxy works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_clients_receive_pyro4_uris_and_proxies() {
    let Some(py) = python() else { return };
    let (daemon, uri) = echo_daemon(Daemon::builder()).await;
    let echo = pyroxene::Uri::parse(&uri).expect("echo uri");
    let dir = daemon
        .register_with_id(Arc::new(Directory { echo }), "test.directory")
        .expect("register");
    for ser in ["serpent", "json"] {
        let script = format!(
            "import Pyro4\n\
             Pyro4.config.SERIALIZER = '{ser}'\n\
             d = Pyro4.Proxy('{dir}')\n\
             u = d.uri()\n\
             print(type(u).__module__, type(u).__name__, u)\n\
             p = d.proxy()\n\
             print(type(p).__module__, type(p).__name__, p.echo('via proxy'))\n"
        );
        let (ok, out) = run_python(&py, vec!["-c".to_owned(), script], Vec::new()).await;
        assert!(ok, "{ser}:\n{out}");
        assert!(
            out.contains(&format!("Pyro4.core URI {uri}")),
            "{ser}:\n{out}"
        );
        assert!(out.contains("Pyro4.core Proxy via proxy"), "{ser}:\n{out}");
    }
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
    for lib in ["Pyro4", "Pyro5.api"] {
        let script = format!(
            "import {lib} as pyro\n\
             p = pyro.Proxy('{uri}')\n\
             print('{lib}', p.echo([1, 'two']))\n"
        );
        let (ok, out) = run_python(&py, vec!["-c".to_owned(), script], Vec::new()).await;
        assert!(
            ok && out.contains(&format!("{lib} [1, 'two']")),
            "{lib}:\n{out}"
        );
    }
    daemon.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}
