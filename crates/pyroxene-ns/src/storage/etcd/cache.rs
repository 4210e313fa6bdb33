//! The name server's local copy of the namespace in etcd, from which it answers every read.
//!
//! It is a pure function of what etcd sent: a full read at some revision, then the watch's
//! events in revision order. [`Cache::applied`] is the revision it reflects; a write waits until
//! its own revision is applied, so a client reads its own change back from the same name server.
//!
//! Freshness: every [`super::sync`] check makes a linearizable read (which needs an etcd
//! majority) and asks the watch for a progress notification; once the copy has applied the
//! revision that read returned, it is known to hold every change acknowledged before the check
//! started ([`Cache::confirmed_age`]). A copy not confirmed for [`STALE_AFTER`] is stale: reads
//! are still answered from it, and the log says so.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Condvar, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use pyroxene::{Dict, Serializer, Value};

use crate::storage::Registration;

/// How long the copy may go without a confirmation before reads are logged as cached ones.
pub const STALE_AFTER: Duration = Duration::from_secs(3);

/// At most one "cached read" log line per this long (with the count of reads since).
const READ_LOG_EVERY: Duration = Duration::from_secs(1);

/// One name as etcd has it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) registration: Registration,
    /// etcd's create revision: the order of a listing (a re-registered name keeps its place).
    pub(crate) create: i64,
    /// The etcd lease the key is attached to (0: none).
    pub(crate) lease: i64,
}

#[derive(Debug, Default)]
struct State {
    by_name: HashMap<String, Entry>,
    /// create revision → name.
    order: BTreeMap<i64, String>,
}

impl State {
    fn insert(&mut self, name: String, entry: Entry) {
        if let Some(old) = self.by_name.get(&name)
            && old.create != entry.create
        {
            self.order.remove(&old.create);
        }
        self.order.insert(entry.create, name.clone());
        self.by_name.insert(name, entry);
    }

    fn remove(&mut self, name: &str) {
        if let Some(old) = self.by_name.remove(name) {
            self.order.remove(&old.create);
        }
    }
}

#[derive(Debug, Default)]
struct Freshness {
    /// When the last confirmed check started (the copy held every change acknowledged then).
    confirmed: Option<Instant>,
    /// A check waiting for the copy to reach its revision: (started, revision).
    pending: Option<(Instant, i64)>,
    /// Whether "serving cached reads" has been logged since the copy was last current.
    stale_logged: bool,
    last_read_log: Option<Instant>,
    reads_since_log: u64,
}

/// A change of one key, as the watch (or a full read) reports it.
#[derive(Debug)]
pub(crate) enum Change<'a> {
    /// The key now holds this value.
    Put {
        key: &'a [u8],
        value: &'a [u8],
        create: i64,
        lease: i64,
    },
    /// The key is gone.
    Delete { key: &'a [u8] },
}

/// The local copy (see the module docs).
#[derive(Debug)]
pub(crate) struct Cache {
    names_prefix: String,
    state: RwLock<State>,
    applied: Mutex<i64>,
    applied_changed: Condvar,
    freshness: Mutex<Freshness>,
}

impl Cache {
    pub(crate) fn new(names_prefix: String) -> Cache {
        Cache {
            names_prefix,
            state: RwLock::default(),
            applied: Mutex::new(0),
            applied_changed: Condvar::new(),
            freshness: Mutex::default(),
        }
    }

    /// Replaces the whole copy with a full read made at `revision`.
    pub(crate) fn reset<'a>(&self, kvs: impl IntoIterator<Item = Change<'a>>, revision: i64) {
        let mut state = State::default();
        for change in kvs {
            self.apply_one(&mut state, change);
        }
        *self.state.write().unwrap_or_else(PoisonError::into_inner) = state;
        self.set_applied(revision, true);
    }

    /// Applies the watch's events of one response; `revision` is the highest among them.
    pub(crate) fn apply<'a>(&self, changes: impl IntoIterator<Item = Change<'a>>, revision: i64) {
        {
            let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
            for change in changes {
                self.apply_one(&mut state, change);
            }
        }
        self.set_applied(revision, false);
    }

    /// A progress notification: every change up to `revision` has been delivered.
    pub(crate) fn progress(&self, revision: i64) {
        self.set_applied(revision, false);
    }

    fn apply_one(&self, state: &mut State, change: Change<'_>) {
        match change {
            Change::Put {
                key,
                value,
                create,
                lease,
            } => {
                let Some(name) = self.name_of(key) else {
                    return;
                };
                match decode_value(value) {
                    Some(registration) => state.insert(
                        name,
                        Entry {
                            registration,
                            create,
                            lease,
                        },
                    ),
                    None => {
                        tracing::warn!("etcd: ignoring the unreadable value of name {name:?}");
                        state.remove(&name);
                    }
                }
            }
            Change::Delete { key } => {
                if let Some(name) = self.name_of(key) {
                    state.remove(&name);
                }
            }
        }
    }

    fn name_of(&self, key: &[u8]) -> Option<String> {
        let name = key.strip_prefix(self.names_prefix.as_bytes())?;
        String::from_utf8(name.to_vec()).ok()
    }

    fn set_applied(&self, revision: i64, reset: bool) {
        let mut applied = self.applied.lock().unwrap_or_else(PoisonError::into_inner);
        if reset || revision > *applied {
            *applied = revision;
        }
        drop(applied);
        self.applied_changed.notify_all();
        self.confirm_if_applied();
    }

    /// Confirms a pending freshness check once the copy reflects its revision.
    fn confirm_if_applied(&self) {
        let now_at = self.applied();
        let mut fresh = self.freshness();
        if let Some((started, wanted)) = fresh.pending
            && now_at >= wanted
        {
            fresh.pending = None;
            fresh.confirmed = Some(started);
            if fresh.stale_logged {
                fresh.stale_logged = false;
                tracing::info!("etcd: the local copy of the names is current again");
            }
        }
    }

    /// The revision the copy reflects.
    pub(crate) fn applied(&self) -> i64 {
        *self.applied.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until the copy reflects `revision` (true), or `timeout` passed (false).
    pub(crate) fn wait_applied(&self, revision: i64, timeout: Duration) -> bool {
        let applied = self.applied.lock().unwrap_or_else(PoisonError::into_inner);
        let (applied, _) = self
            .applied_changed
            .wait_timeout_while(applied, timeout, |at| *at < revision)
            .unwrap_or_else(PoisonError::into_inner);
        *applied >= revision
    }

    fn freshness(&self) -> std::sync::MutexGuard<'_, Freshness> {
        self.freshness
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A freshness check started at `started`: etcd's linearizable revision was `revision`.
    pub(crate) fn check(&self, started: Instant, revision: i64) {
        self.freshness().pending = Some((started, revision));
        // Already there (nothing changed since): confirmed at once.
        self.confirm_if_applied();
    }

    /// How long ago the copy was last known to hold every acknowledged change (`None`: never).
    pub(crate) fn confirmed_age(&self) -> Option<Duration> {
        self.freshness().confirmed.map(|at| at.elapsed())
    }

    /// Whether the copy has gone unconfirmed for [`STALE_AFTER`].
    pub(crate) fn is_stale(&self) -> bool {
        self.confirmed_age().is_none_or(|age| age > STALE_AFTER)
    }

    /// Logs (at most once a second) that a read was answered from a stale copy.
    fn note_read(&self, what: &str) {
        let Some(age) = self.confirmed_age().filter(|age| *age > STALE_AFTER) else {
            return;
        };
        let mut fresh = self.freshness();
        if !fresh.stale_logged {
            fresh.stale_logged = true;
            tracing::warn!(
                "etcd: not confirmed current for {:.1} s (etcd unreachable or without a \
                 majority): serving cached reads",
                age.as_secs_f64()
            );
        }
        fresh.reads_since_log += 1;
        if fresh
            .last_read_log
            .is_none_or(|at| at.elapsed() >= READ_LOG_EVERY)
        {
            tracing::warn!(
                "etcd: cached read ({what}; {} cached reads in all since the last such line), \
                 last confirmed current {:.1} s ago",
                fresh.reads_since_log,
                age.as_secs_f64()
            );
            fresh.last_read_log = Some(Instant::now());
            fresh.reads_since_log = 0;
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn get(&self, name: &str) -> Option<Registration> {
        self.note_read("lookup");
        self.read()
            .by_name
            .get(name)
            .map(|e| e.registration.clone())
    }

    pub(crate) fn entry(&self, name: &str) -> Option<Entry> {
        self.read().by_name.get(name).cloned()
    }

    pub(crate) fn len(&self) -> usize {
        self.note_read("count");
        self.read().by_name.len()
    }

    /// Every registration in create order.
    pub(crate) fn everything(&self) -> Vec<(String, Registration)> {
        self.note_read("list");
        let state = self.read();
        state
            .order
            .values()
            .filter_map(|name| {
                let entry = state.by_name.get(name)?;
                Some((name.clone(), entry.registration.clone()))
            })
            .collect()
    }

    /// The names attached to an etcd lease, with the lease.
    pub(crate) fn leased(&self) -> Vec<(String, i64)> {
        self.read()
            .by_name
            .iter()
            .filter(|(_, e)| e.lease != 0)
            .map(|(name, e)| (name.clone(), e.lease))
            .collect()
    }
}

/// The value stored for a registration: json `{"uri": ..., "metadata": [tags...]}` (readable
/// with `etcdctl get --prefix`).
pub(crate) fn encode(registration: &Registration) -> Vec<u8> {
    let tags = registration
        .metadata
        .iter()
        .map(|t| Value::from(t.as_str()))
        .collect();
    let dict: Dict = [
        (Value::from("uri"), Value::from(registration.uri.as_str())),
        (Value::from("metadata"), Value::List(tags)),
    ]
    .into_iter()
    .collect();
    // json can write every str: this can't fail.
    Serializer::Json
        .encode(&Value::Dict(Box::new(dict)))
        .unwrap_or_default()
}

/// The registration in a stored value (`None`: not one of ours).
pub(crate) fn decode_value(bytes: &[u8]) -> Option<Registration> {
    let value = Serializer::Json.decode(bytes).ok()?;
    let uri = value.get("uri")?.as_str()?.to_owned();
    let metadata: BTreeSet<String> = value
        .get("metadata")?
        .as_seq()?
        .iter()
        .map(|t| t.as_str().map(str::to_owned))
        .collect::<Option<_>>()?;
    Some(Registration { uri, metadata })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put<'a>(key: &'a [u8], value: &'a [u8], create: i64) -> Change<'a> {
        Change::Put {
            key,
            value,
            create,
            lease: 0,
        }
    }

    #[test]
    fn order_is_creation_order_and_values_round_trip() {
        let cache = Cache::new("/p/names/".into());
        let a = encode(&Registration::new("PYRO:a@h:1", ["t".to_owned()].into()));
        let b = encode(&Registration::new("PYRO:b@h:2", BTreeSet::new()));
        cache.reset([put(b"/p/names/b", &b, 5), put(b"/p/names/a", &a, 3)], 5);
        let names: Vec<String> = cache.everything().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["a", "b"]);
        // a re-registered keeps its place; a deleted and created again goes to the end.
        cache.apply([put(b"/p/names/a", &a, 3)], 6);
        cache.apply([Change::Delete { key: b"/p/names/b" }], 7);
        cache.apply([put(b"/p/names/b", &b, 8)], 8);
        let all = cache.everything();
        assert_eq!(all[0].0, "a");
        assert_eq!(all[0].1.metadata, ["t".to_owned()].into());
        assert_eq!(all[1].0, "b");
        assert_eq!(cache.applied(), 8);
        assert!(cache.wait_applied(8, Duration::ZERO));
        assert!(!cache.wait_applied(9, Duration::from_millis(1)));
    }

    #[test]
    fn freshness_is_confirmed_once_the_checked_revision_is_applied() {
        let cache = Cache::new("/p/names/".into());
        assert!(cache.is_stale());
        cache.reset([], 10);
        cache.check(Instant::now(), 12);
        assert!(cache.is_stale(), "revision 12 not applied yet");
        cache.progress(12);
        assert!(!cache.is_stale());
    }
}
