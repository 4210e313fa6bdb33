//! The default store: an insertion-ordered map, forgotten when the name server stops.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use indexmap::IndexMap;

use super::leases::LocalLeases;
use super::{Registration, Storage};
use crate::error::{NsError, Result};

/// Registrations in memory (Python's MemoryStorage). Re-registering a name keeps its place in
/// the order, as a Python dict does.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    names: IndexMap<String, Registration>,
    leases: LocalLeases,
}

impl MemoryStorage {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every change is one step under the lock, so a panic elsewhere can't leave it half done.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Storage for MemoryStorage {
    fn get(&self, name: &str) -> Result<Option<Registration>> {
        Ok(self.lock().names.get(name).cloned())
    }

    fn set(&self, name: &str, registration: Registration, safe: bool) -> Result<()> {
        let mut inner = self.lock();
        if safe && inner.names.contains_key(name) {
            return Err(NsError::AlreadyRegistered(name.to_owned()));
        }
        inner.leases.follow(name, &registration.metadata);
        inner.names.insert(name.to_owned(), registration);
        Ok(())
    }

    fn set_metadata(&self, name: &str, metadata: BTreeSet<String>) -> Result<()> {
        let inner = &mut *self.lock();
        let registration = inner
            .names
            .get_mut(name)
            .ok_or_else(|| NsError::UnknownName(name.to_owned()))?;
        inner.leases.follow(name, &metadata);
        registration.metadata = metadata;
        Ok(())
    }

    fn remove(&self, names: &[String]) -> Result<usize> {
        let inner = &mut *self.lock();
        // shift_remove keeps the order of the rest, like `del` on a dict.
        Ok(names
            .iter()
            .filter(|n| {
                inner.leases.forget(n);
                inner.names.shift_remove(n.as_str()).is_some()
            })
            .count())
    }

    fn len(&self) -> Result<usize> {
        Ok(self.lock().names.len())
    }

    fn may_block(&self) -> bool {
        false
    }

    fn everything(&self) -> Result<Vec<(String, Registration)>> {
        Ok(self
            .lock()
            .names
            .iter()
            .map(|(n, r)| (n.clone(), r.clone()))
            .collect())
    }

    fn renew(&self, name: &str) -> Result<Duration> {
        let mut inner = self.lock();
        if !inner.names.contains_key(name) {
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
        for name in &expired {
            inner.names.shift_remove(name.as_str());
        }
        Ok(expired)
    }
}
