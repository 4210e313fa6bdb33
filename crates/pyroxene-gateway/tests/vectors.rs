//! The recorded transcripts of Python's gateways (`testdata/vectors/http/pyro5.json` and
//! `pyro4.json`), replayed against ours with the same kind of backends (Python's name server
//! and echo server of that Pyro, registered as `test.echoserver` and `http.echoserver`) and
//! the same gateway settings per request.
//!
//! Compared: the status line, the headers (names case-insensitive, in any order; `Date` is
//! not recorded) and the body, after putting this run's ports and site-packages path in the
//! recorded bodies, and this run's correlation id where the request sent none (Python's were
//! made with a seeded uuid4). Where we deliberately answer otherwise, the table below says
//! what we answer instead; everything else must be equal.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a failed fixture is a failed test

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use pyroxene::Value;
use pyroxene::wire::serializer::json;
use support::{Backends, HttpResponse, config, request, start_gateway};

/// A transcript's request, settings and recorded answer.
struct Transcript {
    label: String,
    expose: String,
    key: Option<String>,
    cors: Option<String>,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    status: u16,
    reason: String,
    response_headers: Vec<(String, String)>,
    response_body: Option<String>,
}

fn load(file: &str) -> Vec<Transcript> {
    let path = pyroxene_testkit::vectors_dir().join("http").join(file);
    let bytes = std::fs::read(&path).unwrap();
    let top = json::from_slice(&bytes).unwrap();
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    let opt_text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let pairs = |v: &Value| -> Vec<(String, String)> {
        match v {
            Value::Dict(d) => d.iter().map(|(k, v)| (text(k), text(v))).collect(),
            Value::List(l) => l
                .iter()
                .map(|p| {
                    let p = p.as_seq().unwrap();
                    (text(&p[0]), text(&p[1]))
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let list = top.get("transcripts").unwrap().as_seq().unwrap();
    list.iter()
        .map(|t| {
            let settings = t.get("gateway_settings").unwrap();
            let request = t.get("request").unwrap();
            Transcript {
                label: text(t.get("label").unwrap()),
                expose: text(settings.get("expose_regex").unwrap()),
                key: opt_text(settings.get("gateway_key")),
                cors: opt_text(settings.get("cors")),
                method: text(request.get("method").unwrap()),
                path: text(request.get("path").unwrap()),
                headers: pairs(request.get("headers").unwrap()),
                body: opt_text(request.get("body")).map(String::into_bytes),
                status: t.get("status").unwrap().as_i64().unwrap() as u16,
                reason: text(t.get("reason").unwrap()),
                response_headers: pairs(t.get("response_headers").unwrap()),
                response_body: opt_text(t.get("body")),
            }
        })
        .collect()
}

/// What we answer where we differ from the recording on purpose (see the crate docs).
enum Expect {
    /// As recorded.
    Same,
    /// Another status and body (the headers as for any JSON error).
    Instead { status: u16, body: &'static str },
    /// The page: ours is another page; status and headers as recorded.
    Page,
    /// Pyro4's gateway sends no CORS headers and refuses OPTIONS; ours is Pyro5's.
    Pyro5Options,
}

fn expectation(pyro: &str, label: &str) -> Expect {
    match (pyro, label) {
        (_, "homepage") => Expect::Page,
        // Python 5.17's wsgiref can't send a stream reply; we answer Pyro4's ProtocolError.
        (_, "generator result") => Expect::Instead {
            status: 500,
            body: r#"{"__class__": "Pyro5.errors.ProtocolError", "__exception__": true, "args": ["result of call is an iterator"], "attributes": {}}"#,
        },
        // Our extension reads form bodies (as Pyro4's gateway did).
        ("Pyro5", "POST with form body") => Expect::Instead {
            status: 200,
            body: r#""posted""#,
        },
        ("Pyro4", "OPTIONS (CORS preflight)") => Expect::Pyro5Options,
        _ => Expect::Same,
    }
}

async fn replay(pyro: &str, file: &str, recorded_ns: u16, recorded_echo: u16) {
    let Some(python) = support::python() else {
        return;
    };
    let backends = Backends::python(&python, pyro).await;
    let echo_port = backends.echo_uri.port().unwrap();
    let site_packages = site_packages(&python);
    let mut gateways = BTreeMap::new();
    let mut failures = Vec::new();
    for t in load(file) {
        let settings = (t.expose.clone(), t.key.clone());
        if !gateways.contains_key(&settings) {
            let mut config = config(backends.ns_port, &t.expose, t.key.as_deref());
            config.cors = t.cors.clone().unwrap_or_else(|| "*".to_owned());
            gateways.insert(settings.clone(), start_gateway(config).await);
        }
        let addr = gateways[&settings].addr;
        let headers: Vec<(&str, &str)> = t
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let got = request(addr, &t.method, &t.path, &headers, t.body.as_deref()).await;
        let body = t.response_body.as_ref().map(|b| {
            b.replace(&recorded_echo.to_string(), &echo_port.to_string())
                .replace(&recorded_ns.to_string(), &backends.ns_port.to_string())
                .replace(
                    "/srv/pyro-vectors/venv/lib/python3.11/site-packages/",
                    &site_packages,
                )
        });
        if let Err(why) = check(pyro, &t, body, &got) {
            failures.push(format!(
                "{}: {why}\n  got {} {:?} {}",
                t.label,
                got.status,
                got.headers,
                got.text()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn check(
    pyro: &str,
    t: &Transcript,
    body: Option<String>,
    got: &HttpResponse,
) -> Result<(), String> {
    let json_type = (
        "Content-Type".to_owned(),
        "application/json; charset=utf-8".to_owned(),
    );
    let length = ("Content-Length".to_owned(), String::new());
    let (status, reason, body, mut want_headers) = match expectation(pyro, &t.label) {
        Expect::Same => (t.status, t.reason.clone(), body, t.response_headers.clone()),
        Expect::Page => {
            if !got.text().contains("http.echoserver") {
                return Err("the page doesn't list http.echoserver".into());
            }
            (t.status, t.reason.clone(), None, t.response_headers.clone())
        }
        Expect::Instead { status: 200, body } => {
            let id = ("X-Pyro-Correlation-Id".to_owned(), String::new());
            (
                200,
                "OK".into(),
                Some(body.to_owned()),
                vec![json_type, id, length],
            )
        }
        Expect::Instead { status, body } => {
            let reason = "Internal Server Error".into();
            (
                status,
                reason,
                Some(body.to_owned()),
                vec![json_type, length],
            )
        }
        Expect::Pyro5Options => {
            let text = ("Content-Type".to_owned(), "text/plain".to_owned());
            (
                200,
                "OK".into(),
                Some("200 OK".to_owned()),
                vec![text, length],
            )
        }
    };
    // Ours sends the CORS headers with everything but the redirect; Pyro4's gateway never did.
    let has_cors = want_headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("Access-Control-Allow-Origin"));
    if status != 302 && !has_cors {
        want_headers.extend(cors());
    }
    if got.status != status || got.reason != reason {
        return Err(format!("status {status} {reason} expected"));
    }
    if let Some(body) = &body
        && got.text() != *body
    {
        return Err(format!("body expected:\n  {body}"));
    }
    // The recorded headers with this run's correlation id (unless the request sent one) and
    // content length.
    let sent_id = t
        .headers
        .iter()
        .any(|(h, _)| h.eq_ignore_ascii_case("X-Pyro-Correlation-Id"));
    let mut want: Vec<(String, String)> = want_headers
        .into_iter()
        .map(|(k, v)| {
            let k = k.to_ascii_lowercase();
            let v = match k.as_str() {
                "x-pyro-correlation-id" if !sent_id => {
                    let id = got.header(&k).unwrap_or_default();
                    match uuid::Uuid::parse_str(id) {
                        Ok(_) => id.to_owned(),
                        Err(_) => format!("<a uuid, not {id:?}>"),
                    }
                }
                "content-length" => got.body.len().to_string(),
                _ => v,
            };
            (k, v)
        })
        .collect();
    let mut have: Vec<(String, String)> = got
        .headers
        .iter()
        // Transport headers: hyper's Date, and Connection (our requests ask to close; Python's
        // wsgiref speaks HTTP/1.0 and closes anyway).
        .filter(|(k, _)| !k.eq_ignore_ascii_case("date") && !k.eq_ignore_ascii_case("connection"))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    want.sort();
    have.sort();
    if want != have {
        return Err(format!("headers expected {want:?}"));
    }
    Ok(())
}

fn cors() -> Vec<(String, String)> {
    vec![
        ("Access-Control-Allow-Origin".into(), "*".into()),
        (
            "Access-Control-Allow-Methods".into(),
            "GET, POST, OPTIONS".into(),
        ),
        ("Access-Control-Allow-Headers".into(), "Content-Type".into()),
    ]
}

/// Where the venv's packages are, as tracebacks print it.
fn site_packages(python: &Path) -> String {
    let out = pyroxene_testkit::output_within(
        std::process::Command::new(python)
            .args([
                "-c",
                "import Pyro5, os; print(os.path.dirname(os.path.dirname(Pyro5.__file__)))",
            ])
            .env("PYRO_BROADCAST_ADDRS", "127.0.0.1"),
        None,
        pyroxene_testkit::ONE_SHOT_LIMIT,
    )
    .unwrap();
    format!("{}/", String::from_utf8_lossy(&out.stdout).trim())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro5_transcripts_replayed_against_python_backends() {
    replay("Pyro5", "pyro5.json", 45690, 45691).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyro4_transcripts_replayed_against_pyro4_backends() {
    replay("Pyro4", "pyro4.json", 45680, 45681).await;
}
