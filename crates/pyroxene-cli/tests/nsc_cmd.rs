//! `pyroxene nsc` against Python's nsc of both generations: `python -m Pyro5.nsc` (Pyro5 5.17)
//! with Python Pyro5 name servers, and `python -m Pyro4.nsc` (Pyro4 4.82) with Python Pyro4
//! name servers. Per generation two name servers get the same sequence of commands, Python's
//! nsc talking to one and ours to the other, so every command meets the same prior state. Each
//! step's stdout (the name server's port replaced by `PORT`) and exit status must be equal.
//!
//! One step table serves both generations (a row of [`GENERATIONS`] holds what differs: the
//! Python modules, the metadata search commands, a failed command's status and the texts only
//! its transcript has); ours detects the protocol (`auto`) unless a step pins
//! `PYROXENE_PROTOCOL`. Pyro4's HMAC keys (`-k`, `PYRO_HMAC_KEY`; Pyro5 has neither) are a
//! Pyro4-only test at the end.
//!
//! Every Python process runs with PYTHONHASHSEED=0. Pyro5's nsc prints metadata sets in its
//! own hash order, which then is the order its name server sends them in, the order ours
//! prints; Pyro4's name server sends them as lists in its hash order, so the seed keeps that
//! order the same for both name servers.

use std::path::Path;
use std::process::Command;

use pyroxene_testkit::{ONE_SHOT_LIMIT, PythonProcess, output_within, python};

/// A protocol generation: a row of the table every shared test runs over.
#[derive(Clone, Copy)]
struct Generation {
    pyro: &'static str,
    /// Python's name server, as `python -m`.
    name_server: &'static str,
    /// Python's nsc, as `python -m`.
    nsc: &'static str,
    /// What [`OWN_PROTOCOL`] stands for: `PYROXENE_PROTOCOL` pinned to this generation.
    protocol: &'static str,
    /// What [`META_ALL`] and [`META_ANY`] stand for: this nsc's metadata searches.
    meta_all: &'static str,
    meta_any: &'static str,
    /// What [`FOREIGN_META_ALL`] stands for: the other generation's, a usage error here.
    foreign_meta_all: &'static str,
    /// The status of a command the name server fails: Pyro5's nsc re-raises the exception,
    /// Pyro4's prints it and returns.
    failed_status: i32,
    /// Texts in this generation's transcript beyond [`SHARED_EXPECTED`].
    expected: &'static [&'static str],
}

const V5: Generation = Generation {
    pyro: "Pyro5",
    name_server: "Pyro5.nameserver",
    nsc: "Pyro5.nsc",
    protocol: "5",
    meta_all: "yplookup_all",
    meta_any: "yplookup_any",
    foreign_meta_all: "listmeta_all",
    failed_status: 1,
    expected: &[
        // Pyro5's name server sends tags as a set, which nsc prints as one.
        "--------START LIST - prefix 'a.'\na.b --> PYRO:obj_b@127.0.0.1:5001\n    metadata: {",
        "metadata: {'class:Pyro5.nameserver.NameServer'}\n",
    ],
};

const V4: Generation = Generation {
    pyro: "Pyro4",
    name_server: "Pyro4.naming",
    nsc: "Pyro4.nsc",
    protocol: "4",
    meta_all: "listmeta_all",
    meta_any: "listmeta_any",
    foreign_meta_all: "yplookup_all",
    failed_status: 0,
    expected: &[
        // Pyro4's name server sends tags as a list.
        "--------START LIST - prefix 'a.'\na.b --> PYRO:obj_b@127.0.0.1:5001\n    metadata: [",
        "metadata: ['class:Pyro4.naming.NameServer']\n",
    ],
};

const GENERATIONS: [Generation; 2] = [V5, V4];

/// Step arguments (and environment values) resolved per generation.
const META_ALL: &str = "{meta_all}";
const META_ANY: &str = "{meta_any}";
const FOREIGN_META_ALL: &str = "{foreign_meta_all}";
const OWN_PROTOCOL: &str = "{protocol}";

impl Generation {
    fn resolve(&self, word: &'static str) -> &'static str {
        match word {
            META_ALL => self.meta_all,
            META_ANY => self.meta_any,
            FOREIGN_META_ALL => self.foreign_meta_all,
            OWN_PROTOCOL => self.protocol,
            _ => word,
        }
    }
}

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

/// One step: nsc arguments (after the locate flags), its stdin (else closed) and extra
/// environment.
struct Step {
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    locate: Locate,
    env: &'static [(&'static str, &'static str)],
}

const fn step(args: &'static [&'static str]) -> Step {
    Step {
        args,
        stdin: None,
        locate: Locate::Flags,
        env: &[],
    }
}

const fn answering(args: &'static [&'static str], stdin: &'static str) -> Step {
    Step {
        stdin: Some(stdin),
        ..step(args)
    }
}

const fn located(args: &'static [&'static str], locate: Locate) -> Step {
    Step {
        locate,
        ..step(args)
    }
}

const fn with_env(
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
) -> Step {
    Step { env, ..step(args) }
}

/// Each step runs after the ones before it, against the state they left; both generations'
/// nsc have every command here (the metadata searches under their own names).
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
    step(&["setmeta", "a.c", "solo"]),
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
    step(&["lookup", "Pyro.NameServer"]),
    step(&["lookup", "zz"]),
    step(&["lookup"]),
    step(&[META_ALL, "t1", "t2"]),
    step(&[META_ALL, "t1", "nope"]),
    step(&[META_ANY, "solo", "t3"]),
    step(&[META_ANY]),
    // Python's nsc refuses it before locating; ours after, with the same (empty) stdout.
    step(&[FOREIGN_META_ALL, "t1"]),
    with_env(&["list"], &[("PYROXENE_PROTOCOL", OWN_PROTOCOL)]),
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

/// Texts every generation's transcript has: the steps reached the interesting outputs (not
/// just equal failures).
const SHARED_EXPECTED: &[&str] = &[
    "a.c --> pyro:obj_c@127.0.0.1:5002\n",
    "other --> PYRO:obj_o@./u:/tmp/o.sock\n",
    "--------START LIST  - searched by metadata\na.b",
    "Error: NamingError - name already registered: a.b\n",
    "Error: PyroError - invalid uri\n",
    "Error: NamingError - unknown name: zz\n",
    "Are you sure (y/n)?Error: EOFError - EOF when reading a line\n",
    "Are you sure (y/n)?1 items removed.\n",
    "Name server found: PYRO:Pyro.NameServer@127.0.0.1:PORT\n",
    "Metadata cleared\n",
    "Removed a.c\n",
    "Nothing removed\n",
    "Error: Failed to locate the nameserver\n",
];

/// Pyro4 only: a name server with HMAC key `secret`, and nsc's keys from `-k` or
/// `PYRO_HMAC_KEY` (both at once is refused), right or wrong or missing.
const PYRO4_KEYED: &[Step] = &[
    step(&["-k", "secret", "ping"]),
    with_env(&["ping"], &[("PYRO_HMAC_KEY", "secret")]),
    with_env(&["-k", "secret", "ping"], &[("PYROXENE_PROTOCOL", "4")]),
    step(&["-k", "secret", "register", "k.x", "PYRO:x@127.0.0.1:1"]),
    with_env(&["list"], &[("PYRO_HMAC_KEY", "secret")]),
    step(&["-k", "wrong", "ping"]),
    step(&["ping"]),
    with_env(&["-k", "secret", "ping"], &[("PYRO_HMAC_KEY", "secret")]),
];

/// A Python name server of `generation` on 127.0.0.1 (no broadcast responder), with an HMAC
/// key when given (Pyro4 only), and its port.
fn python_ns(py: &Path, generation: &Generation, key: Option<&str>) -> (PythonProcess, String) {
    let mut args = vec![
        "-m",
        generation.name_server,
        "-n",
        "127.0.0.1",
        "-p",
        "0",
        "-x",
    ];
    if let Some(key) = key {
        args.extend(["-k", key]);
    }
    let mut ns = PythonProcess::spawn(py, &args, &[("PYTHONHASHSEED", "0")])
        .unwrap_or_else(|e| panic!("start the {} name server: {e}", generation.pyro));
    let uri = ns.wait_for_line("URI =").expect("URI line");
    let port = uri.rsplit(':').next().expect("port").to_owned();
    (ns, port)
}

/// Runs one nsc (`program` + `base` args) for `step` as `generation` reads it; returns (stdout
/// with the port replaced, exit status).
fn run(
    generation: &Generation,
    program: &Path,
    base: &[&str],
    step: &Step,
    port: &str,
    closed: &str,
) -> (String, i32) {
    let mut cmd = Command::new(program);
    // Nothing from the test's own environment may choose the name server, key or protocol.
    cmd.args(base)
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .env("PYTHONHASHSEED", "0")
        .env_remove("PYRO_NS_HOST")
        .env_remove("PYRO_NS_PORT")
        .env_remove("PYRO_HMAC_KEY")
        .env_remove("PYROXENE_PROTOCOL");
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
    cmd.args(step.args.iter().map(|a| generation.resolve(a)));
    for (k, v) in step.env {
        cmd.env(k, generation.resolve(v));
    }
    // Stdin: the step's text, else closed (null).
    let out =
        output_within(&mut cmd, step.stdin.map(str::as_bytes), ONE_SHOT_LIMIT).expect("nsc output");
    let stdout = String::from_utf8_lossy(&out.stdout).replace(&format!(":{port}"), ":PORT");
    (stdout, out.status.code().unwrap_or(-1))
}

/// A port nothing listens on (bound and released).
fn closed_port() -> String {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
        .to_string()
}

/// Runs `steps` with Python's nsc of `generation` and ours against two of its name servers
/// (keyed with `key`); returns Python's transcript and one message per step that differed.
fn compare(
    py: &Path,
    generation: &Generation,
    steps: &[Step],
    key: Option<&str>,
) -> (String, Vec<String>) {
    let (_py_ns, py_port) = python_ns(py, generation, key);
    let (_rs_ns, rs_port) = python_ns(py, generation, key);
    let closed = closed_port();
    let ours = Path::new(env!("CARGO_BIN_EXE_pyroxene"));
    let mut mismatches = Vec::new();
    let mut transcript = String::new();
    for (i, step) in steps.iter().enumerate() {
        let theirs = run(
            generation,
            py,
            &["-m", generation.nsc],
            step,
            &py_port,
            &closed,
        );
        let mine = run(generation, ours, &["nsc"], step, &rs_port, &closed);
        transcript.push_str(&theirs.0);
        if theirs != mine {
            let args: Vec<_> = step.args.iter().map(|a| generation.resolve(a)).collect();
            let env: Vec<_> = step
                .env
                .iter()
                .map(|(k, v)| (k, generation.resolve(v)))
                .collect();
            mismatches.push(format!(
                "{} step {i}: nsc {args:?} env {env:?}\n--- python (status {}):\n{}\n\
                 --- pyroxene (status {}):\n{}",
                generation.pyro, theirs.1, theirs.0, mine.1, mine.0
            ));
        }
    }
    (transcript, mismatches)
}

#[test]
fn nsc_prints_what_python_nsc_prints() {
    let Some(py) = python() else { return };
    let mut failures = Vec::new();
    for generation in &GENERATIONS {
        let (transcript, mismatches) = compare(&py, generation, STEPS, None);
        failures.extend(mismatches);
        for expected in SHARED_EXPECTED.iter().chain(generation.expected) {
            if !transcript.contains(expected) {
                failures.push(format!(
                    "{}: {expected:?} not in:\n{transcript}",
                    generation.pyro
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn nsc_statuses_are_pythons() {
    // A few statuses spelled out, so a change on both sides can't go unnoticed.
    let Some(py) = python() else { return };
    let ours = Path::new(env!("CARGO_BIN_EXE_pyroxene"));
    for generation in &GENERATIONS {
        let (_ns, port) = python_ns(&py, generation, None);
        let cases = [
            (step(&["ping"]), Some("Name server ping ok.\n"), 0),
            (
                step(&["lookup", "zz"]),
                Some("Error: NamingError - unknown name: zz\n"),
                generation.failed_status,
            ),
            // Too few arguments: Python's SystemExit, a message on stderr, in both.
            (step(&["lookup"]), Some(""), 1),
            (step(&["bogus"]), None, 2),
            (
                located(&["ping"], Locate::Nowhere),
                Some("Error: Failed to locate the nameserver\n"),
                0,
            ),
        ];
        for (step, stdout, code) in cases {
            let (out, got) = run(generation, ours, &["nsc"], &step, &port, "1");
            let args = step.args;
            assert_eq!(
                got, code,
                "{} nsc {args:?}: status; stdout {out:?}",
                generation.pyro
            );
            if let Some(stdout) = stdout {
                assert_eq!(out, stdout, "{} nsc {args:?}: stdout", generation.pyro);
            }
        }
    }
}

#[test]
fn nsc_with_hmac_keys_as_pyro4_nsc() {
    let Some(py) = python() else { return };
    let (transcript, mismatches) = compare(&py, &V4, PYRO4_KEYED, Some("secret"));
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    for expected in ["Name server ping ok.\n", "k.x --> PYRO:x@127.0.0.1:1\n"] {
        assert!(
            transcript.contains(expected),
            "Pyro4 keyed: {expected:?} not in:\n{transcript}"
        );
    }
}
