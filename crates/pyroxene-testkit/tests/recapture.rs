//! The reference vectors can be captured again from the pinned Python peers and come out the
//! same: `scripts/vectors/capture.py` (what `scripts/capture-vectors.sh --check` runs) captures
//! into a fresh temporary folder and `check_vectors.py` compares it with the vectors the tests
//! read, file by file: byte-identical, or equal once decoded where the vectors' README allows
//! (traceback paths, marshal reference flags). About 15 s; every capture binds 127.0.0.1 only,
//! on the fixed ports the vectors name, and is killed after a deadline.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pyroxene_testkit::{python, vectors_dir, workspace_root};

/// Generous: the capture takes ~15 s, plus retries when another process holds a fixed port.
const DEADLINE: Duration = Duration::from_secs(600);

#[test]
fn a_recapture_matches_the_reference_vectors() {
    let Some(py) = python() else { return };
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let out =
        std::env::temp_dir().join(format!("pyroxene-recapture-{}-{stamp}", std::process::id()));
    let mut child = Command::new(&py)
        .current_dir(workspace_root())
        .arg("scripts/vectors/capture.py")
        .arg(&out)
        .arg("--check")
        .arg(vectors_dir())
        .env_remove("PYRO_HMAC_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the capture");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(100));
    };
    let report = out_reader.join().unwrap_or_default();
    let errors = err_reader.join().unwrap_or_default();
    let _ = std::fs::remove_dir_all(&out);
    let Some(status) = status else {
        panic!("the capture did not finish in {DEADLINE:?}\n{report}\n{errors}");
    };
    assert!(
        status.success(),
        "re-capture differs ({status}):\n{report}\n{errors}"
    );
    let summary = report.lines().last().unwrap_or_default();
    assert!(
        summary.contains("identical") && !summary.contains("DIFFERENT"),
        "{report}"
    );
}
