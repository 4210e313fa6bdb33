//! Two `pyroxene ns` on a real 3-member etcd cluster on loopback (pyroxene-testkit's fixture:
//! `etcd` from Debian's etcd-server, which `scripts/test.sh` installs; without it this test
//! skips, except under `CI=true`, where it fails), through the failures a cluster lives with:
//!
//! 1. a name registered through one name server is found through the other, within the
//!    stated staleness bound (Rust, Python Pyro5 and Pyro4 clients);
//! 2. one etcd member killed: both keep serving reads and writes;
//! 3. a Python daemon with a leased name killed with SIGKILL: the name is gone within the
//!    lease plus one interval;
//! 4. one name server killed: clients with `PYROXENE_NS_HOSTS` fail over (locate_ns and
//!    PYRONAME resolution);
//! 5. etcd quorum lost: writes refused with a clear NamingError, reads answered from the
//!    cached copy and logged as such once it is older than the staleness bound; quorum back:
//!    writes accepted again and the copy logged current again.
//!
//! Everything binds 127.0.0.1; every process is killed by pid when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use pyroxene::naming::blocking::{self, NameServer};
use pyroxene::naming::{RegisterOptions, Remove};
use pyroxene::{Config, Uri};
use pyroxene_ns::lease::LEASE_SWEEP_INTERVAL;
use pyroxene_ns::storage::etcd::{CHECK_EVERY, STALE_AFTER};
use pyroxene_testkit::etcd::EtcdCluster;
use pyroxene_testkit::{PythonProcess, ServerProcess, python};

/// Room for a machine under load on top of each stated bound.
const GRACE: Duration = Duration::from_secs(2);

/// A `pyroxene ns` on the cluster, logging at INFO to `log`.
struct Ns {
    process: ServerProcess,
    port: u16,
    log: PathBuf,
}

impl Ns {
    fn start(storage: &str, log: PathBuf) -> Ns {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pyroxene"));
        command
            .args(["ns", "-n", "127.0.0.1", "-p", "0", "-s", storage])
            .env("PYRO_LOGLEVEL", "INFO")
            .env("PYRO_LOGFILE", &log);
        let mut process = ServerProcess::spawn(command).expect("start pyroxene ns");
        let uri: Uri = process
            .wait_for_line("URI = ")
            .expect("URI line")
            .parse()
            .expect("uri");
        Ns {
            process,
            port: uri.port().expect("port"),
            log,
        }
    }

    fn client(&self) -> NameServer {
        blocking::locate_ns_with(&Config::default(), Some("127.0.0.1"), Some(self.port))
            .expect("locate")
    }

    fn location(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Polls `found` until it holds (at most `limit`); returns how long that took.
fn within(limit: Duration, what: &str, mut found: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !found() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    start.elapsed()
}

fn run_python(py: &Path, args: &[&str]) -> String {
    let mut all = vec!["interop/ns_cluster_client.py"];
    all.extend_from_slice(args);
    let process = PythonProcess::spawn(py, &all, &[]).expect("start python");
    let (status, out) = process.finish().expect("python output");
    assert!(status.success(), "{args:?}: {out}");
    out.trim().to_owned()
}

#[test]
fn two_name_servers_on_a_three_member_etcd_cluster() {
    let Some(mut cluster) = EtcdCluster::start(3) else {
        return;
    };
    let Some(py) = python() else { return };
    let storage = cluster.storage_spec("/cluster-test");
    let mut a = Ns::start(&storage, cluster.dir().join("ns-a.log"));
    let b = Ns::start(&storage, cluster.dir().join("ns-b.log"));
    let (ca, cb) = (a.client(), b.client());

    // 1. One namespace: what one name server registers, the other serves, within the bound
    //    (a check period plus a round trip; in practice the watch delivers it at once).
    ca.register("rust.one", "PYRO:one@127.0.0.1:1")
        .expect("register");
    let seen = within(CHECK_EVERY + GRACE, "rust.one through b", || {
        cb.lookup("rust.one").is_ok()
    });
    eprintln!("a's registration seen through b after {seen:?}");
    for generation in ["4", "5"] {
        let name = format!("py{generation}.name");
        let (ap, bp) = (a.port.to_string(), b.port.to_string());
        assert_eq!(
            run_python(&py, &["register", generation, &ap, &name]),
            format!("registered {name}")
        );
        assert_eq!(
            run_python(&py, &["lookup", generation, &bp, &name]),
            format!("found PYRO:py{generation}@127.0.0.1:1")
        );
    }
    assert_eq!(cb.count().expect("count"), ca.count().expect("count"));
    assert_eq!(
        cb.remove(Remove::Prefix("py")).expect("remove through b"),
        2
    );
    within(CHECK_EVERY + GRACE, "removal seen through a", || {
        ca.lookup("py5.name").is_err()
    });

    // 2. One etcd member down, the leader (the harder case: an election, and proposals lost
    //    with it): a majority is left, both keep serving.
    let leader = cluster.leader().expect("a leader");
    cluster.kill(leader);
    let killed = Instant::now();
    cb.register("after.member.loss", "PYRO:m@127.0.0.1:1")
        .expect("write with one member down");
    eprintln!(
        "a write right after the leader was killed took {:?}",
        killed.elapsed()
    );
    within(
        CHECK_EVERY + GRACE,
        "written through b, read through a",
        || ca.lookup("after.member.loss").is_ok(),
    );

    // 3. A daemon killed with SIGKILL: its leased name goes within the lease plus one
    //    interval (etcd expires the lease; the watch removes the name from each copy).
    let ttl = Duration::from_secs(3);
    let mut daemon = PythonProcess::spawn(
        &py,
        &[
            "interop/ns_cluster_client.py",
            "leased",
            &a.port.to_string(),
            "py.leased",
            &ttl.as_secs().to_string(),
        ],
        &[],
    )
    .expect("python daemon");
    daemon.wait_for_line("registered").expect("registered");
    // Renewed while it lives.
    std::thread::sleep(ttl + LEASE_SWEEP_INTERVAL);
    assert!(cb.lookup("py.leased").is_ok(), "renewed lease lapsed");
    drop(daemon); // SIGKILL
    let gone = within(
        ttl + LEASE_SWEEP_INTERVAL + GRACE,
        "leased name gone",
        || cb.lookup("py.leased").is_err() && ca.lookup("py.leased").is_err(),
    );
    eprintln!("a SIGKILLed daemon's leased name gone after {gone:?} (lease {ttl:?})");

    // 4. A name server killed: clients listing both fail over to the other.
    a.process.kill();
    let mut config = Config::default();
    config.ns_hosts = vec![a.location(), b.location()];
    let found = blocking::locate_ns_with(&config, None, None).expect("fail-over locate");
    assert_eq!(found.as_async().proxy().uri().port(), Some(b.port));
    let resolved = blocking::resolve_with(&Uri::pyroname("rust.one", None), &config)
        .expect("fail-over resolve");
    assert_eq!(resolved.to_string(), "PYRO:one@127.0.0.1:1");

    // 5. Quorum lost (two of three members down): writes refused with a NamingError...
    let second = (0..3).find(|&i| i != leader).expect("a member");
    cluster.kill(second);
    let lost = Instant::now();
    let err = cb
        .register_with("no.quorum", "PYRO:q@127.0.0.1:1", RegisterOptions::new())
        .expect_err("write without quorum");
    eprintln!("a write without quorum: {err} (after {:?})", lost.elapsed());
    assert!(err.is_naming_error(), "{err}");
    assert!(err.to_string().contains("etcd error in"), "{err}");
    // ...reads answered from the copy, and logged as cached reads once it is older than the
    // staleness bound.
    within(
        STALE_AFTER + CHECK_EVERY + GRACE + GRACE,
        "cached reads logged",
        || {
            assert_eq!(
                cb.lookup("rust.one").expect("cached read").to_string(),
                "PYRO:one@127.0.0.1:1"
            );
            b.log_text().contains("serving cached reads")
        },
    );
    assert!(
        lost.elapsed() >= STALE_AFTER - CHECK_EVERY,
        "marked stale too early"
    );
    assert!(
        b.log_text().contains("cached read (lookup"),
        "{}",
        b.log_text()
    );

    // Quorum back: writes accepted again, the copy current again.
    cluster.restart(second);
    cluster.wait_healthy();
    within(
        Duration::from_secs(20),
        "write after quorum is back",
        || cb.register("quorum.back", "PYRO:b@127.0.0.1:1").is_ok(),
    );
    within(CHECK_EVERY + GRACE, "copy current again", || {
        b.log_text().contains("current again")
    });
}
