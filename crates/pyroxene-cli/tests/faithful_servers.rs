//! `pyroxene echo` and `pyroxene ns` answer a Pyro4 client as Python's Pyro4 servers do and a
//! Pyro5 client as Python's Pyro5 servers do: one table over generation × server kind, each
//! row running `interop/faithful_client.py` (a real Pyro4 4.82 or Pyro5 5.17 client) against
//! Python's server and against ours, then comparing the two transcripts line by line.
//!
//! A transcript holds, for every serializer the generation has (the ones a server refuses
//! included), the metadata as the proxy keeps it and as `Pyro.Daemon.get_metadata` sends it,
//! every method and property of the server called through the proxy (results, exception class
//! and text, which calls the proxy refuses locally), the server's own answers to names the
//! proxy would refuse (sent raw), a batch, and for the echo server `slow()` and `shutdown()`
//! (after which the server must be gone). The name server's full API, argument by argument, is
//! compared by `crates/pyroxene-ns/tests/interop.rs` (both generations, in process and over the
//! network); the rows here add its metadata, local refusals and attribute answers per generation.
//!
//! Everything binds 127.0.0.1; every Python process gets `PYRO_BROADCAST_ADDRS=127.0.0.1`;
//! every process is killed by pid when the test ends, and every wait has a deadline.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use pyroxene_testkit::{python, workspace_root};

/// How long a server may take to print its URI, and a client to finish its transcript.
const START: Duration = Duration::from_secs(60);
const CLIENT: Duration = Duration::from_secs(180);

#[derive(Clone, Copy, Debug)]
enum Kind {
    Echo,
    NameServer,
}

/// The rows: (client and Python server generation, server kind).
const TABLE: [(u8, Kind); 4] = [
    (4, Kind::Echo),
    (5, Kind::Echo),
    (4, Kind::NameServer),
    (5, Kind::NameServer),
];

/// Where our transcript may differ from Python's, each a documented choice: the transcript
/// line's start (generation, kind, serializer and call label) and why. Python's name server
/// can't send `lookup(name, return_metadata=True)` in marshal (its result holds a URI object
/// marshal refuses: "unmarshallable object"); ours sends it (ARCHITECTURE.md, pyroxene-ns).
const ACCEPTED: [(u8, &str, &str, &str); 2] = [
    (
        4,
        "ns",
        "[marshal] lookup meta invoked ",
        "Python fails to send its own result",
    ),
    (
        5,
        "ns",
        "[marshal] lookup meta invoked ",
        "Python fails to send its own result",
    ),
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Echo => "echo",
            Kind::NameServer => "ns",
        }
    }

    /// Python's server of `generation`, bound to 127.0.0.1 on a free port.
    fn python(self, py: &Path, generation: u8) -> Command {
        let module = match (self, generation) {
            (Kind::Echo, 4) => "Pyro4.test.echoserver",
            (Kind::Echo, _) => "Pyro5.utils.echoserver",
            (Kind::NameServer, 4) => "Pyro4.naming",
            (Kind::NameServer, _) => "Pyro5.nameserver",
        };
        let mut cmd = Command::new(py);
        cmd.args(["-u", "-m", module]).args(self.bind_args());
        cmd
    }

    /// Ours: the same command serves both generations.
    fn ours(self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pyroxene"));
        cmd.arg(self.name()).args(self.bind_args());
        cmd
    }

    fn bind_args(self) -> [&'static str; 4] {
        match self {
            Kind::Echo => ["-H", "127.0.0.1", "-p", "0"],
            Kind::NameServer => ["-n", "127.0.0.1", "-p", "0"],
        }
    }

    /// The start of the line that carries the server's URI.
    fn uri_line(self) -> &'static str {
        match self {
            Kind::Echo => "echo uri: ",
            Kind::NameServer => "URI = ",
        }
    }
}

/// A server process (killed on drop) and the lines it prints, read by a thread so a verbose
/// server never blocks on a full pipe.
struct Server {
    child: Child,
    lines: Receiver<String>,
}

impl Server {
    /// Starts `cmd` and waits for its URI line.
    fn start(mut cmd: Command, kind: Kind) -> (Server, String) {
        cmd.current_dir(workspace_root())
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
            .env_remove("PYRO_NS_HOST")
            .env_remove("PYRO_NS_PORT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        let mut child = cmd.spawn().expect("start a server");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let server = Server { child, lines };
        let deadline = Instant::now() + START;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match server.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(uri) = line.strip_prefix(kind.uri_line()) {
                        return (server, uri.trim().to_owned());
                    }
                }
                Err(e) => panic!("{kind:?} server printed no URI: {e}"),
            }
        }
    }

    /// Whether the process ends by itself within `limit`.
    fn exits_within(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return true;
            }
            thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the client script to the end (killed after [`CLIENT`]) and returns its transcript;
/// `shutdown`: the echo run ends with `shutdown()`.
fn transcript(py: &Path, generation: u8, kind: Kind, uri: &str, shutdown: bool) -> String {
    let mut cmd = Command::new(py);
    cmd.current_dir(workspace_root())
        .arg("-u")
        .arg(workspace_root().join("interop/faithful_client.py"))
        .args([&generation.to_string(), kind.name(), uri])
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    if shutdown {
        cmd.arg("--shutdown");
    }
    let mut child = cmd.spawn().expect("start the client script");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        out
    });
    let deadline = Instant::now() + CLIENT;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("faithful_client.py {generation} {kind:?} did not finish in {CLIENT:?}");
        }
        thread::sleep(Duration::from_millis(50));
    };
    let out = reader.join().expect("reader");
    assert!(
        status.success(),
        "faithful_client.py failed ({status}):\n{out}"
    );
    out
}

/// The lines where the transcripts differ and no accepted difference applies.
fn differences(generation: u8, kind: Kind, python: &str, ours: &str) -> Vec<String> {
    let accepted = |line: &str| {
        ACCEPTED.iter().any(|(g, k, start, _why)| {
            *g == generation && *k == kind.name() && line.starts_with(start)
        })
    };
    let mut found: Vec<String> = python
        .lines()
        .zip(ours.lines())
        .filter(|(p, o)| p != o && !(accepted(p) && accepted(o)))
        .map(|(p, o)| format!("python: {p}\nours:   {o}"))
        .collect();
    if python.lines().count() != ours.lines().count() {
        found.push(format!(
            "different lengths: python {} lines, ours {}",
            python.lines().count(),
            ours.lines().count()
        ));
    }
    found
}

#[test]
fn echo_and_name_server_answer_each_generation_as_its_python_server() {
    let Some(py) = python() else { return };
    let mut failures = Vec::new();
    for (generation, kind) in TABLE {
        let (mut theirs, their_uri) = Server::start(kind.python(&py, generation), kind);
        let (mut ours, our_uri) = Server::start(kind.ours(), kind);
        // Both clients at once: the echo rows wait 5 s for slow() each.
        let echo = matches!(kind, Kind::Echo);
        let (their_text, our_text) = thread::scope(|s| {
            let t = s.spawn(|| transcript(&py, generation, kind, &their_uri, echo));
            let o = s.spawn(|| transcript(&py, generation, kind, &our_uri, echo));
            (t.join().expect("python run"), o.join().expect("our run"))
        });
        assert!(
            their_text.lines().count() > 60,
            "short transcript:\n{their_text}"
        );
        if matches!(kind, Kind::Echo) {
            // shutdown() ends both servers (the transcripts say the port stopped answering).
            assert!(
                theirs.exits_within(Duration::from_secs(10)),
                "python's echo server still runs"
            );
            assert!(
                ours.exits_within(Duration::from_secs(10)),
                "our echo server still runs"
            );
        }
        for d in differences(generation, kind, &their_text, &our_text) {
            failures.push(format!("Pyro{generation} {kind:?}: {d}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One process of ours serves both generations, each with its own answers: the name server's
/// metadata (Pyro4 callers don't see `yplookup`, so their proxy refuses it locally) and the
/// echo server's `error()` text.
#[test]
fn one_process_answers_each_callers_generation() {
    let Some(py) = python() else { return };
    let (_ns, uri) = Server::start(Kind::NameServer.ours(), Kind::NameServer);
    let four = transcript(&py, 4, Kind::NameServer, &uri, false);
    let five = transcript(&py, 5, Kind::NameServer, &uri, false);
    assert!(four.contains("[serpent] yplookup meta_all local !! builtins.AttributeError"));
    assert!(five.contains("[serpent] yplookup meta_all invoked -> {"));
    let pyro4_methods = "'count', 'list', 'lookup', 'ping', 'register', 'remove', 'set_metadata'";
    assert!(four.contains(&format!("[serpent] proxy methods set{{{pyro4_methods}}}")));
    assert!(five.contains(&format!(
        "[serpent] proxy methods set{{{pyro4_methods}, 'yplookup'}}"
    )));

    let (_echo, uri) = Server::start(Kind::Echo.ours(), Kind::Echo);
    let four = transcript(&py, 4, Kind::Echo, &uri, false);
    let five = transcript(&py, 5, Kind::Echo, &uri, false);
    let error = "[json] error() invoked !! builtins.ValueError: ";
    assert!(four.contains(&format!(
        "{error}expected error from echoserver error() method"
    )));
    assert!(five.contains(&format!(
        "{error}this is the generated error from echoserver echo() method"
    )));
}
