//! Errors, with CPython's texts where CPython has one and its exception class
//! ([`Error::python_class`]).

use std::fmt;
use std::time::Duration;

use pyroxene_wire::repr::{write_bytes_repr, write_str_repr};

use crate::Address;
use crate::frame::FrameError;

/// What can go wrong on a listener or a connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `EOFError`: the peer closed the connection before the next message began.
    #[error("the peer closed the connection (EOFError)")]
    Eof,
    /// `OSError`: the peer closed the connection in the middle of a message; the connection
    /// is closed.
    #[error("got end of file during message")]
    EofDuringMessage,
    /// `OSError`: a message longer than `recv_bytes`' `maxlength`. Its payload is left
    /// unread and the connection can only write from now on (closed if it could not write),
    /// as CPython does.
    #[error("bad message length")]
    BadMessageLength {
        /// The announced length.
        length: u64,
        /// The `maxlength` it broke.
        maxlength: u64,
    },
    /// A message longer than [`Config::max_message_size`](crate::Config::max_message_size)
    /// (CPython has no limit). Handled like [`Error::BadMessageLength`].
    #[error("message of {length} bytes is larger than the limit of {limit} bytes")]
    MessageTooLarge {
        /// The announced length.
        length: u64,
        /// The limit.
        limit: u64,
    },
    /// A header no CPython writes; the connection is closed.
    #[error("bad message header")]
    BadFrame(#[source] FrameError),
    /// `AuthenticationError` in the challenge/response handshake.
    #[error(transparent)]
    Authentication(#[from] AuthenticationError),
    /// `BufferTooShort` from `recv_bytes_into`, carrying the whole message.
    #[error(transparent)]
    BufferTooShort(#[from] BufferTooShort),
    /// The handshake did not finish in time (CPython waits forever).
    #[error("the authentication handshake did not finish within {0:?}")]
    HandshakeTimeout(Duration),
    /// `OSError`: the connection was closed with `close()` (or after a bad frame).
    #[error("handle is closed")]
    Closed,
    /// `OSError`: reading from the writing end of a one-way pipe, or after a bad length.
    #[error("connection is write-only")]
    WriteOnly,
    /// `OSError`: writing to the reading end of a one-way pipe.
    #[error("connection is read-only")]
    ReadOnly,
    /// `OSError`: `accept()` after `close()`.
    #[error("listener is closed")]
    ListenerClosed,
    /// `ValueError` for an argument out of range, with CPython's text (`offset is negative`,
    /// `buffer length < offset + size`, `offset too large`...).
    #[error("{0}")]
    InvalidArgument(&'static str),
    /// `ValueError`: an address no family fits.
    #[error("address type of {} unrecognized", PyStr(.0))]
    Address(String),
    /// The object could not be turned into pickle data (to a [`Value`](pyroxene_wire::Value)
    /// first, then pickled).
    #[error("could not pickle the object")]
    Pickle(#[source] pyroxene_wire::Error),
    /// The message is not pickle data we read, or its value does not fit the requested type.
    #[error("could not unpickle the message")]
    Unpickle(#[source] pyroxene_wire::Error),
    /// Binding the listener failed.
    #[error("could not listen on {address}")]
    Bind {
        /// Where.
        address: Address,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Connecting failed.
    #[error("could not connect to {address}")]
    Connect {
        /// Where.
        address: Address,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Accepting a connection failed.
    #[error("accept failed")]
    Accept(#[source] std::io::Error),
    /// Reading or writing the connection failed.
    #[error("I/O error on the connection")]
    Io(#[source] std::io::Error),
}

impl Error {
    /// The Python exception class `multiprocessing.connection` raises for the same failure.
    pub fn python_class(&self) -> &'static str {
        match self {
            Error::Eof => "EOFError",
            Error::Authentication(_) => "multiprocessing.AuthenticationError",
            Error::BufferTooShort(_) => "multiprocessing.BufferTooShort",
            Error::HandshakeTimeout(_) => "TimeoutError",
            Error::InvalidArgument(_) | Error::Address(_) => "ValueError",
            Error::Pickle(_) => "pickle.PicklingError",
            Error::Unpickle(_) => "pickle.UnpicklingError",
            _ => "OSError",
        }
    }

    /// Whether this is `EOFError`: the peer went away between messages.
    pub fn is_eof(&self) -> bool {
        matches!(self, Error::Eof)
    }

    /// Whether the handshake failed (a wrong key, or a peer that speaks no handshake).
    pub fn is_authentication(&self) -> bool {
        matches!(self, Error::Authentication(_))
    }
}

/// `multiprocessing.AuthenticationError`, with CPython 3.12+'s texts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthenticationError {
    /// We challenged; the peer's MAC was wrong (it has another key). We sent `#FAILURE#`.
    #[error("digest received was wrong")]
    DigestReceivedWrong,
    /// We answered; the peer sent `#FAILURE#` (or anything but `#WELCOME#`).
    #[error("digest sent was rejected")]
    DigestSentRejected,
    /// The first message was no challenge (the peer expects no handshake, or is no
    /// multiprocessing peer).
    #[error("Protocol error, expected challenge: message={}", PyBytes(.0))]
    ExpectedChallenge(Vec<u8>),
    /// A challenge under 20 bytes (3.12.1 printed this text without its number; ours has it).
    #[error("challenge too short: {0} bytes")]
    ChallengeTooShort(usize),
    /// A challenge or answer neither of a legacy length nor opened by an allowed `{digest}`.
    #[error(
        "unsupported message length, missing digest prefix, or unsupported digest: message={}",
        PyBytes(.0)
    )]
    UnsupportedMessage(Vec<u8>),
    /// An answer of the wrong length for its digest.
    #[error("expected '{digest}' of length {expected} got {got}")]
    DigestLength {
        /// The digest the answer named (`md5` for a raw answer).
        digest: &'static str,
        /// Its MAC length.
        expected: usize,
        /// The length received.
        got: usize,
    },
}

/// `multiprocessing.BufferTooShort`: the buffer given to `recv_bytes_into` can't hold the
/// message; the message (already read off the connection) is kept here, as CPython keeps it
/// in `args[0]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("buffer too short for a message of {} bytes", .message.len())]
pub struct BufferTooShort {
    /// The whole message.
    pub message: Vec<u8>,
}

/// Displays bytes as Python's `repr()` does (`b'...'`).
struct PyBytes<'a>(&'a [u8]);

impl fmt::Display for PyBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        write_bytes_repr(&mut s, self.0);
        f.write_str(&s)
    }
}

/// Displays a str as Python's `repr()` does (`'...'`).
struct PyStr<'a>(&'a str);

impl fmt::Display for PyStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        write_str_repr(&mut s, self.0);
        f.write_str(&s)
    }
}

impl From<getrandom::Error> for Error {
    fn from(e: getrandom::Error) -> Error {
        Error::Io(std::io::Error::other(e))
    }
}
