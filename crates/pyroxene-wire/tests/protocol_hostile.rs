//! The v5 codec against hostile and broken input, and round trips of generated messages.
//!
//! A counting allocator (per thread, so parallel tests don't disturb each other) proves that
//! a header announcing a huge body costs no memory: the parser allocates only for bytes it has.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use pyroxene_wire::protocol::compress::compress;
use pyroxene_wire::protocol::{
    AnnotationId, Codec, Compression, CorrelationId, Flags, Message, MessageType, ParseOptions,
    ProtocolError, V5,
};

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

/// Bytes allocated on this thread while running `f`.
fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.with(Cell::get);
    let out = f();
    (out, ALLOCATED.with(Cell::get) - before)
}

/// A v5 header with the given fields (magic and tag correct unless overwritten).
fn header(msg_type: u8, flags: u16, data_size: u32, ann_size: u32) -> Vec<u8> {
    let mut h = b"PYRO\x01\xf6".to_vec();
    h.extend_from_slice(&[msg_type, 1]);
    h.extend_from_slice(&flags.to_be_bytes());
    h.extend_from_slice(&7u16.to_be_bytes());
    h.extend_from_slice(&data_size.to_be_bytes());
    h.extend_from_slice(&ann_size.to_be_bytes());
    h.extend_from_slice(&[0; 16]);
    h.extend_from_slice(&[0, 0, 0x4d, 0xc5]);
    h
}

fn parse(buf: &[u8]) -> Result<Option<(Message, usize)>, ProtocolError> {
    V5.parse(buf, &ParseOptions::default())
}

#[test]
fn garbage_is_refused_after_six_bytes_like_python() {
    assert_eq!(parse(b"GET /"), Ok(None));
    assert_eq!(parse(b"GET / "), Err(ProtocolError::InvalidData));
    assert_eq!(parse(b"PYRX\x01\xf6"), Err(ProtocolError::InvalidData));
    assert_eq!(
        parse(b"PYRO\x00\x30"),
        Err(ProtocolError::InvalidVersion(48))
    );
    assert_eq!(
        parse(b"PYRO\xff\xff").unwrap_err().to_string(),
        "invalid protocol version: 65535"
    );
    // A good start waits for the whole header before judging the rest.
    let mut h = header(4, 0, 0, 0);
    h[39] = 0;
    assert_eq!(parse(&h[..39]), Ok(None));
    assert_eq!(parse(&h), Err(ProtocolError::InvalidHeader));
    assert_eq!(
        ProtocolError::InvalidHeader.to_string(),
        "invalid message or protocol version"
    );
}

#[test]
fn oversized_headers_are_refused_before_any_allocation() {
    let h = header(4, 0, u32::MAX, u32::MAX);
    let (result, bytes) = allocated_by(|| parse(&h));
    assert_eq!(
        result.unwrap_err().to_string(),
        "message too large (8589934590, max=1073741824)"
    );
    assert_eq!(bytes, 0);
    // Exactly at the limit is fine, and waiting for the body allocates nothing.
    let h = header(4, 0, 1_073_741_824 - 10, 10);
    let (result, bytes) = allocated_by(|| parse(&h));
    assert_eq!((result, bytes), (Ok(None), 0));
    let small = ParseOptions::default().max_message_size(100);
    let h = header(4, 0, 90, 11);
    assert_eq!(
        V5.parse(&h, &small).unwrap_err().to_string(),
        "message too large (101, max=100)"
    );
}

#[test]
fn the_message_type_is_checked_after_the_size_like_python() {
    let first = ParseOptions::default().accept(&[MessageType::Connect]);
    let h = header(4, 0, 5, 0);
    let err = V5.parse(&h, &first).unwrap_err();
    assert_eq!(err.to_string(), "invalid msg type 4 received (expected: 1)");
    let later = ParseOptions::default().accept(&[MessageType::Invoke, MessageType::Ping]);
    assert_eq!(
        V5.parse(&header(1, 0, 0, 0), &later)
            .unwrap_err()
            .to_string(),
        "invalid msg type 1 received (expected: 4,6)"
    );
    // size first: an oversized message of a wrong type reports the size.
    let tiny = first.max_message_size(1);
    assert!(matches!(
        V5.parse(&h, &tiny),
        Err(ProtocolError::TooLarge { .. })
    ));
    // unknown type numbers are refused even when everything is accepted
    for t in [0u8, 7, 255] {
        let err = parse(&header(t, 0, 0, 0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("invalid msg type {t} received (expected: 1,2,3,4,5,6)")
        );
    }
}

#[test]
fn annotation_chunks_must_fill_their_block_exactly() {
    let with_ann = |ann: &[u8]| {
        let mut m = header(5, 0, 0, ann.len() as u32);
        m.extend_from_slice(ann);
        parse(&m)
    };
    let overrun = Err(ProtocolError::AnnotationOverrun);
    assert_eq!(with_ann(b"XREQ\x00\x00\x00\x05abcd"), overrun);
    assert_eq!(with_ann(b"XREQ\xff\xff\xff\xffabcd"), overrun);
    assert_eq!(with_ann(b"XREQ\x00\x00"), overrun);
    assert_eq!(with_ann(b"XREQ\x00\x00\x00\x01aXY"), overrun);
    assert_eq!(
        with_ann(b"X\xe9EQ\x00\x00\x00\x00"),
        Err(ProtocolError::InvalidAnnotationId)
    );
    assert_eq!(
        ProtocolError::AnnotationOverrun.to_string(),
        "annotation chunk length exceeds remaining data"
    );
    // A later duplicate replaces the earlier value in place.
    let (msg, _) = with_ann(b"AAAA\x00\x00\x00\x01xBBBB\x00\x00\x00\x00AAAA\x00\x00\x00\x01y")
        .unwrap()
        .unwrap();
    let ids: Vec<String> = msg
        .annotations
        .iter()
        .map(|(id, _)| id.to_string())
        .collect();
    assert_eq!(ids, ["AAAA", "BBBB"]);
    assert_eq!(msg.annotation(id("AAAA")), Some(&b"y"[..]));
}

#[test]
fn many_tiny_annotation_chunks_parse_in_linear_time() {
    let mut ann = Vec::new();
    for i in 0..200_000u32 {
        let id = [
            b'A' + (i % 26) as u8,
            b'A' + (i / 26 % 26) as u8,
            b'A' + (i / 676 % 26) as u8,
            b'0',
        ];
        ann.extend_from_slice(&id);
        ann.extend_from_slice(&[0, 0, 0, 0]);
    }
    let mut m = header(5, 0, 0, ann.len() as u32);
    m.extend_from_slice(&ann);
    let (msg, _) = parse(&m).unwrap().unwrap();
    assert_eq!(msg.annotations.len(), 26 * 26 * 26);
}

#[test]
fn truncated_input_is_never_an_error_and_never_a_message() {
    let msg = Message::new(MessageType::Invoke, 1, 3, b"payload".to_vec())
        .with_annotation(id("XREQ"), b"annotation".to_vec());
    let bytes = V5.encode(&msg).unwrap();
    for cut in 0..bytes.len() {
        assert_eq!(parse(&bytes[..cut]), Ok(None), "cut at {cut}");
    }
    let mut two = bytes.clone();
    two.extend_from_slice(&bytes[..10]);
    assert_eq!(parse(&two), Ok(Some((msg, bytes.len()))));
}

#[test]
fn zip_bombs_are_refused_at_the_limit() {
    let bomb = compress(&vec![0u8; 10 << 20], 9).unwrap();
    assert!(bomb.len() < 20_000);
    let mut m = header(5, 0x02, bomb.len() as u32, 0);
    m.extend_from_slice(&bomb);
    let opts = ParseOptions::default().max_message_size(1 << 20);
    let (result, bytes) = allocated_by(|| V5.parse(&m, &opts));
    assert_eq!(
        result,
        Err(ProtocolError::DecompressedTooLarge { max: 1 << 20 })
    );
    assert!(bytes < 3 << 20, "allocated {bytes} bytes for a 1 MiB limit");
    let (ok, _) = parse(&m).unwrap().unwrap();
    assert_eq!(ok.payload.len(), 10 << 20);
}

#[test]
fn flags_map_to_v5_bits_and_unknown_bits_are_ignored() {
    let (msg, _) = parse(&header(5, 0xff81, 0, 0)).unwrap().unwrap();
    assert_eq!(msg.flags, Flags::EXCEPTION);
    let all = Flags::EXCEPTION
        | Flags::ONEWAY
        | Flags::BATCH
        | Flags::ITEMSTREAMRESULT
        | Flags::KEEPSERIALIZED
        | Flags::META_ON_CONNECT;
    let msg = Message::new(MessageType::Result, 1, 0, Vec::new())
        .with_flags(all)
        .with_correlation_id(CorrelationId([7; 16]));
    let bytes = V5.encode(&msg).unwrap();
    assert_eq!(&bytes[8..10], &[0x00, 0x7d]); // META_ON_CONNECT has no v5 bit
    assert_eq!(&bytes[20..36], &[7; 16]);
    // Without the CORR_ID bit the id field is not read.
    let mut h = header(5, 0, 0, 0);
    h[20] = 9;
    assert_eq!(parse(&h).unwrap().unwrap().0.correlation_id, None);
}

#[test]
fn outgoing_limits() {
    let msg = Message::new(MessageType::Ping, 256, 0, Vec::new());
    assert_eq!(
        V5.encode(&msg).unwrap_err().to_string(),
        "serializer id 256 does not fit a protocol 502 header"
    );
    let msg = Message::new(MessageType::Invoke, 1, 0, vec![0; 95])
        .with_annotation(id("XREQ"), vec![0; 10]);
    assert_eq!(V5.check_size(&msg, 113), Ok(()));
    assert_eq!(
        V5.check_size(&msg, 112).unwrap_err().to_string(),
        "message too large (113, max=112)"
    );
    assert!("ABC".parse::<AnnotationId>().is_err());
    assert_eq!("CORR".parse::<AnnotationId>(), Ok(AnnotationId::CORR));
}

#[test]
fn compression_rules() {
    let mut msg = Message::new(MessageType::Result, 1, 0, vec![b'x'; 101]);
    V5.compression().apply(&mut msg);
    assert!(msg.has(Flags::COMPRESSED));
    let bytes = V5.encode(&msg).unwrap();
    let (back, _) = parse(&bytes).unwrap().unwrap();
    assert_eq!(back.payload, vec![b'x'; 101]);
    assert!(!back.has(Flags::COMPRESSED));
    // v5 compresses even when that makes it bigger; v4 keeps the smaller form.
    let noise: Vec<u8> = (0..300u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut v5 = Message::new(MessageType::Result, 1, 0, noise.clone());
    Compression::V5.apply(&mut v5);
    assert!(v5.has(Flags::COMPRESSED) && v5.payload.len() > noise.len());
    let mut v4 = Message::new(MessageType::Result, 1, 0, noise.clone());
    Compression::V4.apply(&mut v4);
    assert!(!v4.has(Flags::COMPRESSED) && v4.payload == noise);
}

fn arb_message() -> impl Strategy<Value = Message> {
    let types = proptest::sample::select(MessageType::ALL.to_vec());
    let flags = proptest::collection::vec(
        proptest::sample::select(vec![
            Flags::EXCEPTION,
            Flags::COMPRESSED,
            Flags::ONEWAY,
            Flags::BATCH,
            Flags::ITEMSTREAMRESULT,
            Flags::KEEPSERIALIZED,
        ]),
        0..4,
    );
    let ann = proptest::collection::vec(
        (
            "[A-Za-z0-9]{4}",
            proptest::collection::vec(any::<u8>(), 0..40),
        ),
        0..4,
    );
    (
        types,
        flags,
        any::<u16>(),
        0u16..=255,
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
    fn parse_inverts_encode(msg in arb_message()) {
        let bytes = V5.encode(&msg).unwrap();
        let raw = ParseOptions::default().decompress(false);
        prop_assert_eq!(V5.parse(&bytes, &raw).unwrap(), Some((msg.clone(), bytes.len())));
    }

    #[test]
    fn compressed_messages_come_back_inflated(msg in arb_message()) {
        let mut plain = msg;
        plain.flags.remove(Flags::COMPRESSED);
        let mut packed = plain.clone();
        Compression::V5.apply(&mut packed);
        let bytes = V5.encode(&packed).unwrap();
        prop_assert_eq!(V5.parse(&bytes, &ParseOptions::default()).unwrap(), Some((plain, bytes.len())));
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut framed = header(5, 0x02, data.len() as u32, 0);
        framed.extend_from_slice(&data);
        for buf in [&data[..], &framed[..]] {
            let _ = V5.parse(buf, &ParseOptions::default().max_message_size(1 << 16));
        }
    }
}

/// An annotation id from its four characters.
fn id(text: &str) -> AnnotationId {
    text.parse().expect("a valid annotation id")
}
