//! The server side: objects the daemon serves and the context of a call.

mod builtin;
mod connection;
mod context;
mod daemon;
mod object;
mod payload;

pub use context::{AnnotationId, CallContext};
pub use daemon::{DAEMON_OBJECT_ID, Daemon, DaemonBuilder, HandshakeValidator};
pub use object::{
    BoxFuture, CallResult, Invocation, Metadata, RemoteObject, is_private_name, unknown_attribute,
};
