//! The name server client for code that isn't async: each call blocks on a private runtime,
//! like [`crate::client::blocking::Proxy`].

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::Arc;

use super::{ListFilter, MetaFilter, RegisterOptions, Registration, Remove, TagSet};
use crate::error::{Error, ErrorKind, Result};
use crate::{Config, Uri};

fn runtime() -> Result<Arc<tokio::runtime::Runtime>> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| Error::new(ErrorKind::Config, "cannot start a runtime").with_source(e))
}

/// Blocking [`super::locate_ns`] (settings from the `PYRO_*` environment).
///
/// # Errors
/// As the async version.
pub fn locate_ns(host: Option<&str>, port: Option<u16>) -> Result<NameServer> {
    let runtime = runtime()?;
    let inner = runtime.block_on(super::locate_ns(host, port))?;
    Ok(NameServer { inner, runtime })
}

/// Blocking [`super::locate_ns_with`] (no environment read).
///
/// # Errors
/// As the async version.
pub fn locate_ns_with(
    config: &Config,
    host: Option<&str>,
    port: Option<u16>,
) -> Result<NameServer> {
    let runtime = runtime()?;
    let inner = runtime.block_on(super::locate_ns_with(config, host, port))?;
    Ok(NameServer { inner, runtime })
}

/// Blocking [`super::resolve`] (settings from the `PYRO_*` environment).
///
/// # Errors
/// As the async version.
pub fn resolve(uri: &Uri) -> Result<Uri> {
    runtime()?.block_on(super::resolve(uri))
}

/// Blocking [`super::resolve_with`] (no environment read).
///
/// # Errors
/// As the async version.
pub fn resolve_with(uri: &Uri, config: &Config) -> Result<Uri> {
    runtime()?.block_on(super::resolve_with(uri, config))
}

/// A blocking [`super::NameServer`]; every method is the async one's, run to completion.
#[derive(Clone)]
pub struct NameServer {
    inner: super::NameServer,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl NameServer {
    /// Wraps an async name server client.
    ///
    /// # Errors
    /// When the runtime can't start.
    pub fn wrap(inner: super::NameServer) -> Result<NameServer> {
        Ok(NameServer {
            inner,
            runtime: runtime()?,
        })
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &super::NameServer {
        &self.inner
    }

    /// See [`super::NameServer::ping`].
    ///
    /// # Errors
    /// As the async version.
    pub fn ping(&self) -> Result<()> {
        self.runtime.block_on(self.inner.ping())
    }

    /// See [`super::NameServer::count`].
    ///
    /// # Errors
    /// As the async version.
    pub fn count(&self) -> Result<u64> {
        self.runtime.block_on(self.inner.count())
    }

    /// See [`super::NameServer::lookup`].
    ///
    /// # Errors
    /// As the async version.
    pub fn lookup(&self, name: &str) -> Result<Uri> {
        self.runtime.block_on(self.inner.lookup(name))
    }

    /// See [`super::NameServer::lookup_with_metadata`].
    ///
    /// # Errors
    /// As the async version.
    pub fn lookup_with_metadata(&self, name: &str) -> Result<(Uri, TagSet)> {
        self.runtime.block_on(self.inner.lookup_with_metadata(name))
    }

    /// See [`super::NameServer::register`].
    ///
    /// # Errors
    /// As the async version.
    pub fn register(&self, name: &str, uri: impl Display) -> Result<()> {
        self.runtime.block_on(self.inner.register(name, uri))
    }

    /// See [`super::NameServer::register_with`].
    ///
    /// # Errors
    /// As the async version.
    pub fn register_with(
        &self,
        name: &str,
        uri: impl Display,
        options: RegisterOptions,
    ) -> Result<()> {
        self.runtime
            .block_on(self.inner.register_with(name, uri, options))
    }

    /// See [`super::NameServer::set_metadata`].
    ///
    /// # Errors
    /// As the async version.
    pub fn set_metadata<S: Into<String>>(
        &self,
        name: &str,
        metadata: impl IntoIterator<Item = S>,
    ) -> Result<()> {
        self.runtime
            .block_on(self.inner.set_metadata(name, metadata))
    }

    /// See [`super::NameServer::remove`].
    ///
    /// # Errors
    /// As the async version.
    pub fn remove(&self, what: Remove<'_>) -> Result<u64> {
        self.runtime.block_on(self.inner.remove(what))
    }

    /// See [`super::NameServer::list`].
    ///
    /// # Errors
    /// As the async version.
    pub fn list(&self, filter: ListFilter<'_>) -> Result<BTreeMap<String, Uri>> {
        self.runtime.block_on(self.inner.list(filter))
    }

    /// See [`super::NameServer::list_with_metadata`].
    ///
    /// # Errors
    /// As the async version.
    pub fn list_with_metadata(
        &self,
        filter: ListFilter<'_>,
    ) -> Result<BTreeMap<String, Registration>> {
        self.runtime.block_on(self.inner.list_with_metadata(filter))
    }

    /// See [`super::NameServer::yplookup`].
    ///
    /// # Errors
    /// As the async version.
    pub fn yplookup(&self, filter: &MetaFilter) -> Result<BTreeMap<String, Registration>> {
        self.runtime.block_on(self.inner.yplookup(filter))
    }

    /// See [`super::NameServer::yplookup_uris`].
    ///
    /// # Errors
    /// As the async version.
    pub fn yplookup_uris(&self, filter: &MetaFilter) -> Result<BTreeMap<String, Uri>> {
        self.runtime.block_on(self.inner.yplookup_uris(filter))
    }
}
