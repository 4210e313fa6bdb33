//! What a decode may allocate, measured by a counting allocator: memory follows the bytes
//! received, whatever lengths the input announces.
//!
//! Regression (issue 16): nested containers each announcing "as many items as the input has
//! left" each reserved room for all of them, so 1 MB of 500 nested msgpack map headers reserved
//! 26 GB of address space and touched 520 MB; marshal's nested sets took 1 GB and 2.2 s.

use pyroxene_wire::Serializer;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// The most heap bytes held at once while decoding `input` (a fresh dhat profile: one
/// measurement at a time, so every case runs inside one test).
fn peak_while_decoding(ser: Serializer, input: &[u8]) -> usize {
    let profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get().curr_bytes;
    let decoded = ser.decode(input);
    let peak = dhat::HeapStats::get().max_bytes - before;
    drop(decoded);
    drop(profiler);
    peak
}

const INPUT: usize = 1 << 20;
const LEVELS: usize = 500;

/// `LEVELS` nested container headers, each announcing what is left of `INPUT` (or more),
/// padded with `fill` to `INPUT` bytes.
fn nested(header: impl Fn(usize) -> Vec<u8>, fill: u8) -> Vec<u8> {
    let mut input = Vec::with_capacity(INPUT);
    for _ in 0..LEVELS {
        let h = header(INPUT - input.len());
        input.extend_from_slice(&h);
    }
    input.resize(INPUT, fill);
    input
}

fn marshal_header(code: u8) -> impl Fn(usize) -> Vec<u8> {
    move |left| {
        let n = u32::try_from(left - 16).unwrap_or(u32::MAX);
        let mut h = vec![code];
        h.extend_from_slice(&n.to_le_bytes());
        h
    }
}

#[test]
fn nested_announced_lengths_reserve_no_more_than_the_input_holds() {
    let cases: [(&str, Serializer, Vec<u8>); 5] = [
        (
            "msgpack array32",
            Serializer::Msgpack,
            nested(|_| b"\xdd\xff\xff\xff\xff".to_vec(), 0xc0),
        ),
        (
            "msgpack map32",
            Serializer::Msgpack,
            nested(|_| b"\xdf\xff\xff\xff\xff".to_vec(), 0xc0),
        ),
        (
            "marshal list",
            Serializer::Marshal,
            nested(marshal_header(b'['), b'N'),
        ),
        (
            "marshal tuple",
            Serializer::Marshal,
            nested(marshal_header(b'('), b'N'),
        ),
        (
            "marshal set",
            Serializer::Marshal,
            nested(marshal_header(b'<'), b'N'),
        ),
    ];
    for (name, ser, input) in cases {
        let peak = peak_while_decoding(ser, &input);
        // Linear in the input: the room reserved (one 40-byte Value per input byte at most)
        // plus the items really there (as many again, growing by doubling). Before the fix:
        // one reservation per level, 500 × the input.
        assert!(
            peak <= 128 * INPUT,
            "{name}: {peak} bytes held decoding {INPUT} bytes"
        );
    }

    // A million nils in one array: the reservation covers them, so the list is allocated once.
    let mut input = b"\xdd\x00\x0f\x42\x40".to_vec();
    input.resize(input.len() + 1_000_000, 0xc0);
    let peak = peak_while_decoding(Serializer::Msgpack, &input);
    let one_list = 1_000_000 * std::mem::size_of::<pyroxene_wire::Value>();
    assert!(
        peak <= one_list + 4096,
        "{peak} bytes for a {one_list}-byte list"
    );
}
