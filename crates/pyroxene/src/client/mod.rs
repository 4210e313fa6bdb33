//! The client side: [`Proxy`] and its blocking twin.

pub mod blocking;
mod connect;
mod context;
mod proxy;
mod resolve;

pub use context::{RequestContext, Response};
pub use proxy::Proxy;
