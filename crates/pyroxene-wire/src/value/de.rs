//! serde `Deserializer` from [`Value`]: [`from_value`].

use std::fmt;

use num_bigint::BigInt;
use num_traits::ToPrimitive;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, Expected, IntoDeserializer, MapAccess,
    SeqAccess, VariantAccess, Visitor,
};

use super::Value;
use super::serde_impls::{VALUE_EXPECTING, mark};
use crate::{Error, ErrorKind, Result};

/// Converts a [`Value`] into any serde type, consuming it (strings, bytes and containers are
/// moved, not copied).
///
/// The mapping is the reverse of [`to_value`](crate::to_value)'s, widened to accept what
/// Python peers actually send:
///
/// | Rust (serde) | accepted Values |
/// |---|---|
/// | `bool` | `Bool` only (Python's `True` is an int, but `1` is not a bool here, nor `True` an int) |
/// | `i8`..`i128`, `u8`..`u128` | `Int`, `BigInt`; out of range is an error, never a wrap |
/// | `f32`, `f64` | `Float`, `Int`, `BigInt` (as Python's `float(x)`; an int too large is an error) |
/// | `char` | `Str` of exactly one character |
/// | `String` | `Str`, UTF-8 `Bytes`; `DateTime`/`Date`/`Time` as their `isoformat()`, `Decimal`/`Uuid` as their `str()` (the text a serpent or json peer sends for them), msgpack's timestamp ext as `Timestamp.to_datetime().isoformat()` |
/// | bytes (`serde_bytes`, `#[serde(with = "serde_bytes")]`) | `Bytes`, serpent's `{'data': <base64>, 'encoding': 'base64'}` dict, a `List`/`Tuple` of ints 0..=255 |
/// | `Option<T>` | `None` → `None`, anything else → `Some(T)` |
/// | `()`, unit struct | `None` |
/// | `Vec`, `HashSet`, sequences | `List`, `Tuple`, `Set`, `FrozenSet`, `Bytes` (as ints), serpent's bytes dict (as ints) |
/// | tuples, tuple structs, arrays `[T; N]` | the same as sequences; the length must match |
/// | newtype struct | whatever its inner type accepts |
/// | maps | `Dict`; a `Str` key is parsed where the key type is an int, float or bool (JSON turns Python's `{1: 'a'}` into `{"1": "a"}`) |
/// | structs | `Dict` with str keys (unknown keys ignored unless `deny_unknown_fields`, missing `Option` fields are `None`), or a `List`/`Tuple` of the fields in order |
/// | enums | `Str` → unit variant; one-entry `Dict` `{variant: content}` → any variant |
/// | [`num_bigint::BigInt`] with [`bigint`](crate::value::bigint) | `Int`, `BigInt` |
/// | [`PyDateTime`](crate::value::PyDateTime), `PyDate`, `PyTime`, `PyDecimal`, `PyUuid` | the variant, or its text (`Str`) |
/// | `time`/`chrono` types with [`datetime`](crate::value::datetime) | the variant, or its text |
/// | [`Value`] | itself, unchanged |
///
/// Self-describing targets (`serde_json::Value`, `#[serde(untagged)]`, `#[serde(tag = ...)]`)
/// go through `deserialize_any`, which shows each Value as the nearest serde type: `None` →
/// unit, `Tuple`/`Set`/`FrozenSet` → seq, `Complex` → the 2-seq `(re, im)`, `BigInt` →
/// i128/u128 when it fits, else its decimal digits as a str, dates, times, decimals and UUIDs →
/// their text, `Ext` → the 2-seq `(code, bytes)`. A [`Value`] field keeps every Python type, except
/// inside `#[serde(flatten)]`, `untagged` or internally tagged containers: serde buffers those
/// in its own data model first, so such a field gets a list for a tuple or set, a 2-list for
/// a complex, a str for an int beyond 128 bits.
///
/// Errors name the Python type: `invalid type: Python str, expected u32` (kind
/// [`ErrorKind::Type`]), `invalid value: Python int 300 out of range, expected u8` (kind
/// [`ErrorKind::Value`]); errors raised by the target type's own `Deserialize` impl (a missing
/// field, an unknown variant) have kind [`ErrorKind::Custom`].
///
/// ```
/// use pyroxene_wire::{from_value, list, tuple, Value};
/// let pair: (u8, String) = from_value(list![7, "seven"]).unwrap();
/// assert_eq!(pair, (7, "seven".to_owned()));
/// let err = from_value::<u8>(Value::Int(300)).unwrap_err();
/// assert_eq!(err.to_string(), "invalid value: Python int 300 out of range, expected u8");
/// let err = from_value::<u32>(Value::from("3")).unwrap_err();
/// assert_eq!(err.to_string(), "invalid type: Python str, expected u32");
/// ```
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T> {
    T::deserialize(value)
}

/// `invalid type: Python <type>, expected <what the visitor wanted>`.
fn type_error(value: &Value, expected: &dyn Expected) -> Error {
    Error::new(
        ErrorKind::Type,
        format!(
            "invalid type: Python {}, expected {expected}",
            value.type_name()
        ),
    )
}

/// `invalid value: Python <description>, expected <what the visitor wanted>`.
fn value_error(what: fmt::Arguments<'_>, expected: &dyn Expected) -> Error {
    Error::new(
        ErrorKind::Value,
        format!("invalid value: Python {what}, expected {expected}"),
    )
}

/// An int that does not fit the target type.
fn range_error(value: &Value, expected: &dyn Expected) -> Error {
    match value {
        Value::BigInt(b) if b.bits() > 128 => value_error(
            format_args!("int of {} bits out of range", b.bits()),
            expected,
        ),
        v => value_error(format_args!("int {v} out of range"), expected),
    }
}

/// True when `visitor` is [`ValueVisitor`](super::serde_impls::ValueVisitor), recognised by its
/// `expecting` text, so `deserialize_any` may show it the Python types serde cannot describe.
fn is_value_visitor<'de, V: Visitor<'de>>(visitor: &V) -> bool {
    struct Expecting<'a, V>(&'a V);
    impl<'de, V: Visitor<'de>> fmt::Display for Expecting<'_, V> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.expecting(f)
        }
    }
    /// Compares what is written with `rest`, stopping at the first difference.
    struct Compare(&'static str);
    impl fmt::Write for Compare {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 = self.0.strip_prefix(s).ok_or(fmt::Error)?;
            Ok(())
        }
    }
    let mut cmp = Compare(VALUE_EXPECTING);
    fmt::write(&mut cmp, format_args!("{}", Expecting(visitor))).is_ok() && cmp.0.is_empty()
}

/// Feeds `items` to `visitor` as a seq; elements left over are an error.
fn visit_items<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value> {
    let len = items.len();
    let mut seq = SeqDeserializer(items.into_iter());
    let out = visitor.visit_seq(&mut seq)?;
    match seq.0.len() {
        0 => Ok(out),
        rest => Err(Error::new(
            ErrorKind::Value,
            format!(
                "invalid length {len}, expected {} elements in sequence",
                len - rest
            ),
        )),
    }
}

/// Feeds the entries of `dict` to `visitor` as a map.
fn visit_dict<'de, V: Visitor<'de>>(dict: super::Dict, visitor: V) -> Result<V::Value> {
    visitor.visit_map(MapDeserializer {
        iter: dict.into_iter(),
        value: None,
    })
}

/// The bytes of a bytes-like Value: bytes, serpent's base64 dict, or a sequence of ints
/// 0..=255; `Err` gives the value back.
fn into_bytes(value: Value) -> Result<Vec<u8>, Value> {
    match value {
        Value::Bytes(b) => Ok(b.into()),
        Value::Dict(d) => match super::decode_serpent_bytes_dict(&d) {
            Some(b) => Ok(b),
            None => Err(Value::Dict(d)),
        },
        Value::List(items) | Value::Tuple(items)
            if items.iter().all(|i| matches!(i, Value::Int(0..=255))) =>
        {
            Ok(items
                .iter()
                .filter_map(|i| i.as_i64())
                .map(|i| i as u8)
                .collect())
        }
        other => Err(other),
    }
}

/// The elements of a sequence-like Value; `Err` gives the value back.
fn into_items(value: Value) -> Result<Vec<Value>, Value> {
    match value {
        Value::List(items) | Value::Tuple(items) => Ok(items),
        Value::Set(set) | Value::FrozenSet(set) => Ok(set.into_iter().collect()),
        Value::Bytes(b) => Ok(b.into_iter().map(Value::from).collect()),
        Value::Dict(d) => match super::decode_serpent_bytes_dict(&d) {
            Some(b) => Ok(b.into_iter().map(Value::from).collect()),
            None => Err(Value::Dict(d)),
        },
        other => Err(other),
    }
}

macro_rules! deserialize_int {
    ($($method:ident => $t:ty, $visit:ident;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let n = match &self {
                Value::Int(i) => <$t>::try_from(*i).ok(),
                Value::BigInt(b) => <$t>::try_from(&**b).ok(),
                other => return Err(type_error(other, &visitor)),
            };
            match n {
                Some(n) => visitor.$visit(n),
                None => Err(range_error(&self, &visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Small, separate steps: deeply nested values recurse through here, so the frame
        // on that path is kept lean.
        if matches!(
            self,
            Value::Tuple(_)
                | Value::Set(_)
                | Value::FrozenSet(_)
                | Value::Complex { .. }
                | Value::BigInt(_)
                | Value::DateTime(_)
                | Value::Date(_)
                | Value::Time(_)
                | Value::Decimal(_)
                | Value::Uuid(_)
                | Value::Ext { .. }
        ) && is_value_visitor(&visitor)
        {
            return match mark(self) {
                Ok((marker, content)) => visitor.visit_enum(EnumDeserializer {
                    variant: Value::from(marker),
                    content: Some(content),
                }),
                Err(value) => visit_any(value, visitor),
            };
        }
        visit_any(self, visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Bool(b) => visitor.visit_bool(b),
            other => Err(type_error(&other, &visitor)),
        }
    }

    deserialize_int! {
        deserialize_i8 => i8, visit_i8; deserialize_i16 => i16, visit_i16;
        deserialize_i32 => i32, visit_i32; deserialize_i64 => i64, visit_i64;
        deserialize_i128 => i128, visit_i128; deserialize_u8 => u8, visit_u8;
        deserialize_u16 => u16, visit_u16; deserialize_u32 => u32, visit_u32;
        deserialize_u64 => u64, visit_u64; deserialize_u128 => u128, visit_u128;
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Float(f) => visitor.visit_f32(f as f32),
            other => deserialize_float(other, visitor),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        deserialize_float(self, visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Str(s) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => visitor.visit_char(c),
                    _ => Err(value_error(
                        format_args!("str of length {}", s.chars().count()),
                        &visitor,
                    )),
                }
            }
            other => Err(type_error(&other, &visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Str(s) => visitor.visit_string(s),
            Value::Ext { code: -1, data } => {
                match crate::serializer::msgpack::timestamp_isoformat(&data) {
                    Some(text) => visitor.visit_string(text),
                    None => Err(type_error(&Value::Ext { code: -1, data }, &visitor)),
                }
            }
            v @ (Value::DateTime(_)
            | Value::Date(_)
            | Value::Time(_)
            | Value::Decimal(_)
            | Value::Uuid(_)) => visitor.visit_string(v.text_form().unwrap_or_default()),
            Value::Bytes(b) => match String::from_utf8(b.into()) {
                Ok(s) => visitor.visit_string(s),
                Err(_) => Err(value_error(
                    format_args!("bytes that are not UTF-8"),
                    &visitor,
                )),
            },
            other => Err(type_error(&other, &visitor)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match into_bytes(self) {
            Ok(b) => visitor.visit_byte_buf(b),
            Err(other) => Err(type_error(&other, &visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::None => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::None => visitor.visit_unit(),
            other => Err(type_error(&other, &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match into_items(self) {
            Ok(items) => visit_items(items, visitor),
            Err(other) => Err(type_error(&other, &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Dict(d) => visit_dict(*d, visitor),
            other => Err(type_error(&other, &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self {
            Value::Dict(d) => visit_dict(*d, visitor),
            Value::List(items) | Value::Tuple(items) => visit_items(items, visitor),
            other => Err(type_error(&other, &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self {
            Value::Str(_) => visitor.visit_enum(EnumDeserializer {
                variant: self,
                content: None,
            }),
            Value::Dict(mut d) => match (d.len(), d.pop()) {
                (1, Some((variant, content))) => visitor.visit_enum(EnumDeserializer {
                    variant,
                    content: Some(content),
                }),
                (n, _) => Err(value_error(
                    format_args!("dict with {n} entries (an enum is a str or a one-entry dict)"),
                    &visitor,
                )),
            },
            other => Err(type_error(&other, &visitor)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Int(i) if i >= 0 => visitor.visit_u64(i as u64),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        drop(self);
        visitor.visit_unit()
    }
}

/// `deserialize_any` without the [`ValueVisitor`](super::serde_impls::ValueVisitor) markers.
fn visit_any<'de, V: Visitor<'de>>(value: Value, visitor: V) -> Result<V::Value> {
    match value {
        Value::None => visitor.visit_unit(),
        Value::Bool(b) => visitor.visit_bool(b),
        Value::Int(i) => visitor.visit_i64(i),
        Value::BigInt(b) => visit_bigint(&b, visitor),
        Value::Float(f) => visitor.visit_f64(f),
        Value::Complex { re, im } => visit_items(vec![Value::Float(re), Value::Float(im)], visitor),
        Value::Str(s) => visitor.visit_string(s),
        Value::Bytes(b) => visitor.visit_byte_buf(b.into()),
        Value::List(items) | Value::Tuple(items) => visit_items(items, visitor),
        Value::Set(set) | Value::FrozenSet(set) => visit_items(set.into_iter().collect(), visitor),
        Value::Dict(d) => visit_dict(*d, visitor),
        v @ (Value::DateTime(_)
        | Value::Date(_)
        | Value::Time(_)
        | Value::Decimal(_)
        | Value::Uuid(_)) => visitor.visit_string(v.text_form().unwrap_or_default()),
        Value::Ext { code, data } => {
            visit_items(vec![Value::Int(code.into()), Value::Bytes(data)], visitor)
        }
    }
}

/// An int beyond i64: i128 or u128 when it fits, else its decimal digits.
fn visit_bigint<'de, V: Visitor<'de>>(b: &BigInt, visitor: V) -> Result<V::Value> {
    if let Some(i) = b.to_i128() {
        visitor.visit_i128(i)
    } else if let Some(u) = b.to_u128() {
        visitor.visit_u128(u)
    } else {
        visitor.visit_string(b.to_string())
    }
}

/// `f64` (and `f32`) from a float or an int, as Python's `float(x)`.
fn deserialize_float<'de, V: Visitor<'de>>(value: Value, visitor: V) -> Result<V::Value> {
    match value {
        Value::Float(f) => visitor.visit_f64(f),
        Value::Int(i) => visitor.visit_f64(i as f64),
        Value::BigInt(b) => match b.to_f64().filter(|f| f.is_finite()) {
            Some(f) => visitor.visit_f64(f),
            None => Err(range_error(&Value::BigInt(b), &visitor)),
        },
        other => Err(type_error(&other, &visitor)),
    }
}

impl IntoDeserializer<'_, Error> for Value {
    type Deserializer = Value;
    fn into_deserializer(self) -> Value {
        self
    }
}

/// The elements of a list, tuple or set.
struct SeqDeserializer(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for SeqDeserializer {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        self.0.next().map(|v| seed.deserialize(v)).transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The entries of a dict; keys go through [`KeyDeserializer`].
struct MapDeserializer {
    iter: indexmap::map::IntoIter<Value, Value>,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for MapDeserializer {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(KeyDeserializer(key)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(Error::new(
                ErrorKind::Custom,
                "next_value called before next_key",
            )),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// A dict key: like the Value itself, but a `Str` is parsed where a number or bool is wanted.
struct KeyDeserializer(Value);

macro_rules! parse_key {
    ($($method:ident => $t:ty, $visit:ident;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            match self.0 {
                Value::Str(s) => match s.parse::<$t>() {
                    Ok(n) => visitor.$visit(n),
                    Err(_) => Err(value_error(format_args!("str {s:?} as dict key"), &visitor)),
                },
                other => other.$method(visitor),
            }
        }
    )*};
}

macro_rules! forward_key {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value> {
            self.0.$method($($arg,)* visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for KeyDeserializer {
    type Error = Error;

    parse_key! {
        deserialize_bool => bool, visit_bool; deserialize_i8 => i8, visit_i8;
        deserialize_i16 => i16, visit_i16; deserialize_i32 => i32, visit_i32;
        deserialize_i64 => i64, visit_i64; deserialize_i128 => i128, visit_i128;
        deserialize_u8 => u8, visit_u8; deserialize_u16 => u16, visit_u16;
        deserialize_u32 => u32, visit_u32; deserialize_u64 => u64, visit_u64;
        deserialize_u128 => u128, visit_u128; deserialize_f32 => f32, visit_f32;
        deserialize_f64 => f64, visit_f64;
    }

    forward_key! {
        deserialize_any(); deserialize_char(); deserialize_str(); deserialize_string();
        deserialize_bytes(); deserialize_byte_buf(); deserialize_option(); deserialize_unit();
        deserialize_seq(); deserialize_map(); deserialize_identifier(); deserialize_ignored_any();
        deserialize_unit_struct(name: &'static str);
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        // The newtype's inner type gets the same key leniency.
        visitor.visit_newtype_struct(self)
    }
}

/// An enum as `variant` (a str) with optional `content`.
///
/// Also how `deserialize_any` hands a tuple, set, complex or huge int to
/// [`ValueVisitor`](super::serde_impls::ValueVisitor): as a variant with a private name. It
/// never calls `visit_enum` otherwise, so no Python value can be mistaken for one.
struct EnumDeserializer {
    variant: Value,
    content: Option<Value>,
}

impl<'de> EnumAccess<'de> for EnumDeserializer {
    type Error = Error;
    type Variant = VariantDeserializer;
    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, VariantDeserializer)> {
        Ok((
            seed.deserialize(self.variant)?,
            VariantDeserializer(self.content),
        ))
    }
}

/// The content of an enum variant.
struct VariantDeserializer(Option<Value>);

impl VariantDeserializer {
    fn content(self, expected: &str) -> Result<Value> {
        self.0.ok_or_else(|| {
            Error::new(
                ErrorKind::Type,
                format!("invalid type: unit variant (a str), expected {expected}"),
            )
        })
    }
}

impl<'de> VariantAccess<'de> for VariantDeserializer {
    type Error = Error;
    fn unit_variant(self) -> Result<()> {
        match self.0 {
            None | Some(Value::None) => Ok(()),
            Some(other) => Err(type_error(&other, &"unit variant")),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self.content("newtype variant")?)
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        match self.content("tuple variant")? {
            // The direct route keeps deeply nested tuples (marked for `ValueVisitor`) shallow.
            Value::List(items) | Value::Tuple(items) => visit_items(items, visitor),
            other => de::Deserializer::deserialize_tuple(other, len, visitor),
        }
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_struct(self.content("struct variant")?, "", fields, visitor)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "de_tests.rs"]
mod tests;
