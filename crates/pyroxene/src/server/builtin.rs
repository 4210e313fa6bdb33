//! The `Pyro.Daemon` object every daemon serves: ping, registered, info, get_metadata, ...

use std::sync::{Arc, Weak};

use pyroxene_wire::{ProtocolVersion, Value};

use super::daemon::Shared;
use super::object::{BoxFuture, CallResult, Invocation, Metadata, RemoteObject};
use super::stream::Next;
use pyroxene_wire::dialect::{PyroErrorClass, RemoteException};

pub(crate) struct DaemonObject {
    daemon: Weak<Shared>,
}

impl DaemonObject {
    pub(crate) fn new(daemon: Weak<Shared>) -> DaemonObject {
        DaemonObject { daemon }
    }
}

const METHODS: [&str; 6] = [
    "registered",
    "ping",
    "info",
    "get_metadata",
    "get_next_stream_item",
    "close_stream",
];

impl RemoteObject for DaemonObject {
    fn metadata(&self) -> Metadata {
        Metadata::new(METHODS, [""; 0], [""; 0])
    }

    fn invoke(self: Arc<Self>, call: Invocation) -> BoxFuture<CallResult> {
        Box::pin(async move {
            let version = call.context.protocol;
            let shared = self.daemon.upgrade().ok_or_else(|| {
                RemoteException::pyro(PyroErrorClass::DaemonError, "daemon is gone")
            })?;
            let arg = |name: &str| {
                call.args
                    .first()
                    .or_else(|| call.kwargs.get(&Value::from(name)))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            match call.method.as_str() {
                "ping" => Ok(Value::None),
                "close_stream" => {
                    if let Some(id) = arg("streamId") {
                        shared.streams.close(&id);
                    }
                    Ok(Value::None)
                }
                "registered" => {
                    let ids = shared
                        .objects
                        .read()
                        .map(|o| o.keys().cloned().collect::<Vec<_>>())
                        .unwrap_or_default();
                    Ok(Value::List(ids.into_iter().map(Value::from).collect()))
                }
                "info" => {
                    let count = shared.objects.read().map(|o| o.len()).unwrap_or(0);
                    let nat = shared.nat_location.as_deref().unwrap_or("None");
                    Ok(Value::from(format!(
                        "Pyro.Daemon bound on {}, NAT {nat}, {count} objects registered. Servertype: pyroxene (tokio)",
                        shared.location
                    )))
                }
                "get_metadata" => {
                    let id = arg("objectId").ok_or_else(|| {
                        RemoteException::new(
                            "builtins.TypeError",
                            "get_metadata() missing 1 required positional argument: 'objectId'",
                        )
                    })?;
                    let object = shared.object(&id).ok_or_else(|| {
                        RemoteException::pyro(PyroErrorClass::DaemonError, "unknown object")
                    })?;
                    let as_lists = version == ProtocolVersion::V4
                        && call
                            .args
                            .get(1)
                            .or_else(|| call.kwargs.get(&Value::from("as_lists")))
                            .is_some_and(Value::is_truthy);
                    Ok(object.metadata_for(version).to_value_with(as_lists))
                }
                "get_next_stream_item" => {
                    let terminated = || {
                        RemoteException::pyro(PyroErrorClass::PyroError, "item stream terminated")
                    };
                    let id = arg("streamId").ok_or_else(terminated)?;
                    match shared.streams.next(&id, &call.context).await {
                        Next::Item(value) => Ok(value),
                        Next::Raised(e) => Err(e),
                        // Python raises StopIteration() with no args.
                        Next::End => Err(RemoteException::with_args(
                            "builtins.StopIteration",
                            Vec::new(),
                        )),
                        Next::Unknown => Err(terminated()),
                    }
                }
                other => Err(RemoteException::new(
                    "builtins.AttributeError",
                    format!("'DaemonObject' object has no attribute '{other}'"),
                )),
            }
        })
    }
}
