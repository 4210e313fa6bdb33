//! The recorded sessions between the real Python libraries, Pyro5 5.17
//! (`testdata/vectors/pyro5`) and Pyro4 4.82 (`testdata/vectors/pyro4`), as both halves of the
//! vector tests read them (`protocol_streams.rs`, `protocol_payloads.rs`): one row per
//! generation of where its vectors are and what differs from the other, its `index.json`
//! loaded once, and failure messages that name the generation, the vector file and offset.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use pyroxene_wire::protocol::{
    Codec, MessageType, MessageTypes, ParseOptions, ProtocolError, codec_for, codec_with_hmac,
};
use pyroxene_wire::{ProtocolVersion, Serializer};
use serde_json::Value as Json;

/// (client bytes, accepted types, daemon's HMAC key, error Python's daemon reported or would
/// report).
pub type Refused = (
    &'static str,
    &'static [MessageType],
    Option<&'static [u8]>,
    ProtocolError,
);

/// One generation: where its vectors are and what differs from the other.
// Each including test reads only its own columns (`protocol_streams.rs` the sizes, refusals
// and stream counts; `protocol_payloads.rs` `min_compared` and `serializer_ids`), so the other
// columns are dead in each binary; one table keeps a generation's facts together.
#[allow(dead_code)]
pub struct Gen {
    pub version: ProtocolVersion,
    pub dir: &'static str,
    /// Bytes of the fixed header and of framing per annotation chunk, as Python writes them
    /// (literals, so a wrong library constant cannot agree with itself).
    pub header_size: u64,
    pub chunk_overhead: u64,
    /// Files whose message the receiving daemon refuses: checked in the refused-bytes test,
    /// not as part of a stream.
    pub refused_streams: &'static [&'static str],
    pub refused: fn() -> Vec<Refused>,
    /// Lower bounds that keep a shrunken capture from passing quietly.
    pub min_files: usize,
    pub min_messages: usize,
    pub min_signed: usize,
    pub min_compared: usize,
    /// Header ids of the serializers both generations share (they differ between them).
    pub serializer_ids: &'static [(Serializer, u16)],
}

impl fmt::Display for Gen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            ProtocolVersion::V4 => f.write_str("v4"),
            ProtocolVersion::V5 => f.write_str("v5"),
        }
    }
}

const FIRST: &[MessageType] = &[MessageType::Connect];
const LATER: &[MessageType] = &[MessageType::Invoke, MessageType::Ping];

pub const GENS: [Gen; 2] = [
    Gen {
        version: ProtocolVersion::V5,
        dir: "pyro5",
        header_size: 40,
        chunk_overhead: 8,
        refused_streams: &["invalid_bad_magic.c2s.bin"],
        refused: refused_v5,
        min_files: 130,
        min_messages: 700,
        min_signed: 0,
        min_compared: 400,
        serializer_ids: &[
            (Serializer::Serpent, 1),
            (Serializer::Marshal, 2),
            (Serializer::Json, 3),
            (Serializer::Msgpack, 4),
        ],
    },
    Gen {
        version: ProtocolVersion::V4,
        dir: "pyro4",
        header_size: 24,
        chunk_overhead: 6,
        refused_streams: &["invalid_bad_checksum.c2s.bin"],
        refused: refused_v4,
        min_files: 140,
        min_messages: 800,
        min_signed: 25,
        min_compared: 700,
        serializer_ids: &[
            (Serializer::Serpent, 1),
            (Serializer::Json, 2),
            (Serializer::Marshal, 3),
            (Serializer::Msgpack, 6),
        ],
    },
];

fn refused_v5() -> Vec<Refused> {
    use ProtocolError as E;
    let too_large = E::TooLarge {
        size: 2_147_483_648,
        max: 1_073_741_824,
    };
    let wrong_type = MessageTypes::of(FIRST).check(4).expect_err("refused");
    vec![
        ("invalid_zeros", FIRST, None, E::InvalidData),
        ("invalid_http_get", FIRST, None, E::InvalidData),
        ("invalid_pyro4_connect", FIRST, None, E::InvalidVersion(48)),
        ("invalid_bad_magic", FIRST, None, E::InvalidHeader),
        ("invalid_invoke_before_connect", FIRST, None, wrong_type),
        (
            "session_too_large_connect.step1",
            FIRST,
            None,
            too_large.clone(),
        ),
        // After the handshake Python just closes.
        ("session_too_large_invoke.step2", LATER, None, too_large),
    ]
}

fn refused_v4() -> Vec<Refused> {
    use ProtocolError as E;
    let key: Option<&[u8]> = Some(b"pyro-hmac-key");
    let wrong_type = |t| E::InvalidMessageType {
        msg_type: t,
        expected: None,
    };
    vec![
        ("invalid_zeros24", FIRST, None, E::V4InvalidHeader),
        ("invalid_http_get", FIRST, None, E::V4InvalidHeader),
        ("invalid_pyro5_connect", FIRST, None, E::V4InvalidHeader),
        ("invalid_bad_checksum", FIRST, None, E::ChecksumMismatch),
        ("invalid_invoke_before_connect", FIRST, None, wrong_type(4)),
        ("invalid_ping_before_connect", FIRST, None, wrong_type(6)),
        (
            "invalid_connect_without_hmac_to_hmac_daemon",
            FIRST,
            key,
            E::HmacNotSymmetric,
        ),
        ("hmac_client_without_key", FIRST, key, E::HmacNotSymmetric),
        ("hmac_wrong_key", FIRST, key, E::HmacMismatch),
        ("hmac_key_to_plain_daemon", FIRST, None, E::HmacNotSymmetric),
        // Python closes without a reply for these two.
        (
            "session_hmac_unsigned_invoke.step2",
            LATER,
            key,
            E::HmacNotSymmetric,
        ),
        ("session_second_connect.step2", LATER, None, wrong_type(1)),
    ]
}

/// One generation's index, loaded once: the Pyro4 key lookups read it per message.
pub struct Vectors {
    pub g: &'static Gen,
    index: Json,
}

pub fn all() -> impl Iterator<Item = Vectors> {
    GENS.iter().map(|g| {
        let path = pyroxene_testkit::vectors_dir()
            .join(g.dir)
            .join("index.json");
        let here = format!("{g} {}", path.display());
        let index = serde_json::from_str(&std::fs::read_to_string(&path).at(&here)).at(&here);
        Vectors { g, index }
    })
}

impl Vectors {
    /// Every recorded message with a parsable header, grouped by stream file, in offset order.
    pub fn streams(&self) -> BTreeMap<String, Vec<Json>> {
        let here = format!("{} index.json", self.g);
        let mut by_file: BTreeMap<String, Vec<Json>> = BTreeMap::new();
        for m in self.index["messages"].as_array().at(&here) {
            let file = m["file"].as_str().at(&here).to_owned();
            if m["msg_type"].as_u64().is_some_and(|t| (1..=6).contains(&t)) {
                by_file.entry(file).or_default().push(m.clone());
            }
        }
        for msgs in by_file.values_mut() {
            msgs.sort_by_key(|m| m["offset"].as_u64());
        }
        by_file
    }

    /// [`Vectors::streams`] without the ones a daemon refuses.
    pub fn accepted_streams(&self) -> impl Iterator<Item = (String, Vec<Json>)> {
        let refused = self.g.refused_streams;
        self.streams()
            .into_iter()
            .filter(|(file, _)| !refused.contains(&file.as_str()))
    }

    pub fn read(&self, file: &str) -> Vec<u8> {
        let path = pyroxene_testkit::vectors_dir().join(self.g.dir).join(file);
        std::fs::read(path).at(&format!("{} {file}", self.g))
    }

    /// The key the sender of `file` signed with: the scenario's client or daemon key, else the
    /// index's key for the raw signed messages (the capture used one key for all of them).
    /// Pyro5 has no HMAC, so its index names no key.
    pub fn sender_key(&self, file: &str) -> Option<&str> {
        let scenario = self.index["scenarios"]
            .as_array()
            .at(&format!("{} index.json", self.g))
            .iter()
            .find(|s| file.starts_with(&format!("{}.", s["scenario"].as_str().unwrap_or("?"))));
        let side = if file.contains("c2s") {
            "client_hmac_key"
        } else {
            "daemon_hmac_key"
        };
        scenario
            .and_then(|s| s[side].as_str())
            .or_else(|| self.index["hmac_key"].as_str())
    }

    /// The key `m` was signed with, when it carries `HMAC`.
    pub fn signing_key(&self, m: &Json) -> Option<&str> {
        let signed = m["annotations"]
            .as_array()
            .is_some_and(|a| a.iter().any(|c| c["key"] == "HMAC"));
        signed
            .then(|| self.sender_key(m["file"].as_str().at(&here(self.g, m))))
            .flatten()
    }

    /// The codec that reads `m` as its sender wrote it: keyed when the message is signed.
    pub fn codec_for(&self, m: &Json) -> Arc<dyn Codec> {
        let key = self.signing_key(m).map(|k| Arc::from(k.as_bytes()));
        // Refuses a key for Pyro5, which has no HMAC.
        codec_with_hmac(self.g.version, key).at(&here(self.g, m))
    }

    /// The keyless codec, for the files that are read whole without the index.
    pub fn plain(&self) -> &'static dyn Codec {
        codec_for(self.g.version)
    }
}

pub fn raw() -> ParseOptions {
    ParseOptions::default().decompress(false)
}

/// Where a message is, for failure messages: generation, file and offset.
pub fn here(g: &Gen, m: &Json) -> String {
    format!("{g} {} @{}", m["file"], m["offset"])
}

/// `expect` whose message says which generation and vector failed.
pub trait At<T> {
    fn at(self, here: &str) -> T;
}

impl<T, E: fmt::Display> At<T> for Result<T, E> {
    #[track_caller]
    fn at(self, here: &str) -> T {
        self.unwrap_or_else(|e| panic!("{here}: {e}"))
    }
}

impl<T> At<T> for Option<T> {
    #[track_caller]
    fn at(self, here: &str) -> T {
        self.unwrap_or_else(|| panic!("{here}: missing or incomplete"))
    }
}
