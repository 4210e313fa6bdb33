//! The Pyro4 codec (protocol 48): a 24-byte header with a checksum, `!4sH` annotation chunks,
//! the payload; the correlation id and the HMAC-SHA1 signature travel as annotations.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::annotations::{AnnotationId, Annotations, parse_chunks};
use super::compress::Compression;
use super::error::ProtocolError;
use super::message::{CorrelationId, Flags, Message};
use super::{Codec, Frame, Header, ParseOptions};
use crate::ProtocolVersion;

/// Header size in bytes.
pub const HEADER_SIZE: usize = 24;
/// The protocol number in bytes 4..6.
pub const PROTOCOL_VERSION: u16 = 48;
/// Added to the sum of the header fields to make the checksum.
pub const CHECKSUM_MAGIC: u16 = 0x34E9;
/// Bytes of header in front of each annotation chunk (4-byte id + u16 length).
pub const CHUNK_OVERHEAD: u64 = 6;

/// Semantic flag -> v4 wire bit (Pyro4's `message.FLAGS_*`).
const WIRE_FLAGS: [(Flags, u16); 7] = [
    (Flags::EXCEPTION, 0x01),
    (Flags::COMPRESSED, 0x02),
    (Flags::ONEWAY, 0x04),
    (Flags::BATCH, 0x08),
    (Flags::META_ON_CONNECT, 0x10),
    (Flags::ITEMSTREAMRESULT, 0x20),
    (Flags::KEEPSERIALIZED, 0x40),
];

/// A shared HMAC key (Pyro4's `HMAC_KEY` / `_pyroHmacKey`, as bytes).
pub type HmacKey = Arc<[u8]>;

/// The Pyro4 wire codec, with or without an HMAC key.
///
/// Header (`!4sHHHHiHHHH`, big-endian), then `annotations_size` bytes of chunks (`!4sH` id +
/// length, then the value), then `data_size` payload bytes:
///
/// ```text
/// 0x00  50 59 52 4f   tag "PYRO"
/// 0x04  00 30         protocol 48
/// 0x06  00 01         message type (CONNECT)
/// 0x08  00 10         flags (0x10 = META_ON_CONNECT)
/// 0x0a  00 00         sequence number
/// 0x0c  00 00 00 4a   data size (signed; the compressed size if COMPRESSED)
/// 0x10  00 01         serializer id (serpent)
/// 0x12  00 00         annotations size
/// 0x14  00 00         reserved
/// 0x16  35 75         checksum = (type + 48 + data size + annotations size + serializer
///                     + flags + seq + 0x34E9) & 0xFFFF
/// ```
///
/// **The key lives in the codec value**, not in [`ParseOptions`]: one key signs what a
/// connection sends and checks what it receives, so the value that frames both directions is
/// the one place for it (and `ParseOptions` stays `Copy`). [`V4::new`] has no key,
/// [`V4::with_hmac`] has one. As in Pyro4, the rule is symmetric: with a key, every message
/// must carry a matching `HMAC` annotation; without one, a message carrying `HMAC` is refused.
///
/// **Annotations as the message model sees them**: a 16-byte `CORR` chunk becomes
/// [`Message::correlation_id`] and a verified `HMAC` chunk is dropped, so the same message
/// looks the same whatever the version. Encoding writes the other annotations in order, then
/// `CORR`, then `HMAC` (where Pyro4 itself puts them unless user code pre-sets them).
///
/// ```
/// use pyroxene_wire::protocol::{Message, MessageType, ParseOptions, ProtocolError, V4};
/// let msg = Message::new(MessageType::Ping, 42, 0, b"ping".to_vec());
/// let plain = V4::new().encode(&msg).unwrap();
/// assert_eq!(plain.len(), 28);
/// assert_eq!(&plain[..8], b"PYRO\x00\x30\x00\x06");
///
/// let signed = V4::with_hmac(&b"secret"[..]).encode(&msg).unwrap();
/// assert_eq!(signed.len(), 28 + 6 + 20); // + the HMAC chunk
/// let opts = ParseOptions::default();
/// let (back, _) = V4::with_hmac(&b"secret"[..]).parse(&signed, &opts).unwrap().unwrap();
/// assert_eq!(back, msg);
/// let wrong = V4::with_hmac(&b"other"[..]).parse(&signed, &opts).unwrap_err();
/// assert_eq!(wrong.to_string(), "message hmac mismatch");
/// let unkeyed = V4::new().parse(&signed, &opts).unwrap_err();
/// assert_eq!(unkeyed, ProtocolError::HmacNotSymmetric);
/// ```
#[derive(Clone, Default)]
pub struct V4 {
    key: Option<HmacKey>,
}

impl fmt::Debug for V4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key: a Debug line can end up in a log.
        let key = if self.key.is_some() {
            "Some(..)"
        } else {
            "None"
        };
        write!(f, "V4 {{ hmac_key: {key} }}")
    }
}

/// The keyless codec [`super::codec_for`] hands out.
pub(super) static PLAIN: V4 = V4::new();

impl V4 {
    /// The codec without an HMAC key.
    pub const fn new() -> V4 {
        V4 { key: None }
    }

    /// The codec signing and verifying with `key`. An empty key means no key, as in Pyro4
    /// (whose checks test the key's truth value).
    pub fn with_hmac(key: impl Into<HmacKey>) -> V4 {
        let key: HmacKey = key.into();
        V4 {
            key: (!key.is_empty()).then_some(key),
        }
    }

    /// The key, if there is one.
    pub fn hmac_key(&self) -> Option<&[u8]> {
        self.key.as_deref()
    }

    /// Validates the header at the start of `buf` in Pyro4's order: tag and version ("invalid
    /// data or unsupported protocol version"; checked as soon as 6 bytes are in, where Python
    /// waits for all 24 to say the same), checksum ("header checksum mismatch"), size limit
    /// ("max message size exceeded (N where max=M)"), message type ("invalid msg type N
    /// received"), then a negative data size. `Ok(None)` until enough bytes are there.
    ///
    /// The correlation id is an annotation in v4, so the header's is always `None`.
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
        if start != b"PYRO\x00\x30" {
            return Err(ProtocolError::V4InvalidHeader);
        }
        let Some(h) = buf.first_chunk::<HEADER_SIZE>() else {
            return Ok(None);
        };
        let field = |at: usize| u16::from_be_bytes([h[at], h[at + 1]]);
        let (msg_type, wire_flags, seq) = (field(6), field(8), field(10));
        let data_size = i32::from_be_bytes([h[12], h[13], h[14], h[15]]);
        let (serializer_id, annotations_size) = (field(16), field(18));
        if field(22)
            != checksum(
                msg_type,
                wire_flags,
                seq,
                data_size,
                serializer_id,
                annotations_size,
            )
        {
            return Err(ProtocolError::ChecksumMismatch);
        }
        // Python adds a negative size as it is, so it never trips the limit.
        let size = i64::from(data_size) + i64::from(annotations_size);
        if u64::try_from(size).is_ok_and(|size| size > opts.max_message_size) {
            return Err(ProtocolError::MaxSizeExceeded {
                size: size.unsigned_abs(),
                max: opts.max_message_size,
            });
        }
        let msg_type =
            opts.accepted
                .check(msg_type)
                .map_err(|_| ProtocolError::InvalidMessageType {
                    msg_type,
                    expected: None,
                })?;
        let data_size = u32::try_from(data_size).map_err(|_| ProtocolError::InvalidDataSize)?;
        let mut flags = Flags::empty();
        for (flag, bit) in WIRE_FLAGS {
            flags.set(flag, wire_flags & bit != 0);
        }
        Ok(Some(Header {
            version: ProtocolVersion::V4,
            msg_type,
            serializer_id,
            flags,
            seq,
            data_size,
            annotations_size: u32::from(annotations_size),
            correlation_id: None,
        }))
    }

    /// Parses one complete message from the start of `buf` (see [`Codec::parse`]).
    ///
    /// # Errors
    /// Any [`ProtocolError`] of a malformed, oversized, unexpected or badly signed message.
    pub fn parse(
        &self,
        buf: &[u8],
        opts: &ParseOptions,
    ) -> Result<Option<(Message, usize)>, ProtocolError> {
        Codec::parse(self, buf, opts)
    }

    /// Finds one complete message at the start of `buf` without copying its payload: header
    /// checks as in [`V4::parse_header`], then the annotation chunks, then the HMAC rule
    /// (checked on the payload as it travelled, before any decompression, as Pyro4 does).
    ///
    /// # Errors
    /// Any [`ProtocolError`] of a malformed, oversized, unexpected or badly signed message.
    pub fn parse_frame(
        &self,
        buf: &[u8],
        opts: &ParseOptions,
    ) -> Result<Option<Frame>, ProtocolError> {
        let Some(header) = self.parse_header(buf, opts)? else {
            return Ok(None);
        };
        // Both fit: at most 2^31 + 2^16 bytes, and usize is at least 32 bits on Pyro's targets.
        let ann_end = HEADER_SIZE + header.annotations_size as usize;
        let total = ann_end + header.data_size as usize;
        if buf.len() < total {
            return Ok(None);
        }
        let mut annotations = parse_chunks(&buf[HEADER_SIZE..ann_end], 2)?;
        let payload = ann_end..total;
        match (&self.key, annotations.get(AnnotationId::HMAC)) {
            (Some(key), Some(mac)) => {
                signer(key, &buf[payload.clone()], &annotations)
                    .verify_slice(mac)
                    .map_err(|_| ProtocolError::HmacMismatch)?;
                annotations.remove(AnnotationId::HMAC);
            }
            (None, None) => {}
            _ => return Err(ProtocolError::HmacNotSymmetric),
        }
        let correlation_id = take_correlation_id(&mut annotations);
        let message = Message {
            msg_type: header.msg_type,
            flags: header.flags,
            seq: header.seq,
            serializer_id: header.serializer_id,
            annotations,
            correlation_id,
            payload: Bytes::new(),
        };
        Ok(Some(Frame {
            message,
            payload,
            len: total,
        }))
    }

    /// Appends the header and the annotation chunks of `msg` to `out`: the message's
    /// annotations in order, then `CORR` (from [`Message::correlation_id`], replacing a `CORR`
    /// annotation), then, with a key, `HMAC` over the payload and the other values sorted by
    /// id (replacing an `HMAC` annotation). Without a key an `HMAC` annotation is sent as it is,
    /// as Pyro4 does.
    ///
    /// # Errors
    /// A payload of 2 GiB or more, or annotations beyond the 16-bit length fields.
    pub fn encode_head(&self, msg: &Message, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        let data_size =
            i32::try_from(msg.payload.len()).map_err(|_| ProtocolError::InvalidDataSize)?;
        let chunks = self.wire_annotations(msg);
        let ann_size = chunks.wire_size(CHUNK_OVERHEAD);
        let too_large = |size: u64| ProtocolError::AnnotationsTooLarge { size };
        let ann_field = u16::try_from(ann_size).map_err(|_| too_large(ann_size))?;
        let wire_flags = WIRE_FLAGS
            .iter()
            .filter(|(flag, _)| msg.flags.contains(*flag))
            .fold(0u16, |acc, (_, bit)| acc | bit);
        let (msg_type, seq, ser) = (u16::from(msg.msg_type.number()), msg.seq, msg.serializer_id);
        let sum = checksum(msg_type, wire_flags, seq, data_size, ser, ann_field);
        out.reserve(HEADER_SIZE + usize::from(ann_field));
        out.extend_from_slice(b"PYRO");
        for n in [PROTOCOL_VERSION, msg_type, wire_flags, seq] {
            out.extend_from_slice(&n.to_be_bytes());
        }
        out.extend_from_slice(&data_size.to_be_bytes());
        for n in [ser, ann_field, 0, sum] {
            out.extend_from_slice(&n.to_be_bytes());
        }
        for (id, value) in chunks.iter() {
            out.extend_from_slice(id.as_bytes());
            // Fits: the whole block fits in u16 (checked above).
            out.extend_from_slice(&(value.len() as u16).to_be_bytes());
            out.extend_from_slice(value);
        }
        Ok(())
    }

    /// The annotation chunks as they go on the wire (see [`V4::encode_head`]).
    fn wire_annotations(&self, msg: &Message) -> Annotations {
        let mut chunks = msg.annotations.clone();
        if let Some(id) = msg.correlation_id {
            chunks.remove(AnnotationId::CORR);
            chunks.insert(AnnotationId::CORR, id.as_bytes().to_vec());
        }
        if let Some(key) = &self.key {
            chunks.remove(AnnotationId::HMAC);
            let mac = signer(key, &msg.payload, &chunks).finalize().into_bytes();
            chunks.insert(AnnotationId::HMAC, mac.to_vec());
        }
        chunks
    }

    /// Appends the complete message to `out`.
    ///
    /// # Errors
    /// As [`V4::encode_head`].
    pub fn encode_into(&self, msg: &Message, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        out.reserve(HEADER_SIZE + msg.payload.len());
        self.encode_head(msg, out)?;
        out.extend_from_slice(&msg.payload);
        Ok(())
    }

    /// The complete message as one buffer.
    ///
    /// # Errors
    /// As [`V4::encode_head`].
    pub fn encode(&self, msg: &Message) -> Result<Vec<u8>, ProtocolError> {
        let mut out = Vec::new();
        self.encode_into(msg, &mut out)?;
        Ok(out)
    }

    /// The sender's size check with the chunks this codec adds (`CORR`, `HMAC`) counted, as
    /// Pyro4 counts them.
    ///
    /// # Errors
    /// [`ProtocolError::MaxSizeExceeded`], Pyro4's "max message size exceeded (N where max=M)".
    pub fn check_size(&self, msg: &Message, max_message_size: u64) -> Result<(), ProtocolError> {
        let size = msg.payload.len() as u64 + self.wire_annotations(msg).wire_size(CHUNK_OVERHEAD);
        if size > max_message_size {
            return Err(ProtocolError::MaxSizeExceeded {
                size,
                max: max_message_size,
            });
        }
        Ok(())
    }
}

/// Pyro4's header checksum: the sum of the fields plus [`CHECKSUM_MAGIC`], modulo 2^16 (a
/// negative data size adds in two's complement, as Python's `& 0xffff` does).
fn checksum(msg_type: u16, flags: u16, seq: u16, data_size: i32, serializer: u16, ann: u16) -> u16 {
    [
        msg_type,
        PROTOCOL_VERSION,
        flags,
        seq,
        serializer,
        ann,
        CHECKSUM_MAGIC,
    ]
    .into_iter()
    .fold(data_size as u16, u16::wrapping_add)
}

/// HMAC-SHA1 over the payload, then every annotation value but `HMAC`'s in id order (Pyro4's
/// `Message.hmac`: `sorted(annotations.items())`; ids are unique, so that is the id order).
fn signer(key: &[u8], payload: &[u8], annotations: &Annotations) -> Hmac<Sha1> {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(payload);
    let mut values: Vec<_> = annotations
        .iter()
        .filter(|(id, _)| *id != AnnotationId::HMAC)
        .collect();
    values.sort_unstable_by_key(|(id, _)| *id);
    for (_, value) in values {
        mac.update(value);
    }
    mac
}

/// Moves a 16-byte `CORR` annotation into the correlation id. Another length stays an
/// ordinary annotation (Pyro4's daemon would fail on it in `uuid.UUID(bytes=...)`).
fn take_correlation_id(annotations: &mut Annotations) -> Option<CorrelationId> {
    let id: [u8; 16] = annotations.get(AnnotationId::CORR)?.try_into().ok()?;
    annotations.remove(AnnotationId::CORR);
    Some(CorrelationId(id))
}

impl Codec for V4 {
    fn version(&self) -> ProtocolVersion {
        ProtocolVersion::V4
    }

    fn header_size(&self) -> usize {
        HEADER_SIZE
    }

    fn chunk_overhead(&self) -> u64 {
        CHUNK_OVERHEAD
    }

    fn compression(&self) -> Compression {
        Compression::V4
    }

    fn parse_header(
        &self,
        buf: &[u8],
        opts: &ParseOptions,
    ) -> Result<Option<Header>, ProtocolError> {
        V4::parse_header(self, buf, opts)
    }

    fn parse_frame(&self, buf: &[u8], opts: &ParseOptions) -> Result<Option<Frame>, ProtocolError> {
        V4::parse_frame(self, buf, opts)
    }

    fn encode_head(&self, msg: &Message, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        V4::encode_head(self, msg, out)
    }

    fn check_size(&self, msg: &Message, max_message_size: u64) -> Result<(), ProtocolError> {
        V4::check_size(self, msg, max_message_size)
    }
}
