//! The challenge/response handshake, sans IO: what each side sends and how it checks
//! the other's answer (CPython's `deliver_challenge` / `answer_challenge`).
//!
//! The server challenges first, then the client challenges the server: two symmetric rounds,
//! each three framed messages, all read with a 256-byte limit.
//!
//! ```text
//! challenger                                   answerer
//! #CHALLENGE#{sha256}<40 random bytes>  ->     (3.12+; 3.11 sends #CHALLENGE#<20 random bytes>)
//!                                       <-     {sha256}<HMAC-SHA256(key, "{sha256}"+random)>
//!                                              (a 20-byte challenge gets the raw 16-byte HMAC-MD5)
//! #WELCOME#  or  #FAILURE#              ->
//! ```
//!
//! A challenger accepts any allowed digest the answerer picked, including the raw 16-byte
//! HMAC-MD5 of a 3.11 peer; the MAC always covers the whole challenge, `{digest}` prefix
//! included, so a prefixed challenge can't be downgraded. Digests are compared in constant
//! time.

use hmac::{Hmac, KeyInit, Mac, SimpleHmac};
use subtle::ConstantTimeEq;

use crate::error::AuthenticationError;

/// Opens every challenge message.
pub const CHALLENGE: &[u8] = b"#CHALLENGE#";
/// The challenger's answer to a right digest.
pub const WELCOME: &[u8] = b"#WELCOME#";
/// The challenger's answer to a wrong digest.
pub const FAILURE: &[u8] = b"#FAILURE#";
/// The largest handshake message either side reads (`recv_bytes(256)` in CPython).
pub const MAX_HANDSHAKE_MESSAGE: u64 = 256;
/// The random part of a 3.12+ challenge.
pub const MESSAGE_LENGTH: usize = 40;
/// The random part of a 3.11 challenge; also the length that marks a challenge as legacy.
pub const LEGACY_MESSAGE_LENGTH: usize = 20;
/// The length of a raw HMAC-MD5 answer, which marks an answer as legacy.
const MD5_DIGEST_LENGTH: usize = 16;
/// Where a `{digest}` prefix must have closed: `{` + the longest name (`sha3_384`) + `}`.
const MAX_PREFIX_LEN: usize = 1 + 8 + 1;

/// The HMAC digests CPython allows (`_ALLOWED_DIGESTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Digest {
    /// HMAC-MD5: the only one of 3.11 and older, raw and unprefixed there.
    Md5,
    /// HMAC-SHA256: what 3.12+ challengers ask for.
    Sha256,
    /// HMAC-SHA384.
    Sha384,
    /// HMAC-SHA3-256.
    Sha3_256,
    /// HMAC-SHA3-384.
    Sha3_384,
}

impl Digest {
    /// Every allowed digest.
    pub const ALL: [Digest; 5] = [
        Digest::Md5,
        Digest::Sha256,
        Digest::Sha384,
        Digest::Sha3_256,
        Digest::Sha3_384,
    ];

    /// The name in a `{name}` prefix (Python's `hashlib` name).
    pub fn name(self) -> &'static str {
        match self {
            Digest::Md5 => "md5",
            Digest::Sha256 => "sha256",
            Digest::Sha384 => "sha384",
            Digest::Sha3_256 => "sha3_256",
            Digest::Sha3_384 => "sha3_384",
        }
    }

    /// The digest a prefix names, if it is an allowed one.
    pub fn from_name(name: &[u8]) -> Option<Digest> {
        Digest::ALL
            .into_iter()
            .find(|d| d.name().as_bytes() == name)
    }

    /// `HMAC-<digest>(key, message)`.
    pub fn mac(self, key: &[u8], message: &[u8]) -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
            // HMAC takes keys of any length: longer ones are hashed, shorter ones padded.
            let Ok(mut mac) = <M as KeyInit>::new_from_slice(key) else {
                unreachable!("HMAC accepts every key length")
            };
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        match self {
            Digest::Md5 => run::<Hmac<md5::Md5>>(key, message),
            Digest::Sha256 => run::<Hmac<sha2::Sha256>>(key, message),
            Digest::Sha384 => run::<Hmac<sha2::Sha384>>(key, message),
            // The sha3 types lack the block-level core `Hmac` needs; `SimpleHmac` computes
            // the same MAC.
            Digest::Sha3_256 => run::<SimpleHmac<sha3::Sha3_256>>(key, message),
            Digest::Sha3_384 => run::<SimpleHmac<sha3::Sha3_384>>(key, message),
        }
    }
}

/// What kind of challenge a side sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeStyle {
    /// 3.12+: `{digest}` + 40 random bytes. Every peer answers it: 3.11 and older with a raw
    /// HMAC-MD5 over the whole message, which is accepted.
    Prefixed(Digest),
    /// 3.11 and older: 20 random bytes, answered with a raw HMAC-MD5 by every version.
    Legacy,
}

impl Default for ChallengeStyle {
    /// `Prefixed(Sha256)`, as CPython 3.12+ sends.
    fn default() -> Self {
        ChallengeStyle::Prefixed(Digest::Sha256)
    }
}

/// A new challenge (without the `#CHALLENGE#` opening) with fresh random bytes from the
/// operating system.
///
/// # Errors
/// The system's random source failed.
pub fn new_challenge(style: ChallengeStyle) -> Result<Vec<u8>, getrandom::Error> {
    let (prefix, random) = match style {
        ChallengeStyle::Prefixed(d) => (format!("{{{}}}", d.name()), MESSAGE_LENGTH),
        ChallengeStyle::Legacy => (String::new(), LEGACY_MESSAGE_LENGTH),
    };
    let mut message = prefix.into_bytes();
    let start = message.len();
    message.resize(start + random, 0);
    getrandom::fill(&mut message[start..])?;
    Ok(message)
}

/// The challenge inside a received handshake message (the part after `#CHALLENGE#`).
///
/// # Errors
/// No `#CHALLENGE#` opening, or a challenge shorter than 20 bytes (3.12+'s checks).
pub fn parse_challenge(message: &[u8]) -> Result<&[u8], AuthenticationError> {
    let challenge = message
        .strip_prefix(CHALLENGE)
        .ok_or_else(|| AuthenticationError::ExpectedChallenge(message.to_vec()))?;
    if challenge.len() < LEGACY_MESSAGE_LENGTH {
        return Err(AuthenticationError::ChallengeTooShort(challenge.len()));
    }
    Ok(challenge)
}

/// Splits a challenge or an answer into its digest and payload: `None` for the legacy
/// lengths (a 20-byte challenge, a 16-byte answer), else the `{name}` prefix's digest.
fn digest_and_payload(message: &[u8]) -> Result<(Option<Digest>, &[u8]), AuthenticationError> {
    if matches!(message.len(), LEGACY_MESSAGE_LENGTH | MD5_DIGEST_LENGTH) {
        return Ok((None, message));
    }
    if message.first() == Some(&b'{') {
        let window = &message[..message.len().min(MAX_PREFIX_LEN)];
        if let Some(close) = window.iter().skip(1).position(|b| *b == b'}') {
            let close = close + 1;
            if let Some(d) = Digest::from_name(&message[1..close]) {
                return Ok((Some(d), &message[close + 1..]));
            }
        }
    }
    Err(AuthenticationError::UnsupportedMessage(message.to_vec()))
}

/// The answer to `challenge` (as [`parse_challenge`] returns it): the raw HMAC-MD5 for a
/// legacy 20-byte challenge, else `{name}` + the named HMAC over the whole challenge.
///
/// # Errors
/// A challenge that is neither 20 bytes long nor opened by an allowed `{digest}`.
pub fn create_response(authkey: &[u8], challenge: &[u8]) -> Result<Vec<u8>, AuthenticationError> {
    Ok(match digest_and_payload(challenge)?.0 {
        None => Digest::Md5.mac(authkey, challenge),
        Some(d) => {
            let mut out = format!("{{{}}}", d.name()).into_bytes();
            out.extend_from_slice(&d.mac(authkey, challenge));
            out
        }
    })
}

/// Checks the answer to the challenge we sent (`challenge`, without `#CHALLENGE#`);
/// returns the digest the answerer used.
///
/// # Errors
/// An answer in no allowed form, of the wrong length for its digest, or with a wrong MAC
/// (`digest received was wrong`).
pub fn verify_response(
    authkey: &[u8],
    challenge: &[u8],
    response: &[u8],
) -> Result<Digest, AuthenticationError> {
    let (digest, mac) = digest_and_payload(response)?;
    let digest = digest.unwrap_or(Digest::Md5);
    let expected = digest.mac(authkey, challenge);
    if expected.len() != mac.len() {
        return Err(AuthenticationError::DigestLength {
            digest: digest.name(),
            expected: expected.len(),
            got: mac.len(),
        });
    }
    if bool::from(expected.ct_eq(mac)) {
        Ok(digest)
    } else {
        Err(AuthenticationError::DigestReceivedWrong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// `hmac.new(b'secret', b'x', name).hexdigest()` from CPython 3.12.1.
    #[test]
    fn macs_match_python() {
        let cases = [
            (Digest::Md5, "0d878384d4cbf881d3fbe9a6a9c8e3b7"),
            (
                Digest::Sha256,
                "117eca332f7e13ccb8e4574e4f33daa212a9231353670c2b8b4797df0bb77afa",
            ),
            (
                Digest::Sha3_256,
                "57dffab17511dc85ede41dd02f88d4e3b13826001a447dea3b460641e332558a",
            ),
        ];
        for (d, want) in cases {
            assert_eq!(d.mac(b"secret", b"x"), hex(want), "{}", d.name());
        }
        assert_eq!(Digest::Sha384.mac(b"k", b"m").len(), 48);
        assert_eq!(Digest::Sha3_384.mac(b"k", b"m").len(), 48);
    }

    #[test]
    fn every_style_answers_and_verifies() {
        let styles = Digest::ALL
            .into_iter()
            .map(ChallengeStyle::Prefixed)
            .chain([ChallengeStyle::Legacy]);
        for style in styles {
            let challenge = new_challenge(style).unwrap();
            let response = create_response(b"key", &challenge).unwrap();
            let used = verify_response(b"key", &challenge, &response).unwrap();
            match style {
                ChallengeStyle::Legacy => {
                    assert_eq!(challenge.len(), 20);
                    assert_eq!(response.len(), 16);
                    assert_eq!(used, Digest::Md5);
                }
                ChallengeStyle::Prefixed(d) => {
                    assert_eq!(challenge.len(), 2 + d.name().len() + 40);
                    assert_eq!(used, d);
                }
            }
            assert_eq!(
                verify_response(b"other", &challenge, &response),
                Err(AuthenticationError::DigestReceivedWrong)
            );
        }
    }

    /// A 3.11 peer answers a prefixed challenge with a raw MD5 over all of it: accepted.
    #[test]
    fn legacy_answer_to_a_prefixed_challenge() {
        let challenge = new_challenge(ChallengeStyle::default()).unwrap();
        let raw_md5 = Digest::Md5.mac(b"k", &challenge);
        assert_eq!(verify_response(b"k", &challenge, &raw_md5), Ok(Digest::Md5));
    }

    #[test]
    fn python_texts() {
        let e = |r: Result<Vec<u8>, AuthenticationError>| r.unwrap_err().to_string();
        assert_eq!(
            parse_challenge(b"#HELLO#").unwrap_err().to_string(),
            "Protocol error, expected challenge: message=b'#HELLO#'"
        );
        assert_eq!(
            parse_challenge(b"#CHALLENGE#short")
                .unwrap_err()
                .to_string(),
            "challenge too short: 5 bytes"
        );
        assert_eq!(
            e(create_response(b"k", b"{sha1}0123456789abcdefghij")),
            "unsupported message length, missing digest prefix, or unsupported digest: \
             message=b'{sha1}0123456789abcdefghij'"
        );
        let challenge = new_challenge(ChallengeStyle::default()).unwrap();
        assert_eq!(
            verify_response(b"k", &challenge, b"{sha256}tooshort-but-long-enough")
                .unwrap_err()
                .to_string(),
            "expected 'sha256' of length 32 got 24"
        );
    }

    #[test]
    fn the_prefix_must_close_within_ten_bytes() {
        // `{sha3_384}` closes at index 9: the longest allowed.
        let mut long = b"{sha3_384}".to_vec();
        long.extend_from_slice(&[0; 30]);
        assert_eq!(
            digest_and_payload(&long).unwrap(),
            (Some(Digest::Sha3_384), &[0u8; 30][..])
        );
        let mut unclosed = b"{sha256".to_vec();
        unclosed.extend_from_slice(&[b'x'; 30]);
        assert!(digest_and_payload(&unclosed).is_err());
    }
}
