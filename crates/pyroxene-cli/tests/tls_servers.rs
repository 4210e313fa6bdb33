//! `pyroxene ns`, `pyroxene echo` and `pyroxene nsc` over two-way TLS, set up only by the
//! `PYRO_SSL_*` variables Python's `pyro5-ns`, echo server and `pyro5-nsc` read: our echo
//! server registers in our name server, our nsc and Python's nsc list it (the same output),
//! a Python client finds it by `PYRONAME:` and calls it; our nsc works against Python's name
//! server the same way. Without a client certificate, both nsc tools are refused.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use pyroxene_testkit::tls::TestPki;
use pyroxene_testkit::{ONE_SHOT_LIMIT, PythonProcess, output_within, python};

/// The child is killed (by pid) when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
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

/// Both sides of two-way TLS, as one process that serves and calls (echo registering in the
/// name server) needs them: the server's certificate, the client's, the CA for both.
fn two_way(pki: &TestPki) -> Vec<(String, String)> {
    [
        ("PYRO_SSL", "1".to_owned()),
        ("PYRO_SSL_SERVERCERT", pki.path("server.pem")),
        ("PYRO_SSL_SERVERKEY", pki.path("server.key")),
        ("PYRO_SSL_REQUIRECLIENTCERT", "1".to_owned()),
        ("PYRO_SSL_CLIENTCERT", pki.path("client.pem")),
        ("PYRO_SSL_CLIENTKEY", pki.path("client.key")),
        ("PYRO_SSL_CACERTS", pki.path("ca.pem")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// A TLS client without a certificate of its own.
fn no_client_cert(pki: &TestPki) -> Vec<(String, String)> {
    vec![
        ("PYRO_SSL".to_owned(), "1".to_owned()),
        ("PYRO_SSL_CACERTS".to_owned(), pki.path("ca.pem")),
    ]
}

fn refs(vars: &[(String, String)]) -> Vec<(&str, &str)> {
    vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn pyroxene(args: &[&str], env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pyroxene"));
    cmd.args(args)
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .env_remove("PYRO_NS_HOST")
        .env_remove("PYRO_NS_PORT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// `pyroxene ns -n 127.0.0.1 -p 0 -x` and its port.
fn our_ns(env: &[(String, String)]) -> (Guard, u16) {
    let mut child = pyroxene(&["ns", "-n", "127.0.0.1", "-p", "0", "-x"], env)
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

/// `pyroxene nsc -n 127.0.0.1 -p PORT <args>`.
fn our_nsc(port: u16, args: &[&str], env: &[(String, String)]) -> Output {
    let port = port.to_string();
    let mut all = vec!["nsc", "-n", "127.0.0.1", "-p", &port];
    all.extend_from_slice(args);
    output_within(&mut pyroxene(&all, env), None, ONE_SHOT_LIMIT).expect("run pyroxene nsc")
}

/// `python -m Pyro5.nsc -n 127.0.0.1 -p PORT <args>`: status success and stdout.
fn python_nsc(
    py: &std::path::Path,
    port: u16,
    args: &[&str],
    env: &[(String, String)],
) -> (bool, String) {
    let port = port.to_string();
    let mut all = vec!["-m", "Pyro5.nsc", "-n", "127.0.0.1", "-p", &port];
    all.extend_from_slice(args);
    let (status, out) = PythonProcess::spawn(py, &all, &refs(env))
        .expect("start python nsc")
        .finish()
        .expect("python nsc output");
    (status.success(), out)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn ns_echo_and_nsc_over_two_way_tls() {
    let Some(py) = python() else { return };
    let pki = TestPki::new();
    let env = two_way(&pki);
    let (_ns, ns_port) = our_ns(&env);

    // Our echo server registers itself in our name server over TLS.
    let port = ns_port.to_string();
    let mut echo_env = env.clone();
    echo_env.push(("PYRO_NS_HOST".to_owned(), "127.0.0.1".to_owned()));
    echo_env.push(("PYRO_NS_PORT".to_owned(), port.clone()));
    let mut child = pyroxene(&["echo", "-H", "127.0.0.1", "-p", "0", "-n"], &echo_env)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start pyroxene echo");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut echo = Guard(child);
    let lines = read_lines(&mut stdout, 4);
    let echo_uri = lines[2].strip_prefix("echo uri: ").expect("echo uri line");

    // Both nsc tools list it, alike.
    let ours = our_nsc(ns_port, &["list"], &env);
    assert!(ours.status.success(), "{}", text(&ours.stderr));
    let ours = text(&ours.stdout);
    assert!(
        ours.contains(&format!("test.echoserver --> {echo_uri}")),
        "{ours}"
    );
    let (ok, theirs) = python_nsc(&py, ns_port, &["list"], &env);
    assert!(ok, "{theirs}");
    assert_eq!(ours, theirs);

    // A Python client finds it by name and calls it, over TLS both hops.
    let code = "import sys, Pyro5.api\n\
                with Pyro5.api.Proxy(sys.argv[1]) as p:\n    \
                print(p.echo('hi over tls'))\n    p.shutdown()";
    let target = format!("PYRONAME:test.echoserver@127.0.0.1:{ns_port}");
    let (status, out) = PythonProcess::spawn(&py, &["-c", code, &target], &refs(&env))
        .expect("python client")
        .finish()
        .expect("python client output");
    assert!(status.success(), "{out}");
    assert_eq!(out, "hi over tls\n");
    assert!(echo.0.wait().expect("wait").success());

    refused_without_client_cert(&py, &pki, ns_port);
}

/// No client certificate: both nsc tools fail to reach the name server and say it as Python's
/// nsc does (one line on stdout, exit status 0: `nsc` prints the PyroError and returns).
fn refused_without_client_cert(py: &std::path::Path, pki: &TestPki, ns_port: u16) {
    let ours = our_nsc(ns_port, &["ping"], &no_client_cert(pki));
    let (_, theirs) = python_nsc(py, ns_port, &["ping"], &no_client_cert(pki));
    assert_eq!(
        text(&ours.stdout),
        "Error: Failed to locate the nameserver\n"
    );
    assert_eq!(text(&ours.stdout), theirs);
}

#[test]
fn our_nsc_against_pythons_name_server_over_tls() {
    let Some(py) = python() else { return };
    let pki = TestPki::new();
    let env = two_way(&pki);
    let mut ns = PythonProcess::spawn(
        &py,
        &["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0", "-x"],
        &refs(&env),
    )
    .expect("start python name server");
    let uri = ns.wait_for_line("URI = ").expect("URI line");
    let ns_port: u16 = uri.rsplit(':').next().expect("port").parse().expect("port");

    let ours = our_nsc(
        ns_port,
        &["register", "tls.name", "PYRO:x@127.0.0.1:1"],
        &env,
    );
    assert!(ours.status.success(), "{}", text(&ours.stderr));
    let ours = our_nsc(ns_port, &["list"], &env);
    assert!(ours.status.success(), "{}", text(&ours.stderr));
    let (ok, theirs) = python_nsc(&py, ns_port, &["list"], &env);
    assert!(ok, "{theirs}");
    assert_eq!(text(&ours.stdout), theirs);
    assert!(
        theirs.contains("tls.name --> PYRO:x@127.0.0.1:1"),
        "{theirs}"
    );

    refused_without_client_cert(&py, &pki, ns_port);
}
