//! Exceptions as values: [`RemoteException`], the batch-result exception wrapper.

use std::fmt;

use super::{
    DialectError, PyroErrorClass, class_of, exception_wrapper_class, expect_dict, items, require,
    text,
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
pub struct RemoteException {
    /// Qualified class name: `builtins.ValueError`, `Pyro5.errors.NamingError`, ...
    pub class: String,
    /// The constructor arguments (usually one message string).
    pub args: Vec<Value>,
    /// Other instance attributes (without `_pyroTraceback`, unless it was not a list). Boxed to
    /// keep `Result<T, RemoteException>` small (methods return it).
    pub attributes: Box<Dict>,
    /// The remote traceback lines, each ending in `\n`.
    pub traceback: Option<Vec<String>>,
}

impl RemoteException {
    /// An exception of `class` (qualified name) with one message argument.
    pub fn new(class: impl Into<String>, message: impl Into<String>) -> RemoteException {
        RemoteException::with_args(class, vec![Value::Str(message.into())])
    }

    /// An exception of `class` with these constructor arguments.
    pub fn with_args(class: impl Into<String>, args: Vec<Value>) -> RemoteException {
        RemoteException {
            class: class.into(),
            args,
            attributes: Box::default(),
            traceback: None,
        }
    }

    /// A Python builtin exception: `builtin("KeyError", "x")` is `builtins.KeyError`.
    pub fn builtin(name: &str, message: impl Into<String>) -> RemoteException {
        RemoteException::new(format!("builtins.{name}"), message)
    }

    /// One of Pyro's own errors, named for a peer of `version`.
    ///
    /// ```
    /// use pyroxene_wire::ProtocolVersion;
    /// use pyroxene_wire::dialect::{PyroErrorClass, RemoteException};
    /// let e = RemoteException::pyro(ProtocolVersion::V5, PyroErrorClass::DaemonError, "unknown object");
    /// assert_eq!(e.class, "Pyro5.errors.DaemonError");
    /// ```
    pub fn pyro(
        version: ProtocolVersion,
        class: PyroErrorClass,
        message: impl Into<String>,
    ) -> RemoteException {
        RemoteException::new(class.class_name(version), message)
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
        self.class.rsplit('.').next().unwrap_or(&self.class)
    }

    /// The Pyro error class, if this is one (`PyroN.errors.X`, or a bare Pyro error name).
    pub fn pyro_class(&self) -> Option<PyroErrorClass> {
        PyroErrorClass::from_class_name(&self.class)
    }

    /// Whether this is the builtin exception `name` (`builtins.X`, `exceptions.X` or bare `X`).
    ///
    /// ```
    /// use pyroxene_wire::dialect::RemoteException;
    /// assert!(RemoteException::builtin("StopIteration", "").is_builtin("StopIteration"));
    /// ```
    pub fn is_builtin(&self, name: &str) -> bool {
        let bare = self
            .class
            .strip_prefix("builtins.")
            .or_else(|| self.class.strip_prefix("exceptions."))
            .unwrap_or(&self.class);
        bare == name
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

    /// The value form (see the type's docs).
    pub fn to_value(&self) -> Value {
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
            "__class__" => self.class.as_str(),
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
        let class = text(require(d, "__class__")?, "exception __class__")?;
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
        class_of(value).is_some() && value.get("__exception__").is_some_and(Value::is_truthy)
    }

    /// The batch-result wrapper around this exception, named for a peer of `version`:
    ///
    /// ```text
    /// {'__class__': 'Pyro5.core._ExceptionWrapper', 'exception': {<exception dict>}}
    /// ```
    pub fn to_wrapper_value(&self, version: ProtocolVersion) -> Value {
        crate::dict! {
            "__class__" => exception_wrapper_class(version),
            "exception" => self.to_value(),
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
    /// The last line of Python's traceback: `ValueError: text` (builtins without module).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = self
            .class
            .strip_prefix("builtins.")
            .unwrap_or(self.class.as_str());
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
