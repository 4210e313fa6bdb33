//! What a value looks like after a trip through a serializer (see `Serializer::normalize`).

use super::Serializer;
use crate::Value;
use crate::repr::write_float_repr;

pub(super) fn normalize(ser: Serializer, v: &Value) -> Value {
    match (ser, v) {
        (Serializer::Serpent, Value::Bytes(b)) => crate::dict! {
            "data" => base64_simd::STANDARD.encode_to_string(b),
            "encoding" => "base64",
        },
        (Serializer::Serpent, Value::Set(s) | Value::FrozenSet(s)) if s.is_empty() => {
            Value::Tuple(Vec::new())
        }
        // serpent writes a frozenset as a set literal.
        (Serializer::Serpent, Value::FrozenSet(items)) => {
            Value::Set(Box::new(items.iter().map(|i| normalize(ser, i)).collect()))
        }
        // serpent and json write these as their text (json refuses a time), msgpack and
        // marshal a UUID (msgpack a Decimal too).
        (
            Serializer::Serpent | Serializer::Json,
            Value::DateTime(_) | Value::Date(_) | Value::Time(_) | Value::Decimal(_),
        )
        | (Serializer::Msgpack, Value::Decimal(_))
        | (
            Serializer::Serpent | Serializer::Json | Serializer::Marshal | Serializer::Msgpack,
            Value::Uuid(_),
        ) => Value::Str(v.text_form().unwrap_or_default()),
        // A timestamp in a float: what Python sends back is what that float holds.
        (Serializer::Msgpack, Value::DateTime(dt)) => {
            match super::msgpack::datetime_timestamp(dt)
                .and_then(super::msgpack::datetime_from_timestamp)
            {
                Ok(back) => Value::DateTime(back),
                Err(_) => v.clone(),
            }
        }
        (Serializer::Serpent, Value::Ext { code, data }) => Value::Tuple(vec![
            Value::Int((*code).into()),
            normalize(ser, &Value::Bytes(data.clone())),
        ]),
        // Python reads `(re+imj)` / `(re-imj)` as a sum / difference of a float and an imaginary
        // number, which can flip the sign of a zero part: (-0.0+1j) -> 1j, (1-0.0j) -> (1+0j).
        (Serializer::Serpent, Value::Complex { re, im }) => {
            let (re, im) = if im.is_sign_negative() {
                (re - 0.0, 0.0 - (-im))
            } else {
                (re + 0.0, 0.0 + im)
            };
            Value::Complex { re, im }
        }
        (Serializer::Json | Serializer::Msgpack, Value::Tuple(items)) => {
            Value::List(items.iter().map(|i| normalize(ser, i)).collect())
        }
        (Serializer::Json | Serializer::Msgpack, Value::Set(items)) => {
            Value::List(items.iter().map(|i| normalize(ser, i)).collect())
        }
        (_, Value::List(items)) => Value::List(items.iter().map(|i| normalize(ser, i)).collect()),
        (_, Value::Tuple(items)) => Value::Tuple(items.iter().map(|i| normalize(ser, i)).collect()),
        (_, Value::Set(items)) => {
            Value::Set(Box::new(items.iter().map(|i| normalize(ser, i)).collect()))
        }
        (_, Value::Dict(d)) => Value::Dict(Box::new(
            d.iter()
                .map(|(k, v)| {
                    let key = match ser {
                        Serializer::Json => json_key(k),
                        // msgpack-python reads array keys as tuples.
                        Serializer::Msgpack => super::msgpack::tuple_keys(normalize(ser, k)),
                        _ => normalize(ser, k),
                    };
                    (key, normalize(ser, v))
                })
                .collect(),
        )),
        _ => v.clone(),
    }
}

/// Python's json turns int/float/bool/None keys into strings.
fn json_key(k: &Value) -> Value {
    let text = match k {
        Value::Int(i) => i.to_string(),
        Value::BigInt(b) => b.to_string(),
        Value::Bool(true) => "true".into(),
        Value::Bool(false) => "false".into(),
        Value::None => "null".into(),
        Value::Float(f) if f.is_nan() => "NaN".into(),
        Value::Float(f) if f.is_infinite() => {
            if *f > 0.0 { "Infinity" } else { "-Infinity" }.into()
        }
        Value::Float(f) => {
            let mut s = String::new();
            write_float_repr(&mut s, *f);
            s
        }
        other => return other.clone(),
    };
    Value::Str(text)
}
