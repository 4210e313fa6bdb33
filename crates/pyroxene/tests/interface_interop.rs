//! Typed interfaces against the real Python peers, both ways and both generations: the typed
//! Rust client of `Library` (support/library.rs) calls the same interface implemented in
//! Python (`interop/library_daemon.py`, a Pyro5 and a Pyro4 daemon), and Python Pyro5 and
//! Pyro4 clients (`interop/library_client.py`) call the Rust daemon serving
//! `#[expose] impl Library for Shelf`.

#[path = "support/library.rs"]
mod library;

use library::{LibraryProxy, check_library, serve_shelf};
use pyroxene::{Proxy, Serializer};
use pyroxene_testkit::{PythonProcess, python};

/// Each generation with the serializers its daemon accepts by default.
const GENERATIONS: [(&str, &[Serializer]); 2] = [
    ("pyro5", &Serializer::ALL),
    (
        "pyro4",
        &[Serializer::Serpent, Serializer::Json, Serializer::Marshal],
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typed_client_calls_python_daemons_of_both_generations() {
    let Some(py) = python() else { return };
    for (generation, serializers) in GENERATIONS {
        for &ser in serializers {
            let mut daemon =
                PythonProcess::spawn(&py, &["interop/library_daemon.py", generation], &[])
                    .expect("start the python daemon");
            let uri = daemon.wait_for_line("library uri:").expect("uri line");
            let proxy = Proxy::new(&uri).expect("uri").with_serializer(ser);
            let lib = LibraryProxy::from_proxy(proxy);
            check_library(&lib, &format!("{generation} daemon, {ser:?}")).await;
            let speaks = lib.proxy().protocol_version().expect("connected");
            assert_eq!(
                format!("{speaks:?}").to_lowercase(),
                generation.replace("pyro", "v")
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_clients_of_both_generations_call_the_exposed_impl() {
    let Some(py) = python() else { return };
    for (generation, serializers) in GENERATIONS {
        for &ser in serializers {
            let (daemon, uri) = serve_shelf().await;
            let py = py.clone();
            let name = ser.name().to_owned();
            let (status, out) = tokio::task::spawn_blocking(move || {
                PythonProcess::spawn(
                    &py,
                    &["interop/library_client.py", generation, &uri, &name],
                    &[],
                )
                .expect("start the python client")
                .finish()
                .expect("python client output")
            })
            .await
            .expect("join");
            assert!(
                status.success() && out.contains(" passed, 0 failed"),
                "{generation} {ser:?}:\n{out}"
            );
            daemon.shutdown();
        }
    }
}
