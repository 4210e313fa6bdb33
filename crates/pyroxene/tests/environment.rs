//! The environment rule: the `PYRO_*` variables (and `PYROXENE_PROTOCOL`) are read where Python
//! reads `Pyro5.config`, through `Config::from_env` and nothing else: by `Proxy::new` /
//! `from_uri` / `from_state` (a proxy value), `blocking::Proxy::new`, `Daemon::builder`,
//! `naming::locate_ns` and `naming::resolve`, PYRONAME/PYROMETA resolution included. Their
//! twins (`Proxy::with_settings`, `Daemon::builder_with`, `naming::locate_ns_with`...) read
//! nothing. A refused variable makes every reading constructor fail.
//!
//! The environment is per process, so each check runs in a child process of this test binary
//! with exactly the variables it needs: the `#[ignore]`d `child_*` tests, started by the
//! visible tests with `--ignored --exact`. The test process's own environment is never changed.

use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use pyroxene::client::{ProxySettings, blocking};
use pyroxene::config::{ConfigError, IpVersion, Protocol};
use pyroxene::echo::EchoServer;
use pyroxene::naming::{self, NameServer};
use pyroxene::{Config, Daemon, ErrorKind, ProtocolVersion, Proxy, Serializer, Uri};
use pyroxene_testkit::{ONE_SHOT_LIMIT, PythonProcess, output_within, python};

/// Runs the ignored test `name` of this binary in a child process whose environment has no
/// `PYRO_*`/`PYROXENE_PROTOCOL` variable but `env`, and asserts that it passed.
fn in_child(name: &str, env: &[(&str, &str)]) {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args([
        name,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (var, _) in std::env::vars_os() {
        let text = var.to_string_lossy();
        if text.starts_with("PYRO_") || text == "PYROXENE_PROTOCOL" {
            cmd.env_remove(&var);
        }
    }
    cmd.envs(env.iter().copied());
    let out = output_within(&mut cmd, None, ONE_SHOT_LIMIT).expect("run the child test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} in a child process:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A variable a child reads (set by its parent).
fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} set by the parent test"))
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// The regression test of issue 11: with `PYRO_NS_PORT=9095` a Rust `Proxy::new("PYRONAME:x")`
/// resolved through the name server on 9090, while `locate_ns` and the CLI used 9095. The name
/// server here is Python's, on a free port that only `PYRO_NS_PORT` names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_new_pyroname_resolves_through_pyro_ns_port() {
    let Some(py) = python() else { return };
    let mut ns_process = PythonProcess::spawn(
        &py,
        &["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0", "-x"],
        &[],
    )
    .expect("start python name server");
    let ns_uri = Uri::parse(&ns_process.wait_for_line("URI =").expect("URI line")).expect("uri");
    let ns_port = ns_uri.port().expect("port");

    let daemon = Daemon::builder_with(&Config::default())
        .host("127.0.0.1")
        .bind()
        .await
        .expect("bind");
    let echo = daemon
        .register_with_id(Arc::new(EchoServer::new(false)), "env.echo")
        .expect("register");
    let serving = tokio::spawn({
        let daemon = daemon.clone();
        async move { daemon.serve().await }
    });
    let ns = NameServer::new(Proxy::with_settings(
        ns_uri.clone(),
        ProxySettings::default(),
    ));
    ns.register("env.echo", &echo)
        .await
        .expect("register the echo server");

    let port = ns_port.to_string();
    let echo_text = echo.to_string();
    let child = tokio::task::spawn_blocking(move || {
        in_child(
            "child_resolves_with_the_environment",
            &[
                ("PYRO_NS_HOST", "127.0.0.1"),
                ("PYRO_NS_PORT", &port),
                ("PYRO_BROADCAST_ADDRS", "127.0.0.1"),
                ("PYROXENE_TEST_ECHO", &echo_text),
            ],
        );
    });
    child.await.expect("child test");
    daemon.shutdown();
    let _ = serving.await;
    drop(ns_process);
}

#[test]
#[ignore = "run by proxy_new_pyroname_resolves_through_pyro_ns_port in a child process"]
fn child_resolves_with_the_environment() {
    let echo: Uri = var("PYROXENE_TEST_ECHO").parse().expect("echo uri");
    let ns_port: u16 = var("PYRO_NS_PORT").parse().expect("port");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        // Proxy::new: NS_HOST/NS_PORT from the environment, no location in the URI.
        let proxy = Proxy::new("PYRONAME:env.echo").expect("proxy");
        let said: String = proxy.call_as("echo", ("by name",)).await.expect("call");
        assert_eq!(said, "by name");
        assert_eq!(proxy.resolved_uri(), Some(echo.clone()));
        assert_eq!(proxy.settings().naming.ns_port, ns_port);
        let by_uri = Proxy::from_uri(Uri::pyroname("env.echo", None)).expect("proxy");
        by_uri.connect().await.expect("connect by name");

        // locate_ns and resolve: the same name server.
        let ns = naming::locate_ns(None, None).await.expect("locate");
        assert_eq!(ns.proxy().uri().port(), Some(ns_port));
        let resolved = naming::resolve(&Uri::pyroname("env.echo", None))
            .await
            .expect("resolve");
        assert_eq!(resolved, echo);

        // The twins read nothing: their config says 9090-style defaults (here a closed port,
        // no broadcast) and they fail where the environment would have worked.
        let mut config = Config::default();
        config.ns_host = "127.0.0.1".into();
        config.ns_port = closed_port();
        config.prefer_ip_version = IpVersion::V6; // no broadcast
        let err = naming::locate_ns_with(&config, None, None)
            .await
            .err()
            .expect("not found without the environment");
        assert_eq!(err.kind(), ErrorKind::Naming);
        let twin = Proxy::with_settings(
            Uri::pyroname("env.echo", None),
            ProxySettings::from_config(&config),
        );
        let err = twin
            .connect()
            .await
            .expect_err("resolved through the config");
        assert_eq!(err.kind(), ErrorKind::Naming, "{err:#}");
        assert!(
            naming::resolve_with(&Uri::pyroname("env.echo", None), &config)
                .await
                .is_err()
        );
    });
    drop(runtime);
    // The blocking twins follow the same rule.
    let proxy = blocking::Proxy::new("PYRONAME:env.echo").expect("blocking proxy");
    let said: String = proxy.call_as("echo", ("blocking",)).expect("call");
    assert_eq!(said, "blocking");
    let ns = naming::blocking::locate_ns(None, None).expect("blocking locate");
    assert_eq!(ns.as_async().proxy().uri().port(), Some(ns_port));
}

#[test]
fn daemon_and_proxy_take_their_settings_from_the_environment() {
    in_child(
        "child_takes_settings_from_the_environment",
        &[
            ("PYRO_HOST", "127.0.0.1"),
            ("PYRO_NATHOST", "nat.example"),
            ("PYRO_NATPORT", "4242"),
            ("PYRO_COMMTIMEOUT", "2.5"),
            ("PYRO_MAX_RETRIES", "3"),
            ("PYRO_SERIALIZER", "json"),
            ("PYRO_MAX_MESSAGE_SIZE", "65536"),
            ("PYROXENE_PROTOCOL", "5"),
        ],
    );
}

#[test]
#[ignore = "run by daemon_and_proxy_take_their_settings_from_the_environment in a child process"]
fn child_takes_settings_from_the_environment() {
    let expected = |s: &ProxySettings| {
        assert_eq!(s.serializer, Serializer::Json);
        assert_eq!(s.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(s.max_retries, 3);
        assert_eq!(s.max_message_size, 65536);
        assert_eq!(s.protocol, Protocol::Fixed(ProtocolVersion::V5));
    };
    let proxy = Proxy::new("PYRO:obj@127.0.0.1:1").expect("proxy");
    expected(proxy.settings());
    expected(&ProxySettings::from_env().expect("settings"));
    // A proxy value received (Python: Proxy.__setstate__ reads the config too).
    let value = pyroxene::to_value(&proxy).expect("value");
    let received: Proxy = pyroxene::from_value(value).expect("proxy value");
    assert_eq!(
        received.settings().timeout,
        Some(Duration::from_millis(2500))
    );
    // Twins: exactly the settings given.
    let twin = Proxy::with_settings(proxy.uri().clone(), ProxySettings::default());
    assert_eq!(twin.settings().serializer, Serializer::Serpent);
    assert_eq!(twin.settings().timeout, None);

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        // Daemon::builder: HOST and NATHOST/NATPORT from the environment.
        let daemon = Daemon::builder().bind().await.expect("bind");
        assert!(
            daemon.location().starts_with("127.0.0.1:"),
            "{}",
            daemon.location()
        );
        let uri = daemon.uri_for("x").expect("uri");
        assert_eq!(uri.location().as_deref(), Some("nat.example:4242"));
        daemon
            .register_with_id(Arc::new(EchoServer::new(false)), "env.echo")
            .expect("register");
        let handed_out = daemon.proxy_for("env.echo").expect("proxy_for");
        expected(handed_out.settings());
        // builder_with: the given config only (no NAT).
        let plain = Daemon::builder_with(&Config::default())
            .host("127.0.0.1")
            .bind()
            .await
            .expect("bind");
        let uri = plain.uri_for("x").expect("uri");
        assert_eq!(uri.location().as_deref(), Some(plain.location()));
    });
}

/// A refused variable (Python fails at import) fails every constructor that reads the
/// environment, with the `ConfigError` as the typed source; the twins don't care.
#[test]
fn a_bad_pyro_variable_fails_every_reading_constructor() {
    in_child(
        "child_refuses_a_bad_environment",
        &[
            ("PYRO_SERIALIZER", "foo"),
            ("PYRO_BROADCAST_ADDRS", "127.0.0.1"),
        ],
    );
    in_child(
        "child_refuses_a_bad_environment",
        &[
            ("PYRO_MAX_MESSAGE_SIZE", "-1"),
            ("PYRO_BROADCAST_ADDRS", "127.0.0.1"),
        ],
    );
}

#[test]
#[ignore = "run by a_bad_pyro_variable_fails_every_reading_constructor in a child process"]
fn child_refuses_a_bad_environment() {
    let expected = Config::from_env().expect_err("the parent set a bad variable");
    let check = |err: pyroxene::Error| {
        assert_eq!(err.kind(), ErrorKind::Config, "{err:#}");
        assert_eq!(err.to_string(), "invalid configuration");
        let source = std::error::Error::source(&err).expect("typed source");
        assert_eq!(source.downcast_ref::<ConfigError>(), Some(&expected));
    };
    check(Proxy::new("PYRO:obj@127.0.0.1:1").expect_err("Proxy::new"));
    check(Proxy::from_uri(Uri::pyro("obj", "127.0.0.1", 1)).expect_err("from_uri"));
    check(blocking::Proxy::new("PYRO:obj@127.0.0.1:1").expect_err("blocking"));
    check(
        naming::blocking::locate_ns(None, None)
            .err()
            .expect("locate"),
    );
    let sent = Proxy::with_settings(Uri::pyro("obj", "127.0.0.1", 1), ProxySettings::default());
    let value = pyroxene::to_value(&sent).expect("value");
    assert!(pyroxene::from_value::<Proxy>(value).is_err());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        check(
            Daemon::builder()
                .host("127.0.0.1")
                .bind()
                .await
                .err()
                .expect("builder"),
        );
        check(
            naming::locate_ns(None, None)
                .await
                .err()
                .expect("locate_ns"),
        );
        check(
            naming::resolve(&Uri::pyroname("x", None))
                .await
                .expect_err("resolve"),
        );
        // The twins read nothing, so nothing refuses them.
        let daemon = Daemon::builder_with(&Config::default())
            .host("127.0.0.1")
            .bind()
            .await
            .expect("builder_with");
        let replaced = Daemon::builder()
            .config(&Config::default())
            .host("127.0.0.1")
            .bind()
            .await
            .expect("an explicit config replaces the refused environment");
        daemon.shutdown();
        replaced.shutdown();
    });
    let proxy = Proxy::with_settings(Uri::pyro("obj", "127.0.0.1", 1), ProxySettings::default());
    assert_eq!(proxy.settings().serializer, Serializer::Serpent);
}

/// No library code but `Config::from_env` reads the environment (the CLI reads its own flags'
/// variables, the test kit its own).
#[test]
fn only_config_reads_the_environment() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut readers = Vec::new();
    for krate in [
        "pyroxene",
        "pyroxene-wire",
        "pyroxene-ns",
        "pyroxene-macros",
    ] {
        let mut dirs = vec![root.join(krate).join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("read src").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("read");
                    let reads = ["env::var(", "env::var_os(", "env::vars(", "env::vars_os("];
                    if reads.iter().any(|r| text.contains(r)) {
                        readers.push(path.display().to_string());
                    }
                }
            }
        }
    }
    readers.sort();
    let allowed = root.join("pyroxene/src/config/mod.rs");
    assert_eq!(
        readers,
        [allowed.display().to_string()],
        "only Config::from_env reads the environment"
    );
}
