//! Config: defaults, environment parsing and errors, each compared with what the real Python
//! Pyro5 5.17 makes of the same environment (through `interop/config_env.py`); and scoped
//! logging output.

use std::time::Duration;

use pyroxene::config::{ConfigError, ConfigValue, IpVersion, LogLevel, ServerType};
use pyroxene::{Config, Serializer};
use pyroxene_testkit::PythonScript;

/// The Python helper, or `None` without the venv (panics under CI, see testkit).
fn python_config() -> Option<PythonScript> {
    let python = pyroxene_testkit::python()?;
    Some(PythonScript::spawn(&python, "config_env.py", &[]).expect("start config_env.py"))
}

/// Asks the helper; `Ok(text)` or `Err("ValueError: ...")`.
fn ask(py: &mut PythonScript, tag: u8, payload: &[u8]) -> Result<String, String> {
    py.send(tag, payload).expect("send");
    let (tag, text) = py.recv().expect("recv");
    let text = String::from_utf8(text).expect("utf-8 answer");
    if tag == b'O' { Ok(text) } else { Err(text) }
}

fn item_lines(config: &Config) -> String {
    config
        .items()
        .iter()
        .map(|(name, text)| format!("{name} = {text}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn env_payload(vars: &[(&str, &str)]) -> Vec<u8> {
    vars.iter()
        .flat_map(|(n, v)| [*n, *v])
        .collect::<Vec<_>>()
        .join("\0")
        .into_bytes()
}

#[test]
fn defaults_are_pythons() {
    let c = Config::default();
    assert_eq!(
        (c.host.as_str(), c.ns_host.as_str()),
        ("localhost", "localhost")
    );
    assert_eq!((c.ns_port, c.ns_bcport, c.natport), (9090, 9091, 0));
    assert_eq!((c.ns_bchost.as_deref(), c.nathost.as_deref()), (None, None));
    assert_eq!(
        (c.commtimeout, c.polltimeout, c.max_retries),
        (None, Duration::from_secs(2), 0)
    );
    assert_eq!((c.ns_autoclean, c.ns_lookup_delay), (None, Duration::ZERO));
    assert_eq!(c.max_message_size, 1_073_741_824);
    assert_eq!((c.threadpool_size, c.threadpool_size_min), (80, 4));
    assert_eq!(c.broadcast_addrs, ["<broadcast>", "0.0.0.0"]); // Pyro5's default value, only parsed here
    assert_eq!(
        (c.serializer, c.servertype, c.prefer_ip_version),
        (Serializer::Serpent, ServerType::Thread, IpVersion::Any)
    );
    assert!(c.sock_reuse && !c.sock_nodelay && !c.compression && c.iter_streaming);
    assert_eq!(
        (c.iter_stream_lifetime, c.iter_stream_linger),
        (None, Some(Duration::from_secs(30)))
    );
    assert_eq!((c.logfile.as_str(), c.loglevel), ("pyro5.log", None));
    assert_eq!(c.protocol, pyroxene::config::Protocol::Auto);
    assert_eq!(Config::from_vars::<_, &str, &str>([]), Ok(c.clone()));

    let Some(mut py) = python_config() else {
        return;
    };
    assert_eq!(
        ask(&mut py, b'D', b"").as_deref(),
        Ok(item_lines(&c).as_str())
    );
    let names = ask(&mut py, b'N', b"").expect("slots");
    assert_eq!(names.lines().collect::<Vec<_>>(), Config::ITEM_NAMES);
}

/// (environment, Ok(item, expected str()) or Err(message)); every row is also run through
/// Python, which must agree.
type Case = (
    &'static [(&'static str, &'static str)],
    Result<(&'static str, &'static str), &'static str>,
);

const CASES: &[Case] = &[
    // bool: 0/off/no/false, 1/yes/on/true in any case; nothing stripped.
    (&[("PYRO_SSL", "YES")], Ok(("SSL", "True"))),
    (&[("PYRO_SSL", "On")], Ok(("SSL", "True"))),
    (&[("PYRO_SSL", "1")], Ok(("SSL", "True"))),
    (&[("PYRO_SOCK_REUSE", "FALSE")], Ok(("SOCK_REUSE", "False"))),
    (&[("PYRO_SOCK_REUSE", "off")], Ok(("SOCK_REUSE", "False"))),
    (&[("PYRO_SOCK_REUSE", "0")], Ok(("SOCK_REUSE", "False"))),
    (
        &[("PYRO_SSL", "Maybe")],
        Err("invalid boolean value: PYRO_SSL=maybe"),
    ),
    (
        &[("PYRO_SSL", " true")],
        Err("invalid boolean value: PYRO_SSL= true"),
    ),
    (&[("PYRO_SSL", "")], Err("invalid boolean value: PYRO_SSL=")),
    (
        &[("PYRO_COMPRESSION", "2")],
        Err("invalid boolean value: PYRO_COMPRESSION=2"),
    ),
    // int: whitespace, sign, leading zeros, PEP 515 underscores.
    (&[("PYRO_NS_PORT", " 9999 ")], Ok(("NS_PORT", "9999"))),
    (&[("PYRO_NS_PORT", "1_000")], Ok(("NS_PORT", "1000"))),
    (&[("PYRO_NATPORT", "65535")], Ok(("NATPORT", "65535"))),
    (
        &[("PYRO_PREFER_IP_VERSION", "6")],
        Ok(("PREFER_IP_VERSION", "6")),
    ),
    (
        &[("PYRO_MAX_MESSAGE_SIZE", "4096")],
        Ok(("MAX_MESSAGE_SIZE", "4096")),
    ),
    (
        &[("PYRO_THREADPOOL_SIZE", "0")],
        Ok(("THREADPOOL_SIZE", "0")),
    ),
    (
        &[("PYRO_SERVERTYPE", "multiplex")],
        Ok(("SERVERTYPE", "multiplex")),
    ),
    (
        &[("PYRO_SERIALIZER", "msgpack")],
        Ok(("SERIALIZER", "msgpack")),
    ),
    (&[("PYRO_LOGLEVEL", "ERROR")], Ok(("LOGLEVEL", "ERROR"))),
    (&[("PYRO_MAX_RETRIES", "+007")], Ok(("MAX_RETRIES", "7"))),
    (
        &[("PYRO_NS_PORT", "9090.0")],
        Err("invalid Pyro environment config value: PYRO_NS_PORT=9090.0"),
    ),
    (
        &[("PYRO_NS_PORT", "0x10")],
        Err("invalid Pyro environment config value: PYRO_NS_PORT=0x10"),
    ),
    (
        &[("PYRO_NS_PORT", "1__0")],
        Err("invalid Pyro environment config value: PYRO_NS_PORT=1__0"),
    ),
    (
        &[("PYRO_NS_PORT", "")],
        Err("invalid Pyro environment config value: PYRO_NS_PORT="),
    ),
    // float: Python's float() forms, printed with repr().
    (&[("PYRO_COMMTIMEOUT", "2.5")], Ok(("COMMTIMEOUT", "2.5"))),
    (&[("PYRO_COMMTIMEOUT", "3")], Ok(("COMMTIMEOUT", "3.0"))),
    (&[("PYRO_COMMTIMEOUT", " .5 ")], Ok(("COMMTIMEOUT", "0.5"))),
    (
        &[("PYRO_COMMTIMEOUT", "1e-5")],
        Ok(("COMMTIMEOUT", "1e-05")),
    ),
    (
        &[("PYRO_COMMTIMEOUT", "1e16")],
        Ok(("COMMTIMEOUT", "1e+16")),
    ),
    (
        &[("PYRO_COMMTIMEOUT", "1_0.2_5")],
        Ok(("COMMTIMEOUT", "10.25")),
    ),
    (
        &[("PYRO_COMMTIMEOUT", "Infinity")],
        Ok(("COMMTIMEOUT", "inf")),
    ),
    (&[("PYRO_COMMTIMEOUT", "0")], Ok(("COMMTIMEOUT", "0.0"))),
    (
        &[("PYRO_COMMTIMEOUT", "0.123456789")],
        Ok(("COMMTIMEOUT", "0.123456789")),
    ),
    (
        &[("PYRO_ITER_STREAM_LINGER", "1.1")],
        Ok(("ITER_STREAM_LINGER", "1.1")),
    ),
    (
        &[("PYRO_NS_LOOKUP_DELAY", "12345.678")],
        Ok(("NS_LOOKUP_DELAY", "12345.678")),
    ),
    (
        &[("PYRO_COMMTIMEOUT", "soon")],
        Err("invalid Pyro environment config value: PYRO_COMMTIMEOUT=soon"),
    ),
    (
        &[("PYRO_POLLTIMEOUT", "1,5")],
        Err("invalid Pyro environment config value: PYRO_POLLTIMEOUT=1,5"),
    ),
    (
        &[("PYRO_POLLTIMEOUT", "0x1p3")],
        Err("invalid Pyro environment config value: PYRO_POLLTIMEOUT=0x1p3"),
    ),
    // str and None-default items take the raw text.
    (&[("PYRO_HOST", " ::1 ")], Ok(("HOST", " ::1 "))),
    (&[("PYRO_NATHOST", "")], Ok(("NATHOST", ""))),
    (
        &[("PYRO_NS_BCHOST", "0.0.0.0")], // parsing only: nothing binds or sends
        Ok(("NS_BCHOST", "0.0.0.0")),     // parsing only
    ),
    (&[("PYRO_LOGFILE", "{stderr}")], Ok(("LOGFILE", "{stderr}"))),
    // list: split on commas, each part stripped; printed as a Python list repr.
    (
        &[("PYRO_BROADCAST_ADDRS", " a , b'c,,\"d")],
        Ok(("BROADCAST_ADDRS", r#"['a', "b'c", '', '"d']"#)),
    ),
    (
        &[("PYRO_BROADCAST_ADDRS", "")],
        Ok(("BROADCAST_ADDRS", "['']")),
    ),
    (
        &[("PYRO_BROADCAST_ADDRS", "é,\t")],
        Ok(("BROADCAST_ADDRS", "['é', '']")),
    ),
    // names: exact PYRO_ + item; anything else with the prefix is refused, others ignored.
    (
        &[("PYRO_HMAC_KEY", "x")],
        Err("invalid Pyro environment config variable: PYRO_HMAC_KEY"),
    ),
    (
        &[("PYRO_ONEWAY_THREADED", "1")],
        Err("invalid Pyro environment config variable: PYRO_ONEWAY_THREADED"),
    ),
    (
        &[("PYRO_commtimeout", "1")],
        Err("invalid Pyro environment config variable: PYRO_commtimeout"),
    ),
    (
        &[("PYRO_", "1")],
        Err("invalid Pyro environment config variable: PYRO_"),
    ),
    (
        &[
            ("PYROXENE_PYTHON", "x"),
            ("pyro_ssl", "x"),
            ("PYRO_SSL", "1"),
        ],
        Ok(("SSL", "True")),
    ),
    // the first offending variable wins
    (
        &[("PYRO_SSL", "1"), ("PYRO_X", "1"), ("PYRO_SSL", "bad")],
        Err("invalid Pyro environment config variable: PYRO_X"),
    ),
];

#[test]
fn environment_parsing_table() {
    let mut py = python_config();
    for (vars, want) in CASES {
        let got = Config::from_vars(vars.iter().copied());
        match (want, &got) {
            (Ok((item, text)), Ok(config)) => {
                let value = config.get(item).expect("known item");
                assert_eq!(value.to_string(), *text, "{vars:?}");
            }
            (Err(msg), Err(err)) => assert_eq!(err.to_string(), *msg, "{vars:?}"),
            _ => panic!("{vars:?}: want {want:?}, got {got:?}"),
        }
        let Some(py) = py.as_mut() else { continue };
        // The last duplicate wins in an environment; send only what Python's os.environ holds.
        let mut env: Vec<(&str, &str)> = Vec::new();
        for (n, v) in vars.iter() {
            env.retain(|(m, _)| m != n);
            env.push((n, v));
        }
        if env.len() != vars.len() {
            continue;
        }
        let python = ask(py, b'V', &env_payload(&env));
        match got {
            Ok(config) => assert_eq!(python, Ok(item_lines(&config)), "{vars:?}"),
            Err(err) => assert_eq!(python, Err(format!("ValueError: {err}")), "{vars:?}"),
        }
    }
}

/// Values Python takes and pyroxene refuses, on purpose (see the `config` module docs): each
/// with our error, and Python's acceptance of it checked.
#[test]
fn documented_differences() {
    let refused: &[(&str, &str, &str)] = &[
        (
            "PYRO_NS_PORT",
            "99999999999999999999",
            "invalid Pyro environment config value: PYRO_NS_PORT=99999999999999999999",
        ),
        (
            "PYRO_NS_PORT",
            "٩٠٩٠",
            "invalid Pyro environment config value: PYRO_NS_PORT=٩٠٩٠",
        ),
        (
            "PYRO_NS_PORT",
            "70000",
            "invalid Pyro environment config value: PYRO_NS_PORT=70000 \
             (expected a port number, 0 to 65535)",
        ),
        (
            "PYRO_NATPORT",
            "-1",
            "invalid Pyro environment config value: PYRO_NATPORT=-1 \
             (expected a port number, 0 to 65535)",
        ),
        (
            "PYRO_MAX_RETRIES",
            "-2",
            "invalid Pyro environment config value: PYRO_MAX_RETRIES=-2 \
             (expected a count, 0 to 4294967295)",
        ),
        (
            "PYRO_MAX_MESSAGE_SIZE",
            "-1",
            "invalid Pyro environment config value: PYRO_MAX_MESSAGE_SIZE=-1 \
             (expected a size in bytes, at least 1)",
        ),
        (
            "PYRO_MAX_MESSAGE_SIZE",
            "0",
            "invalid Pyro environment config value: PYRO_MAX_MESSAGE_SIZE=0 \
             (expected a size in bytes, at least 1)",
        ),
        (
            "PYRO_COMMTIMEOUT",
            "-Infinity",
            "invalid Pyro environment config value: PYRO_COMMTIMEOUT=-Infinity \
             (expected seconds, 0 or more)",
        ),
        (
            "PYRO_COMMTIMEOUT",
            "NaN",
            "invalid Pyro environment config value: PYRO_COMMTIMEOUT=NaN \
             (expected seconds, 0 or more)",
        ),
        (
            "PYRO_COMMTIMEOUT",
            "-0",
            "invalid Pyro environment config value: PYRO_COMMTIMEOUT=-0 \
             (expected seconds, 0 or more)",
        ),
        (
            "PYRO_POLLTIMEOUT",
            "1e300",
            "invalid Pyro environment config value: PYRO_POLLTIMEOUT=1e300 \
             (expected seconds, 0 or more)",
        ),
        (
            "PYRO_PREFER_IP_VERSION",
            "5",
            "invalid Pyro environment config value: PYRO_PREFER_IP_VERSION=5 \
             (expected 0, 4 or 6)",
        ),
        (
            "PYRO_SERVERTYPE",
            "Thread",
            "invalid Pyro environment config value: PYRO_SERVERTYPE=Thread \
             (expected thread or multiplex)",
        ),
        // Python's proxy raises ValueError("unknown serializer configured") when it is made.
        (
            "PYRO_SERIALIZER",
            "nonsense",
            "unknown serializer configured: PYRO_SERIALIZER=nonsense",
        ),
        (
            "PYRO_SERIALIZER",
            "JSON",
            "unknown serializer configured: PYRO_SERIALIZER=JSON",
        ),
        (
            "PYRO_SERIALIZER",
            "pickle",
            "unknown serializer configured: PYRO_SERIALIZER=pickle",
        ),
    ];
    let mut py = python_config();
    for (name, value, message) in refused {
        let err = Config::from_vars([(name, value)]).expect_err(value);
        assert_eq!(err.to_string(), *message);
        if let Some(py) = py.as_mut() {
            let python = ask(py, b'V', &env_payload(&[(name, value)]));
            assert!(python.is_ok(), "Python takes {name}={value}: {python:?}");
        }
    }
    // Printed as the Rust value holds it: aliases as their level, an empty level as None.
    for (value, ours, pythons) in [("WARN", "WARNING", "WARN"), ("", "None", "")] {
        let config = Config::from_vars([("PYRO_LOGLEVEL", value)]).expect(value);
        assert_eq!(config.get("LOGLEVEL").expect("item").to_string(), ours);
        if let Some(py) = py.as_mut() {
            let lines = ask(py, b'V', &env_payload(&[("PYRO_LOGLEVEL", value)])).expect("python");
            assert!(
                lines.contains(&format!("LOGLEVEL = {pythons}\n")),
                "{lines}"
            );
        }
    }
}

/// Regression (issue 11): a negative MAX_MESSAGE_SIZE made every message "too large", silently;
/// now it is refused where it is read, by every constructor that reads the environment.
#[test]
fn negative_max_message_size_is_refused() {
    for value in ["-1", "0", "-1073741824"] {
        let err = Config::from_vars([("PYRO_MAX_MESSAGE_SIZE", value)]).expect_err(value);
        assert!(
            matches!(&err, ConfigError::OutOfRange { name, .. } if name == "PYRO_MAX_MESSAGE_SIZE"),
            "{err}"
        );
    }
    let mut c = Config::default();
    assert!(c.set("MAX_MESSAGE_SIZE", "-5").is_err());
    assert_eq!(c.max_message_size, 1 << 30, "unchanged on error");
}

/// Regression (issue 11): `PYRO_SERIALIZER=foo` was accepted silently (Python: "unknown
/// serializer configured"); now it is refused with Python's text and the variable.
#[test]
fn unknown_serializer_is_refused_with_pythons_text() {
    let err = Config::from_vars([("PYRO_SERIALIZER", "foo")]).expect_err("foo");
    assert_eq!(
        err,
        ConfigError::UnknownSerializer {
            name: "PYRO_SERIALIZER".into(),
            value: "foo".into()
        }
    );
    assert!(err.to_string().starts_with("unknown serializer configured"));
    for ser in Serializer::ALL {
        let c = Config::from_vars([("PYRO_SERIALIZER", ser.name())]).expect("known");
        assert_eq!(c.serializer, ser);
    }
    // The text Python raises, and where: the proxy constructor, not the config.
    let Some(python) = pyroxene_testkit::python() else {
        return;
    };
    let out = pyroxene_testkit::output_within(
        std::process::Command::new(python)
            .args([
                "-c",
                "import Pyro5.api\ntry:\n    Pyro5.api.Proxy('PYRO:x@localhost:1')\n\
                 except ValueError as e:\n    print(e)",
            ])
            .env_remove("PYRO_HMAC_KEY")
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1")
            .env("PYRO_SERIALIZER", "foo"),
        None,
        pyroxene_testkit::ONE_SHOT_LIMIT,
    )
    .expect("python");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "unknown serializer configured\n"
    );
}

/// Typed fields round-trip through Python's text: every item printed as `pyroxene config`
/// prints it and set back by name gives the same Rust value.
#[test]
fn typed_values_round_trip_through_their_text() {
    let c = Config::from_vars([
        ("PYRO_COMMTIMEOUT", "2.5"),
        ("PYRO_NS_LOOKUP_DELAY", "0.001"),
        ("PYRO_ITER_STREAM_LINGER", "inf"),
        ("PYRO_ITER_STREAM_LIFETIME", "0"),
        ("PYRO_PREFER_IP_VERSION", "4"),
        ("PYRO_SERVERTYPE", "multiplex"),
        ("PYRO_LOGLEVEL", "CRITICAL"),
        ("PYRO_BROADCAST_ADDRS", "127.0.0.1, ::1"),
        ("PYROXENE_PROTOCOL", "4"),
    ])
    .expect("config");
    assert_eq!(c.commtimeout, Some(Duration::from_millis(2500)));
    assert_eq!(c.ns_lookup_delay, Duration::from_millis(1));
    assert_eq!(c.iter_stream_linger, Some(Duration::MAX));
    assert_eq!(c.iter_stream_lifetime, None);
    assert_eq!(c.prefer_ip_version, IpVersion::V4);
    assert_eq!(c.servertype, ServerType::Multiplex);
    assert_eq!(c.loglevel, Some(LogLevel::Critical));
    assert_eq!(
        c.protocol,
        pyroxene::config::Protocol::Fixed(pyroxene::ProtocolVersion::V4)
    );
    let mut back = Config::default();
    for (name, text) in c.items() {
        let text = match c.get(name).expect("item") {
            ConfigValue::None => continue, // unset: nothing to write back
            ConfigValue::List(items) => items.join(","),
            _ => text,
        };
        back.set(name, &text)
            .unwrap_or_else(|e| panic!("{name}={text}: {e}"));
    }
    back.protocol = c.protocol; // not a Pyro item
    assert_eq!(back, c);
    let bad = Config::from_vars([("PYROXENE_PROTOCOL", "6")]).expect_err("protocol");
    assert_eq!(
        bad.to_string(),
        "invalid Pyro environment config value: PYROXENE_PROTOCOL=6"
    );
}

#[test]
fn loglevel_must_name_a_level() {
    for level in [
        "DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL", "NOTSET",
    ] {
        let c = Config::from_vars([("PYRO_LOGLEVEL", level)]).expect(level);
        assert_eq!(c.loglevel, level.parse::<LogLevel>().ok());
    }
    // Checked before anything else, as Pyro5 sets up logging before it reads the config.
    let err = Config::from_vars([("PYRO_X", "1"), ("PYRO_LOGLEVEL", "debug")]).expect_err("x");
    assert_eq!(
        err.to_string(),
        "invalid log level PYRO_LOGLEVEL=debug: use DEBUG, INFO, WARNING, ERROR, CRITICAL \
         (or WARN, FATAL, NOTSET)"
    );
    for level in ["debug", "10", "VERBOSE"] {
        let err = Config::from_vars([("PYRO_LOGLEVEL", level)]).expect_err(level);
        assert!(matches!(err, ConfigError::InvalidLogLevel { .. }), "{err}");
    }
}

#[cfg(unix)]
#[test]
fn non_unicode_environment() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let bad = OsStr::from_bytes(b"\xff");
    let err = Config::from_vars([(OsStr::new("PYRO_HOST"), bad)]).expect_err("value");
    assert_eq!(
        err,
        ConfigError::NotUnicode {
            name: "PYRO_HOST".into()
        }
    );
    let name = OsStr::from_bytes(b"PYRO_\xff");
    let err = Config::from_vars([(name, OsStr::new("1"))]).expect_err("name");
    assert!(matches!(err, ConfigError::UnknownVariable { .. }));
    // Not ours: ignored, whatever the bytes.
    assert!(Config::from_vars([(OsStr::from_bytes(b"X\xff"), bad)]).is_ok());
}

#[test]
fn set_by_name() {
    let mut c = Config::default();
    c.set("COMMTIMEOUT", "2.5").expect("float");
    c.set("MAX_MESSAGE_SIZE", "4096").expect("int");
    c.set("NS_BCHOST", "127.0.0.1").expect("str");
    c.set("BROADCAST_ADDRS", "127.0.0.1, ::1").expect("list");
    assert_eq!(c.commtimeout, Some(Duration::from_millis(2500)));
    assert_eq!(c.max_message_size, 4096);
    assert_eq!(c.ns_bchost.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        c.get("BROADCAST_ADDRS"),
        Some(ConfigValue::List(vec!["127.0.0.1".into(), "::1".into()]))
    );
    assert_eq!(
        c.set("SSL", "sure").map_err(|e| e.to_string()),
        Err("invalid boolean value: SSL=sure".into())
    );
    assert_eq!(
        c.set("COMMTIMEOUT", "x").map_err(|e| e.to_string()),
        Err("invalid Pyro environment config value: COMMTIMEOUT=x".into())
    );
    assert_eq!(
        c.commtimeout,
        Some(Duration::from_millis(2500)),
        "unchanged on error"
    );
    assert_eq!(
        c.set("commtimeout", "1"),
        Err(ConfigError::UnknownItem {
            name: "commtimeout".into()
        })
    );
    for name in Config::ITEM_NAMES {
        assert!(c.get(name).is_some(), "{name}");
    }
}

#[test]
fn scoped_logging_writes_at_the_level() {
    let path =
        std::env::temp_dir().join(format!("pyroxene-config-test-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let mut c = Config::default();
    c.loglevel = Some(LogLevel::Warning);
    c.logfile = path.display().to_string();
    let subscriber = pyroxene::logging::subscriber(&c)
        .expect("open")
        .expect("enabled");
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "pyroxene::test", "not written");
        tracing::warn!(target: "pyroxene::test", port = 9090, "written");
        tracing::error!(target: "pyroxene::test", "also written");
    });
    let text = std::fs::read_to_string(&path).expect("log file");
    let _ = std::fs::remove_file(&path);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    // [YYYY-MM-DD HH:MM:SS.mmm,name,LEVEL] message
    let (stamp, rest) = lines[0].split_at(25);
    assert!(
        stamp.starts_with('[') && stamp.ends_with(',') && stamp.as_bytes()[20] == b'.',
        "{stamp}"
    );
    assert_eq!(rest, "pyroxene::test,WARNING] written port=9090");
    assert!(
        lines[1].ends_with(",pyroxene::test,ERROR] also written"),
        "{}",
        lines[1]
    );

    c.logfile = std::env::temp_dir()
        .join("no-such-dir-pyroxene/x.log")
        .display()
        .to_string();
    assert!(matches!(
        pyroxene::logging::subscriber(&c),
        Err(pyroxene::logging::LogError::OpenFile { .. })
    ));
    assert!(Config::from_vars([("PYRO_LOGLEVEL", "LOUD")]).is_err());
}

proptest::proptest! {
    /// Seconds given with up to 9 decimals (what a person writes) print as Python prints the
    /// float it reads: the `Duration` kept holds them exactly.
    #[test]
    fn seconds_print_as_pythons_float(secs in 0u64..10_000_000_000_000, nanos in 0u32..1_000_000_000, digits in 0usize..=9) {
        let fraction = format!("{nanos:09}");
        let text = if digits == 0 {
            secs.to_string()
        } else {
            format!("{secs}.{}", &fraction[..digits])
        };
        let config = Config::from_vars([("PYRO_POLLTIMEOUT", text.as_str())]).expect("seconds");
        let mut python = String::new();
        pyroxene::wire::repr::write_float_repr(&mut python, text.parse::<f64>().expect("float"));
        proptest::prop_assert_eq!(config.get("POLLTIMEOUT").expect("item").to_string(), python);
    }
}
