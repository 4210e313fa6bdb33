//! A real OpenSSH server on 127.0.0.1 for the tunnel tests: generated host and user keys
//! (ed25519, no passphrase), an `sshd_config` that allows only that key, and an `ssh_config`
//! with aliases for it. `scripts/setup-ssh.sh` (run by `scripts/test.sh`) installs
//! openssh-server and openssh-client when they are missing.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The path of sshd (Debian's).
pub const SSHD: &str = "/usr/sbin/sshd";

/// The alias of the server with the right key and its host key known.
pub const ALIAS: &str = "pyroxene-test";
/// The same server, logging in with a key it doesn't accept.
pub const WRONG_KEY_ALIAS: &str = "pyroxene-wrongkey";
/// The same server, with an empty `known_hosts` (and strict checking).
pub const UNKNOWN_HOST_KEY_ALIAS: &str = "pyroxene-unknownhostkey";
/// The same server, with another key in `known_hosts` for it.
pub const CHANGED_HOST_KEY_ALIAS: &str = "pyroxene-changedhostkey";
/// A port where no sshd listens (taken from a socket bound and released).
pub const DOWN_ALIAS: &str = "pyroxene-down";

/// An sshd running with `-D -e` on a free 127.0.0.1 port; killed (by pid, with the session
/// processes it forked) on drop.
pub struct SshServer {
    dir: PathBuf,
    port: u16,
    sshd: Option<Child>,
}

impl SshServer {
    /// Generates keys and configurations in a new directory under the system's temp dir and
    /// starts sshd. `None` (after saying why) when sshd or ssh-keygen is missing, unless
    /// under CI, where that panics: there the tunnel tests must run.
    ///
    /// # Panics
    /// When sshd can't be started, or is missing under CI.
    pub fn start() -> Option<SshServer> {
        let missing = [SSHD, "ssh-keygen", "ssh"]
            .into_iter()
            .find(|p| !on_path(p));
        if let Some(program) = missing {
            let msg = format!("{program} not found (scripts/setup-ssh.sh installs OpenSSH)");
            assert!(!crate::under_ci(), "{msg}");
            eprintln!("SKIPPING ssh test: {msg}");
            return None;
        }
        let dir =
            std::env::temp_dir().join(format!("pyroxene-sshd-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for key in ["host_key", "user_key", "wrong_key", "other_host_key"] {
            let status = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "pyroxene-test", "-f"])
                .arg(dir.join(key))
                .stdin(Stdio::null())
                .status()
                .expect("ssh-keygen runs");
            assert!(status.success(), "ssh-keygen failed");
        }
        std::fs::copy(dir.join("user_key.pub"), dir.join("authorized_keys")).expect("copy key");
        // sshd (root) needs its privilege separation directory, which the package's service
        // creates at boot; a container that never started the service has none.
        if is_root() && !Path::new("/run/sshd").exists() {
            let _ = std::fs::create_dir_all("/run/sshd");
        }
        let mut server = SshServer {
            dir,
            port: 0,
            sshd: None,
        };
        server.port = server.launch_on_free_port();
        server.write_client_config();
        Some(server)
    }

    /// The generated `ssh_config` (pass it as `-F`).
    pub fn ssh_config(&self) -> PathBuf {
        self.dir.join("ssh_config")
    }

    /// The directory of the keys and configurations.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The port sshd listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills sshd and every session process it forked (the connections die with them), by
    /// pid.
    pub fn kill(&mut self) {
        let Some(mut sshd) = self.sshd.take() else {
            return;
        };
        let pids = descendants(sshd.id());
        let _ = sshd.kill();
        let _ = sshd.wait();
        if !pids.is_empty() {
            let _ = Command::new("kill")
                .arg("-KILL")
                .args(pids.iter().map(ToString::to_string))
                .stderr(Stdio::null())
                .status();
        }
    }

    /// Starts sshd again on the same port with the same keys (after [`SshServer::kill`]).
    ///
    /// # Panics
    /// When it can't be started.
    pub fn restart(&mut self) {
        self.kill();
        // The port was ours a moment ago; a few tries cover a slow release.
        for _ in 0..50 {
            if self.launch(self.port).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("sshd did not start again on port {}", self.port);
    }

    fn launch_on_free_port(&mut self) -> u16 {
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            match self.launch(port) {
                Ok(()) => return port,
                Err(e) => last = e,
            }
        }
        panic!("sshd did not start: {last}");
    }

    /// Writes `sshd_config` for `port` and starts sshd; waits for "Server listening".
    fn launch(&mut self, port: u16) -> Result<(), String> {
        let d = self.dir.display();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
             AuthorizedKeysFile {d}/authorized_keys\nPubkeyAuthentication yes\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nPermitRootLogin prohibit-password\nPidFile none\n\
             AllowTcpForwarding yes\nAllowStreamLocalForwarding yes\nGatewayPorts no\n\
             MaxStartups 100\nMaxSessions 100\nLogLevel INFO\n"
        );
        let config_path = self.dir.join("sshd_config");
        std::fs::write(&config_path, config).map_err(|e| e.to_string())?;
        let mut child = Command::new(SSHD)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let mut lines = BufReader::new(stderr).lines();
        let mut seen = Vec::new();
        for _ in 0..100 {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("Server listening") => {
                    // sshd logs every connection on stderr; a full pipe would stall it.
                    std::thread::spawn(move || lines.for_each(drop));
                    self.sshd = Some(child);
                    self.port = port;
                    return Ok(());
                }
                Some(Ok(line)) => seen.push(line),
                _ => break,
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(seen.join("\n"))
    }

    fn write_client_config(&self) {
        let d = self.dir.display();
        let user = current_user();
        let host_key = std::fs::read_to_string(self.dir.join("host_key.pub")).expect("host key");
        let other_key =
            std::fs::read_to_string(self.dir.join("other_host_key.pub")).expect("host key");
        let port = self.port;
        std::fs::write(
            self.dir.join("known_hosts"),
            format!("[127.0.0.1]:{port} {host_key}"),
        )
        .expect("known_hosts");
        std::fs::write(
            self.dir.join("changed_known_hosts"),
            format!("[127.0.0.1]:{port} {other_key}"),
        )
        .expect("known_hosts");
        let down = free_port();
        let common = format!(
            "  HostName 127.0.0.1\n  User {user}\n  IdentitiesOnly yes\n  \
             GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  \
             PasswordAuthentication no\n  KbdInteractiveAuthentication no\n  \
             ConnectTimeout 10\n  LogLevel ERROR\n"
        );
        let block = |alias: &str, port: u16, key: &str, known: &str| {
            format!(
                "Host {alias}\n{common}  Port {port}\n  IdentityFile {d}/{key}\n  \
                 UserKnownHostsFile {known}\n"
            )
        };
        let known = format!("{d}/known_hosts");
        let text = [
            block(ALIAS, port, "user_key", &known),
            block(WRONG_KEY_ALIAS, port, "wrong_key", &known),
            block(UNKNOWN_HOST_KEY_ALIAS, port, "user_key", "/dev/null"),
            block(
                CHANGED_HOST_KEY_ALIAS,
                port,
                "user_key",
                &format!("{d}/changed_known_hosts"),
            ),
            block(DOWN_ALIAS, down, "user_key", &known),
        ]
        .concat();
        std::fs::write(self.ssh_config(), text).expect("ssh_config");
    }
}

impl Drop for SshServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The pids of the processes below `root` (children, grandchildren...), from `/proc`.
fn descendants(root: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut parents = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        let Some(ppid) = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        parents.push((pid, ppid));
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    found.remove(0);
    found
}

fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).exists();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).exists()))
}

fn is_root() -> bool {
    current_user() == "root"
}

fn current_user() -> String {
    Command::new("id")
        .arg("-un")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "root".to_owned())
}

/// A port free on 127.0.0.1 now.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
