//! The client side: [`Proxy`] and its blocking twin.

pub mod blocking;
mod proxy;

pub use proxy::Proxy;
