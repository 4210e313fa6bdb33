//! `logging::init_from_config` installs the process-wide subscriber, so it has this test binary
//! to itself: one test, in order.

use pyroxene::Config;
use pyroxene::config::LogLevel;
use pyroxene::logging::{LogError, LogInit, init_from_config};

#[test]
fn global_logging_from_config() {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("pyroxene-logging-test-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&path);

    // No LOGLEVEL (or an empty one): logging stays off, no file is created.
    let mut c = Config::from_vars([("PYRO_LOGFILE", path.to_str().expect("utf-8 temp dir"))])
        .expect("config");
    assert_eq!(init_from_config(&c).expect("disabled"), LogInit::Disabled);
    let empty = Config::from_vars([("PYRO_LOGLEVEL", "")]).expect("empty level");
    assert_eq!(
        init_from_config(&empty).expect("disabled"),
        LogInit::Disabled
    );
    assert!(!path.exists());

    // Errors install nothing, so a corrected config still works.
    let mut bad = c.clone();
    bad.loglevel = Some(LogLevel::Info);
    bad.logfile = dir.join("no-such-dir-pyroxene/x.log").display().to_string();
    assert!(matches!(
        init_from_config(&bad),
        Err(LogError::OpenFile { .. })
    ));

    assert!(
        !tracing::dispatcher::has_been_set(),
        "nothing installed yet"
    );
    c.loglevel = Some(LogLevel::Info);
    assert_eq!(init_from_config(&c).expect("install"), LogInit::Installed);
    // What `no_global_subscriber.rs` checks stays false while the library runs alone.
    assert!(tracing::dispatcher::has_been_set());
    assert_eq!(
        init_from_config(&c).expect("again"),
        LogInit::AlreadyInstalled
    );
    tracing::debug!("below INFO");
    tracing::info!(target: "pyroxene::daemon", "daemon started");

    let text = std::fs::read_to_string(&path).expect("log file");
    let _ = std::fs::remove_file(&path);
    let messages: Vec<&str> = text
        .lines()
        .map(|l| l.split_once("] ").map_or(l, |(head, _)| &head[25..]))
        .collect();
    assert_eq!(
        messages,
        ["pyroxene,INFO", "pyroxene::daemon,INFO"],
        "{text}"
    );
    assert!(text.starts_with('['), "{text}");
    assert!(
        text.lines()
            .next()
            .expect("line")
            .ends_with("] Pyro log configured using built-in defaults, level=INFO"),
        "{text}"
    );
    assert!(text.contains("] daemon started\n"), "{text}");
}
