//! Interop with the real Python serializers (Pyro5 5.17 / Pyro4 4.82 wrappers around serpent,
//! json, marshal and msgpack, from `.venv/`, see `scripts/test.sh`).
//!
//! For every serializer, generated values (frozensets, datetimes naive and aware, dates, times,
//! Decimals, UUIDs and msgpack timestamps where the format carries them) go both ways: we encode, the Python peer decodes our
//! bytes and re-encodes them, and we decode Python's bytes. We then assert
//! - Python's bytes decode to exactly the value the format should deliver (`Serializer::normalize`),
//! - Python's `repr()` of what it decoded equals our `Display` of that value (no sets: Python
//!   orders them by hash),
//! - for the deterministic formats (serpent, json, msgpack) Python's bytes equal our encoding of
//!   that same value.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use pyroxene_testkit::strategies::{self, contains_set};
use pyroxene_testkit::{PythonScript, python};
use pyroxene_wire::{Serializer, Value};

/// Values per serializer and library: 4 serializers x (1000 Pyro5 + 250 Pyro4) = 5000 in all.
const PYRO5_VALUES: usize = 1000;
const PYRO4_VALUES: usize = 250;

fn contains_bytes(v: &Value) -> bool {
    match v {
        Value::Bytes(_) | Value::Ext { .. } => true,
        Value::List(items) | Value::Tuple(items) => items.iter().any(contains_bytes),
        Value::Set(s) | Value::FrozenSet(s) => s.iter().any(contains_bytes),
        Value::Dict(d) => d
            .iter()
            .any(|(k, v)| contains_bytes(k) || contains_bytes(v)),
        _ => false,
    }
}

fn round_trip(lib: &str, ser: Serializer, count: usize) {
    let Some(py) = python() else { return };
    let mut peer = PythonScript::spawn(&py, "roundtrip.py", &[lib, ser.name()])
        .expect("start interop/roundtrip.py");
    let seed: [u8; 32] = {
        let mut s = [0u8; 32];
        let tag = format!("{lib}-{}", ser.name());
        for (i, b) in tag.bytes().enumerate() {
            s[i % 32] ^= b;
        }
        s
    };
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed),
    );
    let strategy = strategies::value(ser);
    let mut failures = Vec::new();
    let (mut byte_checks, mut repr_checks) = (0, 0);
    for i in 0..count {
        let value = strategy.new_tree(&mut runner).expect("generate").current();
        let ours = match ser.encode(&value) {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("#{i} we failed to encode {value}: {e}"));
                continue;
            }
        };
        peer.send(b'D', &ours).expect("send to python");
        let (tag, theirs) = peer.recv().expect("python answer");
        if tag == b'E' {
            failures.push(format!(
                "#{i} python failed on our bytes for {value}: {}",
                String::from_utf8_lossy(&theirs)
            ));
            continue;
        }
        let (_, python_repr) = peer.recv().expect("python repr");
        let expected = ser.normalize(&value);
        match ser.decode(&theirs) {
            Ok(decoded) if decoded == expected => {}
            Ok(decoded) => failures.push(format!(
                "#{i} value {value}: python's bytes decode to {decoded}, expected {expected}"
            )),
            Err(e) => failures.push(format!(
                "#{i} value {value}: can't decode python's bytes {:?}: {e}",
                String::from_utf8_lossy(&theirs)
            )),
        }
        if !contains_set(&value) {
            repr_checks += 1;
            let python_repr = String::from_utf8_lossy(&python_repr);
            if expected.to_string() != python_repr {
                failures.push(format!(
                    "#{i} repr: python {python_repr} vs ours {expected}"
                ));
            }
            let lossy_bytes = ser == Serializer::Serpent && contains_bytes(&value);
            // marshal and pickle output depends on CPython's object identities (refs, memo).
            let deterministic = !matches!(ser, Serializer::Marshal | Serializer::Pickle);
            if deterministic && !lossy_bytes {
                byte_checks += 1;
                // Python encodes what it decoded: compare with our encoding of the same value.
                let ours = ser.encode(&expected).unwrap_or_default();
                if theirs != ours {
                    failures.push(format!(
                        "#{i} bytes differ for {value}:\n  python {:?}\n  ours   {:?}",
                        String::from_utf8_lossy(&theirs),
                        String::from_utf8_lossy(&ours)
                    ));
                }
            }
        }
        if failures.len() >= 20 {
            break;
        }
    }
    assert!(
        failures.is_empty(),
        "{lib} {}: {} failures (first 20):\n{}",
        ser.name(),
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{lib} {}: {count} values round-tripped, {repr_checks} repr checks, {byte_checks} byte-exact checks",
        ser.name()
    );
}

#[test]
fn pyro5_serpent() {
    round_trip("pyro5", Serializer::Serpent, PYRO5_VALUES);
}

#[test]
fn pyro5_json() {
    round_trip("pyro5", Serializer::Json, PYRO5_VALUES);
}

#[test]
fn pyro5_marshal() {
    round_trip("pyro5", Serializer::Marshal, PYRO5_VALUES);
}

#[test]
fn pyro5_msgpack() {
    round_trip("pyro5", Serializer::Msgpack, PYRO5_VALUES);
}

#[test]
fn pyro4_serpent() {
    round_trip("pyro4", Serializer::Serpent, PYRO4_VALUES);
}

#[test]
fn pyro4_json() {
    round_trip("pyro4", Serializer::Json, PYRO4_VALUES);
}

#[test]
fn pyro4_marshal() {
    round_trip("pyro4", Serializer::Marshal, PYRO4_VALUES);
}

#[test]
fn pyro4_msgpack() {
    round_trip("pyro4", Serializer::Msgpack, PYRO4_VALUES);
}

#[test]
fn pyro4_pickle() {
    round_trip("pyro4", Serializer::Pickle, PYRO4_VALUES);
}
