//! proptest strategies that generate [`Value`]s a given serializer can carry **and** the Python
//! peer decodes back to an equal value (so no key collisions Python would merge, no
//! json bytes, only str keys for msgpack, ...).

use proptest::prelude::*;
use pyroxene_wire::{Serializer, Value};

/// Any float, with the special values (nan, ±inf, ±0.0, extremes) well represented.
pub fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(-0.0),
        1 => Just(0.0),
        1 => Just(5e-324),
        1 => Just(1e16),
        1 => Just(1e-5),
        2 => (-1_000_000i64..1_000_000).prop_map(|i| i as f64 / 8.0),
    ]
}

/// Ints across every encoding boundary, including big ints beyond 64 bits.
pub fn int() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (-300i64..300).prop_map(Value::Int),
        3 => any::<i64>().prop_map(Value::Int),
        1 => prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(i32::MIN as i64 - 1), Just(1 << 31)]
            .prop_map(Value::Int),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<i128>().prop_map(Value::from),
        1 => (any::<u128>(), any::<bool>(), 1u32..4).prop_map(|(u, neg, pow)| {
            let mut b = pyroxene_wire::num_bigint::BigInt::from(u).pow(pow);
            if neg { b = -b; }
            Value::from(b)
        }),
    ]
}

/// Text with ASCII, escapes, quotes, control characters, non-printables and astral characters.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 _.]{0,12}",
        2 => ".{0,8}",
        1 => "['\"\\\\\n\r\t\u{0}\u{7f}\u{a0}\u{ad}\u{200b}\u{2028}\u{feff}é€😀]{0,8}",
        1 => proptest::collection::vec(any::<char>(), 0..6).prop_map(|v| v.into_iter().collect()),
    ]
}

/// A value that a dict key or set element may be in every serializer that allows it, without
/// collisions Python would merge (1 == 1.0 == True): str and int only.
fn key(ser: Serializer) -> BoxedStrategy<Value> {
    match ser {
        Serializer::Msgpack | Serializer::Json => text().prop_map(Value::Str).boxed(),
        Serializer::Serpent | Serializer::Marshal | Serializer::Pickle => prop_oneof![
            3 => text().prop_map(Value::Str),
            2 => (-1000i64..1000).prop_map(Value::Int),
            1 => (text(), -5i64..5).prop_map(|(s, i)| Value::Tuple(vec![Value::Str(s), Value::Int(i)])),
        ]
        .boxed(),
    }
}

fn scalar(ser: Serializer) -> BoxedStrategy<Value> {
    let common = prop_oneof![
        1 => Just(Value::None),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => int(),
        3 => float().prop_map(Value::Float),
        3 => text().prop_map(Value::Str),
    ];
    match ser {
        Serializer::Json => common.boxed(),
        Serializer::Serpent => prop_oneof![
            8 => common,
            1 => proptest::collection::vec(any::<u8>(), 0..20).prop_map(|b| Value::Bytes(b.into())),
            // serpent can't write a complex with a nan part as a literal Python reads back
            1 => (float(), float())
                .prop_filter("no nan in serpent complex", |(r, i)| !r.is_nan() && !i.is_nan())
                .prop_map(|(re, im)| Value::Complex { re, im }),
        ]
        .boxed(),
        Serializer::Marshal | Serializer::Msgpack | Serializer::Pickle => prop_oneof![
            8 => common,
            1 => proptest::collection::vec(any::<u8>(), 0..20).prop_map(|b| Value::Bytes(b.into())),
            1 => (float(), float()).prop_map(|(re, im)| Value::Complex { re, im }),
        ]
        .boxed(),
    }
}

/// A nested value for `ser`: scalars, lists, tuples, dicts and sets up to a few levels deep.
pub fn value(ser: Serializer) -> BoxedStrategy<Value> {
    scalar(ser)
        .prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                2 => proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
                2 => proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Tuple),
                2 => proptest::collection::vec((key(ser), inner), 0..6)
                    .prop_map(|pairs| pairs.into_iter().collect::<Value>()),
                1 => proptest::collection::vec(key(ser), 0..5)
                    .prop_map(|items| Value::Set(Box::new(items.into_iter().collect()))),
            ]
        })
        .boxed()
}

/// Whether a value holds a set anywhere (Python re-orders sets, so byte comparisons skip them).
pub fn contains_set(v: &Value) -> bool {
    match v {
        Value::Set(_) => true,
        Value::List(items) | Value::Tuple(items) => items.iter().any(contains_set),
        Value::Dict(d) => d.iter().any(|(k, v)| contains_set(k) || contains_set(v)),
        _ => false,
    }
}
