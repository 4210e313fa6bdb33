//! Fuzzes decompression (the COMPRESSED flag's zlib): the one-pass inflate, the measuring pass
//! a daemon runs first and the inflate into the measured size must agree, never panic, and
//! never produce more than the limit. Each input runs under one of the oracle's limits, chosen
//! by its length (the regression replay runs every input under all of them).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pyroxene_wire::oracles::check_decompress_sampled(data);
});
