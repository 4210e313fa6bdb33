//! serde `Serializer` into [`Value`]: [`to_value`].

use bytes::Bytes;
use serde::Serialize;
use serde::ser;

use super::serde_impls::{
    BIGINT_MARKER, COMPLEX_MARKER, DATE_MARKER, DATETIME_MARKER, DECIMAL_MARKER, EXT_MARKER,
    FROZENSET_MARKER, SET_MARKER, TIME_MARKER, UUID_MARKER, unmark,
};
use super::{Dict, RandomState, Value};
use crate::{Error, ErrorKind, Result};

/// Converts any serde type into a [`Value`], the way a Python peer would want to see it.
///
/// | Rust (serde) | Value |
/// |---|---|
/// | `bool` | `Bool` |
/// | `i8`..`i64`, `u8`..`u32` | `Int` |
/// | `u64`, `i128`, `u128` | `Int` when it fits i64, else `BigInt` |
/// | `f32`, `f64` | `Float` |
/// | `char`, `&str`, `String` | `Str` |
/// | bytes (`serde_bytes`, `#[serde(with = "serde_bytes")]`) | `Bytes` |
/// | `Option::None`, `()`, unit struct | `None` |
/// | `Option::Some(x)` | `x` |
/// | `Vec`, slices, sequences, sets | `List` |
/// | tuples, tuple structs, arrays `[T; N]` | `Tuple` |
/// | newtype struct | its inner value |
/// | maps (`HashMap`, `BTreeMap`, `IndexMap`) | `Dict` (any key type that maps to a Value) |
/// | structs | `Dict` with str keys in field order |
/// | unit enum variant | `Str` of the variant name |
/// | newtype / tuple / struct variants | `Dict` `{variant: value}` (externally tagged, like `serde_json`); a tuple variant's content is a `Tuple` |
/// | [`num_bigint::BigInt`] with [`bigint`](crate::value::bigint) | `Int` / `BigInt` |
/// | [`PyDateTime`](crate::value::PyDateTime), `PyDate`, `PyTime`, `PyDecimal`, `PyUuid` | `DateTime`, `Date`, `Time`, `Decimal`, `Uuid` |
/// | `time`/`chrono` dates and times with [`datetime`](crate::value::datetime) | `DateTime`, `Date`, `Time` |
/// | [`Value`] | itself, unchanged (`Tuple`, `Set`, `Complex`, `BigInt`, dates, ... included; a datetime's `fold` and timezone name excepted) |
///
/// Serde attributes (`rename`, `skip_serializing_if`, `flatten`, `tag`, ...) work as usual.
/// A `List` dict key becomes a `Tuple` (a Python list is unhashable); a `Dict` key is an
/// error of kind [`ErrorKind::Type`], as it would be in Python.
///
/// ```
/// use pyroxene_wire::{Value, to_value};
/// #[derive(serde::Serialize)]
/// enum Shape { Circle { r: f64 }, Square(f64), Empty }
/// assert_eq!(to_value(&Shape::Circle { r: 1.5 }).unwrap().to_string(), "{'Circle': {'r': 1.5}}");
/// assert_eq!(to_value(&Shape::Square(2.0)).unwrap().to_string(), "{'Square': 2.0}");
/// assert_eq!(to_value(&Shape::Empty).unwrap(), Value::from("Empty"));
/// assert_eq!(to_value(&(1u8, Some("x"), None::<i32>)).unwrap().to_string(), "(1, 'x', None)");
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    value.serialize(ValueSerializer)
}

/// The serde `Serializer` whose output is a [`Value`].
#[derive(Clone, Copy, Debug)]
struct ValueSerializer;

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = MapBuilder;

    fn serialize_bool(self, v: bool) -> Result<Value> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Value> {
        Ok(Value::Int(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u128(self, v: u128) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Value> {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_str(self, v: &str) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value> {
        Ok(Value::Bytes(Bytes::copy_from_slice(v)))
    }
    fn serialize_none(self) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value> {
        Ok(Value::from(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Value> {
        let inner = value.serialize(self)?;
        if let BIGINT_MARKER | SET_MARKER | FROZENSET_MARKER | COMPLEX_MARKER | DATETIME_MARKER
        | DATE_MARKER | TIME_MARKER | DECIMAL_MARKER | UUID_MARKER | EXT_MARKER = name
        {
            return unmark(name, inner).map_err(|content| {
                Error::new(
                    ErrorKind::Custom,
                    format!("{name} cannot hold a Python {}", content.type_name()),
                )
            });
        }
        Ok(inner)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value> {
        Ok(Value::from_iter([(variant, value.serialize(self)?)]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder> {
        Ok(SeqBuilder::new(Kind::List, len.unwrap_or(0)))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder> {
        Ok(SeqBuilder::new(Kind::Tuple, len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqBuilder> {
        Ok(SeqBuilder::new(Kind::Tuple, len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqBuilder> {
        Ok(SeqBuilder::new(Kind::Variant(variant), len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder> {
        Ok(MapBuilder::new(None, len.unwrap_or(0)))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapBuilder> {
        Ok(MapBuilder::new(None, len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<MapBuilder> {
        Ok(MapBuilder::new(Some(variant), len))
    }
}

/// What a [`SeqBuilder`] becomes.
enum Kind {
    List,
    Tuple,
    /// A tuple, wrapped as `{variant: (...)}`.
    Variant(&'static str),
}

/// Collects seq, tuple and tuple-variant elements.
struct SeqBuilder {
    kind: Kind,
    items: Vec<Value>,
}

impl SeqBuilder {
    fn new(kind: Kind, len: usize) -> Self {
        // `len` comes from the Rust value being serialized, but cap it all the same.
        SeqBuilder {
            kind,
            items: Vec::with_capacity(len.min(4096)),
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.items.push(value.serialize(ValueSerializer)?);
        Ok(())
    }

    fn finish(self) -> Value {
        match self.kind {
            Kind::List => Value::List(self.items),
            Kind::Tuple => Value::Tuple(self.items),
            Kind::Variant(variant) => Value::from_iter([(variant, Value::Tuple(self.items))]),
        }
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleVariant for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

/// Collects map, struct and struct-variant entries.
struct MapBuilder {
    variant: Option<&'static str>,
    dict: Dict,
    key: Option<Value>,
}

impl MapBuilder {
    fn new(variant: Option<&'static str>, len: usize) -> Self {
        MapBuilder {
            variant,
            dict: Dict::with_capacity_and_hasher(len.min(4096), RandomState::default()),
            key: None,
        }
    }

    fn finish(self) -> Value {
        let dict = Value::Dict(Box::new(self.dict));
        match self.variant {
            Some(variant) => Value::from_iter([(variant, dict)]),
            None => dict,
        }
    }
}

/// Turns a serialized value into something Python can use as a dict key.
fn dict_key(key: Value) -> Result<Value> {
    match key {
        Value::List(items) => Ok(Value::Tuple(items)),
        Value::Dict(_) => Err(Error::new(
            ErrorKind::Type,
            "unhashable type: 'dict' (as a dict key)",
        )),
        other => Ok(other),
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key = Some(dict_key(key.serialize(ValueSerializer)?)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self.key.take().ok_or_else(|| {
            Error::new(
                ErrorKind::Custom,
                "serialize_value called before serialize_key",
            )
        })?;
        self.dict.insert(key, value.serialize(ValueSerializer)?);
        Ok(())
    }
    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<()> {
        let key = dict_key(key.serialize(ValueSerializer)?)?;
        self.dict.insert(key, value.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.dict
            .insert(Value::from(key), value.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for MapBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet, HashMap};

    use num_bigint::BigInt;
    use serde::Serialize;

    use super::to_value;
    use crate::{ErrorKind, Value, dict, list, set, tuple};

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Meters(f64);

    #[derive(Serialize)]
    struct Pair(i32, &'static str);

    #[derive(Serialize)]
    struct Point {
        x: i64,
        y: f64,
        label: Option<String>,
    }

    #[derive(Serialize)]
    enum E {
        Unit,
        New(u8),
        Tup(u8, bool),
        Rec { a: i32 },
    }

    #[test]
    fn scalars() {
        assert_eq!(to_value(&true).unwrap(), Value::Bool(true));
        assert_eq!(to_value(&-5i8).unwrap(), Value::Int(-5));
        assert_eq!(to_value(&-5i16).unwrap(), Value::Int(-5));
        assert_eq!(to_value(&-5i32).unwrap(), Value::Int(-5));
        assert_eq!(to_value(&i64::MIN).unwrap(), Value::Int(i64::MIN));
        assert_eq!(to_value(&255u8).unwrap(), Value::Int(255));
        assert_eq!(to_value(&65535u16).unwrap(), Value::Int(65535));
        assert_eq!(to_value(&u32::MAX).unwrap(), Value::Int(u32::MAX.into()));
        assert_eq!(to_value(&1.5f32).unwrap(), Value::Float(1.5));
        assert_eq!(to_value(&-0.25f64).unwrap(), Value::Float(-0.25));
        assert_eq!(to_value(&'λ').unwrap(), Value::from("λ"));
        assert_eq!(to_value("text").unwrap(), Value::from("text"));
        assert_eq!(
            to_value(&String::from("owned")).unwrap(),
            Value::from("owned")
        );
    }

    #[test]
    fn wide_ints_normalize() {
        assert!(matches!(to_value(&7u64).unwrap(), Value::Int(7)));
        assert!(matches!(to_value(&-7i128).unwrap(), Value::Int(-7)));
        assert!(matches!(to_value(&7u128).unwrap(), Value::Int(7)));
        let big = to_value(&u64::MAX).unwrap();
        assert!(matches!(&big, Value::BigInt(b) if **b == BigInt::from(u64::MAX)));
        let big = to_value(&i128::MIN).unwrap();
        assert!(matches!(&big, Value::BigInt(b) if **b == BigInt::from(i128::MIN)));
        let big = to_value(&u128::MAX).unwrap();
        assert_eq!(big.to_string(), u128::MAX.to_string());
    }

    #[test]
    fn bytes_and_absent_values() {
        assert_eq!(
            to_value(serde_bytes::Bytes::new(b"\x00ab")).unwrap(),
            Value::Bytes(b"\x00ab".to_vec().into())
        );
        assert_eq!(
            to_value(&serde_bytes::ByteBuf::from(vec![1, 2])).unwrap(),
            Value::Bytes(vec![1, 2].into())
        );
        // Without serde_bytes a Vec<u8> is a list, as with every serde format.
        assert_eq!(to_value(&vec![1u8, 2]).unwrap(), list![1, 2]);
        assert_eq!(to_value(&None::<i32>).unwrap(), Value::None);
        assert_eq!(to_value(&Some(3)).unwrap(), Value::Int(3));
        assert_eq!(to_value(&Some(None::<i32>)).unwrap(), Value::None);
        assert_eq!(to_value(&()).unwrap(), Value::None);
        assert_eq!(to_value(&Unit).unwrap(), Value::None);
    }

    #[test]
    fn sequences_and_tuples() {
        assert_eq!(to_value(&vec!["a", "b"]).unwrap(), list!["a", "b"]);
        assert_eq!(to_value(&[1, 2, 3][..]).unwrap(), list![1, 2, 3]);
        assert_eq!(to_value(&Vec::<i32>::new()).unwrap(), list![]);
        assert_eq!(to_value(&BTreeSet::from([2, 1])).unwrap(), list![1, 2]);
        assert_eq!(to_value(&(1, "two", 3.0)).unwrap(), tuple![1, "two", 3.0]);
        assert_eq!(to_value(&[7u8, 8]).unwrap(), tuple![7, 8]);
        assert_eq!(to_value(&Pair(1, "x")).unwrap(), tuple![1, "x"]);
        assert_eq!(to_value(&Meters(2.5)).unwrap(), Value::Float(2.5));
    }

    #[test]
    fn maps_and_structs() {
        let m = BTreeMap::from([("b", 2), ("a", 1)]);
        assert_eq!(to_value(&m).unwrap().to_string(), "{'a': 1, 'b': 2}");
        let h = HashMap::from([(1u8, "one")]);
        assert_eq!(to_value(&h).unwrap(), dict! { 1 => "one" });
        let i = HashMap::from([((1, 2), true)]);
        assert_eq!(to_value(&i).unwrap(), dict! { (1, 2) => true });
        let p = Point {
            x: 1,
            y: 2.5,
            label: None,
        };
        assert_eq!(
            to_value(&p).unwrap().to_string(),
            "{'x': 1, 'y': 2.5, 'label': None}"
        );
    }

    #[test]
    fn dict_keys() {
        let m = BTreeMap::from([(vec![1, 2], "list key")]);
        assert_eq!(to_value(&m).unwrap(), dict! { (1, 2) => "list key" });
        let m = HashMap::from([(BTreeMap::from([(1, 1)]).into_iter().collect::<Vec<_>>(), 0)]);
        assert_eq!(to_value(&m).unwrap(), dict! { tuple![(1, 1)] => 0 });
        #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
        struct K {
            k: i32,
        }
        let err = to_value(&BTreeMap::from([(K { k: 1 }, 1)])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Type);
        assert!(err.to_string().contains("unhashable type: 'dict'"), "{err}");
    }

    #[test]
    fn enums_are_externally_tagged() {
        assert_eq!(to_value(&E::Unit).unwrap(), Value::from("Unit"));
        assert_eq!(to_value(&E::New(1)).unwrap(), dict! { "New" => 1 });
        assert_eq!(
            to_value(&E::Tup(1, true)).unwrap(),
            dict! { "Tup" => (1, true) }
        );
        assert_eq!(
            to_value(&E::Rec { a: 3 }).unwrap(),
            dict! { "Rec" => dict! { "a" => 3 } }
        );
    }

    #[test]
    fn serde_attributes() {
        #[derive(Serialize)]
        #[serde(tag = "kind", rename_all = "lowercase")]
        enum Msg {
            Ping { id: u32 },
        }
        assert_eq!(
            to_value(&Msg::Ping { id: 4 }).unwrap(),
            dict! { "kind" => "ping", "id" => 4 }
        );
        #[derive(Serialize)]
        struct Outer {
            #[serde(skip_serializing_if = "Option::is_none")]
            gone: Option<i32>,
            #[serde(flatten)]
            inner: HashMap<String, i32>,
        }
        let o = Outer {
            gone: None,
            inner: HashMap::from([("z".to_owned(), 26)]),
        };
        assert_eq!(to_value(&o).unwrap(), dict! { "z" => 26 });
    }

    #[test]
    fn values_serialize_to_themselves() {
        let big = Value::from_bigint(BigInt::from(10).pow(40));
        let huge = Value::from_bigint(-BigInt::from(3).pow(200));
        let v = list![
            Value::None,
            true,
            -3,
            big.clone(),
            huge.clone(),
            Value::Complex { re: 1.0, im: -2.0 },
            Value::Bytes(vec![0, 255].into()),
            tuple![1, tuple![]],
            set![1, "a", (2, 3)],
            dict! { (1, 2) => set![], "k" => list![] }
        ];
        assert_eq!(to_value(&v).unwrap(), v);
        assert!(matches!(to_value(&big).unwrap(), Value::BigInt(_)));
        assert!(matches!(to_value(&huge).unwrap(), Value::BigInt(_)));
        assert!(matches!(to_value(&tuple![1]).unwrap(), Value::Tuple(_)));
    }

    #[test]
    fn bigint_helper() {
        #[derive(Serialize)]
        struct S {
            #[serde(with = "crate::value::bigint")]
            n: BigInt,
        }
        let n = BigInt::from(2).pow(100);
        assert_eq!(
            to_value(&S { n: n.clone() }).unwrap(),
            dict! { "n" => n.clone() }
        );
        assert_eq!(
            to_value(&S { n: BigInt::from(5) }).unwrap(),
            dict! { "n" => 5 }
        );
        assert_eq!(
            serde_json::to_string(&S { n: n.clone() }).unwrap(),
            format!("{{\"n\":{n}}}")
        );
        let n = BigInt::from(2).pow(200);
        assert_eq!(
            serde_json::to_string(&S { n: n.clone() }).unwrap(),
            format!("{{\"n\":\"{n}\"}}")
        );
    }

    #[test]
    fn value_through_serde_json() {
        let v = dict! { "t" => (1, 2.5), "s" => set![3], "c" => Value::Complex { re: 1.0, im: 2.0 }, "n" => Value::None };
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"t":[1,2.5],"s":[3],"c":[1.0,2.0],"n":null}"#
        );
    }
}
