//! `pyroxene echo` run as a user would: the same printed lines as Python's
//! `python -m Pyro5.utils.echoserver`, a working echo object, and `shutdown()` ending the process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use pyroxene::{Proxy, Value, tuple};
use pyroxene_testkit::{PythonProcess, python};

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

#[test]
fn naming_needs_the_name_server_and_says_so() {
    let out = Command::new(env!("CARGO_BIN_EXE_pyroxene"))
        .args(["echo", "-H", "127.0.0.1", "-n"])
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .output()
        .expect("run pyroxene echo -n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("name server"));
}
