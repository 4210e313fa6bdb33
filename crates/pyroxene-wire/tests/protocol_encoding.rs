//! What each codec writes and reads back, v5 (Pyro5, protocol 502) and v4 (Pyro4, protocol
//! 48): each generation's flag bits, outgoing limits, serializer ids and compression rule;
//! v4's HMAC against bytes made by the real Pyro4, its symmetry rule and the codec choice by
//! key; round trips of generated messages of both generations. (Hostile and broken input is in
//! `protocol_hostile.rs`.)
//!
//! What both generations must do is written once, as a table over [`Gen`] whose rows hold what
//! differs (flag bits, Python's texts, compression rule), and a failing row names its
//! generation. Only what v4 has alone gets tests of its own: the HMAC and the codec choice by
//! key.

#[path = "support/protocol_gen.rs"]
mod protocol_gen;

use proptest::prelude::*;
use protocol_gen::{GENS, Gen, KEY, codecs, id, v5_header};
use pyroxene_wire::dialect::PyroErrorClass;
use pyroxene_wire::protocol::{
    AnnotationId, Compression, CorrelationId, Flags, Message, MessageType, ParseOptions,
    ProtocolError, V4, V5, codec_for, codec_with_hmac,
};
use pyroxene_wire::{ProtocolVersion, Serializer};

#[test]
fn flags_map_to_each_generations_bits_and_unknown_bits_are_ignored() {
    let v5_flags = Flags::EXCEPTION
        | Flags::ONEWAY
        | Flags::BATCH
        | Flags::ITEMSTREAMRESULT
        | Flags::KEEPSERIALIZED;
    let all = v5_flags | Flags::META_ON_CONNECT;
    let plain = Message::new(MessageType::Result, 1, 0, Vec::new()).with_flags(all);
    let msg = plain.clone().with_correlation_id(CorrelationId([7; 16]));
    // v5's 0x40 is CORR_ID (set by a correlation id) and META_ON_CONNECT has no v5 bit; v4's
    // 0x10 is META_ON_CONNECT and the id travels as a CORR chunk. Received, 0x10 means each
    // one's own flag and unknown bits mean nothing.
    let rows = [
        (Gen::V5, [0x3d, 0x7d], v5_flags, 0xff81, Flags::EXCEPTION),
        (Gen::V4, [0x7d, 0x7d], all, 0xff90, Flags::META_ON_CONNECT),
    ];
    for (g, bits, sent, wire, received) in rows {
        for (msg, bits) in [&plain, &msg].into_iter().zip(bits) {
            let bytes = g.codec().encode(msg).unwrap();
            assert_eq!(&bytes[8..10], &[0x00, bits], "{g:?}");
            let (back, _) = g.parse(&bytes).unwrap().unwrap();
            assert_eq!(back.flags, sent, "{g:?}");
        }
        let (msg, _) = g.parse(&g.header(5, wire, 0, 0)).unwrap().unwrap();
        assert_eq!(msg.flags, received, "{g:?}");
    }
    let bytes = V5.encode(&msg).unwrap();
    assert_eq!(&bytes[20..36], &[7; 16]);
    // Without the CORR_ID bit the v5 id field is not read.
    let mut h = v5_header(5, 0, 0, 0);
    h[20] = 9;
    assert_eq!(Gen::V5.parse(&h).unwrap().unwrap().0.correlation_id, None);
}

#[test]
fn outgoing_limits() {
    let plain = Message::new(MessageType::Invoke, 1, 0, vec![0; 95])
        .with_annotation(id("XREQ"), vec![0; 10]);
    let with_corr = plain.clone().with_correlation_id(CorrelationId([1; 16]));
    // 95 + (8 + 10) in v5, whose header holds the id; 95 + (6 + 10) [+ (6 + 16) for CORR] in v4.
    let sizes = [
        (Gen::V5, &plain, 113, "message too large (113, max=112)"),
        (Gen::V5, &with_corr, 113, "message too large (113, max=112)"),
        (
            Gen::V4,
            &plain,
            111,
            "max message size exceeded (111 where max=110)",
        ),
        (
            Gen::V4,
            &with_corr,
            133,
            "max message size exceeded (133 where max=132)",
        ),
    ];
    for (g, msg, size, text) in sizes {
        assert_eq!(g.codec().check_size(msg, size), Ok(()), "{g:?}");
        let err = g.codec().check_size(msg, size - 1).unwrap_err();
        assert_eq!(err.to_string(), text, "{g:?}");
    }
    // The HMAC chunk counts too: 6 + 20.
    assert!(V4::with_hmac(KEY).check_size(&with_corr, 133).is_err());
    assert_eq!(V4::with_hmac(KEY).check_size(&with_corr, 159), Ok(()));

    // v5 has a byte for the serializer id, v4 16 bits; each numbers them its own way.
    let ping = |ser| Message::new(MessageType::Ping, ser, 0, Vec::new());
    let err = V5.encode(&ping(256)).unwrap_err();
    let v5_text = "serializer id 256 does not fit a protocol 502 header";
    assert_eq!(err.to_string(), v5_text);
    assert_eq!(ping(0xffff).serializer_id, 0xffff);
    let rows = [
        (Gen::V5, 255, Serializer::Msgpack),
        (Gen::V4, 0xffff, Serializer::Pickle),
    ];
    for (g, largest, four) in rows {
        assert!(g.codec().encode(&ping(largest)).is_ok(), "{g:?}");
        assert_eq!(ping(4).serializer(g.version()), Some(four), "{g:?}");
    }
    let msgpack = Serializer::from_id(4, ProtocolVersion::V5);
    assert_eq!(msgpack, Some(Serializer::Msgpack));

    // v4's annotation block has 16-bit lengths, v5's 32.
    let huge = Message::new(MessageType::Invoke, 1, 0, Vec::new())
        .with_annotation(id("XREQ"), vec![0; 65_530]);
    assert!(V5.encode(&huge).is_ok());
    assert_eq!(
        V4::new().encode(&huge).unwrap_err(),
        ProtocolError::AnnotationsTooLarge { size: 65_536 }
    );

    assert!("ABC".parse::<AnnotationId>().is_err());
    assert_eq!("CORR".parse::<AnnotationId>(), Ok(AnnotationId::CORR));
}

#[test]
fn compression_follows_each_generations_rule() {
    let noise: Vec<u8> = (0..300u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    // v5 compresses more than 100 bytes even when that makes them bigger; v4 compresses 200
    // or more and keeps the smaller form.
    let rows = [
        (Gen::V5, Compression::V5, 101, true),
        (Gen::V4, Compression::V4, 200, false),
    ];
    for (g, rule, smallest, grows) in rows {
        assert_eq!(g.codec().compression(), rule, "{g:?}");
        let mut short = Message::new(MessageType::Result, 1, 0, vec![b'x'; smallest - 1]);
        rule.apply(&mut short);
        assert!(!short.has(Flags::COMPRESSED), "{g:?}");
        let mut msg = Message::new(MessageType::Result, 1, 0, vec![b'x'; smallest]);
        rule.apply(&mut msg);
        assert!(msg.has(Flags::COMPRESSED), "{g:?}");
        let bytes = g.codec().encode(&msg).unwrap();
        let (back, _) = g.parse(&bytes).unwrap().unwrap();
        assert_eq!(back.payload, vec![b'x'; smallest], "{g:?}");
        assert!(!back.has(Flags::COMPRESSED), "{g:?}");
        let mut noisy = Message::new(MessageType::Result, 1, 0, noise.clone());
        rule.apply(&mut noisy);
        if grows {
            let bigger = noisy.payload.len() > noise.len();
            assert!(noisy.has(Flags::COMPRESSED) && bigger, "{g:?}");
        } else {
            let kept = noisy.payload == noise;
            assert!(!noisy.has(Flags::COMPRESSED) && kept, "{g:?}");
        }
    }
}

/// Made by the real Pyro4 4.82 (the pinned peer of `scripts/setup-peers.sh`):
/// `Message(4, b'payload bytes', 1, 0x41, 513, annotations={'ZZZZ': b'last', 'XREQ': b'user',
/// 'CORR': bytes(range(16)), 'AAAA': b''}, hmac_key=b'pyro-hmac-key').to_bytes().hex()`.
/// Four annotations out of order prove the sorted HMAC input; flags 0x41 = EXCEPTION |
/// KEEPSERIALIZED; a non-zero seq checks the checksum.
const PYTHON_SIGNED: &str = "5059524f00300004004102010000000d0001004a000037b75a5a5a5a00046c617374585245510004\
75736572434f52520010000102030405060708090a0b0c0d0e0f414141410000484d414300141a9d\
0cf2b06a7f2ccc80a59bd74b3a9bdc15e8497061796c6f6164206279746573";

fn unhex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).expect("ascii"), 16).expect("hex"))
        .collect()
}

#[test]
fn hmac_and_checksum_match_pyro4() {
    let python = unhex(PYTHON_SIGNED);
    // Built with CORR as a plain annotation in Python's position, our encoding is Python's.
    let msg = Message::new(MessageType::Invoke, 1, 513, b"payload bytes".to_vec())
        .with_flags(Flags::EXCEPTION | Flags::KEEPSERIALIZED)
        .with_annotation(id("ZZZZ"), b"last".to_vec())
        .with_annotation(id("XREQ"), b"user".to_vec())
        .with_annotation(AnnotationId::CORR, (0..16).collect())
        .with_annotation(id("AAAA"), Vec::new());
    let signer = V4::with_hmac(KEY);
    assert_eq!(signer.encode(&msg).unwrap(), python);
    // Parsed, CORR is the correlation id; re-encoded, it moves behind the other annotations,
    // which changes neither the message nor the HMAC (computed over sorted ids).
    let (back, used) = signer
        .parse(&python, &ParseOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!(used, python.len());
    let mut want = msg.clone();
    want.annotations.remove(AnnotationId::CORR);
    let want = want.with_correlation_id(CorrelationId(core::array::from_fn(|i| i as u8)));
    assert_eq!(back, want);
    let again = signer.encode(&back).unwrap();
    assert_eq!(again.len(), python.len());
    assert_eq!(
        again[again.len() - 33..],
        python[python.len() - 33..],
        "same HMAC"
    );
}

#[test]
fn the_hmac_rule_is_symmetric_with_pyro4s_texts() {
    let msg = Message::new(MessageType::Connect, 1, 0, b"hello".to_vec());
    let signed = V4::with_hmac(KEY).encode(&msg).unwrap();
    let plain = V4::new().encode(&msg).unwrap();
    let opts = ParseOptions::default();
    let err = V4::with_hmac(KEY).parse(&plain, &opts).unwrap_err();
    assert_eq!(err.to_string(), "hmac key config not symmetric");
    assert_eq!(
        err.python_class(ProtocolVersion::V4),
        PyroErrorClass::SecurityError
    );
    assert_eq!(
        V4::new().parse(&signed, &opts),
        Err(ProtocolError::HmacNotSymmetric)
    );
    let err = V4::with_hmac(&b"wrong"[..])
        .parse(&signed, &opts)
        .unwrap_err();
    assert_eq!(err.to_string(), "message hmac mismatch");
    assert_eq!(
        err.python_class(ProtocolVersion::V4),
        PyroErrorClass::SecurityError
    );
    // An empty key is no key, as in Pyro4.
    assert_eq!(V4::with_hmac(Vec::new()).encode(&msg).unwrap(), plain);
    // Any change to payload or annotations breaks the signature; a changed HMAC too.
    for at in [24 + 26, signed.len() - 1] {
        let mut bad = signed.clone();
        bad[at] ^= 1;
        assert_eq!(
            V4::with_hmac(KEY).parse(&bad, &opts),
            Err(ProtocolError::HmacMismatch)
        );
    }
    // The HMAC covers the payload as it travelled: a compressed one is checked before inflating.
    let mut packed = Message::new(MessageType::Result, 1, 0, vec![b'x'; 500]);
    Compression::V4.apply(&mut packed);
    let bytes = V4::with_hmac(KEY).encode(&packed).unwrap();
    let (back, _) = V4::with_hmac(KEY).parse(&bytes, &opts).unwrap().unwrap();
    assert_eq!(back.payload, vec![b'x'; 500]);
    // The key never shows in Debug output.
    assert_eq!(
        format!("{:?}", V4::with_hmac(KEY)),
        "V4 { hmac_key: Some(..) }"
    );
}

#[test]
fn codecs_are_chosen_by_version_and_key() {
    for g in GENS {
        assert_eq!(g.codec().version(), g.version(), "{g:?}");
    }
    let keyed = codec_with_hmac(ProtocolVersion::V4, Some(KEY.into())).unwrap();
    let msg = Message::new(MessageType::Ping, 42, 0, b"ping".to_vec());
    let bytes = keyed.encode(&msg).unwrap();
    assert_eq!(bytes.len(), 24 + 4 + 26);
    assert!(
        codec_for(ProtocolVersion::V4)
            .parse(&bytes, &ParseOptions::default())
            .is_err()
    );
    assert_eq!(
        codec_with_hmac(ProtocolVersion::V5, Some(KEY.into())).unwrap_err(),
        ProtocolError::HmacUnsupported
    );
    assert!(codec_with_hmac(ProtocolVersion::V5, Some(Vec::new().into())).is_ok());
}

/// Messages a generation carries as they are: v5 has no META_ON_CONNECT bit and a byte for
/// the serializer id; v4's codec owns the CORR and HMAC annotations.
fn arb_message(g: Gen) -> impl Strategy<Value = Message> {
    let mut flags = vec![
        Flags::EXCEPTION,
        Flags::COMPRESSED,
        Flags::ONEWAY,
        Flags::BATCH,
        Flags::ITEMSTREAMRESULT,
        Flags::KEEPSERIALIZED,
    ];
    let (serializers, ids) = match g {
        Gen::V5 => (0u16..=255, "[A-Za-z0-9]{4}"),
        Gen::V4 => {
            flags.push(Flags::META_ON_CONNECT);
            (0u16..=u16::MAX, "X[A-Za-z0-9]{3}")
        }
    };
    let flags = proptest::collection::vec(proptest::sample::select(flags), 0..4);
    let value = proptest::collection::vec(any::<u8>(), 0..40);
    let ann = proptest::collection::vec((ids, value), 0..4);
    (
        proptest::sample::select(MessageType::ALL.to_vec()),
        flags,
        any::<u16>(),
        serializers,
        ann,
        proptest::option::of(any::<[u8; 16]>()),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(t, flags, seq, ser, ann, corr, payload)| {
            let mut msg = Message::new(t, ser, seq, payload);
            for f in flags {
                msg.flags.insert(f);
            }
            for (id, v) in ann {
                msg.annotations.insert(id.parse().expect("ascii id"), v);
            }
            msg.correlation_id = corr.map(CorrelationId);
            msg
        })
}

proptest! {
    #[test]
    fn parse_inverts_encode(v5 in arb_message(Gen::V5), v4 in arb_message(Gen::V4)) {
        let raw = ParseOptions::default().decompress(false);
        for (g, codec, _) in codecs() {
            let msg = match g { Gen::V5 => &v5, Gen::V4 => &v4 };
            let bytes = codec.encode(msg).unwrap();
            let back = codec.parse(&bytes, &raw).unwrap();
            prop_assert_eq!(back, Some((msg.clone(), bytes.len())), "{:?}", codec);
            prop_assert_eq!(codec.encode(msg).unwrap(), bytes, "{:?}", codec);
        }
    }

    #[test]
    fn compressed_messages_come_back_inflated(
        v5 in arb_message(Gen::V5),
        v4 in arb_message(Gen::V4),
    ) {
        for (g, codec, _) in codecs() {
            let mut plain = match g { Gen::V5 => v5.clone(), Gen::V4 => v4.clone() };
            plain.flags.remove(Flags::COMPRESSED);
            // A receiver inflates whichever rule the sender followed.
            for rule in [Compression::V5, Compression::V4] {
                let mut packed = plain.clone();
                rule.apply(&mut packed);
                let bytes = codec.encode(&packed).unwrap();
                let back = codec.parse(&bytes, &ParseOptions::default()).unwrap();
                let want = Some((plain.clone(), bytes.len()));
                prop_assert_eq!(back, want, "{:?} {:?}", codec, rule);
            }
        }
    }
}
