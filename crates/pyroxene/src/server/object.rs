//! [`RemoteObject`]: what the daemon calls. `#[pyroxene::expose]` implements it for an `impl`
//! block; implement it by hand for dynamic dispatch (proxies, gateways, scripting bridges).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use pyroxene_wire::dialect::RemoteException;
use pyroxene_wire::{Dict, Value};

use super::context::CallContext;

/// A boxed future, as trait objects return them.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

pub use pyroxene_wire::dialect::Metadata;

/// One call as the daemon hands it to an object: the method and its arguments, owned so sync
/// methods can move them onto a blocking thread.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The method name (already checked against the private-name rule).
    pub method: String,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments (empty when the caller sent none or None).
    pub kwargs: Dict,
    /// Who calls and how (client address, annotations, correlation id, ...).
    pub context: Arc<CallContext>,
}

/// The result of a call: a value, or an exception the client re-raises (Python clients see the
/// exception class it names, e.g. `builtins.ValueError`).
pub type CallResult = Result<Value, RemoteException>;

/// An object the daemon can serve.
///
/// Implemented by `#[pyroxene::expose]` for an `impl` block; implement it by hand when the set of
/// methods is only known at run time.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use pyroxene::server::{BoxFuture, CallResult, Invocation, Metadata, RemoteObject};
/// use pyroxene::{RemoteException, Value};
///
/// struct Upper;
/// impl RemoteObject for Upper {
///     fn metadata(&self) -> Metadata {
///         Metadata::new(["upper"], [""; 0], [""; 0])
///     }
///     fn invoke(self: Arc<Self>, call: Invocation) -> BoxFuture<CallResult> {
///         Box::pin(async move {
///             match (call.method.as_str(), call.args.first().and_then(Value::as_str)) {
///                 ("upper", Some(s)) => Ok(Value::from(s.to_uppercase())),
///                 _ => Err(RemoteException::new("builtins.TypeError", "upper(text) takes one str")),
///             }
///         })
///     }
/// }
/// ```
pub trait RemoteObject: Send + Sync + 'static {
    /// The exposed methods, oneway methods and properties.
    fn metadata(&self) -> Metadata;

    /// Calls an exposed method. The daemon has already refused private and unexposed names.
    fn invoke(self: Arc<Self>, call: Invocation) -> BoxFuture<CallResult>;

    /// Reads an exposed property (a Python proxy's attribute access).
    fn get_attr(self: Arc<Self>, name: String, context: Arc<CallContext>) -> BoxFuture<CallResult> {
        let _ = context;
        Box::pin(async move { Err(unknown_attribute(&name)) })
    }

    /// Writes an exposed property.
    fn set_attr(
        self: Arc<Self>,
        name: String,
        value: Value,
        context: Arc<CallContext>,
    ) -> BoxFuture<CallResult> {
        let _ = (value, context);
        Box::pin(async move { Err(unknown_attribute(&name)) })
    }
}

/// Pyro's error for a property that isn't exposed.
pub fn unknown_attribute(name: &str) -> RemoteException {
    RemoteException::new(
        "builtins.AttributeError",
        format!("attempt to access unexposed or unknown remote attribute '{name}'"),
    )
}

/// Pyro's name privacy rule: names starting with `_` are private, except dunder names longer
/// than 4 characters (`__len__`), and a fixed list of special dunders is always private.
pub fn is_private_name(name: &str) -> bool {
    const PRIVATE_DUNDERS: &[&str] = &[
        "__init__",
        "__init_subclass__",
        "__class__",
        "__module__",
        "__weakref__",
        "__call__",
        "__new__",
        "__del__",
        "__repr__",
        "__str__",
        "__format__",
        "__nonzero__",
        "__bool__",
        "__coerce__",
        "__cmp__",
        "__eq__",
        "__ne__",
        "__hash__",
        "__ge__",
        "__gt__",
        "__le__",
        "__lt__",
        "__dir__",
        "__enter__",
        "__exit__",
        "__copy__",
        "__deepcopy__",
        "__sizeof__",
        "__getattr__",
        "__setattr__",
        "__hasattr__",
        "__getattribute__",
        "__delattr__",
        "__instancecheck__",
        "__subclasscheck__",
        "__getinitargs__",
        "__getnewargs__",
        "__getstate__",
        "__setstate__",
        "__reduce__",
        "__reduce_ex__",
        "__subclasshook__",
    ];
    if PRIVATE_DUNDERS.contains(&name) {
        return true;
    }
    if name.len() > 4 && name.starts_with("__") && name.ends_with("__") {
        return false;
    }
    name.starts_with('_')
}

#[cfg(test)]
mod tests {
    use super::is_private_name;

    #[test]
    fn privacy_rule_like_pyro() {
        for private in [
            "_x",
            "__x",
            "_Cls__private",
            "__init__",
            "__getattr__",
            "__call__",
            "__",
        ] {
            assert!(is_private_name(private), "{private}");
        }
        for public in ["echo", "__len__", "__getitem__", "__dunder__", "x_"] {
            assert!(!is_private_name(public), "{public}");
        }
    }
}
