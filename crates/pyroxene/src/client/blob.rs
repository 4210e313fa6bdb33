//! [`SerializedBlob`]: call arguments that stay serialized through a dispatcher (Pyro5's
//! `SerializedBlob` and FLAGS_KEEPSERIALIZED, protocol doc 3.7).
//!
//! A sender wraps data in a blob and calls [`Proxy::call_blob`]; the message carries the data
//! where the call's arguments would be, plus annotation `BLBI` = marshal of `(info, object,
//! method)`. A daemon receiving such a call does not decode the payload: the method gets one
//! argument, a blob holding the received payload as it was. A dispatcher forwards it with
//! `call_blob` again (the payload bytes go out unchanged, in their own serializer), and the
//! final receiver calls [`SerializedBlob::deserialized`].
//!
//! ```no_run
//! use pyroxene::{Proxy, RemoteException, SerializedBlob, dict, expose};
//!
//! /// Forwards whatever it gets to a worker, without decoding it.
//! struct Dispatcher { worker: Proxy }
//! #[expose]
//! impl Dispatcher {
//!     async fn process(&self, blob: SerializedBlob) -> Result<pyroxene::Value, RemoteException> {
//!         Ok(self.worker.call_blob("process", &blob).await?)
//!     }
//! }
//!
//! # async fn send(dispatcher: Proxy) -> pyroxene::Result<()> {
//! let blob = SerializedBlob::new("order-42", dict! { "qty" => 3 });
//! let answer = dispatcher.call_blob("process", &blob).await?;
//! # Ok(()) }
//! ```

use bytes::Bytes;
use pyroxene_wire::protocol::{AnnotationId, Flags, MessageType};
use pyroxene_wire::{Dict, Serializer, Value, dict, from_value};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use super::Proxy;
use crate::error::{Error, ErrorKind, Result};
use crate::transport::prepare;

/// The class name of the value a daemon hands a method for a kept-serialized argument
/// (Python's class of the same role; a Python receiver never sees this value).
const BLOB_CLASS: &str = "Pyro5.client.SerializedBlob";

/// Data that travels serialized: made by a sender from a value, or received by a method
/// of a KEEPSERIALIZED call (then holding the payload bytes as they arrived).
#[derive(Debug, Clone, PartialEq)]
pub struct SerializedBlob {
    info: Value,
    content: Content,
}

#[derive(Debug, Clone, PartialEq)]
enum Content {
    /// A value the sending proxy serializes in its own serializer.
    Data(Value),
    /// A received INVOKE payload, `(object, method, data, kwargs)` in `serializer`.
    Serialized {
        serializer: Serializer,
        payload: Bytes,
    },
}

impl SerializedBlob {
    /// A blob of `data` with a small description `info` (an id, a name; Python requires
    /// something marshal can carry: no user classes).
    pub fn new(info: impl Into<Value>, data: impl Into<Value>) -> SerializedBlob {
        SerializedBlob {
            info: info.into(),
            content: Content::Data(data.into()),
        }
    }

    /// A blob of a received payload (what the daemon gives a method).
    pub(crate) fn received(info: Value, serializer: Serializer, payload: Bytes) -> SerializedBlob {
        SerializedBlob {
            info,
            content: Content::Serialized {
                serializer,
                payload,
            },
        }
    }

    /// The description the sender gave.
    pub fn info(&self) -> &Value {
        &self.info
    }

    /// The serializer of a received blob's payload (`None` for one made by
    /// [`SerializedBlob::new`]).
    pub fn serializer(&self) -> Option<Serializer> {
        match &self.content {
            Content::Data(_) => None,
            Content::Serialized { serializer, .. } => Some(*serializer),
        }
    }

    /// The data: decoded from a received payload (its third element, or `params` of a json
    /// call; Python's `deserialized()` returns the string `'params'` for json), or the value
    /// given to [`SerializedBlob::new`].
    ///
    /// # Errors
    /// [`ErrorKind::Serialize`] when the payload doesn't decode or has no call shape.
    pub fn deserialized(&self) -> Result<Value> {
        let (serializer, payload) = match &self.content {
            Content::Data(value) => return Ok(value.clone()),
            Content::Serialized {
                serializer,
                payload,
            } => (*serializer, payload),
        };
        let call = serializer.decode_shared(payload)?;
        let data = match call {
            Value::Tuple(mut items) | Value::List(mut items) if items.len() == 4 => {
                Some(items.swap_remove(2))
            }
            Value::Dict(mut d) => d.shift_remove(&Value::from("params")),
            _ => None,
        };
        data.ok_or_else(|| {
            Error::new(
                ErrorKind::Serialize,
                "serialized blob payload is not a call",
            )
        })
    }

    /// [`SerializedBlob::deserialized`] into a serde type.
    ///
    /// # Errors
    /// As `deserialized`, plus the conversion's error.
    pub fn deserialized_as<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(from_value(self.deserialized()?)?)
    }

    /// The value a daemon passes to the method: a class dict only this crate reads back.
    pub(crate) fn to_value(&self) -> Value {
        match &self.content {
            Content::Data(data) => dict! {
                "__class__" => BLOB_CLASS, "info" => self.info.clone(), "data" => data.clone(),
            },
            Content::Serialized {
                serializer,
                payload,
            } => dict! {
                "__class__" => BLOB_CLASS,
                "info" => self.info.clone(),
                "serializer" => serializer.name(),
                "payload" => Value::Bytes(payload.clone()),
            },
        }
    }

    /// Reads [`SerializedBlob::to_value`]'s shape; any other value is a blob of that data, so
    /// a method taking a blob also serves plain calls.
    fn from_value(value: Value) -> SerializedBlob {
        let Value::Dict(d) = &value else {
            return SerializedBlob::new(Value::None, value);
        };
        if d.get(&Value::from("__class__")).and_then(Value::as_str) != Some(BLOB_CLASS) {
            return SerializedBlob::new(Value::None, value);
        }
        let get = |k: &str| d.get(&Value::from(k)).cloned();
        let info = get("info").unwrap_or_default();
        let serializer = get("serializer")
            .as_ref()
            .and_then(Value::as_str)
            .and_then(Serializer::from_name);
        match (serializer, get("payload"), get("data")) {
            (Some(serializer), Some(Value::Bytes(payload)), _) => {
                SerializedBlob::received(info, serializer, payload)
            }
            (_, _, data) => SerializedBlob::new(info, data.unwrap_or_default()),
        }
    }
}

impl Serialize for SerializedBlob {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SerializedBlob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        Value::deserialize(deserializer).map(SerializedBlob::from_value)
    }
}

impl Proxy {
    /// Calls `method` with `blob` as its only argument, kept serialized (Python: a
    /// `SerializedBlob` as the only argument of a proxy call). A received blob is forwarded
    /// as it came, in its own serializer: when that isn't this proxy's, the call goes over
    /// a connection in that serializer (the reply must come in it too). A method the
    /// metadata marks oneway returns `None` at once.
    ///
    /// # Errors
    /// As [`Proxy::call`]; [`ErrorKind::Serialize`] when the blob's info can't be marshalled.
    pub async fn call_blob(&self, method: &str, blob: &SerializedBlob) -> Result<Value> {
        if let Some(ser) = blob.serializer()
            && ser != self.inner.settings.serializer
        {
            let same = self.clone().with_serializer(ser);
            return Box::pin(same.call_blob(method, blob)).await;
        }
        self.ensure_version().await?;
        let inner = &*self.inner;
        let object = super::resolve::call_object(inner);
        let info = Value::Tuple(vec![
            blob.info.clone(),
            Value::from(object.as_str()),
            Value::from(method),
        ]);
        let blbi = Serializer::Marshal.encode(&info)?;
        let payload = match &blob.content {
            Content::Serialized { payload, .. } => payload.clone(),
            Content::Data(data) => Bytes::from(inner.settings.serializer.encode_call(
                &object,
                method,
                data,
                Some(&Dict::default()),
            )?),
        };
        let mut msg = inner
            .message(MessageType::Invoke, 0, Vec::new(), None)?
            .with_flags(Flags::KEEPSERIALIZED)
            .with_annotation(AnnotationId::BLBI, blbi);
        msg.payload = payload;
        if self.is_oneway(method) {
            msg.flags.insert(Flags::ONEWAY);
        }
        prepare(
            inner.version(),
            &mut msg,
            inner.settings.compression,
            inner.settings.max_message_size,
        )?;
        self.send_with_retries(msg, None)
            .await?
            .into_value(self)
            .await
    }
}
