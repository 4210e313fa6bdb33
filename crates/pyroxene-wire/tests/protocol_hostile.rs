//! Both codecs, v5 (Pyro5, protocol 502) and v4 (Pyro4, protocol 48), against hostile and
//! broken input: what arrives in pieces waits, what lies about its size costs nothing, what
//! is malformed is refused with Python's text; v4's HMAC against bytes made by the real Pyro4;
//! round trips of generated messages of both generations.
//!
//! What both generations must do is written once, as a table over [`Gen`] whose rows hold what
//! differs (field widths, Python's texts, flag bits, compression rule), and a failing row names
//! its generation. Only what v4 has alone gets tests of its own: the HMAC, the codec choice by
//! key, and the steps of Pyro4's header order that v5 lacks (checksum, negative sizes).
//!
//! A counting allocator (per thread, so parallel tests don't disturb each other) proves that
//! a header announcing a huge body costs no memory: the parser allocates only for bytes it has.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use pyroxene_wire::dialect::PyroErrorClass;
use pyroxene_wire::protocol::compress::compress;
use pyroxene_wire::protocol::{
    AnnotationId, Codec, Compression, CorrelationId, Flags, Message, MessageType, ParseOptions,
    ProtocolError, V4, V5, codec_for, codec_with_hmac,
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

/// Bytes allocated on this thread while running `f`.
fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.with(Cell::get);
    let out = f();
    (out, ALLOCATED.with(Cell::get) - before)
}

/// A protocol generation: the row key of every table below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gen {
    V5,
    V4,
}

const GENS: [Gen; 2] = [Gen::V5, Gen::V4];

impl Gen {
    fn version(self) -> ProtocolVersion {
        match self {
            Gen::V5 => ProtocolVersion::V5,
            Gen::V4 => ProtocolVersion::V4,
        }
    }

    /// The keyless codec, as a daemon picks it.
    fn codec(self) -> &'static dyn Codec {
        codec_for(self.version())
    }

    fn parse(self, buf: &[u8]) -> Result<Option<(Message, usize)>, ProtocolError> {
        self.codec().parse(buf, &ParseOptions::default())
    }

    /// A header with the given fields, correct otherwise. Panics on a field this generation's
    /// header cannot hold: such a row is a mistake in the test, not in the codec.
    fn header(self, msg_type: u16, flags: u16, data_size: u32, ann_size: u32) -> Vec<u8> {
        match self {
            Gen::V5 => {
                let msg_type = u8::try_from(msg_type).expect("a v5 type");
                v5_header(msg_type, flags, data_size, ann_size)
            }
            Gen::V4 => {
                let data_size = i32::try_from(data_size).expect("a v4 data size");
                let ann_size = u16::try_from(ann_size).expect("a v4 annotations size");
                v4_header(msg_type, flags, data_size, ann_size)
            }
        }
    }

    /// The largest data and annotation sizes a header can announce.
    fn largest_sizes(self) -> (u32, u32) {
        match self {
            Gen::V5 => (u32::MAX, u32::MAX),
            Gen::V4 => (i32::MAX as u32, 0xffff),
        }
    }

    /// Bytes of an annotation chunk's length field.
    fn len_width(self) -> usize {
        match self {
            Gen::V5 => 4,
            Gen::V4 => 2,
        }
    }

    /// An annotation chunk claiming `len` bytes, then `value` (which may be shorter).
    fn chunk(self, id: &[u8; 4], len: u64, value: &[u8]) -> Vec<u8> {
        let width = self.len_width();
        assert!(len < 1 << (8 * width), "{self:?}: {len}");
        [&id[..], &len.to_be_bytes()[8 - width..], value].concat()
    }
}

/// A v5 header with the given fields (magic and tag correct unless overwritten).
fn v5_header(msg_type: u8, flags: u16, data_size: u32, ann_size: u32) -> Vec<u8> {
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

/// A v4 header with the given fields and a correct checksum; any type and a negative size
/// can be written, as a hostile peer can.
fn v4_header(msg_type: u16, flags: u16, data_size: i32, ann_size: u16) -> Vec<u8> {
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

const KEY: &[u8] = b"pyro-hmac-key";

/// Every codec there is: v5's, and v4's without and with an HMAC key (`true`: signed).
fn codecs() -> [(Gen, Box<dyn Codec>, bool); 3] {
    [
        (Gen::V5, Box::new(V5), false),
        (Gen::V4, Box::new(V4::new()), false),
        (Gen::V4, Box::new(V4::with_hmac(KEY)), true),
    ]
}

#[test]
fn the_start_is_judged_after_six_bytes_and_the_rest_once_the_header_is_in() {
    use ProtocolError::V4InvalidHeader;
    use ProtocolError::{ChecksumMismatch, InvalidData, InvalidHeader, InvalidVersion};
    // Python reads six bytes before it judges anything, so any five only wait.
    for g in GENS {
        for five in [&b"GET /"[..], b"PYRO\x00", b"PYRO\x01"] {
            assert_eq!(g.parse(five), Ok(None), "{g:?}: {five:?}");
        }
    }
    // v5 tells garbage from another version; Pyro4 has one text for both.
    let starts: [(Gen, &[u8], ProtocolError); 8] = [
        (Gen::V5, b"GET / ", InvalidData),
        (Gen::V5, b"PYRX\x01\xf6", InvalidData),
        (Gen::V5, b"PYRO\x00\x30", InvalidVersion(48)),
        (Gen::V5, b"PYRO\xff\xff", InvalidVersion(65535)),
        (Gen::V4, b"GET / ", V4InvalidHeader),
        (Gen::V4, b"GET / HTTP/1.0", V4InvalidHeader),
        (Gen::V4, b"PYRX\x00\x30", V4InvalidHeader),
        (Gen::V4, b"PYRO\x01\xf6", V4InvalidHeader),
    ];
    for (g, start, err) in starts {
        assert_eq!(g.parse(start), Err(err), "{g:?}: {start:?}");
    }
    // A good start waits for the whole header before its last byte (v5's magic, v4's
    // checksum) is judged.
    for (g, err) in [(Gen::V5, InvalidHeader), (Gen::V4, ChecksumMismatch)] {
        let good = g.header(4, 0, 5, 0);
        let last = g.codec().header_size() - 1;
        assert_eq!(good.len(), last + 1, "{g:?}");
        for bad_byte in (0..8).map(|bit| good[last] ^ 1 << bit).chain([0]) {
            let mut bad = good.clone();
            bad[last] = bad_byte;
            assert_eq!(g.parse(&bad[..last]), Ok(None), "{g:?}: {bad_byte:#x}");
            assert_eq!(g.parse(&bad), Err(err.clone()), "{g:?}: {bad_byte:#x}");
        }
    }
    // Python's texts, which a daemon sends back.
    let texts = [
        (InvalidData, "invalid data"),
        (InvalidVersion(65535), "invalid protocol version: 65535"),
        (InvalidHeader, "invalid message or protocol version"),
        (
            V4InvalidHeader,
            "invalid data or unsupported protocol version",
        ),
        (ChecksumMismatch, "header checksum mismatch"),
    ];
    for (err, text) in texts {
        assert_eq!(err.to_string(), text);
    }
}

#[test]
fn oversized_headers_are_refused_before_any_allocation() {
    let rows = [
        (
            Gen::V5,
            ProtocolError::TooLarge {
                size: 8_589_934_590,
                max: 1 << 30,
            },
            "message too large (8589934590, max=1073741824)",
            "message too large (101, max=100)",
        ),
        (
            Gen::V4,
            ProtocolError::MaxSizeExceeded {
                size: 2_147_549_182,
                max: 1 << 30,
            },
            "max message size exceeded (2147549182 where max=1073741824)",
            "max message size exceeded (101 where max=100)",
        ),
    ];
    for (g, too_large, text, small_text) in rows {
        let (data, ann) = g.largest_sizes();
        let h = g.header(4, 0, data, ann);
        let (result, bytes) = allocated_by(|| g.parse(&h));
        assert_eq!(result, Err(too_large.clone()), "{g:?}");
        assert_eq!(too_large.to_string(), text, "{g:?}");
        assert_eq!(bytes, 0, "{g:?}");
        // Without a limit, waiting for the largest body allocates nothing either.
        let unlimited = ParseOptions::default().max_message_size(u64::MAX);
        let (result, bytes) = allocated_by(|| g.codec().parse(&h, &unlimited));
        assert_eq!((result, bytes), (Ok(None), 0), "{g:?}");
        // Exactly at the limit is fine, and waiting for the body allocates nothing.
        let h = g.header(4, 0, 1_073_741_824 - 10, 10);
        let (result, bytes) = allocated_by(|| g.parse(&h));
        assert_eq!((result, bytes), (Ok(None), 0), "{g:?}");
        let small = ParseOptions::default().max_message_size(100);
        let h = g.header(4, 0, 90, 11);
        let err = g.codec().parse(&h, &small).unwrap_err();
        assert_eq!(err.to_string(), small_text, "{g:?}");
    }
}

/// What a generation says about a message type, next to what it says about the size.
struct TypeRow {
    g: Gen,
    too_large: ProtocolError,
    too_large_text: &'static str,
    too_large_class: PyroErrorClass,
    /// INVOKE where only CONNECT is accepted.
    invoke_first: &'static str,
    /// CONNECT where only INVOKE and PING are.
    connect_later: &'static str,
    /// Pyro4's text does not list the accepted types.
    all_accepted: &'static str,
    unknown: [u16; 3],
}

#[test]
fn the_message_type_is_checked_after_the_size_like_python() {
    let rows = [
        TypeRow {
            g: Gen::V5,
            too_large: ProtocolError::TooLarge { size: 20, max: 10 },
            too_large_text: "message too large (20, max=10)",
            too_large_class: PyroErrorClass::ProtocolError,
            invoke_first: "invalid msg type 4 received (expected: 1)",
            connect_later: "invalid msg type 1 received (expected: 4,6)",
            all_accepted: " (expected: 1,2,3,4,5,6)",
            unknown: [0, 7, 255],
        },
        TypeRow {
            g: Gen::V4,
            too_large: ProtocolError::MaxSizeExceeded { size: 20, max: 10 },
            too_large_text: "max message size exceeded (20 where max=10)",
            too_large_class: PyroErrorClass::MessageTooLargeError,
            invoke_first: "invalid msg type 4 received",
            connect_later: "invalid msg type 1 received",
            all_accepted: "",
            unknown: [0, 7, 0xffff],
        },
    ];
    for row in rows {
        let (g, codec) = (row.g, row.g.codec());
        let first = ParseOptions::default().accept(&[MessageType::Connect]);
        let invoke = g.header(4, 0, 20, 0);
        // Size first: an oversized message of a wrong type reports the size.
        let err = codec
            .parse(&invoke, &first.max_message_size(10))
            .unwrap_err();
        assert_eq!(err, row.too_large, "{g:?}");
        assert_eq!(err.to_string(), row.too_large_text, "{g:?}");
        assert_eq!(err.python_class(g.version()), row.too_large_class, "{g:?}");
        for opts in [first, first.max_message_size(100)] {
            let err = codec.parse(&invoke, &opts).unwrap_err();
            assert_eq!(err.to_string(), row.invoke_first, "{g:?}");
        }
        let later = ParseOptions::default().accept(&[MessageType::Invoke, MessageType::Ping]);
        let err = codec.parse(&g.header(1, 0, 0, 0), &later).unwrap_err();
        assert_eq!(err.to_string(), row.connect_later, "{g:?}");
        // Unknown type numbers are refused even when everything is accepted.
        for t in row.unknown {
            let err = g.parse(&g.header(t, 0, 0, 0)).unwrap_err();
            let want = format!("invalid msg type {t} received{}", row.all_accepted);
            assert_eq!(err.to_string(), want, "{g:?}");
        }
    }
}

/// The v4-only steps of Pyro4's order (tag, checksum, size, type, then a negative size); the
/// steps v5 shares are in the tables above.
#[test]
fn header_checks_come_in_pyro4s_order() {
    // The checksum before the size.
    let mut big = v4_header(4, 0, i32::MAX, 0xffff);
    big[23] ^= 1;
    assert_eq!(Gen::V4.parse(&big), Err(ProtocolError::ChecksumMismatch));
    // The type before a negative size.
    let first = ParseOptions::default()
        .accept(&[MessageType::Connect])
        .max_message_size(100);
    let err = V4::new()
        .parse(&v4_header(4, 0, -1, 0), &first)
        .unwrap_err();
    assert_eq!(err.to_string(), "invalid msg type 4 received");
    // A negative size never trips the limit (as in Python) but is refused.
    let negative = v4_header(5, 0, i32::MIN, 0);
    assert_eq!(
        Gen::V4.parse(&negative),
        Err(ProtocolError::InvalidDataSize)
    );
}

#[test]
fn annotation_chunks_must_fill_their_block_exactly() {
    for g in GENS {
        let with_ann = |ann: &[u8]| {
            let mut m = g.header(5, 0, 0, ann.len() as u32);
            m.extend_from_slice(ann);
            g.parse(&m)
        };
        let all_ones = (1u64 << (8 * g.len_width())) - 1;
        let half_a_length = 4 + g.len_width() / 2;
        let overruns = [
            g.chunk(b"XREQ", 5, b"abcd"),
            g.chunk(b"XREQ", all_ones, b"abcd"),
            g.chunk(b"XREQ", 0, b"")[..half_a_length].to_vec(),
            [g.chunk(b"XREQ", 1, b"a"), b"XY".to_vec()].concat(),
        ];
        for ann in overruns {
            let overrun = Err(ProtocolError::AnnotationOverrun);
            assert_eq!(with_ann(&ann), overrun, "{g:?}: {ann:?}");
        }
        let bad_id = g.chunk(b"X\xe9EQ", 0, b"");
        let err = Err(ProtocolError::InvalidAnnotationId);
        assert_eq!(with_ann(&bad_id), err, "{g:?}");
        // A later duplicate replaces the earlier value in place.
        let ann = [
            g.chunk(b"AAAA", 1, b"x"),
            g.chunk(b"BBBB", 0, b""),
            g.chunk(b"AAAA", 1, b"y"),
        ];
        let (msg, _) = with_ann(&ann.concat()).unwrap().unwrap();
        let ids: Vec<String> = msg.annotations.iter().map(|(i, _)| i.to_string()).collect();
        assert_eq!(ids, ["AAAA", "BBBB"], "{g:?}");
        assert_eq!(msg.annotation(id("AAAA")), Some(&b"y"[..]), "{g:?}");
        // A CORR of another length stays an annotation.
        let (msg, _) = with_ann(&g.chunk(b"CORR", 3, b"abc")).unwrap().unwrap();
        let corr = (msg.correlation_id, msg.annotation(id("CORR")));
        assert_eq!(corr, (None, Some(&b"abc"[..])), "{g:?}");
        // 16 bytes of CORR are v4's correlation id; v5 has the id in its header.
        let (msg, _) = with_ann(&g.chunk(b"CORR", 16, &[9; 16])).unwrap().unwrap();
        let want = match g {
            Gen::V5 => (None, 1),
            Gen::V4 => (Some(CorrelationId([9; 16])), 0),
        };
        let got = (msg.correlation_id, msg.annotations.len());
        assert_eq!(got, want, "{g:?}");
    }
    assert_eq!(
        ProtocolError::AnnotationOverrun.to_string(),
        "annotation chunk length exceeds remaining data"
    );
}

#[test]
fn many_tiny_annotation_chunks_parse_in_linear_time() {
    // v4's 16-bit block holds no more than 10,922 empty chunks, each id new.
    let rows = [
        (Gen::V5, 200_000, 26 * 26 * 26),
        (Gen::V4, 65_535 / 6, 10_922),
    ];
    for (g, chunks, distinct) in rows {
        let mut ann = Vec::new();
        for i in 0..chunks {
            let id = [
                b'A' + (i % 26) as u8,
                b'A' + (i / 26 % 26) as u8,
                b'A' + (i / 676 % 26) as u8,
                b'0',
            ];
            ann.extend_from_slice(&g.chunk(&id, 0, b""));
        }
        let mut m = g.header(5, 0, 0, ann.len() as u32);
        m.extend_from_slice(&ann);
        let (msg, _) = g.parse(&m).unwrap().unwrap();
        assert_eq!(msg.annotations.len(), distinct, "{g:?}");
    }
}

#[test]
fn every_prefix_waits_and_every_mutation_is_handled() {
    let plain = Message::new(MessageType::Invoke, 1, 3, b"payload".to_vec())
        .with_annotation(id("XREQ"), b"annotation".to_vec());
    let with_corr = plain.clone().with_correlation_id(CorrelationId([3; 16]));
    // Where signed v4 puts its chunk ids (XREQ, then CORR, then HMAC): Pyro4's HMAC covers
    // the values only, so a flip there may pass.
    let messages = [(plain, &[24, 40][..]), (with_corr, &[24, 40, 62][..])];
    let opts = ParseOptions::default();
    for (_, codec, signed) in codecs() {
        for (msg, ids) in &messages {
            let bytes = codec.encode(msg).unwrap();
            for cut in 0..bytes.len() {
                let r = codec.parse(&bytes[..cut], &opts);
                assert_eq!(r, Ok(None), "{codec:?}: cut at {cut}");
            }
            let mut two = bytes.clone();
            two.extend_from_slice(&bytes[..10]);
            let want = Ok(Some((msg.clone(), bytes.len())));
            assert_eq!(codec.parse(&two, &opts), want, "{codec:?}");
            // Flipping any bit must give an error or a message; signed, any flip in the
            // annotations or the payload is an error, except in an annotation id.
            let in_id = |at: usize| ids.iter().any(|id| (*id..id + 4).contains(&at));
            for at in 0..bytes.len() {
                for bit in 0..8 {
                    let mut m = bytes.clone();
                    m[at] ^= 1 << bit;
                    let r = codec.parse(&m, &opts);
                    if signed && at >= 24 && !in_id(at) {
                        assert!(
                            !matches!(r, Ok(Some(_))),
                            "{codec:?}: flip {at}.{bit} accepted"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn zip_bombs_are_refused_at_the_limit() {
    let bomb = compress(&vec![0u8; 10 << 20], 9).unwrap();
    assert!(bomb.len() < 20_000);
    for g in GENS {
        let mut m = g.header(5, 0x02, bomb.len() as u32, 0);
        m.extend_from_slice(&bomb);
        let opts = ParseOptions::default().max_message_size(1 << 20);
        let (result, bytes) = allocated_by(|| g.codec().parse(&m, &opts));
        let refused = Err(ProtocolError::DecompressedTooLarge { max: 1 << 20 });
        assert_eq!(result, refused, "{g:?}");
        assert!(bytes < 3 << 20, "{g:?}: {bytes} bytes for a 1 MiB limit");
        let (ok, _) = g.parse(&m).unwrap().unwrap();
        assert_eq!(ok.payload.len(), 10 << 20, "{g:?}");
    }
}

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

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let framed = GENS.map(|g| [g.header(5, 0x02, data.len() as u32, 0), data.clone()]);
        for buf in [data.clone()].into_iter().chain(framed.map(|f| f.concat())) {
            for (_, codec, _) in codecs() {
                let _ = codec.parse(&buf, &ParseOptions::default().max_message_size(1 << 16));
            }
            pyroxene_wire::oracles::check_message_round_trip(&buf);
        }
    }
}

/// An annotation id from its four characters.
fn id(text: &str) -> AnnotationId {
    text.parse().expect("a valid annotation id")
}
