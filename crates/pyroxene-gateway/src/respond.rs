//! The responses, with the status lines, headers and bodies Python's gateway sends.
//!
//! ```text
//! 200  application/json; charset=utf-8   X-Pyro-Correlation-Id   the call's result (Pyro's json)
//! 500  application/json; charset=utf-8                           an exception dict
//! 403/404/405  text/plain                                        Python's fixed texts
//! ```
//!
//! Every response but the redirect carries the three CORS headers. Our own additions: 400
//! (malformed request) and 413 (body too large), JSON exception dicts like the 500s.

use axum::body::Body;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use pyroxene::wire::serializer::json;
use pyroxene::{Dict, ProtocolVersion, RemoteException, Value, dict};

/// `X-Pyro-Correlation-Id`.
pub(crate) static CORRELATION_ID: HeaderName = HeaderName::from_static("x-pyro-correlation-id");
const ALLOW_ORIGIN: HeaderName = HeaderName::from_static("access-control-allow-origin");
const ALLOW_METHODS: HeaderName = HeaderName::from_static("access-control-allow-methods");
const ALLOW_HEADERS: HeaderName = HeaderName::from_static("access-control-allow-headers");

/// Python's fixed texts.
pub(crate) const FORBIDDEN_OBJECT: &str =
    "403 Forbidden - access to the requested object has been denied";
pub(crate) const FORBIDDEN_KEY: &str = "403 Forbidden - incorrect gateway api key";
pub(crate) const NOT_FOUND: &str = "Error 404: Not Found";
pub(crate) const NOT_ALLOWED: &str = "Error 405: Method Not Allowed";
pub(crate) const OPTIONS_OK: &str = "200 OK";
pub(crate) const NO_NAMESERVER: &str =
    "Cannot connect to the Pyro name server. Is it running? Refresh page to retry.";

const TEXT: HeaderValue = HeaderValue::from_static("text/plain");
const JSON: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");

/// Builds responses with the configured CORS origin.
#[derive(Debug, Clone)]
pub(crate) struct Responder {
    origin: HeaderValue,
}

impl Responder {
    pub(crate) fn new(origin: HeaderValue) -> Responder {
        Responder { origin }
    }

    fn headers(&self, content_type: HeaderValue, length: usize) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(CONTENT_TYPE, content_type);
        self.add_cors(&mut headers);
        headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        headers
    }

    fn add_cors(&self, headers: &mut HeaderMap) {
        headers.insert(ALLOW_ORIGIN, self.origin.clone());
        headers.insert(
            ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(ALLOW_HEADERS, HeaderValue::from_static("Content-Type"));
    }

    /// A body of `content_type` (CORS headers added).
    pub(crate) fn body(
        &self,
        status: StatusCode,
        content_type: HeaderValue,
        body: impl Into<bytes::Bytes>,
    ) -> Response {
        let body = body.into();
        let mut response = Response::new(Body::from(body.clone()));
        *response.status_mut() = status;
        *response.headers_mut() = self.headers(content_type, body.len());
        response
    }

    /// One of Python's text/plain answers.
    pub(crate) fn text(&self, status: StatusCode, text: &'static str) -> Response {
        self.body(status, TEXT, text.as_bytes())
    }

    /// A JSON body; with a correlation id header (the 200s) when given.
    pub(crate) fn json(
        &self,
        status: StatusCode,
        body: Vec<u8>,
        correlation: Option<uuid::Uuid>,
    ) -> Response {
        let length = body.len();
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        let mut headers = HeaderMap::with_capacity(7);
        headers.insert(CONTENT_TYPE, JSON);
        if let Some(id) = correlation {
            let text = id
                .hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer())
                .to_owned();
            if let Ok(value) = HeaderValue::from_str(&text) {
                headers.insert(CORRELATION_ID.clone(), value);
            }
        }
        self.add_cors(&mut headers);
        headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        *response.headers_mut() = headers;
        response
    }

    /// 500 with an exception the object raised: the reply as the daemon sent it (Pyro's
    /// json, non-ASCII as UTF-8).
    pub(crate) fn raised(&self, e: &RemoteException, version: ProtocolVersion) -> Response {
        match encode(&exception_value(e, version)) {
            Ok(body) => self.json(StatusCode::INTERNAL_SERVER_ERROR, body, None),
            Err(e) => self.local(&e, ProtocolVersion::V5),
        }
    }

    /// 200 with a result, or 500 with the SerializeError when json can't carry it.
    pub(crate) fn result(&self, value: &Value, correlation: Option<uuid::Uuid>) -> Response {
        match encode(value) {
            Ok(body) => self.json(StatusCode::OK, body, correlation),
            Err(e) => self.local(&e, ProtocolVersion::V5),
        }
    }

    /// 500 with an exception raised in the gateway, as `json.dumps(class_to_dict(exc))`
    /// (non-ASCII escaped, json.dumps' default).
    pub(crate) fn local(&self, e: &RemoteException, version: ProtocolVersion) -> Response {
        self.exception(StatusCode::INTERNAL_SERVER_ERROR, e, version)
    }

    /// `status` with an exception dict as the body (ASCII-only, as `json.dumps`).
    pub(crate) fn exception(
        &self,
        status: StatusCode,
        e: &RemoteException,
        version: ProtocolVersion,
    ) -> Response {
        let body = encode(&exception_value(e, version)).unwrap_or_else(|failed| {
            // An exception argument json can't carry: say so instead.
            encode_plain(&exception_value(&failed, ProtocolVersion::V5))
        });
        self.json(status, ascii_only(body), None)
    }

    /// 400: the request can't be a call.
    pub(crate) fn bad_request(&self, message: String) -> Response {
        let e = RemoteException::builtin("ValueError", message);
        self.exception(StatusCode::BAD_REQUEST, &e, ProtocolVersion::V5)
    }

    /// 413: the body is larger than `max` bytes.
    pub(crate) fn too_large(&self, max: usize) -> Response {
        let e = RemoteException::builtin(
            "ValueError",
            format!("request body too large (at most {max} bytes)"),
        );
        self.exception(StatusCode::PAYLOAD_TOO_LARGE, &e, ProtocolVersion::V5)
    }
}

/// `/` answers `302 Found` to `/pyro/`, without CORS headers (as Python).
pub(crate) fn redirect() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::FOUND;
    let headers = response.headers_mut();
    headers.insert(LOCATION, HeaderValue::from_static("/pyro/"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(0));
    response
}

/// Python's `class_to_dict(exc)`, Pyro's classes named for `version`: a local exception
/// has only its own attributes (no `_pyroTraceback`), a remote one keeps the traceback it
/// came with.
pub(crate) fn exception_value(e: &RemoteException, version: ProtocolVersion) -> Value {
    if e.traceback.is_some() {
        return e.to_value(version);
    }
    dict! {
        "__class__" => e.class.class_name(version),
        "__exception__" => true,
        "args" => Value::Tuple(e.args.clone()),
        "attributes" => Value::Dict(Box::new(Dict::clone(&e.attributes))),
    }
}

/// Pyro's json bytes of `value`; a value json can't carry is Pyro's SerializeError.
///
/// Replies come from daemons through the json serializer, so they always encode again (and
/// to the same bytes: `tests/passthrough.rs`); the error is for the day a value doesn't.
pub(crate) fn encode(value: &Value) -> Result<Vec<u8>, RemoteException> {
    json::to_vec(value)
        .map_err(|e| RemoteException::new("Pyro5.errors.SerializeError", e.message()))
}

/// [`encode`] of a value made of str, bool, None, lists and dicts only (exception dicts of
/// our own, metadata), which always encodes.
pub(crate) fn encode_plain(value: &Value) -> Vec<u8> {
    json::to_vec(value).unwrap_or_default()
}

/// What `json.dumps(..., ensure_ascii=True)` writes for the same value as Pyro's
/// `ensure_ascii=False`: every character outside ' '..'~' inside a string as `\uXXXX`
/// (lowercase hex, surrogate pairs above U+FFFF). Outside strings json is plain ASCII, so
/// every such character is inside one.
pub(crate) fn ascii_only(bytes: Vec<u8>) -> Vec<u8> {
    if bytes.iter().all(|&b| b < 0x7f) {
        return bytes;
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Vec::new(); // the encoder writes UTF-8 only
    };
    let mut out = String::with_capacity(text.len() + 16);
    let mut units = [0u16; 2];
    for c in text.chars() {
        if (c as u32) < 0x7f {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_only_is_json_dumps_default() {
        // python3 -c 'import json; print(json.dumps(["é€😀\x7f", "a\"b\\\n"]))'
        let v = pyroxene::list!["é€😀\x7f", "a\"b\\\n"];
        let bytes = ascii_only(encode_plain(&v));
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"["\u00e9\u20ac\ud83d\ude00\u007f", "a\"b\\\n"]"#
        );
    }

    #[test]
    fn local_exceptions_have_no_traceback_attribute() {
        let e = RemoteException::builtin("AttributeError", "no 'x'");
        assert_eq!(
            String::from_utf8(encode_plain(&exception_value(&e, ProtocolVersion::V5))).unwrap(),
            r#"{"__class__": "builtins.AttributeError", "__exception__": true, "args": ["no 'x'"], "attributes": {}}"#
        );
    }
}
