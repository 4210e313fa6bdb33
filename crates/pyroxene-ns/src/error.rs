//! [`NsError`]: everything the name server can refuse or fail at, with the Python exception
//! class and text a client sees for it.

use pyroxene::RemoteException;
use pyroxene::wire::dialect::{ExceptionClass, PyroErrorClass};
use pyroxene::wire::uri::UriError;

/// Why a name server operation failed. `Display` is the text of the exception Python's name
/// server raises in the same situation; [`NsError::python_class`] is its class.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NsError {
    /// `lookup` / `set_metadata` of a name that isn't registered.
    #[error("unknown name: {0}")]
    UnknownName(String),
    /// `register(..., safe=True)` of a name that is registered already.
    #[error("name already registered: {0}")]
    AlreadyRegistered(String),
    /// A `regex` filter that doesn't compile; the detail is the Rust regex crate's text, not
    /// Python's `re.error` text.
    #[error("invalid regex: {0}")]
    InvalidRegex(String),
    /// `list` with both `prefix` and `regex` (Python: ValueError).
    #[error("you can only filter on one thing at a time")]
    TwoFilters,
    /// `yplookup` with both `meta_all` and `meta_any` (Python: ValueError).
    #[error("you can't use meta_all or meta_any at the same time")]
    TwoMetaFilters,
    /// A URI text that doesn't parse (Python: PyroError from `core.URI(...)`).
    #[error(transparent)]
    Uri(#[from] UriError),
    /// A wrong argument type (Python: TypeError); the text is Python's where Python has one.
    #[error("{0}")]
    Type(String),
    /// The persistent store failed (Python: NamingError "sqlite error in ...").
    #[error("sqlite error in {operation}: {source}")]
    Storage {
        /// What was being done (`setitem`, `getitem`, `open`, ...), as in Python's texts.
        operation: &'static str,
        /// What sqlite said.
        #[source]
        source: rusqlite::Error,
    },
    /// A storage spelling other than `memory`, `sql:FILE` or `dbm:FILE` (Python: ValueError).
    #[error("invalid storage type '{0}'")]
    InvalidStorage(String),
    /// `sql::memory:`: an in-memory sqlite database is refused as Python refuses it.
    #[error(
        "We don't support the sqlite :memory: database type. Just use the default volatile in-memory store."
    )]
    SqliteMemory,
}

impl NsError {
    /// The Python exception class a client raises for this error (Pyro's own classes are in
    /// `Pyro4.errors` or `Pyro5.errors` as the client's generation has them; the texts are
    /// the same).
    pub fn python_class(&self) -> ExceptionClass {
        match self {
            NsError::UnknownName(_)
            | NsError::AlreadyRegistered(_)
            | NsError::InvalidRegex(_)
            | NsError::Storage { .. } => PyroErrorClass::NamingError.into(),
            NsError::TwoFilters
            | NsError::TwoMetaFilters
            | NsError::InvalidStorage(_)
            | NsError::SqliteMemory => ExceptionClass::builtin("ValueError"),
            NsError::Uri(e) => e.python_class().into(),
            NsError::Type(_) => ExceptionClass::builtin("TypeError"),
        }
    }

    /// The exception a client gets for this error.
    pub fn to_remote(&self) -> RemoteException {
        RemoteException::new(self.python_class(), self.to_string())
    }

    /// A storage failure during `operation`.
    pub(crate) fn storage(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> NsError {
        move |source| NsError::Storage { operation, source }
    }
}

impl From<NsError> for RemoteException {
    fn from(e: NsError) -> RemoteException {
        e.to_remote()
    }
}

/// Shorthand for results of name server operations.
pub type Result<T, E = NsError> = std::result::Result<T, E>;
