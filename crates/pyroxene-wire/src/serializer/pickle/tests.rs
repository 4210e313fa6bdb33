//! pickle: hand-checked opcodes, sharing through the memo, refused globals, hostile input.
//! (Bytes from the real Python pickle are compared in `tests/pickle_interop.rs`.)

use super::{from_slice, to_vec};
use crate::{ErrorKind, Value, dict, list, set, tuple};

fn kind(bytes: &[u8]) -> ErrorKind {
    from_slice(bytes).expect_err("refused").kind()
}

#[test]
fn plain_values_round_trip() {
    let values = [
        Value::None,
        Value::Bool(true),
        Value::Int(-1),
        Value::Int(255),
        Value::Int(65_536),
        Value::Int(i64::MIN),
        Value::from_bigint(num_bigint::BigInt::from(1u8) << 300),
        Value::Float(-0.0),
        Value::Float(f64::NAN),
        Value::Complex { re: 1.5, im: -2.0 },
        Value::from("héllo"),
        Value::from("x".repeat(300)),
        Value::Bytes(vec![0u8; 300].into()),
        tuple![],
        tuple![1],
        tuple![1, 2, 3, 4],
        list![],
        list![1, list![2]],
        set![1, "a"],
        dict! { "a" => 1, tuple![1, 2] => list![3] },
        dict! { Value::Tuple(vec![set![1]]) => 1 },
    ];
    for v in values {
        let bytes = to_vec(&v).unwrap();
        assert_eq!(from_slice(&bytes).unwrap(), v, "{v}");
    }
}

#[test]
fn memo_shares_containers_filled_after_memoizing() {
    // a = [1, 2]; pickle.dumps([a, a], 2): the inner list is memoized empty, filled, fetched.
    let bytes = b"\x80\x02]q\x00(]q\x01(K\x01K\x02eh\x01e.";
    assert_eq!(from_slice(bytes).unwrap(), list![list![1, 2], list![1, 2]]);
}

#[test]
fn sets_and_bytes_of_protocol_2_and_exceptions() {
    // pickle.dumps({1}, 2), pickle.dumps(b'ab', 2), pickle.dumps(1+2j, 2)
    let set2 = b"\x80\x02c__builtin__\nset\nq\x00]q\x01K\x01a\x85q\x02Rq\x03.";
    assert_eq!(from_slice(set2).unwrap(), set![1]);
    let bytes2 = b"\x80\x02c_codecs\nencode\nq\x00X\x02\x00\x00\x00abq\x01X\x06\x00\x00\x00latin1q\x02\x86q\x03Rq\x04.";
    assert_eq!(
        from_slice(bytes2).unwrap(),
        Value::Bytes(b"ab".to_vec().into())
    );
    let err = crate::dialect::RemoteException::builtin("ValueError", "bad")
        .with_traceback(vec!["tb\n".into()]);
    let value = err.to_value(crate::ProtocolVersion::V4);
    let bytes = to_vec(&value).unwrap();
    assert!(bytes.starts_with(b"\x80\x04cbuiltins\nValueError\n"));
    assert_eq!(from_slice(&bytes).unwrap(), value);
}

#[test]
fn other_globals_are_refused_by_name() {
    let evil = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00idq\x00\x85R.";
    let e = from_slice(evil).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.message().contains("os.system"), "{e}");
    // A dict that names a class is written as a plain dict unless it is an allowed one.
    let fake = dict! { "__class__" => "os.system", "__exception__" => true, "args" => tuple!["id"], "attributes" => dict!{} };
    let bytes = to_vec(&fake).unwrap();
    assert!(
        !bytes.windows(4).any(|w| w == b"cos\n"),
        "no global written"
    );
    assert_eq!(from_slice(&bytes).unwrap(), fake);
}

#[test]
fn hostile_input_is_bounded() {
    assert_eq!(kind(b""), ErrorKind::Truncated);
    assert_eq!(kind(b"\x80\x04X\xff\xff\xff\xff"), ErrorKind::Truncated);
    assert_eq!(
        kind(b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\xff"),
        ErrorKind::Truncated
    );
    assert_eq!(kind(b"\x80\x04\x8b\xff\xff\xff\x7f"), ErrorKind::Truncated);
    assert_eq!(kind(b"\x80\x04\x8b\xff\xff\xff\xff"), ErrorKind::Syntax);
    assert_eq!(kind(b"a."), ErrorKind::Syntax);
    assert_eq!(kind(b"K\x01K\x02."), ErrorKind::Syntax);
    assert_eq!(kind(b"(."), ErrorKind::Syntax);
    assert_eq!(kind(b"h\x00."), ErrorKind::Syntax);
    assert_eq!(kind(b"I1\n."), ErrorKind::Unsupported);
    // A list containing itself.
    assert_eq!(kind(b"]q\x00h\x00a."), ErrorKind::Unsupported);
    // Deep nesting: marks, then tuples built from nested lists.
    assert_eq!(kind(&[b'('; 2000]), ErrorKind::TooDeep);
    let mut deep = vec![b']'; 2000];
    deep.extend(std::iter::repeat_n(b'a', 1999));
    deep.push(b'.');
    assert_eq!(kind(&deep), ErrorKind::TooDeep);
    // Billion laughs: each level is a list holding the previous one ten times (Python shares
    // them; a Value can't, so the copies hit the budget).
    let mut bomb = b"\x80\x04]\x94".to_vec();
    for level in 0..30u8 {
        bomb.push(b'0'); // POP the previous level: it lives on in the memo
        bomb.push(b']');
        bomb.push(b'(');
        for _ in 0..10 {
            bomb.extend_from_slice(&[b'h', level]);
        }
        bomb.extend_from_slice(b"e\x94");
    }
    bomb.push(b'.');
    assert_eq!(kind(&bomb), ErrorKind::TooLarge);
    // Unhashable keys, as Python refuses them.
    assert_eq!(kind(b"}](K\x01u."), ErrorKind::Syntax);
    assert_eq!(kind(b"}]K\x01s."), ErrorKind::Type);
}

#[test]
fn encoder_refuses_unhashable_keys_and_deep_values() {
    // A list inside a tuple used as a dict key: Python could not rebuild that dict.
    let bad = dict! { tuple![list![1]] => 1 };
    assert_eq!(to_vec(&bad).unwrap_err().kind(), ErrorKind::Type);
    let mut deep = Value::None;
    for _ in 0..1100 {
        deep = list![deep];
    }
    assert_eq!(to_vec(&deep).unwrap_err().kind(), ErrorKind::TooDeep);
}

/// A failed call in Pyro4 batch results: Python's pickle of
/// `Pyro4.futures._ExceptionWrapper(ValueError('in batch'))` (protocol 4, made with the venv's
/// Pyro4 4.82) decodes to the dialect's wrapper dict, and ours reads back the same.
#[test]
fn exception_wrapper_of_batch_results() {
    let python = "80049563000000000000008c0d5079726f342e66757475726573948c115f457863657074696f6e\
                  577261707065729493942981947d948c09657863657074696f6e948c086275696c74696e73948c\
                  0a56616c75654572726f729493948c08696e206261746368948594529473622e";
    let bytes: Vec<u8> = (0..python.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&python[i..i + 2], 16).unwrap())
        .collect();
    let want = dict! {
        "__class__" => "Pyro4.futures._ExceptionWrapper",
        "exception" => dict! {
            "__class__" => "builtins.ValueError",
            "__exception__" => true,
            "args" => tuple!["in batch"],
            "attributes" => Value::new_dict(),
        },
    };
    assert_eq!(from_slice(&bytes).unwrap(), want);
    assert_eq!(from_slice(&to_vec(&want).unwrap()).unwrap(), want);
}
