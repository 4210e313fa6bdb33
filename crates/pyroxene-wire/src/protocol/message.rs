//! The version-neutral message model: [`Message`], [`MessageType`], [`Flags`],
//! [`CorrelationId`].

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;

use super::annotations::{AnnotationId, Annotations};
use super::error::ProtocolError;
use crate::{ProtocolVersion, Serializer};

/// What a message is for. The numbers are the same in Pyro4 and Pyro5.
///
/// ```text
/// 1 CONNECT      proxy -> daemon, first message of a connection
/// 2 CONNECTOK    daemon -> proxy
/// 3 CONNECTFAIL  daemon -> proxy, then the daemon closes
/// 4 INVOKE       proxy -> daemon
/// 5 RESULT       daemon -> proxy
/// 6 PING         both ways; payload b"ping" / b"pong", never deserialized
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum MessageType {
    /// Connection handshake request.
    Connect = 1,
    /// Handshake accepted.
    ConnectOk = 2,
    /// Handshake refused; the payload is the reason as a serialized str.
    ConnectFail = 3,
    /// A remote call.
    Invoke = 4,
    /// The result (or exception) of a call.
    Result = 5,
    /// Ping/pong.
    Ping = 6,
}

impl MessageType {
    /// All six, in number order.
    pub const ALL: [MessageType; 6] = [
        MessageType::Connect,
        MessageType::ConnectOk,
        MessageType::ConnectFail,
        MessageType::Invoke,
        MessageType::Result,
        MessageType::Ping,
    ];

    /// The type with header number `n`, if there is one.
    pub fn from_number(n: u16) -> Option<MessageType> {
        MessageType::ALL
            .into_iter()
            .find(|t| u16::from(t.number()) == n)
    }

    /// The header number (1..=6).
    pub fn number(self) -> u8 {
        self as u8
    }

    /// Python's constant name without the `MSG_` prefix: `"CONNECT"`, `"RESULT"`, ...
    pub fn name(self) -> &'static str {
        match self {
            MessageType::Connect => "CONNECT",
            MessageType::ConnectOk => "CONNECTOK",
            MessageType::ConnectFail => "CONNECTFAIL",
            MessageType::Invoke => "INVOKE",
            MessageType::Result => "RESULT",
            MessageType::Ping => "PING",
        }
    }
}

/// A set of message types a receiver accepts at some point of a conversation.
///
/// `Display` prints the numbers in ascending order joined by `,`, which is how Python prints
/// its accepted list in "invalid msg type 4 received (expected: 1)" (Pyro's lists are all in
/// ascending order).
///
/// ```
/// use pyroxene_wire::protocol::{MessageType, MessageTypes};
/// let after_connect = MessageTypes::of(&[MessageType::Ping, MessageType::Invoke]);
/// assert!(after_connect.contains(MessageType::Invoke));
/// assert_eq!(after_connect.to_string(), "4,6");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageTypes(u8);

impl MessageTypes {
    /// Every message type (what [`super::ParseOptions::default`] accepts).
    pub const ALL: MessageTypes = MessageTypes(0b0111_1110);

    /// The set of the given types.
    pub fn of(types: &[MessageType]) -> MessageTypes {
        MessageTypes(types.iter().fold(0, |acc, t| acc | 1 << t.number()))
    }

    /// Whether `t` is in the set.
    pub fn contains(self, t: MessageType) -> bool {
        self.0 & (1 << t.number()) != 0
    }

    /// The message type of header number `n` if it is in the set, else Python's
    /// "invalid msg type N received (expected: a,b)" error.
    ///
    /// ```
    /// use pyroxene_wire::protocol::{MessageType, MessageTypes};
    /// let first = MessageTypes::of(&[MessageType::Connect]);
    /// assert_eq!(first.check(1), Ok(MessageType::Connect));
    /// assert_eq!(first.check(4).unwrap_err().to_string(), "invalid msg type 4 received (expected: 1)");
    /// ```
    ///
    /// # Errors
    /// [`ProtocolError::InvalidMessageType`] when `n` is not a type of the set.
    pub fn check(self, n: u16) -> Result<MessageType, ProtocolError> {
        MessageType::from_number(n)
            .filter(|t| self.contains(*t))
            .ok_or(ProtocolError::InvalidMessageType {
                msg_type: n,
                expected: Some(self),
            })
    }

    fn iter(self) -> impl Iterator<Item = MessageType> {
        MessageType::ALL
            .into_iter()
            .filter(move |t| self.contains(*t))
    }
}

impl fmt::Display for MessageTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}", t.number())?;
        }
        Ok(())
    }
}

impl fmt::Debug for MessageTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Message flags by meaning, not by wire bit.
///
/// The bits differ between the versions (v4 0x10 is META_ON_CONNECT, v5 0x10 is
/// ITEMSTREAMRESULT, ...), so a codec translates these to and from its own bits; unknown wire
/// bits are dropped on receipt, as both Python versions ignore them. The v5 CORR_ID bit is not
/// a flag here: it is [`Message::correlation_id`] being `Some` (v4 carries the id in a `CORR`
/// annotation instead, so that is the one version-neutral place for it).
///
/// ```text
/// flag              v4 bit  v5 bit
/// EXCEPTION         0x01    0x01
/// COMPRESSED        0x02    0x02
/// ONEWAY            0x04    0x04
/// BATCH             0x08    0x08
/// META_ON_CONNECT   0x10    -      (v5 always sends metadata on connect)
/// ITEMSTREAMRESULT  0x20    0x10
/// KEEPSERIALIZED    0x40    0x20
/// (correlation id)  CORR    0x40
/// ```
///
/// ```
/// use pyroxene_wire::protocol::Flags;
/// let f = Flags::EXCEPTION | Flags::ITEMSTREAMRESULT;
/// assert!(f.contains(Flags::EXCEPTION));
/// assert_eq!(format!("{f:?}"), "Flags(EXCEPTION | ITEMSTREAMRESULT)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u16);

impl Flags {
    /// The payload is an exception (RESULT).
    pub const EXCEPTION: Flags = Flags(1 << 0);
    /// The payload is zlib-compressed.
    pub const COMPRESSED: Flags = Flags(1 << 1);
    /// No reply expected (INVOKE).
    pub const ONEWAY: Flags = Flags(1 << 2);
    /// A batch of calls / batch results.
    pub const BATCH: Flags = Flags(1 << 3);
    /// The result is an item stream (with a `STRM` annotation).
    pub const ITEMSTREAMRESULT: Flags = Flags(1 << 4);
    /// The payload is forwarded serialized (with a `BLBI` annotation).
    pub const KEEPSERIALIZED: Flags = Flags(1 << 5);
    /// v4 only: metadata requested/returned with the handshake. The v5 codec does not send it.
    pub const META_ON_CONNECT: Flags = Flags(1 << 6);

    const NAMES: [(Flags, &'static str); 7] = [
        (Flags::EXCEPTION, "EXCEPTION"),
        (Flags::COMPRESSED, "COMPRESSED"),
        (Flags::ONEWAY, "ONEWAY"),
        (Flags::BATCH, "BATCH"),
        (Flags::ITEMSTREAMRESULT, "ITEMSTREAMRESULT"),
        (Flags::KEEPSERIALIZED, "KEEPSERIALIZED"),
        (Flags::META_ON_CONNECT, "META_ON_CONNECT"),
    ];

    /// No flags.
    pub const fn empty() -> Flags {
        Flags(0)
    }

    /// True when no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when every flag of `other` is set in `self`.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets the flags of `other`.
    pub fn insert(&mut self, other: Flags) {
        self.0 |= other.0;
    }

    /// Clears the flags of `other`.
    pub fn remove(&mut self, other: Flags) {
        self.0 &= !other.0;
    }

    /// Sets or clears the flags of `other`.
    pub fn set(&mut self, other: Flags, on: bool) {
        if on {
            self.insert(other);
        } else {
            self.remove(other);
        }
    }

    /// The individual flags that are set, in the table's order.
    pub fn iter(self) -> impl Iterator<Item = Flags> {
        Flags::NAMES
            .into_iter()
            .map(|(f, _)| f)
            .filter(move |f| self.contains(*f))
    }
}

impl std::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Flags {
    fn bitor_assign(&mut self, rhs: Flags) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Flags(")?;
        let names = Flags::NAMES.iter().filter(|(flag, _)| self.contains(*flag));
        for (i, (_, name)) in names.enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            f.write_str(name)?;
        }
        f.write_str(")")
    }
}

/// A correlation id: 16 raw UUID bytes (Python's `uuid.bytes`, RFC 4122 order).
///
/// `Display` and `FromStr` use the hyphenated UUID form Python prints.
///
/// ```
/// use pyroxene_wire::protocol::CorrelationId;
/// let id: CorrelationId = "11112222-3333-4444-5555-666677778888".parse().unwrap();
/// assert_eq!(id.as_bytes()[..2], [0x11, 0x11]);
/// assert_eq!(id.to_string(), "11112222-3333-4444-5555-666677778888");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CorrelationId(pub [u8; 16]);

impl CorrelationId {
    /// The raw bytes as they travel.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// The text is not a UUID (32 hex digits, optionally hyphenated as 8-4-4-4-12).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("badly formed hexadecimal UUID string")]
pub struct ParseCorrelationIdError;

impl FromStr for CorrelationId {
    type Err = ParseCorrelationIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hyphenated = s.len() == 36
            && s.char_indices()
                .all(|(i, c)| (c == '-') == matches!(i, 8 | 13 | 18 | 23));
        if !(hyphenated || s.len() == 32) {
            return Err(ParseCorrelationIdError);
        }
        let mut digits = s.bytes().filter(|b| *b != b'-');
        let mut out = [0u8; 16];
        for byte in &mut out {
            let mut next = || {
                digits
                    .next()
                    .and_then(|d| char::from(d).to_digit(16))
                    .ok_or(ParseCorrelationIdError)
            };
            let (hi, lo) = (next()?, next()?);
            *byte = (hi * 16 + lo) as u8;
        }
        Ok(CorrelationId(out))
    }
}

/// One protocol message, independent of the protocol version that carries it.
///
/// This is the wire form: `payload` holds the bytes as they travel (zlib data when
/// [`Flags::COMPRESSED`] is set), serialized with the serializer `serializer_id` names. A
/// parser inflates compressed payloads by default ([`super::ParseOptions::decompress`]) and then
/// clears the flag, as Python does.
///
/// ```
/// use pyroxene_wire::protocol::{AnnotationId, Flags, Message, MessageType};
/// let xrsp: AnnotationId = "XRSP".parse()?;
/// let msg = Message::new(MessageType::Result, 1, 7, b"# serpent utf-8 python3.2\n42".to_vec())
///     .with_flags(Flags::BATCH)
///     .with_annotation(xrsp, b"hi".to_vec());
/// assert_eq!(msg.annotation(xrsp), Some(&b"hi"[..]));
/// assert_eq!(msg.seq, 7);
/// # Ok::<(), pyroxene_wire::protocol::ProtocolError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// What the message is for.
    pub msg_type: MessageType,
    /// Flags by meaning (each codec maps them to its wire bits).
    pub flags: Flags,
    /// Sequence number; a reply echoes its request's. Wraps 65535 -> 0.
    pub seq: u16,
    /// The serializer id of the payload, in the numbering of the carrying protocol version
    /// (see [`Serializer::id`]); PING messages use 42 and are never deserialized.
    pub serializer_id: u16,
    /// Annotation chunks in wire order.
    pub annotations: Annotations,
    /// The correlation id, when the sender set one (v5 CORR_ID flag, v4 `CORR` annotation).
    pub correlation_id: Option<CorrelationId>,
    /// The payload bytes (a view of the received buffer after [`super::Codec::parse_bytes`]).
    pub payload: Bytes,
}

impl Message {
    /// A message without flags, annotations or correlation id.
    pub fn new(
        msg_type: MessageType,
        serializer_id: u16,
        seq: u16,
        payload: impl Into<Bytes>,
    ) -> Message {
        Message {
            msg_type,
            flags: Flags::empty(),
            seq,
            serializer_id,
            annotations: Annotations::new(),
            correlation_id: None,
            payload: payload.into(),
        }
    }

    /// A reply to this message: the same seq, serializer id and correlation id (Python's
    /// daemon answers with the request's id, or a fresh uuid4 when it had none: set one with
    /// [`Message::with_correlation_id`]), no flags, no annotations.
    ///
    /// ```
    /// use pyroxene_wire::protocol::{Message, MessageType};
    /// let ping = Message::new(MessageType::Ping, 42, 1234, b"ping".to_vec());
    /// let pong = ping.reply(MessageType::Ping, b"pong".to_vec());
    /// assert_eq!((pong.seq, pong.serializer_id), (1234, 42));
    /// ```
    pub fn reply(&self, msg_type: MessageType, payload: impl Into<Bytes>) -> Message {
        Message {
            correlation_id: self.correlation_id,
            ..Message::new(msg_type, self.serializer_id, self.seq, payload)
        }
    }

    /// The same message with `flags` added.
    #[must_use]
    pub fn with_flags(mut self, flags: Flags) -> Message {
        self.flags |= flags;
        self
    }

    /// The same message with a correlation id.
    #[must_use]
    pub fn with_correlation_id(mut self, id: CorrelationId) -> Message {
        self.correlation_id = Some(id);
        self
    }

    /// The same message with annotation `id` set to `value` (replacing an earlier one).
    #[must_use]
    pub fn with_annotation(mut self, id: AnnotationId, value: Vec<u8>) -> Message {
        self.annotations.insert(id, value);
        self
    }

    /// The value of annotation `id` (e.g. [`AnnotationId::STRM`]), if present.
    pub fn annotation(&self, id: AnnotationId) -> Option<&[u8]> {
        self.annotations.get(id)
    }

    /// The serializer the header names in protocol `version`, if it is one of ours.
    pub fn serializer(&self, version: ProtocolVersion) -> Option<Serializer> {
        Serializer::from_id(self.serializer_id, version)
    }

    /// Whether a flag is set (shorthand for `self.flags.contains(flag)`).
    pub fn has(&self, flag: Flags) -> bool {
        self.flags.contains(flag)
    }
}
