//! Registering a *type* instead of an instance, with Pyro's instance modes
//! (`@behavior(instance_mode=..., instance_creator=...)` in Python).
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use pyroxene::server::InstanceMode;
//! use pyroxene::{Daemon, expose};
//!
//! /// A shopping cart: one per client connection.
//! #[derive(Default)]
//! struct Cart { items: std::sync::Mutex<Vec<String>> }
//!
//! #[expose]
//! impl Cart {
//!     fn add(&self, item: String) -> usize {
//!         let mut items = self.items.lock().unwrap();
//!         items.push(item);
//!         items.len()
//!     }
//! }
//!
//! static NEXT_TILL: AtomicU64 = AtomicU64::new(1);
//! /// A till that needs its number at creation: made by a factory.
//! struct Till { number: u64 }
//! #[expose]
//! impl Till { fn number(&self) -> u64 { self.number } }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> pyroxene::Result<()> {
//! let daemon = Daemon::builder().host("127.0.0.1").bind().await?;
//! daemon.register_class::<Cart>("shop.cart", InstanceMode::Session)?;
//! daemon.register_factory("shop.till", InstanceMode::Single, || Till {
//!     number: NEXT_TILL.fetch_add(1, Ordering::SeqCst),
//! })?;
//! # Ok(()) }
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use pyroxene_wire::Value;

use super::context::CallContext;
use super::daemon::Daemon;
use super::object::{BoxFuture, CallResult, Invocation, Metadata, RemoteObject};
use crate::Uri;
use crate::error::Result;

/// When the daemon makes an instance of a registered type (Pyro's `instance_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstanceMode {
    /// One instance for the whole daemon, made on the first call that needs it.
    Single,
    /// One instance per client connection (per proxy connection), made on its first call and
    /// dropped when the connection closes and its last call has finished. Pyro's default.
    Session,
    /// A new instance for every call.
    PerCall,
}

impl InstanceMode {
    /// Pyro's name for the mode: `"single"`, `"session"` or `"percall"`.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceMode::Single => "single",
            InstanceMode::Session => "session",
            InstanceMode::PerCall => "percall",
        }
    }
}

/// A type whose metadata is known without an instance, so the daemon can answer the connect
/// handshake of a registered type before any instance exists (Pyro computes it from the
/// class). `#[expose]` implements it; implement it by hand next to a hand-written
/// [`RemoteObject`].
pub trait RemoteClass: RemoteObject + Sized {
    /// The exposed methods, oneway methods and properties of every instance.
    fn class_metadata() -> Metadata;
}

/// Numbers class registrations, so session instances of one registration are found again
/// (and never confused with another registered under a reused id).
static REGISTRATIONS: AtomicU64 = AtomicU64::new(1);

/// What the daemon's object table holds for a registered type: it picks (or makes) the
/// instance each call goes to, then forwards the call to it.
struct ClassObject<T> {
    key: u64,
    mode: InstanceMode,
    create: Box<dyn Fn() -> T + Send + Sync>,
    single: OnceLock<Arc<T>>,
    metadata: Metadata,
}

impl<T: RemoteClass> ClassObject<T> {
    /// The instance for a call. The factory runs where the call is dispatched (usually the
    /// runtime thread), so it should be quick. A session-mode call without a connection (a
    /// context made outside a daemon) gets an instance of its own, as in percall mode.
    fn instance(&self, context: &CallContext) -> Arc<T> {
        match (self.mode, context.scope()) {
            (InstanceMode::Single, _) => self
                .single
                .get_or_init(|| Arc::new((self.create)()))
                .clone(),
            (InstanceMode::Session, Some(scope)) => scope.instance(self.key, || (self.create)()),
            (InstanceMode::Session | InstanceMode::PerCall, _) => Arc::new((self.create)()),
        }
    }
}

impl<T: RemoteClass> RemoteObject for ClassObject<T> {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    fn invoke(self: Arc<Self>, call: Invocation) -> BoxFuture<CallResult> {
        self.instance(&call.context).invoke(call)
    }

    fn invoke_now(&self, call: Invocation) -> Result<CallResult, Invocation> {
        // A per-call instance made here would be made again by `invoke` when the method
        // can't answer at once: those calls take the one path that makes exactly one.
        let reused = match self.mode {
            InstanceMode::Single => true,
            InstanceMode::Session => call.context.scope().is_some(),
            InstanceMode::PerCall => false,
        };
        if !reused {
            return Err(call);
        }
        self.instance(&call.context).invoke_now(call)
    }

    fn get_attr(self: Arc<Self>, name: String, context: Arc<CallContext>) -> BoxFuture<CallResult> {
        self.instance(&context).get_attr(name, context)
    }

    fn set_attr(
        self: Arc<Self>,
        name: String,
        value: Value,
        context: Arc<CallContext>,
    ) -> BoxFuture<CallResult> {
        self.instance(&context).set_attr(name, value, context)
    }
}

impl Daemon {
    /// Registers type `T` under `id`: the daemon makes its instances with `T::default()`, as
    /// `mode` says (Python: registering a class decorated with `@behavior(instance_mode=...)`).
    ///
    /// # Errors
    /// As [`Daemon::register_with_id`] (a duplicate id).
    pub fn register_class<T: RemoteClass + Default>(
        &self,
        id: &str,
        mode: InstanceMode,
    ) -> Result<Uri> {
        self.register_factory(id, mode, T::default)
    }

    /// Registers type `T` under `id` with a factory that makes its instances, as `mode` says
    /// (Python's `instance_creator`).
    ///
    /// # Errors
    /// As [`Daemon::register_with_id`] (a duplicate id).
    pub fn register_factory<T, F>(&self, id: &str, mode: InstanceMode, create: F) -> Result<Uri>
    where
        T: RemoteClass,
        F: Fn() -> T + Send + Sync + 'static,
    {
        let class = ClassObject {
            key: REGISTRATIONS.fetch_add(1, Ordering::Relaxed),
            mode,
            create: Box::new(create),
            single: OnceLock::new(),
            metadata: T::class_metadata(),
        };
        self.register_with_id(Arc::new(class), id)
    }
}
