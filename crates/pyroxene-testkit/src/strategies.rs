//! proptest strategies that generate [`Value`]s a given serializer can carry **and** the Python
//! peer decodes back to an equal value (so no key collisions Python would merge, no
//! json bytes, only str keys for msgpack, ...).

use proptest::prelude::*;
use pyroxene_wire::value::{PyDate, PyDateTime, PyDecimal, PyTime, PyTimeZone, PyUuid, SafeUuid};
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
/// collisions Python would merge (1 == 1.0 == True == Decimal(1)): str and int, tuples of
/// them, and (where the format carries one) frozensets of them.
fn key(ser: Serializer) -> BoxedStrategy<Value> {
    let plain = prop_oneof![
        3 => text().prop_map(Value::Str),
        2 => (-1000i64..1000).prop_map(Value::Int),
        1 => (text(), -5i64..5).prop_map(|(s, i)| Value::Tuple(vec![Value::Str(s), Value::Int(i)])),
    ];
    match ser {
        Serializer::Msgpack | Serializer::Json => text().prop_map(Value::Str).boxed(),
        Serializer::Serpent => plain.boxed(),
        Serializer::Marshal | Serializer::Pickle => prop_oneof![
            8 => plain.clone(),
            1 => proptest::collection::vec(plain, 0..4)
                .prop_map(|items| Value::FrozenSet(Box::new(items.into_iter().collect()))),
        ]
        .boxed(),
    }
}

/// A date in `years` (any day of any month).
pub fn date(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = PyDate> {
    (years, 1u8..=12, 1u8..=31).prop_map(|(y, m, d)| {
        PyDate::new(y, m, d)
            .or_else(|_| PyDate::new(y, m, 28))
            .unwrap_or(PyDate::MIN)
    })
}

/// A fixed-offset timezone: whole hours, minutes, odd seconds and microseconds, `utc`, names.
pub fn timezone() -> impl Strategy<Value = PyTimeZone> {
    let offset = prop_oneof![
        3 => (-23i64..=23).prop_map(|h| h * 3_600_000_000),
        2 => (-1439i64..=1439).prop_map(|m| m * 60_000_000),
        1 => -86_399_999_999i64..=86_399_999_999,
    ];
    (
        offset,
        proptest::option::weighted(0.2, "[A-Z]{3,4}|[a-z' ]{0,5}"),
    )
        .prop_map(|(o, name)| {
            match name {
                Some(name) => PyTimeZone::with_name(o, name),
                None => PyTimeZone::new(o),
            }
            .unwrap_or_else(|_| PyTimeZone::utc())
        })
}

/// A time of day, naive or aware (`aware`), with fold 0 or 1 (`fold`).
pub fn time(aware: bool, fold: bool) -> impl Strategy<Value = PyTime> {
    (
        0u8..24,
        0u8..60,
        0u8..60,
        prop_oneof![Just(0u32), 0u32..1_000_000],
        any::<bool>(),
        proptest::option::of(timezone()),
    )
        .prop_map(move |(h, m, s, us, f, tz)| {
            PyTime::new(h, m, s, us)
                .unwrap_or(PyTime::MIDNIGHT)
                .with_fold(fold && f)
                .with_tz(tz.filter(|_| aware))
        })
}

/// A datetime in `years`, naive unless `aware`.
pub fn datetime(
    years: std::ops::RangeInclusive<i32>,
    aware: bool,
    fold: bool,
) -> impl Strategy<Value = PyDateTime> {
    (date(years), time(aware, fold)).prop_map(|(d, t)| PyDateTime::new(d, t))
}

/// A Decimal: digits with an exponent, zeros of any sign and exponent, infinities and NaNs.
pub fn decimal() -> impl Strategy<Value = PyDecimal> {
    prop_oneof![
        6 => ("-?[0-9]{1,30}", -40i64..40).prop_map(|(digits, exp)| format!("{digits}E{exp}")),
        1 => "-?(0|0\\.000|0E-7)".prop_map(String::from),
        1 => "-?(Infinity|NaN|sNaN|NaN12)".prop_map(String::from),
    ]
    .prop_map(|text| text.parse().unwrap_or_else(|_| "0".parse().expect("0")))
}

/// A UUID, with any `is_safe` when `safe` (pickle carries it), else unknown.
pub fn uuid(safe: bool) -> impl Strategy<Value = PyUuid> {
    (any::<u128>(), 0u8..3).prop_map(move |(u, s)| {
        let is_safe = match s {
            0 if safe => SafeUuid::Safe,
            1 if safe => SafeUuid::Unsafe,
            _ => SafeUuid::Unknown,
        };
        PyUuid::from_u128(u).with_safe(is_safe)
    })
}

/// msgpack's timestamp ext (-1) with the bytes msgpack-python writes for it (the shortest
/// of its 4/8/12-byte forms), which it reads back and writes unchanged.
pub fn msgpack_timestamp() -> impl Strategy<Value = Value> {
    (
        prop_oneof![0i64..(1 << 34), any::<i64>()],
        prop_oneof![Just(0u32), 0u32..1_000_000_000],
    )
        .prop_map(|(seconds, nanos)| {
            pyroxene_wire::serializer::msgpack::timestamp(seconds, nanos).unwrap_or_default()
        })
}

/// The date, time, Decimal, UUID and ext values `ser` carries and its Python peer reads back
/// to an equal value (see the serializer table in `pyroxene_wire::serializer`).
fn python_types(ser: Serializer) -> BoxedStrategy<Value> {
    let dt = |years, aware, fold| datetime(years, aware, fold).prop_map(Value::DateTime);
    match ser {
        Serializer::Serpent => prop_oneof![
            dt(1..=9999, false, false),
            dt(1..=9999, true, false),
            date(1..=9999).prop_map(Value::Date),
            time(true, false).prop_map(Value::Time),
            decimal().prop_map(Value::Decimal),
            uuid(false).prop_map(Value::Uuid),
            (any::<i8>(), proptest::collection::vec(any::<u8>(), 0..8)).prop_map(|(code, d)| {
                Value::Ext {
                    code,
                    data: d.into(),
                }
            }),
        ]
        .boxed(),
        Serializer::Json => prop_oneof![
            dt(1..=9999, false, false),
            dt(1..=9999, true, false),
            date(1..=9999).prop_map(Value::Date),
            decimal().prop_map(Value::Decimal),
            uuid(false).prop_map(Value::Uuid),
        ]
        .boxed(),
        Serializer::Marshal => uuid(false).prop_map(Value::Uuid).boxed(),
        // Naive datetimes whose timestamp keeps microseconds exact (Python reads it as local
        // time: the peer runs in UTC); Python's Pyro refuses unknown ext codes.
        Serializer::Msgpack => prop_oneof![
            dt(1900..=2200, false, false),
            date(1..=9999).prop_map(Value::Date),
            decimal().prop_map(Value::Decimal),
            uuid(false).prop_map(Value::Uuid),
            msgpack_timestamp(),
        ]
        .boxed(),
        Serializer::Pickle => prop_oneof![
            dt(1..=9999, false, true),
            dt(1..=9999, true, true),
            date(1..=9999).prop_map(Value::Date),
            time(false, true).prop_map(Value::Time),
            time(true, true).prop_map(Value::Time),
            decimal().prop_map(Value::Decimal),
            uuid(true).prop_map(Value::Uuid),
            // msgpack's ExtType takes codes 0..=127 only.
            (0i8..=127, proptest::collection::vec(any::<u8>(), 0..8)).prop_map(|(code, d)| {
                Value::Ext {
                    code,
                    data: d.into(),
                }
            }),
            msgpack_timestamp(),
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
        Serializer::Json => prop_oneof![8 => common, 1 => python_types(ser)].boxed(),
        Serializer::Serpent => prop_oneof![
            8 => common,
            1 => python_types(ser),
            1 => proptest::collection::vec(any::<u8>(), 0..20).prop_map(|b| Value::Bytes(b.into())),
            // serpent can't write a complex with a nan part as a literal Python reads back
            1 => (float(), float())
                .prop_filter("no nan in serpent complex", |(r, i)| !r.is_nan() && !i.is_nan())
                .prop_map(|(re, im)| Value::Complex { re, im }),
        ]
        .boxed(),
        Serializer::Marshal | Serializer::Msgpack | Serializer::Pickle => prop_oneof![
            8 => common,
            1 => python_types(ser),
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
                    .prop_map(move |items| {
                        let set: Box<pyroxene_wire::value::Set> = Box::new(items.into_iter().collect());
                        // Only marshal and pickle carry a frozenset; serpent writes one as a set.
                        match ser {
                            Serializer::Marshal | Serializer::Pickle | Serializer::Serpent
                                if set.len() % 2 == 1 => Value::FrozenSet(set),
                            _ => Value::Set(set),
                        }
                    }),
            ]
        })
        .boxed()
}

/// Whether a value holds a set or frozenset anywhere (Python re-orders sets, so byte
/// comparisons skip them).
pub fn contains_set(v: &Value) -> bool {
    match v {
        Value::Set(_) | Value::FrozenSet(_) => true,
        Value::List(items) | Value::Tuple(items) => items.iter().any(contains_set),
        Value::Dict(d) => d.iter().any(|(k, v)| contains_set(k) || contains_set(v)),
        _ => false,
    }
}
