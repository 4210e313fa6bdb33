//! [`NsError`]: everything the name server can refuse or fail at, with the Python exception
//! class and text a client sees for it.

use std::fmt;
use std::path::{Path, PathBuf};

use pyroxene::RemoteException;
use pyroxene::wire::dialect::{ExceptionClass, PyroErrorClass};
use pyroxene::wire::uri::UriError;

/// Why a name server operation failed. `Display` is the text of the exception Python's name
/// server raises in the same situation, without its cause (the cause is the error's
/// `source()`); [`NsError::to_remote`] is the exception a client gets, class and whole text.
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
    /// A `regex` filter whose matching ran past the time bound (Python's name server has
    /// none: its `re` can run for ever, holding the store lock).
    #[error("regex matching took longer than {}s; use a simpler pattern", .0.as_secs_f64())]
    RegexTooSlow(std::time::Duration),
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
    /// The persistent store failed (Python: NamingError "sqlite error in setitem: ...").
    #[error("sqlite error in {operation}")]
    Storage {
        /// What was being done (`setitem`, `getitem`, `remove_items`, ...), as in Python's
        /// texts.
        operation: &'static str,
        /// What sqlite said.
        #[source]
        source: SqliteError,
    },
    /// The database file could not be opened or set up (Python's name server fails to start
    /// with sqlite's `OperationalError`).
    #[error("cannot open sqlite database {}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What sqlite said.
        #[source]
        source: SqliteError,
    },
    /// A storage spelling other than `memory`, `sql:FILE`, `dbm:FILE` or `etcd:URLS[/PREFIX]`
    /// (Python: ValueError).
    #[error("invalid storage type '{0}'")]
    InvalidStorage(String),
    /// A malformed `lease:` tag, or two of them (pyroxene's leases; a ValueError for the
    /// client).
    #[error(transparent)]
    InvalidLease(#[from] pyroxene::naming::lease::LeaseTagError),
    /// `renew` of a name registered without a lease.
    #[error("name has no lease: {0}")]
    NoLease(String),
    /// The etcd store failed or could not get an answer (no majority of its members reachable).
    #[error("etcd error in {operation}")]
    Etcd {
        /// What was being done (`setitem`, `remove_items`, `renew`, ...).
        operation: &'static str,
        /// What went wrong.
        #[source]
        source: EtcdError,
    },
    /// `etcd:` storage that names no usable endpoint, or a binary built without etcd.
    #[error("invalid etcd storage '{spec}': {reason}")]
    InvalidEtcd {
        /// The spelling given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
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
            | NsError::RegexTooSlow(_)
            | NsError::Storage { .. }
            | NsError::Open { .. }
            | NsError::NoLease(_)
            | NsError::Etcd { .. } => PyroErrorClass::NamingError.into(),
            NsError::TwoFilters
            | NsError::TwoMetaFilters
            | NsError::InvalidStorage(_)
            | NsError::InvalidLease(_)
            | NsError::InvalidEtcd { .. }
            | NsError::SqliteMemory => ExceptionClass::builtin("ValueError"),
            NsError::Uri(e) => e.python_class().into(),
            NsError::Type(_) => ExceptionClass::builtin("TypeError"),
        }
    }

    /// The exception a client gets for this error: Python's text, the cause included
    /// ("sqlite error in setitem: database is locked").
    pub fn to_remote(&self) -> RemoteException {
        let text = match self {
            NsError::Storage { source, .. } | NsError::Open { source, .. } => {
                format!("{self}: {source}")
            }
            NsError::Etcd { source, .. } => format!("{self}: {source}"),
            _ => self.to_string(),
        };
        RemoteException::new(self.python_class(), text)
    }

    /// A storage failure during `operation`.
    pub(crate) fn storage(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> NsError {
        move |e| NsError::Storage {
            operation,
            source: SqliteError {
                error: e,
                path: None,
            },
        }
    }

    /// A failure to open or set up the database at `path`.
    pub(crate) fn open(path: &Path) -> impl FnOnce(rusqlite::Error) -> NsError {
        move |e| NsError::Open {
            path: path.to_owned(),
            source: SqliteError {
                error: e,
                path: Some(path.to_owned()),
            },
        }
    }
}

/// What sqlite said, shown as sqlite's message alone (Python's `str()` of its sqlite3 error):
/// rusqlite's own text appends the file name, and its source repeats the message with the
/// error code, which a printed cause chain would show twice. [`SqliteError::get_ref`] is
/// rusqlite's error, whole.
#[derive(Debug)]
pub struct SqliteError {
    error: rusqlite::Error,
    /// The file whose name rusqlite appends to open errors.
    path: Option<PathBuf>,
}

impl SqliteError {
    /// rusqlite's error (with the sqlite error code).
    pub fn get_ref(&self) -> &rusqlite::Error {
        &self.error
    }
}

impl fmt::Display for SqliteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            rusqlite::Error::SqliteFailure(_, Some(message)) => {
                let suffix = self.path.as_ref().map(|p| format!(": {}", p.display()));
                let message = suffix
                    .and_then(|s| message.strip_suffix(&s))
                    .unwrap_or(message);
                f.write_str(message)
            }
            other => other.fmt(f),
        }
    }
}

impl std::error::Error for SqliteError {}

impl From<NsError> for RemoteException {
    fn from(e: NsError) -> RemoteException {
        e.to_remote()
    }
}

/// Why an etcd request failed: etcd's (or the connection's) answer, or none in time.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EtcdError {
    /// No answer within the request timeout: without a majority of its members etcd can't
    /// commit a change (nor answer a linearizable read).
    #[error("no answer from etcd within {0:?} (is a majority of its members up?)")]
    Timeout(std::time::Duration),
    /// What the etcd client reported.
    #[cfg(feature = "etcd")]
    #[error("{}", etcd_text(.0))]
    Client(#[source] etcd_client::Error),
    /// A change was undone by others again and again (another name server changing the same
    /// name at the same time).
    #[error("the name kept changing under this update; try again")]
    Contended,
    /// The etcd store's background runtime is gone (the name server is shutting down).
    #[error("the etcd store is closed")]
    Closed,
}

/// etcd-client's text, without the gRPC status decoration when etcd said something itself.
#[cfg(feature = "etcd")]
fn etcd_text(e: &etcd_client::Error) -> String {
    match e {
        etcd_client::Error::GRpcStatus(status) if !status.message().is_empty() => {
            status.message().to_owned()
        }
        other => other.to_string(),
    }
}

/// Shorthand for results of name server operations.
pub type Result<T, E = NsError> = std::result::Result<T, E>;
