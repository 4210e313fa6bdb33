//! Both codecs, v5 (Pyro5, protocol 502) and v4 (Pyro4, protocol 48), against hostile and
//! broken input: what arrives in pieces waits, what lies about its size costs nothing, what
//! is malformed is refused with Python's text, and arbitrary bytes never panic. (What each
//! generation writes, v4's HMAC and the round trips are in `protocol_encoding.rs`.)
//!
//! What both generations must do is written once, as a table over [`Gen`] whose rows hold what
//! differs (field widths, Python's texts), and a failing row names its generation. Only what v4
//! has alone gets tests of its own: the steps of Pyro4's header order that v5 lacks (checksum,
//! negative sizes).
//!
//! A counting allocator (per thread, so parallel tests don't disturb each other) proves that
//! a header announcing a huge body costs no memory: the parser allocates only for bytes it has.

#[path = "support/protocol_gen.rs"]
mod protocol_gen;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use protocol_gen::{GENS, Gen, codecs, id, v4_header};
use pyroxene_wire::dialect::PyroErrorClass;
use pyroxene_wire::protocol::compress::compress;
use pyroxene_wire::protocol::{
    CorrelationId, Message, MessageType, ParseOptions, ProtocolError, V4,
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

// What only the hostile tables ask of a generation (its size limits and annotation framing),
// next to them rather than in the shared module, which `protocol_encoding.rs` uses whole.
impl Gen {
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

proptest! {
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
