//! The client side: [`Proxy`] and its blocking twin.

mod args;
mod batch;
mod blob;
pub mod blocking;
mod connect;
mod connector;
mod context;
mod proxy;
mod resolve;
mod settings;
mod stream;
mod value;

pub use args::{Args, IntoArgs};
pub use batch::{Batch, BatchResults};
pub use blob::SerializedBlob;
pub use connector::{Connector, Route};
pub use context::{RequestContext, Response};
pub use proxy::Proxy;
pub use settings::ProxySettings;
pub use stream::RemoteStream;
