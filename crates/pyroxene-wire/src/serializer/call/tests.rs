//! The call encoders and the fast call readers against the general way they replace: the same
//! bytes, the same call, the same error, for generated, mutated and captured payloads.

use proptest::prelude::*;

use crate::oracles::{check_decode_call, check_decode_call_mutated, check_encode_call};
use crate::serializer::test_vectors::vectors;
use crate::serializer::{ProtocolVersion, serpent};
use crate::{Dict, MAX_DEPTH, Serializer, Value};

/// Every serializer, pickle included.
fn all() -> &'static [Serializer] {
    Serializer::all(ProtocolVersion::V4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Token soup in the shape of a serpent call: every grammar corner the fast reader gives up
    /// on (or must not get wrong) comes up, with and without the header.
    #[test]
    fn serpent_token_soup_matches_the_general_reader(
        start in prop::sample::select(&["", "(", "('o','m',", "# serpent utf-8 python3.2\n('o','m',"][..]),
        tokens in prop::collection::vec(prop::sample::select(SERPENT_TOKENS), 0..24),
    ) {
        let mut text = start.to_owned();
        text.extend(tokens.iter().copied());
        check_decode_call(Serializer::Serpent, text.as_bytes());
    }

    /// Arbitrary bytes never panic and read the same both ways.
    #[test]
    fn arbitrary_bytes_match_the_general_reader(bytes in prop::collection::vec(any::<u8>(), 0..48)) {
        for &ser in all() {
            check_decode_call(ser, &bytes);
        }
    }
}

/// Pieces of serpent text for the token soup.
const SERPENT_TOKENS: &[&str] = &[
    "'obj'",
    "\"m\"",
    "'hello'",
    "''",
    "'''t'''",
    "u'x'",
    "b'x'",
    "r'\\d'",
    "'a\\'b'",
    "'\\x41'",
    "'é'",
    ",",
    ",",
    ",",
    "(",
    ")",
    ")",
    "[",
    "]",
    "{",
    "}",
    "{}",
    ":",
    " ",
    "\n",
    "\t",
    "#c\n",
    "\\\n",
    "None",
    "True",
    "1",
    "-2.5",
    "1e30000",
    "(1+2j)",
    "set()",
    "'a' 'b'",
    "\0",
    "\r",
    "{'k':1}",
    "{'__class__':'float','value':'nan'}",
    "x",
];

/// Captured Python payloads (calls and plain values) and mutations of them.
#[test]
fn python_vectors_match_the_general_reader() {
    for &ser in all() {
        for (seed, (label, _, bytes)) in vectors(ser.name()).into_iter().enumerate() {
            if label.is_empty() {
                continue;
            }
            check_decode_call_mutated(ser, &bytes, seed as u64);
        }
    }
}

/// The plain shapes Pyro sends take the fast reader; the unusual ones go the general way and
/// still give the general result.
#[test]
fn serpent_fast_reader_takes_the_plain_shapes_only() {
    let fast: &[&str] = &[
        "# serpent utf-8 python3.2\n('test.echoserver','echo',('hello',),{})",
        "('o','m',(),{})",
        "('o',\"m\",(1, 2.5, None, 'x'),None)",
        "( 'o' , 'm' , [1,[2]] , {'a':(1,)} )",
        "('o','m',('grouped'),{})",
        "('o','m',{'a':1},{'b':2})",
        "('é','m',(b'x',),{})",
        "#c\n('o','m',(),{ })",
        // The items are read fast; taking them apart fails as it does the general way.
        "('o','m',(),{'__class__':'float','value':'nan'})",
        "('o','m',(),[])",
    ];
    for text in fast {
        assert!(
            serpent::decode_call(text.as_bytes()).is_some(),
            "not fast: {text}"
        );
        check_decode_call(Serializer::Serpent, text.as_bytes());
    }
    let general: &[&str] = &[
        "['o','m',(),{}]",
        "'o','m',(),{}",
        "('o','m',(),{},)",
        "(u'o','m',(),{})",
        "(b'o','m',(),{})",
        "('o' 'p','m',(),{})",
        "('o\\x41','m',(),{})",
        "('''o''','m',(),{})",
        "('o','m',(),{})x",
        "('o','m',(),{}",
        "('o','m',(),)",
        "(1,'m',(),{})",
        "('o','m',(),{})\0",
    ];
    for text in general {
        assert!(
            serpent::decode_call(text.as_bytes()).is_none(),
            "fast: {text}"
        );
        check_decode_call(Serializer::Serpent, text.as_bytes());
    }
}

/// Arguments nested right up to the depth limit and past it: the same bytes or the same error
/// when encoding, the same call or the same error when decoding.
#[test]
fn nesting_limits_are_the_general_ones() {
    for depth in MAX_DEPTH - 3..=MAX_DEPTH + 1 {
        let mut vargs = Value::Tuple(vec![]);
        for _ in 1..depth {
            vargs = Value::Tuple(vec![vargs]);
        }
        let mut nested_kwargs = Dict::default();
        nested_kwargs.insert("k".into(), vargs.clone());
        for &ser in all() {
            for kwargs in [None, Some(Dict::default()), Some(nested_kwargs.clone())] {
                check_encode_call(ser, "o", "m", &vargs, kwargs.as_ref());
            }
        }
        for (open, close) in [("(", ")"), ("[", "]"), ("{'k':", "}")] {
            let nest = format!("{}{}", open.repeat(depth), close.repeat(depth));
            for text in [
                format!("('o','m',{nest},{{}})"),
                format!("('o','m',(),{nest})"),
                format!("('o','m',({nest},),None)"),
            ] {
                check_decode_call(Serializer::Serpent, text.as_bytes());
            }
        }
    }
}

/// msgpack calls as Pyro and we write them take the fast reader, shared buffers included; other
/// arrays go the general way; both give the general result.
#[test]
fn msgpack_fast_reader_takes_the_usual_shape() {
    use crate::serializer::msgpack;
    let big = Value::Bytes(vec![7u8; 10_000].into());
    let mut kwargs = Dict::default();
    kwargs.insert("k".into(), big.clone());
    for (vargs, kwargs) in [
        (Value::Tuple(vec!["hello".into()]), Some(Dict::default())),
        (Value::List(vec![1.into(), big.clone()]), None),
        (Value::Tuple(vec![]), Some(kwargs)),
        (Value::Int(5), None),
    ] {
        let bytes = Serializer::Msgpack
            .encode_call("obj", "method", &vargs, kwargs.as_ref())
            .expect("encodes");
        assert!(
            msgpack::decode_call(&bytes, None, usize::MAX).is_some(),
            "{bytes:?}"
        );
        check_decode_call(Serializer::Msgpack, &bytes);
    }
    for bytes in [
        &b"\x93\xa1o\xa1m\x90"[..],
        b"\x94\x01\xa1m\x90\x80",
        b"\x94\xa1o\xa1m\x90\x80\x00",
        b"\x94\xda\x00\x01o\xa1m\x90\x80",
    ] {
        assert!(
            msgpack::decode_call(bytes, None, usize::MAX).is_none(),
            "{bytes:?}"
        );
        check_decode_call(Serializer::Msgpack, bytes);
    }
    // Big bytes arguments stay views of a shared payload.
    let payload = bytes::Bytes::from(
        Serializer::Msgpack
            .encode_call("o", "m", &Value::Tuple(vec![big]), None)
            .expect("encodes"),
    );
    let call = Serializer::Msgpack
        .decode_call_shared(&payload)
        .expect("decodes");
    let Some(Value::Bytes(b)) = call.args.first() else {
        panic!("not bytes: {call:?}")
    };
    assert!(payload.as_ptr_range().contains(&b.as_ptr()));
}
