//! `pyroxene config` against `python -m Pyro5.configure`, run with the same environments: from
//! the fourth line on the outputs are equal line for line; the first three name pyroxene.

use std::path::Path;
use std::process::{Command, Output};

use pyroxene_testkit::{ONE_SHOT_LIMIT, output_within};

const ENVIRONMENTS: &[&[(&str, &str)]] = &[
    &[],
    &[
        ("PYRO_COMMTIMEOUT", "2.5"),
        ("PYRO_SERIALIZER", "json"),
        ("PYRO_NS_PORT", " 9_999 "),
        ("PYRO_SSL", "Yes"),
        ("PYRO_NATHOST", "example.org"),
        ("PYRO_MAX_MESSAGE_SIZE", "4096"),
        ("PYRO_POLLTIMEOUT", "1e-5"),
    ],
    &[
        ("PYRO_BROADCAST_ADDRS", " 10.0.0.255 ,'quoted', é"),
        ("PYRO_HOST", ""),
        ("PYRO_ITER_STREAM_LINGER", "inf"),
        ("PYRO_LOGFILE", "/dev/null"),
        ("PYRO_PREFER_IP_VERSION", "6"),
        ("PYRO_SOCK_REUSE", "OFF"),
    ],
    // Every typed kind: seconds (0 = off, fractions, inf), counts, ports, enums.
    &[
        ("PYRO_COMMTIMEOUT", "0.123456789"),
        ("PYRO_NS_LOOKUP_DELAY", "1e-3"),
        ("PYRO_ITER_STREAM_LIFETIME", "0"),
        ("PYRO_NS_AUTOCLEAN", "3"),
        ("PYRO_MAX_RETRIES", "3"),
        ("PYRO_THREADPOOL_SIZE", "0"),
        ("PYRO_NATPORT", "65535"),
        ("PYRO_NS_BCPORT", "0"),
        ("PYRO_SERVERTYPE", "multiplex"),
        ("PYRO_SERIALIZER", "msgpack"),
        ("PYRO_LOGLEVEL", "CRITICAL"),
        ("PYRO_LOGFILE", "/dev/null"),
    ],
    // Logging on, to stderr: stdout is unchanged, stderr gets the "configured" line.
    &[("PYRO_LOGLEVEL", "INFO"), ("PYRO_LOGFILE", "{stderr}")],
];

/// Runs `program args` with exactly `env` (plus PYRO_BROADCAST_ADDRS, which every Python peer
/// gets, unless `env` sets it).
fn run(program: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args).env_clear().current_dir(std::env::temp_dir());
    if !env.iter().any(|(n, _)| *n == "PYRO_BROADCAST_ADDRS") {
        cmd.env("PYRO_BROADCAST_ADDRS", "127.0.0.1");
    }
    cmd.envs(env.iter().copied());
    output_within(&mut cmd, None, ONE_SHOT_LIMIT).expect("run")
}

fn pyroxene(env: &[(&str, &str)]) -> Output {
    run(Path::new(env!("CARGO_BIN_EXE_pyroxene")), &["config"], env)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

#[test]
fn header_names_pyroxene() {
    let out = pyroxene(&[]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "Pyro version: pyroxene {} (Pyro5 5.17 compatible)",
            env!("CARGO_PKG_VERSION")
        )
    );
    let exe_dir = Path::new(env!("CARGO_BIN_EXE_pyroxene"))
        .parent()
        .expect("dir");
    assert_eq!(lines[1], format!("Loaded from: {}", exe_dir.display()));
    assert!(
        lines[2].starts_with("Implementation: Rust ("),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines[3..5],
        [
            "Protocol version: 502",
            "Currently active global configuration settings:"
        ]
    );
    assert_eq!(lines.len(), 5 + 39);
    assert!(stdout.ends_with("THREADPOOL_SIZE_MIN = 4\n"));
    assert!(out.stderr.is_empty());
}

#[test]
fn same_output_as_python() {
    let Some(python) = pyroxene_testkit::python() else {
        return;
    };
    for env in ENVIRONMENTS {
        let ours = pyroxene(env);
        let theirs = run(&python, &["-W", "ignore", "-m", "Pyro5.configure"], env);
        assert!(ours.status.success(), "{env:?}: {}", text(&ours.stderr));
        assert!(theirs.status.success(), "{env:?}: {}", text(&theirs.stderr));
        let (ours_out, theirs_out) = (text(&ours.stdout), text(&theirs.stdout));
        let ours_lines: Vec<&str> = ours_out.split('\n').collect();
        let theirs_lines: Vec<&str> = theirs_out.split('\n').collect();
        assert_eq!(ours_lines.len(), theirs_lines.len(), "{env:?}");
        assert_eq!(ours_lines[3..], theirs_lines[3..], "{env:?}");
        assert_eq!(theirs_lines[0], "Pyro version: 5.17");
        let configured = "] Pyro log configured using built-in defaults, level=INFO\n";
        let logs_to_stderr = env.contains(&("PYRO_LOGLEVEL", "INFO"));
        for out in [&ours, &theirs] {
            assert_eq!(
                text(&out.stderr).ends_with(configured),
                logs_to_stderr,
                "{env:?}"
            );
        }
    }
}

#[test]
fn refuses_what_python_refuses() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("PYRO_HMAC_KEY", "secret")],
            "invalid Pyro environment config variable: PYRO_HMAC_KEY",
        ),
        (
            &[("PYRO_SSL", "perhaps")],
            "invalid boolean value: PYRO_SSL=perhaps",
        ),
        (
            &[("PYRO_NS_PORT", "90.90")],
            "invalid Pyro environment config value: PYRO_NS_PORT=90.90",
        ),
    ];
    let python = pyroxene_testkit::python();
    for (env, message) in cases {
        let ours = pyroxene(env);
        assert!(!ours.status.success());
        assert!(ours.stdout.is_empty());
        assert_eq!(text(&ours.stderr), format!("error: {message}\n"));
        let Some(python) = &python else { continue };
        let theirs = run(python, &["-W", "ignore", "-m", "Pyro5.configure"], env);
        assert!(!theirs.status.success());
        assert!(
            text(&theirs.stderr).ends_with(&format!("ValueError: {message}\n")),
            "{env:?}"
        );
    }
}

#[test]
fn bad_loglevel_and_unwritable_logfile_are_errors() {
    let out = pyroxene(&[("PYRO_LOGLEVEL", "LOUD")]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("invalid log level PYRO_LOGLEVEL=LOUD"));
    let out = pyroxene(&[
        ("PYRO_LOGLEVEL", "DEBUG"),
        ("PYRO_LOGFILE", "/nonexistent-dir/x.log"),
    ]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("cannot open log file /nonexistent-dir/x.log"));
}

/// Values Python's `Pyro5.configure` prints and pyroxene refuses where it reads them (see the
/// `config` module docs): a MAX_MESSAGE_SIZE that would refuse every message, a serializer
/// Python's proxy would refuse later.
#[test]
fn refuses_bad_values_python_only_refuses_later() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("PYRO_MAX_MESSAGE_SIZE", "-1")],
            "invalid Pyro environment config value: PYRO_MAX_MESSAGE_SIZE=-1 \
             (expected a size in bytes, at least 1)",
        ),
        (
            &[("PYRO_SERIALIZER", "foo")],
            "unknown serializer configured: PYRO_SERIALIZER=foo",
        ),
    ];
    for (env, message) in cases {
        let ours = pyroxene(env);
        assert!(!ours.status.success());
        assert!(ours.stdout.is_empty());
        assert_eq!(text(&ours.stderr), format!("error: {message}\n"));
    }
}
