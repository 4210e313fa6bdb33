//! Test fixtures shared by pyroxene's test suites: locating the pinned Python peers (installed by
//! `scripts/test.sh` into `.venv/`) and running Python helper scripts from `interop/` as child
//! processes that are killed when dropped; a real etcd cluster ([`etcd::EtcdCluster`]) and our
//! own server processes ([`ServerProcess`]), killed by pid when dropped too; one-shot commands
//! run within a time limit ([`output_within`]), killed by pid past it.

#![deny(missing_docs)]

pub mod etcd;
mod process;
pub mod ssh;
pub mod strategies;
pub mod tls;

pub use process::{FINISH_LIMIT, LINE_LIMIT, ONE_SHOT_LIMIT, ServerProcess, output_within};

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// Whether we run under CI, where a missing Python peer fails the test instead of skipping it.
pub fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The Python interpreter with the pinned peers: `$PYROXENE_PYTHON`, else `.venv/bin/python`.
///
/// Returns `None` (after saying why on stderr) when it is missing or lacks the peers, so a
/// local `cargo test` without the venv skips interop tests; under CI it panics instead, because
/// there a missing peer must fail the run.
pub fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("PYROXENE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    let ok = candidate.exists()
        && Command::new(&candidate)
            .args(["-c", "import Pyro5, Pyro4, serpent, msgpack"])
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if ok {
        return Some(candidate);
    }
    let msg = format!(
        "Python peers not available at {} (run scripts/test.sh, or set PYROXENE_PYTHON)",
        candidate.display()
    );
    if under_ci() {
        panic!("{msg}");
    }
    eprintln!("SKIPPING interop test: {msg}");
    None
}

/// A CPython 3.`minor` interpreter, for peers that need only the standard library (such as
/// `multiprocessing.connection`): `$PYROXENE_PYTHON3<minor>` (e.g. `PYROXENE_PYTHON311`),
/// else the newest `$PYENV_ROOT/versions/3.<minor>.*` (`~/.pyenv` by default), else
/// `python3.<minor>` on the PATH. Checked by running it.
///
/// Returns `None` (after saying why on stderr) when there is none; under CI it panics
/// instead, because there a missing peer must fail the run.
pub fn cpython(minor: u32) -> Option<PathBuf> {
    let var = format!("PYROXENE_PYTHON3{minor}");
    let mut candidates: Vec<PathBuf> = std::env::var_os(&var)
        .map(PathBuf::from)
        .into_iter()
        .collect();
    if candidates.is_empty() {
        let root = std::env::var_os("PYENV_ROOT")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv")));
        let prefix = format!("3.{minor}.");
        let mut found: Vec<(u32, PathBuf)> = root
            .and_then(|r| std::fs::read_dir(r.join("versions")).ok())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let patch = name.strip_prefix(&prefix)?.parse().ok()?;
                Some((patch, e.path().join("bin/python3")))
            })
            .collect();
        found.sort();
        candidates.extend(found.into_iter().rev().map(|(_, p)| p));
        candidates.push(PathBuf::from(format!("python3.{minor}")));
    }
    let want = format!("import sys; sys.exit(sys.version_info[:2] != (3, {minor}))");
    let found = candidates.into_iter().find(|c| {
        Command::new(c)
            .args(["-c", &want])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        let msg = format!("CPython 3.{minor} not found (set {var}, or install it with pyenv)");
        if under_ci() {
            panic!("{msg}");
        }
        eprintln!("SKIPPING interop test: {msg}");
    }
    found
}

/// A Python helper script from `interop/` running as a child process, talking over stdin/stdout
/// in length-prefixed frames. Killed (by pid) when dropped.
pub struct PythonScript {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl PythonScript {
    /// Starts `interop/<script>` with `args` under `python`. The environment gets
    /// `PYRO_BROADCAST_ADDRS=127.0.0.1` so no Python peer ever broadcasts off the machine.
    pub fn spawn(python: &Path, script: &str, args: &[&str]) -> std::io::Result<PythonScript> {
        let mut child = Command::new(python)
            .arg(workspace_root().join("interop").join(script))
            .args(args)
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
            .env("PYTHONHASHSEED", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("no stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout"))?;
        Ok(PythonScript {
            child,
            stdin: BufWriter::new(stdin),
            stdout: BufReader::new(stdout),
        })
    }

    /// Sends one frame: a tag byte, a u32 big-endian length, the bytes.
    pub fn send(&mut self, tag: u8, payload: &[u8]) -> std::io::Result<()> {
        let len = u32::try_from(payload.len()).map_err(std::io::Error::other)?;
        self.stdin.write_all(&[tag])?;
        self.stdin.write_all(&len.to_be_bytes())?;
        self.stdin.write_all(payload)?;
        self.stdin.flush()
    }

    /// Receives one frame sent the same way by the script.
    pub fn recv(&mut self) -> std::io::Result<(u8, Vec<u8>)> {
        let mut head = [0u8; 5];
        self.stdout.read_exact(&mut head)?;
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut payload = vec![0u8; len];
        self.stdout.read_exact(&mut payload)?;
        Ok((head[0], payload))
    }
}

impl Drop for PythonScript {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The byte vectors captured from the real Python libraries: `$PYROXENE_VECTORS` when set,
/// else the repository's own copy in `testdata/vectors` (see its README for how they were
/// captured and how to capture them again).
///
/// # Panics
/// When the folder is missing: vector tests must never pass silently without their data.
pub fn vectors_dir() -> PathBuf {
    let dir = std::env::var_os("PYROXENE_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("testdata/vectors"));
    assert!(
        dir.join("serializers/index.json").exists(),
        "reference vectors not found at {} (set PYROXENE_VECTORS)",
        dir.display()
    );
    dir
}

/// A Python peer process (a Pyro daemon or client script) whose stdout is read line by line.
/// Killed (by pid) when dropped: a [`ServerProcess`] running the venv's python.
pub struct PythonProcess(ServerProcess);

impl PythonProcess {
    /// Starts `python -u <args>` (unbuffered, so printed lines arrive at once) in the
    /// workspace root with `PYRO_BROADCAST_ADDRS=127.0.0.1` and the extra environment `env`.
    /// Stdin is closed; stderr goes to the test's stderr.
    pub fn spawn(
        python: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> std::io::Result<PythonProcess> {
        let mut cmd = Command::new(python);
        cmd.arg("-u")
            .args(args)
            .current_dir(workspace_root())
            .stderr(Stdio::inherit())
            .envs(env.iter().copied());
        ServerProcess::spawn(cmd).map(PythonProcess)
    }

    /// Reads lines until one starts with `prefix` (at most 100 lines); returns the rest of it.
    pub fn wait_for_line(&mut self, prefix: &str) -> std::io::Result<String> {
        self.0.wait_for_line(prefix)
    }

    /// Waits for the process to end and returns its exit status and remaining stdout.
    pub fn finish(self) -> std::io::Result<(std::process::ExitStatus, String)> {
        self.0.finish()
    }

    /// Runs `python -u <args>` to its end, as [`PythonProcess::spawn`] starts it, within
    /// [`FINISH_LIMIT`]: its exit status and stdout.
    ///
    /// # Errors
    /// When it can't be started or read, or runs past the limit (then it is killed).
    pub fn run(
        python: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> std::io::Result<(std::process::ExitStatus, String)> {
        PythonProcess::spawn(python, args, env)?.finish()
    }
}
