//! Fuzzes the Pyro5 message parser: any input gives Ok or Err, never a panic, a hang or an
//! allocation beyond the input and the size limit; whatever parses must re-encode to bytes that
//! parse back to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyroxene_wire::protocol::{ParseOptions, V5};

fuzz_target!(|data: &[u8]| {
    // A small limit keeps zip bombs cheap; both the raw and the inflating path are exercised.
    for decompress in [false, true] {
        let opts = ParseOptions::default()
            .max_message_size(1 << 20)
            .decompress(decompress);
        let Ok(Some((msg, used))) = V5.parse(data, &opts) else {
            continue;
        };
        assert!(used <= data.len());
        let bytes = V5.encode(&msg).expect("a parsed message re-encodes");
        // Inflated payloads may legitimately exceed the limit together with the annotations.
        let raw = ParseOptions::default()
            .max_message_size(u64::MAX)
            .decompress(false);
        match V5.parse(&bytes, &raw) {
            Ok(Some((again, n))) => {
                assert_eq!(n, bytes.len());
                assert_eq!(again, msg);
            }
            other => panic!("our own encoding of {msg:?} does not parse: {other:?}"),
        }
    }
});
