//! Replays every input the fuzzers found interesting (`fuzz/regressions/<target>/*`) and every
//! captured vector through the fuzzing oracle, so a fixed fuzz finding stays fixed without
//! nightly or cargo-fuzz.

use std::path::Path;

use pyroxene_testkit::{vectors_dir, workspace_root};
use pyroxene_wire::Serializer;
use pyroxene_wire::oracles::{check_decode_call, check_round_trip};

fn replay_dir(ser: Serializer, dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for entry in entries.flatten() {
        let data = std::fs::read(entry.path()).expect("read regression input");
        check_round_trip(ser, &data);
        n += 1;
    }
    n
}

#[test]
fn fuzz_regressions_stay_fixed() {
    let root = workspace_root().join("fuzz/regressions");
    for &ser in Serializer::all(pyroxene_wire::ProtocolVersion::V4) {
        replay_dir(ser, &root.join(format!("{}_decode", ser.name())));
    }
}

#[test]
fn every_prefix_of_every_vector_is_handled() {
    let dir = vectors_dir().join("serializers");
    for ser in Serializer::ALL {
        for lib in ["pyro4", "pyro5"] {
            for suffix in ["", "-calls"] {
                let path = dir.join(format!("{lib}-{}{suffix}.bin", ser.name()));
                let data = std::fs::read(&path).expect("vector file");
                // The files are concatenations; every window start/end stresses the decoder.
                for end in 0..=data.len().min(4096) {
                    check_round_trip(ser, &data[..end]);
                }
                for start in (0..data.len()).step_by(7) {
                    check_round_trip(ser, &data[start..]);
                }
            }
        }
    }
}

/// The call readers' oracle (the `call_decode` target) over every regression input of every
/// decoder and every prefix and suffix of the captured call payloads: the fast call readers
/// must agree with the general way on all of them.
#[test]
fn call_readers_agree_on_regressions_and_call_vectors() {
    let root = workspace_root().join("fuzz/regressions");
    let all = Serializer::all(pyroxene_wire::ProtocolVersion::V4);
    for target in [
        "call_decode",
        "serpent_decode",
        "json_decode",
        "marshal_decode",
    ]
    .into_iter()
    .chain(["msgpack_decode", "pickle_decode"])
    {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            let data = std::fs::read(entry.path()).expect("read regression input");
            for &ser in all {
                check_decode_call(ser, &data);
            }
        }
    }
    let dir = vectors_dir().join("serializers");
    for ser in Serializer::ALL {
        for lib in ["pyro4", "pyro5"] {
            let path = dir.join(format!("{lib}-{}-calls.bin", ser.name()));
            let data = std::fs::read(&path).expect("vector file");
            for end in 0..=data.len().min(4096) {
                check_decode_call(ser, &data[..end]);
            }
            for start in 0..data.len() {
                check_decode_call(ser, &data[start..]);
            }
        }
    }
}

#[test]
fn message_parse_regressions_and_stream_prefixes() {
    let dir = workspace_root().join("fuzz/regressions/message_parse");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let data = std::fs::read(entry.path()).expect("read regression input");
            pyroxene_wire::oracles::check_message_round_trip(&data);
        }
    }
    for name in [
        "pyro5/echo_serpent.s2c.bin",
        "pyro5/compression_serpent.s2c.bin",
        "pyro5/annotations_serpent.c2s.bin",
        "pyro4/echo_serpent.s2c.bin",
        "pyro4/annotations_serpent.c2s.bin",
        "pyro4/echo_pickle.s2c.bin",
    ] {
        let data = std::fs::read(vectors_dir().join(name)).expect("stream");
        for end in 0..=data.len().min(2048) {
            pyroxene_wire::oracles::check_message_round_trip(&data[..end]);
        }
        for start in (0..data.len()).step_by(5) {
            pyroxene_wire::oracles::check_message_round_trip(&data[start..]);
        }
    }
}

/// The decompression oracle over its regression inputs (seeds included: a bomb, a truncated
/// stream, trailing bytes) and every prefix of each.
#[test]
fn decompress_regressions_and_prefixes() {
    let dir = workspace_root().join("fuzz/regressions/decompress");
    let entries = std::fs::read_dir(dir).expect("fuzz/regressions/decompress");
    let mut n = 0;
    for entry in entries.flatten() {
        let data = std::fs::read(entry.path()).expect("read regression input");
        pyroxene_wire::oracles::check_decompress(&data);
        for end in (0..data.len()).step_by((data.len() / 64).max(1)) {
            pyroxene_wire::oracles::check_decompress(&data[..end]);
        }
        n += 1;
    }
    assert!(n >= 6, "the seeds are there");
}

/// Every prefix and suffix of the pickled payloads Pyro4 recorded, through the pickle oracle.
#[test]
fn pickle_stream_windows_are_handled() {
    for name in [
        "echo_pickle.c2s.bin",
        "exception_pickle.s2c.bin",
        "special_values_pickle.s2c.bin",
    ] {
        let data = std::fs::read(vectors_dir().join("pyro4").join(name)).expect("stream");
        for end in 0..=data.len().min(4096) {
            check_round_trip(Serializer::Pickle, &data[..end]);
        }
        for start in (0..data.len()).step_by(3) {
            check_round_trip(Serializer::Pickle, &data[start..]);
        }
    }
}
