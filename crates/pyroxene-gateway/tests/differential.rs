//! The same requests to Python's real gateway (`python -m Pyro5.utils.httpgateway`) and to
//! ours, both in front of the same name server and echo server (Python's, or ours), with the
//! same settings: status line, headers and body must be equal.
//!
//! Not compared: `Date`, `Server` (wsgiref's) and `Connection` (Python speaks HTTP/1.0), the
//! value of a correlation id the request didn't send (random on both sides: it must be a
//! uuid on both), and the page's body. The deliberate differences are listed in `DIFFERENT`:
//! for those requests we check our answer against what we document instead.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a failed fixture is a failed test

mod support;

use std::net::SocketAddr;

use support::{
    Backends, EXPOSE_ALL_TEST, HttpResponse, PythonGateway, config, request, start_gateway,
};

/// method, path, headers, body.
type Req = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    Option<&'static [u8]>,
);

const FORM: &[(&str, &str)] = &[("Content-Type", "application/x-www-form-urlencoded")];

/// Requests to a gateway exposing `test.`, `Pyro.` and `http.`, without a key.
const OPEN: &[Req] = &[
    ("GET", "/", &[], None),
    ("PUT", "/", &[], None),
    ("GET", "/pyro", &[], None),
    ("GET", "/other", &[], None),
    ("DELETE", "/other", &[], None),
    ("GET", "/pyro/test.echoserver", &[], None),
    ("GET", "/pyro/test.echoserver/", &[], None),
    ("GET", "/pyro/test.echoserver/echo?message=hi", &[], None),
    (
        "GET",
        "//pyro//test.echoserver/echo?message=slashes",
        &[],
        None,
    ),
    (
        "GET",
        "/pyro/test%2Eechoserver/ech%6F?message=%68i",
        &[],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=hello+world&x",
        &[],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=1&message=2&message=3",
        &[],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=%C3%A9%E2%82%AC%F0%9F%98%80",
        &[],
        None,
    ),
    ("GET", "/pyro/test.echoserver/echo?message=", &[], None),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=a&other=b",
        &[],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?$key=k&message=x",
        &[],
        None,
    ),
    (
        "POST",
        "/pyro/test.echoserver/echo?message=posted",
        &[],
        None,
    ),
    (
        "POST",
        "/pyro/test.echoserver/echo?message=q",
        &[("Content-Type", "text/plain")],
        Some(b"message=body"),
    ),
    ("PUT", "/pyro/test.echoserver/echo", &[], None),
    ("DELETE", "/pyro/test.echoserver/echo", &[], None),
    ("PATCH", "/pyro/", &[], None),
    ("OPTIONS", "/pyro/test.echoserver/echo", &[], None),
    ("OPTIONS", "/pyro/", &[], None),
    ("GET", "/pyro/test.echoserver/$meta", &[], None),
    (
        "GET",
        "/pyro/test.echoserver/$meta",
        &[("X-Pyro-Options", "oneway")],
        None,
    ),
    ("GET", "/pyro/Pyro.NameServer/$meta", &[], None),
    ("GET", "/pyro/test.echoserver/verbose", &[], None),
    ("GET", "/pyro/test.echoserver/verbose?x=1", &[], None),
    (
        "GET",
        "/pyro/test.echoserver/verbose",
        &[("X-Pyro-Options", "oneway")],
        None,
    ),
    ("GET", "/pyro/test.echoserver/error", &[], None),
    ("GET", "/pyro/test.echoserver/error_with_text", &[], None),
    ("GET", "/pyro/test.echoserver/echo", &[], None),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x&bogus=1",
        &[],
        None,
    ),
    ("GET", "/pyro/test.echoserver/nonexisting", &[], None),
    ("GET", "/pyro/test.echoserver/_private", &[], None),
    ("GET", "/pyro/test.echoserver/__dunder__", &[], None),
    ("GET", "/pyro/test.echoserver/nan", &[], None),
    ("GET", "/pyro/test.echoserver/inf", &[], None),
    ("GET", "/pyro/test.unknown/echo?message=x", &[], None),
    (
        "GET",
        "/pyro/test.echoserver/oneway_echo?message=x",
        &[],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x",
        &[("X-Pyro-Options", "oneway")],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x",
        &[("X-Pyro-Options", "foo,oneway")],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x",
        &[("X-Pyro-Options", "foo, oneway")],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x",
        &[("X-Pyro-Options", "Oneway")],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=c",
        &[(
            "X-Pyro-Correlation-Id",
            "11112222-3333-4444-5555-666677778888",
        )],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=c",
        &[(
            "X-Pyro-Correlation-Id",
            "{11112222333344445555666677778888}",
        )],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=c",
        &[(
            "X-Pyro-Correlation-Id",
            "urn:uuid:1111222233334444555566667777888A",
        )],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=c",
        &[("X-Pyro-Correlation-Id", "not-a-uuid")],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=c",
        &[("X-Pyro-Correlation-Id", "zzzz2222333344445555666677778888")],
        None,
    ),
    (
        "GET",
        "/pyro/test.unknown/echo",
        &[("X-Pyro-Correlation-Id", "not-a-uuid")],
        None,
    ),
    ("GET", "/pyro/Pyro.NameServer/list", &[], None),
    ("GET", "/pyro/Pyro.NameServer/list?prefix=http.", &[], None),
    (
        "GET",
        "/pyro/Pyro.NameServer/list?regex=.*echo.*",
        &[],
        None,
    ),
    (
        "GET",
        "/pyro/Pyro.NameServer/lookup?name=test.echoserver",
        &[],
        None,
    ),
    (
        "GET",
        "/pyro/Pyro.NameServer/lookup?name=nothing",
        &[],
        None,
    ),
    ("GET", "/pyro/Pyro.NameServer/count", &[], None),
    ("GET", "/pyro/Pyro.NameServer/ping", &[], None),
    (
        "GET",
        "/pyro/http.echoserver/echo?message=via%20http",
        &[],
        None,
    ),
    ("GET", "/pyro/nothttp.echoserver/echo", &[], None),
    (
        "POST",
        "/pyro/test.echoserver/echo",
        &[("Content-Type", "application/json")],
        Some(b""),
    ),
];

/// Requests whose answers differ on purpose: the status and the body we give instead (or,
/// starting with `…`, a part of it). See the crate docs' "Where it differs".
const DIFFERENT: &[(&str, u16, &str)] = &[
    // A form body is read (our extension; Pyro4's gateway read it too).
    (
        "POST /pyro/test.echoserver/echo?message=q|form",
        200,
        r#"["body", "q"]"#,
    ),
    // A generator: Python 5.17's wsgiref fails with a bare text 500.
    (
        "GET /pyro/test.echoserver/generator",
        500,
        r#"{"__class__": "Pyro5.errors.ProtocolError", "__exception__": true, "args": ["result of call is an iterator"], "attributes": {}}"#,
    ),
    // Invalid UTF-8: Python substitutes U+FFFD (query) or reads Latin-1 (path).
    (
        "GET /pyro/test.echoserver/echo?message=%FF",
        400,
        r#"{"__class__": "builtins.ValueError", "__exception__": true, "args": ["invalid UTF-8 in the query string"], "attributes": {}}"#,
    ),
    // A UTF-8 name: Python's wsgiref reads the path as Latin-1 ("test.t\u00c3\u00a9st").
    (
        "GET /pyro/test.t%C3%A9st/echo",
        500,
        r#"…"args": ["unknown name: test.t\u00e9st"]"#,
    ),
];

const DIFFERENT_REQS: &[Req] = &[
    (
        "POST",
        "/pyro/test.echoserver/echo?message=q",
        FORM,
        Some(b"message=body"),
    ),
    ("GET", "/pyro/test.echoserver/generator", &[], None),
    ("GET", "/pyro/test.echoserver/echo?message=%FF", &[], None),
    ("GET", "/pyro/test.t%C3%A9st/echo", &[], None),
];

/// Requests to a gateway with key `secret`.
const KEYED: &[Req] = &[
    ("GET", "/pyro/test.echoserver/echo?message=x", &[], None),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x",
        &[("X-Pyro-Gateway-Key", "secret")],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x",
        &[("X-Pyro-Gateway-Key", "wrong")],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x",
        &[("X-Pyro-Gateway-Key", "")],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x&$key=secret",
        &[],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x&%24key=secret",
        &[],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x&$key=wrong",
        &[],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x&$key=wrong",
        &[("X-Pyro-Gateway-Key", "secret")],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/echo?message=x&$key=secret",
        &[("X-Pyro-Gateway-Key", "wrong")],
        None,
    ),
    (
        "GET",
        "/pyro/test.echoserver/verbose?$key=secret",
        &[],
        None,
    ),
    ("GET", "/pyro/nope.object/echo?$key=wrong", &[], None),
    ("GET", "/pyro/nope.object/echo?$key=secret", &[], None),
    ("GET", "/pyro/test.echoserver", &[], None),
    ("OPTIONS", "/pyro/test.echoserver/echo", &[], None),
];

/// Requests to a gateway with the default regex, and with the empty one.
const DEFAULT_REGEX: &[Req] = &[
    ("GET", "/pyro/test.echoserver/echo?message=hi", &[], None),
    ("GET", "/pyro/http.echoserver/echo?message=hi", &[], None),
    ("GET", "/pyro/http.nothing/echo?message=hi", &[], None),
    ("GET", "/pyro/Pyro.NameServer/list", &[], None),
    ("GET", "/pyro/xhttp.echoserver/echo", &[], None),
];

fn label(req: &Req) -> String {
    let (method, path, headers, body) = req;
    let form = headers.contains(&("Content-Type", "application/x-www-form-urlencoded"));
    match (body, form) {
        (Some(_), true) => format!("{method} {path}|form"),
        _ => format!("{method} {path}"),
    }
}

async fn send(addr: SocketAddr, req: &Req) -> HttpResponse {
    let (method, path, headers, body) = req;
    request(addr, method, path, headers, *body).await
}

/// `$meta`'s lists sorted: Python lists its own set in hash order (random per process
/// unless PYTHONHASHSEED is fixed, as here), ours keeps the daemon's order; with a Python
/// daemon of the same seed the two orders are equal (the vectors test checks that).
fn sorted_meta(body: &str) -> String {
    let Ok(pyroxene::Value::Dict(mut d)) =
        pyroxene::wire::serializer::json::from_slice(body.as_bytes())
    else {
        return body.to_owned();
    };
    for (_, v) in d.iter_mut() {
        if let pyroxene::Value::List(items) = v {
            items.sort_by_key(|i| i.to_string());
        }
    }
    String::from_utf8(pyroxene::wire::serializer::json::to_vec(&pyroxene::Value::Dict(d)).unwrap())
        .unwrap()
}

/// Status, headers and body as compared (see the module docs).
fn comparable(r: &HttpResponse, sent_id: bool) -> (u16, String, Vec<(String, String)>, String) {
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .filter(|(k, _)| !matches!(k.as_str(), "date" | "server" | "connection"))
        .map(|(k, v)| {
            if k == "x-pyro-correlation-id" && !sent_id {
                let ok = uuid::Uuid::parse_str(&v).is_ok();
                (k, if ok { "<uuid>".to_owned() } else { v })
            } else {
                (k, v)
            }
        })
        .collect();
    headers.sort();
    (r.status, r.reason.clone(), headers, r.text())
}

async fn compare(
    python: SocketAddr,
    ours: SocketAddr,
    reqs: &[Req],
    sort_meta: bool,
    failures: &mut Vec<String>,
) {
    for req in reqs {
        let sent_id = req.2.iter().any(|(k, _)| *k == "X-Pyro-Correlation-Id");
        let mut theirs = comparable(&send(python, req).await, sent_id);
        let mut mine = comparable(&send(ours, req).await, sent_id);
        if req.1.ends_with("/$meta") && sort_meta {
            theirs.3 = sorted_meta(&theirs.3);
            mine.3 = sorted_meta(&mine.3);
        }
        if theirs != mine {
            failures.push(format!(
                "{}\n  python: {theirs:?}\n  ours:   {mine:?}",
                label(req)
            ));
        }
    }
}

async fn run(backends: Backends, python: &std::path::Path, sort_meta: bool) {
    let ns = backends.ns_port;
    let mut failures = Vec::new();

    let py = PythonGateway::start(python, ns, EXPOSE_ALL_TEST, None);
    let ours = start_gateway(config(ns, EXPOSE_ALL_TEST, None)).await;
    compare(py.addr, ours.addr, OPEN, sort_meta, &mut failures).await;
    for (req, (name, status, body)) in DIFFERENT_REQS.iter().zip(DIFFERENT) {
        assert_eq!(label(req), *name);
        let got = send(ours.addr, req).await;
        let same = match body.strip_prefix('…') {
            Some(part) => got.text().contains(part),
            None => got.text() == *body,
        };
        if got.status != *status || !same {
            failures.push(format!("{name}: ours {} {}", got.status, got.text()));
        }
    }
    // The page: same status and headers but for the length; ours lists the names too.
    let (theirs, mine) = (
        send(py.addr, &OPEN_PAGE).await,
        send(ours.addr, &OPEN_PAGE).await,
    );
    let strip = |r: &HttpResponse| {
        let mut c = comparable(r, false);
        c.2.retain(|(k, _)| k != "content-length");
        (c.0, c.1, c.2)
    };
    if strip(&theirs) != strip(&mine) || !mine.text().contains("test.echoserver") {
        failures.push(format!(
            "page: python {:?} ours {:?}",
            strip(&theirs),
            strip(&mine)
        ));
    }
    drop(py);

    let py = PythonGateway::start(python, ns, EXPOSE_ALL_TEST, Some("secret"));
    let ours = start_gateway(config(ns, EXPOSE_ALL_TEST, Some("secret"))).await;
    compare(py.addr, ours.addr, KEYED, sort_meta, &mut failures).await;
    drop(py);

    for expose in [pyroxene_gateway::DEFAULT_EXPOSE, ""] {
        let py = PythonGateway::start(python, ns, expose, None);
        let ours = start_gateway(config(ns, expose, None)).await;
        compare(py.addr, ours.addr, DEFAULT_REGEX, sort_meta, &mut failures).await;
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const OPEN_PAGE: Req = ("GET", "/pyro/", &[], None);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_gateway_and_ours_answer_alike_with_python_backends() {
    let Some(python) = support::python() else {
        return;
    };
    let backends = Backends::python(&python, "Pyro5").await;
    run(backends, &python, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_gateway_and_ours_answer_alike_with_our_backends() {
    let Some(python) = support::python() else {
        return;
    };
    let backends = Backends::rust().await;
    run(backends, &python, true).await;
}
