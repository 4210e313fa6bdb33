//! The v4 codec against hostile and broken input, its HMAC against values computed by the real
//! Pyro4, and round trips of generated messages.
//!
//! A counting allocator (per thread) proves that a header announcing a huge body costs no
//! memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use pyroxene_wire::dialect::PyroErrorClass;
use pyroxene_wire::protocol::compress::compress;
use pyroxene_wire::protocol::{
    AnnotationId, Codec, Compression, CorrelationId, Flags, Message, MessageType, ParseOptions,
    ProtocolError, V4, codec_for, codec_with_hmac,
};
use pyroxene_wire::{ProtocolVersion, Serializer};

struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size()));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.with(Cell::get);
    let out = f();
    (out, ALLOCATED.with(Cell::get) - before)
}

/// A v4 header with the given fields and a correct checksum.
fn header(msg_type: u16, flags: u16, data_size: i32, ann_size: u16) -> Vec<u8> {
    let (seq, ser) = (7u16, 1u16);
    let sum = [msg_type, 48, flags, seq, ser, ann_size, 0x34E9]
        .into_iter()
        .fold(data_size as u16, u16::wrapping_add);
    let mut h = b"PYRO\x00\x30".to_vec();
    for n in [msg_type, flags, seq] {
        h.extend_from_slice(&n.to_be_bytes());
    }
    h.extend_from_slice(&data_size.to_be_bytes());
    for n in [ser, ann_size, 0, sum] {
        h.extend_from_slice(&n.to_be_bytes());
    }
    h
}

fn parse(buf: &[u8]) -> Result<Option<(Message, usize)>, ProtocolError> {
    V4::new().parse(buf, &ParseOptions::default())
}

const KEY: &[u8] = b"pyro-hmac-key";

/// Made by the real Pyro4 4.82 (`/work/main/.venv/bin/python`):
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
    assert_eq!(
        codec_for(ProtocolVersion::V4).version(),
        ProtocolVersion::V4
    );
    assert_eq!(
        codec_for(ProtocolVersion::V5).version(),
        ProtocolVersion::V5
    );
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

#[test]
fn header_checks_come_in_pyro4s_order() {
    assert_eq!(parse(b"PYRO\x00"), Ok(None));
    assert_eq!(parse(b"PYRO\x01\xf6"), Err(ProtocolError::V4InvalidHeader));
    assert_eq!(
        parse(b"GET / HTTP/1.0").unwrap_err().to_string(),
        "invalid data or unsupported protocol version"
    );
    let good = header(4, 0, 5, 0);
    assert_eq!(parse(&good[..23]), Ok(None));
    let mut bad = good.clone();
    bad[23] ^= 1;
    assert_eq!(
        parse(&bad).unwrap_err().to_string(),
        "header checksum mismatch"
    );
    // checksum before size, size before type, type before a negative size.
    let mut big = header(4, 0, i32::MAX, 0xffff);
    big[23] ^= 1;
    assert_eq!(parse(&big), Err(ProtocolError::ChecksumMismatch));
    let first = ParseOptions::default()
        .accept(&[MessageType::Connect])
        .max_message_size(10);
    let err = V4::new().parse(&header(4, 0, 20, 0), &first).unwrap_err();
    assert_eq!(
        err.to_string(),
        "max message size exceeded (20 where max=10)"
    );
    assert_eq!(
        err.python_class(ProtocolVersion::V4),
        PyroErrorClass::MessageTooLargeError
    );
    let first = first.max_message_size(100);
    let err = V4::new().parse(&header(4, 0, 20, 0), &first).unwrap_err();
    assert_eq!(err.to_string(), "invalid msg type 4 received");
    assert_eq!(
        V4::new()
            .parse(&header(4, 0, -1, 0), &first)
            .unwrap_err()
            .to_string(),
        "invalid msg type 4 received"
    );
    for t in [0, 7, 0xffff] {
        assert_eq!(
            parse(&header(t, 0, 0, 0)).unwrap_err().to_string(),
            format!("invalid msg type {t} received")
        );
    }
    // A negative size never trips the limit (as in Python) but is refused.
    let negative = header(5, 0, i32::MIN, 0);
    assert_eq!(parse(&negative), Err(ProtocolError::InvalidDataSize));
}

#[test]
fn huge_length_fields_allocate_nothing() {
    let h = header(5, 0, i32::MAX, 0xffff);
    let (result, bytes) =
        allocated_by(|| V4::new().parse(&h, &ParseOptions::default().max_message_size(u64::MAX)));
    assert_eq!((result, bytes), (Ok(None), 0));
    let (result, bytes) = allocated_by(|| parse(&h));
    assert_eq!(
        result,
        Err(ProtocolError::MaxSizeExceeded {
            size: 2_147_549_182,
            max: 1 << 30
        })
    );
    assert_eq!(bytes, 0);
}

#[test]
fn annotation_chunks_must_fill_their_block_exactly() {
    let with_ann = |ann: &[u8]| {
        let mut m = header(5, 0, 0, ann.len() as u16);
        m.extend_from_slice(ann);
        parse(&m)
    };
    let overrun = Err(ProtocolError::AnnotationOverrun);
    assert_eq!(with_ann(b"XREQ\x00\x05abcd"), overrun);
    assert_eq!(with_ann(b"XREQ\xff\xffabcd"), overrun);
    assert_eq!(with_ann(b"XREQ\x00"), overrun);
    assert_eq!(
        with_ann(b"X\xe9EQ\x00\x00"),
        Err(ProtocolError::InvalidAnnotationId)
    );
    let (msg, _) = with_ann(b"AAAA\x00\x01xBBBB\x00\x00AAAA\x00\x01y")
        .unwrap()
        .unwrap();
    assert_eq!(msg.annotation(id("AAAA")), Some(&b"y"[..]));
    // A CORR of another length stays an annotation.
    let (msg, _) = with_ann(b"CORR\x00\x03abc").unwrap().unwrap();
    assert_eq!(
        (msg.correlation_id, msg.annotation(id("CORR"))),
        (None, Some(&b"abc"[..]))
    );
    let (msg, _) = with_ann(&[b"CORR\x00\x10".as_slice(), &[9; 16]].concat())
        .unwrap()
        .unwrap();
    assert_eq!(
        (msg.correlation_id, msg.annotations.len()),
        (Some(CorrelationId([9; 16])), 0)
    );
}

#[test]
fn every_prefix_waits_and_every_mutation_is_handled() {
    let msg = Message::new(MessageType::Invoke, 1, 3, b"payload".to_vec())
        .with_annotation(id("XREQ"), b"annotation".to_vec())
        .with_correlation_id(CorrelationId([3; 16]));
    for codec in [V4::new(), V4::with_hmac(KEY)] {
        let bytes = codec.encode(&msg).unwrap();
        let opts = ParseOptions::default();
        for cut in 0..bytes.len() {
            assert_eq!(codec.parse(&bytes[..cut], &opts), Ok(None), "cut at {cut}");
        }
        let mut two = bytes.clone();
        two.extend_from_slice(&bytes[..10]);
        assert_eq!(
            codec.parse(&two, &opts),
            Ok(Some((msg.clone(), bytes.len())))
        );
        // Flipping any bit must give an error or a message; with a key, any flip in the
        // annotations or the payload is an error, except in annotation ids: Pyro4's HMAC
        // covers the values only (chunk ids at 24 XREQ, 40 CORR, 62 HMAC).
        let in_id = |at: usize| [24, 40, 62].iter().any(|id| (*id..id + 4).contains(&at));
        for at in 0..bytes.len() {
            for bit in 0..8 {
                let mut m = bytes.clone();
                m[at] ^= 1 << bit;
                let r = codec.parse(&m, &opts);
                if codec.hmac_key().is_some() && at >= 24 && !in_id(at) {
                    assert!(!matches!(r, Ok(Some(_))), "flip {at}.{bit} accepted");
                }
            }
        }
    }
}

#[test]
fn flags_map_to_v4_bits() {
    let all = Flags::EXCEPTION
        | Flags::ONEWAY
        | Flags::BATCH
        | Flags::META_ON_CONNECT
        | Flags::ITEMSTREAMRESULT
        | Flags::KEEPSERIALIZED;
    let bytes = V4::new()
        .encode(&Message::new(MessageType::Result, 1, 0, Vec::new()).with_flags(all))
        .unwrap();
    assert_eq!(&bytes[8..10], &[0x00, 0x7d]);
    let (msg, _) = parse(&header(5, 0xff90, 0, 0)).unwrap().unwrap();
    assert_eq!(msg.flags, Flags::META_ON_CONNECT);
}

#[test]
fn outgoing_limits() {
    let msg = Message::new(MessageType::Invoke, 1, 0, vec![0; 95])
        .with_annotation(id("XREQ"), vec![0; 10])
        .with_correlation_id(CorrelationId([1; 16]));
    // 95 + (6 + 10) + (6 + 16) [+ 26 for the HMAC]
    assert_eq!(V4::new().check_size(&msg, 133), Ok(()));
    assert_eq!(
        V4::new().check_size(&msg, 132).unwrap_err().to_string(),
        "max message size exceeded (133 where max=132)"
    );
    assert!(V4::with_hmac(KEY).check_size(&msg, 133).is_err());
    assert_eq!(V4::with_hmac(KEY).check_size(&msg, 159), Ok(()));
    let huge = Message::new(MessageType::Invoke, 1, 0, Vec::new())
        .with_annotation(id("XREQ"), vec![0; 65_530]);
    assert_eq!(
        V4::new().encode(&huge).unwrap_err(),
        ProtocolError::AnnotationsTooLarge { size: 65_536 }
    );
    assert_eq!(
        Message::new(MessageType::Ping, 0xffff, 0, Vec::new()).serializer_id,
        0xffff
    );
    assert!(
        V4::new()
            .encode(&Message::new(MessageType::Ping, 0xffff, 0, Vec::new()))
            .is_ok()
    );
}

#[test]
fn zip_bombs_are_refused_at_the_limit() {
    let bomb = compress(&vec![0u8; 10 << 20], 9).unwrap();
    let mut m = header(5, 0x02, bomb.len() as i32, 0);
    m.extend_from_slice(&bomb);
    let opts = ParseOptions::default().max_message_size(1 << 20);
    let (result, bytes) = allocated_by(|| V4::new().parse(&m, &opts));
    assert_eq!(
        result,
        Err(ProtocolError::DecompressedTooLarge { max: 1 << 20 })
    );
    assert!(bytes < 3 << 20, "allocated {bytes} bytes for a 1 MiB limit");
}

#[test]
fn v4_compression_is_pyro4s_rule() {
    assert_eq!(V4::new().compression(), Compression::V4);
    let mut small = Message::new(MessageType::Result, 1, 0, vec![b'x'; 199]);
    Compression::V4.apply(&mut small);
    assert!(!small.has(Flags::COMPRESSED));
    let mut big = Message::new(MessageType::Result, 1, 0, vec![b'x'; 200]);
    Compression::V4.apply(&mut big);
    assert!(big.has(Flags::COMPRESSED));
    assert_eq!(
        Serializer::from_id(4, ProtocolVersion::V5),
        Some(Serializer::Msgpack)
    );
}

fn arb_message() -> impl Strategy<Value = Message> {
    let types = proptest::sample::select(MessageType::ALL.to_vec());
    let flags = proptest::collection::vec(
        proptest::sample::select(vec![
            Flags::EXCEPTION,
            Flags::COMPRESSED,
            Flags::ONEWAY,
            Flags::BATCH,
            Flags::META_ON_CONNECT,
            Flags::ITEMSTREAMRESULT,
            Flags::KEEPSERIALIZED,
        ]),
        0..4,
    );
    // Ids other than CORR/HMAC, which the codec owns.
    let ann = proptest::collection::vec(
        (
            "X[A-Za-z0-9]{3}",
            proptest::collection::vec(any::<u8>(), 0..40),
        ),
        0..4,
    );
    (
        types,
        flags,
        any::<u16>(),
        any::<u16>(),
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
    fn parse_inverts_encode(msg in arb_message(), keyed in any::<bool>()) {
        let codec = if keyed { V4::with_hmac(KEY) } else { V4::new() };
        let bytes = codec.encode(&msg).unwrap();
        let raw = ParseOptions::default().decompress(false);
        prop_assert_eq!(codec.parse(&bytes, &raw).unwrap(), Some((msg.clone(), bytes.len())));
        prop_assert_eq!(codec.encode(&msg).unwrap(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut framed = header(5, 0x02, data.len() as i32, 0);
        framed.extend_from_slice(&data);
        for buf in [&data[..], &framed[..]] {
            for codec in [V4::new(), V4::with_hmac(KEY)] {
                let _ = codec.parse(buf, &ParseOptions::default().max_message_size(1 << 16));
            }
            pyroxene_wire::oracles::check_message_round_trip(buf);
        }
    }
}

/// An annotation id from its four characters.
fn id(text: &str) -> AnnotationId {
    text.parse().expect("a valid annotation id")
}
