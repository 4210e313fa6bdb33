// Test code: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use num_bigint::BigInt;
use proptest::prelude::*;

use super::{from_slice, to_vec};
use crate::{Dict, ErrorKind, MAX_DEPTH, Serializer, Value, dict, list, tuple};

fn json_vectors() -> Vec<(String, serde_json::Value, Vec<u8>)> {
    crate::serializer::test_vectors::vectors("json")
}

fn dumps_error(name: &str) -> String {
    let index: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(pyroxene_testkit::vectors_dir().join("serializers/index.json"))
            .expect("index"),
    )
    .expect("index.json");
    let entry = index["values"]
        .as_array()
        .expect("values")
        .iter()
        .find(|e| e["name"] == name)
        .expect("entry");
    let err = entry["results"]["pyro5-json"]["dumps_error"]
        .as_str()
        .expect("dumps_error");
    // "Pyro5.errors.SerializeError: text" -> "text"
    err.split_once(": ").expect("class: message").1.to_owned()
}

#[test]
fn vectors_decode_like_python_and_reencode_byte_exact() {
    let vectors = json_vectors();
    assert!(vectors.len() >= 110, "only {} json vectors", vectors.len());
    let plain = [
        "builtins.NoneType",
        "builtins.bool",
        "builtins.int",
        "builtins.float",
        "builtins.str",
        "builtins.list",
        "builtins.dict",
    ];
    let mut repr_checks = 0;
    for (label, result, bytes) in &vectors {
        let decoded = from_slice(bytes).unwrap_or_else(|e| panic!("{label}: {e}"));
        if plain.contains(&result["loads_type"].as_str().unwrap_or("")) {
            repr_checks += 1;
            assert_eq!(
                decoded.to_string(),
                result["loads_repr"].as_str().unwrap(),
                "{label}"
            );
        }
        let ours = to_vec(&decoded).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(bytes),
            "{label}"
        );
    }
    assert!(repr_checks >= 80, "only {repr_checks} repr checks");
}

#[test]
fn every_prefix_of_every_vector_is_handled() {
    for (label, _, bytes) in json_vectors() {
        for end in 0..bytes.len() {
            // Must not panic; short prefixes of numbers may well be valid json.
            if let Ok(v) = from_slice(&bytes[..end]) {
                assert!(
                    matches!(v, Value::Int(_) | Value::BigInt(_) | Value::Float(_)),
                    "{label}[..{end}] decoded to {v}"
                );
            }
        }
    }
}

#[test]
fn encode_errors_have_pythons_text() {
    let err = to_vec(&Value::Bytes(b"\x00".to_vec().into())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(err.message(), dumps_error("bytes"));
    let err = to_vec(&list![1, Value::Complex { re: 1.0, im: 2.0 }]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(err.message(), dumps_error("complex"));
    let err = to_vec(&dict! { tuple![1, 2] => "tuple key" }).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Type);
    assert_eq!(err.message(), dumps_error("dict_tuple_key"));
    let err = to_vec(&dict! { Value::Bytes(vec![1].into()) => 1 }).unwrap_err();
    assert_eq!(
        err.message(),
        "keys must be str, int, float, bool or None, not bytes"
    );
    let set_key = Value::FrozenSet(Box::default());
    let err = to_vec(&Value::Dict(Box::new(Dict::from_iter([(
        set_key,
        Value::None,
    )]))))
    .unwrap_err();
    assert_eq!(
        err.message(),
        "keys must be str, int, float, bool or None, not frozenset"
    );
    // Python reports the first problem in encoding order.
    let err = to_vec(&list![Value::Bytes(vec![].into()), dict! { tuple![] => 1 }]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let huge = BigInt::from(10).pow(4300);
    let err = to_vec(&Value::from_bigint(huge.clone())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value);
    assert!(err.message().starts_with("Exceeds the limit (4300 digits)"));
    assert!(to_vec(&Value::from_bigint(-(huge - 1u32))).is_ok());
}

#[test]
fn encodes_like_python() {
    let cases: Vec<(Value, &str)> = vec![
        (Value::Float(1e16), "1e+16"),
        (Value::Float(1e-7), "1e-07"),
        (Value::Float(-0.0), "-0.0"),
        (Value::Float(f64::NEG_INFINITY), "-Infinity"),
        (
            Value::Str("\0\x1f\x7f\x08\x0c\u{2028}\"\\/é😀".into()),
            "\"\\u0000\\u001f\x7f\\b\\f\u{2028}\\\"\\\\/é😀\"",
        ),
        (list![list![], dict! {}], "[[], {}]"),
        (Value::new_set(), "[]"),
        (crate::set![3, 1, 2], "[3, 1, 2]"),
        (
            dict! { 1.5 => 1, f64::INFINITY => 2, f64::NAN => 3, true => 4, Value::None => 5 },
            r#"{"1.5": 1, "Infinity": 2, "NaN": 3, "true": 4, "null": 5}"#,
        ),
        (
            dict! { Value::from_bigint(BigInt::from(2).pow(70)) => false, -7 => 0.5 },
            r#"{"1180591620717411303424": false, "-7": 0.5}"#,
        ),
        (Value::Int(i64::MIN), "-9223372036854775808"),
    ];
    for (value, want) in cases {
        assert_eq!(String::from_utf8(to_vec(&value).unwrap()).unwrap(), want);
    }
}

#[test]
fn decodes_like_python() {
    let big = |s: &str| Value::from_bigint(s.parse::<BigInt>().unwrap());
    let cases: Vec<(&str, Value)> = vec![
        (" \t\n\r1 \n", Value::Int(1)),
        ("-0", Value::Int(0)),
        ("-0.0", Value::Float(-0.0)),
        ("1E5", Value::Float(1e5)),
        ("1.5e+3", Value::Float(1500.0)),
        ("1e400", Value::Float(f64::INFINITY)),
        ("-1e400", Value::Float(f64::NEG_INFINITY)),
        ("1e-400", Value::Float(0.0)),
        ("9223372036854775807", Value::Int(i64::MAX)),
        ("-9223372036854775808", Value::Int(i64::MIN)),
        ("9223372036854775808", big("9223372036854775808")),
        (
            "-123456789012345678901234567890123456789012345",
            big("-123456789012345678901234567890123456789012345"),
        ),
        (
            "[NaN, Infinity, -Infinity]",
            list![f64::NAN, f64::INFINITY, f64::NEG_INFINITY],
        ),
        (r#""\ud83d\ude00 \u00e9\/""#, Value::from("😀 é/")),
        ("\"a\x7fb\u{2028}\"", Value::from("a\x7fb\u{2028}")),
        (
            r#"{"a":1,"b":[],"a":{"c":null}}"#,
            dict! { "a" => dict! { "c" => Value::None }, "b" => list![] },
        ),
        (
            r#"{ "a" : true , "b" : false }"#,
            dict! { "a" => true, "b" => false },
        ),
    ];
    for (text, want) in cases {
        let got = from_slice(text.as_bytes()).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(got, want, "{text}");
        assert_eq!(got.to_string(), want.to_string(), "{text}");
    }
    // Order: a repeated key keeps its first position.
    let v = from_slice(br#"{"a":1,"b":2,"a":3}"#).unwrap();
    assert_eq!(v.to_string(), "{'a': 3, 'b': 2}");
}

/// Issue 16: a lone surrogate escape was turned into U+FFFD silently; it is refused, as
/// serpent refuses it (Python keeps it in a str that can't be encoded to UTF-8 again).
#[test]
fn lone_surrogates_are_refused() {
    for (text, code, at) in [
        (r#""\ud83d""#, "d83d", 1),
        (r#""\ud83dx""#, "d83d", 1),
        (r#""ab\ude00\ud83d""#, "de00", 3),
        (r#"["\ud83d\u0041"]"#, "d83d", 2),
    ] {
        let err = from_slice(text.as_bytes()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{text}: {err}");
        assert_eq!(
            err.message(),
            format!("lone surrogate \\u{code} in a string: a Rust string cannot hold it"),
            "{text}"
        );
        assert_eq!(err.offset(), Some(at), "{text}");
    }
}

#[test]
fn rejects_what_python_rejects() {
    let bad: &[&[u8]] = &[
        b"",
        b"  ",
        b"01",
        b"1.",
        b".5",
        b"-",
        b"- 1",
        b"+1",
        b"-NaN",
        b"nan",
        b"inf",
        b"[1,]",
        b"{\"a\":1,}",
        b"{1:2}",
        b"{'a':1}",
        b"1 2",
        b"1.0e",
        b"123abc",
        b"tru",
        b"nul",
        b"[1",
        b"{\"a\"",
        b"{\"a\" 1}",
        b"\"abc",
        b"\"a\tb\"",
        b"\"\\x\"",
        b"\"\\U0041\"",
        b"\"\\u12G4\"",
        b"\"\\u12\"",
        b"\xef\xbb\xbf1",
        b"\x0c1",
        b"\"\xff\"",
        b"\"\xc3\"",
        b"\"\\n\xc3\"",
        b"[1]]",
    ];
    for input in bad {
        assert!(
            from_slice(input).is_err(),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    let many = "1".repeat(4301);
    let err = from_slice(many.as_bytes()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value);
    assert!(err.message().contains("value has 4301 digits"));
    assert!(from_slice(format!("-{}", "9".repeat(4300)).as_bytes()).is_ok());
    assert_eq!(from_slice(b"[1").unwrap_err().kind(), ErrorKind::Truncated);
    assert_eq!(from_slice(b"[1}").unwrap_err().kind(), ErrorKind::Syntax);
}

/// Runs `f` on a thread with a 2 MiB stack (the default of spawned threads).
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no stack overflow");
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    on_small_stack(|| {
        for (open, close) in [("[", "]"), ("{\"k\": ", "}")] {
            let deep = format!("{}{}", open.repeat(2000), close.repeat(2000));
            assert_eq!(
                from_slice(deep.as_bytes()).unwrap_err().kind(),
                ErrorKind::TooDeep
            );
            let ok = format!("{}1{}", open.repeat(MAX_DEPTH), close.repeat(MAX_DEPTH));
            let v = from_slice(ok.as_bytes()).unwrap();
            assert_eq!(to_vec(&v).unwrap(), ok.as_bytes());
            let deeper = format!(
                "{}1{}",
                open.repeat(MAX_DEPTH + 1),
                close.repeat(MAX_DEPTH + 1)
            );
            assert_eq!(
                from_slice(deeper.as_bytes()).unwrap_err().kind(),
                ErrorKind::TooDeep
            );
        }
        let mut v = Value::Int(1);
        for _ in 0..2000 {
            v = Value::List(vec![v]);
        }
        assert_eq!(to_vec(&v).unwrap_err().kind(), ErrorKind::TooDeep);
        // Drop iteratively enough for a 2 MiB stack: 2000 levels of Vec are fine.
        drop(v);
    });
}

fn json_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(-0.0),
        1 => Just(5e-324),
        1 => Just(1e16),
        2 => (-1_000_000i64..1_000_000).prop_map(|i| i as f64 / 8.0),
    ]
}

fn json_int() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => any::<i64>().prop_map(Value::Int),
        1 => (-300i64..300).prop_map(Value::Int),
        1 => any::<i128>().prop_map(|i| Value::from_bigint(BigInt::from(i))),
        1 => (any::<u128>(), any::<bool>(), 1u32..12).prop_map(|(u, neg, pow)| {
            let b = BigInt::from(u).pow(pow);
            Value::from_bigint(if neg { -b } else { b })
        }),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "[a-zA-Z0-9 _.]{0,12}",
        2 => ".{0,8}",
        1 => "[\"\\\\/\n\r\t\u{0}\u{8}\u{c}\u{1f}\u{7f}\u{2028}é😀]{0,8}",
        1 => proptest::collection::vec(any::<char>(), 0..6).prop_map(String::from_iter),
    ]
}

/// Values json carries unchanged: no tuples, sets, bytes or complex, only str keys.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        json_int(),
        json_float().prop_map(Value::Float),
        text().prop_map(Value::Str),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::List),
            proptest::collection::vec((text(), inner), 0..8).prop_map(|pairs| {
                Value::Dict(Box::new(
                    pairs.into_iter().map(|(k, v)| (Value::Str(k), v)).collect(),
                ))
            }),
        ]
    })
}

/// Anything json can encode: also tuples, sets and int/float/bool/None keys.
fn encodable_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        3 => text().prop_map(Value::Str),
        1 => json_int(),
        1 => json_float().prop_map(Value::Float),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::None),
    ];
    json_value().prop_recursive(3, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Tuple),
            proptest::collection::vec(key.clone(), 0..6)
                .prop_map(|items| Value::Set(Box::new(items.into_iter().collect()))),
            proptest::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Dict(Box::new(pairs.into_iter().collect()))),
        ]
    })
}

proptest! {
    #[test]
    fn round_trips(v in json_value()) {
        let bytes = to_vec(&v).unwrap();
        let back = from_slice(&bytes).unwrap();
        prop_assert_eq!(&back, &v);
        prop_assert_eq!(to_vec(&back).unwrap(), bytes);
    }

    #[test]
    fn decodes_to_the_normalized_value(v in encodable_value()) {
        let bytes = to_vec(&v).unwrap();
        let back = from_slice(&bytes).unwrap();
        let want = Serializer::Json.normalize(&v);
        // Keys that collide after stringification (1 and "1") merge like in Python, in
        // `normalize` too.
        prop_assert_eq!(back, want);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = from_slice(&bytes);
    }

    #[test]
    fn mutated_vectors_never_panic(seed in any::<u64>(), flips in 1usize..4) {
        static VECTORS: std::sync::OnceLock<Vec<(String, serde_json::Value, Vec<u8>)>> =
            std::sync::OnceLock::new();
        let vectors = VECTORS.get_or_init(json_vectors);
        let (_, _, bytes) = &vectors[(seed as usize) % vectors.len()];
        let _ = from_slice(&crate::serializer::test_vectors::mutate(bytes, seed, flips));
    }
}
