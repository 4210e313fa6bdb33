//! Interop with the real CPython 3.11, 3.12 and 3.13 `multiprocessing.connection`: one table
//! over interpreter × socket family × direction × key. Each row runs `interop/mpconn_peer.py`
//! as a Listener (Rust connects) or a Client (Rust listens); with a right key (or none) the
//! two sides then run the same scenario in step: objects of every plain type both ways (Rust
//! reports its `repr()` of what it read, Python compares it with its own), serde types, bytes
//! with offset and size, empty messages, `recv_bytes_into` and `BufferTooShort` both ways,
//! `poll`, 17 MiB as bytes and as a pickled object both ways, and `maxlength`.
//!
//! The interpreters come from `pyroxene_testkit::cpython` (pyenv, or `PYROXENE_PYTHON311`...);
//! a missing one skips its rows locally and fails them under `CI=true`.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use pyroxene_connection::{Address, ChallengeStyle, Client, Config, Connection, Error, Listener};
use pyroxene_testkit::PythonProcess;
use pyroxene_wire::Value;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Family {
    Inet,
    Unix,
    Abstract,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Direction {
    /// Python's `Listener`, our `Client`.
    PythonListens,
    /// Our `Listener`, Python's `Client`.
    PythonConnects,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Key {
    Right,
    Wrong,
    None,
}

#[derive(Debug, Clone, Copy)]
struct Case {
    minor: u32,
    family: Family,
    direction: Direction,
    key: Key,
    /// The challenge our side sends (Legacy: as a 3.11 peer would).
    challenge: ChallengeStyle,
}

/// The table: every interpreter × family × direction with the right key and our default
/// challenge; then per interpreter and direction a wrong key, no key, and our 3.11-style
/// challenge.
fn table() -> Vec<Case> {
    let mut rows = Vec::new();
    for minor in [11, 12, 13] {
        for direction in [Direction::PythonListens, Direction::PythonConnects] {
            for family in [Family::Inet, Family::Unix, Family::Abstract] {
                rows.push(Case {
                    minor,
                    family,
                    direction,
                    key: Key::Right,
                    challenge: ChallengeStyle::default(),
                });
            }
            for (family, key, challenge) in [
                (Family::Inet, Key::Wrong, ChallengeStyle::default()),
                (Family::Unix, Key::Wrong, ChallengeStyle::Legacy),
                (Family::Unix, Key::None, ChallengeStyle::default()),
                (Family::Inet, Key::Right, ChallengeStyle::Legacy),
            ] {
                rows.push(Case {
                    minor,
                    family,
                    direction,
                    key,
                    challenge,
                });
            }
        }
    }
    rows
}

const KEY: &[u8] = b"interop secret";
const OTHER_KEY: &[u8] = b"another secret";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn fresh_address(family: Family) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let name = format!("pyroxene-mpconn-{}-{n}", std::process::id());
    match family {
        Family::Inet => "127.0.0.1:0".to_owned(),
        Family::Unix => std::env::temp_dir()
            .join(format!("{name}.sock"))
            .display()
            .to_string(),
        Family::Abstract => format!("@{name}"),
    }
}

/// Python's `BIG`: `bytes(range(256)) * (17 * 4096)`.
static BIG: LazyLock<Vec<u8>> =
    LazyLock::new(|| (0..17 * 4096 * 256).map(|i: u32| (i % 256) as u8).collect());

#[derive(serde::Serialize)]
struct Job {
    name: &'static str,
    args: Vec<i64>,
    weight: Option<f64>,
}

/// Our half of `mpconn_peer.py`'s `scenario`, step for step.
async fn scenario(c: &mut Connection) -> Result<()> {
    // 1. Python's objects: our repr of each, then each sent back.
    let n: usize = c.recv().await?;
    for _ in 0..n {
        let v = c.recv_value().await?;
        c.send_bytes(v.to_string().as_bytes(), 0, None).await?;
        c.send_value(&v).await?;
    }
    // 2. Through serde.
    let (op, x): (String, i64) = c.recv().await?;
    c.send(&(op, x * x)).await?;
    c.send(&Job {
        name: "sum",
        args: vec![1, 2, 3],
        weight: None,
    })
    .await?;
    // 3. Bytes with offset and size, empty messages.
    ensure!(c.recv_bytes(None).await? == b"23456");
    c.send_bytes(b"0123456789", 3, Some(4)).await?;
    ensure!(c.recv_bytes(None).await?.is_empty());
    c.send_bytes(b"", 0, None).await?;
    // 4. recv_bytes_into and BufferTooShort.
    let mut buf = [0u8; 10];
    ensure!(c.recv_bytes_into(&mut buf, 3).await? == 5 && &buf[3..8] == b"hello");
    match c.recv_bytes_into(&mut buf, 0).await {
        Err(Error::BufferTooShort(e)) => ensure!(e.message == [b'x'; 20]),
        other => bail!("expected BufferTooShort, got {other:?}"),
    }
    c.send_bytes(b"world", 0, None).await?;
    c.send_bytes(&[b'y'; 20], 0, None).await?;
    // 5. poll.
    ensure!(
        !c.poll(Some(Duration::ZERO)).await?,
        "poll() before Python sent"
    );
    c.send_bytes(b"go", 0, None).await?;
    ensure!(c.poll(Some(Duration::from_secs(30))).await?);
    ensure!(c.recv_bytes(None).await? == b"ping");
    c.send_bytes(b"pong", 0, None).await?;
    // 6. 17 MiB.
    let got = c.recv_bytes(None).await?;
    ensure!(got == *BIG, "17 MiB from Python differ");
    c.send_bytes(&got, 0, None).await?;
    let got = c.recv_value().await?;
    ensure!(
        matches!(&got, Value::Bytes(b) if b[..] == BIG[..]),
        "17 MiB object differs"
    );
    c.send_value(&got).await?;
    // 7. maxlength.
    match c.recv_bytes(Some(256)).await {
        Err(Error::BadMessageLength { length: 300, .. }) => {}
        other => bail!("expected bad message length, got {other:?}"),
    }
    c.send_bytes(&[b'y'; 300], 0, None).await?;
    ensure!(matches!(c.recv_bytes(None).await, Err(Error::WriteOnly)));
    Ok(())
}

async fn run(python: &std::path::Path, case: Case) -> Result<()> {
    let (ours, theirs) = match case.key {
        Key::Right => (Some(KEY), Some(KEY)),
        Key::Wrong => (Some(KEY), Some(OTHER_KEY)),
        Key::None => (None, None),
    };
    let their_key = theirs.map_or("-".to_owned(), hex);
    let config = Config::default()
        .challenge(case.challenge)
        .handshake_timeout(Some(Duration::from_secs(60)));
    let script = pyroxene_testkit::workspace_root().join("interop/mpconn_peer.py");
    let script = script.to_str().context("script path")?;
    let (mut py, connected) = match case.direction {
        Direction::PythonListens => {
            let address = fresh_address(case.family);
            let mut py =
                PythonProcess::spawn(python, &[script, "listen", &address, &their_key], &[])?;
            let address = py.wait_for_line("listening on")?;
            let address = Address::parse(&address)?;
            let conn = Client::with_config(config).open(&address, ours).await;
            (py, conn)
        }
        Direction::PythonConnects => {
            let address = fresh_address(case.family);
            let mut listener = Listener::bind_with_config(&address, 1, ours, config).await?;
            let address = listener.address().to_string();
            let py = PythonProcess::spawn(python, &[script, "connect", &address, &their_key], &[])?;
            (py, listener.accept().await)
        }
    };
    if case.key == Key::Wrong {
        let (ours, theirs) = match case.direction {
            Direction::PythonListens => ("digest sent was rejected", "digest received was wrong"),
            Direction::PythonConnects => ("digest received was wrong", "digest sent was rejected"),
        };
        let e = connected.err().context("a wrong key was accepted")?;
        ensure!(e.to_string() == ours, "ours: {e}");
        ensure!(py.wait_for_line("AuthenticationError:")? == theirs);
        return Ok(());
    }
    let mut conn = connected?;
    tokio::time::timeout(Duration::from_secs(120), scenario(&mut conn))
        .await
        .context("the scenario stalled")??;
    drop(conn);
    let (status, out) = py.finish()?;
    ensure!(status.success(), "python exited with {status}: {out}");
    for line in [
        "OSError: bad message length",
        "OSError: connection is write-only",
        &format!("done 3.{}", case.minor),
    ] {
        ensure!(out.lines().any(|l| l == line), "no {line:?} in {out:?}");
    }
    Ok(())
}

/// Runs the table's rows of one interpreter; a failure names its row.
async fn rows_of(minor: u32) {
    let Some(python) = pyroxene_testkit::cpython(minor) else {
        return;
    };
    let rows: Vec<Case> = table().into_iter().filter(|c| c.minor == minor).collect();
    assert!(rows.len() >= 14);
    for case in rows {
        if let Err(e) = run(&python, case).await {
            panic!("{case:?}: {e:#}");
        }
    }
}

#[tokio::test]
async fn cpython_3_11() {
    rows_of(11).await;
}

#[tokio::test]
async fn cpython_3_12() {
    rows_of(12).await;
}

#[tokio::test]
async fn cpython_3_13() {
    rows_of(13).await;
}
