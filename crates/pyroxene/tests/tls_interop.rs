//! TLS with Pyro's `SSL_*` items, as one table run three ways and over both generations: a
//! Python proxy against a Rust daemon, the Rust proxy against a Python daemon
//! (`interop/tls_peer.py`, Pyro5 and Pyro4, which read the same items), and Rust against
//! Rust (protocol 502, then 48). Both sides are configured only through the same `PYRO_SSL_*`
//! variables; the certificates are the rcgen-made test PKI of `pyroxene_testkit::tls`. Each
//! row says whether the call goes through and, when it does, which client certificate the
//! daemon's handshake validator saw (Python: `validateHandshake` reading `conn.getpeercert()`).

use std::sync::Arc;
use std::time::Duration;

use pyroxene::client::ProxySettings;
use pyroxene::echo::EchoServer;
use pyroxene::server::{Handshake, HandshakeValidator};
use pyroxene::{Config, Daemon, ProtocolVersion, Proxy, Value, dict, tuple};
use pyroxene_testkit::tls::{KEY_PASSWORD, TestPki};
use pyroxene_testkit::{PythonProcess, python};

/// What a row expects: the call goes through (the client CN the daemon saw), or is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Ok { client_cn: Option<String> },
    Refused,
}

struct Row {
    name: &'static str,
    /// `PYRO_SSL_<item>` values for the daemon, then for the proxy; a value naming a `.pem` or
    /// `.key` file is a file of the test PKI, `PASSWORD` is [`KEY_PASSWORD`].
    server: &'static [(&'static str, &'static str)],
    client: &'static [(&'static str, &'static str)],
    expect: fn() -> Outcome,
}

const SERVER: &[(&str, &str)] = &[
    ("SSL", "1"),
    ("SSL_SERVERCERT", "server.pem"),
    ("SSL_SERVERKEY", "server.key"),
];
const MUTUAL: &[(&str, &str)] = &[
    ("SSL", "1"),
    ("SSL_SERVERCERT", "server.pem"),
    ("SSL_SERVERKEY", "server.key"),
    ("SSL_REQUIRECLIENTCERT", "1"),
    ("SSL_CACERTS", "ca.pem"),
];
const CLIENT: &[(&str, &str)] = &[("SSL", "1"), ("SSL_CACERTS", "ca.pem")];
const ALICE: &[(&str, &str)] = &[
    ("SSL", "1"),
    ("SSL_CACERTS", "ca.pem"),
    ("SSL_CLIENTCERT", "client.pem"),
    ("SSL_CLIENTKEY", "client.key"),
];

fn ok_anonymous() -> Outcome {
    Outcome::Ok { client_cn: None }
}

fn ok_alice() -> Outcome {
    Outcome::Ok {
        client_cn: Some("alice".to_owned()),
    }
}

fn refused() -> Outcome {
    Outcome::Refused
}

const ROWS: &[Row] = &[
    Row {
        name: "server-only TLS",
        server: SERVER,
        client: CLIENT,
        expect: ok_anonymous,
    },
    Row {
        name: "server-only TLS, certificate and key in one file",
        server: &[("SSL", "1"), ("SSL_SERVERCERT", "server-combined.pem")],
        client: CLIENT,
        expect: ok_anonymous,
    },
    Row {
        name: "mutual TLS",
        server: MUTUAL,
        client: ALICE,
        expect: ok_alice,
    },
    Row {
        name: "mutual TLS, both keys encrypted (PKCS#8) with *KEYPASSWD",
        server: &[
            ("SSL", "1"),
            ("SSL_SERVERCERT", "server.pem"),
            ("SSL_SERVERKEY", "server-enc.key"),
            ("SSL_SERVERKEYPASSWD", "PASSWORD"),
            ("SSL_REQUIRECLIENTCERT", "1"),
            ("SSL_CACERTS", "ca.pem"),
        ],
        client: &[
            ("SSL", "1"),
            ("SSL_CACERTS", "ca.pem"),
            ("SSL_CLIENTCERT", "client.pem"),
            ("SSL_CLIENTKEY", "client-enc.key"),
            ("SSL_CLIENTKEYPASSWD", "PASSWORD"),
        ],
        expect: ok_alice,
    },
    Row {
        name: "server certificate from another CA",
        server: &[
            ("SSL", "1"),
            ("SSL_SERVERCERT", "server-other.pem"),
            ("SSL_SERVERKEY", "server-other.key"),
        ],
        client: CLIENT,
        expect: refused,
    },
    Row {
        name: "client certificate from another CA",
        server: MUTUAL,
        client: &[
            ("SSL", "1"),
            ("SSL_CACERTS", "ca.pem"),
            ("SSL_CLIENTCERT", "client-other.pem"),
            ("SSL_CLIENTKEY", "client-other.key"),
        ],
        expect: refused,
    },
    Row {
        name: "client certificate missing",
        server: MUTUAL,
        client: CLIENT,
        expect: refused,
    },
    Row {
        name: "server certificate expired",
        server: &[
            ("SSL", "1"),
            ("SSL_SERVERCERT", "server-expired.pem"),
            ("SSL_SERVERKEY", "server-expired.key"),
        ],
        client: CLIENT,
        expect: refused,
    },
    Row {
        name: "client certificate expired",
        server: MUTUAL,
        client: &[
            ("SSL", "1"),
            ("SSL_CACERTS", "ca.pem"),
            ("SSL_CLIENTCERT", "client-expired.pem"),
            ("SSL_CLIENTKEY", "client-expired.key"),
        ],
        expect: refused,
    },
    Row {
        name: "plain client, TLS daemon",
        server: SERVER,
        client: &[],
        expect: refused,
    },
    Row {
        name: "TLS client, plain daemon",
        server: &[],
        client: CLIENT,
        expect: refused,
    },
];

/// `PYRO_SSL_*` variables with the PKI's paths filled in.
fn vars(pki: &TestPki, items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(item, value)| {
            let value = if value.ends_with(".pem") || value.ends_with(".key") {
                pki.path(value)
            } else if *value == "PASSWORD" {
                KEY_PASSWORD.to_owned()
            } else {
                (*value).to_owned()
            };
            (format!("PYRO_{item}"), value)
        })
        .collect()
}

fn refs(vars: &[(String, String)]) -> Vec<(&str, &str)> {
    vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Answers `{"client_cn": CN}` with the CN of the client's certificate (or `None`), as the
/// Python peer's `validateHandshake` does.
fn cn_validator() -> HandshakeValidator {
    Arc::new(|hs: &Handshake<'_>| {
        let cn = hs
            .peer_certificate()
            .and_then(|c| c.common_name())
            .map_or(Value::None, Value::from);
        Ok(dict! { "client_cn" => cn })
    })
}

async fn rust_daemon(vars: &[(String, String)]) -> (Daemon, tokio::task::JoinHandle<()>, String) {
    let config = Config::from_vars(vars.iter().cloned()).expect("config");
    let daemon = Daemon::builder_with(&config)
        .host("127.0.0.1")
        .handshake(cn_validator())
        .bind()
        .await
        .expect("bind");
    daemon
        .register_with_id(Arc::new(EchoServer::new(false)), "tls.echo")
        .expect("register");
    let uri = daemon
        .internal_uri_for("tls.echo")
        .expect("uri")
        .to_string();
    let serving = {
        let daemon = daemon.clone();
        tokio::spawn(async move {
            let _ = daemon.serve().await;
        })
    };
    (daemon, serving, uri)
}

/// The generation's argument of `interop/tls_peer.py`.
fn generation(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V4 => "4",
        _ => "5",
    }
}

fn python_daemon(
    py: &std::path::Path,
    version: ProtocolVersion,
    vars: &[(String, String)],
) -> (PythonProcess, String) {
    let args = ["interop/tls_peer.py", generation(version), "server"];
    let mut server = PythonProcess::spawn(py, &args, &refs(vars)).expect("start python daemon");
    let uri = server.wait_for_line("uri:").expect("uri line");
    (server, uri)
}

/// One call from the Rust proxy speaking `version`; the outcome and what to print.
async fn rust_call(
    uri: &str,
    version: ProtocolVersion,
    vars: &[(String, String)],
) -> (Outcome, String) {
    let config = Config::from_vars(vars.iter().cloned()).expect("config");
    let proxy = Proxy::with_settings(
        uri.parse().expect("uri"),
        ProxySettings::from_config(&config),
    )
    .with_protocol(version)
    .with_timeout(Some(Duration::from_secs(10)));
    match proxy.call("echo", tuple!["over tls"], None).await {
        Ok(v) => {
            assert_eq!(v, Value::from("over tls"));
            assert_eq!(proxy.protocol_version(), Some(version));
            let response = proxy.handshake_response().expect("handshake response");
            let client_cn = response
                .get("client_cn")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if vars.iter().any(|(k, _)| k == "PYRO_SSL") {
                let cert = proxy.peer_certificate().expect("server certificate");
                assert_eq!(cert.common_name(), Some("localhost"));
            }
            (Outcome::Ok { client_cn }, "ok".to_owned())
        }
        Err(e) => (Outcome::Refused, format!("{:?}: {e:#}", e.kind())),
    }
}

/// One call from a Python proxy of `version`'s generation.
async fn python_call(
    py: &std::path::Path,
    uri: &str,
    version: ProtocolVersion,
    vars: &[(String, String)],
) -> (Outcome, String) {
    let tls = vars.iter().any(|(k, _)| k == "PYRO_SSL");
    let (py, uri, vars) = (py.to_owned(), uri.to_owned(), vars.to_vec());
    let (status, out) = tokio::task::spawn_blocking(move || {
        PythonProcess::spawn(
            &py,
            &["interop/tls_peer.py", generation(version), "client", &uri],
            &refs(&vars),
        )
        .expect("start python client")
        .finish()
        .expect("python client output")
    })
    .await
    .expect("join");
    assert!(status.success(), "python client failed: {out}");
    let line = out.lines().last().unwrap_or_default().to_owned();
    if let Some(rest) = line.strip_prefix("ok ") {
        let fields: Vec<&str> = rest.split('|').collect();
        assert_eq!(fields[0], "over tls", "{line}");
        if tls {
            assert_eq!(fields[3], "localhost", "server CN: {line}");
        }
        let client_cn = (fields[1] != "None").then(|| fields[1].to_owned());
        (Outcome::Ok { client_cn }, line)
    } else {
        assert!(line.starts_with("refused "), "{line}");
        (Outcome::Refused, line)
    }
}

#[derive(Clone, Copy, Debug)]
enum Way {
    PythonToRust,
    RustToPython,
    RustToRust,
}

async fn run_table(way: Way) {
    let py = match way {
        Way::RustToRust => None,
        _ => match python() {
            Some(py) => Some(py),
            None => return,
        },
    };
    let pki = TestPki::new();
    let mut failures = Vec::new();
    for version in [ProtocolVersion::V5, ProtocolVersion::V4] {
        for row in ROWS {
            let server = vars(&pki, row.server);
            let client = vars(&pki, row.client);
            let (outcome, said) = match (way, &py) {
                (Way::PythonToRust, Some(py)) => {
                    let (daemon, serving, uri) = rust_daemon(&server).await;
                    let result = python_call(py, &uri, version, &client).await;
                    daemon.shutdown();
                    let _ = serving.await;
                    result
                }
                (Way::RustToPython, Some(py)) => {
                    let (_server, uri) = python_daemon(py, version, &server);
                    rust_call(&uri, version, &client).await
                }
                _ => {
                    let (daemon, serving, uri) = rust_daemon(&server).await;
                    let result = rust_call(&uri, version, &client).await;
                    daemon.shutdown();
                    let _ = serving.await;
                    result
                }
            };
            eprintln!(
                "{way:?} | {version:?} | {} | {outcome:?} | {said}",
                row.name
            );
            if outcome != (row.expect)() {
                failures.push(format!(
                    "{version:?} {}: expected {:?}, got {outcome:?} ({said})",
                    row.name,
                    (row.expect)()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{way:?}:\n{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxies_against_a_rust_tls_daemon() {
    run_table(Way::PythonToRust).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxies_against_a_python_tls_daemon() {
    run_table(Way::RustToPython).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxies_against_a_rust_tls_daemon() {
    run_table(Way::RustToRust).await;
}
