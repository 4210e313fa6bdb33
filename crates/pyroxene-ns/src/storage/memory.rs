//! The default store: an insertion-ordered map, forgotten when the name server stops.

use indexmap::IndexMap;

use super::{Registration, Storage};
use crate::error::Result;

/// Registrations in memory (Python's MemoryStorage). Re-registering a name keeps its place in
/// the order, as a Python dict does.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    names: IndexMap<String, Registration>,
}

impl Storage for MemoryStorage {
    fn get(&mut self, name: &str) -> Result<Option<Registration>> {
        Ok(self.names.get(name).cloned())
    }

    fn set(&mut self, name: &str, registration: Registration) -> Result<()> {
        self.names.insert(name.to_owned(), registration);
        Ok(())
    }

    fn remove(&mut self, names: &[String]) -> Result<usize> {
        // shift_remove keeps the order of the rest, like `del` on a dict.
        Ok(names
            .iter()
            .filter(|n| self.names.shift_remove(n.as_str()).is_some())
            .count())
    }

    fn len(&mut self) -> Result<usize> {
        Ok(self.names.len())
    }

    fn may_block(&self) -> bool {
        false
    }

    fn everything(&mut self) -> Result<Vec<(String, Registration)>> {
        Ok(self
            .names
            .iter()
            .map(|(n, r)| (n.clone(), r.clone()))
            .collect())
    }
}
