//! [`Proxy`] for code that isn't async: each call blocks on a private runtime.

use std::borrow::Borrow;
use std::sync::Arc;

use pyroxene_wire::{Dict, Value};
use serde::de::DeserializeOwned;

use super::{BatchResults, IntoArgs, RemoteStream};
use crate::error::{Error, ErrorKind, Result};
use crate::server::Metadata;

/// A blocking proxy: the async [`crate::Proxy`] driven by its own current-thread runtime.
///
/// # Examples
/// ```no_run
/// # fn run() -> pyroxene::Result<()> {
/// let echo = pyroxene::client::blocking::Proxy::new("PYRO:test.echoserver@localhost:9999")?;
/// let sum: i64 = echo.call_as("add", (1, 2))?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Proxy {
    inner: crate::Proxy,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Proxy").field(&self.inner).finish()
    }
}

impl Proxy {
    /// A blocking proxy for `uri`, with the settings of the `PYRO_*` environment (see
    /// [`crate::Proxy::new`]).
    ///
    /// # Errors
    /// When the URI is invalid, a `PYRO_*` variable is refused or the runtime can't start.
    pub fn new(uri: impl AsRef<str>) -> Result<Proxy> {
        Proxy::wrap(crate::Proxy::new(uri)?)
    }

    /// A blocking proxy for `uri` with exactly these settings (see
    /// [`crate::Proxy::with_settings`]); the environment is not read.
    ///
    /// # Errors
    /// When the runtime can't start.
    pub fn with_settings(uri: crate::Uri, settings: super::ProxySettings) -> Result<Proxy> {
        Proxy::wrap(crate::Proxy::with_settings(uri, settings))
    }

    /// Wraps a configured async proxy.
    ///
    /// # Errors
    /// When the runtime can't start.
    pub fn wrap(inner: crate::Proxy) -> Result<Proxy> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::new(ErrorKind::Config, "cannot start a runtime").with_source(e))?;
        Ok(Proxy {
            inner,
            runtime: Arc::new(runtime),
        })
    }

    /// See [`crate::Proxy::call`].
    ///
    /// # Errors
    /// As the async version.
    pub fn call(
        &self,
        method: &str,
        args: impl Borrow<Value>,
        kwargs: Option<Dict>,
    ) -> Result<Value> {
        self.runtime.block_on(self.inner.call(method, args, kwargs))
    }

    /// See [`crate::Proxy::call_with_context`].
    ///
    /// # Errors
    /// As the async version.
    pub fn call_with_context(
        &self,
        method: &str,
        args: impl Borrow<Value>,
        kwargs: Option<Dict>,
        request: &super::RequestContext,
    ) -> Result<super::Response> {
        self.runtime
            .block_on(self.inner.call_with_context(method, args, kwargs, request))
    }

    /// See [`crate::Proxy::call_stream`]: the items of a remote iterator as a blocking
    /// [`Iterator`] ([`RemoteIter`]).
    ///
    /// # Errors
    /// As the async version.
    pub fn call_stream(
        &self,
        method: &str,
        args: impl Borrow<Value>,
        kwargs: Option<Dict>,
    ) -> Result<RemoteIter> {
        let stream = self
            .runtime
            .block_on(self.inner.call_stream(method, args, kwargs))?;
        Ok(RemoteIter {
            stream,
            runtime: self.runtime.clone(),
        })
    }

    /// See [`crate::Proxy::batch`].
    pub fn batch(&self) -> Batch {
        Batch {
            inner: self.inner.batch(),
            runtime: self.runtime.clone(),
        }
    }

    /// See [`crate::Proxy::call_as`].
    ///
    /// # Errors
    /// As the async version.
    pub fn call_as<T: DeserializeOwned>(&self, method: &str, args: impl IntoArgs) -> Result<T> {
        self.runtime.block_on(self.inner.call_as(method, args))
    }

    /// See [`crate::Proxy::call_oneway`].
    ///
    /// # Errors
    /// As the async version.
    pub fn call_oneway(
        &self,
        method: &str,
        args: impl Borrow<Value>,
        kwargs: Option<Dict>,
    ) -> Result<()> {
        self.runtime
            .block_on(self.inner.call_oneway(method, args, kwargs))
    }

    /// See [`crate::Proxy::get_attr`].
    ///
    /// # Errors
    /// As the async version.
    pub fn get_attr(&self, name: &str) -> Result<Value> {
        self.runtime.block_on(self.inner.get_attr(name))
    }

    /// See [`crate::Proxy::set_attr`].
    ///
    /// # Errors
    /// As the async version.
    pub fn set_attr(&self, name: &str, value: Value) -> Result<()> {
        self.runtime.block_on(self.inner.set_attr(name, value))
    }

    /// See [`crate::Proxy::connect`].
    ///
    /// # Errors
    /// As the async version.
    pub fn connect(&self) -> Result<Metadata> {
        self.runtime.block_on(self.inner.connect())
    }

    /// See [`crate::Proxy::handshake_response`].
    pub fn handshake_response(&self) -> Option<Value> {
        self.inner.handshake_response()
    }

    /// The async proxy underneath.
    pub fn as_async(&self) -> &crate::Proxy {
        &self.inner
    }

    /// See [`crate::Proxy::settings`].
    pub fn settings(&self) -> &super::ProxySettings {
        self.inner.settings()
    }

    /// See [`crate::Proxy::release`].
    pub fn release(&self) {
        self.inner.release();
    }
}

/// The items of a remote iterator, one blocking `get_next_stream_item` call each (see
/// [`RemoteStream`]). Dropping it before the end sends `close_stream`.
///
/// ```no_run
/// # fn run() -> pyroxene::Result<()> {
/// let echo = pyroxene::client::blocking::Proxy::new("PYRO:test.echoserver@localhost:9999")?;
/// for item in echo.call_stream("generator", pyroxene::tuple![], None)? {
///     println!("{}", item?);
/// }
/// # Ok(()) }
/// ```
pub struct RemoteIter<T = Value> {
    stream: RemoteStream<T>,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl<T> RemoteIter<T> {
    /// The same iterator with items read as `U`.
    pub fn typed<U>(mut self) -> RemoteIter<U> {
        let placeholder = RemoteStream::closed(self.stream.proxy());
        let stream = std::mem::replace(&mut self.stream, placeholder);
        RemoteIter {
            stream: stream.typed(),
            runtime: self.runtime.clone(),
        }
    }

    /// The stream id the daemon gave.
    pub fn id(&self) -> &str {
        self.stream.id()
    }

    /// Closes the stream on the daemon now (see [`RemoteStream::close`]).
    pub fn close(mut self) {
        super::stream::close_blocking(&mut self.stream, &self.runtime);
    }
}

impl<T: DeserializeOwned> Iterator for RemoteIter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        self.runtime.block_on(self.stream.next_item())
    }
}

impl<T> Drop for RemoteIter<T> {
    fn drop(&mut self) {
        super::stream::close_blocking(&mut self.stream, &self.runtime);
    }
}

/// A blocking [`crate::client::Batch`].
pub struct Batch {
    inner: super::Batch,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl Batch {
    /// See [`crate::client::Batch::call`].
    pub fn call(&mut self, method: &str, args: Value, kwargs: Option<Dict>) -> &mut Batch {
        self.inner.call(method, args, kwargs);
        self
    }

    /// See [`crate::client::Batch::call_as`].
    ///
    /// # Errors
    /// When the arguments don't serialize.
    pub fn call_as(&mut self, method: &str, args: impl IntoArgs) -> Result<&mut Batch> {
        self.inner.call_as(method, args)?;
        Ok(self)
    }

    /// See [`crate::client::Batch::send`].
    ///
    /// # Errors
    /// As the async version.
    pub fn send(self) -> Result<BatchResults> {
        self.runtime.block_on(self.inner.send())
    }

    /// See [`crate::client::Batch::send_oneway`].
    ///
    /// # Errors
    /// As the async version.
    pub fn send_oneway(self) -> Result<()> {
        self.runtime.block_on(self.inner.send_oneway())
    }
}
