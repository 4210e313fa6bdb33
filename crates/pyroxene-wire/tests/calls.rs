//! The call encoders and readers against the general way they replace, over generated values
//! (the proptest strategies of pyroxene-testkit): `encode_call` writes the bytes (or gives the
//! error) that encoding the payload value gave, and `decode_call` of those bytes and of
//! mutations of them gives what decoding the value and taking it apart gives.

use proptest::prelude::*;
use pyroxene_testkit::strategies;
use pyroxene_wire::oracles::{check_decode_call_mutated, check_encode_call};
use pyroxene_wire::{Dict, ProtocolVersion, Serializer, Value};

/// Every serializer, pickle included.
fn all() -> &'static [Serializer] {
    Serializer::all(ProtocolVersion::V4)
}

/// Values of every kind, including ones some formats refuse (bytes and complex in json,
/// unhashable or None keys in serpent, NaN complex parts), so that errors get compared too.
fn wild() -> BoxedStrategy<Value> {
    prop_oneof![
        strategies::value(Serializer::Marshal),
        strategies::value(Serializer::Serpent),
    ]
    .prop_recursive(2, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec((inner.clone(), inner.clone()), 0..3)
                .prop_map(|pairs| pairs.into_iter().collect::<Value>()),
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(|items| Value::Set(Box::new(items.into_iter().collect()))),
            prop::collection::vec(inner, 0..4).prop_map(Value::Tuple),
        ]
    })
    .boxed()
}

/// Call arguments: mostly a tuple or list, sometimes another value (Pyro takes those too).
fn vargs() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::collection::vec(wild(), 0..5).prop_map(Value::Tuple),
        2 => prop::collection::vec(wild(), 0..5).prop_map(Value::List),
        1 => wild(),
    ]
}

/// Keyword arguments: none, empty, str keys (the normal case) or any keys.
fn kwargs() -> impl Strategy<Value = Option<Dict>> {
    prop_oneof![
        2 => Just(None),
        2 => Just(Some(Dict::default())),
        3 => prop::collection::vec((strategies::text().prop_map(Value::Str), wild()), 1..4)
            .prop_map(|pairs| Some(pairs.into_iter().collect())),
        1 => prop::collection::vec((wild(), wild()), 1..3)
            .prop_map(|pairs| Some(pairs.into_iter().collect())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The direct call writers give the bytes (or the error) the encoded payload value gave.
    #[test]
    fn encode_call_matches_the_payload_value(
        object in strategies::text(),
        method in strategies::text(),
        vargs in vargs(),
        kwargs in kwargs(),
    ) {
        for &ser in all() {
            check_encode_call(ser, &object, &method, &vargs, kwargs.as_ref());
        }
    }

    /// Encoded calls, and mutations of them, read the same through the fast readers as through
    /// the general one.
    #[test]
    fn decode_call_matches_the_general_reader(
        object in strategies::text(),
        method in strategies::text(),
        vargs in vargs(),
        kwargs in kwargs(),
        seed in any::<u64>(),
    ) {
        for &ser in all() {
            if let Ok(bytes) = ser.encode_call(&object, &method, &vargs, kwargs.as_ref()) {
                check_decode_call_mutated(ser, &bytes, seed);
            }
        }
    }

}
