//! The default store: an insertion-ordered map, forgotten when the name server stops.

use std::collections::{BTreeSet, HashSet};
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
        for name in names {
            inner.leases.forget(name);
        }
        Ok(remove_in_order(&mut inner.names, names))
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
        remove_in_order(&mut inner.names, &expired);
        Ok(expired)
    }
}

/// Removes `names` from `map`, keeping the order of the rest (like `del` on a dict); how many
/// were there. A few go one by one (`shift_remove`), many in one pass: `shift_remove` moves
/// every later entry, so removing many names one by one was quadratic (100,000 names removed
/// by prefix took 27-60 s, the `ns-flood` attack's clean-up).
fn remove_in_order(map: &mut IndexMap<String, Registration>, names: &[String]) -> usize {
    const ONE_BY_ONE: usize = 16;
    if names.len() <= ONE_BY_ONE {
        return names
            .iter()
            .filter(|n| map.shift_remove(n.as_str()).is_some())
            .count();
    }
    let gone: HashSet<&str> = names.iter().map(String::as_str).collect();
    let before = map.len();
    map.retain(|name, _| !gone.contains(name.as_str()));
    before - map.len()
}
