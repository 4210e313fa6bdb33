//! The gateway in front of a network: bounded requests, clear 400s, backend failures answered
//! with JSON while other requests go on, the name server coming back, the expose regex before
//! any lookup; and the speed mechanisms' behaviour (connections reused, names cached, a moved
//! object followed at once).

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a failed fixture is a failed test

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pyroxene::echo::EchoServer;
use pyroxene::{Daemon, Uri};
use pyroxene_ns::{NameServerDaemon, NsOptions};
use pyroxene_testkit::PythonProcess;
use support::{
    Backends, EXPOSE_ALL_TEST, HttpResponse, config, get, pyro_config, request, send_raw,
    start_gateway,
};
use tokio::net::{TcpListener, TcpStream};

fn exception(r: &HttpResponse) -> (String, String) {
    let v = pyroxene::wire::serializer::json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.text()));
    let class = v.get("__class__").unwrap().as_str().unwrap().to_owned();
    let message = v.get("args").unwrap().as_seq().unwrap()[0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (class, message)
}

fn assert_json_error(r: &HttpResponse, status: u16, class: &str, message_start: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let (c, m) = exception(r);
    assert_eq!(c, class, "{m}");
    assert!(
        m.starts_with(message_start),
        "{m:?} doesn't start with {message_start:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_header_and_parameter_limits() {
    let backends = Backends::rust().await;
    let mut cfg = config(backends.ns_port, EXPOSE_ALL_TEST, None);
    cfg.limits.max_body = 1000;
    cfg.limits.max_header_bytes = 16 << 10;
    cfg.limits.max_params = 10;
    let gw = start_gateway(cfg).await;
    let json = [("Content-Type", "application/json")];
    let path = "/pyro/test.echoserver/echo";

    // A declared length over the limit is refused before the body is read...
    let big = format!(r#"{{"args": ["{}"]}}"#, "x".repeat(2000));
    let r = request(gw.addr, "POST", path, &json, Some(big.as_bytes())).await;
    assert_json_error(
        &r,
        413,
        "builtins.ValueError",
        "request body too large (at most 1000 bytes)",
    );
    // ...an absurd one too...
    let raw = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 99999999999999\r\n\r\n{{}}"
    );
    assert_eq!(send_raw(gw.addr, raw.as_bytes()).await.status, 413);
    // ...and a chunked body stops being read at the limit.
    let mut raw = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    for _ in 0..3 {
        raw.push_str(&format!("1f4\r\n{}\r\n", "y".repeat(500)));
    }
    raw.push_str("0\r\n\r\n");
    let r = send_raw(gw.addr, raw.as_bytes()).await;
    assert_json_error(&r, 413, "builtins.ValueError", "request body too large");
    // Within the limit, typed arguments work.
    let r = request(
        gw.addr,
        "POST",
        path,
        &json,
        Some(br#"{"args": [[1, 2.5, "three"]]}"#),
    )
    .await;
    assert_eq!((r.status, r.text().as_str()), (200, r#"[1, 2.5, "three"]"#));

    // A request head over the limit: hyper answers 431 and closes; the gateway goes on.
    let raw = format!(
        "GET /pyro/test.echoserver/echo?message=x HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "h".repeat(64 << 10)
    );
    assert_eq!(send_raw(gw.addr, raw.as_bytes()).await.status, 431);

    // Parameters: 10 pass, 11 are refused, whatever their names.
    let many = |n: usize| {
        (0..n)
            .map(|i| format!("p{i}=v"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let r = get(
        gw.addr,
        &format!("/pyro/test.echoserver/echo?message=x&{}", many(9)),
    )
    .await;
    assert_json_error(&r, 500, "builtins.TypeError", ""); // reached the echo server: too many kwargs
    let r = get(
        gw.addr,
        &format!("/pyro/test.echoserver/echo?message=x&{}", many(10)),
    )
    .await;
    assert_json_error(
        &r,
        400,
        "builtins.ValueError",
        "too many parameters (at most 10)",
    );
    let r = get(
        gw.addr,
        &format!("/pyro/test.echoserver/echo?{}", ["message=1"; 11].join("&")),
    )
    .await;
    assert_json_error(&r, 400, "builtins.ValueError", "too many parameters");
    assert_eq!(
        get(gw.addr, "/pyro/test.echoserver/echo?message=still")
            .await
            .text(),
        r#""still""#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_400_with_a_json_error() {
    let backends = Backends::rust().await;
    let gw = start_gateway(config(backends.ns_port, EXPOSE_ALL_TEST, None)).await;
    let path = "/pyro/test.echoserver/echo";
    let json = [("Content-Type", "application/json")];
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let deep = "[".repeat(5000);
    type Case<'a> = (&'a [(&'a str, &'a str)], Vec<u8>, &'a str);
    let cases: Vec<Case> = vec![
        (&json, b"{".to_vec(), "invalid JSON body: "),
        (&json, b"\xff\xfe".to_vec(), "invalid JSON body: "),
        (&json, b"[1, 2]".to_vec(), "the JSON body must be an object"),
        (
            &json,
            br#"{"args": "x"}"#.to_vec(),
            "\"args\" must be a JSON array",
        ),
        (
            &json,
            br#"{"args": [], "x": 1}"#.to_vec(),
            "unexpected key 'x'",
        ),
        (&json, deep.into_bytes(), "invalid JSON body: "),
        (
            &form,
            b"message=%ff".to_vec(),
            "invalid UTF-8 in the form body",
        ),
    ];
    for (headers, body, message) in cases {
        let r = request(gw.addr, "POST", path, headers, Some(&body)).await;
        assert_json_error(&r, 400, "builtins.ValueError", message);
    }
    let r = get(gw.addr, "/pyro/test.echoserver/echo?message=%e9").await;
    assert_json_error(
        &r,
        400,
        "builtins.ValueError",
        "invalid UTF-8 in the query string",
    );
    let r = get(gw.addr, "/pyro/test.%ff/echo").await;
    assert_json_error(&r, 400, "builtins.ValueError", "invalid UTF-8 in the path");
    // Not HTTP at all: hyper's 400, no panic, and the gateway goes on.
    assert_eq!(
        send_raw(gw.addr, b"\x00\x01garbage\r\n\r\n").await.status,
        400
    );
    assert_eq!(
        get(gw.addr, "/pyro/test.echoserver/echo?message=ok")
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expose_regex_is_applied_before_any_lookup() {
    // No name server anywhere: any lookup would be a 500 NamingError after a search.
    let free = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let gw = start_gateway(config(port, pyroxene_gateway::DEFAULT_EXPOSE, None)).await;
    let started = Instant::now();
    for path in [
        "/pyro/test.echoserver/echo?message=x",
        "/pyro/Pyro.NameServer/list",
        "/pyro/Pyro.NameServer/$meta",
        "/pyro/xhttp.echoserver/echo",
    ] {
        let r = get(gw.addr, path).await;
        assert_eq!(
            (r.status, r.text().as_str()),
            (
                403,
                "403 Forbidden - access to the requested object has been denied"
            ),
            "{path}"
        );
    }
    // At once: a name server search (broadcast rounds) takes seconds.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let r = get(gw.addr, "/pyro/http.echoserver/echo?message=x").await;
    assert_json_error(
        &r,
        500,
        "Pyro5.errors.NamingError",
        "Failed to locate the nameserver",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_timeout() {
    let backends = Backends::rust().await;
    let mut cfg = config(backends.ns_port, EXPOSE_ALL_TEST, None);
    cfg.timeout = Some(Duration::from_millis(300));
    let gw = start_gateway(cfg).await;
    let r = get(gw.addr, "/pyro/test.echoserver/slow").await;
    assert_json_error(&r, 500, "Pyro5.errors.TimeoutError", "receiving: timeout");
    assert_eq!(
        get(gw.addr, "/pyro/test.echoserver/echo?message=after")
            .await
            .status,
        200
    );
}

/// Python's echo server is killed (by pid) while it runs `slow`: that request gets a JSON
/// error, other objects keep answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_killed_mid_call() {
    let Some(python) = support::python() else {
        return;
    };
    let backends = Backends::rust().await;
    let env = support::ns_env(backends.ns_port);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut doomed = PythonProcess::spawn(
        &python,
        &["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-v"],
        &env,
    )
    .unwrap();
    let uri: Uri = doomed.wait_for_line("echo uri:").unwrap().parse().unwrap();
    let ns = backends.nameserver().await;
    ns.register("test.doomed", &uri).await.unwrap();
    let gw = start_gateway(config(backends.ns_port, EXPOSE_ALL_TEST, None)).await;
    let addr = gw.addr;
    // Calls to another object all along, before, during and after the death (bounded in
    // count and time): every one is answered.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let others = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut answers = Vec::new();
            while !stop.load(Ordering::SeqCst) && answers.len() < 10_000 {
                assert!(Instant::now() < deadline, "the death never came");
                let r = get(addr, "/pyro/test.echoserver/echo?message=during").await;
                answers.push((r.status, r.text()));
            }
            answers
        })
    };
    let call = tokio::spawn(async move { get(addr, "/pyro/test.doomed/slow").await });
    // The call is in the echo server when it says so; then it dies.
    for _ in 0..50 {
        if doomed.wait_for_line("").unwrap().contains("slow: waiting") {
            break;
        }
    }
    drop(doomed);
    let r = call.await.unwrap();
    assert_eq!(r.status, 500, "{}", r.text());
    let (class, _) = exception(&r);
    assert!(
        [
            "Pyro5.errors.ConnectionClosedError",
            "Pyro5.errors.CommunicationError"
        ]
        .contains(&class.as_str()),
        "{class}"
    );
    stop.store(true, Ordering::SeqCst);
    let answers = others.await.unwrap();
    assert!(!answers.is_empty());
    for answer in &answers {
        assert_eq!(answer, &(200, r#""during""#.to_owned()));
    }
    // Others are served; the dead one answers a JSON error at once.
    assert_eq!(
        get(addr, "/pyro/test.echoserver/echo?message=alive")
            .await
            .text(),
        r#""alive""#
    );
    let r = get(addr, "/pyro/test.doomed/echo?message=x").await;
    assert_json_error(&r, 500, "Pyro5.errors.CommunicationError", "");
}

/// A name server on a fixed port, ours, in process.
async fn nameserver_on(port: u16) -> NameServerDaemon {
    let mut options = NsOptions::from_config(&pyro_config(port));
    options.host = "127.0.0.1".into();
    options.port = port;
    NameServerDaemon::start(options).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_name_server_goes_away_and_comes_back() {
    let backends = Backends::rust().await; // the echo server (its own name server unused)
    let free = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let ns = nameserver_on(port).await;
    let ns_daemon = ns.daemon.clone();
    let serving = tokio::spawn(async move { ns.serve().await });
    let register = |port| {
        let uri = backends.echo_uri.clone();
        async move {
            let ns =
                pyroxene::naming::locate_ns_with(&pyro_config(port), Some("127.0.0.1"), Some(port))
                    .await
                    .unwrap();
            ns.register("test.echoserver", &uri).await.unwrap();
        }
    };
    register(port).await;
    let mut cfg = config(port, EXPOSE_ALL_TEST, None);
    cfg.name_ttl = Duration::ZERO; // every request asks the name server
    let gw = start_gateway(cfg).await;
    assert_eq!(
        get(gw.addr, "/pyro/test.echoserver/echo?message=1")
            .await
            .status,
        200
    );

    // Gone as a killed process is: every handle dropped, so the port is closed (a daemon
    // that is only shut down keeps its listening socket while a handle lives).
    ns_daemon.shutdown();
    let _ = serving.await;
    drop(ns_daemon);
    let r = get(gw.addr, "/pyro/test.echoserver/echo?message=2").await;
    assert_eq!(r.status, 500, "{}", r.text());
    assert_eq!(exception(&r).0, "Pyro5.errors.NamingError");

    let ns = nameserver_on(port).await;
    let ns_daemon = ns.daemon.clone();
    tokio::spawn(async move { ns.serve().await });
    register(port).await;
    // The gateway finds it again by itself (after its short back-off), within the deadline.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = get(gw.addr, "/pyro/test.echoserver/echo?message=3").await;
        if r.status == 200 {
            assert_eq!(r.text(), r#""3""#);
            break;
        }
        assert!(Instant::now() < deadline, "not recovered: {}", r.text());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    ns_daemon.shutdown();
}

/// A TCP relay in front of `target` that counts the connections it accepts; aborting its
/// task closes the port and every relayed connection (an object that went away).
async fn counting_relay(
    target: std::net::SocketAddr,
) -> (u16, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let task = tokio::spawn(async move {
        let mut relays = tokio::task::JoinSet::new();
        while let Ok((mut inbound, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            relays.spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (port, count, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_pooled_names_cached_and_a_moved_object_followed() {
    let backends = Backends::rust().await;
    let echo = backends.echo_uri.clone();
    let target = format!("{}:{}", echo.host().unwrap(), echo.port().unwrap())
        .parse()
        .unwrap();
    let (relay_port, accepted, first_relay) = counting_relay(target).await;
    let relayed: Uri = format!("PYRO:test.echoserver@127.0.0.1:{relay_port}")
        .parse()
        .unwrap();
    let ns = backends.nameserver().await;
    ns.register("test.moving", &relayed).await.unwrap();
    let mut cfg = config(backends.ns_port, EXPOSE_ALL_TEST, None);
    cfg.name_ttl = Duration::from_secs(600);
    let gw = start_gateway(cfg).await;
    for i in 0..50 {
        let r = get(gw.addr, &format!("/pyro/test.moving/echo?message={i}")).await;
        assert_eq!(r.text(), format!("\"{i}\""));
    }
    // 50 sequential calls, one connection to the object (Python's gateway: 50).
    assert_eq!(accepted.load(Ordering::SeqCst), 1);

    // A new registration is not seen while the cached one works (TTL 600 s)...
    let second = Daemon::builder_with(&pyro_config(backends.ns_port))
        .host("127.0.0.1")
        .port(0)
        .bind()
        .await
        .unwrap();
    let second_uri = second
        .register_with_id(Arc::new(EchoServer::new(false)), "test.echoserver")
        .unwrap();
    let serving = second.clone();
    tokio::spawn(async move { serving.serve().await });
    let (second_relay, second_accepted, _second) = counting_relay(
        format!("127.0.0.1:{}", second_uri.port().unwrap())
            .parse()
            .unwrap(),
    )
    .await;
    let moved: Uri = format!("PYRO:test.echoserver@127.0.0.1:{second_relay}")
        .parse()
        .unwrap();
    ns.register("test.moving", &moved).await.unwrap();
    assert_eq!(
        get(gw.addr, "/pyro/test.moving/echo?message=old")
            .await
            .status,
        200
    );
    assert_eq!(second_accepted.load(Ordering::SeqCst), 0);
    // ...but when the old object is gone, the first failing call looks the name up again and
    // is answered by the new one, without waiting for the TTL.
    first_relay.abort();
    let _ = first_relay.await;
    let r = get(gw.addr, "/pyro/test.moving/echo?message=new").await;
    assert_eq!((r.status, r.text().as_str()), (200, r#""new""#));
    assert_eq!(second_accepted.load(Ordering::SeqCst), 1);
    second.shutdown();
}
