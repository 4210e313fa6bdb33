//! proptest round trips of every serializer over the generated Values (dates, times,
//! Decimals, UUIDs, frozensets and msgpack ext values included): our decoder reads our encoder's
//! bytes back to what the format delivers (`Serializer::normalize`), and the result encodes to
//! the same bytes again (what a pass-through must do).

use proptest::prelude::*;
use pyroxene_testkit::strategies;
use pyroxene_wire::{Serializer, Value};

fn round_trip(ser: Serializer, value: &Value) -> Result<(), TestCaseError> {
    let bytes = ser
        .encode(value)
        .map_err(|e| TestCaseError::fail(format!("encode {value}: {e}")))?;
    let back = ser
        .decode(&bytes)
        .map_err(|e| TestCaseError::fail(format!("decode {value}: {e}")))?;
    prop_assert_eq!(&back, &ser.normalize(value));
    // What came back goes out again as the same bytes: a pass-through loses nothing more.
    let again = ser
        .encode(&back)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let twice = ser
        .decode(&again)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&twice, &back);
    Ok(())
}

/// Any msgpack ext code but Pyro's own (0x30-0x33), with any payload.
fn any_ext() -> impl Strategy<Value = Value> {
    (
        any::<i8>().prop_filter("Pyro's codes", |c| !(0x30..=0x33).contains(c)),
        proptest::collection::vec(any::<u8>(), 0..40),
    )
        .prop_filter_map("a valid timestamp for -1", |(code, data)| {
            (code != -1 || valid_timestamp(&data)).then(|| Value::Ext {
                code,
                data: data.into(),
            })
        })
}

/// What msgpack-python (and our decoder) accepts as ext -1: 4 bytes of seconds, or 12 bytes
/// whose first 4 are nanoseconds below 10^9 (the 12-byte form with more nanoseconds is refused
/// on decode, so it can't round-trip: regression of the generator, seen in a full run).
fn valid_timestamp(data: &[u8]) -> bool {
    match data {
        [_, _, _, _] => true,
        [a, b, c, d, _, _, _, _, _, _, _, _] => u32::from_be_bytes([*a, *b, *c, *d]) <= 999_999_999,
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn serpent(v in strategies::value(Serializer::Serpent)) {
        round_trip(Serializer::Serpent, &v)?;
    }

    #[test]
    fn json(v in strategies::value(Serializer::Json)) {
        round_trip(Serializer::Json, &v)?;
    }

    #[test]
    fn marshal(v in strategies::value(Serializer::Marshal)) {
        round_trip(Serializer::Marshal, &v)?;
    }

    #[test]
    fn msgpack(v in strategies::value(Serializer::Msgpack)) {
        round_trip(Serializer::Msgpack, &v)?;
    }

    #[test]
    fn pickle(v in strategies::value(Serializer::Pickle)) {
        round_trip(Serializer::Pickle, &v)?;
    }

    /// Unknown ext values come back byte for byte, alone and inside containers.
    #[test]
    fn msgpack_ext_is_written_back_unchanged(ext in any_ext(), n in 0usize..3) {
        let value = Value::List(vec![ext; n + 1]);
        let bytes = Serializer::Msgpack.encode(&value).unwrap();
        let back = Serializer::Msgpack.decode(&bytes).unwrap();
        prop_assert_eq!(&back, &value);
        prop_assert_eq!(Serializer::Msgpack.encode(&back).unwrap(), bytes);
    }

    /// Naive datetimes anywhere in Python's msgpack range: a timestamp read back gives the
    /// datetime it came from, once rounded through the float (what Python does too).
    #[test]
    fn msgpack_datetime_settles_after_one_trip(dt in strategies::datetime(1..=9999, false, false)) {
        let v = Value::DateTime(dt);
        if let Ok(bytes) = Serializer::Msgpack.encode(&v) {
            let once = Serializer::Msgpack.decode(&bytes).unwrap();
            let again = Serializer::Msgpack.encode(&once).unwrap();
            prop_assert_eq!(Serializer::Msgpack.decode(&again).unwrap(), once);
        }
    }

    /// A frozenset equals (and hashes like) the set of the same elements, as in Python.
    #[test]
    fn frozenset_equals_set(items in proptest::collection::vec(any::<i64>(), 0..8)) {
        use std::hash::BuildHasher;
        let set = Value::Set(Box::new(items.iter().copied().map(Value::Int).collect()));
        let frozen = Value::FrozenSet(Box::new(items.into_iter().map(Value::Int).collect()));
        prop_assert_eq!(&set, &frozen);
        let h = foldhash::fast::FixedState::with_seed(9);
        prop_assert_eq!(h.hash_one(&set), h.hash_one(&frozen));
    }
}
