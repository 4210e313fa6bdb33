//! Property tests: round trips over generated values, junk input, and the str writer against
//! `repr::write_str_repr`.

use num_bigint::BigInt;
use proptest::prelude::*;

use super::{from_slice, to_vec};
use crate::Value;

/// Scalars that survive a serpent round trip exactly (no NaN: not as a dict key; complex parts
/// without NaN or -0.0, whose signs Python's complex sums change).
fn scalar() -> impl Strategy<Value = Value> {
    let finite_or_inf = prop_oneof![
        any::<f64>().prop_filter("no nan", |f| !f.is_nan()),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
    ];
    let part = prop_oneof![
        any::<f64>().prop_filter("no nan", |f| !f.is_nan()),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
    ]
    .prop_map(|f| if f == 0.0 { 0.0 } else { f });
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<i128>().prop_map(|i| Value::from_bigint(BigInt::from(i) * 1_000_003)),
        finite_or_inf.prop_map(Value::Float),
        (part.clone(), part).prop_map(|(re, im)| Value::Complex { re, im }),
        any::<String>().prop_map(Value::Str),
        "[ '\"\\\\\\n\\r\\t\\x00-\\x1f\\x7f-\\u{a0}\\u{2028}a-z]{0,12}".prop_map(Value::Str),
    ]
}

fn key() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(2, 8, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(Value::Tuple)
    })
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![Just(Value::None), Just(Value::Float(f64::NAN)), scalar()];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Tuple),
            prop::collection::vec(key(), 1..6)
                .prop_map(|items| Value::Set(Box::new(items.into_iter().collect()))),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|items| Value::Dict(Box::new(items.into_iter().collect()))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn round_trips(v in value()) {
        let bytes = to_vec(&v).expect("encode");
        let back = from_slice(&bytes).expect("decode");
        prop_assert_eq!(&back, &v);
        // And the text is stable: encoding the decoded value gives the same bytes.
        prop_assert_eq!(to_vec(&back).expect("re-encode"), bytes);
    }

    #[test]
    fn never_panics_on_junk(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = from_slice(&bytes);
    }

    #[test]
    fn never_panics_on_near_serpent(text in "[-+()\\[\\]{},:'\"\\\\ \n#0-9a-fjxobeNTF._]{0,40}") {
        let _ = from_slice(text.as_bytes());
    }
}

#[test]
fn fast_printable_blocks_are_printable() {
    for (lo, hi) in super::encode::PRINTABLE_BLOCKS {
        for c in lo..=hi {
            assert!(crate::repr::is_printable(c), "U+{:04X}", c as u32);
        }
    }
}

#[test]
fn str_writer_matches_repr_for_every_char() {
    let (mut fast, mut reference) = (String::new(), String::new());
    let chars: Vec<char> = (0..=0x10FFFFu32).filter_map(char::from_u32).collect();
    for chunk in chars.chunks(61) {
        let s: String = chunk.iter().flat_map(|&c| [c, 'x']).collect();
        fast.clear();
        reference.clear();
        super::encode::write_str(&mut fast, &s);
        crate::repr::write_str_repr(&mut reference, &s);
        assert_eq!(fast, reference, "from U+{:04X}", chunk[0] as u32);
    }
}

proptest! {
    #[test]
    fn str_writer_matches_repr(s in any::<String>(), t in "[ -~\\x00-\\x1f\\u{80}-\\u{ff}'\"\\\\]{0,40}") {
        for s in [&s, &t] {
            let (mut fast, mut reference) = (String::new(), String::new());
            super::encode::write_str(&mut fast, s);
            crate::repr::write_str_repr(&mut reference, s);
            prop_assert_eq!(fast, reference);
        }
    }
}
