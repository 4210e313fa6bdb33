//! `pyroxene gateway` run as a user would, next to Python's `python -m Pyro5.utils.httpgateway`
//! with the same flags and environment: the same startup lines (the port aside), with a name
//! server, without one, with the empty expose regex; the name server found through
//! PYRO_NS_HOST/PYRO_NS_PORT; and a call through it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use pyroxene_testkit::{ONE_SHOT_LIMIT, output_within, python};

/// The child is killed (by pid) when the test ends, however it ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program args` and reads its first `n` stdout lines (the port of an address
/// replaced by PORT).
fn lines_of(mut command: Command, n: usize) -> (Guard, Vec<String>) {
    command
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .env("PYTHONUNBUFFERED", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("start");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let guard = Guard(child);
    let lines = (0..n)
        .map(|_| {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("a line");
            let line = line.trim_end();
            match line.rsplit_once(':') {
                Some((head, tail))
                    if tail
                        .trim_end_matches("/pyro/")
                        .chars()
                        .all(|c| c.is_ascii_digit()) =>
                {
                    format!(
                        "{head}:PORT{}",
                        if tail.ends_with("/pyro/") {
                            "/pyro/"
                        } else {
                            ""
                        }
                    )
                }
                _ => line.to_owned(),
            }
        })
        .collect();
    (guard, lines)
}

fn ours(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pyroxene"));
    c.arg("gateway").args(args).envs(env.iter().copied());
    c
}

fn theirs(python: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(python);
    c.args(["-m", "Pyro5.utils.httpgateway"])
        .args(args)
        .envs(env.iter().copied());
    c
}

/// A name server of ours on a free port; its port.
fn nameserver() -> (Guard, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pyroxene"))
        .args(["ns", "-n", "127.0.0.1", "-p", "0"])
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start pyroxene ns");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let guard = Guard(child);
    for _ in 0..10 {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("a line");
        if let Some(uri) = line.trim().strip_prefix("URI = ") {
            let port = uri.rsplit(':').next().expect("port").parse().expect("port");
            return (guard, port);
        }
    }
    panic!("no URI line from pyroxene ns");
}

#[test]
fn startup_lines_are_pythons() {
    let (_ns, port) = nameserver();
    let port = port.to_string();
    let env = [
        ("PYRO_NS_HOST", "127.0.0.1"),
        ("PYRO_NS_PORT", port.as_str()),
    ];
    let (_g, mine) = lines_of(ours(&["-H", "127.0.0.1", "-p", "0"], &env), 3);
    assert_eq!(
        mine,
        [
            r"Exposing objects with names matching:  http\.",
            "Connected to name server at:  PYRO:Pyro.NameServer@127.0.0.1:PORT",
            "Pyro HTTP gateway running on http://127.0.0.1:PORT/pyro/",
        ]
    );
    // The empty regex, and no name server where PYRO_NS_PORT says.
    let nowhere = [("PYRO_NS_HOST", "127.0.0.1"), ("PYRO_NS_PORT", "1")];
    let (_g, mine_empty) = lines_of(ours(&["-H", "127.0.0.1", "-p", "0", "-e", ""], &nowhere), 3);
    assert_eq!(
        mine_empty,
        [
            "Warning: exposing all objects (no expose regex set)",
            "Not yet connected to a name server.",
            "Pyro HTTP gateway running on http://127.0.0.1:PORT/pyro/",
        ]
    );
    let Some(python) = python() else {
        return;
    };
    let (_g, py) = lines_of(theirs(&python, &["-H", "127.0.0.1", "-p", "0"], &env), 3);
    assert_eq!(mine, py);
    let args = ["-H", "127.0.0.1", "-p", "0", "-e", ""];
    let (_g, py_empty) = lines_of(theirs(&python, &args, &nowhere), 3);
    assert_eq!(mine_empty, py_empty);
}

#[test]
fn serves_calls_found_through_the_environment() {
    let (_ns, port) = nameserver();
    let port = port.to_string();
    let env = [
        ("PYRO_NS_HOST", "127.0.0.1"),
        ("PYRO_NS_PORT", port.as_str()),
    ];
    let mut echo = Command::new(env!("CARGO_BIN_EXE_pyroxene"));
    echo.args(["echo", "-H", "127.0.0.1", "-n"]).envs(env);
    let (_echo, _) = lines_of(echo, 4);
    // The address is in the third line.
    let mut gateway = ours(
        &[
            "-H",
            "127.0.0.1",
            "-p",
            "0",
            "-e",
            r"test\.",
            "-g",
            "k",
            "--threads",
            "1",
        ],
        &env,
    );
    gateway
        .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
        .stdout(Stdio::piped());
    let mut child = gateway.spawn().expect("start");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let _guard = Guard(child);
    let mut address = String::new();
    for _ in 0..3 {
        address.clear();
        stdout.read_line(&mut address).expect("a line");
    }
    let address = address
        .trim()
        .trim_start_matches("Pyro HTTP gateway running on http://")
        .trim_end_matches("/pyro/")
        .to_owned();
    let mut stream = TcpStream::connect(&address).expect("connect");
    write!(
        stream,
        "GET /pyro/test.echoserver/echo?message=hi&$key=k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with("\r\n\r\n\"hi\""), "{response}");
}

/// `pyroxene gateway --help` (the README's): Python's launcher's flags, short and long, with
/// its texts and defaults; then our own long-only flags.
#[test]
fn help_has_pythons_flags_texts_and_defaults() {
    let out = output_within(&mut ours(&["--help"], &[]), None, ONE_SHOT_LIMIT).expect("run");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let ours_flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    // (short, long, Python's text before its "(default=...)", our default shown)
    let table = [
        ("H", "host", "hostname to bind server on", Some("localhost")),
        ("c", "cors", "Allow cross origin domain/url", Some("*")),
        ("p", "port", "port to bind server on", Some("8080")),
        (
            "e",
            "expose",
            "a regex of object names to expose",
            Some(r"http\."),
        ),
        (
            "g",
            "gatewaykey",
            "the api key to use to connect to the gateway itself",
            None,
        ),
        ("t", "timeout", "Pyro timeout value to use", None),
    ];
    for (short, long, text, default) in table {
        let metavar = long.to_uppercase();
        let flag = format!("-{short}, --{long} <{metavar}> {text}");
        assert!(ours_flat.contains(&flag), "{flag:?} not in\n{help}");
        if let Some(default) = default {
            let start = ours_flat.find(&flag).expect("found above");
            let shown = format!("[default: {default}]");
            let next = ours_flat[start..].find("[default:").map(|i| start + i);
            assert_eq!(
                next.map(|i| &ours_flat[i..i + shown.len()]),
                Some(shown.as_str()),
                "--{long}"
            );
        }
    }
    for extra in [
        "--name-ttl <SECONDS>",
        "--max-body <BYTES>",
        "--max-params <N>",
        "--threads <N>",
    ] {
        assert!(ours_flat.contains(extra), "{extra}");
    }
    let out =
        output_within(&mut ours(&["--threads", "0"], &[]), None, ONE_SHOT_LIMIT).expect("run");
    assert!(!out.status.success());
    let Some(python) = python() else {
        return;
    };
    let out =
        output_within(&mut theirs(&python, &["--help"], &[]), None, ONE_SHOT_LIMIT).expect("run");
    let theirs_flat = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // argparse: "-H HOST, --host HOST hostname to bind server on (default=localhost)"; an
    // option's text runs to the next option, its default is in parentheses.
    let option = regex::Regex::new(r"-(\w) [A-Z]+, --(\w+) [A-Z]+ ").expect("regex");
    let found: Vec<_> = option.captures_iter(&theirs_flat).collect();
    let pythons: Vec<(String, String, String)> = found
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let start = c.get(0).expect("match").end();
            let end = found
                .get(i + 1)
                .map_or(theirs_flat.len(), |n| n.get(0).expect("match").start());
            let text = theirs_flat[start..end]
                .split(" (")
                .next()
                .unwrap_or_default();
            (c[1].to_owned(), c[2].to_owned(), text.trim().to_owned())
        })
        .collect();
    let mine: Vec<(String, String, String)> = table
        .iter()
        .map(|(s, l, t, _)| ((*s).to_owned(), (*l).to_owned(), (*t).to_owned()))
        .collect();
    assert_eq!(pythons, mine, "{theirs_flat}");
    // Python shows its defaults in the text; ours (clap) as [default: ...]: the same values.
    for (_, long, _, default) in table {
        if let Some(default) = default {
            let python_default = format!("--{long} {} ", long.to_uppercase());
            let at = theirs_flat.find(&python_default).expect("flag");
            let shown = format!("(default={default})");
            let rest = &theirs_flat[at..];
            let next_flag = rest[2..].find(" -").map_or(rest.len(), |i| i + 2);
            if rest[..next_flag].contains("(default=") {
                assert!(rest[..next_flag].contains(&shown), "--{long}: {rest}");
            }
        }
    }
}
