//! The server side: objects the daemon serves and the context of a call.

mod batch;
mod builtin;
mod connection;
mod context;
pub(crate) mod current;
mod daemon;
mod handshake;
mod leases;
mod limits;
mod object;
mod payload;
mod peek;
mod stream;

/// Binds a call's positional and keyword arguments to named parameters with CPython's rules and
/// TypeError texts (what `#[expose]` uses), for objects that implement
/// [`RemoteObject`] by hand. `params` are `(name, required)`; `qualname` is `Class.method`.
pub use crate::macro_support::bind_arguments;

/// Python's error for reading or writing `name` when it isn't an exposed property of class
/// `class` (what `#[expose]` answers), for objects that implement [`RemoteObject`] by hand:
/// Pyro's "unexposed or unknown remote attribute" text when `members` (the class's own names)
/// holds it, `type object 'Class' has no attribute 'name'` when it doesn't.
pub use crate::macro_support::no_attribute;

// The call model: instance modes, proxies as values, kept-serialized blobs.
mod autoproxy;
mod blob;
mod instance;
mod scope;
pub use daemon::WeakDaemon;
pub use instance::{InstanceMode, RemoteClass};

pub use context::{AnnotationId, CallContext};
pub use current::current_context;
pub use daemon::{DAEMON_OBJECT_ID, Daemon, DaemonBuilder};
pub use handshake::{Handshake, HandshakeValidator};
pub use object::{
    BoxFuture, CallResult, Invocation, Metadata, RemoteObject, is_private_name, unknown_attribute,
};
pub use stream::{AnyItem, ItemStream, StreamItem};
