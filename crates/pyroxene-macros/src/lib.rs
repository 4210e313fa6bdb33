//! Procedural macros of pyroxene. Use them through the `pyroxene` crate (`#[pyroxene::expose]`,
//! `#[pyroxene::interface]`): the generated code names only `::pyroxene::__private` (and
//! `::pyroxene`'s public items), so applications add no other dependency.

#![deny(missing_docs)]

mod attrs;
mod client;
mod dispatch;
mod expand;
mod interface;
mod model;

use proc_macro::TokenStream;

/// Serves the methods of an `impl` block to Pyro clients: implements
/// `pyroxene::server::RemoteObject` (and `RemoteClass`) for the type.
///
/// On an inherent impl block (`impl EchoServer { .. }`) the block defines the remote interface,
/// as below. On the impl of a [`macro@interface`] trait (`impl Library for Shelf { .. }`) the
/// trait defines it (names, oneway methods, properties) and the compiler checks the impl
/// against it; the impl's methods take only `#[nonblocking]` (see the trait's docs). Any other
/// trait impl is refused: "`#[pyroxene::expose]` on a trait impl needs a trait declared with
/// `#[pyroxene::interface]`".
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
/// - `#[pyro(name = "addNumbers")]`: the method's Python name (the Rust name is then not
///   remote); on a parameter, its keyword name.
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
/// The return value goes through `pyroxene::to_value` (`()` is `None`); an `ItemStream` (typed
/// or not) is sent item by item. A return type whose last path segment is `Result` is taken as
/// a result: `Ok` is the value, `Err(e)` becomes the exception with `e.into()`
/// (`E: Into<RemoteException>`): `String` and `&str` give `builtins.RuntimeError`,
/// `std::io::Error` the `OSError` subclass Python raises for it (with `errno` and `strerror`),
/// `pyroxene::Error` what a failed call raised; for an error type of your own implement
/// `From<MyError> for RemoteException` (`RemoteException::from_error` keeps its causes). A
/// value `to_value` refuses becomes `Pyro5.errors.SerializeError`
/// (`Pyro4.errors.SerializeError` for a Pyro4 client).
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

/// Declares a remote interface as a Rust trait: typed clients for it, and what
/// `#[pyroxene::expose] impl Trait for MyType` serves, checked by the compiler against it.
///
/// ```
/// use pyroxene::{ItemStream, RemoteException};
/// use pyroxene::server::RemoteObject;
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// pub struct Book { pub id: u32, pub title: String }
///
/// /// A library (the docs go on the typed clients' methods too).
/// #[pyroxene::interface]
/// pub trait Library {
///     /// One book; `KeyError` when there is none.
///     async fn get(&self, id: u32) -> Result<Book, RemoteException>;
///     /// Counts a visit; the caller doesn't wait.
///     #[oneway]
///     async fn visit(&self);
///     /// Python calls it `listBooks(prefix=..., maxCount=...)`.
///     #[pyro(name = "listBooks")]
///     fn list_books(
///         &self,
///         #[pyro(kw)] prefix: Option<String>,
///         #[pyro(kw, name = "maxCount")] limit: Option<u32>,
///     ) -> Result<Vec<Book>, String>;
///     /// Streams the ids.
///     fn ids(&self) -> ItemStream<u32>;
///     /// A property.
///     #[getter]
///     fn name(&self) -> String;
/// }
///
/// struct Shelf;
///
/// #[pyroxene::expose]
/// impl Library for Shelf {
///     async fn get(&self, id: u32) -> Result<Book, RemoteException> {
///         Err(RemoteException::builtin("KeyError", format!("no book {id}")))
///     }
///     async fn visit(&self) {}
///     fn list_books(&self, _: Option<String>, _: Option<u32>) -> Result<Vec<Book>, String> {
///         Ok(Vec::new())
///     }
///     fn ids(&self) -> ItemStream<u32> {
///         ItemStream::from_iter([1, 2, 3])
///     }
///     #[nonblocking]
///     fn name(&self) -> String {
///         "shelf".into()
///     }
/// }
///
/// let meta = Shelf.metadata();
/// assert!(meta.methods.iter().eq(["get", "visit", "listBooks", "ids"]));
/// assert!(meta.oneway.iter().eq(["visit"]));
/// assert!(meta.attrs.iter().eq(["name"]));
/// # let _ = |lib: LibraryProxy| async move {
/// let books: Vec<Book> = lib.list_books(Some("Du".into()), None).await?; // a typed client
/// # pyroxene::Result::<()>::Ok(()) };
/// ```
///
/// # What it writes
///
/// - The trait, with each `async fn` rewritten as `fn .. -> impl Future<Output = T> + Send`:
///   the daemon runs methods on a multi-threaded runtime, so their futures must be `Send`,
///   which a plain `async fn` in a trait can't promise. An impl still writes `async fn` (the
///   compiler then checks that its future is `Send`); a provided method's body becomes an
///   `async move` block. The helper attributes are removed. One hidden method is added
///   (`__pyroxene_interface`), which is how `#[expose]` finds the dispatch.
/// - `{Trait}Proxy`, a typed async client over `pyroxene::Proxy` (`new(uri)`,
///   `from_proxy(proxy)`, `proxy()`, `into_proxy()`), and `{Trait}BlockingProxy` over
///   `pyroxene::client::blocking::Proxy`: one method per remote member, with the trait's
///   argument types, returning `pyroxene::Result<T>` (an exception the remote method raised
///   is `Error::remote()`). The trait's docs are copied onto them. A method returning
///   `Result<T, E>` gives `Result<T>` on the client, whatever `E` is (the exception crossed
///   the wire as Python's); an `ItemStream<T>` gives a `RemoteStream<T>`
///   (`blocking::RemoteIter<T>`); a `#[getter]` reads the property, a `#[setter]` writes it.
/// - The dispatch of remote calls to any implementation (a hidden type next to the trait).
///
/// Everything needs `serde`: argument types `Serialize` (clients) and `DeserializeOwned`
/// (daemon), return values the other way round; a mistake is reported at the trait.
///
/// # Attributes
///
/// - `#[oneway]`: the method returns nothing; typed clients send it with Pyro's ONEWAY flag
///   (whatever a daemon's metadata says) and return once it is sent; the daemon lists it in
///   its metadata's `oneway` set, so Python proxies call it oneway too.
/// - `#[pyro(name = "listBooks")]`: the Python name of a method (default: the Rust name);
///   on a parameter, its keyword name.
/// - `#[pyro(kw)]` on a parameter: typed clients send it as a keyword argument. One of type
///   `Option<T>` is left out when `None`, so the method's default applies (Python's
///   `def listBooks(self, prefix="", maxCount=None)`); other parameters are sent by position,
///   `None` as `None`. Keyword parameters come after the positional ones.
/// - `#[getter]`, `#[getter(name)]`, `#[setter(name)]`: a remote property, as in `#[expose]`.
///
/// Python clients are not affected by `#[pyro(kw)]`: the daemon binds positional and keyword
/// arguments with Python's rules and TypeError texts, naming the implementing type
/// (`Shelf.get() missing 1 required positional argument: 'id'`).
///
/// # Rules
///
/// An interface is a trait without generics, associated types or constants; each method takes
/// `&self`, plain named parameters of owned types (no `&str`, no `impl Trait`) and is not
/// generic; `#[skip]` and `#[nonblocking]` are for impls. The clients' own methods (`new`,
/// `from_proxy`, `proxy`, `into_proxy`) are not method names (use `#[pyro(name)]` for such a
/// remote name). The impl of an interface may mark sync methods `#[nonblocking]` (as in
/// `#[expose]`); the rest of the remote interface is the trait's, so other markers there are
/// errors.
///
/// Limitation: `#[cfg]` on a method of an interface is not carried over to the dispatch and
/// the clients; put such methods in another trait.
#[proc_macro_attribute]
pub fn interface(args: TokenStream, input: TokenStream) -> TokenStream {
    interface::interface(args.into(), input.into()).into()
}
