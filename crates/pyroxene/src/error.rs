//! The one error type of pyroxene's networking layer.

use std::fmt;

use crate::RemoteException;
use crate::config::ConfigError;
use crate::wire::protocol::ProtocolError;
use crate::wire::uri::UriError;
use pyroxene_wire::dialect::PyroErrorClass;

/// What kind of failure an [`Error`] is, mirroring Python Pyro's exception classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The connection could not be made or broke (Pyro's `CommunicationError`).
    Communication,
    /// A call did not complete in time (`TimeoutError`).
    Timeout,
    /// The peer closed the connection (`ConnectionClosedError`).
    ConnectionClosed,
    /// The peer sent something that isn't valid Pyro (`ProtocolError`).
    Protocol,
    /// A value could not be (de)serialized (`SerializeError`).
    Serialize,
    /// The remote object raised an exception: see [`Error::remote`].
    Remote,
    /// The daemon refused the connection or the object (`DaemonError`, CONNECTFAIL).
    Daemon,
    /// Bad configuration or arguments.
    Config,
    /// The name server could not be found, or found nothing for a PYRONAME/PYROMETA URI
    /// (Pyro's `NamingError` raised locally; one the name server raised is [`Remote`]).
    ///
    /// [`Remote`]: ErrorKind::Remote
    Naming,
}

impl ErrorKind {
    /// The Pyro error class of this kind, what a Python proxy would raise (and what a method
    /// passing the error on with `?` raises in its caller).
    pub fn pyro_class(self) -> PyroErrorClass {
        match self {
            ErrorKind::Communication => PyroErrorClass::CommunicationError,
            ErrorKind::Timeout => PyroErrorClass::TimeoutError,
            ErrorKind::ConnectionClosed => PyroErrorClass::ConnectionClosedError,
            ErrorKind::Protocol => PyroErrorClass::ProtocolError,
            ErrorKind::Serialize => PyroErrorClass::SerializeError,
            ErrorKind::Daemon => PyroErrorClass::DaemonError,
            ErrorKind::Naming => PyroErrorClass::NamingError,
            ErrorKind::Remote | ErrorKind::Config => PyroErrorClass::PyroError,
        }
    }
}

/// An error from a daemon or proxy: small and opaque, like `serde_json::Error`.
///
/// [`Error::kind`] says what kind of failure it is (Pyro's exception classes), the predicates
/// ask the common questions, and [`Error::remote`] is the exception a remote method raised.
///
/// `Display` shows this error's own level only ("cannot connect to 127.0.0.1:9999"); what
/// caused it is [`std::error::Error::source`], typed (the `io::Error`, the
/// [`ConfigError`], the [`UriError`], the wire error...), so printing the chain shows every
/// cause once. `Debug` prints the message and its causes, one per line, so
/// `fn main() -> pyroxene::Result<()>` ends with a readable report:
///
/// ```text
/// Error: cannot bind 127.0.0.1:9090
///
/// Caused by:
///     Address already in use (os error 98)
/// ```
///
/// ```
/// use std::error::Error as _;
/// let err = pyroxene::Proxy::new("PYRO:nowhere").unwrap_err();
/// assert_eq!(err.to_string(), "invalid URI 'PYRO:nowhere'");
/// assert_eq!(err.source().unwrap().to_string(), "invalid uri");
/// assert_eq!(format!("{err:#}"), "invalid URI 'PYRO:nowhere': invalid uri");
/// assert_eq!(format!("{err:?}"), "invalid URI 'PYRO:nowhere'\n\nCaused by:\n    invalid uri");
/// ```
pub struct Error {
    kind: ErrorKind,
    message: String,
    remote: Option<Box<RemoteException>>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            remote: None,
            source: None,
        }
    }

    /// The same error, caused by `source` (what [`std::error::Error::source`] returns; the
    /// message should not repeat its text).
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the kind and without the causes (this is what `Display` shows).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The text a Python peer is shown for this error: the message of the wire error behind
    /// it when there is one (Python's own text, e.g. "message too large (2000, max=1000)"),
    /// else the message and its causes joined by `": "`.
    pub(crate) fn python_text(&self) -> String {
        let source = self.source.as_deref();
        if let Some(e) = source.and_then(|e| e.downcast_ref::<pyroxene_wire::Error>()) {
            return e.to_string();
        }
        if let Some(e) = source.and_then(|e| e.downcast_ref::<ProtocolError>()) {
            return e.to_string();
        }
        self.chain_text()
    }

    /// The message and every cause, joined by `": "` (as Python's error texts include their
    /// cause: "cannot connect to ...: [Errno 111] Connection refused").
    pub(crate) fn chain_text(&self) -> String {
        let mut text = self.message.clone();
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            text.push_str(": ");
            text.push_str(&e.to_string());
            cause = e.source();
        }
        text
    }

    /// The exception the remote method raised, for [`ErrorKind::Remote`].
    pub fn remote(&self) -> Option<&RemoteException> {
        self.remote.as_deref()
    }

    /// True for [`ErrorKind::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// True when the remote method raised an exception.
    pub fn is_remote(&self) -> bool {
        self.kind == ErrorKind::Remote
    }

    /// True for Pyro's `NamingError`, whether raised here ([`ErrorKind::Naming`]: no name
    /// server, nothing to resolve to) or by the name server (a remote `NamingError`, e.g.
    /// "unknown name: x" or "name already registered: x").
    pub fn is_naming_error(&self) -> bool {
        self.kind == ErrorKind::Naming
            || self
                .remote()
                .is_some_and(|r| r.pyro_class() == Some(PyroErrorClass::NamingError))
    }

    /// True for errors of the connection itself (a reconnect may help).
    pub fn is_communication(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Communication
                | ErrorKind::ConnectionClosed
                | ErrorKind::Timeout
                | ErrorKind::Protocol
        )
    }
}

impl From<RemoteException> for Error {
    fn from(e: RemoteException) -> Error {
        let text = e
            .args
            .first()
            .and_then(|a| a.as_str().map(str::to_owned))
            .unwrap_or_default();
        Error {
            kind: ErrorKind::Remote,
            message: format!("{}: {text}", e.class),
            remote: Some(Box::new(e)),
            source: None,
        }
    }
}

impl From<pyroxene_wire::Error> for Error {
    /// A value that could not be encoded or decoded ([`ErrorKind::Serialize`]).
    fn from(e: pyroxene_wire::Error) -> Error {
        Error::new(ErrorKind::Serialize, "serialization error").with_source(e)
    }
}

impl From<std::io::Error> for Error {
    /// [`ErrorKind::Timeout`], [`ErrorKind::ConnectionClosed`] (end of stream, reset, broken
    /// pipe) or [`ErrorKind::Communication`].
    fn from(e: std::io::Error) -> Error {
        let (kind, message) = match e.kind() {
            std::io::ErrorKind::TimedOut => (ErrorKind::Timeout, "timed out"),
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe => (ErrorKind::ConnectionClosed, "connection lost"),
            _ => (ErrorKind::Communication, "communication error"),
        };
        Error::new(kind, message).with_source(e)
    }
}

impl From<ConfigError> for Error {
    /// A refused configuration ([`ErrorKind::Config`]), e.g. a bad `PYRO_*` variable.
    fn from(e: ConfigError) -> Error {
        Error::new(ErrorKind::Config, "invalid configuration").with_source(e)
    }
}

impl From<UriError> for Error {
    /// A URI that does not parse ([`ErrorKind::Config`]).
    fn from(e: UriError) -> Error {
        Error::new(ErrorKind::Config, "invalid URI").with_source(e)
    }
}

impl fmt::Display for Error {
    /// The message, this level only; `{:#}` adds the causes, joined by `": "` (as `anyhow`
    /// does): "cannot connect to 127.0.0.1:9999: Connection refused (os error 111)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.write_str(&self.chain_text())
        } else {
            f.write_str(&self.message)
        }
    }
}

impl fmt::Debug for Error {
    /// The message, then its causes, one per line (numbered when there are several), as
    /// `anyhow` prints an error: what `fn main() -> pyroxene::Result<()>` shows. The remote
    /// traceback follows for an exception a remote method raised. `{:#?}` shows the fields.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return f
                .debug_struct("Error")
                .field("kind", &self.kind)
                .field("message", &self.message)
                .field("remote", &self.remote)
                .field("source", &self.source)
                .finish();
        }
        f.write_str(&self.message)?;
        let mut causes = Vec::new();
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            causes.push(e.to_string());
            cause = e.source();
        }
        if !causes.is_empty() {
            f.write_str("\n\nCaused by:")?;
            let numbered = causes.len() > 1;
            for (i, text) in causes.iter().enumerate() {
                if numbered {
                    write!(f, "\n    {i}: {text}")?;
                } else {
                    write!(f, "\n    {text}")?;
                }
            }
        }
        if let Some(traceback) = self.remote().and_then(|r| r.traceback.as_ref()) {
            f.write_str("\n\nRemote traceback:\n")?;
            for line in traceback {
                f.write_str(line)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Result alias of pyroxene.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for RemoteException {
    /// What a method raises when a call it made failed, so `?` works in methods returning
    /// `Result<_, RemoteException>`: the remote exception itself (as a Python method calling a
    /// proxy lets it propagate), else the Pyro error of the kind ([`ErrorKind::pyro_class`]),
    /// e.g. CommunicationError, with the message and its causes (Python's texts carry their
    /// cause too: "cannot connect to ...: [Errno 111] Connection refused"). Pyro's classes
    /// reach each caller in its own generation (`Pyro4.errors.X` for a Pyro4 client).
    fn from(mut e: Error) -> RemoteException {
        if let Some(remote) = e.remote.take() {
            return *remote;
        }
        RemoteException::pyro(e.kind.pyro_class(), e.chain_text())
    }
}
