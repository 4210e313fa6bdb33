//! `pyroxene bench` run as a user would, against a Rust echo daemon started in the test and
//! against Python Pyro5's own echo server: `--json` output parsed, counts checked (no timing).

use std::process::Command;
use std::sync::Arc;

use pyroxene::echo::{ECHO_OBJECT_NAME, EchoServer};
use pyroxene::{Daemon, Serializer, Value};
use pyroxene_testkit::{ONE_SHOT_LIMIT, PythonProcess, output_within, python};

/// Runs `pyroxene bench URI -n 200 -c 4 --json` plus `extra` and returns the parsed JSON.
fn bench_json(uri: &str, extra: &[&str]) -> Value {
    let out = output_within(
        Command::new(env!("CARGO_BIN_EXE_pyroxene"))
            .args(["bench", uri, "-n", "200", "-c", "4", "--json"])
            .args(extra)
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1"),
        None,
        ONE_SHOT_LIMIT,
    )
    .expect("run pyroxene bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Serializer::Json
        .decode(stdout.trim().as_bytes())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn check_report(report: &Value) {
    assert_eq!(report.get("calls"), Some(&Value::Int(200)), "{report}");
    assert_eq!(report.get("concurrency"), Some(&Value::Int(4)), "{report}");
    let number = |key: &str| match report.get(key) {
        Some(Value::Float(f)) => *f,
        Some(Value::Int(i)) => *i as f64,
        other => panic!("{key}: {other:?} in {report}"),
    };
    assert!(number("calls_per_second") > 0.0, "{report}");
    assert!(number("seconds") > 0.0, "{report}");
    // Percentiles are ordered (whatever the actual speed).
    let (p50, p90, p99, max) = (
        number("p50_us"),
        number("p90_us"),
        number("p99_us"),
        number("max_us"),
    );
    assert!(
        0.0 <= p50 && p50 <= p90 && p90 <= p99 && p99 <= max,
        "{report}"
    );
}

#[test]
fn bench_against_a_rust_echo_daemon() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let daemon = runtime.block_on(async {
        let daemon = Daemon::builder()
            .host("127.0.0.1")
            .bind()
            .await
            .expect("bind");
        daemon
            .register_with_id(Arc::new(EchoServer::new(false)), ECHO_OBJECT_NAME)
            .expect("register");
        daemon
    });
    let serving = {
        let daemon = daemon.clone();
        runtime.spawn(async move { daemon.serve().await })
    };
    let uri = daemon
        .internal_uri_for(ECHO_OBJECT_NAME)
        .expect("uri")
        .to_string();
    check_report(&bench_json(&uri, &[]));
    // Another method, arguments and serializer.
    check_report(&bench_json(
        &uri,
        &["-m", "echo", "-a", "([1, 2.5, 'three'],)", "-s", "msgpack"],
    ));
    daemon.shutdown();
    runtime
        .block_on(serving)
        .expect("join")
        .expect("serve ended cleanly");
}

#[test]
fn bench_against_the_python_echo_server() {
    let Some(py) = python() else { return };
    let mut server = PythonProcess::spawn(
        &py,
        &["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-p", "0"],
        &[],
    )
    .expect("start python echo server");
    let uri = server.wait_for_line("echo uri:").expect("echo uri line");
    check_report(&bench_json(&uri, &[]));
    check_report(&bench_json(&uri, &["-s", "json"]));
}

#[test]
fn bench_reports_an_unreachable_daemon() {
    // A unix socket path nobody listens on (a TCP port could be taken by another test).
    let path =
        std::env::temp_dir().join(format!("pyroxene-bench-nobody-{}.sock", std::process::id()));
    let out = output_within(
        Command::new(env!("CARGO_BIN_EXE_pyroxene"))
            .args([
                "bench",
                &format!("PYRO:test.echoserver@./u:{}", path.display()),
                "-n",
                "10",
                "--json",
            ])
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1"),
        None,
        ONE_SHOT_LIMIT,
    )
    .expect("run pyroxene bench");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot connect to ./u:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
