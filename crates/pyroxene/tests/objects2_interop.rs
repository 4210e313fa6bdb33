//! Instance modes, proxies as values, callbacks and SerializedBlob against the real Python
//! Pyro5 5.17, both ways: Python proxies (`interop/pyro5_objects2_client.py`) against a Rust
//! daemon, and the Rust proxy and a Rust callback daemon against a Python daemon
//! (`interop/pyro5_objects2_daemon.py`).

#[path = "support/objects2.rs"]
mod objects2;

use std::path::Path;
use std::sync::Arc;

use objects2::{
    Callback, Dispatcher, Factory, Notifier, Worker, register_tallies, start, wait_until,
};
use pyroxene::{Proxy, SerializedBlob, Serializer, dict, list, tuple};
use pyroxene_testkit::{PythonProcess, python};

/// Runs `interop/pyro5_objects2_client.py MODE TARGET SERIALIZER [ARG]`; asserts all passed.
async fn python_client(py: &Path, mode: &str, target: &str, serializer: &str, arg: Option<&str>) {
    python_client_env(py, mode, target, serializer, arg, &[]).await;
}

/// [`python_client`] with extra environment for the Python process.
async fn python_client_env(
    py: &Path,
    mode: &str,
    target: &str,
    serializer: &str,
    arg: Option<&str>,
    env: &[(&str, &str)],
) {
    let mut args = vec![
        "interop/pyro5_objects2_client.py".to_owned(),
        mode.to_owned(),
        target.to_owned(),
        serializer.to_owned(),
    ];
    args.extend(arg.map(str::to_owned));
    let py = py.to_owned();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let (status, out) = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        PythonProcess::spawn(&py, &args, &env)
            .expect("start python client")
            .finish()
            .expect("python client output")
    })
    .await
    .expect("join");
    eprintln!("python {mode} {serializer}: {}", out.trim());
    assert!(
        status.success() && out.contains(" passed, 0 failed"),
        "{mode} {serializer}:\n{out}"
    );
}

/// The Python daemon and its three URIs: caller, factory, worker.
fn python_daemon(py: &Path) -> (PythonProcess, [String; 3]) {
    let mut server = PythonProcess::spawn(py, &["interop/pyro5_objects2_daemon.py"], &[])
        .expect("start python daemon");
    let mut uri = |what: &str| {
        server
            .wait_for_line(&format!("{what} uri:"))
            .expect("uri line")
    };
    let uris = [uri("caller"), uri("factory"), uri("worker")];
    (server, uris)
}

/// Pyro's autoproxy and proxy values work with serpent, json and msgpack, not marshal
/// (protocol doc 11.3).
const VALUE_SERIALIZERS: [&str; 3] = ["serpent", "json", "msgpack"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxies_see_rust_instance_modes() {
    let Some(py) = python() else { return };
    let daemon = start().await;
    let tallies = register_tallies(&daemon);
    python_client(&py, "instances", daemon.location(), "serpent", None).await;
    // The two session proxies closed: their instances went with their connections.
    let session = &tallies[1].2;
    assert!(wait_until(|| session.dropped.load(std::sync::atomic::Ordering::SeqCst) == 2).await);
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxies_get_and_pass_rust_proxies() {
    let Some(py) = python() else { return };
    let daemon = start().await;
    let factory = Factory {
        daemon: daemon.downgrade(),
    };
    let uri = daemon
        .register_with_id(Arc::new(factory), "test.factory")
        .expect("register")
        .to_string();
    for ser in VALUE_SERIALIZERS {
        python_client(&py, "proxies", &uri, ser, None).await;
    }
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_server_calls_back_python_callbacks() {
    let Some(py) = python() else { return };
    let daemon = start().await;
    let uri = daemon
        .register_with_id(Arc::new(Notifier), "test.notifier")
        .expect("register")
        .to_string();
    for ser in VALUE_SERIALIZERS {
        python_client(&py, "callbacks", &uri, ser, None).await;
    }
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_server_calls_back_rust_callbacks() {
    let Some(py) = python() else { return };
    let (_server, [caller, factory, _]) = python_daemon(&py);
    let daemon = start().await;
    let callback = Arc::new(Callback::default());
    daemon
        .register_with_id(callback.clone(), "callback")
        .expect("register");
    let cb = daemon.proxy_for("callback").expect("proxy_for");
    for ser in [Serializer::Serpent, Serializer::Json, Serializer::Msgpack] {
        let caller = Proxy::new(&caller).expect("uri").with_serializer(ser);
        let done: String = caller.call_as("run", (&cb, 5)).await.expect("run");
        assert_eq!(done, "rust callback done 5");
        let sent: String = caller
            .call_as("run_oneway", (&cb, 6))
            .await
            .expect("oneway");
        assert_eq!(sent, "sent, got None");
        assert!(wait_until(|| callback.pings.lock().is_ok_and(|p| p.last() == Some(&6))).await);
        let failed: String = caller
            .call_as("run_failing", (&cb,))
            .await
            .expect("failing");
        assert_eq!(failed, "builtins.ValueError: rust callback refuses");

        // Python's autoproxy: a registered object comes back as a proxy we can call and pass.
        let factory = Proxy::new(&factory).expect("uri").with_serializer(ser);
        let item: Proxy = factory.call_as("make", ("fig",)).await.expect("make");
        assert!(item.metadata().expect("preset").methods.contains("name"));
        assert_eq!(
            item.call_as::<String>("name", ()).await.expect("name"),
            "fig"
        );
        let name: String = factory.call_as("name_of", (&item,)).await.expect("name_of");
        assert_eq!(name, "fig");
    }
    assert_eq!(*callback.pings.lock().expect("pings"), [6, 6, 6]);
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_blobs_through_a_rust_dispatcher() {
    let Some(py) = python() else { return };
    let (_server, [_, _, python_worker]) = python_daemon(&py);
    let daemon = start().await;
    let rust_worker = daemon
        .register_with_id(Arc::new(Worker), "test.worker")
        .expect("worker");
    for (worker, name) in [
        (python_worker.parse().expect("uri"), "python"),
        (rust_worker, "rust"),
    ] {
        let dispatcher = Dispatcher {
            worker: Proxy::from_uri(worker).expect("proxy"),
        };
        let uri = daemon
            .register_with_id(Arc::new(dispatcher), &format!("dispatch.{name}"))
            .expect("dispatcher")
            .to_string();
        // Not json: Python's SerializedBlob.deserialized() can't read json payloads.
        for ser in ["serpent", "msgpack"] {
            python_client(&py, "blob", &uri, ser, Some(name)).await;
        }
    }
    daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_blobs_to_a_python_final_receiver() {
    let Some(py) = python() else { return };
    let (_server, [_, _, worker]) = python_daemon(&py);
    let data = dict! { "numbers" => list![1, 2, 3], "text" => "blob é" };
    for ser in [
        Serializer::Serpent,
        Serializer::Msgpack,
        Serializer::Marshal,
    ] {
        let worker = Proxy::new(&worker).expect("uri").with_serializer(ser);
        let blob = SerializedBlob::new("rust-info", data.clone());
        let answer = worker.call_blob("process", &blob).await.expect("blob call");
        assert_eq!(
            ser.normalize(&answer),
            ser.normalize(&tuple!["rust-info", data.clone(), "python"]),
            "{ser:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_blobs_through_a_compressing_dispatcher() {
    let Some(py) = python() else { return };
    // Python sends compressed (PYRO_COMPRESSION), the Rust daemon doesn't compress but
    // inflates what it gets, its dispatcher proxy compresses the forwarded payload again and
    // the Python final receiver inflates that.
    let (_server, [_, _, python_worker]) = python_daemon(&py);
    let daemon = start().await;
    let dispatcher = Dispatcher {
        worker: Proxy::new(&python_worker)
            .expect("uri")
            .with_compression(true),
    };
    let uri = daemon
        .register_with_id(Arc::new(dispatcher), "dispatch.compressed")
        .expect("dispatcher")
        .to_string();
    let env = [("PYRO_COMPRESSION", "true")];
    for ser in ["serpent", "msgpack"] {
        python_client_env(&py, "blob", &uri, ser, Some("python"), &env).await;
    }
    daemon.shutdown();
}
