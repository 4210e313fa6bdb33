//! The one error type of the data layer.

use std::fmt;

/// What went wrong, in terms a caller can act on (and map to the Python exception class a
/// Python peer would raise for the same problem, see [`Error::python_class`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is not valid for the format (bad token, bad type byte, trailing junk...).
    Syntax,
    /// The input ended in the middle of a value.
    Truncated,
    /// Containers nest deeper than [`crate::MAX_DEPTH`].
    TooDeep,
    /// A length in the input is larger than the input itself or a configured limit.
    TooLarge,
    /// The value has a type this serializer cannot carry (Python: `SerializeError`).
    Unsupported,
    /// A value of the wrong type, e.g. a tuple as a json dict key (Python: `TypeError`).
    Type,
    /// A value out of range or otherwise invalid (Python: `ValueError`).
    Value,
    /// A message from serde (`to_value` / `from_value`).
    Custom,
}

/// An error from encoding or decoding a [`crate::Value`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    offset: Option<usize>,
}

impl Error {
    /// An error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            offset: None,
        }
    }

    /// The same error, located at byte `offset` of the input.
    #[must_use]
    pub fn at(mut self, offset: usize) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Malformed input at `offset`.
    pub fn syntax(offset: usize, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Syntax, message).at(offset)
    }

    /// Input that ended too early, noticed at `offset`.
    pub fn truncated(offset: usize) -> Self {
        Error::new(ErrorKind::Truncated, "unexpected end of data").at(offset)
    }

    /// Nesting deeper than [`crate::MAX_DEPTH`], noticed at `offset`.
    pub fn too_deep(offset: usize) -> Self {
        Error::new(
            ErrorKind::TooDeep,
            format!("nesting deeper than {} levels", crate::MAX_DEPTH),
        )
        .at(offset)
    }

    /// Python's wording for a type a serializer cannot carry (a `SerializeError`).
    pub fn unsupported(python_type: &str, serializer_class: &str) -> Self {
        Error::new(
            ErrorKind::Unsupported,
            format!(
                "don't know how to serialize class <class '{python_type}'> using serializer \
                 {serializer_class}. Give it vars() or an appropriate __getstate__"
            ),
        )
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message without the location.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte offset in the input where the problem was noticed, for decode errors.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }

    /// The Python exception class a Pyro peer uses for this kind of problem, so a daemon can
    /// answer a bad request the way a Python daemon would.
    pub fn python_class(&self) -> crate::dialect::ExceptionClass {
        use crate::dialect::{ExceptionClass, PyroErrorClass};
        match self.kind {
            ErrorKind::Syntax | ErrorKind::Truncated => ExceptionClass::builtin("ValueError"),
            ErrorKind::TooDeep => ExceptionClass::builtin("RecursionError"),
            ErrorKind::TooLarge | ErrorKind::Value => ExceptionClass::builtin("ValueError"),
            ErrorKind::Unsupported | ErrorKind::Custom => PyroErrorClass::SerializeError.into(),
            ErrorKind::Type => ExceptionClass::builtin("TypeError"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(offset) = self.offset {
            write!(f, " (at byte {offset})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(ErrorKind::Custom, msg.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(ErrorKind::Custom, msg.to_string())
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
