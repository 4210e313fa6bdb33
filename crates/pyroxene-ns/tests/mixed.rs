//! A mixed Rust/Python Pyro5 deployment around one pyroxene name server, no Pyro4 involved: a
//! Rust daemon registers `example.rust`, a Python daemon registers `example.python`, and at the
//! same time a Python client and a Rust proxy each call both objects through `PYRONAME:` URIs.
//!
//! Everything binds 127.0.0.1; Python processes get `PYRO_BROADCAST_ADDRS=127.0.0.1` (testkit)
//! and are killed on drop.

use std::sync::Arc;

use pyroxene::naming::locate_ns_with;
use pyroxene::{Config, Daemon, Proxy, Uri, expose};
use pyroxene_ns::{NameServerDaemon, NsOptions};
use pyroxene_testkit::{PythonProcess, python};

/// The Rust object; the same methods as the Python `Greeter` of `interop/ns_mixed.py`.
struct Greeter;

#[expose]
impl Greeter {
    fn greet(&self, name: String) -> String {
        format!("hello {name}, from rust")
    }

    fn add(&self, a: i64, b: i64) -> i64 {
        a + b
    }
}

/// Calls `greet` and `add` on `PYRONAME:<name>@127.0.0.1:<ns_port>` from Rust.
async fn call_by_name(name: &str, ns_port: u16) -> (String, i64) {
    let proxy = Proxy::from_uri(Uri::pyroname(name, Some(("127.0.0.1", ns_port)))).expect("proxy");
    let greeting: String = proxy
        .call_as("greet", ("rust proxy",))
        .await
        .unwrap_or_else(|e| panic!("greet {name}: {e}"));
    let sum: i64 = proxy
        .call_as("add", (2, 3))
        .await
        .unwrap_or_else(|e| panic!("add {name}: {e}"));
    (greeting, sum)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_and_rust_peers_share_one_pyroxene_name_server() {
    let Some(py) = python() else { return };

    // The name server: what `pyroxene ns -n 127.0.0.1 -p 0 -x` runs.
    let mut options = NsOptions::from_config(&Config::default());
    options.host = "127.0.0.1".into();
    options.port = 0;
    options.broadcast = false;
    let ns = NameServerDaemon::start(options).await.expect("start ns");
    let ns_port = ns.daemon.local_addr().expect("tcp").port();
    let ns_daemon = ns.daemon.clone();
    let ns_task = tokio::spawn(async move { ns.serve().await });

    // The Rust server registers itself the way a Rust application would: locate, register.
    let daemon = Daemon::builder()
        .host("127.0.0.1")
        .port(0)
        .bind()
        .await
        .expect("bind rust daemon");
    let rust_uri = daemon.register(Arc::new(Greeter)).expect("register");
    let rust_task = tokio::spawn({
        let d = daemon.clone();
        async move { d.serve().await }
    });
    let names = locate_ns_with(&Config::default(), Some("127.0.0.1"), Some(ns_port))
        .await
        .expect("locate our ns from rust");
    names
        .register_with(
            "example.rust",
            &rust_uri,
            pyroxene::naming::RegisterOptions::new().metadata(["example", "rust"]),
        )
        .await
        .expect("register example.rust");

    // The Python server registers itself in the same name server.
    let port = ns_port.to_string();
    let py_server = py.clone();
    let (python_server, python_uri) = tokio::task::spawn_blocking(move || {
        let mut server =
            PythonProcess::spawn(&py_server, &["interop/ns_mixed.py", "serve", &port], &[])
                .expect("start python server");
        let uri = server
            .wait_for_line("registered ")
            .expect("python server registered");
        (server, uri)
    })
    .await
    .expect("python server starts");
    assert_eq!(
        names
            .lookup("example.python")
            .await
            .expect("lookup")
            .to_string(),
        python_uri
    );

    // Both clients at once: the Python client in its process, the Rust proxy here.
    let port = ns_port.to_string();
    let python_client = tokio::task::spawn_blocking(move || {
        let process = PythonProcess::spawn(&py, &["interop/ns_mixed.py", "call", &port], &[])
            .expect("start python client");
        process.finish().expect("python client output")
    });
    let (rust_to_python, rust_to_rust) = tokio::join!(
        call_by_name("example.python", ns_port),
        call_by_name("example.rust", ns_port)
    );
    let (status, out) = python_client.await.expect("python client runs");
    assert!(status.success(), "python client failed ({status}):\n{out}");

    assert_eq!(
        rust_to_python,
        ("hello rust proxy, from python".to_owned(), 5)
    );
    assert_eq!(rust_to_rust, ("hello rust proxy, from rust".to_owned(), 5));
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "example.rust greet hello python client, from rust",
            "example.rust add 5",
            "example.python greet hello python client, from python",
            "example.python add 5",
            "list ['example.python', 'example.rust']",
            "yplookup ['example.python', 'example.rust']",
        ]
    );

    drop(python_server);
    daemon.shutdown();
    ns_daemon.shutdown();
    rust_task.await.expect("join").expect("rust daemon");
    ns_task.await.expect("join").expect("name server");
}
