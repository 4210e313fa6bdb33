//! NS_AUTOCLEAN: Pyro5's minimum interval, which names a sweep probes (not the name server's own
//! entry nor `Pyro.Daemon`), removal only after the address has not answered for the limit,
//! and a sweep over 10,000 registrations probing each distinct address once with its probes
//! bounded.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pyroxene::Config;
use pyroxene_ns::autoclean::{AutoCleaner, MIN_AUTOCLEAN};
use pyroxene_ns::{
    NAMESERVER_CLASS_TAG, NAMESERVER_NAME, NameServer, NameServerDaemon, NsOptions,
    RegisterOptions, Registry, StartError,
};

fn nameserver() -> Arc<NameServer> {
    let ns = NameServer::new(Registry::default());
    ns.registry()
        .register(
            NAMESERVER_NAME,
            "PYRO:Pyro.NameServer@127.0.0.1:1",
            RegisterOptions::new().metadata([NAMESERVER_CLASS_TAG]),
        )
        .expect("self registration");
    Arc::new(ns)
}

/// A unix socket path nothing listens on: unlike a released TCP port, no other test can
/// start answering on it.
fn dead_socket(tag: &str) -> String {
    let path = std::env::temp_dir().join(format!(
        "pyroxene-autoclean-{}-{tag}.sock",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    path.display().to_string()
}

fn register_uri(ns: &NameServer, name: &str, uri: &str) {
    ns.registry()
        .register(name, uri, RegisterOptions::new())
        .expect("register");
}

fn register(ns: &NameServer, name: &str, port: u16) {
    register_uri(ns, name, &format!("PYRO:obj@127.0.0.1:{port}"));
}

fn register_dead(ns: &NameServer, name: &str, socket: &str) {
    register_uri(ns, name, &format!("PYRO:obj@./u:{socket}"));
}

#[test]
fn interval_below_three_seconds_is_refused_with_pyros_text() {
    let err = AutoCleaner::new(Duration::from_millis(2999), None).expect_err("too short");
    assert_eq!(err.to_string(), "NS_AUTOCLEAN cannot be smaller than 3");
    assert!(AutoCleaner::new(MIN_AUTOCLEAN, None).is_ok());
}

#[tokio::test]
async fn name_server_refuses_to_start_with_a_short_autoclean() {
    let mut options = NsOptions::from_config(&Config::default());
    options.host = "127.0.0.1".to_owned();
    options.port = 0;
    options.broadcast = false;
    options.autoclean = Some(Duration::from_secs(1));
    let err = NameServerDaemon::start(options)
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, StartError::Autoclean(_)), "{err:?}");
    assert_eq!(err.to_string(), "NS_AUTOCLEAN cannot be smaller than 3");
}

#[tokio::test]
async fn unreachable_names_go_after_the_limit_and_the_rest_stay() {
    let ns = nameserver();
    let alive = TcpListener::bind("127.0.0.1:0").expect("bind");
    let alive_port = alive.local_addr().expect("addr").port();
    let dead = dead_socket("dead");
    register(&ns, "alive", alive_port);
    register_dead(&ns, "dead", &dead);
    // Pyro never cleans these two, reachable or not.
    register_dead(&ns, "Pyro.Daemon", &dead);
    let limit = Duration::from_millis(300);
    let mut cleaner = AutoCleaner::new(MIN_AUTOCLEAN, Some(Duration::from_secs(2)))
        .expect("cleaner")
        .unreachable_for(limit);

    let first = cleaner.sweep(&ns).await;
    assert_eq!((first.checked, first.probed, first.unreachable), (2, 2, 1));
    assert!(
        first.removed.is_empty(),
        "removed before the limit: {first:?}"
    );
    let noticed = Instant::now();

    let deadline = noticed + Duration::from_secs(20);
    let removed = loop {
        let report = cleaner.sweep(&ns).await;
        if !report.removed.is_empty() {
            break report.removed;
        }
        assert!(Instant::now() < deadline, "dead name never removed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(noticed.elapsed() >= limit);
    assert_eq!(removed, ["dead"]);
    let left: Vec<String> = ns
        .registry()
        .list(Default::default())
        .expect("list")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(left, [NAMESERVER_NAME, "alive", "Pyro.Daemon"]);
    drop(alive);
}

#[tokio::test]
async fn a_name_that_answers_again_starts_over() {
    let ns = nameserver();
    let path = dead_socket("flaky");
    register_dead(&ns, "flaky", &path);
    let mut cleaner = AutoCleaner::new(MIN_AUTOCLEAN, Some(Duration::from_secs(2)))
        .expect("cleaner")
        .unreachable_for(Duration::from_secs(3600));
    assert_eq!(cleaner.sweep(&ns).await.unreachable, 1);
    let back = std::os::unix::net::UnixListener::bind(&path).expect("bind");
    let report = cleaner.sweep(&ns).await;
    assert_eq!((report.unreachable, report.removed.len()), (0, 0));
    drop(back);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_registrations_probe_each_address_once() {
    let ns = nameserver();
    let listeners: Vec<TcpListener> = (0..100)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind"))
        .collect();
    let live: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().expect("addr").port())
        .collect();
    let dead: Vec<String> = (0..20).map(|i| dead_socket(&format!("many-{i}"))).collect();
    for i in 0..10_000 {
        let name = format!("obj.{i}");
        if i < 200 {
            register_dead(&ns, &name, &dead[i % dead.len()]);
        } else {
            register(&ns, &name, live[i % live.len()]);
        }
    }
    let mut cleaner =
        AutoCleaner::new(MIN_AUTOCLEAN, Some(Duration::from_secs(2))).expect("cleaner");
    let report = cleaner.sweep(&ns).await;
    assert_eq!(report.checked, 10_000);
    assert_eq!(report.probed, live.len() + dead.len());
    assert_eq!(report.unreachable, 200);
    assert!(report.removed.is_empty());
    // Lookups are served while the cleaner waits (Pyro's limit: 20 s).
    assert!(ns.registry().lookup("obj.1").is_ok());
    drop(listeners);
}
