//! [`Proxy::call_reply`]: one call whose result may be a value or a stream, with the call's
//! context and an explicit oneway choice (what a gateway forwarding calls it knows nothing
//! about needs: Pyro's metadata doesn't say which methods return iterators).

use std::borrow::Borrow;

use pyroxene_wire::{Dict, Value};

use super::{Proxy, RemoteStream, RequestContext, Response};
use crate::error::Result;

/// What [`Proxy::call_reply`] got back.
#[derive(Debug)]
pub enum Reply {
    /// A plain result (`Value::None` for a oneway call), with the reply's annotations and
    /// correlation id.
    Value(Response),
    /// The method returned an iterator or generator: its items, read on demand.
    Stream(RemoteStream),
}

impl Proxy {
    /// Calls `method` with `request`'s annotations and correlation id and returns whatever
    /// it answers: a [`Reply::Value`], or a [`Reply::Stream`] when the method returned an
    /// iterator (the stream is closed when the [`RemoteStream`] is dropped or closed).
    ///
    /// With `oneway` the call is sent oneway whatever the metadata says (Python:
    /// `proxy._pyroOneway.add(method)`); without, the metadata decides, as for
    /// [`Proxy::call`]. A oneway call answers `Reply::Value` with `Value::None` as soon as it
    /// is sent.
    ///
    /// ```no_run
    /// # async fn run(proxy: pyroxene::Proxy) -> pyroxene::Result<()> {
    /// use pyroxene::client::{Reply, RequestContext};
    /// let request = RequestContext::new().correlation_id(pyroxene::CorrelationId([1; 16]));
    /// match proxy.call_reply("generator", pyroxene::tuple![], None, &request, false).await? {
    ///     Reply::Value(response) => println!("{}", response.value),
    ///     Reply::Stream(mut items) => {
    ///         while let Some(item) = items.next_item().await {
    ///             println!("{}", item?);
    ///         }
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Proxy::call_with_context`].
    pub async fn call_reply(
        &self,
        method: &str,
        args: impl Borrow<Value>,
        kwargs: Option<Dict>,
        request: &RequestContext,
        oneway: bool,
    ) -> Result<Reply> {
        let oneway = oneway || self.is_oneway(method);
        let raw = self
            .invoke(
                method,
                args.borrow(),
                kwargs.as_ref(),
                oneway,
                Some(request),
            )
            .await?;
        Ok(match raw.stream {
            Some(id) => Reply::Stream(RemoteStream::new(self.clone(), id)),
            None => Reply::Value(raw.response),
        })
    }
}
