//! Every Python class name a payload carries, per protocol version: Pyro's exception classes
//! ([`PyroErrorClass`]), the class of any exception ([`ExceptionClass`]), and the URI, proxy
//! and batch-wrapper classes. The one table of them; everything else asks here.

use std::fmt;

use crate::ProtocolVersion;

/// Pyro's own exception classes (the same hierarchy in Pyro4 and Pyro5).
///
/// A value of this type names no generation: it becomes `Pyro4.errors.X` or `Pyro5.errors.X`
/// only when a payload is written for a peer ([`PyroErrorClass::class_name`]), so an error
/// that came from a Pyro4 peer reaches a Pyro5 caller as Pyro5's class, and the other way.
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

/// `(class, bare name, Pyro4 name, Pyro5 name)`: the table.
const PYRO_ERRORS: [(PyroErrorClass, &str, &str, &str); 10] = {
    use PyroErrorClass::*;
    [
        (
            PyroError,
            "PyroError",
            "Pyro4.errors.PyroError",
            "Pyro5.errors.PyroError",
        ),
        (
            CommunicationError,
            "CommunicationError",
            "Pyro4.errors.CommunicationError",
            "Pyro5.errors.CommunicationError",
        ),
        (
            ConnectionClosedError,
            "ConnectionClosedError",
            "Pyro4.errors.ConnectionClosedError",
            "Pyro5.errors.ConnectionClosedError",
        ),
        (
            TimeoutError,
            "TimeoutError",
            "Pyro4.errors.TimeoutError",
            "Pyro5.errors.TimeoutError",
        ),
        (
            ProtocolError,
            "ProtocolError",
            "Pyro4.errors.ProtocolError",
            "Pyro5.errors.ProtocolError",
        ),
        (
            MessageTooLargeError,
            "MessageTooLargeError",
            "Pyro4.errors.MessageTooLargeError",
            "Pyro5.errors.MessageTooLargeError",
        ),
        (
            SerializeError,
            "SerializeError",
            "Pyro4.errors.SerializeError",
            "Pyro5.errors.SerializeError",
        ),
        (
            NamingError,
            "NamingError",
            "Pyro4.errors.NamingError",
            "Pyro5.errors.NamingError",
        ),
        (
            DaemonError,
            "DaemonError",
            "Pyro4.errors.DaemonError",
            "Pyro5.errors.DaemonError",
        ),
        (
            SecurityError,
            "SecurityError",
            "Pyro4.errors.SecurityError",
            "Pyro5.errors.SecurityError",
        ),
    ]
};

impl PyroErrorClass {
    /// All ten.
    pub const ALL: [PyroErrorClass; 10] = {
        let mut all = [PyroErrorClass::PyroError; 10];
        let mut i = 0;
        while i < 10 {
            all[i] = PYRO_ERRORS[i].0;
            i += 1;
        }
        all
    };

    fn row(self) -> &'static (PyroErrorClass, &'static str, &'static str, &'static str) {
        // The table is in declaration order.
        &PYRO_ERRORS[self as usize]
    }

    /// The bare class name, e.g. `"NamingError"`.
    pub fn name(self) -> &'static str {
        self.row().1
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
    pub fn class_name(self, version: ProtocolVersion) -> &'static str {
        match version {
            ProtocolVersion::V4 => self.row().2,
            ProtocolVersion::V5 => self.row().3,
        }
    }

    /// The class a qualified name of either generation (`Pyro4.errors.X`, `Pyro5.errors.X`)
    /// or a bare name (`X`) means.
    ///
    /// ```
    /// use pyroxene_wire::dialect::PyroErrorClass;
    /// assert_eq!(PyroErrorClass::from_class_name("Pyro4.errors.DaemonError"), Some(PyroErrorClass::DaemonError));
    /// assert_eq!(PyroErrorClass::from_class_name("SecurityError"), Some(PyroErrorClass::SecurityError));
    /// assert_eq!(PyroErrorClass::from_class_name("builtins.TimeoutError"), None);
    /// ```
    pub fn from_class_name(name: &str) -> Option<PyroErrorClass> {
        PyroErrorClass::from_qualified_name(name).or_else(|| {
            PYRO_ERRORS
                .iter()
                .find(|row| row.1 == name)
                .map(|row| row.0)
        })
    }

    /// The class a qualified name of either generation means (bare names don't count: a
    /// class written without its module is not one of Pyro's on the wire).
    pub fn from_qualified_name(name: &str) -> Option<PyroErrorClass> {
        PYRO_ERRORS
            .iter()
            .find(|row| row.2 == name || row.3 == name)
            .map(|row| row.0)
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

impl fmt::Display for PyroErrorClass {
    /// The bare name (the class has one per generation; see [`PyroErrorClass::class_name`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The class of an exception that crosses the wire: one of Pyro's own, kept version-neutral
/// until it is written for a peer, or any other Python class by its qualified name
/// (`builtins.ValueError`, which both generations share, or an application's class).
///
/// Made from a name with [`From`], which recognises Pyro's classes of either generation:
///
/// ```
/// use pyroxene_wire::ProtocolVersion::{V4, V5};
/// use pyroxene_wire::dialect::{ExceptionClass, PyroErrorClass};
/// let from_pyro4 = ExceptionClass::from("Pyro4.errors.NamingError");
/// assert_eq!(from_pyro4, ExceptionClass::Pyro(PyroErrorClass::NamingError));
/// assert_eq!(from_pyro4.class_name(V5), "Pyro5.errors.NamingError");
/// // A comparison with a name compares classes, so either generation's name matches.
/// assert!(from_pyro4 == "Pyro5.errors.NamingError" && from_pyro4 == "Pyro4.errors.NamingError");
///
/// let builtin = ExceptionClass::from("builtins.ValueError");
/// assert_eq!((builtin.class_name(V4), builtin.class_name(V5)), ("builtins.ValueError", "builtins.ValueError"));
/// assert_eq!(builtin.short_name(), "ValueError");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExceptionClass {
    /// One of Pyro's errors, named for the peer when written.
    Pyro(PyroErrorClass),
    /// Any other class, by the qualified name it is written with.
    Other(String),
}

impl ExceptionClass {
    /// A Python builtin: `builtin("KeyError")` is `builtins.KeyError`.
    pub fn builtin(name: &str) -> ExceptionClass {
        ExceptionClass::Other(format!("builtins.{name}"))
    }

    /// The qualified name a peer of `version` reads.
    pub fn class_name(&self, version: ProtocolVersion) -> &str {
        match self {
            ExceptionClass::Pyro(class) => class.class_name(version),
            ExceptionClass::Other(name) => name,
        }
    }

    /// The class name without its module: `ValueError`, `NamingError`.
    pub fn short_name(&self) -> &str {
        match self {
            ExceptionClass::Pyro(class) => class.name(),
            ExceptionClass::Other(name) => name.rsplit('.').next().unwrap_or(name),
        }
    }

    /// The Pyro error class, if this is one.
    pub fn pyro(&self) -> Option<PyroErrorClass> {
        match self {
            ExceptionClass::Pyro(class) => Some(*class),
            ExceptionClass::Other(_) => None,
        }
    }

    /// Whether this is Pyro's `class` or one of its subclasses (Python's `isinstance`).
    pub fn is_pyro(&self, class: PyroErrorClass) -> bool {
        self.pyro().is_some_and(|c| c.is_subclass_of(class))
    }

    /// Whether this is the builtin exception `name` (`builtins.X`, Python 2's `exceptions.X`,
    /// or a bare `X`).
    pub fn is_builtin(&self, name: &str) -> bool {
        let ExceptionClass::Other(class) = self else {
            return false;
        };
        let bare = class
            .strip_prefix("builtins.")
            .or_else(|| class.strip_prefix("exceptions."))
            .unwrap_or(class);
        bare == name
    }
}

impl From<PyroErrorClass> for ExceptionClass {
    fn from(class: PyroErrorClass) -> ExceptionClass {
        ExceptionClass::Pyro(class)
    }
}

impl From<&str> for ExceptionClass {
    /// Pyro's class for `Pyro4.errors.X` / `Pyro5.errors.X`, else the name as it is.
    fn from(name: &str) -> ExceptionClass {
        match PyroErrorClass::from_qualified_name(name) {
            Some(class) => ExceptionClass::Pyro(class),
            None => ExceptionClass::Other(name.to_owned()),
        }
    }
}

impl From<String> for ExceptionClass {
    /// As `From<&str>`, keeping the string when it is not one of Pyro's classes.
    fn from(name: String) -> ExceptionClass {
        match PyroErrorClass::from_qualified_name(&name) {
            Some(class) => ExceptionClass::Pyro(class),
            None => ExceptionClass::Other(name),
        }
    }
}

impl From<&String> for ExceptionClass {
    fn from(name: &String) -> ExceptionClass {
        ExceptionClass::from(name.as_str())
    }
}

impl PartialEq<str> for ExceptionClass {
    /// Whether `name` names this class (either generation's name for Pyro's classes).
    fn eq(&self, name: &str) -> bool {
        match self {
            ExceptionClass::Pyro(class) => {
                PyroErrorClass::from_qualified_name(name) == Some(*class)
            }
            ExceptionClass::Other(own) => own == name,
        }
    }
}

impl PartialEq<&str> for ExceptionClass {
    fn eq(&self, name: &&str) -> bool {
        *self == **name
    }
}

impl PartialEq<String> for ExceptionClass {
    fn eq(&self, name: &String) -> bool {
        *self == *name.as_str()
    }
}

impl fmt::Display for ExceptionClass {
    /// Pyro's classes by their bare name (they have one per generation), others by their
    /// qualified name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExceptionClass::Pyro(class) => f.write_str(class.name()),
            ExceptionClass::Other(name) => f.write_str(name),
        }
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

/// `Pyro4.futures._ExceptionWrapper` / `Pyro5.core._ExceptionWrapper` (batch results).
pub fn exception_wrapper_class(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V4 => "Pyro4.futures._ExceptionWrapper",
        ProtocolVersion::V5 => "Pyro5.core._ExceptionWrapper",
    }
}

/// The other generation (what a class name must be translated from).
pub(crate) fn other(version: ProtocolVersion) -> ProtocolVersion {
    match version {
        ProtocolVersion::V4 => ProtocolVersion::V5,
        ProtocolVersion::V5 => ProtocolVersion::V4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_declaration_order_and_complete() {
        for (i, row) in PYRO_ERRORS.iter().enumerate() {
            assert_eq!(row.0 as usize, i);
            assert_eq!(row.2, format!("Pyro4.errors.{}", row.1));
            assert_eq!(row.3, format!("Pyro5.errors.{}", row.1));
        }
        assert_eq!(
            PyroErrorClass::ALL.map(|c| c as usize),
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        );
    }

    #[test]
    fn classes_read_from_either_generation_are_one() {
        for class in PyroErrorClass::ALL {
            for version in [ProtocolVersion::V4, ProtocolVersion::V5] {
                let read = ExceptionClass::from(class.class_name(version));
                assert_eq!(read, ExceptionClass::Pyro(class));
                assert_eq!(
                    read.class_name(other(version)),
                    class.class_name(other(version))
                );
            }
        }
        // A bare name is not Pyro's on the wire.
        assert_eq!(
            ExceptionClass::from("NamingError"),
            ExceptionClass::Other("NamingError".into())
        );
        assert!(ExceptionClass::builtin("KeyError").is_builtin("KeyError"));
        assert!(ExceptionClass::from("exceptions.KeyError").is_builtin("KeyError"));
        assert!(
            ExceptionClass::from("Pyro5.errors.SerializeError")
                .is_pyro(PyroErrorClass::CommunicationError)
        );
    }
}
