//! How the tools report a user's mistake: one line on stderr, `error: ` then each cause once,
//! naming the address, file or variable, no backtrace even with `RUST_BACKTRACE=1`, status 1.
//! Python's launchers fail on the same mistakes (with a traceback whose last line is the
//! system's message: "OSError: [Errno 98] Address already in use").
//!
//! Regression (issue 11): `pyroxene ns -p <busy port>` printed "Address already in use" three
//! times under "Caused by:", then a backtrace.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use pyroxene_testkit::{ONE_SHOT_LIMIT, output_within};

/// Runs `pyroxene args` with only `env` (plus `RUST_BACKTRACE=1`, which must change nothing).
fn pyroxene(args: &[&str], env: &[(&str, &str)]) -> Output {
    output_within(
        Command::new(env!("CARGO_BIN_EXE_pyroxene"))
            .args(args)
            .env_clear()
            .env("RUST_BACKTRACE", "1")
            .envs(env.iter().copied())
            .current_dir(std::env::temp_dir()),
        None,
        ONE_SHOT_LIMIT,
    )
    .expect("run pyroxene")
}

/// Standard error without the open-file-limit warning a machine with a low hard limit adds.
fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone())
        .expect("utf-8 stderr")
        .lines()
        .filter(|l| !l.starts_with("Warning: the open-file limit is"))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn assert_one_line_error(out: &Output, expected: &str) {
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stderr(out);
    assert_eq!(text, format!("error: {expected}\n"));
    assert!(
        !text.contains("Caused by") && !text.contains("backtrace"),
        "{text}"
    );
}

#[test]
fn ns_on_a_busy_port_says_so_once() {
    let held = TcpListener::bind("127.0.0.1:0").expect("hold a port");
    let port = held.local_addr().expect("addr").port().to_string();
    let out = pyroxene(&["ns", "-n", "127.0.0.1", "-p", &port], &[]);
    assert!(out.stdout.is_empty(), "no startup lines");
    assert_one_line_error(
        &out,
        &format!("cannot bind 127.0.0.1:{port}: address already in use"),
    );
    assert_eq!(stderr(&out).matches("in use").count(), 1);
}

#[test]
fn echo_on_a_busy_port_says_so_once() {
    let held = TcpListener::bind("127.0.0.1:0").expect("hold a port");
    let port = held.local_addr().expect("addr").port().to_string();
    let out = pyroxene(&["echo", "-H", "127.0.0.1", "-p", &port], &[]);
    assert_one_line_error(
        &out,
        &format!("cannot bind 127.0.0.1:{port}: address already in use"),
    );
}

#[test]
fn ns_with_an_unopenable_database_names_the_file() {
    let path = "/nonexistent/dir/x.db";
    assert!(!Path::new("/nonexistent").exists());
    let out = pyroxene(
        &[
            "ns",
            "-n",
            "127.0.0.1",
            "-p",
            "0",
            "-s",
            &format!("sql:{path}"),
        ],
        &[],
    );
    // sqlite's own words, once (rusqlite repeats the file name and the message).
    assert_one_line_error(
        &out,
        &format!("cannot open sqlite database {path}: unable to open database file"),
    );
}

#[test]
fn bad_pyro_variables_give_pythons_text() {
    for (args, env, expected) in [
        (
            &["ns", "-n", "127.0.0.1", "-p", "0"][..],
            ("PYRO_NS_PORT", "x"),
            "invalid Pyro environment config value: PYRO_NS_PORT=x",
        ),
        (
            &["echo", "-H", "127.0.0.1"][..],
            ("PYRO_COMMTIMEOUT", "soon"),
            "invalid Pyro environment config value: PYRO_COMMTIMEOUT=soon",
        ),
        (
            &["nsc", "-n", "127.0.0.1", "ping"][..],
            ("PYRO_SERIALIZER", "foo"),
            "unknown serializer configured: PYRO_SERIALIZER=foo",
        ),
        (
            &["bench", "PYRO:x@127.0.0.1:1"][..],
            ("PYRO_NOSUCHITEM", "1"),
            "invalid Pyro environment config variable: PYRO_NOSUCHITEM",
        ),
    ] {
        let out = pyroxene(args, &[env]);
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_one_line_error(&out, expected);
    }
}
