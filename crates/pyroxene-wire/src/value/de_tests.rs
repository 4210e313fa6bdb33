//! Tests of `from_value` (the `de` module).

use std::collections::{BTreeMap, HashMap, HashSet};

use num_bigint::BigInt;
use serde::Deserialize;
use serde_bytes::ByteBuf;

use super::from_value;
use crate::{ErrorKind, Value, dict, list, set, tuple};

#[derive(Deserialize, Debug, PartialEq)]
struct Unit;

#[derive(Deserialize, Debug, PartialEq)]
struct Meters(f64);

#[derive(Deserialize, Debug, PartialEq)]
struct Pair(i32, String);

#[derive(Deserialize, Debug, PartialEq)]
struct Point {
    x: i64,
    y: f64,
    label: Option<String>,
}

#[derive(Deserialize, Debug, PartialEq)]
enum E {
    Unit,
    New(u8),
    Tup(u8, bool),
    Rec { a: i32 },
}

fn err<T: serde::de::DeserializeOwned + std::fmt::Debug>(v: Value) -> (ErrorKind, String) {
    let e = from_value::<T>(v).unwrap_err();
    (e.kind(), e.to_string())
}

#[test]
fn scalars() {
    assert!(from_value::<bool>(Value::Bool(true)).unwrap());
    assert_eq!(from_value::<i8>(Value::Int(-128)).unwrap(), -128);
    assert_eq!(from_value::<i16>(Value::Int(-5)).unwrap(), -5);
    assert_eq!(from_value::<i32>(Value::Int(-5)).unwrap(), -5);
    assert_eq!(from_value::<i64>(Value::Int(i64::MAX)).unwrap(), i64::MAX);
    assert_eq!(from_value::<u8>(Value::Int(255)).unwrap(), 255);
    assert_eq!(from_value::<u16>(Value::Int(65535)).unwrap(), 65535);
    assert_eq!(from_value::<u32>(Value::Int(7)).unwrap(), 7);
    assert_eq!(from_value::<u64>(Value::from(u64::MAX)).unwrap(), u64::MAX);
    assert_eq!(
        from_value::<i128>(Value::from(i128::MIN)).unwrap(),
        i128::MIN
    );
    assert_eq!(
        from_value::<u128>(Value::from(u128::MAX)).unwrap(),
        u128::MAX
    );
    assert_eq!(from_value::<u128>(Value::Int(3)).unwrap(), 3);
    assert_eq!(from_value::<f32>(Value::Float(1.5)).unwrap(), 1.5);
    assert_eq!(from_value::<f64>(Value::Float(-0.25)).unwrap(), -0.25);
    assert_eq!(from_value::<char>(Value::from("λ")).unwrap(), 'λ');
    assert_eq!(from_value::<String>(Value::from("s")).unwrap(), "s");
    assert_eq!(
        from_value::<ByteBuf>(Value::Bytes(vec![0, 1].into()))
            .unwrap()
            .into_vec(),
        [0, 1]
    );
    assert_eq!(from_value::<Option<i32>>(Value::None).unwrap(), None);
    assert_eq!(from_value::<Option<i32>>(Value::Int(1)).unwrap(), Some(1));
    from_value::<()>(Value::None).unwrap();
    assert_eq!(from_value::<Unit>(Value::None).unwrap(), Unit);
}

#[test]
fn containers() {
    assert_eq!(from_value::<Vec<i32>>(list![1, 2]).unwrap(), [1, 2]);
    assert_eq!(
        from_value::<(i32, String)>(tuple![1, "a"]).unwrap(),
        (1, "a".to_owned())
    );
    assert_eq!(
        from_value::<Pair>(tuple![1, "a"]).unwrap(),
        Pair(1, "a".to_owned())
    );
    assert_eq!(from_value::<[u8; 2]>(tuple![1, 2]).unwrap(), [1, 2]);
    assert_eq!(
        from_value::<Meters>(Value::Float(2.0)).unwrap(),
        Meters(2.0)
    );
    let m: BTreeMap<String, i32> = from_value(dict! { "a" => 1, "b" => 2 }).unwrap();
    assert_eq!(
        m,
        BTreeMap::from([("a".to_owned(), 1), ("b".to_owned(), 2)])
    );
    let m: HashMap<(i32, i32), bool> = from_value(dict! { (1, 2) => true }).unwrap();
    assert_eq!(m, HashMap::from([((1, 2), true)]));
    let p: Point = from_value(dict! { "x" => 1, "y" => 2.5, "label" => "p" }).unwrap();
    assert_eq!(
        p,
        Point {
            x: 1,
            y: 2.5,
            label: Some("p".to_owned())
        }
    );
}

#[test]
fn enums() {
    assert_eq!(from_value::<E>(Value::from("Unit")).unwrap(), E::Unit);
    assert_eq!(
        from_value::<E>(dict! { "Unit" => Value::None }).unwrap(),
        E::Unit
    );
    assert_eq!(from_value::<E>(dict! { "New" => 1 }).unwrap(), E::New(1));
    assert_eq!(
        from_value::<E>(dict! { "Tup" => (1, true) }).unwrap(),
        E::Tup(1, true)
    );
    assert_eq!(
        from_value::<E>(dict! { "Tup" => list![1, true] }).unwrap(),
        E::Tup(1, true)
    );
    assert_eq!(
        from_value::<E>(dict! { "Rec" => dict! { "a" => 3 } }).unwrap(),
        E::Rec { a: 3 }
    );
    assert!(
        err::<E>(Value::from("Nope"))
            .1
            .contains("unknown variant `Nope`")
    );
    assert!(
        err::<E>(Value::from("New"))
            .1
            .contains("expected newtype variant")
    );
    assert!(
        err::<E>(dict! { "Unit" => 1 })
            .1
            .contains("invalid type: Python int, expected unit variant")
    );
    assert!(
        err::<E>(dict! { "a" => 1, "b" => 2 })
            .1
            .contains("dict with 2 entries")
    );
    assert_eq!(err::<E>(Value::Int(1)).0, ErrorKind::Type);
}

#[test]
fn python_sends_other_sequence_types() {
    assert_eq!(
        from_value::<(u8, String)>(list![1, "a"]).unwrap(),
        (1, "a".to_owned())
    );
    assert_eq!(from_value::<Vec<i32>>(tuple![1, 2]).unwrap(), [1, 2]);
    let mut v: Vec<i32> = from_value(set![3, 1, 2]).unwrap();
    v.sort();
    assert_eq!(v, [1, 2, 3]);
    assert_eq!(
        from_value::<HashSet<i32>>(set![1, 2]).unwrap(),
        HashSet::from([1, 2])
    );
    assert_eq!(
        from_value::<HashSet<i32>>(list![1, 1]).unwrap(),
        HashSet::from([1])
    );
    assert_eq!(
        from_value::<Vec<u8>>(Value::Bytes(vec![9, 8].into())).unwrap(),
        [9, 8]
    );
    let serpent = dict! { "data" => "AAECYmluYXJ5/w==", "encoding" => "base64" };
    assert_eq!(
        from_value::<Vec<u8>>(serpent).unwrap(),
        b"\x00\x01\x02binary\xff"
    );
    let p: Point = from_value(tuple![1, 2.0, Value::None]).unwrap();
    assert_eq!(
        p,
        Point {
            x: 1,
            y: 2.0,
            label: None
        }
    );
}

#[test]
fn python_sends_ints_for_floats() {
    assert_eq!(from_value::<f64>(Value::Int(3)).unwrap(), 3.0);
    assert_eq!(from_value::<f32>(Value::Int(-3)).unwrap(), -3.0);
    let big = Value::from_bigint(BigInt::from(2).pow(70));
    assert_eq!(from_value::<f64>(big).unwrap(), 2f64.powi(70));
    let huge = Value::from_bigint(BigInt::from(10).pow(400));
    let (kind, msg) = err::<f64>(huge);
    assert_eq!(kind, ErrorKind::Value);
    assert!(msg.contains("out of range, expected f64"), "{msg}");
}

#[test]
fn bytes_leniency() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Blob(#[serde(with = "serde_bytes")] Vec<u8>);
    let want = Blob(b"\x00\x01\x02binary\xff".to_vec());
    let serpent = dict! { "data" => "AAECYmluYXJ5/w==", "encoding" => "base64" };
    assert_eq!(from_value::<Blob>(serpent).unwrap(), want);
    assert_eq!(
        from_value::<Blob>(Value::Bytes(want.0.clone().into())).unwrap(),
        want
    );
    assert_eq!(
        from_value::<Blob>(list![0, 255]).unwrap(),
        Blob(vec![0, 255])
    );
    assert_eq!(from_value::<Blob>(tuple![]).unwrap(), Blob(vec![]));
    assert_eq!(
        err::<Blob>(list![0, 256]).1,
        "invalid type: Python list, expected byte array"
    );
    assert_eq!(
        err::<Blob>(Value::from("x")).1,
        "invalid type: Python str, expected byte array"
    );
    let other = dict! { "data" => "!!", "encoding" => "base64" };
    assert_eq!(
        err::<Blob>(other).1,
        "invalid type: Python dict, expected byte array"
    );
}

#[test]
fn text_leniency() {
    assert_eq!(
        from_value::<String>(Value::Bytes(b"caf\xc3\xa9".to_vec().into())).unwrap(),
        "café"
    );
    assert_eq!(
        err::<String>(Value::Bytes(vec![0xff].into())).0,
        ErrorKind::Value
    );
    assert_eq!(
        err::<char>(Value::from("ab")).1,
        "invalid value: Python str of length 2, expected a character"
    );
    assert_eq!(
        err::<char>(Value::from("")).1,
        "invalid value: Python str of length 0, expected a character"
    );
    assert_eq!(
        err::<char>(Value::Int(65)).1,
        "invalid type: Python int, expected a character"
    );
}

#[test]
fn int_range_checks() {
    assert_eq!(
        err::<u8>(Value::Int(300)),
        (
            ErrorKind::Value,
            "invalid value: Python int 300 out of range, expected u8".to_owned()
        )
    );
    assert_eq!(
        err::<u32>(Value::Int(-1)).1,
        "invalid value: Python int -1 out of range, expected u32"
    );
    assert_eq!(
        err::<i8>(Value::Int(-129)).1,
        "invalid value: Python int -129 out of range, expected i8"
    );
    assert_eq!(
        err::<u64>(Value::Int(-1)).1,
        "invalid value: Python int -1 out of range, expected u64"
    );
    let big = Value::from(u64::MAX);
    assert_eq!(
        err::<i64>(big).1,
        format!(
            "invalid value: Python int {} out of range, expected i64",
            u64::MAX
        )
    );
    let huge = Value::from_bigint(BigInt::from(2).pow(200));
    assert_eq!(
        err::<u128>(huge).1,
        "invalid value: Python int of 201 bits out of range, expected u128"
    );
    assert_eq!(err::<u128>(Value::Int(-1)).0, ErrorKind::Value);
}

#[test]
fn wrong_types_name_the_python_type() {
    assert_eq!(
        err::<u32>(Value::from("3")),
        (
            ErrorKind::Type,
            "invalid type: Python str, expected u32".to_owned()
        )
    );
    assert_eq!(
        err::<i64>(Value::Bool(true)).1,
        "invalid type: Python bool, expected i64"
    );
    assert_eq!(
        err::<bool>(Value::Int(1)).1,
        "invalid type: Python int, expected a boolean"
    );
    assert_eq!(
        err::<i32>(Value::Float(1.0)).1,
        "invalid type: Python float, expected i32"
    );
    assert_eq!(
        err::<f64>(Value::from("1.0")).1,
        "invalid type: Python str, expected f64"
    );
    assert_eq!(
        err::<String>(Value::None).1,
        "invalid type: Python NoneType, expected a string"
    );
    assert_eq!(
        err::<Vec<i32>>(dict! {}).1,
        "invalid type: Python dict, expected a sequence"
    );
    assert_eq!(
        err::<HashMap<String, i32>>(list![]).1,
        "invalid type: Python list, expected a map"
    );
    assert_eq!(
        err::<Point>(Value::from("p")).1,
        "invalid type: Python str, expected struct Point"
    );
    assert_eq!(
        err::<()>(Value::Int(0)).1,
        "invalid type: Python int, expected unit"
    );
    assert_eq!(
        err::<Vec<i32>>(Value::Complex { re: 0.0, im: 0.0 }).1,
        "invalid type: Python complex, expected a sequence"
    );
}

#[test]
fn sequence_lengths() {
    assert_eq!(
        err::<(i32, i32)>(tuple![1, 2, 3]).1,
        "invalid length 3, expected 2 elements in sequence"
    );
    assert!(err::<(i32, i32)>(tuple![1]).1.contains("invalid length 1"));
    assert!(
        err::<[u8; 3]>(Value::Bytes(vec![1, 2].into()))
            .1
            .contains("invalid length 2")
    );
}

#[test]
fn struct_fields() {
    let p: Point = from_value(dict! { "y" => 1, "x" => 2, "extra" => list![] }).unwrap();
    assert_eq!(
        p,
        Point {
            x: 2,
            y: 1.0,
            label: None
        }
    );
    assert!(
        err::<Point>(dict! { "y" => 1.0 })
            .1
            .contains("missing field `x`")
    );
    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        a: i32,
    }
    assert!(
        err::<Strict>(dict! { "a" => 1, "b" => 2 })
            .1
            .contains("unknown field `b`")
    );
    #[derive(Deserialize, Debug, PartialEq)]
    struct Defaults {
        #[serde(default)]
        n: i32,
        #[serde(rename = "class")]
        class_: String,
    }
    let d: Defaults = from_value(dict! { "class" => "C" }).unwrap();
    assert_eq!(
        d,
        Defaults {
            n: 0,
            class_: "C".to_owned()
        }
    );
    #[derive(Deserialize, Debug, PartialEq)]
    struct Open {
        id: u8,
        #[serde(flatten)]
        rest: HashMap<String, Value>,
    }
    let o: Open = from_value(dict! { "id" => 1, "t" => tuple![2] }).unwrap();
    assert_eq!(o.id, 1);
    // serde buffers flattened fields in its own data model, which has no tuples.
    assert_eq!(o.rest["t"], list![2]);
}

#[test]
fn dict_keys_from_json_strings() {
    let m: BTreeMap<i32, String> = from_value(dict! { "1" => "a", "-2" => "b" }).unwrap();
    assert_eq!(
        m,
        BTreeMap::from([(1, "a".to_owned()), (-2, "b".to_owned())])
    );
    let m: HashMap<bool, f64> = from_value(dict! { "true" => 1 }).unwrap();
    assert_eq!(m, HashMap::from([(true, 1.0)]));
    let m: HashMap<u8, u8> = from_value(dict! { 1 => 2 }).unwrap();
    assert_eq!(m, HashMap::from([(1, 2)]));
    assert!(
        err::<HashMap<u8, u8>>(dict! { "x" => 1 })
            .1
            .contains("Python str \"x\" as dict key, expected u8")
    );
    assert_eq!(
        err::<HashMap<String, u8>>(dict! { 1 => 1 }).1,
        "invalid type: Python int, expected a string"
    );
}

#[test]
fn untagged_and_internally_tagged() {
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(untagged)]
    enum Either {
        Num(i64),
        Pair(String, u8),
        Text(String),
    }
    assert_eq!(from_value::<Either>(Value::Int(4)).unwrap(), Either::Num(4));
    assert_eq!(
        from_value::<Either>(tuple!["a", 1]).unwrap(),
        Either::Pair("a".to_owned(), 1)
    );
    assert_eq!(
        from_value::<Either>(Value::from("t")).unwrap(),
        Either::Text("t".to_owned())
    );
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(tag = "type")]
    enum Msg {
        Ping { id: u32 },
    }
    assert_eq!(
        from_value::<Msg>(dict! { "type" => "Ping", "id" => 5 }).unwrap(),
        Msg::Ping { id: 5 }
    );
}

#[test]
fn deserialize_any_shapes() {
    use serde_json::json;
    let j = |v: Value| from_value::<serde_json::Value>(v).unwrap();
    assert_eq!(j(Value::None), json!(null));
    assert_eq!(j(Value::Complex { re: 1.0, im: 2.0 }), json!([1.0, 2.0]));
    assert_eq!(j(set![5]), json!([5]));
    assert_eq!(j(tuple![1, "a"]), json!([1, "a"]));
    assert_eq!(j(Value::from(u64::MAX)), json!(u64::MAX));
    let huge = BigInt::from(2).pow(200);
    assert_eq!(j(Value::from_bigint(huge.clone())), json!(huge.to_string()));
    let b = from_value::<serde_bytes::ByteBuf>(Value::Bytes(vec![1].into())).unwrap();
    assert_eq!(b.into_vec(), [1]);
    from_value::<serde::de::IgnoredAny>(dict! { "x" => list![set![]] }).unwrap();
}

#[test]
fn bigint_helper() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct S {
        #[serde(with = "crate::value::bigint")]
        n: BigInt,
    }
    for n in [
        BigInt::from(-4),
        BigInt::from(u64::MAX),
        BigInt::from(-7).pow(100),
    ] {
        let v = dict! { "n" => n.clone() };
        assert_eq!(from_value::<S>(v).unwrap(), S { n: n.clone() });
        let json = format!("{{\"n\":\"{n}\"}}");
        assert_eq!(serde_json::from_str::<S>(&json).unwrap(), S { n });
    }
    assert_eq!(
        err::<S>(dict! { "n" => 1.5 }).1,
        "invalid type: floating point `1.5`, expected an int"
    );
}
