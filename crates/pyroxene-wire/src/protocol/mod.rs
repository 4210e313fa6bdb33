//! The Pyro wire protocol, sans IO: message frames <-> bytes.
//!
//! A [`Message`] is version-neutral (type, semantic [`Flags`], seq, serializer id,
//! [`Annotations`], optional [`CorrelationId`], payload). A [`Codec`] turns it into the bytes of
//! one protocol version and back: [`V5`] for Pyro5 (protocol 502) and [`V4`] for Pyro4
//! (protocol 48: 24-byte header with checksum, u16 annotation lengths, HMAC, `CORR`
//! annotation, other flag bits), behind the same trait. A daemon serving both picks the codec
//! from a connection's first 6 bytes ([`detect_version`], then [`codec_for`] or, with a Pyro4
//! HMAC key, [`codec_with_hmac`]). Nothing here reads a socket:
//! [`Codec::parse`] looks at a buffer and says "need more" (`Ok(None)`) or hands back a message
//! and how many bytes it took, which is the shape a `tokio_util::codec::Decoder` wants.
//!
//! ```
//! use pyroxene_wire::protocol::{Message, MessageType, MessageTypes, ParseOptions, V5};
//! use pyroxene_wire::{ProtocolVersion, Serializer, Value};
//!
//! // A proxy's first message: CONNECT with a serpent handshake dict.
//! let payload = Serializer::Serpent
//!     .encode(&pyroxene_wire::dict! { "handshake" => "hello", "object" => "test.echoserver" })
//!     .unwrap();
//! let id = Serializer::Serpent.id(ProtocolVersion::V5).into();
//! let wire = V5.encode(&Message::new(MessageType::Connect, id, 0, payload)).unwrap();
//! assert_eq!(wire.len(), 114); // as in vectors/pyro5/echo_serpent.c2s.bin
//!
//! // The daemon side, fed in pieces: nothing until the whole message is there.
//! let opts = ParseOptions::default().accept(&[MessageType::Connect]);
//! assert_eq!(V5.parse(&wire[..100], &opts), Ok(None));
//! let (msg, used) = V5.parse(&wire, &opts).unwrap().unwrap();
//! assert_eq!((msg.msg_type, used), (MessageType::Connect, 114));
//! ```
//!
//! Payload shapes (exception dicts, handshakes, URIs as values) are in [`crate::dialect`].

mod annotations;
pub mod compress;
mod error;
mod message;
mod v4;
mod v5;

pub use annotations::{AnnotationId, Annotations};
pub use compress::Compression;
pub use error::ProtocolError;
pub use message::{
    CorrelationId, Flags, Message, MessageType, MessageTypes, ParseCorrelationIdError,
};
pub use v4::{HmacKey, V4};
pub use v5::V5;

use std::ops::Range;

use bytes::{Bytes, BytesMut};

use crate::ProtocolVersion;

/// A complete message found at the start of a buffer by [`Codec::parse_frame`], its payload
/// not yet taken out of the buffer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Frame {
    /// The message, with an empty payload.
    pub message: Message,
    /// Where the payload lies in the buffer (still compressed if the COMPRESSED flag is set).
    pub payload: Range<usize>,
    /// Bytes the whole message takes in the buffer.
    pub len: usize,
}

impl Frame {
    /// The message with its payload: inflated when compressed and `opts` say so, otherwise
    /// `take(raw)` (a copy, or a view of the buffer that owns `raw`).
    fn finish(
        mut self,
        raw: &[u8],
        opts: &ParseOptions,
        take: impl FnOnce(&[u8]) -> Bytes,
    ) -> Result<Message, ProtocolError> {
        self.message.payload = if self.message.has(Flags::COMPRESSED) && opts.decompress {
            self.message.flags.remove(Flags::COMPRESSED);
            compress::decompress(raw, opts.max_message_size)?.into()
        } else {
            take(raw)
        };
        Ok(self.message)
    }
}

/// Pyro5's default `MAX_MESSAGE_SIZE`: 1 GiB of payload plus annotations.
pub const MAX_MESSAGE_SIZE: u64 = 1_073_741_824;

/// What a receiver accepts.
///
/// ```
/// use pyroxene_wire::protocol::{MessageType, ParseOptions};
/// let opts = ParseOptions::default()
///     .max_message_size(1 << 20)
///     .accept(&[MessageType::Invoke, MessageType::Ping]);
/// assert_eq!(opts.accepted.to_string(), "4,6");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    /// Upper bound for `data_size + annotations_size` from the header, checked before the
    /// body is read, and for an inflated payload. Default [`MAX_MESSAGE_SIZE`].
    pub max_message_size: u64,
    /// Message types allowed at this point (a daemon: CONNECT first, then INVOKE and PING).
    /// Default: all six. Checked right after the header, before the body is waited for, as
    /// Python does.
    pub accepted: MessageTypes,
    /// Inflate COMPRESSED payloads (and clear the flag). Default on; off gives the payload as
    /// it travelled, e.g. to forward or re-encode it unchanged.
    pub decompress: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_message_size: MAX_MESSAGE_SIZE,
            accepted: MessageTypes::ALL,
            decompress: true,
        }
    }
}

impl ParseOptions {
    /// The same options with another size limit.
    #[must_use]
    pub fn max_message_size(mut self, max: u64) -> Self {
        self.max_message_size = max;
        self
    }

    /// The same options accepting only `types`.
    #[must_use]
    pub fn accept(mut self, types: &[MessageType]) -> Self {
        self.accepted = MessageTypes::of(types);
        self
    }

    /// The same options with decompression on or off.
    #[must_use]
    pub fn decompress(mut self, on: bool) -> Self {
        self.decompress = on;
        self
    }
}

/// A validated message header: enough to know the message's length and to answer it (seq,
/// serializer, correlation id) before its body has arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Header {
    /// The protocol version of the header.
    pub version: ProtocolVersion,
    /// The message type (already checked against [`ParseOptions::accepted`]).
    pub msg_type: MessageType,
    /// The payload's serializer id (not checked: PING uses 42, and which serializers a
    /// daemon accepts is its own business).
    pub serializer_id: u16,
    /// Flags, wire bits mapped to meaning.
    pub flags: Flags,
    /// Sequence number.
    pub seq: u16,
    /// Payload bytes on the wire (compressed size if compressed).
    pub data_size: u32,
    /// Annotation block bytes.
    pub annotations_size: u32,
    /// The correlation id, when the header marks it valid.
    pub correlation_id: Option<CorrelationId>,
}

impl Header {
    /// Bytes of the fixed header (40 for v5, 24 for v4).
    pub fn header_size(&self) -> usize {
        match self.version {
            ProtocolVersion::V4 => v4::HEADER_SIZE,
            ProtocolVersion::V5 => v5::HEADER_SIZE,
        }
    }

    /// Annotations plus payload: what the size limit applies to.
    pub fn body_size(&self) -> u64 {
        u64::from(self.data_size) + u64::from(self.annotations_size)
    }

    /// The whole message on the wire, header included.
    pub fn message_len(&self) -> u64 {
        self.header_size() as u64 + self.body_size()
    }
}

/// One protocol version's framing. Object safe, so a daemon serving both versions on one
/// port can hold a `Box<dyn Codec>` chosen by [`detect_version`].
pub trait Codec: std::fmt::Debug + Send + Sync {
    /// The version this codec speaks.
    fn version(&self) -> ProtocolVersion;

    /// Bytes of the fixed header.
    fn header_size(&self) -> usize;

    /// Bytes of framing in front of each annotation value.
    fn chunk_overhead(&self) -> u64;

    /// This version's sender-side compression rule.
    fn compression(&self) -> Compression;

    /// Validates the header at the start of `buf`; `Ok(None)` until enough bytes are there.
    ///
    /// # Errors
    /// A [`ProtocolError`] for a bad, oversized or unexpected header.
    fn parse_header(
        &self,
        buf: &[u8],
        opts: &ParseOptions,
    ) -> Result<Option<Header>, ProtocolError>;

    /// Finds one complete message at the start of `buf`, its payload left in place;
    /// `Ok(None)` until all of it is in `buf`.
    ///
    /// # Errors
    /// A [`ProtocolError`] for anything malformed, oversized or unexpected.
    fn parse_frame(&self, buf: &[u8], opts: &ParseOptions) -> Result<Option<Frame>, ProtocolError>;

    /// Parses one complete message, copying its payload out of `buf`: `Ok(None)` until all
    /// of it is there, then the message and the number of bytes it took. With
    /// [`ParseOptions::decompress`] on, a COMPRESSED payload is inflated (at most
    /// `max_message_size` bytes) and the flag cleared.
    ///
    /// # Errors
    /// A [`ProtocolError`] for anything malformed, oversized or unexpected.
    fn parse(
        &self,
        buf: &[u8],
        opts: &ParseOptions,
    ) -> Result<Option<(Message, usize)>, ProtocolError> {
        let Some(frame) = self.parse_frame(buf, opts)? else {
            return Ok(None);
        };
        let len = frame.len;
        let raw = &buf[frame.payload.clone()];
        Ok(Some((
            frame.finish(raw, opts, Bytes::copy_from_slice)?,
            len,
        )))
    }

    /// Takes one complete message off the front of `buf` (as a `tokio_util` decoder does):
    /// the payload becomes a view of the received bytes instead of a copy, which is what
    /// keeps a 10 MB payload from being copied between the socket and the deserializer.
    ///
    /// # Errors
    /// As [`Codec::parse`]; `buf` is left as it was.
    fn parse_bytes(
        &self,
        buf: &mut BytesMut,
        opts: &ParseOptions,
    ) -> Result<Option<Message>, ProtocolError> {
        let Some(frame) = self.parse_frame(buf, opts)? else {
            return Ok(None);
        };
        let bytes = buf.split_to(frame.len).freeze();
        let range = frame.payload.clone();
        Ok(Some(frame.finish(&bytes[range.clone()], opts, |_| {
            bytes.slice(range.clone())
        })?))
    }

    /// Appends header and annotations (not the payload) to `out`.
    ///
    /// # Errors
    /// When a field does not fit this version's header.
    fn encode_head(&self, msg: &Message, out: &mut Vec<u8>) -> Result<(), ProtocolError>;

    /// Appends the whole message to `out`.
    ///
    /// # Errors
    /// As [`Codec::encode_head`].
    fn encode_into(&self, msg: &Message, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        self.encode_head(msg, out)?;
        out.extend_from_slice(&msg.payload);
        Ok(())
    }

    /// The whole message as one buffer.
    ///
    /// # Errors
    /// As [`Codec::encode_head`].
    fn encode(&self, msg: &Message) -> Result<Vec<u8>, ProtocolError> {
        let mut out = Vec::with_capacity(self.header_size() + msg.payload.len());
        self.encode_into(msg, &mut out)?;
        Ok(out)
    }

    /// The sender's size check (Python refuses to build such a message): payload plus
    /// annotation block must not exceed `max_message_size`.
    ///
    /// # Errors
    /// [`ProtocolError::TooLarge`] with Python's "message too large (N, max=M)".
    fn check_size(&self, msg: &Message, max_message_size: u64) -> Result<(), ProtocolError> {
        let size = msg.payload.len() as u64 + msg.annotations.wire_size(self.chunk_overhead());
        if size > max_message_size {
            return Err(ProtocolError::TooLarge {
                size,
                max: max_message_size,
            });
        }
        Ok(())
    }
}

/// Which protocol version a connection speaks, from its first 6 bytes (`PYRO` + version), so
/// one port can serve Pyro4 and Pyro5 clients. `None` for anything else or fewer than 6 bytes
/// (a v5 daemon then answers "invalid data" / "invalid protocol version: N").
///
/// ```text
/// 50 59 52 4f 00 30   PYRO, 48  -> Pyro4
/// 50 59 52 4f 01 f6   PYRO, 502 -> Pyro5
/// ```
///
/// ```
/// use pyroxene_wire::ProtocolVersion;
/// use pyroxene_wire::protocol::detect_version;
/// assert_eq!(detect_version(b"PYRO\x01\xf6\x01\x01"), Some(ProtocolVersion::V5));
/// assert_eq!(detect_version(b"PYRO\x00\x30"), Some(ProtocolVersion::V4));
/// assert_eq!(detect_version(b"PYRO\x00"), None);
/// assert_eq!(detect_version(b"GET / "), None);
/// ```
pub fn detect_version(first6: &[u8]) -> Option<ProtocolVersion> {
    match first6.first_chunk::<6>()? {
        [b'P', b'Y', b'R', b'O', 0x00, 0x30] => Some(ProtocolVersion::V4),
        [b'P', b'Y', b'R', b'O', 0x01, 0xf6] => Some(ProtocolVersion::V5),
        _ => None,
    }
}

/// The keyless codec of `version`, shared and free to pick per connection.
///
/// ```
/// use pyroxene_wire::ProtocolVersion;
/// use pyroxene_wire::protocol::{codec_for, detect_version};
/// let first = b"PYRO\x00\x30\x00\x01";
/// let codec = codec_for(detect_version(first).unwrap());
/// assert_eq!((codec.version(), codec.header_size()), (ProtocolVersion::V4, 24));
/// ```
pub fn codec_for(version: ProtocolVersion) -> &'static dyn Codec {
    match version {
        ProtocolVersion::V4 => &v4::PLAIN,
        ProtocolVersion::V5 => &V5,
    }
}

/// The codec of `version` with a Pyro4 HMAC key (`None` or an empty key: no key, the same as
/// [`codec_for`]). A daemon configured with a key calls this once it has seen the first 6
/// bytes of a connection.
///
/// ```
/// use std::sync::Arc;
/// use pyroxene_wire::ProtocolVersion;
/// use pyroxene_wire::protocol::{codec_with_hmac, ProtocolError};
/// let key: Arc<[u8]> = Arc::from(&b"secret"[..]);
/// let v4 = codec_with_hmac(ProtocolVersion::V4, Some(key.clone())).unwrap();
/// assert_eq!(v4.version(), ProtocolVersion::V4);
/// let v5 = codec_with_hmac(ProtocolVersion::V5, Some(key));
/// assert_eq!(v5.unwrap_err(), ProtocolError::HmacUnsupported);
/// ```
///
/// # Errors
/// [`ProtocolError::HmacUnsupported`] for a key with Pyro5, which has no HMAC: refusing keeps
/// a daemon that demands signed messages from silently serving unsigned Pyro5 connections.
pub fn codec_with_hmac(
    version: ProtocolVersion,
    hmac_key: Option<HmacKey>,
) -> Result<std::sync::Arc<dyn Codec>, ProtocolError> {
    match (version, hmac_key.filter(|k| !k.is_empty())) {
        (ProtocolVersion::V4, Some(key)) => Ok(std::sync::Arc::new(V4::with_hmac(key))),
        (ProtocolVersion::V4, None) => Ok(std::sync::Arc::new(V4::new())),
        (ProtocolVersion::V5, None) => Ok(std::sync::Arc::new(V5)),
        (ProtocolVersion::V5, Some(_)) => Err(ProtocolError::HmacUnsupported),
    }
}
