//! The `pyroxene` binary: help, version and the convert subcommand, run as a user would.

use std::process::{Command, Output};

use pyroxene_testkit::{ONE_SHOT_LIMIT, output_within};

fn pyroxene(args: &[&str], stdin: &[u8]) -> Output {
    output_within(
        Command::new(env!("CARGO_BIN_EXE_pyroxene")).args(args),
        Some(stdin),
        ONE_SHOT_LIMIT,
    )
    .expect("run pyroxene")
}

#[test]
fn version_and_help() {
    let out = pyroxene(&["--version"], b"");
    assert!(out.status.success());
    // The package version and the protocols served, written out: what a Pyro user reads.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "pyroxene {} (Pyro5 protocol 502, Pyro4 protocol 48)\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    let out = pyroxene(&["-V"], b"");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Pyro5 protocol 502"));
    let out = pyroxene(&["--help"], b"");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Usage: pyroxene <COMMAND>") && help.contains("convert"),
        "{help}"
    );
}

#[test]
fn convert_between_serializers() {
    let out = pyroxene(
        &["convert", "--to", "json"],
        b"{'answer': (42, 2.5, None), 'ok': True}\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"answer\": [42, 2.5, null], \"ok\": true}\n"
    );

    let out = pyroxene(
        &["convert", "--from", "json"],
        b"[1, NaN, {\"a\": -Infinity}]",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[1, nan, {'a': -inf}]\n"
    );

    // marshal bytes of (1, 'a') as CPython writes them
    let out = pyroxene(
        &["convert", "--from", "marshal", "--to", "serpent"],
        b")\x02\xe9\x01\x00\x00\x00\xda\x01a",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "# serpent utf-8 python3.2\n(1,'a')\n"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let out = pyroxene(&["convert"], b"{'unclosed': [1, 2");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot decode serpent input"), "{err}");
}
