//! The Pyro5 codec (protocol 502): a 40-byte header, `!4sI` annotation chunks, the payload.

use super::annotations::parse_chunks;
use bytes::Bytes;

use super::compress::Compression;
use super::error::ProtocolError;
use super::message::{CorrelationId, Flags, Message};
use super::{Codec, Frame, Header, ParseOptions};
use crate::ProtocolVersion;

/// Header size in bytes.
pub const HEADER_SIZE: usize = 40;
/// The protocol number in bytes 4..6.
pub const PROTOCOL_VERSION: u16 = 502;
/// The magic number in the last two header bytes.
pub const MAGIC: u16 = 0x4DC5;
/// Bytes of header in front of each annotation chunk (4-byte id + u32 length).
pub const CHUNK_OVERHEAD: u64 = 8;

/// The wire bit of the CORR_ID flag (set when the correlation id field is valid).
const CORR_ID_BIT: u16 = 0x40;

/// Semantic flag -> v5 wire bit. META_ON_CONNECT has none (v5 always sends metadata).
const WIRE_FLAGS: [(Flags, u16); 6] = [
    (Flags::EXCEPTION, 0x01),
    (Flags::COMPRESSED, 0x02),
    (Flags::ONEWAY, 0x04),
    (Flags::BATCH, 0x08),
    (Flags::ITEMSTREAMRESULT, 0x10),
    (Flags::KEEPSERIALIZED, 0x20),
];

/// The Pyro5 wire codec.
///
/// Header (`!4sHBBHHII16sHH`, big-endian), then `annotations_size` bytes of chunks
/// (`!4sI` id + length, then the value), then `data_size` payload bytes:
///
/// ```text
/// 0x00  50 59 52 4f        tag "PYRO"
/// 0x04  01 f6              protocol 502
/// 0x06  01                 message type (CONNECT)
/// 0x07  01                 serializer id (serpent)
/// 0x08  00 00              flags (0x40 = CORR_ID: the id field below is valid)
/// 0x0a  00 00              sequence number
/// 0x0c  00 00 00 4a        data size (74; the compressed size if COMPRESSED)
/// 0x10  00 00 00 00        annotations size
/// 0x14  00 .. 00 (16)      correlation id (uuid bytes)
/// 0x24  00 00              reserved
/// 0x26  4d c5              magic
/// ```
///
/// ```
/// use pyroxene_wire::protocol::{Message, MessageType, ParseOptions, V5};
/// let msg = Message::new(MessageType::Ping, 42, 0, b"ping".to_vec());
/// let bytes = V5.encode(&msg).unwrap();
/// assert_eq!(bytes.len(), 44);
/// assert_eq!(&bytes[..8], b"PYRO\x01\xf6\x06\x2a");
/// let (back, used) = V5.parse(&bytes, &ParseOptions::default()).unwrap().unwrap();
/// assert_eq!((back, used), (msg, 44));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct V5;

impl V5 {
    /// Parses the header at the start of `buf`, validating in Python's order: after 6 bytes
    /// the tag ("invalid data") and the version ("invalid protocol version: N"); after 40
    /// the magic number ("invalid message or protocol version"), then the size limit
    /// ("message too large (N, max=M)"), then the accepted message types.
    ///
    /// `Ok(None)` means "not enough bytes yet". Nothing is allocated.
    ///
    /// # Errors
    /// See above; each is final for the connection.
    pub fn parse_header(
        &self,
        buf: &[u8],
        opts: &ParseOptions,
    ) -> Result<Option<Header>, ProtocolError> {
        let Some(start) = buf.first_chunk::<6>() else {
            return Ok(None);
        };
        if !start.starts_with(b"PYRO") {
            return Err(ProtocolError::InvalidData);
        }
        let version = u16::from_be_bytes([start[4], start[5]]);
        if version != PROTOCOL_VERSION {
            return Err(ProtocolError::InvalidVersion(version));
        }
        let Some(h) = buf.first_chunk::<HEADER_SIZE>() else {
            return Ok(None);
        };
        if u16::from_be_bytes([h[38], h[39]]) != MAGIC {
            return Err(ProtocolError::InvalidHeader);
        }
        let wire_flags = u16::from_be_bytes([h[8], h[9]]);
        let data_size = u32::from_be_bytes([h[12], h[13], h[14], h[15]]);
        let annotations_size = u32::from_be_bytes([h[16], h[17], h[18], h[19]]);
        let size = u64::from(data_size) + u64::from(annotations_size);
        if size > opts.max_message_size {
            return Err(ProtocolError::TooLarge {
                size,
                max: opts.max_message_size,
            });
        }
        let msg_type = opts.accepted.check(u16::from(h[6]))?;
        let mut corr = [0u8; 16];
        corr.copy_from_slice(&h[20..36]);
        let mut flags = Flags::empty();
        for (flag, bit) in WIRE_FLAGS {
            flags.set(flag, wire_flags & bit != 0);
        }
        Ok(Some(Header {
            version: ProtocolVersion::V5,
            msg_type,
            serializer_id: u16::from(h[7]),
            flags,
            seq: u16::from_be_bytes([h[10], h[11]]),
            data_size,
            annotations_size,
            correlation_id: (wire_flags & CORR_ID_BIT != 0).then_some(CorrelationId(corr)),
        }))
    }

    /// Parses one complete message from the start of `buf`: `Ok(None)` until all of it is
    /// there, then the message and the number of bytes it took (see [`Codec::parse`]; the
    /// payload is copied out of `buf`, [`Codec::parse_bytes`] splits it off instead).
    ///
    /// ```
    /// use pyroxene_wire::protocol::{ParseOptions, ProtocolError, V5};
    /// let opts = ParseOptions::default();
    /// // Python's daemon answers a Pyro4 client with exactly this text:
    /// let pyro4_connect = b"PYRO\x00\x30\x00\x01";
    /// assert_eq!(V5.parse(&pyro4_connect[..5], &opts), Ok(None));
    /// let err = V5.parse(pyro4_connect, &opts).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid protocol version: 48");
    /// ```
    ///
    /// # Errors
    /// Any [`ProtocolError`] of a malformed, oversized or unexpected message.
    pub fn parse(
        &self,
        buf: &[u8],
        opts: &ParseOptions,
    ) -> Result<Option<(Message, usize)>, ProtocolError> {
        Codec::parse(self, buf, opts)
    }

    /// Finds one complete message at the start of `buf` without copying its payload.
    ///
    /// Header checks as in [`V5::parse_header`]; then the annotation chunks must exactly fill
    /// the annotation block ("annotation chunk length exceeds remaining data"). Memory is only
    /// allocated for annotation bytes that are in `buf`, never from a length field alone.
    ///
    /// # Errors
    /// Any [`ProtocolError`] of a malformed, oversized or unexpected message.
    pub fn parse_frame(
        &self,
        buf: &[u8],
        opts: &ParseOptions,
    ) -> Result<Option<Frame>, ProtocolError> {
        let Some(header) = self.parse_header(buf, opts)? else {
            return Ok(None);
        };
        let too_large = ProtocolError::TooLarge {
            size: header.body_size(),
            max: opts.max_message_size,
        };
        let ann_size = usize::try_from(header.annotations_size).map_err(|_| too_large.clone())?;
        let total = usize::try_from(header.message_len()).map_err(|_| too_large)?;
        let Some(ann_bytes) = buf.get(HEADER_SIZE..HEADER_SIZE + ann_size) else {
            return Ok(None);
        };
        if buf.len() < total {
            return Ok(None);
        }
        let message = Message {
            msg_type: header.msg_type,
            flags: header.flags,
            seq: header.seq,
            serializer_id: header.serializer_id,
            annotations: parse_chunks(ann_bytes, 4)?,
            correlation_id: header.correlation_id,
            payload: Bytes::new(),
        };
        Ok(Some(Frame {
            message,
            payload: HEADER_SIZE + ann_size..total,
            len: total,
        }))
    }

    /// Appends the header and the annotation chunks of `msg` (everything but the payload) to
    /// `out`, for a vectored write that sends the payload without copying it.
    ///
    /// Flags map to v5 bits (META_ON_CONNECT has none and is dropped); a correlation id sets
    /// bit 0x40 and fills bytes 0x14..0x24.
    ///
    /// # Errors
    /// A serializer id above 255, or a payload or annotation block above 4 GiB.
    pub fn encode_head(&self, msg: &Message, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        let serializer =
            u8::try_from(msg.serializer_id).map_err(|_| ProtocolError::SerializerIdRange {
                id: msg.serializer_id,
                version: PROTOCOL_VERSION,
            })?;
        let ann_size = msg.annotations.wire_size(CHUNK_OVERHEAD);
        let data_size = msg.payload.len() as u64;
        let field = |n: u64| {
            u32::try_from(n).map_err(|_| ProtocolError::TooLarge {
                size: ann_size + data_size,
                max: u64::from(u32::MAX),
            })
        };
        let (ann_field, data_field) = (field(ann_size)?, field(data_size)?);
        let mut wire_flags = WIRE_FLAGS
            .iter()
            .filter(|(flag, _)| msg.flags.contains(*flag))
            .fold(0u16, |acc, (_, bit)| acc | bit);
        if msg.correlation_id.is_some() {
            wire_flags |= CORR_ID_BIT;
        }
        out.reserve(HEADER_SIZE + ann_field as usize);
        out.extend_from_slice(b"PYRO");
        out.extend_from_slice(&PROTOCOL_VERSION.to_be_bytes());
        out.extend_from_slice(&[msg.msg_type.number(), serializer]);
        out.extend_from_slice(&wire_flags.to_be_bytes());
        out.extend_from_slice(&msg.seq.to_be_bytes());
        out.extend_from_slice(&data_field.to_be_bytes());
        out.extend_from_slice(&ann_field.to_be_bytes());
        out.extend_from_slice(&msg.correlation_id.unwrap_or_default().0);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&MAGIC.to_be_bytes());
        for (id, value) in msg.annotations.iter() {
            out.extend_from_slice(id.as_bytes());
            // Fits: the whole block fits in u32 (checked above).
            out.extend_from_slice(&(value.len() as u32).to_be_bytes());
            out.extend_from_slice(value);
        }
        Ok(())
    }

    /// Appends the complete message (header, annotations, payload) to `out`: one buffer, one
    /// write, as Python sends it.
    ///
    /// # Errors
    /// As [`V5::encode_head`].
    pub fn encode_into(&self, msg: &Message, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        out.reserve(HEADER_SIZE + msg.payload.len());
        self.encode_head(msg, out)?;
        out.extend_from_slice(&msg.payload);
        Ok(())
    }

    /// The complete message as one buffer.
    ///
    /// # Errors
    /// As [`V5::encode_head`].
    pub fn encode(&self, msg: &Message) -> Result<Vec<u8>, ProtocolError> {
        let mut out = Vec::new();
        self.encode_into(msg, &mut out)?;
        Ok(out)
    }
}

impl Codec for V5 {
    fn version(&self) -> ProtocolVersion {
        ProtocolVersion::V5
    }

    fn header_size(&self) -> usize {
        HEADER_SIZE
    }

    fn chunk_overhead(&self) -> u64 {
        CHUNK_OVERHEAD
    }

    fn compression(&self) -> Compression {
        Compression::V5
    }

    fn parse_header(
        &self,
        buf: &[u8],
        opts: &ParseOptions,
    ) -> Result<Option<Header>, ProtocolError> {
        V5::parse_header(self, buf, opts)
    }

    fn parse_frame(&self, buf: &[u8], opts: &ParseOptions) -> Result<Option<Frame>, ProtocolError> {
        V5::parse_frame(self, buf, opts)
    }

    fn encode_head(&self, msg: &Message, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        V5::encode_head(self, msg, out)
    }
}
