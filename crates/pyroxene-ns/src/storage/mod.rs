//! Where registrations live: the [`Storage`] trait, the in-memory store (Pyro's default) and
//! the sqlite store (`sql:FILE`, and `dbm:FILE` which is stored as sqlite too).

mod memory;
mod sqlite;

use std::collections::BTreeSet;
use std::path::PathBuf;

pub use memory::MemoryStorage;
pub use sqlite::SqliteStorage;

use crate::error::{NsError, Result};

/// One registration: the URI text exactly as registered, and its metadata tags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Registration {
    /// The URI as the client gave it (a str is stored unchanged, a URI object as `str(uri)`).
    pub uri: String,
    /// The metadata tags (Python: a set of str).
    pub metadata: BTreeSet<String>,
}

impl Registration {
    /// A registration of `uri` (the text as given) with these tags.
    pub fn new(uri: impl Into<String>, metadata: BTreeSet<String>) -> Registration {
        Registration {
            uri: uri.into(),
            metadata,
        }
    }
}

/// A name → registration table. The name server serializes all access (it holds a lock around
/// every operation), so implementations need no locking of their own.
///
/// Every method that changes something must have made the change durable when it returns:
/// the name server acknowledges a registration to the client right after.
pub trait Storage: Send {
    /// The registration of `name`, if any.
    ///
    /// # Errors
    /// When the store can't be read.
    fn get(&mut self, name: &str) -> Result<Option<Registration>>;

    /// Registers `name` (replacing an earlier registration of it).
    ///
    /// # Errors
    /// When the store can't be written.
    fn set(&mut self, name: &str, registration: Registration) -> Result<()>;

    /// Removes the given names (absent ones are skipped); returns how many were removed.
    ///
    /// # Errors
    /// When the store can't be written.
    fn remove(&mut self, names: &[String]) -> Result<usize>;

    /// How many names are registered.
    ///
    /// # Errors
    /// When the store can't be read.
    fn len(&mut self) -> Result<usize>;

    /// Whether nothing is registered.
    ///
    /// # Errors
    /// When the store can't be read.
    fn is_empty(&mut self) -> Result<bool> {
        self.len().map(|n| n == 0)
    }

    /// Every registration, in the store's order (registration order; a re-registered name keeps
    /// its place in memory and moves to the end in sqlite, as in Python's stores).
    ///
    /// # Errors
    /// When the store can't be read.
    fn everything(&mut self) -> Result<Vec<(String, Registration)>>;

    /// Whether a call may wait on I/O (a disk): the name server then runs calls on the blocking
    /// thread pool. A store that answers from memory says false, and short calls run on the
    /// runtime thread without a thread hop (true unless overridden).
    fn may_block(&self) -> bool {
        true
    }
}

/// A storage choice as written after `-s` / `--storage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageSpec {
    /// `memory`: forgotten when the name server stops (the default).
    Memory,
    /// `sql:FILE`: sqlite, with the schema of Python's SqlStorage (the same file works with
    /// `pyro5-ns -s sql:FILE`).
    Sql(PathBuf),
    /// `dbm:FILE` (Pyro4's spelling): stored as sqlite at that path. Python's dbm files are not
    /// read, but unlike Pyro4's dbm store this one keeps metadata.
    Dbm(PathBuf),
}

impl StorageSpec {
    /// Parses `memory`, `sql:FILE` or `dbm:FILE` (an empty spelling means `memory`, as in
    /// Python).
    ///
    /// # Errors
    /// [`NsError::InvalidStorage`] for anything else; [`NsError::SqliteMemory`] for
    /// `sql::memory:`.
    pub fn parse(text: &str) -> Result<StorageSpec> {
        let spec = match text {
            "" | "memory" => StorageSpec::Memory,
            _ => match (text.strip_prefix("sql:"), text.strip_prefix("dbm:")) {
                (Some(file), _) if !file.is_empty() => StorageSpec::Sql(file.into()),
                (_, Some(file)) if !file.is_empty() => StorageSpec::Dbm(file.into()),
                _ => return Err(NsError::InvalidStorage(text.to_owned())),
            },
        };
        if let StorageSpec::Sql(file) | StorageSpec::Dbm(file) = &spec
            && file.as_os_str() == ":memory:"
        {
            return Err(NsError::SqliteMemory);
        }
        Ok(spec)
    }

    /// Opens (creating if needed) the store.
    ///
    /// # Errors
    /// When the database can't be opened or its schema created.
    pub fn open(&self) -> Result<Box<dyn Storage>> {
        Ok(match self {
            StorageSpec::Memory => Box::new(MemoryStorage::default()),
            StorageSpec::Sql(file) | StorageSpec::Dbm(file) => Box::new(SqliteStorage::open(file)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(StorageSpec::parse("memory").ok(), Some(StorageSpec::Memory));
        assert_eq!(StorageSpec::parse("").ok(), Some(StorageSpec::Memory));
        assert_eq!(
            StorageSpec::parse("sql:/tmp/x.db").ok(),
            Some(StorageSpec::Sql("/tmp/x.db".into()))
        );
        assert_eq!(
            StorageSpec::parse("dbm:x").ok(),
            Some(StorageSpec::Dbm("x".into()))
        );
        for bad in ["sql:", "dbm:", "mem", "sqlite:x"] {
            let e = StorageSpec::parse(bad).unwrap_err();
            assert_eq!(e.to_string(), format!("invalid storage type '{bad}'"));
        }
        assert!(matches!(
            StorageSpec::parse("sql::memory:"),
            Err(NsError::SqliteMemory)
        ));
    }
}
