//! The server side: objects the daemon serves and the context of a call.

mod context;
mod object;

pub use context::{AnnotationId, CallContext};
pub use object::{
    BoxFuture, CallResult, Invocation, Metadata, RemoteObject, is_private_name, unknown_attribute,
};
