//! Fuzzes decompression (the COMPRESSED flag's zlib): the one-pass inflate, the measuring pass
//! a daemon runs first and the inflate into the measured size must agree, never panic, and
//! never produce more than the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pyroxene_wire::oracles::check_decompress(data);
});
