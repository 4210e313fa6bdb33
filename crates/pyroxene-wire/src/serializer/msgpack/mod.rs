//! The msgpack serializer (Pyro4 id 6, Pyro5 id 4): byte-identical to Pyro5's
//! `msgpack.packb(value, use_bin_type=True, default=...)`, and a decoder for every msgpack
//! format plus Pyro's ext types.
//!
//! # Wire form
//!
//! ```text
//! c0 / c2 / c3                     None / False / True
//! 00..7f, e0..ff                   int -32..=127 (positive / negative fixint)
//! cc cd ce cf <BE>                 other int >= 0: uint 8/16/32/64, the smallest that fits
//! d0 d1 d2 d3 <BE>                 other int < 0: int 8/16/32/64, the smallest that fits
//! c7 <len> 31 <ASCII decimal>      int outside [-2^63, 2^64-1]: ext 0x31, e.g. c7 14 31 "18446744073709551616"
//! cb <f64 BE>                      float: always float64 (cb), NaN and infinities included
//! d8 30 <re f64 LE> <im f64 LE>    complex: fixext 16, ext 0x30, little-endian (Python's native order)
//! a0..bf / d9 / da / db <UTF-8>    str: fixstr (< 32 bytes), str 8/16/32
//! c4 / c5 / c6 <bytes>             bytes: bin 8/16/32
//! 90..9f / dc / dd <items>         list, tuple, set: fixarray (< 16 items), array 16/32
//! 80..8f / de / df <key value>...  dict: fixmap (< 16 pairs), map 16/32, in insertion order
//! d7 32 <f64 LE>                   naive datetime: timestamp() (read and written in UTC)
//! d7 33 <i64 LE>                   date: toordinal()
//! c7/d4..d8 <code> <data>          any other ext value (msgpack's timestamp -1 included): as it came
//! a0..bf <text>                    Decimal, UUID: str(d), str(u), as Pyro's `default` writes them
//! ```
//!
//! So `('add', 1, 2.5)` travels as `93 a3 61 64 64 01 cb 40 04 00 00 00 00 00 00`.
//!
//! ```
//! use pyroxene_wire::{dict, serializer::msgpack, tuple, Value};
//!
//! let bytes = msgpack::to_vec(&tuple!["add", 1, 2.5]).unwrap();
//! assert_eq!(bytes, b"\x93\xa3add\x01\xcb\x40\x04\0\0\0\0\0\0");
//!
//! // Tuples (and sets) come back as lists, as they do in Python.
//! let value = msgpack::from_slice(&bytes).unwrap();
//! assert_eq!(value.to_string(), "['add', 1, 2.5]");
//!
//! let v = dict! { "big" => Value::from_bigint(num_bigint::BigInt::from(u64::MAX) + 1u8) };
//! assert_eq!(msgpack::from_slice(&msgpack::to_vec(&v).unwrap()).unwrap(), v);
//!
//! // Pyro's datetime(2020, 1, 2, 3, 4, 5, 6789) and an ext type Pyro doesn't know.
//! let v = msgpack::from_slice(b"\x92\xd7\x32;o@iW\x83\xd7A\xd4\x40\x00").unwrap();
//! assert_eq!(v.to_string(), "[datetime.datetime(2020, 1, 2, 3, 4, 5, 6789), ExtType(code=64, data=b'\\x00')]");
//! assert_eq!(msgpack::from_slice(&msgpack::to_vec(&v).unwrap()).unwrap(), v);
//! ```
//!
//! # Encoding
//!
//! Every [`Value`] can be encoded but those Pyro's msgpack refuses, with its texts: a
//! frozenset or a time ("don't know how to serialize class ..."), an aware datetime ("msgpack
//! cannot serialize datetime with timezone info"), a naive one in the first or last day of
//! Python's range (where `timestamp()` fails). Python peers decode with `strict_map_key=True`, so a dict
//! whose keys are not all str or bytes is encoded all the same but **fails on the Python side**
//! (`ValueError: int is not allowed for map key when strict_map_key=True`). An int needing more
//! than 4300 decimal digits is refused, as Python's `str(int)` refuses it. Nesting deeper than
//! [`MAX_DEPTH`](crate::MAX_DEPTH) is refused (Python's packer stops after 1024).
//!
//! # Decoding
//!
//! All msgpack formats are accepted: float32 too, map keys of any type (a repeated key keeps its
//! first position and its last value). Arrays become [`Value::List`]. The ext types:
//!
//! - `0x30` complex: 16 bytes, two little-endian float64.
//! - `0x31` int: decimal ASCII text as Python's `int()` reads it (sign, `_` separators,
//!   surrounding whitespace), at most 4300 digits.
//! - `0x32` datetime: a little-endian float64 POSIX timestamp. Python reads it as *local*
//!   time; we read it **in UTC** into a naive [`Value::DateTime`] (microseconds rounded
//!   half-even, as CPython does) and write it back the same way, so a datetime passes through
//!   to the bit whatever the time zones of sender, server and receiver (a Rust method sees the
//!   UTC wall clock; equal to the sender's when it runs in UTC). A timestamp outside Python's
//!   years 1..=9999, NaN or infinite fails with [`ErrorKind::Value`](crate::ErrorKind::Value)
//!   and Python's message.
//! - `0x33` date: a little-endian proleptic Gregorian ordinal (`date.toordinal()`), 8 bytes, or
//!   4 from a Windows sender: [`Value::Date`] (written back with 8).
//! - `-1` (msgpack's timestamp, 4/8/12 bytes) and every other code: [`Value::Ext`], kept as it
//!   came and written back unchanged (Pyro's Python peers refuse unknown codes with "invalid
//!   ext code for msgpack: N"; a pass-through leaves that to them). A timestamp's length and
//!   nanoseconds are checked as msgpack-python checks them.
//!
//! Malformed input is an [`Error`](crate::Error) with the byte offset: the reserved byte `0xc1`,
//! invalid UTF-8 in a str, bad ext data, extra bytes after the value (Python's `ExtraData`),
//! input that ends early ([`ErrorKind::Truncated`](crate::ErrorKind::Truncated), also when a
//! length points past the end), nesting deeper than [`MAX_DEPTH`](crate::MAX_DEPTH). Lengths are
//! never trusted for allocation: all the containers of one input together reserve room for no
//! more items than the input could hold. Hashing map keys nested in map keys (walked again at
//! every level) is charged to a budget of 1 MiB plus 16 per input byte, past which
//! decoding fails with [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge).
//!
//! Both directions keep open containers on a heap stack rather than recursing, so deep nesting
//! costs no thread stack (a 2 MiB thread handles `MAX_DEPTH` levels in debug builds too).

mod decode;

pub(crate) use decode::tuple_keys;
pub(crate) use ext::{
    datetime_from_timestamp, datetime_timestamp, timestamp_isoformat, timestamp_parts,
};
pub(super) mod encode;
mod ext;
#[cfg(test)]
mod tests;

use crate::{Result, Value};

/// Pyro's ext type of `complex`: two float64, native (little-endian) order.
const EXT_COMPLEX: i8 = 0x30;
/// Pyro's ext type of an int outside [-2^63, 2^64-1]: its decimal text.
const EXT_BIGINT: i8 = 0x31;
/// Pyro's ext type of a naive `datetime`: float64 of `timestamp()`, little-endian.
const EXT_DATETIME: i8 = 0x32;
/// Pyro's ext type of a `date`: `toordinal()` as a C long, little-endian.
const EXT_DATE: i8 = 0x33;
/// msgpack's own timestamp ext type.
const EXT_TIMESTAMP: i8 = -1;

/// Encodes `value` as the bytes Pyro5's msgpack serializer writes for the same Python value.
///
/// Tuples and sets become arrays, so they come back as lists; see the module docs for the
/// formats chosen.
///
/// # Errors
/// [`ErrorKind::TooDeep`](crate::ErrorKind::TooDeep) beyond [`MAX_DEPTH`](crate::MAX_DEPTH)
/// nested containers; [`ErrorKind::Value`](crate::ErrorKind::Value) for an int of more than
/// 4300 digits; [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge) for a str, bytes, list or
/// dict longer than 2^32-1.
pub fn to_vec(value: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(64);
    encode::encode(&mut out, value)?;
    Ok(out)
}

/// The items of a call array, when the payload has the usual shape (see
/// `Decoder::decode_call`); `None` sends the caller to the general decoder. With `owner`, big
/// bytes values are views of it, as with [`from_bytes`].
/// `budget` caps the work budget (see
/// [`Serializer::decode_shared_within`](crate::Serializer::decode_shared_within)).
pub(crate) fn decode_call(
    bytes: &[u8],
    owner: Option<&bytes::Bytes>,
    budget: usize,
) -> Option<super::call::CallItems> {
    match owner {
        Some(owner) => decode::Decoder::shared(owner).within(budget).decode_call(),
        None => decode::Decoder::new(bytes).within(budget).decode_call(),
    }
}

/// msgpack's own timestamp (ext type -1, msgpack-python's `Timestamp(seconds, nanoseconds)`)
/// as the [`Value::Ext`] msgpack-python writes for it (the shortest of its 4/8/12-byte forms).
///
/// ```
/// use pyroxene_wire::serializer::msgpack;
/// let ts = msgpack::timestamp(1, 0).unwrap();
/// assert_eq!(ts.to_string(), "Timestamp(seconds=1, nanoseconds=0)");
/// assert_eq!(msgpack::to_vec(&ts).unwrap(), b"\xd6\xff\0\0\0\x01");
/// ```
///
/// # Errors
/// [`ErrorKind::Value`](crate::ErrorKind::Value) for nanoseconds above 999,999,999.
pub fn timestamp(seconds: i64, nanoseconds: u32) -> Result<Value> {
    ext::timestamp(seconds, nanoseconds)
}

/// Decodes one msgpack value that fills all of `bytes`.
///
/// # Errors
/// On malformed, truncated or too deeply nested input, an unknown ext type, or bytes left
/// after the value; the error carries the byte offset. Never panics.
pub fn from_slice(bytes: &[u8]) -> Result<Value> {
    decode::Decoder::new(bytes).decode_all()
}

/// As [`from_slice`], but big bytes values are views of `bytes` rather than copies.
///
/// # Errors
/// As [`from_slice`].
pub fn from_bytes(bytes: &bytes::Bytes) -> Result<Value> {
    decode::Decoder::shared(bytes).decode_all()
}

/// As [`from_bytes`], the work budget lowered to `budget` (see
/// [`Serializer::decode_shared_within`](crate::Serializer::decode_shared_within)).
pub(crate) fn from_bytes_within(bytes: &bytes::Bytes, budget: usize) -> Result<Value> {
    decode::Decoder::shared(bytes).within(budget).decode_all()
}
