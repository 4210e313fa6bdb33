//! The message frame, sans IO: a length header, then the payload.
//!
//! ```text
//! 00 00 00 05  68 65 6c 6c 6f          "hello": !i length (4-byte signed big-endian)
//! 00 00 00 00                           an empty message
//! ff ff ff ff  00 00 00 00 80 00 00 00  a 2 GiB message: -1, then !Q length (8 bytes),
//!              ...                      for lengths over 0x7fffffff (CPython 3.8+)
//! ```
//!
//! Writers use the short form up to 2 GiB − 1, as CPython does for peers older than 3.8;
//! readers accept both forms for any length. A negative length other than -1 is refused:
//! CPython reads it as an empty message (its read loop never runs), which only a broken or
//! hostile peer sends, and which leaves the stream out of step.

/// The largest length the 4-byte form carries.
pub const MAX_SHORT_LENGTH: u64 = 0x7fff_ffff;

/// The longest header: `-1` and an 8-byte length.
pub const MAX_HEADER_LEN: usize = 12;

/// A parsed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The payload's length.
    pub length: u64,
    /// How many bytes the header took (4 or 12).
    pub size: usize,
}

/// A header no CPython writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A 4-byte length below -1.
    #[error("negative message length {0}")]
    NegativeLength(i32),
}

/// Writes the header for a payload of `length` bytes into `out`; returns the bytes written.
///
/// ```
/// use pyroxene_connection::frame::encode_header;
/// let mut out = [0u8; 12];
/// assert_eq!(encode_header(5, &mut out), b"\x00\x00\x00\x05");
/// assert_eq!(encode_header(1 << 31, &mut out), b"\xff\xff\xff\xff\x00\x00\x00\x00\x80\x00\x00\x00");
/// ```
pub fn encode_header(length: u64, out: &mut [u8; MAX_HEADER_LEN]) -> &[u8] {
    if length <= MAX_SHORT_LENGTH {
        // Fits: the short form's positive range is exactly 0..=MAX_SHORT_LENGTH.
        out[..4].copy_from_slice(&(length as u32).to_be_bytes());
        &out[..4]
    } else {
        out[..4].copy_from_slice(&(-1i32).to_be_bytes());
        out[4..].copy_from_slice(&length.to_be_bytes());
        &out[..]
    }
}

/// Reads a header from the start of `buf`: `Ok(None)` until enough bytes are there.
///
/// ```
/// use pyroxene_connection::frame::{parse_header, Header};
/// assert_eq!(parse_header(b"\x00\x00").unwrap(), None);
/// assert_eq!(parse_header(b"\x00\x00\x01\x00rest").unwrap(), Some(Header { length: 256, size: 4 }));
/// assert_eq!(parse_header(b"\xff\xff\xff\xff\x00\x00").unwrap(), None);
/// assert!(parse_header(b"\xff\xff\xff\xfe").is_err());
/// ```
///
/// # Errors
/// [`FrameError::NegativeLength`] for a length below -1.
pub fn parse_header(buf: &[u8]) -> Result<Option<Header>, FrameError> {
    let Some(short) = buf.first_chunk::<4>() else {
        return Ok(None);
    };
    match i32::from_be_bytes(*short) {
        -1 => Ok(buf
            .get(4..MAX_HEADER_LEN)
            .and_then(|long| long.first_chunk::<8>())
            .map(|long| Header {
                length: u64::from_be_bytes(*long),
                size: MAX_HEADER_LEN,
            })),
        n if n < 0 => Err(FrameError::NegativeLength(n)),
        n => Ok(Some(Header {
            length: n.unsigned_abs().into(),
            size: 4,
        })),
    }
}

/// Appends one whole frame (header and payload) to `out`.
///
/// ```
/// let mut out = Vec::new();
/// pyroxene_connection::frame::encode(b"hi", &mut out);
/// assert_eq!(out, b"\x00\x00\x00\x02hi");
/// ```
pub fn encode(payload: &[u8], out: &mut Vec<u8>) {
    let mut head = [0u8; MAX_HEADER_LEN];
    out.extend_from_slice(encode_header(payload.len() as u64, &mut head));
    out.extend_from_slice(payload);
}

/// Why [`decode`] refused a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The header is malformed.
    #[error("bad message header")]
    Frame(#[source] FrameError),
    /// The announced length is over the limit (checked before any payload is read).
    #[error("message of {length} bytes is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The announced length.
        length: u64,
        /// The limit it broke.
        limit: u64,
    },
}

/// Splits one whole frame off the start of `buf`: `Ok(None)` until it is complete, else
/// the payload and the number of bytes the frame took. The length is checked against
/// `limit` as soon as the header is there, before any payload is waited for.
///
/// ```
/// use pyroxene_connection::frame::{decode, DecodeError};
/// assert_eq!(decode(b"\x00\x00\x00\x02hi!", 100).unwrap(), Some((&b"hi"[..], 6)));
/// assert_eq!(decode(b"\x00\x00\x00\x02h", 100).unwrap(), None);
/// assert_eq!(decode(b"\x00\x00\x01\x00", 100), Err(DecodeError::TooLarge { length: 256, limit: 100 }));
/// ```
///
/// # Errors
/// A malformed header, or a length over `limit`.
pub fn decode(buf: &[u8], limit: u64) -> Result<Option<(&[u8], usize)>, DecodeError> {
    let Some(header) = parse_header(buf).map_err(DecodeError::Frame)? else {
        return Ok(None);
    };
    if header.length > limit {
        return Err(DecodeError::TooLarge {
            length: header.length,
            limit,
        });
    }
    let rest = &buf[header.size..];
    Ok(usize::try_from(header.length)
        .ok()
        .and_then(|n| rest.get(..n))
        .map(|payload| (payload, header.size + payload.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_at_their_edges() {
        let mut out = [0u8; MAX_HEADER_LEN];
        for (length, bytes) in [
            (0u64, &b"\x00\x00\x00\x00"[..]),
            (0x7fff_ffff, b"\x7f\xff\xff\xff"),
            (
                0x8000_0000,
                b"\xff\xff\xff\xff\x00\x00\x00\x00\x80\x00\x00\x00",
            ),
            (
                u64::MAX,
                b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
            ),
        ] {
            assert_eq!(encode_header(length, &mut out), bytes, "{length}");
            let size = bytes.len();
            assert_eq!(parse_header(bytes), Ok(Some(Header { length, size })));
        }
        // The long form for a short length is legal (CPython reads it).
        assert_eq!(
            parse_header(b"\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x03"),
            Ok(Some(Header {
                length: 3,
                size: 12
            }))
        );
        assert_eq!(
            parse_header(b"\x80\x00\x00\x00"),
            Err(FrameError::NegativeLength(i32::MIN))
        );
    }
}
