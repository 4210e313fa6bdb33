//! What the code of `#[pyroxene::interface]` and of `#[pyroxene::expose] impl Interface for T`
//! calls (through `pyroxene::__private`): the dispatch an interface writes for its
//! implementations, how an exposed impl finds it, and the typed clients' calls. Not a public
//! API: only the macros' output may use it.

// `CallResult` is what `RemoteObject` returns; the size of its error is its owner's call.
#![allow(clippy::result_large_err)]

use std::fmt;
use std::sync::Arc;

use pyroxene_wire::{Value, from_value, to_value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::{Args, IntoArgs, RemoteStream, blocking};
use crate::server::{BoxFuture, CallContext, CallResult, Invocation, Metadata};
use crate::{Proxy, RemoteException, Result};

/// What `#[expose]` says about a type implementing an interface: the class name Python texts
/// show (`Library.get() missing 1 required positional argument: 'id'`) and its sync methods
/// marked `#[nonblocking]` (by Rust name).
pub trait Exposed {
    /// The type's name.
    const CLASS: &'static str;
    /// The `#[nonblocking]` methods.
    const NONBLOCKING: &'static [&'static str];
}

/// Whether `name` is in `list` (at compile time: the dispatch asks in a `const` block).
pub const fn is_nonblocking(list: &[&str], name: &str) -> bool {
    let mut i = 0;
    while i < list.len() {
        if str_eq(list[i], name) {
            return true;
        }
        i += 1;
    }
    false
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The dispatch of an interface's methods to an implementing type `T`: what `#[interface]`
/// writes next to the trait (for a type of its own, the trait's "dispatcher") and what the
/// `RemoteObject` impl of an `#[expose] impl Interface for T` forwards to.
pub trait Dispatch<T> {
    /// The interface's metadata.
    fn metadata() -> Metadata;
    /// See `RemoteObject::invoke`.
    fn invoke(this: Arc<T>, call: Invocation) -> BoxFuture<CallResult>;
    /// See `RemoteObject::invoke_now`.
    fn invoke_now(this: &T, call: Invocation) -> Result<CallResult, Invocation>;
    /// See `RemoteObject::get_attr`.
    fn get_attr(this: Arc<T>, name: String, context: Arc<CallContext>) -> BoxFuture<CallResult>;
    /// See `RemoteObject::set_attr`.
    fn set_attr(
        this: Arc<T>,
        name: String,
        value: Value,
        context: Arc<CallContext>,
    ) -> BoxFuture<CallResult>;
}

/// The interface's metadata; `probe` names the dispatcher by its return type.
pub fn dispatch_metadata<T, D: Dispatch<T>>(probe: fn(&T) -> D) -> Metadata {
    let _ = probe;
    D::metadata()
}

/// `RemoteObject::invoke` of an exposed interface impl.
pub fn dispatch_invoke<T, D: Dispatch<T>>(
    probe: fn(&T) -> D,
    this: Arc<T>,
    call: Invocation,
) -> BoxFuture<CallResult> {
    let _ = probe;
    D::invoke(this, call)
}

/// `RemoteObject::invoke_now` of an exposed interface impl.
pub fn dispatch_invoke_now<T, D: Dispatch<T>>(
    probe: fn(&T) -> D,
    this: &T,
    call: Invocation,
) -> Result<CallResult, Invocation> {
    let _ = probe;
    D::invoke_now(this, call)
}

/// `RemoteObject::get_attr` of an exposed interface impl.
pub fn dispatch_get_attr<T, D: Dispatch<T>>(
    probe: fn(&T) -> D,
    this: Arc<T>,
    name: String,
    context: Arc<CallContext>,
) -> BoxFuture<CallResult> {
    let _ = probe;
    D::get_attr(this, name, context)
}

/// `RemoteObject::set_attr` of an exposed interface impl.
pub fn dispatch_set_attr<T, D: Dispatch<T>>(
    probe: fn(&T) -> D,
    this: Arc<T>,
    name: String,
    value: Value,
    context: Arc<CallContext>,
) -> BoxFuture<CallResult> {
    let _ = probe;
    D::set_attr(this, name, value, context)
}

/// The bound that fails when `#[expose]` is put on an impl of a trait that isn't an
/// interface: nothing implements it.
#[diagnostic::on_unimplemented(
    message = "`#[pyroxene::expose]` on a trait impl needs a trait declared with `#[pyroxene::interface]`",
    label = "not a `#[pyroxene::interface]` trait",
    note = "`#[pyroxene::expose]` serves an inherent impl block (`impl MyType {{ ... }}`) or the \
            impl of a `#[pyroxene::interface]` trait, which declares the remote methods"
)]
pub trait InterfaceTrait {}

/// The method `#[expose]`'s probe finds when the impl's trait has no `__pyroxene_interface`
/// (it is no interface): implemented for references, so a trait's own method (on the type)
/// is found first.
pub trait NotAnInterface {
    /// Fails to compile (the `InterfaceTrait` bound), with a message saying why.
    fn __pyroxene_interface(&self) -> NotInterface
    where
        Self: InterfaceTrait,
    {
        NotInterface
    }
}

impl<T: ?Sized> NotAnInterface for &T {}

/// The dispatcher of a trait that is no interface: never used, as such code doesn't compile.
pub struct NotInterface;

fn not_an_interface() -> RemoteException {
    RemoteException::builtin("RuntimeError", "not a pyroxene interface")
}

impl<T> Dispatch<T> for NotInterface {
    fn metadata() -> Metadata {
        Metadata::default()
    }

    fn invoke(_: Arc<T>, _: Invocation) -> BoxFuture<CallResult> {
        Box::pin(std::future::ready(Err(not_an_interface())))
    }

    fn invoke_now(_: &T, call: Invocation) -> Result<CallResult, Invocation> {
        Err(call)
    }

    fn get_attr(_: Arc<T>, _: String, _: Arc<CallContext>) -> BoxFuture<CallResult> {
        Box::pin(std::future::ready(Err(not_an_interface())))
    }

    fn set_attr(_: Arc<T>, _: String, _: Value, _: Arc<CallContext>) -> BoxFuture<CallResult> {
        Box::pin(std::future::ready(Err(not_an_interface())))
    }
}

/// `Debug` of a typed client: its name and the proxy's URI.
pub fn debug_client(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    proxy: &impl ClientProxy,
) -> fmt::Result {
    f.debug_struct(name)
        .field("uri", &proxy.uri_text())
        .finish_non_exhaustive()
}

/// The URI of either proxy, for `Debug`.
pub trait ClientProxy {
    /// The URI as text.
    fn uri_text(&self) -> String;
}

impl ClientProxy for Proxy {
    fn uri_text(&self) -> String {
        self.uri().to_string()
    }
}

impl ClientProxy for blocking::Proxy {
    fn uri_text(&self) -> String {
        self.as_async().uri().to_string()
    }
}

/// How a typed client reads a reply as `T`: made by [`reply`], where the bound is, so that
/// a type that can't be read is reported once, at the trait's return type, for both clients.
pub struct Reply<T>(fn(Value) -> Result<T>);

/// The [`Reply`] of a `T` (the error of a `T` that isn't `DeserializeOwned` points here).
pub fn reply<T: DeserializeOwned>() -> Reply<T> {
    Reply(|value| Ok(from_value(value)?))
}

/// A typed client's call of a method.
pub async fn client_call<T>(proxy: &Proxy, method: &str, args: Args, reply: Reply<T>) -> Result<T> {
    let (args, kwargs) = args.into_args()?.into_parts();
    let value = proxy.call(method, args, kwargs).await?;
    proxy.read_reply_with(value, reply.0)
}

/// A typed client's call of a `#[oneway]` method: sent with the ONEWAY flag, whatever the
/// daemon's metadata says (the interface declares it).
pub async fn client_oneway(proxy: &Proxy, method: &str, args: Args) -> Result<()> {
    let (args, kwargs) = args.into_args()?.into_parts();
    proxy.call_oneway(method, args, kwargs).await
}

/// A typed client's call of a method that streams its result.
pub async fn client_stream<T>(
    proxy: &Proxy,
    method: &str,
    args: Args,
    reply: Reply<T>,
) -> Result<RemoteStream<T>> {
    let _ = reply;
    let (args, kwargs) = args.into_args()?.into_parts();
    Ok(proxy.call_stream(method, args, kwargs).await?.typed())
}

/// A typed client's read of a property.
pub async fn client_get_attr<T>(proxy: &Proxy, name: &str, reply: Reply<T>) -> Result<T> {
    let value = proxy.get_attr(name).await?;
    proxy.read_reply_with(value, reply.0)
}

/// A typed client's write of a property.
pub async fn client_set_attr(proxy: &Proxy, name: &str, value: impl Serialize) -> Result<()> {
    proxy.set_attr(name, to_value(&value)?).await
}

/// [`client_call`] of a blocking client.
pub fn blocking_call<T>(
    proxy: &blocking::Proxy,
    method: &str,
    args: Args,
    reply: Reply<T>,
) -> Result<T> {
    let (args, kwargs) = args.into_args()?.into_parts();
    (reply.0)(proxy.call(method, args, kwargs)?)
}

/// [`client_oneway`] of a blocking client.
pub fn blocking_oneway(proxy: &blocking::Proxy, method: &str, args: Args) -> Result<()> {
    let (args, kwargs) = args.into_args()?.into_parts();
    proxy.call_oneway(method, args, kwargs)
}

/// [`client_stream`] of a blocking client: the items as a blocking iterator.
pub fn blocking_stream<T>(
    proxy: &blocking::Proxy,
    method: &str,
    args: Args,
    reply: Reply<T>,
) -> Result<blocking::RemoteIter<T>> {
    let _ = reply;
    let (args, kwargs) = args.into_args()?.into_parts();
    Ok(proxy.call_stream(method, args, kwargs)?.typed())
}

/// [`client_get_attr`] of a blocking client.
pub fn blocking_get_attr<T>(proxy: &blocking::Proxy, name: &str, reply: Reply<T>) -> Result<T> {
    (reply.0)(proxy.get_attr(name)?)
}

/// [`client_set_attr`] of a blocking client.
pub fn blocking_set_attr(proxy: &blocking::Proxy, name: &str, value: impl Serialize) -> Result<()> {
    proxy.set_attr(name, to_value(&value)?)
}
