//! Hashing keys nested in keys has a budget of its own: 1 MiB plus 16 per input byte
//! (issue 16, the `nested-keys` attack). Keys of plain data fit it with room to spare; keys
//! nested in keys in keys, walked again at every level, run out of it long before they could
//! keep a thread busy (under the 32 MiB budget they shared with reference copies, 60 KB of
//! msgpack keys nested 150 deep took 65 ms each). A decode capped to what a runtime thread
//! may spend charges every key node and every announced item, so big keys and containers
//! go to a payload thread before they are built.

use pyroxene_wire::{ErrorKind, Serializer, Set, Value};

/// msgpack: a map whose key is a map whose key is ... `levels` deep around an array of `ints`
/// positive fixints, as a hostile peer writes it (our encoder won't write map keys).
fn msgpack_nested_map_keys(ints: u32, levels: usize) -> Vec<u8> {
    let mut key = vec![0xdd];
    key.extend_from_slice(&ints.to_be_bytes());
    key.resize(key.len() + ints as usize, 0x01);
    for _ in 0..levels {
        let mut map = Vec::with_capacity(key.len() + 2);
        map.push(0x81);
        map.extend_from_slice(&key);
        map.push(0xc0);
        key = map;
    }
    key
}

/// A frozenset holding a frozenset holding ... `levels` deep around `ints` ints.
fn nested_frozensets(ints: i64, levels: usize) -> Value {
    let mut inner: Set = (0..ints).map(Value::Int).collect();
    for _ in 0..levels {
        let mut outer = Set::default();
        outer.insert(Value::FrozenSet(Box::new(inner)));
        inner = outer;
    }
    Value::FrozenSet(Box::new(inner))
}

/// A dict of `n` keys like `((i, i + 1), (i + 2,))`: tuples in tuples, the deepest keys plain
/// data has, each node walked once.
fn tuple_keyed_dict(n: i64) -> Value {
    let mut dict = pyroxene_wire::Dict::default();
    for i in 0..n {
        let key = Value::Tuple(vec![
            Value::Tuple(vec![Value::Int(i), Value::Int(i + 1)]),
            Value::Tuple(vec![Value::Int(i + 2)]),
        ]);
        dict.insert(key, Value::None);
    }
    Value::Dict(Box::new(dict))
}

fn assert_over_key_budget(ser: Serializer, bytes: &[u8]) {
    // Not `expect_err`: a decoded value of 100 nested sets is megabytes of Debug output.
    let Err(err) = ser.decode(bytes) else {
        panic!("{ser:?}: keys nested past the budget were decoded");
    };
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{ser:?}: {err}");
    assert!(
        err.to_string().contains("too deep to hash"),
        "{ser:?}: {err}"
    );
}

#[test]
fn msgpack_keys_nested_150_deep_run_out_of_the_key_budget() {
    assert_over_key_budget(Serializer::Msgpack, &msgpack_nested_map_keys(60_000, 150));
    // 2.5 KB whose keys take ~2.4 MB of walking (8 per int, 148 times), more than the 1 MiB
    // + 16 x 2.5 KB it may: refused, where the old 32 MiB budget let it through.
    assert_over_key_budget(Serializer::Msgpack, &msgpack_nested_map_keys(2_000, 150));
    // Three levels around 1,000 ints is data, not an attack: decoded.
    let shallow = msgpack_nested_map_keys(1_000, 3);
    assert!(Serializer::Msgpack.decode(&shallow).is_ok());
}

#[test]
fn marshal_and_pickle_frozensets_nested_100_deep_run_out_of_the_key_budget() {
    let deep = nested_frozensets(30_000, 100);
    let small_deep = nested_frozensets(2_000, 100);
    for ser in [Serializer::Marshal, Serializer::Pickle] {
        let bytes = ser.encode(&deep).expect("encode");
        assert_over_key_budget(ser, &bytes);
        let bytes = ser.encode(&small_deep).expect("encode");
        assert_over_key_budget(ser, &bytes);
        let shallow = nested_frozensets(1_000, 3);
        let bytes = ser.encode(&shallow).expect("encode");
        assert_eq!(
            ser.decode(&bytes).expect("three levels decode"),
            shallow,
            "{ser:?}"
        );
    }
}

#[test]
fn tuple_keys_of_plain_data_fit_the_key_budget_at_any_size() {
    // 50,000 keys whose ints sit two levels down: each node costs the budget once, less than
    // the 16 per input byte it grows by.
    let dict = tuple_keyed_dict(50_000);
    for ser in [Serializer::Marshal, Serializer::Pickle, Serializer::Serpent] {
        let bytes = ser.encode(&dict).expect("encode");
        assert_eq!(ser.decode(&bytes).expect("decode"), dict, "{ser:?}");
    }
}

/// What the daemon lets a payload cost on a runtime thread before it hands it to a payload
/// thread (`INLINE_WORK` in the server's connection loop).
const INLINE_WORK: usize = 256 * 1024;

/// The full decode takes `bytes`; the capped attempt on a runtime thread refuses it as
/// too costly (`what` it would have done), so the daemon hands it to a payload thread.
fn assert_handed_on(ser: Serializer, bytes: &bytes::Bytes, what: &str) {
    assert!(ser.decode_shared(bytes).is_ok(), "{ser:?}");
    let Err(err) = ser.decode_shared_within(bytes, INLINE_WORK) else {
        panic!("{ser:?}: the capped decode {what}");
    };
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{ser:?}: {err}");
}

#[test]
fn capped_decode_charges_a_big_key_before_walking_it_twice() {
    // A map keyed by an array of 60,000 ints, 60 KB: the full decode takes it for free (the
    // ints sit one level down), and so did the capped attempt on a runtime thread, walking
    // and hashing the whole key before the level above (in the attack, 150 levels) ran out:
    // 1.5 ms a message with four attacking connections. Now every node of a key counts
    // there, and the attempt gives up within the first walk.
    let bytes = bytes::Bytes::from(msgpack_nested_map_keys(60_000, 1));
    assert_handed_on(Serializer::Msgpack, &bytes, "walked a 60,000-int key");
    // The same for a frozenset of 60,000 ints inside a frozenset, in marshal and pickle.
    let sets = nested_frozensets(60_000, 1);
    for ser in [Serializer::Marshal, Serializer::Pickle] {
        let bytes = bytes::Bytes::from(ser.encode(&sets).expect("encode"));
        assert_handed_on(ser, &bytes, "walked a 60,000-int set element");
    }
    // Keys of ordinary size still decode where they arrive.
    let small = bytes::Bytes::from(msgpack_nested_map_keys(100, 3));
    assert!(
        Serializer::Msgpack
            .decode_shared_within(&small, INLINE_WORK)
            .is_ok()
    );
}

#[test]
fn capped_decode_hands_on_containers_of_many_items() {
    // 60,000 ints in a list are 1.9 MB of values built from 60 KB: the full decode builds
    // them, the capped attempt on a runtime thread leaves them to a payload thread (building
    // and dropping them there kept another client waiting 7-8 ms under the nested-keys attack).
    let ints = Value::List((0..60_000).map(|i| Value::Int(i % 100)).collect());
    for ser in [Serializer::Marshal, Serializer::Msgpack] {
        let bytes = bytes::Bytes::from(ser.encode(&ints).expect("encode"));
        assert_handed_on(ser, &bytes, "built 60,000 items");
        // A thousand items are built where they arrive.
        let few = Value::List((0..1_000).map(Value::Int).collect());
        let bytes = bytes::Bytes::from(ser.encode(&few).expect("encode"));
        assert_eq!(
            ser.decode_shared_within(&bytes, INLINE_WORK)
                .expect("1,000 items"),
            few,
            "{ser:?}"
        );
    }
}
