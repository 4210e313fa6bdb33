//! Pyro5's own `ssl` example (two-way TLS, certificates checked in the handshake hooks), its
//! `client.py` and `server.py` run unchanged from the Pyro5 5.17 sdist that
//! `scripts/test-examples.sh` downloads, against the Rust port of the other side:
//!
//! - `client.py` against a Rust daemon whose [`HandshakeValidator`] is the example's
//!   `CertValidatingDaemon.validateHandshake`;
//! - `server.py` against the Rust proxy, which checks the server's certificate as the
//!   example's `CertCheckingProxy` does;
//!
//! each side's printed lines compared with the Python-with-Python run. The example reads
//! `../../certs/*.pem`; those of the sdist expired on 2026-07-13, so the run uses certificates
//! of the same shape (self-signed, Razorvine.net, the serial numbers the example checks)
//! minted by `pyroxene_testkit::tls::write_pyro5_example_certs`, beside unchanged copies of
//! the two scripts.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};

use pyroxene::server::{
    BoxFuture, CallResult, Handshake, HandshakeValidator, Invocation, Metadata, RemoteObject,
};
use pyroxene::tls::PeerCertificate;
use pyroxene::{Config, Daemon, Proxy, Value, tuple};
use pyroxene_testkit::tls::{
    PYRO5_EXAMPLE_CLIENT_SERIAL, PYRO5_EXAMPLE_SERVER_SERIAL, write_pyro5_example_certs,
};
use pyroxene_testkit::{python, under_ci, workspace_root};

/// The example folder of the sdist, or `None` (said why) when it was never downloaded.
fn example_source() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from);
    let dir = target.join("pyro-examples/src/pyro5-5.17/examples/ssl");
    if dir.join("client.py").exists() {
        return Some(dir);
    }
    let msg = format!(
        "Pyro5's ssl example not at {} (scripts/test-examples.sh downloads it)",
        dir.display()
    );
    assert!(!under_ci(), "{msg}");
    eprintln!("SKIPPING: {msg}");
    None
}

/// `<tmp>/examples/ssl/{client,server}.py` (copied unchanged) and `<tmp>/certs/`.
struct Tree {
    root: PathBuf,
}

impl Tree {
    fn new(source: &Path, test: &str) -> Tree {
        let root = std::env::temp_dir().join(format!(
            "pyroxene-ssl-example-{}-{test}",
            std::process::id()
        ));
        let ssl = root.join("examples/ssl");
        std::fs::create_dir_all(&ssl).expect("example folder");
        std::fs::create_dir_all(root.join("certs")).expect("certs folder");
        for script in ["client.py", "server.py"] {
            std::fs::copy(source.join(script), ssl.join(script)).expect("copy the script");
        }
        write_pyro5_example_certs(&root.join("certs")).expect("mint the certificates");
        Tree { root }
    }

    fn example(&self) -> PathBuf {
        self.root.join("examples/ssl")
    }

    fn cert(&self, name: &str) -> String {
        self.root
            .join("certs")
            .join(name)
            .to_string_lossy()
            .into_owned()
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A Python script of the example, run in its folder; killed (by pid) when dropped.
struct Script {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Script {
    fn start(py: &Path, tree: &Tree, script: &str, stdin: Option<&str>) -> Script {
        let mut child = Command::new(py)
            .args(["-u", script])
            .current_dir(tree.example())
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the example");
        if let Some(text) = stdin {
            let mut input = child.stdin.take().expect("stdin");
            input.write_all(text.as_bytes()).expect("write stdin");
        }
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Script { child, stdout }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read a line");
        line.trim_end().to_owned()
    }

    /// Everything it prints until it exits, stderr after stdout.
    fn finish(mut self) -> String {
        let mut out = String::new();
        self.stdout.read_to_string(&mut out).expect("stdout");
        if let Some(mut err) = self.child.stderr.take() {
            err.read_to_string(&mut out).expect("stderr");
        }
        let _ = self.child.wait();
        out
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The example's `verify_cert` (client side) and the checks of `CertValidatingDaemon`
/// (server side): the serial number, the issuer's organisation, the subject's country and
/// organisation; the same texts as the Python `CommunicationError`s, as `str()` shows them.
fn verify_cert(cert: Option<&PeerCertificate>, serial: &str) -> Result<String, String> {
    let cert = cert.ok_or("client cert missing")?;
    if cert.serial_number != serial {
        return Err(format!(
            "('cert serial number incorrect', '{}')",
            cert.serial_number
        ));
    }
    if cert.issuer_field("organizationName") != Some("Razorvine.net") {
        return Err("cert not issued by Razorvine.net".to_owned());
    }
    if cert.subject_field("countryName") != Some("NL") {
        return Err("cert not for country NL".to_owned());
    }
    let subject = cert.subject_field("organizationName").unwrap_or_default();
    if subject != "Razorvine.net" {
        return Err("cert not for Razorvine.net".to_owned());
    }
    Ok(format!(
        "(SSL client cert is ok: serial={}, subject={subject})",
        cert.serial_number
    ))
}

/// The example's `Safe` object: `echo(message)` says what it got and answers "hi!".
struct Safe {
    printed: Arc<Mutex<Vec<String>>>,
}

impl RemoteObject for Safe {
    fn metadata(&self) -> Metadata {
        Metadata::new(["echo"], [""; 0], [""; 0])
    }

    fn invoke(self: Arc<Self>, call: Invocation) -> BoxFuture<CallResult> {
        Box::pin(async move {
            let message = call
                .args
                .first()
                .and_then(Value::as_str)
                .unwrap_or_default();
            if let Ok(mut p) = self.printed.lock() {
                p.push(format!("got message: {message}"));
            }
            Ok(Value::from("hi!"))
        })
    }
}

/// The example's `server.py` in Rust; what it printed is gathered in the returned list.
async fn rust_server(
    tree: &Tree,
    expected_serial: &'static str,
) -> (
    Daemon,
    tokio::task::JoinHandle<()>,
    String,
    Arc<Mutex<Vec<String>>>,
) {
    let mut config = Config::default();
    config.ssl = true;
    config.ssl_requireclientcert = true;
    config.ssl_servercert = tree.cert("server_cert.pem");
    config.ssl_serverkey = tree.cert("server_key.pem");
    config.ssl_cacerts = tree.cert("client_cert.pem");
    let printed = Arc::new(Mutex::new(Vec::new()));
    let seen = printed.clone();
    let validator: HandshakeValidator = Arc::new(move |hs: &Handshake<'_>| {
        let ok = verify_cert(hs.peer_certificate(), expected_serial)?;
        if let Ok(mut p) = seen.lock() {
            p.push(ok);
        }
        Ok(Value::from("hello"))
    });
    let daemon = Daemon::builder_with(&config)
        .host("localhost")
        .handshake(validator)
        .bind()
        .await
        .expect("bind");
    let uri = daemon
        .register(Arc::new(Safe {
            printed: printed.clone(),
        }))
        .expect("register")
        .to_string();
    let serving = {
        let daemon = daemon.clone();
        tokio::spawn(async move {
            let _ = daemon.serve().await;
        })
    };
    (daemon, serving, uri, printed)
}

/// The example's `client.py` in Rust: the answer, or why it failed.
async fn rust_client(tree: &Tree, uri: &str) -> Result<String, String> {
    let mut config = Config::default();
    config.ssl = true;
    config.ssl_cacerts = tree.cert("server_cert.pem");
    config.ssl_clientcert = tree.cert("client_cert.pem");
    config.ssl_clientkey = tree.cert("client_key.pem");
    let proxy = Proxy::with_settings(
        uri.parse().map_err(|e| format!("{e}"))?,
        pyroxene::client::ProxySettings::from_config(&config),
    );
    proxy.connect().await.map_err(|e| format!("{e:#}"))?;
    verify_cert(
        proxy.peer_certificate().as_deref(),
        PYRO5_EXAMPLE_SERVER_SERIAL,
    )?;
    let answer = proxy
        .call("echo", tuple!["client speaking"], None)
        .await
        .map_err(|e| format!("{e:#}"))?;
    Ok(answer.as_str().unwrap_or_default().to_owned())
}

/// `server.py` started; its URI line read.
fn python_server(py: &Path, tree: &Tree) -> (Script, String) {
    let mut server = Script::start(py, tree, "server.py", None);
    assert_eq!(server.line(), "SSL enabled (2-way).");
    let uri = server.line();
    let uri = uri
        .strip_prefix("server uri: ")
        .expect("server uri line")
        .to_owned();
    (server, uri)
}

fn python_client(py: &Path, tree: &Tree, uri: &str) -> String {
    Script::start(py, tree, "client.py", Some(&format!("{uri}\n"))).finish()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro5_ssl_example_runs_unchanged_against_ours() {
    let Some(py) = python() else { return };
    let Some(source) = example_source() else {
        return;
    };
    let tree = Tree::new(&source, "unchanged");

    // Python with Python: the reference transcripts.
    let (mut server, uri) = python_server(&py, &tree);
    let client_reference = python_client(&py, &tree, &uri);
    let server_reference = [server.line(), server.line()];
    drop(server);
    assert_eq!(
        client_reference,
        format!(
            "SSL enabled (2-way).\nServer uri: (SSL server cert is ok: serial={PYRO5_EXAMPLE_SERVER_SERIAL}, subject=Razorvine.net)\nresponse: hi!\n"
        )
    );
    assert_eq!(
        server_reference,
        [
            format!(
                "(SSL client cert is ok: serial={PYRO5_EXAMPLE_CLIENT_SERIAL}, subject=Razorvine.net)"
            ),
            "got message: client speaking".to_owned()
        ]
    );

    // client.py against the Rust server: the same lines on both sides.
    let (daemon, serving, uri, printed) = rust_server(&tree, PYRO5_EXAMPLE_CLIENT_SERIAL).await;
    let (tree_ref, uri2) = (&tree, uri.clone());
    let client = tokio::task::block_in_place(|| python_client(&py, tree_ref, &uri2));
    assert_eq!(client, client_reference);
    assert_eq!(*printed.lock().expect("printed"), server_reference);
    daemon.shutdown();
    let _ = serving.await;

    // server.py against the Rust client.
    let (mut server, uri) = python_server(&py, &tree);
    assert_eq!(rust_client(&tree, &uri).await.as_deref(), Ok("hi!"));
    let lines = tokio::task::block_in_place(|| [server.line(), server.line()]);
    assert_eq!(lines, server_reference);
}

/// The validator refusing: client.py gets Python's "connection ... rejected: <reason>".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_validator_refuses_another_certificate() {
    let Some(py) = python() else { return };
    let Some(source) = example_source() else {
        return;
    };
    let tree = Tree::new(&source, "refused");
    let (daemon, serving, uri, printed) = rust_server(&tree, "00").await;
    let out = tokio::task::block_in_place(|| python_client(&py, &tree, &uri));
    let last = out.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!(
            "Pyro5.errors.CommunicationError: connection to ('localhost', {}) rejected: ('cert serial number incorrect', '{PYRO5_EXAMPLE_CLIENT_SERIAL}')",
            uri.rsplit_once(':').map_or("", |(_, port)| port)
        ),
        "{out}"
    );
    assert!(printed.lock().expect("printed").is_empty());
    daemon.shutdown();
    let _ = serving.await;
}
