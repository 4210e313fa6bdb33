//! `PYRONAME:`/`PYROMETA:` proxies: like Python's proxy, each new connection resolves the URI
//! again through the name server, so a proxy follows an object that was re-registered
//! elsewhere (a restarted server on another port) once its old connection fails.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use pyroxene_wire::protocol::Message;
use pyroxene_wire::uri::UriProtocol;
use pyroxene_wire::{Dict, Value};

use super::RequestContext;
use super::proxy::{Inner, Proxy};
use crate::Uri;
use crate::error::Result;

/// The `PYRO:` URI a new connection of `inner` goes to: its own, or what the name server says
/// now (remembered as the latest resolution).
///
/// Boxed, with `Send` spelled out: resolving connects a name server proxy, whose connect comes
/// back here (for its `PYRO:` URI); an async call cycle needs a pointer to have a size, and a
/// declared `Send` so the compiler needn't prove it around the cycle.
pub(super) fn connect_target(
    inner: &Inner,
) -> Pin<Box<dyn Future<Output = Result<Cow<'_, Uri>>> + Send + '_>> {
    Box::pin(async move {
        if inner.uri.protocol() == UriProtocol::Pyro {
            return Ok(Cow::Borrowed(&inner.uri));
        }
        let settings = inner.settings.for_name_server();
        let uri = crate::naming::resolve_with_settings(&inner.uri, &settings).await?;
        tracing::debug!("{} resolved to {uri}", inner.uri);
        if let Ok(mut latest) = inner.resolved.lock() {
            *latest = Some(uri.clone());
        }
        Ok(Cow::Owned(uri))
    })
}

/// The object id a call names before it has a connection: the latest resolution's (the
/// proxy's own for `PYRO:`, the name until a `PYRONAME:` proxy first connected).
pub(super) fn call_object(inner: &Inner) -> String {
    inner
        .resolved
        .lock()
        .ok()
        .and_then(|r| r.as_ref().map(|u| u.object().to_owned()))
        .unwrap_or_else(|| inner.uri.object().to_owned())
}

/// What it takes to encode a call again for another object id, kept only by proxies whose
/// connections may each resolve to a different object.
pub(super) struct Retarget<'a> {
    /// The object id the current message names.
    pub(super) object: String,
    pub(super) method: &'a str,
    pub(super) args: &'a Value,
    pub(super) kwargs: Option<&'a Dict>,
    pub(super) oneway: bool,
    pub(super) request: Option<&'a RequestContext>,
}

impl Retarget<'_> {
    /// A message for `object` when the current one names another.
    pub(super) fn message_for(&mut self, inner: &Inner, object: &str) -> Result<Option<Message>> {
        if object == self.object {
            return Ok(None);
        }
        self.object = object.to_owned();
        let msg = inner.call_message(
            object,
            self.method,
            self.args,
            self.kwargs,
            self.oneway,
            self.request,
        )?;
        Ok(Some(msg))
    }
}

impl Proxy {
    /// The `PYRO:` URI the latest connection of a `PYRONAME:`/`PYROMETA:` proxy resolved to
    /// (`None` before it connected, and for `PYRO:` proxies).
    pub fn resolved_uri(&self) -> Option<Uri> {
        self.inner.resolved.lock().ok().and_then(|r| r.clone())
    }
}
