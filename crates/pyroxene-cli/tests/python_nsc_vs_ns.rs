//! Python's own `python -m Pyro5.nsc` against `pyroxene ns` and against
//! `python -m Pyro5.nameserver`: the same sequence of nsc commands goes to each name server (so
//! every command meets the same prior state), and each step's stdout (the name server's port
//! replaced by `PORT`), exit status and last stderr line (the exception nsc dies with, if any)
//! must be equal. This is what a user switching name servers sees from the tool they keep.
//!
//! Every Python process runs with PYTHONHASHSEED=0 and PYRO_BROADCAST_ADDRS=127.0.0.1. The seed
//! matters for metadata: nsc prints the set it decoded, in its own hash order, which with a
//! fixed seed is the same whichever name server sent the set.
//!
//! Nothing is masked but the port. Invalid regexes are compared for the common mistakes, which
//! our name server words as Python's `re` does; rarer ones keep the Rust regex crate's words
//! (not exercised here).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use pyroxene_testkit::{ONE_SHOT_LIMIT, PythonProcess, output_within, python};

/// Where a step's nsc looks for the name server.
#[derive(Clone, Copy)]
enum Locate {
    /// `-n 127.0.0.1 -p <port>`.
    Flags,
    /// No flags; PYRO_NS_HOST/PYRO_NS_PORT point at it (locate_ns' localhost step).
    Env,
}

struct Step {
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    locate: Locate,
}

const fn step(args: &'static [&'static str]) -> Step {
    Step {
        args,
        stdin: None,
        locate: Locate::Flags,
    }
}

const fn answering(args: &'static [&'static str], stdin: &'static str) -> Step {
    Step {
        args,
        stdin: Some(stdin),
        locate: Locate::Flags,
    }
}

const fn located(args: &'static [&'static str]) -> Step {
    Step {
        args,
        stdin: None,
        locate: Locate::Env,
    }
}

/// Each step runs after the ones before it, against the state they left.
const STEPS: &[Step] = &[
    step(&["ping"]),
    step(&["-v", "ping"]),
    step(&["list"]),
    step(&["register", "a.b", "PYRO:obj_b@127.0.0.1:5001"]),
    step(&["register", "a.c", "pyro:obj_c@127.0.0.1:5002"]),
    step(&["register", "a.d", "PYRO:obj_d@[::1]:5003"]),
    step(&["register", "other", "PYRO:obj_o@./u:/tmp/o.sock"]),
    step(&["register", "a.b", "PYRO:obj_b@127.0.0.1:5001"]), // duplicate: NamingError
    step(&["register", "bad", "nouri"]),                     // invalid uri: PyroError
    step(&["register", "onlyname"]),                         // usage (SystemExit)
    step(&["setmeta", "a.b", "t1", "t2", "t3", "t1"]),
    step(&["setmeta", "a.d", "t1", "class:x.Y"]),
    step(&["setmeta", "other", "solo"]),
    step(&["setmeta", "a.c"]),
    step(&["setmeta", "zz", "t"]), // unknown name
    step(&["setmeta"]),
    step(&["list"]),
    step(&["list", "a."]),
    step(&["list", "zz"]),
    step(&["list", "Pyro."]),
    step(&["listmatching", r"a\..*"]),
    step(&["listmatching", ".*er"]),
    step(&["listmatching", "("]), // invalid regexes, in Python re's words
    step(&["listmatching", "a.)"]),
    step(&["listmatching", "[a"]),
    step(&["listmatching", "a|*"]),
    step(&["listmatching", "[z-a]"]),
    step(&["listmatching"]),
    step(&["lookup", "a.b"]),
    step(&["lookup", "a.c"]),
    step(&["lookup", "a.d"]),
    step(&["lookup", "other"]),
    step(&["lookup", "Pyro.NameServer"]),
    step(&["lookup", "zz"]), // unknown name
    step(&["lookup"]),
    step(&["yplookup_all", "t1"]),
    step(&["yplookup_all", "t1", "t2"]),
    step(&["yplookup_all", "t1", "nope"]),
    step(&["yplookup_all", "class:Pyro5.nameserver.NameServer"]),
    step(&["yplookup_any", "solo", "t3"]),
    step(&["yplookup_any", "nope"]),
    step(&["yplookup_any"]),
    step(&["remove", "a.c"]),
    step(&["remove", "a.c"]), // nothing removed
    step(&["remove"]),
    answering(&["removematching", ".*"], "n\n"),
    step(&["removematching", ".*"]), // stdin at EOF: EOFError
    step(&["removematching"]),
    answering(&["removematching", r"a\..*"], "y\n"),
    answering(&["removematching", "zz.*"], "Y\n"),
    answering(&["removematching", "("], " Y \n"),
    step(&["-v", "list"]),
    step(&["bogus"]),
    located(&["ping"]),
    located(&["-v", "lookup", "other"]),
];

/// A `pyroxene ns` process, killed (by pid) on drop.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The port at the end of a `URI = PYRO:Pyro.NameServer@127.0.0.1:<port>` line.
fn port_of(uri: &str) -> String {
    uri.rsplit(':').next().expect("port").to_owned()
}

/// `pyroxene ns -n 127.0.0.1 -p 0 -x` and its port (read from its URI line, within 10 lines).
fn our_ns() -> (Guard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pyroxene"))
        .args(["ns", "-n", "127.0.0.1", "-p", "0", "-x"])
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start pyroxene ns");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let guard = Guard(child);
    for _ in 0..10 {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("read") == 0 {
            break;
        }
        if let Some(uri) = line.trim_end().strip_prefix("URI = ") {
            return (guard, port_of(uri));
        }
    }
    panic!("pyroxene ns printed no URI line");
}

/// `python -m Pyro5.nameserver -n 127.0.0.1 -p 0 -x` and its port.
fn python_ns(py: &Path) -> (PythonProcess, String) {
    let mut ns = PythonProcess::spawn(
        py,
        &["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0", "-x"],
        &[("PYTHONHASHSEED", "0")],
    )
    .expect("start python name server");
    let uri = ns.wait_for_line("URI =").expect("URI line");
    (ns, port_of(&uri))
}

/// What one nsc run showed: stdout (port masked), exit status, last stderr line.
#[derive(PartialEq, Debug)]
struct Outcome {
    stdout: String,
    status: i32,
    error: String,
}

/// Runs Python's nsc for `step` against the name server on `port`.
fn run(py: &Path, step: &Step, port: &str) -> Outcome {
    let mut cmd = Command::new(py);
    cmd.args(["-m", "Pyro5.nsc"])
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .env("PYTHONHASHSEED", "0")
        .env_remove("PYRO_NS_HOST")
        .env_remove("PYRO_NS_PORT");
    match step.locate {
        Locate::Flags => {
            cmd.args(["-n", "127.0.0.1", "-p", port]);
        }
        Locate::Env => {
            cmd.env("PYRO_NS_HOST", "127.0.0.1")
                .env("PYRO_NS_PORT", port);
        }
    }
    cmd.args(step.args);
    // Stdin: the step's text, else closed (null).
    let out =
        output_within(&mut cmd, step.stdin.map(str::as_bytes), ONE_SHOT_LIMIT).expect("nsc output");
    let mask = |text: &[u8]| String::from_utf8_lossy(text).replace(&format!(":{port}"), ":PORT");
    Outcome {
        stdout: mask(&out.stdout),
        status: out.status.code().unwrap_or(-1),
        error: mask(&out.stderr)
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned(),
    }
}

#[test]
fn python_nsc_prints_the_same_for_both_name_servers() {
    let Some(py) = python() else { return };
    let (_python_ns, py_port) = python_ns(&py);
    let (_our_ns, our_port) = our_ns();
    let mut mismatches = Vec::new();
    let mut transcript = String::new();
    for step in STEPS {
        let theirs = run(&py, step, &py_port);
        let ours = run(&py, step, &our_port);
        transcript.push_str(&theirs.stdout);
        if theirs != ours {
            mismatches.push(format!(
                "nsc {:?}\n--- python ns:  {theirs:?}\n--- pyroxene ns: {ours:?}",
                step.args
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    // The steps reached the interesting outputs (not just equal failures).
    for expected in [
        "Name server ping ok.\n",
        "Registered a.b\n",
        "--------START LIST - prefix 'a.'\na.b --> PYRO:obj_b@127.0.0.1:5001\n    metadata: {",
        "a.c --> pyro:obj_c@127.0.0.1:5002\n",
        "--------START LIST - regex 'a\\..*'\n",
        "--------START LIST  - searched by metadata\n",
        "PYRO:obj_d@[::1]:5003\nmetadata: {",
        "Error: NamingError - name already registered: a.b\n",
        "Error: NamingError - unknown name: zz\n",
        "Error: PyroError - invalid uri\n",
        "Error: NamingError - invalid regex: missing ), unterminated subpattern at position 0\n",
        "Error: NamingError - invalid regex: bad character range z-a at position 1\n",
        "Removed a.c\n",
        "Nothing removed\n",
        "Are you sure (y/n)?Error: EOFError - EOF when reading a line\n",
        "Are you sure (y/n)?2 items removed.\n",
        "Are you sure (y/n)?0 items removed.\n",
        "Metadata updated\n",
        "Metadata cleared\n",
        "Name server found: PYRO:Pyro.NameServer@127.0.0.1:PORT\n",
    ] {
        assert!(
            transcript.contains(expected),
            "{expected:?} not in:\n{transcript}"
        );
    }
}
