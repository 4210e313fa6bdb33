//! Leases through the name server: the `lease:SECONDS` tag from Python Pyro4 and Pyro5 clients
//! (renewed by `renew` or by registering again), and a pyroxene daemon that renews its leased
//! names while it runs, removes them when it shuts down, and whose names go within the lease
//! (plus the name server's one-second sweep) when it dies without a shutdown.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pyroxene::naming::{NameServer, RegisterOptions, locate_ns_with};
use pyroxene::{Config, Daemon};
use pyroxene_ns::lease::LEASE_SWEEP_INTERVAL;
use pyroxene_ns::{NameServerDaemon, NsOptions};
use pyroxene_testkit::{PythonProcess, python};

/// Our name server on 127.0.0.1 with a free port, served in the background.
async fn start_ns() -> Arc<NameServerDaemon> {
    let mut options = NsOptions::from_config(&Config::default());
    options.host = "127.0.0.1".into();
    options.port = 0;
    options.broadcast = false;
    let ns = Arc::new(NameServerDaemon::start(options).await.expect("start ns"));
    let serving = ns.clone();
    tokio::spawn(async move { serving.serve().await });
    ns
}

fn port_of(ns: &NameServerDaemon) -> u16 {
    ns.daemon.local_addr().expect("tcp").port()
}

async fn client(port: u16) -> NameServer {
    locate_ns_with(&Config::default(), Some("127.0.0.1"), Some(port))
        .await
        .expect("locate")
}

/// Waits (bounded) until `name` is no longer registered; returns how long that took.
async fn gone_within(ns: &NameServerDaemon, name: &str, limit: Duration) -> Duration {
    let start = Instant::now();
    while ns.nameserver.registry().lookup(name).is_ok() {
        assert!(
            start.elapsed() < limit,
            "{name} still registered after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    start.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_clients_lease_names_with_the_tag() {
    let Some(py) = python() else { return };
    for generation in ["4", "5"] {
        let ns = start_ns().await;
        let port = port_of(&ns).to_string();
        let py = py.clone();
        let out = tokio::task::spawn_blocking(move || {
            let script = ["interop/ns_lease_client.py", generation, port.as_str()];
            let process = PythonProcess::spawn(&py, &script, &[]).expect("start python");
            let (status, out) = process.finish().expect("output");
            assert!(status.success(), "pyro{generation}: {out}");
            out
        })
        .await
        .expect("script");
        let registered_again = Instant::now();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            [
                "lookup PYRO:obj@127.0.0.1:1 ['class:X', 'lease:2']",
                "renew 2",
                "bad lease ValueError",
                "registered again",
            ],
            "pyro{generation}"
        );
        let leases = ns.nameserver.registry().leases().expect("leases");
        assert_eq!(leases.len(), 1, "{leases:?}");
        // The lease started over with the last registration, and runs out: gone, the plain
        // name stays.
        gone_within(&ns, "lease.py", Duration::from_secs(10)).await;
        assert!(registered_again.elapsed() >= Duration::from_secs(2) - LEASE_SWEEP_INTERVAL);
        assert!(ns.nameserver.registry().lookup("plain.py").is_ok());
        ns.daemon.shutdown();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_renews_its_leases_and_removes_them_on_shutdown() {
    let ns = start_ns().await;
    let port = port_of(&ns);
    let mut config = Config::default();
    config.host = "127.0.0.1".into();
    let daemon = Daemon::builder_with(&config).bind().await.expect("daemon");
    let serving = daemon.clone();
    let served = tokio::spawn(async move { serving.serve().await });
    let nsproxy = client(port).await;
    let ttl = Duration::from_secs(1);
    daemon
        .register_with_lease(
            &nsproxy,
            "leased.rust",
            "PYRO:obj@127.0.0.1:1",
            ttl,
            RegisterOptions::new().metadata(["class:Y"]),
        )
        .await
        .expect("register with lease");
    let (_, tags) = nsproxy
        .lookup_with_metadata("leased.rust")
        .await
        .expect("lookup");
    assert!(
        tags.contains("lease:1") && tags.contains("class:Y"),
        "{tags:?}"
    );
    // Three lease lengths later it is still there: the daemon renewed it.
    let start = Instant::now();
    while start.elapsed() < 3 * ttl {
        assert!(nsproxy.lookup("leased.rust").await.is_ok(), "lease lapsed");
        let left = nsproxy.leases().await.expect("leases");
        assert!(left["leased.rust"] <= ttl, "{left:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A name server that lost it (here: removed by hand) gets it back at the next renewal.
    ns.nameserver
        .registry()
        .remove(pyroxene::naming::Remove::Name("leased.rust"))
        .expect("remove");
    let deadline = Instant::now() + 5 * ttl;
    while nsproxy.lookup("leased.rust").await.is_err() {
        assert!(Instant::now() < deadline, "not registered again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    daemon.shutdown();
    served.await.expect("join").expect("serve");
    assert!(
        nsproxy.lookup("leased.rust").await.is_err(),
        "removed on shutdown"
    );
    ns.daemon.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_daemons_names_go_within_the_lease() {
    let ns = start_ns().await;
    let port = port_of(&ns);
    let ttl = Duration::from_secs(1);
    // The daemon on a runtime of its own, dropped without a shutdown: its tasks (serving,
    // renewing) vanish as with SIGKILL.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mut config = Config::default();
            config.host = "127.0.0.1".into();
            let daemon = Daemon::builder_with(&config).bind().await.expect("daemon");
            let nsproxy = client(port).await;
            daemon
                .register_with_lease(
                    &nsproxy,
                    "dies",
                    "PYRO:o@127.0.0.1:1",
                    ttl,
                    RegisterOptions::new(),
                )
                .await
                .expect("register");
        });
        drop(runtime);
    })
    .join()
    .expect("thread");
    // TTL + one sweep interval, with room for a loaded machine.
    gone_within(
        &ns,
        "dies",
        ttl + LEASE_SWEEP_INTERVAL + Duration::from_secs(3),
    )
    .await;
    ns.daemon.shutdown();
}
