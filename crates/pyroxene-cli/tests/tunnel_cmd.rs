//! `pyroxene tunnel` and `pyroxene nsc --ssh` against a real sshd (pyroxene_testkit::ssh),
//! with the seed's scenario: a name server on the "remote" host's localhost, reached through
//! ssh only.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use pyroxene_testkit::ssh::{ALIAS, SshServer, free_port};
use pyroxene_testkit::{ONE_SHOT_LIMIT, output_within};

const PYROXENE: &str = env!("CARGO_BIN_EXE_pyroxene");

/// A child process killed (by pid) on drop, with a temporary directory of its own (its
/// TMPDIR, removed on drop): a tunnel killed without unwinding leaves its control socket's
/// directory there, not in the machine's /tmp.
struct Running {
    child: Child,
    stdout: BufReader<ChildStdout>,
    tmp: PathBuf,
}

impl Running {
    fn spawn(args: &[&str]) -> Running {
        static SPAWNED: AtomicU32 = AtomicU32::new(0);
        // Short, under the system's temp dir: ssh's control socket path must stay under the
        // 104 bytes of a unix socket name.
        let tmp = std::env::temp_dir().join(format!(
            "pyroxene-cli-test-{}-{}",
            std::process::id(),
            SPAWNED.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&tmp).expect("a temporary directory");
        let mut child = Command::new(PYROXENE)
            .args(args)
            .env("TMPDIR", &tmp)
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
            .env_remove("PYRO_NS_HOST")
            .env_remove("PYRO_NS_PORT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("pyroxene runs");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Running { child, stdout, tmp }
    }

    /// The entries of the process's TMPDIR.
    fn tmp_entries(&self) -> Vec<String> {
        std::fs::read_dir(&self.tmp)
            .map(|dir| {
                dir.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sends `signal` (kill -SIGNAL pid).
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// The lines up to and including the first that starts with `prefix` (at most 50).
    fn lines_until(&mut self, prefix: &str) -> Vec<String> {
        let mut lines = Vec::new();
        for _ in 0..50 {
            let mut line = String::new();
            if self.stdout.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let line = line.trim_end().to_owned();
            let done = line.starts_with(prefix);
            lines.push(line);
            if done {
                return lines;
            }
        }
        panic!("no line starting with {prefix:?} in {lines:?}");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

/// Whether process `pid` runs (exists and is not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit_once(')')
            .is_some_and(|(_, s)| s.trim_start().starts_with('Z'))
    })
}

/// The ssh master's pid from `pyroxene tunnel`'s first line.
fn master_pid(lines: &[String]) -> u32 {
    lines[0]
        .strip_prefix(&format!("Tunnel to {ALIAS} open (ssh control master pid "))
        .and_then(|rest| rest.strip_suffix(")."))
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("{lines:?}"))
}

fn nsc(args: &[&str]) -> (String, bool) {
    nsc_answering(args, "")
}

/// nsc with `input` on its stdin (removematching asks before it removes).
fn nsc_answering(args: &[&str], input: &str) -> (String, bool) {
    let out = output_within(
        Command::new(PYROXENE)
            .arg("nsc")
            .args(args)
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
            .env_remove("PYRO_NS_HOST")
            .env_remove("PYRO_NS_PORT"),
        Some(input.as_bytes()),
        ONE_SHOT_LIMIT,
    )
    .expect("nsc ends");
    // Its stderr used to go straight to the test's (inherited): printed, so a run still shows it.
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.success(),
    )
}

/// The seed's scenario with the CLI: `pyroxene ns` on the remote's localhost; every nsc command
/// through `--ssh` prints what nsc run on the remote host prints, and `pyroxene tunnel` gives
/// a local port that reaches the same name server, closed again on Ctrl-C.
#[test]
fn nsc_over_ssh_and_the_tunnel_command() {
    let Some(sshd) = SshServer::start() else {
        return;
    };
    let config = sshd.ssh_config().display().to_string();
    let port = free_port().to_string();
    let mut ns = Running::spawn(&["ns", "-n", "localhost", "-p", &port]);
    ns.lines_until("URI =");

    let ssh = ["--ssh", ALIAS, "--ssh-config", &config, "-p", &port];
    let via_ssh = |rest: &[&str]| nsc(&[&ssh[..], rest].concat());
    let here = |rest: &[&str]| nsc(&[&["-n", "localhost", "-p", &port][..], rest].concat());
    let (out, ok) = via_ssh(&["register", "lab.worker", "PYRO:worker@localhost:5555"]);
    assert!(ok, "{out}");
    via_ssh(&["setmeta", "lab.worker", "class:worker"]);
    via_ssh(&["register", "lab.spare", "PYRO:spare@localhost:5556"]);
    for command in [
        &["ping"][..],
        &["list"],
        &["listmatching", "lab\\..*"],
        &["lookup", "lab.worker"],
        &["yplookup_all", "class:worker"],
        &["yplookup_any", "class:worker", "class:other"],
        &["lookup", "missing"],
    ] {
        assert_eq!(via_ssh(command), here(command), "{command:?}");
    }
    assert!(
        via_ssh(&["yplookup_any", "class:worker"])
            .0
            .contains("lab.worker --> PYRO:worker@localhost:5555")
    );
    let (out, ok) = nsc_answering(
        &[&ssh[..], &["removematching", "lab\\.sp.*"]].concat(),
        "y\n",
    );
    assert!(ok && out.ends_with("(y/n)?1 items removed.\n"), "{out}");
    assert!(!here(&["list"]).0.contains("lab.spare"));
    assert!(
        via_ssh(&["list"])
            .0
            .contains("lab.worker --> PYRO:worker@localhost:5555")
    );
    let (out, ok) = via_ssh(&["remove", "lab.worker"]);
    assert!(ok, "{out}");
    assert!(!here(&["list"]).0.contains("lab.worker"));

    // pyroxene tunnel: the printed local port reaches the name server
    let mut tunnel =
        Running::spawn(&["tunnel", ALIAS, "--ssh-config", &config, "--ns-port", &port]);
    let lines = tunnel.lines_until("Press Ctrl-C");
    let ns_line = lines
        .iter()
        .find(|l| l.starts_with("Name server "))
        .unwrap_or_else(|| panic!("{lines:?}"));
    let prefix = format!("Name server localhost:{port} on {ALIAS} -> 127.0.0.1:");
    let local = ns_line
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{ns_line}"));
    assert_ne!(local, port, "a local port of its own");
    assert!(lines.iter().any(|l| l.starts_with(&format!(
        "Use it with PYRO_NS_HOST=127.0.0.1 PYRO_NS_PORT={local}"
    ))));
    let (out, ok) = nsc(&["-n", "127.0.0.1", "-p", local, "ping"]);
    assert!(ok && out.contains("Name server ping ok."), "{out}");

    // Ctrl-C closes it
    tunnel.signal("-INT");
    let closed = tunnel.lines_until("Tunnel closed.");
    assert_eq!(closed, ["Tunnel closed."]);
    assert!(tunnel.child.wait().unwrap().success());
    let local_port: u16 = local.parse().unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", local_port)).is_err());
    assert!(Path::new(PYROXENE).exists());
}

/// Regression (each CI run left `pyroxene-tunnel-*` directories in /tmp): SIGTERM, as a
/// service manager or `kill PID` stops it, closes the tunnel as Ctrl-C does: its ssh master
/// ends and the directory of its control socket is removed.
#[test]
fn sigterm_closes_the_tunnel_and_removes_its_directory() {
    let Some(sshd) = SshServer::start() else {
        return;
    };
    let config = sshd.ssh_config().display().to_string();
    let mut tunnel = Running::spawn(&["tunnel", ALIAS, "--ssh-config", &config]);
    let lines = tunnel.lines_until("Press Ctrl-C");
    let pid = master_pid(&lines);
    let entries = tunnel.tmp_entries();
    assert!(
        entries.len() == 1 && entries[0].starts_with("pyroxene-tunnel-"),
        "{entries:?}"
    );
    tunnel.signal("-TERM");
    assert_eq!(tunnel.lines_until("Tunnel closed."), ["Tunnel closed."]);
    assert!(tunnel.child.wait().unwrap().success());
    assert!(!alive(pid), "the ssh master {pid} outlived the tunnel");
    assert_eq!(tunnel.tmp_entries(), Vec::<String>::new());
}

/// A process killed without a chance to clean up (SIGKILL) leaves no ssh behind: the master
/// runs under `setpriv --pdeathsig KILL`, so the kernel ends it with its parent.
#[test]
fn a_killed_process_leaves_no_ssh_master() {
    let Some(sshd) = SshServer::start() else {
        return;
    };
    let has_setpriv = Command::new("setpriv")
        .args(["--pdeathsig", "KILL", "--", "true"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_setpriv || !pyroxene_testkit::under_ci(),
        "setpriv (util-linux) is missing"
    );
    if !has_setpriv {
        return;
    }
    let config = sshd.ssh_config().display().to_string();
    let mut tunnel = Running::spawn(&["tunnel", ALIAS, "--ssh-config", &config]);
    let lines = tunnel.lines_until("Press Ctrl-C");
    let pid = master_pid(&lines);
    assert!(alive(pid));
    tunnel.child.kill().unwrap(); // SIGKILL: no Drop runs
    tunnel.child.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while alive(pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!alive(pid), "the ssh master {pid} outlived its process");
}

/// `pyroxene tunnel` keeps its promise across an sshd restart: the local port it printed
/// reaches the name server again once sshd is back (the tunnel reopens its master by itself;
/// nobody routes through it here).
#[test]
fn the_printed_port_works_again_after_sshd_restarts() {
    let Some(mut sshd) = SshServer::start() else {
        return;
    };
    let config = sshd.ssh_config().display().to_string();
    let port = free_port().to_string();
    let mut ns = Running::spawn(&["ns", "-n", "localhost", "-p", &port]);
    ns.lines_until("URI =");
    let mut tunnel =
        Running::spawn(&["tunnel", ALIAS, "--ssh-config", &config, "--ns-port", &port]);
    let lines = tunnel.lines_until("Press Ctrl-C");
    let local = lines
        .iter()
        .find_map(|l| {
            l.strip_prefix(&format!(
                "Name server localhost:{port} on {ALIAS} -> 127.0.0.1:"
            ))
        })
        .unwrap_or_else(|| panic!("{lines:?}"))
        .to_owned();
    let ping = || nsc(&["-n", "127.0.0.1", "-p", &local, "ping"]).0;
    assert!(ping().contains("Name server ping ok."));
    let first = master_pid(&lines);

    sshd.restart(); // kills sshd and its sessions first
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        last = ping();
        if last.contains("Name server ping ok.") {
            assert!(!alive(first), "a new master serves the port");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the tunnel's port did not work again: {last}");
}
