//! `pyroxene ns` run as a user would: Python's startup lines, durable sqlite registrations
//! across `kill -9` (also in the middle of a registration flood), a locked database, broadcast
//! discovery on loopback with `--bchost`, Ctrl-C, `nsc` showing the time a leased name has left,
//! and NS_AUTOCLEAN with Pyro5's log lines.
//!
//! Everything binds 127.0.0.1, ::1 or a unix socket; every child is killed by pid on drop.

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use pyroxene::{Proxy, Uri, Value, tuple};
use pyroxene_testkit::{
    LINE_LIMIT, ONE_SHOT_LIMIT, PythonProcess, ServerProcess, output_within, python,
};

/// A running `pyroxene ns` whose stdout is read line by line; killed (SIGKILL, by pid) on drop.
struct Ns(ServerProcess);

impl Ns {
    fn start(args: &[&str]) -> Ns {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pyroxene"));
        command.arg("ns").args(args);
        Ns::spawn(command)
    }

    /// Runs `command` (which ends up exec'ing `pyroxene ns`, so its pid is the server's).
    fn spawn(command: Command) -> Ns {
        Ns(ServerProcess::spawn(command).expect("start pyroxene ns"))
    }

    /// The startup lines, up to and including the (external) URI line; at most 10.
    fn startup_lines(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        for _ in 0..10 {
            let Some(line) = self.0.next_line(LINE_LIMIT).expect("a startup line") else {
                break;
            };
            let line = line.trim_end().to_owned();
            let last = line.starts_with("URI = ") || line.starts_with("external URI = ");
            lines.push(line);
            if last {
                break;
            }
        }
        lines
    }

    fn id(&self) -> u32 {
        self.0.id()
    }

    fn kill9(&mut self) {
        self.0.kill(); // SIGKILL
    }
}

fn uri_of(lines: &[String]) -> String {
    lines
        .iter()
        .find_map(|l| l.strip_prefix("URI = "))
        .unwrap_or_else(|| panic!("no URI line in {lines:?}"))
        .to_owned()
}

/// Replaces every port number after a `:` by PORT, so two runs' lines compare.
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

fn python_startup(py: &std::path::Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["-m", "Pyro5.nameserver"];
    all.extend_from_slice(args);
    let mut process = PythonProcess::spawn(py, &all, &[]).expect("start python ns");
    let mut lines = Vec::new();
    // wait_for_line returns the text after the prefix; "" matches every line.
    for _ in 0..10 {
        let line = process.wait_for_line("").expect("python ns line");
        let last = line.starts_with("URI = ") || line.starts_with("external URI = ");
        lines.push(line);
        if last {
            break;
        }
    }
    lines
}

#[test]
fn startup_lines_are_pythons() {
    let Some(py) = python() else { return };
    let cases: [&[&str]; 3] = [
        &["-n", "127.0.0.1", "-p", "0"],
        &[
            "-n",
            "127.0.0.1",
            "-p",
            "0",
            "--nathost",
            "127.0.0.1",
            "--natport",
            "5555",
        ],
        &["-n", "::1", "-p", "0", "-x"],
    ];
    for args in cases {
        let ours: Vec<String> = Ns::start(args)
            .startup_lines()
            .iter()
            .map(|l| without_ports(l))
            .collect();
        let theirs: Vec<String> = python_startup(&py, args)
            .iter()
            .map(|l| without_ports(l))
            .collect();
        assert_eq!(ours, theirs, "flags {args:?}");
    }
    let ours = Ns::start(&["-n", "127.0.0.1", "-p", "0"]).startup_lines();
    assert_eq!(ours[0], "Not starting broadcast server for localhost.");
    assert!(ours[1].starts_with("NS running on 127.0.0.1:"), "{ours:?}");
    assert!(ours[1].ends_with(" (127.0.0.1)"), "{ours:?}");
    assert!(
        ours[2].starts_with("URI = PYRO:Pyro.NameServer@127.0.0.1:"),
        "{ours:?}"
    );
}

#[test]
fn unix_socket_startup_lines() {
    let path = std::env::temp_dir().join(format!("pyroxene-ns-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let path = path.to_string_lossy().into_owned();
    let lines = Ns::start(&["-u", &path]).startup_lines();
    assert_eq!(
        lines,
        [
            format!("NS running on ./u:{path} (Unix domain socket)"),
            format!("URI = PYRO:Pyro.NameServer@./u:{path}"),
        ]
    );
    let _ = std::fs::remove_file(&path);
}

fn db_file(name: &str) -> PathBuf {
    let file = std::env::temp_dir().join(format!("pyroxene-ns-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    file
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_registration_survives_kill_9() {
    let file = db_file("kill9");
    let storage = format!("sql:{}", file.display());
    let args = ["-n", "127.0.0.1", "-p", "0", "-s", &storage];
    let mut first = Ns::start(&args);
    let lines = first.startup_lines();
    // A fresh store holds only the NS itself: no "Persistent store" line.
    assert!(
        !lines.iter().any(|l| l.starts_with("Persistent")),
        "{lines:?}"
    );
    let ns = Proxy::new(uri_of(&lines)).expect("ns uri");
    let args_register = tuple![
        "durable.name",
        "PYRO:obj@127.0.0.1:4321",
        false,
        tuple!["kept"]
    ];
    ns.call("register", args_register, None)
        .await
        .expect("register");
    drop(ns);
    // The acknowledged registration must survive the process dying without any cleanup.
    first.kill9();

    let mut second = Ns::start(&args);
    let lines = second.startup_lines();
    assert!(
        lines.contains(&"Persistent store contains 2 existing registrations.".to_owned()),
        "{lines:?}"
    );
    let ns = Proxy::new(uri_of(&lines)).expect("ns uri");
    let found = ns
        .call("lookup", tuple!["durable.name", true], None)
        .await
        .expect("lookup after restart");
    let Value::Tuple(parts) = found else {
        panic!("tuple: {found}")
    };
    assert_eq!(
        Uri::from_value(&parts[0]).expect("uri").to_string(),
        "PYRO:obj@127.0.0.1:4321"
    );
    assert_eq!(parts[1], pyroxene::set!["kept"]);
    drop(second);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

fn remove_db(file: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

/// Issue 16, item 7: `kill -9` of a sqlite name server while 4 clients register as fast as
/// they can, five times over: every registration that was acknowledged is there afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_registration_flood_loses_nothing_acknowledged() {
    let file = db_file("flood");
    let storage = format!("sql:{}", file.display());
    let args = ["-n", "127.0.0.1", "-p", "0", "-s", &storage];
    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..5 {
        let mut ns = Ns::start(&args);
        let uri = uri_of(&ns.startup_lines());
        // Everything acknowledged in earlier rounds survived the kill.
        let proxy = Proxy::new(uri.clone()).expect("ns uri");
        let listed = proxy
            .call("list", tuple!["flood."], None)
            .await
            .expect("list");
        let Value::Dict(listed) = listed else {
            panic!("dict: {listed}")
        };
        for name in &acknowledged {
            assert!(
                listed.contains_key(&Value::from(name.as_str())),
                "round {round}: acknowledged {name} lost"
            );
        }
        let flooding: Vec<_> = (0..4)
            .map(|client| {
                let proxy = Proxy::new(uri.clone())
                    .expect("ns uri")
                    .with_timeout(Some(Duration::from_secs(5)));
                tokio::spawn(async move {
                    let mut done = Vec::new();
                    for n in 0..100_000 {
                        let name = format!("flood.{round}.{client}.{n}");
                        let call = tuple![name.clone(), "PYRO:obj@127.0.0.1:1"];
                        if proxy.call("register", call, None).await.is_err() {
                            break; // the server is gone
                        }
                        done.push(name);
                    }
                    done
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(300)).await;
        ns.kill9();
        for client in flooding {
            acknowledged.extend(client.await.expect("join"));
        }
    }
    assert!(acknowledged.len() > 20, "the flood registered something");
    let mut ns = Ns::start(&args);
    let lines = ns.startup_lines();
    let want = format!(
        "Persistent store contains {} existing registrations.",
        acknowledged.len() + 1
    );
    // Acknowledged ones, plus (at most 4 per kill) registrations stored before their reply went out.
    let stored = lines
        .iter()
        .find_map(|l| l.strip_prefix("Persistent store contains "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert!(
        stored > acknowledged.len() && stored <= acknowledged.len() + 1 + 4 * 5,
        "{stored} stored for {} acknowledged ({want})",
        acknowledged.len()
    );
    drop(ns);
    remove_db(&file);
}

/// Issue 16, item 7: a database the name server can't write (another process holds its write
/// lock) gives registrations a clear NamingError, while lookups and listings go on being served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_refuses_writes_clearly_and_serves_reads() {
    let file = db_file("locked");
    let storage = format!("sql:{}", file.display());
    let mut ns = Ns::start(&["-n", "127.0.0.1", "-p", "0", "-s", &storage]);
    let proxy = Proxy::new(uri_of(&ns.startup_lines())).expect("ns uri");
    proxy
        .call(
            "register",
            tuple!["before.lock", "PYRO:obj@127.0.0.1:1"],
            None,
        )
        .await
        .expect("register");
    let locker = rusqlite::Connection::open(&file).expect("open the database");
    locker
        .execute_batch("BEGIN EXCLUSIVE")
        .expect("take the write lock");
    let err = proxy
        .call(
            "register",
            tuple!["during.lock", "PYRO:obj@127.0.0.1:1"],
            None,
        )
        .await
        .expect_err("the database is locked");
    let remote = err.remote().expect("a remote exception");
    assert_eq!(remote.short_class(), "NamingError", "{err}");
    assert!(
        remote
            .message()
            .starts_with("sqlite error in setitem: database is locked"),
        "{err}"
    );
    let found = proxy
        .call("lookup", tuple!["before.lock"], None)
        .await
        .expect("lookups are still served");
    assert_eq!(
        Uri::from_value(&found).expect("a uri").to_string(),
        "PYRO:obj@127.0.0.1:1"
    );
    proxy
        .call("list", tuple![], None)
        .await
        .expect("listings are still served");
    locker.execute_batch("ROLLBACK").expect("release the lock");
    proxy
        .call(
            "register",
            tuple!["after.lock", "PYRO:obj@127.0.0.1:1"],
            None,
        )
        .await
        .expect("writes work again");
    ns.kill9();
    remove_db(&file);
}

/// Issue 16, item 7: the disk under a sqlite name server fills up. Writes get Python's
/// NamingError ("sqlite error in setitem: database or disk is full") and nothing else breaks:
/// lookups and listings are served, and once room is made on the disk, writes work again.
///
/// The database lives on a 512 KiB tmpfs mounted in a mount namespace of the server's own
/// (`unshare --user --map-root-user --mount`: no privilege needed, and the mount goes away
/// with the process whatever happens to the test). `unshare` and `sh` exec the server, so
/// the child's pid is the server's.
#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_and_serves_reads() {
    let dir = std::env::temp_dir().join(format!("pyroxene-ns-full-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mount point");
    let mut command = Command::new("unshare");
    command
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg(
            "mount -t tmpfs -o size=512k pyroxene-full \"$1\" && \
             exec \"$0\" ns -n 127.0.0.1 -p 0 -s \"sql:$1/ns.db\"",
        )
        .arg(env!("CARGO_BIN_EXE_pyroxene"))
        .arg(&dir);
    let mut ns = Ns::spawn(command);
    let proxy = Proxy::new(uri_of(&ns.startup_lines())).expect("ns uri");
    // The server's view of its tmpfs, from outside its mount namespace; a ballast file takes
    // most of the room now and is the room an administrator frees later.
    let ballast = PathBuf::from(format!("/proc/{}/root", ns.id()))
        .join(dir.strip_prefix("/").expect("an absolute temp dir"))
        .join("ballast");
    std::fs::write(&ballast, vec![0u8; 320 << 10]).expect("write the ballast");
    let padding = "m".repeat(2000);
    let mut registered = 0;
    let full = loop {
        assert!(registered < 1000, "512 KiB never filled up");
        let metadata = pyroxene::set![format!("{registered}{padding}")];
        match proxy
            .call(
                "register",
                tuple![
                    format!("full.{registered}"),
                    "PYRO:obj@127.0.0.1:1",
                    false,
                    metadata
                ],
                None,
            )
            .await
        {
            Ok(_) => registered += 1,
            Err(err) => break err,
        }
    };
    assert!(registered >= 3, "only {registered} names fitted");
    let remote = full.remote().expect("a remote exception");
    assert_eq!(remote.short_class(), "NamingError", "{full}");
    assert_eq!(
        remote.message(),
        "sqlite error in setitem: database or disk is full",
        "{full}"
    );
    let found = proxy
        .call("lookup", tuple!["full.0"], None)
        .await
        .expect("lookups are still served");
    assert_eq!(
        Uri::from_value(&found).expect("a uri").to_string(),
        "PYRO:obj@127.0.0.1:1"
    );
    let names = proxy
        .call("list", tuple!["full."], None)
        .await
        .expect("listings are still served");
    assert_eq!(
        names.as_dict().map(|d| d.len()),
        Some(registered),
        "every acknowledged name is listed, the refused one is not"
    );
    std::fs::remove_file(&ballast).expect("make room");
    proxy
        .call(
            "register",
            tuple!["full.again", "PYRO:obj@127.0.0.1:1"],
            None,
        )
        .await
        .expect("writes work again");
    proxy
        .call("remove", tuple!["full.0"], None)
        .await
        .expect("removals work again");
    ns.kill9();
    let _ = std::fs::remove_dir(&dir);
}

#[test]
fn bchost_starts_broadcast_on_loopback_and_answers_get_nsuri() {
    let mut ns = Ns::start(&[
        "-n",
        "127.0.0.1",
        "-p",
        "0",
        "--bchost",
        "127.0.0.1",
        "--bcport",
        "0",
    ]);
    let lines = ns.startup_lines();
    let location = lines[0]
        .strip_prefix("Broadcast server running on ")
        .unwrap_or_else(|| panic!("{lines:?}"));
    let uri = uri_of(&lines);
    let socket = UdpSocket::bind("127.0.0.1:0").expect("udp");
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    // Something else is ignored; GET_NSURI gets the URI back, as text, to the sender.
    socket.send_to(b"HELLO", location).expect("send");
    socket.send_to(b"GET_NSURI", location).expect("send");
    let mut buf = [0u8; 200];
    let (n, _) = socket.recv_from(&mut buf).expect("reply");
    assert_eq!(std::str::from_utf8(&buf[..n]).expect("ascii"), uri);

    // Python's locate_ns() (no host) finds it by broadcast when NS_HOST:NS_PORT is empty.
    let Some(py) = python() else { return };
    let bcport = location.rsplit(':').next().expect("port");
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
        .to_string();
    let env = [
        ("PYRO_NS_HOST", "127.0.0.1"),
        ("PYRO_NS_PORT", dead.as_str()),
        ("PYRO_NS_BCPORT", bcport),
    ];
    let process =
        PythonProcess::spawn(&py, &["interop/ns_pyroname.py", "locate"], &env).expect("python");
    let (status, out) = process.finish().expect("python output");
    assert!(status.success(), "{out}");
    assert_eq!(out.trim(), format!("located {uri} count 1"));
}

#[test]
fn ctrl_c_ends_with_ns_shut_down() {
    let mut ns = Ns::start(&["-n", "127.0.0.1", "-p", "0"]);
    ns.startup_lines();
    let status = Command::new("kill")
        .args(["-INT", &ns.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    let mut rest = String::new();
    for _ in 0..5 {
        let Some(line) = ns.0.next_line(LINE_LIMIT).expect("read") else {
            break;
        };
        rest.push_str(&line);
    }
    assert_eq!(rest, "NS shut down.\n");
    let Ns(process) = ns;
    assert!(process.finish().expect("wait").0.success());
}

#[test]
fn bad_storage_and_nat_flags_are_refused() {
    let run = |args: &[&str]| {
        output_within(
            Command::new(env!("CARGO_BIN_EXE_pyroxene"))
                .arg("ns")
                .args(args)
                .env("PYRO_BROADCAST_ADDRS", "127.0.0.1"),
            None,
            ONE_SHOT_LIMIT,
        )
        .expect("run pyroxene ns")
    };
    let out = run(&["-n", "127.0.0.1", "-p", "0", "-s", "redis:x"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid storage type 'redis:x'"));
    let out = run(&["-n", "127.0.0.1", "-p", "0", "--natport", "5"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("must provide natport with nathost"));
}

fn nsc(port: u16, args: &[&str]) -> String {
    let out = output_within(
        Command::new(env!("CARGO_BIN_EXE_pyroxene"))
            .arg("nsc")
            .args(["-n", "127.0.0.1", "-p", &port.to_string()])
            .args(args),
        None,
        ONE_SHOT_LIMIT,
    )
    .expect("run pyroxene nsc");
    assert!(out.status.success(), "nsc {args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The seconds in a `lease: N.N s left` line.
fn lease_left(text: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("lease: ")?
            .strip_suffix(" s left")?
            .parse()
            .ok()
    })
}

#[test]
fn nsc_shows_the_time_a_lease_has_left() {
    let mut ns = Ns::start(&["-n", "127.0.0.1", "-p", "0"]);
    let uri: Uri = uri_of(&ns.startup_lines()).parse().expect("uri");
    let port = uri.port().expect("port");
    nsc(port, &["register", "leased", "PYRO:o@127.0.0.1:1"]);
    nsc(port, &["register", "plain", "PYRO:p@127.0.0.1:1"]);
    assert_eq!(
        nsc(port, &["setmeta", "leased", "lease:600"]),
        "Metadata updated\n"
    );
    let list = nsc(port, &["list"]);
    let left = lease_left(&list).unwrap_or_else(|| panic!("no lease line in {list}"));
    assert!(left > 0.0 && left <= 600.0, "{list}");
    // Only under the leased name: exactly one lease line.
    assert_eq!(list.matches("lease: ").count(), 1, "{list}");
    assert!(
        list.contains("leased --> PYRO:o@127.0.0.1:1\n    metadata: {'lease:600'}\n    lease: ")
    );
    let lookup = nsc(port, &["lookup", "leased"]);
    assert!(lease_left(&lookup).is_some(), "{lookup}");
    assert_eq!(nsc(port, &["lookup", "plain"]), "PYRO:p@127.0.0.1:1\n");
}

/// NS_AUTOCLEAN through the environment, end to end: Pyro5's log lines, and a name whose
/// address doesn't answer removed after Pyro's 20 seconds (so this test takes ~25 s).
#[test]
fn autoclean_removes_a_dead_registration_with_pyros_log_line() {
    let dir = std::env::temp_dir().join(format!("pyroxene-autoclean-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let log = dir.join("ns.log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_pyroxene"));
    command
        .args(["ns", "-n", "127.0.0.1", "-p", "0"])
        .env("PYRO_NS_AUTOCLEAN", "3")
        .env("PYRO_LOGLEVEL", "DEBUG")
        .env("PYRO_LOGFILE", &log);
    let mut ns = Ns::spawn(command);
    let uri: Uri = uri_of(&ns.startup_lines()).parse().expect("uri");
    let port = uri.port().expect("port");
    let dead = format!("PYRO:gone@./u:{}", dir.join("nothing.sock").display());
    nsc(port, &["register", "dead.one", &dead]);
    let start = std::time::Instant::now();
    let line = format!("autoclean: unregistering dead.one; cannot connect uri {dead} for 20 sec");
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains(&line) {
            assert!(text.contains("autoclean enabled"), "{text}");
            assert!(
                text.contains("autoclean: 1/2 names currently unreachable"),
                "{text}"
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(45),
            "no removal logged:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Pyro's 20 s, counted from the first sweep that found it unreachable.
    assert!(
        start.elapsed() >= Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert!(
        nsc(port, &["list"])
            .lines()
            .all(|l| !l.starts_with("dead.one"))
    );
    ns.kill9();
    let _ = std::fs::remove_dir_all(&dir);
}
