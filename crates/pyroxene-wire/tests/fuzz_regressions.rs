//! Replays every input the fuzzers found interesting (`fuzz/regressions/<target>/*`) and every
//! captured vector through the fuzzing oracle, so a fixed fuzz finding stays fixed without
//! nightly or cargo-fuzz.

use std::path::Path;

use pyroxene_testkit::{vectors_dir, workspace_root};
use pyroxene_wire::Serializer;
use pyroxene_wire::serializer::check_round_trip;

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
    for ser in Serializer::ALL {
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

#[test]
fn message_parse_regressions_and_stream_prefixes() {
    let dir = workspace_root().join("fuzz/regressions/message_parse");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let data = std::fs::read(entry.path()).expect("read regression input");
            pyroxene_wire::protocol::check_round_trip(&data);
        }
    }
    let streams = vectors_dir().join("pyro5");
    for name in [
        "echo_serpent.s2c.bin",
        "compression_serpent.s2c.bin",
        "annotations_serpent.c2s.bin",
    ] {
        let data = std::fs::read(streams.join(name)).expect("stream");
        for end in 0..=data.len().min(2048) {
            pyroxene_wire::protocol::check_round_trip(&data[..end]);
        }
        for start in (0..data.len()).step_by(5) {
            pyroxene_wire::protocol::check_round_trip(&data[start..]);
        }
    }
}
