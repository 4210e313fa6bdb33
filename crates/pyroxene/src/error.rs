//! The one error type of pyroxene's networking layer.

use std::fmt;

use crate::RemoteException;
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

/// An error from a daemon or proxy.
#[derive(Debug)]
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

    /// The same error, caused by `source`.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the kind.
    pub fn message(&self) -> &str {
        &self.message
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
    fn from(e: pyroxene_wire::Error) -> Error {
        Error::new(ErrorKind::Serialize, e.to_string()).with_source(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        let kind = match e.kind() {
            std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe => ErrorKind::ConnectionClosed,
            _ => ErrorKind::Communication,
        };
        Error::new(kind, e.to_string()).with_source(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
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
    /// e.g. CommunicationError with the message. Pyro's classes reach each caller in its own
    /// generation (`Pyro4.errors.X` for a Pyro4 client).
    fn from(e: Error) -> RemoteException {
        if let Some(remote) = e.remote {
            return *remote;
        }
        RemoteException::pyro(e.kind.pyro_class(), e.message)
    }
}
