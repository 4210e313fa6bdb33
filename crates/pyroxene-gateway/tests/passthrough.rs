//! The gateway answers a call with the daemon's json reply decoded and encoded again, where
//! Python's gateway hands on the reply's bytes. Property: for every value a daemon's json
//! serializer writes (every `Value` variant json carries: the scalars, containers, sets,
//! frozensets, dates and times, Decimal, UUID...), decoding and encoding again gives the same
//! bytes; a value json can't carry is refused by the encoder (the gateway's SerializeError),
//! never a panic.

use proptest::prelude::*;
use pyroxene::Serializer;
use pyroxene::wire::serializer::json;
use pyroxene_testkit::strategies::value;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_json_reply_encodes_again_to_the_same_bytes(
        v in prop_oneof![value(Serializer::Json), value(Serializer::Msgpack), value(Serializer::Serpent)]
    ) {
        if let Ok(bytes) = json::to_vec(&v) {
            let decoded = json::from_slice(&bytes).unwrap();
            prop_assert_eq!(json::to_vec(&decoded).unwrap(), bytes);
        }
    }
}
