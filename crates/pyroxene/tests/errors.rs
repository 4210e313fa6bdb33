//! `pyroxene::Error`: `Display` shows one level ("cannot bind 127.0.0.1:9090"), the typed cause
//! is `source()` (the io::Error, UriError, ConfigError, wire error...), no level repeats the
//! text of its cause, `{:#}` joins the chain, and `Debug` is what `fn main() ->
//! pyroxene::Result<()>` prints after "Error: ": the message and its causes, one per line.
//!
//! Regression (issue 11): lower errors became strings at ~15 `map_err` sites and `Display`
//! repeated the source's text, so a chain printed "Address already in use" three times.

use std::error::Error as _;
use std::net::TcpListener;

use pyroxene::config::ConfigError;
use pyroxene::wire::uri::UriError;
use pyroxene::{Config, Daemon, ErrorKind, Proxy, RemoteException, tuple};

/// Every level of `err`'s chain: its text, and that it doesn't contain its cause's text.
fn levels(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut texts = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if let Some(cause) = e.source() {
            assert!(
                !text.contains(&cause.to_string()),
                "{text:?} repeats its cause {cause}"
            );
        }
        texts.push(text);
        next = e.source();
    }
    texts
}

#[tokio::test]
async fn bind_failure_names_the_address_and_keeps_the_io_error() {
    let held = TcpListener::bind("127.0.0.1:0").expect("hold a port");
    let port = held.local_addr().expect("addr").port();
    let err = Daemon::builder_with(&Config::default())
        .host("127.0.0.1")
        .port(port)
        .bind()
        .await
        .err()
        .expect("the port is taken");
    assert_eq!(err.kind(), ErrorKind::Communication);
    assert_eq!(err.to_string(), format!("cannot bind 127.0.0.1:{port}"));
    let io = err
        .source()
        .and_then(|e| e.downcast_ref::<std::io::Error>())
        .expect("the io::Error itself");
    assert_eq!(io.kind(), std::io::ErrorKind::AddrInUse);
    assert_eq!(levels(&err).len(), 2);
    assert_eq!(
        format!("{err:#}"),
        format!("cannot bind 127.0.0.1:{port}: {io}")
    );
    // What `fn main() -> pyroxene::Result<()>` prints after "Error: ".
    assert_eq!(
        format!("{err:?}"),
        format!("cannot bind 127.0.0.1:{port}\n\nCaused by:\n    {io}")
    );
}

#[tokio::test]
async fn connect_failure_names_the_address() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let proxy = Proxy::with_settings(
        format!("PYRO:x@127.0.0.1:{port}").parse().expect("uri"),
        Default::default(),
    );
    let err = proxy
        .call("x", tuple![], None)
        .await
        .expect_err("nothing listens");
    assert_eq!(err.kind(), ErrorKind::Communication);
    assert_eq!(
        err.to_string(),
        format!("cannot connect to 127.0.0.1:{port}")
    );
    let io = err
        .source()
        .and_then(|e| e.downcast_ref::<std::io::Error>())
        .expect("io source");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    let io = io.to_string();
    // A method that lets it through with `?` raises Pyro's CommunicationError with the
    // cause in the text, as Python's does ("cannot connect to ...: [Errno 111] ...").
    let raised = RemoteException::from(err);
    assert_eq!(raised.class, "Pyro5.errors.CommunicationError");
    assert_eq!(
        raised.message(),
        format!("cannot connect to 127.0.0.1:{port}: {io}")
    );
}

#[tokio::test]
async fn a_chain_of_three_is_numbered() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let err = pyroxene::naming::locate_ns_with(&Config::default(), Some("127.0.0.1"), Some(port))
        .await
        .err()
        .expect("no name server");
    assert_eq!(err.kind(), ErrorKind::Naming);
    let texts = levels(&err);
    assert_eq!(
        texts[..2],
        [
            "Failed to locate the nameserver".to_owned(),
            format!("cannot connect to 127.0.0.1:{port}"),
        ]
    );
    assert_eq!(texts.len(), 3);
    assert_eq!(
        format!("{err:?}"),
        format!(
            "Failed to locate the nameserver\n\nCaused by:\n    0: {}\n    1: {}",
            texts[1], texts[2]
        )
    );
}

#[test]
fn typed_sources_not_strings() {
    let err = Proxy::new("PYRO:no-location").expect_err("invalid");
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(err.to_string(), "invalid URI 'PYRO:no-location'");
    assert!(err.source().is_some_and(|e| e.is::<UriError>()));
    levels(&err);

    let refused = ConfigError::UnknownSerializer {
        name: "PYRO_SERIALIZER".into(),
        value: "foo".into(),
    };
    let err = pyroxene::Error::from(refused.clone());
    assert_eq!(err.to_string(), "invalid configuration");
    assert_eq!(
        err.source().and_then(|e| e.downcast_ref::<ConfigError>()),
        Some(&refused)
    );

    let wire = pyroxene::from_value::<i64>(pyroxene::Value::from("x")).expect_err("type");
    let err = pyroxene::Error::from(wire.clone());
    assert_eq!(err.kind(), ErrorKind::Serialize);
    assert_eq!(err.to_string(), "serialization error");
    assert_eq!(
        err.source()
            .and_then(|e| e.downcast_ref::<pyroxene::wire::Error>()),
        Some(&wire)
    );
    levels(&err);
}

#[test]
fn remote_exceptions_show_class_and_text_and_their_traceback() {
    let mut raised = RemoteException::new("builtins.ValueError", "no");
    raised.traceback = Some(vec![
        "Traceback (most recent call last):\n".into(),
        "ValueError: no\n".into(),
    ]);
    let err = pyroxene::Error::from(raised.clone());
    assert!(err.is_remote());
    assert_eq!(err.to_string(), "builtins.ValueError: no");
    assert!(err.source().is_none());
    assert_eq!(err.remote(), Some(&raised));
    assert_eq!(
        format!("{err:?}"),
        "builtins.ValueError: no\n\nRemote traceback:\nTraceback (most recent call last):\nValueError: no\n"
    );
    // `{:#?}` is the struct, for when the fields are wanted.
    assert!(format!("{err:#?}").starts_with("Error {\n    kind: Remote,"));
}
