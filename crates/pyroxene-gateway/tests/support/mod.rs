//! Fixtures of the gateway tests: the backends (Python's or ours: a name server and an echo
//! server registered as `test.echoserver` and `http.echoserver`, all on 127.0.0.1), our
//! gateway in process, Python's gateway as a process, and a raw HTTP/1.1 client that sends
//! exactly the bytes a test gives (malformed requests included).

#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pyroxene::echo::{ECHO_OBJECT_NAME, EchoServer};
use pyroxene::naming::{NameServer, locate_ns_with};
use pyroxene::{Config, Daemon, Uri};
use pyroxene_gateway::{Expose, Gateway, GatewayConfig};
use pyroxene_ns::{NameServerDaemon, NsOptions};
use pyroxene_testkit::PythonProcess;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The expose regex of most recorded transcripts.
pub const EXPOSE_ALL_TEST: &str = r"test\.|Pyro\.|http\.";

/// One HTTP response as received.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `raw` as it is on a new connection and reads the response up to the end of the
/// connection (the requests say `Connection: close`), within 20 s.
pub async fn send_raw(addr: SocketAddr, raw: &[u8]) -> HttpResponse {
    let work = async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(raw).await.unwrap();
        let mut bytes = Vec::new();
        // A server may close after answering while data is still unread: keep what came.
        let _ = stream.read_to_end(&mut bytes).await;
        parse_response(&bytes)
    };
    tokio::time::timeout(Duration::from_secs(20), work)
        .await
        .expect("no HTTP response within 20 s")
}

/// `method path` with these headers (and `Host`, `Connection: close`, `Content-Length` for
/// a body).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> HttpResponse {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(body) = body {
        raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    raw.push_str("\r\n");
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(body.unwrap_or_default());
    send_raw(addr, &raw).await
}

pub async fn get(addr: SocketAddr, path: &str) -> HttpResponse {
    request(addr, "GET", path, &[], None).await
}

fn parse_response(bytes: &[u8]) -> HttpResponse {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status = parts.next().unwrap().parse().unwrap();
    let reason = parts.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    HttpResponse {
        status,
        reason,
        headers,
        body: bytes[split + 4..].to_vec(),
    }
}

/// The pinned venv's python, or `None` (test skipped; under CI=true the testkit panics).
pub fn python() -> Option<PathBuf> {
    pyroxene_testkit::python()
}

/// A Pyro configuration that finds the name server at 127.0.0.1:`port` and broadcasts only
/// to loopback.
pub fn pyro_config(ns_port: u16) -> Config {
    let mut config = Config::default();
    config.ns_host = "127.0.0.1".to_owned();
    config.ns_port = ns_port;
    config.broadcast_addrs = vec!["127.0.0.1".to_owned()];
    config
}

/// The environment a Python peer needs to find that name server.
pub fn ns_env(ns_port: u16) -> Vec<(String, String)> {
    vec![
        ("PYRO_NS_HOST".to_owned(), "127.0.0.1".to_owned()),
        ("PYRO_NS_PORT".to_owned(), ns_port.to_string()),
        ("PYTHONHASHSEED".to_owned(), "0".to_owned()),
    ]
}

fn env_refs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A name server and an echo server, registered as `test.echoserver` and `http.echoserver`.
pub struct Backends {
    pub ns_port: u16,
    pub echo_uri: Uri,
    /// Python processes (killed on drop), in start order.
    pub processes: Vec<PythonProcess>,
    /// In-process daemons (shut down on drop).
    pub daemons: Vec<Daemon>,
}

impl Drop for Backends {
    fn drop(&mut self) {
        for d in &self.daemons {
            d.shutdown();
        }
    }
}

impl Backends {
    /// Python's name server and echo server of `pyro` (`"Pyro5"` or `"Pyro4"`).
    pub async fn python(python: &Path, pyro: &str) -> Backends {
        let ns_module = if pyro == "Pyro4" {
            "Pyro4.naming"
        } else {
            "Pyro5.nameserver"
        };
        let echo_module = if pyro == "Pyro4" {
            "Pyro4.test.echoserver"
        } else {
            "Pyro5.utils.echoserver"
        };
        let seed = [("PYTHONHASHSEED", "0")];
        let mut ns = PythonProcess::spawn(
            python,
            &["-m", ns_module, "-n", "127.0.0.1", "-p", "0"],
            &seed,
        )
        .unwrap();
        let ns_uri: Uri = ns.wait_for_line("URI =").unwrap().parse().unwrap();
        let ns_port = ns_uri.port().unwrap();
        let env = ns_env(ns_port);
        let mut echo = PythonProcess::spawn(
            python,
            &["-m", echo_module, "-H", "127.0.0.1", "-n"],
            &env_refs(&env),
        )
        .unwrap();
        let echo_uri: Uri = echo.wait_for_line("echo uri:").unwrap().parse().unwrap();
        let backends = Backends {
            ns_port,
            echo_uri,
            processes: vec![ns, echo],
            daemons: Vec::new(),
        };
        backends.register("http.echoserver").await;
        backends
    }

    /// Our name server and echo server, in process.
    pub async fn rust() -> Backends {
        let mut options = NsOptions::from_config(&pyro_config(0));
        options.host = "127.0.0.1".into();
        options.port = 0;
        let ns = NameServerDaemon::start(options).await.unwrap();
        let ns_daemon = ns.daemon.clone();
        let ns_port = ns.uri.port().unwrap();
        tokio::spawn(async move { ns.serve().await });
        let echo = Daemon::builder_with(&pyro_config(ns_port))
            .host("127.0.0.1")
            .port(0)
            .bind()
            .await
            .unwrap();
        let echo_uri = echo
            .register_with_id(Arc::new(EchoServer::new(false)), ECHO_OBJECT_NAME)
            .unwrap();
        let serving = echo.clone();
        tokio::spawn(async move { serving.serve().await });
        let backends = Backends {
            ns_port,
            echo_uri,
            processes: Vec::new(),
            daemons: vec![ns_daemon, echo],
        };
        backends.register(ECHO_OBJECT_NAME).await;
        backends.register("http.echoserver").await;
        backends
    }

    pub async fn nameserver(&self) -> NameServer {
        locate_ns_with(
            &pyro_config(self.ns_port),
            Some("127.0.0.1"),
            Some(self.ns_port),
        )
        .await
        .unwrap()
    }

    /// Registers the echo server under `name` too.
    pub async fn register(&self, name: &str) {
        let ns = self.nameserver().await;
        ns.register(name, &self.echo_uri).await.unwrap();
    }
}

/// Our gateway in process on 127.0.0.1 (a free port), serving until the test ends.
pub struct OurGateway {
    pub addr: SocketAddr,
    pub gateway: Gateway,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for OurGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The gateway config of a test: the name server at `ns_port`, `expose`, `key`.
pub fn config(ns_port: u16, expose: &str, key: Option<&str>) -> GatewayConfig {
    let mut config = GatewayConfig::new(pyro_config(ns_port));
    config.expose = Expose::new(expose).unwrap();
    config.gateway_key = key.map(str::to_owned);
    config
}

pub async fn start_gateway(config: GatewayConfig) -> OurGateway {
    let gateway = Gateway::new(config).unwrap();
    let bound = gateway.bind("127.0.0.1", 0).await.unwrap();
    let addr = bound.local_addr();
    let task = tokio::spawn(async move {
        let _ = bound.serve().await;
    });
    OurGateway {
        addr,
        gateway,
        task,
    }
}

/// Python's gateway (`python -m Pyro5.utils.httpgateway`) on 127.0.0.1, a free port.
pub struct PythonGateway {
    pub addr: SocketAddr,
    _process: PythonProcess,
}

impl PythonGateway {
    pub fn start(python: &Path, ns_port: u16, expose: &str, key: Option<&str>) -> PythonGateway {
        let mut args = vec![
            "-m",
            "Pyro5.utils.httpgateway",
            "-H",
            "127.0.0.1",
            "-p",
            "0",
            "-e",
            expose,
        ];
        if let Some(key) = key {
            args.extend(["-g", key]);
        }
        let env = ns_env(ns_port);
        let mut process = PythonProcess::spawn(python, &args, &env_refs(&env)).unwrap();
        let url = process
            .wait_for_line("Pyro HTTP gateway running on")
            .unwrap();
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches("/pyro/")
            .parse()
            .unwrap();
        PythonGateway {
            addr,
            _process: process,
        }
    }
}
