//! The json serializer: exactly what Pyro's `JsonSerializer` writes and reads.
//!
//! Pyro encodes with `json.dumps(value, ensure_ascii=False).encode("utf-8")` and decodes with
//! `json.loads(bytes.decode("utf-8"))`. [`to_vec`] reproduces those bytes exactly and
//! [`from_slice`] accepts what Python accepts.
//!
//! ```text
//! {"name": "pyro", "ports": [9090, 9091], "ratio": 0.5, "big": 18446744073709551616, "x": NaN}
//! ```
//!
//! # Encoding
//!
//! - separators `", "` and `": "` (with the spaces), no newlines;
//! - str: non-ASCII written raw (UTF-8); `"` `\` and the control characters escaped as
//!   `\"` `\\` `\n` `\r` `\t` `\b` `\f`, other characters below U+0020 as `\u00XX` (lowercase
//!   hex); nothing else (not `/`, not U+007F, not U+2028);
//! - int of any size as decimal digits; float as Python's `repr()`, with the non-standard bare
//!   tokens `NaN`, `Infinity` and `-Infinity`;
//! - list, tuple and set → array (a set in its stored order);
//! - dict keys: str as is; int, float, bool and None keys become strings (`"1"`, `"1.5"`,
//!   `"NaN"`, `"true"`, `"null"`), as Python does; any other key type is an
//!   [`ErrorKind::Type`](crate::ErrorKind::Type) error with Python's text
//!   (`keys must be str, int, float, bool or None, not tuple`);
//! - bytes and complex are [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) with Pyro's
//!   `SerializeError` text (a set used as a dict key is reported as `frozenset`, the only
//!   hashable set in Python);
//! - ints of more than 4300 digits are refused like Python 3.11 refuses them
//!   ([`ErrorKind::Value`](crate::ErrorKind::Value), `Exceeds the limit (4300 digits) ...`).
//!
//! # Decoding
//!
//! Full JSON plus `NaN`, `Infinity` and `-Infinity`, with Python's rules: numbers without
//! fraction or exponent are ints of any size ([`Value::Int`], or [`Value::BigInt`] beyond 64
//! bits, at most 4300 digits); other numbers are floats rounded like Python's `float()` (so `1e400`
//! is infinity); objects become [`Value::Dict`] with str keys (a repeated key keeps its first
//! position and its last value); arrays become [`Value::List`]. Whitespace is `' '`, `\t`, `\n`,
//! `\r` around tokens; anything after the value is an error; a UTF-8 byte order mark is an error
//! (as in Python); raw control characters inside strings are an error (Python's `strict=True`);
//! invalid UTF-8 is an error.
//!
//! **Lone surrogates**: `\ud83d\ude00` is one character (U+1F600), but a `\uXXXX` surrogate
//! without its partner can't live in a Rust `String` and is refused
//! ([`ErrorKind::Value`](crate::ErrorKind::Value) "lone surrogate \\ud83d in a string", as
//! serpent refuses it). Python's `json.loads` keeps it in its str, which can then be written
//! nowhere: encoding it to UTF-8 (a Pyro reply, a log line) fails with "surrogates not
//! allowed".
//!
//! Nesting is limited to [`crate::MAX_DEPTH`] levels in both directions. Neither direction
//! recurses (containers in progress live on a heap stack), so deep values need no native stack.
//!
//! ```
//! use pyroxene_wire::serializer::json;
//! use pyroxene_wire::{Value, dict, list};
//!
//! let v = dict! { "a" => list![1, 2.5, Value::None], "b" => f64::INFINITY };
//! let bytes = json::to_vec(&v).unwrap();
//! assert_eq!(bytes, br#"{"a": [1, 2.5, null], "b": Infinity}"#);
//! assert_eq!(json::from_slice(&bytes).unwrap(), v);
//! ```

mod decode;
pub(super) mod encode;
#[cfg(test)]
mod tests;

use crate::{Result, Value};

/// Encodes `value` as Pyro's json serializer does (`json.dumps(value, ensure_ascii=False)` in
/// UTF-8).
///
/// ```
/// use pyroxene_wire::serializer::json;
/// use pyroxene_wire::{dict, tuple};
/// let bytes = json::to_vec(&dict! { 1 => tuple!["é", f64::NAN] }).unwrap();
/// assert_eq!(bytes, "{\"1\": [\"é\", NaN]}".as_bytes());
/// let err = json::to_vec(&pyroxene_wire::Value::Bytes(b"x".to_vec().into())).unwrap_err();
/// assert!(err.message().starts_with("don't know how to serialize class <class 'bytes'>"));
/// ```
///
/// # Errors
/// For bytes or complex values, dict keys that are not str/int/float/bool/None, ints of more
/// than 4300 digits, and nesting deeper than [`crate::MAX_DEPTH`]: always with Python's text.
pub fn to_vec(value: &Value) -> Result<Vec<u8>> {
    encode::to_vec(value)
}

/// Decodes json bytes as Pyro's json serializer does (`json.loads`), accepting `NaN`,
/// `Infinity` and `-Infinity`.
///
/// ```
/// use pyroxene_wire::serializer::json;
/// let v = json::from_slice(br#" {"x": [1, 1e400, "\ud83d\ude00"], "x": -Infinity} "#).unwrap();
/// assert_eq!(v.to_string(), "{'x': -inf}");
/// let v = json::from_slice(b"[123456789012345678901234567890, -0.0]").unwrap();
/// assert_eq!(v.to_string(), "[123456789012345678901234567890, -0.0]");
/// assert!(json::from_slice(b"[1, 2,]").is_err());
/// ```
///
/// # Errors
/// On anything `json.loads` would refuse (malformed or truncated input, trailing data, invalid
/// UTF-8, ints of more than 4300 digits) and on nesting deeper than [`crate::MAX_DEPTH`].
/// Never panics.
pub fn from_slice(bytes: &[u8]) -> Result<Value> {
    decode::from_slice(bytes)
}
