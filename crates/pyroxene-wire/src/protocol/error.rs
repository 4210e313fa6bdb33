//! [`ProtocolError`]: everything that can be wrong with a message frame, worded like Python.

use crate::ProtocolVersion;
use crate::dialect::PyroErrorClass;

use super::message::MessageTypes;

/// A malformed, oversized or unexpected message frame.
///
/// `Display` gives **Python's exact text** wherever Python has one, because a daemon sends that
/// text back to a Python client in a CONNECTFAIL reply (as Python's own daemon does), and a
/// Python user compares it with what Pyro itself says. Python's class for each is in
/// [`ProtocolError::python_class`].
///
/// ```
/// use pyroxene_wire::protocol::{ParseOptions, ProtocolError, V5};
/// let err = V5.parse(b"GET / HTTP/1.0\r\n", &ParseOptions::default()).unwrap_err();
/// assert_eq!(err, ProtocolError::InvalidData);
/// assert_eq!(err.to_string(), "invalid data");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The first bytes are not `PYRO`.
    #[error("invalid data")]
    InvalidData,
    /// `PYRO` followed by another protocol number (48 is a Pyro4 peer).
    #[error("invalid protocol version: {0}")]
    InvalidVersion(u16),
    /// A complete v5 header whose tag, version or magic number (`0x4DC5`) is wrong.
    #[error("invalid message or protocol version")]
    InvalidHeader,
    /// `data_size + annotations_size` (or an outgoing message) exceeds the size limit.
    #[error("message too large ({size}, max={max})")]
    TooLarge {
        /// The size the header announces (payload plus annotations).
        size: u64,
        /// The configured limit (`MAX_MESSAGE_SIZE`), or the format's own field limit.
        max: u64,
    },
    /// A message type that is unknown or not expected at this point of the conversation.
    ///
    /// `expected` lists the allowed types as Python prints them (`1` or `4,6`); `None` gives
    /// the shorter Pyro4 wording.
    #[error("invalid msg type {msg_type} received{}", expected_suffix(.expected))]
    InvalidMessageType {
        /// The type number in the header.
        msg_type: u16,
        /// The types that were allowed.
        expected: Option<MessageTypes>,
    },
    /// An annotation chunk claims more bytes than the annotation block has left.
    #[error("annotation chunk length exceeds remaining data")]
    AnnotationOverrun,
    /// An annotation id that is not exactly four ASCII characters.
    #[error("annotation identifier must be 4 ascii characters")]
    InvalidAnnotationId,
    /// A serializer id that does not fit the header field (v5 has one byte for it).
    #[error("serializer id {id} does not fit a protocol {version} header")]
    SerializerIdRange {
        /// The id that was asked for.
        id: u16,
        /// The protocol number (48 or 502).
        version: u16,
    },
    /// The COMPRESSED payload is not a valid zlib stream (Python: `zlib.error`).
    #[error("invalid compressed data: {0}")]
    Decompress(String),
    /// The zlib engine refused to compress (it does not for valid levels).
    #[error("compression failed: {0}")]
    Compress(String),
    /// The COMPRESSED payload inflates to more than the size limit (a zip bomb, or a limit set
    /// too low).
    #[error("decompressed payload too large (max={max})")]
    DecompressedTooLarge {
        /// The limit the inflated payload hit.
        max: u64,
    },
    /// v4: the header does not start with `PYRO` and protocol 48.
    #[error("invalid data or unsupported protocol version")]
    V4InvalidHeader,
    /// v4: the header's checksum field does not match the sum of its fields.
    #[error("header checksum mismatch")]
    ChecksumMismatch,
    /// v4: `data_size + annotations_size` (or an outgoing message) exceeds the size limit
    /// (Pyro4's `MessageTooLargeError` text).
    #[error("max message size exceeded ({size} where max={max})")]
    MaxSizeExceeded {
        /// Payload plus annotation block.
        size: u64,
        /// The configured limit.
        max: u64,
    },
    /// v4: a negative data size in a received header, or a payload of 2 GiB or more to send
    /// (the v4 field is a signed 32-bit int; Pyro4's sender text).
    #[error("invalid message size (outside range 0..2Gb)")]
    InvalidDataSize,
    /// v4: an annotation value or the whole block exceeds the 16-bit length fields.
    #[error("annotations too large for protocol 48 ({size} bytes, max=65535)")]
    AnnotationsTooLarge {
        /// The size that did not fit.
        size: u64,
    },
    /// v4: the `HMAC` annotation does not match the message (wrong key or altered message).
    #[error("message hmac mismatch")]
    HmacMismatch,
    /// v4: a message with an `HMAC` annotation while no key is set, or without one while a key
    /// is set.
    #[error("hmac key config not symmetric")]
    HmacNotSymmetric,
    /// Pyro5 has no HMAC: a key was asked for with a protocol that cannot carry it.
    #[error("protocol 502 has no hmac; an hmac key only works with Pyro4 peers")]
    HmacUnsupported,
}

fn expected_suffix(expected: &Option<MessageTypes>) -> String {
    match expected {
        Some(types) => format!(" (expected: {types})"),
        None => String::new(),
    }
}

impl ProtocolError {
    /// The Pyro class a peer of `version` raises for this error: `ProtocolError`, except
    /// Pyro4's HMAC refusals (`SecurityError`) and size limit (`MessageTooLargeError`).
    ///
    /// ```
    /// use pyroxene_wire::ProtocolVersion;
    /// use pyroxene_wire::dialect::PyroErrorClass;
    /// use pyroxene_wire::protocol::ProtocolError;
    /// assert_eq!(ProtocolError::InvalidData.python_class(ProtocolVersion::V5), PyroErrorClass::ProtocolError);
    /// assert_eq!(ProtocolError::HmacMismatch.python_class(ProtocolVersion::V4), PyroErrorClass::SecurityError);
    /// ```
    pub fn python_class(&self, version: ProtocolVersion) -> PyroErrorClass {
        match (self, version) {
            (Self::HmacMismatch | Self::HmacNotSymmetric, ProtocolVersion::V4) => {
                PyroErrorClass::SecurityError
            }
            (Self::MaxSizeExceeded { .. }, ProtocolVersion::V4) => {
                PyroErrorClass::MessageTooLargeError
            }
            _ => PyroErrorClass::ProtocolError,
        }
    }
}
