//! The INVOKE payload shape of each serializer: `(object, method, vargs, kwargs)`.

use super::{Serializer, json, marshal, msgpack, serpent};
use crate::value::{Dict, StrKey};
use crate::{Error, ErrorKind, Result, Value};

/// A decoded remote call, as a daemon sees it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Call {
    /// The daemon-local object id (`Pyro.Daemon`, `obj_<hex>`, a user id).
    pub object: String,
    /// The method name (or `__getattr__`, `__setattr__`, `<batch>`).
    pub method: String,
    /// Positional arguments (Pyro's `vargs`, json's `params`; Python may send a tuple or a
    /// list).
    pub args: Vec<Value>,
    /// Keyword arguments; `None` when the caller sent None/null (attribute access, batches).
    pub kwargs: Option<Dict>,
}

impl Call {
    /// A call of `method` on `object` with these arguments.
    pub fn new(
        object: impl Into<String>,
        method: impl Into<String>,
        args: Vec<Value>,
        kwargs: Option<Dict>,
    ) -> Call {
        Call {
            object: object.into(),
            method: method.into(),
            args,
            kwargs,
        }
    }
}

impl Serializer {
    /// Encodes a call as Pyro's `dumpsCall` does: a 4-tuple in serpent, a list-args tuple in
    /// marshal, a 4-array in msgpack, an `{"object","method","params","kwargs"}` object in json.
    ///
    /// `args` (Pyro's `vargs`) is normally a [`Value::Tuple`] (what Python proxies send for
    /// user calls); Pyro itself sends a [`Value::List`] for some internal calls
    /// (`get_metadata`), and serpent keeps the difference on the wire. `kwargs` `None` is sent
    /// as None/null (attribute access, batch).
    /// The arguments are borrowed: the payload is written from them directly, so a caller can
    /// send the same arguments again without cloning them.
    ///
    /// ```
    /// use pyroxene_wire::{Serializer, tuple};
    /// let bytes = Serializer::Json.encode_call("test.echoserver", "echo", &tuple!["hello"], None).unwrap();
    /// assert_eq!(bytes, br#"{"object": "test.echoserver", "method": "echo", "params": ["hello"], "kwargs": null}"#);
    /// ```
    ///
    /// # Errors
    /// When an argument can't be carried by this serializer.
    pub fn encode_call(
        self,
        object: &str,
        method: &str,
        args: &Value,
        kwargs: Option<&Dict>,
    ) -> Result<Vec<u8>> {
        // Each format writes the call shape straight into one buffer, the same bytes as
        // encoding the tuple/array/dict would give, without building it: that temporary (two
        // `String`s, a `Vec`, dropping it all) cost more than encoding a small call.
        match self {
            Serializer::Serpent => serpent::encode::call_to_vec(object, method, args, kwargs),
            // marshal writes Pyro's vargs as a list (a tuple and a list are the same to msgpack
            // and json); the marshal writer does that for a tuple it is given.
            Serializer::Marshal => marshal::encode::call_to_vec(object, method, args, kwargs),
            Serializer::Msgpack => msgpack::encode::call_to_vec(object, method, args, kwargs),
            Serializer::Json => json::encode::call_to_vec(object, method, args, kwargs),
            // Pyro4 only, and rare: the general path.
            Serializer::Pickle => {
                let kwargs = kwargs.map_or(Value::None, |k| Value::from(k.clone()));
                self.encode(&Value::Tuple(vec![
                    object.into(),
                    method.into(),
                    args.clone(),
                    kwargs,
                ]))
            }
        }
    }

    /// Decodes an INVOKE payload of this serializer.
    ///
    /// Accepts what Python peers send: vargs as tuple or list, kwargs as dict or None, and
    /// object/method names as bytes (Python 2 peers) when they are valid UTF-8.
    ///
    /// # Errors
    /// When the payload doesn't decode or doesn't have the call shape.
    pub fn decode_call(self, bytes: &[u8]) -> Result<Call> {
        if let Some(call) = self.decode_call_fast(bytes, None, usize::MAX) {
            return call;
        }
        self.call_from_value(self.decode(bytes)?)
    }

    /// As [`Serializer::decode_call`], for a received payload: big bytes arguments are views
    /// of it (see [`Serializer::decode_shared`]).
    ///
    /// # Errors
    /// As [`Serializer::decode_call`].
    pub fn decode_call_shared(self, bytes: &bytes::Bytes) -> Result<Call> {
        self.decode_call_shared_within(bytes, usize::MAX)
    }

    /// As [`Serializer::decode_call_shared`], the work beyond reading the payload limited to
    /// `budget` bytes (see [`Serializer::decode_shared_within`]).
    ///
    /// # Errors
    /// As [`Serializer::decode_call`]; past the budget, an
    /// [`ErrorKind::TooLarge`] error.
    pub fn decode_call_shared_within(self, bytes: &bytes::Bytes, budget: usize) -> Result<Call> {
        if let Some(call) = self.decode_call_fast(bytes, Some(bytes), budget) {
            return call;
        }
        self.call_from_value(self.decode_shared_within(bytes, budget)?)
    }

    /// The call from a payload of the usual shape, read without building the call tuple (which
    /// cost about as much again as parsing it); `None` for any other payload, which then goes
    /// the general way. The fast readers give `Some` only with the very items the general
    /// decoder would put in the tuple, so the result, error or not, is the same either way.
    ///
    /// `owner` is the shared buffer `bytes` is, for [`Serializer::decode_call_shared`]; `budget`
    /// caps the work budget.
    fn decode_call_fast(
        self,
        bytes: &[u8],
        owner: Option<&bytes::Bytes>,
        budget: usize,
    ) -> Option<Result<Call>> {
        let items = match self {
            Serializer::Serpent => serpent::decode_call(bytes)?,
            Serializer::Msgpack => msgpack::decode_call(bytes, owner, budget)?,
            _ => return None,
        };
        Some(call_from_items(
            Value::Str(items.object),
            Value::Str(items.method),
            items.vargs,
            items.kwargs,
        ))
    }

    /// The general way: the call from the decoded payload value.
    pub(crate) fn call_from_value(self, value: Value) -> Result<Call> {
        let (object, method, vargs, kwargs) = match (self, value) {
            (Serializer::Json, Value::Dict(mut d)) => (
                take(&mut d, "object")?,
                take(&mut d, "method")?,
                take(&mut d, "params")?,
                d.shift_remove(&StrKey("kwargs")).unwrap_or(Value::None),
            ),
            (_, Value::Tuple(items) | Value::List(items)) if items.len() == 4 => {
                let mut it = items.into_iter();
                let mut next = || it.next().unwrap_or_default();
                (next(), next(), next(), next())
            }
            (_, other) => {
                return Err(Error::new(
                    ErrorKind::Value,
                    format!(
                        "invalid call payload: expected a 4-item call, got {}",
                        other.type_name()
                    ),
                ));
            }
        };
        call_from_items(object, method, vargs, Some(kwargs))
    }
}

/// The items of a call payload as a fast reader found them, ready for [`call_from_items`].
pub(crate) struct CallItems {
    /// The object id.
    pub(crate) object: String,
    /// The method name.
    pub(crate) method: String,
    /// The third item, as decoded.
    pub(crate) vargs: Value,
    /// The fourth item, as decoded; `None` for an empty dict.
    pub(crate) kwargs: Option<Value>,
}

/// The call from the four items of a call payload; `kwargs` `None` stands for an empty dict
/// (which a fast reader doesn't box into a [`Value`] just to unbox it here).
fn call_from_items(
    object: Value,
    method: Value,
    vargs: Value,
    kwargs: Option<Value>,
) -> Result<Call> {
    Ok(Call {
        object: text(object, "object id")?,
        method: text(method, "method name")?,
        args: match vargs {
            Value::Tuple(v) | Value::List(v) => v,
            Value::None => Vec::new(),
            other => vec![other],
        },
        kwargs: match kwargs {
            None => Some(Dict::default()),
            Some(Value::None) => None,
            Some(Value::Dict(d)) => Some(*d),
            Some(other) => {
                return Err(Error::new(
                    ErrorKind::Type,
                    format!(
                        "call kwargs must be a dict or None, not {}",
                        other.type_name()
                    ),
                ));
            }
        },
    })
}

fn take(d: &mut Dict, key: &str) -> Result<Value> {
    d.shift_remove(&StrKey(key)).ok_or_else(|| {
        Error::new(
            ErrorKind::Value,
            format!("invalid call payload: missing '{key}'"),
        )
    })
}

fn text(v: Value, what: &str) -> Result<String> {
    match v {
        Value::Str(s) => Ok(s),
        Value::Bytes(b) => String::from_utf8(b.into())
            .map_err(|_| Error::new(ErrorKind::Value, format!("{what} is not valid UTF-8"))),
        other => Err(Error::new(
            ErrorKind::Type,
            format!("{what} must be a str, not {}", other.type_name()),
        )),
    }
}

#[cfg(test)]
mod tests;
