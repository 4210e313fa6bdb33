//! serpent: Python literal text, Pyro's default serializer.
//!
//! The encoder writes byte for byte what Python's `serpent.dumps(value,
//! module_in_classname=True)` (serpent 1.43, as Pyro4 and Pyro5 call it) writes; the decoder
//! reads the Python literal grammar that `ast.literal_eval` accepts, which covers everything
//! Python, Java and .NET serpent emit.
//!
//! ```text
//! # serpent utf-8 python3.2
//! ('obj_1234','method',(1,2.5,'three',None),{'key':'value','flag':True})
//! ```
//!
//! The first line is a comment naming the format; then comes one literal with no spaces and no
//! trailing newline. The notable rules:
//!
//! | value | text |
//! |---|---|
//! | float nan | `{'__class__':'float','value':'nan'}` (decoded back to a NaN float) |
//! | float ±inf | `1e30000` / `-1e30000` |
//! | complex | `(1.0+2.0j)`, `(0.0-1.5j)`; with a NaN part a `{'__class__':'complex',..}` dict |
//! | bytes | `{'data': 'AAE=', 'encoding': 'base64'}` (Python's dict repr, with spaces), or `b'\x00\x01'` with [`Options::bytes_repr`] |
//! | empty set | `()` (there is no empty-set literal) |
//! | dict keys, set elements | only bool, int, float, complex, str, bytes, tuple (else a [`ErrorKind::Type`](crate::ErrorKind::Type) error, as in Python) |
//!
//! Decoding is lossy the way Python's is: bytes come back as the base64 dict
//! ([`Value::to_bytes`] turns it into bytes), an empty set as an empty tuple.

mod decode;
pub(super) mod encode;
mod number;
mod scan;
mod string;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectors;

use crate::{Result, Value};

/// Encoder settings; the default is what Pyro sends out of the box.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Options {
    /// Write bytes as Python bytes literals (`b'\x00ab'`) instead of the base64 dict: Pyro5's
    /// `SERPENT_BYTES_REPR` config item (serpent's `bytes_repr=True`). Python peers then get
    /// real `bytes` back, but only serpent 1.40 and later can read it.
    pub bytes_repr: bool,
}

/// Encodes `value` as serpent bytes: the header line and one Python literal, exactly as Pyro's
/// `serpent.dumps(value, module_in_classname=True)` writes them.
///
/// # Examples
///
/// ```
/// use pyroxene_wire::{dict, serializer::serpent, tuple, Value};
///
/// let v = tuple![1, "a", Value::None, dict! { "x" => 1.5 }];
/// assert_eq!(
///     serpent::to_vec(&v).unwrap(),
///     b"# serpent utf-8 python3.2\n(1,'a',None,{'x':1.5})"
/// );
/// assert_eq!(
///     serpent::to_vec(&Value::Bytes(b"\x00\x01".to_vec().into())).unwrap(),
///     b"# serpent utf-8 python3.2\n{'data': 'AAE=', 'encoding': 'base64'}"
/// );
/// ```
///
/// # Errors
/// [`ErrorKind::Type`](crate::ErrorKind::Type) for a dict key or set element Python's serpent
/// refuses (None, list, dict, set), [`ErrorKind::Value`](crate::ErrorKind::Value) for an int of
/// more than 4300 decimal digits (Python's `repr` refuses those), and
/// [`ErrorKind::TooDeep`](crate::ErrorKind::TooDeep) for nesting deeper than
/// [`crate::MAX_DEPTH`].
pub fn to_vec(value: &Value) -> Result<Vec<u8>> {
    encode::encode(value, Options::default())
}

/// Encodes `value` like [`to_vec`], with `options`.
///
/// ```
/// use pyroxene_wire::{serializer::serpent, Value};
/// let mut options = serpent::Options::default();
/// options.bytes_repr = true;
/// let bytes = serpent::to_vec_with(&Value::Bytes(b"\x00ab".to_vec().into()), &options).unwrap();
/// assert_eq!(bytes, b"# serpent utf-8 python3.2\nb'\\x00ab'");
/// ```
///
/// # Errors
/// As [`to_vec`].
pub fn to_vec_with(value: &Value, options: &Options) -> Result<Vec<u8>> {
    encode::encode(value, *options)
}

/// The items of a call tuple, when the payload has the plain shape (see `decode::decode_call`);
/// `None` sends the caller to [`from_slice`].
pub(crate) fn decode_call(bytes: &[u8]) -> Option<super::call::CallItems> {
    decode::decode_call(bytes)
}

/// Decodes serpent bytes (any Python literal, with or without the header comment).
///
/// The NaN dict `{'__class__':'float','value':'nan'}` becomes a NaN float, as Pyro's serpent
/// loader does; every other dict, including serpent's base64 bytes dict, stays a dict.
///
/// # Examples
///
/// ```
/// use pyroxene_wire::{serializer::serpent, tuple, Value};
///
/// let v = serpent::from_slice(b"# serpent utf-8 python3.2\n('add',(1,2.5),{'x':1e30000})").unwrap();
/// assert_eq!(v.to_string(), "('add', (1, 2.5), {'x': inf})");
///
/// let v = serpent::from_slice(b"[(1.0-2.0j), b'\\x00\\xff', {1, 2}, 'caf\\xe9']").unwrap();
/// assert_eq!(v.to_string(), "[(1-2j), b'\\x00\\xff', {1, 2}, 'caf\u{e9}']");
///
/// assert!(serpent::from_slice(b"[1, 2").is_err());
/// ```
///
/// # Errors
/// For invalid UTF-8, a NUL character, anything outside the literal grammar, truncated input,
/// trailing data, an unhashable dict key or set element, nesting deeper than
/// [`crate::MAX_DEPTH`], a decimal int of more than 4300 digits (Python refuses those too), and
/// `\N{...}` or lone-surrogate escapes (which a Rust string cannot hold). Every error carries the
/// byte offset where it was noticed; the decoder never panics.
pub fn from_slice(bytes: &[u8]) -> Result<Value> {
    decode::decode(bytes)
}
