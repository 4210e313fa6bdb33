//! Fuzzes the message parsers (Pyro5, Pyro4, Pyro4 with an HMAC key): any input gives Ok or Err, never a panic, a hang or an
//! allocation beyond the input and the size limit; whatever parses must re-encode to bytes that
//! parse back to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pyroxene_wire::oracles::check_message_round_trip(data);
});
