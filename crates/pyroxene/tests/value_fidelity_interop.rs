//! Values through echo servers, Python's and ours side by side (issue 12, value fidelity): a
//! real Python client of each Pyro generation sends the same values through Python's own echo
//! server (`python -m Pyro5.utils.echoserver`, `python -m Pyro4.test.echoserver`) and through
//! the Rust `EchoServer` on a daemon, per serializer, and the type and `repr()` of what comes
//! back (or the class and text of what was raised) must be the same. One table over
//! generation × serializer × value: `interop/echo_values_client.py` prints a `CELL` line per
//! cell (shown with `--nocapture`).
//!
//! The Python processes run in a time zone with DST (a POSIX TZ string, no tz database
//! needed): Pyro's msgpack datetimes are local-time timestamps to Python and UTC ones to us,
//! and a pass-through must not care. Every process binds 127.0.0.1, gets
//! `PYRO_BROADCAST_ADDRS=127.0.0.1` and is killed by pid when dropped.

mod common;

use common::TestDaemon;
use pyroxene::{Daemon, Serializer};
use pyroxene_testkit::{PythonProcess, python};

/// Central European time, with its DST rules spelled out.
const TZ: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

/// The Rust echo server on 127.0.0.1, accepting every serializer of both generations (Pyro4's
/// echo server below is told the same).
async fn our_echo() -> (TestDaemon, String) {
    let all = [
        Serializer::Serpent,
        Serializer::Json,
        Serializer::Marshal,
        Serializer::Msgpack,
        Serializer::Pickle,
    ];
    let daemon = TestDaemon::start(
        Daemon::builder()
            .host("127.0.0.1")
            .port(0)
            .serializers(&all),
    )
    .await;
    let uri = daemon.echo_uri();
    (daemon, uri)
}

/// Python's echo server of `generation`; the process and its URI.
fn python_echo(py: &std::path::Path, generation: &str) -> (PythonProcess, String) {
    let (module, env): (&str, &[(&str, &str)]) = match generation {
        "pyro5" => ("Pyro5.utils.echoserver", &[("TZ", TZ)]),
        _ => (
            "Pyro4.test.echoserver",
            &[
                ("TZ", TZ),
                (
                    "PYRO_SERIALIZERS_ACCEPTED",
                    "serpent,json,marshal,msgpack,pickle",
                ),
            ],
        ),
    };
    let mut server = PythonProcess::spawn(py, &["-m", module, "-H", "127.0.0.1", "-p", "0"], env)
        .expect("start python echo server");
    let uri = server.wait_for_line("echo uri:").expect("echo uri line");
    (server, uri)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_come_back_through_ours_as_through_pythons_echo_servers() {
    let Some(py) = python() else { return };
    let (daemon, ours) = our_echo().await;
    for generation in ["pyro5", "pyro4"] {
        let (_server, theirs) = python_echo(&py, generation);
        let (py, ours, generation) = (py.clone(), ours.clone(), generation.to_owned());
        let (status, out) = tokio::task::spawn_blocking(move || {
            let args = [
                "interop/echo_values_client.py",
                generation.as_str(),
                theirs.as_str(),
                ours.as_str(),
            ];
            PythonProcess::spawn(&py, &args, &[("TZ", TZ)])
                .expect("start python client")
                .finish()
                .expect("python client output")
        })
        .await
        .expect("join");
        eprintln!("{out}");
        let cells = out.lines().filter(|l| l.starts_with("CELL ")).count();
        assert!(cells >= 4 * 50, "only {cells} cells:\n{out}");
        assert!(
            status.success() && out.contains(" passed, 0 failed"),
            "values differ between Python's echo server and ours:\n{}",
            out.lines()
                .filter(|l| l.contains("| DIFF") || l.starts_with("FAIL") || !l.starts_with("CELL"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    daemon.stop().await;
}

/// Regression (found by the table above before pickle learned msgpack's ext classes): a pickled
/// call our decoder refuses was answered with an exception dict named `SerializeError`, which
/// Python's serpent/json readers resolve but a pickle reader can't: the Pyro4 client raised
/// `TypeError: exceptions must derive from BaseException`. It must get Pyro4's SerializeError.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_undecodable_pickle_call_raises_pyro4_serialize_error() {
    let Some(py) = python() else { return };
    let (daemon, ours) = our_echo().await;
    let code = "import sys, collections, Pyro4\n\
                Pyro4.config.SERIALIZER = 'pickle'\n\
                try:\n    \
                Pyro4.Proxy(sys.argv[1]).echo(collections.OrderedDict(a=1))\n\
                except Exception as e:\n    \
                print(type(e).__module__, type(e).__name__, e)";
    let (status, out) = tokio::task::spawn_blocking(move || {
        PythonProcess::spawn(&py, &["-c", code, &ours], &[])
            .expect("start python client")
            .finish()
            .expect("python client output")
    })
    .await
    .expect("join");
    assert!(status.success(), "{out}");
    assert!(
        out.starts_with(
            "Pyro4.errors SerializeError pickle data holds the global collections.OrderedDict"
        ),
        "{out}"
    );
    daemon.stop().await;
}
