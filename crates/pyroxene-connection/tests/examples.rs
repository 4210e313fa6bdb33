//! The examples, run as a user runs them, against CPython: `connection_echo` serving Python
//! clients (and ours), `connection_worker` serving `interop/mpconn_coordinator.py`, and
//! `connection_coordinator` driving `interop/mpconn_worker.py`; both pairs print the same
//! transcript.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use pyroxene_connection::blocking::Client;
use pyroxene_testkit::{ONE_SHOT_LIMIT, PythonProcess, output_within, workspace_root};

/// An example binary, built by cargo on first use (`cargo test` builds them anyway; a
/// `--test examples` run does not).
fn example(name: &str) -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "pyroxene-connection",
            "--example",
            name,
        ])
        .current_dir(workspace_root())
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building example {name}");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug/examples").join(name)
}

/// A running example, killed (by pid) on drop.
struct Example {
    child: Child,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Example {
    fn start(name: &str, args: &[&str]) -> Example {
        let mut child = Command::new(example(name))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the example");
        let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        Example { child, stdout }
    }

    fn line(&mut self) -> String {
        use std::io::BufRead;
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read a line");
        line.trim_end().to_owned()
    }

    fn address(&mut self) -> String {
        let line = self.line();
        line.strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned()
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const TRANSCRIPT: &[&str] = &[
    "('square', 7) -> ('ok', 49)",
    "('sum', [1, 2, 3, 4]) -> ('ok', 10)",
    "('sort', {1, 2, 3}) -> ('ok', [1, 2, 3])",
    "('upper', 'naïve') -> ('ok', 'NAÏVE')",
    "('divide', 1) -> ('error', \"unknown task 'divide'\")",
    "('stop', None) -> ('ok', 'bye')",
];

fn script(name: &str) -> String {
    workspace_root()
        .join("interop")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn echo_serves_python_and_rust_clients() {
    let Some(python) = pyroxene_testkit::cpython(12) else {
        return;
    };
    let mut echo = Example::start(
        "connection_echo",
        &["--address", "127.0.0.1:0", "--authkey", "k"],
    );
    let address = echo.address();
    let code = "import sys\n\
                from multiprocessing.connection import Client\n\
                host, port = sys.argv[1].rsplit(':', 1)\n\
                with Client((host, int(port)), authkey=b'k') as c:\n\
                \x20   c.send({'x': (1, 2.5, None)}); print(c.recv())\n\
                \x20   c.send_bytes(b'raw'); print(c.recv_bytes())\n";
    let py = PythonProcess::spawn(&python, &["-c", code, &address], &[]).expect("python");
    let (status, out) = py.finish().expect("python output");
    assert!(status.success());
    assert_eq!(out, "{'x': (1, 2.5, None)}\nb'raw'\n");
    // Ours too, and a wrong key is refused without stopping the echo.
    assert!(Client::connect(address.as_str(), Some(b"wrong")).is_err());
    let mut c = Client::connect(address.as_str(), Some(b"k")).expect("connect");
    c.send(&("again", 1)).expect("send");
    assert_eq!(
        c.recv::<(String, i64)>().expect("recv"),
        ("again".into(), 1)
    );
}

#[test]
fn rust_worker_serves_a_python_coordinator() {
    let Some(python) = pyroxene_testkit::cpython(13) else {
        return;
    };
    let mut worker = Example::start(
        "connection_worker",
        &["--address", "127.0.0.1:0", "--authkey", "s3"],
    );
    let address = worker.address();
    let py = PythonProcess::spawn(
        &python,
        &[&script("mpconn_coordinator.py"), &address, "s3"],
        &[],
    )
    .expect("python");
    let (status, out) = py.finish().expect("python output");
    assert!(status.success());
    assert_eq!(out.lines().collect::<Vec<_>>(), TRANSCRIPT);
    // `stop` ends the worker.
    assert!(worker.child.wait().expect("worker exit").success());
}

#[test]
fn rust_coordinator_drives_a_python_worker() {
    let Some(python) = pyroxene_testkit::cpython(11) else {
        return;
    };
    let name = format!("@pyroxene-worker-{}", std::process::id());
    let mut py = PythonProcess::spawn(&python, &[&script("mpconn_worker.py"), &name, "s3"], &[])
        .expect("python");
    let address = py.wait_for_line("listening on").expect("python listens");
    let out = output_within(
        Command::new(example("connection_coordinator")).args([
            "--address",
            &address,
            "--authkey",
            "s3",
        ]),
        None,
        ONE_SHOT_LIMIT,
    )
    .expect("run the coordinator");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(out.lines().collect::<Vec<_>>(), TRANSCRIPT);
    let (status, _) = py.finish().expect("python exit");
    assert!(status.success());
}
