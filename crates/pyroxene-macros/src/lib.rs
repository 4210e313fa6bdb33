//! Procedural macros of pyroxene. Use them through the `pyroxene` crate (`#[pyroxene::expose]`):
//! the generated code names only `::pyroxene::__private`, so applications add no other
//! dependency.

#![deny(missing_docs)]

mod attrs;
mod client;
mod dispatch;
mod expand;
mod interface;
mod model;

use proc_macro::TokenStream;

/// Serves the methods of an inherent `impl` block to Pyro clients: implements
/// `pyroxene::server::RemoteObject` for the type.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use pyroxene::{RemoteException, Value};
/// use pyroxene::server::RemoteObject;
///
/// struct EchoServer { verbose: AtomicBool }
///
/// #[pyroxene::expose]
/// impl EchoServer {
///     /// Returns its argument.
///     fn echo(&self, message: Value) -> Value { message }
///     /// `b` may be left out (Python's `b=None`).
///     fn add(&self, a: i64, b: Option<i64>) -> i64 { a + b.unwrap_or(0) }
///     fn error(&self) -> Result<(), RemoteException> {
///         Err(RemoteException::new("builtins.ValueError", "expected error"))
///     }
///     async fn slow(&self, seconds: f64) -> String { format!("slept {seconds}s") }
///     #[oneway]
///     fn oneway_echo(&self, message: Value) { let _ = message; }
///     #[getter]
///     fn verbose(&self) -> bool { self.verbose.load(Ordering::Relaxed) }
///     #[setter(verbose)]
///     fn set_verbose(&self, value: bool) { self.verbose.store(value, Ordering::Relaxed) }
///     #[skip]
///     fn helper(&self) {}
///     fn _private(&self) {}
///     fn __dunder__(&self) -> &'static str { "should be allowed (dunder)" }
/// }
///
/// let meta = EchoServer { verbose: AtomicBool::new(false) }.metadata();
/// assert!(meta.methods.iter().eq(["echo", "add", "error", "slow", "oneway_echo", "__dunder__"]));
/// assert!(meta.oneway.iter().eq(["oneway_echo"]));
/// assert!(meta.attrs.iter().eq(["verbose"]));
/// ```
///
/// # What is exposed
///
/// Every method with a `&self` receiver, except those marked `#[skip]` and those whose name is
/// private by Pyro's rule (`server::is_private_name`: a leading `_`, except `__dunder__` names
/// longer than 4 characters that are not in Pyro's list of special dunders). Associated
/// functions (no `self`) are not exposed. Other receivers (`self`, `&mut self`,
/// `self: Arc<Self>`) and generic methods are compile errors unless the method is `#[skip]`ped
/// or private: the daemon shares one object between concurrent calls, so state lives behind
/// interior mutability (atomics, `Mutex`, `RwLock`).
///
/// Helper attributes, consumed by the macro:
/// - `#[oneway]`: listed in the metadata's `oneway` set, so proxies call it without waiting for
///   a reply. The client decides; the method itself runs as any other.
/// - `#[getter]` or `#[getter(name)]`: a remote property read (`proxy.name` in Python); takes
///   only `&self`.
/// - `#[setter(name)]`: a remote property write; takes `&self` and the new value, converted like
///   a parameter. A property is in the metadata's `attrs` when it has a getter or a setter.
/// - `#[skip]`: not exposed.
/// - `#[nonblocking]`: a sync method that never blocks runs on the async runtime's thread
///   instead of a blocking-pool thread (saves a thread hop per call).
///
/// # Calls
///
/// Arguments bind like Python's: positional arguments fill the parameters in order, then
/// keyword arguments by parameter name (`r#type` is `type`). A parameter of type `Option<T>` may
/// be left out (it is then `None`, as `b=None` in Python); every other parameter is required.
/// Each value is converted with `pyroxene::from_value` (a `Value` parameter takes the value as
/// it came). Binding errors are `builtins.TypeError`s with Python's texts, the method named as
/// Python names it (`EchoServer.add`):
/// - `EchoServer.add() missing 1 required positional argument: 'a'`
/// - `EchoServer.add() takes from 2 to 3 positional arguments but 4 were given`
/// - `EchoServer.add() got an unexpected keyword argument 'x'`
/// - `EchoServer.add() got multiple values for argument 'a'`
/// - `EchoServer.add() keywords must be strings`
/// - `EchoServer.add() argument 'a': invalid type: Python str, expected i64` (our own text)
///
/// The return value goes through `pyroxene::to_value` (`()` is `None`). A return type whose
/// last path segment is `Result` is taken as a result: `Ok` is the value, `Err(e)` becomes the
/// exception with `e.into()` (`E: Into<RemoteException>`). A value `to_value` refuses becomes
/// `Pyro5.errors.SerializeError` (`Pyro4.errors.SerializeError` for a Pyro4 client).
///
/// Sync methods run on tokio's blocking pool (`spawn_blocking`), so a slow method never stalls
/// other connections; `async fn`s are awaited on the runtime (their futures must be `Send`).
/// A panicking method gives the caller `builtins.RuntimeError` `method panicked: <message>`.
///
/// Unknown names give Python's errors: `'EchoServer' object has no attribute 'x'` for a method,
/// `attempt to access unexposed attribute 'x'` for a method of the impl block that is not
/// exposed, `attempt to access private attribute '_x'` for a private name;
/// `attempt to access unexposed or unknown remote attribute 'x'` for a property that cannot be
/// read or written, `type object 'EchoServer' has no attribute 'x'` for a name the type lacks.
///
/// Limitation: `#[cfg]` on a method of an exposed impl block is not carried over to the
/// dispatch; put such methods in a second, unexposed impl block.
#[proc_macro_attribute]
pub fn expose(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::expose(args.into(), input.into()).into()
}

/// Declares a remote interface as a Rust trait: the typed clients `{Trait}Proxy` and
/// `{Trait}BlockingProxy`, and what `#[pyroxene::expose] impl Trait for MyType` serves.
/// See the `pyroxene` crate's docs ("Typed interfaces") for the whole story.
#[proc_macro_attribute]
pub fn interface(args: TokenStream, input: TokenStream) -> TokenStream {
    interface::interface(args.into(), input.into()).into()
}
