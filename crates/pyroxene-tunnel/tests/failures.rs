//! Failure modes against a real sshd, each a typed error; targets given explicitly and from
//! the old helper's hosts file; recovery after sshd is killed mid-call.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use pyroxene::{Config, Daemon, RemoteException, expose};
use pyroxene_testkit::ssh::{
    ALIAS, CHANGED_HOST_KEY_ALIAS, DOWN_ALIAS, SshServer, UNKNOWN_HOST_KEY_ALIAS, WRONG_KEY_ALIAS,
};
use pyroxene_tunnel::{Error, ErrorKind, HostsFile, Target, Tunnel};
use tokio::sync::Notify;

async fn open(sshd: &SshServer, alias: &str) -> Result<Tunnel, Error> {
    Tunnel::builder_with(Target::alias(alias), &Config::default())
        .ssh_config_file(sshd.ssh_config())
        .open()
        .await
}

/// Wrong key, unknown host key, changed host key, nothing listening: each its own kind, with
/// ssh's words as the source.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_failures_are_typed() {
    let Some(sshd) = SshServer::start() else {
        return;
    };
    for (alias, kind, words) in [
        (
            WRONG_KEY_ALIAS,
            ErrorKind::AuthFailed,
            "Permission denied (publickey)",
        ),
        (
            UNKNOWN_HOST_KEY_ALIAS,
            ErrorKind::HostKeyUnknown,
            "Host key verification failed.",
        ),
        (
            CHANGED_HOST_KEY_ALIAS,
            ErrorKind::HostKeyMismatch,
            "has changed",
        ),
        (
            DOWN_ALIAS,
            ErrorKind::ConnectionRefused,
            "Connection refused",
        ),
    ] {
        let e = open(&sshd, alias).await.unwrap_err();
        assert_eq!(e.kind(), kind, "{alias}: {e:?}");
        assert_eq!(
            e.to_string(),
            format!(
                "cannot open the ssh connection to {alias}: {}",
                e.to_string().rsplit(": ").next().unwrap()
            )
        );
        let source = std::error::Error::source(&e).unwrap().to_string();
        assert!(source.contains(words), "{alias}: {source}");
    }
    // a taken local port
    let tunnel = open(&sshd, ALIAS).await.unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let e = tunnel
        .forward_on(port, "127.0.0.1", sshd.port())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PortInUse, "{e:?}");
    // the tunnel goes on working after a refused forward
    tunnel.forward("127.0.0.1", sshd.port()).await.unwrap();
}

/// A target given as host/user/port/key, and one from the old helper's JSON hosts file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_targets_and_the_hosts_file() {
    let Some(sshd) = SshServer::start() else {
        return;
    };
    let dir = sshd.dir().display().to_string();
    let user = String::from_utf8(
        pyroxene_testkit::output_within(
            std::process::Command::new("id").arg("-un"),
            None,
            pyroxene_testkit::ONE_SHOT_LIMIT,
        )
        .unwrap()
        .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();
    let known = format!("UserKnownHostsFile={dir}/known_hosts");
    let explicit = Target::host("127.0.0.1")
        .user(&user)
        .port(sshd.port())
        .identity(format!("{dir}/user_key"));
    let tunnel = Tunnel::builder_with(explicit, &Config::default())
        .ssh_config_file("/dev/null")
        .ssh_option(known.clone())
        .ssh_option("StrictHostKeyChecking=yes")
        .open()
        .await
        .unwrap();
    assert!(tunnel.master_pid().await.is_some());
    drop(tunnel);

    let file = sshd.dir().join("hosts.json");
    std::fs::write(
        &file,
        format!(r#"{{"lab": ["127.0.0.1", "{user}", {}]}}"#, sshd.port()),
    )
    .unwrap();
    let target = HostsFile::load(&file).unwrap().target("lab").unwrap();
    let tunnel = Tunnel::builder_with(target, &Config::default())
        .ssh_config_file("/dev/null")
        .ssh_option(known)
        .ssh_option(format!("IdentityFile={dir}/user_key"))
        .ssh_option("IdentitiesOnly=yes")
        .open()
        .await
        .unwrap();
    let local = tunnel.forward("127.0.0.1", sshd.port()).await.unwrap();
    assert!(std::net::TcpStream::connect(local).is_ok());
}

/// A method that waits until the test lets it go (so a call is in flight when sshd dies).
#[derive(Default)]
struct Blocker {
    entered: Notify,
    release: Notify,
}

#[expose]
impl Blocker {
    async fn wait(&self) -> Result<String, RemoteException> {
        self.entered.notify_one();
        self.release.notified().await;
        Ok("released".into())
    }

    fn ping(&self) -> String {
        "pong".into()
    }
}

/// sshd killed during a call: the call fails (connection closed), calls while sshd is down
/// fail with the tunnel's "connection refused" as the cause, and once sshd is back the next
/// call starts the master again, with its forwards, and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sshd_killed_mid_call_then_recovery() {
    let Some(mut sshd) = SshServer::start() else {
        return;
    };
    let blocker = Arc::new(Blocker::default());
    let mut config = Config::default();
    config.host = "127.0.0.1".into();
    let remote = Daemon::builder_with(&config).bind().await.unwrap();
    let uri = remote.register_with_id(blocker.clone(), "blocker").unwrap();
    let serving = remote.clone();
    tokio::spawn(async move { serving.serve().await });

    let tunnel = open(&sshd, ALIAS).await.unwrap();
    let proxy = tunnel.proxy_for(uri);
    assert_eq!(proxy.call_as::<String>("ping", ()).await.unwrap(), "pong");
    let first_master = tunnel.master_pid().await.unwrap();
    let local = tunnel.forwards().await[0].local;

    let call = tokio::spawn({
        let proxy = proxy.clone();
        async move { proxy.call_as::<String>("wait", ()).await }
    });
    blocker.entered.notified().await;
    sshd.kill();
    let failed = call.await.unwrap().unwrap_err();
    assert_eq!(
        failed.kind(),
        pyroxene::ErrorKind::ConnectionClosed,
        "{failed:?}"
    );

    // the master notices its connection is gone and exits
    let deadline = Instant::now() + Duration::from_secs(20);
    while tunnel.master_pid().await.is_some() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(tunnel.master_pid().await, None, "the master exited");
    let down = proxy.call_as::<String>("ping", ()).await.unwrap_err();
    assert_eq!(down.kind(), pyroxene::ErrorKind::Communication, "{down:?}");
    let cause = Error::find_in(&down).expect("the tunnel's error is the cause");
    assert_eq!(cause.kind(), ErrorKind::ConnectionRefused, "{down:?}");

    sshd.restart();
    assert_eq!(proxy.call_as::<String>("ping", ()).await.unwrap(), "pong");
    let second_master = tunnel.master_pid().await.unwrap();
    assert_ne!(second_master, first_master);
    assert_eq!(
        tunnel.forwards().await[0].local,
        local,
        "the forward kept its local port"
    );
    tunnel.check().await.unwrap();
    blocker.release.notify_one();
}

/// sshd killed and started again while a Rust object is served to the remote side: with no
/// call made here (nothing routes through the tunnel), the tunnel notices its master died,
/// opens a new one once sshd is back and makes the reverse forward again on the same remote
/// port, so the registration in the remote name server stays valid: a Python Pyro5 client
/// there calls the object again, and the object's callbacks reach that client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_object_is_reachable_again_after_sshd_restarts() {
    let Some((mut sshd, python)) = support::peers() else {
        return;
    };
    let ns_port = pyroxene_testkit::ssh::free_port();
    let _ns = support::python_ns(&python, "127.0.0.1", ns_port);
    let tunnel = support::tunnel(&sshd, "localhost", ns_port).await;
    let served = tunnel
        .serve(Arc::new(support::Counter), "rust.counter")
        .await
        .unwrap();
    let expected = "SQUARE 49\nPROGRESS [1, 2, 3]\nDONE 6\n";
    assert_eq!(
        support::python_client(&python, ns_port, "rust.counter", 3),
        expected
    );
    let first = tunnel.master_pid().await.unwrap();

    sshd.kill();
    let deadline = Instant::now() + Duration::from_secs(20);
    while tunnel.master_pid().await == Some(first) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_ne!(tunnel.master_pid().await, Some(first), "the master exited");
    sshd.restart();
    let deadline = Instant::now() + Duration::from_secs(30);
    while tunnel.master_pid().await.is_none() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = tunnel.master_pid().await.expect("a new master, unasked");
    assert_ne!(second, first);

    let reverse = served.reverse_forward().unwrap();
    assert_eq!(
        served.uri().to_string(),
        format!("PYRO:rust.counter@127.0.0.1:{}", reverse.remote_port)
    );
    assert_eq!(
        support::python_client(&python, ns_port, "rust.counter", 3),
        expected,
        "the same registration reaches the object again"
    );
    served.shutdown().await.unwrap();
}

/// [`Tunnel::close`] is not a failure: the master is not started again by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_tunnel_stays_closed_until_used() {
    let Some(sshd) = SshServer::start() else {
        return;
    };
    let tunnel = open(&sshd, ALIAS).await.unwrap();
    let local = tunnel.forward("127.0.0.1", sshd.port()).await.unwrap();
    tunnel.close().await;
    // longer than the first waits of a reopening (250 ms, then 500 ms)
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(tunnel.master_pid().await, None);
    assert!(std::net::TcpStream::connect(local).is_err());
    // using it opens it again, with its forward
    assert_eq!(
        tunnel.forward("127.0.0.1", sshd.port()).await.unwrap(),
        local
    );
    assert!(tunnel.master_pid().await.is_some());
}

/// Proxies don't keep a tunnel open: once it is dropped their connections fail with the
/// tunnel's "closed".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_tunnel_closes_its_proxies() {
    let Some(sshd) = SshServer::start() else {
        return;
    };
    let tunnel = open(&sshd, ALIAS).await.unwrap();
    let proxy = tunnel.proxy("PYRO:obj@127.0.0.1:1").unwrap();
    drop(tunnel);
    let e = proxy.call_as::<String>("ping", ()).await.unwrap_err();
    assert_eq!(
        Error::find_in(&e).map(Error::kind),
        Some(ErrorKind::Closed),
        "{e:?}"
    );
    assert_eq!(
        format!("{e:#}"),
        "cannot connect to 127.0.0.1:1: the tunnel to pyroxene-test is closed"
    );
}
