//! Malformed and hostile input: errors with offsets, never a panic or a huge allocation.

use proptest::prelude::*;

use super::super::{from_slice, to_vec};
use super::{hex, vectors};
use crate::{ErrorKind, MAX_DEPTH, Value};

fn err(h: &str) -> crate::Error {
    from_slice(&hex(&h.replace(' ', ""))).expect_err(h)
}

#[test]
fn every_proper_prefix_of_every_vector_is_truncated() {
    let mut checked = 0;
    for v in vectors::VECTORS {
        let bytes = hex(v.hex);
        for n in 0..bytes.len() {
            let e = from_slice(&bytes[..n]).expect_err(v.name);
            assert_eq!(e.kind(), ErrorKind::Truncated, "{} prefix {n}: {e}", v.name);
            assert!(e.offset().is_some_and(|o| o <= n), "{} prefix {n}", v.name);
            checked += 1;
        }
    }
    assert!(checked > 1000);
}

#[test]
fn lengths_past_the_end_allocate_nothing_and_fail() {
    for h in [
        "dd ffffffff",
        "df ffffffff",
        "db ffffffff",
        "c6 ffffffff",
        "c9 ffffffff 30",
        "dc ffff c0",
        "de ffff c0",
        "da 0010 616263",
        "c7 10 30 00",
    ] {
        assert_eq!(err(h).kind(), ErrorKind::Truncated, "{h}");
    }
    assert_eq!(err("dd ffffffff").offset(), Some(5));
    assert_eq!(err("da 0010 616263").offset(), Some(3));
}

#[test]
fn empty_input_is_truncated() {
    let e = from_slice(b"").expect_err("empty");
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Truncated, Some(0)));
}

#[test]
fn reserved_byte_and_extra_data() {
    let e = err("92 01 c1");
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Syntax, Some(2)));
    let e = err("01 02");
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Syntax, Some(1)));
    assert!(e.message().contains("extra data"), "{e}");
}

#[test]
fn invalid_utf8_is_located() {
    let e = err("92 01 a2 fffe");
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Syntax, Some(3)));
    assert_eq!(
        e.message(),
        "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"
    );
    let e = err("a3 61 e282 ");
    assert_eq!(e.offset(), Some(2));
    assert_eq!(
        e.message(),
        "'utf-8' codec can't decode bytes in position 1-2: unexpected end of data"
    );
    let e = err("a2 e2 41");
    assert!(e.message().ends_with("invalid continuation byte"), "{e}");
    // A surrogate encoded in UTF-8 is not valid in a str.
    assert_eq!(err("a3 eda080").kind(), ErrorKind::Syntax);
}

#[test]
fn bad_ext_data() {
    // Unknown codes are kept (see every_format_decodes); Pyro's own codes are checked.
    assert_eq!(
        err("d5 30 6162").message(),
        "unpack requires a buffer of 16 bytes"
    );
    assert_eq!(err("d6 32 00000000").kind(), ErrorKind::Syntax);
    assert_eq!(err("d5 33 0000").kind(), ErrorKind::Syntax);
    let e = err("92 c0 d5 ff 0000");
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Value, Some(2)));
    assert_eq!(
        e.message(),
        "Timestamp type can only be created from 32, 64, or 96-bit byte objects"
    );
    assert_eq!(
        err("c7 0c ff 3b9aca00 0000000000000000").kind(),
        ErrorKind::Value
    );
    for text in [
        "", " ", "_", "1__0", "1_", "_1", "+", "-", "1.5", "0x10", "١", "+-1", "1 2",
    ] {
        let mut bytes = vec![0xc7, text.len() as u8, 0x31];
        bytes.extend(text.as_bytes());
        let e = from_slice(&bytes).expect_err(text);
        assert_eq!(e.kind(), ErrorKind::Syntax, "{text:?}");
        assert!(
            e.message()
                .starts_with("invalid literal for int() with base 10: b"),
            "{e}"
        );
    }
    assert_eq!(
        err("d4 31 5f").message(),
        "invalid literal for int() with base 10: b'_'"
    );
    let mut bytes = vec![0xc9, 0, 0, 0x13, 0x88, 0x31];
    bytes.extend([b'1'; 5000]);
    let e = from_slice(&bytes).expect_err("too many digits");
    assert_eq!(e.kind(), ErrorKind::Value);
    assert_eq!(
        e.message(),
        "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; \
         use sys.set_int_max_str_digits() to increase the limit"
    );
}

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no stack overflow");
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    on_small_stack(|| {
        // Nested arrays `91 91 ... c0` and maps `81 c0 81 c0 ... c0` (key nil, value nested).
        for level in [&[0x91u8][..], &[0x81, 0xc0][..]] {
            let nested = |depth: usize| {
                let mut bytes = level.repeat(depth);
                bytes.push(0xc0);
                bytes
            };
            let e = from_slice(&nested(2000)).expect_err("too deep");
            assert_eq!(e.kind(), ErrorKind::TooDeep);
            assert_eq!(e.offset(), Some(level.len() * MAX_DEPTH));
            assert!(from_slice(&nested(MAX_DEPTH)).is_ok(), "{MAX_DEPTH} levels");
            assert_eq!(
                from_slice(&nested(MAX_DEPTH + 1))
                    .expect_err("too deep")
                    .kind(),
                ErrorKind::TooDeep
            );
        }
        // The encoder refuses the same depth.
        let mut v = Value::None;
        for _ in 0..MAX_DEPTH {
            v = Value::List(vec![v]);
        }
        assert!(to_vec(&v).is_ok());
        for _ in MAX_DEPTH..2000 {
            v = Value::Tuple(vec![v]);
        }
        assert_eq!(to_vec(&v).expect_err("too deep").kind(), ErrorKind::TooDeep);
        // Drop iteratively-ish: unwrap the nesting so the drop glue stays shallow.
        while let Value::List(mut items) | Value::Tuple(mut items) = v {
            v = items.pop().unwrap_or_default();
        }
    });
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = from_slice(&bytes);
    }

    #[test]
    fn mutated_vectors_never_panic(index in 0usize..1000, pos in any::<usize>(), byte in any::<u8>()) {
        let v = &vectors::VECTORS[index % vectors::VECTORS.len()];
        let mut bytes = hex(v.hex);
        let len = bytes.len();
        bytes[pos % len] = byte;
        if let Ok(value) = from_slice(&bytes) {
            // Whatever decodes re-encodes.
            let _ = to_vec(&value);
        }
    }
}
