//! Exceptions as values: [`RemoteException`], the batch-result exception wrapper.

use std::fmt;

use super::{
    DialectError, ExceptionClass, PyroErrorClass, class_of, exception_wrapper_class, expect_dict,
    items, require, text,
};
use crate::value::{Dict, StrKey};
use crate::{ProtocolVersion, Value};

/// The attribute that carries the remote traceback lines.
const TRACEBACK: &str = "_pyroTraceback";

/// An exception that crossed the wire: what a daemon sends in an EXCEPTION RESULT, what a
/// proxy raises.
///
/// Its value form is the dict Python's `class_to_dict` makes and `dict_to_class` reads:
///
/// ```text
/// {'__class__': 'builtins.ValueError', '__exception__': True,
///  'args': ('bad value',),
///  'attributes': {'custom_attr': 42, '_pyroTraceback': ['Traceback ...\n', ...]}}
/// ```
///
/// `args` goes out as a tuple (json and msgpack make it a list; both are read back).
/// `_pyroTraceback` is the last attribute, as in Python; `None` there (item-stream replies)
/// is `traceback: None`.
///
/// The class is an [`ExceptionClass`]: Pyro's own errors are held without a generation and
/// written as `Pyro4.errors.X` or `Pyro5.errors.X` by [`RemoteException::to_value`] for the
/// peer at hand, so an error read from a Pyro4 peer and passed on reaches a Pyro5 caller as
/// Pyro5's class (and the other way); builtins and other classes keep their names.
///
/// ```
/// use pyroxene_wire::dialect::RemoteException;
/// use pyroxene_wire::{Serializer, Value};
/// let reply = br#"{"__class__": "builtins.KeyError", "__exception__": true, "args": ["missing"], "attributes": {"_pyroTraceback": ["line\n"]}}"#;
/// let err = RemoteException::from_value(&Serializer::Json.decode(reply).unwrap()).unwrap();
/// assert_eq!(err.class, "builtins.KeyError");
/// assert_eq!(err.args, vec![Value::from("missing")]);
/// assert_eq!(err.traceback.as_deref(), Some(&["line\n".to_string()][..]));
/// assert_eq!(err.to_string(), "KeyError: 'missing'");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteException {
    /// The class: Pyro's own (`NamingError`, either generation) or a qualified name
    /// (`builtins.ValueError`, ...).
    pub class: ExceptionClass,
    /// The constructor arguments (usually one message string).
    pub args: Vec<Value>,
    /// Other instance attributes (without `_pyroTraceback`, unless it was not a list). Boxed to
    /// keep `Result<T, RemoteException>` small (methods return it).
    pub attributes: Box<Dict>,
    /// The remote traceback lines, each ending in `\n`.
    pub traceback: Option<Vec<String>>,
}

impl RemoteException {
    /// An exception of `class` with one message argument. A qualified name of Pyro's classes
    /// (`Pyro5.errors.NamingError`, `Pyro4.errors.NamingError`) makes Pyro's class, written
    /// for each peer in its generation; see [`ExceptionClass`].
    pub fn new(class: impl Into<ExceptionClass>, message: impl Into<String>) -> RemoteException {
        RemoteException::with_args(class, vec![Value::Str(message.into())])
    }

    /// An exception of `class` with these constructor arguments (Python's `args`).
    pub fn with_args(class: impl Into<ExceptionClass>, args: Vec<Value>) -> RemoteException {
        RemoteException {
            class: class.into(),
            args,
            attributes: Box::default(),
            traceback: None,
        }
    }

    /// A Python builtin exception: `builtin("KeyError", "x")` is `builtins.KeyError`.
    pub fn builtin(name: &str, message: impl Into<String>) -> RemoteException {
        RemoteException::new(ExceptionClass::builtin(name), message)
    }

    /// One of Pyro's own errors (named for each peer in its generation when sent).
    ///
    /// ```
    /// use pyroxene_wire::ProtocolVersion;
    /// use pyroxene_wire::dialect::{PyroErrorClass, RemoteException};
    /// let e = RemoteException::pyro(PyroErrorClass::DaemonError, "unknown object");
    /// assert_eq!(e.to_value(ProtocolVersion::V5).get("__class__").unwrap().as_str(), Some("Pyro5.errors.DaemonError"));
    /// assert_eq!(e.to_value(ProtocolVersion::V4).get("__class__").unwrap().as_str(), Some("Pyro4.errors.DaemonError"));
    /// ```
    pub fn pyro(class: PyroErrorClass, message: impl Into<String>) -> RemoteException {
        RemoteException::new(class, message)
    }

    /// The same exception with traceback lines.
    #[must_use]
    pub fn with_traceback(mut self, lines: Vec<String>) -> RemoteException {
        self.traceback = Some(lines);
        self
    }

    /// The same exception with an extra attribute.
    #[must_use]
    pub fn with_attribute(mut self, name: &str, value: impl Into<Value>) -> RemoteException {
        self.attributes.insert(Value::from(name), value.into());
        self
    }

    /// The class name without its module: `ValueError`.
    pub fn short_class(&self) -> &str {
        self.class.short_name()
    }

    /// The Pyro error class, if this is one.
    pub fn pyro_class(&self) -> Option<PyroErrorClass> {
        self.class.pyro()
    }

    /// Whether this is the builtin exception `name` (`builtins.X`, `exceptions.X` or bare `X`).
    ///
    /// ```
    /// use pyroxene_wire::dialect::RemoteException;
    /// assert!(RemoteException::builtin("StopIteration", "").is_builtin("StopIteration"));
    /// ```
    pub fn is_builtin(&self, name: &str) -> bool {
        self.class.is_builtin(name)
    }

    /// Python's `str(exc)`: empty for no args, the argument for one (a KeyError shows its
    /// repr), the args tuple's repr for several.
    pub fn message(&self) -> String {
        match self.args.as_slice() {
            [] => String::new(),
            [Value::Str(s)] if !self.is_builtin("KeyError") => s.clone(),
            [one] => one.to_string(),
            many => Value::Tuple(many.to_vec()).to_string(),
        }
    }

    /// The value form for a peer of `version` (see the type's docs): Pyro's classes in that
    /// generation's module.
    pub fn to_value(&self, version: ProtocolVersion) -> Value {
        let mut attributes = (*self.attributes).clone();
        match &self.traceback {
            Some(lines) => {
                let lines = lines.iter().map(|l| Value::Str(l.clone())).collect();
                attributes.insert(Value::from(TRACEBACK), Value::List(lines));
            }
            None if attributes.contains_key(&StrKey(TRACEBACK)) => {}
            None => {
                attributes.insert(Value::from(TRACEBACK), Value::None);
            }
        }
        crate::dict! {
            "__class__" => self.class.class_name(version),
            "__exception__" => true,
            "args" => Value::Tuple(self.args.clone()),
            "attributes" => attributes,
        }
    }

    /// Reads the dict form; `args` may be a tuple or a list, `attributes` may be missing.
    ///
    /// # Errors
    /// [`DialectError`] when `value` is not a dict, lacks `__class__` or `args`, or they
    /// have the wrong types.
    pub fn from_value(value: &Value) -> Result<RemoteException, DialectError> {
        let d = expect_dict(value)?;
        let class = ExceptionClass::from(text(require(d, "__class__")?, "exception __class__")?);
        let args = items(require(d, "args")?, "exception args")?
            .into_iter()
            .cloned()
            .collect();
        let mut attributes = match d.get(&StrKey("attributes")) {
            None | Some(Value::None) => Dict::default(),
            Some(Value::Dict(a)) => (**a).clone(),
            Some(other) => {
                return Err(DialectError::invalid(format!(
                    "exception attributes must be a dict, not {}",
                    other.type_name()
                )));
            }
        };
        let traceback = match attributes.get(&StrKey(TRACEBACK)) {
            Some(Value::Str(line)) => Some(vec![line.clone()]),
            Some(lines @ (Value::List(_) | Value::Tuple(_))) => items(lines, "traceback")?
                .into_iter()
                .map(|l| text(l, "traceback line"))
                .collect::<Result<Vec<_>, _>>()
                .ok(),
            _ => None,
        };
        if traceback.is_some() || attributes.get(&StrKey(TRACEBACK)) == Some(&Value::None) {
            attributes.shift_remove(&StrKey(TRACEBACK));
        }
        Ok(RemoteException {
            class,
            args,
            attributes: Box::new(attributes),
            traceback,
        })
    }

    /// Whether `value` is an exception dict (`__class__` plus a true `__exception__`).
    pub fn is_exception_value(value: &Value) -> bool {
        value
            .as_dict()
            .is_some_and(RemoteException::is_exception_dict)
    }

    /// [`RemoteException::is_exception_value`] for the dict itself.
    pub(crate) fn is_exception_dict(d: &Dict) -> bool {
        d.get(&StrKey("__class__"))
            .and_then(Value::as_str)
            .is_some()
            && d.get(&StrKey("__exception__"))
                .is_some_and(Value::is_truthy)
    }

    /// The batch-result wrapper around this exception, named for a peer of `version`:
    ///
    /// ```text
    /// {'__class__': 'Pyro5.core._ExceptionWrapper', 'exception': {<exception dict>}}
    /// ```
    pub fn to_wrapper_value(&self, version: ProtocolVersion) -> Value {
        crate::dict! {
            "__class__" => exception_wrapper_class(version),
            "exception" => self.to_value(version),
        }
    }

    /// Whether `value` is an exception wrapper of either version.
    pub fn is_wrapper_value(value: &Value) -> bool {
        class_of(value).is_some_and(|c| {
            c == exception_wrapper_class(ProtocolVersion::V5)
                || c == exception_wrapper_class(ProtocolVersion::V4)
        })
    }

    /// The exception inside a wrapper of either version.
    ///
    /// # Errors
    /// When `value` is not a wrapper or its `exception` is not an exception dict.
    pub fn from_wrapper_value(value: &Value) -> Result<RemoteException, DialectError> {
        if !RemoteException::is_wrapper_value(value) {
            return Err(DialectError::invalid("not an exception wrapper"));
        }
        RemoteException::from_value(require(expect_dict(value)?, "exception")?)
    }
}

impl fmt::Display for RemoteException {
    /// The last line of Python's traceback, `ValueError: text`, with builtins and Pyro's
    /// classes without their module (`NamingError: unknown name: x`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = match &self.class {
            ExceptionClass::Other(name) => name.strip_prefix("builtins.").unwrap_or(name),
            ExceptionClass::Pyro(class) => class.name(),
        };
        let message = self.message();
        if message.is_empty() {
            f.write_str(class)
        } else {
            write!(f, "{class}: {message}")
        }
    }
}

impl std::error::Error for RemoteException {}

/// The results of a BATCH reply: one `Ok` per call that ran, and an `Err` where a call raised
/// (Python stops there, so it is the last item).
///
/// ```
/// use pyroxene_wire::dialect::{RemoteException, batch_results};
/// use pyroxene_wire::{ProtocolVersion, Value, list};
/// let err = RemoteException::builtin("ValueError", "boom");
/// let reply = list![1, "two", err.to_wrapper_value(ProtocolVersion::V5)];
/// let results = batch_results(reply).unwrap();
/// assert_eq!(results[1], Ok(Value::from("two")));
/// assert_eq!(results[2], Err(err));
/// ```
///
/// # Errors
/// When the reply is not a sequence or a wrapper holds no exception dict.
pub fn batch_results(reply: Value) -> Result<Vec<Result<Value, RemoteException>>, DialectError> {
    let items = match reply {
        Value::List(v) | Value::Tuple(v) => v,
        other => {
            return Err(DialectError::invalid(format!(
                "batch result must be a sequence, not {}",
                other.type_name()
            )));
        }
    };
    items
        .into_iter()
        .map(|item| {
            if RemoteException::is_wrapper_value(&item) {
                Ok(Err(RemoteException::from_wrapper_value(&item)?))
            } else {
                Ok(Ok(item))
            }
        })
        .collect()
}
