//! Payload dialects: the [`Value`] shapes Pyro4 and Pyro5 peers expect inside messages.
//!
//! The serializers carry plain values; Pyro gives some dicts a meaning by their `__class__`
//! key. This module builds and reads those shapes, per [`ProtocolVersion`](crate::ProtocolVersion) where they differ,
//! and is the one place that does: the daemon and the proxy build their CONNECT, CONNECTOK,
//! exception and batch payloads here, and every Python class name is in one table
//! ([`PyroErrorClass`] and the `*_class` functions). Rust code holds the version-neutral types
//! ([`ExceptionClass`], [`Metadata`], [`Uri`](crate::Uri)); a shape gets its generation's
//! names only when it is written for a peer.
//!
//! | shape | v5 | v4 |
//! |---|---|---|
//! | exception ([`RemoteException`], [`ExceptionClass`]) | `builtins.X` / `Pyro5.errors.X` | `builtins.X` / `Pyro4.errors.X` |
//! | batch error ([`RemoteException::to_wrapper_value`]) | `Pyro5.core._ExceptionWrapper` | `Pyro4.futures._ExceptionWrapper` |
//! | URI ([`Uri::to_value`](crate::Uri::to_value)) | `Pyro5.core.URI` + 5-tuple | `Pyro4.core.URI` + 5-tuple |
//! | proxy ([`ProxyState`]) | `Pyro5.client.Proxy` + 6-tuple | `Pyro4.core.Proxy` + 9-tuple |
//! | metadata ([`Metadata`]) | sets | lists |
//! | CONNECT ([`ConnectRequest`]), CONNECTOK ([`ConnectResponse`]) | `{handshake, object}`, `{handshake, meta}` | the same (only with META_ON_CONNECT) |
//!
//! Readers accept either version's class names and lists where Python sends tuples or sets
//! (json and msgpack turn those into lists); [`translate_objects`] renames the classes inside a
//! value for the other generation.
//!
//! ```
//! use pyroxene_wire::dialect::RemoteException;
//! use pyroxene_wire::{ProtocolVersion, Serializer};
//!
//! let err = RemoteException::builtin("ValueError", "bad value")
//!     .with_traceback(vec!["Traceback (most recent call last):\n".into()]);
//! let bytes = Serializer::Serpent.encode(&err.to_value(ProtocolVersion::V5)).unwrap();
//! assert_eq!(
//!     String::from_utf8(bytes).unwrap(),
//!     "# serpent utf-8 python3.2\n{'__class__':'builtins.ValueError','__exception__':True,\
//!      'args':('bad value',),'attributes':{'_pyroTraceback':['Traceback (most recent call last):\\n']}}"
//! );
//! ```

mod classes;
mod exception;
mod from_rust;
mod handshake;
mod names;
mod objects;
mod serde_objects;
mod translate;

pub use classes::{
    ExceptionClass, PyroErrorClass, exception_wrapper_class, proxy_class, uri_class,
};
pub use exception::{RemoteException, batch_results};
pub use handshake::{ConnectRequest, ConnectResponse, Metadata, NameSet};
pub use names::{PRIVATE_DUNDERS, is_private_name};
pub use objects::ProxyState;
pub use translate::translate_objects;

use crate::Value;
use crate::value::{Dict, StrKey};

/// The `__class__` of a dict value, if it has a str one.
///
/// ```
/// use pyroxene_wire::dialect::class_of;
/// assert_eq!(class_of(&pyroxene_wire::dict! { "__class__" => "Pyro5.core.URI" }), Some("Pyro5.core.URI"));
/// ```
pub fn class_of(value: &Value) -> Option<&str> {
    value.get("__class__")?.as_str()
}

/// Why a value does not have the shape a dialect reader expected.
///
/// The texts follow what Python raises for the same input where a daemon sends them back
/// (e.g. a CONNECT payload without `object` gives CONNECTFAIL `'object'`, Python's `KeyError`
/// text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DialectError {
    /// A required dict key is missing; Display is Python's `str(KeyError(key))`.
    #[error("{}", Value::from(.0.as_str()))]
    MissingKey(String),
    /// A dict was expected; Display is Python's `TypeError` for `value["key"]`.
    #[error("{}", not_subscriptable(.0))]
    NotADict(&'static str),
    /// A value of the wrong type or shape inside an otherwise recognised structure.
    #[error("{0}")]
    Invalid(String),
    /// A URI text inside a value did not parse.
    #[error(transparent)]
    Uri(#[from] crate::uri::UriError),
}

impl DialectError {
    /// The Python exception class Python raises in the same situation.
    pub fn python_class(&self) -> ExceptionClass {
        match self {
            DialectError::MissingKey(_) => ExceptionClass::builtin("KeyError"),
            DialectError::NotADict(_) => ExceptionClass::builtin("TypeError"),
            DialectError::Invalid(_) => ExceptionClass::builtin("ValueError"),
            DialectError::Uri(e) => e.python_class().into(),
        }
    }

    pub(crate) fn invalid(what: impl Into<String>) -> DialectError {
        DialectError::Invalid(what.into())
    }
}

fn not_subscriptable(type_name: &str) -> String {
    match type_name {
        "list" | "tuple" => format!("{type_name} indices must be integers or slices, not str"),
        "str" => "string indices must be integers, not 'str'".to_owned(),
        "bytes" => "byte indices must be integers or slices, not str".to_owned(),
        other => format!("'{other}' object is not subscriptable"),
    }
}

/// The dict inside `value`, or Python's TypeError for subscripting something else.
pub(crate) fn expect_dict(value: &Value) -> Result<&Dict, DialectError> {
    value
        .as_dict()
        .ok_or(DialectError::NotADict(value.type_name()))
}

/// `d[key]`, or Python's KeyError.
pub(crate) fn require<'a>(d: &'a Dict, key: &str) -> Result<&'a Value, DialectError> {
    d.get(&StrKey(key))
        .ok_or_else(|| DialectError::MissingKey(key.to_owned()))
}

/// `d.pop(key)`, or Python's KeyError.
pub(crate) fn take(d: &mut Dict, key: &str) -> Result<Value, DialectError> {
    d.shift_remove(&StrKey(key))
        .ok_or_else(|| DialectError::MissingKey(key.to_owned()))
}

/// Text from a str, or from utf-8 bytes (Python 2 peers send some names as bytes).
pub(crate) fn text(value: &Value, what: &str) -> Result<String, DialectError> {
    match value {
        Value::Str(s) => Ok(s.clone()),
        Value::Bytes(b) => String::from_utf8(b.to_vec())
            .map_err(|_| DialectError::invalid(format!("{what} is not valid utf-8"))),
        other => Err(DialectError::invalid(format!(
            "{what} must be a str, not {}",
            other.type_name()
        ))),
    }
}

/// The items of a list, tuple or set (Python sends any of them where it means a collection).
pub(crate) fn items<'a>(value: &'a Value, what: &str) -> Result<Vec<&'a Value>, DialectError> {
    match value {
        Value::List(v) | Value::Tuple(v) => Ok(v.iter().collect()),
        Value::Set(s) | Value::FrozenSet(s) => Ok(s.iter().collect()),
        other => Err(DialectError::invalid(format!(
            "{what} must be a sequence or set, not {}",
            other.type_name()
        ))),
    }
}
