//! Replays what the fuzzers found interesting (`fuzz/regressions/mpconn_*/`) through the
//! fuzzing oracles, so a fixed finding stays fixed without nightly or cargo-fuzz; and runs
//! the oracles over a few hand-made inputs at every cut.

use pyroxene_connection::oracles::{check_frames, check_handshake};
use pyroxene_testkit::workspace_root;

fn replay(target: &str, oracle: fn(&[u8])) {
    let dir = workspace_root().join("fuzz/regressions").join(target);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        oracle(&std::fs::read(entry.path()).expect("read regression input"));
    }
}

#[test]
fn fuzz_regressions_stay_fixed() {
    replay("mpconn_frame", check_frames);
    replay("mpconn_handshake", check_handshake);
}

#[test]
fn every_cut_of_hand_made_inputs() {
    let frames: &[u8] = b"\x20\x00\x00\x00\x03abc\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x01z\x00\x00\x00\x00\xff\xff\xff\xfe";
    let mut handshake = vec![3u8];
    handshake.extend_from_slice(b"key#CHALLENGE#{sha3_384}");
    handshake.extend_from_slice(&[7u8; 40]);
    for data in [frames, &handshake[..]] {
        for end in 0..=data.len() {
            check_frames(&data[..end]);
            check_handshake(&data[..end]);
        }
    }
}
