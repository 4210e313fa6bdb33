//! The INVOKE payload shape of each serializer: `(object, method, vargs, kwargs)`.

use super::Serializer;
use crate::value::{Dict, StrKey};
use crate::{Error, ErrorKind, Result, Value};

/// A decoded remote call, as a daemon sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The daemon-local object id (`Pyro.Daemon`, `obj_<hex>`, a user id).
    pub object: String,
    /// The method name (or `__getattr__`, `__setattr__`, `<batch>`).
    pub method: String,
    /// Positional arguments (Python may send a tuple or a list).
    pub vargs: Vec<Value>,
    /// Keyword arguments; `None` when the caller sent None/null (attribute access, batches).
    pub kwargs: Option<Dict>,
}

impl Serializer {
    /// Encodes a call as Pyro's `dumpsCall` does: a 4-tuple in serpent, a list-args tuple in
    /// marshal, a 4-array in msgpack, an `{"object","method","params","kwargs"}` object in json.
    ///
    /// `vargs` is normally a [`Value::Tuple`] (what Python proxies send for user calls); Pyro
    /// itself sends a [`Value::List`] for some internal calls (`get_metadata`), and serpent keeps
    /// the difference on the wire. `kwargs` `None` is sent as None/null (attribute access, batch).
    /// The arguments are taken by value: a proxy builds them for each call anyway, and the
    /// payload is assembled around them without copying.
    ///
    /// ```
    /// use pyroxene_wire::{Serializer, tuple};
    /// let bytes = Serializer::Json.encode_call("test.echoserver", "echo", tuple!["hello"], None).unwrap();
    /// assert_eq!(bytes, br#"{"object": "test.echoserver", "method": "echo", "params": ["hello"], "kwargs": null}"#);
    /// ```
    ///
    /// # Errors
    /// When an argument can't be carried by this serializer.
    pub fn encode_call(
        self,
        object: &str,
        method: &str,
        vargs: Value,
        kwargs: Option<Dict>,
    ) -> Result<Vec<u8>> {
        let kwargs = kwargs.map_or(Value::None, Value::from);
        let as_list = |vargs| match vargs {
            Value::Tuple(items) => Value::List(items),
            other => other,
        };
        let payload = match self {
            Serializer::Serpent | Serializer::Pickle => {
                Value::Tuple(vec![object.into(), method.into(), vargs, kwargs])
            }
            Serializer::Marshal => {
                Value::Tuple(vec![object.into(), method.into(), as_list(vargs), kwargs])
            }
            Serializer::Msgpack => {
                Value::List(vec![object.into(), method.into(), as_list(vargs), kwargs])
            }
            Serializer::Json => crate::dict! {
                "object" => object,
                "method" => method,
                "params" => as_list(vargs),
                "kwargs" => kwargs,
            },
        };
        self.encode(&payload)
    }

    /// Decodes an INVOKE payload of this serializer.
    ///
    /// Accepts what Python peers send: vargs as tuple or list, kwargs as dict or None, and
    /// object/method names as bytes (Python 2 peers) when they are valid UTF-8.
    ///
    /// # Errors
    /// When the payload doesn't decode or doesn't have the call shape.
    pub fn decode_call(self, bytes: &[u8]) -> Result<Call> {
        self.call_from_value(self.decode(bytes)?)
    }

    /// As [`Serializer::decode_call`], for a received payload: big bytes arguments are views
    /// of it (see [`Serializer::decode_shared`]).
    ///
    /// # Errors
    /// As [`Serializer::decode_call`].
    pub fn decode_call_shared(self, bytes: &bytes::Bytes) -> Result<Call> {
        self.call_from_value(self.decode_shared(bytes)?)
    }

    fn call_from_value(self, value: Value) -> Result<Call> {
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
        Ok(Call {
            object: text(object, "object id")?,
            method: text(method, "method name")?,
            vargs: match vargs {
                Value::Tuple(v) | Value::List(v) => v,
                Value::None => Vec::new(),
                other => vec![other],
            },
            kwargs: match kwargs {
                Value::None => None,
                Value::Dict(d) => Some(*d),
                other => {
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
