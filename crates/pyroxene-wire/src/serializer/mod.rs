//! Pyro's serializers: [`Value`] <-> bytes exactly as the Python peers write them.
//!
//! Each format is a module with free functions (`serpent::to_vec`, `serpent::from_slice`, ...);
//! [`Serializer`] dispatches to them by the id a message header carries. The ids differ between
//! protocol versions (json and marshal swap), and they live only here: [`Serializer::id`] and
//! [`Serializer::from_id`].
//!
//! | Python value | serpent | json | marshal | msgpack | pickle (Pyro4 only) |
//! |---|---|---|---|---|---|
//! | tuple | tuple | list | tuple | list | tuple |
//! | set | set (empty → tuple) | list | set | list | set |
//! | bytes | dict `{data, encoding}` | *error* | bytes | bytes | bytes |
//! | int > 64 bit | int | int | int | int (ext 0x31) | int |
//! | nan / ±inf | nan dict / `1e30000` | `NaN` / `Infinity` | float | float | float |
//! | complex | complex | *error* | complex | complex (ext 0x30) | complex |
//! | dict with int keys | dict | dict with str keys | dict | decode error in Python | dict |
//! | frozenset | set (empty → tuple) | *error* | frozenset | *error* | frozenset |
//! | datetime (naive) | isoformat str | isoformat str | *error* | datetime (ext 0x32, a timestamp read in UTC) | datetime |
//! | datetime (aware) | isoformat str | isoformat str | *error* | *error* | datetime |
//! | date | isoformat str | isoformat str | *error* | date (ext 0x33) | date |
//! | time | isoformat str | *error* | *error* | *error* | time |
//! | Decimal | str | str | *error* | str | Decimal |
//! | UUID | str | str | str | str | UUID |
//! | msgpack ext value (unknown code, timestamp) | tuple `(code, bytes dict)` | *error* | *error* | itself, unchanged | *error* |
//!
//! Every *error* is the one the Python peer raises for the same value (Pyro's
//! `SerializeError` "don't know how to serialize class ...", msgpack's "cannot serialize
//! datetime with timezone info", marshal's "unmarshallable object"); pickle alone refuses
//! what Python would pickle, an ext value (that would make the peer import msgpack).
//!
//! [`Serializer::normalize`] computes that right-hand side: the value a peer gets back.

mod call;
pub mod json;
pub mod marshal;
pub mod msgpack;
mod normalize;
pub mod pickle;
pub mod serpent;
#[cfg(test)]
mod test_vectors;

pub use call::Call;

use bytes::Bytes;

use crate::{Result, Value};

/// The Pyro protocol generation a message belongs to; serializer ids depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProtocolVersion {
    /// Pyro4, protocol 48.
    V4,
    /// Pyro5, protocol 502.
    V5,
}

impl ProtocolVersion {
    /// The protocol number in the message header (48 or 502).
    pub fn number(self) -> u16 {
        match self {
            ProtocolVersion::V4 => 48,
            ProtocolVersion::V5 => 502,
        }
    }
}

/// One of Pyro's serializers: the four both versions share, and Pyro4's pickle.
///
/// Pickle exists only in Pyro4: it is not in [`Serializer::ALL`] (what a daemon accepts by
/// default, the Pyro5 set), [`Serializer::from_id`] never yields it for Pyro5, and its Pyro5
/// [`Serializer::id`] is 0, an id no Pyro5 serializer has (use [`Serializer::try_id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Serializer {
    /// serpent: Python literal text (the default of both versions).
    Serpent,
    /// json, with Python's `NaN`/`Infinity` extensions.
    Json,
    /// CPython's marshal format, version 4.
    Marshal,
    /// msgpack with Pyro's ext types.
    Msgpack,
    /// Python's pickle, plain data only (Pyro4 only; see [`pickle`]).
    Pickle,
}

impl Serializer {
    /// All four, in Pyro5 id order.
    pub const ALL: [Serializer; 4] = [
        Serializer::Serpent,
        Serializer::Marshal,
        Serializer::Json,
        Serializer::Msgpack,
    ];

    /// Every serializer of protocol `version`: [`Serializer::ALL`], plus pickle for Pyro4.
    pub fn all(version: ProtocolVersion) -> &'static [Serializer] {
        match version {
            ProtocolVersion::V4 => &[
                Serializer::Serpent,
                Serializer::Json,
                Serializer::Marshal,
                Serializer::Pickle,
                Serializer::Msgpack,
            ],
            ProtocolVersion::V5 => &Serializer::ALL,
        }
    }

    /// The id in a message header of protocol `version`; 0 (no serializer) for pickle in
    /// Pyro5, which has none.
    ///
    /// ```text
    /// serializer  v4  v5
    /// serpent      1   1
    /// json         2   3
    /// marshal      3   2
    /// pickle       4   -
    /// msgpack      6   4     (v4 also has dill 5, cloudpickle 7: not supported)
    /// ```
    pub fn id(self, version: ProtocolVersion) -> u8 {
        self.try_id(version).unwrap_or(0)
    }

    /// The id in a message header of protocol `version`, if this serializer exists there.
    ///
    /// ```
    /// use pyroxene_wire::{ProtocolVersion, Serializer};
    /// assert_eq!(Serializer::Pickle.try_id(ProtocolVersion::V4), Some(4));
    /// assert_eq!(Serializer::Pickle.try_id(ProtocolVersion::V5), None);
    /// assert_eq!(Serializer::from_id(4, ProtocolVersion::V5), Some(Serializer::Msgpack));
    /// ```
    pub fn try_id(self, version: ProtocolVersion) -> Option<u8> {
        Some(match (self, version) {
            (Serializer::Serpent, _) => 1,
            (Serializer::Json, ProtocolVersion::V4) => 2,
            (Serializer::Json, ProtocolVersion::V5) => 3,
            (Serializer::Marshal, ProtocolVersion::V4) => 3,
            (Serializer::Marshal, ProtocolVersion::V5) => 2,
            (Serializer::Msgpack, ProtocolVersion::V4) => 6,
            (Serializer::Msgpack, ProtocolVersion::V5) => 4,
            (Serializer::Pickle, ProtocolVersion::V4) => 4,
            (Serializer::Pickle, ProtocolVersion::V5) => return None,
        })
    }

    /// The serializer a header id of protocol `version` names, if it is one of ours.
    pub fn from_id(id: u16, version: ProtocolVersion) -> Option<Serializer> {
        Serializer::all(version)
            .iter()
            .copied()
            .find(|s| s.try_id(version).map(u16::from) == Some(id))
    }

    /// The name Pyro's config uses (`SERIALIZER`, `SERIALIZERS_ACCEPTED`): `"serpent"`, ...
    pub fn name(self) -> &'static str {
        match self {
            Serializer::Serpent => "serpent",
            Serializer::Json => "json",
            Serializer::Marshal => "marshal",
            Serializer::Msgpack => "msgpack",
            Serializer::Pickle => "pickle",
        }
    }

    /// The serializer with config name `name` (case-insensitive) among the four shared ones
    /// (not pickle: see [`Serializer::from_name_in`]).
    pub fn from_name(name: &str) -> Option<Serializer> {
        Serializer::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The serializer with config name `name` among those of protocol `version` (so
    /// `"pickle"` only for Pyro4).
    pub fn from_name_in(name: &str, version: ProtocolVersion) -> Option<Serializer> {
        Serializer::all(version)
            .iter()
            .copied()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The Python class name of Pyro's wrapper, as it appears in Python's error messages.
    pub fn python_class(self) -> &'static str {
        match self {
            Serializer::Serpent => "SerpentSerializer",
            Serializer::Json => "JsonSerializer",
            Serializer::Marshal => "MarshalSerializer",
            Serializer::Msgpack => "MsgpackSerializer",
            Serializer::Pickle => "PickleSerializer",
        }
    }

    /// Encodes a value as this serializer's bytes.
    ///
    /// # Errors
    /// When the value holds something the format can't carry (bytes or complex in json, ...),
    /// with Python's error text, or nests deeper than [`crate::MAX_DEPTH`].
    pub fn encode(self, value: &Value) -> Result<Vec<u8>> {
        match self {
            Serializer::Serpent => serpent::to_vec(value),
            Serializer::Json => json::to_vec(value),
            Serializer::Marshal => marshal::to_vec(value),
            Serializer::Msgpack => msgpack::to_vec(value),
            Serializer::Pickle => pickle::to_vec(value),
        }
    }

    /// Decodes this serializer's bytes.
    ///
    /// # Errors
    /// On malformed, truncated, oversized or too deeply nested input; never panics.
    pub fn decode(self, bytes: &[u8]) -> Result<Value> {
        match self {
            Serializer::Serpent => serpent::from_slice(bytes),
            Serializer::Json => json::from_slice(bytes),
            Serializer::Marshal => marshal::from_slice(bytes),
            Serializer::Msgpack => msgpack::from_slice(bytes),
            Serializer::Pickle => pickle::from_slice(bytes),
        }
    }

    /// Decodes a shared buffer (a received payload): as [`Serializer::decode`], but with
    /// msgpack and marshal a big bytes value is a view of `bytes` instead of a copy.
    ///
    /// # Errors
    /// As [`Serializer::decode`].
    pub fn decode_shared(self, bytes: &Bytes) -> Result<Value> {
        self.decode_shared_within(bytes, usize::MAX)
    }

    /// As [`Serializer::decode_shared`], with the work beyond reading the input limited to
    /// `budget` bytes when that is below the default: the copies marshal back-references and
    /// pickle memo fetches make, and hashing set elements and dict keys nested in others
    /// (marshal, msgpack, pickle; serpent and json do no such work). The defaults: 32 MiB plus
    /// 2 per input byte (marshal, msgpack), 64 MiB plus 64 per input byte (pickle).
    ///
    /// A server decodes a small payload where it received it with a small budget, and when
    /// that runs out, again on a thread of its own with the default: 300 bytes of marshal
    /// references otherwise hold a thread that serves other connections for 60 ms.
    ///
    /// # Errors
    /// As [`Serializer::decode`]; past the budget, an [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge) error.
    ///
    /// ```
    /// use pyroxene_wire::{ErrorKind, Serializer};
    /// // A 1 KiB str named 100 more times: 100 KiB of copies.
    /// let mut refs = b"[\x65\x00\x00\x00\xf5\x00\x04\x00\x00".to_vec();
    /// refs.extend([b'y'; 1024]);
    /// refs.extend(b"r\x00\x00\x00\x00".repeat(100));
    /// let refs = bytes::Bytes::from(refs);
    /// let small = Serializer::Marshal.decode_shared_within(&refs, 64 << 10);
    /// assert_eq!(small.unwrap_err().kind(), ErrorKind::TooLarge);
    /// assert!(Serializer::Marshal.decode_shared_within(&refs, 1 << 20).is_ok());
    /// ```
    pub fn decode_shared_within(self, bytes: &Bytes, budget: usize) -> Result<Value> {
        match self {
            Serializer::Marshal => marshal::from_bytes_within(bytes, budget),
            Serializer::Msgpack => msgpack::from_bytes_within(bytes, budget),
            Serializer::Pickle => pickle::from_slice_within(bytes, budget),
            Serializer::Serpent | Serializer::Json => self.decode(bytes),
        }
    }

    /// The value a receiver gets when `value` travels through this serializer: tuples and sets
    /// become lists in json/msgpack, json dict keys become strings, serpent bytes become the
    /// base64 dict and an empty serpent set an empty tuple, and so on (see the module table).
    pub fn normalize(self, value: &Value) -> Value {
        normalize::normalize(self, value)
    }
}

/// Room a decoder may reserve up front for the items containers announce.
///
/// A container's announced length is checked against the input left, but nested containers
/// can each announce all of it: a megabyte of 500 nested "array of a million" headers once
/// reserved 500 × the input (26 GB of address space, 520 MB touched, for 1 MB received). All
/// the announced items together can't take more bytes than the whole input has, so that is what
/// every container of one decode shares; past it a container grows as its items arrive. Honest
/// input never runs out: its items are really there.
pub(crate) struct Reservations {
    /// Input bytes not yet promised to some container's items.
    left: usize,
}

impl Reservations {
    /// The room for decoding `input_len` bytes.
    pub(crate) fn new(input_len: usize) -> Self {
        Reservations { left: input_len }
    }

    /// How many of `announced` items (each at least `min_bytes` of input) to reserve room for.
    pub(crate) fn take(&mut self, announced: usize, min_bytes: usize) -> usize {
        let min_bytes = min_bytes.max(1);
        let n = announced.min(self.left / min_bytes);
        self.left -= n * min_bytes;
        n
    }
}

/// Runs of at least this many bytes reserve [`BULK_SLACK`] extra when appended.
const BULK: usize = 64 * 1024;
/// Room left after a bulk run for what follows it (the rest of a call: kwargs, closing tokens).
const BULK_SLACK: usize = 4096;

/// Makes room for `n` more bytes, and for a big run a little more after it, so that the few
/// bytes written after it don't make the buffer grow again: a grown buffer is copied whole
/// (realloc copies the old block, not just the used part), which cost a 10 MB bytes argument
/// two extra copies per encoded call.
pub(crate) fn reserve_run(out: &mut Vec<u8>, n: usize) {
    out.reserve(room_for(n));
}

/// What to reserve for a run of `n` bytes (see [`reserve_run`]; text encoders use it too).
pub(crate) fn room_for(n: usize) -> usize {
    if n >= BULK { n + BULK_SLACK } else { n }
}

/// Appends a byte run, with room after it as [`reserve_run`] makes.
pub(crate) fn put_bulk(out: &mut Vec<u8>, data: &[u8]) {
    reserve_run(out, data.len());
    out.extend_from_slice(data);
}

/// The error for a `\\uXXXX` surrogate escape without its partner (serpent, json): a Rust
/// string cannot hold one.
pub(crate) fn lone_surrogate(code: u32) -> crate::Error {
    crate::Error::new(
        crate::ErrorKind::Value,
        format!("lone surrogate \\u{code:04x} in a string: a Rust string cannot hold it"),
    )
}

/// Bytes values at least this long are decoded as views of a shared input buffer.
pub(crate) const SHARE_MIN: usize = 4096;

/// The bytes value for `data`, a part of the decoder's input: a view of `owner` (no copy) when
/// the input is shared and the value big, else a copy (a small value shouldn't keep a big
/// receive buffer alive).
pub(crate) fn bytes_value(owner: Option<&Bytes>, data: &[u8]) -> Bytes {
    match owner {
        // `data` is a subslice of `owner` (decoders only hand out slices of their input),
        // which is what `slice_ref` requires.
        Some(owner) if data.len() >= SHARE_MIN => owner.slice_ref(data),
        _ => Bytes::copy_from_slice(data),
    }
}

/// An encoder's refusal of a container opened inside `depth` others when that is deeper than
/// [`crate::MAX_DEPTH`] (the same error in every format).
pub(crate) fn check_nesting(depth: usize) -> Result<()> {
    if depth >= crate::MAX_DEPTH {
        return Err(crate::Error::new(
            crate::ErrorKind::TooDeep,
            format!("nesting deeper than {} levels", crate::MAX_DEPTH),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod shared_tests {
    use bytes::Bytes;

    use super::Serializer;
    use crate::{Value, tuple};

    /// serpent and json have no binary bytes to share: same result as the copying decoder.
    #[test]
    fn text_serializers_decode_shared_as_decode() {
        let payload = Bytes::from_static(b"{'a': (1, 2.5, b'x')}");
        let ser = Serializer::Serpent;
        assert_eq!(ser.decode_shared(&payload), ser.decode(&payload));
    }

    /// Big bytes values decoded from a shared buffer point into it; small ones are copies;
    /// either way the value equals what the copying decoder gives.
    #[test]
    fn big_bytes_are_views_of_the_payload() {
        let big = Value::Bytes(Bytes::from(vec![7u8; 100_000]));
        for ser in [Serializer::Marshal, Serializer::Msgpack] {
            let value = tuple![big.clone(), Value::from(&b"small"[..]), 1];
            let payload = Bytes::from(ser.encode(&value).unwrap());
            let shared = ser.decode_shared(&payload).unwrap();
            assert_eq!(shared, ser.decode(&payload).unwrap(), "{ser:?}");
            let (Value::Tuple(items) | Value::List(items)) = shared else {
                panic!("{ser:?}: not a sequence")
            };
            let (Value::Bytes(b), Value::Bytes(s)) = (&items[0], &items[1]) else {
                panic!("{ser:?}: not bytes")
            };
            let inside = |p: &[u8]| payload.as_ptr_range().contains(&p.as_ptr());
            assert!(inside(b), "{ser:?} big");
            assert!(!inside(s), "{ser:?} small");
        }
    }
}
