//! What the code of `#[pyroxene::expose]` calls (through `pyroxene::__private`): Python's
//! argument binding and its error texts, conversions, running methods off the runtime, and
//! catching their panics. Not a public API: only the macro's output may use it.

// `CallResult` is what `RemoteObject` returns; the size of its error is its owner's call.
#![allow(clippy::result_large_err)]

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use pyroxene_wire::{Dict, Value, from_value, to_value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::RemoteException;
use crate::server::{BoxFuture, CallContext, CallResult, ItemStream, Metadata, is_private_name};

/// The metadata of an exposed type.
pub fn metadata(methods: &[&str], oneway: &[&str], attrs: &[&str]) -> Metadata {
    Metadata::new(
        methods.iter().copied(),
        oneway.iter().copied(),
        attrs.iter().copied(),
    )
}

/// Boxes a call's future (fixing its output type, so `?` works inside it).
pub fn boxed<F>(future: F) -> BoxFuture<CallResult>
where
    F: Future<Output = CallResult> + Send + 'static,
{
    Box::pin(future)
}

/// An answer known at once.
pub fn ready(result: CallResult) -> BoxFuture<CallResult> {
    Box::pin(std::future::ready(result))
}

fn type_error(message: String) -> RemoteException {
    RemoteException::new("builtins.TypeError", message)
}

/// Binds positional and keyword arguments to `params` (`(name, required)`) as CPython does,
/// with its error texts and in its order of checks: keyword problems, then too many positional
/// arguments, then missing ones. `qualname` is `Class.method`; Python counts `self`, so do we.
pub fn bind(
    qualname: impl fmt::Display,
    params: &[(&str, bool)],
    args: Vec<Value>,
    kwargs: Dict,
) -> Result<Vec<Option<Value>>, RemoteException> {
    let given = args.len();
    if given == params.len() && kwargs.is_empty() {
        // The common call: every parameter given positionally, nothing to check.
        return Ok(args.into_iter().map(Some).collect());
    }
    let mut slots: Vec<Option<Value>> = args.into_iter().map(Some).collect();
    slots.truncate(params.len());
    slots.resize_with(params.len(), || None);
    for (key, value) in kwargs {
        let Value::Str(key) = key else {
            return Err(type_error(format!("{qualname}() keywords must be strings")));
        };
        let Some(index) = params.iter().position(|(name, _)| *name == key) else {
            return Err(type_error(format!(
                "{qualname}() got an unexpected keyword argument '{key}'"
            )));
        };
        if slots[index].is_some() {
            return Err(type_error(format!(
                "{qualname}() got multiple values for argument '{key}'"
            )));
        }
        slots[index] = Some(value);
    }
    if given > params.len() {
        let most = params.len() + 1;
        let least = params.iter().filter(|(_, required)| *required).count() + 1;
        let takes = if least == most {
            format!(
                "{most} positional argument{}",
                if most == 1 { "" } else { "s" }
            )
        } else {
            format!("from {least} to {most} positional arguments")
        };
        return Err(type_error(format!(
            "{qualname}() takes {takes} but {} were given",
            given + 1
        )));
    }
    let missing: Vec<String> = params
        .iter()
        .zip(&slots)
        .filter(|((_, required), slot)| *required && slot.is_none())
        .map(|((name, _), _)| format!("'{name}'"))
        .collect();
    if !missing.is_empty() {
        return Err(missing_error(qualname, &missing));
    }
    Ok(slots)
}

/// [`bind`] for objects that implement `RemoteObject` by hand, with a `Class.method` text
/// (the macros pass a [`QualName`], formatted only for an error).
pub fn bind_arguments(
    qualname: &str,
    params: &[(&str, bool)],
    args: Vec<Value>,
    kwargs: Dict,
) -> Result<Vec<Option<Value>>, RemoteException> {
    bind(qualname, params, args, kwargs)
}

/// `missing 2 required positional arguments: 'a' and 'b'` (CPython's `format_missing`).
fn missing_error(qualname: impl fmt::Display, names: &[String]) -> RemoteException {
    let list = match names {
        [one] => one.clone(),
        [first, second] => format!("{first} and {second}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
        [] => String::new(),
    };
    let count = names.len();
    let plural = if count == 1 { "" } else { "s" };
    type_error(format!(
        "{qualname}() missing {count} required positional argument{plural}: {list}"
    ))
}

/// Converts a bound argument of a required parameter.
pub fn required<T: DeserializeOwned + 'static>(
    qualname: impl fmt::Display,
    name: &str,
    value: Option<Value>,
) -> Result<T, RemoteException> {
    match value {
        Some(value) => convert(qualname, name, value),
        None => Err(missing_error(qualname, &[format!("'{name}'")])),
    }
}

/// Converts a bound argument of an `Option<T>` parameter: absent or None is `None`.
pub fn optional<T: DeserializeOwned + 'static>(
    qualname: impl fmt::Display,
    name: &str,
    value: Option<Value>,
) -> Result<Option<T>, RemoteException> {
    match value {
        None | Some(Value::None) => Ok(None),
        Some(value) => convert(qualname, name, value),
    }
}

fn convert<T: DeserializeOwned + 'static>(
    qualname: impl fmt::Display,
    name: &str,
    value: Value,
) -> Result<T, RemoteException> {
    let value = match cast::<Value, T>(value) {
        Ok(same) => return Ok(same),
        Err(value) => value,
    };
    from_value(value)
        .map_err(|e| type_error(format!("{qualname}() argument '{name}': {}", e.message())))
}

/// `value` as a `B` when `A` and `B` are the same type, else `value` back. A `Value` parameter
/// or result then passes as it is: through serde it would be rebuilt item by item, copying
/// every bytes payload (measured: two extra copies of a 10 MB echo argument per call).
fn cast<A: 'static, B: 'static>(value: A) -> Result<B, A> {
    let mut slot = Some(value);
    let taken = (&mut slot as &mut dyn Any)
        .downcast_mut::<Option<B>>()
        .and_then(Option::take);
    match (taken, slot) {
        (Some(same), _) => Ok(same),
        (None, Some(value)) => Err(value),
        // `slot` is only emptied by the downcast that yields `taken`.
        (None, None) => unreachable!("cast: value lost"),
    }
}

/// `value` as a Value: moved when it is one, else through serde (the error's text).
pub(crate) fn to_value_fast<T: Serialize + 'static>(value: T) -> Result<Value, String> {
    match cast::<T, Value>(value) {
        Ok(same) => Ok(same),
        Err(value) => to_value(&value).map_err(|e| e.message().to_owned()),
    }
}

/// A method's return value as the reply; an [`ItemStream`] goes to the context, which the
/// daemon turns into a streamed reply.
pub fn output_value<T: Serialize + 'static>(
    value: T,
    context: &CallContext,
    qualname: impl fmt::Display,
) -> CallResult {
    let value = match cast::<T, Value>(value) {
        Ok(same) => return Ok(same),
        Err(value) => value,
    };
    let value = match cast::<T, ItemStream>(value) {
        Ok(stream) => return Ok(context.stream_result(stream)),
        Err(value) => value,
    };
    to_value(&value).map_err(|e| {
        RemoteException::pyro(
            pyroxene_wire::dialect::PyroErrorClass::SerializeError,
            format!(
                "cannot serialize the result of {qualname}(): {}",
                e.message()
            ),
        )
    })
}

/// A method's `Result` as the reply: `Err` becomes the exception.
pub fn output_result<T: Serialize + 'static, E: RaisedError>(
    result: Result<T, E>,
    context: &CallContext,
    qualname: impl fmt::Display,
) -> CallResult {
    match result {
        Ok(value) => output_value(value, context, qualname),
        Err(e) => Err(e.into_exception()),
    }
}

/// A method's [`ItemStream`] (typed or not) as the reply: the context keeps it and the
/// daemon sends the streamed reply.
pub fn output_stream<T>(
    stream: ItemStream<T>,
    context: &CallContext,
    _qualname: impl fmt::Display,
) -> CallResult {
    Ok(context.stream_result(stream))
}

/// A method's `Result<ItemStream<T>, E>` as the reply: `Err` becomes the exception.
pub fn output_stream_result<T, E: RaisedError>(
    result: Result<ItemStream<T>, E>,
    context: &CallContext,
    qualname: impl fmt::Display,
) -> CallResult {
    output_stream(result.map_err(E::into_exception)?, context, qualname)
}

/// The error type of an exposed method's `Result`: what converts into the exception the
/// caller gets (`E: Into<RemoteException>`), named in the compile error when it doesn't.
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be raised to a Pyro caller: it doesn't convert into `RemoteException`",
    label = "the error type of this method",
    note = "implement `From<{Self}> for pyroxene::RemoteException`, choosing the Python class \
            (`RemoteException::from_error(\"builtins.ValueError\", &error)` keeps its causes); \
            `String`, `&str`, `std::io::Error` and `pyroxene::Error` convert already"
)]
pub trait RaisedError {
    /// The exception.
    fn into_exception(self) -> RemoteException;
}

#[diagnostic::do_not_recommend]
impl<E: Into<RemoteException>> RaisedError for E {
    fn into_exception(self) -> RemoteException {
        self.into()
    }
}

/// `Class.method`, as Python names a method in its TypeError texts, made only when a text
/// needs it (an interface's class name is the implementing type's, a constant of its own).
#[derive(Debug, Clone, Copy)]
pub struct QualName(pub &'static str, pub &'static str);

impl fmt::Display for QualName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// Runs a sync method on tokio's blocking pool, with the call's
/// [`current_context`](crate::current_context) on that thread.
pub async fn run_blocking<F>(method: F) -> CallResult
where
    F: FnOnce() -> CallResult + Send + 'static,
{
    let context = crate::server::current::current_context();
    let method = move || {
        let _current = crate::server::current::enter(context);
        method()
    };
    match tokio::task::spawn_blocking(method).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => Err(panicked(e.into_panic())),
        Err(e) => Err(RemoteException::new(
            "builtins.RuntimeError",
            format!("method did not run: {e}"),
        )),
    }
}

/// Runs a `#[nonblocking]` sync method right here.
pub fn call_inline<F: FnOnce() -> CallResult>(method: F) -> CallResult {
    catch_unwind(AssertUnwindSafe(method)).unwrap_or_else(|payload| Err(panicked(payload)))
}

/// An async method's future, its panics turned into exceptions.
pub fn guard<F: Future<Output = CallResult>>(future: F) -> Guarded<F> {
    Guarded {
        inner: Box::pin(future),
    }
}

/// See [`guard`].
pub struct Guarded<F> {
    inner: Pin<Box<F>>,
}

impl<F: Future<Output = CallResult>> Future for Guarded<F> {
    type Output = CallResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CallResult> {
        let inner = self.get_mut().inner.as_mut();
        catch_unwind(AssertUnwindSafe(|| inner.poll(cx)))
            .unwrap_or_else(|payload| Poll::Ready(Err(panicked(payload))))
    }
}

/// `builtins.RuntimeError: method panicked: <message>`.
pub(crate) fn panicked(payload: Box<dyn Any + Send>) -> RemoteException {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    RemoteException::new(
        "builtins.RuntimeError",
        format!("method panicked: {message}"),
    )
}

/// Python's error for a method name the object doesn't serve.
pub fn no_method(class: &str, unexposed: &[&str], name: &str) -> RemoteException {
    let message = if is_private_name(name) {
        format!("attempt to access private attribute '{name}'")
    } else if unexposed.contains(&name) {
        format!("attempt to access unexposed attribute '{name}'")
    } else {
        format!("'{class}' object has no attribute '{name}'")
    };
    RemoteException::new("builtins.AttributeError", message)
}

/// Python's error for a property that can't be read or written: Pyro's text when the type has
/// such a member, Python's own when it doesn't.
pub fn no_attribute(class: &str, known: &[&str], name: &str) -> RemoteException {
    if known.contains(&name) {
        crate::server::unknown_attribute(name)
    } else {
        RemoteException::new(
            "builtins.AttributeError",
            format!("type object '{class}' has no attribute '{name}'"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(params: &[(&str, bool)], args: Vec<Value>, kwargs: Dict) -> String {
        match bind("C.m", params, args, kwargs) {
            Ok(slots) => format!("{} bound", slots.iter().flatten().count()),
            Err(e) => e.args[0].as_str().unwrap_or_default().to_owned(),
        }
    }

    #[test]
    fn missing_lists_like_python() {
        let p = [("a", true), ("b", true), ("c", true)];
        assert_eq!(
            texts(&p, vec![], Dict::default()),
            "C.m() missing 3 required positional arguments: 'a', 'b', and 'c'"
        );
    }
}
