//! Regression: a Pyro error a method passes on with `?` must reach each caller in the caller's
//! own generation. An `#[expose]` method that returned a failed proxy call's error sent
//! `Pyro5.errors.*` to Pyro4 callers (URIs were translated for Pyro4, exception classes were
//! not), and a Pyro4 server's `Pyro4.errors.*` went to Pyro5 callers unchanged: the caller
//! could not even decode it (Python: "unsupported serialized class").
//!
//! One Rust daemon relays three failures; real Python Pyro4 and Pyro5 clients call it:
//! - a proxy call to a port nobody listens on (the proxy's own CommunicationError),
//! - a call to a Python Pyro4 daemon whose method raises `Pyro4.errors.NamingError`,
//! - a call to a Python Pyro5 daemon whose method raises `Pyro5.errors.NamingError`,
//!
//! and a builtin (`ValueError` from the Pyro4 daemon), which keeps its class everywhere. The
//! same held for values: a URI a Pyro4 daemon returned reached Pyro5 callers as
//! `Pyro4.core.URI` (the proxy now reads a Pyro4 daemon's values into Pyro5's class names, the
//! form a daemon translates for Pyro4 callers).

use std::path::Path;
use std::sync::Arc;

use pyroxene::{Daemon, Proxy, RemoteException, Value, expose, tuple};
use pyroxene_testkit::{PythonProcess, python};

/// Calls that fail somewhere else, passed on with `?`.
struct Relay {
    unreachable: String,
    pyro4: String,
    pyro5: String,
}

#[expose]
impl Relay {
    async fn unreachable(&self) -> Result<Value, RemoteException> {
        Ok(Proxy::new(&self.unreachable)?
            .call("anything", tuple![], None)
            .await?)
    }

    async fn relay_pyro4(&self, method: String) -> Result<Value, RemoteException> {
        Ok(Proxy::new(&self.pyro4)?
            .call(method.as_str(), tuple![], None)
            .await?)
    }

    async fn relay_pyro5(&self, method: String) -> Result<Value, RemoteException> {
        Ok(Proxy::new(&self.pyro5)?
            .call(method.as_str(), tuple![], None)
            .await?)
    }
}

/// A Python daemon of generation `pyro` ("Pyro4" or "Pyro5") serving `failing` with methods
/// that raise its own NamingError and a ValueError; prints its URI.
fn failing_daemon(py: &Path, pyro: &str) -> (PythonProcess, String) {
    let (import, expose, daemon) = match pyro {
        "Pyro4" => ("import Pyro4, Pyro4.errors", "Pyro4.expose", "Pyro4.Daemon"),
        _ => (
            "import Pyro5.api, Pyro5.errors",
            "Pyro5.api.expose",
            "Pyro5.api.Daemon",
        ),
    };
    let script = format!(
        "{import}\n\
         @{expose}\n\
         class Failing:\n    \
             def naming(self):\n        raise {pyro}.errors.NamingError('no such name')\n    \
             def value(self):\n        raise ValueError('bad value')\n    \
             def uri(self):\n        return {pyro}.core.URI('PYRO:obj@127.0.0.1:4444')\n\
         d = {daemon}(host='127.0.0.1', port=0)\n\
         print('uri', d.register(Failing(), 'failing'))\n\
         d.requestLoop()\n"
    );
    let mut process = PythonProcess::spawn(py, &["-c", &script], &[]).expect("start daemon");
    let uri = process.wait_for_line("uri ").expect("daemon uri");
    (process, uri.trim().to_owned())
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    socket.local_addr().expect("addr").port()
}

/// What a Python client of generation `pyro` gets for each relayed call: one line per call,
/// `<call> <module>.<class>: <text>`.
fn caller(py: &Path, pyro: &str, uri: &str) -> String {
    let import = match pyro {
        "Pyro4" => "import Pyro4 as P\nProxy = P.Proxy",
        _ => "import Pyro5.api as P\nProxy = P.Proxy",
    };
    let script = format!(
        "{import}\n\
         p = Proxy('{uri}')\n\
         for name, call in [('unreachable', lambda: p.unreachable()),\n\
                            ('pyro4-naming', lambda: p.relay_pyro4('naming')),\n\
                            ('pyro5-naming', lambda: p.relay_pyro5('naming')),\n\
                            ('pyro4-value', lambda: p.relay_pyro4('value')),\n\
                            ('pyro4-uri', lambda: p.relay_pyro4('uri')),\n\
                            ('pyro5-uri', lambda: p.relay_pyro5('uri'))]:\n    \
             try:\n        r = call()\n        print(name, type(r).__module__ + '.' + type(r).__name__ + ':', r)\n    \
             except Exception as e:\n        \
                 print(name, type(e).__module__ + '.' + type(e).__name__ + ':', e)\n"
    );
    let (status, out) = PythonProcess::spawn(py, &["-c", &script], &[])
        .expect("start client")
        .finish()
        .expect("client output");
    assert!(status.success(), "{pyro} client failed:\n{out}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relayed_pyro_errors_reach_pyro4_callers_as_pyro4_classes() {
    let Some(py) = python() else { return };
    let (_pyro4, pyro4) = failing_daemon(&py, "Pyro4");
    let (_pyro5, pyro5) = failing_daemon(&py, "Pyro5");
    let relay = Relay {
        unreachable: format!("PYRO:nobody@127.0.0.1:{}", closed_port()),
        pyro4,
        pyro5,
    };
    let daemon = Daemon::builder()
        .host("127.0.0.1")
        .port(0)
        .bind()
        .await
        .expect("bind");
    let uri = daemon
        .register_with_id(Arc::new(relay), "relay")
        .expect("register");
    tokio::spawn({
        let daemon = daemon.clone();
        async move { daemon.serve().await }
    });
    let mut wrong = Vec::new();
    for pyro in ["Pyro4", "Pyro5"] {
        let (py, uri) = (py.clone(), uri.to_string());
        let out = tokio::task::spawn_blocking(move || caller(&py, pyro, &uri))
            .await
            .expect("join");
        let lines: Vec<&str> = out.lines().collect();
        let want = [
            ("unreachable", format!("{pyro}.errors.CommunicationError: ")),
            (
                "pyro4-naming",
                format!("{pyro}.errors.NamingError: no such name"),
            ),
            (
                "pyro5-naming",
                format!("{pyro}.errors.NamingError: no such name"),
            ),
            ("pyro4-value", "builtins.ValueError: bad value".to_owned()),
            (
                "pyro4-uri",
                format!("{pyro}.core.URI: PYRO:obj@127.0.0.1:4444"),
            ),
            (
                "pyro5-uri",
                format!("{pyro}.core.URI: PYRO:obj@127.0.0.1:4444"),
            ),
        ];
        assert_eq!(lines.len(), want.len(), "{pyro} caller:\n{out}");
        for (line, (call, class)) in lines.iter().zip(&want) {
            let got = line.strip_prefix(call).map(str::trim_start);
            if !got.is_some_and(|g| g.starts_with(class.as_str())) {
                wrong.push(format!(
                    "{pyro} caller, {call}: want {class}..., got {line:?}"
                ));
            }
        }
    }
    daemon.shutdown();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
