//! `pyroxene nsc` against `python -m Pyro4.nsc` (Pyro4 4.82) with Python Pyro4 name servers:
//! two name servers get the same sequence of commands, Python's nsc talking to one and ours
//! to the other, so every command meets the same prior state. Each step's stdout (the name
//! server's port replaced by `PORT`) and exit status must be equal. Ours detects the protocol
//! (`auto`) unless a step sets `PYROXENE_PROTOCOL`; HMAC keys come from `-k` or
//! `PYRO_HMAC_KEY`, as in Pyro4's nsc.
//!
//! Every Python process runs with PYTHONHASHSEED=0, so the Pyro4 name server sends metadata
//! in the same order each run.

use std::path::Path;
use std::process::{Command, Stdio};

use pyroxene_testkit::{PythonProcess, python};

/// One step: nsc arguments (after the locate flags) and extra environment.
struct Step {
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const fn step(args: &'static [&'static str]) -> Step {
    Step { args, env: &[] }
}

const fn with_env(
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
) -> Step {
    Step { args, env }
}

const PLAIN: &[Step] = &[
    step(&["ping"]),
    step(&["-v", "ping"]),
    step(&["list"]),
    step(&["register", "a.b", "PYRO:obj_b@127.0.0.1:5001"]),
    step(&["register", "a.c", "pyro:obj_c@127.0.0.1:5002"]),
    step(&["register", "a.b", "PYRO:obj_b@127.0.0.1:5001"]), // safe: NamingError
    step(&["register", "bad", "nouri"]),
    step(&["register", "onlyname"]), // usage
    step(&["setmeta", "a.b", "t1", "t2", "t3", "t1"]),
    step(&["setmeta", "a.c", "solo"]),
    step(&["setmeta", "a.c"]),
    step(&["setmeta", "zz", "t"]),
    step(&["setmeta"]),
    step(&["list"]),
    step(&["list", "a."]),
    step(&["list", "zz"]),
    step(&["listmatching", r"a\..*"]),
    step(&["listmatching", "("]),
    step(&["listmatching"]),
    step(&["lookup", "a.b"]),
    step(&["lookup", "Pyro.NameServer"]),
    step(&["lookup", "zz"]),
    step(&["lookup"]),
    step(&["listmeta_all", "t1", "t2"]),
    step(&["listmeta_all", "t1", "nope"]),
    step(&["listmeta_any", "solo", "t3"]),
    step(&["listmeta_any"]),
    with_env(&["list"], &[("PYROXENE_PROTOCOL", "4")]),
    step(&["remove", "a.c"]),
    step(&["remove", "a.c"]),
    step(&["remove"]),
    step(&["-v", "list"]),
];

const KEYED: &[Step] = &[
    step(&["-k", "secret", "ping"]),
    with_env(&["ping"], &[("PYRO_HMAC_KEY", "secret")]),
    with_env(&["-k", "secret", "ping"], &[("PYROXENE_PROTOCOL", "4")]),
    step(&["-k", "secret", "register", "k.x", "PYRO:x@127.0.0.1:1"]),
    with_env(&["list"], &[("PYRO_HMAC_KEY", "secret")]),
    step(&["-k", "wrong", "ping"]),
    step(&["ping"]),
    with_env(&["-k", "secret", "ping"], &[("PYRO_HMAC_KEY", "secret")]),
];

/// A Python Pyro4 name server on 127.0.0.1 (no broadcast responder) and its port.
fn pyro4_ns(py: &Path, key: Option<&str>) -> (PythonProcess, String) {
    let mut args = vec!["-m", "Pyro4.naming", "-n", "127.0.0.1", "-p", "0", "-x"];
    if let Some(key) = key {
        args.extend(["-k", key]);
    }
    let mut ns = PythonProcess::spawn(py, &args, &[("PYTHONHASHSEED", "0")])
        .expect("start the Pyro4 name server");
    let uri = ns.wait_for_line("URI =").expect("URI line");
    let port = uri.rsplit(':').next().expect("port").to_owned();
    (ns, port)
}

/// Runs one nsc (`program` + `base` args) for `step`; returns (stdout with the port replaced,
/// exit status).
fn run(program: &Path, base: &[&str], step: &Step, port: &str) -> (String, i32) {
    let mut cmd = Command::new(program);
    cmd.args(base)
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .env("PYTHONHASHSEED", "0")
        .env_remove("PYRO_NS_HOST")
        .env_remove("PYRO_NS_PORT")
        .env_remove("PYRO_HMAC_KEY")
        .env_remove("PYROXENE_PROTOCOL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .args(["-n", "127.0.0.1", "-p", port])
        .args(step.args);
    for (k, v) in step.env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run nsc");
    let stdout = String::from_utf8_lossy(&out.stdout).replace(&format!(":{port}"), ":PORT");
    (stdout, out.status.code().unwrap_or(-1))
}

fn compare(steps: &[Step], key: Option<&str>) -> String {
    let Some(py) = python() else {
        return String::new();
    };
    let (_py_ns, py_port) = pyro4_ns(&py, key);
    let (_rs_ns, rs_port) = pyro4_ns(&py, key);
    let ours = Path::new(env!("CARGO_BIN_EXE_pyroxene"));
    let mut mismatches = Vec::new();
    let mut transcript = String::new();
    for step in steps {
        let theirs = run(&py, &["-m", "Pyro4.nsc"], step, &py_port);
        let mine = run(ours, &["nsc"], step, &rs_port);
        transcript.push_str(&theirs.0);
        if theirs != mine {
            mismatches.push(format!(
                "nsc {:?} {:?}\n--- python (status {}):\n{}\n--- pyroxene (status {}):\n{}",
                step.args, step.env, theirs.1, theirs.0, mine.1, mine.0
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    transcript
}

#[test]
fn nsc_prints_what_pyro4_nsc_prints() {
    let transcript = compare(PLAIN, None);
    if transcript.is_empty() {
        return;
    }
    for expected in [
        "--------START LIST - prefix 'a.'\na.b --> PYRO:obj_b@127.0.0.1:5001\n    metadata: [",
        "metadata: ['class:Pyro4.naming.NameServer']\n",
        "--------START LIST  - searched by metadata\na.b",
        "Error: NamingError - name already registered: a.b\n",
        "Error: NamingError - unknown name: zz\n",
        "Metadata cleared\n",
        "Removed a.c\n",
        "Nothing removed\n",
    ] {
        assert!(
            transcript.contains(expected),
            "{expected:?} not in:\n{transcript}"
        );
    }
}

#[test]
fn nsc_with_hmac_keys_as_pyro4_nsc() {
    let transcript = compare(KEYED, Some("secret"));
    if transcript.is_empty() {
        return;
    }
    assert!(
        transcript.contains("Name server ping ok.\n"),
        "{transcript}"
    );
    assert!(
        transcript.contains("k.x --> PYRO:x@127.0.0.1:1\n"),
        "{transcript}"
    );
}
