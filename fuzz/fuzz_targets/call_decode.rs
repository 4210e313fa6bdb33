//! Fuzzes the call readers: for every serializer, `decode_call` (with its fast paths) must give
//! exactly what decoding the payload as a value and taking it apart gives, the same call or the
//! same error, and never panic. Every serializer sees every input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyroxene_wire::{ProtocolVersion, Serializer};

fuzz_target!(|data: &[u8]| {
    for &ser in Serializer::all(ProtocolVersion::V4) {
        pyroxene_wire::oracles::check_decode_call(ser, data);
    }
});
