//! [`RemoteObject`]: what the daemon calls. `#[pyroxene::expose]` implements it for an `impl`
//! block; implement it by hand for dynamic dispatch (proxies, gateways, scripting bridges).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use pyroxene_wire::dialect::RemoteException;
use pyroxene_wire::{Dict, ProtocolVersion, Value};

use super::context::CallContext;

/// A boxed future, as trait objects return them.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

pub use pyroxene_wire::dialect::Metadata;

/// One call as the daemon hands it to an object: the method and its arguments, owned so sync
/// methods can move them onto a blocking thread.
#[derive(Debug, Clone)]
#[non_exhaustive]
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

impl Invocation {
    /// A call of `method` with these arguments, in `context` (for objects that forward calls,
    /// and tests; the daemon makes the others).
    pub fn new(
        method: impl Into<String>,
        args: Vec<Value>,
        kwargs: Dict,
        context: Arc<CallContext>,
    ) -> Invocation {
        Invocation {
            method: method.into(),
            args,
            kwargs,
            context,
        }
    }
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

    /// The metadata a caller speaking `protocol` sees: what the daemon sends in CONNECTOK,
    /// answers to `Pyro.Daemon.get_metadata` and checks batched calls against. By default
    /// [`RemoteObject::metadata`] for both generations; an object whose API differs between
    /// Pyro4 and Pyro5 callers overrides it (the name server: Pyro4's has no `yplookup`), so
    /// a proxy of either generation refuses locally what its generation's server lacks.
    fn metadata_for(&self, protocol: ProtocolVersion) -> Metadata {
        let _ = protocol;
        self.metadata()
    }

    /// Calls an exposed method. The daemon has already refused private and unexposed names.
    fn invoke(self: Arc<Self>, call: Invocation) -> BoxFuture<CallResult>;

    /// Answers a call at once, without a future, when its method never waits: the result, or
    /// the call handed back for [`RemoteObject::invoke`]. The daemon tries this first (the
    /// call's [`current_context`](crate::current_context) is set meanwhile); the default
    /// hands every call back. `#[expose]` answers its `#[nonblocking]` methods here, which
    /// spares them a boxed future per call.
    fn invoke_now(&self, call: Invocation) -> Result<CallResult, Invocation> {
        Err(call)
    }

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

pub use pyroxene_wire::dialect::is_private_name;
