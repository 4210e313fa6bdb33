//! Tests of the msgpack serializer against Python's bytes.

mod hostile;
mod vectors;

use num_bigint::BigInt;
use proptest::prelude::*;

use super::{from_slice, to_vec};
use crate::{Dict, ErrorKind, Serializer, Set, Value, dict, list, set, tuple};

pub(super) fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

fn enc(v: &Value) -> String {
    to_vec(v)
        .expect("encodes")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn big(s: &str) -> Value {
    Value::from_bigint(s.parse::<BigInt>().expect("decimal"))
}

#[test]
fn python_vectors_decode_and_encode_byte_exact() {
    let mut encoded = 0;
    for v in vectors::VECTORS {
        let bytes = hex(v.hex);
        let value = from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        if let Some(repr) = v.repr {
            assert_eq!(value.to_string(), repr, "{}: repr", v.name);
        }
        let again = to_vec(&value).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(again, bytes, "{}: re-encoding", v.name);
        encoded += 1;
    }
    assert_eq!(encoded, vectors::VECTORS.len());
    assert!(vectors::VECTORS.len() >= 70);
}

#[test]
fn datetime_and_date_vectors() {
    let find = |name: &str| {
        let v = vectors::VECTORS
            .iter()
            .find(|v| v.name == name)
            .expect(name);
        from_slice(&hex(v.hex)).expect("decodes")
    };
    // Python's datetime(2024, 1, 2, 3, 4, 5, 678901) and date(2024, 1, 2), read in UTC.
    let date = crate::value::PyDate::new(2024, 1, 2).unwrap();
    let time = crate::value::PyTime::new(3, 4, 5, 678_901).unwrap();
    assert_eq!(
        find("datetime"),
        Value::DateTime(crate::value::PyDateTime::new(date, time))
    );
    assert_eq!(find("date"), Value::Date(date));
}

#[test]
fn values_built_in_rust_match_python() {
    // Expected bytes from Pyro5's MsgpackSerializer.dumps of the same Python values.
    assert_eq!(
        enc(&tuple!["add", 1, 2.5]),
        "93a3616464 01cb4004000000000000".replace(' ', "")
    );
    assert_eq!(
        enc(&tuple![
            1.5,
            Value::Complex { re: -0.0, im: -2.0 },
            Value::Complex { re: 3.0, im: 0.0 }
        ]),
        "93cb3ff8000000000000d830000000000000008000000000000000c0d8300000000000000840\
         0000000000000000"
    );
    let mut d = Dict::default();
    d.insert("a".into(), set![1, 2]);
    d.insert(Value::Bytes(b"k".to_vec().into()), tuple![]);
    d.insert("n".into(), list![Value::None, true, false]);
    assert_eq!(
        enc(&Value::Dict(Box::new(d))),
        "83a161920102c4016b90a16e93c0c3c2"
    );
    assert_eq!(
        enc(&dict! {"nested" => dict!{"x" => Value::None}}),
        "81a66e657374656481a178c0"
    );
}

#[test]
fn int_boundaries_match_python() {
    let cases: &[(&str, &str)] = &[
        ("0", "00"),
        ("127", "7f"),
        ("128", "cc80"),
        ("255", "ccff"),
        ("256", "cd0100"),
        ("65535", "cdffff"),
        ("65536", "ce00010000"),
        ("4294967295", "ceffffffff"),
        ("4294967296", "cf0000000100000000"),
        ("9223372036854775807", "cf7fffffffffffffff"),
        ("9223372036854775808", "cf8000000000000000"),
        ("18446744073709551615", "cfffffffffffffffff"),
        ("-1", "ff"),
        ("-32", "e0"),
        ("-33", "d0df"),
        ("-128", "d080"),
        ("-129", "d1ff7f"),
        ("-32768", "d18000"),
        ("-32769", "d2ffff7fff"),
        ("-2147483648", "d280000000"),
        ("-2147483649", "d3ffffffff7fffffff"),
        ("-9223372036854775808", "d38000000000000000"),
        (
            "18446744073709551616",
            "c714313138343436373434303733373039353531363136",
        ),
        (
            "-18446744073709551616",
            "c715312d3138343436373434303733373039353531363136",
        ),
        (
            "-9223372036854775809",
            "c714312d39323233333732303336383534373735383039",
        ),
    ];
    for &(n, expected) in cases {
        let v = big(n);
        assert_eq!(enc(&v), expected, "{n}");
        assert_eq!(from_slice(&hex(expected)).expect("decodes"), v, "{n}");
    }
    // A BigInt that was not normalized still takes the native formats.
    assert_eq!(enc(&Value::BigInt(Box::new(BigInt::from(-1)))), "ff");
}

#[test]
fn long_ints_use_ext16_and_stop_at_python_digit_limit() {
    let v = big(&format!("1{}", "0".repeat(300)));
    let bytes = to_vec(&v).expect("encodes");
    assert_eq!(&bytes[..5], &hex("c8012d3131")[..]);
    assert_eq!(bytes.len(), 305);
    assert_eq!(from_slice(&bytes).expect("decodes"), v);

    let v = big(&format!("-1{}", "0".repeat(4299)));
    let bytes = to_vec(&v).expect("4300 digits encode");
    assert_eq!(&bytes[..5], &hex("c810cd312d")[..]);
    assert_eq!(bytes.len(), 4305);
    assert_eq!(from_slice(&bytes).expect("decodes"), v);

    let err = to_vec(&big(&format!("1{}", "0".repeat(4300)))).expect_err("4301 digits");
    assert_eq!(err.kind(), ErrorKind::Value);
    assert!(err.message().starts_with("Exceeds the limit (4300 digits)"));
}

#[test]
fn size_boundaries_match_python() {
    // (length, str header, bin header, array header, map header) from Python's msgpack.
    let cases: &[(usize, &str, &str, &str, &str)] = &[
        (0, "a0", "c400", "90", "80"),
        (1, "a1", "c401", "91", "81"),
        (15, "af", "c40f", "9f", "8f"),
        (16, "b0", "c410", "dc0010", "de0010"),
        (31, "bf", "c41f", "dc001f", "de001f"),
        (32, "d920", "c420", "dc0020", "de0020"),
        (255, "d9ff", "c4ff", "dc00ff", "de00ff"),
        (256, "da0100", "c50100", "dc0100", "de0100"),
        (65535, "daffff", "c5ffff", "dcffff", "deffff"),
        (
            65536,
            "db00010000",
            "c600010000",
            "dd00010000",
            "df00010000",
        ),
    ];
    for &(n, s, b, a, m) in cases {
        let check = |v: Value, header: &str, body: Vec<u8>| {
            let mut expected = hex(header);
            expected.extend(body);
            let bytes = to_vec(&v).expect("encodes");
            assert!(bytes == expected, "length {n}: {}", &v.type_name());
            assert_eq!(from_slice(&bytes).expect("decodes"), v, "length {n}");
        };
        check(Value::Str("a".repeat(n)), s, vec![b'a'; n]);
        check(Value::Bytes(vec![b'a'; n].into()), b, vec![b'a'; n]);
        check(Value::List(vec![Value::None; n]), a, vec![0xc0; n]);
        let mut d = Dict::default();
        let mut body = Vec::new();
        for i in 0..n {
            let key = i.to_string();
            body.extend(to_vec(&Value::from(key.as_str())).expect("key"));
            body.push(0xc0);
            d.insert(Value::Str(key), Value::None);
        }
        check(Value::Dict(Box::new(d)), m, body);
    }
}

#[test]
fn floats_are_always_float64_and_float32_decodes() {
    assert_eq!(enc(&Value::Float(1.0)), "cb3ff0000000000000");
    assert_eq!(enc(&Value::Float(f64::NAN)), "cb7ff8000000000000");
    assert_eq!(enc(&Value::Float(-0.0)), "cb8000000000000000");
    assert_eq!(
        from_slice(&hex("ca3f800000")).expect("f32"),
        Value::Float(1.0)
    );
    assert_eq!(
        from_slice(&hex("ca3fc00000")).expect("f32"),
        Value::Float(1.5)
    );
}

#[test]
fn sets_keep_their_order_and_dict_keys_any_type() {
    let mut s = Set::default();
    for i in [3, 1, 2] {
        s.insert(Value::Int(i));
    }
    assert_eq!(enc(&Value::Set(Box::new(s))), "93030102");
    // Python refuses these keys on decoding (strict_map_key); we encode and decode them.
    let v = dict! { 1 => "one", Value::None => 2.5 };
    assert_eq!(enc(&v), "8201a36f6e65c0cb4004000000000000");
    assert_eq!(
        from_slice(&to_vec(&v).expect("encodes")).expect("decodes"),
        v
    );
}

#[test]
fn duplicate_map_keys_last_value_first_position() {
    // {'a': 1, 'b': 2, 'a': 3}
    let v = from_slice(&hex("83a16101a16202a16103")).expect("decodes");
    assert_eq!(v.to_string(), "{'a': 3, 'b': 2}");
}

#[test]
fn every_format_decodes() {
    let cases: &[(&str, &str)] = &[
        ("cc05", "5"),
        ("cd0005", "5"),
        ("ce00000005", "5"),
        ("cf0000000000000005", "5"),
        ("cfffffffffffffffff", "18446744073709551615"),
        ("d0fb", "-5"),
        ("d1fffb", "-5"),
        ("d2fffffffb", "-5"),
        ("d3fffffffffffffffb", "-5"),
        ("d0 05", "5"),
        ("d903616263", "'abc'"),
        ("da0003616263", "'abc'"),
        ("db00000003616263", "'abc'"),
        ("c50002 6162", "b'ab'"),
        ("c600000002 6162", "b'ab'"),
        ("dc000201c0", "[1, None]"),
        ("dd0000000201c0", "[1, None]"),
        ("de0001a16101", "{'a': 1}"),
        ("df00000001a16101", "{'a': 1}"),
        ("81c4016101", "{b'a': 1}"),
        ("c70231 2d35", "-5"),
        ("c8000231 2d35", "-5"),
        ("c900000002 31 2d35", "-5"),
        ("d43137", "7"),
        ("d53131 30", "10"),
        ("c70531 202b315f30", "10"),
        ("c70531 092d30350a", "-5"),
        ("d6 33 47460b00", "datetime.date(2024, 1, 2)"),
        // msgpack's own timestamp: kept as it came, shown as msgpack-python's Timestamp.
        ("d6ff 00000001", "Timestamp(seconds=1, nanoseconds=0)"),
        (
            "d7ff ee6b27fc00000005",
            "Timestamp(seconds=5, nanoseconds=999999999)",
        ),
        (
            "c70cff 000003e8 ffffffffffffffff",
            "Timestamp(seconds=-1, nanoseconds=1000)",
        ),
        // Any other code: kept as it came (ExtType).
        ("d4 40 00", "ExtType(code=64, data=b'\\x00')"),
    ];
    for &(h, repr) in cases {
        let v = from_slice(&hex(&h.replace(' ', ""))).unwrap_or_else(|e| panic!("{h}: {e}"));
        assert_eq!(v.to_string(), repr, "{h}");
    }
}

#[test]
fn datetime_ext_rounds_like_cpython() {
    // (timestamp, Python's datetime.fromtimestamp(ts).isoformat() under TZ=UTC)
    let cases: &[(f64, &str)] = &[
        (-1.5, "1969-12-31T23:59:58.500000"),
        (0.0, "1970-01-01T00:00:00"),
        (1e-7, "1970-01-01T00:00:00"),
        (-1e-7, "1970-01-01T00:00:00"),
        (1.5e-6, "1970-01-01T00:00:00.000002"),
        (2.5e-6, "1970-01-01T00:00:00.000002"),
        (0.9999995, "1970-01-01T00:00:01"),
        (-5e-7, "1970-01-01T00:00:00"),
        (253402300799.0, "9999-12-31T23:59:59"),
        (-62135510400.0, "0001-01-02T00:00:00"),
    ];
    for &(ts, iso) in cases {
        let mut bytes = hex("d732");
        bytes.extend(ts.to_le_bytes());
        let Value::DateTime(dt) = from_slice(&bytes).expect("decodes") else {
            panic!("{ts}: not a datetime")
        };
        assert_eq!(dt.to_string(), iso, "{ts}");
    }
    // Python: ValueError / OverflowError.
    for (ts, message) in [
        (253402300800.0, "year 10000 is out of range"),
        (253402300799.9999999, "year 10000 is out of range"),
        (-62135596800.0, "year 0 is out of range"),
        (f64::NAN, "Invalid value NaN (not a number)"),
        (f64::INFINITY, "timestamp out of range for platform time_t"),
        (1e300, "timestamp out of range for platform time_t"),
    ] {
        let mut bytes = hex("d732");
        bytes.extend(ts.to_le_bytes());
        let err = from_slice(&bytes).expect_err("out of range");
        assert_eq!(err.kind(), ErrorKind::Value, "{ts}");
        assert_eq!(err.message(), message, "{ts}");
        assert_eq!(err.offset(), Some(0));
    }
}

#[test]
fn date_ext_range() {
    for (ordinal, iso) in [
        (1i64, "0001-01-01"),
        (738887, "2024-01-02"),
        (3652059, "9999-12-31"),
    ] {
        let mut bytes = hex("d733");
        bytes.extend(ordinal.to_le_bytes());
        let Value::Date(d) = from_slice(&bytes).expect("decodes") else {
            panic!("{ordinal}: not a date")
        };
        assert_eq!(d.to_string(), iso);
    }
    for (ordinal, message) in [
        (0i64, "ordinal must be >= 1"),
        (-5, "ordinal must be >= 1"),
        (3652060, "year 10000 is out of range"),
        (i64::MAX, "year 10000 is out of range"),
    ] {
        let mut bytes = hex("d733");
        bytes.extend(ordinal.to_le_bytes());
        let err = from_slice(&bytes).expect_err("out of range");
        assert_eq!((err.kind(), err.message()), (ErrorKind::Value, message));
    }
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<i128>().prop_map(|i| Value::from_bigint(BigInt::from(i) * 1_000_003)),
        any::<u64>().prop_map(|u| Value::from_bigint(BigInt::from(u))),
        any::<f64>().prop_map(Value::Float),
        (any::<f64>(), any::<f64>()).prop_map(|(re, im)| Value::Complex { re, im }),
        ".{0,40}".prop_map(Value::Str),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|b| Value::Bytes(b.into())),
    ];
    leaf.prop_recursive(4, 64, 20, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..20).prop_map(Value::List),
            proptest::collection::vec(inner.clone(), 0..20).prop_map(Value::Tuple),
            proptest::collection::vec(inner.clone(), 0..20)
                .prop_map(|v| Value::Set(Box::new(v.into_iter().collect()))),
            proptest::collection::vec((inner.clone(), inner), 0..20)
                .prop_map(|v| Value::Dict(Box::new(v.into_iter().collect()))),
        ]
    })
}

proptest! {
    #[test]
    fn round_trip(v in arb_value()) {
        let bytes = to_vec(&v).expect("encodes");
        let back = from_slice(&bytes).expect("decodes");
        // Tuples and sets come back as lists, exactly what normalize predicts.
        let expected = Serializer::Msgpack.normalize(&v);
        prop_assert_eq!(&back, &expected);
        prop_assert_eq!(to_vec(&back).expect("re-encodes"), to_vec(&expected).expect("encodes"));
    }
}

/// One scalar in any of its msgpack formats (including the non-minimal ones Python never
/// writes but other peers may), so lists exercise every fast path of the decoder.
fn arb_scalar_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (0u8..=0x7f).prop_map(|b| vec![b]),
        (0xe0u8..=0xff).prop_map(|b| vec![b]),
        Just(vec![0xc0]),
        Just(vec![0xc2]),
        Just(vec![0xc3]),
        any::<u8>().prop_map(|b| vec![0xcc, b]),
        any::<u16>().prop_map(|v| [&[0xcd][..], &v.to_be_bytes()].concat()),
        any::<u32>().prop_map(|v| [&[0xce][..], &v.to_be_bytes()].concat()),
        any::<u64>().prop_map(|v| [&[0xcf][..], &v.to_be_bytes()].concat()),
        any::<i8>().prop_map(|v| [&[0xd0][..], &v.to_be_bytes()].concat()),
        any::<i16>().prop_map(|v| [&[0xd1][..], &v.to_be_bytes()].concat()),
        any::<i32>().prop_map(|v| [&[0xd2][..], &v.to_be_bytes()].concat()),
        any::<i64>().prop_map(|v| [&[0xd3][..], &v.to_be_bytes()].concat()),
        any::<f32>().prop_map(|v| [&[0xca][..], &v.to_be_bytes()].concat()),
        any::<f64>().prop_map(|v| [&[0xcb][..], &v.to_be_bytes()].concat()),
        "[a-z]{0,40}".prop_map(|s| to_vec(&Value::Str(s)).expect("str")),
        Just(hex("d83000000000000000400000000000000840")),
        Just(hex("90")),
        Just(hex("80")),
        Just(hex("9201cb3ff8000000000000")),
    ]
}

proptest! {
    #[test]
    fn lists_and_maps_decode_item_by_item(items in proptest::collection::vec(arb_scalar_bytes(), 0..60)) {
        let one_by_one: Vec<Value> =
            items.iter().map(|b| from_slice(b).expect("item decodes")).collect();
        let mut list = vec![0xdc];
        list.extend((items.len() as u16).to_be_bytes());
        list.extend(items.concat());
        prop_assert_eq!(from_slice(&list).expect("list decodes"), Value::List(one_by_one.clone()));
        for n in 0..list.len() {
            let e = from_slice(&list[..n]).expect_err("prefix");
            prop_assert_eq!(e.kind(), ErrorKind::Truncated);
        }
        // The same items as a map: keys at even places, values at odd ones.
        let pairs = items.len() / 2;
        let mut map = vec![0xde];
        map.extend((pairs as u16).to_be_bytes());
        map.extend(items[..pairs * 2].concat());
        let mut dict = Dict::default();
        for kv in one_by_one[..pairs * 2].chunks(2) {
            dict.insert(super::decode::tuple_keys(kv[0].clone()), kv[1].clone());
        }
        prop_assert_eq!(from_slice(&map).expect("map decodes"), Value::Dict(Box::new(dict)));
    }
}
