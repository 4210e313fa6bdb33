//! Test oracles: the properties the fuzz targets (`fuzz/`) and the regression tests check, in
//! one place so they check the same thing. Not an API: compiled only with the `oracles`
//! feature (which the tests and `fuzz/` turn on) and for this crate's own unit tests.
//!
//! Each function panics when its property breaks: that is the bug the fuzzer looks for.

use crate::auth::{create_response, parse_challenge, verify_response};
use crate::frame::{decode, encode};

/// The fuzzing oracle of the frame decoder: splits `data` into frames with a limit taken
/// from its first byte until it fails or runs out, and checks that every payload read
/// survives our own encode/decode and that a frame is never split off before it is whole.
///
/// # Panics
/// When any of that breaks: the bug the fuzzer looks for.
pub fn check_frames(data: &[u8]) {
    let Some((&first, mut rest)) = data.split_first() else {
        return;
    };
    let limit = 1u64 << (first % 40);
    while let Ok(Some((payload, used))) = decode(rest, limit) {
        assert!(payload.len() as u64 <= limit && used <= rest.len());
        assert_eq!(
            decode(&rest[..used - 1], limit),
            Ok(None),
            "a frame split off early"
        );
        let mut again = Vec::new();
        encode(payload, &mut again);
        assert_eq!(decode(&again, u64::MAX), Ok(Some((payload, again.len()))));
        rest = &rest[used..];
    }
}

/// The fuzzing oracle of the handshake parsers: `data` is a key length byte, the key, then a
/// handshake message. Whatever [`parse_challenge`] accepts must be answered, and that
/// answer verified; the message read as an answer to a fixed challenge must give a verdict.
///
/// # Panics
/// When any of that breaks: the bug the fuzzer looks for.
pub fn check_handshake(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let (key, message) = rest.split_at(usize::from(n).min(rest.len()));
    if let Ok(challenge) = parse_challenge(message)
        && let Ok(response) = create_response(key, challenge)
    {
        assert!(
            verify_response(key, challenge, &response).is_ok(),
            "our answer to {challenge:?} does not verify"
        );
    }
    let fixed = b"{sha256}0123456789012345678901234567890123456789";
    let verdict = verify_response(key, fixed, message);
    if let Ok(digest) = verdict {
        // Only the right MAC passes: recompute it.
        let mac = digest.mac(key, fixed);
        assert!(message.ends_with(&mac), "a wrong MAC passed");
    }
}
