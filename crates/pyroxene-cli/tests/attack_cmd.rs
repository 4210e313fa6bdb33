//! `pyroxene attack --quick --check` against `pyroxene echo` and `pyroxene ns`: the CI-sized
//! run of issue 16's hostile-traffic tool. Every attack must be survived; the figures are
//! printed (BENCHMARKS/SECURITY.md hold a full run's, not this test).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use pyroxene_testkit::{ONE_SHOT_LIMIT, output_within};

/// The time limit for one `attack --quick --check` run: every attack in turn, each with its
/// baseline and settling pauses, ~22 s here with both servers attacked at once (2 cores);
/// 300 s leaves room for a loaded CI machine running other test binaries beside it.
const ATTACK_LIMIT: Duration = Duration::from_secs(300);

/// The child is killed (by pid) when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `pyroxene ARGS` and returns it with the `host:port` of the first line holding
/// `marker` followed by a PYRO: URI.
fn server(args: &[&str], marker: &str) -> (Guard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pyroxene"))
        .args(args)
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .env("PYRO_MAX_MESSAGE_SIZE", "8388608")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start pyroxene");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let guard = Guard(child);
    for line in lines.by_ref().take(20) {
        let line = line.expect("a line");
        if let Some(uri) = line
            .split_once(marker)
            .map(|(_, rest)| rest.trim().to_owned())
        {
            let location = uri.rsplit_once('@').expect("a PYRO: uri").1.to_owned();
            // The server goes on printing ("echoserver running."): its stdout is read until
            // it ends, or a write to the closed pipe would end the server.
            std::thread::spawn(move || lines.for_each(drop));
            return (guard, location);
        }
    }
    panic!("no '{marker}' line");
}

fn attack(location: &str, pid: u32, extra: &[&str]) {
    let pid = pid.to_string();
    let mut args = vec![
        "attack",
        location,
        "--quick",
        "--check",
        "--pid",
        &pid,
        "--max-message-size",
        "8388608",
    ];
    args.extend_from_slice(extra);
    let out = output_within(
        Command::new(env!("CARGO_BIN_EXE_pyroxene")).args(&args),
        None,
        ATTACK_LIMIT,
    )
    .expect("run pyroxene attack");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "an attack was not survived");
    assert!(stdout.contains("headers-v5"), "{stdout}");
    assert!(!stdout.contains(" NO "), "{stdout}");
}

#[test]
fn the_echo_server_survives_every_quick_attack() {
    let (echo, location) = server(&["echo", "-H", "127.0.0.1", "-p", "0"], "echo uri:");
    attack(&location, echo.0.id(), &[]);
}

#[test]
fn the_name_server_survives_every_quick_attack() {
    let (ns, location) = server(&["ns", "-n", "127.0.0.1", "-p", "0", "--nobc"], "URI = ");
    attack(&location, ns.0.id(), &["--ns"]);
}

#[test]
fn only_loopback_targets_are_attacked() {
    // Refused before any traffic: the one-shot limit.
    let out = output_within(
        Command::new(env!("CARGO_BIN_EXE_pyroxene")).args(["attack", "192.0.2.1:9999", "--quick"]),
        None,
        ONE_SHOT_LIMIT,
    )
    .expect("run pyroxene attack");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a loopback address"), "{stderr}");
}
