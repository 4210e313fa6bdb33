//! The connection handshake payloads: CONNECT, CONNECTOK, and object [`Metadata`].

use indexmap::IndexSet;

use super::{DialectError, expect_dict, items, require, text};
use crate::value::{Dict, Set, StrKey};
use crate::{ProtocolVersion, Value};

/// A set of names in first-seen order (method, oneway and attribute names).
pub type NameSet = IndexSet<String, crate::value::RandomState>;

/// What a daemon tells a proxy about an object: its exposed methods, which of them are
/// oneway, and its exposed attributes (properties).
///
/// Sent as sets by Pyro5 and as lists by Pyro4 (`get_metadata(..., as_lists=True)`); json and
/// msgpack turn sets into lists anyway, so reading accepts lists, tuples and sets.
///
/// ```text
/// serpent v5: {'methods':{'echo','oneway_echo'},'oneway':{'oneway_echo'},'attrs':()}
///                                                  an empty set is written as () ^^
/// ```
///
/// ```
/// use pyroxene_wire::dialect::Metadata;
/// use pyroxene_wire::{ProtocolVersion, Serializer};
/// let meta = Metadata::new(["echo", "oneway_echo"], ["oneway_echo"], ["verbose"]);
/// let v = meta.to_value(ProtocolVersion::V5);
/// assert_eq!(v.to_string(), "{'methods': {'echo', 'oneway_echo'}, 'oneway': {'oneway_echo'}, 'attrs': {'verbose'}}");
/// let json = Serializer::Json.encode(&v).unwrap();
/// assert_eq!(Metadata::from_value(&Serializer::Json.decode(&json).unwrap()).unwrap(), meta);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metadata {
    /// Exposed method names.
    pub methods: NameSet,
    /// The oneway subset of `methods`.
    pub oneway: NameSet,
    /// Exposed attribute (property) names.
    pub attrs: NameSet,
}

impl Metadata {
    /// Metadata from three lists of names.
    pub fn new<M, O, A>(
        methods: impl IntoIterator<Item = M>,
        oneway: impl IntoIterator<Item = O>,
        attrs: impl IntoIterator<Item = A>,
    ) -> Metadata
    where
        M: Into<String>,
        O: Into<String>,
        A: Into<String>,
    {
        Metadata {
            methods: methods.into_iter().map(Into::into).collect(),
            oneway: oneway.into_iter().map(Into::into).collect(),
            attrs: attrs.into_iter().map(Into::into).collect(),
        }
    }

    /// True when there are neither methods nor attributes: a Python proxy then fails with
    /// "remote object ... doesn't expose any methods or attributes".
    pub fn is_empty(&self) -> bool {
        self.methods.is_empty() && self.attrs.is_empty()
    }

    /// The dict a peer of `version` expects: sets for Pyro5, lists for Pyro4.
    pub fn to_value(&self, version: ProtocolVersion) -> Value {
        self.to_value_with(version == ProtocolVersion::V4)
    }

    /// The dict with the three collections as lists (`as_lists=True`) or sets.
    pub fn to_value_with(&self, lists: bool) -> Value {
        let collection = |names: &NameSet| {
            let items = names.iter().map(|n| Value::Str(n.clone()));
            if lists {
                Value::List(items.collect())
            } else {
                Value::Set(Box::new(items.collect::<Set>()))
            }
        };
        crate::dict! {
            "methods" => collection(&self.methods),
            "oneway" => collection(&self.oneway),
            "attrs" => collection(&self.attrs),
        }
    }

    /// Reads the dict form (sets, lists or tuples of str).
    ///
    /// # Errors
    /// When a key is missing or a collection holds something other than names.
    pub fn from_value(value: &Value) -> Result<Metadata, DialectError> {
        let d = expect_dict(value)?;
        let names = |key: &str| -> Result<NameSet, DialectError> {
            items(require(d, key)?, key)?
                .into_iter()
                .map(|v| text(v, key))
                .collect()
        };
        Ok(Metadata {
            methods: names("methods")?,
            oneway: names("oneway")?,
            attrs: names("attrs")?,
        })
    }
}

/// The CONNECT payload: `{"handshake": <data>, "object": <object id>}`.
///
/// The handshake data is whatever the proxy's user set (default the string `"hello"`). Pyro5
/// always sends `object`; Pyro4 only with META_ON_CONNECT.
///
/// ```text
/// serpent: {'handshake':'hello','object':'test.echoserver'}
/// json:    {"handshake": "hello", "object": "test.echoserver"}
/// ```
///
/// ```
/// use pyroxene_wire::dialect::ConnectRequest;
/// use pyroxene_wire::Value;
/// let req = ConnectRequest::new("test.echoserver");
/// let back = ConnectRequest::from_value(req.to_value()).unwrap();
/// assert_eq!(back.require_object().unwrap(), "test.echoserver");
/// // What Python's daemon answers (in CONNECTFAIL) when the key is missing:
/// let bare = ConnectRequest::from_value(pyroxene_wire::dict! { "handshake" => "hello" }).unwrap();
/// assert_eq!(bare.require_object().unwrap_err().to_string(), "'object'");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectRequest {
    /// The proxy's handshake data.
    pub handshake: Value,
    /// The object the proxy connects for (`None`: not sent).
    pub object: Option<String>,
}

impl ConnectRequest {
    /// A request for `object` with the default handshake `"hello"`.
    pub fn new(object: impl Into<String>) -> ConnectRequest {
        ConnectRequest {
            handshake: Value::from("hello"),
            object: Some(object.into()),
        }
    }

    /// The same request with other handshake data (what the proxy's user set).
    #[must_use]
    pub fn with_handshake(mut self, handshake: Value) -> ConnectRequest {
        self.handshake = handshake;
        self
    }

    /// A request naming no object (Pyro4 without META_ON_CONNECT).
    pub fn without_object(handshake: Value) -> ConnectRequest {
        ConnectRequest {
            handshake,
            object: None,
        }
    }

    /// The payload value (`object` left out when `None`, as Pyro4 does without metadata).
    pub fn to_value(&self) -> Value {
        let mut d = Dict::default();
        d.insert(Value::from("handshake"), self.handshake.clone());
        if let Some(object) = &self.object {
            d.insert(Value::from("object"), Value::from(object.as_str()));
        }
        Value::Dict(Box::new(d))
    }

    /// Reads a CONNECT payload. Only `handshake` is required here, because Python's daemon
    /// looks at `object` only after its handshake hook has run: check it then with
    /// [`ConnectRequest::require_object`].
    ///
    /// # Errors
    /// Python's texts: a TypeError when the payload is not a dict, `'handshake'` when that key
    /// is missing; an error when `object` is not a str.
    pub fn from_value(value: Value) -> Result<ConnectRequest, DialectError> {
        let Value::Dict(mut d) = value else {
            return Err(DialectError::NotADict(value.type_name()));
        };
        let handshake = super::take(&mut d, "handshake")?;
        let object = match d.get(&StrKey("object")) {
            None => None,
            Some(v) => Some(text(v, "object id")?),
        };
        Ok(ConnectRequest { handshake, object })
    }

    /// The object id, or Python's KeyError text `'object'` (what a Pyro5 daemon sends back
    /// in CONNECTFAIL).
    ///
    /// # Errors
    /// [`DialectError::MissingKey`] when the request had no `object`.
    pub fn require_object(&self) -> Result<&str, DialectError> {
        self.object
            .as_deref()
            .ok_or_else(|| DialectError::MissingKey("object".into()))
    }
}

/// The CONNECTOK payload: `{"handshake": <response>, "meta": <metadata>}`.
///
/// Python proxies read both keys (a missing one crashes them), so both are always written;
/// `meta: None` makes the proxy fetch metadata with a `get_metadata` call instead. (A Pyro4
/// reply without META_ON_CONNECT is just the bare handshake response value, not this dict.)
///
/// ```
/// use pyroxene_wire::dialect::{ConnectResponse, Metadata};
/// use pyroxene_wire::{ProtocolVersion, Serializer, Value};
/// let ok = ConnectResponse::new(
///     Value::from("hello"),
///     Some(Metadata::new(["echo"], Vec::<String>::new(), Vec::<String>::new())),
/// );
/// let bytes = Serializer::Serpent.encode(&ok.to_value(ProtocolVersion::V5)).unwrap();
/// assert!(bytes.ends_with(b"{'handshake':'hello','meta':{'methods':{'echo'},'oneway':(),'attrs':()}}"));
/// let back = ConnectResponse::from_value(Serializer::Serpent.decode(&bytes).unwrap()).unwrap();
/// assert_eq!(back, ok);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectResponse {
    /// The daemon's handshake response (default `"hello"`).
    pub handshake: Value,
    /// The object's metadata; `None` when not sent (or sent empty).
    pub meta: Option<Metadata>,
}

impl ConnectResponse {
    /// The reply with the daemon's handshake response and the object's metadata.
    pub fn new(handshake: Value, meta: Option<Metadata>) -> ConnectResponse {
        ConnectResponse { handshake, meta }
    }

    /// The payload value for a peer of `version` (metadata as sets or lists).
    pub fn to_value(&self, version: ProtocolVersion) -> Value {
        crate::dict! {
            "handshake" => self.handshake.clone(),
            "meta" => self.meta.as_ref().map_or(Value::None, |m| m.to_value(version)),
        }
    }

    /// Reads the dict form. `meta` that is None or an empty dict reads as `None`, as Python's
    /// proxy treats it (it then asks `get_metadata`).
    ///
    /// # Errors
    /// When the payload is not a dict, lacks `handshake` or `meta` (Python's KeyError text),
    /// or the metadata is malformed.
    pub fn from_value(value: Value) -> Result<ConnectResponse, DialectError> {
        let Value::Dict(mut d) = value else {
            return Err(DialectError::NotADict(value.type_name()));
        };
        // Python's proxy reads "meta" first, so its KeyError wins when both are missing.
        let meta = super::take(&mut d, "meta")?;
        let handshake = super::take(&mut d, "handshake")?;
        let meta = match &meta {
            Value::None => None,
            Value::Dict(m) if m.is_empty() => None,
            other => Some(Metadata::from_value(other)?),
        };
        Ok(ConnectResponse { handshake, meta })
    }
}
