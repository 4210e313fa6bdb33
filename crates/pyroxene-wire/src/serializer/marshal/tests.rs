// Test code: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use num_bigint::BigInt;
use proptest::prelude::*;

use super::decode::from_slice_general;
use super::{from_slice, to_vec};
use crate::{ErrorKind, MAX_DEPTH, Value, dict, list, set, tuple};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn marshal_vectors() -> Vec<(String, serde_json::Value, Vec<u8>)> {
    crate::serializer::test_vectors::vectors("marshal")
}

/// CPython's bytes with FLAG_REF cleared and interned variants made plain: what our encoder
/// writes. `None` when the data holds a back-reference (then only decoding is comparable).
fn canonical(data: &[u8]) -> Option<Vec<u8>> {
    fn walk(d: &[u8], i: &mut usize, out: &mut Vec<u8>) -> Option<u8> {
        let t = *d.get(*i)? & 0x7f;
        *i += 1;
        out.push(match t {
            b'Z' => b'z',
            b'A' => b'a',
            b't' => b'u',
            _ => t,
        });
        let u32_at = |at: usize| Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?));
        let copy = |n: usize, i: &mut usize, out: &mut Vec<u8>| {
            out.extend_from_slice(d.get(*i..*i + n)?);
            *i += n;
            Some(())
        };
        match t {
            b'N' | b'T' | b'F' | b'0' => {}
            b'i' => copy(4, i, out)?,
            b'g' => copy(8, i, out)?,
            b'y' => copy(16, i, out)?,
            b'l' => {
                let n = u32_at(*i)? as i32;
                copy(4 + 2 * n.unsigned_abs() as usize, i, out)?;
            }
            b's' | b'u' | b'a' | b't' | b'A' => {
                let n = u32_at(*i)? as usize;
                copy(4 + n, i, out)?;
            }
            b'z' | b'Z' => {
                let n = usize::from(*d.get(*i)?);
                copy(1 + n, i, out)?;
            }
            b')' | b'(' | b'[' | b'<' | b'>' => {
                let n = if t == b')' {
                    copy(1, i, out)?;
                    usize::from(d[*i - 1])
                } else {
                    copy(4, i, out)?;
                    u32_at(*i - 4)? as usize
                };
                for _ in 0..n {
                    walk(d, i, out)?;
                }
            }
            b'{' => {
                while walk(d, i, out)? != b'0' {
                    walk(d, i, out)?;
                }
            }
            _ => return None, // 'r' and anything else
        }
        Some(t)
    }
    let mut out = Vec::new();
    let mut i = 0;
    walk(data, &mut i, &mut out)?;
    (i == data.len()).then_some(out)
}

#[test]
fn vectors_decode_like_python() {
    let plain = [
        "NoneType",
        "bool",
        "int",
        "float",
        "complex",
        "str",
        "bytes",
        "list",
        "tuple",
        "set",
        "frozenset",
        "dict",
    ];
    let (mut reprs, mut exact) = (0, 0);
    let vectors = marshal_vectors();
    assert!(
        vectors.len() >= 126,
        "only {} marshal vectors",
        vectors.len()
    );
    for (label, result, bytes) in &vectors {
        let decoded = from_slice(bytes).unwrap_or_else(|e| panic!("{label}: {e}"));
        let ty = result["loads_type"].as_str().unwrap_or("");
        let want = if let Some(call) = result["loadsCall_repr"].as_str() {
            Some(call.to_owned())
        } else if plain.iter().any(|p| ty == format!("builtins.{p}")) {
            Some(result["loads_repr"].as_str().unwrap().to_owned())
        } else {
            None
        };
        if let Some(want) = want {
            reprs += 1;
            assert_eq!(decoded.to_string(), want, "{label}");
        }
        let ours = to_vec(&decoded).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(from_slice(&ours).unwrap(), decoded, "{label}");
        // Byte for byte, once CPython's reference flags are taken out.
        if let Some(canon) = canonical(bytes) {
            exact += 1;
            assert_eq!(ours, canon, "{label}");
        }
    }
    assert!(
        reprs >= 90 && exact >= 90,
        "{reprs} repr checks, {exact} exact"
    );
}

#[test]
fn every_prefix_of_every_vector_is_an_error() {
    for (label, _, bytes) in marshal_vectors() {
        for end in 0..bytes.len() {
            assert!(from_slice(&bytes[..end]).is_err(), "{label}[..{end}]");
        }
    }
}

#[test]
fn encodes_like_cpython() {
    // marshal.dumps(...) of CPython 3.11, FLAG_REF and interning stripped.
    let cases: Vec<(Value, &str)> = vec![
        (Value::None, "4e"),
        (true.into(), "54"),
        (false.into(), "46"),
        (0.into(), "6900000000"),
        (42.into(), "692a000000"),
        ((-1).into(), "69ffffffff"),
        (i32::MAX.into(), "69ffffff7f"),
        (i32::MIN.into(), "6900000080"),
        ((1i64 << 31).into(), "6c03000000000000000200"),
        ((-(1i64 << 31) - 1).into(), "6cfdffffff010000000200"),
        (i64::MAX.into(), "6c05000000ff7fff7fff7fff7f0700"),
        (i64::MIN.into(), "6cfbffffff00000000000000000800"),
        (
            Value::from_bigint(BigInt::from(1u128 << 64)),
            "6c0500000000000000000000001000",
        ),
        (
            Value::from_bigint(-BigInt::from(2).pow(100)),
            "6cf9ffffff0000000000000000000000000004",
        ),
        (
            Value::from_bigint(BigInt::from(3).pow(200)),
            "6c16000000a130f1557a7cd75f2562f514b93d7b7683360d6c1179cb1ed77f6568bc1dbd491a423d0dc17ae131587d0300",
        ),
        (2.75.into(), "670000000000000640"),
        ((-0.0).into(), "670000000000000080"),
        (f64::INFINITY.into(), "67000000000000f07f"),
        (f64::NAN.into(), "67000000000000f87f"),
        (
            Value::Complex { re: 1.0, im: 2.0 },
            "79000000000000f03f0000000000000040",
        ),
        (
            Value::Complex { re: -0.0, im: -1.5 },
            "790000000000000080000000000000f8bf",
        ),
        (
            Value::Bytes(b"\x00\x01binary\xff".to_vec().into()),
            "7309000000000162696e617279ff",
        ),
        (Value::Bytes(vec![].into()), "7300000000"),
        ("".into(), "7a00"),
        ("hello".into(), "7a0568656c6c6f"),
        (
            "unicode é€☃ 😀".into(),
            "7515000000756e69636f646520c3a9e282ace2988320f09f9880",
        ),
        (tuple![], "2900"),
        (tuple![7], "29016907000000"),
        (
            list![1, list![2, list![3.5]]],
            "5b0200000069010000005b0200000069020000005b01000000670000000000000c40",
        ),
        (list![], "5b00000000"),
        (set![5, 6], "3c0200000069050000006906000000"),
        (
            dict! { "a" => 1, "b" => list![2] },
            "7b7a016169010000007a01625b01000000690200000030",
        ),
        (
            dict! { 9 => "nine", tuple![1, "x"] => Value::None, 2.5 => Value::Bytes(b"z".to_vec().into()) },
            "7b69090000007a046e696e65290269010000007a01784e67000000000000044073010000007a30",
        ),
    ];
    for (value, want) in cases {
        assert_eq!(to_vec(&value).unwrap(), hex(want), "{value}");
        assert_eq!(from_slice(&hex(want)).unwrap(), value);
    }
    // Length boundaries: short ASCII / small tuple up to 255, then the u32 forms.
    let s255 = to_vec(&"x".repeat(255).into()).unwrap();
    assert_eq!(&s255[..2], b"z\xff");
    let s256 = to_vec(&"y".repeat(256).into()).unwrap();
    assert_eq!(&s256[..5], b"a\x00\x01\x00\x00");
    let t = |n: i64| Value::Tuple((1000..1000 + n).map(Value::Int).collect());
    assert_eq!(&to_vec(&t(255)).unwrap()[..7], hex("29ff69e8030000"));
    assert_eq!(&to_vec(&t(256)).unwrap()[..10], hex("280001000069e8030000"));
}

#[test]
fn references_number_like_cpython() {
    // CPython 3.11 output for shared objects (see the test's history for the Python source).
    let cases = [
        (
            "db04000000db03000000fa0a736861726564207374727202000000ec0500000000000000000000000004\
             7201000000290172010000007202000000",
            "[['shared str', 'shared str', 1180591620717411303424], ['shared str', 'shared str', \
             1180591620717411303424], (['shared str', 'shared str', 1180591620717411303424],), \
             'shared str']",
        ),
        (
            "fbfa0a73686172656420737472db0300000072010000007201000000ec05000000000000000000000000\
             04da016ba9027202000000e7000000000000f83fda026b327205000000da026673be0100000072010000\
             00da036673327209000000da03626967720300000030",
            "{'shared str': ['shared str', 'shared str', 1180591620717411303424], 'k': (['shared \
             str', 'shared str', 1180591620717411303424], 1.5), 'k2': (['shared str', 'shared \
             str', 1180591620717411303424], 1.5), 'fs': frozenset({'shared str'}), 'fs2': \
             frozenset({'shared str'}), \
             'big': 1180591620717411303424}",
        ),
        (
            "a904a902db03000000fa0a736861726564207374727203000000ec0500000000000000000000000004e7\
             000000000000f83f72010000005b02000000720100000072020000003c02000000a90272030000007204\
             000000be010000007203000000",
            "((['shared str', 'shared str', 1180591620717411303424], 1.5), (['shared str', \
             'shared str', 1180591620717411303424], 1.5), [(['shared str', 'shared str', \
             1180591620717411303424], 1.5), ['shared str', 'shared str', \
             1180591620717411303424]], {('shared str', 1180591620717411303424), frozenset({'shared \
             str'})})",
        ),
        // Interned and old forms: t, A, Z, I, f, x; a/z bytes >= 0x80 are Latin-1.
        (
            "2906740100000061410100000062da01634900000000000100006603312e357803696e6604\
             2d326532",
            "('a', 'b', 'c', 1099511627776, 1.5, (inf-200j))",
        ),
        ("29026101000000e97a01ff", "('é', 'ÿ')"),
        // A key followed by NULL ends a dict, as in CPython; trailing bytes are ignored.
        ("7b4e4e4e30ffff", "{None: None}"),
        // Surrogates (surrogatepass) become U+FFFD.
        ("7506000000eda0bdedb880", "'\u{FFFD}\u{FFFD}'"),
    ];
    for (data, want) in cases {
        let v = from_slice(&hex(data)).unwrap_or_else(|e| panic!("{data}: {e}"));
        assert_eq!(v.to_string(), want);
    }
}

#[test]
fn bad_input_is_an_error() {
    let bad = [
        ("", ErrorKind::Truncated),
        ("30", ErrorKind::Type),            // NULL at top level
        ("5b0100000030", ErrorKind::Type),  // NULL in a list
        ("7b4e4e4e", ErrorKind::Truncated), // dict without end
        ("00", ErrorKind::Syntax),          // unknown type code
        ("3f", ErrorKind::Syntax),
        ("53", ErrorKind::Unsupported),              // StopIteration
        ("2e", ErrorKind::Unsupported),              // Ellipsis
        ("63000000", ErrorKind::Unsupported),        // code object
        ("7200000000", ErrorKind::Syntax),           // reference with an empty table
        ("29 02 ce 72 00000000", ErrorKind::Syntax), // a flagged None takes no slot
        ("29 02 e9 05000000 72 01000000", ErrorKind::Syntax),
        ("29 02 e9 05000000 72 ffffffff", ErrorKind::Syntax),
        ("db 01000000 72 00000000", ErrorKind::Unsupported), // list containing itself
        ("be 01000000 72 00000000", ErrorKind::Unsupported), // frozenset containing itself
        ("6c 01000000 0000", ErrorKind::Syntax),             // unnormalized long
        ("6c 02000000 0100 0000", ErrorKind::Syntax),
        ("6c 01000000 0080", ErrorKind::Syntax), // digit out of range
        ("6c 00000080", ErrorKind::TooLarge),
        ("75 01000000 ff", ErrorKind::Value), // invalid UTF-8
        ("75 02000000 c328", ErrorKind::Value),
        ("66 04 312e3565", ErrorKind::Value), // float text "1.5e"
        ("66 05 20312e3520", ErrorKind::Value),
        ("73 ffffffff", ErrorKind::Syntax), // negative sizes
        ("5b ffffffff", ErrorKind::Syntax),
        ("28 ffffffff", ErrorKind::Syntax),
        ("3c ffffffff", ErrorKind::Syntax),
        ("61 ffffffff", ErrorKind::Syntax),
        ("73 ffffff7f", ErrorKind::TooLarge), // sizes beyond the input
        ("5b ffffff7f", ErrorKind::TooLarge),
        ("28 ffffff7f", ErrorKind::TooLarge),
        ("3e ffffff7f", ErrorKind::TooLarge),
        ("75 ffffff7f", ErrorKind::TooLarge),
        ("7a ff 41", ErrorKind::TooLarge),
        ("29 ff 4e", ErrorKind::Truncated),
        ("67 0000f03f", ErrorKind::Truncated),
    ];
    for (data, kind) in bad {
        let err = from_slice(&hex(&data.replace(' ', ""))).unwrap_err();
        assert_eq!(err.kind(), kind, "{data}: {err}");
    }
    assert_eq!(
        from_slice(b"\x00").unwrap_err().message(),
        "bad marshal data (unknown type code)"
    );
}

/// Runs `f` on a thread with a 2 MiB stack (the default of spawned threads).
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no stack overflow");
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    on_small_stack(|| {
        let nest = |open: &[u8], levels: usize, close: &[u8]| {
            let mut d = open.repeat(levels);
            d.push(b'N');
            d.extend(close.repeat(levels));
            d
        };
        let forms: [(&[u8], &[u8]); 4] = [
            (b"[\x01\x00\x00\x00", b""),
            (b")\x01", b""),
            (b"{N", b"0"),
            (b"\xdb\x01\x00\x00\x00", b""), // flagged lists take reference slots
        ];
        for (open, close) in forms {
            let deep = nest(open, 2000, close);
            assert_eq!(from_slice(&deep).unwrap_err().kind(), ErrorKind::TooDeep);
            let ok = nest(open, MAX_DEPTH, close);
            let v = from_slice(&ok).unwrap();
            let again = to_vec(&v).unwrap();
            assert_eq!(from_slice(&again).unwrap(), v);
            let over = nest(open, MAX_DEPTH + 1, close);
            assert_eq!(from_slice(&over).unwrap_err().kind(), ErrorKind::TooDeep);
        }
        let mut v = Value::None;
        for _ in 0..2000 {
            v = Value::Tuple(vec![v]);
        }
        assert_eq!(to_vec(&v).unwrap_err().kind(), ErrorKind::TooDeep);
        // References nest too: each level refers to the previous one.
        let mut chain = b"[\xe8\x03\x00\x00".to_vec(); // 1000 items
        chain.extend_from_slice(b"\xdb\x01\x00\x00\x00N"); // slot 0: [None]
        for i in 0u32..999 {
            chain.extend_from_slice(b"\xdb\x01\x00\x00\x00r");
            chain.extend_from_slice(&i.to_le_bytes());
        }
        let err = from_slice(&chain).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooDeep, "{err}");
    });
}

fn assert_fast_error(data: &[u8], kind: ErrorKind) {
    let start = Instant::now();
    let err = from_slice(data).unwrap_err();
    assert_eq!(err.kind(), kind, "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn reference_bombs_are_stopped() {
    // Billion laughs: each level is a flagged list of 10 references to the previous level.
    let mut bomb = b"[\x0d\x00\x00\x00".to_vec();
    bomb.extend_from_slice(b"\xdb\x0a\x00\x00\x00");
    bomb.extend(b"N".repeat(10));
    for level in 0u32..12 {
        bomb.extend_from_slice(b"\xdb\x0a\x00\x00\x00");
        for _ in 0..10 {
            bomb.push(b'r');
            bomb.extend_from_slice(&level.to_le_bytes());
        }
    }
    assert_fast_error(&bomb, ErrorKind::TooLarge);
    // One big bytes value referenced many times.
    let mut bytes_bomb = b"[\xe8\x03\x00\x00\xf3\x00\x00\x10\x00".to_vec();
    bytes_bomb.extend(vec![0u8; 1 << 20]);
    for _ in 0..999 {
        bytes_bomb.extend_from_slice(b"r\x00\x00\x00\x00");
    }
    assert_fast_error(&bytes_bomb, ErrorKind::TooLarge);
    // Ordinary sharing stays well inside the budget: 100,000 references to a 100-byte str.
    let mut shared = b"[\xa0\x86\x01\x00\xfa\x64".to_vec();
    shared.extend(b"s".repeat(100));
    for _ in 1..100_000 {
        shared.extend_from_slice(b"r\x00\x00\x00\x00");
    }
    let v = from_slice(&shared).unwrap();
    assert_eq!(v.as_seq().map(<[Value]>::len), Some(100_000));
}

/// Issue 16, finding 3: a 16 MiB INVOKE naming one big string 64 times was expanded into 64
/// copies (3.1 GB). Copies are now allowed up to a few times the input; big bytes referenced
/// many times are shared views and cost nothing.
#[test]
fn marshal_refs_to_a_big_string_are_charged_and_bytes_shared() {
    let big = 4usize << 20;
    // A list of 65: a flagged str of 4 MiB, then 64 references to it.
    let mut str_refs = b"[\x41\x00\x00\x00\xf5".to_vec();
    str_refs.extend_from_slice(&(big as u32).to_le_bytes());
    str_refs.extend(vec![b'x'; big]);
    for _ in 0..64 {
        str_refs.extend_from_slice(b"r\x00\x00\x00\x00");
    }
    let err = from_slice(&str_refs).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge, "{err}");
    // Four copies of a 4 MiB string stay within the allowance.
    let mut few = b"[\x05\x00\x00\x00\xf5".to_vec();
    few.extend_from_slice(&(big as u32).to_le_bytes());
    few.extend(vec![b'x'; big]);
    for _ in 0..4 {
        few.extend_from_slice(b"r\x00\x00\x00\x00");
    }
    assert_eq!(
        from_slice(&few).unwrap().as_seq().map(<[Value]>::len),
        Some(5)
    );
    // 1 MiB of bytes named 999 times: views of the input when decoded from `Bytes`.
    let mut bytes_refs = b"[\xe8\x03\x00\x00\xf3\x00\x00\x10\x00".to_vec();
    bytes_refs.extend(vec![7u8; 1 << 20]);
    for _ in 0..999 {
        bytes_refs.extend_from_slice(b"r\x00\x00\x00\x00");
    }
    let owner = bytes::Bytes::from(bytes_refs);
    let v = super::from_bytes(&owner).unwrap();
    let items = v.as_seq().unwrap();
    assert_eq!(items.len(), 1000);
    let Value::Bytes(last) = &items[999] else {
        panic!("not bytes: {:?}", &items[999]);
    };
    assert_eq!(
        last.as_ptr(),
        owner[10..].as_ptr(),
        "a view of the input, not a copy"
    );
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(-0.0),
        1 => Just(5e-324),
    ]
}

fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        (-70_000i64..70_000).prop_map(Value::Int),
        (any::<i128>(), 1u32..6).prop_map(|(i, p)| Value::from_bigint(BigInt::from(i).pow(p))),
        float().prop_map(Value::Float),
        (float(), float()).prop_map(|(re, im)| Value::Complex { re, im }),
        ".{0,10}".prop_map(Value::Str),
        "[a-z]{250,260}".prop_map(Value::Str),
        proptest::collection::vec(any::<u8>(), 0..20).prop_map(|b| Value::Bytes(b.into())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::List),
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Tuple),
            proptest::collection::vec(inner.clone(), 0..8)
                .prop_map(|v| Value::Set(Box::new(v.into_iter().map(hashable).collect()))),
            proptest::collection::vec((inner.clone(), inner), 0..8).prop_map(|p| Value::Dict(
                Box::new(p.into_iter().map(|(k, v)| (hashable(k), v)).collect())
            )),
        ]
    })
}

/// Python (and so our decoders) refuse lists, dicts and sets as keys: make them tuples/strs.
fn hashable(v: Value) -> Value {
    match v {
        Value::List(items) | Value::Tuple(items) => {
            Value::Tuple(items.into_iter().map(hashable).collect())
        }
        Value::Set(_) | Value::Dict(_) => Value::Str(v.to_string()),
        other => other,
    }
}

/// Marshal bytes the way CPython writes shared objects: FLAG_REF on every object that can take
/// a reference slot (a container takes it before its items), and an `r` for every later object
/// equal to an earlier complete one.
fn encode_with_refs(v: &Value) -> Vec<u8> {
    fn write(out: &mut Vec<u8>, seen: &mut Vec<(Value, u32)>, next: &mut u32, v: &Value) {
        if matches!(v, Value::None | Value::Bool(_)) {
            out.extend(to_vec(v).unwrap());
            return;
        }
        if let Some((_, i)) = seen.iter().find(|(s, _)| s == v) {
            out.push(b'r');
            out.extend(i.to_le_bytes());
            return;
        }
        let idx = *next;
        *next += 1;
        let n = |len: usize| (len as u32).to_le_bytes();
        match v {
            Value::List(items) | Value::Tuple(items) => {
                if let (Value::Tuple(_), true) = (v, items.len() < 256) {
                    out.extend([b')' | 0x80, items.len() as u8]);
                } else {
                    out.push(if let Value::List(_) = v { b'[' } else { b'(' } | 0x80);
                    out.extend(n(items.len()));
                }
                for item in items {
                    write(out, seen, next, item);
                }
            }
            Value::Set(items) => {
                out.push(b'<' | 0x80);
                out.extend(n(items.len()));
                for item in items.iter() {
                    write(out, seen, next, item);
                }
            }
            Value::Dict(d) => {
                out.push(b'{' | 0x80);
                for (k, v) in d.iter() {
                    write(out, seen, next, k);
                    write(out, seen, next, v);
                }
                out.push(b'0');
            }
            scalar => {
                let mut b = to_vec(scalar).unwrap();
                b[0] |= 0x80;
                out.extend(b);
            }
        }
        seen.push((v.clone(), idx));
    }
    let mut out = Vec::new();
    write(&mut out, &mut Vec::new(), &mut 0, v);
    out
}

#[test]
fn fast_lane_and_general_path_agree() {
    let mut inputs: Vec<Vec<u8>> = marshal_vectors().into_iter().map(|(_, _, b)| b).collect();
    let shared = list![
        "k",
        dict! { "k" => 1, "j" => list!["k", 1, 2.5] },
        list!["k", 1, 2.5],
        tuple![
            set!["k", 1],
            set!["k", 1],
            Value::Bytes(vec![1].into()),
            Value::Bytes(vec![1].into())
        ],
        dict! { "j" => list!["k", 1, 2.5], "k" => "k" },
    ];
    inputs.push(encode_with_refs(&shared));
    assert_eq!(from_slice(inputs.last().unwrap()).unwrap(), shared);
    for bytes in &inputs {
        let fast = from_slice(bytes);
        let general = from_slice_general(bytes);
        assert_eq!(fast, general);
        for end in 0..bytes.len() {
            assert_eq!(from_slice(&bytes[..end]), from_slice_general(&bytes[..end]));
        }
    }
}

proptest! {
    #[test]
    fn decodes_cpython_style_references(v in any_value()) {
        let bytes = encode_with_refs(&v);
        prop_assert_eq!(&from_slice(&bytes).unwrap(), &v);
        prop_assert_eq!(&from_slice_general(&bytes).unwrap(), &v);
    }

    #[test]
    fn round_trips(v in any_value()) {
        let bytes = to_vec(&v).unwrap();
        let back = from_slice(&bytes).unwrap();
        prop_assert_eq!(&back, &v);
        prop_assert_eq!(back.to_string(), v.to_string());
        prop_assert_eq!(to_vec(&back).unwrap(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = from_slice(&bytes);
    }

    #[test]
    fn mutated_vectors_never_panic(seed in any::<u64>(), flips in 1usize..4) {
        static VECTORS: std::sync::OnceLock<Vec<(String, serde_json::Value, Vec<u8>)>> =
            std::sync::OnceLock::new();
        let vectors = VECTORS.get_or_init(marshal_vectors);
        let (_, _, bytes) = &vectors[(seed as usize) % vectors.len()];
        let _ = from_slice(&crate::serializer::test_vectors::mutate(bytes, seed, flips));
    }
}
