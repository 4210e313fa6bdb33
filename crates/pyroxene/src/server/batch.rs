//! FLAGS_BATCH requests: several calls on one object in one message (Python's `BatchProxy`),
//! run in order until the first exception.

use std::sync::Arc;

use pyroxene_wire::{Call, Dict, ProtocolVersion, Value};

use super::context::CallContext;
use super::daemon::Shared;
use super::object::{Invocation, is_private_name};
use super::payload;
use crate::RemoteException;
use pyroxene_wire::dialect::PyroErrorClass;

/// Runs the `(method, vargs, kwargs)` triples of a `<batch>` call as Python's daemon does: the
/// result is the list of results up to and including the first failing call, which is an
/// `_ExceptionWrapper`; later calls don't run. A method that can't be looked up (private,
/// unknown) fails the whole request instead, with the earlier results lost: Python looks the
/// method up outside the try block that wraps the exceptions of calls.
pub(crate) async fn run(
    shared: &Shared,
    version: ProtocolVersion,
    call: Call,
    context: &Arc<CallContext>,
) -> Result<Value, RemoteException> {
    let Some(object) = shared.object(&call.object) else {
        return Err(RemoteException::pyro(
            PyroErrorClass::DaemonError,
            "unknown object",
        ));
    };
    let methods = object.metadata_for(version).methods;
    let mut results = Vec::with_capacity(call.args.len());
    for entry in call.args {
        let (method, args, kwargs) = entry_parts(entry)?;
        if is_private_name(&method) {
            return Err(RemoteException::new(
                "builtins.AttributeError",
                format!("attempt to access private attribute '{method}'"),
            ));
        }
        let known = methods.contains(&method);
        let outcome = object
            .clone()
            .invoke(Invocation {
                method,
                args,
                kwargs,
                context: context.clone(),
            })
            .await;
        if !known && let Err(e) = outcome {
            // The object's own AttributeError ("... has no attribute ..."), for the request.
            return Err(e);
        }
        let outcome = match (outcome, context.take_stream()) {
            (Ok(_), Some(_)) => Err(RemoteException::pyro(
                PyroErrorClass::PyroError,
                "item streams can't be returned by batched calls",
            )),
            (outcome, _) => outcome,
        };
        match outcome {
            Ok(value) => results.push(value),
            Err(e) => {
                results.push(payload::traced(&e).to_wrapper_value(version));
                break;
            }
        }
    }
    Ok(Value::List(results))
}

/// `(method, vargs, kwargs)` of one batch entry (kwargs may be None).
fn entry_parts(entry: Value) -> Result<(String, Vec<Value>, Dict), RemoteException> {
    let invalid = || RemoteException::new("builtins.ValueError", "invalid batch entry");
    let (Value::Tuple(parts) | Value::List(parts)) = entry else {
        return Err(invalid());
    };
    let [method, args, kwargs]: [Value; 3] = parts.try_into().map_err(|_| invalid())?;
    let Value::Str(method) = method else {
        return Err(invalid());
    };
    let (Value::Tuple(args) | Value::List(args)) = args else {
        return Err(invalid());
    };
    let kwargs = match kwargs {
        Value::Dict(d) => *d,
        Value::None => Dict::default(),
        _ => return Err(invalid()),
    };
    Ok((method, args, kwargs))
}
