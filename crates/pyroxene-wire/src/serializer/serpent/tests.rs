use num_bigint::BigInt;

use super::vectors::{BYTES_REPR, CALLS, PYRO4_VALUES, PYRO5_VALUES};
use super::{Options, from_slice, to_vec, to_vec_with};
use crate::{Dict, ErrorKind, MAX_DEPTH, Set, Value, dict, list, set, tuple};

const HEADER: &str = "# serpent utf-8 python3.2\n";

fn decode(text: &str) -> Value {
    match from_slice(text.as_bytes()) {
        Ok(v) => v,
        Err(e) => panic!("{text:?} did not decode: {e}"),
    }
}

fn encode(v: &Value) -> String {
    match to_vec(v) {
        Ok(bytes) => String::from_utf8(bytes).expect("utf-8"),
        Err(e) => panic!("{v} did not encode: {e}"),
    }
}

fn body(v: &Value) -> String {
    encode(v)[HEADER.len()..].to_owned()
}

fn err_kind(text: &str) -> ErrorKind {
    match from_slice(text.as_bytes()) {
        Ok(v) => panic!("{text:?} decoded to {v}, expected an error"),
        Err(e) => {
            assert!(e.offset().is_some(), "{text:?}: error without offset: {e}");
            e.kind()
        }
    }
}

fn big(text: &str) -> Value {
    Value::from_bigint(text.parse::<BigInt>().expect("bigint"))
}

fn all_vectors() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    PYRO5_VALUES.iter().chain(PYRO4_VALUES).chain(CALLS)
}

#[test]
fn vectors_round_trip_byte_identical() {
    let mut checked = 0;
    for (name, text) in all_vectors() {
        let value = decode(text);
        if name.starts_with("byte") {
            // Decoded bytes are serpent's base64 dict; a dict re-encodes without the spaces
            // of Python's dict repr, so encode the bytes themselves instead.
            let raw = value.to_bytes().expect("base64 dict").into_owned();
            assert_eq!(encode(&Value::Bytes(raw.into())), *text, "{name}");
        } else {
            assert_eq!(encode(&value), *text, "{name}");
        }
        checked += 1;
    }
    for (name, text) in BYTES_REPR {
        let value = decode(text);
        let options = Options { bytes_repr: true };
        let bytes = to_vec_with(&value, &options).expect("encode");
        assert_eq!(bytes, text.as_bytes(), "{name}");
        checked += 1;
    }
    assert_eq!(checked, 66 + 8 + 10 + 4);
}

#[test]
fn vectors_decode_to_expected_values() {
    let by_name = |name: &str| {
        let (_, text) = PYRO5_VALUES
            .iter()
            .find(|(n, _)| *n == name)
            .expect("vector");
        decode(text)
    };
    let cases: Vec<(&str, Value)> = vec![
        ("none", Value::None),
        ("false", Value::Bool(false)),
        ("int_negative", Value::Int(-1)),
        ("int_i64_max", Value::Int(i64::MAX)),
        ("int_2pow64", big("18446744073709551616")),
        ("int_big_negative", big("-1267650600228229401496703205376")),
        ("float_negzero", Value::Float(-0.0)),
        ("float_small", Value::Float(5e-324)),
        ("float_inf", Value::Float(f64::INFINITY)),
        ("float_neginf", Value::Float(f64::NEG_INFINITY)),
        ("float_nan", Value::Float(f64::NAN)),
        ("str_both_quotes", "it's \"quoted\"".into()),
        ("str_unicode", "unicode é€☃ 😀".into()),
        ("str_control_chars", "ctrl \0\x01\t\n\r\\ end".into()),
        (
            "str_nonprintable_unicode",
            "zero\u{200b}width \u{2028} \u{feff}".into(),
        ),
        (
            "bytes",
            dict! { "data" => "AAECYmluYXJ5/w==", "encoding" => "base64" },
        ),
        ("tuple_empty", tuple![]),
        ("tuple_single", tuple![1]),
        ("tuple", tuple![1, "a", Value::None]),
        ("list_nested", list![1, list![2, list![3]]]),
        ("set_empty", tuple![]),
        ("set_ints", set![1, 2, 3]),
        ("dict_empty", Value::new_dict()),
        ("dict_tuple_key", dict! { tuple![1, 2] => "tuple key" }),
        ("complex", Value::Complex { re: 1.0, im: 2.0 }),
        ("complex_negimag", Value::Complex { re: 0.0, im: -1.5 }),
        ("timedelta", Value::Float(86402.5)),
    ];
    for (name, want) in cases {
        let got = by_name(name);
        assert_eq!(got, want, "{name}");
        assert_eq!(got.type_name(), want.type_name(), "{name}");
    }
    // -0.0 == 0.0 for Value, so check the sign separately.
    assert!(matches!(by_name("float_negzero"), Value::Float(f) if f.is_sign_negative()));
    let bytes = BYTES_REPR
        .iter()
        .find(|(n, _)| *n == "bytes")
        .expect("vector");
    assert_eq!(
        decode(bytes.1),
        Value::Bytes(b"\x00\x01\x02binary\xff'\"".to_vec().into())
    );
}

#[test]
fn encodes_like_python() {
    let cases: Vec<(Value, &str)> = vec![
        (Value::Bool(true), "True"),
        (Value::Int(i64::MIN), "-9223372036854775808"),
        (Value::Float(1e16), "1e+16"),
        (Value::Float(-1.5e-7), "-1.5e-07"),
        (Value::Complex { re: 1.0, im: -0.0 }, "(1.0-0.0j)"),
        (Value::Complex { re: -0.0, im: 0.0 }, "(-0.0+0.0j)"),
        (
            Value::Complex {
                re: f64::INFINITY,
                im: f64::NEG_INFINITY,
            },
            "(1e30000-1e30000j)",
        ),
        (
            Value::Complex {
                re: f64::NAN,
                im: 1.0,
            },
            "{'__class__':'complex','real':{'__class__':'float','value':'nan'},'imag':1.0}",
        ),
        (
            Value::Complex {
                re: 1.0,
                im: f64::NAN,
            },
            "{'__class__':'complex','real':1.0,'imag':{'__class__':'float','value':'nan'}}",
        ),
        (
            Value::Bytes(b"\x00ab".to_vec().into()),
            "{'data': 'AGFi', 'encoding': 'base64'}",
        ),
        (Value::new_set(), "()"),
        (set![1], "{1}"),
        (tuple![tuple![]], "((),)"),
        (list![list![], Value::new_dict()], "[[],{}]"),
        (
            dict! { 1.5 => 2, Value::Complex { re: 0.0, im: 2.0 } => 3, true => 1 },
            "{1.5:2,(0.0+2.0j):3,True:1}",
        ),
        ("it's".into(), "\"it's\""),
    ];
    for (value, want) in cases {
        assert_eq!(body(&value), want, "{value}");
    }
}

#[test]
fn refuses_what_python_refuses() {
    let mut d = Dict::default();
    d.insert(Value::None, 1.into());
    let err = to_vec(&Value::Dict(Box::new(d))).expect_err("None key");
    assert_eq!(err.kind(), ErrorKind::Type);
    assert!(err.message().contains("<class 'NoneType'>"), "{err}");
    let mut s = Set::default();
    s.insert(list![1]);
    let err = to_vec(&Value::Set(Box::new(s))).expect_err("list in set");
    assert!(err.message().contains("<class 'list'>"), "{err}");
    let mut d = Dict::default();
    d.insert(set![1], 1.into());
    let err = to_vec(&Value::Dict(Box::new(d))).expect_err("set key");
    assert!(err.message().contains("<class 'frozenset'>"), "{err}");

    let limit = BigInt::from(10).pow(4300); // 4301 digits
    assert_eq!(
        to_vec(&Value::from_bigint(limit.clone())).map_err(|e| e.kind()),
        Err(ErrorKind::Value)
    );
    let ok: BigInt = limit - 1; // 4300 nines
    assert_eq!(body(&Value::from_bigint(-ok.clone())).len(), 4301);
    assert_eq!(decode(&format!("-{ok}")), Value::from_bigint(-ok));
    let huge = BigInt::from(1) << 100_000u32;
    assert!(to_vec(&Value::from_bigint(huge)).is_err());
}

#[test]
fn decodes_python_literal_grammar() {
    let c = |re: f64, im: f64| Value::Complex { re, im };
    let cases: Vec<(&str, Value)> = vec![
        // whitespace, comments, other headers
        (
            "# serpent utf-8 python2.6\n  [ 1 ,\t2 , ]  # trailing\n",
            list![1, 2],
        ),
        ("\x0c(\n1\r\n,\r)", tuple![1]),
        ("[1,\\\n2]", list![1, 2]),
        ("((1))", Value::Int(1)),
        ("((1,2))", tuple![1, 2]),
        ("{1:2,}", dict! { 1 => 2 }),
        ("{1,}", set![1]),
        ("{'a':1,'a':2,'b':3}", dict! { "a" => 2, "b" => 3 }),
        ("set( )", Value::new_set()),
        // ints
        ("-9223372036854775808", Value::Int(i64::MIN)),
        ("9223372036854775808", big("9223372036854775808")),
        (
            "-170141183460469231731687303715884105728",
            big("-170141183460469231731687303715884105728"),
        ),
        ("- 5", Value::Int(-5)),
        ("+5", Value::Int(5)),
        ("1_000_000", Value::Int(1_000_000)),
        ("000", Value::Int(0)),
        ("0x_1F", Value::Int(31)),
        ("-0o17", Value::Int(-15)),
        ("0b101", Value::Int(5)),
        (
            "0xffffffffffffffffffffffffffffffffff",
            big("87112285931760246646623899502532662132735"),
        ),
        // floats
        ("1.5e3", Value::Float(1500.0)),
        ("1.", Value::Float(1.0)),
        (".5", Value::Float(0.5)),
        ("1.e2", Value::Float(100.0)),
        ("007.5", Value::Float(7.5)),
        ("1_0.0_1", Value::Float(10.01)),
        ("-1e30000", Value::Float(f64::NEG_INFINITY)),
        ("1e-30000", Value::Float(0.0)),
        ("1e99999999999999999999999", Value::Float(f64::INFINITY)),
        ("0.", Value::Float(0.0)),
        // a tuple without parentheses, as Python allows at the top level
        ("1, 'a',", tuple![1, "a"]),
        ("# serpent utf-8 python3.2\n1 ,2", tuple![1, 2]),
        (
            "{'__class__':'float','value':'nan'}",
            Value::Float(f64::NAN),
        ),
        (
            "{'value':'-inf','__class__':'float'}",
            Value::Float(f64::NEG_INFINITY),
        ),
        // complex, with Python 3.11's signs of zero
        ("(1.0+2.0j)", c(1.0, 2.0)),
        ("3j", c(0.0, 3.0)),
        ("-1.5j", c(-0.0, -1.5)),
        ("+1.5J", c(0.0, 1.5)),
        ("007j", c(0.0, 7.0)),
        ("(1 - 2j)", c(1.0, -2.0)),
        ("-1-1e30000j", c(-1.0, f64::NEG_INFINITY)),
        ("(1e30000+1e30000j)", c(f64::INFINITY, f64::INFINITY)),
        // strings
        ("\"it's\"", "it's".into()),
        ("'a' \"b\"\n'''c'''", "abc".into()),
        ("'''x'y\"z\n'''", "x'y\"z\n".into()),
        ("'''a\r\nb\rc'''", "a\nb\nc".into()),
        (
            r#"'\\ \' \" \a \b \f \n \r \t \v \x41 \u00e9 \U0001F600 \101 \0 \777'"#,
            "\\ ' \" \x07 \x08 \x0c \n \r \t \x0b A é 😀 A \0 \u{1ff}".into(),
        ),
        (r"'\q'", "\\q".into()),
        ("'a\\\nb'", "ab".into()),
        (r"r'\n\''", "\\n\\'".into()),
        (r"u'x'", "x".into()),
        (r"R'\x'", "\\x".into()),
        ("'é\\n'", "é\n".into()),
        // bytes
        (
            r"b'\x00\xff\'\777\u1234\N'",
            Value::Bytes(b"\x00\xff'\xff\\u1234\\N".to_vec().into()),
        ),
        (r"Rb'\x00'", Value::Bytes(b"\\x00".to_vec().into())),
        ("b'a' b\"b\"", Value::Bytes(b"ab".to_vec().into())),
        ("b''", Value::Bytes(Vec::new().into())),
    ];
    for (text, want) in cases {
        let got = decode(text);
        assert_eq!(got, want, "{text:?}");
        assert_eq!(got.type_name(), want.type_name(), "{text:?}");
        if let (Value::Complex { re: a, im: b }, Value::Complex { re: x, im: y }) = (&got, &want) {
            assert_eq!(
                a.is_sign_negative(),
                x.is_sign_negative(),
                "{text:?} real sign"
            );
            assert_eq!(
                b.is_sign_negative(),
                y.is_sign_negative(),
                "{text:?} imag sign"
            );
        }
    }
    // The signs of zero Python 3.11 gives complex sums.
    for (text, re_neg, im_neg) in [
        ("(-0.0+0.0j)", false, false),
        ("(-0.0-0.0j)", true, false),
        ("(1.0-0.0j)", false, false),
        ("-0.0j", true, true),
    ] {
        let Value::Complex { re, im } = decode(text) else {
            panic!("{text} is not complex");
        };
        assert_eq!(
            (re.is_sign_negative(), im.is_sign_negative()),
            (re_neg, im_neg),
            "{text}"
        );
    }
}

#[test]
fn malformed_input_is_an_error_with_an_offset() {
    use ErrorKind::*;
    let cases: &[(&str, ErrorKind)] = &[
        ("", Truncated),
        ("# serpent utf-8 python3.2\n", Truncated),
        ("[1,2", Truncated),
        ("{'a':", Truncated),
        ("'abc", Truncated),
        ("'''abc''", Truncated),
        ("'\\x4", Truncated),
        ("(1.0+", Truncated),
        ("1e", Truncated),
        ("0x", Truncated),
        ("-", Truncated),
        ("set(", Truncated),
        ("1 2", Syntax),
        ("1,,", Syntax),
        (",", Syntax),
        ("1, 2]", Syntax),
        ("[1,,2]", Syntax),
        ("[,]", Syntax),
        ("(,)", Syntax),
        ("{,}", Syntax),
        ("{1:2,,}", Syntax),
        ("{1:2:3}", Syntax),
        ("{1,2:3}", Syntax),
        ("[1)", Syntax),
        ("(1]", Syntax),
        ("[1,)", Syntax),
        ("{1:}", Syntax),
        ("]", Syntax),
        ("'a\nb'", Syntax),
        ("nONE", Syntax),
        ("Nonesuch", Syntax),
        ("x", Syntax),
        ("Ellipsis", Syntax),
        ("...", Syntax),
        ("f'x'", Syntax),
        ("ub'x'", Syntax),
        ("'a' b'b'", Syntax),
        ("b'\u{e9}'", Syntax),
        ("007", Syntax),
        ("0_7", Syntax),
        ("1__0", Syntax),
        ("1_", Truncated),
        ("1_ ", Syntax),
        ("1abc", Syntax),
        ("1.5.5", Syntax),
        ("0b102", Syntax),
        ("0o8", Syntax),
        ("0xg", Syntax),
        ("0x1j", Syntax),
        ("1j5", Syntax),
        ("1+2", Truncated),
        ("1+2 ", Syntax),
        ("[Tru", Truncated),
        ("[Trux", Syntax),
        ("1j+2j", Syntax),
        ("1+2j+3j", Syntax),
        ("(1.0+-0.0j)", Syntax),
        ("True+1j", Syntax),
        ("--1", Syntax),
        ("-(1)", Syntax),
        ("'\\xzz'", Syntax),
        ("'\\U00110000'", Syntax),
        ("\u{feff}1", Syntax),
        ("\x0b1", Syntax),
        ("1\x00", Syntax),
        ("r'\\\x00'", Syntax),
        ("'''\x00'''", Syntax),
        ("1 # \x00", Syntax),
        ("'\\ud800'", Value),
        ("'\\N{BULLET}'", Unsupported),
        ("{[1]:2}", Type),
        ("{(1,[2]):3}", Type),
        ("{{1}}", Type),
        ("{{}:1}", Type),
    ];
    for (text, kind) in cases {
        assert_eq!(err_kind(text), *kind, "{text:?}");
    }
    // Over Python's 4300-digit limit for decimal ints (not for hex).
    assert_eq!(err_kind(&"9".repeat(4301)), Value);
    assert_eq!(err_kind(&format!("1{}", "_1".repeat(4300))), Value);
    assert!(from_slice(format!("0x{}", "f".repeat(5000)).as_bytes()).is_ok());
    assert_eq!(decode(&"0".repeat(5000)), crate::Value::Int(0));
    // Invalid UTF-8, even in a comment.
    assert_eq!(from_slice(b"# \xff\n1").map_err(|e| e.kind()), Err(Syntax));
    assert_eq!(from_slice(b"'\xc3").map_err(|e| e.kind()), Err(Truncated));
    let err = from_slice(b"[1, 2] x").expect_err("junk");
    assert_eq!(err.offset(), Some(7));
}

#[test]
fn every_prefix_and_mutation_of_every_vector_is_handled() {
    let texts = all_vectors().chain(BYTES_REPR).map(|(_, t)| t.as_bytes());
    let mut runs = 0;
    for text in texts {
        let container = matches!(text.get(HEADER.len()), Some(b'(' | b'[' | b'{'));
        for end in 0..text.len() {
            let result = from_slice(&text[..end]);
            if container && end > HEADER.len() {
                let kind = result.as_ref().map_err(|e| e.kind());
                assert_eq!(
                    kind.err(),
                    Some(ErrorKind::Truncated),
                    "{:?}",
                    std::str::from_utf8(&text[..end])
                );
            }
            runs += 1;
        }
        for i in 0..text.len() {
            // Python refuses a NUL anywhere, even in the header comment or a string.
            let mut with_nul = text.to_vec();
            with_nul[i] = 0;
            let err = from_slice(&with_nul).expect_err("NUL");
            if std::str::from_utf8(&with_nul).is_ok() {
                assert!(err.message().contains("0-bytes"), "{err}");
            }
            for replacement in [
                b'(', b')', b'{', b'\'', b'\\', b',', b':', b'j', b'-', b'1', b'\n', 0xff,
            ] {
                let mut mutated = text.to_vec();
                mutated[i] = replacement;
                let _ = from_slice(&mutated);
                let mut removed = text.to_vec();
                removed.remove(i);
                let _ = from_slice(&removed);
                runs += 2;
            }
        }
    }
    assert!(runs > 10_000);
}

fn nested(open: &str, close: &str, depth: usize) -> String {
    format!("{}{}", open.repeat(depth), close.repeat(depth))
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            for (open, close) in [("[", "]"), ("(", ",)"), ("{1:", "}"), ("(", ")")] {
                let too_deep = nested(open, close, 2000);
                let err = from_slice(too_deep.as_bytes()).expect_err("too deep");
                assert_eq!(err.kind(), ErrorKind::TooDeep, "{open}");
                assert_eq!(err.offset(), Some(MAX_DEPTH * open.len()));
            }
            assert_eq!(err_kind(&"{".repeat(100_000)), ErrorKind::TooDeep);
            // Exactly MAX_DEPTH levels are fine, both ways.
            let deepest = decode(&nested("[", "]", MAX_DEPTH));
            let text = encode(&deepest);
            assert_eq!(text.len(), HEADER.len() + 2 * MAX_DEPTH);
            let too_deep = list![deepest];
            let err = to_vec(&too_deep).expect_err("too deep");
            assert_eq!(err.kind(), ErrorKind::TooDeep);
            // Dict keys may nest 200 levels, like anything in Python (the hash of a key
            // recurses, so deeper keys are refused).
            let key = |n| format!("{{{}1{}:1}}", "(".repeat(n), ",)".repeat(n));
            let value = decode(&key(200));
            assert_eq!(encode(&value)[HEADER.len()..], key(200));
            let err = from_slice(key(201).as_bytes()).expect_err("key too deep");
            assert_eq!(err.kind(), ErrorKind::TooDeep);
            assert_eq!(err_kind(&key(MAX_DEPTH - 1)), ErrorKind::TooDeep);
            let mut deeper = Value::None;
            for _ in 0..2000 {
                deeper = Value::Tuple(vec![deeper]);
            }
            assert_eq!(
                to_vec(&deeper).map_err(|e| e.kind()),
                Err(ErrorKind::TooDeep)
            );
        })
        .expect("spawn");
    handle.join().expect("no stack overflow");
}

#[test]
fn keys_python_could_not_read_back_are_refused() {
    // Python's serpent writes these as dicts, which literal_eval can't use as keys.
    let bytes_key = dict! { Value::Bytes(b"x".to_vec().into()) => 1 };
    assert_eq!(to_vec(&bytes_key).unwrap_err().kind(), ErrorKind::Type);
    let nan_complex = set![Value::Complex {
        re: f64::NAN,
        im: 1.0
    }];
    assert_eq!(to_vec(&nan_complex).unwrap_err().kind(), ErrorKind::Type);
    let list_in_tuple = dict! { tuple![1, list![2]] => 1 };
    assert_eq!(to_vec(&list_in_tuple).unwrap_err().kind(), ErrorKind::Type);
    // With bytes_repr, bytes are a literal and make a fine key.
    let out = to_vec_with(&bytes_key, &Options { bytes_repr: true }).unwrap();
    assert_eq!(&out[HEADER.len()..], b"{b'x':1}");
}
