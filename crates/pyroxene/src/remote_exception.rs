//! Provisional home of [`RemoteException`] until the protocol dialect lands in pyroxene-wire
//! (then this becomes a re-export of `pyroxene_wire::dialect::RemoteException`).

use pyroxene_wire::{Dict, Value};

/// An exception that crosses the wire: raised by a remote method, re-raised by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteException {
    /// The Python class name, with module: `builtins.ValueError`, `Pyro5.errors.NamingError`.
    pub class: String,
    /// The exception's args (usually one message string).
    pub args: Vec<Value>,
    /// Extra attributes of the exception object.
    pub attributes: Dict,
    /// The remote traceback lines, when the remote side sent them.
    pub traceback: Option<Vec<String>>,
}

impl RemoteException {
    /// An exception of `class` with one message argument.
    pub fn new(class: impl Into<String>, message: impl Into<String>) -> RemoteException {
        RemoteException {
            class: class.into(),
            args: vec![Value::Str(message.into())],
            attributes: Dict::default(),
            traceback: None,
        }
    }
}
