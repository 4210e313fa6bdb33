//! Payload dialects: the [`Value`] shapes Pyro4 and Pyro5 peers expect inside messages.
//!
//! The serializers carry plain values; Pyro gives some dicts a meaning by their `__class__`
//! key. This module builds and reads those shapes, per [`ProtocolVersion`] where they differ:
//!
//! | shape | v5 | v4 |
//! |---|---|---|
//! | exception ([`RemoteException`]) | `builtins.X` / `Pyro5.errors.X` | `builtins.X` / `Pyro4.errors.X` |
//! | batch error ([`RemoteException::to_wrapper_value`]) | `Pyro5.core._ExceptionWrapper` | `Pyro4.futures._ExceptionWrapper` |
//! | URI ([`Uri::to_value`](crate::Uri::to_value)) | `Pyro5.core.URI` + 5-tuple | `Pyro4.core.URI` + 5-tuple |
//! | proxy ([`ProxyState`]) | `Pyro5.client.Proxy` + 6-tuple | `Pyro4.core.Proxy` + 9-tuple |
//! | metadata ([`Metadata`]) | sets | lists |
//!
//! Readers accept either version's class names and lists where Python sends tuples or sets
//! (json and msgpack turn those into lists).
//!
//! ```
//! use pyroxene_wire::dialect::RemoteException;
//! use pyroxene_wire::{ProtocolVersion, Serializer};
//!
//! let err = RemoteException::builtin("ValueError", "bad value")
//!     .with_traceback(vec!["Traceback (most recent call last):\n".into()]);
//! let bytes = Serializer::Serpent.encode(&err.to_value()).unwrap();
//! assert_eq!(
//!     String::from_utf8(bytes).unwrap(),
//!     "# serpent utf-8 python3.2\n{'__class__':'builtins.ValueError','__exception__':True,\
//!      'args':('bad value',),'attributes':{'_pyroTraceback':['Traceback (most recent call last):\\n']}}"
//! );
//! ```

mod exception;
mod from_rust;
mod handshake;
mod names;
mod objects;
mod serde_objects;
mod translate;

pub use exception::{RemoteException, batch_results};
pub use handshake::{ConnectRequest, ConnectResponse, Metadata, NameSet};
pub use names::{PRIVATE_DUNDERS, is_private_name};
pub use objects::ProxyState;
pub use translate::translate_objects;

use crate::value::{Dict, StrKey};
use crate::{ProtocolVersion, Value};

/// Pyro's own exception classes (the same hierarchy in Pyro4 and Pyro5).
///
/// ```text
/// PyroError
///  +-- CommunicationError
///  |    +-- ConnectionClosedError
///  |    +-- TimeoutError
///  |    +-- ProtocolError
///  |         +-- MessageTooLargeError
///  |         +-- SerializeError
///  +-- NamingError
///  +-- DaemonError
///  +-- SecurityError
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PyroErrorClass {
    /// Generic base of all Pyro errors.
    PyroError,
    /// Network communication problems.
    CommunicationError,
    /// The connection was closed unexpectedly.
    ConnectionClosedError,
    /// A call timed out.
    TimeoutError,
    /// A message did not follow the protocol.
    ProtocolError,
    /// A message exceeded `MAX_MESSAGE_SIZE`.
    MessageTooLargeError,
    /// (De)serialization failed.
    SerializeError,
    /// Name server problems ("unknown name: x").
    NamingError,
    /// Daemon problems ("unknown object").
    DaemonError,
    /// Security problems.
    SecurityError,
}

impl PyroErrorClass {
    /// All ten.
    pub const ALL: [PyroErrorClass; 10] = [
        PyroErrorClass::PyroError,
        PyroErrorClass::CommunicationError,
        PyroErrorClass::ConnectionClosedError,
        PyroErrorClass::TimeoutError,
        PyroErrorClass::ProtocolError,
        PyroErrorClass::MessageTooLargeError,
        PyroErrorClass::SerializeError,
        PyroErrorClass::NamingError,
        PyroErrorClass::DaemonError,
        PyroErrorClass::SecurityError,
    ];

    /// The bare class name, e.g. `"NamingError"`.
    pub fn name(self) -> &'static str {
        match self {
            PyroErrorClass::PyroError => "PyroError",
            PyroErrorClass::CommunicationError => "CommunicationError",
            PyroErrorClass::ConnectionClosedError => "ConnectionClosedError",
            PyroErrorClass::TimeoutError => "TimeoutError",
            PyroErrorClass::ProtocolError => "ProtocolError",
            PyroErrorClass::MessageTooLargeError => "MessageTooLargeError",
            PyroErrorClass::SerializeError => "SerializeError",
            PyroErrorClass::NamingError => "NamingError",
            PyroErrorClass::DaemonError => "DaemonError",
            PyroErrorClass::SecurityError => "SecurityError",
        }
    }

    /// The qualified name a peer of `version` understands (a Pyro5 client can't decode
    /// `Pyro4.errors.X` and vice versa).
    ///
    /// ```
    /// use pyroxene_wire::ProtocolVersion;
    /// use pyroxene_wire::dialect::PyroErrorClass;
    /// assert_eq!(PyroErrorClass::NamingError.class_name(ProtocolVersion::V5), "Pyro5.errors.NamingError");
    /// assert_eq!(PyroErrorClass::NamingError.class_name(ProtocolVersion::V4), "Pyro4.errors.NamingError");
    /// ```
    pub fn class_name(self, version: ProtocolVersion) -> String {
        format!("{}.errors.{}", pyro_module(version), self.name())
    }

    /// The class a qualified (`Pyro4.errors.X`, `Pyro5.errors.X`) or bare (`X`) name means.
    ///
    /// ```
    /// use pyroxene_wire::dialect::PyroErrorClass;
    /// assert_eq!(PyroErrorClass::from_class_name("Pyro4.errors.DaemonError"), Some(PyroErrorClass::DaemonError));
    /// assert_eq!(PyroErrorClass::from_class_name("SecurityError"), Some(PyroErrorClass::SecurityError));
    /// assert_eq!(PyroErrorClass::from_class_name("builtins.TimeoutError"), None);
    /// ```
    pub fn from_class_name(name: &str) -> Option<PyroErrorClass> {
        let bare = name
            .strip_prefix("Pyro5.errors.")
            .or_else(|| name.strip_prefix("Pyro4.errors."))
            .unwrap_or(name);
        PyroErrorClass::ALL.into_iter().find(|c| c.name() == bare)
    }

    /// The parent class (`None` for PyroError).
    pub fn parent(self) -> Option<PyroErrorClass> {
        use PyroErrorClass::*;
        match self {
            PyroError => None,
            CommunicationError | NamingError | DaemonError | SecurityError => Some(PyroError),
            ConnectionClosedError | TimeoutError | ProtocolError => Some(CommunicationError),
            MessageTooLargeError | SerializeError => Some(ProtocolError),
        }
    }

    /// Whether `self` is `other` or a subclass of it (Python's `issubclass`).
    pub fn is_subclass_of(self, other: PyroErrorClass) -> bool {
        let mut class = Some(self);
        while let Some(c) = class {
            if c == other {
                return true;
            }
            class = c.parent();
        }
        false
    }
}

/// `"Pyro4"` or `"Pyro5"`: the module prefix of Pyro's class names.
pub fn pyro_module(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V4 => "Pyro4",
        ProtocolVersion::V5 => "Pyro5",
    }
}

/// `Pyro4.core.URI` / `Pyro5.core.URI`.
pub fn uri_class(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V4 => "Pyro4.core.URI",
        ProtocolVersion::V5 => "Pyro5.core.URI",
    }
}

/// `Pyro4.core.Proxy` / `Pyro5.client.Proxy`.
pub fn proxy_class(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V4 => "Pyro4.core.Proxy",
        ProtocolVersion::V5 => "Pyro5.client.Proxy",
    }
}

/// `Pyro4.core.Daemon` / `Pyro5.server.Daemon` (sent as an unusable placeholder, state `()`).
pub fn daemon_class(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V4 => "Pyro4.core.Daemon",
        ProtocolVersion::V5 => "Pyro5.server.Daemon",
    }
}

/// `Pyro4.futures._ExceptionWrapper` / `Pyro5.core._ExceptionWrapper` (batch results).
pub fn exception_wrapper_class(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V4 => "Pyro4.futures._ExceptionWrapper",
        ProtocolVersion::V5 => "Pyro5.core._ExceptionWrapper",
    }
}

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
    pub fn python_class(&self) -> &'static str {
        match self {
            DialectError::MissingKey(_) => "builtins.KeyError",
            DialectError::NotADict(_) => "builtins.TypeError",
            DialectError::Invalid(_) => "builtins.ValueError",
            DialectError::Uri(_) => "Pyro5.errors.PyroError",
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
