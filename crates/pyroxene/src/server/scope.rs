//! [`ConnectionScope`]: what lives exactly as long as one client connection, like the
//! `pyroInstances` Python's daemon keeps on its connection object: the instances of classes
//! registered with [`InstanceMode::Session`](super::InstanceMode::Session).
//!
//! The connection task owns it and every call context on the connection holds it, so session
//! instances are dropped once the client is gone and its last call (oneway calls included)
//! has finished.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::daemon::WeakDaemon;

/// One connection's state beyond the socket.
pub(crate) struct ConnectionScope {
    /// The daemon that accepted the connection (for [`super::CallContext::daemon`]).
    pub(crate) daemon: WeakDaemon,
    /// Session instances by class registration (see `instance.rs`).
    instances: Mutex<HashMap<u64, Arc<dyn Any + Send + Sync>>>,
    /// The client's verified TLS certificate (two-way TLS), for the handshake validator and
    /// [`super::CallContext::peer_certificate`].
    pub(crate) peer_certificate: super::handshake::SharedCertificate,
}

impl ConnectionScope {
    /// The scope of a new connection of `daemon`, whose client showed `peer_certificate`.
    pub(crate) fn new(
        daemon: WeakDaemon,
        peer_certificate: super::handshake::SharedCertificate,
    ) -> Arc<ConnectionScope> {
        Arc::new(ConnectionScope {
            daemon,
            instances: Mutex::new(HashMap::new()),
            peer_certificate,
        })
    }

    /// This connection's instance for class registration `key`, made by `create` on first use.
    /// Made under the lock: calls on one connection come in order, and a oneway call racing
    /// the next must not get an instance of its own.
    pub(crate) fn instance<T: Send + Sync + 'static>(
        &self,
        key: u64,
        create: impl FnOnce() -> T,
    ) -> Arc<T> {
        let mut instances = self
            .instances
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = instances
            .get(&key)
            .and_then(|i| i.clone().downcast::<T>().ok())
        {
            return found;
        }
        let made = Arc::new(create());
        instances.insert(key, made.clone());
        made
    }
}

impl std::fmt::Debug for ConnectionScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sessions = self.instances.lock().map_or(0, |i| i.len());
        f.debug_struct("ConnectionScope")
            .field("session_instances", &sessions)
            .finish_non_exhaustive()
    }
}
