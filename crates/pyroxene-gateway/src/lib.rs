//! The Pyro HTTP gateway in Rust: Pyro objects registered in a name server, called from web
//! pages and any HTTP client with JSON. A drop-in for Python's `pyro5-httpgateway` (the same
//! URLs, headers, status codes and bodies), built to be deployed: one pooled proxy per
//! object instead of a connection per request, name lookups cached briefly, requests bounded
//! in size and count, and a WebSocket for many calls (and streamed results) on one connection.
//!
//! # Quick start
//!
//! ```no_run
//! use pyroxene_gateway::{Expose, Gateway, GatewayConfig};
//!
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The name server is found as Python finds it (PYRO_NS_HOST, PYRO_NS_PORT, broadcast).
//! let mut config = GatewayConfig::new(pyroxene::Config::from_env()?);
//! config.expose = Expose::new(r"test\.|http\.")?;
//! let gateway = Gateway::new(config)?;
//! let bound = gateway.bind("localhost", 8080).await?;
//! println!("Pyro HTTP gateway running on http://{}/pyro/", bound.local_addr());
//! bound.serve().await?;
//! # Ok(()) }
//! ```
//!
//! ```text
//! $ curl 'http://localhost:8080/pyro/test.echoserver/echo?message=hi'
//! "hi"
//! ```
//!
//! # Routes (Python's, plus ours)
//!
//! | request | answer |
//! |---|---|
//! | `/` | 302 to `/pyro/` |
//! | `GET /pyro/` | the page: exposed names, their methods, a form to call them |
//! | `GET/POST /pyro/<object>/<method>?k=v` | `method(k="v")`: 200 with the result as Pyro's json, `X-Pyro-Correlation-Id` |
//! | `.../<object>/$meta` | `{"methods": [...], "attributes": [...]}` |
//! | `.../<object>/<attribute>` | the attribute's value |
//! | header `X-Pyro-Options: oneway` | the call is oneway: 200, empty body |
//! | the object raises | 500, the exception dict (with `_pyroTraceback`) |
//! | unknown name, unknown method, backend down | 500, the exception dict (NamingError, AttributeError, CommunicationError...) |
//! | name outside the expose regex; wrong or missing key | 403, Python's texts |
//! | `OPTIONS` / other verbs / no `<object>/<method>` | 200 / 405 / 404 |
//! | POST form body (ours) | more keyword arguments |
//! | POST `{"args": [...], "kwargs": {...}}` (ours) | typed arguments |
//! | malformed request (ours) | 400 (body too large: 413), a ValueError exception dict |
//! | `/pyro/ws` (ours) | WebSocket: see below |
//!
//! Every answer but the redirect has the CORS headers (`Access-Control-Allow-Origin: <cors>`,
//! `-Methods: GET, POST, OPTIONS`, `-Headers: Content-Type`).
//!
//! # WebSocket
//!
//! `/pyro/ws` (our extension, what Pyro's old `flaskify` helper did with socket.io) takes one
//! JSON text frame per call, any number in flight on one socket, and answers each as it
//! finishes:
//!
//! ```text
//! -> {"id": 1, "object": "test.echoserver", "method": "echo", "args": ["hi"], "kwargs": {}, "oneway": false}
//! <- {"id": 1, "result": "hi"}
//! -> {"id": 2, "object": "test.echoserver", "method": "generator"}
//! <- {"id": 2, "item": "one"}  {"id": 2, "item": "two"}  {"id": 2, "item": "three"}  {"id": 2, "end": true}
//! -> {"id": 3, "object": "test.echoserver", "method": "error"}
//! <- {"id": 3, "error": {"__class__": "builtins.ValueError", "__exception__": true, "args": [...], "attributes": {...}}}
//! ```
//!
//! `args`, `kwargs` and `oneway` are optional; `id` is any JSON value, returned as given
//! (`null` when the frame could not be read). A oneway call is answered `{"id", "result":
//! null}` once sent; `$meta` and attributes work as over HTTP. The expose regex applies to
//! every frame (a refused name is a `Pyro5.errors.SecurityError`); the gateway key is checked
//! when the socket opens (`X-Pyro-Gateway-Key` header, or `$key` in the URL's query, since
//! browsers can't set headers on a WebSocket). Calls in flight per socket are bounded
//! ([`Limits::max_ws_in_flight`]); closing the socket cancels them and closes their streams.
//!
//! # Where it differs from Python's gateway
//!
//! - Pooled proxies and a name cache ([`GatewayConfig::name_ttl`], 1 s): a name registered
//!   anew is seen after the TTL, or at once when a call to the old URI fails.
//! - Text must be UTF-8: Python substitutes U+FFFD in the query and reads paths as Latin-1;
//!   here both are a 400. A repeated `$key` is a wrong key (Python: a bare 500).
//! - A method returning an iterator: 500 with Pyro4's ProtocolError "result of call is an
//!   iterator" (Python 5.17's wsgiref fails with a bare text 500); stream it over `/pyro/ws`.
//! - Exceptions raised in the gateway that Python raises in its proxy (connection refused,
//!   timeouts) have pyroxene's texts: `Pyro5.errors.CommunicationError` "cannot connect to
//!   127.0.0.1:9999: Connection refused (os error 111)" where Python says "cannot connect to
//!   ('127.0.0.1', 9999): [Errno 111] Connection refused".
//! - The expose regex is the `regex` crate's ([`Expose`]) and is checked at startup.
//! - The page lists up to [`MAX_NAMES`](page::MAX_NAMES) names (Python: 10) and escapes them.
//!   As Python's, it needs no gateway key (it shows names and method lists, no results).
//! - `$meta` lists the names in the order the daemon sent them; Python's gateway lists its own
//!   set's hash order (random per process unless PYTHONHASHSEED is fixed; equal to ours for a
//!   Python daemon with the same seed).
//! - Pyro4 daemons and name servers work behind it too (Python's Pyro5 gateway can't call
//!   them); their URIs and exceptions keep Pyro4's class names, as Pyro4's gateway answers.
//!
//! # Layout
//!
//! - [`Gateway`], [`BoundGateway`] (`app`): the app, its router and its HTTP/1.1 server.
//! - [`GatewayConfig`], [`Expose`], [`Limits`] (`config`): the settings and bounds.
//! - [`params`]: query string, form and JSON bodies as call arguments; [`frame`]: a
//!   WebSocket frame as a call (both fuzzed).
//! - [`correlation`]: `X-Pyro-Correlation-Id` read as Python's `uuid.UUID`.
//! - `routes`: dispatch, route for route as Python's `pyro_app`; `invoke`: one call (lookup,
//!   metadata, `$meta`, attribute, method); `backend`: name server, name cache, proxy pool;
//!   `respond`: status lines, headers and bodies; `page`: `/pyro/`; `ws`: `/pyro/ws`.
//! - [`GatewayError`]: why a gateway can't start.

#![deny(missing_docs)]

mod app;
mod backend;
mod config;
pub mod correlation;
mod error;
pub mod frame;
mod invoke;
pub mod page;
pub mod params;
mod respond;
mod routes;
mod ws;

pub use app::{BoundGateway, Gateway, serve_router};
pub use config::{DEFAULT_EXPOSE, Expose, GatewayConfig, Limits};
pub use error::GatewayError;
pub use invoke::META;
