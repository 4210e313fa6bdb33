//! Fuzzes multiprocessing.connection's handshake parsers (pyroxene-connection): challenges
//! we accept are answered and the answer verifies; answers to a fixed challenge get a
//! verdict, and only the right MAC passes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pyroxene_connection::oracles::check_handshake(data);
});
