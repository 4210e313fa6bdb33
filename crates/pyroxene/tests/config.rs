//! Config: defaults, environment parsing and errors, each compared with what the real Python
//! Pyro5 5.17 makes of the same environment (through `interop/config_env.py`); and scoped
//! logging output.

use pyroxene::Config;
use pyroxene::config::{ConfigError, ConfigValue};
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
    assert_eq!((c.commtimeout, c.polltimeout, c.max_retries), (0.0, 2.0, 0));
    assert_eq!(c.max_message_size, 1_073_741_824);
    assert_eq!((c.threadpool_size, c.threadpool_size_min), (80, 4));
    assert_eq!(c.broadcast_addrs, ["<broadcast>", "0.0.0.0"]); // Pyro5's default value, only parsed here
    assert_eq!(
        (c.serializer.as_str(), c.servertype.as_str()),
        ("serpent", "thread")
    );
    assert!(c.sock_reuse && !c.sock_nodelay && !c.compression && c.iter_streaming);
    assert_eq!((c.iter_stream_lifetime, c.iter_stream_linger), (0.0, 30.0));
    assert_eq!(
        (c.logfile.as_str(), c.loglevel.as_deref()),
        ("pyro5.log", None)
    );
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
    (&[("PYRO_NATPORT", "-1")], Ok(("NATPORT", "-1"))),
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
        &[("PYRO_COMMTIMEOUT", "-Infinity")],
        Ok(("COMMTIMEOUT", "-inf")),
    ),
    (&[("PYRO_COMMTIMEOUT", "NaN")], Ok(("COMMTIMEOUT", "nan"))),
    (&[("PYRO_COMMTIMEOUT", "-0")], Ok(("COMMTIMEOUT", "-0.0"))),
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
    (
        &[("PYRO_SERIALIZER", "nonsense")],
        Ok(("SERIALIZER", "nonsense")),
    ),
    (&[("PYRO_NATHOST", "")], Ok(("NATHOST", ""))),
    (
        &[("PYRO_NS_BCHOST", "0.0.0.0")], // parsing only: nothing binds or sends
        Ok(("NS_BCHOST", "0.0.0.0")),     // parsing only
    ),
    (&[("PYRO_LOGLEVEL", "")], Ok(("LOGLEVEL", ""))),
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

/// Values Python takes and pyroxene refuses, on purpose (see the `config` module docs).
#[test]
fn documented_differences() {
    for (name, value) in [
        ("PYRO_NS_PORT", "99999999999999999999"),
        ("PYRO_NS_PORT", "٩٠٩٠"),
    ] {
        let err = Config::from_vars([(name, value)]).expect_err(value);
        assert!(matches!(err, ConfigError::InvalidValue { .. }), "{err}");
    }
    let Some(mut py) = python_config() else {
        return;
    };
    let lines = ask(&mut py, b'V', &env_payload(&[("PYRO_NS_PORT", "٩٠٩٠")])).expect("python");
    assert!(lines.contains("NS_PORT = 9090"));
}

#[test]
fn loglevel_must_name_a_level() {
    for level in [
        "DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL", "NOTSET",
    ] {
        let c = Config::from_vars([("PYRO_LOGLEVEL", level)]).expect(level);
        assert_eq!(c.loglevel.as_deref(), Some(level));
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
    assert_eq!(c.commtimeout, 2.5);
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
    assert_eq!(c.commtimeout, 2.5, "unchanged on error");
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
    let mut c = Config {
        loglevel: Some("WARNING".into()),
        logfile: path.display().to_string(),
        ..Config::default()
    };
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
    c.loglevel = Some("LOUD".into());
    assert!(matches!(
        pyroxene::logging::subscriber(&c),
        Err(pyroxene::logging::LogError::InvalidLevel(_))
    ));
}
