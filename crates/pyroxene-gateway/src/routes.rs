//! Request dispatch, route for route as Python's `pyro_app` and `process_pyro_request`.
//!
//! ```text
//! /                         302 -> /pyro/  (any verb)
//! /pyro/...  OPTIONS        200 "200 OK"   (CORS preflight)
//! /pyro/...  not GET/POST   405
//! /pyro/                    the page
//! /pyro/gateway.js          the page's script (ours; no object/method there in Python)
//! /pyro/ws                  WebSocket upgrade (ours; without an upgrade, Python's 404)
//! /pyro/<object>/<method>   a call: key, expose regex, then the name server
//! anything else             404
//! ```

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State, WebSocketUpgrade};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, UPGRADE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, request::Parts};
use axum::response::Response;
use pyroxene::wire::dialect::PyroErrorClass;
use pyroxene::{ProtocolVersion, RemoteException};
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::invoke::{self, CallRequest, Failure, Outcome};
use crate::params::{self, BodyKind, Parameters};
use crate::respond::{self, FORBIDDEN_KEY, FORBIDDEN_OBJECT, NOT_ALLOWED, NOT_FOUND, OPTIONS_OK};
use crate::{page, ws};

/// Every request comes here (the router's fallback).
pub(crate) async fn dispatch(State(app): State<Arc<App>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let r = &app.responder;
    // Python reads PATH_INFO, which is percent-decoded, and strips the leading slashes.
    let path = match params::decode_path(parts.uri.path()) {
        Ok(path) => path,
        Err(e) => return r.bad_request(e.0),
    };
    let path = path.trim_start_matches('/');
    if path.is_empty() {
        return respond::redirect();
    }
    let Some(rest) = path.strip_prefix("pyro/") else {
        return r.text(StatusCode::NOT_FOUND, NOT_FOUND);
    };
    if parts.method == Method::OPTIONS {
        return r.text(StatusCode::OK, OPTIONS_OK);
    }
    if parts.method != Method::GET && parts.method != Method::POST {
        return r.text(StatusCode::METHOD_NOT_ALLOWED, NOT_ALLOWED);
    }
    match rest {
        "" => return page::homepage(&app).await,
        page::SCRIPT_NAME => return page::script(),
        "ws" if parts.headers.contains_key(UPGRADE) => return upgrade(app, &mut parts).await,
        _ => {}
    }
    let Some((object, method)) = split_call(rest) else {
        return r.text(StatusCode::NOT_FOUND, NOT_FOUND);
    };
    let mut params = match read_params(&app, &parts, body).await {
        Ok(params) => params,
        Err(response) => return *response,
    };
    if !key_ok(&app, &parts.headers, &mut params) {
        return r.text(StatusCode::FORBIDDEN, FORBIDDEN_KEY);
    }
    // Before any lookup: a name outside the regex never reaches the name server.
    if !app.config.expose.allows(object) {
        return r.text(StatusCode::FORBIDDEN, FORBIDDEN_OBJECT);
    }
    let options = joined(&parts.headers, "x-pyro-options");
    let oneway = options.split(|&b| b == b',').any(|o| o == b"oneway");
    let correlation = joined(&parts.headers, "x-pyro-correlation-id");
    let request = CallRequest {
        object,
        method,
        params,
        oneway,
        correlation: &correlation,
    };
    let (result, id) = invoke::call(&app.backend, request).await;
    match result {
        Ok(Outcome::Value(value)) => r.result(&value, id),
        Ok(Outcome::Oneway) => r.json(StatusCode::OK, Vec::new(), id),
        Ok(Outcome::Meta(meta)) => {
            let body = respond::ascii_only(respond::encode_plain(&page::meta_value(&meta)));
            r.json(StatusCode::OK, body, id)
        }
        Ok(Outcome::Stream(stream, _)) => {
            // Python 5.17 fails here with a bare 500 (wsgiref can't send the reply);
            // Pyro4's gateway answers this ProtocolError. The stream is closed at once.
            let _ = stream.close().await;
            let e = RemoteException::pyro(
                PyroErrorClass::ProtocolError,
                "result of call is an iterator",
            );
            r.local(&e, ProtocolVersion::V5)
        }
        Err(Failure::Raised(e, version)) => r.raised(&e, version),
        Err(Failure::Local(e, version)) => r.local(&e, version),
    }
}

/// Python's `re.match(r"(.+)/(.+)", path)`: `.` stops at a newline, the object is the
/// longest part before a `/` that leaves a method after it, the method is the rest of the
/// line.
///
/// ```text
/// test.echoserver/echo  -> ("test.echoserver", "echo")
/// a/b/c                 -> ("a/b", "c")
/// a/b/                  -> ("a", "b/")
/// a/  /a  a             -> no match (404)
/// ```
pub(crate) fn split_call(path: &str) -> Option<(&str, &str)> {
    let line = path.split('\n').next().unwrap_or_default();
    let mut end = line.len();
    while let Some(slash) = line[..end].rfind('/') {
        if slash == 0 {
            return None;
        }
        if slash + 1 < line.len() {
            return Some((&line[..slash], &line[slash + 1..]));
        }
        end = slash;
    }
    None
}

/// The query string, plus a POST body of a kind we read (our extensions).
async fn read_params(app: &App, parts: &Parts, body: Body) -> Result<Parameters, Box<Response>> {
    let r = &app.responder;
    let max = app.config.limits.max_body;
    let kind = if parts.method == Method::POST {
        BodyKind::of_post(parts.headers.get(CONTENT_TYPE).map(HeaderValue::as_bytes))
    } else {
        BodyKind::Ignored
    };
    let body = if kind == BodyKind::Ignored {
        bytes::Bytes::new()
    } else {
        let declared = parts.headers.get(CONTENT_LENGTH).map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(u64::MAX)
        });
        if declared.is_some_and(|n| n > max as u64) {
            return Err(Box::new(r.too_large(max)));
        }
        axum::body::to_bytes(body, max)
            .await
            .map_err(|_| Box::new(r.too_large(max)))?
    };
    let max_params = app.config.limits.max_params;
    params::parse(parts.uri.query(), kind, &body, max_params)
        .map_err(|e| Box::new(r.bad_request(e.0)))
}

/// Python: the `X-Pyro-Gateway-Key` header, else the `$key` parameter, must equal the key
/// (compared in constant time here); `$key` is then removed from the call's parameters.
/// Without a configured key, nothing is checked and `$key` stays a parameter, as in Python.
pub(crate) fn key_ok(app: &App, headers: &HeaderMap, params: &mut Parameters) -> bool {
    let Some(key) = &app.key else {
        return true;
    };
    let header = joined(headers, "x-pyro-gateway-key");
    let given = if header.is_empty() {
        match params.kwargs.get(&pyroxene::Value::from("$key")) {
            Some(pyroxene::Value::Str(s)) => s.as_bytes().to_vec(),
            _ => Vec::new(),
        }
    } else {
        header
    };
    let ok = bool::from(given.as_slice().ct_eq(key.as_slice()));
    if ok {
        params.take("$key");
    }
    ok
}

/// A header's values joined by `,` (how wsgiref puts repeated headers in the environ).
pub(crate) fn joined(headers: &HeaderMap, name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, value) in headers.get_all(name).iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(value.as_bytes().trim_ascii());
    }
    out
}

/// `/pyro/ws` with an `Upgrade` header: the key is checked here (header or `$key` in the
/// query: browsers can't set headers on a WebSocket), then each frame goes through the
/// expose regex as a request does.
async fn upgrade(app: Arc<App>, parts: &mut Parts) -> Response {
    let r = &app.responder;
    let mut params = match params::parse(parts.uri.query(), BodyKind::Ignored, b"", usize::MAX) {
        Ok(p) => p,
        Err(e) => return r.bad_request(e.0),
    };
    if !key_ok(&app, &parts.headers, &mut params) {
        return r.text(StatusCode::FORBIDDEN, FORBIDDEN_KEY);
    }
    match WebSocketUpgrade::from_request_parts(parts, &()).await {
        Ok(upgrade) => {
            let max = app.config.limits.max_ws_message;
            upgrade
                .max_message_size(max)
                .max_frame_size(max)
                .on_upgrade(move |socket| ws::serve(app, socket))
        }
        Err(rejection) => r.bad_request(format!("websocket upgrade refused: {rejection}")),
    }
}

#[cfg(test)]
mod tests {
    use super::split_call;

    #[test]
    fn split_call_is_python_regex() {
        let table: &[(&str, Option<(&str, &str)>)] = &[
            ("test.echoserver/echo", Some(("test.echoserver", "echo"))),
            ("a/b/c", Some(("a/b", "c"))),
            ("a/b/", Some(("a", "b/"))),
            ("a//", Some(("a", "/"))),
            ("//a", Some(("/", "a"))),
            ("a/", None),
            ("/a", None),
            ("a", None),
            ("", None),
            ("/", None),
            ("a/b\nc/d", Some(("a", "b"))),
            ("\na/b", None),
            ("é/ü", Some(("é", "ü"))),
        ];
        for (path, want) in table {
            assert_eq!(split_call(path), *want, "{path:?}");
        }
    }
}
