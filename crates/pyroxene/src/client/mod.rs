//! The client side: [`Proxy`] and its blocking twin.

mod batch;
pub mod blocking;
mod connect;
mod context;
mod proxy;
mod resolve;
mod stream;

pub use batch::{Batch, BatchResults};
pub use context::{RequestContext, Response};
pub use proxy::Proxy;
pub use stream::RemoteStream;
