//! The name server client against the real Python Pyro5 5.17 name server: locate_ns (given
//! host, unix socket, localhost step, UDP broadcast to 127.0.0.1 only), every typed
//! `NameServer` method with every serializer, and PYRONAME/PYROMETA proxies that call a Python
//! echo server and follow it when it restarts on another port.

use std::net::TcpListener;

use pyroxene::client::ProxySettings;
use pyroxene::naming::{
    self, ListFilter, MetaFilter, NameServer, RegisterOptions, Remove, locate_ns_with, resolve_with,
};
use pyroxene::{Config, ErrorKind, Proxy, Serializer, Uri, tuple};
use pyroxene_testkit::{PythonProcess, python};

/// Test settings: discovery may only ever broadcast to 127.0.0.1.
fn config() -> Config {
    let mut config = Config::default();
    config.broadcast_addrs = vec!["127.0.0.1".to_owned()];
    config.ns_host = "127.0.0.1".to_owned();
    config
}

/// A proxy with the test settings (no environment read).
fn proxy_for(uri: String) -> Proxy {
    Proxy::with_settings(
        uri.parse().expect("uri"),
        ProxySettings::from_config(&config()),
    )
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// `python -m Pyro5.nameserver -n 127.0.0.1 -p 0 -x` and its URI.
fn python_ns(py: &std::path::Path) -> (PythonProcess, Uri) {
    let mut ns = PythonProcess::spawn(
        py,
        &["-m", "Pyro5.nameserver", "-n", "127.0.0.1", "-p", "0", "-x"],
        &[("PYTHONHASHSEED", "0")],
    )
    .expect("start python name server");
    let uri = ns.wait_for_line("URI =").expect("URI line");
    (ns, Uri::parse(&uri).expect("ns uri"))
}

/// Pyro5's echo server registering itself (`-n`) in the name server at `ns_port`.
fn python_echo(py: &std::path::Path, ns_port: u16) -> (PythonProcess, Uri) {
    let port = ns_port.to_string();
    let mut echo = PythonProcess::spawn(
        py,
        &[
            "-m",
            "Pyro5.utils.echoserver",
            "-H",
            "127.0.0.1",
            "-p",
            "0",
            "-n",
        ],
        &[("PYRO_NS_HOST", "127.0.0.1"), ("PYRO_NS_PORT", &port)],
    )
    .expect("start python echo server");
    let uri = echo.wait_for_line("echo uri:").expect("echo uri line");
    (echo, Uri::parse(&uri).expect("echo uri"))
}

async fn locate(ns_uri: &Uri) -> NameServer {
    locate_ns_with(&config(), ns_uri.host(), ns_uri.port())
        .await
        .expect("locate the name server")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_client_every_method_and_error() {
    let Some(py) = python() else { return };
    let (_server, ns_uri) = python_ns(&py);
    let ns = locate(&ns_uri).await;
    assert_eq!(ns.proxy().uri(), &ns_uri);
    ns.ping().await.expect("ping");
    assert_eq!(
        ns.count().await.expect("count"),
        1,
        "a fresh NS holds itself"
    );

    ns.register("x.one", "PYRO:obj1@127.0.0.1:5001")
        .await
        .expect("register");
    // Python keeps the text as registered: the lowercase scheme survives in listings.
    let safe_tagged = RegisterOptions::new().safe().metadata(["t:a", "t:b"]);
    ns.register_with("x.two", "pyro:obj2@127.0.0.1:5002", safe_tagged)
        .await
        .expect("register safe with metadata");
    let dup = ns
        .register_with("x.two", "PYRO:other@h:1", RegisterOptions::new().safe())
        .await
        .expect_err("safe register of an existing name");
    assert!(dup.is_naming_error(), "{dup}");
    let remote = dup.remote().expect("remote");
    assert_eq!(remote.class, "Pyro5.errors.NamingError");
    assert_eq!(
        dup.to_string(),
        "NamingError: name already registered: x.two"
    );
    let bad = ns.register("bad", "nouri").await.expect_err("invalid uri");
    assert_eq!(
        bad.remote()
            .map(|r| r.class.class_name(pyroxene::ProtocolVersion::V5)),
        Some("Pyro5.errors.PyroError")
    );
    assert!(!bad.is_naming_error());

    let missing = ns.lookup("nope").await.expect_err("unknown name");
    assert!(missing.is_naming_error());
    assert_eq!(missing.message(), "NamingError: unknown name: nope");
    let meta_err = ns.set_metadata("nope", ["x"]).await.expect_err("unknown");
    assert!(meta_err.is_naming_error());
    let regex_err = ns
        .list(ListFilter::Regex("("))
        .await
        .expect_err("bad regex");
    assert!(regex_err.is_naming_error(), "{regex_err}");
    assert!(
        regex_err.message().contains("invalid regex: "),
        "{regex_err}"
    );

    for ser in Serializer::ALL {
        let ns = NameServer::new(
            Proxy::from_uri(ns_uri.clone())
                .expect("proxy")
                .with_serializer(ser),
        );
        let what = ser.name();
        assert_eq!(ns.count().await.expect("count"), 3, "{what}");
        assert_eq!(
            ns.lookup("x.one").await.expect("lookup"),
            Uri::pyro("obj1", "127.0.0.1", 5001),
            "{what}"
        );
        if ser == Serializer::Marshal {
            // Python's marshal serializer can't send a URI inside a tuple: a fact of Pyro5.
            let err = ns.lookup_with_metadata("x.two").await.expect_err("marshal");
            assert_eq!(
                err.to_string(),
                "builtins.ValueError: unmarshallable object"
            );
        } else {
            let (uri, tags) = ns.lookup_with_metadata("x.two").await.expect("lookup meta");
            assert_eq!(uri, Uri::pyro("obj2", "127.0.0.1", 5002), "{what}");
            assert_eq!(sorted(&tags), ["t:a", "t:b"], "{what}");
            let (_, none) = ns.lookup_with_metadata("x.one").await.expect("lookup meta");
            assert!(none.is_empty(), "{what}: {none:?}");
        }

        let all = ns.list(ListFilter::All).await.expect("list");
        let names: Vec<&str> = all.keys().map(String::as_str).collect();
        assert_eq!(names, ["Pyro.NameServer", "x.one", "x.two"], "{what}");
        assert_eq!(all["Pyro.NameServer"], ns_uri, "{what}");
        let prefixed = ns
            .list(ListFilter::Prefix("x."))
            .await
            .expect("list prefix");
        assert_eq!(prefixed.len(), 2, "{what}");
        let matched = ns
            .list(ListFilter::Regex(r"x\.t"))
            .await
            .expect("list regex");
        assert_eq!(matched.keys().collect::<Vec<_>>(), ["x.two"], "{what}");

        let listed = ns
            .list_with_metadata(ListFilter::Regex(r"x\.t"))
            .await
            .expect("list meta");
        assert_eq!(listed["x.two"].text, "pyro:obj2@127.0.0.1:5002", "{what}");
        assert_eq!(listed["x.two"].uri, Uri::pyro("obj2", "127.0.0.1", 5002));
        assert_eq!(sorted(&listed["x.two"].metadata), ["t:a", "t:b"], "{what}");
        let with_empty = ns.list_with_metadata(ListFilter::Prefix("x.")).await;
        if matches!(ser, Serializer::Json | Serializer::Msgpack) {
            // Python's json and msgpack serializers can't send the frozenset() of an entry
            // without metadata: a fact of Pyro5 (nsc uses serpent).
            let err = with_empty.expect_err("json/msgpack");
            assert_eq!(
                err.remote()
                    .map(|r| r.class.class_name(pyroxene::ProtocolVersion::V5)),
                Some("Pyro5.errors.SerializeError")
            );
            // ...after which the Python daemon closes that connection.
            ns.proxy().release();
        } else {
            assert!(
                with_empty.expect("list")["x.one"].metadata.is_empty(),
                "{what}"
            );
        }
        let ns_entry = ns
            .list_with_metadata(ListFilter::Regex("Pyro"))
            .await
            .expect("list");
        assert_eq!(
            sorted(&ns_entry["Pyro.NameServer"].metadata),
            ["class:Pyro5.nameserver.NameServer"]
        );

        let yp_all = ns
            .yplookup(&MetaFilter::all(["t:a", "t:b"]))
            .await
            .expect("yplookup all");
        assert_eq!(yp_all.keys().collect::<Vec<_>>(), ["x.two"], "{what}");
        let yp_any = ns
            .yplookup(&MetaFilter::any(["t:b", "zzz"]))
            .await
            .expect("yplookup any");
        assert_eq!(yp_any.keys().collect::<Vec<_>>(), ["x.two"], "{what}");
        assert!(
            ns.yplookup(&MetaFilter::all(["t:a", "zzz"]))
                .await
                .expect("none")
                .is_empty()
        );
        assert!(
            ns.yplookup(&MetaFilter::any(Vec::<String>::new()))
                .await
                .expect("no filter")
                .is_empty()
        );
        let uris = ns
            .yplookup_uris(&MetaFilter::all(["t:a"]))
            .await
            .expect("uris");
        assert_eq!(
            uris["x.two"],
            Uri::pyro("obj2", "127.0.0.1", 5002),
            "{what}"
        );
    }

    ns.set_metadata("x.one", ["m:1"])
        .await
        .expect("set metadata");
    let (_, tags) = ns.lookup_with_metadata("x.one").await.expect("lookup");
    assert_eq!(sorted(&tags), ["m:1"]);
    ns.set_metadata("x.one", Vec::<String>::new())
        .await
        .expect("clear metadata");
    assert!(
        ns.lookup_with_metadata("x.one")
            .await
            .expect("lookup")
            .1
            .is_empty()
    );

    assert_eq!(ns.remove(Remove::Name("x.one")).await.expect("remove"), 1);
    assert_eq!(ns.remove(Remove::Name("x.one")).await.expect("remove"), 0);
    for name in ["p.a", "p.b", "q.a"] {
        ns.register(name, "PYRO:o@h:1").await.expect("register");
    }
    assert_eq!(ns.remove(Remove::Prefix("p.")).await.expect("by prefix"), 2);
    assert_eq!(
        ns.remove(Remove::Regex(r".*\.a")).await.expect("by regex"),
        1
    );
    // The name server's own entry is never removed.
    assert_eq!(ns.remove(Remove::Regex(".*")).await.expect("all"), 1);
    assert_eq!(ns.count().await.expect("count"), 1);
    assert!(
        ns.remove(Remove::Regex("("))
            .await
            .expect_err("bad regex")
            .is_naming_error()
    );
}

fn sorted(tags: &naming::TagSet) -> Vec<&str> {
    let mut v: Vec<&str> = tags.iter().map(String::as_str).collect();
    v.sort_unstable();
    v
}

#[test]
fn blocking_client_locates_and_looks_up() {
    let Some(py) = python() else { return };
    let (_server, ns_uri) = python_ns(&py);
    let ns =
        naming::blocking::locate_ns_with(&config(), ns_uri.host(), ns_uri.port()).expect("locate");
    ns.ping().expect("ping");
    ns.register_with(
        "b.one",
        "PYRO:o@h:1",
        RegisterOptions::new().metadata(["tag"]),
    )
    .expect("register");
    assert_eq!(ns.lookup("b.one").expect("lookup"), Uri::pyro("o", "h", 1));
    assert_eq!(ns.count().expect("count"), 2);
    let resolved = naming::blocking::resolve_with(
        &Uri::pyroname("b.one", Some(("127.0.0.1", ns_uri.port().unwrap_or(0)))),
        &config(),
    )
    .expect("resolve");
    assert_eq!(resolved, Uri::pyro("o", "h", 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locate_ns_given_host_localhost_step_and_failure() {
    let Some(py) = python() else { return };
    let (_server, ns_uri) = python_ns(&py);
    let port = ns_uri.port().expect("port");

    let ns = locate(&ns_uri).await;
    assert_eq!(ns.proxy().uri(), &ns_uri);

    // No host: NS_HOST is 127.0.0.1, so the direct localhost step finds it at NS_PORT.
    let mut cfg = config();
    cfg.ns_port = port;
    let ns = locate_ns_with(&cfg, None, None)
        .await
        .expect("localhost step");
    assert_eq!(ns.proxy().uri(), &ns_uri);
    // ...and at a given port, with an empty host counting as none.
    let ns = locate_ns_with(&config(), Some(""), Some(port))
        .await
        .expect("port");
    ns.ping().await.expect("ping");

    let err = locate_ns_with(&config(), Some("127.0.0.1"), Some(closed_port()))
        .await
        .err()
        .expect("nothing listens there");
    assert_eq!(err.kind(), ErrorKind::Naming);
    assert_eq!(err.to_string(), "Failed to locate the nameserver");
    assert!(err.is_naming_error());
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locate_ns_on_a_unix_socket() {
    let Some(py) = python() else { return };
    let dir = std::env::temp_dir().join(format!("pyroxene-ns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("ns.sock");
    let _ = std::fs::remove_file(&path);
    let path_text = path.to_string_lossy().into_owned();
    let mut server = PythonProcess::spawn(
        &py,
        &["-m", "Pyro5.nameserver", "-u", &path_text, "-x"],
        &[],
    )
    .expect("start python name server");
    let uri = server.wait_for_line("URI =").expect("URI line");
    let ns = locate_ns_with(&config(), Some(&format!("./u:{path_text}")), None)
        .await
        .expect("locate on the unix socket");
    assert_eq!(ns.proxy().uri().to_string(), uri);
    assert_eq!(ns.count().await.expect("count"), 1);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locate_ns_by_broadcast_to_127_0_0_1() {
    let Some(py) = python() else { return };
    let mut server = PythonProcess::spawn(&py, &["interop/pyro5_ns_broadcast.py"], &[])
        .expect("start python name server with broadcast responder");
    let ns_uri = Uri::parse(&server.wait_for_line("NS URI =").expect("uri")).expect("uri");
    let bcport: u16 = server
        .wait_for_line("BC PORT =")
        .expect("bc port")
        .parse()
        .expect("port number");

    // NS_HOST not local, so the localhost step is skipped; the NS_HOST fallback would fail
    // (nothing at NS_PORT): only the broadcast reply can find it.
    let mut cfg = config();
    cfg.ns_host = "0.0.0.0".to_owned();
    cfg.ns_port = closed_port();
    cfg.ns_bcport = bcport;
    assert_eq!(cfg.broadcast_addrs, ["127.0.0.1"]);
    let ns = locate_ns_with(&cfg, None, None)
        .await
        .expect("broadcast locate");
    assert_eq!(ns.proxy().uri(), &ns_uri);
    ns.ping().await.expect("ping");

    // Without a host, a given port is the broadcast port (nsc's "-p ... or bc-port").
    let mut cfg2 = cfg.clone();
    cfg2.ns_bcport = closed_port();
    let ns = locate_ns_with(&cfg2, None, Some(bcport))
        .await
        .expect("bc port");
    assert_eq!(ns.proxy().uri(), &ns_uri);

    // No responder at all: three rounds unanswered, then the NS_HOST fallback fails.
    drop(server);
    let err = locate_ns_with(&cfg, None, None)
        .await
        .err()
        .expect("not found");
    assert_eq!(err.kind(), ErrorKind::Naming, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyroname_and_pyrometa_proxies_call_and_follow_a_restarted_server() {
    let Some(py) = python() else { return };
    let (_server, ns_uri) = python_ns(&py);
    let ns_port = ns_uri.port().expect("port");
    let ns = locate(&ns_uri).await;
    let (echo, echo_uri) = python_echo(&py, ns_port);
    assert_eq!(
        ns.lookup("test.echoserver").await.expect("registered"),
        echo_uri
    );
    // A second name for the same object: the call must name the object id, not the name.
    let tags = RegisterOptions::new().metadata(["class:echo", "floor:2"]);
    ns.register_with("alias.echo", &echo_uri, tags)
        .await
        .expect("register alias");

    let at = format!("@127.0.0.1:{ns_port}");
    let by_name = proxy_for(format!("PYRONAME:alias.echo{at}"));
    assert_eq!(by_name.resolved_uri(), None, "lazy: nothing resolved yet");
    let said: String = by_name.call_as("echo", ("by name",)).await.expect("call");
    assert_eq!(said, "by name");
    assert_eq!(by_name.resolved_uri(), Some(echo_uri.clone()));
    assert_eq!(
        by_name.uri().to_string(),
        format!("PYRONAME:alias.echo{at}")
    );

    let by_meta = proxy_for(format!("PYROMETA:class:echo,floor:2{at}"));
    let said: String = by_meta.call_as("echo", ("by meta",)).await.expect("call");
    assert_eq!(said, "by meta");
    assert_eq!(by_meta.resolved_uri(), Some(echo_uri.clone()));

    let resolved = resolve_with(
        &Uri::parse(&format!("PYRONAME:alias.echo{at}")).expect("u"),
        &config(),
    )
    .await
    .expect("resolve");
    assert_eq!(resolved, echo_uri);
    assert_eq!(
        resolve_with(&echo_uri, &config()).await.expect("same"),
        echo_uri
    );

    let unknown = Proxy::new(format!("PYRONAME:no.such{at}")).expect("uri");
    let err = unknown
        .call("echo", tuple![1], None)
        .await
        .expect_err("unknown");
    assert!(err.is_naming_error(), "{err}");
    let nometa = Proxy::new(format!("PYROMETA:nope{at}")).expect("uri");
    let err = nometa
        .call("echo", tuple![1], None)
        .await
        .expect_err("no match");
    assert_eq!(err.kind(), ErrorKind::Naming);
    assert_eq!(
        err.to_string(),
        "no registrations available with desired metadata properties {'nope'}"
    );

    // The server restarts on a new port and re-registers its name; proxies follow it once
    // their old connection fails (Python's proxy re-resolves on reconnect too).
    let retrying = proxy_for(format!("PYRONAME:test.echoserver{at}")).with_max_retries(1);
    retrying.connect().await.expect("connect");
    drop(echo);
    let (_echo2, echo_uri2) = python_echo(&py, ns_port);
    assert_ne!(echo_uri2.port(), echo_uri.port());
    ns.register("alias.echo", &echo_uri2)
        .await
        .expect("re-register alias");

    let said: String = retrying.call_as("echo", ("again",)).await.expect("retried");
    assert_eq!(said, "again");
    assert_eq!(retrying.resolved_uri(), Some(echo_uri2.clone()));

    // Without retries the first call may fail with the dead connection; a later one works.
    let mut answer = None;
    for _ in 0..3 {
        match by_name.call_as::<String>("echo", ("after restart",)).await {
            Ok(said) => {
                answer = Some(said);
                break;
            }
            Err(e) => assert!(e.is_communication(), "{e}"),
        }
    }
    assert_eq!(answer.as_deref(), Some("after restart"));
    assert_eq!(by_name.resolved_uri(), Some(echo_uri2));
}
