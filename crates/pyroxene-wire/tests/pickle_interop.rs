//! pickle against the real Python `pickle` (`interop/pickle_protocols.py`): generated values
//! go out as our protocol-4 bytes, Python unpickles them and pickles its result with protocols
//! 2, 3, 4 and 5 (frames, memo, protocol 2's `_codecs.encode` bytes and `set` REDUCE, ...),
//! and each of those must decode to the value we sent; Python's repr must equal our Display.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use pyroxene_testkit::strategies::{self, contains_set};
use pyroxene_testkit::{PythonScript, python};
use pyroxene_wire::Serializer;
use pyroxene_wire::serializer::pickle;

const VALUES: usize = 500;

#[test]
fn python_pickles_of_protocols_2_to_5_decode_to_what_we_sent() {
    let Some(py) = python() else { return };
    let mut peer = PythonScript::spawn(&py, "pickle_protocols.py", &[]).expect("start helper");
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = strategies::value(Serializer::Pickle);
    let mut failures = Vec::new();
    for i in 0..VALUES {
        let value = strategy.new_tree(&mut runner).expect("generate").current();
        let ours = pickle::to_vec(&value).expect("encode");
        peer.send(b'D', &ours).expect("send");
        let (tag, repr) = peer.recv().expect("answer");
        if tag == b'E' {
            failures.push(format!(
                "#{i} python refused {value}: {}",
                String::from_utf8_lossy(&repr)
            ));
            continue;
        }
        if !contains_set(&value) && value.to_string() != String::from_utf8_lossy(&repr) {
            failures.push(format!(
                "#{i} repr {} vs {value}",
                String::from_utf8_lossy(&repr)
            ));
        }
        for protocol in 2..=5 {
            let (_, theirs) = peer.recv().expect("pickle");
            match pickle::from_slice(&theirs) {
                Ok(back) if back == value => {}
                other => failures.push(format!("#{i} protocol {protocol} of {value}: {other:?}")),
            }
        }
        if failures.len() >= 20 {
            break;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
