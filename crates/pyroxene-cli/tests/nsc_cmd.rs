//! `pyroxene nsc` against `python -m Pyro5.nsc`: two real Python name servers get the same
//! sequence of commands, Python's nsc talking to one and ours to the other, so every command
//! meets the same prior state. Each step's stdout (the name server's port replaced by `PORT`)
//! and exit status must be equal.
//!
//! Every Python process runs with PYTHONHASHSEED=0: Python's nsc prints metadata sets in hash
//! order, which then is the order its name server sends them in, the order ours prints.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use pyroxene_testkit::{PythonProcess, python};

/// Where a step's nsc looks for the name server.
#[derive(Clone, Copy)]
enum Locate {
    /// `-n 127.0.0.1 -p <port>`.
    Flags,
    /// No flags; PYRO_NS_HOST/PYRO_NS_PORT point at it (the localhost step of locate_ns).
    Env,
    /// `-n 127.0.0.1 -p <a port nothing listens on>`.
    Nowhere,
    /// `-u <a socket path that doesn't exist>`.
    MissingSocket,
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

const fn located(args: &'static [&'static str], locate: Locate) -> Step {
    Step {
        args,
        stdin: None,
        locate,
    }
}

/// Each step runs after the ones before it, against the state they left.
const STEPS: &[Step] = &[
    step(&["ping"]),
    step(&["-v", "ping"]),
    step(&["list"]),
    step(&["register", "a.b", "PYRO:obj_b@127.0.0.1:5001"]),
    step(&["register", "a.c", "pyro:obj_c@127.0.0.1:5002"]),
    step(&["register", "other", "PYRO:obj_o@./u:/tmp/o.sock"]),
    step(&["register", "a.b", "PYRO:obj_b@127.0.0.1:5001"]), // safe: NamingError
    step(&["register", "bad", "nouri"]),                     // PyroError from the server
    step(&["register", "onlyname"]),                         // usage
    step(&["setmeta", "a.b", "t1", "t2", "t3", "t1"]),
    step(&["setmeta", "other", "solo"]),
    step(&["setmeta", "a.c"]),
    // pyroxene's lease tag is a plain tag to Python's name server: nsc prints no lease line.
    step(&["setmeta", "a.c", "lease:3600"]),
    step(&["setmeta", "zz", "t"]),
    step(&["setmeta"]),
    step(&["list"]),
    step(&["list", "a."]),
    step(&["list", "zz"]),
    step(&["list", "a.", "ignored"]),
    step(&["listmatching", r"a\..*"]),
    step(&["listmatching", "("]),
    step(&["listmatching"]),
    step(&["lookup", "a.b"]),
    step(&["lookup", "a.c"]),
    step(&["lookup", "other"]),
    step(&["lookup", "zz"]),
    step(&["lookup"]),
    step(&["yplookup_all", "t1", "t2"]),
    step(&["yplookup_all", "t1", "nope"]),
    step(&["yplookup_any", "solo", "t3"]),
    step(&["yplookup_any"]),
    step(&["remove", "a.c"]),
    step(&["remove", "a.c"]),
    step(&["remove"]),
    answering(&["removematching", ".*"], "n\n"),
    step(&["removematching", ".*"]), // stdin at EOF: EOFError
    step(&["removematching"]),
    answering(&["removematching", r"a\..*"], "y\n"),
    answering(&["removematching", "("], " Y \n"),
    step(&["-v", "list"]),
    step(&["bogus"]),
    step(&[]),
    located(&["ping"], Locate::Env),
    located(&["lookup", "other"], Locate::Env),
    located(&["ping"], Locate::Nowhere),
    located(&["-v", "list"], Locate::Nowhere),
    located(&["ping"], Locate::MissingSocket),
];

/// A Python name server on 127.0.0.1 (no broadcast responder) and its port.
fn python_ns(py: &Path) -> (PythonProcess, String) {
    let mut ns = PythonProcess::spawn(
        py,
        &["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0", "-x"],
        &[("PYTHONHASHSEED", "0")],
    )
    .expect("start python name server");
    let uri = ns.wait_for_line("URI =").expect("URI line");
    let port = uri.rsplit(':').next().expect("port").to_owned();
    (ns, port)
}

/// Runs one nsc (`program` + `base` args) for `step`; returns (stdout with the port replaced,
/// exit status).
fn run(program: &Path, base: &[&str], step: &Step, port: &str, closed: &str) -> (String, i32) {
    let mut cmd = Command::new(program);
    cmd.args(base)
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .env("PYTHONHASHSEED", "0")
        .env_remove("PYRO_NS_HOST")
        .env_remove("PYRO_NS_PORT")
        .stdin(if step.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match step.locate {
        Locate::Flags => {
            cmd.args(["-n", "127.0.0.1", "-p", port]);
        }
        Locate::Env => {
            cmd.env("PYRO_NS_HOST", "127.0.0.1")
                .env("PYRO_NS_PORT", port);
        }
        Locate::Nowhere => {
            cmd.args(["-n", "127.0.0.1", "-p", closed]);
        }
        Locate::MissingSocket => {
            cmd.args(["-u", "/nonexistent-pyroxene-dir/ns.sock"]);
        }
    }
    cmd.args(step.args);
    let mut child = cmd.spawn().expect("start nsc");
    if let (Some(text), Some(mut stdin)) = (step.stdin, child.stdin.take()) {
        stdin.write_all(text.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("nsc output");
    let stdout = String::from_utf8_lossy(&out.stdout).replace(&format!(":{port}"), ":PORT");
    (stdout, out.status.code().unwrap_or(-1))
}

#[test]
fn nsc_prints_what_python_nsc_prints() {
    let Some(py) = python() else { return };
    let (_py_ns, py_port) = python_ns(&py);
    let (_rs_ns, rs_port) = python_ns(&py);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
        .to_string();
    let ours = Path::new(env!("CARGO_BIN_EXE_pyroxene"));
    let mut mismatches = Vec::new();
    let mut transcript = String::new();
    for step in STEPS {
        let theirs = run(&py, &["-m", "Pyro5.nsc"], step, &py_port, &closed);
        let mine = run(ours, &["nsc"], step, &rs_port, &closed);
        transcript.push_str(&theirs.0);
        if theirs != mine {
            mismatches.push(format!(
                "nsc {:?}\n--- python (status {}):\n{}\n--- pyroxene (status {}):\n{}",
                step.args, theirs.1, theirs.0, mine.1, mine.0
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    // The steps did reach the interesting outputs (not just equal failures).
    for expected in [
        "--------START LIST - prefix 'a.'\na.b --> PYRO:obj_b@127.0.0.1:5001\n    metadata: {",
        "a.c --> pyro:obj_c@127.0.0.1:5002\n",
        "--------START LIST  - searched by metadata\n",
        "Error: NamingError - name already registered: a.b\n",
        "Error: PyroError - invalid uri\n",
        "Are you sure (y/n)?Error: EOFError - EOF when reading a line\n",
        "Are you sure (y/n)?1 items removed.\n",
        "Name server found: PYRO:Pyro.NameServer@127.0.0.1:PORT\n",
        "Metadata cleared\n",
        "Error: Failed to locate the nameserver\n",
    ] {
        assert!(
            transcript.contains(expected),
            "{expected:?} not in:\n{transcript}"
        );
    }
}

#[test]
fn nsc_statuses_are_pythons() {
    // A few statuses spelled out, so a change on both sides can't go unnoticed.
    let Some(py) = python() else { return };
    let (_ns, port) = python_ns(&py);
    let ours = Path::new(env!("CARGO_BIN_EXE_pyroxene"));
    let status = |step: Step| run(ours, &["nsc"], &step, &port, "1");
    assert_eq!(
        status(step(&["ping"])),
        ("Name server ping ok.\n".to_owned(), 0)
    );
    assert_eq!(
        status(step(&["lookup", "zz"])),
        ("Error: NamingError - unknown name: zz\n".to_owned(), 1)
    );
    assert_eq!(status(step(&["lookup"])), (String::new(), 1));
    assert_eq!(status(step(&["bogus"])).1, 2);
    assert_eq!(
        status(located(&["ping"], Locate::Nowhere)),
        ("Error: Failed to locate the nameserver\n".to_owned(), 0)
    );
}
