//! The protocol generation both halves of the codec tests run their tables over
//! (`protocol_hostile.rs`, `protocol_encoding.rs`): v5 (Pyro5, protocol 502) and v4 (Pyro4,
//! protocol 48), with headers written by hand as a peer (or a hostile one) writes them, every
//! codec there is, and the HMAC key the v4 rows sign with.

use pyroxene_wire::ProtocolVersion;
use pyroxene_wire::protocol::{
    AnnotationId, Codec, Message, ParseOptions, ProtocolError, V4, V5, codec_for,
};

/// A protocol generation: the row key of every table in the tests that include this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gen {
    V5,
    V4,
}

pub const GENS: [Gen; 2] = [Gen::V5, Gen::V4];

impl Gen {
    pub fn version(self) -> ProtocolVersion {
        match self {
            Gen::V5 => ProtocolVersion::V5,
            Gen::V4 => ProtocolVersion::V4,
        }
    }

    /// The keyless codec, as a daemon picks it.
    pub fn codec(self) -> &'static dyn Codec {
        codec_for(self.version())
    }

    pub fn parse(self, buf: &[u8]) -> Result<Option<(Message, usize)>, ProtocolError> {
        self.codec().parse(buf, &ParseOptions::default())
    }

    /// A header with the given fields, correct otherwise. Panics on a field this generation's
    /// header cannot hold: such a row is a mistake in the test, not in the codec.
    pub fn header(self, msg_type: u16, flags: u16, data_size: u32, ann_size: u32) -> Vec<u8> {
        match self {
            Gen::V5 => {
                let msg_type = u8::try_from(msg_type).expect("a v5 type");
                v5_header(msg_type, flags, data_size, ann_size)
            }
            Gen::V4 => {
                let data_size = i32::try_from(data_size).expect("a v4 data size");
                let ann_size = u16::try_from(ann_size).expect("a v4 annotations size");
                v4_header(msg_type, flags, data_size, ann_size)
            }
        }
    }
}

/// A v5 header with the given fields (magic and tag correct unless overwritten).
pub fn v5_header(msg_type: u8, flags: u16, data_size: u32, ann_size: u32) -> Vec<u8> {
    let mut h = b"PYRO\x01\xf6".to_vec();
    h.extend_from_slice(&[msg_type, 1]);
    h.extend_from_slice(&flags.to_be_bytes());
    h.extend_from_slice(&7u16.to_be_bytes());
    h.extend_from_slice(&data_size.to_be_bytes());
    h.extend_from_slice(&ann_size.to_be_bytes());
    h.extend_from_slice(&[0; 16]);
    h.extend_from_slice(&[0, 0, 0x4d, 0xc5]);
    h
}

/// A v4 header with the given fields and a correct checksum; any type and a negative size
/// can be written, as a hostile peer can.
pub fn v4_header(msg_type: u16, flags: u16, data_size: i32, ann_size: u16) -> Vec<u8> {
    let (seq, ser) = (7u16, 1u16);
    let sum = [msg_type, 48, flags, seq, ser, ann_size, 0x34E9]
        .into_iter()
        .fold(data_size as u16, u16::wrapping_add);
    let mut h = b"PYRO\x00\x30".to_vec();
    for n in [msg_type, flags, seq] {
        h.extend_from_slice(&n.to_be_bytes());
    }
    h.extend_from_slice(&data_size.to_be_bytes());
    for n in [ser, ann_size, 0, sum] {
        h.extend_from_slice(&n.to_be_bytes());
    }
    h
}

pub const KEY: &[u8] = b"pyro-hmac-key";

/// Every codec there is: v5's, and v4's without and with an HMAC key (`true`: signed).
pub fn codecs() -> [(Gen, Box<dyn Codec>, bool); 3] {
    [
        (Gen::V5, Box::new(V5), false),
        (Gen::V4, Box::new(V4::new()), false),
        (Gen::V4, Box::new(V4::with_hmac(KEY)), true),
    ]
}

/// An annotation id from its four characters.
pub fn id(text: &str) -> AnnotationId {
    text.parse().expect("a valid annotation id")
}
