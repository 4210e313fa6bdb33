//! Fuzzes the marshal decoder: any input gives Ok or Err, never a panic, a hang or an unbounded
//! allocation; and whatever decodes must survive our own encode/decode round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyroxene_wire::Serializer;

fuzz_target!(|data: &[u8]| {
    pyroxene_wire::oracles::check_round_trip(Serializer::Marshal, data);
});
