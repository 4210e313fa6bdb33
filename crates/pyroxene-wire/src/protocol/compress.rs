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

/// Inflated bytes the one-pass path of [`decompress`] keeps before it measures the stream
/// first: most compressed payloads are small and inflate in one go.
pub(crate) const ONE_PASS: usize = 256 * 1024;

/// The piece of output [`inflated_size`] inflates into and throws away.
const SCRATCH: usize = 64 * 1024;

/// Inflates a zlib stream, refusing to produce more than `max` bytes.
///
/// Small results are inflated in one pass into a buffer that grows geometrically; past
/// 256 KiB the stream is measured first ([`inflated_size`]: inflated into a scratch buffer
/// and thrown away) and then inflated into a buffer of exactly its size. So a zip bomb costs
/// time proportional to `max` and no memory beyond the input, and is refused as soon as it
/// passes `max`; a real payload never grows (and copies) its buffer past 256 KiB. Data after
/// the end of the stream is ignored, as Python's `zlib.decompress` does.
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
    decompress_one_pass_up_to(data, max, ONE_PASS)
}

/// [`decompress`] with the one-pass threshold as a parameter, so the fuzzing oracle reaches the
/// measured path with small limits (a bomb costs it microseconds, not milliseconds).
pub(crate) fn decompress_one_pass_up_to(
    data: &[u8],
    max: u64,
    one_pass_max: usize,
) -> Result<Vec<u8>, ProtocolError> {
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let one_pass = limit.saturating_add(1).min(one_pass_max);
    let mut z = Decompress::new(true);
    let mut out: Vec<u8> = Vec::with_capacity(data.len().saturating_mul(4).max(64).min(one_pass));
    loop {
        if out.len() == out.capacity() {
            if out.len() >= one_pass {
                // Big (or a bomb): measure it first, then inflate it once into its own size.
                let size = inflated_size(data, max)?;
                return decompress_sized(data, size);
            }
            let step = out.len().min(one_pass - out.len());
            out.reserve_exact(step.max(1));
        }
        let (status, progress) = inflate_step(&mut z, data, &mut out)?;
        if out.len() > limit {
            return Err(ProtocolError::DecompressedTooLarge { max });
        }
        match status {
            Status::StreamEnd => return Ok(out),
            _ if !progress && out.len() < out.capacity() => return Err(truncated()),
            _ => {}
        }
    }
}

/// The size `data` inflates to, refusing it as soon as it passes `max`. Nothing is kept: the
/// output goes through a 64 KiB scratch buffer, so measuring a zip bomb costs time (zlib
/// inflates at GB/s) but no memory. A server asks this before it allocates (and budgets)
/// the inflated payload; [`decompress_sized`] then inflates it.
///
/// ```
/// use pyroxene_wire::protocol::compress::{compress, inflated_size};
/// use pyroxene_wire::protocol::ProtocolError;
/// let packed = compress(&[1u8; 300_000], 4).unwrap();
/// assert_eq!(inflated_size(&packed, 1 << 20), Ok(300_000));
/// assert_eq!(inflated_size(&packed, 299_999), Err(ProtocolError::DecompressedTooLarge { max: 299_999 }));
/// ```
///
/// # Errors
/// As [`decompress`].
pub fn inflated_size(data: &[u8], max: u64) -> Result<u64, ProtocolError> {
    let mut z = Decompress::new(true);
    let mut scratch = vec![0u8; room(max, 0, SCRATCH)];
    loop {
        let consumed = usize::try_from(z.total_in()).unwrap_or(data.len());
        let rest = data.get(consumed..).unwrap_or_default();
        let before = (z.total_in(), z.total_out());
        let room = room(max, z.total_out(), scratch.len());
        let status = z
            .decompress(rest, &mut scratch[..room], FlushDecompress::None)
            .map_err(|e| ProtocolError::Decompress(e.to_string()))?;
        if z.total_out() > max {
            return Err(ProtocolError::DecompressedTooLarge { max });
        }
        match status {
            Status::StreamEnd => return Ok(z.total_out()),
            _ if before == (z.total_in(), z.total_out()) => return Err(truncated()),
            _ => {}
        }
    }
}

/// Output room for one measuring step: at most `cap`, and no more than one byte past `max`
/// once `done` bytes are out, as the other paths have. So a stream that passes the limit
/// before it turns out corrupt is refused as too large by every path (fuzz finding: with a
/// whole scratch buffer, measuring met the bad bytes first and called it corrupt).
fn room(max: u64, done: u64, cap: usize) -> usize {
    let left = max.saturating_sub(done).saturating_add(1);
    usize::try_from(left).map_or(cap, |r| r.min(cap))
}

/// Inflates `data` into a buffer of exactly `size` bytes, the size [`inflated_size`] measured
/// (a stream that turns out longer is refused as [`ProtocolError::DecompressedTooLarge`]).
///
/// # Errors
/// As [`decompress`], with `size` as the limit.
pub fn decompress_sized(data: &[u8], size: u64) -> Result<Vec<u8>, ProtocolError> {
    let too_large = ProtocolError::DecompressedTooLarge { max: size };
    let exact = usize::try_from(size).map_err(|_| too_large.clone())?;
    let mut z = Decompress::new(true);
    // One byte more than announced, so a stream longer than measured is noticed.
    let mut out: Vec<u8> = Vec::with_capacity(exact.saturating_add(1));
    loop {
        let (status, progress) = inflate_step(&mut z, data, &mut out)?;
        if out.len() > exact {
            return Err(too_large);
        }
        match status {
            Status::StreamEnd => return Ok(out),
            _ if !progress => return Err(truncated()),
            _ => {}
        }
    }
}

/// One inflate call into `out`'s spare room: the status and whether anything moved.
fn inflate_step(
    z: &mut Decompress,
    data: &[u8],
    out: &mut Vec<u8>,
) -> Result<(Status, bool), ProtocolError> {
    let consumed = usize::try_from(z.total_in()).unwrap_or(data.len());
    let rest = data.get(consumed..).unwrap_or_default();
    let before = (z.total_in(), out.len());
    let status = z
        .decompress_vec(rest, out, FlushDecompress::None)
        .map_err(|e| ProtocolError::Decompress(e.to_string()))?;
    Ok((status, before != (z.total_in(), out.len())))
}

fn truncated() -> ProtocolError {
    ProtocolError::Decompress("incomplete or truncated stream".into())
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

    #[test]
    fn big_payloads_are_measured_then_inflated_once() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let packed = compress(&data, 4).unwrap();
        assert_eq!(inflated_size(&packed, 1 << 30), Ok(3_000_000));
        let out = decompress(&packed, 1 << 30).unwrap();
        assert_eq!(out, data);
        assert_eq!(
            out.capacity(),
            data.len() + 1,
            "one buffer of the measured size"
        );
        // Exactly at the limit is fine, one byte less is refused, on both paths.
        assert_eq!(decompress(&packed, 3_000_000).unwrap().len(), 3_000_000);
        assert_eq!(
            decompress(&packed, 2_999_999),
            Err(ProtocolError::DecompressedTooLarge { max: 2_999_999 })
        );
        let small = compress(&data[..1000], 4).unwrap();
        assert_eq!(decompress(&small, 1000).unwrap().len(), 1000);
        assert_eq!(
            decompress(&small, 999),
            Err(ProtocolError::DecompressedTooLarge { max: 999 })
        );
        // A size that doesn't match the stream is refused, not trusted.
        assert_eq!(
            decompress_sized(&packed, 10),
            Err(ProtocolError::DecompressedTooLarge { max: 10 })
        );
        assert!(matches!(
            decompress_sized(&packed[..packed.len() / 2], 3_000_000),
            Err(ProtocolError::Decompress(_))
        ));
        assert!(matches!(
            inflated_size(&packed[..packed.len() / 2], 1 << 30),
            Err(ProtocolError::Decompress(_))
        ));
    }

    #[test]
    fn a_bomb_is_refused_without_its_memory() {
        // 16 MiB of zeros in ~16 KiB; refused at 4 MiB having kept nothing but the input.
        let bomb = compress(&vec![0u8; 16 << 20], 9).unwrap();
        assert!(bomb.len() < 20_000);
        assert_eq!(
            decompress(&bomb, 4 << 20),
            Err(ProtocolError::DecompressedTooLarge { max: 4 << 20 })
        );
        assert_eq!(inflated_size(&bomb, 1 << 30), Ok(16 << 20));
    }
}
