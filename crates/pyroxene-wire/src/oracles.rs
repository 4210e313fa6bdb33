//! Test oracles: the properties the fuzz targets (`fuzz/`) and the round-trip, call and
//! regression tests check, in one place so they check the same thing. Not an API: compiled only
//! with the `oracles` feature (which the tests and `fuzz/` turn on) and for this crate's own
//! unit tests.
//!
//! Each function panics when its property breaks: that is the bug the fuzzer looks for.

use bytes::BytesMut;

use crate::protocol::{Codec, ParseOptions, V4, V5};
use crate::{Dict, ProtocolVersion, Serializer, Value};

/// The work budget the decoding oracles use ([`Serializer::decode_shared_within`]): a
/// reference or memo bomb reaches the budget's refusal in microseconds instead of spending the
/// full budget (up to 64 MiB of copies, 0.2-0.4 s an input), which kept the pickle and msgpack
/// fuzzers near 1,000 executions a second. Unit tests cover the full budgets.
pub const ORACLE_BUDGET: usize = 64 * 1024;

/// The oracle of decompression (the regression replay of `fuzz/` target `decompress`, which
/// runs [`check_decompress_sampled`]): the one-pass inflate,
/// the measuring pass and the inflate into a measured size agree on every input (same bytes,
/// same refusal), and nothing inflates past the limit.
///
/// # Panics
/// When they disagree: that is the bug the fuzzer looks for.
pub fn check_decompress(data: &[u8]) {
    for (max, one_pass) in DECOMPRESS_LIMITS {
        check_decompress_within(data, max, one_pass);
    }
}

/// Small limits on both sides of small one-pass thresholds: every path (one pass, measured then
/// sized, refused on either) is reached while a bomb costs microseconds. The production
/// threshold (256 KiB) is the same code with a bigger number; unit tests in `compress.rs`
/// cover it.
const DECOMPRESS_LIMITS: [(u64, usize); 6] = [
    (0, crate::protocol::compress::ONE_PASS),
    (100, 64),
    (4096, 64),
    (4096, 4097),
    (20_000, 1024),
    (20_000, crate::protocol::compress::ONE_PASS),
];

/// [`check_decompress`] under one of its limits, chosen by the input's length: what the fuzz
/// target runs. An input of many tiny Huffman blocks costs ~100 ns a byte to inflate whatever
/// the limit, and all six limits took 18 passes over it (about 1,150 executions a second);
/// with the limit drawn from the input, the fuzzer reaches each one six times as often and
/// mutating the length moves between them.
///
/// # Panics
/// As [`check_decompress`].
pub fn check_decompress_sampled(data: &[u8]) {
    let (max, one_pass) = DECOMPRESS_LIMITS[data.len() % DECOMPRESS_LIMITS.len()];
    check_decompress_within(data, max, one_pass);
}

fn check_decompress_within(data: &[u8], max: u64, one_pass: usize) {
    use crate::protocol::ProtocolError;
    use crate::protocol::compress::{decompress_one_pass_up_to, decompress_sized, inflated_size};
    {
        let whole = decompress_one_pass_up_to(data, max, one_pass);
        let size = inflated_size(data, max);
        match (&whole, &size) {
            (Ok(out), Ok(n)) => {
                assert_eq!(out.len() as u64, *n, "measured size differs");
                assert!(*n <= max);
                assert_eq!(decompress_sized(data, *n).as_ref(), Ok(out));
            }
            (Err(ProtocolError::DecompressedTooLarge { .. }), Err(e)) => {
                assert_eq!(e, &ProtocolError::DecompressedTooLarge { max });
            }
            (Err(ProtocolError::Decompress(_)), Err(ProtocolError::Decompress(_))) => {}
            (whole, size) => {
                panic!(
                    "decompress {whole:?} but measured {size:?} (max {max}, one pass {one_pass})"
                )
            }
        }
    }
}

/// The fuzzing oracle of the message parser (used by `fuzz/` and by the regression tests over
/// its findings): parsing must not panic, and whatever parses must re-encode to bytes that parse
/// back to the same message.
///
/// # Panics
/// When that round trip breaks: that is the bug the fuzzer looks for.
pub fn check_message_round_trip(data: &[u8]) {
    // v4 with a key too, so the signing path is exercised (a random message only gets past
    // the HMAC check if it has none... or the fuzzer found SHA-1 collisions).
    let keyed = V4::with_hmac(&b"fuzz"[..]);
    let plain = V4::new();
    let codecs: [&dyn Codec; 3] = [&V5, &plain, &keyed];
    for codec in codecs {
        check_codec_round_trip(codec, data);
    }
}

fn check_codec_round_trip(codec: &dyn Codec, data: &[u8]) {
    // A small limit keeps zip bombs cheap; both the raw and the inflating path are exercised.
    for decompress in [false, true] {
        let opts = ParseOptions::default()
            .max_message_size(1 << 20)
            .decompress(decompress);
        let Ok(Some((msg, used))) = codec.parse(data, &opts) else {
            continue;
        };
        assert!(used <= data.len());
        // The in-place parse of a receive buffer agrees and leaves exactly the rest.
        let mut buf = BytesMut::from(data);
        let shared = codec.parse_bytes(&mut buf, &opts);
        assert_eq!(shared, Ok(Some(msg.clone())));
        assert_eq!(buf.len(), data.len() - used);
        let Ok(bytes) = codec.encode(&msg) else {
            // Only v4 can refuse: an inflated payload or the chunks it adds may not fit.
            assert_eq!(codec.version(), ProtocolVersion::V4);
            continue;
        };
        // Inflated payloads may legitimately exceed the limit together with the annotations.
        let raw = ParseOptions::default()
            .max_message_size(u64::MAX)
            .decompress(false);
        match codec.parse(&bytes, &raw) {
            Ok(Some((again, n))) => {
                assert_eq!(n, bytes.len());
                assert_eq!(again, msg);
            }
            other => panic!("our own encoding of {msg:?} does not parse: {other:?}"),
        }
    }
}

/// The fuzzing oracle (used by the `fuzz/` targets and the regression tests over their
/// findings): decoding `data` must not panic, and whatever decodes must survive our own
/// encode → decode round trip as [`Serializer::normalize`] says.
///
/// # Panics
/// When that round trip breaks: that is the bug the fuzzer looks for.
pub fn check_round_trip(ser: Serializer, data: &[u8]) {
    let shared = bytes::Bytes::copy_from_slice(data);
    let value = match ser.decode_shared_within(&shared, ORACLE_BUDGET) {
        Ok(value) => value,
        // Like the daemon, which decodes a payload its small budget refuses again with the
        // full one: here with the key budget as the cap, which counts keys and items as the
        // full decode does (a capped decode charges every key node and item, so without
        // this, inputs of more than 8,192 items went unchecked), and bounds a reference
        // bomb's copies to about 1 MiB.
        Err(e) if e.kind() == crate::ErrorKind::TooLarge => {
            match ser.decode_shared_within(&shared, crate::value::key_work_budget(data.len())) {
                Ok(value) => value,
                Err(_) => return,
            }
        }
        Err(_) => return,
    };
    // Within the small budget, the full one costs the same: the slice reader (no shared
    // views, default budget) must read the same value.
    match ser.decode(data) {
        Ok(v) if v == value => {}
        other => panic!(
            "{} reads {value} from a shared buffer but {other:?} from a slice",
            ser.name()
        ),
    }
    let Ok(bytes) = ser.encode(&value) else {
        return;
    };
    let again = match ser.decode(&bytes) {
        Ok(v) => v,
        Err(e) => panic!(
            "our own {} output {bytes:?} fails to decode: {e}",
            ser.name()
        ),
    };
    let want = ser.normalize(&value);
    assert!(
        again == want,
        "{} round trip changed {want} into {again}",
        ser.name()
    );
}

/// The oracle of the call writers (used by the call tests): [`Serializer::encode_call`] must
/// write exactly what encoding the whole payload value writes (Pyro's `dumpsCall` builds that
/// value), the same bytes or the same error.
///
/// # Panics
/// When they differ.
pub fn check_encode_call(
    ser: Serializer,
    object: &str,
    method: &str,
    args: &Value,
    kwargs: Option<&Dict>,
) {
    let kw = kwargs.map_or(Value::None, |k| Value::from(k.clone()));
    // marshal, msgpack and json carry Pyro's vargs as a list.
    let listed = match args {
        Value::Tuple(items) if ser != Serializer::Serpent && ser != Serializer::Pickle => {
            Value::List(items.clone())
        }
        other => other.clone(),
    };
    let payload = match ser {
        Serializer::Serpent | Serializer::Pickle | Serializer::Marshal => {
            Value::Tuple(vec![object.into(), method.into(), listed, kw])
        }
        Serializer::Msgpack => Value::List(vec![object.into(), method.into(), listed, kw]),
        Serializer::Json => crate::dict! {
            "object" => object,
            "method" => method,
            "params" => listed,
            "kwargs" => kw,
        },
    };
    let want = ser.encode(&payload);
    let got = ser.encode_call(object, method, args, kwargs);
    assert!(
        got == want,
        "{} encode_call({object:?}, {method:?}, {args}, {kwargs:?}): {got:?}, but the payload value gives {want:?}",
        ser.name()
    );
}

/// The fuzzing oracle of the call readers (used by the `call_decode` fuzz target and the call
/// tests): [`Serializer::decode_call`] and [`Serializer::decode_call_shared`], fast paths
/// included, must give exactly what the general way gives (the payload decoded as a value,
/// then taken apart), the same call or the same error; and never panic.
///
/// # Panics
/// When they differ: that is the bug the fuzzer looks for.
pub fn check_decode_call(ser: Serializer, data: &[u8]) {
    let shared = bytes::Bytes::copy_from_slice(data);
    let general = ser
        .decode_shared_within(&shared, ORACLE_BUDGET)
        .and_then(|v| ser.call_from_value(v));
    let fast = ser.decode_call_shared_within(&shared, ORACLE_BUDGET);
    assert!(
        fast == general,
        "{} decode_call_shared of {data:?}: {fast:?}, but the general path gives {general:?}",
        ser.name()
    );
    if matches!(&general, Err(e) if e.kind() == crate::ErrorKind::TooLarge) {
        // Maybe a bomb: the full budget would cost milliseconds and check nothing new.
        return;
    }
    let general = ser.decode(data).and_then(|v| ser.call_from_value(v));
    let fast = ser.decode_call(data);
    assert!(
        fast == general,
        "{} decode_call of {data:?}: {fast:?}, but the general path gives {general:?}",
        ser.name()
    );
}

/// [`check_decode_call`] for a payload and some mutations of it drawn from `seed` (byte flips,
/// truncations, insertions of bytes that matter to the grammars, removals): the call tests'
/// way of reaching the inputs a fast reader must give up on.
///
/// # Panics
/// As [`check_decode_call`].
pub fn check_decode_call_mutated(ser: Serializer, bytes: &[u8], seed: u64) {
    check_decode_call(ser, bytes);
    let interesting = b"()[]{},:'\" \n#\\\0bur1.-N\x80\x93\xa4\xc0\xff";
    let mut s = seed;
    for round in 0..6u64 {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let at = (s >> 33) as usize % (bytes.len() + 1);
        check_decode_call(ser, &mutate(bytes, s, 1 + (round as usize % 3)));
        check_decode_call(ser, bytes.get(..at).unwrap_or(bytes));
        let mut inserted = bytes.to_vec();
        inserted.insert(at, interesting[(s >> 20) as usize % interesting.len()]);
        check_decode_call(ser, &inserted);
        let mut removed = bytes.to_vec();
        if at < removed.len() {
            removed.remove(at);
        }
        check_decode_call(ser, &removed);
    }
}

/// `bytes` with `flips` bytes overwritten at positions drawn from `seed` (an LCG): the call
/// oracle and the "mutated vectors never panic" property tests share it.
pub(crate) fn mutate(bytes: &[u8], seed: u64, flips: usize) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    let mut s = seed;
    for _ in 0..flips {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let at = (s >> 33) as usize % bytes.len().max(1);
        if let Some(b) = bytes.get_mut(at) {
            *b = (s >> 24) as u8;
        }
    }
    bytes
}
