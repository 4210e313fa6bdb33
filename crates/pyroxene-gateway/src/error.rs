//! [`GatewayError`]: why a gateway could not be set up or served.

/// A gateway that can't start or stopped serving. Requests never fail this way: each gets an
/// HTTP answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// The expose regex doesn't compile.
    #[error("invalid expose regex '{pattern}'")]
    InvalidRegex {
        /// The pattern given.
        pattern: String,
        /// What the regex crate said.
        #[source]
        source: regex::Error,
    },
    /// The CORS origin can't be sent as a header value.
    #[error("invalid CORS origin '{0}' (not a valid header value)")]
    InvalidCors(String),
    /// The listening socket could not be bound.
    #[error("cannot bind {address}")]
    Bind {
        /// `host:port` as asked.
        address: String,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// Accepting connections failed for good.
    #[error("cannot accept connections")]
    Accept(#[source] std::io::Error),
}
