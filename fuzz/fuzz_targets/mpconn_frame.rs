//! Fuzzes multiprocessing.connection's frame decoder (pyroxene-connection): any bytes give
//! frames, "not yet" or an error, never a panic; every payload read survives our own
//! encode/decode; no frame is split off before it is whole.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pyroxene_connection::oracles::check_frames(data);
});
