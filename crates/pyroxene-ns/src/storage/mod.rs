//! Where registrations live: the [`Storage`] trait, the in-memory store (Pyro's default), the
//! sqlite store (`sql:FILE`, and `dbm:FILE` which is stored as sqlite too) and, with the `etcd`
//! cargo feature, the etcd store (`etcd:URLS[/PREFIX]`, shared by several name servers).

#[cfg(feature = "etcd")]
pub mod etcd;
mod leases;
mod memory;
mod sqlite;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

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

/// A name → registration table, shared by every connection of a name server (and, for etcd,
/// by several name servers): each implementation does its own locking, and makes each method
/// one atomic step (a "check then change" like a safe registration can't interleave with
/// another change of the same store).
///
/// Every method that changes something must have made the change durable when it returns:
/// the name server acknowledges a registration to the client right after.
///
/// Leases (the `lease:SECONDS` tag, see [`pyroxene::naming::lease`]) are the store's too: a
/// registration whose tags ask for a lease disappears when it runs out, unless renewed by
/// [`Storage::renew`] or a new registration of the name. The tags reaching a store have been
/// checked ([`crate::Registry`] refuses malformed lease tags).
pub trait Storage: Send + Sync {
    /// The registration of `name`, if any.
    ///
    /// # Errors
    /// When the store can't be read.
    fn get(&self, name: &str) -> Result<Option<Registration>>;

    /// Registers `name`, replacing an earlier registration of it, or with `safe` refusing to
    /// ([`NsError::AlreadyRegistered`]).
    ///
    /// # Errors
    /// [`NsError::AlreadyRegistered`]; when the store can't be written.
    fn set(&self, name: &str, registration: Registration, safe: bool) -> Result<()>;

    /// Replaces the tags of a registered name (its lease follows the new tags).
    ///
    /// # Errors
    /// [`NsError::UnknownName`]; when the store can't be written.
    fn set_metadata(&self, name: &str, metadata: BTreeSet<String>) -> Result<()>;

    /// Removes the given names (absent ones are skipped); returns how many were removed.
    ///
    /// # Errors
    /// When the store can't be written.
    fn remove(&self, names: &[String]) -> Result<usize>;

    /// How many names are registered.
    ///
    /// # Errors
    /// When the store can't be read.
    fn len(&self) -> Result<usize>;

    /// Whether nothing is registered.
    ///
    /// # Errors
    /// When the store can't be read.
    fn is_empty(&self) -> Result<bool> {
        self.len().map(|n| n == 0)
    }

    /// Every registration, in the store's order (registration order; a re-registered name keeps
    /// its place in memory and etcd and moves to the end in sqlite, as in Python's stores).
    ///
    /// # Errors
    /// When the store can't be read.
    fn everything(&self) -> Result<Vec<(String, Registration)>>;

    /// Starts the lease of `name` over; returns its length.
    ///
    /// # Errors
    /// [`NsError::UnknownName`], [`NsError::NoLease`] for a name registered without one.
    fn renew(&self, name: &str) -> Result<Duration>;

    /// The names that have a lease, with the time each has left.
    ///
    /// # Errors
    /// When the store can't be read.
    fn leases(&self) -> Result<Vec<(String, Duration)>>;

    /// Removes the registrations whose lease has run out and returns their names. A store whose
    /// leases expire by themselves (etcd) returns none.
    ///
    /// # Errors
    /// When the store can't be written.
    fn expire_leases(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// Whether a change may wait on I/O (a disk, the network): the name server then runs it on
    /// the blocking thread pool. A store that answers from memory says false, and short calls
    /// run on the runtime thread without a thread hop (true unless overridden).
    fn may_block(&self) -> bool {
        true
    }

    /// Whether a read may wait on I/O ([`Storage::may_block`] unless overridden): the etcd
    /// store writes to etcd but reads from its local copy.
    fn reads_may_block(&self) -> bool {
        self.may_block()
    }
}

/// A storage choice as written after `-s` / `--storage`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageSpec {
    /// `memory`: forgotten when the name server stops (the default).
    Memory,
    /// `sql:FILE`: sqlite, with the schema of Python's SqlStorage (the same file works with
    /// `pyro5-ns -s sql:FILE`).
    Sql(PathBuf),
    /// `dbm:FILE` (Pyro4's spelling): stored as sqlite at that path. Python's dbm files are not
    /// read, but unlike Pyro4's dbm store this one keeps metadata.
    Dbm(PathBuf),
    /// `etcd:URL[,URL...][/PREFIX]`: names in an etcd cluster, shared by every name server
    /// given the same cluster and prefix (pyroxene's; needs the `etcd` cargo feature to open).
    Etcd(EtcdSpecText),
}

/// The etcd storage spelling, parsed (with the `etcd` feature) or as given (without it, so
/// that opening it can say the feature is missing).
#[cfg(feature = "etcd")]
pub type EtcdSpecText = etcd::EtcdSpec;
/// The etcd storage spelling, parsed (with the `etcd` feature) or as given (without it, so
/// that opening it can say the feature is missing).
#[cfg(not(feature = "etcd"))]
pub type EtcdSpecText = String;

impl StorageSpec {
    /// Parses `memory`, `sql:FILE`, `dbm:FILE` or `etcd:URLS[/PREFIX]` (an empty spelling
    /// means `memory`, as in Python).
    ///
    /// # Errors
    /// [`NsError::InvalidStorage`] for anything else; [`NsError::SqliteMemory`] for
    /// `sql::memory:`; [`NsError::InvalidEtcd`] for a bad etcd spelling.
    pub fn parse(text: &str) -> Result<StorageSpec> {
        if let Some(etcd) = text.strip_prefix("etcd:") {
            #[cfg(feature = "etcd")]
            return Ok(StorageSpec::Etcd(etcd::EtcdSpec::parse(etcd)?));
            #[cfg(not(feature = "etcd"))]
            return Ok(StorageSpec::Etcd(etcd.to_owned()));
        }
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

    /// Opens (creating if needed) the store; for etcd, connects and reads the namespace.
    ///
    /// # Errors
    /// When the database can't be opened or its schema created; when etcd can't be reached
    /// ([`NsError::Etcd`]) or this build lacks the `etcd` feature ([`NsError::InvalidEtcd`]).
    pub fn open(&self) -> Result<Box<dyn Storage>> {
        Ok(match self {
            StorageSpec::Memory => Box::new(MemoryStorage::default()),
            StorageSpec::Sql(file) | StorageSpec::Dbm(file) => Box::new(SqliteStorage::open(file)?),
            #[cfg(feature = "etcd")]
            StorageSpec::Etcd(spec) => Box::new(etcd::EtcdStorage::open(spec)?),
            #[cfg(not(feature = "etcd"))]
            StorageSpec::Etcd(text) => {
                return Err(NsError::InvalidEtcd {
                    spec: format!("etcd:{text}"),
                    reason: "pyroxene-ns was built without its `etcd` feature".to_owned(),
                });
            }
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
