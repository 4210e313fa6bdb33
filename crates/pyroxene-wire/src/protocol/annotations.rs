//! Annotation chunks: [`AnnotationId`] and the ordered [`Annotations`] map.

use std::fmt;
use std::str::FromStr;

use super::error::ProtocolError;

/// A four-character ASCII annotation id (`CORR`, `STRM`, `BLBI`, or user ids like `XREQ`).
///
/// ```
/// use pyroxene_wire::protocol::AnnotationId;
/// let id: AnnotationId = "XREQ".parse().unwrap();
/// assert_eq!(id.as_str(), "XREQ");
/// assert!("toolong".parse::<AnnotationId>().is_err());
/// assert!("é123".parse::<AnnotationId>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnnotationId([u8; 4]);

impl AnnotationId {
    /// v4: the correlation id (16 raw bytes).
    pub const CORR: AnnotationId = AnnotationId(*b"CORR");
    /// v4: the HMAC-SHA1 signature.
    pub const HMAC: AnnotationId = AnnotationId(*b"HMAC");
    /// The ASCII stream id of an item-stream result.
    pub const STRM: AnnotationId = AnnotationId(*b"STRM");
    /// marshal bytes of `(blob_info, object_id, method)` for KEEPSERIALIZED calls.
    pub const BLBI: AnnotationId = AnnotationId(*b"BLBI");

    /// The id written in the code, like `http::HeaderName::from_static`:
    /// `const XREQ: AnnotationId = AnnotationId::from_static(b"XREQ");`.
    ///
    /// # Panics
    /// When a byte is not ASCII (at compile time in a `const`). For ids from elsewhere use
    /// [`AnnotationId::from_bytes`] or `parse`.
    pub const fn from_static(id: &'static [u8; 4]) -> AnnotationId {
        assert!(id.is_ascii(), "an annotation id is four ASCII characters");
        AnnotationId(*id)
    }

    /// The id of four wire bytes, which must be ASCII (Python decodes them as ASCII).
    ///
    /// # Errors
    /// [`ProtocolError::InvalidAnnotationId`] for a byte >= 0x80.
    pub fn from_bytes(bytes: [u8; 4]) -> Result<AnnotationId, ProtocolError> {
        if bytes.is_ascii() {
            Ok(AnnotationId(bytes))
        } else {
            Err(ProtocolError::InvalidAnnotationId)
        }
    }

    /// The four bytes as they travel.
    pub fn as_bytes(&self) -> &[u8; 4] {
        &self.0
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Always ASCII (checked by every constructor), so this never takes the fallback.
        std::str::from_utf8(&self.0).unwrap_or("????")
    }
}

impl FromStr for AnnotationId {
    type Err = ProtocolError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes: [u8; 4] = s
            .as_bytes()
            .try_into()
            .map_err(|_| ProtocolError::InvalidAnnotationId)?;
        AnnotationId::from_bytes(bytes)
    }
}

impl fmt::Display for AnnotationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for AnnotationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// Annotation chunks in wire order, keyed by id like Python's dict: inserting an id that is
/// already present replaces its value **in place** (so a later duplicate chunk on the wire
/// replaces the earlier one, and the order stays that of first appearance).
///
/// Few messages carry more than one or two annotations, so this is a small vector, not a map.
///
/// ```
/// use pyroxene_wire::protocol::{AnnotationId, Annotations};
/// let mut ann = Annotations::new();
/// ann.insert("XREQ".parse().unwrap(), b"one".to_vec());
/// ann.insert(AnnotationId::STRM, b"two".to_vec());
/// ann.insert("XREQ".parse().unwrap(), b"three".to_vec());
/// let ids: Vec<String> = ann.iter().map(|(id, _)| id.to_string()).collect();
/// assert_eq!(ids, ["XREQ", "STRM"]);
/// assert_eq!(ann.get("XREQ".parse().unwrap()), Some(&b"three"[..]));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations(Vec<(AnnotationId, Vec<u8>)>);

impl Annotations {
    /// No annotations.
    pub fn new() -> Annotations {
        Annotations(Vec::new())
    }

    /// Sets `id` to `value`; returns the value it replaces, if any.
    pub fn insert(&mut self, id: AnnotationId, value: Vec<u8>) -> Option<Vec<u8>> {
        match self.0.iter_mut().find(|(k, _)| *k == id) {
            Some((_, old)) => Some(std::mem::replace(old, value)),
            None => {
                self.0.push((id, value));
                None
            }
        }
    }

    /// The value of `id`.
    pub fn get(&self, id: AnnotationId) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, v)| v.as_slice())
    }

    /// Removes `id`, returning its value.
    pub fn remove(&mut self, id: AnnotationId) -> Option<Vec<u8>> {
        let at = self.0.iter().position(|(k, _)| *k == id)?;
        Some(self.0.remove(at).1)
    }

    /// The chunks in order.
    pub fn iter(&self) -> impl Iterator<Item = (AnnotationId, &[u8])> {
        self.0.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    /// How many chunks there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The annotation block's size on the wire with `overhead` header bytes per chunk
    /// (8 in v5, 6 in v4), in u64 so it cannot overflow.
    pub fn wire_size(&self, overhead: u64) -> u64 {
        self.0.iter().map(|(_, v)| overhead + v.len() as u64).sum()
    }
}

impl FromIterator<(AnnotationId, Vec<u8>)> for Annotations {
    fn from_iter<I: IntoIterator<Item = (AnnotationId, Vec<u8>)>>(iter: I) -> Self {
        let mut ann = Annotations::new();
        for (k, v) in iter {
            ann.insert(k, v);
        }
        ann
    }
}

/// Collects chunks as a parser reads them: duplicates replace in place, in linear time even for
/// a hostile message made of millions of tiny chunks (an index map is built past a few chunks).
#[derive(Default)]
pub(crate) struct AnnotationsBuilder {
    ann: Annotations,
    index: Option<std::collections::HashMap<AnnotationId, usize, crate::value::RandomState>>,
}

impl AnnotationsBuilder {
    const LINEAR_MAX: usize = 8;

    pub(crate) fn push(&mut self, id: AnnotationId, value: Vec<u8>) {
        let chunks = &mut self.ann.0;
        if self.index.is_none() && chunks.len() >= Self::LINEAR_MAX {
            self.index = Some(
                chunks
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (*k, i))
                    .collect(),
            );
        }
        match &mut self.index {
            None => {
                self.ann.insert(id, value);
            }
            Some(index) => match index.get(&id) {
                Some(&at) => {
                    if let Some(slot) = chunks.get_mut(at) {
                        slot.1 = value;
                    }
                }
                None => {
                    index.insert(id, chunks.len());
                    chunks.push((id, value));
                }
            },
        }
    }

    pub(crate) fn finish(self) -> Annotations {
        self.ann
    }
}

/// Splits an annotation block into chunks of a 4-byte id, a big-endian length of `len_width`
/// bytes (4 in v5, 2 in v4) and the value, checking as Python does: the id must decode as
/// ASCII, and each chunk must fit in what is left of the block. Values are copied only from
/// bytes that are there, never sized by a length field alone.
///
/// (Pyro4 itself silently truncates a value that overruns the block; refusing it costs no
/// real peer anything, as no Pyro sender writes one.)
pub(crate) fn parse_chunks(
    mut rest: &[u8],
    len_width: usize,
) -> Result<Annotations, ProtocolError> {
    let mut chunks = AnnotationsBuilder::default();
    while !rest.is_empty() {
        // Python decodes the (possibly partial) id before it looks at the length.
        if !rest.iter().take(4).all(u8::is_ascii) {
            return Err(ProtocolError::InvalidAnnotationId);
        }
        let Some((head, tail)) = rest.split_at_checked(4 + len_width) else {
            return Err(ProtocolError::AnnotationOverrun);
        };
        let len = head[4..]
            .iter()
            .fold(0u64, |acc, b| acc << 8 | u64::from(*b));
        let Some((value, after)) = usize::try_from(len)
            .ok()
            .and_then(|len| tail.split_at_checked(len))
        else {
            return Err(ProtocolError::AnnotationOverrun);
        };
        let id = AnnotationId::from_bytes([head[0], head[1], head[2], head[3]])?;
        chunks.push(id, value.to_vec());
        rest = after;
    }
    Ok(chunks.finish())
}
