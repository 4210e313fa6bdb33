//! Payload compression: zlib streams (RFC 1950) as Python's `zlib.compress` / `decompress`
//! make them, with a hard bound on the inflated size.
//!
//! Only payloads are compressed, never annotations. Who compresses is the sender's choice
//! (config `COMPRESSION`), each version with its own rule ([`Compression`]); a receiver inflates
//! whenever the COMPRESSED flag is set, whatever its own config says.

use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};

use super::error::ProtocolError;
use super::message::{Flags, Message};

/// A sender's compression rule.
///
/// ```text
/// v5 (protocol layer):   payload > 100 bytes  -> zlib level 4, always (even if it grows)
/// v4 (serializer layer): payload >= 200 bytes -> zlib default level (6), only if smaller
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Compression {
    /// Payloads shorter than this are sent as they are.
    pub min_size: usize,
    /// zlib level, 0..=9.
    pub level: u32,
    /// Keep the compressed form only when it is smaller than the original.
    pub only_if_smaller: bool,
}

impl Compression {
    /// Pyro5's rule: more than 100 bytes, level 4, always.
    pub const V5: Compression = Compression {
        min_size: 101,
        level: 4,
        only_if_smaller: false,
    };

    /// Pyro4's rule: 200 bytes or more, default level, only if that saves bytes.
    pub const V4: Compression = Compression {
        min_size: 200,
        level: 6,
        only_if_smaller: true,
    };

    /// Compresses `msg`'s payload if this rule says so, setting [`Flags::COMPRESSED`].
    /// A payload that is already compressed is left alone.
    ///
    /// ```
    /// use pyroxene_wire::protocol::{Compression, Flags, Message, MessageType};
    /// let mut msg = Message::new(MessageType::Invoke, 1, 1, vec![b'x'; 361]);
    /// Compression::V5.apply(&mut msg);
    /// assert!(msg.has(Flags::COMPRESSED));
    /// assert!(msg.payload.len() < 361);
    /// let mut short = Message::new(MessageType::Invoke, 1, 1, vec![b'x'; 100]);
    /// Compression::V5.apply(&mut short);
    /// assert!(!short.has(Flags::COMPRESSED));
    /// ```
    pub fn apply(&self, msg: &mut Message) {
        if msg.has(Flags::COMPRESSED) || msg.payload.len() < self.min_size {
            return;
        }
        let Ok(packed) = compress(&msg.payload, self.level) else {
            return; // sending it uncompressed is always valid
        };
        if self.only_if_smaller && packed.len() >= msg.payload.len() {
            return;
        }
        msg.payload = packed.into();
        msg.flags.insert(Flags::COMPRESSED);
    }
}

/// zlib-compresses `data` at `level` (0..=9; higher values are taken as 9).
///
/// ```text
/// compress(b"", 4) = 78 9c 03 00 00 00 00 01
///                    ^^^^^ zlib header   ^^^^^^^^^^^ adler32
/// ```
///
/// (Python's zlib writes `78 5e` at level 4: the level bits of the header are informational
/// only, every inflater ignores them.)
///
/// ```
/// use pyroxene_wire::protocol::compress::compress;
/// assert_eq!(compress(b"", 4).unwrap(), [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
/// ```
///
/// # Errors
/// [`ProtocolError::Compress`] if the zlib engine fails, which it does not for valid levels.
pub fn compress(data: &[u8], level: u32) -> Result<Vec<u8>, ProtocolError> {
    let mut z = Compress::new(flate2::Compression::new(level.min(9)), true);
    // zlib's worst case is a little above the input size; start there so one pass suffices.
    let mut out = Vec::with_capacity(data.len() + data.len() / 1000 + 64);
    loop {
        let consumed = usize::try_from(z.total_in()).unwrap_or(data.len());
        let rest = data.get(consumed..).unwrap_or_default();
        let status = z
            .compress_vec(rest, &mut out, FlushCompress::Finish)
            .map_err(|e| ProtocolError::Compress(e.to_string()))?;
        if status == Status::StreamEnd {
            return Ok(out);
        }
        // Out of room: grow and go on.
        out.reserve(out.capacity().max(64));
    }
}

/// Inflates a zlib stream, refusing to produce more than `max` bytes.
///
/// The output grows step by step, so a zip bomb costs at most `max` bytes of memory before it
/// is refused. Data after the end of the stream is ignored, as Python's `zlib.decompress` does.
///
/// ```
/// use pyroxene_wire::protocol::compress::{compress, decompress};
/// use pyroxene_wire::protocol::ProtocolError;
/// let packed = compress(&[0u8; 100_000], 9).unwrap();
/// assert_eq!(decompress(&packed, 1 << 20).unwrap().len(), 100_000);
/// assert_eq!(decompress(&packed, 1000), Err(ProtocolError::DecompressedTooLarge { max: 1000 }));
/// ```
///
/// # Errors
/// [`ProtocolError::Decompress`] for data that is not a complete zlib stream,
/// [`ProtocolError::DecompressedTooLarge`] when it inflates past `max`.
pub fn decompress(data: &[u8], max: u64) -> Result<Vec<u8>, ProtocolError> {
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let too_large = ProtocolError::DecompressedTooLarge { max };
    let mut z = Decompress::new(true);
    let mut out: Vec<u8> = Vec::with_capacity(data.len().saturating_mul(4).clamp(64, 1 << 16));
    loop {
        if out.len() == out.capacity() {
            if out.len() > limit {
                return Err(too_large);
            }
            // Room for one byte past the limit, so reaching it is noticed.
            let step = out.len().clamp(4096, 1 << 24);
            out.reserve_exact(step.min((limit - out.len()).saturating_add(1)));
        }
        let consumed = usize::try_from(z.total_in()).unwrap_or(data.len());
        let rest = data.get(consumed..).unwrap_or_default();
        let before = (z.total_in(), out.len());
        let status = z
            .decompress_vec(rest, &mut out, FlushDecompress::None)
            .map_err(|e| ProtocolError::Decompress(e.to_string()))?;
        if out.len() > limit {
            return Err(too_large);
        }
        match status {
            Status::StreamEnd => return Ok(out),
            _ if before == (z.total_in(), out.len()) && out.len() < out.capacity() => {
                return Err(ProtocolError::Decompress(
                    "incomplete or truncated stream".into(),
                ));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        for data in [&b""[..], b"x", &[7u8; 70_000]] {
            for level in [0, 4, 6, 9] {
                assert_eq!(
                    decompress(&compress(data, level).unwrap(), 1 << 20).unwrap(),
                    data
                );
            }
        }
        let packed = compress(b"hello hello hello", 4).unwrap();
        assert!(matches!(
            decompress(&packed[..packed.len() - 3], 1000),
            Err(ProtocolError::Decompress(_))
        ));
        assert!(matches!(
            decompress(b"not zlib at all", 1000),
            Err(ProtocolError::Decompress(_))
        ));
        assert_eq!(decompress(&compress(b"", 4).unwrap(), 0).unwrap(), b"");
        assert_eq!(
            decompress(&compress(b"a", 4).unwrap(), 0),
            Err(ProtocolError::DecompressedTooLarge { max: 0 })
        );
        let mut trailing = compress(b"abc", 4).unwrap();
        trailing.extend_from_slice(b"junk");
        assert_eq!(decompress(&trailing, 10).unwrap(), b"abc");
    }
}
