//! `pyroxene echo` run as a user would: the same printed lines as Python's
//! `python -m Pyro5.utils.echoserver`, a working echo object, and `shutdown()` ending the process;
//! with `-n` registered in a running `pyroxene ns`, with `-N` in a name server of its own, found
//! by Python clients through `PYRONAME:`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use pyroxene::naming::blocking::locate_ns_with;
use pyroxene::{Config, Proxy, Value, tuple};
use pyroxene_testkit::{ONE_SHOT_LIMIT, PythonProcess, output_within, python};

/// The child is killed (by pid) when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Replaces the port number in an echo uri line so Rust and Python lines compare.
fn without_port(line: &str) -> String {
    match line.rsplit_once(':') {
        Some((head, port)) if port.chars().all(|c| c.is_ascii_digit()) => format!("{head}:PORT"),
        _ => line.to_owned(),
    }
}

fn read_lines(reader: &mut impl BufRead, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let mut line = String::new();
            reader.read_line(&mut line).expect("read a line");
            line.trim_end().to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prints_pythons_lines_serves_and_shuts_down() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pyroxene"))
        .args(["echo", "-H", "127.0.0.1", "-p", "0"])
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start pyroxene echo");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut guard = Guard(child);
    let ours = read_lines(&mut stdout, 4);
    assert_eq!(ours[0], "Starting Pyro's built-in test echo server.");
    assert_eq!(ours[1], "object name: test.echoserver");
    assert!(
        ours[2].starts_with("echo uri: PYRO:test.echoserver@127.0.0.1:"),
        "{ours:?}"
    );
    assert_eq!(ours[3], "echoserver running.");

    // The same four lines as Python's echo server with the same flags (port aside).
    if let Some(py) = python() {
        let mut server = PythonProcess::spawn(
            &py,
            &["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-p", "0"],
            &[],
        )
        .expect("start python echo server");
        let uri = server.wait_for_line("echo uri:").expect("python echo uri");
        assert_eq!(
            without_port(&format!("echo uri: {uri}")),
            without_port(&ours[2])
        );
    }

    let uri = ours[2].trim_start_matches("echo uri: ").to_owned();
    let proxy = Proxy::new(&uri).expect("uri");
    assert_eq!(
        proxy.call("echo", tuple!["hi"], None).await.expect("echo"),
        Value::from("hi")
    );
    proxy
        .call("shutdown", tuple![], None)
        .await
        .expect("shutdown");
    // shutdown() ends the serving loop and the process exits cleanly.
    let status = tokio::task::spawn_blocking(move || guard.0.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(status.success(), "{status}");
}

/// Replaces every port number after a `:` by PORT (name server and echo URIs in one line set).
fn without_ports(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == ':' && chars.peek().is_some_and(char::is_ascii_digit) {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push_str("PORT");
        }
    }
    out
}

/// A running `pyroxene echo` and its stdout (kept open: a verbose echo server prints on).
struct Echo {
    process: Guard,
    stdout: BufReader<std::process::ChildStdout>,
}

/// `pyroxene echo <args>` with extra environment, and its first `n` lines.
fn our_echo(args: &[&str], env: &[(&str, &str)], n: usize) -> (Echo, Vec<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pyroxene"));
    cmd.arg("echo")
        .args(args)
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .env_remove("PYRO_NS_HOST")
        .env_remove("PYRO_NS_PORT")
        .stdout(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start pyroxene echo");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let process = Guard(child);
    let lines = read_lines(&mut stdout, n);
    (Echo { process, stdout }, lines)
}

/// Python's echo server with the same arguments and environment: its first `n` lines (then
/// it is killed).
fn python_echo(py: &std::path::Path, args: &[&str], env: &[(&str, &str)], n: usize) -> Vec<String> {
    let mut all = vec!["-m", "Pyro5.utils.echoserver"];
    all.extend_from_slice(args);
    let mut server = PythonProcess::spawn(py, &all, env).expect("start python echo server");
    // wait_for_line returns the text after the prefix; "" matches every line.
    (0..n)
        .map(|_| server.wait_for_line("").expect("python echo line"))
        .collect()
}

/// A Python client: `echo("hi from python")` then `shutdown()` on `uri`; returns its stdout.
fn python_calls_echo_and_shutdown(py: &std::path::Path, uri: &str) -> String {
    let code = "import sys, Pyro5.api\n\
                with Pyro5.api.Proxy(sys.argv[1]) as p:\n    \
                print(p.echo('hi from python'))\n    p.shutdown()";
    let client = PythonProcess::spawn(py, &["-c", code, uri], &[]).expect("python client");
    let (status, out) = client.finish().expect("python client output");
    assert!(status.success(), "python client failed: {out}");
    out
}

fn masked(lines: &[String]) -> Vec<String> {
    lines.iter().map(|l| without_ports(l)).collect()
}

/// `pyroxene ns -n 127.0.0.1 -p 0 -x` and its port.
fn our_ns() -> (Guard, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pyroxene"))
        .args(["ns", "-n", "127.0.0.1", "-p", "0", "-x"])
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start pyroxene ns");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let guard = Guard(child);
    let lines = read_lines(&mut stdout, 3);
    let uri = lines[2].strip_prefix("URI = ").expect("URI line");
    let port = uri.rsplit(':').next().expect("port").parse().expect("port");
    (guard, port)
}

#[test]
fn naming_registers_in_a_running_name_server() {
    let Some(py) = python() else { return };
    let (_ns, ns_port) = our_ns();
    let port = ns_port.to_string();
    // Found as locate_ns() finds it: NS_HOST/NS_PORT, no broadcast needed.
    let env = [
        ("PYRO_NS_HOST", "127.0.0.1"),
        ("PYRO_NS_PORT", port.as_str()),
    ];
    let mut last = None;
    // Python registers first each time (safe=False), so ours is what the name server has last.
    for (args, n) in [
        (&["-H", "127.0.0.1", "-p", "0", "-n"][..], 4),
        (&["-H", "127.0.0.1", "-p", "0", "-n", "-v"][..], 5),
    ] {
        let theirs = python_echo(&py, args, &env, n);
        let (echo, ours) = our_echo(args, &env, n);
        assert_eq!(masked(&ours), masked(&theirs), "echo {args:?}");
        last = Some((echo, ours));
    }
    let (mut echo, lines) = last.expect("ran");
    assert_eq!(
        lines[1],
        format!("using name server at PYRO:Pyro.NameServer@127.0.0.1:{ns_port}")
    );
    let echo_uri = lines[3].strip_prefix("echo uri: ").expect("echo uri line");
    let ns =
        locate_ns_with(&Config::default(), Some("127.0.0.1"), Some(ns_port)).expect("locate ns");
    assert_eq!(
        ns.lookup("test.echoserver").expect("lookup").to_string(),
        echo_uri
    );

    let out = python_calls_echo_and_shutdown(
        &py,
        &format!("PYRONAME:test.echoserver@127.0.0.1:{ns_port}"),
    );
    assert_eq!(out, "hi from python\n");
    // Verbose: the calls are printed as Python's echo server prints them (after a timestamp).
    let calls = read_lines(&mut echo.stdout, 2);
    assert!(calls[0].ends_with(" - echo: 'hi from python'"), "{calls:?}");
    assert!(calls[1].ends_with(" - shutting down"), "{calls:?}");
    assert!(echo.process.0.wait().expect("wait").success());
    // Like Python's echo server, ours leaves its registration behind.
    assert_eq!(
        ns.lookup("test.echoserver").expect("lookup").to_string(),
        echo_uri
    );
}

#[test]
fn nameserver_flag_starts_one_in_process() {
    let Some(py) = python() else { return };
    // NS_PORT 0: the in-process name server takes a free port (Python's does the same).
    let env = [("PYRO_NS_PORT", "0")];
    let mut last = None;
    for (args, n) in [
        (&["-H", "127.0.0.1", "-p", "0", "-N"][..], 4),
        (&["-H", "127.0.0.1", "-p", "0", "-N", "-v"][..], 6),
    ] {
        let theirs = python_echo(&py, args, &env, n);
        let (echo, ours) = our_echo(args, &env, n);
        assert_eq!(masked(&ours), masked(&theirs), "echo {args:?}");
        last = Some((echo, ours));
    }
    let (mut echo, lines) = last.expect("ran");
    assert_eq!(lines[2], "not using a broadcast server"); // loopback: none, as in Pyro
    let ns_uri = lines[1]
        .strip_prefix("using name server at ")
        .expect("name server line");
    let ns_port: u16 = ns_uri
        .rsplit(':')
        .next()
        .expect("port")
        .parse()
        .expect("port");
    let echo_uri = lines[4].strip_prefix("echo uri: ").expect("echo uri line");
    let ns = locate_ns_with(&Config::default(), Some("127.0.0.1"), Some(ns_port))
        .expect("locate the in-process ns");
    assert_eq!(
        ns.lookup("test.echoserver").expect("lookup").to_string(),
        echo_uri
    );

    let out = python_calls_echo_and_shutdown(
        &py,
        &format!("PYRONAME:test.echoserver@127.0.0.1:{ns_port}"),
    );
    assert_eq!(out, "hi from python\n");
    // shutdown() of the echo object ends the process, name server and all.
    assert!(echo.process.0.wait().expect("wait").success());
}

#[test]
fn naming_without_a_name_server_fails() {
    // NS_HOST:NS_PORT where nothing listens; the broadcast goes to 127.0.0.1 only.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
        .to_string();
    let out = output_within(
        Command::new(env!("CARGO_BIN_EXE_pyroxene"))
            .args(["echo", "-H", "127.0.0.1", "-p", "0", "-n"])
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
            .env("PYRO_NS_HOST", "127.0.0.1")
            .env("PYRO_NS_PORT", &closed)
            .env("PYRO_NS_BCPORT", &closed),
        None,
        ONE_SHOT_LIMIT,
    )
    .expect("run pyroxene echo -n");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Failed to locate the nameserver"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue 12 (value fidelity), through the binary: `interop/echo_values_client.py` sends
/// frozensets, datetimes, dates, times, Decimals, UUIDs, msgpack ext values and the usual echo
/// values through Python's echo server and `pyroxene echo`, and each comes back with the same
/// type and repr. Pyro5 with its four serializers; Pyro4 with the three its echo server (and
/// ours) accept by default. The full table, pickle and Pyro4 msgpack included, runs against the
/// library's echo object in `pyroxene/tests/value_fidelity_interop.rs`.
#[test]
fn values_come_back_as_through_pythons_echo_servers() {
    let Some(py) = python() else { return };
    // A time zone with DST, spelled out (no tz database needed): a pass-through of Pyro's
    // msgpack datetimes must not depend on it.
    let tz = [("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")];
    let (_ours, lines) = our_echo(&["-H", "127.0.0.1", "-p", "0"], &[], 4);
    let ours = lines[2].strip_prefix("echo uri: ").expect("echo uri line");
    for (generation, module, serializers) in [
        (
            "pyro5",
            "Pyro5.utils.echoserver",
            "serpent,json,marshal,msgpack",
        ),
        ("pyro4", "Pyro4.test.echoserver", "serpent,json,marshal"),
    ] {
        let mut server =
            PythonProcess::spawn(&py, &["-m", module, "-H", "127.0.0.1", "-p", "0"], &tz)
                .expect("start python echo server");
        let theirs = server.wait_for_line("echo uri:").expect("python echo uri");
        let args = [
            "interop/echo_values_client.py",
            generation,
            &theirs,
            ours,
            serializers,
        ];
        let client = PythonProcess::spawn(&py, &args, &tz).expect("start python client");
        let (status, out) = client.finish().expect("python client output");
        eprintln!("{out}");
        assert!(
            status.success() && out.contains(" passed, 0 failed"),
            "{generation}: values differ between Python's echo server and pyroxene echo:\n{out}"
        );
    }
}
