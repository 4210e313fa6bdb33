//! The marshal serializer: CPython's `marshal` format, version 4, as Pyro's
//! `MarshalSerializer` uses it (`marshal.dumps(value)` / `marshal.loads(bytes)`).
//!
//! Every value is a type byte followed by its payload; integers are little-endian:
//!
//! ```text
//! [42, 'hi', (None, 2.5)]  →
//! 5b 03 00 00 00                   '[' list of 3
//!    69 2a 00 00 00                'i' int32 42
//!    7a 02 68 69                   'z' short ASCII str, 2 bytes "hi"
//!    29 02                         ')' small tuple of 2
//!       4e                         'N' None
//!       67 00 00 00 00 00 00 04 40 'g' float64 2.5
//! ```
//!
//! | type byte | value |
//! |---|---|
//! | `N` `T` `F` | None, True, False |
//! | `i` | int that fits in 32 bits: i32 |
//! | `l` | other ints: i32 digit count (negative for negative ints), then 15-bit digits as u16, least significant first |
//! | `g` / `y` | float / complex: one / two float64 |
//! | `s` | bytes: u32 length + bytes |
//! | `z` / `a` | ASCII str: u8 / u32 length + bytes |
//! | `u` | other str: u32 length + UTF-8 |
//! | `)` / `(` | tuple: u8 / u32 count + items |
//! | `[` | list: u32 count + items |
//! | `{` | dict: key, value, key, value, ..., `0` |
//! | `<` / `>` | set / frozenset: u32 count + items |
//!
//! # Encoding
//!
//! [`to_vec`] writes exactly what CPython 3.11 writes for the same value, except that it never
//! sets the FLAG_REF bit (0x80) on a type byte, never writes `r` back-references and never uses
//! the interned variants (`t`, `A`, `Z`): CPython sets those depending on the reference counts
//! and interning of its objects, and reads input without them just the same. A set is written
//! as `<`, a frozenset as `>`. A UUID is written as its str (Pyro's `MarshalSerializer` does
//! that); datetimes, dates, times and Decimals are refused with Pyro's SerializeError text,
//! msgpack ext values with marshal's "unmarshallable object".
//!
//! # Decoding
//!
//! [`from_slice`] reads everything CPython writes for plain data: the types above, FLAG_REF and
//! `r` references (with CPython's numbering: a container takes its reference slot *before* its
//! items), the interned variants `t` `A` `Z`, frozensets (as [`Value::FrozenSet`]), and the older
//! forms `I` (int64), `f` (float as text) and `x` (complex as text). Like `marshal.loads`, it
//! reads one value and ignores any bytes after it. Non-ASCII bytes in `a`/`z` strings are read as
//! Latin-1, as CPython does.
//!
//! Differences from CPython, all for input a Python peer has no reason to send:
//!
//! - `S` (StopIteration), `.` (Ellipsis) and code objects (`c`) are
//!   [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) errors: the model has no such
//!   values.
//! - A `u` string holding UTF-8-encoded surrogates (CPython's `surrogatepass`) decodes with each
//!   surrogate replaced by U+FFFD, since a Rust `String` can't hold one; other invalid UTF-8 is an
//!   error, as in CPython.
//! - A reference to a container from inside itself (a recursive structure) is an error.
//! - Unhashable dict keys and set elements (lists, dicts, sets) are refused with Python's
//!   `unhashable type` TypeError (CPython's marshal would build them and fail the same way).
//!
//! References copy the value they name, so a hostile input can name a big container many times
//! over ("billion laughs"). The copies are budgeted: the values materialised through `r`
//! references may take at most 32 MiB plus twice the input length (counting 32 bytes per
//! value plus the bytes of every str payload, and of bytes payloads unless they are shared
//! views of the input, see [`from_bytes`]); beyond that decoding fails with
//! [`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge). Copies are made only when a reference is
//! actually used. Hashing set elements and dict keys nested in others (frozensets in
//! frozensets, walked again at every level) has a budget of its own, 1 MiB plus 16 per input
//! byte (a Python peer's keys cost nothing of it). Lengths and counts
//! are checked against the remaining input, and the room reserved for all the containers of one
//! input together is what the input could hold, so lying nested counts cost no memory; nesting
//! is limited to [`crate::MAX_DEPTH`] levels. Neither direction recurses
//! (containers in progress live on a heap stack), so deep values need no native stack.
//!
//! ```
//! use pyroxene_wire::serializer::marshal;
//! use pyroxene_wire::{Value, list, tuple};
//!
//! let v = list![42, "hi", tuple![Value::None, 2.5]];
//! let bytes = marshal::to_vec(&v).unwrap();
//! assert_eq!(bytes, b"[\x03\x00\x00\x00i\x2a\x00\x00\x00z\x02hi)\x02Ng\0\0\0\0\0\0\x04\x40");
//! assert_eq!(marshal::from_slice(&bytes).unwrap(), v);
//! ```

mod decode;
pub(super) mod encode;
#[cfg(test)]
mod tests;

use crate::{Result, Value};

/// Encodes `value` as CPython's `marshal.dumps(value)` does (version 4), without reference
/// flags.
///
/// ```
/// use pyroxene_wire::serializer::marshal;
/// use pyroxene_wire::Value;
/// assert_eq!(marshal::to_vec(&Value::Int(-1)).unwrap(), b"i\xff\xff\xff\xff");
/// assert_eq!(marshal::to_vec(&Value::Int(1 << 31)).unwrap(), b"l\x03\x00\x00\x00\x00\x00\x00\x00\x02\x00");
/// assert_eq!(marshal::to_vec(&Value::from("é")).unwrap(), b"u\x02\x00\x00\x00\xc3\xa9");
/// ```
///
/// # Errors
/// When nesting is deeper than [`crate::MAX_DEPTH`], or a str, bytes or container is longer
/// than 2^31 - 1 (which CPython can't write either: "unmarshallable object").
pub fn to_vec(value: &Value) -> Result<Vec<u8>> {
    encode::to_vec(value)
}

/// Decodes marshal bytes as CPython's `marshal.loads` does, references included.
///
/// ```
/// use pyroxene_wire::serializer::marshal;
/// // CPython output with FLAG_REF: a list holding the same str twice, the second as a reference.
/// let v = marshal::from_slice(b"[\x02\x00\x00\x00\xfa\x02hir\x00\x00\x00\x00").unwrap();
/// assert_eq!(v.to_string(), "['hi', 'hi']");
/// assert!(marshal::from_slice(b"[\xff\xff\xff\xff").is_err());
/// ```
///
/// # Errors
/// On malformed or truncated input, unsupported types (see the module docs), invalid or
/// recursive references, references expanding beyond the budget, and nesting deeper than
/// [`crate::MAX_DEPTH`]. Never panics.
pub fn from_slice(bytes: &[u8]) -> Result<Value> {
    decode::from_slice(bytes)
}

/// As [`from_slice`], but big bytes values are views of `bytes` rather than copies.
///
/// # Errors
/// As [`from_slice`].
pub fn from_bytes(bytes: &bytes::Bytes) -> Result<Value> {
    decode::from_bytes(bytes, usize::MAX)
}

/// As [`from_bytes`], the work budget lowered to `budget` (see
/// [`Serializer::decode_shared_within`](crate::Serializer::decode_shared_within)).
pub(crate) fn from_bytes_within(bytes: &bytes::Bytes, budget: usize) -> Result<Value> {
    decode::from_bytes(bytes, budget)
}
