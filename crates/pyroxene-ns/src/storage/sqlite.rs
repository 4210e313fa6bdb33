//! The persistent store: sqlite with the schema of Python's SqlStorage, so a database file
//! works with both `pyro5-ns -s sql:FILE` and `pyroxene ns -s sql:FILE`.
//!
//! Durability: every change is one transaction, committed before the name server answers.
//! The database runs in WAL mode with `synchronous=FULL`, so a commit is fsync'ed to the WAL:
//! an acknowledged registration survives a killed process *and* a power loss (WAL with
//! `NORMAL` would survive only the former). Registrations are rare, so the fsync per change
//! costs nothing that matters.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::leases::LocalLeases;
use super::{Registration, Storage};
use crate::error::{NsError, Result};

const SCHEMA: &str = "
    CREATE TABLE pyro_names (
        id integer PRIMARY KEY,
        name nvarchar NOT NULL UNIQUE,
        uri nvarchar NOT NULL
    );
    CREATE TABLE pyro_metadata (
        object integer NOT NULL,
        metadata nvarchar NOT NULL,
        FOREIGN KEY(object) REFERENCES pyro_names(id)
    );";

/// Registrations in a sqlite database file (tables `pyro_names` and `pyro_metadata`). One
/// connection, behind a lock: sqlite writes one transaction at a time anyway.
#[derive(Debug)]
pub struct SqliteStorage {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Connection,
    leases: LocalLeases,
}

impl SqliteStorage {
    /// Opens or creates the database at `path`; an old database with only `pyro_names` (from
    /// Pyro versions without metadata) is migrated as Python migrates it.
    ///
    /// # Errors
    /// [`NsError::Open`] when the file can't be opened or set up.
    pub fn open(path: &Path) -> Result<SqliteStorage> {
        let mut db = Connection::open(path).map_err(NsError::open(path))?;
        db.pragma_update(None, "journal_mode", "WAL")
            .and_then(|()| db.pragma_update(None, "synchronous", "FULL"))
            .and_then(|()| db.pragma_update(None, "foreign_keys", "ON"))
            .and_then(|()| db.busy_timeout(std::time::Duration::from_secs(5)))
            .map_err(NsError::open(path))?;
        let tx = db.transaction().map_err(NsError::open(path))?;
        let has = |table: &str| {
            tx.query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name=?1",
                [table],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n > 0)
        };
        let (names, metadata) = (
            has("pyro_names").map_err(NsError::open(path))?,
            has("pyro_metadata").map_err(NsError::open(path))?,
        );
        let setup = match (names, metadata) {
            (false, _) => tx.execute_batch(SCHEMA),
            (true, false) => tx.execute_batch(&format!(
                "ALTER TABLE pyro_names RENAME TO pyro_names_old; {SCHEMA}
                 INSERT INTO pyro_names(name, uri) SELECT name, uri FROM pyro_names_old;
                 DROP TABLE pyro_names_old;"
            )),
            (true, true) => Ok(()),
        };
        setup
            .and_then(|()| tx.commit())
            .map_err(NsError::open(path))?;
        let storage = SqliteStorage {
            inner: Mutex::new(Inner {
                db,
                leases: LocalLeases::default(),
            }),
        };
        // Leased registrations get a whole new lease (see `storage::leases`).
        for (name, registration) in storage.everything()? {
            storage.lock().leases.follow(&name, &registration.metadata);
        }
        Ok(storage)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every change is one transaction, so a panic elsewhere can't leave it half done.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn read(db: &Connection, name: &str) -> rusqlite::Result<Option<Registration>> {
        let row: Option<(i64, String)> = db
            .query_row(
                "SELECT id, uri FROM pyro_names WHERE name=?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(id, uri)| {
            Ok(Registration {
                uri,
                metadata: Self::metadata_of(db, id)?,
            })
        })
        .transpose()
    }

    /// Replaces the registration of `name` in one transaction. Like Python, the old row goes
    /// and a new one is added (so the name moves to the end).
    fn write(inner: &mut Inner, name: &str, registration: &Registration) -> Result<()> {
        let write = |db: &mut Connection| -> rusqlite::Result<()> {
            let tx = db.transaction()?;
            Self::delete(&tx, name)?;
            tx.execute(
                "INSERT INTO pyro_names(name, uri) VALUES(?1, ?2)",
                params![name, registration.uri],
            )?;
            let id = tx.last_insert_rowid();
            for tag in &registration.metadata {
                tx.execute(
                    "INSERT INTO pyro_metadata(object, metadata) VALUES(?1, ?2)",
                    params![id, tag],
                )?;
            }
            tx.commit()
        };
        write(&mut inner.db).map_err(NsError::storage("setitem"))?;
        inner.leases.follow(name, &registration.metadata);
        Ok(())
    }

    /// Deletes `names` in one transaction; how many existed.
    fn delete_all(db: &mut Connection, names: &[String]) -> rusqlite::Result<usize> {
        let tx = db.transaction()?;
        let mut removed = 0;
        for name in names {
            removed += usize::from(Self::delete(&tx, name)?);
        }
        tx.commit()?;
        Ok(removed)
    }

    fn metadata_of(db: &Connection, id: i64) -> rusqlite::Result<BTreeSet<String>> {
        let mut stmt = db.prepare_cached("SELECT metadata FROM pyro_metadata WHERE object=?1")?;
        stmt.query_map([id], |row| row.get::<_, String>(0))?
            .collect()
    }

    /// Deletes `name` and its metadata inside the caller's transaction; true if it existed.
    fn delete(tx: &Connection, name: &str) -> rusqlite::Result<bool> {
        let id: Option<i64> = tx
            .query_row("SELECT id FROM pyro_names WHERE name=?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(id) = id {
            tx.execute("DELETE FROM pyro_metadata WHERE object=?1", [id])?;
            tx.execute("DELETE FROM pyro_names WHERE id=?1", [id])?;
        }
        Ok(id.is_some())
    }
}

impl Storage for SqliteStorage {
    fn get(&self, name: &str) -> Result<Option<Registration>> {
        Self::read(&self.lock().db, name).map_err(NsError::storage("getitem"))
    }

    fn set(&self, name: &str, registration: Registration, safe: bool) -> Result<()> {
        let inner = &mut *self.lock();
        if safe
            && Self::read(&inner.db, name)
                .map_err(NsError::storage("getitem"))?
                .is_some()
        {
            return Err(NsError::AlreadyRegistered(name.to_owned()));
        }
        Self::write(inner, name, &registration)
    }

    fn set_metadata(&self, name: &str, metadata: BTreeSet<String>) -> Result<()> {
        let inner = &mut *self.lock();
        let mut registration = Self::read(&inner.db, name)
            .map_err(NsError::storage("getitem"))?
            .ok_or_else(|| NsError::UnknownName(name.to_owned()))?;
        registration.metadata = metadata;
        // Python's set_metadata rewrites the whole entry too (so the name moves to the end).
        Self::write(inner, name, &registration)
    }

    fn remove(&self, names: &[String]) -> Result<usize> {
        let inner = &mut *self.lock();
        let removed =
            Self::delete_all(&mut inner.db, names).map_err(NsError::storage("remove_items"))?;
        for name in names {
            inner.leases.forget(name);
        }
        Ok(removed)
    }

    fn len(&self) -> Result<usize> {
        self.lock()
            .db
            .query_row("SELECT count(*) FROM pyro_names", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(NsError::storage("len"))
    }

    fn everything(&self) -> Result<Vec<(String, Registration)>> {
        let inner = self.lock();
        let db = &inner.db;
        let read = || -> rusqlite::Result<Vec<(String, Registration)>> {
            let mut stmt = db.prepare_cached("SELECT id, name, uri FROM pyro_names ORDER BY id")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(id, name, uri)| {
                    let metadata = Self::metadata_of(db, id)?;
                    Ok((name, Registration { uri, metadata }))
                })
                .collect()
        };
        read().map_err(NsError::storage("everything"))
    }

    fn renew(&self, name: &str) -> Result<Duration> {
        let mut inner = self.lock();
        let known = Self::read(&inner.db, name)
            .map_err(NsError::storage("getitem"))?
            .is_some();
        if !known {
            return Err(NsError::UnknownName(name.to_owned()));
        }
        inner
            .leases
            .renew(name)
            .ok_or_else(|| NsError::NoLease(name.to_owned()))
    }

    fn leases(&self) -> Result<Vec<(String, Duration)>> {
        Ok(self.lock().leases.remaining())
    }

    fn expire_leases(&self) -> Result<Vec<String>> {
        let inner = &mut *self.lock();
        let expired = inner.leases.take_expired();
        if !expired.is_empty() {
            Self::delete_all(&mut inner.db, &expired).map_err(NsError::storage("remove_items"))?;
        }
        Ok(expired)
    }
}
