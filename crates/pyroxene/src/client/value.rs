//! A [`Proxy`] as a value: serde maps it to and from Pyro5's `Pyro5.client.Proxy` class dict
//! (URI, oneway/methods/attrs, handshake, serializer), so proxies cross the wire both ways,
//! e.g. a callback object a client passes to a server method:
//!
//! ```
//! use pyroxene::{Proxy, Value, from_value, to_value};
//! let proxy = Proxy::new("PYRO:callback@127.0.0.1:4000")?;
//! let value = to_value(&proxy)?;
//! assert_eq!(
//!     value.to_string(),
//!     "{'__class__': 'Pyro5.client.Proxy', 'state': ('PYRO:callback@127.0.0.1:4000', (), (), (), 'hello', None)}"
//! );
//! let back: Proxy = from_value(value)?;     // a method parameter of type Proxy reads it so
//! assert_eq!(back.uri(), proxy.uri());
//! # Ok::<(), pyroxene::Error>(())
//! ```
//!
//! A proxy received this way is not connected yet; it connects on its first call, and knows
//! which methods are oneway from the metadata the value carried.

use pyroxene_wire::dialect::ProxyState;
use pyroxene_wire::{Serializer, Value, from_value};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use super::{Proxy, ProxySettings};
use crate::server::Metadata;

impl Proxy {
    /// A proxy from the state a proxy value carries: its URI, handshake data, serializer and
    /// (when the value had any) metadata; the other settings from the `PYRO_*` environment,
    /// as Python's `Proxy.__setstate__` takes them from `Pyro5.config`, except for a proxy
    /// received through a [`Connector`](super::Connector), which keeps that route (see there).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for a refused `PYRO_*` variable.
    pub fn from_state(state: ProxyState) -> crate::Result<Proxy> {
        Ok(Proxy::from_state_with(
            state,
            super::connector::received_settings()?,
        ))
    }

    /// Reads a value this proxy received (what [`Proxy::call`] returned) as a `T`, the way
    /// [`Proxy::call_as`] reads its result: the proxies in it keep this proxy's
    /// [`Connector`](super::Connector), if it has one, and its naming configuration. Plain
    /// `from_value` makes them with the environment's settings.
    ///
    /// # Errors
    /// [`ErrorKind::Serialize`](crate::ErrorKind::Serialize) when the value isn't a `T`.
    pub fn read_reply<T: DeserializeOwned>(&self, value: Value) -> crate::Result<T> {
        super::connector::receiving(&self.inner.settings, || Ok(from_value(value)?))
    }

    /// [`Proxy::read_reply`] with a given reader (a typed client's).
    pub(crate) fn read_reply_with<T>(
        &self,
        value: Value,
        read: impl FnOnce(Value) -> crate::Result<T>,
    ) -> crate::Result<T> {
        super::connector::receiving(&self.inner.settings, || read(value))
    }

    /// [`Proxy::from_state`] on top of `settings` instead of the environment.
    pub fn from_state_with(state: ProxyState, mut settings: ProxySettings) -> Proxy {
        settings.handshake = state.handshake;
        if let Some(ser) = state.serializer.as_deref().and_then(Serializer::from_name) {
            settings.serializer = ser;
        }
        let proxy = Proxy::with_settings(state.uri, settings);
        let meta = state.metadata;
        if !(meta.methods.is_empty() && meta.oneway.is_empty() && meta.attrs.is_empty()) {
            proxy.preset_metadata(meta);
        }
        proxy
    }

    /// What the proxy's value carries: URI, the metadata known so far, handshake data and
    /// the serializer (named only when it isn't serpent, Pyro's default, so a Python
    /// receiver uses its own configured one as for any proxy).
    pub fn state(&self) -> ProxyState {
        let serializer = self.inner.settings.serializer;
        ProxyState::new(
            self.inner.uri.clone(),
            self.metadata().unwrap_or_default(),
            self.inner.settings.handshake.clone(),
            (serializer != Serializer::Serpent).then(|| serializer.name().to_owned()),
        )
    }

    /// Sets the metadata as if learned from a handshake (Python:
    /// `_pyroGetMetadata(known_metadata=...)`); a later connect replaces it.
    pub(crate) fn preset_metadata(&self, metadata: Metadata) {
        if let Ok(mut m) = self.inner.metadata.lock() {
            *m = Some(metadata);
        }
    }
}

impl Serialize for Proxy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.state().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Proxy {
    /// Reads a proxy value of Pyro5 or Pyro4, or a URI (value or string) as a proxy for it
    /// ([`Proxy::from_state`]: settings from the `PYRO_*` environment, or inherited through
    /// a [`Connector`](super::Connector)).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Proxy, D::Error> {
        let state = ProxyState::deserialize(deserializer)?;
        Proxy::from_state(state).map_err(|e| serde::de::Error::custom(e.chain_text()))
    }
}

impl From<&Proxy> for Value {
    /// The proxy value of the protocol the proxy speaks (`Pyro5.client.Proxy`, or
    /// `Pyro4.core.Proxy` once it speaks Pyro4).
    fn from(proxy: &Proxy) -> Value {
        proxy.state().to_value(proxy.inner.version())
    }
}
