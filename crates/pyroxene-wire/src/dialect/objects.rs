//! Pyro objects as values: URIs and proxies.

use super::{
    DialectError, Metadata, NameSet, class_of, expect_dict, items, proxy_class, require, text,
    uri_class,
};
use crate::uri::{TagSet, Uri, UriProtocol};
use crate::{ProtocolVersion, Value};

impl Uri {
    /// Python's `uri.__getstate__()`: `(protocol, object, sockname, host, port)`; PYROMETA
    /// has the set of tags as object.
    ///
    /// ```text
    /// ('PYRO','obj',None,'localhost',9999)
    /// ('PYRO','obj','/tmp/pyro.sock',None,None)
    /// ('PYRONAME','some.name',None,None,None)
    /// ('PYROMETA',{'tag1','tag2'},None,None,None)
    /// ```
    pub fn state_value(&self) -> Value {
        let object = match self.tags() {
            Some(tags) => Value::Set(Box::new(
                tags.iter().map(|t| Value::from(t.as_str())).collect(),
            )),
            None => Value::from(self.object()),
        };
        Value::Tuple(vec![
            Value::from(self.protocol().as_str()),
            object,
            self.sockname().map_or(Value::None, Value::from),
            self.host().map_or(Value::None, Value::from),
            self.port()
                .map_or(Value::None, |p| Value::Int(i64::from(p))),
        ])
    }

    /// Reads a state tuple (or the list json and msgpack make of it). Like Python's
    /// `__setstate__` this does not re-validate the parts, except that the protocol must be
    /// one of the three and the port must fit 0..=65535.
    ///
    /// # Errors
    /// When the state is not a 5-sequence of the right types.
    pub fn from_state_value(state: &Value) -> Result<Uri, DialectError> {
        let parts = items(state, "URI state")?;
        let [protocol, object, sockname, host, port] = parts.as_slice() else {
            return Err(DialectError::invalid("URI state must have 5 items"));
        };
        let protocol = text(protocol, "URI protocol")?;
        let protocol = UriProtocol::from_name(&protocol).ok_or(crate::uri::UriError::Protocol)?;
        let object = match (protocol, object) {
            (UriProtocol::PyroMeta, Value::Str(joined)) => {
                Err(joined.split(',').map(str::to_owned).collect::<TagSet>())
            }
            (UriProtocol::PyroMeta, tags) => Err(items(tags, "URI meta tags")?
                .into_iter()
                .map(|t| text(t, "URI meta tag"))
                .collect::<Result<TagSet, _>>()?),
            (_, object) => Ok(text(object, "URI object")?),
        };
        let optional = |v: &Value, what: &str| match v {
            Value::None => Ok(None),
            v => text(v, what).map(Some),
        };
        let port = match port {
            Value::None => None,
            p => Some(
                p.as_i64()
                    .and_then(|p| u16::try_from(p).ok())
                    .ok_or_else(|| crate::uri::UriError::Port(p.to_string()))?,
            ),
        };
        Ok(Uri::from_parts(
            protocol,
            object,
            optional(sockname, "URI sockname")?,
            optional(host, "URI host")?,
            port,
        ))
    }

    /// The URI as a value for a peer of `version`:
    ///
    /// ```text
    /// {'__class__':'Pyro5.core.URI','state':('PYRO','some.object',None,'127.0.0.1',12345)}
    /// ```
    ///
    /// ```
    /// use pyroxene_wire::{ProtocolVersion, Serializer, Uri};
    /// let uri = Uri::pyro("some.object", "127.0.0.1", 12345);
    /// let bytes = Serializer::Json.encode(&uri.to_value(ProtocolVersion::V5)).unwrap();
    /// assert_eq!(bytes, br#"{"__class__": "Pyro5.core.URI", "state": ["PYRO", "some.object", null, "127.0.0.1", 12345]}"#);
    /// assert_eq!(Uri::from_value(&Serializer::Json.decode(&bytes).unwrap()).unwrap(), uri);
    /// ```
    pub fn to_value(&self, version: ProtocolVersion) -> Value {
        crate::dict! {
            "__class__" => uri_class(version),
            "state" => self.state_value(),
        }
    }

    /// Reads a URI value: the class dict of either version, or a URI string (what the name
    /// server's `list` returns).
    ///
    /// # Errors
    /// When the value is neither, or its state or text is invalid.
    pub fn from_value(value: &Value) -> Result<Uri, DialectError> {
        if let Value::Str(s) = value {
            return Ok(Uri::parse(s)?);
        }
        match class_of(value) {
            Some(c)
                if c == uri_class(ProtocolVersion::V5) || c == uri_class(ProtocolVersion::V4) =>
            {
                Uri::from_state_value(require(expect_dict(value)?, "state")?)
            }
            _ => Err(DialectError::invalid("not a Pyro URI value")),
        }
    }
}

/// What a proxy passed as a value carries: its URI, known metadata, handshake data and
/// serializer. A received proxy is not connected; its metadata is preset.
///
/// ```text
/// v5: {'__class__':'Pyro5.client.Proxy','state':(
///        'PYRO:test.special@127.0.0.1:45501',   uri string
///        (),                                    oneway names
///        ('with_annotations','blob',...),       method names
///        ('readonly','value'),                  attribute names
///        'hello',                               handshake
///        None)}                                 serializer name or None
/// v4: {'__class__':'Pyro4.core.Proxy','state':(uri, oneway, methods, attrs, timeout,
///        hmac_key, handshake, max_retries, serializer)}
/// ```
///
/// ```
/// use pyroxene_wire::dialect::{Metadata, ProxyState};
/// use pyroxene_wire::{ProtocolVersion, Uri, Value};
/// let proxy = ProxyState::new(
///     Uri::pyro("test.special", "127.0.0.1", 45501),
///     Metadata::new(["get_uri"], Vec::<String>::new(), ["value"]),
///     Value::from("hello"),
///     None,
/// );
/// let v = proxy.to_value(ProtocolVersion::V5);
/// assert_eq!(
///     v.to_string(),
///     "{'__class__': 'Pyro5.client.Proxy', 'state': ('PYRO:test.special@127.0.0.1:45501', (), ('get_uri',), ('value',), 'hello', None)}"
/// );
/// assert_eq!(ProxyState::from_value(&v).unwrap(), proxy);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyState {
    /// Where the proxy points.
    pub uri: Uri,
    /// The metadata it already knows (empty: it will ask on connect).
    pub metadata: Metadata,
    /// Its handshake data.
    pub handshake: Value,
    /// Its serializer's config name (`"serpent"`, ...), or `None` for the default.
    pub serializer: Option<String>,
}

impl ProxyState {
    /// A proxy's state: where it points, the metadata it knows, its handshake data and its
    /// serializer's config name (`None`: the receiver's default).
    pub fn new(
        uri: Uri,
        metadata: Metadata,
        handshake: Value,
        serializer: Option<String>,
    ) -> ProxyState {
        ProxyState {
            uri,
            metadata,
            handshake,
            serializer,
        }
    }

    /// The state tuple of `version` (6 items for Pyro5, 9 for Pyro4, with Pyro4's defaults
    /// for the fields Pyro5 lacks: no timeout, no HMAC key, `MAX_RETRIES` 0).
    pub fn state_value(&self, version: ProtocolVersion) -> Value {
        let names =
            |set: &NameSet| Value::Tuple(set.iter().map(|n| Value::from(n.as_str())).collect());
        let serializer = self.serializer.as_deref().map_or(Value::None, Value::from);
        let uri = Value::from(self.uri.to_string());
        let (oneway, methods, attrs) = (
            names(&self.metadata.oneway),
            names(&self.metadata.methods),
            names(&self.metadata.attrs),
        );
        Value::Tuple(match version {
            ProtocolVersion::V5 => {
                vec![
                    uri,
                    oneway,
                    methods,
                    attrs,
                    self.handshake.clone(),
                    serializer,
                ]
            }
            ProtocolVersion::V4 => vec![
                uri,
                oneway,
                methods,
                attrs,
                Value::None,
                Value::None,
                self.handshake.clone(),
                Value::Int(0),
                serializer,
            ],
        })
    }

    /// The proxy as a value for a peer of `version`.
    pub fn to_value(&self, version: ProtocolVersion) -> Value {
        crate::dict! {
            "__class__" => proxy_class(version),
            "state" => self.state_value(version),
        }
    }

    /// Reads a proxy value of either version (by its class name and state length: 6 items
    /// for Pyro5, 8 or 9 for Pyro4).
    ///
    /// # Errors
    /// When the value is not a proxy dict or its state is malformed.
    pub fn from_value(value: &Value) -> Result<ProxyState, DialectError> {
        let v4 = match class_of(value) {
            Some(c) if c == proxy_class(ProtocolVersion::V5) => false,
            Some(c) if c == proxy_class(ProtocolVersion::V4) => true,
            _ => return Err(DialectError::invalid("not a Pyro proxy value")),
        };
        let state = items(require(expect_dict(value)?, "state")?, "proxy state")?;
        // (handshake index, serializer index) per layout.
        let (handshake_at, serializer_at) = match (v4, state.len()) {
            (false, 6) => (4, Some(5)),
            (true, 9) => (6, Some(8)),
            (true, 8) => (6, None),
            (_, n) => {
                return Err(DialectError::invalid(format!("proxy state has {n} items")));
            }
        };
        let names = |at: usize, what: &str| -> Result<NameSet, DialectError> {
            let Some(v) = state.get(at) else {
                return Ok(NameSet::default());
            };
            items(v, what)?.into_iter().map(|n| text(n, what)).collect()
        };
        let uri = match state.first() {
            Some(Value::Str(s)) => Uri::parse(s)?,
            Some(other) => Uri::from_value(other)?,
            None => return Err(DialectError::invalid("proxy state is empty")),
        };
        let serializer = match serializer_at.and_then(|at| state.get(at)) {
            None | Some(Value::None) => None,
            Some(v) => Some(text(v, "proxy serializer")?),
        };
        Ok(ProxyState {
            uri,
            metadata: Metadata {
                oneway: names(1, "proxy oneway")?,
                methods: names(2, "proxy methods")?,
                attrs: names(3, "proxy attrs")?,
            },
            handshake: state
                .get(handshake_at)
                .map_or(Value::None, |v| (*v).clone()),
            serializer,
        })
    }
}
