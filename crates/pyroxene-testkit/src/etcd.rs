//! A real etcd cluster for tests: members on loopback ports, data in a temporary directory,
//! every process killed by pid when the fixture is dropped.
//!
//! The etcd binary is `$PYROXENE_ETCD`, else `etcd` on PATH (Debian's `etcd-server`, which
//! `scripts/test.sh` installs). Without it a test skips, except under CI, where it fails.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::under_ci;

/// How long a cluster may take to elect a leader.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The etcd binary, if there is one (see the module docs). Under CI a missing binary panics.
pub fn etcd_binary() -> Option<PathBuf> {
    let candidate = std::env::var_os("PYROXENE_ETCD")
        .map(PathBuf::from)
        .or_else(|| find_on_path("etcd"));
    let ok = candidate.as_ref().is_some_and(|path| {
        Command::new(path)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if ok {
        return candidate;
    }
    let msg = "etcd not found (run scripts/test.sh, which installs Debian's etcd-server, or set \
               PYROXENE_ETCD)";
    if under_ci() {
        panic!("{msg}");
    }
    eprintln!("SKIPPING etcd test: {msg}");
    None
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A free TCP port on 127.0.0.1 (bound, then released for the process that will use it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// One etcd member.
struct Member {
    name: String,
    client_port: u16,
    child: Option<Child>,
}

/// An etcd cluster of one or more members on 127.0.0.1 (see the module docs).
pub struct EtcdCluster {
    binary: PathBuf,
    dir: PathBuf,
    members: Vec<Member>,
    initial_cluster: String,
    peer_ports: Vec<u16>,
}

impl EtcdCluster {
    /// Starts `size` members and waits until the cluster has a leader; `None` when etcd is
    /// missing (outside CI).
    ///
    /// # Panics
    /// When the cluster doesn't come up within 30 s.
    pub fn start(size: usize) -> Option<EtcdCluster> {
        let binary = etcd_binary()?;
        let dir = std::env::temp_dir().join(format!(
            "pyroxene-etcd-{}-{}",
            std::process::id(),
            uuid_like()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("etcd temp dir");
        let peer_ports: Vec<u16> = (0..size).map(|_| free_port()).collect();
        let initial_cluster = peer_ports
            .iter()
            .enumerate()
            .map(|(i, p)| format!("m{i}=http://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",");
        let members = (0..size)
            .map(|i| Member {
                name: format!("m{i}"),
                client_port: free_port(),
                child: None,
            })
            .collect();
        let mut cluster = EtcdCluster {
            binary,
            dir,
            members,
            initial_cluster,
            peer_ports,
        };
        for i in 0..size {
            cluster.spawn(i);
        }
        cluster.wait_healthy();
        Some(cluster)
    }

    fn spawn(&mut self, i: usize) {
        let member = &self.members[i];
        let client = format!("http://127.0.0.1:{}", member.client_port);
        let peer = format!("http://127.0.0.1:{}", self.peer_ports[i]);
        let data = self.dir.join(&member.name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{}.log", member.name)))
            .expect("etcd log file");
        let child = Command::new(&self.binary)
            .args(["--name", &member.name])
            .arg("--data-dir")
            .arg(&data)
            .args(["--listen-client-urls", &client])
            .args(["--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer])
            .args(["--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &self.initial_cluster])
            .args(["--initial-cluster-state", "new"])
            .args(["--initial-cluster-token", "pyroxene-test"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start etcd");
        self.members[i].child = Some(child);
    }

    /// The client URLs of all members (killed ones included).
    pub fn endpoints(&self) -> Vec<String> {
        self.members
            .iter()
            .map(|m| format!("http://127.0.0.1:{}", m.client_port))
            .collect()
    }

    /// The name server's storage spelling for this cluster: `etcd:URL,URL,.../PREFIX`.
    pub fn storage_spec(&self, prefix: &str) -> String {
        format!("etcd:{}{prefix}", self.endpoints().join(","))
    }

    /// The directory of the members' data and logs (`m0.log`, ...).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Kills member `i` (SIGKILL, by pid) and waits for it.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.members[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts member `i` again (after [`EtcdCluster::kill`]) on its data.
    pub fn restart(&mut self, i: usize) {
        if self.members[i].child.is_none() {
            self.spawn(i);
        }
    }

    /// Sends a signal to member `i` by pid (`STOP`/`CONT` pause and resume it).
    pub fn signal(&self, i: usize, signal: &str) {
        if let Some(child) = &self.members[i].child {
            let _ = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(child.id().to_string())
                .status();
        }
    }

    /// The member that is the leader now (`etcd_server_is_leader 1` in its `/metrics`), if any
    /// running member says so.
    pub fn leader(&self) -> Option<usize> {
        self.members.iter().position(|m| {
            m.child.is_some()
                && http_get(m.client_port, "/metrics")
                    .lines()
                    .any(|l| l.trim() == "etcd_server_is_leader 1")
        })
    }

    /// Waits until every running member reports itself healthy (a leader elected).
    ///
    /// # Panics
    /// After 30 s.
    pub fn wait_healthy(&self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        for member in self.members.iter().filter(|m| m.child.is_some()) {
            while !healthy(member.client_port) {
                assert!(
                    Instant::now() < deadline,
                    "etcd member {} not healthy within {READY_TIMEOUT:?} (logs in {})",
                    member.name,
                    self.dir.display()
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

impl Drop for EtcdCluster {
    fn drop(&mut self) {
        for i in 0..self.members.len() {
            self.signal(i, "CONT");
            self.kill(i);
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// etcd's `/health` on its client port says `"health":"true"` once the member has a leader.
fn healthy(port: u16) -> bool {
    http_get(port, "/health").contains("\"health\":\"true\"")
}

/// The answer (head and body) of an HTTP/1.0 GET of `path` on a member's client port; empty
/// when it doesn't answer within 2 s.
fn http_get(port: u16, path: &str) -> String {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return String::new();
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

/// A short unique suffix for directory names (pid + time + a counter).
fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{nanos:x}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
