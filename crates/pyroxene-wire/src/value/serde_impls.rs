//! `Serialize` and `Deserialize` for [`Value`] itself, and the [`bigint`] field helper.
//!
//! # `Value` as a serde type
//!
//! A `Value` can be a field of any serde type, and `to_value(&v) == v` /
//! `from_value::<Value>(v) == v` hold for every `v`: the Python types that serde's data model
//! has no word for travel under private marker names that [`crate::to_value`] and
//! [`crate::from_value`] recognise. Other serde formats see plain serde data instead:
//!
//! | Value | `Serialize` writes (to formats other than `Value`) |
//! |---|---|
//! | `None` | unit (`null` in JSON) |
//! | `Bool`, `Int`, `Float`, `Str`, `Bytes` | bool, i64, f64, str, bytes |
//! | `BigInt` | i128 (or u128) when it fits, else its decimal digits as a str |
//! | `Complex { re, im }` | the 2-tuple `(re, im)` |
//! | `List` / `Tuple` / `Set` / `FrozenSet` | seq / tuple / seq / seq |
//! | `Dict` | map (JSON wants str keys) |
//! | `DateTime` / `Date` / `Time` | its `isoformat()` str |
//! | `Decimal` / `Uuid` | its `str()` |
//! | `Ext { code, data }` | the 2-tuple `(code, bytes)` |
//!
//! `Deserialize for Value` accepts any self-describing format: unit and none → `None`, integers
//! of any width → `Int` (or `BigInt`), floats → `Float`, str/char → `Str`, bytes → `Bytes`,
//! seq → `List`, map → `Dict`, an enum `V(x)` → `{'V': x}`.

use bytes::Bytes;
use std::fmt;

use num_bigint::BigInt;
use num_traits::ToPrimitive;
use serde::de::{
    self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde::ser::{Serialize, SerializeTuple, Serializer};

use super::{
    Dict, PyDate, PyDateTime, PyTime, PyTimeZone, PyUuid, RandomState, SafeUuid, Set, Value, iso,
};

/// Newtype-struct name under which [`bigint::serialize`] hands an int to a serializer.
pub(crate) const BIGINT_MARKER: &str = "$pyroxene::private::BigInt";
/// Newtype-struct name (and private variant name) for a set written as a seq.
pub(crate) const SET_MARKER: &str = "$pyroxene::private::Set";
/// Newtype-struct name (and private variant name) for a complex written as `(re, im)`.
pub(crate) const COMPLEX_MARKER: &str = "$pyroxene::private::Complex";
/// Newtype-struct name (and private variant name) for a frozenset written as a seq.
pub(crate) const FROZENSET_MARKER: &str = "$pyroxene::private::FrozenSet";
/// Newtype-struct name (and private variant name) for a datetime written as its isoformat.
pub(crate) const DATETIME_MARKER: &str = "$pyroxene::private::DateTime";
/// Newtype-struct name (and private variant name) for a date written as its isoformat.
pub(crate) const DATE_MARKER: &str = "$pyroxene::private::Date";
/// Newtype-struct name (and private variant name) for a time written as its isoformat.
pub(crate) const TIME_MARKER: &str = "$pyroxene::private::Time";
/// Newtype-struct name (and private variant name) for a Decimal written as its str.
pub(crate) const DECIMAL_MARKER: &str = "$pyroxene::private::Decimal";
/// Newtype-struct name (and private variant name) for a UUID written as its str.
pub(crate) const UUID_MARKER: &str = "$pyroxene::private::Uuid";
/// Newtype-struct name (and private variant name) for a msgpack ext value `(code, bytes)`.
pub(crate) const EXT_MARKER: &str = "$pyroxene::private::Ext";
/// Enum variant name for a tuple (only ever shown to [`ValueVisitor`]).
pub(crate) const TUPLE_MARKER: &str = "$pyroxene::private::Tuple";

/// What [`ValueVisitor`] expects; `from_value` recognises it to preserve Python types.
pub(crate) const VALUE_EXPECTING: &str = "any Python value (pyroxene Value)";

/// Caps a size hint from a foreign deserializer before preallocating.
fn cautious(hint: Option<usize>) -> usize {
    hint.unwrap_or(0).min(4096)
}

/// Serde helpers for a [`num_bigint::BigInt`] field (num-bigint's own serde support writes
/// digit vectors, not ints):
///
/// ```
/// use num_bigint::BigInt;
/// use pyroxene_wire::{Value, from_value, to_value};
///
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct Factorial {
///     n: u32,
///     #[serde(with = "pyroxene_wire::value::bigint")]
///     value: BigInt,
/// }
/// let f = Factorial { n: 25, value: "15511210043330985984000000".parse().unwrap() };
/// let v = to_value(&f).unwrap();
/// assert!(matches!(v.get("value"), Some(Value::BigInt(_))));
/// assert_eq!(v.to_string(), "{'n': 25, 'value': 15511210043330985984000000}");
/// assert_eq!(from_value::<Factorial>(v).unwrap(), f);
/// ```
///
/// [`crate::to_value`] turns the field into a real `int` (`Value::Int` when it fits in i64,
/// else `Value::BigInt`): `serialize` passes it as a newtype struct with a private marker
/// name, as `serde_json`'s `arbitrary_precision` does. Other formats see that newtype's
/// content: an i128 (or u128) when the number fits, else its decimal digits as a str.
/// `deserialize` accepts any integer and a str of decimal digits.
pub mod bigint {
    use std::fmt;

    use num_bigint::BigInt;
    use num_traits::ToPrimitive;
    use serde::{Deserializer, Serializer, de};

    use super::BIGINT_MARKER;

    /// Writes `value` as an int (see the [module docs](self)).
    pub fn serialize<S: Serializer>(value: &BigInt, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(BIGINT_MARKER, &Digits(value))
    }

    /// Reads an int of any size, or a str of decimal digits.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BigInt, D::Error> {
        deserializer.deserialize_any(BigIntVisitor)
    }

    /// The content of the marker newtype.
    pub(crate) struct Digits<'a>(pub(crate) &'a BigInt);

    impl serde::Serialize for Digits<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            if let Some(i) = self.0.to_i64() {
                serializer.serialize_i64(i)
            } else if let Some(i) = self.0.to_i128() {
                serializer.serialize_i128(i)
            } else if let Some(u) = self.0.to_u128() {
                serializer.serialize_u128(u)
            } else {
                serializer.collect_str(self.0)
            }
        }
    }

    struct BigIntVisitor;

    impl de::Visitor<'_> for BigIntVisitor {
        type Value = BigInt;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an int")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<BigInt, E> {
            Ok(v.into())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<BigInt, E> {
            Ok(v.into())
        }
        fn visit_i128<E: de::Error>(self, v: i128) -> Result<BigInt, E> {
            Ok(v.into())
        }
        fn visit_u128<E: de::Error>(self, v: u128) -> Result<BigInt, E> {
            Ok(v.into())
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<BigInt, E> {
            v.parse()
                .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &"a str of decimal digits"))
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::None => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::BigInt(b) => bigint::serialize(b, serializer),
            Value::Float(f) => serializer.serialize_f64(*f),
            Value::Complex { re, im } => {
                serializer.serialize_newtype_struct(COMPLEX_MARKER, &(re, im))
            }
            Value::Str(s) => serializer.serialize_str(s),
            Value::Bytes(b) => serializer.serialize_bytes(b),
            Value::List(items) => serializer.collect_seq(items),
            Value::Tuple(items) => {
                let mut tuple = serializer.serialize_tuple(items.len())?;
                for item in items {
                    tuple.serialize_element(item)?;
                }
                tuple.end()
            }
            Value::Set(set) => serializer.serialize_newtype_struct(SET_MARKER, &SetSeq(set)),
            Value::FrozenSet(set) => {
                serializer.serialize_newtype_struct(FROZENSET_MARKER, &SetSeq(set))
            }
            Value::Dict(dict) => serializer.collect_map(dict.iter()),
            Value::DateTime(dt) => dt.serialize(serializer),
            Value::Date(d) => d.serialize(serializer),
            Value::Time(t) => t.serialize(serializer),
            Value::Decimal(d) => d.serialize(serializer),
            Value::Uuid(u) => u.serialize(serializer),
            Value::Ext { code, data } => {
                serializer.serialize_newtype_struct(EXT_MARKER, &(code, BytesRef(data)))
            }
        }
    }
}

/// Bytes written as serde bytes.
struct BytesRef<'a>(&'a [u8]);

impl Serialize for BytesRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

/// A set written as a seq.
struct SetSeq<'a>(&'a Set);

impl Serialize for SetSeq<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// Builds a [`Value`] from anything a self-describing format holds.
///
/// [`crate::from_value`] recognises this visitor by its `expecting` text and then shows it
/// tuples, sets, complexes and ints beyond 128 bits as enum variants with private names (see
/// the markers above), so those survive `from_value::<Value>`; no other visitor ever sees
/// such a variant.
pub(crate) struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(VALUE_EXPECTING)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(Bytes::copy_from_slice(v)))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(v.into()))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::None)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        collect_items(seq).map(Value::List)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut dict =
            Dict::with_capacity_and_hasher(cautious(map.size_hint()), RandomState::default());
        while let Some((k, v)) = map.next_entry()? {
            dict.insert(k, v);
        }
        Ok(Value::Dict(Box::new(dict)))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // Each case in its own function: deeply nested tuples and sets recurse through here.
        let (variant, access): (Value, _) = data.variant()?;
        match variant.as_str() {
            Some(TUPLE_MARKER) => access.tuple_variant(0, ItemsVisitor::Tuple),
            Some(SET_MARKER) => access.tuple_variant(0, ItemsVisitor::Set),
            Some(FROZENSET_MARKER) => access.tuple_variant(0, ItemsVisitor::FrozenSet),
            Some(DATETIME_MARKER) => marked_variant(DATETIME_MARKER, access),
            Some(DATE_MARKER) => marked_variant(DATE_MARKER, access),
            Some(TIME_MARKER) => marked_variant(TIME_MARKER, access),
            Some(DECIMAL_MARKER) => marked_variant(DECIMAL_MARKER, access),
            Some(UUID_MARKER) => marked_variant(UUID_MARKER, access),
            Some(EXT_MARKER) => marked_variant(EXT_MARKER, access),
            Some(COMPLEX_MARKER) => complex_variant(access),
            Some(BIGINT_MARKER) => bigint_variant(access),
            _ => any_variant(variant, access),
        }
    }
}

fn complex_variant<'de, A: VariantAccess<'de>>(access: A) -> Result<Value, A::Error> {
    let (re, im) = access.newtype_variant()?;
    Ok(Value::Complex { re, im })
}

fn bigint_variant<'de, A: VariantAccess<'de>>(access: A) -> Result<Value, A::Error> {
    let digits: String = access.newtype_variant()?;
    match digits.parse::<BigInt>() {
        Ok(b) => Ok(Value::from_bigint(b)),
        Err(_) => Err(de::Error::invalid_value(
            de::Unexpected::Str(&digits),
            &"decimal digits",
        )),
    }
}

/// A value [`mark`] carried past serde's data model as its content.
fn marked_variant<'de, A: VariantAccess<'de>>(
    marker: &'static str,
    access: A,
) -> Result<Value, A::Error> {
    let content: Value = access.newtype_variant()?;
    unmark(marker, content).map_err(|c| {
        de::Error::invalid_value(
            de::Unexpected::Other(c.type_name()),
            &"a marked Python value",
        )
    })
}

/// An enum from another format: `V(x)` → `{'V': x}`.
fn any_variant<'de, A: VariantAccess<'de>>(variant: Value, access: A) -> Result<Value, A::Error> {
    let content: Value = access.newtype_variant()?;
    Ok(Value::from_iter([(variant, content)]))
}

/// Collects the items of a marked tuple or set.
enum ItemsVisitor {
    Tuple,
    Set,
    FrozenSet,
}

impl<'de> Visitor<'de> for ItemsVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ItemsVisitor::Tuple => "a tuple",
            ItemsVisitor::Set => "a set",
            ItemsVisitor::FrozenSet => "a frozenset",
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        match self {
            ItemsVisitor::Tuple => collect_items(seq).map(Value::Tuple),
            ItemsVisitor::Set => collect_set(seq).map(Value::Set),
            ItemsVisitor::FrozenSet => collect_set(seq).map(Value::FrozenSet),
        }
    }
}

fn collect_items<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<Value>, A::Error> {
    let mut items = Vec::with_capacity(cautious(seq.size_hint()));
    while let Some(item) = seq.next_element()? {
        items.push(item);
    }
    Ok(items)
}

fn collect_set<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Box<Set>, A::Error> {
    let mut set = Set::with_capacity_and_hasher(cautious(seq.size_hint()), RandomState::default());
    while let Some(item) = seq.next_element()? {
        set.insert(item);
    }
    Ok(Box::new(set))
}

/// The Value a newtype marker stands for, given its serde content;
/// the content back when it does not have the marker's shape.
pub(crate) fn unmark(marker: &str, content: Value) -> Result<Value, Value> {
    match (marker, content) {
        (SET_MARKER, Value::List(items) | Value::Tuple(items)) => {
            Ok(Value::Set(Box::new(items.into_iter().collect())))
        }
        (FROZENSET_MARKER, Value::List(items) | Value::Tuple(items)) => {
            Ok(Value::FrozenSet(Box::new(items.into_iter().collect())))
        }
        (COMPLEX_MARKER, content) => match content.as_seq() {
            Some(&[Value::Float(re), Value::Float(im)]) => Ok(Value::Complex { re, im }),
            _ => Err(content),
        },
        (BIGINT_MARKER, v @ (Value::Int(_) | Value::BigInt(_))) => Ok(v),
        (BIGINT_MARKER, Value::Str(digits)) => match digits.parse::<BigInt>() {
            Ok(b) => Ok(Value::from_bigint(b)),
            Err(_) => Err(Value::Str(digits)),
        },
        (DATETIME_MARKER, Value::Tuple(fields)) => match datetime_from_fields(&fields) {
            Some(dt) => Ok(Value::DateTime(dt)),
            None => Err(Value::Tuple(fields)),
        },
        (TIME_MARKER, Value::Tuple(fields)) => match time_from_fields(&fields) {
            Some(t) => Ok(Value::Time(t)),
            None => Err(Value::Tuple(fields)),
        },
        (UUID_MARKER, Value::Tuple(fields)) => match fields.as_slice() {
            [Value::Str(text), Value::Int(safe)] => match text.parse::<PyUuid>() {
                Ok(u) => Ok(Value::Uuid(u.with_safe(match safe {
                    0 => SafeUuid::Safe,
                    -1 => SafeUuid::Unsafe,
                    _ => SafeUuid::Unknown,
                }))),
                Err(_) => Err(Value::Tuple(fields)),
            },
            _ => Err(Value::Tuple(fields)),
        },
        (
            marker @ (DATETIME_MARKER | DATE_MARKER | TIME_MARKER | DECIMAL_MARKER | UUID_MARKER),
            Value::Str(text),
        ) => {
            let parsed = match marker {
                DATETIME_MARKER => iso::parse_datetime(&text).map(Value::DateTime),
                DATE_MARKER => iso::parse_date(&text).map(Value::Date),
                TIME_MARKER => iso::parse_time(&text).map(Value::Time),
                DECIMAL_MARKER => text.parse().map(Value::Decimal),
                _ => text.parse().map(Value::Uuid),
            };
            parsed.map_err(|_| Value::Str(text))
        }
        (EXT_MARKER, content) => match content.as_seq() {
            Some([code, Value::Bytes(data)]) => {
                match code.as_i64().and_then(|c| i8::try_from(c).ok()) {
                    Some(code) => Ok(Value::Ext {
                        code,
                        data: data.clone(),
                    }),
                    None => Err(content),
                }
            }
            _ => Err(content),
        },
        (_, content) => Err(content),
    }
}

/// The private variant for a value `from_value` must carry past serde's data model (shown to
/// [`ValueVisitor`] only) and its content; the value back for values serde can describe.
/// Dates and times travel as their fields, so `fold` and a timezone's name survive.
pub(crate) fn mark(value: Value) -> Result<(&'static str, Value), Value> {
    match value {
        v @ Value::Tuple(_) => Ok((TUPLE_MARKER, v)),
        v @ Value::Set(_) => Ok((SET_MARKER, v)),
        Value::FrozenSet(s) => Ok((FROZENSET_MARKER, Value::List(s.into_iter().collect()))),
        Value::Complex { re, im } => Ok((
            COMPLEX_MARKER,
            Value::List(vec![Value::Float(re), Value::Float(im)]),
        )),
        Value::BigInt(b) if b.to_i128().is_none() && b.to_u128().is_none() => {
            Ok((BIGINT_MARKER, Value::Str(b.to_string())))
        }
        Value::DateTime(dt) => {
            let d = dt.date();
            let mut fields = vec![d.year().into(), d.month().into(), d.day().into()];
            fields.extend(time_fields(dt.time()));
            Ok((DATETIME_MARKER, Value::Tuple(fields)))
        }
        Value::Date(d) => Ok((DATE_MARKER, Value::Str(d.to_string()))),
        Value::Time(t) => Ok((TIME_MARKER, Value::Tuple(time_fields(&t)))),
        Value::Decimal(d) => Ok((DECIMAL_MARKER, Value::Str(d.to_string()))),
        Value::Uuid(u) => {
            let safe = match u.is_safe() {
                SafeUuid::Safe => 0,
                SafeUuid::Unsafe => -1,
                SafeUuid::Unknown => 1,
            };
            Ok((UUID_MARKER, crate::tuple![u.to_string(), safe]))
        }
        Value::Ext { code, data } => Ok((EXT_MARKER, crate::tuple![code, Value::Bytes(data)])),
        other => Err(other),
    }
}

/// `(hour, minute, second, microsecond, fold, offset_micros | None, name | None)`.
fn time_fields(t: &PyTime) -> Vec<Value> {
    vec![
        t.hour().into(),
        t.minute().into(),
        t.second().into(),
        t.microsecond().into(),
        t.fold().into(),
        t.tz().map_or(Value::None, |tz| tz.offset_micros().into()),
        t.tz()
            .and_then(PyTimeZone::name)
            .map_or(Value::None, Value::from),
    ]
}

fn time_from_fields(fields: &[Value]) -> Option<PyTime> {
    let [h, m, s, us, fold, offset, name] = fields else {
        return None;
    };
    let small = |v: &Value| v.as_i64().and_then(|i| u8::try_from(i).ok());
    let time = PyTime::new(
        small(h)?,
        small(m)?,
        small(s)?,
        us.as_i64().and_then(|i| u32::try_from(i).ok())?,
    )
    .ok()?
    .with_fold(fold.as_bool()?);
    let tz = match (offset, name) {
        (Value::None, _) => None,
        (offset, Value::None) => Some(PyTimeZone::new(offset.as_i64()?).ok()?),
        (offset, Value::Str(name)) => {
            Some(PyTimeZone::with_name(offset.as_i64()?, name.as_str()).ok()?)
        }
        _ => return None,
    };
    Some(time.with_tz(tz))
}

fn datetime_from_fields(fields: &[Value]) -> Option<PyDateTime> {
    let (date, time) = fields.split_at_checked(3)?;
    let [y, m, d] = date else { return None };
    let small = |v: &Value| v.as_i64().and_then(|i| u8::try_from(i).ok());
    let date = PyDate::new(i32::try_from(y.as_i64()?).ok()?, small(m)?, small(d)?).ok()?;
    Some(PyDateTime::new(date, time_from_fields(time)?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use num_bigint::BigInt;
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};

    use crate::{Value, dict, from_value, list, set, to_value, tuple};

    fn every_kind() -> Value {
        list![
            Value::None,
            false,
            i64::MIN,
            Value::from(u64::MAX),
            Value::from(i128::MIN),
            Value::from_bigint(-BigInt::from(3).pow(300)),
            f64::NAN,
            Value::Complex {
                re: -0.0,
                im: f64::INFINITY
            },
            "str",
            Value::Bytes(vec![0, 1, 255].into()),
            tuple![],
            tuple![tuple![1], list![tuple![2]]],
            set![(1, 2), "x", Value::from_bigint(BigInt::from(10).pow(50))],
            dict! { (1, "k") => set![], Value::None => tuple![Value::Complex { re: 1.0, im: 2.0 }] },
            python_types()
        ]
    }

    /// One of each date/time/decimal/UUID/frozenset/ext kind, with the details serde's data
    /// model can't carry (fold, a timezone's name, is_safe).
    fn python_types() -> Value {
        use crate::value::{PyDate, PyDateTime, PyTime, PyTimeZone, PyUuid, SafeUuid};
        let tz = PyTimeZone::with_name(-18_000_000_000, "EST").unwrap();
        let time = PyTime::new(2, 30, 0, 5).unwrap().with_fold(true);
        let date = PyDate::new(2021, 10, 31).unwrap();
        list![
            Value::FrozenSet(Box::new(
                [Value::from(1), Value::from("a")].into_iter().collect()
            )),
            Value::DateTime(PyDateTime::new(date, time.clone()).with_tz(Some(tz.clone()))),
            Value::DateTime(PyDateTime::new(date, time.clone())),
            Value::Date(date),
            Value::Time(time.with_tz(Some(tz))),
            Value::Decimal("-1.50E-7".parse().unwrap()),
            Value::Uuid(PyUuid::from_u128(7).with_safe(SafeUuid::Unsafe)),
            Value::Ext {
                code: 64,
                data: vec![1, 2].into()
            },
            dict! { Value::FrozenSet(Box::default()) => Value::Date(date) }
        ]
    }

    #[test]
    fn from_value_of_value_keeps_fold_tz_names_and_is_safe() {
        let v = python_types();
        let back = from_value::<Value>(v.clone()).unwrap();
        // Debug shows every field, those equality ignores included.
        assert_eq!(format!("{back:?}"), format!("{v:?}"));
        assert!(matches!(
            from_value::<Value>(Value::FrozenSet(Box::default())).unwrap(),
            Value::FrozenSet(_)
        ));
    }

    #[test]
    fn from_value_of_value_is_identity() {
        let v = every_kind();
        assert_eq!(from_value::<Value>(v.clone()).unwrap(), v);
        assert!(matches!(
            from_value::<Value>(tuple![1]).unwrap(),
            Value::Tuple(_)
        ));
        assert!(matches!(
            from_value::<Value>(set![1]).unwrap(),
            Value::Set(_)
        ));
        assert!(matches!(
            from_value::<Value>(Value::Complex { re: 1.0, im: 0.0 }).unwrap(),
            Value::Complex { .. }
        ));
        let huge = Value::from_bigint(BigInt::from(2).pow(129));
        assert!(matches!(
            from_value::<Value>(huge).unwrap(),
            Value::BigInt(_)
        ));
    }

    #[test]
    fn to_value_of_value_is_identity() {
        let v = every_kind();
        assert_eq!(to_value(&v).unwrap(), v);
    }

    #[test]
    fn value_fields_keep_python_types() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct Call {
            method: String,
            args: Value,
            kwargs: HashMap<String, Value>,
        }
        let v = dict! {
            "method" => "add",
            "args" => tuple![1, set![2], Value::Bytes(vec![3].into())],
            "kwargs" => dict! { "z" => Value::Complex { re: 0.0, im: 1.0 } }
        };
        let call: Call = from_value(v.clone()).unwrap();
        assert_eq!(call.args, tuple![1, set![2], Value::Bytes(vec![3].into())]);
        assert_eq!(call.kwargs["z"], Value::Complex { re: 0.0, im: 1.0 });
        assert_eq!(to_value(&call).unwrap(), v);
    }

    #[test]
    fn value_from_and_to_serde_json() {
        let json = r#"{"a":[1,-2,18446744073709551615,2.5,"s",true,null],"b":{"c":{}}}"#;
        let v: Value = serde_json::from_str(json).unwrap();
        assert_eq!(
            v,
            dict! {
                "a" => list![1, -2, u64::MAX, 2.5, "s", true, Value::None],
                "b" => dict! { "c" => dict! {} }
            }
        );
        assert_eq!(serde_json::to_string(&v).unwrap(), json);
        let back: serde_json::Value = from_value(v).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
        // A dict keyed like a marker is just a dict.
        let v: Value = serde_json::from_str(r#"{"$pyroxene::private::Complex":"x"}"#).unwrap();
        assert_eq!(v, dict! { "$pyroxene::private::Complex" => "x" });
    }

    #[test]
    fn deep_nesting_within_max_depth() {
        // Decoders cap nesting at MAX_DEPTH; such a value must survive both directions.
        let mut v = Value::Int(1);
        for i in 0..crate::MAX_DEPTH {
            v = if i % 2 == 0 { list![v] } else { tuple![v] };
        }
        let handle = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || {
                assert_eq!(to_value(&v).unwrap(), v);
                assert_eq!(from_value::<Value>(v.clone()).unwrap(), v);
            })
            .unwrap();
        handle.join().unwrap();
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    enum Kind {
        Plain,
        Weighted(f64),
        Tagged { tag: String, level: u8 },
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    struct Inner {
        pair: (u8, String),
        #[serde(with = "serde_bytes")]
        blob: Vec<u8>,
    }

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    struct Record {
        id: i64,
        name: String,
        samples: Vec<f64>,
        flag: Option<bool>,
        inner: Inner,
        counts: HashMap<String, i32>,
        kind: Kind,
        history: Vec<Option<(i16, char)>>,
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            Just(Kind::Plain),
            any::<f64>()
                .prop_filter("NaN != NaN", |f| !f.is_nan())
                .prop_map(Kind::Weighted),
            (".*", any::<u8>()).prop_map(|(tag, level)| Kind::Tagged { tag, level }),
        ]
    }

    fn record() -> impl Strategy<Value = Record> {
        (
            any::<i64>(),
            ".*",
            prop::collection::vec(
                any::<f64>().prop_filter("NaN != NaN", |f| !f.is_nan()),
                0..8,
            ),
            any::<Option<bool>>(),
            (any::<u8>(), ".*", prop::collection::vec(any::<u8>(), 0..32)),
            prop::collection::hash_map(".*", any::<i32>(), 0..6),
            kind(),
            prop::collection::vec(any::<Option<(i16, char)>>(), 0..4),
        )
            .prop_map(
                |(id, name, samples, flag, (n, s, blob), counts, kind, history)| Record {
                    id,
                    name,
                    samples,
                    flag,
                    inner: Inner { pair: (n, s), blob },
                    counts,
                    kind,
                    history,
                },
            )
    }

    /// Values JSON can carry: no bytes, tuples, sets, complexes, non-finite floats or
    /// non-str keys.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::None),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<u64>().prop_map(Value::from),
            (-1e300f64..1e300).prop_map(Value::Float),
            ".*".prop_map(Value::Str),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
                prop::collection::vec((".*", inner), 0..6).prop_map(Value::from_iter),
            ]
        })
    }

    proptest! {
        #[test]
        fn structs_round_trip(r in record()) {
            let v = to_value(&r).unwrap();
            prop_assert!(matches!(v.get("inner").and_then(|i| i.get("blob")), Some(Value::Bytes(_))));
            prop_assert_eq!(from_value::<Record>(v).unwrap(), r);
        }

        #[test]
        fn json_values_convert(v in json_value()) {
            let via_serde: serde_json::Value = from_value(v.clone()).unwrap();
            let serialized = serde_json::to_value(&v).unwrap();
            prop_assert_eq!(&via_serde, &serialized);
            prop_assert_eq!(serde_json::from_value::<Value>(via_serde).unwrap(), v.clone());
            prop_assert_eq!(to_value(&v).unwrap(), v.clone());
            prop_assert_eq!(from_value::<Value>(v.clone()).unwrap(), v);
        }

        #[test]
        fn wide_ints_round_trip(a in any::<i128>(), b in any::<u128>(), c in any::<u64>()) {
            prop_assert_eq!(from_value::<i128>(to_value(&a).unwrap()).unwrap(), a);
            prop_assert_eq!(from_value::<u128>(to_value(&b).unwrap()).unwrap(), b);
            prop_assert_eq!(from_value::<u64>(to_value(&c).unwrap()).unwrap(), c);
        }
    }
}
